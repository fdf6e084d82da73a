/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for ntp-discipline: slewing through the frequency, makestep rules, the panic
 * bound, maxchange, frequency estimation, leap second arming, make_step. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "ntp-config.h"
#include "ntp-discipline.h"

#define S 1000000000LL
/* 2024-06-30T12:00:00Z and 2024-06-29T12:00:00Z, Unix seconds (19904 days after 1970). */
#define JUN30 (19904LL * 86400 + 43200)
#define JUN29 (JUN30 - 86400)

typedef struct {
  double freq;
  int n_freq;
  double stepped;
  int n_step;
  NtpLeap leap;
  int n_leap;
  /* set_freq_until's last call */
  int n_until;
  double until_freq, until_then;
  int64_t until_ns;
  /* decay_offset's calls: the last offset and least tau, and whether to refuse */
  int n_decay;
  double decay_offset, decay_min_tau, decay_max_tau;
  bool decay_refuses;
} Fake;

static Fake fake;

static int64_t f_now (void *ud) { (void) ud; return 0; }
static void f_send (void *ud, unsigned s, const uint8_t *p, size_t l) { (void) ud; (void) s; (void) p; (void) l; }
static void f_arm (void *ud, int64_t d) { (void) ud; (void) d; }
static void f_freq (void *ud, double ppm) { (void) ud; fake.freq = ppm; fake.n_freq++; }
static void f_step (void *ud, double off) { (void) ud; fake.stepped += off; fake.n_step++; }
static void f_leap (void *ud, NtpLeap l) { (void) ud; fake.leap = l; fake.n_leap++; }

static void f_until (void *ud, double ppm, int64_t until, double then)
{
  (void) ud;
  fake.until_freq = ppm;
  fake.until_ns = until;
  fake.until_then = then;
  fake.n_until++;
}

/* As the kernel's PLL offers it: tau = 2^(2 + constant) s, constant 0..10. */
static double f_decay (void *ud, double offset, double min_tau, double max_tau)
{
  (void) ud;
  fake.n_decay++;
  fake.decay_offset = offset;
  fake.decay_min_tau = min_tau;
  fake.decay_max_tau = max_tau;
  if (fake.decay_refuses)
    return 0.0;
  double tau = 4.0;
  while (tau < min_tau && tau < 4096.0)
    tau *= 2.0;
  return tau >= min_tau && tau <= max_tau ? tau : 0.0;
}

static const NtpEnv env = { .now = f_now, .send = f_send, .arm_timer = f_arm,
                            .set_freq = f_freq, .step = f_step, .set_leap = f_leap,
                            .max_freq_ppm = 83333.333 };

/* A discipline with `makestep THRESHOLD LIMIT` over the clock `e`, the fake's record cleared. */
static void
setup_disc_env (NtpDiscipline *d, const NtpEnv *e, double threshold, int limit)
{
  memset (&fake, 0, sizeof fake);
  NtpConfig cfg;
  ntp_config_init (&cfg);
  cfg.makestep_threshold = threshold;
  cfg.makestep_limit = limit;
  ntp_discipline_init (d, e, &cfg);
}

static void
setup_disc (NtpDiscipline *d, double threshold, int limit)
{
  setup_disc_env (d, &env, threshold, limit);
}

static NtpDisciplineInput
input (double offset)
{
  NtpDisciplineInput in = { .offset = offset, .offset_sd = 1e-6, .freq = 0, .skew = 1e-6 };
  return in;
}

static void
small_offset_is_slewed_through_frequency (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  setup_disc (&d, 1.0, 3);
  NtpDisciplineInput in = input (0.01);
  assert_int_equal (ntp_discipline_update (&d, 0, &in, &chg), NTP_DISCIPLINE_SLEWED);
  assert_int_equal (fake.n_step, 0);
  /* clock ahead -> slowed down */
  assert_true (fake.freq < 0);
  assert_true (fabs (chg.doffset - 0.01) < 1e-15);
  assert_true (fabs (ntp_discipline_pending (&d, 0) - 0.01) < 1e-12);
  int64_t end = ntp_discipline_deadline (&d);
  assert_true (end > 0 && end < INT64_MAX);
  /* The extra frequency e over the slew must remove exactly 0.01 s: relative to the base
   * rate the clock gains e/(1+e) s per second it reads (base 0 here). */
  double e = fake.freq * 1e-6;
  double removed = -(double) end * 1e-9 * e / (1 + e);
  assert_true (fabs (removed - 0.01) < 1e-9);
  /* halfway, half is left */
  assert_true (fabs (ntp_discipline_pending (&d, end / 2) - 0.005) < 1e-9);
  ntp_discipline_timer (&d, end);
  assert_true (ntp_discipline_deadline (&d) == INT64_MAX);
  assert_true (fake.freq == 0.0);
  assert_true (ntp_discipline_pending (&d, end + S) == 0.0);
}

static void
slew_rate_is_capped (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  setup_disc (&d, 0, 0);
  d.cfg.maxslewrate = 500;
  d.max_rate = 500e-6;
  NtpDisciplineInput in = input (-0.5);
  assert_int_equal (ntp_discipline_update (&d, 0, &in, &chg), NTP_DISCIPLINE_SLEWED);
  assert_true (fabs (fake.freq - 500.0) < 1e-6);
  /* 0.5 s at 500 ppm takes (about) 1000 s */
  double dur = (double) ntp_discipline_deadline (&d) * 1e-9;
  assert_true (fabs (dur - 1000.5) < 1.0);
}

/* chrony's corrtimeratio rule, as a configured `corrtimeratio 3` asks for it. */
static void
setup_chrony_rule (NtpDiscipline *d)
{
  setup_disc (d, 0, 0);
  d->cfg.corrtimeratio = 3.0;
}

