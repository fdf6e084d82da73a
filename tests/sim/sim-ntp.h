/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-ntp.h — the NTPv4 wire format as far as the simulated servers and the SNTP-style client
 * need it (RFC 5905 §7.3): a 48-byte header, big-endian, 64-bit timestamps of seconds since
 * 1900 (era 0) with a 32-bit fraction. Written here, not taken from the engine, so the
 * simulator checks the engine against an independent encoder.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_NTP_HEADER 48
/* seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (RFC 5905 §6) */
#define SIM_NTP_UNIX_DELTA 2208988800ULL

typedef struct {
  int leap, version, mode, stratum, poll, precision;
  double root_delay, root_disp;      /* s */
  uint32_t refid;
  uint64_t ref_ts, origin_ts, receive_ts, transmit_ts;
} SimNtpPacket;

/* Timestamps. `sim_s` is seconds since the run's epoch, Unix time `epoch_unix`. */
uint64_t sim_ntp_ts_from_sim (int64_t epoch_unix, double sim_s);
uint64_t sim_ntp_ts_from_ns (int64_t unix_ns);
int64_t sim_ntp_ts_to_ns (uint64_t ts);
/* b − a in seconds, exact for nearby timestamps */
double sim_ntp_ts_diff (uint64_t b, uint64_t a);

void sim_ntp_encode (const SimNtpPacket *p, uint8_t out[SIM_NTP_HEADER]);
/* false when shorter than the header */
bool sim_ntp_decode (const uint8_t *buf, size_t len, SimNtpPacket *p);
uint32_t sim_ntp_refid (const char *ascii);
