/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * meridianctl sources | sourcestats | selectdata | authdata | tracking | add-source |
 * remove-source | burst | makestep | reselect | refresh | waitsync: the chronyc commands,
 * over meridiand's D-Bus API — Tracking on the service object, one org.meridian.Time1.Source
 * object per source under its ObjectManager, and the Sources interface's methods.  The
 * reports are laid out by meridianctl-chrony.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>

#include "meridianctl.h"
#include "meridianctl-chrony.h"

/* chronyc's "local" reference ID (0x7F7F0101, "127.127.1.1"): not a synchronization. */
#define LOCAL_REFID 0x7F7F0101u

GDBusObjectManager *
mctl_sources_manager (MctlContext *ctx, GError **error)
{
  GDBusConnection *bus = g_dbus_proxy_get_connection (G_DBUS_PROXY (ctx->time1));

  return mrd_dbus_object_manager_client_new_sync (bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                  MCTL_BUS_NAME, MCTL_OBJECT_PATH, NULL, error);
}

MrdDBusTime1Tracking *
mctl_tracking_proxy (MctlContext *ctx, GError **error)
{
  GDBusConnection *bus = g_dbus_proxy_get_connection (G_DBUS_PROXY (ctx->time1));
  g_autoptr(MrdDBusTime1Tracking) tracking =
    mrd_dbus_time1_tracking_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                            MCTL_BUS_NAME, MCTL_OBJECT_PATH, NULL, error);
  g_auto(GStrv) names = NULL;

  if (tracking == NULL)
    return NULL;
  names = g_dbus_proxy_get_cached_property_names (G_DBUS_PROXY (tracking));
  if (names == NULL || names[0] == NULL)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE,
                   "org.meridian.Time1.Tracking is not provided");
      return NULL;
    }
  return g_steal_pointer (&tracking);
}

/* The number N at the end of /org/meridian/Time1/sources/N: the order sources were added. */
static guint64
path_index (GDBusObject *object)
{
  const char *path = g_dbus_object_get_object_path (object);
  const char *slash = strrchr (path, '/');

  return slash ? g_ascii_strtoull (slash + 1, NULL, 10) : 0;
}

static int
compare_objects (gconstpointer a, gconstpointer b)
{
  guint64 ia = path_index (*(GDBusObject *const *) a), ib = path_index (*(GDBusObject *const *) b);

  return ia < ib ? -1 : ia > ib;
}

GPtrArray *
mctl_source_list (GDBusObjectManager *manager)
{
  GList *objects = g_dbus_object_manager_get_objects (manager);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);

  for (GList *l = objects; l; l = l->next)
    if (mrd_dbus_object_peek_time1_source (MRD_DBUS_OBJECT (l->data)) != NULL)
      g_ptr_array_add (out, g_object_ref (l->data));
  g_list_free_full (objects, g_object_unref);
  g_ptr_array_sort (out, compare_objects);
  return out;
}

/* ---- reverse name lookups, as chronyc does without -n ---------------------------------- */

typedef struct {
  guint pending;
  GHashTable *names; /* address -> name (owned) */
} Lookups;

typedef struct {
  Lookups *lookups;
  char *address;
} Lookup;

static void
on_name (GObject *resolver, GAsyncResult *result, gpointer data)
{
  Lookup *lookup = data;
  char *name = g_resolver_lookup_by_address_finish (G_RESOLVER (resolver), result, NULL);

  /* No name (or too late): the address stands for itself, as chronyc shows it then — and is
   * not asked again. */
  g_hash_table_replace (lookup->lookups->names, g_strdup (lookup->address),
                        name ? name : g_strdup (lookup->address));
  lookup->lookups->pending--;
  g_free (lookup->address);
  g_free (lookup);
}

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static GHashTable *
name_cache (void)
{
  static GHashTable *cache = NULL;

  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return cache;
}

const char *
mctl_name_for_address (const char *address)
{
  return address ? g_hash_table_lookup (name_cache (), address) : NULL;
}

/* Looks up the names of the numeric addresses together; a name not found within two seconds
 * is the address itself, so a dead DNS server cannot hang a report.  Answers are kept for the
 * life of the process (monitor redraws often). */
void
mctl_resolve_addresses (const char *const *addresses, guint n)
{
  Lookups lookups = { 0 };
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  gboolean expired = FALSE;
  guint timer;

  lookups.names = name_cache ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GInetAddress) inet = addresses[i] ? g_inet_address_new_from_string (addresses[i]) : NULL;
      Lookup *lookup;

      if (inet == NULL || mctl_name_for_address (addresses[i]) != NULL)
        continue;
      lookup = g_new0 (Lookup, 1);
      lookup->lookups = &lookups;
      lookup->address = g_strdup (addresses[i]);
      lookups.pending++;
      g_resolver_lookup_by_address_async (resolver, inet, cancel, on_name, lookup);
    }
  if (lookups.pending == 0)
    return;
  timer = g_timeout_add (2000, on_deadline, &expired);
  while (lookups.pending > 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timer);
  g_cancellable_cancel (cancel);
  while (lookups.pending > 0)
    g_main_context_iteration (NULL, TRUE);
}

/* ---- the reports ------------------------------------------------------------------------ */

/* The host part of a source's Address: meridiand writes "HOST:PORT" or "[HOST]:PORT" when
 * the port is not 123, but chronyc shows (and looks up) the address alone, whatever the port.
 * Anything else (a bare IPv6 address, a name) is returned as it is. */
char *
mctl_address_host (const char *address)
{
  const char *colon;

  if (address == NULL)
    return NULL;
  if (address[0] == '[')
    {
      const char *close = strstr (address, "]:");

      if (close != NULL && close[2] != '\0' && strspn (close + 2, "0123456789") == strlen (close + 2))
        return g_strndup (address + 1, close - address - 1);
      return g_strdup (address);
    }
  colon = strchr (address, ':');
  if (colon != NULL && strchr (colon + 1, ':') == NULL && colon[1] != '\0' &&
      strspn (colon + 1, "0123456789") == strlen (colon + 1))
    return g_strndup (address, colon - address);
  return g_strdup (address);
}

/* chronyc's seconds "since": negative or not a number (none) is never. */
static gint64
seconds_ago (double ago)
{
  return ago < 0 || isnan (ago) ? -1 : (gint64) ago;
}

/* A source with a key or NTS: meridiand takes no reply from it that fails them. */
static gboolean
source_authenticates (MrdDBusTime1Source *p)
{
  const char *auth = mrd_dbus_time1_source_get_auth_mode (p);

  return auth != NULL && *auth != '\0' && !g_str_equal (auth, "-");
}

/* What `selectdata` shows: the last selection's verdict, score and interval (the Selection*
 * properties), the options and the leap status of the last reply. */
static void
fill_selection (MrdDBusTime1Source *p, MctlChronySource *s)
{
  guint leap = mrd_dbus_time1_source_get_reply_leap (p);

  /* '?' for a word this meridianctl does not know, or none (a meridiand without it). */
  s->select_state = mctl_chrony_select_state_char (mrd_dbus_time1_source_get_selection_state (p));
  s->authenticated = source_authenticates (p);
  /* meridiand has no authselectmode: the effective options are the configured ones. */
  s->conf_options = mctl_chrony_options_from_strv (mrd_dbus_time1_source_get_options (p));
  s->eff_options = s->conf_options;
  s->last_sample_ago = seconds_ago (mrd_dbus_time1_source_get_selection_last_ago (p));
  s->score = mrd_dbus_time1_source_get_selection_score (p);
  s->lo_limit = mrd_dbus_time1_source_get_selection_low (p);
  s->hi_limit = mrd_dbus_time1_source_get_selection_high (p);
  /* Unknown until a reply was taken, as chronyd shows a source it never heard. */
  s->leap = mrd_dbus_time1_source_get_valid_replies (p) == 0 || leap > MCTL_CHRONY_LEAP_DELETE
              ? MCTL_CHRONY_LEAP_UNSYNCHRONISED
              : (MctlChronyLeap) leap;
}

