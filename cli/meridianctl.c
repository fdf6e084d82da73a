/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl: option parsing, dispatch to one subcommand, and what every subcommand shares —
 * the connection to meridiand, D-Bus error reporting and the exit codes. */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "meridianctl.h"

static const MctlCommand commands[] = {
  { "status",          mctl_status,          "",                     N_("Show the time, the time zone and synchronization"), TRUE },
  { "list-timezones",  mctl_list_timezones,  "[--country CC]",       N_("List the time zones you can set"), TRUE },
  { "set-timezone",    mctl_set_timezone,    "ZONE",                 N_("Set the system time zone"), FALSE },
  { "select-timezone", mctl_select_timezone, "",                     N_("Choose the time zone interactively, by region and country"), FALSE },
  { "describe-zone",   mctl_describe_zone,   "ZONE [--at TIME]",     N_("Show a zone's offset, daylight saving time and next change"), TRUE },
  { "set-ntp",         mctl_set_ntp,         "on|off",               N_("Turn network time synchronization on or off"), FALSE },
  { "set-time",        mctl_set_time,        "\"YYYY-MM-DD HH:MM:SS\"", N_("Set the system clock (local time in the system time zone)"), FALSE },
  { "set-local-rtc",   mctl_set_local_rtc,   "on|off",               N_("Keep the hardware clock (RTC) in local time or in UTC"), FALSE },
  /* Later: sources, sourcestats, tracking (laid out as chronyc lays them out). */
};

static void
print_help (FILE *out, const char *prog)
{
  fprintf (out, _("Usage: %s [OPTION…] COMMAND [ARGUMENT…]\n"), prog);
  fputc ('\n', out);
  fputs (_("Query and change the system clock and time zone through meridiand.\n"), out);
  fputc ('\n', out);
  fputs (_("Commands:\n"), out);
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *synopsis = g_strconcat (commands[i].name,
                                               *commands[i].args ? " " : "",
                                               commands[i].args, NULL);
      guint width = mctl_display_width (synopsis);
      fprintf (out, "  %s%*s  %s\n", synopsis, width < 36 ? (int) (36 - width) : 0, "",
               _(commands[i].summary));
    }
  fputc ('\n', out);
  fputs (_("Options:\n"), out);
  fprintf (out, "  -h, --help             %s\n", _("Show this help"));
  fprintf (out, "  --version              %s\n", _("Show the version"));
  fprintf (out, "  --json                 %s\n", _("Print read commands' output as JSON"));
  fprintf (out, "  --no-ask-password      %s\n", _("Never ask for a password to authorize a change"));
  fputc ('\n', out);
  fputs (_("A command's own options are shown by: meridianctl COMMAND --help\n"), out);
  fputc ('\n', out);
  fputs (_("Exit status:\n"), out);
  fprintf (out, "  %d  %s\n", MCTL_EXIT_OK, _("success"));
  fprintf (out, "  %d  %s\n", MCTL_EXIT_FAILURE, _("the operation failed or was cancelled"));
  fprintf (out, "  %d  %s\n", MCTL_EXIT_USAGE, _("the command line is malformed"));
  fprintf (out, "  %d  %s\n", MCTL_EXIT_NOT_AUTHORIZED,
           _("not authorized (polkit refused, or would have had to ask for a password)"));
  fprintf (out, "  %d  %s\n", MCTL_EXIT_INVALID_ARG,
           _("an argument was rejected (unknown zone, malformed time, …)"));
  fprintf (out, "  %d  %s\n", MCTL_EXIT_UNREACHABLE,
           _("meridiand cannot be reached (no system bus, or the service is not running)"));
  fprintf (out, "  %d  %s\n", MCTL_EXIT_NO_TERMINAL, _("the command needs a terminal"));
}

int
mctl_usage_error (MctlContext *ctx, const char *command, const char *format, ...)
{
  va_list ap;
  g_autofree char *message = NULL;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_printerr ("%s: %s\n", ctx->prog, message);
  if (command)
    g_printerr (_("Run '%s %s --help' for the usage.\n"), ctx->prog, command);
  else
    g_printerr (_("Run '%s --help' for the usage.\n"), ctx->prog);
  return MCTL_EXIT_USAGE;
}

