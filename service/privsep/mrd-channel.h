/* mrd-channel.h — the messages between meridiand and its NTP engine child (mrd-engine-child.h)
 * over a SOCK_SEQPACKET socketpair: one datagram per message, a 4-byte little-endian length
 * then that many bytes of a serialized GVariant of type (sv): the message's name and its
 * argument. The receiver trusts nothing: the length must match, the payload is checked as an
 * untrusted GVariant, and each name's argument type is checked before use.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Larger than any message either side sends (a report of every source at NTP_MAX_SOURCES). */
#define MRD_CHANNEL_MAX_MESSAGE (256 * 1024)

/* A connected SOCK_SEQPACKET pair, close-on-exec, the parent's end non-blocking. */
gboolean    mrd_channel_socketpair (int fds[2], GError **error);

/* Send @name with @arg (floating references are sunk). FALSE with @error when the peer is
 * gone or the message is too large. */
gboolean    mrd_channel_send       (int fd, const char *name, GVariant *arg, GError **error);
/* One datagram of @len bytes from @data, with @pass_fd attached (SCM_RIGHTS) unless it is
 * -1: sendmsg(2) retried on EINTR, without SIGPIPE. Returns what sendmsg returned (errno
 * set when < 0). The framed messages above and the engine socket's greeting both use it. */
gssize      mrd_channel_send_datagram (int fd, const void *data, gsize len, int pass_fd);

/* The same, passing @pass_fd (SCM_RIGHTS; the caller keeps its copy) when >= 0. */
gboolean    mrd_channel_send_with_fd (int fd, const char *name, GVariant *arg, int pass_fd,
                                      GError **error);

/* Receive one message. TRUE with *name_out (free) and *arg_out (unref) set; FALSE with
 * G_IO_ERROR_WOULD_BLOCK when none is waiting (non-blocking fd), G_IO_ERROR_CLOSED at the
 * end, G_IO_ERROR_INVALID_DATA for a malformed message (which is dropped). */
gboolean    mrd_channel_receive    (int fd, char **name_out, GVariant **arg_out, GError **error);

/* The same, *fd_out set to the descriptor the message carried (close-on-exec, the caller's
 * to close) or -1; any further descriptors are closed. mrd_channel_receive() takes none. */
gboolean    mrd_channel_receive_with_fd (int fd, char **name_out, GVariant **arg_out,
                                         int *fd_out, GError **error);

G_END_DECLS
