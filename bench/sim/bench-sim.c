/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-sim — every shipped simulator scenario, many seeds each, through the Meridian NTP core
 * and through the SNTP-style reference client, printed as one table; for chrony's twelve
 * comparison cells, chrony 4.2's published mean ± SD beside ours and whether we beat it.
 *
 *   bench-sim [--quick] [--runs N] [-j N] [--only NAME] [--dir SCENARIO_DIR]
 *
 * Runs are spread over -j worker processes (default: the CPUs online, at most 8); every run is
 * deterministic for its seed (seeds 1..N), so the table is the same whatever -j is.
 */
#include "sim-world.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SIM_SCENARIO_DIR
#define SIM_SCENARIO_DIR "tests/sim/scenarios"
#endif

/* The order of the table. */
static const char *const scenario_names[] = {
  "seed-ec2",
  "seed-ec2-500ppm",
  "chrony-defaults",
  "subprecision",
  "chrony-iburst-drift",
  "chrony-t1-10us", "chrony-t1-100us", "chrony-t1-1ms", "chrony-t1-10ms",
  "chrony-t2-10us", "chrony-t2-100us", "chrony-t2-1ms", "chrony-t2-10ms",
  "chrony-t3-10us", "chrony-t3-100us", "chrony-t3-1ms", "chrony-t3-10ms",
  "falseticker",
  "asymmetry",
  "outage",
  "spoof",
  "kod",
  "leap",
};
#define N_SCENARIOS (sizeof scenario_names / sizeof scenario_names[0])

typedef struct {
  int scenario;
  int client;        /* 0 meridian, 1 sntp */
  int seed;
} Job;

typedef struct {
  int job;
  int ok;
  double rms, max_abs, conv, freq_err;
  char states[SIM_MAX_SERVERS + 1];
  char error[256];
} Outcome;

static SimScenario scenarios[N_SCENARIOS];
static bool wanted[N_SCENARIOS];

static Outcome
do_job (const Job *j, int index)
{
  Outcome o = { .job = index };
  SimRunOptions opt;
  sim_run_options_init (&opt);
  opt.seed = (uint64_t) j->seed;
  opt.client = j->client ? &sim_client_sntp : &sim_client_meridian;
  SimResult r;
  o.ok = sim_run (&scenarios[j->scenario], &opt, &r);
  o.rms = r.rms;
  o.max_abs = r.max_abs;
  o.conv = r.conv_time;
  o.freq_err = r.freq_err;
  snprintf (o.states, sizeof o.states, "%s", r.states);
  snprintf (o.error, sizeof o.error, "%s", r.error);
  return o;
}

static bool
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return false;
      p += w;
      len -= (size_t) w;
    }
  return true;
}

