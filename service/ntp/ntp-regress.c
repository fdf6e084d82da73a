/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-regress.c — see ntp-regress.h. */
#include "ntp-regress.h"

#include <math.h>
#include <stdlib.h>

bool
ntp_regress_weighted (const double *x, const double *y, const double *w, int n,
                      NtpRegression *out)
{
  if (n < 3)
    return false;
  /* Weighted least squares with inverse-variance weights, centred on the weighted mean of x
   * so the normal equations stay well conditioned. */
  double sw = 0, sx = 0, sy = 0;
  for (int i = 0; i < n; i++) {
    double iw = w ? 1.0 / w[i] : 1.0;
    sw += iw;
    sx += iw * x[i];
    sy += iw * y[i];
  }
  double mx = sx / sw, my = sy / sw;
  double sxx = 0, sxy = 0;
  for (int i = 0; i < n; i++) {
    double iw = w ? 1.0 / w[i] : 1.0;
    double dx = x[i] - mx;
    sxx += iw * dx * dx;
    sxy += iw * dx * (y[i] - my);
  }
  if (!(sxx > 0.0))
    return false;
  double b = sxy / sxx;
  double a = my - b * mx;
  double ss = 0;
  for (int i = 0; i < n; i++) {
    double iw = w ? 1.0 / w[i] : 1.0;
    double r = y[i] - a - b * x[i];
    ss += iw * r * r;
  }
  double s2 = ss / (n - 2);          /* variance of a unit-weight point */
  out->intercept = a;
  out->slope = b;
  out->slope_sd = sqrt (s2 / sxx);
  out->intercept_sd = sqrt (s2 / sw + mx * mx * s2 / sxx);
  out->variance = s2 * n / sw;       /* average variance over the points as weighted */
  out->start = 0;
  out->n = n;
  out->dof = n - 2;
  out->runs = 0;
  return true;
}

int
ntp_regress_runs (const double *r, int n)
{
  if (n <= 0)
    return 0;
  int runs = 1;
  for (int i = 1; i < n; i++)
    if (!((r[i - 1] < 0 && r[i] < 0) || (r[i - 1] > 0 && r[i] > 0)))
      runs++;
  return runs;
}

double
ntp_regress_runs_alpha (int n)
{
  /* chrony's regression (regress.c) uses a 10 % critical region, whatever the number of
   * residuals: a straight line is given up (and the oldest samples left out of the fit) only
   * on evidence that arises by chance once in ten fits. Those samples stay in the history
   * (ntp-stats.c), so a chance rejection costs one update, not the history. */
  (void) n;
  return 0.10;
}

int
ntp_regress_critical_runs (int n)
{
  static int table[NTP_REGRESS_MAX_POINTS + 1];
  static bool ready;
  if (n < 2)
    return 0;
  if (n > NTP_REGRESS_MAX_POINTS)
    n = NTP_REGRESS_MAX_POINTS;
  if (!ready) {
    /* runs - 1 = number of sign changes among m = n - 1 independent fair pairs. */
    for (int k = 2; k <= NTP_REGRESS_MAX_POINTS; k++) {
      int m = k - 1;
      double cdf = 0;
      int c = 0;
      for (int j = 0; j <= m; j++) {
        double logp = lgamma (m + 1.0) - lgamma (j + 1.0) - lgamma (m - j + 1.0) - m * log (2.0);
        cdf += exp (logp);
        if (cdf > ntp_regress_runs_alpha (k))
          break;
        c = j + 1;   /* runs = j + 1 still within the critical region */
      }
      table[k] = c;
    }
    ready = true;
  }
  return table[n];
}

bool
ntp_regress_find_best (const double *x, const double *y, const double *w, int n, int extra,
                       int min_points, NtpRegression *out)
{
  if (min_points < 3)
    min_points = 3;
  if (n < min_points || n > NTP_REGRESS_MAX_POINTS)
    return false;
  if (extra < 0)
    extra = 0;
  if (extra + n > NTP_REGRESS_MAX_POINTS)
    extra = NTP_REGRESS_MAX_POINTS - n;

  double resid[NTP_REGRESS_MAX_POINTS];
  NtpRegression r;
  int start;
  for (start = 0;; start++) {
    int m = n - start;
    if (!ntp_regress_weighted (x + start, y + start, w ? w + start : NULL, m, &r))
      return false;
    if (m <= min_points)
      break;
    /* Lengthen the test backwards, up to as many points as are fitted, with dropped points
     * and the older `extra` ones: a line that no longer explains them shows as long runs. */
    int back = start + extra;
    if (back > m)
      back = m;
    int k = 0;
    for (int i = start - back; i < n; i++)
      resid[k++] = y[i] - r.intercept - r.slope * x[i];
    r.runs = ntp_regress_runs (resid, k);
    if (r.runs > ntp_regress_critical_runs (k))
      break;
  }
  if (r.runs == 0) {
    int k = 0;
    for (int i = start; i < n; i++)
      resid[k++] = y[i] - r.intercept - r.slope * x[i];
    r.runs = ntp_regress_runs (resid, k);
  }
  r.start = start;
  *out = r;
  return true;
}

