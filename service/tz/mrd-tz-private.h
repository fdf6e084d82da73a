/* mrd-tz-private.h — helpers shared inside service/tz; not part of the API.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <sys/types.h>
#include <glib.h>
#include "mrd-tzdb.h"
#include "mrd-tz-root.h"

G_BEGIN_DECLS

/* zone1970.tab coordinates "+3733+12658" / "+373300+1265800" → decimal degrees. */
gboolean mrd_tz_parse_coordinates (const char *s, double *lat, double *lon);
/* The tables from their text (what mrd_tzdb_load() reads; @dir is only remembered): tzdata.zi
 * required, the others may be NULL. */
MrdTzdb *mrd_tzdb_new_from_data   (const char *dir, const char *zi, gsize zi_len,
                                   const char *iso, gsize iso_len, const char *z1970,
                                   gsize z1970_len, const char *ztab, gsize ztab_len,
                                   GError **error);
/* TRUE if @name has a line of its own in zone1970.tab. */
gboolean mrd_tzdb_in_zone1970     (const MrdTzdb *db, const char *name);

/* "…/zoneinfo/posix/Asia/Seoul" → "Asia/Seoul"; NULL when the text names no zoneinfo file. */
char    *mrd_tz_zone_from_path    (const char *path);

/* The TZ= scan of one file's text (mrd-tz-trap.c): appends an MrdTzTrap (file @shown) for
 * every assignment that disagrees with @system_zone. Lines that are not UTF-8 are scanned in
 * escaped form (U+FFFD), and logged once per @shown. */
void     mrd_tz_trap_scan_text          (const MrdTzdb *db, const char *shown, const char *text,
                                         gsize len, const char *system_zone, GPtrArray *traps);

/* /etc/adjtime text (mrd-tz-adjtime.c): TRUE when line 3 is "LOCAL"; and the text with line 3
 * set and lines 1–2 kept (defaults when missing), for a missing file @old = NULL. */
gboolean mrd_tz_adjtime_parse           (const char *text, gsize len);
char    *mrd_tz_adjtime_rewrite         (const char *old, gsize len, gboolean local_rtc);

/* /etc/sysconfig/clock (mrd-tz-localtime.c). The value of its last ZONE= line, unquoted; NULL
 * if none. */
char    *mrd_tz_sysconfig_clock_zone    (const char *text, gsize len);
/* @old with its ZONE= line replaced by ZONE="@zone" (appended when missing), every other line
 * kept; NULL and an error for text with NUL bytes. */
char    *mrd_tz_sysconfig_clock_rewrite (const char *old, gsize len, const char *zone,
                                         GError **error);

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
