/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-discipline.c — see ntp-discipline.h. */
#include "ntp-discipline.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* How fast an offset is slewed out. The offset handed over is the fit's estimate of the
 * clock's error now given every sample, so its own error is uncorrelated with it: removing
 * it at once minimises the mean square error from here on, and any part left to a slow slew
 * adds its square (a slew of p0 over T leaves a mean square of p0^2 / 3 over T). "At once" is
 * bounded by the oscillator's tolerance, maxclockerror (start_slew). chrony's rule, an offset
 * as large as the statistics' own uncertainty slewed out over CORR_TIME_RATIO half update
 * intervals and larger ones proportionally faster, still applies where it is the faster;
 * a configured corrtimeratio restores that rule alone. Measured: service/ntp/README.md. */
#define CORR_TIME_RATIO 3.0
/* The shortest slew (s). A real kernel applies a frequency change at its next tick (1-10 ms),
 * so each end of a slew of duration D at extra rate e is off by up to e x tick; D >= 1 s
 * keeps that under 1 % of the correction. */
#define MIN_SLEW_S 1.0
#define MAX_SLEW_S 10000.0
/* Below this many updates the estimate is not used: the previous frequency estimate does not
 * age at all, as in chrony. */
#define WANDER_MIN_UPDATES 8
/* Below this an offset is not worth a slew (s). */
#define MIN_OFFSET 1e-12

