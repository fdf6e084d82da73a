/* mrd-clock-system.c — CLOCK_REALTIME, set with clock_settime(2) and disciplined with
 * clock_adjtime(2). Used only with --clock system (needs CAP_SYS_TIME); tests and the demo
 * never create it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1  /* clock_adjtime(2) */

#include "mrd-clock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/rtc.h>
#include <sys/timex.h>
#include <time.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

static gint64
system_now_ns (MrdClock *clock)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static gboolean
fail_errno (GError **error, int errsv, const char *what)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", what,
               g_strerror (errsv));
  return FALSE;
}

static gboolean
system_set_ns (MrdClock *clock, gint64 time_ns, GError **error)
{
  struct timespec ts = {
    .tv_sec = time_ns / G_GINT64_CONSTANT (1000000000),
    .tv_nsec = time_ns % G_GINT64_CONSTANT (1000000000),
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
  /* ADJ_SETOFFSET with ADJ_NANO: the kernel adds the offset atomically (adjtimex(2)), which
   * reading and then setting the clock could not. */
  struct timex tx = { .modes = ADJ_SETOFFSET | ADJ_NANO };
  gint64 ns = (gint64) (delta_s * 1e9);

  tx.time.tv_sec = ns / G_GINT64_CONSTANT (1000000000);
  tx.time.tv_usec = ns % G_GINT64_CONSTANT (1000000000);
  if (tx.time.tv_usec < 0)
    {
      tx.time.tv_sec--;
      tx.time.tv_usec += 1000000000;
    }
  if (clock_adjtime (CLOCK_REALTIME, &tx) < 0)
    return fail_errno (error, errno, _("Failed to step the system clock"));
  return TRUE;
}

static gboolean
system_set_freq (MrdClock *clock, double freq_ppm, GError **error)
{
  /* timex.freq is in ppm with a 16-bit binary fraction (adjtimex(2)); the kernel accepts
   * ±500 ppm. */
  struct timex tx = { .modes = ADJ_FREQUENCY };

  freq_ppm = CLAMP (freq_ppm, -500.0, 500.0);
  tx.freq = (long) (freq_ppm * 65536.0);
  if (clock_adjtime (CLOCK_REALTIME, &tx) < 0)
    return fail_errno (error, errno, _("Failed to set the clock frequency"));
  return TRUE;
}

static double
system_get_freq (MrdClock *clock)
{
  struct timex tx = { .modes = 0 };

  if (clock_adjtime (CLOCK_REALTIME, &tx) < 0)
    return 0.0;
  return (double) tx.freq / 65536.0;
}

static gboolean
system_read_rtc (MrdClock *clock, gint64 *usec)
{
  /* rtc(4): RTC_RD_TIME fills a struct tm-like rtc_time; reading changes nothing. */
  static GMutex rtc_lock;
  struct rtc_time rt = { 0 };
  struct tm tm = { 0 };
  time_t t;
  int fd, r;

  /* The RTC device can be open only once at a time (rtc-dev.c: EBUSY otherwise): one
   * reader in this process at a time. */
  g_mutex_lock (&rtc_lock);
  fd = open ("/dev/rtc", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      g_mutex_unlock (&rtc_lock);
      return FALSE;
    }
  r = ioctl (fd, RTC_RD_TIME, &rt);
  close (fd);
  g_mutex_unlock (&rtc_lock);
  if (r < 0)
    return FALSE;
  tm.tm_sec = rt.tm_sec;
  tm.tm_min = rt.tm_min;
  tm.tm_hour = rt.tm_hour;
  tm.tm_mday = rt.tm_mday;
  tm.tm_mon = rt.tm_mon;
  tm.tm_year = rt.tm_year;
  t = timegm (&tm);
  if (t == (time_t) -1)
    return FALSE;
  *usec = (gint64) t * G_USEC_PER_SEC;
  return TRUE;
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
  .read_rtc = system_read_rtc,
  .free = system_free,
};

MrdClock *
mrd_clock_new_system (void)
{
  MrdClock *clock = g_new0 (MrdClock, 1);

  clock->ops = &system_ops;
  clock->kind = MRD_CLOCK_KIND_SYSTEM;
  return clock;
}
