/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for ntp-select: Marzullo intersection on textbook cases and against a brute force
 * on random sets, falsetickers, falseticker majorities, chronyd 4.3's rules for truechimers,
 * trust, require, prefer, noselect, minsources, too-variable sources, combining. */
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

static void
run (NtpSelectInput *in, int n, NtpSelectParams *p, int current, NtpSourceState *st,
     NtpSelectResult *r)
{
  ntp_select_run (in, n, p, current, st, r);
}

/* Two of three wrong, each its own way: no two intervals meet, nothing is followed. */
static void
two_wrong_of_three_leave_unsynchronized (void **state)
{
  (void) state;
  NtpSelectInput in[] = { src (0.0, 0.005, 1), src (0.050, 0.005, 1), src (-0.040, 0.005, 1) };
  NtpSourceState st[3];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  run (in, 3, &p, 0, st, &r);
  assert_int_equal (r.selected, -1);
  assert_string_equal (r.why_none, "no majority");
  for (int i = 0; i < 3; i++)
    assert_int_equal (st[i], NTP_STATE_FALSETICKER);
}

/* Two of four wrong: whether the wrong two agree with each other or not, two against two is
 * no majority; the honest pair is not followed either. One more honest source decides. */
static void
two_wrong_of_four_is_no_majority (void **state)
{
  (void) state;
  NtpSelectParams p = params ();
  NtpSourceState st[5];
  NtpSelectResult r;
  NtpSelectInput agree[] = { src (0.0, 0.005, 1), src (0.001, 0.005, 1), src (0.050, 0.005, 1),
                             src (0.051, 0.005, 1) };
  run (agree, 4, &p, -1, st, &r);
  assert_int_equal (r.selected, -1);
  for (int i = 0; i < 4; i++)
    assert_int_equal (st[i], NTP_STATE_FALSETICKER);
  NtpSelectInput apart[] = { src (0.0, 0.005, 1), src (0.001, 0.005, 1), src (0.050, 0.005, 1),
                             src (-0.050, 0.005, 1), src (0.0005, 0.005, 1) };
  run (apart, 4, &p, -1, st, &r);
  assert_int_equal (r.selected, -1);
  for (int i = 0; i < 4; i++)
    assert_int_equal (st[i], NTP_STATE_FALSETICKER);
  run (apart, 5, &p, -1, st, &r);
  assert_true (r.selected == 0 || r.selected == 1 || r.selected == 4);
  assert_int_equal (st[2], NTP_STATE_FALSETICKER);
  assert_int_equal (st[3], NTP_STATE_FALSETICKER);
}

/* chrony's truechimer: an interval containing the best region or lying within it; one that
 * only reaches into it is a falseticker. Here two regions of depth 3 ([0,2] and [8,10]) make
 * the best region [0,10]; [-5,2] and [8,15] only reach into it. */
static void
partial_overlap_is_a_falseticker (void **state)
{
  (void) state;
  NtpSelectInput in[] = { src (5, 5, 1), src (5, 5, 1), src (-1.5, 3.5, 1), src (11.5, 3.5, 1) };
  NtpSourceState st[4];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  p.maxjitter = 0;
  run (in, 4, &p, -1, st, &r);
  assert_true (r.lo == 0 && r.hi == 10);
  assert_int_equal (st[2], NTP_STATE_FALSETICKER);
  assert_int_equal (st[3], NTP_STATE_FALSETICKER);
  assert_true (r.selected == 0 || r.selected == 1);
}

/* `trust`: a trusted source is rejected only by other trusted sources. Two untrusted ones
 * agreeing with each other do not outvote it; two trusted ones that disagree are no
 * majority of the trusted, whatever the others say. */
static void
trust_is_outvoted_only_by_trusted (void **state)
{
  (void) state;
  NtpSelectParams p = params ();
  NtpSourceState st[3];
  NtpSelectResult r;
  NtpSelectInput in[] = { src (0.0, 0.001, 2), src (0.050, 0.001, 1), src (0.0505, 0.001, 1) };
  in[0].trust = true;
  run (in, 3, &p, -1, st, &r);
  assert_int_equal (r.selected, 0);
  assert_int_equal (st[1], NTP_STATE_FALSETICKER);
  assert_int_equal (st[2], NTP_STATE_FALSETICKER);
  NtpSelectInput two[] = { src (0.0, 0.001, 1), src (0.050, 0.001, 1), src (0.0, 0.001, 1) };
  two[0].trust = two[1].trust = true;
  run (two, 3, &p, -1, st, &r);
  assert_int_equal (r.selected, -1);
  assert_string_equal (r.why_none, "no majority");
}

/* With trusted sources, an untrusted truechimer whose interval reaches outside the trusted
 * region is kept out ('-', not combined), so it cannot pull the result out of that region;
 * one lying within it is combined. */
