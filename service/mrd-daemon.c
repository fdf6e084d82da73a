/* mrd-daemon.c — see mrd-daemon.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-daemon.h"

#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <glib/gi18n.h>

#include "mrd-args.h"
#include "mrd-auth.h"
#include "mrd-config.h"
#include "mrd-dbus-generated.h"
#include "mrd-error.h"
#include "mrd-props.h"
#include "mrd-sources.h"
#include "mrd-state.h"
#include "mrd-time1.h"
#include "mrd-timedate1.h"
#include "mrd-zones.h"

struct _MrdDaemon {
  GObject parent_instance;

  char *root;
  char *state_path;
  gboolean timedate1_wanted;
  MrdClockKind clock_kind;

  MrdTzdb *tzdb;
  GVariant *timezones;            /* "(as)", the ListTimezones reply, built once */
  GVariant *zones;                /* ListZones' reply, built on first use */
  MrdClock *clock;
  MrdConfig *config;
  MrdState state;
  char *timezone;
  gboolean local_rtc;

  GDBusConnection *connection;
  MrdAuth *auth;
  GDBusObjectManagerServer *manager;
  MrdTime1 *time1;
  MrdTimedate1 *timedate1;
  MrdDBusTime1Tracking *tracking;
  MrdSources *sources;
  guint own_name_id;
  guint own_timedate1_id;
  MrdProps *props;                /* Get/GetAll in the bus worker thread */
  guint filter_id;

  /* Time zone writes are made durable after the reply (mrd_tz_sync_etc in a worker thread),
   * one sync at a time: a change made while one runs asks for another. */
  gboolean sync_running;
  gboolean sync_wanted;
  guint sync_timeout_id;
};

enum { SIGNAL_NAME_LOST, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MrdDaemon, mrd_daemon, G_TYPE_OBJECT)

/* ---- construction ----------------------------------------------------------------------- */

static void
mrd_daemon_dispose (GObject *object)
{
  MrdDaemon *self = MRD_DAEMON (object);

  /* Pending polkit checks end first, while everything their callbacks touch is alive. */
  g_clear_pointer (&self->auth, mrd_auth_free);
  if (self->sync_timeout_id != 0)
    g_source_remove (self->sync_timeout_id);
  self->sync_timeout_id = 0;
  /* The filter may still be running in the worker thread: shutdown() makes it let go of the
   * clock and the skeletons first; its own reference keeps @props alive until GDBus drops it. */
  if (self->props != NULL)
    mrd_props_shutdown (self->props);
  if (self->filter_id != 0)
    g_dbus_connection_remove_filter (self->connection, self->filter_id);
  self->filter_id = 0;
  g_clear_pointer (&self->props, mrd_props_unref);
  if (self->own_name_id != 0)
    g_bus_unown_name (self->own_name_id);
  self->own_name_id = 0;
  if (self->own_timedate1_id != 0)
    g_bus_unown_name (self->own_timedate1_id);
  self->own_timedate1_id = 0;
  if (self->time1 != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->time1));
  if (self->timedate1 != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->timedate1));
  if (self->tracking != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->tracking));
  if (self->sources != NULL)
    g_dbus_interface_skeleton_unexport (mrd_sources_get_skeleton (self->sources));
  g_clear_pointer (&self->sources, mrd_sources_free);
  g_clear_object (&self->time1);
  g_clear_object (&self->timedate1);
  g_clear_object (&self->tracking);
  g_clear_object (&self->manager);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (mrd_daemon_parent_class)->dispose (object);
}

static void
mrd_daemon_finalize (GObject *object)
{
  MrdDaemon *self = MRD_DAEMON (object);

  g_free (self->root);
  g_free (self->state_path);
  g_free (self->timezone);
  g_clear_pointer (&self->timezones, g_variant_unref);
  g_clear_pointer (&self->zones, g_variant_unref);
  g_clear_pointer (&self->tzdb, mrd_tzdb_free);
  g_clear_pointer (&self->clock, mrd_clock_free);
  g_clear_pointer (&self->config, mrd_config_free);
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
  mrd_state_init_defaults (&self->state);
}

