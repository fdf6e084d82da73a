/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-engine.c — the NTP client core: glues the codec, per-source polling and statistics,
 * selection and the clock discipline behind the NtpEnv seam (see ntp-engine.h). */
#include "ntp-engine.h"
#include "ntp-discipline.h"
#include "ntp-asym.h"
#include "ntp-filter.h"
#include "ntp-nts.h"
#include "ntp-packet.h"
#include "ntp-refid.h"
#include "ntp-select.h"
#include "ntp-serve.h"
#include "ntp-source.h"
#include "ntp-stats.h"
#include "ntp-statlog.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Maximum frequency error assumed for a clock between measurements, RFC 5905 PHI (s/s). */
#define PHI 15e-6
/* Our own timestamping precision (s): what a receive timestamp may be off by. */
#define LOCAL_PRECISION 1e-9
/* chrony's maxdelaydevratio default. */
#define MAX_DELAY_DEV_RATIO 10.0
/* This many samples in a row refused by the delay test mean the path changed (a route
 * change), not a queue: the source's statistics restart. Without this, the old samples' low
 * minimum delay would refuse every sample of the new path for a long time. With the path
 * unchanged, test C refuses a sample with some probability p (a few percent at chrony's
 * ratio of 10; even 30 % would be unusual); a run of 12 then has probability p^12 < 6e-7,
 * a false restart about once a year at a 16-s poll. */
#define DELAY_REFUSED_RESTART 12
/* chrony's maxjitter default, for a configuration that left it 0. */
#define MAX_JITTER 1.0
/* Each wait for a source's next request is stretched by a random 0-2 %, as chronyd does
 * (SAMPLING_RANDOMNESS in its ntp_core.c, applied to every transmit timeout): clients that
 * start together, or run the same configuration after a power cut, drift apart instead of
 * hitting a server in lockstep at every poll. */
#define SAMPLING_RANDOMNESS 0.02
/* chrony's presend: the warm-up request goes this long before the real one (its ntp_core.c
 * WARM_UP_DELAY), time enough for an ARP or neighbour discovery exchange on either side. */
#define WARM_UP_DELAY_NS 2000000000LL
/* Interleaved mode (`xleave`): a request goes out interleaved only while fewer than this many
 * requests since the last valid reply went unanswered (chrony's MAX_CLIENT_INTERLEAVED_TX):
 * after more, the server would answer with the transmit time of a reply we never saw. */
#define MAX_CLIENT_INTERLEAVED_TX 4
/* An interleaved reply pairs its transmit time t3 (the server's, of its previous reply) with
 * the previous exchange's t1, t2 and t4 when that exchange's round trip is under this share of
 * the time from its reply to the new request (chrony's MAX_INTERLEAVED_L2L_RATIO): the four
 * times then span one round trip, not a poll interval, and the frequency error over the span
 * adds nothing to the delay. Otherwise t3 and t4 of the previous exchange are paired with t1
 * and t2 of the new one. */
#define MAX_INTERLEAVED_L2L_RATIO 0.1

typedef struct {
  bool live;
  NtpSourceConfig cfg;
  NtpSourcePoll poll;
  NtpFilter filter;
  NtpAsym asym;              /* residuals and delays for the estimated asymmetry */
  NtpDelayQuantile delay_quant;   /* maxdelayquant's delays (used only when configured) */
  NtpStats *stats;
  uint32_t own_refid;        /* how we name this source as our reference */
  uint32_t local_refid;      /* that of our address its replies come to (0 = not known) */
  bool loop_logged;          /* the log said its samples close a synchronization loop */

  uint64_t sent_tx_ts;       /* transmit timestamp of the outstanding request, 0 = none */
  int64_t sent_raw_ns;
  int64_t sent_cooked_ns;
  bool sent_t1_kernel;       /* sent_*_ns are the kernel's transmit timestamp */
  uint64_t last_rx_tx_ts;
  /* Interleaved mode (`xleave`): the outstanding request's receive field, a random value an
   * interleaved reply carries back as its origin (0 = a basic request); the requests since
   * the last valid reply; and the last valid exchange: the server's receive timestamp (raw;
   * the origin of our next interleaved request, which asks the server for that reply's
   * transmit time), our transmit and receive times (cooked), whether its server was
   * synchronized (only then may an interleaved sample use it), whether its reply was
   * interleaved (a basic one already gave a sample from its t1, t2, t4) and whether its t1 is
   * the kernel's. */
  uint64_t sent_rx_ts;
  bool sent_rx_used;         /* the reply being handled answers an interleaved request */
  int xleave_unanswered;
  uint64_t prev_remote_rx;
  int64_t prev_t1_cooked, prev_t4_cooked;
  bool prev_synced, prev_interleaved, prev_t1_kernel;
  bool xleave_logged, xleave_logged_on; /* the log said which mode the replies came in */

  int stratum, leap;
  uint32_t refid;
  double delay, dispersion;
  double last_measured;
  double asymmetry;          /* the asymmetry applied to the last sample (configured or estimated) */
  int64_t last_rx_cooked_ns; /* 0 = never */
  /* The last reply a sample was taken from (NtpSourceReport.reply) and the count of valid
   * replies. */
  NtpReplyInfo reply;
  uint64_t replies;
  /* chronyc ntpdata's counts (NtpSourceReport) and the last valid reply's tests */
  uint64_t total_tx, total_rx, total_valid_rx, total_good_rx;
  unsigned last_tests;
  bool new_sample;           /* since the last reference update */
  uint64_t auth_failures;    /* replies refused for want of a valid MAC (logged at 1, 2, 4...) */
  uint64_t auth_unsent;      /* requests not sent because the key gave no MAC (likewise) */
  bool presend_done;         /* the warm-up request before the next regular one went out */
  /* NTS (RFC 8915, ntp-nts.h): the cookie jar, and the NTS-KE exchange that fills it */
  NtpNtsJar *nts;           /* NULL unless the source has `nts` (2 KiB each) */
  bool nts_ke_pending;       /* env->nts_ke asked, ntp_engine_nts_ke_done not yet called */
  int nts_ke_attempts;       /* NTS-KE exchanges since the last that succeeded */
  int64_t nts_ke_last_ns;    /* when the last one succeeded; 0 = never */
  uint32_t nts_ke_done;      /* NTS-KE exchanges that succeeded (chronyc's KeyID for NTS) */
  uint64_t nts_naks;         /* NTS NAKs received */
  bool nts_nak_since_ok;     /* a NAK since the last authenticated reply (chronyc's NAK) */
  uint32_t nts_serial;       /* ntp_engine_nts_jar_serial */
  int nts_renewed;           /* cookies renewed since the serial last grew */
  int delay_refused;         /* samples refused by the delay test in a row */
  NtpSourceState state;
  /* chronyc selectdata: the last selection's verdict and figures (NtpSourceReport) */
  NtpSelectVerdict verdict;
  double select_lo, select_hi, select_last_ago, select_score;
  /* The statistics log's stress: the fit's frequency and skew before the newest sample
   * (valid once a fit stood). */
  bool fit_logged;
  double fit_freq, fit_skew;
} Source;

struct NtpEngine {
  NtpEnv env;
  NtpConfig cfg;
  NtpDiscipline disc;
  Source src[NTP_MAX_SOURCES];
  bool started;
  int selected;
  int last_update_ref;       /* the source selected at the last clock update, -1 = none */
  bool synchronized;
  uint32_t ref_id;
  int stratum;
  int64_t ref_time_ns;
  double root_delay, root_dispersion;
  uint64_t rng;
  bool reselect_due;         /* the reference went offline inside a send: select again once
                              * the timer's round of requests is done */
  bool reselect_afresh;      /* ntp_engine_reselect: the next selection keeps no source for
                              * having been selected */
};

/* chrony's maxclockerror (NtpConfig.maxclockerror, ppm; default 1): how far the local
 * oscillator's frequency may move between measurements, as a fraction. */
static double
clock_error (const NtpEngine *e)
{
  return (e->cfg.maxclockerror > 0 ? e->cfg.maxclockerror : 1.0) * 1e-6;
}

static void
elog (const NtpEngine *e, int level, const char *fmt, ...)
{
  if (!e->env.log)
    return;
  char buf[320];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  e->env.log (e->env.ud, level, buf);
}

/* A line for chronyd's statistics log of that kind, when the configuration asks for it. */
static bool
statlog_wanted (const NtpEngine *e, NtpStatlogKind kind)
{
  return e->env.statlog != NULL && (e->cfg.statlog & NTP_STATLOG_BIT (kind)) != 0;
}

static void
statlog_put (const NtpEngine *e, NtpStatlogKind kind, const char *line, size_t len)
{
  if (len > 0 && len < NTP_STATLOG_LINE_MAX)
    e->env.statlog (e->env.ud, (int) kind, line);
}

/* What one reply showed, for measurements.log: the tests it passed (NTP_TEST_*) and, when
 * it gave a sample, the sample as measured (before our estimated asymmetry's correction). */
typedef struct {
  unsigned tests;
  double offset, delay, dispersion;
  bool interleaved, tx_kernel;
} Measured;

/* chronyd's rule: `measurements` logs every reply that gave a sample, whatever tests A-D
 * then said of it; `rawmeasurements` every reply of the source. The poll and its score are
 * as the reply left them. */
static void
log_measurement (const NtpEngine *e, const Source *s, const NtpPacket *p, const Measured *m)
{
  if (!(e->cfg.statlog & NTP_STATLOG_RAW) && (m->tests & NTP_TESTS_SYNCED) != NTP_TESTS_SYNCED)
    return;
  char line[NTP_STATLOG_LINE_MAX];
  NtpStatlogMeasurement lm = {
    .address = s->cfg.name, .tests = m->tests, .leap = p->leap, .stratum = p->stratum,
    .local_poll = s->poll.poll, .remote_poll = p->poll, .score = s->poll.poll_score,
    .offset = m->offset, .delay = m->delay, .dispersion = m->dispersion,
    .root_delay = p->root_delay, .root_dispersion = p->root_dispersion, .refid = p->refid,
    .mode = p->mode, .interleaved = m->interleaved, .tx_kernel = m->tx_kernel,
    .rx_kernel = e->env.kernel_rx_timestamps,
  };
  statlog_put (e, NTP_STATLOG_MEASUREMENTS, line,
               ntp_statlog_measurement (line, sizeof line, e->env.now (e->env.ud), &lm));
}

/* After a refit: the regression as chronyd's statistics.log shows it. */
static void
log_statistics (const NtpEngine *e, Source *s)
{
  NtpStatsTracking tr;
  NtpStatsReport rep;
  if (!statlog_wanted (e, NTP_STATLOG_STATISTICS) || !ntp_stats_tracking (s->stats, &tr)) {
    s->fit_logged = false;
    return;
  }
  ntp_stats_report (s->stats, tr.ref_time_ns, &rep);
  double stress = s->fit_logged && s->fit_skew > 0
    ? fabs (tr.freq - s->fit_freq) / s->fit_skew : 0.0;
  s->fit_logged = true;
  s->fit_freq = tr.freq;
  s->fit_skew = tr.skew;
  int in_fit = ntp_stats_poll_samples (s->stats);
  NtpStatlogStatistics st = {
    .address = s->cfg.name, .std_dev = tr.std_dev, .offset = tr.offset,
    .offset_sd = tr.offset_sd, .freq = tr.freq, .skew = tr.skew, .stress = stress,
    .samples = in_fit, .discarded = rep.samples > in_fit ? rep.samples - in_fit : 0,
    .runs = rep.runs, .asymmetry = s->asymmetry,
  };
  char line[NTP_STATLOG_LINE_MAX];
  statlog_put (e, NTP_STATLOG_STATISTICS, line,
               ntp_statlog_statistics (line, sizeof line, e->env.now (e->env.ud), &st));
}

