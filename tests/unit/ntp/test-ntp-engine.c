/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Engine tests in a tiny simulated world (mini-sim.h): it converges, picks the right source,
 * ignores falsetickers and forged packets, honours KoD, makestep and the drift file. The
 * bounds are loose on purpose; tests/sim and bench/ measure accuracy properly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mini-sim.h"
#include "packet-world.h"
#include "statlog-field.h"
#include "ntp-statlog.h"

typedef struct {
  double start;
  double sum2, max;
  int n;
  double first_sync;   /* true time from which |error| stayed < 1 ms, < 0 = not yet */
} Acc;

static void
acc_cb (MiniSim *m, void *data)
{
  Acc *a = data;
  double e = ms_error (m);
  if (fabs (e) >= 1e-3)
    a->first_sync = -1;
  else if (a->first_sync < 0)
    a->first_sync = m->t;
  if (m->t >= a->start) {
    a->sum2 += e * e;
    a->n++;
    if (fabs (e) > a->max)
      a->max = fabs (e);
  }
}

static double
acc_rms (const Acc *a)
{
  return a->n ? sqrt (a->sum2 / a->n) : INFINITY;
}

static void
add (MiniSim *m, const char *line)
{
  NtpSourceConfig sc;
  char err[200];
  assert_int_equal (ntp_source_config_parse (&sc, line, err, sizeof err), 0);
  assert_true (ntp_engine_add_source (m->e, &sc) >= 0);
}

static void
start_engine (MiniSim *m, NtpConfig *cfg)
{
  NtpEnv env = ms_env (m);
  NtpConfig def;
  if (!cfg) {
    ntp_config_init (&def);
    cfg = &def;
  }
  m->e = ntp_engine_new (&env, cfg);
  assert_non_null (m->e);
}

/* The engine with `makestep THRESHOLD LIMIT`, everything else at its defaults. */
static void
start_engine_makestep (MiniSim *m, double threshold, int limit)
{
  NtpConfig cfg;
  ntp_config_init (&cfg);
  cfg.makestep_threshold = threshold;
  cfg.makestep_limit = limit;
  start_engine (m, &cfg);
}

static void
one_server_converges (void **state)
{
  (void) state;
  /* chrony's simulation test defaults: 100 ppm, 0.1 s off, 100 us + Exp(100 us) each way */
  MiniSim m;
  ms_init (&m, 1, 0.1, 100.0);
  m.wander = 0.001;
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 100e-6, .jitter = 100e-6, .stratum = 1 };
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1");
  ntp_engine_start (m.e);
  Acc a = { .start = 2000, .first_sync = -1 };
  ms_run (&m, 10000, 1.0, acc_cb, &a);
  print_message ("one server: synced at %.0f s, rms %.1f us, max %.1f us\n", a.first_sync,
                 acc_rms (&a) * 1e6, a.max * 1e6);
  /* chrony's own pass limits for this case: synced within 210 s, max 1 ms, RMS 300 us */
  assert_true (a.first_sync >= 0 && a.first_sync < 210);
  assert_true (a.max < 1e-3);
  assert_true (acc_rms (&a) < 300e-6);
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  assert_true (tr.synchronized);
  assert_int_equal (tr.stratum, 2);
  assert_int_equal (tr.ref_source, 0);
  assert_int_equal (tr.ref_id, 0xC0000201);
  assert_true (fabs (tr.freq_ppm - m.err_ppm) < 0.5);
  NtpSourceReport r;
  assert_true (ntp_engine_get_source (m.e, 0, &r));
  assert_int_equal (r.state, NTP_STATE_SELECTED);
  assert_int_equal (r.reach, 0xff);
  assert_true (r.samples >= 3);
  assert_true (r.poll >= 6 && r.poll <= 10);
  ntp_engine_free (m.e);
}

/* Someone else steps the clock (`date -s`, another daemon): told the exact step
 * (ntp_engine_clock_stepped), the engine keeps polling on schedule, its stored samples say the
 * clock is that much off, and the next update steps it right (makestep 1 -1). Without the
 * shift, a step back holds polling until the clock reads the old deadline again (600 s), and
 * a step on reads as a 600 s outlier against the history; a reply to a request sent before
 * the step must not schedule the next one from the clock's old reading either. */
static void
clock_stepped_by_someone_else_is_corrected_at_the_next_poll (void **state)
{
  (void) state;
  for (int in_flight = 0; in_flight <= 1; in_flight++)
    for (int dir = -1; dir <= 1; dir += 2) {
      MiniSim m;
      ms_init (&m, 11, 0.1, 100.0);
      m.n_srv = 1;
      m.srv[0] = (MsServer) { .base_delay = 100e-6, .jitter = 50e-6, .stratum = 1 };
      start_engine_makestep (&m, 1.0, -1);
      add (&m, "server 192.0.2.1 minpoll 4 maxpoll 4");
      ntp_engine_start (m.e);
      ms_run (&m, 400, 0, NULL, NULL);
      assert_true (fabs (ms_error (&m)) < 1e-3);
      if (in_flight) {
        /* Up to the next request: its reply (100 us or more away) comes after the step. */
        int before = m.sent;
        while (m.sent == before)
          ms_run (&m, ms_deadline_t (&m) + 1e-6, 0, NULL, NULL);
      }
      int steps = m.steps, sent = m.sent;
      double t_step = m.t;

      m.lphase += dir * 600.0;
      ntp_engine_clock_stepped (m.e, dir * 600.0);
      NtpTracking tr;
      ntp_engine_get_tracking (m.e, &tr);
      assert_false (tr.synchronized);
      ms_run (&m, t_step + 40, 0, NULL, NULL);
      assert_true (m.sent - sent >= 2);
      assert_int_equal (m.steps, steps + 1);
      assert_true (fabs (ms_error (&m)) < 1e-3);
      ntp_engine_get_tracking (m.e, &tr);
      assert_true (tr.synchronized);
      /* Polling goes on at 16 s. */
      sent = m.sent;
      ms_run (&m, t_step + 200, 0, NULL, NULL);
      assert_true (m.sent - sent >= 9);
      ntp_engine_free (m.e);
    }
}

static void
seed_ec2_link_local_is_selected (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 2, 0.5, -23.054);
  m.n_srv = 5;
  m.srv[0] = (MsServer) { .base_delay = 250e-6, .jitter = 10e-6, .stratum = 3 };
  m.srv[1] = (MsServer) { .base_delay = 17.5e-3, .jitter = 1e-3, .stratum = 1 };
  m.srv[2] = (MsServer) { .base_delay = 30e-3, .jitter = 2e-3, .stratum = 2 };
  m.srv[3] = (MsServer) { .base_delay = 45e-3, .jitter = 3e-3, .stratum = 2 };
  m.srv[4] = (MsServer) { .base_delay = 60e-3, .jitter = 5e-3, .stratum = 1 };
  NtpConfig cfg;
  ntp_config_init (&cfg);
  char err[100];
  assert_int_equal (ntp_config_parse_line (&cfg, "makestep 1 3", err, sizeof err), 1);
  start_engine (&m, &cfg);
  add (&m, "server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4");
  add (&m, "server 192.0.2.10 iburst");
  add (&m, "server 192.0.2.11 iburst");
  add (&m, "server 192.0.2.12 iburst");
  add (&m, "server 192.0.2.13 iburst");
  ntp_engine_start (m.e);
  Acc a = { .start = 600, .first_sync = -1 };
  ms_run (&m, 3600, 1.0, acc_cb, &a);
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  print_message ("seed-ec2: synced at %.0f s, rms after 10 min %.2f us, freq err %.4f ppm\n",
                 a.first_sync, acc_rms (&a) * 1e6, tr.freq_ppm - m.err_ppm);
  /* 0.5 s is under the 1 s threshold: slewed, never stepped */
  assert_int_equal (m.steps, 0);
  assert_true (a.first_sync >= 0 && a.first_sync < 60);
  assert_true (acc_rms (&a) < 50e-6);
  NtpSourceReport r;
  ntp_engine_get_source (m.e, 0, &r);
  assert_int_equal (r.state, NTP_STATE_SELECTED);
  assert_int_equal (r.poll, 4);
  for (unsigned i = 1; i < 5; i++) {
    ntp_engine_get_source (m.e, i, &r);
    assert_true (r.state == NTP_STATE_NOT_COMBINED || r.state == NTP_STATE_COMBINED);
  }
  assert_true (fabs (tr.freq_ppm - m.err_ppm) < 0.1);
  ntp_engine_free (m.e);
}

static void
makestep_steps_a_large_initial_offset (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 3, 5.0, 10.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 1e-3, .jitter = 50e-6, .stratum = 1 };
  start_engine_makestep (&m, 1.0, 3);
  add (&m, "server 192.0.2.1 iburst");
  ntp_engine_start (m.e);
  Acc a = { .start = 100, .first_sync = -1 };
  ms_run (&m, 300, 1.0, acc_cb, &a);
  assert_int_equal (m.steps, 1);
  assert_true (fabs (m.stepped_total - 5.0) < 0.01);
  assert_true (a.first_sync >= 0 && a.first_sync < 30);
  ntp_engine_free (m.e);
}

/* chronyc makestep THRESHOLD LIMIT on a running engine: 50 s off with no makestep is slewed
 * (at the 83 333 ppm range, ten minutes); the command lets the next update step it. Values
 * chronyc would refuse change nothing. */
static void
makestep_set_while_running_steps_at_the_next_update (void **state)
{
  (void) state;
  MiniSim m;
  char err[256];
  ms_init (&m, 3, 50.0, 10.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 1e-3, .jitter = 50e-6, .stratum = 1 };
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1 iburst minpoll 4 maxpoll 4");
  ntp_engine_start (m.e);
  ms_run (&m, 120, 0, NULL, NULL);
  assert_int_equal (m.steps, 0);
  assert_true (fabs (ms_error (&m)) > 30.0);
  const char *bad[][2] = { { "makestep", "1" }, { "makestep", "x 3" }, { "makestep", "1 -2" },
                           { "maxupdateskew", "0" }, { "maxdistance", "1" },
                           { "makestep", "1 3\nmakestep 0 0" } };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = '\0';
    assert_int_equal (ntp_engine_set_directive (m.e, bad[i][0], bad[i][1], err, sizeof err), -1);
    assert_true (err[0] != '\0');
  }
  ms_run (&m, 160, 0, NULL, NULL);
  assert_int_equal (m.steps, 0);
  assert_int_equal (ntp_engine_set_directive (m.e, "maxupdateskew", "100", err, sizeof err), 0);
  assert_int_equal (ntp_engine_set_directive (m.e, "makestep", "1 2", err, sizeof err), 0);
  ms_run (&m, 200, 0, NULL, NULL);
  assert_int_equal (m.steps, 1);
  assert_true (fabs (ms_error (&m)) < 0.01);
  ntp_engine_free (m.e);
}

static void
panic_bound_holds_without_makestep (void **state)
{
  (void) state;
  /* 2000 s off and no makestep: the engine must not try to follow (neither step nor slew) */
  MiniSim m;
  ms_init (&m, 4, 2000.0, 0.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 1e-3, .jitter = 50e-6, .stratum = 1 };
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1 iburst");
  ntp_engine_start (m.e);
  ms_run (&m, 600, 0, NULL, NULL);
  assert_int_equal (m.steps, 0);
  assert_true (fabs (ms_error (&m) - 2000.0) < 0.1);
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  assert_true (fabs (tr.system_time_offset) < 1e-9);
  /* chronyc makestep has nothing to step either: no correction was accepted */
  ntp_engine_make_step (m.e);
  assert_int_equal (m.steps, 0);
  ntp_engine_free (m.e);
}

/* selection.log's last line for each of the servers 192.0.2.1-4, and the lines in all. */
static char last_selection[4][NTP_STATLOG_LINE_MAX];
static int selection_lines;

static void
selection_sink (void *ud, int kind, const char *line)
{
  (void) ud;
  assert_int_equal (kind, NTP_STATLOG_SELECTION);
  const char *address = line + 20;   /* after "YYYY-MM-DD HH:MM:SS " */
  assert_true (strncmp (address, "192.0.2.", 8) == 0 && address[8] >= '1' && address[8] <= '4');
  snprintf (last_selection[address[8] - '1'], NTP_STATLOG_LINE_MAX, "%s", line);
  selection_lines++;
}

static void
falseticker_is_rejected (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 5, 0.01, 5.0);
  m.n_srv = 4;
  for (int i = 0; i < 4; i++)
    m.srv[i] = (MsServer) { .base_delay = 5e-3, .jitter = 200e-6, .stratum = 2 };
  m.srv[3].offset = 0.050;
  /* with `log selection`: a line per source at every selection */
  NtpConfig cfg;
  ntp_config_init (&cfg);
  cfg.statlog = NTP_STATLOG_BIT (NTP_STATLOG_SELECTION);
  NtpEnv env = ms_env (&m);
  env.statlog = selection_sink;
  selection_lines = 0;
  m.e = ntp_engine_new (&env, &cfg);
  add (&m, "server 192.0.2.1 iburst");
  add (&m, "server 192.0.2.2 iburst");
  add (&m, "server 192.0.2.3 iburst");
  add (&m, "server 192.0.2.4 iburst");
  ntp_engine_start (m.e);
  Acc a = { .start = 1000, .first_sync = -1 };
  ms_run (&m, 4000, 1.0, acc_cb, &a);
  NtpSourceReport r;
  ntp_engine_get_source (m.e, 3, &r);
  assert_int_equal (r.state, NTP_STATE_FALSETICKER);
  assert_int_equal (ntp_source_state_char (r.state), 'x');
  assert_true (a.max < 1e-3);
  /* selection.log says so too: 'x' for the fourth, '*' or '+' for the others, all reached
   * (377) */
  int best = 0;
  for (int i = 0; i < 3; i++) {
    char verdict = last_selection[i][36];
    assert_true (verdict == '*' || verdict == '+');
    best += verdict == '*';
    assert_non_null (strstr (last_selection[i], " -----  377 "));
  }
  assert_int_equal (best, 1);
  assert_int_equal (last_selection[3][36], 'x');
  /* Low end, High end: positive = the local clock fast, as chronyd's; by the falseticker
   * (50 ms ahead) the clock reads 50 ms slow, by the others about right */
  assert_true (statlog_field (last_selection[3], 9) < -0.03);
  assert_true (statlog_field (last_selection[3], 8) > -0.07);
  assert_true (statlog_field (last_selection[0], 8) < 0 && statlog_field (last_selection[0], 9) > 0);
  assert_true (selection_lines > 4 * 20);
  ntp_engine_free (m.e);
}

