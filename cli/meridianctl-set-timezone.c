/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl set-timezone ZONE: SetTimezone, authorized by polkit. */
#include <glib/gi18n.h>

#include "meridianctl.h"

int
mctl_set_timezone (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "set-timezone", "ZONE", NULL);
  g_autoptr(GError) error = NULL;
  int status;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc != 2)
    return mctl_usage_error (ctx, "set-timezone", _("set-timezone takes one time zone name"));
  if (!mctl_connect (ctx))
    return MCTL_EXIT_UNREACHABLE;

  if (mctl_call_mutating (ctx, "SetTimezone", g_variant_new ("(s)", argv[1]), &error))
    return MCTL_EXIT_OK;
  g_autofree char *what = g_strdup_printf (_("Cannot set the time zone to %s"), argv[1]);
  status = mctl_report_error (ctx, what, error);
  if (status == MCTL_EXIT_INVALID_ARG)
    g_printerr (_("See 'meridianctl list-timezones' for the names you can use, "
                  "or choose one with 'meridianctl select-timezone'.\n"));
  return status;
}
