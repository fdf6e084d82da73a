/* mrd-engine-proxy.c — see mrd-engine-proxy.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1

#include "mrd-engine-proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

#include "mrd-error.h"
#include "mrd-state.h"
#include "ntp-serve.h"
#include "privsep/mrd-channel.h"
#include "privsep/mrd-engine-launch.h"
#include "privsep/mrd-engine-snapshot.h"
#include "privsep/mrd-engine-wire.h"
#include "sync/mrd-nts-dump.h"
#include "sync/mrd-statlog.h"
#include "sync/mrd-sync-engine.h"
#include "sync/mrd-sync-serve.h"

/* The drift file is rewritten at most once an hour while running, as chronyd does
 * (reference.c), and whenever the engine stops. */
#define DRIFT_WRITE_INTERVAL_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
/* mrd-sync's ids start at 0, the engine's line ids at 1 (0 = "pick one"): the wire carries
 * id + 1. */
#define WIRE_ID(id) ((id) + 1)

typedef struct {
  void (*callback) (int err, gpointer user_data);
  gpointer user_data;
} TryWrite;

/* A "list-clients" waiting for its "clients": the pages so far. */
typedef struct {
  guint32 serial;
  MrdSyncClientsFunc callback;
  gpointer user_data;
  GVariantBuilder clients;           /* MRD_SYNC_SERVE_CLIENTS */
  guint32 received;
  gboolean asked;                    /* its first page was asked for */
} ClientsQuery;

typedef struct {
  guint id;
  char *line;
} ProxySource;

struct _MrdEngineProxy {
  MrdSync *sync;
  MrdClock *clock;
  char *driftfile;
  char *ntsdumpdir;              /* where the nts lines' cookies are kept (NULL: nowhere) */
  /* chronyd's statistics logs, written for the child (NULL: no logdir), and the budget of
   * lines it may send: a compromised engine cannot fill the disk faster than this */
  MrdStatlog *statlog;
  double statlog_budget;
  gint64 statlog_budget_time;
  gboolean statlog_over;
  MrdKeys *keys;
  GPtrArray *nts_certs;          /* GVariant (uay): set, PEM; what the child is sent */
  gboolean nosystemcert;
  gboolean nts_certs_sent;       /* to the child running now */
  GStrv core_lines;
  gboolean rtcsync;
  /* The server sockets (`allow`), IPv4 and IPv6, bound here once (port 123 needs a privilege
   * the engine child lacks) and handed to every child started; -1 = none. */
  int serve_fds[2];
  gboolean serve_opened;

  MrdEngineLaunch *launch;       /* how the engine is started or reached */
  int fd;
  guint watch;

  GArray *sources;               /* ProxySource, in the order added */
  /* Every address the engine polls ("192.0.2.1", "[2001:db8::1]:1123") and its line's id, from
   * the latest update: a connectivity command that names sources must match one of them. */
  GPtrArray *polled;             /* char *, id + 1 in the pointer array polled_ids */
  GArray *polled_ids;            /* guint */
  /* The connectivity commands given, oldest first, (ss) each: replayed to an engine child
   * started anew, so that a restart does not take offline sources back online. A command
   * for every source makes the ones before it moot. */
  GPtrArray *connectivity;
  /* The directives set at run time (chronyc makestep THRESHOLD LIMIT, maxupdateskew), (ss)
   * each, the latest of each name: replayed to an engine child started anew. */
  GPtrArray *directives;
  GQueue try_writes;             /* TryWrite, answered in order */
  GQueue clients_queries;        /* ClientsQuery, answered in order */
  guint32 clients_serial;
  gboolean have_drift, drift_dirty;
  double drift_freq, drift_skew;
  gint64 drift_written_mono;

  MrdEngineSnapshot *snapshot;   /* the running child's latest update (NULL: none shared) */
  guint64 snapshot_seq;          /* the one last applied */
  guint drift_timer;
};

static void mark_unsynchronized (MrdEngineProxy *self);
static void send_snapshot (MrdEngineProxy *self);

static void
proxy_source_clear (ProxySource *s)
{
  g_free (s->line);
}

/* ---- drift ---------------------------------------------------------------------------- */

static void
read_drift (MrdEngineProxy *self)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (self->driftfile == NULL)
    return;
  /* Beneath the root, a regular file only, never blocking (a FIFO or a link planted in the
   * state directory is refused, as for every other state file). */
  if (!mrd_state_read_file (self->driftfile, MRD_STATE_READ_MAX, &text, NULL, &error))
    {
      g_message ("Cannot read the drift file: %s", error->message);
      return;
    }
  if (text == NULL)
    return;   /* no drift file yet */
  if (!mrd_sync_engine_drift_parse (text, &self->drift_freq, &self->drift_skew))
    {
      g_message ("%s: not a drift file (two numbers), ignoring", self->driftfile);
      return;
    }
  self->have_drift = TRUE;
  g_info ("Frequency %.3f ± %.3f ppm read from %s", self->drift_freq, self->drift_skew,
          self->driftfile);
}

static void
write_drift (MrdEngineProxy *self)
{
  g_autoptr(GError) error = NULL;
  char text[128];

  if (self->driftfile == NULL || !self->drift_dirty)
    return;
  mrd_sync_engine_drift_format (self->drift_freq, self->drift_skew, text, sizeof text);
  {
    g_autofree char *dir = g_path_get_dirname (self->driftfile);

    (void) g_mkdir_with_parents (dir, 0755);   /* a failure shows in the write's error */
  }
  if (!mrd_write_file_atomic (self->driftfile, text, strlen (text), 0644, &error))
    {
      g_warning ("Cannot write the drift file: %s", error->message);
      return;
    }
  self->drift_dirty = FALSE;
  self->drift_written_mono = g_get_monotonic_time ();
}

/* ---- the channel ---------------------------------------------------------------------- */

