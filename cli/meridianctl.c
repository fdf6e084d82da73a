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
  { "set-time",        mctl_set_time,        "TIME",                 N_("Set the system clock: \"YYYY-MM-DD HH:MM:SS\" (local time), +5min, @SECONDS…"), FALSE },
  { "set-local-rtc",   mctl_set_local_rtc,   "on|off",               N_("Keep the hardware clock (RTC) in local time or in UTC"), FALSE },
  { "sources",         mctl_sources,         "[-v] [-c] [-n]",       N_("List the NTP sources, as chronyc sources"), TRUE },
  { "sourcestats",     mctl_sourcestats,     "[-v] [-c] [-n]",       N_("Show the NTP sources' statistics, as chronyc sourcestats"), TRUE },
  { "selectdata",      mctl_selectdata,      "[-v] [-c] [-n]",       N_("Show the NTP sources' selection state, score and interval, as chronyc selectdata"), TRUE },
  { "authdata",        mctl_authdata,        "[-v] [-c] [-n]",       N_("Show the NTP sources' authentication (NTS, keys), as chronyc authdata"), TRUE },
  { "tracking",        mctl_tracking,        "[-c] [-n]",            N_("Show the state of synchronization, as chronyc tracking"), TRUE },
  { "ntpdata",         mctl_ntpdata,         "[-c] [ADDRESS]",       N_("Show the last reply of each NTP source, as chronyc ntpdata"), TRUE },
  { "add-source",      mctl_add_source,      "'server HOST [OPTION…]'", N_("Add an NTP source (a chrony.conf line)"), FALSE },
  { "remove-source",   mctl_remove_source,   "PATH|NAME|ADDRESS",    N_("Remove an NTP source"), FALSE },
  { "add",             mctl_add,             "server|pool|peer HOST [OPTION…]", N_("Add an NTP source, as chronyc add"), FALSE },
  { "delete",          mctl_delete,          "ADDRESS",              N_("Remove an NTP source, as chronyc delete"), FALSE },
  { "sourcename",      mctl_sourcename,      "ADDRESS",              N_("Show the name an NTP source was given, as chronyc sourcename"), TRUE },
  { "burst",           mctl_burst,           "[GOOD/MAX [SOURCES]]", N_("Measure the sources a few times in quick succession, as chronyc burst"), FALSE },
  { "makestep",        mctl_makestep,        "[THRESHOLD LIMIT]",    N_("Step the clock at once to correct its offset; with a threshold and a limit, set makestep as chronyc makestep does"), FALSE },
  { "maxupdateskew",   mctl_maxupdateskew,   "SKEW",                 N_("Set the largest skew (ppm) a frequency estimate may have to change the clock's frequency, as chronyc maxupdateskew"), FALSE },
  { "refresh",         mctl_refresh,         "",                     N_("Resolve the NTP sources' names again now, replacing addresses no longer listed"), FALSE },
  { "reload",          mctl_reload,          "sources",              N_("Read the sourcedir files again: add and remove the sources they list, as chronyc reload sources"), FALSE },
  { "rekey",           mctl_rekey,           "",                     N_("Read the key file again, as chronyc rekey"), FALSE },
  { "reselect",        mctl_reselect,        "",                     N_("Select the best NTP source now, even one barely better than the current"), FALSE },
  { "reselectdist",    mctl_reselectdist,    "DIST",                 N_("Set how much better (s) another source must be to replace the selected one, as chronyc reselectdist"), FALSE },
  { "reset",           mctl_reset,           "sources",              N_("Drop every NTP source's measurements, as chronyc reset sources"), FALSE },
  { "offline",         mctl_offline,         "[ADDRESS[/BITS]]",     N_("Stop polling NTP sources (all, or those given), as chronyc offline"), FALSE },
  { "online",          mctl_online,          "[ADDRESS[/BITS]]",     N_("Resume polling NTP sources (all, or those given), as chronyc online"), FALSE },
  { "onoffline",       mctl_onoffline,       "",                     N_("Take each NTP source online if the system has a route to it, else offline"), FALSE },
  { "minpoll",         mctl_minpoll,         "ADDRESS POLL",         N_("Set an NTP source's minimum poll interval (log2 seconds), as chronyc minpoll"), FALSE },
  { "maxpoll",         mctl_maxpoll,         "ADDRESS POLL",         N_("Set an NTP source's maximum poll interval (log2 seconds), as chronyc maxpoll"), FALSE },
  { "maxdelay",        mctl_maxdelay,        "ADDRESS SECONDS",      N_("Set the largest round-trip delay an NTP source's samples may have, as chronyc maxdelay"), FALSE },
  { "maxdelayratio",   mctl_maxdelayratio,   "ADDRESS RATIO",        N_("Set the largest ratio of a sample's delay to an NTP source's least, as chronyc maxdelayratio"), FALSE },
  { "maxdelaydevratio", mctl_maxdelaydevratio, "ADDRESS RATIO",      N_("Set the largest rise of a sample's delay in standard deviations, as chronyc maxdelaydevratio"), FALSE },
  { "minstratum",      mctl_minstratum,      "ADDRESS STRATUM",      N_("Set the least stratum an NTP source counts as in selection, as chronyc minstratum"), FALSE },
  { "polltarget",      mctl_polltarget,      "ADDRESS TARGET",       N_("Set how many samples an NTP source's poll interval aims to keep, as chronyc polltarget"), FALSE },
  { "activity",        mctl_activity,        "[-c]",                 N_("Count the NTP sources online, offline and in a burst, as chronyc activity"), TRUE },
  { "serverstats",     mctl_serverstats,     "[-c]",                 N_("Count what the NTP server answered and dropped, as chronyc serverstats"), TRUE },
  { "clients",         mctl_clients,         "[-p PACKETS] [-c] [-n]", N_("List the hosts the NTP server answered, as chronyc clients"), TRUE },
  { "waitsync",        mctl_waitsync,        "[TRIES [CORRECTION [SKEW [INTERVAL]]]]", N_("Wait until the clock is synchronized"), FALSE },
  { "monitor",         mctl_monitor,         "",                     N_("Follow tracking and the sources live (q quits)"), FALSE },
  { "keygen",          mctl_keygen,          "[ID [TYPE [BITS]]]",   N_("Print a key file line with a new random key, as chronyc keygen"), FALSE },
};

