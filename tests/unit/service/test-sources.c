/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the synchronization domain (service/mrd-sync.c) and its objects
 * (service/mrd-sources.c, with an object manager not on any bus): sources parsed by the NTP
 * core's parser, numbered objects that follow the domain, the engine seam (commands out,
 * reports in), and NTP on/off kept in the state file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include "mrd-dbus-generated.h"
#include "mrd-error.h"
#include "mrd-sources.h"
#include "mrd-sync.h"
#include "ntp-stats.h"

typedef struct {
  char *dir;
  char *state_path;
  MrdSync *sync;
  MrdSources *sources;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->dir = g_dir_make_tmp ("meridian-sources-XXXXXX", NULL);
  assert_non_null (f->dir);
  f->state_path = g_build_filename (f->dir, "state", NULL);
  f->sync = mrd_sync_new (f->state_path);
  f->sources = mrd_sources_new (f->sync, NULL, "/org/meridian/Time1");
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  mrd_sources_free (f->sources);
  mrd_sync_free (f->sync);
  g_unlink (f->state_path);
  g_rmdir (f->dir);
  g_free (f->state_path);
  g_free (f->dir);
  g_free (f);
  return 0;
}

static MrdDBusTime1Source *
source_object (Fixture *f, guint id)
{
  g_autoptr(GDBusObject) object = mrd_sources_lookup (f->sources, id);

  if (object == NULL)
    return NULL;
  return mrd_dbus_object_get_time1_source (MRD_DBUS_OBJECT (object));
}

static void
added_sources_get_numbered_objects_with_their_spec (void **state)
{
  Fixture *f = *state;
  g_autoptr(MrdDBusTime1Source) source = NULL;
  g_autofree char *path = NULL;
  const char *const *options;
  guint id0 = 99, id1 = 99;

  assert_true (mrd_sync_add_source (f->sync, "server 127.0.0.1 port 12399 iburst", &id0, NULL));
  assert_true (mrd_sync_add_source (f->sync, "pool  pool.ntp.org   maxsources 3", &id1, NULL));
  assert_int_equal (id0, 0);
  assert_int_equal (id1, 1);
  path = mrd_sources_path_for_id (id1);
  assert_string_equal (path, "/org/meridian/Time1/sources/1");
  assert_int_equal (mrd_sync_get_n_sources (f->sync), 2);

  source = source_object (f, id0);
  assert_non_null (source);
  assert_string_equal (mrd_dbus_time1_source_get_address (source), "127.0.0.1");
  assert_string_equal (mrd_dbus_time1_source_get_mode (source), "server");
  assert_string_equal (mrd_dbus_time1_source_get_state (source), "unusable");
  assert_int_equal (mrd_dbus_time1_source_get_reach (source), 0);
  assert_int_equal (mrd_dbus_time1_source_get_poll (source), 6);   /* chrony's minpoll */
  assert_true (mrd_dbus_time1_source_get_last_rx_ago (source) < 0);
  options = mrd_dbus_time1_source_get_options (source);
  assert_int_equal (g_strv_length ((char **) options), 2);
  assert_string_equal (options[0], "port 12399");
  assert_string_equal (options[1], "iburst");
  {
    g_autoptr(MrdDBusTime1Source) pool = source_object (f, id1);

    assert_string_equal (mrd_dbus_time1_source_get_mode (pool), "pool");
    assert_string_equal (mrd_dbus_time1_source_get_options (pool)[0], "maxsources 3");
  }
}

