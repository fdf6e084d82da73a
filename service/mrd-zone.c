/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-zone.c — see mrd-zone.h. */
#include "mrd-zone.h"

#include <errno.h>
#include <malloc.h>
#include <string.h>
#include <sys/time.h>

#include "mrd-zones.h"

struct _MrdZone {
  GObject parent_instance;

  char *root;
  gboolean tell_kernel;
  char *zoneinfo_dir;
  MrdTzdb *tzdb;                  /* loaded when needed, dropped when idle: tzdb() */
  guint tzdb_drop_id;
  GVariant *timezones;            /* ListTimezones' reply, built on first use */
  GVariant *zones;                /* ListZones' reply, built on first use */
  char *timezone;
  gboolean local_rtc;

  /* Zone writes are made durable after the reply (mrd_tz_sync_etc in a worker thread), one
   * flush at a time: a change made while one runs asks for another. */
  gboolean sync_running;
  gboolean sync_wanted;
  guint sync_timeout_id;
};

G_DEFINE_FINAL_TYPE (MrdZone, mrd_zone, G_TYPE_OBJECT)

static void
mrd_zone_finalize (GObject *object)
{
  MrdZone *self = MRD_ZONE (object);

  if (self->sync_timeout_id != 0)
    g_source_remove (self->sync_timeout_id);
  if (self->tzdb_drop_id != 0)
    g_source_remove (self->tzdb_drop_id);
  g_free (self->root);
  g_free (self->zoneinfo_dir);
  g_free (self->timezone);
  g_clear_pointer (&self->timezones, g_variant_unref);
  g_clear_pointer (&self->zones, g_variant_unref);
  g_clear_pointer (&self->tzdb, mrd_tzdb_free);
  G_OBJECT_CLASS (mrd_zone_parent_class)->finalize (object);
}

static void
mrd_zone_class_init (MrdZoneClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mrd_zone_finalize;
}

static void
mrd_zone_init (MrdZone *self)
{
}

/* A reply kept for every later call is kept serialized. Built by g_variant_new() or a builder
 * it is a tree of one GVariant per value (ListZones': some 700 KiB of heap, ListTimezones'
 * 60 KiB); serialized it is its D-Bus bytes (a tenth of that), and GDBus writes a message
 * from either form alike. */
static GVariant *
keep_serialized (GVariant *reply)
{
  GVariant *kept = g_variant_ref_sink (reply);

  (void) g_variant_get_data (kept);   /* serializes in place and frees the tree */
  return kept;
}

/* ---- the zone database, kept only while in use ----------------------------------------
 * The tables (tzdata.zi, zone1970.tab, zone.tab, iso3166.tab: names, links, countries) are
 * some thousands of small allocations, about 0.2 MiB of heap, which only zone calls read:
 * `timedatectl status`, GNOME Settings and an idle daemon never do. So they are loaded when
 * a call needs them and dropped, with the replies built from them, once no call has needed
 * them for TZDB_IDLE_S (systemd-timedated itself exits after 30 s without calls); the heap
 * pages they held go back to the kernel (malloc_trim). Reloading takes milliseconds, and
 * picks up a tzdata package updated meanwhile. Every user of the tables is synchronous, so
 * none holds them across a main loop iteration, when the drop may run. */
#define TZDB_IDLE_S 30

static gboolean
on_tzdb_idle (gpointer user_data)
{
  MrdZone *self = user_data;

  self->tzdb_drop_id = 0;
  g_clear_pointer (&self->tzdb, mrd_tzdb_free);
  g_clear_pointer (&self->timezones, g_variant_unref);
  g_clear_pointer (&self->zones, g_variant_unref);
  (void) malloc_trim (0);
  return G_SOURCE_REMOVE;
}

static MrdTzdb *
tzdb (MrdZone *self)
{
  if (self->tzdb == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->tzdb = mrd_tzdb_load (self->zoneinfo_dir, &error);
      if (self->tzdb == NULL)
        {
          /* Loaded once at start-up, so the tables were there: tzdata is being reinstalled,
           * or was removed. Know UTC alone until a later call finds the tables again. */
          g_warning ("Cannot load the time zone tables again, knowing only UTC: %s",
                     error->message);
          self->tzdb = mrd_tzdb_new_utc_only (self->zoneinfo_dir);
        }
    }
  if (self->tzdb_drop_id != 0)
    g_source_remove (self->tzdb_drop_id);
  self->tzdb_drop_id = g_timeout_add_seconds (TZDB_IDLE_S, on_tzdb_idle, self);
  return self->tzdb;
}

