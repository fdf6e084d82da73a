/* mrd-clock.c — dispatch to the backends (see mrd-clock.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-clock.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <time.h>
#include <unistd.h>
#include "net/mrd-io-error.h"

#define NS_PER_SEC G_GINT64_CONSTANT (1000000000)

gboolean
mrd_clock_usec_is_settable (gint64 usec)
{
  return usec >= 0 && usec / G_USEC_PER_SEC < MRD_CLOCK_SET_SEC_MAX;
}

static gboolean
ns_is_settable (gint64 ns)
{
  return ns >= 0 && ns / NS_PER_SEC < MRD_CLOCK_SET_SEC_MAX;
}

/* What clock_settime(2) says for such a time: EINVAL (its text comes translated from libc). */
static gboolean
fail_out_of_range (GError **error)
{
  g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, g_strerror (EINVAL));
  return FALSE;
}

gboolean
mrd_clock_kind_from_string (const char *str, MrdClockKind *out)
{
  if (g_strcmp0 (str, "virtual") == 0)
    *out = MRD_CLOCK_KIND_VIRTUAL;
  else if (g_strcmp0 (str, "system") == 0)
    *out = MRD_CLOCK_KIND_SYSTEM;
  else
    return FALSE;
  return TRUE;
}

gboolean
mrd_clock_check_options (const char *kind_name, double offset_s, double freq_ppm,
                         MrdClockKind *kind, GError **error)
{
  *kind = MRD_CLOCK_KIND_SYSTEM;
  if (kind_name != NULL && !mrd_clock_kind_from_string (kind_name, kind))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--clock must be \"system\" or \"virtual\", not \"%s\""), kind_name);
      return FALSE;
    }
  if (*kind == MRD_CLOCK_KIND_SYSTEM && (offset_s != 0.0 || freq_ppm != 0.0))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--virtual-offset and --virtual-freq need --clock virtual"));
      return FALSE;
    }
  if (!(fabs (offset_s) < 1e10) ||
      !mrd_clock_usec_is_settable (g_get_real_time () + (gint64) (offset_s * 1e6)))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--virtual-offset must keep the clock between 1970 and 2232, not %g s off"),
                   offset_s);
      return FALSE;
    }
  if (!(fabs (freq_ppm) <= 500000.0))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--virtual-freq must be within ±500000 ppm, not %g"), freq_ppm);
      return FALSE;
    }
  return TRUE;
}

const char *
mrd_clock_get_name (MrdClock *clock)
{
  return clock->ops->name;
}

gint64
mrd_clock_now_ns (MrdClock *clock)
{
  return clock->ops->now_ns (clock);
}

gint64
mrd_clock_now_usec (MrdClock *clock)
{
  return clock->ops->now_ns (clock) / 1000;
}

gboolean
mrd_clock_set_ns (MrdClock *clock, gint64 time_ns, GError **error)
{
  /* The kernel would refuse it (EINVAL) and the virtual clock must not take it either. */
  if (!ns_is_settable (time_ns))
    return fail_out_of_range (error);
  return clock->ops->set_ns (clock, time_ns, error);
}

gboolean
mrd_clock_step (MrdClock *clock, double delta_s, GError **error)
{
  gint64 now = clock->ops->now_ns (clock);
  double target_s;

  /* In double seconds first: converting an out-of-range double to an integer is undefined,
   * and the range check must come before any ns arithmetic. */
  if (!isfinite (delta_s))
    return fail_out_of_range (error);
  target_s = (double) now / 1e9 + delta_s;
  if (!(target_s >= 0.0 && target_s < (double) MRD_CLOCK_SET_SEC_MAX))
    return fail_out_of_range (error);
  return clock->ops->step (clock, delta_s, error);
}

gboolean
mrd_clock_set_freq (MrdClock *clock, double freq_ppm, GError **error)
{
  return clock->ops->set_freq (clock, freq_ppm, error);
}

double
mrd_clock_get_freq (MrdClock *clock)
{
  return clock->ops->get_freq (clock);
}

void
mrd_clock_free (MrdClock *clock)
{
  if (clock != NULL)
    clock->ops->free (clock);
}

double
mrd_clock_get_max_freq (MrdClock *clock)
{
  if (clock->ops->get_max_freq != NULL)
    return clock->ops->get_max_freq (clock);
  return mrd_clock_system_max_freq (sysconf (_SC_CLK_TCK));
}

gint64
mrd_clock_from_realtime_ns (MrdClock *clock, gint64 real_ns)
{
  if (clock->ops->from_realtime_ns != NULL)
    return clock->ops->from_realtime_ns (clock, real_ns);
  return real_ns;
}

gboolean
mrd_clock_set_leap (MrdClock *clock, int leap, GError **error)
{
  leap = leap > 0 ? 1 : leap < 0 ? -1 : 0;
  if (clock->ops->set_leap == NULL)
    {
      clock->leap = leap;
      return TRUE;
    }
  if (!clock->ops->set_leap (clock, leap, error))
    return FALSE;
  clock->leap = leap;
  return TRUE;
}

int
mrd_clock_get_leap (MrdClock *clock)
{
  return clock->leap;
}

gboolean
mrd_clock_set_tai (MrdClock *clock, int tai_offset_s, GError **error)
{
  if (clock->ops->set_tai != NULL && !clock->ops->set_tai (clock, tai_offset_s, error))
    return FALSE;
  clock->tai_offset = tai_offset_s;
  return TRUE;
}

