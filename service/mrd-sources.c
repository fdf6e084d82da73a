/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-sources.c — see mrd-sources.h. */
#include "mrd-sources.h"

#include "ntp-nts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>

#include "mrd-dbus-generated.h"
#include "mrd-error.h"
#include "mrd-fresh.h"

struct _MrdSources {
  MrdSync *sync;                       /* not owned */
  MrdAuth *auth;                       /* not owned */
  MrdSourcedir *sourcedir;             /* not owned; NULL: ReloadSources changes nothing */
  MrdKeyfile *keyfile;                 /* not owned; NULL: Rekey changes nothing */
  GDBusObjectManagerServer *manager;
  MrdDBusTime1Sources *skeleton;
  MrdDBusTime1Tracking *tracking;
  char *object_path;
  gboolean exported;
  /* id → its MrdDBusTime1Source: looked up here, not in the manager, whose lock is held
   * while it reads properties (GetManagedObjects), which refreshes them (mrd-fresh.h). */
  GHashTable *objects;
};

char *
mrd_sources_path_for_id (guint id)
{
  return g_strdup_printf (MRD_SOURCES_PATH_PREFIX "%u", id);
}

gboolean
mrd_sources_id_for_path (const char *path, guint *id)
{
  const char *digits;
  char *end = NULL;
  guint64 n;

  if (!g_str_has_prefix (path, MRD_SOURCES_PATH_PREFIX))
    return FALSE;
  digits = path + strlen (MRD_SOURCES_PATH_PREFIX);
  if (!g_ascii_isdigit (digits[0]))
    return FALSE;
  n = g_ascii_strtoull (digits, &end, 10);
  if (*end != '\0' || n > G_MAXUINT)
    return FALSE;
  *id = (guint) n;
  return TRUE;
}

GDBusObject *
mrd_sources_lookup (MrdSources *self, guint id)
{
  g_autofree char *path = mrd_sources_path_for_id (id);

  return g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (self->manager), path);
}

GDBusInterfaceSkeleton *
mrd_sources_get_tracking (MrdSources *self)
{
  return G_DBUS_INTERFACE_SKELETON (self->tracking);
}

/* ---- the objects follow the domain ------------------------------------------------------ */

static const char *
state_name (NtpSourceState state)
{
  switch (state)
    {
    case NTP_STATE_SELECTED: return "selected";
    case NTP_STATE_COMBINED: return "combined";
    case NTP_STATE_NOT_COMBINED: return "not-combined";
    case NTP_STATE_FALSETICKER: return "falseticker";
    case NTP_STATE_TOO_VARIABLE: return "too-variable";
    case NTP_STATE_UNUSABLE:
    default: return "unusable";
    }
}

static const char *
verdict_name (NtpSelectVerdict verdict)
{
  switch (verdict)
    {
    case NTP_SELECT_UNSYNCHRONISED: return "unsynchronised";
    case NTP_SELECT_NOSELECT: return "noselect";
    case NTP_SELECT_LARGE_DISTANCE: return "large-distance";
    case NTP_SELECT_JITTERY: return "jittery";
    case NTP_SELECT_WAITS_FOR_SAMPLES: return "waits-for-samples";
    case NTP_SELECT_STALE: return "stale";
    case NTP_SELECT_NOT_TRUSTED: return "not-trusted";
    case NTP_SELECT_FALSETICKER: return "falseticker";
    case NTP_SELECT_WAITS_FOR_SOURCES: return "waits-for-sources";
    case NTP_SELECT_NOT_PREFERRED: return "not-preferred";
    case NTP_SELECT_DISTANT: return "distant";
    case NTP_SELECT_COMBINED: return "combined";
    case NTP_SELECT_BEST: return "best";
    case NTP_SELECT_MISSING_SAMPLES:
    default: return "missing-samples";
    }
}

/* What chronyc's ntpdata shows of the last exchange, from its four timestamps (ns on the
 * local clock's scale, see NtpReplyInfo): the offset (server minus local), the round-trip
 * delay less the server's holding time, and that holding time.  0 before the first reply. */
