/* mrd-tz-private.h — helpers shared inside service/tz; not part of the API.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <sys/types.h>
#include <glib.h>
#include "mrd-tzdb.h"

G_BEGIN_DECLS

/* zone1970.tab coordinates "+3733+12658" / "+373300+1265800" → decimal degrees. */
gboolean mrd_tz_parse_coordinates (const char *s, double *lat, double *lon);
/* TRUE if @name has a line of its own in zone1970.tab. */
gboolean mrd_tzdb_in_zone1970     (const MrdTzdb *db, const char *name);

/* "…/zoneinfo/posix/Asia/Seoul" → "Asia/Seoul"; NULL when the text names no zoneinfo file. */
char    *mrd_tz_zone_from_path    (const char *path);

/* ROOT + "/etc/..." (root NULL or "" → "/"). */
char    *mrd_tz_root_path         (const char *root, const char *abs_path);
/* Replace @path atomically: write a temporary file next to it, fsync it, rename(2) it over
 * @path, fsync the directory. @mode is used for a new file; an existing file's mode is kept. */
gboolean mrd_tz_write_file_atomic (const char *path, const char *contents, gsize len,
                                   mode_t mode, GError **error);
/* The two halves of that: a temporary file next to @path with @contents (fsync'd if @sync);
 * returns its name. Then rename(2) it over @path (removing it on failure). */
char    *mrd_tz_stage_file        (const char *path, const char *contents, gsize len,
                                   mode_t mode, gboolean sync, GError **error);
gboolean mrd_tz_commit_file       (const char *tmp, const char *path, GError **error);
/* fsync(2) a file (not following symlinks) or a directory. */
gboolean mrd_tz_fsync_path        (const char *path, gboolean directory, GError **error);
/* fsync the directory that contains @path (so a rename survives a crash). */
gboolean mrd_tz_fsync_parent      (const char *path, GError **error);

G_END_DECLS
