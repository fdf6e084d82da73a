/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tzdata tables and zone name validation: on the system's tzdata and on a small zoneinfo
 * directory written here, so expected lists are known exactly. */
#include "tz-test-util.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "mrd-tz.h"
#include "mrd-tz-private.h"

static MrdTzdb *
system_db (void)
{
  g_autoptr(GError) error = NULL;
  MrdTzdb *db = mrd_tzdb_load (NULL, &error);
  if (db == NULL)
    fail_msg ("cannot load system tzdata: %s", error->message);
  return db;
}

/* ---- a small zoneinfo directory ---- */

static const char mini_tzdata_zi[] =
  "# version 2099z\n"
  "# comment line\n"
  "R K 1987 1988 - May Su>=8 2 1 D\n"
  "R K 1987 1988 - O Su>=8 3 0 S\n"
  "Z Asia/Seoul 8:27:52 - LMT 1908 Ap\n"
  "8:30 - KST 1912\n"
  "9 K K%sT\n"
  "Z Etc/UTC 0 - UTC\n"
  "Z Europe/Berlin 1 - CET\n"
  "Z Europe/Oslo 1 - CET\n"
  "Z Asia/Ghost 9 - GST\n"          /* in tzdata, no file */
  "Z Asia/Escape 9 - EST\n"         /* a symlink leading out of the directory */
  "Z Asia/Dir 9 - DST\n"            /* a directory, not a file */
  "Z Asia/Text 9 - TST\n"           /* a regular file, not TZif */
  "L Asia/Seoul ROK\n"
  "L Etc/UTC UTC\n"
  "L Etc/UTC Etc/Universal\n";

static const char mini_zone1970[] =
  "# comment\n"
  "#codes\tcoordinates\tTZ\tcomments\n"
  "KR\t+3733+12658\tAsia/Seoul\n"
  "DE,DK,NO\t+5230+01322\tEurope/Berlin\tmost of Germany\n";

static const char mini_zonetab[] =
  "KR\t+3733+12658\tAsia/Seoul\n"
  "DE\t+5230+01322\tEurope/Berlin\tmost of Germany\n"
  "NO\t+5955+01045\tEurope/Oslo\n";

static const char mini_iso[] =
  "# ISO 3166\n"
  "DE\tGermany\n"
  "DK\tDenmark\n"
  "KR\tKorea (South)\n"
  "NO\tNorway\n";

typedef struct {
  char *dir;
  MrdTzdb *db;
} Mini;

static void
copy_real (const char *dir, const char *zone, const char *from)
{
  g_autofree char *src = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), from, NULL);
  g_autofree char *data = NULL;
  gsize len;
  g_autofree char *dst = g_build_filename (dir, zone, NULL);
  g_autofree char *parent = g_path_get_dirname (dst);

  assert_true (g_file_get_contents (src, &data, &len, NULL));
  assert_int_equal (g_mkdir_with_parents (parent, 0755), 0);
  assert_true (g_file_set_contents (dst, data, (gssize) len, NULL));
}

