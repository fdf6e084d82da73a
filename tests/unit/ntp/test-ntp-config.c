/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for ntp-config: chrony.conf lines as written, every option, clear errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ntp-engine.h"
#include "ntp-statlog.h"

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
  /* chrony.conf(5) 4.4: maxunreach 100000, maxdelayquant off (test C instead) */
  assert_int_equal (sc.maxunreach, 100000);
  assert_true (sc.maxdelayquant == 0.0);
  NtpConfig cfg;
  ntp_config_init (&cfg);
  assert_true (cfg.maxdistance == 3.0);
  assert_int_equal (cfg.minsources, 1);
  /* chrony.conf(5): ntsrefresh 2419200 (four weeks), nocerttimecheck 0 (always checked) */
  assert_int_equal (cfg.ntsrefresh, 2419200);
  assert_int_equal (cfg.nocerttimecheck, 0);
  assert_true (cfg.maxupdateskew == 1000.0);
  assert_true (cfg.stratumweight == 0.001);
  assert_true (cfg.reselectdist == 0.0001);
  assert_true (cfg.combinelimit == 3.0);
  assert_true (cfg.makestep_threshold <= 0);
  assert_int_equal (cfg.leapsecmode, NTP_LEAPMODE_SYSTEM);
}

/* leapsecmode takes chrony's four words and nothing else */
static void
leapsecmode_words (void **state)
{
  (void) state;
  const char *words[] = { "system", "step", "slew", "ignore" };
  const NtpLeapMode modes[] = { NTP_LEAPMODE_SYSTEM, NTP_LEAPMODE_STEP, NTP_LEAPMODE_SLEW,
                                NTP_LEAPMODE_IGNORE };
  char line[64], err[200];
  for (int k = 0; k < 4; k++) {
    NtpConfig cfg;
    ntp_config_init (&cfg);
    cfg.leapsecmode = modes[(k + 1) % 4];
    snprintf (line, sizeof line, "leapsecmode %s", words[k]);
    assert_int_equal (ntp_config_parse_line (&cfg, line, err, sizeof err), 1);
    assert_int_equal (cfg.leapsecmode, modes[k]);
  }
  const char *bad[] = { "leapsecmode", "leapsecmode smear", "leapsecmode Slew",
                        "leapsecmode step slew", "leapsecmode 1", NULL };
  for (int i = 0; bad[i]; i++) {
    NtpConfig cfg;
    ntp_config_init (&cfg);
    err[0] = '\0';
    assert_int_equal (ntp_config_parse_line (&cfg, bad[i], err, sizeof err), -1);
    assert_non_null (strstr (err, "system, step, slew or ignore"));
    assert_int_equal (cfg.leapsecmode, NTP_LEAPMODE_SYSTEM);
  }
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
      "polltarget 20 filter 4 key 7 version 4 xleave", err, sizeof err);
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
  assert_int_equal (sc.key, 7);
  assert_int_equal (sc.version, 4);
  /* interleaved mode is implemented: a flag, not an ignored option */
  assert_true (sc.xleave);
  assert_string_equal (sc.ignored, "");
}

/* Every option chrony 4.3 documents for a source, each with a valid argument, in one line:
 * each option that takes an argument must consume exactly its own, or the next option name
 * would be read as an argument (or an argument as an option) and the line refused. */
