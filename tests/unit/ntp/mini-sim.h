/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mini-sim.h — a tiny deterministic world for unit tests of the engine: one simulated client
 * clock (frequency error, optional random-walk wander) and servers with perfect or offset
 * clocks, exponential network jitter. Header-only; each test binary includes it once.
 * (The full simulator lives in tests/sim; this one only gives fast feedback on convergence.) */
#pragma once

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntp-engine.h"
#include "ntp-packet.h"

#define MS_MAX_SERVERS 8
#define MS_MAX_INFLIGHT 64
#define MS_BASE_NS 1700000000000000000LL   /* 2023-11-14, true time at t = 0 */

typedef struct {
  double offset;        /* s, the server's clock minus true time */
  double base_delay;    /* s, one way */
  double jitter;        /* s, mean of the exponential extra delay, each way */
  double asym;          /* s, extra delay client->server */
  int stratum, leap;
  double root_dispersion;   /* s, as the server reports it */
  bool down;
  bool kod_rate, kod_deny;
  bool custom_proc;     /* use proc (may be negative) instead of the 10 us default */
  double proc;          /* s, transmit minus receive timestamp */
  int precision;        /* log2 s it announces; 0 = -24 */
} MsServer;

typedef struct {
  double arrive_t;      /* true time */
  unsigned src;
  uint8_t pkt[48];
  bool live;
} MsFlight;

typedef struct {
  /* truth */
  double t;             /* true time, s since MS_BASE_NS */
  /* client clock: local reading (s since MS_BASE_NS) = lphase at t_last, then runs at rate */
  double lphase, t_last;
  double err_ppm;       /* the oscillator's own frequency error (positive = fast) */
  double corr_ppm;      /* set by the engine */
  double wander;        /* ppm/s^0.5: random walk of err_ppm per second */
  int64_t deadline;
  MsServer srv[MS_MAX_SERVERS];
  int n_srv;
  MsFlight fl[MS_MAX_INFLIGHT];
  uint64_t rng;
  NtpEngine *e;
  int steps;
  double stepped_total;
  int sent;
  int leap_armed;
  int leap_arm_calls;   /* set_leap calls that armed a leap second (insert or delete) */
  /* A leap second in UTC (0 = none): from true time utc_leap_t on, the servers' clocks read
   * utc_leap s less (1 = an insertion) and announce no leap. A leap second armed in the
   * client's "kernel" (ms_set_leap) is applied when its clock reads the end of that day. */
  int utc_leap;
  double utc_leap_t;
  int64_t kernel_leap_at;   /* the local reading the armed kernel leap applies at, ns; 0 none */
  int kernel_leaps;         /* leap seconds the kernel applied */
  int tai, tai_calls;       /* the TAI offset set_tai gave last, and how often it was called */
  uint64_t last_tx_ts;  /* transmit timestamp of the last request sent */
  int64_t last_tx_now;  /* the local clock when it was sent, ns */
  bool verbose;
} MiniSim;

static double
ms_uniform (MiniSim *m)
{
  m->rng ^= m->rng << 13;
  m->rng ^= m->rng >> 7;
  m->rng ^= m->rng << 17;
  return ((m->rng >> 11) + 0.5) / 9007199254740992.0;
}

static double
ms_exp (MiniSim *m)
{
  return -log (ms_uniform (m));
}

static double
ms_gauss (MiniSim *m)
{
  return sqrt (-2 * log (ms_uniform (m))) * cos (2 * M_PI * ms_uniform (m));
}

static double
ms_local (const MiniSim *m, double t)
{
  return m->lphase + (t - m->t_last) * (1.0 + (m->err_ppm + m->corr_ppm) * 1e-6);
}

static void
ms_advance (MiniSim *m, double t)
{
  m->lphase = ms_local (m, t);
  m->t_last = t;
  m->t = t;
}

/* true error of the client clock: positive = ahead */
static double
ms_error (const MiniSim *m)
{
  return ms_local (m, m->t) - m->t;
}

static int64_t
ms_now (void *ud)
{
  MiniSim *m = ud;
  return MS_BASE_NS + (int64_t) llround (ms_local (m, m->t) * 1e9);
}

static void
ms_send (void *ud, unsigned src, const uint8_t *pkt, size_t len)
{
  MiniSim *m = ud;
  m->sent++;
  if (src >= (unsigned) m->n_srv || len < 48)
    return;
  MsServer *s = &m->srv[src];
  if (s->down)
    return;
  NtpPacket req;
  if (ntp_packet_decode (pkt, len, &req) != NTP_PKT_BAD_MODE)
    return;
  m->last_tx_ts = req.tx_ts;
  m->last_tx_now = ms_now (m);
  double d1 = s->base_delay + s->asym + s->jitter * ms_exp (m);
  double d2 = s->base_delay + s->jitter * ms_exp (m);
  double ts = m->t + d1;
  bool leap_passed = m->utc_leap != 0 && ts >= m->utc_leap_t;
  double server_t = ts + s->offset - (leap_passed ? m->utc_leap : 0);
  int64_t server_ns = MS_BASE_NS + (int64_t) llround (server_t * 1e9);
  NtpPacket rep = { .leap = (uint8_t) (leap_passed ? 0 : s->leap), .version = 4,
                    .mode = NTP_MODE_SERVER,
                    .stratum = (uint8_t) s->stratum, .poll = req.poll,
                    .precision = (int8_t) (s->precision ? s->precision : -24),
                    .root_delay = 0.0, .root_dispersion = s->root_dispersion, .refid = 0x47505300,
                    .org_ts = req.tx_ts };
  rep.ref_ts = ntp_ts_from_ns (server_ns - 1000000000LL);
  rep.rx_ts = ntp_ts_from_ns (server_ns);
  rep.tx_ts = ntp_ts_from_ns (server_ns + (s->custom_proc ? (int64_t) llround (s->proc * 1e9) : 10000));
  if (s->kod_rate || s->kod_deny) {
    rep.stratum = 0;
    rep.leap = 3;
    rep.refid = s->kod_rate ? NTP_KISS_RATE : NTP_KISS_DENY;
  }
  for (int i = 0; i < MS_MAX_INFLIGHT; i++)
    if (!m->fl[i].live) {
      m->fl[i].live = true;
      m->fl[i].src = src;
      m->fl[i].arrive_t = ts + d2 + 10e-6;
      ntp_packet_encode (m->fl[i].pkt, 48, &rep);
      return;
    }
}