/* A forger answers every request with a plausible reply but a wrong origin, and replays
 * genuine replies: none of it may move the clock. */
static void
spoof_cb (MiniSim *m, void *data)
{
  Acc *a = data;
  acc_cb (m, a);
  NtpPacket p = { .leap = 0, .version = 4, .mode = NTP_MODE_SERVER, .stratum = 1,
                  .precision = -20, .refid = 0x47505300 };
  int64_t fake_ns = ms_now (m) + 300000000LL;   /* claims we are 0.3 s behind */
  p.org_ts = ntp_ts_from_ns (ms_now (m) - 5000000);
  p.rx_ts = ntp_ts_from_ns (fake_ns);
  p.tx_ts = ntp_ts_from_ns (fake_ns + 1000);
  uint8_t buf[48];
  ntp_packet_encode (buf, sizeof buf, &p);
  ntp_engine_receive (m->e, 0, ms_now (m), buf, sizeof buf);
  /* a forged KoD DENY with a wrong origin, and a short packet, and random bytes */
  p.stratum = 0;
  p.refid = NTP_KISS_DENY;
  ntp_packet_encode (buf, sizeof buf, &p);
  ntp_engine_receive (m->e, 0, ms_now (m), buf, sizeof buf);
  ntp_engine_receive (m->e, 0, ms_now (m), buf, 20);
  for (int i = 0; i < 48; i++)
    buf[i] = (uint8_t) (ms_uniform (m) * 256);
  ntp_engine_receive (m->e, 0, ms_now (m), buf, sizeof buf);
  ntp_engine_receive (m->e, 99, ms_now (m), buf, sizeof buf);
}

static void
spoofed_packets_have_no_effect (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 6, 0.05, 20.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 1e-3, .jitter = 50e-6, .stratum = 1 };
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1 iburst");
  ntp_engine_start (m.e);
  Acc a = { .start = 600, .first_sync = -1 };
  ms_run (&m, 3000, 1.0, spoof_cb, &a);
  assert_true (a.max < 500e-6);
  NtpSourceReport r;
  ntp_engine_get_source (m.e, 0, &r);
  assert_int_equal (r.state, NTP_STATE_SELECTED);
  ntp_engine_free (m.e);
}

static void
kod_deny_stops_the_source_and_rate_slows_it (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 7, 0.0, 0.0);
  m.n_srv = 2;
  m.srv[0] = (MsServer) { .base_delay = 1e-3, .stratum = 1, .kod_deny = true };
  m.srv[1] = (MsServer) { .base_delay = 1e-3, .stratum = 1, .kod_rate = true };
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1 iburst");
  add (&m, "server 192.0.2.2 iburst minpoll 4");
  ntp_engine_start (m.e);
  ms_run (&m, 5, 0, NULL, NULL);
  int sent_early = m.sent;
  ms_run (&m, 3000, 0, NULL, NULL);
  /* DENY: one request, then silence; RATE: no burst, long polls (at most ~3000/256 + 2) */
  assert_true (m.sent - sent_early <= 14);
  NtpSourceReport r;
  ntp_engine_get_source (m.e, 0, &r);
  assert_int_equal (r.state, NTP_STATE_UNUSABLE);
  ntp_engine_get_source (m.e, 1, &r);
  assert_true (r.poll >= 5);
  ntp_engine_free (m.e);
}

static void
iburst_with_drift_file_syncs_in_seconds (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 8, 0.1, 100.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 100e-6, .jitter = 100e-6, .stratum = 1 };
  NtpConfig cfg;
  ntp_config_init (&cfg);
  /* the drift file of chrony's own test (test/simulation/102-iburst) for this clock, 100 ppm
   * fast: read the way the daemon reads it */
  cfg.have_drift = ntp_drift_parse ("100 1.0\n", &cfg.initial_freq_ppm, &cfg.initial_skew_ppm);
  assert_true (cfg.have_drift);
  start_engine (&m, &cfg);
  add (&m, "server 192.0.2.1 iburst");
  ntp_engine_start (m.e);
  Acc a = { .start = 0, .first_sync = -1 };
  ms_run (&m, 200, 0.1, acc_cb, &a);
  print_message ("iburst + drift: synced at %.1f s\n", a.first_sync);
  assert_true (a.first_sync >= 0 && a.first_sync <= 6.0);
  ntp_engine_free (m.e);
}

static void
outage_recovers (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 9, 0.01, 30.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 1e-3, .jitter = 20e-6, .stratum = 1 };
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1 iburst");
  ntp_engine_start (m.e);
  ms_run (&m, 7200, 0, NULL, NULL);
  double before = fabs (ms_error (&m));
  m.srv[0].down = true;
  ms_run (&m, 7200 + 6 * 3600, 0, NULL, NULL);
  double during = fabs (ms_error (&m));
  NtpSourceReport r;
  ntp_engine_get_source (m.e, 0, &r);
  assert_int_equal (r.reach, 0);
  m.srv[0].down = false;
  ms_run (&m, 7200 + 6 * 3600 + 3600, 0, NULL, NULL);
  double after = fabs (ms_error (&m));
  print_message ("outage: before %.1f us, after 6 h %.1f us, 1 h after return %.1f us\n",
                 before * 1e6, during * 1e6, after * 1e6);
  /* no wander: the frequency learned before carries the clock through */
  assert_true (during < 5e-3);
  assert_true (after < 100e-6);
  ntp_engine_get_source (m.e, 0, &r);
  assert_true (r.reach != 0);
  ntp_engine_free (m.e);
}

/* A world `to_midnight` seconds before 2024-07-01T00:00:00Z, when a leap second may be
 * inserted, with n servers 1 ms away announcing `leap` (1 = insertion; a test changes some),
 * and the engine made. */
static void
leap_world_before (MiniSim *m, uint64_t seed, int n, int leap, double to_midnight)
{
  ms_init (m, seed, 0.0, 0.0);
  /* the true time base differs from MS_BASE_NS */
  double shift = (double) (19905LL * 86400) - to_midnight - (double) MS_BASE_NS * 1e-9;
  m->lphase = shift;
  m->n_srv = n;
  for (int i = 0; i < n; i++)
    m->srv[i] = (MsServer) { .offset = shift, .base_delay = 1e-3, .stratum = 1, .leap = leap };
  start_engine (m, NULL);
}

/* ... four hours before: the tests of the vote end long before midnight. */
static void
leap_world (MiniSim *m, uint64_t seed, int n, int leap)
{
  leap_world_before (m, seed, n, leap, 4 * 3600);
}

static void
leap_second_armed_by_majority (void **state)
{
  (void) state;
  MiniSim m;
  leap_world (&m, 10, 3, 1);
  m.srv[2].leap = 0;
  add (&m, "server 192.0.2.1 iburst");
  add (&m, "server 192.0.2.2 iburst");
  add (&m, "server 192.0.2.3 iburst");
  ntp_engine_start (m.e);
  ms_run (&m, 120, 0, NULL, NULL);
  assert_int_equal (m.leap_armed, NTP_LEAP_INSERT);
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  assert_int_equal (tr.leap, NTP_LEAP_INSERT);
  ntp_engine_free (m.e);
}

/* The clock's error against UTC in leap_world, where UTC repeats a second from
 * m->utc_leap_t on (positive = ahead). */
static double
leap_error (const MiniSim *m)
{
  bool passed = m->utc_leap != 0 && m->t >= m->utc_leap_t;
  return ms_local (m, m->t) - m->t - m->srv[0].offset + (passed ? m->utc_leap : 0);
}

typedef struct {
  int64_t last_t4[MS_MAX_SERVERS];
  int near_leap, around_leap;   /* samples taken within 4.9 s of the leap; within 5-12 s */
} LeapSamples;

static void
leap_samples_cb (MiniSim *m, void *data)
{
  LeapSamples *c = data;
  double from_leap = fabs (m->t - m->utc_leap_t);
  for (int i = 0; i < m->n_srv; i++) {
    NtpSourceReport r;
    ntp_engine_get_source (m->e, (unsigned) i, &r);
    if (r.reply.t4_ns != c->last_t4[i]) {
      if (from_leap < 4.9)
        c->near_leap++;
      else if (from_leap > 5.1 && from_leap < 12)
        c->around_leap++;
    }
    c->last_t4[i] = r.reply.t4_ns;
  }
}

typedef struct {
  double before, at, after_30s, after_20min;   /* the clock's error 1 s before the leap, 0.5 s,
                                             * 30 s and 20 minutes after it */
  int steps, kernel_leaps, arm_calls;
  int tai_before, tai_after, tai_calls;   /* set_tai's last value before and after the leap */
  double stepped_total;
  NtpLeap armed_before;        /* what the tracking said a minute before */
  LeapSamples samples;
} LeapRun;

/* Three servers insert a second at midnight (announcing it if `announce`), 2 s polls; the
 * client under `leapsecmode MODE`, with the config line `extra` (NULL = none). */
static LeapRun
leap_run_with (NtpLeapMode mode, bool announce, const char *extra)
{
  MiniSim m;
  LeapRun out = { 0 };
  leap_world_before (&m, 21, 3, announce ? 1 : 0, 1200);
  ntp_engine_free (m.e);
  NtpConfig cfg;
  ntp_config_init (&cfg);
  cfg.leapsecmode = mode;
  char err[200], lines[256];
  /* `extra`: lines separated by ';' */
  snprintf (lines, sizeof lines, "%s", extra ? extra : "");
  for (char *save = NULL, *l = strtok_r (lines, ";", &save); l; l = strtok_r (NULL, ";", &save))
    assert_int_equal (ntp_config_parse_line (&cfg, l, err, sizeof err), 1);
  start_engine (&m, &cfg);
  m.utc_leap = 1;
  m.utc_leap_t = 1200;
  add (&m, "server 192.0.2.1 iburst minpoll 1 maxpoll 1");
  add (&m, "server 192.0.2.2 iburst minpoll 1 maxpoll 1");
  add (&m, "server 192.0.2.3 iburst minpoll 1 maxpoll 1");
  ntp_engine_start (m.e);
  ms_run (&m, m.utc_leap_t - 60, 0, NULL, NULL);
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  out.armed_before = tr.leap;
  out.tai_before = m.tai;
  ms_run (&m, m.utc_leap_t - 20, 0, NULL, NULL);
  ms_run (&m, m.utc_leap_t - 1, 0.125, leap_samples_cb, &out.samples);
  out.before = leap_error (&m);
  ms_run (&m, m.utc_leap_t + 0.5, 0.125, leap_samples_cb, &out.samples);
  out.at = leap_error (&m);
  ms_run (&m, m.utc_leap_t + 20, 0.125, leap_samples_cb, &out.samples);
  ms_run (&m, m.utc_leap_t + 30, 0, NULL, NULL);
  out.after_30s = leap_error (&m);
  ms_run (&m, m.utc_leap_t + 1200, 0, NULL, NULL);
  out.after_20min = leap_error (&m);
  out.steps = m.steps;
  out.tai_after = m.tai;
  out.tai_calls = m.tai_calls;
  out.stepped_total = m.stepped_total;
  out.kernel_leaps = m.kernel_leaps;
  out.arm_calls = m.leap_arm_calls;
  print_message ("leapsecmode %d: error before %.1f us, at +0.5 s %.6f s, +30 s %.1f us, "
                 "+20 min %.1f us; %d steps (%.6f s), kernel leaps %d, arm calls %d; samples "
                 "within 5 s of the leap %d, 5-12 s %d\n", (int) mode, out.before * 1e6, out.at,
                 out.after_30s * 1e6, out.after_20min * 1e6, out.steps, out.stepped_total,
                 out.kernel_leaps, out.arm_calls, out.samples.near_leap, out.samples.around_leap);
  ntp_engine_free (m.e);
  return out;
}

static LeapRun
leap_run (NtpLeapMode mode)
{
  return leap_run_with (mode, true, NULL);
}

/* chrony's leapsectz (here the `leapsecond` line meridiand makes of it): the sources insert
 * the second without announcing it; the table arms it all the same, under system and under
 * step. Without the table the clock is a second off at midnight. A table entry for
 * another day arms nothing. */
