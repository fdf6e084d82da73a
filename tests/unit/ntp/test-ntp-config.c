/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for ntp-config: chrony.conf lines as written, every option, clear errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "ntp-engine.h"

static void
seed_line_parses_as_written (void **state)
{
  (void) state;
  NtpSourceConfig sc;
  char err[200] = "";
  assert_int_equal (ntp_source_config_parse (&sc, "server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4", err, sizeof err), 0);
  assert_int_equal (sc.mode, NTP_SOURCE_SERVER);
  assert_string_equal (sc.name, "169.254.169.123");
  assert_true (sc.prefer && sc.iburst);
  assert_false (sc.burst || sc.noselect || sc.trust || sc.require);
  assert_int_equal (sc.minpoll, 4);
  assert_int_equal (sc.maxpoll, 4);
  assert_int_equal (sc.port, 123);
}

static void
defaults_are_chronys (void **state)
{
  (void) state;
  NtpSourceConfig sc;
  char err[200];
  assert_int_equal (ntp_source_config_parse (&sc, "pool 2.pool.ntp.org", err, sizeof err), 0);
  assert_int_equal (sc.mode, NTP_SOURCE_POOL);
  assert_int_equal (sc.minpoll, 6);
  assert_int_equal (sc.maxpoll, 10);
  assert_true (sc.maxdelay == 3.0);
  assert_int_equal (sc.polltarget, 8);
  assert_int_equal (sc.maxsources, 4);
  NtpConfig cfg;
  ntp_config_init (&cfg);
  assert_true (cfg.maxdistance == 3.0);
  assert_int_equal (cfg.minsources, 1);
  assert_true (cfg.maxupdateskew == 1000.0);
  assert_true (cfg.stratumweight == 0.001);
  assert_true (cfg.reselectdist == 0.0001);
  assert_true (cfg.combinelimit == 3.0);
  assert_true (cfg.makestep_threshold <= 0);
}

static void
every_source_option (void **state)
{
  (void) state;
  NtpSourceConfig sc;
  char err[200] = "";
  int r = ntp_source_config_parse (&sc,
      "peer  ntp.example.org   burst noselect trust require minpoll -6 maxpoll 24 "
      "maxdelay 0.5 mindelay 0.0001 offset -0.00005 port 1123 minstratum 2 maxsources 3 "
      "polltarget 20 filter 4 key 7 version 4 xleave   # a comment", err, sizeof err);
  assert_int_equal (r, 0);
  assert_int_equal (sc.mode, NTP_SOURCE_PEER);
  assert_string_equal (sc.name, "ntp.example.org");
  assert_true (sc.burst && sc.noselect && sc.trust && sc.require && !sc.iburst);
  assert_int_equal (sc.minpoll, -6);
  assert_int_equal (sc.maxpoll, 24);
  assert_true (sc.maxdelay == 0.5);
  assert_true (sc.mindelay == 0.0001);
  assert_true (sc.offset == -0.00005);
  assert_int_equal (sc.port, 1123);
  assert_int_equal (sc.minstratum, 2);
  assert_int_equal (sc.maxsources, 3);
  assert_int_equal (sc.polltarget, 20);
  assert_int_equal (sc.filter, 4);
}

/* chrony's sample and delay options are honoured now; the options this client does not
 * implement are listed in sc.ignored (the engine logs them), never dropped silently. */
