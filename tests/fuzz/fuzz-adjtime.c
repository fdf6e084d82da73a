/* fuzz-adjtime.c — libFuzzer target: the /etc/adjtime parser and rewriter
 * (service/tz/mrd-tz-adjtime.c). The rewrite is always three lines, says what was asked on the
 * third, and keeps hwclock's first two lines when they are there.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define FZ_GLIB 1
#include "fuzz-common.h"

#include <string.h>

#include "mrd-tz-private.h"

static guint
count_newlines (const char *s)
{
  guint n = 0;
  for (; *s != '\0'; s++)
    n += *s == '\n';
  return n;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;

  fz_glib_init ();
  (void) mrd_tz_adjtime_parse (text, size);
  for (int local = 0; local <= 1; local++)
    {
      g_autofree char *out = mrd_tz_adjtime_rewrite (text, size, local);
      g_autofree char *again = NULL;
      const char *nl = memchr (text, '\n', size);

      FZ_CHECK (count_newlines (out) == 3);
      FZ_CHECK (mrd_tz_adjtime_parse (out, strlen (out)) == local);
      /* a first line without NUL or newline trouble is kept as it was */
      if (nl != NULL && nl > text && memchr (text, '\0', (gsize) (nl - text)) == NULL)
        FZ_CHECK (strncmp (out, text, (gsize) (nl - text)) == 0 && out[nl - text] == '\n');
      again = mrd_tz_adjtime_rewrite (out, strlen (out), local);
      FZ_CHECK (strcmp (again, out) == 0);
    }
  return 0;
}
