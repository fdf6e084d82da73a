/* mrd-zones.h — the replies of org.meridian.Time1.ListZones and ListCountryZones, built from
 * the tz tables (the rows and the per-country choice: service/tz/mrd-tz-country.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include "mrd-tz.h"
#include "mrd-tz-country.h"

G_BEGIN_DECLS

/* ListZones' "(a(sasasdds))" reply: (zone, country codes, country names, latitude,
 * longitude, comment) for every row of mrd_tz_country_all_rows(), in its order. Floating. */
GVariant *mrd_zones_build_list_reply         (const MrdTzdb *db);

/* ListCountryZones' "(a(sasasddsis))" reply: the same rows plus the UTC offset (s east) and
 * abbreviation in force at @now (s since the epoch). @country_code "" = every row; a code =
 * mrd_tz_country_zones(). Fails with MRD_TZ_COUNTRY_ERROR_UNKNOWN for an unknown code.
 * Floating. */
GVariant *mrd_zones_build_country_reply      (const MrdTzdb *db, const char *country_code,
                                              gint64 now, GError **error);

G_END_DECLS
