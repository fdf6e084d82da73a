/* SPDX-License-Identifier: GPL-2.0-or-later */
/* service/net on loopback, against a tiny NTP responder in the test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <linux/net_tstamp.h>
#include <gio/gio.h>

#include "net/mrd-net.h"

typedef struct {
  int fd;
  int family;
  guint16 port;
} Responder;

static gint64
real_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static gboolean
responder_open (Responder *r, int family, const char *addr, guint16 port)
{
  struct sockaddr_storage ss = { 0 };
  socklen_t len;

  r->family = family;
  r->fd = socket (family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  assert_true (r->fd >= 0);
  if (family == AF_INET)
    {
      struct sockaddr_in *in = (struct sockaddr_in *) &ss;
      in->sin_family = AF_INET;
      in->sin_port = htons (port);
      inet_pton (AF_INET, addr, &in->sin_addr);
      len = sizeof *in;
    }
  else
    {
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons (port);
      inet_pton (AF_INET6, addr, &in6->sin6_addr);
      len = sizeof *in6;
    }
  if (bind (r->fd, (struct sockaddr *) &ss, len) < 0)
    {
      close (r->fd);
      return FALSE;
    }
  len = sizeof ss;
  getsockname (r->fd, (struct sockaddr *) &ss, &len);
  r->port = ntohs (family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                     : ((struct sockaddr_in6 *) &ss)->sin6_port);
  return TRUE;
}

/* Wait for one request; returns its length and where it came from. */
static ssize_t
responder_recv (Responder *r, guint8 *buf, gsize len, struct sockaddr_storage *from,
                socklen_t *fromlen)
{
  struct pollfd p = { .fd = r->fd, .events = POLLIN };

  assert_int_equal (poll (&p, 1, 2000), 1);
  *fromlen = sizeof *from;
  return recvfrom (r->fd, buf, len, 0, (struct sockaddr *) from, fromlen);
}

static guint16
port_of (const struct sockaddr_storage *ss)
{
  return ntohs (ss->ss_family == AF_INET ? ((const struct sockaddr_in *) ss)->sin_port
                                         : ((const struct sockaddr_in6 *) ss)->sin6_port);
}

typedef struct {
  guint n;
  guint8 data[64];
  gsize len;
  gint64 rx;
} Received;

static void
on_receive (gpointer user_data, const guint8 *data, gsize len, gint64 rx_real_ns)
{
  Received *got = user_data;

  got->n++;
  got->len = MIN (len, sizeof got->data);
  memcpy (got->data, data, got->len);
  got->rx = rx_real_ns;
}

