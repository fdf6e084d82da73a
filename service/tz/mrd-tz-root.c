/* mrd-tz-root.c — files beneath a root directory, never following a link out of it; bounded,
 * non-blocking reads of regular files; atomic replacement; start-up removal of temporary files.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1   /* O_PATH */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define HAVE_OPENAT2_H 1
#endif
#endif

#include <glib/gi18n.h>

#include "mrd-tz-root.h"
#include "mrd-tz-error.h"
#include "mrd-tz-root-private.h"

char *
mrd_tz_root_path (const char *root, const char *rel)
{
  if (root == NULL || root[0] == '\0')
    root = "/";
  return g_build_filename (root, rel, NULL);
}

/* -1 unknown, 0 the kernel (or a seccomp filter) has no openat2, 1 it works. */
static int openat2_state = -1;

void
mrd_tz_root_set_openat2_enabled (gboolean enabled)
{
  g_atomic_int_set (&openat2_state, enabled ? -1 : 0);
}

gboolean
mrd_tz_root_openat2_available (void)
{
  return g_atomic_int_get (&openat2_state) != 0;
}

/* "etc/../usr//share/./x" → "usr/share/x"; "" for the directory itself; NULL (errno EXDEV)
 * when ".." would leave it. Since no link is ever followed beneath the root, resolving ".."
 * by text gives the same answer the kernel would. */
static char *
normalize_rel (const char *rel)
{
  g_auto(GStrv) parts = g_strsplit (rel, "/", -1);
  g_autoptr(GPtrArray) out = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        {
          if (out->len == 0)
            {
              errno = EXDEV;
              return NULL;
            }
          g_ptr_array_remove_index (out, out->len - 1);
          continue;
        }
      g_ptr_array_add (out, parts[i]);
    }
  g_ptr_array_add (out, NULL);
  return g_strjoinv ("/", (char **) out->pdata);
}

static int
try_openat2 (int dirfd, const char *rel, int flags, mode_t mode)
{
#if defined(HAVE_OPENAT2_H) && defined(SYS_openat2)
  struct open_how how;
  long fd;

  if (g_atomic_int_get (&openat2_state) == 0)
    {
      errno = ENOSYS;
      return -1;
    }
  memset (&how, 0, sizeof how);
  how.flags = (guint64) (flags | O_CLOEXEC | O_NOFOLLOW);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
  fd = syscall (SYS_openat2, dirfd, rel[0] != '\0' ? rel : ".", &how, sizeof how);
  if (fd < 0 && errno == ENOSYS)
    {
      g_atomic_int_set (&openat2_state, 0);
      errno = ENOSYS;
      return -1;
    }
  if (fd >= 0)
    g_atomic_int_set (&openat2_state, 1);
  return (int) fd;
#else
  (void) dirfd; (void) rel; (void) flags; (void) mode;
  errno = ENOSYS;
  return -1;
#endif
}

/* The same without openat2: one component at a time, each opened O_PATH | O_NOFOLLOW and
 * checked to be a directory before the next is looked up in it. */
