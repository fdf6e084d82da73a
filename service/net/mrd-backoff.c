/* mrd-backoff.c — see mrd-backoff.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-backoff.h"

void
mrd_backoff_init (MrdBackoff *b, guint first, guint max)
{
  b->first = MAX (first, 1);
  b->max = MAX (max, b->first);
  b->next = b->first;
}

guint
mrd_backoff_next (MrdBackoff *b)
{
  guint delay = b->next;

  b->next = b->next > b->max / 2 ? b->max : b->next * 2;
  return delay;
}

void
mrd_backoff_reset (MrdBackoff *b)
{
  b->next = b->first;
}
