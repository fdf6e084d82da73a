/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-daemon.h — meridiand put together: builds the domain modules (time zone: mrd-zone.h;
 * clock: mrd-systime.h; synchronization: mrd-sync.h), the configuration's sources, and their
 * bus presence (mrd-bus.h: org.meridian.Time1 and org.freedesktop.timedate1; mrd-sources.h:
 * sources and tracking), and owns the bus names. Wiring only: what the daemon does lives in
 * those modules.
 */
#pragma once

#include <gio/gio.h>
#include "clock/mrd-clock.h"
#include "mrd-bus.h"
#include "mrd-sync.h"
#include "mrd-systime.h"
#include "mrd-zone.h"

G_BEGIN_DECLS

typedef struct {
  const char  *root;              /* NULL → "/" */
  const char  *zoneinfo_dir;      /* NULL → $TZDIR or /usr/share/zoneinfo */
  const char  *config_path;       /* NULL → ROOT/etc/meridian/meridian.conf */
  MrdClockKind clock_kind;
  double       virtual_offset_s;
  double       virtual_freq_ppm;
  gboolean     timedate1;         /* serve org.freedesktop.timedate1 too */
  gboolean     run_engine;        /* start the NTP engine child (service/privsep) */
  const char  *engine_user;       /* NULL: the sandbox's default */
  const char  *engine_chroot;     /* NULL: none */
  const char  *engine_socket;     /* the engine's socket (socket mode); NULL: a child */
  gboolean     verbose;           /* passed on to the engine child */
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

/* The domain modules, for tests and for wiring in the NTP engine. */
MrdZone    *mrd_daemon_get_zone             (MrdDaemon *self);
MrdSystime *mrd_daemon_get_systime          (MrdDaemon *self);
MrdSync    *mrd_daemon_get_sync             (MrdDaemon *self);
/* The NTP engine child's proxy; NULL without one (run_engine FALSE). */
struct _MrdEngineProxy *mrd_daemon_get_engine (MrdDaemon *self);

G_END_DECLS