static void
chrony_43_options_take_their_arguments (void **state)
{
  (void) state;
  NtpSourceConfig sc;
  char err[200] = "";
  const char *line = "server time.example.com minpoll 4 maxpoll 9 iburst burst key 1 certset 1 "
                     "maxdelay 0.3 maxdelayratio 3 maxdelaydevratio 5 mindelay 0.01 asymmetry 0.25 "
                     "offset 0.001 minsamples 4 maxsamples 16 filter 2 offline auto_offline prefer "
                     "noselect trust require xleave polltarget 12 port 1123 ntsport 4461 presend 9 "
                     "minstratum 3 version 4 extfield F323 copy maxunreach 8 maxdelayquant 0.3";
  assert_int_equal (ntp_source_config_parse (&sc, line, err, sizeof err), 0);
  assert_int_equal (sc.minpoll, 4);
  assert_int_equal (sc.maxpoll, 9);
  assert_true (sc.iburst && sc.burst && sc.prefer && sc.noselect && sc.trust && sc.require);
  assert_true (sc.maxdelay == 0.3 && sc.maxdelayratio == 3 && sc.maxdelaydevratio == 5);
  assert_true (sc.mindelay == 0.01 && sc.offset == 0.001);
  assert_int_equal (sc.minsamples, 4);
  assert_int_equal (sc.maxsamples, 16);
  assert_int_equal (sc.filter, 2);
  assert_int_equal (sc.polltarget, 12);
  assert_int_equal (sc.port, 1123);
  assert_int_equal (sc.minstratum, 3);
  assert_int_equal (sc.key, 1);
  assert_int_equal (sc.version, 4);
  assert_true (sc.presend_on);
  assert_int_equal (sc.presend, 9);
  assert_true (sc.asymmetry == 0.25);
  assert_true (sc.offline && sc.auto_offline);
  assert_int_equal (sc.certset, 1);
  assert_int_equal (sc.ntsport, 4461);
  assert_true (sc.xleave && sc.copy);
  assert_int_equal (sc.maxunreach, 8);
  assert_true (sc.maxdelayquant == 0.3);
  assert_string_equal (sc.ignored, "extfield F323");
  /* extfield's type is hexadecimal; the option consumed "F323", not "copy" */
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 extfield F323 iburst", err, sizeof err), 0);
  assert_true (sc.iburst);
  assert_string_equal (sc.ignored, "extfield F323");
  /* pool's own option */
  assert_int_equal (ntp_source_config_parse (&sc, "pool pool.example.org maxsources 16 iburst", err, sizeof err), 0);
  assert_int_equal (sc.maxsources, 16);
}

/* chrony reads a comment only at the start of a line. A comment character anywhere else is
 * not a comment here either: the word is refused, so nothing after it can slip through as an
 * option, and nothing the user wrote is silently dropped. */
static void
comments_only_at_line_start (void **state)
{
  (void) state;
  NtpSourceConfig sc;
  char err[200] = "";
  for (const char *c = "#%;!"; *c; c++) {
    char line[64];
    snprintf (line, sizeof line, "%cserver 192.0.2.1 iburst", *c);
    assert_int_equal (ntp_source_config_parse (&sc, line, err, sizeof err), -1);
    snprintf (line, sizeof line, "   %c comment", *c);
    NtpConfig cfg;
    ntp_config_init (&cfg);
    assert_int_equal (ntp_config_parse_line (&cfg, line, err, sizeof err), 0);
  }
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 # minpoll 99999", err, sizeof err), -1);
  assert_non_null (strstr (err, "comment must start"));
  assert_int_equal (ntp_source_config_parse (&sc, "pool x ;$(reboot)", err, sizeof err), -1);
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 iburst #", err, sizeof err), -1);
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 iburst !prefer", err, sizeof err), -1);
  /* a refused line leaves sc at the defaults, not half-parsed */
  assert_false (sc.iburst);
  assert_string_equal (sc.name, "");
}

static void
host_names_are_validated (void **state)
{
  (void) state;
  const char *good[] = { "192.0.2.1", "pool.ntp.org", "time.example.com.", "ntp_1.corp", "::1",
                         "2001:db8::123", "fe80::1%eth0", "::ffff:192.0.2.1", "a", NULL };
  const char *bad[] = { "$(reboot)", "a;b", "a|b", "a`b`", "a&b", "-x.org", "a..b", "x-.org",
                        "host name", "a/b", "[::1]", "fe80::1%", "fe80::1%e$th0", "12345", ":",
                        "\001host", "a\\b", "'x'", "\"x\"", NULL };
  for (int i = 0; good[i]; i++)
    if (!ntp_source_name_valid (good[i])) {
      print_error ("'%s' refused\n", good[i]);
      fail ();
    }
  for (int i = 0; bad[i]; i++)
    if (ntp_source_name_valid (bad[i])) {
      print_error ("'%s' accepted\n", bad[i]);
      fail ();
    }
  char long_label[80];
  memset (long_label, 'a', 64);
  long_label[64] = '\0';
  assert_false (ntp_source_name_valid (long_label));
  long_label[63] = '\0';
  assert_true (ntp_source_name_valid (long_label));
}

