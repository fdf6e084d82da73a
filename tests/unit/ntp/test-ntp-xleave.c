/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interleaved mode (`xleave`) in the core, with synthetic exchanges: a scripted server that
 * answers as chronyd does (interleaved when the request's origin is its receive timestamp of
 * the last request, else basic) and whose daemon reads its transmit time SEND_PATH before the
 * kernel sends the reply. Each exchange has its own symmetric path delay, different from its
 * neighbours', so every pairing of timestamps from two different exchanges gives a different
 * offset: the tests compute what each reply must yield and fail on any other pairing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ntp-engine.h"
#include "ntp-packet.h"
#include "packet-world.h"

#define OFF_NS 10000000LL      /* the server's clock minus ours */
#define SEND_PATH_NS 80000LL   /* the server's daemon reads t3 this long before the kernel sends */
#define PROC_NS 20000LL        /* from the server's receive time to its daemon's t3 */
#define KTX_NS 5000LL          /* from our env->now before send to the kernel's transmit time */
#define BASE_NS 1800000000000000000LL

typedef struct {
  PacketWorld pw;            /* first: the env's callbacks take the World as a PacketWorld */
  /* the server: what chronyd keeps of its last exchange with us */
  bool srv_interleaves;
  uint64_t srv_rx, srv_ktx;  /* its receive timestamp and kernel transmit timestamp (NTP) */
} World;

static void
w_random (void *ud, void *buf, size_t len)
{
  static uint64_t x = 0x9E3779B97F4A7C15ull;
  (void) ud;
  for (size_t i = 0; i < len; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    ((uint8_t *) buf)[i] = (uint8_t) x;
  }
}

static uint64_t
get64 (const uint8_t *b)
{
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | b[i];
  return v;
}

/* A request's header (the decoder takes only replies): mode, poll and the three timestamps. */
static void
read_request (const World *w, NtpPacket *q)
{
  assert_true (w->pw.len >= NTP_PACKET_HEADER_LEN);
  memset (q, 0, sizeof *q);
  q->mode = w->pw.pkt[0] & 7;
  q->poll = (int8_t) w->pw.pkt[2];
  q->org_ts = get64 (w->pw.pkt + 24);
  q->rx_ts = get64 (w->pw.pkt + 32);
  q->tx_ts = get64 (w->pw.pkt + 40);
  assert_int_equal (q->mode, NTP_MODE_CLIENT);
}

static NtpEngine *
start (World *w, const char *line)
{
  memset (w, 0, sizeof *w);
  w->pw.now = BASE_NS;
  w->srv_interleaves = true;
  NtpEnv env = pw_env (w);
  env.get_random = w_random;
  return pw_engine (&env, line);
}

/* Run the engine to its next request (taken as sent at w->pw.now: t1). */
static void
next_request (World *w, NtpEngine *e)
{
  int before = w->pw.sent;
  while (w->pw.sent == before) {
    assert_true (w->pw.deadline != INT64_MAX);
    if (w->pw.deadline > w->pw.now)
      w->pw.now = w->pw.deadline;
    ntp_engine_timer (e);
  }
}

typedef struct {
  int64_t t1, t2, t3d, t3k, t4;   /* t1/t4 local; t2/t3 the server's clock (ns) */
  bool interleaved;
  uint8_t reply[NTP_PACKET_HEADER_LEN];
} Exch;

/* The server answers the request in w->pw.pkt, which left at w->pw.now (plus KTX_NS in the
 * kernel), over a path of `delay_ns` each way; fills x, updates the server's state. */
static void
serve (World *w, int64_t delay_ns, Exch *x)
{
  NtpPacket q;
  read_request (w, &q);
  x->t1 = w->pw.now + KTX_NS;
  x->t2 = x->t1 + delay_ns + OFF_NS;
  x->t3d = x->t2 + PROC_NS;
  x->t3k = x->t3d + SEND_PATH_NS;
  x->t4 = x->t3k - OFF_NS + delay_ns;
  x->interleaved = w->srv_interleaves && q.org_ts != 0 && q.org_ts == w->srv_rx;
  NtpPacket p = { .leap = 0, .version = 4, .mode = NTP_MODE_SERVER, .stratum = 1,
                  .poll = q.poll, .precision = -30, .refid = 0x47505300,
                  .ref_ts = ntp_ts_from_ns (x->t2 - 1000000000LL),
                  .org_ts = x->interleaved ? q.rx_ts : q.tx_ts,
                  .rx_ts = ntp_ts_from_ns (x->t2),
                  .tx_ts = x->interleaved ? w->srv_ktx : ntp_ts_from_ns (x->t3d) };
  assert_int_equal (ntp_packet_encode (x->reply, sizeof x->reply, &p), NTP_PACKET_HEADER_LEN);
  w->srv_rx = p.rx_ts;
  w->srv_ktx = ntp_ts_from_ns (x->t3k);
}

