/* mrd-zones.c — see mrd-zones.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-zones.h"

static void
add_row (GVariantBuilder *builder, const MrdTzZoneInfo *info)
{
  const char *const empty[] = { NULL };

  g_variant_builder_add (builder, "(s^as^asdds)", info->zone,
                         info->country_codes != NULL
                           ? (const char *const *) info->country_codes : empty,
                         info->country_names != NULL
                           ? (const char *const *) info->country_names : empty,
                         info->latitude, info->longitude,
                         info->comment != NULL ? info->comment : "");
}

GVariant *
mrd_zones_build_list_reply (const MrdTzdb *db)
{
  g_autoptr(GPtrArray) zones = mrd_tzdb_list_zones (db);
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  GVariantBuilder builder;
  char code[3] = { 0 };
  guint i;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sasasdds)"));
  for (i = 0; i < zones->len; i++)
    {
      const MrdTzZoneInfo *info = g_ptr_array_index (zones, i);

      add_row (&builder, info);
      g_hash_table_add (listed, info->zone);
    }

  /* The tz module hands out zone.tab's rows one country at a time (falling back to
   * zone1970.tab's rows for a country zone.tab lacks, which are listed already). zone.tab is
   * sorted by country code, so walking the codes AA..ZZ keeps its order. */
  for (code[0] = 'A'; code[0] <= 'Z'; code[0]++)
    for (code[1] = 'A'; code[1] <= 'Z'; code[1]++)
      {
        g_autoptr(GPtrArray) rows = mrd_tzdb_list_country_zones (db, code);

        for (i = 0; i < rows->len; i++)
          {
            const MrdTzZoneInfo *info = g_ptr_array_index (rows, i);

            if (g_hash_table_contains (listed, info->zone))
              continue;
            add_row (&builder, info);
            g_hash_table_add (listed, info->zone);
          }
      }
  return g_variant_new ("(a(sasasdds))", &builder);
}
