/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DescribeZone against zdump(8) -v for every zone name of tzdata (zones, links, UTC).
 *
 * zdump -v prints each change of UT offset, isdst or abbreviation as two lines: the last
 * second before it and the first second of it. For every such pair at instant T we check
 * that describe(T-1) gives the "before" line and names T as the next transition with the
 * "after" line's values, and that describe(T) gives the "after" line. Since the pairs are
 * consecutive, an extra or missing transition in our reader shows up as a wrong
 * next-transition time. 1970–2037 comes from the TZif tables; 2037–2100 from the footer.
 */
#include "tz-test-util.h"

#include <stdlib.h>
#include <time.h>

#include "mrd-tz.h"

typedef struct {
  gint64 t;
  gint32 gmtoff;
  gboolean isdst;
  char abbr[MRD_TZ_ABBREV_MAX];
} ZdLine;

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* "Sat May  9 16:59:59 1987 UT" → seconds since the epoch (timegm(3)). */
static gboolean
parse_ut (const char *s, gint64 *out)
{
  char wday[4], mon[4];
  int mday, hh, mm, ss;
  long long year;
  struct tm tm = { 0 };

  if (sscanf (s, "%3s %3s %d %d:%d:%d %lld UT", wday, mon, &mday, &hh, &mm, &ss, &year) != 7)
    return FALSE;
  tm.tm_mon = -1;
  for (int i = 0; i < 12; i++)
    if (strcmp (mon, months[i]) == 0)
      tm.tm_mon = i;
  if (tm.tm_mon < 0)
    return FALSE;
  tm.tm_year = (int) (year - 1900);
  tm.tm_mday = mday;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  *out = (gint64) timegm (&tm);
  return TRUE;
}

/* One zdump -v line; FALSE for the "= NULL" boundary lines. */
static gboolean
parse_line (const char *line, char **zone, ZdLine *out)
{
  const char *eq = strstr (line, " UT = ");
  const char *sp, *p;
  char abbr[64];
  int isdst;
  long gmtoff;

  if (eq == NULL)
    return FALSE;
  sp = strchr (line, ' ');
  *zone = g_strndup (line, (gsize) (sp - line));
  while (*sp == ' ')
    sp++;
  if (!parse_ut (sp, &out->t))
    return FALSE;
  /* local part: "Sun May 10 01:59:59 1987 KST isdst=0 gmtoff=32400"; the abbreviation is
   * the token before " isdst=". */
  p = strstr (eq, " isdst=");
  if (p == NULL)
    return FALSE;
  {
    const char *a = p;
    while (a > eq && a[-1] != ' ')
      a--;
    g_strlcpy (abbr, a, MIN ((gsize) (p - a) + 1, sizeof abbr));
  }
  if (sscanf (p, " isdst=%d gmtoff=%ld", &isdst, &gmtoff) != 2)
    return FALSE;
  out->isdst = isdst != 0;
  out->gmtoff = (gint32) gmtoff;
  g_strlcpy (out->abbr, abbr, sizeof out->abbr);
  return TRUE;
}

static void
assert_state (const char *zone, gint64 t, const char *what, gint32 off, gboolean dst,
              const char *abbr, const ZdLine *want)
{
  if (off != want->gmtoff || dst != want->isdst || strcmp (abbr, want->abbr) != 0)
    fail_msg ("%s at %" G_GINT64_FORMAT " (%s): got %d %d %s, zdump says %d %d %s", zone, t,
              what, off, dst, abbr, want->gmtoff, want->isdst, want->abbr);
}

typedef struct {
  guint zones;
  guint transitions;
} Counts;

static MrdTzif *
get_zone (const MrdTzdb *db, GHashTable *cache, const char *zone)
{
  MrdTzif *tz = g_hash_table_lookup (cache, zone);
  if (tz == NULL)
    {
      g_autoptr(GError) e = NULL;
      tz = mrd_tzdb_load_zone (db, zone, &e);
      if (tz == NULL)
        fail_msg ("%s: %s", zone, e->message);
      g_hash_table_insert (cache, g_strdup (zone), tz);
    }
  return tz;
}