static void
send_msg (MrdEngineProxy *self, const char *name, GVariant *arg)
{
  g_autoptr(GError) error = NULL;

  if (self->fd < 0)
    {
      g_variant_unref (g_variant_ref_sink (arg));
      return;
    }
  /* A full socket buffer means the child is stuck: it will be restarted when it dies. */
  if (!mrd_channel_send (self->fd, name, arg, &error))
    g_message ("NTP engine: %s", error->message);
}

/* Where distributions keep the system's trust store as one PEM file (Debian and Ubuntu,
 * Fedora and RHEL, openSUSE, Alpine): what gnutls's system trust reads on them. */
static const char *const system_ca_files[] = {
  "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem",
};

/* The certificates an NTS source's key exchange is checked against, sent once per child
 * before its first nts source: the configured files, and set 0's system store, read here
 * because the sandboxed child opens no files. */
static void
send_nts_certs (MrdEngineProxy *self)
{
  if (self->nts_certs_sent || self->fd < 0)
    return;
  self->nts_certs_sent = TRUE;
  if (!self->nosystemcert)
    for (guint i = 0; i < G_N_ELEMENTS (system_ca_files); i++)
      {
        g_autofree char *data = NULL;
        gsize len = 0;

        if (!g_file_get_contents (system_ca_files[i], &data, &len, NULL))
          continue;
        send_msg (self, "nts-certs",
                  g_variant_new ("(u@ay)", 0u,
                                 g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1)));
        break;
      }
  for (guint i = 0; i < self->nts_certs->len; i++)
    send_msg (self, "nts-certs", g_variant_ref (self->nts_certs->pdata[i]));
}

/* A source to the child, preceded by the key it names (if any): the sandboxed engine holds
 * only the keys its sources use. */
static void
send_source (MrdEngineProxy *self, const ProxySource *s)
{
  const char *lines[] = { s->line };
  g_autoptr(GVariant) keys = mrd_sync_engine_keys_for_lines (self->keys, lines, 1);
  NtpSourceConfig sc;

  if (g_variant_n_children (keys) > 0)
    send_msg (self, "keys", keys);   /* not floating: the message takes its own reference */
  if (ntp_source_config_parse (&sc, s->line, NULL, 0) == 0 && sc.nts)
    {
      send_nts_certs (self);
      /* The cookies saved for the line, read here as root: the child reads no file. */
      if (self->ntsdumpdir != NULL)
        {
          g_autofree char *dump_name = NULL;
          g_autofree char *text = mrd_nts_dump_read (self->ntsdumpdir, s->line, &dump_name, NULL);

          if (text != NULL)
            send_msg (self, "nts-dump", g_variant_new ("(ss)", dump_name, text));
        }
    }
  send_msg (self, "add-source", g_variant_new ("(us)", WIRE_ID (s->id), s->line));
}

/* What ModifySource changed of a source since it was added, to an engine started anew just
 * after its "add-source": the values mrd-sync holds now against those of the line. minpoll
 * goes first; with the final minpoll <= maxpoll, either order ends at the same bounds. */
static void
send_modifications (MrdEngineProxy *self, const ProxySource *s)
{
  const NtpSourceConfig *now = mrd_sync_get_source_config (self->sync, s->id);
  NtpSourceConfig was;
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  if (now == NULL || ntp_source_config_parse (&was, s->line, NULL, 0) < 0)
    return;
#define MODIFY(option, text) \
  send_msg (self, "modify-source", g_variant_new ("(uss)", WIRE_ID (s->id), option, text))
#define MODIFY_INT(field) \
  if (now->field != was.field) \
    { \
      g_autofree char *v = g_strdup_printf ("%d", now->field); \
      MODIFY (#field, v); \
    }
#define MODIFY_DOUBLE(field) \
  if (now->field != was.field) \
    MODIFY (#field, g_ascii_formatd (num, sizeof num, "%.17g", now->field))
  MODIFY_INT (minpoll);
  MODIFY_INT (maxpoll);
  MODIFY_INT (polltarget);
  MODIFY_INT (minstratum);
  MODIFY_DOUBLE (maxdelay);
  MODIFY_DOUBLE (maxdelayratio);
  MODIFY_DOUBLE (maxdelaydevratio);
#undef MODIFY_DOUBLE
#undef MODIFY_INT
#undef MODIFY
}

/* The configuration's server sockets, bound as the engine would bind them
 * (mrd_sync_serve_open_sockets), once, as root. */
static void
open_serve_sockets (MrdEngineProxy *self)
{
  NtpConfig cfg;
  GError *errors[2] = { NULL, NULL };

  if (self->serve_opened)
    return;
  self->serve_opened = TRUE;
  ntp_config_init (&cfg);
  for (guint i = 0; self->core_lines[i] != NULL; i++)
    (void) ntp_config_parse_line (&cfg, self->core_lines[i], NULL, 0);
  if (!ntp_serve_enabled (&cfg.serve))
    return;
  mrd_sync_serve_open_sockets (&cfg, self->serve_fds, errors);
  for (guint i = 0; i < 2; i++)
    {
      if (errors[i] != NULL)
        g_message ("NTP server: no %s socket on port %d: %s", i == 0 ? "IPv4" : "IPv6",
                   cfg.serve.port, errors[i]->message);
      g_clear_error (&errors[i]);
    }
}

static void
send_serve_sockets (MrdEngineProxy *self)
{
  /* Socket mode: meridiand has no network of its own (its unit's PrivateNetwork=yes), and
   * the engine's unit binds port 123 itself (docs/security.md). */
  if (mrd_engine_launch_is_on_demand (self->launch))
    return;
  open_serve_sockets (self);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;

      if (self->serve_fds[i] >= 0 && self->fd >= 0
          && !mrd_channel_send_with_fd (self->fd, "serve-socket",
                                        g_variant_new ("(i)", i == 0 ? AF_INET : AF_INET6),
                                        self->serve_fds[i], &error))
        g_message ("NTP engine: %s", error->message);
    }
}

static void
send_configure (MrdEngineProxy *self)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "core-lines",
                         g_variant_new_strv ((const char *const *) self->core_lines, -1));
  g_variant_builder_add (&b, "{sv}", "rtcsync", g_variant_new_boolean (self->rtcsync));
  if (self->have_drift)
    g_variant_builder_add (&b, "{sv}", "drift",
                           g_variant_new ("(dd)", self->drift_freq, self->drift_skew));
  g_variant_builder_add (&b, "{sv}", "enabled",
                         g_variant_new_boolean (mrd_sync_get_enabled (self->sync)));
  self->nts_certs_sent = FALSE;
  send_serve_sockets (self);
  send_msg (self, "configure", g_variant_builder_end (&b));
  send_snapshot (self);
  for (guint i = 0; i < self->sources->len; i++)
    {
      ProxySource *s = &g_array_index (self->sources, ProxySource, i);

      send_source (self, s);
      send_modifications (self, s);
    }
  for (guint i = 0; i < self->connectivity->len; i++)
    send_msg (self, "set-connectivity", self->connectivity->pdata[i]);
  for (guint i = 0; i < self->directives->len; i++)
    send_msg (self, "set-directive", self->directives->pdata[i]);
}

