/* Start-up recovery: files that disagree after a crash between the renames of a zone change
 * are brought in line with /etc/localtime (mrd_tz_localtime_repair), "no change" means every
 * file already names the zone (mrd_tz_localtime_is_current), and temporary files a crash left
 * are removed (mrd_tz_root_clean_temp_files). Ends with real kill -9s during writes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tz-test-util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mrd-tz.h"
#include "mrd-tz-private.h"

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

static void
set_link (const char *root, const char *zone)
{
  g_autofree char *lt = g_build_filename (root, "etc/localtime", NULL);
  g_autofree char *target = g_strconcat ("../usr/share/zoneinfo/", zone, NULL);
  g_unlink (lt);
  assert_int_equal (symlink (target, lt), 0);
}

static ino_t
inode_of (const char *root, const char *rel)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  struct stat st;
  assert_int_equal (lstat (path, &st), 0);
  return st.st_ino;
}

static guint
repair (const Fixture *f)
{
  g_autoptr(GError) error = NULL;
  guint n = 999;
  if (!mrd_tz_localtime_repair (f->root, f->db, &n, &error))
    fail_msg ("repair: %s", error->message);
  return n;
}

static void
crash_after_the_link_is_repaired_from_localtime (void **state)
{
  Fixture *f = *state;
  g_autofree char *tz = NULL, *clock = NULL;
  ino_t tz_ino, clock_ino;

  tz_test_write (f->root, "etc/timezone", "Europe/Berlin\n");
  tz_test_write (f->root, "etc/sysconfig/clock", "# anaconda\nZONE=\"Europe/Berlin\"\nUTC=true\n");
  assert_true (mrd_tz_localtime_write (f->root, "Europe/Berlin", NULL));
  assert_true (mrd_tz_localtime_is_current (f->root, "Europe/Berlin"));

  /* what a kill -9 right after the first rename leaves */
  set_link (f->root, "Asia/Seoul");
  /* setting Asia/Seoul again must not be taken for "no change" */
  assert_false (mrd_tz_localtime_is_current (f->root, "Asia/Seoul"));
  assert_false (mrd_tz_localtime_is_current (f->root, "Europe/Berlin"));

  assert_int_equal (repair (f), 2);
  tz = tz_test_read (f->root, "etc/timezone");
  clock = tz_test_read (f->root, "etc/sysconfig/clock");
  assert_string_equal (tz, "Asia/Seoul\n");
  assert_string_equal (clock, "# anaconda\nZONE=\"Asia/Seoul\"\nUTC=true\n");
  assert_true (mrd_tz_localtime_is_current (f->root, "Asia/Seoul"));

  /* a second start-up finds nothing to do and touches nothing */
  tz_ino = inode_of (f->root, "etc/timezone");
  clock_ino = inode_of (f->root, "etc/sysconfig/clock");
  assert_int_equal (repair (f), 0);
  assert_int_equal (inode_of (f->root, "etc/timezone"), tz_ino);
  assert_int_equal (inode_of (f->root, "etc/sysconfig/clock"), clock_ino);
}

static void
crash_before_the_clock_rename_repairs_only_the_clock (void **state)
{
  Fixture *f = *state;
  g_autofree char *clock = NULL;
  ino_t tz_ino;

  tz_test_write (f->root, "etc/timezone", "Asia/Seoul\n");
  tz_test_write (f->root, "etc/sysconfig/clock", "ZONE=Europe/Berlin\n");
  set_link (f->root, "Asia/Seoul");
  tz_ino = inode_of (f->root, "etc/timezone");
  assert_int_equal (repair (f), 1);
  assert_int_equal (inode_of (f->root, "etc/timezone"), tz_ino);
  clock = tz_test_read (f->root, "etc/sysconfig/clock");
  assert_string_equal (clock, "ZONE=\"Asia/Seoul\"\n");
}

