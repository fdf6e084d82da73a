/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-timesync1.h — org.freedesktop.timesync1.Manager at /org/freedesktop/timesync1
 * (dbus/org.freedesktop.timesync1.xml): what stock `timedatectl timesync-status` and
 * `show-timesync` read, kept in step with mrd-sync's sources and reports through its
 * listener. Read-only; the bus name is owned by mrd-daemon. */
#pragma once

#include <gio/gio.h>
#include "mrd-sync.h"

G_BEGIN_DECLS

#define MRD_TIMESYNC1_BUS_NAME "org.freedesktop.timesync1"
#define MRD_TIMESYNC1_OBJECT_PATH "/org/freedesktop/timesync1"
#define MRD_TIMESYNC1_INTERFACE "org.freedesktop.timesync1.Manager"

typedef struct _MrdTimesync1 MrdTimesync1;

MrdTimesync1 *mrd_timesync1_new    (MrdSync *sync);
gboolean      mrd_timesync1_export (MrdTimesync1 *self, GDBusConnection *connection,
                                    GError **error);
void          mrd_timesync1_free   (MrdTimesync1 *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdTimesync1, mrd_timesync1_free)

G_END_DECLS
