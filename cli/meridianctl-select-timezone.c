/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * meridianctl select-timezone: choose the zone by asking, as tzselect(8) does — region, then
 * country, then zone — answering by number or by typing part of a name.  0 goes back a level.
 * A city typed at any level ("los angeles") goes straight to its zone.  Zones are shown with
 * their abbreviation and UTC offset now; country names are in the user's language where
 * iso-codes translates them, and match what is typed in that language too ("한국").
 *
 * Two ListCountryZones calls at most: every row (for the regions and countries), then the
 * chosen country's zones.  Needs a terminal; scripts use set-timezone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <glib/gi18n.h>

#include "meridianctl.h"

/* The first component of zone names, in tzselect's order, with the words it uses. */
static const struct {
  const char *prefix;
  const char *label;
} regions[] = {
  { "Africa",     N_("Africa") },
  { "America",    N_("Americas") },
  { "Antarctica", N_("Antarctica") },
  { "Arctic",     N_("Arctic Ocean") },
  { "Asia",       N_("Asia") },
  { "Atlantic",   N_("Atlantic Ocean") },
  { "Australia",  N_("Australia") },
  { "Europe",     N_("Europe") },
  { "Indian",     N_("Indian Ocean") },
  { "Pacific",    N_("Pacific Ocean") },
};

typedef struct {
  char *label; /* shown, and matched against what is typed */
  char *keys;  /* more words that match (newline-separated), may be NULL */
  char *value; /* what the choice stands for */
} Choice;

static void
choice_free (Choice *c)
{
  g_free (c->label);
  g_free (c->keys);
  g_free (c->value);
  g_free (c);
}

static void
add_choice (GPtrArray *choices, const char *label, const char *keys, const char *value)
{
  Choice *c = g_new0 (Choice, 1);
  c->label = g_strdup (label);
  c->keys = g_strdup (keys);
  c->value = g_strdup (value);
  g_ptr_array_add (choices, c);
}

static int
compare_choices (gconstpointer a, gconstpointer b)
{
  const Choice *ca = *(Choice *const *) a, *cb = *(Choice *const *) b;
  return g_utf8_collate (ca->label, cb->label);
}

/* A line from the terminal without its newline, or NULL at end of input. */
static char *
read_answer (void)
{
  char buffer[512];

  if (fgets (buffer, sizeof buffer, stdin) == NULL)
    return NULL;
  return g_strstrip (g_strdup (buffer));
}

/* Case-folded, with '_', '/' and '-' read as spaces: "Los_Angeles" matches "los angeles". */
static char *
normalize (const char *text)
{
  g_autofree char *folded = g_utf8_casefold (text, -1);
  GString *out = g_string_new (NULL);

  for (const char *p = folded; *p; p++)
    {
      char c = (*p == '_' || *p == '/' || *p == '-') ? ' ' : *p;
      if (c == ' ' && (out->len == 0 || out->str[out->len - 1] == ' '))
        continue;
      g_string_append_c (out, c);
    }
  if (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}

typedef enum { MATCH_EXACT, MATCH_PART, MATCH_IN_ORDER } MatchKind;

/* Whether every character of `wanted` appears in `have`, in order: "한국" in "대한민국",
 * "lsangeles" in "los angeles". */
static gboolean
in_order (const char *have, const char *wanted)
{
  const char *h = have;

  for (const char *w = wanted; *w; w = g_utf8_next_char (w))
    {
      gunichar c = g_utf8_get_char (w);
      while (*h && g_utf8_get_char (h) != c)
        h = g_utf8_next_char (h);
      if (*h == '\0')
        return FALSE;
      h = g_utf8_next_char (h);
    }
  return TRUE;
}

static gboolean
matches (const Choice *c, const char *answer, MatchKind kind)
{
  g_autofree char *wanted = normalize (answer);
  g_auto(GStrv) keys = c->keys ? g_strsplit (c->keys, "\n", -1) : NULL;
  guint n = keys ? g_strv_length (keys) : 0;

  for (guint i = 0; i <= n; i++)
    {
      const char *text = i == 0 ? c->label : keys[i - 1];
      g_autofree char *have = NULL;

      if (text == NULL || *text == '\0')
        continue;
      have = normalize (text);
      if (kind == MATCH_EXACT ? g_str_equal (have, wanted)
          : kind == MATCH_PART ? strstr (have, wanted) != NULL
          : g_utf8_strlen (wanted, -1) >= 2 && in_order (have, wanted))
        return TRUE;
    }
  return FALSE;
}

static guint
terminal_width (void)
{
  struct winsize ws = { 0 };

  if (ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
    return ws.ws_col;
  return 80;
}

/* The numbered menu in as many columns as fit, numbered down each column, as bash's `select`
 * lays out tzselect's menus; "0) Back" under it when there is a level to go back to. */
static void
print_menu (GPtrArray *choices, gboolean can_go_back)
{
  guint widest = 0, columns, rows;
  const guint gap = 2;

  for (guint i = 0; i < choices->len; i++)
    widest = MAX (widest, mctl_display_width (((Choice *) choices->pdata[i])->label));
  widest += 6; /* "%4u) " */
  columns = MAX (1u, (terminal_width () + gap) / (widest + gap));
  rows = (choices->len + columns - 1) / columns;
  for (guint r = 0; r < rows; r++)
    {
      for (guint c = 0; c < columns; c++)
        {
          guint i = c * rows + r;
          const char *label;

          if (i >= choices->len)
            break;
          label = ((Choice *) choices->pdata[i])->label;
          g_print ("%4u) %s", i + 1, label);
          if (c + 1 < columns && i + rows < choices->len)
            g_print ("%*s", (int) (widest - 6 - mctl_display_width (label) + gap), "");
        }
      g_print ("\n");
    }
  if (can_go_back)
    g_print ("%4u) %s\n", 0u, _("Back to the previous question"));
}

enum { CHOSE_END = -1, CHOSE_BACK = -2, CHOSE_ZONE = -3 };

/* Zones whose name holds what was typed ("los angeles", "seoul"), as choices. */
static GPtrArray *
find_zones (GPtrArray *rows, const char *answer)
{
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) choice_free);
  g_autofree char *wanted = normalize (answer);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (g_utf8_strlen (wanted, -1) < 3)
    return found; /* two letters match half the world */
  for (guint i = 0; i < rows->len; i++)
    {
      const MctlZoneRow *row = rows->pdata[i];
      g_autofree char *have = normalize (row->zone);
      if (strstr (have, wanted) != NULL && g_hash_table_add (seen, row->zone))
        add_choice (found, row->zone, NULL, row->zone);
    }
  return found;
}

