/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the clock backends' arithmetic (service/clock). Only the virtual clock is
 * exercised: the system clock is never created in tests (it could move the host's clock). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>
#include <gio/gio.h>
#include "clock/mrd-clock.h"

#define NS_PER_S G_GINT64_CONSTANT (1000000000)
#define START_NS (G_GINT64_CONSTANT (1700000000) * NS_PER_S)

typedef struct {
  gint64 mono;
} FakeMonotonic;

static gint64
fake_mono (gpointer user_data)
{
  return ((FakeMonotonic *) user_data)->mono;
}

static void
virtual_clock_starts_at_given_time (void **state)
{
  FakeMonotonic m = { .mono = 5 * NS_PER_S };
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual_full (START_NS, 0.0, fake_mono, &m);

  assert_int_equal (mrd_clock_now_ns (clock), START_NS);
  assert_string_equal (mrd_clock_get_name (clock), "virtual");
  m.mono += 2 * NS_PER_S;
  assert_int_equal (mrd_clock_now_ns (clock), START_NS + 2 * NS_PER_S);
  assert_int_equal (mrd_clock_now_usec (clock), (START_NS + 2 * NS_PER_S) / 1000);
}

static void
virtual_clock_frequency_error_gains_ppm (void **state)
{
  FakeMonotonic m = { .mono = 0 };
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual_full (START_NS, 23.0, fake_mono, &m);

  /* +23 ppm: 23 µs fast after one second, 1.9872 s fast after a day. */
  m.mono = NS_PER_S;
  assert_int_equal (mrd_clock_now_ns (clock) - START_NS, NS_PER_S + 23000);
  m.mono = 86400 * NS_PER_S;
  assert_int_equal (mrd_clock_now_ns (clock) - START_NS, 86400 * NS_PER_S + 1987200000);
}

static void
virtual_clock_negative_error_loses_time (void **state)
{
  FakeMonotonic m = { .mono = 0 };
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual_full (START_NS, -100.0, fake_mono, &m);

  m.mono = 10 * NS_PER_S;
  assert_int_equal (mrd_clock_now_ns (clock) - START_NS, 10 * NS_PER_S - 1000000);
}

static void
virtual_clock_set_freq_cancels_error_and_stays_continuous (void **state)
{
  FakeMonotonic m = { .mono = 0 };
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual_full (START_NS, 23.0, fake_mono, &m);
  gint64 before, after;

  m.mono = 100 * NS_PER_S;
  before = mrd_clock_now_ns (clock);
  assert_true (mrd_clock_set_freq (clock, -23.0, NULL));
  after = mrd_clock_now_ns (clock);
  /* Changing the frequency never moves the reading at that instant. */
  assert_int_equal (before, after);
  assert_true (fabs (mrd_clock_get_freq (clock) + 23.0) < 1e-12);
  /* From now on the correction cancels the error: exactly real seconds. */
  m.mono += 1000 * NS_PER_S;
  assert_int_equal (mrd_clock_now_ns (clock) - after, 1000 * NS_PER_S);
}

static void
virtual_clock_step_moves_by_offset (void **state)
{
  FakeMonotonic m = { .mono = 0 };
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual_full (START_NS, 0.0, fake_mono, &m);

  m.mono = NS_PER_S;
  assert_true (mrd_clock_step (clock, 0.5, NULL));
  assert_int_equal (mrd_clock_now_ns (clock), START_NS + NS_PER_S + NS_PER_S / 2);
  assert_true (mrd_clock_step (clock, -2.25, NULL));
  assert_int_equal (mrd_clock_now_ns (clock), START_NS + NS_PER_S + NS_PER_S / 2 - 2250000000);
  /* Time keeps running after a step. */
  m.mono += 3 * NS_PER_S;
  assert_int_equal (mrd_clock_now_ns (clock), START_NS + 4 * NS_PER_S + NS_PER_S / 2 - 2250000000);
}

/* A slew the clock ends itself: +1000 ppm until the clock reads 2 s on (2 s less the 2 ms the
 * slew gains, on CLOCK_MONOTONIC), then the correction -23 that cancels the clock's error. */
static void
virtual_clock_ends_a_planned_slew_by_itself (void **state)
{
  FakeMonotonic m = { .mono = 0 };
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual_full (START_NS, 23.0, fake_mono, &m);
  gint64 until = START_NS + 2 * NS_PER_S;
  gint64 bend_mono;

  assert_true (mrd_clock_can_end_slews (clock));
  assert_true (mrd_clock_set_freq_until (clock, 1000.0 - 23.0, until, -23.0, NULL));
  assert_int_equal (mrd_clock_now_ns (clock), START_NS);
  assert_true (fabs (mrd_clock_get_freq (clock) - 977.0) < 1e-12);
  assert_true (fabs (mrd_clock_get_monotonic_rate (clock) - 1.001) < 1e-12);
  /* 1000 ppm fast until the clock reads `until`: 2 s / 1.001 of CLOCK_MONOTONIC. */
  m.mono = NS_PER_S;
  assert_int_equal (mrd_clock_now_ns (clock), START_NS + NS_PER_S + 1000000);
  bend_mono = mrd_clock_monotonic_at (clock, until);
  assert_true (fabs ((double) bend_mono - 2e9 / 1.001) <= 1.0);
  m.mono = bend_mono - 1;
  assert_true (mrd_clock_now_ns (clock) < until);
  m.mono = bend_mono;
  assert_true (mrd_clock_now_ns (clock) >= until && mrd_clock_now_ns (clock) <= until + 1);
  /* From there exactly real seconds, with nobody having called in between. */
  m.mono = bend_mono + 1000 * NS_PER_S;
  assert_true (llabs (mrd_clock_now_ns (clock) - (until + 1000 * NS_PER_S)) <= 1);
  assert_true (fabs (mrd_clock_get_freq (clock) + 23.0) < 1e-12);
  assert_true (fabs (mrd_clock_get_monotonic_rate (clock) - 1.0) < 1e-12);
}

/* A timer for a reading beyond the bend is mapped through both segments, never early. */
static void
virtual_clock_maps_a_deadline_across_the_planned_change (void **state)
{
  FakeMonotonic m = { .mono = 7 * NS_PER_S };
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual_full (START_NS, 0.0, fake_mono, &m);
  gint64 deadline = START_NS + 16 * NS_PER_S;
  gint64 at;

  /* 100000 ppm (10 %) for the first 1.1 s of the clock, then nothing: 1 s + 14.9 s. */
  assert_true (mrd_clock_set_freq_until (clock, 100000.0, START_NS + G_GINT64_CONSTANT (1100000000), 0.0, NULL));
  at = mrd_clock_monotonic_at (clock, deadline);
  assert_true (llabs (at - (7 * NS_PER_S + G_GINT64_CONSTANT (15900000000))) <= 2);
  m.mono = at - 1;
  assert_true (mrd_clock_now_ns (clock) < deadline);
  m.mono = at;
  assert_true (mrd_clock_now_ns (clock) >= deadline);
  /* The rate the old code divided by (the slew's) would have woken it 1.45 s early. */
  assert_true (7 * NS_PER_S + (gint64) (16e9 / 1.1) < at - NS_PER_S);
}

/* A set_freq, a step or a new plan before the end replaces the plan; after the end, a change
 * starts from the bent line without moving the reading. */
static void
virtual_clock_plan_is_replaced_by_a_later_change (void **state)
{
  FakeMonotonic m = { .mono = 0 };
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual_full (START_NS, 0.0, fake_mono, &m);
  gint64 before;

  assert_true (mrd_clock_set_freq_until (clock, 500.0, START_NS + 10 * NS_PER_S, 0.0, NULL));
  m.mono = NS_PER_S;
  assert_true (mrd_clock_set_freq (clock, 40.0, NULL));
  before = mrd_clock_now_ns (clock);
  assert_int_equal (before, START_NS + NS_PER_S + 500000);
  m.mono += 100 * NS_PER_S;
  /* 40 ppm for good: the old plan's end (and its 0) no longer applies. */
  assert_int_equal (mrd_clock_now_ns (clock), before + 100 * NS_PER_S + 4000000);
  assert_true (fabs (mrd_clock_get_freq (clock) - 40.0) < 1e-12);

  /* A plan whose end is not ahead sets the final frequency at once. */
  assert_true (mrd_clock_set_freq_until (clock, 9000.0, START_NS, -5.0, NULL));
  assert_true (fabs (mrd_clock_get_freq (clock) + 5.0) < 1e-12);

  /* Past the end, a step keeps the new rate and moves the reading by the step alone. */
  assert_true (mrd_clock_set_freq_until (clock, 1000.0, mrd_clock_now_ns (clock) + NS_PER_S,
                                         0.0, NULL));
  m.mono += 5 * NS_PER_S;
  before = mrd_clock_now_ns (clock);
  assert_true (mrd_clock_step (clock, 0.25, NULL));
  assert_int_equal (mrd_clock_now_ns (clock), before + NS_PER_S / 4);
  m.mono += NS_PER_S;
  assert_int_equal (mrd_clock_now_ns (clock), before + NS_PER_S / 4 + NS_PER_S);
}

static void
virtual_clock_set_is_exact_and_keeps_rate (void **state)
{
  FakeMonotonic m = { .mono = 7 };
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual_full (START_NS, 50.0, fake_mono, &m);
  const gint64 target = G_GINT64_CONSTANT (1893456000) * NS_PER_S;   /* 2030-01-01 */

  assert_true (mrd_clock_set_ns (clock, target, NULL));
  assert_int_equal (mrd_clock_now_ns (clock), target);
  /* The deliberate error survives a set: +50 ppm over 10 s = 500 µs. */
  m.mono += 10 * NS_PER_S;
  assert_int_equal (mrd_clock_now_ns (clock), target + 10 * NS_PER_S + 500000);
}

static void
virtual_clock_with_offset_follows_real_time (void **state)
{
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (-3600.0, 0.0);
  gint64 real = g_get_real_time () * 1000;
  gint64 diff = mrd_clock_now_ns (clock) - real;

  /* An hour behind the host clock, give or take the time between the two readings. */
  assert_true (llabs (diff + 3600 * NS_PER_S) < NS_PER_S / 10);
}

/* KTIME_SEC_MAX - TIME_UPTIME_SEC_MAX (include/linux/time64.h), in ns. */
#define KERNEL_SETTOD_NS_MAX ((G_MAXINT64 / NS_PER_S - G_GINT64_CONSTANT (30) * 365 * 24 * 3600) \
                              * NS_PER_S)

