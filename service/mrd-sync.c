/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-sync.c — see mrd-sync.h. */
#include "mrd-sync.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "mrd-error.h"
#include "mrd-state.h"
#include "sync/mrd-keys.h"
#include "ntp-engine.h"
#include "ntp-stats.h"

typedef struct {
  MrdSyncListener funcs;
  gpointer user_data;
} Listener;

typedef struct {
  NtpSourceConfig config;
  NtpSourceReport report;
  /* The report's "seconds since the last sample" as the engine gave it, and when (monotonic
   * µs): the figure shown is brought to the moment it is read (mrd_sync_refresh), as chronyc's
   * LastRx counts up between samples. */
  double last_rx_ago_given;
  gint64 report_mono;
  char *address;                     /* the address polled, once the engine says; NULL before */
  char *local_address;               /* where its requests go out from; NULL before the first */
  char *line;                        /* as given */
  gboolean persistent;               /* added at run time: kept in the sourcedir file */
} Source;

static void
source_free (Source *source)
{
  g_free (source->address);
  g_free (source->local_address);
  g_free (source->line);
  g_free (source);
}

struct _MrdSync {
  char *state_path;
  MrdState state;
  GHashTable *sources;               /* GUINT_TO_POINTER (id) → Source */
  guint next_id;
  NtpTracking tracking;
  /* The tracking as the engine gave it, and when (monotonic µs): its offset still to slew
   * and root dispersion are brought to the moment they are read (mrd_sync_refresh), as
   * chronyc tracking shows them. */
  NtpTracking tracking_given;
  NtpServeCounts serve_counts;
  gint64 tracking_mono;
  char *reference_name;
  gboolean have_true_offset;
  double true_offset;
  char *sources_path;                /* where run-time sources are kept; NULL = nowhere */
  MrdKeys *keys;                     /* the key file's keys; NULL = no key file */

  GArray *listeners;                 /* Listener */
  const MrdSyncEngineOps *engine;
  gpointer engine_data;
};

static gint
compare_ids (gconstpointer a, gconstpointer b)
{
  guint x = GPOINTER_TO_UINT (a), y = GPOINTER_TO_UINT (b);

  return x < y ? -1 : x > y;
}

static void
report_init (NtpSourceReport *report, const NtpSourceConfig *config)
{
  memset (report, 0, sizeof *report);
  report->state = NTP_STATE_UNUSABLE;
  report->poll = config->minpoll;
  report->last_rx_ago = -1.0;
  report->offline = config->offline;
  /* Never heard: as the core reports a source it has just added */
  report->verdict = config->noselect ? NTP_SELECT_NOSELECT : NTP_SELECT_UNSYNCHRONISED;
  report->select_score = 1.0;
  /* No samples yet: the core's worst case, chronyd's (`chronyc sourcestats`: 2000.000 ppm,
   * 4000ms). */
  report->skew_ppm = NTP_STATS_WORST_FREQ * 1e6;
  report->std_dev = NTP_STATS_WORST_STD_DEV;
}

/* What chronyd reports while it is not synchronized (chronyd 4.3's REF_GetTrackingReport and
 * REF_GetReferenceParams): no reference (ID 0, no address), stratum 0, reference time 0 (the
 * epoch), root delay and dispersion 1 s, "Not synchronised", no residual frequency or skew.
 * What belongs to the clock itself stays: the correction still being slewed, the frequency,
 * the last and RMS offsets and the last update interval. */
static void
tracking_unsynchronize (NtpTracking *tracking)
{
  tracking->synchronized = false;
  tracking->ref_id = 0;
  tracking->ref_source = -1;
  tracking->stratum = 0;
  tracking->ref_time_ns = 0;
  tracking->residual_freq_ppm = 0.0;
  tracking->skew_ppm = 0.0;
  tracking->root_delay = 1.0;
  tracking->root_dispersion = 1.0;
  tracking->leap = NTP_LEAP_NONE;
  tracking->leap_unsynchronized = true;
  /* No engine slews it any more: what was left stays. */
  tracking->slew_rate = 0.0;
  tracking->slew_left = 0.0;
}

static void
tracking_init (NtpTracking *tracking)
{
  /* What `chronyc tracking` says for a clock that has never been synchronized. */
  memset (tracking, 0, sizeof *tracking);
  tracking_unsynchronize (tracking);
}

MrdSync *
mrd_sync_new (const char *state_path)
{
  MrdSync *self = g_new0 (MrdSync, 1);
  g_autoptr(GError) error = NULL;

  self->state_path = g_strdup (state_path);
  mrd_state_init_defaults (&self->state);
  if (!mrd_state_load (&self->state, self->state_path, &error))
    g_warning ("%s, using the defaults", error->message);
  self->sources = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) source_free);
  tracking_init (&self->tracking);
  self->reference_name = g_strdup ("");
  self->listeners = g_array_new (FALSE, TRUE, sizeof (Listener));
  return self;
}

void
mrd_sync_free (MrdSync *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->sources);
  g_array_unref (self->listeners);
  g_free (self->reference_name);
  g_free (self->state_path);
  g_free (self->sources_path);
  mrd_keys_free (self->keys);
  g_free (self);
}