static void
fill_source (MrdDBusTime1Source *p, const char *host, MctlChronySource *s, gboolean numeric)
{
  const char *address = host;
  const char *name = mrd_dbus_time1_source_get_name (p);
  double last_rx = mrd_dbus_time1_source_get_last_rx_ago (p);

  /* Not yet resolved: the name as configured stands for the address. */
  if (address == NULL || *address == '\0')
    address = name;
  s->address = address;
  s->name = numeric ? NULL : mctl_name_for_address (address);
  /* A name not resolved to an address yet is shown as chronyc shows names, cut at 25. */
  if (!g_hostname_is_ip_address (address))
    s->name = address;
  if (!mctl_chrony_mode_from_string (mrd_dbus_time1_source_get_mode (p), &s->mode))
    s->mode = MCTL_CHRONY_MODE_SERVER;
  if (!mctl_chrony_state_from_string (mrd_dbus_time1_source_get_state (p), &s->state))
    s->state = MCTL_CHRONY_STATE_UNUSABLE;
  s->stratum = mrd_dbus_time1_source_get_stratum (p);
  s->poll = mrd_dbus_time1_source_get_poll (p);
  s->reach = mrd_dbus_time1_source_get_reach (p);
  s->last_rx = seconds_ago (last_rx);
  s->adjusted_offset = mrd_dbus_time1_source_get_adjusted_offset (p);
  s->measured_offset = mrd_dbus_time1_source_get_measured_offset (p);
  s->error_bound = mrd_dbus_time1_source_get_error_bound (p);
  s->samples = mrd_dbus_time1_source_get_samples (p);
  s->runs = mrd_dbus_time1_source_get_runs (p);
  s->span = (gint64) mrd_dbus_time1_source_get_span (p);
  s->frequency = mrd_dbus_time1_source_get_stats_frequency (p);
  s->skew = mrd_dbus_time1_source_get_stats_skew (p);
  s->offset = mrd_dbus_time1_source_get_stats_offset (p);
  s->std_dev = mrd_dbus_time1_source_get_stats_std_dev (p);
  s->auth_mode = mrd_dbus_time1_source_get_auth_mode (p);
  s->key_id = mrd_dbus_time1_source_get_auth_key_id (p);
  s->key_type = mrd_dbus_time1_source_get_auth_type (p);
  s->key_bits = mrd_dbus_time1_source_get_auth_key_length (p);
  s->last_ke = seconds_ago (mrd_dbus_time1_source_get_auth_last_key_exchange_ago (p));
  s->ke_attempts = mrd_dbus_time1_source_get_auth_key_exchange_attempts (p);
  s->nak = mrd_dbus_time1_source_get_auth_nak (p);
  s->cookies = mrd_dbus_time1_source_get_auth_cookies (p);
  s->cookie_len = mrd_dbus_time1_source_get_auth_cookie_length (p);
  fill_selection (p, s);
}

typedef enum { REPORT_SOURCES, REPORT_SOURCESTATS, REPORT_SELECTDATA, REPORT_AUTHDATA } ReportKind;

static char *
sources_report (GPtrArray *objects, ReportKind kind, gboolean verbose, gboolean csv,
                gboolean numeric)
{
  g_autofree MctlChronySource *rows = g_new0 (MctlChronySource, MAX (objects->len, 1));
  g_auto(GStrv) hosts = g_new0 (char *, objects->len + 1);

  for (guint i = 0; i < objects->len; i++)
    hosts[i] = mctl_address_host (mrd_dbus_time1_source_get_address (
                 mrd_dbus_object_peek_time1_source (objects->pdata[i])));
  if (!numeric && !csv)
    mctl_resolve_addresses ((const char *const *) hosts, objects->len);
  for (guint i = 0; i < objects->len; i++)
    fill_source (mrd_dbus_object_peek_time1_source (objects->pdata[i]), hosts[i], &rows[i],
                 numeric || csv);
  switch (kind)
    {
    case REPORT_SOURCESTATS:
      return mctl_chrony_format_sourcestats (rows, objects->len, verbose, csv);
    case REPORT_SELECTDATA:
      return mctl_chrony_format_selectdata (rows, objects->len, verbose, csv);
    case REPORT_AUTHDATA:
      return mctl_chrony_format_authdata (rows, objects->len, verbose, csv);
    default:
      return mctl_chrony_format_sources (rows, objects->len, verbose, csv);
    }
}

char *
mctl_sources_report (GPtrArray *objects, gboolean stats, gboolean verbose, gboolean csv,
                     gboolean numeric)
{
  return sources_report (objects, stats ? REPORT_SOURCESTATS : REPORT_SOURCES, verbose, csv,
                         numeric);
}

char *
mctl_tracking_report (MrdDBusTime1Tracking *t, gboolean csv, gboolean numeric)
{
  MctlChronyTracking r = { 0 };
  guint64 ref_nsec = mrd_dbus_time1_tracking_get_ref_time_nsec (t);
  const char *address = mrd_dbus_time1_tracking_get_reference_name (t);

  r.ref_id = mrd_dbus_time1_tracking_get_reference_id (t);
  r.ref_address = address ? address : "";
  if (!numeric && !csv && address && *address)
    {
      mctl_resolve_addresses (&address, 1);
      r.ref_name = mctl_name_for_address (address);
    }
  r.stratum = mrd_dbus_time1_tracking_get_stratum (t);
  /* A meridiand without RefTimeNSec gives 0 there: its RefTimeUSec then, padded with 000. */
  if (ref_nsec == 0)
    ref_nsec = mrd_dbus_time1_tracking_get_ref_time_usec (t) * 1000;
  r.ref_time_s = (gint64) (ref_nsec / 1000000000);
  r.ref_time_ns = (guint32) (ref_nsec % 1000000000);
  r.system_time = mrd_dbus_time1_tracking_get_system_time_offset (t);
  r.last_offset = mrd_dbus_time1_tracking_get_last_offset (t);
  r.rms_offset = mrd_dbus_time1_tracking_get_rmsoffset (t);
  r.frequency = mrd_dbus_time1_tracking_get_frequency (t);
  r.residual_freq = mrd_dbus_time1_tracking_get_residual_frequency (t);
  r.skew = mrd_dbus_time1_tracking_get_skew (t);
  r.root_delay = mrd_dbus_time1_tracking_get_root_delay (t);
  r.root_dispersion = mrd_dbus_time1_tracking_get_root_dispersion (t);
  r.update_interval = mrd_dbus_time1_tracking_get_update_interval (t);
  r.leap = mctl_chrony_leap_from_string (mrd_dbus_time1_tracking_get_leap_status (t));
  return mctl_chrony_format_tracking (&r, csv);
}

/* Every cached property of a proxy as JSON members, by their D-Bus names. */
static void
add_properties (JsonBuilder *b, GDBusProxy *proxy)
{
  g_auto(GStrv) names = g_dbus_proxy_get_cached_property_names (proxy);

  for (int i = 0; names && names[i]; i++)
    {
      g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (proxy, names[i]);
      json_builder_set_member_name (b, names[i]);
      json_builder_add_value (b, json_gvariant_serialize (value));
    }
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static void
print_sources_json (GPtrArray *objects)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (b);
  for (guint i = 0; i < objects->len; i++)
    {
      GDBusProxy *p = G_DBUS_PROXY (mrd_dbus_object_peek_time1_source (objects->pdata[i]));
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "Path");
      json_builder_add_string_value (b, g_dbus_object_get_object_path (objects->pdata[i]));
      add_properties (b, p);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  mctl_print_json (root);
}

