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
atomic_write_replaces_content_and_mode_and_leaves_no_temp_file (void **state)
{
  Fixture *f = *state;
  g_autofree char *path = g_build_filename (f->root, "file", NULL);
  g_autofree char *data = NULL;
  struct stat st;

  assert_true (g_file_set_contents (path, "old contents that are longer\n", -1, NULL));
  assert_true (mrd_write_file_atomic (path, "new\n", 4, 0640, NULL));
  assert_true (g_file_get_contents (path, &data, NULL, NULL));
  assert_string_equal (data, "new\n");
  assert_int_equal (g_stat (path, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0640);
  /* Only "file" is left in the root: the temporary was renamed, not copied. */
  assert_int_equal (count_entries (f->root), 1);
}

static void
atomic_write_replaces_a_symlink_instead_of_following_it (void **state)
{
  Fixture *f = *state;
  g_autofree char *target = g_build_filename (f->root, "target", NULL);
  g_autofree char *link = g_build_filename (f->root, "link", NULL);
  g_autofree char *data = NULL;

  assert_true (g_file_set_contents (target, "target\n", -1, NULL));
  assert_int_equal (symlink ("target", link), 0);
  assert_true (mrd_write_file_atomic (link, "mine\n", 5, 0644, NULL));
  assert_false (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  assert_true (g_file_get_contents (target, &data, NULL, NULL));
  assert_string_equal (data, "target\n");
}

static void
failed_atomic_write_keeps_old_file_and_cleans_up (void **state)
{
  Fixture *f = *state;
  g_autofree char *path = g_build_filename (f->root, "adir", NULL);
  g_autofree char *inside = g_build_filename (path, "keep", NULL);
  g_autoptr(GError) error = NULL;

  /* rename(2) cannot replace a non-empty directory with a file: the write must fail,
   * leave the directory as it was and remove its temporary file. */
  assert_int_equal (g_mkdir (path, 0755), 0);
  assert_true (g_file_set_contents (inside, "x", -1, NULL));
  assert_false (mrd_write_file_atomic (path, "data", 4, 0644, &error));
  assert_non_null (error);
  assert_true (g_file_test (inside, G_FILE_TEST_IS_REGULAR));
  assert_int_equal (count_entries (f->root), 1);
}

static void
atomic_write_into_missing_directory_fails_cleanly (void **state)
{
  Fixture *f = *state;
  g_autofree char *path = g_build_filename (f->root, "no", "such", "file", NULL);
  g_autoptr(GError) error = NULL;

  assert_false (mrd_write_file_atomic (path, "data", 4, 0644, &error));
  assert_non_null (error);
  assert_int_equal (count_entries (f->root), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (state_path_is_under_root_var_lib_meridian, setup, teardown),
    cmocka_unit_test_setup_teardown (missing_state_file_means_ntp_on, setup, teardown),
    cmocka_unit_test_setup_teardown (state_round_trips_both_values, setup, teardown),
    cmocka_unit_test_setup_teardown (garbled_state_file_is_an_error_and_gives_defaults, setup, teardown),
    cmocka_unit_test_setup_teardown (atomic_write_replaces_content_and_mode_and_leaves_no_temp_file, setup, teardown),
    cmocka_unit_test_setup_teardown (atomic_write_replaces_a_symlink_instead_of_following_it, setup, teardown),
    cmocka_unit_test_setup_teardown (failed_atomic_write_keeps_old_file_and_cleans_up, setup, teardown),
    cmocka_unit_test_setup_teardown (atomic_write_into_missing_directory_fails_cleanly, setup, teardown),
  };

  return cmocka_run_group_tests_name ("state", tests, NULL, NULL);
}
