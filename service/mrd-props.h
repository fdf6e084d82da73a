/* mrd-props.h — org.freedesktop.DBus.Properties.Get/GetAll on meridiand's two main objects
 * (org.freedesktop.timedate1 and org.meridian.Time1), answered in GDBus's worker thread.
 *
 * GDBus hands every property Get of an exported skeleton to the main thread and back; that
 * hop is the whole difference between a Get and a Peer.Ping (integration.md #4). Here a
 * connection filter answers Get and GetAll itself, from an immutable GVariant snapshot of
 * the skeleton's properties that the main thread rebuilds on every change (the skeleton's
 * "notify", which fires before the change is announced and before the method replies) and
 * swaps under a lock. TimeUSec and RTCTimeUSec are never in the snapshot: TimeUSec is read
 * from the clock for each call (clock reads are thread-safe, mrd-clock.h). The snapshot is
 * made with the skeleton's own get_property handler, in introspection order, so the answers
 * are the skeleton's. Anything else (another interface or property, an unexpected
 * signature, no-reply calls, an RTC that needs a device read) is left to GDBus unchanged.
 *
 * The same filter rewrites GetAll("") (sd-bus clients such as timedatectl: "" means every
 * interface, which GDBus refuses) to name the object's main interface.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include "clock/mrd-clock.h"

G_BEGIN_DECLS

typedef struct _MrdProps MrdProps;

/* @clock: read for TimeUSec; must outlive the filter, see mrd_props_shutdown(). */
MrdProps *mrd_props_new            (MrdClock *clock);
/* Serve @skeleton's interface at @object_path (at most two objects; all of them added before
 * mrd_props_install()). */
void      mrd_props_add_object     (MrdProps *props, GDBusInterfaceSkeleton *skeleton,
                                    const char *object_path);
/* Add the filter to @connection; returns its id for g_dbus_connection_remove_filter(). The
 * filter holds its own reference on @props. */
guint     mrd_props_install        (MrdProps *props, GDBusConnection *connection);
/* Main thread, before the clock or the skeletons go: from now on the filter only rewrites
 * GetAll(""). */
void      mrd_props_shutdown       (MrdProps *props);
/* For tests: FALSE sends every Get/GetAll through GDBus's skeleton path (the reference). */
void      mrd_props_set_fast_path  (MrdProps *props, gboolean enabled);
void      mrd_props_unref          (MrdProps *props);

/* The live properties' values, one definition for both paths: TimeUSec (0 before the epoch)
 * and RTCTimeUSec (0 when there is no RTC to read, as timedated answers). */
guint64   mrd_props_time_usec      (MrdClock *clock);
guint64   mrd_props_rtc_time_usec  (MrdClock *clock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdProps, mrd_props_unref)

G_END_DECLS
