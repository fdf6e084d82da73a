/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the source objects (service/mrd-sources.c), with an object manager that is not
 * on any bus: what AddSource/RemoveSource do once polkit has said yes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gio/gio.h>
#include "mrd-sources.h"

static void
added_sources_get_numbered_objects_with_their_spec (void **state)
{
  g_autoptr(GDBusObjectManagerServer) manager = g_dbus_object_manager_server_new ("/org/meridian/Time1");
  MrdSources *sources = mrd_sources_new (manager, NULL);
  g_autofree char *p0 = mrd_sources_add (sources, "server 127.0.0.1 port 12399 iburst", NULL);
  g_autofree char *p1 = mrd_sources_add (sources, "pool pool.ntp.org maxsources 4", NULL);
  g_autoptr(GDBusObject) object = NULL;
  g_autoptr(GDBusInterface) iface = NULL;
  MrdDBusTime1Source *source;
  const char *const *options;

  assert_string_equal (p0, "/org/meridian/Time1/sources/0");
  assert_string_equal (p1, "/org/meridian/Time1/sources/1");
  assert_int_equal (mrd_sources_get_count (sources), 2);

  object = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (manager), p0);
  assert_non_null (object);
  iface = g_dbus_object_get_interface (object, "org.meridian.Time1.Source");
  assert_non_null (iface);
  source = MRD_DBUS_TIME1_SOURCE (iface);
  assert_string_equal (mrd_dbus_time1_source_get_address (source), "127.0.0.1");
  assert_string_equal (mrd_dbus_time1_source_get_mode (source), "server");
  assert_string_equal (mrd_dbus_time1_source_get_state (source), "unusable");
  assert_int_equal (mrd_dbus_time1_source_get_reach (source), 0);
  assert_true (mrd_dbus_time1_source_get_last_rx_ago (source) < 0);
  options = mrd_dbus_time1_source_get_options (source);
  assert_int_equal (g_strv_length ((char **) options), 2);
  assert_string_equal (options[0], "port 12399");
  assert_string_equal (options[1], "iburst");

  mrd_sources_free (sources);
}

static void
removed_sources_disappear_and_unknown_paths_are_invalid (void **state)
{
  g_autoptr(GDBusObjectManagerServer) manager = g_dbus_object_manager_server_new ("/org/meridian/Time1");
  MrdSources *sources = mrd_sources_new (manager, NULL);
  g_autofree char *p0 = mrd_sources_add (sources, "server 10.0.0.1", NULL);
  g_autofree char *p1 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObject) gone = NULL;

  assert_true (mrd_sources_remove (sources, p0, NULL));
  assert_int_equal (mrd_sources_get_count (sources), 0);
  gone = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (manager), p0);
  assert_null (gone);
  assert_false (mrd_sources_remove (sources, p0, &error));
  assert_true (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
  /* Numbers are not reused, so a stale path never names a new source. */
  p1 = mrd_sources_add (sources, "server 10.0.0.1", NULL);
  assert_string_equal (p1, "/org/meridian/Time1/sources/1");
  mrd_sources_free (sources);
}

static void
bad_spec_adds_nothing (void **state)
{
  g_autoptr(GDBusObjectManagerServer) manager = g_dbus_object_manager_server_new ("/org/meridian/Time1");
  MrdSources *sources = mrd_sources_new (manager, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = mrd_sources_add (sources, "server", &error);

  assert_null (path);
  assert_true (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
  assert_int_equal (mrd_sources_get_count (sources), 0);
  mrd_sources_free (sources);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (added_sources_get_numbered_objects_with_their_spec),
    cmocka_unit_test (removed_sources_disappear_and_unknown_paths_are_invalid),
    cmocka_unit_test (bad_spec_adds_nothing),
  };

  return cmocka_run_group_tests_name ("sources", tests, NULL, NULL);
}
