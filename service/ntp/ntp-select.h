/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-select.h — source selection and combining (RFC 5905 §11.2, chrony's sources.c).
 *
 * Each usable source gives a correctness interval [offset - distance, offset + distance]
 * that contains the true offset if the source is honest. The largest set of mutually
 * overlapping intervals (Marzullo's algorithm) must hold a majority; sources outside it are
 * falsetickers. Of the survivors the best (lowest stratum-weighted distance, `prefer`
 * first) is selected, and those not much worse are combined with weights 1/distance.
 */
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
} NtpSelectInput;

typedef struct {
  double stratumweight;   /* s per stratum */
  double reselectdist;    /* s: a new best must beat the current one by this much */
  double combinelimit;    /* combine sources with distance < limit * the selected one's */
  int minsources;
  double maxjitter;       /* s: std dev above this is "too variable" */
} NtpSelectParams;

typedef struct {
  int selected;           /* index, -1 = none */
  int n_combined;         /* including the selected one */
  double lo, hi;          /* intersection found (s) */
  const char *why_none;   /* when selected == -1: a short reason, or NULL */
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
