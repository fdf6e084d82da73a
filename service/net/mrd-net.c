/* mrd-net.c — see mrd-net.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1

#include "mrd-net.h"
#include "ntp-refid.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <netdb.h>
#include <sys/random.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <glib-unix.h>

#include "net/mrd-io-error.h"

#define NS_PER_SEC G_GINT64_CONSTANT (1000000000)
/* An NTP reply is 48 bytes plus extension fields and a MAC (RFC 7822), well under this; a
 * longer datagram is dropped whole (MSG_TRUNC), never handed on as a truncated copy that
 * might parse. */
#define RECV_BUF_LEN 4096

struct _MrdNetSocket {
  MrdNetAddress server;
  int family;
  int fd;
  guint watch;
  int spare_fd;                  /* the next exchange's socket, opened and connected ahead */
  MrdNetReceiveFunc func;
  gpointer user_data;
  gint64 tx_time;
  guint n_foreign;
  MrdNetAddress local;           /* the last request's source address and port; len 0 = none */
  MrdNetSocketOptions options;
};

static gint64
realtime_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (gint64) ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static gint64
timespec_ns (const struct timespec *ts)
{
  return (gint64) ts->tv_sec * NS_PER_SEC + ts->tv_nsec;
}

static void
close_exchange (MrdNetSocket *self)
{
  if (self->watch != 0)
    g_source_remove (self->watch);
  self->watch = 0;
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
}

/* The kernel's timestamp in a message's control data: SCM_TIMESTAMPING's software stamp
 * (the first of its three), or SCM_TIMESTAMPNS. 0 = none. */
static gint64
find_timestamp (struct msghdr *msg)
{
  struct cmsghdr *cmsg;

  for (cmsg = CMSG_FIRSTHDR (msg); cmsg != NULL; cmsg = CMSG_NXTHDR (msg, cmsg))
    {
      if (cmsg->cmsg_level != SOL_SOCKET)
        continue;
      if (cmsg->cmsg_type == SCM_TIMESTAMPING)
        {
          struct timespec ts[3];

          memcpy (ts, CMSG_DATA (cmsg), sizeof ts);
          if (ts[0].tv_sec != 0 || ts[0].tv_nsec != 0)
            return timespec_ns (&ts[0]);
        }
      else if (cmsg->cmsg_type == SCM_TIMESTAMPNS)
        {
          struct timespec ts;

          memcpy (&ts, CMSG_DATA (cmsg), sizeof ts);
          return timespec_ns (&ts);
        }
    }
  return 0;
}