MrdZone *
mrd_zone_new (const char *root, const char *zoneinfo_dir, gboolean tell_kernel, GError **error)
{
  g_autoptr(MrdZone) self = g_object_new (MRD_TYPE_ZONE, NULL);
  g_autoptr(GError) local_error = NULL;
  MrdTzSource source = MRD_TZ_SOURCE_DEFAULT;

  self->root = g_strdup (root);
  self->tell_kernel = tell_kernel;
  self->zoneinfo_dir = g_strdup (zoneinfo_dir);
  /* Without the tables at start-up the daemon does not start (later, tzdb() makes do). */
  self->tzdb = mrd_tzdb_load (zoneinfo_dir, error);
  if (self->tzdb == NULL)
    return NULL;

  /* After a crash between the renames of a zone change the files may disagree: bring
   * /etc/timezone and sysconfig/clock in line with /etc/localtime, what every program reads. */
  {
    /* A repair is logged once, by mrd_tz_localtime_repair() (with the zone). */
    if (!mrd_tz_localtime_repair (self->root, tzdb (self), NULL, &local_error))
      {
        g_warning ("Cannot bring the zone files under %s in line with %s/etc/localtime: %s",
                   self->root, self->root, local_error->message);
        g_clear_error (&local_error);
      }
  }
  if (!mrd_tz_localtime_read (self->root, tzdb (self), &self->timezone, &source, &local_error))
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
  return g_steal_pointer (&self);
}

const char *
mrd_zone_get_root (MrdZone *self)
{
  return self->root;
}

const char *
mrd_zone_get_timezone (MrdZone *self)
{
  return self->timezone;
}

gboolean
mrd_zone_get_local_rtc (MrdZone *self)
{
  return self->local_rtc;
}

MrdTzdb *
mrd_zone_get_tzdb (MrdZone *self)
{
  return tzdb (self);
}

/* Both lists are built on first use: `timedatectl status`, GNOME Settings and most systems
 * never ask for them, and a tree built at start-up (ListTimezones': some 100 KiB) stays in the
 * daemon's heap after it is freed (GLib's slice allocator keeps it). */
GVariant *
mrd_zone_get_timezones_reply (MrdZone *self)
{
  if (self->timezones == NULL)
    {
      g_auto(GStrv) names = mrd_tzdb_list_timezones (tzdb (self));

      self->timezones = keep_serialized (g_variant_new ("(^as)", names));
    }
  return self->timezones;
}

GVariant *
mrd_zone_get_zones_reply (MrdZone *self)
{
  if (self->zones == NULL)
    self->zones = keep_serialized (mrd_zones_build_list_reply (tzdb (self)));
  return self->zones;
}

/* Names outside tzdata's own tables that systemd-timedated accepts because a TZif file of
 * that name exists under /usr/share/zoneinfo (it checks only the file):
 * - "posix/NAME": zic's copy of NAME without leap seconds, the same rules as NAME itself (the
 *   files are identical). Accepted, as an alias: NAME is what is written and shown, so every
 *   reader (the files under /etc, DescribeZone, start-up) sees a name of the tables.
 * - "right/NAME": NAME with leap seconds, which assumes a clock that counts them (TAI − 10 s).
 *   The system clock, NTP and meridiand keep POSIX time, so every local time would be shown
 *   off by the leap seconds so far (27 s): refused.
 * - "localtime" (a link to /etc/localtime: /etc/localtime would point at itself) and
 *   "posixrules" (the rules zic applies to POSIX TZ strings, not a place): refused as before,
 *   since neither is in the tables. */
#define POSIX_PREFIX "posix/"
#define RIGHT_PREFIX "right/"

const char *
mrd_zone_canonical_name (const char *zone)
{
  if (zone != NULL && g_str_has_prefix (zone, POSIX_PREFIX))
    return zone + strlen (POSIX_PREFIX);
  return zone;
}

gboolean
mrd_zone_validate (MrdZone *self, const char *zone, GError **error)
{
  if (zone != NULL && g_str_has_prefix (zone, RIGHT_PREFIX) &&
      mrd_tzdb_validate_zone (tzdb (self), zone + strlen (RIGHT_PREFIX), NULL))
    {
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_UNKNOWN_ZONE,
                   "“%s” counts leap seconds, which the system clock does not: local times "
                   "would be shown off by the leap seconds so far; use “%s”", zone,
                   zone + strlen (RIGHT_PREFIX));
      return FALSE;
    }
  return mrd_tzdb_validate_zone (tzdb (self), mrd_zone_canonical_name (zone), error);
}

gint
mrd_zone_utc_offset_at (MrdZone *self, gint64 utc_s)
{
  MrdTzDescription desc = { 0 };
  g_autoptr(GError) error = NULL;

  if (!mrd_tzdb_describe_zone (tzdb (self), self->timezone, utc_s, &desc, &error))
    {
      g_warning ("Cannot read the rules of %s, taking UTC: %s", self->timezone, error->message);
      return 0;
    }
  return desc.utc_offset;
}

