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

/* --at TIME (systemd.time(7), see meridianctl-time.c); a wall-clock time is read in the zone
 * being described and placed with its rules, saying so when it falls in a gap or a repeat. */
static gboolean
parse_at (MctlContext *ctx, const char *zone, const char *text, gint64 now_usec, gint64 *at_usec,
          MctlLocalTime *placed, gboolean *was_local, GError **error)
{
  g_auto(MctlZoneInfo) now_info = { 0 };
  MctlTimeSpec spec;

  *was_local = FALSE;
  /* Today is today in the zone described. */
  if (!mctl_describe (ctx, zone, now_usec, &now_info, error))
    return FALSE;
  if (!mctl_time_parse (text, now_usec, now_info.utc_offset, &spec))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("'%s' is not a time meridianctl understands."), text);
      return FALSE;
    }
  if (!spec.local)
    {
      *at_usec = spec.usec;
      return TRUE;
    }
  if (!mctl_local_place (ctx, zone, spec.naive_s, placed, error))
    return FALSE;
  *was_local = TRUE;
  *at_usec = mctl_local_time_pick (placed) * G_USEC_PER_SEC + spec.frac_usec;
  return TRUE;
}

static char *
wall_time (gint64 s)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (s);
  return dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

/* What happens to a wall-clock time that the clocks skip or show twice. */
static void
print_placement (const char *zone, gint64 naive_s, const MctlLocalTime *t)
{
  g_autofree char *local = wall_time (naive_s);
  g_autofree char *u0 = wall_time (t->utc_s[0]);
  g_autofree char *u1 = wall_time (t->utc_s[1]);
  g_autofree char *o0 = mctl_format_offset (t->offset[0]);
  g_autofree char *o1 = mctl_format_offset (t->offset[1]);

  if (t->n == 2)
    g_print (_("%s happens twice in %s, because the clocks go back: first at %s UTC (%s), "
               "then at %s UTC (%s). The first is described below; add the offset to the time "
               "to ask about the other.\n\n"), local, zone, u0, o0, u1, o1);
  else if (t->n == 0)
    {
      /* Each reading lands on the other side of the gap, where the other offset applies. */
      g_autofree char *shown0 = wall_time (t->utc_s[0] + t->offset[1]);
      g_autofree char *shown1 = wall_time (t->utc_s[1] + t->offset[0]);
      g_print (_("%s does not exist in %s: the clocks go forward over it. Read with the offset "
                 "before the change (%s) it is %s UTC, when the clocks show %s; read with the "
                 "offset after it (%s) it is %s UTC, when they show %s. The first is described "
                 "below.\n\n"), local, zone, o0, u0, shown0, o1, u1, shown1);
    }
}

static int
report_failure (MctlContext *ctx, const char *zone, const GError *error)
{
  g_autofree char *what = g_strdup_printf (_("Cannot describe the time zone %s"), zone);
  int status = mctl_report_error (ctx, what, error);

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
         "ISO 8601 with an offset, @SECONDS, now, today, +5min, -1h…"), N_("TIME") },
    { NULL }
  };
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "describe-zone", "ZONE", entries);
  g_auto(MctlZoneInfo) info = { 0 };
  g_autoptr(GError) error = NULL;
  const char *zone;
  gint64 at_usec = 0, now_usec, at_s;
  MctlLocalTime placed = { 0 };
  gboolean was_local = FALSE;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc != 2)
    return mctl_usage_error (ctx, "describe-zone", _("describe-zone takes one time zone name"));
  zone = argv[1];
  if (!mctl_connect (ctx))
    return MCTL_EXIT_UNREACHABLE;

  now_usec = mctl_get_time_usec (ctx);
  if (at && !parse_at (ctx, zone, at, now_usec, &at_usec, &placed, &was_local, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
        {
          g_printerr ("%s\n%s\n", error->message, mctl_time_accepted ());
          return MCTL_EXIT_INVALID_ARG;
        }
      return report_failure (ctx, zone, error);
    }
  if (at == NULL)
    at_usec = now_usec;
  if (!mctl_describe (ctx, zone, at_usec, &info, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          g_printerr ("%s\n", error->message);
          return MCTL_EXIT_FAILURE;
        }
      return report_failure (ctx, zone, error);
    }
  at_s = at_usec >= 0 ? at_usec / G_USEC_PER_SEC : -((-at_usec + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);

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
      if (was_local)
        {
          /* How often the wall-clock time asked for occurs, and when (µs, UTC). */
          json_builder_set_member_name (b, "LocalTimeOccurs");
          json_builder_add_int_value (b, placed.n);
          json_builder_set_member_name (b, "LocalTimeReadingsUSec");
          json_builder_begin_array (b);
          for (guint i = 0; i < (placed.n == 1 ? 1u : 2u); i++)
            json_builder_add_int_value (b, placed.utc_s[i] * G_USEC_PER_SEC);
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      mctl_print_json (node);
      return MCTL_EXIT_OK;
    }

  if (was_local && placed.n != 1)
    print_placement (zone, placed.utc_s[0] + placed.offset[0], &placed);
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
      gint64 next_s = info.next_transition_usec / G_USEC_PER_SEC;
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