static void
names_of_the_same_zone_agree (void **state)
{
  Fixture *f = *state;
  g_autofree char *tz = NULL;

  /* Asia/Calcutta is a link to Asia/Kolkata: nothing to repair */
  tz_test_write (f->root, "etc/timezone", "Asia/Kolkata\n");
  set_link (f->root, "Asia/Calcutta");
  assert_int_equal (repair (f), 0);
  tz = tz_test_read (f->root, "etc/timezone");
  assert_string_equal (tz, "Asia/Kolkata\n");
  /* but "no change" for SetTimezone is the exact name in every file */
  assert_false (mrd_tz_localtime_is_current (f->root, "Asia/Calcutta"));
}

static void
a_copied_localtime_is_the_authority_too (void **state)
{
  Fixture *f = *state;
  g_autofree char *src = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), "Asia/Seoul", NULL);
  g_autofree char *lt = g_build_filename (f->root, "etc/localtime", NULL);
  g_autofree char *data = NULL, *tz = NULL;
  gsize len;

  assert_true (g_file_get_contents (src, &data, &len, NULL));
  assert_true (g_file_set_contents (lt, data, (gssize) len, NULL));
  tz_test_write (f->root, "etc/timezone", "Europe/Berlin\n");
  assert_int_equal (repair (f), 1);
  tz = tz_test_read (f->root, "etc/timezone");
  assert_string_equal (tz, "Asia/Seoul\n");
  /* the copy itself is left as it is */
  assert_false (g_file_test (lt, G_FILE_TEST_IS_SYMLINK));
  /* a copy names no zone: setting one is never "no change" */
  assert_false (mrd_tz_localtime_is_current (f->root, "Asia/Seoul"));
}

static void
nothing_is_repaired_without_a_localtime (void **state)
{
  Fixture *f = *state;
  g_autofree char *tz = NULL;
  g_autofree char *listing = NULL;

  tz_test_write (f->root, "etc/timezone", "Europe/Berlin\n");
  assert_int_equal (repair (f), 0);
  tz = tz_test_read (f->root, "etc/timezone");
  assert_string_equal (tz, "Europe/Berlin\n");
  /* and files that do not exist are not created */
  g_unlink (tz_test_path (f->root, "etc/timezone"));
  set_link (f->root, "Asia/Seoul");
  assert_int_equal (repair (f), 0);
  listing = tz_test_list_dir (f->root, "etc");
  assert_string_equal (listing, "localtime");
  assert_true (mrd_tz_localtime_is_current (f->root, "Asia/Seoul"));
  /* an empty root: nothing at all */
  tz_test_rm_rf (tz_test_path (f->root, "etc"));
  assert_int_equal (repair (f), 0);
  assert_false (mrd_tz_localtime_is_current (f->root, "UTC"));
}

static void
is_current_reads_every_file (void **state)
{
  Fixture *f = *state;

  set_link (f->root, "Asia/Seoul");
  assert_true (mrd_tz_localtime_is_current (f->root, "Asia/Seoul"));
  assert_false (mrd_tz_localtime_is_current (f->root, "Asia/Tokyo"));
  tz_test_write (f->root, "etc/timezone", "  Asia/Seoul \n");
  assert_true (mrd_tz_localtime_is_current (f->root, "Asia/Seoul"));
  tz_test_write (f->root, "etc/timezone", "Asia/Tokyo\n");
  assert_false (mrd_tz_localtime_is_current (f->root, "Asia/Seoul"));
  tz_test_write (f->root, "etc/timezone", "Asia/Seoul\n");
  tz_test_write (f->root, "etc/sysconfig/clock", "UTC=true\n");
  assert_false (mrd_tz_localtime_is_current (f->root, "Asia/Seoul"));
  tz_test_write (f->root, "etc/sysconfig/clock", "ZONE='Asia/Seoul'\nUTC=true\n");
  assert_true (mrd_tz_localtime_is_current (f->root, "Asia/Seoul"));
  /* a FIFO in place of /etc/timezone: not current (and no blocking) */
  g_unlink (tz_test_path (f->root, "etc/timezone"));
  assert_int_equal (mkfifo (tz_test_path (f->root, "etc/timezone"), 0644), 0);
  assert_false (mrd_tz_localtime_is_current (f->root, "Asia/Seoul"));
}

