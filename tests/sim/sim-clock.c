/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-clock.c — see sim-clock.h. */
#include "sim-clock.h"

#include <math.h>

void
sim_clock_init (SimClock *c, double initial_error, double freq_ppm, double max_corr_ppm)
{
  c->epoch_unix = SIM_EPOCH_UNIX;
  c->t_ref = 0.0;
  c->err_ref = initial_error;
  c->freq_int = freq_ppm;
  c->freq_corr = 0.0;
  c->max_corr = max_corr_ppm > 0 ? max_corr_ppm : 83333.333;
  c->n_steps = c->n_set_freq = c->n_clipped = 0;
  c->tick = 0.0;
  c->pending = false;
  c->stepped_total = 0.0;
}

int64_t
sim_clock_read_ns (const SimClock *c, double t)
{
  /* Split the epoch off so the double only carries seconds since the start of the run; at a
   * few days that keeps ~0.1 ns of resolution. */
  double local_s = t + sim_clock_error (c, t);
  double whole = floor (local_s);
  int64_t ns = (int64_t) llround ((local_s - whole) * 1e9);
  return (c->epoch_unix + (int64_t) whole) * 1000000000LL + ns;
}

void
sim_clock_advance (SimClock *c, double t)
{
  if (t == c->t_ref)
    return;
  c->err_ref = sim_clock_error (c, t);
  c->t_ref = t;
}

void
sim_clock_wander (SimClock *c, double t, double dfreq_ppm)
{
  sim_clock_advance (c, t);
  c->freq_int += dfreq_ppm;
}

void
sim_clock_set_freq (SimClock *c, double t, double corr_ppm)
{
  sim_clock_advance (c, t);
  if (!isfinite (corr_ppm))
    corr_ppm = 0.0;
  /* a hair of rounding (the client's own arithmetic on the limit) is not overreach */
  if (fabs (corr_ppm) > c->max_corr * (1 + 1e-9))
    c->n_clipped++;
  if (corr_ppm > c->max_corr)
    corr_ppm = c->max_corr;
  if (corr_ppm < -c->max_corr)
    corr_ppm = -c->max_corr;
  c->n_set_freq++;
  if (c->tick > 0)
    {
      /* the kernel reads the new value at its next tick; a later write before then wins */
      c->pending = true;
      c->pending_corr = corr_ppm;
      c->pending_t = (floor (t / c->tick) + 1.0) * c->tick;
      return;
    }
  c->freq_corr = corr_ppm;
}

double
sim_clock_pending_time (const SimClock *c)
{
  return c->pending ? c->pending_t : INFINITY;
}

void
sim_clock_apply_pending (SimClock *c, double t)
{
  if (!c->pending)
    return;
  sim_clock_advance (c, t);
  c->freq_corr = c->pending_corr;
  c->pending = false;
}

void
sim_clock_step (SimClock *c, double t, double offset_s)
{
  sim_clock_advance (c, t);
  if (!isfinite (offset_s))
    return;
  c->err_ref -= offset_s;
  c->n_steps++;
  c->stepped_total += fabs (offset_s);
}

void
sim_clock_leap (SimClock *c, double t, int insert)
{
  sim_clock_advance (c, t);
  c->err_ref -= insert;
}

double
sim_clock_true_time_of (const SimClock *c, double t_now, int64_t local_ns)
{
  int64_t now_ns = sim_clock_read_ns (c, t_now);
  if (local_ns <= now_ns)
    return t_now;
  double rate = 1.0 + sim_clock_rate_error (c) * 1e-6;
  if (rate <= 0.0)
    return INFINITY;
  double dlocal = (double) (local_ns - now_ns) * 1e-9;
  /* +1 ns so that the clock reads at least local_ns when the timer fires, whatever the rounding */
  return t_now + dlocal / rate + 1e-9;
}