static int
mini_setup (void **state)
{
  Mini *m = g_new0 (Mini, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *escape = NULL;
  g_autofree char *dirzone = NULL;
  g_autofree char *link = NULL;

  m->dir = g_dir_make_tmp ("mrd-tz-zi-XXXXXX", NULL);
  tz_test_write (m->dir, "tzdata.zi", mini_tzdata_zi);
  tz_test_write (m->dir, "zone1970.tab", mini_zone1970);
  tz_test_write (m->dir, "zone.tab", mini_zonetab);
  tz_test_write (m->dir, "iso3166.tab", mini_iso);
  copy_real (m->dir, "Asia/Seoul", "Asia/Seoul");
  copy_real (m->dir, "Etc/UTC", "Etc/UTC");
  copy_real (m->dir, "Europe/Berlin", "Europe/Berlin");
  copy_real (m->dir, "Europe/Oslo", "Europe/Oslo");
  link = g_build_filename (m->dir, "ROK", NULL);
  assert_int_equal (symlink ("Asia/Seoul", link), 0);
  g_free (link);
  link = g_build_filename (m->dir, "UTC", NULL);
  assert_int_equal (symlink ("Etc/UTC", link), 0);
  escape = g_build_filename (m->dir, "Asia/Escape", NULL);
  assert_int_equal (symlink ("/etc/passwd", escape), 0);
  dirzone = g_build_filename (m->dir, "Asia/Dir", NULL);
  assert_int_equal (g_mkdir (dirzone, 0755), 0);
  tz_test_write (m->dir, "Asia/Text", "not a TZif file\n");

  m->db = mrd_tzdb_load (m->dir, &error);
  assert_non_null (m->db);
  *state = m;
  return 0;
}

static int
mini_teardown (void **state)
{
  Mini *m = *state;
  mrd_tzdb_free (m->db);
  tz_test_rm_rf (m->dir);
  g_free (m->dir);
  g_free (m);
  return 0;
}

static void
list_timezones_is_zones_links_and_utc_sorted (void **state)
{
  Mini *m = *state;
  g_auto(GStrv) names = mrd_tzdb_list_timezones (m->db);
  g_autofree char *joined = g_strjoinv (" ", names);

  /* Z names, L third fields, "UTC"; strcmp order (upper case before lower), no duplicates */
  assert_string_equal (joined, "Asia/Dir Asia/Escape Asia/Ghost Asia/Seoul Asia/Text "
                               "Etc/UTC Etc/Universal Europe/Berlin Europe/Oslo ROK UTC");
  assert_string_equal (mrd_tzdb_get_version (m->db), "2099z");
  assert_string_equal (mrd_tzdb_get_zoneinfo_dir (m->db), m->dir);
}

static void
links_resolve_to_zones (void **state)
{
  Mini *m = *state;
  assert_true (mrd_tzdb_has_zone (m->db, "ROK"));
  assert_true (mrd_tzdb_is_link (m->db, "ROK"));
  assert_false (mrd_tzdb_is_link (m->db, "Asia/Seoul"));
  assert_string_equal (mrd_tzdb_resolve (m->db, "ROK"), "Asia/Seoul");
  assert_string_equal (mrd_tzdb_resolve (m->db, "UTC"), "Etc/UTC");
  assert_string_equal (mrd_tzdb_resolve (m->db, "Europe/Oslo"), "Europe/Oslo");
  assert_null (mrd_tzdb_resolve (m->db, "Mars/Olympus"));
  assert_false (mrd_tzdb_has_zone (m->db, "Mars/Olympus"));
}

static void
zones_carry_countries_and_coordinates (void **state)
{
  Mini *m = *state;
  g_autoptr(GPtrArray) zones = mrd_tzdb_list_zones (m->db);
  MrdTzZoneInfo *berlin;

  assert_int_equal (zones->len, 2);
  berlin = g_ptr_array_index (zones, 1);
  assert_string_equal (berlin->zone, "Europe/Berlin");
  assert_int_equal (g_strv_length (berlin->country_codes), 3);
  assert_string_equal (berlin->country_codes[2], "NO");
  assert_string_equal (berlin->country_names[0], "Germany");
  assert_string_equal (berlin->country_names[2], "Norway");
  assert_string_equal (berlin->comment, "most of Germany");
  /* +5230+01322 = 52°30'N 13°22'E */
  assert_true (fabs (berlin->latitude - 52.5) < 1e-9);
  assert_true (fabs (berlin->longitude - (13 + 22 / 60.0)) < 1e-9);
}

static void
country_filter_prefers_zone_tab (void **state)
{
  Mini *m = *state;
  g_autoptr(GPtrArray) no = mrd_tzdb_list_country_zones (m->db, "no");
  g_autoptr(GPtrArray) dk = mrd_tzdb_list_country_zones (m->db, "DK");
  g_autoptr(GPtrArray) xx = mrd_tzdb_list_country_zones (m->db, "XX");

  /* NO has its own line in zone.tab: Europe/Oslo, not the shared Europe/Berlin */
  assert_int_equal (no->len, 1);
  assert_string_equal (((MrdTzZoneInfo *) g_ptr_array_index (no, 0))->zone, "Europe/Oslo");
  /* DK has no zone.tab line here: zone1970.tab's shared zone */
  assert_int_equal (dk->len, 1);
  assert_string_equal (((MrdTzZoneInfo *) g_ptr_array_index (dk, 0))->zone, "Europe/Berlin");
  assert_int_equal (xx->len, 0);
  assert_string_equal (mrd_tzdb_get_country_name (m->db, "kr"), "Korea (South)");
  assert_null (mrd_tzdb_get_country_name (m->db, "XX"));
}

static void
chooser_navigation_continent_country_zone (void **state)
{
  Mini *m = *state;
  g_auto(GStrv) continents = mrd_tzdb_list_continents (m->db);
  g_autoptr(GPtrArray) europe = mrd_tzdb_list_countries (m->db, "Europe");
  g_autoptr(GPtrArray) asia = mrd_tzdb_list_countries (m->db, "Asia");
  g_autofree char *joined = g_strjoinv (" ", continents);
  GString *names = g_string_new (NULL);

  assert_string_equal (joined, "Asia Europe");
  for (guint i = 0; i < europe->len; i++)
    g_string_append_printf (names, "%s;", ((MrdTzCountry *) g_ptr_array_index (europe, i))->name);
  /* sorted by name */
  assert_string_equal (names->str, "Denmark;Germany;Norway;");
  assert_int_equal (asia->len, 1);
  assert_string_equal (((MrdTzCountry *) g_ptr_array_index (asia, 0))->code, "KR");
  g_string_free (names, TRUE);
}

/* ---- validation ---- */

static void
assert_refused (const MrdTzdb *db, const char *name, int code)
{
  g_autoptr(GError) error = NULL;
  if (mrd_tzdb_validate_zone (db, name, &error))
    fail_msg ("accepted “%.60s”", name);
  if (!g_error_matches (error, MRD_TZ_ERROR, code))
    fail_msg ("“%.60s”: wrong error %s/%d (%s), want code %d", name,
              g_quark_to_string (error->domain), error->code, error->message, code);
  assert_true (mrd_tz_error_is_bad_name (error));
  /* a person can act on it: it is not empty, and it is a single line */
  assert_true (strlen (error->message) > 20);
  assert_null (strchr (error->message, '\n'));
}

static void
validate_accepts_zones_links_and_utc (void **state)
{
  Mini *m = *state;
  g_autoptr(MrdTzdb) db = system_db ();
  g_autoptr(GError) error = NULL;

  assert_true (mrd_tzdb_validate_zone (m->db, "Asia/Seoul", &error));
  assert_true (mrd_tzdb_validate_zone (m->db, "ROK", &error));
  assert_true (mrd_tzdb_validate_zone (m->db, "UTC", &error));
  assert_true (mrd_tzdb_validate_zone (db, "Asia/Calcutta", &error));
  assert_true (mrd_tzdb_validate_zone (db, "Asia/Seoul", &error));
  assert_true (mrd_tzdb_validate_zone (db, "America/Argentina/Buenos_Aires", &error));
  assert_true (mrd_tzdb_validate_zone (db, "Etc/GMT+5", &error));
  assert_true (mrd_tzdb_validate_zone (db, "UTC", &error));
}

static void
validate_refuses_malformed_names (void **state)
{
  Mini *m = *state;
  g_autofree char *huge = g_strnfill (4096, 'A');
  g_autofree char *huge_path = g_strconcat ("Asia/", huge, NULL);

  assert_refused (m->db, "../../etc/shadow", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "Asia/Seoul/", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, NULL, MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "/etc/passwd", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "Asia/../../x", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "Asia/./Seoul", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "..", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, huge, MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, huge_path, MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "Asia//Seoul", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "/Asia/Seoul", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "Asia/Seoul\n", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "Asia/\tSeoul", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "Asia/Seoul\x7f", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "Asia/Seoul\x1b[2J", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "Asia/Seoul;rm", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "Asia/Se\xc3\xb6ul", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "Asia/Se\xff", MRD_TZ_ERROR_INVALID_NAME);
  assert_refused (m->db, "Asia/Seoul ", MRD_TZ_ERROR_INVALID_NAME);
}

static void
validate_refuses_unknown_and_fileless_names (void **state)
{
  Mini *m = *state;

  assert_refused (m->db, "Mars/Olympus", MRD_TZ_ERROR_UNKNOWN_ZONE);
  /* exists as a file but is not in tzdata */
  assert_refused (m->db, "tzdata", MRD_TZ_ERROR_UNKNOWN_ZONE);
  assert_refused (m->db, "asia/seoul", MRD_TZ_ERROR_UNKNOWN_ZONE);
  /* in tzdata but no file, a link out of the directory, a directory, not TZif */
  assert_refused (m->db, "Asia/Ghost", MRD_TZ_ERROR_MISSING_FILE);
  assert_refused (m->db, "Asia/Escape", MRD_TZ_ERROR_MISSING_FILE);
  assert_refused (m->db, "Asia/Dir", MRD_TZ_ERROR_MISSING_FILE);
  assert_refused (m->db, "Asia/Text", MRD_TZ_ERROR_MISSING_FILE);
  /* Etc/Universal is a link in tzdata.zi but has no file here */
  assert_refused (m->db, "Etc/Universal", MRD_TZ_ERROR_MISSING_FILE);
}

static void
refused_names_change_nothing_on_disk (void **state)
{
  Mini *m = *state;
  g_autofree char *root = tz_test_make_root ();
  g_autofree char *lt = g_build_filename (root, "etc/localtime", NULL);
  g_autofree char *huge = g_strnfill (4096, 'A');
  const char *bad[] = { "../../etc/shadow", "Asia/Seoul/", "", "/etc/passwd", "Asia/../../x",
                        huge, "Asia/Ghost", "Asia//Seoul", "Asia/Seoul\n" };
  g_autofree char *before_etc = NULL;
  g_autofree char *before_zi = NULL;

  tz_test_write (root, "etc/timezone", "Asia/Seoul\n");
  tz_test_write (root, "etc/sysconfig/clock", "ZONE=\"Asia/Seoul\"\nUTC=true\n");
  assert_int_equal (symlink ("../usr/share/zoneinfo/Asia/Seoul", lt), 0);
  before_etc = tz_test_list_dir (root, "etc");
  before_zi = tz_test_list_dir (m->dir, "Asia");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      /* the daemon's order: validate, and write only if valid */
      if (mrd_tzdb_validate_zone (m->db, bad[i], &error))
        fail_msg ("accepted “%.40s”", bad[i]);
      g_clear_error (&error);
      /* the writer refuses malformed names on its own as well */
      if (i != 6 && mrd_tz_localtime_write (root, bad[i], &error))
        fail_msg ("writer accepted “%.40s”", bad[i]);
    }
  {
    g_autofree char *target = g_file_read_link (lt, NULL);
    g_autofree char *tzfile = tz_test_read (root, "etc/timezone");
    g_autofree char *clock = tz_test_read (root, "etc/sysconfig/clock");
    g_autofree char *after_etc = tz_test_list_dir (root, "etc");
    g_autofree char *after_zi = tz_test_list_dir (m->dir, "Asia");
    assert_string_equal (target, "../usr/share/zoneinfo/Asia/Seoul");
    assert_string_equal (tzfile, "Asia/Seoul\n");
    assert_string_equal (clock, "ZONE=\"Asia/Seoul\"\nUTC=true\n");
    assert_string_equal (after_etc, before_etc);
    assert_string_equal (after_zi, before_zi);
  }
  tz_test_rm_rf (root);
}

