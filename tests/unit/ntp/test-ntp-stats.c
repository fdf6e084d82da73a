/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for ntp-stats' selection interval: the hard bound from the samples' correctness
 * intervals (exact geometry, truth never excluded, self-contradicting samples refused), and
 * the start-up case it exists for: three samples per source, a poll interval later, a 50 ms
 * falseticker beside two honest sources 20 ms away over the network. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <string.h>

#include "ntp-engine.h"
#include "ntp-select.h"
#include "ntp-stats.h"

#define S(x) ((int64_t) llround ((x) * 1e9))

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static double
uniform01 (void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return ((rng_state * 0x2545F4914F6CDD1DULL >> 11) + 0.5) / 9007199254740992.0;
}

static void
add (NtpStats *st, double t, double offset, double delay)
{
  NtpSample s = { .time_ns = S (t), .offset = offset, .delay = delay, .peer_dispersion = 1e-6,
                  .root_delay = delay, .root_dispersion = 1e-6, .stratum = 1 };
  assert_true (ntp_stats_add (st, &s));
  ntp_stats_regress (st);
}

/* Three samples at 0, 2, 4 s, offset 0, root delay 20 ms (so +-10 ms plus 1 us of
 * dispersion): at 6 s the extreme lines pass through the oldest band's one edge and the
 * newest's other, reaching 10 ms + 2 s x 20 ms / 4 s, plus the clock-error widening. */
static void
bound_geometry_is_exact (void **state)
{
  (void) state;
  NtpStats *st = ntp_stats_new ();
  for (int i = 0; i < 3; i++)
    add (st, 2.0 * i, 0.0, 0.020);
  double lo, hi, phi = 1e-6;
  assert_true (ntp_stats_bound_now (st, S (6), phi, &lo, &hi));
  double h0 = 0.010 + 1e-6 + 6 * phi, h2 = 0.010 + 1e-6 + 2 * phi;
  double expect = h2 + 2 * (h0 + h2) / 4;
  assert_true (fabs (hi - expect) < 1e-9);
  assert_true (fabs (lo + expect) < 1e-9);
  /* now at the last sample: the newest band itself */
  assert_true (ntp_stats_bound_now (st, S (4), phi, &lo, &hi));
  assert_true (fabs (hi - (0.010 + 1e-6)) < 1e-9 && fabs (lo + 0.010 + 1e-6) < 1e-9);
  /* a time before the newest sample is refused (the monotonic argument needs now last) */
  assert_false (ntp_stats_bound_now (st, S (3), phi, &lo, &hi));
  ntp_stats_free (st);
}

/* A source whose samples no straight line can meet (one 1 s off with a 2 ms band) is not
 * bounded, and its selection interval is chrony's offset +- root distance. */
static void
contradicting_samples_are_not_bounded (void **state)
{
  (void) state;
  NtpStats *st = ntp_stats_new ();
  add (st, 0, 0.0, 0.002);
  add (st, 2, 0.0, 0.002);
  add (st, 4, 1.0, 0.002);
  add (st, 6, 0.0, 0.002);
  double lo, hi;
  assert_false (ntp_stats_bound_now (st, S (8), 1e-6, &lo, &hi));
  NtpStatsSelection sel;
  ntp_stats_selection (st, S (8), &sel);
  assert_true (sel.ok);
  assert_true (fabs (sel.lo - (sel.offset - sel.root_distance)) < 1e-12);
  assert_true (fabs (sel.hi - (sel.offset + sel.root_distance)) < 1e-12);
  ntp_stats_free (st);
}

/* Honest sources: the true offset runs on a line (a residual frequency up to 500 ppm) and every
 * measurement errs by less than half its delay, however the delay splits between the two
 * ways. The selection interval must always hold the truth, whatever the sample count and
 * however far past the last sample it is asked. */
