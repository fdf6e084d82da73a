/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for ntp-select: Marzullo intersection on textbook cases and against a brute force
 * on random sets, falsetickers, prefer,
 * noselect, minsources, too-variable sources, combining. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "ntp-engine.h"
#include "ntp-select.h"

/* Brute force: the depth of a point is how many closed intervals contain it; the deepest
 * points lie at interval ends, so trying every end finds the greatest depth, and the first
 * and last ends at that depth bound the region the sweep reports. */
static int
brute_intersect (const double *lo, const double *hi, int n, double *out_lo, double *out_hi)
{
  int best = 0;
  double blo = 0, bhi = 0;
  for (int k = 0; k < 2 * n; k++) {
    double x = k < n ? lo[k] : hi[k - n];
    int depth = 0;
    for (int i = 0; i < n; i++)
      depth += lo[i] <= x && x <= hi[i];
    if (depth > best) {
      best = depth;
      blo = bhi = x;
    } else if (depth == best) {
      blo = fmin (blo, x);
      bhi = fmax (bhi, x);
    }
  }
  *out_lo = blo;
  *out_hi = bhi;
  return best;
}

static uint64_t rng_state = 0xD1B54A32D192ED03ULL;
static double
uniform01 (void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return ((rng_state * 0x2545F4914F6CDD1DULL >> 11) + 0.5) / 9007199254740992.0;
}

/* The sweep against the brute force on random interval sets: real-valued ends (no ties), and
 * small integer ends (many ties, touching and nested intervals), 1 to 20 intervals. */
static void
marzullo_matches_brute_force_on_random_sets (void **state)
{
  (void) state;
  for (int t = 0; t < 20000; t++) {
    int n = 1 + (int) (uniform01 () * 20);
    bool ties = t % 2;
    double lo[20], hi[20];
    for (int i = 0; i < n; i++) {
      double c = ties ? floor (uniform01 () * 10) : uniform01 () * 10;
      double r = ties ? floor (uniform01 () * 4) : uniform01 () * 3;
      lo[i] = c - r;
      hi[i] = c + r;
    }
    double a, b, ra, rb;
    int d = ntp_select_intersect (lo, hi, n, &a, &b);
    int rd = brute_intersect (lo, hi, n, &ra, &rb);
    if (d != rd || a != ra || b != rb) {
      print_error ("set %d (%d intervals): sweep depth %d [%g, %g], brute force %d [%g, %g]\n", t,
                   n, d, a, b, rd, ra, rb);
      fail ();
    }
  }
}

static void
marzullo_textbook_all_agree (void **state)
{
  (void) state;
  /* Marzullo's example: 10+-2, 12+-1, 11+-1 -> [8,12], [11,13], [10,12]: all three meet
   * in [11,12]. */
  double lo[] = { 8, 11, 10 }, hi[] = { 12, 13, 12 };
  double a, b;
  assert_int_equal (ntp_select_intersect (lo, hi, 3, &a, &b), 3);
  assert_true (a == 11 && b == 12);
}

static void
marzullo_textbook_one_outlier (void **state)
{
  (void) state;
  /* 8+-1, 12+-1, 11+-1 -> [7,9], [11,13], [10,12]: two meet in [11,12]; [7,9] is alone. */
  double lo[] = { 7, 11, 10 }, hi[] = { 9, 13, 12 };
  double a, b;
  assert_int_equal (ntp_select_intersect (lo, hi, 3, &a, &b), 2);
  assert_true (a == 11 && b == 12);
}

static void
marzullo_touching_intervals_overlap (void **state)
{
  (void) state;
  double lo[] = { 0, 1 }, hi[] = { 1, 2 };
  double a, b;
  assert_int_equal (ntp_select_intersect (lo, hi, 2, &a, &b), 2);
  assert_true (a == 1 && b == 1);
}

static NtpSelectParams
params (void)
{
  NtpSelectParams p = { .stratumweight = 0.001, .reselectdist = 1e-4, .combinelimit = 3,
                        .minsources = 1, .maxjitter = 1.0 };
  return p;
}

static NtpSelectInput
src (double offset, double distance, int stratum)
{
  NtpSelectInput s = { .usable = true, .stratum = stratum, .offset = offset,
                       .distance = distance, .std_dev = distance / 10 };
  return s;
}

static void
falseticker_is_marked_and_not_selected (void **state)
{
  (void) state;
  /* four servers; the last 50 ms off with 5 ms distance */
  NtpSelectInput in[] = { src (0.0001, 0.004, 1), src (-0.0002, 0.005, 2),
                          src (0.0003, 0.006, 2), src (0.050, 0.005, 1) };
  NtpSourceState st[4];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  ntp_select_run (in, 4, &p, -1, st, &r);
  assert_int_equal (st[3], NTP_STATE_FALSETICKER);
  assert_int_equal (r.selected, 0);
  assert_int_equal (st[0], NTP_STATE_SELECTED);
  assert_int_equal (st[1], NTP_STATE_COMBINED);
  assert_int_equal (st[2], NTP_STATE_COMBINED);
}

