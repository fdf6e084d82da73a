/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the persisted settings and the atomic file writer (service/mrd-state.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "mrd-state.h"

typedef struct {
  char *root;
  char *path;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->root = g_dir_make_tmp ("mrd-state-XXXXXX", NULL);
  f->path = mrd_state_path_for_root (f->root);
  *state = f;
  return 0;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  remove_tree (f->root);
  g_free (f->root);
  g_free (f->path);
  g_free (f);
  return 0;
}

static guint
count_entries (const char *dir_path)
{
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

static void
state_path_is_under_root_var_lib_meridian (void **state)
{
  Fixture *f = *state;
  g_autofree char *want = g_build_filename (f->root, "var/lib/meridian/state", NULL);

  assert_string_equal (f->path, want);
}

static void
missing_state_file_means_ntp_on (void **state)
{
  Fixture *f = *state;
  MrdState s = { .ntp = FALSE };

  assert_true (mrd_state_load (&s, f->path, NULL));
  assert_true (s.ntp);
  /* Loading never creates anything. */
  assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
}

static void
state_round_trips_both_values (void **state)
{
  Fixture *f = *state;
  MrdState out = { .ntp = FALSE }, in = { .ntp = TRUE };

  assert_true (mrd_state_save (&out, f->path, NULL));   /* creates var/lib/meridian */
  assert_true (mrd_state_load (&in, f->path, NULL));
  assert_false (in.ntp);

  out.ntp = TRUE;
  assert_true (mrd_state_save (&out, f->path, NULL));
  in.ntp = FALSE;
  assert_true (mrd_state_load (&in, f->path, NULL));
  assert_true (in.ntp);
}

static void
garbled_state_file_is_an_error_and_gives_defaults (void **state)
{
  Fixture *f = *state;
  g_autofree char *dir = g_path_get_dirname (f->path);
  g_autoptr(GError) error = NULL;
  MrdState s = { .ntp = FALSE };

  g_mkdir_with_parents (dir, 0755);
  assert_true (g_file_set_contents (f->path, "[Time]\nNTP=maybe\n", -1, NULL));
  assert_false (mrd_state_load (&s, f->path, &error));
  assert_non_null (error);
  assert_non_null (strstr (error->message, f->path));
  assert_true (s.ntp);
}

static void
atomic_write_replaces_content_keeps_mode_and_leaves_no_temp_file (void **state)
{
  Fixture *f = *state;
  g_autofree char *path = g_build_filename (f->root, "file", NULL);
  g_autofree char *fresh = g_build_filename (f->root, "fresh", NULL);
  g_autofree char *data = NULL;
  struct stat st;

  assert_true (g_file_set_contents (path, "old contents that are longer\n", -1, NULL));
  assert_int_equal (g_chmod (path, 0600), 0);
  assert_true (mrd_write_file_atomic (path, "new\n", 4, 0644, NULL));
  assert_true (g_file_get_contents (path, &data, NULL, NULL));
  assert_string_equal (data, "new\n");
  /* An existing file keeps its own permission bits; a new one gets the mode asked for,
   * exactly (no umask). */
  assert_int_equal (g_stat (path, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0600);
  assert_true (mrd_write_file_atomic (fresh, "x", 1, 0640, NULL));
  assert_int_equal (g_stat (fresh, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0640);
  /* Only the two files are left: the temporaries were renamed, not copied. */
  assert_int_equal (count_entries (f->root), 2);
}

static void
atomic_write_refuses_a_symlink_and_leaves_its_target (void **state)
{
  Fixture *f = *state;
  g_autofree char *target = g_build_filename (f->root, "target", NULL);
  g_autofree char *link = g_build_filename (f->root, "link", NULL);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;

  assert_true (g_file_set_contents (target, "target\n", -1, NULL));
  assert_int_equal (symlink ("target", link), 0);
  assert_false (mrd_write_file_atomic (link, "mine\n", 5, 0644, &error));
  assert_non_null (strstr (error->message, "symbolic link"));
  assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  assert_true (g_file_get_contents (target, &data, NULL, NULL));
  assert_string_equal (data, "target\n");
  assert_int_equal (count_entries (f->root), 2);
}

static void
failed_atomic_write_keeps_old_file_and_cleans_up (void **state)
{
  Fixture *f = *state;
  g_autofree char *path = g_build_filename (f->root, "adir", NULL);
  g_autofree char *inside = g_build_filename (path, "keep", NULL);
  g_autoptr(GError) error = NULL;

  /* A directory is not a file to replace: the write fails, leaves the directory as it was
   * and no temporary file. */
  assert_int_equal (g_mkdir (path, 0755), 0);
  assert_true (g_file_set_contents (inside, "x", -1, NULL));
  assert_false (mrd_write_file_atomic (path, "data", 4, 0644, &error));
  assert_non_null (error);
  assert_true (g_file_test (inside, G_FILE_TEST_IS_REGULAR));
  assert_int_equal (count_entries (f->root), 1);
}

/* ---- beneath the root (mrd_state_set_root) ---- */

/* A directory outside the root, with one file, that nothing may read or change. */
typedef struct {
  char *dir;
  char *secret;
} Outside;

static void
outside_init (Outside *o)
{
  o->dir = g_dir_make_tmp ("mrd-state-outside-XXXXXX", NULL);
  o->secret = g_build_filename (o->dir, "state", NULL);
  assert_true (g_file_set_contents (o->secret, "[Time]\nNTP=false\n", -1, NULL));
}

static void
outside_assert_untouched_and_free (Outside *o)
{
  g_autofree char *data = NULL;

  assert_int_equal (count_entries (o->dir), 1);
  assert_true (g_file_get_contents (o->secret, &data, NULL, NULL));
  assert_string_equal (data, "[Time]\nNTP=false\n");
  remove_tree (o->dir);
  g_free (o->dir);
  g_free (o->secret);
}

static void
symlinked_var_lib_meridian_is_neither_read_nor_written (void **state)
{
  Fixture *f = *state;
  g_autofree char *var_lib = g_build_filename (f->root, "var", "lib", NULL);
  g_autofree char *meridian = g_build_filename (var_lib, "meridian", NULL);
  g_autoptr(GError) error = NULL;
  MrdState s = { .ntp = TRUE };
  Outside o;

  outside_init (&o);
  assert_int_equal (g_mkdir_with_parents (var_lib, 0755), 0);
  assert_int_equal (symlink (o.dir, meridian), 0);
  mrd_state_set_root (f->root);
  /* Following the link would read NTP=false. */
  assert_false (mrd_state_load (&s, f->path, &error));
  assert_non_null (strstr (error->message, "symbolic link"));
  assert_true (s.ntp);
  g_clear_error (&error);
  s.ntp = TRUE;
  assert_false (mrd_state_save (&s, f->path, &error));
  assert_non_null (strstr (error->message, f->root));
  assert_non_null (strstr (error->message, "symbolic link"));
  mrd_state_set_root (NULL);
  outside_assert_untouched_and_free (&o);
}

static void
symlinked_var_is_refused_too (void **state)
{
  Fixture *f = *state;
  g_autofree char *var = g_build_filename (f->root, "var", NULL);
  g_autoptr(GError) error = NULL;
  MrdState s = { .ntp = TRUE };
  Outside o;

  /* var -> OUTSIDE: the save would otherwise create OUTSIDE/lib/meridian/state. */
  outside_init (&o);
  assert_int_equal (symlink (o.dir, var), 0);
  mrd_state_set_root (f->root);
  assert_false (mrd_state_save (&s, f->path, &error));
  assert_non_null (error);
  mrd_state_set_root (NULL);
  outside_assert_untouched_and_free (&o);
}

static void
a_link_as_the_state_file_is_refused (void **state)
{
  Fixture *f = *state;
  g_autofree char *dir = g_path_get_dirname (f->path);
  g_autoptr(GError) error = NULL;
  MrdState s = { .ntp = TRUE };
  Outside o;

  outside_init (&o);
  assert_int_equal (g_mkdir_with_parents (dir, 0755), 0);
  assert_int_equal (symlink (o.secret, f->path), 0);
  mrd_state_set_root (f->root);
  assert_false (mrd_state_load (&s, f->path, &error));
  assert_true (s.ntp);
  assert_non_null (strstr (error->message, f->path));
  g_clear_error (&error);
  assert_false (mrd_state_save (&s, f->path, &error));
  assert_non_null (strstr (error->message, "symbolic link"));
  /* The link is still there, untouched, and nothing was left beside it. */
  assert_true (g_file_test (f->path, G_FILE_TEST_IS_SYMLINK));
  assert_int_equal (count_entries (dir), 1);
  mrd_state_set_root (NULL);
  outside_assert_untouched_and_free (&o);
}

static void
a_fifo_as_the_state_file_is_refused_without_blocking (void **state)
{
  Fixture *f = *state;
  g_autofree char *dir = g_path_get_dirname (f->path);
  g_autoptr(GError) error = NULL;
  MrdState s = { .ntp = FALSE };

  assert_int_equal (g_mkdir_with_parents (dir, 0755), 0);
  assert_int_equal (mkfifo (f->path, 0644), 0);
  mrd_state_set_root (f->root);
  /* Opening a FIFO for reading would wait for a writer forever. */
  assert_false (mrd_state_load (&s, f->path, &error));
  assert_non_null (strstr (error->message, "not a regular file"));
  mrd_state_set_root (NULL);
}

static void
beneath_the_root_missing_directories_are_made_and_dotdot_cannot_leave (void **state)
{
  Fixture *f = *state;
  g_autofree char *deep = g_build_filename (f->root, "var", "lib", "meridian", "sources",
                                            "meridian-added.sources", NULL);
  g_autofree char *escape = g_strdup_printf ("%s/var/../../escaped", f->root);
  g_autofree char *escaped = g_build_filename (f->root, "..", "escaped", NULL);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;

  mrd_state_set_root (f->root);
  assert_true (mrd_write_file_atomic (deep, "server a\n", 9, 0644, NULL));
  assert_true (mrd_state_read_file (deep, 64, &data, NULL, NULL));
  assert_string_equal (data, "server a\n");
  assert_false (mrd_write_file_atomic (escape, "x", 1, 0644, &error));
  assert_non_null (strstr (error->message, "outside the root"));
  assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
  mrd_state_set_root (NULL);
}

static void
oversized_file_is_refused (void **state)
{
  Fixture *f = *state;
  g_autofree char *path = g_build_filename (f->root, "big", NULL);
  g_autofree char *big = g_malloc0 (4097);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;

  memset (big, 'x', 4096);
  assert_true (g_file_set_contents (path, big, -1, NULL));
  mrd_state_set_root (f->root);
  assert_false (mrd_state_read_file (path, 4095, &data, NULL, &error));
  assert_null (data);
  assert_non_null (strstr (error->message, "too large"));
  mrd_state_set_root (NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (state_path_is_under_root_var_lib_meridian, setup, teardown),
    cmocka_unit_test_setup_teardown (missing_state_file_means_ntp_on, setup, teardown),
    cmocka_unit_test_setup_teardown (state_round_trips_both_values, setup, teardown),
    cmocka_unit_test_setup_teardown (garbled_state_file_is_an_error_and_gives_defaults, setup, teardown),
    cmocka_unit_test_setup_teardown (atomic_write_replaces_content_keeps_mode_and_leaves_no_temp_file, setup, teardown),
    cmocka_unit_test_setup_teardown (atomic_write_refuses_a_symlink_and_leaves_its_target, setup, teardown),
    cmocka_unit_test_setup_teardown (failed_atomic_write_keeps_old_file_and_cleans_up, setup, teardown),
    cmocka_unit_test_setup_teardown (symlinked_var_lib_meridian_is_neither_read_nor_written, setup, teardown),
    cmocka_unit_test_setup_teardown (symlinked_var_is_refused_too, setup, teardown),
    cmocka_unit_test_setup_teardown (a_link_as_the_state_file_is_refused, setup, teardown),
    cmocka_unit_test_setup_teardown (a_fifo_as_the_state_file_is_refused_without_blocking, setup, teardown),
    cmocka_unit_test_setup_teardown (beneath_the_root_missing_directories_are_made_and_dotdot_cannot_leave, setup, teardown),
    cmocka_unit_test_setup_teardown (oversized_file_is_refused, setup, teardown),
  };

  return cmocka_run_group_tests_name ("state", tests, NULL, NULL);
}
