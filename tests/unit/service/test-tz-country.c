/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the zones per country (service/tz/mrd-tz-country.c) and ListCountryZones'
 * reply (service/mrd-zones.c) against the system's real tzdata. What a person in the
 * country expects is read here independently from zone.tab (tzselect's per-country view),
 * not from the code under test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include "mrd-zones.h"

static MrdTzdb *db;

static int
setup (void **state)
{
  const char *dir = mrd_tzdb_default_zoneinfo_dir ();
  g_autofree char *zone_tab = g_build_filename (dir, "zone.tab", NULL);
  g_autofree char *zone1970 = g_build_filename (dir, "zone1970.tab", NULL);

  if (g_file_test (zone_tab, G_FILE_TEST_EXISTS) && g_file_test (zone1970, G_FILE_TEST_EXISTS))
    db = mrd_tzdb_load (dir, NULL);
  return 0;
}

static int
teardown (void **state)
{
  g_clear_pointer (&db, mrd_tzdb_free);
  return 0;
}

#define NEED_TZDATA() do { if (db == NULL) skip (); } while (0)

static int
sort_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* zone.tab's zones for @code, sorted and comma-joined. */
static char *
zone_tab_zones (const char *code)
{
  g_autofree char *path = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), "zone.tab", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cols = g_strsplit (lines[i], "\t", -1);

      if (lines[i][0] == '#' || g_strv_length (cols) < 3)
        continue;
      if (strcmp (cols[0], code) == 0)
        g_ptr_array_add (found, g_strdup (cols[2]));
    }
  g_ptr_array_sort (found, sort_strings);
  g_ptr_array_add (found, NULL);
  return g_strjoinv (",", (char **) found->pdata);
}

/* The zones of mrd_tz_country_zones() for @code, sorted and comma-joined. */
static char *
country_zones (const char *code)
{
  g_autoptr(GPtrArray) all = mrd_tz_country_all_rows (db);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = mrd_tz_country_zones (db, all, code, g_get_real_time () / G_USEC_PER_SEC,
                                                    &error);
  g_autoptr(GPtrArray) zones = g_ptr_array_new ();

  assert_null (error);
  assert_non_null (rows);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (zones, ((MrdTzZoneInfo *) g_ptr_array_index (rows, i))->zone);
  g_ptr_array_sort (zones, sort_strings);
  g_ptr_array_add (zones, NULL);
  return g_strjoinv (",", (char **) zones->pdata);
}

static void
test_germany (void **state)
{
  g_autofree char *got = NULL, *lower = NULL, *want = NULL;

  NEED_TZDATA ();
  got = country_zones ("DE");
  /* Not Europe/Zurich (which zone1970.tab lists for DE as Busingen's rules). */
  assert_string_equal (got, "Europe/Berlin,Europe/Busingen");
  want = zone_tab_zones ("DE");
  assert_string_equal (got, want);
  lower = country_zones ("de");
  assert_string_equal (lower, got);
}

static void
test_norway (void **state)
{
  g_autofree char *got = NULL;

  NEED_TZDATA ();
  got = country_zones ("NO");
  assert_string_equal (got, "Europe/Oslo");
}

static void
test_united_states_matches_zone_tab (void **state)
{
  g_autofree char *got = NULL, *want = NULL;

  NEED_TZDATA ();
  got = country_zones ("US");
  want = zone_tab_zones ("US");
  /* 29 zones in zone.tab 2024a; the count must be zone.tab's, whatever the release. */
  assert_true (strlen (want) > 0);
  assert_string_equal (got, want);
}