static void
reply_figures (const NtpReplyInfo *m, double *offset, double *delay, double *response)
{
  *offset = *delay = *response = 0.0;
  if (m->t4_ns == 0)
    return;
  *offset = ((double) (m->t2_ns - m->t1_ns) + (double) (m->t3_ns - m->t4_ns)) / 2e9;
  *delay = fabs ((double) (m->t4_ns - m->t1_ns) - (double) (m->t3_ns - m->t2_ns)) / 1e9;
  /* In interleaved mode t3 belongs to an earlier exchange than t2: the core gives the
   * server's processing time of that exchange. */
  *response = fabs ((double) (m->interleaved ? m->response_ns : m->t3_ns - m->t2_ns)) / 1e9;
}

static void
update_source (MrdSources *self, guint id, MrdDBusTime1Source *source)
{
  const NtpSourceConfig *config = mrd_sync_get_source_config (self->sync, id);
  const NtpSourceReport *r = mrd_sync_get_source_report (self->sync, id);
  g_auto(GStrv) options = mrd_sync_format_options (config);
  double reply_offset, reply_delay, reply_response;
  guint key_type = 0, key_bits = 0;
  guint auth_id = 0;

  reply_figures (&r->reply, &reply_offset, &reply_delay, &reply_response);
  if (config->key != 0)
    {
      auth_id = config->key;
      mrd_sync_describe_key (self->sync, config->key, &key_type, &key_bits);
    }
  else if (config->nts && r->nts_key_len > 0)
    {
      auth_id = r->key_id;
      key_type = NTS_AEAD_AES_SIV_CMAC_256;
      key_bits = (guint) r->nts_key_len;
    }

  /* Resolving is the NTP engine's job: until it reports, the name stands for the address. */
  g_object_set (source,
                "name", config->name,
                "address", mrd_sync_get_source_address (self->sync, id),
                "local-address", mrd_sync_get_source_local_address (self->sync, id),
                "mode", ntp_source_mode_name (config->mode),
                "state", state_name (r->state),
                "selection-state", verdict_name (r->verdict),
                "selection-low", r->select_lo,
                "selection-high", r->select_hi,
                "selection-last-ago", r->select_last_ago,
                "selection-score", r->select_score,
                "stratum", (guchar) CLAMP (r->stratum, 0, 255),
                "poll", (gint16) r->poll,
                "online", (gboolean) !r->offline,
                "bursting", (gboolean) r->bursting,
                "reach", (guchar) r->reach,
                "last-rx-ago", r->last_rx_ago,
                "adjusted-offset", r->adjusted_offset,
                "measured-offset", r->measured_offset,
                "error-bound", r->error_bound,
                "delay", r->delay,
                "dispersion", r->dispersion,
                "jitter", r->jitter,
                "options", (const char *const *) options,
                "samples", (guint) MAX (r->samples, 0),
                "runs", (guint) MAX (r->runs, 0),
                "span", r->span,
                "stats-frequency", r->freq_ppm,
                "stats-skew", r->skew_ppm,
                "stats-offset", r->stats_offset,
                "stats-std-dev", r->std_dev,
                "reply-leap", (guchar) r->reply.leap,
                "reply-version", (guchar) r->reply.version,
                "reply-mode", (guchar) r->reply.mode,
                "reply-stratum", (guchar) r->reply.stratum,
                "reply-precision", (gint16) r->reply.precision,
                "reply-root-delay", r->reply.root_delay,
                "reply-root-dispersion", r->reply.root_dispersion,
                "reply-reference-id", (guint) r->reply.refid,
                "reply-reference-time-nsec", (guint64) MAX (r->reply.ref_ns, 0),
                "reply-offset", reply_offset,
                "reply-peer-delay", reply_delay,
                "reply-response-time", reply_response,
                "reply-jitter-asymmetry", r->asymmetry,
                "reply-interleaved", (gboolean) r->reply.interleaved,
                "reply-tx-kernel", (gboolean) r->reply.t1_kernel,
                "valid-replies", (guint64) r->replies,
                "total-tx", (guint64) r->total_tx,
                "total-rx", (guint64) r->total_rx,
                "total-valid-rx", (guint64) r->total_valid_rx,
                "total-good-rx", (guint64) r->total_good_rx,
                "ntp-tests", (guint) r->tests,
                "auth-mode", config->nts ? "NTS" : config->key != 0 ? "SK" : "-",
                "auth-key-id", auth_id,
                "auth-type", key_type,
                "auth-key-length", key_bits,
                "auth-last-key-exchange-ago", config->nts ? r->nts_ke_ago : -1.0,
                "auth-key-exchange-attempts", (guint) MAX (r->nts_ke_attempts, 0),
                "auth-nak", (gboolean) r->nts_nak,
                "auth-cookies", (guint) MAX (r->nts_cookies, 0),
                "auth-cookie-length", (guint) MAX (r->nts_cookie_len, 0),
                NULL);
}

