/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridian-sim — run a scenario through the simulated world and print what the client's
 * clock did, measured against true time.
 *
 *   meridian-sim [--seed N] [--seeds N] [--client meridian|sntp|both] [--duration S]
 *                [--csv FILE] [--log FILE|-] [--no-spoof] SCENARIO.scn
 */
#include "sim-world.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
usage (FILE *out)
{
  fprintf (out,
           "usage: meridian-sim [options] SCENARIO.scn\n"
           "  --seed N          first seed (default 1)\n"
           "  --seeds N         run N seeds and print mean and SD of the figures\n"
           "  --client NAME     meridian (default), sntp, or both\n"
           "  --duration S      override the scenario's duration\n"
           "  --csv FILE        write t,error_s,freq_error_ppm[,pending_s,ref_time_ns] per sample (single run)\n"
           "  --log FILE|-      write the client's log lines\n"
           "  --no-spoof        leave the scenario's forger out\n");
}

static void
mean_sd (const double *v, int n, double *mean, double *sd)
{
  double s = 0, s2 = 0;
  int k = 0;
  for (int i = 0; i < n; i++)
    if (isfinite (v[i]))
      {
        s += v[i];
        k++;
      }
  *mean = k ? s / k : NAN;
  for (int i = 0; i < n; i++)
    if (isfinite (v[i]))
      s2 += (v[i] - *mean) * (v[i] - *mean);
  *sd = k > 1 ? sqrt (s2 / (k - 1)) : 0.0;
}

static int
run_many (const SimScenario *scn, SimRunOptions *opt, int seeds)
{
  double *rms = calloc (seeds, sizeof *rms), *conv = calloc (seeds, sizeof *conv);
  double *maxe = calloc (seeds, sizeof *maxe), *ferr = calloc (seeds, sizeof *ferr);
  double timers = 0, sent = 0, hours = 0;
  int failed = 0;
  uint64_t first = opt->seed;
  for (int i = 0; i < seeds; i++)
    {
      SimResult res;
      opt->seed = first + (uint64_t) i;
      if (!sim_run (scn, opt, &res))
        {
          fprintf (stderr, "seed %" PRIu64 ": %s\n", opt->seed, res.error);
          failed++;
        }
      rms[i] = res.rms * 1e6;
      maxe[i] = res.max_abs * 1e6;
      conv[i] = res.conv_time;
      ferr[i] = fabs (res.freq_err);
      timers += res.timers;
      sent += res.sent;
      hours += (opt->duration > 0 ? opt->duration : scn->duration) / 3600.0;
    }
  double m, s;
  printf ("scenario %s, client %s, %d seeds from %" PRIu64 "\n", scn->name, opt->client->name, seeds, first);
  mean_sd (rms, seeds, &m, &s);
  printf ("  rms error   %10.3f ± %.3f us", m, s);
  if (scn->has_chrony)
    printf ("   (chrony 4.2: %.0f ± %.0f us)", scn->chrony_mean, scn->chrony_sd);
  printf ("\n");
  mean_sd (maxe, seeds, &m, &s);
  printf ("  max error   %10.3f ± %.3f us\n", m, s);
  int never = 0;
  for (int i = 0; i < seeds; i++)
    never += !isfinite (conv[i]);
  mean_sd (conv, seeds, &m, &s);
  printf ("  converged   %10.1f ± %.1f s (%d never)\n", m, s, never);
  mean_sd (ferr, seeds, &m, &s);
  printf ("  |freq err|  %10.6f ± %.6f ppm\n", m, s);
  /* the client's timer expiries beside its requests: a timer that fires for anything but a
   * transmission is a wake-up of its own */
  printf ("  timers      %10.1f per hour, %.1f requests per hour\n", timers / hours, sent / hours);
  free (rms);
  free (conv);
  free (maxe);
  free (ferr);
  return failed ? 1 : 0;
}

int
main (int argc, char **argv)
{
  SimRunOptions opt;
  sim_run_options_init (&opt);
  int seeds = 0;
  bool both = false;
  const char *csv = NULL, *log = NULL, *path = NULL;
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      const char *v = i + 1 < argc ? argv[i + 1] : NULL;
      if (!strcmp (a, "-h") || !strcmp (a, "--help"))
        {
          usage (stdout);
          return 0;
        }
      else if (!strcmp (a, "--no-spoof"))
        opt.no_spoof = true;
      else if (v && !strcmp (a, "--seed"))
        opt.seed = strtoull (argv[++i], NULL, 0);
      else if (v && !strcmp (a, "--seeds"))
        seeds = atoi (argv[++i]);
      else if (v && !strcmp (a, "--duration"))
        opt.duration = atof (argv[++i]);
      else if (v && !strcmp (a, "--csv"))
        csv = argv[++i];
      else if (v && !strcmp (a, "--log"))
        log = argv[++i];
      else if (v && !strcmp (a, "--client"))
        {
          i++;
          if (!strcmp (v, "meridian"))
            opt.client = &sim_client_meridian;
          else if (!strcmp (v, "sntp"))
            opt.client = &sim_client_sntp;
          else if (!strcmp (v, "both"))
            both = true;
          else
            {
              fprintf (stderr, "meridian-sim: unknown client '%s' (meridian, sntp, both)\n", v);
              return 2;
            }
        }
      else if (a[0] == '-' || path)
        {
          usage (stderr);
          return 2;
        }
      else
        path = a;
    }
  if (!path)
    {
      usage (stderr);
      return 2;
    }
  static SimScenario scn;
  char err[512];
  if (!sim_scenario_load (&scn, path, err, sizeof err))
    {
      fprintf (stderr, "meridian-sim: %s\n", err);
      return 2;
    }
  FILE *csvf = NULL, *logf = NULL;
  if (csv && !(csvf = fopen (csv, "w")))
    {
      perror (csv);
      return 2;
    }
  if (log)
    logf = !strcmp (log, "-") ? stdout : fopen (log, "w");
  opt.log = logf;
  int status = 0;
  const SimClientOps *clients[2] = { opt.client, &sim_client_sntp };
  if (both)
    clients[0] = &sim_client_meridian;
  for (int k = 0; k < (both ? 2 : 1); k++)
    {
      opt.client = clients[k];
      if (seeds > 0)
        {
          uint64_t s0 = opt.seed;
          status |= run_many (&scn, &opt, seeds);
          opt.seed = s0;
        }
      else
        {
          SimResult res;
          opt.csv = k == 0 ? csvf : NULL;
          if (!sim_run (&scn, &opt, &res))
            status = 1;
          sim_result_print (&scn, &opt, &res, stdout);
        }
      if (both && k == 0)
        printf ("\n");
    }
  if (csvf)
    fclose (csvf);
  if (logf && logf != stdout)
    fclose (logf);
  return status;
}
