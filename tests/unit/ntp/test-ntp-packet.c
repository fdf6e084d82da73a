/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for ntp-packet: codec round trips, timestamp conversion, and every reason a
 * reply is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ntp-packet.h"

/* 2024-01-01T00:00:00Z as Unix seconds: 19723 days * 86400, worked out by hand. */
#define JAN_2024 1704067200LL

static void
timestamp_conversion_matches_rfc_epoch (void **state)
{
  (void) state;
  /* The Unix epoch is NTP second 2208988800 (RFC 5905 figure 4: 1970 = 2,208,988,800). */
  uint64_t ts = ntp_ts_from_ns (0);
  assert_int_equal (ts >> 32, 2208988800u);
  assert_int_equal (ts & 0xffffffffu, 0);
  /* half a second is 2^31 in the fraction */
  ts = ntp_ts_from_ns (500000000LL);
  assert_int_equal (ts & 0xffffffffu, 0x80000000u);
  /* round trip within a nanosecond */
  int64_t ns = JAN_2024 * 1000000000LL + 123456789;
  assert_true (llabs (ntp_ts_to_ns (ntp_ts_from_ns (ns), ns) - ns) <= 1);
}

static void
timestamp_era_rollover_resolved_near_reference (void **state)
{
  (void) state;
  /* 2036-02-07T06:28:16Z is where era 0 ends: NTP seconds wrap to 0. */
  int64_t wrap_unix = 4294967296LL - 2208988800LL;
  int64_t ns = (wrap_unix + 10) * 1000000000LL;
  uint64_t ts = ntp_ts_from_ns (ns);
  assert_int_equal (ts >> 32, 10);
  /* decoded near a time just before the wrap, it must land after it, not in 1900 */
  int64_t near = (wrap_unix - 5) * 1000000000LL;
  assert_true (llabs (ntp_ts_to_ns (ts, near) - ns) <= 1);
}

static size_t
make_reply (uint8_t *buf, uint64_t org, uint64_t rx, uint64_t tx)
{
  NtpPacket p = { .leap = 0, .version = 4, .mode = NTP_MODE_SERVER, .stratum = 2, .poll = 6,
                  .precision = -20, .root_delay = 0.015625, .root_dispersion = 0.5,
                  .refid = 0xC0A80001, .ref_ts = tx - (1ULL << 32), .org_ts = org, .rx_ts = rx,
                  .tx_ts = tx };
  return ntp_packet_encode (buf, 48, &p);
}

static void
encode_decode_round_trip (void **state)
{
  (void) state;
  uint8_t buf[48];
  uint64_t org = 0xE9000000AABBCCDDULL, rx = 0xE9000001000000FFULL, tx = 0xE900000100001000ULL;
  assert_int_equal (make_reply (buf, org, rx, tx), 48);
  /* wire layout per RFC 5905 figure 8 */
  assert_int_equal (buf[0], (0 << 6) | (4 << 3) | 4);
  assert_int_equal (buf[1], 2);
  assert_int_equal ((int8_t) buf[3], -20);
  /* root delay 1/64 s in 16.16 = 0x00000400 */
  assert_int_equal (buf[4], 0);
  assert_int_equal (buf[6], 0x04);
  NtpPacket p;
  assert_int_equal (ntp_packet_decode (buf, 48, &p), NTP_PKT_OK);
  assert_int_equal (p.version, 4);
  assert_int_equal (p.mode, NTP_MODE_SERVER);
  assert_int_equal (p.stratum, 2);
  assert_int_equal (p.poll, 6);
  assert_int_equal (p.precision, -20);
  assert_true (p.root_delay == 0.015625);
  assert_true (p.root_dispersion == 0.5);
  assert_int_equal (p.refid, 0xC0A80001);
  assert_true (p.org_ts == org && p.rx_ts == rx && p.tx_ts == tx);
  assert_int_equal (ntp_packet_check_reply (&p, org, 0, 3.0), NTP_PKT_OK);
}

static void
client_request_carries_only_version_mode_poll_and_transmit (void **state)
{
  (void) state;
  uint8_t buf[64];
  memset (buf, 0xAA, sizeof buf);
  uint64_t tx = 0xE9000000DEADBEEFULL;
  assert_int_equal (ntp_packet_encode_request (buf, sizeof buf, tx, 6), 48);
  assert_int_equal (buf[0] & 7, NTP_MODE_CLIENT);
  assert_int_equal ((buf[0] >> 3) & 7, 4);
  assert_int_equal (buf[2], 6);
  for (int i = 16; i < 40; i++)
    assert_int_equal (buf[i], 0);
  NtpPacket p;
  assert_int_equal (ntp_packet_decode (buf, 48, &p), NTP_PKT_BAD_MODE);
  assert_true (p.tx_ts == tx);
  assert_int_equal (ntp_packet_encode_request (buf, 47, tx, 6), 0);
}