static void
print_help (FILE *out, const char *prog)
{
  /* Formatted by GLib, not handed to fprintf as its format: fprintf's format is declared
   * non-null, and under UBSan's check of that the compiler warns of a null format on the
   * path where a translation came back NULL, which gettext never returns. */
  g_autofree char *usage = g_strdup_printf (_("Usage: %s [OPTION…] COMMAND [ARGUMENT…]\n"), prog);

  fputs (usage, out);
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
  fprintf (out, "  --verbose              %s\n", _("Add meridiand's own words to error messages"));
  fprintf (out, "  -c, -n                 %s\n",
           _("As chronyc's, before the command: comma-separated values, addresses only"));
  fprintf (out, "  -m                     %s\n",
           _("As chronyc's: each argument is a whole command, run in turn until one fails"));
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
    { "verbose", 0, 0, G_OPTION_ARG_NONE, &ctx->verbose,
      N_("Add meridiand's own words to error messages"), NULL },
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

static gboolean
looks_negative (const char *arg)
{
  return arg[0] == '-' &&
         (g_ascii_isdigit (arg[1]) || (arg[1] == '.' && g_ascii_isdigit (arg[2])));
}

gboolean
mctl_parse_options_numbers (MctlContext *ctx, GOptionContext *octx, int *argc, char ***argv)
{
  char **given = *argv;
  int n = *argc, n_left = 0, kept = 1;
  g_autofree char **left = g_new0 (char *, n + 1);
  char **parsed = left;

  /* GOption sees everything but the negative numbers; what it leaves are the same strings,
   * so each argument is put back in its place by identity. */
  for (int i = 0; i < n; i++)
    if (i == 0 || !looks_negative (given[i]))
      left[n_left++] = given[i];
  if (!mctl_parse_options (ctx, octx, &n_left, &parsed))
    return FALSE;
  for (int i = 1; i < n; i++)
    {
      gboolean positional = looks_negative (given[i]);

      for (int j = 1; !positional && j < n_left; j++)
        positional = parsed[j] == given[i];
      if (positional)
        given[kept++] = given[i];
    }
  given[kept] = NULL;
  *argc = kept;
  return TRUE;
}

static gboolean
name_has_owner (GDBusConnection *bus, const char *name)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (
    bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
    "NameHasOwner", g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
    G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  gboolean owned = FALSE;

  if (reply)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static gboolean
activatable (GDBusConnection *bus, const char *name)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (
    bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
    "ListActivatableNames", NULL, G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
    NULL);
  g_autofree const char **names = NULL;

  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(^a&s)", &names);
  return names && g_strv_contains (names, name);
}

static gboolean
connect_to (MctlContext *ctx, gboolean allow_timedated)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  gboolean timedated;

  if (bus == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_printerr (_("Cannot connect to the system bus: %s\n"), error->message);
      g_printerr (_("Is D-Bus running? meridianctl talks to meridiand over the system bus "
                    "(or the one DBUS_SYSTEM_BUS_ADDRESS names).\n"));
      return FALSE;
    }

  /* meridiand when it runs or can be started by the bus; otherwise systemd-timedated. */
  if (name_has_owner (bus, MCTL_BUS_NAME) || activatable (bus, MCTL_BUS_NAME))
    {
      g_autofree char *owner = NULL;

      ctx->time1 = mrd_dbus_time1_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_NONE, MCTL_BUS_NAME,
                                                  MCTL_OBJECT_PATH, NULL, &error);
      if (ctx->time1 != NULL)
        owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (ctx->time1));
      if (owner != NULL)
        {
          /* Reads answer at once; a minute covers a daemon still starting up.  Changes that
           * may wait on someone typing a password set no timeout of their own. */
          g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (ctx->time1), 60 * 1000);
          return TRUE;
        }
      g_clear_object (&ctx->time1);
    }

  timedated = name_has_owner (bus, "org.freedesktop.timedate1") ||
              activatable (bus, "org.freedesktop.timedate1");
  if (timedated && allow_timedated)
    {
      ctx->timedate1 = mrd_fdo_timedate1_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_NONE,
                                                         "org.freedesktop.timedate1",
                                                         "/org/freedesktop/timedate1", NULL,
                                                         &error);
      if (ctx->timedate1 != NULL)
        {
          g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (ctx->timedate1), 60 * 1000);
          g_printerr (_("meridiand is not running: using systemd-timedated "
                        "(org.freedesktop.timedate1). The NTP views (sources, sourcestats, "
                        "tracking, ntpdata, waitsync, monitor) need meridiand.\n"));
          return TRUE;
        }
    }

  if (error)
    g_dbus_error_strip_remote_error (error);
  /* The bus's own words are English: only with --verbose. */
  g_printerr (_("meridiand is not running: nothing owns %s on the system bus%s%s.\n"),
              MCTL_BUS_NAME, error && ctx->verbose ? ": " : "",
              error && ctx->verbose ? error->message : "");
  if (timedated)
    g_printerr (_("systemd-timedated is running, but it cannot answer this command: "
                  "the NTP views need meridiand.\n"));
  g_printerr (_("Start it with 'systemctl start meridiand', then try again.\n"));
  return FALSE;
}