static void logf_ (const NtpDiscipline *d, int level, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

static void
logf_ (const NtpDiscipline *d, int level, const char *fmt, ...)
{
  if (!d->env || !d->env->log)
    return;
  char buf[160];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  d->env->log (d->env->ud, level, buf);
}

void
ntp_discipline_init (NtpDiscipline *d, const NtpEnv *env, const NtpConfig *cfg)
{
  memset (d, 0, sizeof *d);
  d->env = env;
  d->cfg = *cfg;
  double max_ppm = cfg->maxslewrate > 0 ? cfg->maxslewrate : 83333.333;
  if (env && env->max_freq_ppm > 0 && env->max_freq_ppm < max_ppm)
    max_ppm = env->max_freq_ppm;
  d->max_rate = max_ppm * 1e-6;
  /* maxdrift bounds the frequency correction itself, not the slews on top of it */
  d->max_base_ppm = cfg->maxdrift > 0 && cfg->maxdrift < max_ppm ? cfg->maxdrift : max_ppm;
  d->skew = 1.0;   /* unknown frequency: history gets no weight (chrony) */
  if (cfg->have_drift && isfinite (cfg->initial_freq_ppm)) {
    /* initial_freq_ppm says how fast the clock runs; the correction is its negative. */
    d->base_ppm = fmax (-d->max_base_ppm, fmin (d->max_base_ppm, -cfg->initial_freq_ppm));
    double skew = cfg->initial_skew_ppm > 0 ? cfg->initial_skew_ppm * 1e-6 : 1e-6;
    d->skew = skew;
    d->freq_known = true;
  }
  d->leap_armed = NTP_LEAP_NONE;
  d->maxchange_start_left = cfg->maxchange_start;
  d->maxchange_ignore_left = cfg->maxchange_ignore;
  if (env && env->set_freq)
    env->set_freq (env->ud, d->base_ppm);
}

bool
ntp_discipline_halted (const NtpDiscipline *d)
{
  return d->halted;
}

/* chrony's maxchange OFFSET START IGNORE (its reference.c): the first START updates are not
 * checked (a large first correction is expected); after them an offset over OFFSET is ignored
 * IGNORE times (-1: always), and the next one ends the adjustment. chronyd exits there; a
 * service that answers on D-Bus (and reports why) should not vanish, so the clock is instead
 * left alone from then on: every later update is refused, and the engine stops polling and
 * says it is no longer synchronized (ntp-engine.c). */
static bool
maxchange_ok (NtpDiscipline *d, double offset)
{
  if (d->cfg.maxchange_offset <= 0)
    return true;
  if (d->halted)
    return false;
  if (d->maxchange_start_left > 0) {
    d->maxchange_start_left--;
    return true;
  }
  if (fabs (offset) <= d->cfg.maxchange_offset)
    return true;
  if (d->maxchange_ignore_left == 0) {
    d->halted = true;
    logf_ (d, NTP_LOG_ERROR, "Adjustment of %.6f s exceeds maxchange %.6f s once more than "
           "allowed: the clock is no longer adjusted (chronyd would exit)", -offset,
           d->cfg.maxchange_offset);
    return false;
  }
  if (d->maxchange_ignore_left > 0)
    d->maxchange_ignore_left--;
  logf_ (d, NTP_LOG_WARNING, "Adjustment of %.6f s exceeds maxchange %.6f s, ignored", -offset,
         d->cfg.maxchange_offset);
  return false;
}

/* What the clock's own decay (NtpEnv.decay_offset) has left at raw_ns: nothing is removed
 * before the clock reads its next whole second; from there, over each second, 1/tau of what
 * was left at that second's start, evenly. */
static double
decay_left (const NtpDiscipline *d, int64_t raw_ns)
{
  const int64_t sec = 1000000000;
  int64_t into = d->slew_start_ns % sec;
  if (into < 0)
    into += sec;
  int64_t first = d->slew_start_ns - into + sec;
  if (raw_ns <= first)
    return d->slew_p0;
  double u = (double) (raw_ns - first) * 1e-9;
  double k = floor (u);
  double left = d->slew_p0 * pow (1.0 - 1.0 / d->slew_tau, k);
  return left * (1.0 - (u - k) / d->slew_tau);
}

double
ntp_discipline_pending (const NtpDiscipline *d, int64_t raw_ns)
{
  if (!d->slewing)
    return 0.0;
  if (d->slew_decays)
    return decay_left (d, raw_ns);
  if (raw_ns >= d->slew_end_ns)
    return 0.0;
  double t = (double) (raw_ns - d->slew_start_ns) * 1e-9;
  if (t < 0)
    t = 0;
  return d->slew_p0 + d->slew_rate * t;
}

int64_t
ntp_discipline_cook (const NtpDiscipline *d, int64_t raw_ns)
{
  return raw_ns - (int64_t) llround (ntp_discipline_pending (d, raw_ns) * 1e9);
}

/* Whether the clock ends a slew by itself (NtpEnv.set_freq_until), so that no timer of ours
 * has to. */
static bool
clock_ends_slews (const NtpDiscipline *d)
{
  return d->env && d->env->set_freq_until;
}

/* A slew through the frequency, a step or nothing takes over from the clock's own decay:
 * cancel what the clock still has to remove (the caller has counted it as pending). */
static void
stop_decay (NtpDiscipline *d)
{
  if (d->slewing && d->slew_decays && d->env && d->env->decay_offset)
    d->env->decay_offset (d->env->ud, 0.0, 0.0, INFINITY);
  d->slew_decays = false;
}

static void
apply_freq (NtpDiscipline *d)
{
  if (d->slewing && clock_ends_slews (d))
    d->env->set_freq_until (d->env->ud, d->base_ppm + d->slew_extra_ppm, d->slew_end_ns,
                            d->base_ppm);
  else if (d->env && d->env->set_freq)
    d->env->set_freq (d->env->ud, d->base_ppm + (d->slewing ? d->slew_extra_ppm : 0.0));
}

/* Hand p0 to a clock that removes an offset by itself (NtpEnv.decay_offset) instead of
 * slewing it through the frequency over dur seconds (or longer, where the backend's range,
 * rate_max, is what limits the slew). A clock without the call to end a slew (the kernel's:
 * ADJ_FREQUENCY and ADJ_TICK hold until changed) needs a timer of ours for that, one wake-up
 * per update; the kernel's phase-locked loop with its frequency held removes the offset with
 * no further call. The decay leaves p0 exp(-t / tau) where the slew over D leaves
 * p0 (1 - t / D), so over an interval T >> tau it leaves a mean square of p0^2 tau / (2 T)
 * against p0^2 D / (3 T): the two are equal at tau = 2 D / 3. The clock offers tau in steps
 * of 2, so the one within a factor sqrt 2 of 2 D / 3 is taken (the decay then starts up to
 * 2.1 times as fast as the slew: a tau always at or above 2 D / 3 left 1-5 % more error in
 * clknetsim's grid, bench/clknetsim/README.md), never one that starts faster than rate_max
 * allows. A longer one (the kernel's shortest is 4 s) only while the mean square it adds
 * over the T seconds to the next wake-up, p0^2 (tau / 2 - D / 3) / T, stays within the
 * estimate's own variance sd^2 (the rule by which start_slew lets a slew's end wait for a
 * wake-up). Otherwise the slew goes through the frequency: a first correction of 0.4 s,
 * which the full rate removes in 5 s, would decay for a minute. */
static bool
decay_slew (NtpDiscipline *d, int64_t now_ns, double p0, double dur, double rate_max,
            double sd, double to_wake)
{
  if (!d->env || !d->env->decay_offset)
    return false;
  double slew_s = fmax (dur, fabs (p0) / rate_max);
  double tau_equal = 2.0 * slew_s / 3.0;   /* the decay's mean square equals the slew's */
  double min_tau = fmax (tau_equal / sqrt (2.0), fabs (p0) / rate_max);
  double max_tau = tau_equal * sqrt (2.0);
  if (to_wake > 0)
    max_tau = fmax (max_tau, 2.0 * (sd * sd * to_wake / (p0 * p0) + slew_s / 3.0));
  double tau = d->env->decay_offset (d->env->ud, p0, min_tau, max_tau);
  if (!(tau >= 1.0) || !isfinite (tau))
    return false;
  d->slewing = true;
  d->slew_decays = true;
  d->slew_tau = tau;
  d->slew_start_ns = now_ns;
  d->slew_end_ns = INT64_MAX;
  d->slew_p0 = p0;
  d->slew_rate = 0.0;
  d->slew_extra_ppm = 0.0;
  apply_freq (d);
  return true;
}

/* Start slewing out `p0` seconds from raw time now, over a duration from the correction
 * rate (s^2, chrony's rule) or, without chrony_rule, as fast as the kernel's tick and the
 * rate limit allow.
 * With chrony's rule (a configured corrtimeratio), a slew that would end before `wake_ns`,
 * the next moment the engine wakes anyway, is stretched to end there when the stretch costs
 * less than the estimate's own variance: ending a slew means setting the frequency back, and
 * a timer just for that is one more wake-up per update; slewing p0 over T instead of D adds a
 * mean square error of p0^2 (1 - D/T) / 3 over it. A slew the rule plans past `wake_ns` ends
 * there instead: the next update measures again whatever is still pending, and a slew left
 * running past it filters the estimate a second time. The fast default costs that one
 * wake-up per update (removing p0 takes |p0| / rate, and the frequency must be set back
 * then), unless the clock ends the slew by itself (NtpEnv.set_freq_until) or removes the
 * offset by itself (NtpEnv.decay_offset, the kernel's: see decay_slew). */
static void
start_slew (NtpDiscipline *d, int64_t now_ns, double p0, bool chrony_rule, double corr_rate,
            double sd, int64_t wake_ns)
{
  if (fabs (p0) < MIN_OFFSET) {
    stop_decay (d);
    d->slewing = false;
    apply_freq (d);
    return;
  }
  double b = d->base_ppm * 1e-6;
  /* The backend takes |base + extra| <= max_rate: the extra frequency may reach max_rate - b
   * upwards and -max_rate - b downwards (a clock corrected to run faster has more room to be
   * slowed down, and the other way round). */
  double e_hi = fmax (d->max_rate - b, 1e-6), e_lo = fmin (-d->max_rate - b, -1e-6);
  double dur = corr_rate > 0 ? corr_rate / fabs (p0) : 0.0;
  if (!chrony_rule) {
    /* At once, but no faster than the oscillator's own tolerance (maxclockerror): every
     * bound the engine keeps (the selection's lines, the dispersion it serves) lets the
     * clock's frequency be off by that much, so such a slew stays inside them; chrony's
     * rule, where faster (an offset several times its SD), still applies. */
    double tol = d->cfg.maxclockerror > 0 ? d->cfg.maxclockerror * 1e-6 : 1e-6;
    dur = fmin (dur, fabs (p0) / tol);
  }
  if (dur < MIN_SLEW_S)
    dur = MIN_SLEW_S;
  if (dur > MAX_SLEW_S)
    dur = MAX_SLEW_S;
  if (wake_ns > now_ns && wake_ns != INT64_MAX) {
    /* Stretching a slew of p0 from dur to the wake-up T leaves p0 (1 - t/T) instead of
     * p0 (1 - t/dur) uncorrected: over the interval, an extra mean square error of
     * p0^2 (1 - dur/T) / 3. Only when that is below the variance the estimate carries anyway
     * (sd^2) is the wake-up saved; a large offset known well is still removed fast. */
    double to_wake = (double) (wake_ns - now_ns) * 1e-9;
    if (chrony_rule && dur < to_wake && to_wake <= MAX_SLEW_S
        && p0 * p0 * (1.0 - dur / to_wake) / 3.0 <= sd * sd)
      dur = to_wake;
    else if (dur > to_wake && to_wake >= MIN_SLEW_S)
      dur = to_wake;
  }
  if (!chrony_rule
      && decay_slew (d, now_ns, p0, dur, p0 > 0 ? -e_lo : e_hi, sd,
                     wake_ns > now_ns && wake_ns != INT64_MAX
                     ? (double) (wake_ns - now_ns) * 1e-9 : 0.0))
    return;
  stop_decay (d);
  /* The extra frequency e removes e/(1+b+e) s per raw second, relative to the base rate. */
  double r = -p0 / dur;
  double e = r * (1 + b) / (1 - r);
  if (e > e_hi)
    e = e_hi;
  if (e < e_lo)
    e = e_lo;
  r = e / (1 + b + e);
  dur = -p0 / r;
  d->slewing = true;
  d->slew_start_ns = now_ns;
  d->slew_end_ns = now_ns + (int64_t) llround (dur * 1e9);
  /* dur went through the rate's rounding: a slew meant to end at the wake-up must not end a
   * nanosecond after it (a wake-up of its own); a microsecond's difference is 1e-6 x r s */
  if (wake_ns != INT64_MAX && d->slew_end_ns > wake_ns && d->slew_end_ns - wake_ns < 1000)
    d->slew_end_ns = wake_ns;
  d->slew_p0 = p0;
  d->slew_rate = r;
  d->slew_extra_ppm = e * 1e6;
  apply_freq (d);
}

bool
ntp_discipline_step_allowed (const NtpDiscipline *d, double offset)
{
  /* initstepslew: the first update steps an offset over its threshold */
  if (d->updates == 0 && d->cfg.initstepslew_threshold > 0 &&
      fabs (offset) > d->cfg.initstepslew_threshold)
    return true;
  if (!(d->cfg.makestep_threshold > 0))
    return false;
  if (fabs (offset) <= d->cfg.makestep_threshold)
    return false;
  return d->cfg.makestep_limit < 0 || d->updates - d->makestep_from < d->cfg.makestep_limit;
}

void
ntp_discipline_set_makestep (NtpDiscipline *d, double threshold, int limit)
{
  d->cfg.makestep_threshold = threshold;
  d->cfg.makestep_limit = limit;
  d->makestep_from = d->updates;
}

void
ntp_discipline_set_maxupdateskew (NtpDiscipline *d, double ppm)
{
  d->cfg.maxupdateskew = ppm;
}

static void
do_step (NtpDiscipline *d, int64_t now_ns, double total, NtpClockChange *chg)
{
  /* total: everything the clock is ahead by, including what a slew had not yet removed. */
  double pending = ntp_discipline_pending (d, now_ns);
  stop_decay (d);
  d->slewing = false;
  apply_freq (d);
  if (d->env && d->env->step)
    d->env->step (d->env->ud, total);
  chg->stepped = true;
  chg->raw_step = total;
  chg->doffset += total - pending;
  logf_ (d, NTP_LOG_WARNING, "System clock was stepped by %.6f seconds", -total);
}

double
ntp_discipline_wander2 (const NtpDiscipline *d)
{
  int n = d->wander_n < NTP_WANDER_HISTORY ? d->wander_n : NTP_WANDER_HISTORY;
  if (n < WANDER_MIN_UPDATES)
    return 0.0;
  double v[NTP_WANDER_HISTORY];
  for (int i = 0; i < n; i++)
    v[i] = d->wander_v[i];
  /* median by insertion sort (n <= 32) */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
      double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  double median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  /* each value is W^2 times a chi-square variable of one degree of freedom, whose median is
   * 0.4549 times its mean */
  return fmax (0.0, median / 0.4549);
}

/* Estimate the oscillator's frequency wander W (a random walk: its frequency moves by
 * W x sqrt(T) in T seconds) from the updates, instead of assuming one.
 *
 * After an update the statistics still report the part of their frequency estimate the update
 * did not apply (d->residual_freq). At the next update, T seconds later, the new estimate
 * differs from that leftover by z, made of two things: the oscillator's wander over T
 * (variance W^2 T) and the change of the estimate itself (the two estimates' errors, at most
 * sd_old^2 + sd_new^2 when they share no samples; less when they share most, as successive
 * fits do). So each update gives v = (z^2 - sd_old^2 - sd_new^2) / T, an estimate of W^2
 * times a chi-square variable of one degree of freedom. W^2 is taken from the median of the
 * last NTP_WANDER_HISTORY values (divided by that law's median, 0.4549): one innovation
 * blown up by a bad fit (few samples, high jitter, a slope SD that underestimates) must not
 * make the discipline forget a good frequency estimate at the next long gap.
 * Subtracting the full variance of independent estimates errs low: where the measurement
 * noise hides the wander the estimate is 0 and the previous frequency estimate does not age
 * (chrony's behaviour); where the wander shows (long polls, long gaps) it is measured.
 * Updates where the reference changed, a step happened, or the statistics started over carry
 * no information on the wander and are skipped. */
static void
update_wander (NtpDiscipline *d, const NtpDisciplineInput *in)
{
  bool usable = d->wander_prev_ok && in->freq_sd > 0 && isfinite (in->freq_sd)
                && d->update_interval > 0 && !in->reference_changed && !in->leap_unsync;
  if (usable) {
    double z = in->freq - d->residual_freq;
    double noise = d->wander_prev_sd2 + in->freq_sd * in->freq_sd;
    d->wander_v[d->wander_n % NTP_WANDER_HISTORY] = (z * z - noise) / d->update_interval;
    d->wander_n++;
    logf_ (d, NTP_LOG_DEBUG, "frequency wander estimate %.3g per sqrt(s) from %d updates",
           sqrt (ntp_discipline_wander2 (d)), d->wander_n);
  }
  d->wander_prev_ok = in->freq_sd > 0 && isfinite (in->freq_sd);
  d->wander_prev_sd2 = in->freq_sd * in->freq_sd;
}

NtpDisciplineResult
ntp_discipline_update (NtpDiscipline *d, int64_t now_ns, const NtpDisciplineInput *in,
                       NtpClockChange *chg)
{
  memset (chg, 0, sizeof *chg);
  if (!isfinite (in->offset) || !isfinite (in->freq) || !isfinite (in->skew)
      || !isfinite (in->offset_sd))
    return NTP_DISCIPLINE_REFUSED_BOGUS;

  double offset = in->offset;
  /* makestep's threshold is for the whole error, what a slew has still to remove included
   * (chronyd's reference.c compares the offset less the correction not yet made): a clock
   * far off and slewing steps once a new makestep allows it. */
  bool step = ntp_discipline_step_allowed (d, offset + ntp_discipline_pending (d, now_ns));
  if (!step && fabs (offset) > NTP_PANIC_THRESHOLD) {
    logf_ (d, NTP_LOG_ERROR,
           "Offset %.3f s is over the panic bound and makestep does not allow a step, ignoring",
           offset);
    return NTP_DISCIPLINE_REFUSED_PANIC;
  }
  /* As chronyd checks it: every update, stepped or slewed. */
  if (!maxchange_ok (d, offset))
    return NTP_DISCIPLINE_REFUSED_MAXCHANGE;

  int64_t cooked = ntp_discipline_cook (d, now_ns);
  d->update_interval = d->last_update_ns ? (double) (cooked - d->last_update_ns) * 1e-9 : 0.0;
  if (d->update_interval < 0)
    d->update_interval = 0;

  update_wander (d, in);
  /* The previous estimate has aged: since the last update the oscillator's frequency has
   * wandered (a random walk of W^2 per second, estimated from the updates), so its
   * uncertainty is sqrt(skew^2 + W^2 * elapsed). Without this an estimate made a day ago
   * would keep the weight it had then and outvote a fresh measurement after a long outage. */
  /* The wander comes from the reference's phase record when it says (ntp_stats_wander2):
   * the updates' innovations alone see almost none of it, because successive fits share
   * nearly all their samples. W is a standard deviation and the skews are 99.9 % bounds (the
   * t quantile times the slope's SD), so it is scaled by the same quantile before it is
   * added. */
  double w2 = in->wander2 > 0 && isfinite (in->wander2) ? in->wander2 : ntp_discipline_wander2 (d);
  double quantile = in->freq_sd > 0 && in->skew > in->freq_sd ? in->skew / in->freq_sd : 1.0;
  if (d->freq_known && d->update_interval > 0)
    d->skew = sqrt (d->skew * d->skew + w2 * quantile * quantile * d->update_interval);

  /* Frequency: combine the previous estimate (residual 0, weight 1/skew^2, its skew aged by
   * the wander above) with the new one (weight 1/skew^2) by inverse variance, and keep a skew
   * that covers both the spread and the sources' own skews. chrony gives the new estimate
   * three times its inverse variance; the aging already says how much the old one has lost,
   * and counting the new one triple on top threw away a frequency learned over a day for the
   * few noisy samples of a 30-minute window (our simulator's Test 3 at 1 and 10 ms jitter). */
  double skew = in->skew < 1e-12 ? 1e-12 : in->skew;
  double maxupdateskew = (d->cfg.maxupdateskew > 0 ? d->cfg.maxupdateskew : 1000.0) * 1e-6;
  double dfreq = 0.0;
  if (skew < maxupdateskew || in->leap_unsync) {
    double old_w = in->leap_unsync ? 0.0 : 1.0 / (d->skew * d->skew);
    double new_w = 1.0 / (skew * skew);
    double sum = old_w + new_w;
    double delta = in->freq * new_w / sum;
    double s1 = sqrt ((delta * delta * old_w + (in->freq - delta) * (in->freq - delta) * new_w) / sum);
    double s2 = (d->skew * old_w + skew * new_w) / sum;
    /* Where the two agree within their bounds (the skews are 99.9 % bounds) the frequency is
     * known at least as well as the better of them: successive fits share most of their
     * samples, so the combination is not counted as new information, but neither does a
     * noisy estimate that its own bound covers widen it. Widening on every such update let a
     * day's frequency (its skew aged by the wander over the outage) be talked down, within a
     * 30-minute window, by a run of fits on few samples whose bounds were tens of ppm wide,
     * until a fit wrong by 6 ppm took half the weight (our simulator's Test 3 / 10 ms, seed 28,
     * carried through the next day at 120 ms RMS). Where they disagree beyond the bounds,
     * chrony's rule: the spread and the mean of the skews. */
    double f2 = in->freq * in->freq;
    if (!in->leap_unsync && f2 <= d->skew * d->skew + skew * skew)
      d->skew = old_w > new_w ? d->skew : skew;
    else
      d->skew = s1 + s2;
    d->residual_freq = in->freq - delta;
    /* The clock gains `delta` s/s on the source: slow it by that much. */
    dfreq = -delta;
    double nb = fmax (-d->max_base_ppm, fmin (d->max_base_ppm, d->base_ppm + dfreq * 1e6));
    dfreq = (nb - d->base_ppm) * 1e-6;
    d->base_ppm = nb;
    d->freq_known = true;
  } else {
    d->residual_freq = in->freq;
  }
  chg->dfreq = dfreq;

  if (step) {
    d->wander_prev_ok = false;
    do_step (d, now_ns, offset + ntp_discipline_pending (d, now_ns), chg);
  } else {
    double p = ntp_discipline_pending (d, now_ns) + offset;
    /* At once by default (see the top of this file). With corrtimeratio configured,
     * chrony's rule over the whole time since the last update: the offset built up over that
     * interval, and the next update, which re-plans whatever is still pending, is about as
     * far away when replies are rare (a lossy path). */
    bool configured = d->cfg.corrtimeratio > 0;
    double ratio = configured ? d->cfg.corrtimeratio : CORR_TIME_RATIO;
    double corr_rate = ratio * 0.5 * in->offset_sd * d->update_interval;
    start_slew (d, now_ns, p, configured, corr_rate, in->offset_sd, in->next_wake_ns);
    chg->doffset = offset;
  }

  d->updates++;
  d->last_update_ns = ntp_discipline_cook (d, now_ns - (int64_t) llround (chg->raw_step * 1e9));
  d->last_offset = offset;
  /* chrony's RMS offset: jump to the first values, then a moving average of squares. */
  if (d->avg2_moving) {
    d->avg2_offset += 0.1 * (offset * offset - d->avg2_offset);
  } else {
    if (d->avg2_offset > 0 && d->avg2_offset < offset * offset)
      d->avg2_moving = true;
    d->avg2_offset = offset * offset;
  }
  return step ? NTP_DISCIPLINE_STEPPED : NTP_DISCIPLINE_SLEWED;
}

void
ntp_discipline_make_step (NtpDiscipline *d, int64_t now_ns, NtpClockChange *chg)
{
  memset (chg, 0, sizeof *chg);
  double pending = ntp_discipline_pending (d, now_ns);
  if (fabs (pending) < MIN_OFFSET) {
    stop_decay (d);
    d->slewing = false;
    apply_freq (d);
    return;
  }
  do_step (d, now_ns, pending, chg);
}

void
ntp_discipline_external_step (NtpDiscipline *d, int64_t now_ns, double step_s,
                              NtpClockChange *chg)
{
  memset (chg, 0, sizeof *chg);
  int64_t shift = (int64_t) llround (step_s * 1e9);
  double lost = 0.0;
  if (d->slewing && d->slew_decays) {
    lost = decay_left (d, now_ns - shift);
    stop_decay (d);
    d->slewing = false;
  } else if (d->slewing) {
    d->slew_start_ns += shift;
    d->slew_end_ns += shift;
  }
  /* Cooked readings now read step + lost more: the clock is that much further ahead. */
  chg->doffset = -(step_s + lost);
  chg->raw_step = -step_s;
  chg->stepped = true;
  if (d->last_update_ns)
    d->last_update_ns += (int64_t) llround ((step_s + lost) * 1e9);
  /* The wander estimate compares successive updates' frequencies; a step says nothing about
   * the oscillator, but the update after it is no clean comparison either. */
  d->wander_prev_ok = false;
}

/* A leap second the core applies itself (leapsecmode step, slew, ignore) and has not yet. */
static bool
leap_pending (const NtpDiscipline *d)
{
  return d->leap_armed != NTP_LEAP_NONE && d->cfg.leapsecmode != NTP_LEAPMODE_SYSTEM;
}

/* The raw time at which the clock's cooked reading reaches the leap: raw = cooked + the
 * offset still pending then, which a slew changes by at most max_rate per second, so a few
 * rounds settle it to the nanosecond. The timer compares raw times with this same value. */
static int64_t
leap_raw (const NtpDiscipline *d)
{
  int64_t raw = d->leap_at_ns;
  for (int k = 0; k < 4; k++)
    raw = d->leap_at_ns + (int64_t) llround (ntp_discipline_pending (d, raw) * 1e9);
  return raw;
}

int64_t
ntp_discipline_deadline (const NtpDiscipline *d)
{
  int64_t t = d->slewing && !d->slew_decays && !clock_ends_slews (d) ? d->slew_end_ns : INT64_MAX;
  if (leap_pending (d) && leap_raw (d) < t)
    t = leap_raw (d);
  return t;
}

/* The leap second under leapsecmode step or slew: after an insertion the clock is a second
 * ahead of the sources' UTC (after a deletion, behind). It is stepped back together with
 * whatever a slew still had to remove (a kernel step ends the kernel's own decay anyway), or
 * slewed out on top of it at the full rate (chrony's slew mode: 12 s at 83333 ppm). Cooked
 * time jumps by the second either way, as the kernel's own leap makes the clock jump. */
static void
apply_leap (NtpDiscipline *d, int64_t now_ns)
{
  double second = d->leap_armed == NTP_LEAP_INSERT ? 1.0 : -1.0;
  NtpLeapMode mode = d->cfg.leapsecmode;
  d->leap_armed = NTP_LEAP_NONE;
  /* after an insertion the cooked clock reads the day's last second again: not a new leap */
  d->leap_done_ns = d->leap_at_ns;
  if (mode == NTP_LEAPMODE_IGNORE) {
    logf_ (d, NTP_LOG_WARNING, "Leap second: the clock is left %s by a second"
           " (leapsecmode ignore)", second > 0 ? "ahead" : "behind");
    return;
  }
  double total = ntp_discipline_pending (d, now_ns) + second;
  if (mode == NTP_LEAPMODE_STEP) {
    /* a step like any other, but the core's stored times do not follow it (the sources'
     * timescale moved by the same second), so what do_step says of it is not used */
    NtpClockChange unused = { 0 };
    logf_ (d, NTP_LOG_WARNING, "Leap second: stepping the clock");
    do_step (d, now_ns, total, &unused);
    return;
  }
  start_slew (d, now_ns, total, false, 0.0, 0.0, INT64_MAX);
  logf_ (d, NTP_LOG_WARNING, "Leap second: slewing the clock by %.6f seconds", -total);
}

void
ntp_discipline_timer (NtpDiscipline *d, int64_t now_ns)
{
  if (d->slewing && !d->slew_decays && now_ns >= d->slew_end_ns) {
    d->slewing = false;
    /* A clock that ends its slews has set the frequency back already. */
    if (!clock_ends_slews (d))
      apply_freq (d);
  }
  if (leap_pending (d) && now_ns >= leap_raw (d))
    apply_leap (d, now_ns);
}

bool
ntp_discipline_leap_close (const NtpDiscipline *d, int64_t cooked_ns)
{
  if (d->leap_at_ns == 0)
    return false;
  int64_t from = d->leap_at_ns - cooked_ns;
  return from < NTP_LEAP_CLOSE_S * 1000000000LL && from > -NTP_LEAP_CLOSE_S * 1000000000LL;
}

void
ntp_civil_from_days (int64_t z, int *year, int *month, int *day)
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t dd = doy - (153 * mp + 2) / 5 + 1;
  int64_t mm = mp < 10 ? mp + 3 : mp - 9;
  *year = (int) (y + (mm <= 2));
  *month = (int) mm;
  *day = (int) dd;
}

