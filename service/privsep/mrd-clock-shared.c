/* mrd-clock-shared.c — see mrd-clock-shared.h.
 *
 * The arithmetic is the virtual clock's (clock/mrd-clock-line.h): one anchor point and a
 * rate of (1 + (error + correction) x 1e-6) times CLOCK_REALTIME, bent once where a planned
 * slew ends, re-anchored at every change so that earlier readings are never rewritten.
 * CLOCK_REALTIME is one clock for every process on the host, so both sides of the memfd
 * compute the same reading; why it is drawn against CLOCK_REALTIME and not CLOCK_MONOTONIC,
 * clock/mrd-clock-virtual.c says.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1

#include "mrd-clock-shared.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include "clock/mrd-clock-line.h"
#include "net/mrd-io-error.h"

#define NS_PER_SEC G_GINT64_CONSTANT (1000000000)
#define SHARED_MAGIC 0x4d524443u   /* "MRDC" */

typedef struct {
  guint32 magic;
  guint32 seq;          /* odd while a writer holds it */
  MrdClockLine line;    /* error: the deliberate one (--virtual-freq); the correction */
  gint64 leap_at;       /* the reading an armed leap second applies from; G_MAXINT64 = none */
  gint32 leap;          /* armed and not yet applied: 1 insert, -1 delete */
} SharedState;

typedef struct {
  MrdClock parent;
  int fd;
  SharedState *shm;
} MrdClockShared;

static gint64
real_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (gint64) ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* The line's fields one by one, each a relaxed atomic access (the sequence lock around
 * makes the whole consistent); the doubles go through their bits. */
static double
load_double (const double *p)
{
  guint64 bits = __atomic_load_n ((const guint64 *) p, __ATOMIC_RELAXED);
  double d;

  memcpy (&d, &bits, sizeof d);
  return d;
}

static void
store_double (double *p, double d)
{
  guint64 bits;

  memcpy (&bits, &d, sizeof bits);
  __atomic_store_n ((guint64 *) p, bits, __ATOMIC_RELAXED);
}

static void
line_load (const MrdClockLine *from, MrdClockLine *to)
{
  to->base_ns = __atomic_load_n (&from->base_ns, __ATOMIC_RELAXED);
  to->base_host = __atomic_load_n (&from->base_host, __ATOMIC_RELAXED);
  to->error_ppm = load_double (&from->error_ppm);
  to->freq_ppm = load_double (&from->freq_ppm);
  to->plan_host = __atomic_load_n (&from->plan_host, __ATOMIC_RELAXED);
  to->plan_freq_ppm = load_double (&from->plan_freq_ppm);
}

static void
line_store (MrdClockLine *to, const MrdClockLine *from)
{
  __atomic_store_n (&to->base_ns, from->base_ns, __ATOMIC_RELAXED);
  __atomic_store_n (&to->base_host, from->base_host, __ATOMIC_RELAXED);
  store_double (&to->error_ppm, from->error_ppm);
  store_double (&to->freq_ppm, from->freq_ppm);
  __atomic_store_n (&to->plan_host, from->plan_host, __ATOMIC_RELAXED);
  store_double (&to->plan_freq_ppm, from->plan_freq_ppm);
}

/* A consistent copy of the state. */
static void
state_read (MrdClockShared *self, SharedState *out)
{
  for (;;)
    {
      guint32 s1 = __atomic_load_n (&self->shm->seq, __ATOMIC_ACQUIRE);

      if (s1 & 1)
        continue;
      line_load (&self->shm->line, &out->line);
      out->leap_at = __atomic_load_n (&self->shm->leap_at, __ATOMIC_RELAXED);
      out->leap = __atomic_load_n (&self->shm->leap, __ATOMIC_RELAXED);
      __atomic_thread_fence (__ATOMIC_ACQUIRE);
      if (__atomic_load_n (&self->shm->seq, __ATOMIC_RELAXED) == s1)
        return;
    }
}