gboolean
mctl_connect (MctlContext *ctx)
{
  return connect_to (ctx, TRUE);
}

gboolean
mctl_connect_ntp (MctlContext *ctx)
{
  return connect_to (ctx, FALSE);
}

gboolean
mctl_require_meridiand (MctlContext *ctx, const char *command)
{
  if (ctx->time1 != NULL)
    return TRUE;
  g_printerr (_("%s needs meridiand; systemd-timedated cannot answer it.\n"), command);
  return FALSE;
}

const char *
mctl_get_timezone (MctlContext *ctx)
{
  const char *zone = ctx->time1 ? mrd_dbus_time1_get_timezone (ctx->time1)
                                : mrd_fdo_timedate1_get_timezone (ctx->timedate1);
  return zone && *zone ? zone : "UTC";
}

gint64
mctl_get_time_usec (MctlContext *ctx)
{
  guint64 t = ctx->time1 ? mrd_dbus_time1_get_time_usec (ctx->time1)
                         : mrd_fdo_timedate1_get_time_usec (ctx->timedate1);
  return t ? (gint64) t : g_get_real_time ();
}

gint64
mctl_get_rtc_time_usec (MctlContext *ctx)
{
  return (gint64) (ctx->time1 ? mrd_dbus_time1_get_rtctime_usec (ctx->time1)
                              : mrd_fdo_timedate1_get_rtctime_usec (ctx->timedate1));
}

