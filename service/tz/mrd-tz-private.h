/* mrd-tz-private.h — helpers shared inside service/tz; not part of the API.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <sys/types.h>
#include <glib.h>
#include "mrd-tzdb.h"
#include "mrd-tz-root-private.h"

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

G_END_DECLS
