/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-stats.c — see ntp-stats.h. The method follows chrony's sourcestats.c: weights from
 * each sample's distance above the best one, a runs-tested regression, skew as a 99.9 %
 * bound on the frequency. */
#include "ntp-stats.h"
#include "ntp-regress.h"
#include "ntp-types.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Samples kept beyond the fitted ones, only to lengthen the runs test. */
#define EXTRA_RATIO 1
#define MAX_ENTRIES (NTP_STATS_MAX_SAMPLES * (1 + EXTRA_RATIO))

/* An unknown frequency is assumed to lie within +-2000 ppm (chrony's worst case). */
#define WORST_FREQ NTP_STATS_WORST_FREQ
#define MIN_SKEW 1e-12
#define MAX_SKEW 1e2
#define MIN_STDDEV 1e-9
/* Floor under the noise scale used to weight samples (a typical clock resolution). */
#define PRECISION 1e-8
/* The weights follow chrony's sourcestats: a sample whose distance (half its delay plus its
 * dispersion) lies above the best one's carries an offset error of up to that excess, so its
 * standard deviation is taken as 1 + excess / sd times the best sample's, the unit sd being
 * the typical excess (median minus least distance) over SD_TO_DIST_RATIO (chrony's 0.7),
 * kept between the clock's precision and the least distance itself (the best sample cannot be
 * trusted to better than its own distance). */
#define SD_TO_DIST_RATIO 0.7
/* How far the local oscillator's frequency may move while samples age (chrony's
 * maxclockerror default, 1 ppm). */
#define MAX_CLOCK_ERROR 1e-6

typedef struct {
  int64_t time_ns;
  double offset, orig_offset, delay, peer_disp, root_delay, root_disp;
  double asym_corr;   /* s taken off the offset for the path's asymmetry (ntp_stats_set_asymmetry) */
} Entry;

/* Samples older than the history, kept only as the oscillator's phase record for the wander
 * estimate (ntp_stats_wander2): thinned by half whenever full, so they span ever longer. */
#define ARCHIVE_MAX 64

struct NtpStats {
  Entry e[MAX_ENTRIES];
  Entry arch[ARCHIVE_MAX];
  int narch;
  int total;         /* entries stored: `extra` old ones, then the n history samples */
  int n;             /* history: the candidates for the fit */
  int fit;           /* the newest `fit` of them make the current fit (the runs test's choice) */
  int stratum, leap;
  double clock_error;   /* maxclockerror, a fraction */
  bool regression_ok;
  int best;          /* index among the n fitted samples with the least root distance */
  int runs;
  int64_t offset_time;
  double est_offset, est_offset_sd, est_freq, est_freq_sd, skew, std_dev;
  int min_samples, max_samples;   /* chrony's minsamples/maxsamples; 0 = defaults */
  /* The oldest sample time the runs test allowed when it last cut the fit (INT64_MIN: never).
   * A later fit may take older samples back, but they do not count for the poll rule. */
  int64_t cut_ns;
};

static Entry *
fitted (NtpStats *st, int i)
{
  return &st->e[st->total - st->fit + i];
}

static const Entry *
cfitted (const NtpStats *st, int i)
{
  return &st->e[st->total - st->fit + i];
}

NtpStats *
ntp_stats_new (void)
{
  NtpStats *st = calloc (1, sizeof *st);
  if (st) {
    st->clock_error = MAX_CLOCK_ERROR;
    ntp_stats_reset (st);
  }
  return st;
}

void
ntp_stats_free (NtpStats *st)
{
  free (st);
}

void
ntp_stats_reset (NtpStats *st)
{
  st->total = st->n = st->fit = 0;
  st->narch = 0;
  st->regression_ok = false;
  st->best = 0;
  st->runs = 0;
  st->offset_time = 0;
  st->est_offset = 0;
  st->est_offset_sd = 86400.0;
  st->est_freq = 0;
  st->est_freq_sd = WORST_FREQ;
  st->skew = WORST_FREQ;
  st->std_dev = NTP_STATS_WORST_STD_DEV;
  st->stratum = 0;
  st->leap = 3;
  st->cut_ns = INT64_MIN;
}

void
ntp_stats_set_clock_error (NtpStats *st, double rate)
{
  st->clock_error = rate > 0 && isfinite (rate) ? rate : MAX_CLOCK_ERROR;
}

void
ntp_stats_set_limits (NtpStats *st, int min_samples, int max_samples)
{
  if (max_samples <= 0 || max_samples > NTP_STATS_MAX_SAMPLES)
    max_samples = NTP_STATS_MAX_SAMPLES;
  if (max_samples < 3)
    max_samples = 3;
  if (min_samples < 3)
    min_samples = 3;
  if (min_samples > max_samples)
    min_samples = max_samples;
  st->min_samples = min_samples;
  st->max_samples = max_samples;
}

static int
max_samples (const NtpStats *st)
{
  return st->max_samples > 0 ? st->max_samples : NTP_STATS_MAX_SAMPLES;
}

static void
drop_oldest_entries (NtpStats *st, int k)
{
  if (k <= 0)
    return;
  for (int i = 0; i < k; i++) {
    if (st->narch == ARCHIVE_MAX) {
      /* keep every other one, the newest included */
      int m = 0;
      for (int j = 1; j < ARCHIVE_MAX; j += 2)
        st->arch[m++] = st->arch[j];
      st->narch = m;
    }
    st->arch[st->narch++] = st->e[i];
  }
  memmove (st->e, st->e + k, sizeof (Entry) * (size_t) (st->total - k));
  st->total -= k;
}

/* Take the `k` oldest samples out of the history; they stay a while for the runs test. */
static void
prune (NtpStats *st, int k)
{
  if (k <= 0)
    return;
  st->n -= k;
  if (st->fit > st->n) {
    int lost = st->fit - st->n;
    st->fit = st->n;
    st->best = st->best >= lost ? st->best - lost : 0;
  }
  int extra = st->total - st->n;
  if (extra > st->n * EXTRA_RATIO)
    drop_oldest_entries (st, extra - st->n * EXTRA_RATIO);
}

