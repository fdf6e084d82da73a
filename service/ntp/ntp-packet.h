/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-packet.h — NTPv4 packet codec (RFC 5905 §7.3, extension fields per RFC 7822).
 *
 * Pure functions: no state, no allocation. The decoder accepts any bytes (it is fuzzed) and
 * says precisely why a datagram was refused, so the engine can count and log reasons.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTP_PACKET_HEADER_LEN 48
/* The largest datagram the codec looks at; anything longer is refused (RFC 7822 packets with
 * a few extension fields fit easily). */
#define NTP_PACKET_MAX_LEN 1024

#define NTP_MODE_CLIENT 3
#define NTP_MODE_SERVER 4
#define NTP_MODE_BROADCAST 5

/* Leap indicator values (RFC 5905 figure 9). */
#define NTP_LI_NONE 0
#define NTP_LI_INSERT 1
#define NTP_LI_DELETE 2
#define NTP_LI_UNSYNC 3

/* Seconds between the NTP era 0 epoch (1900) and the Unix epoch. */
#define NTP_UNIX_EPOCH_DELTA 2208988800LL

typedef struct {
  uint8_t leap, version, mode, stratum;
  int8_t poll, precision;
  double root_delay, root_dispersion;   /* s */
  uint32_t refid;
  uint64_t ref_ts, org_ts, rx_ts, tx_ts; /* raw NTP 64-bit timestamps (32.32) */
  size_t length;                         /* whole datagram */
  int n_extensions;                      /* extension fields skipped */
  bool has_mac;
  size_t mac_offset, mac_len;            /* the MAC (key ID + digest) when has_mac */
} NtpPacket;

typedef enum {
  NTP_PKT_OK = 0,
  NTP_PKT_TRUNCATED,        /* shorter than the 48-byte header */
  NTP_PKT_BAD_LENGTH,       /* not a multiple of 4, too long, or a malformed trailer */
  NTP_PKT_BAD_EXTENSION,    /* an extension field whose length does not add up */
  NTP_PKT_BAD_VERSION,      /* not NTPv3/v4 */
  NTP_PKT_BAD_MODE,         /* not a server reply */
  NTP_PKT_BROADCAST,        /* mode 5: we are not a broadcast client, ignored */
  NTP_PKT_KOD_RATE,         /* Kiss-o'-Death RATE: poll less often */
  NTP_PKT_KOD_DENY,         /* Kiss-o'-Death DENY: stop using the server */
  NTP_PKT_KOD_RSTR,         /* Kiss-o'-Death RSTR: stop using the server */
  NTP_PKT_KOD_OTHER,        /* stratum 0 with any other (or no) kiss code */
  NTP_PKT_STRATUM_UNSYNC,   /* stratum >= 16 */
  NTP_PKT_LEAP_UNSYNC,      /* leap indicator 3: the server is not synchronized */
  NTP_PKT_ZERO_TRANSMIT,    /* transmit timestamp 0 */
  NTP_PKT_ZERO_RECEIVE,     /* receive timestamp 0 */
  NTP_PKT_BOGUS_ORIGIN,     /* origin != what we sent: spoofed, stale, or not ours */
  NTP_PKT_DUPLICATE,        /* transmit timestamp seen already */
  NTP_PKT_NOT_EXPECTED,     /* no request outstanding */
  NTP_PKT_BAD_DISTANCE,     /* root distance over maxdistance */
  NTP_PKT_BAD_AUTH,         /* the source has a key and the MAC is missing, a crypto-NAK,
                             * for another key, or wrong */
  NTP_PKT_N_RESULTS
} NtpPacketResult;

const char *ntp_packet_result_string (NtpPacketResult r);

/* Local clock (ns since the Unix epoch) <-> NTP 32.32 timestamp. The NTP seconds field wraps
 * every 136 years (era); the decoder takes the value closest to `near_ns` (RFC 5905 §6). */
uint64_t ntp_ts_from_ns (int64_t ns);
int64_t ntp_ts_to_ns (uint64_t ts, int64_t near_ns);

/* Encode a client request (mode 3, version 4) with transmit timestamp `tx_ts`.
 * Returns the length written (48) or 0 when buf is too small. */
size_t ntp_packet_encode_request (uint8_t *buf, size_t len, uint64_t tx_ts, int8_t poll);
/* The same with another version (1 to 4; anything else is 4). */
size_t ntp_packet_encode_request_version (uint8_t *buf, size_t len, uint64_t tx_ts, int8_t poll,
                                          int version);
/* An interleaved request (chrony's `xleave`): origin `org_ts` (the server's receive timestamp
 * of its last reply to us), receive field `rx_ts` (which an interleaved reply carries back as
 * its origin) and transmit field `tx_ts` (which a basic reply carries back). */
size_t ntp_packet_encode_request_xleave (uint8_t *buf, size_t len, uint64_t org_ts, uint64_t rx_ts,
                                         uint64_t tx_ts, int8_t poll, int version);

