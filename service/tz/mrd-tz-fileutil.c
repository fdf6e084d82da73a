/* mrd-tz-fileutil.c — root-relative paths and atomic replacement of small files.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "mrd-tz-private.h"

char *
mrd_tz_root_path (const char *root, const char *abs_path)
{
  if (root == NULL || root[0] == '\0')
    root = "/";
  return g_build_filename (root, abs_path, NULL);
}

gboolean
mrd_tz_fsync_path (const char *path, gboolean directory, GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : O_NOFOLLOW));
  int err;

  if (fd < 0)
    {
      err = errno;
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, _("Cannot open %s: %s"), path,
                   g_strerror (err));
      return FALSE;
    }
  if (fsync (fd) < 0)
    {
      err = errno;
      close (fd);
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, _("Cannot sync %s to disk: %s"),
                   path, g_strerror (err));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

gboolean
mrd_tz_fsync_parent (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  /* rename(2) is atomic but only durable once the directory is on disk (fsync(2)). */
  return mrd_tz_fsync_path (dir, TRUE, error);
}

static gboolean
write_all (int fd, const char *buf, gsize len)
{
  while (len > 0)
    {
      gssize n = write (fd, buf, len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      buf += n;
      len -= (gsize) n;
    }
  return TRUE;
}

char *
mrd_tz_stage_file (const char *path, const char *contents, gsize len, mode_t mode,
                   gboolean sync, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.#%s.XXXXXX", dir, base);
  struct stat st;
  int fd, err;

  /* Keep the mode of the file being replaced. */
  if (stat (path, &st) == 0)
    mode = st.st_mode & 07777;

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      err = errno;
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED,
                   _("Cannot create a temporary file next to %s: %s"), path, g_strerror (err));
      return NULL;
    }
  if (!write_all (fd, contents, len) || fchmod (fd, mode) < 0 || (sync && fsync (fd) < 0))
    {
      err = errno;
      close (fd);
      g_unlink (tmp);
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, _("Cannot write %s: %s"), tmp,
                   g_strerror (err));
      return NULL;
    }
  if (close (fd) < 0)
    {
      err = errno;
      g_unlink (tmp);
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, _("Cannot write %s: %s"), tmp,
                   g_strerror (err));
      return NULL;
    }
  return g_steal_pointer (&tmp);
}

gboolean
mrd_tz_commit_file (const char *tmp, const char *path, GError **error)
{
  if (rename (tmp, path) < 0)
    {
      int err = errno;
      g_unlink (tmp);
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, _("Cannot replace %s: %s"), path,
                   g_strerror (err));
      return FALSE;
    }
  return TRUE;
}

gboolean
mrd_tz_write_file_atomic (const char *path, const char *contents, gsize len, mode_t mode,
                          GError **error)
{
  g_autofree char *tmp = mrd_tz_stage_file (path, contents, len, mode, TRUE, error);

  if (tmp == NULL || !mrd_tz_commit_file (tmp, path, error))
    return FALSE;
  return mrd_tz_fsync_parent (path, error);
}
