/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-ntp-statlog.c — chronyd's statistics log lines (ntp-statlog.h).
 *
 * The expected lines are chronyd's, not ours: two lines of a chronyd 4.x measurements.log as
 * published (a client of Apple's and Amazon's servers, 30 Dec 2021), and lines laid out as
 * chrony.conf(5) gives its examples of statistics.log and tracking.log, each value put
 * through chronyd's format of its column ("%-15s" address, "%10.3e" figures, "%7.1e" stress,
 * "%3d" counts, "%5.2f" asymmetry; "%2d" stratum, "%10.3f" ppm, "%1c" leap, "%2d" count). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ntp-packet.h"
#include "ntp-statlog.h"

#define S(secs) ((int64_t) (secs) * 1000000000)

static void
measurement_lines_are_chronyds (void **state)
{
  (void) state;
  char buf[NTP_STATLOG_LINE_MAX];
  /* theta is the server's time minus ours: our offset (positive = we are ahead) negated */
  NtpStatlogMeasurement m = {
    .address = "17.253.66.253", .tests = NTP_TESTS_ALL, .leap = 0, .stratum = 1, .local_poll = 6, .remote_poll = 6,
    .score = 0.0, .offset = 3.420e-04, .delay = 1.302e-03, .dispersion = 4.121e-06,
    .root_delay = 0.0, .root_dispersion = 1.984e-04, .refid = 0x47505373, .mode = 4,
    .interleaved = false, .tx_kernel = true, .rx_kernel = true,
  };
  size_t n = ntp_statlog_measurement (buf, sizeof buf, S (1640863729) + 123456789, &m);
  assert_string_equal (buf, "2021-12-30 11:28:49 17.253.66.253   N  1 111 111 1111   6  6 0.00"
                       " -3.420e-04  1.302e-03  4.121e-06  0.000e+00  1.984e-04 47505373 4B K K");
  assert_int_equal (n, strlen (buf));

  NtpStatlogMeasurement m2 = {
    .address = "150.101.186.50", .tests = NTP_TESTS_ALL, .leap = 0, .stratum = 2, .local_poll = 6, .remote_poll = 6,
    .offset = 1.287e-04, .delay = 1.978e-02, .dispersion = 4.450e-05, .root_delay = 6.714e-04,
    .root_dispersion = 1.282e-03, .refid = 0xAC16FE35, .mode = 4, .tx_kernel = true,
    .rx_kernel = true,
  };
  ntp_statlog_measurement (buf, sizeof buf, S (1640863729), &m2);
  assert_string_equal (buf, "2021-12-30 11:28:49 150.101.186.50  N  2 111 111 1111   6  6 0.00"
                       " -1.287e-04  1.978e-02  4.450e-05  6.714e-04  1.282e-03 AC16FE35 4B K K");

  /* interleaved, daemon timestamps, leap insert, a server not synchronized */
  m2.interleaved = true;
  m2.tx_kernel = m2.rx_kernel = false;
  m2.leap = 1;
  ntp_statlog_measurement (buf, sizeof buf, S (1640863729), &m2);
  assert_non_null (strstr (buf, " + "));
  assert_non_null (strstr (buf, " AC16FE35 4I D D"));
  m2.leap = 3;
  ntp_statlog_measurement (buf, sizeof buf, S (1640863729), &m2);
  assert_non_null (strstr (buf, "150.101.186.50  ? "));

  /* the tests in chronyd's order, 1-3, 5-7, A-D, each in its column */
  m2.tests = NTP_TESTS_ALL & ~(unsigned) NTP_TEST_C;
  ntp_statlog_measurement (buf, sizeof buf, S (1640863729), &m2);
  assert_non_null (strstr (buf, "  2 111 111 1101   6  6 "));
  m2.tests = NTP_TEST_3 | NTP_TEST_5 | NTP_TEST_7 | NTP_TEST_A | NTP_TEST_D;
  ntp_statlog_measurement (buf, sizeof buf, S (1640863729), &m2);
  assert_non_null (strstr (buf, "  2 001 101 1001   6  6 "));
  m2.tests = NTP_TEST_1 | NTP_TEST_2 | NTP_TEST_6 | NTP_TEST_B | NTP_TEST_C;
  ntp_statlog_measurement (buf, sizeof buf, S (1640863729), &m2);
  assert_non_null (strstr (buf, "  2 110 010 0110   6  6 "));
}