static gboolean
from_server (MrdNetSocket *self, const struct sockaddr_storage *from, socklen_t len)
{
  if (from->ss_family != self->family)
    return FALSE;
  if (self->family == AF_INET)
    {
      const struct sockaddr_in *a = (const struct sockaddr_in *) from;
      const struct sockaddr_in *b = (const struct sockaddr_in *) &self->server.ss;

      return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
  else
    {
      const struct sockaddr_in6 *a = (const struct sockaddr_in6 *) from;
      const struct sockaddr_in6 *b = (const struct sockaddr_in6 *) &self->server.ss;

      return a->sin6_port == b->sin6_port &&
             memcmp (&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
    }
}

/* Read one message; returns FALSE when there is nothing more to read. */
static gboolean
read_one (MrdNetSocket *self, int flags)
{
  guint8 buf[RECV_BUF_LEN];
  union {
    char buf[CMSG_SPACE (3 * sizeof (struct timespec)) + CMSG_SPACE (sizeof (struct sock_extended_err) + sizeof (struct sockaddr_storage)) + 256];
    struct cmsghdr align;
  } control;
  struct sockaddr_storage from;
  struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
  struct msghdr msg = {
    .msg_name = &from, .msg_namelen = sizeof from,
    .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = control.buf, .msg_controllen = sizeof control.buf,
  };
  gint64 ts;
  ssize_t n;

  memset (&from, 0, sizeof from);
  n = recvmsg (self->fd, &msg, flags | MSG_DONTWAIT);
  if (n < 0)
    {
      /* EAGAIN: done. ECONNREFUSED (an ICMP port unreachable for our request) and other
       * errors: the exchange has failed; the core counts the missing reply. */
      return errno == EINTR;
    }
  ts = find_timestamp (&msg);
  if (msg.msg_flags & MSG_ERRQUEUE)
    {
      /* Our own request looped back with its transmit timestamp: the first one of the
       * exchange (only one request goes out per socket). */
      if (ts != 0 && self->tx_time == 0)
        self->tx_time = ts;
      return TRUE;
    }
  if (msg.msg_flags & MSG_TRUNC)
    {
      g_debug ("Dropped a datagram longer than %d bytes", RECV_BUF_LEN);
      return TRUE;
    }
  if (msg.msg_namelen > 0 && !from_server (self, &from, msg.msg_namelen))
    {
      self->n_foreign++;
      g_debug ("Dropped a datagram that did not come from the server");
      return TRUE;
    }
  if (ts == 0)
    ts = realtime_ns ();
  /* The callback may send a new request, which closes this socket. */
  {
    int fd = self->fd;

    self->func (self->user_data, buf, (gsize) n, ts);
    return self->fd == fd;
  }
}

static gboolean
on_readable (int fd, GIOCondition condition, gpointer user_data)
{
  MrdNetSocket *self = user_data;
  guint i;

  /* The error queue first (transmit timestamps), then the replies. Bounded, so a flood of
   * datagrams cannot keep the main loop here. */
  for (i = 0; i < 16 && self->fd == fd; i++)
    if (!read_one (self, MSG_ERRQUEUE))
      break;
  for (i = 0; i < 16 && self->fd == fd; i++)
    if (!read_one (self, 0))
      break;
  return G_SOURCE_CONTINUE;
}

/* @options' interface and code point on @fd, of @family; FALSE with @error when the interface
 * cannot be had. */
static gboolean
apply_options (int fd, int family, const MrdNetSocketOptions *options, GError **error)
{
  if (options == NULL)
    return TRUE;
  if (options->device[0] != '\0' &&
      setsockopt (fd, SOL_SOCKET, SO_BINDTODEVICE, options->device,
                  (socklen_t) strlen (options->device)) < 0)
    {
      int errsv = errno;
      g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (errsv),
                   "cannot bind to interface %s: %s", options->device, g_strerror (errsv));
      return FALSE;
    }
  if (options->dscp > 0)
    {
      /* The code point is the upper six bits of the IPv4 TOS / IPv6 traffic class byte. */
      int tos = options->dscp << 2;
      int r = family == AF_INET6
                ? setsockopt (fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos)
                : setsockopt (fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
      if (r < 0)
        g_debug ("Cannot set DSCP %d: %s", options->dscp, g_strerror (errno));
    }
  return TRUE;
}

/* Bind @fd to @options' source address of @family, if it names one, port 0 (the kernel's
 * choice, random, as connect(2) would give). */
static gboolean
bind_source (int fd, int family, const MrdNetSocketOptions *options, GError **error)
{
  const char *source = family == AF_INET6 ? options->source_ipv6 : options->source_ipv4;
  struct sockaddr_storage ss;
  socklen_t len;

  if (source[0] == '\0')
    return TRUE;
  memset (&ss, 0, sizeof ss);
  if (family == AF_INET6)
    {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;
      a->sin6_family = AF_INET6;
      len = sizeof *a;
      if (inet_pton (AF_INET6, source, &a->sin6_addr) != 1)
        len = 0;
    }
  else
    {
      struct sockaddr_in *a = (struct sockaddr_in *) &ss;
      a->sin_family = AF_INET;
      len = sizeof *a;
      if (inet_pton (AF_INET, source, &a->sin_addr) != 1)
        len = 0;
    }
  if (len == 0 || bind (fd, (struct sockaddr *) &ss, len) < 0)
    {
      int errsv = len == 0 ? EINVAL : errno;
      g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (errsv),
                   "cannot send from %s: %s", source, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

int
mrd_net_tcp_client_socket (const MrdNetAddress *server, const MrdNetSocketOptions *options,
                           GError **error)
{
  int family = server->ss.ss_family;
  MrdNetSocketOptions placed = { 0 };
  int fd;

  fd = socket (family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (errsv), "socket: %s",
                   g_strerror (errsv));
      return -1;
    }
  if (options != NULL)
    {
      placed = *options;
      placed.dscp = 0;
    }
  if (!apply_options (fd, family, &placed, error) || !bind_source (fd, family, &placed, error))
    {
      close (fd);
      return -1;
    }
  return fd;
}

static int
open_socket (MrdNetSocket *self, GError **error)
{
  int fd, flags;

  /* Plain SOCK_DGRAM and fcntl(2) rather than SOCK_NONBLOCK | SOCK_CLOEXEC: clknetsim, the
   * simulator chrony is tested in, accepts only the bare type. */
  fd = socket (self->family, SOCK_DGRAM, IPPROTO_UDP);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (errsv), "socket: %s",
                   g_strerror (errsv));
      return -1;
    }
  (void) fcntl (fd, F_SETFD, FD_CLOEXEC);
  (void) fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);
  /* Software timestamps: receive, and transmit through the error queue (only the stamp,
   * not a copy of the packet). Kernels or sandboxes without SO_TIMESTAMPING still give
   * SO_TIMESTAMPNS. */
  flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_TX_SOFTWARE |
          SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_TSONLY;
  if (setsockopt (fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags) < 0)
    {
      int on = 1;

      (void) setsockopt (fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    }
  if (!apply_options (fd, self->family, &self->options, error) ||
      !bind_source (fd, self->family, &self->options, error))
    {
      close (fd);
      return -1;
    }
  /* connect(2) on an unbound UDP socket binds it to a random ephemeral port and makes the
   * kernel drop datagrams from any other address and port. */
  if (connect (fd, (struct sockaddr *) &self->server.ss, self->server.len) < 0)
    {
      int errsv = errno;
      close (fd);
      g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (errsv), "connect: %s",
                   g_strerror (errsv));
      return -1;
    }
  return fd;
}

