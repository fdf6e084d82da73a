/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for server mode (service/ntp/ntp-serve.c): chrony's allow/deny semantics, the
 * directives' parsing, the reply's fields against RFC 5905 and the request, what gets no
 * answer, and the rate limit. The replies are read back with the client's own decoder and
 * checks (ntp-packet.h), so a reply our client would refuse fails here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "ntp-engine.h"
#include "ntp-packet.h"
#include "ntp-serve.h"

#define SEC 1000000000LL
/* 2026-12-04 00:00:00 UTC */
#define T0 (1796342400LL * SEC)

static void
v4 (const char *s, uint8_t out[16])
{
  memset (out, 0, 16);
  out[10] = out[11] = 0xff;
  assert_int_equal (inet_pton (AF_INET, s, out + 12), 1);
}

static void
v6 (const char *s, uint8_t out[16])
{
  assert_int_equal (inet_pton (AF_INET6, s, out), 1);
}

static NtpConfig
parse (const char *const *lines)
{
  NtpConfig cfg;
  char err[256];
  ntp_config_init (&cfg);
  for (int i = 0; lines[i]; i++) {
    int r = ntp_config_parse_line (&cfg, lines[i], err, sizeof err);
    if (r != 1)
      fail_msg ("'%s': %d %s", lines[i], r, err);
  }
  return cfg;
}

static bool
allowed4 (const NtpConfig *cfg, const char *a)
{
  uint8_t b[16];
  v4 (a, b);
  return ntp_serve_allowed (&cfg->serve, b);
}

static bool
allowed6 (const NtpConfig *cfg, const char *a)
{
  uint8_t b[16];
  v6 (a, b);
  return ntp_serve_allowed (&cfg->serve, b);
}

/* No allow: no one, and the daemon opens no server socket (chrony's default). */
static void
default_serves_no_one (void **state)
{
  (void) state;
  NtpConfig cfg;
  ntp_config_init (&cfg);
  assert_false (ntp_serve_enabled (&cfg.serve));
  assert_false (allowed4 (&cfg, "127.0.0.1"));
  assert_false (allowed6 (&cfg, "::1"));
  assert_int_equal (cfg.serve.port, 123);
  const char *deny_only[] = { "deny all", NULL };
  NtpConfig d = parse (deny_only);
  assert_false (ntp_serve_enabled (&d.serve));
  const char *port0[] = { "allow", "port 0", NULL };
  NtpConfig p = parse (port0);
  assert_false (ntp_serve_enabled (&p.serve));
}

/* chrony.conf(5)'s own example: the most specific rule decides, whatever the order. */
static void
most_specific_rule_decides (void **state)
{
  (void) state;
  const char *lines[] = { "deny 1.2.3.4", "allow 1.2.3", "allow 1.2", "deny 1.2.4",
                          "allow 2001:db8::/32", "deny 2001:db8:1::/48", NULL };
  NtpConfig cfg = parse (lines);
  assert_true (ntp_serve_enabled (&cfg.serve));
  assert_false (allowed4 (&cfg, "1.2.3.4"));   /* the host rule, given first */
  assert_true (allowed4 (&cfg, "1.2.3.5"));
  assert_true (allowed4 (&cfg, "1.2.5.1"));    /* only 1.2 matches */
  assert_false (allowed4 (&cfg, "1.2.4.9"));
  assert_false (allowed4 (&cfg, "1.3.0.1"));   /* nothing matches */
  assert_true (allowed6 (&cfg, "2001:db8:2::1"));
  assert_false (allowed6 (&cfg, "2001:db8:1::1"));
  assert_false (allowed6 (&cfg, "2001:db9::1"));
  /* IPv4 rules never match IPv6 addresses, nor the other way round */
  assert_false (allowed6 (&cfg, "::1.2.3.5"));
}

