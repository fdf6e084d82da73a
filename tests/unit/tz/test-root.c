/* Files under --root: no symbolic link beneath the root is followed (a symlinked etc/ or
 * var/lib/meridian/ cannot redirect a write, a linked etc/adjtime cannot copy an outside file
 * in, a link target's mode is never copied), and no read blocks (a FIFO or /dev/zero where a
 * file should be is refused at once). Every case runs twice: with openat2(2) and with the
 * O_NOFOLLOW walk used where the kernel lacks it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tz-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mrd-tz.h"
#include "mrd-tz-private.h"

typedef struct {
  gboolean openat2;
  char *root;      /* the --root */
  char *outside;   /* a directory next to it that must never change */
  MrdTzdb *db;
} Fixture;

static gboolean use_openat2 = TRUE, use_walk = FALSE;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr(GError) error = NULL;

  f->openat2 = *(gboolean *) *state;
  mrd_tz_root_set_openat2_enabled (f->openat2);
  f->root = tz_test_make_root ();
  f->outside = g_dir_make_tmp ("mrd-tz-outside-XXXXXX", &error);
  assert_non_null (f->outside);
  f->db = mrd_tzdb_load (NULL, &error);
  assert_non_null (f->db);
  /* a read or write that never returns fails the test instead of hanging the suite */
  alarm (20);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  alarm (0);
  tz_test_rm_rf (f->root);
  tz_test_rm_rf (f->outside);
  g_free (f->root);
  g_free (f->outside);
  mrd_tzdb_free (f->db);
  g_free (f);
  mrd_tz_root_set_openat2_enabled (TRUE);
  return 0;
}

static void
make_link (const char *root, const char *rel, const char *target)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  tz_test_rm_rf (path);
  if (symlink (target, path) != 0)
    fail_msg ("symlink %s: %s", path, g_strerror (errno));
}

static void
make_fifo (const char *root, const char *rel)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  tz_test_rm_rf (path);
  if (mkfifo (path, 0644) != 0)
    fail_msg ("mkfifo %s: %s", path, g_strerror (errno));
}

static void
assert_mode (const char *root, const char *rel, mode_t mode)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  struct stat st;
  assert_int_equal (lstat (path, &st), 0);
  assert_int_equal (st.st_mode & 07777, mode);
}

static void
assert_is_link (const char *root, const char *rel)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  assert_true (g_file_test (path, G_FILE_TEST_IS_SYMLINK));
}

static gint64
now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

/* ---- links ---- */

static void
symlinked_etc_is_not_written_through (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *etc = g_build_filename (f->root, "etc", NULL);
  g_autofree char *listing = NULL;
  gboolean local_rtc = TRUE;

  /* ROOT/etc -> OUTSIDE (absolute), then ROOT/etc -> ../OUTSIDE (relative) */
  for (int round = 0; round < 2; round++)
    {
      g_autofree char *base = g_path_get_basename (f->outside);
      g_autofree char *rel = g_strconcat ("../", base, NULL);

      make_link (f->root, "etc", round == 0 ? f->outside : rel);
      assert_false (mrd_tz_localtime_write (f->root, "Asia/Seoul", &error));
      assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED));
      print_message ("refused: %s\n", error->message);
      g_clear_error (&error);
      assert_false (mrd_tz_adjtime_write (f->root, TRUE, &error));
      g_clear_error (&error);
      assert_false (mrd_tz_root_write_file (f->root, "etc/timezone", "X\n", 2, 0644, FALSE,
                                            &error));
      g_clear_error (&error);
      /* nothing landed outside the root */
      listing = tz_test_list_dir (f->outside, ".");
      assert_string_equal (listing, "");
      g_clear_pointer (&listing, g_free);
      /* and nothing is read from there either */
      tz_test_write (f->outside, "adjtime", "0.0 0 0\n0\nLOCAL\n");
      assert_false (mrd_tz_adjtime_read (f->root, &local_rtc, &error));
      assert_false (local_rtc);
      g_clear_error (&error);
      tz_test_write (f->outside, "timezone", "Asia/Tokyo\n");
      {
        g_autofree char *zone = NULL;
        assert_false (mrd_tz_localtime_read (f->root, f->db, &zone, NULL, &error));
        g_clear_error (&error);
      }
      tz_test_rm_rf (f->outside);
      assert_int_equal (g_mkdir (f->outside, 0700), 0);
    }
}

