/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for ntp-regress and ntp-stats: regression against hand-computed values and on
 * random lines, the runs test's critical values from the binomial distribution and its
 * false-alarm rate on noise, and the sample history. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "ntp-regress.h"
#include "ntp-stats.h"

#define near(a, b, tol) assert_true (fabs ((a) - (b)) <= (tol))

static void
unweighted_fit_matches_textbook (void **state)
{
  (void) state;
  /* x = 1..5, y = 2, 4, 5, 4, 5. By hand: mean x 3, mean y 4, Sxx 10, Sxy 6,
   * b = 0.6, a = 2.2; residuals -0.8, 0.6, 1.0, -0.6, -0.2, SSE = 2.4, s^2 = 0.8,
   * se(b) = sqrt(0.8/10) = 0.282843, se(a) = sqrt(0.8 (1/5 + 9/10)) = 0.938083. */
  double x[] = { 1, 2, 3, 4, 5 }, y[] = { 2, 4, 5, 4, 5 };
  NtpRegression r;
  assert_true (ntp_regress_weighted (x, y, NULL, 5, &r));
  near (r.slope, 0.6, 1e-12);
  near (r.intercept, 2.2, 1e-12);
  near (r.variance, 0.8, 1e-12);
  near (r.slope_sd, 0.2828427, 1e-6);
  near (r.intercept_sd, 0.9380832, 1e-6);
  assert_int_equal (r.dof, 3);
}

static void
weights_are_relative_variances (void **state)
{
  (void) state;
  /* Three points on y = x and one far off with a huge variance: the fit must ignore it.
   * Doubling every weight changes nothing but the variance scale. */
  double x[] = { 0, 1, 2, 3 }, y[] = { 0, 1, 2, 10 }, w[] = { 1, 1, 1, 1e12 };
  NtpRegression r;
  assert_true (ntp_regress_weighted (x, y, w, 4, &r));
  near (r.slope, 1.0, 1e-6);
  near (r.intercept, 0.0, 1e-6);
  /* Points 0 and 2 counted twice (weights 1/2) vs once: the same as duplicating them.
   * Duplicated data set: x = 0,0,1,2,2 y = 1,1,0,3,3 -> mean x 1, mean y 1.6, Sxx 4, Sxy 4:
   * b = 1, a = 0.6. */
  double x2[] = { 0, 1, 2 }, y2[] = { 1, 0, 3 }, w2[] = { 0.5, 1, 0.5 };
  assert_true (ntp_regress_weighted (x2, y2, w2, 3, &r));
  near (r.slope, 1.0, 1e-12);
  near (r.intercept, 0.6, 1e-12);
}

static void
degenerate_input_is_refused (void **state)
{
  (void) state;
  double x[] = { 1, 1, 1 }, y[] = { 1, 2, 3 };
  NtpRegression r;
  assert_false (ntp_regress_weighted (x, y, NULL, 3, &r));
  assert_false (ntp_regress_weighted (x, y, NULL, 2, &r));
}

static void
runs_are_counted_by_sign (void **state)
{
  (void) state;
  double r1[] = { 1, 2, -1, -3, 4, 0.5, -2 };
  assert_int_equal (ntp_regress_runs (r1, 7), 4);
  double r2[] = { 1, 1, 1 };
  assert_int_equal (ntp_regress_runs (r2, 3), 1);
  double r3[] = { 1, -1, 1, -1 };
  assert_int_equal (ntp_regress_runs (r3, 4), 4);
  assert_int_equal (ntp_regress_runs (r1, 0), 0);
}

/* A deterministic generator for the randomized tests (xorshift64*), uniform and N(0,1). */
static uint64_t rng_state = 0x853C49E6748FEA9BULL;
static double
uniform01 (void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return ((rng_state * 0x2545F4914F6CDD1DULL >> 11) + 0.5) / 9007199254740992.0;
}

static double
gauss (void)
{
  return sqrt (-2 * log (uniform01 ())) * cos (2 * M_PI * uniform01 ());
}

/* The runs test's false-alarm rate: on residuals that are pure noise (independent, random
 * signs) the critical number of runs must be reached no more often than the significance the
 * test claims, and not absurdly less (a test that never fires is no test). */