static void
decode_rejects_truncated_and_odd_lengths (void **state)
{
  (void) state;
  uint8_t buf[200] = { 0 };
  NtpPacket p;
  make_reply (buf, 1, 2, 3);
  assert_int_equal (ntp_packet_decode (buf, 0, &p), NTP_PKT_TRUNCATED);
  assert_int_equal (ntp_packet_decode (buf, 47, &p), NTP_PKT_TRUNCATED);
  assert_int_equal (ntp_packet_decode (NULL, 48, &p), NTP_PKT_TRUNCATED);
  assert_int_equal (ntp_packet_decode (buf, 50, &p), NTP_PKT_BAD_LENGTH);
  assert_int_equal (ntp_packet_decode (buf, 2000, &p), NTP_PKT_BAD_LENGTH);
}

static void
decode_rejects_bad_version_and_mode (void **state)
{
  (void) state;
  uint8_t buf[48];
  NtpPacket p;
  for (int v = 0; v < 8; v++) {
    make_reply (buf, 1, 2, 3);
    buf[0] = (uint8_t) ((buf[0] & ~0x38) | (v << 3));
    NtpPacketResult r = ntp_packet_decode (buf, 48, &p);
    if (v >= 1 && v <= 4)     /* chronyd's range (NTP_MIN_COMPAT_VERSION 1) */
      assert_int_equal (r, NTP_PKT_OK);
    else
      assert_int_equal (r, NTP_PKT_BAD_VERSION);
  }
  for (int mode = 0; mode < 8; mode++) {
    make_reply (buf, 1, 2, 3);
    buf[0] = (uint8_t) ((buf[0] & ~7) | mode);
    NtpPacketResult r = ntp_packet_decode (buf, 48, &p);
    if (mode == NTP_MODE_SERVER)
      assert_int_equal (r, NTP_PKT_OK);
    else if (mode == NTP_MODE_BROADCAST)
      assert_int_equal (r, NTP_PKT_BROADCAST);
    else
      assert_int_equal (r, NTP_PKT_BAD_MODE);
  }
}

static void
put_ef (uint8_t *p, uint16_t type, uint16_t len)
{
  p[0] = (uint8_t) (type >> 8);
  p[1] = (uint8_t) type;
  p[2] = (uint8_t) (len >> 8);
  p[3] = (uint8_t) len;
}

static void
extension_fields_and_mac_are_skipped (void **state)
{
  (void) state;
  uint8_t buf[256] = { 0 };
  NtpPacket p;
  make_reply (buf, 1, 2, 3);
  /* one 28-byte extension field, no MAC (RFC 7822: the last EF without a MAC >= 28) */
  put_ef (buf + 48, 0x0104, 28);
  assert_int_equal (ntp_packet_decode (buf, 48 + 28, &p), NTP_PKT_OK);
  assert_int_equal (p.n_extensions, 1);
  assert_false (p.has_mac);
  /* 16-byte EF then a 20-byte MAC */
  put_ef (buf + 48, 0x0104, 16);
  assert_int_equal (ntp_packet_decode (buf, 48 + 16 + 20, &p), NTP_PKT_OK);
  assert_int_equal (p.n_extensions, 1);
  assert_true (p.has_mac);
  /* a bare 24-byte MAC (key id + SHA-1) */
  assert_int_equal (ntp_packet_decode (buf, 48 + 24, &p), NTP_PKT_OK);
  assert_true (p.has_mac);
  assert_int_equal (p.n_extensions, 0);
}