bool
ntp_stats_add (NtpStats *st, const NtpSample *s)
{
  bool in_order = true;
  if (st->n > 0 && st->e[st->total - 1].time_ns >= s->time_ns) {
    ntp_stats_reset (st);
    in_order = false;
  }
  if (st->n >= max_samples (st))
    prune (st, st->n - max_samples (st) + 1);
  if (st->total == MAX_ENTRIES)
    drop_oldest_entries (st, 1);
  Entry *e = &st->e[st->total++];
  st->n++;
  st->fit++;
  e->time_ns = s->time_ns;
  e->offset = e->orig_offset = s->offset;
  e->asym_corr = s->asym_corr;
  e->delay = s->delay;
  e->peer_disp = s->peer_dispersion;
  e->root_delay = s->root_delay;
  e->root_disp = s->root_dispersion;
  st->stratum = s->stratum;
  st->leap = s->leap;
  return in_order;
}

static void
find_best_sample (NtpStats *st)
{
  st->best = 0;
  if (st->fit == 0)
    return;
  int64_t last = fitted (st, st->fit - 1)->time_ns;
  double best_dist = DBL_MAX;
  for (int i = 0; i < st->fit; i++) {
    const Entry *e = fitted (st, i);
    double elapsed = (double) (last - e->time_ns) * 1e-9;
    double d = e->root_disp + elapsed * st->skew + 0.5 * e->root_delay;
    if (d < best_dist) {
      best_dist = d;
      st->best = i;
    }
  }
}

/* The band fit. A sample's offset error from network queueing is at most half of the delay
 * it suffered beyond the shortest path: the true offset lies within +-delay/2 of the
 * measurement (RFC 5905 §8), and the fastest sample in the window bounds the path's fixed
 * part. Timestamps add their own error, bounded by the sample's dispersion (the server's
 * precision, ours, and the frequency tolerance over the round trip). So each sample says the
 * offset line passes through the band [y - h, y + h], h = (delay - min delay) / 2 +
 * dispersion, whatever the distribution of the queueing. Least squares treats that error as
 * Gaussian; it is bounded, and the bounds of the few fast samples are tight.
 *
 * So also fit the line that stays closest to every band (a Chebyshev fit: for a given slope b
 * the best intercept and the largest violation are closed-form; the violation is convex in b,
 * so a ternary search around the least-squares slope finds it). When the bands intersect, the
 * true offset is anywhere in the intersection (half-width `slack`), an SD of slack/sqrt(3);
 * the band estimate is combined with the least-squares one by inverse variance. When they do
 * not intersect, the premise failed (the window's fastest sample was queued too, the path
 * changed, a timestamp was worse than its dispersion says) and only least squares is used. */
static double
band_violation (const double *x, const double *y, const double *h, int n, double b, double *a)
{
  double max_lo = -DBL_MAX, min_hi = DBL_MAX;
  for (int i = 0; i < n; i++) {
    double v = y[i] - b * x[i];
    if (v - h[i] > max_lo)
      max_lo = v - h[i];
    if (v + h[i] < min_hi)
      min_hi = v + h[i];
  }
  *a = 0.5 * (max_lo + min_hi);
  return 0.5 * (max_lo - min_hi);
}

static bool
band_fit (const NtpStats *st, const double *x, const double *y, int n, double b0, double b_sd,
          double *offset, double *offset_sd)
{
  double h[NTP_STATS_MAX_SAMPLES];
  if (n < 3 || n > NTP_STATS_MAX_SAMPLES || !isfinite (b0) || !isfinite (b_sd))
    return false;
  const Entry *e0 = &st->e[st->total - n];
  double dmin = DBL_MAX;
  for (int i = 0; i < n; i++)
    if (e0[i].delay < dmin)
      dmin = e0[i].delay;
  for (int i = 0; i < n; i++)
    h[i] = 0.5 * (e0[i].delay - dmin) + e0[i].peer_disp;
  double lo = b0 - 10 * b_sd - 1e-9, hi = b0 + 10 * b_sd + 1e-9, a;
  for (int it = 0; it < 100 && hi - lo > 1e-15; it++) {
    double m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
    if (band_violation (x, y, h, n, m1, &a) < band_violation (x, y, h, n, m2, &a))
      hi = m2;
    else
      lo = m1;
  }
  double violation = band_violation (x, y, h, n, 0.5 * (lo + hi), &a);
  if (!isfinite (a) || violation > 0)
    return false;
  *offset = a;   /* x is 0 at the newest sample: the intercept is the offset there */
  *offset_sd = fmax (-violation, PRECISION) / sqrt (3.0);
  return true;
}

/* The fastest sample of a set: the least delay seen, and what is known of that sample's own
 * queueing x above the path's fixed part (its mean and variance given every delay of the set,
 * least_excess). */
typedef struct {
  double dmin;
  double mean;
  double var;
} LeastExcess;

/* A sample's offset error from queueing: with q1 and q2 queued on the way out and back, its
 * delay exceeds the path's fixed part by e = q1 + q2 and its offset errs by (q1 - q2) / 2;
 * with independent queueing of the same law each way, q1 given e is uniform on [0, e], so the
 * error is uniform within +-e/2 (variance e^2 / 12). e is the sample's delay above the least
 * one seen plus the least one's own excess x, known only as a distribution (least_excess):
 * E[e^2] = (delay - dmin + E[x])^2 + Var x. Its timestamps add its dispersion. */
static double
sample_variance (const Entry *e, const LeastExcess *le)
{
  double ex = e->delay - le->dmin + le->mean;
  return (ex * ex + le->var) / 12.0 + e->peer_disp * e->peer_disp + PRECISION * PRECISION;
}

/* Points of the grid least_excess integrates x over, and its span in units of theta / n. */
#define LEAST_EXCESS_GRID 96
#define LEAST_EXCESS_SPAN 80.0