int
mrd_clock_get_tai (MrdClock *clock)
{
  return clock->tai_offset;
}

gboolean
mrd_clock_set_sync_status (MrdClock *clock, gboolean synchronized, double est_error_s,
                           double max_error_s, gboolean rtcsync, GError **error)
{
  clock->synchronized = synchronized;
  if (clock->ops->set_sync_status == NULL)
    return TRUE;
  return clock->ops->set_sync_status (clock, synchronized, est_error_s, max_error_s, rtcsync,
                                      error);
}

gboolean
mrd_clock_get_true_offset (MrdClock *clock, double *offset_s)
{
  if (clock->ops->get_true_offset == NULL)
    return FALSE;
  return clock->ops->get_true_offset (clock, offset_s);
}

gboolean
mrd_clock_prepare_discipline (MrdClock *clock, GError **error)
{
  clock->leap = 0;
  if (clock->ops->prepare_discipline == NULL)
    return TRUE;
  return clock->ops->prepare_discipline (clock, error);
}

double
mrd_clock_get_monotonic_rate (MrdClock *clock)
{
  if (clock->ops->get_monotonic_rate == NULL)
    return 1.0;
  return clock->ops->get_monotonic_rate (clock);
}

/* CLOCK_REALTIME minus @other now, in ns: @other read on both sides of CLOCK_REALTIME, the
 * tightest of a few tries (a thread preempted between two plain reads would be off by the
 * time it lost); @span_ns gets that bracket's width. */
static gint64
realtime_minus (clockid_t other, gint64 *span_ns)
{
  gint64 best_span = G_MAXINT64, best = 0;

  for (int i = 0; i < 3; i++)
    {
      struct timespec o1, r, o2;
      gint64 before, after;

      clock_gettime (other, &o1);
      clock_gettime (CLOCK_REALTIME, &r);
      clock_gettime (other, &o2);
      before = (gint64) o1.tv_sec * NS_PER_SEC + o1.tv_nsec;
      after = (gint64) o2.tv_sec * NS_PER_SEC + o2.tv_nsec;
      if (after - before < best_span)
        {
          best_span = after - before;
          best = (gint64) r.tv_sec * NS_PER_SEC + r.tv_nsec - (before + (after - before) / 2);
        }
    }
  *span_ns = best_span;
  return best;
}

gint64
mrd_clock_realtime_to_monotonic (gint64 real_ns)
{
  gint64 span;

  return real_ns - realtime_minus (CLOCK_MONOTONIC, &span);
}

gint64
mrd_clock_realtime_minus_boottime (gint64 *uncertainty_ns)
{
  gint64 span;
  gint64 diff = realtime_minus (CLOCK_BOOTTIME, &span);

  if (uncertainty_ns != NULL)
    *uncertainty_ns = span;
  return diff;
}

gint64
mrd_clock_monotonic_at (MrdClock *clock, gint64 time_ns)
{
  struct timespec ts;
  gint64 mono, delay;

  if (clock->ops->monotonic_at != NULL)
    return clock->ops->monotonic_at (clock, time_ns);
  clock_gettime (CLOCK_MONOTONIC, &ts);
  mono = (gint64) ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
  delay = time_ns - mrd_clock_now_ns (clock);
  if (delay <= 0)
    return mono;
  return mono + (gint64) ceil ((double) delay / mrd_clock_get_monotonic_rate (clock));
}

gboolean
mrd_clock_can_end_slews (MrdClock *clock)
{
  return clock->ops->set_freq_until != NULL;
}

gboolean
mrd_clock_can_decay_offsets (MrdClock *clock)
{
  return clock->ops->decay_offset != NULL;
}

double
mrd_clock_decay_offset (MrdClock *clock, double offset_s, double min_tau_s, double max_tau_s,
                        GError **error)
{
  if (clock->ops->decay_offset == NULL || !isfinite (offset_s))
    return 0.0;
  return clock->ops->decay_offset (clock, offset_s, min_tau_s, max_tau_s, error);
}

gboolean
mrd_clock_set_freq_until (MrdClock *clock, double freq_ppm, gint64 until_ns, double then_ppm,
                          GError **error)
{
  if (clock->ops->set_freq_until == NULL)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "The %s clock cannot end a slew by itself", clock->ops->name);
      return FALSE;
    }
  return clock->ops->set_freq_until (clock, freq_ppm, until_ns, then_ppm, error);
}

#define DAY_NS (G_GINT64_CONSTANT (86400) * G_GINT64_CONSTANT (1000000000))
#define SEC_NS G_GINT64_CONSTANT (1000000000)

gint64
mrd_clock_leap_at (gint64 now_ns, int leap)
{
  gint64 midnight;

  if (leap == 0)
    return G_MAXINT64;
  midnight = (now_ns >= 0 ? now_ns / DAY_NS : (now_ns - DAY_NS + 1) / DAY_NS) * DAY_NS + DAY_NS;
  if (leap > 0)
    return midnight;
  return now_ns < midnight - SEC_NS ? midnight - SEC_NS : midnight + DAY_NS - SEC_NS;
}

gint64
mrd_clock_leap_shift (int leap)
{
  return leap > 0 ? -SEC_NS : leap < 0 ? SEC_NS : 0;
}
