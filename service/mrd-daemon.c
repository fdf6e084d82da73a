/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-daemon.c — see mrd-daemon.h. */
#include "mrd-daemon.h"

#include <string.h>

#include "mrd-auth.h"
#include "mrd-config.h"
#include "mrd-keyfile.h"
#include "mrd-sourcedir.h"
#include "mrd-sources.h"
#include "mrd-state.h"
#include "mrd-tz-root.h"
#include "mrd-timesync1.h"
#include "privsep/mrd-clock-shared.h"
#include "privsep/mrd-engine-proxy.h"

/* Sources added over D-Bus: this file in the configuration's first sourcedir, else in
 * ROOT/var/lib/meridian/sources/ (chrony.conf(5): sourcedir files end in .sources). */
#define RUNTIME_SOURCES_FILE "meridian-added.sources"

struct _MrdDaemon {
  GObject parent_instance;

  gboolean timedate1_wanted;
  MrdZone *zone;
  MrdSystime *systime;
  MrdSync *sync;
  MrdEngineProxy *engine;

  GDBusConnection *connection;
  MrdAuth *auth;
  MrdBus *bus;
  MrdSources *sources;
  MrdSourcedir *sourcedir;
  MrdKeyfile *keyfile;
  MrdTimesync1 *timesync1;
  guint own_name_id;
  guint own_timesync1_id;
  guint own_timedate1_id;
};

enum { SIGNAL_NAME_LOST, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MrdDaemon, mrd_daemon, G_TYPE_OBJECT)

static void
mrd_daemon_dispose (GObject *object)
{
  MrdDaemon *self = MRD_DAEMON (object);

  /* Pending polkit checks end first, while everything their callbacks touch is alive. */
  g_clear_pointer (&self->auth, mrd_auth_free);
  if (self->own_name_id != 0)
    g_bus_unown_name (self->own_name_id);
  self->own_name_id = 0;
  if (self->own_timedate1_id != 0)
    g_bus_unown_name (self->own_timedate1_id);
  self->own_timedate1_id = 0;
  if (self->own_timesync1_id != 0)
    g_bus_unown_name (self->own_timesync1_id);
  self->own_timesync1_id = 0;
  g_clear_pointer (&self->timesync1, mrd_timesync1_free);
  g_clear_pointer (&self->bus, mrd_bus_free);
  g_clear_pointer (&self->sources, mrd_sources_free);
  g_clear_pointer (&self->engine, mrd_engine_proxy_free);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (mrd_daemon_parent_class)->dispose (object);
}

static void
mrd_daemon_finalize (GObject *object)
{
  MrdDaemon *self = MRD_DAEMON (object);

  g_clear_pointer (&self->engine, mrd_engine_proxy_free);
  g_clear_pointer (&self->sync, mrd_sync_free);
  g_clear_pointer (&self->sourcedir, mrd_sourcedir_free);
  g_clear_pointer (&self->keyfile, mrd_keyfile_free);
  g_clear_pointer (&self->systime, mrd_systime_free);
  g_clear_object (&self->zone);
  G_OBJECT_CLASS (mrd_daemon_parent_class)->finalize (object);
}

static void
mrd_daemon_class_init (MrdDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mrd_daemon_dispose;
  object_class->finalize = mrd_daemon_finalize;

  signals[SIGNAL_NAME_LOST] = g_signal_new ("name-lost", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 0);
}

static void
mrd_daemon_init (MrdDaemon *self)
{
}

/* The configuration's sources go to the synchronization module (a line that does not parse
 * was reported by the configuration reader already), then those added over D-Bus earlier,
 * kept in @runtime_path (which the reader also saw when it lies in a sourcedir: those lines
 * are taken as the run-time ones, so that removing one rewrites the file). */
