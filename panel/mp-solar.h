/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <glib.h>
#pragma once

G_BEGIN_DECLS

/* Where the Sun is overhead at a moment (Unix seconds, UTC), in degrees: latitude is the
 * solar declination, longitude the one whose hour angle is zero. The Astronomical Almanac's
 * low-precision formulas (section C, "Sun"), good to 0.01° between 1950 and 2050: enough for
 * a day/night line a pixel wide on a world map. */
void   mp_solar_subsolar_point (double unix_seconds, double *latitude, double *longitude);
/* Sine of the Sun's altitude seen from (latitude, longitude) when it is overhead at
 * (sub_lat, sub_lon); positive = day. */
double mp_solar_sin_altitude   (double latitude, double longitude, double sub_lat, double sub_lon);

G_END_DECLS
