/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-ntp-packet.c — libFuzzer target for the NTP packet decoder and the engine's receive
 * path. Also linked into fuzz-replay (plain C, gcc) to run the seed corpus in every build.
 *
 * Each input is tried twice: as it is, and with its origin field patched to the transmit
 * timestamp the engine just sent, so the fuzzer reaches past the origin check into sample
 * processing, selection and the clock update. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ntp-engine.h"
#include "ntp-packet.h"
#include "ntp-statlog.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int64_t fz_now_ns = 1700000000000000000LL;
static uint8_t fz_last_sent[48];
static double fz_freq;

static int64_t fz_now (void *ud) { (void) ud; return fz_now_ns; }
static void fz_send (void *ud, unsigned src, const uint8_t *p, size_t len)
{
  (void) ud; (void) src;
  if (len >= 48)
    memcpy (fz_last_sent, p, 48);
}
static void fz_arm (void *ud, int64_t d) { (void) ud; (void) d; }
static void fz_freq_set (void *ud, double ppm) { (void) ud; fz_freq = ppm; }
static void fz_step (void *ud, double off) { (void) ud; fz_now_ns -= (int64_t) (off * 1e9); }

/* Every statistics log line the engine makes is one the daemon will write (mrd-statlog.c's
 * check): one line of printable ASCII, shorter than NTP_STATLOG_LINE_MAX, of a known kind. */
static void
fz_statlog (void *ud, int kind, const char *line)
{
  (void) ud;
  size_t len = strlen (line);
  FZ_CHECK (kind >= 0 && kind < NTP_STATLOG_KINDS);
  FZ_CHECK (len > 0 && len < NTP_STATLOG_LINE_MAX);
  for (size_t i = 0; i < len; i++)
    FZ_CHECK (line[i] >= 0x20 && line[i] <= 0x7e);
}

/* Deterministic "random" bytes, so a crash reproduces from its input alone. */
static uint64_t fz_random_state;
static void
fz_random (void *ud, void *buf, size_t len)
{
  (void) ud;
  uint8_t *b = buf;
  for (size_t i = 0; i < len; i++) {
    fz_random_state = fz_random_state * 6364136223846793005ULL + 1442695040888963407ULL;
    b[i] = (uint8_t) (fz_random_state >> 56);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fz_now_ns = 1700000000000000000LL;
  fz_random_state = 1;
  memset (fz_last_sent, 0, sizeof fz_last_sent);
  NtpPacket p;
  NtpPacketResult r = ntp_packet_decode (data, size, &p);
  if (r == NTP_PKT_OK) {
    /* The log's tests (each judged alone) and the check (first failure first) agree on
     * whether a reply gives a sample: tests 1-3, 6 and 7 (5 is the caller's). */
    const unsigned reply_tests = NTP_TESTS_SYNCED & ~(unsigned) NTP_TEST_5;
    static const struct { int origin_off; int last_is_tx; double maxdistance; } cases[] = {
      { 0, 0, 3.0 }, { 1, 1, 0.0 }, { 0, 1, 1.0 }, { -1, 0, 3.0 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
      uint64_t sent = cases[c].origin_off < 0 ? 0 : p.org_ts ^ (uint64_t) cases[c].origin_off;
      uint64_t last = cases[c].last_is_tx ? p.tx_ts : 0;
      NtpPacketResult cr = ntp_packet_check_reply (&p, sent, last, cases[c].maxdistance);
      unsigned t = ntp_packet_tests (&p, sent, last, cases[c].maxdistance);
      FZ_CHECK ((t & ~reply_tests) == 0);
      FZ_CHECK ((cr == NTP_PKT_OK) == ((t & reply_tests) == reply_tests));
    }
  }
  (void) ntp_packet_result_string (r);

  /* A fresh engine per input keeps runs independent and reproducible. */
  NtpEnv env = { .now = fz_now, .send = fz_send, .arm_timer = fz_arm, .set_freq = fz_freq_set,
                 .step = fz_step, .max_freq_ppm = 500,
                 .get_random = size % 2 ? fz_random : NULL,   /* both transmit paths */
                 .statlog = fz_statlog };
  NtpConfig cfg;
  ntp_config_init (&cfg);
  if (size % 4 < 2)
    cfg.statlog = (1u << NTP_STATLOG_KINDS) - 1;
  if (size % 8 < 2)
    cfg.statlog |= NTP_STATLOG_RAW;   /* every reply's line, refused or not */
  cfg.makestep_threshold = 1;
  cfg.makestep_limit = -1;
  NtpEngine *e = ntp_engine_new (&env, &cfg);
  if (!e)
    return 0;
  NtpSourceConfig sc;
  char err[128];
  if (ntp_source_config_parse (&sc, "server 192.0.2.1 iburst minpoll 0", err, sizeof err) == 0)
    ntp_engine_add_source (e, &sc);
  uint8_t buf[NTP_PACKET_MAX_LEN];
  size_t n = size < sizeof buf ? size : sizeof buf;
  memcpy (buf, data, n);
  for (int round = 0; round < 4; round++) {
    ntp_engine_timer (e);              /* sends a request (burst every 2 s at start) */
    if (round == 0)
      ntp_engine_start (e);
    ntp_engine_timer (e);
    ntp_engine_receive (e, 0, fz_now_ns + 1000000, data, size);
    if (n >= 48) {
      memcpy (buf + 24, fz_last_sent + 40, 8);   /* origin := our transmit timestamp */
      ntp_engine_receive (e, 0, fz_now_ns + 1000000, buf, n);
      /* vary the transmit timestamp so later rounds are not duplicates */
      buf[47] ^= (uint8_t) (round + 1);
    }
    fz_now_ns += 2000000000LL;
  }
  NtpTracking tr;
  ntp_engine_get_tracking (e, &tr);
  NtpSourceReport rep;
  ntp_engine_get_source (e, 0, &rep);
  ntp_engine_free (e);
  return 0;
}
