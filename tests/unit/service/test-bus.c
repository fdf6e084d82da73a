/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the one dispatch for org.meridian.Time1 and org.freedesktop.timedate1
 * (service/mrd-bus.c) on a private bus (GTestDBus): Get and GetAll on both objects give the
 * domain modules' values in introspection order, TimeUSec is read when asked (the virtual
 * clock is 1 h behind the real one), GetAll("") (sd-bus's "every interface") answers the
 * main interface, bad names get the standard errors, and a change announced once reaches
 * both interfaces. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include "mrd-daemon.h"

typedef struct {
  GTestDBus *bus;
  GDBusConnection *server;
  GDBusConnection *client;
  char *root;
  MrdDaemon *daemon;
} Fixture;

static GDBusConnection *
connect_to (const char *address)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *c =
    g_dbus_connection_new_for_address_sync (address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  if (c == NULL)
    fail_msg ("cannot connect to the test bus: %s", error->message);
  return c;
}

static int
setup (void **state)
{
  Fixture *f;
  g_autoptr(GError) error = NULL;
  g_autofree char *etc = NULL, *localtime = NULL;
  MrdDaemonOptions options = { 0 };
  const char *address;
  g_autofree char *dbus_daemon = g_find_program_in_path ("dbus-daemon");
  g_autofree char *tzdata = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), "tzdata.zi",
                                              NULL);

  if (dbus_daemon == NULL || !g_file_test (tzdata, G_FILE_TEST_EXISTS))
    {
      *state = NULL;   /* each test skips */
      return 0;
    }
  f = g_new0 (Fixture, 1);
  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->bus);
  address = g_test_dbus_get_bus_address (f->bus);
  /* Anything that looks for the system bus finds the test bus (no polkitd on it), never the
   * machine's. */
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
  f->server = connect_to (address);
  f->client = connect_to (address);

  f->root = g_dir_make_tmp ("meridian-bus-XXXXXX", &error);
  assert_non_null (f->root);
  etc = g_build_filename (f->root, "etc", NULL);
  assert_int_equal (g_mkdir (etc, 0755), 0);
  localtime = g_build_filename (etc, "localtime", NULL);
  assert_int_equal (symlink ("../usr/share/zoneinfo/Asia/Seoul", localtime), 0);

  options.root = f->root;
  options.clock_kind = MRD_CLOCK_KIND_VIRTUAL;
  options.virtual_offset_s = -3600.0;
  options.timedate1 = TRUE;
  f->daemon = mrd_daemon_new (&options, &error);
  assert_non_null (f->daemon);
  assert_true (mrd_daemon_start (f->daemon, f->server, &error));
  *state = f;
  return 0;
}

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          rm_rf (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  if (f == NULL)
    return 0;
  mrd_daemon_stop (f->daemon);
  g_object_run_dispose (G_OBJECT (f->daemon));
  g_clear_object (&f->daemon);
  g_dbus_connection_close_sync (f->client, NULL, NULL);
  g_dbus_connection_close_sync (f->server, NULL, NULL);
  g_clear_object (&f->client);
  g_clear_object (&f->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
  rm_rf (f->root);
  g_free (f->root);
  g_free (f);
  return 0;
}

typedef struct {
  GVariant *reply;
  GError *error;
  gboolean done;
} Result;

static void
on_reply (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Result *r = user_data;

  r->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &r->error);
  r->done = TRUE;
}

/* Call with the main context running (the daemon answers in it). */
static void
call (Fixture *f, const char *path, const char *iface, const char *method, GVariant *params,
      Result *r)
{
  memset (r, 0, sizeof *r);
  g_dbus_connection_call (f->client, g_dbus_connection_get_unique_name (f->server), path,
                          iface, method, params, NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL,
                          on_reply, r);
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->reply, g_variant_unref);
  g_clear_error (&r->error);
}

static const char *const paths[][2] = {
  { MRD_TIMEDATE1_OBJECT_PATH, MRD_TIMEDATE1_BUS_NAME },
  { MRD_OBJECT_PATH, MRD_BUS_NAME },
};

