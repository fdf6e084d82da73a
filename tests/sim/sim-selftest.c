/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-selftest — unit checks of the simulator's own models, so that a figure the bench prints
 * can be trusted: the PRNG's distributions, the clock's frequency/step/timer arithmetic, the
 * NTP timestamp and header codec, the scenario parser, the network's periodic outages, and the
 * world driven by the built-in SNTP client (which needs no engine): determinism and the
 * physics of a known delay asymmetry. Exit status 0 = all passed. */
#include "sim-clock.h"
#include "sim-ntp.h"
#include "sim-rng.h"
#include "sim-scenario.h"
#include "sim-world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                                       \
  do                                                                                           \
    {                                                                                          \
      if (!(cond))                                                                             \
        {                                                                                      \
          failures++;                                                                          \
          fprintf (stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                     \
          fprintf (stderr, __VA_ARGS__);                                                       \
          fprintf (stderr, "\n");                                                              \
        }                                                                                      \
    }                                                                                          \
  while (0)

static void
test_rng_distributions (void)
{
  SimRng r;
  sim_rng_init (&r, 42, 1);
  const int n = 400000;
  double su = 0, se = 0, se2 = 0, sn = 0, sn2 = 0, sn4 = 0, umin = 1, umax = 0;
  for (int i = 0; i < n; i++)
    {
      double u = sim_rng_uniform (&r);
      su += u;
      umin = fmin (umin, u);
      umax = fmax (umax, u);
      double e = sim_rng_exp (&r);
      se += e;
      se2 += e * e;
      double g = sim_rng_normal (&r);
      sn += g;
      sn2 += g * g;
      sn4 += g * g * g * g;
    }
  /* tolerances ~5 standard errors */
  CHECK (fabs (su / n - 0.5) < 5 * sqrt (1.0 / 12 / n), "uniform mean %f", su / n);
  CHECK (umin >= 0 && umax < 1, "uniform range [%g, %g]", umin, umax);
  CHECK (fabs (se / n - 1.0) < 5 * sqrt (1.0 / n), "Exp(1) mean %f", se / n);
  CHECK (fabs (se2 / n - 2.0) < 0.05, "Exp(1) second moment %f (expected 2)", se2 / n);
  CHECK (fabs (sn / n) < 5 * sqrt (1.0 / n), "normal mean %f", sn / n);
  CHECK (fabs (sn2 / n - 1.0) < 0.02, "normal variance %f", sn2 / n);
  CHECK (fabs (sn4 / n - 3.0) < 0.1, "normal kurtosis %f (expected 3)", sn4 / n);
}

static void
test_rng_streams (void)
{
  SimRng a, b, c;
  sim_rng_init (&a, 7, 1);
  sim_rng_init (&b, 7, 1);
  sim_rng_init (&c, 7, 2);
  int same_ab = 1, same_ac = 0;
  for (int i = 0; i < 100; i++)
    {
      uint64_t x = sim_rng_next (&a), y = sim_rng_next (&b), z = sim_rng_next (&c);
      same_ab &= x == y;
      same_ac += x == z;
    }
  CHECK (same_ab, "same seed and stream give the same sequence");
  CHECK (same_ac == 0, "different streams overlap (%d equal draws)", same_ac);
}

static void
test_clock_model (void)
{
  SimClock c;
  sim_clock_init (&c, 0.5, 100.0, 500.0);
  /* 100 ppm fast: after 1000 s the error has grown by 0.1 s */
  CHECK (fabs (sim_clock_error (&c, 1000) - 0.6) < 1e-12, "error %.12f", sim_clock_error (&c, 1000));
  /* reading = epoch + t + error, in ns */
  int64_t ns = sim_clock_read_ns (&c, 1000);
  int64_t want = (SIM_EPOCH_UNIX + 1000) * 1000000000LL + 600000000LL;
  CHECK (llabs (ns - want) <= 1, "read %lld want %lld", (long long) ns, (long long) want);
  /* a correction of -100 ppm stops the drift from t = 1000 on */
  sim_clock_set_freq (&c, 1000, -100.0);
  CHECK (fabs (sim_clock_error (&c, 5000) - 0.6) < 1e-12, "error after set_freq %.12f", sim_clock_error (&c, 5000));
  /* set_freq is absolute, not cumulative */
  sim_clock_set_freq (&c, 5000, -100.0);
  CHECK (fabs (sim_clock_rate_error (&c)) < 1e-12, "rate %.12f", sim_clock_rate_error (&c));
  /* clipped to max_freq */
  sim_clock_set_freq (&c, 5000, -2000.0);
  CHECK (c.freq_corr == -500.0, "clip gave %f", c.freq_corr);
  sim_clock_set_freq (&c, 5000, -100.0);
  /* step(offset): the clock moves by -offset */
  sim_clock_step (&c, 6000, 0.6);
  CHECK (fabs (sim_clock_error (&c, 6000)) < 1e-12, "error after step %.12f", sim_clock_error (&c, 6000));
  sim_clock_step (&c, 6000, -0.25);
  CHECK (fabs (sim_clock_error (&c, 6000) - 0.25) < 1e-12, "step back %.12f", sim_clock_error (&c, 6000));
  CHECK (c.n_steps == 2 && fabs (c.stepped_total - 0.85) < 1e-12, "steps %u total %f", c.n_steps, c.stepped_total);
  /* wander changes the intrinsic frequency from that instant */
  sim_clock_wander (&c, 7000, 2.0);
  CHECK (fabs (sim_clock_error (&c, 8000) - (0.25 + 1000 * 2e-6)) < 1e-12, "wander %.12f", sim_clock_error (&c, 8000));
}

static void
test_clock_timer_conversion (void)
{
  SimClock c;
  sim_clock_init (&c, 0.0, 0.0, 83333.333);
  sim_clock_set_freq (&c, 0, 50000.0);   /* runs 5 % fast */
  int64_t now = sim_clock_read_ns (&c, 10.0);
  /* 10.5 local seconds later = 10 true seconds later */
  double t = sim_clock_true_time_of (&c, 10.0, now + 10500000000LL);
  CHECK (fabs (t - 20.0) < 2e-9, "true time of deadline %.9f", t);
  /* at that true time the clock reads at least the deadline */
  CHECK (sim_clock_read_ns (&c, t) >= now + 10500000000LL, "reads before deadline");
  /* a deadline in the past fires now */
  CHECK (sim_clock_true_time_of (&c, 10.0, now - 5) == 10.0, "past deadline");
  /* after a step forward the same deadline comes sooner */
  sim_clock_step (&c, 10.0, -1.05);
  double t2 = sim_clock_true_time_of (&c, 10.0, now + 10500000000LL);
  CHECK (fabs (t2 - 19.0) < 2e-9, "after step %.9f", t2);
}

/* With a kernel tick, a set_freq takes effect at the next multiple of the tick, the last one
 * written before it winning; the clock runs at the old rate until then. */
static void
test_clock_tick (void)
{
  SimClock c;
  sim_clock_init (&c, 0.0, 0.0, 83333.333);
  c.tick = 0.01;
  sim_clock_set_freq (&c, 1.003, 1000.0);
  CHECK (c.freq_corr == 0.0 && sim_clock_pending_time (&c) == 1.01 * 1.0,
         "pending until %.6f, rate %f now", sim_clock_pending_time (&c), c.freq_corr);
  sim_clock_set_freq (&c, 1.004, 2000.0);   /* a second write before the tick wins */
  CHECK (fabs (sim_clock_error (&c, 1.01)) < 1e-15, "no change before the tick");
  sim_clock_apply_pending (&c, sim_clock_pending_time (&c));
  CHECK (c.freq_corr == 2000.0 && isinf (sim_clock_pending_time (&c)), "applied %f", c.freq_corr);
  CHECK (fabs (sim_clock_error (&c, 2.01) - 2000e-6) < 1e-12, "one second at 2000 ppm: %.9f",
         sim_clock_error (&c, 2.01));
  /* beyond the limit: clipped and counted */
  sim_clock_set_freq (&c, 3.0, 1e6);
  CHECK (c.n_clipped == 1, "overreach counted: %u", c.n_clipped);
}

static void
test_ntp_codec (void)
{
  /* 1970 + 2208988800 s = 1900: the Unix epoch is NTP second 2208988800 */
  CHECK (sim_ntp_ts_from_ns (0) == (uint64_t) SIM_NTP_UNIX_DELTA << 32, "unix epoch");
  int64_t ns = (SIM_EPOCH_UNIX + 12) * 1000000000LL + 250000000LL;
  uint64_t ts = sim_ntp_ts_from_ns (ns);
  CHECK ((ts & 0xffffffffULL) == 0x40000000ULL, "quarter second fraction %llx", (unsigned long long) (ts & 0xffffffffULL));
  CHECK (llabs (sim_ntp_ts_to_ns (ts) - ns) <= 1, "round trip");
  CHECK (sim_ntp_ts_from_sim (SIM_EPOCH_UNIX, 12.25) == ts, "sim time and ns agree");
  CHECK (fabs (sim_ntp_ts_diff (sim_ntp_ts_from_sim (SIM_EPOCH_UNIX, 100.000001), sim_ntp_ts_from_sim (SIM_EPOCH_UNIX, 100.0)) - 1e-6) < 1e-9, "diff");
  SimNtpPacket p = { .leap = 1, .version = 4, .mode = 4, .stratum = 2, .poll = 6, .precision = -20,
                     .root_delay = 0.5, .root_disp = 0.25, .refid = sim_ntp_refid ("GPS"),
                     .ref_ts = 1, .origin_ts = 2, .receive_ts = 3, .transmit_ts = 4 };
  uint8_t buf[48];
  sim_ntp_encode (&p, buf);
  CHECK (buf[0] == (1 << 6 | 4 << 3 | 4), "first byte %02x", buf[0]);
  CHECK (buf[3] == 0xec, "precision byte %02x", buf[3]);
  CHECK (!memcmp (buf + 12, "GPS", 4), "refid bytes");
  SimNtpPacket q;
  CHECK (!sim_ntp_decode (buf, 47, &q), "short packet accepted");
  CHECK (sim_ntp_decode (buf, 48, &q), "decode");
  CHECK (q.leap == 1 && q.version == 4 && q.mode == 4 && q.stratum == 2 && q.poll == 6 && q.precision == -20
         && q.root_delay == 0.5 && q.root_disp == 0.25 && q.origin_ts == 2 && q.transmit_ts == 4, "fields");
}

static const char *good_scn =
  "# a comment\n"
  "name unit\n"
  "duration 500\n"
  "\n"
  "sample 0.5   # trailing comment\n"
  "window 100 400\n"
  "clock offset 0.1 freq 100 wander 0.001 maxfreq 500\n"
  "conf makestep 1 3\n"
  "drift 99.5 0.25\n"
  "server 10.0.0.1 iburst minpoll 4 | delay-out 3e-3 delay-in 1e-3 jitter 5e-6 dist gauss offset 0.05 leap insert\n"
  "server 10.0.0.2 | rtt 2e-3 asym 1e-3 loss 0.1\n"
  "down 10.0.0.1 50 60\n"
  "kod 10.0.0.2 RATE 70 80\n"
  "spoof 10.0.0.1 offset 2\n"
  "netdown 10 20\n"
  "netperiodic 100 30 200\n"
  "runs 7\n"
  "chrony 35 8\n";

static void
test_scenario_parser (void)
{
  static SimScenario s;
  char err[256];
  CHECK (sim_scenario_parse (&s, good_scn, "unit.scn", err, sizeof err), "parse: %s", err);
  CHECK (!strcmp (s.name, "unit") && s.duration == 500 && s.sample == 0.5, "name/duration/sample");
  CHECK (s.win_from == 100 && s.win_to == 400, "window");
  CHECK (s.clock_offset == 0.1 && s.clock_freq == 100 && s.wander == 0.001 && s.max_freq == 500, "clock");
  CHECK (s.n_conf == 1 && !strcmp (s.conf[0], "makestep 1 3"), "conf '%s'", s.conf[0]);
  CHECK (s.have_drift && s.drift_freq == 99.5 && s.drift_skew == 0.25, "drift");
  CHECK (s.n_servers == 2, "servers %d", s.n_servers);
  const SimServer *a = &s.servers[0], *b = &s.servers[1];
  CHECK (!strcmp (a->line, "server 10.0.0.1 iburst minpoll 4"), "line '%s'", a->line);
  CHECK (a->delay_out == 3e-3 && a->delay_in == 1e-3 && a->jitter_out == 5e-6 && a->dist == SIM_JITTER_GAUSS
         && a->offset == 0.05 && a->leap == 1, "server 1 attributes");
  CHECK (fabs (b->delay_out - 1.5e-3) < 1e-15 && fabs (b->delay_in - 0.5e-3) < 1e-15 && b->loss == 0.1, "rtt/asym %g %g", b->delay_out, b->delay_in);
  CHECK (a->n_down == 1 && a->down[0].from == 50 && b->n_kod == 1 && !strcmp (b->kod[0].code, "RATE"), "down/kod");
  CHECK (a->spoof && a->spoof_offset == 2 && !b->spoof, "spoof");
  CHECK (s.runs == 7 && s.has_chrony && s.chrony_mean == 35 && s.chrony_sd == 8, "runs/chrony");
  /* the network: netdown 10..20, and from 200 on up only in the first 30 s of every 100 s */
  CHECK (sim_scenario_net_up (&s, 5) && !sim_scenario_net_up (&s, 15) && sim_scenario_net_up (&s, 150), "netdown");
  CHECK (sim_scenario_net_up (&s, 210) && !sim_scenario_net_up (&s, 240) && sim_scenario_net_up (&s, 305), "netperiodic");

  const char *bad[] = {
    "server 10.0.0.1 | delay x\n",
    "server 10.0.0.1 | colour blue\n",
    "server 10.0.0.1\ndown 10.0.0.9 1 2\n",
    "server 10.0.0.1\nkod 10.0.0.1 NOPE 1 2\n",
    "duration 100\n",                       /* no server */
    "server 10.0.0.1\nwindow 5\n",
    "server 10.0.0.1\nserver 10.0.0.1\n",
    "server 10.0.0.1\nfrobnicate\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      err[0] = '\0';
      CHECK (!sim_scenario_parse (&s, bad[i], "bad.scn", err, sizeof err), "accepted bad scenario %zu", i);
      CHECK (strstr (err, "bad.scn:") != NULL, "message without location: '%s'", err);
    }
  /* the line number points at the offending line, blank lines counted */
  sim_scenario_parse (&s, "server 10.0.0.1\n\n\nfrobnicate\n", "bad.scn", err, sizeof err);
  CHECK (strstr (err, "bad.scn:4:") != NULL, "line number in '%s'", err);
}

/* ---- the world, driven by the SNTP-style client (no engine needed) ---- */

static const char *world_scn =
  "name world\n"
  "duration 20000\n"
  "clock offset 0.02 freq 10 wander 0.001\n"
  "server 10.0.0.1 | delay 1e-3 jitter 50e-6\n";

typedef struct {
  double sum;
  long n;
  unsigned long hash;
} Collect;

static void
collect (void *ud, double t, double err, double freq)
{
  Collect *c = ud;
  c->n++;
  c->sum += err;
  uint64_t bits;
  memcpy (&bits, &err, sizeof bits);
  c->hash = c->hash * 1000003UL ^ (unsigned long) (bits ^ (bits >> 32));
}

static void
test_world_determinism (void)
{
  static SimScenario s;
  char err[256];
  CHECK (sim_scenario_parse (&s, world_scn, "world.scn", err, sizeof err), "%s", err);
  SimRunOptions opt;
  sim_run_options_init (&opt);
  opt.client = &sim_client_sntp;
  Collect a = { 0 }, b = { 0 }, c = { 0 };
  SimResult ra, rb, rc;
  opt.on_sample = collect;
  opt.seed = 5;
  opt.sample_ud = &a;
  CHECK (sim_run (&s, &opt, &ra), "%s", ra.error);
  opt.sample_ud = &b;
  CHECK (sim_run (&s, &opt, &rb), "%s", rb.error);
  opt.seed = 6;
  opt.sample_ud = &c;
  CHECK (sim_run (&s, &opt, &rc), "%s", rc.error);
  CHECK (a.n == 20001 && b.n == a.n, "samples %ld %ld", a.n, b.n);
  CHECK (a.hash == b.hash && ra.rms == rb.rms && ra.sent == rb.sent, "same seed, different run");
  CHECK (a.hash != c.hash, "different seeds, identical run");
  CHECK (ra.sent > 5 && ra.received == ra.sent, "packets %lu/%lu", ra.sent, ra.received);
}

static void
test_world_asymmetry_physics (void)
{
  /* With 2 ms more delay outbound than back and (almost) no jitter, every measured offset is
   * off by exactly asym/2: an SNTP client that follows each sample must end 1 ms AHEAD. This
   * checks the world's delay, timestamp and sign conventions end to end. */
  static SimScenario s;
  char err[256];
  const char *text = "duration 30000\nwindow 20000 30000\nclock offset 0 freq 0 wander 0\n"
                     "server 10.0.0.1 | delay-out 3e-3 delay-in 1e-3\n";
  CHECK (sim_scenario_parse (&s, text, "asym.scn", err, sizeof err), "%s", err);
  SimRunOptions opt;
  sim_run_options_init (&opt);
  opt.client = &sim_client_sntp;
  SimResult r;
  CHECK (sim_run (&s, &opt, &r), "%s", r.error);
  CHECK (fabs (r.mean - 1e-3) < 20e-6, "mean error %.6f ms, expected +1 ms", r.mean * 1e3);
}

static void
test_world_server_offset_and_down (void)
{
  /* a server 30 ms ahead with no other error: the SNTP client ends ~30 ms ahead; while the
   * server is down no reply comes back */
  static SimScenario s;
  char err[256];
  const char *text = "duration 20000\nwindow 15000 20000\nclock offset 0 freq 0 wander 0\n"
                     "server 10.0.0.1 minpoll 5 maxpoll 5 | delay 1e-3 offset 0.03\n"
                     "down 10.0.0.1 1000 5000\n";
  CHECK (sim_scenario_parse (&s, text, "off.scn", err, sizeof err), "%s", err);
  SimRunOptions opt;
  sim_run_options_init (&opt);
  opt.client = &sim_client_sntp;
  SimResult r;
  CHECK (sim_run (&s, &opt, &r), "%s", r.error);
  CHECK (fabs (r.mean - 0.03) < 1e-4, "mean error %.6f, expected +0.03", r.mean);
  CHECK (r.lost > 0 && r.received < r.sent, "down window lost nothing (%lu lost)", r.lost);
}

static void
test_world_loss (void)
{
  /* 30 % loss each way: about 0.7 × 0.7 = 49 % of the requests get an answer */
  static SimScenario s;
  char err[256];
  const char *text = "duration 4000\nclock offset 0 freq 0 wander 0\n"
                     "server 10.0.0.1 minpoll 0 maxpoll 0 | delay 1e-3 loss 0.3\n";
  CHECK (sim_scenario_parse (&s, text, "loss.scn", err, sizeof err), "%s", err);
  SimRunOptions opt;
  sim_run_options_init (&opt);
  opt.client = &sim_client_sntp;
  SimResult r;
  CHECK (sim_run (&s, &opt, &r), "%s", r.error);
  double got = (double) r.received / (double) r.sent;
  CHECK (r.sent > 2000 && fabs (got - 0.49) < 0.04, "%lu of %lu answered (%.3f, expected 0.49)", r.received, r.sent, got);
  CHECK (r.lost == r.sent - r.received, "lost %lu + received %lu != sent %lu", r.lost, r.received, r.sent);
}

int
main (void)
{
  test_rng_distributions ();
  test_rng_streams ();
  test_clock_model ();
  test_clock_timer_conversion ();
  test_clock_tick ();
  test_ntp_codec ();
  test_scenario_parser ();
  test_world_determinism ();
  test_world_asymmetry_physics ();
  test_world_server_offset_and_down ();
  test_world_loss ();
  if (failures)
    {
      fprintf (stderr, "%d check(s) failed\n", failures);
      return 1;
    }
  printf ("all simulator model checks passed\n");
  return 0;
}