static void
write_lock (MrdClockShared *self)
{
  for (;;)
    {
      guint32 s = __atomic_load_n (&self->shm->seq, __ATOMIC_RELAXED);

      if (!(s & 1) && __atomic_compare_exchange_n (&self->shm->seq, &s, s + 1, FALSE,
                                                   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    }
}

static void
write_unlock (MrdClockShared *self, const SharedState *st)
{
  line_store (&self->shm->line, &st->line);
  __atomic_store_n (&self->shm->leap_at, st->leap_at, __ATOMIC_RELAXED);
  __atomic_store_n (&self->shm->leap, st->leap, __ATOMIC_RELAXED);
  __atomic_fetch_add (&self->shm->seq, 1, __ATOMIC_RELEASE);
}

static gint64
read_line (const SharedState *st, gint64 real)
{
  return mrd_clock_line_read (&st->line, real);
}

/* The line, shifted by an armed leap second from the reading it applies from (the virtual
 * clock's rule, mrd_clock_leap_at): a pure function, so readers in either process agree. */
static gint64
read_at (const SharedState *st, gint64 real)
{
  gint64 raw = read_line (st, real);

  return raw >= st->leap_at ? raw + mrd_clock_leap_shift (st->leap) : raw;
}

static gint64
shared_now_ns (MrdClock *clock)
{
  SharedState st;

  state_read ((MrdClockShared *) clock, &st);
  return read_at (&st, real_ns ());
}

/* Under the write lock: the current state, re-anchored at now. */
static void
lock_and_anchor (MrdClockShared *self, SharedState *st)
{
  gint64 real, reading;

  write_lock (self);
  st->line = self->shm->line;
  st->leap_at = self->shm->leap_at;
  st->leap = self->shm->leap;
  real = real_ns ();
  reading = read_at (st, real);
  if (read_line (st, real) >= st->leap_at)
    {
      /* Past the leap second: folded into the anchor below, and disarmed. */
      st->leap = 0;
      st->leap_at = G_MAXINT64;
    }
  mrd_clock_line_anchor (&st->line, real, reading);
}

static gboolean
shared_set_leap (MrdClock *clock, int leap, GError **error)
{
  MrdClockShared *self = (MrdClockShared *) clock;
  SharedState st;

  lock_and_anchor (self, &st);
  st.leap = leap;
  st.leap_at = mrd_clock_leap_at (st.line.base_ns, leap);
  write_unlock (self, &st);
  return TRUE;
}

static gboolean
shared_set_ns (MrdClock *clock, gint64 time_ns, GError **error)
{
  MrdClockShared *self = (MrdClockShared *) clock;
  SharedState st;

  lock_and_anchor (self, &st);
  st.line.base_ns = time_ns;
  st.leap_at = mrd_clock_leap_at (st.line.base_ns, st.leap);
  write_unlock (self, &st);
  return TRUE;
}

static gboolean
shared_step (MrdClock *clock, double delta_s, GError **error)
{
  MrdClockShared *self = (MrdClockShared *) clock;
  SharedState st;

  lock_and_anchor (self, &st);
  st.line.base_ns += (gint64) llround (delta_s * 1e9);
  st.leap_at = mrd_clock_leap_at (st.line.base_ns, st.leap);
  write_unlock (self, &st);
  return TRUE;
}

static gboolean
shared_set_freq (MrdClock *clock, double freq_ppm, GError **error)
{
  MrdClockShared *self = (MrdClockShared *) clock;
  SharedState st;

  lock_and_anchor (self, &st);
  mrd_clock_line_set_freq (&st.line, freq_ppm);
  write_unlock (self, &st);
  return TRUE;
}

static gboolean
shared_set_freq_until (MrdClock *clock, double freq_ppm, gint64 until_ns, double then_ppm,
                       GError **error)
{
  MrdClockShared *self = (MrdClockShared *) clock;
  SharedState st;

  lock_and_anchor (self, &st);
  mrd_clock_line_plan (&st.line, freq_ppm, until_ns, then_ppm);
  write_unlock (self, &st);
  return TRUE;
}

static gint64
shared_monotonic_at (MrdClock *clock, gint64 time_ns)
{
  SharedState st;

  state_read ((MrdClockShared *) clock, &st);
  return mrd_clock_realtime_to_monotonic (mrd_clock_line_host_at (&st.line, time_ns));
}

static double
shared_get_freq (MrdClock *clock)
{
  SharedState st;

  state_read ((MrdClockShared *) clock, &st);
  return mrd_clock_line_freq_at (&st.line, real_ns ());
}

/* A kernel timestamp on CLOCK_REALTIME is a point of the line. */
static gint64
shared_from_realtime_ns (MrdClock *clock, gint64 when_real)
{
  SharedState st;

  state_read ((MrdClockShared *) clock, &st);
  return read_at (&st, when_real);
}

static gboolean
shared_get_true_offset (MrdClock *clock, double *offset_s)
{
  SharedState st;
  gint64 real;

  state_read ((MrdClockShared *) clock, &st);
  real = real_ns ();
  *offset_s = (double) (read_at (&st, real) - real) * 1e-9;
  return TRUE;
}

/* As the virtual clock's (mrd-clock.h): the line's slope against CLOCK_REALTIME, which runs
 * at CLOCK_MONOTONIC's rate. */
static double
shared_get_monotonic_rate (MrdClock *clock)
{
  SharedState st;

  state_read ((MrdClockShared *) clock, &st);
  return mrd_clock_line_rate_at (&st.line, real_ns ());
}

static double
shared_get_max_freq (MrdClock *clock)
{
  /* Disciplined as the real clock would be (mrd-clock.h, mrd_clock_get_max_freq). */
  return mrd_clock_system_max_freq (sysconf (_SC_CLK_TCK));
}

static void
shared_free (MrdClock *clock)
{
  MrdClockShared *self = (MrdClockShared *) clock;

  munmap (self->shm, sizeof *self->shm);
  close (self->fd);
  g_free (self);
}

static const MrdClockOps shared_ops = {
  .name = "virtual",
  .now_ns = shared_now_ns,
  .set_ns = shared_set_ns,
  .step = shared_step,
  .set_freq = shared_set_freq,
  .get_freq = shared_get_freq,
  .free = shared_free,
  .get_max_freq = shared_get_max_freq,
  .get_monotonic_rate = shared_get_monotonic_rate,
  .from_realtime_ns = shared_from_realtime_ns,
  .get_true_offset = shared_get_true_offset,
  .set_leap = shared_set_leap,
  .set_freq_until = shared_set_freq_until,
  .monotonic_at = shared_monotonic_at,
};

static MrdClock *
wrap (int fd, GError **error)
{
  MrdClockShared *self;
  void *p = mmap (NULL, sizeof (SharedState), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

  if (p == MAP_FAILED)
    {
      int e = errno;

      g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (e),
                   "Cannot map the shared clock: %s", g_strerror (e));
      return NULL;
    }
  self = g_new0 (MrdClockShared, 1);
  self->parent.ops = &shared_ops;
  self->parent.kind = MRD_CLOCK_KIND_VIRTUAL;
  self->fd = fd;
  self->shm = p;
  return &self->parent;
}

MrdClock *
mrd_clock_shared_new (double offset_s, double error_ppm, GError **error)
{
  int fd = memfd_create ("meridian-clock", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  MrdClock *clock;
  SharedState *st;

  if (fd < 0 || ftruncate (fd, sizeof (SharedState)) < 0 ||
      fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
    {
      int e = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (e),
                   "Cannot create the shared clock: %s", g_strerror (e));
      return NULL;
    }
  clock = wrap (fd, error);
  if (clock == NULL)
    {
      close (fd);
      return NULL;
    }
  st = ((MrdClockShared *) clock)->shm;
  st->magic = SHARED_MAGIC;
  {
    gint64 real = real_ns ();

    mrd_clock_line_init (&st->line, real + (gint64) llround (offset_s * 1e9), real, error_ppm);
  }
  st->leap = 0;
  st->leap_at = G_MAXINT64;
  return clock;
}

MrdClock *
mrd_clock_shared_new_from_fd (int fd, GError **error)
{
  struct stat sb;
  MrdClock *clock;

  /* The parent made it; still, a file too small to hold the state is not mapped. */
  if (fstat (fd, &sb) < 0 || sb.st_size < (off_t) sizeof (SharedState))
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "File descriptor %d is not a shared clock", fd);
      return NULL;
    }
  clock = wrap (fd, error);
  if (clock != NULL && ((MrdClockShared *) clock)->shm->magic != SHARED_MAGIC)
    {
      ((MrdClockShared *) clock)->fd = -1;
      mrd_clock_free (clock);
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "File descriptor %d is not a shared clock", fd);
      return NULL;
    }
  return clock;
}

int
mrd_clock_shared_get_fd (MrdClock *clock)
{
  g_return_val_if_fail (mrd_clock_is_shared (clock), -1);
  return ((MrdClockShared *) clock)->fd;
}

gboolean
mrd_clock_is_shared (MrdClock *clock)
{
  return clock != NULL && clock->ops == &shared_ops;
}
