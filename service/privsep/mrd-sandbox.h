/* mrd-sandbox.h — what the NTP engine child does to itself before it reads any packet: the
 * shape chronyd (sys_linux.c) and OpenNTPD's ntp engine take.
 *   1. as root: drop every capability but CAP_SYS_TIME from the bounding set, switch to
 *      @user's uid and gid with no supplementary groups, keeping (PR_SET_KEEPCAPS) only
 *      CAP_SYS_TIME, effective and permitted — and only if the bounding set still holds it
 *      (a test daemon runs with it removed, so the child has no capability at all);
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

G_END_DECLS
