/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the drift file: chronyd's format and sign, round trip, garbage. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "ntp-engine.h"

static void
format_is_chronyds (void **state)
{
  (void) state;
  char buf[128];
  /* a clock 23.054 ppm slow: chronyd stores its frequency error, -23.054 (positive = fast) */
  int n = ntp_drift_format (buf, sizeof buf, -23.054, 0.012);
  assert_int_equal (n, 42);
  assert_string_equal (buf, "          -23.054000             0.012000\n");
}

static void
round_trip (void **state)
{
  (void) state;
  double vals[] = { 0.0, -23.054, 100.0, -499.999999, 1e-6 };
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    char buf[128];
    ntp_drift_format (buf, sizeof buf, vals[i], 0.5);
    double f, s;
    assert_true (ntp_drift_parse (buf, &f, &s));
    assert_true (fabs (f - vals[i]) < 1e-6);
    assert_true (fabs (s - 0.5) < 1e-6);
  }
}

static void
reads_a_chronyd_file (void **state)
{
  (void) state;
  double f, s;
  assert_true (ntp_drift_parse ("          -12.345678             0.100000\n", &f, &s));
  assert_true (fabs (f - (-12.345678)) < 1e-9);   /* the clock runs 12.3 ppm slow */
  assert_true (fabs (s - 0.1) < 1e-9);
  /* chrony's test/simulation/102-iburst: "100 1.0" for a clock 100 ppm fast (freq_offset
   * 1e-4); 104-driftfile: 1e6 - 1e6 / (1 + f) for a clock fast by f */
  assert_true (ntp_drift_parse ("100 1.0\n", &f, &s));
  assert_true (f == 100.0 && s == 1.0);
  assert_true (ntp_drift_parse ("4.999975000e+00 1", &f, &s));   /* f = 5e-6 */
  assert_true (fabs (f - 5.0) < 1e-4);
  assert_true (ntp_drift_parse ("1.5 0.2", &f, &s));
}

static void
garbage_is_refused (void **state)
{
  (void) state;
  const char *bad[] = { "", "\n", "12.3", "12.3\n", "abc def", "1.0 x", "1.0 2.0 3.0",
                        "1.0,2.0", "nan 1", "1 inf", "1e9 0.1", "1.0 -0.5", NULL };
  double f = 42, s = 42;
  for (int i = 0; bad[i]; i++) {
    if (ntp_drift_parse (bad[i], &f, &s)) {
      print_error ("accepted '%s'\n", bad[i]);
      fail ();
    }
  }
  assert_false (ntp_drift_parse (NULL, &f, &s));
  assert_true (f == 42 && s == 42);
  char buf[8];
  assert_true (ntp_drift_format (buf, sizeof buf, NAN, 1) < 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (format_is_chronyds),
    cmocka_unit_test (round_trip),
    cmocka_unit_test (reads_a_chronyd_file),
    cmocka_unit_test (garbage_is_refused),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