/* TAI - UTC from the configuration's leap seconds at UTC second `sec`: 10 s when the first
 * leap second came (UTC kept TAI - 10 s from 1972 on), one more for each second inserted
 * at a midnight up to `sec`, one less for each deleted. 0 = not known (no table, or `sec`
 * before 1972: the kernel's offset is then left alone). */
static int
tai_offset_at (const NtpDiscipline *d, int64_t sec)
{
  if (d->cfg.n_leap_table == 0 || sec < 63072000)   /* 1972-01-01 */
    return 0;
  int offset = 10;
  for (int k = 0; k < d->cfg.n_leap_table; k++)
    if (d->cfg.leap_table[k].utc_midnight <= sec)
      offset += d->cfg.leap_table[k].sign;
  return offset;
}

void
ntp_discipline_set_leap (NtpDiscipline *d, int64_t now_ns, NtpLeap vote)
{
  int64_t cooked = ntp_discipline_cook (d, now_ns);
  int64_t sec = cooked / 1000000000LL - (cooked % 1000000000LL < 0);
  int64_t days = sec / 86400 - (sec % 86400 < 0);
  int y, m, dd;
  ntp_civil_from_days (days, &y, &m, &dd);
  /* Leap seconds are scheduled for the end of June or December (ITU-R TF.460); a leap
   * indicator seen on any other day is an early warning, or an error, and is not armed. */
  bool leap_day = (m == 6 && dd == 30) || (m == 12 && dd == 31);
  /* chrony's leapsectz also sets the kernel's TAI offset: here on every update (this call),
   * so after a leap second the new offset follows at the first update of the new day; the
   * clock's owner is told only of a change. */
  int tai = tai_offset_at (d, sec);
  if (tai != 0 && tai != d->tai_offset && d->env && d->env->set_tai) {
    d->tai_offset = tai;
    d->env->set_tai (d->env->ud, tai);
  }
  /* chrony's leapsectz: when the sources announce nothing, the configuration's table may */
  if (leap_day && vote == NTP_LEAP_NONE)
    for (int k = 0; k < d->cfg.n_leap_table; k++)
      if (d->cfg.leap_table[k].utc_midnight == (days + 1) * 86400)
        vote = d->cfg.leap_table[k].sign > 0 ? NTP_LEAP_INSERT : NTP_LEAP_DELETE;
  NtpLeap want = leap_day ? vote : NTP_LEAP_NONE;
  /* under step, slew and ignore the leap, once applied, is not armed again that day */
  int64_t midnight = (days + 1) * 86400 * 1000000000LL;
  int64_t leap_at = want == NTP_LEAP_DELETE ? midnight - 1000000000LL : midnight;
  if (want != NTP_LEAP_NONE && d->cfg.leapsecmode != NTP_LEAPMODE_SYSTEM
      && (cooked >= leap_at || d->leap_done_ns == leap_at))
    want = NTP_LEAP_NONE;
  if (want != d->leap_armed) {
    d->leap_armed = want;
    if (want != NTP_LEAP_NONE)
      d->leap_at_ns = leap_at;
    else if (d->leap_at_ns > cooked)
      d->leap_at_ns = 0;   /* disarmed before it came */
    if (d->cfg.leapsecmode == NTP_LEAPMODE_SYSTEM && d->env && d->env->set_leap)
      d->env->set_leap (d->env->ud, want);
    /* under system the clock's owner says so when it arms the kernel; otherwise this is
     * the one notice before the core changes the clock at midnight */
    static const char *const how[] = {
      [NTP_LEAPMODE_SYSTEM] = "",
      [NTP_LEAPMODE_STEP] = " (leapsecmode step: the clock will be stepped)",
      [NTP_LEAPMODE_SLEW] = " (leapsecmode slew: the clock will be slewed)",
      [NTP_LEAPMODE_IGNORE] = " (leapsecmode ignore: the clock is left as it is)",
    };
    if (want != NTP_LEAP_NONE)
      logf_ (d, d->cfg.leapsecmode == NTP_LEAPMODE_SYSTEM ? NTP_LOG_INFO : NTP_LOG_WARNING,
             "Leap second will be %s at the end of the day%s",
             want == NTP_LEAP_INSERT ? "inserted" : "deleted", how[d->cfg.leapsecmode]);
  }
}

double
ntp_discipline_freq_ppm (const NtpDiscipline *d)
{
  return -d->base_ppm;
}

double
ntp_discipline_rms_offset (const NtpDiscipline *d)
{
  return sqrt (d->avg2_offset);
}
