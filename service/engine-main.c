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
  int i;

  for (i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--engine-child") ||
        g_str_has_prefix (argv[i], "--engine-activated"))
      return TRUE;
  return FALSE;
}

int
main (int argc, char **argv)
{
  g_autofree char *root = NULL;
  g_autofree char *config = NULL;
  g_autofree char *clock_name = NULL;
  double virtual_offset = 0.0, virtual_freq = 0.0;
  gboolean verbose = FALSE, no_bus = FALSE, engine_activated = FALSE;
  gint engine_child = -1, engine_clock_fd = -1;
  g_autofree char *engine_user = NULL;
  g_autofree char *engine_chroot = NULL;
  const GOptionEntry entries[] = {
    { "no-bus", 0, 0, G_OPTION_ARG_NONE, &no_bus,
      N_("Run only the NTP engine, without D-Bus, configured by the file alone"), NULL },
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &root,
      N_("Directory that every system path is relative to (default: /)"), N_("DIR") },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config,
      N_("Configuration file (default: ROOT/etc/meridian/meridian.conf); the paths in it are "
         "relative to ROOT"), N_("FILE") },
    { "clock", 0, 0, G_OPTION_ARG_STRING, &clock_name,
      N_("Clock to read and set: \"system\" (needs CAP_SYS_TIME) or \"virtual\" (default: system)"),
      N_("KIND") },
    { "virtual-offset", 0, 0, G_OPTION_ARG_DOUBLE, &virtual_offset,
      N_("Start the virtual clock this many seconds off the real time"), N_("SECONDS") },
    { "virtual-freq", 0, 0, G_OPTION_ARG_DOUBLE, &virtual_freq,
      N_("Frequency error of the virtual clock"), N_("PPM") },
    { "engine-activated", 0, 0, G_OPTION_ARG_NONE, &engine_activated,
      N_("Run only the NTP engine, serving meridiand on the socket passed by socket activation "
         "(meridian-engine.service)"), NULL },
    { "engine-user", 0, 0, G_OPTION_ARG_STRING, &engine_user,
      N_("User the network-facing NTP engine runs as (default: meridian, else nobody)"),
      N_("USER") },
    { "engine-chroot", 0, 0, G_OPTION_ARG_FILENAME, &engine_chroot,
      N_("Empty directory the NTP engine is confined to (source names then need addresses)"),
      N_("DIR") },
    /* Internal: how meridiand starts its engine process (service/privsep). */
    { "engine-child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &engine_child, NULL, NULL },
    { "engine-clock-fd", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &engine_clock_fd, NULL, NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log debugging messages"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  MrdClockKind clock_kind = MRD_CLOCK_KIND_SYSTEM;

  mrd_startup_memory (argv);
  /* The engine modes are started by meridiand or systemd, never by a person: their log needs
   * no translation, so they stay in the C locale and map none of the locale's files (about a
   * quarter of a MiB of RSS per process). */
  if (!mrd_startup_parse_options (&argc, &argv, entries,
                                  N_("The Meridian NTP engine (started by meridiand or "
                                     "meridian-engine.socket, or alone with --no-bus)."),
                                  !started_as_engine (argc, argv)))
    return 2;
  if ((no_bus ? 1 : 0) + (engine_activated ? 1 : 0) + (engine_child >= 0 ? 1 : 0) != 1)
    {
      g_printerr (_("%s: give exactly one of --no-bus and --engine-activated\n"),
                  g_get_prgname ());
      return 2;
    }

  /* Options of one mode given in another would be ignored: refuse them. */
  if (no_bus && (engine_user != NULL || engine_chroot != NULL || engine_clock_fd >= 0))
    {
      g_printerr (_("%s: --no-bus excludes --engine-user, --engine-chroot and --engine-clock-fd\n"),
                  g_get_prgname ());
      return 2;
    }
  if (!no_bus && (root != NULL || config != NULL || clock_name != NULL ||
                  virtual_offset != 0.0 || virtual_freq != 0.0))
    {
      g_printerr (_("%s: --root, --config, --clock, --virtual-offset and --virtual-freq need "
                    "--no-bus\n"), g_get_prgname ());
      return 2;
    }
  if (verbose)
    g_log_set_debug_enabled (TRUE);
  if (engine_activated || engine_child >= 0)
    {
      MrdEngineChildOptions child = {
        .channel_fd = engine_child,
        .clock_fd = engine_clock_fd,
        .user = engine_user,
        .chroot_dir = engine_chroot,
      };

      return engine_activated ? mrd_engine_child_run_activated (&child)
                              : mrd_engine_child_run (&child);
    }

  if (!mrd_clock_check_options (clock_name, virtual_offset, virtual_freq, &clock_kind, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return 2;
    }
  return mrd_sync_standalone_main (config, root, clock_kind, virtual_offset, virtual_freq);
}
