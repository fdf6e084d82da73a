/* fuzz-meridian-conf.c — libFuzzer target: meridian.conf as meridiand reads it
 * (mrd_config_parse_data in service/mrd-config.c: chrony.conf syntax, source lines through the
 * NTP core's parser, core directives, driftfile, rtcsync, include/confdir/sourcedir).
 * Invariants: what the reader keeps is what the core accepts (every kept source line parses
 * with ntp_source_config_parse, every kept core line with ntp_config_parse_line); a kept path
 * is a non-empty absolute one; each ignored or bad line leaves one diagnostic naming its file
 * and line; the same text read twice gives the same result. Files named by include, confdir
 * and sourcedir are looked up beneath a root that does not exist, so no input reads this
 * machine's files.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define FZ_GLIB 1
#include "fuzz-common.h"

#include <string.h>

#include "mrd-config.h"
#include "ntp-config.h"

#define FZ_ROOT "/nonexistent/meridian-fuzz-root"

static MrdConfig *
read_text (const char *text)
{
  MrdConfig *config = mrd_config_new ();

  config->root = g_strdup (FZ_ROOT);
  mrd_config_parse_data (config, text, "fuzz.conf");
  return config;
}

static void
check_same (const GPtrArray *a, const GPtrArray *b)
{
  FZ_CHECK (a->len == b->len);
  for (guint i = 0; i < a->len; i++)
    FZ_CHECK (strcmp (a->pdata[i], b->pdata[i]) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;
  MrdConfig *a, *b;
  guint lines = 1;

  fz_glib_init ();
  /* A file's text as read: up to its first NUL. */
  text = g_strndup ((const char *) data, size);
  for (const char *p = text; *p != '\0'; p++)
    lines += *p == '\n';

  a = read_text (text);
  for (guint i = 0; i < a->sources->len; i++)
    {
      NtpSourceConfig sc;
      char err[256];
      FZ_CHECK (ntp_source_config_parse (&sc, a->sources->pdata[i], err, sizeof err) == 0);
    }
  for (guint i = 0; i < a->core_lines->len; i++)
    {
      NtpConfig cfg;
      char err[256];
      ntp_config_init (&cfg);
      FZ_CHECK (ntp_config_parse_line (&cfg, a->core_lines->pdata[i], err, sizeof err) == 1);
    }
  if (a->driftfile != NULL)
    FZ_CHECK (a->driftfile[0] == '/');
  for (guint i = 0; i < a->sourcedirs->len; i++)
    FZ_CHECK (((const char *) a->sourcedirs->pdata[i])[0] == '/');
  /* Every diagnostic names a file: this one (a line number within it) or one it named. */
  for (guint i = 0; i < a->diagnostics->len; i++)
    {
      const char *d = a->diagnostics->pdata[i];
      if (g_str_has_prefix (d, "fuzz.conf:"))
        {
          guint64 n = g_ascii_strtoull (d + strlen ("fuzz.conf:"), NULL, 10);
          FZ_CHECK (n >= 1 && n <= lines);
        }
      else
        FZ_CHECK (strstr (d, FZ_ROOT) != NULL);   /* a file it named, beneath the root */
    }
  FZ_CHECK (a->n_errors <= a->diagnostics->len);
  FZ_CHECK (a->depth == 0);

  b = read_text (text);
  check_same (a->sources, b->sources);
  check_same (a->core_lines, b->core_lines);
  check_same (a->diagnostics, b->diagnostics);
  check_same (a->sourcedirs, b->sourcedirs);
  FZ_CHECK (g_strcmp0 (a->driftfile, b->driftfile) == 0 && a->rtcsync == b->rtcsync &&
            a->n_errors == b->n_errors);
  mrd_config_free (a);
  mrd_config_free (b);
  return 0;
}