static void
runs_test_false_alarm_rate_matches_its_significance (void **state)
{
  (void) state;
  const int sizes[] = { 10, 20, 40, 64, 100 };
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    int n = sizes[k];
    int crit = ntp_regress_critical_runs (n);
    double alpha = ntp_regress_runs_alpha (n);
    int trials = 20000, alarms = 0;
    double r[128];
    for (int t = 0; t < trials; t++) {
      for (int i = 0; i < n; i++)
        r[i] = gauss ();
      alarms += ntp_regress_runs (r, n) <= crit;
    }
    double rate = (double) alarms / trials;
    print_message ("n %d: critical runs %d, false alarms %.4f (significance %.3f)\n", n, crit,
                   rate, alpha);
    /* 20000 trials: the rate's SD is at most 0.0035 */
    assert_true (rate <= alpha + 0.011);
    assert_true (rate >= alpha / 5);
  }
}

/* Weighted least squares on random lines: for random slopes, intercepts, sizes, spacings and
 * per-point variances, the estimates must fall within their own standard errors as often as
 * the normal law says (about 68 % within 1 SE, 99.9 % within 3.3 SE). Too-small SEs fail the
 * first, too-large ones the second, a biased estimate both. */
static void
regression_on_random_lines_is_within_its_standard_errors (void **state)
{
  (void) state;
  int trials = 3000, in1_b = 0, in1_a = 0, out4 = 0;
  double x[64], y[64], w[64];
  for (int t = 0; t < trials; t++) {
    int n = 5 + (int) (uniform01 () * 55);
    double a = (uniform01 () - 0.5) * 1e-2;        /* offset, s */
    double b = (uniform01 () - 0.5) * 2e-4;        /* frequency, +-100 ppm */
    double sigma = 1e-6 * pow (10, 3 * uniform01 ());   /* 1 us .. 1 ms */
    double xt = 0;
    for (int i = n - 1; i >= 0; i--) {
      x[i] = xt;
      xt -= 16 + 1000 * uniform01 ();              /* irregular poll spacing, back in time */
      w[i] = 1 + 9 * uniform01 ();                 /* relative variances 1..10 */
      y[i] = a + b * x[i] + sigma * sqrt (w[i]) * gauss ();
    }
    NtpRegression r;
    assert_true (ntp_regress_weighted (x, y, w, n, &r));
    double zb = (r.slope - b) / r.slope_sd, za = (r.intercept - a) / r.intercept_sd;
    in1_b += fabs (zb) <= 1;
    in1_a += fabs (za) <= 1;
    /* beyond the t law's 0.9995 quantile for the fewest degrees of freedom here (3): 12.92 */
    out4 += fabs (zb) > 12.92 || fabs (za) > 12.92;
  }
  double f_b = (double) in1_b / trials, f_a = (double) in1_a / trials;
  print_message ("within 1 SE: slope %.3f, intercept %.3f (normal law 0.683, t a little less)\n",
                 f_b, f_a);
  assert_true (f_b > 0.60 && f_b < 0.75);
  assert_true (f_a > 0.60 && f_a < 0.75);
  assert_true (out4 <= trials / 500);
}

static void
critical_runs_from_binomial_tail (void **state)
{
  (void) state;
  /* runs - 1 ~ Bin(n - 1, 1/2) under the null; the critical region is the largest with a
   * probability at most the significance, 10 %.
   * n = 10: Bin(9): P(K <= 2) = 46/512 = 0.0898, P(K <= 3) = 130/512 = 0.254 -> runs <= 3. */
  assert_int_equal (ntp_regress_critical_runs (10), 3);
  /* n = 20: Bin(19): P(K <= 6) = 0.0835, P(K <= 7) = 0.1796 -> runs <= 7. */
  assert_int_equal (ntp_regress_critical_runs (20), 7);
  /* n = 4: Bin(3): P(K = 0) = 0.125 > 0.10 -> no critical region. */
  assert_int_equal (ntp_regress_critical_runs (4), 0);
  /* n = 100: Bin(99): P(K <= 42) = 0.0795, P(K <= 43) = 0.1138 -> runs <= 43. */
  assert_int_equal (ntp_regress_critical_runs (100), 43);
  for (int n = 6; n < 128; n++)
    assert_true (ntp_regress_critical_runs (n) < n / 2 + 1);
}

