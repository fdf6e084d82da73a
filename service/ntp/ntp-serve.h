/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-serve.h — answering NTP clients: chrony's server mode (`allow`, `deny`, `local`,
 * `ratelimit`, `port`).
 *
 * Pure: the daemon hands in a request's bytes, the client's address, when the request
 * arrived and the state of the clock (NtpTracking); it gets back the reply's bytes, or no
 * reply and why. No sockets, no clock reading of its own.
 *
 * Access is chrony's: `allow` and `deny` rules of subnets; the most specific rule that
 * matches an address decides, a later rule of the same subnet replaces an earlier one, and
 * `allow all SUBNET` / `deny all SUBNET` also drop every more specific rule inside it given
 * before. With no rule matching, the client is refused, and with no `allow` at all the
 * daemon serves no one (chrony's default).
 *
 * Addresses are 16 bytes: IPv6, or IPv4 mapped (::ffff:a.b.c.d).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntp-types.h"

/* NtpServeConfig, the directives' values, is in ntp-types.h with the rest of NtpConfig. */

/* chrony's defaults: no rule, port 123, no `local`, no rate limit, a client log of
 * NTP_SERVE_CLIENTLOGLIMIT_DEFAULT bytes. */
void ntp_serve_config_init (NtpServeConfig *cfg);

/* How many clients the log holds under cfg's `clientloglimit` (bytes) and `noclientlog` (0):
 * the limit over one record's size, at least one bucket of the table's ways, at most
 * NTP_SERVE_MAX_CLIENTS. */
int ntp_serve_log_capacity (const NtpServeConfig *cfg);
/* The bytes a log of that many clients takes. */
uint64_t ntp_serve_log_bytes (int clients);
/* The `allow`/`deny` rules are read by ntp-config.c (ntp_config_parse_line) into
 * NtpServeConfig.rules, as this header describes them. */
/* Whether addr lies in the subnet net/bits (bits over the 16 bytes). */
bool ntp_serve_prefix_match (const uint8_t a[16], const uint8_t net[16], int bits);
/* Whether the rules let the client at addr be served. */
bool ntp_serve_allowed (const NtpServeConfig *cfg, const uint8_t addr[16]);
/* Whether the daemon should open a server socket: a port and some `allow`. */
bool ntp_serve_enabled (const NtpServeConfig *cfg);

typedef enum {
  NTP_SERVE_ANSWERED = 0,
  NTP_SERVE_DENIED,          /* the rules refuse the client */
  NTP_SERVE_LIMITED,         /* over its rate (`ratelimit`) */
  NTP_SERVE_MALFORMED,       /* too short, too long, not a whole number of words */
  NTP_SERVE_NOT_A_REQUEST,   /* not a client request (mode 3) of NTP version 1 to 4: replies,
                              * broadcasts, symmetric and control modes get no answer, so
                              * no one can make two servers answer each other */
  NTP_SERVE_AUTHENTICATED,   /* carries a MAC or extension fields (NTS): not served */
  NTP_SERVE_N_VERDICTS
} NtpServeVerdict;

const char *ntp_serve_verdict_string (NtpServeVerdict v);

/* What the clock says at the moment of an answer. */
typedef struct {
  const NtpTracking *tracking; /* aged to now (ntp_tracking_age) */
  int precision;               /* log2 s of the clock's reading, e.g. -23 */
  int64_t rx_ns;               /* when the request arrived, the served clock's ns */
  int64_t tx_ns;               /* now, as the reply leaves */
  uint64_t random;             /* unpredictable bits: the timestamps' bits below the
                                * precision, and which limited requests leak through */
} NtpServeClock;

typedef struct NtpServe NtpServe;

#define NTP_SERVE_HASH_KEY_LEN 16

typedef struct {
  uint64_t received, answered;
  uint64_t by_verdict[NTP_SERVE_N_VERDICTS];
  uint64_t forgotten;        /* clients' rate records dropped for new ones (table full) */
} NtpServeCounts;

NtpServe *ntp_serve_new (const NtpServeConfig *cfg);
void ntp_serve_free (NtpServe *sv);
/* The client log's bucket for an address is a hash keyed with these unpredictable bytes
 * (chronyd seeds its address hash likewise): no one can choose addresses that share a
 * client's bucket and so push its rate record out. Without a key (tests, the fuzzer) the hash
 * is fixed. Call before the first request; a log already filled is emptied. */
void ntp_serve_set_hash_key (NtpServe *sv, const uint8_t key[NTP_SERVE_HASH_KEY_LEN]);
/* The answer to one datagram from addr: the reply in out (*out_len bytes, never longer than
 * the request, so no one gains by spoofing a victim's address) when NTP_SERVE_ANSWERED,
 * else nothing is to be sent. */
NtpServeVerdict ntp_serve_respond (NtpServe *sv, const NtpServeClock *clock,
                                   const uint8_t addr[16], const uint8_t *req, size_t len,
                                   uint8_t *out, size_t out_size, size_t *out_len);
void ntp_serve_get_counts (const NtpServe *sv, NtpServeCounts *out);

/* One client of the log (chronyc clients): the requests it sent that the rules allow, those
 * dropped over the rate limit, the mean intervals (s; 0 = not yet two) between its requests
 * and, with `ratelimit`, between the answers it got (0 without), and how long ago it was last
 * heard of (s). */
typedef struct {
  uint8_t addr[16];
  uint64_t requests, dropped;
  double interval, interval_answered;
  double last_ago;
} NtpServeClient;

/* The clients in the log (at most ntp_serve_log_capacity, the least recently heard of going
 * first when it is full; none with `noclientlog`), sorted by address, at most @max into @out;
 * returns how many. */
int ntp_serve_list_clients (const NtpServe *sv, int64_t now_ns, NtpServeClient *out, int max);
