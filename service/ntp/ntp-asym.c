/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-asym.c — queueing asymmetry from the samples; see ntp-asym.h. */
#include "ntp-asym.h"

#include <math.h>
#include <stdlib.h>

/* Kendall's statistic is near normal from about eight samples on. */
#define MIN_SAMPLES 8
/* How many standard deviations Kendall's statistic must stand from 0 (ntp-asym.h). */
#define SIGNIFICANCE 3.0
#define MAX_ASYMMETRY 0.5

void
ntp_asym_init (NtpAsym *a)
{
  a->n = 0;
  a->next = 0;
}

void
ntp_asym_add (NtpAsym *a, double residual, double delay)
{
  if (!isfinite (residual) || !isfinite (delay))
    return;
  a->residual[a->next] = residual;
  a->delay[a->next] = delay;
  a->next = (a->next + 1) % NTP_ASYM_SAMPLES;
  if (a->n < NTP_ASYM_SAMPLES)
    a->n++;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Rank statistics, not least squares: queueing delays are often heavy-tailed, and one long
 * one would both bend a least-squares slope and shrink its apparent error. The slope is
 * Theil and Sen's (the median of the slopes between every two samples); whether there is one
 * at all is Kendall's test (the pairs in which residual and delay rise together against
 * those in which one falls), which holds whatever the delays' distribution. */
double
ntp_asym_estimate (const NtpAsym *a)
{
  double slopes[NTP_ASYM_SAMPLES * (NTP_ASYM_SAMPLES - 1) / 2];
  int n = a->n, m = 0;
  long concordant = 0, discordant = 0;
  if (n < MIN_SAMPLES)
    return 0.0;
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      double dd = a->delay[j] - a->delay[i], dr = a->residual[j] - a->residual[i];
      if (dd == 0.0)
        continue;
      slopes[m++] = dr / dd;
      if (dr * dd > 0.0)
        concordant++;
      else if (dr * dd < 0.0)
        discordant++;
    }
  if (m == 0)
    return 0.0;
  /* Kendall's S against its SD under independence, sqrt (n (n - 1) (2n + 5) / 18). */
  double z = (double) (concordant - discordant) / sqrt (n * (n - 1.0) * (2.0 * n + 5.0) / 18.0);
  if (!(fabs (z) > SIGNIFICANCE))
    return 0.0;
  qsort (slopes, (size_t) m, sizeof slopes[0], compare_doubles);
  double slope = m % 2 ? slopes[m / 2] : 0.5 * (slopes[m / 2 - 1] + slopes[m / 2]);
  return slope > MAX_ASYMMETRY ? MAX_ASYMMETRY : slope < -MAX_ASYMMETRY ? -MAX_ASYMMETRY : slope;
}
