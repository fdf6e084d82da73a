/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-regress.h — weighted least squares and the runs test behind the source statistics.
 *
 * The model (as in chrony's sourcestats): offsets measured from one source drift linearly
 * with the local clock's frequency error, offset(t) = a + b t, with noise of known relative
 * variances. The oldest samples are dropped while the residuals show too few sign changes
 * (a "runs test"): few runs means the straight line no longer fits, i.e. the frequency has
 * wandered and old samples only add bias.
 */
#pragma once

#include <stdbool.h>

/* The most points any regression here looks at. */
#define NTP_REGRESS_MAX_POINTS 128

typedef struct {
  double intercept;      /* a, at x = 0 */
  double slope;          /* b */
  double variance;       /* of one unit-weight point, weighted average */
  double intercept_sd;
  double slope_sd;
  int start;             /* index of the first point used */
  int n;                 /* points used */
  int runs;              /* runs of residual signs */
  int dof;               /* n - 2 */
} NtpRegression;

/* Fits y = a + b x with weights w (w[i] = relative VARIANCE of point i; larger = less
 * reliable; NULL = all 1). Needs n >= 3. Returns false when it cannot (n < 3, all x equal). */
bool ntp_regress_weighted (const double *x, const double *y, const double *w, int n,
                           NtpRegression *out);

/* Number of runs of equal signs in r[0..n); a zero residual counts as a change of sign. */
int ntp_regress_runs (const double *r, int n);

/* Significance level of the runs test for n residuals: 0.20 up to 32, falling linearly to
 * 0.05 at 96 and beyond. */
double ntp_regress_runs_alpha (int n);
/* The largest run count c for which P(runs <= c) <= alpha(n) when the n residual signs are
 * independent and equally likely (runs - 1 is then Binomial(n - 1, 1/2)). The test passes
 * when the observed runs exceed it. */
int ntp_regress_critical_runs (int n);

/* Fits the newest points, dropping the oldest until the runs test passes (at least
 * min_points kept). x, y, w hold n points, oldest first; `extra` older points precede them
 * at x[-extra..-1], y[-extra..-1] (no weights needed): they are not fitted but lengthen the
 * runs test, which makes it sensitive to wander sooner, as chrony does. */
bool ntp_regress_find_best (const double *x, const double *y, const double *w, int n,
                            int extra, int min_points, NtpRegression *out);

/* Two-sided 99.9 % Student t quantile (the 0.9995 quantile) for dof degrees of freedom. */
double ntp_regress_t_coef (int dof);

/* Median of v[0..n) (v is reordered). */
double ntp_regress_median (double *v, int n);

/* The offset and frequency now (x = 0, the newest point; x[i] <= 0 are the points' times
 * relative to it) of a clock whose frequency walks randomly, w2 per second, measured with
 * independent noise of variance v[i]: generalised least squares with the walk's covariance.
 * The phase of point i departs from the tangent at now by the integral of the walk over its
 * age a = -x, and two such departures share the walk over the younger one's age:
 * Cov = w2 (m^2 M / 2 - m^3 / 6), m and M the lesser and greater age (the diagonal is
 * w2 a^3 / 3). This is what a Kalman filter with that model gives at the newest point when it
 * starts knowing nothing. offset_var and freq_var are the model's own (not rescaled by the
 * residuals). Returns false when it cannot (n < 3, the covariance not positive definite, all
 * x equal). */
bool ntp_regress_walk (const double *x, const double *y, const double *v, int n, double w2,
                       double *offset, double *offset_var, double *freq, double *freq_var);
