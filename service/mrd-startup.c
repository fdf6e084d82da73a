/* mrd-startup.c — see mrd-startup.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-startup.h"

#include <locale.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>
#include <glib/gi18n.h>

void
mrd_startup_memory (char **argv)
{
  (void) mallopt (M_ARENA_MAX, 1);

  if (glib_check_version (2, 76, 0) != NULL && g_getenv ("G_SLICE") == NULL)
    {
      /* Set even if the exec below fails, so that the engine child still gets it. */
      if (setenv ("G_SLICE", "always-malloc", 1) == 0)
        (void) execv ("/proc/self/exe", argv);
    }
}

gboolean
mrd_startup_parse_options (int *argc, char ***argv, const GOptionEntry *entries,
                           const char *summary, gboolean set_locale)
{
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