typedef struct {
  gboolean verbose, csv, numeric;
} ReportOptions;

static gboolean
parse_report_options_full (MctlContext *ctx, const char *command, gboolean with_verbose,
                           const char *parameter, int max_args, ReportOptions *o, int *argc,
                           char ***argv)
{
  gboolean all_sources = FALSE;
  const GOptionEntry all[] = {
    { "csv", 'c', 0, G_OPTION_ARG_NONE, &o->csv, N_("Print comma-separated values, as chronyc -c"), NULL },
    { "numeric", 'n', 0, G_OPTION_ARG_NONE, &o->numeric, N_("Show addresses, do not look up names"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o->verbose, N_("Explain the columns, as chronyc -v"), NULL },
    /* chronyc's -a adds the sources whose names are not resolved yet: they are always listed
     * here, so it is accepted and changes nothing. */
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all_sources,
      N_("List every source, as chronyc -a (always the case)"), NULL },
    { NULL }
  };
  GOptionEntry entries[G_N_ELEMENTS (all)];
  g_autoptr(GOptionContext) octx = NULL;

  o->csv = ctx->csv;
  o->numeric = ctx->numeric;
  memcpy (entries, all, sizeof all);
  if (!with_verbose)
    entries[2] = (GOptionEntry) { NULL };
  octx = mctl_option_context_new (ctx, command, parameter, entries);
  if (!mctl_parse_options (ctx, octx, argc, argv))
    return FALSE;
  if (*argc > 1 + max_args)
    {
      if (max_args == 0)
        mctl_usage_error (ctx, command, _("%s takes no arguments"), command);
      else
        mctl_usage_error (ctx, command, _("%s takes at most one address"), command);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_report_options (MctlContext *ctx, const char *command, gboolean with_verbose,
                      ReportOptions *o, int *argc, char ***argv)
{
  return parse_report_options_full (ctx, command, with_verbose, "", 0, o, argc, argv);
}

/* Connects and lists the sources (@manager keeps their proxies up to date while they are
 * used); MCTL_EXIT_OK, or the exit status of what failed, said on stderr. */
static int
list_sources (MctlContext *ctx, GDBusObjectManager **manager, GPtrArray **objects)
{
  g_autoptr(GError) error = NULL;

  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;
  *manager = mctl_sources_manager (ctx, &error);
  if (*manager == NULL)
    return mctl_report_error (ctx, _("Cannot list the NTP sources"), error);
  *objects = mctl_source_list (*manager);
  return MCTL_EXIT_OK;
}

static int
sources_command (MctlContext *ctx, const char *command, ReportKind kind, int argc, char **argv)
{
  ReportOptions o = { 0 };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  int status;

  if (!parse_report_options (ctx, command, TRUE, &o, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if ((status = list_sources (ctx, &manager, &objects)) != MCTL_EXIT_OK)
    return status;
  if (ctx->json)
    {
      print_sources_json (objects);
      return MCTL_EXIT_OK;
    }
  g_autofree char *report = sources_report (objects, kind, o.verbose, o.csv, o.numeric);
  fputs (report, stdout);
  return MCTL_EXIT_OK;
}

int
mctl_sources (MctlContext *ctx, int argc, char **argv)
{
  return sources_command (ctx, "sources", REPORT_SOURCES, argc, argv);
}

int
mctl_sourcestats (MctlContext *ctx, int argc, char **argv)
{
  return sources_command (ctx, "sourcestats", REPORT_SOURCESTATS, argc, argv);
}

int
mctl_selectdata (MctlContext *ctx, int argc, char **argv)
{
  return sources_command (ctx, "selectdata", REPORT_SELECTDATA, argc, argv);
}

int
mctl_authdata (MctlContext *ctx, int argc, char **argv)
{
  return sources_command (ctx, "authdata", REPORT_AUTHDATA, argc, argv);
}

/* chronyc activity. A pool line is one source object here (it shows its best address), so it
 * counts once, where chronyd counts each address it may use. */
int
mctl_activity (MctlContext *ctx, int argc, char **argv)
{
  ReportOptions o = { 0 };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  MctlChronyActivity a = { 0 };
  int status;

  if (!parse_report_options (ctx, "activity", FALSE, &o, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if ((status = list_sources (ctx, &manager, &objects)) != MCTL_EXIT_OK)
    return status;
  for (guint i = 0; i < objects->len; i++)
    {
      MrdDBusTime1Source *p = mrd_dbus_object_peek_time1_source (objects->pdata[i]);
      g_autofree char *host = mctl_address_host (mrd_dbus_time1_source_get_address (p));
      gboolean online = mrd_dbus_time1_source_get_online (p);

      /* Until the engine resolves a name, the name stands in the Address property. */
      if (host == NULL || !g_hostname_is_ip_address (host))
        a.unknown_address++;
      else if (mrd_dbus_time1_source_get_bursting (p))
        online ? a.burst_online++ : a.burst_offline++;
      else
        online ? a.online++ : a.offline++;
    }
  if (ctx->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "online");
      json_builder_add_int_value (b, a.online);
      json_builder_set_member_name (b, "offline");
      json_builder_add_int_value (b, a.offline);
      json_builder_set_member_name (b, "burst_online");
      json_builder_add_int_value (b, a.burst_online);
      json_builder_set_member_name (b, "burst_offline");
      json_builder_add_int_value (b, a.burst_offline);
      json_builder_set_member_name (b, "unknown_address");
      json_builder_add_int_value (b, a.unknown_address);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      mctl_print_json (root);
      return MCTL_EXIT_OK;
    }
  g_autofree char *report = mctl_chrony_format_activity (&a, o.csv);
  fputs (report, stdout);
  return MCTL_EXIT_OK;
}

int
mctl_tracking (MctlContext *ctx, int argc, char **argv)
{
  ReportOptions o = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdDBusTime1Tracking) tracking = NULL;

  if (!parse_report_options (ctx, "tracking", FALSE, &o, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;
  tracking = mctl_tracking_proxy (ctx, &error);
  if (tracking == NULL)
    return mctl_report_error (ctx, _("Cannot read the tracking state"), error);
  if (ctx->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      add_properties (b, G_DBUS_PROXY (tracking));
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      mctl_print_json (root);
      return MCTL_EXIT_OK;
    }
  g_autofree char *report = mctl_tracking_report (tracking, o.csv, o.numeric);
  fputs (report, stdout);
  return MCTL_EXIT_OK;
}

/* chronyc serverstats, from the Tracking object's ServerStats. */
int
mctl_serverstats (MctlContext *ctx, int argc, char **argv)
{
  ReportOptions o = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdDBusTime1Tracking) tracking = NULL;
  GVariant *v;
  MctlChronyServerStats st = { 0 };

  if (!parse_report_options (ctx, "serverstats", FALSE, &o, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;
  tracking = mctl_tracking_proxy (ctx, &error);
  if (tracking == NULL)
    return mctl_report_error (ctx, _("Cannot read the tracking state"), error);
  v = mrd_dbus_time1_tracking_get_server_stats (tracking);
  if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE ("(ttttttt)")))
    g_variant_get (v, "(ttttttt)", &st.answered, &st.rate_limited, &st.denied, &st.malformed,
                   &st.not_a_request, &st.authenticated, &st.forgotten);
  if (ctx->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      const struct { const char *name; guint64 value; } fields[] = {
        { "answered", st.answered }, { "rate_limited", st.rate_limited },
        { "denied", st.denied }, { "malformed", st.malformed },
        { "not_a_request", st.not_a_request }, { "authenticated", st.authenticated },
        { "client_records_forgotten", st.forgotten },
      };

      json_builder_begin_object (b);
      for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
        {
          json_builder_set_member_name (b, fields[i].name);
          json_builder_add_int_value (b, (gint64) MIN (fields[i].value, (guint64) G_MAXINT64));
        }
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      mctl_print_json (root);
      return MCTL_EXIT_OK;
    }
  g_autofree char *report = mctl_chrony_format_serverstats (&st, o.csv);
  fputs (report, stdout);
  return MCTL_EXIT_OK;
}

/* ---- changes ---------------------------------------------------------------------------- */

static MrdDBusTime1Sources *
sources_proxy (MctlContext *ctx, GError **error)
{
  GDBusConnection *bus = g_dbus_proxy_get_connection (G_DBUS_PROXY (ctx->time1));
  MrdDBusTime1Sources *proxy =
    mrd_dbus_time1_sources_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                           MCTL_BUS_NAME, MCTL_OBJECT_PATH, NULL, error);
  if (proxy != NULL)
    g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), 60 * 1000);
  return proxy;
}

/* AddSource with @line; the new source's object path in *@path. */
static int
add_source_line (MctlContext *ctx, const char *line, char **path)
{
  g_autoptr(MrdDBusTime1Sources) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;
  proxy = sources_proxy (ctx, &error);
  if (proxy == NULL ||
      !mctl_call_mutating_on (ctx, G_DBUS_PROXY (proxy), "AddSource", g_variant_new ("(s)", line),
                              &reply, &error))
    return mctl_report_error (ctx, _("Cannot add the NTP source"), error);
  g_variant_get (reply, "(o)", path);
  return MCTL_EXIT_OK;
}

int
mctl_add_source (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx =
    mctl_option_context_new (ctx, "add-source", "'server HOST [OPTION…]'", NULL);
  g_autofree char *line = NULL;
  g_autofree char *path = NULL;
  int status;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc < 2)
    return mctl_usage_error (ctx, "add-source",
                             _("add-source takes a source line, e.g. 'server time.example.com iburst'"));
  /* One quoted argument or the words one by one: both make the same chrony.conf line. */
  line = g_strjoinv (" ", argv + 1);
  status = add_source_line (ctx, line, &path);
  if (status == MCTL_EXIT_OK)
    g_print ("%s\n", path);
  return status;
}

/* chronyc add server|pool|peer NAME [OPTION…]: the same line as add-source, and chronyc's
 * "200 OK" (scripts written for chronyc read its status). The kind is checked here so that
 * "add NAME" (a word missing) is a usage error, not a line the daemon refuses. */
int
mctl_add (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx =
    mctl_option_context_new (ctx, "add", "server|pool|peer HOST [OPTION…]", NULL);
  g_autofree char *line = NULL;
  g_autofree char *path = NULL;
  int status;

  /* "add server h maxdelay 0.1 offset -0.002": the options are chrony.conf words, not ours */
  if (!mctl_parse_options_numbers (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc < 3 || !(g_str_equal (argv[1], "server") || g_str_equal (argv[1], "pool") ||
                    g_str_equal (argv[1], "peer")))
    return mctl_usage_error (ctx, "add",
                             _("add takes server, pool or peer, a host and its options, as chronyc's add"));
  line = g_strjoinv (" ", argv + 1);
  status = add_source_line (ctx, line, &path);
  if (status == MCTL_EXIT_OK)
    g_print ("200 OK\n");
  return status;
}

/* Which of @objects @what is: an object path, or the name or address of exactly one source. */
static char *
find_source_in (GPtrArray *objects, const char *what, int *status)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  for (guint i = 0; i < objects->len; i++)
    {
      MrdDBusTime1Source *s = mrd_dbus_object_peek_time1_source (objects->pdata[i]);
      const char *path = g_dbus_object_get_object_path (objects->pdata[i]);
      g_autofree char *host = mctl_address_host (mrd_dbus_time1_source_get_address (s));

      /* The address as 'sources -n' shows it (no port) or as the Address property has it. */
      if (g_str_equal (path, what) ||
          g_ascii_strcasecmp (mrd_dbus_time1_source_get_name (s), what) == 0 ||
          g_ascii_strcasecmp (mrd_dbus_time1_source_get_address (s), what) == 0 ||
          (host != NULL && g_ascii_strcasecmp (host, what) == 0))
        g_ptr_array_add (found, (gpointer) path);
    }
  if (found->len == 1)
    return g_strdup (found->pdata[0]);

  *status = MCTL_EXIT_INVALID_ARG;
  if (found->len == 0)
    {
      g_printerr (_("No NTP source is called %s.\n"), what);
      g_printerr (_("See 'meridianctl sources -n' for the sources and their addresses.\n"));
      return NULL;
    }
  g_ptr_array_sort (found, compare_strings);
  g_printerr (_("%s names more than one source; give one of their object paths:\n"), what);
  for (guint i = 0; i < found->len; i++)
    g_printerr ("  %s\n", (const char *) found->pdata[i]);
  return NULL;
}

static char *
find_source (MctlContext *ctx, const char *what, int *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = mctl_sources_manager (ctx, &error);
  g_autoptr(GPtrArray) objects = NULL;

  if (manager == NULL)
    {
      *status = mctl_report_error (ctx, _("Cannot list the NTP sources"), error);
      return NULL;
    }
  objects = mctl_source_list (manager);
  return find_source_in (objects, what, status);
}

/* remove-source and chronyc's delete: the one source @what names. */
static int
remove_one_source (MctlContext *ctx, const char *command, int argc, char **argv,
                   gboolean print_status)
{
  g_autoptr(GOptionContext) octx =
    mctl_option_context_new (ctx, command, "PATH|NAME|ADDRESS", NULL);
  g_autoptr(MrdDBusTime1Sources) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int status = MCTL_EXIT_FAILURE;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc != 2)
    /* TRANSLATORS: %s is the command, remove-source or delete */
    return mctl_usage_error (ctx, command,
                             _("%s takes one source: its object path, name or address"), command);
  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;
  path = find_source (ctx, argv[1], &status);
  if (path == NULL)
    return status;
  proxy = sources_proxy (ctx, &error);
  if (proxy == NULL ||
      !mctl_call_mutating_on (ctx, G_DBUS_PROXY (proxy), "RemoveSource",
                              g_variant_new ("(o)", path), NULL, &error))
    return mctl_report_error (ctx, _("Cannot remove the NTP source"), error);
  if (print_status)
    g_print ("200 OK\n");
  return MCTL_EXIT_OK;
}