static void
honest_sources_always_hold_the_truth (void **state)
{
  (void) state;
  for (int trial = 0; trial < 3000; trial++) {
    NtpStats *st = ntp_stats_new ();
    double freq = (uniform01 () - 0.5) * 1e-3, off0 = (uniform01 () - 0.5) * 0.1;
    int n = 3 + (int) (uniform01 () * 10);
    double poll = 1.0 + uniform01 () * 63, t = 0, last = 0;
    for (int i = 0; i < n; i++) {
      double base = 0.001 + uniform01 () * 0.02, queue = -log (uniform01 ()) * 0.0005;
      double delay = base + queue;
      /* the asymmetry: any split of the delay, the worst ones (all one way) included */
      double split = uniform01 () < 0.2 ? (uniform01 () < 0.5 ? 0.0 : 1.0) : uniform01 ();
      double err = (split - 0.5) * delay * 0.999;
      add (st, t, off0 + freq * t + err, delay);
      last = t;
      t += poll * (0.5 + uniform01 ());
    }
    double now = last + uniform01 () * 3 * poll;
    double truth = off0 + freq * now, lo, hi;
    if (!ntp_stats_bound_now (st, S (now), 1e-6, &lo, &hi) || !(lo <= truth && truth <= hi)) {
      print_error ("trial %d: n %d truth %.9f outside [%.9f, %.9f]\n", trial, n, truth, lo, hi);
      fail ();
    }
    /* the selection interval loses the truth only where chrony's own interval did */
    NtpStatsSelection sel;
    ntp_stats_selection (st, S (now), &sel);
    bool chrony_holds = fabs (truth - sel.offset) <= sel.root_distance;
    assert_true (sel.ok);
    if (chrony_holds && !(sel.lo <= truth && truth <= sel.hi))
      fail_msg ("trial %d: the narrowed interval lost the truth", trial);
    ntp_stats_free (st);
  }
}

/* The start-up case: two honest servers 20 ms away (jitter of 200 us each way) and a wrong one
 * 1 ms away whose offset is 50 ms off, three samples each at 2 s intervals; asked 2 s after
 * the last samples, when the honest sources' regression skew has made offset +- root
 * distance wide enough to contain the wrong one (checked: that is the defect this guards). The
 * selection must mark the wrong one a falseticker and select an honest one. */
static void
startup_falseticker_is_marked (void **state)
{
  (void) state;
  int marked = 0, wide = 0, trials = 200;
  for (int trial = 0; trial < trials; trial++) {
    NtpStats *st[3];
    NtpSelectInput in[3];
    NtpSourceState states[3];
    NtpSelectResult res;
    for (int k = 0; k < 3; k++) {
      st[k] = ntp_stats_new ();
      for (int i = 0; i < 3; i++) {
        double up = -log (uniform01 ()) * 200e-6, down = -log (uniform01 ()) * 200e-6;
        double base = k < 2 ? 0.020 : 0.001;
        double off = (k < 2 ? 0.0 : 0.050) + 0.5 * (up - down);
        add (st[k], 2.0 * i + 0.01 * k, off, base + up + down);
      }
      NtpStatsSelection sel;
      ntp_stats_selection (st[k], S (6.02), &sel);
      assert_true (sel.ok);
      in[k] = (NtpSelectInput) { .usable = true, .stratum = 1, .offset = sel.offset,
                                 .distance = sel.root_distance, .std_dev = sel.std_dev,
                                 .lo = sel.lo, .hi = sel.hi };
      if (k < 2 && sel.offset + sel.root_distance > 0.0495)
        wide++;
    }
    NtpSelectParams p = { .stratumweight = 0.001, .reselectdist = 1e-4, .combinelimit = 3,
                          .minsources = 1, .maxjitter = 1.0 };
    ntp_select_run (in, 3, &p, 0, states, &res);
    if (states[2] == NTP_STATE_FALSETICKER && (res.selected == 0 || res.selected == 1))
      marked++;
    for (int k = 0; k < 3; k++)
      ntp_stats_free (st[k]);
  }
  /* the statistical interval alone would have taken the wrong one in, in most trials */
  assert_true (wide > trials / 2);
  assert_int_equal (marked, trials);
}

/* maxclockerror: a source silent for longer than its samples span has its root distance
 * grown at that rate over the excess (chrony's sources.c), here 10 ppm against 1 ppm. */
static void
maxclockerror_grows_a_silent_sources_distance (void **state)
{
  (void) state;
  NtpStats *a = ntp_stats_new (), *b = ntp_stats_new ();
  ntp_stats_set_clock_error (b, 10e-6);
  for (int i = 0; i < 4; i++) {
    add (a, 16.0 * i, 0.0, 0.020);
    add (b, 16.0 * i, 0.0, 0.020);
  }
  NtpStatsSelection sa, sb;
  ntp_stats_selection (a, S (1048), &sa);
  ntp_stats_selection (b, S (1048), &sb);
  /* first sample 1048 s ago, last 1000 s: an excess of 2 x 1000 - 1048 = 952 s */
  assert_true (fabs ((sb.root_distance - sa.root_distance) - 9e-6 * 952) < 1e-9);
  ntp_stats_free (a);
  ntp_stats_free (b);
}

