/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * meridianctl-zones: the zones of a country, as meridiand answers ListCountryZones — one call
 * whatever the country ("" for every row), each row with the offset and abbreviation in force
 * now.  Which zones make up a country (zone.tab's view, a country's own row standing in for a
 * shared zone1970.tab row) is the daemon's answer; nothing here second-guesses it.
 *
 * Also the country names shown to the user: in languages other than English, the ISO 3166
 * names of Debian's iso-codes package with their translations (the "iso_3166-1" gettext
 * domain), so that a Korean user reads and can type 대한민국.
 */
#include <string.h>
#include <glib/gi18n.h>

#include "meridianctl.h"

#define ISO_3166_JSON "/usr/share/iso-codes/json/iso_3166-1.json"

void
mctl_zone_row_free (MctlZoneRow *row)
{
  g_free (row->zone);
  g_strfreev (row->codes);
  g_strfreev (row->countries);
  g_free (row->comment);
  g_free (row->abbreviation);
  g_free (row);
}

GPtrArray *
mctl_country_zones (MctlContext *ctx, const char *code, GError **error)
{
  g_autoptr(GVariant) rows = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) mctl_zone_row_free);
  GVariantIter iter;
  const char *zone, *comment, *abbreviation;
  GVariant *codes, *countries;
  double latitude, longitude;
  gint32 offset;

  if (!mrd_dbus_time1_call_list_country_zones_sync (ctx->time1, code, &rows, NULL, error))
    return NULL;
  g_variant_iter_init (&iter, rows);
  while (g_variant_iter_next (&iter, "(&s@as@asdd&si&s)", &zone, &codes, &countries, &latitude,
                              &longitude, &comment, &offset, &abbreviation))
    {
      MctlZoneRow *row = g_new0 (MctlZoneRow, 1);
      row->zone = g_strdup (zone);
      row->codes = g_variant_dup_strv (codes, NULL);
      row->countries = g_variant_dup_strv (countries, NULL);
      row->latitude = latitude;
      row->longitude = longitude;
      row->comment = g_strdup (comment);
      row->utc_offset = offset;
      row->abbreviation = g_strdup (abbreviation);
      g_ptr_array_add (out, row);
      g_variant_unref (codes);
      g_variant_unref (countries);
    }
  return g_steal_pointer (&out);
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

/* code -> the ISO 3166 names iso-codes lists for it ("name", then "common_name"). */
static GHashTable *
iso_names (void)
{
  static GHashTable *names = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonArray *list;

  if (names != NULL)
    return names;
  names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, ISO_3166_JSON, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return names; /* without iso-codes: the daemon's English names only */
  list = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "3166-1");
  for (guint i = 0; list && i < json_array_get_length (list); i++)
    {
      JsonObject *o = json_array_get_object_element (list, i);
      const char *code = json_object_get_string_member_with_default (o, "alpha_2", NULL);
      const char *name = json_object_get_string_member_with_default (o, "name", NULL);
      const char *common = json_object_get_string_member_with_default (o, "common_name", NULL);
      const char *pair[3] = { name, common, NULL };

      if (code && name)
        g_hash_table_insert (names, g_strdup (code), g_strdupv ((char **) pair));
    }
  return names;
}

char *
mctl_country_label (const char *code, const char *fallback)
{
  GStrv names = g_hash_table_lookup (iso_names (), code);

  bind_textdomain_codeset ("iso_3166-1", "UTF-8");
  for (int i = 0; names && names[i]; i++)
    {
      const char *translated = g_dgettext ("iso_3166-1", names[i]);
      if (translated != names[i] && g_strcmp0 (translated, names[i]) != 0)
        return g_strdup (translated);
    }
  return g_strdup (fallback);
}

char *
mctl_country_keys (const char *code)
{
  GStrv names = g_hash_table_lookup (iso_names (), code);
  g_autofree char *joined = names ? g_strjoinv ("\n", names) : NULL;

  return g_strdup_printf ("%s\n%s", code, joined ? joined : "");
}