int
mctl_remove_source (MctlContext *ctx, int argc, char **argv)
{
  return remove_one_source (ctx, "remove-source", argc, argv, FALSE);
}

/* chronyc delete ADDRESS: remove-source, with chronyc's "200 OK". */
int
mctl_delete (MctlContext *ctx, int argc, char **argv)
{
  return remove_one_source (ctx, "delete", argc, argv, TRUE);
}

/* chronyc sourcename ADDRESS: the name the source was given (in the configuration, the
 * sourcedir or AddSource) for one of its addresses; a pool's sources answer the pool's name. */
int
mctl_sourcename (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "sourcename", "ADDRESS", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GDBusObject) object = NULL;
  g_autofree char *path = NULL;
  MrdDBusTime1Source *s;
  int status = MCTL_EXIT_FAILURE;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc != 2)
    return mctl_usage_error (ctx, "sourcename", _("sourcename takes one address"));
  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;
  manager = mctl_sources_manager (ctx, &error);
  if (manager == NULL)
    return mctl_report_error (ctx, _("Cannot list the NTP sources"), error);
  objects = mctl_source_list (manager);
  path = find_source_in (objects, argv[1], &status);
  if (path == NULL)
    return status;
  object = g_dbus_object_manager_get_object (manager, path);
  s = object != NULL ? mrd_dbus_object_peek_time1_source (MRD_DBUS_OBJECT (object)) : NULL;
  if (s == NULL)
    return MCTL_EXIT_FAILURE;
  if (ctx->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, mrd_dbus_time1_source_get_name (s));
      json_builder_set_member_name (b, "address");
      json_builder_add_string_value (b, mrd_dbus_time1_source_get_address (s));
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, path);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      mctl_print_json (root);
    }
  else
    g_print ("%s\n", mrd_dbus_time1_source_get_name (s));
  return MCTL_EXIT_OK;
}

