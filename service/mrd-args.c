/* mrd-args.c — see mrd-args.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-args.h"

#include "clock/mrd-clock.h"

#include <glib/gi18n.h>

/* timedated's own words for a time it cannot compute (already translated in po/): past
 * 2232 is where the kernel's clock arithmetic would overflow. */
void
mrd_args_set_time_out_of_range_error (GError **error)
{
  g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, _("Time value overflow"));
}

gboolean
mrd_args_set_time_target (gint64 usec_utc, gboolean relative, gint64 now_usec,
                          gint64 *target_usec, MrdSetTimeAction *action, GError **error)
{
  if (!relative)
    {
      if (usec_utc <= 0)
        {
          g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                               _("Invalid absolute time"));
          return FALSE;
        }
      if (!mrd_clock_usec_is_settable (usec_utc))
        {
          g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                               _("Invalid absolute time"));
          return FALSE;
        }
      *target_usec = usec_utc;
      *action = MRD_SET_TIME_APPLY;
      return TRUE;
    }

  if (usec_utc == 0)
    {
      *target_usec = now_usec;
      *action = MRD_SET_TIME_NOOP;
      return TRUE;
    }
  if ((usec_utc > 0 && now_usec > G_MAXINT64 - usec_utc) ||
      (usec_utc < 0 && now_usec < G_MININT64 - usec_utc) ||
      now_usec + usec_utc <= 0)
    {
      g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                           _("Time value overflow"));
      return FALSE;
    }
  if (!mrd_clock_usec_is_settable (now_usec + usec_utc))
    {
      mrd_args_set_time_out_of_range_error (error);
      return FALSE;
    }
  *target_usec = now_usec + usec_utc;
  *action = MRD_SET_TIME_APPLY;
  return TRUE;
}

gint64
mrd_args_adjust_for_delay (gint64 target_usec, gint64 received_mono_usec, gint64 now_mono_usec)
{
  gint64 delay = now_mono_usec - received_mono_usec;

  if (delay <= 0)
    return target_usec;
  if (target_usec > G_MAXINT64 - delay)
    return G_MAXINT64;
  return target_usec + delay;
}

gint64
mrd_args_describe_at_seconds (guint64 at_usec, gint64 now_usec)
{
  gint64 usec = at_usec == 0 ? now_usec : (gint64) MIN (at_usec, (guint64) G_MAXINT64);

  /* Floor division, so an instant just before the epoch is not rounded up into it. */
  if (usec < 0)
    return -((-usec + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  return usec / G_USEC_PER_SEC;
}
