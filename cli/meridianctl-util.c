/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl: zone arithmetic through DescribeZone, and the formatting every command shares. */
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "meridianctl.h"

void
mctl_zone_info_clear (MctlZoneInfo *info)
{
  g_clear_pointer (&info->abbreviation, g_free);
  g_clear_pointer (&info->abbreviation_after, g_free);
}

gboolean
mctl_describe_takes_signed_time (void)
{
  GDBusMethodInfo *method = g_dbus_interface_info_lookup_method (
    (GDBusInterfaceInfo *) mrd_dbus_time1_interface_info (), "DescribeZone");

  return method && method->in_args[1] && g_str_equal (method->in_args[1]->signature, "x");
}

/* Without meridiand (through systemd-timedated, which has no DescribeZone) the client reads
 * the zone from its own tzdata: GTimeZone at the moment, and the next change found by
 * stepping a day at a time for two years, then bisecting to the second. */
static gboolean
describe_locally (const char *zone, gint64 at_usec, MctlZoneInfo *info, GError **error)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (zone);
  gint64 t = at_usec / G_USEC_PER_SEC;
  int here, there;

  if (tz == NULL)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "Invalid or not installed time zone '%s'", zone);
      return FALSE;
    }
#define INTERVAL_AT(s) g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, (s))
#define SAME(a, b) (g_time_zone_get_offset (tz, a) == g_time_zone_get_offset (tz, b) && \
                    g_time_zone_is_dst (tz, a) == g_time_zone_is_dst (tz, b) && \
                    g_strcmp0 (g_time_zone_get_abbreviation (tz, a), g_time_zone_get_abbreviation (tz, b)) == 0)
  here = INTERVAL_AT (t);
  info->utc_offset = g_time_zone_get_offset (tz, here);
  info->is_dst = g_time_zone_is_dst (tz, here);
  info->abbreviation = g_strdup (g_time_zone_get_abbreviation (tz, here));
  info->next_transition_usec = 0;
  info->utc_offset_after = info->utc_offset;
  info->is_dst_after = info->is_dst;
  info->abbreviation_after = g_strdup (info->abbreviation);
  for (gint64 day = t + 86400; day < t + 2 * 366 * 86400; day += 86400)
    {
      there = INTERVAL_AT (day);
      if (SAME (here, there))
        continue;
      gint64 lo = day - 86400, hi = day;
      while (hi - lo > 1)
        {
          gint64 mid = lo + (hi - lo) / 2;
          if (SAME (here, INTERVAL_AT (mid)))
            lo = mid;
          else
            hi = mid;
        }
      there = INTERVAL_AT (hi);
      info->next_transition_usec = hi * G_USEC_PER_SEC;
      info->utc_offset_after = g_time_zone_get_offset (tz, there);
      info->is_dst_after = g_time_zone_is_dst (tz, there);
      g_free (info->abbreviation_after);
      info->abbreviation_after = g_strdup (g_time_zone_get_abbreviation (tz, there));
      break;
    }
#undef SAME
#undef INTERVAL_AT
  return TRUE;
}

gboolean
mctl_describe (MctlContext *ctx, const char *zone, gint64 at_usec, MctlZoneInfo *info,
               GError **error)
{
  gboolean is_signed = mctl_describe_takes_signed_time ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) next = NULL;

  mctl_zone_info_clear (info);
  if (ctx->time1 == NULL)
    return describe_locally (zone, at_usec ? at_usec : g_get_real_time (), info, error);
  if (at_usec < 0 && !is_signed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("This meridiand describes zones from 1970 on only: its DescribeZone "
                             "takes an unsigned time, so the rules in force before 1970 cannot "
                             "be read through it."));
      return FALSE;
    }
  /* Called by name so that the same client works with either signature of the argument. */
  reply = g_dbus_proxy_call_sync (G_DBUS_PROXY (ctx->time1), "DescribeZone",
                                  is_signed ? g_variant_new ("(sx)", zone, at_usec)
                                            : g_variant_new ("(st)", zone, (guint64) at_usec),
                                  G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    return FALSE;
  if (g_variant_n_children (reply) != 7)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "DescribeZone answered %s", g_variant_get_type_string (reply));
      return FALSE;
    }
  g_variant_get_child (reply, 0, "i", &info->utc_offset);
  g_variant_get_child (reply, 1, "b", &info->is_dst);
  g_variant_get_child (reply, 2, "s", &info->abbreviation);
  next = g_variant_get_child_value (reply, 3);
  info->next_transition_usec = g_variant_is_of_type (next, G_VARIANT_TYPE_INT64)
                                 ? g_variant_get_int64 (next)
                                 : (gint64) g_variant_get_uint64 (next);
  g_variant_get_child (reply, 4, "i", &info->utc_offset_after);
  g_variant_get_child (reply, 5, "b", &info->is_dst_after);
  g_variant_get_child (reply, 6, "s", &info->abbreviation_after);
  return TRUE;
}

