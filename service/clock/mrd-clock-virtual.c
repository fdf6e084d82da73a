/* mrd-clock-virtual.c — a software clock drawn against CLOCK_REALTIME.
 *
 * The clock is a line through one anchor point (clock/mrd-clock-line.h), bent once where a
 * slew planned with set_freq_until ends. Every change (step, set, new frequency) re-anchors at
 * "now", so earlier readings are never rewritten and the clock stays continuous across
 * frequency changes, like a kernel clock under adjtimex(2).
 *
 * The host's clock under the line is CLOCK_REALTIME, not CLOCK_MONOTONIC: the virtual clock
 * stands for an oscillator whose error is measured against the host's time (TrueOffset), and
 * the servers it is tested against (chronyd -x on loopback) serve that same time. Should the
 * host's CLOCK_REALTIME be stepped under a running test (a virtual machine's resume, a host
 * agent setting the time), the virtual clock moves with it, and neither the engine's
 * measurements against those servers nor TrueOffset see a jump that no server made. Over the
 * line the two host clocks run at one rate (the kernel slews both alike), so a deadline on
 * this clock still maps to a CLOCK_MONOTONIC timer (mrd_clock_realtime_to_monotonic).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-clock.h"
#include "mrd-clock-line.h"

#include <math.h>
#include <time.h>

typedef struct {
  MrdClock parent;
  MrdHostTimeFunc host;
  gpointer host_data;
  gboolean host_is_realtime; /* FALSE: a unit test's time source, taken as CLOCK_MONOTONIC */
  /* Readings come from any thread (the bus worker thread answers TimeUSec, mrd-props.c);
   * the anchor and frequency change together under this lock. */
  GMutex lock;
  MrdClockLine line;    /* error: the deliberate one (--virtual-freq); the correction */
  int leap;             /* armed and not yet applied: 1 insert, -1 delete */
  gint64 leap_at;       /* the reading it applies from (mrd_clock_leap_at) */
} MrdClockVirtual;

static gint64
realtime_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static gint64
host_realtime_ns (gpointer user_data)
{
  return realtime_ns ();
}

static gint64
host_now (MrdClockVirtual *self)
{
  return self->host (self->host_data);
}

/* Reading at host time @host, before any leap second. */
static gint64
virtual_read_line (MrdClockVirtual *self, gint64 host)
{
  return mrd_clock_line_read (&self->line, host);
}

/* Reading at host time @host: the line, shifted by an armed leap second once it reached
 * the reading the leap applies from. A pure function of @host, so readers change nothing and
 * a kernel timestamp from before the leap is carried over without it. */
static gint64
virtual_read_at (MrdClockVirtual *self, gint64 host)
{
  gint64 raw = virtual_read_line (self, host);

  return raw >= self->leap_at ? raw + mrd_clock_leap_shift (self->leap) : raw;
}

/* Re-anchor the line at now (base = the reading now) and return that reading; a leap second
 * already past is folded into the anchor and disarmed. Every change of the clock starts here,
 * so the readings before and after it join. */
static gint64
virtual_reanchor (MrdClockVirtual *self)
{
  gint64 host = host_now (self);
  gint64 now = virtual_read_at (self, host);

  if (virtual_read_line (self, host) >= self->leap_at)
    {
      self->leap = 0;
      self->leap_at = G_MAXINT64;
    }
  mrd_clock_line_anchor (&self->line, host, now);
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
  now = virtual_read_at (self, host_now (self));
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
  gint64 host;

  g_mutex_lock (&self->lock);
  host = mrd_clock_line_host_at (&self->line, time_ns);
  g_mutex_unlock (&self->lock);
  return self->host_is_realtime ? mrd_clock_realtime_to_monotonic (host) : host;
}

static double
virtual_get_freq (MrdClock *clock)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;
  double freq;

  g_mutex_lock (&self->lock);
  freq = mrd_clock_line_freq_at (&self->line, host_now (self));
  g_mutex_unlock (&self->lock);
  return freq;
}

/* A kernel timestamp taken on CLOCK_REALTIME, carried over to this clock: on the host's clock
 * it is a point of the line. (A unit test's time source is taken back by the time that has
 * passed since on CLOCK_REALTIME.) */
static gint64
virtual_from_realtime_ns (MrdClock *clock, gint64 real_ns)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;
  gint64 out;

  g_mutex_lock (&self->lock);
  if (self->host_is_realtime)
    out = virtual_read_at (self, real_ns);
  else
    out = virtual_read_at (self, host_now (self) - (realtime_ns () - real_ns));
  g_mutex_unlock (&self->lock);
  return out;
}

/* The reading against CLOCK_REALTIME at one instant: one read of the host's clock, exact. */
static gboolean
virtual_get_true_offset (MrdClock *clock, double *offset_s)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;
  gint64 real;

  g_mutex_lock (&self->lock);
  real = self->host_is_realtime ? host_now (self) : realtime_ns ();
  *offset_s = (double) (virtual_read_at (self, self->host_is_realtime ? real : host_now (self))
                        - real) * 1e-9;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static double
virtual_get_monotonic_rate (MrdClock *clock)
{
  MrdClockVirtual *self = (MrdClockVirtual *) clock;
  double rate;

  g_mutex_lock (&self->lock);
  rate = mrd_clock_line_rate_at (&self->line, host_now (self));
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
mrd_clock_new_virtual_full (gint64 start_ns, double error_ppm, MrdHostTimeFunc host,
                            gpointer host_data)
{
  MrdClockVirtual *self = g_new0 (MrdClockVirtual, 1);

  self->parent.ops = &virtual_ops;
  self->parent.kind = MRD_CLOCK_KIND_VIRTUAL;
  g_mutex_init (&self->lock);
  self->host_is_realtime = host == NULL;
  self->host = host != NULL ? host : host_realtime_ns;
  self->host_data = host_data;
  mrd_clock_line_init (&self->line, start_ns, host_now (self), error_ppm);
  self->leap_at = G_MAXINT64;
  return &self->parent;
}

MrdClock *
mrd_clock_new_virtual (double offset_s, double error_ppm)
{
  MrdClockVirtual *self = (MrdClockVirtual *) mrd_clock_new_virtual_full (0, error_ppm, NULL,
                                                                          NULL);
  gint64 real = host_now (self);

  /* Anchored on the one clock it is drawn against: no pair of reads to be preempted
   * between. */
  mrd_clock_line_init (&self->line, real + (gint64) llround (offset_s * 1e9), real, error_ppm);
  return &self->parent;
}