void
mrd_sync_add_listener (MrdSync *self, const MrdSyncListener *listener, gpointer user_data)
{
  Listener l = { *listener, user_data };

  g_array_append_val (self->listeners, l);
}

void
mrd_sync_remove_listener (MrdSync *self, gpointer user_data)
{
  for (guint i = self->listeners->len; i-- > 0;)
    if (g_array_index (self->listeners, Listener, i).user_data == user_data)
      g_array_remove_index (self->listeners, i);
}

#define EMIT(self, member, ...) \
  for (guint i_ = 0; i_ < (self)->listeners->len; i_++) \
    { \
      Listener *l_ = &g_array_index ((self)->listeners, Listener, i_); \
      if (l_->funcs.member != NULL) \
        l_->funcs.member (l_->user_data, __VA_ARGS__); \
    }

void
mrd_sync_set_engine (MrdSync *self, const MrdSyncEngineOps *engine, gpointer engine_data)
{
  self->engine = engine;
  self->engine_data = engine_data;
}

gboolean
mrd_sync_has_engine (MrdSync *self)
{
  return self->engine != NULL;
}

static void
notify (MrdSync *self, MrdSyncChange what)
{
  EMIT (self, changed, what);
}

/* ---- on / off ----------------------------------------------------------------------------- */

gboolean
mrd_sync_get_enabled (MrdSync *self)
{
  return self->state.ntp;
}

gboolean
mrd_sync_get_synchronized (MrdSync *self)
{
  return self->tracking.synchronized;
}

gboolean
mrd_sync_set_enabled (MrdSync *self, gboolean enabled, GError **error)
{
  MrdState new_state = self->state;

  enabled = !!enabled;
  if (self->state.ntp == enabled)
    return TRUE;
  new_state.ntp = enabled;
  if (!mrd_state_save (&new_state, self->state_path, error))
    return FALSE;
  self->state = new_state;
  /* The measured figures (frequency, offsets) come over only when read: take the engine's
   * last ones before it stops, or what stays of the clock would be those of whenever a
   * client last asked. */
  if (!enabled)
    mrd_sync_refresh (self);
  if (self->engine != NULL && self->engine->set_enabled != NULL)
    self->engine->set_enabled (self->engine_data, enabled);
  /* Off means not synchronized from this moment, whatever the engine reports on its way out
   * (mrd_sync_set_tracking holds to that while NTP stays off), and sources with nothing
   * measured: a stopped engine keeps no samples. */
  if (!enabled)
    {
      GHashTableIter iter;
      gpointer key, value;

      mrd_sync_set_tracking (self, &self->tracking, NULL);
      g_hash_table_iter_init (&iter, self->sources);
      while (g_hash_table_iter_next (&iter, &key, &value))
        mrd_sync_set_source_report (self, GPOINTER_TO_UINT (key), &((Source *) value)->report);
    }
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "NTP", enabled ? "yes" : "no",
                    "MESSAGE", "Set NTP to %s.", enabled ? "enabled" : "disabled");
  notify (self, MRD_SYNC_CHANGED_ENABLED);
  return TRUE;
}

/* ---- sources ------------------------------------------------------------------------------ */

/* The text between @open and the last @close after it in @why, or NULL. */
static char *
between (const char *why, const char *open, const char *close)
{
  const char *a = strstr (why, open);
  const char *b;

  if (a == NULL)
    return NULL;
  a += strlen (open);
  b = g_strrstr (a, close);
  return b != NULL && b >= a ? g_strndup (a, b - a) : NULL;
}

/* What is wrong with a source line, in the form MRD_SYNC_INVALID_SOURCE_FORMAT documents,
 * from the NTP core parser's explanation @why (its wording is pinned by test-sources'
 * invalid_source_names_the_problem_and_the_word) and the line's own words. NULL when the
 * explanation is none of these. */
