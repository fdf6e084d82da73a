/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connectivity of a source (chronyc offline / online, the `offline` and `auto_offline` options)
 * in the tiny simulated world of mini-sim.h: an offline source sends nothing for hours, keeps
 * its statistics and reads unreachable; online, polling resumes (with a burst for iburst). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mini-sim.h"
#include "ntp-source.h"

/* Requests per source, and which sources have no route (their sends fail). */
static int sent_to[MS_MAX_SERVERS];
static double last_sent_t[MS_MAX_SERVERS];
static bool no_route[MS_MAX_SERVERS];

static void
counting_send (void *ud, unsigned src, const uint8_t *pkt, size_t len)
{
  MiniSim *m = ud;
  if (src < MS_MAX_SERVERS) {
    sent_to[src]++;
    last_sent_t[src] = m->t;
    if (no_route[src]) {
      /* what the daemon does when send(2) says ENETUNREACH */
      ntp_engine_send_failed (m->e, src);
      return;
    }
  }
  ms_send (ud, src, pkt, len);
}

static void
start (MiniSim *m, uint64_t seed, int n_srv, const char *const *lines)
{
  memset (sent_to, 0, sizeof sent_to);
  memset (last_sent_t, 0, sizeof last_sent_t);
  memset (no_route, 0, sizeof no_route);
  ms_init (m, seed, 0.005, 20.0);
  m->n_srv = n_srv;
  for (int i = 0; i < n_srv; i++)
    m->srv[i] = (MsServer) { .base_delay = 1e-3 * (i + 1), .jitter = 20e-6, .stratum = 1 };
  NtpEnv env = ms_env (m);
  env.send = counting_send;
  NtpConfig cfg;
  ntp_config_init (&cfg);
  m->e = ntp_engine_new (&env, &cfg);
  assert_non_null (m->e);
  for (int i = 0; i < n_srv; i++) {
    NtpSourceConfig sc;
    char err[200];
    assert_int_equal (ntp_source_config_parse (&sc, lines[i], err, sizeof err), 0);
    assert_int_equal (ntp_engine_add_source (m->e, &sc), i);
  }
  ntp_engine_start (m->e);
}

static NtpSourceReport
report (MiniSim *m, unsigned src)
{
  NtpSourceReport r;
  assert_true (ntp_engine_get_source (m->e, src, &r));
  return r;
}

static void
offline_source_sends_nothing_keeps_its_samples_and_ages (void **state)
{
  (void) state;
  MiniSim m;
  const char *lines[] = { "server 192.0.2.1 minpoll 4 maxpoll 6", "server 192.0.2.2 minpoll 4 maxpoll 6" };
  start (&m, 3, 2, lines);
  ms_run (&m, 3600, 0, NULL, NULL);
  NtpSourceReport before = report (&m, 1);
  assert_true (before.samples >= 3);
  assert_true (before.reach != 0);
  assert_false (before.offline);
  assert_true (ntp_engine_source_online (m.e, 1));

  assert_true (ntp_engine_set_online (m.e, 1, false));
  /* already offline: nothing changes */
  assert_false (ntp_engine_set_online (m.e, 1, false));
  assert_false (ntp_engine_source_online (m.e, 1));
  int sent1 = sent_to[1], sent0 = sent_to[0];
  ms_run (&m, 3600 + 6 * 3600, 0, NULL, NULL);
  NtpSourceReport during = report (&m, 1);
  /* nothing at all sent in six hours; the other source polled on */
  assert_int_equal (sent_to[1], sent1);
  assert_true (sent_to[0] - sent0 > 6 * 3600 / 70);
  /* listed, unreachable ('?'), its statistics kept, its last sample ageing */
  assert_true (during.offline);
  assert_int_equal (during.reach, 0);
  assert_int_equal (during.state, NTP_STATE_UNUSABLE);
  assert_int_equal (ntp_source_state_char (during.state), '?');
  assert_int_equal (during.samples, before.samples);
  assert_true (during.last_rx_ago >= before.last_rx_ago + 6 * 3600 - 1);
  /* the clock kept time on the other source */
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  assert_true (tr.synchronized);
  assert_int_equal (tr.ref_source, 0);
  assert_true (fabs (ms_error (&m)) < 1e-3);

  /* online: the last request was hours ago, so the next goes out after NTP_ONLINE_DELAY */
  double t_on = m.t;
  assert_true (ntp_engine_set_online (m.e, 1, true));
  assert_false (ntp_engine_set_online (m.e, 1, true));
  ms_run (&m, t_on + NTP_ONLINE_DELAY * 0.9, 0, NULL, NULL);
  assert_int_equal (sent_to[1], sent1);
  ms_run (&m, t_on + NTP_ONLINE_DELAY * 1.1, 0, NULL, NULL);
  assert_int_equal (sent_to[1], sent1 + 1);
  ms_run (&m, t_on + 1800, 0, NULL, NULL);
  NtpSourceReport after = report (&m, 1);
  assert_false (after.offline);
  assert_true (after.reach != 0);
  assert_true (after.last_rx_ago >= 0 && after.last_rx_ago < 70);
  ntp_engine_free (m.e);
}