/* Our kernel's transmit timestamp, then the reply at its arrival time. */
static void
deliver (World *w, NtpEngine *e, const Exch *x)
{
  ntp_engine_tx_timestamp (e, 0, x->t1);
  w->pw.now = x->t4;
  ntp_engine_receive (e, 0, x->t4, x->reply, sizeof x->reply);
}

static NtpSourceReport
report (NtpEngine *e)
{
  NtpSourceReport r;
  assert_true (ntp_engine_get_source (e, 0, &r));
  return r;
}

/* The reply's measured offset (server minus local, s) from the times the engine reported,
 * checked against what it put in its statistics. */
static double
measured (NtpEngine *e)
{
  NtpSourceReport r = report (e);
  double off = ((double) (r.reply.t2_ns - r.reply.t1_ns) + (double) (r.reply.t3_ns - r.reply.t4_ns)) / 2e9;
  /* the statistics hold local minus server */
  assert_true (fabs (r.measured_offset + off) < 2e-9);
  return off;
}

static void
assert_near_ns (double got_s, double want_ns)
{
  if (fabs (got_s * 1e9 - want_ns) > 2.0)
    fail_msg ("offset %.3f ns, expected %.3f ns", got_s * 1e9, want_ns);
}

static const int64_t delays[] = { 100000, 300000, 150000, 400000, 250000, 120000, 350000, 200000 };

/* A basic first exchange; then interleaved ones: the first pairs the new request's t1, t2
 * with the previous exchange's t3 (kernel) and t4, the later ones a whole previous exchange
 * (t1, t2, t4 and the kernel t3 the next reply carried), which is exact on a symmetric path:
 * the server's send path is gone from the offset. */
static void
interleaved_samples_pair_the_right_timestamps (void **state)
{
  (void) state;
  World w;
  NtpEngine *e = start (&w, "server 192.0.2.1 noselect xleave minpoll 4 maxpoll 4");
  Exch x[8];
  for (int k = 0; k < 8; k++) {
    next_request (&w, e);
    NtpPacket q;
    read_request (&w, &q);
    if (k == 0) {
      assert_true (q.org_ts == 0 && q.rx_ts == 0);
    } else {
      /* the origin names the server's last receive timestamp; the receive field is a
       * nonce, neither the transmit one nor anything the server sent */
      assert_true (q.org_ts == ntp_ts_from_ns (x[k - 1].t2));
      assert_true (q.rx_ts != 0 && q.rx_ts != q.tx_ts && q.rx_ts != q.org_ts);
    }
    serve (&w, delays[k], &x[k]);
    assert_true (x[k].interleaved == (k > 0));
    deliver (&w, e, &x[k]);
    NtpSourceReport r = report (e);
    assert_int_equal ((int) r.replies, k + 1);
    assert_true (r.reply.interleaved == (k > 0));
    double off = measured (e);
    if (k == 0) {
      /* basic: t3 is the daemon's, early by the send path, which halves into the offset */
      assert_near_ns (off, (double) OFF_NS - SEND_PATH_NS / 2.0);
      assert_true (fabs (r.delay - (2 * delays[0] + SEND_PATH_NS) * 1e-9) < 2e-9);
    } else if (k == 1) {
      /* t1, t2 of request 1; t3 (kernel), t4 of exchange 0 */
      assert_near_ns (off, (double) OFF_NS + (delays[1] - delays[0]) / 2.0);
      assert_true (fabs (r.delay - (delays[1] + delays[0]) * 1e-9) < 2e-9);
      assert_true (r.reply.t1_ns == x[1].t1 && r.reply.t4_ns == x[0].t4);
    } else {
      /* the whole of exchange k-1 */
      assert_near_ns (off, (double) OFF_NS);
      assert_true (fabs (r.delay - 2 * delays[k - 1] * 1e-9) < 2e-9);
      assert_true (r.reply.t1_ns == x[k - 1].t1 && r.reply.t4_ns == x[k - 1].t4);
      /* chronyc's response time: the server's processing of exchange k-1, send path included */
      assert_true (llabs (r.reply.response_ns - (PROC_NS + SEND_PATH_NS)) <= 2);
    }
  }
  ntp_engine_free (e);
}