/* ---- temporary files ---- */

static void
touch (const char *root, const char *rel)
{
  tz_test_write (root, rel, "partial");
}

static void
link_at (const char *root, const char *rel, const char *target)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  assert_int_equal (symlink (target, path), 0);
}

static void
temp_files_of_ours_are_removed_and_nothing_else (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *outside = g_dir_make_tmp ("mrd-tz-outside-XXXXXX", NULL);
  g_autofree char *etc = NULL, *sysconfig = NULL, *outside_list = NULL;
  guint removed = 0;

  /* ours: what a kill -9 between staging and rename leaves */
  link_at (f->root, "etc/.#localtime.Ab12Cd", "../usr/share/zoneinfo/Asia/Seoul");
  link_at (f->root, "etc/.#localtime.1a2b3c4d", "../usr/share/zoneinfo/Asia/Seoul");
  touch (f->root, "etc/.#timezone.XyZ123");
  touch (f->root, "etc/.#adjtime.abcdef");
  touch (f->root, "etc/sysconfig/.#clock.AAAAAA");
  touch (f->root, "var/lib/meridian/.#state.QWERTY");
  /* not ours, or not a plain leftover: all stay */
  link_at (f->root, "etc/.#timezone", "root@host.1234:1700000000");   /* an Emacs lock */
  touch (f->root, "etc/.#passwd.abcdef");
  touch (f->root, "etc/.#timezone.abc");
  touch (f->root, "etc/.#timezone.ab-def");
  touch (f->root, "etc/.#clock.ABCDEFGHI");
  touch (f->root, "etc/timezone");
  link_at (f->root, "etc/.#timezone.ABCDEF", "/etc/shadow");
  assert_int_equal (g_mkdir (tz_test_path (f->root, "etc/.#adjtime.dirdir"), 0755), 0);
  assert_int_equal (mkfifo (tz_test_path (f->root, "etc/sysconfig/.#clock.FIFO00"),
                            0644), 0);
  touch (outside, ".#state.QWERTY");

  assert_true (mrd_tz_root_clean_temp_files (f->root, &removed, &error));
  assert_int_equal (removed, 6);
  etc = tz_test_list_dir (f->root, "etc");
  assert_string_equal (etc, ".#adjtime.dirdir,.#clock.ABCDEFGHI,.#passwd.abcdef,.#timezone,"
                            ".#timezone.ABCDEF,.#timezone.ab-def,.#timezone.abc,"
                            "sysconfig,timezone");
  sysconfig = tz_test_list_dir (f->root, "etc/sysconfig");
  assert_string_equal (sysconfig, ".#clock.FIFO00");
  assert_true (mrd_tz_root_clean_temp_files (f->root, &removed, &error));
  assert_int_equal (removed, 0);

  /* var/lib/meridian a link out of the root: skipped, nothing removed outside */
  tz_test_rm_rf (tz_test_path (f->root, "var/lib/meridian"));
  link_at (f->root, "var/lib/meridian", outside);
  assert_true (mrd_tz_root_clean_temp_files (f->root, &removed, &error));
  assert_int_equal (removed, 0);
  outside_list = tz_test_list_dir (outside, ".");
  assert_string_equal (outside_list, ".#state.QWERTY");
  tz_test_rm_rf (outside);
}

/* ---- real crashes ---- */

static guint
count_temp_files (const char *root)
{
  const char *dirs[] = { "etc", "etc/sysconfig" };
  guint n = 0;

  for (gsize d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autofree char *path = g_build_filename (root, dirs[d], NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_prefix (name, ".#"))
          n++;
    }
  return n;
}

