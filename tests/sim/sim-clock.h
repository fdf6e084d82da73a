/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-clock.h — the simulated client clock.
 *
 * True time t is seconds since the start of the run (t = 0 is SIM_EPOCH_UNIX on the true UTC
 * scale). The clock's reading is true time plus its error, and the error grows at the clock's
 * total frequency error: the intrinsic one (an initial value plus a random walk that the world
 * advances once a second) plus the correction the client sets with set_freq. Between two
 * changes the reading is linear in t, so it is exact at any instant, not only at ticks.
 *
 * Signs follow ntp-engine.h: error positive = the clock is AHEAD of true time; frequency
 * positive = the clock runs FAST.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* 2026-01-01T00:00:00Z: a date inside NTP era 0 with no leap second pending. */
#define SIM_EPOCH_UNIX 1767225600LL

typedef struct {
  int64_t epoch_unix;  /* Unix time of t = 0 (SIM_EPOCH_UNIX unless the scenario says `start`) */
  double t_ref;        /* true time of the last change */
  double err_ref;      /* error (s) at t_ref */
  double freq_int;     /* intrinsic frequency error, ppm */
  double freq_corr;    /* correction set by the client, ppm */
  double max_corr;     /* |freq_corr| is clipped to this (the env's max_freq_ppm) */
  double tick;         /* s: a kernel applies a new frequency at its next tick; 0 = at once */
  bool pending;        /* a set_freq waits for the tick */
  double pending_corr, pending_t;
  unsigned n_steps, n_set_freq;
  unsigned n_clipped;  /* set_freq calls beyond ±max_corr (a client that ignores the limit) */
  double stepped_total; /* sum of |step| */
} SimClock;

void sim_clock_init (SimClock *c, double initial_error, double freq_ppm, double max_corr_ppm);

/* Error (local − true, s) at true time t >= c->t_ref. */
static inline double
sim_clock_error (const SimClock *c, double t)
{
  return c->err_ref + (t - c->t_ref) * (c->freq_int + c->freq_corr) * 1e-6;
}

/* The total frequency error now (ppm): what the clock's rate actually is against true time. */
static inline double
sim_clock_rate_error (const SimClock *c)
{
  return c->freq_int + c->freq_corr;
}

/* The clock's reading at true time t, ns since the Unix epoch. */
int64_t sim_clock_read_ns (const SimClock *c, double t);
/* Move the reference point to t (call before any change of rate). */
void sim_clock_advance (SimClock *c, double t);
/* Change the intrinsic frequency at t (the world's random walk). */
void sim_clock_wander (SimClock *c, double t, double dfreq_ppm);
/* set_freq: absolute correction in ppm, clipped to ±max_corr; with a tick, it takes effect at
 * the next multiple of the tick (the world calls sim_clock_apply_pending then). */
void sim_clock_set_freq (SimClock *c, double t, double corr_ppm);
/* The true time a pending set_freq takes effect, INFINITY if none. */
double sim_clock_pending_time (const SimClock *c);
void sim_clock_apply_pending (SimClock *c, double t);
/* step as NtpEnv defines it: the clock moves by −offset_s. */
void sim_clock_step (SimClock *c, double t, double offset_s);
/* A leap second as the kernel applies it: +1 inserts (the clock goes back 1 s), −1 deletes.
 * Not counted as a step of the client's. */
void sim_clock_leap (SimClock *c, double t, int insert);
/* The true time (>= t_now) at which the clock will read local_ns, assuming no change of rate
 * in between; t_now if it already does. INFINITY if the clock never gets there (rate <= 0). */
double sim_clock_true_time_of (const SimClock *c, double t_now, int64_t local_ns);