/* Without xleave nothing of the interleaved request is sent, whatever the server does. */
static void
basic_requests_without_xleave (void **state)
{
  (void) state;
  World w;
  NtpEngine *e = start (&w, "server 192.0.2.1 noselect minpoll 4 maxpoll 4");
  for (int k = 0; k < 3; k++) {
    next_request (&w, e);
    NtpPacket q;
    read_request (&w, &q);
    assert_true (q.org_ts == 0 && q.rx_ts == 0);
    Exch x;
    serve (&w, delays[k], &x);
    assert_false (x.interleaved);
    deliver (&w, e, &x);
    assert_false (report (e).reply.interleaved);
    assert_near_ns (measured (e), (double) OFF_NS - SEND_PATH_NS / 2.0);
  }
  ntp_engine_free (e);
}

/* A server that stops answering in interleaved mode (restarted: it no longer knows our last
 * exchange), a lost reply and a lost request: each reply gives the sample its own kind
 * calls for, never one of mixed exchanges. */
static void
fallback_and_losses (void **state)
{
  (void) state;
  World w;
  NtpEngine *e = start (&w, "server 192.0.2.1 noselect xleave minpoll 4 maxpoll 4");
  Exch x[12];
  int replies = 0;
  for (int k = 0; k < 3; k++) {
    next_request (&w, e);
    serve (&w, delays[k], &x[k]);
    deliver (&w, e, &x[k]);
    replies++;
  }
  assert_near_ns (measured (e), (double) OFF_NS);

  /* the server restarts: a basic reply, computed from its own exchange alone */
  w.srv_rx = w.srv_ktx = 0;
  next_request (&w, e);
  serve (&w, delays[3], &x[3]);
  assert_false (x[3].interleaved);
  deliver (&w, e, &x[3]);
  assert_int_equal ((int) report (e).replies, ++replies);
  assert_false (report (e).reply.interleaved);
  assert_near_ns (measured (e), (double) OFF_NS - SEND_PATH_NS / 2.0);

  /* interleaved again: after a basic reply, the new request's t1, t2 */
  next_request (&w, e);
  serve (&w, delays[4], &x[4]);
  assert_true (x[4].interleaved);
  deliver (&w, e, &x[4]);
  assert_true (report (e).reply.interleaved);
  assert_near_ns (measured (e), (double) OFF_NS + (delays[4] - delays[3]) / 2.0);

  /* the reply to request 5 is lost: the server keeps request 5's receive time, our next
   * request names request 4's, and the server answers basic */
  next_request (&w, e);
  serve (&w, delays[5], &x[5]);
  next_request (&w, e);
  serve (&w, delays[6], &x[6]);
  assert_false (x[6].interleaved);
  deliver (&w, e, &x[6]);
  assert_false (report (e).reply.interleaved);
  assert_near_ns (measured (e), (double) OFF_NS - SEND_PATH_NS / 2.0);

  /* request 7 is lost before the server: request 8 names exchange 6, which the server still
   * holds, and its interleaved reply completes exchange 6 (basic before: t1, t2 of 8) */
  next_request (&w, e);
  next_request (&w, e);
  serve (&w, delays[1], &x[8]);
  assert_true (x[8].interleaved);
  deliver (&w, e, &x[8]);
  assert_true (report (e).reply.interleaved);
  assert_near_ns (measured (e), (double) OFF_NS + (delays[1] - delays[6]) / 2.0);
  ntp_engine_free (e);
}

/* After MAX_CLIENT_INTERLEAVED_TX (4) unanswered requests the request goes out basic: the
 * server would otherwise send the transmit time of a reply long gone. */
static void
many_unanswered_requests_go_basic (void **state)
{
  (void) state;
  World w;
  NtpEngine *e = start (&w, "server 192.0.2.1 noselect xleave minpoll 4 maxpoll 4");
  Exch x;
  next_request (&w, e);
  serve (&w, delays[0], &x);
  deliver (&w, e, &x);
  NtpPacket q;
  for (int k = 0; k < 5; k++) {
    next_request (&w, e);
    read_request (&w, &q);
    if (k < 4)
      assert_true (q.org_ts != 0 && q.rx_ts != 0);
    else
      assert_true (q.org_ts == 0 && q.rx_ts == 0);
  }
  ntp_engine_free (e);
}