/* Transitions zdump -c lo,hi shows lie in [lo, hi); zdump cuts "near" the year starts, so
 * the checks at both ends of the range keep two days of slack. */
#define SLACK (2 * 86400)

/* The end of a zone's output: after its last transition nothing may change before hi. */
static void
finish_zone (const char *zone, gboolean has_next, gint64 next, gint64 hi)
{
  if (zone != NULL && has_next && next < hi - SLACK)
    fail_msg ("%s: we see a transition at %" G_GINT64_FORMAT " that zdump does not", zone, next);
}

static void
compare_with_zdump (const MrdTzdb *db, const char *range, gint64 lo, gint64 hi, Counts *counts)
{
  g_autofree char *zone_seen = NULL;
  gboolean expect_has = FALSE;
  gint64 expect_next = 0;
  g_auto(GStrv) names = mrd_tzdb_list_timezones (db);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "TZDIR",
                                         mrd_tzdb_get_zoneinfo_dir (db), TRUE);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) mrd_tzif_free);
  int status = 0;
  ZdLine prev = { 0 };
  g_autofree char *prev_zone = NULL;

  g_ptr_array_add (argv, (gpointer) "zdump");
  g_ptr_array_add (argv, (gpointer) "-v");
  g_ptr_array_add (argv, (gpointer) "-c");
  g_ptr_array_add (argv, (gpointer) range);
  for (guint i = 0; names[i] != NULL; i++)
    g_ptr_array_add (argv, names[i]);
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                     &err, &status, &error))
    fail_msg ("zdump: %s", error->message);
  assert_true (g_spawn_check_wait_status (status, NULL));

  counts->zones = g_strv_length (names);
  /* Split by hand: g_strsplit() calls strstr() on the rest of the output for every line,
   * which ASan's interceptor makes quadratic on these ~6 MB. */
  {
    GPtrArray *l = g_ptr_array_new ();
    char *p = out;
    for (char *q = out; *q != '\0'; q++)
      if (*q == '\n')
        {
          *q = '\0';
          g_ptr_array_add (l, g_strdup (p));
          p = q + 1;
        }
    g_ptr_array_add (l, g_strdup (p));
    g_ptr_array_add (l, NULL);
    lines = (GStrv) g_ptr_array_free (l, FALSE);
  }
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *zone = NULL;
      ZdLine cur;
      MrdTzif *tz;
      MrdTzDescription d;

      if (!parse_line (lines[i], &zone, &cur))
        {
          if (strstr (lines[i], " UT = ") != NULL)
            fail_msg ("cannot parse zdump line: %s", lines[i]);
          g_clear_pointer (&prev_zone, g_free);
          g_clear_pointer (&zone, g_free);
          if (lines[i][0] != '\0')
            zone = g_strndup (lines[i], strcspn (lines[i], " "));
        }
      /* A new zone begins: close the last one, and ask what comes first after lo. */
      if (zone != NULL && (zone_seen == NULL || strcmp (zone, zone_seen) != 0))
        {
          finish_zone (zone_seen, expect_has, expect_next, hi);
          g_free (zone_seen);
          zone_seen = g_strdup (zone);
          mrd_tzif_describe (get_zone (db, cache, zone), lo + SLACK, &d);
          expect_has = d.has_next;
          expect_next = d.next_transition;
        }
      if (strstr (lines[i], " UT = ") == NULL)
        continue;
      if (prev_zone == NULL || strcmp (prev_zone, zone) != 0 || cur.t != prev.t + 1)
        {
          /* first line of a pair: the last second before a transition */
          g_free (prev_zone);
          prev_zone = g_steal_pointer (&zone);
          prev = cur;
          continue;
        }

      tz = get_zone (db, cache, zone);
      /* Nothing may change between the previous transition of this zone and this one. */
      if (prev.t > lo + SLACK && (!expect_has || expect_next != cur.t))
        fail_msg ("%s: after the previous transition we see the next at %" G_GINT64_FORMAT
                  ", zdump at %" G_GINT64_FORMAT, zone, expect_next, cur.t);

      mrd_tzif_describe (tz, prev.t, &d);
      assert_state (zone, prev.t, "before", d.utc_offset, d.is_dst, d.abbreviation, &prev);
      if (!d.has_next || d.next_transition != cur.t)
        fail_msg ("%s: after %" G_GINT64_FORMAT " the next transition is %" G_GINT64_FORMAT
                  " (has_next %d), zdump says %" G_GINT64_FORMAT, zone, prev.t,
                  d.next_transition, d.has_next, cur.t);
      assert_state (zone, prev.t, "next", d.next_utc_offset, d.next_is_dst,
                    d.next_abbreviation, &cur);
      mrd_tzif_describe (tz, cur.t, &d);
      assert_state (zone, cur.t, "after", d.utc_offset, d.is_dst, d.abbreviation, &cur);
      expect_has = d.has_next;
      expect_next = d.next_transition;

      counts->transitions++;
      g_clear_pointer (&prev_zone, g_free);
    }
  finish_zone (zone_seen, expect_has, expect_next, hi);
}