gboolean
mctl_get_local_rtc (MctlContext *ctx)
{
  return ctx->time1 ? mrd_dbus_time1_get_local_rtc (ctx->time1)
                    : mrd_fdo_timedate1_get_local_rtc (ctx->timedate1);
}

gboolean
mctl_get_can_ntp (MctlContext *ctx)
{
  return ctx->time1 ? mrd_dbus_time1_get_can_ntp (ctx->time1)
                    : mrd_fdo_timedate1_get_can_ntp (ctx->timedate1);
}

gboolean
mctl_get_ntp (MctlContext *ctx)
{
  return ctx->time1 ? mrd_dbus_time1_get_ntp (ctx->time1)
                    : mrd_fdo_timedate1_get_ntp (ctx->timedate1);
}

gboolean
mctl_get_ntp_synchronized (MctlContext *ctx)
{
  return ctx->time1 ? mrd_dbus_time1_get_ntpsynchronized (ctx->time1)
                    : mrd_fdo_timedate1_get_ntpsynchronized (ctx->timedate1);
}

/* What an error means, in meridianctl's words (translated), by its D-Bus name: the daemon's
 * own text is English and is shown only with --verbose. */
static const struct {
  const char *name;
  const char *message;
  MctlExit code;
} error_names[] = {
  { "org.freedesktop.DBus.Error.AccessDenied", N_("not authorized"), MCTL_EXIT_NOT_AUTHORIZED },
  { "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired",
    N_("authentication is required"), MCTL_EXIT_NOT_AUTHORIZED },
  { "org.freedesktop.DBus.Error.InvalidArgs", N_("meridiand rejected the value"), MCTL_EXIT_INVALID_ARG },
  { "org.meridian.Time1.Error.UnknownZone", N_("no such time zone"), MCTL_EXIT_INVALID_ARG },
  { "org.meridian.Time1.Error.UnknownCountry", N_("no such country code"), MCTL_EXIT_INVALID_ARG },
  { "org.meridian.Time1.Error.InvalidTime", N_("the time is out of range"), MCTL_EXIT_INVALID_ARG },
  { "org.meridian.Time1.Error.UnknownSource", N_("no such NTP source"), MCTL_EXIT_INVALID_ARG },
  { "org.meridian.Time1.Error.InvalidSource",
    N_("not a source line (server|pool|peer ADDRESS [options]); --verbose says why"),
    MCTL_EXIT_INVALID_ARG },
  { "org.meridian.Time1.Error.SourceExists", N_("that source is already present"), MCTL_EXIT_INVALID_ARG },
  { "org.meridian.Time1.Error.NotSupported", N_("this meridiand cannot do that"), MCTL_EXIT_FAILURE },
  { "org.meridian.Time1.Error.Failed", N_("meridiand could not do it"), MCTL_EXIT_FAILURE },
  { "org.freedesktop.timedate1.AutomaticTimeSyncEnabled",
    N_("network time synchronization is on"), MCTL_EXIT_FAILURE },
  { "org.freedesktop.timedate1.NoNTPSupport",
    N_("network time synchronization is not available here"), MCTL_EXIT_FAILURE },
  { "org.freedesktop.DBus.Error.UnknownMethod", N_("meridiand does not know this request"), MCTL_EXIT_FAILURE },
  { "org.freedesktop.DBus.Error.UnknownInterface", N_("meridiand does not know this request"), MCTL_EXIT_FAILURE },
  { "org.freedesktop.DBus.Error.ServiceUnknown", N_("meridiand did not answer"), MCTL_EXIT_UNREACHABLE },
  { "org.freedesktop.DBus.Error.NameHasNoOwner", N_("meridiand did not answer"), MCTL_EXIT_UNREACHABLE },
  { "org.freedesktop.DBus.Error.NoReply", N_("meridiand did not answer"), MCTL_EXIT_UNREACHABLE },
  { "org.freedesktop.DBus.Error.Disconnected", N_("meridiand did not answer"), MCTL_EXIT_UNREACHABLE },
};

