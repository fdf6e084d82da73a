/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * meridianctl set-time TIME: SetTime with TIME read as `timedatectl set-time` reads it
 * (systemd.time(7), see meridianctl-time.c): a wall-clock time is local time in the system
 * time zone, placed with the zone's rules from the daemon (DescribeZone), so the client needs
 * no tzdata of its own; relative times count from the daemon's clock. */
#include <glib/gi18n.h>

#include "meridianctl.h"

int
mctl_set_time (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "set-time", "TIME", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(MctlZoneInfo) now_info = { 0 };
  MctlTimeSpec spec;
  const char *zone;
  gint64 now_usec, usec;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc != 2)
    return mctl_usage_error (ctx, "set-time",
                             _("set-time takes one argument, the time in quotes: "
                               "\"YYYY-MM-DD HH:MM:SS\""));
  if (!mctl_connect (ctx))
    return MCTL_EXIT_UNREACHABLE;

  zone = mctl_get_timezone (ctx);
  now_usec = mctl_get_time_usec (ctx);
  if (!mctl_describe (ctx, zone, now_usec, &now_info, &error))
    return mctl_report_error (ctx, _("Cannot read the time zone's rules"), error);
  if (!mctl_time_parse (argv[1], now_usec, now_info.utc_offset, &spec))
    {
      g_printerr (_("'%s' is not a time meridianctl understands.\n"), argv[1]);
      g_printerr ("%s\n", mctl_time_accepted ());
      return MCTL_EXIT_INVALID_ARG;
    }
  if (spec.local)
    {
      MctlLocalTime placed;
      if (!mctl_local_place (ctx, zone, spec.naive_s, &placed, &error))
        return mctl_report_error (ctx, _("Cannot read the time zone's rules"), error);
      usec = mctl_local_time_pick (&placed) * G_USEC_PER_SEC + spec.frac_usec;
    }
  else
    usec = spec.usec;
  if (usec < 0)
    {
      g_printerr (_("'%s' is before 1970, which the system clock cannot be set to.\n"), argv[1]);
      return MCTL_EXIT_INVALID_ARG;
    }

  if (!mctl_call_mutating (ctx, "SetTime", g_variant_new ("(xb)", usec, FALSE), &error))
    return mctl_report_error (ctx, _("Cannot set the time"), error);
  return MCTL_EXIT_OK;
}
