/* mrd-net.h — NTP client transport: UDP over IPv4 and IPv6 on a GLib main loop.
 *
 * One MrdNetSocket per server. Every request goes out on a fresh socket connected to the
 * server, so the kernel picks a new random source port for each exchange (as chronyd does
 * for its client requests by default, chrony.conf(5) `acquisitionport`) and drops datagrams
 * from any other address or port; replies are checked against the server's address once more
 * on receipt. Receive times are the kernel's (SO_TIMESTAMPING software receive stamps, else
 * SO_TIMESTAMPNS), in CLOCK_REALTIME ns; transmit times come from the kernel's error queue
 * (SOF_TIMESTAMPING_TX_SOFTWARE) where it gives them.
 *
 * Names are resolved with getaddrinfo(3) on a GLib thread pool (GThreadPool, in libglib), the
 * answer handed back to the caller's main context: what GIO's GResolver does internally,
 * without linking GIO. A numeric address never reaches the resolver, so a configuration of
 * numeric addresses keeps the engine single-threaded.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <sys/socket.h>

G_BEGIN_DECLS

typedef struct _MrdNetSocket MrdNetSocket;

/* A server's address and port (sockaddr_in or sockaddr_in6), allocated with g_new / g_free. */
typedef struct {
  struct sockaddr_storage ss;
  socklen_t len;
} MrdNetAddress;

/* A datagram from the server: @rx_real_ns is when it arrived (CLOCK_REALTIME, ns), the
 * kernel's timestamp when there was one, else the time it was read. */
typedef void (*MrdNetReceiveFunc) (gpointer user_data, const guint8 *data, gsize len,
                                   gint64 rx_real_ns);

MrdNetSocket *mrd_net_socket_new        (const MrdNetAddress *server, MrdNetReceiveFunc func,
                                         gpointer user_data);

/* How a socket is made (chrony's bindacqaddress, bindacqdevice, binddevice, dscp): the
 * interface it is bound to (SO_BINDTODEVICE; "" = any), its source address for the server's
 * family ("" = the route's; client sockets only, a server's is its bind address), and the
 * Differentiated Services Code Point of what it sends (0 = the kernel's default). A socket
 * that cannot be bound as asked is not opened (the error says why); a code point the kernel
 * refuses is only logged. */
typedef struct {
  char device[16];
  char source_ipv4[16];
  char source_ipv6[48];
  int dscp;
} MrdNetSocketOptions;

/* A TCP client socket (non-blocking, close-on-exec, not connected) for @server's family, made
 * as @options say for what leaves this host to a server (interface and source address, as
 * chronyd's NTS-KE follows bindacqaddress; the code point stays the kernel's, dscp being for
 * NTP packets); -1 with @error when it cannot be made so. */
int           mrd_net_tcp_client_socket (const MrdNetAddress *server,
                                         const MrdNetSocketOptions *options, GError **error);

/* The options of the client sockets @self opens from now on (the one opened ahead included). */
void          mrd_net_socket_set_options (MrdNetSocket *self, const MrdNetSocketOptions *options);
void          mrd_net_socket_free       (MrdNetSocket *self);
/* Send one request on a new socket (the previous exchange's socket is closed: a reply to an
 * older request is of no use). */
gboolean      mrd_net_socket_send       (MrdNetSocket *self, const guint8 *data, gsize len,
                                         GError **error);
/* Open the next exchange's socket now rather than at the first send: the kernel turns on
 * receive timestamping for the system only a moment after a socket first asks for it. */
gboolean      mrd_net_socket_prepare    (MrdNetSocket *self, GError **error);
/* Close the sockets (the current exchange's and the one opened ahead); the next send opens
 * new ones. For an engine that stops polling. */
void          mrd_net_socket_close      (MrdNetSocket *self);
/* The kernel's transmit timestamp of the last request (CLOCK_REALTIME ns), 0 until it came. */
gint64        mrd_net_socket_get_tx_time (MrdNetSocket *self);
/* The local port of the current exchange (0 = none open). */
guint16       mrd_net_socket_get_local_port (MrdNetSocket *self);
/* The local address and port the last request was sent from (getsockname(2) on its connected
 * socket: the address the kernel's route chose), kept after the exchange; NULL before the
 * first send. Valid until the next send. */
const MrdNetAddress *mrd_net_socket_get_local_address (MrdNetSocket *self);
const MrdNetAddress *mrd_net_socket_get_server (MrdNetSocket *self);
/* Datagrams dropped because they came from elsewhere than the server. */
guint         mrd_net_socket_get_n_foreign (MrdNetSocket *self);

