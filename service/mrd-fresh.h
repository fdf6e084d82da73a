/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-fresh.h — interface skeletons whose properties are brought up to date just before a
 * client reads them (Get, GetAll, GetManagedObjects, InterfacesAdded).
 *
 * Figures that change with every clock update are not announced (EmitsChangedSignal "false"
 * in dbus/org.meridian.Time1.xml and dbus/org.freedesktop.timesync1.xml), so that an idle
 * daemon is not woken once per update to tell nobody; instead the skeleton calls a refresh
 * function (mrd_sync_refresh) before it answers, and a read is never stale. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef void (*MrdFreshFunc) (gpointer user_data);

/* A new skeleton of @skeleton_type (a GDBusInterfaceSkeleton subclass, e.g. gdbus-codegen's
 * MRD_DBUS_TYPE_TIME1_TRACKING_SKELETON) that calls @refresh (@user_data) before each read
 * of its properties. @user_data must outlive the skeleton. */
gpointer mrd_fresh_skeleton_new (GType skeleton_type, MrdFreshFunc refresh, gpointer user_data);

G_END_DECLS
