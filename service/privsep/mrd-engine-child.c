/* mrd-engine-child.c — see mrd-engine-child.h.
 *
 * One thread (the resolver's thread pool aside, service/net/mrd-net.h, for names): the
 * default main context runs the engine's sockets and timer and the channel.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1

#include "mrd-engine-child.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <glib-unix.h>
#include "net/mrd-io-error.h"

#include "mrd-config.h"
#include "net/mrd-nts-module.h"
#include "sync/mrd-mac-module.h"
#include "privsep/mrd-channel.h"
#include "privsep/mrd-clock-shared.h"
#include "privsep/mrd-engine-listen.h"
#include "privsep/mrd-engine-snapshot.h"
#include "privsep/mrd-engine-wire.h"
#include "privsep/mrd-sandbox.h"
#include "sync/mrd-sync-engine.h"
#include "sync/mrd-sync-serve.h"

/* Socket mode: how long a started engine waits for its daemon, and for its hello. */
#define ACCEPT_TIMEOUT_MS 60000
#define HELLO_TIMEOUT_MS 10000

typedef struct {
  int fd;
  MrdClock *clock;
  MrdSyncEngine *engine;
  GMainLoop *loop;
  gboolean enabled;
  int status;
  MrdEngineSnapshot *snapshot;       /* the parent's, once it sent one */
  GVariant *sent_key;                /* the discrete part of the last update sent */
  int serve_fds[2];                  /* server sockets the parent bound (IPv4, IPv6), kept
                                      * for the engine "configure" makes; -1 = none */
  GVariant *clients;                 /* the client log as listed for page 0 of the query
                                      * clients_serial: its later pages come from it */
  guint32 clients_serial;
} Child;

/* "list-clients" (serial, first): the client log from entry @first, at most
 * MRD_WIRE_CLIENTS_PAGE entries, with how many there are in all. Page 0 lists the log anew;
 * the others slice that same listing, so a client heard of meanwhile neither shifts the pages
 * nor shows twice. */
static GVariant *
clients_page (Child *self, guint32 serial, guint32 first)
{
  GVariantBuilder b;
  gsize n, end;

  if (first == 0 || self->clients == NULL || serial != self->clients_serial)
    {
      g_clear_pointer (&self->clients, g_variant_unref);
      self->clients = g_variant_ref_sink (mrd_sync_engine_list_clients (self->engine));
      self->clients_serial = serial;
    }
  n = g_variant_n_children (self->clients);
  end = MIN (n, (gsize) first + MRD_WIRE_CLIENTS_PAGE);
  g_variant_builder_init (&b, G_VARIANT_TYPE (MRD_SYNC_SERVE_CLIENTS));
  for (gsize i = first; i < end; i++)
    {
      g_autoptr(GVariant) client = g_variant_get_child_value (self->clients, i);

      g_variant_builder_add_value (&b, client);
    }
  return g_variant_new ("(uuu@" MRD_SYNC_SERVE_CLIENTS ")", serial, first, (guint32) n,
                        g_variant_builder_end (&b));
}

static void
send_or_quit (Child *self, const char *name, GVariant *arg)
{
  g_autoptr(GError) error = NULL;

  if (!mrd_channel_send (self->fd, name, arg, &error))
    {
      g_message ("%s, exiting", error->message);
      g_main_loop_quit (self->loop);
    }
}

static GVariant *
build_update (Child *self)
{
  g_autoptr(GArray) sources = mrd_sync_engine_list_sources (self->engine);
  GVariantBuilder b;
  NtpTracking t;
  const char *reference = mrd_sync_engine_get_reference_name (self->engine);
  double freq = 0.0, skew = 0.0;
  gboolean have_drift;
  NtpServeCounts served;

  mrd_sync_engine_get_tracking (self->engine, &t);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a" MRD_WIRE_SOURCE));
  for (guint i = 0; i < sources->len; i++)
    {
      MrdSyncSourceInfo *s = &g_array_index (sources, MrdSyncSourceInfo, i);

      g_variant_builder_add (&b, "(uss@" MRD_WIRE_REPORT ")", s->line_id, s->address,
                             s->local_address,
                             mrd_wire_report (&s->report));
    }
  have_drift = mrd_sync_engine_get_drift (self->engine, &freq, &skew);
  mrd_sync_engine_get_serve_counts (self->engine, &served);
  return g_variant_ref_sink (
    g_variant_new ("(@" MRD_WIRE_TRACKING "s@a" MRD_WIRE_SOURCE "(bdd)@" MRD_WIRE_SERVE ")",
                   mrd_wire_tracking (&t), reference, g_variant_builder_end (&b), have_drift,
                   freq, skew, mrd_wire_serve (&served)));
}