GOptionContext *
mctl_option_context_new (MctlContext *ctx, const char *command, const char *parameter_string,
                         const GOptionEntry *entries)
{
  const GOptionEntry common[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &ctx->json, N_("Print the output as JSON"), NULL },
    { "no-ask-password", 0, 0, G_OPTION_ARG_NONE, &ctx->no_ask_password,
      N_("Never ask for a password to authorize a change"), NULL },
    { NULL }
  };
  g_autofree char *params = g_strconcat (command, *parameter_string ? " " : "",
                                         parameter_string, NULL);
  GOptionContext *octx = g_option_context_new (params);

  g_option_context_set_translation_domain (octx, GETTEXT_PACKAGE);
  if (entries)
    g_option_context_add_main_entries (octx, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (octx, common, GETTEXT_PACKAGE);
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, command))
      g_option_context_set_summary (octx, _(commands[i].summary));
  return octx;
}

gboolean
mctl_parse_options (MctlContext *ctx, GOptionContext *octx, int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;

  if (g_option_context_parse (octx, argc, argv, &error))
    return TRUE;
  g_printerr ("%s: %s\n", ctx->prog, error->message);
  return FALSE;
}

gboolean
mctl_connect (MctlContext *ctx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  g_autofree char *owner = NULL;

  if (bus == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_printerr (_("Cannot connect to the system bus: %s\n"), error->message);
      g_printerr (_("Is D-Bus running? meridianctl talks to meridiand over the system bus "
                    "(or the one DBUS_SYSTEM_BUS_ADDRESS names).\n"));
      return FALSE;
    }
  /* Without DO_NOT_AUTO_START the bus activates meridiand if it is installed but idle. */
  ctx->time1 = mrd_dbus_time1_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_NONE, MCTL_BUS_NAME,
                                              MCTL_OBJECT_PATH, NULL, &error);
  if (ctx->time1 != NULL)
    owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (ctx->time1));
  if (ctx->time1 == NULL || owner == NULL)
    {
      if (error)
        g_dbus_error_strip_remote_error (error);
      g_printerr (_("meridiand is not running: nothing owns %s on the system bus%s%s.\n"),
                  MCTL_BUS_NAME, error ? ": " : "", error ? error->message : "");
      g_printerr (_("Start it with 'systemctl start meridiand', then try again.\n"));
      g_clear_object (&ctx->time1);
      return FALSE;
    }
  /* Reads answer at once; a minute covers a daemon still starting up.  Changes that may wait
   * on someone typing a password set no timeout of their own (mctl_call_mutating). */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (ctx->time1), 60 * 1000);
  return TRUE;
}

int
mctl_report_error (MctlContext *ctx, const char *what, const GError *error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (error);
  g_autoptr(GError) copy = g_error_copy (error);
  int code = MCTL_EXIT_FAILURE;
  const char *hint = NULL;

  g_dbus_error_strip_remote_error (copy);

  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED) ||
      g_strcmp0 (remote, "org.freedesktop.DBus.Error.AccessDenied") == 0)
    {
      code = MCTL_EXIT_NOT_AUTHORIZED;
      hint = _("You are not allowed to make this change. Ask an administrator, "
               "or run the command as a user the polkit policy allows.");
    }
  else if (g_strcmp0 (remote, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired") == 0)
    {
      code = MCTL_EXIT_NOT_AUTHORIZED;
      if (ctx->no_ask_password)
        hint = _("This change needs authentication. Run the command again without "
                 "--no-ask-password to be asked for a password.");
      else if (ctx->asked_interactively)
        hint = _("This change needs authentication, but polkit found no authentication agent "
                 "to ask you through (without a login session, pkttyagent cannot serve). "
                 "Run the command as root, or as a user the polkit policy allows.");
      else
        hint = _("This change needs authentication, but there is no terminal to ask on. "
                 "Run the command on a terminal, or as a user the polkit policy allows.");
    }
  else if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS) ||
           g_strcmp0 (remote, "org.freedesktop.DBus.Error.InvalidArgs") == 0 ||
           /* meridiand's own names for a bad argument on its native interface. */
           g_strcmp0 (remote, "org.meridian.Time1.Error.UnknownZone") == 0 ||
           g_strcmp0 (remote, "org.meridian.Time1.Error.InvalidZoneName") == 0 ||
           g_strcmp0 (remote, "org.meridian.Time1.Error.InvalidTime") == 0 ||
           g_strcmp0 (remote, "org.meridian.Time1.Error.UnknownCountry") == 0 ||
           g_strcmp0 (remote, "org.meridian.Time1.Error.InvalidSource") == 0 ||
           g_strcmp0 (remote, "org.meridian.Time1.Error.SourceExists") == 0 ||
           g_strcmp0 (remote, "org.meridian.Time1.Error.NoSuchSource") == 0)
    {
      code = MCTL_EXIT_INVALID_ARG;
    }
  else if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
           g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
           g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
           g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      code = MCTL_EXIT_UNREACHABLE;
      hint = _("meridiand did not answer. Check that it is running "
               "('systemctl status meridiand') and try again.");
    }
  else if (g_strcmp0 (remote, "org.freedesktop.timedate1.AutomaticTimeSyncEnabled") == 0)
    {
      hint = _("The clock is kept by network time synchronization. "
               "Turn it off first with 'meridianctl set-ntp off'.");
    }
  else if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD))
    {
      hint = _("This meridiand does not know that request; it may be older than meridianctl.");
    }

  g_printerr ("%s: %s\n", what, copy->message);
  if (hint)
    g_printerr ("%s\n", hint);
  return code;
}

