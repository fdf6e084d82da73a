/* fuzz-sysconfig-clock.c — libFuzzer target: the /etc/sysconfig/clock rewriter and ZONE=
 * reader (service/tz/mrd-tz-localtime.c). The rewrite must name the new zone, keep every other
 * line byte for byte and in order, and refuse text with NUL bytes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define FZ_GLIB 1
#include "fuzz-common.h"

#include <string.h>

#include "mrd-tz-private.h"

/* The lines of @text that are not ZONE= assignments, each with its newline. */
static GString *
other_lines (const char *text, gsize len)
{
  GString *out = g_string_new (NULL);
  const char *p = text, *end = text + len;

  while (p < end)
    {
      const char *eol = memchr (p, '\n', (gsize) (end - p));
      const char *q = p;
      if (eol == NULL)
        eol = end;
      while (q < eol && (*q == ' ' || *q == '\t'))
        q++;
      if (!((gsize) (eol - q) >= 5 && memcmp (q, "ZONE=", 5) == 0))
        {
          g_string_append_len (out, p, eol - p);
          g_string_append_c (out, '\n');
        }
      p = eol + 1;
    }
  return out;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const zones[] = { "Asia/Seoul", "America/Argentina/Buenos_Aires", "UTC",
                                       "Etc/GMT+5" };
  const char *text = (const char *) data;
  const char *zone = zones[size % G_N_ELEMENTS (zones)];
  g_autofree char *cur = NULL, *out = NULL, *again = NULL, *out_zone = NULL;

  fz_glib_init ();
  cur = mrd_tz_sysconfig_clock_zone (text, size);
  if (cur != NULL)
    FZ_CHECK (strlen (cur) <= size);
  out = mrd_tz_sysconfig_clock_rewrite (text, size, zone, NULL);
  if (memchr (text, '\0', size) != NULL)
    {
      FZ_CHECK (out == NULL);
      return 0;
    }
  FZ_CHECK (out != NULL);
  out_zone = mrd_tz_sysconfig_clock_zone (out, strlen (out));
  FZ_CHECK (out_zone != NULL && strcmp (out_zone, zone) == 0);
  {
    GString *before = other_lines (text, size);
    GString *after = other_lines (out, strlen (out));
    FZ_CHECK (g_string_equal (before, after));
    g_string_free (before, TRUE);
    g_string_free (after, TRUE);
  }
  /* rewriting with the same zone changes nothing more */
  again = mrd_tz_sysconfig_clock_rewrite (out, strlen (out), zone, NULL);
  FZ_CHECK (again != NULL && strcmp (again, out) == 0);
  return 0;
}