MrdDaemon *
mrd_daemon_new (const MrdDaemonOptions *options, GError **error)
{
  g_autoptr(MrdDaemon) self = g_object_new (MRD_TYPE_DAEMON, NULL);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *config_path = NULL;
  g_auto(GStrv) zones = NULL;
  MrdTzSource source = MRD_TZ_SOURCE_DEFAULT;

  self->root = g_strdup (options->root != NULL && options->root[0] != '\0' ? options->root : "/");
  self->timedate1_wanted = options->timedate1;
  self->clock_kind = options->clock_kind;

  self->tzdb = mrd_tzdb_load (options->zoneinfo_dir, error);
  if (self->tzdb == NULL)
    return NULL;
  zones = mrd_tzdb_list_timezones (self->tzdb);
  self->timezones = g_variant_ref_sink (g_variant_new ("(^as)", zones));

  if (options->clock_kind == MRD_CLOCK_KIND_SYSTEM)
    self->clock = mrd_clock_new_system ();
  else
    self->clock = mrd_clock_new_virtual (options->virtual_offset_s, options->virtual_freq_ppm);

  if (!mrd_tz_localtime_read (self->root, self->tzdb, &self->timezone, &source, &local_error))
    {
      g_warning ("Cannot read the time zone under %s, using UTC: %s", self->root,
                 local_error->message);
      g_clear_error (&local_error);
      self->timezone = g_strdup ("UTC");
    }
  if (!mrd_tz_adjtime_read (self->root, &self->local_rtc, &local_error))
    {
      g_warning ("Cannot read adjtime under %s, assuming the RTC keeps UTC: %s", self->root,
                 local_error->message);
      g_clear_error (&local_error);
      self->local_rtc = FALSE;
    }

  self->state_path = mrd_state_path_for_root (self->root);
  if (!mrd_state_load (&self->state, self->state_path, &local_error))
    {
      g_warning ("%s, using the defaults", local_error->message);
      g_clear_error (&local_error);
    }

  config_path = options->config_path != NULL
    ? g_strdup (options->config_path)
    : g_build_filename (self->root, "etc", "meridian", "meridian.conf", NULL);
  self->config = mrd_config_load_file (config_path, &local_error);
  if (self->config == NULL)
    {
      g_warning ("Cannot read %s, using the defaults: %s", config_path, local_error->message);
      g_clear_error (&local_error);
      self->config = mrd_config_new ();
    }

  g_info ("Root %s, zoneinfo %s (tzdata %s), %s clock, zone %s, RTC in %s, NTP %s, "
          "%u source(s) configured",
          self->root, mrd_tzdb_get_zoneinfo_dir (self->tzdb),
          mrd_tzdb_get_version (self->tzdb) != NULL ? mrd_tzdb_get_version (self->tzdb) : "?",
          mrd_clock_get_name (self->clock), self->timezone,
          self->local_rtc ? "local time" : "UTC", self->state.ntp ? "on" : "off",
          self->config->sources->len);
  return g_steal_pointer (&self);
}

/* ---- getters ---------------------------------------------------------------------------- */

const char *
mrd_daemon_get_root (MrdDaemon *self)
{
  return self->root;
}

const char *
mrd_daemon_get_timezone (MrdDaemon *self)
{
  return self->timezone;
}

gboolean
mrd_daemon_get_local_rtc (MrdDaemon *self)
{
  return self->local_rtc;
}

gboolean
mrd_daemon_get_ntp (MrdDaemon *self)
{
  return self->state.ntp;
}

/* The same values the worker thread answers with (mrd-props.c). */
guint64
mrd_daemon_get_time_usec (MrdDaemon *self)
{
  return mrd_props_time_usec (self->clock);
}

guint64
mrd_daemon_get_rtc_time_usec (MrdDaemon *self)
{
  /* The virtual clock has no RTC; timedated also answers 0 when /dev/rtc is missing. */
  return mrd_props_rtc_time_usec (self->clock);
}

MrdProps *
mrd_daemon_get_props (MrdDaemon *self)
{
  return self->props;
}

