/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl: the zones of a country, from ListZones, for list-timezones --country and
 * select-timezone.
 *
 * ListZones returns zone1970.tab's rows, whose zones may be shared by several countries
 * ("DE,DK,NO,SE,SJ Europe/Berlin"), plus — from meridiand versions that have them — one row
 * per zone.tab zone that zone1970.tab folds into another ("NO Europe/Oslo", a link to
 * Europe/Berlin).  A Norwegian wants Europe/Oslo, not Europe/Berlin; a German wants
 * Europe/Berlin and Europe/Busingen (zone.tab's two), not Europe/Zurich.  So a row of the
 * country's own ([CC] alone) stands in for the shared row of that country it copies: the
 * nearest shared row whose rules it follows exactly since 1970 (a link does; Iqaluit and
 * Toronto agree today but not in 1999, so Iqaluit does not stand in for Toronto).  What is left
 * is zone.tab's view of the country; with zone1970 rows only, nothing is replaced.
 */
#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "meridianctl.h"

void
mctl_zone_row_free (MctlZoneRow *row)
{
  g_free (row->zone);
  g_strfreev (row->codes);
  g_strfreev (row->countries);
  g_free (row->comment);
  g_free (row);
}

GPtrArray *
mctl_zone_rows_load (MctlContext *ctx, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) mctl_zone_row_free);
  GVariantIter iter;
  const char *zone, *comment;
  GVariant *codes, *countries;
  double latitude, longitude;

  if (!mrd_dbus_time1_call_list_zones_sync (ctx->time1, &reply, NULL, error))
    return NULL;
  g_variant_iter_init (&iter, reply);
  while (g_variant_iter_next (&iter, "(&s@as@asdd&s)", &zone, &codes, &countries, &latitude,
                              &longitude, &comment))
    {
      MctlZoneRow *row = g_new0 (MctlZoneRow, 1);
      row->zone = g_strdup (zone);
      row->codes = g_variant_dup_strv (codes, NULL);
      row->countries = g_variant_dup_strv (countries, NULL);
      row->latitude = latitude;
      row->longitude = longitude;
      row->comment = g_strdup (comment);
      g_ptr_array_add (rows, row);
      g_variant_unref (codes);
      g_variant_unref (countries);
    }
  return g_steal_pointer (&rows);
}

gboolean
mctl_zone_row_has_country (const MctlZoneRow *row, const char *code)
{
  for (int i = 0; row->codes && row->codes[i]; i++)
    if (g_ascii_strcasecmp (row->codes[i], code) == 0)
      return TRUE;
  return FALSE;
}

gboolean
mctl_zone_row_is_only (const MctlZoneRow *row, const char *code)
{
  return row->codes && row->codes[0] && row->codes[1] == NULL &&
         g_ascii_strcasecmp (row->codes[0], code) == 0;
}

const char *
mctl_zone_row_country_name (const MctlZoneRow *row, const char *code)
{
  for (int i = 0; row->codes && row->codes[i]; i++)
    if (g_ascii_strcasecmp (row->codes[i], code) == 0)
      return row->countries && i < (int) g_strv_length (row->countries) ? row->countries[i]
                                                                         : row->codes[i];
  return code;
}

/* Same offset, abbreviation and next change now: a link and its target always agree. */
static gboolean
same_rules_now (const MctlZoneInfo *a, const MctlZoneInfo *b)
{
  return a->utc_offset == b->utc_offset && g_strcmp0 (a->abbreviation, b->abbreviation) == 0 &&
         a->next_transition_usec == b->next_transition_usec &&
         a->utc_offset_after == b->utc_offset_after;
}

/* Squared angular distance, longitude scaled by the latitude: enough to tell near from far. */
static double
distance2 (const MctlZoneRow *a, const MctlZoneRow *b)
{
  double dlat = a->latitude - b->latitude;
  double dlon = fabs (a->longitude - b->longitude);

  if (dlon > 180)
    dlon = 360 - dlon;
  dlon *= cos ((a->latitude + b->latitude) / 2 * G_PI / 180);
  return dlat * dlat + dlon * dlon;
}

/* Whether two zones have had the same rules since 1970 (when zone1970.tab starts): walk the
 * transitions of one, comparing both at each; a transition only the other has shows up as a
 * different next transition.  Rules from `now` on are compared by the last step. */
static gboolean
same_rules_since_1970 (MctlContext *ctx, const char *a, const char *b, guint64 now)
{
  guint64 t = 1; /* DescribeZone reads 0 as "now" */

  for (guint step = 0; step < 1000; step++)
    {
      g_auto(MctlZoneInfo) ia = { 0 };
      g_auto(MctlZoneInfo) ib = { 0 };

      if (!mctl_describe (ctx, a, t, &ia, NULL) || !mctl_describe (ctx, b, t, &ib, NULL) ||
          ia.is_dst != ib.is_dst || !same_rules_now (&ia, &ib))
        return FALSE;
      if (ia.next_transition_usec == 0 || t > now)
        return TRUE;
      t = ia.next_transition_usec;
    }
  return TRUE;
}

GPtrArray *
mctl_zone_rows_for_country (MctlContext *ctx, GPtrArray *rows, const char *code)
{
  g_autoptr(GPtrArray) own = g_ptr_array_new ();
  g_autoptr(GPtrArray) shared = g_ptr_array_new ();
  g_autoptr(GHashTable) replaced = g_hash_table_new (NULL, NULL);
  GPtrArray *out = g_ptr_array_new ();
  guint64 now = mrd_dbus_time1_get_time_usec (ctx->time1);

  for (guint i = 0; i < rows->len; i++)
    {
      MctlZoneRow *row = rows->pdata[i];
      if (mctl_zone_row_is_only (row, code))
        g_ptr_array_add (own, row);
      else if (mctl_zone_row_has_country (row, code))
        g_ptr_array_add (shared, row);
    }

  if (own->len > 0 && shared->len > 0)
    {
      g_autofree MctlZoneInfo *shared_info = g_new0 (MctlZoneInfo, shared->len);
      g_autofree gboolean *shared_known = g_new0 (gboolean, shared->len);

      for (guint s = 0; s < shared->len; s++)
        shared_known[s] = mctl_describe (ctx, ((MctlZoneRow *) shared->pdata[s])->zone, now,
                                         &shared_info[s], NULL);
      for (guint o = 0; o < own->len; o++)
        {
          g_auto(MctlZoneInfo) own_info = { 0 };
          const MctlZoneRow *row = own->pdata[o];
          int nearest = -1;

          if (!mctl_describe (ctx, row->zone, now, &own_info, NULL))
            continue;
          for (guint s = 0; s < shared->len; s++)
            if (shared_known[s] && same_rules_now (&own_info, &shared_info[s]) &&
                (nearest < 0 || distance2 (row, shared->pdata[s]) <
                                distance2 (row, shared->pdata[nearest])) &&
                same_rules_since_1970 (ctx, row->zone, ((MctlZoneRow *) shared->pdata[s])->zone,
                                       now))
              nearest = (int) s;
          if (nearest >= 0)
            g_hash_table_add (replaced, shared->pdata[nearest]);
        }
      for (guint s = 0; s < shared->len; s++)
        mctl_zone_info_clear (&shared_info[s]);
    }

  /* In the daemon's order: zone1970.tab's rows, then the rows of one country's own. */
  for (guint i = 0; i < rows->len; i++)
    {
      MctlZoneRow *row = rows->pdata[i];
      if (mctl_zone_row_has_country (row, code) && !g_hash_table_contains (replaced, row))
        g_ptr_array_add (out, row);
    }
  return out;
}