/* By default an offset is removed at once, however far the next transmission: as fast as
 * the oscillator's tolerance (maxclockerror, 1 ppm) allows, or chrony's rule where that is
 * faster (an offset of 1e-4 s known to 1e-6 found 1024 s after the last update: 3 x 1e-6 x
 * 1024 / (2 x 1e-4) = 15.36 s), never under the kernel's 1 s; a timer of its own ends it. */
static void
slew_is_at_once_by_default (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  int64_t t0 = 1000 * S, t = t0 + 1024 * S;
  const double offsets[] = { 1e-7, 1e-6, 1e-5, 1e-4, -1e-3 };
  const double durs[] = { 1.0, 1.0, 10.0, 15.36, 1.536 };
  for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
    setup_disc (&d, 0, 0);
    NtpDisciplineInput in = input (0.0);
    ntp_discipline_update (&d, t0, &in, &chg);
    in = input (offsets[i]);
    in.next_wake_ns = t + 1024 * S;
    assert_int_equal (ntp_discipline_update (&d, t, &in, &chg), NTP_DISCIPLINE_SLEWED);
    double dur = (double) (ntp_discipline_deadline (&d) - t) * 1e-9;
    assert_true (fabs (dur - durs[i]) < 1e-6);
    int64_t half = t + (int64_t) (durs[i] * 0.5e9);
    assert_true (fabs (ntp_discipline_pending (&d, half) - offsets[i] / 2) < 1e-12);
    double e = fake.freq * 1e-6;
    assert_true (fabs (-e / (1 + e) - offsets[i] / durs[i]) < 1e-12);
    ntp_discipline_timer (&d, ntp_discipline_deadline (&d));
    assert_true (fake.freq == 0.0);
    assert_true (ntp_discipline_pending (&d, t + 20 * S) == 0.0);
  }
}

static void
slew_ends_at_the_next_wake_up_when_that_costs_little (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  /* With chrony's rule configured. An offset as large as its SD: the rule's 1 s slew (first update, no interval yet) ends at
   * the engine's next transmission, 64 s on, instead of needing a timer of its own; the
   * correction is still exactly the offset, by the end. */
  setup_chrony_rule (&d);
  NtpDisciplineInput in = input (1e-6);
  in.next_wake_ns = 64 * S;
  assert_int_equal (ntp_discipline_update (&d, 0, &in, &chg), NTP_DISCIPLINE_SLEWED);
  assert_true (ntp_discipline_deadline (&d) == 64 * S);
  assert_true (fabs (ntp_discipline_pending (&d, 32 * S) - 0.5e-6) < 1e-12);
  double e = fake.freq * 1e-6;
  assert_true (fabs (-64.0 * e / (1 + e) - 1e-6) < 1e-12);
  /* A thousand times its SD: stretched, it would be the larger error for most of the
   * interval; it is removed within the rule's second. */
  setup_chrony_rule (&d);
  in = input (1e-3);
  in.next_wake_ns = 64 * S;
  assert_int_equal (ntp_discipline_update (&d, 0, &in, &chg), NTP_DISCIPLINE_SLEWED);
  assert_true (ntp_discipline_deadline (&d) == S);
  /* No wake-up known: the rule alone. */
  setup_chrony_rule (&d);
  in = input (1e-6);
  assert_int_equal (ntp_discipline_update (&d, 0, &in, &chg), NTP_DISCIPLINE_SLEWED);
  assert_true (ntp_discipline_deadline (&d) == S);
}

/* With chrony's rule configured, an offset as large as its SD found 1024 s after the last
 * update: chrony's rule (ratio 3)
 * would slew it over 3 x 1e-6 x 1024 / (2 x 1e-6) = 1536 s, past the next transmission at
 * 1024 s, where the next update measures again whatever is left. The slew ends at that
 * transmission instead, removing the whole offset by then. */
static void
slew_does_not_outlast_the_next_transmission (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  /* (the first update at 1000 s: a last update at time 0 reads as none) */
  int64_t t0 = 1000 * S, t = t0 + 1024 * S;
  setup_chrony_rule (&d);
  NtpDisciplineInput in = input (0.0);
  assert_int_equal (ntp_discipline_update (&d, t0, &in, &chg), NTP_DISCIPLINE_SLEWED);
  in = input (1e-6);
  in.next_wake_ns = t + 1024 * S;
  assert_int_equal (ntp_discipline_update (&d, t, &in, &chg), NTP_DISCIPLINE_SLEWED);
  assert_true (ntp_discipline_deadline (&d) == t + 1024 * S);
  assert_true (fabs (ntp_discipline_pending (&d, t + 512 * S) - 0.5e-6) < 1e-12);
  /* No transmission known: the rule alone (1536 s). */
  setup_chrony_rule (&d);
  in = input (0.0);
  ntp_discipline_update (&d, t0, &in, &chg);
  in = input (1e-6);
  assert_int_equal (ntp_discipline_update (&d, t, &in, &chg), NTP_DISCIPLINE_SLEWED);
  double dur = (double) (ntp_discipline_deadline (&d) - t) * 1e-9;
  assert_true (fabs (dur - 1536.0) < 1e-3);
}

/* A clock that ends its slews itself (set_freq_until) gets the whole slew in one call: the
 * same plan as the timer would have run, and no deadline for its end, so ending it costs no
 * wake-up. The pending offset follows the same line. */