static void
best_regression_drops_points_after_a_bend (void **state)
{
  (void) state;
  /* 30 points: the first 15 on a slope of 1, the last 15 flat with small alternating noise.
   * A single line through all leaves long runs; the search must keep only the flat part. */
  double x[30], y[30];
  for (int i = 0; i < 30; i++) {
    x[i] = i;
    double noise = (i % 2 ? 1e-3 : -1e-3);
    y[i] = (i < 15 ? (i - 15) * 1.0 : 0.0) + noise;
  }
  NtpRegression r;
  assert_true (ntp_regress_find_best (x, y, NULL, 30, 0, 3, &r));
  assert_true (r.start >= 14);
  near (r.slope, 0.0, 1e-3);
  /* straight noisy data keeps everything */
  for (int i = 0; i < 30; i++)
    y[i] = 0.5 * i + (i % 2 ? 1e-3 : -1e-3);
  assert_true (ntp_regress_find_best (x, y, NULL, 30, 0, 3, &r));
  assert_int_equal (r.start, 0);
  near (r.slope, 0.5, 1e-4);
}

static void
t_coefficients_match_tables (void **state)
{
  (void) state;
  /* Student t, 0.9995 quantile: dof 1 = 636.62, 10 = 4.587, 30 = 3.646, 60 = 3.460,
   * 120 = 3.373, infinity = 3.291 (standard tables). */
  near (ntp_regress_t_coef (1), 636.62, 0.01);
  near (ntp_regress_t_coef (10), 4.587, 0.001);
  near (ntp_regress_t_coef (30), 3.646, 0.001);
  near (ntp_regress_t_coef (60), 3.460, 0.003);
  near (ntp_regress_t_coef (120), 3.373, 0.003);
  near (ntp_regress_t_coef (100000), 3.291, 0.002);
}

static void
median_of_odd_and_even (void **state)
{
  (void) state;
  double a[] = { 5, 1, 3 };
  near (ntp_regress_median (a, 3), 3, 0);
  double b[] = { 4, 1, 3, 2 };
  near (ntp_regress_median (b, 4), 2.5, 0);
}

static NtpSample
sample_at (double t, double offset, double delay)
{
  NtpSample s = { .time_ns = (int64_t) llround (t * 1e9), .offset = offset, .delay = delay,
                  .peer_dispersion = 1e-6, .root_delay = delay, .root_dispersion = 1e-6,
                  .stratum = 1, .leap = 0 };
  return s;
}

static void
stats_recover_frequency_and_offset (void **state)
{
  (void) state;
  /* A clock 20 ppm fast, 1 ms ahead at t = 0, sampled every 16 s with +-2 us noise. */
  NtpStats *st = ntp_stats_new ();
  for (int i = 0; i < 20; i++) {
    double t = 16.0 * i;
    NtpSample s = sample_at (t, 1e-3 + 20e-6 * t + (i % 2 ? 2e-6 : -2e-6), 1e-3);
    assert_true (ntp_stats_add (st, &s));
    ntp_stats_regress (st);
  }
  NtpStatsTracking tr;
  assert_true (ntp_stats_tracking (st, &tr));
  near (tr.freq, 20e-6, 0.05e-6);
  /* at the newest sample (t = 304 s) the offset is 1 ms + 20 ppm * 304 s = 7.08 ms */
  near (tr.offset, 7.08e-3, 5e-6);
  assert_true (tr.skew > 0 && tr.skew < 1e-6);
  NtpStatsSelection sel;
  ntp_stats_selection (st, (int64_t) (320 * 1e9), &sel);
  assert_true (sel.ok);
  near (sel.offset, 1e-3 + 20e-6 * 320, 10e-6);
  ntp_stats_free (st);
}

static void
stats_slew_reframes_history (void **state)
{
  (void) state;
  /* After telling the stats the clock was slowed by exactly the measured 20 ppm and 7 ms
   * taken off, the residual frequency and offset must read zero. */
  NtpStats *st = ntp_stats_new ();
  for (int i = 0; i < 10; i++) {
    double t = 16.0 * i;
    NtpSample s = sample_at (t, 4e-3 + 20e-6 * t, 1e-3);
    ntp_stats_add (st, &s);
    ntp_stats_regress (st);
  }
  int64_t now = (int64_t) (144 * 1e9);
  double off_now = 4e-3 + 20e-6 * 144;
  ntp_stats_slew (st, now, -20e-6, off_now);
  ntp_stats_regress (st);
  NtpStatsTracking tr;
  assert_true (ntp_stats_tracking (st, &tr));
  near (tr.freq, 0.0, 1e-9);
  near (tr.offset, 0.0, 1e-8);
  ntp_stats_free (st);
}

