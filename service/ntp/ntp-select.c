/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-select.c — see ntp-select.h. */
#include "ntp-select.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
  double x;
  int type;     /* -1 = interval opens, +1 = closes */
} Edge;

static int
cmp_edge (const void *a, const void *b)
{
  const Edge *p = a, *q = b;
  if (p->x < q->x)
    return -1;
  if (p->x > q->x)
    return 1;
  /* At equal positions open before close, so touching intervals count as overlapping. */
  return p->type - q->type;
}

int
ntp_select_intersect (const double *lo, const double *hi, int n, double *out_lo, double *out_hi)
{
  Edge edges[2 * NTP_MAX_SOURCES];
  int m = 0;
  for (int i = 0; i < n && i < NTP_MAX_SOURCES; i++) {
    edges[m++] = (Edge) { lo[i], -1 };
    edges[m++] = (Edge) { hi[i], +1 };
  }
  qsort (edges, (size_t) m, sizeof *edges, cmp_edge);
  int depth = 0, best = 0;
  double blo = 0, bhi = 0;
  for (int i = 0; i < m; i++) {
    if (edges[i].type < 0) {
      depth++;
      if (depth > best) {
        best = depth;
        blo = edges[i].x;
        /* the region ends at the next edge (which must be a close at this depth) */
        bhi = i + 1 < m ? edges[i + 1].x : edges[i].x;
      } else if (depth == best) {
        bhi = i + 1 < m ? edges[i + 1].x : edges[i].x;
      }
    } else {
      depth--;
    }
  }
  if (out_lo)
    *out_lo = blo;
  if (out_hi)
    *out_hi = bhi;
  return best;
}

void
ntp_select_run (const NtpSelectInput *in, int n, const NtpSelectParams *params, int current,
                NtpSourceState *state, NtpSelectResult *res)
{
  double lo[NTP_MAX_SOURCES], hi[NTP_MAX_SOURCES];
  int idx[NTP_MAX_SOURCES];
  int m = 0;
  res->selected = -1;
  res->n_combined = 0;
  res->lo = res->hi = 0;
  res->why_none = NULL;
  if (n > NTP_MAX_SOURCES)
    n = NTP_MAX_SOURCES;

  for (int i = 0; i < n; i++) {
    state[i] = NTP_STATE_UNUSABLE;
    if (!in[i].usable || in[i].noselect)
      continue;
    if (params->maxjitter > 0 && in[i].std_dev > params->maxjitter) {
      state[i] = NTP_STATE_TOO_VARIABLE;
      continue;
    }
    if (in[i].lo < in[i].hi) {
      lo[m] = in[i].lo;
      hi[m] = in[i].hi;
    } else {
      lo[m] = in[i].offset - in[i].distance;
      hi[m] = in[i].offset + in[i].distance;
    }
    idx[m++] = i;
  }
  if (m == 0) {
    res->why_none = "no usable source";
    return;
  }
  if (m < params->minsources) {
    for (int k = 0; k < m; k++)
      state[idx[k]] = NTP_STATE_NOT_COMBINED;
    res->why_none = "fewer usable sources than minsources";
    return;
  }

  /* `trust` sources are believed even without a majority: if any exist, the interval must
   * contain at least one of them (chrony's semantics, simplified to: trusted sources alone
   * decide when they agree among themselves). */
  double ilo, ihi;
  int depth = ntp_select_intersect (lo, hi, m, &ilo, &ihi);
  if (2 * depth <= m) {
    int t = 0;
    double tlo[NTP_MAX_SOURCES], thi[NTP_MAX_SOURCES];
    for (int k = 0; k < m; k++)
      if (in[idx[k]].trust) {
        tlo[t] = lo[k];
        thi[t++] = hi[k];
      }
    if (t == 0 || ntp_select_intersect (tlo, thi, t, &ilo, &ihi) < t) {
      for (int k = 0; k < m; k++)
        state[idx[k]] = NTP_STATE_FALSETICKER;
      res->why_none = "no majority agrees";
      return;
    }
  }
  res->lo = ilo;
  res->hi = ihi;

  /* Truechimers: intervals reaching into the intersection. */
  int n_true = 0;
  bool any_prefer = false, require_ok = true;
  for (int k = 0; k < m; k++) {
    int i = idx[k];
    if (hi[k] < ilo || lo[k] > ihi) {
      state[i] = NTP_STATE_FALSETICKER;
      if (in[i].require)
        require_ok = false;
      continue;
    }
    state[i] = NTP_STATE_NOT_COMBINED;
    n_true++;
    if (in[i].prefer)
      any_prefer = true;
  }
  if (n_true < params->minsources || !require_ok) {
    res->why_none = !require_ok ? "a required source is a falseticker"
                                : "fewer truechimers than minsources";
    return;
  }

  /* The best survivor: lowest stratum-weighted root distance; `prefer` sources first. */
  int best = -1;
  double best_score = INFINITY;
  for (int i = 0; i < n; i++) {
    if (state[i] != NTP_STATE_NOT_COMBINED || (any_prefer && !in[i].prefer))
      continue;
    double score = in[i].stratum * params->stratumweight + in[i].distance;
    if (score < best_score) {
      best_score = score;
      best = i;
    }
  }
  if (best < 0)
    return;
  /* Hysteresis: stay with the current source unless the new one is clearly better. */
  if (current >= 0 && current < n && current != best && state[current] == NTP_STATE_NOT_COMBINED
      && (!any_prefer || in[current].prefer)) {
    double cur = in[current].stratum * params->stratumweight + in[current].distance;
    if (cur <= best_score + params->reselectdist)
      best = current;
  }

  res->selected = best;
  state[best] = NTP_STATE_SELECTED;
  res->n_combined = 1;
  double limit = params->combinelimit * in[best].distance;
  for (int i = 0; i < n; i++) {
    if (state[i] != NTP_STATE_NOT_COMBINED)
      continue;
    /* With `prefer` in play only preferred sources are combined (chrony). */
    if (any_prefer && !in[i].prefer)
      continue;
    if (params->combinelimit > 0 && in[i].distance <= limit) {
      state[i] = NTP_STATE_COMBINED;
      res->n_combined++;
    }
  }
}
