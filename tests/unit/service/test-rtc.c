/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the virtual RTC (service/clock/mrd-rtc.c) and of what SetLocalRTC does with it
 * (mrd_systime_sync_rtc: the clock from the RTC, or the RTC from the clock, in UTC or local
 * time). The /dev/rtc backend is never opened here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "mrd-systime.h"
#include "mrd-state.h"

typedef struct {
  char *dir;
  char *path;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->dir = g_dir_make_tmp ("mrd-rtc-XXXXXX", NULL);
  f->path = g_build_filename (f->dir, "var", "lib", "meridian", "virtual-rtc", NULL);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  assert_int_equal (system (cmd), 0);
  g_free (f->dir);
  g_free (f->path);
  g_free (f);
  return 0;
}

static gint64
host_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
virtual_rtc_reads_writes_and_fails_like_a_device (void **state)
{
  Fixture *f = *state;
  g_autoptr(MrdRtc) rtc = mrd_rtc_new_virtual (f->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gint64 usec = 0;

  /* No state: the host's UTC, whole seconds. */
  assert_true (mrd_rtc_read (rtc, &usec, &error));
  assert_int_equal (usec % G_USEC_PER_SEC, 0);
  assert_true (llabs (usec / G_USEC_PER_SEC - host_s ()) <= 1);
  /* Written 2 h ahead: stored as the difference, read back. */
  assert_true (mrd_rtc_write (rtc, (host_s () + 7200) * G_USEC_PER_SEC, &error));
  assert_true (g_file_get_contents (f->path, &text, NULL, NULL));
  assert_true (llabs (g_ascii_strtoll (text, NULL, 10) - 7200) <= 1);
  assert_true (mrd_rtc_read (rtc, &usec, &error));
  assert_true (llabs (usec / G_USEC_PER_SEC - host_s () - 7200) <= 1);
  /* Out of any RTC's range. */
  assert_false (mrd_rtc_write (rtc, -1, &error));
  g_clear_error (&error);
  /* A state that does not parse is a dead RTC: reads fail. */
  assert_true (g_file_set_contents (f->path, "12abc\n", -1, NULL));
  assert_false (mrd_rtc_read (rtc, &usec, &error));
  g_clear_error (&error);
  assert_true (g_file_set_contents (f->path, "99999999999999999999999\n", -1, NULL));
  assert_false (mrd_rtc_read (rtc, &usec, &error));
  g_clear_error (&error);
  /* A FIFO in its place fails at once instead of blocking. */
  assert_int_equal (g_unlink (f->path), 0);
  assert_int_equal (mkfifo (f->path, 0600), 0);
  assert_false (mrd_rtc_read (rtc, &usec, &error));
  g_clear_error (&error);
}

static gint
seoul (gint64 utc_s, gpointer user_data)
{
  return 9 * 3600;
}

static void
sync_sets_the_rtc_or_the_clock_in_the_convention (void **state)
{
  Fixture *f = *state;
  MrdClock *clock = mrd_clock_new_virtual (-1000.0, 0.0);    /* 1000 s behind the host */
  g_autoptr(MrdSystime) st = mrd_systime_new (clock);
  g_autoptr(GError) error = NULL;
  gint64 rtc, now;

  /* Without an RTC nothing can be synchronized. */
  assert_false (mrd_systime_sync_rtc (st, TRUE, NULL, NULL, &error));
  g_clear_error (&error);
  assert_int_equal (mrd_systime_rtc_time_usec (st), 0);

  mrd_systime_set_rtc (st, mrd_rtc_new_virtual (f->path));
  /* RTC from the clock, in local time (UTC+9): fields = clock + 9 h. */
  assert_true (mrd_systime_sync_rtc (st, FALSE, seoul, NULL, &error));
  rtc = (gint64) mrd_systime_rtc_time_usec (st) / G_USEC_PER_SEC;
  now = (gint64) mrd_systime_time_usec (st) / G_USEC_PER_SEC;
  assert_true (llabs (rtc - now - 9 * 3600) <= 1);
  /* The clock from the RTC read as UTC: the clock jumps 9 h on, the RTC stays. */
  assert_true (mrd_systime_sync_rtc (st, TRUE, NULL, NULL, &error));
  now = (gint64) mrd_systime_time_usec (st) / G_USEC_PER_SEC;
  assert_true (llabs (now - rtc) <= 1);
  assert_true (llabs ((gint64) mrd_systime_rtc_time_usec (st) / G_USEC_PER_SEC - rtc) <= 1);
  /* The clock from the RTC read as local time: back 9 h. */
  assert_true (mrd_systime_sync_rtc (st, TRUE, seoul, NULL, &error));
  now = (gint64) mrd_systime_time_usec (st) / G_USEC_PER_SEC;
  assert_true (llabs (now - (rtc - 9 * 3600)) <= 1);
  /* RTC from the clock in UTC: fields = clock. */
  assert_true (mrd_systime_sync_rtc (st, FALSE, NULL, NULL, &error));
  assert_true (llabs ((gint64) mrd_systime_rtc_time_usec (st) / G_USEC_PER_SEC -
                      (gint64) mrd_systime_time_usec (st) / G_USEC_PER_SEC) <= 1);
}

/* Under a root, the state file is read and replaced beneath it: a var/lib/meridian linked to
 * a directory outside is neither read (its 3600 s would show) nor written (the write fails,
 * the outside file stays); a state file that is itself a link to a set-id file is refused
 * rather than replaced by a file of the target's mode. */
static void
virtual_rtc_state_stays_beneath_the_root (void **state)
{
  Fixture *f = *state;
  g_autofree char *root = g_build_filename (f->dir, "root", NULL);
  g_autofree char *outside = g_build_filename (f->dir, "outside", NULL);
  g_autofree char *out_file = g_build_filename (outside, "virtual-rtc", NULL);
  g_autofree char *lib = g_build_filename (root, "var", "lib", NULL);
  g_autofree char *vlm = g_build_filename (lib, "meridian", NULL);
  g_autofree char *path = g_build_filename (vlm, "virtual-rtc", NULL);
  g_autofree char *target = g_build_filename (root, "suid", NULL);
  g_autofree char *text = NULL;
  g_autoptr(MrdRtc) rtc = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;
  gint64 usec = 0;

  assert_int_equal (g_mkdir_with_parents (outside, 0755), 0);
  assert_int_equal (g_mkdir_with_parents (lib, 0755), 0);
  assert_true (g_file_set_contents (out_file, "3600\n", -1, NULL));
  assert_int_equal (symlink (outside, vlm), 0);
  mrd_state_set_root (root);
  rtc = mrd_rtc_new_virtual (path);

  assert_false (mrd_rtc_read (rtc, &usec, &error));
  assert_non_null (strstr (error->message, "symbolic link"));
  g_clear_error (&error);
  assert_false (mrd_rtc_write (rtc, (host_s () + 7200) * G_USEC_PER_SEC, &error));
  g_clear_error (&error);
  assert_true (g_file_get_contents (out_file, &text, NULL, NULL));
  assert_string_equal (text, "3600\n");
  g_clear_pointer (&text, g_free);
  {
    g_autoptr(GDir) d = g_dir_open (outside, 0, NULL);
    assert_string_equal (g_dir_read_name (d), "virtual-rtc");
    assert_null (g_dir_read_name (d));
  }

  /* The directory is real again; the state file a link to a 04755 file in the root. */
  assert_int_equal (g_unlink (vlm), 0);
  assert_int_equal (g_mkdir (vlm, 0755), 0);
  assert_true (g_file_set_contents (target, "60\n", -1, NULL));
  assert_int_equal (chmod (target, 04755), 0);
  assert_int_equal (symlink (target, path), 0);
  assert_false (mrd_rtc_read (rtc, &usec, &error));
  g_clear_error (&error);
  assert_false (mrd_rtc_write (rtc, (host_s () + 7200) * G_USEC_PER_SEC, &error));
  g_clear_error (&error);
  assert_int_equal (lstat (path, &st), 0);
  assert_true (S_ISLNK (st.st_mode));
  assert_true (g_file_get_contents (target, &text, NULL, NULL));
  assert_string_equal (text, "60\n");

  /* A plain state file works, and gets 0644. */
  assert_int_equal (g_unlink (path), 0);
  assert_true (mrd_rtc_write (rtc, (host_s () + 7200) * G_USEC_PER_SEC, &error));
  assert_int_equal (lstat (path, &st), 0);
  assert_true (S_ISREG (st.st_mode));
  assert_int_equal (st.st_mode & 07777, 0644);
  assert_true (mrd_rtc_read (rtc, &usec, &error));
  assert_true (llabs (usec / G_USEC_PER_SEC - host_s () - 7200) <= 1);
  mrd_state_set_root (NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (virtual_rtc_reads_writes_and_fails_like_a_device, setup, teardown),
    cmocka_unit_test_setup_teardown (sync_sets_the_rtc_or_the_clock_in_the_convention, setup, teardown),
    cmocka_unit_test_setup_teardown (virtual_rtc_state_stays_beneath_the_root, setup, teardown),
  };

  return cmocka_run_group_tests_name ("rtc", tests, NULL, NULL);
}