static void
ms_arm (void *ud, int64_t deadline)
{
  ((MiniSim *) ud)->deadline = deadline;
}

static void
ms_set_freq (void *ud, double ppm)
{
  MiniSim *m = ud;
  ms_advance (m, m->t);
  m->corr_ppm = ppm;
}

static void
ms_step (void *ud, double off)
{
  MiniSim *m = ud;
  ms_advance (m, m->t);
  m->lphase -= off;
  m->steps++;
  m->stepped_total += off;
}

static void
ms_set_leap (void *ud, NtpLeap leap)
{
  MiniSim *m = ud;
  m->leap_armed = leap;
  m->kernel_leap_at = 0;
  if (leap != NTP_LEAP_NONE) {
    m->leap_arm_calls++;
    /* as the kernel: at the end of the day the clock reads now */
    int64_t day_ns = 86400 * 1000000000LL, now = ms_now (m);
    m->kernel_leap_at = (now / day_ns + 1) * day_ns - (leap == NTP_LEAP_DELETE ? 1000000000LL : 0);
  }
}

static void
ms_set_tai (void *ud, int tai)
{
  MiniSim *m = ud;
  m->tai = tai;
  m->tai_calls++;
}

static void
ms_log (void *ud, int level, const char *msg)
{
  MiniSim *m = ud;
  if (m->verbose)
    fprintf (stderr, "[%10.3f] %d %s\n", m->t, level, msg);
}

static void
ms_init (MiniSim *m, uint64_t seed, double offset0, double err_ppm)
{
  memset (m, 0, sizeof *m);
  m->rng = seed * 2654435761ULL + 88172645463325252ULL;
  m->lphase = offset0;
  m->err_ppm = err_ppm;
  m->deadline = INT64_MAX;
  m->verbose = getenv ("MINISIM_VERBOSE") != NULL;
}

static NtpEnv
ms_env (MiniSim *m)
{
  NtpEnv env = { .now = ms_now, .send = ms_send, .arm_timer = ms_arm, .set_freq = ms_set_freq,
                 .step = ms_step, .set_leap = ms_set_leap, .set_tai = ms_set_tai,
                 .log = ms_log, .ud = m,
                 .max_freq_ppm = 83333.333 };
  return env;
}

/* True time at which the local clock reads `reading` (ns). */
static double
ms_reading_t (const MiniSim *m, int64_t reading)
{
  double target = (double) (reading - MS_BASE_NS) * 1e-9;
  double rate = 1.0 + (m->err_ppm + m->corr_ppm) * 1e-6;
  double t = m->t_last + (target - m->lphase) / rate;
  /* Far from MS_BASE_NS a double holds the local time only to a few ns: make sure the clock
   * really reads the deadline at t, or the timer would fire early and again, forever. */
  double step = 1e-9;
  for (int k = 0; k < 64 && MS_BASE_NS + (int64_t) llround (ms_local (m, t) * 1e9) < reading; k++) {
    t += step;
    step *= 2;
  }
  return t < m->t ? m->t : t;
}

/* True time at which the local clock reads the engine's deadline. */
static double
ms_deadline_t (const MiniSim *m)
{
  return m->deadline == INT64_MAX ? INFINITY : ms_reading_t (m, m->deadline);
}

/* Run until true time `until`; calls cb (if any) every `every` s of true time. */
static void
ms_run (MiniSim *m, double until, double every, void (*cb) (MiniSim *, void *), void *cbdata)
{
  double next_cb = every > 0 ? m->t + every : INFINITY;
  double next_wander = m->wander > 0 ? floor (m->t) + 1.0 : INFINITY;
  while (m->t < until) {
    double t_timer = ms_deadline_t (m);
    int fi = -1;
    double t_fl = INFINITY;
    for (int i = 0; i < MS_MAX_INFLIGHT; i++)
      if (m->fl[i].live && m->fl[i].arrive_t < t_fl) {
        t_fl = m->fl[i].arrive_t;
        fi = i;
      }
    double t_kleap = m->kernel_leap_at ? ms_reading_t (m, m->kernel_leap_at) : INFINITY;
    double t = fmin (fmin (fmin (t_timer, t_fl), fmin (fmin (next_cb, next_wander), until)),
                     t_kleap);
    ms_advance (m, t);
    if (t == t_kleap) {
      /* the kernel's leap: the clock reads the second again (or skips it) */
      m->lphase -= m->leap_armed;
      m->leap_armed = NTP_LEAP_NONE;
      m->kernel_leap_at = 0;
      m->kernel_leaps++;
    } else if (t == next_wander) {
      m->err_ppm += m->wander * ms_gauss (m);
      next_wander += 1.0;
    } else if (t == next_cb) {
      cb (m, cbdata);
      next_cb += every;
    } else if (t == t_fl && fi >= 0) {
      m->fl[fi].live = false;
      ntp_engine_receive (m->e, m->fl[fi].src, ms_now (m), m->fl[fi].pkt, 48);
    } else if (t == t_timer) {
      m->deadline = INT64_MAX;
      ntp_engine_timer (m->e);
    }
  }
}
