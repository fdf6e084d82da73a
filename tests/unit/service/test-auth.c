/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the method → polkit action table and the interaction rule (service/mrd-auth.c),
 * checked against every method of the dbus/ interface files and the polkit/ policy.
 * The asynchronous checks themselves run against polkit on a private bus in tests/integration. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <gio/gio.h>
#include "mrd-auth.h"

/* The expected action of a method, derived from the interface definitions and the polkit
 * policies in the repository rather than from the table under test: a timedated-style "SetX"
 * method needs "PREFIX.set-x" (timedated's own naming: SetLocalRTC → set-local-rtc, SetNTP →
 * set-ntp), where PREFIX is timedated's "org.freedesktop.timedate1" on its interface and
 * "org.meridian.time1" on ours; every method of org.meridian.Time1.Sources changes the
 * sources and needs manage-sources; every other method (List…, Describe…) is a read. */
static char *
expected_action (const char *iface, const char *method)
{
  GString *kebab;

  if (strcmp (iface, "org.meridian.Time1.Sources") == 0)
    return g_strdup ("org.meridian.time1.manage-sources");
  if (!g_str_has_prefix (method, "Set"))
    return NULL;
  kebab = g_string_new (strcmp (iface, "org.freedesktop.timedate1") == 0
                          ? "org.freedesktop.timedate1.set" : "org.meridian.time1.set");
  for (const char *p = method + 3; *p != '\0'; p++)
    {
      /* A capital starts a word, unless it continues an acronym (NTP, RTC). */
      if (g_ascii_isupper (*p) && (p == method + 3 || !g_ascii_isupper (p[-1]) ||
                                   (p[1] != '\0' && g_ascii_islower (p[1]))))
        g_string_append_c (kebab, '-');
      g_string_append_c (kebab, g_ascii_tolower (*p));
    }
  return g_string_free (kebab, FALSE);
}

static GDBusNodeInfo *
load_interfaces (const char *file)
{
  g_autofree char *path = g_build_filename (g_getenv ("MERIDIAN_SOURCE_ROOT"), "dbus", file,
                                            NULL);
  g_autofree char *xml = NULL;
  g_autoptr(GError) error = NULL;
  GDBusNodeInfo *node;

  assert_true (g_file_get_contents (path, &xml, NULL, &error));
  node = g_dbus_node_info_new_for_xml (xml, &error);
  assert_non_null (node);
  return node;
}