/* Runs every job, in `workers` processes; fills out[] (indexed by job). */
static bool
run_jobs (const Job *jobs, int n, Outcome *out, int workers)
{
  if (workers <= 1)
    {
      for (int i = 0; i < n; i++)
        out[i] = do_job (&jobs[i], i);
      return true;
    }
  int fds[64];
  pid_t pids[64];
  for (int w = 0; w < workers; w++)
    {
      int p[2];
      if (pipe (p) != 0)
        return false;
      fflush (NULL);
      pid_t pid = fork ();
      if (pid < 0)
        return false;
      if (pid == 0)
        {
          close (p[0]);
          for (int i = w; i < n; i += workers)
            {
              Outcome o = do_job (&jobs[i], i);
              if (!write_all (p[1], &o, sizeof o))
                _exit (1);
            }
          _exit (0);
        }
      close (p[1]);
      fds[w] = p[0];
      pids[w] = pid;
    }
  /* collect with poll(), so no worker waits on a full pipe while we read another */
  struct pollfd pfd[64];
  int open_fds = workers;
  size_t have[64] = { 0 };
  Outcome partial[64];
  for (int w = 0; w < workers; w++)
    pfd[w] = (struct pollfd) { .fd = fds[w], .events = POLLIN };
  while (open_fds > 0)
    {
      if (poll (pfd, (nfds_t) workers, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return false;
        }
      for (int w = 0; w < workers; w++)
        {
          if (pfd[w].fd < 0 || !(pfd[w].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
          ssize_t r = read (pfd[w].fd, (char *) &partial[w] + have[w], sizeof (Outcome) - have[w]);
          if (r <= 0)
            {
              close (pfd[w].fd);
              pfd[w].fd = -1;
              open_fds--;
              continue;
            }
          have[w] += (size_t) r;
          if (have[w] == sizeof (Outcome))
            {
              if (partial[w].job >= 0 && partial[w].job < n)
                out[partial[w].job] = partial[w];
              have[w] = 0;
            }
        }
    }
  bool ok = true;
  for (int w = 0; w < workers; w++)
    {
      int status;
      waitpid (pids[w], &status, 0);
      ok &= WIFEXITED (status) && WEXITSTATUS (status) == 0;
    }
  return ok;
}

typedef struct {
  double rms_mean, rms_sd, max_mean, conv_mean, freq_mean;
  int n, failed, never;
  char states[SIM_MAX_SERVERS + 1];
  char error[256];
} Agg;

static Agg
aggregate (const Outcome *out, const Job *jobs, int n, int scenario, int client)
{
  Agg a = { 0 };
  double s = 0, s2 = 0, smax = 0, sconv = 0, sf = 0;
  int nconv = 0;
  for (int i = 0; i < n; i++)
    {
      if (jobs[i].scenario != scenario || jobs[i].client != client)
        continue;
      const Outcome *o = &out[i];
      if (!o->ok)
        {
          a.failed++;
          if (!a.error[0])
            snprintf (a.error, sizeof a.error, "%s", o->error);
          continue;
        }
      if (jobs[i].seed == 1)
        snprintf (a.states, sizeof a.states, "%s", o->states);
      if (!isfinite (o->rms))
        {
          a.never++;
          continue;
        }
      a.n++;
      s += o->rms * 1e6;
      s2 += o->rms * 1e6 * o->rms * 1e6;
      smax += o->max_abs * 1e6;
      sf += fabs (o->freq_err);
      if (isfinite (o->conv))
        {
          sconv += o->conv;
          nconv++;
        }
      else
        a.never++;
    }
  if (a.n)
    {
      a.rms_mean = s / a.n;
      a.rms_sd = a.n > 1 ? sqrt (fmax (0, (s2 - s * s / a.n) / (a.n - 1))) : 0;
      a.max_mean = smax / a.n;
      a.freq_mean = sf / a.n;
    }
  a.conv_mean = nconv ? sconv / nconv : INFINITY;
  return a;
}

static void
fmt_us (char *buf, size_t len, double mean, double sd, int n)
{
  if (!n)
    snprintf (buf, len, "-");
  else if (mean >= 10000)
    snprintf (buf, len, "%.0f±%.0f", mean, sd);
  else if (mean >= 100)
    snprintf (buf, len, "%.0f±%.0f", mean, sd);
  else
    snprintf (buf, len, "%.1f±%.1f", mean, sd);
}

static void
fmt_conv (char *buf, size_t len, double conv, int never)
{
  if (isinf (conv))
    snprintf (buf, len, "never");
  else if (never)
    snprintf (buf, len, "%.0f(%d∞)", conv, never);
  else
    snprintf (buf, len, "%.1f", conv);
}

int
main (int argc, char **argv)
{
  const char *dir = SIM_SCENARIO_DIR;
  bool quick = false;
  int runs_override = 0, workers = 0;
  const char *only = NULL;
  for (int i = 1; i < argc; i++)
    {
      if (!strcmp (argv[i], "--quick"))
        quick = true;
      else if (!strcmp (argv[i], "--runs") && i + 1 < argc)
        runs_override = atoi (argv[++i]);
      else if (!strcmp (argv[i], "-j") && i + 1 < argc)
        workers = atoi (argv[++i]);
      else if (!strcmp (argv[i], "--only") && i + 1 < argc)
        only = argv[++i];
      else if (!strcmp (argv[i], "--dir") && i + 1 < argc)
        dir = argv[++i];
      else if (!strcmp (argv[i], "-h") || !strcmp (argv[i], "--help"))
        {
          printf ("usage: bench-sim [--quick] [--runs N] [-j N] [--only NAME] [--dir DIR]\n"
                  "  --quick    10 seeds per chrony cell, 3 for the other scenarios\n"
                  "  --runs N   N seeds for every scenario (default: each file's `runs`)\n"
                  "  -j N       worker processes (default: CPUs online, at most 8)\n"
                  "  --only S   just scenario S\n"
                  "  --dir D    where the .scn files are (default: the source tree's)\n");
          return 0;
        }
      else
        {
          fprintf (stderr, "usage: bench-sim [--quick] [--runs N] [-j N] [--only NAME] [--dir DIR]\n");
          return 2;
        }
    }
  if (workers <= 0)
    {
      long cpus = sysconf (_SC_NPROCESSORS_ONLN);
      workers = cpus > 0 ? (int) (cpus > 8 ? 8 : cpus) : 1;
    }
  if (workers > 64)
    workers = 64;

  int total = 0;
  for (size_t s = 0; s < N_SCENARIOS; s++)
    {
      char path[2048], err[512];
      snprintf (path, sizeof path, "%s/%s.scn", dir, scenario_names[s]);
      if (!sim_scenario_load (&scenarios[s], path, err, sizeof err))
        {
          fprintf (stderr, "bench-sim: %s\n", err);
          return 1;
        }
      wanted[s] = !only || !strcmp (only, scenario_names[s]);
      int runs = runs_override > 0 ? runs_override : scenarios[s].runs;
      if (quick && runs_override <= 0)
        runs = scenarios[s].has_chrony ? 10 : 3;
      scenarios[s].runs = runs;
      if (wanted[s])
        total += 2 * runs;
    }
  if (total == 0)
    {
      fprintf (stderr, "bench-sim: no scenario named '%s'\n", only ? only : "");
      return 2;
    }
  Job *jobs = calloc ((size_t) total, sizeof *jobs);
  Outcome *out = calloc ((size_t) total, sizeof *out);
  int n = 0;
  /* longest first (Test 3 runs for six days), so the workers finish together */
  for (int pass = 0; pass < 2; pass++)
    for (size_t s = 0; s < N_SCENARIOS; s++)
      {
        bool long_one = scenarios[s].duration > 200000;
        if (!wanted[s] || long_one != (pass == 0))
          continue;
        for (int seed = 1; seed <= scenarios[s].runs; seed++)
          for (int c = 0; c < 2; c++)
            jobs[n++] = (Job) { .scenario = (int) s, .client = c, .seed = seed };
      }

  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  bool ok = run_jobs (jobs, n, out, workers);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  double wall = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;

  printf ("Meridian NTP simulator bench: %d runs (%s), %d worker(s), %.1f s wall\n", n,
          quick ? "quick" : "full", workers, wall);
  printf ("RMS and max: of the TRUE error, µs, mean±SD over seeds 1..N, over each scenario's window\n"
          "(chrony cells: 2000..102000 s; Test 3: days 2-6); conv: s until |error| < 1 ms for good;\n"
          "|df|: |frequency estimate - truth| at the end, ppm; states: seed 1, chronyc's symbols.\n\n");
  printf ("%-20s %4s | %-14s %-10s %-9s %-9s %-6s | %-14s %-9s | %-12s %s\n", "scenario", "runs",
          "Meridian RMS", "max", "conv", "|df|", "states", "SNTP RMS", "conv", "chrony 4.2", "beat");
  printf ("%.*s\n", 132, "------------------------------------------------------------------------------------------------------------------------------------------------");
  int beaten = 0, cells = 0;
  for (size_t s = 0; s < N_SCENARIOS; s++)
    {
      if (!wanted[s])
        continue;
      Agg m = aggregate (out, jobs, n, (int) s, 0);
      Agg q = aggregate (out, jobs, n, (int) s, 1);
      char mr[32], mx[32], mc[32], sr[32], sc[32], ch[32] = "", beat[8] = "";
      fmt_us (mr, sizeof mr, m.rms_mean, m.rms_sd, m.n);
      snprintf (mx, sizeof mx, m.n ? "%.0f" : "-", m.max_mean);
      fmt_conv (mc, sizeof mc, m.conv_mean, m.never);
      fmt_us (sr, sizeof sr, q.rms_mean, q.rms_sd, q.n);
      fmt_conv (sc, sizeof sc, q.conv_mean, q.never);
      if (scenarios[s].has_chrony)
        {
          snprintf (ch, sizeof ch, "%.0f±%.0f", scenarios[s].chrony_mean, scenarios[s].chrony_sd);
          bool b = m.n > 0 && m.failed == 0 && m.rms_mean < scenarios[s].chrony_mean;
          snprintf (beat, sizeof beat, "%s", b ? "yes" : "NO");
          beaten += b;
          cells++;
        }
      printf ("%-20s %4d | %-14s %-10s %-9s %-9.4f %-6s | %-14s %-9s | %-12s %s\n", scenario_names[s],
              scenarios[s].runs, mr, mx, mc, m.freq_mean, m.states, sr, sc, ch, beat);
      if (m.failed || q.failed)
        printf ("%-20s      ! %d Meridian / %d SNTP runs failed: %s\n", "", m.failed, q.failed,
                m.error[0] ? m.error : q.error);
    }
  if (cells)
    printf ("\nchrony comparison: Meridian's mean RMS below chrony 4.2's in %d of %d cells\n", beaten, cells);
  free (jobs);
  free (out);
  return ok ? 0 : 1;
}
