/* main.c — meridiand: parse the options, start the daemon, run until SIGTERM/SIGINT.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gio.h>

#include "mrd-daemon.h"
#include "mrd-startup.h"
#include "clock/mrd-clock.h"
#include "sync/mrd-sync-standalone.h"

static gboolean
on_quit_signal (gpointer user_data)
{
  g_info ("Received a termination signal, exiting");
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_name_lost (MrdDaemon *daemon, gpointer user_data)
{
  int *exit_status = g_object_get_data (G_OBJECT (daemon), "mrd-exit-status");

  *exit_status = EXIT_FAILURE;
  g_main_loop_quit (user_data);
}

int
main (int argc, char **argv)
{
  g_auto(MrdStartupCommon) common = { 0 };
  g_autofree char *zoneinfo = NULL;
  gboolean no_timedate1 = FALSE, no_engine = FALSE;
  g_autofree char *engine_socket = NULL;
  const GOptionEntry entries[] = {
    { "zoneinfo", 0, 0, G_OPTION_ARG_FILENAME, &zoneinfo,
      N_("Time zone database (default: $TZDIR or /usr/share/zoneinfo)"), N_("DIR") },
    { "no-timedate1", 0, 0, G_OPTION_ARG_NONE, &no_timedate1,
      N_("Do not serve org.freedesktop.timedate1"), NULL },
    { "no-engine", 0, 0, G_OPTION_ARG_NONE, &no_engine,
      N_("Do not start the NTP engine (sources are kept and shown, never polled)"), NULL },
    { "engine-socket", 0, 0, G_OPTION_ARG_FILENAME, &engine_socket,
      N_("Connect to the NTP engine at this socket (meridian-engine.socket) while NTP is on, "
         "instead of starting it as a child process"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(MrdDaemon) daemon = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  MrdDaemonOptions options = { 0 };
  int exit_status = EXIT_SUCCESS;

  mrd_startup_memory ();

  if (!mrd_startup_parse_options (&argc, &argv, &common, entries,
                                  N_("The Meridian time service (org.meridian.Time1 and "
                                     "org.freedesktop.timedate1 on the system bus)."), TRUE))
    return 2;

  if (common.verbose)
    g_log_set_debug_enabled (TRUE);
  /* With a socket the engine is another unit's process: who it runs as is that unit's. */
  if (engine_socket != NULL &&
      (common.engine_user != NULL || common.engine_chroot != NULL || no_engine))
    {
      g_printerr (_("%s: --engine-socket excludes --engine-user, --engine-chroot and "
                    "--no-engine\n"), g_get_prgname ());
      return 2;
    }
  if (engine_socket != NULL && !g_path_is_absolute (engine_socket))
    {
      g_printerr (_("%s: --engine-socket needs an absolute path, not \"%s\"\n"),
                  g_get_prgname (), engine_socket);
      return 2;
    }

  if (!mrd_clock_check_options (common.clock_name, common.virtual_offset, common.virtual_freq,
                                &options.clock_kind, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return 2;
    }
  if (common.no_bus)
    return mrd_sync_standalone_main (common.config, common.root, options.clock_kind,
                                     common.virtual_offset, common.virtual_freq);

  options.root = common.root;
  options.zoneinfo_dir = zoneinfo;
  options.config_path = common.config;
  options.virtual_offset_s = common.virtual_offset;
  options.virtual_freq_ppm = common.virtual_freq;
  options.timedate1 = !no_timedate1;
  options.run_engine = !no_engine;
  options.engine_user = common.engine_user;
  options.engine_chroot = common.engine_chroot;
  options.engine_socket = engine_socket;
  options.verbose = common.verbose;

  daemon = mrd_daemon_new (&options, &error);
  if (daemon == NULL)
    {
      g_printerr ("meridiand: %s\n", error->message);
      return EXIT_FAILURE;
    }

  /* GLib honours DBUS_SYSTEM_BUS_ADDRESS, which is how tests use a private bus. */
  connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (connection == NULL)
    {
      g_printerr (_("meridiand: cannot connect to the system bus: %s\n"), error->message);
      return EXIT_FAILURE;
    }
  g_dbus_connection_set_exit_on_close (connection, FALSE);

  loop = g_main_loop_new (NULL, FALSE);
  g_object_set_data (G_OBJECT (daemon), "mrd-exit-status", &exit_status);
  g_signal_connect (daemon, "name-lost", G_CALLBACK (on_name_lost), loop);
  /* Before the names are asked for: a client that sees them may stop the daemon at once, and
   * a SIGTERM before the handler is in place would kill it instead of ending it cleanly. */
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  if (!mrd_daemon_start (daemon, connection, &error))
    {
      g_printerr ("meridiand: %s\n", error->message);
      return EXIT_FAILURE;
    }

  g_main_loop_run (loop);

  g_signal_handlers_disconnect_by_data (daemon, loop);
  mrd_daemon_stop (daemon);
  g_object_run_dispose (G_OBJECT (daemon));
  (void) g_dbus_connection_flush_sync (connection, NULL, NULL);
  return exit_status;
}