/* Every update goes to the snapshot, which the parent reads when a client asks; a message
 * wakes the parent only when @force (a command's answer, the first report, NTP on or off) or
 * when something it announces changed (mrd_wire_discrete_key()). Without a snapshot, or with
 * an update too large for it, every update is sent. */
static void
publish (Child *self, gboolean force)
{
  g_autoptr(GVariant) update = build_update (self);
  g_autoptr(GVariant) key = mrd_wire_discrete_key (update);

  if (self->snapshot == NULL || !mrd_engine_snapshot_write (self->snapshot, update))
    force = TRUE;
  if (!force && self->sent_key != NULL && g_variant_equal (key, self->sent_key))
    return;
  g_clear_pointer (&self->sent_key, g_variant_unref);
  self->sent_key = g_steal_pointer (&key);
  send_or_quit (self, "update", update);
}

static void
send_update (Child *self)
{
  publish (self, TRUE);
}

/* A clock update, a change of sources, or of a source's state or reach (the engine says
 * which, so no timer here polls for them). */
static void
on_engine_updated (MrdSyncEngine *engine, MrdSyncEngineChanged what, gpointer user_data)
{
  publish (user_data, FALSE);
}

static void
send_error (Child *self, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
send_error (Child *self, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  send_or_quit (self, "error", g_variant_new_string (msg));
}

/* A jar worth saving: the parent writes it (ntsdumpdir); the child opens no file. */
static void
on_nts_dump (MrdSyncEngine *engine, const char *name, const char *text, gpointer user_data)
{
  send_or_quit (user_data, "nts-dump", g_variant_new ("(ss)", name, text));
}

/* A statistics log line: the parent writes it (logdir), held to what the core can make. */
static void
on_statlog (MrdSyncEngine *engine, guint kind, const char *line, gpointer user_data)
{
  send_or_quit (user_data, "statlog", g_variant_new ("(us)", kind, line));
}

static void
configure (Child *self, GVariant *arg)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree const char **lines = NULL;
  gboolean rtcsync = FALSE, enabled = TRUE;
  double freq, skew;

  if (self->engine != NULL)
    {
      send_error (self, "configure: already configured");
      return;
    }
  if (g_variant_lookup (arg, "core-lines", "^a&s", &lines))
    for (guint i = 0; lines[i] != NULL; i++)
      g_ptr_array_add (config->core_lines, g_strdup (lines[i]));
  if (g_variant_lookup (arg, "rtcsync", "b", &rtcsync))
    config->rtcsync = rtcsync;
  /* The parent sends the system's trusted certificates with the others ("nts-certs"): the
   * sandboxed engine reads no file. */
  config->nosystemcert = TRUE;
  self->engine = mrd_sync_engine_new (self->clock, config, &error);
  if (self->engine == NULL)
    {
      send_error (self, "configure: %s", error->message);
      g_clear_error (&error);
      /* The parent's configuration was checked by the same parsers; without the core's
       * directives the engine still runs with the defaults. */
      self->engine = mrd_sync_engine_new (self->clock, NULL, NULL);
    }
  for (guint i = 0; i < 2; i++)
    if (self->serve_fds[i] >= 0)
      {
        mrd_sync_engine_set_serve_socket (self->engine, i == 0 ? AF_INET : AF_INET6,
                                          self->serve_fds[i]);
        self->serve_fds[i] = -1;
      }
  if (g_variant_lookup (arg, "drift", "(dd)", &freq, &skew))
    mrd_sync_engine_set_initial_drift (self->engine, freq, skew);
  mrd_sync_engine_set_updated_func (self->engine, on_engine_updated, self);
  mrd_sync_engine_set_nts_dump_func (self->engine, on_nts_dump, self);
  mrd_sync_engine_set_statlog_func (self->engine, on_statlog, self);
  if (g_variant_lookup (arg, "enabled", "b", &enabled) && enabled)
    {
      self->enabled = TRUE;
      mrd_sync_engine_start (self->engine);
    }
  /* The server's sockets, if any, are bound by now: the unit's CAP_NET_BIND_SERVICE is of no
   * more use (in socket mode an engine serves one start of NTP and exits). */
  if (!mrd_sandbox_drop_bind_service (&error))
    send_error (self, "%s", error->message);
  send_update (self);
}

