/* mrd-tz-localtime.h — the system zone on disk: /etc/localtime (+ /etc/timezone,
 * /etc/sysconfig/clock), every path relative to a root directory.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include "mrd-tzdb.h"

G_BEGIN_DECLS

/* Where mrd_tz_localtime_read() found the zone. */
typedef enum {
  MRD_TZ_SOURCE_SYMLINK,        /* /etc/localtime is a symlink into a zoneinfo directory */
  MRD_TZ_SOURCE_COPY,           /* /etc/localtime is a copy; identified by content */
  MRD_TZ_SOURCE_ETC_TIMEZONE,   /* from /etc/timezone */
  MRD_TZ_SOURCE_DEFAULT,        /* nothing usable: "UTC" */
} MrdTzSource;

/* Make @zone the system zone under @root (NULL or "" → "/"), as systemd-timedated does:
 * ROOT/etc/localtime becomes the relative symlink "../usr/share/zoneinfo/ZONE" (for "UTC":
 * "../usr/share/zoneinfo/UTC"), made under a temporary name in ROOT/etc and rename(2)d over
 * the old one, then ROOT/etc is fsync'd. ROOT/etc/timezone (only if it exists) is rewritten
 * as "ZONE\n", and ZONE="..." in ROOT/etc/sysconfig/clock (only if it exists) replaced with
 * the other lines kept; both atomically (temp file, fsync, rename).
 * Checks the name's syntax only: call mrd_tzdb_validate_zone() first. */
gboolean mrd_tz_localtime_write (const char *root, const char *zone, GError **error);

/**
 * MrdTzWriteFlags:
 * @MRD_TZ_WRITE_NONE: write durably (files and ROOT/etc fsync'd before returning)
 * @MRD_TZ_WRITE_NO_SYNC: every replacement is still an atomic rename(2), visible at once, but
 *   nothing is fsync'd; call mrd_tz_sync_etc() soon after to make it durable.
 */
typedef enum {
  MRD_TZ_WRITE_NONE    = 0,
  MRD_TZ_WRITE_NO_SYNC = 1 << 0,
} MrdTzWriteFlags;

/* mrd_tz_localtime_write() with flags. All new file contents are staged (temp files written)
 * before anything is renamed, so a failure to prepare them changes nothing; then
 * /etc/localtime, /etc/timezone, /etc/sysconfig/clock are renamed in that order and the
 * directories fsync'd once (unless MRD_TZ_WRITE_NO_SYNC). */
gboolean mrd_tz_localtime_write_full (const char *root, const char *zone, MrdTzWriteFlags flags,
                                      GError **error);

/* Make earlier MRD_TZ_WRITE_NO_SYNC writes durable: fsync ROOT/etc/timezone,
 * ROOT/etc/sysconfig/clock and ROOT/etc/adjtime where they exist, then ROOT/etc and
 * ROOT/etc/sysconfig. */
gboolean mrd_tz_sync_etc (const char *root, GError **error);

/* Read the system zone under @root. From the symlink target (text after the last
 * "zoneinfo/", a leading "posix/" or "right/" dropped); if ROOT/etc/localtime is a regular
 * file, the zoneinfo file with the same bytes (preferring a zone1970.tab name, then a Zone
 * over a Link); else ROOT/etc/timezone; else "UTC". @db may be NULL (no content match, no
 * validation of the link text). Fails only on I/O errors other than "not found".
 * @out_zone: (out): free with g_free(). @out_source: (out) (optional). */
gboolean mrd_tz_localtime_read  (const char *root, const MrdTzdb *db,
                                 char **out_zone, MrdTzSource *out_source, GError **error);

/* TRUE when every file that names the system zone under @root names exactly @zone:
 * ROOT/etc/localtime is a symbolic link whose target names it (read as
 * mrd_tz_localtime_read() reads a link), and /etc/timezone and ZONE= of /etc/sysconfig/clock,
 * where they exist, say it. This is what "setting @zone changes nothing" means; anything else
 * (a copied /etc/localtime, files that disagree after an interrupted change, an unreadable
 * file) is FALSE, so writing @zone again brings them all in line. */
gboolean mrd_tz_localtime_is_current (const char *root, const char *zone);
/* The same, where /etc/timezone and sysconfig/clock may name @zone by another name of the same
 * zone in @db ("Etc/UTC" for "UTC"), as mrd_tz_localtime_repair() lets them; the link must
 * still name @zone itself. @db NULL: exact names, as mrd_tz_localtime_is_current(). */
gboolean mrd_tz_localtime_is_current_in (const char *root, const MrdTzdb *db, const char *zone);

/* Start-up repair after a crash between the renames of mrd_tz_localtime_write(): when
 * ROOT/etc/localtime names a zone (a link, or a copy identified through @db), rewrite
 * ROOT/etc/timezone and ZONE= of ROOT/etc/sysconfig/clock — only those that exist and name
 * another zone (names that are links of the same zone in @db agree) — to name it.
 * /etc/localtime itself is never changed: it is what every program reads. Durable (fsync'd)
 * before returning. @db may be NULL. @out_repaired (optional): how many files were rewritten,
 * 0 when all agreed. */
gboolean mrd_tz_localtime_repair    (const char *root, const MrdTzdb *db, guint *out_repaired,
                                     GError **error);

G_END_DECLS
