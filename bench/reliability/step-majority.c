/* SPDX-License-Identifier: GPL-2.0-or-later */
/* step-majority — does a step spoil the frequency estimate of a short run? The
 * hostile-net "majority" case (tests/hostile-net) in the unit tests' deterministic world
 * (tests/unit/ntp/mini-sim.h): a clock 23 ppm fast, one honest server and two agreeing 0.2 s
 * ahead, `iburst minpoll 1 maxpoll 2`, `makestep 0.1 3`, 20 s. Two starts, each over the same
 * seeds: at true time (so the first update steps 0.2 s to the majority) and already 0.2 s
 * ahead (no step). For each network jitter (mean of the exponential extra delay each way,
 * on 30 us) it prints the RMS and 95th percentile of |frequency error| after 20 s and how many
 * runs exceed 15 ppm, side by side. If the step's handling (samples taken before it,
 * estimates spanning it) biased the frequency, the step column would be worse at every jitter.
 *
 *   step-majority [SEEDS [SECONDS]]     (defaults 300, 20)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mini-sim.h"

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
freq_error (uint64_t seed, double offset0, double jitter, double run_s, int *steps)
{
  static const char *const lines[] = { "server 192.0.2.1 iburst minpoll 1 maxpoll 2",
                                       "server 192.0.2.5 iburst minpoll 1 maxpoll 2",
                                       "server 192.0.2.6 iburst minpoll 1 maxpoll 2" };
  MiniSim m;
  NtpConfig cfg;
  NtpTracking tr;
  char err[200];

  ms_init (&m, seed, offset0, 23.0);
  m.n_srv = 3;
  for (int i = 0; i < 3; i++)
    m.srv[i] = (MsServer) { .offset = i == 0 ? 0.0 : 0.2, .base_delay = 30e-6,
                            .jitter = jitter, .stratum = 1 };
  NtpEnv env = ms_env (&m);
  ntp_config_init (&cfg);
  if (ntp_config_parse_line (&cfg, "makestep 0.1 3", err, sizeof err) != 1)
    abort ();
  m.e = ntp_engine_new (&env, &cfg);
  for (int i = 0; i < 3; i++)
    {
      NtpSourceConfig sc;
      if (ntp_source_config_parse (&sc, lines[i], err, sizeof err) != 0 ||
          ntp_engine_add_source (m.e, &sc) < 0)
        abort ();
    }
  ntp_engine_start (m.e);
  ms_run (&m, run_s, 0, NULL, NULL);
  ntp_engine_get_tracking (m.e, &tr);
  *steps = m.steps;
  ntp_engine_free (m.e);
  return tr.freq_ppm - 23.0;
}

int
main (int argc, char **argv)
{
  int seeds = argc > 1 ? atoi (argv[1]) : 300;
  double run_s = argc > 2 ? atof (argv[2]) : 20.0;
  static const double jitters[] = { 20e-6, 100e-6, 300e-6, 1e-3 };
  double *e = calloc ((size_t) seeds, sizeof *e);

  (void) ms_error;
  if (seeds < 10 || e == NULL)
    return 2;
  printf ("majority case, %d seeds, %.0f s; |frequency error| in ppm\n", seeds, run_s);
  printf ("%10s  %-32s  %-32s\n", "jitter", "start at true time (steps 0.2 s)",
          "start 0.2 s ahead (no step)");
  for (size_t j = 0; j < sizeof jitters / sizeof jitters[0]; j++)
    {
      printf ("%8.0f us", jitters[j] * 1e6);
      for (int start = 0; start < 2; start++)
        {
          double s2 = 0;
          int over = 0, stepped = 0;
          for (int s = 0; s < seeds; s++)
            {
              int steps;
              e[s] = fabs (freq_error ((uint64_t) s + 1, start ? 0.2 : 0.0, jitters[j], run_s,
                                       &steps));
              s2 += e[s] * e[s];
              over += e[s] > 15.0;
              stepped += steps > 0;
            }
          qsort (e, (size_t) seeds, sizeof *e, cmp_double);
          printf ("  rms %6.2f p95 %6.2f >15: %3d (%3d stepped)", sqrt (s2 / seeds),
                  e[(int) (0.95 * (seeds - 1))], over, stepped);
        }
      printf ("\n");
    }
  free (e);
  return 0;
}
