/* mrd-sandbox.h — what the NTP engine child does to itself before it reads any packet: the
 * shape chronyd (sys_linux.c) and OpenNTPD's ntp engine take.
 *   1. as root: drop every capability but CAP_SYS_TIME from the bounding set, switch to
 *      @user's uid and gid with no supplementary groups, keeping (PR_SET_KEEPCAPS) only
 *      CAP_SYS_TIME, effective and permitted — and only if the bounding set still holds it
 *      (a test daemon runs with it removed, so the child has no capability at all). Not
 *      root (meridian-engine.service): the capabilities the unit gave, CAP_NET_BIND_SERVICE
 *      only until the configuration is applied (mrd_sandbox_drop_bind_service);
 *   2. optionally chroot into an empty directory;
 *   3. no_new_privs, then a seccomp filter that allows only the system calls the engine
 *      makes (sockets, timers, the clock, memory, threads for the resolver), opens files
 *      read-only at most, and kills the process on anything else.
 * Not root: nothing to drop (the process is unprivileged already); 2 and 3 still apply.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The default unprivileged user: this one if it exists (the systemd unit creates it), else
 * "nobody". Users are looked up in /etc/passwd first and through NSS only when neither is
 * there (mrd-sandbox.c lookup_user), so that the engine loads no NSS module. */
#define MRD_SANDBOX_USER "meridian"
#define MRD_SANDBOX_FALLBACK_USER "nobody"

/* @user NULL: MRD_SANDBOX_USER or the fallback. @chroot_dir NULL: no chroot. @accept: the
 * filter allows accept4(2) too (socket mode on a listening socket, mrd-engine-listen.h). */
gboolean mrd_sandbox_enter (const char *user, const char *chroot_dir, gboolean accept,
                            GError **error);
/* Give CAP_NET_BIND_SERVICE up for good, if this process has it: the drop-in
 * data/meridian-engine-serve.conf grants it to meridian-engine.service so that the engine can
 * bind port 123 for `allow` (meridiand, in a network namespace of its own there, cannot bind
 * it for the engine), and the engine drops it once its configuration has been applied,
 * whether it serves or not. TRUE when it is not held. */
gboolean mrd_sandbox_drop_bind_service (GError **error);

G_END_DECLS
