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

/* The reading at @mono on the first segment (the anchor's correction). */
static gint64
read_first (const MrdClockLine *line, gint64 mono)
{
  gint64 elapsed = mono - line->base_mono;

  return line->base_ns + elapsed
         + (gint64) llround ((double) elapsed * rate_error (line, line->freq_ppm));
}

void
mrd_clock_line_init (MrdClockLine *line, gint64 start_ns, gint64 mono, double error_ppm)
{
  line->base_ns = start_ns;
  line->base_mono = mono;
  line->error_ppm = error_ppm;
  line->freq_ppm = 0.0;
  line->plan_mono = G_MAXINT64;
  line->plan_freq_ppm = 0.0;
}

gint64
mrd_clock_line_read (const MrdClockLine *line, gint64 mono)
{
  gint64 bend, elapsed;

  if (mono <= line->plan_mono)
    return read_first (line, mono);
  bend = read_first (line, line->plan_mono);
  elapsed = mono - line->plan_mono;
  return bend + elapsed
         + (gint64) llround ((double) elapsed * rate_error (line, line->plan_freq_ppm));
}

double
mrd_clock_line_freq_at (const MrdClockLine *line, gint64 mono)
{
  return mono < line->plan_mono ? line->freq_ppm : line->plan_freq_ppm;
}

double
mrd_clock_line_rate_at (const MrdClockLine *line, gint64 mono)
{
  return 1.0 + rate_error (line, mrd_clock_line_freq_at (line, mono));
}

/* The first @mono from @from_mono, on a segment reading @from_ns there at @rate, at which the
 * reading is at least @reading. */
static gint64
solve (gint64 from_mono, gint64 from_ns, double rate, gint64 reading)
{
  gint64 mono;

  if (reading <= from_ns)
    return from_mono;
  mono = from_mono + (gint64) ceil ((double) (reading - from_ns) / rate);
  return mono;
}

gint64
mrd_clock_line_mono_at (const MrdClockLine *line, gint64 reading)
{
  gint64 mono, bend;

  if (line->plan_mono == G_MAXINT64 || reading <= (bend = read_first (line, line->plan_mono)))
    mono = solve (line->base_mono, line->base_ns,
                  1.0 + rate_error (line, line->freq_ppm), reading);
  else
    mono = solve (line->plan_mono, bend, 1.0 + rate_error (line, line->plan_freq_ppm), reading);
  /* The division and the reading round: the first instant is within a few ns, found by
   * stepping (a timer a nanosecond early is a wake-up for nothing). */
  while (mrd_clock_line_read (line, mono) < reading)
    mono++;
  while (mono > line->base_mono && mrd_clock_line_read (line, mono - 1) >= reading)
    mono--;
  return mono;
}

void
mrd_clock_line_anchor (MrdClockLine *line, gint64 mono, gint64 reading)
{
  if (mono >= line->plan_mono)
    {
      line->freq_ppm = line->plan_freq_ppm;
      line->plan_mono = G_MAXINT64;
    }
  line->base_mono = mono;
  line->base_ns = reading;
}

void
mrd_clock_line_set_freq (MrdClockLine *line, double freq_ppm)
{
  line->freq_ppm = freq_ppm;
  line->plan_mono = G_MAXINT64;
}

void
mrd_clock_line_plan (MrdClockLine *line, double freq_ppm, gint64 until_ns, double then_ppm)
{
  line->plan_mono = G_MAXINT64;
  if (until_ns <= line->base_ns)
    {
      line->freq_ppm = then_ppm;
      return;
    }
  line->freq_ppm = freq_ppm;
  line->plan_freq_ppm = then_ppm;
  line->plan_mono = mrd_clock_line_mono_at (line, until_ns);
}