/* After a clock update that corrected `offset` (s, positive = the clock was fast), combining
 * `combined` sources: chronyd's tracking.log line, and its logchange warning. */
static void
log_clock_update (const NtpEngine *e, int64_t now_raw, double offset, double offset_sd,
                  int combined, bool stepped)
{
  if (!stepped && e->cfg.logchange > 0 && fabs (offset) > e->cfg.logchange)
    elog (e, NTP_LOG_WARNING, "System clock wrong by %.6f seconds, adjustment started",
          -offset);
  if (!statlog_wanted (e, NTP_STATLOG_TRACKING) || e->selected < 0)
    return;
  NtpTracking t;
  ntp_engine_get_tracking (e, &t);
  NtpStatlogTracking tl = {
    .address = e->src[e->selected].cfg.name, .stratum = t.stratum, .freq_ppm = t.freq_ppm,
    .skew_ppm = t.skew_ppm, .offset = offset, .leap = t.leap,
    .unsynchronized = t.leap_unsynchronized, .combined = combined, .offset_sd = offset_sd,
    .remaining = ntp_discipline_pending (&e->disc, now_raw), .root_delay = t.root_delay,
    .root_dispersion = t.root_dispersion, .max_error = t.root_dispersion + t.root_delay / 2,
  };
  char line[NTP_STATLOG_LINE_MAX];
  statlog_put (e, NTP_STATLOG_TRACKING, line,
               ntp_statlog_tracking (line, sizeof line, e->env.now (e->env.ud), &tl));
}

/* 64 unpredictable bits from env->get_random; without one (tests, or a caller that did not
 * set it) from splitmix64 seeded by the clock and the engine's address, which an attacker who
 * knows the start time could predict. */
static uint64_t
next_random (NtpEngine *e)
{
  if (e->env.get_random) {
    uint64_t v = 0;
    e->env.get_random (e->env.ud, &v, sizeof v);
    return v;
  }
  uint64_t z = (e->rng += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

char
ntp_source_state_char (NtpSourceState s)
{
  switch (s) {
  case NTP_STATE_SELECTED: return '*';
  case NTP_STATE_COMBINED: return '+';
  case NTP_STATE_NOT_COMBINED: return '-';
  case NTP_STATE_FALSETICKER: return 'x';
  case NTP_STATE_TOO_VARIABLE: return '~';
  case NTP_STATE_UNUSABLE:
  default: return '?';
  }
}

/* How we name the source as our reference when we serve (RFC 5905 §7.3, ntp-refid.h); a
 * name that is no address (the tests' sources may have one) gets a stable hash of itself. */
static uint32_t
refid_for_name (const char *name)
{
  uint32_t refid;
  if (ntp_refid_parse (name, &refid))
    return refid;
  uint32_t h = 2166136261u;   /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *) name; *p; p++)
    h = (h ^ *p) * 16777619u;
  return h;
}

NtpEngine *
ntp_engine_new (const NtpEnv *env, const NtpConfig *cfg)
{
  if (!env || !env->now || !env->send || !env->arm_timer || !env->set_freq || !env->step)
    return NULL;
  NtpEngine *e = calloc (1, sizeof *e);
  if (!e)
    return NULL;
  e->env = *env;
  if (cfg)
    e->cfg = *cfg;
  else
    ntp_config_init (&e->cfg);
  e->selected = -1;
  e->last_update_ref = -1;
  e->stratum = 0;
  e->rng = (uint64_t) env->now (env->ud) ^ (uint64_t) (uintptr_t) e;
  ntp_discipline_init (&e->disc, &e->env, &e->cfg);
  return e;
}

void
ntp_engine_free (NtpEngine *e)
{
  if (!e)
    return;
  for (int i = 0; i < NTP_MAX_SOURCES; i++) {
    ntp_stats_free (e->src[i].stats);
    if (e->src[i].nts) {
      ntp_nts_jar_clear (e->src[i].nts);
      free (e->src[i].nts);
    }
  }
  free (e);
}

/* Raw time of the next request any source sends (INT64_MAX: none scheduled). */
static int64_t
next_transmission (const NtpEngine *e)
{
  int64_t t = INT64_MAX;
  for (int i = 0; i < NTP_MAX_SOURCES; i++)
    if (e->src[i].live && !e->src[i].poll.stopped && e->src[i].poll.next_tx_ns < t)
      t = e->src[i].poll.next_tx_ns;
  return t;
}

static void
arm (NtpEngine *e)
{
  int64_t deadline = ntp_discipline_deadline (&e->disc);
  for (int i = 0; i < NTP_MAX_SOURCES; i++)
    if (e->src[i].live && !ntp_discipline_halted (&e->disc) && e->src[i].poll.next_tx_ns < deadline)
      deadline = e->src[i].poll.next_tx_ns;
  e->env.arm_timer (e->env.ud, deadline);
}

/* maxchange ran out (ntp-discipline.c): nothing more is sent, nothing is selected, and the
 * clock reads as not synchronized, until the engine is made anew. */
static void
halt (NtpEngine *e)
{
  for (int i = 0; i < NTP_MAX_SOURCES; i++)
    if (e->src[i].live) {
      e->src[i].state = NTP_STATE_UNUSABLE;
      e->src[i].sent_tx_ts = 0;
    }
  e->selected = -1;
  e->synchronized = false;
  arm (e);
}

/* chronyd's choice when no version is given: 4, but 3 for a key whose digest is longer than
 * the 20 bytes NTPv4 carries (SHA256 and longer), so that the whole digest is sent, as
 * servers older than chrony 4 expect. The digest's length is the key's: one MAC of a zeroed
 * header tells it. */
static int
default_version (NtpEngine *e, const NtpSourceConfig *cfg)
{
  uint8_t probe[NTP_PACKET_HEADER_LEN] = { 0 }, digest[NTP_MAC_MAX_DIGEST];
  if (!cfg->key || !e->env.auth_mac)
    return 4;
  size_t n = e->env.auth_mac (e->env.ud, cfg->key, probe, sizeof probe, digest, sizeof digest);
  return n > NTP_MAC_MAX_DIGEST_V4 ? 3 : 4;
}

/* A source as before its first sample: no statistics, clock filter, estimated asymmetry,
 * delays or selection verdict (a new source, and chronyc reset sources). */
static void
forget_measurements (Source *s)
{
  ntp_stats_reset (s->stats);
  ntp_filter_init (&s->filter, s->cfg.filter);
  ntp_asym_init (&s->asym);
  ntp_delay_quant_init (&s->delay_quant, s->cfg.maxdelayquant);
  s->delay_refused = 0;
  s->asymmetry = 0.0;
  s->last_rx_cooked_ns = 0;
  s->new_sample = false;
  s->state = NTP_STATE_UNUSABLE;
  s->leap = NTP_LI_UNSYNC;
  s->verdict = s->cfg.noselect ? NTP_SELECT_NOSELECT : NTP_SELECT_UNSYNCHRONISED;
  s->select_score = 1.0;
  s->select_lo = s->select_hi = s->select_last_ago = 0.0;
}

int
ntp_engine_add_source (NtpEngine *e, const NtpSourceConfig *sc)
{
  for (int i = 0; i < NTP_MAX_SOURCES; i++) {
    Source *s = &e->src[i];
    if (s->live)
      continue;
    NtpNtsJar *jar = NULL;
    if (sc->nts && !(jar = calloc (1, sizeof *jar)))
      return -1;
    NtpStats *st = s->stats ? s->stats : ntp_stats_new ();
    if (!st) {
      free (jar);
      return -1;
    }
    memset (s, 0, sizeof *s);
    s->stats = st;
    s->nts = jar;
    s->live = true;
    s->cfg = *sc;
    s->cfg.name[NTP_NAME_MAX - 1] = '\0';
    s->cfg.ignored[sizeof s->cfg.ignored - 1] = '\0';
    /* chrony's rule: a source's own minsamples/maxsamples, else the global directives' */
    ntp_stats_set_limits (st,
                          s->cfg.minsamples != NTP_SAMPLES_DEFAULT ? s->cfg.minsamples
                                                                   : e->cfg.minsamples,
                          s->cfg.maxsamples != NTP_SAMPLES_DEFAULT ? s->cfg.maxsamples
                                                                   : e->cfg.maxsamples);
    ntp_stats_set_clock_error (st, clock_error (e));
    if (s->cfg.ignored[0])
      elog (e, NTP_LOG_WARNING,
            "%s: option(s) '%s' accepted for compatibility with chrony.conf but not implemented"
            " by this client; ignored", s->cfg.name, s->cfg.ignored);
    if (s->cfg.key)
      elog (e, NTP_LOG_INFO, "%s: authenticated with key %u: replies without its MAC are refused",
            s->cfg.name, s->cfg.key);
    if (s->cfg.version == 0)
      s->cfg.version = default_version (e, &s->cfg);
    if (s->cfg.nts)
      elog (e, NTP_LOG_INFO, "%s: authenticated with NTS (key exchange on port %u): replies"
            " without a valid authenticator are refused", s->cfg.name, s->cfg.ntsport);
    ntp_source_poll_init (&s->poll, &s->cfg);
    if (s->cfg.offline)
      ntp_source_poll_set_offline (&s->poll);
    forget_measurements (s);
    s->own_refid = refid_for_name (s->cfg.name);
    if (e->started) {
      ntp_source_poll_start (&s->poll, e->env.now (e->env.ud));
      arm (e);
    }
    return i;
  }
  return -1;
}

void
ntp_engine_remove_source (NtpEngine *e, unsigned src)
{
  if (src >= NTP_MAX_SOURCES || !e->src[src].live)
    return;
  e->src[src].live = false;
  e->src[src].state = NTP_STATE_UNUSABLE;
  if (e->src[src].nts) {
    ntp_nts_jar_clear (e->src[src].nts);
    free (e->src[src].nts);
    e->src[src].nts = NULL;
  }
  if (e->selected == (int) src)
    e->selected = -1;
  if (e->started)
    arm (e);
}

void
ntp_engine_start (NtpEngine *e)
{
  int64_t now = e->env.now (e->env.ud);
  e->started = true;
  for (int i = 0; i < NTP_MAX_SOURCES; i++)
    if (e->src[i].live)
      ntp_source_poll_start (&e->src[i].poll, now);
  arm (e);
}

/* Make every stored local time agree with the clock after a change. */
static void
apply_clock_change (NtpEngine *e, int64_t cooked_before, const NtpClockChange *chg)
{
  int64_t doff_ns = (int64_t) llround (chg->doffset * 1e9);
  int64_t raw_ns = (int64_t) llround (chg->raw_step * 1e9);
  for (int i = 0; i < NTP_MAX_SOURCES; i++) {
    Source *s = &e->src[i];
    if (!s->live)
      continue;
    if (chg->dfreq != 0.0 || chg->doffset != 0.0) {
      ntp_stats_slew (s->stats, cooked_before, chg->dfreq, chg->doffset);
      ntp_filter_slew (&s->filter, cooked_before, chg->dfreq, chg->doffset);
      s->fit_freq += chg->dfreq;   /* the stored samples' slope moved with the clock */
    }
    if (s->sent_tx_ts) {
      s->sent_cooked_ns -= doff_ns;
      s->sent_raw_ns -= raw_ns;
    }
    if (s->last_rx_cooked_ns)
      s->last_rx_cooked_ns -= doff_ns;
    if (s->prev_remote_rx) {
      s->prev_t1_cooked -= doff_ns;
      s->prev_t4_cooked -= doff_ns;
    }
    if (raw_ns) {
      ntp_source_poll_shift (&s->poll, -raw_ns);
      if (s->nts_ke_last_ns)
        s->nts_ke_last_ns -= raw_ns;
    }
  }
  if (e->ref_time_ns)
    e->ref_time_ns -= doff_ns;
}

