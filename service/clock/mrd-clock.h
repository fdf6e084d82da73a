/* mrd-clock.h — the clock the daemon reads and sets, behind one interface (see docs/architecture.md):
 * `system` is CLOCK_REALTIME disciplined with clock_adjtime(2) (needs
 * CAP_SYS_TIME); `virtual` is a software clock over CLOCK_MONOTONIC with its own offset and
 * frequency, which tests and the demo use so that nothing touches the host's clock.
 *
 * Units: times are ns since the Unix epoch; frequencies in ppm, positive = the clock runs
 * faster (the NTP seam's convention, ntp-engine.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <sys/timex.h>

G_BEGIN_DECLS

typedef struct _MrdClock MrdClock;

typedef enum {
  MRD_CLOCK_KIND_VIRTUAL,
  MRD_CLOCK_KIND_SYSTEM,
} MrdClockKind;

/* The host's clock a virtual clock is drawn against, in ns: CLOCK_REALTIME in the daemon
 * (clock/mrd-clock-virtual.c says why); unit tests hand in a fake one, taken as
 * CLOCK_MONOTONIC, so that the arithmetic can be checked exactly. */
typedef gint64 (*MrdHostTimeFunc) (gpointer user_data);

/* The backends' seam: a struct of function pointers, so tests and backends plug in explicitly. */
typedef struct {
  const char *name;
  gint64   (*now_ns)   (MrdClock *clock);
  gboolean (*set_ns)   (MrdClock *clock, gint64 time_ns, GError **error);
  gboolean (*step)     (MrdClock *clock, double delta_s, GError **error);
  gboolean (*set_freq) (MrdClock *clock, double freq_ppm, GError **error);
  double   (*get_freq) (MrdClock *clock);
  void     (*free)     (MrdClock *clock);
  /* Optional from here on (NULL: the behaviour documented at the mrd_clock_* wrapper). */
  double   (*get_max_freq) (MrdClock *clock);
  gint64   (*from_realtime_ns) (MrdClock *clock, gint64 real_ns);
  gboolean (*set_leap) (MrdClock *clock, int leap, GError **error);
  gboolean (*set_sync_status) (MrdClock *clock, gboolean synchronized, double est_error_s,
                               double max_error_s, gboolean rtcsync, GError **error);
  gboolean (*get_true_offset) (MrdClock *clock, double *offset_s);
  gboolean (*prepare_discipline) (MrdClock *clock, GError **error);
  double   (*get_monotonic_rate) (MrdClock *clock);
  gboolean (*set_freq_until) (MrdClock *clock, double freq_ppm, gint64 until_ns,
                              double then_ppm, GError **error);
  gint64   (*monotonic_at) (MrdClock *clock, gint64 time_ns);
  double   (*decay_offset) (MrdClock *clock, double offset_s, double min_tau_s,
                            double max_tau_s, GError **error);
  gboolean (*set_tai) (MrdClock *clock, int tai_offset_s, GError **error);
} MrdClockOps;

struct _MrdClock {
  const MrdClockOps *ops;
  MrdClockKind kind;
  int leap;                  /* what mrd_clock_set_leap() last armed */
  int tai_offset;            /* what mrd_clock_set_tai() last set; 0 = never */
  gboolean synchronized;     /* what mrd_clock_set_sync_status() last said */
};

/* The end of the range any clock can be set to, in seconds since the epoch (exclusive): the
 * kernel's TIME_SETTOD_SEC_MAX (include/linux/time64.h: KTIME_SEC_MAX, the last second a
 * signed 64-bit count of ns holds, minus 30 years of uptime = 2232-04-18 23:47:16 UTC).
 * clock_settime(2) and settimeofday(2) refuse it and everything after with EINVAL
 * (kernel/time/timekeeping.c, timespec64_valid_settod), as they refuse negative times. The
 * virtual clock keeps the same range, so both backends accept exactly the same times and
 * a time in range can always be multiplied into ns (it is < 2^63 ns with 30 years to spare). */
#define MRD_CLOCK_SET_SEC_MAX G_GINT64_CONSTANT (8277292036)

/* Whether a clock can be set to @usec (µs since the epoch): 0 <= @usec < MRD_CLOCK_SET_SEC_MAX
 * seconds. Check this BEFORE converting a µs time to ns. */