/* Several addresses of one pool line: the line's object shows the best of them. */
static gboolean
better (const NtpSourceReport *a, const NtpSourceReport *b)
{
  if (a->state != b->state)
    return a->state > b->state;
  return a->reach > b->reach;
}

/* The drift an update carries: kept, and written when the hour is up or NTP is off. */
static void
take_drift (MrdEngineProxy *self, gboolean have_drift, double freq, double skew)
{
  if (have_drift && isfinite (freq) && isfinite (skew) && fabs (freq) <= 500000.0 && skew >= 0)
    {
      self->drift_freq = freq;
      self->drift_skew = skew;
      self->have_drift = TRUE;
      self->drift_dirty = TRUE;
      if (self->drift_written_mono == 0)
        self->drift_written_mono = g_get_monotonic_time ();   /* the first hour starts now */
      if (g_get_monotonic_time () - self->drift_written_mono >= DRIFT_WRITE_INTERVAL_US ||
          !mrd_sync_get_enabled (self->sync))
        write_drift (self);
    }
}

/* Ask for the first page of the query at the head, once: one query at a time, so each is
 * paged from a listing of its own. */
static void
ask_next_clients (MrdEngineProxy *self)
{
  ClientsQuery *q = g_queue_peek_head (&self->clients_queries);

  if (q == NULL || q->asked)
    return;
  q->asked = TRUE;
  send_msg (self, "list-clients", g_variant_new ("(uu)", q->serial, (guint32) 0));
}

static void
clients_query_free (ClientsQuery *q)
{
  g_variant_builder_clear (&q->clients);
  g_free (q);
}

/* A page of the client log for the query at the head: the next page asked for until the
 * entries the child counted are in (the child, untrusted, may not make a page out of order
 * or one that adds nothing: the query then ends with what came). */
static void
handle_clients_page (MrdEngineProxy *self, GVariant *arg)
{
  ClientsQuery *q = g_queue_peek_head (&self->clients_queries);
  g_autoptr(GVariant) page = NULL;
  guint32 serial, first, total;
  gsize n;

  g_variant_get (arg, "(uuu@" MRD_SYNC_SERVE_CLIENTS ")", &serial, &first, &total, &page);
  if (q == NULL || q->serial != serial)
    return;
  n = g_variant_n_children (page);
  if (first == q->received)
    for (gsize i = 0; i < n; i++)
      {
        g_autoptr(GVariant) client = g_variant_get_child_value (page, i);

        g_variant_builder_add_value (&q->clients, client);
      }
  if (first == q->received && n > 0 && q->received + n < total)
    {
      q->received += (guint32) n;
      send_msg (self, "list-clients", g_variant_new ("(uu)", q->serial, q->received));
      return;
    }
  g_queue_pop_head (&self->clients_queries);
  {
    g_autoptr(GVariant) all = g_variant_ref_sink (g_variant_builder_end (&q->clients));

    q->callback (all, q->user_data);
  }
  clients_query_free (q);
  ask_next_clients (self);
}

static void
handle_update (MrdEngineProxy *self, GVariant *arg)
{
  g_autoptr(GVariant) tracking_v = NULL;
  g_autoptr(GVariant) sources_v = NULL;
  g_autoptr(GVariant) serve_v = NULL;
  g_autoptr(GHashTable) best = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  NtpServeCounts served;
  const char *reference;
  gboolean have_drift;
  double freq, skew;
  NtpTracking t;
  GVariantIter iter;
  GHashTableIter hi;
  gpointer key, value;
  guint32 id;
  const char *address;
  const char *local;
  GVariant *report_v;

  g_variant_get (arg, "(@" MRD_WIRE_TRACKING "&s@a" MRD_WIRE_SOURCE "(bdd)@" MRD_WIRE_SERVE ")",
                 &tracking_v, &reference, &sources_v, &have_drift, &freq, &skew, &serve_v);
  mrd_wire_get_tracking (tracking_v, &t);
  mrd_wire_get_serve (serve_v, &served);
  mrd_sync_set_serve_counts (self->sync, &served);

  g_ptr_array_set_size (self->polled, 0);
  g_array_set_size (self->polled_ids, 0);
  g_variant_iter_init (&iter, sources_v);
  while (g_variant_iter_next (&iter, "(u&s&s@" MRD_WIRE_REPORT ")", &id, &address, &local, &report_v))
    {
      NtpSourceReport r;
      struct { NtpSourceReport r; char address[64]; char local[64]; } *cur;

      g_ptr_array_add (self->polled, g_strdup (address));
      g_array_append_val (self->polled_ids, id);
      mrd_wire_get_report (report_v, &r);
      g_variant_unref (report_v);
      cur = g_hash_table_lookup (best, GUINT_TO_POINTER (id));
      if (cur != NULL && !better (&r, &cur->r))
        continue;
      if (cur == NULL)
        {
          cur = g_malloc0 (sizeof *cur);
          g_hash_table_insert (best, GUINT_TO_POINTER (id), cur);
        }
      cur->r = r;
      g_strlcpy (cur->address, address, sizeof cur->address);
      g_strlcpy (cur->local, local, sizeof cur->local);
    }
  g_hash_table_iter_init (&hi, best);
  while (g_hash_table_iter_next (&hi, &key, &value))
    {
      struct { NtpSourceReport r; char address[64]; char local[64]; } *cur = value;
      guint sid = GPOINTER_TO_UINT (key) - 1;

      if (GPOINTER_TO_UINT (key) == 0 || !mrd_sync_has_source (self->sync, sid))
        continue;
      mrd_sync_set_source_address (self->sync, sid, cur->address);
      mrd_sync_set_source_local_address (self->sync, sid, cur->local);
      mrd_sync_set_source_report (self->sync, sid, &cur->r);
    }

  take_drift (self, have_drift, freq, skew);
  if (t.ref_time_ns == 0)
    {
      /* An engine that has not updated the clock (just started, or stopped) has nothing to
       * say beyond "not synchronized": what is shown stays as it was, unsynchronized. */
      mark_unsynchronized (self);
      return;
    }
  mrd_sync_set_tracking (self->sync, &t, g_utf8_validate (reference, -1, NULL) ? reference : "");
}