/* A whole reach register: this many requests in a row without an answer and a source is
 * unreachable (its reach is 0). */
#define NTP_REACH_SILENT 8

/* Whether a source's statistics may be selected, reachability aside (source_reachable_ok). */
static bool
source_usable (const NtpEngine *e, const Source *s, const NtpStatsSelection *sel)
{
  if (!s->live || s->poll.stopped || s->poll.offline || !sel->ok)
    return false;
  if (sel->root_distance > e->cfg.maxdistance)
    return false;
  return true;
}

/* chrony's rule for a source that stopped answering: its statistics still say where the
 * clock was, and their root distance grows with their age (ntp_stats_selection), so it stays
 * selectable while its newest sample is no older than the oldest sample of the reachable
 * sources (oldest_reachable_ago: the largest first_ago among them, 0 when there are none) —
 * while it is no staler than what the others stand on — and for at most `maxunreach` polls
 * after its reach register emptied. A lone source that falls silent is therefore dropped at
 * once, as before: nothing reachable is there to be compared with. */
static bool
source_reachable_ok (const Source *s, const NtpStatsSelection *sel, double oldest_reachable_ago)
{
  if (s->poll.reach != 0)
    return true;
  if (sel->last_ago > oldest_reachable_ago)
    return false;
  return s->poll.missed - NTP_REACH_SILENT < s->cfg.maxunreach;
}

/* A source we still expect to hear from: configured for selection, not stopped by a KoD,
 * and not known to be gone (a whole reach register, NTP_REACH_SILENT requests, without an
 * answer). A source that has merely not answered yet at start-up counts. */
static bool
source_expected (const Source *s)
{
  if (!s->live || s->cfg.noselect || s->poll.stopped || s->poll.offline)
    return false;
  return !(s->poll.reach == 0 && s->poll.missed >= NTP_REACH_SILENT);
}

/* The leap second vote (RFC 5905 §9.2 leaves it to the client; chrony's sources.c lets the
 * sources that survived selection vote and follows a strict majority of them). One rule
 * more than chrony: while more than one source is expected, a single surviving source does
 * not decide. At start-up the first source to gather enough samples is briefly the only
 * survivor, and its leap indicator alone would arm (or disarm) a leap second until the
 * others are heard; a wrong leap second costs a whole second, waiting for a second voice
 * costs nothing (the vote is taken again at every update, hours before midnight). Without
 * enough voters the vote abstains and what is armed stays armed. When all
 * other sources are gone for good (a full reach register of silence) the single one decides,
 * as it would with one source configured. */
static NtpLeap
leap_vote (const NtpEngine *e, const NtpSourceState *states, const NtpStatsSelection *sel)
{
  int voters = 0, ins = 0, del = 0, expected = 0;
  for (int i = 0; i < NTP_MAX_SOURCES; i++) {
    if (source_expected (&e->src[i]))
      expected++;
    if (!e->src[i].live || states[i] < NTP_STATE_NOT_COMBINED)
      continue;
    voters++;
    if (sel[i].leap == NTP_LI_INSERT)
      ins++;
    else if (sel[i].leap == NTP_LI_DELETE)
      del++;
  }
  /* Too few voices: abstain, i.e. keep what is armed now (nothing, at start-up). */
  if (voters == 0 || (expected > 1 && voters < 2))
    return e->disc.leap_armed;
  return 2 * ins > voters ? NTP_LEAP_INSERT : 2 * del > voters ? NTP_LEAP_DELETE : NTP_LEAP_NONE;
}

/* The reach register counting only finished exchanges, as chrony's is: ours shifts when a
 * request goes out, so while one is in flight its slot (bit 0, still clear) is not history yet. */
static unsigned
reach_settled (const NtpSourcePoll *p)
{
  return (p->missed > 0 && !(p->reach & 1)) ? (unsigned) p->reach >> 1 : p->reach;
}

/* Wait before choosing a first reference (chrony's sources.c does the same): a source that
 * has answered but has not yet enough samples for its statistics, and is at most one
 * exchange behind the best-answered usable source, will most likely be usable at its next
 * reply. Selecting now would let whichever source happens to answer first (the nearest, not
 * the most truthful) set — or step — the clock alone, before the others can outvote it.
 * Bounded: the laggard's next request shifts its register, so unless it answers within one
 * of its poll intervals it falls two exchanges behind and the wait ends; and it applies only
 * while the usable sources have fewer than 8 exchanges of history (a full reach register),
 * i.e. at start-up or after every source was lost. */
static bool
wait_for_laggards (const NtpEngine *e, const NtpSelectInput *in)
{
  if (e->selected >= 0)
    return false;
  unsigned max_sel = 0, max_bad = 0;
  int max_sel_size = 0, n_sel = 0, n_bad = 0;
  for (int i = 0; i < NTP_MAX_SOURCES; i++) {
    const Source *s = &e->src[i];
    if (!s->live || s->cfg.noselect || s->poll.stopped)
      continue;
    unsigned r = reach_settled (&s->poll);
    if (in[i].usable) {
      n_sel++;
      if (r > max_sel)
        max_sel = r;
      if (s->poll.reach_size > max_sel_size)
        max_sel_size = s->poll.reach_size;
    } else if (r != 0) {
      n_bad++;
      if (r > max_bad)
        max_bad = r;
    }
  }
  return n_sel > 0 && n_bad > 0 && max_sel_size < 8 && (max_sel >> 1) == max_bad;
}

/* chronyc selectdata's verdict on a source that selection does not judge (ntp_select_run
 * judges only those usable and not noselect), in chrony's order of checks. */
static NtpSelectVerdict
verdict_unjudged (const NtpEngine *e, const Source *s, const NtpStatsSelection *sel)
{
  if (s->cfg.noselect)
    return NTP_SELECT_NOSELECT;
  if (s->leap == NTP_LI_UNSYNC)
    return NTP_SELECT_UNSYNCHRONISED;
  if (!sel->ok)
    return NTP_SELECT_MISSING_SAMPLES;
  if (sel->root_distance > e->cfg.maxdistance)
    return NTP_SELECT_LARGE_DISTANCE;
  return NTP_SELECT_STALE;   /* offline, stopped by a KoD, or unreachable and stale */
}

/* chronyc selectdata's letter for a verdict, which selection.log shows too. */
static char
verdict_char (NtpSelectVerdict v)
{
  static const char letters[] = {
    [NTP_SELECT_UNSYNCHRONISED] = 's', [NTP_SELECT_NOSELECT] = 'N',
    [NTP_SELECT_MISSING_SAMPLES] = 'M', [NTP_SELECT_LARGE_DISTANCE] = 'd',
    [NTP_SELECT_JITTERY] = '~', [NTP_SELECT_WAITS_FOR_SAMPLES] = 'w',
    [NTP_SELECT_STALE] = 'S', [NTP_SELECT_NOT_TRUSTED] = 'T', [NTP_SELECT_FALSETICKER] = 'x',
    [NTP_SELECT_WAITS_FOR_SOURCES] = 'W', [NTP_SELECT_NOT_PREFERRED] = 'P',
    [NTP_SELECT_DISTANT] = 'D', [NTP_SELECT_COMBINED] = '+', [NTP_SELECT_BEST] = '*',
  };
  return (unsigned) v < sizeof letters && letters[v] ? letters[v] : '?';
}

/* A source as this selection left it: chronyd's selection.log line. */
static void
log_selection (const NtpEngine *e, const Source *s)
{
  NtpStatlogSelection sl = {
    .address = s->cfg.name, .state = verdict_char (s->verdict), .noselect = s->cfg.noselect,
    .prefer = s->cfg.prefer, .trust = s->cfg.trust, .require = s->cfg.require,
    .reach = (unsigned) s->poll.reach, .score = s->select_score, .last_ago = s->select_last_ago,
    .lo = s->select_lo, .hi = s->select_hi,
  };
  char line[NTP_STATLOG_LINE_MAX];
  statlog_put (e, NTP_STATLOG_SELECTION, line,
               ntp_statlog_selection (line, sizeof line, e->env.now (e->env.ud), &sl));
}