static void
symlinked_state_directory_is_not_written_through (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *data = NULL;

  /* the last directory a link, then one above it */
  make_link (f->root, "var/lib/meridian", f->outside);
  assert_false (mrd_tz_root_write_file (f->root, "var/lib/meridian/state", "[Time]\n", 7, 0644,
                                        TRUE, &error));
  assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED));
  g_clear_error (&error);
  tz_test_rm_rf (tz_test_path (f->root, "var"));
  make_link (f->root, "var/lib", f->outside);
  assert_false (mrd_tz_root_write_file (f->root, "var/lib/meridian/state", "[Time]\n", 7, 0644,
                                        TRUE, &error));
  g_clear_error (&error);
  listing = tz_test_list_dir (f->outside, ".");
  assert_string_equal (listing, "");
  /* and reading through it is refused too */
  tz_test_write (f->outside, "meridian/state", "[Time]\nNTP=false\n");
  assert_false (mrd_tz_root_read_file (f->root, "var/lib/meridian/state", 4096, &data, NULL,
                                       &error));
  assert_null (data);
  g_clear_error (&error);

  /* a real directory works, creating what is missing */
  tz_test_rm_rf (tz_test_path (f->root, "var"));
  assert_true (mrd_tz_root_write_file (f->root, "var/lib/meridian/state", "[Time]\n", 7, 0644,
                                       TRUE, &error));
  assert_true (mrd_tz_root_read_file (f->root, "var/lib/meridian/state", 4096, &data, NULL,
                                      &error));
  assert_string_equal (data, "[Time]\n");
  g_free (data);
  data = NULL;
  /* ".." cannot climb out either */
  assert_false (mrd_tz_root_read_file (f->root, "etc/../../x", 4096, &data, NULL, &error));
  g_clear_error (&error);
  assert_false (mrd_tz_root_write_file (f->root, "../x", "x", 1, 0644, FALSE, &error));
}

static void
linked_sysconfig_clock_and_adjtime_are_not_read_or_replaced (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = g_build_filename (f->outside, "secret", NULL);
  g_autofree char *text = NULL;
  g_autofree char *target = NULL;
  gboolean local_rtc = TRUE;

  tz_test_write (f->outside, "secret", "ZONE=\"Europe/Berlin\"\nPASSWORD=hunter2\n0\nLOCAL\n");
  assert_true (mrd_tz_localtime_write (f->root, "Europe/Berlin", NULL));
  make_link (f->root, "etc/sysconfig/clock", secret);
  make_link (f->root, "etc/adjtime", secret);

  /* setting the zone refuses the linked clock file, and changes nothing */
  assert_false (mrd_tz_localtime_write (f->root, "Asia/Seoul", &error));
  print_message ("refused: %s\n", error->message);
  g_clear_error (&error);
  target = g_file_read_link (tz_test_path (f->root, "etc/localtime"), NULL);
  assert_string_equal (target, "../usr/share/zoneinfo/Europe/Berlin");
  assert_is_link (f->root, "etc/sysconfig/clock");
  /* the outside file's content was not copied into the root */
  assert_false (mrd_tz_adjtime_read (f->root, &local_rtc, &error));
  assert_false (local_rtc);
  g_clear_error (&error);
  assert_false (mrd_tz_adjtime_write (f->root, TRUE, &error));
  g_clear_error (&error);
  assert_is_link (f->root, "etc/adjtime");
  text = tz_test_read (f->outside, "secret");
  assert_string_equal (text, "ZONE=\"Europe/Berlin\"\nPASSWORD=hunter2\n0\nLOCAL\n");
  /* a link to /dev/zero is refused the same way, at once */
  make_link (f->root, "etc/adjtime", "/dev/zero");
  assert_false (mrd_tz_adjtime_read (f->root, &local_rtc, &error));
}