/* ---- the shared snapshot: the figures of every update, read when asked ------------------ */

/* The child's latest update, if newer than the one applied. */
static GVariant *
read_snapshot (MrdEngineProxy *self)
{
  if (self->snapshot == NULL)
    return NULL;
  return mrd_engine_snapshot_read (self->snapshot, G_VARIANT_TYPE (MRD_WIRE_UPDATE),
                                   &self->snapshot_seq);
}

static void
refresh_from_snapshot (MrdEngineProxy *self)
{
  g_autoptr(GVariant) v = read_snapshot (self);

  if (v != NULL)
    handle_update (self, v);
}

/* A new snapshot for a new child, sent with its descriptor after "configure". Without one
 * (no memfd), the child sends every update. */
static void
send_snapshot (MrdEngineProxy *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->snapshot, mrd_engine_snapshot_free);
  self->snapshot_seq = 0;
  if (self->fd < 0)
    return;
  self->snapshot = mrd_engine_snapshot_new (&error);
  if (self->snapshot == NULL)
    {
      g_message ("NTP engine: %s; every update will be sent", error->message);
      return;
    }
  if (!mrd_channel_send_with_fd (self->fd, "snapshot", g_variant_new ("()"),
                                 mrd_engine_snapshot_get_fd (self->snapshot), &error))
    {
      g_message ("NTP engine: %s", error->message);
      g_clear_pointer (&self->snapshot, mrd_engine_snapshot_free);
    }
}

/* The child is gone: its last drift is kept; its figures are not shown any more. */
static void
drop_snapshot (MrdEngineProxy *self)
{
  g_autoptr(GVariant) v = read_snapshot (self);

  if (v != NULL)
    {
      gboolean have_drift;
      double freq, skew;

      g_variant_get_child (v, 3, "(bdd)", &have_drift, &freq, &skew);
      take_drift (self, have_drift, freq, skew);
    }
  g_clear_pointer (&self->snapshot, mrd_engine_snapshot_free);
}

/* The drift file is due hourly even when no update comes over the channel. */
static gboolean
on_drift_timer (gpointer user_data)
{
  refresh_from_snapshot (user_data);
  return G_SOURCE_CONTINUE;
}

/* A dump the child asks to be written: only under the name of one of the nts lines it was
 * given, and only a whole dump (mrd_nts_dump_write checks it again); the child is not trusted
 * to name files. */
static void
handle_nts_dump (MrdEngineProxy *self, GVariant *arg)
{
  const char *dump_name, *text;
  gboolean known = FALSE;

  g_variant_get (arg, "(&s&s)", &dump_name, &text);
  for (guint i = 0; i < self->sources->len && !known; i++)
    {
      const ProxySource *s = &g_array_index (self->sources, ProxySource, i);
      NtpSourceConfig sc;
      g_autofree char *line_dump = NULL;

      if (ntp_source_config_parse (&sc, s->line, NULL, 0) == 0 && sc.nts)
        line_dump = mrd_sync_engine_nts_dump_name (&sc);
      known = g_strcmp0 (line_dump, dump_name) == 0;
    }
  if (!known)
    g_message ("NTP engine: NTS dump %s is no nts line's, not written", dump_name);
  else if (self->ntsdumpdir != NULL)
    mrd_nts_dump_write (self->ntsdumpdir, dump_name, text);
}

/* Far above what any configuration makes (a line per sample, per fit and per clock update),
 * so only a runaway or compromised engine meets it. */
#define STATLOG_LINES_PER_S 50.0
#define STATLOG_LINES_BURST 1000.0

static void
handle_statlog (MrdEngineProxy *self, GVariant *arg)
{
  gint64 now = g_get_monotonic_time ();
  const char *line;
  guint32 kind;

  if (self->statlog == NULL)
    return;
  self->statlog_budget = MIN (STATLOG_LINES_BURST, self->statlog_budget
                              + (now - self->statlog_budget_time) * 1e-6 * STATLOG_LINES_PER_S);
  self->statlog_budget_time = now;
  if (self->statlog_budget < 1.0)
    {
      if (!self->statlog_over)
        g_warning ("NTP engine: more statistics log lines than %.0f a second, dropped",
                   STATLOG_LINES_PER_S);
      self->statlog_over = TRUE;
      return;
    }
  self->statlog_budget -= 1.0;
  self->statlog_over = FALSE;
  g_variant_get (arg, "(u&s)", &kind, &line);
  if (!mrd_statlog_write (self->statlog, kind, line))
    g_debug ("NTP engine: statistics log line not written");
}

