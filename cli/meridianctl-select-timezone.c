/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl select-timezone: choose the zone by asking, as tzselect(8) does — region,
 * then country, then zone — from ListZones (zone1970.tab with country names), answering by
 * number or by typing part of a name.  Needs a terminal; scripts use set-timezone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <glib/gi18n.h>

#include "meridianctl.h"

/* The first component of zone1970.tab names, in tzselect's order, with the words it uses. */
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
  char *key;   /* also matched (the untranslated name), may be NULL */
  char *value; /* what the choice stands for */
} Choice;

static void
choice_free (Choice *c)
{
  g_free (c->label);
  g_free (c->key);
  g_free (c->value);
  g_free (c);
}

static void
add_choice (GPtrArray *choices, const char *label, const char *key, const char *value)
{
  Choice *c = g_new0 (Choice, 1);
  c->label = g_strdup (label);
  c->key = g_strdup (key);
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

static gboolean
matches (const Choice *c, const char *folded_answer, gboolean exact)
{
  const char *texts[] = { c->label, c->key };

  for (int i = 0; i < 2; i++)
    {
      g_autofree char *folded = texts[i] ? g_utf8_casefold (texts[i], -1) : NULL;
      if (folded == NULL)
        continue;
      if (exact ? g_str_equal (folded, folded_answer) : strstr (folded, folded_answer) != NULL)
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
 * lays out tzselect's menus. */
static void
print_menu (GPtrArray *choices)
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
}

/* Asks until one choice is picked; returns its index, or -1 at end of input. */
static int
choose (const char *question, GPtrArray *choices)
{
  g_print ("%s\n", question);
  print_menu (choices);

  for (;;)
    {
      g_autofree char *answer = NULL;
      g_autofree char *folded = NULL;
      g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (guint));
      guint64 number;

      g_print (_("Type a number or part of a name: "));
      fflush (stdout);
      answer = read_answer ();
      if (answer == NULL)
        return -1;
      if (*answer == '\0')
        continue;
      if (g_ascii_string_to_unsigned (answer, 10, 1, choices->len, &number, NULL))
        return (int) number - 1;

      folded = g_utf8_casefold (answer, -1);
      for (guint i = 0; i < choices->len; i++)
        if (matches (choices->pdata[i], folded, TRUE))
          return (int) i;
      for (guint i = 0; i < choices->len; i++)
        if (matches (choices->pdata[i], folded, FALSE))
          g_array_append_val (found, i);
      if (found->len == 1)
        return (int) g_array_index (found, guint, 0);
      if (found->len == 0)
        {
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

static gboolean
confirm (MctlContext *ctx, const char *zone, const char *country)
{
  g_auto(MctlZoneInfo) info = { 0 };
  guint64 now = mrd_dbus_time1_get_time_usec (ctx->time1);

  if (now == 0)
    now = (guint64) g_get_real_time ();
  g_print ("\n");
  if (mctl_describe (ctx, zone, now, &info, NULL))
    {
      g_autofree char *wall = mctl_format_wall ((gint64) (now / G_USEC_PER_SEC), info.utc_offset);
      g_autofree char *offset = mctl_format_offset (info.utc_offset);
      g_print (_("%s, %s (%s, %s): the time there is now %s.\n"), country, zone,
               info.abbreviation, offset, wall);
    }
  else
    g_print ("%s, %s\n", country, zone);

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

int
mctl_select_timezone (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "select-timezone", "", NULL);
  g_autoptr(GPtrArray) zones = NULL;
  g_autoptr(GPtrArray) region_choices = g_ptr_array_new_with_free_func ((GDestroyNotify) choice_free);
  g_autoptr(GPtrArray) country_choices = g_ptr_array_new_with_free_func ((GDestroyNotify) choice_free);
  g_autoptr(GPtrArray) zone_choices = g_ptr_array_new_with_free_func ((GDestroyNotify) choice_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) has_own_rows = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) country_zones = NULL;
  g_autoptr(GError) error = NULL;
  const Choice *region, *country, *zone;
  int picked, status;

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
  zones = mctl_zone_rows_load (ctx, &error);
  if (zones == NULL)
    return mctl_report_error (ctx, _("Cannot list the time zones"), error);

  for (gsize r = 0; r < G_N_ELEMENTS (regions); r++)
    for (guint i = 0; i < zones->len; i++)
      if (in_region (zones->pdata[i], regions[r].prefix))
        {
          add_choice (region_choices, _(regions[r].label), regions[r].prefix, regions[r].prefix);
          break;
        }
  if (region_choices->len == 0)
    {
      g_printerr (_("meridiand lists no time zones to choose from.\n"));
      return MCTL_EXIT_FAILURE;
    }

  picked = choose (_("Please select a continent or ocean."), region_choices);
  if (picked < 0)
    goto cancelled;
  region = region_choices->pdata[picked];

  /* A country is under the regions of its own rows ([CC] alone) when it has any, so Iceland
   * (Atlantic/Reykjavik) is not under Africa for sharing Africa/Abidjan's rules. */
  for (guint i = 0; i < zones->len; i++)
    {
      const MctlZoneRow *z = zones->pdata[i];
      if (z->codes && z->codes[0] && !z->codes[1])
        g_hash_table_add (has_own_rows, z->codes[0]);
    }
  for (guint i = 0; i < zones->len; i++)
    {
      const MctlZoneRow *z = zones->pdata[i];
      if (!in_region (z, region->value) || z->codes == NULL)
        continue;
      for (int c = 0; z->codes[c]; c++)
        {
          if (g_hash_table_contains (has_own_rows, z->codes[c]) &&
              !mctl_zone_row_is_only (z, z->codes[c]))
            continue;
          if (g_hash_table_add (seen, z->codes[c]))
            add_choice (country_choices, mctl_zone_row_country_name (z, z->codes[c]),
                        z->codes[c], z->codes[c]);
        }
    }
  g_ptr_array_sort (country_choices, compare_choices);
  if (country_choices->len == 0)
    goto cancelled; /* cannot happen with tzdata's tables: every region has a country */
  if (country_choices->len == 1)
    picked = 0;
  else
    {
      g_print ("\n");
      picked = choose (_("Please select a country."), country_choices);
      if (picked < 0)
        goto cancelled;
    }
  country = country_choices->pdata[picked];

  /* All the country's zones, as tzselect lists Spain's Ceuta and Canary under Europe. */
  country_zones = mctl_zone_rows_for_country (ctx, zones, country->value);
  for (guint i = 0; i < country_zones->len; i++)
    {
      const MctlZoneRow *z = country_zones->pdata[i];
      g_autofree char *label = *z->comment ? g_strdup_printf ("%s (%s)", z->zone, z->comment)
                                           : g_strdup (z->zone);
      add_choice (zone_choices, label, NULL, z->zone);
    }
  if (zone_choices->len == 1)
    picked = 0;
  else
    {
      g_print ("\n");
      picked = choose (_("Please select one of the following time zones."), zone_choices);
      if (picked < 0)
        goto cancelled;
    }
  zone = zone_choices->pdata[picked];

  if (!confirm (ctx, zone->value, country->label))
    goto cancelled;
  if (!mctl_call_mutating (ctx, "SetTimezone", g_variant_new ("(s)", zone->value), &error))
    return mctl_report_error (ctx, _("Cannot set the time zone"), error);
  g_print (_("The system time zone is now %s.\n"), zone->value);
  return MCTL_EXIT_OK;

cancelled:
  status = MCTL_EXIT_FAILURE;
  g_print ("\n%s\n", _("Cancelled; the time zone was not changed."));
  return status;
}
