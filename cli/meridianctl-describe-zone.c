/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl describe-zone ZONE [--at TIME]: a zone's rules at a moment (DescribeZone), said
 * in plain words: its offset, whether daylight saving time is on, and when the clocks next
 * change and by how much. */
#include <string.h>
#include <glib/gi18n.h>

#include "meridianctl.h"

/* "1 hour", "30 minutes", "1 hour 30 minutes" */
static char *
format_shift (gint seconds)
{
  gint minutes = ABS (seconds) / 60;
  gint h = minutes / 60, m = minutes % 60;
  g_autofree char *hours = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d hour", "%d hours", h), h);
  g_autofree char *mins = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute", "%d minutes", m), m);

  if (m == 0)
    return g_steal_pointer (&hours);
  if (h == 0)
    return g_steal_pointer (&mins);
  /* TRANSLATORS: an hours and minutes amount, e.g. "1 hour 30 minutes" */
  return g_strdup_printf (_("%s %s"), hours, mins);
}

/* TIME: "now", "@SECONDS" since the epoch, ISO 8601 with a zone ("2026-07-01T12:00:00Z"), or
 * "YYYY-MM-DD HH:MM[:SS]" as a wall-clock time in the zone being described. */
static gboolean
parse_at (MctlContext *ctx, const char *zone, const char *text, guint64 *at_usec,
          GError **error)
{
  gint64 naive;

  if (g_str_equal (text, "now"))
    {
      *at_usec = 0;
      return TRUE;
    }
  if (text[0] == '@')
    {
      guint64 seconds;
      if (g_ascii_string_to_unsigned (text + 1, 10, 0, G_MAXINT64 / G_USEC_PER_SEC, &seconds, NULL))
        {
          /* 0 would mean "now" to DescribeZone: the epoch is its first microsecond. */
          *at_usec = seconds ? seconds * G_USEC_PER_SEC : 1;
          return TRUE;
        }
    }
  else if (mctl_parse_naive_time (text, &naive))
    return mctl_local_to_usec (ctx, zone, naive, at_usec, error);
  else
    {
      g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
      g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (text, utc);
      if (dt && g_date_time_to_unix (dt) >= 0)
        {
          *at_usec = (guint64) g_date_time_to_unix (dt) * G_USEC_PER_SEC;
          return TRUE;
        }
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("'%s' is not a time meridianctl understands. Use \"YYYY-MM-DD HH:MM:SS\" "
                 "(in the zone), an ISO 8601 time with its offset, @SECONDS or now."), text);
  return FALSE;
}

static int
report_failure (MctlContext *ctx, const GError *error)
{
  int status = mctl_report_error (ctx, _("Cannot describe the time zone"), error);

  if (status == MCTL_EXIT_INVALID_ARG)
    g_printerr (_("See 'meridianctl list-timezones' for the names you can use.\n"));
  return status;
}

