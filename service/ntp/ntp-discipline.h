/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-discipline.h — the local clock: frequency estimate, slewing through the frequency,
 * steps under makestep rules, the panic bound, leap seconds, and the tracking figures
 * (chrony's reference.c + the slewing half of sys_generic.c).
 *
 * Time domains: "raw" is what env->now() reads; "cooked" is raw minus the offset still being
 * slewed out, i.e. what the clock would read had the correction already been made. Samples
 * are measured and stored in cooked time, so an ongoing slew never disturbs them.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "ntp-types.h"

/* The frequency wander is estimated from this many recent updates. */
#define NTP_WANDER_HISTORY 32

/* A sample measured this close to a leap second (s) is not used (chrony's window). Servers
 * apply a leap at different moments: a kernel at its first tick of the new day, chronyd in
 * step mode at its own midnight, off by its own error (up to maxdistance, 3 s); an exchange
 * that straddles the leap, or a server that applied it early or late, gives an offset off by
 * the whole second. */
#define NTP_LEAP_CLOSE_S 5

/* Never follow a single correction larger than this without makestep permission (s). */
#define NTP_PANIC_THRESHOLD 1000.0

typedef struct {
  const NtpEnv *env;
  NtpConfig cfg;
  double max_rate;            /* fraction: the most set_freq may deviate (both signs) */
  double max_base_ppm;        /* the most the frequency correction (base_ppm) may be, either
                               * sign: maxdrift, within max_rate */

  double base_ppm;            /* frequency correction without any slew (passed to set_freq) */
  double skew;                /* fraction, of the frequency estimate */
  double residual_freq;       /* fraction */
  bool freq_known;            /* from a drift file or an update */

  bool slewing;
  int64_t slew_start_ns;      /* raw */
  int64_t slew_end_ns;        /* raw */
  double slew_p0;             /* s to remove, at slew_start (positive = clock ahead) */
  double slew_rate;           /* d(pending)/d(raw time) during the slew */
  double slew_extra_ppm;
  /* The slew is the clock's own decay (NtpEnv.decay_offset): slew_p0 left at slew_start_ns,
   * 1/slew_tau of what is left removed over each second after each whole second. */
  bool slew_decays;
  double slew_tau;

  int updates;                /* reference updates done (for makestep's LIMIT) */
  int makestep_from;          /* `updates` when makestep was last set: its LIMIT counts from
                               * there (0: the configuration's, from the start) */
  int maxchange_start_left;   /* maxchange: updates still exempt from the check */
  int maxchange_ignore_left;  /* maxchange: larger offsets still to ignore (-1 = always) */
  bool halted;                /* maxchange exhausted: the clock is no longer adjusted */
  int64_t last_update_ns;     /* cooked; 0 = never */
  double update_interval;
  double last_offset;
  double avg2_offset;
  bool avg2_moving;
  NtpLeap leap_armed;
  /* Cooked time of the leap second armed last (the moment the clock reads 00:00:00 twice
   * for an insertion, the moment it skips 23:59:59 for a deletion), kept after it passed for
   * ntp_discipline_leap_close; 0 = none. */
  int64_t leap_at_ns;
  int64_t leap_done_ns;       /* leap_at_ns of the leap the core applied last; 0 = none */
  int tai_offset;             /* what env->set_tai was last given; 0 = nothing yet */

  /* the frequency wander estimate (ntp-discipline.c, update_wander) */
  double wander_v[NTP_WANDER_HISTORY]; /* the last per-update estimates of W^2, ring */
  int wander_n;               /* updates that contributed */
  bool wander_prev_ok;        /* the last update can be compared with the next */
  double wander_prev_sd2;     /* its frequency estimate's variance */
} NtpDiscipline;

/* What a clock update did, for the engine to fix its stored times and samples. */
typedef struct {
  double dfreq;       /* fraction the clock now runs faster than before */
  double doffset;     /* s cooked readings now read less (accumulated or stepped offset) */
  double raw_step;    /* s raw readings now read less (only when stepped) */
  bool stepped;
} NtpClockChange;

typedef struct {
  double offset;      /* s, positive = local ahead, estimated at now (cooked) */
  double offset_sd;
  double freq;        /* residual frequency, fraction, positive = local fast */
  double skew;        /* fraction */
  double freq_sd;     /* SD of freq (the regression's slope SD), fraction; 0 = unknown */
  bool reference_changed; /* a different source (or set) than at the last update */
  bool leap_unsync;   /* the reference is not synchronized: no frequency weight from history */
  /* The oscillator's wander W^2 (fraction^2 per s) from the reference's phase record
   * (ntp_stats_wander2); 0 or negative = not known, the estimate from the updates is used. */
  double wander2;
  /* Raw time of the next event the engine wakes for anyway (its next transmission), 0 or
   * INT64_MAX = none known. A slew that would end before it is planned to end there instead,
   * so ending it costs no wake-up of its own. */
  int64_t next_wake_ns;
} NtpDisciplineInput;

typedef enum {
  NTP_DISCIPLINE_SLEWED = 0,
  NTP_DISCIPLINE_STEPPED,
  NTP_DISCIPLINE_REFUSED_PANIC,      /* |offset| over the panic bound, no makestep allowed */
  NTP_DISCIPLINE_REFUSED_MAXCHANGE,  /* |offset| over maxchange (ignored, or halted) */
  NTP_DISCIPLINE_REFUSED_BOGUS,      /* NaN or infinite input */
} NtpDisciplineResult;

void ntp_discipline_init (NtpDiscipline *d, const NtpEnv *env, const NtpConfig *cfg);
/* True once maxchange's IGNORE ran out: every later update is refused (chronyd exits there). */
bool ntp_discipline_halted (const NtpDiscipline *d);
/* Offset still to be slewed out at raw time `raw_ns` (s, positive = clock ahead). */
double ntp_discipline_pending (const NtpDiscipline *d, int64_t raw_ns);
int64_t ntp_discipline_cook (const NtpDiscipline *d, int64_t raw_ns);
/* Apply one update at raw time now_ns. update_interval is measured here. */
NtpDisciplineResult ntp_discipline_update (NtpDiscipline *d, int64_t now_ns,
                                           const NtpDisciplineInput *in, NtpClockChange *chg);
/* makestep and maxupdateskew set while running (chronyc's commands of those names). makestep's
 * LIMIT counts the updates from now on, as chronyd's does (its limit is a countdown the
 * command sets anew). */
void ntp_discipline_set_makestep (NtpDiscipline *d, double threshold, int limit);
void ntp_discipline_set_maxupdateskew (NtpDiscipline *d, double ppm);
/* True when makestep (or, at the first update, initstepslew) would step an offset of this
 * size now. */
bool ntp_discipline_step_allowed (const NtpDiscipline *d, double offset);
/* `chronyc makestep`: step out whatever is still being slewed. */
void ntp_discipline_make_step (NtpDiscipline *d, int64_t now_ns, NtpClockChange *chg);
/* Someone else stepped the clock by step_s (positive = it reads more; now_ns is read after
 * the step): a slew through the frequency runs on, its times moved with the clock; what the
 * clock's own decay still had to remove is cancelled (a kernel step has cleared it already)
 * and counted as an error of the clock. chg says how stored times move (ntp-engine.c). */
void ntp_discipline_external_step (NtpDiscipline *d, int64_t now_ns, double step_s,
                                   NtpClockChange *chg);
/* When the current slew ends (raw), INT64_MAX if none. */
int64_t ntp_discipline_deadline (const NtpDiscipline *d);
void ntp_discipline_timer (NtpDiscipline *d, int64_t now_ns);
/* Arm/disarm a leap second from the sources' vote, only on the last day of June or December
 * (UTC, from the cooked clock), as chrony does. Under leapsecmode system the clock applies it
 * (env->set_leap); under step and slew the deadline includes the leap, and the timer then
 * steps the second or starts slewing it out; under ignore it passes. Either way the core's
 * stored times do not move with it: the sources' timescale moved by the same second. */
void ntp_discipline_set_leap (NtpDiscipline *d, int64_t now_ns, NtpLeap vote);
/* True when cooked time `cooked_ns` is within NTP_LEAP_CLOSE_S of a leap second armed or
 * just applied: a sample measured there is not used. */
bool ntp_discipline_leap_close (const NtpDiscipline *d, int64_t cooked_ns);

double ntp_discipline_freq_ppm (const NtpDiscipline *d);   /* positive = clock fast */
/* The estimated frequency wander W^2 of the oscillator (fraction^2 per s); 0 until enough
 * updates have been seen. */
double ntp_discipline_wander2 (const NtpDiscipline *d);
double ntp_discipline_rms_offset (const NtpDiscipline *d);

/* UTC civil date from Unix days (Howard Hinnant's days_from_civil inverse). */
void ntp_civil_from_days (int64_t days, int *year, int *month, int *day);
