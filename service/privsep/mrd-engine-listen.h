/* mrd-engine-listen.h — the engine's end of socket mode (mrd-engine-launch.h): the socket
 * systemd passes (sd_listen_fds(3)'s protocol, read here without libsystemd), the peer check
 * and the hello. The socket is either listening (Accept=no: one engine serves one daemon and
 * refuses everyone else) or one already accepted connection (Accept=yes,
 * `systemd-socket-activate --accept`).
 *
 * The peer must be root (SO_PEERCRED uid 0): the socket is root's alone in the unit
 * (SocketMode=0600), and the check keeps it so wherever the socket's mode is wrong.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The single fd passed by socket activation (LISTEN_PID is this process, LISTEN_FDS is 1),
 * close-on-exec from now on; the variables are removed from the environment. -1 with
 * @error otherwise. *@listening: TRUE for a listening socket, FALSE for a connection. */
int      mrd_engine_listen_take_fd (gboolean *listening, GError **error);

/* Wait up to @timeout_ms (-1: forever) for a connection on @listen_fd and accept it:
 * its fd (close-on-exec, blocking), or -1 with G_IO_ERROR_TIMED_OUT or another error. */
int      mrd_engine_listen_accept (int listen_fd, int timeout_ms, GError **error);

/* The connection's peer is root; FALSE with an error naming its uid and pid otherwise. */
gboolean mrd_engine_listen_check_peer (int fd, GError **error);

/* Read the hello (MRD_ENGINE_HELLO), waiting up to @timeout_ms: *@clock_fd is the memfd it
 * carried (close-on-exec) or -1. FALSE if anything else came, or nothing in time. */
gboolean mrd_engine_listen_read_hello (int fd, int timeout_ms, int *clock_fd, GError **error);

G_END_DECLS
