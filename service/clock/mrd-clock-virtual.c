/* mrd-clock-virtual.c — a software clock over CLOCK_MONOTONIC.
 *
 * The clock is a line through one anchor point (clock/mrd-clock-line.h), bent once where a
 * slew planned with set_freq_until ends. Every change (step, set, new frequency) re-anchors at
 * "now", so earlier readings are never rewritten and the clock stays continuous across
 * frequency changes, like a kernel clock under adjtimex(2).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-clock.h"
#include "mrd-clock-line.h"

#include <math.h>
#include <time.h>

typedef struct {
  MrdClock parent;
  MrdMonotonicFunc mono;
  gpointer mono_data;
  /* Readings come from any thread (the bus worker thread answers TimeUSec, mrd-props.c);
   * the anchor and frequency change together under this lock. */
  GMutex lock;
  MrdClockLine line;    /* error: the deliberate one (--virtual-freq); the correction */
  int leap;             /* armed and not yet applied: 1 insert, -1 delete */
  gint64 leap_at;       /* the reading it applies from (mrd_clock_leap_at) */
} MrdClockVirtual;

/* Reads of two clocks that must be close in time: the tightest of this many tries. */
#define TIGHT_READ_TRIES 5

static gint64
monotonic_ns (gpointer user_data)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* Reading at monotonic time @mono, before any leap second. */
static gint64
virtual_read_line (MrdClockVirtual *self, gint64 mono)
{
  return mrd_clock_line_read (&self->line, mono);
}

/* Reading at monotonic time @mono: the line, shifted by an armed leap second once it reached
 * the reading the leap applies from. A pure function of @mono, so readers change nothing and
 * a kernel timestamp from before the leap is carried over without it. */
static gint64
virtual_read_at (MrdClockVirtual *self, gint64 mono)
{
  gint64 raw = virtual_read_line (self, mono);

  return raw >= self->leap_at ? raw + mrd_clock_leap_shift (self->leap) : raw;
}

/* Re-anchor the line at now (base = the reading now) and return that reading; a leap second
 * already past is folded into the anchor and disarmed. Every change of the clock starts here,
 * so the readings before and after it join. */
static gint64
virtual_reanchor (MrdClockVirtual *self)
{
  gint64 mono = self->mono (self->mono_data);
  gint64 now = virtual_read_at (self, mono);

  if (virtual_read_line (self, mono) >= self->leap_at)
    {
      self->leap = 0;
      self->leap_at = G_MAXINT64;
    }
  mrd_clock_line_anchor (&self->line, mono, now);
  return now;
}

/* After the clock was set or stepped: an armed leap second applies at the end of the new day. */
static void
virtual_rearm (MrdClockVirtual *self)
{
  self->leap_at = mrd_clock_leap_at (self->line.base_ns, self->leap);
}

static gboolean
virtual_set_leap (MrdClock *clock, int leap, GError **error)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;

  g_mutex_lock (&self->lock);
  virtual_reanchor (self);
  self->leap = leap;
  virtual_rearm (self);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gint64
virtual_now_ns (MrdClock *clock)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;
  gint64 now;

  g_mutex_lock (&self->lock);
  now = virtual_read_at (self, self->mono (self->mono_data));
  g_mutex_unlock (&self->lock);
  return now;
}

static gboolean
virtual_set_ns (MrdClock *clock, gint64 time_ns, GError **error)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;

  g_mutex_lock (&self->lock);
  virtual_reanchor (self);
  self->line.base_ns = time_ns;
  virtual_rearm (self);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
virtual_step (MrdClock *clock, double delta_s, GError **error)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;

  g_mutex_lock (&self->lock);
  self->line.base_ns = virtual_reanchor (self) + (gint64) llround (delta_s * 1e9);
  virtual_rearm (self);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
virtual_set_freq (MrdClock *clock, double freq_ppm, GError **error)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;

  g_mutex_lock (&self->lock);
  virtual_reanchor (self);
  mrd_clock_line_set_freq (&self->line, freq_ppm);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
virtual_set_freq_until (MrdClock *clock, double freq_ppm, gint64 until_ns, double then_ppm,
                        GError **error)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;

  g_mutex_lock (&self->lock);
  virtual_reanchor (self);
  mrd_clock_line_plan (&self->line, freq_ppm, until_ns, then_ppm);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gint64
virtual_monotonic_at (MrdClock *clock, gint64 time_ns)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;
  gint64 mono;

  g_mutex_lock (&self->lock);
  mono = mrd_clock_line_mono_at (&self->line, time_ns);
  g_mutex_unlock (&self->lock);
  return mono;
}

