/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the Properties fast path (service/mrd-props.c) on a private bus (GTestDBus):
 * every Get/GetAll a client can send to meridiand's two main objects gets the same answer
 * (value or error) from the worker-thread fast path as from GDBus's skeleton path, changes
 * are visible at once, TimeUSec is read live, and the answers really come from the worker
 * thread (a synchronous call answered while the main context is not running). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include "mrd-daemon.h"
#include "mrd-props.h"
#include "mrd-dbus-generated.h"
#include "mrd-timedate1-generated.h"

#define NS_PER_S G_GINT64_CONSTANT (1000000000)

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
  /* polkit's client library looks for the system bus: the test bus (no polkit on it). */
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
  f->server = connect_to (address);
  f->client = connect_to (address);

  f->root = g_dir_make_tmp ("meridian-props-XXXXXX", &error);
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

/* Call with the main context running (the skeleton path needs it). */
static void
call_props (Fixture *f, const char *path, const char *method, GVariant *params, Result *r)
{
  memset (r, 0, sizeof *r);
  g_dbus_connection_call (f->client, g_dbus_connection_get_unique_name (f->server), path,
                          "org.freedesktop.DBus.Properties", method, params, NULL,
                          G_DBUS_CALL_FLAGS_NONE, 5000, NULL, on_reply, r);
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

/* TimeUSec in a Get "(v)" or GetAll "(a{sv})" reply: checked to be near @expect_usec, then
 * replaced by 0 so the rest can be compared exactly. */
static GVariant *
normalize (GVariant *reply, gint64 expect_usec)
{
  g_autoptr(GVariant) inner = g_variant_get_child_value (reply, 0);
  GVariantBuilder b;
  GVariantIter iter;
  const char *name;
  GVariant *value;

  if (g_variant_is_of_type (inner, G_VARIANT_TYPE_VARIANT))
    return g_variant_ref (reply);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("(a{sv})"));
  g_variant_builder_open (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_iter_init (&iter, inner);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
    {
      if (strcmp (name, "TimeUSec") == 0)
        {
          gint64 t = (gint64) g_variant_get_uint64 (value);

          assert_true (llabs (t - expect_usec) < 10 * G_USEC_PER_SEC);
          g_variant_builder_add (&b, "{sv}", name, g_variant_new_uint64 (0));
        }
      else
        g_variant_builder_add (&b, "{sv}", name, value);
      g_variant_unref (value);
    }
  g_variant_builder_close (&b);
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

static void
fast_path_answers_exactly_what_the_skeleton_answers (void **state)
{
  Fixture *f = *state;
  MrdProps *props;
  const char *paths[][2] = {
    { MRD_TIMEDATE1_OBJECT_PATH, "org.freedesktop.timedate1" },
    { MRD_OBJECT_PATH, "org.meridian.Time1" },
  };
  const char *names[] = { "Timezone", "LocalRTC", "CanNTP", "NTP", "NTPSynchronized",
                          "TimeUSec", "RTCTimeUSec", "NoSuchProperty", "timezone", "" };
  guint i, j, n = 0;

  if (f == NULL)
    skip ();
  props = mrd_daemon_get_props (f->daemon);
  assert_non_null (props);

  for (i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      const char *other = i == 0 ? paths[1][1] : paths[0][1];
      /* (method, params): every property of the main interface and some that are not,
       * GetAll of it, of "" (sd-bus), of other interfaces, and a wrong signature. */
      GPtrArray *calls = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

      for (j = 0; j < G_N_ELEMENTS (names); j++)
        {
          g_ptr_array_add (calls, g_variant_ref_sink (g_variant_new ("(s(ss))", "Get", paths[i][1], names[j])));
          g_ptr_array_add (calls, g_variant_ref_sink (g_variant_new ("(s(ss))", "Get", other, names[j])));
        }
      g_ptr_array_add (calls, g_variant_ref_sink (g_variant_new ("(s(s))", "GetAll", paths[i][1])));
      g_ptr_array_add (calls, g_variant_ref_sink (g_variant_new ("(s(s))", "GetAll", "")));
      g_ptr_array_add (calls, g_variant_ref_sink (g_variant_new ("(s(s))", "GetAll", other)));
      g_ptr_array_add (calls, g_variant_ref_sink (g_variant_new ("(s(s))", "GetAll", "org.meridian.Time1.Tracking")));
      g_ptr_array_add (calls, g_variant_ref_sink (g_variant_new ("(s(s))", "GetAll", "org.example.Nope")));
      g_ptr_array_add (calls, g_variant_ref_sink (g_variant_new ("(s(s))", "Get", paths[i][1])));
      g_ptr_array_add (calls, g_variant_ref_sink (g_variant_new ("(s(ss))", "GetAll", paths[i][1], "x")));

      for (j = 0; j < calls->len; j++)
        {
          GVariant *c = g_ptr_array_index (calls, j);
          const char *method;
          g_autoptr(GVariant) params = NULL;
          Result fast, slow;
          gint64 now;

          g_variant_get (c, "(&s@*)", &method, &params);
          mrd_props_set_fast_path (props, TRUE);
          call_props (f, paths[i][0], method, g_variant_ref (params), &fast);
          mrd_props_set_fast_path (props, FALSE);
          call_props (f, paths[i][0], method, g_variant_ref (params), &slow);
          now = (gint64) mrd_daemon_get_time_usec (f->daemon);

          if (slow.error != NULL)
            {
              g_autofree char *slow_name = g_dbus_error_get_remote_error (slow.error);
              g_autofree char *fast_name = NULL;

              if (fast.error == NULL)
                fail_msg ("%s %s %s: fast path answered, the skeleton failed: %s", paths[i][0],
                          method, g_variant_print (params, FALSE), slow.error->message);
              fast_name = g_dbus_error_get_remote_error (fast.error);
              assert_string_equal (fast_name, slow_name);
              assert_string_equal (fast.error->message, slow.error->message);
              g_error_free (slow.error);
              g_error_free (fast.error);
            }
          else
            {
              g_autoptr(GVariant) a = NULL, b = NULL;

              if (fast.error != NULL)
                fail_msg ("%s %s: fast path failed: %s", paths[i][0], method, fast.error->message);
              a = normalize (fast.reply, now);
              b = normalize (slow.reply, now);
              if (g_strcmp0 (method, "Get") == 0 &&
                  strcmp (g_variant_get_string (g_variant_get_child_value (params, 1), NULL), "TimeUSec") == 0)
                {
                  g_autoptr(GVariant) va = NULL, vb = NULL;

                  g_variant_get (fast.reply, "(v)", &va);
                  g_variant_get (slow.reply, "(v)", &vb);
                  assert_true (llabs ((gint64) g_variant_get_uint64 (va) - now) < 10 * G_USEC_PER_SEC);
                  assert_true (llabs ((gint64) g_variant_get_uint64 (vb) - now) < 10 * G_USEC_PER_SEC);
                }
              else if (!g_variant_equal (a, b))
                fail_msg ("%s %s %s: fast %s, skeleton %s", paths[i][0], method,
                          g_variant_print (params, FALSE), g_variant_print (fast.reply, FALSE),
                          g_variant_print (slow.reply, FALSE));
              g_variant_unref (fast.reply);
              g_variant_unref (slow.reply);
              n++;
            }
        }
      g_ptr_array_unref (calls);
    }
  /* Per object: 7 properties, GetAll of the interface and of ""; and GetAll of
   * org.meridian.Time1.Tracking on /org/meridian/Time1 (exported there, left to GDBus). */
  assert_int_equal (n, 2 * (7 + 2) + 1);
  mrd_props_set_fast_path (props, TRUE);
}

static gint64
fixed_mono (gpointer user_data)
{
  return *(gint64 *) user_data;
}

static GVariant *
get_sync (Fixture *f, const char *path, const char *interface_name, const char *name)
{
  g_autoptr(GError) error = NULL;
  GVariant *value = NULL;
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_sync (f->client, g_dbus_connection_get_unique_name (f->server), path,
                                 "org.freedesktop.DBus.Properties", "Get",
                                 g_variant_new ("(ss)", interface_name, name),
                                 G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, 2000, NULL,
                                 &error);

  /* Nothing runs the main context here: only the worker thread can have answered. */
  if (reply == NULL)
    fail_msg ("Get %s.%s: %s", interface_name, name, error->message);
  g_variant_get (reply, "(v)", &value);
  return value;
}

static void
changes_are_seen_at_once_and_time_is_read_live (void **state)
{
  Fixture *f = *state;
  static gint64 mono = 1000;
  g_autoptr(MrdClock) clock = NULL;
  g_autoptr(MrdFdoTimedate1) skeleton = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v1 = NULL, v2 = NULL, v3 = NULL, v4 = NULL;
  MrdProps *props;
  guint filter;

  if (f == NULL)
    skip ();
  clock = mrd_clock_new_virtual_full (G_GINT64_CONSTANT (1800000000) * NS_PER_S, 0.0,
                                      fixed_mono, &mono);
  skeleton = mrd_fdo_timedate1_skeleton_new ();
  mrd_fdo_timedate1_set_timezone (skeleton, "UTC");
  assert_true (g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (skeleton),
                                                 f->server, "/test/timedate1", &error));
  props = mrd_props_new (clock);
  mrd_props_add_object (props, G_DBUS_INTERFACE_SKELETON (skeleton), "/test/timedate1");
  filter = mrd_props_install (props, f->server);

  v1 = get_sync (f, "/test/timedate1", "org.freedesktop.timedate1", "Timezone");
  assert_string_equal (g_variant_get_string (v1, NULL), "UTC");
  mrd_fdo_timedate1_set_timezone (skeleton, "Asia/Seoul");
  v2 = get_sync (f, "/test/timedate1", "org.freedesktop.timedate1", "Timezone");
  assert_string_equal (g_variant_get_string (v2, NULL), "Asia/Seoul");

  v3 = get_sync (f, "/test/timedate1", "org.freedesktop.timedate1", "TimeUSec");
  assert_int_equal (g_variant_get_uint64 (v3), G_GINT64_CONSTANT (1800000000) * G_USEC_PER_SEC);
  assert_true (mrd_clock_set_ns (clock, G_GINT64_CONSTANT (1900000000) * NS_PER_S + 5000, NULL));
  v4 = get_sync (f, "/test/timedate1", "org.freedesktop.timedate1", "TimeUSec");
  assert_int_equal (g_variant_get_uint64 (v4), G_GINT64_CONSTANT (1900000000) * G_USEC_PER_SEC + 5);

  mrd_props_shutdown (props);
  g_dbus_connection_remove_filter (f->server, filter);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (skeleton));
  mrd_props_unref (props);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (fast_path_answers_exactly_what_the_skeleton_answers,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (changes_are_seen_at_once_and_time_is_read_live,
                                     setup, teardown),
  };

  return cmocka_run_group_tests_name ("props", tests, NULL, NULL);
}