/* ---- the system's tzdata ---- */

/* Our own reading of tzdata.zi (awk-style), to check the library's list against. */
static GPtrArray *
names_by_hand (void)
{
  g_autofree char *path = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), "tzdata.zi", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter it;
  gpointer key;

  assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char a[256], b[256], c[256];
      int n = sscanf (lines[i], "%255s %255s %255s", a, b, c);
      if (n >= 2 && strcmp (a, "Z") == 0)
        g_hash_table_add (set, g_strdup (b));
      else if (n >= 3 && strcmp (a, "L") == 0)
        g_hash_table_add (set, g_strdup (c));
    }
  g_hash_table_add (set, g_strdup ("UTC"));
  g_hash_table_iter_init (&it, set);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (out, g_strdup (key));
  g_ptr_array_sort (out, tz_test_strcmp_p);
  return out;
}

static void
system_list_matches_tzdata_zi_and_files (void **state)
{
  g_autoptr(MrdTzdb) db = system_db ();
  g_auto(GStrv) names = mrd_tzdb_list_timezones (db);
  g_autoptr(GPtrArray) expected = names_by_hand ();
  guint n = g_strv_length (names);

  print_message ("%u time zone names in tzdata %s\n", n, mrd_tzdb_get_version (db));
  assert_int_equal (n, expected->len);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      assert_string_equal (names[i], g_ptr_array_index (expected, i));
      if (i > 0)
        assert_true (strcmp (names[i - 1], names[i]) < 0);
      /* every listed name is usable on this system */
      if (!mrd_tzdb_validate_zone (db, names[i], &error))
        fail_msg ("%s listed but refused: %s", names[i], error->message);
    }
  /* sane size: tzdata has a few hundred names; the well-known ones are there */
  assert_true (n > 300 && n < 2000);
  assert_true (g_strv_contains ((const char *const *) names, "Asia/Calcutta"));
  assert_true (g_strv_contains ((const char *const *) names, "Asia/Kolkata"));
  assert_true (g_strv_contains ((const char *const *) names, "UTC"));
  assert_false (g_strv_contains ((const char *const *) names, "posixrules"));
  assert_false (g_strv_contains ((const char *const *) names, "localtime"));
  assert_false (g_strv_contains ((const char *const *) names, "zone.tab"));
}

