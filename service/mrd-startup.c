/* mrd-startup.c — see mrd-startup.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-startup.h"

#include <locale.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>

gboolean
mrd_startup_argv_has (int argc, char **argv, const char *option)
{
  gsize len = strlen (option);

  for (int i = 1; i < argc; i++)
    if (strncmp (argv[i], option, len) == 0 && (argv[i][len] == '\0' || argv[i][len] == '='))
      return TRUE;
  return FALSE;
}

void
mrd_startup_memory (void)
{
  (void) mallopt (M_ARENA_MAX, 1);
}

void
mrd_startup_common_clear (MrdStartupCommon *common)
{
  g_clear_pointer (&common->root, g_free);
  g_clear_pointer (&common->config, g_free);
  g_clear_pointer (&common->clock_name, g_free);
  g_clear_pointer (&common->engine_user, g_free);
  g_clear_pointer (&common->engine_chroot, g_free);
}

gboolean
mrd_startup_parse_options (int *argc, char ***argv, MrdStartupCommon *common,
                           const GOptionEntry *entries, const char *summary,
                           gboolean set_locale)
{
  const GOptionEntry shared[] = {
    { "no-bus", 0, 0, G_OPTION_ARG_NONE, &common->no_bus,
      N_("Run only the NTP engine, without D-Bus, configured by the file alone"), NULL },
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &common->root,
      N_("Directory that every system path is relative to (default: /)"), N_("DIR") },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &common->config,
      N_("Configuration file (default: ROOT/etc/meridian/meridian.conf); the paths in it are "
         "relative to ROOT"), N_("FILE") },
    { "clock", 0, 0, G_OPTION_ARG_STRING, &common->clock_name,
      N_("Clock to read and set: \"system\" (needs CAP_SYS_TIME) or \"virtual\" (default: system)"),
      N_("KIND") },
    { "virtual-offset", 0, 0, G_OPTION_ARG_DOUBLE, &common->virtual_offset,
      N_("Start the virtual clock this many seconds off the real time"), N_("SECONDS") },
    { "virtual-freq", 0, 0, G_OPTION_ARG_DOUBLE, &common->virtual_freq,
      N_("Frequency error of the virtual clock"), N_("PPM") },
    { "engine-user", 0, 0, G_OPTION_ARG_STRING, &common->engine_user,
      N_("User the network-facing NTP engine runs as (default: meridian, else nobody)"),
      N_("USER") },
    { "engine-chroot", 0, 0, G_OPTION_ARG_FILENAME, &common->engine_chroot,
      N_("Empty directory the NTP engine is confined to (source names then need addresses)"),
      N_("DIR") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &common->verbose, N_("Log debugging messages"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;

  if (set_locale)
    setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, shared, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return FALSE;
    }
  if (*argc > 1)
    {
      g_printerr (_("%s: unexpected argument '%s'\n"), g_get_prgname (), (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}