static void
dispatch (MrdEngineProxy *self, const char *name, GVariant *arg)
{
  if (g_str_equal (name, "update") && g_variant_is_of_type (arg, G_VARIANT_TYPE (MRD_WIRE_UPDATE)))
    handle_update (self, arg);
  else if (g_str_equal (name, "error") && g_variant_is_of_type (arg, G_VARIANT_TYPE_STRING))
    g_message ("NTP engine: %s", g_variant_get_string (arg, NULL));
  else if (g_str_equal (name, "nts-dump") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("(ss)")))
    handle_nts_dump (self, arg);
  else if (g_str_equal (name, "statlog") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("(us)")))
    handle_statlog (self, arg);
  else if (g_str_equal (name, "clients") &&
           g_variant_is_of_type (arg, G_VARIANT_TYPE ("(uuu" MRD_SYNC_SERVE_CLIENTS ")")))
    handle_clients_page (self, arg);
  else if (g_str_equal (name, "try-write-result") &&
           g_variant_is_of_type (arg, G_VARIANT_TYPE_INT32))
    {
      TryWrite *tw = g_queue_pop_head (&self->try_writes);

      if (tw != NULL)
        {
          tw->callback (g_variant_get_int32 (arg), tw->user_data);
          g_free (tw);
        }
    }
  else
    g_warning ("NTP engine sent %s of type %s, ignoring", name, g_variant_get_type_string (arg));
}

static void
close_channel (MrdEngineProxy *self)
{
  TryWrite *tw;
  ClientsQuery *q;

  if (self->watch != 0)
    g_source_remove (self->watch);
  self->watch = 0;
  drop_snapshot (self);
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
  while ((tw = g_queue_pop_head (&self->try_writes)) != NULL)
    {
      tw->callback (-1, tw->user_data);
      g_free (tw);
    }
  while ((q = g_queue_pop_head (&self->clients_queries)) != NULL)
    {
      q->callback (NULL, q->user_data);
      clients_query_free (q);
    }
}

static gboolean
on_channel (int fd, GIOCondition condition, gpointer user_data)
{
  MrdEngineProxy *self = user_data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = NULL;
      g_autoptr(GVariant) arg = NULL;

      if (!mrd_channel_receive (fd, &name, &arg, &error))
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return G_SOURCE_CONTINUE;
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
            {
              g_warning ("NTP engine: %s, ignoring", error->message);
              continue;
            }
          /* The engine is gone; the launcher says so (on_engine_ended) and starts it
           * again. */
          self->watch = 0;
          close_channel (self);
          mrd_engine_launch_channel_closed (self->launch);
          return G_SOURCE_REMOVE;
        }
      dispatch (self, name, arg);
    }
}

/* ---- the child's life ----------------------------------------------------------------- */

static void
mark_unsynchronized (MrdEngineProxy *self)
{
  NtpTracking t = *mrd_sync_get_tracking (self->sync);
  /* A copy: mrd_sync_set_tracking() replaces the string it would point into. */
  g_autofree char *reference = g_strdup (mrd_sync_get_reference_name (self->sync));

  if (!t.synchronized)
    return;
  t.synchronized = false;
  t.leap_unsynchronized = true;
  mrd_sync_set_tracking (self->sync, &t, reference);
}

static void
on_engine_ended (const char *what, gpointer user_data)
{
  MrdEngineProxy *self = user_data;

  close_channel (self);
  mark_unsynchronized (self);
  write_drift (self);
}

static void
on_engine_connected (int fd, gpointer user_data)
{
  MrdEngineProxy *self = user_data;

  close_channel (self);
  self->fd = fd;
  (void) fcntl (self->fd, F_SETFL, fcntl (self->fd, F_GETFL) | O_NONBLOCK);
  self->watch = g_unix_fd_add (self->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_channel, self);
  send_configure (self);
}

/* ---- the seam --------------------------------------------------------------------------- */

/* The line the child parses again: the mode, the name and the options as mrd-sync shows
 * them (mrd_sync_format_options), which parse back to the same configuration. */
static char *
config_line (const NtpSourceConfig *config)
{
  g_auto(GStrv) options = mrd_sync_format_options (config);
  g_autofree char *opts = g_strjoinv (" ", options);

  return g_strdup_printf ("%s %s%s%s", ntp_source_mode_name (config->mode), config->name,
                          opts[0] != '\0' ? " " : "", opts);
}

static gboolean
seam_add_source (gpointer engine, guint id, const NtpSourceConfig *config, GError **error)
{
  MrdEngineProxy *self = engine;
  ProxySource s = { id, config_line (config) };

  g_array_append_val (self->sources, s);
  send_source (self, &s);
  return TRUE;
}

static void
seam_remove_source (gpointer engine, guint id)
{
  MrdEngineProxy *self = engine;

  for (guint i = 0; i < self->sources->len; i++)
    if (g_array_index (self->sources, ProxySource, i).id == id)
      {
        g_array_remove_index (self->sources, i);
        break;
      }
  send_msg (self, "remove-source", g_variant_new_uint32 (WIRE_ID (id)));
}

/* TRUE when @what can go to the child now; with NTP off there is nothing to act on and the
 * call succeeds, as chronyc's burst and makestep do on an idle chronyd (logged, so that the
 * caller can see it went nowhere). */
static gboolean
check_running (MrdEngineProxy *self, const char *what, gboolean *send, GError **error)
{
  *send = FALSE;
  if (!mrd_sync_get_enabled (self->sync))
    {
      g_message ("%s: NTP is off, nothing to measure or step", what);
      return TRUE;
    }
  if (self->fd < 0)
    {
      g_set_error_literal (error, MRD_ERROR, MRD_ERROR_FAILED,
                           _("The NTP engine is not running (it is being restarted)"));
      return FALSE;
    }
  *send = TRUE;
  return TRUE;
}

