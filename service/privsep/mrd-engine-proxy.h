/* mrd-engine-proxy.h — the daemon's side of the privilege-separated NTP engine: it has the
 * engine started or connected to (mrd-engine-launch.h: a `meridiand --engine-child` of its
 * own, or meridian-engine.service behind a socket), plugs into
 * mrd-sync's engine seam (MrdSyncEngine in mrd-sync.h) so that sources, Burst, MakeStep and
 * NTP on/off reach the engine, and turns the engine's reports into mrd_sync_set_tracking() /
 * mrd_sync_set_source_report(). It keeps the drift file the engine may not write; the
 * launcher starts the engine again, with a back-off, when it dies. It never parses a network
 * packet.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "clock/mrd-clock.h"
#include "sync/mrd-keys.h"
#include "mrd-sync.h"

G_BEGIN_DECLS

typedef struct _MrdEngineProxy MrdEngineProxy;

typedef struct {
  const char *executable;    /* meridiand itself (NULL: /proc/self/exe) */
  const char *socket_path;   /* --engine-socket: connect to the engine there; NULL: a child */
  const char *user;          /* --engine-user; NULL: the sandbox's default */
  const char *chroot_dir;    /* --engine-chroot; NULL: none */
  const char *driftfile;     /* where the drift is kept (NULL: nowhere) */
  const char *ntsdumpdir;    /* where NTS cookies are kept (NULL: nowhere; mrd-nts-dump.h) */
  const char *logdir;        /* where chronyd's statistics logs go (NULL: nowhere;
                              * mrd-statlog.h), and how often their header is repeated */
  guint logbanner;
  GStrv core_lines;          /* the configuration's directives for the NTP core */
  const MrdKeys *keys;       /* the keyfile's keys (copied); the child gets those its sources
                              * name, just before their add-source */
  gboolean rtcsync;
  gboolean verbose;          /* the child logs debugging messages too */
  /* NTS: the trusted certificates as the configuration read them (PEM GBytes, their sets as
   * guint; both may be NULL), and whether set 0 holds the system's trust store too. The child
   * opens no file: before its first nts source it is sent each of them, and the system's store
   * read here (mrd-engine-proxy.c). */
  GPtrArray *nts_certs;
  GArray *nts_cert_sets;
  gboolean nosystemcert;
} MrdEngineProxyOptions;

/* @clock: the daemon's clock; a shared virtual clock (mrd-clock-shared.h) is handed to the
 * engine, any other kind means the system clock. Installs itself as @sync's engine and starts
 * the engine (with a socket: only while NTP is on). */
MrdEngineProxy *mrd_engine_proxy_new  (MrdSync *sync, MrdClock *clock,
                                       const MrdEngineProxyOptions *options);
/* Write the last drift, end the child (or the connection), uninstall from @sync. */
void            mrd_engine_proxy_free (MrdEngineProxy *self);

/* The child's pid (0 while none runs, and with a socket), for logs and tests. */
GPid            mrd_engine_proxy_get_pid (MrdEngineProxy *self);
/* Debug: ask the child to open @path for writing; @callback gets its errno (0 = opened,
 * -1 = no engine). */
void            mrd_engine_proxy_try_write (MrdEngineProxy *self, const char *path,
                                            void (*callback) (int err, gpointer user_data),
                                            gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdEngineProxy, mrd_engine_proxy_free)

G_END_DECLS
