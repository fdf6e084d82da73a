/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A running source's options changed (chronyc minpoll, maxpoll, maxdelay, maxdelayratio,
 * maxdelaydevratio, minstratum, polltarget: ntp_source_config_modify and
 * ntp_engine_modify_source) in the tiny simulated world of mini-sim.h: the requests follow the
 * new poll bounds from the next one on, the delay limit refuses samples from the next one on,
 * and the bounds are coupled as chronyd couples them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mini-sim.h"
#include "ntp-source.h"

/* The true times of source 0's requests. */
#define MAX_SENT 4096
static double sent_t[MAX_SENT];
static int n_sent;

static void
recording_send (void *ud, unsigned src, const uint8_t *pkt, size_t len)
{
  MiniSim *m = ud;
  if (src == 0 && n_sent < MAX_SENT)
    sent_t[n_sent++] = m->t;
  ms_send (ud, src, pkt, len);
}

static void
start (MiniSim *m, uint64_t seed, const char *line)
{
  NtpSourceConfig sc;
  NtpConfig cfg;
  char err[200];

  n_sent = 0;
  ms_init (m, seed, 0.005, 20.0);
  m->n_srv = 1;
  /* 2 ms each way: a round-trip delay of about 4 ms */
  m->srv[0] = (MsServer) { .base_delay = 2e-3, .jitter = 20e-6, .stratum = 1 };
  NtpEnv env = ms_env (m);
  env.send = recording_send;
  ntp_config_init (&cfg);
  m->e = ntp_engine_new (&env, &cfg);
  assert_non_null (m->e);
  assert_int_equal (ntp_source_config_parse (&sc, line, err, sizeof err), 0);
  assert_int_equal (ntp_engine_add_source (m->e, &sc), 0);
  ntp_engine_start (m->e);
}

static NtpSourceReport
report (MiniSim *m)
{
  NtpSourceReport r;
  assert_true (ntp_engine_get_source (m->e, 0, &r));
  return r;
}

static void
modify (MiniSim *m, const char *option, const char *value)
{
  char err[200] = "";
  if (ntp_engine_modify_source (m->e, 0, option, value, err, sizeof err) != 0)
    fail_msg ("%s %s refused: %s", option, value, err);
}

/* The longest and shortest gaps between requests sent from index `from` on. */
static void
gaps (int from, double *shortest, double *longest)
{
  *shortest = INFINITY;
  *longest = 0;
  for (int i = from + 1; i < n_sent; i++) {
    double g = sent_t[i] - sent_t[i - 1];
    *shortest = fmin (*shortest, g);
    *longest = fmax (*longest, g);
  }
}

static void
maxpoll_lowered_at_run_time_shortens_the_next_request_at_once (void **state)
{
  (void) state;
  MiniSim m;
  start (&m, 11, "server 192.0.2.1 minpoll 8 maxpoll 10");
  ms_run (&m, 3 * 3600, 0, NULL, NULL);
  double shortest, longest;
  gaps (0, &shortest, &longest);
  assert_true (shortest >= 256 * 0.999);       /* minpoll 8: no request sooner than 256 s */
  assert_true (report (&m).poll >= 8);

  /* maxpoll 5 below minpoll 8: minpoll follows it down (chronyd's NCR_ModifyMaxpoll) */
  double t_mod = m.t;
  double last = sent_t[n_sent - 1];
  modify (&m, "maxpoll", "5");
  assert_int_equal (report (&m).poll, 5);
  int from = n_sent;
  ms_run (&m, t_mod + 1800, 0, NULL, NULL);
  assert_true (n_sent - from > 1800 / 33 - 2);
  /* the next request follows the last one by the new interval, not the old one */
  assert_true (sent_t[from] <= fmax (t_mod, last + 32 * 1.02) + 0.1);
  gaps (from, &shortest, &longest);
  assert_true (longest <= 32 * 1.02 + 0.1);
  /* and minpoll was lowered to 5: the poll never stays above 5, nor is held at 8 */
  assert_int_equal (report (&m).poll, 5);
  ntp_engine_free (m.e);
}