static void
link_target_mode_is_never_copied (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *target = g_build_filename (f->outside, "suid", NULL);
  g_autofree char *path = g_build_filename (f->root, "etc/timezone", NULL);
  g_autofree char *text = NULL;

  tz_test_write (f->outside, "suid", "Europe/Berlin\n");
  assert_int_equal (chmod (target, 04755), 0);
  make_link (f->root, "etc/timezone", target);
  assert_false (mrd_tz_localtime_write (f->root, "Asia/Seoul", &error));
  g_clear_error (&error);
  assert_is_link (f->root, "etc/timezone");
  assert_mode (f->outside, "suid", 04755);

  /* a regular /etc/timezone keeps its permission bits, but never set-id bits */
  g_unlink (path);
  tz_test_write (f->root, "etc/timezone", "Europe/Berlin\n");
  assert_int_equal (chmod (path, 04755), 0);
  assert_true (mrd_tz_localtime_write (f->root, "Asia/Seoul", &error));
  assert_mode (f->root, "etc/timezone", 0755);
  text = tz_test_read (f->root, "etc/timezone");
  assert_string_equal (text, "Asia/Seoul\n");
}

static void
localtime_link_outside_the_root_is_named_not_followed (void **state)
{
  Fixture *f = *state;
  g_autofree char *zone = NULL;
  g_autofree char *tokyo_copy = g_build_filename (f->outside, "custom", NULL);
  g_autofree char *src = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), "Asia/Tokyo", NULL);
  g_autofree char *data = NULL;
  gsize len;
  MrdTzSource source;

  /* /etc/localtime is a link by design: its text names the zone */
  make_link (f->root, "etc/localtime", "/usr/share/zoneinfo/Asia/Seoul");
  assert_true (mrd_tz_localtime_read (f->root, f->db, &zone, &source, NULL));
  assert_string_equal (zone, "Asia/Seoul");
  g_clear_pointer (&zone, g_free);
  /* a link to a file outside the root with no zone name is not read to identify it */
  assert_true (g_file_get_contents (src, &data, &len, NULL));
  assert_true (g_file_set_contents (tokyo_copy, data, (gssize) len, NULL));
  make_link (f->root, "etc/localtime", tokyo_copy);
  assert_true (mrd_tz_localtime_read (f->root, f->db, &zone, &source, NULL));
  assert_string_equal (zone, "UTC");
  assert_int_equal (source, MRD_TZ_SOURCE_DEFAULT);
}

/* ---- never blocking ---- */

static void
fifos_are_skipped_without_blocking (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) traps = NULL;
  g_autofree char *zone = NULL;
  gboolean local_rtc = TRUE;
  gint64 t0;

  make_fifo (f->root, "etc/profile.d/aaa.sh");
  make_fifo (f->root, "etc/profile");
  make_fifo (f->root, "etc/environment");
  tz_test_write (f->root, "etc/profile.d/zzz.sh", "export TZ=Asia/Tokyo\n");
  make_fifo (f->root, "etc/adjtime");
  make_fifo (f->root, "etc/timezone");

  t0 = now_ms ();
  assert_true (mrd_tz_find_traps (f->root, f->db, "UTC", NULL, &traps, &error));
  /* the FIFOs were passed over and the real script still read */
  assert_int_equal (traps->len, 1);
  assert_string_equal (((MrdTzTrap *) traps->pdata[0])->file, "/etc/profile.d/zzz.sh");
  assert_false (mrd_tz_adjtime_read (f->root, &local_rtc, &error));
  print_message ("adjtime FIFO: %s\n", error->message);
  g_clear_error (&error);
  assert_true (mrd_tz_localtime_read (f->root, f->db, &zone, NULL, &error));
  assert_string_equal (zone, "UTC");
  /* a FIFO where sysconfig/clock is: the write is refused before anything changes */
  make_fifo (f->root, "etc/sysconfig/clock");
  g_unlink (tz_test_path (f->root, "etc/timezone"));
  assert_false (mrd_tz_localtime_write (f->root, "Asia/Seoul", &error));
  assert_false (g_file_test (tz_test_path (f->root, "etc/localtime"),
                             G_FILE_TEST_EXISTS));
  print_message ("5 FIFOs handled in %" G_GINT64_FORMAT " ms\n", now_ms () - t0);
  assert_true (now_ms () - t0 < 2000);
}

