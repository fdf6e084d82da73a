/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <glib.h>

#include "mp-solar.h"

#define DEG (G_PI / 180.0)

static double
wrap180 (double deg)
{
  deg = fmod (deg + 180.0, 360.0);
  if (deg < 0)
    deg += 360.0;
  return deg - 180.0;
}

void
mp_solar_subsolar_point (double unix_seconds, double *latitude, double *longitude)
{
  /* Days from J2000.0 (JD 2451545.0 = 2000-01-01 12:00 UT; the Unix epoch is JD 2440587.5). */
  double n = unix_seconds / 86400.0 + 2440587.5 - 2451545.0;
  double L = 280.460 + 0.9856474 * n;          /* mean longitude */
  double g = (357.528 + 0.9856003 * n) * DEG;  /* mean anomaly */
  double lambda = (L + 1.915 * sin (g) + 0.020 * sin (2 * g)) * DEG;  /* ecliptic longitude */
  double epsilon = (23.439 - 0.0000004 * n) * DEG;  /* obliquity of the ecliptic */
  double alpha = atan2 (cos (epsilon) * sin (lambda), cos (lambda)) / DEG;  /* right ascension */
  double delta = asin (sin (epsilon) * sin (lambda)) / DEG;                 /* declination */
  double gmst = 280.46061837 + 360.98564736629 * n;  /* Greenwich mean sidereal time, deg */

  *latitude = delta;
  *longitude = wrap180 (alpha - gmst);
}

double
mp_solar_sin_altitude (double latitude, double longitude, double sub_lat, double sub_lon)
{
  double phi = latitude * DEG, delta = sub_lat * DEG, h = (longitude - sub_lon) * DEG;

  return sin (phi) * sin (delta) + cos (phi) * cos (delta) * cos (h);
}