static void
add_configured_sources (MrdDaemon *self, MrdConfig *config, const char *runtime_path)
{
  g_autoptr(GPtrArray) runtime = mrd_sync_load_sources_file (runtime_path);
  g_autoptr(GHashTable) runtime_set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < runtime->len; i++)
    g_hash_table_add (runtime_set, mrd_sourcedir_normalise (runtime->pdata[i]));
  for (guint i = 0; i < config->sources->len; i++)
    {
      const char *line = g_ptr_array_index (config->sources, i);
      g_autofree char *norm = mrd_sourcedir_normalise (line);
      g_autoptr(GError) error = NULL;
      const char *origin = i < config->source_origins->len
        ? g_ptr_array_index (config->source_origins, i) : NULL;
      guint id;

      if (g_hash_table_contains (runtime_set, norm))
        continue;
      if (!mrd_sync_add_source (self->sync, line, &id, &error))
        g_warning ("%s%sSource '%s' from the configuration: %s, ignoring",
                   origin != NULL ? origin : "", origin != NULL ? ": " : "", line, error->message);
      else if (g_array_index (config->source_in_sourcedir, gboolean, i))
        mrd_sourcedir_adopt (self->sourcedir, line, id);
    }
  mrd_sync_set_sources_path (self->sync, runtime_path);
  for (guint i = 0; i < runtime->len; i++)
    {
      const char *line = g_ptr_array_index (runtime, i);
      g_autoptr(GError) error = NULL;

      if (!mrd_sync_add_source_full (self->sync, line, TRUE, NULL, &error))
        g_warning ("Source '%s' from %s: %s, ignoring", line, runtime_path, error->message);
    }
}

/* Where sources added over D-Bus persist: the first sourcedir that survives a reboot.
 * Distributions list a volatile one first (Debian's chrony.conf: /run/chrony-dhcp, where
 * NetworkManager's hook writes DHCP servers); a source an administrator added must not vanish
 * with it. NULL when every sourcedir is volatile (or none is configured). */
static const char *
first_persistent_sourcedir (const MrdConfig *config)
{
  guint i;

  for (i = 0; config->sourcedirs != NULL && i < config->sourcedirs->len; i++)
    {
      const char *dir = config->sourcedirs->pdata[i];

      if (!g_str_has_prefix (dir, "/run/") && !g_str_has_prefix (dir, "/var/run/") &&
          g_strcmp0 (dir, "/run") != 0 && g_strcmp0 (dir, "/var/run") != 0)
        return dir;
    }
  return NULL;
}

/* A path from the configuration, under the root: every path a configuration names is a
 * system path, relative to the root however the file was given (--config or the default). */
static char *
under_root (const char *root, const char *path)
{
  if (strcmp (root, "/") == 0)
    return g_strdup (path);
  return g_build_filename (root, path, NULL);
}