MrdTzdb *
mrd_daemon_get_tzdb (MrdDaemon *self)
{
  return self->tzdb;
}

MrdClock *
mrd_daemon_get_clock (MrdDaemon *self)
{
  return self->clock;
}

/* ---- announcing --------------------------------------------------------------------------- */

/* Copy the state into both interfaces' properties and send PropertiesChanged now, before the
 * method's reply (as timedated does), so a caller that waits for the reply sees the signal. */
static void
announce (MrdDaemon *self)
{
  MrdDBusTime1 *native = MRD_DBUS_TIME1 (self->time1);

  mrd_dbus_time1_set_timezone (native, self->timezone);
  mrd_dbus_time1_set_local_rtc (native, self->local_rtc);
  mrd_dbus_time1_set_ntp (native, self->state.ntp);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->time1));

  if (self->timedate1 != NULL)
    {
      MrdFdoTimedate1 *fdo = MRD_FDO_TIMEDATE1 (self->timedate1);

      mrd_fdo_timedate1_set_timezone (fdo, self->timezone);
      mrd_fdo_timedate1_set_local_rtc (fdo, self->local_rtc);
      mrd_fdo_timedate1_set_ntp (fdo, self->state.ntp);
      g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->timedate1));
    }
}

/* ---- the kernel's time zone ----------------------------------------------------------- */

/* Tell the kernel the zone's current offset (settimeofday(2) with only a timezone), which it
 * uses for FAT timestamps and an RTC in local time — only when meridiand really owns the
 * system: --clock system on the real root. The kernel's very first settimeofday() call
 * "warps" the clock by the offset it is given (it assumes the RTC kept local time); systemd's
 * PID 1 disarms that at boot with a call giving offset 0. Where PID 1 is not systemd nobody
 * has, so do the same first (RECIPE.md §7 saw the clock jump 9 h without it). */
static void
apply_kernel_timezone (MrdDaemon *self)
{
  static gboolean warp_disarmed = FALSE;
  MrdTzDescription desc;
  struct timezone tz = { 0, 0 };
  g_autoptr(GError) error = NULL;

  if (self->clock_kind != MRD_CLOCK_KIND_SYSTEM || strcmp (self->root, "/") != 0)
    return;
  if (!mrd_tzdb_describe_zone (self->tzdb, self->timezone, g_get_real_time () / G_USEC_PER_SEC,
                               &desc, &error))
    {
      g_warning ("Cannot tell the kernel the time zone: %s, ignoring", error->message);
      return;
    }
  if (!warp_disarmed)
    {
      if (settimeofday (NULL, &tz) < 0)
        {
          g_warning ("Cannot disarm the kernel's first-call clock warp: %s; not telling the "
                     "kernel the time zone", g_strerror (errno));
          return;
        }
      warp_disarmed = TRUE;
    }
  tz.tz_minuteswest = -desc.utc_offset / 60;
  if (settimeofday (NULL, &tz) < 0)
    g_warning ("Cannot tell the kernel the time zone: %s, ignoring", g_strerror (errno));
}

/* ---- durability after the reply --------------------------------------------------------
 * The renames that set the zone are atomic and visible at once; the fsyncs that make them
 * survive a power cut cost milliseconds on a disk (systemd-timedated does none at all), so
 * they run in a worker thread after the method has replied. */

static void start_sync (MrdDaemon *self);