static void
set_enabled (Child *self, gboolean enabled)
{
  if (enabled == self->enabled)
    return;
  self->enabled = enabled;
  if (enabled)
    mrd_sync_engine_start (self->engine);
  else
    {
      /* The last drift goes to the parent while the core still has it. */
      send_update (self);
      mrd_sync_engine_stop (self->engine);
    }
  send_update (self);
}

static void
try_write (Child *self, const char *path)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int e = fd < 0 ? errno : 0;

  if (fd >= 0)
    close (fd);
  g_info ("Debug: opening %s for writing: %s", path, e == 0 ? "done" : g_strerror (e));
  send_or_quit (self, "try-write-result", g_variant_new_int32 (e));
}

static void
take_snapshot (Child *self, int fd)
{
  g_autoptr(GError) error = NULL;

  if (fd < 0)
    {
      send_error (self, "snapshot: no descriptor");
      return;
    }
  g_clear_pointer (&self->snapshot, mrd_engine_snapshot_free);
  self->snapshot = mrd_engine_snapshot_new_from_fd (fd, &error);
  if (self->snapshot == NULL)
    send_error (self, "snapshot: %s", error->message);
  else if (self->engine != NULL)
    send_update (self);
}

/* A server socket the parent bound (port 123 needs a privilege this process lacks): kept for
 * the engine if it is a UDP socket of the family it says. Returns whether it took @fd. */
