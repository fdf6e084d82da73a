/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The panel's widget-free modules: zone search (names, abbreviations, offsets, Korean), the
 * formats shown to people, the subsolar point behind the map's day/night line, the .mo
 * reader that gives iso-codes' Korean country names, and wall time to instant across DST. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include <glib.h>

#include "mp-format.h"
#include "mp-names.h"
#include "mp-solar.h"
#include "mp-wall-time.h"
#include "mp-zone-index.h"

/* A few rows as the service lists them (zone1970.tab coordinates, iso3166.tab names), with
 * the names the panel adds from iso-codes and ICU. */
static MpZoneIndex *
sample_index (void)
{
  MpZoneIndex *index = mp_zone_index_new ();
  const char *kr[] = { "KR", NULL }, *kr_name[] = { "Korea (South)", NULL };
  const char *kr_extra[] = { "Korea, Republic of", NULL };
  const char *jp[] = { "JP", NULL }, *jp_name[] = { "Japan", NULL };
  const char *us[] = { "US", NULL }, *us_name[] = { "United States", NULL };
  const char *in[] = { "IN", NULL }, *in_name[] = { "India", NULL };
  const char *de[] = { "DE", "DK", NULL }, *de_name[] = { "Germany", "Denmark", NULL };

  mp_zone_index_add (index, "Asia/Seoul", kr, kr_name, "대한민국", "서울", "", 37.55, 126.9667,
                     9 * 3600, "KST", kr_extra);
  mp_zone_index_add (index, "Asia/Tokyo", jp, jp_name, "일본", "도쿄", "", 35.6544, 139.7447,
                     9 * 3600, "JST", NULL);
  mp_zone_index_add (index, "America/New_York", us, us_name, "미국", "뉴욕", "Eastern (most areas)",
                     40.7142, -74.0064, -5 * 3600, "EST", NULL);
  mp_zone_index_add (index, "Asia/Kolkata", in, in_name, "인도", "콜카타", "", 22.5333, 88.3667,
                     5 * 3600 + 1800, "IST", NULL);
  mp_zone_index_add (index, "Europe/Berlin", de, de_name, "독일", "베를린", "most of Germany",
                     52.5, 13.3667, 3600, "CET", NULL);
  return index;
}

static const char *
first (MpZoneIndex *index, const char *query)
{
  g_autoptr(GPtrArray) hits = mp_zone_index_search (index, query, 0);
  return hits->len ? ((MpZone *) g_ptr_array_index (hits, 0))->zone : NULL;
}

static gboolean
finds (MpZoneIndex *index, const char *query, const char *zone)
{
  g_autoptr(GPtrArray) hits = mp_zone_index_search (index, query, 0);
  for (guint i = 0; i < hits->len; i++)
    if (strcmp (((MpZone *) g_ptr_array_index (hits, i))->zone, zone) == 0)
      return TRUE;
  return FALSE;
}

static void
search_finds_seoul_every_way (void **state)
{
  g_autoptr(MpZoneIndex) index = sample_index ();

  assert_string_equal (first (index, "Seoul"), "Asia/Seoul");
  assert_string_equal (first (index, "seoul"), "Asia/Seoul");
  assert_string_equal (first (index, "서울"), "Asia/Seoul");
  assert_string_equal (first (index, "KST"), "Asia/Seoul");
  assert_string_equal (first (index, "대한민국"), "Asia/Seoul");
  assert_string_equal (first (index, "Republic of Korea"), "Asia/Seoul");  /* every word, any order */
  assert_true (finds (index, "+09", "Asia/Seoul"));
  assert_true (finds (index, "+09", "Asia/Tokyo"));
  assert_false (finds (index, "+09", "Asia/Kolkata"));
  assert_true (finds (index, "UTC+9", "Asia/Seoul"));
  assert_true (finds (index, "+0900", "Asia/Seoul"));
}

