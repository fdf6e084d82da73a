/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The zone writer and reader on temporary roots: /etc/localtime, /etc/timezone,
 * /etc/sysconfig/clock. */
#include "tz-test-util.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mrd-tz.h"

typedef struct {
  char *root;
  MrdTzdb *db;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr(GError) error = NULL;

  f->root = tz_test_make_root ();
  f->db = mrd_tzdb_load (NULL, &error);
  assert_non_null (f->db);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  tz_test_rm_rf (f->root);
  g_free (f->root);
  mrd_tzdb_free (f->db);
  g_free (f);
  return 0;
}

static char *
link_of (const char *root)
{
  g_autofree char *lt = g_build_filename (root, "etc/localtime", NULL);
  return g_file_read_link (lt, NULL);
}

static void
set_link (const char *root, const char *target)
{
  g_autofree char *lt = g_build_filename (root, "etc/localtime", NULL);
  g_unlink (lt);
  assert_int_equal (symlink (target, lt), 0);
}

static void
copy_zone_to_localtime (const char *root, const char *zone)
{
  g_autofree char *src = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), zone, NULL);
  g_autofree char *data = NULL;
  g_autofree char *lt = g_build_filename (root, "etc/localtime", NULL);
  gsize len;

  assert_true (g_file_get_contents (src, &data, &len, NULL));
  g_unlink (lt);
  assert_true (g_file_set_contents (lt, data, (gssize) len, NULL));
}

static void
assert_read (const Fixture *f, const char *zone, MrdTzSource source)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;
  MrdTzSource got_source = -1;

  if (!mrd_tz_localtime_read (f->root, f->db, &got, &got_source, &error))
    fail_msg ("read failed: %s", error->message);
  assert_string_equal (got, zone);
  assert_int_equal (got_source, source);
}

/* ---- writer ---- */

static void
write_makes_relative_symlink_like_timedated (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *target = NULL;
  g_autofree char *listing = NULL;

  assert_true (mrd_tz_localtime_write (f->root, "Asia/Seoul", &error));
  target = link_of (f->root);
  assert_string_equal (target, "../usr/share/zoneinfo/Asia/Seoul");
  /* systemd-timedated links UTC to ../usr/share/zoneinfo/UTC */
  assert_true (mrd_tz_localtime_write (f->root, "UTC", &error));
  g_free (target);
  target = link_of (f->root);
  assert_string_equal (target, "../usr/share/zoneinfo/UTC");
  /* no temporary file left behind, and nothing else created */
  listing = tz_test_list_dir (f->root, "etc");
  assert_string_equal (listing, "localtime");
}

static void
write_replaces_a_copied_localtime (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *lt = g_build_filename (f->root, "etc/localtime", NULL);
  g_autofree char *target = NULL;

  copy_zone_to_localtime (f->root, "Europe/Berlin");
  assert_true (mrd_tz_localtime_write (f->root, "Asia/Calcutta", &error));
  assert_true (g_file_test (lt, G_FILE_TEST_IS_SYMLINK));
  target = link_of (f->root);
  assert_string_equal (target, "../usr/share/zoneinfo/Asia/Calcutta");
}

typedef struct {
  const char *path;
  volatile gint stop;
  guint reads;
  guint missing;
  guint bad;
} Watcher;

static gpointer
watch_link (gpointer data)
{
  Watcher *w = data;
  char buf[256];

  while (!g_atomic_int_get (&w->stop))
    {
      ssize_t n = readlink (w->path, buf, sizeof buf - 1);
      w->reads++;
      if (n < 0)
        {
          w->missing++;
          continue;
        }
      buf[n] = '\0';
      if (strcmp (buf, "../usr/share/zoneinfo/Asia/Seoul") != 0 &&
          strcmp (buf, "../usr/share/zoneinfo/Europe/Berlin") != 0)
        w->bad++;
    }
  return NULL;
}

