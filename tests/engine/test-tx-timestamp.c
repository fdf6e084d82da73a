/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel's transmit timestamp as t1: the core's ntp_engine_tx_timestamp() entry point with
 * a scripted clock (a request read at T0, stamped by the kernel 2 ms later, answered at once,
 * the reply received at T0 + 4 ms), and the sync engine on loopback, where the kernel gives a
 * software transmit stamp for every request (SOF_TIMESTAMPING_TX_SOFTWARE).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <gio/gio.h>

#include "ntp-engine.h"
#include "sync/mrd-sync-engine.h"

#define NTP_EPOCH_OFFSET G_GINT64_CONSTANT (2208988800)
#define MS G_GINT64_CONSTANT (1000000)

typedef struct {
  gint64 now;
  gint64 deadline;
  guint8 request[48];
  gsize request_len;
} Script;

static int64_t
s_now (void *ud)
{
  return ((Script *) ud)->now;
}

static void
s_send (void *ud, unsigned src, const uint8_t *pkt, size_t len)
{
  Script *s = ud;

  s->request_len = MIN (len, sizeof s->request);
  memcpy (s->request, pkt, s->request_len);
}

static void
s_arm (void *ud, int64_t deadline)
{
  ((Script *) ud)->deadline = deadline;
}

static void
s_freq (void *ud, double ppm)
{
}

static void
s_step (void *ud, double off)
{
}

static void
put_ts (guint8 *p, gint64 ns)
{
  guint64 sec = (guint64) (ns / 1000000000 + NTP_EPOCH_OFFSET);
  guint64 frac = (guint64) (((ns % 1000000000) << 32) / 1000000000);
  guint64 v = (sec << 32) | frac;
  int i;

  for (i = 7; i >= 0; i--, v >>= 8)
    p[i] = (guint8) v;
}

/* One exchange; returns the delay the core measured. @tx_stamp: 0 = no kernel stamp. */
static double
exchange (gint64 tx_stamp_after, gboolean give_stamp, double *offset)
{
  Script s = { .now = G_GINT64_CONSTANT (1800000000) * 1000000000, .deadline = G_MAXINT64 };
  NtpEnv env = { .now = s_now, .send = s_send, .arm_timer = s_arm, .set_freq = s_freq,
                 .step = s_step, .ud = &s };
  NtpConfig cfg;
  NtpSourceConfig sc;
  NtpSourceReport r;
  NtpEngine *e;
  guint8 reply[48] = { 0 };
  gint64 t0, server;
  char err[128];
  int src;

  ntp_config_init (&cfg);
  ntp_source_config_init (&sc);
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 iburst", err, sizeof err), 0);
  e = ntp_engine_new (&env, &cfg);
  assert_non_null (e);
  src = ntp_engine_add_source (e, &sc);
  assert_true (src >= 0);
  ntp_engine_start (e);
  assert_true (s.deadline != G_MAXINT64);
  s.now = MAX (s.now, s.deadline);
  t0 = s.now;
  ntp_engine_timer (e);
  assert_int_equal (s.request_len, 48);
  if (give_stamp)
    ntp_engine_tx_timestamp (e, (unsigned) src, t0 + tx_stamp_after);

  /* A server whose clock is right and which answers in no time, 1 ms after the kernel sent
   * the request (t0 + 2 ms): t2 = t3 = t0 + 3 ms; the reply arrives 1 ms later. */
  server = t0 + 3 * MS;
  reply[0] = (0 << 6) | (4 << 3) | 4;
  reply[1] = 1;
  reply[3] = (guint8) -24;
  memcpy (reply + 12, "GPS", 3);
  put_ts (reply + 16, server - 1000 * MS);
  memcpy (reply + 24, s.request + 40, 8);
  put_ts (reply + 32, server);
  put_ts (reply + 40, server);
  s.now = t0 + 4 * MS;
  ntp_engine_receive (e, (unsigned) src, s.now, reply, sizeof reply);
  assert_true (ntp_engine_get_source (e, (unsigned) src, &r));
  ntp_engine_free (e);
  *offset = r.measured_offset;
  return r.delay;
}

