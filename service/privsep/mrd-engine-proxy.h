/* mrd-engine-proxy.h — the daemon's side of the privilege-separated NTP engine: it starts
 * `meridiand --engine-child` (mrd-engine-child.h) through GSubprocess (fork+exec, never a
 * bare fork of this threaded process) with one end of a SOCK_SEQPACKET socketpair, plugs into
 * mrd-sync's engine seam (MrdSyncEngine in mrd-sync.h) so that sources, Burst, MakeStep and
 * NTP on/off reach the child, and turns the child's reports into mrd_sync_set_tracking() /
 * mrd_sync_set_source_report(). It keeps the drift file the child may not write, and starts
 * the child again, with a back-off, when it dies. It never parses a network packet.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "clock/mrd-clock.h"
#include "mrd-sync.h"

G_BEGIN_DECLS

typedef struct _MrdEngineProxy MrdEngineProxy;

typedef struct {
  const char *executable;    /* meridiand itself (NULL: /proc/self/exe) */
  const char *user;          /* --engine-user; NULL: the sandbox's default */
  const char *chroot_dir;    /* --engine-chroot; NULL: none */
  const char *driftfile;     /* where the drift is kept (NULL: nowhere) */
  GStrv core_lines;          /* the configuration's directives for the NTP core */
  gboolean rtcsync;
  gboolean verbose;          /* the child logs debugging messages too */
} MrdEngineProxyOptions;

/* @clock: the daemon's clock; a shared virtual clock (mrd-clock-shared.h) is handed to the
 * child, any other kind means the system clock. Installs itself as @sync's engine and starts
 * the child. */
MrdEngineProxy *mrd_engine_proxy_new  (MrdSync *sync, MrdClock *clock,
                                       const MrdEngineProxyOptions *options);
/* Write the last drift, end the child, uninstall from @sync. */
void            mrd_engine_proxy_free (MrdEngineProxy *self);

/* The child's pid (0 while none runs), for logs and tests. */
GPid            mrd_engine_proxy_get_pid (MrdEngineProxy *self);
/* Debug: ask the child to open @path for writing; @callback gets its errno (0 = opened,
 * -1 = no child). */
void            mrd_engine_proxy_try_write (MrdEngineProxy *self, const char *path,
                                            void (*callback) (int err, gpointer user_data),
                                            gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdEngineProxy, mrd_engine_proxy_free)

G_END_DECLS