/* The least delay and the distribution of the fastest sample's own excess x, from all n
 * delays. Queueing of mean theta each way, exponential (memoryless waiting), makes the round
 * trip's excess a Gamma(2, theta): density X e^(-X/theta) / theta^2. The path's fixed part
 * D0 = dmin - x is unknown; with the gaps g_i = d_i - dmin (g = 0 for the fastest) the
 * likelihood is prod_i (x + g_i) e^(-(x + g_i)/theta) / theta^2. theta is unknown too and read
 * from the same delays: under the scale-invariant prior 1/theta it integrates out in closed
 * form, leaving x's posterior density proportional to prod_i (x + g_i) / (m x + G)^(2m),
 * G = sum g_i. It rises from 0 as x (two queues both short), falls off over about
 * theta / m, and the other fast samples pull it up (a crowd of delays just above the least
 * says the least is not far above the floor). Its mean and variance by a grid. With theta
 * plugged in from the delays instead, the posterior was 4 x too narrow at 16 delays (the
 * unit test); the spread of the four least delays, the reading before, holds only while four
 * of n lie where the density still rises as x (n in the hundreds): with the 10-30 samples a
 * window holds at long polls it read the fastest sample's excess 60 % high on average, and
 * noisy, and weighed the fastest samples too little where they matter most (1 ms of
 * queueing, the README's measurements). With fewer than two delays nothing is known
 * (x = 0). */
static void
least_excess (const double *delay, int n, LeastExcess *le)
{
  double dmin = DBL_MAX;
  for (int i = 0; i < n; i++)
    dmin = fmin (dmin, delay[i]);
  le->dmin = n > 0 ? dmin : 0.0;
  le->mean = 0.0;
  le->var = 0.0;
  if (n < 2)
    return;
  double g[ARCHIVE_MAX + MAX_ENTRIES];
  int m = n < ARCHIVE_MAX + MAX_ENTRIES ? n : ARCHIVE_MAX + MAX_ENTRIES;
  for (int i = 0; i < m; i++)
    g[i] = delay[i] - dmin;
  /* Two delays equal to the least within the clock's precision: a continuous queueing
   * law makes such a tie all but impossible, so the path had an idle moment both ways (many
   * paths queue nothing most of the time, an atom at 0 the Gamma law has no room for), and
   * the least delay is the floor itself. */
  int ties = 0;
  for (int i = 0; i < m; i++)
    ties += g[i] <= PRECISION;
  if (ties >= 2)
    return;
  double gsum = 0;
  for (int i = 0; i < m; i++)
    gsum += g[i];
  if (!(gsum > 0))
    return;
  /* theta's own posterior mode (G / (2m - 1)) sets the span: x's density has fallen to
   * e^(-span/2) of its peak well before it. */
  double hi = LEAST_EXCESS_SPAN * gsum / (2.0 * m - 1.0) / m, step = hi / LEAST_EXCESS_GRID;
  /* Gaps far above the span change log (x + g) almost linearly over it: their terms go in
   * by their Taylor series (x / g - x^2 / 2g^2; the next term is below 1/3000 of the
   * first), the near ones exactly. */
  double a1 = 0, a2 = 0, near[ARCHIVE_MAX + MAX_ENTRIES];
  int nn = 0;
  for (int i = 0; i < m; i++) {
    if (g[i] < 10.0 * hi) {
      near[nn++] = g[i];
    } else {
      a1 += 1.0 / g[i];
      a2 += 1.0 / (g[i] * g[i]);
    }
  }
  double lp[LEAST_EXCESS_GRID], lmax = -DBL_MAX;
  for (int k = 0; k < LEAST_EXCESS_GRID; k++) {
    double x = (k + 0.5) * step;
    double l = x * a1 - 0.5 * x * x * a2 - 2.0 * m * log (m * x + gsum);
    for (int i = 0; i < nn; i++)
      l += log (x + near[i]);
    lp[k] = l;
    lmax = fmax (lmax, l);
  }
  double s0 = 0, s1 = 0, s2 = 0;
  for (int k = 0; k < LEAST_EXCESS_GRID; k++) {
    double x = (k + 0.5) * step, p = exp (lp[k] - lmax);
    s0 += p;
    s1 += p * x;
    s2 += p * x * x;
  }
  le->mean = s1 / s0;
  le->var = fmax (s2 / s0 - le->mean * le->mean, 0.0);
}

void
ntp_stats_least_excess (const double *delay, int n, double *dmin, double *mean, double *var)
{
  LeastExcess le;
  least_excess (delay, n, &le);
  *dmin = le.dmin;
  *mean = le.mean;
  *var = le.var;
}

static bool wander2_fit (const NtpStats *st, double *w2_out, double *w2_var);

/* The W^2 grid the fit averages over (ntp_stats_wander2_grid): half-decade steps. */
#define W2_GRID_MAX 48

/* One weighted fit of the window with the wander W^2 in each sample's variance: its own
 * noise (sample_variance) and, since the line the fit wants is the tangent at the newest
 * sample, what a frequency walking randomly (W^2 per s) does to a sample of age a: it moves
 * it off that line by a variance W^2 a^3 / 3. The offset's SD comes from the variances
 * themselves, not rescaled by the residuals: the residuals of a line fitted through a walking
 * phase scatter less than the samples err (the fit absorbs part of the walk, but the part it
 * absorbs is error at now). */