static void
update_sources_list (MrdSources *self)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  guint n = mrd_sync_get_n_sources (self->sync);

  /* Ids are never reused: in id order is in the order added. */
  for (guint id = 0; n > 0; id++)
    if (mrd_sync_has_source (self->sync, id))
      {
        g_ptr_array_add (paths, mrd_sources_path_for_id (id));
        n--;
      }
  g_ptr_array_add (paths, NULL);
  mrd_dbus_time1_sources_set_sources (self->skeleton, (const char *const *) paths->pdata);
}

static void
on_source_added (gpointer user_data, guint id)
{
  MrdSources *self = user_data;
  g_autofree char *path = mrd_sources_path_for_id (id);
  g_autoptr(MrdDBusObjectSkeleton) object = mrd_dbus_object_skeleton_new (path);
  /* Read from the engine when asked: the measured figures are not announced. */
  g_autoptr(MrdDBusTime1Source) source =
    mrd_fresh_skeleton_new (MRD_DBUS_TYPE_TIME1_SOURCE_SKELETON,
                            (MrdFreshFunc) mrd_sync_refresh, self->sync);

  update_source (self, id, source);
  g_hash_table_replace (self->objects, GUINT_TO_POINTER (id), g_object_ref (source));
  mrd_dbus_object_skeleton_set_time1_source (object, source);
  g_dbus_object_manager_server_export (self->manager, G_DBUS_OBJECT_SKELETON (object));
  update_sources_list (self);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "SOURCE", mrd_sync_get_source_config (self->sync, id)->name,
                    "SOURCE_PATH", path,
                    "MESSAGE", "Added NTP source %s (%s) as %s",
                    mrd_sync_get_source_config (self->sync, id)->name,
                    ntp_source_mode_name (mrd_sync_get_source_config (self->sync, id)->mode),
                    path);
}

static void
on_source_removed (gpointer user_data, guint id)
{
  MrdSources *self = user_data;
  g_autofree char *path = mrd_sources_path_for_id (id);

  g_dbus_object_manager_server_unexport (self->manager, path);
  g_hash_table_remove (self->objects, GUINT_TO_POINTER (id));
  update_sources_list (self);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "SOURCE_PATH", path,
                    "MESSAGE", "Removed NTP source %s", path);
}

static void
on_source_changed (gpointer user_data, guint id)
{
  MrdSources *self = user_data;
  MrdDBusTime1Source *source = g_hash_table_lookup (self->objects, GUINT_TO_POINTER (id));

  if (source != NULL)
    update_source (self, id, source);
}

static const char *
leap_status (const NtpTracking *t)
{
  if (t->leap_unsynchronized || !t->synchronized)
    return "Not synchronised";
  switch (t->leap)
    {
    case NTP_LEAP_INSERT: return "Insert second";
    case NTP_LEAP_DELETE: return "Delete second";
    case NTP_LEAP_NONE:
    default: return "Normal";
    }
}

static void
update_server_stats (MrdSources *self)
{
  const NtpServeCounts *c = mrd_sync_get_serve_counts (self->sync);

  mrd_dbus_time1_tracking_set_server_stats (
    self->tracking,
    g_variant_new ("(ttttttt)", (guint64) c->by_verdict[NTP_SERVE_ANSWERED],
                   (guint64) c->by_verdict[NTP_SERVE_LIMITED],
                   (guint64) c->by_verdict[NTP_SERVE_DENIED],
                   (guint64) c->by_verdict[NTP_SERVE_MALFORMED],
                   (guint64) c->by_verdict[NTP_SERVE_NOT_A_REQUEST],
                   (guint64) c->by_verdict[NTP_SERVE_AUTHENTICATED], (guint64) c->forgotten));
}