static void
untrusted_outside_the_trusted_region_is_not_combined (void **state)
{
  (void) state;
  NtpSelectInput in[] = { src (0.0, 0.001, 1), src (0.0, 0.0005, 2), src (0.0, 0.002, 1) };
  in[0].trust = true;
  NtpSourceState st[3];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  p.stratumweight = 0;
  run (in, 3, &p, -1, st, &r);
  assert_int_equal (r.selected, 1);     /* inside the trusted region, least distance */
  assert_int_equal (st[0], NTP_STATE_COMBINED);
  assert_int_equal (st[2], NTP_STATE_NOT_COMBINED);
}

/* `require`: if any source has it, one of them must be a truechimer, else nothing is
 * selected (the others '-'); unusable or falseticker makes no difference. */
static void
require_needs_one_required_truechimer (void **state)
{
  (void) state;
  NtpSelectParams p = params ();
  NtpSourceState st[4];
  NtpSelectResult r;
  NtpSelectInput in[] = { src (0.0, 0.001, 1), src (0.0002, 0.002, 1), src (0.0001, 0.002, 1),
                          src (0.5, 0.001, 1) };
  in[3].require = true;                 /* a falseticker */
  run (in, 4, &p, -1, st, &r);
  assert_int_equal (r.selected, -1);
  assert_string_equal (r.why_none, "no required source in selectable sources");
  assert_int_equal (st[0], NTP_STATE_NOT_COMBINED);
  assert_int_equal (st[3], NTP_STATE_FALSETICKER);
  in[3].usable = false;                 /* unusable */
  run (in, 4, &p, -1, st, &r);
  assert_int_equal (r.selected, -1);
  in[2].require = true;                 /* a truechimer: any required one suffices */
  run (in, 4, &p, -1, st, &r);
  assert_int_equal (r.selected, 0);
}

/* minsources counts truechimers; the falseticker is still shown as one. */
static void
minsources_counts_truechimers (void **state)
{
  (void) state;
  NtpSelectInput in[] = { src (0.0, 0.001, 1), src (0.0001, 0.001, 1), src (0.5, 0.001, 1) };
  NtpSourceState st[3];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  p.minsources = 3;
  run (in, 3, &p, -1, st, &r);
  assert_int_equal (r.selected, -1);
  assert_int_equal (st[0], NTP_STATE_NOT_COMBINED);
  assert_int_equal (st[2], NTP_STATE_FALSETICKER);
}

/* Combining as chrony: within combinelimit x (distance + reselectdist), and frequencies that
 * agree within combinelimit x (both skews + 1 ppm). */
static void
combining_needs_distance_and_frequency (void **state)
{
  (void) state;
  NtpSelectInput in[] = { src (0.0, 0.001, 1), src (0.0, 0.0032, 1), src (0.0, 0.0029, 1) };
  NtpSourceState st[3];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  for (int i = 0; i < 3; i++)
    in[i].skew = 1e-6;
  run (in, 3, &p, -1, st, &r);
  assert_int_equal (r.selected, 0);
  /* 3.2 ms <= 3 x (1 + 0.1) ms: combined, thanks to reselectdist */
  assert_int_equal (st[1], NTP_STATE_COMBINED);
  assert_int_equal (st[2], NTP_STATE_COMBINED);
  /* 10 ppm apart > 3 x (1 + 1 + 1) ppm: not combined */
  in[2].freq = 10e-6;
  run (in, 3, &p, -1, st, &r);
  assert_int_equal (st[2], NTP_STATE_NOT_COMBINED);
  in[2].freq = 8e-6;
  run (in, 3, &p, -1, st, &r);
  assert_int_equal (st[2], NTP_STATE_COMBINED);
}

/* A preferred falseticker does not count: the others are selected as if it were not
 * preferred; preferred truechimers exclude the rest. */
static void
preferred_falseticker_is_still_a_falseticker (void **state)
{
  (void) state;
  NtpSelectInput in[] = { src (0.0, 0.001, 1), src (0.0001, 0.002, 1), src (0.5, 0.001, 1) };
  in[2].prefer = true;
  NtpSourceState st[3];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  run (in, 3, &p, -1, st, &r);
  assert_int_equal (st[2], NTP_STATE_FALSETICKER);
  assert_int_equal (r.selected, 0);
  assert_int_equal (st[1], NTP_STATE_COMBINED);
  in[1].prefer = true;
  run (in, 3, &p, -1, st, &r);
  assert_int_equal (r.selected, 1);
  assert_int_equal (st[0], NTP_STATE_NOT_COMBINED);
}

/* The interval given by the statistics replaces offset +- distance, which still ranks. */
static void
narrowed_interval_decides_truechimers (void **state)
{
  (void) state;
  /* offset +- distance would take the third in; the narrowed intervals do not */
  NtpSelectInput in[] = { src (0.0, 0.070, 1), src (0.001, 0.070, 1), src (0.050, 0.001, 1) };
  in[0].lo = -0.020, in[0].hi = 0.020;
  in[1].lo = -0.019, in[1].hi = 0.021;
  NtpSourceState st[3];
  NtpSelectResult r;
  NtpSelectParams p = params ();
  run (in, 3, &p, -1, st, &r);
  assert_int_equal (st[2], NTP_STATE_FALSETICKER);
  assert_int_equal (r.selected, 0);
  in[0].lo = in[0].hi = in[1].lo = in[1].hi = 0;
  run (in, 3, &p, -1, st, &r);
  assert_int_equal (r.selected, 2);
}