static char *
source_line_problem (const char *line, const char *why)
{
  g_auto(GStrv) words = g_strsplit_set (line, " \t", -1);
  g_autoptr(GPtrArray) w = g_ptr_array_new ();
  g_autofree char *w1 = NULL;
  g_autofree char *w2 = NULL;
  const char *problem = NULL;
  char *part;
  GString *out;

  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_ptr_array_add (w, words[i]);
  if (g_str_has_prefix (why, "line too long"))
    problem = "too-long";
  else if (g_str_has_prefix (why, "empty line"))
    problem = "empty";
  else if (strstr (why, "is not a source directive") != NULL && w->len > 0)
    {
      problem = "not-a-directive";
      w1 = g_strdup (w->pdata[0]);
    }
  else if (g_str_has_suffix (why, ": missing the address or host name"))
    problem = "missing-address";
  else if ((g_str_has_suffix (why, ": host name is too long") ||
            strstr (why, "is not a valid address or host name") != NULL) && w->len > 1)
    {
      problem = "bad-address";
      w1 = g_strdup (w->pdata[1]);
    }
  else if ((w1 = between (why, ": '", "': a comment must start")) != NULL)
    problem = "misplaced-comment";
  else if ((w1 = between (why, ": unknown option '", "'")) != NULL)
    problem = "unknown-option";
  else if ((w1 = between (why, ": option '", "' needs a value")) != NULL)
    problem = "missing-value";
  else if ((part = strstr (why, " is greater than ")) != NULL)
    {
      /* "DIR NAME: OPT1 N is greater than OPT2 M" */
      const char *start = g_strrstr_len (why, part - why, ": ");
      g_auto(GStrv) a = start != NULL ? g_strsplit (start + 2, " ", 2) : NULL;
      g_auto(GStrv) b = g_strsplit (part + strlen (" is greater than "), " ", 2);

      if (a != NULL && a[0] != NULL && b[0] != NULL)
        {
          problem = "conflict";
          w1 = g_strdup (a[0]);
          w2 = g_strdup (b[0]);
        }
    }
  else if ((part = g_strrstr (why, "' is not ")) != NULL)
    {
      /* "DIR NAME: OPT 'VALUE' is not WHAT" */
      g_autofree char *head = g_strndup (why, part - why);
      const char *quote = g_strrstr (head, " '");
      const char *start = quote != NULL ? g_strrstr_len (head, quote - head, ": ") : NULL;

      if (start != NULL)
        {
          problem = "bad-value";
          w1 = g_strndup (start + 2, quote - start - 2);
          w2 = g_strdup (quote + 2);
        }
    }
  if (problem == NULL)
    return NULL;
  out = g_string_new (problem);
  if (w1 != NULL)
    {
      g_autofree char *q = mrd_error_quote (w1);

      g_string_append_printf (out, " \"%s\"", q);
    }
  if (w2 != NULL)
    {
      g_autofree char *q = mrd_error_quote (w2);

      g_string_append_printf (out, " \"%s\"", q);
    }
  return g_string_free (out, FALSE);
}

static gboolean
parse_line (const char *line, NtpSourceConfig *config, GError **error)
{
  char why[256] = "";
  const char *p;

  /* One source line is one line of the sources file: a line break (or any other control
   * character the parser would read as a blank) would be written as two lines and come back
   * other than it was added. Tabs are blanks in chrony.conf and stay allowed. */
  for (p = line; *p != '\0'; p++)
    if (((unsigned char) *p < 0x20 && *p != '\t') || *p == 0x7f)
      {
        g_set_error (error, MRD_ERROR, MRD_ERROR_INVALID_SOURCE,
                     _("Not a source line: it contains a control character (byte 0x%02x)"),
                     (unsigned) (unsigned char) *p);
        g_prefix_error (error, "[control-character \"0x%02x\"] ",
                        (unsigned) (unsigned char) *p);
        return FALSE;
      }
  ntp_source_config_init (config);
  if (ntp_source_config_parse (config, line, why, sizeof why) < 0)
    {
      g_autofree char *problem = source_line_problem (line, why);

      g_set_error (error, MRD_ERROR, MRD_ERROR_INVALID_SOURCE,
                   _("Not a source line (\"server|pool|peer ADDRESS [options]\"): %s"),
                   why[0] != '\0' ? why : _("it does not parse"));
      if (problem != NULL)
        g_prefix_error (error, "[%s] ", problem);
      return FALSE;
    }
  return TRUE;
}

gboolean
mrd_sync_check_source_line (const char *line, GError **error)
{
  NtpSourceConfig config;

  return parse_line (line, &config, error);
}

static Source *
find_by_name (MrdSync *self, const NtpSourceConfig *config)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Source *s = value;

      if (g_ascii_strcasecmp (s->config.name, config->name) == 0 &&
          s->config.port == config->port)
        return s;
    }
  return NULL;
}

/* The run-time sources, one line each, replaced atomically (a crash leaves the old list or
 * the new one). */
static gboolean
save_sources (MrdSync *self, GError **error)
{
  g_autoptr(GString) text = g_string_new ("# Sources added over D-Bus (org.meridian.Time1.Sources); "
                                          "rewritten by meridiand.\n");
  g_autoptr(GList) ids = NULL;

  if (self->sources_path == NULL)
    return TRUE;
  ids = g_list_sort (g_hash_table_get_keys (self->sources), (GCompareFunc) compare_ids);
  for (GList *l = ids; l != NULL; l = l->next)
    {
      Source *s = g_hash_table_lookup (self->sources, l->data);

      if (s->persistent)
        g_string_append_printf (text, "%s\n", s->line);
    }
  /* Missing directories are made beneath the root, never through a link. */
  return mrd_write_file_atomic (self->sources_path, text->str, text->len, 0644, error);
}

gboolean
mrd_sync_add_source (MrdSync *self, const char *line, guint *id_out, GError **error)
{
  return mrd_sync_add_source_full (self, line, FALSE, id_out, error);
}