/* Burst, MakeStep, Reselect, ResetSources and Refresh: a message without arguments, once the engine runs
 * (the log line says where it went). */
static gboolean
send_command (MrdEngineProxy *self, const char *method, const char *message, GError **error)
{
  gboolean send;

  if (!check_running (self, method, &send, error))
    return FALSE;
  if (send)
    {
      send_msg (self, message, g_variant_new ("()"));
      g_message ("%s: sent to the NTP engine (%s)", method,
                 mrd_engine_launch_describe (self->launch));
    }
  return TRUE;
}

static gboolean
seam_reselect (gpointer engine, GError **error)
{
  return send_command (engine, "Reselect", "reselect", error);
}

static gboolean
seam_reset_sources (gpointer engine, GError **error)
{
  return send_command (engine, "ResetSources", "reset-sources", error);
}

static gboolean
seam_refresh_names (gpointer engine, GError **error)
{
  return send_command (engine, "Refresh", "refresh", error);
}

static gboolean
seam_burst (gpointer engine, GError **error)
{
  return send_command (engine, "Burst", "burst", error);
}

static gboolean
seam_make_step (gpointer engine, GError **error)
{
  return send_command (engine, "MakeStep", "make-step", error);
}

/* Whether @mask names any source the engine polls: by address (every address of a pool
 * line), or by the name its line was configured with. */
static gboolean
any_polled_matches (MrdEngineProxy *self, const MrdSyncMask *mask)
{
  refresh_from_snapshot (self);
  /* No engine has reported (NTP off with the engine started on demand, or not started yet):
   * the lines as configured, by the address shown for them or their name. */
  if (self->polled->len == 0)
    for (guint i = 0; i < self->sources->len; i++)
      {
        guint id = g_array_index (self->sources, ProxySource, i).id;
        const NtpSourceConfig *config = mrd_sync_get_source_config (self->sync, id);

        if (config != NULL &&
            mrd_sync_mask_match_string (mask, mrd_sync_get_source_address (self->sync, id),
                                        config->name))
          return TRUE;
      }
  for (guint i = 0; i < self->polled->len; i++)
    {
      guint wire_id = g_array_index (self->polled_ids, guint, i);
      const NtpSourceConfig *config = wire_id > 0 && mrd_sync_has_source (self->sync, wire_id - 1)
                                        ? mrd_sync_get_source_config (self->sync, wire_id - 1)
                                        : NULL;

      if (mrd_sync_mask_match_string (mask, self->polled->pdata[i],
                                      config != NULL ? config->name : NULL))
        return TRUE;
    }
  return FALSE;
}

/* chronyc burst GOOD/MAX [MASK]: as Burst, for the sources @mask names (one of them at least,
 * else MRD_ERROR_UNKNOWN_SOURCE, chronyc's "503 No such source"). */
static gboolean
seam_burst_sources (gpointer engine, guint good, guint total, const MrdSyncMask *mask,
                    const char *mask_text, GError **error)
{
  MrdEngineProxy *self = engine;
  gboolean send;

  if (!mask->all && !any_polled_matches (self, mask))
    {
      g_autofree char *quoted = mrd_error_quote (mask_text);

      g_set_error (error, MRD_ERROR, MRD_ERROR_UNKNOWN_SOURCE, _("No source matches %s"),
                   quoted);
      return FALSE;
    }
  if (!check_running (self, "Burst", &send, error))
    return FALSE;
  if (send)
    {
      send_msg (self, "burst-sources", g_variant_new ("(uus)", good, total, mask_text));
      g_message ("Burst: %u/%u %s, sent to the NTP engine (%s)", good, total,
                 mask->all ? "(all sources)" : mask_text,
                 mrd_engine_launch_describe (self->launch));
    }
  return TRUE;
}

static gboolean
seam_set_connectivity (gpointer engine, MrdConnectivity connectivity, const MrdSyncMask *mask,
                       const char *mask_text, GError **error)
{
  MrdEngineProxy *self = engine;
  const char *which = mrd_connectivity_to_string (connectivity);
  gboolean send;
  GVariant *msg;

  if (!mask->all && !any_polled_matches (self, mask))
    {
      g_autofree char *quoted = mrd_error_quote (mask_text);

      g_set_error (error, MRD_ERROR, MRD_ERROR_UNKNOWN_SOURCE, _("No source matches %s"),
                   quoted);
      return FALSE;
    }
  /* Kept, and sent whenever a child is there to take it, NTP on or off: the engine keeps a
   * source's connectivity while it is stopped, and one started later is given the commands
   * again (send_configure). */
  send = self->fd >= 0;
  msg = g_variant_ref_sink (g_variant_new ("(ss)", which, mask_text));
  if (mask->all)
    g_ptr_array_set_size (self->connectivity, 0);
  else if (self->connectivity->len >= 64)
    g_ptr_array_remove_index (self->connectivity, 0);
  g_ptr_array_add (self->connectivity, msg);
  if (send)
    {
      send_msg (self, "set-connectivity", msg);
      g_message ("SetConnectivity: %s %s, sent to the NTP engine (%s)", which,
                 mask->all ? "(all sources)" : mask_text,
                 mrd_engine_launch_describe (self->launch));
    }
  else
    g_message ("SetConnectivity: %s %s, kept for the NTP engine when it starts", which,
               mask->all ? "(all sources)" : mask_text);
  return TRUE;
}

/* ModifySource: mrd-sync has changed the source's configuration already, so an engine
 * started later is given it again (send_modifications); one running now is told. */
static gboolean
seam_modify_source (gpointer engine, guint id, const char *option, const char *value,
                    GError **error)
{
  MrdEngineProxy *self = engine;

  if (self->fd < 0)
    {
      g_message ("ModifySource: %s %s, kept for the NTP engine when it starts", option, value);
      return TRUE;
    }
  send_msg (self, "modify-source", g_variant_new ("(uss)", WIRE_ID (id), option, value));
  g_message ("ModifySource: %s %s, sent to the NTP engine (%s)", option, value,
             mrd_engine_launch_describe (self->launch));
  return TRUE;
}