static double
expo (double mean)
{
  return -log (uniform01 ()) * mean;
}

static double
gauss (void)
{
  return sqrt (-2.0 * log (uniform01 ())) * cos (6.283185307179586 * uniform01 ());
}

/* The fastest sample's own queueing (ntp_stats_least_excess): 16 delays (a window at long
 * polls) through a path of 100 us each way plus exponential queueing of mean 1 ms each way.
 * Over many trials the posterior mean lands near the true least excess (bias within 15 % of
 * it, 10 % here; the spread of the four least delays, the reading before, is 60 % high) and the
 * posterior variance is calibrated (mean of squared error / variance within 0.75-1.5). Two
 * delays tied at the least: the path's floor, 0 and 0. */
static void
least_excess_is_the_fastest_samples_queueing (void **state)
{
  (void) state;
  const int trials = 3000, n = 16;
  double truth = 0, bias = 0, z2 = 0, spread = 0;
  for (int t = 0; t < trials; t++) {
    double d[16], xmin = DBL_MAX, dmin, m, v;
    for (int i = 0; i < n; i++) {
      double x = expo (1e-3) + expo (1e-3);
      d[i] = 2e-4 + x;
      xmin = fmin (xmin, x);
    }
    ntp_stats_least_excess (d, n, &dmin, &m, &v);
    assert_true (fabs (dmin - (2e-4 + xmin)) < 1e-15);
    assert_true (v > 0);
    truth += xmin;
    bias += m - xmin;
    z2 += (m - xmin) * (m - xmin) / v;
    double s[16];
    memcpy (s, d, sizeof s);
    for (int i = 0; i < 4; i++)
      for (int j = i + 1; j < n; j++)
        if (s[j] < s[i]) {
          double tmp = s[i];
          s[i] = s[j];
          s[j] = tmp;
        }
    spread += (s[3] - s[0]) - xmin;
  }
  print_message ("least excess %g s: bias %g, the four least's %g; squared error / variance %g\n",
                 truth / trials, bias / trials, spread / trials, z2 / trials);
  if (!(fabs (bias) < 0.15 * truth))
    fail_msg ("bias %g s against a least excess of %g s", bias / trials, truth / trials);
  if (!(spread > 0.4 * truth))
    fail_msg ("the four least delays' spread was expected to read high: %g", spread / trials);
  if (!(z2 / trials > 0.75 && z2 / trials < 1.5))
    fail_msg ("mean of squared error / variance %g", z2 / trials);
  double tied[4] = { 1e-3, 3e-3, 1e-3, 2e-3 }, dmin, m, v;
  ntp_stats_least_excess (tied, 4, &dmin, &m, &v);
  assert_true (dmin == 1e-3 && m == 0 && v == 0);
}

/* One measurement through a path of 100 us each way plus exponential queueing of mean
 * `jitter` each way: the offset errs by half the difference of the two queues. */
static void
add_queued (NtpStats *st, double t, double true_offset, double jitter)
{
  double qo = expo (jitter), qi = expo (jitter);
  NtpSample s = { .time_ns = S (t), .offset = true_offset + 0.5 * (qo - qi),
                  .delay = 2e-4 + qo + qi, .peer_dispersion = 1e-8, .root_delay = 2e-4 + qo + qi,
                  .root_dispersion = 1e-8, .stratum = 1 };
  assert_true (ntp_stats_add (st, &s));
  ntp_stats_regress (st);
}

/* The wander read from the phase record: 256 samples 64 s apart (the history and the archive
 * before it), 10 us of queueing each way. With a frequency walking by W^2 = 1e-14 per s the
 * estimate lands within a factor of 3 of it (geometric mean over the trials); with no walk at
 * all it is still above 0 (the record cannot exclude a small one) but far below that. */