static void
update_tracking (MrdSources *self)
{
  const NtpTracking *t = mrd_sync_get_tracking (self->sync);

  g_object_set (self->tracking,
                "reference-id", (guint) t->ref_id,
                "reference-name", mrd_sync_get_reference_name (self->sync),
                "stratum", (guchar) CLAMP (t->stratum, 0, 255),
                "ref-time-usec", (guint64) (t->ref_time_ns > 0 ? t->ref_time_ns / 1000 : 0),
                "ref-time-nsec", (guint64) MAX (t->ref_time_ns, 0),
                "system-time-offset", t->system_time_offset,
                "last-offset", t->last_offset,
                "rmsoffset", t->rms_offset,
                "frequency", t->freq_ppm,
                "residual-frequency", t->residual_freq_ppm,
                "skew", t->skew_ppm,
                "root-delay", t->root_delay,
                "root-dispersion", t->root_dispersion,
                "update-interval", t->update_interval,
                "leap-status", leap_status (t),
                "synchronized", (gboolean) t->synchronized,
                "true-offset", mrd_sync_get_true_offset (self->sync),
                NULL);
  update_server_stats (self);
}

static void
on_changed (gpointer user_data, MrdSyncChange what)
{
  MrdSources *self = user_data;

  if (what & (MRD_SYNC_CHANGED_TRACKING | MRD_SYNC_CHANGED_SYNCHRONIZED))
    update_tracking (self);
  else if (what & MRD_SYNC_CHANGED_SERVED)
    update_server_stats (self);
}

static const MrdSyncListener listener = {
  .source_added = on_source_added,
  .source_removed = on_source_removed,
  .source_changed = on_source_changed,
  .changed = on_changed,
};

/* ---- the methods: validate → authorize → change ----------------------------------------- */

/* The invocation's reference belongs to the method until one g_dbus_method_invocation_return_*
 * (or complete_*) call consumes it; SourcesCall only carries it across the polkit check. */
typedef struct {
  MrdSources *sources;
  GDBusMethodInvocation *invocation;
  char *line;
  char *connectivity;
  char *option;                        /* ModifySource: the option; line holds the value */
  guint id;
  guint good, total;                   /* BurstSources; line holds the mask */
} SourcesCall;

/* @strings (a null-terminated GPtrArray of char *, or NULL for none) as a generated complete_*
 * function takes a string array. */
static const char *const *
strv_of (GPtrArray *strings)
{
  static const char *const none[] = { NULL };

  /* an empty one may have no allocation at all (pdata NULL) */
  return strings != NULL && strings->pdata != NULL ? (const char *const *) strings->pdata : none;
}

/* ListClients' answer: the invocation's own reference, carried through the engine, is
 * consumed here. */
static void
clients_listed (GVariant *clients, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  MrdDBusTime1Sources *skeleton = g_object_get_data (G_OBJECT (invocation),
                                                     "mrd-sources-skeleton");

  mrd_dbus_time1_sources_complete_list_clients (skeleton, invocation, clients);
}