static void
the_reference_taken_offline_is_replaced_at_once (void **state)
{
  (void) state;
  MiniSim m;
  const char *lines[] = { "server 192.0.2.1 minpoll 4 maxpoll 6 prefer", "server 192.0.2.2 minpoll 4 maxpoll 6" };
  start (&m, 5, 2, lines);
  ms_run (&m, 1800, 0, NULL, NULL);
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  assert_int_equal (tr.ref_source, 0);
  assert_true (ntp_engine_set_online (m.e, 0, false));
  ntp_engine_get_tracking (m.e, &tr);
  assert_int_equal (tr.ref_source, 1);
  assert_int_equal (report (&m, 1).state, NTP_STATE_SELECTED);
  /* and with no source left, the clock reads unsynchronized */
  assert_true (ntp_engine_set_online (m.e, 1, false));
  ntp_engine_get_tracking (m.e, &tr);
  assert_false (tr.synchronized);
  assert_int_equal (tr.ref_source, -1);
  ntp_engine_free (m.e);
}

static void
iburst_source_bursts_when_taken_online (void **state)
{
  (void) state;
  MiniSim m;
  const char *lines[] = { "server 192.0.2.1 iburst" };
  start (&m, 7, 1, lines);
  ms_run (&m, 7200, 0, NULL, NULL);
  assert_true (ntp_engine_set_online (m.e, 0, false));
  ms_run (&m, 7200 + 3600, 0, NULL, NULL);
  int sent = sent_to[0];
  assert_true (ntp_engine_set_online (m.e, 0, true));
  /* 4 good samples 2 s apart: within 10 s, not the 64 s of the regular poll */
  ms_run (&m, 7200 + 3600 + 10, 0, NULL, NULL);
  assert_true (sent_to[0] - sent >= 4);
  assert_true (report (&m, 0).reach != 0);
  ntp_engine_free (m.e);
}

static void
going_online_again_keeps_the_poll_interval (void **state)
{
  (void) state;
  MiniSim m;
  const char *lines[] = { "server 192.0.2.1 minpoll 6 maxpoll 6" };
  start (&m, 19, 1, lines);
  ms_run (&m, 1800, 0, NULL, NULL);
  /* offline and online again a few seconds after a request: no request sooner than the
   * 64-s interval since the last one allows */
  ms_run (&m, last_sent_t[0] + 5, 0, NULL, NULL);
  double last = last_sent_t[0];
  int sent = sent_to[0];
  assert_true (ntp_engine_set_online (m.e, 0, false));
  assert_true (ntp_engine_set_online (m.e, 0, true));
  ms_run (&m, last + 63, 0, NULL, NULL);
  assert_int_equal (sent_to[0], sent);
  ms_run (&m, last + 66, 0, NULL, NULL);
  assert_int_equal (sent_to[0], sent + 1);
  ntp_engine_free (m.e);
}

/* chronyc burst GOOD/MAX for one source: it alone sends, ending after GOOD good replies (every
 * reply is good here) within MAX requests; counts out of range start nothing. */
static void
burst_good_max_samples_only_the_source_named (void **state)
{
  (void) state;
  MiniSim m;
  const char *lines[] = { "server 192.0.2.1 minpoll 6", "server 192.0.2.2 minpoll 6" };
  start (&m, 12, 2, lines);
  ms_run (&m, 600, 0, NULL, NULL);
  int sent0 = sent_to[0], sent1 = sent_to[1];
  int bad[][2] = { { 0, 4 }, { 5, 4 }, { 1, NTP_BURST_MAX_TOTAL + 1 }, { -1, 4 } };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false (ntp_engine_burst_source (m.e, 0, bad[i][0], bad[i][1]));
  assert_false (ntp_engine_burst_source (m.e, NTP_MAX_SOURCES, 2, 4));
  assert_true (ntp_engine_burst_source (m.e, 0, 2, 4));
  /* well inside the next regular poll (64 s): only the burst sends */
  ms_run (&m, 620, 0, NULL, NULL);
  assert_int_equal (sent_to[0] - sent0, 2);
  assert_int_equal (sent_to[1] - sent1, 0);
  NtpSourceReport r = report (&m, 0);
  assert_false (r.offline);
  /* a larger one, answered every time: it still ends at GOOD */
  sent0 = sent_to[0];
  assert_true (ntp_engine_burst_source (m.e, 0, 6, 8));
  ms_run (&m, 640, 0, NULL, NULL);
  assert_int_equal (sent_to[0] - sent0, 6);
  ntp_engine_free (m.e);
}

