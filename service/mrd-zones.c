/* mrd-zones.c — see mrd-zones.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-zones.h"

static const char *const empty[] = { NULL };

#define CODES(info) ((info)->country_codes != NULL ? (const char *const *) (info)->country_codes : empty)
#define NAMES(info) ((info)->country_names != NULL ? (const char *const *) (info)->country_names : empty)
#define COMMENT(info) ((info)->comment != NULL ? (info)->comment : "")

/* Add @row to @builder serialized. A row built by g_variant_new() is a tree of one GVariant
 * (and one GBytes) per value until it is serialized; serializing each row as it is added keeps
 * one row's tree alive at a time instead of the whole reply's (ListZones: some 450 KiB at its
 * peak, heap that GLib's slice allocator keeps once freed). The reply is the same. */
static void
add_serialized (GVariantBuilder *builder, GVariant *row)
{
  g_autoptr(GVariant) kept = g_variant_ref_sink (row);

  (void) g_variant_get_data (kept);   /* serializes in place and frees the row's tree */
  g_variant_builder_add_value (builder, kept);
}

GVariant *
mrd_zones_build_list_reply (const MrdTzdb *db)
{
  g_autoptr(GPtrArray) rows = mrd_tz_country_all_rows (db);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sasasdds)"));
  for (guint i = 0; i < rows->len; i++)
    {
      const MrdTzZoneInfo *info = g_ptr_array_index (rows, i);

      add_serialized (&builder,
                      g_variant_new ("(s^as^asdds)", info->zone, CODES (info), NAMES (info),
                                     info->latitude, info->longitude, COMMENT (info)));
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
      add_serialized (&builder,
                      g_variant_new ("(s^as^asddsis)", info->zone, CODES (info), NAMES (info),
                                     info->latitude, info->longitude, COMMENT (info),
                                     (gint32) d.utc_offset, d.abbreviation));
    }
  return g_variant_new ("(a(sasasddsis))", &builder);
}