/* Asks until one choice is picked; returns its index, CHOSE_BACK, CHOSE_END at end of input,
 * or CHOSE_ZONE with *zone set when a zone's name was typed instead. */
static int
choose (const char *question, GPtrArray *choices, gboolean can_go_back, GPtrArray *all_rows,
        char **zone)
{
  g_print ("%s\n", question);
  print_menu (choices, can_go_back);

  for (;;)
    {
      g_autofree char *answer = NULL;
      g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (guint));
      guint64 number;

      g_print (_("Type a number or part of a name: "));
      fflush (stdout);
      answer = read_answer ();
      if (answer == NULL)
        return CHOSE_END;
      if (*answer == '\0')
        continue;
      if (can_go_back && g_str_equal (answer, "0"))
        return CHOSE_BACK;
      if (g_ascii_string_to_unsigned (answer, 10, 1, choices->len, &number, NULL))
        return (int) number - 1;

      for (guint i = 0; i < choices->len; i++)
        if (matches (choices->pdata[i], answer, MATCH_EXACT))
          return (int) i;
      for (guint i = 0; i < choices->len; i++)
        if (matches (choices->pdata[i], answer, MATCH_PART))
          g_array_append_val (found, i);
      /* Nothing holds it whole: the letters in order, a city's name aside. */
      if (found->len == 0)
        {
          g_autoptr(GPtrArray) zones = find_zones (all_rows, answer);
          if (zones->len == 0)
            for (guint i = 0; i < choices->len; i++)
              if (matches (choices->pdata[i], answer, MATCH_IN_ORDER))
                g_array_append_val (found, i);
        }
      if (found->len == 1)
        return (int) g_array_index (found, guint, 0);
      if (found->len == 0)
        {
          /* Not in this menu: perhaps a city, wherever it is. */
          g_autoptr(GPtrArray) zones = find_zones (all_rows, answer);
          if (zones->len == 1)
            {
              *zone = g_strdup (((Choice *) zones->pdata[0])->value);
              return CHOSE_ZONE;
            }
          if (zones->len > 1)
            {
              int picked;
              g_print (_("'%s' matches these time zones:\n"), answer);
              picked = choose (_("Please select one of them."), zones, TRUE, all_rows, zone);
              if (picked >= 0)
                {
                  *zone = g_strdup (((Choice *) zones->pdata[picked])->value);
                  return CHOSE_ZONE;
                }
              if (picked != CHOSE_BACK)
                return picked;
              g_print ("\n%s\n", question);
              print_menu (choices, can_go_back);
              continue;
            }
          g_print (_("Nothing matches '%s'. Type a number from 1 to %u, or part of a name.\n"),
                   answer, choices->len);
          continue;
        }
      g_print (_("'%s' matches more than one:\n"), answer);
      for (guint j = 0; j < found->len; j++)
        {
          guint i = g_array_index (found, guint, j);
          g_print ("%4u) %s\n", i + 1, ((Choice *) choices->pdata[i])->label);
        }
    }
}