static void
leap_table_arms_what_the_sources_do_not_announce (void **state)
{
  (void) state;
  /* 2024-07-01T00:00:00Z, the midnight leap_world's day ends with */
  const char *line = "leapsecond 1719792000 insert";
  LeapRun sys = leap_run_with (NTP_LEAPMODE_SYSTEM, false, line);
  assert_int_equal (sys.armed_before, NTP_LEAP_INSERT);
  assert_int_equal (sys.kernel_leaps, 1);
  assert_true (fabs (sys.at) < 1e-3 && fabs (sys.after_20min) < 100e-6);
  LeapRun step = leap_run_with (NTP_LEAPMODE_STEP, false, line);
  assert_int_equal (step.steps, 1);
  assert_true (fabs (step.at) < 1e-3);
  LeapRun none = leap_run_with (NTP_LEAPMODE_SYSTEM, false, NULL);
  assert_int_equal (none.armed_before, NTP_LEAP_NONE);
  assert_int_equal (none.kernel_leaps, 0);
  /* a second off at midnight (the updates then slew it out, as any offset) */
  assert_true (none.at > 0.9);
  LeapRun other = leap_run_with (NTP_LEAPMODE_SYSTEM, false, "leapsecond 1735689600 insert");
  assert_int_equal (other.armed_before, NTP_LEAP_NONE);
  assert_int_equal (other.kernel_leaps, 0);
  /* and the TAI offset: 10 s + the seconds inserted up to now, set once the clock is
   * synchronized and again when a leap second has passed; in every mode (under step no
   * kernel moves it by itself). Without a table it is never set. */
  const char *two = "leapsecond 1483228800 insert;leapsecond 1719792000 insert";
  NtpLeapMode modes[] = { NTP_LEAPMODE_SYSTEM, NTP_LEAPMODE_STEP };
  for (int k = 0; k < 2; k++) {
    LeapRun r = leap_run_with (modes[k], false, two);
    assert_int_equal (r.tai_before, 11);
    assert_int_equal (r.tai_after, 12);
    assert_int_equal (r.tai_calls, 2);
  }
  assert_int_equal (none.tai_calls, 0);
  assert_int_equal (other.tai_before, 10);
}

/* chrony's leapsecmode. system: the kernel is armed and applies the second; step: the engine
 * steps the clock by it at midnight; slew: it is slewed out from midnight on at the full rate
 * (1 s at 83333 ppm: 12 s); ignore: nothing happens at midnight. In every mode the tracking
 * announces the leap, and no sample measured within 5 s of it is used. */
static void
leapsecmode_system_step_slew_ignore (void **state)
{
  (void) state;
  LeapRun sys = leap_run (NTP_LEAPMODE_SYSTEM);
  assert_int_equal (sys.kernel_leaps, 1);
  assert_int_equal (sys.steps, 0);
  assert_true (fabs (sys.at) < 1e-3);

  LeapRun step = leap_run (NTP_LEAPMODE_STEP);
  assert_int_equal (step.arm_calls, 0);
  assert_int_equal (step.kernel_leaps, 0);
  assert_int_equal (step.steps, 1);
  assert_true (fabs (step.stepped_total - 1.0) < 1e-3);
  assert_true (fabs (step.at) < 1e-3);

  LeapRun slew = leap_run (NTP_LEAPMODE_SLEW);
  assert_int_equal (slew.arm_calls, 0);
  assert_int_equal (slew.steps, 0);
  /* half a second into the slew: 1 s - 0.5 s x 83333 ppm left */
  assert_true (fabs (slew.at - (1.0 - 0.5 * 0.083333)) < 2e-3);
  assert_true (fabs (slew.after_30s) < 1e-3);

  LeapRun ignore = leap_run (NTP_LEAPMODE_IGNORE);
  assert_int_equal (ignore.arm_calls, 0);
  assert_int_equal (ignore.steps, 0);
  assert_true (fabs (ignore.at - 1.0) < 1e-3);

  LeapRun all[] = { sys, step, slew, ignore };
  for (int k = 0; k < 4; k++) {
    assert_int_equal (all[k].armed_before, NTP_LEAP_INSERT);
    assert_true (fabs (all[k].before) < 1e-3);
    /* three servers at 2 s polls: about 15 replies in the 10 s around the leap, none used;
     * those just outside the window are */
    assert_int_equal (all[k].samples.near_leap, 0);
    assert_true (all[k].samples.around_leap >= 5);
  }
  /* ignore leaves the second to the updates, which slew it out in the end */
  assert_true (fabs (sys.after_20min) < 100e-6 && fabs (step.after_20min) < 100e-6
               && fabs (slew.after_20min) < 100e-6 && fabs (ignore.after_20min) < 1e-3);
}

/* One announcing source must not arm a leap second on its own while the other
 * configured sources have not been heard yet. Source 0 (iburst) announces an insertion and
 * is usable within seconds; sources 1 and 2 (no iburst, 64 s polls) do not announce and need
 * three polls, about 130 s, before they can vote. Until then nothing may be armed; once all
 * three vote, 1 of 3 is no majority either. */
static void
leap_second_not_armed_by_one_source_at_startup (void **state)
{
  (void) state;
  MiniSim m;
  leap_world (&m, 13, 3, 0);
  m.srv[0].leap = 1;
  add (&m, "server 192.0.2.1 iburst");
  add (&m, "server 192.0.2.2");
  add (&m, "server 192.0.2.3");
  ntp_engine_start (m.e);
  ms_run (&m, 60, 0, NULL, NULL);
  /* the clock is synchronized to source 0 alone by now, and still nothing is armed */
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  assert_true (tr.synchronized);
  assert_int_equal (tr.ref_source, 0);
  assert_int_equal (m.leap_arm_calls, 0);
  ms_run (&m, 600, 0, NULL, NULL);
  NtpSourceReport r;
  ntp_engine_get_source (m.e, 2, &r);
  assert_true (r.state >= NTP_STATE_NOT_COMBINED);   /* all three vote now */
  assert_int_equal (m.leap_arm_calls, 0);
  assert_int_equal (m.leap_armed, NTP_LEAP_NONE);
  ntp_engine_free (m.e);
}

/* The other side of the rule: a source that never answers (a whole reach register of
 * silence) does not block the vote forever; with the others gone, the one left decides, as
 * with one source configured. And two of three announcing arm it even while the third has
 * not been heard yet: a majority of the voters, more than one voter. */
static void
leap_second_vote_ignores_sources_gone_for_good (void **state)
{
  (void) state;
  MiniSim m;
  leap_world (&m, 14, 2, 1);
  m.srv[1].down = true;
  add (&m, "server 192.0.2.1 iburst");
  add (&m, "server 192.0.2.2 iburst");
  ntp_engine_start (m.e);
  ms_run (&m, 10, 0, NULL, NULL);
  assert_int_equal (m.leap_arm_calls, 0);    /* source 1 is not known to be gone yet */
  ms_run (&m, 1200, 0, NULL, NULL);
  assert_int_equal (m.leap_armed, NTP_LEAP_INSERT);
  ntp_engine_free (m.e);

  leap_world (&m, 15, 3, 1);
  m.srv[2].leap = 0;
  add (&m, "server 192.0.2.1 iburst");
  add (&m, "server 192.0.2.2 iburst");
  add (&m, "server 192.0.2.3");
  ntp_engine_start (m.e);
  ms_run (&m, 60, 0, NULL, NULL);
  NtpSourceReport r;
  ntp_engine_get_source (m.e, 2, &r);
  assert_true (r.state < NTP_STATE_NOT_COMBINED);     /* not a voter yet */
  assert_int_equal (m.leap_armed, NTP_LEAP_INSERT);
  ntp_engine_free (m.e);
}

/* Samples accepted from source 0 between two moments: the report's last_rx_ago resets on
 * every accepted sample, so count how often it does. */
typedef struct {
  double last_ago;
  double from;          /* true time from which samples are counted */
  int accepted;
  double sum, max;      /* of the accepted samples' delays */
} RxCount;

static void
rx_count_cb (MiniSim *m, void *data)
{
  RxCount *c = data;
  NtpSourceReport r;
  ntp_engine_get_source (m->e, 0, &r);
  if (r.last_rx_ago >= 0 && r.last_rx_ago < c->last_ago && m->t >= c->from) {
    c->accepted++;
    c->sum += r.delay;
    c->max = fmax (c->max, r.delay);
  }
  c->last_ago = r.last_rx_ago;
}

/* A clock 5 ppm fast, one server 1 ms away each way with exponential jitter of mean `jitter`
 * each way, the source `line`, the engine started. */
static void
one_server_world (MiniSim *m, uint64_t seed, double jitter, const char *line)
{
  ms_init (m, seed, 0.0, 5.0);
  m->n_srv = 1;
  m->srv[0] = (MsServer) { .base_delay = 1e-3, .jitter = jitter, .stratum = 1 };
  start_engine (m, NULL);
  add (m, line);
  ntp_engine_start (m->e);
}

/* The route to the server changes for good: 1 ms -> 5 ms each way. Returns how many samples
 * were accepted in the hour after the change. */
static int
samples_after_route_change (const char *line)
{
  MiniSim m;
  one_server_world (&m, 16, 5e-6, line);
  ms_run (&m, 1800, 0, NULL, NULL);
  m.srv[0].base_delay = 5e-3;
  RxCount c = { .last_ago = INFINITY };
  ms_run (&m, 1800 + 3600, 1.0, rx_count_cb, &c);
  NtpSourceReport r;
  ntp_engine_get_source (m.e, 0, &r);
  print_message ("%s: %d samples accepted after the route change, %d kept, error %.1f us\n",
                 line, c.accepted, r.samples, ms_error (&m) * 1e6);
  ntp_engine_free (m.e);
  return c.accepted;
}

/* maxdelayratio, maxdelaydevratio and maxsamples do what chrony.conf(5) says. */
static void
delay_ratios_and_maxsamples_are_honoured (void **state)
{
  (void) state;
  /* 16 s polls: 225 requests in the hour. maxdelayratio 3: the new delay (10 ms) is 5 times
   * the least stored (2 ms), and the old samples stay, so nothing more is accepted. */
  int with_ratio = samples_after_route_change ("server 192.0.2.1 minpoll 4 maxpoll 4 maxdelayratio 3");
  assert_true (with_ratio <= 2);
  /* without it the clock keeps following the source on the new path */
  int plain = samples_after_route_change ("server 192.0.2.1 minpoll 4 maxpoll 4");
  assert_true (plain >= 100);
  /* a huge maxdelaydevratio turns test C off: every reply is a sample */
  int loose = samples_after_route_change ("server 192.0.2.1 minpoll 4 maxpoll 4 maxdelaydevratio 1e9");
  assert_true (loose >= 200);

  MiniSim m;
  ms_init (&m, 17, 0.0, 1.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 1e-3, .jitter = 5e-6, .stratum = 1 };
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1 minpoll 4 maxpoll 4 maxsamples 5");
  ntp_engine_start (m.e);
  ms_run (&m, 1800, 0, NULL, NULL);
  NtpSourceReport r;
  ntp_engine_get_source (m.e, 0, &r);
  assert_true (r.samples >= 3 && r.samples <= 5);
  ntp_engine_free (m.e);
}

/* The delays of the replies the engine kept, one hour at 16 s polls. */
static RxCount
kept_delays (const char *line, double *error)
{
  MiniSim m;
  /* round trip 2 ms + two exponential waits of mean 200 us: 20 % of the delays are under
   * 2.165 ms, 71 % under 2.5 ms */
  one_server_world (&m, 18, 200e-6, line);
  RxCount k = { .last_ago = INFINITY, .from = 600 };
  ms_run (&m, 600 + 3600, 1.0, rx_count_cb, &k);
  *error = ms_error (&m);
  print_message ("%s: %d kept, mean delay %.1f us, max %.1f us, error %.1f us\n", line,
                 k.accepted, k.sum / k.accepted * 1e6, k.max * 1e6, *error * 1e6);
  ntp_engine_free (m.e);
  return k;
}

/* maxdelayquant 0.2 keeps about the fastest fifth of the replies (of 225 in the hour) and
 * none from the slow tail; without it test C keeps nearly all of them. */
static void
maxdelayquant_keeps_the_fast_replies (void **state)
{
  (void) state;
  double err_quant, err_plain;
  RxCount quant = kept_delays ("server 192.0.2.1 minpoll 4 maxpoll 4 maxdelayquant 0.2", &err_quant);
  RxCount plain = kept_delays ("server 192.0.2.1 minpoll 4 maxpoll 4", &err_plain);
  assert_true (quant.accepted >= 25 && quant.accepted <= 80);
  assert_true (plain.accepted >= 180);
  /* the 0.2-quantile of 64 delays is under the 0.45-quantile (2.3 ms) but for a chance of
   * about 1e-4; the tail over 2.5 ms is 29 % of the replies and test C keeps it */
  assert_true (quant.max < 2.3e-3);
  assert_true (plain.max > 2.5e-3);
  assert_true (quant.sum / quant.accepted < plain.sum / plain.accepted);
  assert_true (fabs (err_quant) < 100e-6 && fabs (err_plain) < 100e-6);
  /* a path that got longer for good moves the quantile up: samples come again */
  int after_change = samples_after_route_change ("server 192.0.2.1 minpoll 4 maxpoll 4 maxdelayquant 0.2");
  assert_true (after_change >= 15);
}

/* Two sources at 16 s polls; the second stops answering at 1800 s. Returns its state
 * `after` s later. */
static NtpSourceState
state_after_silence (const char *line, double after)
{
  MiniSim m;
  ms_init (&m, 19, 0.0, 2.0);
  m.n_srv = 2;
  /* the first is nearer, so it is the reference (the requests' random spacing would pick
   * between equals at random) and the second is combined with it */
  m.srv[0] = (MsServer) { .base_delay = 0.25e-3, .jitter = 2e-6, .stratum = 1 };
  m.srv[1] = (MsServer) { .base_delay = 1e-3, .jitter = 2e-6, .stratum = 1 };
  start_engine (&m, NULL);
  /* its fit keeps 32 samples at least (the runs test may cut more): the oldest it stands on
   * is at least 496 s old */
  add (&m, "server 192.0.2.1 minpoll 4 maxpoll 4 minsamples 32");
  add (&m, line);
  ntp_engine_start (m.e);
  ms_run (&m, 1800, 0, NULL, NULL);
  NtpSourceReport r;
  ntp_engine_get_source (m.e, 1, &r);
  assert_true (r.state >= NTP_STATE_NOT_COMBINED);
  m.srv[1].down = true;
  ms_run (&m, 1800 + after, 0, NULL, NULL);
  ntp_engine_get_source (m.e, 1, &r);
  print_message ("%s: %.0f s silent: reach %o, state %c, %d samples\n", line, after, r.reach,
                 ntp_source_state_char (r.state), r.samples);
  if (after > 200)
    assert_int_equal (r.reach, 0);
  NtpSourceState st = r.state;
  ntp_engine_get_source (m.e, 0, &r);
  assert_int_equal (r.state, NTP_STATE_SELECTED);
  ntp_engine_free (m.e);
  return st;
}