/* Selection and, when the selected source has news, a clock update. */
static void
select_and_update (NtpEngine *e, int64_t now_raw)
{
  int64_t cooked_now = ntp_discipline_cook (&e->disc, now_raw);
  NtpSelectInput in[NTP_MAX_SOURCES];
  NtpStatsSelection sel[NTP_MAX_SOURCES];
  NtpSourceState states[NTP_MAX_SOURCES];
  double oldest_reachable_ago = 0.0;   /* s, the oldest sample a reachable source stands on */
  for (int i = 0; i < NTP_MAX_SOURCES; i++) {
    Source *s = &e->src[i];
    memset (&in[i], 0, sizeof in[i]);
    memset (&sel[i], 0, sizeof sel[i]);
    if (!s->live)
      continue;
    ntp_stats_selection (s->stats, cooked_now, &sel[i]);
    in[i].usable = source_usable (e, s, &sel[i]);
    if (in[i].usable && s->poll.reach != 0 && sel[i].first_ago > oldest_reachable_ago)
      oldest_reachable_ago = sel[i].first_ago;
    in[i].noselect = s->cfg.noselect;
    in[i].prefer = s->cfg.prefer;
    in[i].trust = s->cfg.trust;
    in[i].require = s->cfg.require;
    in[i].stratum = sel[i].stratum;
    in[i].offset = sel[i].offset;
    /* sel[i].root_distance already holds chrony's extra dispersion for a source without new
     * samples (ntp_stats_selection), so a kissed or silent source's old statistics lose
     * weight, in the combination and in the frequency, to a source that is sampled now. */
    in[i].distance = sel[i].root_distance;
    in[i].lo = sel[i].lo;
    in[i].hi = sel[i].hi;
    in[i].freq = sel[i].freq;
    in[i].skew = sel[i].skew;
    in[i].std_dev = sel[i].std_dev;
  }
  for (int i = 0; i < NTP_MAX_SOURCES; i++)
    if (in[i].usable)
      in[i].usable = source_reachable_ok (&e->src[i], &sel[i], oldest_reachable_ago);
  NtpSelectParams params = {
    .stratumweight = e->cfg.stratumweight,
    .reselectdist = e->cfg.reselectdist,
    .combinelimit = e->cfg.combinelimit,
    .minsources = e->cfg.minsources > 0 ? e->cfg.minsources : 1,
    .maxjitter = e->cfg.maxjitter > 0 ? e->cfg.maxjitter : MAX_JITTER,
    .maxclockerror = clock_error (e),
  };
  NtpSelectResult res;
  ntp_select_run (in, NTP_MAX_SOURCES, &params, e->reselect_afresh ? -1 : e->selected, states,
                  &res);
  e->reselect_afresh = false;
  /* While waiting no verdict is given: chronyd shows such sources as '?' (its WAITS_STATS). */
  bool waiting = wait_for_laggards (e, in);
  for (int i = 0; i < NTP_MAX_SOURCES; i++) {
    NtpSourceState st = e->src[i].live ? states[i] : NTP_STATE_UNUSABLE, was = e->src[i].state;
    if (waiting && st != NTP_STATE_TOO_VARIABLE)
      st = NTP_STATE_UNUSABLE;
    if (e->src[i].live) {
      Source *s = &e->src[i];
      bool judged = in[i].usable && !s->cfg.noselect;
      s->verdict = !judged ? verdict_unjudged (e, s, &sel[i])
                   : waiting && st != NTP_STATE_TOO_VARIABLE ? NTP_SELECT_WAITS_FOR_SAMPLES
                                                             : res.verdict[i];
      s->select_score = res.score[i];
      s->select_last_ago = sel[i].ok ? sel[i].last_ago : 0.0;
      s->select_lo = !sel[i].ok ? 0.0 : sel[i].lo < sel[i].hi ? sel[i].lo
                                                             : sel[i].offset - sel[i].root_distance;
      s->select_hi = !sel[i].ok ? 0.0 : sel[i].lo < sel[i].hi ? sel[i].hi
                                                             : sel[i].offset + sel[i].root_distance;
      if (statlog_wanted (e, NTP_STATLOG_SELECTION))
        log_selection (e, s);
    }
    /* State changes that say who was believed, for the log and the loopback tests. */
    if (st == NTP_STATE_FALSETICKER && was != NTP_STATE_FALSETICKER)
      elog (e, NTP_LOG_DEBUG, "Source %s: falseticker", e->src[i].cfg.name);
    else if (st >= NTP_STATE_NOT_COMBINED && was < NTP_STATE_NOT_COMBINED)
      elog (e, NTP_LOG_DEBUG, "Source %s: truechimer", e->src[i].cfg.name);
    e->src[i].state = st;
  }
  if (waiting)
    return;

  if (res.selected < 0) {
    if (e->selected >= 0 || e->synchronized)
      elog (e, NTP_LOG_WARNING, "Can't synchronise: %s", res.why_none ? res.why_none : "no selectable source");
    e->selected = -1;
    e->synchronized = false;
    return;
  }
  if (res.selected != e->selected) {
    elog (e, NTP_LOG_INFO, "Selected source %s", e->src[res.selected].cfg.name);
    e->selected = res.selected;
    e->src[res.selected].new_sample = true;
  }
  Source *ref = &e->src[res.selected];
  if (!ref->new_sample)
    return;

  /* Combine: offsets weighted by 1/root distance, frequencies by 1/skew^2 (chrony). */
  double sw = 0, so = 0, ssd = 0, fw = 0, sf = 0, fvar = 0;
  int combined = 0;
  NtpStatsTracking tr[NTP_MAX_SOURCES];
  double off[NTP_MAX_SOURCES];
  for (int i = 0; i < NTP_MAX_SOURCES; i++) {
    if (states[i] != NTP_STATE_SELECTED && states[i] != NTP_STATE_COMBINED)
      continue;
    ntp_stats_tracking (e->src[i].stats, &tr[i]);
    combined++;
    /* The offset is not known better than the mean of the samples the fit kept: their
     * scatter over sqrt(n). A narrower figure (bands that barely intersect give one) would
     * have the discipline slew a whole offset out in a second, a frequency error of
     * hundreds of ppm for a few hundred microseconds. */
    int n = ntp_stats_samples (e->src[i].stats);
    if (n > 0 && tr[i].offset_sd < tr[i].std_dev / sqrt ((double) n))
      tr[i].offset_sd = tr[i].std_dev / sqrt ((double) n);
    off[i] = tr[i].offset + tr[i].freq * (double) (cooked_now - tr[i].ref_time_ns) * 1e-9;
    double w = 1.0 / fmax (sel[i].root_distance, 1e-9);
    sw += w;
    so += w * off[i];
    double f = 1.0 / (tr[i].skew * tr[i].skew);
    fw += f;
    sf += f * tr[i].freq;
    fvar += f * f * tr[i].freq_sd * tr[i].freq_sd;
  }
  double offset = so / sw, freq = sf / fw;
  for (int i = 0; i < NTP_MAX_SOURCES; i++) {
    if (states[i] != NTP_STATE_SELECTED && states[i] != NTP_STATE_COMBINED)
      continue;
    double w = 1.0 / fmax (sel[i].root_distance, 1e-9);
    double d = off[i] - offset;
    ssd += w * (tr[i].offset_sd * tr[i].offset_sd + d * d);
  }
  double offset_sd = sqrt (ssd / sw);
  double skew = 1.0 / sqrt (fw);
  const NtpStatsTracking *rt = &tr[res.selected];

  NtpDisciplineInput din = { .offset = offset, .offset_sd = offset_sd, .freq = freq, .skew = skew,
                             .freq_sd = sqrt (fvar) / fw,
                             .wander2 = ntp_stats_wander2 (ref->stats),
                             .reference_changed = res.selected != e->last_update_ref,
                             .next_wake_ns = next_transmission (e) };
  NtpClockChange chg;
  NtpDisciplineResult r = ntp_discipline_update (&e->disc, now_raw, &din, &chg);
  if (ntp_discipline_halted (&e->disc)) {
    halt (e);
    return;
  }
  if (r != NTP_DISCIPLINE_SLEWED && r != NTP_DISCIPLINE_STEPPED)
    return;
  for (int i = 0; i < NTP_MAX_SOURCES; i++)
    e->src[i].new_sample = false;
  e->last_update_ref = res.selected;
  apply_clock_change (e, cooked_now, &chg);
  int64_t now_after = now_raw - (int64_t) llround (chg.raw_step * 1e9);

  e->synchronized = true;
  /* `copy`: a closely related server's reference ID and stratum are ours. */
  e->ref_id = ref->cfg.copy ? ref->refid : ref->own_refid;
  e->stratum = sel[res.selected].stratum + (ref->cfg.copy ? 0 : 1);
  e->ref_time_ns = ntp_discipline_cook (&e->disc, now_after);
  e->root_delay = rt->root_delay;
  e->root_dispersion = rt->root_dispersion + offset_sd;

  ntp_discipline_set_leap (&e->disc, now_after, leap_vote (e, states, sel));
  log_clock_update (e, now_after, offset, offset_sd, combined, r == NTP_DISCIPLINE_STEPPED);
}

/* The source module planned its next request for poll.next_tx_ns (it was `before`): a wait
 * newly planned from `now` on is stretched by 1 + [0, SAMPLING_RANDOMNESS), with a factor
 * drawn from env->get_random. A request due now stays due now (a burst starts at once), and
 * the stretch only ever delays, so a server's KoD RATE back-off is kept. */
static void
space_request (NtpEngine *e, Source *s, int64_t before, int64_t now)
{
  int64_t next = s->poll.next_tx_ns;
  if (next == before || next == INT64_MAX || next <= now)
    return;
  uint32_t r = (uint32_t) (next_random (e) >> 32);
  double factor = 1.0 + SAMPLING_RANDOMNESS * ((double) r / 4294967296.0);
  s->poll.next_tx_ns = now + (int64_t) llround ((double) (next - now) * factor);
}

/* A count reaching a power of two: a failure that repeats at every poll is logged at the
 * 1st, 2nd, 4th, 8th... time, so a log shows it began and goes on without being flooded. */
static bool
log_worthy (uint64_t count)
{
  return count != 0 && (count & (count - 1)) == 0;
}

/* Append the source's MAC to the request of `len` bytes in buf; 0 when there is none to give
 * (no hook, or the key is unknown or unusable): the request is then not sent at all, since
 * an unauthenticated request would only get a reply the source must refuse. */
static size_t
sign_request (NtpEngine *e, Source *s, uint8_t *buf, size_t size, size_t len)
{
  uint8_t digest[NTP_MAC_MAX_DIGEST];
  size_t max = ntp_packet_max_digest (s->cfg.version);
  size_t n = e->env.auth_mac ? e->env.auth_mac (e->env.ud, s->cfg.key, buf, len, digest, max) : 0;
  size_t out = n <= max ? ntp_packet_append_mac (buf, size, len, s->cfg.key, digest, n) : 0;
  if (out == 0 && log_worthy (++s->auth_unsent))
    elog (e, NTP_LOG_ERROR, "%s: key %u gives no usable MAC, request not sent (%llu so far)",
          s->cfg.name, s->cfg.key, (unsigned long long) s->auth_unsent);
  return out;
}

/* A reply to an authenticated source carries a MAC under the source's key, of the whole
 * length the key's digest has in a packet of the reply's version (a shorter one would be
 * easier to forge), and the digest of the key and everything before the MAC matches it,
 * compared in time independent of where it differs. */
static bool
reply_authentic (NtpEngine *e, const Source *s, const uint8_t *pkt, const NtpPacket *p)
{
  uint8_t digest[NTP_MAC_MAX_DIGEST];
  if (!e->env.auth_mac || ntp_packet_mac_key (pkt, p) != s->cfg.key)
    return false;
  size_t want = p->mac_len - 4;
  size_t n = e->env.auth_mac (e->env.ud, s->cfg.key, pkt, p->mac_offset, digest,
                              ntp_packet_max_digest (p->version));
  if (n != want || want > sizeof digest)
    return false;
  uint8_t diff = 0;
  for (size_t k = 0; k < want; k++)
    diff |= (uint8_t) (digest[k] ^ pkt[p->mac_offset + 4 + k]);
  return diff == 0;
}

/* Append the NTS fields (ntp-nts.h) to the request of `len` bytes in buf, with a fresh
 * unique identifier and nonce; 0 when that fails (no hook, or it failed): the request is then
 * not sent, never sent unauthenticated. */
static size_t
nts_sign_request (NtpEngine *e, Source *s, uint8_t *buf, size_t size, size_t len)
{
  uint8_t uid[NTS_UID_LEN], nonce[NTS_NONCE_LEN];
  for (size_t k = 0; k < sizeof uid; k += 8) {
    uint64_t r = next_random (e);
    memcpy (uid + k, &r, 8);
  }
  for (size_t k = 0; k < sizeof nonce; k += 8) {
    uint64_t r = next_random (e);
    memcpy (nonce + k, &r, 8);
  }
  size_t out = ntp_nts_build_request (s->nts, e->env.nts_aead, e->env.ud, buf, size, len, uid,
                                      nonce);
  if (out == 0 && log_worthy (++s->auth_unsent))
    elog (e, NTP_LOG_ERROR, "%s: NTS authenticator could not be made, request not sent"
          " (%llu so far)", s->cfg.name, (unsigned long long) s->auth_unsent);
  return out;
}

/* A request counted (sent, or a key exchange that failed). When it empties the source's
 * reach register, or its silence reaches maxunreach polls, selection runs again at the end
 * of this wake-up (as chrony reselects when a source becomes unreachable): nothing else would
 * run it while no source answers, and a lone source gone silent would keep the clock
 * "synchronized" for as long as the outage lasts. */
static void
count_request (NtpEngine *e, Source *s, int64_t now)
{
  bool was_reachable = s->poll.reach != 0;
  ntp_source_poll_transmitted (&s->poll, now);
  if (s->poll.reach == 0 && (was_reachable
                             || s->poll.missed - NTP_REACH_SILENT == s->cfg.maxunreach))
    e->reselect_due = true;
}

/* The jar of an NTS source has no usable cookie: ask for a key exchange, and send nothing
 * until it is done (ntp_engine_nts_ke_done reschedules the request). */
static void
nts_start_ke (NtpEngine *e, unsigned i)
{
  Source *s = &e->src[i];
  s->poll.next_tx_ns = INT64_MAX;
  if (s->nts_ke_pending)
    return;
  if (!e->env.nts_ke) {
    if (log_worthy (++s->auth_unsent))
      elog (e, NTP_LOG_ERROR, "%s: no NTS key exchange available, request not sent",
            s->cfg.name);
    s->poll.next_tx_ns = e->env.now (e->env.ud) + ntp_poll_to_ns (s->poll.poll);
    return;
  }
  s->nts_ke_pending = true;
  s->nts_ke_attempts++;
  e->env.nts_ke (e->env.ud, i);
}