MrdNetSocket *
mrd_net_socket_new (const MrdNetAddress *server, MrdNetReceiveFunc func, gpointer user_data)
{
  MrdNetSocket *self = g_new0 (MrdNetSocket, 1);

  g_assert (server->len <= sizeof server->ss);
  self->server = *server;
  self->fd = -1;
  self->spare_fd = -1;
  self->func = func;
  self->user_data = user_data;
  self->family = self->server.ss.ss_family;
  return self;
}

void
mrd_net_socket_set_options (MrdNetSocket *self, const MrdNetSocketOptions *options)
{
  self->options = *options;
  self->options.device[sizeof self->options.device - 1] = '\0';
  self->options.source_ipv4[sizeof self->options.source_ipv4 - 1] = '\0';
  self->options.source_ipv6[sizeof self->options.source_ipv6 - 1] = '\0';
  /* the socket opened ahead was made without them */
  if (self->spare_fd >= 0)
    {
      close (self->spare_fd);
      self->spare_fd = -1;
    }
}

gboolean
mrd_net_socket_prepare (MrdNetSocket *self, GError **error)
{
  if (self->spare_fd < 0)
    self->spare_fd = open_socket (self, error);
  return self->spare_fd >= 0;
}

void
mrd_net_socket_close (MrdNetSocket *self)
{
  close_exchange (self);
  if (self->spare_fd >= 0)
    close (self->spare_fd);
  self->spare_fd = -1;
}

void
mrd_net_socket_free (MrdNetSocket *self)
{
  if (self == NULL)
    return;
  mrd_net_socket_close (self);
  g_free (self);
}

