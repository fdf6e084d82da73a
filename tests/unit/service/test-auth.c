/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the method → polkit action table and the interaction rule (service/mrd-auth.c).
 * The asynchronous checks themselves run against polkit on a private bus in tests/integration. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <gio/gio.h>
#include "mrd-auth.h"

static void
every_mutating_method_has_its_action (void **state)
{
  const struct { const char *iface, *method, *action; } table[] = {
    { "org.meridian.Time1", "SetTimezone", "org.meridian.time1.set-timezone" },
    { "org.meridian.Time1", "SetTime", "org.meridian.time1.set-time" },
    { "org.meridian.Time1", "SetNTP", "org.meridian.time1.set-ntp" },
    { "org.meridian.Time1", "SetLocalRTC", "org.meridian.time1.set-local-rtc" },
    /* The compatible interface checks the same actions (DESIGN.md). */
    { "org.freedesktop.timedate1", "SetTimezone", "org.meridian.time1.set-timezone" },
    { "org.freedesktop.timedate1", "SetTime", "org.meridian.time1.set-time" },
    { "org.freedesktop.timedate1", "SetNTP", "org.meridian.time1.set-ntp" },
    { "org.freedesktop.timedate1", "SetLocalRTC", "org.meridian.time1.set-local-rtc" },
    { "org.meridian.Time1.Sources", "AddSource", "org.meridian.time1.manage-sources" },
    { "org.meridian.Time1.Sources", "RemoveSource", "org.meridian.time1.manage-sources" },
    { "org.meridian.Time1.Sources", "Burst", "org.meridian.time1.manage-sources" },
    { "org.meridian.Time1.Sources", "MakeStep", "org.meridian.time1.manage-sources" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (table); i++)
    {
      const char *action = mrd_auth_action_for_method (table[i].iface, table[i].method);

      assert_non_null (action);
      assert_string_equal (action, table[i].action);
    }
}

static void
methods_not_in_the_table_are_refused (void **state)
{
  /* Reads need no authorization, so they are not in the table; anything unknown must come
   * back NULL, which the daemon turns into AccessDenied (deny by default). */
  assert_null (mrd_auth_action_for_method ("org.meridian.Time1", "ListTimezones"));
  assert_null (mrd_auth_action_for_method ("org.meridian.Time1", "DescribeZone"));
  assert_null (mrd_auth_action_for_method ("org.meridian.Time1", "SetTimeZone"));   /* case */
  assert_null (mrd_auth_action_for_method ("org.meridian.Time1", "settimezone"));
  assert_null (mrd_auth_action_for_method ("org.meridian.Time1", "DeleteEverything"));
  assert_null (mrd_auth_action_for_method ("org.meridian.Time1.Sources", "SetTimezone"));
  assert_null (mrd_auth_action_for_method ("org.meridian.Time1.Tracking", "SetTimezone"));
  assert_null (mrd_auth_action_for_method ("org.freedesktop.DBus.Properties", "Set"));
  assert_null (mrd_auth_action_for_method ("org.freedesktop.timedate1", "ListTimezones"));
  assert_null (mrd_auth_action_for_method ("org.meridian", "SetTimezone"));
  assert_null (mrd_auth_action_for_method ("", ""));
  assert_null (mrd_auth_action_for_method (NULL, "SetTimezone"));
  assert_null (mrd_auth_action_for_method ("org.meridian.Time1", NULL));
}

static void
every_action_is_in_the_shipped_policy (void **state)
{
  const char *srcdir = g_getenv ("MERIDIAN_SOURCE_ROOT");
  const char *actions[] = {
    MRD_ACTION_SET_TIMEZONE, MRD_ACTION_SET_TIME, MRD_ACTION_SET_NTP,
    MRD_ACTION_SET_LOCAL_RTC, MRD_ACTION_MANAGE_SOURCES,
  };
  g_autofree char *path = NULL;
  g_autofree char *policy = NULL;
  guint i;

  if (srcdir == NULL)
    skip ();
  path = g_build_filename (srcdir, "polkit", "org.meridian.time1.policy", NULL);
  assert_true (g_file_get_contents (path, &policy, NULL, NULL));
  for (i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      g_autofree char *needle = g_strdup_printf ("<action id=\"%s\">", actions[i]);
      assert_non_null (strstr (policy, needle));
    }
}

static void
interaction_when_the_argument_or_the_message_flag_asks_for_it (void **state)
{
  /* Neither the argument nor the flag: polkit must not ask anyone. */
  assert_false (mrd_auth_allow_interaction (FALSE, G_DBUS_MESSAGE_FLAGS_NONE));
  /* Other header flags do not count. */
  assert_false (mrd_auth_allow_interaction (FALSE, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED |
                                                   G_DBUS_MESSAGE_FLAGS_NO_AUTO_START));
  /* The message flag alone is enough: timedated 252 (bus_verify_polkit_async) turns
   * interaction on when sd_bus_message_get_allow_interactive_authorization() is true, even
   * with interactive=false (measured on the wire: integration.md #5). */
  assert_true (mrd_auth_allow_interaction (FALSE,
                                           G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION));
  /* interactive=true is enough (gdbus/python never set the flag). */
  assert_true (mrd_auth_allow_interaction (TRUE, G_DBUS_MESSAGE_FLAGS_NONE));
  assert_true (mrd_auth_allow_interaction (TRUE,
                                           G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (every_mutating_method_has_its_action),
    cmocka_unit_test (methods_not_in_the_table_are_refused),
    cmocka_unit_test (every_action_is_in_the_shipped_policy),
    cmocka_unit_test (interaction_when_the_argument_or_the_message_flag_asks_for_it),
  };

  return cmocka_run_group_tests_name ("auth", tests, NULL, NULL);
}