static void
write_is_atomic_for_concurrent_readers (void **state)
{
  Fixture *f = *state;
  g_autofree char *lt = g_build_filename (f->root, "etc/localtime", NULL);
  Watcher w = { lt, 0, 0, 0, 0 };
  GThread *thread;
  g_autofree char *listing = NULL;

  assert_true (mrd_tz_localtime_write (f->root, "Asia/Seoul", NULL));
  thread = g_thread_new ("watch", watch_link, &w);
  for (int i = 0; i < 300; i++)
    {
      g_autoptr(GError) error = NULL;
      if (!mrd_tz_localtime_write (f->root, i % 2 ? "Asia/Seoul" : "Europe/Berlin", &error))
        fail_msg ("write %d: %s", i, error->message);
    }
  g_atomic_int_set (&w.stop, 1);
  g_thread_join (thread);
  print_message ("%u reads during 300 replacements\n", w.reads);
  /* a reader never sees /etc/localtime missing or half-written */
  assert_int_equal (w.missing, 0);
  assert_int_equal (w.bad, 0);
  listing = tz_test_list_dir (f->root, "etc");
  assert_string_equal (listing, "localtime");
}

static void
write_updates_etc_timezone_only_where_it_exists (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *tzpath = g_build_filename (f->root, "etc/timezone", NULL);
  g_autofree char *text = NULL;
  struct stat st;

  assert_true (mrd_tz_localtime_write (f->root, "Asia/Seoul", &error));
  assert_false (g_file_test (tzpath, G_FILE_TEST_EXISTS));

  tz_test_write (f->root, "etc/timezone", "Etc/UTC\n");
  assert_int_equal (chmod (tzpath, 0640), 0);
  assert_true (mrd_tz_localtime_write (f->root, "Europe/Berlin", &error));
  text = tz_test_read (f->root, "etc/timezone");
  assert_string_equal (text, "Europe/Berlin\n");
  assert_int_equal (stat (tzpath, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0640);
}

static void
write_updates_sysconfig_clock_keeping_other_lines (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->root, "etc/sysconfig/clock", NULL);
  g_autofree char *text = NULL;
  g_autofree char *listing = NULL;

  /* not created when absent */
  assert_true (mrd_tz_localtime_write (f->root, "Asia/Seoul", &error));
  assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  tz_test_write (f->root, "etc/sysconfig/clock",
                 "# written by anaconda\nZONE=\"America/New_York\"\nUTC=true\nARC=false\n");
  assert_true (mrd_tz_localtime_write (f->root, "Asia/Seoul", &error));
  text = tz_test_read (f->root, "etc/sysconfig/clock");
  assert_string_equal (text, "# written by anaconda\nZONE=\"Asia/Seoul\"\nUTC=true\nARC=false\n");

  /* a file without a ZONE= line gets one, after its lines */
  tz_test_write (f->root, "etc/sysconfig/clock", "UTC=true");
  assert_true (mrd_tz_localtime_write (f->root, "Europe/Berlin", &error));
  g_free (text);
  text = tz_test_read (f->root, "etc/sysconfig/clock");
  assert_string_equal (text, "UTC=true\nZONE=\"Europe/Berlin\"\n");
  listing = tz_test_list_dir (f->root, "etc/sysconfig");
  assert_string_equal (listing, "clock");
}

static void
write_fails_cleanly_when_etc_is_read_only (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *etc = g_build_filename (f->root, "etc", NULL);
  g_autofree char *target = NULL;

  if (geteuid () == 0)
    {
      /* root ignores directory permissions; use a file where a directory must be */
      g_autofree char *root2 = g_dir_make_tmp ("mrd-tz-ro-XXXXXX", NULL);
      tz_test_write (root2, "etc", "not a directory");
      assert_false (mrd_tz_localtime_write (root2, "Asia/Seoul", &error));
      assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED));
      tz_test_rm_rf (root2);
      return;
    }
  assert_true (mrd_tz_localtime_write (f->root, "Asia/Seoul", NULL));
  assert_int_equal (chmod (etc, 0555), 0);
  assert_false (mrd_tz_localtime_write (f->root, "Europe/Berlin", &error));
  assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED));
  assert_int_equal (chmod (etc, 0755), 0);
  target = link_of (f->root);
  assert_string_equal (target, "../usr/share/zoneinfo/Asia/Seoul");
}