static gboolean
take_serve_socket (Child *self, GVariant *arg, int fd)
{
  int family, type = 0, domain = 0;
  socklen_t len = sizeof type;

  g_variant_get (arg, "(i)", &family);
  if (fd < 0 || (family != AF_INET && family != AF_INET6)
      || getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_DGRAM
      || (len = sizeof domain, getsockopt (fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
      || domain != family)
    {
      send_error (self, "serve-socket: not a UDP socket of that family");
      return FALSE;
    }
  if (self->engine != NULL)
    mrd_sync_engine_set_serve_socket (self->engine, family, fd);
  else
    {
      int *slot = &self->serve_fds[family == AF_INET6];

      if (*slot >= 0)
        close (*slot);
      *slot = fd;
    }
  return TRUE;
}

static void
dispatch (Child *self, const char *name, GVariant *arg, int fd, gboolean *fd_taken)
{
  g_autoptr(GError) error = NULL;

  if (g_str_equal (name, "configure") && g_variant_is_of_type (arg, G_VARIANT_TYPE_VARDICT))
    {
      configure (self, arg);
      return;
    }
  if (g_str_equal (name, "snapshot"))
    {
      take_snapshot (self, fd);
      *fd_taken = TRUE;
      return;
    }
  if (g_str_equal (name, "serve-socket") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("(i)")))
    {
      *fd_taken = take_serve_socket (self, arg, fd);
      return;
    }
  if (self->engine == NULL)
    {
      send_error (self, "%s before configure", name);
      return;
    }
  if (g_str_equal (name, "list-clients") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("(uu)")))
    {
      guint32 serial, first;

      g_variant_get (arg, "(uu)", &serial, &first);
      send_or_quit (self, "clients", clients_page (self, serial, first));
    }
  else if (g_str_equal (name, "keys") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("a(usay)")))
    {
      if (!mrd_sync_engine_add_keys (self->engine, arg, &error))
        send_error (self, "keys: %s", error->message);
    }
  else if (g_str_equal (name, "rekey") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("a(usay)")))
    {
      if (!mrd_sync_engine_replace_keys (self->engine, arg, &error))
        send_error (self, "rekey: %s", error->message);
    }
  else if (g_str_equal (name, "nts-certs") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("(uay)")))
    {
      guint32 set;
      gsize len = 0;
      g_autoptr(GVariant) pem = NULL;

      const guint8 *data;

      g_variant_get (arg, "(u@ay)", &set, &pem);
      data = g_variant_get_fixed_array (pem, &len, 1);
      if (!mrd_sync_engine_add_nts_certs (self->engine, set, data, len, &error))
        send_error (self, "nts-certs: %s", error->message);
    }
  else if (g_str_equal (name, "nts-dump") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("(ss)")))
    {
      const char *dump_name, *text;

      g_variant_get (arg, "(&s&s)", &dump_name, &text);
      mrd_sync_engine_take_nts_dump (self->engine, dump_name, text, strlen (text));
    }
  else if (g_str_equal (name, "nts-dump-now"))
    {
      mrd_sync_engine_dump_nts (self->engine);
      send_or_quit (self, "nts-dump-done", g_variant_new ("()"));
    }
  else if (g_str_equal (name, "add-source") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("(us)")))
    {
      const char *line;
      guint32 id;
      NtpSourceConfig sc;
      char err[256] = "";

      g_variant_get (arg, "(u&s)", &id, &line);
      ntp_source_config_init (&sc);
      if (ntp_source_config_parse (&sc, line, err, sizeof err) < 0)
        send_error (self, "%s: %s", line, err);
      else if (!mrd_sync_engine_add_source_config (self->engine, line, &sc, id, NULL, &error))
        send_error (self, "%s: %s", line, error->message);
      else
        send_update (self);
    }
  else if (g_str_equal (name, "remove-source") && g_variant_is_of_type (arg, G_VARIANT_TYPE_UINT32))
    {
      if (!mrd_sync_engine_remove_line (self->engine, g_variant_get_uint32 (arg), &error))
        send_error (self, "remove-source: %s", error->message);
      else
        send_update (self);
    }
  else if (g_str_equal (name, "burst"))
    {
      if (!mrd_sync_engine_burst (self->engine))
        send_error (self, "burst: the engine is stopped");
    }
  else if (g_str_equal (name, "refresh"))
    mrd_sync_engine_refresh (self->engine);
  else if (g_str_equal (name, "reselect"))
    {
      if (!mrd_sync_engine_reselect (self->engine))
        send_error (self, "reselect: the engine is stopped");
    }
  else if (g_str_equal (name, "reset-sources"))
    {
      /* The parent's reports drop the measurements now, not at the next update. */
      if (!mrd_sync_engine_reset_sources (self->engine))
        send_error (self, "reset-sources: the engine is stopped");
      else
        send_update (self);
    }
  else if (g_str_equal (name, "modify-source") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("(uss)")))
    {
      const char *option, *value;
      guint32 id;

      /* The option and value are parsed again by the core (ntp_source_config_modify). */
      g_variant_get (arg, "(u&s&s)", &id, &option, &value);
      if (!mrd_sync_engine_modify_line (self->engine, id, option, value, &error))
        send_error (self, "modify-source: %s", error->message);
      else
        send_update (self);
    }
  else if (g_str_equal (name, "burst-sources") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("(uus)")))
    {
      const char *mask_text;
      guint32 good, total;
      MrdSyncMask mask;

      g_variant_get (arg, "(uu&s)", &good, &total, &mask_text);
      if (good > G_MAXINT || total > G_MAXINT)
        send_error (self, "burst-sources: %u/%u out of range", good, total);
      else if (!mrd_sync_mask_parse (mask_text, &mask, &error))
        send_error (self, "burst-sources: %s", error->message);
      else if (mrd_sync_engine_burst_sources (self->engine, (int) good, (int) total, &mask) == 0)
        send_error (self, "burst-sources: no running source matches %s", mask_text);
    }
  else if (g_str_equal (name, "set-directive") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("(ss)")))
    {
      const char *directive, *value;

      /* Parsed again by the core (ntp_config_set_runtime). */
      g_variant_get (arg, "(&s&s)", &directive, &value);
      if (!mrd_sync_engine_set_directive (self->engine, directive, value, &error))
        send_error (self, "set-directive: %s", error->message);
      else
        send_update (self);
    }
  else if (g_str_equal (name, "set-connectivity") && g_variant_is_of_type (arg, G_VARIANT_TYPE ("(ss)")))
    {
      const char *which, *mask_text;
      MrdConnectivity connectivity;
      MrdSyncMask mask;

      /* Checked again here: the parent is trusted, but a message is only ever read as data. */
      g_variant_get (arg, "(&s&s)", &which, &mask_text);
      if (!mrd_connectivity_from_string (which, &connectivity))
        send_error (self, "set-connectivity: unknown connectivity %s", which);
      else if (!mrd_sync_mask_parse (mask_text, &mask, &error))
        send_error (self, "set-connectivity: %s", error->message);
      else
        {
          mrd_sync_engine_set_connectivity (self->engine, connectivity, &mask);
          send_update (self);
        }
    }
  else if (g_str_equal (name, "make-step"))
    {
      if (!mrd_sync_engine_make_step (self->engine))
        send_error (self, "make-step: the engine is stopped");
    }
  else if (g_str_equal (name, "enable") && g_variant_is_of_type (arg, G_VARIANT_TYPE_BOOLEAN))
    set_enabled (self, g_variant_get_boolean (arg));
  else if (g_str_equal (name, "try-write") && g_variant_is_of_type (arg, G_VARIANT_TYPE_STRING))
    try_write (self, g_variant_get_string (arg, NULL));
  else
    send_error (self, "unknown message %s of type %s", name, g_variant_get_type_string (arg));
}

