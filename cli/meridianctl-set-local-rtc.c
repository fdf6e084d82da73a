/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl set-local-rtc on|off [--adjust-system-clock]: SetLocalRTC, authorized by polkit.
 * As with timedatectl, the system clock is re-read from the RTC only when asked to. */
#include <glib/gi18n.h>

#include "meridianctl.h"

int
mctl_set_local_rtc (MctlContext *ctx, int argc, char **argv)
{
  gboolean adjust_system = FALSE;
  const GOptionEntry entries[] = {
    { "adjust-system-clock", 0, 0, G_OPTION_ARG_NONE, &adjust_system,
      N_("Set the system clock from the RTC, read in its new time scale"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "set-local-rtc", "on|off", entries);
  g_autoptr(GError) error = NULL;
  gboolean local;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc != 2)
    return mctl_usage_error (ctx, "set-local-rtc", _("set-local-rtc takes one argument: on or off"));
  if (!mctl_parse_boolean (argv[1], &local))
    {
      g_printerr (_("'%s' is neither on nor off.\n"), argv[1]);
      return MCTL_EXIT_INVALID_ARG;
    }
  if (!mctl_connect (ctx))
    return MCTL_EXIT_UNREACHABLE;

  if (!mctl_call_mutating (ctx, "SetLocalRTC", g_variant_new ("(bb)", local, adjust_system), &error))
    return mctl_report_error (ctx, _("Cannot change how the RTC keeps time"), error);
  return MCTL_EXIT_OK;
}