gboolean
mrd_sync_add_source_full (MrdSync *self, const char *line, gboolean persistent, guint *id_out,
                          GError **error)
{
  Source *source = g_new0 (Source, 1);
  guint id;

  if (!parse_line (line, &source->config, error))
    {
      source_free (source);
      return FALSE;
    }
  if (find_by_name (self, &source->config) != NULL)
    {
      /* chronyc: "add server ...: Source already present" */
      g_set_error (error, MRD_ERROR, MRD_ERROR_SOURCE_EXISTS, _("Source already present: %s"),
                   source->config.name);
      source_free (source);
      return FALSE;
    }
  /* A source that asked for authentication runs authenticated or not at all: the engine
   * would refuse it, so it is refused here, before it is saved or shown. */
  if (source->config.key != 0 && (self->keys == NULL || !mrd_keys_has (self->keys, source->config.key)))
    {
      g_set_error (error, MRD_ERROR, MRD_ERROR_INVALID_SOURCE,
                   _("Key %u is not in the key file (or its type is not supported, or the key "
                     "file was refused): the source would not run"), source->config.key);
      g_prefix_error (error, "[unknown-key \"%u\"] ", source->config.key);
      source_free (source);
      return FALSE;
    }
  source->line = g_strdup (line);
  source->persistent = persistent;
  /* Options accepted but not implemented (source->config.ignored) are named in the log by the
   * NTP core when the engine takes the source (ntp_engine_add_source), in whichever process
   * runs it; saying it here too said it twice. */
  id = self->next_id;
  report_init (&source->report, &source->config);
  g_hash_table_insert (self->sources, GUINT_TO_POINTER (id), source);
  if (persistent && !save_sources (self, error))
    {
      g_hash_table_remove (self->sources, GUINT_TO_POINTER (id));
      return FALSE;
    }
  if (self->engine != NULL && self->engine->add_source != NULL &&
      !self->engine->add_source (self->engine_data, id, &source->config, error))
    {
      gboolean was_persistent = source->persistent;

      g_hash_table_remove (self->sources, GUINT_TO_POINTER (id));
      if (was_persistent)
        (void) save_sources (self, NULL);
      return FALSE;
    }
  self->next_id++;
  EMIT (self, source_added, id);
  if (id_out != NULL)
    *id_out = id;
  return TRUE;
}

gboolean
mrd_sync_has_source (MrdSync *self, guint id)
{
  return g_hash_table_contains (self->sources, GUINT_TO_POINTER (id));
}

gboolean
mrd_sync_remove_source (MrdSync *self, guint id, GError **error)
{
  Source *source;

  if (!mrd_sync_has_source (self, id))
    {
      g_set_error (error, MRD_ERROR, MRD_ERROR_UNKNOWN_SOURCE, _("No source %u"), id);
      return FALSE;
    }
  source = g_hash_table_lookup (self->sources, GUINT_TO_POINTER (id));
  if (source->persistent)
    {
      source->persistent = FALSE;
      if (!save_sources (self, error))
        {
          source->persistent = TRUE;
          return FALSE;
        }
    }
  if (self->engine != NULL && self->engine->remove_source != NULL)
    self->engine->remove_source (self->engine_data, id);
  g_hash_table_remove (self->sources, GUINT_TO_POINTER (id));
  EMIT (self, source_removed, id);
  return TRUE;
}

guint
mrd_sync_get_n_sources (MrdSync *self)
{
  return g_hash_table_size (self->sources);
}

typedef gboolean (*EngineCommand) (gpointer engine, GError **error);

/* Burst, MakeStep, Reselect, ResetSources and Refresh: @command of the engine, or without one (no engine,
 * or one without the command) nothing to act on, which succeeds, as chronyc's commands do on
 * an idle chronyd. */
static gboolean
engine_command (MrdSync *self, gsize offset, const char *idle, GError **error)
{
  EngineCommand command = self->engine != NULL
                          ? G_STRUCT_MEMBER (EngineCommand, self->engine, offset) : NULL;

  if (command == NULL)
    {
      /* A message, not debug output: the caller asked for something that did not happen. */
      g_message ("%s", idle);
      return TRUE;
    }
  return command (self->engine_data, error);
}

gboolean
mrd_sync_burst (MrdSync *self, GError **error)
{
  return engine_command (self, G_STRUCT_OFFSET (MrdSyncEngineOps, burst),
                         "Burst: no NTP engine is running, nothing to measure", error);
}

gboolean
mrd_sync_reselect (MrdSync *self, GError **error)
{
  return engine_command (self, G_STRUCT_OFFSET (MrdSyncEngineOps, reselect),
                         "Reselect: no NTP engine is running, nothing to select", error);
}

gboolean
mrd_sync_reset_sources (MrdSync *self, GError **error)
{
  return engine_command (self, G_STRUCT_OFFSET (MrdSyncEngineOps, reset_sources),
                         "ResetSources: no NTP engine is running, no measurements to drop",
                         error);
}

gboolean
mrd_sync_refresh_names (MrdSync *self, GError **error)
{
  return engine_command (self, G_STRUCT_OFFSET (MrdSyncEngineOps, refresh_names),
                         "Refresh: no NTP engine is running, no names to resolve", error);
}