static int
walk_beneath (int dirfd, const char *norm, int flags, mode_t mode)
{
  g_auto(GStrv) parts = NULL;
  guint n;
  int fd, next, err;

  if (norm[0] == '\0')
    return openat (dirfd, ".", flags | O_CLOEXEC, mode);
  parts = g_strsplit (norm, "/", -1);
  n = g_strv_length (parts);
  fd = dup (dirfd);
  if (fd < 0)
    return -1;
  for (guint i = 0; i + 1 < n; i++)
    {
      struct stat st;

      next = openat (fd, parts[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
      err = errno;
      close (fd);
      if (next < 0)
        {
          errno = err;
          return -1;
        }
      if (fstat (next, &st) < 0)
        {
          err = errno;
          close (next);
          errno = err;
          return -1;
        }
      if (!S_ISDIR (st.st_mode))
        {
          err = S_ISLNK (st.st_mode) ? ELOOP : ENOTDIR;
          close (next);
          errno = err;
          return -1;
        }
      fd = next;
    }
  next = openat (fd, parts[n - 1], flags | O_NOFOLLOW | O_CLOEXEC, mode);
  err = errno;
  close (fd);
  errno = err;
  return next;
}

int
mrd_tz_openat_beneath (int dirfd, const char *rel, int flags, mode_t mode)
{
  g_autofree char *norm = normalize_rel (rel);
  int fd;

  if (norm == NULL)
    return -1;
  fd = try_openat2 (dirfd, norm, flags, mode);
  if (fd >= 0 || errno != ENOSYS)
    return fd;
  return walk_beneath (dirfd, norm, flags, mode);
}

int
mrd_tz_root_open_fd (const char *root)
{
  /* The root itself is the administrator's choice: links in it are followed. */
  if (root == NULL || root[0] == '\0')
    root = "/";
  return open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* A directory beneath @dirfd: ELOOP when @rel (or a component on the way) is a link, ENOTDIR
 * when it is something else (O_DIRECTORY | O_NOFOLLOW alone says ENOTDIR for a link, which
 * would read as "missing"). */
static int
open_dir_checked (int dirfd, const char *rel)
{
  struct stat st;
  int pfd = mrd_tz_openat_beneath (dirfd, rel, O_PATH, 0);
  int fd, err;

  if (pfd < 0)
    return -1;
  if (fstat (pfd, &st) < 0)
    {
      err = errno;
      close (pfd);
      errno = err;
      return -1;
    }
  if (!S_ISDIR (st.st_mode))
    {
      close (pfd);
      errno = S_ISLNK (st.st_mode) ? ELOOP : ENOTDIR;
      return -1;
    }
  fd = openat (pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  err = errno;
  close (pfd);
  errno = err;
  return fd;
}

int
mrd_tz_open_dir_beneath (int dirfd, const char *rel, gboolean create)
{
  g_autofree char *norm = NULL;
  g_auto(GStrv) parts = NULL;
  int fd, next, err;

  if (!create)
    return open_dir_checked (dirfd, rel);

  /* mkdirat(2) never follows a link in its last component (EEXIST), and each component is
   * opened O_NOFOLLOW before the next is made in it. */
  norm = normalize_rel (rel);
  if (norm == NULL)
    return -1;
  fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || norm[0] == '\0')
    return fd;
  parts = g_strsplit (norm, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (mkdirat (fd, parts[i], 0755) < 0 && errno != EEXIST)
        {
          err = errno;
          close (fd);
          errno = err;
          return -1;
        }
      next = open_dir_checked (fd, parts[i]);
      err = errno;
      close (fd);
      if (next < 0)
        {
          errno = err;
          return -1;
        }
      fd = next;
    }
  return fd;
}

static int
read_fd_bounded (int fd, gsize max, char **out, gsize *out_len)
{
  gsize cap = 4096, len = 0;
  char *buf = g_malloc (cap + 1);

  for (;;)
    {
      gssize n;

      if (len == cap)
        {
          if (cap > max)
            {
              g_free (buf);
              return EFBIG;
            }
          cap = MIN (cap * 2, max + 1);
          buf = g_realloc (buf, cap + 1);
        }
      n = read (fd, buf + len, cap - len);
      if (n < 0)
        {
          int err = errno;
          if (err == EINTR)
            continue;
          g_free (buf);
          return err;
        }
      if (n == 0)
        break;
      len += (gsize) n;
      if (len > max)
        {
          g_free (buf);
          return EFBIG;
        }
    }
  buf[len] = '\0';
  *out = buf;
  if (out_len != NULL)
    *out_len = len;
  return 0;
}

int
mrd_tz_read_beneath (int dirfd, const char *rel, gsize max, char **out, gsize *out_len)
{
  struct stat st, st2;
  int fd, err;

  *out = NULL;
  /* Look before opening: opening a FIFO or a device has effects of its own (a FIFO opened
   * for reading blocks until a writer comes). O_PATH opens nothing. */
  fd = mrd_tz_openat_beneath (dirfd, rel, O_PATH, 0);
  if (fd < 0)
    return errno;
  if (fstat (fd, &st) < 0)
    {
      err = errno;
      close (fd);
      return err;
    }
  close (fd);
  if (S_ISLNK (st.st_mode))
    return ELOOP;
  if (!S_ISREG (st.st_mode))
    return EINVAL;
  if ((guint64) st.st_size > max)
    return EFBIG;
  /* O_NONBLOCK: should a FIFO be swapped in between, opening and reading it cannot block. */
  fd = mrd_tz_openat_beneath (dirfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
  if (fd < 0)
    return errno;
  if (fstat (fd, &st2) < 0 || !S_ISREG (st2.st_mode) || st2.st_dev != st.st_dev ||
      st2.st_ino != st.st_ino)
    {
      close (fd);
      return EINVAL;
    }
  err = read_fd_bounded (fd, max, out, out_len);
  close (fd);
  return err;
}

int
mrd_tz_read_regular_path (const char *path, gsize max, char **out, gsize *out_len)
{
  struct stat st, st2;
  int fd, err;

  *out = NULL;
  if (stat (path, &st) < 0)
    return errno;
  if (!S_ISREG (st.st_mode))
    return EINVAL;
  if ((guint64) st.st_size > max)
    return EFBIG;
  fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return errno;
  if (fstat (fd, &st2) < 0 || !S_ISREG (st2.st_mode) || st2.st_ino != st.st_ino ||
      st2.st_dev != st.st_dev)
    {
      close (fd);
      return EINVAL;
    }
  err = read_fd_bounded (fd, max, out, out_len);
  close (fd);
  return err;
}

const char *
mrd_tz_read_strerror (int err)
{
  switch (err)
    {
    case ELOOP:
      return _("it is a symbolic link, or lies under one; links beneath the root are not "
               "followed");
    case EXDEV:
      return _("it leads outside the root directory");
    case EINVAL:
      return _("not a regular file");
    case EFBIG:
      return _("the file is too large");
    default:
      return g_strerror (err);
    }
}

gboolean
mrd_tz_read_is_missing (int err)
{
  return err == ENOENT || err == ENOTDIR;
}

static char *
shown_path (const char *root, const char *rel)
{
  return mrd_tz_root_path (root, rel);
}

gboolean
mrd_tz_root_read_file (const char *root, const char *rel, gsize max, char **out_data,
                       gsize *out_len, GError **error)
{
  int rootfd, err;

  g_return_val_if_fail (rel != NULL && out_data != NULL, FALSE);

  *out_data = NULL;
  rootfd = mrd_tz_root_open_fd (root);
  if (rootfd < 0)
    err = errno;
  else
    {
      err = mrd_tz_read_beneath (rootfd, rel, max, out_data, out_len);
      close (rootfd);
    }
  if (err == 0 || (rootfd >= 0 && mrd_tz_read_is_missing (err)))
    return TRUE;
  {
    g_autofree char *shown = shown_path (root, rel);
    g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, _("Cannot read %s: %s"), shown,
                 mrd_tz_read_strerror (err));
  }
  return FALSE;
}

static void
random_suffix (char *buf, gsize n)
{
  static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (gsize i = 0; i < n; i++)
    buf[i] = chars[g_random_int_range (0, (gint32) (sizeof chars - 1))];
  buf[n] = '\0';
}

static char *
temp_name (const char *base)
{
  char suffix[7];
  random_suffix (suffix, 6);
  return g_strdup_printf (".#%s.%s", base, suffix);
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

#define errno_error(error, err, format, path) \
  (g_set_error ((error), MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, (format), (path), \
                mrd_tz_read_strerror (err)), FALSE)

gboolean
mrd_tz_check_replaceable_at (int dirfd, const char *base, const char *shown, gboolean *exists,
                             mode_t *mode, GError **error)
{
  struct stat st;

  if (fstatat (dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno != ENOENT)
        return errno_error (error, errno, _("Cannot read %s: %s"), shown);
      if (exists != NULL)
        *exists = FALSE;
      return TRUE;
    }
  if (S_ISLNK (st.st_mode))
    return errno_error (error, ELOOP, _("Not replacing %s: %s"), shown);
  if (!S_ISREG (st.st_mode))
    return errno_error (error, EINVAL, _("Not replacing %s: %s"), shown);
  if (exists != NULL)
    *exists = TRUE;
  /* The file's own permission bits, never set-id or sticky bits. */
  if (mode != NULL)
    *mode = st.st_mode & 0777;
  return TRUE;
}

char *
mrd_tz_stage_at (int dirfd, const char *base, const char *shown, const char *data, gsize len,
                 mode_t mode, gboolean sync, GError **error)
{
  g_autofree char *tmp = NULL;
  int fd = -1, err;

  if (!mrd_tz_check_replaceable_at (dirfd, base, shown, NULL, &mode, error))
    return NULL;
  for (int attempt = 0; attempt < 100 && fd < 0; attempt++)
    {
      g_free (tmp);
      tmp = temp_name (base);
      fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0 && errno != EEXIST)
        break;
    }
  if (fd < 0)
    {
      (void) errno_error (error, errno, _("Cannot create a temporary file next to %s: %s"),
                          shown);
      return NULL;
    }
  if (!write_all (fd, data, len) || fchmod (fd, mode & 0777) < 0 || (sync && fsync (fd) < 0))
    {
      err = errno;
      close (fd);
      unlinkat (dirfd, tmp, 0);
      (void) errno_error (error, err, _("Cannot write %s: %s"), shown);
      return NULL;
    }
  if (close (fd) < 0)
    {
      err = errno;
      unlinkat (dirfd, tmp, 0);
      (void) errno_error (error, err, _("Cannot write %s: %s"), shown);
      return NULL;
    }
  return g_steal_pointer (&tmp);
}

char *
mrd_tz_stage_symlink_at (int dirfd, const char *base, const char *shown, const char *target,
                         GError **error)
{
  for (int attempt = 0; attempt < 100; attempt++)
    {
      char *tmp = temp_name (base);
      if (symlinkat (target, dirfd, tmp) == 0)
        return tmp;
      g_free (tmp);
      if (errno != EEXIST)
        break;
    }
  (void) errno_error (error, errno, _("Cannot create a symbolic link next to %s: %s"), shown);
  return NULL;
}

gboolean
mrd_tz_commit_at (int dirfd, const char *tmp, const char *base, const char *shown,
                  GError **error)
{
  if (renameat (dirfd, tmp, dirfd, base) < 0)
    {
      int err = errno;
      unlinkat (dirfd, tmp, 0);
      return errno_error (error, err, _("Cannot replace %s: %s"), shown);
    }
  return TRUE;
}

gboolean
mrd_tz_fsync_fd (int fd, const char *shown, GError **error)
{
  if (fsync (fd) < 0)
    return errno_error (error, errno, _("Cannot sync %s to disk: %s"), shown);
  return TRUE;
}

gboolean
mrd_tz_root_write_file (const char *root, const char *rel, const char *data, gsize len,
                        mode_t mode, gboolean sync, GError **error)
{
  g_autofree char *shown = shown_path (root, rel);
  g_autofree char *norm = normalize_rel (rel);
  g_autofree char *dir = NULL, *base = NULL, *tmp = NULL;
  int rootfd, dirfd;
  gboolean ok;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (norm == NULL || norm[0] == '\0')
    return errno_error (error, norm == NULL ? EXDEV : EISDIR, _("Cannot write %s: %s"), shown);
  dir = g_path_get_dirname (norm);
  base = g_path_get_basename (norm);
  rootfd = mrd_tz_root_open_fd (root);
  if (rootfd < 0)
    return errno_error (error, errno, _("Cannot open the root directory for %s: %s"), shown);
  dirfd = mrd_tz_open_dir_beneath (rootfd, strcmp (dir, ".") == 0 ? "" : dir, TRUE);
  close (rootfd);
  if (dirfd < 0)
    return errno_error (error, errno, _("Cannot create the directory of %s: %s"), shown);
  tmp = mrd_tz_stage_at (dirfd, base, shown, data, len, mode, sync, error);
  ok = tmp != NULL && mrd_tz_commit_at (dirfd, tmp, base, shown, error) &&
       (!sync || mrd_tz_fsync_fd (dirfd, shown, error));
  close (dirfd);
  return ok;
}

gboolean
mrd_tz_root_list_dir (const char *root, const char *rel, GPtrArray **out_names, GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  int rootfd, dirfd, err;
  DIR *dir;
  struct dirent *de;

  *out_names = NULL;
  rootfd = mrd_tz_root_open_fd (root);
  if (rootfd < 0)
    {
      g_autofree char *shown = shown_path (root, "");
      return errno_error (error, errno, _("Cannot open %s: %s"), shown);
    }
  dirfd = mrd_tz_open_dir_beneath (rootfd, rel, FALSE);
  err = errno;
  close (rootfd);
  if (dirfd < 0)
    {
      g_autofree char *shown = shown_path (root, rel);

      if (mrd_tz_read_is_missing (err))
        {
          *out_names = g_steal_pointer (&names);
          return TRUE;
        }
      return errno_error (error, err, _("Cannot read the directory %s: %s"), shown);
    }
  dir = fdopendir (dirfd);
  if (dir == NULL)
    {
      g_autofree char *shown = shown_path (root, rel);
      err = errno;
      close (dirfd);
      return errno_error (error, err, _("Cannot read the directory %s: %s"), shown);
    }
  while ((de = readdir (dir)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      g_ptr_array_add (names, g_strdup (de->d_name));
  closedir (dir);
  *out_names = g_steal_pointer (&names);
  return TRUE;
}

/* ---- start-up clean-up ---- */

static const char *const temp_dirs[] = { "etc", "etc/sysconfig", "var/lib/meridian",
                                         "var/lib/meridian/sources" };
static const char *const temp_bases[] = { "localtime", "timezone", "adjtime", "clock", "state",
                                          "drift", "meridian-added.sources", "virtual-rtc" };

/* Whether @name is ".#@base.XXXXXX": 6 to 8 letters or digits after the base. */
static gboolean
is_temp_name_of (const char *name, const char *base)
{
  gsize bl = strlen (base), n;
  const char *p;

  if (!g_str_has_prefix (name, ".#") || strncmp (name + 2, base, bl) != 0 || name[2 + bl] != '.')
    return FALSE;
  p = name + 3 + bl;
  n = strlen (p);
  if (n < 6 || n > 8)
    return FALSE;
  for (gsize k = 0; k < n; k++)
    if (!g_ascii_isalnum (p[k]))
      return FALSE;
  return TRUE;
}

/* ".#BASE.XXXXXX": the names mrd_tz_stage_at() and g_mkstemp() make (6 letters or digits),
 * and the 8 hex digits older versions used for the staged /etc/localtime link. */
gboolean
mrd_tz_is_temp_name (const char *name, gboolean *is_localtime)
{
  for (gsize i = 0; i < G_N_ELEMENTS (temp_bases); i++)
    if (is_temp_name_of (name, temp_bases[i]))
      {
        if (is_localtime != NULL)
          *is_localtime = i == 0;
        return TRUE;
      }
  return FALSE;
}

/* Remove the temporary files in ROOT/@rel_dir: those of @base only, or (@base NULL) of every
 * file in temp_bases. The directory is opened beneath the root (no link on the way or as
 * @rel_dir itself); only regular files are unlinked, plus staged /etc/localtime links. */
static void
clean_dir (int rootfd, const char *root, const char *rel_dir, const char *base, guint *removed)
{
  g_autofree char *shown_dir = mrd_tz_root_path (root, rel_dir);
  int dirfd = mrd_tz_open_dir_beneath (rootfd, rel_dir, FALSE);
  guint here = 0;
  int listfd;
  DIR *dir;
  struct dirent *de;

  if (dirfd < 0)
    {
      if (errno != ENOENT && errno != ENOTDIR)
        g_warning ("Not looking for temporary files in %s: %s", shown_dir,
                   mrd_tz_read_strerror (errno));
      return;
    }
  listfd = dup (dirfd);
  dir = listfd >= 0 ? fdopendir (listfd) : NULL;
  if (dir == NULL)
    {
      if (listfd >= 0)
        close (listfd);
      close (dirfd);
      return;
    }
  while ((de = readdir (dir)) != NULL)
    {
      gboolean is_localtime = FALSE;
      struct stat st;

      if (base != NULL ? !is_temp_name_of (de->d_name, base)
                       : !mrd_tz_is_temp_name (de->d_name, &is_localtime))
        continue;
      if (fstatat (dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (!S_ISREG (st.st_mode) && !(is_localtime && S_ISLNK (st.st_mode)))
        continue;
      if (unlinkat (dirfd, de->d_name, 0) == 0)
        {
          g_info ("Removed %s/%s, left by an interrupted write", shown_dir, de->d_name);
          here++;
        }
      else
        g_warning ("Cannot remove %s/%s: %s", shown_dir, de->d_name, g_strerror (errno));
    }
  closedir (dir);
  if (here > 0)
    (void) fsync (dirfd);
  close (dirfd);
  *removed += here;
}

gboolean
mrd_tz_root_clean_temp_files (const char *root, guint *out_removed, GError **error)
{
  guint removed = 0;
  int rootfd = mrd_tz_root_open_fd (root);

  if (rootfd < 0)
    {
      g_autofree char *shown = mrd_tz_root_path (root, "/");
      return errno_error (error, errno, _("Cannot open %s: %s"), shown);
    }
  for (gsize d = 0; d < G_N_ELEMENTS (temp_dirs); d++)
    clean_dir (rootfd, root, temp_dirs[d], NULL, &removed);
  close (rootfd);
  if (out_removed != NULL)
    *out_removed = removed;
  return TRUE;
}

gboolean
mrd_tz_root_clean_temp_files_of (const char *root, const char *rel, guint *out_removed,
                                 GError **error)
{
  g_autofree char *rel_dir = g_path_get_dirname (rel);
  g_autofree char *base = g_path_get_basename (rel);
  guint removed = 0;
  int rootfd;

  if (out_removed != NULL)
    *out_removed = 0;
  /* Only a file's own name: "." or "/" would make every ".#." name a match. */
  if (base[0] == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0 ||
      strcmp (base, "/") == 0)
    return TRUE;
  rootfd = mrd_tz_root_open_fd (root);
  if (rootfd < 0)
    {
      g_autofree char *shown = mrd_tz_root_path (root, "/");
      return errno_error (error, errno, _("Cannot open %s: %s"), shown);
    }
  clean_dir (rootfd, root, rel_dir, base, &removed);
  close (rootfd);
  if (out_removed != NULL)
    *out_removed = removed;
  return TRUE;
}