static void
sync_in_thread (GTask *task, gpointer source_object, gpointer task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;

  if (!mrd_tz_sync_etc (task_data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_sync_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  MrdDaemon *self = MRD_DAEMON (source_object);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Cannot flush the time zone files to disk: %s, ignoring", error->message);
  self->sync_running = FALSE;
  if (self->sync_wanted)
    start_sync (self);
}

static void
start_sync (MrdDaemon *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->sync_running)
    {
      self->sync_wanted = TRUE;
      return;
    }
  self->sync_wanted = FALSE;
  self->sync_running = TRUE;
  task = g_task_new (self, NULL, on_sync_done, NULL);
  g_task_set_task_data (task, g_strdup (self->root), g_free);
  g_task_run_in_thread (task, sync_in_thread);
}

static gboolean
on_sync_timeout (gpointer user_data)
{
  MrdDaemon *self = user_data;

  self->sync_timeout_id = 0;
  start_sync (self);
  return G_SOURCE_REMOVE;
}

/* A burst of changes (a script, a benchmark, 20 callers at once) shares one sync a moment
 * later, instead of each change's fsyncs slowing down the next change's renames. */
#define SYNC_DELAY_MS 50

static void
schedule_sync (MrdDaemon *self)
{
  if (self->sync_timeout_id == 0)
    self->sync_timeout_id = g_timeout_add (SYNC_DELAY_MS, on_sync_timeout, self);
}

void
mrd_daemon_stop (MrdDaemon *self)
{
  g_autoptr(GError) error = NULL;

  /* Let a running sync finish (its callback needs the main context), then do any last one
   * here, so nothing set over the bus is left unflushed at exit. */
  if (self->sync_timeout_id != 0)
    {
      g_source_remove (self->sync_timeout_id);
      self->sync_timeout_id = 0;
      self->sync_wanted = TRUE;
    }
  while (self->sync_running)
    g_main_context_iteration (NULL, TRUE);
  if (self->sync_wanted)
    {
      self->sync_wanted = FALSE;
      if (!mrd_tz_sync_etc (self->root, &error))
        g_warning ("Cannot flush the time zone files to disk: %s", error->message);
    }
}

/* ---- the methods ---------------------------------------------------------------------------
 * One Call per method call carries the arguments across the polkit check. The invocation's
 * reference is consumed by exactly one reply. */

typedef struct {
  MrdDaemon *daemon;
  GDBusMethodInvocation *invocation;
  char *zone;
  gboolean enable;         /* SetNTP: use_ntp; SetLocalRTC: local_rtc */
  gboolean fix_system;
  gint64 usec;
  gint64 received_mono;
} Call;

static Call *
call_new (MrdDaemon *self, GDBusMethodInvocation *invocation)
{
  Call *call = g_new0 (Call, 1);

  call->daemon = g_object_ref (self);
  call->invocation = invocation;
  call->received_mono = g_get_monotonic_time ();
  return call;
}

static void
call_free (Call *call)
{
  g_object_unref (call->daemon);
  g_free (call->zone);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

static void
authorize (Call *call, gboolean interactive, GAsyncReadyCallback callback)
{
  mrd_auth_check_async (call->daemon->auth, call->invocation, interactive, callback, call);
}

/* SetTimezone */

static void
on_set_timezone_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  MrdDaemon *self = call->daemon;
  g_autoptr(GError) error = NULL;
  MrdTzDescription desc = { 0 };

  if (!mrd_auth_check_finish (self->auth, result, &error))
    {
      mrd_error_return (call->invocation, error);
      return;
    }
  /* Another call may have set the same zone while this one waited on polkit. */
  if (g_strcmp0 (self->timezone, call->zone) == 0)
    {
      g_dbus_method_invocation_return_value (call->invocation, NULL);
      return;
    }
  if (!mrd_tz_localtime_write_full (self->root, call->zone, MRD_TZ_WRITE_NO_SYNC, &error))
    {
      g_warning ("Failed to set time zone to %s: %s", call->zone, error->message);
      g_dbus_method_invocation_return_error (call->invocation, MRD_ERROR, MRD_ERROR_FAILED,
                                             _("Failed to set time zone: %s"), error->message);
      return;
    }
  g_free (self->timezone);
  self->timezone = g_strdup (call->zone);
  schedule_sync (self);
  apply_kernel_timezone (self);
  announce (self);
  g_dbus_method_invocation_return_value (call->invocation, NULL);

  /* The log line's abbreviation needs the zone's TZif file read and parsed: after the reply,
   * so the caller does not wait for it (integration.md, SetTimezone latency). */
  (void) mrd_tzdb_describe_zone (self->tzdb, call->zone,
                                 mrd_clock_now_usec (self->clock) / G_USEC_PER_SEC, &desc, NULL);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "TIMEZONE", call->zone,
                    "TIMEZONE_SHORTNAME", desc.abbreviation,
                    "MESSAGE", "Changed time zone to '%s' (%s).", call->zone,
                    desc.abbreviation);
}

