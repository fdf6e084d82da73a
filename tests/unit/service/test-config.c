/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the chrony.conf-syntax reader (service/mrd-config.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "mrd-config.h"

static MrdConfigLineResult
parse (MrdConfig *config, const char *line, char **why)
{
  return mrd_config_parse_line (config, line, why);
}

static void
seed_server_line_is_accepted_as_written (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  g_autofree char *why = NULL;

  assert_int_equal (parse (config, "server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4", &why),
                    MRD_CONFIG_LINE_OK);
  assert_null (why);
  assert_int_equal (config->sources->len, 1);
  assert_string_equal (g_ptr_array_index (config->sources, 0),
                       "server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4");
}

static void
pool_and_peer_lines_with_odd_spacing_are_normalised (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();

  assert_int_equal (parse (config, "  pool\t2.debian.pool.ntp.org   iburst maxsources 4  ", NULL),
                    MRD_CONFIG_LINE_OK);
  assert_int_equal (parse (config, "peer 10.0.0.2", NULL), MRD_CONFIG_LINE_OK);
  assert_int_equal (config->sources->len, 2);
  assert_string_equal (g_ptr_array_index (config->sources, 0),
                       "pool 2.debian.pool.ntp.org iburst maxsources 4");
  assert_string_equal (g_ptr_array_index (config->sources, 1), "peer 10.0.0.2");
}

static void
comments_and_blank_lines_are_ok (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();

  assert_int_equal (parse (config, "", NULL), MRD_CONFIG_LINE_OK);
  assert_int_equal (parse (config, "   \t ", NULL), MRD_CONFIG_LINE_OK);
  /* chrony.conf(5): ! ; # % start comments. */
  assert_int_equal (parse (config, "# server 1.2.3.4", NULL), MRD_CONFIG_LINE_OK);
  assert_int_equal (parse (config, "! server 1.2.3.4", NULL), MRD_CONFIG_LINE_OK);
  assert_int_equal (parse (config, "; whatever", NULL), MRD_CONFIG_LINE_OK);
  assert_int_equal (parse (config, "% whatever", NULL), MRD_CONFIG_LINE_OK);
  assert_int_equal (config->sources->len, 0);
}

static void
driftfile_and_core_directives_are_kept (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();

  assert_int_equal (parse (config, "driftfile /var/lib/meridian/drift", NULL), MRD_CONFIG_LINE_OK);
  assert_string_equal (config->driftfile, "/var/lib/meridian/drift");
  assert_int_equal (parse (config, "makestep 1.0 3", NULL), MRD_CONFIG_LINE_OK);
  assert_int_equal (parse (config, "maxdistance 2", NULL), MRD_CONFIG_LINE_OK);
  /* chrony.conf(5) maxjitter: taken by the NTP core (ntp_config_parse_line), not "ignored". */
  assert_int_equal (parse (config, "maxjitter 0.5", NULL), MRD_CONFIG_LINE_OK);
  assert_int_equal (config->core_lines->len, 3);
  assert_string_equal (g_ptr_array_index (config->core_lines, 0), "makestep 1.0 3");
  assert_string_equal (g_ptr_array_index (config->core_lines, 2), "maxjitter 0.5");
}

static void
unknown_but_valid_chrony_directives_are_ignored (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  g_autofree char *why = NULL;

  assert_true (mrd_config_is_chrony_directive ("keyfile"));
  assert_int_equal (parse (config, "keyfile /etc/chrony/chrony.keys", &why),
                    MRD_CONFIG_LINE_IGNORED);
  assert_non_null (why);
  assert_non_null (strstr (why, "keyfile"));
  g_clear_pointer (&why, g_free);
  assert_int_equal (parse (config, "logdir /var/log/chrony", &why), MRD_CONFIG_LINE_IGNORED);
  assert_int_equal (config->sources->len, 0);
}

static void
garbage_lines_are_errors_with_a_reason (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  const char *bad[] = {
    "server",                            /* no address */
    "server 1.2.3.4 minpoll",            /* option without its value */
    "server 1.2.3.4 minpoll four",       /* value is not a number */
    "server 1.2.3.4 frobnicate",         /* unknown option */
    "driftfile",                         /* no file */
    "makestep one 3",                    /* not numbers */
    "\x01\x02garbage",                   /* control characters */
    "server 1.2.3.4 \xff\xfe",           /* not UTF-8 */
    "=== [section] ===",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *why = NULL;

      assert_int_equal (parse (config, bad[i], &why), MRD_CONFIG_LINE_ERROR);
      assert_non_null (why);
      assert_true (strlen (why) > 0);
    }
  assert_int_equal (config->sources->len, 0);
  assert_null (config->driftfile);
}

static void
parse_data_reports_file_and_line_and_keeps_good_lines (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  const char *text =
    "# meridian.conf\n"
    "server 127.0.0.1 iburst\n"
    "server 127.0.0.2 minpoll four\n"
    "leapsectz right/UTC\n"
    "pool pool.ntp.org iburst\n";

  /* The reader logs a warning for the malformed line; that is expected here. */
  mrd_config_parse_data (config, text, "/etc/meridian/meridian.conf");
  assert_int_equal (config->sources->len, 2);
  assert_int_equal (config->n_errors, 1);
  assert_int_equal (config->diagnostics->len, 2);
  assert_true (g_str_has_prefix (g_ptr_array_index (config->diagnostics, 0),
                                 "/etc/meridian/meridian.conf:3: "));
  assert_true (g_str_has_prefix (g_ptr_array_index (config->diagnostics, 1),
                                 "/etc/meridian/meridian.conf:4: "));
}

static void
missing_file_gives_defaults_and_unreadable_file_fails (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mrd-config-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "nope.conf", NULL);
  g_autoptr(MrdConfig) config = mrd_config_load_file (missing, &error);
  g_autoptr(MrdConfig) not_a_file = NULL;

  assert_non_null (config);
  assert_null (error);
  assert_int_equal (config->sources->len, 0);

  /* A directory where the file should be: cannot be read, and says so. */
  not_a_file = mrd_config_load_file (dir, &error);
  assert_null (not_a_file);
  assert_non_null (error);
  g_rmdir (dir);
}

static void
shipped_default_config_parses_cleanly (void **state)
{
  const char *srcdir = g_getenv ("MERIDIAN_SOURCE_ROOT");
  g_autofree char *path = NULL;
  g_autoptr(MrdConfig) config = NULL;

  if (srcdir == NULL)
    skip ();
  path = g_build_filename (srcdir, "data", "meridian.conf", NULL);
  config = mrd_config_load_file (path, NULL);
  assert_non_null (config);
  assert_int_equal (config->n_errors, 0);
  assert_int_equal (config->diagnostics->len, 0);
  assert_true (config->sources->len >= 1);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (seed_server_line_is_accepted_as_written),
    cmocka_unit_test (pool_and_peer_lines_with_odd_spacing_are_normalised),
    cmocka_unit_test (comments_and_blank_lines_are_ok),
    cmocka_unit_test (driftfile_and_core_directives_are_kept),
    cmocka_unit_test (unknown_but_valid_chrony_directives_are_ignored),
    cmocka_unit_test (garbage_lines_are_errors_with_a_reason),
    cmocka_unit_test (parse_data_reports_file_and_line_and_keeps_good_lines),
    cmocka_unit_test (missing_file_gives_defaults_and_unreadable_file_fails),
    cmocka_unit_test (shipped_default_config_parses_cleanly),
  };

  return cmocka_run_group_tests_name ("config", tests, NULL, NULL);
}
