/* fuzz-posix-tz.c — libFuzzer target: POSIX TZ strings (POSIX.1-2017 §8.3, with the TZif v3
 * extensions of RFC 9636 §3.3.1), as in a TZif footer or a TZ= value, through
 * mrd_tzif_new_from_posix(). Walks the transitions of a few years from each parsed rule.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define FZ_GLIB 1
#include "fuzz-common.h"

#include <string.h>

#include "mrd-tzif.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;
  g_autoptr(MrdTzif) tz = NULL;
  gint64 at;

  fz_glib_init ();
  if (size > 512)
    return 0;   /* footers are short; long inputs only slow the search down */
  text = g_strndup ((const char *) data, size);
  tz = mrd_tzif_new_from_posix (text, NULL);
  if (tz == NULL)
    return 0;
  FZ_CHECK (mrd_tzif_get_version (tz) == 0);
  /* 1969 → about 2031, and the far ends of the range */
  at = -86400;
  for (int i = 0; i < 130; i++)
    {
      MrdTzDescription d;
      mrd_tzif_describe (tz, at, &d);
      FZ_CHECK (memchr (d.abbreviation, '\0', sizeof d.abbreviation) != NULL);
      /* offsets are at most 167:59:59 (RFC 9636 §3.3.1 hours) */
      FZ_CHECK (d.utc_offset > -168 * 3600 && d.utc_offset < 168 * 3600);
      if (!d.has_next)
        break;
      FZ_CHECK (d.next_transition > at);
      at = d.next_transition;
      if (at > 2000000000LL)
        break;
    }
  {
    MrdTzDescription d;
    mrd_tzif_describe (tz, G_MAXINT64, &d);
    mrd_tzif_describe (tz, G_MININT64, &d);
    mrd_tzif_describe (tz, (G_GINT64_CONSTANT (1) << 56), &d);
  }
  return 0;
}
