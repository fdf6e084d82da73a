/* mrd-tz-adjtime.c — the RTC's time scale in /etc/adjtime (hwclock(8), adjtime_config(5)):
 *   line 1: drift factor, last adjust time, adjustment status  ("0.0 0 0")
 *   line 2: last calibration time                               ("0")
 *   line 3: "UTC" or "LOCAL"
 * Read and replaced beneath the root without following links (mrd-tz-root.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <glib/gi18n.h>

#include "mrd-tz-adjtime.h"
#include "mrd-tz-error.h"
#include "mrd-tz-private.h"

/* hwclock's file is three short lines; anything near this size is not an adjtime file. */
#define ADJTIME_MAX (64 * 1024)

/* Line @n (0-based) of @text as [*start, *end), NUL bytes ending it as they end a C string
 * for hwclock. FALSE when there is no such line. */
static gboolean
nth_line (const char *text, gsize len, guint n, const char **start, const char **end)
{
  const char *p = text, *stop = text + len;

  for (guint i = 0; p <= stop; i++)
    {
      const char *eol = memchr (p, '\n', (gsize) (stop - p));
      if (eol == NULL)
        eol = stop;
      if (i == n)
        {
          const char *nul = memchr (p, '\0', (gsize) (eol - p));
          if (p == stop)
            return FALSE;   /* after the final newline: no such line */
          *start = p;
          *end = nul != NULL ? nul : eol;
          return TRUE;
        }
      if (eol == stop)
        return FALSE;
      p = eol + 1;
    }
  return FALSE;
}

gboolean
mrd_tz_adjtime_parse (const char *text, gsize len)
{
  const char *s, *e;

  /* hwclock: anything but "LOCAL" on line 3 means UTC. */
  if (!nth_line (text, len, 2, &s, &e))
    return FALSE;
  while (s < e && g_ascii_isspace (*s))
    s++;
  while (e > s && g_ascii_isspace (e[-1]))
    e--;
  return e - s == 5 && memcmp (s, "LOCAL", 5) == 0;
}

char *
mrd_tz_adjtime_rewrite (const char *old, gsize len, gboolean local_rtc)
{
  g_autofree char *line1 = NULL, *line2 = NULL;
  const char *s, *e;

  /* Keep the first two lines (drift and calibration data hwclock owns). */
  if (old != NULL && nth_line (old, len, 0, &s, &e) && e > s)
    line1 = g_strndup (s, (gsize) (e - s));
  if (old != NULL && nth_line (old, len, 1, &s, &e) && e > s)
    line2 = g_strndup (s, (gsize) (e - s));
  return g_strdup_printf ("%s\n%s\n%s\n", line1 != NULL ? line1 : "0.0 0 0",
                          line2 != NULL ? line2 : "0", local_rtc ? "LOCAL" : "UTC");
}

gboolean
mrd_tz_adjtime_read (const char *root, gboolean *out_local_rtc, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  g_return_val_if_fail (out_local_rtc != NULL, FALSE);

  *out_local_rtc = FALSE;
  if (!mrd_tz_root_read_file (root, "etc/adjtime", ADJTIME_MAX, &text, &len, error))
    return FALSE;
  if (text != NULL)
    *out_local_rtc = mrd_tz_adjtime_parse (text, len);
  return TRUE;
}

gboolean
mrd_tz_adjtime_write (const char *root, gboolean local_rtc, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *out = NULL;
  gsize len = 0;

  if (!mrd_tz_root_read_file (root, "etc/adjtime", ADJTIME_MAX, &text, &len, error))
    return FALSE;
  out = mrd_tz_adjtime_rewrite (text, len, local_rtc);
  if (text != NULL && strlen (out) == len && memcmp (text, out, len) == 0)
    return TRUE;
  return mrd_tz_root_write_file (root, "etc/adjtime", out, strlen (out), 0644, TRUE, error);
}
