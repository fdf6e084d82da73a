/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the tz unit tests (header-only). */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

/* A fresh temporary root with an etc/ directory; remove with tz_test_rm_rf(). */
static inline char *
tz_test_make_root (void)
{
  g_autoptr(GError) error = NULL;
  char *root = g_dir_make_tmp ("mrd-tz-test-XXXXXX", &error);
  g_autofree char *etc = NULL;

  assert_non_null (root);
  etc = g_build_filename (root, "etc", NULL);
  assert_int_equal (g_mkdir (etc, 0755), 0);
  return root;
}

/* ROOT/REL for use in an expression: owned by a ring of 16 (no free needed, no leak). */
static inline const char *
tz_test_path (const char *root, const char *rel)
{
  static char *ring[16];
  static unsigned next;
  unsigned i = next++ % 16;
  g_free (ring[i]);
  ring[i] = g_build_filename (root, rel, NULL);
  return ring[i];
}

static inline void
tz_test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK) || !g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      tz_test_rm_rf (child);
    }
  g_rmdir (path);
}

static inline void
tz_test_write (const char *root, const char *rel, const char *contents)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  assert_true (g_file_set_contents (path, contents, -1, NULL));
}

static inline char *
tz_test_read (const char *root, const char *rel)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  char *contents = NULL;
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

static inline int
tz_test_strcmp_p (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Names of all entries of a directory, sorted, joined by ',' (to see stray temp files). */
static inline char *
tz_test_list_dir (const char *root, const char *rel)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, tz_test_strcmp_p);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (",", (char **) names->pdata);
}
