/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl status: the time, the zone and synchronization, laid out as `timedatectl status`,
 * plus the zone's abbreviation and UTC offset, and a warning when a TZ setting makes programs
 * disagree with the system zone.
 *
 * The TZ trap: `export TZ=Asia/Seoul` in /etc/profile makes `date` in a login shell say KST
 * while the system zone (and every service) stays UTC.  Two sources are checked:
 *  - the caller's own $TZ, which only the client can see;
 *  - TZ= lines in /etc/environment (pam_env), /etc/profile and /etc/profile.d/\*.sh under the
 *    daemon's root, from meridiand's ListTimezoneOverrides.  Those files belong to the system,
 *    so the daemon reads them: it alone knows its --root (a client-side scan would read the
 *    wrong tree whenever the daemon runs on another root, as in every test and the demo),
 *    reading system state is the service's job (clients hold no truth), and the panel shows
 *    the same warning from the same answer.
 */
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "meridianctl.h"

typedef struct {
  char *source; /* NULL for the caller's environment, else the file, e.g. "/etc/profile" */
  char *value;  /* the TZ value as written */
} TzOverride;

static void
tz_override_free (TzOverride *o)
{
  g_free (o->source);
  g_free (o->value);
  g_free (o);
}

static TzOverride *
tz_override_new (const char *source, const char *value)
{
  TzOverride *o = g_new0 (TzOverride, 1);
  o->source = g_strdup (source);
  o->value = g_strdup (value);
  return o;
}

/* TZ settings in the system's profile files, as the daemon finds them under its root. */
static void
system_overrides (MctlContext *ctx, GPtrArray *found)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantIter) iter = NULL;
  const char *file, *value;

  if (ctx->time1 == NULL)
    return; /* systemd-timedated does not look at profile files */
  reply = g_dbus_proxy_call_sync (G_DBUS_PROXY (ctx->time1), "ListTimezoneOverrides", NULL,
                                  G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  if (reply == NULL || !g_variant_is_of_type (reply, G_VARIANT_TYPE ("(a(ss))")))
    {
      /* An older meridiand: status still works, without this one check. */
      g_debug ("ListTimezoneOverrides: %s, not checking the profile files",
               error ? error->message : "unexpected reply type");
      return;
    }
  g_variant_get (reply, "(a(ss))", &iter);
  while (g_variant_iter_next (iter, "(&s&s)", &file, &value))
    g_ptr_array_add (found, tz_override_new (file, value));
}

/* Whether TZ=value gives the same local time as the system zone, now and at its next change:
 * "Asia/Calcutta" and "Asia/Kolkata" agree, "KST-9" agrees with Asia/Seoul today. */
static gboolean
tz_agrees (MctlContext *ctx, const char *value, const char *zone, const MctlZoneInfo *system,
           guint64 now_usec)
{
  g_auto(MctlZoneInfo) other = { 0 };
  g_autoptr(GError) error = NULL;

  if (*value == ':') /* POSIX: ":name" means a file name, which glibc resolves as a zone */
    value++;
  if (g_str_equal (value, zone))
    return TRUE;
  if (*value == '\0')
    return g_str_equal (zone, "UTC"); /* TZ= empty means UTC to glibc */
  if (mctl_describe (ctx, value, now_usec, &other, &error))
    return other.utc_offset == system->utc_offset &&
           g_strcmp0 (other.abbreviation, system->abbreviation) == 0 &&
           other.next_transition_usec == system->next_transition_usec &&
           other.utc_offset_after == system->utc_offset_after;

  /* Not a zone name: a POSIX rule such as "KST-9" (tzset(3)), which GLib reads without any
   * tzdata file. */
  g_autoptr(GTimeZone) posix = g_time_zone_new_identifier (value);
  if (posix == NULL || strchr (value, '/') != NULL)
    return FALSE;
  gint64 now_s = (gint64) (now_usec / G_USEC_PER_SEC);
  int interval = g_time_zone_find_interval (posix, G_TIME_TYPE_UNIVERSAL, now_s);
  if (interval < 0)
    return FALSE;
  return g_time_zone_get_offset (posix, interval) == system->utc_offset &&
         g_strcmp0 (g_time_zone_get_abbreviation (posix, interval), system->abbreviation) == 0;
}

