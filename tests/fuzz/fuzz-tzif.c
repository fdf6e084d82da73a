/* fuzz-tzif.c — libFuzzer target: the TZif reader (RFC 9636, v1–v4) and the footer rules it
 * applies after the last transition (service/tz/mrd-tzif.c). Every parsed zone is described
 * at instants spread over the whole 64-bit range; a description must be self-consistent.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define FZ_GLIB 1
#include "fuzz-common.h"

#include <string.h>

#include "mrd-tzif.h"

static void
check_description (const MrdTzDescription *d, gint64 at)
{
  FZ_CHECK (d->at == at);
  FZ_CHECK (memchr (d->abbreviation, '\0', sizeof d->abbreviation) != NULL);
  FZ_CHECK (memchr (d->next_abbreviation, '\0', sizeof d->next_abbreviation) != NULL);
  /* RFC 9636 §3.2: utoff must not be -2^31; the footer's offsets are within ±25 h */
  FZ_CHECK (d->utc_offset != G_MININT32);
  if (d->has_next)
    FZ_CHECK (d->next_transition > at);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const gint64 instants[] = {
    G_MININT64, -(G_GINT64_CONSTANT (1) << 59) - 1, -2208988800LL, -1, 0, 1,
    1700000000, 2147483647LL, 2147483648LL, 4102444800LL, 32503680000LL,
    (G_GINT64_CONSTANT (1) << 40), (G_GINT64_CONSTANT (1) << 59), G_MAXINT64 - 1, G_MAXINT64,
  };
  g_autoptr(MrdTzif) tz = NULL;

  fz_glib_init ();
  tz = mrd_tzif_new_from_data (data, size, NULL);
  if (tz == NULL)
    return 0;
  FZ_CHECK (mrd_tzif_get_version (tz) >= 1 && mrd_tzif_get_version (tz) <= 4);
  if (mrd_tzif_get_version (tz) >= 2)
    FZ_CHECK (mrd_tzif_get_footer (tz) != NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (instants); i++)
    {
      MrdTzDescription d;
      mrd_tzif_describe (tz, instants[i], &d);
      check_description (&d, instants[i]);
      /* the next transition described from just before it is the same change */
      if (d.has_next && d.next_transition < G_MAXINT64)
        {
          MrdTzDescription after;
          mrd_tzif_describe (tz, d.next_transition, &after);
          check_description (&after, d.next_transition);
        }
    }
  return 0;
}
