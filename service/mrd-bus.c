/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-bus.c — see mrd-bus.h. */
#include "mrd-bus.h"

#include <string.h>
#include <glib/gi18n.h>

#include "mrd-args.h"
#include "mrd-dbus-generated.h"
#include "mrd-error.h"
#include "mrd-timedate1-generated.h"
#include "mrd-timesync1.h"
#include "mrd-zones.h"

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

typedef struct {
  const char *name;
  const char *path;
  GDBusInterfaceInfo *info;
  guint registration_id;
} Interface;

enum { IFACE_NATIVE, IFACE_TIMEDATE1, N_IFACES };

struct _MrdBus {
  MrdZone *zone;
  MrdSystime *systime;
  MrdSync *sync;
  MrdAuth *auth;
  GDBusConnection *connection;
  Interface ifaces[N_IFACES];
  guint filter_id;
  /* Calls waiting on polkit hold a reference: their callbacks may run after mrd_bus_free()
   * (with a "shutting down" error, touching nothing but the invocation). */
  gatomicrefcount ref_count;
};

static void
bus_unref (MrdBus *self)
{
  if (g_atomic_ref_count_dec (&self->ref_count))
    g_free (self);
}

/* ---- properties: one table for both interfaces ---------------------------------------- */

typedef GVariant *(*PropertyGetter) (MrdBus *self);

static GVariant *get_timezone (MrdBus *self) { return g_variant_new_string (mrd_zone_get_timezone (self->zone)); }
static GVariant *get_local_rtc (MrdBus *self) { return g_variant_new_boolean (mrd_zone_get_local_rtc (self->zone)); }
static GVariant *get_can_ntp (MrdBus *self) { return g_variant_new_boolean (TRUE); }
static GVariant *get_ntp (MrdBus *self) { return g_variant_new_boolean (mrd_sync_get_enabled (self->sync)); }
static GVariant *get_ntp_synchronized (MrdBus *self) { return g_variant_new_boolean (mrd_sync_get_synchronized (self->sync)); }
static GVariant *get_time_usec (MrdBus *self) { return g_variant_new_uint64 (mrd_systime_time_usec (self->systime)); }
static GVariant *get_rtc_time_usec (MrdBus *self) { return g_variant_new_uint64 (mrd_systime_rtc_time_usec (self->systime)); }

static const struct {
  const char *name;
  PropertyGetter get;
  MrdBusChange change;     /* 0: live, never announced (as timedated) */
} properties[] = {
  { "Timezone", get_timezone, MRD_BUS_CHANGED_TIMEZONE },
  { "LocalRTC", get_local_rtc, MRD_BUS_CHANGED_LOCAL_RTC },
  { "CanNTP", get_can_ntp, 0 },
  { "NTP", get_ntp, MRD_BUS_CHANGED_NTP },
  { "NTPSynchronized", get_ntp_synchronized, MRD_BUS_CHANGED_NTP_SYNCHRONIZED },
  { "TimeUSec", get_time_usec, 0 },
  { "RTCTimeUSec", get_rtc_time_usec, 0 },
};

static GVariant *
handle_get_property (GDBusConnection *connection, const char *sender, const char *object_path,
                     const char *interface_name, const char *property_name, GError **error,
                     gpointer user_data)
{
  for (guint i = 0; i < G_N_ELEMENTS (properties); i++)
    if (strcmp (properties[i].name, property_name) == 0)
      return properties[i].get (user_data);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, _("No such property '%s'"),
               property_name);
  return NULL;
}

void
mrd_bus_announce (MrdBus *self, MrdBusChange what)
{
  GVariantBuilder changed;
  gboolean any = FALSE;

  if (self->connection == NULL || what == 0)
    return;
  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < G_N_ELEMENTS (properties); i++)
    if (properties[i].change & what)
      {
        g_variant_builder_add (&changed, "{sv}", properties[i].name, properties[i].get (self));
        any = TRUE;
      }
  if (!any)
    {
      g_variant_builder_clear (&changed);
      return;
    }
  {
    g_autoptr(GVariant) dict = g_variant_ref_sink (g_variant_builder_end (&changed));

    for (guint k = 0; k < N_IFACES; k++)
      if (self->ifaces[k].registration_id != 0)
        (void) g_dbus_connection_emit_signal (self->connection, NULL, self->ifaces[k].path,
                                              PROPERTIES_INTERFACE, "PropertiesChanged",
                                              g_variant_new ("(s@a{sv}as)", self->ifaces[k].name,
                                                             dict, NULL),
                                              NULL);
  }
}