static void
burst_samples_an_offline_source_and_leaves_it_offline (void **state)
{
  (void) state;
  MiniSim m;
  const char *lines[] = { "server 192.0.2.1 minpoll 4", "server 192.0.2.2 minpoll 4" };
  start (&m, 11, 2, lines);
  ms_run (&m, 600, 0, NULL, NULL);
  assert_true (ntp_engine_set_online (m.e, 0, false));
  ms_run (&m, 1200, 0, NULL, NULL);
  int sent0 = sent_to[0], sent1 = sent_to[1];
  uint64_t replies0 = report (&m, 0).replies;
  /* chronyd samples an offline source on `burst` (4 good of at most 8), then goes back to
   * sending it nothing */
  ntp_engine_burst (m.e);
  ms_run (&m, 1230, 0, NULL, NULL);
  assert_true (sent_to[0] - sent0 >= 4 && sent_to[0] - sent0 <= 8);
  assert_true (sent_to[1] - sent1 >= 4);
  NtpSourceReport r = report (&m, 0);
  assert_true (r.offline);
  assert_true (r.replies >= replies0 + 4);
  assert_true (r.reach != 0);
  int after = sent_to[0];
  ms_run (&m, 1230 + 3600, 0, NULL, NULL);
  assert_int_equal (sent_to[0], after);
  assert_true (report (&m, 0).offline);
  /* out of range, or removed: nothing to change */
  assert_false (ntp_engine_set_online (m.e, NTP_MAX_SOURCES, false));
  ntp_engine_remove_source (m.e, 1);
  assert_false (ntp_engine_set_online (m.e, 1, false));
  assert_false (ntp_engine_source_online (m.e, 1));
  ntp_engine_free (m.e);
}

static void
offline_option_starts_the_source_offline (void **state)
{
  (void) state;
  MiniSim m;
  const char *lines[] = { "server 192.0.2.1 offline iburst", "server 192.0.2.2 minpoll 4" };
  start (&m, 13, 2, lines);
  ms_run (&m, 3 * 3600, 0, NULL, NULL);
  assert_int_equal (sent_to[0], 0);
  assert_true (sent_to[1] > 0);
  NtpSourceReport r = report (&m, 0);
  assert_true (r.offline);
  assert_int_equal (r.reach, 0);
  assert_int_equal (r.samples, 0);
  assert_true (r.last_rx_ago < 0);
  /* taken online: an iburst source starts with its burst */
  double t_on = m.t;
  assert_true (ntp_engine_set_online (m.e, 0, true));
  ms_run (&m, t_on + 10, 0, NULL, NULL);
  assert_true (sent_to[0] >= 4);
  r = report (&m, 0);
  assert_false (r.offline);
  assert_true (r.reach != 0);
  ntp_engine_free (m.e);
}

static void
auto_offline_takes_a_source_without_a_route_offline (void **state)
{
  (void) state;
  MiniSim m;
  const char *lines[] = { "server 192.0.2.1 minpoll 4 auto_offline", "server 192.0.2.2 minpoll 4" };
  start (&m, 17, 2, lines);
  ms_run (&m, 600, 0, NULL, NULL);
  assert_true (ntp_engine_source_online (m.e, 0));
  no_route[0] = no_route[1] = true;
  int sent0 = sent_to[0], sent1 = sent_to[1];
  ms_run (&m, 600 + 3600, 0, NULL, NULL);
  /* one failed send, then nothing */
  assert_int_equal (sent_to[0], sent0 + 1);
  assert_false (ntp_engine_source_online (m.e, 0));
  assert_true (report (&m, 0).offline);
  /* without auto_offline the source keeps trying (and backs off as for silence) */
  assert_true (ntp_engine_source_online (m.e, 1));
  assert_true (sent_to[1] - sent1 >= 10);
  assert_false (ntp_engine_send_failed (m.e, 1));
  /* the route back, taken online: polling resumes */
  no_route[0] = no_route[1] = false;
  assert_true (ntp_engine_set_online (m.e, 0, true));
  ms_run (&m, 600 + 3600 + 600, 0, NULL, NULL);
  assert_true (sent_to[0] > sent0 + 1);
  assert_true (report (&m, 0).reach != 0);
  ntp_engine_free (m.e);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (offline_source_sends_nothing_keeps_its_samples_and_ages),
    cmocka_unit_test (the_reference_taken_offline_is_replaced_at_once),
    cmocka_unit_test (iburst_source_bursts_when_taken_online),
    cmocka_unit_test (going_online_again_keeps_the_poll_interval),
    cmocka_unit_test (burst_samples_an_offline_source_and_leaves_it_offline),
    cmocka_unit_test (burst_good_max_samples_only_the_source_named),
    cmocka_unit_test (offline_option_starts_the_source_offline),
    cmocka_unit_test (auto_offline_takes_a_source_without_a_route_offline),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
