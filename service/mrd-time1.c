/* mrd-time1.c — see mrd-time1.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-time1.h"
#include "mrd-args.h"
#include "mrd-daemon.h"
#include "mrd-error.h"
#include "mrd-zones.h"

#include <glib/gi18n.h>

struct _MrdTime1 {
  MrdDBusTime1Skeleton parent_instance;
  MrdDaemon *daemon;
};

G_DEFINE_FINAL_TYPE (MrdTime1, mrd_time1, MRD_DBUS_TYPE_TIME1_SKELETON)

/* TimeUSec and RTCTimeUSec are read when asked, never cached: overriding the skeleton's
 * properties routes its Get/GetAll (which read the GObject property) through here. */
enum { PROP_0, PROP_TIME_USEC, PROP_RTC_TIME_USEC };

static void
mrd_time1_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MrdTime1 *self = MRD_TIME1 (object);

  switch (prop_id)
    {
    case PROP_TIME_USEC:
      g_value_set_uint64 (value, mrd_daemon_get_time_usec (self->daemon));
      break;
    case PROP_RTC_TIME_USEC:
      g_value_set_uint64 (value, mrd_daemon_get_rtc_time_usec (self->daemon));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mrd_time1_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  /* Read-only on the bus; nothing in the daemon sets them. */
}

