/* mrd-state.c — see mrd-state.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-state.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include "net/mrd-io-error.h"

#include "mrd-tz-root.h"

#define STATE_GROUP "Time"
#define STATE_KEY_NTP "NTP"

/* Set once at start-up, before the main loop and its threads (mrd_state_set_root()). */
static char *files_root;

char *
mrd_state_path_for_root (const char *root)
{
  return g_build_filename (root, "var", "lib", "meridian", "state", NULL);
}

void
mrd_state_set_root (const char *root)
{
  g_free (files_root);
  files_root = root != NULL ? g_canonicalize_filename (root, "/") : NULL;
}

/* Which directory to resolve @path beneath, and the rest: the root when @path lies under it,
 * else @path's own directory (trusted, as the administrator named it). */
static void
split_path (const char *path, char **dir_out, char **rel_out)
{
  g_autofree char *abs = g_path_is_absolute (path) ? g_strdup (path)
                                                   : g_canonicalize_filename (path, NULL);

  if (files_root != NULL)
    {
      gsize n = strlen (files_root);

      if (strcmp (files_root, "/") == 0)
        {
          *dir_out = g_strdup ("/");
          *rel_out = g_strdup (abs + 1);
          return;
        }
      /* Textually under the root; ".." in the rest is resolved beneath it and may not leave
       * it (mrd-tz-root.c refuses that). */
      if (strncmp (abs, files_root, n) == 0 && abs[n] == '/')
        {
          *dir_out = g_strdup (files_root);
          *rel_out = g_strdup (abs + n + 1);
          return;
        }
    }
  *dir_out = g_path_get_dirname (abs);
  *rel_out = g_path_get_basename (abs);
}

gboolean
mrd_state_read_file (const char *path, gsize max, char **out, gsize *out_len, GError **error)
{
  g_autofree char *dir = NULL, *rel = NULL;

  split_path (path, &dir, &rel);
  /* A trusted directory that is missing holds no file (beneath the root, mrd-tz-root.c says
   * so itself). */
  if ((files_root == NULL || strcmp (dir, files_root) != 0) &&
      !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      *out = NULL;
      return TRUE;
    }
  return mrd_tz_root_read_file (dir, rel, max, out, out_len, error);
}

gboolean
mrd_write_file_atomic (const char *path, const char *data, gsize len, int mode, GError **error)
{
  g_autofree char *dir = NULL, *rel = NULL;

  split_path (path, &dir, &rel);
  /* Outside the root (no root set: tests, a --config elsewhere) the directory is trusted
   * and made as named, links and all. */
  if (files_root == NULL || strcmp (dir, files_root) != 0)
    if (g_mkdir_with_parents (dir, 0755) < 0)
      {
        int errsv = errno;

        g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (errsv),
                     _("Cannot create %s: %s"), dir, g_strerror (errsv));
        return FALSE;
      }
  return mrd_tz_root_write_file (dir, rel, data, len, (mode_t) mode, TRUE, error);
}

guint
mrd_state_clean_temp_files_of (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *rel = NULL;
  guint removed = 0;

  split_path (path, &dir, &rel);
  if ((files_root == NULL || strcmp (dir, files_root) != 0) &&
      !g_file_test (dir, G_FILE_TEST_IS_DIR))
    return 0;
  if (!mrd_tz_root_clean_temp_files_of (dir, rel, &removed, &error))
    g_warning ("Cannot clean leftover temporary files of %s: %s", path, error->message);
  return removed;
}

void
mrd_state_init_defaults (MrdState *state)
{
  state->ntp = TRUE;
}

gboolean
mrd_state_load (MrdState *state, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  gboolean ntp;

  mrd_state_init_defaults (state);
  if (!mrd_state_read_file (path, MRD_STATE_READ_MAX, &data, &len, error))
    return FALSE;
  if (data == NULL)
    return TRUE;
  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code, _("Cannot read %s: %s"), path,
                   local_error->message);
      return FALSE;
    }
  ntp = g_key_file_get_boolean (kf, STATE_GROUP, STATE_KEY_NTP, &local_error);
  if (local_error != NULL)
    {
      if (g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND) ||
          g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
        return TRUE;
      g_set_error (error, local_error->domain, local_error->code, _("Bad value in %s: %s"), path,
                   local_error->message);
      return FALSE;
    }
  state->ntp = ntp;
  return TRUE;
}

gboolean
mrd_state_save (const MrdState *state, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *data = NULL;
  gsize len = 0;

  g_key_file_set_comment (kf, NULL, NULL, " Written by meridiand; settings changed over D-Bus.",
                          NULL);
  g_key_file_set_boolean (kf, STATE_GROUP, STATE_KEY_NTP, state->ntp);
  data = g_key_file_to_data (kf, &len, NULL);
  return mrd_write_file_atomic (path, data, len, 0644, error);
}
