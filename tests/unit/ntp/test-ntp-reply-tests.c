/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tests every reply goes through, as measurements.log shows them (chrony.conf(5)'s
 * "111 111 1111": RFC 5905's tests 1-3 and 5-7, then chronyd's A-D): each reply below is
 * written by hand to fail a known set, and its line must say exactly that. `measurements`
 * logs the replies that gave a sample, `rawmeasurements` every reply. And test D itself:
 * while we serve, a server synchronized to us, or that is us, gives no sample. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ntp-config.h"
#include "ntp-engine.h"
#include "ntp-packet.h"
#include "ntp-statlog.h"
#include "packet-world.h"
#include "statlog-field.h"

typedef struct {
  PacketWorld pw;            /* first: the packet world's callbacks take this struct */
  int lines;
  char line[32][NTP_STATLOG_LINE_MAX];
  int loop_warnings;
} World;

static void
on_statlog (void *ud, int kind, const char *line)
{
  World *w = ud;
  assert_int_equal (kind, NTP_STATLOG_MEASUREMENTS);
  assert_true (w->lines < 32);
  snprintf (w->line[w->lines++], NTP_STATLOG_LINE_MAX, "%s", line);
}

static void
on_log (void *ud, int level, const char *msg)
{
  World *w = ud;
  pw_log (ud, level, msg);
  if (strstr (msg, "synchronization loop") != NULL && level == NTP_LOG_WARNING)
    w->loop_warnings++;
}

/* An engine with `config` lines (NULL-terminated) and the one source `line`, started: its
 * first request (iburst) is in w->pw.pkt. */
static NtpEngine *
start (World *w, const char *const *config, const char *line)
{
  memset (w, 0, sizeof *w);
  w->pw.now = 1700000000000000000LL;
  w->pw.deadline = INT64_MAX;
  NtpEnv env = pw_env (w);
  env.statlog = on_statlog;
  env.log = on_log;
  NtpConfig cfg;
  char err[200];
  ntp_config_init (&cfg);
  for (int i = 0; config && config[i]; i++)
    assert_int_equal (ntp_config_parse_line (&cfg, config[i], err, sizeof err), 1);
  NtpEngine *e = ntp_engine_new (&env, &cfg);
  assert_non_null (e);
  NtpSourceConfig sc;
  assert_int_equal (ntp_source_config_parse (&sc, line, err, sizeof err), 0);
  assert_int_equal (ntp_engine_add_source (e, &sc), 0);
  ntp_engine_start (e);
  w->pw.now = w->pw.deadline;
  ntp_engine_timer (e);
  assert_int_equal (w->pw.sent, 1);
  return e;
}

/* A server whose clock is right, answering the request in w->pw.pkt after `delay` s of round
 * trip (half each way, 10 us in the server); `edit` changes the reply before it is encoded.
 * Returns its length in buf. */
static size_t
reply (World *w, uint8_t *buf, double delay, void (*edit) (NtpPacket *, void *), void *arg)
{
  NtpPacket req;
  (void) ntp_packet_decode (w->pw.pkt, w->pw.len, &req);   /* a request: "not a reply" */
  assert_true (req.tx_ts != 0);
  int64_t t2 = w->pw.now + (int64_t) llround (delay / 2 * 1e9);
  NtpPacket rep = { .version = 4, .mode = NTP_MODE_SERVER, .stratum = 1, .precision = -20,
                    .refid = 0x47505300, .org_ts = req.tx_ts,
                    .ref_ts = ntp_ts_from_ns (t2 - 1000000000LL),
                    .rx_ts = ntp_ts_from_ns (t2), .tx_ts = ntp_ts_from_ns (t2 + 10000) };
  if (edit)
    edit (&rep, arg);
  w->pw.now = t2 + 10000 + (int64_t) llround (delay / 2 * 1e9);
  return ntp_packet_encode (buf, NTP_PACKET_MAX_LEN, &rep);
}

static void
deliver (NtpEngine *e, World *w, double delay, void (*edit) (NtpPacket *, void *), void *arg)
{
  uint8_t buf[NTP_PACKET_MAX_LEN];
  size_t len = reply (w, buf, delay, edit, arg);
  ntp_engine_receive (e, 0, w->pw.now, buf, len);
}

