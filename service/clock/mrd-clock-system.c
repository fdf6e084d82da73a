/* mrd-clock-system.c — CLOCK_REALTIME, set with clock_settime(2) and disciplined with
 * clock_adjtime(2). Used only with --clock system (needs CAP_SYS_TIME); tests and the demo
 * never create it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1  /* clock_adjtime(2) */

#include "mrd-clock.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <sys/timex.h>
#include <time.h>
#include <glib/gi18n.h>
#include "net/mrd-io-error.h"

typedef struct {
  MrdClock parent;
  MrdAdjtimeFunc adjtime;
  gpointer adjtime_data;
  long user_hz;
} MrdClockSystem;

#define NS_PER_SEC G_GINT64_CONSTANT (1000000000)
/* timex.freq and the kernel's ±500 ppm range (adjtimex(2): ppm with a 16-bit fraction). */
#define FREQ_SCALE 65536.0
#define KERNEL_MAX_FREQ 500.0
/* chronyd's MAX_SYNC_ERROR (sys_timex.c): the kernel's own ceiling for maxerror (NTP_PHASE_LIMIT,
 * 16 s), beyond which it sets STA_UNSYNC itself; timedated calls the clock synchronized
 * exactly while maxerror stays below it. */
#define MAX_SYNC_ERROR 16.0
/* kernel/time/ntp.c: with STA_PLL, of the offset handed over with ADJ_OFFSET the kernel
 * removes what is left >> (SHIFT_PLL + time_constant) at each second (second_overflow),
 * time_constant from 0 to MAXTC; it takes at most MAXPHASE. */
#define KERNEL_SHIFT_PLL 2
#define KERNEL_MAXTC 10
#define KERNEL_MAXPHASE 0.5

static int
real_adjtime (gpointer user_data, struct timex *tx)
{
  return clock_adjtime (CLOCK_REALTIME, tx);
}

static long
nominal_tick (long user_hz)
{
  return (1000000 + user_hz / 2) / user_hz;
}

double
mrd_clock_system_max_freq (long user_hz)
{
  long nominal = nominal_tick (user_hz);

  /* kernel/time/ntp.c: 900000/USER_HZ <= tick <= 1100000/USER_HZ, i.e. ±nominal/10 µs, each
   * µs of tick worth 1e6/nominal ppm; the frequency adds its ±500 ppm on top. */
  return (double) (nominal / 10) * (1e6 / (double) nominal) + KERNEL_MAX_FREQ;
}

double
mrd_clock_system_split_freq (double freq_ppm, long user_hz, long *tick, long *freq_scaled)
{
  long nominal = nominal_tick (user_hz);
  long max_bias = nominal / 10;
  double per_tick = 1e6 / (double) nominal;   /* ppm per µs of tick */
  double max = mrd_clock_system_max_freq (user_hz);
  double rest;
  long delta;

  if (!isfinite (freq_ppm))
    freq_ppm = 0.0;
  freq_ppm = CLAMP (freq_ppm, -max, max);
  /* As chronyd's sys_linux.c set_frequency(): the tick takes the nearest whole step, the
   * frequency the remainder (at most half a step, except at the ends of the tick range). */
  delta = lround (freq_ppm / per_tick);
  delta = CLAMP (delta, -max_bias, max_bias);
  rest = CLAMP (freq_ppm - per_tick * (double) delta, -KERNEL_MAX_FREQ, KERNEL_MAX_FREQ);
  *tick = nominal + delta;
  *freq_scaled = lround (rest * FREQ_SCALE);
  return per_tick * (double) delta + (double) *freq_scaled / FREQ_SCALE;
}

static gint64
system_now_ns (MrdClock *clock)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (gint64) ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static gboolean
fail_errno (GError **error, int errsv, const char *what)
{
  g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (errsv), "%s: %s", what,
               g_strerror (errsv));
  return FALSE;
}

static gboolean
system_set_ns (MrdClock *clock, gint64 time_ns, GError **error)
{
  struct timespec ts = {
    .tv_sec = time_ns / NS_PER_SEC,
    .tv_nsec = time_ns % NS_PER_SEC,
  };

  if (ts.tv_nsec < 0)
    {
      ts.tv_sec--;
      ts.tv_nsec += 1000000000;
    }
  if (clock_settime (CLOCK_REALTIME, &ts) < 0)
    return fail_errno (error, errno, _("Failed to set the system clock"));
  return TRUE;
}