/* ---- the kernel's time zone -----------------------------------------------------------
 * Tell the kernel the zone's current offset (settimeofday(2) with only a timezone), which it
 * uses for FAT timestamps and an RTC in local time. The kernel's very first settimeofday()
 * call "warps" the clock by the offset it is given (it assumes the RTC kept local time);
 * systemd's PID 1 disarms that at boot with a call giving offset 0. Where PID 1 is not
 * systemd nobody has, so do the same first (without it, a first call with UTC+9 jumps the
 * clock by 9 h). */
static void
apply_kernel_timezone (MrdZone *self)
{
  static gboolean warp_disarmed = FALSE;
  MrdTzDescription desc;
  struct timezone tz = { 0, 0 };
  g_autoptr(GError) error = NULL;

  if (!self->tell_kernel)
    return;
  if (!mrd_tzdb_describe_zone (tzdb (self), self->timezone, g_get_real_time () / G_USEC_PER_SEC,
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

static void start_sync (MrdZone *self);

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
  MrdZone *self = MRD_ZONE (source_object);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Cannot flush the time zone files to disk: %s, ignoring", error->message);
  self->sync_running = FALSE;
  if (self->sync_wanted)
    start_sync (self);
}

static void
start_sync (MrdZone *self)
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
  MrdZone *self = user_data;

  self->sync_timeout_id = 0;
  start_sync (self);
  return G_SOURCE_REMOVE;
}

/* A burst of changes (a script, 20 callers at once) shares one flush a moment later, instead
 * of each change's fsyncs slowing down the next change's renames. */
#define SYNC_DELAY_MS 50

static void
schedule_sync (MrdZone *self)
{
  if (self->sync_timeout_id == 0)
    self->sync_timeout_id = g_timeout_add (SYNC_DELAY_MS, on_sync_timeout, self);
}

void
mrd_zone_flush (MrdZone *self)
{
  g_autoptr(GError) error = NULL;

  /* Let a running flush finish (its callback needs the main context), then do any last one
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

/* ---- changes ------------------------------------------------------------------------------ */

typedef struct {
  MrdZone *zone;
  char *name;
} LogData;

static LogData *
log_data_new (MrdZone *self, const char *name)
{
  LogData *d = g_new0 (LogData, 1);

  d->zone = g_object_ref (self);
  d->name = g_strdup (name);
  return d;
}

static void
log_data_free (gpointer data)
{
  LogData *d = data;

  g_object_unref (d->zone);
  g_free (d->name);
  g_free (d);
}

static gboolean
log_zone_change (gpointer data)
{
  LogData *d = data;
  MrdTzDescription desc = { 0 };

  (void) mrd_tzdb_describe_zone (tzdb (d->zone), d->name, g_get_real_time () / G_USEC_PER_SEC,
                                 &desc, NULL);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "TIMEZONE", d->name,
                    "TIMEZONE_SHORTNAME", desc.abbreviation,
                    "MESSAGE", "Changed time zone to '%s' (%s).", d->name, desc.abbreviation);
  return G_SOURCE_REMOVE;
}

gboolean
mrd_zone_is_current (MrdZone *self, const char *zone)
{
  return g_strcmp0 (self->timezone, zone) == 0 &&
         mrd_tz_localtime_is_current_in (self->root, tzdb (self), zone);
}

gboolean
mrd_zone_set_timezone (MrdZone *self, const char *zone, GError **error)
{
  if (mrd_zone_is_current (self, zone))
    return TRUE;
  if (!mrd_tz_localtime_write_full (self->root, zone, MRD_TZ_WRITE_NO_SYNC, error))
    return FALSE;
  g_free (self->timezone);
  self->timezone = g_strdup (zone);
  schedule_sync (self);
  apply_kernel_timezone (self);

  /* The log line's abbreviation needs the zone's TZif file read: after the caller's reply. */
  g_idle_add_full (G_PRIORITY_LOW, log_zone_change, log_data_new (self, zone), log_data_free);
  return TRUE;
}

gboolean
mrd_zone_set_local_rtc (MrdZone *self, gboolean local_rtc, GError **error)
{
  local_rtc = !!local_rtc;
  if (self->local_rtc == local_rtc)
    return TRUE;
  if (!mrd_tz_adjtime_write (self->root, local_rtc, error))
    return FALSE;
  self->local_rtc = local_rtc;
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "LOCAL_RTC", local_rtc ? "yes" : "no",
                    "MESSAGE", "RTC configured to %s time.", local_rtc ? "local" : "UTC");
  return TRUE;
}