static void
write_without_sync_is_complete_and_sync_etc_works (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *target = NULL;
  g_autofree char *tzfile = NULL;
  g_autofree char *clock = NULL;

  tz_test_write (f->root, "etc/timezone", "UTC\n");
  tz_test_write (f->root, "etc/sysconfig/clock", "ZONE=\"UTC\"\n");
  tz_test_write (f->root, "etc/adjtime", "0.0 0 0\n0\nUTC\n");
  assert_true (mrd_tz_localtime_write_full (f->root, "Asia/Seoul", MRD_TZ_WRITE_NO_SYNC, &error));
  target = link_of (f->root);
  assert_string_equal (target, "../usr/share/zoneinfo/Asia/Seoul");
  tzfile = tz_test_read (f->root, "etc/timezone");
  assert_string_equal (tzfile, "Asia/Seoul\n");
  clock = tz_test_read (f->root, "etc/sysconfig/clock");
  assert_string_equal (clock, "ZONE=\"Asia/Seoul\"\n");
  assert_true (mrd_tz_sync_etc (f->root, &error));
  /* a root with nothing in it is fine too */
  {
    g_autofree char *empty = tz_test_make_root ();
    assert_true (mrd_tz_sync_etc (empty, &error));
    tz_test_rm_rf (empty);
  }
}

static void
failed_preparation_changes_nothing (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *clockdir = g_build_filename (f->root, "etc/sysconfig/clock", NULL);
  g_autofree char *target = NULL;
  g_autofree char *tzfile = NULL;
  g_autofree char *listing = NULL;

  assert_true (mrd_tz_localtime_write (f->root, "Europe/Berlin", NULL));
  tz_test_write (f->root, "etc/timezone", "Europe/Berlin\n");
  /* /etc/sysconfig/clock cannot be read (a directory): nothing may change */
  assert_int_equal (g_mkdir_with_parents (clockdir, 0755), 0);
  assert_false (mrd_tz_localtime_write (f->root, "Asia/Seoul", &error));
  assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED));
  target = link_of (f->root);
  assert_string_equal (target, "../usr/share/zoneinfo/Europe/Berlin");
  tzfile = tz_test_read (f->root, "etc/timezone");
  assert_string_equal (tzfile, "Europe/Berlin\n");
  listing = tz_test_list_dir (f->root, "etc");
  assert_string_equal (listing, "localtime,sysconfig,timezone");
}

/* ---- reader ---- */

static void
read_from_relative_and_absolute_symlinks (void **state)
{
  Fixture *f = *state;

  set_link (f->root, "../usr/share/zoneinfo/Asia/Seoul");
  assert_read (f, "Asia/Seoul", MRD_TZ_SOURCE_SYMLINK);
  set_link (f->root, "/usr/share/zoneinfo/America/Argentina/Buenos_Aires");
  assert_read (f, "America/Argentina/Buenos_Aires", MRD_TZ_SOURCE_SYMLINK);
  set_link (f->root, "/usr/share/zoneinfo/posix/Europe/Berlin");
  assert_read (f, "Europe/Berlin", MRD_TZ_SOURCE_SYMLINK);
  set_link (f->root, "../usr/share/zoneinfo/right/Asia/Tokyo");
  assert_read (f, "Asia/Tokyo", MRD_TZ_SOURCE_SYMLINK);
  /* a backward name stays as the user chose it */
  set_link (f->root, "../usr/share/zoneinfo/Asia/Calcutta");
  assert_read (f, "Asia/Calcutta", MRD_TZ_SOURCE_SYMLINK);
  /* other zoneinfo locations (NixOS, /usr/lib/zoneinfo) */
  set_link (f->root, "/etc/zoneinfo/Asia/Seoul");
  assert_read (f, "Asia/Seoul", MRD_TZ_SOURCE_SYMLINK);
}

static void
read_identifies_a_copy_by_content_with_canonical_name (void **state)
{
  Fixture *f = *state;

  /* Asia/Calcutta has the same bytes; the zone1970.tab name wins */
  copy_zone_to_localtime (f->root, "Asia/Calcutta");
  assert_read (f, "Asia/Kolkata", MRD_TZ_SOURCE_COPY);
  copy_zone_to_localtime (f->root, "Asia/Seoul");
  assert_read (f, "Asia/Seoul", MRD_TZ_SOURCE_COPY);
  /* UTC's bytes are shared by UTC, Etc/UTC, Etc/Universal, Zulu...: the Zone is named */
  copy_zone_to_localtime (f->root, "UTC");
  assert_read (f, "Etc/UTC", MRD_TZ_SOURCE_COPY);
}