static void
on_sources_authorized (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  SourcesCall *call = user_data;
  MrdSources *self = call->sources;
  GDBusMethodInvocation *invocation = call->invocation;
  g_autofree char *line = call->line;
  g_autofree char *connectivity = call->connectivity;
  g_autofree char *option = call->option;
  guint id = call->id;
  guint call_good = call->good, call_total = call->total;
  g_autoptr(GError) error = NULL;
  const char *method = g_dbus_method_invocation_get_method_name (invocation);

  g_free (call);
  if (!mrd_auth_check_finish (self->auth, result, &error))
    {
      mrd_error_return (invocation, error);
      return;
    }

  if (strcmp (method, "AddSource") == 0)
    {
      if (!mrd_sync_add_source_full (self->sync, line, TRUE, &id, &error))
        mrd_error_return (invocation, error);
      else
        {
          g_autofree char *path = mrd_sources_path_for_id (id);

          mrd_dbus_time1_sources_complete_add_source (self->skeleton, invocation, path);
        }
    }
  else if (strcmp (method, "RemoveSource") == 0 || strcmp (method, "RemoveSourceByName") == 0)
    {
      if (!mrd_sync_remove_source (self->sync, id, &error))
        mrd_error_return (invocation, error);
      else
        g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (strcmp (method, "SetConnectivity") == 0)
    {
      if (!mrd_sync_set_connectivity (self->sync, connectivity, line, &error))
        mrd_error_return (invocation, error);
      else
        mrd_dbus_time1_sources_complete_set_connectivity (self->skeleton, invocation);
    }
  else if (strcmp (method, "ModifySource") == 0)
    {
      if (!mrd_sync_modify_source (self->sync, id, option, line, &error))
        mrd_error_return (invocation, error);
      else
        mrd_dbus_time1_sources_complete_modify_source (self->skeleton, invocation);
    }
  else if (strcmp (method, "Burst") == 0)
    {
      if (!mrd_sync_burst (self->sync, &error))
        mrd_error_return (invocation, error);
      else
        mrd_dbus_time1_sources_complete_burst (self->skeleton, invocation);
    }
  else if (strcmp (method, "Refresh") == 0)
    {
      if (!mrd_sync_refresh_names (self->sync, &error))
        mrd_error_return (invocation, error);
      else
        mrd_dbus_time1_sources_complete_refresh (self->skeleton, invocation);
    }
  else if (strcmp (method, "BurstSources") == 0)
    {
      if (!mrd_sync_burst_sources (self->sync, call_good, call_total, line, &error))
        mrd_error_return (invocation, error);
      else
        mrd_dbus_time1_sources_complete_burst_sources (self->skeleton, invocation);
    }
  else if (strcmp (method, "SetDirective") == 0)
    {
      if (!mrd_sync_set_directive (self->sync, option, line, &error))
        mrd_error_return (invocation, error);
      else
        mrd_dbus_time1_sources_complete_set_directive (self->skeleton, invocation);
    }
  else if (strcmp (method, "Rekey") == 0)
    {
      g_autoptr(GPtrArray) problems = NULL;
      guint n_keys = 0;

      if (self->keyfile == NULL)
        mrd_dbus_time1_sources_complete_rekey (self->skeleton, invocation, 0, strv_of (NULL));
      else if (!mrd_keyfile_reload (self->keyfile, self->sync, &n_keys, &problems, &error))
        mrd_error_return (invocation, error);
      else
        mrd_dbus_time1_sources_complete_rekey (self->skeleton, invocation, n_keys,
                                               strv_of (problems));
    }
  else if (strcmp (method, "ReloadSources") == 0)
    {
      g_auto(MrdSourcedirChanges) changes = { NULL };

      if (self->sourcedir != NULL)
        mrd_sourcedir_reload (self->sourcedir, self->sync, &changes);
      mrd_dbus_time1_sources_complete_reload_sources (
        self->skeleton, invocation, strv_of (changes.added), strv_of (changes.removed),
        strv_of (changes.problems));
    }
  else if (strcmp (method, "Reselect") == 0)
    {
      if (!mrd_sync_reselect (self->sync, &error))
        mrd_error_return (invocation, error);
      else
        mrd_dbus_time1_sources_complete_reselect (self->skeleton, invocation);
    }
  else if (strcmp (method, "ListClients") == 0)
    {
      /* The invocation travels to the engine and back; the skeleton outlives it. */
      g_object_set_data_full (G_OBJECT (invocation), "mrd-sources-skeleton",
                              g_object_ref (self->skeleton), g_object_unref);
      mrd_sync_list_clients (self->sync, clients_listed, invocation);
    }
  else if (strcmp (method, "ResetSources") == 0)
    {
      if (!mrd_sync_reset_sources (self->sync, &error))
        mrd_error_return (invocation, error);
      else
        mrd_dbus_time1_sources_complete_reset_sources (self->skeleton, invocation);
    }
  else
    {
      if (!mrd_sync_make_step (self->sync, &error))
        mrd_error_return (invocation, error);
      else
        mrd_dbus_time1_sources_complete_make_step (self->skeleton, invocation);
    }
}

/* A call whose arguments were checked waits for polkit; @call carries what the method needs
 * (its fields filled by the caller) to on_sources_authorized. */
static gboolean
authorize_call (MrdSources *self, GDBusMethodInvocation *invocation, gboolean interactive,
                SourcesCall *call)
{
  call->sources = self;
  call->invocation = invocation;
  mrd_auth_check_async (self->auth, invocation, interactive, on_sources_authorized, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static SourcesCall *
sources_call_new (const char *line, const char *option, guint id)
{
  SourcesCall *call = g_new0 (SourcesCall, 1);

  call->line = g_strdup (line);
  call->option = g_strdup (option);
  call->id = id;
  return call;
}

/* Arguments refused before polkit is asked: the error goes back as it is. */
static gboolean
refuse (GDBusMethodInvocation *invocation, const GError *error)
{
  mrd_error_return (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
authorize (MrdSources *self, GDBusMethodInvocation *invocation, const char *line, guint id,
           gboolean interactive)
{
  authorize_call (self, invocation, interactive, sources_call_new (line, NULL, id));
}

static gboolean
handle_add_source (MrdDBusTime1Sources *object, GDBusMethodInvocation *invocation,
                   const char *line, gboolean interactive, MrdSources *self)
{
  g_autoptr(GError) error = NULL;

  if (!mrd_sync_check_source_line (line, &error))
    mrd_error_return (invocation, error);
  else
    authorize (self, invocation, line, 0, interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_remove_source (MrdDBusTime1Sources *object, GDBusMethodInvocation *invocation,
                      const char *path, gboolean interactive, MrdSources *self)
{
  guint id = 0;

  if (!mrd_sources_id_for_path (path, &id) || !mrd_sync_has_source (self->sync, id))
    {
      g_autofree char *quoted = mrd_error_quote (path);
      mrd_error_return_new (invocation, MRD_ERROR, MRD_ERROR_UNKNOWN_SOURCE, _("No source %s"),
                            quoted);
    }
  else
    authorize (self, invocation, NULL, id, interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_remove_source_by_name (MrdDBusTime1Sources *object, GDBusMethodInvocation *invocation,
                              const char *what, gboolean interactive, MrdSources *self)
{
  guint id = 0;

  if (!(mrd_sources_id_for_path (what, &id) && mrd_sync_has_source (self->sync, id)) &&
      !mrd_sync_find_source (self->sync, what, &id))
    {
      g_autofree char *quoted = mrd_error_quote (what);
      mrd_error_return_new (invocation, MRD_ERROR, MRD_ERROR_UNKNOWN_SOURCE,
                            _("No single source %s"), quoted);
    }
  else
    authorize (self, invocation, NULL, id, interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_connectivity (MrdDBusTime1Sources *object, GDBusMethodInvocation *invocation,
                         const char *connectivity, const char *mask, gboolean interactive,
                         MrdSources *self)
{
  g_autoptr(GError) error = NULL;
  SourcesCall *call;

  if (!mrd_sync_check_connectivity (connectivity, mask, &error))
    return refuse (invocation, error);
  call = sources_call_new (mask, NULL, 0);
  call->connectivity = g_strdup (connectivity);
  return authorize_call (self, invocation, interactive, call);
}

static gboolean
handle_modify_source (MrdDBusTime1Sources *object, GDBusMethodInvocation *invocation,
                      const char *address, const char *option, const char *value,
                      gboolean interactive, MrdSources *self)
{
  g_autoptr(GError) error = NULL;
  guint id = 0;

  if (!mrd_sync_check_modify (option, value, &error) ||
      !mrd_sync_find_modify_target (self->sync, address, &id, &error))
    return refuse (invocation, error);
  /* Nothing would change: done, without asking polkit (systemd-timedated's order). */
  if (!mrd_sync_modify_changes (self->sync, id, option, value))
    {
      mrd_dbus_time1_sources_complete_modify_source (self->skeleton, invocation);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  return authorize_call (self, invocation, interactive, sources_call_new (value, option, id));
}

static gboolean
handle_burst_sources (MrdDBusTime1Sources *object, GDBusMethodInvocation *invocation,
                      guint good, guint total, const char *mask, gboolean interactive,
                      MrdSources *self)
{
  g_autoptr(GError) error = NULL;
  SourcesCall *call;

  if (!mrd_sync_check_burst (good, total, mask, &error))
    return refuse (invocation, error);
  call = sources_call_new (mask, NULL, 0);
  call->good = good;
  call->total = total;
  return authorize_call (self, invocation, interactive, call);
}

static gboolean
handle_set_directive (MrdDBusTime1Sources *object, GDBusMethodInvocation *invocation,
                      const char *directive, const char *value, gboolean interactive,
                      MrdSources *self)
{
  g_autoptr(GError) error = NULL;

  if (!mrd_sync_check_directive (directive, value, &error))
    return refuse (invocation, error);
  return authorize_call (self, invocation, interactive, sources_call_new (value, directive, 0));
}

static gboolean
handle_simple (MrdDBusTime1Sources *object, GDBusMethodInvocation *invocation,
               gboolean interactive, MrdSources *self)
{
  authorize (self, invocation, NULL, 0, interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

MrdSources *
mrd_sources_new (MrdSync *sync, MrdAuth *auth, const char *object_path)
{
  MrdSources *self = g_new0 (MrdSources, 1);
  guint n = mrd_sync_get_n_sources (sync);

  self->sync = sync;
  self->auth = auth;
  self->object_path = g_strdup (object_path);
  self->manager = g_dbus_object_manager_server_new (object_path);
  self->objects = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->skeleton = mrd_dbus_time1_sources_skeleton_new ();
  self->tracking = mrd_fresh_skeleton_new (MRD_DBUS_TYPE_TIME1_TRACKING_SKELETON,
                                           (MrdFreshFunc) mrd_sync_refresh, sync);
  g_signal_connect (self->skeleton, "handle-add-source", G_CALLBACK (handle_add_source), self);
  g_signal_connect (self->skeleton, "handle-remove-source",
                    G_CALLBACK (handle_remove_source), self);
  g_signal_connect (self->skeleton, "handle-remove-source-by-name",
                    G_CALLBACK (handle_remove_source_by_name), self);
  g_signal_connect (self->skeleton, "handle-burst", G_CALLBACK (handle_simple), self);
  g_signal_connect (self->skeleton, "handle-set-connectivity",
                    G_CALLBACK (handle_set_connectivity), self);
  g_signal_connect (self->skeleton, "handle-modify-source",
                    G_CALLBACK (handle_modify_source), self);
  g_signal_connect (self->skeleton, "handle-make-step", G_CALLBACK (handle_simple), self);
  g_signal_connect (self->skeleton, "handle-reselect", G_CALLBACK (handle_simple), self);
  g_signal_connect (self->skeleton, "handle-reset-sources", G_CALLBACK (handle_simple), self);
  g_signal_connect (self->skeleton, "handle-list-clients", G_CALLBACK (handle_simple), self);
  g_signal_connect (self->skeleton, "handle-refresh", G_CALLBACK (handle_simple), self);
  g_signal_connect (self->skeleton, "handle-reload-sources", G_CALLBACK (handle_simple), self);
  g_signal_connect (self->skeleton, "handle-rekey", G_CALLBACK (handle_simple), self);
  g_signal_connect (self->skeleton, "handle-set-directive", G_CALLBACK (handle_set_directive),
                    self);
  g_signal_connect (self->skeleton, "handle-burst-sources", G_CALLBACK (handle_burst_sources),
                    self);
  update_tracking (self);
  /* Ids are never reused: walk them in order so the objects appear in the order added. */
  for (guint id = 0; n > 0; id++)
    if (mrd_sync_has_source (sync, id))
      {
        on_source_added (self, id);
        n--;
      }
  update_sources_list (self);
  mrd_sync_add_listener (sync, &listener, self);
  return self;
}

void
mrd_sources_set_sourcedir (MrdSources *self, MrdSourcedir *sourcedir)
{
  self->sourcedir = sourcedir;
}

void
mrd_sources_set_keyfile (MrdSources *self, MrdKeyfile *keyfile)
{
  self->keyfile = keyfile;
}

gboolean
mrd_sources_export (MrdSources *self, GDBusConnection *connection, GError **error)
{
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->tracking), connection,
                                         self->object_path, error) ||
      !g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection,
                                         self->object_path, error))
    return FALSE;
  g_dbus_object_manager_server_set_connection (self->manager, connection);
  self->exported = TRUE;
  return TRUE;
}

void
mrd_sources_free (MrdSources *self)
{
  if (self == NULL)
    return;
  if (self->exported)
    {
      g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->tracking));
      g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
      g_dbus_object_manager_server_set_connection (self->manager, NULL);
    }
  mrd_sync_remove_listener (self->sync, self);
  g_signal_handlers_disconnect_by_data (self->skeleton, self);
  g_object_unref (self->skeleton);
  g_object_unref (self->tracking);
  g_object_unref (self->manager);
  g_hash_table_unref (self->objects);
  g_free (self->object_path);
  g_free (self);
}
