/* mrd-daemon.h — meridiand's state and its bus presence: the names org.meridian.Time1 and
 * org.freedesktop.timedate1, the objects behind them, and every change, each made in
 * systemd-timedated's order: validate → return early if nothing would change → authorize
 * (async) → change → announce (PropertiesChanged on both interfaces).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include "clock/mrd-clock.h"
#include "mrd-props.h"
#include "mrd-tz.h"

G_BEGIN_DECLS

#define MRD_BUS_NAME "org.meridian.Time1"
#define MRD_OBJECT_PATH "/org/meridian/Time1"
#define MRD_TIMEDATE1_BUS_NAME "org.freedesktop.timedate1"
#define MRD_TIMEDATE1_OBJECT_PATH "/org/freedesktop/timedate1"

typedef struct {
  const char  *root;              /* NULL → "/" */
  const char  *zoneinfo_dir;      /* NULL → $TZDIR or /usr/share/zoneinfo */
  const char  *config_path;       /* NULL → ROOT/etc/meridian/meridian.conf */
  MrdClockKind clock_kind;
  double       virtual_offset_s;
  double       virtual_freq_ppm;
  gboolean     timedate1;         /* serve org.freedesktop.timedate1 too */
} MrdDaemonOptions;

#define MRD_TYPE_DAEMON (mrd_daemon_get_type ())
G_DECLARE_FINAL_TYPE (MrdDaemon, mrd_daemon, MRD, DAEMON, GObject)

/* Reads everything under the root (tzdata, zone, adjtime, state, config); writes nothing. */
MrdDaemon  *mrd_daemon_new                  (const MrdDaemonOptions *options, GError **error);
/* Export the objects on @connection and ask for the bus names. "name-lost" is emitted if
 * org.meridian.Time1 cannot be owned (or is lost later): the daemon is useless then. */
gboolean    mrd_daemon_start                (MrdDaemon *self, GDBusConnection *connection,
                                             GError **error);

/* Before exiting: wait for the files written over the bus to be flushed to disk. */
void        mrd_daemon_stop                 (MrdDaemon *self);

const char *mrd_daemon_get_root             (MrdDaemon *self);
const char *mrd_daemon_get_timezone         (MrdDaemon *self);
gboolean    mrd_daemon_get_local_rtc        (MrdDaemon *self);
gboolean    mrd_daemon_get_ntp              (MrdDaemon *self);
guint64     mrd_daemon_get_time_usec        (MrdDaemon *self);
guint64     mrd_daemon_get_rtc_time_usec    (MrdDaemon *self);
MrdTzdb    *mrd_daemon_get_tzdb             (MrdDaemon *self);
MrdClock   *mrd_daemon_get_clock            (MrdDaemon *self);
/* The Properties fast path (mrd-props.h), once started; for tests. */
MrdProps   *mrd_daemon_get_props            (MrdDaemon *self);

/* The method implementations shared by org.meridian.Time1 and org.freedesktop.timedate1.
 * Each replies on (and consumes) @invocation. */
void        mrd_daemon_set_timezone         (MrdDaemon *self, GDBusMethodInvocation *invocation,
                                             const char *zone, gboolean interactive);
void        mrd_daemon_set_ntp              (MrdDaemon *self, GDBusMethodInvocation *invocation,
                                             gboolean use_ntp, gboolean interactive);
void        mrd_daemon_set_time             (MrdDaemon *self, GDBusMethodInvocation *invocation,
                                             gint64 usec_utc, gboolean relative,
                                             gboolean interactive);
void        mrd_daemon_set_local_rtc        (MrdDaemon *self, GDBusMethodInvocation *invocation,
                                             gboolean local_rtc, gboolean fix_system,
                                             gboolean interactive);
void        mrd_daemon_list_timezones       (MrdDaemon *self, GDBusMethodInvocation *invocation);
/* org.meridian.Time1.ListZones (see mrd-zones.h); the reply is built once, on first use. */
void        mrd_daemon_list_zones           (MrdDaemon *self, GDBusMethodInvocation *invocation);

G_END_DECLS
