/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-tz-country.c — see mrd-tz-country.h. */
#include "mrd-tz-country.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (mrd-tz-country-error-quark, mrd_tz_country_error)

GPtrArray *
mrd_tz_country_all_rows (const MrdTzdb *db)
{
  g_autoptr(GPtrArray) zones = mrd_tzdb_list_zones (db);
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *rows = g_ptr_array_new ();
  char code[3] = { 0 };
  guint i;

  for (i = 0; i < zones->len; i++)
    {
      MrdTzZoneInfo *info = g_ptr_array_index (zones, i);

      g_ptr_array_add (rows, info);
      g_hash_table_add (listed, info->zone);
    }
  /* The tz library hands out zone.tab's rows one country at a time (falling back to
   * zone1970.tab's rows for a country zone.tab lacks, which are listed already). zone.tab is
   * sorted by country code, so walking the codes AA..ZZ keeps its order. */
  for (code[0] = 'A'; code[0] <= 'Z'; code[0]++)
    for (code[1] = 'A'; code[1] <= 'Z'; code[1]++)
      {
        g_autoptr(GPtrArray) country = mrd_tzdb_list_country_zones (db, code);

        for (i = 0; i < country->len; i++)
          {
            MrdTzZoneInfo *info = g_ptr_array_index (country, i);

            if (g_hash_table_contains (listed, info->zone))
              continue;
            g_ptr_array_add (rows, info);
            g_hash_table_add (listed, info->zone);
          }
      }
  return rows;
}

static gboolean
has_country (const MrdTzZoneInfo *row, const char *code)
{
  for (guint i = 0; row->country_codes != NULL && row->country_codes[i] != NULL; i++)
    if (g_ascii_strcasecmp (row->country_codes[i], code) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_only (const MrdTzZoneInfo *row, const char *code)
{
  return row->country_codes != NULL && row->country_codes[0] != NULL &&
         row->country_codes[1] == NULL &&
         g_ascii_strcasecmp (row->country_codes[0], code) == 0;
}

static gboolean
same_now (const MrdTzDescription *a, const MrdTzDescription *b)
{
  return a->utc_offset == b->utc_offset && a->is_dst == b->is_dst &&
         strcmp (a->abbreviation, b->abbreviation) == 0 && a->has_next == b->has_next &&
         (!a->has_next || (a->next_transition == b->next_transition &&
                           a->next_utc_offset == b->next_utc_offset));
}

/* Squared angular distance, longitude scaled by the latitude: enough to tell near from far. */
static double
distance2 (const MrdTzZoneInfo *a, const MrdTzZoneInfo *b)
{
  double dlat = a->latitude - b->latitude;
  double dlon = fabs (a->longitude - b->longitude);

  if (dlon > 180)
    dlon = 360 - dlon;
  dlon *= cos ((a->latitude + b->latitude) / 2 * G_PI / 180);
  return dlat * dlat + dlon * dlon;
}

/* Whether two zones have kept the same clocks since 1970 (where zone1970.tab starts): walk
 * one zone's transitions, comparing both at each; a transition only the other has shows up
 * as a different next transition. The rules from @now on are compared by the last step. */
static gboolean
same_since_1970 (const MrdTzdb *db, const char *a, const char *b, gint64 now)
{
  gint64 t = 0;

  for (guint step = 0; step < 2000; step++)
    {
      MrdTzDescription da, dbb;

      if (!mrd_tzdb_describe_zone (db, a, t, &da, NULL) ||
          !mrd_tzdb_describe_zone (db, b, t, &dbb, NULL) || !same_now (&da, &dbb))
        return FALSE;
      if (!da.has_next || t > now)
        return TRUE;
      t = da.next_transition;
    }
  return TRUE;
}

GPtrArray *
mrd_tz_country_zones (const MrdTzdb *db, GPtrArray *rows, const char *country_code,
                      gint64 now, GError **error)
{
  g_autoptr(GPtrArray) own = g_ptr_array_new ();
  g_autoptr(GPtrArray) shared = g_ptr_array_new ();
  g_autoptr(GHashTable) replaced = g_hash_table_new (NULL, NULL);
  g_autofree char *code = g_ascii_strup (country_code, -1);
  GPtrArray *out;
  guint i;

  for (i = 0; i < rows->len; i++)
    {
      MrdTzZoneInfo *row = g_ptr_array_index (rows, i);

      if (is_only (row, code))
        g_ptr_array_add (own, row);
      else if (has_country (row, code))
        g_ptr_array_add (shared, row);
    }
  if (own->len == 0 && shared->len == 0)
    {
      if (strlen (code) == 2 && g_ascii_isalpha (code[0]) && g_ascii_isalpha (code[1]) &&
          mrd_tzdb_get_country_name (db, code) != NULL)
        g_set_error (error, MRD_TZ_COUNTRY_ERROR, MRD_TZ_COUNTRY_ERROR_UNKNOWN,
                     "The tz database (%s) lists no time zone for %s (%s)",
                     mrd_tzdb_get_zoneinfo_dir (db), code, mrd_tzdb_get_country_name (db, code));
      else
        g_set_error (error, MRD_TZ_COUNTRY_ERROR, MRD_TZ_COUNTRY_ERROR_UNKNOWN,
                     "Unknown country code \"%s\": give a two-letter ISO 3166 code such as "
                     "DE or KR (ListZones lists every code)", country_code);
      return NULL;
    }

  for (i = 0; i < own->len && shared->len > 0; i++)
    {
      const MrdTzZoneInfo *row = g_ptr_array_index (own, i);
      MrdTzDescription d_own;
      int nearest = -1;

      if (!mrd_tzdb_describe_zone (db, row->zone, now, &d_own, NULL))
        continue;
      for (guint s = 0; s < shared->len; s++)
        {
          const MrdTzZoneInfo *other = g_ptr_array_index (shared, s);
          MrdTzDescription d_other;

          if (!mrd_tzdb_describe_zone (db, other->zone, now, &d_other, NULL) ||
              !same_now (&d_own, &d_other))
            continue;
          if (nearest >= 0 &&
              distance2 (row, other) >= distance2 (row, g_ptr_array_index (shared, nearest)))
            continue;
          if (same_since_1970 (db, row->zone, other->zone, now))
            nearest = (int) s;
        }
      if (nearest >= 0)
        g_hash_table_add (replaced, g_ptr_array_index (shared, nearest));
    }

  out = g_ptr_array_new ();
  for (i = 0; i < rows->len; i++)
    {
      MrdTzZoneInfo *row = g_ptr_array_index (rows, i);

      if (has_country (row, code) && !g_hash_table_contains (replaced, row))
        g_ptr_array_add (out, row);
    }
  return out;
}
