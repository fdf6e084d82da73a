/* engine-main.c — meridian-engine: the NTP engine process, linked against libglib alone.
 *
 * Three ways to run: meridiand's sandboxed child (--engine-child FD, how meridiand starts it,
 * service/privsep/mrd-engine-launch.c), the socket-activated meridian-engine.service
 * (--engine-activated), and the plain daemon configured by its file alone (--no-bus, the same
 * mode as `meridiand --no-bus`).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <glib/gi18n.h>

#include "mrd-startup.h"
#include "clock/mrd-clock.h"
#include "sync/mrd-sync-standalone.h"
#include "privsep/mrd-engine-child.h"

static gboolean
started_as_engine (int argc, char **argv)
{
  return mrd_startup_argv_has (argc, argv, "--engine-child") ||
         mrd_startup_argv_has (argc, argv, "--engine-activated");
}

int
main (int argc, char **argv)
{
  g_auto(MrdStartupCommon) common = { 0 };
  gboolean engine_activated = FALSE;
  gint engine_child = -1, engine_clock_fd = -1;
  const GOptionEntry entries[] = {
    { "engine-activated", 0, 0, G_OPTION_ARG_NONE, &engine_activated,
      N_("Run only the NTP engine, serving meridiand on the socket passed by socket activation "
         "(meridian-engine.service)"), NULL },
    /* Internal: how meridiand starts its engine process (service/privsep). */
    { "engine-child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &engine_child, NULL, NULL },
    { "engine-clock-fd", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &engine_clock_fd, NULL, NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  MrdClockKind clock_kind = MRD_CLOCK_KIND_SYSTEM;

  mrd_startup_memory ();
  /* The engine modes are started by meridiand or systemd, never by a person: their log needs
   * no translation, so they stay in the C locale and map none of the locale's files (about a
   * quarter of a MiB of RSS per process). */
  if (!mrd_startup_parse_options (&argc, &argv, &common, entries,
                                  N_("The Meridian NTP engine (started by meridiand or "
                                     "meridian-engine.socket, or alone with --no-bus)."),
                                  !started_as_engine (argc, argv)))
    return 2;
  if ((common.no_bus ? 1 : 0) + (engine_activated ? 1 : 0) + (engine_child >= 0 ? 1 : 0) != 1)
    {
      g_printerr (_("%s: give exactly one of --no-bus and --engine-activated\n"),
                  g_get_prgname ());
      return 2;
    }

  /* Options of one mode given in another would be ignored: refuse them. */
  if (common.no_bus &&
      (common.engine_user != NULL || common.engine_chroot != NULL || engine_clock_fd >= 0))
    {
      g_printerr (_("%s: --no-bus excludes --engine-user, --engine-chroot and --engine-clock-fd\n"),
                  g_get_prgname ());
      return 2;
    }
  if (!common.no_bus && (common.root != NULL || common.config != NULL ||
                         common.clock_name != NULL || common.virtual_offset != 0.0 ||
                         common.virtual_freq != 0.0))
    {
      g_printerr (_("%s: --root, --config, --clock, --virtual-offset and --virtual-freq need "
                    "--no-bus\n"), g_get_prgname ());
      return 2;
    }
  if (common.verbose)
    g_log_set_debug_enabled (TRUE);
  if (engine_activated || engine_child >= 0)
    {
      MrdEngineChildOptions child = {
        .channel_fd = engine_child,
        .clock_fd = engine_clock_fd,
        .user = common.engine_user,
        .chroot_dir = common.engine_chroot,
      };

      return engine_activated ? mrd_engine_child_run_activated (&child)
                              : mrd_engine_child_run (&child);
    }

  if (!mrd_clock_check_options (common.clock_name, common.virtual_offset, common.virtual_freq,
                                &clock_kind, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return 2;
    }
  return mrd_sync_standalone_main (common.config, common.root, clock_kind,
                                   common.virtual_offset, common.virtual_freq);
}