/* chrony 4.4's maxunreach and maxdelayquant: their ranges, and a refusal names the range */
static void
unreach_and_quantile_options (void **state)
{
  (void) state;
  NtpSourceConfig sc;
  char err[200] = "";
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 maxunreach 0 maxdelayquant 0.05",
                                             err, sizeof err), 0);
  assert_int_equal (sc.maxunreach, 0);
  assert_true (sc.maxdelayquant == 0.05);
  assert_string_equal (sc.ignored, "");
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 maxunreach 1000000000 "
                                             "maxdelayquant 0.95", err, sizeof err), 0);
  assert_int_equal (sc.maxunreach, 1000000000);
  assert_true (sc.maxdelayquant == 0.95);
  const char *bad[] = { "maxunreach -1", "maxunreach 1000000001", "maxunreach 2.5",
                        "maxunreach x", "maxdelayquant 0.04", "maxdelayquant 0.96",
                        "maxdelayquant 1", "maxdelayquant nan", "maxdelayquant", NULL };
  for (int i = 0; bad[i]; i++) {
    char line[128];
    snprintf (line, sizeof line, "server 192.0.2.1 %s iburst", bad[i]);
    err[0] = '\0';
    if (ntp_source_config_parse (&sc, line, err, sizeof err) != -1) {
      print_error ("'%s' accepted\n", line);
      fail ();
    }
    assert_non_null (strstr (err, strncmp (bad[i], "maxunreach", 10) == 0 ? "polls" : "quantile"));
    assert_false (sc.iburst);
  }
}

