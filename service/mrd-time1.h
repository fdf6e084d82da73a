/* mrd-time1.h — org.meridian.Time1 at /org/meridian/Time1: the generated skeleton, its
 * methods handed to MrdDaemon, TimeUSec read live from the clock, and the read-only methods
 * (ListZones, DescribeZone, ListTimezoneOverrides) answered from the tz module.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "mrd-dbus-generated.h"

G_BEGIN_DECLS

typedef struct _MrdDaemon MrdDaemon;

#define MRD_TYPE_TIME1 (mrd_time1_get_type ())
G_DECLARE_FINAL_TYPE (MrdTime1, mrd_time1, MRD, TIME1, MrdDBusTime1Skeleton)

/* @daemon is not referenced: it owns the MrdTime1. */
MrdTime1 *mrd_time1_new (MrdDaemon *daemon);

G_END_DECLS