static void
stats_trust_the_tight_bounds_of_fast_samples (void **state)
{
  (void) state;
  /* True offset 0. Every third sample took the shortest path (delay 1 ms) and measured 0
   * exactly; the others queued 4 ms on the way back, which shows as +2 ms of offset, the
   * most half their extra delay allows. Least squares, even weighted by delay, lands near
   * +0.67 ms (20 samples at weight 1/4 against 10 at 1); the bands say the offset is 0. */
  NtpStats *st = ntp_stats_new ();
  for (int i = 0; i < 30; i++) {
    bool fast = i % 3 == 0;
    NtpSample s = sample_at (16.0 * i, fast ? 0.0 : 2e-3, fast ? 1e-3 : 5e-3);
    ntp_stats_add (st, &s);
    ntp_stats_regress (st);
  }
  NtpStatsTracking tr;
  assert_true (ntp_stats_tracking (st, &tr));
  assert_true (fabs (tr.offset) < 0.3e-3);
  ntp_stats_free (st);
}

static void
stats_poll_count_starts_at_the_last_cut (void **state)
{
  (void) state;
  NtpStats *st = ntp_stats_new ();
  /* 20 samples on a line: nothing cut, every one counts for the poll rule */
  for (int i = 0; i < 20; i++) {
    NtpSample s = sample_at (16.0 * i, i % 2 ? 1e-6 : -1e-6, 1e-3);
    ntp_stats_add (st, &s);
    ntp_stats_regress (st);
    assert_int_equal (ntp_stats_poll_samples (st), ntp_stats_samples (st));
    assert_int_equal (ntp_stats_samples (st), i + 1);
  }
  /* then the frequency jumps: the runs test cuts the old line, and from then on only the
   * samples since the cut count, never more than the fit holds */
  int least = 1000;
  for (int i = 20; i < 30; i++) {
    NtpSample s = sample_at (16.0 * i, 1e-5 * (i - 19) + (i % 2 ? 1e-6 : -1e-6), 1e-3);
    ntp_stats_add (st, &s);
    ntp_stats_regress (st);
    assert_true (ntp_stats_poll_samples (st) <= ntp_stats_samples (st));
    if (ntp_stats_poll_samples (st) < least)
      least = ntp_stats_poll_samples (st);
  }
  assert_true (least < 20);
  assert_true (ntp_stats_poll_samples (st) < 30);
  ntp_stats_reset (st);
  NtpSample s = sample_at (1000, 0, 1e-3);
  ntp_stats_add (st, &s);
  ntp_stats_regress (st);
  assert_int_equal (ntp_stats_poll_samples (st), 1);
  ntp_stats_free (st);
}

/* A deterministic normal deviate (xorshift64 + Box-Muller), so the test does not depend on
 * the C library's rand(). */
static double
xs_gauss (uint64_t *st)
{
  double u[2];
  for (int i = 0; i < 2; i++) {
    *st ^= *st << 13;
    *st ^= *st >> 7;
    *st ^= *st << 17;
    u[i] = ((double) (*st >> 11) + 0.5) / 9007199254740992.0;
  }
  return sqrt (-2.0 * log (u[0])) * cos (2.0 * M_PI * u[1]);
}

/* 64 samples of a clock whose frequency walks randomly by W per sqrt(s), read with white noise
 * of SD sigma, every T s: the phase record's estimate of W^2. */
static double
wander_of (double W, double sigma, double T, uint64_t seed)
{
  NtpStats *st = ntp_stats_new ();
  double f = 0, x = 0;
  for (int i = 0; i < 64; i++) {
    f += W * sqrt (T) * xs_gauss (&seed);
    x += f * T;
    NtpSample s = sample_at (100.0 + T * i, x + sigma * xs_gauss (&seed), 1e-3);
    ntp_stats_add (st, &s);
  }
  double w2 = ntp_stats_wander2 (st);
  ntp_stats_free (st);
  return w2;
}