/* A command's sources in chronyc's syntax (mrd-sync-mask.h); InvalidArgs when malformed. */
static gboolean
parse_mask (const char *mask_text, MrdSyncMask *mask, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (mrd_sync_mask_parse (mask_text, mask, &local))
    return TRUE;
  {
    g_autofree char *quoted = mrd_error_quote (mask_text);

    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                 _("Invalid syntax for mask/address: %s"), quoted);
  }
  return FALSE;
}

static gboolean
parse_connectivity (const char *connectivity, const char *mask_text, MrdConnectivity *c,
                    MrdSyncMask *mask, GError **error)
{
  if (!mrd_connectivity_from_string (connectivity, c))
    {
      g_autofree char *quoted = mrd_error_quote (connectivity);

      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   _("Unknown connectivity %s (expected offline, online or auto)"), quoted);
      return FALSE;
    }
  return parse_mask (mask_text, mask, error);
}

gboolean
mrd_sync_check_connectivity (const char *connectivity, const char *mask, GError **error)
{
  MrdConnectivity c;
  MrdSyncMask m;

  return parse_connectivity (connectivity, mask, &c, &m, error);
}

gboolean
mrd_sync_set_connectivity (MrdSync *self, const char *connectivity, const char *mask_text,
                           GError **error)
{
  MrdConnectivity c;
  MrdSyncMask mask;

  if (!parse_connectivity (connectivity, mask_text, &c, &mask, error))
    return FALSE;
  if (self->engine == NULL || self->engine->set_connectivity == NULL)
    {
      g_message ("SetConnectivity: no NTP engine is running, no source to take %s",
                 connectivity);
      return TRUE;
    }
  return self->engine->set_connectivity (self->engine_data, c, &mask, mask_text, error);
}

static gboolean
parse_burst (guint good, guint total, const char *mask_text, MrdSyncMask *mask, GError **error)
{
  if (good < 1 || good > total || total > NTP_BURST_MAX_TOTAL)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   _("Invalid burst %u/%u (1 to %d requests, at least as many as the good "
                     "samples wanted, and at least one of those)"), good, total,
                   NTP_BURST_MAX_TOTAL);
      return FALSE;
    }
  return parse_mask (mask_text, mask, error);
}

gboolean
mrd_sync_check_burst (guint good, guint total, const char *mask, GError **error)
{
  MrdSyncMask m;

  return parse_burst (good, total, mask, &m, error);
}

gboolean
mrd_sync_burst_sources (MrdSync *self, guint good, guint total, const char *mask_text,
                        GError **error)
{
  MrdSyncMask mask;

  if (!parse_burst (good, total, mask_text, &mask, error))
    return FALSE;
  if (self->engine == NULL || self->engine->burst_sources == NULL)
    return TRUE;
  return self->engine->burst_sources (self->engine_data, good, total, &mask, mask_text, error);
}

/* A core parser's verdict on a caller's words: below 0 is InvalidArgs, saying @why. */
static gboolean
parsed (int result, const char *why, GError **error)
{
  if (result >= 0)
    return TRUE;
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "%s", why);
  return FALSE;
}

gboolean
mrd_sync_check_modify (const char *option, const char *value, GError **error)
{
  NtpSourceConfig config;
  char why[256] = "";

  ntp_source_config_init (&config);
  return parsed (ntp_source_config_modify (&config, option, value, why, sizeof why), why, error);
}

gboolean
mrd_sync_find_modify_target (MrdSync *self, const char *address, guint *id_out, GError **error)
{
  g_autofree char *quoted = mrd_error_quote (address);
  GHashTableIter iter;
  gpointer key, value;
  MrdSyncMask mask;
  guint n = 0;

  /* One address or name: chronyc's commands take no subnet, and "" is no source. */
  if (address[0] == '\0' || strchr (address, '/') != NULL ||
      !mrd_sync_mask_parse (address, &mask, NULL))
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   _("Not an address or host name: %s"), quoted);
      return FALSE;
    }
  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Source *s = value;

      if (g_ascii_strcasecmp (s->config.name, address) == 0 ||
          (s->address != NULL && mrd_sync_mask_match_string (&mask, s->address, s->config.name)))
        {
          *id_out = GPOINTER_TO_UINT (key);
          n++;
        }
    }
  if (n == 0 && self->engine != NULL && self->engine->find_source != NULL &&
      self->engine->find_source (self->engine_data, &mask, id_out))
    n = 1;
  if (n == 0)
    {
      g_set_error (error, MRD_ERROR, MRD_ERROR_UNKNOWN_SOURCE, _("No such source: %s"), quoted);
      return FALSE;
    }
  if (n > 1)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   _("%s names several sources"), quoted);
      return FALSE;
    }
  return TRUE;
}