void
ntp_engine_nts_ke_done (NtpEngine *e, unsigned src, const NtsKeResponse *r,
                        const uint8_t *c2s, const uint8_t *s2c)
{
  if (!e || src >= NTP_MAX_SOURCES || !e->src[src].live || !e->src[src].nts_ke_pending)
    return;
  Source *s = &e->src[src];
  int64_t now = e->env.now (e->env.ud);
  s->nts_ke_pending = false;
  if (r && c2s && s2c && r->n_cookies > 0) {
    ntp_nts_jar_fill (s->nts, r, c2s, s2c, now);
    s->nts_ke_attempts = 0;
    s->nts_ke_last_ns = now;
    s->nts_ke_done++;
    s->nts_serial++;
    s->nts_renewed = 0;
    elog (e, NTP_LOG_INFO, "%s: NTS key exchange done, %d cookies", s->cfg.name,
          s->nts->n_cookies);
    s->poll.next_tx_ns = now;
  } else {
    /* A failed exchange counts as a request that got no answer (the register shows the
     * source unreachable), and the next one waits the longer of the poll and a back-off
     * doubling from 2 s to 1024 s, so a broken server is not hammered. */
    int k = s->nts_ke_attempts < 10 ? s->nts_ke_attempts : 10;
    int64_t backoff = (int64_t) 1000000000LL << k;
    count_request (e, s, now);
    if (s->poll.next_tx_ns < now + backoff)
      s->poll.next_tx_ns = now + backoff;
  }
  if (e->started)
    arm (e);
}

static int64_t
nts_refresh_ns (const NtpEngine *e)
{
  return (e->cfg.ntsrefresh > 0 ? e->cfg.ntsrefresh : NTS_REFRESH_DEFAULT_S) * 1000000000LL;
}

bool
ntp_engine_nts_get_jar (const NtpEngine *e, unsigned src, NtpNtsJar *out)
{
  if (!e || src >= NTP_MAX_SOURCES || !e->src[src].live || !e->src[src].nts)
    return false;
  const NtpNtsJar *j = e->src[src].nts;
  if (!j->have_keys || j->n_cookies == 0 || j->nak)
    return false;
  *out = *j;
  out->uid_outstanding = false;
  return true;
}

bool
ntp_engine_nts_set_jar (NtpEngine *e, unsigned src, const NtpNtsJar *jar)
{
  if (!e || src >= NTP_MAX_SOURCES || !e->src[src].live || !e->src[src].nts)
    return false;
  Source *s = &e->src[src];
  if (s->nts->have_keys || s->nts_ke_pending || !jar->have_keys || jar->n_cookies <= 0
      || jar->n_cookies > NTS_MAX_COOKIES)
    return false;
  *s->nts = *jar;
  s->nts->uid_outstanding = false;
  s->nts->nak = false;
  s->nts->last_cookie_len = 0;
  s->nts_ke_last_ns = jar->ke_ns;
  elog (e, NTP_LOG_INFO, "%s: NTS keys and %d cookies restored from the dump, no key exchange"
        " needed", s->cfg.name, jar->n_cookies);
  return true;
}

uint32_t
ntp_engine_nts_jar_serial (const NtpEngine *e, unsigned src)
{
  if (!e || src >= NTP_MAX_SOURCES || !e->src[src].live)
    return 0;
  return e->src[src].nts_serial;
}

static void
transmit (NtpEngine *e, unsigned i, int64_t now)
{
  Source *s = &e->src[i];
  if (s->cfg.nts && ntp_nts_jar_needs_ke (s->nts, now, nts_refresh_ns (e))) {
    nts_start_ke (e, i);
    return;
  }
  uint8_t buf[NTP_PACKET_MAX_LEN];
  /* The server only echoes our transmit timestamp as the origin of its reply (RFC 5905
   * §8); it never uses it as a time. So, as chrony does, it is 64 random bits: an off-path
   * attacker cannot guess the origin a forged reply must carry, and the request does not
   * reveal our clock. The real transmit time t1 is kept here, on the side. */
  uint64_t ts;
  do
    ts = next_random (e);
  while (ts == 0 || ts == s->last_rx_tx_ts || ts == s->prev_remote_rx);
  /* Interleaved (draft-ietf-ntp-interleaved-modes, as chronyd's client sends it): the origin
   * names the server's last reply by its receive timestamp, and the receive field is a
   * second random value, distinct from the transmit one, so that the origin of the reply says
   * which kind it is: our transmit field (basic) or our receive field (interleaved). */
  uint64_t rx = 0;
  if (s->cfg.xleave && s->prev_remote_rx != 0 && s->xleave_unanswered < MAX_CLIENT_INTERLEAVED_TX) {
    do
      rx = next_random (e);
    while (rx == 0 || rx == ts || rx == s->prev_remote_rx || rx == s->last_rx_tx_ts);
  }
  size_t len = rx ? ntp_packet_encode_request_xleave (buf, sizeof buf, s->prev_remote_rx, rx, ts,
                                                      (int8_t) s->poll.poll, s->cfg.version)
                  : ntp_packet_encode_request_version (buf, sizeof buf, ts, (int8_t) s->poll.poll,
                                                       s->cfg.version);
  if (s->cfg.key)
    len = sign_request (e, s, buf, sizeof buf, len);
  else if (s->cfg.nts)
    len = nts_sign_request (e, s, buf, sizeof buf, len);
  s->sent_tx_ts = ts;
  s->sent_rx_ts = rx;
  s->xleave_unanswered++;
  s->sent_raw_ns = now;
  s->sent_cooked_ns = ntp_discipline_cook (&e->disc, now);
  s->sent_t1_kernel = false;
  /* The reference while its register still holds a reply: chrony stops treating a source as
   * its sync peer once eight requests went unanswered, and so backs off at the usual rate
   * through a long outage. */
  s->poll.sync_peer = e->selected == (int) i && s->poll.reach != 0;
  int64_t before = s->poll.next_tx_ns;
  count_request (e, s, now);
  if (len > 0) {
    s->total_tx++;
    e->env.send (e->env.ud, i, buf, len);
  }
  space_request (e, s, before, now);
}

/* chrony's presend: a request whose only job is to get the path's caches filled. Its reply
 * is never used (its transmit timestamp is not kept, so the origin check refuses it), and the
 * poll state does not see it. */
static void
presend (NtpEngine *e, unsigned i, int64_t now)
{
  Source *s = &e->src[i];
  uint8_t buf[NTP_PACKET_MAX_LEN];
  size_t len = ntp_packet_encode_request_version (buf, sizeof buf, next_random (e),
                                                  (int8_t) s->poll.poll, s->cfg.version);
  if (s->cfg.key)
    len = sign_request (e, s, buf, sizeof buf, len);
  else if (s->cfg.nts)
    len = ntp_nts_jar_needs_ke (s->nts, now, nts_refresh_ns (e)) ? 0 : nts_sign_request (e, s, buf, sizeof buf, len);
  if (len > 0) {
    s->total_tx++;
    e->env.send (e->env.ud, i, buf, len);
  }
  s->presend_done = true;
  s->poll.next_tx_ns = now + WARM_UP_DELAY_NS;
}

static bool
presend_due (const Source *s)
{
  return s->cfg.presend_on && !s->presend_done && s->poll.poll >= s->cfg.presend
         && !ntp_source_poll_in_burst (&s->poll);
}

void
ntp_engine_tx_timestamp (NtpEngine *e, unsigned src, int64_t tx_ns)
{
  if (src >= NTP_MAX_SOURCES || !e->src[src].live || e->src[src].sent_tx_ts == 0
      || tx_ns < e->src[src].sent_raw_ns)
    return;
  e->src[src].sent_raw_ns = tx_ns;
  e->src[src].sent_cooked_ns = ntp_discipline_cook (&e->disc, tx_ns);
  e->src[src].sent_t1_kernel = true;
}

void
ntp_engine_timer (NtpEngine *e)
{
  int64_t now = e->env.now (e->env.ud);
  ntp_discipline_timer (&e->disc, now);
  if (e->started && !ntp_discipline_halted (&e->disc)) {
    for (unsigned i = 0; i < NTP_MAX_SOURCES; i++) {
      Source *s = &e->src[i];
      if (!s->live || s->poll.stopped || s->poll.next_tx_ns > now)
        continue;
      if (presend_due (s)) {
        presend (e, i, now);
        continue;
      }
      s->presend_done = false;
      transmit (e, i, now);
    }
    if (e->reselect_due) {
      e->reselect_due = false;
      select_and_update (e, now);
    }
  }
  arm (e);
}

/* The four times a sample is computed from (ns; t1 and t4 ours, cooked, t2 and t3 the
 * server's), and the exchange t3 belongs to: the server's receive time of the request it
 * answered (t3 minus it is the server's processing time) and our transmit and receive times
 * around it. In basic mode that exchange is the sample's own. */
typedef struct {
  int64_t t1, t2, t3, t4;
  int64_t rt_t1, rt_t2, rt_t4;
  bool interleaved;
  bool t1_kernel;
} Exchange;

/* The sample's times for a reply received at cooked time c4: basic, t3 with its own request's
 * t1, t2 and t4; interleaved, t3 (the server's kernel transmit time of its previous reply)
 * with that previous exchange's t4 and either its t1 and t2 or the new request's. */
static void
pair_timestamps (const Source *s, const NtpPacket *p, int64_t c4, bool interleaved, Exchange *x)
{
  int64_t t1 = s->sent_cooked_ns;
  int64_t t2 = ntp_ts_to_ns (p->rx_ts, c4);
  int64_t t3 = ntp_ts_to_ns (p->tx_ts, c4);
  if (!interleaved) {
    *x = (Exchange) { t1, t2, t3, c4, t1, t2, c4, false, s->sent_t1_kernel };
    return;
  }
  int64_t prev_t2 = ntp_ts_to_ns (s->prev_remote_rx, c4);
  x->interleaved = true;
  x->t3 = t3;
  x->t4 = s->prev_t4_cooked;
  x->rt_t1 = s->prev_t1_cooked;
  x->rt_t2 = prev_t2;
  x->rt_t4 = s->prev_t4_cooked;
  if (s->prev_interleaved
      && MAX_INTERLEAVED_L2L_RATIO * (double) (t1 - s->prev_t4_cooked)
         > (double) (s->prev_t4_cooked - s->prev_t1_cooked)) {
    x->t1 = s->prev_t1_cooked;
    x->t2 = prev_t2;
    x->t1_kernel = s->prev_t1_kernel;
  } else {
    x->t1 = t1;
    x->t2 = t2;
    x->t1_kernel = s->sent_t1_kernel;
  }
}

/* chronyd's test B: with `maxdelayratio`, a delay this many times the least one seen is a
 * queue, not a path. Off unless configured. */
static bool
delay_ratio_ok (const Source *s, double delay)
{
  return !(s->cfg.maxdelayratio > 0 && ntp_stats_samples (s->stats) > 0
           && delay > s->cfg.maxdelayratio * ntp_stats_min_delay (s->stats));
}

/* chronyd's test C, judged before the sample joins anything. With `maxdelayquant` each
 * delay is judged against that quantile of those before it (as in chrony). Otherwise the
 * delay's rise over the least may be a few SDs of the offsets (maxdelaydevratio), an
 * allowance that grows with the time since the statistics' newest sample at the rate their
 * frequency may be wrong: their skew plus the clock's own instability (maxclockerror). */
static bool
delay_dev_ok (const NtpEngine *e, const Source *s, double delay, double offset,
              double predicted, int64_t mid)
{
  if (s->cfg.maxdelayquant > 0) {
    double quantile;
    return !ntp_delay_quant_get (&s->delay_quant, &quantile) || delay <= quantile;
  }
  double sd, skew, since;
  double devratio = s->cfg.maxdelaydevratio > 0 ? s->cfg.maxdelaydevratio : MAX_DELAY_DEV_RATIO;
  return !ntp_stats_delay_test_data (s->stats, mid, &sd, &skew, &since)
         || ntp_filter_delay_ok (delay, offset, ntp_stats_min_delay (s->stats), sd, predicted,
                                 devratio, fabs (since) * (skew + clock_error (e)));
}