gboolean    mrd_clock_usec_is_settable (gint64 usec);

/* "virtual" or "system"; FALSE for anything else. */
gboolean    mrd_clock_kind_from_string (const char *str, MrdClockKind *out);

/* The command line's clock (meridiand and meridian-engine --no-bus alike): @kind_name (NULL:
 * system) as mrd_clock_kind_from_string reads it; an offset and a frequency error only for the
 * virtual clock, which must start where a real clock could be set and run at a rate a real
 * oscillator could have (chrony's maxdrift bound; NaN and infinities fail both tests). FALSE
 * with G_OPTION_ERROR_BAD_VALUE, its message written for the command line, otherwise. */
gboolean    mrd_clock_check_options (const char *kind_name, double offset_s, double freq_ppm,
                                     MrdClockKind *kind, GError **error);

/* Virtual clock starting at the host's CLOCK_REALTIME plus @offset_s, running with a deliberate
 * frequency error of @error_ppm (e.g. +23 ppm runs 23 µs/s fast) on top of CLOCK_REALTIME. */
MrdClock   *mrd_clock_new_virtual      (double offset_s, double error_ppm);
/* The same with every input explicit: reads @start_ns when @host reads its first value
 * (@host NULL: CLOCK_REALTIME). */
MrdClock   *mrd_clock_new_virtual_full (gint64 start_ns, double error_ppm,
                                        MrdHostTimeFunc host, gpointer host_data);
/* The CLOCK_MONOTONIC instant of the CLOCK_REALTIME instant @real_ns, as the two clocks stand
 * now (the tightest of a few paired reads): where a timer for a virtual clock's deadline is
 * set. */
gint64      mrd_clock_realtime_to_monotonic (gint64 real_ns);
/* CLOCK_REALTIME minus CLOCK_BOOTTIME now, in ns (the tightest of a few paired reads;
 * @uncertainty_ns, if not NULL, gets the width of the bracket, which bounds its error). Only
 * a step moves it: the kernel slews both clocks alike, and CLOCK_BOOTTIME, unlike
 * CLOCK_MONOTONIC, also counts a suspend, during which CLOCK_REALTIME runs on. So a change
 * the daemon did not make itself is someone else's step (or the kernel's leap second). */
gint64      mrd_clock_realtime_minus_boottime (gint64 *uncertainty_ns);
/* CLOCK_REALTIME itself. Only for --clock system; setting it needs CAP_SYS_TIME. */
MrdClock   *mrd_clock_new_system       (void);

/* The system backend's seam: clock_adjtime(CLOCK_REALTIME, tx) (returns -1 with errno set).
 * Unit tests hand in a fake so that nothing reaches the kernel. */
typedef int (*MrdAdjtimeFunc) (gpointer user_data, struct timex *tx);
/* The system clock disciplined through @adjtime with the kernel's USER_HZ @user_hz
 * (sysconf(_SC_CLK_TCK); timex.tick is in µs per 1/USER_HZ s). */
MrdClock   *mrd_clock_new_system_full  (MrdAdjtimeFunc adjtime, gpointer user_data, long user_hz);

/* The frequency range of the kernel clock, as chronyd's Linux driver (sys_linux.c) uses it:
 * timex.freq spans ±500 ppm (adjtimex(2)); timex.tick may move ±10 % from 10^6/USER_HZ µs
 * (kernel/time/ntp.c refuses anything outside 900000/USER_HZ..1100000/USER_HZ), each µs of
 * tick being 10^6/(10^6/USER_HZ) = USER_HZ ppm. So the reach is 0.1 x 10^6 + 500 ppm =
 * 100500 ppm whatever USER_HZ is (rounding of the nominal tick aside). */
double      mrd_clock_system_max_freq  (long user_hz);
/* Split @freq_ppm (positive = faster, clamped to ±mrd_clock_system_max_freq) into timex.tick
 * (µs) and timex.freq (ppm << 16): the tick takes whole steps of USER_HZ ppm, the frequency
 * the rest (within ±USER_HZ/2 ppm, or up to ±500 at the ends of the tick range). Returns the
 * frequency actually set, in ppm. */