/* A clock that removes an offset itself (decay_offset, the kernel's PLL) gets the whole
 * offset, with tau within a factor sqrt 2 of the one whose mean square left equals the
 * timer's plan (2/3 of its duration), and a longer one only while what it adds stays within
 * the estimate's variance;
 * no deadline. What is left follows the kernel's arithmetic: nothing before the clock's next
 * whole second, then 1/tau of the rest over each second. A step or a refusal takes the
 * offset back; a large first offset, which the kernel's shortest tau would take 20 s to
 * remove, is slewed through the frequency at the full rate. */
static void
clock_that_decays_offsets_gets_the_offset_and_no_deadline (void **state)
{
  (void) state;
  NtpEnv decay_env = env;
  NtpDiscipline d, timed;
  NtpClockChange chg;
  const int64_t t0 = 100 * S + 300000000;   /* 0.7 s before a whole second */
  const double p0 = 2e-6;

  decay_env.decay_offset = f_decay;
  setup_disc (&timed, 1.0, 3);
  NtpDisciplineInput in = input (p0);
  in.next_wake_ns = t0 + 16 * S;
  assert_int_equal (ntp_discipline_update (&timed, t0, &in, &chg), NTP_DISCIPLINE_SLEWED);
  double planned_s = (double) (ntp_discipline_deadline (&timed) - t0) * 1e-9;

  setup_disc_env (&d, &decay_env, 1.0, 3);
  int n_freq_at_init = fake.n_freq;
  assert_int_equal (ntp_discipline_update (&d, t0, &in, &chg), NTP_DISCIPLINE_SLEWED);
  assert_int_equal (fake.n_decay, 1);
  assert_true (fake.decay_offset == p0);
  assert_true (fabs (fake.decay_min_tau - sqrt (0.5) * 2.0 * planned_s / 3.0) < 1e-6);
  /* tau 4 adds p0^2 (4/2 - planned/3) / 16 s of mean square: within sd^2 = (1 us)^2. */
  assert_true (fake.decay_max_tau >= 4.0);
  const double tau = 4.0;
  /* No extra frequency, no timer. */
  assert_true (fake.freq == 0.0);
  assert_true (ntp_discipline_deadline (&d) == INT64_MAX);
  assert_true (ntp_discipline_pending (&d, t0 + 600000000) == p0);
  assert_true (fabs (ntp_discipline_pending (&d, t0 + 1200000000) - p0 * (1.0 - 0.5 / tau))
               < 1e-18);
  assert_true (fabs (ntp_discipline_pending (&d, t0 + 2700000000LL)
                     - p0 * (1.0 - 1.0 / tau) * (1.0 - 1.0 / tau)) < 1e-18);
  ntp_discipline_timer (&d, t0 + 1000 * S);
  assert_int_equal (fake.n_freq, n_freq_at_init + 1);
  assert_true (ntp_discipline_pending (&d, t0 + 1000 * S) < 1e-18);

  /* The next update hands over the sum of what is left and the new offset. */
  double left = ntp_discipline_pending (&d, t0 + 2700000000LL);
  in = input (-1e-6);
  in.next_wake_ns = t0 + 18 * S;
  assert_int_equal (ntp_discipline_update (&d, t0 + 2700000000LL, &in, &chg),
                    NTP_DISCIPLINE_SLEWED);
  assert_int_equal (fake.n_decay, 2);
  assert_true (fabs (fake.decay_offset - (left - 1e-6)) < 1e-18);

  /* makestep steps what is left and cancels the kernel's offset. */
  left = ntp_discipline_pending (&d, t0 + 3 * S);
  ntp_discipline_make_step (&d, t0 + 3 * S, &chg);
  assert_int_equal (fake.n_step, 1);
  assert_true (fabs (fake.stepped - left) < 1e-18);
  assert_int_equal (fake.n_decay, 3);
  assert_true (fake.decay_offset == 0.0);
  assert_true (ntp_discipline_pending (&d, t0 + 4 * S) == 0.0);

  /* 0.1 s, planned over about a second at the full rate: the decay would leave 1 ms after
   * 16 s, which the estimate's variance does not cover; through the frequency. */
  in = input (0.1);
  in.next_wake_ns = t0 + 26 * S;
  assert_int_equal (ntp_discipline_update (&d, t0 + 10 * S, &in, &chg), NTP_DISCIPLINE_SLEWED);
  assert_int_equal (fake.n_decay, 4);
  assert_true (fake.decay_max_tau < 4.0);
  assert_true (fake.freq < -1000.0);
  int64_t end = ntp_discipline_deadline (&d);
  assert_true (end < t0 + 12 * S);
  assert_true (fabs (ntp_discipline_pending (&d, t0 + 10 * S) - 0.1) < 1e-12);
  ntp_discipline_timer (&d, end);
  assert_true (fake.freq == 0.0);

  /* A clock that refuses (the kernel's PLL off, an offset over MAXPHASE) is slewed through
   * the frequency, with the timer's deadline. */
  fake.decay_refuses = true;
  in = input (p0);
  in.next_wake_ns = t0 + 46 * S;
  assert_int_equal (ntp_discipline_update (&d, t0 + 30 * S, &in, &chg), NTP_DISCIPLINE_SLEWED);
  assert_int_equal (fake.n_decay, 5);
  assert_true (fake.freq < 0.0);
  assert_true (ntp_discipline_deadline (&d) < INT64_MAX);
}

