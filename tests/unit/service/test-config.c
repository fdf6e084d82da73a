/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the chrony.conf-syntax reader (service/mrd-config.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "mrd-config.h"
#include "ntp-config.h"

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

/* A chrony.conf line of which a part has no effect here is applied all the same, and the
 * part is named (the log says FILE:LINE and this): `local stratum 10 orphan`, a common LAN
 * server line. */
static void
local_orphan_applies_and_says_orphan_does_nothing (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  g_autofree char *why = NULL;

  assert_int_equal (parse (config, "local stratum 10 orphan", &why), MRD_CONFIG_LINE_PARTIAL);
  assert_non_null (why);
  assert_non_null (strstr (why, "orphan"));
  assert_int_equal (config->core_lines->len, 1);
  assert_string_equal (g_ptr_array_index (config->core_lines, 0), "local stratum 10 orphan");
  g_clear_pointer (&why, g_free);
  assert_int_equal (parse (config, "allow 192.168.0.0/16", &why), MRD_CONFIG_LINE_OK);
  assert_null (why);
  assert_int_equal (parse (config, "local stratum 99", &why), MRD_CONFIG_LINE_ERROR);
  assert_int_equal (config->core_lines->len, 2);
  g_clear_pointer (&why, g_free);
  /* a client log larger than this server keeps: applied as far as it goes, and said */
  assert_int_equal (parse (config, "clientloglimit 4000000000", &why), MRD_CONFIG_LINE_PARTIAL);
  assert_non_null (strstr (why, "16384 clients"));
  g_clear_pointer (&why, g_free);
  /* chrony directives that act here now, no longer "not supported" */
  assert_int_equal (parse (config, "noclientlog", &why), MRD_CONFIG_LINE_OK);
  assert_int_equal (parse (config, "maxdrift 100", &why), MRD_CONFIG_LINE_OK);
  assert_int_equal (parse (config, "minsamples 6", &why), MRD_CONFIG_LINE_OK);
  assert_int_equal (parse (config, "maxsamples 32", &why), MRD_CONFIG_LINE_OK);
  assert_null (why);
  assert_int_equal (config->core_lines->len, 7);
  /* chronyd's statistics logs: the kinds go to the core, the files' place and banner stay */
  g_assert_null (config->logdir);
  g_assert_cmpuint (config->logbanner, ==, 32);
  assert_int_equal (parse (config, "log measurements statistics tracking", &why),
                    MRD_CONFIG_LINE_OK);
  assert_int_equal (parse (config, "logchange 0.5", &why), MRD_CONFIG_LINE_OK);
  assert_int_equal (parse (config, "logdir /var/log/chrony", &why), MRD_CONFIG_LINE_OK);
  assert_int_equal (parse (config, "logbanner 0", &why), MRD_CONFIG_LINE_OK);
  assert_null (why);
  assert_int_equal (config->core_lines->len, 9);
  g_assert_cmpstr (config->logdir, ==, "/var/log/chrony");
  g_assert_cmpuint (config->logbanner, ==, 0);
  assert_int_equal (parse (config, "log selection tracking", &why), MRD_CONFIG_LINE_OK);
  assert_null (why);
  assert_int_equal (parse (config, "log tempcomp tracking", &why), MRD_CONFIG_LINE_PARTIAL);
  assert_non_null (strstr (why, "tempcomp not written"));
  g_clear_pointer (&why, g_free);
  assert_int_equal (parse (config, "logdir var/log", &why), MRD_CONFIG_LINE_ERROR);
  g_clear_pointer (&why, g_free);
  assert_int_equal (parse (config, "logbanner many", &why), MRD_CONFIG_LINE_ERROR);
  g_clear_pointer (&why, g_free);
  assert_int_equal (parse (config, "log nothing", &why), MRD_CONFIG_LINE_ERROR);
  g_clear_pointer (&why, g_free);
  g_assert_cmpstr (config->logdir, ==, "/var/log/chrony");   /* unchanged by the bad lines */
  g_assert_cmpuint (config->logbanner, ==, 0);
  /* another directory directive after it leaves it be (ntsdumpdir once freed it) */
  assert_int_equal (parse (config, "ntsdumpdir /var/lib/chrony", &why), MRD_CONFIG_LINE_OK);
  g_assert_cmpstr (config->logdir, ==, "/var/log/chrony");
  g_assert_cmpstr (config->ntsdumpdir, ==, "/var/lib/chrony");
}

/* A `log` line without a logdir writes nothing (as chronyd, which says nothing): said once,
 * at the first log line, whichever comes first; with a logdir anywhere in the file, not. */
static void
log_without_logdir_is_said (void **state)
{
  static const char *const texts[] = {
    "log tracking\nserver 192.0.2.1\nlog statistics\n",
    "log tracking\nlogdir /var/log/meridian\n",
    "logdir /var/log/meridian\nlog tracking\n",
    "server 192.0.2.1\n",
  };
  static const guint said[] = { 1, 0, 0, 0 };

  for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
    {
      g_autoptr(MrdConfig) config = mrd_config_new ();
      guint found = 0;

      mrd_config_parse_data (config, texts[t], "/etc/meridian/meridian.conf");
      for (guint i = 0; i < config->diagnostics->len; i++)
        if (strstr (config->diagnostics->pdata[i], "no logdir") != NULL)
          {
            g_assert_true (g_str_has_prefix (config->diagnostics->pdata[i],
                                             "/etc/meridian/meridian.conf:1: log: "));
            found++;
          }
      g_assert_cmpuint (found, ==, said[t]);
      g_assert_cmpuint (config->n_errors, ==, 0);
    }
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

/* driftfile, include, confdir and sourcedir name absolute paths: a relative one would depend on
 * the daemon's working directory. Refused with a reason naming the path, nothing kept. */
static void
relative_paths_are_refused (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  const char *bad[] = { "driftfile drift", "driftfile ../etc/shadow", "include conf.d/*.conf",
                        "confdir /etc/meridian/conf.d relative.d", "sourcedir sources.d" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *why = NULL;

      assert_int_equal (parse (config, bad[i], &why), MRD_CONFIG_LINE_ERROR);
      assert_non_null (why);
      assert_non_null (strstr (why, "absolute"));
    }
  assert_null (config->driftfile);
  assert_int_equal (config->sourcedirs->len, 0);
}

/* chronyd's leapsectz: tzdata's right/UTC gives the core its leap seconds as `leapsecond`
 * lines; a name that is no zone name is an error and adds nothing; a zone that is missing or
 * counts no leap seconds is a warning, as in chronyd. */
static void
leapsectz_gives_the_core_the_zones_leap_seconds (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  g_autofree char *why = NULL;
  const char *bad[] = { "leapsectz ../../etc/shadow", "leapsectz /usr/share/zoneinfo/right/UTC",
                        "leapsectz", "leapsectz right/UTC right/UTC", NULL };
  const char *warned[] = { "leapsectz right/Nowhere", "leapsectz UTC", NULL };

  (void) state;
  for (int i = 0; bad[i]; i++)
    {
      assert_int_equal (parse (config, bad[i], &why), MRD_CONFIG_LINE_ERROR);
      assert_non_null (why);
      g_clear_pointer (&why, g_free);
    }
  for (int i = 0; warned[i]; i++)
    {
      assert_int_equal (parse (config, warned[i], &why), MRD_CONFIG_LINE_IGNORED);
      assert_non_null (strstr (why, "leap"));
      g_clear_pointer (&why, g_free);
    }
  assert_int_equal (config->core_lines->len, 0);
  assert_int_equal (parse (config, "leapsectz right/UTC", &why), MRD_CONFIG_LINE_OK);
  assert_true (config->core_lines->len >= 27);
  assert_string_equal (g_ptr_array_index (config->core_lines, 0), "leapsecond 78796800 insert");
  /* each line is one the core takes */
  for (guint i = 0; i < config->core_lines->len; i++)
    {
      NtpConfig cfg;
      char err[200];
      ntp_config_init (&cfg);
      assert_int_equal (ntp_config_parse_line (&cfg, g_ptr_array_index (config->core_lines, i),
                                               err, sizeof err), 1);
      assert_int_equal (cfg.n_leap_table, 1);
    }
}

static void
unknown_but_valid_chrony_directives_are_ignored (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  g_autofree char *why = NULL;

  assert_true (mrd_config_is_chrony_directive ("keyfile"));
  /* keyfile is implemented (tests/engine/test-keys.c); a missing key file is only said */
  assert_int_equal (parse (config, "keyfile /nonexistent/chrony.keys", &why),
                    MRD_CONFIG_LINE_IGNORED);
  assert_non_null (why);
  assert_non_null (strstr (why, "keyfile"));
  g_clear_pointer (&why, g_free);
  /* NTS's directives are implemented (tests/engine/test_loopback_nts.py) */
  assert_int_equal (parse (config, "ntsdumpdir /var/lib/chrony", &why), MRD_CONFIG_LINE_OK);
  assert_string_equal (config->ntsdumpdir, "/var/lib/chrony");
  assert_int_equal (parse (config, "nosystemcert", &why), MRD_CONFIG_LINE_OK);
  assert_true (config->nosystemcert);
  assert_int_equal (parse (config, "ntstrustedcerts relative.crt", &why), MRD_CONFIG_LINE_ERROR);
  g_clear_pointer (&why, g_free);
  assert_int_equal (parse (config, "ntstrustedcerts x /a.crt", &why), MRD_CONFIG_LINE_ERROR);
  g_clear_pointer (&why, g_free);
  assert_int_equal (parse (config, "ntstrustedcerts 1 /nonexistent/a.crt", &why),
                    MRD_CONFIG_LINE_ERROR);
  assert_non_null (strstr (why, "/nonexistent/a.crt"));
  g_clear_pointer (&why, g_free);
  assert_int_equal (config->nts_certs->len, 0);
  assert_int_equal (parse (config, "dumpdir /var/run/chrony", &why), MRD_CONFIG_LINE_IGNORED);
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
    "dumpdir /var/run/chrony\n"
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

/* A file saved with CRLF line ends (edited on another system) reads as chronyd reads it. */
static void
crlf_line_ends_read_as_line_ends (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();

  mrd_config_parse_data (config, "server 127.0.0.1 iburst\r\nmakestep 1 3\r\n",
                         "/etc/meridian/meridian.conf");
  assert_int_equal (config->n_errors, 0);
  assert_int_equal (config->diagnostics->len, 0);
  assert_int_equal (config->sources->len, 1);
  assert_string_equal (g_ptr_array_index (config->sources, 0), "server 127.0.0.1 iburst");
  assert_int_equal (config->core_lines->len, 1);
  assert_string_equal (g_ptr_array_index (config->core_lines, 0), "makestep 1 3");
}

/* Alpine's default chrony.conf, as written: initstepslew goes to the core with its host, which
 * is a source; cmdport (no command port here) is said to be unsupported. A host that is no
 * source is named with FILE:LINE, and the line still applies. */
static void
alpine_initstepslew_reads_as_written (void **state)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  g_autoptr(MrdConfig) other = mrd_config_new ();

  mrd_config_parse_data (config,
                         "pool pool.ntp.org iburst\n"
                         "initstepslew 10 pool.ntp.org\n"
                         "driftfile /var/lib/chrony/chrony.drift\n"
                         "rtcsync\n"
                         "cmdport 0\n",
                         "/etc/chrony/chrony.conf");
  assert_int_equal (config->n_errors, 0);
  assert_int_equal (config->sources->len, 1);
  assert_int_equal (config->core_lines->len, 1);
  assert_string_equal (g_ptr_array_index (config->core_lines, 0), "initstepslew 10 pool.ntp.org");
  assert_int_equal (config->diagnostics->len, 1);
  assert_non_null (strstr (g_ptr_array_index (config->diagnostics, 0),
                           "chrony.conf:5: directive 'cmdport'"));

  mrd_config_parse_data (other,
                         "initstepslew 30 foo.example.net bar.example.net\n"
                         "server BAR.example.net iburst\n",
                         "/etc/chrony/chrony.conf");
  assert_int_equal (other->n_errors, 0);
  assert_int_equal (other->core_lines->len, 1);
  assert_int_equal (other->diagnostics->len, 1);
  assert_non_null (strstr (g_ptr_array_index (other->diagnostics, 0),
                           "chrony.conf:1: initstepslew: foo.example.net is not a source"));
  /* a threshold that is not one is an error of the line, which then does not apply */
  assert_int_equal (parse (other, "initstepslew soon foo", NULL), MRD_CONFIG_LINE_ERROR);
  assert_int_equal (other->core_lines->len, 1);
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

/* With --config (no root) the administrator's files are read as named, links followed; but a
 * FIFO or device matched by an include, or named as the file itself, is refused at once,
 * never read (it would hang the daemon). The test gives up after 10 s if a read blocks. */
static void
trusted_fifo_and_device_are_refused_without_blocking (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mrd-config-XXXXXX", NULL);
  g_autofree char *main_conf = g_build_filename (dir, "main.cfg", NULL);
  g_autofree char *fifo = g_build_filename (dir, "a.conf", NULL);
  g_autofree char *good = g_build_filename (dir, "b.conf", NULL);
  g_autofree char *zero = g_build_filename (dir, "c.conf", NULL);
  g_autofree char *text = g_strdup_printf ("include %s/*.conf\nserver 127.0.0.3\n", dir);
  g_autoptr(MrdConfig) config = NULL;
  g_autoptr(MrdConfig) none = NULL;

  assert_int_equal (mkfifo (fifo, 0644), 0);
  assert_int_equal (symlink ("/dev/zero", zero), 0);
  assert_true (g_file_set_contents (good, "server 127.0.0.2\n", -1, NULL));
  assert_true (g_file_set_contents (main_conf, text, -1, NULL));
  alarm (10);
  config = mrd_config_load_file (main_conf, &error);
  assert_non_null (config);
  assert_int_equal (config->sources->len, 2);
  assert_string_equal (g_ptr_array_index (config->sources, 0), "server 127.0.0.2");
  assert_int_equal (config->n_errors, 2);
  none = mrd_config_load_file (fifo, &error);
  alarm (0);
  assert_null (none);
  assert_non_null (error);
  g_unlink (fifo);
  g_unlink (zero);
  g_unlink (good);
  g_unlink (main_conf);
  g_rmdir (dir);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
  else
    {
      if (dir != NULL)
        g_dir_close (dir);
      g_unlink (path);
    }
}

static void
write_file (const char *root, const char *rel, const char *text)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  assert_int_equal (g_mkdir_with_parents (dir, 0755), 0);
  assert_true (g_file_set_contents (path, text, -1, NULL));
}

static gboolean
has_source (MrdConfig *config, const char *needle)
{
  for (guint i = 0; i < config->sources->len; i++)
    if (strstr (config->sources->pdata[i], needle) != NULL)
      return TRUE;
  return FALSE;
}

static void
beneath_root_includes_and_dirs_are_read_under_the_root (void **state)
{
  g_autofree char *root = g_dir_make_tmp ("mrd-config-root-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdConfig) config = NULL;

  /* Absolute names in the file mean ROOT/...: the host's /etc/meridian is never looked at. */
  write_file (root, "etc/meridian/meridian.conf",
              "include /etc/meridian/conf.d/*.conf\nconfdir /etc/meridian/more\n"
              "sourcedir /etc/meridian/sources.d\n");
  write_file (root, "etc/meridian/conf.d/a.conf", "server 127.0.0.1\n");
  write_file (root, "etc/meridian/conf.d/skip.txt", "server 127.0.0.99\n");
  write_file (root, "etc/meridian/more/b.conf", "server 127.0.0.2\n");
  write_file (root, "etc/meridian/sources.d/c.sources", "server 127.0.0.3\n");
  config = mrd_config_load_beneath (root, "/etc/meridian/meridian.conf", &error);
  assert_non_null (config);
  assert_int_equal (config->sources->len, 3);
  assert_true (has_source (config, "127.0.0.1"));
  assert_true (has_source (config, "127.0.0.2"));
  assert_true (has_source (config, "127.0.0.3"));
  assert_int_equal (config->n_errors, 0);
  /* only the sourcedir's line is marked as one (chronyc reload sources touches no other) */
  assert_int_equal (config->source_in_sourcedir->len, 3);
  for (guint i = 0; i < 3; i++)
    assert_int_equal (g_array_index (config->source_in_sourcedir, gboolean, i),
                      strstr (config->sources->pdata[i], "127.0.0.3") != NULL);
  remove_tree (root);
}

/* chronyc reload sources reads the sourcedirs again, beneath the same root, by the same rules:
 * the *.sources files only, a name in the first directory hiding it in the second, a line
 * that is not a source line an error with FILE:LINE, a planted link refused. */
static void
sourcedirs_are_read_again_as_at_start (void **state)
{
  g_autofree char *root = g_dir_make_tmp ("mrd-config-root-XXXXXX", NULL);
  g_autofree char *outside = g_dir_make_tmp ("mrd-config-out-XXXXXX", NULL);
  g_autofree char *target = g_build_filename (outside, "evil.sources", NULL);
  g_autofree char *link = g_build_filename (root, "run/dhcp/evil.sources", NULL);
  const char *dirs[] = { "/run/dhcp", "/etc/sources.d", NULL };
  g_autoptr(MrdConfig) before = NULL;
  g_autoptr(MrdConfig) config = NULL;

  (void) state;
  write_file (root, "etc/meridian/meridian.conf",
              "server 127.0.0.1\nsourcedir /run/dhcp /etc/sources.d\n");
  write_file (root, "run/dhcp/eth0.sources", "server 127.0.0.2 iburst\n");
  before = mrd_config_load_beneath (root, "/etc/meridian/meridian.conf", NULL);
  assert_non_null (before);
  assert_int_equal (before->sources->len, 2);

  write_file (root, "run/dhcp/eth0.sources", "server 127.0.0.3\nmakestep 1 3\n");
  write_file (root, "etc/sources.d/eth0.sources", "server 127.0.0.98\n");   /* hidden */
  write_file (root, "etc/sources.d/local.sources", "pool pool.example.org maxsources 2\n");
  write_file (root, "etc/sources.d/notes.txt", "server 127.0.0.99\n");
  g_assert_no_errno (g_file_set_contents (target, "server 192.0.2.66\n", -1, NULL) ? 0 : -1);
  g_assert_no_errno (symlink (target, link));
  config = mrd_config_load_sourcedirs (before->root, dirs);
  assert_int_equal (config->sources->len, 2);
  assert_string_equal (config->sources->pdata[0], "server 127.0.0.3");
  assert_string_equal (config->source_origins->pdata[0], "/run/dhcp/eth0.sources:1");
  assert_string_equal (config->sources->pdata[1], "pool pool.example.org maxsources 2");
  for (guint i = 0; i < 2; i++)
    assert_true (g_array_index (config->source_in_sourcedir, gboolean, i));
  /* the makestep line and the link */
  assert_int_equal (config->n_errors, 2);
  assert_non_null (strstr (config->diagnostics->pdata[0], "/run/dhcp/eth0.sources:2:"));
  assert_int_equal (config->core_lines->len, 0);
  assert_int_equal (config->sourcedirs->len, 2);
  /* no directories: nothing, and no error */
  {
    const char *none[] = { NULL };
    g_autoptr(MrdConfig) empty = mrd_config_load_sourcedirs (before->root, none);

    assert_int_equal (empty->sources->len, 0);
    assert_int_equal (empty->n_errors, 0);
  }
  remove_tree (root);
  remove_tree (outside);
}

/* chronyc rekey reads the key file again by the keyfile directive's rules, beneath the root: a
 * good file gives its keys and names its bad lines; one others may read, a link or none at all
 * is refused as a whole (the keys in use then stay, mrd-keyfile.h). */
static void
keyfile_is_read_again_by_the_same_rules (void **state)
{
  g_autofree char *root = g_dir_make_tmp ("mrd-config-root-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (root, "etc/ntp.keys", NULL);
  g_autofree char *link = g_build_filename (root, "etc/link.keys", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdConfig) config = NULL;

  (void) state;
  write_file (root, "etc/ntp.keys", "1 SHA256 HEX:00112233445566778899AABBCCDDEEFF\n"
                                    "2 MD5 ASCII:secret\n3 WHIRLPOOL abc\n");
  g_assert_no_errno (chmod (path, 0600));
  config = mrd_config_load_keyfile (root, "/etc/ntp.keys", &error);
  g_assert_no_error (error);
  assert_int_equal (mrd_keys_count (config->keys), 2);
  assert_int_equal (config->diagnostics->len, 1);
  assert_non_null (strstr (config->diagnostics->pdata[0], "/etc/ntp.keys:3:"));
  g_clear_pointer (&config, mrd_config_free);

  g_assert_no_errno (chmod (path, 0644));
  config = mrd_config_load_keyfile (root, "/etc/ntp.keys", &error);
  assert_null (config);
  assert_non_null (strstr (error->message, "other users may read it"));
  g_clear_error (&error);
  g_assert_no_errno (chmod (path, 0600));
  g_assert_no_errno (symlink (path, link));
  config = mrd_config_load_keyfile (root, "/etc/link.keys", &error);
  assert_null (config);
  g_clear_error (&error);
  config = mrd_config_load_keyfile (root, "/etc/none.keys", &error);
  assert_null (config);
  assert_non_null (strstr (error->message, "/etc/none.keys"));
  remove_tree (root);
}

static void
beneath_root_links_fifos_and_dir_patterns_are_refused (void **state)
{
  g_autofree char *root = g_dir_make_tmp ("mrd-config-root-XXXXXX", NULL);
  g_autofree char *outside = g_dir_make_tmp ("mrd-config-out-XXXXXX", NULL);
  g_autofree char *outside_conf = g_build_filename (outside, "evil.conf", NULL);
  g_autofree char *link = g_build_filename (root, "etc/meridian/conf.d/evil.conf", NULL);
  g_autofree char *dirlink = g_build_filename (root, "etc/meridian/sources.d", NULL);
  g_autofree char *fifo = g_build_filename (root, "etc/meridian/conf.d/fifo.conf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdConfig) config = NULL;
  g_autoptr(MrdConfig) linked_main = NULL;
  g_autofree char *main_conf = g_build_filename (root, "etc/meridian/meridian.conf", NULL);
  g_autofree char *all = NULL;

  write_file (outside, "evil.conf", "server 192.0.2.66\n");
  write_file (outside, "x.sources", "server 192.0.2.67\n");
  write_file (root, "etc/meridian/meridian.conf",
              "include /etc/meridian/conf.d/*.conf\nsourcedir /etc/meridian/sources.d\n"
              "include /etc/*/conf.d/*.conf\nserver 127.0.0.5\n");
  write_file (root, "etc/meridian/conf.d/good.conf", "server 127.0.0.4\n");
  assert_int_equal (symlink (outside_conf, link), 0);
  assert_int_equal (symlink (outside, dirlink), 0);
  /* Reading a FIFO would wait for a writer forever. */
  assert_int_equal (mkfifo (fifo, 0644), 0);
  config = mrd_config_load_beneath (root, "/etc/meridian/meridian.conf", &error);
  assert_non_null (config);
  assert_false (has_source (config, "192.0.2."));
  assert_true (has_source (config, "127.0.0.4"));
  assert_true (has_source (config, "127.0.0.5"));
  /* The link, the FIFO, the linked directory and the pattern in a directory: 4 errors. */
  assert_int_equal (config->n_errors, 4);
  g_ptr_array_add (config->diagnostics, NULL);
  all = g_strjoinv ("\n", (char **) config->diagnostics->pdata);
  g_ptr_array_remove_index (config->diagnostics, config->diagnostics->len - 1);
  assert_non_null (strstr (all, "evil.conf"));
  assert_non_null (strstr (all, "fifo.conf: "));
  assert_non_null (strstr (all, "sources.d"));
  assert_non_null (strstr (all, "only the file name may be a pattern"));

  /* The main file a link: an error, nothing read. */
  assert_int_equal (g_unlink (main_conf), 0);
  assert_int_equal (symlink (outside_conf, main_conf), 0);
  linked_main = mrd_config_load_beneath (root, "/etc/meridian/meridian.conf", &error);
  assert_null (linked_main);
  assert_non_null (strstr (error->message, "symbolic link"));
  remove_tree (root);
  remove_tree (outside);
}

static void
config_file_given_with_a_root_names_paths_under_the_root (void **state)
{
  /* meridiand --config FILE --root DIR: the file is read as named (outside the root here),
   * what it names (include, confdir, sourcedir) beneath DIR, never at the real path. */
  g_autofree char *root = g_dir_make_tmp ("mrd-config-root-XXXXXX", NULL);
  g_autofree char *outside = g_dir_make_tmp ("mrd-config-out-XXXXXX", NULL);
  g_autofree char *conf = g_build_filename (outside, "meridian.conf", NULL);
  g_autofree char *text = g_strdup_printf ("include /etc/meridian/conf.d/*.conf\n"
                                           "confdir /etc/meridian/more\n"
                                           "sourcedir /etc/meridian/sources.d\n"
                                           "include %s/real/*.conf\n", outside);
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdConfig) config = NULL;
  g_autoptr(MrdConfig) plain = NULL;

  write_file (outside, "meridian.conf", text);
  write_file (root, "etc/meridian/conf.d/a.conf", "server 127.0.0.1\n");
  write_file (root, "etc/meridian/more/b.conf", "server 127.0.0.2\n");
  write_file (root, "etc/meridian/sources.d/c.sources", "server 127.0.0.3\n");
  /* The same absolute path outside the root: not read with a root. */
  write_file (outside, "real/d.conf", "server 192.0.2.4\n");
  config = mrd_config_load_file_under (conf, root, &error);
  assert_non_null (config);
  assert_true (has_source (config, "127.0.0.1"));
  assert_true (has_source (config, "127.0.0.2"));
  assert_true (has_source (config, "127.0.0.3"));
  assert_false (has_source (config, "192.0.2.4"));
  assert_int_equal (config->sources->len, 3);
  assert_string_equal (config->sourcedirs->pdata[0], "/etc/meridian/sources.d");

  /* Without a root (or with "/"), paths are read as written: only the last include exists. */
  plain = mrd_config_load_file_under (conf, "/", &error);
  assert_non_null (plain);
  assert_int_equal (plain->sources->len, 1);
  assert_true (has_source (plain, "192.0.2.4"));
  remove_tree (root);
  remove_tree (outside);
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
    cmocka_unit_test (alpine_initstepslew_reads_as_written),
    cmocka_unit_test (pool_and_peer_lines_with_odd_spacing_are_normalised),
    cmocka_unit_test (comments_and_blank_lines_are_ok),
    cmocka_unit_test (local_orphan_applies_and_says_orphan_does_nothing),
    cmocka_unit_test (driftfile_and_core_directives_are_kept),
    cmocka_unit_test (log_without_logdir_is_said),
    cmocka_unit_test (unknown_but_valid_chrony_directives_are_ignored),
    cmocka_unit_test (leapsectz_gives_the_core_the_zones_leap_seconds),
    cmocka_unit_test (garbage_lines_are_errors_with_a_reason),
    cmocka_unit_test (parse_data_reports_file_and_line_and_keeps_good_lines),
    cmocka_unit_test (crlf_line_ends_read_as_line_ends),
    cmocka_unit_test (missing_file_gives_defaults_and_unreadable_file_fails),
    cmocka_unit_test (shipped_default_config_parses_cleanly),
    cmocka_unit_test (relative_paths_are_refused),
    cmocka_unit_test (trusted_fifo_and_device_are_refused_without_blocking),
    cmocka_unit_test (beneath_root_includes_and_dirs_are_read_under_the_root),
    cmocka_unit_test (beneath_root_links_fifos_and_dir_patterns_are_refused),
    cmocka_unit_test (sourcedirs_are_read_again_as_at_start),
    cmocka_unit_test (keyfile_is_read_again_by_the_same_rules),
    cmocka_unit_test (config_file_given_with_a_root_names_paths_under_the_root),
  };

  return cmocka_run_group_tests_name ("config", tests, NULL, NULL);
}