static void
options_come_from_the_ntp_core_parser (void **state)
{
  Fixture *f = *state;
  g_autoptr(MrdDBusTime1Source) source = NULL;
  const char *const want[] = { "minpoll 4", "maxpoll 4", "iburst", "prefer", NULL };
  const char *const *options;
  guint id = 0;

  /* Written in another order, with tabs: shown in one canonical order. */
  assert_true (mrd_sync_add_source (f->sync,
                                    "server 169.254.169.123 prefer\tiburst minpoll 4 maxpoll 4",
                                    &id, NULL));
  assert_int_equal (mrd_sync_get_source_config (f->sync, id)->minpoll, 4);
  source = source_object (f, id);
  options = mrd_dbus_time1_source_get_options (source);
  assert_int_equal (g_strv_length ((char **) options), 4);
  for (guint i = 0; want[i] != NULL; i++)
    assert_string_equal (options[i], want[i]);
  assert_int_equal (mrd_dbus_time1_source_get_poll (source), 4);
}

/* A source the engine has not reported yet shows what the core's statistics report with no
 * samples (chronyd's worst case, `chronyc sourcestats`: 2000.000 ppm, 4000ms): the same
 * figures, from one definition. */
static void
unreported_source_shows_the_cores_worst_case (void **state)
{
  Fixture *f = *state;
  NtpStats *stats = ntp_stats_new ();
  NtpStatsReport empty;
  const NtpSourceReport *r;
  guint id = 0;

  assert_true (mrd_sync_add_source (f->sync, "server 192.0.2.7", &id, NULL));
  r = mrd_sync_get_source_report (f->sync, id);
  ntp_stats_report (stats, 0, &empty);
  assert_int_equal (empty.samples, 0);
  assert_true (r->skew_ppm == empty.skew_ppm);
  assert_true (r->std_dev == empty.std_dev);
  assert_true (r->skew_ppm == 2000.0);
  assert_true (r->std_dev == 4.0);
  ntp_stats_free (stats);
}

/* A refused line's message starts with the problem and the offending words in the form
 * mrd-sync.h documents (MRD_SYNC_INVALID_SOURCE_FORMAT), from the NTP core parser's real
 * explanations, so a client can say why in its own language. */
static void
invalid_source_names_the_problem_and_the_word (void **state)
{
  g_autofree char *too_long = g_strnfill (3000, 'a');
  g_autofree char *long_line = g_strconcat ("server ", too_long, NULL);
  const struct { const char *line, *prefix; } cases[] = {
    { "server 127.0.0.1\n", "[control-character \"0x0a\"] " },
    { long_line, "[too-long] " },
    { "server a23456789012345678901234567890123456789012345678901234567890123456789012345678901234567890"
      "1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890"
      "1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890",
      "[bad-address \"a234567890123456789012345678901234567890123456789012345678901234…\"] " },
    { "   ", "[empty] " },
    { "sever 192.0.2.1 iburst", "[not-a-directive \"sever\"] " },
    { "server", "[missing-address] " },
    { "server bad!host iburst", "[bad-address \"bad!host\"] " },
    { "server 192.0.2.1 # minpoll 99999", "[misplaced-comment \"#\"] " },
    { "server x bogusopt", "[unknown-option \"bogusopt\"] " },
    { "server x iburst it\"s", "[unknown-option \"it\\\"s\"] " },
    { "pool x.example maxsources", "[missing-value \"maxsources\"] " },
    { "server x minpoll 99", "[bad-value \"minpoll\" \"99\"] " },
    { "server x iburst maxdelay -1", "[bad-value \"maxdelay\" \"-1\"] " },
    { "server x minpoll 6 maxpoll 4", "[conflict \"minpoll\" \"maxpoll\"] " },
  };

  (void) state;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      assert_false (mrd_sync_check_source_line (cases[i].line, &error));
      assert_true (g_error_matches (error, MRD_ERROR, MRD_ERROR_INVALID_SOURCE));
      if (!g_str_has_prefix (error->message, cases[i].prefix))
        fail_msg ("%s: got %s, want %s...", cases[i].line, error->message, cases[i].prefix);
      /* and the English explanation after it */
      assert_non_null (strstr (error->message, "Not a source line"));
    }
}

/* The time since a source's last sample counts on between the engine's reports, as chronyc's
 * LastRx does: a read (mrd_sync_refresh, which the bus objects call first) brings it to now;
 * a source never heard from stays "never". */