static void
clock_that_ends_slews_gets_the_whole_slew_and_no_deadline (void **state)
{
  (void) state;
  NtpEnv until_env = env;
  NtpDiscipline d, timed;
  NtpClockChange chg;

  until_env.set_freq_until = f_until;
  setup_disc (&timed, 1.0, 3);
  NtpDisciplineInput in = input (0.01);
  assert_int_equal (ntp_discipline_update (&timed, 0, &in, &chg), NTP_DISCIPLINE_SLEWED);
  int64_t end = ntp_discipline_deadline (&timed);
  double slew_freq = fake.freq;

  setup_disc_env (&d, &until_env, 1.0, 3);
  int n_freq_at_init = fake.n_freq;
  assert_int_equal (ntp_discipline_update (&d, 0, &in, &chg), NTP_DISCIPLINE_SLEWED);
  assert_int_equal (fake.n_until, 1);
  assert_true (fake.until_freq == slew_freq);
  assert_true (fake.until_ns == end);
  assert_true (fake.until_then == 0.0);
  assert_int_equal (fake.n_freq, n_freq_at_init);
  /* No timer for the end of the slew. */
  assert_true (ntp_discipline_deadline (&d) == INT64_MAX);
  assert_true (fabs (ntp_discipline_pending (&d, end / 2) - 0.005) < 1e-9);
  assert_true (ntp_discipline_pending (&d, end) == 0.0);
  /* The engine's timer for something else, after the end, sets nothing: the clock did. */
  ntp_discipline_timer (&d, end + S);
  assert_int_equal (fake.n_freq, n_freq_at_init);
  assert_int_equal (fake.n_until, 1);
  /* A step ends a slew at once, through the plain call. */
  in = input (0.01);
  assert_int_equal (ntp_discipline_update (&d, end + 2 * S, &in, &chg), NTP_DISCIPLINE_SLEWED);
  assert_int_equal (fake.n_until, 2);
  ntp_discipline_make_step (&d, end + 3 * S, &chg);
  assert_true (fake.n_freq > n_freq_at_init);
  assert_true (fake.freq == 0.0);
}

static void
makestep_steps_only_in_first_updates (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  setup_disc (&d, 1.0, 3);
  NtpDisciplineInput big = input (2.5), small = input (0.5);
  /* update 1: 0.5 s is under the threshold: slewed */
  assert_int_equal (ntp_discipline_update (&d, 0, &small, &chg), NTP_DISCIPLINE_SLEWED);
  /* update 2: 2.5 s is over it and within the first 3: stepped, including what was still
   * being slewed (all of the 0.5 s at this instant) */
  assert_int_equal (ntp_discipline_update (&d, 0, &big, &chg), NTP_DISCIPLINE_STEPPED);
  assert_int_equal (fake.n_step, 1);
  assert_true (fabs (fake.stepped - 3.0) < 1e-9);
  assert_true (chg.stepped && fabs (chg.raw_step - 3.0) < 1e-9);
  assert_true (fabs (chg.doffset - 2.5) < 1e-9);
  assert_true (ntp_discipline_pending (&d, 0) == 0.0);
  /* update 3 may still step */
  assert_int_equal (ntp_discipline_update (&d, S, &big, &chg), NTP_DISCIPLINE_STEPPED);
  /* update 4: no more steps; 2.5 s is slewed */
  assert_int_equal (ntp_discipline_update (&d, 2 * S, &big, &chg), NTP_DISCIPLINE_SLEWED);
  assert_int_equal (fake.n_step, 2);
}

/* chronyc makestep THRESHOLD LIMIT: its LIMIT counts the updates from the command on (chronyd's
 * countdown is set anew), whatever the configuration's had used up; a threshold of 0 with limit
 * 0 stops stepping at once. */
static void
runtime_makestep_counts_its_limit_from_the_change (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  setup_disc (&d, 1.0, 1);
  NtpDisciplineInput big = input (2.5);
  assert_int_equal (ntp_discipline_update (&d, 0, &big, &chg), NTP_DISCIPLINE_STEPPED);
  for (int i = 1; i <= 4; i++)
    assert_int_equal (ntp_discipline_update (&d, i * S, &big, &chg), NTP_DISCIPLINE_SLEWED);
  ntp_discipline_set_makestep (&d, 2.0, 2);
  assert_int_equal (ntp_discipline_update (&d, 5 * S, &big, &chg), NTP_DISCIPLINE_STEPPED);
  assert_int_equal (ntp_discipline_update (&d, 6 * S, &big, &chg), NTP_DISCIPLINE_STEPPED);
  assert_int_equal (ntp_discipline_update (&d, 7 * S, &big, &chg), NTP_DISCIPLINE_SLEWED);
  assert_int_equal (fake.n_step, 3);
  /* under the new threshold (what is still being slewed counts too: at most 2.5 + 2.5 s):
   * slewed even within a new limit */
  ntp_discipline_set_makestep (&d, 5.5, -1);
  assert_int_equal (ntp_discipline_update (&d, 8 * S, &big, &chg), NTP_DISCIPLINE_SLEWED);
  ntp_discipline_set_makestep (&d, 0.0, 0);
  assert_false (ntp_discipline_step_allowed (&d, 1e3));
  assert_int_equal (fake.n_step, 3);
}

/* chrony's initstepslew THRESHOLD: the first update steps an offset over the threshold (and
 * one under it is slewed), whatever makestep says; no later update steps for it. With
 * makestep as well, each rule steps when it allows. */