/* The server side (chrony's `allow`): one unconnected socket per family, bound to @port on
 * @bind_address (NULL: any). Requests come with their sender and the kernel's receive time;
 * replies go back from the same socket, sent from the address the request was sent to
 * (IP_PKTINFO / IPV6_PKTINFO) when the reply is sent while the request is handled. IPv6
 * sockets take IPv6 alone (IPV6_V6ONLY), so an IPv4 socket on the same port can sit beside
 * them. */
typedef struct _MrdNetServer MrdNetServer;
typedef void (*MrdNetRequestFunc) (gpointer user_data, const guint8 *data, gsize len,
                                   const MrdNetAddress *from, gint64 rx_real_ns);

/* A bound socket (close-on-exec, non-blocking, receive timestamps; -1 with @error), which a
 * privileged process may open for port 123 and hand to the engine, and the server on such a
 * socket (which it then owns). */
int           mrd_net_server_open       (int family, const char *bind_address, guint16 port,
                                         const MrdNetSocketOptions *options, GError **error);
MrdNetServer *mrd_net_server_new_from_fd (int fd, MrdNetRequestFunc func, gpointer user_data);
void          mrd_net_server_free       (MrdNetServer *self);
gboolean      mrd_net_server_send       (MrdNetServer *self, const guint8 *data, gsize len,
                                         const MrdNetAddress *to, GError **error);

/* Fill @buf with @len unpredictable bytes (getrandom(2)): request transmit timestamps, the
 * server's timestamp bits below the precision. Never fails short (aborts if the kernel has no
 * random source at all). */
void          mrd_net_random_bytes      (void *buf, gsize len);

/* "192.0.2.1" / "2001:db8::1" (with @port) -> an address, without the resolver; NULL when
 * @host is not a numeric address. */
MrdNetAddress *mrd_net_address_parse_numeric (const char *host, guint16 port);
MrdNetAddress *mrd_net_address_copy      (const MrdNetAddress *address);
void          mrd_net_address_free      (MrdNetAddress *address);
/* Same family, address and port. */
gboolean      mrd_net_address_equal     (const MrdNetAddress *a, const MrdNetAddress *b);
int           mrd_net_address_get_family (const MrdNetAddress *address);
guint16       mrd_net_address_get_port  (const MrdNetAddress *address);
/* "192.0.2.1:123" / "[2001:db8::1]:123" as chronyc shows an address (port only if not 123). */
char         *mrd_net_address_to_string (const MrdNetAddress *address);
/* The address alone ("192.0.2.1", "2001:db8::1"). */
char         *mrd_net_address_host_to_string (const MrdNetAddress *address);

/* The reference ID chronyd gives a server at @address (its util.c UTI_IPToRefid): an IPv4
 * address itself (127.0.0.1 -> 0x7F000001), else the first 4 bytes of the MD5 of the 16-byte
 * IPv6 address, big-endian. The port plays no part. */
guint32       mrd_net_address_refid (const MrdNetAddress *address);

/* A name lookup in flight. */
typedef struct _MrdNetResolve MrdNetResolve;

/* The answer, in the main context that was the thread default when the lookup began:
 * @addresses (a GPtrArray of MrdNetAddress) with at least one address, or NULL and @error;
 * both are the caller's, freed after the callback returns: copy what is kept. */
typedef void (*MrdNetResolvedFunc) (GPtrArray *addresses, const GError *error,
                                    gpointer user_data);

/* Resolve @host to at most @max addresses (with @port), IPv4 and IPv6, duplicates removed. A
 * numeric @host is answered too, in the worker thread like any other: a single-threaded
 * caller checks mrd_net_address_parse_numeric() first. */
MrdNetResolve *mrd_net_resolve        (const char *host, guint16 port, guint max,
                                       MrdNetResolvedFunc func, gpointer user_data);
/* The callback will not be called (from the main context's thread only). */
void          mrd_net_resolve_cancel (MrdNetResolve *resolve);

/* What the worker thread calls instead of getaddrinfo(3), for tests: a GPtrArray of
 * MrdNetAddress (any number, duplicates allowed), or NULL with @error. NULL restores
 * getaddrinfo. Set it while no lookup is in flight. */
typedef GPtrArray *(*MrdNetLookupFunc) (const char *host, guint16 port, gpointer user_data,
                                        GError **error);
void          mrd_net_set_lookup_func (MrdNetLookupFunc func, gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdNetAddress, mrd_net_address_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdNetSocket, mrd_net_socket_free)

G_END_DECLS
