/* mrd-clock.c — dispatch to the backends (see mrd-clock.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-clock.h"

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
  return clock->ops->set_ns (clock, time_ns, error);
}

gboolean
mrd_clock_step (MrdClock *clock, double delta_s, GError **error)
{
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

gboolean
mrd_clock_read_rtc (MrdClock *clock, gint64 *usec)
{
  if (clock->ops->read_rtc == NULL)
    return FALSE;
  return clock->ops->read_rtc (clock, usec);
}

void
mrd_clock_free (MrdClock *clock)
{
  if (clock != NULL)
    clock->ops->free (clock);
}