static void
initstepslew_steps_the_first_update_only (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  NtpConfig cfg;
  char err[100];
  NtpDisciplineInput big = input (25.0), small = input (5.0);
  for (int over = 0; over < 2; over++) {
    memset (&fake, 0, sizeof fake);
    ntp_config_init (&cfg);
    assert_int_equal (ntp_config_parse_line (&cfg, "initstepslew 10 foo.example.net bar.example.net",
                                             err, sizeof err), 1);
    assert_true (cfg.initstepslew_threshold == 10.0);
    ntp_discipline_init (&d, &env, &cfg);
    assert_int_equal (ntp_discipline_update (&d, 0, over ? &big : &small, &chg),
                      over ? NTP_DISCIPLINE_STEPPED : NTP_DISCIPLINE_SLEWED);
    assert_int_equal (fake.n_step, over);
    /* the second update is slewed, however large */
    assert_int_equal (ntp_discipline_update (&d, S, &big, &chg), NTP_DISCIPLINE_SLEWED);
    assert_int_equal (fake.n_step, over);
  }
  /* beside makestep 1 3: 5 s is under initstepslew's 10 but over makestep's 1 */
  memset (&fake, 0, sizeof fake);
  ntp_config_init (&cfg);
  assert_int_equal (ntp_config_parse_line (&cfg, "initstepslew 10", err, sizeof err), 1);
  cfg.makestep_threshold = 1.0;
  cfg.makestep_limit = 3;
  ntp_discipline_init (&d, &env, &cfg);
  assert_int_equal (ntp_discipline_update (&d, 0, &small, &chg), NTP_DISCIPLINE_STEPPED);
  /* bad lines are refused and change nothing */
  const char *bad[] = { "initstepslew", "initstepslew -1 foo", "initstepslew ten foo" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ntp_config_init (&cfg);
    assert_int_equal (ntp_config_parse_line (&cfg, bad[i], err, sizeof err), -1);
    assert_true (cfg.initstepslew_threshold == 0.0);
  }
}

static void
makestep_limit_minus_one_always_steps (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  setup_disc (&d, 0.1, -1);
  NtpDisciplineInput in = input (0.2);
  for (int i = 0; i < 20; i++)
    assert_int_equal (ntp_discipline_update (&d, i * S, &in, &chg), NTP_DISCIPLINE_STEPPED);
  assert_int_equal (fake.n_step, 20);
}

static void
panic_bound_refuses_huge_offsets_without_makestep (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  setup_disc (&d, 0, 0);
  NtpDisciplineInput in = input (5000.0);
  assert_int_equal (ntp_discipline_update (&d, 0, &in, &chg), NTP_DISCIPLINE_REFUSED_PANIC);
  assert_int_equal (fake.n_step, 0);
  assert_true (ntp_discipline_pending (&d, 0) == 0.0);
  assert_int_equal (d.updates, 0);
  /* just under the bound it is (slowly) slewed */
  in.offset = 999.0;
  assert_int_equal (ntp_discipline_update (&d, 0, &in, &chg), NTP_DISCIPLINE_SLEWED);
  /* with makestep allowing it, 5000 s is stepped */
  setup_disc (&d, 1.0, 1);
  in.offset = 5000.0;
  assert_int_equal (ntp_discipline_update (&d, 0, &in, &chg), NTP_DISCIPLINE_STEPPED);
  assert_true (fabs (fake.stepped - 5000.0) < 1e-6);
  /* but not after the limit */
  assert_int_equal (ntp_discipline_update (&d, 0, &in, &chg), NTP_DISCIPLINE_REFUSED_PANIC);
}

static void
maxchange_and_bogus_input_refused (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  setup_disc (&d, 0, 0);
  d.cfg.maxchange_offset = 0.1;
  NtpDisciplineInput in = input (0.2);
  assert_int_equal (ntp_discipline_update (&d, 0, &in, &chg), NTP_DISCIPLINE_REFUSED_MAXCHANGE);
  in.offset = NAN;
  assert_int_equal (ntp_discipline_update (&d, 0, &in, &chg), NTP_DISCIPLINE_REFUSED_BOGUS);
  in.offset = 0.01;
  in.skew = INFINITY;
  assert_int_equal (ntp_discipline_update (&d, 0, &in, &chg), NTP_DISCIPLINE_REFUSED_BOGUS);
}

/* maxchange OFFSET START IGNORE as chronyd reads it: START updates unchecked, then IGNORE
 * larger offsets ignored, and the next one ends the adjustment for good. */
static void
maxchange_start_and_ignore (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  NtpConfig cfg;
  ntp_config_init (&cfg);
  char err[200];
  assert_int_equal (ntp_config_parse_line (&cfg, "maxchange 0.1 1 2", err, sizeof err), 1);
  memset (&fake, 0, sizeof fake);
  ntp_discipline_init (&d, &env, &cfg);
  NtpDisciplineInput big = input (0.5), over = input (-0.2), small = input (0.01);
  /* START 1: the first update may be large */
  assert_int_equal (ntp_discipline_update (&d, 0, &big, &chg), NTP_DISCIPLINE_SLEWED);
  /* IGNORE 2: two larger offsets ignored, smaller ones still taken in between */
  assert_int_equal (ntp_discipline_update (&d, 1000000000, &over, &chg), NTP_DISCIPLINE_REFUSED_MAXCHANGE);
  assert_int_equal (ntp_discipline_update (&d, 2000000000, &small, &chg), NTP_DISCIPLINE_SLEWED);
  assert_int_equal (ntp_discipline_update (&d, 3000000000, &over, &chg), NTP_DISCIPLINE_REFUSED_MAXCHANGE);
  assert_false (ntp_discipline_halted (&d));
  /* the third ends it: chronyd exits, the core stops adjusting the clock */
  assert_int_equal (ntp_discipline_update (&d, 4000000000, &over, &chg), NTP_DISCIPLINE_REFUSED_MAXCHANGE);
  assert_true (ntp_discipline_halted (&d));
  int n_freq = fake.n_freq;
  assert_int_equal (ntp_discipline_update (&d, 5000000000, &small, &chg), NTP_DISCIPLINE_REFUSED_MAXCHANGE);
  assert_int_equal (fake.n_freq, n_freq);

  /* IGNORE -1: ignored forever, never halted */
  assert_int_equal (ntp_config_parse_line (&cfg, "maxchange 0.1 0 -1", err, sizeof err), 1);
  ntp_discipline_init (&d, &env, &cfg);
  for (int i = 0; i < 20; i++)
    assert_int_equal (ntp_discipline_update (&d, i * 1000000000LL, &over, &chg),
                      NTP_DISCIPLINE_REFUSED_MAXCHANGE);
  assert_false (ntp_discipline_halted (&d));
  assert_int_equal (ntp_discipline_update (&d, 30000000000LL, &small, &chg), NTP_DISCIPLINE_SLEWED);
  /* a step is checked too: START 0, IGNORE 0, makestep allowed */
  assert_int_equal (ntp_config_parse_line (&cfg, "maxchange 0.1 0 0", err, sizeof err), 1);
  assert_int_equal (ntp_config_parse_line (&cfg, "makestep 0.1 -1", err, sizeof err), 1);
  memset (&fake, 0, sizeof fake);
  ntp_discipline_init (&d, &env, &cfg);
  assert_int_equal (ntp_discipline_update (&d, 0, &big, &chg), NTP_DISCIPLINE_REFUSED_MAXCHANGE);
  assert_int_equal (fake.n_step, 0);
  assert_true (ntp_discipline_halted (&d));
}

