/* Unit tests of the argument checks (service/mrd-args.c) and source specs (mrd-sources.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gio/gio.h>
#include "mrd-args.h"
#include "mrd-error.h"
#include "mrd-sources.h"

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

static void
describe_zone_time_zero_means_now_and_rounds_down (void **state)
{
  assert_int_equal (mrd_args_describe_at_seconds (0, NOW + 999999), NOW / G_USEC_PER_SEC);
  assert_int_equal (mrd_args_describe_at_seconds (1500000, NOW), 1);
  assert_int_equal (mrd_args_describe_at_seconds (G_MAXUINT64, NOW), G_MAXINT64 / G_USEC_PER_SEC);
}

static void
source_spec_splits_mode_address_and_options (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdSourceSpec) spec =
    mrd_source_spec_parse ("server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4", &error);
  const char *const want[] = { "prefer", "iburst", "minpoll 4", "maxpoll 4", NULL };
  guint i;

  assert_non_null (spec);
  assert_string_equal (spec->mode, "server");
  assert_string_equal (spec->address, "169.254.169.123");
  assert_int_equal (spec->minpoll, 4);
  assert_int_equal (g_strv_length (spec->options), 4);
  for (i = 0; want[i] != NULL; i++)
    assert_string_equal (spec->options[i], want[i]);
}

static void
source_spec_rejects_what_is_not_a_source_line (void **state)
{
  const char *bad[] = { "", "makestep 1 3", "server", "server 1.2.3.4 minpoll x",
                        "hello world", "# server 1.2.3.4", "rtcsync" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MrdSourceSpec) spec = mrd_source_spec_parse (bad[i], &error);

      assert_null (spec);
      assert_true (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
    }
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

  assert_string_equal (n1, "org.freedesktop.timedate1.AutomaticTimeSyncEnabled");
  assert_string_equal (n2, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired");
  assert_string_equal (n3, "org.meridian.Time1.Error.NotSupported");
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
    cmocka_unit_test (describe_zone_time_zero_means_now_and_rounds_down),
    cmocka_unit_test (source_spec_splits_mode_address_and_options),
    cmocka_unit_test (source_spec_rejects_what_is_not_a_source_line),
    cmocka_unit_test (error_domain_maps_to_dbus_names),
  };

  return cmocka_run_group_tests_name ("args", tests, NULL, NULL);
}