/* Symmetric MACs (RFC 5905 §7.3): a 4-byte key ID and a digest of the key and the packet.
 * In an NTPv4 packet the digest is cut to 20 bytes, so that the MAC (at most 24 bytes) cannot
 * be taken for an extension field (RFC 7822 §7.5), as chronyd cuts it; NTPv3 has no
 * extension fields and carries the whole digest (up to SHA-512's 64 bytes). A digest shorter
 * than 16 bytes (MD5's) is no MAC anyone sends. */
#define NTP_MAC_MIN_DIGEST 16
#define NTP_MAC_MAX_DIGEST_V4 20
#define NTP_MAC_MAX_DIGEST 64
/* The oldest version of a reply taken (NTPv1, RFC 1059). */
#define NTP_MIN_VERSION 1

/* The longest digest a packet of `version` carries: NTPv4 cuts it to 20 bytes, older
 * versions, with no extension fields to tell apart from it, carry the whole digest. */
size_t ntp_packet_max_digest (int version);
/* Append key_id and digest[0..digest_len) after the first `pkt_len` bytes of buf. Returns the
 * new length, or 0 when it does not fit or the digest length is not one a MAC may have. */
size_t ntp_packet_append_mac (uint8_t *buf, size_t len, size_t pkt_len, uint32_t key_id,
                              const uint8_t *digest, size_t digest_len);
/* The key ID of a decoded packet's MAC (0 when it has none or it is a crypto-NAK). */
uint32_t ntp_packet_mac_key (const uint8_t *buf, const NtpPacket *p);

/* Encode any packet (used by tests, the fuzzer's seed corpus and the simulator's servers). */
size_t ntp_packet_encode (uint8_t *buf, size_t len, const NtpPacket *p);

/* Structural decode: lengths, extension fields, version, mode, header fields. Does not look at
 * stratum, leap or timestamps (see ntp_packet_check_reply). */
NtpPacketResult ntp_packet_decode (const uint8_t *buf, size_t len, NtpPacket *out);

/* RFC 5905 §8's packet tests and chronyd's four more on the sample, as chronyd's
 * measurements.log shows them ("111 111 1111"): a bit is set when the test passed.
 *   1 not a duplicate (the transmit timestamp not the last reply's)
 *   2 not bogus (the origin echoes the request outstanding)
 *   3 no zero timestamp (origin, receive, transmit)
 *   5 authentic (the source's key or NTS, when it has one)
 *   6 the server synchronized (leap not 3, stratum 1-15)
 *   7 its root distance within maxdistance
 *   A the delay within maxdelay and a server processing time that can be
 *   B the delay within maxdelayratio of the least
 *   C the delay's rise over the least within maxdelaydevratio (or maxdelayquant)
 *   D no synchronization loop (the server not synchronized to us, nor us) */
enum {
  NTP_TEST_D = 1u << 0, NTP_TEST_C = 1u << 1, NTP_TEST_B = 1u << 2, NTP_TEST_A = 1u << 3,
  NTP_TEST_7 = 1u << 4, NTP_TEST_6 = 1u << 5, NTP_TEST_5 = 1u << 6, NTP_TEST_3 = 1u << 7,
  NTP_TEST_2 = 1u << 8, NTP_TEST_1 = 1u << 9,
};
/* A reply that passed these answers our request genuinely (chronyd's "valid" packet, what
 * chronyc ntpdata counts as valid); these and 6, 7 give a sample ("synced"); all ten, a good
 * one. */
#define NTP_TESTS_VALID (NTP_TEST_1 | NTP_TEST_2 | NTP_TEST_3 | NTP_TEST_5)
#define NTP_TESTS_SYNCED (NTP_TEST_1 | NTP_TEST_2 | NTP_TEST_3 | NTP_TEST_5 | NTP_TEST_6 \
                          | NTP_TEST_7)
#define NTP_TESTS_SAMPLE (NTP_TEST_A | NTP_TEST_B | NTP_TEST_C | NTP_TEST_D)
#define NTP_TESTS_ALL (NTP_TESTS_SYNCED | NTP_TESTS_SAMPLE)

/* Tests 1, 2, 3, 6 and 7 of a decoded reply, each judged on its own (ntp_packet_check_reply
 * stops at the first that fails, and says why): the arguments are check_reply's. */
unsigned ntp_packet_tests (const NtpPacket *p, uint64_t sent_tx_ts, uint64_t last_rx_tx_ts,
                           double maxdistance);

/* Checks a decoded server reply against what we sent (RFC 5905 §8 tests, chrony's tests A-C):
 * `sent_tx_ts` is the transmit timestamp of our outstanding request (0 = none outstanding),
 * `last_rx_tx_ts` the transmit timestamp of the last reply accepted from this source.
 * A KoD is only reported when its origin matches, so a third party cannot stop a source. */
NtpPacketResult ntp_packet_check_reply (const NtpPacket *p, uint64_t sent_tx_ts,
                                        uint64_t last_rx_tx_ts, double maxdistance);

/* Kiss codes as the refid reads in ASCII ("RATE" = 0x52415445). */
#define NTP_KISS_RATE 0x52415445u
#define NTP_KISS_DENY 0x44454E59u
#define NTP_KISS_RSTR 0x52535452u