static gboolean
handle_set_timezone (MrdDBusTime1 *object, GDBusMethodInvocation *invocation, const char *zone,
                     gboolean interactive)
{
  mrd_daemon_set_timezone (MRD_TIME1 (object)->daemon, invocation, zone, interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_ntp (MrdDBusTime1 *object, GDBusMethodInvocation *invocation, gboolean use_ntp,
                gboolean interactive)
{
  mrd_daemon_set_ntp (MRD_TIME1 (object)->daemon, invocation, use_ntp, interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_time (MrdDBusTime1 *object, GDBusMethodInvocation *invocation, gint64 usec_utc,
                 gboolean relative, gboolean interactive)
{
  mrd_daemon_set_time (MRD_TIME1 (object)->daemon, invocation, usec_utc, relative, interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_local_rtc (MrdDBusTime1 *object, GDBusMethodInvocation *invocation,
                      gboolean local_rtc, gboolean fix_system, gboolean interactive)
{
  mrd_daemon_set_local_rtc (MRD_TIME1 (object)->daemon, invocation, local_rtc, fix_system,
                            interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_timezones (MrdDBusTime1 *object, GDBusMethodInvocation *invocation)
{
  mrd_daemon_list_timezones (MRD_TIME1 (object)->daemon, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_zones (MrdDBusTime1 *object, GDBusMethodInvocation *invocation)
{
  mrd_daemon_list_zones (MRD_TIME1 (object)->daemon, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_country_zones (MrdDBusTime1 *object, GDBusMethodInvocation *invocation,
                           const char *country_code)
{
  MrdDaemon *daemon = MRD_TIME1 (object)->daemon;
  g_autoptr(GError) error = NULL;
  gint64 now = mrd_clock_now_usec (mrd_daemon_get_clock (daemon)) / G_USEC_PER_SEC;
  GVariant *reply = mrd_zones_build_country_reply (mrd_daemon_get_tzdb (daemon), country_code,
                                                   now, &error);

  if (reply == NULL)
    g_dbus_method_invocation_return_error_literal (invocation, MRD_ERROR,
                                                   MRD_ERROR_UNKNOWN_COUNTRY, error->message);
  else
    g_dbus_method_invocation_return_value (invocation, reply);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_describe_zone (MrdDBusTime1 *object, GDBusMethodInvocation *invocation, const char *zone,
                      guint64 at_usec)
{
  MrdDaemon *daemon = MRD_TIME1 (object)->daemon;
  g_autoptr(GError) error = NULL;
  MrdTzDescription d = { 0 };
  gint64 at = mrd_args_describe_at_seconds (at_usec,
                                            mrd_clock_now_usec (mrd_daemon_get_clock (daemon)));

  if (!mrd_tzdb_describe_zone (mrd_daemon_get_tzdb (daemon), zone, at, &d, &error))
    {
      if (mrd_tz_error_is_bad_name (error))
        g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                               G_DBUS_ERROR_INVALID_ARGS,
                                               _("Invalid or not installed time zone: %s"),
                                               error->message);
      else
        g_dbus_method_invocation_return_error (invocation, MRD_ERROR, MRD_ERROR_FAILED,
                                               _("Cannot describe %s: %s"), zone,
                                               error->message);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (d.has_next && d.next_transition > G_MAXINT64 / G_USEC_PER_SEC)
    d.has_next = FALSE;
  mrd_dbus_time1_complete_describe_zone (object, invocation, d.utc_offset, d.is_dst,
                                         d.abbreviation,
                                         d.has_next ? (guint64) d.next_transition * G_USEC_PER_SEC : 0,
                                         d.has_next ? d.next_utc_offset : d.utc_offset,
                                         d.has_next ? d.next_is_dst : d.is_dst,
                                         d.has_next ? d.next_abbreviation : d.abbreviation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_timezone_overrides (MrdDBusTime1 *object, GDBusMethodInvocation *invocation)
{
  MrdDaemon *daemon = MRD_TIME1 (object)->daemon;
  g_autoptr(GPtrArray) traps = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder builder;
  guint i;

  /* The caller's own $TZ is the client's business: pass NULL. */
  if (!mrd_tz_find_traps (mrd_daemon_get_root (daemon), mrd_daemon_get_tzdb (daemon),
                          mrd_daemon_get_timezone (daemon), NULL, &traps, &error))
    {
      g_dbus_method_invocation_return_error (invocation, MRD_ERROR, MRD_ERROR_FAILED,
                                             _("Cannot look for TZ settings: %s"),
                                             error->message);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (i = 0; i < traps->len; i++)
    {
      const MrdTzTrap *trap = g_ptr_array_index (traps, i);

      if (trap->file != NULL)
        g_variant_builder_add (&builder, "(ss)", trap->file, trap->value);
    }
  mrd_dbus_time1_complete_list_timezone_overrides (object, invocation,
                                                   g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
mrd_time1_class_init (MrdTime1Class *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = mrd_time1_get_property;
  object_class->set_property = mrd_time1_set_property;
  g_object_class_override_property (object_class, PROP_TIME_USEC, "time-usec");
  g_object_class_override_property (object_class, PROP_RTC_TIME_USEC, "rtctime-usec");
}

static void
mrd_time1_init (MrdTime1 *self)
{
  g_signal_connect (self, "handle-set-timezone", G_CALLBACK (handle_set_timezone), NULL);
  g_signal_connect (self, "handle-set-ntp", G_CALLBACK (handle_set_ntp), NULL);
  g_signal_connect (self, "handle-set-time", G_CALLBACK (handle_set_time), NULL);
  g_signal_connect (self, "handle-set-local-rtc", G_CALLBACK (handle_set_local_rtc), NULL);
  g_signal_connect (self, "handle-list-timezones", G_CALLBACK (handle_list_timezones), NULL);
  g_signal_connect (self, "handle-list-zones", G_CALLBACK (handle_list_zones), NULL);
  g_signal_connect (self, "handle-list-country-zones",
                    G_CALLBACK (handle_list_country_zones), NULL);
  g_signal_connect (self, "handle-describe-zone", G_CALLBACK (handle_describe_zone), NULL);
  g_signal_connect (self, "handle-list-timezone-overrides",
                    G_CALLBACK (handle_list_timezone_overrides), NULL);
}

MrdTime1 *
mrd_time1_new (MrdDaemon *daemon)
{
  MrdTime1 *self = g_object_new (MRD_TYPE_TIME1, NULL);

  self->daemon = daemon;
  return self;
}
