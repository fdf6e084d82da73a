/* SPDX-License-Identifier: GPL-2.0-or-later */
/* chronyd's statistics log files (service/sync/mrd-statlog.c): the directory made, lines
 * appended under their header every `logbanner` lines, a rotated or removed file started
 * anew, and what is refused: lines no core could make, a symbolic link (as the file or the
 * directory), a FIFO. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "ntp-statlog.h"
#include "sync/mrd-statlog.h"

#define LINE "2021-12-30 11:28:49 17.253.66.253   N  1 111 111 1111   6  6 0.00 -3.420e-04" \
  "  1.302e-03  4.121e-06  0.000e+00  1.984e-04 47505373 4B K K"

typedef struct {
  char *tmp;
  char *dir;                 /* tmp/log/meridian: not there until the first line */
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->tmp = g_dir_make_tmp ("mrd-statlog-XXXXXX", NULL);
  assert_non_null (f->tmp);
  f->dir = g_build_filename (f->tmp, "log", "meridian", NULL);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->tmp);

  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
  g_free (f->tmp);
  g_free (f);
  return 0;
}

static char *
read_log (const Fixture *f, const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

static guint
count (const char *text, const char *what)
{
  guint n = 0;

  for (const char *p = text; (p = strstr (p, what)) != NULL; p += strlen (what))
    n++;
  return n;
}

static void
lines_under_their_header_every_n_lines (void **state)
{
  Fixture *f = *state;
  g_autoptr(MrdStatlog) log = mrd_statlog_new (f->dir, 3);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  char banner[NTP_STATLOG_LINE_MAX];
  gsize banner_len = ntp_statlog_banner (NTP_STATLOG_MEASUREMENTS, banner, sizeof banner);
  g_autofree char *rule = g_strnfill (banner_len, '=');
  g_autofree char *path = g_build_filename (f->dir, "measurements.log", NULL);
  struct stat st;

  /* meridiand's unit runs it with UMask=0077: the modes are set all the same */
  mode_t umask_was = umask (077);

  for (int i = 0; i < 7; i++)
    assert_true (mrd_statlog_write (log, NTP_STATLOG_MEASUREMENTS, LINE));
  umask (umask_was);
  text = read_log (f, "measurements.log");
  assert_non_null (text);
  lines = g_strsplit (text, "\n", -1);
  /* header, 3 lines, header, 3 lines, header, 1 line, and the last newline's empty string */
  assert_int_equal (g_strv_length (lines), 3 * 3 + 7 + 1);
  assert_string_equal (lines[0], rule);
  assert_string_equal (lines[1], banner);
  assert_string_equal (lines[2], rule);
  assert_string_equal (lines[3], LINE);
  assert_string_equal (lines[6], rule);
  assert_string_equal (lines[12], rule);
  assert_string_equal (lines[15], LINE);
  assert_string_equal (lines[16], "");
  /* made as chronyd makes them: the directory 0755, the file 0644 */
  assert_int_equal (stat (f->dir, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0755);
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0644);
  assert_null (read_log (f, "statistics.log"));
}

static void
appended_and_no_banner_with_zero (void **state)
{
  Fixture *f = *state;
  g_autofree char *text = NULL;

  {
    g_autoptr(MrdStatlog) log = mrd_statlog_new (f->dir, 0);

    assert_true (mrd_statlog_write (log, NTP_STATLOG_TRACKING, "first"));
  }
  {
    /* a daemon started again appends */
    g_autoptr(MrdStatlog) log = mrd_statlog_new (f->dir, 0);

    assert_true (mrd_statlog_write (log, NTP_STATLOG_TRACKING, "second"));
  }
  text = read_log (f, "tracking.log");
  assert_string_equal (text, "first\nsecond\n");
}

static void
a_rotated_or_removed_file_is_started_anew (void **state)
{
  Fixture *f = *state;
  g_autoptr(MrdStatlog) log = mrd_statlog_new (f->dir, 100);
  g_autofree char *path = g_build_filename (f->dir, "statistics.log", NULL);
  g_autofree char *rotated = g_build_filename (f->dir, "statistics.log.1", NULL);
  g_autofree char *old = NULL;
  g_autofree char *now = NULL;
  g_autofree char *again = NULL;

  assert_true (mrd_statlog_write (log, NTP_STATLOG_STATISTICS, "one"));
  assert_true (mrd_statlog_write (log, NTP_STATLOG_STATISTICS, "two"));
  assert_int_equal (g_rename (path, rotated), 0);            /* logrotate's move */
  assert_true (mrd_statlog_write (log, NTP_STATLOG_STATISTICS, "three"));
  old = read_log (f, "statistics.log.1");
  now = read_log (f, "statistics.log");
  assert_int_equal (count (old, "\none\n"), 1);
  assert_int_equal (count (old, "\ntwo\n"), 1);
  assert_int_equal (count (old, "three"), 0);
  /* the new file starts with its header, as any file chronyd opens */
  assert_int_equal (count (now, "Date (UTC) Time"), 1);
  assert_true (g_str_has_suffix (now, "=\nthree\n"));
  assert_int_equal (g_unlink (path), 0);                     /* removed */
  assert_true (mrd_statlog_write (log, NTP_STATLOG_STATISTICS, "four"));
  again = read_log (f, "statistics.log");
  assert_true (g_str_has_suffix (again, "=\nfour\n"));
  assert_int_equal (count (again, "three"), 0);
}

static void
lines_no_core_makes_are_refused (void **state)
{
  Fixture *f = *state;
  g_autoptr(MrdStatlog) log = mrd_statlog_new (f->dir, 0);
  char too_long[NTP_STATLOG_LINE_MAX + 1];

  memset (too_long, 'x', sizeof too_long - 1);
  too_long[sizeof too_long - 1] = '\0';
  assert_false (mrd_statlog_write (log, NTP_STATLOG_TRACKING, "two\nlines"));
  assert_false (mrd_statlog_write (log, NTP_STATLOG_TRACKING, "a\033[2Jterminal"));
  assert_false (mrd_statlog_write (log, NTP_STATLOG_TRACKING, "caf\xc3\xa9"));
  assert_false (mrd_statlog_write (log, NTP_STATLOG_TRACKING, ""));
  assert_false (mrd_statlog_write (log, NTP_STATLOG_TRACKING, too_long));
  assert_false (mrd_statlog_write (log, NTP_STATLOG_KINDS, "kind out of range"));
  assert_false (mrd_statlog_write (log, 1000, "kind out of range"));
  assert_false (mrd_statlog_write (log, NTP_STATLOG_TRACKING, NULL));
  /* nothing was made, not even the directory */
  assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
  too_long[NTP_STATLOG_LINE_MAX - 1] = '\0';                  /* the longest a line may be */
  assert_true (mrd_statlog_write (log, NTP_STATLOG_TRACKING, too_long));
}

static void
never_through_a_link_or_into_a_fifo (void **state)
{
  Fixture *f = *state;
  g_autofree char *target = g_build_filename (f->tmp, "shadow", NULL);
  g_autofree char *link = g_build_filename (f->dir, "tracking.log", NULL);
  g_autofree char *fifo = g_build_filename (f->dir, "statistics.log", NULL);
  g_autofree char *text = NULL;
  g_autofree char *elsewhere = g_build_filename (f->tmp, "elsewhere", NULL);

  assert_true (g_file_set_contents (target, "secret\n", -1, NULL));
  assert_int_equal (g_mkdir_with_parents (f->dir, 0755), 0);
  assert_int_equal (symlink (target, link), 0);
  assert_int_equal (mkfifo (fifo, 0644), 0);
  {
    g_autoptr(MrdStatlog) log = mrd_statlog_new (f->dir, 0);

    g_test_expect_message ("meridiand", G_LOG_LEVEL_WARNING, "*tracking.log*not written");
    assert_false (mrd_statlog_write (log, NTP_STATLOG_TRACKING, "planted"));
    /* said once, not for every line */
    assert_false (mrd_statlog_write (log, NTP_STATLOG_TRACKING, "planted"));
    /* a FIFO with no reader: the open fails at once (no hang) */
    g_test_expect_message ("meridiand", G_LOG_LEVEL_WARNING, "*statistics.log*not written");
    assert_false (mrd_statlog_write (log, NTP_STATLOG_STATISTICS, "planted"));
    g_test_assert_expected_messages ();
  }
  {
    /* with a reader the open succeeds: refused as no regular file, nothing sent down it */
    g_autoptr(MrdStatlog) log = mrd_statlog_new (f->dir, 0);
    int reader = open (fifo, O_RDONLY | O_NONBLOCK);
    char buf[16];

    assert_true (reader >= 0);
    g_test_expect_message ("meridiand", G_LOG_LEVEL_WARNING,
                           "*statistics.log: not a regular file*");
    assert_false (mrd_statlog_write (log, NTP_STATLOG_STATISTICS, "planted"));
    g_test_assert_expected_messages ();
    assert_true (read (reader, buf, sizeof buf) <= 0);
    close (reader);
  }
  assert_true (g_file_get_contents (target, &text, NULL, NULL));
  assert_string_equal (text, "secret\n");

  /* the directory itself a link: refused too */
  assert_int_equal (g_mkdir (elsewhere, 0755), 0);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);
    g_autoptr(MrdStatlog) log = mrd_statlog_new (f->dir, 0);
    g_autofree char *inside = g_build_filename (elsewhere, "measurements.log", NULL);

    assert_int_equal (system (cmd), 0);
    assert_int_equal (symlink (elsewhere, f->dir), 0);
    g_test_expect_message ("meridiand", G_LOG_LEVEL_WARNING, "*measurements.log*not written");
    assert_false (mrd_statlog_write (log, NTP_STATLOG_MEASUREMENTS, "planted"));
    g_test_assert_expected_messages ();
    assert_false (g_file_test (inside, G_FILE_TEST_EXISTS));
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (lines_under_their_header_every_n_lines, setup, teardown),
    cmocka_unit_test_setup_teardown (appended_and_no_banner_with_zero, setup, teardown),
    cmocka_unit_test_setup_teardown (a_rotated_or_removed_file_is_started_anew, setup, teardown),
    cmocka_unit_test_setup_teardown (lines_no_core_makes_are_refused, setup, teardown),
    cmocka_unit_test_setup_teardown (never_through_a_link_or_into_a_fifo, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