static void
test_korea_reply_has_live_fields (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) rows = NULL;
  const char *zone, *comment, *abbrev;
  const char **codes, **names;
  double lat, lon;
  gint32 offset;

  NEED_TZDATA ();
  /* 2024-01-01T00:00Z: Korea has kept +09 (KST) without DST since 1988. */
  reply = mrd_zones_build_country_reply (db, "kr", 1704067200, &error);
  assert_null (error);
  assert_non_null (reply);
  g_variant_ref_sink (reply);
  assert_string_equal (g_variant_get_type_string (reply), "(a(sasasddsis))");
  rows = g_variant_get_child_value (reply, 0);
  assert_int_equal (g_variant_n_children (rows), 1);
  g_variant_get_child (rows, 0, "(&s^a&s^a&sdd&si&s)", &zone, &codes, &names, &lat, &lon,
                       &comment, &offset, &abbrev);
  assert_string_equal (zone, "Asia/Seoul");
  assert_string_equal (codes[0], "KR");
  assert_null (codes[1]);
  assert_int_equal (offset, 9 * 3600);
  assert_string_equal (abbrev, "KST");
  assert_true (lat > 37 && lat < 38 && lon > 126 && lon < 128);
  g_free (codes);
  g_free (names);
}

static void
test_offset_follows_dst (void **state)
{
  g_autoptr(GVariant) winter = NULL, summer = NULL;
  const char *abbrev;
  gint32 offset;

  NEED_TZDATA ();
  winter = g_variant_ref_sink (mrd_zones_build_country_reply (db, "NO", 1704067200, NULL));
  summer = g_variant_ref_sink (mrd_zones_build_country_reply (db, "NO", 1719792000, NULL));
  {
    g_autoptr(GVariant) rows = g_variant_get_child_value (winter, 0);

    g_variant_get_child (rows, 0, "(&s^a&s^a&sdd&si&s)",
                         NULL, NULL, NULL, NULL, NULL, NULL, &offset, &abbrev);
    assert_int_equal (offset, 3600);
    assert_string_equal (abbrev, "CET");
  }
  {
    g_autoptr(GVariant) rows = g_variant_get_child_value (summer, 0);

    g_variant_get_child (rows, 0, "(&s^a&s^a&sdd&si&s)",
                         NULL, NULL, NULL, NULL, NULL, NULL, &offset, &abbrev);
    assert_int_equal (offset, 7200);
  }
  assert_string_equal (abbrev, "CEST");
}

static void
test_unknown_country (void **state)
{
  const char *bad[] = { "XX", "D", "DEU", "1!", "Germany" };

  NEED_TZDATA ();
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      GVariant *reply = mrd_zones_build_country_reply (db, bad[i], 0, &error);

      assert_null (reply);
      assert_true (g_error_matches (error, MRD_TZ_COUNTRY_ERROR, MRD_TZ_COUNTRY_ERROR_UNKNOWN));
      assert_non_null (strstr (error->message, bad[i]));
      assert_non_null (strstr (error->message, "ISO 3166"));
    }
}

static void
test_empty_code_is_list_zones (void **state)
{
  g_autoptr(GVariant) list = NULL, all = NULL, list_rows = NULL, all_rows = NULL;
  gsize n;

  NEED_TZDATA ();
  list = g_variant_ref_sink (mrd_zones_build_list_reply (db));
  all = g_variant_ref_sink (mrd_zones_build_country_reply (db, "", 1704067200, NULL));
  list_rows = g_variant_get_child_value (list, 0);
  all_rows = g_variant_get_child_value (all, 0);
  n = g_variant_n_children (list_rows);
  assert_true (n > 300);
  assert_int_equal (g_variant_n_children (all_rows), n);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) a = g_variant_get_child_value (list_rows, i);
      g_autoptr(GVariant) b = g_variant_get_child_value (all_rows, i);
      const char *za, *zb;

      g_variant_get_child (a, 0, "&s", &za);
      g_variant_get_child (b, 0, "&s", &zb);
      assert_string_equal (za, zb);
      for (gsize k = 1; k < 6; k++)
        {
          g_autoptr(GVariant) fa = g_variant_get_child_value (a, k);
          g_autoptr(GVariant) fb = g_variant_get_child_value (b, k);

          assert_true (g_variant_equal (fa, fb));
        }
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_germany),
    cmocka_unit_test (test_norway),
    cmocka_unit_test (test_united_states_matches_zone_tab),
    cmocka_unit_test (test_korea_reply_has_live_fields),
    cmocka_unit_test (test_offset_follows_dst),
    cmocka_unit_test (test_unknown_country),
    cmocka_unit_test (test_empty_code_is_list_zones),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