/* chronyd's test D: while we serve, a server whose reference ID is our address is
 * synchronized to us, and one whose reference data are ours (stratum, reference ID and
 * time) is us; either's samples would close a loop. */
static bool
sync_loop_free (const NtpEngine *e, const Source *s, const NtpPacket *p)
{
  if (!ntp_serve_enabled (&e->cfg.serve))
    return true;
  if (p->stratum > 1 && s->local_refid != 0 && p->refid == s->local_refid)
    return false;
  return !(e->synchronized && p->ref_ts != 0 && p->stratum == e->stratum
           && p->refid == e->ref_id && p->ref_ts == ntp_ts_from_ns (e->ref_time_ns));
}

static void
process_sample (NtpEngine *e, unsigned i, int64_t rx_raw, const NtpPacket *p, const Exchange *x,
                Measured *m)
{
  Source *s = &e->src[i];
  int64_t c1 = x->t1;
  int64_t c4 = x->t4;
  int64_t t2 = x->t2;
  int64_t t3 = x->t3;
  /* offset: positive = we are ahead; ((t1 - t2) + (t4 - t3)) / 2 (RFC 5905 §8 negated). */
  double offset = ((double) (c1 - t2) + (double) (c4 - t3)) * 0.5e-9;
  offset -= s->cfg.offset;   /* chrony's `offset` option corrects the server-minus-client sense */

  /* A server's timestamps are exact only to its precision: chronyd fills the bits below it
   * with random ones. When it answers in less than its precision, its transmit timestamp t3
   * can read before its receive timestamp t2, by up to one precision quantum per timestamp.
   * Such a reply is genuine and as good as any: the round trip is |local - remote| (as
   * chrony takes it). Only a processing time no honest server can produce is refused: more
   * negative than those two quanta (and our own timestamping precision), or longer than the
   * whole round trip by the same margin. */
  int prec = p->precision < -30 ? -30 : p->precision > 0 ? 0 : p->precision;
  double precision = ldexp (1.0, prec);
  double local_interval = (double) (c4 - c1) * 1e-9;
  double remote_interval = (double) (t3 - t2) * 1e-9;
  /* The check is on the exchange t3 belongs to: in interleaved mode the sample's t1 and t2
   * may be of the next request, and both intervals then run backwards. */
  double round_trip = (double) (x->rt_t4 - x->rt_t1) * 1e-9;
  double processing = (double) (t3 - x->rt_t2) * 1e-9;
  double margin = 2.0 * precision + LOCAL_PRECISION;
  bool sane = !(x->rt_t4 < x->rt_t1 || processing < -margin || processing > round_trip + margin)
              && isfinite (offset);
  double delay = fabs (local_interval - remote_interval);
  if (delay < precision)
    delay = precision;
  /* As chronyd's test: `maxdelay 0` refuses every sample (the default, 3 s, is the config's);
   * on the delay measured, before `mindelay` raises it. */
  bool test_a = sane && delay <= s->cfg.maxdelay;
  if (s->cfg.mindelay > 0 && delay < s->cfg.mindelay)
    delay = s->cfg.mindelay;
  double dispersion = precision + LOCAL_PRECISION + PHI * delay;
  int64_t mid = c1 + (c4 - c1) / 2;
  double predicted = ntp_stats_predict (s->stats, mid);
  *m = (Measured) {
    .tests = m->tests, .offset = sane ? offset : 0.0, .delay = delay,
    .dispersion = dispersion, .interleaved = x->interleaved, .tx_kernel = x->t1_kernel,
  };
  /* Tests A-D, each judged on its own for the log; a sample refused by one goes no further,
   * and B and C look at the statistics without changing them until the sample has passed
   * A and B. */
  bool test_b = delay_ratio_ok (s, delay);
  bool test_d = sync_loop_free (e, s, p);
  if (!test_a) {
    m->tests |= (test_b ? NTP_TEST_B : 0) | (test_d ? NTP_TEST_D : 0)
                | (delay_dev_ok (e, s, delay, m->offset, predicted, mid) ? NTP_TEST_C : 0);
    if (!sane)
      elog (e, NTP_LOG_INFO, "%s: impossible timestamps (round trip %.9f s, server processing"
            " %.9f s, precision %.9f s%s), ignoring", s->cfg.name, round_trip, processing,
            precision, x->interleaved ? ", interleaved" : "");
    else
      elog (e, NTP_LOG_DEBUG, "%s: delay %.6f over maxdelay, ignoring", s->cfg.name, delay);
    return;
  }
  m->tests |= NTP_TEST_A;
  /* chrony's asymmetry (its sourcestats.c): the delay's rise over the least one is queueing,
   * and a share `asymmetry` of it (negative: on the way to the server) shifts the measured
   * offset by that share. A request held up by d reads the server d/2 ahead (our offset
   * d/2 low), which asymmetry -0.5 gives back: offset -= asymmetry x (delay - least).
   * Unless configured, it is estimated from this source's samples (ntp-asym.h), each one's
   * residual taken against the prediction before it joins them. */
  double asymmetry = s->cfg.asymmetry;
  if (asymmetry == NTP_ASYMMETRY_ESTIMATED) {
    asymmetry = 0.0;
    if (ntp_stats_samples (s->stats) >= 3)
      ntp_asym_add (&s->asym, offset - predicted, delay);
    asymmetry = ntp_asym_estimate (&s->asym);
    /* Said when it starts or stops being applied: the figure itself moves with every
     * sample and is reported (Source.ReplyJitterAsymmetry, ntpdata). */
    if ((asymmetry != 0.0) != (s->asymmetry != 0.0)) {
      if (asymmetry != 0.0)
        elog (e, NTP_LOG_INFO, "%s: queueing asymmetry %+.2f found in the samples (negative:"
              " on the way to the server), offsets corrected for it", s->cfg.name, asymmetry);
      else
        elog (e, NTP_LOG_INFO, "%s: queueing asymmetry no longer clear, path taken as"
              " symmetric", s->cfg.name);
    }
  }
  s->asymmetry = asymmetry;
  double asym_corr = ntp_stats_asymmetry_correction (s->stats, asymmetry, delay);
  offset -= asym_corr;
  bool test_c = delay_dev_ok (e, s, delay, offset, predicted, mid);
  m->tests |= (test_b ? NTP_TEST_B : 0) | (test_c ? NTP_TEST_C : 0) | (test_d ? NTP_TEST_D : 0);
  if (ntp_discipline_leap_close (&e->disc, mid)) {
    elog (e, NTP_LOG_DEBUG, "%s: sample within %d s of the leap second, ignoring", s->cfg.name,
          NTP_LEAP_CLOSE_S);
    return;
  }
  if (!test_b) {
    elog (e, NTP_LOG_DEBUG, "%s: delay %.6f over maxdelayratio, ignoring", s->cfg.name, delay);
    return;
  }
  /* maxdelayquant's delays: each joins them once judged. Refusals in a row are its normal
   * state (1 - P of all samples), and a longer path raises the quantile by itself, so
   * nothing restarts. */
  if (s->cfg.maxdelayquant > 0) {
    ntp_delay_quant_add (&s->delay_quant, delay);
    if (!test_c) {
      elog (e, NTP_LOG_DEBUG, "%s: delay %.6f over the %g-quantile, ignoring", s->cfg.name,
            delay, s->cfg.maxdelayquant);
      return;
    }
  } else if (!test_c) {
    if (++s->delay_refused < DELAY_REFUSED_RESTART) {
      elog (e, NTP_LOG_DEBUG, "%s: delay %.6f too far over the minimum, ignoring", s->cfg.name, delay);
      return;
    }
    /* So many in a row is no queue: the path got longer for good (a route change). The stored
     * samples describe the old path and would refuse every new one; start over from here. */
    elog (e, NTP_LOG_INFO, "%s: delay %.6f over the minimum %d times in a row, path changed:"
          " restarting its statistics", s->cfg.name, delay, s->delay_refused);
    ntp_stats_reset (s->stats);
    ntp_asym_init (&s->asym);
    if (e->last_update_ref == (int) i)
      e->last_update_ref = -1;   /* the new statistics say nothing of the old frequency */
    ntp_filter_init (&s->filter, s->cfg.filter);
    m->tests |= NTP_TEST_C;      /* taken after all, as the first of the new path */
  }
  s->delay_refused = 0;
  if (!test_d) {
    elog (e, s->loop_logged ? NTP_LOG_DEBUG : NTP_LOG_WARNING, "%s: synchronized to us (its"
          " reference ID %08X is our address or its reference is ours): a synchronization"
          " loop, its samples are not used", s->cfg.name, (unsigned) p->refid);
    s->loop_logged = true;
    return;
  }
  s->loop_logged = false;

  /* chrony's minstratum: the source counts as at least that stratum, in selection (where
   * stratumweight makes it less preferred) and for our own stratum when it is the reference;
   * it stays usable. */
  int stratum = p->stratum > s->cfg.minstratum ? p->stratum : s->cfg.minstratum;
  s->stratum = stratum;
  s->leap = p->leap;
  s->refid = p->refid;
  s->reply = (NtpReplyInfo) {
    .leap = p->leap, .version = p->version, .mode = p->mode, .stratum = p->stratum,
    .precision = p->precision, .root_delay = p->root_delay,
    .root_dispersion = p->root_dispersion, .refid = p->refid,
    .ref_ns = p->ref_ts != 0 ? ntp_ts_to_ns (p->ref_ts, t2) : 0,
    .t1_ns = c1, .t2_ns = t2, .t3_ns = t3, .t4_ns = c4,
    .interleaved = x->interleaved, .response_ns = t3 - x->rt_t2, .t1_kernel = x->t1_kernel,
  };
  s->delay = delay;
  s->dispersion = dispersion;
  s->last_measured = offset;
  s->last_rx_cooked_ns = ntp_discipline_cook (&e->disc, rx_raw);

  NtpFilterSample fin = {
    .time_ns = mid, .offset = offset, .delay = delay, .dispersion = dispersion,
    .asym_corr = asym_corr,
  }, fout;
  if (!ntp_filter_add (&s->filter, &fin, &fout))
    return;

  double error = fabs (fout.offset - ntp_stats_predict (s->stats, fout.time_ns));
  NtpSample smp = {
    .time_ns = fout.time_ns, .offset = fout.offset, .delay = fout.delay,
    .peer_dispersion = fout.dispersion, .asym_corr = fout.asym_corr,
    .root_delay = p->root_delay + fout.delay,
    .root_dispersion = p->root_dispersion + fout.dispersion,
    .stratum = stratum, .leap = p->leap,
  };
  if (!ntp_stats_add (s->stats, &smp))
    elog (e, NTP_LOG_WARNING, "%s: out of order sample, history discarded", s->cfg.name);
  ntp_stats_set_asymmetry (s->stats, asymmetry);
  ntp_stats_regress (s->stats);
  log_statistics (e, s);
  /* The prediction is the regression's, or with fewer than 3 samples the newest sample's
   * offset (0 with none), as chrony's: a reply that differs from it by more than its own
   * distance means the clock is not being tracked yet, and the poll shortens, which is what
   * gets a source that answers rarely (a lossy path) to enough samples. */
  int64_t before = s->poll.next_tx_ns;
  ntp_source_poll_sample (&s->poll, rx_raw, error, fout.delay / 2 + fout.dispersion,
                          ntp_stats_poll_samples (s->stats));
  space_request (e, s, before, rx_raw);
  s->new_sample = true;
  select_and_update (e, rx_raw);
}

/* A valid reply's exchange, for the next interleaved one (chrony keeps the same set): the
 * server's receive timestamp names it in our next request, and t1, t4 wait for its t3. */