/* ---- the methods ---------------------------------------------------------------------------
 * One Call per method call carries the arguments across the polkit check. The invocation's
 * reference is consumed by exactly one reply. */

typedef struct {
  MrdBus *bus;
  GDBusMethodInvocation *invocation;
  char *zone;
  gboolean enable;         /* SetNTP: use_ntp; SetLocalRTC: local_rtc */
  gboolean fix_system;
  gint64 usec;
  gint64 received_mono;
} Call;

static Call *
call_new (MrdBus *self, GDBusMethodInvocation *invocation)
{
  Call *call = g_new0 (Call, 1);

  g_atomic_ref_count_inc (&self->ref_count);
  call->bus = self;
  call->invocation = invocation;
  call->received_mono = g_get_monotonic_time ();
  return call;
}

static void
call_free (Call *call)
{
  bus_unref (call->bus);
  g_free (call->zone);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

static void
authorize (Call *call, gboolean interactive, GAsyncReadyCallback callback)
{
  mrd_auth_check_async (call->bus->auth, call->invocation, interactive, callback, call);
}

/* The polkit check's outcome; FALSE when the reply has been sent (denied, or an error). */
static gboolean
authorized (Call *call, GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;

  if (!mrd_auth_check_finish (call->bus->auth, result, &error))
    {
      mrd_error_return (call->invocation, error);
      return FALSE;
    }
  return TRUE;
}

#define return_failed(invocation, format, error) \
  mrd_error_return_new ((invocation), MRD_ERROR, MRD_ERROR_FAILED, (format), (error)->message)

/* ---- errors ---------------------------------------------------------------------------------
 * On org.freedesktop.timedate1 an error reads as timedated 252's (name and text, untranslated
 * as sd-bus sends them); on the native interface it has a name of its own (mrd-error.h), which
 * clients map to their own translated text. Neither carries hints for any particular client,
 * and neither repeats more than a short, escaped piece of what the caller sent. */

static gboolean
is_timedate1 (GDBusMethodInvocation *invocation)
{
  return g_strcmp0 (g_dbus_method_invocation_get_interface_name (invocation),
                    MRD_TIMEDATE1_BUS_NAME) == 0;
}

static void
return_bad_zone (GDBusMethodInvocation *invocation, const char *zone, const GError *error)
{
  g_autofree char *shown = mrd_error_quote (zone);
  g_autofree char *why = mrd_error_cap_message (error->message);

  g_debug ("Refusing time zone '%s': %s", shown, why);
  if (is_timedate1 (invocation))
    mrd_error_return_new (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                          "Invalid or not installed time zone '%s'", shown);
  else
    mrd_error_return_new (invocation, MRD_ERROR, MRD_ERROR_UNKNOWN_ZONE,
                          "Invalid or not installed time zone '%s'", shown);
}

/* SetTime's argument errors (mrd-args: InvalidArgs with timedated's texts). */
static void
return_bad_time (GDBusMethodInvocation *invocation, const GError *error)
{
  if (!is_timedate1 (invocation) && g_error_matches (error, G_DBUS_ERROR,
                                                     G_DBUS_ERROR_INVALID_ARGS))
    mrd_error_return_new (invocation, MRD_ERROR, MRD_ERROR_INVALID_TIME, "%s", error->message);
  else
    mrd_error_return (invocation, error);
}

/* SetTimezone */

static void
on_set_timezone_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  MrdBus *self = call->bus;
  g_autoptr(GError) error = NULL;

  if (!authorized (call, result))
    return;
  /* Another call may have set the same zone while this one waited on polkit. */
  if (mrd_zone_is_current (self->zone, call->zone))
    {
      g_dbus_method_invocation_return_value (call->invocation, NULL);
      return;
    }
  if (!mrd_zone_set_timezone (self->zone, call->zone, &error))
    {
      g_warning ("Failed to set time zone to %s: %s", call->zone, error->message);
      return_failed (call->invocation, _("Failed to set time zone: %s"), error);
      return;
    }
  mrd_bus_announce (self, MRD_BUS_CHANGED_TIMEZONE);
  g_dbus_method_invocation_return_value (call->invocation, NULL);
}

