/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-tz-country.h — the zones a person in one country chooses from.
 *
 * zone1970.tab lists a zone once for every country whose clocks have agreed with it since
 * 1970 ("DE,DK,NO,SE,SJ  Europe/Berlin"); zone.tab lists each country's own zone
 * ("NO  Europe/Oslo", a link to Europe/Berlin). A Norwegian looks for Europe/Oslo, a German
 * for Europe/Berlin and Europe/Busingen. So the rows are zone1970.tab's, then one row for each
 * zone.tab zone that zone1970.tab folds into another (mrd_tz_country_all_rows); and for one
 * country, a row of its own (the country's code alone) stands in for the shared row of that
 * country whose rules it follows exactly since 1970 — the nearest one, if several do. Iqaluit
 * and Toronto agree today but not in 1999, so Iqaluit does not stand in for Toronto. What is
 * left is zone.tab's view of the country.
 */
#pragma once

#include <glib.h>
#include "mrd-tzdb.h"

G_BEGIN_DECLS

#define MRD_TZ_COUNTRY_ERROR (mrd_tz_country_error_quark ())

typedef enum {
  MRD_TZ_COUNTRY_ERROR_UNKNOWN,   /* not an ISO 3166 code this tzdata knows */
} MrdTzCountryError;

GQuark     mrd_tz_country_error_quark (void);

/* Every row, in order: zone1970.tab's (file order), then zone.tab's rows whose zone has no
 * zone1970.tab row (zone.tab order, i.e. by country code). No zone twice. A new array whose
 * elements (MrdTzZoneInfo) are owned by @db. */
GPtrArray *mrd_tz_country_all_rows    (const MrdTzdb *db);

/* The rows of @rows (as from mrd_tz_country_all_rows) a person in @country_code chooses from
 * (case-insensitive), in @rows' order; @now (s since the epoch) is when "today's rules" are
 * compared. A code neither iso3166.tab nor any row knows fails with
 * MRD_TZ_COUNTRY_ERROR_UNKNOWN. A new array whose elements are @rows'. */
GPtrArray *mrd_tz_country_zones       (const MrdTzdb *db, GPtrArray *rows,
                                       const char *country_code, gint64 now, GError **error);

G_END_DECLS