static gboolean
system_step (MrdClock *clock, double delta_s, GError **error)
{
  MrdClockSystem *self = (MrdClockSystem *) clock;
  /* ADJ_SETOFFSET with ADJ_NANO: the kernel adds the offset atomically (adjtimex(2)), which
   * reading and then setting the clock could not. tv_usec holds ns with ADJ_NANO and must be
   * in [0, 1e9). */
  struct timex tx = { .modes = ADJ_SETOFFSET | ADJ_NANO };
  gint64 ns = (gint64) llround (delta_s * 1e9);

  tx.time.tv_sec = ns / NS_PER_SEC;
  tx.time.tv_usec = ns % NS_PER_SEC;
  if (tx.time.tv_usec < 0)
    {
      tx.time.tv_sec--;
      tx.time.tv_usec += 1000000000;
    }
  if (self->adjtime (self->adjtime_data, &tx) < 0)
    return fail_errno (error, errno, _("Failed to step the system clock"));
  return TRUE;
}

static gboolean
system_set_freq (MrdClock *clock, double freq_ppm, GError **error)
{
  MrdClockSystem *self = (MrdClockSystem *) clock;
  struct timex tx = { .modes = ADJ_TICK | ADJ_FREQUENCY };
  long tick, freq;

  mrd_clock_system_split_freq (freq_ppm, self->user_hz, &tick, &freq);
  tx.tick = tick;
  tx.freq = freq;
  if (self->adjtime (self->adjtime_data, &tx) < 0)
    return fail_errno (error, errno, _("Failed to set the clock frequency"));
  return TRUE;
}

static double
system_get_freq (MrdClock *clock)
{
  MrdClockSystem *self = (MrdClockSystem *) clock;
  struct timex tx = { .modes = 0 };
  long nominal = nominal_tick (self->user_hz);

  if (self->adjtime (self->adjtime_data, &tx) < 0)
    return 0.0;
  return (double) (tx.tick - nominal) * (1e6 / (double) nominal) + (double) tx.freq / FREQ_SCALE;
}

static double
system_get_max_freq (MrdClock *clock)
{
  return mrd_clock_system_max_freq (((MrdClockSystem *) clock)->user_hz);
}

/* Read the status word, clear @clear and set @set in it, write it back with @tx's other
 * modes (read-modify-write: the other bits belong to the kernel or to other users). */
static gboolean
update_status (MrdClockSystem *self, int clear, int set, struct timex *tx, GError **error)
{
  struct timex now = { .modes = 0 };

  if (self->adjtime (self->adjtime_data, &now) < 0)
    return fail_errno (error, errno, _("Failed to read the clock status"));
  tx->modes |= ADJ_STATUS;
  tx->status = (now.status & ~clear) | set;
  if (self->adjtime (self->adjtime_data, tx) < 0)
    return fail_errno (error, errno, _("Failed to set the clock status"));
  return TRUE;
}

static gboolean
system_prepare_discipline (MrdClock *clock, GError **error)
{
  MrdClockSystem *self = (MrdClockSystem *) clock;
  /* chronyd's initialise_timex(): a zero offset with STA_PLL set clears what the kernel's PLL
   * was still slewing, and the leap flags go. The PLL then stays on with its frequency held
   * (STA_FREQHOLD: an offset handed over changes no frequency, kernel/time/ntp.c
   * ntp_update_offset), so that system_decay_offset can use it; FLL and leap flags off,
   * STA_UNSYNC until synchronized. Turning STA_PLL off later would also make the kernel
   * forget an armed leap second (process_adj_status), so it is left on. */
  struct timex reset = { .modes = ADJ_OFFSET | ADJ_STATUS, .status = STA_PLL | STA_UNSYNC,
                         .offset = 0 };
  struct timex held = { .modes = ADJ_STATUS | ADJ_NANO,
                        .status = STA_PLL | STA_FREQHOLD | STA_UNSYNC };

  if (self->adjtime (self->adjtime_data, &reset) < 0 ||
      self->adjtime (self->adjtime_data, &held) < 0)
    return fail_errno (error, errno, _("Failed to reset the kernel's clock discipline"));
  return TRUE;
}

