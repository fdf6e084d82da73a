/* mrd-zones.c — see mrd-zones.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-zones.h"

static const char *const empty[] = { NULL };

#define CODES(info) ((info)->country_codes != NULL ? (const char *const *) (info)->country_codes : empty)
#define NAMES(info) ((info)->country_names != NULL ? (const char *const *) (info)->country_names : empty)
#define COMMENT(info) ((info)->comment != NULL ? (info)->comment : "")

GVariant *
mrd_zones_build_list_reply (const MrdTzdb *db)
{
  g_autoptr(GPtrArray) rows = mrd_tz_country_all_rows (db);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sasasdds)"));
  for (guint i = 0; i < rows->len; i++)
    {
      const MrdTzZoneInfo *info = g_ptr_array_index (rows, i);

      g_variant_builder_add (&builder, "(s^as^asdds)", info->zone, CODES (info), NAMES (info),
                             info->latitude, info->longitude, COMMENT (info));
    }
  return g_variant_new ("(a(sasasdds))", &builder);
}

GVariant *
mrd_zones_build_country_reply (const MrdTzdb *db, const char *country_code, gint64 now,
                               GError **error)
{
  g_autoptr(GPtrArray) all = mrd_tz_country_all_rows (db);
  g_autoptr(GPtrArray) rows = NULL;
  GVariantBuilder builder;

  if (country_code[0] == '\0')
    rows = g_ptr_array_ref (all);
  else
    rows = mrd_tz_country_zones (db, all, country_code, now, error);
  if (rows == NULL)
    return NULL;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sasasddsis)"));
  for (guint i = 0; i < rows->len; i++)
    {
      const MrdTzZoneInfo *info = g_ptr_array_index (rows, i);
      MrdTzDescription d = { 0 };

      /* A row whose TZif file is unreadable still lists the zone (as ListZones does); its
       * live fields say nothing is known: offset 0, abbreviation "". */
      (void) mrd_tzdb_describe_zone (db, info->zone, now, &d, NULL);
      g_variant_builder_add (&builder, "(s^as^asddsis)", info->zone, CODES (info), NAMES (info),
                             info->latitude, info->longitude, COMMENT (info),
                             (gint32) d.utc_offset, d.abbreviation);
    }
  return g_variant_new ("(a(sasasddsis))", &builder);
}