/* Rekey: the keys kept for an engine started later, and those the lines name sent now to one
 * running (which drops all it had). */
static void
seam_set_keys (gpointer engine, const MrdKeys *keys)
{
  MrdEngineProxy *self = engine;
  g_autoptr(GPtrArray) lines = g_ptr_array_new ();
  g_autoptr(GVariant) named = NULL;

  mrd_keys_free (self->keys);
  self->keys = keys != NULL ? mrd_keys_copy (keys) : mrd_keys_new ();
  if (self->fd < 0)
    return;
  for (guint i = 0; i < self->sources->len; i++)
    g_ptr_array_add (lines, g_array_index (self->sources, ProxySource, i).line);
  named = mrd_sync_engine_keys_for_lines (self->keys, (const char *const *) lines->pdata,
                                          lines->len);
  send_msg (self, "rekey", named);
  g_message ("Rekey: %zu key(s) the sources name, sent to the NTP engine (%s)",
             g_variant_n_children (named), mrd_engine_launch_describe (self->launch));
}

/* SetDirective: mrd-sync has checked it; kept for an engine started later, and told to one
 * running now. */
static gboolean
seam_set_directive (gpointer engine, const char *directive, const char *value, GError **error)
{
  MrdEngineProxy *self = engine;
  GVariant *msg = g_variant_ref_sink (g_variant_new ("(ss)", directive, value));

  for (guint i = 0; i < self->directives->len; i++)
    {
      const char *name;

      g_variant_get (self->directives->pdata[i], "(&s&s)", &name, NULL);
      if (g_str_equal (name, directive))
        {
          g_ptr_array_remove_index (self->directives, i);
          break;
        }
    }
  g_ptr_array_add (self->directives, msg);
  if (self->fd < 0)
    {
      g_message ("SetDirective: %s %s, kept for the NTP engine when it starts", directive, value);
      return TRUE;
    }
  send_msg (self, "set-directive", msg);
  g_message ("SetDirective: %s %s, sent to the NTP engine (%s)", directive, value,
             mrd_engine_launch_describe (self->launch));
  return TRUE;
}

/* A line one of whose polled addresses @mask names (a pool's addresses other than the one its
 * object shows); FALSE when none or several lines match. */
static gboolean
seam_find_source (gpointer engine, const MrdSyncMask *mask, guint *id_out)
{
  MrdEngineProxy *self = engine;
  guint found = 0;

  if (mask->all || mask->name[0] != '\0')
    return FALSE;   /* names are the lines' own, which mrd-sync matched already */
  refresh_from_snapshot (self);
  for (guint i = 0; i < self->polled->len; i++)
    {
      guint wire_id = g_array_index (self->polled_ids, guint, i);

      if (wire_id == 0 || !mrd_sync_has_source (self->sync, wire_id - 1) ||
          !mrd_sync_mask_match_string (mask, self->polled->pdata[i], NULL))
        continue;
      if (found != 0 && found != wire_id)
        return FALSE;
      found = wire_id;
    }
  if (found == 0)
    return FALSE;
  *id_out = found - 1;
  return TRUE;
}

static void
seam_set_enabled (gpointer engine, gboolean enabled)
{
  MrdEngineProxy *self = engine;

  send_msg (self, "enable", g_variant_new_boolean (enabled));
  /* Socket mode: the engine runs while NTP is on. Closing the connection ends it (the drift
   * it reported with its last clock update is kept, and written below); connecting starts it
   * again. */
  if (mrd_engine_launch_is_on_demand (self->launch))
    {
      if (enabled)
        mrd_engine_launch_start (self->launch);
      else
        {
          mrd_engine_launch_stop (self->launch);
          close_channel (self);
          mark_unsynchronized (self);
        }
    }
  if (!enabled)
    write_drift (self);
}

static void
seam_refresh (gpointer engine)
{
  MrdEngineProxy *self = engine;
  double true_offset;

  refresh_from_snapshot (self);
  /* Read now, not at the last update: the clock keeps slewing (and drifting) between updates,
   * and a test that waits for |TrueOffset| to fall must see it fall. */
  if (mrd_clock_get_true_offset (self->clock, &true_offset))
    mrd_sync_set_true_offset (self->sync, true_offset);
}

static void
seam_list_clients (gpointer engine, MrdSyncClientsFunc func, gpointer user_data)
{
  MrdEngineProxy *self = engine;
  ClientsQuery *q;

  if (self->fd < 0)
    {
      func (NULL, user_data);
      return;
    }
  q = g_new0 (ClientsQuery, 1);
  q->serial = ++self->clients_serial;
  q->callback = func;
  q->user_data = user_data;
  g_variant_builder_init (&q->clients, G_VARIANT_TYPE (MRD_SYNC_SERVE_CLIENTS));
  g_queue_push_tail (&self->clients_queries, q);
  ask_next_clients (self);
}

static const MrdSyncEngineOps seam = {
  .list_clients = seam_list_clients,
  .refresh = seam_refresh,
  .add_source = seam_add_source,
  .remove_source = seam_remove_source,
  .burst = seam_burst,
  .burst_sources = seam_burst_sources,
  .make_step = seam_make_step,
  .reselect = seam_reselect,
  .reset_sources = seam_reset_sources,
  .refresh_names = seam_refresh_names,
  .set_connectivity = seam_set_connectivity,
  .modify_source = seam_modify_source,
  .set_directive = seam_set_directive,
  .set_keys = seam_set_keys,
  .find_source = seam_find_source,
  .set_enabled = seam_set_enabled,
};

/* ---- public --------------------------------------------------------------------------- */