gboolean
mrd_sync_modify_changes (MrdSync *self, guint id, const char *option, const char *value)
{
  const NtpSourceConfig *config = mrd_sync_get_source_config (self, id);
  NtpSourceConfig changed;

  if (config == NULL)
    return TRUE;
  changed = *config;
  if (ntp_source_config_modify (&changed, option, value, NULL, 0) < 0)
    return TRUE;   /* refused: the caller hears why */
  return changed.minpoll != config->minpoll || changed.maxpoll != config->maxpoll ||
         changed.polltarget != config->polltarget || changed.minstratum != config->minstratum ||
         changed.maxdelay != config->maxdelay || changed.maxdelayratio != config->maxdelayratio ||
         changed.maxdelaydevratio != config->maxdelaydevratio;
}

gboolean
mrd_sync_check_directive (const char *directive, const char *value, GError **error)
{
  NtpConfig scratch;
  char why[256] = "";

  ntp_config_init (&scratch);
  return parsed (ntp_config_set_runtime (&scratch, directive, value, why, sizeof why), why, error);
}

gboolean
mrd_sync_set_directive (MrdSync *self, const char *directive, const char *value, GError **error)
{
  if (!mrd_sync_check_directive (directive, value, error))
    return FALSE;
  if (self->engine != NULL && self->engine->set_directive != NULL)
    return self->engine->set_directive (self->engine_data, directive, value, error);
  return TRUE;
}

gboolean
mrd_sync_modify_source (MrdSync *self, guint id, const char *option, const char *value,
                        GError **error)
{
  Source *source = g_hash_table_lookup (self->sources, GUINT_TO_POINTER (id));
  NtpSourceConfig changed;
  char why[256] = "";

  if (source == NULL)
    {
      g_set_error (error, MRD_ERROR, MRD_ERROR_UNKNOWN_SOURCE, _("No source %u"), id);
      return FALSE;
    }
  changed = source->config;
  if (ntp_source_config_modify (&changed, option, value, why, sizeof why) < 0)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "%s", why);
      return FALSE;
    }
  if (self->engine != NULL && self->engine->modify_source != NULL &&
      !self->engine->modify_source (self->engine_data, id, option, value, error))
    return FALSE;
  source->config = changed;
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "SOURCE", source->config.name,
                    "SOURCE_OPTION", option,
                    "SOURCE_VALUE", value,
                    "MESSAGE", "Source %s: %s set to %s", source->config.name, option, value);
  EMIT (self, source_changed, id);
  return TRUE;
}

gboolean
mrd_sync_make_step (MrdSync *self, GError **error)
{
  return engine_command (self, G_STRUCT_OFFSET (MrdSyncEngineOps, make_step),
                         "MakeStep: no NTP engine is running, no offset to step", error);
}

const NtpSourceConfig *
mrd_sync_get_source_config (MrdSync *self, guint id)
{
  Source *source = g_hash_table_lookup (self->sources, GUINT_TO_POINTER (id));

  return source != NULL ? &source->config : NULL;
}

const NtpSourceReport *
mrd_sync_get_source_report (MrdSync *self, guint id)
{
  Source *source = g_hash_table_lookup (self->sources, GUINT_TO_POINTER (id));

  return source != NULL ? &source->report : NULL;
}

GStrv
mrd_sync_format_options (const NtpSourceConfig *config)
{
  GPtrArray *b = g_ptr_array_new ();
  NtpSourceConfig d;
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  ntp_source_config_init (&d);
#define INT_OPT(field, name) \
  if (config->field != d.field) \
    g_ptr_array_add (b, g_strdup_printf ("%s %d", name, (int) config->field))
#define DOUBLE_OPT(field, name) \
  if (config->field != d.field) \
    g_ptr_array_add (b, g_strdup_printf ("%s %s", name, \
                         g_ascii_formatd (num, sizeof num, "%g", config->field)))
#define FLAG_OPT(field, name) \
  if (config->field) \
    g_ptr_array_add (b, g_strdup (name))
  INT_OPT (port, "port");
  INT_OPT (minpoll, "minpoll");
  INT_OPT (maxpoll, "maxpoll");
  INT_OPT (polltarget, "polltarget");
  INT_OPT (minstratum, "minstratum");
  INT_OPT (maxsources, "maxsources");
  INT_OPT (filter, "filter");
  INT_OPT (minsamples, "minsamples");
  INT_OPT (maxsamples, "maxsamples");
  INT_OPT (version, "version");
  INT_OPT (maxunreach, "maxunreach");
  if (config->key != 0)
    g_ptr_array_add (b, g_strdup_printf ("key %u", (unsigned) config->key));
  DOUBLE_OPT (maxdelay, "maxdelay");
  DOUBLE_OPT (mindelay, "mindelay");
  DOUBLE_OPT (offset, "offset");
  DOUBLE_OPT (maxdelayratio, "maxdelayratio");
  DOUBLE_OPT (maxdelaydevratio, "maxdelaydevratio");
  DOUBLE_OPT (asymmetry, "asymmetry");
  DOUBLE_OPT (maxdelayquant, "maxdelayquant");
  if (config->presend_on)
    g_ptr_array_add (b, g_strdup_printf ("presend %d", config->presend));
  FLAG_OPT (iburst, "iburst");
  FLAG_OPT (burst, "burst");
  FLAG_OPT (prefer, "prefer");
  FLAG_OPT (noselect, "noselect");
  FLAG_OPT (trust, "trust");
  FLAG_OPT (require, "require");
  FLAG_OPT (offline, "offline");
  FLAG_OPT (auto_offline, "auto_offline");
  FLAG_OPT (xleave, "xleave");
  FLAG_OPT (copy, "copy");
  /* NTS: a line written back without them would run the source unauthenticated */
  FLAG_OPT (nts, "nts");
  INT_OPT (ntsport, "ntsport");
  INT_OPT (certset, "certset");
#undef INT_OPT
#undef DOUBLE_OPT
#undef FLAG_OPT
  if (config->ignored[0] != '\0')
    g_ptr_array_add (b, g_strdup (config->ignored));
  g_ptr_array_add (b, NULL);
  return (GStrv) g_ptr_array_free (b, FALSE);
}