/* The same subnet again: the later rule decides; `all` also drops the rules inside it. */
static void
later_rule_and_all (void **state)
{
  (void) state;
  const char *lines[] = { "allow 10.0.0.0/8", "deny 10.1", "allow 10.1.2", "deny 10/8", NULL };
  NtpConfig cfg = parse (lines);
  assert_false (allowed4 (&cfg, "10.9.9.9"));  /* deny 10/8 replaced allow 10.0.0.0/8 */
  assert_false (allowed4 (&cfg, "10.1.1.1"));
  assert_true (allowed4 (&cfg, "10.1.2.3"));   /* more specific, kept */
  const char *with_all[] = { "allow 10.0.0.0/8", "deny 10.1", "allow 10.1.2", "deny all 10/8",
                             NULL };
  NtpConfig a = parse (with_all);
  assert_false (allowed4 (&a, "10.1.2.3"));    /* gone with `all` */
  assert_false (allowed4 (&a, "10.9.9.9"));
  const char *everyone[] = { "deny 192.168.1", "allow all", NULL };
  NtpConfig e = parse (everyone);
  assert_true (allowed4 (&e, "192.168.1.7"));
  assert_true (allowed6 (&e, "2001:db8::7"));
  /* `allow` alone is every address of both families */
  const char *bare[] = { "allow", NULL };
  NtpConfig b = parse (bare);
  assert_true (allowed4 (&b, "203.0.113.9"));
  assert_true (allowed6 (&b, "::1"));
}

static void
bad_directives_are_refused_and_change_nothing (void **state)
{
  (void) state;
  const char *bad[] = {
    "allow 1.2.3.4.5", "allow 256.1", "allow 1.2.3/33", "allow 1..2", "allow 1.2.", "allow 1.2/x",
    "allow ntp.example.com", "allow 2001:db8::/129", "allow 1.2.3.4 5.6.7.8", "deny all all",
    "allow /8", "port 65536", "port -1", "port", "port 1 2", "bindaddress", "bindaddress host",
    "local stratum 16", "local stratum 0", "local stratum", "local distance", "local distance x",
    "local activate -1", "local orphanage", "local stratum 8 waitsynced", "ratelimit interval 13",
    "ratelimit burst 0", "ratelimit leak 5", "ratelimit kod 2", "ratelimit interval", NULL,
  };
  for (int i = 0; bad[i]; i++) {
    NtpConfig cfg, before;
    char err[256] = "";
    ntp_config_init (&cfg);
    before = cfg;
    if (ntp_config_parse_line (&cfg, bad[i], err, sizeof err) != -1)
      fail_msg ("'%s' was taken", bad[i]);
    assert_true (err[0] != '\0');
    assert_memory_equal (&cfg, &before, sizeof cfg);
  }
}

static void
directives_read_as_chrony_writes_them (void **state)
{
  (void) state;
  const char *lines[] = { "port 11123", "bindaddress 127.0.0.1", "bindaddress ::1",
                          "local stratum 8", "ratelimit interval 1 burst 4 leak 3", NULL };
  NtpConfig cfg = parse (lines);
  assert_int_equal (cfg.serve.port, 11123);
  assert_string_equal (cfg.serve.bind_ipv4, "127.0.0.1");
  assert_string_equal (cfg.serve.bind_ipv6, "::1");
  assert_true (cfg.serve.local);
  assert_int_equal (cfg.serve.local_stratum, 8);
  assert_true (cfg.serve.ratelimit);
  assert_int_equal (cfg.serve.ratelimit_interval, 1);
  assert_int_equal (cfg.serve.ratelimit_burst, 4);
  assert_int_equal (cfg.serve.ratelimit_leak, 3);
  const char *plain[] = { "local", "ratelimit", NULL };
  NtpConfig p = parse (plain);
  assert_int_equal (p.serve.local_stratum, 10);
  assert_true (p.serve.local_distance == 1.0);
  /* chrony.conf's orphan and timing options: taken, the line applies, and err says which have
   * no effect; stratum and distance act */
  NtpConfig o;
  char err[256] = "x";
  ntp_config_init (&o);
  assert_int_equal (ntp_config_parse_line (&o, "local stratum 9 orphan distance 0.5 "
                                           "waitsynced 100", err, sizeof err), 1);
  assert_true (o.serve.local);
  assert_int_equal (o.serve.local_stratum, 9);
  assert_true (o.serve.local_distance == 0.5);
  assert_non_null (strstr (err, "orphan"));
  assert_non_null (strstr (err, "waitsynced"));
  assert_int_equal (ntp_config_parse_line (&o, "local stratum 9", err, sizeof err), 1);
  assert_string_equal (err, "");
  assert_int_equal (p.serve.ratelimit_interval, 3);
  assert_int_equal (p.serve.ratelimit_burst, 8);
  assert_int_equal (p.serve.ratelimit_leak, 2);
}