static void
frequency_follows_the_estimate (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  setup_disc (&d, 0, 0);
  /* Without history (skew 1.0) the first estimate is taken almost whole: a clock 23 ppm
   * slow (it loses: freq -23e-6) gets +23 ppm of correction. */
  NtpDisciplineInput in = { .offset = 0, .offset_sd = 1e-6, .freq = -23e-6, .skew = 0.1e-6 };
  ntp_discipline_update (&d, 0, &in, &chg);
  assert_true (fabs (ntp_discipline_freq_ppm (&d) - (-23.0)) < 1e-3);
  assert_true (fabs (chg.dfreq - 23e-6) < 1e-9);
  /* A second estimate with the same skew as ours now counts 1:1 (inverse variance; chrony
   * counts the new one 3:1): a residual of +1 ppm moves us by 0.5 ppm. (At the same instant:
   * over time our own estimate ages, see old_frequency_estimate_ages_with_the_gap.) */
  d.skew = 0.1e-6;
  in.freq = 1e-6;
  ntp_discipline_update (&d, 0, &in, &chg);
  assert_true (fabs (ntp_discipline_freq_ppm (&d) - (-23.0 + 0.5)) < 1e-6);
  assert_true (fabs (d.residual_freq - 0.5e-6) < 1e-12);
  /* A skew over maxupdateskew changes nothing */
  double before = ntp_discipline_freq_ppm (&d);
  in.skew = 2000e-6;
  in.freq = 100e-6;
  ntp_discipline_update (&d, 32 * S, &in, &chg);
  assert_true (ntp_discipline_freq_ppm (&d) == before);
}

static void
drift_file_sets_initial_frequency (void **state)
{
  (void) state;
  memset (&fake, 0, sizeof fake);
  NtpConfig cfg;
  ntp_config_init (&cfg);
  cfg.have_drift = true;
  cfg.initial_freq_ppm = -23.054;   /* the clock runs 23.054 ppm slow */
  cfg.initial_skew_ppm = 0.05;
  NtpDiscipline d;
  ntp_discipline_init (&d, &env, &cfg);
  assert_true (fabs (fake.freq - 23.054) < 1e-9);
  assert_true (fabs (ntp_discipline_freq_ppm (&d) + 23.054) < 1e-9);
  assert_true (fabs (d.skew - 0.05e-6) < 1e-15);
}

static void
leap_armed_only_on_june_30_or_december_31 (void **state)
{
  (void) state;
  NtpDiscipline d;
  setup_disc (&d, 0, 0);
  ntp_discipline_set_leap (&d, JUN29 * S, NTP_LEAP_INSERT);
  assert_int_equal (fake.n_leap, 0);
  ntp_discipline_set_leap (&d, JUN30 * S, NTP_LEAP_INSERT);
  assert_int_equal (fake.leap, NTP_LEAP_INSERT);
  assert_int_equal (fake.n_leap, 1);
  /* repeated votes change nothing */
  ntp_discipline_set_leap (&d, JUN30 * S + S, NTP_LEAP_INSERT);
  assert_int_equal (fake.n_leap, 1);
  /* the vote is withdrawn: disarmed */
  ntp_discipline_set_leap (&d, JUN30 * S + 2 * S, NTP_LEAP_NONE);
  assert_int_equal (fake.leap, NTP_LEAP_NONE);
  /* December 31, 2016 (17166 days): a deletion */
  ntp_discipline_set_leap (&d, (17166LL * 86400 + 100) * S, NTP_LEAP_DELETE);
  assert_int_equal (fake.leap, NTP_LEAP_DELETE);
}

/* A deterministic N(0,1) for the wander tests (xorshift64* and Box-Muller). */
static uint64_t gauss_state = 0x9E3779B97F4A7C15ULL;
static double
test_gauss (void)
{
  double u[2];
  for (int k = 0; k < 2; k++) {
    gauss_state ^= gauss_state >> 12;
    gauss_state ^= gauss_state << 25;
    gauss_state ^= gauss_state >> 27;
    u[k] = ((gauss_state * 0x2545F4914F6CDD1DULL >> 11) + 0.5) / 9007199254740992.0;
  }
  return sqrt (-2 * log (u[0])) * cos (2 * M_PI * u[1]);
}

/* Feed the discipline `n` updates `interval` s apart from an oscillator whose frequency is a
 * random walk of `wander` per sqrt(s); each update measures the residual frequency with an
 * error of SD `noise`. Returns the time of the last update (ns). */
