/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LocalRTC in /etc/adjtime (hwclock(8)): read, write, create, keep the first two lines. */
#include "tz-test-util.h"

#include <sys/stat.h>

#include "mrd-tz.h"

static int
setup (void **state)
{
  *state = tz_test_make_root ();
  return 0;
}

static int
teardown (void **state)
{
  tz_test_rm_rf (*state);
  g_free (*state);
  return 0;
}

static void
missing_file_means_utc (void **state)
{
  const char *root = *state;
  gboolean local = TRUE;
  g_autoptr(GError) error = NULL;

  assert_true (mrd_tz_adjtime_read (root, &local, &error));
  assert_false (local);
}

static void
write_creates_the_file_as_hwclock_does (void **state)
{
  const char *root = *state;
  g_autofree char *text = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *path = g_build_filename (root, "etc/adjtime", NULL);
  gboolean local = FALSE;
  struct stat st;

  assert_true (mrd_tz_adjtime_write (root, TRUE, NULL));
  text = tz_test_read (root, "etc/adjtime");
  assert_string_equal (text, "0.0 0 0\n0\nLOCAL\n");
  assert_true (mrd_tz_adjtime_read (root, &local, NULL));
  assert_true (local);
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0644);

  g_unlink (path);
  assert_true (mrd_tz_adjtime_write (root, FALSE, NULL));
  g_free (text);
  text = tz_test_read (root, "etc/adjtime");
  assert_string_equal (text, "0.0 0 0\n0\nUTC\n");
  listing = tz_test_list_dir (root, "etc");
  assert_string_equal (listing, "adjtime");
}

static void
write_keeps_drift_and_calibration_lines (void **state)
{
  const char *root = *state;
  g_autofree char *text = NULL;
  gboolean local = TRUE;

  tz_test_write (root, "etc/adjtime", "-3.141592 1700000000 0.000000\n1700000000\nUTC\n");
  assert_true (mrd_tz_adjtime_read (root, &local, NULL));
  assert_false (local);
  assert_true (mrd_tz_adjtime_write (root, TRUE, NULL));
  text = tz_test_read (root, "etc/adjtime");
  assert_string_equal (text, "-3.141592 1700000000 0.000000\n1700000000\nLOCAL\n");
  assert_true (mrd_tz_adjtime_read (root, &local, NULL));
  assert_true (local);
  assert_true (mrd_tz_adjtime_write (root, FALSE, NULL));
  g_free (text);
  text = tz_test_read (root, "etc/adjtime");
  assert_string_equal (text, "-3.141592 1700000000 0.000000\n1700000000\nUTC\n");
}

static void
short_or_odd_files_are_read_as_hwclock_would (void **state)
{
  const char *root = *state;
  gboolean local = TRUE;
  g_autofree char *text = NULL;

  /* two lines only: UTC; writing completes it */
  tz_test_write (root, "etc/adjtime", "0.5 0 0\n0\n");
  assert_true (mrd_tz_adjtime_read (root, &local, NULL));
  assert_false (local);
  assert_true (mrd_tz_adjtime_write (root, TRUE, NULL));
  text = tz_test_read (root, "etc/adjtime");
  assert_string_equal (text, "0.5 0 0\n0\nLOCAL\n");
  /* LOCAL without a final newline, with blanks */
  tz_test_write (root, "etc/adjtime", "0.0 0 0\n0\n LOCAL ");
  assert_true (mrd_tz_adjtime_read (root, &local, NULL));
  assert_true (local);
  /* anything else on line 3 is UTC */
  tz_test_write (root, "etc/adjtime", "0.0 0 0\n0\nlocal\n");
  assert_true (mrd_tz_adjtime_read (root, &local, NULL));
  assert_false (local);
}

static void
unreadable_path_is_an_error (void **state)
{
  const char *root = *state;
  g_autofree char *path = g_build_filename (root, "etc/adjtime", NULL);
  g_autoptr(GError) error = NULL;
  gboolean local;

  /* a directory where the file should be */
  assert_int_equal (g_mkdir (path, 0755), 0);
  assert_false (mrd_tz_adjtime_read (root, &local, &error));
  assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED));
  g_clear_error (&error);
  assert_false (mrd_tz_adjtime_write (root, TRUE, &error));
  assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (missing_file_means_utc, setup, teardown),
    cmocka_unit_test_setup_teardown (write_creates_the_file_as_hwclock_does, setup, teardown),
    cmocka_unit_test_setup_teardown (write_keeps_drift_and_calibration_lines, setup, teardown),
    cmocka_unit_test_setup_teardown (short_or_odd_files_are_read_as_hwclock_would, setup, teardown),
    cmocka_unit_test_setup_teardown (unreadable_path_is_an_error, setup, teardown),
  };
  return cmocka_run_group_tests_name ("tz-adjtime", tests, NULL, NULL);
}
