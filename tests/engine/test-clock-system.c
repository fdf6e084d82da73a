/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The system clock backend's arithmetic (service/clock/mrd-clock-system.c) through its
 * clock_adjtime seam: nothing here reaches the kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>
#include <glib.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "clock/mrd-clock.h"
#include "privsep/mrd-clock-shared.h"
#include "sync/mrd-sync-engine.h"

#define SEC G_GINT64_CONSTANT (1000000000)

/* A kernel clock model with adjtimex(2)'s checks (kernel/time/ntp.c, timekeeping.c). */
typedef struct {
  long user_hz;
  long tick, freq, maxerror, esterror;
  int status;
  long offset, constant;      /* what ADJ_OFFSET (ns with ADJ_NANO) and ADJ_TIMECONST set */
  int tai;                    /* what ADJ_TAI set */
  struct timex last;
  guint calls;
  gint64 stepped_ns;
} FakeKernel;

static int
fake_adjtime (gpointer user_data, struct timex *tx)
{
  FakeKernel *k = user_data;
  long nominal = 1000000 / k->user_hz;

  k->calls++;
  k->last = *tx;
  if (tx->modes & ADJ_TICK)
    {
      if (tx->tick < 900000 / k->user_hz || tx->tick > 1100000 / k->user_hz)
        {
          errno = EINVAL;
          return -1;
        }
    }
  if ((tx->modes & ADJ_SETOFFSET) && (tx->time.tv_usec < 0 || tx->time.tv_usec >= 1000000000))
    {
      errno = EINVAL;
      return -1;
    }
  if (tx->modes & ADJ_TICK)
    k->tick = tx->tick;
  if (tx->modes & ADJ_FREQUENCY)
    {
      /* The kernel clamps to ±MAXFREQ (500 ppm); we want to know if it had to. */
      assert_true (labs (tx->freq) <= 500L * 65536);
      k->freq = tx->freq;
    }
  if (tx->modes & ADJ_STATUS)
    k->status = tx->status;
  if (tx->modes & ADJ_TIMECONST)
    k->constant = tx->constant;
  /* ADJ_TAI takes timex.constant too; the kernel refuses a negative offset */
  if (tx->modes & ADJ_TAI)
    {
      if (tx->constant < 0)
        {
          errno = EINVAL;
          return -1;
        }
      k->tai = (int) tx->constant;
    }
  /* The kernel takes an offset only into a running PLL (ntp_update_offset). */
  if ((tx->modes & ADJ_OFFSET) && (k->status & STA_PLL))
    {
      /* A non-zero offset in µs would be a thousand times too large. */
      assert_true (tx->offset == 0 || (tx->modes & ADJ_NANO));
      k->offset = tx->offset;
    }
  if (tx->modes & ADJ_MAXERROR)
    k->maxerror = tx->maxerror;
  if (tx->modes & ADJ_ESTERROR)
    k->esterror = tx->esterror;
  if (tx->modes & ADJ_SETOFFSET)
    k->stepped_ns += (gint64) tx->time.tv_sec * 1000000000 + tx->time.tv_usec;
  tx->tick = k->tick ? k->tick : nominal;
  tx->freq = k->freq;
  tx->status = k->status;
  tx->maxerror = k->maxerror;
  tx->esterror = k->esterror;
  return 0;
}

static void
range_is_the_tick_range_plus_the_frequency_range (void **state)
{
  /* ±10 % of the tick (100000 ppm) + ±500 ppm, whatever USER_HZ. */
  assert_float_equal (mrd_clock_system_max_freq (100), 100500.0, 1e-9);
  assert_float_equal (mrd_clock_system_max_freq (1000), 100500.0, 1e-9);
  /* Far more than ADJ_FREQUENCY's 500 ppm alone, and more than the core's default
   * maxslewrate (83333 ppm), so the core's plan is never clamped. */
  assert_true (mrd_clock_system_max_freq (100) > 83333.34);
}

