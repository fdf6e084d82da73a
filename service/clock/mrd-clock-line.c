/* mrd-clock-line.c — see mrd-clock-line.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-clock-line.h"

#include <math.h>

static double
rate_error (const MrdClockLine *line, double freq_ppm)
{
  return (line->error_ppm + freq_ppm) * 1e-6;
}

/* The reading at @host on the first segment (the anchor's correction). */
static gint64
read_first (const MrdClockLine *line, gint64 host)
{
  gint64 elapsed = host - line->base_host;

  return line->base_ns + elapsed
         + (gint64) llround ((double) elapsed * rate_error (line, line->freq_ppm));
}

void
mrd_clock_line_init (MrdClockLine *line, gint64 start_ns, gint64 host, double error_ppm)
{
  line->base_ns = start_ns;
  line->base_host = host;
  line->error_ppm = error_ppm;
  line->freq_ppm = 0.0;
  line->plan_host = G_MAXINT64;
  line->plan_freq_ppm = 0.0;
}

gint64
mrd_clock_line_read (const MrdClockLine *line, gint64 host)
{
  gint64 bend, elapsed;

  if (host <= line->plan_host)
    return read_first (line, host);
  bend = read_first (line, line->plan_host);
  elapsed = host - line->plan_host;
  return bend + elapsed
         + (gint64) llround ((double) elapsed * rate_error (line, line->plan_freq_ppm));
}

double
mrd_clock_line_freq_at (const MrdClockLine *line, gint64 host)
{
  return host < line->plan_host ? line->freq_ppm : line->plan_freq_ppm;
}

double
mrd_clock_line_rate_at (const MrdClockLine *line, gint64 host)
{
  return 1.0 + rate_error (line, mrd_clock_line_freq_at (line, host));
}

/* The first @host from @from_host, on a segment reading @from_ns there at @rate, at which the
 * reading is at least @reading. */
static gint64
solve (gint64 from_host, gint64 from_ns, double rate, gint64 reading)
{
  gint64 host;

  if (reading <= from_ns)
    return from_host;
  host = from_host + (gint64) ceil ((double) (reading - from_ns) / rate);
  return host;
}

gint64
mrd_clock_line_host_at (const MrdClockLine *line, gint64 reading)
{
  gint64 host, bend;

  if (line->plan_host == G_MAXINT64 || reading <= (bend = read_first (line, line->plan_host)))
    host = solve (line->base_host, line->base_ns,
                  1.0 + rate_error (line, line->freq_ppm), reading);
  else
    host = solve (line->plan_host, bend, 1.0 + rate_error (line, line->plan_freq_ppm), reading);
  /* The division and the reading round: the first instant is within a few ns, found by
   * stepping (a timer a nanosecond early is a wake-up for nothing). */
  while (mrd_clock_line_read (line, host) < reading)
    host++;
  while (host > line->base_host && mrd_clock_line_read (line, host - 1) >= reading)
    host--;
  return host;
}

void
mrd_clock_line_anchor (MrdClockLine *line, gint64 host, gint64 reading)
{
  if (host >= line->plan_host)
    {
      line->freq_ppm = line->plan_freq_ppm;
      line->plan_host = G_MAXINT64;
    }
  line->base_host = host;
  line->base_ns = reading;
}

void
mrd_clock_line_set_freq (MrdClockLine *line, double freq_ppm)
{
  line->freq_ppm = freq_ppm;
  line->plan_host = G_MAXINT64;
}

void
mrd_clock_line_plan (MrdClockLine *line, double freq_ppm, gint64 until_ns, double then_ppm)
{
  line->plan_host = G_MAXINT64;
  if (until_ns <= line->base_ns)
    {
      line->freq_ppm = then_ppm;
      return;
    }
  line->freq_ppm = freq_ppm;
  line->plan_freq_ppm = then_ppm;
  line->plan_host = mrd_clock_line_host_at (line, until_ns);
}