void
mrd_daemon_set_timezone (MrdDaemon *self, GDBusMethodInvocation *invocation, const char *zone,
                         gboolean interactive)
{
  g_autoptr(GError) error = NULL;
  Call *call;

  if (!mrd_tzdb_validate_zone (self->tzdb, zone, &error))
    {
      g_debug ("Refusing time zone: %s", error->message);
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                             _("Invalid or not installed time zone: %s"),
                                             error->message);
      return;
    }
  if (g_strcmp0 (self->timezone, zone) == 0)
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  call = call_new (self, invocation);
  call->zone = g_strdup (zone);
  authorize (call, interactive, on_set_timezone_authorized);
}

/* SetNTP */

static void
on_set_ntp_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  MrdDaemon *self = call->daemon;
  g_autoptr(GError) error = NULL;
  MrdState new_state = self->state;

  if (!mrd_auth_check_finish (self->auth, result, &error))
    {
      mrd_error_return (call->invocation, error);
      return;
    }
  if (self->state.ntp != call->enable)
    {
      new_state.ntp = call->enable;
      if (!mrd_state_save (&new_state, self->state_path, &error))
        {
          g_warning ("Failed to save the NTP setting: %s", error->message);
          g_dbus_method_invocation_return_error (call->invocation, MRD_ERROR, MRD_ERROR_FAILED,
                                                 _("Failed to save the NTP setting: %s"),
                                                 error->message);
          return;
        }
      self->state = new_state;
      /* NTP itself arrives with the NTP engine (a later issue); the setting is kept. */
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                        "NTP", self->state.ntp ? "yes" : "no",
                        "MESSAGE", "Set NTP to %s.", self->state.ntp ? "enabled" : "disabled");
      announce (self);
    }
  g_dbus_method_invocation_return_value (call->invocation, NULL);
}

void
mrd_daemon_set_ntp (MrdDaemon *self, GDBusMethodInvocation *invocation, gboolean use_ntp,
                    gboolean interactive)
{
  Call *call = call_new (self, invocation);

  /* Like timedated 252, SetNTP is authorized even when the value would not change (it
   * restarts the NTP service there); CanNTP is always true here, so no NoNTPSupport. */
  call->enable = use_ntp;
  authorize (call, interactive, on_set_ntp_authorized);
}

/* SetTime */

static void
on_set_time_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  MrdDaemon *self = call->daemon;
  g_autoptr(GError) error = NULL;
  gint64 target;

  if (!mrd_auth_check_finish (self->auth, result, &error))
    {
      mrd_error_return (call->invocation, error);
      return;
    }
  if (self->state.ntp)
    {
      /* NTP was turned on while this call waited. */
      g_dbus_method_invocation_return_error_literal (call->invocation, MRD_ERROR,
                                                     MRD_ERROR_AUTOMATIC_TIME_SYNC_ENABLED,
                                                     _("Automatic time synchronization is enabled"));
      return;
    }
  target = mrd_args_adjust_for_delay (call->usec, call->received_mono, g_get_monotonic_time ());
  /* call->usec was checked before polkit; the wait may still have carried it past the end
   * of the range. Checked before the ns multiplication, which it keeps from overflowing. */
  if (!mrd_clock_usec_is_settable (target))
    {
      mrd_args_set_time_out_of_range_error (&error);
      mrd_error_return (call->invocation, error);
      return;
    }
  if (!mrd_clock_set_ns (self->clock, target * 1000, &error))
    {
      /* EINVAL from clock_settime(2) is InvalidArgs, as timedated's sd_bus_error_set_errnof()
       * maps it; anything else (EPERM without CAP_SYS_TIME…) is a failure of ours. */
      gboolean invalid = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);

      g_warning ("Failed to set local time: %s", error->message);
      g_dbus_method_invocation_return_error (call->invocation,
                                             invalid ? G_DBUS_ERROR : MRD_ERROR,
                                             invalid ? G_DBUS_ERROR_INVALID_ARGS : MRD_ERROR_FAILED,
                                             _("Failed to set local time: %s"), error->message);
      return;
    }
  {
    g_autofree char *realtime = g_strdup_printf ("%" G_GINT64_FORMAT, target);
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (target / G_USEC_PER_SEC);
    g_autofree char *text = dt != NULL ? g_date_time_format_iso8601 (dt) : g_strdup ("?");

    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      "REALTIME", realtime,
                      "CLOCK", mrd_clock_get_name (self->clock),
                      "MESSAGE", "Changed local time to %s (%s clock)", text,
                      mrd_clock_get_name (self->clock));
  }
  g_dbus_method_invocation_return_value (call->invocation, NULL);
}