/* A zone name the user could pass to set-timezone, or NULL. */
static char *
settable_zone (MctlContext *ctx, const char *value, guint64 now_usec)
{
  g_auto(MctlZoneInfo) info = { 0 };

  if (*value == ':')
    value++;
  if (*value && mctl_describe (ctx, value, now_usec, &info, NULL))
    return g_strdup (value);
  return NULL;
}

static void
print_warning (MctlContext *ctx, const TzOverride *o, const char *zone, guint64 now_usec)
{
  g_autofree char *settable = settable_zone (ctx, o->value, now_usec);

  if (o->source == NULL)
    {
      g_print (_("Warning: your environment sets TZ=\"%s\", which differs from the system time "
                 "zone %s. Programs you start show that zone's time.\n"), o->value, zone);
      if (settable)
        g_print (_("         Unset TZ to follow the system zone, or make %s the system zone "
                   "with: meridianctl set-timezone %s\n"), settable, settable);
      else
        g_print (_("         Unset TZ to follow the system zone.\n"));
    }
  else
    {
      g_print (_("Warning: %s sets TZ=\"%s\", which differs from the system time zone %s. "
                 "Login shells show that zone's time.\n"), o->source, o->value, zone);
      if (settable)
        g_print (_("         Remove that line to follow the system zone, or make %s the "
                   "system zone with: meridianctl set-timezone %s\n"), settable, settable);
      else
        g_print (_("         Remove that line to follow the system zone.\n"));
    }
}

static const char *
yes_no (gboolean value)
{
  return value ? _("yes") : _("no");
}

