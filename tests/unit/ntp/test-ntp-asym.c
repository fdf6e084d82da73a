/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-asym: the slope of offset residuals against delays, and when it is used. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "ntp-asym.h"

/* A deterministic generator (no libc rand: the same draws everywhere). */
static double
uniform (uint64_t *state)
{
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return ((*state >> 11) + 0.5) / 9007199254740992.0;
}

static double
exponential (uint64_t *state, double mean)
{
  return -mean * log (uniform (state));
}

/* n samples over a path of 100 us each way whose queueing (mean `up` on the way out, `down`
 * back) shifts the offset by half their difference, plus `noise` of timestamp error. */
static double
estimate (int n, double up, double down, double noise, uint64_t seed)
{
  NtpAsym a;
  ntp_asym_init (&a);
  for (int i = 0; i < n; i++) {
    double qu = up > 0 ? exponential (&seed, up) : 0.0;
    double qd = down > 0 ? exponential (&seed, down) : 0.0;
    double delay = 200e-6 + qu + qd;
    double residual = (qd - qu) / 2 + noise * (uniform (&seed) - 0.5);
    ntp_asym_add (&a, residual, delay);
  }
  return ntp_asym_estimate (&a);
}

static void
one_way_queueing_is_found_with_its_sign (void **state)
{
  (void) state;
  for (uint64_t seed = 1; seed <= 20; seed++) {
    /* all of it on the way to the server: chrony's -0.5 */
    assert_true (fabs (estimate (64, 100e-6, 0, 1e-6, seed) + 0.5) < 0.02);
    /* all of it on the way back: +0.5 */
    assert_true (fabs (estimate (64, 0, 100e-6, 1e-6, seed) - 0.5) < 0.02);
    /* mostly out: negative, between */
    double mixed = estimate (64, 100e-6, 20e-6, 1e-6, seed);
    assert_true (mixed < -0.2 && mixed >= -0.5);
  }
}

static void
symmetric_paths_stay_symmetric (void **state)
{
  (void) state;
  int found = 0;
  for (uint64_t seed = 1; seed <= 200; seed++)
    found += estimate (64, 100e-6, 100e-6, 1e-6, seed) != 0.0;
  /* three standard deviations: about 1 in 370 by chance */
  assert_true (found <= 3);
}

static void
heavy_tails_do_not_fake_an_asymmetry (void **state)
{
  (void) state;
  int found = 0;
  /* Pareto (shape 1.5) queueing both ways, the same mean: a few very long waits, which would
   * give a least-squares slope a small error it does not have */
  for (uint64_t seed = 1; seed <= 200; seed++) {
    NtpAsym a;
    ntp_asym_init (&a);
    for (int i = 0; i < 64; i++) {
      double qu = 50e-6 * (pow (1 - uniform (&seed), -1 / 1.5) - 1);
      double qd = 50e-6 * (pow (1 - uniform (&seed), -1 / 1.5) - 1);
      ntp_asym_add (&a, (qd - qu) / 2, 200e-6 + qu + qd);
    }
    found += ntp_asym_estimate (&a) != 0.0;
  }
  assert_true (found <= 3);
}

static void
too_few_or_unusable_samples_say_nothing (void **state)
{
  (void) state;
  assert_true (estimate (7, 100e-6, 0, 0, 5) == 0.0);
  assert_true (estimate (8, 100e-6, 0, 0, 5) != 0.0);
  NtpAsym a;
  ntp_asym_init (&a);
  for (int i = 0; i < 64; i++)
    ntp_asym_add (&a, 1e-6 * i, 300e-6);     /* one delay: no slope */
  assert_true (ntp_asym_estimate (&a) == 0.0);
  ntp_asym_add (&a, NAN, 1e-3);
  ntp_asym_add (&a, 0.0, INFINITY);
  assert_int_equal (a.n, 64);
  assert_true (ntp_asym_estimate (&a) == 0.0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (one_way_queueing_is_found_with_its_sign),
    cmocka_unit_test (symmetric_paths_stay_symmetric),
    cmocka_unit_test (heavy_tails_do_not_fake_an_asymmetry),
    cmocka_unit_test (too_few_or_unusable_samples_say_nothing),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