static double
virtual_get_freq (MrdClock *clock)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;
  double freq;

  g_mutex_lock (&self->lock);
  freq = mrd_clock_line_freq_at (&self->line, self->mono (self->mono_data));
  g_mutex_unlock (&self->lock);
  return freq;
}

static gint64
realtime_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* A kernel timestamp taken on CLOCK_REALTIME, carried over to this clock: the time that has
 * passed since, measured on CLOCK_REALTIME, is taken back from the monotonic reading (the two
 * run at the same rate to within the host's own frequency error, over microseconds). */
static gint64
virtual_from_realtime_ns (MrdClock *clock, gint64 real_ns)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;
  gint64 mono, now_real, out;

  g_mutex_lock (&self->lock);
  mono = self->mono (self->mono_data);
  now_real = realtime_ns ();
  out = virtual_read_at (self, mono - (now_real - real_ns));
  g_mutex_unlock (&self->lock);
  return out;
}

static gboolean
virtual_get_true_offset (MrdClock *clock, double *offset_s)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;
  gint64 before, after, reading;

  gint64 best_span = G_MAXINT64, best_offset = 0;

  /* CLOCK_REALTIME read on both sides of the virtual reading, the midpoint taken; of a few
   * tries the tightest pair, since a thread preempted between the reads would be off by half
   * the time it lost. */
  g_mutex_lock (&self->lock);
  for (int i = 0; i < TIGHT_READ_TRIES; i++)
    {
      before = realtime_ns ();
      reading = virtual_read_at (self, self->mono (self->mono_data));
      after = realtime_ns ();
      if (after - before < best_span)
        {
          best_span = after - before;
          best_offset = reading - (before + (after - before) / 2);
        }
    }
  g_mutex_unlock (&self->lock);
  *offset_s = (double) best_offset * 1e-9;
  return TRUE;
}

static double
virtual_get_monotonic_rate (MrdClock *clock)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;
  double rate;

  g_mutex_lock (&self->lock);
  rate = mrd_clock_line_rate_at (&self->line, self->mono (self->mono_data));
  g_mutex_unlock (&self->lock);
  return rate;
}

static void
virtual_free (MrdClock *clock)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;

  g_mutex_clear (&self->lock);
  g_free (self);
}

static const MrdClockOps virtual_ops = {
  .name = "virtual",
  .now_ns = virtual_now_ns,
  .set_ns = virtual_set_ns,
  .step = virtual_step,
  .set_freq = virtual_set_freq,
  .get_freq = virtual_get_freq,
  .free = virtual_free,
  .from_realtime_ns = virtual_from_realtime_ns,
  .get_true_offset = virtual_get_true_offset,
  .get_monotonic_rate = virtual_get_monotonic_rate,
  .set_leap = virtual_set_leap,
  .set_freq_until = virtual_set_freq_until,
  .monotonic_at = virtual_monotonic_at,
};

MrdClock *
mrd_clock_new_virtual_full (gint64 start_ns, double error_ppm, MrdMonotonicFunc mono,
                            gpointer mono_data)
{
  MrdClockVirtual *self = g_new0 (MrdClockVirtual, 1);

  self->parent.ops = &virtual_ops;
  self->parent.kind = MRD_CLOCK_KIND_VIRTUAL;
  g_mutex_init (&self->lock);
  self->mono = mono != NULL ? mono : monotonic_ns;
  self->mono_data = mono_data;
  mrd_clock_line_init (&self->line, start_ns, self->mono (self->mono_data), error_ppm);
  self->leap_at = G_MAXINT64;
  return &self->parent;
}

MrdClock *
mrd_clock_new_virtual (double offset_s, double error_ppm)
{
  MrdClockVirtual *self;
  gint64 best_span = G_MAXINT64, real = 0, mono = 0;

  /* The anchor pairs a monotonic reading with CLOCK_REALTIME read on both sides of it, the
   * tightest of a few tries: a thread preempted between two plain reads would start the clock
   * off by the time it lost, on top of @offset_s. */
  for (int i = 0; i < TIGHT_READ_TRIES; i++)
    {
      gint64 before = realtime_ns ();
      gint64 m = monotonic_ns (NULL);
      gint64 after = realtime_ns ();

      if (after - before < best_span)
        {
          best_span = after - before;
          real = before + (after - before) / 2;
          mono = m;
        }
    }
  self = (MrdClockVirtual *) mrd_clock_new_virtual_full (0, error_ppm, NULL, NULL);
  mrd_clock_line_init (&self->line, real + (gint64) llround (offset_s * 1e9), mono, error_ppm);
  return &self->parent;
}