static void
virtual_clock_refuses_what_the_kernel_refuses_and_stays_put (void **state)
{
  FakeMonotonic m = { .mono = 0 };
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual_full (START_NS, 0.0, fake_mono, &m);
  const gint64 bad[] = { KERNEL_SETTOD_NS_MAX, G_MAXINT64, -1, G_MININT64 };
  const double bad_steps[] = { 1e10, -1e10, 1e300, (double) KERNEL_SETTOD_NS_MAX / 1e9,
                               -(double) START_NS / 1e9 - 1.0, NAN, INFINITY, -INFINITY };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      assert_false (mrd_clock_set_ns (clock, bad[i], &error));
      assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
      assert_int_equal (mrd_clock_now_ns (clock), START_NS);
    }
  for (i = 0; i < G_N_ELEMENTS (bad_steps); i++)
    {
      g_autoptr(GError) error = NULL;

      assert_false (mrd_clock_step (clock, bad_steps[i], &error));
      assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
      assert_int_equal (mrd_clock_now_ns (clock), START_NS);
    }

  /* The last settable second still works, and the clock reads it. */
  assert_true (mrd_clock_set_ns (clock, KERNEL_SETTOD_NS_MAX - NS_PER_S, NULL));
  assert_int_equal (mrd_clock_now_ns (clock), KERNEL_SETTOD_NS_MAX - NS_PER_S);
  m.mono += NS_PER_S / 2;
  assert_int_equal (mrd_clock_now_ns (clock), KERNEL_SETTOD_NS_MAX - NS_PER_S / 2);
}