gboolean
mrd_net_socket_send (MrdNetSocket *self, const guint8 *data, gsize len, GError **error)
{
  int fd = self->spare_fd;
  int send_errno;
  ssize_t n;

  /* The caller read its clock just before this call and takes that as the transmit time:
   * the socket was opened and connected ahead (after the previous request), so that only
   * send(2) lies between, and the bookkeeping comes after it. */
  self->spare_fd = -1;
  if (fd < 0)
    fd = open_socket (self, error);
  if (fd < 0)
    return FALSE;
  n = send (fd, data, len, 0);
  send_errno = n < 0 ? errno : EMSGSIZE;
  close_exchange (self);
  self->fd = fd;
  self->watch = g_unix_fd_add (fd, G_IO_IN | G_IO_ERR, on_readable, self);
  /* The address the kernel chose for the connected socket (its route's source address):
   * kept past the exchange, so that it can be read while no socket is open. */
  self->local.len = sizeof self->local.ss;
  if (getsockname (fd, (struct sockaddr *) &self->local.ss, &self->local.len) < 0)
    self->local.len = 0;
  self->tx_time = 0;
  /* The kernel stamps a UDP datagram's software transmit time as it leaves, on loopback and
   * most drivers before send(2) returns: take it now rather than in a later wake-up. (Where
   * it comes later it is read with the reply; clknetsim stamps it when it is read, so only
   * a read right after the send gives the simulated transmit time.) */
  if (n >= 0)
    (void) read_one (self, MSG_ERRQUEUE);
  self->spare_fd = open_socket (self, NULL);
  if (n < 0 || (gsize) n != len)
    {
      g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (send_errno), "send: %s",
                   g_strerror (send_errno));
      return FALSE;
    }
  return TRUE;
}

gint64
mrd_net_socket_get_tx_time (MrdNetSocket *self)
{
  return self->tx_time;
}

guint16
mrd_net_socket_get_local_port (MrdNetSocket *self)
{
  struct sockaddr_storage local;
  socklen_t len = sizeof local;

  if (self->fd < 0 || getsockname (self->fd, (struct sockaddr *) &local, &len) < 0)
    return 0;
  if (local.ss_family == AF_INET)
    return g_ntohs (((struct sockaddr_in *) &local)->sin_port);
  if (local.ss_family == AF_INET6)
    return g_ntohs (((struct sockaddr_in6 *) &local)->sin6_port);
  return 0;
}

const MrdNetAddress *
mrd_net_socket_get_local_address (MrdNetSocket *self)
{
  return self->local.len > 0 ? &self->local : NULL;
}

const MrdNetAddress *
mrd_net_socket_get_server (MrdNetSocket *self)
{
  return &self->server;
}

guint
mrd_net_socket_get_n_foreign (MrdNetSocket *self)
{
  return self->n_foreign;
}

void
mrd_net_random_bytes (void *buf, gsize len)
{
  guint8 *p = buf;

  /* getrandom(2) does not block once the pool is initialized; a short read only happens on
   * a signal, so loop. */
  while (len > 0)
    {
      ssize_t n = getrandom (p, len, 0);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          g_error ("getrandom: %s", g_strerror (errno));
        }
      p += n;
      len -= (gsize) n;
    }
}

/* ---- server --------------------------------------------------------------------------- */

struct _MrdNetServer {
  int fd;
  guint watch;
  MrdNetRequestFunc func;
  gpointer user_data;
  /* While a request is handled: the address it was sent to (IP_PKTINFO / IPV6_PKTINFO), the
   * address the reply must come from. A socket bound to any address on a host with several
   * would otherwise answer from whichever the route picks, and the client, which sent to
   * another, would drop the reply (as our own connected client sockets do). */
  gboolean have_dest;
  int dest_family;
  struct in_pktinfo dest4;
  struct in6_pktinfo dest6;
};