static void
next_request (NtpEngine *e, World *w)
{
  int sent = w->pw.sent;
  while (w->pw.sent == sent) {
    w->pw.now = w->pw.deadline;
    ntp_engine_timer (e);
  }
}

/* The three test columns of a measurements.log line, "111 111 1111". */
static const char *
tests_of (const char *line)
{
  static char cols[16];
  /* date, time, address, leap, stratum, then the tests */
  int field = 0;
  const char *p = line;
  while (*p && field < 5) {
    while (*p && *p != ' ')
      p++;
    while (*p == ' ')
      p++;
    field++;
  }
  snprintf (cols, sizeof cols, "%.12s", p);
  return cols;
}

/* Six replies of the same server, each then the next request: with iburst, enough for the
 * engine to synchronize when the replies give good samples. */
static void
deliver_six (NtpEngine *e, World *w, void (*edit) (NtpPacket *, void *), void *arg)
{
  for (int i = 0; i < 6; i++) {
    deliver (e, w, 1e-3, edit, arg);
    next_request (e, w);
  }
}

static void edit_origin (NtpPacket *p, void *a) { (void) a; p->org_ts ^= 0x10000; }
static void edit_unsync (NtpPacket *p, void *a) { (void) a; p->stratum = 16; p->leap = 3; }
static void
edit_kod_rate (NtpPacket *p, void *a)
{
  (void) a;
  p->stratum = 0;
  p->leap = 3;
  p->refid = NTP_KISS_RATE;
}
static void edit_far (NtpPacket *p, void *a) { (void) a; p->root_dispersion = 10.0; }

static void
each_reply_says_which_tests_it_failed (void **state)
{
  (void) state;
  static const char *const raw[] = { "log rawmeasurements", NULL };
  World w;
  uint8_t buf[NTP_PACKET_MAX_LEN];
  NtpEngine *e = start (&w, raw, "server 192.0.2.1 iburst maxdelay 0.01");

  /* not an answer to our request (test 2), then the genuine one, then it again (tests 1 and
   * 2: the same transmit time, and no request outstanding any more) */
  deliver (e, &w, 1e-3, edit_origin, NULL);
  size_t len = reply (&w, buf, 1e-3, NULL, NULL);
  ntp_engine_receive (e, 0, w.pw.now, buf, len);
  ntp_engine_receive (e, 0, w.pw.now, buf, len);
  assert_int_equal (w.lines, 3);
  assert_string_equal (tests_of (w.line[0]), "101 111 0000");
  assert_string_equal (tests_of (w.line[1]), "111 111 1111");
  assert_string_equal (tests_of (w.line[2]), "001 111 0000");
  /* no sample, no figures; the genuine one left 1.01 ms after the request (the stray reply
   * took that long) and came back 0.5 ms later: 2.01 ms of round trip less the server's 10
   * us, theta +0.505 ms (the server's time less ours, seen through the slow way out) */
  assert_true (statlog_field (w.line[0], 11) == 0.0 && statlog_field (w.line[0], 12) == 0.0);
  assert_true (fabs (statlog_field (w.line[1], 12) - 2.01e-3) < 1e-6);
  assert_true (fabs (statlog_field (w.line[1], 11) - 0.505e-3) < 1e-6);

  /* an unsynchronized server (test 6), a KoD RATE (test 6: stratum 0), a root distance over
   * maxdistance (test 7), a round trip over maxdelay (test A: a sample, not a good one) */
  next_request (e, &w);
  deliver (e, &w, 1e-3, edit_unsync, NULL);
  next_request (e, &w);
  deliver (e, &w, 1e-3, edit_kod_rate, NULL);
  next_request (e, &w);
  deliver (e, &w, 1e-3, edit_far, NULL);
  next_request (e, &w);
  deliver (e, &w, 0.05, NULL, NULL);
  assert_int_equal (w.lines, 7);
  assert_string_equal (tests_of (w.line[3]), "111 101 0000");
  assert_true (strncmp (w.line[3] + 36, "? 16 ", 5) == 0);   /* leap "?", stratum 16 */
  assert_string_equal (tests_of (w.line[4]), "111 101 0000");
  assert_string_equal (tests_of (w.line[5]), "111 110 0000");
  assert_string_equal (tests_of (w.line[6]), "111 111 0111");
  /* the delay it was refused for */
  assert_true (fabs (statlog_field (w.line[6], 12) - 0.05) < 1e-6);
  NtpSourceReport r;
  assert_true (ntp_engine_get_source (e, 0, &r));
  assert_int_equal ((int) r.replies, 2);   /* the genuine one and the one over maxdelay */
  /* chronyc ntpdata's counts: every request; seven replies; valid (tests 1-3 and 5): all
   * but the stray and the copy; good: the genuine one alone; the tests shown, the last
   * valid reply's */
  assert_int_equal ((int) r.total_tx, w.pw.sent);
  assert_int_equal ((int) r.total_rx, 7);
  assert_int_equal ((int) r.total_valid_rx, 5);
  assert_int_equal ((int) r.total_good_rx, 1);
  assert_int_equal (r.tests, NTP_TESTS_ALL & ~(unsigned) NTP_TEST_A);
  ntp_engine_free (e);

  /* `measurements` alone: the replies that gave a sample, whatever A-D said of it */
  static const char *const synced[] = { "log measurements", NULL };
  e = start (&w, synced, "server 192.0.2.1 iburst maxdelay 0.01");
  deliver (e, &w, 1e-3, edit_origin, NULL);
  deliver (e, &w, 1e-3, NULL, NULL);
  next_request (e, &w);
  deliver (e, &w, 1e-3, edit_unsync, NULL);
  next_request (e, &w);
  deliver (e, &w, 0.05, NULL, NULL);
  assert_int_equal (w.lines, 2);
  assert_string_equal (tests_of (w.line[0]), "111 111 1111");
  assert_string_equal (tests_of (w.line[1]), "111 111 0111");
  ntp_engine_free (e);

  /* no `log`: nothing */
  e = start (&w, NULL, "server 192.0.2.1 iburst");
  deliver (e, &w, 1e-3, NULL, NULL);
  assert_int_equal (w.lines, 0);
  ntp_engine_free (e);
}