static int64_t
feed_wandering_oscillator (NtpDiscipline *d, int n, double interval, double wander, double noise)
{
  double f_true = 0;
  int64_t t = 1000 * S;
  NtpClockChange chg;
  for (int k = 0; k < n; k++) {
    t += (int64_t) (interval * 1e9);
    f_true += wander * sqrt (interval) * test_gauss ();
    /* the residual: what the oscillator does beyond the frequency the discipline set */
    double residual = f_true - ntp_discipline_freq_ppm (d) * 1e-6;
    NtpDisciplineInput in = { .offset = 0, .offset_sd = 1e-6,
                              .freq = residual + noise * test_gauss (), .freq_sd = noise,
                              .skew = 3.3 * noise };
    assert_int_equal (ntp_discipline_update (d, t, &in, &chg), NTP_DISCIPLINE_SLEWED);
  }
  return t;
}

/* The oscillator's wander is estimated from the updates, not assumed: two oscillators ten
 * times apart in wander give estimates about ten times apart, each near its truth within the
 * estimator's spread (the median of 32 chi-square values over its law's median lies within
 * 0.20..3.0 of W^2 99.9 % of the time, i.e. 0.44..1.73 of W). */
static void
wander_is_estimated_from_the_updates (void **state)
{
  (void) state;
  const double walks[] = { 1e-9, 1e-8 };
  double est[2];
  for (int i = 0; i < 2; i++) {
    NtpDiscipline d;
    setup_disc (&d, 0, 0);
    assert_true (ntp_discipline_wander2 (&d) == 0.0);   /* nothing assumed before data */
    feed_wandering_oscillator (&d, 300, 64, walks[i], 1e-11);
    est[i] = sqrt (ntp_discipline_wander2 (&d));
    print_message ("wander %.1e per sqrt(s): estimated %.2e\n", walks[i], est[i]);
    assert_true (est[i] > walks[i] * 0.44 && est[i] < walks[i] * 1.73);
  }
  assert_true (est[1] > 2.5 * est[0]);
}

/* After hours of free running the previous frequency estimate must not keep the weight it
 * had when it was made: the oscillator wanders, so an estimate with a skew of 0.074 ppm made a
 * day ago is worth much less than one made a minute ago. A fresh estimate of -0.567 ppm with a
 * skew of 0.59 ppm must then move the frequency a good part of the way, while after a normal
 * poll interval the old estimate still dominates. Before any wander has been measured the old
 * estimate does not age (chrony's behaviour): both gaps move the frequency alike. */
static double
freq_move_after_gap (double gap_s, bool learn_wander)
{
  NtpDiscipline d;
  NtpClockChange chg;
  setup_disc (&d, 0, 0);
  int64_t t = 1000 * S;
  if (learn_wander)
    t = feed_wandering_oscillator (&d, 200, 64, 1e-9, 1e-11);
  NtpDisciplineInput in = { .offset = 0, .offset_sd = 1e-6, .freq = 0, .skew = 0.1e-6 };
  t += 64 * S;
  ntp_discipline_update (&d, t, &in, &chg);
  d.skew = 0.074e-6;
  double before = ntp_discipline_freq_ppm (&d);
  in.freq = -0.567e-6;
  in.skew = 0.59e-6;
  ntp_discipline_update (&d, t + (int64_t) (gap_s * 1e9), &in, &chg);
  return fabs (ntp_discipline_freq_ppm (&d) - before);
}

static void
old_frequency_estimate_ages_with_the_gap (void **state)
{
  (void) state;
  double after_poll = freq_move_after_gap (64, true);
  double after_day = freq_move_after_gap (84600, true);
  print_message ("frequency moved by %.4f ppm after 64 s, %.4f ppm after 84600 s\n", after_poll,
                 after_day);
  /* Without ageing both would move 1/0.59^2 / (1/0.074^2 + 1/0.59^2) = 1.55 % of 0.567 ppm,
   * 0.0088 ppm. With W = 1e-9 the day-old skew is sqrt(0.074^2 + 0.001^2 x 84600) = 0.30 ppm:
   * 1/0.59^2 / (1/0.30^2 + 1/0.59^2) = 21 %, 0.117 ppm (the W learned from the updates
   * scatters around 1e-9). */
  assert_true (fabs (after_poll - 0.0088) < 0.004);
  assert_true (after_day > 0.07 && after_day < 0.25);
  /* no wander measured yet: no ageing */
  double fresh_day = freq_move_after_gap (84600, false);
  assert_true (fabs (fresh_day - 0.0088) < 0.001);
}

/* The reference's phase record may know the wander where the updates do not
 * (ntp_stats_wander2): given W = 1e-9, a day-old estimate ages as in the test above without
 * any update having shown the wander; the skew, a 99.9 % bound 4 x the slope's SD here, scales
 * W alike (so the weights move as with W = 4e-9 in skew units). */
static void
wander_from_the_phase_record_ages_the_estimate (void **state)
{
  (void) state;
  double moved[2];
  for (int k = 0; k < 2; k++) {
    NtpDiscipline d;
    NtpClockChange chg;
    setup_disc (&d, 0, 0);
    int64_t t = 1000 * S;
    NtpDisciplineInput in = { .offset = 0, .offset_sd = 1e-6, .freq = 0, .skew = 0.1e-6,
                              .freq_sd = 0.025e-6, .wander2 = k ? 1e-18 : 0.0 };
    ntp_discipline_update (&d, t, &in, &chg);
    d.skew = 0.074e-6;
    double before = ntp_discipline_freq_ppm (&d);
    in.freq = -0.567e-6;
    in.skew = 0.59e-6;
    in.freq_sd = 0.1475e-6;
    ntp_discipline_update (&d, t + 84600 * S, &in, &chg);
    moved[k] = fabs (ntp_discipline_freq_ppm (&d) - before);
  }
  print_message ("after a day: moved %.4f ppm without, %.4f ppm with the record's wander\n",
                 moved[0], moved[1]);
  /* without: 1.55 % of 0.567 ppm; with: the old skew is sqrt(0.074^2 + (4 x 0.001)^2 x 84600)
   * = 1.17 ppm, 1/0.59^2 / (1/1.17^2 + 1/0.59^2) = 80 %, 0.45 ppm */
  assert_true (fabs (moved[0] - 0.0088) < 0.001);
  assert_true (moved[1] > 0.40 && moved[1] < 0.50);
}