static void
stats_estimate_the_wander_from_the_phase_record (void **state)
{
  (void) state;
  /* Where the wander shows (1e-8 per sqrt(s) over 64 s polls against 10 us of noise, 1e-9
   * over 256 s), the median over seeds lies within a factor of 1.5 of the truth; a clock
   * without wander reads (almost) none; too few samples say nothing. */
  const double cases[][3] = { { 1e-8, 1e-5, 64 }, { 1e-9, 1e-5, 256 } };
  for (int c = 0; c < 2; c++) {
    double est[9];
    for (int k = 0; k < 9; k++)
      est[k] = sqrt (fmax (0.0, wander_of (cases[c][0], cases[c][1], cases[c][2], 0x9E37u + k)));
    double med = ntp_regress_median (est, 9);
    assert_true (med > cases[c][0] / 1.5 && med < cases[c][0] * 1.5);
  }
  double none[9];
  for (int k = 0; k < 9; k++)
    none[k] = sqrt (fmax (0.0, wander_of (0.0, 1e-5, 64, 0x51u + k)));
  assert_true (ntp_regress_median (none, 9) < 1e-9);
  NtpStats *st = ntp_stats_new ();
  for (int i = 0; i < 5; i++) {
    NtpSample s = sample_at (16.0 * i, 0, 1e-3);
    ntp_stats_add (st, &s);
  }
  assert_true (ntp_stats_wander2 (st) < 0);
  ntp_stats_free (st);
}

static void
stats_out_of_order_sample_resets (void **state)
{
  (void) state;
  NtpStats *st = ntp_stats_new ();
  NtpSample a = sample_at (100, 0, 1e-3), b = sample_at (50, 0, 1e-3);
  assert_true (ntp_stats_add (st, &a));
  assert_false (ntp_stats_add (st, &b));
  assert_int_equal (ntp_stats_samples (st), 1);
  ntp_stats_free (st);
}

static void
stats_keep_at_most_64_samples (void **state)
{
  (void) state;
  NtpStats *st = ntp_stats_new ();
  for (int i = 0; i < 200; i++) {
    NtpSample s = sample_at (i, 1e-6 * ((i * 7919) % 13 - 6), 1e-3);
    ntp_stats_add (st, &s);
    ntp_stats_regress (st);
    assert_true (ntp_stats_samples (st) <= NTP_STATS_MAX_SAMPLES);
  }
  /* one sample a second: the report's span is the time from the oldest fitted sample to the
   * newest */
  NtpStatsReport r;
  ntp_stats_report (st, (int64_t) 200e9, &r);
  assert_true (r.samples >= 3 && r.samples <= NTP_STATS_MAX_SAMPLES);
  near (r.span, r.samples - 1, 1e-6);
  assert_true (r.runs >= 2 && r.runs <= r.samples);
  ntp_stats_free (st);
}

