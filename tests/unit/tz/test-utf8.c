/* Bytes that are not UTF-8 in the tzdata tables or in files under the root: the line or name
 * that holds them is left out (or its text escaped with U+FFFD), and everything else is kept —
 * never fewer names, an empty country, or a string D-Bus cannot carry.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tz-test-util.h"

#include <stdio.h>
#include <unistd.h>

#include "mrd-tz.h"
#include "mrd-tz-private.h"

typedef struct {
  char *dir;    /* a copy of the zoneinfo tables */
  char *root;
} Fixture;

static const char *const tables[] = { "tzdata.zi", "zone1970.tab", "zone.tab", "iso3166.tab" };

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->dir = g_dir_make_tmp ("mrd-tz-utf8-XXXXXX", NULL);
  assert_non_null (f->dir);
  for (gsize i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *src = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), tables[i], NULL);
      g_autofree char *dst = g_build_filename (f->dir, tables[i], NULL);
      g_autofree char *data = NULL;
      gsize len;
      assert_true (g_file_get_contents (src, &data, &len, NULL));
      assert_true (g_file_set_contents (dst, data, (gssize) len, NULL));
    }
  f->root = tz_test_make_root ();
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  tz_test_rm_rf (f->dir);
  tz_test_rm_rf (f->root);
  g_free (f->dir);
  g_free (f->root);
  g_free (f);
  return 0;
}

/* Replace the first @from in table @name with @to (bytes). */
static void
corrupt (const Fixture *f, const char *name, const char *from, const char *to)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autofree char *data = NULL;
  gsize len;
  char *hit;
  GString *out;

  assert_true (g_file_get_contents (path, &data, &len, NULL));
  hit = strstr (data, from);
  if (hit == NULL)
    fail_msg ("%s has no “%s”", name, from);
  out = g_string_new_len (data, hit - data);
  g_string_append (out, to);
  g_string_append (out, hit + strlen (from));
  assert_true (g_file_set_contents (path, out->str, (gssize) out->len, NULL));
  g_string_free (out, TRUE);
}

static void
assert_all_utf8 (GStrv names)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (!g_utf8_validate (names[i], -1, NULL))
      fail_msg ("name %u is not UTF-8", i);
}

static void
bad_zone_name_drops_only_that_name (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdTzdb) clean = mrd_tzdb_load (f->dir, &error);
  g_autoptr(MrdTzdb) db = NULL;
  g_auto(GStrv) before = NULL, after = NULL;

  assert_non_null (clean);
  before = mrd_tzdb_list_timezones (clean);
  /* one Zone name broken, and junk in another Zone line's other fields */
  corrupt (f, "tzdata.zi", "Z Asia/Seoul ", "Z Asia/Se\xffoul ");
  corrupt (f, "tzdata.zi", "Z Asia/Tokyo ", "Z Asia/Tokyo \xfe\xfe ");
  db = mrd_tzdb_load (f->dir, &error);
  assert_non_null (db);
  after = mrd_tzdb_list_timezones (db);
  print_message ("ListTimezones: %u names before, %u after one broken name\n",
                 g_strv_length (before), g_strv_length (after));
  assert_int_equal (g_strv_length (after), g_strv_length (before) - 1);
  assert_all_utf8 (after);
  assert_false (mrd_tzdb_has_zone (db, "Asia/Seoul"));
  assert_true (mrd_tzdb_has_zone (db, "Asia/Tokyo"));
  assert_true (mrd_tzdb_has_zone (db, "Europe/Berlin"));
}

static void
bad_country_name_is_escaped_not_emptied (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdTzdb) db = NULL;
  g_autoptr(GPtrArray) kr = NULL;
  g_autoptr(GPtrArray) asia = NULL;
  const char *name;
  gboolean found = FALSE;

  corrupt (f, "iso3166.tab", "KR\tKorea (South)", "KR\tKorea (S\xffouth)");
  db = mrd_tzdb_load (f->dir, &error);
  assert_non_null (db);
  name = mrd_tzdb_get_country_name (db, "KR");
  assert_non_null (name);
  assert_true (g_utf8_validate (name, -1, NULL));
  assert_string_equal (name, "Korea (S\xef\xbf\xbdouth)");
  kr = mrd_tzdb_list_country_zones (db, "KR");
  assert_int_equal (kr->len, 1);
  assert_string_equal (((MrdTzZoneInfo *) kr->pdata[0])->zone, "Asia/Seoul");
  assert_true (g_utf8_validate (((MrdTzZoneInfo *) kr->pdata[0])->country_names[0], -1, NULL));
  asia = mrd_tzdb_list_countries (db, "Asia");
  for (guint i = 0; i < asia->len; i++)
    {
      MrdTzCountry *c = asia->pdata[i];
      assert_true (g_utf8_validate (c->name, -1, NULL));
      found |= strcmp (c->code, "KR") == 0;
    }
  assert_true (found);
}