/* What a spoofer who saw whole exchanges can send: the last interleaved reply again, a reply
 * whose origin is an earlier request's receive nonce, or the origin our request itself
 * carries (the server's last receive timestamp, which the last reply showed). None counts;
 * the genuine reply that follows still does, with the right pairing. */
static void
spoofed_interleaved_replies_are_refused (void **state)
{
  (void) state;
  World w;
  NtpEngine *e = start (&w, "server 192.0.2.1 noselect xleave minpoll 4 maxpoll 4");
  Exch x[4];
  NtpPacket q[4];
  for (int k = 0; k < 3; k++) {
    next_request (&w, e);
    read_request (&w, &q[k]);
    serve (&w, delays[k], &x[k]);
    deliver (&w, e, &x[k]);
  }
  assert_int_equal ((int) report (e).replies, 3);
  /* the same reply again, at once */
  ntp_engine_receive (e, 0, w.pw.now + 1000, x[2].reply, sizeof x[2].reply);
  assert_int_equal ((int) report (e).replies, 3);

  next_request (&w, e);
  read_request (&w, &q[3]);
  NtpPacket f;
  uint64_t forged_origins[] = { q[2].rx_ts, q[2].tx_ts, q[3].org_ts, x[2].t2 ? ntp_ts_from_ns (x[2].t2) : 1 };
  for (size_t i = 0; i < sizeof forged_origins / sizeof forged_origins[0]; i++) {
    uint8_t buf[NTP_PACKET_HEADER_LEN];
    assert_int_equal (ntp_packet_decode (x[2].reply, sizeof x[2].reply, &f), NTP_PKT_OK);
    f.org_ts = forged_origins[i];
    f.rx_ts = ntp_ts_from_ns (w.pw.now + OFF_NS + 500000000LL);
    f.tx_ts = ntp_ts_from_ns (w.pw.now + OFF_NS + 500000000LL);
    assert_int_equal (ntp_packet_encode (buf, sizeof buf, &f), NTP_PACKET_HEADER_LEN);
    ntp_engine_receive (e, 0, w.pw.now + 2000, buf, sizeof buf);
    assert_int_equal ((int) report (e).replies, 3);
  }
  /* the old reply replayed against the new request */
  ntp_engine_receive (e, 0, w.pw.now + 3000, x[2].reply, sizeof x[2].reply);
  assert_int_equal ((int) report (e).replies, 3);

  serve (&w, delays[3], &x[3]);
  deliver (&w, e, &x[3]);
  assert_int_equal ((int) report (e).replies, 4);
  assert_true (report (e).reply.interleaved);
  assert_near_ns (measured (e), (double) OFF_NS);
  /* and a second copy of it is refused */
  ntp_engine_receive (e, 0, w.pw.now + 1000, x[3].reply, sizeof x[3].reply);
  assert_int_equal ((int) report (e).replies, 4);
  ntp_engine_free (e);
}

/* Without the kernel's transmit time the core's own t1 (read before send) is used, KTX_NS
 * early: the whole-exchange pairing then reads the offset KTX_NS/2 high. That the exact
 * figure above needs the late timestamp shows it reaches the sample as t1. */
static void
kernel_transmit_time_is_t1 (void **state)
{
  (void) state;
  World w;
  NtpEngine *e = start (&w, "server 192.0.2.1 noselect xleave minpoll 4 maxpoll 4");
  Exch x[3];
  for (int k = 0; k < 3; k++) {
    next_request (&w, e);
    serve (&w, delays[k], &x[k]);
    w.pw.now = x[k].t4;
    ntp_engine_receive (e, 0, x[k].t4, x[k].reply, sizeof x[k].reply);
  }
  assert_true (report (e).reply.interleaved);
  assert_near_ns (measured (e), (double) OFF_NS + KTX_NS / 2.0);
  ntp_engine_free (e);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (interleaved_samples_pair_the_right_timestamps),
    cmocka_unit_test (basic_requests_without_xleave),
    cmocka_unit_test (fallback_and_losses),
    cmocka_unit_test (many_unanswered_requests_go_basic),
    cmocka_unit_test (spoofed_interleaved_replies_are_refused),
    cmocka_unit_test (kernel_transmit_time_is_t1),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