int
mctl_describe_zone (MctlContext *ctx, int argc, char **argv)
{
  g_autofree char *at = NULL;
  const GOptionEntry entries[] = {
    { "at", 0, 0, G_OPTION_ARG_STRING, &at,
      N_("Describe the zone at TIME instead of now: \"YYYY-MM-DD HH:MM:SS\" (in the zone), "
         "ISO 8601 with an offset, or @SECONDS"), N_("TIME") },
    { NULL }
  };
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "describe-zone", "ZONE", entries);
  g_auto(MctlZoneInfo) info = { 0 };
  g_autoptr(GError) error = NULL;
  const char *zone;
  guint64 at_usec = 0;
  gint64 at_s;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc != 2)
    return mctl_usage_error (ctx, "describe-zone", _("describe-zone takes one time zone name"));
  zone = argv[1];
  if (!mctl_connect (ctx))
    return MCTL_EXIT_UNREACHABLE;

  if (at && !parse_at (ctx, zone, at, &at_usec, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
        {
          g_printerr ("%s\n", error->message);
          return MCTL_EXIT_INVALID_ARG;
        }
      return report_failure (ctx, error);
    }
  if (at_usec == 0)
    at_usec = mrd_dbus_time1_get_time_usec (ctx->time1);
  if (at_usec == 0)
    at_usec = (guint64) g_get_real_time ();
  if (!mctl_describe (ctx, zone, at_usec, &info, &error))
    {
      return report_failure (ctx, error);
    }
  at_s = (gint64) (at_usec / G_USEC_PER_SEC);

  if (ctx->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "Zone");
      json_builder_add_string_value (b, zone);
      json_builder_set_member_name (b, "AtUSec");
      json_builder_add_int_value (b, (gint64) at_usec);
      json_builder_set_member_name (b, "UTCOffset");
      json_builder_add_int_value (b, info.utc_offset);
      json_builder_set_member_name (b, "IsDST");
      json_builder_add_boolean_value (b, info.is_dst);
      json_builder_set_member_name (b, "Abbreviation");
      json_builder_add_string_value (b, info.abbreviation);
      json_builder_set_member_name (b, "NextTransitionUSec");
      if (info.next_transition_usec)
        json_builder_add_int_value (b, (gint64) info.next_transition_usec);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "UTCOffsetAfter");
      json_builder_add_int_value (b, info.utc_offset_after);
      json_builder_set_member_name (b, "IsDSTAfter");
      json_builder_add_boolean_value (b, info.is_dst_after);
      json_builder_set_member_name (b, "AbbreviationAfter");
      json_builder_add_string_value (b, info.abbreviation_after);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      mctl_print_json (node);
      return MCTL_EXIT_OK;
    }

  g_autofree char *local = mctl_format_wall (at_s, info.utc_offset);
  g_autofree char *utc = mctl_format_wall (at_s, 0);
  g_autofree char *at_line = g_strdup_printf ("%s %s (%s UTC)", local, info.abbreviation, utc);
  g_autofree char *offset = mctl_format_offset (info.utc_offset);
  g_autofree char *next_line = NULL;
  g_autofree char *after_line = NULL;

  if (info.next_transition_usec == 0)
    {
      next_line = g_strdup (_("none: the zone keeps this offset"));
      after_line = NULL;
    }
  else
    {
      gint64 next_s = (gint64) (info.next_transition_usec / G_USEC_PER_SEC);
      gint shift = info.utc_offset_after - info.utc_offset;
      /* The moment of the change in the old wall time (when the clock shows it) and in UTC. */
      g_autofree char *next_local = mctl_format_wall (next_s, info.utc_offset);
      g_autofree char *next_utc = mctl_format_wall (next_s, 0);
      g_autofree char *new_local = mctl_format_wall (next_s, info.utc_offset_after);
      g_autofree char *offset_after = mctl_format_offset (info.utc_offset_after);
      g_autofree char *amount = format_shift (shift);
      g_autofree char *what = NULL;
      const char *kind = info.is_dst_after ? _("daylight saving time") : _("standard time");

      next_line = g_strdup_printf ("%s %s (%s UTC)", next_local, info.abbreviation, next_utc);
      if (shift > 0)
        what = g_strdup_printf (_("clocks go forward %s, to %s"), amount, new_local);
      else if (shift < 0)
        what = g_strdup_printf (_("clocks go back %s, to %s"), amount, new_local);
      else
        what = g_strdup (_("clocks do not change"));
      /* Numeric "abbreviations" such as "+1030" would only repeat the offset. */
      gboolean named = info.abbreviation_after[0] != '+' && info.abbreviation_after[0] != '-';
      g_autofree char *offset_name = named ? g_strdup_printf ("%s %s", offset_after,
                                                              info.abbreviation_after)
                                           : g_strdup (offset_after);
      /* TRANSLATORS: "+0100 CET, standard time; clocks go back 1 hour, to Sun 2026-10-25 02:00:00" */
      after_line = g_strdup_printf (_("%s, %s; %s"), offset_name, kind, what);
    }

  const char *labels[] = {
    _("Time zone"), _("At"), _("UTC offset"), _("Daylight saving time"), _("Abbreviation"),
    _("Next change"), _("After it"),
  };
  const char *values[] = {
    zone, at_line, offset, info.is_dst ? _("yes") : _("no"), info.abbreviation,
    next_line, after_line,
  };
  mctl_print_table (labels, values, after_line ? G_N_ELEMENTS (labels) : G_N_ELEMENTS (labels) - 1);
  return MCTL_EXIT_OK;
}
