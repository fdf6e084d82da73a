/* fuzz-tzdb.c — libFuzzer target: the tzdata tables (tzdata.zi, iso3166.tab, zone1970.tab,
 * zone.tab; service/tz/mrd-tzdb.c). The input holds the four texts separated by NUL bytes.
 * Whatever the bytes, every name, country and comment that comes out must be UTF-8 (it goes
 * into D-Bus strings) and every look-up must stay consistent with the lists.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define FZ_GLIB 1
#include "fuzz-common.h"

#include <string.h>

#include "mrd-tzdb.h"
#include "mrd-tz-private.h"

static int
utf8 (const char *s)
{
  return s != NULL && g_utf8_validate (s, -1, NULL);
}

static void
check_zone_info (const MrdTzdb *db, const MrdTzZoneInfo *zi)
{
  FZ_CHECK (utf8 (zi->zone) && utf8 (zi->comment));
  FZ_CHECK (g_strv_length (zi->country_codes) == g_strv_length (zi->country_names));
  for (guint k = 0; zi->country_codes[k] != NULL; k++)
    FZ_CHECK (utf8 (zi->country_codes[k]) && utf8 (zi->country_names[k]));
  FZ_CHECK (zi->latitude >= -90 && zi->latitude <= 90);
  FZ_CHECK (zi->longitude >= -180 && zi->longitude <= 180);
  (void) db;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *part[4] = { NULL, NULL, NULL, NULL };
  gsize len[4] = { 0, 0, 0, 0 };
  const char *p = (const char *) data, *end = p + size;
  g_autoptr(MrdTzdb) db = NULL;
  g_auto(GStrv) names = NULL;
  g_auto(GStrv) continents = NULL;
  g_autoptr(GPtrArray) zones = NULL;

  fz_glib_init ();
  for (int i = 0; i < 4 && p <= end; i++)
    {
      const char *nul = memchr (p, '\0', (gsize) (end - p));
      part[i] = p;
      len[i] = (gsize) ((nul != NULL ? nul : end) - p);
      if (nul == NULL)
        break;
      p = nul + 1;
    }
  db = mrd_tzdb_new_from_data ("/fuzz", part[0], len[0], part[1], len[1], part[2], len[2],
                               part[3], len[3], NULL);
  if (db == NULL)
    return 0;

  names = mrd_tzdb_list_timezones (db);
  FZ_CHECK (names[0] != NULL);   /* at least "UTC" */
  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *r;
      FZ_CHECK (utf8 (names[i]));
      if (i > 0)
        FZ_CHECK (strcmp (names[i - 1], names[i]) < 0);   /* sorted, unique */
      FZ_CHECK (mrd_tzdb_has_zone (db, names[i]));
      r = mrd_tzdb_resolve (db, names[i]);
      if (r != NULL)
        FZ_CHECK (utf8 (r));
      (void) mrd_tzdb_is_link (db, names[i]);
      (void) mrd_tz_name_check_syntax (names[i], NULL);
    }

  zones = mrd_tzdb_list_zones (db);
  for (guint i = 0; i < zones->len; i++)
    check_zone_info (db, g_ptr_array_index (zones, i));

  continents = mrd_tzdb_list_continents (db);
  for (guint i = 0; continents[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) countries = mrd_tzdb_list_countries (db, continents[i]);
      FZ_CHECK (utf8 (continents[i]));
      for (guint k = 0; k < countries->len; k++)
        {
          const MrdTzCountry *c = g_ptr_array_index (countries, k);
          g_autoptr(GPtrArray) cz = mrd_tzdb_list_country_zones (db, c->code);
          FZ_CHECK (utf8 (c->code) && utf8 (c->name));
          const char *name = mrd_tzdb_get_country_name (db, c->code);
          FZ_CHECK (name == NULL || utf8 (name));
          for (guint z = 0; z < cz->len; z++)
            check_zone_info (db, g_ptr_array_index (cz, z));
        }
    }
  {
    const char *v = mrd_tzdb_get_version (db);
    if (v != NULL)
      FZ_CHECK (utf8 (v));
  }
  return 0;
}