/* A synchronized clock's state at T0: stratum 2 behind 192.0.2.1, a leap second announced. */
static NtpTracking
synced_tracking (void)
{
  NtpTracking t = { 0 };
  t.synchronized = true;
  t.stratum = 2;
  t.ref_id = 0xC0000201u;
  t.ref_time_ns = T0 - 64 * SEC;
  t.root_delay = 0.0125;
  t.root_dispersion = 0.0031;
  t.leap = NTP_LEAP_INSERT;
  return t;
}

static uint64_t
get64 (const uint8_t *b)
{
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | b[i];
  return v;
}

static size_t
request (uint8_t *buf, int version, uint64_t tx_ts, int8_t poll)
{
  return ntp_packet_encode_request_version (buf, NTP_PACKET_MAX_LEN, tx_ts, poll, version);
}

static NtpServe *
server (const char *const *lines)
{
  NtpConfig cfg = parse (lines);
  NtpServe *sv = ntp_serve_new (&cfg.serve);
  assert_non_null (sv);
  return sv;
}

static void
reply_answers_the_request (void **state)
{
  (void) state;
  const char *lines[] = { "allow 127.0.0.1", NULL };
  NtpServe *sv = server (lines);
  NtpTracking t = synced_tracking ();
  NtpServeClock clk = { .tracking = &t, .precision = -20, .rx_ns = T0 + 123456789,
                        .tx_ns = T0 + 123556789, .random = 0x0123456789abcdefull };
  uint8_t addr[16], req[NTP_PACKET_MAX_LEN], out[NTP_PACKET_MAX_LEN];
  size_t out_len;
  v4 ("127.0.0.1", addr);
  uint64_t client_tx = 0xdeadbeefcafef00dull;
  for (int version = 1; version <= 4; version++) {
    size_t n = request (req, version, client_tx, 6);
    assert_int_equal (ntp_serve_respond (sv, &clk, addr, req, n, out, sizeof out, &out_len),
                      NTP_SERVE_ANSWERED);
    assert_int_equal (out_len, NTP_PACKET_HEADER_LEN);
    assert_int_equal (out[0] & 7, NTP_MODE_SERVER);
    assert_int_equal ((out[0] >> 3) & 7, version);   /* the request's version */
    NtpPacket p;
    if (version >= 3) {
      /* our own client takes it: version, mode, origin, stratum, leap, distance */
      assert_int_equal (ntp_packet_decode (out, out_len, &p), NTP_PKT_OK);
      assert_int_equal (ntp_packet_check_reply (&p, client_tx, 0, 3.0), NTP_PKT_OK);
    } else {
      memset (&p, 0, sizeof p);
      p.leap = out[0] >> 6;
      p.stratum = out[1];
      p.poll = (int8_t) out[2];
      p.precision = (int8_t) out[3];
      memcpy (&p.refid, out + 12, 4);
      p.refid = ntohl (p.refid);
      p.org_ts = get64 (out + 24);
      p.rx_ts = get64 (out + 32);
      p.tx_ts = get64 (out + 40);
    }
    assert_int_equal (p.leap, NTP_LI_INSERT);
    assert_int_equal (p.stratum, 2);
    assert_int_equal (p.poll, 6);
    assert_int_equal (p.precision, -20);
    assert_true (p.refid == 0xC0000201u);
    assert_true (p.org_ts == client_tx);
    if (version >= 3) {
      assert_true (fabs (p.root_delay - 0.0125) < 1.0 / 65536);
      assert_true (fabs (p.root_dispersion - 0.0031) < 1.0 / 65536);
      assert_true (llabs (ntp_ts_to_ns (p.ref_ts, T0) - (T0 - 64 * SEC)) < 1000);
    }
    /* the receive and transmit times, to the precision (2^-20 s), the bits below random */
    int64_t rx = ntp_ts_to_ns (p.rx_ts, T0), tx = ntp_ts_to_ns (p.tx_ts, T0);
    assert_true (llabs (rx - clk.rx_ns) < 1000);
    assert_true (llabs (tx - clk.tx_ns) < 1000);
    assert_true ((p.rx_ts & 0xfff) == (clk.random & 0xfff));
    assert_true ((p.tx_ts & 0xfff) == ((clk.random >> 32) & 0xfff));
  }
  NtpServeCounts c;
  ntp_serve_get_counts (sv, &c);
  assert_int_equal (c.received, 4);
  assert_int_equal (c.answered, 4);
  ntp_serve_free (sv);
}