/* A Sources method that takes no arguments but the interaction flag, called as a change
 * (polkit may ask): MCTL_EXIT_OK with its answer in *@reply (if not NULL), or the error
 * reported with @failure. */
static int
call_sources_for_reply (MctlContext *ctx, const char *method, const char *failure,
                        GVariant **reply)
{
  g_autoptr(MrdDBusTime1Sources) proxy = NULL;
  g_autoptr(GError) error = NULL;

  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;
  proxy = sources_proxy (ctx, &error);
  if (proxy == NULL ||
      !mctl_call_mutating_on (ctx, G_DBUS_PROXY (proxy), method, g_variant_new ("()"), reply,
                              &error))
    return mctl_report_error (ctx, failure, error);
  return MCTL_EXIT_OK;
}

static int
simple_command (MctlContext *ctx, const char *command, const char *method, const char *failure,
                int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, command, "", NULL);

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc > 1)
    return mctl_usage_error (ctx, command, _("%s takes no arguments"), command);
  return call_sources_for_reply (ctx, method, failure, NULL);
}

/* "GOOD/MAX" as chronyc's burst takes it: two whole numbers and a slash, nothing else. */
static gboolean
parse_burst_counts (const char *text, guint *good, guint *total)
{
  g_auto(GStrv) parts = g_strsplit (text, "/", -1);
  guint64 v[2];

  if (g_strv_length (parts) != 2)
    return FALSE;
  for (int i = 0; i < 2; i++)
    if (!g_ascii_string_to_unsigned (parts[i], 10, 0, G_MAXUINT, &v[i], NULL))
      return FALSE;
  *good = (guint) v[0];
  *total = (guint) v[1];
  return TRUE;
}

/* chronyc burst GOOD/MAX [MASK]; without arguments, 4/8 for every source (Burst). */
int
mctl_burst (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx =
    mctl_option_context_new (ctx, "burst", "[GOOD/MAX [ADDRESS[/BITS]|MASK/ADDRESS]]", NULL);
  g_autoptr(MrdDBusTime1Sources) proxy = NULL;
  g_autoptr(GError) error = NULL;
  guint good = 0, total = 0;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc > 3 || (argc > 1 && !parse_burst_counts (argv[1], &good, &total)))
    return mctl_usage_error (ctx, "burst",
                             _("burst takes GOOD/MAX (e.g. 4/4) and, optionally, the sources"));
  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;
  proxy = sources_proxy (ctx, &error);
  if (proxy == NULL ||
      !(argc == 1
          ? mctl_call_mutating_on (ctx, G_DBUS_PROXY (proxy), "Burst", g_variant_new ("()"),
                                   NULL, &error)
          : mctl_call_mutating_on (ctx, G_DBUS_PROXY (proxy), "BurstSources",
                                   g_variant_new ("(uus)", good, total,
                                                  argc > 2 ? argv[2] : ""), NULL, &error)))
    return mctl_report_error (ctx, _("Cannot start a burst of measurements"), error);
  /* chronyc prints its reply's status; the form without arguments is ours and stays quiet */
  if (argc > 1)
    g_print ("200 OK\n");
  return MCTL_EXIT_OK;
}

/* chronyc's runtime directives: SetDirective with the directive's words as chrony.conf has
 * them; "200 OK" as chronyc prints it. */
static int
set_directive (MctlContext *ctx, const char *directive, const char *value)
{
  g_autoptr(MrdDBusTime1Sources) proxy = NULL;
  g_autoptr(GError) error = NULL;

  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;
  proxy = sources_proxy (ctx, &error);
  if (proxy == NULL ||
      !mctl_call_mutating_on (ctx, G_DBUS_PROXY (proxy), "SetDirective",
                              g_variant_new ("(ss)", directive, value), NULL, &error))
    {
      /* TRANSLATORS: "Cannot set makestep to 0.1 3"; the first is the directive's name */
      g_autofree char *what = g_strdup_printf (_("Cannot set %s to %s"), directive, value);

      return mctl_report_error (ctx, what, error);
    }
  g_print ("200 OK\n");
  return MCTL_EXIT_OK;
}

/* chronyc makestep: without arguments the clock is stepped now; with THRESHOLD LIMIT the
 * makestep directive is set while running (its limit counting from now). */
int
mctl_makestep (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "makestep", "[THRESHOLD LIMIT]", NULL);
  g_autoptr(MrdDBusTime1Sources) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  /* "makestep 0.1 -1": -1 is the limit, as chronyc reads it */
  if (!mctl_parse_options_numbers (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc == 3)
    {
      value = g_strdup_printf ("%s %s", argv[1], argv[2]);
      return set_directive (ctx, "makestep", value);
    }
  if (argc != 1)
    return mctl_usage_error (ctx, "makestep",
                             _("makestep takes no arguments, or a threshold and a limit"));
  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;
  proxy = sources_proxy (ctx, &error);
  if (proxy == NULL ||
      !mctl_call_mutating_on (ctx, G_DBUS_PROXY (proxy), "MakeStep", g_variant_new ("()"), NULL,
                              &error))
    return mctl_report_error (ctx, _("Cannot step the clock"), error);
  return MCTL_EXIT_OK;
}

int
mctl_maxupdateskew (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "maxupdateskew", "SKEW", NULL);

  if (!mctl_parse_options_numbers (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc != 2)
    return mctl_usage_error (ctx, "maxupdateskew", _("maxupdateskew takes one value, in ppm"));
  return set_directive (ctx, "maxupdateskew", argv[1]);
}

int
mctl_reselectdist (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "reselectdist", "DIST", NULL);

  if (!mctl_parse_options_numbers (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc != 2)
    return mctl_usage_error (ctx, "reselectdist", _("reselectdist takes one value, in seconds"));
  return set_directive (ctx, "reselectdist", argv[1]);
}

int
mctl_refresh (MctlContext *ctx, int argc, char **argv)
{
  return simple_command (ctx, "refresh", "Refresh",
                         _("Cannot resolve the NTP sources' names again"), argc, argv);
}

/* What the daemon could not use, named on standard error, then chronyc's "200 OK": the
 * request as a whole went through. */
static int
print_problems_and_ok (const char *const *problems)
{
  for (guint i = 0; problems[i] != NULL; i++)
    g_printerr (_("%s: not used: %s\n"), g_get_prgname (), problems[i]);
  g_print ("200 OK\n");
  return MCTL_EXIT_OK;
}

/* chronyc reload sources: the daemon reads its sourcedir directories again. chronyc prints
 * "200 OK" whatever the files held (chronyd logs their problems); this prints what changed
 * first, each line a source, and the lines that could not be used on standard error. */