/* Every TZif file under the zoneinfo directory, relative names (posix/ and right/ skipped:
 * they repeat the tree). */
static void
collect_tzif_files (const char *base, const char *rel, GPtrArray *out)
{
  g_autofree char *path = g_build_filename (base, rel, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_rel = rel[0] ? g_build_filename (rel, name, NULL) : g_strdup (name);
      g_autofree char *child = g_build_filename (base, child_rel, NULL);
      char magic[5] = { 0 };
      FILE *fp;

      if (strcmp (child_rel, "posix") == 0 || strcmp (child_rel, "right") == 0)
        continue;
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          collect_tzif_files (base, child_rel, out);
          continue;
        }
      fp = fopen (child, "rb");
      if (fp == NULL)
        continue;
      if (fread (magic, 1, 4, fp) == 4 && strcmp (magic, "TZif") == 0)
        g_ptr_array_add (out, g_steal_pointer (&child_rel));
      fclose (fp);
    }
}

static void
system_list_covers_every_zone_file (void **state)
{
  g_autoptr(MrdTzdb) db = system_db ();
  g_auto(GStrv) names = mrd_tzdb_list_timezones (db);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  guint extra = 0;

  collect_tzif_files (mrd_tzdb_get_zoneinfo_dir (db), "", files);
  print_message ("%u TZif files, %u names\n", files->len, g_strv_length (names));
  for (guint i = 0; i < files->len; i++)
    {
      const char *f = g_ptr_array_index (files, i);
      if (g_strv_contains ((const char *const *) names, f))
        continue;
      /* posixrules (zic -p) and localtime (a link to /etc/localtime) are not zone names */
      if (strcmp (f, "posixrules") == 0 || strcmp (f, "localtime") == 0)
        {
          extra++;
          continue;
        }
      fail_msg ("%s is a TZif file in the zoneinfo directory but not a listed name", f);
    }
  /* and, with those two aside, the names are exactly the files */
  assert_int_equal (files->len - extra, g_strv_length (names));
}

