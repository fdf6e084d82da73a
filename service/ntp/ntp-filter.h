/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-filter.h — the clock filter in front of the source statistics.
 *
 * RFC 5905 §10: of the last few samples the one with the lowest delay carries the least
 * queueing error, so it is the one passed on (and only once). With depth 1 every sample
 * passes, which suits the regression behind it (it weights samples by delay itself).
 * The filter also keeps the RFC's peer jitter and offers chrony's "test C": a sample whose
 * delay rose far above the minimum, relative to the offsets' noise, is dropped unless its
 * offset moved by more than that rise (then the path changed, not the queue). Or, with
 * chrony's `maxdelayquant P`, instead of test C: a sample whose delay is above the P-quantile
 * of the source's recent delays is dropped (NtpDelayQuantile).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define NTP_FILTER_MAX_DEPTH 8

typedef struct {
  int64_t time_ns;
  double offset, delay, dispersion;
  double asym_corr;   /* s taken off the offset for the path's asymmetry (NtpSample's) */
} NtpFilterSample;

typedef struct {
  NtpFilterSample s[NTP_FILTER_MAX_DEPTH];
  int depth;          /* 1..NTP_FILTER_MAX_DEPTH */
  int count;          /* valid entries, newest at s[count-1] */
  int64_t last_out_ns;
  double jitter;      /* s, RMS of offset differences to the chosen sample (RFC 5905 §10) */
} NtpFilter;

void ntp_filter_init (NtpFilter *f, int depth);
/* Push a sample; true when one comes out in *out (the lowest-delay one in the window, if it
 * is newer than the last one output). */
bool ntp_filter_add (NtpFilter *f, const NtpFilterSample *in, NtpFilterSample *out);
/* The clock changed at when_ns: from then on it runs dfreq faster and reads doffset less
 * (ntp_stats_slew's arguments). Stored times and offsets follow, so that the samples after a
 * step are not taken for older ones than those before it. */
void ntp_filter_slew (NtpFilter *f, int64_t when_ns, double dfreq, double doffset);

/* chrony's test C: refuse a sample when half its delay's rise over min_delay (the most the
 * rise can move the offset) exceeds ratio x std_dev + allowance, unless its offset moved from
 * `predicted` by more than that rise explains. min_delay: the lowest delay in the statistics;
 * std_dev: their offset noise; ratio: maxdelaydevratio (10). allowance
 * (s): extra rise allowed for what the statistics cannot know, growing with the time since
 * their newest sample (chrony: elapsed x (skew + max clock error)); without it a path that
 * got longer for good would be refused forever. */
bool ntp_filter_delay_ok (double delay, double offset, double min_delay, double std_dev,
                          double predicted, double ratio, double allowance);

/* chrony's maxdelayquant: the P-quantile of the last NTP_DELAY_QUANT_WINDOW delays measured
 * (kept or dropped: a path that got longer for good moves the quantile up within
 * (1 - P) x the window, so it is not refused forever). The window is the statistics' own
 * horizon (NTP_STATS_MAX_SAMPLES): there the empirical quantile's rank has an SD of
 * sqrt(64 P (1 - P)) <= 4 delays, a few percent of the distribution. */
#define NTP_DELAY_QUANT_WINDOW 64

typedef struct {
  double p;                                /* the quantile, 0.05..0.95 */
  double delay[NTP_DELAY_QUANT_WINDOW];    /* a ring, oldest overwritten */
  int count, next;
} NtpDelayQuantile;

void ntp_delay_quant_init (NtpDelayQuantile *q, double p);
/* Record a measured delay (s). */
void ntp_delay_quant_add (NtpDelayQuantile *q, double delay);
/* The P-quantile of the recorded delays; false until there are enough of them for one to
 * stand on at least two delays either side (2 / min(P, 1 - P)). */
bool ntp_delay_quant_get (const NtpDelayQuantile *q, double *quantile);