/* A MAC the toy hook makes: the key ID repeated over the digest's length. */
static size_t
toy_mac (void *ud, uint32_t key, const uint8_t *data, size_t len, uint8_t *out, size_t max)
{
  (void) ud;
  (void) data;
  (void) len;
  if (key != 3)
    return 0;
  size_t n = max < 20 ? max : 20;
  memset (out, 3, n);
  return n;
}

static void
an_unauthenticated_reply_fails_test_5 (void **state)
{
  (void) state;
  static const char *const raw[] = { "log rawmeasurements", NULL };
  World w;
  memset (&w, 0, sizeof w);
  w.pw.now = 1700000000000000000LL;
  w.pw.deadline = INT64_MAX;
  NtpEnv env = pw_env (&w);
  env.statlog = on_statlog;
  env.auth_mac = toy_mac;
  NtpConfig cfg;
  char err[200];
  ntp_config_init (&cfg);
  assert_int_equal (ntp_config_parse_line (&cfg, raw[0], err, sizeof err), 1);
  NtpEngine *e = ntp_engine_new (&env, &cfg);
  NtpSourceConfig sc;
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 key 3 iburst", err,
                                             sizeof err), 0);
  assert_int_equal (ntp_engine_add_source (e, &sc), 0);
  ntp_engine_start (e);
  w.pw.now = w.pw.deadline;
  ntp_engine_timer (e);
  assert_int_equal (w.pw.sent, 1);
  /* unsigned: test 5 alone; signed with the key: passed */
  deliver (e, &w, 1e-3, NULL, NULL);
  uint8_t buf[NTP_PACKET_MAX_LEN], digest[20];
  size_t len = reply (&w, buf, 1e-3, NULL, NULL);
  assert_int_equal (toy_mac (NULL, 3, buf, len, digest, sizeof digest), 20);
  len = ntp_packet_append_mac (buf, sizeof buf, len, 3, digest, 20);
  assert_true (len > 48);
  ntp_engine_receive (e, 0, w.pw.now, buf, len);
  assert_int_equal (w.lines, 2);
  assert_string_equal (tests_of (w.line[0]), "111 011 0000");
  assert_string_equal (tests_of (w.line[1]), "111 111 1111");
  ntp_engine_free (e);
}

/* The server's reference ID is the address we poll it from: it is synchronized to us. */
static void edit_refid (NtpPacket *p, void *a) { p->stratum = 3; p->refid = *(uint32_t *) a; }