int
mctl_reload (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "reload", "sources", NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **added = NULL, **removed = NULL, **problems = NULL;
  int status;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  /* chronyc knows only "reload sources". */
  if (argc != 2 || strcmp (argv[1], "sources") != 0)
    return mctl_usage_error (ctx, "reload", _("reload takes one argument, \"sources\""));
  status = call_sources_for_reply (ctx, "ReloadSources", _("Cannot reload the NTP sources"),
                                   &reply);
  if (status != MCTL_EXIT_OK)
    return status;
  g_variant_get (reply, "(^a&s^a&s^a&s)", &added, &removed, &problems);
  for (guint i = 0; removed[i] != NULL; i++)
    g_print (_("Removed source: %s\n"), removed[i]);
  for (guint i = 0; added[i] != NULL; i++)
    g_print (_("Added source: %s\n"), added[i]);
  return print_problems_and_ok (problems);
}

/* chronyc rekey: the daemon reads its key file again; the lines it could not use are named on
 * standard error, then "200 OK" as chronyc prints it. */
int
mctl_rekey (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "rekey", "", NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **problems = NULL;
  guint32 n_keys;
  int status;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc > 1)
    return mctl_usage_error (ctx, "rekey", _("%s takes no arguments"), "rekey");
  status = call_sources_for_reply (ctx, "Rekey", _("Cannot read the key file again"), &reply);
  if (status != MCTL_EXIT_OK)
    return status;
  g_variant_get (reply, "(u^a&s)", &n_keys, &problems);
  return print_problems_and_ok (problems);
}

/* A client's name as chronyc shows it: what its address resolves to (or the address). */
static char *
client_name (const char *address, gboolean numeric)
{
  g_autoptr(GInetAddress) a = g_inet_address_new_from_string (address);
  char *name = NULL;

  if (!numeric && a != NULL)
    name = g_resolver_lookup_by_address (g_resolver_get_default (), a, NULL, NULL);
  return name != NULL ? name : g_strdup (address);
}

/* chronyc clients [-p PACKETS]: the server's client log. */
int
mctl_clients (MctlContext *ctx, int argc, char **argv)
{
  int min_packets = 0;
  gboolean nts_ke = FALSE, reset = FALSE, csv = ctx->csv, numeric = ctx->numeric;
  const GOptionEntry entries[] = {
    { "csv", 'c', 0, G_OPTION_ARG_NONE, &csv, N_("Print comma-separated values, as chronyc -c"), NULL },
    { "numeric", 'n', 0, G_OPTION_ARG_NONE, &numeric, N_("Show addresses, do not look up names"), NULL },
    { "packets", 'p', 0, G_OPTION_ARG_INT, &min_packets,
      N_("List only the clients that sent at least this many requests"), N_("PACKETS") },
    /* chronyc's -k shows NTS-KE accesses in the last columns: meridiand serves no NTS-KE, so
     * they read as the command columns do, 0. */
    { "nts-ke", 'k', 0, G_OPTION_ARG_NONE, &nts_ke, N_("Show NTS-KE connections in the last columns (none here)"), NULL },
    { "reset", 'r', 0, G_OPTION_ARG_NONE, &reset, N_("Reset the counters after the report (not supported)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "clients", "", entries);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (MctlChronyClient));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  const char *address;
  MctlChronyClient c;
  int status;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc > 1)
    return mctl_usage_error (ctx, "clients", _("%s takes no arguments"), "clients");
  if (reset)
    return mctl_usage_error (ctx, "clients", _("meridiand does not reset its clients' counters"));
  if (min_packets < 0)
    return mctl_usage_error (ctx, "clients", _("the number of packets cannot be negative"));
  status = call_sources_for_reply (ctx, "ListClients", _("Cannot list the NTP server's clients"),
                                   &reply);
  if (status != MCTL_EXIT_OK)
    return status;
  list = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, list);
  while (g_variant_iter_next (&iter, "(&sttddd)", &address, &c.requests, &c.dropped, &c.interval,
                              &c.interval_answered, &c.last_ago))
    {
      if (c.requests < (guint64) min_packets)
        continue;
      c.name = address;
      g_array_append_val (rows, c);
    }
  if (ctx->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (b);
      for (guint i = 0; i < rows->len; i++)
        {
          MctlChronyClient *r = &g_array_index (rows, MctlChronyClient, i);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "address");
          json_builder_add_string_value (b, r->name);
          json_builder_set_member_name (b, "requests");
          json_builder_add_int_value (b, (gint64) MIN (r->requests, (guint64) G_MAXINT64));
          json_builder_set_member_name (b, "dropped");
          json_builder_add_int_value (b, (gint64) MIN (r->dropped, (guint64) G_MAXINT64));
          json_builder_set_member_name (b, "interval");
          json_builder_add_double_value (b, r->interval);
          json_builder_set_member_name (b, "interval_answered");
          json_builder_add_double_value (b, r->interval_answered);
          json_builder_set_member_name (b, "last_ago");
          json_builder_add_double_value (b, r->last_ago);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      root = json_builder_get_root (b);
      mctl_print_json (root);
      return MCTL_EXIT_OK;
    }
  /* chronyc -c prints addresses; otherwise names, unless -n. */
  for (guint i = 0; i < rows->len; i++)
    {
      MctlChronyClient *r = &g_array_index (rows, MctlChronyClient, i);
      char *name = client_name (r->name, numeric || csv);

      g_ptr_array_add (names, name);
      r->name = name;
    }
  g_autofree char *report = mctl_chrony_format_clients ((MctlChronyClient *) rows->data,
                                                        rows->len, csv);
  fputs (report, stdout);
  return MCTL_EXIT_OK;
}

/* chronyc reset sources: every source's measurements are dropped; "200 OK" as chronyc prints
 * it. */
int
mctl_reset (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "reset", "sources", NULL);
  int status;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  /* chronyc knows only "reset sources". */
  if (argc != 2 || strcmp (argv[1], "sources") != 0)
    return mctl_usage_error (ctx, "reset", _("reset takes one argument, \"sources\""));
  status = call_sources_for_reply (ctx, "ResetSources",
                                   _("Cannot drop the NTP sources' measurements"), NULL);
  if (status == MCTL_EXIT_OK)
    g_print ("200 OK\n");
  return status;
}

int
mctl_reselect (MctlContext *ctx, int argc, char **argv)
{
  return simple_command (ctx, "reselect", "Reselect", _("Cannot reselect the NTP source"),
                         argc, argv);
}

/* ---- offline / online / onoffline ------------------------------------------------------- */

/* chronyc's offline, online and onoffline: the daemon reads the sources' mask
 * (service/sync/mrd-sync-mask.h) and says when it is malformed or matches no source. On
 * success chronyc prints its reply's status, "200 OK", with or without -c; so does this. */
static int
connectivity_command (MctlContext *ctx, const char *command, const char *connectivity,
                      gboolean takes_mask, const char *failure, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx =
    mctl_option_context_new (ctx, command, takes_mask ? "[ADDRESS[/BITS]|MASK/ADDRESS]" : "", NULL);
  g_autoptr(MrdDBusTime1Sources) proxy = NULL;
  g_autoptr(GError) error = NULL;
  const char *mask;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (!takes_mask && argc > 1)
    return mctl_usage_error (ctx, command, _("%s takes no arguments"), command);
  if (takes_mask && argc > 2)
    return mctl_usage_error (ctx, command,
                             _("%s takes at most one address, subnet or host name"), command);
  mask = argc > 1 ? argv[1] : "";
  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;
  proxy = sources_proxy (ctx, &error);
  if (proxy == NULL ||
      !mctl_call_mutating_on (ctx, G_DBUS_PROXY (proxy), "SetConnectivity",
                              g_variant_new ("(ss)", connectivity, mask), NULL, &error))
    return mctl_report_error (ctx, failure, error);
  g_print ("200 OK\n");
  return MCTL_EXIT_OK;
}

int
mctl_offline (MctlContext *ctx, int argc, char **argv)
{
  return connectivity_command (ctx, "offline", "offline", TRUE,
                               _("Cannot take the NTP sources offline"), argc, argv);
}