MrdEngineProxy *
mrd_engine_proxy_new (MrdSync *sync, MrdClock *clock, const MrdEngineProxyOptions *options)
{
  MrdEngineProxy *self = g_new0 (MrdEngineProxy, 1);

  MrdEngineLaunchOptions launch_options = {
    .executable = options->executable,
    .socket_path = options->socket_path,
    .user = options->user,
    .chroot_dir = options->chroot_dir,
    .verbose = options->verbose,
  };

  self->sync = sync;
  self->clock = clock;
  self->driftfile = g_strdup (options->driftfile);
  self->ntsdumpdir = g_strdup (options->ntsdumpdir);
  if (options->logdir != NULL)
    self->statlog = mrd_statlog_new (options->logdir, options->logbanner);
  self->statlog_budget = STATLOG_LINES_BURST;
  self->statlog_budget_time = g_get_monotonic_time ();
  self->keys = mrd_keys_copy (options->keys);
  self->nosystemcert = options->nosystemcert;
  self->nts_certs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  for (guint i = 0; options->nts_certs != NULL && i < options->nts_certs->len; i++)
    g_ptr_array_add (self->nts_certs,
                     g_variant_ref_sink (g_variant_new ("(u@ay)",
                                                        g_array_index (options->nts_cert_sets, guint, i),
                                                        g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                                  options->nts_certs->pdata[i],
                                                                                  TRUE))));
  self->core_lines = g_strdupv (options->core_lines);
  if (self->core_lines == NULL)
    self->core_lines = g_new0 (char *, 1);
  self->rtcsync = options->rtcsync;
  self->fd = -1;
  self->serve_fds[0] = self->serve_fds[1] = -1;
  self->sources = g_array_new (FALSE, TRUE, sizeof (ProxySource));
  self->polled = g_ptr_array_new_with_free_func (g_free);
  self->polled_ids = g_array_new (FALSE, TRUE, sizeof (guint));
  self->connectivity = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  self->directives = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_array_set_clear_func (self->sources, (GDestroyNotify) proxy_source_clear);
  g_queue_init (&self->try_writes);
  g_queue_init (&self->clients_queries);
  read_drift (self);
  self->drift_timer = g_timeout_add_seconds (DRIFT_WRITE_INTERVAL_US / G_USEC_PER_SEC,
                                             on_drift_timer, self);
  mrd_sync_set_engine (sync, &seam, self);
  self->launch = mrd_engine_launch_new (&launch_options, clock, on_engine_connected,
                                        on_engine_ended, self);
  /* A child runs (idle) with NTP off too; an engine on a socket only while NTP is on. */
  if (!mrd_engine_launch_is_on_demand (self->launch) || mrd_sync_get_enabled (sync))
    mrd_engine_launch_start (self->launch);
  return self;
}

/* At exit: the child's jars as they are now (its cookies not yet spent), waited for a
 * bounded time. Only "nts-dump" is acted on; the rest of what comes is dropped. */
#define NTS_DUMP_EXIT_WAIT_MS 1000

static void
flush_nts_dumps (MrdEngineProxy *self)
{
  gint64 end;
  gboolean any = FALSE;

  for (guint i = 0; i < self->sources->len && !any; i++)
    {
      NtpSourceConfig sc;

      any = ntp_source_config_parse (&sc, g_array_index (self->sources, ProxySource, i).line,
                                     NULL, 0) == 0 && sc.nts;
    }
  if (!any || self->ntsdumpdir == NULL || self->fd < 0)
    return;
  send_msg (self, "nts-dump-now", g_variant_new ("()"));
  end = g_get_monotonic_time () + NTS_DUMP_EXIT_WAIT_MS * 1000;
  while (self->fd >= 0)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = NULL;
      g_autoptr(GVariant) arg = NULL;
      struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
      gint64 left = (end - g_get_monotonic_time ()) / 1000;

      if (left <= 0 || poll (&pfd, 1, (int) left) <= 0)
        break;
      if (!mrd_channel_receive (self->fd, &name, &arg, &error))
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK) ||
              g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
            continue;
          break;
        }
      if (g_str_equal (name, "nts-dump-done"))
        break;
      if (g_str_equal (name, "nts-dump") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("(ss)")))
        handle_nts_dump (self, arg);
    }
}

void
mrd_engine_proxy_free (MrdEngineProxy *self)
{
  if (self == NULL)
    return;
  mrd_sync_set_engine (self->sync, NULL, NULL);
  if (self->drift_timer != 0)
    g_source_remove (self->drift_timer);
  flush_nts_dumps (self);
  close_channel (self);
  g_clear_pointer (&self->launch, mrd_engine_launch_free);
  write_drift (self);
  g_array_unref (self->sources);
  g_ptr_array_unref (self->polled);
  g_array_unref (self->polled_ids);
  g_ptr_array_unref (self->connectivity);
  g_ptr_array_unref (self->directives);
  g_strfreev (self->core_lines);
  for (guint i = 0; i < 2; i++)
    if (self->serve_fds[i] >= 0)
      close (self->serve_fds[i]);
  g_free (self->driftfile);
  g_free (self->ntsdumpdir);
  mrd_statlog_free (self->statlog);
  mrd_keys_free (self->keys);
  g_ptr_array_unref (self->nts_certs);
  g_free (self);
}

GPid
mrd_engine_proxy_get_pid (MrdEngineProxy *self)
{
  return mrd_engine_launch_get_pid (self->launch);
}

void
mrd_engine_proxy_try_write (MrdEngineProxy *self, const char *path,
                            void (*callback) (int err, gpointer user_data), gpointer user_data)
{
  TryWrite *tw;

  if (self->fd < 0)
    {
      callback (-1, user_data);
      return;
    }
  tw = g_new0 (TryWrite, 1);
  tw->callback = callback;
  tw->user_data = user_data;
  g_queue_push_tail (&self->try_writes, tw);
  send_msg (self, "try-write", g_variant_new_string (path));
}