static bool
fit_at_wander (const Entry *e0, const double *x, const double *y, int n,
               const LeastExcess *le, double w2, double *offset, double *offset_var,
               double *freq, double *freq_var, int *dof)
{
  double var[NTP_STATS_MAX_SAMPLES], var0[NTP_STATS_MAX_SAMPLES];
  for (int i = 0; i < n; i++) {
    double age = -x[i];
    var0[i] = sample_variance (&e0[i], le);
    var[i] = var0[i] + w2 * age * age * age / 3.0;
  }
  NtpRegression r;
  if (!ntp_regress_weighted (x, y, var, n, &r))
    return false;
  double sw = 0, sx = 0;
  for (int i = 0; i < n; i++) {
    sw += 1.0 / var[i];
    sx += x[i] / var[i];
  }
  double mx = sx / sw, sxx = 0;
  for (int i = 0; i < n; i++)
    sxx += (x[i] - mx) * (x[i] - mx) / var[i];
  if (!(sxx > 0))
    return false;
  *offset = r.intercept;
  *offset_var = 1.0 / sw + mx * mx / sxx;
  *freq = r.slope;
  /* The departures of the samples from the tangent at now are not independent: two samples
   * share the walk over the younger one's age. With that covariance (ntp_regress_walk) the
   * fit is the Kalman predictor's, which leans on the newest samples as the walk says it
   * should; the independent variances above remain the fallback. */
  /* Where the walk over the oldest sample's age stays far below every sample's own noise,
   * the covariance changes the fit by less than that ratio: the independent fit is it, and
   * the grid's many small W^2 cost no factorisation each. */
  double min_var0 = var0[0];
  for (int i = 1; i < n; i++)
    min_var0 = fmin (min_var0, var0[i]);
  double oldest = -x[0];
  bool walk_matters = w2 * oldest * oldest * oldest / 3.0 > 1e-3 * min_var0;
  double go, gov, gf, gfv;
  if (w2 > 0 && walk_matters && ntp_regress_walk (x, y, var0, n, w2, &go, &gov, &gf, &gfv)) {
    *offset = go;
    *offset_var = gov;
    *freq = gf;
  }
  /* the slope's SD as ntp_regress_weighted gives it (residual-scaled), so the skew, and with
   * it the poll and the selection, stay on the same footing as chrony's */
  *freq_var = r.slope_sd * r.slope_sd;
  *dof = r.dof;
  return true;
}

/* The window the runs test chose (on chrony's weights, so the window and the poll are
 * chrony's), fitted again with each sample's variance from physics (fit_at_wander). W^2 is
 * known only as well as the phase record says (ntp_stats_wander2_grid): where the noise hides
 * the wander, any W^2 from the clock's precision up to what the record can exclude is
 * possible, and no single value is right. A point estimate of W^2 plugged into the weights is
 * then the wrong object (the posterior mean of W^2 is dominated by its upper tail, which takes
 * the weight off the old fast samples, the ones worth most at high jitter); what minimises the
 * expected squared error is the average of each W^2's predictions (offset now, frequency),
 * weighed by that W^2's posterior probability given the record. Their variance is the mean of
 * the fits' own variances plus the spread of their predictions. */
static bool
physical_refit (NtpStats *st, const double *x, const double *y, int n)
{
  if (n < 3 || n > NTP_STATS_MAX_SAMPLES)
    return false;
  const Entry *e0 = &st->e[st->total - n];
  double dl[NTP_STATS_MAX_SAMPLES];
  LeastExcess le;
  for (int i = 0; i < n; i++)
    dl[i] = e0[i].delay;
  least_excess (dl, n, &le);
  double gw[W2_GRID_MAX], gp[W2_GRID_MAX];
  int k = ntp_stats_wander2_grid (st, gw, gp, W2_GRID_MAX);
  if (k <= 0) {
    gw[0] = 0;
    gp[0] = 1;
    k = 1;
  }
  double mo[W2_GRID_MAX], vo[W2_GRID_MAX], mf[W2_GRID_MAX], vf[W2_GRID_MAX];
  double ptot = 0, o = 0, f = 0;
  int dof = n - 2;
  for (int j = 0; j < k; j++) {
    /* a W^2 the record all but excludes moves the average by less than its probability */
    if (gp[j] < 1e-9 || !fit_at_wander (e0, x, y, n, &le, gw[j], &mo[j], &vo[j], &mf[j], &vf[j], &dof)) {
      gp[j] = 0;
      continue;
    }
    ptot += gp[j];
    o += gp[j] * mo[j];
    f += gp[j] * mf[j];
  }
  if (!(ptot > 0))
    return false;
  o /= ptot;
  f /= ptot;
  double ov = 0, fv = 0;
  for (int j = 0; j < k; j++) {
    if (!(gp[j] > 0))
      continue;
    ov += gp[j] * (vo[j] + (mo[j] - o) * (mo[j] - o));
    fv += gp[j] * (vf[j] + (mf[j] - f) * (mf[j] - f));
  }
  ov /= ptot;
  fv /= ptot;
  double fsd = sqrt (fv);
  st->est_freq = f;
  st->est_freq_sd = fmin (fmax (fsd, MIN_SKEW), MAX_SKEW);
  st->skew = fmin (fmax (fsd * ntp_regress_t_coef (dof), MIN_SKEW), MAX_SKEW);
  st->est_offset = o;
  st->est_offset_sd = sqrt (ov);
  return true;
}