static void
wander_estimate_follows_the_record (void **state)
{
  (void) state;
  const double w2_true[2] = { 1e-14, 0.0 };
  double log_mean[2] = { 0, 0 }, least[2] = { 1, 1 };
  const int trials = 12;
  for (int c = 0; c < 2; c++) {
    for (int trial = 0; trial < trials; trial++) {
      NtpStats *st = ntp_stats_new ();
      double freq = 0, phase = 0;
      for (int i = 0; i < 256; i++) {
        add_queued (st, 64.0 * i, phase, 10e-6);
        /* a frequency random walk over the 64 s to the next sample, its phase integrated */
        for (int k = 0; k < 64; k++) {
          freq += sqrt (w2_true[c]) * gauss ();
          phase += freq;
        }
      }
      double w2 = ntp_stats_wander2_mean (st);
      assert_true (w2 > 0);
      log_mean[c] += log (w2) / trials;
      least[c] = fmin (least[c], w2);
      ntp_stats_free (st);
    }
  }
  double g = exp (log_mean[0]);
  if (!(g > w2_true[0] / 3 && g < w2_true[0] * 3))
    fail_msg ("W^2 1e-14 read as %g (geometric mean)", g);
  if (!(exp (log_mean[1]) < w2_true[0] / 30))
    fail_msg ("no wander read as %g (geometric mean)", exp (log_mean[1]));
}

/* The W^2 grid the fit averages over is a posterior: ascending, its probabilities summing to
 * 1. On the record above with W^2 = 1e-14, its median lies within a factor of 3 of the truth;
 * with no walk at all the record cannot exclude a small one, and its median lies far (over
 * 100 x) below its mean: the mean is its upper tail's, and plugging it into the weights took
 * the weight off the old samples the record says are fine. */
static void
wander_grid_is_a_posterior (void **state)
{
  (void) state;
  const double w2_true[2] = { 1e-14, 0.0 };
  for (int c = 0; c < 2; c++) {
    for (int trial = 0; trial < 4; trial++) {
      NtpStats *st = ntp_stats_new ();
      double freq = 0, phase = 0;
      for (int i = 0; i < 256; i++) {
        add_queued (st, 64.0 * i, phase, 10e-6);
        for (int k = 0; k < 64; k++) {
          freq += sqrt (w2_true[c]) * gauss ();
          phase += freq;
        }
      }
      double w[64], p[64], sum = 0, mean = 0, median = -1;
      int k = ntp_stats_wander2_grid (st, w, p, 64);
      assert_true (k > 8 && k <= 64);
      for (int j = 0; j < k; j++) {
        assert_true (p[j] >= 0);
        if (j > 0)
          assert_true (w[j] > w[j - 1]);
        sum += p[j];
        mean += p[j] * w[j];
        if (median < 0 && sum >= 0.5)
          median = w[j];
      }
      assert_true (fabs (sum - 1.0) < 1e-9);
      if (c == 0 && !(median > w2_true[0] / 3 && median < w2_true[0] * 3))
        fail_msg ("W^2 1e-14: posterior median %g", median);
      if (c == 1 && !(median < mean / 100))
        fail_msg ("no wander: posterior median %g, mean %g", median, mean);
      ntp_stats_free (st);
    }
  }
}

/* The offset from the physics weights, on a fixed offset (no frequency error, no wander) seen
 * through 1 ms of exponential queueing each way, 64 samples 64 s apart: it must beat by far a
 * line fitted with equal weights to the same offsets, read at the same (newest) sample (the
 * fast samples carry the information), and the offset SD it claims must match its real error
 * within a factor of 1.5 (RMS of error / claimed SD reads 1.2 here; it read 2.0 when the fastest
 * sample's own queueing was taken as the gap between the two least delays, which
 * underestimates it when both ways queue). */
static void
physical_offset_and_its_sd (void **state)
{
  (void) state;
  const int trials = 200, n = 64;
  double se = 0, sz = 0, sl = 0;
  for (int trial = 0; trial < trials; trial++) {
    NtpStats *st = ntp_stats_new ();
    double truth = 0.003, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
      add_queued (st, 64.0 * i, truth, 1e-3);
      NtpStatsReport rep;
      ntp_stats_report (st, S (64.0 * i), &rep);
      double x = 64.0 * i, y = rep.last_offset;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    double line = (sy - slope * sx) / n + slope * 64.0 * (n - 1);
    NtpStatsTracking tr;
    assert_true (ntp_stats_tracking (st, &tr));
    double err = tr.offset - truth;
    se += err * err;
    sz += err * err / (tr.offset_sd * tr.offset_sd);
    sl += (line - truth) * (line - truth);
    ntp_stats_free (st);
  }
  double rms = sqrt (se / trials), rz = sqrt (sz / trials), rl = sqrt (sl / trials);
  print_message ("RMS error %g s, equal-weight line %g s, RMS of error / claimed SD %g\n", rms, rl,
                 rz);
  if (!(rms < 0.6 * rl))
    fail_msg ("RMS error %g s, the equal-weight line's %g", rms, rl);
  if (!(rz > 0.6 && rz < 1.5))
    fail_msg ("RMS of error / claimed SD %g", rz);
}

