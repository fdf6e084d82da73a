/* mrd-engine-child.h — the network-facing half of meridiand: `meridian-engine --engine-child
 * FD` (service/engine-main.c), started by the daemon (mrd-engine-proxy.h) with one end of a
 * socketpair as FD. It enters its sandbox (mrd-sandbox.h: an unprivileged user, at most
 * CAP_SYS_TIME, no_new_privs, seccomp) before it opens a socket, then runs the NTP engine
 * (sync/mrd-sync-engine.h) as the parent tells it over the channel (mrd-channel.h, messages
 * in mrd-engine-wire.h). It never reads or writes a file: the parent hands it the
 * configuration and the drift, and keeps the drift file from what the child reports. The
 * same engine also runs as a service of its own behind a socket
 * (mrd_engine_child_run_activated).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "clock/mrd-clock.h"

G_BEGIN_DECLS

typedef struct {
  int channel_fd;
  int clock_fd;              /* the shared virtual clock's memfd; -1 = the system clock */
  const char *user;          /* NULL: the sandbox's default */
  const char *chroot_dir;    /* NULL: none */
} MrdEngineChildOptions;

/* Runs until the parent closes the channel; the process's exit status. */
int mrd_engine_child_run (const MrdEngineChildOptions *options);

/* Socket mode (`meridian-engine --engine-activated`, meridian-engine.service): the same engine on
 * the socket passed by socket activation (mrd-engine-listen.h). Enters the sandbox, takes
 * the first connection whose peer is root, reads its hello (the clock), serves it and exits
 * when it closes; other peers are refused. @options' channel_fd and clock_fd are unused. */
int mrd_engine_child_run_activated (const MrdEngineChildOptions *options);

G_END_DECLS