int
mctl_status (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "status", "", NULL);
  g_autoptr(GPtrArray) overrides = g_ptr_array_new_with_free_func ((GDestroyNotify) tz_override_free);
  g_autoptr(GPtrArray) disagreeing = g_ptr_array_new ();
  g_auto(MctlZoneInfo) info = { 0 };
  g_autoptr(GError) error = NULL;
  const char *zone, *env_tz;
  gint64 now_usec, rtc_usec;
  gint64 now_s;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc > 1)
    return mctl_usage_error (ctx, "status", _("status takes no arguments"));
  if (!mctl_connect (ctx))
    return MCTL_EXIT_UNREACHABLE;

  zone = mctl_get_timezone (ctx);
  now_usec = mctl_get_time_usec (ctx);
  rtc_usec = mctl_get_rtc_time_usec (ctx);
  now_s = (gint64) (now_usec / G_USEC_PER_SEC);
  if (!mctl_describe (ctx, zone, now_usec, &info, &error))
    return mctl_report_error (ctx, _("Cannot read the time zone's rules"), error);

  env_tz = g_getenv ("TZ");
  if (env_tz != NULL)
    g_ptr_array_add (overrides, tz_override_new (NULL, env_tz));
  system_overrides (ctx, overrides);
  for (guint i = 0; i < overrides->len; i++)
    {
      TzOverride *o = overrides->pdata[i];
      if (!tz_agrees (ctx, o->value, zone, &info, now_usec))
        g_ptr_array_add (disagreeing, o);
    }

  if (ctx->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (now_s);
      g_autoptr(GTimeZone) tz = g_time_zone_new_offset (info.utc_offset);
      g_autoptr(GDateTime) local = utc ? g_date_time_to_timezone (utc, tz) : NULL;
      g_autofree char *local_iso = local ? g_date_time_format (local, "%FT%T%:z") : NULL;
      g_autofree char *utc_iso = utc ? g_date_time_format (utc, "%FT%TZ") : NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "Timezone");
      json_builder_add_string_value (b, zone);
      json_builder_set_member_name (b, "TimezoneAbbreviation");
      json_builder_add_string_value (b, info.abbreviation);
      json_builder_set_member_name (b, "UTCOffset");
      json_builder_add_int_value (b, info.utc_offset);
      json_builder_set_member_name (b, "IsDST");
      json_builder_add_boolean_value (b, info.is_dst);
      json_builder_set_member_name (b, "LocalRTC");
      json_builder_add_boolean_value (b, mctl_get_local_rtc (ctx));
      json_builder_set_member_name (b, "CanNTP");
      json_builder_add_boolean_value (b, mctl_get_can_ntp (ctx));
      json_builder_set_member_name (b, "NTP");
      json_builder_add_boolean_value (b, mctl_get_ntp (ctx));
      json_builder_set_member_name (b, "NTPSynchronized");
      json_builder_add_boolean_value (b, mctl_get_ntp_synchronized (ctx));
      json_builder_set_member_name (b, "TimeUSec");
      json_builder_add_int_value (b, (gint64) now_usec);
      json_builder_set_member_name (b, "RTCTimeUSec");
      json_builder_add_int_value (b, (gint64) rtc_usec);
      json_builder_set_member_name (b, "LocalTime");
      json_builder_add_string_value (b, local_iso);
      json_builder_set_member_name (b, "UniversalTime");
      json_builder_add_string_value (b, utc_iso);
      json_builder_set_member_name (b, "TimezoneOverrides");
      json_builder_begin_array (b);
      for (guint i = 0; i < disagreeing->len; i++)
        {
          TzOverride *o = disagreeing->pdata[i];
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "Source");
          json_builder_add_string_value (b, o->source ? o->source : "environment");
          json_builder_set_member_name (b, "TZ");
          json_builder_add_string_value (b, o->value);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      mctl_print_json (node);
      return MCTL_EXIT_OK;
    }

  g_autofree char *local_wall = mctl_format_wall (now_s, info.utc_offset);
  g_autofree char *local_line = g_strdup_printf ("%s %s", local_wall, info.abbreviation);
  g_autofree char *utc_wall = mctl_format_wall (now_s, 0);
  g_autofree char *utc_line = g_strdup_printf ("%s UTC", utc_wall);
  /* The RTC has no zone: print its reading as is, as timedatectl does. */
  g_autofree char *rtc_line = rtc_usec ? mctl_format_wall ((gint64) (rtc_usec / G_USEC_PER_SEC), 0)
                                       : g_strdup (_("n/a"));
  g_autofree char *offset = mctl_format_offset (info.utc_offset);
  g_autofree char *zone_line = g_strdup_printf ("%s (%s, %s)", zone, info.abbreviation, offset);
  const char *ntp_service = !mctl_get_can_ntp (ctx) ? _("n/a")
                            : mctl_get_ntp (ctx) ? _("active")
                            : _("inactive");
  const char *labels[] = {
    _("Local time"), _("Universal time"), _("RTC time"), _("Time zone"),
    _("System clock synchronized"), _("NTP service"), _("RTC in local TZ"),
  };
  const char *values[] = {
    local_line, utc_line, rtc_line, zone_line,
    yes_no (mctl_get_ntp_synchronized (ctx)), ntp_service,
    yes_no (mctl_get_local_rtc (ctx)),
  };

  mctl_print_table (labels, values, G_N_ELEMENTS (labels));

  if (mctl_get_local_rtc (ctx))
    g_print ("\n%s\n", _("Warning: the hardware clock (RTC) keeps local time. Daylight saving "
                          "changes and time zone changes then shift it; keep it in UTC if you "
                          "can ('meridianctl set-local-rtc off')."));
  if (disagreeing->len > 0)
    g_print ("\n");
  for (guint i = 0; i < disagreeing->len; i++)
    print_warning (ctx, disagreeing->pdata[i], zone, now_usec);
  return MCTL_EXIT_OK;
}