static void
handle_set_timezone (MrdBus *self, GDBusMethodInvocation *invocation, GVariant *params)
{
  g_autoptr(GError) error = NULL;
  const char *zone;
  gboolean interactive;
  Call *call;

  g_variant_get (params, "(&sb)", &zone, &interactive);
  if (!mrd_zone_validate (self->zone, zone, &error))
    {
      return_bad_zone (invocation, zone, error);
      return;
    }
  zone = mrd_zone_canonical_name (zone);
  /* Nothing to do only when every file already names it (after a crash between the renames
   * they may not: then setting the same zone again repairs them). */
  if (mrd_zone_is_current (self->zone, zone))
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
  g_autoptr(GError) error = NULL;

  if (!authorized (call, result))
    return;
  /* mrd-sync announces a change through its listener (on_sync_changed). */
  if (!mrd_sync_set_enabled (call->bus->sync, call->enable, &error))
    {
      g_warning ("Failed to save the NTP setting: %s", error->message);
      return_failed (call->invocation, _("Failed to save the NTP setting: %s"), error);
      return;
    }
  g_dbus_method_invocation_return_value (call->invocation, NULL);
}

static void
handle_set_ntp (MrdBus *self, GDBusMethodInvocation *invocation, GVariant *params)
{
  Call *call = call_new (self, invocation);
  gboolean interactive;

  /* Like timedated 252, SetNTP is authorized even when the value would not change (it
   * restarts the NTP service there); CanNTP is always true here, so no NoNTPSupport. */
  g_variant_get (params, "(bb)", &call->enable, &interactive);
  authorize (call, interactive, on_set_ntp_authorized);
}

/* SetTime */

static void
return_ntp_enabled (GDBusMethodInvocation *invocation)
{
  g_dbus_method_invocation_return_error_literal (invocation, MRD_ERROR,
                                                 MRD_ERROR_AUTOMATIC_TIME_SYNC_ENABLED,
                                                 _("Automatic time synchronization is enabled"));
}

static void
on_set_time_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  MrdBus *self = call->bus;
  g_autoptr(GError) error = NULL;
  gint64 target;

  if (!authorized (call, result))
    return;
  if (mrd_sync_get_enabled (self->sync))
    {
      /* NTP was turned on while this call waited. */
      return_ntp_enabled (call->invocation);
      return;
    }
  target = mrd_args_adjust_for_delay (call->usec, call->received_mono, g_get_monotonic_time ());
  /* call->usec was checked before polkit; the wait may still have carried it past the end
   * of the range. Checked before the ns multiplication, which it keeps from overflowing. */
  if (!mrd_clock_usec_is_settable (target))
    {
      mrd_args_set_time_out_of_range_error (&error);
      return_bad_time (call->invocation, error);
      return;
    }
  if (!mrd_systime_set (self->systime, target, &error))
    {
      /* EINVAL from clock_settime(2) is InvalidArgs, as timedated's sd_bus_error_set_errnof()
       * maps it; anything else (EPERM without CAP_SYS_TIME…) is a failure of ours. */
      gboolean invalid = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);

      g_warning ("Failed to set local time: %s", error->message);
      mrd_error_return_new (call->invocation,
                            invalid ? G_DBUS_ERROR : MRD_ERROR,
                            invalid ? G_DBUS_ERROR_INVALID_ARGS : MRD_ERROR_FAILED,
                            _("Failed to set local time: %s"), error->message);
      return;
    }
  g_dbus_method_invocation_return_value (call->invocation, NULL);
}