/* A path queueing only on the way back: each offset reads half its queueing high. Stored
 * uncorrected (as before the asymmetry was known), then corrected by ntp_stats_set_asymmetry
 * (0.5), the whole set fits the true offset to within the timestamps' noise, which the
 * uncorrected set misses by about half the mean queueing; set back to 0, every stored offset
 * is its measured one again, exactly. A sample stored already corrected (asym_corr) is
 * corrected once, not twice. The delay test's noise keeps what the correction took out. */
static void
stored_samples_are_corrected_for_a_new_asymmetry (void **state)
{
  (void) state;
  NtpStats *st = ntp_stats_new ();
  const double truth = 0.002, base = 200e-6;
  double raw[32];
  for (int i = 0; i < 32; i++) {
    double queue = -100e-6 * log (uniform01 ());
    raw[i] = truth + queue / 2 + 1e-7 * (uniform01 () - 0.5);
    NtpSample smp = { .time_ns = S (64.0 * i), .offset = raw[i], .delay = base + queue,
                      .peer_dispersion = 1e-6, .root_delay = base + queue,
                      .root_dispersion = 1e-6, .stratum = 1 };
    if (i == 31) {
      /* the newest arrives corrected by the same asymmetry against the same least delay */
      smp.asym_corr = 0.5 * (smp.delay - ntp_stats_min_delay (st));
      smp.offset -= smp.asym_corr;
    }
    assert_true (ntp_stats_add (st, &smp));
  }
  double least = ntp_stats_min_delay (st);
  ntp_stats_set_asymmetry (st, 0.5);
  ntp_stats_regress (st);
  NtpStatsTracking tr;
  assert_true (ntp_stats_tracking (st, &tr));
  /* against the least delay seen, which is a little above the path's base */
  double expect = truth + (least - base) / 2;
  if (!(fabs (tr.offset - expect) < 2e-6))
    fail_msg ("corrected offset %g, expected %g", tr.offset, expect);

  /* The delay test judges rises against the scatter as measured: the queueing's, about half
   * its 100 us SD, not the corrected fit's */
  double sd, skew, since;
  NtpStatsReport rep;
  ntp_stats_report (st, S (64.0 * 31), &rep);
  assert_true (ntp_stats_delay_test_data (st, S (64.0 * 32), &sd, &skew, &since));
  if (!(rep.std_dev < 2e-6 && sd > 25e-6 && sd < 100e-6))
    fail_msg ("fit's SD %g, delay test's %g", rep.std_dev, sd);

  ntp_stats_set_asymmetry (st, 0.0);
  ntp_stats_regress (st);
  ntp_stats_report (st, S (64.0 * 31), &rep);
  assert_true (fabs (rep.last_offset - raw[31]) < 1e-12);
  assert_true (ntp_stats_tracking (st, &tr));
  if (!(tr.offset - expect > 10e-6))
    fail_msg ("uncorrected offset %g, expected well above %g", tr.offset, expect);
  ntp_stats_free (st);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (bound_geometry_is_exact),
    cmocka_unit_test (contradicting_samples_are_not_bounded),
    cmocka_unit_test (honest_sources_always_hold_the_truth),
    cmocka_unit_test (startup_falseticker_is_marked),
    cmocka_unit_test (maxclockerror_grows_a_silent_sources_distance),
    cmocka_unit_test (wander_estimate_follows_the_record),
    cmocka_unit_test (wander_grid_is_a_posterior),
    cmocka_unit_test (physical_offset_and_its_sd),
    cmocka_unit_test (least_excess_is_the_fastest_samples_queueing),
    cmocka_unit_test (stored_samples_are_corrected_for_a_new_asymmetry),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
