/* mrd-clock.h — the clock the daemon reads and sets, behind one interface (DESIGN.md
 * principle 3): `system` is CLOCK_REALTIME disciplined with clock_adjtime(2) (needs
 * CAP_SYS_TIME); `virtual` is a software clock over CLOCK_MONOTONIC with its own offset and
 * frequency, which tests and the demo use so that nothing touches the host's clock.
 *
 * Units: times are ns since the Unix epoch; frequencies in ppm, positive = the clock runs
 * faster (the NTP seam's convention, ntp-engine.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MrdClock MrdClock;

typedef enum {
  MRD_CLOCK_KIND_VIRTUAL,
  MRD_CLOCK_KIND_SYSTEM,
} MrdClockKind;

/* A monotonic time source in ns; the virtual clock reads CLOCK_MONOTONIC through this, and
 * unit tests hand in a fake one so that the arithmetic can be checked exactly. */
typedef gint64 (*MrdMonotonicFunc) (gpointer user_data);

/* The backends' seam: a struct of function pointers (STYLE.md: explicit seams). */
typedef struct {
  const char *name;
  gint64   (*now_ns)   (MrdClock *clock);
  gboolean (*set_ns)   (MrdClock *clock, gint64 time_ns, GError **error);
  gboolean (*step)     (MrdClock *clock, double delta_s, GError **error);
  gboolean (*set_freq) (MrdClock *clock, double freq_ppm, GError **error);
  double   (*get_freq) (MrdClock *clock);
  /* The hardware clock's reading as if it kept UTC, µs; FALSE when there is none to read. */
  gboolean (*read_rtc) (MrdClock *clock, gint64 *usec);
  void     (*free)     (MrdClock *clock);
} MrdClockOps;

struct _MrdClock {
  const MrdClockOps *ops;
  MrdClockKind kind;
};

/* "virtual" or "system"; FALSE for anything else. */
gboolean    mrd_clock_kind_from_string (const char *str, MrdClockKind *out);

/* Virtual clock starting at the host's CLOCK_REALTIME plus @offset_s, running with a deliberate
 * frequency error of @error_ppm (e.g. +23 ppm runs 23 µs/s fast) on top of CLOCK_MONOTONIC. */
MrdClock   *mrd_clock_new_virtual      (double offset_s, double error_ppm);
/* The same with every input explicit: reads @start_ns when @mono reads its first value. */
MrdClock   *mrd_clock_new_virtual_full (gint64 start_ns, double error_ppm,
                                        MrdMonotonicFunc mono, gpointer mono_data);
/* CLOCK_REALTIME itself. Only for --clock system; setting it needs CAP_SYS_TIME. */
MrdClock   *mrd_clock_new_system       (void);

const char *mrd_clock_get_name  (MrdClock *clock);
gint64      mrd_clock_now_ns    (MrdClock *clock);
gint64      mrd_clock_now_usec  (MrdClock *clock);
/* Set the clock to @time_ns (a step to an absolute time). */
gboolean    mrd_clock_set_ns    (MrdClock *clock, gint64 time_ns, GError **error);
/* Step the clock by @delta_s (positive moves it forward). */
gboolean    mrd_clock_step      (MrdClock *clock, double delta_s, GError **error);
/* Set the frequency correction (absolute, ppm; positive makes the clock run faster). */
gboolean    mrd_clock_set_freq  (MrdClock *clock, double freq_ppm, GError **error);
double      mrd_clock_get_freq  (MrdClock *clock);
/* Read the RTC (system clock: /dev/rtc, read-only; the virtual clock has none). Its fields are
 * taken as UTC, as timedated's RTCTimeUSec does. FALSE when there is no RTC to read. */
gboolean    mrd_clock_read_rtc  (MrdClock *clock, gint64 *usec);
void        mrd_clock_free      (MrdClock *clock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdClock, mrd_clock_free)

G_END_DECLS
