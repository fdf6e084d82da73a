/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl set-ntp on|off: SetNTP, authorized by polkit; the daemon keeps the setting. */
#include <glib/gi18n.h>

#include "meridianctl.h"

int
mctl_set_ntp (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "set-ntp", "on|off", NULL);
  g_autoptr(GError) error = NULL;
  gboolean on;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc != 2)
    return mctl_usage_error (ctx, "set-ntp", _("set-ntp takes one argument: on or off"));
  if (!mctl_parse_boolean (argv[1], &on))
    {
      g_printerr (_("'%s' is neither on nor off.\n"), argv[1]);
      return MCTL_EXIT_INVALID_ARG;
    }
  if (!mctl_connect (ctx))
    return MCTL_EXIT_UNREACHABLE;

  if (!mctl_call_mutating (ctx, "SetNTP", g_variant_new ("(b)", on), &error))
    return mctl_report_error (ctx, _("Cannot change network time synchronization"), error);
  return MCTL_EXIT_OK;
}