static void
malformed_extension_fields_are_refused (void **state)
{
  (void) state;
  uint8_t buf[256] = { 0 };
  NtpPacket p;
  make_reply (buf, 1, 2, 3);
  /* length runs past the end */
  put_ef (buf + 48, 0x0104, 64);
  assert_int_equal (ntp_packet_decode (buf, 48 + 32, &p), NTP_PKT_BAD_EXTENSION);
  /* length below the 16-byte minimum (0 would loop forever in a naive parser) */
  put_ef (buf + 48, 0x0104, 0);
  assert_int_equal (ntp_packet_decode (buf, 48 + 32, &p), NTP_PKT_BAD_EXTENSION);
  put_ef (buf + 48, 0x0104, 8);
  assert_int_equal (ntp_packet_decode (buf, 48 + 32, &p), NTP_PKT_BAD_EXTENSION);
  /* not a multiple of 4 */
  put_ef (buf + 48, 0x0104, 18);
  assert_int_equal (ntp_packet_decode (buf, 48 + 32, &p), NTP_PKT_BAD_EXTENSION);
  /* a 12-byte remainder is neither an EF nor a MAC */
  assert_int_equal (ntp_packet_decode (buf, 48 + 12, &p), NTP_PKT_BAD_EXTENSION);
  /* NTPv3 may carry a MAC (a digest of up to 64 bytes) but no extension fields */
  make_reply (buf, 1, 2, 3);
  buf[0] = (uint8_t) ((buf[0] & ~0x38) | (3 << 3));
  put_ef (buf + 48, 0x0104, 72);
  assert_int_equal (ntp_packet_decode (buf, 48 + 72, &p), NTP_PKT_BAD_LENGTH);
  assert_int_equal (ntp_packet_decode (buf, 48 + 12, &p), NTP_PKT_BAD_LENGTH);
  assert_int_equal (ntp_packet_decode (buf, 48 + 20, &p), NTP_PKT_OK);
}

static NtpPacketResult
check_with (void (*mutate) (NtpPacket *), uint64_t sent, uint64_t last)
{
  uint8_t buf[48];
  NtpPacket p;
  make_reply (buf, 0x1111, 0x2222, 0x3333);
  ntp_packet_decode (buf, 48, &p);
  if (mutate)
    mutate (&p);
  return ntp_packet_check_reply (&p, sent, last, 3.0);
}

static void m_stratum0 (NtpPacket *p) { p->stratum = 0; p->refid = 0x41424344; /* "ABCD" */ }
static void m_rate (NtpPacket *p) { p->stratum = 0; p->leap = 3; p->refid = 0x52415445; }
static void m_deny (NtpPacket *p) { p->stratum = 0; p->leap = 3; p->refid = 0x44454E59; }
static void m_rstr (NtpPacket *p) { p->stratum = 0; p->leap = 3; p->refid = 0x52535452; }
static void m_s16 (NtpPacket *p) { p->stratum = 16; }
static void m_s255 (NtpPacket *p) { p->stratum = 255; }
static void m_leap3 (NtpPacket *p) { p->leap = 3; }
static void m_zero_tx (NtpPacket *p) { p->tx_ts = 0; }
static void m_zero_rx (NtpPacket *p) { p->rx_ts = 0; }
static void m_far (NtpPacket *p) { p->root_delay = 4.0; p->root_dispersion = 1.5; }

static void
reply_checks_follow_rfc5905 (void **state)
{
  (void) state;
  assert_int_equal (check_with (NULL, 0x1111, 0), NTP_PKT_OK);
  assert_int_equal (check_with (m_stratum0, 0x1111, 0), NTP_PKT_KOD_OTHER);
  assert_int_equal (check_with (m_rate, 0x1111, 0), NTP_PKT_KOD_RATE);
  assert_int_equal (check_with (m_deny, 0x1111, 0), NTP_PKT_KOD_DENY);
  assert_int_equal (check_with (m_rstr, 0x1111, 0), NTP_PKT_KOD_RSTR);
  assert_int_equal (check_with (m_s16, 0x1111, 0), NTP_PKT_STRATUM_UNSYNC);
  assert_int_equal (check_with (m_s255, 0x1111, 0), NTP_PKT_STRATUM_UNSYNC);
  assert_int_equal (check_with (m_leap3, 0x1111, 0), NTP_PKT_LEAP_UNSYNC);
  assert_int_equal (check_with (m_zero_tx, 0x1111, 0), NTP_PKT_ZERO_TRANSMIT);
  assert_int_equal (check_with (m_zero_rx, 0x1111, 0), NTP_PKT_ZERO_RECEIVE);
  assert_int_equal (check_with (m_far, 0x1111, 0), NTP_PKT_BAD_DISTANCE);
  /* wrong origin: spoofed or a stale reply to an earlier request */
  assert_int_equal (check_with (NULL, 0x1112, 0), NTP_PKT_BOGUS_ORIGIN);
  /* nothing outstanding */
  assert_int_equal (check_with (NULL, 0, 0), NTP_PKT_NOT_EXPECTED);
  /* the same transmit timestamp as the last accepted reply: a duplicate */
  assert_int_equal (check_with (NULL, 0x1111, 0x3333), NTP_PKT_DUPLICATE);
}