void
mrd_daemon_set_time (MrdDaemon *self, GDBusMethodInvocation *invocation, gint64 usec_utc,
                     gboolean relative, gboolean interactive)
{
  g_autoptr(GError) error = NULL;
  MrdSetTimeAction action;
  gint64 target = 0;
  Call *call;

  if (self->state.ntp)
    {
      g_dbus_method_invocation_return_error_literal (invocation, MRD_ERROR,
                                                     MRD_ERROR_AUTOMATIC_TIME_SYNC_ENABLED,
                                                     _("Automatic time synchronization is enabled"));
      return;
    }
  if (!mrd_args_set_time_target (usec_utc, relative, mrd_clock_now_usec (self->clock), &target,
                                 &action, &error))
    {
      mrd_error_return (invocation, error);
      return;
    }
  if (action == MRD_SET_TIME_NOOP)
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  call = call_new (self, invocation);
  call->usec = target;
  authorize (call, interactive, on_set_time_authorized);
}

/* SetLocalRTC */

static void
on_set_local_rtc_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  MrdDaemon *self = call->daemon;
  g_autoptr(GError) error = NULL;

  if (!mrd_auth_check_finish (self->auth, result, &error))
    {
      mrd_error_return (call->invocation, error);
      return;
    }
  if (self->local_rtc != call->enable)
    {
      if (!mrd_tz_adjtime_write (self->root, call->enable, &error))
        {
          g_warning ("Failed to set RTC to %s: %s", call->enable ? "local" : "UTC",
                     error->message);
          g_dbus_method_invocation_return_error (call->invocation, MRD_ERROR, MRD_ERROR_FAILED,
                                                 call->enable
                                                   ? _("Failed to set RTC to local time: %s")
                                                   : _("Failed to set RTC to UTC: %s"),
                                                 error->message);
          return;
        }
      self->local_rtc = call->enable;
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                        "LOCAL_RTC", self->local_rtc ? "yes" : "no",
                        "MESSAGE", "RTC configured to %s time.",
                        self->local_rtc ? "local" : "UTC");
      announce (self);
    }
  /* fix_system would set the clock from the RTC (or the RTC from the clock): neither clock
   * backend has an RTC yet, so there is nothing to synchronize. */
  if (call->fix_system)
    g_debug ("SetLocalRTC: no RTC to synchronize with, fix_system has no effect");
  g_dbus_method_invocation_return_value (call->invocation, NULL);
}

void
mrd_daemon_set_local_rtc (MrdDaemon *self, GDBusMethodInvocation *invocation,
                          gboolean local_rtc, gboolean fix_system, gboolean interactive)
{
  Call *call;

  if (self->local_rtc == !!local_rtc && !fix_system)
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  call = call_new (self, invocation);
  call->enable = !!local_rtc;
  call->fix_system = !!fix_system;
  authorize (call, interactive, on_set_local_rtc_authorized);
}

void
mrd_daemon_list_timezones (MrdDaemon *self, GDBusMethodInvocation *invocation)
{
  g_dbus_method_invocation_return_value (invocation, self->timezones);
}

