/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * meridianctl monitor: tracking and the sources, redrawn whenever meridiand announces a change
 * (PropertiesChanged on Tracking and on each source, InterfacesAdded/Removed from the
 * ObjectManager) and whenever the measured figures move: meridiand does not announce those
 * (EmitsChangedSignal "false" in dbus/org.meridian.Time1.xml), so while it runs the monitor
 * reads them again every MERIDIAN_REREAD_S seconds (meridian-reread.h) and redraws when one
 * changed.  Changes
 * arriving together are drawn once.  On a terminal the
 * screen is redrawn in place and q quits; otherwise each state is printed after the previous
 * one, so the output can be logged.  Ctrl-C (SIGINT) or SIGTERM end it too.
 */
#include <stdio.h>
#include <termios.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "meridianctl.h"
#include "meridian-reread.h"

typedef struct {
  MctlContext *ctx;
  GMainLoop *loop;
  GDBusObjectManager *manager;
  MrdDBusTime1Tracking *tracking;
  gboolean numeric;
  gboolean tty;
  guint redraw_id;
  guint reread_id;
  GCancellable *cancel;
  int status;
} Monitor;

static void
draw (Monitor *m)
{
  g_autoptr(GPtrArray) objects = mctl_source_list (m->manager);
  g_autofree char *tracking = mctl_tracking_report (m->tracking, FALSE, m->numeric);
  g_autofree char *sources = mctl_sources_report (objects, FALSE, FALSE, FALSE, m->numeric);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%F %T");

  if (m->tty)
    fputs ("\033[H\033[2J", stdout);
  g_print ("%s\n\n%s\n%s", stamp, tracking, sources);
  if (m->tty)
    g_print ("\n%s", _("Press q to quit."));
  else
    g_print ("\n");
  fflush (stdout);
}

static gboolean
on_redraw (gpointer data)
{
  Monitor *m = data;

  m->redraw_id = 0;
  draw (m);
  return G_SOURCE_REMOVE;
}

static void
schedule_redraw (Monitor *m)
{
  /* Everything one clock update announces arrives in one burst of signals: draw it once. */
  if (m->redraw_id == 0)
    m->redraw_id = g_timeout_add (50, on_redraw, m);
}

static void
on_reread_changed (GDBusProxy *proxy, gpointer data)
{
  schedule_redraw (data);
}

static gboolean
on_reread_timer (gpointer data)
{
  Monitor *m = data;

  meridian_reread (m->tracking, m->manager, m->cancel, on_reread_changed, m);
  return G_SOURCE_CONTINUE;
}

static void
on_tracking_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer data)
{
  schedule_redraw (data);
}

static void
on_object (GDBusObjectManager *manager, GDBusObject *object, gpointer data)
{
  schedule_redraw (data);
}

static void
on_source_changed (GDBusObjectManagerClient *manager, GDBusObjectProxy *object,
                   GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer data)
{
  schedule_redraw (data);
}

static void
on_owner (GObject *object, GParamSpec *pspec, gpointer data)
{
  Monitor *m = data;
  g_autofree char *owner = g_dbus_object_manager_client_get_name_owner (
    G_DBUS_OBJECT_MANAGER_CLIENT (m->manager));

  if (owner == NULL)
    {
      g_printerr ("\n%s\n", _("meridiand has stopped."));
      m->status = MCTL_EXIT_UNREACHABLE;
      g_main_loop_quit (m->loop);
    }
}

static gboolean
on_quit_signal (gpointer data)
{
  g_main_loop_quit (((Monitor *) data)->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_key (int fd, GIOCondition condition, gpointer data)
{
  Monitor *m = data;
  char buffer[64];
  ssize_t n = read (fd, buffer, sizeof buffer);

  if (n <= 0)
    return G_SOURCE_REMOVE; /* end of input (e.g. /dev/null): only signals quit now */
  for (ssize_t i = 0; i < n; i++)
    if (buffer[i] == 'q' || buffer[i] == 'Q' || buffer[i] == 3 /* ^C in raw mode */)
      g_main_loop_quit (m->loop);
  return G_SOURCE_CONTINUE;
}

int
mctl_monitor (MctlContext *ctx, int argc, char **argv)
{
  Monitor m = { .ctx = ctx, .status = MCTL_EXIT_OK };
  const GOptionEntry entries[] = {
    { "numeric", 'n', 0, G_OPTION_ARG_NONE, &m.numeric, N_("Show addresses, do not look up names"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "monitor", "", entries);
  g_autoptr(GError) error = NULL;
  struct termios saved, raw;
  gboolean raw_mode = FALSE;

  m.numeric = ctx->numeric;
  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc > 1)
    return mctl_usage_error (ctx, "monitor", _("%s takes no arguments"), "monitor");
  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;
  m.manager = mctl_sources_manager (ctx, &error);
  if (m.manager != NULL)
    m.tracking = mctl_tracking_proxy (ctx, &error);
  if (m.manager == NULL || m.tracking == NULL)
    {
      g_clear_object (&m.manager);
      return mctl_report_error (ctx, _("Cannot follow the NTP state"), error);
    }

  m.loop = g_main_loop_new (NULL, FALSE);
  m.tty = isatty (STDOUT_FILENO);
  g_signal_connect (m.tracking, "g-properties-changed", G_CALLBACK (on_tracking_changed), &m);
  g_signal_connect (m.manager, "object-added", G_CALLBACK (on_object), &m);
  g_signal_connect (m.manager, "object-removed", G_CALLBACK (on_object), &m);
  g_signal_connect (m.manager, "interface-proxy-properties-changed",
                    G_CALLBACK (on_source_changed), &m);
  g_signal_connect (m.manager, "notify::name-owner", G_CALLBACK (on_owner), &m);
  g_unix_signal_add (SIGINT, on_quit_signal, &m);
  g_unix_signal_add (SIGTERM, on_quit_signal, &m);

  if (isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0)
    {
      raw = saved;
      raw.c_lflag &= ~(tcflag_t) (ICANON | ECHO);
      raw.c_cc[VMIN] = 1;
      raw.c_cc[VTIME] = 0;
      raw_mode = tcsetattr (STDIN_FILENO, TCSANOW, &raw) == 0;
    }
  g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP, on_key, &m);

  draw (&m);
  m.cancel = g_cancellable_new ();
  m.reread_id = g_timeout_add_seconds (MERIDIAN_REREAD_S, on_reread_timer, &m);
  g_main_loop_run (m.loop);
  g_source_remove (m.reread_id);
  g_cancellable_cancel (m.cancel);
  /* The cancelled calls finish (and drop their references) before the proxies go. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_unref (m.cancel);

  if (raw_mode)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved);
  if (m.tty)
    g_print ("\n");
  if (m.redraw_id)
    g_source_remove (m.redraw_id);
  g_main_loop_unref (m.loop);
  g_object_unref (m.tracking);
  g_object_unref (m.manager);
  return m.status;
}