static void
a_server_synchronized_to_us_closes_a_loop_while_we_serve (void **state)
{
  (void) state;
  static const char *const serving[] = { "log measurements", "allow 192.0.2.0/24", NULL };
  static const char *const client[] = { "log measurements", NULL };
  uint32_t ours = 0xC0000263;   /* 192.0.2.99 */
  World w;

  NtpEngine *e = start (&w, serving, "server 192.0.2.1 iburst");
  ntp_engine_set_local_refid (e, 0, ours);
  deliver_six (e, &w, edit_refid, &ours);
  assert_int_equal (w.lines, 6);
  for (int i = 0; i < 6; i++)
    assert_string_equal (tests_of (w.line[i]), "111 111 1110");
  NtpTracking t;
  ntp_engine_get_tracking (e, &t);
  assert_false (t.synchronized);
  assert_int_equal (w.loop_warnings, 1);   /* said once, not per reply */
  /* another reference ID: the loop is gone, the samples count */
  uint32_t other = 0xC0000264;
  deliver_six (e, &w, edit_refid, &other);
  assert_string_equal (tests_of (w.line[11]), "111 111 1111");
  ntp_engine_get_tracking (e, &t);
  assert_true (t.synchronized);
  ntp_engine_free (e);

  /* not serving: no one can be synchronized to us, so no loop (chronyd checks only then) */
  e = start (&w, client, "server 192.0.2.1 iburst");
  ntp_engine_set_local_refid (e, 0, ours);
  deliver_six (e, &w, edit_refid, &ours);
  assert_string_equal (tests_of (w.line[0]), "111 111 1111");
  ntp_engine_get_tracking (e, &t);
  assert_true (t.synchronized);
  assert_int_equal (w.loop_warnings, 0);
  ntp_engine_free (e);
}

/* A server whose reference data are ours (another name for this host, a misconfiguration):
 * the reply is what we serve, stratum, reference ID and reference time. */
static void
edit_us (NtpPacket *p, void *a)
{
  const NtpTracking *t = a;
  p->stratum = (uint8_t) t->stratum;
  p->refid = t->ref_id;
  p->ref_ts = ntp_ts_from_ns (t->ref_time_ns);
}

static void
a_server_that_is_us_closes_a_loop (void **state)
{
  (void) state;
  static const char *const serving[] = { "log measurements", "allow", NULL };
  World w;
  NtpEngine *e = start (&w, serving, "server 192.0.2.1 iburst");
  deliver_six (e, &w, NULL, NULL);
  NtpTracking t;
  ntp_engine_get_tracking (e, &t);
  assert_true (t.synchronized);
  assert_int_equal (t.stratum, 2);
  int before = w.lines;
  deliver (e, &w, 1e-3, edit_us, &t);
  assert_int_equal (w.lines, before + 1);
  assert_string_equal (tests_of (w.line[before]), "111 111 1110");
  /* the same reply with another reference time is another server at stratum 2 */
  next_request (e, &w);
  t.ref_time_ns -= 1000000000LL;
  deliver (e, &w, 1e-3, edit_us, &t);
  assert_string_equal (tests_of (w.line[before + 1]), "111 111 1111");
  ntp_engine_free (e);
}

/* The reference ID we serve for a source we are synchronized to is RFC 5905's: an IPv6
 * server's is the MD5 of its address, which is what a client compares with its own to find a
 * loop (chronyd's test D, and ours above). */
static void
the_reference_id_served_is_the_rfcs (void **state)
{
  (void) state;
  static const char *const serving[] = { "allow", NULL };
  World w;
  NtpEngine *e = start (&w, serving, "server 2001:db8::1 iburst");
  deliver_six (e, &w, NULL, NULL);
  NtpTracking t;
  ntp_engine_get_tracking (e, &t);
  assert_true (t.synchronized);
  assert_int_equal (t.ref_id, 0x39AB9B37);   /* md5(2001:db8::1)[:4] */
  ntp_engine_free (e);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (each_reply_says_which_tests_it_failed),
    cmocka_unit_test (an_unauthenticated_reply_fails_test_5),
    cmocka_unit_test (a_server_synchronized_to_us_closes_a_loop_while_we_serve),
    cmocka_unit_test (a_server_that_is_us_closes_a_loop),
    cmocka_unit_test (the_reference_id_served_is_the_rfcs),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