/* chrony's rule for a source that stopped answering: with maxunreach 0 it is dropped as its
 * reach register empties (8 polls, 128 s); by default it stays while its newest sample is no
 * older than the oldest the reachable source's fit stands on (496 to 1008 s here);
 * maxunreach N ends it N polls after the register emptied. */
static void
unreachable_source_stays_while_fresh_and_maxunreach_ends_it (void **state)
{
  (void) state;
  const char *line = "server 192.0.2.2 minpoll 4 maxpoll 4";
  assert_true (state_after_silence (line, 60) >= NTP_STATE_NOT_COMBINED);
  assert_true (state_after_silence (line, 400) >= NTP_STATE_NOT_COMBINED);
  assert_int_equal (state_after_silence (line, 1500), NTP_STATE_UNUSABLE);
  line = "server 192.0.2.2 minpoll 4 maxpoll 4 maxunreach 0";
  assert_true (state_after_silence (line, 60) >= NTP_STATE_NOT_COMBINED);
  assert_int_equal (state_after_silence (line, 200), NTP_STATE_UNUSABLE);
  line = "server 192.0.2.2 minpoll 4 maxpoll 4 maxunreach 10";
  assert_true (state_after_silence (line, 220) >= NTP_STATE_NOT_COMBINED);
  assert_int_equal (state_after_silence (line, 400), NTP_STATE_UNUSABLE);
}

/* A lone source that stops answering: once its reach register is empty (8 requests) the
 * clock reads as not synchronized and the source as '?', as chronyd's tracking does, though
 * no sample arrives to run selection; when the source answers again, synchronized again. */
static void
lone_silent_source_ends_synchronization (void **state)
{
  (void) state;
  MiniSim m;
  one_server_world (&m, 22, 5e-6, "server 192.0.2.1 iburst minpoll 4 maxpoll 4");
  ms_run (&m, 1800, 0, NULL, NULL);
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  assert_true (tr.synchronized);
  m.srv[0].down = true;
  ms_run (&m, 1800 + 100, 0, NULL, NULL);   /* 6 requests unanswered: still reachable */
  ntp_engine_get_tracking (m.e, &tr);
  assert_true (tr.synchronized);
  ms_run (&m, 1800 + 200, 0, NULL, NULL);
  ntp_engine_get_tracking (m.e, &tr);
  NtpSourceReport r;
  ntp_engine_get_source (m.e, 0, &r);
  assert_int_equal (r.reach, 0);
  assert_false (tr.synchronized);
  assert_true (tr.leap_unsynchronized);
  assert_int_equal (r.state, NTP_STATE_UNUSABLE);
  m.srv[0].down = false;
  ms_run (&m, 1800 + 800, 0, NULL, NULL);
  ntp_engine_get_tracking (m.e, &tr);
  assert_true (tr.synchronized);
  assert_true (fabs (ms_error (&m)) < 100e-6);
  ntp_engine_free (m.e);
}

/* Options the parser accepts only for compatibility are named in the log, and `key`/`nts`
 * say plainly that the source is not authenticated. */
typedef struct {
  char last[512];
  int warnings;
} LogCapture;

static LogCapture captured;

static void
capture_log (void *ud, int level, const char *msg)
{
  (void) ud;
  if (level == NTP_LOG_WARNING) {
    captured.warnings++;
    snprintf (captured.last, sizeof captured.last, "%s", msg);
  }
}

static void
ignored_options_are_logged (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 18, 0.0, 0.0);
  NtpEnv env = ms_env (&m);
  env.log = capture_log;
  NtpConfig cfg;
  ntp_config_init (&cfg);
  m.e = ntp_engine_new (&env, &cfg);
  memset (&captured, 0, sizeof captured);
  NtpSourceConfig sc;
  char err[200];
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.1 iburst minsamples 8", err, sizeof err), 0);
  assert_true (ntp_engine_add_source (m.e, &sc) >= 0);
  assert_int_equal (captured.warnings, 0);
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.2 xleave extfield 1 extfield F323", err, sizeof err), 0);
  assert_true (ntp_engine_add_source (m.e, &sc) >= 0);
  assert_int_equal (captured.warnings, 1);
  assert_non_null (strstr (captured.last, "192.0.2.2"));
  assert_non_null (strstr (captured.last, "extfield 1 extfield F323"));
  assert_null (strstr (captured.last, "xleave"));
  assert_non_null (strstr (captured.last, "ignored"));
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.3 extfield F323", err, sizeof err), 0);
  assert_true (ntp_engine_add_source (m.e, &sc) >= 0);
  assert_int_equal (captured.warnings, 2);
  assert_null (strstr (captured.last, "authenticated"));
  ntp_engine_free (m.e);
}

/* `copy`: while a closely related server is the reference, its reference ID and stratum are
 * ours (chrony's option for a second instance on the host or a proxy); without it, our ID for
 * the server and its stratum + 1. */
static void
copy_takes_the_servers_refid_and_stratum (void **state)
{
  (void) state;
  for (int copy = 0; copy <= 1; copy++) {
    MiniSim m;
    ms_init (&m, 21, 0.0, 0.0);
    m.n_srv = 1;
    m.srv[0] = (MsServer) { .base_delay = 100e-6, .stratum = 3 };   /* refid "GPS" */
    start_engine (&m, NULL);
    add (&m, copy ? "server 192.0.2.1 iburst copy" : "server 192.0.2.1 iburst");
    ntp_engine_start (m.e);
    ms_run (&m, 60, 0, NULL, NULL);
    NtpTracking tr;
    ntp_engine_get_tracking (m.e, &tr);
    assert_true (tr.synchronized);
    assert_int_equal (tr.stratum, copy ? 3 : 4);
    assert_int_equal (tr.ref_id, copy ? 0x47505300 : 0xC0000201);
    ntp_engine_free (m.e);
  }
}

/* maxjitter: a source whose offsets scatter more than the limit is '~' and not used. */
static void
maxjitter_marks_too_variable (void **state)
{
  (void) state;
  for (int strict = 0; strict <= 1; strict++) {
    MiniSim m;
    ms_init (&m, 19, 0.0, 2.0);
    m.n_srv = 1;
    m.srv[0] = (MsServer) { .base_delay = 1e-3, .jitter = 500e-6, .stratum = 1 };
    NtpConfig cfg;
    ntp_config_init (&cfg);
    char err[200];
    if (strict)
      assert_int_equal (ntp_config_parse_line (&cfg, "maxjitter 0.000001", err, sizeof err), 1);
    start_engine (&m, &cfg);
    add (&m, "server 192.0.2.1 iburst");
    ntp_engine_start (m.e);
    ms_run (&m, 300, 0, NULL, NULL);
    NtpSourceReport r;
    ntp_engine_get_source (m.e, 0, &r);
    NtpTracking tr;
    ntp_engine_get_tracking (m.e, &tr);
    assert_true (r.std_dev > 1e-6);
    assert_int_equal (r.state, strict ? NTP_STATE_TOO_VARIABLE : NTP_STATE_SELECTED);
    assert_true (tr.synchronized == !strict);
    ntp_engine_free (m.e);
  }
}

/* minsamples: the runs test may not cut the fit below it. A fast-wandering clock with a
 * quiet network makes the runs test cut the fit short; with minsamples 12 it never goes
 * below 12 once 12 samples are there. */
static void
min_samples_cb (MiniSim *m, void *data)
{
  int *min = data;
  NtpSourceReport r;
  ntp_engine_get_source (m->e, 0, &r);
  if (r.samples < *min)
    *min = r.samples;
}

static int
fewest_samples_with (NtpConfig *cfg, const char *line)
{
  MiniSim m;
  ms_init (&m, 20, 0.0, 3.0);
  m.wander = 0.02;
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 1e-3, .jitter = 1e-6, .stratum = 1 };
  start_engine (&m, cfg);
  add (&m, line);
  ntp_engine_start (m.e);
  ms_run (&m, 600, 0, NULL, NULL);
  int min = 1000;
  ms_run (&m, 4200, 1.0, min_samples_cb, &min);
  print_message ("%s: fewest samples in the fit %d\n", line, min);
  ntp_engine_free (m.e);
  return min;
}

static int
fewest_samples (const char *line)
{
  return fewest_samples_with (NULL, line);
}

static void
minsamples_is_honoured (void **state)
{
  (void) state;
  assert_true (fewest_samples ("server 192.0.2.1 minpoll 4 maxpoll 4") < 12);
  assert_true (fewest_samples ("server 192.0.2.1 minpoll 4 maxpoll 4 minsamples 12") >= 12);
}

/* chrony's global minsamples is the value of every source whose line sets none; a source's own
 * value, 0 included, wins over it. */
static void
global_minsamples_is_the_sources_default (void **state)
{
  (void) state;
  NtpConfig cfg;
  char err[160] = "";
  ntp_config_init (&cfg);
  assert_int_equal (ntp_config_parse_line (&cfg, "minsamples 12", err, sizeof err), 1);
  assert_true (fewest_samples_with (&cfg, "server 192.0.2.1 minpoll 4 maxpoll 4") >= 12);
  assert_true (fewest_samples_with (&cfg, "server 192.0.2.1 minpoll 4 maxpoll 4 minsamples 0")
               < 12);
}

/* chrony's maxdrift bounds the frequency correction: a clock 200 ppm fast given at most 50
 * ppm keeps 50 (its offset then slewed out again and again), a drift file of 300 ppm starts
 * at 50; without the directive the correction reaches the clock's 200. */
static double
largest_correction (double maxdrift, bool drift_file, double *final_ppm)
{
  MiniSim m;
  ms_init (&m, 31, 0.0, 200.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 100e-6, .jitter = 10e-6, .stratum = 1 };
  NtpConfig cfg;
  ntp_config_init (&cfg);
  if (maxdrift > 0)
    cfg.maxdrift = maxdrift;
  if (drift_file)
    cfg.have_drift = ntp_drift_parse ("300 1.0\n", &cfg.initial_freq_ppm, &cfg.initial_skew_ppm);
  start_engine (&m, &cfg);
  add (&m, "server 192.0.2.1 iburst minpoll 4 maxpoll 4");
  double freq, skew, largest = 0;
  ntp_engine_get_drift (m.e, &freq, &skew);
  largest = fabs (freq);
  ntp_engine_start (m.e);
  for (int i = 0; i < 60; i++) {
    ms_run (&m, 30, 0, NULL, NULL);
    ntp_engine_get_drift (m.e, &freq, &skew);
    largest = fmax (largest, fabs (freq));
  }
  *final_ppm = freq;
  ntp_engine_free (m.e);
  return largest;
}

static void
maxdrift_bounds_the_frequency_correction (void **state)
{
  (void) state;
  double final;
  assert_true (largest_correction (0, false, &final) > 150);
  assert_true (fabs (final - 200.0) < 5.0);
  assert_true (largest_correction (50, false, &final) <= 50.0 + 1e-9);
  assert_true (fabs (final - 50.0) < 1e-9);
  assert_true (largest_correction (50, true, &final) <= 50.0 + 1e-9);
}

/* What the engine gave env->statlog and env->log (the env's ud stays the MiniSim). */
static struct {
  int lines[NTP_STATLOG_KINDS];
  char first[NTP_STATLOG_KINDS][NTP_STATLOG_LINE_MAX];
  int wrong_by;
  char wrong_by_msg[160];
  int refused;               /* replies whose sample a test refused ("..., ignoring") */
  int test_c_failed;         /* measurements lines with "111 111 1101" */
} sink;

static void
sink_statlog (void *ud, int kind, const char *line)
{
  (void) ud;
  assert_true (kind >= 0 && kind < NTP_STATLOG_KINDS);
  assert_true (strlen (line) > 0 && strlen (line) < NTP_STATLOG_LINE_MAX);
  assert_null (strchr (line, '\n'));
  if (sink.lines[kind]++ == 0)
    snprintf (sink.first[kind], sizeof sink.first[kind], "%s", line);
  if (kind == NTP_STATLOG_MEASUREMENTS && strstr (line, " 111 111 1101 ") != NULL)
    sink.test_c_failed++;
}

static void
sink_log (void *ud, int level, const char *msg)
{
  ms_log (ud, level, msg);
  if (strstr (msg, ", ignoring") != NULL)
    sink.refused++;
  if (strstr (msg, "System clock wrong by") != NULL) {
    assert_int_equal (level, NTP_LOG_WARNING);
    if (sink.wrong_by++ == 0)
      snprintf (sink.wrong_by_msg, sizeof sink.wrong_by_msg, "%s", msg);
  }
}

static int
run_with_statlog (unsigned kinds, double logchange)
{
  MiniSim m;
  memset (&sink, 0, sizeof sink);
  ms_init (&m, 31, 0.5, 10.0);   /* 0.5 s ahead: slewed (no makestep), 10 ppm fast */
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 100e-6, .jitter = 20e-6, .stratum = 1 };
  NtpConfig cfg;
  ntp_config_init (&cfg);
  cfg.statlog = kinds;
  cfg.logchange = logchange;
  NtpEnv env = ms_env (&m);
  env.statlog = sink_statlog;
  env.log = sink_log;
  m.e = ntp_engine_new (&env, &cfg);
  add (&m, "server 192.0.2.1 iburst minpoll 4 maxpoll 4");
  ntp_engine_start (m.e);
  ms_run (&m, 600, 0, NULL, NULL);
  NtpSourceReport r;
  ntp_engine_get_source (m.e, 0, &r);
  ntp_engine_free (m.e);
  return (int) r.replies;
}

