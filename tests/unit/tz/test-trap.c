/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TZ= settings that shadow the system zone (the seed's `export TZ='Asia/Seoul'` trap). */
#include "tz-test-util.h"

#include "mrd-tz.h"

typedef struct {
  char *root;
  MrdTzdb *db;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->root = tz_test_make_root ();
  f->db = mrd_tzdb_load (NULL, NULL);
  assert_non_null (f->db);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  tz_test_rm_rf (f->root);
  g_free (f->root);
  mrd_tzdb_free (f->db);
  g_free (f);
  return 0;
}

static GPtrArray *
find (Fixture *f, const char *system_zone, const char *caller_tz)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *traps = NULL;
  if (!mrd_tz_find_traps (f->root, f->db, system_zone, caller_tz, &traps, &error))
    fail_msg ("%s", error->message);
  return traps;
}

static void
assert_trap (GPtrArray *traps, guint i, const char *file, guint line, const char *value)
{
  MrdTzTrap *t;
  if (i >= traps->len)
    fail_msg ("only %u traps, wanted #%u", traps->len, i);
  t = g_ptr_array_index (traps, i);
  if (file == NULL)
    assert_null (t->file);
  else
    assert_string_equal (t->file, file);
  assert_int_equal (t->line, line);
  assert_string_equal (t->value, value);
}

static void
seed_profile_export_is_found_with_file_and_line (void **state)
{
  Fixture *f = *state;
  g_autoptr(GPtrArray) traps = NULL;

  tz_test_write (f->root, "etc/profile",
                 "# /etc/profile\nif [ \"$PS1\" ]; then\n  PS1='$ '\nfi\nexport TZ='Asia/Seoul'\n");
  traps = find (f, "UTC", NULL);
  assert_int_equal (traps->len, 1);
  assert_trap (traps, 0, "/etc/profile", 5, "Asia/Seoul");
  g_ptr_array_unref (traps);
  /* once the system zone is Asia/Seoul the line is harmless */
  traps = find (f, "Asia/Seoul", NULL);
  assert_int_equal (traps->len, 0);
}

static void
every_spelling_of_an_assignment_is_found (void **state)
{
  Fixture *f = *state;
  g_autoptr(GPtrArray) traps = NULL;

  tz_test_write (f->root, "etc/profile.d/a.sh",
                 "TZ=Asia/Tokyo\n"
                 "export TZ=\"Europe/Berlin\"\n"
                 "  TZ=':America/New_York'; export TZ\n"
                 "# TZ=Commented/Out\n"
                 "MYTZ=Not/This\n"
                 "echo TZ is set\n"
                 "[ -z \"$TZ\" ] && TZ=KST-9\n");
  tz_test_write (f->root, "etc/profile.d/b.txt", "TZ=Ignored/NotSh\n");
  tz_test_write (f->root, "etc/environment", "PATH=/usr/bin\nTZ=Asia/Seoul\n");
  traps = find (f, "UTC", NULL);
  assert_int_equal (traps->len, 5);
  assert_trap (traps, 0, "/etc/profile.d/a.sh", 1, "Asia/Tokyo");
  assert_trap (traps, 1, "/etc/profile.d/a.sh", 2, "Europe/Berlin");
  assert_trap (traps, 2, "/etc/profile.d/a.sh", 3, ":America/New_York");
  assert_trap (traps, 3, "/etc/profile.d/a.sh", 7, "KST-9");
  assert_trap (traps, 4, "/etc/environment", 2, "Asia/Seoul");
}

static void
agreeing_values_are_not_traps (void **state)
{
  Fixture *f = *state;
  g_autoptr(GPtrArray) traps = NULL;

  tz_test_write (f->root, "etc/profile",
                 "export TZ=Asia/Calcutta\n"                  /* link of the system zone */
                 "TZ=:Asia/Kolkata\n"
                 "TZ=/usr/share/zoneinfo/Asia/Kolkata\n");
  traps = find (f, "Asia/Kolkata", "Asia/Kolkata");
  assert_int_equal (traps->len, 0);
  g_ptr_array_unref (traps);
  /* UTC in its spellings */
  tz_test_write (f->root, "etc/profile", "TZ=UTC0\nTZ=Etc/UTC\nTZ=\nTZ=Etc/Universal\n");
  traps = find (f, "UTC", "");
  assert_int_equal (traps->len, 0);
}

static void
caller_tz_is_reported_without_file (void **state)
{
  Fixture *f = *state;
  g_autoptr(GPtrArray) traps = find (f, "UTC", "Asia/Seoul");

  assert_int_equal (traps->len, 1);
  assert_trap (traps, 0, NULL, 0, "Asia/Seoul");
  g_ptr_array_unref (g_steal_pointer (&traps));
  /* unset $TZ is no trap */
  traps = find (f, "UTC", NULL);
  assert_int_equal (traps->len, 0);
}

static void
value_agreement_rules (void **state)
{
  Fixture *f = *state;

  assert_true (mrd_tz_value_agrees (f->db, "Asia/Seoul", "Asia/Seoul"));
  assert_true (mrd_tz_value_agrees (f->db, ":Asia/Seoul", "ROK"));
  assert_true (mrd_tz_value_agrees (f->db, "", "Etc/UTC"));
  assert_true (mrd_tz_value_agrees (NULL, "UTC", "Etc/UTC"));
  assert_true (mrd_tz_value_agrees (f->db, ":/etc/localtime", "Asia/Seoul"));
  assert_false (mrd_tz_value_agrees (f->db, "Asia/Tokyo", "Asia/Seoul"));
  /* same offset today is not the same zone */
  assert_false (mrd_tz_value_agrees (f->db, "KST-9", "Asia/Seoul"));
  assert_false (mrd_tz_value_agrees (f->db, "$ZONE", "UTC"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (seed_profile_export_is_found_with_file_and_line, setup, teardown),
    cmocka_unit_test_setup_teardown (every_spelling_of_an_assignment_is_found, setup, teardown),
    cmocka_unit_test_setup_teardown (agreeing_values_are_not_traps, setup, teardown),
    cmocka_unit_test_setup_teardown (caller_tz_is_reported_without_file, setup, teardown),
    cmocka_unit_test_setup_teardown (value_agreement_rules, setup, teardown),
  };
  return cmocka_run_group_tests_name ("tz-trap", tests, NULL, NULL);
}
