/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of service/mrd-startup.c: the options both executables share, parsed beside
 * each one's own, and the look at argv made before parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>
#include "mrd-startup.h"

static void
argv_has_matches_the_whole_option_alone_or_with_a_value (void **state)
{
  char *argv[] = { "prog", "--no-bus", "--engine-child=3", "--rootx", NULL };
  int argc = 4;

  assert_true (mrd_startup_argv_has (argc, argv, "--no-bus"));
  assert_true (mrd_startup_argv_has (argc, argv, "--engine-child"));
  /* A longer option with the same start is another option. */
  assert_false (mrd_startup_argv_has (argc, argv, "--root"));
  assert_false (mrd_startup_argv_has (argc, argv, "--no"));
  /* argv[0] is the program, never an option. */
  assert_false (mrd_startup_argv_has (argc, argv, "prog"));
}

/* Parse a copy of @args (GOption rewrites the vector). */
static gboolean
parse (const char *const *args, MrdStartupCommon *common, const GOptionEntry *own)
{
  g_auto(GStrv) copy = g_strdupv ((char **) args);
  char **argv = copy;
  g_autofree char **keep = g_memdup2 (copy, sizeof (char *) * (g_strv_length (copy) + 1));
  int argc = (int) g_strv_length (copy);
  gboolean ok = mrd_startup_parse_options (&argc, &argv, common, own, "summary", FALSE);

  /* GOption may drop entries from the vector it parsed: free what was allocated. */
  g_free (copy);
  copy = NULL;
  for (char **p = keep; *p != NULL; p++)
    g_free (*p);
  return ok;
}

static void
shared_and_own_options_are_both_parsed (void **state)
{
  static const char *const args[] = {
    "prog", "--no-bus", "--root=/r", "--config", "/c", "--clock=virtual",
    "--virtual-offset=0.5", "--virtual-freq=-23.054", "--engine-user=u", "--engine-chroot=/e",
    "-v", "--mine=7", NULL
  };
  g_auto(MrdStartupCommon) common = { 0 };
  int mine = 0;
  const GOptionEntry own[] = {
    { "mine", 0, 0, G_OPTION_ARG_INT, &mine, "mine", NULL },
    { NULL }
  };

  assert_true (parse (args, &common, own));
  assert_true (common.no_bus);
  assert_string_equal (common.root, "/r");
  assert_string_equal (common.config, "/c");
  assert_string_equal (common.clock_name, "virtual");
  assert_true (common.virtual_offset == 0.5);
  assert_true (common.virtual_freq == -23.054);
  assert_string_equal (common.engine_user, "u");
  assert_string_equal (common.engine_chroot, "/e");
  assert_true (common.verbose);
  assert_int_equal (mine, 7);
}

static void
unknown_options_and_leftover_arguments_are_refused (void **state)
{
  static const char *const unknown[] = { "prog", "--no-such-option", NULL };
  static const char *const leftover[] = { "prog", "--no-bus", "extra", NULL };
  static const char *const bad_number[] = { "prog", "--virtual-offset=soon", NULL };
  const GOptionEntry none[] = { { NULL } };
  g_auto(MrdStartupCommon) a = { 0 };
  g_auto(MrdStartupCommon) b = { 0 };
  g_auto(MrdStartupCommon) c = { 0 };

  assert_false (parse (unknown, &a, none));
  assert_false (parse (leftover, &b, none));
  assert_false (parse (bad_number, &c, none));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (argv_has_matches_the_whole_option_alone_or_with_a_value),
    cmocka_unit_test (shared_and_own_options_are_both_parsed),
    cmocka_unit_test (unknown_options_and_leftover_arguments_are_refused),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
