/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-stats.h — per-source sample history and its regression (chrony's "sourcestats").
 *
 * Offsets here follow the core's sign: positive = the local clock is ahead of the source.
 * Sample times are local (cooked) clock readings in ns. When the engine changes the clock's
 * frequency or offset it calls ntp_stats_slew()/ntp_stats_step() so the stored samples read
 * as if the clock had always run the way it runs now; the regression then always estimates
 * the CURRENT residual frequency and offset.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define NTP_STATS_MAX_SAMPLES 64
/* The largest minsamples/maxsamples a configuration may ask for. */
#define NTP_STATS_LIMIT NTP_STATS_MAX_SAMPLES
/* Before a source has samples its frequency is assumed within +-2000 ppm and its offsets'
 * standard deviation 4 s: chronyd's worst case, which `chronyc sourcestats` shows for such a
 * source (2000.000 ppm, 4000ms). The daemon reports the same for a source the engine has not
 * reported yet. */
#define NTP_STATS_WORST_FREQ 2000e-6
#define NTP_STATS_WORST_STD_DEV 4.0

typedef struct NtpStats NtpStats;

typedef struct {
  int64_t time_ns;          /* local time of the measurement (midpoint of t1..t4) */
  double offset;            /* s, positive = local ahead */
  double delay;             /* s, round trip to the source */
  double peer_dispersion;   /* s, precision and rate terms of this measurement */
  double asym_corr;         /* s already taken off `offset` for the path's asymmetry */
  double root_delay;        /* s, to the reference clock: source's + ours */
  double root_dispersion;   /* s, source's + ours */
  int stratum;
  int leap;                 /* NTP_LI_* of the packet */
} NtpSample;

/* What selection needs, evaluated at one moment. */
typedef struct {
  bool ok;                  /* the regression stands on >= min samples */
  double offset;            /* s, estimated now */
  double root_distance;     /* s, grows with skew since the sample */
  /* The interval the true offset lies in now (s), for the intersection: offset +-
   * root_distance (chrony's), narrowed to what the samples' own correctness intervals allow
   * (see ntp_stats_bound_now). lo <= hi. */
  double lo, hi;
  double std_dev;           /* s */
  double first_ago, last_ago;
  double freq, skew;        /* the regression's frequency and skew (fractions) */
  int stratum, leap;
} NtpStatsSelection;

/* What the reference update needs from the selected source(s). */
typedef struct {
  int64_t ref_time_ns;      /* time the estimate refers to (the newest sample) */
  double offset;            /* s, at ref_time */
  double offset_sd;         /* s */
  double freq;              /* residual frequency, fraction (positive = local fast) */
  double freq_sd;
  double skew;              /* fraction */
  double root_delay, root_dispersion;
  double std_dev;
} NtpStatsTracking;

NtpStats *ntp_stats_new (void);
void ntp_stats_free (NtpStats *st);
void ntp_stats_reset (NtpStats *st);
/* chrony's minsamples/maxsamples: the runs test never leaves fewer than min_samples in the
 * fit (when there are that many), and at most max_samples are kept. 0 = default (3 and
 * NTP_STATS_MAX_SAMPLES); values are clamped to 3..NTP_STATS_MAX_SAMPLES, min <= max. */
void ntp_stats_set_limits (NtpStats *st, int min_samples, int max_samples);
/* chrony's maxclockerror (a fraction, e.g. 1e-6): how fast a source's selection interval
 * grows beyond its samples. Default 1e-6. */
void ntp_stats_set_clock_error (NtpStats *st, double rate);

/* Store one sample (oldest dropped when full). Returns false (and resets the history) when
 * the sample is older than the newest stored one. */
bool ntp_stats_add (NtpStats *st, const NtpSample *s);
/* Refit and prune as the runs test says. */
void ntp_stats_regress (NtpStats *st);

int ntp_stats_samples (const NtpStats *st);
/* The fitted samples not older than the runs test's last cut: what chrony's regression would
 * hold, since its runs test drops what it cuts. The poll rule counts these. */
int ntp_stats_poll_samples (const NtpStats *st);
/* The oscillator's frequency wander W^2 (fraction^2 per s, a random walk) estimated from the
 * stored samples' phase record; negative when too few samples say. */
double ntp_stats_wander2 (const NtpStats *st);
/* The same record's W^2 with its own sampling error carried: the posterior mean of W^2 given
 * the estimate and its SD under a scale-invariant prior (never 0 while the record cannot
 * exclude wander); negative when too few samples say. */
double ntp_stats_wander2_mean (const NtpStats *st);
/* The W^2 values the fit averages over (ascending, fraction^2 per s) and each one's posterior
 * probability given the phase record (summing to 1), at most `max`; returns how many, 0 when
 * the record is too short to say. */
int ntp_stats_wander2_grid (const NtpStats *st, double *w2, double *p, int max);
/* The least of n round-trip delays (*dmin) and the posterior mean and variance of that
 * fastest sample's own queueing above the path's fixed part (s, s^2), as the physical weights
 * use them: both ways queueing exponentially, the mean read from the delays themselves; 0
 * and 0 when fewer than two delays or two tie at the least. At most NTP_STATS_MAX_SAMPLES x 3
 * delays are read. */
void ntp_stats_least_excess (const double *delay, int n, double *dmin, double *mean,
                             double *var);
double ntp_stats_min_delay (const NtpStats *st);
/* What `asymmetry` takes off the offset of a sample with this delay: asymmetry x (delay -
 * least delay), the least of the stored delays and this one. */
double ntp_stats_asymmetry_correction (const NtpStats *st, double asymmetry, double delay);
/* The path's asymmetry (ntp-asym.h's figure, -0.5..0.5) is now `asymmetry`: every stored
 * offset is corrected by it anew, as offset -= asymmetry x (delay - least stored delay), in
 * place of the correction it carried (NtpSample.asym_corr). A regression on samples
 * corrected by different estimates would read the estimate's changes as the clock's;
 * chrony's sourcestats likewise corrects the whole set before each regression. Call it
 * before ntp_stats_regress. */
void ntp_stats_set_asymmetry (NtpStats *st, double asymmetry);
/* Predicted offset at `when` (the newest sample's offset with fewer than 3 samples). */
double ntp_stats_predict (const NtpStats *st, int64_t when_ns);
/* Regression figures for the delay test at `when`: the offsets' noise as measured, the skew,
 * and the time since the estimate's reference (s); false with too few samples. The noise is
 * the fit's scatter with what the asymmetry correction took out put back: the test judges a
 * delay's rise against the scatter queueing gives the measured offsets (chrony's test C), and
 * a path whose one-way queueing is corrected away leaves a fit far tighter than its queueing,
 * against which nearly every queued sample would be refused, and a run of them taken for a
 * changed path (ntp-engine.c's DELAY_REFUSED_RESTART). */
bool ntp_stats_delay_test_data (const NtpStats *st, int64_t when_ns, double *std_dev,
                                double *skew, double *since);

void ntp_stats_selection (const NtpStats *st, int64_t now_ns, NtpStatsSelection *out);
bool ntp_stats_tracking (const NtpStats *st, NtpStatsTracking *out);

/* The hard bound on the offset now from the fitted samples alone. Each sample of an honest
 * source holds the true offset within half its root delay plus its root dispersion (RFC 5905's
 * correctness interval); the true offset moves as a line whose slope (our residual frequency)
 * drifts by at most `clock_error` (fraction), so the tangent line at `now` passes within that
 * interval widened by clock_error x the sample's age. The set of such lines is convex; its
 * extent at `now` is [*lo, *hi]. False when no line meets every interval (the premise failed:
 * the source contradicts itself) or when fewer than two samples of distinct times bound it. */
bool ntp_stats_bound_now (const NtpStats *st, int64_t now_ns, double clock_error, double *lo,
                          double *hi);

/* The clock's frequency was changed at `when` by dfreq (fraction, positive = it now runs
 * faster) and doffset seconds were taken off its reading (positive = it now reads less). */
void ntp_stats_slew (NtpStats *st, int64_t when_ns, double dfreq, double doffset);
/* The clock was stepped: readings are now `doffset` s less (sample times move too). */
void ntp_stats_step (NtpStats *st, double doffset);

/* The `sourcestats` figures at `now`. */
typedef struct {
  int samples, runs;
  double span;              /* s */
  double freq_ppm, skew_ppm;
  double offset;            /* s, estimated at now */
  double std_dev;
  double last_offset, last_orig_offset, last_error;
  int64_t last_time_ns;
} NtpStatsReport;
void ntp_stats_report (const NtpStats *st, int64_t now_ns, NtpStatsReport *out);