void
mrd_daemon_list_zones (MrdDaemon *self, GDBusMethodInvocation *invocation)
{
  if (self->zones == NULL)
    self->zones = g_variant_ref_sink (mrd_zones_build_list_reply (self->tzdb));
  g_dbus_method_invocation_return_value (invocation, self->zones);
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
    {
      g_warning ("Lost the connection to the system bus");
      g_signal_emit (self, signals[SIGNAL_NAME_LOST], 0);
      return;
    }
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

static void
init_properties (MrdDaemon *self)
{
  MrdDBusTime1 *native = MRD_DBUS_TIME1 (self->time1);

  mrd_dbus_time1_set_can_ntp (native, TRUE);
  mrd_dbus_time1_set_ntpsynchronized (native, FALSE);
  if (self->timedate1 != NULL)
    {
      MrdFdoTimedate1 *fdo = MRD_FDO_TIMEDATE1 (self->timedate1);

      mrd_fdo_timedate1_set_can_ntp (fdo, TRUE);
      mrd_fdo_timedate1_set_ntpsynchronized (fdo, FALSE);
    }
  /* Until the NTP engine runs (a later issue), tracking says what `chronyc tracking` says for
   * a clock that has never been synchronized. */
  g_object_set (self->tracking,
                "reference-id", (guint) 0,
                "reference-name", "",
                "stratum", (guchar) 0,
                "ref-time-usec", (guint64) 0,
                "leap-status", "Not synchronised",
                "synchronized", FALSE,
                "frequency", mrd_clock_get_freq (self->clock),
                NULL);
  announce (self);
}

gboolean
mrd_daemon_start (MrdDaemon *self, GDBusConnection *connection, GError **error)
{
  guint i;

  self->connection = g_object_ref (connection);
  self->auth = mrd_auth_new (connection, error);
  if (self->auth == NULL)
    return FALSE;

  self->time1 = mrd_time1_new (self);
  self->tracking = mrd_dbus_time1_tracking_skeleton_new ();
  if (self->timedate1_wanted)
    self->timedate1 = mrd_timedate1_new (self);

  /* The manager lives at the service's own path: sources appear below it as
   * /org/meridian/Time1/sources/N; the service's interfaces are exported on the path itself. */
  self->manager = g_dbus_object_manager_server_new (MRD_OBJECT_PATH);
  self->sources = mrd_sources_new (self->manager, self->auth);
  for (i = 0; i < self->config->sources->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *path = mrd_sources_add (self->sources,
                                               g_ptr_array_index (self->config->sources, i),
                                               &local_error);
      if (path == NULL)
        g_warning ("Source '%s' from the configuration: %s, ignoring",
                   (const char *) g_ptr_array_index (self->config->sources, i),
                   local_error->message);
    }

  init_properties (self);
  self->props = mrd_props_new (self->clock);
  mrd_props_add_object (self->props, G_DBUS_INTERFACE_SKELETON (self->time1), MRD_OBJECT_PATH);
  if (self->timedate1 != NULL)
    mrd_props_add_object (self->props, G_DBUS_INTERFACE_SKELETON (self->timedate1),
                          MRD_TIMEDATE1_OBJECT_PATH);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->time1), connection,
                                         MRD_OBJECT_PATH, error) ||
      !g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->tracking), connection,
                                         MRD_OBJECT_PATH, error) ||
      !g_dbus_interface_skeleton_export (mrd_sources_get_skeleton (self->sources), connection,
                                         MRD_OBJECT_PATH, error))
    return FALSE;
  g_dbus_object_manager_server_set_connection (self->manager, connection);
  if (self->timedate1 != NULL &&
      !g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->timedate1), connection,
                                         MRD_TIMEDATE1_OBJECT_PATH, error))
    return FALSE;

  self->filter_id = mrd_props_install (self->props, connection);
  self->own_name_id = g_bus_own_name_on_connection (connection, MRD_BUS_NAME,
                                                    G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                    on_name_acquired, on_name_lost, self, NULL);
  if (self->timedate1 != NULL)
    self->own_timedate1_id =
      g_bus_own_name_on_connection (connection, MRD_TIMEDATE1_BUS_NAME,
                                    G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, on_name_acquired,
                                    on_timedate1_name_lost, self, NULL);
  return TRUE;
}