void
ntp_stats_regress (NtpStats *st)
{
  double x[MAX_ENTRIES], y[MAX_ENTRIES], w[NTP_STATS_MAX_SAMPLES], dist[NTP_STATS_MAX_SAMPLES];
  double sorted[NTP_STATS_MAX_SAMPLES];
  int extra = st->total - st->n;
  if (st->n == 0)
    return;
  int64_t last = st->e[st->total - 1].time_ns;
  for (int i = 0; i < st->total; i++) {
    x[i] = (double) (st->e[i].time_ns - last) * 1e-9;
    y[i] = st->e[i].offset;
  }

  /* Weight each sample by how far its distance (half the delay plus its dispersion) lies
   * above the best one, in units of the typical spread: a sample delayed by queueing carries
   * an offset error of up to half the extra delay. */
  double min_dist = DBL_MAX;
  for (int i = 0; i < st->n; i++) {
    const Entry *e = &st->e[extra + i];
    dist[i] = 0.5 * e->delay + e->peer_disp;
    sorted[i] = dist[i];
    if (dist[i] < min_dist)
      min_dist = dist[i];
  }
  double median = ntp_regress_median (sorted, st->n);
  double sd = (median - min_dist) / SD_TO_DIST_RATIO;
  if (sd > min_dist)
    sd = min_dist;
  if (sd < PRECISION)
    sd = PRECISION;
  min_dist += PRECISION;
  for (int i = 0; i < st->n; i++) {
    double f = 1.0;
    if (dist[i] > min_dist)
      f += (dist[i] - min_dist) / sd;
    w[i] = f * f;
  }

  NtpRegression r;
  /* minsamples: the runs test may not prune below it; with fewer samples, none are pruned */
  int min_points = st->min_samples > 3 ? st->min_samples : 3;
  if (min_points > st->n && st->n >= 3)
    min_points = st->n;
  st->regression_ok = ntp_regress_find_best (x + extra, y + extra, w, st->n, extra, min_points, &r);
  if (st->regression_ok) {
    st->est_freq = r.slope;
    st->est_freq_sd = fmin (fmax (r.slope_sd, MIN_SKEW), MAX_SKEW);
    st->skew = fmin (fmax (r.slope_sd * ntp_regress_t_coef (r.dof), MIN_SKEW), MAX_SKEW);
    st->est_offset = r.intercept;
    st->est_offset_sd = r.intercept_sd;
    st->offset_time = last;
    st->std_dev = fmax (MIN_STDDEV, sqrt (r.variance));
    st->runs = r.runs;
    /* Unlike chrony, the samples before the chosen start stay in the history: the next fit
     * may take them back. A runs test that fails by chance (it does, at its significance of
     * 10 %) then costs one update instead of the whole history. */
    st->fit = st->n - r.start;
    if (r.start > 0 && fitted (st, 0)->time_ns > st->cut_ns)
      st->cut_ns = fitted (st, 0)->time_ns;
    double band_offset, band_sd;
    if (physical_refit (st, x + extra + r.start, y + extra + r.start, st->fit)) {
      /* chrony's weights chose the window (and so the poll); physics weighs it */
    } else if (band_fit (st, x + extra + r.start, y + extra + r.start, st->fit, r.slope, r.slope_sd,
                  &band_offset, &band_sd)) {
      double w_ls = 1.0 / fmax (r.intercept_sd * r.intercept_sd, PRECISION * PRECISION);
      double w_band = 1.0 / (band_sd * band_sd);
      st->est_offset = (w_band * band_offset + w_ls * st->est_offset) / (w_band + w_ls);
      st->est_offset_sd = 1.0 / sqrt (w_band + w_ls);
    }
  } else {
    st->fit = st->n;
    st->est_freq = 0;
    st->est_freq_sd = WORST_FREQ;
    st->skew = WORST_FREQ;
    st->est_offset = st->e[st->total - 1].offset;
    st->offset_time = last;
  }
  find_best_sample (st);
}

int
ntp_stats_samples (const NtpStats *st)
{
  return st->fit;
}

int
ntp_stats_poll_samples (const NtpStats *st)
{
  int k = 0;
  for (int i = 0; i < st->fit; i++)
    k += cfitted (st, i)->time_ns >= st->cut_ns;
  return k;
}

/* The normal equations of E[d^2] = lambda c + W^2 g (see wander2_fit), weighted. */
typedef struct {
  double a11, a12, a22, b1, b2;
} NoiseWanderFit;

static void
noise_wander_add (NoiseWanderFit *f, double w, double c, double g, double d2)
{
  f->a11 += w * c * c;
  f->a12 += w * c * g;
  f->a22 += w * g * g;
  f->b1 += w * c * d2;
  f->b2 += w * g * d2;
}

/* Solves for lambda and W^2 and W^2's sampling variance (the inverse of the normal matrix);
 * where lambda comes out negative the record is all wander, and W^2 is refitted alone. */
static bool
noise_wander_solve (const NoiseWanderFit *f, double *lambda, double *w2, double *w2_var)
{
  double det = f->a11 * f->a22 - f->a12 * f->a12;
  if (!(det > 0))
    return false;
  *lambda = (f->b1 * f->a22 - f->b2 * f->a12) / det;
  *w2 = (f->a11 * f->b2 - f->a12 * f->b1) / det;
  *w2_var = f->a11 / det;
  if (*lambda < 0) {
    *lambda = 0;
    *w2 = f->b2 / f->a22;
    *w2_var = 1.0 / f->a22;
  }
  return true;
}

/* One triplet a < b < c of the record: the change of mean frequency d, the factor c of the
 * noise scale and g of W^2 in E[d^2]; false where two samples share a time. */
static bool
triplet_terms (const Entry *ea, const Entry *eb, const Entry *ec, double va, double vb,
               double vc, double *d, double *c, double *g)
{
  double g1 = (double) (eb->time_ns - ea->time_ns) * 1e-9;
  double g2 = (double) (ec->time_ns - eb->time_ns) * 1e-9;
  if (!(g1 > 0) || !(g2 > 0))
    return false;
  *d = (ec->offset - eb->offset) / g2 - (eb->offset - ea->offset) / g1;
  *c = va / (g1 * g1) + vc / (g2 * g2) + vb * (1.0 / g1 + 1.0 / g2) * (1.0 / g1 + 1.0 / g2);
  *g = (g1 + g2) / 3.0;
  return true;
}

/* The oscillator's frequency wander from the phase record itself. The stored offsets read as
 * if the clock had always run as it runs now, so they are the oscillator's phase against the
 * source: each sample's own measurement noise (variance lambda v_i, v_i from its delay as
 * sample_variance says, lambda a common scale) plus the phase of a frequency that walks
 * randomly (W^2 per second). For three samples at a < b < c, gaps g1 = b - a, g2 = c - b, the
 * change of the mean frequency d = (x_c - x_b) / g2 - (x_b - x_a) / g1 has
 * E[d^2] = lambda (v_a/g1^2 + v_c/g2^2 + v_b (1/g1 + 1/g2)^2) + W^2 (g1 + g2) / 3:
 * the noise dominates over short gaps, the wander over long ones. Triplets at spacings of
 * 1, 2, 4, ... samples, over the history and the thinned archive before it (which reaches
 * back further, to the gaps where a small wander shows), give lambda and W^2 by weighted least
 * squares. A Gaussian d has Var(d^2) = 2 E[d^2]^2, so each triplet is weighted by the fit's
 * own prediction of E[d^2], refined a few times; the fit's covariance (the inverse of its
 * normal matrix) gives the estimate's sampling variance. No assumption about either size:
 * both are estimated. */