static void
last_rx_counts_on_between_reports (void **state)
{
  Fixture *f = *state;
  g_autoptr(MrdDBusTime1Source) source = NULL;
  g_autoptr(MrdDBusTime1Source) silent = NULL;
  NtpSourceReport report = { 0 };
  guint id = 0, quiet = 0;
  double ago;

  assert_true (mrd_sync_add_source (f->sync, "server 192.0.2.1", &id, NULL));
  assert_true (mrd_sync_add_source (f->sync, "server 192.0.2.2", &quiet, NULL));
  report.state = NTP_STATE_SELECTED;
  report.last_rx_ago = 3.0;
  mrd_sync_set_source_report (f->sync, id, &report);
  report.state = NTP_STATE_UNUSABLE;
  report.last_rx_ago = -1.0;
  mrd_sync_set_source_report (f->sync, quiet, &report);
  source = source_object (f, id);
  silent = source_object (f, quiet);
  mrd_sync_refresh (f->sync);
  assert_float_equal (mrd_dbus_time1_source_get_last_rx_ago (source), 3.0, 0.1);
  g_usleep (1200 * 1000);
  mrd_sync_refresh (f->sync);
  ago = mrd_sync_get_source_report (f->sync, id)->last_rx_ago;
  assert_true (ago >= 4.2 && ago < 5.0);
  assert_float_equal (mrd_dbus_time1_source_get_last_rx_ago (source), ago, 1e-9);
  assert_true (mrd_dbus_time1_source_get_last_rx_ago (silent) < 0);
  /* a new report starts from what it says */
  report.state = NTP_STATE_SELECTED;
  report.last_rx_ago = 0.0;
  mrd_sync_set_source_report (f->sync, id, &report);
  mrd_sync_refresh (f->sync);
  assert_float_equal (mrd_dbus_time1_source_get_last_rx_ago (source), 0.0, 0.1);
}

/* The root dispersion grows between updates by (skew + |residual frequency| + 1 ns/s) per
 * second, as chronyc tracking shows it; the tracking object reads it so. */
static void
root_dispersion_grows_between_updates (void **state)
{
  Fixture *f = *state;
  NtpTracking tracking = { 0 };
  MrdDBusTime1Tracking *t = MRD_DBUS_TIME1_TRACKING (mrd_sources_get_tracking (f->sources));
  double grown;

  mrd_sync_set_enabled (f->sync, TRUE, NULL);
  tracking.synchronized = true;
  tracking.stratum = 2;
  tracking.ref_time_ns = G_GINT64_CONSTANT (1700000000000000000);
  tracking.skew_ppm = 90.0;
  tracking.residual_freq_ppm = -9.0;
  tracking.root_dispersion = 0.001;
  mrd_sync_set_tracking (f->sync, &tracking, "192.0.2.1");
  mrd_sync_refresh (f->sync);
  assert_float_equal (mrd_dbus_time1_tracking_get_root_dispersion (t), 0.001, 1e-6);
  g_usleep (1000 * 1000);
  mrd_sync_refresh (f->sync);
  grown = mrd_sync_get_tracking (f->sync)->root_dispersion - 0.001;
  /* 99.001 µs per second over a second and a little */
  assert_true (grown >= 99.001e-6 && grown < 99.001e-6 * 1.5);
  assert_float_equal (mrd_dbus_time1_tracking_get_root_dispersion (t), 0.001 + grown, 1e-12);
}

static void
removed_sources_disappear_and_ids_are_not_reused (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  guint id0 = 0, id1 = 0;

  assert_true (mrd_sync_add_source (f->sync, "server 10.0.0.1", &id0, NULL));
  assert_true (mrd_sync_remove_source (f->sync, id0, NULL));
  assert_int_equal (mrd_sync_get_n_sources (f->sync), 0);
  assert_null (mrd_sources_lookup (f->sources, id0));
  assert_false (mrd_sync_remove_source (f->sync, id0, &error));
  assert_true (g_error_matches (error, MRD_ERROR, MRD_ERROR_UNKNOWN_SOURCE));
  assert_true (mrd_sync_add_source (f->sync, "server 10.0.0.1", &id1, NULL));
  assert_int_equal (id1, 1);
}