static void
no_majority_selects_nothing (void **state)
{
  (void) state;
  /* two sources that disagree: neither can be trusted (chrony: "no majority") */
  NtpSelectInput in[] = { src (0.0, 0.001, 1), src (0.1, 0.001, 1) };
  NtpSourceState st[2];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  ntp_select_run (in, 2, &p, -1, st, &r);
  assert_int_equal (r.selected, -1);
  assert_int_equal (st[0], NTP_STATE_FALSETICKER);
  assert_int_equal (st[1], NTP_STATE_FALSETICKER);
  /* ...unless one of them is trusted */
  in[1].trust = true;
  ntp_select_run (in, 2, &p, -1, st, &r);
  assert_int_equal (r.selected, 1);
  assert_int_equal (st[0], NTP_STATE_FALSETICKER);
}

static void
prefer_wins_and_others_are_not_combined (void **state)
{
  (void) state;
  /* the seed-ec2 shape: a link-local preferred server with a tiny distance beside Internet
   * servers; even a closer-looking unpreferred source must not be selected */
  NtpSelectInput in[] = { src (0.00001, 0.002, 3), src (0.0002, 0.001, 1),
                          src (-0.0003, 0.030, 2) };
  in[0].prefer = true;
  NtpSourceState st[3];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  ntp_select_run (in, 3, &p, -1, st, &r);
  assert_int_equal (r.selected, 0);
  assert_int_equal (st[0], NTP_STATE_SELECTED);
  assert_int_equal (st[1], NTP_STATE_NOT_COMBINED);
  assert_int_equal (st[2], NTP_STATE_NOT_COMBINED);
}

static void
best_distance_and_stratum_weight_choose (void **state)
{
  (void) state;
  NtpSelectInput in[] = { src (0.0, 0.010, 1), src (0.0, 0.004, 2), src (0.0, 0.040, 1) };
  NtpSourceState st[3];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  ntp_select_run (in, 3, &p, -1, st, &r);
  assert_int_equal (r.selected, 1);
  /* 0.010 <= 3 * 0.004: combined; 0.040 is not */
  assert_int_equal (st[0], NTP_STATE_COMBINED);
  assert_int_equal (st[2], NTP_STATE_NOT_COMBINED);
  /* a heavy stratum weight turns it around: 1*0.01+0.010 < 2*0.01+0.004 */
  p.stratumweight = 0.01;
  ntp_select_run (in, 3, &p, -1, st, &r);
  assert_int_equal (r.selected, 0);
}

static void
reselect_hysteresis_keeps_current (void **state)
{
  (void) state;
  NtpSelectInput in[] = { src (0.0, 0.00405, 1), src (0.0, 0.0040, 1) };
  NtpSourceState st[2];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  ntp_select_run (in, 2, &p, 0, st, &r);
  assert_int_equal (r.selected, 0);      /* 50 us worse, within reselectdist 100 us */
  in[0].distance = 0.0045;
  ntp_select_run (in, 2, &p, 0, st, &r);
  assert_int_equal (r.selected, 1);
}

static void
noselect_unusable_and_jittery_sources (void **state)
{
  (void) state;
  NtpSelectInput in[] = { src (0.0, 0.001, 1), src (0.0, 0.001, 1), src (0.0, 0.001, 1),
                          src (0.0, 0.001, 1) };
  in[0].noselect = true;
  in[1].usable = false;
  in[2].std_dev = 2.0;
  NtpSourceState st[4];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  ntp_select_run (in, 4, &p, -1, st, &r);
  assert_int_equal (st[0], NTP_STATE_UNUSABLE);
  assert_int_equal (st[1], NTP_STATE_UNUSABLE);
  assert_int_equal (st[2], NTP_STATE_TOO_VARIABLE);
  assert_int_equal (st[3], NTP_STATE_SELECTED);
  assert_int_equal (r.selected, 3);
}

static void
minsources_is_honoured (void **state)
{
  (void) state;
  NtpSelectInput in[] = { src (0.0, 0.001, 1), src (0.0001, 0.001, 1) };
  NtpSourceState st[2];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  p.minsources = 3;
  ntp_select_run (in, 2, &p, -1, st, &r);
  assert_int_equal (r.selected, -1);
  assert_non_null (r.why_none);
  p.minsources = 2;
  ntp_select_run (in, 2, &p, -1, st, &r);
  assert_true (r.selected >= 0);
}

static void
state_chars_as_chronyc (void **state)
{
  (void) state;
  assert_int_equal (ntp_source_state_char (NTP_STATE_SELECTED), '*');
  assert_int_equal (ntp_source_state_char (NTP_STATE_COMBINED), '+');
  assert_int_equal (ntp_source_state_char (NTP_STATE_NOT_COMBINED), '-');
  assert_int_equal (ntp_source_state_char (NTP_STATE_FALSETICKER), 'x');
  assert_int_equal (ntp_source_state_char (NTP_STATE_TOO_VARIABLE), '~');
  assert_int_equal (ntp_source_state_char (NTP_STATE_UNUSABLE), '?');
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (marzullo_textbook_all_agree),
    cmocka_unit_test (marzullo_textbook_one_outlier),
    cmocka_unit_test (marzullo_touching_intervals_overlap),
    cmocka_unit_test (marzullo_matches_brute_force_on_random_sets),
    cmocka_unit_test (falseticker_is_marked_and_not_selected),
    cmocka_unit_test (no_majority_selects_nothing),
    cmocka_unit_test (prefer_wins_and_others_are_not_combined),
    cmocka_unit_test (best_distance_and_stratum_weight_choose),
    cmocka_unit_test (reselect_hysteresis_keeps_current),
    cmocka_unit_test (noselect_unusable_and_jittery_sources),
    cmocka_unit_test (minsources_is_honoured),
    cmocka_unit_test (state_chars_as_chronyc),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