/* What meridiand found wrong with a source line, from the bracket its InvalidSource message
 * starts with (service/mrd-sync.h, MRD_SYNC_INVALID_SOURCE_FORMAT: "[PROBLEM \"WORD\" ...] "),
 * in meridianctl's words; NULL when the message has no such bracket (an older meridiand) or
 * names a problem this meridianctl does not know. The words are shown as meridiand escaped
 * them (no control characters, no bare quotes). */
static char *
invalid_source_message (const char *text)
{
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *problem = NULL;
  g_autofree char *detail = NULL;
  const char *p = text;
  const char *start;
  const char *w1, *w2;

  if (p == NULL || *p++ != '[')
    return NULL;
  for (start = p; g_ascii_islower (*p) || *p == '-'; p++)
    ;
  if (p == start || p - start > 32)
    return NULL;
  problem = g_strndup (start, p - start);
  while (*p == ' ' && p[1] == '"' && words->len < 2)
    {
      GString *word = g_string_new (NULL);

      for (p += 2; *p != '\0' && *p != '"'; p++)
        {
          if (*p == '\\' && p[1] != '\0')
            g_string_append_c (word, *p++);
          g_string_append_c (word, *p);
        }
      if (*p++ != '"')
        {
          g_string_free (word, TRUE);
          return NULL;
        }
      g_ptr_array_add (words, g_string_free (word, FALSE));
    }
  if (*p != ']')
    return NULL;
  w1 = words->len > 0 ? words->pdata[0] : NULL;
  w2 = words->len > 1 ? words->pdata[1] : NULL;
#define IS(name, n) (g_str_equal (problem, name) && words->len == (n))
  if (IS ("control-character", 1))
    detail = g_strdup_printf (_("the line contains a control character (%s)"), w1);
  else if (IS ("too-long", 0))
    detail = g_strdup (_("the line is too long"));
  else if (IS ("empty", 0))
    detail = g_strdup (_("the line is empty"));
  else if (IS ("not-a-directive", 1))
    detail = g_strdup_printf (_("'%s' is not server, pool or peer"), w1);
  else if (IS ("missing-address", 0))
    detail = g_strdup (_("the address or host name is missing"));
  else if (IS ("bad-address", 1))
    detail = g_strdup_printf (_("'%s' is not a valid address or host name"), w1);
  else if (IS ("misplaced-comment", 1))
    detail = g_strdup_printf (_("'%s': a comment must start at the beginning of a line"), w1);
  else if (IS ("unknown-option", 1))
    detail = g_strdup_printf (_("unknown option '%s'"), w1);
  else if (IS ("missing-value", 1))
    detail = g_strdup_printf (_("option '%s' needs a value"), w1);
  else if (IS ("bad-value", 2))
    detail = g_strdup_printf (_("option '%s': '%s' is not a valid value"), w1, w2);
  else if (IS ("conflict", 2))
    detail = g_strdup_printf (_("option '%s' is greater than option '%s'"), w1, w2);
  else if (IS ("unknown-key", 1))
    /* The line is well formed: what is missing is the key, not a source line. */
    return g_strdup_printf (_("the key file has no usable key %s"), w1);
#undef IS
  if (detail == NULL)
    return NULL;
  /* TRANSLATORS: what is wrong with the line follows, e.g. "unknown option 'x'" */
  return g_strdup_printf (_("not a source line: %s"), detail);
}

