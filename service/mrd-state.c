/* mrd-state.c — see mrd-state.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-state.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#define STATE_GROUP "Time"
#define STATE_KEY_NTP "NTP"

char *
mrd_state_path_for_root (const char *root)
{
  return g_build_filename (root, "var", "lib", "meridian", "state", NULL);
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
  gboolean ntp;

  mrd_state_init_defaults (state);
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
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
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = NULL;
  gsize len = 0;

  if (g_mkdir_with_parents (dir, 0755) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), _("Cannot create %s: %s"),
                   dir, g_strerror (errsv));
      return FALSE;
    }
  g_key_file_set_comment (kf, NULL, NULL, " Written by meridiand; settings changed over D-Bus.",
                          NULL);
  g_key_file_set_boolean (kf, STATE_GROUP, STATE_KEY_NTP, state->ntp);
  data = g_key_file_to_data (kf, &len, NULL);
  return mrd_write_file_atomic (path, data, len, 0644, error);
}

#define FAIL_ERRNO(error, errsv, fmt, path) \
  (g_set_error ((error), G_IO_ERROR, g_io_error_from_errno (errsv), fmt, (path), \
                g_strerror (errsv)), FALSE)

gboolean
mrd_write_file_atomic (const char *path, const char *data, gsize len, int mode, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.#%s.XXXXXX", dir, base);
  gsize done = 0;
  int fd, dfd;

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0)
    {
      int errsv = errno;
      return FAIL_ERRNO (error, errsv, _("Cannot create a temporary file next to %s: %s"), path);
    }
  /* g_mkstemp_full() applies the umask-free mode only on creation; make it exact. */
  if (fchmod (fd, mode) < 0)
    goto fail;
  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          goto fail;
        }
      done += (gsize) n;
    }
  if (fsync (fd) < 0)
    goto fail;
  if (close (fd) < 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;
  if (rename (tmp, path) < 0)
    goto fail;

  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    {
      (void) fsync (dfd);
      close (dfd);
    }
  return TRUE;

fail:
  {
    int errsv = errno;
    if (fd >= 0)
      close (fd);
    (void) g_unlink (tmp);
    return FAIL_ERRNO (error, errsv, _("Cannot write %s: %s"), path);
  }
}