static void
remember_exchange (Source *s, const NtpPacket *p, int64_t c4, bool synced, bool interleaved)
{
  if (!s->cfg.xleave || p->rx_ts == 0) {
    s->prev_remote_rx = 0;
    return;
  }
  s->prev_remote_rx = p->rx_ts;
  s->prev_t1_cooked = s->sent_cooked_ns;
  s->prev_t1_kernel = s->sent_t1_kernel;
  s->prev_t4_cooked = c4;
  s->prev_synced = synced;
  s->prev_interleaved = interleaved;
}

/* A decoded reply of source `src`; `m` gets what measurements.log says of it. */
static void
receive_reply (NtpEngine *e, unsigned src, int64_t rx_ns, const uint8_t *pkt, size_t len,
               const NtpPacket *reply, Measured *m)
{
  Source *s = &e->src[src];
  NtpPacket p = *reply;
  NtpPacketResult r = NTP_PKT_OK;
  /* Which of our request's two random fields the origin echoes: the transmit field in a
   * basic reply, the receive field (sent only in an interleaved request) in an interleaved
   * one. Either way the reply answers the outstanding request and no other. */
  bool interleaved = s->sent_tx_ts != 0 && s->sent_rx_ts != 0 && p.org_ts == s->sent_rx_ts;
  uint64_t expected_origin = interleaved ? s->sent_rx_ts : s->sent_tx_ts;
  /* RFC 5905's tests, for the log; the checks below decide, in their own order. A replay of
   * the last reply's receive timestamp in interleaved mode is a duplicate too (test 1 looks
   * at both). */
  m->tests = ntp_packet_tests (&p, s->sent_tx_ts ? expected_origin : 0, s->last_rx_tx_ts,
                               e->cfg.maxdistance) | NTP_TEST_5;
  if (interleaved && p.rx_ts == s->prev_remote_rx)
    m->tests &= ~(unsigned) NTP_TEST_1;
  m->interleaved = interleaved;
  /* Nothing a reply says about an authenticated source counts before its MAC is checked:
   * not its origin, not a kiss-o'-death. The request stays outstanding, so the genuine reply
   * can still arrive after a forged one. */
  if (s->cfg.key && !reply_authentic (e, s, pkt, &p)) {
    m->tests &= ~(unsigned) NTP_TEST_5;
    if (log_worthy (++s->auth_failures))
      elog (e, NTP_LOG_WARNING, "%s: reply without a valid MAC for key %u refused (%llu so far)",
            s->cfg.name, s->cfg.key, (unsigned long long) s->auth_failures);
    return;
  }
  /* An NTS source, as one with a key: the reply must carry our unique identifier and an
   * authenticator that verifies under the key of our last key exchange (ntp-nts.c); only its
   * origin is looked at first, so a NAK (unauthenticated by nature) counts only for our
   * request. */
  if (s->cfg.nts) {
    if (s->sent_tx_ts == 0 || p.org_ts != expected_origin) {
      elog (e, NTP_LOG_DEBUG, "%s: %s, ignoring", s->cfg.name,
            ntp_packet_result_string (NTP_PKT_BOGUS_ORIGIN));
      return;
    }
    NtsReplyResult nr = ntp_nts_check_reply (s->nts, e->env.nts_aead, e->env.ud, pkt, len);
    if (nr != NTS_REPLY_OK)
      m->tests &= ~(unsigned) NTP_TEST_5;
    if (nr == NTS_REPLY_NAK) {
      s->nts_naks++;
      s->nts_nak_since_ok = true;
      s->nts_serial++;
      s->sent_tx_ts = 0;
      elog (e, NTP_LOG_WARNING, "%s: %s: a new key exchange follows", s->cfg.name,
            ntp_nts_reply_result_string (nr));
      return;
    }
    if (nr != NTS_REPLY_OK) {
      if (log_worthy (++s->auth_failures))
        elog (e, NTP_LOG_WARNING, "%s: reply refused: %s (%llu so far)", s->cfg.name,
              ntp_nts_reply_result_string (nr), (unsigned long long) s->auth_failures);
      return;
    }
    s->nts_nak_since_ok = false;
    if (++s->nts_renewed >= NTS_MAX_COOKIES / 2) {
      s->nts_renewed = 0;
      s->nts_serial++;
    }
  }
  r = ntp_packet_check_reply (&p, s->sent_tx_ts ? expected_origin : 0, s->last_rx_tx_ts,
                              e->cfg.maxdistance);
  /* A replay of the last reply's receive timestamp in interleaved mode: its t2 would be
   * paired again. */
  if (r == NTP_PKT_OK && interleaved && p.rx_ts == s->prev_remote_rx)
    r = NTP_PKT_DUPLICATE;

  switch (r) {
  case NTP_PKT_OK:
  case NTP_PKT_KOD_RATE:
  case NTP_PKT_KOD_DENY:
  case NTP_PKT_KOD_RSTR:
  case NTP_PKT_KOD_OTHER:
  case NTP_PKT_STRATUM_UNSYNC:
  case NTP_PKT_LEAP_UNSYNC:
  case NTP_PKT_ZERO_RECEIVE:
  case NTP_PKT_BAD_DISTANCE:
    /* The reply is genuinely ours (origin matched): consume the request so a copy or a
     * replay cannot be used again, and the source counts as reachable. */
    s->sent_rx_used = s->sent_rx_ts != 0;
    s->sent_tx_ts = 0;
    s->last_rx_tx_ts = p.tx_ts;
    s->xleave_unanswered = 0;
    break;
  default:
    elog (e, NTP_LOG_DEBUG, "%s: %s, ignoring", s->cfg.name, ntp_packet_result_string (r));
    return;
  }

  if (r == NTP_PKT_KOD_RATE || r == NTP_PKT_KOD_DENY || r == NTP_PKT_KOD_RSTR) {
    elog (e, NTP_LOG_WARNING, "%s: received %s", s->cfg.name, ntp_packet_result_string (r));
    int64_t before = s->poll.next_tx_ns;
    ntp_source_poll_kod (&s->poll, r, p.poll, rx_ns);
    space_request (e, s, before, rx_ns);
    if (s->poll.stopped) {
      s->state = NTP_STATE_UNUSABLE;
      select_and_update (e, rx_ns);
    }
    arm (e);
    return;
  }

  int64_t before = s->poll.next_tx_ns;
  ntp_source_poll_replied (&s->poll, rx_ns);
  space_request (e, s, before, rx_ns);
  if (r == NTP_PKT_OK)
    s->replies++;
  if (r != NTP_PKT_OK) {
    elog (e, NTP_LOG_DEBUG, "%s: %s, ignoring", s->cfg.name, ntp_packet_result_string (r));
    remember_exchange (s, &p, ntp_discipline_cook (&e->disc, rx_ns), false, interleaved);
    s->stratum = p.stratum;
    s->leap = p.leap;
    arm (e);
    return;
  }
  /* The sample's times come from the exchange state as it was; then this exchange becomes
   * the one the next interleaved reply completes (before the sample, which may step the
   * clock and so shift every stored time). */
  Exchange x;
  int64_t c4 = ntp_discipline_cook (&e->disc, rx_ns);
  pair_timestamps (s, &p, c4, interleaved, &x);
  bool usable = !interleaved || s->prev_synced;
  /* A server that starts answering in interleaved mode, or stops doing so, is worth a line
   * (once per change): it says whether `xleave` does anything with this server. (chronyd 4.3
   * answers a client's first interleaved request in basic mode, as measured on loopback by
   * tests/engine/test_loopback_xleave.py: that one is no fall back.) */
  if (s->cfg.xleave && s->sent_rx_used && s->xleave_logged_on != interleaved
      && (interleaved || s->xleave_logged)) {
    elog (e, NTP_LOG_INFO, "%s: %s", s->cfg.name, interleaved
          ? "replies in interleaved mode (the server's transmit times are its kernel's)"
          : "replies in basic mode to interleaved requests");
    s->xleave_logged = true;
    s->xleave_logged_on = interleaved;
  }
  remember_exchange (s, &p, c4, r == NTP_PKT_OK, interleaved);
  if (usable)
    process_sample (e, src, rx_ns, &p, &x, m);
  else
    elog (e, NTP_LOG_DEBUG, "%s: interleaved reply completes an exchange with an unsynchronized"
          " server, no sample", s->cfg.name);
  arm (e);
}

void
ntp_engine_receive (NtpEngine *e, unsigned src, int64_t rx_ns, const uint8_t *pkt, size_t len)
{
  if (!e || src >= NTP_MAX_SOURCES || !e->src[src].live)
    return;
  NtpPacket p;
  NtpPacketResult r = ntp_packet_decode (pkt, len, &p);
  if (r != NTP_PKT_OK) {
    /* not an NTP server's reply at all: nothing for any log but the debug one (chronyd's
     * rawmeasurements leaves these out too) */
    elog (e, NTP_LOG_DEBUG, "%s: %s, ignoring", e->src[src].cfg.name,
          ntp_packet_result_string (r));
    return;
  }
  Measured m = { 0 };
  receive_reply (e, src, rx_ns, pkt, len, &p, &m);
  Source *s = &e->src[src];
  if (!s->live)
    return;
  /* chronyc ntpdata's counts, as chronyd keeps them: a valid reply answers our request
   * genuinely (tests 1-3 and 5); its tests are the ones shown. */
  s->total_rx++;
  if ((m.tests & NTP_TESTS_VALID) == NTP_TESTS_VALID) {
    s->total_valid_rx++;
    s->last_tests = m.tests;
    if (m.tests == NTP_TESTS_ALL)
      s->total_good_rx++;
  }
  if (statlog_wanted (e, NTP_STATLOG_MEASUREMENTS))
    log_measurement (e, s, &p, &m);
}

void
ntp_engine_set_local_refid (NtpEngine *e, unsigned src, uint32_t refid)
{
  if (e && src < NTP_MAX_SOURCES && e->src[src].live)
    e->src[src].local_refid = refid;
}

void
ntp_engine_reselect (NtpEngine *e)
{
  /* After maxchange ran out nothing is selected (halt) until the engine is made anew. */
  if (!e->started || ntp_discipline_halted (&e->disc))
    return;
  elog (e, NTP_LOG_INFO, "Reselecting source");
  e->reselect_afresh = true;
  select_and_update (e, e->env.now (e->env.ud));
}

void
ntp_engine_reset_sources (NtpEngine *e)
{
  for (int i = 0; i < NTP_MAX_SOURCES; i++) {
    Source *s = &e->src[i];
    if (!s->live)
      continue;
    /* Every measurement and what was learned from them goes; the protocol's state (an
     * outstanding request, the interleaved exchange, NTS cookies) and the poll interval stay,
     * so the next reply is a sample like any other. */
    forget_measurements (s);
    ntp_source_poll_forget_reach (&s->poll);
  }
  if (e->selected >= 0 || e->synchronized)
    elog (e, NTP_LOG_WARNING, "Sources reset: not synchronised until new measurements select one");
  else
    elog (e, NTP_LOG_INFO, "Sources reset");
  e->selected = -1;
  e->synchronized = false;
  if (e->started)
    arm (e);
}

void
ntp_engine_burst (NtpEngine *e)
{
  int64_t now = e->env.now (e->env.ud);
  for (int i = 0; i < NTP_MAX_SOURCES; i++)
    if (e->src[i].live)
      ntp_source_poll_burst (&e->src[i].poll, now);
  if (e->started)
    arm (e);
}

bool
ntp_engine_burst_source (NtpEngine *e, unsigned src, int good, int total)
{
  if (src >= NTP_MAX_SOURCES || !e->src[src].live || good < 1 || total < good ||
      total > NTP_BURST_MAX_TOTAL)
    return false;
  ntp_source_poll_burst_counts (&e->src[src].poll, e->env.now (e->env.ud), good, total);
  if (e->started)
    arm (e);
  return true;
}

