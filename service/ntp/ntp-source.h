/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-source.h — one source's polling state: poll interval and its adaptation, the 8-bit
 * reachability register, iburst/burst, and Kiss-o'-Death handling (RFC 5905 §7.4, §13;
 * chrony's ntp_core.c). No I/O: the engine asks when to send and reports what came back.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "ntp-types.h"
#include "ntp-packet.h"

#define NTP_POLL_MIN -6
#define NTP_POLL_MAX 24
/* Spacing of burst requests (s), as chrony's iburst: a handful of samples within seconds. */
#define NTP_BURST_INTERVAL 2.0
#define NTP_IBURST_GOOD 4
#define NTP_IBURST_TOTAL 8
/* A source taken online sends its first request no sooner than this (s), as chrony's
 * INITIAL_DELAY: an interface that has just come up gets a moment to get its address. */
#define NTP_ONLINE_DELAY 0.2

typedef struct {
  int minpoll, maxpoll;     /* as configured, clamped to NTP_POLL_MIN..NTP_POLL_MAX */
  int floor_poll;           /* minpoll, raised by KoD RATE */
  int poll;                 /* current, log2 s */
  double poll_score;        /* fractional poll adjustment being accumulated */
  int polltarget;
  bool iburst;
  bool burst;               /* chrony's `burst`: retry a regular poll quickly until it gives a
                             * good sample (up to 4 requests 2 s apart) */
  uint8_t reach;
  int reach_size;           /* requests sent, capped at 8: how much of `reach` is history */
  bool ever_reached;
  bool stopped;             /* KoD DENY/RSTR: never poll again */
  bool offline;             /* chronyc offline: nothing is sent until taken online */
  int burst_good_left, burst_total_left;
  int missed;               /* consecutive requests without a reply */
  bool sync_peer;           /* the engine's reference now (set by the engine): its silence
                             * backs the poll off more slowly */
  int64_t next_tx_ns;       /* INT64_MAX = not scheduled */
  int64_t last_tx_ns;       /* INT64_MIN = never */
  int64_t burst_anchor_ns;  /* the regular poll a `burst` burst belongs to; INT64_MIN = none */
} NtpSourcePoll;

void ntp_source_poll_init (NtpSourcePoll *p, const NtpSourceConfig *sc);
/* Begin polling at `now` (first request right away; a burst if iburst); an offline source
 * waits for ntp_source_poll_set_online. */
void ntp_source_poll_start (NtpSourcePoll *p, int64_t now_ns);
/* The clock was stepped: it now reads by_ns more. Every time kept here moves with it, so the
 * next request stays due when it was, and a reply to a request sent before the step does not
 * schedule the next one from the clock's old reading. */
void ntp_source_poll_shift (NtpSourcePoll *p, int64_t by_ns);
/* chronyc offline: nothing more is sent and the reach register is cleared (the source reads
 * unreachable, as chronyd's does), but the poll interval and the statistics are kept. */
void ntp_source_poll_set_offline (NtpSourcePoll *p);
/* chronyc reset sources: the reach register starts again; polling goes on as it was. */
void ntp_source_poll_forget_reach (NtpSourcePoll *p);
/* chronyc online: polling resumes a poll interval after the last request (at least
 * NTP_ONLINE_DELAY from now), or with an iburst source with a burst right away, as chronyd
 * resumes (its ntp_core.c, going online). No-op when already online. */
void ntp_source_poll_set_online (NtpSourcePoll *p, int64_t now_ns);
/* chronyc minpoll / maxpoll / polltarget: new bounds (minpoll <= maxpoll, as
 * ntp_source_config_modify leaves them) and target. The poll interval is brought within the
 * bounds at once, and a regular request already scheduled is moved to a poll interval after
 * the last one (not before now): the next poll uses the new interval. A minimum raised by a
 * server's RATE kiss stays raised. */
void ntp_source_poll_set_limits (NtpSourcePoll *p, int minpoll, int maxpoll, int polltarget,
                                 int64_t now_ns);
/* `chronyc burst`: 4 good samples out of at most 8 requests; an offline source too, which
 * then sends nothing more (as chronyd samples an offline source on `burst`). */
void ntp_source_poll_burst (NtpSourcePoll *p, int64_t now_ns);
/* `chronyc burst GOOD/MAX`: GOOD good samples out of at most MAX requests (1 <= GOOD <= MAX;
 * anything else is ignored), otherwise as above. A burst already running is replaced by
 * the new one (chronyd lets the running one finish). */
void ntp_source_poll_burst_counts (NtpSourcePoll *p, int64_t now_ns, int good, int total);
/* A request goes out now: shifts the reach register and schedules the next one. */
void ntp_source_poll_transmitted (NtpSourcePoll *p, int64_t now_ns);
/* A valid reply arrived (before the sample tests). */
void ntp_source_poll_replied (NtpSourcePoll *p, int64_t now_ns);
/* A sample from the reply was accepted. error: |measured - predicted offset| (s);
 * peer_distance: delay/2 + dispersion of this sample (s); samples: how many the
 * regression keeps. Adapts the poll interval (chrony's polltarget rule). */
void ntp_source_poll_sample (NtpSourcePoll *p, int64_t now_ns, double error,
                             double peer_distance, int samples);
/* A KoD with a matching origin. pkt_poll: the poll field the server sent. */
void ntp_source_poll_kod (NtpSourcePoll *p, NtpPacketResult kod, int pkt_poll, int64_t now_ns);

bool ntp_source_poll_in_burst (const NtpSourcePoll *p);
/* Seconds between regular requests now. */
double ntp_source_poll_interval (const NtpSourcePoll *p);
/* log2 of 2^x seconds as ns */
int64_t ntp_poll_to_ns (double log2_s);