/* Run the main loop until @got has @n datagrams or @ms have passed. */
static void
iterate_until (Received *got, guint n, guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while ((got == NULL || got->n < n) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
exchange (int family, const char *addr)
{
  Responder r;
  Received got = { 0 };
  guint8 request[48] = { 0x23 }, buf[128], reply[48];
  struct sockaddr_storage from;
  socklen_t fromlen;
  g_autoptr(MrdNetAddress) server = NULL;
  g_autoptr(MrdNetSocket) sock = NULL;
  gint64 sent_before, arrived_by;
  guint i;

  if (!responder_open (&r, family, addr, 0))
    {
      print_message ("cannot bind %s here (%s)\n", addr, g_strerror (errno));
      skip ();
    }
  server = mrd_net_address_parse_numeric (addr, r.port);
  assert_non_null (server);
  sock = mrd_net_socket_new (server, on_receive, &got);

  sent_before = real_ns ();
  assert_true (mrd_net_socket_send (sock, request, sizeof request, NULL));
  assert_int_equal (responder_recv (&r, buf, sizeof buf, &from, &fromlen), 48);
  assert_memory_equal (buf, request, 48);
  assert_int_equal (port_of (&from), mrd_net_socket_get_local_port (sock));
  for (i = 0; i < sizeof reply; i++)
    reply[i] = (guint8) (i * 7 + 1);
  assert_int_equal (sendto (r.fd, reply, sizeof reply, 0, (struct sockaddr *) &from, fromlen), 48);
  arrived_by = real_ns ();
  /* The reply waits 100 ms before it is read: the receive time must be the kernel's stamp of
   * its arrival, not the time it was read. */
  g_usleep (100000);
  iterate_until (&got, 1, 2000);
  assert_int_equal (got.n, 1);
  assert_int_equal (got.len, 48);
  assert_memory_equal (got.data, reply, 48);
  assert_true (got.rx >= sent_before);
  assert_true (got.rx <= arrived_by + 50000000);
  /* The kernel's transmit timestamp came through the error queue. */
  assert_true (mrd_net_socket_get_tx_time (sock) >= sent_before);
  assert_true (mrd_net_socket_get_tx_time (sock) <= got.rx);
  close (r.fd);
}

static void
ipv4_exchange_gets_kernel_timestamps (void **state)
{
  exchange (AF_INET, "127.0.0.1");
}

static void
ipv6_exchange_gets_kernel_timestamps (void **state)
{
  exchange (AF_INET6, "::1");
}

static void
every_exchange_has_a_new_random_source_port (void **state)
{
  Responder r;
  Received got = { 0 };
  guint8 request[48] = { 0x23 }, buf[128];
  struct sockaddr_storage from;
  socklen_t fromlen;
  g_autoptr(MrdNetAddress) server = NULL;
  g_autoptr(MrdNetSocket) sock = NULL;
  g_autoptr(GHashTable) ports = g_hash_table_new (NULL, NULL);
  guint16 previous = 0, first = 0;
  guint i;

  assert_true (responder_open (&r, AF_INET, "127.0.0.1", 0));
  server = mrd_net_address_parse_numeric ("127.0.0.1", r.port);
  sock = mrd_net_socket_new (server, on_receive, &got);
  for (i = 0; i < 8; i++)
    {
      guint16 port;

      assert_true (mrd_net_socket_send (sock, request, sizeof request, NULL));
      assert_int_equal (responder_recv (&r, buf, sizeof buf, &from, &fromlen), 48);
      port = port_of (&from);
      assert_int_not_equal (port, previous);
      if (i == 0)
        first = port;
      previous = port;
      g_hash_table_add (ports, GUINT_TO_POINTER ((guint) port));
    }
  /* Random ephemeral ports: 8 draws from ~28000 repeat with probability ~0.1 %, so allow one
   * repeat rather than fail one run in a thousand. */
  assert_true (g_hash_table_size (ports) >= 7);

  /* A reply to an earlier exchange's port finds no socket: it was closed. */
  {
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (first) };

    inet_pton (AF_INET, "127.0.0.1", &to.sin_addr);
    sendto (r.fd, request, sizeof request, 0, (struct sockaddr *) &to, sizeof to);
  }
  iterate_until (&got, 1, 200);
  assert_int_equal (got.n, 0);

  /* Closed: no socket left open; the next send opens one again, as does prepare. */
  mrd_net_socket_close (sock);
  assert_int_equal (mrd_net_socket_get_local_port (sock), 0);
  assert_true (mrd_net_socket_prepare (sock, NULL));
  assert_true (mrd_net_socket_send (sock, request, sizeof request, NULL));
  assert_int_equal (responder_recv (&r, buf, sizeof buf, &from, &fromlen), 48);
  assert_int_equal (port_of (&from), mrd_net_socket_get_local_port (sock));
  close (r.fd);
}

static void
replies_from_another_port_or_address_are_dropped (void **state)
{
  Responder r, other_port, other_addr;
  Received got = { 0 };
  guint8 request[48] = { 0x23 }, buf[128], spoof[48], genuine[48];
  struct sockaddr_storage from;
  socklen_t fromlen;
  g_autoptr(MrdNetAddress) server = NULL;
  g_autoptr(MrdNetSocket) sock = NULL;
  gboolean have_other_addr;

  memset (spoof, 0xee, sizeof spoof);
  memset (genuine, 0x24, sizeof genuine);
  assert_true (responder_open (&r, AF_INET, "127.0.0.1", 0));
  assert_true (responder_open (&other_port, AF_INET, "127.0.0.1", 0));
  /* The same port on another loopback address. */
  have_other_addr = responder_open (&other_addr, AF_INET, "127.0.0.2", r.port);
  server = mrd_net_address_parse_numeric ("127.0.0.1", r.port);
  sock = mrd_net_socket_new (server, on_receive, &got);

  assert_true (mrd_net_socket_send (sock, request, sizeof request, NULL));
  assert_int_equal (responder_recv (&r, buf, sizeof buf, &from, &fromlen), 48);
  assert_int_equal (sendto (other_port.fd, spoof, sizeof spoof, 0, (struct sockaddr *) &from,
                            fromlen), 48);
  if (have_other_addr)
    assert_int_equal (sendto (other_addr.fd, spoof, sizeof spoof, 0, (struct sockaddr *) &from,
                              fromlen), 48);
  iterate_until (&got, 1, 200);
  assert_int_equal (got.n, 0);

  /* The genuine reply still gets through afterwards. */
  assert_int_equal (sendto (r.fd, genuine, sizeof genuine, 0, (struct sockaddr *) &from,
                            fromlen), 48);
  iterate_until (&got, 1, 2000);
  assert_int_equal (got.n, 1);
  assert_memory_equal (got.data, genuine, 48);
  close (r.fd);
  close (other_port.fd);
  if (have_other_addr)
    close (other_addr.fd);
}

static void
oversized_datagrams_are_dropped_not_truncated (void **state)
{
  Responder r;
  Received got = { 0 };
  guint8 request[48] = { 0x23 }, buf[128], big[5000], fits[1200];
  struct sockaddr_storage from;
  socklen_t fromlen;
  g_autoptr(MrdNetAddress) server = NULL;
  g_autoptr(MrdNetSocket) sock = NULL;

  memset (big, 0x24, sizeof big);
  assert_true (responder_open (&r, AF_INET, "127.0.0.1", 0));
  server = mrd_net_address_parse_numeric ("127.0.0.1", r.port);
  sock = mrd_net_socket_new (server, on_receive, &got);
  assert_true (mrd_net_socket_send (sock, request, sizeof request, NULL));
  assert_int_equal (responder_recv (&r, buf, sizeof buf, &from, &fromlen), 48);
  assert_int_equal (sendto (r.fd, big, sizeof big, 0, (struct sockaddr *) &from, fromlen),
                    sizeof big);
  iterate_until (&got, 1, 200);
  assert_int_equal (got.n, 0);
  /* A long but possible one (extension fields) is handed on whole. */
  memset (fits, 0x24, sizeof fits);
  assert_int_equal (sendto (r.fd, fits, sizeof fits, 0, (struct sockaddr *) &from, fromlen),
                    sizeof fits);
  iterate_until (&got, 1, 2000);
  assert_int_equal (got.n, 1);
  close (r.fd);
}

static void
addresses_print_as_chronyc_shows_them (void **state)
{
  g_autoptr(MrdNetAddress) a = mrd_net_address_parse_numeric ("127.0.0.1", 123);
  g_autoptr(MrdNetAddress) b = mrd_net_address_parse_numeric ("127.0.0.1", 12345);
  g_autoptr(MrdNetAddress) c = mrd_net_address_parse_numeric ("::1", 12345);
  g_autofree char *sa = mrd_net_address_to_string (a);
  g_autofree char *sb = mrd_net_address_to_string (b);
  g_autofree char *sc = mrd_net_address_to_string (c);

  assert_string_equal (sa, "127.0.0.1");
  assert_string_equal (sb, "127.0.0.1:12345");
  assert_string_equal (sc, "[::1]:12345");
  assert_null (mrd_net_address_parse_numeric ("pool.ntp.org", 123));
  assert_null (mrd_net_address_parse_numeric ("127.0.0.1 x", 123));
}

/* chronyd's reference IDs (util.c UTI_IPToRefid): ::1's is what a real `chronyc -n tracking`
 * shows for a chronyd on ::1 (tests/engine/test_loopback_chronyd.py checks the same live); the
 * 2001:db8::1 one is the first 4 bytes of md5 of its 16 bytes (Python's hashlib). */
static void
reference_ids_are_chronyds (void **state)
{
  g_autoptr(MrdNetAddress) a = mrd_net_address_parse_numeric ("127.0.0.1", 12345);
  g_autoptr(MrdNetAddress) b = mrd_net_address_parse_numeric ("192.0.2.200", 123);
  g_autoptr(MrdNetAddress) c = mrd_net_address_parse_numeric ("::1", 12345);
  g_autoptr(MrdNetAddress) d = mrd_net_address_parse_numeric ("2001:db8::1", 123);

  assert_int_equal (mrd_net_address_refid (a), 0x7F000001);
  assert_int_equal (mrd_net_address_refid (b), 0xC00002C8);
  assert_int_equal (mrd_net_address_refid (c), 0xCF404DC8);
  assert_int_equal (mrd_net_address_refid (d), 0x39AB9B37);
}

static void
on_resolved (GPtrArray *addresses, const GError *error, gpointer user_data)
{
  GPtrArray **out = user_data;

  *out = addresses != NULL ? g_ptr_array_ref (addresses)
                           : g_ptr_array_new ();   /* failed: empty */
}

static GPtrArray *
resolve (const char *host, guint16 port, guint max)
{
  GPtrArray *out = NULL;
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  mrd_net_resolve (host, port, max, on_resolved, &out);
  while (out == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  assert_non_null (out);
  return out;
}

static void
names_resolve_without_blocking_up_to_max (void **state)
{
  g_autoptr(GPtrArray) numeric = resolve ("192.0.2.7", 4123, 4);
  g_autoptr(GPtrArray) local = NULL;
  g_autoptr(GPtrArray) one = NULL;
  g_autofree char *s = NULL;

  assert_int_equal (numeric->len, 1);
  s = mrd_net_address_to_string (numeric->pdata[0]);
  assert_string_equal (s, "192.0.2.7:4123");

  /* "localhost" comes from /etc/hosts (nss files), no network needed. */
  local = resolve ("localhost", 123, 4);
  assert_true (local->len >= 1);
  one = resolve ("localhost", 123, 1);
  assert_int_equal (one->len, 1);
}

int
main (void)
{
  /* The kernel turns receive timestamping on for the whole system only some time after the
   * first socket asks (net_enable_timestamp() defers it to a workqueue); a datagram that
   * arrives before then carries no stamp, and the reader falls back to the time it read it.
   * A socket that asks first and stays open keeps it on for every test below. */
  int keep = socket (AF_INET, SOCK_DGRAM, 0);
  int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;

  setsockopt (keep, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags);
  g_usleep (200000);

  const struct CMUnitTest tests[] = {
    cmocka_unit_test (ipv4_exchange_gets_kernel_timestamps),
    cmocka_unit_test (ipv6_exchange_gets_kernel_timestamps),
    cmocka_unit_test (every_exchange_has_a_new_random_source_port),
    cmocka_unit_test (replies_from_another_port_or_address_are_dropped),
    cmocka_unit_test (oversized_datagrams_are_dropped_not_truncated),
    cmocka_unit_test (addresses_print_as_chronyc_shows_them),
    cmocka_unit_test (reference_ids_are_chronyds),
    cmocka_unit_test (names_resolve_without_blocking_up_to_max),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