static void
clock_kind_parses_only_known_names (void **state)
{
  MrdClockKind kind;

  assert_true (mrd_clock_kind_from_string ("virtual", &kind));
  assert_int_equal (kind, MRD_CLOCK_KIND_VIRTUAL);
  assert_true (mrd_clock_kind_from_string ("system", &kind));
  assert_int_equal (kind, MRD_CLOCK_KIND_SYSTEM);
  assert_false (mrd_clock_kind_from_string ("System", &kind));
  assert_false (mrd_clock_kind_from_string ("", &kind));
  assert_false (mrd_clock_kind_from_string (NULL, &kind));
}

/* What meridiand and meridian-engine --no-bus both accept on the command line. */
static void
clock_options_are_checked_together (void **state)
{
  MrdClockKind kind = MRD_CLOCK_KIND_VIRTUAL;
  GError *error = NULL;

  assert_true (mrd_clock_check_options (NULL, 0.0, 0.0, &kind, &error));
  assert_int_equal (kind, MRD_CLOCK_KIND_SYSTEM);
  assert_true (mrd_clock_check_options ("virtual", -0.5, 23.054, &kind, &error));
  assert_int_equal (kind, MRD_CLOCK_KIND_VIRTUAL);
  assert_true (mrd_clock_check_options ("virtual", 0.0, -500000.0, &kind, &error));

  const struct { const char *name; double offset, freq; const char *says; } bad[] = {
    { "sytem", 0.0, 0.0, "--clock must be" },
    { NULL, 0.5, 0.0, "need --clock virtual" },
    { "system", 0.0, 1.0, "need --clock virtual" },
    { "virtual", NAN, 0.0, "between 1970 and 2232" },
    { "virtual", -1e10, 0.0, "between 1970 and 2232" },
    { "virtual", -(double) g_get_real_time () / 1e6 - 10.0, 0.0, "between 1970 and 2232" },
    { "virtual", 0.0, 500001.0, "500000 ppm" },
    { "virtual", 0.0, INFINITY, "500000 ppm" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      assert_false (mrd_clock_check_options (bad[i].name, bad[i].offset, bad[i].freq, &kind,
                                             &error));
      assert_true (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE));
      assert_non_null (strstr (error->message, bad[i].says));
      g_clear_error (&error);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (virtual_clock_starts_at_given_time),
    cmocka_unit_test (virtual_clock_frequency_error_gains_ppm),
    cmocka_unit_test (virtual_clock_negative_error_loses_time),
    cmocka_unit_test (virtual_clock_set_freq_cancels_error_and_stays_continuous),
    cmocka_unit_test (virtual_clock_step_moves_by_offset),
    cmocka_unit_test (virtual_clock_ends_a_planned_slew_by_itself),
    cmocka_unit_test (virtual_clock_maps_a_deadline_across_the_planned_change),
    cmocka_unit_test (virtual_clock_plan_is_replaced_by_a_later_change),
    cmocka_unit_test (virtual_clock_set_is_exact_and_keeps_rate),
    cmocka_unit_test (virtual_clock_with_offset_follows_real_time),
    cmocka_unit_test (virtual_clock_refuses_what_the_kernel_refuses_and_stays_put),
    cmocka_unit_test (clock_kind_parses_only_known_names),
    cmocka_unit_test (clock_options_are_checked_together),
  };

  return cmocka_run_group_tests_name ("clock", tests, NULL, NULL);
}