/* ---- reports ------------------------------------------------------------------------------ */

const NtpTracking *
mrd_sync_get_tracking (MrdSync *self)
{
  return &self->tracking;
}

const char *
mrd_sync_get_reference_name (MrdSync *self)
{
  return self->reference_name;
}

void
mrd_sync_refresh (MrdSync *self)
{
  GHashTableIter iter;
  gpointer key, value;
  gint64 now;

  if (self->engine != NULL && self->engine->refresh != NULL)
    self->engine->refresh (self->engine_data);
  /* The time since each source's last sample runs on between the engine's reports. Shown in
   * whole seconds (chronyc's LastRx), so a source is told again only when it moved by 0.5 s. */
  now = g_get_monotonic_time ();
  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Source *source = value;
      double ago;

      if (source->report_mono == 0 || source->last_rx_ago_given < 0)
        continue;
      ago = source->last_rx_ago_given + (double) (now - source->report_mono) / G_USEC_PER_SEC;
      if (fabs (ago - source->report.last_rx_ago) < 0.5)
        continue;
      source->report.last_rx_ago = ago;
      EMIT (self, source_changed, GPOINTER_TO_UINT (key));
    }
  /* Likewise the offset still being slewed out (the slew goes on between updates) and the
   * root dispersion, both shown to the nanosecond. */
  if (self->tracking_mono != 0)
    {
      NtpTracking aged = self->tracking_given;

      ntp_tracking_age (&aged, (double) (now - self->tracking_mono) / G_USEC_PER_SEC);
      if (fabs (aged.root_dispersion - self->tracking.root_dispersion) >= 1e-9 ||
          fabs (aged.system_time_offset - self->tracking.system_time_offset) >= 1e-9)
        {
          self->tracking.root_dispersion = aged.root_dispersion;
          self->tracking.system_time_offset = aged.system_time_offset;
          self->tracking.slew_rate = aged.slew_rate;
          self->tracking.slew_left = aged.slew_left;
          notify (self, MRD_SYNC_CHANGED_TRACKING);
        }
    }
}

void
mrd_sync_set_tracking (MrdSync *self, const NtpTracking *tracking, const char *reference_name)
{
  gboolean was_synchronized = self->tracking.synchronized;

  char *old = self->reference_name;

  /* Copied first: a caller may pass mrd_sync_get_tracking() or mrd_sync_get_reference_name(). */
  self->tracking = *tracking;
  self->reference_name = g_strdup (reference_name != NULL ? reference_name : "");
  g_free (old);
  /* Not synchronized (or NTP off, where an engine's late report is stale): no reference, as
   * chronyd shows it, so that nothing keeps naming a server the clock no longer follows. */
  if (!self->tracking.synchronized || !self->state.ntp)
    {
      tracking_unsynchronize (&self->tracking);
      self->reference_name[0] = '\0';
    }
  self->tracking_given = self->tracking;
  self->tracking_mono = g_get_monotonic_time ();
  notify (self, MRD_SYNC_CHANGED_TRACKING |
                (was_synchronized != self->tracking.synchronized
                   ? MRD_SYNC_CHANGED_SYNCHRONIZED : 0));
}

void
mrd_sync_set_serve_counts (MrdSync *self, const NtpServeCounts *counts)
{
  if (memcmp (&self->serve_counts, counts, sizeof *counts) == 0)
    return;
  self->serve_counts = *counts;
  notify (self, MRD_SYNC_CHANGED_SERVED);
}

const NtpServeCounts *
mrd_sync_get_serve_counts (MrdSync *self)
{
  return &self->serve_counts;
}

typedef struct {
  MrdSyncClientsFunc func;
  gpointer user_data;
} ClientsCall;

static void
answer_no_clients (MrdSyncClientsFunc func, gpointer user_data)
{
  g_autoptr(GVariant) none =
    g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("(sttddd)"), NULL, 0));

  func (none, user_data);
}

static void
clients_answered (GVariant *clients, gpointer user_data)
{
  g_autofree ClientsCall *call = user_data;

  if (clients == NULL)
    answer_no_clients (call->func, call->user_data);
  else
    call->func (clients, call->user_data);
}