static void
get_all_gives_the_domain_values_in_order (void **state)
{
  Fixture *f = *state;
  const char *order[] = { "Timezone", "LocalRTC", "CanNTP", "NTP", "NTPSynchronized",
                          "TimeUSec", "RTCTimeUSec" };

  if (f == NULL)
    skip ();
  for (guint p = 0; p < G_N_ELEMENTS (paths); p++)
    for (guint as_empty = 0; as_empty < 2; as_empty++)
      {
        Result r;
        g_autoptr(GVariant) dict = NULL;
        GVariantIter iter;
        const char *name;
        GVariant *value;
        guint i = 0;
        gint64 real_now = g_get_real_time ();

        call (f, paths[p][0], "org.freedesktop.DBus.Properties", "GetAll",
              g_variant_new ("(s)", as_empty ? "" : paths[p][1]), &r);
        assert_null (r.error);
        dict = g_variant_get_child_value (r.reply, 0);
        g_variant_iter_init (&iter, dict);
        while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
          {
            assert_true (i < G_N_ELEMENTS (order));
            assert_string_equal (name, order[i]);
            if (i == 0)
              assert_string_equal (g_variant_get_string (value, NULL), "Asia/Seoul");
            if (i == 1 || i == 4)
              assert_false (g_variant_get_boolean (value));
            if (i == 2)
              assert_true (g_variant_get_boolean (value));
            if (i == 3)
              assert_int_equal (g_variant_get_boolean (value),
                                mrd_sync_get_enabled (mrd_daemon_get_sync (f->daemon)));
            if (i == 5)
              {
                /* The virtual clock runs 3600 s behind the real one. */
                gint64 t = (gint64) g_variant_get_uint64 (value);

                assert_true (llabs (t - (real_now - G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)) < 5 * G_USEC_PER_SEC);
              }
            if (i == 6)
              {
                /* The virtual RTC (no state file: the host's UTC) keeps its own time, not the
                 * virtual clock's (service/clock/mrd-rtc.h). */
                gint64 t = (gint64) g_variant_get_uint64 (value);

                assert_true (llabs (t - real_now) < 5 * G_USEC_PER_SEC);
                assert_int_equal (t % G_USEC_PER_SEC, 0);
              }
            g_variant_unref (value);
            i++;
          }
        assert_int_equal (i, G_N_ELEMENTS (order));
        result_clear (&r);
      }
}

static void
time_usec_is_read_when_asked (void **state)
{
  Fixture *f = *state;
  Result a, b;
  g_autoptr(GVariant) va = NULL, vb = NULL;

  if (f == NULL)
    skip ();
  call (f, MRD_TIMEDATE1_OBJECT_PATH, "org.freedesktop.DBus.Properties", "Get",
        g_variant_new ("(ss)", MRD_TIMEDATE1_BUS_NAME, "TimeUSec"), &a);
  g_usleep (200000);
  call (f, MRD_TIMEDATE1_OBJECT_PATH, "org.freedesktop.DBus.Properties", "Get",
        g_variant_new ("(ss)", MRD_TIMEDATE1_BUS_NAME, "TimeUSec"), &b);
  assert_null (a.error);
  assert_null (b.error);
  g_variant_get (a.reply, "(v)", &va);
  g_variant_get (b.reply, "(v)", &vb);
  /* 200 ms apart, as the virtual clock (rate 1) measures them. */
  assert_true (g_variant_get_uint64 (vb) - g_variant_get_uint64 (va) >= 190000);
  assert_true (g_variant_get_uint64 (vb) - g_variant_get_uint64 (va) < 2 * G_USEC_PER_SEC);
  result_clear (&a);
  result_clear (&b);
}

