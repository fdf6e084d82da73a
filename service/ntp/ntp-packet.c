/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-packet.c — NTPv4 packet codec; see ntp-packet.h. */
#include "ntp-packet.h"

#include <math.h>
#include <string.h>

const char *
ntp_packet_result_string (NtpPacketResult r)
{
  static const char *const names[NTP_PKT_N_RESULTS] = {
    [NTP_PKT_OK] = "ok",
    [NTP_PKT_TRUNCATED] = "truncated packet",
    [NTP_PKT_BAD_LENGTH] = "bad packet length",
    [NTP_PKT_BAD_EXTENSION] = "malformed extension field",
    [NTP_PKT_BAD_VERSION] = "unsupported version",
    [NTP_PKT_BAD_MODE] = "not a server reply",
    [NTP_PKT_BROADCAST] = "broadcast packet ignored",
    [NTP_PKT_KOD_RATE] = "kiss-o'-death RATE",
    [NTP_PKT_KOD_DENY] = "kiss-o'-death DENY",
    [NTP_PKT_KOD_RSTR] = "kiss-o'-death RSTR",
    [NTP_PKT_KOD_OTHER] = "stratum 0 without a usable kiss code",
    [NTP_PKT_STRATUM_UNSYNC] = "stratum 16 (unsynchronized server)",
    [NTP_PKT_LEAP_UNSYNC] = "leap indicator 3 (unsynchronized server)",
    [NTP_PKT_ZERO_TRANSMIT] = "zero transmit timestamp",
    [NTP_PKT_ZERO_RECEIVE] = "zero receive timestamp",
    [NTP_PKT_BOGUS_ORIGIN] = "origin timestamp does not match our request",
    [NTP_PKT_DUPLICATE] = "duplicate packet",
    [NTP_PKT_NOT_EXPECTED] = "no request outstanding",
    [NTP_PKT_BAD_DISTANCE] = "root distance over maxdistance",
    [NTP_PKT_BAD_AUTH] = "no valid MAC for the source's key",
  };
  if ((unsigned) r >= NTP_PKT_N_RESULTS)
    return "unknown";
  return names[r];
}

static uint32_t
get32 (const uint8_t *p)
{
  return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static uint64_t
get64 (const uint8_t *p)
{
  return ((uint64_t) get32 (p) << 32) | get32 (p + 4);
}

static void
put32 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) (v >> 24);
  p[1] = (uint8_t) (v >> 16);
  p[2] = (uint8_t) (v >> 8);
  p[3] = (uint8_t) v;
}

static void
put64 (uint8_t *p, uint64_t v)
{
  put32 (p, (uint32_t) (v >> 32));
  put32 (p + 4, (uint32_t) v);
}

/* NTP short format (16.16 s), RFC 5905 §6. */
static double
short_to_double (uint32_t v)
{
  return (double) v / 65536.0;
}

static uint32_t
double_to_short (double s)
{
  if (!(s > 0.0))
    return 0;
  if (s >= 65535.0)
    return 0xffffffffu;
  return (uint32_t) (s * 65536.0 + 0.5);
}

uint64_t
ntp_ts_from_ns (int64_t ns)
{
  int64_t sec = ns / 1000000000LL;
  int64_t rem = ns % 1000000000LL;
  if (rem < 0) {
    rem += 1000000000LL;
    sec -= 1;
  }
  uint32_t ntp_sec = (uint32_t) (uint64_t) (sec + NTP_UNIX_EPOCH_DELTA);
  /* rem < 1e9, so rem << 32 fits in 62 bits */
  uint32_t frac = (uint32_t) (((uint64_t) rem << 32) / 1000000000ULL);
  return ((uint64_t) ntp_sec << 32) | frac;
}

int64_t
ntp_ts_to_ns (uint64_t ts, int64_t near_ns)
{
  int64_t near_sec = near_ns / 1000000000LL;
  uint32_t near_ntp = (uint32_t) (uint64_t) (near_sec + NTP_UNIX_EPOCH_DELTA);
  /* The signed 32-bit difference picks the era closest to near_ns (RFC 5905 §6). */
  int32_t dsec = (int32_t) ((uint32_t) (ts >> 32) - near_ntp);
  int64_t sec = near_sec + dsec;
  uint64_t frac = ts & 0xffffffffu;
  int64_t frac_ns = (int64_t) ((frac * 1000000000ULL + (1ULL << 31)) >> 32);
  return sec * 1000000000LL + frac_ns;
}

