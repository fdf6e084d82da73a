/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The config reader (service/mrd-config.c) on whole files: chrony.conf as Debian and Amazon
 * Linux 2 ship it, include / confdir / sourcedir, file:line diagnostics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "mrd-config.h"
#include "sync/mrd-sync-engine.h"

static char *
fixture (const char *name)
{
  return g_build_filename (g_getenv ("MERIDIAN_SOURCE_ROOT"), "tests", "engine", "fixtures",
                           name, NULL);
}

/* The 1-based number of the first line of @path that starts with @prefix. */
static guint
line_of (const char *path, const char *prefix)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint i;

  assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return i + 1;
  fail_msg ("no line starting with '%s' in %s", prefix, path);
  return 0;
}

static gboolean
has_diagnostic (MrdConfig *config, const char *path, guint line, const char *word)
{
  g_autofree char *prefix = g_strdup_printf ("%s:%u: ", path, line);
  guint i;

  for (i = 0; i < config->diagnostics->len; i++)
    {
      const char *d = config->diagnostics->pdata[i];

      if (g_str_has_prefix (d, prefix) && strstr (d, word) != NULL)
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_string (GPtrArray *array, const char *s)
{
  guint i;

  for (i = 0; i < array->len; i++)
    if (g_strcmp0 (array->pdata[i], s) == 0)
      return TRUE;
  return FALSE;
}

static void
amazon_linux_2_conf_works_as_written (void **state)
{
  g_autofree char *path = fixture ("amazon-linux-2-chrony.conf");
  g_autoptr(GError) error = NULL;
  /* Beneath an empty root, so that what the file names (the key file) is missing on every
   * machine. */
  g_autofree char *root = g_dir_make_tmp ("mrd-conf-XXXXXX", NULL);
  g_autoptr(MrdConfig) config = mrd_config_load_file_under (path, root, &error);
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.0, 0.0);
  g_autoptr(MrdSyncEngine) engine = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  const char *ignored[] = { "dumponexit", "dumpdir" };
  guint i;

  g_rmdir (root);
  assert_non_null (config);
  assert_int_equal (config->n_errors, 0);
  /* The key file is read where the directive stands: a missing one is said, not an error. */
  assert_string_equal (config->keyfile, "/etc/chrony.keys");
  assert_true (has_diagnostic (config, path, line_of (path, "keyfile"),
                               "sources with a key will not run"));
  assert_int_equal (config->sources->len, 2);
  assert_string_equal (config->sources->pdata[0],
                       "server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4");
  assert_string_equal (config->sources->pdata[1], "pool 2.amazon.pool.ntp.org iburst");
  assert_string_equal (config->driftfile, "/var/lib/chrony/drift");
  assert_true (config->rtcsync);
  assert_true (has_string (config->core_lines, "makestep 1.0 3"));
  /* logdir is taken (its `log` line is commented out, so nothing is written there) */
  assert_string_equal (config->logdir, "/var/log/chrony");
  assert_false (has_diagnostic (config, path, line_of (path, "logdir"), "logdir"));
  /* leapsectz right/UTC: tzdata's leap seconds, the last at the end of 2016, go to the core
   * (tzdata is a test dependency) */
  assert_true (has_string (config->core_lines, "leapsecond 78796800 insert"));
  assert_true (has_string (config->core_lines, "leapsecond 1483228800 insert"));
  assert_false (has_diagnostic (config, path, line_of (path, "leapsectz"), "leapsectz"));
  /* Every directive meridiand does not implement is named with its file and line. */
  assert_int_equal (config->diagnostics->len, G_N_ELEMENTS (ignored) + 1);
  for (i = 0; i < G_N_ELEMENTS (ignored); i++)
    assert_true (has_diagnostic (config, path, line_of (path, ignored[i]), ignored[i]));
  /* dumponexit is no chrony 4.3 directive at all: said so. */
  assert_true (has_diagnostic (config, path, line_of (path, "dumponexit"), "unknown directive"));

  /* The engine takes every line (nothing is resolved or sent before start). */
  engine = mrd_sync_engine_new (clock, config, &error);
  assert_non_null (engine);
  lines = mrd_sync_engine_get_lines (engine);
  assert_int_equal (lines->len, 2);
  assert_false (mrd_sync_engine_is_running (engine));
}

static void
debian_conf_works_as_written (void **state)
{
  g_autofree char *path = fixture ("debian-12-chrony.conf");
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("mrd-conf-XXXXXX", NULL);
  g_autoptr(MrdConfig) config = mrd_config_load_file_under (path, root, &error);
  g_rmdir (root);
  assert_non_null (config);
  assert_int_equal (config->n_errors, 0);
  assert_string_equal (config->keyfile, "/etc/chrony/chrony.keys");
  assert_true (has_diagnostic (config, path, line_of (path, "keyfile"),
                               "sources with a key will not run"));
  assert_true (has_string (config->sources, "pool 2.debian.pool.ntp.org iburst"));
  assert_string_equal (config->driftfile, "/var/lib/chrony/chrony.drift");
  assert_true (config->rtcsync);
  assert_true (has_string (config->core_lines, "makestep 1 3"));
  assert_true (has_string (config->core_lines, "maxupdateskew 100.0"));
  assert_true (has_string (config->core_lines, "leapsecond 1483228800 insert"));
  assert_true (config->sourcedirs->len >= 2);
  assert_string_equal (config->sourcedirs->pdata[0], "/run/chrony-dhcp");
  assert_string_equal (config->sourcedirs->pdata[1], "/etc/chrony/sources.d");
  /* NTS's directive is taken, not ignored */
  assert_string_equal (config->ntsdumpdir, "/var/lib/chrony");
  assert_false (has_diagnostic (config, path, line_of (path, "ntsdumpdir"), "ntsdumpdir"));
  /* so is logdir: every line of Debian's file now acts, the key file's aside */
  assert_string_equal (config->logdir, "/var/log/chrony");
  assert_int_equal (config->diagnostics->len, 1);
}

static void
installed_chrony_conf_reads_without_errors (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdConfig) config = NULL;

  if (!g_file_test ("/etc/chrony/chrony.conf", G_FILE_TEST_EXISTS))
    {
      print_message ("no /etc/chrony/chrony.conf here\n");
      skip ();
    }
  /* Read only: the reader opens files for reading and nothing else. */
  config = mrd_config_load_file ("/etc/chrony/chrony.conf", &error);
  assert_non_null (config);
  assert_int_equal (config->n_errors, 0);
  assert_true (config->sources->len >= 1);
}