int
mctl_online (MctlContext *ctx, int argc, char **argv)
{
  return connectivity_command (ctx, "online", "online", TRUE,
                               _("Cannot take the NTP sources online"), argc, argv);
}

int
mctl_onoffline (MctlContext *ctx, int argc, char **argv)
{
  return connectivity_command (ctx, "onoffline", "auto", FALSE,
                               _("Cannot set the NTP sources online or offline"), argc, argv);
}

/* ---- minpoll / maxpoll / maxdelay / ... ------------------------------------------------- */

/* chronyc's commands that change one option of a running source, with its names and argument
 * order (COMMAND ADDRESS VALUE). The daemon reads the value as the option's value in a source
 * line and says when it is out of range (the range is not repeated here); on success chronyc
 * prints "200 OK", and so does this. */
static int
modify_command (MctlContext *ctx, const char *command, const char *value_name, int argc,
                char **argv)
{
  g_autofree char *args = g_strdup_printf ("ADDRESS %s", value_name);
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, command, args, NULL);
  g_autoptr(MrdDBusTime1Sources) proxy = NULL;
  g_autoptr(GError) error = NULL;

  /* "minpoll 192.0.2.1 -2": a negative value is the value, as chronyc reads it. */
  if (!mctl_parse_options_numbers (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc != 3)
    /* TRANSLATORS: e.g. "minpoll takes a source's address and a value" */
    return mctl_usage_error (ctx, command, _("%s takes a source's address and a value"),
                             command);
  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;
  proxy = sources_proxy (ctx, &error);
  if (proxy == NULL ||
      !mctl_call_mutating_on (ctx, G_DBUS_PROXY (proxy), "ModifySource",
                              g_variant_new ("(sss)", argv[1], command, argv[2]), NULL, &error))
    {
      /* TRANSLATORS: "Cannot set minpoll of 192.0.2.1 to 4"; the first is the option's name */
      g_autofree char *what = g_strdup_printf (_("Cannot set %s of %s to %s"), command, argv[1],
                                               argv[2]);

      return mctl_report_error (ctx, what, error);
    }
  g_print ("200 OK\n");
  return MCTL_EXIT_OK;
}

int
mctl_minpoll (MctlContext *ctx, int argc, char **argv)
{
  return modify_command (ctx, "minpoll", "POLL", argc, argv);
}

int
mctl_maxpoll (MctlContext *ctx, int argc, char **argv)
{
  return modify_command (ctx, "maxpoll", "POLL", argc, argv);
}

int
mctl_maxdelay (MctlContext *ctx, int argc, char **argv)
{
  return modify_command (ctx, "maxdelay", "SECONDS", argc, argv);
}

int
mctl_maxdelayratio (MctlContext *ctx, int argc, char **argv)
{
  return modify_command (ctx, "maxdelayratio", "RATIO", argc, argv);
}

int
mctl_maxdelaydevratio (MctlContext *ctx, int argc, char **argv)
{
  return modify_command (ctx, "maxdelaydevratio", "RATIO", argc, argv);
}

int
mctl_minstratum (MctlContext *ctx, int argc, char **argv)
{
  return modify_command (ctx, "minstratum", "STRATUM", argc, argv);
}

int
mctl_polltarget (MctlContext *ctx, int argc, char **argv)
{
  return modify_command (ctx, "polltarget", "TARGET", argc, argv);
}

/* ---- waitsync --------------------------------------------------------------------------- */

static gboolean
parse_number (const char *text, double *value)
{
  char *end = NULL;

  errno = 0;
  *value = g_ascii_strtod (text, &end);
  return errno == 0 && end != text && *end == '\0' && isfinite (*value);
}

/* One try as a JSON object on a line of its own (JSON Lines), printed as it is made: what the
 * try saw and whether it ends the wait (meridianctl(1)); a try that could not read the
 * tracking state says why instead. */
static void
print_waitsync_json (gint64 attempt, MrdDBusTime1Tracking *t, double correction, double skew,
                     gboolean met, const GError *error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "Try");
  json_builder_add_int_value (b, attempt);
  if (t != NULL)
    {
      json_builder_set_member_name (b, "Synchronized");
      json_builder_add_boolean_value (b, mrd_dbus_time1_tracking_get_synchronized (t));
      json_builder_set_member_name (b, "ReferenceID");
      json_builder_add_int_value (b, mrd_dbus_time1_tracking_get_reference_id (t));
      json_builder_set_member_name (b, "Correction");
      json_builder_add_double_value (b, correction);
      json_builder_set_member_name (b, "Skew");
      json_builder_add_double_value (b, skew);
    }
  else
    {
      json_builder_set_member_name (b, "Error");
      json_builder_add_string_value (b, error != NULL ? error->message : "");
    }
  json_builder_set_member_name (b, "Done");
  json_builder_add_boolean_value (b, met);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
  fflush (stdout);
}

/* chronyc's waitsync, number for number (chronyc 4.3's process_cmd_waitsync): MAX-TRIES 0
 * tries for ever and a negative one tries once; a MAX-CORRECTION or MAX-SKEW of 0 is no bound
 * and a negative one a bound nothing meets; the interval is at least 0.1 s. Unlike chronyc's
 * sscanf, something that is not a number is an error rather than the default. */
int
mctl_waitsync (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx =
    mctl_option_context_new (ctx, "waitsync", "[MAX-TRIES [MAX-CORRECTION [MAX-SKEW [INTERVAL]]]]", NULL);
  gint64 max_tries = 0;
  double max_correction = 0, max_skew = 0, interval = 10;
  double *doubles[] = { &max_correction, &max_skew, &interval };

  if (!mctl_parse_options_numbers (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc > 5)
    return mctl_usage_error (ctx, "waitsync", _("waitsync takes at most four numbers"));
  if (argc > 1 && !g_ascii_string_to_signed (argv[1], 10, G_MININT, G_MAXINT, &max_tries, NULL))
    return mctl_usage_error (ctx, "waitsync",
                             _("MAX-TRIES must be a whole number (0: try for ever), not '%s'"),
                             argv[1]);
  for (int i = 2; i < argc; i++)
    if (!parse_number (argv[i], doubles[i - 2]))
      return mctl_usage_error (ctx, "waitsync", _("'%s' is not a number"), argv[i]);
  /* As chronyc: no faster than ten times a second. */
  interval = MAX (interval, 0.1);
  if (!mctl_connect_ntp (ctx))
    return MCTL_EXIT_UNREACHABLE;

  for (gint64 attempt = 1;; attempt++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MrdDBusTime1Tracking) t = mctl_tracking_proxy (ctx, &error);

      if (t == NULL)
        {
          g_dbus_error_strip_remote_error (error);
          g_printerr (_("Cannot read the tracking state (try %u).\n"), (guint) attempt);
          if (ctx->verbose)
            g_printerr ("%s\n", error->message);
          if (ctx->json)
            print_waitsync_json (attempt, NULL, 0, 0, FALSE, error);
        }
      else
        {
          guint32 refid = mrd_dbus_time1_tracking_get_reference_id (t);
          double correction = fabs (mrd_dbus_time1_tracking_get_system_time_offset (t));
          double skew = mrd_dbus_time1_tracking_get_skew (t);
          gboolean met = mrd_dbus_time1_tracking_get_synchronized (t) && refid != 0 &&
                         refid != LOCAL_REFID &&
                         (max_correction == 0 || correction <= max_correction) &&
                         (max_skew == 0 || skew <= max_skew);

          if (ctx->json)
            print_waitsync_json (attempt, t, correction, skew, met, NULL);
          else
            {
              g_autofree char *line = mctl_chrony_format_waitsync_try ((int) attempt, refid,
                                                                       correction, skew, ctx->csv);
              fputs (line, stdout);
              fflush (stdout);
            }
          if (met)
            return MCTL_EXIT_OK;
        }
      if (max_tries != 0 && attempt >= max_tries)
        return MCTL_EXIT_FAILURE;
      g_usleep ((gulong) (interval * G_USEC_PER_SEC));
    }
}

