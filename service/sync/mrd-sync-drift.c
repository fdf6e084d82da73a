/* mrd-sync-drift.c — the drift file's text (mrd-sync-engine.h): apart from the engine, so that
 * meridiand, which keeps the file for its engine process, links these two functions alone.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <math.h>

#include "sync/mrd-sync-engine.h"

/* chronyd's drift file: "%20.6f %20.6f\n", the frequency and its skew in ppm. chronyd's
 * frequency is the one its Linux driver is called with, "a positive argument if the local
 * clock runs fast when uncompensated" (sys_linux.c set_frequency) — the core's sign, not the
 * correction's — and a file written for a clock gaining f s/s holds about f x 1e6. The
 * values are taken as written, so a drift file moves between chronyd and meridiand. */
#define DRIFT_MAX_PPM 500000.0   /* chronyd clamps its frequency to this (local.c) */

gboolean
mrd_sync_engine_drift_parse (const char *text, double *freq_ppm, double *skew_ppm)
{
  g_auto(GStrv) words = g_strsplit_set (g_strstrip ((char *) text), " \t\n", -1);
  double values[2];
  guint i, n = 0;

  for (i = 0; words[i] != NULL; i++)
    {
      char *end = NULL;

      if (words[i][0] == '\0')
        continue;
      if (n == 2)
        return FALSE;
      values[n] = g_ascii_strtod (words[i], &end);
      if (end == words[i] || *end != '\0' || !isfinite (values[n]))
        return FALSE;
      n++;
    }
  if (n != 2 || fabs (values[0]) > DRIFT_MAX_PPM || values[1] < 0.0)
    return FALSE;
  *freq_ppm = values[0];
  *skew_ppm = values[1];
  return TRUE;
}

void
mrd_sync_engine_drift_format (double freq_ppm, double skew_ppm, char *buf, gsize size)
{
  /* In the C locale whatever LC_NUMERIC says: chronyd reads it with sscanf ("%lf"). */
  char f[G_ASCII_DTOSTR_BUF_SIZE], k[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (f, sizeof f, "%.6f", freq_ppm);
  g_ascii_formatd (k, sizeof k, "%.6f", skew_ppm);
  g_snprintf (buf, size, "%20s %20s\n", f, k);
}
