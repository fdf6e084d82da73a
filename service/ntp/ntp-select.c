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

/* The local oscillator's frequency error chrony allows between sources (maxclockerror). */
#define MAX_CLOCK_ERROR 1e-6

typedef struct {
  double x;
  int type;     /* -1 = opens, +1 = closes */
  bool trust;
} TEdge;

static int
cmp_tedge (const void *a, const void *b)
{
  const TEdge *p = a, *q = b;
  if (p->x < q->x)
    return -1;
  if (p->x > q->x)
    return 1;
  return p->type - q->type;
}

void
ntp_select_run (const NtpSelectInput *in, int n, const NtpSelectParams *params, int current,
                NtpSourceState *state, NtpSelectResult *res)
{
  double lo[NTP_MAX_SOURCES], hi[NTP_MAX_SOURCES];
  int idx[NTP_MAX_SOURCES], sel[NTP_MAX_SOURCES];
  TEdge edges[2 * NTP_MAX_SOURCES];
  int m = 0, n_trusted = 0;
  bool any_require = false;
  res->selected = -1;
  res->n_combined = 0;
  res->lo = res->hi = 0;
  res->why_none = NULL;
  if (n > NTP_MAX_SOURCES)
    n = NTP_MAX_SOURCES;
  for (int i = 0; i < NTP_MAX_SOURCES; i++) {
    res->verdict[i] = NTP_SELECT_MISSING_SAMPLES;
    res->score[i] = 1.0;
  }

  for (int i = 0; i < n; i++) {
    state[i] = NTP_STATE_UNUSABLE;
    /* chrony: a `require` source anywhere, selectable or not, makes one of them necessary */
    if (in[i].require)
      any_require = true;
    if (in[i].noselect)
      res->verdict[i] = NTP_SELECT_NOSELECT;
    if (!in[i].usable || in[i].noselect)
      continue;
    if (params->maxjitter > 0 && in[i].std_dev > params->maxjitter) {
      state[i] = NTP_STATE_TOO_VARIABLE;
      res->verdict[i] = NTP_SELECT_JITTERY;
      continue;
    }
    if (in[i].lo < in[i].hi) {
      lo[m] = in[i].lo;
      hi[m] = in[i].hi;
    } else {
      lo[m] = in[i].offset - in[i].distance;
      hi[m] = in[i].offset + in[i].distance;
    }
    edges[2 * m] = (TEdge) { lo[m], -1, in[i].trust };
    edges[2 * m + 1] = (TEdge) { hi[m], +1, in[i].trust };
    n_trusted += in[i].trust;
    idx[m++] = i;
  }
  if (m == 0) {
    res->why_none = "no selectable sources";
    return;
  }

  /* Marzullo's sweep as chrony's sources.c runs it: regions covered by more `trust` sources
   * come first, then by more sources; best_lo/hi span the first to the last such region, and
   * tlo/thi the regions of greatest trusted depth. */
  qsort (edges, (size_t) (2 * m), sizeof *edges, cmp_tedge);
  int depth = 0, tdepth = 0, best = 0, tbest = 0;
  double best_lo = 0, best_hi = 0, tlo = 0, thi = 0;
  for (int k = 0; k < 2 * m; k++) {
    if (edges[k].type < 0) {
      depth++;
      tdepth += edges[k].trust;
      if (tdepth > tbest || (tdepth == tbest && depth > best)) {
        if (tdepth > tbest) {
          tbest = tdepth;
          tlo = edges[k].x;
        }
        best = depth;
        best_lo = edges[k].x;
      }
    } else {
      if (tdepth == tbest) {
        if (depth == best)
          best_hi = edges[k].x;
        thi = edges[k].x;
      }
      tdepth -= edges[k].trust;
      depth--;
    }
  }
  /* A majority must agree: of the trusted sources when there are any in the best region. */
  int voters = m;
  if (tbest > 0) {
    best = tbest;
    voters = n_trusted;
  }
  if (2 * best <= voters) {
    for (int k = 0; k < m; k++) {
      state[idx[k]] = NTP_STATE_FALSETICKER;
      res->verdict[idx[k]] = NTP_SELECT_FALSETICKER;
    }
    res->why_none = "no majority";
    return;
  }
  res->lo = best_lo;
  res->hi = best_hi;

  /* Truechimers: intervals that contain the best interval or lie wholly within it (a partial
   * overlap is not enough). With trusted sources, the others must also lie within the
   * trusted region, so that they cannot pull the result out of it (chrony: "untrusted", '-'). */
  int n_sel = 0;
  bool require_found = false;
  for (int k = 0; k < m; k++) {
    int i = idx[k];
    bool inside = (lo[k] <= best_lo && hi[k] >= best_hi) || (lo[k] >= best_lo && hi[k] <= best_hi);
    if (!inside) {
      state[i] = NTP_STATE_FALSETICKER;
      res->verdict[i] = NTP_SELECT_FALSETICKER;
      continue;
    }
    state[i] = NTP_STATE_NOT_COMBINED;
    if (tbest > 0 && !in[i].trust && !(lo[k] >= tlo && hi[k] <= thi)) {
      res->verdict[i] = NTP_SELECT_NOT_TRUSTED;
      continue;
    }
    res->verdict[i] = NTP_SELECT_WAITS_FOR_SOURCES;
    sel[n_sel++] = i;
    if (in[i].require)
      require_found = true;
  }
  if (n_sel == 0 || (any_require && !require_found) || n_sel < params->minsources) {
    res->why_none = n_sel == 0 ? "no selectable sources"
                    : !require_found && any_require ? "no required source in selectable sources"
                                                    : "not enough selectable sources";
    return;
  }

  /* With `prefer` among them, only the preferred go on (the others stay '-'). */
  bool any_prefer = false;
  for (int k = 0; k < n_sel; k++)
    any_prefer |= in[sel[k]].prefer;
  if (any_prefer) {
    int j = 0;
    for (int k = 0; k < n_sel; k++)
      if (in[sel[k]].prefer)
        sel[j++] = sel[k];
      else
        res->verdict[sel[k]] = NTP_SELECT_NOT_PREFERRED;
    n_sel = j;
  }

  /* The best: least root distance plus stratumweight per stratum above the lowest. */
  int min_stratum = in[sel[0]].stratum;
  for (int k = 1; k < n_sel; k++)
    if (in[sel[k]].stratum < min_stratum)
      min_stratum = in[sel[k]].stratum;
  int pick = -1;
  double pick_score = INFINITY, cur_score = INFINITY, score[NTP_MAX_SOURCES];
  for (int k = 0; k < n_sel; k++) {
    int i = sel[k];
    score[k] = in[i].distance + (in[i].stratum - min_stratum) * params->stratumweight;
    if (score[k] < pick_score) {
      pick_score = score[k];
      pick = i;
    }
    if (i == current)
      cur_score = score[k];
  }
  /* Hysteresis: stay with the current source unless the new one is better by reselectdist. */
  if (current >= 0 && current != pick && cur_score <= pick_score + params->reselectdist) {
    pick = current;
    pick_score = cur_score;
  }
  /* A candidate better than the one kept shows by how much (chrony's score would reach its
   * limit of 10 where ours reselects: past reselectdist). */
  for (int k = 0; k < n_sel; k++)
    res->score[sel[k]] = fmax (1.0, pick_score / fmax (score[k], 1e-12));

  res->selected = pick;
  state[pick] = NTP_STATE_SELECTED;
  res->verdict[pick] = NTP_SELECT_BEST;
  res->n_combined = 1;
  /* Combined ('+'): not farther than combinelimit x the selected one's distance (plus
   * reselectdist, as chrony counts it), and a frequency that agrees within combinelimit x
   * both skews plus the clock error; the others are '-'. */
  double limit = params->combinelimit * (in[pick].distance + params->reselectdist);
  for (int k = 0; k < n_sel; k++) {
    int i = sel[k];
    if (i != pick)
      res->verdict[i] = NTP_SELECT_DISTANT;
    if (i == pick || params->combinelimit <= 0 || in[i].distance > limit
        || fabs (in[i].freq - in[pick].freq)
             > params->combinelimit * (in[i].skew + in[pick].skew
                                       + (params->maxclockerror > 0 ? params->maxclockerror
                                                                    : MAX_CLOCK_ERROR)))
      continue;
    state[i] = NTP_STATE_COMBINED;
    res->verdict[i] = NTP_SELECT_COMBINED;
    res->n_combined++;
  }
}