MrdDaemon *
mrd_daemon_new (const MrdDaemonOptions *options, GError **error)
{
  g_autoptr(MrdDaemon) self = g_object_new (MRD_TYPE_DAEMON, NULL);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(MrdConfig) config = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *state_path = NULL;
  g_autofree char *runtime_sources = NULL;
  const char *persistent_dir;
  const char *root = options->root != NULL && options->root[0] != '\0' ? options->root : "/";
  MrdClock *clock;
  NtpTracking tracking;

  self->timedate1_wanted = options->timedate1;
  /* Every persisted file (state, run-time sources, drift) is resolved beneath the root. */
  mrd_state_set_root (root);
  /* Temporary files a crash left between writing and renaming, before anything is written. */
  {
    guint removed = 0;

    if (!mrd_tz_root_clean_temp_files (root, &removed, &local_error))
      {
        g_warning ("Cannot clean leftover temporary files under %s: %s", root,
                   local_error->message);
        g_clear_error (&local_error);
      }
    else if (removed > 0)
      g_message ("Removed %u temporary file(s) left under %s by an interrupted write", removed,
                 root);
  }
  /* The kernel's zone is the real system's: only with the system clock on the real root. */
  self->zone = mrd_zone_new (root, options->zoneinfo_dir,
                             options->clock_kind == MRD_CLOCK_KIND_SYSTEM && strcmp (root, "/") == 0,
                             error);
  if (self->zone == NULL)
    return NULL;

  if (options->clock_kind == MRD_CLOCK_KIND_SYSTEM)
    clock = mrd_clock_new_system ();
  else if (options->run_engine)
    {
      /* One virtual clock for this process and the engine child: its state in a memfd. */
      clock = mrd_clock_shared_new (options->virtual_offset_s, options->virtual_freq_ppm, error);
      if (clock == NULL)
        return NULL;
    }
  else
    clock = mrd_clock_new_virtual (options->virtual_offset_s, options->virtual_freq_ppm);
  self->systime = mrd_systime_new (clock);
  /* The RTC beside the clock: the machine's for the system clock, a virtual one (its state
   * under the root) for the virtual clock, so that nothing a test does reaches the real one. */
  if (options->clock_kind == MRD_CLOCK_KIND_SYSTEM)
    mrd_systime_set_rtc (self->systime, mrd_rtc_new_device ("/dev/rtc"));
  else
    {
      g_autofree char *rtc_path = g_build_filename (root, "var", "lib", "meridian",
                                                    "virtual-rtc", NULL);

      mrd_systime_set_rtc (self->systime, mrd_rtc_new_virtual (rtc_path));
    }

  state_path = mrd_state_path_for_root (root);
  self->sync = mrd_sync_new (state_path);
  /* Until an NTP engine reports, tracking shows a never-synchronized clock at the clock's
   * own frequency. */
  tracking = *mrd_sync_get_tracking (self->sync);
  tracking.freq_ppm = mrd_clock_get_freq (clock);
  mrd_sync_set_tracking (self->sync, &tracking, "");

  /* --config names a file the administrator trusts, read as named; the default one is read
   * beneath the root. Either way what it names (include, confdir, sourcedir, driftfile) is
   * relative to the root. */
  config_path = options->config_path != NULL
    ? g_strdup (options->config_path)
    : g_build_filename (root, "etc", "meridian", "meridian.conf", NULL);
  config = options->config_path != NULL
    ? mrd_config_load_file_under (config_path, root, &local_error)
    : mrd_config_load_beneath (root, "/etc/meridian/meridian.conf", &local_error);
  if (config == NULL)
    {
      g_warning ("Cannot read %s, using the defaults: %s", config_path, local_error->message);
      g_clear_error (&local_error);
      config = mrd_config_new ();
    }
  if ((persistent_dir = first_persistent_sourcedir (config)) != NULL)
    {
      g_autofree char *dir = under_root (root, persistent_dir);

      runtime_sources = g_build_filename (dir, RUNTIME_SOURCES_FILE, NULL);
    }
  else
    runtime_sources = g_build_filename (root, "var", "lib", "meridian", "sources",
                                        RUNTIME_SOURCES_FILE, NULL);
  /* Files written atomically outside the directories cleaned above (a sourcedir or driftfile
   * the configuration names): their own temporary files only. */
  {
    guint removed = mrd_state_clean_temp_files_of (runtime_sources);

    if (config->driftfile != NULL)
      {
        g_autofree char *drift = under_root (root, config->driftfile);

        removed += mrd_state_clean_temp_files_of (drift);
      }
    if (removed > 0)
      g_message ("Removed %u temporary file(s) left beside %s or the drift file by an "
                 "interrupted write", removed, runtime_sources);
  }
  if (options->run_engine)
    {
      g_autofree char *drift = config->driftfile != NULL
        ? under_root (root, config->driftfile)
        : g_build_filename (root, "var", "lib", "meridian", "drift", NULL);
      g_autofree char *ntsdumpdir = config->ntsdumpdir != NULL
        ? under_root (root, config->ntsdumpdir) : NULL;
      g_autofree char *logdir = config->logdir != NULL ? under_root (root, config->logdir) : NULL;
      g_autoptr(GPtrArray) core = g_ptr_array_new ();
      MrdEngineProxyOptions engine_options = {
        .user = options->engine_user,
        .chroot_dir = options->engine_chroot,
        .socket_path = options->engine_socket,
        .driftfile = drift,
        .ntsdumpdir = ntsdumpdir,
        .logdir = logdir,
        .logbanner = config->logbanner,
        .rtcsync = config->rtcsync,
        .keys = config->keys,
        .verbose = options->verbose,
        .nts_certs = config->nts_certs,
        .nts_cert_sets = config->nts_cert_sets,
        .nosystemcert = config->nosystemcert,
      };

      for (guint i = 0; i < config->core_lines->len; i++)
        g_ptr_array_add (core, config->core_lines->pdata[i]);
      g_ptr_array_add (core, NULL);
      engine_options.core_lines = (GStrv) core->pdata;
      self->engine = mrd_engine_proxy_new (self->sync, clock, &engine_options);
    }
  mrd_sync_set_keys (self->sync, config->keys);
  self->sourcedir = mrd_sourcedir_new (config, runtime_sources);
  self->keyfile = mrd_keyfile_new (config);
  add_configured_sources (self, config, runtime_sources);

  g_info ("Root %s, zoneinfo %s (tzdata %s), %s clock, zone %s, RTC in %s, NTP %s, "
          "%u source(s) configured", root,
          mrd_tzdb_get_zoneinfo_dir (mrd_zone_get_tzdb (self->zone)),
          mrd_tzdb_get_version (mrd_zone_get_tzdb (self->zone)) != NULL
            ? mrd_tzdb_get_version (mrd_zone_get_tzdb (self->zone)) : "?",
          mrd_clock_get_name (clock), mrd_zone_get_timezone (self->zone),
          mrd_zone_get_local_rtc (self->zone) ? "local time" : "UTC",
          mrd_sync_get_enabled (self->sync) ? "on" : "off", mrd_sync_get_n_sources (self->sync));
  return g_steal_pointer (&self);
}