int
mctl_report_error (MctlContext *ctx, const char *what, const GError *error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (error);
  g_autoptr(GError) copy = g_error_copy (error);
  g_autofree char *name = NULL;
  const char *message = NULL;
  g_autofree char *source_problem = NULL;
  int code = MCTL_EXIT_FAILURE;
  const char *hint = NULL;

  g_dbus_error_strip_remote_error (copy);
  /* The D-Bus name of the error, whether it came over the bus or was mapped to a GError. */
  name = remote ? g_strdup (remote) : g_dbus_error_encode_gerror (error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      g_free (name);
      name = g_strdup ("org.freedesktop.DBus.Error.NoReply");
    }
  for (gsize i = 0; i < G_N_ELEMENTS (error_names); i++)
    if (g_strcmp0 (name, error_names[i].name) == 0)
      {
        message = _(error_names[i].message);
        code = error_names[i].code;
        break;
      }
  if (g_strcmp0 (name, "org.meridian.Time1.Error.InvalidSource") == 0 &&
      (source_problem = invalid_source_message (copy->message)) != NULL)
    message = source_problem;

  if (code == MCTL_EXIT_NOT_AUTHORIZED && g_str_has_suffix (name, "AccessDenied"))
    hint = _("You are not allowed to make this change. Ask an administrator, "
             "or run the command as a user the polkit policy allows.");
  else if (code == MCTL_EXIT_NOT_AUTHORIZED)
    {
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
  else if (code == MCTL_EXIT_UNREACHABLE)
    hint = _("meridiand did not answer. Check that it is running "
             "('systemctl status meridiand') and try again.");
  else if (g_strcmp0 (name, "org.freedesktop.timedate1.AutomaticTimeSyncEnabled") == 0)
    hint = _("The clock is kept by network time synchronization. "
             "Turn it off first with 'meridianctl set-ntp off'.");
  else if (g_str_has_suffix (name, "UnknownMethod") || g_str_has_suffix (name, "UnknownInterface"))
    hint = _("This meridiand does not know that request; it may be older than meridianctl.");

  if (message != NULL)
    g_printerr ("%s: %s\n", what, message);
  else
    /* TRANSLATORS: the D-Bus error name follows, e.g. "org.example.Error.Weird" */
    g_printerr (_("%s: the request failed (%s)\n"), what, name);
  if (ctx->verbose)
    g_printerr (_("meridiand said: %s\n"), copy->message);
  if (hint)
    g_printerr ("%s\n", hint);
  return code;
}

gboolean
mctl_call_mutating_on (MctlContext *ctx, GDBusProxy *proxy, const char *method, GVariant *params,
                       GVariant **out_reply, GError **error)
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
  reply = g_dbus_proxy_call_sync (proxy, method, g_variant_builder_end (&builder),
                                  interactive ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION
                                              : G_DBUS_CALL_FLAGS_NONE,
                                  interactive ? G_MAXINT : -1, NULL, error);
  if (reply != NULL && out_reply != NULL)
    *out_reply = g_steal_pointer (&reply);
  return reply != NULL || (out_reply != NULL && *out_reply != NULL);
}

