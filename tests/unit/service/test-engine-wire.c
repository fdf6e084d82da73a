/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the engine's report tuples (service/privsep/mrd-engine-wire.c): every field of
 * a tracking and a source report, each set to a value no other field holds, comes back in its
 * own field (a field dropped or read in another's place fails), and what a hostile child puts
 * in a field narrower than its wire type is clamped to what a reply can carry. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <glib.h>

#include "privsep/mrd-engine-wire.h"

static void
source_report_survives_the_wire_field_by_field (void **state)
{
  NtpSourceReport in = {
    .state = NTP_STATE_COMBINED, .stratum = 3, .poll = 7, .reach = 0155,
    .last_rx_ago = 1.25, .adjusted_offset = -2.5e-3, .measured_offset = 3.5e-3,
    .error_bound = 4.5e-4, .delay = 5.5e-3, .dispersion = 6.5e-5, .jitter = 7.5e-6,
    .refid = 0xC0000201, .samples = 11, .runs = 12, .span = 13.5, .freq_ppm = -14.5,
    .skew_ppm = 15.5, .stats_offset = 16.5e-6, .std_dev = 17.5e-6,
    .reply = { .leap = 1, .version = 3, .mode = 4, .stratum = 2, .precision = -23,
               .root_delay = 0.0185, .root_dispersion = 0.0195, .refid = 0x47505300,
               .t1_ns = 1700000000000000021LL, .t2_ns = 1700000000000000022LL,
               .t3_ns = 1700000000000000023LL, .t4_ns = 1700000000000000024LL,
               .ref_ns = 1699999990000000026LL, .interleaved = true,
               .response_ns = 29000, .t1_kernel = true },
    .replies = 25, .bursting = true,
    .auth_mode = NTP_AUTH_NTS, .key_id = 26, .nts_key_len = 256, .nts_ke_ago = 27.5,
    .nts_ke_attempts = 28, .nts_nak = true, .nts_cookies = 7, .nts_cookie_len = 100,
    .verdict = NTP_SELECT_NOT_TRUSTED, .select_lo = -30.5e-6, .select_hi = 31.5e-6,
    .select_last_ago = 32.5, .select_score = 3.25,
    .tests = 0x3f7, .total_tx = 33, .total_rx = 34, .total_valid_rx = 30, .total_good_rx = 29,
  };
  NtpSourceReport out;
  g_autoptr(GVariant) v = g_variant_ref_sink (mrd_wire_report (&in));

  assert_true (g_variant_is_of_type (v, G_VARIANT_TYPE (MRD_WIRE_REPORT)));
  mrd_wire_get_report (v, &out);
  assert_int_equal (out.state, in.state);
  assert_int_equal (out.stratum, in.stratum);
  assert_int_equal (out.poll, in.poll);
  assert_int_equal (out.reach, in.reach);
  assert_true (out.last_rx_ago == in.last_rx_ago);
  assert_true (out.adjusted_offset == in.adjusted_offset);
  assert_true (out.measured_offset == in.measured_offset);
  assert_true (out.error_bound == in.error_bound);
  assert_true (out.delay == in.delay);
  assert_true (out.dispersion == in.dispersion);
  assert_true (out.jitter == in.jitter);
  assert_int_equal (out.refid, in.refid);
  assert_int_equal (out.samples, in.samples);
  assert_int_equal (out.auth_mode, in.auth_mode);
  assert_int_equal (out.key_id, in.key_id);
  assert_int_equal (out.nts_key_len, in.nts_key_len);
  assert_true (out.nts_ke_ago == in.nts_ke_ago);
  assert_int_equal (out.nts_ke_attempts, in.nts_ke_attempts);
  assert_true (out.nts_nak);
  assert_int_equal (out.nts_cookies, in.nts_cookies);
  assert_int_equal (out.nts_cookie_len, in.nts_cookie_len);
  assert_int_equal (out.runs, in.runs);
  assert_true (out.span == in.span);
  assert_true (out.freq_ppm == in.freq_ppm);
  assert_true (out.skew_ppm == in.skew_ppm);
  assert_true (out.stats_offset == in.stats_offset);
  assert_true (out.std_dev == in.std_dev);
  assert_true (out.reply.interleaved);
  assert_true (out.reply.t1_kernel);
  /* Two booleans side by side on the wire: one set, one not, so a swap shows. */
  assert_true (out.bursting);
  assert_false (out.offline);
  assert_true (out.reply.response_ns == 29000);
  assert_int_equal (out.verdict, in.verdict);
  assert_true (out.select_lo == in.select_lo && out.select_hi == in.select_hi);
  assert_true (out.select_last_ago == in.select_last_ago);
  assert_true (out.select_score == in.select_score);
  assert_int_equal (out.reply.leap, 1);
  assert_int_equal (out.reply.version, 3);
  assert_int_equal (out.reply.mode, 4);
  assert_int_equal (out.reply.stratum, 2);
  assert_int_equal (out.reply.precision, -23);
  assert_true (out.reply.root_delay == 0.0185);
  assert_true (out.reply.root_dispersion == 0.0195);
  assert_int_equal (out.reply.refid, 0x47505300);
  assert_int_equal (out.reply.t1_ns, 1700000000000000021LL);
  assert_int_equal (out.reply.t2_ns, 1700000000000000022LL);
  assert_int_equal (out.reply.t3_ns, 1700000000000000023LL);
  assert_int_equal (out.reply.t4_ns, 1700000000000000024LL);
  assert_int_equal (out.reply.ref_ns, 1699999990000000026LL);
  assert_int_equal (out.replies, 25);
  assert_int_equal (out.tests, 0x3f7);
  assert_int_equal (out.total_tx, 33);
  assert_int_equal (out.total_rx, 34);
  assert_int_equal (out.total_valid_rx, 30);
  assert_int_equal (out.total_good_rx, 29);
  /* from a child that says more valid replies than received, or tests beyond the ten: cut
   * to what the core could have counted */
  in.total_valid_rx = 40;
  in.total_good_rx = 50;
  in.tests = 0xffffffffu;
  g_autoptr(GVariant) v2 = g_variant_ref_sink (mrd_wire_report (&in));
  mrd_wire_get_report (v2, &out);
  assert_int_equal (out.total_valid_rx, 34);
  assert_int_equal (out.total_good_rx, 34);
  assert_int_equal (out.tests, 0x3ff);
}

static void
tracking_survives_the_wire_field_by_field (void **state)
{
  NtpTracking in = {
    .synchronized = true, .ref_id = 0x7F7F0101, .ref_source = 2, .stratum = 4,
    .ref_time_ns = 1700000000000000005LL, .system_time_offset = 6.5e-6, .last_offset = -7.5e-6,
    .rms_offset = 8.5e-6, .freq_ppm = -9.5, .residual_freq_ppm = 0.105, .skew_ppm = 0.115,
    .root_delay = 0.0125, .root_dispersion = 0.0135, .update_interval = 14.5,
    .leap = NTP_LEAP_DELETE, .leap_unsynchronized = true, .slew_rate = -1.65e-4,
    .slew_left = 17.5,
    .max_clock_error = 3e-6,
  };
  NtpTracking out;
  g_autoptr(GVariant) v = g_variant_ref_sink (mrd_wire_tracking (&in));

  mrd_wire_get_tracking (v, &out);
  assert_true (out.synchronized);
  assert_int_equal (out.ref_id, in.ref_id);
  assert_int_equal (out.ref_source, in.ref_source);
  assert_int_equal (out.stratum, in.stratum);
  assert_int_equal (out.ref_time_ns, in.ref_time_ns);
  assert_true (out.system_time_offset == in.system_time_offset);
  assert_true (out.last_offset == in.last_offset);
  assert_true (out.rms_offset == in.rms_offset);
  assert_true (out.freq_ppm == in.freq_ppm);
  assert_true (out.residual_freq_ppm == in.residual_freq_ppm);
  assert_true (out.skew_ppm == in.skew_ppm);
  assert_true (out.root_delay == in.root_delay);
  assert_true (out.root_dispersion == in.root_dispersion);
  assert_true (out.update_interval == in.update_interval);
  assert_int_equal (out.leap, NTP_LEAP_DELETE);
  assert_true (out.leap_unsynchronized);
  assert_true (out.slew_rate == in.slew_rate);
  assert_true (out.slew_left == in.slew_left);
  assert_true (out.max_clock_error == in.max_clock_error);
}

/* A slew plan no core makes (NaN, negative, or lasting longer than any slew) is dropped: the
 * offset then stays as given instead of being aged by it. */
static void
a_hostile_slew_plan_is_dropped (void **state)
{
  static const double lefts[] = { -1.0, 1e12, 5.0 };
  const double rates[] = { -1e-3, -1e-3, NAN };

  for (guint i = 0; i < G_N_ELEMENTS (lefts); i++)
    {
      NtpTracking in = { .synchronized = true, .system_time_offset = 0.25,
                         .slew_rate = rates[i], .slew_left = lefts[i],
                         .max_clock_error = i == 0 ? NAN : i == 1 ? -1e-6 : 1.0 };
      NtpTracking out;
      g_autoptr(GVariant) v = g_variant_ref_sink (mrd_wire_tracking (&in));

      mrd_wire_get_tracking (v, &out);
      assert_true (out.slew_rate == 0.0 && out.slew_left == 0.0);
      /* and a maxclockerror no configuration sets adds nothing */
      assert_true (out.max_clock_error == 0.0);
      ntp_tracking_age (&out, 3.0);
      assert_true (out.system_time_offset == 0.25);
    }
}

/* A child that writes values no reply header holds (leap 9, version 200, a precision of
 * 1000) gets them clamped to the header's field widths. */
static void
a_hostile_reply_header_is_clamped (void **state)
{
  NtpSourceReport out;
  g_autoptr(GVariant) v = g_variant_ref_sink (g_variant_new (
    MRD_WIRE_REPORT, 0, 1, 4, (guchar) 1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0u, 0, 0,
    0.0, 0.0, 0.0, 0.0, 0.0, (guchar) 9, (guchar) 200, (guchar) 255, (guchar) 255, 1000, 0.0,
    0.0, 0u, (gint64) 1, (gint64) 2, (gint64) 3, (gint64) 4, (gint64) 5, (guint64) 1, FALSE,
    7, 1u, 9999, -5.0, -3, TRUE, 99, 100000, FALSE, (gint64) 0, FALSE, FALSE, (guchar) 200,
    1.0, -1.0, NAN, 0.5));

  mrd_wire_get_report (v, &out);
  assert_int_equal (out.reply.leap, 3);
  assert_int_equal (out.reply.version, 7);
  assert_int_equal (out.reply.mode, 7);
  assert_int_equal (out.reply.stratum, 255);
  assert_int_equal (out.reply.precision, 127);
  /* and the authentication's figures to what the core reports */
  assert_int_equal (out.auth_mode, NTP_AUTH_NONE);
  assert_int_equal (out.nts_key_len, 512);
  assert_true (out.nts_ke_ago == -1.0);
  assert_int_equal (out.nts_ke_attempts, 0);
  assert_int_equal (out.nts_cookies, NTS_MAX_COOKIES);
  /* and selectdata's: no such verdict, an interval upside down, no age, a score below 1 */
  assert_int_equal (out.verdict, NTP_SELECT_MISSING_SAMPLES);
  assert_true (out.select_lo == 0.0 && out.select_hi == 0.0);
  assert_true (out.select_last_ago == 0.0 && out.select_score == 1.0);
  assert_int_equal (out.nts_cookie_len, NTS_COOKIE_MAX_LEN);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (source_report_survives_the_wire_field_by_field),
    cmocka_unit_test (tracking_survives_the_wire_field_by_field),
    cmocka_unit_test (a_hostile_reply_header_is_clamped),
    cmocka_unit_test (a_hostile_slew_plan_is_dropped),
  };

  return cmocka_run_group_tests_name ("engine-wire", tests, NULL, NULL);
}