static void
split_takes_whole_ticks_and_the_rest_in_frequency (void **state)
{
  const double cases[] = { 0.0, 23.054, -23.054, 49.9, 50.1, -150.0, 1234.5678, -83333.333,
                           99999.0, -100000.0, 100500.0, -100500.0 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      long tick, freq;
      double got = mrd_clock_system_split_freq (cases[i], 100, &tick, &freq);
      /* What the kernel then runs at: each µs of tick over 10000 is 100 ppm faster. */
      double kernel = (double) (tick - 10000) * 100.0 + (double) freq / 65536.0;

      assert_true (tick >= 9000 && tick <= 11000);
      assert_true (labs (freq) <= 500L * 65536);
      assert_float_equal (got, kernel, 1e-9);
      assert_float_equal (got, cases[i], 1.0 / 65536.0);
      /* Inside the tick range the frequency carries at most half a tick step. */
      if (fabs (cases[i]) <= 100000.0 - 50.0)
        assert_true (fabs ((double) freq / 65536.0) <= 50.0 + 1e-9);
    }
}

static void
split_clamps_beyond_the_range (void **state)
{
  long tick, freq;

  assert_float_equal (mrd_clock_system_split_freq (250000.0, 100, &tick, &freq), 100500.0, 1e-9);
  assert_int_equal (tick, 11000);
  assert_int_equal (freq, 500L * 65536);
  assert_float_equal (mrd_clock_system_split_freq (-1e9, 100, &tick, &freq), -100500.0, 1e-9);
  assert_int_equal (tick, 9000);
  assert_float_equal (mrd_clock_system_split_freq (NAN, 100, &tick, &freq), 0.0, 0.0);
  assert_int_equal (tick, 10000);
  assert_int_equal (freq, 0);
}

static void
set_freq_sets_tick_and_frequency_together (void **state)
{
  FakeKernel k = { .user_hz = 100 };
  g_autoptr(MrdClock) clock = mrd_clock_new_system_full (fake_adjtime, &k, 100);

  assert_float_equal (mrd_clock_get_max_freq (clock), 100500.0, 1e-9);
  assert_true (mrd_clock_set_freq (clock, 83333.333, NULL));
  assert_int_equal (k.last.modes & (ADJ_TICK | ADJ_FREQUENCY), ADJ_TICK | ADJ_FREQUENCY);
  assert_int_equal (k.tick, 10833);
  assert_float_equal (mrd_clock_get_freq (clock), 83333.333, 1.0 / 65536.0);
  assert_true (mrd_clock_set_freq (clock, -23.054, NULL));
  assert_int_equal (k.tick, 10000);
  assert_float_equal (mrd_clock_get_freq (clock), -23.054, 1.0 / 65536.0);
}

static void
step_uses_setoffset_with_a_normalised_negative_time (void **state)
{
  FakeKernel k = { .user_hz = 100 };
  g_autoptr(MrdClock) clock = mrd_clock_new_system_full (fake_adjtime, &k, 100);

  assert_true (mrd_clock_step (clock, -0.25, NULL));
  assert_int_equal (k.last.modes, ADJ_SETOFFSET | ADJ_NANO);
  assert_int_equal (k.last.time.tv_sec, -1);
  assert_int_equal (k.last.time.tv_usec, 750000000);
  assert_int_equal (k.stepped_ns, -250000000);
  assert_true (mrd_clock_step (clock, 1.5, NULL));
  assert_int_equal (k.stepped_ns, 1250000000);
}

static void
leap_flags_keep_the_other_status_bits (void **state)
{
  FakeKernel k = { .user_hz = 100, .status = STA_UNSYNC | STA_NANO };
  g_autoptr(MrdClock) clock = mrd_clock_new_system_full (fake_adjtime, &k, 100);

  assert_true (mrd_clock_set_leap (clock, 1, NULL));
  assert_int_equal (k.status, STA_UNSYNC | STA_NANO | STA_INS);
  assert_true (mrd_clock_set_leap (clock, -1, NULL));
  assert_int_equal (k.status, STA_UNSYNC | STA_NANO | STA_DEL);
  assert_true (mrd_clock_set_leap (clock, 0, NULL));
  assert_int_equal (k.status, STA_UNSYNC | STA_NANO);
  assert_int_equal (mrd_clock_get_leap (clock), 0);
}

/* leapsectz's TAI offset goes to the kernel through ADJ_TAI alone: no other mode is set with
 * it (the status, the frequency and the PLL stay as they are). */