double      mrd_clock_system_split_freq (double freq_ppm, long user_hz, long *tick,
                                         long *freq_scaled);

/* Threads: reading (now_ns, now_usec, get_freq) is safe from any thread while
 * another thread sets, steps or changes the frequency; the changes themselves are made by
 * one thread (the main one). */
const char *mrd_clock_get_name  (MrdClock *clock);
gint64      mrd_clock_now_ns    (MrdClock *clock);
gint64      mrd_clock_now_usec  (MrdClock *clock);
/* Set the clock to @time_ns (a step to an absolute time). A time outside the settable range
 * (see MRD_CLOCK_SET_SEC_MAX) fails with G_IO_ERROR_INVALID_ARGUMENT and changes nothing,
 * whatever the backend. */
gboolean    mrd_clock_set_ns    (MrdClock *clock, gint64 time_ns, GError **error);
/* Step the clock by @delta_s (positive moves it forward). A step that is not finite or would
 * leave the settable range fails with G_IO_ERROR_INVALID_ARGUMENT and changes nothing. */
gboolean    mrd_clock_step      (MrdClock *clock, double delta_s, GError **error);
/* Set the frequency correction (absolute, ppm; positive makes the clock run faster). */
gboolean    mrd_clock_set_freq  (MrdClock *clock, double freq_ppm, GError **error);
/* The correction in force now (for a virtual clock past a planned change, the new one). */
double      mrd_clock_get_freq  (MrdClock *clock);
void        mrd_clock_free      (MrdClock *clock);

/* The largest |frequency| (ppm) mrd_clock_set_freq() reaches: the system backend's
 * mrd_clock_system_max_freq(); the virtual clock reports the same so that it is disciplined
 * as a real one would be. */
double      mrd_clock_get_max_freq (MrdClock *clock);
/* How many ns this clock advances per ns of CLOCK_MONOTONIC, so that a deadline on this clock
 * can be waited for on a CLOCK_MONOTONIC timer. 1 for the system clock (the kernel applies
 * the frequency and tick to CLOCK_MONOTONIC as to CLOCK_REALTIME); 1 + (error + correction)
 * x 1e-6 for the virtual clock (against CLOCK_REALTIME, which runs at CLOCK_MONOTONIC's
 * rate), which slews at up to 10 %. */
double      mrd_clock_get_monotonic_rate (MrdClock *clock);
/* The CLOCK_MONOTONIC instant (ns) at which this clock will read @time_ns, as its frequency
 * stands now (a planned change included, mrd_clock_set_freq_until), never before it: a timer
 * set there fires when the clock has got there. Clocks without a plan of their own: now plus
 * the distance divided by mrd_clock_get_monotonic_rate(). */
gint64      mrd_clock_monotonic_at (MrdClock *clock, gint64 time_ns);
/* A slew the clock ends by itself: the frequency correction @freq_ppm until the clock reads
 * @until_ns, then @then_ppm, with no call in between. Ending a slew from a timer instead costs
 * a wake-up per clock update (service/ntp/README.md). The virtual clocks do it exactly (their
 * line bends there; a leap second in between aside, which moves the end by its second). The
 * kernel has no such call: ADJ_FREQUENCY and ADJ_TICK act until changed, and what ends by
 * itself changes the slew's shape (ADJ_OFFSET_SINGLESHOT removes whole microseconds over
 * the next second at up to 500 ppm; the PLL's ADJ_OFFSET decays by a quarter or less each
 * second). So the system backend leaves this unset; its slews are the kernel's decay
 * (mrd_clock_decay_offset) or end on the engine's timer.
 * A later set_freq, set_freq_until, step or set replaces the plan. FALSE with
 * G_IO_ERROR_NOT_SUPPORTED where the backend cannot (mrd_clock_can_end_slews). */
gboolean    mrd_clock_set_freq_until (MrdClock *clock, double freq_ppm, gint64 until_ns,
                                      double then_ppm, GError **error);
