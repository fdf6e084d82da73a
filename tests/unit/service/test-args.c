/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the argument checks (service/mrd-args.c) and source specs (mrd-sources.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gio/gio.h>
#include "mrd-args.h"
#include "clock/mrd-clock.h"
#include "mrd-error.h"

#define NOW G_GINT64_CONSTANT (1764000000000000)   /* µs, late 2025 */

static void
absolute_set_time_takes_the_value (void **state)
{
  gint64 target = 0;
  MrdSetTimeAction action;

  assert_true (mrd_args_set_time_target (NOW + 5, FALSE, NOW, &target, &action, NULL));
  assert_int_equal (action, MRD_SET_TIME_APPLY);
  assert_int_equal (target, NOW + 5);
}

static void
absolute_set_time_rejects_zero_and_negative (void **state)
{
  gint64 target = 0;
  MrdSetTimeAction action;
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;

  assert_false (mrd_args_set_time_target (0, FALSE, NOW, &target, &action, &e1));
  assert_true (g_error_matches (e1, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
  assert_false (mrd_args_set_time_target (-1, FALSE, NOW, &target, &action, &e2));
  assert_true (g_error_matches (e2, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
}

static void
relative_set_time_adds_to_now_and_zero_is_a_noop (void **state)
{
  gint64 target = 0;
  MrdSetTimeAction action;

  assert_true (mrd_args_set_time_target (-G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC, TRUE, NOW, &target, &action, NULL));
  assert_int_equal (action, MRD_SET_TIME_APPLY);
  assert_int_equal (target, NOW - G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC);
  assert_true (mrd_args_set_time_target (0, TRUE, NOW, &target, &action, NULL));
  assert_int_equal (action, MRD_SET_TIME_NOOP);
}

static void
relative_set_time_rejects_overflow_and_times_before_the_epoch (void **state)
{
  gint64 target = 0;
  MrdSetTimeAction action;
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;

  assert_false (mrd_args_set_time_target (G_MAXINT64, TRUE, NOW, &target, &action, &e1));
  assert_true (g_error_matches (e1, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
  assert_false (mrd_args_set_time_target (G_MININT64, TRUE, NOW, &target, &action, &e2));
  assert_true (g_error_matches (e2, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
  assert_false (mrd_args_set_time_target (-NOW, TRUE, NOW, &target, &action, &e3));
  assert_true (g_error_matches (e3, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
}

static void
polkit_wait_is_added_to_the_requested_time (void **state)
{
  /* Asked at monotonic 1 000 000 µs, applied 250 ms later: the clock must read what the
   * caller asked for plus the 250 ms that passed. */
  assert_int_equal (mrd_args_adjust_for_delay (NOW, 1000000, 1250000), NOW + 250000);
  assert_int_equal (mrd_args_adjust_for_delay (NOW, 1000000, 1000000), NOW);
  /* A monotonic clock never runs backwards; if it seemed to, add nothing. */
  assert_int_equal (mrd_args_adjust_for_delay (NOW, 1000000, 999000), NOW);
  assert_int_equal (mrd_args_adjust_for_delay (G_MAXINT64 - 10, 0, 100), G_MAXINT64);
}

/* The kernel's limit, computed here from its definition (include/linux/time64.h) rather than
 * taken from the code under test: KTIME_SEC_MAX - TIME_UPTIME_SEC_MAX. */
#define KERNEL_SETTOD_SEC_MAX (G_MAXINT64 / G_GINT64_CONSTANT (1000000000) - \
                               G_GINT64_CONSTANT (30) * 365 * 24 * 3600)

static void
set_time_refuses_what_no_clock_can_hold (void **state)
{
  const gint64 last_ok = KERNEL_SETTOD_SEC_MAX * G_USEC_PER_SEC - 1;
  const gint64 cases[][2] = {
    /* usec, relative */
    { KERNEL_SETTOD_SEC_MAX * G_USEC_PER_SEC, FALSE },          /* the first refused second */
    { G_GINT64_CONSTANT (253402300800) * G_USEC_PER_SEC, FALSE }, /* year 10000 */
    { G_GINT64_CONSTANT (9223372037000000), FALSE },             /* past int64 ns (2262) */
    { G_MAXINT64, FALSE },
    { G_GINT64_CONSTANT (1) << 62, TRUE },                       /* +146 000 years */
    { KERNEL_SETTOD_SEC_MAX * G_USEC_PER_SEC - NOW, TRUE },     /* lands on the limit */
  };
  gint64 target = 0;
  MrdSetTimeAction action;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      target = 42;
      assert_false (mrd_args_set_time_target (cases[i][0], cases[i][1] != 0, NOW, &target,
                                              &action, &error));
      assert_true (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
      assert_int_equal (target, 42);
    }

  /* One µs before the limit is still a time the kernel takes, absolute or relative, and
   * it can be turned into ns without overflow. */
  assert_true (mrd_args_set_time_target (last_ok, FALSE, NOW, &target, &action, NULL));
  assert_int_equal (target, last_ok);
  assert_true (target <= G_MAXINT64 / 1000);
  assert_true (mrd_args_set_time_target (last_ok - NOW, TRUE, NOW, &target, &action, NULL));
  assert_int_equal (target, last_ok);
}

static void
the_settable_range_is_the_kernels (void **state)
{
  g_autoptr(GDateTime) end = g_date_time_new_from_unix_utc (MRD_CLOCK_SET_SEC_MAX);
  g_autofree char *text = g_date_time_format (end, "%Y-%m-%d %H:%M:%S");

  assert_int_equal (MRD_CLOCK_SET_SEC_MAX, KERNEL_SETTOD_SEC_MAX);
  /* "the cutoff is 2232" (the kernel's comment on TIME_SETTOD_SEC_MAX). */
  assert_string_equal (text, "2232-04-18 23:47:16");
  assert_true (mrd_clock_usec_is_settable (0));
  assert_true (mrd_clock_usec_is_settable (KERNEL_SETTOD_SEC_MAX * G_USEC_PER_SEC - 1));
  assert_false (mrd_clock_usec_is_settable (KERNEL_SETTOD_SEC_MAX * G_USEC_PER_SEC));
  assert_false (mrd_clock_usec_is_settable (-1));
  assert_false (mrd_clock_usec_is_settable (G_MININT64));
  assert_false (mrd_clock_usec_is_settable (G_MAXINT64));
}

static void
describe_zone_time_zero_means_now_and_rounds_down (void **state)
{
  assert_int_equal (mrd_args_describe_at_seconds (0, NOW + 999999), NOW / G_USEC_PER_SEC);
  assert_int_equal (mrd_args_describe_at_seconds (1500000, NOW), 1);
  assert_int_equal (mrd_args_describe_at_seconds (G_MAXUINT64, NOW), G_MAXINT64 / G_USEC_PER_SEC);
}

static void
error_domain_maps_to_dbus_names (void **state)
{
  g_autoptr(GError) e1 = g_error_new_literal (MRD_ERROR, MRD_ERROR_AUTOMATIC_TIME_SYNC_ENABLED, "x");
  g_autoptr(GError) e2 = g_error_new_literal (MRD_ERROR, MRD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED, "x");
  g_autoptr(GError) e3 = g_error_new_literal (MRD_ERROR, MRD_ERROR_NOT_SUPPORTED, "x");
  g_autofree char *n1 = g_dbus_error_encode_gerror (e1);
  g_autofree char *n2 = g_dbus_error_encode_gerror (e2);
  g_autofree char *n3 = g_dbus_error_encode_gerror (e3);
  g_autoptr(GError) e4 = g_error_new_literal (MRD_ERROR, MRD_ERROR_UNKNOWN_COUNTRY, "x");
  g_autofree char *n4 = g_dbus_error_encode_gerror (e4);

  assert_string_equal (n1, "org.freedesktop.timedate1.AutomaticTimeSyncEnabled");
  assert_string_equal (n2, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired");
  assert_string_equal (n3, "org.meridian.Time1.Error.NotSupported");
  assert_string_equal (n4, "org.meridian.Time1.Error.UnknownCountry");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (absolute_set_time_takes_the_value),
    cmocka_unit_test (absolute_set_time_rejects_zero_and_negative),
    cmocka_unit_test (relative_set_time_adds_to_now_and_zero_is_a_noop),
    cmocka_unit_test (relative_set_time_rejects_overflow_and_times_before_the_epoch),
    cmocka_unit_test (polkit_wait_is_added_to_the_requested_time),
    cmocka_unit_test (set_time_refuses_what_no_clock_can_hold),
    cmocka_unit_test (the_settable_range_is_the_kernels),
    cmocka_unit_test (describe_zone_time_zero_means_now_and_rounds_down),
    cmocka_unit_test (error_domain_maps_to_dbus_names),
  };

  return cmocka_run_group_tests_name ("args", tests, NULL, NULL);
}
