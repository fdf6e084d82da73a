/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-filter.c — see ntp-filter.h. */
#include "ntp-filter.h"
#include "ntp-types.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
ntp_filter_init (NtpFilter *f, int depth)
{
  memset (f, 0, sizeof *f);
  if (depth < 1)
    depth = 1;
  if (depth > NTP_FILTER_MAX_DEPTH)
    depth = NTP_FILTER_MAX_DEPTH;
  f->depth = depth;
  f->last_out_ns = INT64_MIN;
}

bool
ntp_filter_add (NtpFilter *f, const NtpFilterSample *in, NtpFilterSample *out)
{
  if (f->count == f->depth) {
    memmove (f->s, f->s + 1, sizeof f->s[0] * (size_t) (f->depth - 1));
    f->count--;
  }
  f->s[f->count++] = *in;

  int best = 0;
  for (int i = 1; i < f->count; i++)
    if (f->s[i].delay < f->s[best].delay)
      best = i;

  double sum = 0;
  for (int i = 0; i < f->count; i++) {
    double d = f->s[i].offset - f->s[best].offset;
    sum += d * d;
  }
  f->jitter = f->count > 1 ? sqrt (sum / (f->count - 1)) : 0.0;

  /* RFC 5905 §10: never reuse a sample, never go back in time. */
  if (f->s[best].time_ns <= f->last_out_ns)
    return false;
  f->last_out_ns = f->s[best].time_ns;
  *out = f->s[best];
  return true;
}

void
ntp_filter_slew (NtpFilter *f, int64_t when_ns, double dfreq, double doffset)
{
  for (int i = 0; i < f->count; i++) {
    double delta = ntp_clock_change_shift (f->s[i].time_ns, when_ns, dfreq, doffset);
    f->s[i].offset += delta;
    f->s[i].time_ns += (int64_t) llround (delta * 1e9);
  }
  if (f->last_out_ns != INT64_MIN) {
    double delta = ntp_clock_change_shift (f->last_out_ns, when_ns, dfreq, doffset);
    f->last_out_ns += (int64_t) llround (delta * 1e9);
  }
}

bool
ntp_filter_delay_ok (double delay, double offset, double min_delay, double std_dev,
                     double predicted, double ratio, double allowance)
{
  double rise = delay - min_delay;
  if (ratio <= 0.0 || rise <= 0.0 || std_dev <= 0.0)
    return true;
  if (!(allowance > 0.0))
    allowance = 0.0;
  /* A delay that rose by `rise` over the shortest path can move the offset by up to rise/2:
   * that half is what is compared with the offsets' own noise. */
  double delta = 0.5 * rise;
  double max_delta = ratio * std_dev + allowance;
  if (delta <= max_delta)
    return true;
  /* The offset moved by more than the extra delay can explain: a real change (of the clock
   * or the path), not a queue. */
  return fabs (offset - predicted) - delta > max_delta;
}

void
ntp_delay_quant_init (NtpDelayQuantile *q, double p)
{
  memset (q, 0, sizeof *q);
  q->p = p;
}

void
ntp_delay_quant_add (NtpDelayQuantile *q, double delay)
{
  q->delay[q->next] = delay;
  q->next = (q->next + 1) % NTP_DELAY_QUANT_WINDOW;
  if (q->count < NTP_DELAY_QUANT_WINDOW)
    q->count++;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

bool
ntp_delay_quant_get (const NtpDelayQuantile *q, double *quantile)
{
  double side = fmin (q->p, 1.0 - q->p);
  if (side <= 0.0 || q->count < (int) ceil (2.0 / side))
    return false;
  double sorted[NTP_DELAY_QUANT_WINDOW];
  memcpy (sorted, q->delay, sizeof sorted[0] * (size_t) q->count);
  qsort (sorted, (size_t) q->count, sizeof sorted[0], compare_double);
  /* linear interpolation between the order statistics around position P (n - 1) */
  double pos = q->p * (q->count - 1);
  int lo = (int) floor (pos);
  int hi = lo + 1 < q->count ? lo + 1 : lo;
  *quantile = sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  return true;
}
