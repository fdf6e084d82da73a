/* mrd-tzdb.h — the tz database tables: zone names, countries, coordinates; zone name
 * validation; describing a zone by name.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include "mrd-tz-error.h"
#include "mrd-tzif.h"

G_BEGIN_DECLS

/* Longest zone name accepted (tzdata's longest is ~32; PATH_MAX-safe with any root). */
#define MRD_TZ_NAME_MAX 255

/* Opaque, immutable after mrd_tzdb_load(); safe to share read-only between threads. */
typedef struct _MrdTzdb MrdTzdb;

/**
 * MrdTzZoneInfo:
 * One line of zone1970.tab (or zone.tab, for per-country lists), with country names.
 * @zone: e.g. "Asia/Seoul"
 * @country_codes: NULL-terminated ISO 3166 codes, e.g. {"KR", NULL}
 * @country_names: NULL-terminated, same length and order (from iso3166.tab)
 * @latitude, @longitude: decimal degrees, north and east positive
 * @comment: the comments column, "" when there is none
 */
typedef struct {
  char   *zone;
  char  **country_codes;
  char  **country_names;
  double  latitude;
  double  longitude;
  char   *comment;
} MrdTzZoneInfo;

typedef struct {
  char *code;   /* "KR" */
  char *name;   /* "Korea (South)" */
} MrdTzCountry;

/* Load the tables from @zoneinfo_dir (NULL → $TZDIR, else /usr/share/zoneinfo): tzdata.zi
 * (required), zone1970.tab, zone.tab, iso3166.tab (optional; missing → empty tables). */
MrdTzdb    *mrd_tzdb_load                 (const char *zoneinfo_dir, GError **error);
/* Tables that know Etc/UTC (and its link UTC) alone, for when @zoneinfo_dir's cannot be
 * read: every other name is then unknown. Never NULL. */
MrdTzdb    *mrd_tzdb_new_utc_only         (const char *zoneinfo_dir);
void        mrd_tzdb_free                 (MrdTzdb *db);
/* The default zoneinfo directory: $TZDIR if set and non-empty, else /usr/share/zoneinfo. */
const char *mrd_tzdb_default_zoneinfo_dir (void);

const char *mrd_tzdb_get_zoneinfo_dir     (const MrdTzdb *db);
/* "2025b" from tzdata.zi's "# version" line; NULL if absent. */
const char *mrd_tzdb_get_version          (const MrdTzdb *db);

/* Exactly what systemd 252's get_timezones() (timedatectl list-timezones, timedated's
 * ListTimezones) returns for this tzdata: "UTC" plus every Zone and Link name of tzdata.zi,
 * sorted (strcmp) and unique. Free with g_strfreev(). */
GStrv       mrd_tzdb_list_timezones       (const MrdTzdb *db);

/* TRUE if @name is a Zone or Link of tzdata.zi, or "UTC". No file check. */
gboolean    mrd_tzdb_has_zone             (const MrdTzdb *db, const char *name);
/* TRUE if @name is a Link (a backward name such as Asia/Calcutta). */
gboolean    mrd_tzdb_is_link              (const MrdTzdb *db, const char *name);
/* The Zone a name finally refers to (links followed; "UTC" → "Etc/UTC" per tzdata.zi);
 * @name itself for a Zone; NULL if unknown. Owned by @db. */
const char *mrd_tzdb_resolve              (const MrdTzdb *db, const char *name);

/* Syntax only: no tzdata or file look-up (MRD_TZ_ERROR_INVALID_NAME). */
gboolean    mrd_tz_name_check_syntax      (const char *name, GError **error);
/* Full check before using a name: syntax, present in tzdata, and a regular TZif file under
 * the zoneinfo directory that does not resolve outside it. Errors: INVALID_NAME,
 * UNKNOWN_ZONE, MISSING_FILE (all mean InvalidArgs), each with a message a person can act on. */
gboolean    mrd_tzdb_validate_zone        (const MrdTzdb *db, const char *name, GError **error);
/* Absolute path of the zone's TZif file (no checks). Free with g_free(). */
char       *mrd_tzdb_get_zone_path        (const MrdTzdb *db, const char *name);

/* Validate @zone, read its TZif file and describe instant @at (seconds since the epoch). */
gboolean    mrd_tzdb_describe_zone        (const MrdTzdb *db, const char *zone, gint64 at,
                                           MrdTzDescription *out, GError **error);
/* Validate @zone and load its TZif file. */
MrdTzif    *mrd_tzdb_load_zone            (const MrdTzdb *db, const char *zone, GError **error);

/* ListZones: one entry per zone1970.tab line, in file order. Returns a new array whose
 * elements are owned by @db (the array has no free function): valid while @db lives. */
GPtrArray  *mrd_tzdb_list_zones           (const MrdTzdb *db);
/* Country name from iso3166.tab, NULL if unknown. Owned by @db. */
const char *mrd_tzdb_get_country_name     (const MrdTzdb *db, const char *code);

/* `list-timezones --country CC` and the chooser's last step: the zones for one country
 * (case-insensitive code). Uses zone.tab, whose lines name a zone per country (NO →
 * Europe/Oslo), falling back to zone1970.tab lines that list the code. Elements owned by
 * @db. Empty array (not NULL) for an unknown code. */
GPtrArray  *mrd_tzdb_list_country_zones   (const MrdTzdb *db, const char *country_code);

/* tzselect-like navigation. Continents: first path component of zone1970.tab zones
 * ("Africa", "America", …), sorted; free with g_strfreev(). */
GStrv       mrd_tzdb_list_continents      (const MrdTzdb *db);
/* Countries with a zone on @continent, sorted by name; elements (MrdTzCountry) owned by @db. */
GPtrArray  *mrd_tzdb_list_countries       (const MrdTzdb *db, const char *continent);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdTzdb, mrd_tzdb_free)

G_END_DECLS