/* chronyc selectdata's verdicts. The first two cases are what a real chronyd 4.3 showed
 * (tests/cli/fixtures/chronyc-4.3/selectdata-v.txt and selectdata-combined-v.txt): a
 * `prefer trust` server and a second whose interval reaches past the trusted one's, with a
 * `noselect require` third that can never be selected: W, T, N; two agreeing servers: *, +.
 * Then each other verdict where ntp_select_run decides it. */
static void
selectdata_verdicts_as_chronyd (void **state)
{
  (void) state;
  NtpSelectParams p = params ();
  NtpSourceState st[5];
  NtpSelectResult r;
  NtpSelectInput a[] = { src (1.5e-6, 3.9e-6, 1), src (2.0e-6, 4.0e-6, 2), src (0, 1, 0) };
  a[0].prefer = a[0].trust = true;
  a[2].usable = false;
  a[2].noselect = a[2].require = true;
  run (a, 3, &p, -1, st, &r);
  assert_int_equal (r.selected, -1);
  assert_int_equal (r.verdict[0], NTP_SELECT_WAITS_FOR_SOURCES);
  assert_int_equal (r.verdict[1], NTP_SELECT_NOT_TRUSTED);
  assert_int_equal (r.verdict[2], NTP_SELECT_NOSELECT);

  NtpSelectInput b[] = { src (-0.2e-6, 4.0e-6, 1), src (0, 4.1e-6, 2) };
  p.stratumweight = 0;
  run (b, 2, &p, -1, st, &r);
  assert_int_equal (r.verdict[0], NTP_SELECT_BEST);
  assert_int_equal (r.verdict[1], NTP_SELECT_COMBINED);
  assert_true (r.score[0] == 1.0 && r.score[1] == 1.0);

  /* falseticker, jittery, not preferred, too distant to combine */
  NtpSelectInput c[] = { src (0.0001, 0.004, 1), src (-0.0002, 0.005, 1), src (0.050, 0.005, 1),
                         src (0.0, 0.004, 1), src (0.0, 0.020, 1) };
  c[0].prefer = true;
  c[3].std_dev = 2.0;
  run (c, 5, &p, -1, st, &r);
  assert_int_equal (r.verdict[0], NTP_SELECT_BEST);
  assert_int_equal (r.verdict[1], NTP_SELECT_NOT_PREFERRED);
  assert_int_equal (r.verdict[2], NTP_SELECT_FALSETICKER);
  assert_int_equal (r.verdict[3], NTP_SELECT_JITTERY);
  assert_int_equal (r.verdict[4], NTP_SELECT_NOT_PREFERRED);
  c[0].prefer = false;
  run (c, 5, &p, -1, st, &r);
  assert_int_equal (r.verdict[0], NTP_SELECT_BEST);
  assert_int_equal (r.verdict[1], NTP_SELECT_COMBINED);
  assert_int_equal (r.verdict[4], NTP_SELECT_DISTANT);   /* 20 ms > 3 x 4.1 ms */
  /* unusable sources are left for the engine to say why */
  c[1].usable = false;
  run (c, 5, &p, -1, st, &r);
  assert_int_equal (r.verdict[1], NTP_SELECT_MISSING_SAMPLES);

  /* The score: a candidate better than the selected one kept by the hysteresis shows the
   * ratio of their scores; the selected one and worse candidates show 1. */
  NtpSelectInput d[] = { src (0.0, 0.00405, 1), src (0.0, 0.0040, 1), src (0.0, 0.0050, 1) };
  run (d, 3, &p, 0, st, &r);
  assert_int_equal (r.selected, 0);
  assert_true (fabs (r.score[1] - 0.00405 / 0.0040) < 1e-12);
  assert_true (r.score[0] == 1.0 && r.score[2] == 1.0);
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
    cmocka_unit_test (two_wrong_of_three_leave_unsynchronized),
    cmocka_unit_test (two_wrong_of_four_is_no_majority),
    cmocka_unit_test (partial_overlap_is_a_falseticker),
    cmocka_unit_test (trust_is_outvoted_only_by_trusted),
    cmocka_unit_test (untrusted_outside_the_trusted_region_is_not_combined),
    cmocka_unit_test (require_needs_one_required_truechimer),
    cmocka_unit_test (minsources_counts_truechimers),
    cmocka_unit_test (combining_needs_distance_and_frequency),
    cmocka_unit_test (preferred_falseticker_is_still_a_falseticker),
    cmocka_unit_test (narrowed_interval_decides_truechimers),
    cmocka_unit_test (selectdata_verdicts_as_chronyd),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