static void
statistics_logs_and_logchange (void **state)
{
  (void) state;
  /* Nothing asked, nothing given; logchange 0 says nothing either. */
  run_with_statlog (0, 0.0);
  for (int k = 0; k < NTP_STATLOG_KINDS; k++)
    assert_int_equal (sink.lines[k], 0);
  assert_int_equal (sink.wrong_by, 0);

  /* Measurements and tracking only. */
  int replies = run_with_statlog (NTP_STATLOG_BIT (NTP_STATLOG_MEASUREMENTS)
                                  | NTP_STATLOG_BIT (NTP_STATLOG_TRACKING), 0.2);
  print_message ("replies %d, lines %d %d %d\n", replies, sink.lines[0], sink.lines[1],
                 sink.lines[2]);
  /* One line per reply that gave a sample (chronyd's `measurements`): here every one, those
   * the delay test refused with test C's column 0. */
  assert_true (replies > 30);
  assert_int_equal (sink.lines[NTP_STATLOG_MEASUREMENTS], replies);
  assert_int_equal (sink.test_c_failed, sink.refused);
  assert_int_equal (sink.lines[NTP_STATLOG_STATISTICS], 0);
  /* A clock update per sample once three are in (iburst's fourth on), at most. */
  assert_true (sink.lines[NTP_STATLOG_TRACKING] >= replies - 10);
  assert_true (sink.lines[NTP_STATLOG_TRACKING] <= replies - 2);
  /* The first sample: theta, the server's time less ours, -0.5 s; the server's stratum,
   * the polls (4), mode 4 basic, daemon timestamps (the env says nothing of the kernel's). */
  const char *m0 = sink.first[NTP_STATLOG_MEASUREMENTS];
  assert_true (strncmp (m0 + 20, "192.0.2.1       N  1 111 111 1111   4 ", 38) == 0);
  assert_true (fabs (statlog_field (m0, 11) + 0.5) < 1e-3);
  assert_non_null (strstr (m0, " 4B D D"));
  /* The first update: the clock 0.5 s fast, said positive; our stratum 2; one source. */
  const char *t0 = sink.first[NTP_STATLOG_TRACKING];
  assert_true (strncmp (t0 + 20, "192.0.2.1        2 ", 19) == 0);
  assert_true (fabs (statlog_field (t0, 6) - 0.5) < 1e-3);
  assert_non_null (strstr (t0, " N  1 "));
  /* Rem. corr.: the 0.5 s just handed to the slew, nearly all still to go */
  assert_true (statlog_field (t0, 10) > 0.4 && statlog_field (t0, 10) <= 0.5 + 1e-3);
  /* logchange 0.2: the first update corrects 0.5 s, said once as chronyd says it (its sign:
   * the clock is wrong by minus its offset); the later ones correct far less. */
  assert_int_equal (sink.wrong_by, 1);
  assert_non_null (strstr (sink.wrong_by_msg, "System clock wrong by -0.5"));

  /* Statistics: a line per refit that stands (3 samples on), figures of the fit. */
  replies = run_with_statlog (NTP_STATLOG_BIT (NTP_STATLOG_STATISTICS), 1.0);
  assert_int_equal (sink.lines[NTP_STATLOG_MEASUREMENTS], 0);
  assert_int_equal (sink.lines[NTP_STATLOG_TRACKING], 0);
  assert_int_equal (sink.lines[NTP_STATLOG_STATISTICS], replies - sink.refused - 2);
  const char *s0 = sink.first[NTP_STATLOG_STATISTICS];
  assert_true (fabs (statlog_field (s0, 4) - 0.5) < 1e-3);   /* Est offset: 0.5 s fast */
  assert_int_equal ((int) statlog_field (s0, 9), 3);          /* Ns */
  assert_int_equal (sink.wrong_by, 0);                /* under the default threshold, 1 s */
}

static void
noselect_and_distant_sources_are_never_selected (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 12, 0.002, 3.0);
  m.n_srv = 3;
  m.srv[0] = (MsServer) { .base_delay = 1e-3, .jitter = 20e-6, .stratum = 1 };
  m.srv[1] = (MsServer) { .base_delay = 50e-6, .jitter = 1e-6, .stratum = 1 };
  m.srv[2] = (MsServer) { .base_delay = 50e-6, .jitter = 1e-6, .stratum = 1,
                          .root_dispersion = 5.0 };
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1 iburst");
  add (&m, "server 192.0.2.2 iburst noselect");   /* the best one, but not to be used */
  add (&m, "server 192.0.2.3 iburst");            /* over maxdistance (3 s) */
  ntp_engine_start (m.e);
  ms_run (&m, 600, 0, NULL, NULL);
  NtpSourceReport r;
  ntp_engine_get_source (m.e, 0, &r);
  assert_int_equal (r.state, NTP_STATE_SELECTED);
  ntp_engine_get_source (m.e, 1, &r);
  assert_int_equal (r.state, NTP_STATE_UNUSABLE);
  assert_int_equal (r.reach, 0xff);               /* measured all the same */
  assert_true (r.samples >= 3);
  ntp_engine_get_source (m.e, 2, &r);
  assert_int_equal (r.state, NTP_STATE_UNUSABLE);
  assert_int_equal (r.samples, 0);
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  assert_int_equal (tr.ref_source, 0);
  assert_true (tr.root_delay > 1e-3 && tr.root_delay < 3e-3);
  assert_true (tr.root_dispersion > 0 && tr.root_dispersion < 1e-3);
  assert_true (tr.update_interval > 0);
  assert_true (tr.rms_offset < 1e-3);
  assert_true (fabs (tr.freq_ppm - 3.0) < 0.5);
  assert_false (tr.leap_unsynchronized);
  ntp_engine_free (m.e);
}

static void
burst_remove_and_reports (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 11, 0.0, 0.0);
  m.n_srv = 2;
  m.srv[0] = (MsServer) { .base_delay = 1e-3, .stratum = 1 };
  m.srv[1] = (MsServer) { .base_delay = 1e-3, .stratum = 1 };
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1");
  add (&m, "server 192.0.2.2");
  ntp_engine_start (m.e);
  ms_run (&m, 100, 0, NULL, NULL);
  int sent = m.sent;
  ntp_engine_burst (m.e);
  ms_run (&m, 120, 0, NULL, NULL);
  assert_true (m.sent - sent >= 8);   /* a burst of (at least) 4 per source */
  ntp_engine_remove_source (m.e, 1);
  NtpSourceReport r;
  assert_false (ntp_engine_get_source (m.e, 1, &r));
  assert_false (ntp_engine_get_source (m.e, 77, &r));
  assert_true (ntp_engine_get_source (m.e, 0, &r));
  assert_true (r.last_rx_ago >= 0);
  /* the drift file's figures: the clock here runs at exactly the right rate (0 ppm), and the
   * frequency estimate must say so within its own skew (a 99.9 % bound), which after two
   * minutes of polling is well under 100 ppm but above zero */
  double f, s;
  ntp_engine_get_drift (m.e, &f, &s);
  print_message ("drift: %.4f ppm, skew %.4f ppm\n", f, s);
  assert_true (s > 0 && s < 100);
  assert_true (fabs (f) <= s);
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  assert_true (tr.freq_ppm == f);
  ntp_engine_free (m.e);
}

/* chronyd fills the bits of its timestamps below its precision with random ones, so when it
 * answers faster than its precision its transmit timestamp reads before its receive timestamp
 * (by up to a quantum each). Such replies are genuine: every one must become a sample. A
 * processing time far below what the precision explains (1 ms before the receive time) is
 * impossible and refused. */
static int
samples_with_processing_time (double proc, int precision, bool *synced)
{
  MiniSim m;
  ms_init (&m, 21, 0.001, 10.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 100e-6, .jitter = 10e-6, .stratum = 1,
                          .custom_proc = true, .proc = proc, .precision = precision };
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1 minpoll 4 maxpoll 4");
  ntp_engine_start (m.e);
  ms_run (&m, 16 * 10 + 1, 0, NULL, NULL);
  NtpSourceReport r;
  assert_true (ntp_engine_get_source (m.e, 0, &r));
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  *synced = tr.synchronized;
  /* every request was answered either way: the source is reachable */
  assert_int_equal (r.reach, 0xff);
  ntp_engine_free (m.e);
  return r.samples;
}

static void
transmit_before_receive_within_precision_is_accepted (void **state)
{
  (void) state;
  bool synced;
  /* 2^-23 s = 119 ns: t3 100 ns before t2 */
  int n = samples_with_processing_time (-100e-9, -23, &synced);
  print_message ("t3 - t2 = -100 ns, precision 2^-23: %d samples\n", n);
  assert_true (n >= 10);   /* 11 replies in 160 s at 16 s; all kept (fewer only if pruned) */
  assert_true (synced);
  /* the same reply from a server that claims 2^-30 s (0.9 ns) cannot be honest */
  n = samples_with_processing_time (-100e-9, -30, &synced);
  assert_int_equal (n, 0);
  assert_false (synced);
  /* and 1 ms before the receive time is impossible at any fine precision */
  n = samples_with_processing_time (-1e-3, -20, &synced);
  assert_int_equal (n, 0);
  /* a processing time longer than the whole round trip (250 us here) is impossible too */
  n = samples_with_processing_time (5e-3, -20, &synced);
  assert_int_equal (n, 0);
}

/* The report carries the last reply a sample came from as the server sent it (what
 * timesync1's NTPMessage shows): its header and the exchange's four times, from which the
 * measured offset and the delay follow; a reply refused (stratum 16) changes none of it. */
static void
report_carries_the_last_valid_reply (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 23, 0.001, 0.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 300e-6, .jitter = 20e-6, .stratum = 2, .leap = 1,
                          .root_dispersion = 0.0123, .precision = -21 };
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1 minpoll 4 maxpoll 4");
  ntp_engine_start (m.e);
  ms_run (&m, 100, 0, NULL, NULL);
  NtpSourceReport r;
  assert_true (ntp_engine_get_source (m.e, 0, &r));
  assert_int_equal (r.reply.leap, 1);
  assert_int_equal (r.reply.version, 4);
  assert_int_equal (r.reply.mode, NTP_MODE_SERVER);
  assert_int_equal (r.reply.stratum, 2);
  assert_int_equal (r.reply.precision, -21);
  assert_int_equal (r.reply.refid, 0x47505300);
  assert_true (r.reply.root_delay == 0.0);
  assert_true (fabs (r.reply.root_dispersion - 0.0123) <= 1.0 / 65536);
  /* every request but one still in flight was answered */
  assert_true (r.replies >= (uint64_t) m.sent - 1 && r.replies <= (uint64_t) m.sent);
  assert_true (r.replies >= 6);
  /* the server held each request 10 us; the round trip is 600 us + jitter */
  assert_int_equal (r.reply.t3_ns - r.reply.t2_ns, 10000);
  double rtt = (double) (r.reply.t4_ns - r.reply.t1_ns) * 1e-9;
  assert_true (rtt > 600e-6 && rtt < 2e-3);
  double offset = ((double) (r.reply.t2_ns - r.reply.t1_ns)
                   + (double) (r.reply.t3_ns - r.reply.t4_ns)) * 0.5e-9;
  assert_true (fabs (offset + r.measured_offset) < 1e-9);
  assert_true (fabs (r.delay - (rtt - 10e-6)) < 1e-9);
  int64_t t4 = r.reply.t4_ns;
  uint64_t replies = r.replies;
  m.srv[0].stratum = 16;
  ms_run (&m, 200, 0, NULL, NULL);
  assert_true (ntp_engine_get_source (m.e, 0, &r));
  assert_int_equal (r.reply.stratum, 2);
  assert_int_equal (r.reply.t4_ns, t4);
  assert_int_equal (r.replies, replies);
  ntp_engine_free (m.e);
}

/* The transmit timestamp of a request is 64 bits from env->get_random, not the clock: the
 * server only echoes it, and a forger must not be able to guess it. The real transmit time is
 * kept locally (the samples still measure the right offset). */
static uint64_t fake_random_counter;
static void
fake_random (void *ud, void *buf, size_t len)
{
  (void) ud;
  uint8_t *b = buf;
  for (size_t i = 0; i < len; i++)
    b[i] = (uint8_t) (0xA5 ^ (fake_random_counter >> (8 * (i % 8))));
  fake_random_counter += 0x0123456789ULL;
}

/* The generator's state when each request went out: the engine draws more than the
 * timestamps from it (the spacing of the next request). */
static uint64_t fake_random_counter_at_send;
static void
send_noting_the_counter (void *ud, unsigned src, const uint8_t *pkt, size_t len)
{
  fake_random_counter_at_send = fake_random_counter;
  ms_send (ud, src, pkt, len);
}

static void
request_transmit_timestamp_is_random (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 22, 0.002, 0.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 100e-6, .jitter = 10e-6, .stratum = 1 };
  NtpEnv env = ms_env (&m);
  env.get_random = fake_random;
  env.send = send_noting_the_counter;
  NtpConfig cfg;
  ntp_config_init (&cfg);
  m.e = ntp_engine_new (&env, &cfg);
  add (&m, "server 192.0.2.1 iburst minpoll 4 maxpoll 4");
  ntp_engine_start (m.e);
  int far = 0, requests = 0;
  uint64_t prev = 0;
  for (int k = 1; k <= 20; k++) {
    ms_run (&m, 16.0 * k, 0, NULL, NULL);
    if (m.last_tx_ts == prev)
      continue;
    prev = m.last_tx_ts;
    requests++;
    /* what fake_random gave, byte for byte (the engine used it as the timestamp) */
    uint64_t expect;
    uint64_t c = fake_random_counter_at_send - 0x0123456789ULL;
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
      b[i] = (uint8_t) (0xA5 ^ (c >> (8 * i)));
    memcpy (&expect, b, 8);
    assert_true (m.last_tx_ts == expect);
    int64_t as_time = ntp_ts_to_ns (m.last_tx_ts, m.last_tx_now);
    if (llabs (as_time - m.last_tx_now) > 1000000000LL)
      far++;
  }
  assert_true (requests >= 10);
  assert_int_equal (far, requests);     /* no request carries the clock's time */
  /* the offset is still measured from the real t1: the clock converged */
  assert_true (fabs (ms_error (&m)) < 100e-6);
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  assert_true (tr.synchronized);
  ntp_engine_free (m.e);
}