static bool
wander2_fit (const NtpStats *st, double *w2_out, double *w2_var)
{
  const Entry *rec[ARCHIVE_MAX + MAX_ENTRIES];
  double Dm[16], Cm[16], Gm[16];
  int mm[16];
  int n = 0, scales = 0;
  for (int i = 0; i < st->narch; i++)
    rec[n++] = &st->arch[i];
  for (int i = 0; i < st->total; i++)
    rec[n++] = &st->e[i];
  if (n < 8)
    return false;
  /* Each sample's own noise variance, as physics gives it (see sample_variance). */
  double v[ARCHIVE_MAX + MAX_ENTRIES];
  double dl[ARCHIVE_MAX + MAX_ENTRIES];
  LeastExcess le;
  for (int i = 0; i < n; i++)
    dl[i] = rec[i]->delay;
  least_excess (dl, n, &le);
  for (int i = 0; i < n; i++)
    v[i] = sample_variance (rec[i], &le);
  for (int k = 1; 2 * k < n && scales < 16; k *= 2) {
    double sd = 0, sc = 0, sg = 0;
    int m = 0;
    for (int i = k; i + k < n; i += k) {
      double d, c, g;
      if (!triplet_terms (rec[i - k], rec[i], rec[i + k], v[i - k], v[i], v[i + k], &d, &c, &g))
        continue;
      sd += d * d;
      sc += c;
      sg += g;
      m++;
    }
    if (m < 2 || !(sd > 0))
      continue;
    Dm[scales] = sd / m;
    Cm[scales] = sc / m;
    Gm[scales] = sg / m;
    mm[scales] = m;
    scales++;
  }
  if (scales < 2)
    return false;
  /* A first fit of the scales' means, each weighted by its observed spread. */
  double s2 = 0, w2 = 0, var = 0;
  {
    NoiseWanderFit f = { 0 };
    for (int j = 0; j < scales; j++)
      noise_wander_add (&f, mm[j] / (2.0 * Dm[j] * Dm[j]), Cm[j], Gm[j], Dm[j]);
    if (!noise_wander_solve (&f, &s2, &w2, &var))
      return false;
  }
  /* Then every triplet on its own, at every start (not only every k-th: more of the record's
   * long gaps): d is Gaussian, so d^2 has variance 2 E[d^2]^2, and E[d^2] is what the fit
   * predicts (weights from the observed d^2 would favour the triplets that happened to read
   * low and bias W^2 down). Triplets of the record's thinned old part and of
   * its dense new part have very different gaps at the same spacing; each carries its own. */
  for (int it = 0; it < 4; it++) {
    NoiseWanderFit f = { 0 };
    double ps2 = fmax (s2, 0.0), pw2 = fmax (w2, 0.0);
    for (int k = 1; 2 * k < n; k *= 2) {
      for (int i = k; i + k < n; i++) {
        double d, c, g;
        if (!triplet_terms (rec[i - k], rec[i], rec[i + k], v[i - k], v[i], v[i + k], &d, &c, &g))
          continue;
        double E = ps2 * c + pw2 * g;
        if (!(E > 0))
          continue;
        noise_wander_add (&f, 1.0 / (2.0 * E * E), c, g, d * d);
      }
    }
    if (!noise_wander_solve (&f, &s2, &w2, &var))
      return false;
  }
  if (!isfinite (w2) || !isfinite (var) || !(var > 0))
    return false;
  *w2_out = w2;
  /* The triplets overlap: where noise dominates, d^2 of triplets k and 2k samples apart
   * correlate by (2/3)^2 and (1/6)^2 (those of adjacent second differences), so the
   * variance of their sum is 1 + 2 (4/9 + 1/36) = 35/18 times what independent ones give. */
  *w2_var = var * 35.0 / 18.0;
  return true;
}

double
ntp_stats_wander2 (const NtpStats *st)
{
  double w2, var;
  if (!wander2_fit (st, &w2, &var))
    return -1.0;
  return w2 > 0 ? w2 : 0.0;
}

/* What the record says W^2 may be, its sampling error included. The fit above returns an
 * unbiased but noisy estimate w2 with a known SD sigma (its error Gaussian); where the
 * measurement noise hides the wander at the record's spacings the estimate is often negative,
 * and clipping it to 0 claims "no wander" where the data only fail to show it. W^2 is a
 * scale: its prior is the scale-invariant one, density 1 / W^2, from the wander whose phase
 * over the record's whole span stays within the clock's precision (below it no weight can
 * change) up to well beyond what the estimate allows. On a grid uniform in ln W^2 (half
 * decades) that prior is uniform, so each point's posterior probability is its likelihood,
 * exp(-(W^2 - w2)^2 / 2 sigma^2), normalised. Returns the number of grid points (0 when the
 * record is too short to say). */
int
ntp_stats_wander2_grid (const NtpStats *st, double *w2, double *p, int max)
{
  double est, var;
  if (max < 2 || st->total < 1 || !wander2_fit (st, &est, &var))
    return 0;
  double sigma = sqrt (var);
  const Entry *first = st->narch > 0 ? &st->arch[0] : &st->e[0];
  double span = (double) (st->e[st->total - 1].time_ns - first->time_ns) * 1e-9;
  if (!(span > 0))
    return 0;
  double lo = 3.0 * PRECISION * PRECISION / (span * span * span);
  double hi = fmax (est, 0.0) + 10.0 * sigma;
  if (!(hi > lo)) {
    w2[0] = lo;
    p[0] = 1;
    return 1;
  }
  double ulo = log (lo), uhi = log (hi), step = 0.5 * log (10.0);
  int k = (int) ceil ((uhi - ulo) / step) + 1;
  if (k > max)
    k = max;
  if (k < 2)
    k = 2;
  double tot = 0;
  for (int j = 0; j < k; j++) {
    double u = ulo + (uhi - ulo) * j / (k - 1);
    double z = (exp (u) - est) / sigma;
    w2[j] = exp (u);
    p[j] = exp (-0.5 * z * z);
    tot += p[j];
  }
  if (!(tot > 0) || !isfinite (tot))
    return 0;
  for (int j = 0; j < k; j++)
    p[j] /= tot;
  return k;
}