void
mrd_sync_list_clients (MrdSync *self, MrdSyncClientsFunc func, gpointer user_data)
{
  ClientsCall *call;

  if (self->engine == NULL || self->engine->list_clients == NULL || !self->state.ntp)
    {
      answer_no_clients (func, user_data);
      return;
    }
  call = g_new0 (ClientsCall, 1);
  call->func = func;
  call->user_data = user_data;
  self->engine->list_clients (self->engine_data, clients_answered, call);
}

void
mrd_sync_set_source_report (MrdSync *self, guint id, const NtpSourceReport *report)
{
  Source *source = g_hash_table_lookup (self->sources, GUINT_TO_POINTER (id));

  if (source == NULL)
    return;
  /* NTP off: what an engine says on its way out (a stopped engine's sources read as all
   * zeros, poll 0 included) gives way to a source with nothing measured, as at start. */
  if (!self->state.ntp)
    report_init (&source->report, &source->config);
  else
    source->report = *report;
  source->last_rx_ago_given = source->report.last_rx_ago;
  source->report_mono = g_get_monotonic_time ();
  EMIT (self, source_changed, id);
}

void
mrd_sync_set_source_address (MrdSync *self, guint id, const char *address)
{
  Source *source = g_hash_table_lookup (self->sources, GUINT_TO_POINTER (id));

  if (source == NULL || g_strcmp0 (source->address, address) == 0)
    return;
  g_free (source->address);
  source->address = g_strdup (address);
}

void
mrd_sync_set_source_local_address (MrdSync *self, guint id, const char *address)
{
  Source *source = g_hash_table_lookup (self->sources, GUINT_TO_POINTER (id));

  if (source == NULL || g_strcmp0 (source->local_address, address) == 0)
    return;
  g_free (source->local_address);
  source->local_address = g_strdup (address);
}

const char *
mrd_sync_get_source_local_address (MrdSync *self, guint id)
{
  Source *source = g_hash_table_lookup (self->sources, GUINT_TO_POINTER (id));

  return source != NULL && source->local_address != NULL ? source->local_address : "";
}

const char *
mrd_sync_get_source_address (MrdSync *self, guint id)
{
  Source *source = g_hash_table_lookup (self->sources, GUINT_TO_POINTER (id));

  if (source == NULL)
    return NULL;
  return source->address != NULL ? source->address : source->config.name;
}

gboolean
mrd_sync_find_source (MrdSync *self, const char *name_or_address, guint *id_out)
{
  GHashTableIter iter;
  gpointer key, value;
  gboolean found = FALSE;

  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Source *s = value;

      if (g_ascii_strcasecmp (s->config.name, name_or_address) == 0 ||
          (s->address != NULL && g_ascii_strcasecmp (s->address, name_or_address) == 0))
        {
          if (found)
            return FALSE;   /* more than one: the caller must say which */
          *id_out = GPOINTER_TO_UINT (key);
          found = TRUE;
        }
    }
  return found;
}

void
mrd_sync_set_true_offset (MrdSync *self, double offset_s)
{
  gboolean changed = !self->have_true_offset || fabs (offset_s - self->true_offset) >= 1e-9;

  self->have_true_offset = TRUE;
  self->true_offset = offset_s;
  if (changed)
    notify (self, MRD_SYNC_CHANGED_TRACKING);
}

double
mrd_sync_get_true_offset (MrdSync *self)
{
  return self->have_true_offset ? self->true_offset : 0.0;
}

void
mrd_sync_set_sources_path (MrdSync *self, const char *path)
{
  g_free (self->sources_path);
  self->sources_path = g_strdup (path);
}

void
mrd_sync_set_keys (MrdSync *self, const MrdKeys *keys)
{
  mrd_keys_free (self->keys);
  self->keys = keys != NULL ? mrd_keys_copy (keys) : NULL;
}

void
mrd_sync_rekey (MrdSync *self, const MrdKeys *keys)
{
  mrd_sync_set_keys (self, keys);
  if (self->engine != NULL && self->engine->set_keys != NULL)
    self->engine->set_keys (self->engine_data, keys);
}

GPtrArray *
mrd_sync_load_sources_file (const char *path)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  g_auto(GStrv) split = NULL;
  g_autoptr(GError) error = NULL;

  if (path == NULL)
    return lines;
  if (!mrd_state_read_file (path, MRD_STATE_READ_MAX, &text, NULL, &error))
    g_warning ("%s, ignoring it", error->message);
  if (text == NULL)
    return lines;
  split = g_strsplit (text, "\n", -1);
  for (guint i = 0; split[i] != NULL; i++)
    {
      const char *l = g_strstrip (split[i]);

      if (l[0] != '\0' && l[0] != '#')
        g_ptr_array_add (lines, g_strdup (l));
    }
  return lines;
}

gboolean
mrd_sync_get_source_persistent (MrdSync *self, guint id)
{
  Source *source = g_hash_table_lookup (self->sources, GUINT_TO_POINTER (id));

  return source != NULL && source->persistent;
}

gboolean
mrd_sync_describe_key (MrdSync *self, guint32 id, guint *type, guint *bits)
{
  return mrd_keys_describe (self->keys, id, type, bits);
}