static void
core_directive_list_is_the_parsers (void **state)
{
  (void) state;
  /* Each listed directive is taken by ntp_config_parse_line (a bad value gives -1, not 0:
   * "not mine"), and the source directives are not in the list. */
  const char *const *list = ntp_config_core_directives ();
  int n = 0;
  for (; list[n]; n++) {
    char line[64], err[200];
    NtpConfig cfg;
    ntp_config_init (&cfg);
    snprintf (line, sizeof line, "%s @", list[n]);
    assert_true (ntp_config_is_core_directive (list[n]));
    assert_int_equal (ntp_config_parse_line (&cfg, line, err, sizeof err), -1);
    if (n > 0)
      assert_true (strcmp (list[n - 1], list[n]) < 0);
  }
  assert_true (n >= 10);
  assert_false (ntp_config_is_core_directive ("server"));
  assert_false (ntp_config_is_core_directive ("driftfile"));
  assert_false (ntp_config_is_core_directive (""));
  assert_false (ntp_config_is_core_directive (NULL));
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
  assert_int_equal (sc.minsamples, NTP_SAMPLES_DEFAULT);   /* the global directives' */
  assert_int_equal (sc.maxsamples, NTP_SAMPLES_DEFAULT);
  assert_true (sc.maxdelayratio == 0 && sc.maxdelaydevratio == 0);

  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 key 7 version 3 extfield F323 "
                                             "asymmetry 0.5 xleave", err, sizeof err), 0);
  assert_string_equal (sc.ignored, "extfield F323");
  assert_false (sc.copy);
  assert_true (sc.xleave);
  assert_true (sc.asymmetry == 0.5);
  assert_false (sc.presend_on);
  assert_int_equal (sc.key, 7);
  assert_int_equal (sc.version, 3);
  /* key IDs above INT_MAX are chrony's too (a libFuzzer find: no conversion to int on the way) */
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 key 2222222226", err,
                                             sizeof err), 0);
  assert_true (sc.key == 2222222226u);
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 key 4294967295", err,
                                             sizeof err), 0);
  assert_true (sc.key == 4294967295u);
  /* many of them: the list stays a bounded string */
  char line[1024] = "server 192.0.2.1";
  for (int i = 0; i < 15; i++)
    strcat (line, " extfield F323 extfield 1");
  /* the bounded list keeps whole items only */
  assert_int_equal (ntp_source_config_parse (&sc, line, err, sizeof err), 0);
  assert_true (strlen (sc.ignored) < sizeof sc.ignored);
  assert_non_null (strstr (sc.ignored, "extfield F323 extfield 1"));
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
  expect_source_error ("server 1.2.3.4 maxdelay 0x10", "maxdelay '0x10'");
  expect_source_error ("server 1.2.3.4 maxdelay inf", "maxdelay 'inf'");
  expect_source_error ("server 1.2.3.4 maxdelay 1001", "0 to 1000");
  expect_source_error ("server 1.2.3.4 key 0", "key '0'");
  expect_source_error ("server 1.2.3.4 key", "needs a value");
  expect_source_error ("server 1.2.3.4 key 4294967296", "key '4294967296'");
  expect_source_error ("server 1.2.3.4 key iburst", "key 'iburst'");
  expect_source_error ("server 1.2.3.4 certset -1", "certset '-1'");
  expect_source_error ("server 1.2.3.4 extfield", "needs a value");
  expect_source_error ("server 1.2.3.4 extfield G323", "extfield 'G323'");
  expect_source_error ("server 1.2.3.4 version 5", "version '5'");
  /* versions 1 to 4, as chronyd's */
  expect_source_error ("server 1.2.3.4 version 0", "from 1 to 4");
  {
    NtpSourceConfig v2;
    char err2[200];
    assert_int_equal (ntp_source_config_parse (&v2, "server 1.2.3.4 version 2", err2, sizeof err2), 0);
    assert_int_equal (v2.version, 2);
    assert_int_equal (ntp_source_config_parse (&v2, "server 1.2.3.4", err2, sizeof err2), 0);
    assert_int_equal (v2.version, 0);     /* unset: the engine chooses (ntp-types.h) */
  }
  expect_source_error ("server 1.2.3.4 asymmetry 0.6", "asymmetry '0.6'");
  expect_source_error ("server 1.2.3.4 ntsport 0", "ntsport '0'");
  expect_source_error ("server 1.2.3.4 presend 25", "presend '25'");
  expect_source_error ("server 1.2.3.4 filter 9", "filter '9'");
  expect_source_error ("pool 1.2.3.4 maxsources 17", "maxsources '17'");
  expect_source_error ("server 1.2.3.4 minstratum 16", "minstratum '16'");
  expect_source_error ("server 1.2.3.4 minsamples 20 maxsamples 10", "greater than maxsamples");
  expect_source_error ("server 1.2.3.4 maxdelay 0.1 mindelay 0.2", "greater than maxdelay");
  expect_source_error ("server 1.2.3.4 port 99999999999999999999", "port");
  expect_source_error ("server $(reboot)", "not a valid address");
  expect_source_error ("server 1.2.3.4 iburst;reboot", "unknown option");
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
  assert_int_equal (ntp_config_parse_line (&cfg, "ntsrefresh 3600", err, sizeof err), 1);
  assert_int_equal (cfg.ntsrefresh, 3600);
  assert_int_equal (ntp_config_parse_line (&cfg, "ntsrefresh 2147483647", err, sizeof err), 1);
  assert_int_equal (cfg.ntsrefresh, 2147483647);
  assert_int_equal (ntp_config_parse_line (&cfg, "nocerttimecheck 2", err, sizeof err), 1);
  assert_int_equal (cfg.nocerttimecheck, 2);
  assert_true (ntp_config_is_core_directive ("ntsrefresh"));
  assert_true (ntp_config_is_core_directive ("nocerttimecheck"));
  assert_int_equal (ntp_config_parse_line (&cfg, "maxupdateskew 100", err, sizeof err), 1);
  assert_true (cfg.maxupdateskew == 100);
  assert_int_equal (ntp_config_parse_line (&cfg, "maxslewrate 500", err, sizeof err), 1);
  assert_true (cfg.maxslewrate == 500);
  assert_int_equal (ntp_config_parse_line (&cfg, "maxchange 1000 1 2", err, sizeof err), 1);
  assert_true (cfg.maxchange_offset == 1000);
  assert_int_equal (cfg.maxchange_start, 1);
  assert_true (cfg.maxclockerror == 1.0);
  assert_int_equal (ntp_config_parse_line (&cfg, "maxclockerror 0.5", err, sizeof err), 1);
  assert_true (cfg.maxclockerror == 0.5);
  assert_int_equal (ntp_config_parse_line (&cfg, "maxclockerror 0", err, sizeof err), -1);
  assert_int_equal (cfg.maxchange_ignore, 2);
  assert_int_equal (ntp_config_parse_line (&cfg, "stratumweight 0.01", err, sizeof err), 1);
  assert_true (cfg.stratumweight == 0.01);
  assert_int_equal (ntp_config_parse_line (&cfg, "reselectdist 0.001", err, sizeof err), 1);
  assert_true (cfg.reselectdist == 0.001);
  assert_int_equal (ntp_config_parse_line (&cfg, "combinelimit 2", err, sizeof err), 1);
  assert_true (cfg.combinelimit == 2);
  assert_true (cfg.maxjitter == 1.0);   /* chrony's default */
  assert_int_equal (ntp_config_parse_line (&cfg, "maxjitter 0.25", err, sizeof err), 1);
  assert_true (cfg.maxjitter == 0.25);
  assert_int_equal (ntp_config_parse_line (&cfg, "maxjitter 0", err, sizeof err), -1);
  /* chrony's global minsamples/maxsamples (the sources' defaults) and maxdrift */
  assert_int_equal (cfg.minsamples, 0);
  assert_int_equal (cfg.maxsamples, 0);
  assert_true (cfg.maxdrift == 500000.0);   /* chrony's default */
  assert_int_equal (ntp_config_parse_line (&cfg, "minsamples 6", err, sizeof err), 1);
  assert_int_equal (ntp_config_parse_line (&cfg, "maxsamples 32", err, sizeof err), 1);
  assert_int_equal (cfg.minsamples, 6);
  assert_int_equal (cfg.maxsamples, 32);
  assert_int_equal (ntp_config_parse_line (&cfg, "maxdrift 100", err, sizeof err), 1);
  assert_true (cfg.maxdrift == 100.0);
  /* chronyd's statistics logs: lines add up; kinds it knows that are not written here are
   * said (a partial line), the rest still applies */
  assert_int_equal (cfg.statlog, 0);
  assert_true (cfg.logchange == 1.0);   /* chrony's default */
  err[0] = '\0';
  assert_int_equal (ntp_config_parse_line (&cfg, "log tracking", err, sizeof err), 1);
  assert_string_equal (err, "");
  assert_int_equal (cfg.statlog, NTP_STATLOG_BIT (NTP_STATLOG_TRACKING));
  assert_int_equal (ntp_config_parse_line (&cfg, "log rawmeasurements measurements statistics"
                                           " rtc", err, sizeof err), 1);
  assert_non_null (strstr (err, "log: rtc not written"));
  /* rawmeasurements writes measurements.log too, every reply */
  assert_int_equal (cfg.statlog, NTP_STATLOG_BIT (NTP_STATLOG_TRACKING)
                    | NTP_STATLOG_BIT (NTP_STATLOG_MEASUREMENTS)
                    | NTP_STATLOG_BIT (NTP_STATLOG_STATISTICS) | NTP_STATLOG_RAW);
  NtpConfig raw;
  ntp_config_init (&raw);
  err[0] = '\0';
  assert_int_equal (ntp_config_parse_line (&raw, "log rawmeasurements", err, sizeof err), 1);
  assert_string_equal (err, "");
  assert_int_equal (raw.statlog, NTP_STATLOG_BIT (NTP_STATLOG_MEASUREMENTS) | NTP_STATLOG_RAW);
  assert_int_equal (ntp_config_parse_line (&cfg, "logchange 0.5", err, sizeof err), 1);
  assert_true (cfg.logchange == 0.5);
  assert_int_equal (ntp_config_parse_line (&cfg, "noclientlog", err, sizeof err), 1);
  assert_true (cfg.serve.noclientlog);
  assert_int_equal (ntp_config_parse_line (&cfg, "clientloglimit 65536", err, sizeof err), 1);
  assert_true (cfg.serve.clientloglimit == 65536);
  /* how the sockets are made: the client's and the server's apart */
  assert_int_equal (ntp_config_parse_line (&cfg, "bindacqaddress 192.0.2.2", err, sizeof err), 1);
  assert_int_equal (ntp_config_parse_line (&cfg, "bindacqaddress 2001:db8::2", err, sizeof err), 1);
  assert_int_equal (ntp_config_parse_line (&cfg, "bindaddress 192.0.2.1", err, sizeof err), 1);
  assert_string_equal (cfg.bind_acq_ipv4, "192.0.2.2");
  assert_string_equal (cfg.bind_acq_ipv6, "2001:db8::2");
  assert_string_equal (cfg.serve.bind_ipv4, "192.0.2.1");
  assert_string_equal (cfg.serve.bind_ipv6, "");
  assert_int_equal (ntp_config_parse_line (&cfg, "bindacqdevice eth0", err, sizeof err), 1);
  assert_int_equal (ntp_config_parse_line (&cfg, "binddevice eth1", err, sizeof err), 1);
  assert_string_equal (cfg.bind_acq_device, "eth0");
  assert_string_equal (cfg.serve.bind_device, "eth1");
  assert_int_equal (cfg.dscp, 0);
  assert_int_equal (ntp_config_parse_line (&cfg, "dscp 46", err, sizeof err), 1);
  assert_int_equal (cfg.dscp, 46);
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
  expect_core_error ("minsamples 65", "0 to 64");
  expect_core_error ("maxsamples -1", "0 to 64");
  expect_core_error ("minsamples", "exactly one value");
  expect_core_error ("maxdrift 0", "maxdrift");
  expect_core_error ("maxdrift lots", "maxdrift");
  expect_core_error ("log", "at least one");
  expect_core_error ("log tracking everything", "'everything' is not one of");
  expect_core_error ("logchange -1", "logchange");
  expect_core_error ("logchange", "exactly one value");
  expect_core_error ("noclientlog yes", "no value");
  expect_core_error ("clientloglimit 4294967296", "bytes");
  expect_core_error ("clientloglimit -1", "bytes");
  expect_core_error ("dscp 64", "0 to 63");
  expect_core_error ("dscp", "0 to 63");
  expect_core_error ("bindacqaddress eth0", "not an IPv4 or IPv6 address");
  expect_core_error ("bindacqdevice ../x", "interface name");
  expect_core_error ("binddevice averylonginterfacename", "interface name");
  expect_core_error ("bindacqdevice", "one interface name");
  expect_core_error ("makestep 1", "two values");
  expect_core_error ("makestep one 3", "threshold 'one'");
  expect_core_error ("makestep 1 x", "limit 'x'");
  expect_core_error ("makestep -1 3", "threshold '-1'");
  expect_core_error ("maxdistance", "exactly one value");
  expect_core_error ("maxdistance abc", "'abc' is not a number");
  expect_core_error ("maxdistance nan", "'nan' is not a number");
  expect_core_error ("minsources 0", "minsources: '0'");
  expect_core_error ("ntsrefresh 0", "ntsrefresh: '0' is not a whole number of seconds from 1");
  expect_core_error ("ntsrefresh 2147483648", "ntsrefresh: '2147483648'");
  expect_core_error ("ntsrefresh 1.5", "ntsrefresh: '1.5'");
  expect_core_error ("ntsrefresh", "ntsrefresh needs exactly one value");
  expect_core_error ("nocerttimecheck -1", "nocerttimecheck: '-1'");
  expect_core_error ("nocerttimecheck 1 2", "nocerttimecheck needs exactly one value");
  expect_core_error ("maxchange 0 1 2", "maxchange: offset '0'");
  expect_core_error ("maxslewrate -5", "maxslewrate");
  /* a comment after the value is not a comment (chrony's rule): refused, not half-read */
  expect_core_error ("combinelimit 2   ! comment", "exactly one value");
  expect_core_error ("maxchange 1000", "three values");
  expect_core_error ("corrtimeratio 0", "corrtimeratio");
  expect_core_error ("maxdistance 0x3", "'0x3' is not a number");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (seed_line_parses_as_written),
    cmocka_unit_test (defaults_are_chronys),
    cmocka_unit_test (unreach_and_quantile_options),
    cmocka_unit_test (leapsecmode_words),
    cmocka_unit_test (every_source_option),
    cmocka_unit_test (sample_and_delay_options),
    cmocka_unit_test (chrony_43_options_take_their_arguments),
    cmocka_unit_test (comments_only_at_line_start),
    cmocka_unit_test (host_names_are_validated),
    cmocka_unit_test (core_directive_list_is_the_parsers),
    cmocka_unit_test (garbage_source_lines_explain_themselves),
    cmocka_unit_test (core_directives_parse),
    cmocka_unit_test (garbage_core_lines_explain_themselves),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