static void
system_seoul_is_in_korea (void **state)
{
  g_autoptr(MrdTzdb) db = system_db ();
  g_autoptr(GPtrArray) zones = mrd_tzdb_list_zones (db);
  g_autoptr(GPtrArray) kr = mrd_tzdb_list_country_zones (db, "KR");
  g_autoptr(GPtrArray) us = mrd_tzdb_list_country_zones (db, "US");
  g_auto(GStrv) continents = mrd_tzdb_list_continents (db);
  g_autoptr(GPtrArray) asia = mrd_tzdb_list_countries (db, "Asia");
  gboolean seoul = FALSE, ny = FALSE, kr_in_asia = FALSE;

  for (guint i = 0; i < zones->len; i++)
    {
      MrdTzZoneInfo *zi = g_ptr_array_index (zones, i);
      if (strcmp (zi->zone, "Asia/Seoul") == 0)
        {
          seoul = TRUE;
          assert_string_equal (zi->country_codes[0], "KR");
          assert_string_equal (zi->country_names[0], "Korea (South)");
          /* +3733+12658 */
          assert_true (fabs (zi->latitude - 37.55) < 1e-9);
          assert_true (fabs (zi->longitude - (126 + 58 / 60.0)) < 1e-9);
        }
      if (strcmp (zi->zone, "America/New_York") == 0)
        {
          ny = TRUE;
          /* +404251-0740023: seconds precision */
          assert_true (fabs (zi->latitude - (40 + 42 / 60.0 + 51 / 3600.0)) < 1e-9);
          assert_true (fabs (zi->longitude + (74 + 0 / 60.0 + 23 / 3600.0)) < 1e-9);
          assert_string_equal (zi->comment, "Eastern (most areas)");
        }
      /* every zone1970 zone is a valid name */
      assert_true (mrd_tzdb_has_zone (db, zi->zone));
      assert_true (zi->latitude >= -90 && zi->latitude <= 90);
      assert_true (zi->longitude >= -180 && zi->longitude <= 180);
    }
  assert_true (seoul && ny);
  assert_true (zones->len > 250);
  assert_int_equal (kr->len, 1);
  assert_string_equal (((MrdTzZoneInfo *) g_ptr_array_index (kr, 0))->zone, "Asia/Seoul");
  assert_true (us->len > 20);
  assert_false (g_strv_contains ((const char *const *) continents, "Etc"));
  assert_true (g_strv_contains ((const char *const *) continents, "Asia"));
  assert_true (g_strv_contains ((const char *const *) continents, "America"));
  for (guint i = 0; i < asia->len; i++)
    if (strcmp (((MrdTzCountry *) g_ptr_array_index (asia, i))->code, "KR") == 0)
      kr_in_asia = TRUE;
  assert_true (kr_in_asia);
}