static void
read_falls_back_to_etc_timezone_then_utc (void **state)
{
  Fixture *f = *state;
  g_autofree char *lt = g_build_filename (f->root, "etc/localtime", NULL);

  /* nothing at all: UTC, as glibc */
  assert_read (f, "UTC", MRD_TZ_SOURCE_DEFAULT);
  tz_test_write (f->root, "etc/timezone", "Europe/Berlin\n");
  assert_read (f, "Europe/Berlin", MRD_TZ_SOURCE_ETC_TIMEZONE);
  /* a copy that matches no zone file */
  assert_true (g_file_set_contents (lt, "TZif2 but not really", -1, NULL));
  assert_read (f, "Europe/Berlin", MRD_TZ_SOURCE_ETC_TIMEZONE);
  /* a dangling link outside any zoneinfo */
  set_link (f->root, "/nowhere/at/all");
  assert_read (f, "Europe/Berlin", MRD_TZ_SOURCE_ETC_TIMEZONE);
  /* junk in /etc/timezone is not believed */
  tz_test_write (f->root, "etc/timezone", "../../etc/shadow\n");
  assert_read (f, "UTC", MRD_TZ_SOURCE_DEFAULT);
  tz_test_write (f->root, "etc/timezone", "Not/A_Zone\n");
  assert_read (f, "UTC", MRD_TZ_SOURCE_DEFAULT);
}

static void
read_link_to_unknown_zone_uses_content (void **state)
{
  Fixture *f = *state;
  g_autofree char *zi = g_build_filename (f->root, "usr/share/zoneinfo/Custom", NULL);
  g_autofree char *src = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), "Asia/Tokyo", NULL);
  g_autofree char *data = NULL;
  gsize len;

  /* ROOT/etc/localtime -> ../usr/share/zoneinfo/Custom (not a tzdata name), which inside the
   * root holds Tokyo's bytes */
  assert_true (g_file_get_contents (src, &data, &len, NULL));
  tz_test_write (f->root, "usr/share/zoneinfo/Custom", "");
  assert_true (g_file_set_contents (zi, data, (gssize) len, NULL));
  set_link (f->root, "../usr/share/zoneinfo/Custom");
  assert_read (f, "Asia/Tokyo", MRD_TZ_SOURCE_COPY);
}

static void
write_then_read_round_trips (void **state)
{
  Fixture *f = *state;
  const char *zones[] = { "Asia/Seoul", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5",
                          "Asia/Calcutta" };

  for (gsize i = 0; i < G_N_ELEMENTS (zones); i++)
    {
      assert_true (mrd_tz_localtime_write (f->root, zones[i], NULL));
      assert_read (f, zones[i], MRD_TZ_SOURCE_SYMLINK);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (write_makes_relative_symlink_like_timedated, setup, teardown),
    cmocka_unit_test_setup_teardown (write_replaces_a_copied_localtime, setup, teardown),
    cmocka_unit_test_setup_teardown (write_is_atomic_for_concurrent_readers, setup, teardown),
    cmocka_unit_test_setup_teardown (write_updates_etc_timezone_only_where_it_exists, setup, teardown),
    cmocka_unit_test_setup_teardown (write_updates_sysconfig_clock_keeping_other_lines, setup, teardown),
    cmocka_unit_test_setup_teardown (write_fails_cleanly_when_etc_is_read_only, setup, teardown),
    cmocka_unit_test_setup_teardown (write_without_sync_is_complete_and_sync_etc_works, setup, teardown),
    cmocka_unit_test_setup_teardown (failed_preparation_changes_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown (read_from_relative_and_absolute_symlinks, setup, teardown),
    cmocka_unit_test_setup_teardown (read_identifies_a_copy_by_content_with_canonical_name, setup, teardown),
    cmocka_unit_test_setup_teardown (read_falls_back_to_etc_timezone_then_utc, setup, teardown),
    cmocka_unit_test_setup_teardown (read_link_to_unknown_zone_uses_content, setup, teardown),
    cmocka_unit_test_setup_teardown (write_then_read_round_trips, setup, teardown),
  };
  g_autofree char *zi = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), "tzdata.zi", NULL);

  if (!g_file_test (zi, G_FILE_TEST_EXISTS))
    {
      printf ("SKIP: %s missing (tzdata not installed)\n", zi);
      return 77;
    }
  return cmocka_run_group_tests_name ("tz-localtime", tests, NULL, NULL);
}
