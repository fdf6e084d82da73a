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
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "mrd-systime.h"

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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (virtual_rtc_reads_writes_and_fails_like_a_device, setup, teardown),
    cmocka_unit_test_setup_teardown (sync_sets_the_rtc_or_the_clock_in_the_convention, setup, teardown),
  };

  return cmocka_run_group_tests_name ("rtc", tests, NULL, NULL);
}