/* A small deterministic generator for the walk tests (xorshift64*, Box-Muller). */
static uint64_t walk_rng = 88172645463325252ull;
static double
walk_uniform (void)
{
  walk_rng ^= walk_rng >> 12;
  walk_rng ^= walk_rng << 25;
  walk_rng ^= walk_rng >> 27;
  return ((walk_rng * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}
static double
walk_gauss (void)
{
  double u = walk_uniform (), v = walk_uniform ();
  return sqrt (-2.0 * log (u + 1e-300)) * cos (2 * M_PI * v);
}

/* ntp_regress_walk against an independent derivation of the same estimate: a Kalman filter
 * over (phase, frequency) run forward through the samples, the frequency a random walk of w2
 * per unit time (process covariance w2 [dt^3/3, dt^2/2; dt^2/2, dt]), starting from a prior
 * so wide it says nothing. Its state and covariance after the newest sample are the
 * generalised least squares fit's at x = 0; a wrong walk covariance (only the diagonal
 * a^3/3, say, or ages measured from the oldest sample) moves them far off. */
static void
walk_fit_is_the_kalman_filter (void **state)
{
  (void) state;
  for (int trial = 0; trial < 20; trial++) {
    int n = 3 + trial * 3;
    double t[64], x[64], y[64], v[64];
    double w2 = trial % 4 == 0 ? 1e-4 : 1e-3 * (1 + trial);
    double now = 0, ph = 0.3, fr = -0.02;
    for (int i = 0; i < n; i++) {
      double dt = i == 0 ? 0 : 1.0 + 9.0 * walk_uniform ();
      /* the walk over dt, integrated exactly enough for a test input */
      for (int k = 0; k < 10; k++) {
        fr += sqrt (w2 * dt / 10) * walk_gauss ();
        ph += fr * dt / 10;
      }
      now += dt;
      t[i] = now;
      v[i] = 0.05 + walk_uniform ();
      y[i] = ph + sqrt (v[i]) * walk_gauss ();
    }
    for (int i = 0; i < n; i++)
      x[i] = t[i] - t[n - 1];
    /* the filter */
    double s0 = 0, s1 = 0, P00 = 1e8, P01 = 0, P11 = 1e4;
    for (int i = 0; i < n; i++) {
      double dt = i == 0 ? 0 : t[i] - t[i - 1];
      s0 += s1 * dt;
      double n00 = P00 + 2 * dt * P01 + dt * dt * P11 + w2 * dt * dt * dt / 3;
      double n01 = P01 + dt * P11 + w2 * dt * dt / 2;
      double n11 = P11 + w2 * dt;
      P00 = n00, P01 = n01, P11 = n11;
      double S = P00 + v[i], k0 = P00 / S, k1 = P01 / S, innov = y[i] - s0;
      s0 += k0 * innov;
      s1 += k1 * innov;
      n00 = (1 - k0) * P00;
      n01 = (1 - k0) * P01;
      n11 = P11 - k1 * P01;
      P00 = n00, P01 = n01, P11 = n11;
    }
    double o, ov, f, fv;
    assert_true (ntp_regress_walk (x, y, v, n, w2, &o, &ov, &f, &fv));
    near (o, s0, 1e-6 * sqrt (P00));
    near (f, s1, 1e-6 * sqrt (P11));
    near (ov, P00, 1e-6 * P00);
    near (fv, P11, 1e-6 * P11);
  }
}

/* Without a walk the fit is the weighted line (v the variances), its variances the model's
 * (not rescaled by the residuals); and bad input is refused. */
static void
walk_fit_without_walk_is_the_weighted_line (void **state)
{
  (void) state;
  double x[] = { -4, -3, -2, -1, 0 }, y[] = { 2, 4, 5, 4, 5 }, v[] = { 1, 2, 1, 0.5, 1 };
  NtpRegression r;
  assert_true (ntp_regress_weighted (x, y, v, 5, &r));
  double o, ov, f, fv;
  assert_true (ntp_regress_walk (x, y, v, 5, 0.0, &o, &ov, &f, &fv));
  near (o, r.intercept, 1e-12);
  near (f, r.slope, 1e-12);
  double sw = 0, sx = 0, sxx = 0;
  for (int i = 0; i < 5; i++) {
    sw += 1 / v[i];
    sx += x[i] / v[i];
  }
  for (int i = 0; i < 5; i++)
    sxx += (x[i] - sx / sw) * (x[i] - sx / sw) / v[i];
  near (fv, 1 / sxx, 1e-12);
  near (ov, 1 / sw + (sx / sw) * (sx / sw) / sxx, 1e-12);
  assert_false (ntp_regress_walk (x, y, v, 2, 0.0, &o, &ov, &f, &fv));
  assert_false (ntp_regress_walk (x, y, v, 5, -1.0, &o, &ov, &f, &fv));
  double vz[] = { 1, 0, 1, 1, 1 };
  assert_false (ntp_regress_walk (x, y, vz, 5, 0.0, &o, &ov, &f, &fv));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (unweighted_fit_matches_textbook),
    cmocka_unit_test (weights_are_relative_variances),
    cmocka_unit_test (degenerate_input_is_refused),
    cmocka_unit_test (runs_are_counted_by_sign),
    cmocka_unit_test (runs_test_false_alarm_rate_matches_its_significance),
    cmocka_unit_test (regression_on_random_lines_is_within_its_standard_errors),
    cmocka_unit_test (critical_runs_from_binomial_tail),
    cmocka_unit_test (best_regression_drops_points_after_a_bend),
    cmocka_unit_test (t_coefficients_match_tables),
    cmocka_unit_test (median_of_odd_and_even),
    cmocka_unit_test (stats_recover_frequency_and_offset),
    cmocka_unit_test (stats_slew_reframes_history),
    cmocka_unit_test (stats_trust_the_tight_bounds_of_fast_samples),
    cmocka_unit_test (stats_poll_count_starts_at_the_last_cut),
    cmocka_unit_test (stats_estimate_the_wander_from_the_phase_record),
    cmocka_unit_test (stats_out_of_order_sample_resets),
    cmocka_unit_test (stats_keep_at_most_64_samples),
    cmocka_unit_test (walk_fit_is_the_kalman_filter),
    cmocka_unit_test (walk_fit_without_walk_is_the_weighted_line),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
