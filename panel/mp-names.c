/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <json-glib/json-glib.h>
#include <unicode/udat.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include "mp-names.h"

#ifndef ISO_CODES_PREFIX
#define ISO_CODES_PREFIX "/usr"
#endif

struct _MpNames
{
  GHashTable *english;  /* alpha_2 -> name */
  GHashTable *common;   /* alpha_2 -> common_name */
  GHashTable *korean;   /* alpha_2 -> Korean name */
  UDateFormat *city_format;  /* "VVV" (exemplar city) in Korean */
};

static guint32
mo_word (const guint8 *data, gsize len, gsize offset, gboolean swap)
{
  guint32 v;

  if (offset + 4 > len)
    return 0;
  memcpy (&v, data + offset, 4);
  return swap ? GUINT32_SWAP_LE_BE (v) : v;
}

/* The .mo layout (GNU gettext manual, "The Format of GNU MO Files"): magic, revision, N,
 * offset of the originals' (length, offset) table, offset of the translations' table. */
GHashTable *
mp_mo_load (const char *path, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  gboolean swap;
  guint32 n, orig, trans;
  g_autoptr(GHashTable) table = NULL;

  if (!g_file_get_contents (path, (char **) &data, &len, error))
    return NULL;
  if (len < 20)
    goto bad;
  if (mo_word (data, len, 0, FALSE) == 0x950412de)
    swap = FALSE;
  else if (mo_word (data, len, 0, TRUE) == 0x950412de)
    swap = TRUE;
  else
    goto bad;
  n = mo_word (data, len, 8, swap);
  orig = mo_word (data, len, 12, swap);
  trans = mo_word (data, len, 16, swap);
  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint32 i = 0; i < n; i++)
    {
      guint32 olen = mo_word (data, len, orig + 8 * i, swap);
      guint32 ooff = mo_word (data, len, orig + 8 * i + 4, swap);
      guint32 tlen = mo_word (data, len, trans + 8 * i, swap);
      guint32 toff = mo_word (data, len, trans + 8 * i + 4, swap);

      if ((gsize) ooff + olen >= len || (gsize) toff + tlen >= len)
        goto bad;
      if (olen == 0)
        continue;  /* the header */
      /* Strings are NUL-terminated; msgid_plural and further plural msgstrs follow the first. */
      g_hash_table_replace (table, g_strndup ((const char *) data + ooff, olen),
                            g_strndup ((const char *) data + toff, tlen));
    }
  return g_steal_pointer (&table);

bad:
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not a gettext catalog", path);
  return NULL;
}

static void
load_iso_codes (MpNames *names)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) ko = NULL;
  const char *json = ISO_CODES_PREFIX "/share/iso-codes/json/iso_3166-1.json";
  const char *mo = ISO_CODES_PREFIX "/share/locale/ko/LC_MESSAGES/iso_3166-1.mo";
  JsonArray *array;

  if (!json_parser_load_from_file (parser, json, &error))
    {
      g_message ("Country names: %s, searching without them", error->message);
      return;
    }
  ko = mp_mo_load (mo, &error);
  if (ko == NULL)
    g_message ("Korean country names: %s, searching without them", error->message);
  array = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                        "3166-1");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      const char *code = json_object_get_string_member_with_default (o, "alpha_2", NULL);
      const char *name = json_object_get_string_member_with_default (o, "name", NULL);
      const char *common = json_object_get_string_member_with_default (o, "common_name", NULL);
      const char *korean = NULL;

      if (code == NULL || name == NULL)
        continue;
      g_hash_table_replace (names->english, g_strdup (code), g_strdup (name));
      if (common != NULL)
        g_hash_table_replace (names->common, g_strdup (code), g_strdup (common));
      if (ko != NULL)
        korean = g_hash_table_lookup (ko, common ? common : name);
      if (ko != NULL && korean == NULL)
        korean = g_hash_table_lookup (ko, name);
      if (korean != NULL && *korean != '\0')
        g_hash_table_replace (names->korean, g_strdup (code), g_strdup (korean));
    }
}

MpNames *
mp_names_new (void)
{
  MpNames *names = g_new0 (MpNames, 1);
  UErrorCode status = U_ZERO_ERROR;
  UChar pattern[4], utc[4];

  names->english = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  names->common = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  names->korean = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  load_iso_codes (names);
  u_uastrcpy (pattern, "VVV");
  u_uastrcpy (utc, "UTC");
  names->city_format = udat_open (UDAT_PATTERN, UDAT_PATTERN, "ko", utc, -1, pattern, -1,
                                  &status);
  if (U_FAILURE (status))
    {
      g_message ("Korean city names: ICU: %s, searching without them", u_errorName (status));
      names->city_format = NULL;
    }
  return names;
}

void
mp_names_free (MpNames *names)
{
  g_hash_table_unref (names->english);
  g_hash_table_unref (names->common);
  g_hash_table_unref (names->korean);
  if (names->city_format != NULL)
    udat_close (names->city_format);
  g_free (names);
}

const char *
mp_names_country_english (MpNames *names, const char *alpha2)
{
  return g_hash_table_lookup (names->english, alpha2);
}

const char *
mp_names_country_common (MpNames *names, const char *alpha2)
{
  return g_hash_table_lookup (names->common, alpha2);
}

const char *
mp_names_country_korean (MpNames *names, const char *alpha2)
{
  return g_hash_table_lookup (names->korean, alpha2);
}

char *
mp_names_city_korean (MpNames *names, const char *zone)
{
  UErrorCode status = U_ZERO_ERROR;
  UChar uzone[128], out[128];
  char utf8[512];
  UCalendar *cal;
  int32_t n;

  if (names->city_format == NULL || strlen (zone) >= G_N_ELEMENTS (uzone))
    return NULL;
  u_uastrcpy (uzone, zone);
  cal = ucal_open (uzone, -1, "ko", UCAL_GREGORIAN, &status);
  if (U_FAILURE (status))
    return NULL;
  udat_setCalendar (names->city_format, cal);
  ucal_close (cal);
  n = udat_format (names->city_format, 0.0, out, G_N_ELEMENTS (out), NULL, &status);
  if (U_FAILURE (status) || n <= 0)
    return NULL;
  u_strToUTF8 (utf8, sizeof utf8, NULL, out, n, &status);
  if (U_FAILURE (status))
    return NULL;
  /* ICU answers "알 수 없는 장소" (unknown place) for zones it has no city for. */
  if (g_str_has_prefix (zone, "Etc/") || strcmp (zone, "UTC") == 0)
    return NULL;
  return g_strdup (utf8);
}
