/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of ListZones' reply (service/mrd-zones.c) against the system tzdata: the
 * zone1970.tab rows, plus the zone.tab zones zone1970.tab folds into another country's. The
 * expectations come from the tables themselves (read here independently) and from what a
 * person in Norway, Iceland or Korea expects to find. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include "mrd-zones.h"

typedef struct {
  MrdTzdb *db;
  GVariant *reply;
} Fixture;

static int
setup (void **state)
{
  const char *dir = mrd_tzdb_default_zoneinfo_dir ();
  g_autofree char *zone_tab = g_build_filename (dir, "zone.tab", NULL);
  g_autofree char *zone1970 = g_build_filename (dir, "zone1970.tab", NULL);
  Fixture *f;

  if (!g_file_test (zone_tab, G_FILE_TEST_EXISTS) || !g_file_test (zone1970, G_FILE_TEST_EXISTS))
    return 0;   /* each test skips */
  f = g_new0 (Fixture, 1);
  f->db = mrd_tzdb_load (dir, NULL);
  if (f->db == NULL)
    {
      g_free (f);
      return 0;
    }
  f->reply = g_variant_ref_sink (mrd_zones_build_list_reply (f->db));
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  if (f != NULL)
    {
      g_variant_unref (f->reply);
      mrd_tzdb_free (f->db);
      g_free (f);
    }
  return 0;
}

static int
sort_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The zones listing @code among their country codes, as a sorted, comma-joined string. */
static char *
zones_of_country (GVariant *reply, const char *code)
{
  g_autoptr(GVariant) rows = g_variant_get_child_value (reply, 0);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  const char *zone, *comment;
  const char **codes, **names;
  double lat, lon;

  g_variant_iter_init (&iter, rows);
  while (g_variant_iter_next (&iter, "(&s^a&s^a&sdd&s)", &zone, &codes, &names, &lat, &lon,
                              &comment))
    {
      if (g_strv_contains (codes, code))
        g_ptr_array_add (found, g_strdup (zone));
      g_free (codes);
      g_free (names);
    }
  g_ptr_array_sort (found, sort_strings);
  g_ptr_array_add (found, NULL);
  return g_strjoinv (",", (char **) found->pdata);
}

/* The zone column of a tab file, in order (comments skipped). */
static GPtrArray *
zone_column (const char *file)
{
  g_autofree char *path = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), file, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  guint i;

  assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      f = g_strsplit (lines[i], "\t", -1);
      if (g_strv_length (f) >= 3)
        g_ptr_array_add (out, g_strdup (f[2]));
    }
  return out;
}

static void
norway_and_iceland_find_their_own_zones (void **state)
{
  Fixture *f = *state;
  g_autofree char *no = NULL, *is = NULL, *kr = NULL;

  if (f == NULL)
    skip ();
  no = zones_of_country (f->reply, "NO");
  is = zones_of_country (f->reply, "IS");
  kr = zones_of_country (f->reply, "KR");
  /* Europe/Berlin from zone1970.tab ("DE,DK,NO,SE,SJ") stays; Europe/Oslo is added. */
  assert_non_null (strstr (no, "Europe/Oslo"));
  assert_non_null (strstr (is, "Atlantic/Reykjavik"));
  assert_string_equal (kr, "Asia/Seoul");
}

static void
zone1970_rows_first_then_the_other_zone_tab_zones_each_once (void **state)
{
  Fixture *f = *state;
  g_autoptr(GPtrArray) z1970 = NULL, ztab = NULL;
  g_autoptr(GVariant) rows = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  GVariantIter iter;
  GVariant *row;
  guint i, n = 0;

  if (f == NULL)
    skip ();
  z1970 = zone_column ("zone1970.tab");
  ztab = zone_column ("zone.tab");
  for (i = 0; i < z1970->len; i++)
    {
      g_ptr_array_add (expected, g_ptr_array_index (z1970, i));
      g_hash_table_add (seen, g_strdup (g_ptr_array_index (z1970, i)));
    }
  for (i = 0; i < ztab->len; i++)
    if (g_hash_table_add (seen, g_strdup (g_ptr_array_index (ztab, i))))
      g_ptr_array_add (expected, g_ptr_array_index (ztab, i));
  assert_true (expected->len > z1970->len);   /* zone.tab adds something (Oslo…) */

  rows = g_variant_get_child_value (f->reply, 0);
  assert_int_equal (g_variant_n_children (rows), expected->len);
  g_variant_iter_init (&iter, rows);
  while ((row = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *zone;
      g_autoptr(GVariant) codes = g_variant_get_child_value (row, 1);
      g_autoptr(GVariant) names = g_variant_get_child_value (row, 2);

      g_variant_get_child (row, 0, "&s", &zone);
      assert_string_equal (zone, g_ptr_array_index (expected, n));
      assert_true (g_variant_n_children (codes) >= 1);
      assert_int_equal (g_variant_n_children (codes), g_variant_n_children (names));
      /* The rows zone.tab adds have one country each. */
      if (n >= z1970->len)
        assert_int_equal (g_variant_n_children (codes), 1);
      g_variant_unref (row);
      n++;
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (norway_and_iceland_find_their_own_zones),
    cmocka_unit_test (zone1970_rows_first_then_the_other_zone_tab_zones_each_once),
  };

  return cmocka_run_group_tests_name ("zones", tests, setup, teardown);
}