static void
every_method_of_the_interfaces_has_its_action (void **state)
{
  const char *files[] = { "org.meridian.Time1.xml", "org.freedesktop.timedate1.xml" };
  g_autofree char *policy_path = NULL;
  g_autofree char *policy = NULL;
  g_autofree char *fdo_policy_path = NULL;
  g_autofree char *fdo_policy = NULL;
  g_autofree char *both = NULL;
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_methods = 0, n_mutating = 0;

  if (g_getenv ("MERIDIAN_SOURCE_ROOT") == NULL)
    skip ();
  policy_path = g_build_filename (g_getenv ("MERIDIAN_SOURCE_ROOT"), "polkit",
                                  "org.meridian.time1.policy", NULL);
  assert_true (g_file_get_contents (policy_path, &policy, NULL, NULL));
  /* Where systemd's timedate1 policy is missing we ship our own with the same action ids. */
  fdo_policy_path = g_build_filename (g_getenv ("MERIDIAN_SOURCE_ROOT"), "polkit",
                                      "org.freedesktop.timedate1.policy", NULL);
  assert_true (g_file_get_contents (fdo_policy_path, &fdo_policy, NULL, NULL));
  both = g_strconcat (policy, fdo_policy, NULL);

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autoptr(GDBusNodeInfo) node = load_interfaces (files[f]);

      for (guint i = 0; node->interfaces[i] != NULL; i++)
        for (guint m = 0; node->interfaces[i]->methods[m] != NULL; m++)
          {
            const char *iface = node->interfaces[i]->name;
            const char *method = node->interfaces[i]->methods[m]->name;
            g_autofree char *want = expected_action (iface, method);
            const char *got = mrd_auth_action_for_method (iface, method);

            n_methods++;
            if (want == NULL)
              {
                if (got != NULL)
                  fail_msg ("%s.%s is a read but needs %s", iface, method, got);
                continue;
              }
            n_mutating++;
            if (got == NULL || strcmp (got, want) != 0)
              fail_msg ("%s.%s needs %s, not %s", iface, method, want, got ? got : "nothing");
            /* The action exists in the policy polkit is given. */
            {
              g_autofree char *id = g_strdup_printf ("<action id=\"%s\">", want);

              if (strstr (both, id) == NULL)
                fail_msg ("%s is in neither %s nor %s", want, policy_path, fdo_policy_path);
              if (g_str_has_prefix (want, "org.freedesktop.") != (strstr (fdo_policy, id) != NULL))
                fail_msg ("%s is in the wrong policy file", want);
            }
            g_hash_table_add (used, g_strdup (want));
          }
    }
  /* 4 timedate1 + 4 native Set… + 15 Sources methods (AddSource, RemoveSource,
   * RemoveSourceByName, Burst, BurstSources, MakeStep, Reselect, ResetSources, Refresh,
   * SetConnectivity, ModifySource, ReloadSources, SetDirective, Rekey, and ListClients, a read
   * of other hosts' addresses); the reads are the rest. */
  assert_int_equal (n_mutating, 23);
  assert_true (n_methods > n_mutating);
  /* Every action of both policies is reachable by some method. */
  for (const char *p = strstr (both, "<action id=\""); p != NULL;
       p = strstr (p + 1, "<action id=\""))
    {
      const char *start = p + strlen ("<action id=\"");
      g_autofree char *id = g_strndup (start, strcspn (start, "\""));

      if (!g_hash_table_contains (used, id))
        fail_msg ("policy action %s is used by no method", id);
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
timedate1_methods_check_timedateds_actions (void **state)
{
  /* What GNOME Settings' implied action and sites' rules.d files grant. */
  assert_string_equal (mrd_auth_action_for_method ("org.freedesktop.timedate1", "SetTimezone"),
                       "org.freedesktop.timedate1.set-timezone");
  assert_string_equal (mrd_auth_action_for_method ("org.freedesktop.timedate1", "SetTime"),
                       "org.freedesktop.timedate1.set-time");
  assert_string_equal (mrd_auth_action_for_method ("org.freedesktop.timedate1", "SetNTP"),
                       "org.freedesktop.timedate1.set-ntp");
  assert_string_equal (mrd_auth_action_for_method ("org.freedesktop.timedate1", "SetLocalRTC"),
                       "org.freedesktop.timedate1.set-local-rtc");
  assert_string_equal (mrd_auth_action_for_method ("org.meridian.Time1", "SetNTP"),
                       "org.meridian.time1.set-ntp");
}

static void
pending_checks_are_bounded_per_user_and_in_total (void **state)
{
  /* A user may have MAX_PER_USER checks waiting, no more. */
  assert_true (mrd_auth_may_start_check (1000, 0, 0));
  assert_true (mrd_auth_may_start_check (1000, MRD_AUTH_MAX_PENDING_PER_USER - 1,
                                         MRD_AUTH_MAX_PENDING_PER_USER - 1));
  assert_false (mrd_auth_may_start_check (1000, MRD_AUTH_MAX_PENDING_PER_USER,
                                          MRD_AUTH_MAX_PENDING_PER_USER));
  /* Users who already wait stop where the reserve begins... */
  assert_true (mrd_auth_may_start_check (1000, 1, MRD_AUTH_MAX_PENDING - MRD_AUTH_RESERVED_PENDING - 1));
  assert_false (mrd_auth_may_start_check (1000, 1, MRD_AUTH_MAX_PENDING - MRD_AUTH_RESERVED_PENDING));
  /* ...which is left to users with none waiting, up to the total. */
  assert_true (mrd_auth_may_start_check (1000, 0, MRD_AUTH_MAX_PENDING - MRD_AUTH_RESERVED_PENDING));
  assert_true (mrd_auth_may_start_check (1000, 0, MRD_AUTH_MAX_PENDING - 1));
  assert_false (mrd_auth_may_start_check (1000, 0, MRD_AUTH_MAX_PENDING));
  /* Root (whose checks polkitd answers at once) has only the total bound. */
  assert_true (mrd_auth_may_start_check (0, MRD_AUTH_MAX_PENDING_PER_USER + 4,
                                         MRD_AUTH_MAX_PENDING - 1));
  assert_false (mrd_auth_may_start_check (0, 0, MRD_AUTH_MAX_PENDING));
  /* The total stays well under dbus-daemon's 128 pending replies per connection, the reserve
   * is reachable, and three users flooding at once still leave room for a fourth. */
  assert_true (MRD_AUTH_MAX_PENDING <= 128 / 2);
  assert_true (MRD_AUTH_RESERVED_PENDING >= 1 &&
               MRD_AUTH_RESERVED_PENDING < MRD_AUTH_MAX_PENDING);
  assert_true (3 * MRD_AUTH_MAX_PENDING_PER_USER <= MRD_AUTH_MAX_PENDING - MRD_AUTH_RESERVED_PENDING);
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
   * with interactive=false (seen on the wire: tests/integration/test_polkit_wire.py). */
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
    cmocka_unit_test (every_method_of_the_interfaces_has_its_action),
    cmocka_unit_test (methods_not_in_the_table_are_refused),
    cmocka_unit_test (every_action_is_in_the_shipped_policy),
    cmocka_unit_test (timedate1_methods_check_timedateds_actions),
    cmocka_unit_test (pending_checks_are_bounded_per_user_and_in_total),
    cmocka_unit_test (interaction_when_the_argument_or_the_message_flag_asks_for_it),
  };

  return cmocka_run_group_tests_name ("auth", tests, NULL, NULL);
}