static gboolean
in_region (const MctlZoneRow *row, const char *prefix)
{
  return g_str_has_prefix (row->zone, prefix) && row->zone[strlen (prefix)] == '/';
}

/* "Asia/Seoul (KST, +0900)"; a numeric abbreviation ("+04") would only repeat the offset. */
static char *
zone_label (const MctlZoneRow *row)
{
  g_autofree char *offset = mctl_format_offset (row->utc_offset);
  gboolean named = row->abbreviation && *row->abbreviation &&
                   row->abbreviation[0] != '+' && row->abbreviation[0] != '-';
  g_autofree char *when = named ? g_strdup_printf ("%s, %s", row->abbreviation, offset)
                                : g_strdup (offset);

  if (row->comment && *row->comment)
    return g_strdup_printf ("%s (%s) — %s", row->zone, when, row->comment);
  return g_strdup_printf ("%s (%s)", row->zone, when);
}

static const MctlZoneRow *
row_of (GPtrArray *rows, const char *zone)
{
  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (((MctlZoneRow *) rows->pdata[i])->zone, zone))
      return rows->pdata[i];
  return NULL;
}

static gboolean
confirm (MctlContext *ctx, const MctlZoneRow *row, const char *country)
{
  gint64 now = mctl_get_time_usec (ctx);
  g_autofree char *wall = mctl_format_wall (now / G_USEC_PER_SEC, row->utc_offset);
  g_autofree char *offset = mctl_format_offset (row->utc_offset);

  g_print ("\n");
  g_print (_("%s, %s (%s, %s): the time there is now %s.\n"), country, row->zone,
           row->abbreviation, offset, wall);
  for (;;)
    {
      g_autofree char *answer = NULL;

      g_print (_("Make this the system time zone? [Y/n] "));
      fflush (stdout);
      answer = read_answer ();
      if (answer == NULL)
        return FALSE;
      if (*answer == '\0')
        return TRUE;
      /* rpmatch(3): the locale's own yes and no, e.g. 예 and 아니요 in Korean. */
      switch (rpmatch (answer))
        {
        case 1:
          return TRUE;
        case 0:
          return FALSE;
        default:
          break;
        }
    }
}

/* The countries under a region, labelled in the user's language. */
static GPtrArray *
countries_in (GPtrArray *rows, const char *prefix)
{
  GPtrArray *choices = g_ptr_array_new_with_free_func ((GDestroyNotify) choice_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) has_own_rows = g_hash_table_new (g_str_hash, g_str_equal);

  /* A country is under the regions of its own rows ([CC] alone) when it has any, so Iceland
   * (Atlantic/Reykjavik) is not under Africa for sharing Africa/Abidjan's rules. */
  for (guint i = 0; i < rows->len; i++)
    {
      const MctlZoneRow *z = rows->pdata[i];
      if (z->codes && z->codes[0] && !z->codes[1])
        g_hash_table_add (has_own_rows, z->codes[0]);
    }
  for (guint i = 0; i < rows->len; i++)
    {
      const MctlZoneRow *z = rows->pdata[i];
      if (!in_region (z, prefix) || z->codes == NULL)
        continue;
      for (int c = 0; z->codes[c]; c++)
        {
          const char *english = mctl_zone_row_country_name (z, z->codes[c]);
          if (g_hash_table_contains (has_own_rows, z->codes[c]) &&
              !mctl_zone_row_is_only (z, z->codes[c]))
            continue;
          if (g_hash_table_add (seen, z->codes[c]))
            {
              g_autofree char *label = mctl_country_label (z->codes[c], english);
              g_autofree char *iso = mctl_country_keys (z->codes[c]);
              g_autofree char *keys = g_strdup_printf ("%s\n%s", english, iso);
              add_choice (choices, label, keys, z->codes[c]);
            }
        }
    }
  g_ptr_array_sort (choices, compare_choices);
  return choices;
}

/* The country a zone row belongs to, for the confirmation line. */
static char *
country_of (const MctlZoneRow *row)
{
  const char *code = row->codes && row->codes[0] ? row->codes[0] : "";
  return mctl_country_label (code, mctl_zone_row_country_name (row, code));
}