static void
tai_offset_is_set_with_adj_tai_alone (void **state)
{
  FakeKernel k = { .user_hz = 100, .status = STA_PLL | STA_INS, .freq = 1234 };
  g_autoptr(MrdClock) clock = mrd_clock_new_system_full (fake_adjtime, &k, 100);
  g_autoptr(GError) error = NULL;

  assert_int_equal (mrd_clock_get_tai (clock), 0);
  assert_true (mrd_clock_set_tai (clock, 37, NULL));
  assert_int_equal (k.tai, 37);
  assert_int_equal (k.last.modes, ADJ_TAI);
  assert_int_equal (k.status, STA_PLL | STA_INS);
  assert_int_equal (k.freq, 1234);
  assert_int_equal (mrd_clock_get_tai (clock), 37);
  /* a refusal is an error naming it, and the clock keeps what it had */
  assert_false (mrd_clock_set_tai (clock, -1, &error));
  assert_non_null (strstr (error->message, "TAI"));
  assert_int_equal (mrd_clock_get_tai (clock), 37);
}

static void
sync_status_sets_errors_and_unsync_as_chronyd (void **state)
{
  FakeKernel k = { .user_hz = 100, .status = STA_UNSYNC };
  g_autoptr(MrdClock) clock = mrd_clock_new_system_full (fake_adjtime, &k, 100);

  /* Synchronized, rtcsync: errors in µs, STA_UNSYNC cleared (the kernel's 11-minute mode). */
  assert_true (mrd_clock_set_sync_status (clock, TRUE, 20e-6, 0.0015, TRUE, NULL));
  assert_int_equal (k.esterror, 20);
  assert_int_equal (k.maxerror, 1500);
  assert_int_equal (k.status & STA_UNSYNC, 0);
  /* Without rtcsync STA_UNSYNC stays set (no RTC writes), but maxerror still tells
   * timedated-style readers (maxerror < 16 s) the truth. */
  assert_true (mrd_clock_set_sync_status (clock, TRUE, 20e-6, 0.0015, FALSE, NULL));
  assert_int_equal (k.status & STA_UNSYNC, STA_UNSYNC);
  assert_int_equal (k.maxerror, 1500);
  /* Not synchronized: 16 s, the kernel's ceiling. */
  assert_true (mrd_clock_set_sync_status (clock, FALSE, 0, 0, TRUE, NULL));
  assert_int_equal (k.maxerror, 16000000);
  assert_int_equal (k.esterror, 16000000);
  assert_int_equal (k.status & STA_UNSYNC, STA_UNSYNC);
  /* A maximum error of 16 s or more is no synchronization, whatever the caller says. */
  assert_true (mrd_clock_set_sync_status (clock, TRUE, 1.0, 20.0, TRUE, NULL));
  assert_int_equal (k.maxerror, 16000000);
  assert_int_equal (k.status & STA_UNSYNC, STA_UNSYNC);
}

/* What an earlier daemon left in the kernel's PLL is dropped and the leap flags go, as
 * chronyd does at start; the PLL is then left on with its frequency held, for the decay. */
static void
prepare_drops_the_kernels_offset_and_holds_its_pll_frequency (void **state)
{
  FakeKernel k = { .user_hz = 100, .status = STA_PLL | STA_INS | STA_NANO, .offset = 123456 };
  g_autoptr(MrdClock) clock = mrd_clock_new_system_full (fake_adjtime, &k, 100);

  assert_true (mrd_clock_prepare_discipline (clock, NULL));
  assert_int_equal (k.calls, 2);
  assert_int_equal (k.offset, 0);
  assert_int_equal (k.status, STA_PLL | STA_FREQHOLD | STA_UNSYNC);
  assert_int_equal (k.last.modes, ADJ_STATUS | ADJ_NANO);
}

/* The kernel removes 1/2^(2 + constant) of the offset each second: the least such tau of at
 * least the asked one, the offset in ns with the kernel's sign (positive = the clock is
 * behind), and nothing handed over where the kernel cannot take it. */