/* Requests are spaced as chronyd spaces them (SAMPLING_RANDOMNESS): each wait is the poll
 * interval stretched by a random 0-2 %, drawn from env->get_random. With the generator's
 * least and greatest draws the intervals sit exactly at the bounds; with a real one they
 * spread over them. */
static int64_t spaced_tx[80];
static int n_spaced_tx;
static void
send_noting_the_time (void *ud, unsigned src, const uint8_t *pkt, size_t len)
{
  if (n_spaced_tx < 80)
    spaced_tx[n_spaced_tx++] = ms_now (ud);
  ms_send (ud, src, pkt, len);
}

static uint8_t constant_random_byte;
static void
constant_random (void *ud, void *buf, size_t len)
{
  (void) ud;
  memset (buf, constant_random_byte, len);
  ((uint8_t *) buf)[0] |= 1;   /* never a zero transmit timestamp */
}

static uint64_t xorshift_state = 88172645463325252ULL;
static void
xorshift_random (void *ud, void *buf, size_t len)
{
  (void) ud;
  for (size_t i = 0; i < len; i++) {
    xorshift_state ^= xorshift_state << 13;
    xorshift_state ^= xorshift_state >> 7;
    xorshift_state ^= xorshift_state << 17;
    ((uint8_t *) buf)[i] = (uint8_t) (xorshift_state >> 32);
  }
}

/* The intervals between requests (s) of one source polled at minpoll 4 maxpoll 4 for 1000 s;
 * their least, greatest and mean. */
static void
spacing (void (*get_random) (void *, void *, size_t), double *lo, double *hi, double *mean)
{
  MiniSim m;
  ms_init (&m, 24, 0.0, 0.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 200e-6, .jitter = 20e-6, .stratum = 1 };
  NtpEnv env = ms_env (&m);
  env.get_random = get_random;
  env.send = send_noting_the_time;
  NtpConfig cfg;
  ntp_config_init (&cfg);
  m.e = ntp_engine_new (&env, &cfg);
  add (&m, "server 192.0.2.1 minpoll 4 maxpoll 4");
  n_spaced_tx = 0;
  ntp_engine_start (m.e);
  ms_run (&m, 1000, 0, NULL, NULL);
  assert_true (n_spaced_tx >= 55);
  *lo = INFINITY;
  *hi = -INFINITY;
  double sum = 0;
  for (int k = 1; k < n_spaced_tx; k++) {
    double d = (double) (spaced_tx[k] - spaced_tx[k - 1]) * 1e-9;
    *lo = fmin (*lo, d);
    *hi = fmax (*hi, d);
    sum += d;
  }
  *mean = sum / (n_spaced_tx - 1);
  ntp_engine_free (m.e);
}

static void
requests_are_spaced_by_a_random_0_to_2_percent (void **state)
{
  (void) state;
  double lo, hi, mean;
  constant_random_byte = 0x00;
  spacing (constant_random, &lo, &hi, &mean);
  print_message ("least draw: %.9f..%.9f s\n", lo, hi);
  assert_true (fabs (lo - 16.0) < 1e-6 && fabs (hi - 16.0) < 1e-6);
  constant_random_byte = 0xFF;
  spacing (constant_random, &lo, &hi, &mean);
  print_message ("greatest draw: %.9f..%.9f s\n", lo, hi);
  /* The wait is re-planned at each reply, one round trip (< 1 ms) after the request, and the
   * stretch applies to what is left of it: 2 % of the round trip short of 16.32 s. */
  assert_true (lo > 16.32 - 0.02 * 1e-3 && hi < 16.32 + 1e-6);
  spacing (xorshift_random, &lo, &hi, &mean);
  print_message ("varying draws: %.6f..%.6f s, mean %.6f s\n", lo, hi, mean);
  assert_true (lo >= 16.0 - 1e-6 && hi <= 16.32 + 1e-6);
  assert_true (hi - lo > 0.1);
  assert_true (fabs (mean - 16.16) < 0.06);
  /* and without env->get_random, the clock-seeded generator */
  spacing (NULL, &lo, &hi, &mean);
  print_message ("fallback generator: %.6f..%.6f s, mean %.6f s\n", lo, hi, mean);
  assert_true (lo >= 16.0 - 1e-6 && hi <= 16.32 + 1e-6);
  assert_true (hi - lo > 0.1);
  assert_true (fabs (mean - 16.16) < 0.06);
}

/* The nearest source answers first but is 50 ms wrong; the two honest ones answer 19 ms later.
 * The first update (a step, with makestep) must wait for them to be heard, not follow the
 * source that happened to fill its statistics first. */
static void
first_step_waits_for_the_other_sources (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 11, 0.2, 0.0);
  m.n_srv = 3;
  m.srv[0] = (MsServer) { .base_delay = 10e-3, .jitter = 200e-6, .stratum = 1 };
  m.srv[1] = (MsServer) { .base_delay = 10e-3, .jitter = 200e-6, .stratum = 1 };
  m.srv[2] = (MsServer) { .offset = 0.05, .base_delay = 0.5e-3, .jitter = 200e-6, .stratum = 1 };
  start_engine_makestep (&m, 0.1, 3);
  add (&m, "server 192.0.2.1 iburst minpoll 1 maxpoll 2");
  add (&m, "server 192.0.2.2 iburst minpoll 1 maxpoll 2");
  add (&m, "server 192.0.2.3 iburst minpoll 1 maxpoll 2");
  ntp_engine_start (m.e);
  ms_run (&m, 6, 0, NULL, NULL);
  print_message ("first step: %d steps, %.6f s (true error 0.2 s, the wrong source says 0.15 s)\n",
                 m.steps, m.stepped_total);
  assert_int_equal (m.steps, 1);
  /* the honest sources' view, within their 10 ms half round trip; following the wrong one
   * would step 0.15 s */
  assert_true (fabs (m.stepped_total - 0.2) < 0.01);
  ntp_engine_free (m.e);
}

/* maxchange OFFSET 0 0: the first update over OFFSET ends the adjustment (chronyd exits):
 * nothing more is sent and the clock reads as not synchronized. */
static void
maxchange_exhausted_stops_the_engine (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 3, 0.05, 0.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 100e-6, .jitter = 10e-6, .stratum = 1 };
  NtpConfig cfg;
  ntp_config_init (&cfg);
  char err[200];
  assert_int_equal (ntp_config_parse_line (&cfg, "maxchange 0.01 0 0", err, sizeof err), 1);
  start_engine (&m, &cfg);
  add (&m, "server 192.0.2.1 iburst minpoll 4 maxpoll 4");
  ntp_engine_start (m.e);
  ms_run (&m, 60, 0, NULL, NULL);
  NtpTracking t;
  ntp_engine_get_tracking (m.e, &t);
  assert_false (t.synchronized);
  int sent = m.sent;
  assert_true (sent >= 3);
  ms_run (&m, 600, 0, NULL, NULL);
  assert_int_equal (m.sent, sent);
  assert_int_equal (m.steps, 0);
  assert_true (fabs (ms_error (&m) - 0.05) < 1e-3);   /* never slewed either */
  ntp_engine_free (m.e);

  /* the same offset with IGNORE -1 is ignored forever, and the engine keeps polling */
  ms_init (&m, 3, 0.05, 0.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 100e-6, .jitter = 10e-6, .stratum = 1 };
  assert_int_equal (ntp_config_parse_line (&cfg, "maxchange 0.01 0 -1", err, sizeof err), 1);
  start_engine (&m, &cfg);
  add (&m, "server 192.0.2.1 iburst minpoll 4 maxpoll 4");
  ntp_engine_start (m.e);
  ms_run (&m, 600, 0, NULL, NULL);
  assert_true (m.sent > sent + 20);
  ntp_engine_free (m.e);
}

/* ---- symmetric-key authentication ---- */

typedef PacketWorld AuthWorld;

/* A keyed toy digest (not a hash anyone should use; the real ones are tested with the key
 * file, tests/engine/test-keys.c): 32 bytes for key 3, so both of the core's truncations
 * show, and 16 for key 5 (as MD5 and AES-CMAC). No other key exists. */
static size_t
toy_mac (void *ud, uint32_t key, const uint8_t *data, size_t len, uint8_t *mac, size_t max)
{
  (void) ud;
  if (key != 3 && key != 5)
    return 0;
  uint8_t d[32];
  size_t digest_len = key == 3 ? 32 : 16;
  uint32_t h = 2166136261u ^ key;
  for (size_t i = 0; i < sizeof d; i++) {
    for (size_t k = 0; k < len; k++)
      h = (h ^ data[k]) * 16777619u;
    h = (h ^ (uint32_t) i) * 16777619u;
    d[i] = (uint8_t) (h >> 24);
  }
  size_t n = max < digest_len ? max : digest_len;
  memcpy (mac, d, n);
  return n;
}

static NtpEngine *
auth_engine (AuthWorld *w, const char *line, bool with_hook)
{
  memset (w, 0, sizeof *w);
  w->now = 1700000000000000000LL;
  w->deadline = INT64_MAX;
  NtpEnv env = pw_env (w);
  env.auth_mac = with_hook ? toy_mac : NULL;
  NtpEngine *e = pw_engine (&env, line);
  w->now = w->deadline;
  ntp_engine_timer (e);
  return e;
}

/* The server's reply to the request in w->pkt, 1 ms later; `mac_key` 0 = no MAC, with
 * `digest_ok` false the digest has one bit wrong. Returns its length. */
static size_t
auth_reply (AuthWorld *w, uint8_t *buf, uint32_t mac_key, bool digest_ok, size_t digest_len)
{
  NtpPacket req;
  (void) ntp_packet_decode (w->pkt, w->len, &req);
  NtpPacket rep = { .leap = 0, .version = req.version, .mode = NTP_MODE_SERVER, .stratum = 1,
                    .precision = -20, .refid = 0x47505300, .org_ts = req.tx_ts,
                    .ref_ts = ntp_ts_from_ns (w->now - 1000000000LL),
                    .rx_ts = ntp_ts_from_ns (w->now + 500000), .tx_ts = ntp_ts_from_ns (w->now + 510000) };
  size_t len = ntp_packet_encode (buf, 48, &rep);
  if (mac_key == 0)
    return len;
  uint8_t d[64] = { 0 };
  assert_int_equal (toy_mac (NULL, 3, buf, len, d, digest_len), digest_len);
  if (!digest_ok)
    d[digest_len - 1] ^= 1;
  return ntp_packet_append_mac (buf, 256, len, mac_key, d, digest_len);
}

static uint64_t
replies_of (NtpEngine *e)
{
  NtpSourceReport r;
  assert_true (ntp_engine_get_source (e, 0, &r));
  return r.replies;
}

static void
authenticated_requests_carry_the_key_and_its_digest (void **state)
{
  (void) state;
  AuthWorld w;
  uint8_t d[64];
  NtpEngine *e = auth_engine (&w, "server 192.0.2.1 key 3 version 4 iburst", true);
  /* NTPv4: key ID + the digest cut to 20 bytes (RFC 7822 §7.5, as chronyd) */
  assert_int_equal (w.sent, 1);
  assert_int_equal (w.len, 48 + 4 + 20);
  assert_int_equal ((w.pkt[0] >> 3) & 7, 4);
  assert_memory_equal (w.pkt + 48, "\0\0\0\3", 4);
  assert_int_equal (toy_mac (NULL, 3, w.pkt, 48, d, 20), 20);
  assert_memory_equal (w.pkt + 52, d, 20);
  ntp_engine_free (e);

  /* NTPv3: the whole digest (here 32 bytes); and, as chronyd, the version when none is given
   * for a key whose digest NTPv4 would cut (its ntpdata then says "Version: 3") */
  for (int given = 0; given < 2; given++) {
    e = auth_engine (&w, given ? "server 192.0.2.1 key 3 version 3 iburst"
                               : "server 192.0.2.1 key 3 iburst", true);
    assert_int_equal (w.len, 48 + 4 + 32);
    assert_int_equal ((w.pkt[0] >> 3) & 7, 3);
    assert_int_equal (toy_mac (NULL, 3, w.pkt, 48, d, 64), 32);
    assert_memory_equal (w.pkt + 52, d, 32);
    ntp_engine_free (e);
  }

  /* a 16-byte digest fits NTPv4: the default stays 4 */
  e = auth_engine (&w, "server 192.0.2.1 key 5 iburst", true);
  assert_int_equal (w.len, 48 + 4 + 16);
  assert_int_equal ((w.pkt[0] >> 3) & 7, 4);
  ntp_engine_free (e);

  /* NTPv1 and v2 requests when asked (chronyd's range), with the whole digest */
  for (int v = 1; v <= 2; v++) {
    char line[64];
    snprintf (line, sizeof line, "server 192.0.2.1 key 3 version %d iburst", v);
    e = auth_engine (&w, line, true);
    assert_int_equal ((w.pkt[0] >> 3) & 7, v);
    assert_int_equal (w.len, 48 + 4 + 32);
    ntp_engine_free (e);
  }

  /* no key, no MAC; a version 3 request without one is 48 bytes */
  e = auth_engine (&w, "server 192.0.2.1 version 3 iburst", true);
  assert_int_equal (w.len, 48);
  assert_int_equal ((w.pkt[0] >> 3) & 7, 3);
  ntp_engine_free (e);
}