int
mctl_select_timezone (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "select-timezone", "", NULL);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) region_choices = g_ptr_array_new_with_free_func ((GDestroyNotify) choice_free);
  g_autoptr(GPtrArray) country_choices = NULL;
  g_autoptr(GPtrArray) zone_choices = NULL;
  g_autoptr(GPtrArray) country_rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *typed_zone = NULL;
  g_autofree char *country_label = NULL;
  const MctlZoneRow *chosen = NULL;
  enum { REGION, COUNTRY, ZONE, CONFIRM } level = REGION;
  const Choice *region = NULL, *country = NULL;
  int picked;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc > 1)
    return mctl_usage_error (ctx, "select-timezone", _("select-timezone takes no arguments"));
  if (!isatty (STDIN_FILENO))
    {
      g_printerr (_("select-timezone asks questions, so it needs a terminal.\n"));
      g_printerr (_("To set the time zone from a script, use: meridianctl set-timezone ZONE "
                    "(see 'meridianctl list-timezones').\n"));
      return MCTL_EXIT_NO_TERMINAL;
    }
  if (!mctl_connect (ctx))
    return MCTL_EXIT_UNREACHABLE;
  if (!mctl_require_meridiand (ctx, "select-timezone"))
    return MCTL_EXIT_UNREACHABLE;
  rows = mctl_country_zones (ctx, "", &error);
  if (rows == NULL)
    return mctl_report_error (ctx, _("Cannot list the time zones"), error);

  for (gsize r = 0; r < G_N_ELEMENTS (regions); r++)
    for (guint i = 0; i < rows->len; i++)
      if (in_region (rows->pdata[i], regions[r].prefix))
        {
          add_choice (region_choices, _(regions[r].label), regions[r].prefix, regions[r].prefix);
          break;
        }
  if (region_choices->len == 0)
    {
      g_printerr (_("meridiand lists no time zones to choose from.\n"));
      return MCTL_EXIT_FAILURE;
    }

  while (level != CONFIRM)
    {
      g_clear_pointer (&typed_zone, g_free);
      switch (level)
        {
        case REGION:
          picked = choose (_("Please select a continent or ocean, or type a city."),
                           region_choices, FALSE, rows, &typed_zone);
          if (picked >= 0)
            {
              region = region_choices->pdata[picked];
              g_clear_pointer (&country_choices, g_ptr_array_unref);
              country_choices = countries_in (rows, region->value);
              level = COUNTRY;
            }
          break;

        case COUNTRY:
          if (country_choices->len == 1)
            picked = 0;
          else
            {
              g_print ("\n");
              picked = choose (_("Please select a country."), country_choices, TRUE, rows,
                               &typed_zone);
            }
          if (picked == CHOSE_BACK)
            level = REGION;
          else if (picked >= 0)
            {
              country = country_choices->pdata[picked];
              /* The country's zones, as the daemon counts them (zone.tab's view). */
              g_clear_pointer (&country_rows, g_ptr_array_unref);
              country_rows = mctl_country_zones (ctx, country->value, &error);
              if (country_rows == NULL)
                return mctl_report_error (ctx, _("Cannot list the time zones"), error);
              g_clear_pointer (&zone_choices, g_ptr_array_unref);
              zone_choices = g_ptr_array_new_with_free_func ((GDestroyNotify) choice_free);
              for (guint i = 0; i < country_rows->len; i++)
                {
                  g_autofree char *label = zone_label (country_rows->pdata[i]);
                  add_choice (zone_choices, label, ((MctlZoneRow *) country_rows->pdata[i])->zone,
                              ((MctlZoneRow *) country_rows->pdata[i])->zone);
                }
              if (zone_choices->len == 0)
                break; /* cannot happen with tzdata's tables: every country has a zone */
              level = ZONE;
            }
          break;

        case ZONE:
          if (zone_choices->len == 1)
            picked = 0;
          else
            {
              g_print ("\n");
              picked = choose (_("Please select one of the following time zones."),
                               zone_choices, TRUE, rows, &typed_zone);
            }
          if (picked == CHOSE_BACK)
            level = country_choices->len == 1 ? REGION : COUNTRY;
          else if (picked >= 0)
            {
              chosen = country_rows->pdata[picked];
              country_label = g_strdup (country->label);
              level = CONFIRM;
            }
          break;

        case CONFIRM:
          break;
        }

      if (picked == CHOSE_END)
        goto cancelled;
      if (picked == CHOSE_ZONE)
        {
          chosen = row_of (rows, typed_zone);
          if (chosen == NULL)
            continue;
          g_free (country_label);
          country_label = country_of (chosen);
          level = CONFIRM;
        }
    }

  if (!confirm (ctx, chosen, country_label))
    goto cancelled;
  if (!mctl_call_mutating (ctx, "SetTimezone", g_variant_new ("(s)", chosen->zone), &error))
    return mctl_report_error (ctx, _("Cannot set the time zone"), error);
  g_print (_("The system time zone is now %s.\n"), chosen->zone);
  return MCTL_EXIT_OK;

cancelled:
  g_print ("\n%s\n", _("Cancelled; the time zone was not changed."));
  return MCTL_EXIT_FAILURE;
}