static void
bad_lines_add_nothing (void **state)
{
  Fixture *f = *state;
  const char *bad[] = { "", "makestep 1 3", "server", "server 1.2.3.4 minpoll x",
                        "hello world", "# server 1.2.3.4", "rtcsync",
                        "server 1.2.3.4 minpoll 4 maxpoll" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) check_error = NULL;

      assert_false (mrd_sync_check_source_line (bad[i], &check_error));
      assert_false (mrd_sync_add_source (f->sync, bad[i], NULL, &error));
      assert_true (g_error_matches (error, MRD_ERROR, MRD_ERROR_INVALID_SOURCE));
      assert_true (g_error_matches (check_error, MRD_ERROR, MRD_ERROR_INVALID_SOURCE));
    }
  assert_int_equal (mrd_sync_get_n_sources (f->sync), 0);
  assert_null (mrd_sources_lookup (f->sources, 0));
}

/* ---- the engine seam ---------------------------------------------------------------------- */

typedef struct {
  GString *log;
  gboolean fail_burst;
} FakeEngine;

static gboolean
fake_add (gpointer e, guint id, const NtpSourceConfig *config, GError **error)
{
  g_string_append_printf (((FakeEngine *) e)->log, "add %u %s;", id, config->name);
  return TRUE;
}

static void
fake_remove (gpointer e, guint id)
{
  g_string_append_printf (((FakeEngine *) e)->log, "remove %u;", id);
}

static gboolean
fake_burst (gpointer e, GError **error)
{
  FakeEngine *engine = e;

  g_string_append (engine->log, "burst;");
  if (engine->fail_burst)
    {
      g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_FAILED, "no sources to burst");
      return FALSE;
    }
  return TRUE;
}

static gboolean
fake_make_step (gpointer e, GError **error)
{
  g_string_append (((FakeEngine *) e)->log, "makestep;");
  return TRUE;
}

static void
fake_set_enabled (gpointer e, gboolean enabled)
{
  g_string_append_printf (((FakeEngine *) e)->log, "enabled %d;", enabled);
}

static gboolean
fake_reselect (gpointer e, GError **error)
{
  g_string_append (((FakeEngine *) e)->log, "reselect;");
  return TRUE;
}

static gboolean
fake_refresh_names (gpointer e, GError **error)
{
  g_string_append (((FakeEngine *) e)->log, "refresh;");
  return TRUE;
}

static const MrdSyncEngineOps fake = {
  fake_add, fake_remove, fake_burst, fake_make_step, fake_set_enabled,
  .reselect = fake_reselect, .refresh_names = fake_refresh_names,
};

static void
commands_reach_the_engine (void **state)
{
  Fixture *f = *state;
  FakeEngine engine = { g_string_new (NULL), FALSE };
  g_autoptr(GError) error = NULL;
  gboolean was = mrd_sync_get_enabled (f->sync);
  guint id = 0;

  /* Without an engine Burst and MakeStep have nothing to act on and succeed. */
  assert_false (mrd_sync_has_engine (f->sync));
  assert_true (mrd_sync_burst (f->sync, NULL));
  assert_true (mrd_sync_make_step (f->sync, NULL));
  assert_true (mrd_sync_reselect (f->sync, NULL));
  assert_true (mrd_sync_refresh_names (f->sync, NULL));

  mrd_sync_set_engine (f->sync, &fake, &engine);
  assert_true (mrd_sync_add_source (f->sync, "server ntp.example.org iburst", &id, NULL));
  assert_true (mrd_sync_burst (f->sync, NULL));
  assert_true (mrd_sync_make_step (f->sync, NULL));
  assert_true (mrd_sync_reselect (f->sync, NULL));
  assert_true (mrd_sync_refresh_names (f->sync, NULL));
  assert_true (mrd_sync_set_enabled (f->sync, !was, NULL));
  assert_true (mrd_sync_set_enabled (f->sync, !was, NULL));   /* unchanged: not passed on */
  assert_true (mrd_sync_remove_source (f->sync, id, NULL));
  {
    g_autofree char *want = g_strdup_printf ("add 0 ntp.example.org;burst;makestep;reselect;"
                                             "refresh;enabled %d;remove 0;", !was);

    assert_string_equal (engine.log->str, want);
  }
  engine.fail_burst = TRUE;
  assert_false (mrd_sync_burst (f->sync, &error));
  assert_string_equal (error->message, "no sources to burst");
  mrd_sync_set_engine (f->sync, NULL, NULL);
  g_string_free (engine.log, TRUE);
}