/* The posterior mean of W^2 over that grid: what the record cannot exclude. Not what the
 * weights use (physical_refit averages the fits, not W^2), kept as the wander figure. */
double
ntp_stats_wander2_mean (const NtpStats *st)
{
  double w[W2_GRID_MAX], p[W2_GRID_MAX];
  int k = ntp_stats_wander2_grid (st, w, p, W2_GRID_MAX);
  if (k <= 0)
    return -1.0;
  double m = 0;
  for (int j = 0; j < k; j++)
    m += p[j] * w[j];
  return m;
}

double
ntp_stats_min_delay (const NtpStats *st)
{
  double m = DBL_MAX;
  for (int i = 0; i < st->total; i++)
    if (st->e[i].delay < m)
      m = st->e[i].delay;
  return m;
}

double
ntp_stats_asymmetry_correction (const NtpStats *st, double asymmetry, double delay)
{
  double least = st->total > 0 ? ntp_stats_min_delay (st) : delay;
  return asymmetry * (delay - (least < delay ? least : delay));
}

void
ntp_stats_set_asymmetry (NtpStats *st, double asymmetry)
{
  if (st->total == 0)
    return;
  double least = ntp_stats_min_delay (st);
  for (int i = 0; i < st->total + st->narch; i++) {
    Entry *e = i < st->total ? &st->e[i] : &st->arch[i - st->total];
    /* ntp_stats_asymmetry_correction's rule, the least delay found once for all */
    double corr = asymmetry * (e->delay - least);
    e->offset += e->asym_corr - corr;
    e->asym_corr = corr;
  }
}

double
ntp_stats_predict (const NtpStats *st, int64_t when_ns)
{
  if (st->n == 0)
    return 0.0;
  if (!st->regression_ok)
    return st->e[st->total - 1].offset;
  return st->est_offset + st->est_freq * (double) (when_ns - st->offset_time) * 1e-9;
}

bool
ntp_stats_delay_test_data (const NtpStats *st, int64_t when_ns, double *std_dev, double *skew,
                           double *since)
{
  if (st->fit < 6 || !st->regression_ok)
    return false;
  /* The noise as measured: the fit's scatter plus what the asymmetry correction took out
   * (their variances add, the correction following the delays and the scatter left not). */
  double mean = 0.0, var = 0.0;
  for (int i = 0; i < st->fit; i++)
    mean += cfitted (st, i)->asym_corr / st->fit;
  for (int i = 0; i < st->fit; i++) {
    double d = cfitted (st, i)->asym_corr - mean;
    var += d * d / (st->fit - 1);
  }
  *std_dev = sqrt (st->std_dev * st->std_dev + var);
  *skew = st->skew;
  *since = (double) (when_ns - st->offset_time) * 1e-9;
  return true;
}

/* The lines allowed at slope b: every band i says the value at x = 0 lies within
 * [lo_i - b x_i, hi_i - b x_i]; returns the intersection's width (negative: none). */
static double
lines_at_slope (const double *x, const double *lo, const double *hi, int n, double b,
                double *amin, double *amax)
{
  double mn = -DBL_MAX, mx = DBL_MAX;
  for (int i = 0; i < n; i++) {
    if (lo[i] - b * x[i] > mn)
      mn = lo[i] - b * x[i];
    if (hi[i] - b * x[i] < mx)
      mx = hi[i] - b * x[i];
  }
  *amin = mn;
  *amax = mx;
  return mx - mn;
}

bool
ntp_stats_bound_now (const NtpStats *st, int64_t now_ns, double clock_error, double *out_lo,
                     double *out_hi)
{
  double x[NTP_STATS_MAX_SAMPLES], lo[NTP_STATS_MAX_SAMPLES], hi[NTP_STATS_MAX_SAMPLES];
  int n = st->fit;
  if (n < 2 || n > NTP_STATS_MAX_SAMPLES)
    return false;
  for (int i = 0; i < n; i++) {
    const Entry *e = cfitted (st, i);
    x[i] = (double) (e->time_ns - now_ns) * 1e-9;
    /* now is after every sample: that makes both ends monotonic in the slope, below */
    if (x[i] > 0)
      return false;
    double h = 0.5 * e->root_delay + e->root_disp - clock_error * x[i];
    lo[i] = e->offset - h;
    hi[i] = e->offset + h;
  }
  /* The oldest and newest bands alone bound the slope; the others can only narrow it. */
  double span = x[n - 1] - x[0];
  if (!(span > 0))
    return false;
  double mid = (0.5 * (lo[n - 1] + hi[n - 1]) - 0.5 * (lo[0] + hi[0])) / span;
  double half = (0.5 * (hi[n - 1] - lo[n - 1]) + 0.5 * (hi[0] - lo[0])) / span;
  double bl = mid - half, br = mid + half, amin, amax;
  /* The width of the allowed values is concave in the slope (a minimum of linear functions
   * minus a maximum of them): a ternary search finds its peak; no line fits if it is < 0. */
  double a = bl, b = br;
  for (int it = 0; it < 200 && b - a > 1e-15 * (1 + fabs (a) + fabs (b)); it++) {
    double m1 = a + (b - a) / 3, m2 = b - (b - a) / 3;
    if (lines_at_slope (x, lo, hi, n, m1, &amin, &amax)
        < lines_at_slope (x, lo, hi, n, m2, &amin, &amax))
      a = m1;
    else
      b = m2;
  }
  double peak = 0.5 * (a + b);
  if (lines_at_slope (x, lo, hi, n, peak, &amin, &amax) < 0)
    return false;
  /* The feasible slopes are [bl, br] around the peak: bisect for each end. */
  a = bl;
  b = peak;
  for (int it = 0; it < 200 && b - a > 1e-15 * (1 + fabs (a) + fabs (b)); it++) {
    double m = 0.5 * (a + b);
    if (lines_at_slope (x, lo, hi, n, m, &amin, &amax) >= 0)
      b = m;
    else
      a = m;
  }
  bl = b;
  a = peak;
  b = br;
  for (int it = 0; it < 200 && b - a > 1e-15 * (1 + fabs (a) + fabs (b)); it++) {
    double m = 0.5 * (a + b);
    if (lines_at_slope (x, lo, hi, n, m, &amin, &amax) >= 0)
      a = m;
    else
      b = m;
  }
  br = a;
  /* Every x_i <= 0, so both ends of the allowed values grow with the slope: the lowest value
   * at now comes with the least feasible slope, the highest with the greatest. */
  double lmin, lmax, rmin, rmax;
  lines_at_slope (x, lo, hi, n, bl, &lmin, &lmax);
  lines_at_slope (x, lo, hi, n, br, &rmin, &rmax);
  if (!isfinite (lmin) || !isfinite (rmax) || lmin > rmax)
    return false;
  *out_lo = lmin;
  *out_hi = rmax;
  return true;
}