/* chronyd's take_offline: besides the polling state (ntp_source_poll_set_offline), the request
 * in flight is forgotten, so a reply that still arrives is refused by the origin check as
 * chronyd's closed socket drops it; the statistics stay. */
static void
take_offline (NtpEngine *e, unsigned i)
{
  Source *s = &e->src[i];
  elog (e, NTP_LOG_INFO, "Source %s offline", s->cfg.name);
  ntp_source_poll_set_offline (&s->poll);
  s->sent_tx_ts = 0;
  s->presend_done = false;
  s->state = NTP_STATE_UNUSABLE;
  if (!s->cfg.noselect)
    s->verdict = NTP_SELECT_STALE;
}

bool
ntp_engine_set_online (NtpEngine *e, unsigned src, bool online)
{
  if (src >= NTP_MAX_SOURCES || !e->src[src].live || e->src[src].poll.offline == !online)
    return false;
  int64_t now = e->env.now (e->env.ud);
  if (online) {
    elog (e, NTP_LOG_INFO, "Source %s online", e->src[src].cfg.name);
    ntp_source_poll_set_online (&e->src[src].poll, now);
  } else {
    take_offline (e, src);
    /* The reference gone, choose again now (chronyd reselects when a source's reachability
     * is reset): another source, or none and the clock reads unsynchronized. */
    if (e->started && e->selected == (int) src)
      select_and_update (e, now);
  }
  if (e->started)
    arm (e);
  return true;
}

int
ntp_engine_modify_source (NtpEngine *e, unsigned src, const char *option, const char *value,
                          char *err, size_t errlen)
{
  if (src >= NTP_MAX_SOURCES || !e->src[src].live) {
    if (err && errlen)
      snprintf (err, errlen, "no source %u", src);
    return -1;
  }
  Source *s = &e->src[src];
  if (ntp_source_config_modify (&s->cfg, option, value, err, errlen) < 0)
    return -1;
  elog (e, NTP_LOG_INFO, "Source %s new %s %s", s->cfg.name, option, value);
  int64_t now = e->env.now (e->env.ud);
  int64_t before = s->poll.next_tx_ns;
  ntp_source_poll_set_limits (&s->poll, s->cfg.minpoll, s->cfg.maxpoll, s->cfg.polltarget, now);
  space_request (e, s, before, now);
  /* The stratum it counts as is taken at each sample (process_sample); brought to the new
   * minimum now, so that the next selection and the report already use it. */
  if (s->reply.t4_ns != 0)
    s->stratum = s->reply.stratum > s->cfg.minstratum ? s->reply.stratum : s->cfg.minstratum;
  /* maxdelay, maxdelayratio and maxdelaydevratio are read from s->cfg by each sample's tests. */
  if (e->started)
    arm (e);
  return 0;
}

bool
ntp_engine_source_online (const NtpEngine *e, unsigned src)
{
  return src < NTP_MAX_SOURCES && e->src[src].live && !e->src[src].poll.offline;
}

bool
ntp_engine_send_failed (NtpEngine *e, unsigned src)
{
  if (src >= NTP_MAX_SOURCES || !e->src[src].live || !e->src[src].cfg.auto_offline
      || e->src[src].poll.offline)
    return false;
  take_offline (e, src);
  /* Called from within env->send, in the middle of the timer's round: the selection runs
   * when the round is over (ntp_engine_timer). */
  if (e->selected == (int) src)
    e->reselect_due = true;
  return true;
}

int
ntp_engine_set_directive (NtpEngine *e, const char *directive, const char *value, char *err,
                          size_t errlen)
{
  if (ntp_config_set_runtime (&e->cfg, directive, value, err, errlen) < 0)
    return -1;
  if (!strcmp (directive, "makestep")) {
    ntp_discipline_set_makestep (&e->disc, e->cfg.makestep_threshold, e->cfg.makestep_limit);
    elog (e, NTP_LOG_INFO, "makestep %g %d from now on", e->cfg.makestep_threshold,
          e->cfg.makestep_limit);
  } else if (!strcmp (directive, "maxupdateskew")) {
    ntp_discipline_set_maxupdateskew (&e->disc, e->cfg.maxupdateskew);
    elog (e, NTP_LOG_INFO, "maxupdateskew %g ppm from now on", e->cfg.maxupdateskew);
  } else {
    /* read by every selection: the next one keeps or changes the source by the new margin */
    elog (e, NTP_LOG_INFO, "reselectdist %g s from now on", e->cfg.reselectdist);
  }
  return 0;
}

void
ntp_engine_make_step (NtpEngine *e)
{
  int64_t now = e->env.now (e->env.ud);
  int64_t cooked = ntp_discipline_cook (&e->disc, now);
  NtpClockChange chg;
  ntp_discipline_make_step (&e->disc, now, &chg);
  if (chg.stepped)
    apply_clock_change (e, cooked, &chg);
  if (e->started)
    arm (e);
}

void
ntp_engine_clock_stepped (NtpEngine *e, double step_s)
{
  if (!isfinite (step_s) || step_s == 0.0)
    return;
  int64_t now = e->env.now (e->env.ud);
  NtpClockChange chg;
  ntp_discipline_external_step (&e->disc, now, step_s, &chg);
  /* No frequency change: the instant the change is taken at does not matter. */
  apply_clock_change (e, ntp_discipline_cook (&e->disc, now), &chg);
  elog (e, NTP_LOG_WARNING, "System clock was stepped by %+.6f seconds by someone else", step_s);
  if (e->synchronized && fabs (chg.doffset) > 0.5 * e->root_delay + e->root_dispersion) {
    e->synchronized = false;
    elog (e, NTP_LOG_WARNING, "Not synchronised until the next update");
  }
  if (e->started)
    arm (e);
}

void
ntp_engine_get_tracking (const NtpEngine *e, NtpTracking *out)
{
  memset (out, 0, sizeof *out);
  int64_t now = e->env.now (e->env.ud);
  int64_t cooked = ntp_discipline_cook (&e->disc, now);
  out->synchronized = e->synchronized;
  out->ref_source = e->synchronized ? e->selected : -1;
  out->ref_id = e->synchronized ? e->ref_id : 0;
  out->stratum = e->synchronized ? e->stratum : 0;
  out->ref_time_ns = e->ref_time_ns;
  out->last_offset = e->disc.last_offset;
  out->rms_offset = ntp_discipline_rms_offset (&e->disc);
  out->freq_ppm = ntp_discipline_freq_ppm (&e->disc);
  out->update_interval = e->disc.update_interval;
  out->leap = e->disc.leap_armed;
  out->leap_unsynchronized = !e->synchronized;
  out->max_clock_error = clock_error (e);
  if (e->synchronized) {
    double elapsed = e->ref_time_ns ? (double) (cooked - e->ref_time_ns) * 1e-9 : 0.0;
    if (elapsed < 0)
      elapsed = 0;
    out->residual_freq_ppm = e->disc.residual_freq * 1e6;
    out->skew_ppm = e->disc.skew * 1e6;
    out->root_delay = e->root_delay;
    out->root_dispersion = e->root_dispersion;
    ntp_tracking_age (out, elapsed);
  }
  /* Read now, after the ageing above (which would otherwise slew it out a second time). */
  out->system_time_offset = ntp_discipline_pending (&e->disc, now);
  if (out->system_time_offset != 0.0) {
    out->slew_rate = e->disc.slew_rate;
    out->slew_left = (double) (e->disc.slew_end_ns - now) * 1e-9;
  }
}

void
ntp_tracking_age (NtpTracking *t, double seconds)
{
  /* The slew goes on between updates, as planned: what is left reads less as it runs. */
  if (seconds > 0 && t->slew_left > 0) {
    if (seconds >= t->slew_left) {
      t->system_time_offset = 0.0;
      t->slew_rate = 0.0;
      t->slew_left = 0.0;
    } else {
      t->system_time_offset += t->slew_rate * seconds;
      t->slew_left -= seconds;
    }
  }
  /* Dispersion grows with what we do not know of our frequency, and with how far the
   * oscillator may wander meanwhile (chrony's reference.c: skew + |residual frequency| +
   * maxclockerror). */
  if (t->synchronized && seconds > 0)
    t->root_dispersion += ((t->skew_ppm + fabs (t->residual_freq_ppm)) * 1e-6
                           + t->max_clock_error) * seconds;
}

bool
ntp_engine_get_source (const NtpEngine *e, unsigned src, NtpSourceReport *out)
{
  memset (out, 0, sizeof *out);
  if (src >= NTP_MAX_SOURCES || !e->src[src].live)
    return false;
  const Source *s = &e->src[src];
  int64_t now = e->env.now (e->env.ud);
  int64_t cooked = ntp_discipline_cook (&e->disc, now);
  NtpStatsReport r;
  ntp_stats_report (s->stats, cooked, &r);
  out->state = s->state;
  out->stratum = s->stratum;
  out->poll = s->poll.poll;
  out->reach = s->poll.reach;
  out->last_rx_ago = s->last_rx_cooked_ns ? (double) (cooked - s->last_rx_cooked_ns) * 1e-9 : -1.0;
  out->adjusted_offset = r.samples ? r.last_offset : s->last_measured;
  out->measured_offset = r.samples ? r.last_orig_offset : s->last_measured;
  out->error_bound = r.samples ? r.last_error : 0.0;
  out->delay = s->delay;
  out->dispersion = s->dispersion;
  out->jitter = r.samples >= 3 ? r.std_dev : s->filter.jitter;
  out->refid = s->refid;
  out->reply = s->reply;
  out->replies = s->replies;
  out->total_tx = s->total_tx;
  out->total_rx = s->total_rx;
  out->total_valid_rx = s->total_valid_rx;
  out->total_good_rx = s->total_good_rx;
  out->tests = s->last_tests;
  out->offline = s->poll.offline;
  out->bursting = ntp_source_poll_in_burst (&s->poll);
  out->verdict = s->verdict;
  out->select_lo = s->select_lo;
  out->select_hi = s->select_hi;
  out->select_last_ago = s->select_last_ago;
  out->select_score = s->select_score;
  out->asymmetry = s->asymmetry;
  out->auth_mode = s->cfg.nts ? NTP_AUTH_NTS : s->cfg.key ? NTP_AUTH_SYMMETRIC : NTP_AUTH_NONE;
  out->key_id = s->cfg.nts ? s->nts_ke_done : s->cfg.key;
  out->nts_key_len = s->nts && s->nts->have_keys ? NTS_KEY_LEN * 8 : 0;
  out->nts_ke_ago = s->nts_ke_last_ns ? (double) (now - s->nts_ke_last_ns) / 1e9 : -1.0;
  out->nts_ke_attempts = s->nts_ke_attempts;
  out->nts_nak = s->nts_nak_since_ok;
  out->nts_cookies = s->nts ? s->nts->n_cookies : 0;
  out->nts_cookie_len = !s->nts ? 0 : (int) (s->nts->last_cookie_len ? s->nts->last_cookie_len
                                                                       : s->nts->cookie_len[0]);
  out->samples = r.samples;
  out->runs = r.runs;
  out->span = r.span;
  out->freq_ppm = r.freq_ppm;
  out->skew_ppm = r.skew_ppm;
  out->stats_offset = r.offset;
  out->std_dev = r.std_dev;
  return true;
}

void
ntp_engine_get_drift (const NtpEngine *e, double *freq_ppm, double *skew_ppm)
{
  if (freq_ppm)
    *freq_ppm = ntp_discipline_freq_ppm (&e->disc);
  if (skew_ppm)
    *skew_ppm = e->disc.skew * 1e6;
}