void
mrd_daemon_stop (MrdDaemon *self)
{
  mrd_zone_flush (self->zone);
}

MrdZone *
mrd_daemon_get_zone (MrdDaemon *self)
{
  return self->zone;
}

MrdSystime *
mrd_daemon_get_systime (MrdDaemon *self)
{
  return self->systime;
}

MrdSync *
mrd_daemon_get_sync (MrdDaemon *self)
{
  return self->sync;
}

MrdEngineProxy *
mrd_daemon_get_engine (MrdDaemon *self)
{
  return self->engine;
}

/* ---- the bus ------------------------------------------------------------------------------ */

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  g_info ("Acquired the name %s", name);
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  MrdDaemon *self = user_data;

  if (connection == NULL)
    g_warning ("Lost the connection to the system bus");
  else
    g_warning ("Cannot own the name %s (another process owns it?)", name);
  g_signal_emit (self, signals[SIGNAL_NAME_LOST], 0);
}

static void
on_timedate1_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  if (connection != NULL)
    g_warning ("Cannot own %s (another process, e.g. systemd-timedated, owns it); serving "
               "only " MRD_BUS_NAME ", going on", name);
}

gboolean
mrd_daemon_start (MrdDaemon *self, GDBusConnection *connection, GError **error)
{
  self->connection = g_object_ref (connection);
  self->auth = mrd_auth_new (connection);
  self->bus = mrd_bus_new (self->zone, self->systime, self->sync, self->auth);
  self->sources = mrd_sources_new (self->sync, self->auth, MRD_OBJECT_PATH);
  mrd_sources_set_sourcedir (self->sources, self->sourcedir);
  mrd_sources_set_keyfile (self->sources, self->keyfile);
  self->timesync1 = mrd_timesync1_new (self->sync);
  if (!mrd_bus_register (self->bus, connection, self->timedate1_wanted, error) ||
      !mrd_sources_export (self->sources, connection, error) ||
      !mrd_timesync1_export (self->timesync1, connection, error))
    return FALSE;

  self->own_name_id = g_bus_own_name_on_connection (connection, MRD_BUS_NAME,
                                                    G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                    on_name_acquired, on_name_lost, self, NULL);
  if (self->timedate1_wanted)
    self->own_timedate1_id =
      g_bus_own_name_on_connection (connection, MRD_TIMEDATE1_BUS_NAME,
                                    G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, on_name_acquired,
                                    on_timedate1_name_lost, self, NULL);
  /* timedatectl timesync-status asks this name (a running systemd-timesyncd keeps it). */
  if (self->timedate1_wanted)
    self->own_timesync1_id =
      g_bus_own_name_on_connection (connection, MRD_TIMESYNC1_BUS_NAME,
                                    G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, on_name_acquired,
                                    on_timedate1_name_lost, self, NULL);
  return TRUE;
}