size_t
ntp_packet_encode (uint8_t *buf, size_t len, const NtpPacket *p)
{
  if (!buf || len < NTP_PACKET_HEADER_LEN)
    return 0;
  memset (buf, 0, NTP_PACKET_HEADER_LEN);
  buf[0] = (uint8_t) (((p->leap & 3) << 6) | ((p->version & 7) << 3) | (p->mode & 7));
  buf[1] = p->stratum;
  buf[2] = (uint8_t) p->poll;
  buf[3] = (uint8_t) p->precision;
  put32 (buf + 4, double_to_short (p->root_delay));
  put32 (buf + 8, double_to_short (p->root_dispersion));
  put32 (buf + 12, p->refid);
  put64 (buf + 16, p->ref_ts);
  put64 (buf + 24, p->org_ts);
  put64 (buf + 32, p->rx_ts);
  put64 (buf + 40, p->tx_ts);
  return NTP_PACKET_HEADER_LEN;
}

/* A request's version: the one asked for, 1 to 4, else (0, unset) ours, 4. */
static uint8_t
request_version (int version)
{
  return (uint8_t) (version >= NTP_MIN_VERSION && version <= 4 ? version : 4);
}

size_t
ntp_packet_encode_request_version (uint8_t *buf, size_t len, uint64_t tx_ts, int8_t poll,
                                   int version)
{
  /* RFC 5905 §9.1 / chrony: a client request carries only version, mode, poll and the
   * transmit timestamp; everything else stays zero so nothing about us leaks. */
  NtpPacket p = { .leap = NTP_LI_UNSYNC, .version = request_version (version),
                  .mode = NTP_MODE_CLIENT, .poll = poll, .tx_ts = tx_ts };
  return ntp_packet_encode (buf, len, &p);
}

size_t
ntp_packet_encode_request_xleave (uint8_t *buf, size_t len, uint64_t org_ts, uint64_t rx_ts,
                                  uint64_t tx_ts, int8_t poll, int version)
{
  /* The interleaved request (draft-ietf-ntp-interleaved-modes §2): the origin is the
   * server's receive timestamp of its last reply to us, which tells it which of its transmit
   * timestamps to send; the receive field is what its interleaved reply will echo as origin. */
  NtpPacket p = { .leap = NTP_LI_UNSYNC, .version = request_version (version),
                  .mode = NTP_MODE_CLIENT, .poll = poll, .org_ts = org_ts, .rx_ts = rx_ts,
                  .tx_ts = tx_ts };
  return ntp_packet_encode (buf, len, &p);
}

size_t
ntp_packet_encode_request (uint8_t *buf, size_t len, uint64_t tx_ts, int8_t poll)
{
  return ntp_packet_encode_request_version (buf, len, tx_ts, poll, 4);
}

size_t
ntp_packet_max_digest (int version)
{
  return request_version (version) < 4 ? NTP_MAC_MAX_DIGEST : NTP_MAC_MAX_DIGEST_V4;
}

size_t
ntp_packet_append_mac (uint8_t *buf, size_t len, size_t pkt_len, uint32_t key_id,
                       const uint8_t *digest, size_t digest_len)
{
  if (!buf || !digest || digest_len < NTP_MAC_MIN_DIGEST || digest_len > NTP_MAC_MAX_DIGEST
      || digest_len % 4 != 0 || pkt_len > len || len - pkt_len < 4 + digest_len)
    return 0;
  put32 (buf + pkt_len, key_id);
  memcpy (buf + pkt_len + 4, digest, digest_len);
  return pkt_len + 4 + digest_len;
}

uint32_t
ntp_packet_mac_key (const uint8_t *buf, const NtpPacket *p)
{
  if (!buf || !p->has_mac || p->mac_len < 4 + NTP_MAC_MIN_DIGEST
      || p->mac_offset + p->mac_len > p->length)
    return 0;
  return get32 (buf + p->mac_offset);
}

/* RFC 7822 §7.5: after the header come extension fields (each >= 16 bytes, a multiple of 4,
 * length including its 4-byte header), then optionally a MAC: a 4-byte key id with a 16- or
 * 20-byte digest, or the 4-byte crypto-NAK. A 20- or 24-byte remainder is always a MAC, since
 * the last extension field must be at least 28 bytes when no MAC follows. NTPv3 has no
 * extension fields: whatever follows its header is a MAC, with a digest of up to 64 bytes. */
static NtpPacketResult
skip_trailer (const uint8_t *buf, size_t len, int version, NtpPacket *out)
{
  size_t off = NTP_PACKET_HEADER_LEN;
  while (off < len) {
    size_t rest = len - off;
    if (rest == 4 || rest == 20 || rest == 24
        || (version < 4 && rest >= 4 + NTP_MAC_MIN_DIGEST && rest <= 4 + NTP_MAC_MAX_DIGEST)) {
      out->has_mac = true;
      out->mac_offset = off;
      out->mac_len = rest;
      return NTP_PKT_OK;
    }
    if (version < 4)
      return NTP_PKT_BAD_LENGTH;     /* NTPv3 has no extension fields */
    if (rest < 16)
      return NTP_PKT_BAD_EXTENSION;
    size_t ef_len = ((size_t) buf[off + 2] << 8) | buf[off + 3];
    if (ef_len < 16 || ef_len % 4 != 0 || ef_len > rest)
      return NTP_PKT_BAD_EXTENSION;
    out->n_extensions++;
    off += ef_len;
  }
  return NTP_PKT_OK;
}