static gboolean
on_channel (int fd, GIOCondition condition, gpointer user_data)
{
  Child *self = user_data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = NULL;
      g_autoptr(GVariant) arg = NULL;
      int passed = -1;

      if (!mrd_channel_receive_with_fd (fd, &name, &arg, &passed, &error))
        {
          if (g_error_matches (error, MRD_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return G_SOURCE_CONTINUE;
          if (g_error_matches (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_DATA))
            {
              g_warning ("Engine channel: %s, ignoring", error->message);
              continue;
            }
          g_info ("Engine channel: %s, exiting", error->message);
          g_main_loop_quit (self->loop);
          return G_SOURCE_CONTINUE;   /* removed by mrd_engine_child_run */
        }
      gboolean taken = FALSE;

      dispatch (self, name, arg, passed, &taken);
      if (passed >= 0 && !taken)
        close (passed);   /* only "snapshot" and "serve-socket" take one */
    }
}

/* Socket mode, a listening socket: while one daemon is served, every other connection is
 * accepted only to be refused (closed at once, said why in the log), so that none waits
 * in the backlog for an engine that will never answer it. */
static gboolean
on_listen (int listen_fd, GIOCondition condition, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  int fd = mrd_engine_listen_accept (listen_fd, 0, &error);

  if (fd < 0)
    return G_SOURCE_CONTINUE;
  if (!mrd_engine_listen_check_peer (fd, &error))
    g_message ("%s", error->message);
  else
    g_message ("Refused a second connection: the engine serves one meridiand at a time");
  close (fd);
  return G_SOURCE_CONTINUE;
}

/* Runs the engine on the channel @fd with @clock (both taken) until the channel closes. */
static int
serve (int fd, MrdClock *clock, int listen_fd)
{
  Child self = { .fd = fd, .clock = clock, .status = 0, .serve_fds = { -1, -1 } };
  guint watch, listen_watch = 0;

  (void) fcntl (self.fd, F_SETFD, FD_CLOEXEC);
  (void) fcntl (self.fd, F_SETFL, fcntl (self.fd, F_GETFL) | O_NONBLOCK);
  self.loop = g_main_loop_new (NULL, FALSE);
  watch = g_unix_fd_add (self.fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_channel, &self);
  if (listen_fd >= 0)
    listen_watch = g_unix_fd_add (listen_fd, G_IO_IN, on_listen, NULL);
  g_main_loop_run (self.loop);
  g_source_remove (watch);
  if (listen_watch != 0)
    g_source_remove (listen_watch);
  /* The channel is closed: nothing more can go to the parent. */
  if (self.engine != NULL)
    mrd_sync_engine_set_nts_dump_func (self.engine, NULL, NULL);
  g_clear_pointer (&self.engine, mrd_sync_engine_free);
  for (guint i = 0; i < 2; i++)
    if (self.serve_fds[i] >= 0)
      close (self.serve_fds[i]);
  g_clear_pointer (&self.snapshot, mrd_engine_snapshot_free);
  g_clear_pointer (&self.sent_key, g_variant_unref);
  g_clear_pointer (&self.clients, g_variant_unref);
  g_main_loop_unref (self.loop);
  mrd_clock_free (self.clock);
  close (self.fd);
  return self.status;
}

/* In a chroot nothing can be loaded later: the modules and the libraries they need (gnutls
 * and its own, nettle) lie outside it, and /proc/self/exe, which finds them, too. So with
 * --engine-chroot the NTS modules and the MAC module are loaded before the sandbox and kept,
 * paying their memory whether a source uses NTS or a SHA3 or AES key or not; without a chroot
 * they are loaded when a source needs them, and the TLS one unloaded between key exchanges
 * (net/mrd-nts-module.h). */
static void
preload_modules_for_chroot (const MrdEngineChildOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) mac_error = NULL;

  if (options->chroot_dir == NULL)
    return;
  if (!mrd_nts_module_keep_loaded (&error))
    g_message ("%s: NTS sources will send nothing in the chroot", error->message);
  if (mrd_mac_module_load (&mac_error) == NULL)
    g_message ("%s: sources with SHA3 or AES keys will send nothing in the chroot",
               mac_error->message);
}

