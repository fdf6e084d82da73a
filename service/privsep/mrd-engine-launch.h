/* mrd-engine-launch.h — how meridiand reaches its NTP engine: the start-up and connection half
 * of mrd-engine-proxy.h (the proxy keeps the data path). Two ways, one option apart:
 *
 *   child  (no socket path; containers, tests, systems without systemd): fork+exec
 *          `meridian-engine --engine-child 3` (service/engine-main.c) through GSubprocess
 *          with one end of a SOCK_SEQPACKET socketpair (and the shared clock's memfd as
 *          fd 4); the child drops to its user itself (mrd-sandbox.h). It runs whether NTP is on or off, and is started again,
 *          with a back-off, when it exits.
 *   socket (a socket path; the systemd units): connect to the engine's root-only
 *          SOCK_SEQPACKET socket (meridian-engine.socket, which starts meridian-engine.service
 *          as its own user), then send the hello (MRD_ENGINE_HELLO, with the shared clock's
 *          memfd attached by SCM_RIGHTS when the clock is virtual). The engine lives exactly
 *          as long as the connection: the launcher connects while NTP is on and the proxy
 *          closes the connection when it goes off (mrd_engine_launch_is_on_demand()). A lost
 *          connection while wanted is made again with the same back-off.
 *
 * Either way the proxy gets a connected channel fd (mrd-channel.h) through @connected, owns it
 * from then on, and hears through @ended that the engine is gone.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "clock/mrd-clock.h"

G_BEGIN_DECLS

/* The first datagram on a socket-mode connection, parent → engine: these bytes exactly, with
 * at most one file descriptor (the shared virtual clock; none = the system clock). The
 * version number changes with the channel's messages (mrd-engine-wire.h). */
#define MRD_ENGINE_HELLO "meridian-engine-hello 1"

typedef struct _MrdEngineLaunch MrdEngineLaunch;

/* The engine executable: meridian-engine beside the running meridiand (libexecdir, or the
 * build tree), else the installed path (MERIDIAN_ENGINE_PATH). */
char *mrd_engine_launch_find_executable (void);

typedef struct {
  const char *executable;    /* child mode: meridian-engine (NULL: find it, see above) */
  const char *socket_path;   /* non-NULL: socket mode, connect here */
  const char *user;          /* child mode: --engine-user; NULL: the sandbox's default */
  const char *chroot_dir;    /* child mode: --engine-chroot; NULL: none */
  gboolean verbose;          /* child mode: the child logs debugging messages too */
} MrdEngineLaunchOptions;

/* A channel to a fresh engine: @fd is connected, non-blocking, close-on-exec, and the
 * callee's to close. */
typedef void (*MrdEngineLaunchConnected) (int fd, gpointer user_data);
/* The engine is gone (the child exited, or in socket mode the connection closed) without
 * mrd_engine_launch_stop() asking for it; @what says how, for the log. */
typedef void (*MrdEngineLaunchEnded)     (const char *what, gpointer user_data);

/* @clock: a shared virtual clock (mrd-clock-shared.h) is handed to the engine, any other kind
 * means the system clock. Starts nothing yet. */
MrdEngineLaunch *mrd_engine_launch_new  (const MrdEngineLaunchOptions *options, MrdClock *clock,
                                         MrdEngineLaunchConnected connected,
                                         MrdEngineLaunchEnded ended, gpointer user_data);
/* End the child (child mode) and any pending start; no callback runs after this. */
void             mrd_engine_launch_free (MrdEngineLaunch *self);

/* Start (or connect to) the engine now unless one runs or a start is pending; a failure is
 * logged and retried with the back-off. */
void             mrd_engine_launch_start (MrdEngineLaunch *self);
/* Socket mode: the engine is no longer wanted (the caller closes its channel fd, which ends
 * the engine): no reconnection. Child mode: nothing (the child stays, idle). */
void             mrd_engine_launch_stop (MrdEngineLaunch *self);
/* The proxy saw its channel close. Socket mode: the engine is gone (@ended runs, then a
 * reconnection after the back-off). Child mode: nothing yet, the child's exit tells. */
void             mrd_engine_launch_channel_closed (MrdEngineLaunch *self);

/* TRUE in socket mode: the engine runs only while NTP is on. */
gboolean         mrd_engine_launch_is_on_demand (MrdEngineLaunch *self);
/* The child's pid (0 while none runs, and always in socket mode: the peer credentials of an
 * activated socket name whoever listened, not the engine). */
GPid             mrd_engine_launch_get_pid (MrdEngineLaunch *self);
/* For logs: "pid N" or the socket path. */
const char      *mrd_engine_launch_describe (MrdEngineLaunch *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdEngineLaunch, mrd_engine_launch_free)

G_END_DECLS
