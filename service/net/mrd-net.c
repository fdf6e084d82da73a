/* mrd-net.c — see mrd-net.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1

#include "mrd-net.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <glib-unix.h>

#define NS_PER_SEC G_GINT64_CONSTANT (1000000000)
/* An NTP reply is 48 bytes plus extension fields and a MAC (RFC 7822), well under this; a
 * longer datagram is dropped whole (MSG_TRUNC), never handed on as a truncated copy that
 * might parse. */
#define RECV_BUF_LEN 4096

struct _MrdNetSocket {
  GInetSocketAddress *server;
  struct sockaddr_storage server_native;
  socklen_t server_len;
  int family;
  int fd;
  guint watch;
  int spare_fd;                  /* the next exchange's socket, opened and connected ahead */
  MrdNetReceiveFunc func;
  gpointer user_data;
  gint64 tx_time;
  guint n_foreign;
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
      const struct sockaddr_in *b = (const struct sockaddr_in *) &self->server_native;

      return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
  else
    {
      const struct sockaddr_in6 *a = (const struct sockaddr_in6 *) from;
      const struct sockaddr_in6 *b = (const struct sockaddr_in6 *) &self->server_native;

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
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "socket: %s",
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
  /* connect(2) on an unbound UDP socket binds it to a random ephemeral port and makes the
   * kernel drop datagrams from any other address and port. */
  if (connect (fd, (struct sockaddr *) &self->server_native, self->server_len) < 0)
    {
      int errsv = errno;
      close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "connect: %s",
                   g_strerror (errsv));
      return -1;
    }
  return fd;
}

MrdNetSocket *
mrd_net_socket_new (GInetSocketAddress *server, MrdNetReceiveFunc func, gpointer user_data)
{
  MrdNetSocket *self = g_new0 (MrdNetSocket, 1);

  self->server = g_object_ref (server);
  self->fd = -1;
  self->spare_fd = -1;
  self->func = func;
  self->user_data = user_data;
  self->server_len = g_socket_address_get_native_size (G_SOCKET_ADDRESS (server));
  g_assert (self->server_len <= sizeof self->server_native);
  g_socket_address_to_native (G_SOCKET_ADDRESS (server), &self->server_native,
                              sizeof self->server_native, NULL);
  self->family = self->server_native.ss_family;
  return self;
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
  g_object_unref (self->server);
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
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (send_errno), "send: %s",
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

GInetSocketAddress *
mrd_net_socket_get_server (MrdNetSocket *self)
{
  return self->server;
}

guint
mrd_net_socket_get_n_foreign (MrdNetSocket *self)
{
  return self->n_foreign;
}

GInetSocketAddress *
mrd_net_address_parse_numeric (const char *host, guint16 port)
{
  g_autoptr(GInetAddress) addr = NULL;

  if (host == NULL)
    return NULL;
  addr = g_inet_address_new_from_string (host);
  if (addr == NULL)
    return NULL;
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (addr, port));
}

char *
mrd_net_address_to_string (GInetSocketAddress *address)
{
  GInetAddress *addr = g_inet_socket_address_get_address (address);
  guint16 port = g_inet_socket_address_get_port (address);
  g_autofree char *host = g_inet_address_to_string (addr);

  if (port == 123)
    return g_steal_pointer (&host);
  if (g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

guint32
mrd_net_address_refid (GInetSocketAddress *address)
{
  GInetAddress *addr = g_inet_socket_address_get_address (address);
  const guint8 *bytes = g_inet_address_to_bytes (addr);
  guint8 digest[16];
  gsize len = sizeof digest;
  g_autoptr(GChecksum) md5 = NULL;

  if (g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV4)
    return (guint32) bytes[0] << 24 | (guint32) bytes[1] << 16 | (guint32) bytes[2] << 8 | bytes[3];
  md5 = g_checksum_new (G_CHECKSUM_MD5);
  g_checksum_update (md5, bytes, (gssize) g_inet_address_get_native_size (addr));
  g_checksum_get_digest (md5, digest, &len);
  return (guint32) digest[0] << 24 | (guint32) digest[1] << 16 | (guint32) digest[2] << 8 | digest[3];
}

typedef struct {
  guint16 port;
  guint max;
} ResolveData;

static GPtrArray *
addresses_from_list (GList *list, guint16 port, guint max)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GList *l;

  for (l = list; l != NULL && out->len < max; l = l->next)
    {
      GInetAddress *addr = l->data;
      gboolean dup = FALSE;
      guint i;

      for (i = 0; i < out->len && !dup; i++)
        dup = g_inet_address_equal (addr, g_inet_socket_address_get_address (out->pdata[i]));
      if (!dup)
        g_ptr_array_add (out, g_inet_socket_address_new (addr, port));
    }
  return out;
}

static void
on_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ResolveData *data = g_task_get_task_data (task);
  GError *error = NULL;
  GList *list;

  list = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (list == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, addresses_from_list (list, data->port, data->max),
                         (GDestroyNotify) g_ptr_array_unref);
  g_resolver_free_addresses (list);
}

void
mrd_net_resolve_async (const char *host, guint16 port, guint max, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GInetSocketAddress) numeric = mrd_net_address_parse_numeric (host, port);
  ResolveData *data = g_new0 (ResolveData, 1);

  data->port = port;
  data->max = MAX (max, 1);
  g_task_set_task_data (task, data, g_free);
  g_task_set_source_tag (task, mrd_net_resolve_async);
  if (numeric != NULL)
    {
      GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);

      g_ptr_array_add (out, g_steal_pointer (&numeric));
      g_task_return_pointer (task, out, (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  {
    g_autoptr(GResolver) resolver = g_resolver_get_default ();

    g_resolver_lookup_by_name_async (resolver, host, cancellable, on_resolved,
                                     g_steal_pointer (&task));
  }
}

GPtrArray *
mrd_net_resolve_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
