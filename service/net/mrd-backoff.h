/* mrd-backoff.h — a retry delay that doubles after each failure up to a ceiling: the engine
 * launcher's restarts (service/privsep/mrd-engine-launch.c) and the resolver's retries and
 * re-resolutions of names that stopped answering (service/sync/mrd-sync-engine.c). The unit
 * (seconds, milliseconds) is the caller's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint first;
  guint max;
  guint next;     /* the delay the next failure waits */
} MrdBackoff;

/* Start at @first (at least 1), never above @max (at least @first). */
void  mrd_backoff_init  (MrdBackoff *b, guint first, guint max);
/* The delay to wait after this failure; the next one waits twice as long, up to max. */
guint mrd_backoff_next  (MrdBackoff *b);
/* A success (or a stop on purpose): the next failure waits @first again. */
void  mrd_backoff_reset (MrdBackoff *b);

G_END_DECLS