/* Not synchronized: "unsynchronized" (leap 3, stratum 16), which every client refuses; with
 * `local`, our own clock at the local stratum, reference "LOCL". */
static void
unsynchronized_and_local (void **state)
{
  (void) state;
  NtpTracking t = { 0 };
  uint8_t addr[16], req[NTP_PACKET_MAX_LEN], out[NTP_PACKET_MAX_LEN];
  size_t n, out_len;
  NtpPacket p;
  v4 ("127.0.0.1", addr);
  NtpServeClock clk = { .tracking = &t, .precision = -20, .rx_ns = T0, .tx_ns = T0 + 1000 };
  const char *plain[] = { "allow", NULL };
  NtpServe *sv = server (plain);
  n = request (req, 4, 42, 4);
  assert_int_equal (ntp_serve_respond (sv, &clk, addr, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_ANSWERED);
  assert_int_equal (ntp_packet_decode (out, out_len, &p), NTP_PKT_OK);
  assert_int_equal (p.leap, NTP_LI_UNSYNC);
  assert_int_equal (p.stratum, 16);
  assert_int_not_equal (ntp_packet_check_reply (&p, 42, 0, 3.0), NTP_PKT_OK);
  ntp_serve_free (sv);

  const char *local[] = { "allow", "local stratum 8", NULL };
  sv = server (local);
  assert_int_equal (ntp_serve_respond (sv, &clk, addr, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_ANSWERED);
  assert_int_equal (ntp_packet_decode (out, out_len, &p), NTP_PKT_OK);
  assert_int_equal (p.leap, NTP_LI_NONE);
  assert_int_equal (p.stratum, 8);
  assert_true (p.refid == 0x4C4F434Cu);
  assert_int_equal (ntp_packet_check_reply (&p, 42, 0, 3.0), NTP_PKT_OK);
  /* synchronized again, the sources' state wins over `local` */
  NtpTracking s = synced_tracking ();
  clk.tracking = &s;
  assert_int_equal (ntp_serve_respond (sv, &clk, addr, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_ANSWERED);
  assert_int_equal (ntp_packet_decode (out, out_len, &p), NTP_PKT_OK);
  assert_int_equal (p.stratum, 2);
  ntp_serve_free (sv);
}

/* The time served is the clock's reading less the offset it is still slewing out (chronyd's
 * "cooked" time): 0.25 s fast with all of it still to slew, the reply reads 0.25 s less. */
static void
served_time_is_the_reading_less_the_pending_slew (void **state)
{
  (void) state;
  const char *lines[] = { "allow", NULL };
  NtpServe *sv = server (lines);
  NtpTracking t = synced_tracking ();
  NtpServeClock clk = { .tracking = &t, .precision = -20, .rx_ns = T0, .tx_ns = T0 + 1000 };
  uint8_t addr[16], req[NTP_PACKET_MAX_LEN], out[NTP_PACKET_MAX_LEN];
  size_t n = request (req, 4, 42, 6), out_len;
  NtpPacket p;
  v4 ("127.0.0.1", addr);
  t.system_time_offset = 0.25;
  assert_int_equal (ntp_serve_respond (sv, &clk, addr, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_ANSWERED);
  assert_int_equal (ntp_packet_decode (out, out_len, &p), NTP_PKT_OK);
  assert_true (llabs (ntp_ts_to_ns (p.rx_ts, T0) - (T0 - 250000000)) < 1000);
  assert_true (llabs (ntp_ts_to_ns (p.tx_ts, T0) - (T0 + 1000 - 250000000)) < 1000);
  /* slow of true time (negative): the reply reads more */
  t.system_time_offset = -0.001;
  assert_int_equal (ntp_serve_respond (sv, &clk, addr, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_ANSWERED);
  assert_int_equal (ntp_packet_decode (out, out_len, &p), NTP_PKT_OK);
  assert_true (llabs (ntp_ts_to_ns (p.rx_ts, T0) - (T0 + 1000000)) < 1000);
  ntp_serve_free (sv);
}

/* `local distance`: synchronized, but with a root distance over it (the sources long quiet),
 * the own clock at the local stratum; under it, the sources' time. */
static void
local_takes_over_past_its_distance (void **state)
{
  (void) state;
  const char *lines[] = { "allow", "local stratum 7 distance 0.5", NULL };
  NtpServe *sv = server (lines);
  NtpTracking t = synced_tracking ();   /* root distance 0.0125 / 2 + 0.0031 */
  NtpServeClock clk = { .tracking = &t, .precision = -20, .rx_ns = T0, .tx_ns = T0 };
  uint8_t addr[16], req[NTP_PACKET_MAX_LEN], out[NTP_PACKET_MAX_LEN];
  size_t n = request (req, 4, 42, 6), out_len;
  NtpPacket p;
  v4 ("127.0.0.1", addr);
  assert_int_equal (ntp_serve_respond (sv, &clk, addr, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_ANSWERED);
  assert_int_equal (ntp_packet_decode (out, out_len, &p), NTP_PKT_OK);
  assert_int_equal (p.stratum, 2);
  t.root_dispersion = 0.6;
  assert_int_equal (ntp_serve_respond (sv, &clk, addr, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_ANSWERED);
  assert_int_equal (ntp_packet_decode (out, out_len, &p), NTP_PKT_OK);
  assert_int_equal (p.stratum, 7);
  assert_true (p.refid == 0x4C4F434Cu);
  assert_int_equal (p.leap, NTP_LI_NONE);
  ntp_serve_free (sv);
}

/* What gets no answer, and is counted by its reason. */
static void
no_answer_to_what_is_not_a_request (void **state)
{
  (void) state;
  const char *lines[] = { "allow 192.0.2.0/24", NULL };
  NtpServe *sv = server (lines);
  NtpTracking t = synced_tracking ();
  NtpServeClock clk = { .tracking = &t, .precision = -20, .rx_ns = T0, .tx_ns = T0 };
  uint8_t ok[16], other[16], req[NTP_PACKET_MAX_LEN], out[NTP_PACKET_MAX_LEN];
  size_t n, out_len = 99;
  v4 ("192.0.2.7", ok);
  v4 ("198.51.100.7", other);
  n = request (req, 4, 42, 6);
  assert_int_equal (ntp_serve_respond (sv, &clk, other, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_DENIED);
  assert_int_equal (out_len, 0);
  /* a server's reply sent to us (two servers must not answer each other), broadcast,
   * symmetric, control */
  static const int modes[] = { 0, 1, 2, 4, 5, 6, 7 };
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    req[0] = (uint8_t) ((4 << 3) | modes[i]);
    assert_int_equal (ntp_serve_respond (sv, &clk, ok, req, n, out, sizeof out, &out_len),
                      NTP_SERVE_NOT_A_REQUEST);
  }
  req[0] = (uint8_t) ((0 << 3) | 3);
  assert_int_equal (ntp_serve_respond (sv, &clk, ok, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_NOT_A_REQUEST);
  req[0] = (uint8_t) ((5 << 3) | 3);
  assert_int_equal (ntp_serve_respond (sv, &clk, ok, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_NOT_A_REQUEST);
  req[0] = (uint8_t) ((4 << 3) | 3);
  assert_int_equal (ntp_serve_respond (sv, &clk, ok, req, 47, out, sizeof out, &out_len),
                    NTP_SERVE_MALFORMED);
  assert_int_equal (ntp_serve_respond (sv, &clk, ok, req, 50, out, sizeof out, &out_len),
                    NTP_SERVE_MALFORMED);
  assert_int_equal (ntp_serve_respond (sv, &clk, ok, req, NTP_PACKET_MAX_LEN + 4, out, sizeof out,
                                       &out_len), NTP_SERVE_MALFORMED);
  /* a MAC or an extension field: we cannot authenticate, and never send more than we got */
  memset (req + 48, 0, 24);
  assert_int_equal (ntp_serve_respond (sv, &clk, ok, req, 72, out, sizeof out, &out_len),
                    NTP_SERVE_AUTHENTICATED);
  assert_int_equal (out_len, 0);
  NtpServeCounts c;
  ntp_serve_get_counts (sv, &c);
  assert_int_equal (c.answered, 0);
  assert_int_equal (c.by_verdict[NTP_SERVE_DENIED], 1);
  assert_int_equal (c.by_verdict[NTP_SERVE_NOT_A_REQUEST], 9);
  assert_int_equal (c.by_verdict[NTP_SERVE_MALFORMED], 3);
  assert_int_equal (c.by_verdict[NTP_SERVE_AUTHENTICATED], 1);
  ntp_serve_free (sv);
}

/* ratelimit interval 1 burst 4 leak 0 (no leak): four at once, then one per 2 s; another
 * client keeps its own allowance. */
static void
rate_limit_per_client (void **state)
{
  (void) state;
  const char *lines[] = { "allow", "ratelimit interval 1 burst 4 leak 0", NULL };
  NtpServe *sv = server (lines);
  NtpTracking t = synced_tracking ();
  NtpServeClock clk = { .tracking = &t, .precision = -20, .rx_ns = T0, .tx_ns = T0,
                        .random = ~0ull };
  uint8_t a[16], b[16], req[NTP_PACKET_MAX_LEN], out[NTP_PACKET_MAX_LEN];
  size_t n = request (req, 4, 42, 0), out_len;
  v4 ("192.0.2.1", a);
  v6 ("2001:db8::1", b);
  for (int i = 0; i < 4; i++)
    assert_int_equal (ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len),
                      NTP_SERVE_ANSWERED);
  assert_int_equal (ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_LIMITED);
  assert_int_equal (ntp_serve_respond (sv, &clk, b, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_ANSWERED);
  clk.rx_ns += SEC;        /* half a token */
  assert_int_equal (ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_LIMITED);
  clk.rx_ns += SEC;        /* a whole one */
  assert_int_equal (ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_ANSWERED);
  assert_int_equal (ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_LIMITED);
  clk.rx_ns += 3600 * SEC; /* refilled, to the burst only */
  for (int i = 0; i < 4; i++)
    assert_int_equal (ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len),
                      NTP_SERVE_ANSWERED);
  assert_int_equal (ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_LIMITED);
  ntp_serve_free (sv);

  /* leak 2: of the limited requests, those whose random draw says so (one in four) */
  const char *leaky[] = { "allow", "ratelimit interval 10 burst 1 leak 2", NULL };
  sv = server (leaky);
  clk.random = 0;
  assert_int_equal (ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_ANSWERED);
  int answered = 0;
  for (uint64_t r = 0; r < 64; r++) {
    clk.random = r << 40;
    answered += ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len)
                == NTP_SERVE_ANSWERED;
  }
  assert_int_equal (answered, 16);
  ntp_serve_free (sv);
}

/* A flood from many addresses forgets the least recently heard clients, not the table's
 * memory bounds; a client heard of again is limited again. */
static void
many_clients_stay_bounded (void **state)
{
  (void) state;
  const char *lines[] = { "allow", "ratelimit interval 10 burst 1 leak 0", NULL };
  NtpServe *sv = server (lines);
  NtpTracking t = synced_tracking ();
  NtpServeClock clk = { .tracking = &t, .precision = -20, .rx_ns = T0, .tx_ns = T0 };
  uint8_t a[16], req[NTP_PACKET_MAX_LEN], out[NTP_PACKET_MAX_LEN];
  size_t n = request (req, 4, 42, 0), out_len;
  for (uint32_t i = 0; i < 20000; i++) {
    memset (a, 0, 16);
    a[0] = 0x20;
    memcpy (a + 8, &i, 4);
    assert_int_equal (ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len),
                      NTP_SERVE_ANSWERED);
    assert_int_equal (ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len),
                      NTP_SERVE_LIMITED);
  }
  /* every client past the table's size pushed one out (chronyc serverstats: "Client log
   * records dropped") */
  NtpServeCounts c;
  ntp_serve_get_counts (sv, &c);
  assert_true (c.forgotten >= 20000 - NTP_SERVE_MAX_CLIENTS && c.forgotten < 20000);
  ntp_serve_free (sv);
}

/* Clients NET1, NET2, ... NETcount, one request each, a second apart from T0, each answered;
 * returns when the last was heard. */
static int64_t
hear_in_turn (NtpServe *sv, const char *net, int count)
{
  NtpTracking t = synced_tracking ();
  NtpServeClock clk = { .tracking = &t, .precision = -20, .rx_ns = T0, .tx_ns = T0 };
  uint8_t a[16], req[NTP_PACKET_MAX_LEN], out[NTP_PACKET_MAX_LEN];
  size_t n = request (req, 4, 42, 0), out_len;
  for (int i = 0; i < count; i++) {
    char text[48];
    snprintf (text, sizeof text, "%s%d", net, i + 1);
    v4 (text, a);
    clk.rx_ns = T0 + i * SEC;
    assert_int_equal (ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len),
                      NTP_SERVE_ANSWERED);
  }
  return clk.rx_ns;
}

/* chrony's `clientloglimit BYTES`: the log holds what fits, so 16 records' bytes (one bucket)
 * keep the 16 most recently heard of 40 clients; beyond the table's bound the line says what
 * it holds.
 * `noclientlog`: no one is listed and, with nothing known of a client, no rate limit applies
 * (chronyd likewise), while the counts go on. */
static void
client_log_size_and_none (void **state)
{
  (void) state;
  char limit[64];
  snprintf (limit, sizeof limit, "clientloglimit %llu",
            (unsigned long long) ntp_serve_log_bytes (16));
  const char *small[] = { "allow", limit, NULL };
  NtpConfig cfg = parse (small);
  assert_int_equal (ntp_serve_log_capacity (&cfg.serve), 16);
  NtpServe *sv = ntp_serve_new (&cfg.serve);
  int64_t last = hear_in_turn (sv, "192.0.2.", 40);
  static NtpServeClient list[NTP_SERVE_MAX_CLIENTS];
  int listed = ntp_serve_list_clients (sv, last, list, NTP_SERVE_MAX_CLIENTS);
  assert_int_equal (listed, 16);
  for (int i = 0; i < listed; i++)
    assert_true (list[i].last_ago < 16.0);   /* the 16 heard of last, one a second */
  NtpServeCounts c;
  ntp_serve_get_counts (sv, &c);
  assert_int_equal (c.forgotten, 40 - listed);
  ntp_serve_free (sv);

  /* the defaults (512 KiB: at least the four thousand clients chronyd's holds, within the
   * bound), and what is more than the table holds */
  NtpConfig def;
  ntp_config_init (&def);
  assert_true (ntp_serve_log_capacity (&def.serve) >= 4096);
  assert_true (ntp_serve_log_capacity (&def.serve) < NTP_SERVE_MAX_CLIENTS);
  assert_true (ntp_serve_log_bytes (ntp_serve_log_capacity (&def.serve))
               <= NTP_SERVE_CLIENTLOGLIMIT_DEFAULT);
  char err[200] = "";
  assert_int_equal (ntp_config_parse_line (&def, "clientloglimit 0", err, sizeof err), 1);
  assert_string_equal (err, "");
  assert_true (ntp_serve_log_capacity (&def.serve) >= 1);
  assert_int_equal (ntp_config_parse_line (&def, "clientloglimit 4294967295", err, sizeof err), 1);
  assert_non_null (strstr (err, "at most"));
  assert_int_equal (ntp_serve_log_capacity (&def.serve), NTP_SERVE_MAX_CLIENTS);

  const char *none[] = { "allow", "noclientlog", "ratelimit interval 10 burst 1 leak 0", NULL };
  cfg = parse (none);
  assert_int_equal (ntp_serve_log_capacity (&cfg.serve), 0);
  sv = ntp_serve_new (&cfg.serve);
  NtpTracking t = synced_tracking ();
  NtpServeClock clk = { .tracking = &t, .precision = -20, .rx_ns = T0, .tx_ns = T0 };
  uint8_t a[16], req[NTP_PACKET_MAX_LEN], out[NTP_PACKET_MAX_LEN];
  size_t n = request (req, 4, 42, 0), out_len;
  v4 ("192.0.2.1", a);
  for (int i = 0; i < 5; i++)
    assert_int_equal (ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len),
                      NTP_SERVE_ANSWERED);
  assert_int_equal (ntp_serve_list_clients (sv, clk.rx_ns, list, NTP_SERVE_MAX_CLIENTS), 0);
  ntp_serve_get_counts (sv, &c);
  assert_int_equal (c.answered, 5);
  ntp_serve_free (sv);
}

/* The client log's buckets follow a keyed hash: two keys spread the same clients over the
 * buckets differently (so the ones a full log forgets differ), one key always the same way. */
static void
client_log_hash_is_keyed (void **state)
{
  (void) state;
  char limit[64];
  snprintf (limit, sizeof limit, "clientloglimit %llu",
            (unsigned long long) ntp_serve_log_bytes (48));   /* three buckets of 16 */
  const char *three[] = { "allow", limit, NULL };
  NtpConfig cfg = parse (three);
  static NtpServeClient lists[3][48];
  int listed[3];
  for (int run = 0; run < 3; run++) {
    uint8_t key[NTP_SERVE_HASH_KEY_LEN];
    memset (key, run == 1 ? 0x5a : 0xa5, sizeof key);   /* runs 0 and 2: the same key */
    NtpServe *sv = ntp_serve_new (&cfg.serve);
    ntp_serve_set_hash_key (sv, key);
    int64_t last = hear_in_turn (sv, "198.51.100.", 72);
    listed[run] = ntp_serve_list_clients (sv, last, lists[run], 48);
    ntp_serve_free (sv);
  }
  assert_int_equal (listed[0], listed[2]);
  assert_memory_equal (lists[0], lists[2], (size_t) listed[0] * sizeof lists[0][0]);
  assert_true (listed[0] != listed[1]
               || memcmp (lists[0], lists[1], (size_t) listed[0] * sizeof lists[0][0]) != 0);
}

/* The client log (chronyc clients): each allowed client's requests, drops, mean intervals
 * between its requests and between its answers, and when it was last heard of; sorted by
 * address; the refused ones not in it. */
static void
client_log_counts_and_intervals (void **state)
{
  (void) state;
  const char *lines[] = { "allow 192.0.2.0/24", "ratelimit interval 4 burst 2 leak 0", NULL };
  NtpServe *sv = server (lines);
  NtpTracking t = synced_tracking ();
  NtpServeClock clk = { .tracking = &t, .precision = -20, .rx_ns = T0, .tx_ns = T0 };
  uint8_t a[16], b[16], denied[16], req[NTP_PACKET_MAX_LEN], out[NTP_PACKET_MAX_LEN];
  size_t n = request (req, 4, 42, 0), out_len;
  v4 ("192.0.2.9", a);
  v4 ("192.0.2.1", b);
  v4 ("198.51.100.1", denied);
  /* a: every 2 s, five times: two answered at once, then one in 16 s (the rate) */
  for (int i = 0; i < 5; i++) {
    clk.rx_ns = T0 + i * 2 * SEC;
    ntp_serve_respond (sv, &clk, a, req, n, out, sizeof out, &out_len);
  }
  /* b: every 64 s, three times */
  for (int i = 0; i < 3; i++) {
    clk.rx_ns = T0 + i * 64 * SEC;
    assert_int_equal (ntp_serve_respond (sv, &clk, b, req, n, out, sizeof out, &out_len),
                      NTP_SERVE_ANSWERED);
  }
  assert_int_equal (ntp_serve_respond (sv, &clk, denied, req, n, out, sizeof out, &out_len),
                    NTP_SERVE_DENIED);
  NtpServeClient list[8];
  int k = ntp_serve_list_clients (sv, T0 + 200 * SEC, list, 8);
  assert_int_equal (k, 2);
  /* sorted by address: b (.1) before a (.9) */
  assert_memory_equal (list[0].addr, b, 16);
  assert_memory_equal (list[1].addr, a, 16);
  assert_int_equal (list[0].requests, 3);
  assert_int_equal (list[0].dropped, 0);
  assert_true (fabs (list[0].interval - 64) < 1e-9);
  assert_true (fabs (list[0].interval_answered - 64) < 1e-9);
  assert_true (fabs (list[0].last_ago - (200 - 128)) < 1e-9);
  assert_int_equal (list[1].requests, 5);
  assert_int_equal (list[1].dropped, 3);
  assert_true (fabs (list[1].interval - 2) < 1e-9);
  assert_true (fabs (list[1].interval_answered - 2) < 1e-9);   /* the two answered at once */
  assert_true (fabs (list[1].last_ago - (200 - 8)) < 1e-9);
  /* at most max */
  assert_int_equal (ntp_serve_list_clients (sv, T0, list, 1), 1);
  ntp_serve_free (sv);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (default_serves_no_one),
    cmocka_unit_test (most_specific_rule_decides),
    cmocka_unit_test (later_rule_and_all),
    cmocka_unit_test (bad_directives_are_refused_and_change_nothing),
    cmocka_unit_test (directives_read_as_chrony_writes_them),
    cmocka_unit_test (reply_answers_the_request),
    cmocka_unit_test (unsynchronized_and_local),
    cmocka_unit_test (local_takes_over_past_its_distance),
    cmocka_unit_test (served_time_is_the_reading_less_the_pending_slew),
    cmocka_unit_test (no_answer_to_what_is_not_a_request),
    cmocka_unit_test (rate_limit_per_client),
    cmocka_unit_test (many_clients_stay_bounded),
    cmocka_unit_test (client_log_counts_and_intervals),
    cmocka_unit_test (client_log_size_and_none),
    cmocka_unit_test (client_log_hash_is_keyed),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