static void
search_offsets_names_and_ranking (void **state)
{
  g_autoptr(MpZoneIndex) index = sample_index ();
  g_autoptr(GPtrArray) none = mp_zone_index_search (index, "Atlantis", 0);
  g_autoptr(GPtrArray) empty = mp_zone_index_search (index, "   ", 0);
  g_autoptr(GPtrArray) limited = mp_zone_index_search (index, "a", 2);

  assert_string_equal (first (index, "new york"), "America/New_York");
  assert_string_equal (first (index, "New_York"), "America/New_York");
  assert_string_equal (first (index, "뉴욕"), "America/New_York");
  assert_string_equal (first (index, "+05:30"), "Asia/Kolkata");
  assert_string_equal (first (index, "UTC+5:30"), "Asia/Kolkata");
  assert_string_equal (first (index, "-05"), "America/New_York");
  assert_string_equal (first (index, "Denmark"), "Europe/Berlin");  /* a second country code */
  /* A city that starts with the query outranks a zone whose country merely contains it. */
  assert_string_equal (first (index, "Ber"), "Europe/Berlin");
  assert_int_equal (none->len, 0);
  assert_int_equal (empty->len, 0);
  assert_int_equal (limited->len, 2);
  assert_non_null (mp_zone_index_lookup (index, "Asia/Tokyo"));
  assert_null (mp_zone_index_lookup (index, "Asia/Nowhere"));
}

static void
formats_read_as_people_write_them (void **state)
{
  g_autofree char *a = mp_format_utc_offset (9 * 3600);
  g_autofree char *b = mp_format_utc_offset (-(3 * 3600 + 1800));
  g_autofree char *c = mp_format_utc_offset (5 * 3600 + 45 * 60);
  g_autofree char *d = mp_format_zone_line ("Asia/Seoul", "KST", 9 * 3600);
  g_autofree char *e = mp_format_zone_line ("Asia/Dubai", "+04", 4 * 3600);
  g_autofree char *f = mp_format_seconds (0.0005, FALSE);
  g_autofree char *g = mp_format_seconds (-0.0021, TRUE);
  g_autofree char *h = mp_format_seconds (12e-6, TRUE);
  g_autofree char *i = mp_format_seconds (1.5, FALSE);

  assert_string_equal (a, "+09:00");
  assert_string_equal (b, "-03:30");
  assert_string_equal (c, "+05:45");
  assert_string_equal (d, "Asia/Seoul — KST, UTC+09:00");
  assert_string_equal (e, "Asia/Dubai — UTC+04:00");
  assert_string_equal (f, "±500 µs");
  assert_string_equal (g, "-2.10 ms");
  assert_string_equal (h, "+12.0 µs");
  assert_string_equal (i, "±1.50 s");
}

static void
subsolar_point_follows_the_seasons_and_the_day (void **state)
{
  double lat, lon;

  /* June solstice 2026 (21 June 08:24 UTC): declination +23.44°. */
  mp_solar_subsolar_point (1782030240.0, &lat, &lon);
  assert_true (fabs (lat - 23.44) < 0.05);
  /* The subsolar longitude is -15°/h × (UTC - 12 h + equation of time); the equation of time
   * is -7.5 min on 20 March and -3.2 min on 1 January (the almanac's tables). */
  /* March equinox 2026 (20 March 14:46 UTC): declination 0, longitude -15 × (2.767 - 0.125). */
  mp_solar_subsolar_point (1774017960.0, &lat, &lon);
  assert_true (fabs (lat) < 0.05);
  assert_true (fabs (lon - (-39.6)) < 0.3);
  /* Noon UTC on 1 January 2026: declination -23.0°, longitude -15 × (-0.053) = +0.8°. */
  mp_solar_subsolar_point (1767268800.0, &lat, &lon);
  assert_true (fabs (lat - (-23.0)) < 0.1);
  assert_true (fabs (lon - 0.8) < 0.3);
  /* Day at the subsolar point, night at its antipode. */
  assert_true (mp_solar_sin_altitude (lat, lon, lat, lon) > 0.999);
  assert_true (mp_solar_sin_altitude (-lat, lon + 180, lat, lon) < -0.999);
}

static void
mo_reader_gives_korean_country_names (void **state)
{
  g_autoptr(GError) error = NULL;
  const char *path = "/usr/share/locale/ko/LC_MESSAGES/iso_3166-1.mo";
  g_autoptr(GHashTable) table = NULL;
  g_autoptr(MpNames) names = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    skip ();
  table = mp_mo_load (path, &error);
  assert_non_null (table);
  assert_string_equal (g_hash_table_lookup (table, "Japan"), "일본");
  names = mp_names_new ();
  assert_string_equal (mp_names_country_korean (names, "KR"), "대한민국");
  assert_string_equal (mp_names_country_english (names, "KR"), "Korea, Republic of");
  {
    g_autofree char *city = mp_names_city_korean (names, "Asia/Seoul");
    assert_string_equal (city, "서울");
  }
  assert_null (mp_mo_load ("/nonexistent.mo", NULL));
}