void
ntp_stats_selection (const NtpStats *st, int64_t now_ns, NtpStatsSelection *out)
{
  memset (out, 0, sizeof *out);
  if (st->fit == 0)
    return;
  const Entry *b = cfitted (st, st->best);
  double elapsed = fabs ((double) (now_ns - b->time_ns) * 1e-9);
  out->offset = b->offset + elapsed * st->est_freq;
  out->root_distance = 0.5 * b->root_delay + b->root_disp + elapsed * st->skew;
  out->std_dev = st->std_dev;
  out->freq = st->est_freq;
  out->skew = st->skew;
  out->first_ago = (double) (now_ns - cfitted (st, 0)->time_ns) * 1e-9;
  out->last_ago = (double) (now_ns - cfitted (st, st->fit - 1)->time_ns) * 1e-9;
  /* A source without new samples for longer than its history spans gets the clock error's
   * dispersion over the excess (chrony's sources.c does the same). */
  if (out->first_ago < 2.0 * out->last_ago)
    out->root_distance += st->clock_error * (2.0 * out->last_ago - out->first_ago);
  out->lo = out->offset - out->root_distance;
  out->hi = out->offset + out->root_distance;
  /* The skew is a 99.95 % bound from the regression's own residuals (chrony's t quantile):
   * with 3 samples that is one degree of freedom, a factor of 636 on a slope SD itself
   * estimated from one residual, and seconds of extrapolation make the interval tens of
   * milliseconds wide, wide enough to take in a falseticker. The samples' correctness
   * intervals bound the same line without any estimate: where they are narrower, they hold. */
  double blo, bhi;
  if (st->regression_ok && ntp_stats_bound_now (st, now_ns, st->clock_error, &blo, &bhi)
      && blo <= out->hi && bhi >= out->lo) {
    out->lo = fmax (out->lo, blo);
    out->hi = fmin (out->hi, bhi);
  }
  out->stratum = st->stratum;
  out->leap = st->leap;
  out->ok = st->regression_ok;
}

bool
ntp_stats_tracking (const NtpStats *st, NtpStatsTracking *out)
{
  memset (out, 0, sizeof *out);
  if (st->fit == 0)
    return false;
  const Entry *b = cfitted (st, st->best);
  out->ref_time_ns = st->offset_time;
  out->offset = st->est_offset;
  out->offset_sd = st->est_offset_sd;
  out->freq = st->est_freq;
  out->freq_sd = st->est_freq_sd;
  out->skew = st->skew;
  out->std_dev = st->std_dev;
  out->root_delay = b->root_delay;
  out->root_dispersion = b->root_disp
                         + st->skew * (double) (st->offset_time - b->time_ns) * 1e-9
                         + st->est_offset_sd;
  return st->regression_ok;
}

void
ntp_stats_slew (NtpStats *st, int64_t when_ns, double dfreq, double doffset)
{
  for (int i = 0; i < st->total + st->narch; i++) {
    Entry *e = i < st->total ? &st->e[i] : &st->arch[i - st->total];
    double delta = ntp_clock_change_shift (e->time_ns, when_ns, dfreq, doffset);
    e->offset += delta;
    e->time_ns += (int64_t) llround (delta * 1e9);
  }
  if (st->n > 0) {
    double delta = ntp_clock_change_shift (st->offset_time, when_ns, dfreq, doffset);
    st->est_offset += delta;
    st->offset_time += (int64_t) llround (delta * 1e9);
    st->est_freq = (st->est_freq + dfreq) / (1.0 + dfreq);
  }
  if (st->cut_ns != INT64_MIN) {
    double delta = ntp_clock_change_shift (st->cut_ns, when_ns, dfreq, doffset);
    st->cut_ns += (int64_t) llround (delta * 1e9);
  }
}

void
ntp_stats_step (NtpStats *st, double doffset)
{
  ntp_stats_slew (st, 0, 0.0, doffset);
}

void
ntp_stats_report (const NtpStats *st, int64_t now_ns, NtpStatsReport *out)
{
  memset (out, 0, sizeof *out);
  out->samples = st->fit;
  out->runs = st->runs;
  /* An empty set still has its worst-case skew and deviation, as chronyd reports them
   * (`chronyc sourcestats`: 2000.000 ppm, 4000ms). */
  out->skew_ppm = st->skew * 1e6;
  out->std_dev = st->std_dev;
  if (st->fit == 0)
    return;
  const Entry *first = cfitted (st, 0), *lastp = cfitted (st, st->fit - 1);
  out->span = (double) (lastp->time_ns - first->time_ns) * 1e-9;
  out->freq_ppm = st->est_freq * 1e6;
  out->skew_ppm = st->skew * 1e6;
  out->offset = ntp_stats_predict (st, now_ns);
  out->std_dev = st->std_dev;
  out->last_offset = lastp->offset;
  out->last_orig_offset = lastp->orig_offset;
  out->last_error = 0.5 * lastp->root_delay + lastp->root_disp;
  out->last_time_ns = lastp->time_ns;
}