static void
handle_set_time (MrdBus *self, GDBusMethodInvocation *invocation, GVariant *params)
{
  g_autoptr(GError) error = NULL;
  MrdSetTimeAction action;
  gint64 usec_utc, target = 0;
  gboolean relative, interactive;
  Call *call;

  g_variant_get (params, "(xbb)", &usec_utc, &relative, &interactive);
  if (mrd_sync_get_enabled (self->sync))
    {
      return_ntp_enabled (invocation);
      return;
    }
  if (!mrd_args_set_time_target (usec_utc, relative,
                                 mrd_clock_now_usec (mrd_systime_get_clock (self->systime)),
                                 &target, &action, &error))
    {
      return_bad_time (invocation, error);
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

static gint
zone_utc_offset (gint64 utc_s, gpointer user_data)
{
  return mrd_zone_utc_offset_at (user_data, utc_s);
}

static void
on_set_local_rtc_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  MrdBus *self = call->bus;
  g_autoptr(GError) error = NULL;

  if (!authorized (call, result))
    return;
  if (mrd_zone_get_local_rtc (self->zone) != call->enable)
    {
      if (!mrd_zone_set_local_rtc (self->zone, call->enable, &error))
        {
          g_warning ("Failed to set RTC to %s: %s", call->enable ? "local" : "UTC",
                     error->message);
          if (call->enable)
            return_failed (call->invocation, _("Failed to set RTC to local time: %s"), error);
          else
            return_failed (call->invocation, _("Failed to set RTC to UTC: %s"), error);
          return;
        }
      mrd_bus_announce (self, MRD_BUS_CHANGED_LOCAL_RTC);
    }
  /* As timedated: with fix_system the clock is set from the RTC read in the new convention,
   * otherwise the RTC from the clock; a missing or failing RTC is logged, not an error. */
  if (!mrd_systime_sync_rtc (self->systime, call->fix_system,
                             call->enable ? zone_utc_offset : NULL, self->zone, &error))
    g_info ("SetLocalRTC: cannot %s, ignoring: %s",
            call->fix_system ? "set the system clock from the RTC"
                             : "set the RTC from the system clock", error->message);
  g_dbus_method_invocation_return_value (call->invocation, NULL);
}

static void
handle_set_local_rtc (MrdBus *self, GDBusMethodInvocation *invocation, GVariant *params)
{
  gboolean local_rtc, fix_system, interactive;
  Call *call;

  g_variant_get (params, "(bbb)", &local_rtc, &fix_system, &interactive);
  if (mrd_zone_get_local_rtc (self->zone) == !!local_rtc && !fix_system)
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  call = call_new (self, invocation);
  call->enable = !!local_rtc;
  call->fix_system = !!fix_system;
  authorize (call, interactive, on_set_local_rtc_authorized);
}

/* Reads */

static void
handle_list_timezones (MrdBus *self, GDBusMethodInvocation *invocation, GVariant *params)
{
  g_dbus_method_invocation_return_value (invocation, mrd_zone_get_timezones_reply (self->zone));
}

static void
handle_list_zones (MrdBus *self, GDBusMethodInvocation *invocation, GVariant *params)
{
  g_dbus_method_invocation_return_value (invocation, mrd_zone_get_zones_reply (self->zone));
}

static void
handle_list_country_zones (MrdBus *self, GDBusMethodInvocation *invocation, GVariant *params)
{
  g_autoptr(GError) error = NULL;
  const char *code;
  gint64 now = (gint64) mrd_systime_time_usec (self->systime) / G_USEC_PER_SEC;
  GVariant *reply;

  g_variant_get (params, "(&s)", &code);
  reply = mrd_zones_build_country_reply (mrd_zone_get_tzdb (self->zone), code, now, &error);
  if (reply == NULL)
    {
      g_autofree char *shown = mrd_error_quote (code);

      g_debug ("ListCountryZones('%s'): %s", shown, error->message);
      mrd_error_return_new (invocation, MRD_ERROR, MRD_ERROR_UNKNOWN_COUNTRY,
                            "No time zones for country code '%s': not an ISO 3166 code the "
                            "tz database lists zones for", shown);
    }
  else
    g_dbus_method_invocation_return_value (invocation, reply);
}

static void
handle_describe_zone (MrdBus *self, GDBusMethodInvocation *invocation, GVariant *params)
{
  g_autoptr(GError) error = NULL;
  MrdTzDescription d = { 0 };
  const char *zone;
  gint64 at_usec;
  gint64 at;

  g_variant_get (params, "(&sx)", &zone, &at_usec);
  if (at_usec == 0)
    at_usec = mrd_clock_now_usec (mrd_systime_get_clock (self->systime));
  /* Floor division: an instant just before the epoch belongs to the second before it. */
  at = at_usec >= 0 ? at_usec / G_USEC_PER_SEC
                    : -(gint64) ((-(guint64) at_usec + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  if (!mrd_tzdb_describe_zone (mrd_zone_get_tzdb (self->zone), mrd_zone_canonical_name (zone),
                               at, &d, &error))
    {
      if (mrd_tz_error_is_bad_name (error))
        return_bad_zone (invocation, zone, error);
      else
        {
          g_autofree char *shown = mrd_error_quote (zone);

          mrd_error_return_new (invocation, MRD_ERROR, MRD_ERROR_FAILED,
                                _("Cannot describe %s: %s"), shown, error->message);
        }
      return;
    }
  if (d.has_next && (d.next_transition > G_MAXINT64 / G_USEC_PER_SEC ||
                     d.next_transition < G_MININT64 / G_USEC_PER_SEC || d.next_transition == 0))
    d.has_next = FALSE;
  g_dbus_method_invocation_return_value (
    invocation,
    g_variant_new ("(ibsxibs)", d.utc_offset, d.is_dst, d.abbreviation,
                   d.has_next ? d.next_transition * G_USEC_PER_SEC : 0,
                   d.has_next ? d.next_utc_offset : d.utc_offset,
                   d.has_next ? d.next_is_dst : d.is_dst,
                   d.has_next ? d.next_abbreviation : d.abbreviation));
}

static void
handle_list_timezone_overrides (MrdBus *self, GDBusMethodInvocation *invocation,
                                GVariant *params)
{
  g_autoptr(GPtrArray) traps = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder builder;

  /* The caller's own $TZ is the client's business: pass NULL. */
  if (!mrd_tz_find_traps (mrd_zone_get_root (self->zone), mrd_zone_get_tzdb (self->zone),
                          mrd_zone_get_timezone (self->zone), NULL, &traps, &error))
    {
      mrd_error_return_new (invocation, MRD_ERROR, MRD_ERROR_FAILED,
                            _("Cannot look for TZ settings: %s"), error->message);
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; i < traps->len; i++)
    {
      const MrdTzTrap *trap = g_ptr_array_index (traps, i);

      if (trap->file != NULL)
        g_variant_builder_add (&builder, "(ss)", trap->file, trap->value);
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a(ss))", &builder));
}

/* One table for both interfaces: GDBus has already checked, against each interface's
 * introspection data, that the method exists there and that the arguments' types match. */
typedef void (*MethodHandler) (MrdBus *self, GDBusMethodInvocation *invocation,
                               GVariant *params);

static const struct {
  const char *name;
  MethodHandler handle;
} methods[] = {
  { "SetTimezone", handle_set_timezone },
  { "SetLocalRTC", handle_set_local_rtc },
  { "SetNTP", handle_set_ntp },
  { "SetTime", handle_set_time },
  { "ListTimezones", handle_list_timezones },
  { "ListZones", handle_list_zones },
  { "ListCountryZones", handle_list_country_zones },
  { "DescribeZone", handle_describe_zone },
  { "ListTimezoneOverrides", handle_list_timezone_overrides },
};

static void
handle_method_call (GDBusConnection *connection, const char *sender, const char *object_path,
                    const char *interface_name, const char *method_name, GVariant *params,
                    GDBusMethodInvocation *invocation, gpointer user_data)
{
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (strcmp (methods[i].name, method_name) == 0)
      {
        methods[i].handle (user_data, invocation, params);
        return;
      }
  g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                         _("No such method '%s'"), method_name);
}

static const GDBusInterfaceVTable vtable = {
  .method_call = handle_method_call,
  .get_property = handle_get_property,
};

/* ---- GetAll("") ---------------------------------------------------------------------------
 * sd-bus clients (timedatectl) send GetAll with "" for "every interface", which GDBus refuses.
 * This filter, in GDBus's worker thread, names the object's main interface instead (the only
 * one on /org/freedesktop/timedate1 and /org/freedesktop/timesync1; ask for org.meridian.Time1.Tracking by name). It reads
 * nothing but the message and a constant table, so it needs no data that could go away while
 * it runs (GDBus may still run it after g_dbus_connection_remove_filter()). */
static const struct {
  const char *path;
  const char *interface_name;
} main_interfaces[] = {
  { MRD_OBJECT_PATH, MRD_BUS_NAME },
  { MRD_TIMEDATE1_OBJECT_PATH, MRD_TIMEDATE1_BUS_NAME },
  { MRD_TIMESYNC1_OBJECT_PATH, MRD_TIMESYNC1_INTERFACE },
};

static GDBusMessage *
get_all_filter (GDBusConnection *connection, GDBusMessage *message, gboolean incoming,
                gpointer user_data)
{
  const char *path, *interface_name;
  GVariant *body;
  GDBusMessage *copy;

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL ||
      g_strcmp0 (g_dbus_message_get_interface (message), PROPERTIES_INTERFACE) != 0 ||
      g_strcmp0 (g_dbus_message_get_member (message), "GetAll") != 0)
    return message;
  body = g_dbus_message_get_body (message);
  if (body == NULL || !g_variant_is_of_type (body, G_VARIANT_TYPE ("(s)")))
    return message;
  g_variant_get (body, "(&s)", &interface_name);
  if (interface_name[0] != '\0')
    return message;
  path = g_dbus_message_get_path (message);
  for (guint k = 0; k < G_N_ELEMENTS (main_interfaces); k++)
    if (g_strcmp0 (path, main_interfaces[k].path) == 0)
      {
        copy = g_dbus_message_copy (message, NULL);
        if (copy == NULL)
          return message;
        g_dbus_message_set_body (copy, g_variant_new ("(s)", main_interfaces[k].interface_name));
        g_object_unref (message);
        return copy;
      }
  return message;
}

/* ---- life ------------------------------------------------------------------------------- */

static void
on_sync_changed (gpointer user_data, MrdSyncChange what)
{
  MrdBusChange bus_what = 0;

  if (what & MRD_SYNC_CHANGED_ENABLED)
    bus_what |= MRD_BUS_CHANGED_NTP;
  if (what & MRD_SYNC_CHANGED_SYNCHRONIZED)
    bus_what |= MRD_BUS_CHANGED_NTP_SYNCHRONIZED;
  mrd_bus_announce (user_data, bus_what);
}

static const MrdSyncListener sync_listener = { .changed = on_sync_changed };

MrdBus *
mrd_bus_new (MrdZone *zone, MrdSystime *systime, MrdSync *sync, MrdAuth *auth)
{
  MrdBus *self = g_new0 (MrdBus, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->zone = zone;
  self->systime = systime;
  self->sync = sync;
  self->auth = auth;
  self->ifaces[IFACE_NATIVE] = (Interface) { MRD_BUS_NAME, MRD_OBJECT_PATH,
                                             mrd_dbus_time1_interface_info (), 0 };
  self->ifaces[IFACE_TIMEDATE1] = (Interface) { MRD_TIMEDATE1_BUS_NAME,
                                                MRD_TIMEDATE1_OBJECT_PATH,
                                                mrd_fdo_timedate1_interface_info (), 0 };
  mrd_sync_add_listener (sync, &sync_listener, self);
  return self;
}

gboolean
mrd_bus_register (MrdBus *self, GDBusConnection *connection, gboolean timedate1,
                  GError **error)
{
  self->connection = g_object_ref (connection);
  for (guint k = 0; k < N_IFACES; k++)
    {
      if (k == IFACE_TIMEDATE1 && !timedate1)
        continue;
      self->ifaces[k].registration_id =
        g_dbus_connection_register_object (connection, self->ifaces[k].path,
                                           self->ifaces[k].info, &vtable, self, NULL, error);
      if (self->ifaces[k].registration_id == 0)
        return FALSE;
    }
  self->filter_id = g_dbus_connection_add_filter (connection, get_all_filter, NULL, NULL);
  return TRUE;
}

void
mrd_bus_free (MrdBus *self)
{
  if (self == NULL)
    return;
  mrd_sync_remove_listener (self->sync, self);
  if (self->connection != NULL)
    {
      if (self->filter_id != 0)
        g_dbus_connection_remove_filter (self->connection, self->filter_id);
      for (guint k = 0; k < N_IFACES; k++)
        if (self->ifaces[k].registration_id != 0)
          g_dbus_connection_unregister_object (self->connection,
                                               self->ifaces[k].registration_id);
      g_clear_object (&self->connection);
    }
  bus_unref (self);
}