static void
a_key_without_a_mac_sends_nothing (void **state)
{
  (void) state;
  AuthWorld w;
  /* key 9 is not one the hook knows; and with no hook at all, no key is */
  NtpEngine *e = auth_engine (&w, "server 192.0.2.1 key 9 iburst", true);
  assert_int_equal (w.sent, 0);
  assert_int_equal (w.errors, 1);
  /* the source keeps polling (and stays silent), logged at the 1st, 2nd, 4th... request */
  for (int i = 0; i < 3; i++) {
    w.now = w.deadline;
    ntp_engine_timer (e);
  }
  assert_int_equal (w.sent, 0);
  assert_int_equal (w.errors, 3);
  ntp_engine_free (e);
  e = auth_engine (&w, "server 192.0.2.1 key 3 iburst", false);
  assert_int_equal (w.sent, 0);
  ntp_engine_free (e);
}

static void
replies_without_the_keys_mac_are_refused (void **state)
{
  (void) state;
  AuthWorld w;
  uint8_t buf[256];
  NtpEngine *e = auth_engine (&w, "server 192.0.2.1 key 3 version 4 iburst", true);
  w.now += 1000000;
  size_t len;
  /* unsigned, a crypto-NAK, another key's ID, a digest one bit off, the v3 length in a v4
   * reply: none is a reply, and none consumes the request */
  len = auth_reply (&w, buf, 0, true, 20);
  ntp_engine_receive (e, 0, w.now, buf, len);
  assert_int_equal (replies_of (e), 0);
  memset (buf + len, 0, 4);
  ntp_engine_receive (e, 0, w.now, buf, len + 4);
  assert_int_equal (replies_of (e), 0);
  len = auth_reply (&w, buf, 4, true, 20);
  ntp_engine_receive (e, 0, w.now, buf, len);
  assert_int_equal (replies_of (e), 0);
  len = auth_reply (&w, buf, 3, false, 20);
  ntp_engine_receive (e, 0, w.now, buf, len);
  assert_int_equal (replies_of (e), 0);
  len = auth_reply (&w, buf, 3, true, 16);
  ntp_engine_receive (e, 0, w.now, buf, len);
  assert_int_equal (replies_of (e), 0);
  /* the genuine one, after all of them */
  len = auth_reply (&w, buf, 3, true, 20);
  ntp_engine_receive (e, 0, w.now, buf, len);
  assert_int_equal (replies_of (e), 1);
  ntp_engine_free (e);

  /* a source without a key takes the same unsigned reply */
  e = auth_engine (&w, "server 192.0.2.1 iburst", true);
  w.now += 1000000;
  len = auth_reply (&w, buf, 0, true, 20);
  ntp_engine_receive (e, 0, w.now, buf, len);
  assert_int_equal (replies_of (e), 1);
  ntp_engine_free (e);
}

/* One exchange for the request in w->pkt (sent at w->now): the request takes d_req s to the
 * server (whose clock is true, as ours), the reply d_resp s back. */
static void
exchange (NtpEngine *e, AuthWorld *w, double d_req, double d_resp)
{
  NtpPacket req;
  uint8_t buf[64];
  (void) ntp_packet_decode (w->pkt, w->len, &req);
  int64_t t2 = w->now + (int64_t) llround (d_req * 1e9), t3 = t2 + 10000;
  NtpPacket rep = { .version = 4, .mode = NTP_MODE_SERVER, .stratum = 1, .precision = -20,
                    .refid = 0x47505300, .org_ts = req.tx_ts,
                    .ref_ts = ntp_ts_from_ns (t2 - 1000000000LL),
                    .rx_ts = ntp_ts_from_ns (t2), .tx_ts = ntp_ts_from_ns (t3) };
  size_t len = ntp_packet_encode (buf, sizeof buf, &rep);
  w->now = t3 + (int64_t) llround (d_resp * 1e9);
  ntp_engine_receive (e, 0, w->now, buf, len);
}

static void
next_request (NtpEngine *e, AuthWorld *w)
{
  w->now = w->deadline;
  ntp_engine_timer (e);
}

/* chrony's presend: at a poll of at least POLL, a request 2 s before each regular one; its
 * reply is not a sample. Below POLL (and during iburst) nothing extra is sent. */
static void
presend_warms_up_two_seconds_before_each_request (void **state)
{
  (void) state;
  AuthWorld w;
  NtpEngine *e = auth_engine (&w, "server 192.0.2.1 minpoll 6 maxpoll 6 presend 6", true);
  int64_t t0 = w.now;
  assert_int_equal (w.sent, 1);
  uint8_t warm[256];
  memcpy (warm, w.pkt, w.len);
  assert_int_equal (w.deadline - t0, 2000000000LL);
  /* its reply is refused (no request is outstanding for it) */
  exchange (e, &w, 1e-3, 1e-3);
  assert_int_equal (replies_of (e), 0);
  next_request (e, &w);
  assert_int_equal (w.sent, 2);
  assert_memory_not_equal (warm + 40, w.pkt + 40, 8);   /* a request of its own */
  exchange (e, &w, 1e-3, 1e-3);
  assert_int_equal (replies_of (e), 1);
  /* the next regular request, 64 s (+ up to 2 %) on, has its warm-up 2 s before it */
  int64_t regular = t0 + 2000000000LL;
  next_request (e, &w);
  assert_int_equal (w.sent, 3);
  assert_true (w.now - regular >= 64000000000LL && w.now - regular <= 65300000000LL);
  next_request (e, &w);
  assert_int_equal (w.sent, 4);
  ntp_engine_free (e);

  /* a poll below presend's: one request per poll */
  e = auth_engine (&w, "server 192.0.2.1 minpoll 4 maxpoll 4 presend 6", true);
  t0 = w.now;
  assert_int_equal (w.sent, 1);
  assert_true (w.deadline - t0 >= 16000000000LL);
  ntp_engine_free (e);
  /* during iburst neither */
  e = auth_engine (&w, "server 192.0.2.1 iburst minpoll 6 maxpoll 6 presend 6", true);
  exchange (e, &w, 1e-3, 1e-3);
  next_request (e, &w);
  assert_int_equal (w.sent, 2);
  assert_int_equal (replies_of (e), 1);
  ntp_engine_free (e);
}

/* chrony's asymmetry: a request delayed 10 ms more than the least reads the server 5 ms
 * ahead; asymmetry -0.5 (the variable delay is on the way there) gives the 5 ms back,
 * +0.5 doubles the error, 0 leaves it. */
static void
asymmetry_corrects_the_offset_by_the_delays_rise (void **state)
{
  (void) state;
  const char *lines[] = { "server 192.0.2.1 iburst asymmetry -0.5", "server 192.0.2.1 iburst",
                          "server 192.0.2.1 iburst asymmetry 0.5" };
  const double want[] = { 0.0, -5e-3, -10e-3 };
  for (int k = 0; k < 3; k++) {
    AuthWorld w;
    NtpSourceReport r;
    NtpEngine *e = auth_engine (&w, lines[k], true);
    exchange (e, &w, 1e-3, 1e-3);
    next_request (e, &w);
    exchange (e, &w, 11e-3, 1e-3);
    assert_true (ntp_engine_get_source (e, 0, &r));
    assert_int_equal (r.replies, 2);
    printf ("%s: measured offset %.6f s\n", lines[k], r.measured_offset);
    assert_true (fabs (r.measured_offset - want[k]) < 1e-5);
    ntp_engine_free (e);
  }
}

/* Unset, the asymmetry is estimated (ntp-asym.h): requests held up 0 to 4 ms on the way to
 * the server, replies never, read the offset up to 2 ms low, by half the delay's rise. The
 * engine finds -0.5, reports it, and gives the samples their offset back; with `asymmetry 0`
 * configured nothing is estimated and the error stays. */
static void
unset_asymmetry_is_estimated_from_the_samples (void **state)
{
  (void) state;
  const char *lines[] = { "server 192.0.2.1 iburst minpoll 4 maxpoll 4",
                          "server 192.0.2.1 iburst minpoll 4 maxpoll 4 asymmetry 0" };
  for (int k = 0; k < 2; k++) {
    AuthWorld w;
    NtpSourceReport r;
    NtpEngine *e = auth_engine (&w, lines[k], true);
    double sum2 = 0.0;
    int n = 0;
    for (int i = 0; i < 60; i++) {
      double held = (double) ((i * 7919) % 41) * 1e-4;     /* 0 to 4 ms, spread over the run */
      exchange (e, &w, 1e-3 + held, 1e-3);
      assert_true (ntp_engine_get_source (e, 0, &r));
      if (i >= 30) {          /* the measured offsets of the second half */
        sum2 += r.measured_offset * r.measured_offset;
        n++;
      }
      next_request (e, &w);
    }
    double rms = sqrt (sum2 / n);
    printf ("%s: asymmetry %+.3f, RMS measured offset %.6f s\n", lines[k], r.asymmetry, rms);
    if (k == 0) {
      assert_true (fabs (r.asymmetry + 0.5) < 0.05);
      assert_true (rms < 1e-4);           /* the error was up to 2 ms */
    } else {
      assert_true (r.asymmetry == 0.0);
      assert_true (rms > 5e-4);
    }
    ntp_engine_free (e);
  }
}

/* chronyc's "System time" is what is left to slew as of the moment asked: the report carries
 * the slew's plan, and a report aged by the local time since (ntp_tracking_age) reads what
 * the engine itself reports then, until the next update re-plans it. */
typedef struct {
  NtpTracking last;
  int64_t last_now;
  int pairs, moving;
  double worst;
} SlewAcc;

static void
slew_cb (MiniSim *m, void *data)
{
  SlewAcc *a = data;
  NtpTracking now_tr;
  int64_t now = ms_now (m);
  ntp_engine_get_tracking (m->e, &now_tr);
  if (a->last_now != 0 && a->last.ref_time_ns == now_tr.ref_time_ns && now_tr.ref_time_ns != 0) {
    NtpTracking aged = a->last;
    ntp_tracking_age (&aged, (double) (now - a->last_now) * 1e-9);
    double d = fabs (aged.system_time_offset - now_tr.system_time_offset);
    if (d > a->worst)
      a->worst = d;
    a->pairs++;
    if (fabs (now_tr.system_time_offset - a->last.system_time_offset) > 1e-6)
      a->moving++;
  }
  a->last = now_tr;
  a->last_now = now;
}

static void
system_time_ages_as_the_slew_goes_on (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 11, 0.1, 5.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 1e-3, .jitter = 50e-6, .stratum = 1 };
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1 iburst minpoll 4 maxpoll 4");
  ntp_engine_start (m.e);
  SlewAcc a = { 0 };
  ms_run (&m, 120, 0.25, slew_cb, &a);
  print_message ("pairs %d, moving %d, worst %.3g s\n", a.pairs, a.moving, a.worst);
  assert_true (a.pairs > 100);
  /* 0.1 s slewed out at the core's rate takes seconds: many reads see it move */
  assert_true (a.moving >= 4);
  assert_true (a.worst < 1e-9);

  /* The plan alone: linear to its end, then nothing left. */
  NtpTracking t = { .system_time_offset = 0.1, .slew_rate = -0.02, .slew_left = 5.0 };
  ntp_tracking_age (&t, 2.0);
  assert_true (fabs (t.system_time_offset - 0.06) < 1e-12);
  assert_true (fabs (t.slew_left - 3.0) < 1e-12);
  ntp_tracking_age (&t, 3.5);
  assert_true (t.system_time_offset == 0.0 && t.slew_left == 0.0 && t.slew_rate == 0.0);
  ntp_engine_free (m.e);
}

/* Between updates the root dispersion grows at skew + |residual frequency| + maxclockerror,
 * as chronyd's (reference.c), with the maxclockerror the configuration sets (default 1 ppm). */
static void
root_dispersion_ages_with_maxclockerror (void **state)
{
  (void) state;
  NtpTracking t = { .synchronized = true, .skew_ppm = 2.0, .residual_freq_ppm = -0.5,
                    .root_dispersion = 1e-3, .max_clock_error = 10e-6 };
  ntp_tracking_age (&t, 100.0);
  assert_true (fabs (t.root_dispersion - (1e-3 + 100.0 * 12.5e-6)) < 1e-12);

  static const char *const lines[] = { NULL, "maxclockerror 10", "maxclockerror 0.5" };
  static const double want[] = { 1e-6, 10e-6, 0.5e-6 };
  for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
    MiniSim m;
    NtpConfig cfg;
    NtpTracking tr;
    char err[100];
    ms_init (&m, 12, 0.0, 0.0);
    ntp_config_init (&cfg);
    if (lines[k])
      assert_int_equal (ntp_config_parse_line (&cfg, lines[k], err, sizeof err), 1);
    start_engine (&m, &cfg);
    ntp_engine_get_tracking (m.e, &tr);
    assert_true (fabs (tr.max_clock_error - want[k]) < 1e-15);
    ntp_engine_free (m.e);
  }
}

/* chronyc selectdata's verdicts the engine gives (those ntp_select_run gives are
 * test-ntp-select.c's): a source heard once has too few samples (M); one never heard is
 * unsynchronised (s), as chronyd shows it; a noselect one N; one taken offline S; and the
 * figures the best one was selected with: its interval holds its offset, its newest sample
 * is younger than a poll. */