gboolean    mrd_clock_can_end_slews (MrdClock *clock);
/* Have the clock remove @offset_s (positive = it is ahead) by itself, the kernel's way: with
 * its phase-locked loop on and the loop's frequency held (STA_PLL | STA_FREQHOLD, set by
 * mrd_clock_prepare_discipline), ADJ_OFFSET hands the kernel an offset of which it removes
 * 1/tau at each second, tau = 2^(2 + time constant) s (4 to 4096 s: kernel/time/ntp.c,
 * SHIFT_PLL and MAXTC), evenly over that second; the frequency stays what set_freq made it.
 * Takes the least tau >= @min_tau_s and returns it; 0 where the clock cannot (no such call,
 * that tau over @max_tau_s or 4096 s, |@offset_s| at or over the kernel's MAXPHASE of 0.5 s,
 * or the kernel's PLL turned off by someone else), and then nothing was handed over.
 * Replaces what an earlier call left; @offset_s 0 cancels it. */
double      mrd_clock_decay_offset (MrdClock *clock, double offset_s, double min_tau_s,
                                    double max_tau_s, GError **error);
gboolean    mrd_clock_can_decay_offsets (MrdClock *clock);
/* A CLOCK_REALTIME time (e.g. a kernel packet timestamp) as this clock read at that moment. */
gint64      mrd_clock_from_realtime_ns (MrdClock *clock, gint64 real_ns);
/* Arm (leap = 1 insert, -1 delete) or disarm (0) a leap second at the end of the UTC day:
 * STA_INS / STA_DEL for the system clock; the virtual clocks apply it themselves as the
 * kernel does (mrd_clock_leap_at), once. */
gboolean    mrd_clock_set_leap  (MrdClock *clock, int leap, GError **error);
int         mrd_clock_get_leap  (MrdClock *clock);
/* TAI - UTC, s: the system clock's kernel offset (ADJ_TAI), which CLOCK_TAI reads by; a
 * virtual clock only keeps it (mrd_clock_get_tai). */
gboolean    mrd_clock_set_tai   (MrdClock *clock, int tai_offset_s, GError **error);
int         mrd_clock_get_tai   (MrdClock *clock);
/* Tell the kernel how good the clock is (timex.esterror / maxerror, STA_UNSYNC), as chronyd
 * does (sys_timex.c): readers of adjtimex(2) / ntp_gettime(3) and timedated's sync check
 * (maxerror < 16 s) see the real state. STA_UNSYNC is cleared only when @rtcsync is set,
 * because clearing it is also what turns on the kernel's 11-minute RTC updates. */
gboolean    mrd_clock_set_sync_status (MrdClock *clock, gboolean synchronized,
                                       double est_error_s, double max_error_s,
                                       gboolean rtcsync, GError **error);
/* Before disciplining the clock: the system backend drops any offset the kernel's PLL was
 * still slewing (ADJ_OFFSET 0 with STA_PLL) and clears leap flags, as chronyd does at start
 * (sys_timex.c initialise_timex), so that nothing left by an earlier NTP daemon steers the
 * clock beside us; it then leaves the PLL on with its frequency held (STA_PLL |
 * STA_FREQHOLD, STA_UNSYNC), so that mrd_clock_decay_offset can hand it offsets while the
 * frequency stays ours alone. Nothing to do for the virtual clock. */
gboolean    mrd_clock_prepare_discipline (MrdClock *clock, GError **error);
/* The virtual clock's true error: its reading minus CLOCK_REALTIME, in s (positive = ahead).
 * FALSE for the system clock, whose truth nobody here knows. A test and demo aid. */
gboolean    mrd_clock_get_true_offset (MrdClock *clock, double *offset_s);

/* The leap second of the software clocks, as the kernel applies STA_INS / STA_DEL
 * (kernel/time/ntp.c, second_overflow): an insertion at the next UTC midnight after @now_ns
 * sets the clock back 1 s (23:59:59 is read twice), a deletion moves it on 1 s when it reaches
 * 23:59:59 (never read). mrd_clock_leap_at gives the reading from which the clock reads
 * mrd_clock_leap_shift() ns more (G_MAXINT64 for @leap 0; a deletion armed within the day's
 * last second waits for the next day, as the kernel, which checks once a second, would). */
gint64      mrd_clock_leap_at    (gint64 now_ns, int leap);
gint64      mrd_clock_leap_shift (int leap);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdClock, mrd_clock_free)

G_END_DECLS
