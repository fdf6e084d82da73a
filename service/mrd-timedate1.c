/* mrd-timedate1.c — see mrd-timedate1.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-timedate1.h"
#include "mrd-daemon.h"
#include "mrd-error.h"

#include <glib/gi18n.h>

struct _MrdTimedate1 {
  MrdFdoTimedate1Skeleton parent_instance;
  MrdDaemon *daemon;
};

G_DEFINE_FINAL_TYPE (MrdTimedate1, mrd_timedate1, MRD_FDO_TYPE_TIMEDATE1_SKELETON)

/* TimeUSec and RTCTimeUSec are read when asked, never cached: overriding the skeleton's
 * properties routes its Get/GetAll (which read the GObject property) through here. */
enum { PROP_0, PROP_TIME_USEC, PROP_RTC_TIME_USEC };

static void
mrd_timedate1_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MrdTimedate1 *self = MRD_TIMEDATE1 (object);

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
mrd_timedate1_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  /* Read-only on the bus; nothing in the daemon sets them. */
}

static gboolean
handle_set_timezone (MrdFdoTimedate1 *object, GDBusMethodInvocation *invocation, const char *zone,
                     gboolean interactive)
{
  mrd_daemon_set_timezone (MRD_TIMEDATE1 (object)->daemon, invocation, zone, interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_ntp (MrdFdoTimedate1 *object, GDBusMethodInvocation *invocation, gboolean use_ntp,
                gboolean interactive)
{
  mrd_daemon_set_ntp (MRD_TIMEDATE1 (object)->daemon, invocation, use_ntp, interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_time (MrdFdoTimedate1 *object, GDBusMethodInvocation *invocation, gint64 usec_utc,
                 gboolean relative, gboolean interactive)
{
  mrd_daemon_set_time (MRD_TIMEDATE1 (object)->daemon, invocation, usec_utc, relative, interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_local_rtc (MrdFdoTimedate1 *object, GDBusMethodInvocation *invocation,
                      gboolean local_rtc, gboolean fix_system, gboolean interactive)
{
  mrd_daemon_set_local_rtc (MRD_TIMEDATE1 (object)->daemon, invocation, local_rtc, fix_system,
                            interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_timezones (MrdFdoTimedate1 *object, GDBusMethodInvocation *invocation)
{
  mrd_daemon_list_timezones (MRD_TIMEDATE1 (object)->daemon, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
mrd_timedate1_class_init (MrdTimedate1Class *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = mrd_timedate1_get_property;
  object_class->set_property = mrd_timedate1_set_property;
  g_object_class_override_property (object_class, PROP_TIME_USEC, "time-usec");
  g_object_class_override_property (object_class, PROP_RTC_TIME_USEC, "rtctime-usec");
}

static void
mrd_timedate1_init (MrdTimedate1 *self)
{
  g_signal_connect (self, "handle-set-timezone", G_CALLBACK (handle_set_timezone), NULL);
  g_signal_connect (self, "handle-set-ntp", G_CALLBACK (handle_set_ntp), NULL);
  g_signal_connect (self, "handle-set-time", G_CALLBACK (handle_set_time), NULL);
  g_signal_connect (self, "handle-set-local-rtc", G_CALLBACK (handle_set_local_rtc), NULL);
  g_signal_connect (self, "handle-list-timezones", G_CALLBACK (handle_list_timezones), NULL);
}

MrdTimedate1 *
mrd_timedate1_new (MrdDaemon *daemon)
{
  MrdTimedate1 *self = g_object_new (MRD_TYPE_TIMEDATE1, NULL);

  self->daemon = daemon;
  return self;
}