static gboolean
offset_at (MctlContext *ctx, const char *zone, gint64 utc_s, gint *offset, GError **error)
{
  g_auto(MctlZoneInfo) info = { 0 };
  /* 0 would mean "now": the epoch is asked as its first microsecond. */
  gint64 at = utc_s == 0 ? 1 : utc_s * G_USEC_PER_SEC;

  /* With an unsigned DescribeZone, nothing before the epoch can be asked: the epoch's
   * rules stand in only for the neighbourhood search below, never for an answer. */
  if (at < 0 && !mctl_describe_takes_signed_time ())
    at = 1;
  if (!mctl_describe (ctx, zone, at, &info, error))
    return FALSE;
  *offset = info.utc_offset;
  return TRUE;
}

gboolean
mctl_local_place (MctlContext *ctx, const char *zone, gint64 naive_local_s, MctlLocalTime *out,
                  GError **error)
{
  /* A wall time L happens at UTC u where u + offset(u) = L.  The offsets in force a day
   * before and a day after give the candidates (no zone changes twice within two days); a
   * candidate that maps back to L is a reading. */
  gint before, after, check;

  memset (out, 0, sizeof *out);
  if (!offset_at (ctx, zone, naive_local_s - 86400, &before, error) ||
      !offset_at (ctx, zone, naive_local_s + 86400, &after, error))
    return FALSE;

  const gint offsets[2] = { before, after };
  for (int i = 0; i < 2; i++)
    {
      gint64 candidate = naive_local_s - offsets[i];
      if (i == 1 && before == after)
        break;
      if (!offset_at (ctx, zone, candidate, &check, error))
        return FALSE;
      if (candidate + check == naive_local_s)
        {
          out->utc_s[out->n] = candidate;
          out->offset[out->n] = offsets[i];
          out->n++;
        }
    }
  if (out->n == 2 && out->utc_s[1] < out->utc_s[0])
    {
      gint64 t = out->utc_s[0];
      gint o = out->offset[0];
      out->utc_s[0] = out->utc_s[1];
      out->offset[0] = out->offset[1];
      out->utc_s[1] = t;
      out->offset[1] = o;
    }
  if (out->n == 0)
    {
      out->utc_s[0] = naive_local_s - before;
      out->offset[0] = before;
      out->utc_s[1] = naive_local_s - after;
      out->offset[1] = after;
    }
  return TRUE;
}

gint64
mctl_local_time_pick (const MctlLocalTime *t)
{
  return t->utc_s[0];
}

char *
mctl_format_offset (gint offset_s)
{
  char sign = offset_s < 0 ? '-' : '+';
  guint abs_s = (guint) ABS (offset_s);

  /* +HHMM as timedatectl and `date +%z` print it; seconds only for the odd LMT offsets. */
  if (abs_s % 60 != 0)
    return g_strdup_printf ("%c%02u%02u%02u", sign, abs_s / 3600, abs_s / 60 % 60, abs_s % 60);
  return g_strdup_printf ("%c%02u%02u", sign, abs_s / 3600, abs_s / 60 % 60);
}

char *
mctl_format_wall (gint64 utc_s, gint offset_s)
{
  /* The wall time is UTC shifted by the offset; the zone's own name is added by callers. */
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (utc_s + offset_s);

  if (dt == NULL)
    return g_strdup ("?");
  return g_date_time_format (dt, "%a %Y-%m-%d %H:%M:%S");
}

guint
mctl_display_width (const char *utf8)
{
  guint width = 0;

  for (const char *p = utf8; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

void
mctl_print_table (const char *const *labels, const char *const *values, guint n)
{
  guint widest = 0;

  for (guint i = 0; i < n; i++)
    widest = MAX (widest, mctl_display_width (labels[i]));
  for (guint i = 0; i < n; i++)
    g_print ("%*s%s: %s\n", (int) (widest - mctl_display_width (labels[i])), "", labels[i],
             values[i]);
}

void
mctl_print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

gboolean
mctl_parse_boolean (const char *text, gboolean *value)
{
  static const char *const yes[] = { "on", "yes", "true", "1", NULL };
  static const char *const no[] = { "off", "no", "false", "0", NULL };

  for (int i = 0; yes[i]; i++)
    if (g_ascii_strcasecmp (text, yes[i]) == 0)
      {
        *value = TRUE;
        return TRUE;
      }
  for (int i = 0; no[i]; i++)
    if (g_ascii_strcasecmp (text, no[i]) == 0)
      {
        *value = FALSE;
        return TRUE;
      }
  return FALSE;
}