static void
reports_reach_the_objects (void **state)
{
  Fixture *f = *state;
  g_autoptr(MrdDBusTime1Source) source = NULL;
  NtpSourceReport report = { 0 };
  NtpTracking tracking = { 0 };
  guint id = 0;
  MrdDBusTime1Tracking *t;

  assert_true (mrd_sync_add_source (f->sync, "server 192.0.2.1", &id, NULL));
  report.state = NTP_STATE_SELECTED;
  report.stratum = 2;
  report.poll = 7;
  report.reach = 0377;
  report.last_rx_ago = 12.5;
  report.measured_offset = -0.00125;
  report.samples = 8;
  mrd_sync_set_source_report (f->sync, id, &report);
  source = source_object (f, id);
  assert_string_equal (mrd_dbus_time1_source_get_state (source), "selected");
  assert_int_equal (mrd_dbus_time1_source_get_stratum (source), 2);
  assert_int_equal (mrd_dbus_time1_source_get_poll (source), 7);
  assert_int_equal (mrd_dbus_time1_source_get_reach (source), 0377);
  assert_float_equal (mrd_dbus_time1_source_get_measured_offset (source), -0.00125, 1e-12);
  assert_int_equal (mrd_dbus_time1_source_get_samples (source), 8);

  tracking.synchronized = true;
  tracking.stratum = 3;
  tracking.ref_id = 0xC0000201;
  tracking.ref_time_ns = G_GINT64_CONSTANT (1700000000123456789);
  tracking.freq_ppm = -12.5;
  tracking.leap = NTP_LEAP_INSERT;
  mrd_sync_set_tracking (f->sync, &tracking, "192.0.2.1");
  assert_true (mrd_sync_get_synchronized (f->sync));
  t = MRD_DBUS_TIME1_TRACKING (mrd_sources_get_tracking (f->sources));
  assert_true (mrd_dbus_time1_tracking_get_synchronized (t));
  assert_int_equal (mrd_dbus_time1_tracking_get_stratum (t), 3);
  assert_int_equal (mrd_dbus_time1_tracking_get_reference_id (t), 0xC0000201);
  assert_string_equal (mrd_dbus_time1_tracking_get_reference_name (t), "192.0.2.1");
  assert_int_equal (mrd_dbus_time1_tracking_get_ref_time_usec (t), 1700000000123456);
  assert_float_equal (mrd_dbus_time1_tracking_get_frequency (t), -12.5, 1e-12);
  assert_string_equal (mrd_dbus_time1_tracking_get_leap_status (t), "Insert second");
}

static void
enabled_survives_a_restart (void **state)
{
  Fixture *f = *state;
  gboolean was = mrd_sync_get_enabled (f->sync);
  MrdSync *again;

  assert_true (was);   /* never set: on, as timesyncd */
  assert_true (mrd_sync_set_enabled (f->sync, FALSE, NULL));
  again = mrd_sync_new (f->state_path);
  assert_false (mrd_sync_get_enabled (again));
  mrd_sync_free (again);
}