static void
selectdata_verdicts_of_the_engine (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 31, 0.001, 10.0);
  m.n_srv = 4;
  for (int i = 0; i < 4; i++)
    m.srv[i] = (MsServer) { .base_delay = 1e-3, .jitter = 50e-6, .stratum = 1 };
  m.srv[2].down = true;
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1 iburst minpoll 4 maxpoll 4");
  add (&m, "server 192.0.2.2 iburst minpoll 4 maxpoll 4 noselect");
  add (&m, "server 192.0.2.3 iburst minpoll 4 maxpoll 4");
  add (&m, "server 192.0.2.4 iburst minpoll 4 maxpoll 4");
  ntp_engine_start (m.e);
  NtpSourceReport r[4];
  ms_run (&m, 1.0, 0, NULL, NULL);
  for (unsigned i = 0; i < 4; i++)
    ntp_engine_get_source (m.e, i, &r[i]);
  assert_int_equal (r[0].verdict, NTP_SELECT_MISSING_SAMPLES);
  assert_int_equal (r[1].verdict, NTP_SELECT_NOSELECT);
  assert_int_equal (r[2].verdict, NTP_SELECT_UNSYNCHRONISED);
  ms_run (&m, 120, 0, NULL, NULL);
  for (unsigned i = 0; i < 4; i++)
    ntp_engine_get_source (m.e, i, &r[i]);
  assert_true ((r[0].verdict == NTP_SELECT_BEST && r[3].verdict == NTP_SELECT_COMBINED)
               || (r[3].verdict == NTP_SELECT_BEST && r[0].verdict == NTP_SELECT_COMBINED));
  assert_int_equal (r[1].verdict, NTP_SELECT_NOSELECT);
  assert_int_equal (r[2].verdict, NTP_SELECT_UNSYNCHRONISED);
  for (int i = 0; i < 4; i += 3) {
    assert_true (r[i].select_lo < r[i].stats_offset + 1e-4 && r[i].stats_offset - 1e-4 < r[i].select_hi);
    assert_true (r[i].select_hi - r[i].select_lo > 0 && r[i].select_hi - r[i].select_lo < 10e-3);
    assert_true (r[i].select_last_ago >= 0 && r[i].select_last_ago < 16.5);
    assert_true (r[i].select_score >= 1.0);
  }
  /* never selected: no interval */
  assert_true (r[2].select_lo == 0 && r[2].select_hi == 0 && r[2].select_score == 1.0);
  assert_true (ntp_engine_set_online (m.e, 3, false));
  ntp_engine_get_source (m.e, 3, &r[3]);
  assert_int_equal (r[3].verdict, NTP_SELECT_STALE);
  ms_run (&m, 200, 0, NULL, NULL);
  ntp_engine_get_source (m.e, 3, &r[3]);
  assert_int_equal (r[3].verdict, NTP_SELECT_STALE);
  ntp_engine_get_source (m.e, 0, &r[0]);
  assert_int_equal (r[0].verdict, NTP_SELECT_BEST);
  ntp_engine_free (m.e);
}

/* chrony's minstratum raises the stratum a source counts as; it stays usable. A stratum-1
 * server with `minstratum 3` beside a stratum-2 one at the same distance: the stratum-2 one
 * is selected (stratumweight), the other is still a truechimer; alone, it is followed, and
 * our stratum is 3 + 1. */
static void
minstratum_raises_the_stratum_and_keeps_the_source (void **state)
{
  (void) state;
  for (int alone = 0; alone < 2; alone++) {
    MiniSim m;
    ms_init (&m, 41, 0.01, 5.0);
    m.n_srv = alone ? 1 : 2;
    m.srv[0] = (MsServer) { .base_delay = 1e-3, .jitter = 20e-6, .stratum = 1 };
    m.srv[1] = (MsServer) { .base_delay = 1e-3, .jitter = 20e-6, .stratum = 2 };
    start_engine (&m, NULL);
    add (&m, "server 192.0.2.1 iburst minpoll 4 maxpoll 4 minstratum 3");
    if (!alone)
      add (&m, "server 192.0.2.2 iburst minpoll 4 maxpoll 4");
    ntp_engine_start (m.e);
    ms_run (&m, 600, 0, NULL, NULL);
    NtpTracking tr;
    NtpSourceReport r;
    ntp_engine_get_tracking (m.e, &tr);
    ntp_engine_get_source (m.e, 0, &r);
    assert_true (tr.synchronized);
    assert_int_equal (r.stratum, 3);
    assert_int_equal (r.reply.stratum, 1);          /* the packet's, as ntpdata shows it */
    if (alone) {
      assert_int_equal (tr.ref_source, 0);
      assert_int_equal (tr.stratum, 4);
    } else {
      assert_int_equal (tr.ref_source, 1);
      assert_int_equal (tr.stratum, 3);
      assert_true (r.state == NTP_STATE_COMBINED || r.state == NTP_STATE_NOT_COMBINED);
    }
    ntp_engine_free (m.e);
  }
}

/* Two sources under `reselectdist 0.01`, the second 2 ms nearer and added a minute after the
 * first, run to 300 s: the first stays selected, within reselectdist of the second. */
static void
start_two_sources_within_reselectdist (MiniSim *m)
{
  ms_init (m, 43, 0.001, 5.0);
  m->n_srv = 2;
  m->srv[0] = (MsServer) { .base_delay = 3e-3, .jitter = 10e-6, .stratum = 1 };
  m->srv[1] = (MsServer) { .base_delay = 1e-3, .jitter = 10e-6, .stratum = 1 };
  NtpConfig cfg;
  ntp_config_init (&cfg);
  char err[100];
  assert_int_equal (ntp_config_parse_line (&cfg, "reselectdist 0.01", err, sizeof err), 1);
  start_engine (m, &cfg);
  add (m, "server 192.0.2.1 iburst minpoll 4 maxpoll 4");
  ntp_engine_start (m->e);
  ms_run (m, 60, 0, NULL, NULL);
  add (m, "server 192.0.2.2 iburst minpoll 4 maxpoll 4");
  ms_run (m, 300, 0, NULL, NULL);
}

/* chronyc reselect: a source 2 ms nearer than the selected one, within `reselectdist 0.01`,
 * does not take over (its selectdata score says it is better); after ntp_engine_reselect it
 * does, and the selection keeps it. */
static void
reselect_lets_a_better_source_within_reselectdist_take_over (void **state)
{
  (void) state;
  MiniSim m;
  start_two_sources_within_reselectdist (&m);
  NtpTracking tr;
  NtpSourceReport r;
  ntp_engine_get_tracking (m.e, &tr);
  assert_int_equal (tr.ref_source, 0);
  ntp_engine_get_source (m.e, 1, &r);
  assert_int_equal (r.verdict, NTP_SELECT_COMBINED);
  assert_true (r.select_score > 1.2);
  ntp_engine_reselect (m.e);
  ntp_engine_get_tracking (m.e, &tr);
  assert_int_equal (tr.ref_source, 1);
  ntp_engine_get_source (m.e, 1, &r);
  assert_int_equal (r.verdict, NTP_SELECT_BEST);
  ms_run (&m, 600, 0, NULL, NULL);
  ntp_engine_get_tracking (m.e, &tr);
  assert_int_equal (tr.ref_source, 1);
  ntp_engine_free (m.e);
}

/* chronyc reselectdist DIST: the same two sources; lowering the margin while running lets the
 * nearer source take over at the next selection, without a reselect. A value the directive
 * refuses changes nothing. */
static void
reselectdist_set_while_running_applies_at_the_next_selection (void **state)
{
  (void) state;
  MiniSim m;
  start_two_sources_within_reselectdist (&m);
  char err[100];
  NtpTracking tr;
  ntp_engine_get_tracking (m.e, &tr);
  assert_int_equal (tr.ref_source, 0);
  assert_int_equal (ntp_engine_set_directive (m.e, "reselectdist", "-1", err, sizeof err), -1);
  assert_int_equal (ntp_engine_set_directive (m.e, "reselectdist", "x", err, sizeof err), -1);
  ms_run (&m, 400, 0, NULL, NULL);
  ntp_engine_get_tracking (m.e, &tr);
  assert_int_equal (tr.ref_source, 0);
  assert_int_equal (ntp_engine_set_directive (m.e, "reselectdist", "0.0001", err, sizeof err), 0);
  ms_run (&m, 440, 0, NULL, NULL);
  ntp_engine_get_tracking (m.e, &tr);
  assert_int_equal (tr.ref_source, 1);
  ntp_engine_free (m.e);
}

/* chronyc reset sources after a move to another network: the path to the server grows from
 * 1 to 15 ms each way. The reset drops every measurement at once (not synchronised, no sample,
 * an empty reach register, the frequency kept) and the samples of the new path are used from
 * the first: synchronised again within two minutes on them alone, the clock within 100 us.
 * Without the reset the old path's least delay would refuse the new samples (12 in a row,
 * over three minutes at this poll, before the statistics restart by themselves). */
static void
reset_sources_drops_the_measurements_and_keeps_the_frequency (void **state)
{
  (void) state;
  MiniSim m;
  ms_init (&m, 44, 0.001, 20.0);
  m.n_srv = 1;
  m.srv[0] = (MsServer) { .base_delay = 1e-3, .jitter = 10e-6, .stratum = 1 };
  start_engine (&m, NULL);
  add (&m, "server 192.0.2.1 iburst minpoll 4 maxpoll 4");
  ntp_engine_start (m.e);
  ms_run (&m, 600, 0, NULL, NULL);
  NtpTracking tr;
  NtpSourceReport r;
  double freq_before, skew, freq_after;
  ntp_engine_get_tracking (m.e, &tr);
  assert_true (tr.synchronized);
  ntp_engine_get_source (m.e, 0, &r);
  assert_true (r.samples >= 8);
  assert_int_equal (r.reach, 0xff);
  ntp_engine_get_drift (m.e, &freq_before, &skew);

  int sent_before = m.sent;
  m.srv[0].base_delay = 15e-3;
  ntp_engine_reset_sources (m.e);
  ntp_engine_get_tracking (m.e, &tr);
  assert_false (tr.synchronized);
  assert_int_equal (tr.ref_source, -1);
  ntp_engine_get_source (m.e, 0, &r);
  assert_int_equal (r.samples, 0);
  assert_int_equal (r.reach, 0);
  assert_true (r.last_rx_ago < 0);
  assert_int_equal (r.state, NTP_STATE_UNUSABLE);
  ntp_engine_get_drift (m.e, &freq_after, &skew);
  assert_true (freq_after == freq_before);

  ms_run (&m, 720, 0, NULL, NULL);
  ntp_engine_get_tracking (m.e, &tr);
  ntp_engine_get_source (m.e, 0, &r);
  assert_true (tr.synchronized);
  assert_int_equal (tr.ref_source, 0);
  /* only the new path's: at most one per 16 s poll since the reset */
  /* only the new path's (an iburst source takes its burst at the first reply, as back from
   * an outage) */
  assert_true (r.samples >= 3 && r.samples <= m.sent - sent_before);
  assert_true (r.reach != 0);
  assert_true (fabs (ms_error (&m)) < 100e-6);
  ntp_engine_free (m.e);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (one_server_converges),
    cmocka_unit_test (leapsecmode_system_step_slew_ignore),
    cmocka_unit_test (leap_table_arms_what_the_sources_do_not_announce),
    cmocka_unit_test (maxdelayquant_keeps_the_fast_replies),
    cmocka_unit_test (unreachable_source_stays_while_fresh_and_maxunreach_ends_it),
    cmocka_unit_test (lone_silent_source_ends_synchronization),
    cmocka_unit_test (clock_stepped_by_someone_else_is_corrected_at_the_next_poll),
    cmocka_unit_test (seed_ec2_link_local_is_selected),
    cmocka_unit_test (makestep_steps_a_large_initial_offset),
    cmocka_unit_test (panic_bound_holds_without_makestep),
    cmocka_unit_test (makestep_set_while_running_steps_at_the_next_update),
    cmocka_unit_test (falseticker_is_rejected),
    cmocka_unit_test (first_step_waits_for_the_other_sources),
    cmocka_unit_test (spoofed_packets_have_no_effect),
    cmocka_unit_test (kod_deny_stops_the_source_and_rate_slows_it),
    cmocka_unit_test (iburst_with_drift_file_syncs_in_seconds),
    cmocka_unit_test (outage_recovers),
    cmocka_unit_test (leap_second_armed_by_majority),
    cmocka_unit_test (leap_second_not_armed_by_one_source_at_startup),
    cmocka_unit_test (leap_second_vote_ignores_sources_gone_for_good),
    cmocka_unit_test (noselect_and_distant_sources_are_never_selected),
    cmocka_unit_test (burst_remove_and_reports),
    cmocka_unit_test (delay_ratios_and_maxsamples_are_honoured),
    cmocka_unit_test (ignored_options_are_logged),
    cmocka_unit_test (copy_takes_the_servers_refid_and_stratum),
    cmocka_unit_test (maxjitter_marks_too_variable),
    cmocka_unit_test (minsamples_is_honoured),
    cmocka_unit_test (global_minsamples_is_the_sources_default),
    cmocka_unit_test (maxdrift_bounds_the_frequency_correction),
    cmocka_unit_test (statistics_logs_and_logchange),
    cmocka_unit_test (transmit_before_receive_within_precision_is_accepted),
    cmocka_unit_test (report_carries_the_last_valid_reply),
    cmocka_unit_test (request_transmit_timestamp_is_random),
    cmocka_unit_test (requests_are_spaced_by_a_random_0_to_2_percent),
    cmocka_unit_test (maxchange_exhausted_stops_the_engine),
    cmocka_unit_test (authenticated_requests_carry_the_key_and_its_digest),
    cmocka_unit_test (a_key_without_a_mac_sends_nothing),
    cmocka_unit_test (replies_without_the_keys_mac_are_refused),
    cmocka_unit_test (presend_warms_up_two_seconds_before_each_request),
    cmocka_unit_test (asymmetry_corrects_the_offset_by_the_delays_rise),
    cmocka_unit_test (unset_asymmetry_is_estimated_from_the_samples),
    cmocka_unit_test (system_time_ages_as_the_slew_goes_on),
    cmocka_unit_test (root_dispersion_ages_with_maxclockerror),
    cmocka_unit_test (selectdata_verdicts_of_the_engine),
    cmocka_unit_test (minstratum_raises_the_stratum_and_keeps_the_source),
    cmocka_unit_test (reselect_lets_a_better_source_within_reselectdist_take_over),
    cmocka_unit_test (reselectdist_set_while_running_applies_at_the_next_selection),
    cmocka_unit_test (reset_sources_drops_the_measurements_and_keeps_the_frequency),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
