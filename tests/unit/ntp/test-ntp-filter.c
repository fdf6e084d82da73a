/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for ntp-filter: lowest-delay choice, no reuse, jitter, chrony's test C. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "ntp-filter.h"

static NtpFilterSample
fs (int64_t t, double offset, double delay)
{
  NtpFilterSample s = { .time_ns = t, .offset = offset, .delay = delay, .dispersion = 0 };
  return s;
}

static void
depth_one_passes_everything (void **state)
{
  (void) state;
  NtpFilter f;
  ntp_filter_init (&f, 0);
  assert_int_equal (f.depth, 1);
  NtpFilterSample out;
  for (int i = 1; i <= 5; i++) {
    NtpFilterSample in = fs (i, i * 1e-3, 10e-3 / i);
    assert_true (ntp_filter_add (&f, &in, &out));
    assert_true (out.time_ns == i);
  }
}

static void
lowest_delay_sample_wins_once (void **state)
{
  (void) state;
  NtpFilter f;
  ntp_filter_init (&f, 4);
  NtpFilterSample out;
  NtpFilterSample a = fs (1, 0.001, 0.010), b = fs (2, 0.002, 0.002), c = fs (3, 0.003, 0.030),
                  d = fs (4, 0.004, 0.020);
  assert_true (ntp_filter_add (&f, &a, &out));
  assert_true (out.time_ns == 1);
  assert_true (ntp_filter_add (&f, &b, &out));
  assert_true (out.time_ns == 2);
  /* b still has the lowest delay: nothing new comes out */
  assert_false (ntp_filter_add (&f, &c, &out));
  assert_false (ntp_filter_add (&f, &d, &out));
  /* e pushes a out of the 4-deep window; b is still in it and still the best */
  NtpFilterSample e = fs (5, 0.005, 0.025), g = fs (6, 0.006, 0.028);
  assert_false (ntp_filter_add (&f, &e, &out));
  /* g pushes b out: of c, d, e, g the lowest delay is d (0.020) */
  assert_true (ntp_filter_add (&f, &g, &out));
  assert_true (out.time_ns == 4);
  /* jitter (RFC 5905 §10): RMS of the others' offsets about d's: -1, 0, +1, +2 ms over n-1 */
  double expect = sqrt ((1e-6 + 0 + 1e-6 + 4e-6) / 3.0);
  assert_true (fabs (f.jitter - expect) < 1e-12);
  /* never go back in time */
  NtpFilterSample old = fs (2, 0, 0.0001);
  assert_false (ntp_filter_add (&f, &old, &out));
}

static void
delay_test_d (void **state)
{
  (void) state;
  /* min delay 1 ms, offsets' noise 10 us, ratio 10: half the rise may reach 100 us, so a rise
   * of 199 us passes and one of 201 us fails; a 3 ms delay (half rise 1 ms) fails unless its
   * offset moved by more than the 1 ms it explains plus the 100 us allowed */
  assert_true (ntp_filter_delay_ok (1.05e-3, 0, 1e-3, 10e-6, 0, 10, 0));
  assert_true (ntp_filter_delay_ok (1.199e-3, 0, 1e-3, 10e-6, 0, 10, 0));
  assert_false (ntp_filter_delay_ok (1.201e-3, 0, 1e-3, 10e-6, 0, 10, 0));
  assert_false (ntp_filter_delay_ok (3e-3, 1.09e-3, 1e-3, 10e-6, 0, 10, 0));
  assert_true (ntp_filter_delay_ok (3e-3, -1.11e-3, 1e-3, 10e-6, 0, 10, 0));
  assert_false (ntp_filter_delay_ok (3e-3, 100e-6, 1e-3, 10e-6, 0, 10, 0));
  assert_true (ntp_filter_delay_ok (3e-3, 2.5e-3, 1e-3, 10e-6, 0, 10, 0));
  /* the same 3 ms delay passes once the statistics are old enough: 1000 s after their newest
   * sample at 1 ppm, 1 ms more is allowed (a path that got longer for good) */
  assert_true (ntp_filter_delay_ok (3e-3, 100e-6, 1e-3, 10e-6, 0, 10, 1000 * 1e-6));
  assert_false (ntp_filter_delay_ok (3e-3, 100e-6, 1e-3, 10e-6, 0, 10, 800 * 1e-6));
  /* the ratio 0 switches the test off */
  assert_true (ntp_filter_delay_ok (3e-3, 100e-6, 1e-3, 10e-6, 0, 0, 0));
}

/* A window of 100 ms delays, then one fewer of 1 ms than it holds: one 100 ms delay left. */
static void
window_after_path_change (NtpDelayQuantile *q, double p)
{
  ntp_delay_quant_init (q, p);
  for (int i = 0; i < NTP_DELAY_QUANT_WINDOW; i++)
    ntp_delay_quant_add (q, 0.1);
  for (int i = 0; i < NTP_DELAY_QUANT_WINDOW - 1; i++)
    ntp_delay_quant_add (q, 1e-3);
}

/* maxdelayquant's quantile: none until it stands on two delays either side, then the
 * interpolated order statistic of the last NTP_DELAY_QUANT_WINDOW delays. */
static void
delay_quantile (void **state)
{
  (void) state;
  NtpDelayQuantile q;
  double v = -1;
  ntp_delay_quant_init (&q, 0.2);
  /* 2 / 0.2 = 10 delays are needed; delays 1..9 ms give none */
  for (int i = 1; i <= 9; i++) {
    ntp_delay_quant_add (&q, i * 1e-3);
    assert_false (ntp_delay_quant_get (&q, &v));
  }
  ntp_delay_quant_add (&q, 10e-3);
  assert_true (ntp_delay_quant_get (&q, &v));
  /* 1..10 ms: position 0.2 x 9 = 1.8, between 2 and 3 ms */
  assert_float_equal (v, 2.8e-3, 1e-12);
  /* the order they came in does not matter */
  ntp_delay_quant_init (&q, 0.2);
  for (int i = 10; i >= 1; i--)
    ntp_delay_quant_add (&q, i * 1e-3);
  assert_true (ntp_delay_quant_get (&q, &v));
  assert_float_equal (v, 2.8e-3, 1e-12);
  /* symmetric need at the top: 0.95 needs 2 / 0.05 = 40 */
  ntp_delay_quant_init (&q, 0.95);
  for (int i = 1; i < 40; i++)
    ntp_delay_quant_add (&q, 1.0);
  assert_false (ntp_delay_quant_get (&q, &v));
  ntp_delay_quant_add (&q, 1.0);
  assert_true (ntp_delay_quant_get (&q, &v));
  assert_float_equal (v, 1.0, 0.0);
  /* the window forgets: one 100 ms delay left of 64, the median is 1 ms (were the old ones
   * all kept, 100 ms) */
  window_after_path_change (&q, 0.5);
  assert_true (ntp_delay_quant_get (&q, &v));
  assert_float_equal (v, 1e-3, 0.0);
  window_after_path_change (&q, 0.95);
  /* position 0.95 x 63 = 59.85 of 63 at 1 ms and one at 100 ms: still 1 ms */
  assert_true (ntp_delay_quant_get (&q, &v));
  assert_float_equal (v, 1e-3, 0.0);
  ntp_delay_quant_add (&q, 1e-3);
  assert_true (ntp_delay_quant_get (&q, &v));
  assert_float_equal (v, 1e-3, 0.0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (depth_one_passes_everything),
    cmocka_unit_test (lowest_delay_sample_wins_once),
    cmocka_unit_test (delay_test_d),
    cmocka_unit_test (delay_quantile),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