static void
kod_with_wrong_origin_is_not_a_kod (void **state)
{
  (void) state;
  /* A third party must not be able to stop or slow a source with a forged KoD. */
  assert_int_equal (check_with (m_deny, 0x9999, 0), NTP_PKT_BOGUS_ORIGIN);
  assert_int_equal (check_with (m_rate, 0, 0), NTP_PKT_NOT_EXPECTED);
}

static void
result_strings_exist_for_every_result (void **state)
{
  (void) state;
  for (int r = 0; r < NTP_PKT_N_RESULTS; r++) {
    const char *s = ntp_packet_result_string ((NtpPacketResult) r);
    assert_non_null (s);
    assert_true (strlen (s) > 1);
  }
  assert_string_equal (ntp_packet_result_string ((NtpPacketResult) 999), "unknown");
}

/* RFC 5905 §7.3 MAC layout: key ID (network order) then the digest after the header; NTPv4
 * takes at most 20 bytes of digest, NTPv3 up to 64; the decoder finds it and its key. */
static void
mac_layout (void **state)
{
  (void) state;
  uint8_t buf[200], digest[64];
  NtpPacket p;
  for (int i = 0; i < 64; i++)
    digest[i] = (uint8_t) (0xA0 + i);
  assert_int_equal (ntp_packet_max_digest (4), 20);
  assert_int_equal (ntp_packet_max_digest (3), 64);
  size_t len = ntp_packet_encode_request (buf, sizeof buf, 0x0123456789abcdefULL, 6);
  assert_int_equal (ntp_packet_append_mac (buf, sizeof buf, len, 0x01020304u, digest, 20), 72);
  assert_memory_equal (buf + 48, "\x01\x02\x03\x04", 4);
  assert_memory_equal (buf + 52, digest, 20);
  /* as a reply: mode 4 */
  buf[0] = (uint8_t) ((buf[0] & ~7) | NTP_MODE_SERVER);
  assert_int_equal (ntp_packet_decode (buf, 72, &p), NTP_PKT_OK);
  assert_true (p.has_mac);
  assert_int_equal (p.mac_offset, 48);
  assert_int_equal (p.mac_len, 24);
  assert_int_equal (ntp_packet_mac_key (buf, &p), 0x01020304u);
  /* a crypto-NAK (4 bytes) has no key */
  assert_int_equal (ntp_packet_decode (buf, 52, &p), NTP_PKT_OK);
  assert_int_equal (ntp_packet_mac_key (buf, &p), 0);
  /* digests of a length no MAC has, or that do not fit, are not appended */
  assert_int_equal (ntp_packet_append_mac (buf, sizeof buf, 48, 1, digest, 12), 0);
  assert_int_equal (ntp_packet_append_mac (buf, sizeof buf, 48, 1, digest, 18), 0);
  assert_int_equal (ntp_packet_append_mac (buf, 60, 48, 1, digest, 16), 0);
  /* NTPv3 with SHA-512's whole digest */
  len = ntp_packet_encode_request_version (buf, sizeof buf, 1, 6, 3);
  assert_int_equal ((buf[0] >> 3) & 7, 3);
  assert_int_equal (ntp_packet_append_mac (buf, sizeof buf, len, 7, digest, 64), 116);
  buf[0] = (uint8_t) ((buf[0] & ~7) | NTP_MODE_SERVER);
  assert_int_equal (ntp_packet_decode (buf, 116, &p), NTP_PKT_OK);
  assert_int_equal (p.mac_len, 68);
  assert_int_equal (ntp_packet_mac_key (buf, &p), 7);
  /* the same length in NTPv4 is no MAC (and no valid extension field here) */
  buf[0] = (uint8_t) ((buf[0] & ~0x38) | (4 << 3));
  assert_int_not_equal (ntp_packet_decode (buf, 116, &p), NTP_PKT_OK);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (timestamp_conversion_matches_rfc_epoch),
    cmocka_unit_test (timestamp_era_rollover_resolved_near_reference),
    cmocka_unit_test (encode_decode_round_trip),
    cmocka_unit_test (client_request_carries_only_version_mode_poll_and_transmit),
    cmocka_unit_test (decode_rejects_truncated_and_odd_lengths),
    cmocka_unit_test (decode_rejects_bad_version_and_mode),
    cmocka_unit_test (extension_fields_and_mac_are_skipped),
    cmocka_unit_test (malformed_extension_fields_are_refused),
    cmocka_unit_test (reply_checks_follow_rfc5905),
    cmocka_unit_test (kod_with_wrong_origin_is_not_a_kod),
    cmocka_unit_test (result_strings_exist_for_every_result),
    cmocka_unit_test (mac_layout),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