double
ntp_regress_t_coef (int dof)
{
  /* Standard table values of the 0.9995 quantile for small dof; beyond, the Cornish-Fisher
   * expansion about the normal quantile is accurate to the digits shown. */
  static const double table[] = {
    636.62, 31.599, 12.924, 8.610, 6.869, 5.959, 5.408, 5.041, 4.781, 4.587,
    4.437, 4.318, 4.221, 4.140, 4.073, 4.015, 3.965, 3.922, 3.883, 3.850,
    3.819, 3.792, 3.768, 3.745, 3.725, 3.707, 3.690, 3.674, 3.659, 3.646,
  };
  if (dof < 1)
    dof = 1;
  if (dof <= 30)
    return table[dof - 1];
  double z = 3.290527, v = dof;
  double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
         + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

double
ntp_regress_median (double *v, int n)
{
  if (n <= 0)
    return 0.0;
  qsort (v, (size_t) n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

bool
ntp_regress_walk (const double *x, const double *y, const double *v, int n, double w2,
                  double *offset, double *offset_var, double *freq, double *freq_var)
{
  if (n < 3 || n > NTP_REGRESS_MAX_POINTS || !(w2 >= 0) || !isfinite (w2))
    return false;
  /* L L^T = C, then solve for C^-1 [1, x, y] by forward and back substitution. */
  /* the lower triangle, row by row: row i starts at i (i + 1) / 2 */
  double L[NTP_REGRESS_MAX_POINTS * (NTP_REGRESS_MAX_POINTS + 1) / 2];
#define L_(i, j) L[(i) * ((i) + 1) / 2 + (j)]
  for (int i = 0; i < n; i++) {
    for (int j = 0; j <= i; j++) {
      double ai = -x[i], aj = -x[j];
      double m = fmin (ai, aj), M = fmax (ai, aj);
      double c = w2 * (m * m * M / 2.0 - m * m * m / 6.0);
      if (i == j)
        c += v[i];
      for (int k = 0; k < j; k++)
        c -= L_ (i, k) * L_ (j, k);
      if (i == j) {
        if (!(c > 0) || !isfinite (c))
          return false;
        L_ (i, i) = sqrt (c);
      } else {
        L_ (i, j) = c / L_ (j, j);
      }
    }
  }
  /* z = L^-1 [1, x, y]: the normal equations need only their inner products. */
  double z1[NTP_REGRESS_MAX_POINTS], zx[NTP_REGRESS_MAX_POINTS], zy[NTP_REGRESS_MAX_POINTS];
  for (int i = 0; i < n; i++) {
    double s1 = 1.0, sx = x[i], sy = y[i];
    for (int k = 0; k < i; k++) {
      s1 -= L_ (i, k) * z1[k];
      sx -= L_ (i, k) * zx[k];
      sy -= L_ (i, k) * zy[k];
    }
    z1[i] = s1 / L_ (i, i);
    zx[i] = sx / L_ (i, i);
    zy[i] = sy / L_ (i, i);
  }
  double a11 = 0, a1x = 0, axx = 0, b1 = 0, bx = 0;
  for (int i = 0; i < n; i++) {
    a11 += z1[i] * z1[i];
    a1x += z1[i] * zx[i];
    axx += zx[i] * zx[i];
    b1 += z1[i] * zy[i];
    bx += zx[i] * zy[i];
  }
  double det = a11 * axx - a1x * a1x;
  if (!(det > 0) || !isfinite (det))
    return false;
  *offset = (axx * b1 - a1x * bx) / det;
  *freq = (a11 * bx - a1x * b1) / det;
  *offset_var = axx / det;
  *freq_var = a11 / det;
  return isfinite (*offset) && isfinite (*freq);
#undef L_
}