static void
devices_are_refused_without_reading (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) traps = NULL;
  g_autofree char *path = g_build_filename (f->root, "etc/profile.d/zero.sh", NULL);
  g_autofree char *adjtime = g_build_filename (f->root, "etc/adjtime", NULL);
  gboolean local_rtc = TRUE;
  gint64 t0;

  tz_test_write (f->root, "etc/profile.d/keep.sh", "TZ=Asia/Tokyo\n");
  if (mknod (path, S_IFCHR | 0644, makedev (1, 5)) != 0 ||
      mknod (adjtime, S_IFCHR | 0644, makedev (1, 5)) != 0)
    {
      /* cmocka's skip(): this sandbox may not let us make device nodes */
      print_message ("SKIP: mknod /dev/zero's twin: %s\n", g_strerror (errno));
      skip ();
    }
  t0 = now_ms ();
  assert_true (mrd_tz_find_traps (f->root, f->db, "UTC", NULL, &traps, &error));
  assert_int_equal (traps->len, 1);
  assert_false (mrd_tz_adjtime_read (f->root, &local_rtc, &error));
  print_message ("device nodes handled in %" G_GINT64_FORMAT " ms\n", now_ms () - t0);
  assert_true (now_ms () - t0 < 2000);
}

static void
oversized_files_are_refused (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) traps = NULL;
  g_autofree char *big = g_malloc (MRD_TZ_ROOT_READ_MAX + 2);
  g_autofree char *data = NULL;

  memset (big, ' ', MRD_TZ_ROOT_READ_MAX + 1);
  memcpy (big, "TZ=Asia/Tokyo\n", 14);
  big[MRD_TZ_ROOT_READ_MAX + 1] = '\0';
  tz_test_write (f->root, "etc/profile", big);
  assert_true (mrd_tz_find_traps (f->root, f->db, "UTC", NULL, &traps, &error));
  assert_int_equal (traps->len, 0);
  assert_false (mrd_tz_root_read_file (f->root, "etc/profile", MRD_TZ_ROOT_READ_MAX, &data,
                                       NULL, &error));
  assert_null (data);
  /* exactly the limit is fine */
  g_clear_error (&error);
  big[MRD_TZ_ROOT_READ_MAX] = '\0';
  tz_test_write (f->root, "etc/profile", big);
  assert_true (mrd_tz_root_read_file (f->root, "etc/profile", MRD_TZ_ROOT_READ_MAX, &data,
                                      NULL, &error));
  assert_int_equal (strlen (data), MRD_TZ_ROOT_READ_MAX);
}

#define BOTH(fn) \
  cmocka_unit_test_prestate_setup_teardown (fn, setup, teardown, &use_openat2), \
  cmocka_unit_test_prestate_setup_teardown (fn, setup, teardown, &use_walk)

int
main (void)
{
  const struct CMUnitTest tests[] = {
    BOTH (symlinked_etc_is_not_written_through),
    BOTH (symlinked_state_directory_is_not_written_through),
    BOTH (linked_sysconfig_clock_and_adjtime_are_not_read_or_replaced),
    BOTH (link_target_mode_is_never_copied),
    BOTH (localtime_link_outside_the_root_is_named_not_followed),
    BOTH (fifos_are_skipped_without_blocking),
    BOTH (devices_are_refused_without_reading),
    BOTH (oversized_files_are_refused),
  };
  g_autofree char *zi = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), "tzdata.zi", NULL);

  if (!g_file_test (zi, G_FILE_TEST_EXISTS))
    {
      printf ("SKIP: %s missing (tzdata not installed)\n", zi);
      return 77;
    }
  /* which resolver the kernel gives: both are run either way */
  printf ("openat2(2) available: %s\n", mrd_tz_root_openat2_available () ? "yes" : "no");
  signal (SIGALRM, SIG_DFL);
  return cmocka_run_group_tests_name ("tz-root", tests, NULL, NULL);
}