int
mrd_engine_child_run (const MrdEngineChildOptions *options)
{
  g_autoptr(GError) error = NULL;
  MrdClock *clock;

  g_set_prgname ("meridiand-engine");
  if (options->clock_fd >= 0)
    clock = mrd_clock_shared_new_from_fd (options->clock_fd, &error);
  else
    clock = mrd_clock_new_system ();
  if (clock == NULL)
    {
      g_printerr ("meridiand-engine: %s\n", error->message);
      return 1;
    }
  preload_modules_for_chroot (options);
  if (!mrd_sandbox_enter (options->user, options->chroot_dir, FALSE, &error))
    {
      g_printerr ("meridiand-engine: cannot enter the sandbox: %s\n", error->message);
      mrd_clock_free (clock);
      return 1;
    }
  return serve (options->channel_fd, clock, -1);
}

int
mrd_engine_child_run_activated (const MrdEngineChildOptions *options)
{
  g_autoptr(GError) error = NULL;
  gboolean listening = FALSE;
  int listen_fd, fd, clock_fd;
  MrdClock *clock;

  g_set_prgname ("meridiand-engine");
  listen_fd = mrd_engine_listen_take_fd (&listening, &error);
  if (listen_fd < 0)
    {
      g_printerr ("meridiand-engine: %s\n", error->message);
      return 1;
    }
  /* The sandbox first: nothing a peer sends is read outside it. */
  preload_modules_for_chroot (options);
  if (!mrd_sandbox_enter (options->user, options->chroot_dir, listening, &error))
    {
      g_printerr ("meridiand-engine: cannot enter the sandbox: %s\n", error->message);
      return 1;
    }
  if (!listening)
    {
      fd = listen_fd;
      listen_fd = -1;
      if (!mrd_engine_listen_check_peer (fd, &error))
        {
          g_printerr ("meridiand-engine: %s\n", error->message);
          close (fd);
          return 1;
        }
    }
  else
    for (;;)
      {
        /* Started because a connection came: it is waiting. Nobody for a minute means the
         * daemon gave up; systemd starts the engine again on the next connection. */
        fd = mrd_engine_listen_accept (listen_fd, ACCEPT_TIMEOUT_MS, &error);
        if (fd < 0)
          {
            g_printerr ("meridiand-engine: %s, exiting\n", error->message);
            return g_error_matches (error, MRD_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? 0 : 1;
          }
        if (mrd_engine_listen_check_peer (fd, &error))
          break;
        g_printerr ("meridiand-engine: %s\n", error->message);
        g_clear_error (&error);
        close (fd);
      }
  if (!mrd_engine_listen_read_hello (fd, HELLO_TIMEOUT_MS, &clock_fd, &error))
    {
      g_printerr ("meridiand-engine: %s\n", error->message);
      close (fd);
      return 1;
    }
  if (clock_fd >= 0)
    clock = mrd_clock_shared_new_from_fd (clock_fd, &error);
  else
    clock = mrd_clock_new_system ();
  if (clock == NULL)
    {
      g_printerr ("meridiand-engine: %s\n", error->message);
      close (clock_fd);
      close (fd);
      return 1;
    }
  g_info ("Serving meridiand on the passed socket (%s clock)",
          clock_fd >= 0 ? "shared virtual" : "system");
  return serve (fd, clock, listen_fd);
}
