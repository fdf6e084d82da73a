/* mrd-tz-root-private.h — the file primitives of mrd-tz-root.c shared inside service/tz (and
 * with its tests); not part of the API. Separate from mrd-tz-private.h so that mrd-tz-root.c
 * and mrd-tzif.c need nothing of the tables.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <sys/types.h>
#include <glib.h>
#include "mrd-tz-root.h"

G_BEGIN_DECLS

/* ROOT + "/" + @rel, for messages (root NULL or "" → "/"). Never open it: use the *_beneath
 * functions, which do not follow links. */
char    *mrd_tz_root_path         (const char *root, const char *rel);

/* Files beneath a directory (mrd-tz-root.c). Functions returning int give -1 with errno set,
 * or an errno value (0 = success) where they say so. */
int      mrd_tz_root_open_fd      (const char *root);
/* Open @rel beneath @dirfd without following any symbolic link (O_NOFOLLOW and O_CLOEXEC are
 * added to @flags): ELOOP for a link on the way, EXDEV for ".." leaving @dirfd. */
int      mrd_tz_openat_beneath    (int dirfd, const char *rel, int flags, mode_t mode);
/* The directory @rel beneath @dirfd ("" = @dirfd itself), made (0755) if @create. */
int      mrd_tz_open_dir_beneath  (int dirfd, const char *rel, gboolean create);
/* Read a regular file beneath @dirfd, at most @max bytes, without blocking. Returns 0 or an
 * errno: ENOENT/ENOTDIR missing, ELOOP a link, EXDEV outside, EINVAL not a regular file,
 * EFBIG larger than @max. *@out is NUL-terminated. */
int      mrd_tz_read_beneath      (int dirfd, const char *rel, gsize max, char **out,
                                   gsize *out_len);
/* The same for a trusted absolute path (the zoneinfo directory): links are followed. */
int      mrd_tz_read_regular_path (const char *path, gsize max, char **out, gsize *out_len);
gboolean mrd_tz_read_is_missing   (int err);
/* A sentence for those errno values. */
const char *mrd_tz_read_strerror  (int err);

/* Replacing @base in @dirfd (@shown names it in messages): refused for a link or a
 * non-regular file; *@exists and *@mode (its permission bits, 0777 only) when it is there. */
gboolean mrd_tz_check_replaceable_at (int dirfd, const char *base, const char *shown,
                                      gboolean *exists, mode_t *mode, GError **error);
/* A temporary ".#BASE.XXXXXX" in @dirfd with @data (fsync'd if @sync), mode that of the file
 * being replaced else @mode; returns its name. */
char    *mrd_tz_stage_at          (int dirfd, const char *base, const char *shown,
                                   const char *data, gsize len, mode_t mode, gboolean sync,
                                   GError **error);
/* A temporary symbolic link ".#BASE.XXXXXX" → @target in @dirfd; returns its name. */
char    *mrd_tz_stage_symlink_at  (int dirfd, const char *base, const char *shown,
                                   const char *target, GError **error);
/* renameat(2) @tmp over @base (removing @tmp on failure). */
gboolean mrd_tz_commit_at         (int dirfd, const char *tmp, const char *base,
                                   const char *shown, GError **error);
gboolean mrd_tz_fsync_fd          (int fd, const char *shown, GError **error);
/* TRUE for the temporary names this library and the daemon make (see
 * mrd_tz_root_clean_temp_files()); *@is_localtime for ".#localtime.*". */
gboolean mrd_tz_is_temp_name      (const char *name, gboolean *is_localtime);

/* Tests: FALSE forces the O_NOFOLLOW walk even where openat2(2) exists. */
void     mrd_tz_root_set_openat2_enabled (gboolean enabled);
gboolean mrd_tz_root_openat2_available   (void);

G_END_DECLS