/* Fits on few samples (a 30-minute window a day at 10 ms of jitter) read frequencies tens of
 * ppm off, with bounds as wide: each agrees with a frequency known to 0.1 ppm within the two
 * bounds, so together they may move it only as their weights say, and the skew does not widen
 * (it widened by the mean of the skews on each such update, and fifteen of them, all of the
 * same sign as correlated fits are, moved the frequency by 40 ppm). One that disagrees beyond
 * both bounds widens it as chrony does. */
static void
noisy_fits_within_their_bounds_do_not_talk_the_frequency_away (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  setup_disc (&d, 0, 0);
  int64_t t = 1000 * S;
  NtpDisciplineInput in = { .offset = 0, .offset_sd = 1e-6, .freq = 0, .skew = 0.1e-6,
                            .freq_sd = 0.025e-6, .wander2 = 1e-30 };
  ntp_discipline_update (&d, t, &in, &chg);
  d.skew = 0.1e-6;
  double before = ntp_discipline_freq_ppm (&d);
  in.freq = 25e-6;
  in.skew = 45e-6;
  in.freq_sd = 11e-6;
  for (int i = 1; i <= 15; i++)
    ntp_discipline_update (&d, t + i * 64 * S, &in, &chg);
  double moved = fabs (ntp_discipline_freq_ppm (&d) - before);
  print_message ("15 fits 25 +- 45 ppm: moved %.4f ppm, skew %.3f ppm\n", moved, d.skew * 1e6);
  assert_true (moved < 0.01);
  assert_true (d.skew < 0.11e-6);
  /* 5 ppm with a bound of 1 ppm against 0.1 ppm: beyond both, the skew widens */
  in.freq = 5e-6;
  in.skew = 1e-6;
  in.freq_sd = 0.25e-6;
  ntp_discipline_update (&d, t + 16 * 64 * S, &in, &chg);
  assert_true (d.skew > 0.3e-6);
}

static void
civil_dates (void **state)
{
  (void) state;
  int y, m, dd;
  ntp_civil_from_days (0, &y, &m, &dd);
  assert_true (y == 1970 && m == 1 && dd == 1);
  ntp_civil_from_days (19904, &y, &m, &dd);
  assert_true (y == 2024 && m == 6 && dd == 30);
  ntp_civil_from_days (11016, &y, &m, &dd);      /* 2000-02-29 */
  assert_true (y == 2000 && m == 2 && dd == 29);
  ntp_civil_from_days (-1, &y, &m, &dd);
  assert_true (y == 1969 && m == 12 && dd == 31);
}

static void
make_step_steps_what_is_left (void **state)
{
  (void) state;
  NtpDiscipline d;
  NtpClockChange chg;
  setup_disc (&d, 0, 0);
  NtpDisciplineInput in = input (0.3);
  ntp_discipline_update (&d, 0, &in, &chg);
  int64_t mid = ntp_discipline_deadline (&d) / 2;
  double left = ntp_discipline_pending (&d, mid);
  ntp_discipline_make_step (&d, mid, &chg);
  assert_int_equal (fake.n_step, 1);
  assert_true (fabs (fake.stepped - left) < 1e-12);
  assert_true (ntp_discipline_deadline (&d) == INT64_MAX);
  assert_true (fake.freq == 0.0);
  /* nothing pending: nothing to do */
  ntp_discipline_make_step (&d, mid, &chg);
  assert_int_equal (fake.n_step, 1);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (small_offset_is_slewed_through_frequency),
    cmocka_unit_test (slew_rate_is_capped),
    cmocka_unit_test (slew_is_at_once_by_default),
    cmocka_unit_test (slew_ends_at_the_next_wake_up_when_that_costs_little),
    cmocka_unit_test (clock_that_ends_slews_gets_the_whole_slew_and_no_deadline),
    cmocka_unit_test (makestep_steps_only_in_first_updates),
    cmocka_unit_test (makestep_limit_minus_one_always_steps),
    cmocka_unit_test (initstepslew_steps_the_first_update_only),
    cmocka_unit_test (runtime_makestep_counts_its_limit_from_the_change),
    cmocka_unit_test (panic_bound_refuses_huge_offsets_without_makestep),
    cmocka_unit_test (maxchange_and_bogus_input_refused),
    cmocka_unit_test (maxchange_start_and_ignore),
    cmocka_unit_test (slew_does_not_outlast_the_next_transmission),
    cmocka_unit_test (frequency_follows_the_estimate),
    cmocka_unit_test (drift_file_sets_initial_frequency),
    cmocka_unit_test (leap_armed_only_on_june_30_or_december_31),
    cmocka_unit_test (wander_is_estimated_from_the_updates),
    cmocka_unit_test (old_frequency_estimate_ages_with_the_gap),
    cmocka_unit_test (wander_from_the_phase_record_ages_the_estimate),
    cmocka_unit_test (noisy_fits_within_their_bounds_do_not_talk_the_frequency_away),
    cmocka_unit_test (civil_dates),
    cmocka_unit_test (make_step_steps_what_is_left),
    cmocka_unit_test (clock_that_decays_offsets_gets_the_offset_and_no_deadline),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
