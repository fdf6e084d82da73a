/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet-world.h — the smallest world an engine test drives by hand: a clock that reads
 * what the test sets, the deadline the engine armed, the last request it sent. The tests
 * that write the server's replies themselves build on it (test-ntp-engine.c's
 * authentication tests, test-ntp-xleave.c); mini-sim.h is the world that runs by itself.
 * Include it after <cmocka.h>, whose assertions it uses. */
#pragma once

#include <stdint.h>
#include <string.h>

#include "ntp-engine.h"
#include "ntp-packet.h"

typedef struct {
  int64_t now, deadline;     /* the local clock, ns; the engine's deadline (INT64_MAX none) */
  uint8_t pkt[NTP_PACKET_MAX_LEN];
  size_t len;                /* of the last request, in pkt */
  int sent, steps, errors;   /* requests sent, clock steps, messages logged as errors */
} PacketWorld;

/* The callbacks take a PacketWorld, or a struct that starts with one. */
static inline int64_t pw_now (void *ud) { return ((PacketWorld *) ud)->now; }
static inline void pw_arm (void *ud, int64_t d) { ((PacketWorld *) ud)->deadline = d; }
static inline void pw_set_freq (void *ud, double ppm) { (void) ud; (void) ppm; }
static inline void pw_step (void *ud, double off) { (void) off; ((PacketWorld *) ud)->steps++; }

static inline void
pw_send (void *ud, unsigned src, const uint8_t *pkt, size_t len)
{
  PacketWorld *w = ud;
  (void) src;
  assert_true (len <= sizeof w->pkt);
  memcpy (w->pkt, pkt, len);
  w->len = len;
  w->sent++;
}

static inline void
pw_log (void *ud, int level, const char *msg)
{
  (void) msg;
  if (level == NTP_LOG_ERROR)
    ((PacketWorld *) ud)->errors++;
}

/* The env over `ud` (a PacketWorld or a struct that starts with one); 500 ppm of slew, as
 * the kernel's frequency alone gives. */
static inline NtpEnv
pw_env (void *ud)
{
  NtpEnv env = { .now = pw_now, .send = pw_send, .arm_timer = pw_arm, .set_freq = pw_set_freq,
                 .step = pw_step, .log = pw_log, .ud = ud, .max_freq_ppm = 500 };
  return env;
}

/* An engine over `env` with the default configuration and the one source `line`, started. */
static inline NtpEngine *
pw_engine (const NtpEnv *env, const char *line)
{
  NtpConfig cfg;
  ntp_config_init (&cfg);
  NtpEngine *e = ntp_engine_new (env, &cfg);
  assert_non_null (e);
  NtpSourceConfig sc;
  char err[200];
  assert_int_equal (ntp_source_config_parse (&sc, line, err, sizeof err), 0);
  assert_int_equal (ntp_engine_add_source (e, &sc), 0);
  ntp_engine_start (e);
  return e;
}
