/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-zone.h — the time zone domain: the system's zone (ROOT/etc/localtime and the files that
 * mirror it), whether the RTC keeps local time (ROOT/etc/adjtime), the kernel's idea of the
 * zone, and the tz tables the daemon answers zone questions from. Everything that reads or
 * writes those files goes through here; no D-Bus (the interfaces, mrd-bus.c, call in).
 */
#pragma once

#include <gio/gio.h>
#include "mrd-tz.h"

G_BEGIN_DECLS

#define MRD_TYPE_ZONE (mrd_zone_get_type ())
G_DECLARE_FINAL_TYPE (MrdZone, mrd_zone, MRD, ZONE, GObject)

/* Load the tz tables (@zoneinfo_dir, NULL = default) and read the zone and adjtime under
 * @root; unreadable files fall back to UTC / RTC in UTC with a warning. @tell_kernel: pass
 * each new zone's offset to the kernel (only when the daemon owns the real system). Fails
 * only when the tz tables cannot be loaded. */
MrdZone     *mrd_zone_new             (const char *root, const char *zoneinfo_dir,
                                       gboolean tell_kernel, GError **error);

const char  *mrd_zone_get_root        (MrdZone *self);
const char  *mrd_zone_get_timezone    (MrdZone *self);
gboolean     mrd_zone_get_local_rtc   (MrdZone *self);
MrdTzdb     *mrd_zone_get_tzdb        (MrdZone *self);
/* Seconds east of UTC in force at @utc_s in the current zone (0, with a warning, when its
 * rules cannot be read). */
gint         mrd_zone_utc_offset_at   (MrdZone *self, gint64 utc_s);

/* "(as)": ListTimezones' reply, built on first use. Not floating; owned by @self. */
GVariant    *mrd_zone_get_timezones_reply (MrdZone *self);
/* "(a(sasasdds))": ListZones' reply, built on first use. Owned by @self. */
GVariant    *mrd_zone_get_zones_reply     (MrdZone *self);

/* Check a name before authorizing a change (MRD_TZ_ERROR_*, all "bad name" errors): a zone
 * or link of the tz tables, or "posix/" and one of those; "right/" zones are refused (see
 * mrd-zone.c). */
gboolean     mrd_zone_validate        (MrdZone *self, const char *zone, GError **error);
/* The tables' name for a valid @zone ("posix/Asia/Seoul" → "Asia/Seoul"); points into @zone. */
const char  *mrd_zone_canonical_name  (const char *zone);
/* Whether setting @zone would change nothing: it is the zone, and every file under the root
 * that names the zone (etc/localtime as a link, etc/timezone, sysconfig/clock) says so. */
gboolean     mrd_zone_is_current      (MrdZone *self, const char *zone);
/* Write @zone under the root (atomic renames; made durable a moment later, off the caller's
 * path), tell the kernel, keep it. TRUE without writing if mrd_zone_is_current(). */
gboolean     mrd_zone_set_timezone    (MrdZone *self, const char *zone, GError **error);
/* Rewrite ROOT/etc/adjtime's third line. TRUE without writing if nothing changes. */
gboolean     mrd_zone_set_local_rtc   (MrdZone *self, gboolean local_rtc, GError **error);

/* Before exiting: wait for the pending flush of the zone files, or do it now. */
void         mrd_zone_flush           (MrdZone *self);

G_END_DECLS