static void
bad_names_get_standard_errors (void **state)
{
  Fixture *f = *state;
  Result r;

  if (f == NULL)
    skip ();
  call (f, MRD_OBJECT_PATH, "org.freedesktop.DBus.Properties", "Get",
        g_variant_new ("(ss)", MRD_BUS_NAME, "NoSuchProperty"), &r);
  assert_true (g_error_matches (r.error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS) ||
               g_error_matches (r.error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY));
  result_clear (&r);
  call (f, MRD_TIMEDATE1_OBJECT_PATH, "org.freedesktop.DBus.Properties", "Set",
        g_variant_new ("(ssv)", MRD_TIMEDATE1_BUS_NAME, "Timezone",
                       g_variant_new_string ("UTC")), &r);
  assert_non_null (r.error);
  result_clear (&r);
  /* ListZones is the native interface's only: not served on timedate1. */
  call (f, MRD_TIMEDATE1_OBJECT_PATH, MRD_TIMEDATE1_BUS_NAME, "ListZones", NULL, &r);
  assert_true (g_error_matches (r.error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD));
  result_clear (&r);
  /* Wrong argument types are refused before any handler runs. */
  call (f, MRD_OBJECT_PATH, MRD_BUS_NAME, "SetTimezone", g_variant_new ("(s)", "UTC"), &r);
  assert_true (g_error_matches (r.error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
  result_clear (&r);
}

typedef struct {
  GPtrArray *seen;   /* "interface:property" */
} Seen;

static void
on_properties_changed (GDBusConnection *c, const char *sender, const char *path,
                       const char *iface, const char *signal, GVariant *params, gpointer data)
{
  Seen *seen = data;
  const char *name;
  g_autoptr(GVariant) changed = NULL;
  g_autoptr(GVariant) invalidated = NULL;
  GVariantIter iter;
  GVariant *value;

  g_variant_get (params, "(&s@a{sv}@as)", &name, &changed, &invalidated);
  g_variant_iter_init (&iter, changed);
  while (g_variant_iter_next (&iter, "{&sv}", &iface, &value))
    {
      g_ptr_array_add (seen->seen, g_strdup_printf ("%s:%s=%s", name, iface,
                                                    g_variant_get_boolean (value) ? "true" : "false"));
      g_variant_unref (value);
    }
}

static void
a_change_is_announced_on_both_interfaces (void **state)
{
  Fixture *f = *state;
  Seen seen = { g_ptr_array_new_with_free_func (g_free) };
  gboolean ntp;
  guint sub;
  g_autoptr(GError) error = NULL;

  if (f == NULL)
    skip ();
  sub = g_dbus_connection_signal_subscribe (f->client, NULL, "org.freedesktop.DBus.Properties",
                                            "PropertiesChanged", NULL, NULL,
                                            G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed,
                                            &seen, NULL);
  /* The domain changes (as the NTP engine or SetNTP would); the bus follows. */
  ntp = mrd_sync_get_enabled (mrd_daemon_get_sync (f->daemon));
  assert_true (mrd_sync_set_enabled (mrd_daemon_get_sync (f->daemon), !ntp, &error));
  for (int i = 0; i < 100 && seen.seen->len < 2; i++)
    g_main_context_iteration (NULL, TRUE);
  assert_int_equal (seen.seen->len, 2);
  {
    g_autofree char *native = g_strdup_printf ("org.meridian.Time1:NTP=%s", !ntp ? "true" : "false");
    g_autofree char *fdo = g_strdup_printf ("org.freedesktop.timedate1:NTP=%s", !ntp ? "true" : "false");

    assert_true (g_ptr_array_find_with_equal_func (seen.seen, native, g_str_equal, NULL));
    assert_true (g_ptr_array_find_with_equal_func (seen.seen, fdo, g_str_equal, NULL));
  }
  g_dbus_connection_signal_unsubscribe (f->client, sub);
  g_ptr_array_unref (seen.seen);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (get_all_gives_the_domain_values_in_order, setup, teardown),
    cmocka_unit_test_setup_teardown (time_usec_is_read_when_asked, setup, teardown),
    cmocka_unit_test_setup_teardown (bad_names_get_standard_errors, setup, teardown),
    cmocka_unit_test_setup_teardown (a_change_is_announced_on_both_interfaces, setup, teardown),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