static void
statistics_and_tracking_lines_are_chronyds (void **state)
{
  (void) state;
  char buf[NTP_STATLOG_LINE_MAX];
  NtpStatlogStatistics st = {
    .address = "203.0.113.15", .std_dev = 6.261e-03, .offset = -3.247e-03,
    .offset_sd = 2.220e-03, .freq = 1.874e-06, .skew = 1.080e-06, .stress = 7.8e-02,
    .samples = 16, .discarded = 0, .runs = 8, .asymmetry = 0.0,
  };
  ntp_statlog_statistics (buf, sizeof buf, S (1470807650), &st);
  assert_string_equal (buf, "2016-08-10 05:40:50 203.0.113.15     6.261e-03 -3.247e-03  2.220e-03"
                       "  1.874e-06  1.080e-06 7.8e-02  16   0   8  0.00");

  NtpStatlogTracking t = {
    .address = "203.0.113.15", .stratum = 2, .freq_ppm = -3.541, .skew_ppm = 0.075,
    .offset = -8.621e-06, .leap = NTP_LEAP_NONE, .combined = 2, .offset_sd = 2.086e-06,
    .remaining = -4.038e-05, .root_delay = 1.504e-02, .root_dispersion = 6.112e-04,
    .max_error = 8.131e-03,
  };
  ntp_statlog_tracking (buf, sizeof buf, S (1503408156), &t);
  assert_string_equal (buf, "2017-08-22 13:22:36 203.0.113.15     2     -3.541      0.075"
                       " -8.621e-06 N  2  2.086e-06 -4.038e-05  1.504e-02  6.112e-04  8.131e-03");
  t.unsynchronized = true;
  ntp_statlog_tracking (buf, sizeof buf, S (1503408156), &t);
  assert_non_null (strstr (buf, " ? "));
  t.unsynchronized = false;
  t.leap = NTP_LEAP_DELETE;
  ntp_statlog_tracking (buf, sizeof buf, S (1503408156), &t);
  assert_non_null (strstr (buf, " - "));
}