static void
decay_offset_hands_the_kernel_pll_the_offset_with_the_least_time_constant (void **state)
{
  FakeKernel k = { .user_hz = 100, .status = STA_UNSYNC };
  g_autoptr(MrdClock) clock = mrd_clock_new_system_full (fake_adjtime, &k, 100);
  g_autoptr(GError) error = NULL;

  assert_true (mrd_clock_can_decay_offsets (clock));
  /* PLL off (nobody prepared it, or another daemon turned it off): refused. */
  assert_float_equal (mrd_clock_decay_offset (clock, 50e-6, 50.0, INFINITY, &error), 0.0, 0.0);
  assert_null (error);
  assert_int_equal (k.offset, 0);

  assert_true (mrd_clock_prepare_discipline (clock, NULL));
  assert_float_equal (mrd_clock_decay_offset (clock, 50e-6, 50.0, 100.0, NULL), 64.0, 0.0);
  assert_int_equal (k.constant, 4);
  assert_int_equal (k.offset, -50000);
  assert_float_equal (mrd_clock_decay_offset (clock, -3e-7, 0.5, 4.0, NULL), 4.0, 0.0);
  assert_int_equal (k.constant, 0);
  assert_int_equal (k.offset, 300);
  assert_float_equal (mrd_clock_decay_offset (clock, 1e-3, 4096.0, INFINITY, NULL), 4096.0, 0.0);
  assert_int_equal (k.constant, 10);

  k.calls = 0;
  /* Beyond MAXTC, the asked range or MAXPHASE, or not a number: nothing reaches the
   * kernel. */
  assert_float_equal (mrd_clock_decay_offset (clock, 1e-3, 4097.0, INFINITY, NULL), 0.0, 0.0);
  assert_float_equal (mrd_clock_decay_offset (clock, 1e-6, 0.5, 2.0, NULL), 0.0, 0.0);
  assert_float_equal (mrd_clock_decay_offset (clock, 1e-6, 40.0, 60.0, NULL), 0.0, 0.0);
  assert_float_equal (mrd_clock_decay_offset (clock, 0.5, 10.0, INFINITY, NULL), 0.0, 0.0);
  assert_float_equal (mrd_clock_decay_offset (clock, -0.7, 10.0, INFINITY, NULL), 0.0, 0.0);
  assert_float_equal (mrd_clock_decay_offset (clock, NAN, 10.0, INFINITY, NULL), 0.0, 0.0);
  assert_int_equal (k.calls, 0);
  assert_int_equal (k.offset, -1000000);

  /* The virtual clocks end their slews themselves and have no such call. */
  g_autoptr(MrdClock) virt = mrd_clock_new_virtual (0.0, 0.0);
  assert_false (mrd_clock_can_decay_offsets (virt));
  assert_float_equal (mrd_clock_decay_offset (virt, 1e-6, 10.0, INFINITY, NULL), 0.0, 0.0);
}

/* CLOCK_REALTIME - CLOCK_BOOTTIME moves only when the clock is stepped: two reads agree
 * within their brackets (on a machine whose clock nobody steps during the test; the
 * watcher of scripts/test.sh reports one that was). */
static void
realtime_minus_boottime_holds_still_between_reads (void **state)
{
  gint64 u1 = -1, u2 = -1;
  gint64 a = mrd_clock_realtime_minus_boottime (&u1);
  g_usleep (20000);
  gint64 b = mrd_clock_realtime_minus_boottime (&u2);
  struct timespec r, t;

  assert_true (u1 >= 0 && u2 >= 0);
  assert_true (llabs (b - a) <= u1 + u2 + 1000);
  /* It is the distance between the two clocks, not a difference of anything else. */
  clock_gettime (CLOCK_REALTIME, &r);
  clock_gettime (CLOCK_BOOTTIME, &t);
  assert_true (llabs ((r.tv_sec - t.tv_sec) * SEC + (r.tv_nsec - t.tv_nsec) - b) < 100000000);
}

static void
virtual_clock_reports_its_true_offset (void **state)
{
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.5, 0.0);
  g_autoptr(MrdClock) sys = mrd_clock_new_system_full (fake_adjtime, NULL, 100);
  double off = 0.0;

  assert_true (mrd_clock_get_true_offset (clock, &off));
  assert_float_equal (off, 0.5, 1e-3);
  assert_true (mrd_clock_step (clock, -0.5, NULL));
  assert_true (mrd_clock_get_true_offset (clock, &off));
  assert_float_equal (off, 0.0, 1e-3);
  /* Nobody knows the system clock's truth. */
  assert_false (mrd_clock_get_true_offset (sys, &off));
}