static void
write_file (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_mkdir_with_parents (parent, 0755);
  assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
include_confdir_and_sourcedir_read_in_chronys_order (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("mrd-conf-XXXXXX", NULL);
  g_autofree char *main_conf = g_build_filename (dir, "main.conf", NULL);
  g_autofree char *sources = g_build_filename (dir, "s", "dhcp.sources", NULL);
  g_autofree char *text = g_strdup_printf ("include %s/inc/*.conf\n"
                                           "confdir %s/a %s/b %s/missing\n"
                                           "sourcedir %s/s\n"
                                           "server 10.0.0.6\n",
                                           dir, dir, dir, dir, dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdConfig) config = NULL;
  g_autofree char *cmd = NULL;
  const char *expected[] = {
    "server 10.0.0.1", "server 10.0.0.2", "server 10.0.0.3", "server 10.0.0.4",
    "server 10.0.0.5 iburst", "server 10.0.0.6",
  };
  guint i;

  write_file (dir, "main.conf", text);
  write_file (dir, "inc/2.conf", "server 10.0.0.2\n");
  write_file (dir, "inc/1.conf", "server 10.0.0.1\n");
  write_file (dir, "inc/1.conf.bak", "server 10.0.0.98\n");
  write_file (dir, "a/x.conf", "server 10.0.0.3\n");
  /* The same name in a later confdir is hidden by the earlier one (chrony.conf(5)). */
  write_file (dir, "b/x.conf", "server 10.0.0.99\n");
  write_file (dir, "b/y.conf", "server 10.0.0.4\n");
  write_file (dir, "b/README", "server 10.0.0.97\n");
  /* A sources file holds source lines only: the makestep line is an error there. */
  write_file (dir, "s/dhcp.sources", "server 10.0.0.5 iburst\nmakestep 1 3\n");

  config = mrd_config_load_file (main_conf, &error);
  assert_non_null (config);
  assert_int_equal (config->sources->len, G_N_ELEMENTS (expected));
  for (i = 0; i < G_N_ELEMENTS (expected); i++)
    assert_string_equal (config->sources->pdata[i], expected[i]);
  assert_int_equal (config->core_lines->len, 0);
  assert_int_equal (config->n_errors, 1);
  assert_true (has_diagnostic (config, sources, 2, "makestep"));
  assert_int_equal (config->sourcedirs->len, 1);

  cmd = g_strdup_printf ("rm -rf '%s'", dir);
  assert_int_equal (system (cmd), 0);
}

static void
an_include_loop_ends_with_an_error (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("mrd-conf-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "loop.conf", NULL);
  g_autofree char *text = g_strdup_printf ("server 10.0.0.1\ninclude %s\n", path);
  g_autoptr(MrdConfig) config = NULL;
  g_autofree char *cmd = NULL;

  assert_true (g_file_set_contents (path, text, -1, NULL));
  config = mrd_config_load_file (path, NULL);
  assert_non_null (config);
  assert_int_equal (config->n_errors, 1);
  assert_true (has_diagnostic (config, path, 2, "nested"));
  cmd = g_strdup_printf ("rm -rf '%s'", dir);
  assert_int_equal (system (cmd), 0);
}

static void
unknown_directives_are_warned_and_skipped_and_names_are_case_insensitive (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();

  mrd_config_parse_data (config,
                         "frobnicate 3\n"
                         "Server 127.0.0.1 iburst\n"
                         "server 127.0.0.2 minpoll\n"
                         "MAKESTEP 0.1 3\n",
                         "t.conf");
  assert_int_equal (config->sources->len, 1);
  assert_string_equal (config->sources->pdata[0], "server 127.0.0.1 iburst");
  assert_int_equal (config->core_lines->len, 1);
  assert_string_equal (config->core_lines->pdata[0], "makestep 0.1 3");
  /* The unknown directive is a warning; the malformed line the one error. */
  assert_int_equal (config->n_errors, 1);
  assert_true (has_diagnostic (config, "t.conf", 1, "unknown directive 'frobnicate'"));
  assert_true (has_diagnostic (config, "t.conf", 3, "minpoll"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (amazon_linux_2_conf_works_as_written),
    cmocka_unit_test (debian_conf_works_as_written),
    cmocka_unit_test (installed_chrony_conf_reads_without_errors),
    cmocka_unit_test (include_confdir_and_sourcedir_read_in_chronys_order),
    cmocka_unit_test (an_include_loop_ends_with_an_error),
    cmocka_unit_test (unknown_directives_are_warned_and_skipped_and_names_are_case_insensitive),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
