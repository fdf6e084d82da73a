/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl set-time "YYYY-MM-DD HH:MM:SS": SetTime with the time read, as timedatectl reads
 * it, as a wall-clock time in the system time zone.  The zone's rules come from the daemon
 * (DescribeZone), so the client needs no tzdata of its own and agrees with the daemon's. */
#include <glib/gi18n.h>

#include "meridianctl.h"

int
mctl_set_time (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx =
    mctl_option_context_new (ctx, "set-time", "\"YYYY-MM-DD HH:MM:SS\"", NULL);
  g_autoptr(GError) error = NULL;
  const char *zone;
  gint64 naive;
  guint64 usec;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc != 2)
    return mctl_usage_error (ctx, "set-time",
                             _("set-time takes one argument, the time in quotes: "
                               "\"YYYY-MM-DD HH:MM:SS\""));
  if (!mctl_parse_naive_time (argv[1], &naive))
    {
      g_printerr (_("'%s' is not a time meridianctl understands. Write it as "
                    "\"YYYY-MM-DD HH:MM:SS\", e.g. \"2026-03-01 09:30:00\".\n"), argv[1]);
      return MCTL_EXIT_INVALID_ARG;
    }
  if (!mctl_connect (ctx))
    return MCTL_EXIT_UNREACHABLE;

  zone = mrd_dbus_time1_get_timezone (ctx->time1);
  if (zone == NULL || *zone == '\0')
    zone = "UTC";
  if (!mctl_local_to_usec (ctx, zone, naive, &usec, &error))
    {
      if (error->domain == G_IO_ERROR && error->code == G_IO_ERROR_INVALID_ARGUMENT)
        {
          g_printerr ("%s\n", error->message);
          return MCTL_EXIT_INVALID_ARG;
        }
      return mctl_report_error (ctx, _("Cannot read the time zone's rules"), error);
    }
  if (usec > G_MAXINT64)
    {
      g_printerr (_("'%s' is out of range.\n"), argv[1]);
      return MCTL_EXIT_INVALID_ARG;
    }

  if (!mctl_call_mutating (ctx, "SetTime", g_variant_new ("(xb)", (gint64) usec, FALSE), &error))
    return mctl_report_error (ctx, _("Cannot set the time"), error);
  return MCTL_EXIT_OK;
}