static double
system_decay_offset (MrdClock *clock, double offset_s, double min_tau_s, double max_tau_s,
                     GError **error)
{
  MrdClockSystem *self = (MrdClockSystem *) clock;
  /* ADJ_NANO with the offset: the status word written elsewhere may have lost STA_NANO on a
   * kernel model that keeps only its low bits, and the offset is then read in µs. */
  struct timex tx = { .modes = ADJ_OFFSET | ADJ_TIMECONST | ADJ_NANO };
  double tau = (double) (1 << KERNEL_SHIFT_PLL);
  int constant = 0;

  if (!(fabs (offset_s) < KERNEL_MAXPHASE))
    return 0.0;
  while (tau < min_tau_s && constant < KERNEL_MAXTC)
    {
      constant++;
      tau *= 2.0;
    }
  if (tau < min_tau_s || tau > max_tau_s)
    return 0.0;
  /* The kernel's offset is how far the clock is behind: positive makes it gain. */
  tx.offset = -lround (offset_s * 1e9);
  tx.constant = constant;
  if (self->adjtime (self->adjtime_data, &tx) < 0)
    {
      fail_errno (error, errno, _("Failed to hand the kernel an offset to slew"));
      return 0.0;
    }
  /* Someone turned the PLL off (another NTP daemon, adjtimex -S): the kernel ignored the
   * offset. */
  if (!(tx.status & STA_PLL))
    return 0.0;
  return tau;
}

static gboolean
system_set_leap (MrdClock *clock, int leap, GError **error)
{
  struct timex tx = { .modes = 0 };

  /* STA_INS / STA_DEL: the kernel inserts or deletes the last second of the UTC day
   * (kernel/time/ntp.c second_overflow). */
  return update_status ((MrdClockSystem *) clock, STA_INS | STA_DEL,
                        leap > 0 ? STA_INS : leap < 0 ? STA_DEL : 0, &tx, error);
}

static gboolean
system_set_tai (MrdClock *clock, int tai_offset_s, GError **error)
{
  MrdClockSystem *self = (MrdClockSystem *) clock;
  /* ADJ_TAI takes the offset in timex.constant (kernel/time/ntp.c process_adjtimex_modes) */
  struct timex tx = { .modes = ADJ_TAI, .constant = tai_offset_s };

  if (self->adjtime (self->adjtime_data, &tx) < 0)
    return fail_errno (error, errno, _("Failed to set the kernel's TAI offset"));
  return TRUE;
}

static gboolean
system_set_sync_status (MrdClock *clock, gboolean synchronized, double est_error_s,
                        double max_error_s, gboolean rtcsync, GError **error)
{
  struct timex tx = { .modes = ADJ_ESTERROR | ADJ_MAXERROR };

  /* As chronyd's sys_timex.c set_sync_status(). */
  if (synchronized)
    {
      if (!(est_error_s < MAX_SYNC_ERROR))
        est_error_s = MAX_SYNC_ERROR;
      if (!(max_error_s < MAX_SYNC_ERROR))
        {
          max_error_s = MAX_SYNC_ERROR;
          synchronized = FALSE;
        }
    }
  else
    est_error_s = max_error_s = MAX_SYNC_ERROR;
  tx.esterror = (long) (MAX (est_error_s, 0.0) * 1e6);
  tx.maxerror = (long) (MAX (max_error_s, 0.0) * 1e6);
  /* Clearing STA_UNSYNC makes the kernel copy the system time to the RTC every 11 minutes
   * (kernel/time/ntp.c sync_hw_clock), which only `rtcsync` asks for. */
  return update_status ((MrdClockSystem *) clock,
                        synchronized && rtcsync ? STA_UNSYNC : 0,
                        synchronized && rtcsync ? 0 : STA_UNSYNC, &tx, error);
}

static void
system_free (MrdClock *clock)
{
  g_free (clock);
}

static const MrdClockOps system_ops = {
  .name = "system",
  .now_ns = system_now_ns,
  .set_ns = system_set_ns,
  .step = system_step,
  .set_freq = system_set_freq,
  .get_freq = system_get_freq,
  .free = system_free,
  .get_max_freq = system_get_max_freq,
  .set_leap = system_set_leap,
  .set_tai = system_set_tai,
  .set_sync_status = system_set_sync_status,
  .prepare_discipline = system_prepare_discipline,
  .decay_offset = system_decay_offset,
};

MrdClock *
mrd_clock_new_system_full (MrdAdjtimeFunc adjtime, gpointer user_data, long user_hz)
{
  MrdClockSystem *self = g_new0 (MrdClockSystem, 1);

  self->parent.ops = &system_ops;
  self->parent.kind = MRD_CLOCK_KIND_SYSTEM;
  self->adjtime = adjtime != NULL ? adjtime : real_adjtime;
  self->adjtime_data = user_data;
  self->user_hz = user_hz > 0 ? user_hz : 100;
  return &self->parent;
}

MrdClock *
mrd_clock_new_system (void)
{
  return mrd_clock_new_system_full (NULL, NULL, sysconf (_SC_CLK_TCK));
}
