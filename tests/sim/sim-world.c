/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-world.c — the discrete-event loop; see sim-world.h.
 *
 * Time is the TRUE time t (s since the run's start). Things that happen on a fixed grid (the
 * clock's random walk once a second, error samples) are kept out of the event queue; the
 * client's one timer is armed in LOCAL time and converted to true time afresh at every loop
 * turn, so a set_freq or step in between moves it as it would move on a real clock. Packets in
 * flight sit in a binary heap ordered by (arrival time, sequence number), so ties are resolved
 * the same way every run.
 */
#include "sim-world.h"

#include "sim-clock.h"
#include "sim-ntp.h"
#include "sim-rng.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Streams of the PRNG: one per part of the world, so that e.g. the clock's wander does not
 * depend on how many packets the client sends. */
enum { STREAM_CLOCK = 1, STREAM_NET = 2, STREAM_SERVER = 3, STREAM_SPOOF = 4, STREAM_CLIENT = 5 };

/* A loop of timer expiries at one instant means the client re-arms a deadline that has
 * already passed; stop rather than spin. */
#define MAX_TIMERS_AT_ONE_INSTANT 10000
#define MAX_EVENTS_PER_SIM_SECOND 2000.0

typedef struct {
  double t;
  uint64_t seq;
  unsigned src;
  uint8_t len;
  bool forged;
  uint8_t pkt[SIM_NTP_HEADER];
} SimEvent;

typedef struct {
  const SimScenario *scn;
  const SimRunOptions *opt;
  SimResult *res;
  const SimClientOps *ops;
  void *client;
  double t;
  double duration;
  SimClock clock;
  SimRng rng_clock, rng_net, rng_server, rng_spoof, rng_client;
  bool timer_armed;
  int64_t timer_deadline;
  SimEvent *heap;
  size_t heap_len, heap_cap;
  uint64_t seq;
  uint64_t last_origin[SIM_MAX_SERVERS];    /* for the stale-origin forgery */
  bool have_last_origin[SIM_MAX_SERVERS];
  bool failed;
} SimWorld;

static void world_fail (SimWorld *w, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
world_fail (SimWorld *w, const char *fmt, ...)
{
  if (w->failed)
    return;
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (w->res->error, sizeof w->res->error, fmt, ap);
  va_end (ap);
  w->failed = true;
}

/* ---- the event heap ---- */

static bool
ev_less (const SimEvent *a, const SimEvent *b)
{
  return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void
heap_push (SimWorld *w, const SimEvent *ev)
{
  if (w->heap_len == w->heap_cap)
    {
      size_t cap = w->heap_cap ? w->heap_cap * 2 : 64;
      SimEvent *h = realloc (w->heap, cap * sizeof *h);
      if (!h)
        {
          world_fail (w, "out of memory");
          return;
        }
      w->heap = h;
      w->heap_cap = cap;
    }
  size_t i = w->heap_len++;
  w->heap[i] = *ev;
  w->heap[i].seq = w->seq++;
  while (i > 0)
    {
      size_t p = (i - 1) / 2;
      if (!ev_less (&w->heap[i], &w->heap[p]))
        break;
      SimEvent tmp = w->heap[p];
      w->heap[p] = w->heap[i];
      w->heap[i] = tmp;
      i = p;
    }
}

static SimEvent
heap_pop (SimWorld *w)
{
  SimEvent top = w->heap[0];
  w->heap[0] = w->heap[--w->heap_len];
  size_t i = 0;
  for (;;)
    {
      size_t l = 2 * i + 1, r = l + 1, m = i;
      if (l < w->heap_len && ev_less (&w->heap[l], &w->heap[m]))
        m = l;
      if (r < w->heap_len && ev_less (&w->heap[r], &w->heap[m]))
        m = r;
      if (m == i)
        break;
      SimEvent tmp = w->heap[m];
      w->heap[m] = w->heap[i];
      w->heap[i] = tmp;
      i = m;
    }
  return top;
}

/* ---- the network and the servers ---- */

static double
draw_delay (SimWorld *w, double base, double jitter, SimJitterDist dist)
{
  if (jitter <= 0)
    return base;
  double d;
  if (dist == SIM_JITTER_GAUSS)
    {
      /* Gaussian around the base, cut at zero: a packet cannot arrive before it left */
      d = base + jitter * sim_rng_normal (&w->rng_net);
      if (d < 0)
        d = 0;
    }
  else
    d = base + jitter * sim_rng_exp (&w->rng_net);
  return d;
}

static bool
in_windows (const SimWindow *win, int n, double t)
{
  for (int i = 0; i < n; i++)
    if (t >= win[i].from && t < win[i].to)
      return true;
  return false;
}

static const char *
kod_at (const SimServer *s, double t)
{
  for (int i = 0; i < s->n_kod; i++)
    if (t >= s->kod[i].w.from && t < s->kod[i].w.to)
      return s->kod[i].code;
  return NULL;
}

/* A server timestamp as chronyd writes it: the time truncated to the server's precision, the
 * bits below filled with random ones (so that they do not reveal its clock), i.e. off by up
 * to one precision quantum. With a processing time under the precision the transmit timestamp
 * then reads before the receive timestamp about half the time. */
static uint64_t
fill_below_precision (uint64_t ts, int precision, SimRng *rng)
{
  int bits = 32 + precision;   /* fraction bits below the precision */
  if (bits <= 0)
    return ts;
  if (bits > 32)
    bits = 32;
  uint64_t mask = bits >= 64 ? ~0ULL : ((1ULL << bits) - 1);
  return (ts & ~mask) | (sim_rng_next (rng) & mask);
}

/* The server's reply to `req` which reached it at true time t_arr; false if it gives none.
 * Timestamp noise is drawn from `rng` (the server's stream, or the forger's for forgeries, so
 * that leaving the forger out changes nothing else). */
static bool
server_reply (SimWorld *w, const SimServer *s, const SimNtpPacket *req, double t_arr,
              double time_offset, SimRng *rng, uint8_t out[SIM_NTP_HEADER])
{
  /* RFC 5905 §9.2: a server answers client mode (3); versions 1..4 */
  if (req->mode != 3 || req->version < 1 || req->version > 4)
    return false;
  double noise = s->ts_noise > 0 ? s->ts_noise * sim_rng_normal (rng) : 0.0;
  /* servers keep UTC: after a leap second their clocks read one second less (or more) */
  double t2 = t_arr + time_offset + noise + sim_scenario_utc_shift (w->scn, t_arr);
  double t3 = t2 + s->proc;
  /* and they stop announcing it once it has passed */
  bool leap_passed = w->scn->utc_leap && t_arr >= sim_scenario_leap_time (w->scn);
  int64_t ep = w->clock.epoch_unix;
  SimNtpPacket p = {
    .leap = leap_passed && s->leap != 3 ? 0 : s->leap,
    .version = req->version,
    .mode = 4,
    .stratum = s->stratum,
    .poll = req->poll,
    .precision = s->precision,
    .root_delay = s->root_delay,
    .root_disp = s->root_disp,
    .refid = sim_ntp_refid (s->refid),
    .ref_ts = sim_ntp_ts_from_sim (ep, t2 - 16.0),
    .origin_ts = req->transmit_ts,
    .receive_ts = sim_ntp_ts_from_sim (ep, t2),
    .transmit_ts = sim_ntp_ts_from_sim (ep, t3),
  };
  if (s->fill_random)
    {
      p.receive_ts = fill_below_precision (p.receive_ts, s->precision, rng);
      p.transmit_ts = fill_below_precision (p.transmit_ts, s->precision, rng);
    }
  const char *kod = kod_at (s, t_arr);
  if (kod)
    {
      /* RFC 5905 §7.4: Kiss-o'-Death = stratum 0, the code in the refid, LI 3 */
      p.leap = 3;
      p.stratum = 0;
      p.refid = sim_ntp_refid (kod);
    }
  sim_ntp_encode (&p, out);
  return true;
}

static void
schedule_to_client (SimWorld *w, unsigned src, double t, const uint8_t *pkt, bool forged)
{
  SimEvent ev = { .t = t, .src = src, .len = SIM_NTP_HEADER, .forged = forged };
  memcpy (ev.pkt, pkt, SIM_NTP_HEADER);
  heap_push (w, &ev);
}

/* The forger sees the request go out (it is on the path, or guesses the timing) but not its
 * transmit timestamp: it answers first with a random origin, then with the origin of the
 * request before (a stale reply), and it replays the genuine reply once it has passed. All
 * forgeries carry a time `spoof_offset` away from the truth, so accepting any of them shows. */
static void
spoof_request (SimWorld *w, unsigned src, const SimNtpPacket *req, double t_send)
{
  const SimServer *s = &w->scn->servers[src];
  uint8_t out[SIM_NTP_HEADER];
  SimNtpPacket fake = *req;

  fake.transmit_ts = sim_rng_next (&w->rng_spoof);
  if (server_reply (w, s, &fake, t_send + s->delay_out * 0.5, s->offset + s->spoof_offset, &w->rng_spoof, out))
    {
      schedule_to_client (w, src, t_send + s->delay_out * 0.5 + s->delay_in * 0.5, out, true);
      w->res->forged++;
    }
  if (w->have_last_origin[src])
    {
      fake.transmit_ts = w->last_origin[src];
      if (server_reply (w, s, &fake, t_send + s->delay_out * 0.75, s->offset + s->spoof_offset, &w->rng_spoof, out))
        {
          schedule_to_client (w, src, t_send + s->delay_out * 0.75 + s->delay_in * 0.75, out, true);
          w->res->forged++;
        }
    }
}

static void
env_send (void *ud, unsigned src, const uint8_t *pkt, size_t len)
{
  SimWorld *w = ud;
  const SimScenario *scn = w->scn;
  if (src >= (unsigned) scn->n_servers)
    {
      world_fail (w, "client sent to source %u, but there are only %d", src, scn->n_servers);
      return;
    }
  w->res->sent++;
  w->res->sent_to[src]++;
  const SimServer *s = &scn->servers[src];
  SimNtpPacket req;
  if (!sim_ntp_decode (pkt, len, &req))
    return;   /* too short: the server drops it */

  bool spoofing = s->spoof && !w->opt->no_spoof;
  if (spoofing)
    spoof_request (w, src, &req, w->t);
  w->last_origin[src] = req.transmit_ts;
  w->have_last_origin[src] = true;

  /* outbound leg; draws are made whether or not the packet survives, so one server's outage
   * does not shift the random numbers every later packet sees */
  double d_out = draw_delay (w, s->delay_out, s->jitter_out, s->dist);
  double d_in = draw_delay (w, s->delay_in, s->jitter_in, s->dist);
  bool lost_out = s->loss > 0 && sim_rng_uniform (&w->rng_net) < s->loss;
  bool lost_in = s->loss > 0 && sim_rng_uniform (&w->rng_net) < s->loss;
  double t_arr = w->t + d_out;
  if (lost_out || !sim_scenario_net_up (scn, w->t) || in_windows (s->down, s->n_down, t_arr))
    {
      w->res->lost++;
      return;
    }
  uint8_t out[SIM_NTP_HEADER];
  if (!server_reply (w, s, &req, t_arr, s->offset, &w->rng_server, out))
    return;
  double t_leave = t_arr + s->proc;
  if (lost_in || !sim_scenario_net_up (scn, t_leave))
    {
      w->res->lost++;
      return;
    }
  double t_back = t_leave + d_in;
  schedule_to_client (w, src, t_back, out, false);
  if (spoofing)
    {
      /* the replay of the genuine reply: right origin, but a duplicate */
      schedule_to_client (w, src, t_back + 1e-3, out, true);
      w->res->forged++;
    }
}

/* ---- the rest of the env ---- */

static int64_t
env_now (void *ud)
{
  SimWorld *w = ud;
  return sim_clock_read_ns (&w->clock, w->t);
}

static void
env_arm_timer (void *ud, int64_t deadline_ns)
{
  SimWorld *w = ud;
  w->timer_deadline = deadline_ns;
  w->timer_armed = deadline_ns != INT64_MAX;
}

static void
env_set_freq (void *ud, double freq_ppm)
{
  SimWorld *w = ud;
  sim_clock_set_freq (&w->clock, w->t, freq_ppm);
}

static void
env_step (void *ud, double offset_s)
{
  SimWorld *w = ud;
  sim_clock_step (&w->clock, w->t, offset_s);
  if (w->opt->log)
    fprintf (w->opt->log, "%12.3f  [sim] clock stepped by %+.9f s\n", w->t, -offset_s);
}

static void
env_set_leap (void *ud, NtpLeap leap)
{
  SimWorld *w = ud;
  w->res->leap_armed = (int) leap;
  w->res->leap_calls++;
  if (w->opt->log)
    fprintf (w->opt->log, "%12.3f  [sim] leap second armed: %d\n", w->t, (int) leap);
}

/* The client's unpredictable bytes (getrandom(2) in the daemon) come from their own stream,
 * so the world's other draws do not depend on how many the client takes. */
static void
env_get_random (void *ud, void *buf, size_t len)
{
  SimWorld *w = ud;
  uint8_t *b = buf;
  while (len > 0)
    {
      uint64_t v = sim_rng_next (&w->rng_client);
      size_t k = len < sizeof v ? len : sizeof v;
      memcpy (b, &v, k);
      b += k;
      len -= k;
    }
}

static void
env_log (void *ud, int level, const char *msg)
{
  SimWorld *w = ud;
  if (w->opt->log)
    fprintf (w->opt->log, "%12.3f  <%d> %s\n", w->t, level, msg);
}

/* ---- samples and figures ---- */

typedef struct {
  double *err;
  float *freq;
  size_t n, cap;
} Samples;

static bool
samples_add (Samples *s, double err, double freq)
{
  if (s->n == s->cap)
    {
      size_t cap = s->cap ? s->cap * 2 : 4096;
      double *e = realloc (s->err, cap * sizeof *e);
      if (!e)
        return false;
      s->err = e;
      float *f = realloc (s->freq, cap * sizeof *f);
      if (!f)
        return false;
      s->freq = f;
      s->cap = cap;
    }
  s->err[s->n] = err;
  s->freq[s->n] = (float) freq;
  s->n++;
  return true;
}

static void
compute_figures (const SimScenario *scn, double sample, const Samples *sm, SimResult *res)
{
  /* convergence: the first sample after the last one out of bounds */
  long last_bad = -1, last_unsync = -1;
  for (size_t i = 0; i < sm->n; i++)
    {
      double e = fabs (sm->err[i]);
      if (!(e < SIM_CONV_THRESHOLD))
        last_bad = (long) i;
      if (!(e <= SIM_CONV_THRESHOLD) || !(fabs (sm->freq[i]) <= SIM_SYNC_FREQ_LIMIT))
        last_unsync = (long) i;
    }
  res->conv_time = last_bad + 1 >= (long) sm->n ? INFINITY : (last_bad + 1) * sample;
  res->sync_time = last_unsync + 1 >= (long) sm->n ? INFINITY : (last_unsync + 1) * sample;

  res->win_from = scn->win_from >= 0 ? scn->win_from : res->conv_time;
  res->win_to = scn->win_to >= 0 ? fmin (scn->win_to, res->duration) : res->duration;
  double sum = 0, sum2 = 0, maxa = 0, sumf2 = 0, maxf = 0;
  long n = 0;
  for (size_t i = 0; i < sm->n; i++)
    {
      double t = i * sample;
      if (t < res->win_from || t > res->win_to)
        continue;
      double e = sm->err[i], f = sm->freq[i];
      sum += e;
      sum2 += e * e;
      sumf2 += f * f;
      if (fabs (e) > maxa)
        maxa = fabs (e);
      if (fabs (f) > maxf)
        maxf = fabs (f);
      n++;
    }
  res->win_samples = n;
  res->rms = n ? sqrt (sum2 / n) : NAN;
  res->mean = n ? sum / n : NAN;
  res->max_abs = n ? maxa : NAN;
  res->rms_freq = n ? sqrt (sumf2 / n) : NAN;
  res->max_freq = n ? maxf : NAN;
}

void
sim_run_options_init (SimRunOptions *opt)
{
  memset (opt, 0, sizeof *opt);
  opt->seed = 1;
  opt->client = &sim_client_meridian;
}

bool
sim_run (const SimScenario *scn, const SimRunOptions *opt, SimResult *res)
{
  memset (res, 0, sizeof *res);
  SimWorld w = { .scn = scn, .opt = opt, .res = res, .ops = opt->client };
  w.duration = opt->duration > 0 ? opt->duration : scn->duration;
  sim_rng_init (&w.rng_clock, opt->seed, STREAM_CLOCK);
  sim_rng_init (&w.rng_net, opt->seed, STREAM_NET);
  sim_rng_init (&w.rng_server, opt->seed, STREAM_SERVER);
  sim_rng_init (&w.rng_spoof, opt->seed, STREAM_SPOOF);
  sim_rng_init (&w.rng_client, opt->seed, STREAM_CLIENT);
  sim_clock_init (&w.clock, scn->clock_offset, scn->clock_freq, scn->max_freq);
  w.clock.epoch_unix = scn->start_unix;
  w.clock.tick = scn->tick;

  NtpEnv env = {
    .now = env_now,
    .send = env_send,
    .arm_timer = env_arm_timer,
    .set_freq = env_set_freq,
    .step = env_step,
    .set_leap = env_set_leap,
    .log = env_log,
    .ud = &w,
    .max_freq_ppm = scn->max_freq,
    .get_random = env_get_random,
  };
  char err[200] = "";
  w.client = w.ops->create (&env, scn, err, sizeof err);
  if (!w.client)
    {
      snprintf (res->error, sizeof res->error, "%s: %s", w.ops->name, err[0] ? err : "cannot create the client");
      return false;
    }
  res->duration = w.duration;
  w.ops->start (w.client);

  const double sample = scn->sample;
  const double wander = scn->wander;
  long k_sample = 0, k_wander = 1;
  double t_leap = scn->utc_leap ? sim_scenario_leap_time (scn) : INFINITY;
  Samples sm = { 0 };
  double last_timer_t = -1;
  unsigned timers_here = 0;
  double max_events = (w.duration + 1000.0) * MAX_EVENTS_PER_SIM_SECOND;
  double events = 0;

  if (opt->csv)
    fprintf (opt->csv, "t,error_s,freq_error_ppm%s\n",
             w.ops->pending ? ",pending_s,ref_time_ns" : "");

  while (!w.failed)
    {
      double t_sample = k_sample * sample;
      double t_wander = wander > 0 ? (double) k_wander : INFINITY;
      double t_timer = w.timer_armed ? sim_clock_true_time_of (&w.clock, w.t, w.timer_deadline) : INFINITY;
      double t_pkt = w.heap_len ? w.heap[0].t : INFINITY;
      double t_freq = sim_clock_pending_time (&w.clock);
      double t_next = fmin (fmin (fmin (t_sample, t_wander), fmin (t_timer, t_pkt)), fmin (t_leap, t_freq));
      if (t_next > w.duration)
        break;
      if (++events > max_events)
        {
          world_fail (&w, "more than %.0f events per simulated second: the client is looping",
                      MAX_EVENTS_PER_SIM_SECOND);
          break;
        }
      w.t = t_next;
      if (t_next == t_freq)
        {
          /* a kernel tick: the frequency set since the last one takes effect */
          sim_clock_apply_pending (&w.clock, w.t);
        }
      else if (t_next == t_leap)
        {
          /* the end of the UTC day: the kernel applies the leap second the client armed */
          if (w.res->leap_armed)
            {
              sim_clock_leap (&w.clock, w.t, w.res->leap_armed);
              res->leap_applied = w.res->leap_armed;
              if (opt->log)
                fprintf (opt->log, "%12.3f  [sim] kernel applied leap second %+d\n", w.t, w.res->leap_armed);
            }
          t_leap = INFINITY;
        }
      else if (t_next == t_sample)
        {
          /* the error against UTC, which is what the clock should read */
          double e = sim_clock_error (&w.clock, w.t) - sim_scenario_utc_shift (scn, w.t);
          double f = sim_clock_rate_error (&w.clock);
          if (!samples_add (&sm, e, f))
            world_fail (&w, "out of memory");
          if (opt->on_sample)
            opt->on_sample (opt->sample_ud, w.t, e, f);
          if (opt->csv)
            {
              fprintf (opt->csv, "%.3f,%.9e,%.6f", w.t, e, f);
              if (w.ops->pending)
                {
                  int64_t ref = 0;
                  double pend = w.ops->pending (w.client, &ref);
                  fprintf (opt->csv, ",%.9e,%lld", pend, (long long) ref);
                }
              fputc ('\n', opt->csv);
            }
          k_sample++;
        }
      else if (t_next == t_wander)
        {
          /* the random walk of the clock's frequency: + wander × N(0,1) each second */
          sim_clock_wander (&w.clock, w.t, wander * sim_rng_normal (&w.rng_clock));
          k_wander++;
        }
      else if (t_next == t_timer)
        {
          if (w.t - last_timer_t < 1e-6)
            {
              if (++timers_here > MAX_TIMERS_AT_ONE_INSTANT)
                {
                  world_fail (&w, "%s re-armed its timer %u times at t=%.6f without time passing (a deadline in the past?)",
                              w.ops->name, timers_here, w.t);
                  break;
                }
            }
          else
            {
              last_timer_t = w.t;
              timers_here = 0;
            }
          w.timer_armed = false;
          res->timers++;
          w.ops->timer (w.client);
        }
      else
        {
          SimEvent ev = heap_pop (&w);
          int64_t rx = sim_clock_read_ns (&w.clock, w.t);
          if (!ev.forged)
            res->received++;
          w.ops->receive (w.client, ev.src, rx, ev.pkt, ev.len);
        }
    }

  res->final_error = sim_clock_error (&w.clock, fmin (w.t, w.duration)) - sim_scenario_utc_shift (scn, w.t);
  res->n_sources = scn->n_servers;
  for (int i = 0; i < scn->n_servers; i++)
    res->states[i] = w.ops->source_state (w.client, (unsigned) i);
  res->states[scn->n_servers] = '\0';
  res->freq_est = w.ops->freq_estimate (w.client);
  res->freq_true = w.clock.freq_int;
  res->freq_err = res->freq_est - res->freq_true;
  res->steps = w.clock.n_steps;
  res->freq_clipped = w.clock.n_clipped;
  res->step_total = w.clock.stepped_total;
  compute_figures (scn, sample, &sm, res);

  w.ops->destroy (w.client);
  free (w.heap);
  free (sm.err);
  free (sm.freq);
  return !w.failed;
}

static void
fmt_time (char *buf, size_t len, double s)
{
  if (isinf (s))
    snprintf (buf, len, "never");
  else
    snprintf (buf, len, "%.1f s", s);
}

void
sim_result_print (const SimScenario *scn, const SimRunOptions *opt, const SimResult *res, FILE *out)
{
  char conv[32], sync[32];
  fmt_time (conv, sizeof conv, res->conv_time);
  fmt_time (sync, sizeof sync, res->sync_time);
  fprintf (out, "scenario:        %s (seed %" PRIu64 ", client %s%s)\n", scn->name, opt->seed,
           opt->client->name, opt->no_spoof ? ", no spoofer" : "");
  if (res->error[0])
    fprintf (out, "error:           %s\n", res->error);
  if (res->duration <= 0)
    return;   /* the client could not even be set up */
  fprintf (out, "duration:        %.0f s\n", res->duration);
  fprintf (out, "converged:       %s (|error| < 1 ms from then on)\n", conv);
  fprintf (out, "synchronized:    %s (also |freq error| <= 500 ppm)\n", sync);
  fprintf (out, "window:          %.1f .. %.1f s (%ld samples)\n", res->win_from, res->win_to, res->win_samples);
  fprintf (out, "rms error:       %.3f us\n", res->rms * 1e6);
  fprintf (out, "max error:       %.3f us\n", res->max_abs * 1e6);
  fprintf (out, "mean error:      %+.3f us\n", res->mean * 1e6);
  fprintf (out, "rms freq error:  %.6f ppm\n", res->rms_freq);
  fprintf (out, "final error:     %+.3f us\n", res->final_error * 1e6);
  fprintf (out, "frequency:       estimate %+.6f ppm, truth %+.6f ppm, error %+.6f ppm\n",
           res->freq_est, res->freq_true, res->freq_err);
  fprintf (out, "sources:         ");
  for (int i = 0; i < res->n_sources; i++)
    fprintf (out, "%s%c %s", i ? ", " : "", res->states[i], scn->servers[i].addr);
  fprintf (out, "\n");
  fprintf (out, "packets:         %lu sent, %lu genuine replies, %lu forged, %lu lost\n", res->sent,
           res->received, res->forged, res->lost);
  fprintf (out, "steps:           %lu (%.6f s in all)\n", res->steps, res->step_total);
  if (scn->utc_leap || res->leap_calls)
    fprintf (out, "leap second:     UTC %s; client armed %+d (%u calls), applied %+d\n",
             scn->utc_leap > 0 ? "inserts one" : scn->utc_leap < 0 ? "deletes one" : "has none",
             res->leap_armed, res->leap_calls, res->leap_applied);
}