static void
sample_and_delay_options (void **state)
{
  (void) state;
  NtpSourceConfig sc;
  char err[200] = "";
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 minsamples 8 maxsamples 32 "
                                             "maxdelayratio 2.5 maxdelaydevratio 4", err, sizeof err), 0);
  assert_int_equal (sc.minsamples, 8);
  assert_int_equal (sc.maxsamples, 32);
  assert_true (sc.maxdelayratio == 2.5);
  assert_true (sc.maxdelaydevratio == 4.0);
  assert_string_equal (sc.ignored, "");
  /* defaults: off / the built-in values */
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1", err, sizeof err), 0);
  assert_int_equal (sc.minsamples, 0);
  assert_int_equal (sc.maxsamples, 0);
  assert_true (sc.maxdelayratio == 0 && sc.maxdelaydevratio == 0);

  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 key 7 version 3 nts copy "
                                             "asymmetry 0.5 xleave", err, sizeof err), 0);
  assert_string_equal (sc.ignored, "key version nts copy asymmetry xleave");
  /* many of them: the list stays a bounded string */
  char line[1024] = "server 192.0.2.1";
  for (int i = 0; i < 20; i++)
    strcat (line, " auto_offline presend 1");
  assert_int_equal (ntp_source_config_parse (&sc, line, err, sizeof err), 0);
  assert_true (strlen (sc.ignored) < sizeof sc.ignored);
  assert_non_null (strstr (sc.ignored, "auto_offline presend"));
}

static void
expect_source_error (const char *line, const char *fragment)
{
  NtpSourceConfig sc;
  char err[200] = "";
  assert_int_equal (ntp_source_config_parse (&sc, line, err, sizeof err), -1);
  if (!strstr (err, fragment)) {
    print_error ("line '%s': error '%s' lacks '%s'\n", line, err, fragment);
    fail ();
  }
}

static void
garbage_source_lines_explain_themselves (void **state)
{
  (void) state;
  expect_source_error ("", "expected");
  expect_source_error ("server", "missing the address");
  expect_source_error ("sever 1.2.3.4", "'sever' is not a source directive");
  expect_source_error ("server 1.2.3.4 iburts", "unknown option 'iburts'");
  expect_source_error ("server 1.2.3.4 minpoll", "needs a value");
  expect_source_error ("server 1.2.3.4 minpoll x", "minpoll 'x'");
  expect_source_error ("server 1.2.3.4 minpoll 25", "-6 to 24");
  expect_source_error ("server 1.2.3.4 maxpoll -7", "-6 to 24");
  expect_source_error ("server 1.2.3.4 minpoll 8 maxpoll 6", "greater than maxpoll");
  expect_source_error ("server 1.2.3.4 maxdelay -1", "maxdelay '-1'");
  expect_source_error ("server 1.2.3.4 maxdelay 1e999", "maxdelay");
  expect_source_error ("server 1.2.3.4 port 0", "port '0'");
  expect_source_error ("server 1.2.3.4 port 70000", "port");
  expect_source_error ("server 1.2.3.4 polltarget 2", "polltarget");
  expect_source_error ("server bad/host", "not a valid address");
  expect_source_error ("server 1.2.3.4 minpoll 4junk", "minpoll '4junk'");
  expect_source_error ("server 1.2.3.4 minsamples 65", "minsamples '65'");
  expect_source_error ("server 1.2.3.4 maxsamples -1", "maxsamples '-1'");
  expect_source_error ("server 1.2.3.4 maxdelayratio 0.5", "maxdelayratio '0.5'");
  expect_source_error ("server 1.2.3.4 maxdelaydevratio x", "maxdelaydevratio 'x'");
  char longline[4000];
  memset (longline, 'a', sizeof longline - 1);
  longline[sizeof longline - 1] = '\0';
  expect_source_error (longline, "too long");
}