static void
describe_agrees_with_zdump_1970_2037 (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdTzdb) db = mrd_tzdb_load (NULL, &error);
  Counts c = { 0 };

  assert_non_null (db);
  /* 1970-01-01 .. 2038-01-01 */
  compare_with_zdump (db, "1970,2038", 0, G_GINT64_CONSTANT (2145916800), &c);
  print_message ("compared %u zone names, %u transitions 1970-2037\n", c.zones, c.transitions);
  /* tzdata has hundreds of zones and tens of thousands of transitions in this range. */
  assert_true (c.zones > 400);
  assert_true (c.transitions > 10000);
}

static void
describe_agrees_with_zdump_2037_2100 (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdTzdb) db = mrd_tzdb_load (NULL, &error);
  Counts c = { 0 };

  assert_non_null (db);
  /* 2037-01-01 .. 2101-01-01 */
  compare_with_zdump (db, "2037,2101", G_GINT64_CONSTANT (2114380800),
                      G_GINT64_CONSTANT (4133980800), &c);
  print_message ("compared %u zone names, %u transitions 2037-2100 (footer rules)\n",
                 c.zones, c.transitions);
  assert_true (c.transitions > 5000);
}

/* Usage: test-tz-zdump [1970|2037]; no argument runs both ranges. meson runs the two
 * ranges as separate tests so they can run side by side. */
int
main (int argc, char **argv)
{
  g_autofree char *zdump = g_find_program_in_path ("zdump");
  g_autofree char *zi = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), "tzdata.zi", NULL);
  const struct CMUnitTest both[] = {
    cmocka_unit_test (describe_agrees_with_zdump_1970_2037),
    cmocka_unit_test (describe_agrees_with_zdump_2037_2100),
  };
  const struct CMUnitTest *tests = both;
  size_t n_tests = 2;

  if (zdump == NULL)
    {
      printf ("SKIP: zdump (libc-bin) is not installed\n");
      return 77;
    }
  if (!g_file_test (zi, G_FILE_TEST_EXISTS))
    {
      printf ("SKIP: %s missing (tzdata not installed)\n", zi);
      return 77;
    }
  if (argc > 1 && strcmp (argv[1], "1970") == 0)
    n_tests = 1;
  else if (argc > 1 && strcmp (argv[1], "2037") == 0)
    {
      tests = both + 1;
      n_tests = 1;
    }
  return _cmocka_run_group_tests ("tz-zdump", tests, n_tests, NULL, NULL);
}