NtpPacketResult
ntp_packet_decode (const uint8_t *buf, size_t len, NtpPacket *out)
{
  memset (out, 0, sizeof *out);
  if (!buf || len < NTP_PACKET_HEADER_LEN)
    return NTP_PKT_TRUNCATED;
  if (len > NTP_PACKET_MAX_LEN || len % 4 != 0)
    return NTP_PKT_BAD_LENGTH;

  out->length = len;
  out->leap = buf[0] >> 6;
  out->version = (buf[0] >> 3) & 7;
  out->mode = buf[0] & 7;
  out->stratum = buf[1];
  out->poll = (int8_t) buf[2];
  out->precision = (int8_t) buf[3];
  out->root_delay = short_to_double (get32 (buf + 4));
  out->root_dispersion = short_to_double (get32 (buf + 8));
  out->refid = get32 (buf + 12);
  out->ref_ts = get64 (buf + 16);
  out->org_ts = get64 (buf + 24);
  out->rx_ts = get64 (buf + 32);
  out->tx_ts = get64 (buf + 40);

  /* We speak v4 and accept older servers (RFC 5905 §9.2: replies carry the request's
   * version, but old servers answer with theirs). Versions 1 (RFC 1059) and 2 (RFC 1119)
   * have the same 48-byte header and the same server mode, and chronyd accepts them too;
   * version 0 had no mode field, and 5 to 7 are not defined. */
  if (out->version < NTP_MIN_VERSION || out->version > 4)
    return NTP_PKT_BAD_VERSION;

  NtpPacketResult r = skip_trailer (buf, len, out->version, out);
  if (r != NTP_PKT_OK)
    return r;

  if (out->mode == NTP_MODE_BROADCAST)
    return NTP_PKT_BROADCAST;
  if (out->mode != NTP_MODE_SERVER)
    return NTP_PKT_BAD_MODE;
  return NTP_PKT_OK;
}

unsigned
ntp_packet_tests (const NtpPacket *p, uint64_t sent_tx_ts, uint64_t last_rx_tx_ts,
                  double maxdistance)
{
  unsigned tests = 0;
  if (last_rx_tx_ts == 0 || p->tx_ts != last_rx_tx_ts)
    tests |= NTP_TEST_1;
  if (sent_tx_ts != 0 && p->org_ts == sent_tx_ts)
    tests |= NTP_TEST_2;
  if (p->org_ts != 0 && p->rx_ts != 0 && p->tx_ts != 0)
    tests |= NTP_TEST_3;
  if (p->leap != NTP_LI_UNSYNC && p->stratum >= 1 && p->stratum < 16)
    tests |= NTP_TEST_6;
  if (!(maxdistance > 0.0 && p->root_delay / 2.0 + p->root_dispersion > maxdistance))
    tests |= NTP_TEST_7;
  return tests;
}

NtpPacketResult
ntp_packet_check_reply (const NtpPacket *p, uint64_t sent_tx_ts, uint64_t last_rx_tx_ts,
                        double maxdistance)
{
  if (p->tx_ts == 0)
    return NTP_PKT_ZERO_TRANSMIT;
  /* RFC 5905 §8 "duplicate": the same transmit timestamp again is a replay. */
  if (last_rx_tx_ts != 0 && p->tx_ts == last_rx_tx_ts)
    return NTP_PKT_DUPLICATE;
  if (sent_tx_ts == 0)
    return NTP_PKT_NOT_EXPECTED;
  /* "bogus": the origin must echo our transmit timestamp exactly. */
  if (p->org_ts != sent_tx_ts)
    return NTP_PKT_BOGUS_ORIGIN;

  /* RFC 5905 §7.4: stratum 0 means a kiss code in the refid. Only now, with the origin
   * proven, may a KoD change how we treat the source. */
  if (p->stratum == 0) {
    switch (p->refid) {
    case NTP_KISS_RATE: return NTP_PKT_KOD_RATE;
    case NTP_KISS_DENY: return NTP_PKT_KOD_DENY;
    case NTP_KISS_RSTR: return NTP_PKT_KOD_RSTR;
    default: return NTP_PKT_KOD_OTHER;
    }
  }
  if (p->stratum >= 16)
    return NTP_PKT_STRATUM_UNSYNC;
  if (p->leap == NTP_LI_UNSYNC)
    return NTP_PKT_LEAP_UNSYNC;
  if (p->rx_ts == 0)
    return NTP_PKT_ZERO_RECEIVE;
  if (maxdistance > 0.0 && p->root_delay / 2.0 + p->root_dispersion > maxdistance)
    return NTP_PKT_BAD_DISTANCE;
  return NTP_PKT_OK;
}