/* The virtual clock is drawn against CLOCK_REALTIME (clock/mrd-clock-virtual.c); its timers
 * run on CLOCK_MONOTONIC. A deadline 0.25 s of its own time ahead, on a clock running 10 %
 * fast, is 0.25 / 1.1 s of CLOCK_MONOTONIC away (a mapping that forgot the rate, or took the
 * CLOCK_REALTIME instant for a monotonic one, is off by 23 ms or by years). */
static void
virtual_clock_deadlines_map_to_monotonic_timers (void **state)
{
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (3.0, 0.0);
  struct timespec ts;
  gint64 mono, at, real = g_get_real_time () * 1000;

  assert_true (llabs (mrd_clock_realtime_to_monotonic (real + SEC)
                      - (g_get_monotonic_time () * 1000 + SEC)) < 2000000);
  assert_true (mrd_clock_set_freq (clock, 100000.0, NULL));
  clock_gettime (CLOCK_MONOTONIC, &ts);
  mono = (gint64) ts.tv_sec * SEC + ts.tv_nsec;
  at = mrd_clock_monotonic_at (clock, mrd_clock_now_ns (clock) + SEC / 4);
  assert_true (llabs (at - (mono + (gint64) (SEC / 4 / 1.1))) < 1000000);
}

static void
virtual_clock_carries_kernel_timestamps_over (void **state)
{
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (2.0, 0.0);
  gint64 real = g_get_real_time () * 1000;
  gint64 local = mrd_clock_from_realtime_ns (clock, real - 1000000);

  /* 1 ms before now on CLOCK_REALTIME is 2 s - 1 ms ahead on the virtual clock. */
  assert_true (llabs (local - (real + 2000000000 - 1000000)) < 2000000);
}

/* Without a drift file the engine starts from the frequency the kernel already has, as
 * chronyd does (reference.c), rather than setting it back to 0; with the virtual clock from
 * the correction it has (a restarted engine child finds the shared clock's). */
static void
engine_starts_from_the_clocks_frequency_without_a_drift_file (void **state)
{
  FakeKernel k = { .user_hz = 100, .tick = 10000 + 3, .freq = (long) (37.5 * 65536) };
  g_autoptr(MrdClock) sys = mrd_clock_new_system_full (fake_adjtime, &k, k.user_hz);
  g_autoptr(MrdClock) virt = mrd_clock_new_virtual (0.0, 0.0);
  g_autoptr(MrdSyncEngine) engine = NULL;
  NtpTracking t;
  double kernel_ppm = 3 * 100 + 37.5;   /* 3 µs of tick at USER_HZ 100 is 300 ppm */

  assert_float_equal (mrd_clock_get_freq (sys), kernel_ppm, 1e-3);
  engine = mrd_sync_engine_new (sys, NULL, NULL);
  mrd_sync_engine_start (engine);
  assert_float_equal (mrd_clock_get_freq (sys), kernel_ppm, 1e-3);
  mrd_sync_engine_get_tracking (engine, &t);
  /* Tracking's sign: positive = the clock runs fast uncorrected; this one needs speeding up. */
  assert_float_equal (t.freq_ppm, -kernel_ppm, 1e-3);
  mrd_sync_engine_stop (engine);
  g_clear_pointer (&engine, mrd_sync_engine_free);

  assert_true (mrd_clock_set_freq (virt, -12.25, NULL));
  engine = mrd_sync_engine_new (virt, NULL, NULL);
  mrd_sync_engine_start (engine);
  assert_float_equal (mrd_clock_get_freq (virt), -12.25, 1e-9);
  mrd_sync_engine_get_tracking (engine, &t);
  assert_float_equal (t.freq_ppm, 12.25, 1e-9);
  mrd_sync_engine_stop (engine);
}

/* 2016-12-31 00:00:00 UTC, the day that ended with the last inserted leap second. */
#define DAY_2016_12_31 (G_GINT64_CONSTANT (1483142400) * SEC)

static gint64
fake_mono (gpointer user_data)
{
  return *(gint64 *) user_data;
}

