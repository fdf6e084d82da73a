/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-select.h — source selection and combining (RFC 5905 §11.2, chrony's sources.c).
 *
 * Each usable source gives a correctness interval (offset +- root distance, narrowed by the
 * statistics) that contains the true offset if the source is honest. As in chronyd 4.3: the
 * region covered by the most intervals (by the most `trust` ones first) must be covered by
 * a majority (of the trusted sources, when one covers it), else every source is a
 * falseticker; a truechimer's interval contains that region or lies within it; with `trust`
 * sources the others must also lie within the trusted region ('-' otherwise); a `require`
 * source anywhere means one must be a truechimer; fewer truechimers than minsources select
 * nothing ('-'); `prefer` truechimers exclude the others ('-'); the best has the least root
 * distance + stratumweight x (stratum - the least stratum); those within combinelimit x its
 * distance (+ reselectdist) whose frequencies agree within combinelimit x both skews (+1 ppm)
 * are combined ('+'), the rest are '-'.
 *
 * Simplified: chrony switches sources through a score accumulated over updates and keeps a
 * "distant" source out of combining for 32 selections; here the current source is kept
 * unless another one's score is lower by more than reselectdist, and combining is decided
 * afresh at every selection. */
#pragma once

#include <stdbool.h>

#include "ntp-types.h"

typedef struct {
  bool usable;        /* has a fit (enough samples), reachable, within maxdistance */
  bool noselect, prefer, trust, require;
  int stratum;
  double offset;      /* s, estimated now */
  double distance;    /* s, root distance: ranks and weighs the source */
  /* s: the interval the true offset lies in, when the statistics narrowed it
   * (NtpStatsSelection.lo/hi); lo >= hi means offset +- distance */
  double lo, hi;
  double std_dev;     /* s */
  double freq, skew;  /* residual frequency and its bound (fractions), for combining */
} NtpSelectInput;

typedef struct {
  double stratumweight;   /* s per stratum */
  double reselectdist;    /* s: a new best must beat the current one by this much */
  double combinelimit;    /* combine sources with distance < limit * the selected one's */
  int minsources;
  double maxjitter;       /* s: std dev above this is "too variable" */
  double maxclockerror;   /* fraction: frequencies agree within combinelimit x (skews + this);
                           * 0 = chrony's default, 1e-6 */
} NtpSelectParams;

typedef struct {
  int selected;           /* index, -1 = none */
  int n_combined;         /* including the selected one */
  double lo, hi;          /* intersection found (s) */
  const char *why_none;   /* when selected == -1: a short reason, or NULL */
  /* Per source, for chronyc selectdata: the verdict of the sources this run judged (those
   * usable and not noselect; the others' are left NTP_SELECT_MISSING_SAMPLES for the caller
   * to say why), and the score against the selected source (1 unless it was a candidate
   * better than the selected one: the selected one's distance + stratum weight over its own). */
  NtpSelectVerdict verdict[NTP_MAX_SOURCES];
  double score[NTP_MAX_SOURCES];
} NtpSelectResult;

/* Intervals that overlap in the deepest region: the classic Marzullo sweep. Returns the
 * depth (how many intervals contain the region) and the region in *lo, *hi. Ties: the widest
 * span from the first to the last region of greatest depth. */
int ntp_select_intersect (const double *lo, const double *hi, int n, double *out_lo,
                          double *out_hi);

/* Fills state[i] for every source and the result. `current`: the previously selected
 * source (-1 none), kept unless another is better by reselectdist. */
void ntp_select_run (const NtpSelectInput *in, int n, const NtpSelectParams *params, int current,
                     NtpSourceState *state, NtpSelectResult *res);
