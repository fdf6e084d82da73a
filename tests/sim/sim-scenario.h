/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-scenario.h — a scenario: the simulated world, read from a small text file.
 *
 * Format (one directive a line; `#` starts a comment; times in seconds, frequencies in ppm;
 * numbers take C syntax, so 100e-6 works). See scenarios/README.md for the full list:
 *
 *   name seed-ec2
 *   duration 3600                 simulated seconds
 *   sample 0.1                    how often the true error is sampled (default 1)
 *   window 600 3600               RMS/max over this span (default: from convergence to the end)
 *   clock offset 0.5 freq -23.054 wander 0 maxfreq 83333
 *   conf makestep 1 3             a chrony.conf directive for the engine, as written
 *   drift 100 1.0                 start from a drift file with this frequency and skew
 *   server ADDR [chrony options] | [model attributes]
 *   down ADDR FROM TO             the server does not answer in [FROM, TO)
 *   kod ADDR RATE|DENY|RSTR FROM TO
 *   spoof ADDR [offset S]         a third party forges replies "from" ADDR
 *   netdown FROM TO               no packet gets through in [FROM, TO)
 *   netperiodic PERIOD UP FROM    from FROM on, the network is up only in the first UP s of
 *                                 every PERIOD (counted from t = 0)
 *   start UNIX_SECONDS            the UTC time of t = 0 (default 2026-01-01T00:00:00Z)
 *   utcleap insert|delete         UTC has a leap second at the end of the day the run starts in
 *   runs 100                      runs (seeds) the bench makes of this scenario
 *   chrony MEAN SD                chrony's published figure (µs), printed beside ours
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_SERVERS 16
#define SIM_MAX_WINDOWS 8
#define SIM_MAX_CONF 16
#define SIM_LINE_MAX 512

typedef struct {
  double from, to;
} SimWindow;

typedef enum { SIM_JITTER_EXP = 0, SIM_JITTER_GAUSS } SimJitterDist;

typedef struct {
  SimWindow w;
  char code[5];          /* "RATE", "DENY", "RSTR" */
} SimKod;

typedef struct {
  char addr[128];        /* the second word of the source line; names it in down/kod/spoof */
  char line[SIM_LINE_MAX]; /* the chrony.conf source line given to the client */
  /* the server's clock and what it says of itself */
  double offset;         /* s, its clock minus true time */
  double ts_noise;       /* s, σ of Gaussian noise on its timestamps */
  int stratum;           /* 1..15 */
  int leap;              /* LI field: 0 none, 1 insert, 2 delete, 3 unsynchronized */
  char refid[5];
  double root_delay, root_disp;
  int precision;         /* log2 s */
  double proc;           /* s between its receive and transmit timestamps */
  bool fill_random;      /* the bits of its timestamps below its precision are random (as
                          * chronyd fills them), not the exact time */
  /* the path to it */
  double delay_out, delay_in;     /* s, one way, fixed part */
  double jitter_out, jitter_in;   /* s, scale of the random part */
  SimJitterDist dist;
  double loss;           /* probability a packet (either way) is lost */
  SimWindow down[SIM_MAX_WINDOWS];
  int n_down;
  SimKod kod[SIM_MAX_WINDOWS];
  int n_kod;
  bool spoof;
  double spoof_offset;   /* s, the time the forger claims, relative to true time */
} SimServer;

typedef struct {
  char name[64];
  char path[1024];
  int64_t start_unix;       /* Unix time of t = 0 */
  int utc_leap;             /* +1: UTC inserts a leap second at the end of the first day, -1 deletes */
  double duration;
  double sample;
  double win_from, win_to;  /* win_from < 0: from convergence */
  double clock_offset, clock_freq, wander, max_freq;
  double tick;              /* s: set_freq takes effect at the next multiple of this (0 = at once) */
  char conf[SIM_MAX_CONF][SIM_LINE_MAX];
  int n_conf;
  bool have_drift;
  double drift_freq, drift_skew;
  SimServer servers[SIM_MAX_SERVERS];
  int n_servers;
  SimWindow netdown[SIM_MAX_WINDOWS];
  int n_netdown;
  double net_period, net_up, net_from;  /* net_period <= 0: no periodic outage */
  int runs;
  bool has_chrony;
  double chrony_mean, chrony_sd;        /* µs */
} SimScenario;

/* Parse text (path is only for messages). false with err filled ("file:line: what"). */
bool sim_scenario_parse (SimScenario *scn, const char *text, const char *path, char *err, size_t errlen);
bool sim_scenario_load (SimScenario *scn, const char *path, char *err, size_t errlen);

/* True time of the end of the UTC day the run starts in (where `utcleap` happens). */
double sim_scenario_leap_time (const SimScenario *scn);
/* UTC minus continuous true time at t: 0, or −1 after an inserted leap second (+1 deleted). */
double sim_scenario_utc_shift (const SimScenario *scn, double t);

/* Whether the network lets a packet through at true time t. */
bool sim_scenario_net_up (const SimScenario *scn, double t);
/* Index of the server with this address, or -1. */
int sim_scenario_find_server (const SimScenario *scn, const char *addr);