/* An engine that keeps its figures to itself until asked (as the engine child's snapshot). */
typedef struct {
  MrdSync *sync;
  guint id;
  guint refreshes;
} LazyEngine;

static void
lazy_refresh (gpointer engine)
{
  LazyEngine *e = engine;
  NtpTracking t = { 0 };
  NtpSourceReport r = { 0 };

  e->refreshes++;
  t.synchronized = true;
  t.stratum = 2;
  t.ref_time_ns = G_GINT64_CONSTANT (1700000000000000000) + e->refreshes * G_GINT64_CONSTANT (1000);
  t.last_offset = 1e-6 * e->refreshes;
  mrd_sync_set_tracking (e->sync, &t, "192.0.2.1");
  r.state = NTP_STATE_SELECTED;
  r.delay = 1e-3 * e->refreshes;
  mrd_sync_set_source_report (e->sync, e->id, &r);
}

static const MrdSyncEngineOps lazy_ops = { .refresh = lazy_refresh };

static GVariant *
property_of (GDBusInterfaceSkeleton *skeleton, const char *name)
{
  g_autoptr(GVariant) all = g_dbus_interface_skeleton_get_properties (skeleton);

  return g_variant_lookup_value (all, name, NULL);
}

static void
reads_take_the_engines_latest_figures_first (void **state)
{
  Fixture *f = *state;
  LazyEngine e = { .sync = f->sync };
  g_autoptr(MrdDBusTime1Source) source = NULL;
  GDBusInterfaceSkeleton *tracking = mrd_sources_get_tracking (f->sources);
  g_autoptr(GVariant) v = NULL;

  assert_true (mrd_sync_add_source (f->sync, "server 192.0.2.1", &e.id, NULL));
  source = source_object (f, e.id);
  mrd_sync_set_engine (f->sync, &lazy_ops, &e);

  /* Every read of the properties (GetAll and the object manager read them this way) asks
   * the engine first, so a figure nobody announced is never stale. */
  v = property_of (tracking, "LastOffset");
  assert_int_equal (e.refreshes, 1);
  assert_float_equal (g_variant_get_double (v), 1e-6, 1e-15);
  g_clear_pointer (&v, g_variant_unref);
  v = property_of (tracking, "RefTimeUSec");
  assert_int_equal (e.refreshes, 2);
  assert_int_equal (g_variant_get_uint64 (v), 1700000000000000 + 2);
  g_clear_pointer (&v, g_variant_unref);
  v = property_of (G_DBUS_INTERFACE_SKELETON (source), "Delay");
  assert_int_equal (e.refreshes, 3);
  assert_float_equal (g_variant_get_double (v), 3e-3, 1e-15);
  mrd_sync_set_engine (f->sync, NULL, NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (added_sources_get_numbered_objects_with_their_spec, setup, teardown),
    cmocka_unit_test_setup_teardown (options_come_from_the_ntp_core_parser, setup, teardown),
    cmocka_unit_test_setup_teardown (unreported_source_shows_the_cores_worst_case, setup, teardown),
    cmocka_unit_test_setup_teardown (invalid_source_names_the_problem_and_the_word, setup, teardown),
    cmocka_unit_test_setup_teardown (last_rx_counts_on_between_reports, setup, teardown),
    cmocka_unit_test_setup_teardown (root_dispersion_grows_between_updates, setup, teardown),
    cmocka_unit_test_setup_teardown (removed_sources_disappear_and_ids_are_not_reused, setup, teardown),
    cmocka_unit_test_setup_teardown (bad_lines_add_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown (commands_reach_the_engine, setup, teardown),
    cmocka_unit_test_setup_teardown (reports_reach_the_objects, setup, teardown),
    cmocka_unit_test_setup_teardown (enabled_survives_a_restart, setup, teardown),
    cmocka_unit_test_setup_teardown (reads_take_the_engines_latest_figures_first, setup, teardown),
  };

  return cmocka_run_group_tests_name ("sources", tests, NULL, NULL);
}