/* ---- ntpdata ---------------------------------------------------------------------------- */

/* chronyc's UTI_IPToRefid: an IPv4 address is its own ID; an IPv6 address the first four
 * bytes of the MD5 digest of its sixteen. */
static guint32
address_id (GInetAddress *inet)
{
  const guint8 *bytes = g_inet_address_to_bytes (inet);
  guint8 digest[16];
  gsize length = sizeof digest;

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4)
    return (guint32) bytes[0] << 24 | (guint32) bytes[1] << 16 | (guint32) bytes[2] << 8 | bytes[3];
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  g_checksum_update (md5, bytes, 16);
  g_checksum_get_digest (md5, digest, &length);
  return (guint32) digest[0] << 24 | (guint32) digest[1] << 16 | (guint32) digest[2] << 8 | digest[3];
}

/* The port of a source's Address ("HOST:PORT", "[HOST]:PORT"), 123 when it has none. */
static guint
address_port (const char *address, const char *host)
{
  const char *rest = address + strlen (host);

  if (address[0] == '[')
    rest += 2;
  return rest[0] == ':' && rest[1] != '\0' ? (guint) g_ascii_strtoull (rest + 1, NULL, 10) : 123;
}

/* One source's report; NULL for a source chronyc's ntpdata leaves out (a name not resolved
 * to an address yet). */
static char *
ntpdata_report (MrdDBusTime1Source *p, gboolean csv)
{
  MctlChronyNtpData d = { 0 };
  const char *address = mrd_dbus_time1_source_get_address (p);
  g_autofree char *host = mctl_address_host (address);
  g_autoptr(GInetAddress) remote = host ? g_inet_address_new_from_string (host) : NULL;
  g_autoptr(GInetAddress) local = NULL;
  g_autofree char *remote_text = NULL;
  g_autofree char *local_text = NULL;
  guint64 replies = mrd_dbus_time1_source_get_valid_replies (p);

  if (remote == NULL)
    return NULL;
  remote_text = g_inet_address_to_string (remote);
  d.remote_address = remote_text;
  d.remote_id = address_id (remote);
  d.remote_port = address_port (address, host);
  /* The address the engine's own socket sent from (meridiand reads it with getsockname);
   * none before the first request, or from a meridiand that does not carry it. */
  if (mrd_dbus_time1_source_get_local_address (p) != NULL)
    local = g_inet_address_new_from_string (mrd_dbus_time1_source_get_local_address (p));
  /* chronyc's words for an address it does not know. */
  local_text = local ? g_inet_address_to_string (local) : g_strdup ("[UNSPEC]");
  d.local_address = local_text;
  d.local_id = local ? address_id (local) : 0;
  d.leap = (MctlChronyLeap) MIN (mrd_dbus_time1_source_get_reply_leap (p), 3);
  d.version = mrd_dbus_time1_source_get_reply_version (p);
  d.mode = mrd_dbus_time1_source_get_reply_mode (p);
  d.stratum = mrd_dbus_time1_source_get_reply_stratum (p);
  d.poll = mrd_dbus_time1_source_get_poll (p);
  d.precision = mrd_dbus_time1_source_get_reply_precision (p);
  d.root_delay = mrd_dbus_time1_source_get_reply_root_delay (p);
  d.root_dispersion = mrd_dbus_time1_source_get_reply_root_dispersion (p);
  d.ref_id = mrd_dbus_time1_source_get_reply_reference_id (p);
  /* 0 (none given, or a meridiand that does not carry it) is the epoch, as chronyc shows a
   * zero one. */
  {
    guint64 ref = mrd_dbus_time1_source_get_reply_reference_time_nsec (p);

    d.ref_time_s = (gint64) (ref / 1000000000);
    d.ref_time_ns = (guint32) (ref % 1000000000);
  }
  d.offset = mrd_dbus_time1_source_get_reply_offset (p);
  d.peer_delay = mrd_dbus_time1_source_get_reply_peer_delay (p);
  d.peer_dispersion = mrd_dbus_time1_source_get_dispersion (p);
  d.response_time = mrd_dbus_time1_source_get_reply_response_time (p);
  /* Interleaved mode (`xleave`) and where t1 came from (the kernel's transmit timestamp or
   * the time read before send), as the last sample had them; Kernel before any reply. */
  d.interleaved = mrd_dbus_time1_source_get_reply_interleaved (p);
  d.tx_timestamping = replies == 0 || mrd_dbus_time1_source_get_reply_tx_kernel (p) ? 'K' : 'D';
  /* The asymmetry applied to the samples (configured or estimated), and whether the last
   * reply was authenticated: with a key or NTS every reply taken was. */
  d.jitter_asymmetry = mrd_dbus_time1_source_get_reply_jitter_asymmetry (p);
  d.authenticated = replies > 0 && source_authenticates (p);
  /* The tests of the last valid reply and the counts, as meridiand's engine keeps them
   * (chronyd's: requests, replies, valid ones, good ones); receive timestamps are the
   * kernel's (SO_TIMESTAMPING), as the engine asks for. */
  d.tests = mrd_dbus_time1_source_get_ntp_tests (p) & 0x3ff;
  d.rx_timestamping = 'K';
  d.total_tx = (guint32) MIN (mrd_dbus_time1_source_get_total_tx (p), G_MAXUINT32);
  d.total_rx = (guint32) MIN (mrd_dbus_time1_source_get_total_rx (p), G_MAXUINT32);
  d.total_valid_rx = (guint32) MIN (mrd_dbus_time1_source_get_total_valid_rx (p), G_MAXUINT32);
  d.total_good_rx = (guint32) MIN (mrd_dbus_time1_source_get_total_good_rx (p), G_MAXUINT32);
  return mctl_chrony_format_ntpdata (&d, csv);
}

int
mctl_ntpdata (MctlContext *ctx, int argc, char **argv)
{
  ReportOptions o = { 0 };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  int status;

  if (!parse_report_options_full (ctx, "ntpdata", FALSE, _("[ADDRESS]"), 1, &o, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if ((status = list_sources (ctx, &manager, &objects)) != MCTL_EXIT_OK)
    return status;
  if (argc > 1)
    {
      g_autofree char *path = find_source_in (objects, argv[1], &status);
      g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func (g_object_unref);

      if (path == NULL)
        return status;
      for (guint i = 0; i < objects->len; i++)
        if (g_str_equal (g_dbus_object_get_object_path (objects->pdata[i]), path))
          g_ptr_array_add (one, g_object_ref (objects->pdata[i]));
      g_ptr_array_unref (objects);
      objects = g_steal_pointer (&one);
    }
  if (ctx->json)
    {
      print_sources_json (objects);
      return MCTL_EXIT_OK;
    }
  for (guint i = 0; i < objects->len; i++)
    {
      MrdDBusTime1Source *p = mrd_dbus_object_peek_time1_source (objects->pdata[i]);
      g_autofree char *report = ntpdata_report (p, o.csv);

      if (report == NULL)
        {
          if (argc > 1)
            {
              g_printerr (_("%s has no address yet: its name is not resolved.\n"), argv[1]);
              return MCTL_EXIT_INVALID_ARG;
            }
          continue;
        }
      /* chronyc separates the sources with a blank line when it lists them all. */
      if (argc == 1 && !o.csv)
        fputc ('\n', stdout);
      fputs (report, stdout);
    }
  return MCTL_EXIT_OK;
}