static void
core_directives_parse (void **state)
{
  (void) state;
  NtpConfig cfg;
  ntp_config_init (&cfg);
  char err[200] = "";
  assert_int_equal (ntp_config_parse_line (&cfg, "makestep 1 3", err, sizeof err), 1);
  assert_true (cfg.makestep_threshold == 1.0);
  assert_int_equal (cfg.makestep_limit, 3);
  assert_int_equal (ntp_config_parse_line (&cfg, "makestep 0.1 -1", err, sizeof err), 1);
  assert_int_equal (cfg.makestep_limit, -1);
  assert_int_equal (ntp_config_parse_line (&cfg, "maxdistance 16", err, sizeof err), 1);
  assert_true (cfg.maxdistance == 16);
  assert_int_equal (ntp_config_parse_line (&cfg, "minsources 2", err, sizeof err), 1);
  assert_int_equal (cfg.minsources, 2);
  assert_int_equal (ntp_config_parse_line (&cfg, "maxupdateskew 100", err, sizeof err), 1);
  assert_true (cfg.maxupdateskew == 100);
  assert_int_equal (ntp_config_parse_line (&cfg, "maxslewrate 500", err, sizeof err), 1);
  assert_true (cfg.maxslewrate == 500);
  assert_int_equal (ntp_config_parse_line (&cfg, "maxchange 1000 1 2", err, sizeof err), 1);
  assert_true (cfg.maxchange_offset == 1000);
  assert_int_equal (ntp_config_parse_line (&cfg, "stratumweight 0.01", err, sizeof err), 1);
  assert_true (cfg.stratumweight == 0.01);
  assert_int_equal (ntp_config_parse_line (&cfg, "reselectdist 0.001", err, sizeof err), 1);
  assert_true (cfg.reselectdist == 0.001);
  assert_int_equal (ntp_config_parse_line (&cfg, "combinelimit 2   ! comment", err, sizeof err), 1);
  assert_true (cfg.combinelimit == 2);
  assert_true (cfg.maxjitter == 1.0);   /* chrony's default */
  assert_int_equal (ntp_config_parse_line (&cfg, "maxjitter 0.25", err, sizeof err), 1);
  assert_true (cfg.maxjitter == 0.25);
  assert_int_equal (ntp_config_parse_line (&cfg, "maxjitter 0", err, sizeof err), -1);
  /* not ours: left to the daemon */
  assert_int_equal (ntp_config_parse_line (&cfg, "driftfile /var/lib/meridian/drift", err, sizeof err), 0);
  assert_int_equal (ntp_config_parse_line (&cfg, "server 1.2.3.4", err, sizeof err), 0);
  assert_int_equal (ntp_config_parse_line (&cfg, "   # only a comment", err, sizeof err), 0);
  assert_int_equal (ntp_config_parse_line (&cfg, "", err, sizeof err), 0);
}

static void
expect_core_error (const char *line, const char *fragment)
{
  NtpConfig cfg;
  ntp_config_init (&cfg);
  NtpConfig before = cfg;
  char err[200] = "";
  assert_int_equal (ntp_config_parse_line (&cfg, line, err, sizeof err), -1);
  if (!strstr (err, fragment)) {
    print_error ("line '%s': error '%s' lacks '%s'\n", line, err, fragment);
    fail ();
  }
  /* a refused line changes nothing */
  assert_memory_equal (&cfg, &before, sizeof cfg);
}

static void
garbage_core_lines_explain_themselves (void **state)
{
  (void) state;
  expect_core_error ("makestep", "two values");
  expect_core_error ("makestep 1", "two values");
  expect_core_error ("makestep one 3", "threshold 'one'");
  expect_core_error ("makestep 1 x", "limit 'x'");
  expect_core_error ("makestep -1 3", "threshold '-1'");
  expect_core_error ("maxdistance", "exactly one value");
  expect_core_error ("maxdistance abc", "'abc' is not a number");
  expect_core_error ("maxdistance nan", "'nan' is not a number");
  expect_core_error ("minsources 0", "minsources: '0'");
  expect_core_error ("maxchange 0 1 2", "maxchange: offset '0'");
  expect_core_error ("maxslewrate -5", "maxslewrate");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (seed_line_parses_as_written),
    cmocka_unit_test (defaults_are_chronys),
    cmocka_unit_test (every_source_option),
    cmocka_unit_test (sample_and_delay_options),
    cmocka_unit_test (garbage_source_lines_explain_themselves),
    cmocka_unit_test (core_directives_parse),
    cmocka_unit_test (garbage_core_lines_explain_themselves),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
