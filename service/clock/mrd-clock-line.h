/* mrd-clock-line.h — the software clocks' arithmetic (clock/mrd-clock-virtual.c and
 * privsep/mrd-clock-shared.c): a reading as a function of the host's clock.
 *
 * The clock is a line through one anchor: it read base_ns when the host's clock read
 * base_host, and since then it advances (1 + (error + correction) x 1e-6) times as fast,
 * error being the deliberate frequency error of the virtual clock and correction what set_freq
 * set. A planned change of the correction (a slew the clock ends itself,
 * mrd_clock_set_freq_until) bends the line once, at host time plan_host. Every function here
 * is pure, so two processes reading one state compute the same reading, and a reader never
 * needs to write.
 *
 * The host's clock is CLOCK_REALTIME in the daemon (mrd-clock-virtual.c says why); unit tests
 * hand in a time source of their own.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gint64 base_ns;          /* the reading at the anchor */
  gint64 base_host;        /* the host's clock at the anchor */
  double error_ppm;        /* the deliberate frequency error */
  double freq_ppm;         /* the correction in force from the anchor on */
  gint64 plan_host;        /* host time from which plan_freq_ppm applies; G_MAXINT64 = none */
  double plan_freq_ppm;    /* the correction from plan_host on */
} MrdClockLine;

/* A line reading @start_ns at @host, running @error_ppm off, with no correction. */
void   mrd_clock_line_init       (MrdClockLine *line, gint64 start_ns, gint64 host,
                                  double error_ppm);
/* The reading at host time @host. */
gint64 mrd_clock_line_read       (const MrdClockLine *line, gint64 host);
/* The correction in force at @host, ppm. */
double mrd_clock_line_freq_at    (const MrdClockLine *line, gint64 host);
/* The clock's rate against the host's clock at @host. */
double mrd_clock_line_rate_at    (const MrdClockLine *line, gint64 host);
/* The first host instant (at or after the anchor) at which the line reads at least
 * @reading, so that a timer set there never fires before the clock gets there. */
gint64 mrd_clock_line_host_at    (const MrdClockLine *line, gint64 reading);
/* Move the anchor to @host, where the clock is to read @reading from now on (its own reading
 * there, or another for a step); a planned change already past is made part of the line. */
void   mrd_clock_line_anchor     (MrdClockLine *line, gint64 host, gint64 reading);
/* The correction @freq_ppm from the anchor on, with no planned change (re-anchor first). */
void   mrd_clock_line_set_freq   (MrdClockLine *line, double freq_ppm);
/* From the anchor, the correction @freq_ppm until the line reads @until_ns, then @then_ppm
 * (re-anchor first). An end not ahead of the anchor's reading sets @then_ppm at once. */
void   mrd_clock_line_plan       (MrdClockLine *line, double freq_ppm, gint64 until_ns,
                                  double then_ppm);

G_END_DECLS