gboolean
mctl_call_mutating (MctlContext *ctx, const char *method, GVariant *params, GError **error)
{
  g_autoptr(GVariant) args = g_variant_ref_sink (params);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(MctlAgent) agent = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  GVariant *child;
  /* As timedatectl: let polkit ask only when someone is at a terminal to answer. */
  gboolean interactive = !ctx->no_ask_password && isatty (STDIN_FILENO);

  ctx->asked_interactively = interactive;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_TUPLE);
  g_variant_iter_init (&iter, args);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_variant_builder_add_value (&builder, child);
      g_variant_unref (child);
    }
  g_variant_builder_add (&builder, "b", interactive);

  if (interactive)
    agent = mctl_agent_open ();
  reply = g_dbus_proxy_call_sync (G_DBUS_PROXY (ctx->time1), method,
                                  g_variant_builder_end (&builder),
                                  interactive ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION
                                              : G_DBUS_CALL_FLAGS_NONE,
                                  interactive ? G_MAXINT : -1, NULL, error);
  return reply != NULL;
}

int
main (int argc, char **argv)
{
  MctlContext ctx = { 0 };
  const char *localedir = g_getenv ("MERIDIAN_LOCALEDIR");
  int first = 1;
  int status;

  setlocale (LC_ALL, "");
  /* MERIDIAN_LOCALEDIR lets the tests use the catalogs compiled in the build tree. */
  bindtextdomain (GETTEXT_PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  ctx.prog = "meridianctl";
  g_set_prgname (ctx.prog);

  /* Global options before the command; the command's own parser accepts them after it too. */
  for (; first < argc && argv[first][0] == '-'; first++)
    {
      const char *arg = argv[first];
      if (g_str_equal (arg, "-h") || g_str_equal (arg, "--help"))
        {
          print_help (stdout, ctx.prog);
          return MCTL_EXIT_OK;
        }
      else if (g_str_equal (arg, "--version"))
        {
          g_print ("meridianctl %s\n", MERIDIAN_VERSION);
          return MCTL_EXIT_OK;
        }
      else if (g_str_equal (arg, "--json"))
        ctx.json = TRUE;
      else if (g_str_equal (arg, "--no-ask-password"))
        ctx.no_ask_password = TRUE;
      else if (g_str_equal (arg, "--"))
        {
          first++;
          break;
        }
      else
        return mctl_usage_error (&ctx, NULL, _("Unknown option %s"), arg);
    }

  if (first >= argc)
    {
      print_help (stderr, ctx.prog);
      return MCTL_EXIT_USAGE;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (!g_str_equal (commands[i].name, argv[first]))
        continue;
      /* Give the subcommand an argv of its own, starting at its name, as GOption wants. */
      status = commands[i].run (&ctx, argc - first, argv + first);
      g_clear_object (&ctx.time1);
      return status;
    }

  return mctl_usage_error (&ctx, NULL, _("Unknown command '%s'"), argv[first]);
}
