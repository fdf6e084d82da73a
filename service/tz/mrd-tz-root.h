/* mrd-tz-root.h — files beneath a root directory (--root), resolved without ever following a
 * symbolic link out of it, read without ever blocking, replaced atomically.
 *
 * The root directory itself is trusted (the administrator chose it); every path beneath it is
 * resolved with openat2(2) RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS where
 * the kernel has it, else one O_NOFOLLOW openat(2) per component. A symlink anywhere beneath
 * the root (a symlinked etc/, var/lib/meridian/ or etc/timezone) is refused, never followed:
 * a write cannot land outside the root and a read cannot copy an outside file in.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <sys/types.h>
#include <glib.h>

G_BEGIN_DECLS

/* Largest file read from under a root (/etc/timezone, /etc/adjtime, /etc/profile, a state
 * file): each is a few hundred bytes; a 1 MiB profile script is already absurd. */
#define MRD_TZ_ROOT_READ_MAX (1024 * 1024)

/* Read ROOT/@rel (@rel relative, e.g. "etc/adjtime"). Only a regular file is read; a FIFO,
 * device, socket or directory is refused without being read (so it cannot block), as is a
 * file larger than @max bytes or any symbolic link on the way. A missing file (or directory on
 * the way) is not an error: TRUE with *@out_data = NULL. @out_data is NUL-terminated;
 * @out_len (optional) excludes the NUL. Errors: MRD_TZ_ERROR_FAILED naming the file. */
gboolean mrd_tz_root_read_file  (const char *root, const char *rel, gsize max,
                                 char **out_data, gsize *out_len, GError **error);

/* Replace ROOT/@rel atomically: missing parent directories are created (0755) beneath ROOT
 * without following links; the data goes to a temporary ".#NAME.XXXXXX" next to it, is
 * fsync'd (if @sync), rename(2)d over NAME, and the directory fsync'd (if @sync). An existing
 * regular NAME keeps its permission bits (0777 only; set-id and sticky bits are dropped);
 * otherwise @mode. A symbolic link or non-regular file at NAME is refused. */
gboolean mrd_tz_root_write_file (const char *root, const char *rel, const char *data, gsize len,
                                 mode_t mode, gboolean sync, GError **error);

/* The names in the directory ROOT/@rel (without "." and ".."), unsorted, in *@out_names
 * (char *, free with g_ptr_array_unref()). The directory is opened as files are (no symbolic
 * link on the way or as @rel itself); a missing one is not an error (an empty array). */
gboolean mrd_tz_root_list_dir   (const char *root, const char *rel, GPtrArray **out_names,
                                 GError **error);

/* Remove the temporary files a crash can leave behind in ROOT/etc, ROOT/etc/sysconfig and
 * ROOT/var/lib/meridian and ROOT/var/lib/meridian/sources: names ".#BASE.XXXXXX" (6 to 8
 * letters or digits) where BASE is one of the files this service replaces (localtime, timezone,
 * adjtime, clock, state, drift, meridian-added.sources, virtual-rtc). Only regular
 * files are removed, plus symbolic links named ".#localtime.*" (the staged /etc/localtime is a
 * link; unlinking a link never follows it). Directories that are missing or are symlinks are
 * skipped. Call once at start-up, before anything is written. @out_removed (optional). */
gboolean mrd_tz_root_clean_temp_files (const char *root, guint *out_removed, GError **error);

/* The same for one file written atomically elsewhere beneath ROOT (a configured sourcedir or
 * driftfile): remove the regular files ".#BASE.XXXXXX" next to ROOT/@rel, where BASE is
 * @rel's last component, never following a link on the way. A missing directory is not an
 * error. */
gboolean mrd_tz_root_clean_temp_files_of (const char *root, const char *rel, guint *out_removed,
                                          GError **error);

G_END_DECLS