static void
address_without_port_and_one_field (void **state)
{
  (void) state;
  char buf[NTP_STATLOG_LINE_MAX];
  NtpStatlogStatistics st = { .samples = 3, .runs = 2 };
  struct { const char *given, *column; } cases[] = {
    { "127.0.0.1:11123", "127.0.0.1       " },
    { "[::1]:11123", "::1             " },
    { "2001:db8::1", "2001:db8::1     " },      /* a bare IPv6 address keeps its last group */
    { "[2001:db8::1]:123", "2001:db8::1     " },
    { "ntp.example.net:4123", "ntp.example.net " },
    { "bad name\n", "bad_name_       " },       /* never a second field or line */
    { "", "                " },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    st.address = cases[i].given;
    ntp_statlog_statistics (buf, sizeof buf, S (1470807650), &st);
    if (strncmp (buf + 20, cases[i].column, strlen (cases[i].column)) != 0) {
      print_error ("'%s' gave '%s'\n", cases[i].given, buf);
      fail ();
    }
  }
  /* a long name is cut so the line still fits */
  char longname[400];
  memset (longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  st.address = longname;
  size_t n = ntp_statlog_statistics (buf, sizeof buf, S (1470807650), &st);
  assert_true (n > 0 && n < sizeof buf);
  assert_int_equal (strlen (buf), n);
}

/* chrony.conf(5)'s selection.log example (chronyd 4.3), reproduced byte for byte, and the
 * letters and options of other states. */
static void
selection_lines_are_chronyds (void **state)
{
  (void) state;
  char buf[NTP_STATLOG_LINE_MAX];
  NtpStatlogSelection s = {
    .address = "203.0.113.15", .state = '*', .reach = 0377, .score = 1.0,
    .last_ago = 4.228e+01, .lo = -1.575e-04, .hi = 1.239e-04,
  };
  size_t n = ntp_statlog_selection (buf, sizeof buf, S (1651370480), &s);
  assert_string_equal (buf, "2022-05-01 02:01:20 203.0.113.15    * -----  377  1.00  4.228e+01"
                       " -1.575e-04  1.239e-04");
  assert_int_equal (n, strlen (buf));
  s = (NtpStatlogSelection) { .address = "192.0.2.7:1123", .state = 'x', .prefer = true,
                              .trust = true, .reach = 0155, .score = 12.5 };
  ntp_statlog_selection (buf, sizeof buf, S (1651370480), &s);
  assert_non_null (strstr (buf, " 192.0.2.7       x --PT-  155 12.50 "));
  s.noselect = s.require = true;
  s.prefer = s.trust = false;
  ntp_statlog_selection (buf, sizeof buf, S (1651370480), &s);
  assert_non_null (strstr (buf, " x -N--R  155 "));
  /* a state that is no letter, a figure that is no number: no line */
  s.state = '\n';
  assert_int_equal (ntp_statlog_selection (buf, sizeof buf, S (1651370480), &s), 0);
  s.state = 'M';
  s.hi = NAN;
  assert_int_equal (ntp_statlog_selection (buf, sizeof buf, S (1651370480), &s), 0);
}

static void
banners_align_with_their_lines (void **state)
{
  (void) state;
  char banner[NTP_STATLOG_LINE_MAX], line[NTP_STATLOG_LINE_MAX];
  NtpStatlogMeasurement m = { .address = "192.0.2.1", .stratum = 2, .mode = 4 };
  NtpStatlogStatistics st = { .address = "192.0.2.1" };
  NtpStatlogTracking t = { .address = "192.0.2.1", .stratum = 3 };
  NtpStatlogSelection sl = { .address = "192.0.2.1", .state = '*' };
  size_t lens[NTP_STATLOG_KINDS] = {
    ntp_statlog_measurement (line, sizeof line, 0, &m),
    ntp_statlog_statistics (line, sizeof line, 0, &st),
    ntp_statlog_tracking (line, sizeof line, 0, &t),
    ntp_statlog_selection (line, sizeof line, 0, &sl),
  };
  const char *last_columns[NTP_STATLOG_KINDS] = { "MTxRx", "Asym", "Max. error", "High end" };
  for (int k = 0; k < NTP_STATLOG_KINDS; k++) {
    size_t n = ntp_statlog_banner ((NtpStatlogKind) k, banner, sizeof banner);
    assert_int_equal (n, strlen (banner));
    assert_true (strncmp (banner, "   Date (UTC) Time", 18) == 0);
    /* the header is as wide as a line whose address fits its column */
    if (n != lens[k]) {
      print_error ("%s: banner %zu wide, a line %zu\n%s\n", ntp_statlog_name ((NtpStatlogKind) k),
                   n, lens[k], banner);
      fail ();
    }
    assert_string_equal (banner + n - strlen (last_columns[k]), last_columns[k]);
  }
  assert_string_equal (ntp_statlog_name (NTP_STATLOG_MEASUREMENTS), "measurements");
  assert_string_equal (ntp_statlog_name (NTP_STATLOG_STATISTICS), "statistics");
  assert_string_equal (ntp_statlog_name (NTP_STATLOG_TRACKING), "tracking");
  assert_string_equal (ntp_statlog_name (NTP_STATLOG_SELECTION), "selection");
  /* chronyd's own header texts (its LOG_FileOpen calls), word for word */
  ntp_statlog_banner (NTP_STATLOG_MEASUREMENTS, banner, sizeof banner);
  assert_string_equal (banner, "   Date (UTC) Time     IP Address   L St 123 567 ABCD  LP RP"
                       " Score    Offset  Peer del. Peer disp.  Root del. Root disp. Refid     MTxRx");
  assert_null (ntp_statlog_name (NTP_STATLOG_KINDS));
  assert_int_equal (ntp_statlog_banner (NTP_STATLOG_KINDS, banner, sizeof banner), 0);
}

static void
nothing_for_figures_that_are_not_numbers (void **state)
{
  (void) state;
  char buf[NTP_STATLOG_LINE_MAX] = "untouched";
  NtpStatlogMeasurement m = { .address = "192.0.2.1", .offset = NAN };
  assert_int_equal (ntp_statlog_measurement (buf, sizeof buf, 0, &m), 0);
  NtpStatlogStatistics st = { .address = "192.0.2.1", .skew = INFINITY };
  assert_int_equal (ntp_statlog_statistics (buf, sizeof buf, 0, &st), 0);
  NtpStatlogTracking t = { .address = "192.0.2.1", .remaining = -INFINITY };
  assert_int_equal (ntp_statlog_tracking (buf, sizeof buf, 0, &t), 0);
  assert_string_equal (buf, "untouched");
  /* the last second a clock reading can name */
  NtpStatlogTracking ok = { .address = "192.0.2.1" };
  assert_true (ntp_statlog_tracking (buf, sizeof buf, INT64_MAX, &ok) > 0);
  assert_true (strncmp (buf, "2262-04-11 23:47:16 ", 20) == 0);
  /* before the epoch: the second it falls in */
  assert_true (ntp_statlog_tracking (buf, sizeof buf, -1, &ok) > 0);
  assert_true (strncmp (buf, "1969-12-31 23:59:59 ", 20) == 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (measurement_lines_are_chronyds),
    cmocka_unit_test (statistics_and_tracking_lines_are_chronyds),
    cmocka_unit_test (address_without_port_and_one_field),
    cmocka_unit_test (selection_lines_are_chronyds),
    cmocka_unit_test (banners_align_with_their_lines),
    cmocka_unit_test (nothing_for_figures_that_are_not_numbers),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