/* The request's destination address in its control data, kept for the reply. */
static void
find_destination (MrdNetServer *self, struct msghdr *msg)
{
  struct cmsghdr *cmsg;

  self->have_dest = FALSE;
  for (cmsg = CMSG_FIRSTHDR (msg); cmsg != NULL; cmsg = CMSG_NXTHDR (msg, cmsg))
    {
      if (cmsg->cmsg_level == IPPROTO_IP && cmsg->cmsg_type == IP_PKTINFO &&
          cmsg->cmsg_len >= CMSG_LEN (sizeof self->dest4))
        {
          memcpy (&self->dest4, CMSG_DATA (cmsg), sizeof self->dest4);
          /* the reply goes out where the route says; only its source address is set */
          self->dest4.ipi_spec_dst = self->dest4.ipi_addr;
          self->dest4.ipi_ifindex = 0;
          self->dest_family = AF_INET;
          self->have_dest = TRUE;
        }
      else if (cmsg->cmsg_level == IPPROTO_IPV6 && cmsg->cmsg_type == IPV6_PKTINFO &&
               cmsg->cmsg_len >= CMSG_LEN (sizeof self->dest6))
        {
          memcpy (&self->dest6, CMSG_DATA (cmsg), sizeof self->dest6);
          /* a link-local destination needs its interface; any other only the address */
          if (!IN6_IS_ADDR_LINKLOCAL (&self->dest6.ipi6_addr))
            self->dest6.ipi6_ifindex = 0;
          self->dest_family = AF_INET6;
          self->have_dest = TRUE;
        }
    }
}

static gboolean
server_read_one (MrdNetServer *self)
{
  guint8 buf[RECV_BUF_LEN];
  union {
    char buf[CMSG_SPACE (3 * sizeof (struct timespec)) + CMSG_SPACE (sizeof (struct in6_pktinfo))
             + 256];
    struct cmsghdr align;
  } control;
  MrdNetAddress from = { .len = sizeof from.ss };
  struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
  struct msghdr msg = {
    .msg_name = &from.ss, .msg_namelen = sizeof from.ss,
    .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = control.buf, .msg_controllen = sizeof control.buf,
  };
  gint64 ts;
  ssize_t n;

  memset (&from.ss, 0, sizeof from.ss);
  n = recvmsg (self->fd, &msg, MSG_DONTWAIT);
  if (n < 0)
    return errno == EINTR;
  /* Longer than any request: dropped whole, as a client's reply would be. */
  if ((msg.msg_flags & MSG_TRUNC) || msg.msg_namelen == 0)
    return TRUE;
  from.len = msg.msg_namelen;
  ts = find_timestamp (&msg);
  if (ts == 0)
    ts = realtime_ns ();
  find_destination (self, &msg);
  self->func (self->user_data, buf, (gsize) n, &from, ts);
  self->have_dest = FALSE;
  return TRUE;
}

static gboolean
server_readable (int fd, GIOCondition condition, gpointer user_data)
{
  MrdNetServer *self = user_data;
  guint i;

  /* Bounded, so a flood of requests cannot keep the main loop here. */
  for (i = 0; i < 64; i++)
    if (!server_read_one (self))
      break;
  return G_SOURCE_CONTINUE;
}

int
mrd_net_server_open (int family, const char *bind_address, guint16 port,
                     const MrdNetSocketOptions *options, GError **error)
{
  struct sockaddr_storage ss;
  socklen_t len;
  int fd, on = 1, errsv;
  const char *what;

  memset (&ss, 0, sizeof ss);
  if (family == AF_INET)
    {
      struct sockaddr_in *a = (struct sockaddr_in *) &ss;

      a->sin_family = AF_INET;
      a->sin_port = htons (port);
      a->sin_addr.s_addr = htonl (INADDR_ANY);
      if (bind_address != NULL && inet_pton (AF_INET, bind_address, &a->sin_addr) != 1)
        family = -1;
      len = sizeof *a;
    }
  else
    {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;

      a->sin6_family = AF_INET6;
      a->sin6_port = htons (port);
      a->sin6_addr = in6addr_any;
      if (bind_address != NULL && inet_pton (AF_INET6, bind_address, &a->sin6_addr) != 1)
        family = -1;
      len = sizeof *a;
    }
  if (family < 0)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "'%s' is not an address to bind", bind_address);
      return -1;
    }
  /* The bare type, as for the client sockets (clknetsim takes no flags). */
  fd = socket (family, SOCK_DGRAM, IPPROTO_UDP);
  what = "socket";
  if (fd >= 0)
    {
      (void) fcntl (fd, F_SETFD, FD_CLOEXEC);
      (void) fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);
      (void) setsockopt (fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
      if (family == AF_INET6)
        (void) setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
      if (!apply_options (fd, family, options, error))
        {
          close (fd);
          return -1;
        }
      what = "bind";
      if (bind (fd, (struct sockaddr *) &ss, len) == 0)
        return fd;
    }
  errsv = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (errsv), "%s: %s", what,
               g_strerror (errsv));
  return -1;
}

