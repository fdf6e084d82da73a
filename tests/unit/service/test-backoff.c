/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of service/net/mrd-backoff.c: the doubling retry delay with a ceiling. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>
#include "net/mrd-backoff.h"

static void
doubles_from_first_up_to_max_and_stays (void **state)
{
  static const guint want[] = { 1, 2, 4, 8, 16, 32, 60, 60, 60 };
  MrdBackoff b;

  mrd_backoff_init (&b, 1, 60);
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    assert_int_equal (mrd_backoff_next (&b), want[i]);
}

static void
reset_starts_over_at_first (void **state)
{
  MrdBackoff b;

  mrd_backoff_init (&b, 500, 3600000);
  assert_int_equal (mrd_backoff_next (&b), 500);
  assert_int_equal (mrd_backoff_next (&b), 1000);
  mrd_backoff_reset (&b);
  assert_int_equal (mrd_backoff_next (&b), 500);
}

static void
never_overflows_near_the_top_of_guint (void **state)
{
  MrdBackoff b;

  mrd_backoff_init (&b, G_MAXUINT / 2 + 1, G_MAXUINT);
  assert_int_equal (mrd_backoff_next (&b), G_MAXUINT / 2 + 1);
  assert_int_equal (mrd_backoff_next (&b), G_MAXUINT);
  assert_int_equal (mrd_backoff_next (&b), G_MAXUINT);
}

static void
degenerate_bounds_are_lifted (void **state)
{
  MrdBackoff b;

  /* A first delay of 0 would retry in a busy loop; a max below first would shrink it. */
  mrd_backoff_init (&b, 0, 0);
  assert_int_equal (mrd_backoff_next (&b), 1);
  assert_int_equal (mrd_backoff_next (&b), 1);
  mrd_backoff_init (&b, 10, 3);
  assert_int_equal (mrd_backoff_next (&b), 10);
  assert_int_equal (mrd_backoff_next (&b), 10);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (doubles_from_first_up_to_max_and_stays),
    cmocka_unit_test (reset_starts_over_at_first),
    cmocka_unit_test (never_overflows_near_the_top_of_guint),
    cmocka_unit_test (degenerate_bounds_are_lifted),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
