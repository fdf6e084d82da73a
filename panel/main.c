/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridian-panel: the settings panel for date, time, time zone and synchronization, a thin
 * client of meridiand on the system bus. */
#include <locale.h>
#include <glib/gi18n.h>
#include <adwaita.h>

#include "mp-client.h"
#include "mp-window.h"
#include "mp-test-hooks.h"

static MpClient *client;

static void
on_activate (AdwApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      mp_test_hooks_mark ("activate");
      window = GTK_WINDOW (mp_window_new (app, client));
      mp_test_hooks_mark ("window-built");
      mp_test_hooks_install (app, MP_WINDOW (window));
    }
  gtk_window_present (window);
  mp_test_hooks_mark ("presented");
}

static void
on_startup (AdwApplication *app)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  mp_test_hooks_mark ("gtk-ready");
  gtk_css_provider_load_from_resource (css, "/org/meridian/Panel/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  client = mp_client_new ();
  mp_test_hooks_mark ("startup");
}

int
main (int argc, char **argv)
{
  g_autoptr(AdwApplication) app = NULL;
  const char *localedir = g_getenv ("MERIDIAN_LOCALEDIR");
  int status;

  mp_test_hooks_mark ("main");
  setlocale (LC_ALL, "");
  /* MERIDIAN_LOCALEDIR lets the tests use the catalogs compiled in the build tree. */
  bindtextdomain (GETTEXT_PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_application_name (_("Date & Time"));

  app = adw_application_new ("org.meridian.Panel", G_APPLICATION_DEFAULT_FLAGS);
  g_signal_connect (app, "startup", G_CALLBACK (on_startup), NULL);
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), NULL);
  status = g_application_run (G_APPLICATION (app), argc, argv);
  g_clear_object (&client);
  return status;
}