MrdNetServer *
mrd_net_server_new_from_fd (int fd, MrdNetRequestFunc func, gpointer user_data)
{
  MrdNetServer *self = g_new0 (MrdNetServer, 1);
  int on = 1;

  /* A socket handed over keeps its own settings but these, which the engine relies on. Where
   * a kernel (or clknetsim) lacks the destination-address options, replies go out as the
   * route says. */
  (void) fcntl (fd, F_SETFD, FD_CLOEXEC);
  (void) fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);
  (void) setsockopt (fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  (void) setsockopt (fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
  (void) setsockopt (fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
  self->fd = fd;
  self->func = func;
  self->user_data = user_data;
  self->watch = g_unix_fd_add (fd, G_IO_IN, server_readable, self);
  return self;
}

void
mrd_net_server_free (MrdNetServer *self)
{
  if (self == NULL)
    return;
  g_source_remove (self->watch);
  close (self->fd);
  g_free (self);
}

gboolean
mrd_net_server_send (MrdNetServer *self, const guint8 *data, gsize len, const MrdNetAddress *to,
                     GError **error)
{
  union {
    char buf[CMSG_SPACE (sizeof (struct in6_pktinfo))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
  struct msghdr msg = {
    .msg_name = (void *) &to->ss, .msg_namelen = to->len, .msg_iov = &iov, .msg_iovlen = 1,
  };

  /* From the address the request came to (see _MrdNetServer), when it is the same family. */
  if (self->have_dest && self->dest_family == to->ss.ss_family)
    {
      struct cmsghdr *cmsg;
      gboolean v4 = self->dest_family == AF_INET;
      gsize size = v4 ? sizeof self->dest4 : sizeof self->dest6;

      memset (&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = CMSG_SPACE (size);
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
      cmsg->cmsg_type = v4 ? IP_PKTINFO : IPV6_PKTINFO;
      cmsg->cmsg_len = CMSG_LEN (size);
      memcpy (CMSG_DATA (cmsg), v4 ? (const void *) &self->dest4 : (const void *) &self->dest6,
              size);
    }
  if (sendmsg (self->fd, &msg, 0) < 0)
    {
      int errsv = errno;
      g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (errsv), "sendmsg: %s",
                   g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

MrdNetAddress *
mrd_net_address_parse_numeric (const char *host, guint16 port)
{
  MrdNetAddress *out;
  struct in_addr a4;
  struct in6_addr a6;

  if (host == NULL)
    return NULL;
  /* inet_pton(3) takes only the full forms ("127.1" is no IPv4 address here, as for GIO). */
  if (inet_pton (AF_INET, host, &a4) == 1)
    {
      struct sockaddr_in *sin;

      out = g_new0 (MrdNetAddress, 1);
      sin = (struct sockaddr_in *) &out->ss;
      sin->sin_family = AF_INET;
      sin->sin_port = g_htons (port);
      sin->sin_addr = a4;
      out->len = sizeof *sin;
      return out;
    }
  if (inet_pton (AF_INET6, host, &a6) == 1)
    {
      struct sockaddr_in6 *sin6;

      out = g_new0 (MrdNetAddress, 1);
      sin6 = (struct sockaddr_in6 *) &out->ss;
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = g_htons (port);
      sin6->sin6_addr = a6;
      out->len = sizeof *sin6;
      return out;
    }
  return NULL;
}

MrdNetAddress *
mrd_net_address_copy (const MrdNetAddress *address)
{
  return g_memdup2 (address, sizeof *address);
}

void
mrd_net_address_free (MrdNetAddress *address)
{
  g_free (address);
}

int
mrd_net_address_get_family (const MrdNetAddress *address)
{
  return address->ss.ss_family;
}

guint16
mrd_net_address_get_port (const MrdNetAddress *address)
{
  if (address->ss.ss_family == AF_INET)
    return g_ntohs (((const struct sockaddr_in *) &address->ss)->sin_port);
  if (address->ss.ss_family == AF_INET6)
    return g_ntohs (((const struct sockaddr_in6 *) &address->ss)->sin6_port);
  return 0;
}

/* The address's bytes (4 or 16) and their count. */
static const guint8 *
address_bytes (const MrdNetAddress *address, gsize *len)
{
  if (address->ss.ss_family == AF_INET)
    {
      *len = 4;
      return (const guint8 *) &((const struct sockaddr_in *) &address->ss)->sin_addr;
    }
  *len = 16;
  return (const guint8 *) &((const struct sockaddr_in6 *) &address->ss)->sin6_addr;
}

gboolean
mrd_net_address_equal (const MrdNetAddress *a, const MrdNetAddress *b)
{
  const guint8 *ba, *bb;
  gsize la, lb;

  if (a->ss.ss_family != b->ss.ss_family ||
      mrd_net_address_get_port (a) != mrd_net_address_get_port (b))
    return FALSE;
  ba = address_bytes (a, &la);
  bb = address_bytes (b, &lb);
  return la == lb && memcmp (ba, bb, la) == 0;
}

char *
mrd_net_address_host_to_string (const MrdNetAddress *address)
{
  char buf[INET6_ADDRSTRLEN];
  gsize len;
  const guint8 *bytes = address_bytes (address, &len);

  if (inet_ntop (address->ss.ss_family, bytes, buf, sizeof buf) == NULL)
    return g_strdup ("?");
  return g_strdup (buf);
}

char *
mrd_net_address_to_string (const MrdNetAddress *address)
{
  guint16 port = mrd_net_address_get_port (address);
  g_autofree char *host = mrd_net_address_host_to_string (address);

  if (port == 123)
    return g_steal_pointer (&host);
  if (address->ss.ss_family == AF_INET6)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

guint32
mrd_net_address_refid (const MrdNetAddress *address)
{
  gsize n;
  const guint8 *bytes = address_bytes (address, &n);

  return ntp_refid_from_address (bytes, n);
}

/* ---- names ------------------------------------------------------------------------------ */

struct _MrdNetResolve {
  char *host;
  guint16 port;
  guint max;
  MrdNetResolvedFunc func;
  gpointer user_data;
  GMainContext *context;
  gboolean cancelled;            /* read and written in the context's thread only */
  GPtrArray *addresses;          /* the worker's answer */
  GError *error;
};

static MrdNetLookupFunc lookup_func;
static gpointer lookup_data;

void
mrd_net_set_lookup_func (MrdNetLookupFunc func, gpointer user_data)
{
  lookup_func = func;
  lookup_data = user_data;
}

static GPtrArray *
lookup_getaddrinfo (const char *host, guint16 port, GError **error)
{
  struct addrinfo hints = { 0 }, *res = NULL, *ai;
  GPtrArray *out;
  int r;

  /* "localhost" and names under it are the loopback addresses whatever the hosts file says
   * (RFC 6761 6.3), both families, as GIO's resolver answers them. */
  if (g_ascii_strcasecmp (host, "localhost") == 0 ||
      (strlen (host) > 10 && g_ascii_strcasecmp (host + strlen (host) - 10, ".localhost") == 0))
    {
      out = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (out, mrd_net_address_parse_numeric ("127.0.0.1", port));
      g_ptr_array_add (out, mrd_net_address_parse_numeric ("::1", port));
      return out;
    }
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  /* As GResolver asks: only the families this host has an address of. */
  hints.ai_flags = AI_ADDRCONFIG;
  r = getaddrinfo (host, NULL, &hints, &res);
  if (r != 0)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Error resolving \"%s\": %s",
                   host, r == EAI_SYSTEM ? g_strerror (errno) : gai_strerror (r));
      return NULL;
    }
  out = g_ptr_array_new_with_free_func (g_free);
  for (ai = res; ai != NULL; ai = ai->ai_next)
    {
      MrdNetAddress *a;

      if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
          ai->ai_addrlen > sizeof a->ss)
        continue;
      a = g_new0 (MrdNetAddress, 1);
      memcpy (&a->ss, ai->ai_addr, ai->ai_addrlen);
      a->len = ai->ai_addrlen;
      if (a->ss.ss_family == AF_INET)
        ((struct sockaddr_in *) &a->ss)->sin_port = g_htons (port);
      else
        ((struct sockaddr_in6 *) &a->ss)->sin6_port = g_htons (port);
      g_ptr_array_add (out, a);
    }
  freeaddrinfo (res);
  return out;
}

static gboolean
resolve_deliver (gpointer user_data)
{
  MrdNetResolve *job = user_data;

  if (!job->cancelled)
    job->func (job->addresses, job->error, job->user_data);
  g_clear_pointer (&job->addresses, g_ptr_array_unref);
  g_clear_error (&job->error);
  g_main_context_unref (job->context);
  g_free (job->host);
  g_free (job);
  return G_SOURCE_REMOVE;
}

static void
resolve_in_thread (gpointer data, gpointer pool_data)
{
  MrdNetResolve *job = data;
  g_autoptr(GPtrArray) all = NULL;
  GSource *idle;
  guint i;

  all = lookup_func != NULL ? lookup_func (job->host, job->port, lookup_data, &job->error)
                            : lookup_getaddrinfo (job->host, job->port, &job->error);
  if (all != NULL)
    {
      job->addresses = g_ptr_array_new_with_free_func (g_free);
      for (i = 0; i < all->len && job->addresses->len < job->max; i++)
        {
          gboolean dup = FALSE;
          guint j;

          for (j = 0; j < job->addresses->len && !dup; j++)
            dup = mrd_net_address_equal (all->pdata[i], job->addresses->pdata[j]);
          if (!dup)
            g_ptr_array_add (job->addresses, mrd_net_address_copy (all->pdata[i]));
        }
      if (job->addresses->len == 0)
        {
          g_clear_pointer (&job->addresses, g_ptr_array_unref);
          g_set_error (&job->error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "No IPv4 or IPv6 address for \"%s\"", job->host);
        }
    }
  /* Back to the caller's thread; the job is freed there, after the callback or instead. */
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, resolve_deliver, job, NULL);
  g_source_attach (idle, job->context);
  g_source_unref (idle);
}

MrdNetResolve *
mrd_net_resolve (const char *host, guint16 port, guint max, MrdNetResolvedFunc func,
                 gpointer user_data)
{
  static GThreadPool *pool;
  MrdNetResolve *job = g_new0 (MrdNetResolve, 1);

  /* Shared threads (exclusive FALSE), as GIO's own resolver uses; a few lookups at once so
   * that one slow name does not hold up the others. */
  if (pool == NULL)
    pool = g_thread_pool_new (resolve_in_thread, NULL, 4, FALSE, NULL);
  job->host = g_strdup (host);
  job->port = port;
  job->max = MAX (max, 1);
  job->func = func;
  job->user_data = user_data;
  job->context = g_main_context_ref_thread_default ();
  g_thread_pool_push (pool, job, NULL);
  return job;
}

void
mrd_net_resolve_cancel (MrdNetResolve *resolve)
{
  resolve->cancelled = TRUE;
}