/* The kernel's STA_INS, on the virtual clock: at midnight UTC it goes back 1 s, so 23:59:59
 * is read twice (second_overflow, kernel/time/ntp.c), and only that once. */
static void
virtual_clock_inserts_an_armed_leap_second_at_midnight (void **state)
{
  gint64 mono = 1000 * SEC;
  gint64 midnight = DAY_2016_12_31 + 86400 * SEC;
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual_full (midnight - 2 * SEC + SEC / 2, 0.0,
                                                          fake_mono, &mono);

  assert_true (mrd_clock_set_leap (clock, 1, NULL));
  assert_int_equal (mrd_clock_get_leap (clock), 1);
  mono += SEC;                                   /* 23:59:59.5 */
  assert_int_equal (mrd_clock_now_ns (clock), midnight - SEC / 2);
  mono += SEC;                                   /* the leap second: 23:59:59.5 again */
  assert_int_equal (mrd_clock_now_ns (clock), midnight - SEC / 2);
  /* A frequency change within the leap second keeps the clock where it is. */
  assert_true (mrd_clock_set_freq (clock, 100.0, NULL));
  assert_int_equal (mrd_clock_now_ns (clock), midnight - SEC / 2);
  assert_true (mrd_clock_set_freq (clock, 0.0, NULL));
  mono += SEC;                                   /* 00:00:00.5 */
  assert_int_equal (mrd_clock_now_ns (clock), midnight + SEC / 2);
  /* The next midnight passes without another one. */
  mono += 86400 * SEC;
  assert_int_equal (mrd_clock_now_ns (clock), midnight + 86400 * SEC + SEC / 2);
}

/* STA_DEL: 23:59:59 is never read; 23:59:58.5 is followed a second later by 00:00:00.5. */
static void
virtual_clock_deletes_an_armed_leap_second (void **state)
{
  gint64 mono = 1000 * SEC;
  gint64 midnight = DAY_2016_12_31 + 86400 * SEC;
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual_full (midnight - 3 * SEC + SEC / 2, 0.0,
                                                          fake_mono, &mono);

  assert_true (mrd_clock_set_leap (clock, -1, NULL));
  mono += SEC;
  assert_int_equal (mrd_clock_now_ns (clock), midnight - 2 * SEC + SEC / 2);
  mono += SEC;
  assert_int_equal (mrd_clock_now_ns (clock), midnight + SEC / 2);
  /* Applied once: the next midnight passes as any other. */
  mono += 86400 * SEC;
  assert_int_equal (mrd_clock_now_ns (clock), midnight + 86400 * SEC + SEC / 2);
}

static void
virtual_clock_leap_disarmed_or_not_armed_is_not_applied (void **state)
{
  gint64 mono = 1000 * SEC;
  gint64 midnight = DAY_2016_12_31 + 86400 * SEC;
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual_full (midnight - SEC, 0.0, fake_mono, &mono);

  mono += 2 * SEC;
  assert_int_equal (mrd_clock_now_ns (clock), midnight + SEC);
  assert_true (mrd_clock_set_leap (clock, 1, NULL));
  assert_true (mrd_clock_set_leap (clock, 0, NULL));
  mono += 86400 * SEC;
  assert_int_equal (mrd_clock_now_ns (clock), midnight + 86400 * SEC + SEC);
}

/* The shared virtual clock (the daemon's, with its engine child) applies it the same way, in
 * real time: set to 0.1 s before midnight, armed, read 0.3 s later. */
static void
shared_clock_inserts_an_armed_leap_second (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdClock) clock = mrd_clock_shared_new (0.0, 0.0, &error);
  gint64 midnight = DAY_2016_12_31 + 86400 * SEC;
  gint64 now;

  assert_non_null (clock);
  assert_true (mrd_clock_set_ns (clock, midnight - SEC / 10, NULL));
  assert_true (mrd_clock_set_leap (clock, 1, NULL));
  g_usleep (300000);
  now = mrd_clock_now_ns (clock);
  /* 0.2 s into the leap second: 23:59:59.2 (+ scheduling delay), not 00:00:00.2. */
  assert_true (now >= midnight - SEC + SEC / 5 && now < midnight - SEC / 2);
  /* Folded into the anchor by the next change: the clock goes on from where it was. */
  assert_true (mrd_clock_set_freq (clock, 0.0, NULL));
  assert_true (mrd_clock_step (clock, 86400.0, NULL));
  now = mrd_clock_now_ns (clock);
  assert_true (now >= midnight + 86400 * SEC - SEC + SEC / 5 &&
               now < midnight + 86400 * SEC - SEC / 2);
}