static void
minpoll_raised_at_run_time_lengthens_the_requests_and_raises_maxpoll (void **state)
{
  (void) state;
  MiniSim m;
  start (&m, 12, "server 192.0.2.1 minpoll 4 maxpoll 6");
  ms_run (&m, 1800, 0, NULL, NULL);
  double shortest, longest;
  gaps (8, &shortest, &longest);
  assert_true (longest <= 64 * 1.02 + 0.1);    /* maxpoll 6 */

  /* minpoll 8 above maxpoll 6: maxpoll follows it up (chronyd's NCR_ModifyMinpoll) */
  double t_mod = m.t;
  modify (&m, "minpoll", "8");
  assert_int_equal (report (&m).poll, 8);
  int from = n_sent;
  ms_run (&m, t_mod + 4 * 3600, 0, NULL, NULL);
  assert_true (n_sent - from >= 4 * 3600 / 262 - 1);
  gaps (from, &shortest, &longest);
  assert_true (shortest >= 256 * 0.999);
  /* maxpoll was raised with it to 8, not left at 6 (which would have capped the poll) */
  assert_true (longest <= 256 * 1.02 + 0.1);
  assert_int_equal (report (&m).poll, 8);
  ntp_engine_free (m.e);
}

static void
maxdelay_lowered_below_the_path_delay_refuses_the_samples (void **state)
{
  (void) state;
  MiniSim m;
  start (&m, 13, "server 192.0.2.1 minpoll 4 maxpoll 4");
  ms_run (&m, 1200, 0, NULL, NULL);
  NtpSourceReport before = report (&m);
  assert_true (before.samples >= 8);
  assert_true (before.delay > 0.0039 && before.delay < 0.005);

  /* 3 ms: below the path's 4 ms round trip, so every sample from now on is refused */
  modify (&m, "maxdelay", "0.003");
  uint64_t replies = before.replies;
  int samples = before.samples;
  ms_run (&m, 1200 + 600, 0, NULL, NULL);
  NtpSourceReport during = report (&m);
  assert_true (during.replies >= replies + 30);  /* still answered... */
  assert_true (during.samples <= samples);       /* ...but no sample taken */
  assert_true (during.last_rx_ago >= 600);       /* the last one is from before the change */
  assert_true (during.reach != 0);

  /* 0 is a limit too, as chronyd's (not the 3 s default): still no sample */
  modify (&m, "maxdelay", "0");
  ms_run (&m, 1800 + 120, 0, NULL, NULL);
  assert_true (report (&m).samples <= samples);
  assert_true (report (&m).last_rx_ago >= 600);

  /* raised again: samples come back */
  modify (&m, "maxdelay", "0.01");
  ms_run (&m, 1920 + 120, 0, NULL, NULL);
  assert_true (report (&m).last_rx_ago < 20);
  assert_true (fabs (ms_error (&m)) < 1e-3);
  ntp_engine_free (m.e);
}

static void
minstratum_raises_the_stratum_the_source_counts_as (void **state)
{
  (void) state;
  MiniSim m;
  start (&m, 14, "server 192.0.2.1 minpoll 4 maxpoll 4");
  ms_run (&m, 600, 0, NULL, NULL);
  assert_int_equal (report (&m).stratum, 1);
  modify (&m, "minstratum", "5");
  assert_int_equal (report (&m).stratum, 5);
  ms_run (&m, 1200, 0, NULL, NULL);
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  assert_int_equal (report (&m).stratum, 5);
  assert_int_equal (tr.stratum, 6);
  ntp_engine_free (m.e);
}

static void
modify_couples_minpoll_and_maxpoll_as_chronyd (void **state)
{
  (void) state;
  NtpSourceConfig sc;
  char err[200];

  ntp_source_config_init (&sc);                /* minpoll 6, maxpoll 10 */
  assert_int_equal (ntp_source_config_modify (&sc, "minpoll", "12", err, sizeof err), 0);
  assert_int_equal (sc.minpoll, 12);
  assert_int_equal (sc.maxpoll, 12);
  assert_int_equal (ntp_source_config_modify (&sc, "maxpoll", "3", err, sizeof err), 0);
  assert_int_equal (sc.minpoll, 3);
  assert_int_equal (sc.maxpoll, 3);
  /* within the bounds: the other one stays */
  assert_int_equal (ntp_source_config_modify (&sc, "maxpoll", "9", err, sizeof err), 0);
  assert_int_equal (sc.minpoll, 3);
  assert_int_equal (sc.maxpoll, 9);
  assert_int_equal (ntp_source_config_modify (&sc, "minpoll", "-6", err, sizeof err), 0);
  assert_int_equal (sc.minpoll, -6);
  assert_int_equal (sc.maxpoll, 9);
}

