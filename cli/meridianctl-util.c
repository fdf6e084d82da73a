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
mctl_describe (MctlContext *ctx, const char *zone, guint64 at_usec, MctlZoneInfo *info,
               GError **error)
{
  mctl_zone_info_clear (info);
  return mrd_dbus_time1_call_describe_zone_sync (ctx->time1, zone, at_usec,
                                                 &info->utc_offset, &info->is_dst,
                                                 &info->abbreviation,
                                                 &info->next_transition_usec,
                                                 &info->utc_offset_after, &info->is_dst_after,
                                                 &info->abbreviation_after, NULL, error);
}

static gboolean
offset_at (MctlContext *ctx, const char *zone, gint64 utc_s, gint *offset, GError **error)
{
  g_auto(MctlZoneInfo) info = { 0 };

  /* DescribeZone takes µs as unsigned; times before 1970 are clamped to the epoch. */
  if (!mctl_describe (ctx, zone, utc_s > 0 ? (guint64) utc_s * G_USEC_PER_SEC : 1, &info, error))
    return FALSE;
  *offset = info.utc_offset;
  return TRUE;
}

gboolean
mctl_local_to_usec (MctlContext *ctx, const char *zone, gint64 naive_local_s, guint64 *usec,
                    GError **error)
{
  /* A wall time L happens at UTC u where u + offset(u) = L.  The offsets in force a day
   * before and a day after give the candidates; a candidate that maps back to L is a
   * solution.  Two solutions (clocks went back): take the earlier, as timedatectl's
   * mktime() does with tm_isdst = -1.  None (clocks went forward over L): use the offset
   * from before the gap, which lands just after it. */
  gint before, after, check;
  gint64 candidate, chosen = 0;
  gboolean found = FALSE;

  if (!offset_at (ctx, zone, naive_local_s - 86400, &before, error) ||
      !offset_at (ctx, zone, naive_local_s + 86400, &after, error))
    return FALSE;

  gint offsets[2] = { before, after };
  for (int i = 0; i < 2; i++)
    {
      candidate = naive_local_s - offsets[i];
      if (!offset_at (ctx, zone, candidate, &check, error))
        return FALSE;
      if (candidate + check == naive_local_s && (!found || candidate < chosen))
        {
          chosen = candidate;
          found = TRUE;
        }
    }
  if (!found)
    chosen = naive_local_s - before;
  if (chosen < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The time is before 1970, which the system clock cannot be set to"));
      return FALSE;
    }
  *usec = (guint64) chosen * G_USEC_PER_SEC;
  return TRUE;
}

gboolean
mctl_parse_naive_time (const char *text, gint64 *naive_s)
{
  int year, month, day, hour, minute, second = 0, used = 0;
  char sep;
  g_autoptr(GDateTime) dt = NULL;

  if (sscanf (text, "%4d-%2d-%2d%c%2d:%2d%n", &year, &month, &day, &sep, &hour, &minute,
              &used) != 6 || (sep != ' ' && sep != 'T'))
    return FALSE;
  if (text[used] == ':')
    {
      int more = 0;
      if (sscanf (text + used, ":%2d%n", &second, &more) != 1)
        return FALSE;
      used += more;
    }
  if (text[used] != '\0')
    return FALSE;
  /* g_date_time_new_utc rejects February 30 and friends. */
  dt = g_date_time_new_utc (year, month, day, hour, minute, second);
  if (dt == NULL || second > 59)
    return FALSE;
  *naive_s = g_date_time_to_unix (dt);
  return TRUE;
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