/* A slew planned through one end of the shared clock (the engine child's) ends by itself, as
 * the other end (the daemon's) reads it: 10 % fast until the clock has gained... 0.1 s of its
 * own time at 1.1 x is 0.0909 s of real time, a gain of 9.09 ms, and not one more microsecond
 * in the 0.2 s after, with nobody calling. */
static void
shared_clock_ends_a_planned_slew_for_both_processes (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdClock) daemon_end = mrd_clock_shared_new (0.0, 0.0, &error);
  g_autoptr(MrdClock) child_end = NULL;
  double offset_daemon, offset_child;
  gint64 until;

  assert_non_null (daemon_end);
  child_end = mrd_clock_shared_new_from_fd (dup (mrd_clock_shared_get_fd (daemon_end)), &error);
  assert_non_null (child_end);
  assert_true (mrd_clock_can_end_slews (child_end));
  until = mrd_clock_now_ns (child_end) + SEC / 10;
  assert_true (mrd_clock_set_freq_until (child_end, 100000.0, until, 0.0, &error));
  assert_true (fabs (mrd_clock_get_freq (daemon_end) - 100000.0) < 1e-9);
  /* One instant for both ends' timers (each maps CLOCK_REALTIME to CLOCK_MONOTONIC by its own
   * paired reads: within microseconds). */
  assert_true (llabs (mrd_clock_monotonic_at (daemon_end, until)
                      - mrd_clock_monotonic_at (child_end, until)) < 50000);
  g_usleep (300000);
  assert_true (mrd_clock_get_true_offset (daemon_end, &offset_daemon));
  assert_true (mrd_clock_get_true_offset (child_end, &offset_child));
  assert_true (fabs (offset_daemon - 0.1 * (1.0 - 1.0 / 1.1)) < 2e-4);
  assert_true (fabs (offset_child - offset_daemon) < 2e-4);
  assert_true (fabs (mrd_clock_get_freq (daemon_end)) < 1e-9);
  assert_true (fabs (mrd_clock_get_monotonic_rate (child_end) - 1.0) < 1e-12);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (range_is_the_tick_range_plus_the_frequency_range),
    cmocka_unit_test (split_takes_whole_ticks_and_the_rest_in_frequency),
    cmocka_unit_test (split_clamps_beyond_the_range),
    cmocka_unit_test (set_freq_sets_tick_and_frequency_together),
    cmocka_unit_test (step_uses_setoffset_with_a_normalised_negative_time),
    cmocka_unit_test (leap_flags_keep_the_other_status_bits),
    cmocka_unit_test (tai_offset_is_set_with_adj_tai_alone),
    cmocka_unit_test (sync_status_sets_errors_and_unsync_as_chronyd),
    cmocka_unit_test (prepare_drops_the_kernels_offset_and_holds_its_pll_frequency),
    cmocka_unit_test (decay_offset_hands_the_kernel_pll_the_offset_with_the_least_time_constant),
    cmocka_unit_test (realtime_minus_boottime_holds_still_between_reads),
    cmocka_unit_test (virtual_clock_reports_its_true_offset),
    cmocka_unit_test (virtual_clock_deadlines_map_to_monotonic_timers),
    cmocka_unit_test (virtual_clock_carries_kernel_timestamps_over),
    cmocka_unit_test (engine_starts_from_the_clocks_frequency_without_a_drift_file),
    cmocka_unit_test (virtual_clock_inserts_an_armed_leap_second_at_midnight),
    cmocka_unit_test (virtual_clock_deletes_an_armed_leap_second),
    cmocka_unit_test (virtual_clock_leap_disarmed_or_not_armed_is_not_applied),
    cmocka_unit_test (shared_clock_inserts_an_armed_leap_second),
    cmocka_unit_test (shared_clock_ends_a_planned_slew_for_both_processes),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