gboolean
mctl_call_mutating (MctlContext *ctx, const char *method, GVariant *params, GError **error)
{
  /* timedate1 has the same methods with the same arguments. */
  return mctl_call_mutating_on (ctx, ctx->time1 ? G_DBUS_PROXY (ctx->time1)
                                                : G_DBUS_PROXY (ctx->timedate1),
                                method, params, NULL, error);
}

static int run_command (MctlContext *ctx, int argc, char **argv);
static int run_words (MctlContext *ctx, const char *line, int n_more, char **more);

int
main (int argc, char **argv)
{
  MctlContext ctx = { 0 };
  const char *localedir = g_getenv ("MERIDIAN_LOCALEDIR");
  int first = 1;
  gboolean multi = FALSE;
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
      else if (g_str_equal (arg, "--verbose"))
        ctx.verbose = TRUE;
      else if (g_str_equal (arg, "--"))
        {
          first++;
          break;
        }
      else if (arg[1] != '-' && arg[1] != '\0' && strspn (arg + 1, "acmn") == strlen (arg + 1))
        {
          /* chronyc's -c, -n and -m go before the command ("chronyc -n sources"); as there,
           * they may be joined ("-cn"). -a is accepted and ignored, as chronyc 4 ignores it
           * ("chronyc -a makestep" in many a script). */
          ctx.csv |= strchr (arg, 'c') != NULL;
          ctx.numeric |= strchr (arg, 'n') != NULL;
          multi |= strchr (arg, 'm') != NULL;
        }
      else
        return mctl_usage_error (&ctx, NULL, _("Unknown option %s"), arg);
    }

  /* No command: the status, as timedatectl does. */
  if (first >= argc)
    {
      char *status_argv[] = { (char *) "status", NULL };
      status = mctl_status (&ctx, 1, status_argv);
      g_clear_object (&ctx.time1);
      g_clear_object (&ctx.timedate1);
      return status;
    }

  if (multi)
    {
      /* chronyc -m: each argument is a whole command ("chronyc -m 'burst 4/4' makestep"),
       * run in turn; the first that fails ends the run with its status, as chronyc stops. */
      status = MCTL_EXIT_OK;
      for (int i = first; i < argc && status == MCTL_EXIT_OK; i++)
        status = run_words (&ctx, argv[i], 0, NULL);
    }
  else
    /* chronyc reads its arguments as one command line: "chronyc -a 'burst 4/4'" is "burst
     * 4/4". A command word with blanks in it is split so. */
    status = run_words (&ctx, argv[first], argc - first - 1, argv + first + 1);
  g_clear_object (&ctx.time1);
  g_clear_object (&ctx.timedate1);
  return status;
}

/* Run the command @line, split at blanks, with @n_more arguments after it. */
static int
run_words (MctlContext *ctx, const char *line, int n_more, char **more)
{
  g_auto(GStrv) words = g_strsplit_set (line, " \t", -1);
  g_autoptr(GPtrArray) joined = g_ptr_array_new ();

  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_ptr_array_add (joined, words[i]);
  /* "meridianctl '' sources" names no command, as "meridianctl -m ''" does not */
  if (joined->len == 0)
    return mctl_usage_error (ctx, NULL, _("An empty command was given"));
  for (int i = 0; i < n_more; i++)
    g_ptr_array_add (joined, more[i]);
  g_ptr_array_add (joined, NULL);
  /* the words stay alive in @words until the command returns */
  return run_command (ctx, (int) joined->len - 1, (char **) joined->pdata);
}

/* Run the command named by argv[0] with its arguments. */
static int
run_command (MctlContext *ctx, int argc, char **argv)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (!g_str_equal (commands[i].name, argv[0]))
        continue;
      /* Give the subcommand an argv of its own, starting at its name, as GOption wants. */
      return commands[i].run (ctx, argc, argv);
    }

  return mctl_usage_error (ctx, NULL, _("Unknown command '%s'"), argv[0]);
}
