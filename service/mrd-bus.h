/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-bus.h — org.meridian.Time1 (at /org/meridian/Time1) and org.freedesktop.timedate1 (at
 * /org/freedesktop/timedate1), served from one table of method handlers and one table of
 * properties. Every change follows systemd-timedated's order: validate → return early if
 * nothing would change → authorize (polkit, async) → change (through the domain modules:
 * mrd-zone.h, mrd-systime.h, mrd-sync.h) → announce: one PropertiesChanged per interface,
 * sent before the method's reply (so a caller waiting for the reply has seen the signal),
 * naming the properties in the changed-bitmask. TimeUSec and RTCTimeUSec are read when
 * asked. This module depends on the domain modules; they never call it.
 */
#pragma once

#include <gio/gio.h>
#include "mrd-auth.h"
#include "mrd-sync.h"
#include "mrd-systime.h"
#include "mrd-zone.h"

G_BEGIN_DECLS

#define MRD_BUS_NAME "org.meridian.Time1"
#define MRD_OBJECT_PATH "/org/meridian/Time1"
#define MRD_TIMEDATE1_BUS_NAME "org.freedesktop.timedate1"
#define MRD_TIMEDATE1_OBJECT_PATH "/org/freedesktop/timedate1"

/* What changed, for mrd_bus_announce(). */
typedef enum {
  MRD_BUS_CHANGED_TIMEZONE         = 1 << 0,
  MRD_BUS_CHANGED_LOCAL_RTC        = 1 << 1,
  MRD_BUS_CHANGED_NTP              = 1 << 2,
  MRD_BUS_CHANGED_NTP_SYNCHRONIZED = 1 << 3,
} MrdBusChange;

typedef struct _MrdBus MrdBus;

/* None of the modules is owned; all must outlive the MrdBus. */
MrdBus   *mrd_bus_new       (MrdZone *zone, MrdSystime *systime, MrdSync *sync, MrdAuth *auth);
/* Register org.meridian.Time1, and org.freedesktop.timedate1 if @timedate1, on @connection,
 * plus the filter that gives sd-bus's GetAll("") a meaning GDBus accepts. */
gboolean  mrd_bus_register  (MrdBus *self, GDBusConnection *connection, gboolean timedate1,
                             GError **error);
/* Send PropertiesChanged for @what on every registered interface. */
void      mrd_bus_announce  (MrdBus *self, MrdBusChange what);
void      mrd_bus_free      (MrdBus *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdBus, mrd_bus_free)

G_END_DECLS