static void
modify_refuses_what_a_source_line_refuses_and_changes_nothing (void **state)
{
  (void) state;
  static const char *const bad[][2] = {
    { "minpoll", "abc" }, { "minpoll", "25" }, { "minpoll", "4.5" }, { "maxpoll", "-7" },
    { "maxdelay", "-1" }, { "maxdelay", "1001" }, { "maxdelay", "x" },
    { "maxdelayratio", "0.5" }, { "maxdelaydevratio", "" }, { "minstratum", "16" },
    { "polltarget", "5" }, { "polltarget", "61" },
    /* options a line takes but chronyc cannot change at run time */
    { "port", "124" }, { "iburst", "" }, { "key", "1" }, { "", "1" }, { "MINPOLL", "4" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    NtpSourceConfig sc, orig;
    char err[200] = "";
    char line[128];
    ntp_source_config_init (&sc);
    orig = sc;
    if (ntp_source_config_modify (&sc, bad[i][0], bad[i][1], err, sizeof err) != -1)
      fail_msg ("%s '%s' accepted", bad[i][0], bad[i][1]);
    assert_true (err[0] != '\0');
    assert_memory_equal (&sc, &orig, sizeof sc);
    /* the same value is refused in a source line too (the one parser decides) */
    if (!strcmp (bad[i][0], "minpoll") || !strcmp (bad[i][0], "maxdelay")) {
      snprintf (line, sizeof line, "server 192.0.2.1 %s %s", bad[i][0], bad[i][1]);
      assert_int_equal (ntp_source_config_parse (&sc, line, NULL, 0), -1);
    }
  }
  /* each modifiable option takes what a line takes */
  NtpSourceConfig sc;
  ntp_source_config_init (&sc);
  assert_int_equal (ntp_source_config_modify (&sc, "maxdelayratio", "2.5", NULL, 0), 0);
  assert_true (sc.maxdelayratio == 2.5);
  assert_int_equal (ntp_source_config_modify (&sc, "maxdelaydevratio", "4", NULL, 0), 0);
  assert_true (sc.maxdelaydevratio == 4.0);
  assert_int_equal (ntp_source_config_modify (&sc, "polltarget", "20", NULL, 0), 0);
  assert_int_equal (sc.polltarget, 20);
  assert_int_equal (ntp_source_config_modify (&sc, "minstratum", "15", NULL, 0), 0);
  assert_int_equal (sc.minstratum, 15);
  const char *const *names = ntp_source_config_modifiable ();
  int n = 0;
  while (names[n])
    n++;
  assert_int_equal (n, 7);
}

static void
modify_of_a_missing_source_is_refused (void **state)
{
  (void) state;
  MiniSim m;
  char err[200] = "";
  start (&m, 15, "server 192.0.2.1");
  assert_int_equal (ntp_engine_modify_source (m.e, 1, "minpoll", "4", err, sizeof err), -1);
  assert_int_equal (ntp_engine_modify_source (m.e, NTP_MAX_SOURCES, "minpoll", "4", err,
                                              sizeof err), -1);
  assert_int_equal (ntp_engine_modify_source (m.e, 0, "minpoll", "abc", err, sizeof err), -1);
  assert_int_equal (report (&m).poll, 6);
  ntp_engine_free (m.e);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (maxpoll_lowered_at_run_time_shortens_the_next_request_at_once),
    cmocka_unit_test (minpoll_raised_at_run_time_lengthens_the_requests_and_raises_maxpoll),
    cmocka_unit_test (maxdelay_lowered_below_the_path_delay_refuses_the_samples),
    cmocka_unit_test (minstratum_raises_the_stratum_the_source_counts_as),
    cmocka_unit_test (modify_couples_minpoll_and_maxpoll_as_chronyd),
    cmocka_unit_test (modify_refuses_what_a_source_line_refuses_and_changes_nothing),
    cmocka_unit_test (modify_of_a_missing_source_is_refused),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
