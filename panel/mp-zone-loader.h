/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>
#include "mp-zone-index.h"
#include "mp-names.h"

G_BEGIN_DECLS

/* Builds the chooser's index from the service: ListCountryZones("") (every zone with the
 * offset and abbreviation in force now) or, from a service without it, ListZones and one
 * DescribeZone per zone; Korean and iso-codes names from `names`. */
void         mp_zone_loader_load         (GDBusProxy          *time1,
                                          MpNames             *names,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
MpZoneIndex *mp_zone_loader_load_finish  (GAsyncResult  *result,
                                          GError       **error);

G_END_DECLS