static gboolean
all_agree (const Fixture *f, char **out_zone)
{
  g_autofree char *zone = NULL;
  assert_true (mrd_tz_localtime_read (f->root, f->db, &zone, NULL, NULL));
  *out_zone = g_strdup (zone);
  return mrd_tz_localtime_is_current (f->root, zone);
}

static void
kill_9_during_writes_is_recovered_at_start_up (void **state)
{
  Fixture *f = *state;
  const char *zones[] = { "Asia/Seoul", "Europe/Berlin", "America/New_York", "UTC" };
  const int kills = 150;
  guint disagreed = 0, temps = 0, repaired_files = 0;
  GRand *rand = g_rand_new_with_seed (20261201);

  tz_test_write (f->root, "etc/timezone", "UTC\n");
  tz_test_write (f->root, "etc/sysconfig/clock", "ZONE=\"UTC\"\nUTC=true\n");
  assert_true (mrd_tz_localtime_write (f->root, "UTC", NULL));

  for (int k = 0; k < kills; k++)
    {
      g_autofree char *zone = NULL;
      g_autofree char *clock = NULL;
      g_autoptr(GError) error = NULL;
      guint removed = 0, n = 0;
      pid_t pid = fork ();

      assert_true (pid >= 0);
      if (pid == 0)
        {
          /* NO_SYNC as the daemon writes: back-to-back renames, so kills land between them */
          for (guint i = 0;; i++)
            (void) mrd_tz_localtime_write_full (f->root, zones[i % G_N_ELEMENTS (zones)],
                                                MRD_TZ_WRITE_NO_SYNC, NULL);
        }
      g_usleep (g_rand_int_range (rand, 200, 6000));
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);

      /* what the daemon does at start-up */
      temps += count_temp_files (f->root);
      if (!all_agree (f, &zone))
        disagreed++;
      g_clear_pointer (&zone, g_free);
      assert_true (mrd_tz_root_clean_temp_files (f->root, &removed, &error));
      assert_true (mrd_tz_localtime_repair (f->root, f->db, &n, &error));
      repaired_files += n;
      /* after which everything agrees, nothing is left over, the clock file kept its line */
      assert_true (all_agree (f, &zone));
      assert_int_equal (count_temp_files (f->root), 0);
      clock = tz_test_read (f->root, "etc/sysconfig/clock");
      assert_non_null (strstr (clock, "\nUTC=true\n"));
    }
  g_rand_free (rand);
  print_message ("%d kill -9s during zone writes: %u left the files disagreeing, %u temporary "
                 "files left; after start-up recovery: 0 and 0 (%u files repaired)\n",
                 kills, disagreed, temps, repaired_files);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (crash_after_the_link_is_repaired_from_localtime, setup, teardown),
    cmocka_unit_test_setup_teardown (crash_before_the_clock_rename_repairs_only_the_clock, setup, teardown),
    cmocka_unit_test_setup_teardown (names_of_the_same_zone_agree, setup, teardown),
    cmocka_unit_test_setup_teardown (a_copied_localtime_is_the_authority_too, setup, teardown),
    cmocka_unit_test_setup_teardown (nothing_is_repaired_without_a_localtime, setup, teardown),
    cmocka_unit_test_setup_teardown (is_current_reads_every_file, setup, teardown),
    cmocka_unit_test_setup_teardown (temp_files_of_ours_are_removed_and_nothing_else, setup, teardown),
    cmocka_unit_test_setup_teardown (kill_9_during_writes_is_recovered_at_start_up, setup, teardown),
  };
  g_autofree char *zi = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), "tzdata.zi", NULL);

  if (!g_file_test (zi, G_FILE_TEST_EXISTS))
    {
      printf ("SKIP: %s missing (tzdata not installed)\n", zi);
      return 77;
    }
  return cmocka_run_group_tests_name ("tz-repair", tests, NULL, NULL);
}
