/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-world.h — one run of a scenario: the discrete-event loop, the network, the servers, the
 * spoofer, and the figures of merit computed from the client clock's TRUE error. */
#pragma once

#include "sim-client.h"
#include "sim-scenario.h"

#include <stdio.h>

/* |error| under this counts as converged (the seed setup's "within 1 ms") */
#define SIM_CONV_THRESHOLD 1e-3
/* chrony's check_sync also needs |frequency error| <= 500 ppm (test/simulation/test.common) */
#define SIM_SYNC_FREQ_LIMIT 500.0

typedef struct {
  uint64_t seed;
  const SimClientOps *client;
  double duration;        /* > 0 overrides the scenario's */
  bool no_spoof;          /* leave the forger out (to compare with and without) */
  FILE *csv;              /* "t,error_s,freq_error_ppm" per sample, or NULL */
  FILE *log;              /* the client's log lines, or NULL */
  /* called at every sample with the true error (s) and total frequency error (ppm) */
  void (*on_sample) (void *ud, double t, double error_s, double freq_error_ppm);
  void *sample_ud;
} SimRunOptions;

typedef struct {
  char error[256];        /* empty when the run completed */
  double duration;
  double conv_time;       /* s until |error| < 1 ms for good; INFINITY = never */
  double sync_time;       /* as conv_time, also |frequency error| <= 500 ppm (chrony's rule) */
  double win_from, win_to;
  long win_samples;
  double rms, max_abs, mean;   /* of the true error over the window, s */
  double rms_freq;        /* RMS of the clock's total frequency error over the window, ppm */
  double max_freq;        /* max |total frequency error| over the window, ppm */
  double final_error;     /* s */
  double freq_est, freq_true, freq_err;   /* ppm: client's estimate, truth, difference */
  int n_sources;
  char states[SIM_MAX_SERVERS + 1];
  unsigned long sent, received, forged, lost, timers, steps;
  unsigned long freq_clipped;   /* set_freq beyond the clock's limit (maxfreq) */
  unsigned long sent_to[SIM_MAX_SERVERS];   /* requests per server */
  double step_total;      /* s, sum of |steps| */
  int leap_armed;         /* the client's last set_leap: +1 insert, −1 delete, 0 none */
  unsigned leap_calls;    /* set_leap calls */
  int leap_applied;       /* the leap second the simulated kernel applied at the day's end */
} SimResult;

void sim_run_options_init (SimRunOptions *opt);
/* false (and res->error) when the client could not be set up or misbehaved (e.g. a timer loop). */
bool sim_run (const SimScenario *scn, const SimRunOptions *opt, SimResult *res);
void sim_result_print (const SimScenario *scn, const SimRunOptions *opt, const SimResult *res, FILE *out);
