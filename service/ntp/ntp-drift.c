/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-drift.c — see ntp-drift.h. */
#include "ntp-drift.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Beyond any real oscillator (chrony clamps its frequency to +-500000 ppm). */
#define MAX_DRIFT_PPM 500000.0

int
ntp_drift_format (char *buf, size_t len, double freq_ppm, double skew_ppm)
{
  if (!isfinite (freq_ppm) || !isfinite (skew_ppm))
    return -1;
  return snprintf (buf, len, "%20.6f %20.6f\n", freq_ppm, skew_ppm);
}

bool
ntp_drift_parse (const char *text, double *freq_ppm, double *skew_ppm)
{
  if (!text)
    return false;
  const char *p = text;
  char *end;
  errno = 0;
  double f = strtod (p, &end);
  if (end == p || errno)
    return false;
  p = end;
  if (!isspace ((unsigned char) *p))
    return false;
  double s = strtod (p, &end);
  if (end == p || errno)
    return false;
  for (p = end; *p; p++)
    if (!isspace ((unsigned char) *p))
      return false;
  if (!isfinite (f) || !isfinite (s) || fabs (f) > MAX_DRIFT_PPM || s < 0 || s > MAX_DRIFT_PPM)
    return false;
  if (freq_ppm)
    *freq_ppm = f;
  if (skew_ppm)
    *skew_ppm = s;
  return true;
}