static gint64
utc_usec (int y, int mo, int d, int h, int mi)
{
  g_autoptr(GDateTime) t = g_date_time_new_utc (y, mo, d, h, mi, 0);
  return g_date_time_to_unix (t) * G_USEC_PER_SEC;
}

/* Europe/Berlin in 2027 as DescribeZone gives it, span by span: CET (+1) until 28 March
 * 01:00 UTC, CEST (+2) until 31 October 01:00 UTC, CET after. A wall time is walked from
 * the first instant that can show it, as the Date & Time page does. */
static int
berlin_2027 (gint64 wall, gint64 *instant, int *calls)
{
  const gint64 spring = utc_usec (2027, 3, 28, 1, 0), autumn = utc_usec (2027, 10, 31, 1, 0);
  gint64 at = mp_wall_time_first_instant (wall);

  for (*calls = 1; *calls <= 4; (*calls)++)
    {
      gint32 offset = at < spring ? 3600 : at < autumn ? 7200 : 3600;
      gint64 next = at < spring ? spring : at < autumn ? autumn : 0;
      MpWallTimeStep step = mp_wall_time_step (wall, at, offset, next, instant);

      if (step != MP_WALL_TIME_NEXT)
        return step;
      at = next;
    }
  return -1;
}

static void
wall_time_uses_the_offset_of_that_date (void **state)
{
  gint64 instant = 0;
  int calls = 0;

  /* A summer date typed in winter: CEST (UTC+2), not the CET of the day it is typed. */
  assert_int_equal (berlin_2027 (utc_usec (2027, 7, 15, 12, 0), &instant, &calls), MP_WALL_TIME_FOUND);
  assert_true (instant == utc_usec (2027, 7, 15, 10, 0));
  assert_int_equal (calls, 1);
  /* A winter date: CET. */
  assert_int_equal (berlin_2027 (utc_usec (2027, 1, 15, 12, 0), &instant, &calls), MP_WALL_TIME_FOUND);
  assert_true (instant == utc_usec (2027, 1, 15, 11, 0));
  /* The hour the clocks skip in spring does not exist. */
  assert_int_equal (berlin_2027 (utc_usec (2027, 3, 28, 2, 30), &instant, &calls), MP_WALL_TIME_GAP);
  assert_int_equal (calls, 2);
  /* Just after it: CEST, found in the second span. */
  assert_int_equal (berlin_2027 (utc_usec (2027, 3, 28, 3, 0), &instant, &calls), MP_WALL_TIME_FOUND);
  assert_true (instant == utc_usec (2027, 3, 28, 1, 0));
  assert_int_equal (calls, 2);
  /* The hour that happens twice in autumn: its first occurrence (still CEST). */
  assert_int_equal (berlin_2027 (utc_usec (2027, 10, 31, 2, 30), &instant, &calls), MP_WALL_TIME_FOUND);
  assert_true (instant == utc_usec (2027, 10, 31, 0, 30));
  /* After it: CET. */
  assert_int_equal (berlin_2027 (utc_usec (2027, 10, 31, 3, 30), &instant, &calls), MP_WALL_TIME_FOUND);
  assert_true (instant == utc_usec (2027, 10, 31, 2, 30));
  /* DescribeZone reads 0 as "now": the first instant asked about is never 0. */
  assert_true (mp_wall_time_first_instant (MP_WALL_TIME_MAX_OFFSET_USEC) != 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (search_finds_seoul_every_way),
    cmocka_unit_test (search_offsets_names_and_ranking),
    cmocka_unit_test (formats_read_as_people_write_them),
    cmocka_unit_test (subsolar_point_follows_the_seasons_and_the_day),
    cmocka_unit_test (mo_reader_gives_korean_country_names),
    cmocka_unit_test (wall_time_uses_the_offset_of_that_date),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
