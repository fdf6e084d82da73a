/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <glib/gi18n.h>
#include <math.h>

#include "mp-format.h"

char *
mp_format_utc_offset (int seconds_east)
{
  int a = ABS (seconds_east);

  return g_strdup_printf ("%c%02d:%02d", seconds_east < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

char *
mp_format_zone_line (const char *zone, const char *abbreviation, int seconds_east)
{
  g_autofree char *offset = mp_format_utc_offset (seconds_east);
  gboolean numeric = abbreviation == NULL || *abbreviation == '\0' ||
                     *abbreviation == '+' || *abbreviation == '-' ||
                     g_strcmp0 (abbreviation, zone) == 0;

  if (numeric)
    /* TRANSLATORS: time zone row: zone name, UTC offset ("Asia/Kolkata — UTC+05:30") */
    return g_strdup_printf (_("%s — UTC%s"), zone, offset);
  /* TRANSLATORS: time zone row: zone name, abbreviation, UTC offset ("Asia/Seoul — KST, UTC+09:00") */
  return g_strdup_printf (_("%s — %s, UTC%s"), zone, abbreviation, offset);
}

char *
mp_format_seconds (double seconds, gboolean sign)
{
  static const struct { double scale; const char *unit; } units[] = {
    { 1.0, "s" }, { 1e3, "ms" }, { 1e6, "µs" }, { 1e9, "ns" },
  };
  double a = fabs (seconds);
  const char *prefix = sign ? (seconds < 0 ? "-" : "+") : "±";
  guint i = 0;

  if (!isfinite (seconds))
    return g_strdup ("—");
  while (i + 1 < G_N_ELEMENTS (units) && a * units[i].scale < 1.0 && a != 0.0)
    i++;
  a *= units[i].scale;
  return g_strdup_printf ("%s%.*f %s", prefix, a >= 100 ? 0 : a >= 10 ? 1 : (a == 0 ? 0 : 2), a,
                          units[i].unit);
}