static void
the_kernels_transmit_stamp_is_t1 (void **state)
{
  double offset, delay;

  /* t1 = t0 + 2 ms: round trip 2 ms, offset 0 (the server's clock is right). */
  delay = exchange (2 * MS, TRUE, &offset);
  assert_float_equal (delay, 2e-3, 1e-6);
  assert_float_equal (offset, 0.0, 1e-6);
  /* Without it t1 is the time read before send: 4 ms, and 1 ms behind. */
  delay = exchange (0, FALSE, &offset);
  assert_float_equal (delay, 4e-3, 1e-6);
  assert_float_equal (offset, -1e-3, 1e-6);
  /* A stamp earlier than that time belongs to no request of this exchange: ignored. */
  delay = exchange (-1 * MS, TRUE, &offset);
  assert_float_equal (delay, 4e-3, 1e-6);
}

/* A small NTP server on loopback answering from CLOCK_REALTIME. */
static gboolean
on_request (GSocket *sock, GIOCondition cond, gpointer user_data)
{
  guint8 req[128], rep[48] = { 0 };
  GSocketAddress *from = NULL;
  gssize n = g_socket_receive_from (sock, &from, (char *) req, sizeof req, NULL, NULL);
  gint64 rx = g_get_real_time () * 1000;

  if (n >= 48)
    {
      rep[0] = (0 << 6) | (4 << 3) | 4;
      rep[1] = 1;
      rep[3] = (guint8) -20;
      memcpy (rep + 12, "LOCL", 4);
      put_ts (rep + 16, rx - 1000 * MS);
      memcpy (rep + 24, req + 40, 8);
      put_ts (rep + 32, rx);
      put_ts (rep + 40, g_get_real_time () * 1000);
      g_socket_send_to (sock, from, (const char *) rep, sizeof rep, NULL, NULL);
      (*(guint *) user_data)++;
    }
  g_clear_object (&from);
  return G_SOURCE_CONTINUE;
}

static void
loopback_replies_use_the_kernels_stamp (void **state)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                          G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GInetSocketAddress) bound = NULL;
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.0, 0.0);
  g_autoptr(MrdSyncEngine) engine = NULL;
  g_autoptr(GSource) watch = NULL;
  g_autofree char *line = NULL;
  guint64 kernel = 0, fallback = 0;
  guint answered = 0;
  gint64 end;

  assert_true (g_socket_bind (sock, any, TRUE, NULL));
  bound = G_INET_SOCKET_ADDRESS (g_socket_get_local_address (sock, NULL));
  watch = g_socket_create_source (sock, G_IO_IN, NULL);
  g_source_set_callback (watch, (GSourceFunc) (void (*) (void)) on_request, &answered, NULL);
  g_source_attach (watch, NULL);

  engine = mrd_sync_engine_new (clock, NULL, NULL);
  line = g_strdup_printf ("server 127.0.0.1 port %u iburst minpoll -3 maxpoll -3",
                          g_inet_socket_address_get_port (bound));
  assert_true (mrd_sync_engine_add_source (engine, line, NULL));
  mrd_sync_engine_start (engine);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, TRUE);
      mrd_sync_engine_get_tx_stamps (engine, &kernel, &fallback);
      if (kernel + fallback >= 6)
        break;
    }
  mrd_sync_engine_stop (engine);
  g_source_destroy (watch);
  assert_true (answered >= 6);
  /* Every reply on loopback had its request's kernel stamp. */
  assert_true (kernel >= 6);
  assert_int_equal (fallback, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (the_kernels_transmit_stamp_is_t1),
    cmocka_unit_test (loopback_replies_use_the_kernels_stamp),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