static void
missing_tzdata_is_a_clear_error (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("mrd-tz-empty-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdTzdb) db = mrd_tzdb_load (dir, &error);

  assert_null (db);
  assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_BAD_TZDATA));
  assert_non_null (strstr (error->message, "tzdata.zi"));
  tz_test_rm_rf (dir);
}

static void
tzdir_environment_is_the_default (void **state)
{
  g_autofree char *old = g_strdup (g_getenv ("TZDIR"));

  g_setenv ("TZDIR", "/nonexistent/zoneinfo", TRUE);
  assert_string_equal (mrd_tzdb_default_zoneinfo_dir (), "/nonexistent/zoneinfo");
  g_setenv ("TZDIR", "", TRUE);
  assert_string_equal (mrd_tzdb_default_zoneinfo_dir (), "/usr/share/zoneinfo");
  if (old != NULL)
    g_setenv ("TZDIR", old, TRUE);
  else
    g_unsetenv ("TZDIR");
}

/* Found by tests/fuzz/fuzz-tzdb: "+9959+17959" was taken as 99.98° N. */
static void
coordinates_out_of_range_are_refused (void **state)
{
  double lat = 1, lon = 1;

  (void) state;
  assert_true (mrd_tz_parse_coordinates ("-9000-18000", &lat, &lon));
  assert_true (lat == -90 && lon == -180);
  assert_true (mrd_tz_parse_coordinates ("+373300+1265800", &lat, &lon));
  assert_true (fabs (lat - 37.55) < 1e-9 && fabs (lon - 126.966666666) < 1e-6);
  lat = lon = 7;
  assert_false (mrd_tz_parse_coordinates ("+9959+17959", &lat, &lon));
  assert_false (mrd_tz_parse_coordinates ("+4500+18100", &lat, &lon));
  assert_false (mrd_tz_parse_coordinates ("+4500-18001", &lat, &lon));
  /* a refused pair leaves both untouched, not half of it */
  assert_true (lat == 7 && lon == 7);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (list_timezones_is_zones_links_and_utc_sorted, mini_setup, mini_teardown),
    cmocka_unit_test_setup_teardown (links_resolve_to_zones, mini_setup, mini_teardown),
    cmocka_unit_test_setup_teardown (zones_carry_countries_and_coordinates, mini_setup, mini_teardown),
    cmocka_unit_test (coordinates_out_of_range_are_refused),
    cmocka_unit_test_setup_teardown (country_filter_prefers_zone_tab, mini_setup, mini_teardown),
    cmocka_unit_test_setup_teardown (chooser_navigation_continent_country_zone, mini_setup, mini_teardown),
    cmocka_unit_test_setup_teardown (validate_accepts_zones_links_and_utc, mini_setup, mini_teardown),
    cmocka_unit_test_setup_teardown (validate_refuses_malformed_names, mini_setup, mini_teardown),
    cmocka_unit_test_setup_teardown (validate_refuses_unknown_and_fileless_names, mini_setup, mini_teardown),
    cmocka_unit_test_setup_teardown (refused_names_change_nothing_on_disk, mini_setup, mini_teardown),
    cmocka_unit_test (system_list_matches_tzdata_zi_and_files),
    cmocka_unit_test (system_list_covers_every_zone_file),
    cmocka_unit_test (system_seoul_is_in_korea),
    cmocka_unit_test (missing_tzdata_is_a_clear_error),
    cmocka_unit_test (tzdir_environment_is_the_default),
  };
  g_autofree char *zi = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), "tzdata.zi", NULL);

  if (!g_file_test (zi, G_FILE_TEST_EXISTS))
    {
      printf ("SKIP: %s missing (tzdata not installed)\n", zi);
      return 77;
    }
  return cmocka_run_group_tests_name ("tz-tzdb", tests, NULL, NULL);
}
