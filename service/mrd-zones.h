/* mrd-zones.h — the reply of org.meridian.Time1.ListZones, built from the tz tables.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include "mrd-tz.h"

G_BEGIN_DECLS

/* ListZones' "(a(sasasdds))" reply: (zone, country codes, country names, latitude,
 * longitude, comment) for every zone1970.tab row, in file order, then one row for every
 * zone.tab row whose zone has no zone1970.tab row of its own (Europe/Oslo for NO,
 * Atlantic/Reykjavik for IS: zone1970.tab folds such zones into another country's zone when
 * their clocks have agreed since 1970, but people look for their own country's name), with
 * zone.tab's single country code, coordinates and comment, in zone.tab order. No zone is
 * listed twice. Floating reference. */
GVariant *mrd_zones_build_list_reply (const MrdTzdb *db);

G_END_DECLS