static void
bad_zone_table_line_is_left_out_and_comment_escaped (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdTzdb) clean = mrd_tzdb_load (f->dir, &error);
  g_autoptr(MrdTzdb) db = NULL;
  g_autoptr(GPtrArray) before = NULL, after = NULL;

  before = mrd_tzdb_list_zones (clean);
  corrupt (f, "zone1970.tab", "Asia/Tokyo", "Asia/To\xffkyo");
  corrupt (f, "zone1970.tab", "Asia/Seoul", "Asia/Seoul\tSe\xc3oul comment");
  db = mrd_tzdb_load (f->dir, &error);
  after = mrd_tzdb_list_zones (db);
  assert_int_equal (after->len, before->len - 1);
  for (guint i = 0; i < after->len; i++)
    {
      MrdTzZoneInfo *zi = after->pdata[i];
      assert_true (g_utf8_validate (zi->zone, -1, NULL));
      assert_true (g_utf8_validate (zi->comment, -1, NULL));
      assert_true (g_strv_length (zi->country_names) > 0);
      if (strcmp (zi->zone, "Asia/Seoul") == 0)
        assert_string_equal (zi->comment, "Se\xef\xbf\xbdoul comment");
    }
}

static void
trap_scan_keeps_other_lines_and_escapes (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdTzdb) db = mrd_tzdb_load (f->dir, &error);
  g_autoptr(GPtrArray) traps = NULL;
  g_autofree char *odd = g_build_filename (f->root, "etc/profile.d/\xff" "odd.sh", NULL);
  MrdTzTrap *t;

  tz_test_write (f->root, "etc/profile", "# caf\xe9 au lait\nexport TZ=Asia/Tokyo\n"
                                         "TZ=Asia/To\xffkyo\n");
  tz_test_write (f->root, "etc/profile.d/keep.sh", "");
  assert_true (g_file_set_contents (odd, "TZ=Europe/Paris\n", -1, NULL));
  assert_true (mrd_tz_find_traps (f->root, db, "UTC", NULL, &traps, &error));
  assert_int_equal (traps->len, 3);
  t = traps->pdata[0];
  assert_string_equal (t->value, "Asia/Tokyo");
  assert_int_equal (t->line, 2);
  t = traps->pdata[1];
  assert_string_equal (t->value, "Asia/To\xef\xbf\xbdkyo");
  assert_int_equal (t->line, 3);
  t = traps->pdata[2];
  assert_string_equal (t->file, "/etc/profile.d/\xef\xbf\xbdodd.sh");
  assert_string_equal (t->value, "Europe/Paris");
  for (guint i = 0; i < traps->len; i++)
    {
      t = traps->pdata[i];
      assert_true (g_utf8_validate (t->file, -1, NULL));
      assert_true (g_utf8_validate (t->value, -1, NULL));
    }
}

static void
root_files_with_bad_bytes_name_no_zone (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdTzdb) db = mrd_tzdb_load (f->dir, &error);
  g_autofree char *zone = NULL;
  g_autofree char *lt = g_build_filename (f->root, "etc/localtime", NULL);
  MrdTzSource source;

  tz_test_write (f->root, "etc/timezone", "Asia/Se\xffoul\n");
  assert_int_equal (symlink ("../usr/share/zoneinfo/Asia/To\xffkyo", lt), 0);
  assert_true (mrd_tz_localtime_read (f->root, db, &zone, &source, &error));
  assert_string_equal (zone, "UTC");
  assert_int_equal (source, MRD_TZ_SOURCE_DEFAULT);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (bad_zone_name_drops_only_that_name, setup, teardown),
    cmocka_unit_test_setup_teardown (bad_country_name_is_escaped_not_emptied, setup, teardown),
    cmocka_unit_test_setup_teardown (bad_zone_table_line_is_left_out_and_comment_escaped, setup, teardown),
    cmocka_unit_test_setup_teardown (trap_scan_keeps_other_lines_and_escapes, setup, teardown),
    cmocka_unit_test_setup_teardown (root_files_with_bad_bytes_name_no_zone, setup, teardown),
  };
  g_autofree char *zi = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), "tzdata.zi", NULL);

  if (!g_file_test (zi, G_FILE_TEST_EXISTS))
    {
      printf ("SKIP: %s missing (tzdata not installed)\n", zi);
      return 77;
    }
  return cmocka_run_group_tests_name ("tz-utf8", tests, NULL, NULL);
}
