/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The chooser's search: every zone's names folded once into one string, so a keystroke is
 * a substring scan over a few hundred short strings (bench/panel measures it). */
#include <string.h>

#include "mp-zone-index.h"

struct _MpZoneIndex
{
  GPtrArray *zones;       /* MpZone*, owned */
  GHashTable *by_name;    /* zone -> MpZone* */
};

static void
zone_free (MpZone *z)
{
  g_free (z->zone);
  g_free (z->city);
  g_free (z->city_korean);
  g_strfreev (z->country_codes);
  g_strfreev (z->country_names);
  g_free (z->country_korean);
  g_free (z->comment);
  g_free (z->abbreviation);
  g_free (z->haystack);
  g_free (z);
}

/* Case-folded and composed (NFKC), so "SEOUL", "seoul" and decomposed Hangul all meet. */
static char *
fold (const char *text)
{
  g_autofree char *norm = g_utf8_normalize (text, -1, G_NORMALIZE_ALL_COMPOSE);
  g_autofree char *folded = g_utf8_casefold (norm ? norm : text, -1);

  return g_strdelimit (g_steal_pointer (&folded), "_", ' ');
}

MpZoneIndex *
mp_zone_index_new (void)
{
  MpZoneIndex *index = g_new0 (MpZoneIndex, 1);

  index->zones = g_ptr_array_new_with_free_func ((GDestroyNotify) zone_free);
  index->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  return index;
}

void
mp_zone_index_free (MpZoneIndex *index)
{
  g_hash_table_unref (index->by_name);
  g_ptr_array_unref (index->zones);
  g_free (index);
}

static void
add_offset_forms (GString *s, int offset)
{
  int a = ABS (offset);
  char sign = offset < 0 ? '-' : '+';
  int h = a / 3600, m = a / 60 % 60;

  /* "+09:00", "+0900", "utc+9", "gmt+9", "utc+09:00" — the ways people write an offset;
   * "+09" is a prefix of the first. */
  g_string_append_printf (s, "\n%c%02d:%02d\n%c%02d%02d\nutc%c%d\ngmt%c%d\nutc%c%02d:%02d",
                          sign, h, m, sign, h, m, sign, h, sign, h, sign, h, m);
  if (m != 0)
    g_string_append_printf (s, "\nutc%c%d:%02d", sign, h, m);
}

MpZone *
mp_zone_index_add (MpZoneIndex *index, const char *zone, const char *const *country_codes,
                   const char *const *country_names, const char *country_korean,
                   const char *city_korean, const char *comment, double latitude,
                   double longitude, int utc_offset, const char *abbreviation,
                   const char *const *extra_names)
{
  MpZone *z = g_new0 (MpZone, 1);
  const char *slash = strrchr (zone, '/');
  g_autoptr(GString) hay = g_string_new (NULL);
  g_autofree char *raw = NULL;

  z->zone = g_strdup (zone);
  z->city = g_strdelimit (g_strdup (slash ? slash + 1 : zone), "_", ' ');
  z->city_korean = g_strdup (city_korean);
  z->country_codes = g_strdupv ((char **) country_codes);
  z->country_names = g_strdupv ((char **) country_names);
  z->country_korean = g_strdup (country_korean);
  z->comment = g_strdup (comment ? comment : "");
  z->latitude = latitude;
  z->longitude = longitude;
  z->utc_offset = utc_offset;
  z->abbreviation = g_strdup (abbreviation ? abbreviation : "");

  /* Line 1: city, line 2: zone; the ranking below relies on that order. */
  g_string_append_printf (hay, "%s\n%s", z->city, zone);
  if (city_korean)
    g_string_append_printf (hay, "\n%s", city_korean);
  for (guint i = 0; country_names && country_names[i]; i++)
    g_string_append_printf (hay, "\n%s", country_names[i]);
  for (guint i = 0; extra_names && extra_names[i]; i++)
    g_string_append_printf (hay, "\n%s", extra_names[i]);
  if (country_korean)
    g_string_append_printf (hay, "\n%s", country_korean);
  if (*z->comment)
    g_string_append_printf (hay, "\n%s", z->comment);
  g_string_append_printf (hay, "\n%s", z->abbreviation);
  add_offset_forms (hay, utc_offset);
  raw = g_string_free (g_steal_pointer (&hay), FALSE);
  z->haystack = fold (raw);

  g_ptr_array_add (index->zones, z);
  g_hash_table_replace (index->by_name, z->zone, z);
  return z;
}

guint
mp_zone_index_get_n (MpZoneIndex *index)
{
  return index->zones->len;
}

MpZone *
mp_zone_index_get (MpZoneIndex *index, guint i)
{
  return i < index->zones->len ? g_ptr_array_index (index->zones, i) : NULL;
}

MpZone *
mp_zone_index_lookup (MpZoneIndex *index, const char *zone)
{
  return g_hash_table_lookup (index->by_name, zone);
}

typedef struct {
  MpZone *zone;
  int score;
} Hit;

static gboolean
at_word_start (const char *hay, const char *at)
{
  return at == hay || at[-1] == '\n' || at[-1] == ' ' || at[-1] == '/' || at[-1] == '(' ||
         at[-1] == '-';
}

/* Lower is better; -1 = no match. Each word of the query must occur; the first word decides
 * the rank. */
static int
score (const MpZone *z, char **words)
{
  const char *hay = z->haystack;
  const char *line2 = strchr (hay, '\n');
  const char *line3 = line2 ? strchr (line2 + 1, '\n') : NULL;
  int best = 4;

  for (guint w = 0; words[w] != NULL; w++)
    if (strstr (hay, words[w]) == NULL)
      return -1;
  for (const char *at = strstr (hay, words[0]); at != NULL; at = strstr (at + 1, words[0]))
    {
      gboolean in_names = line3 == NULL || at < line3;  /* city or zone line */
      gsize n = strlen (words[0]);
      gboolean whole_line = (at == hay || at[-1] == '\n') && (at[n] == '\n' || at[n] == '\0');
      int s;

      if (in_names && (at == hay || at[-1] == '\n' || at[-1] == '/'))
        s = 0;
      else if (in_names && at_word_start (hay, at))
        s = 1;
      else if (whole_line)
        s = 2;  /* an abbreviation, offset or country name typed in full */
      else if (at_word_start (hay, at))
        s = 3;
      else
        s = 4;
      best = MIN (best, s);
    }
  return best;
}

static int
compare_hits (gconstpointer a, gconstpointer b)
{
  const Hit *x = a, *y = b;

  if (x->score != y->score)
    return x->score - y->score;
  return strcmp (x->zone->zone, y->zone->zone);
}

GPtrArray *
mp_zone_index_search (MpZoneIndex *index, const char *query, guint limit)
{
  g_autofree char *folded = fold (query);
  g_auto(GStrv) words = g_strsplit_set (g_strstrip (folded), " \t", -1);
  g_autoptr(GArray) hits = g_array_new (FALSE, FALSE, sizeof (Hit));
  GPtrArray *out = g_ptr_array_new ();
  guint n = 0;

  /* Drop the empty words that runs of spaces leave. */
  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      {
        char *w = words[i];
        words[i] = NULL;
        words[n++] = w;
      }
    else
      {
        g_free (words[i]);
        words[i] = NULL;
      }
  if (n == 0)
    return out;
  for (guint i = 0; i < index->zones->len; i++)
    {
      MpZone *z = g_ptr_array_index (index->zones, i);
      int s = score (z, words);

      if (s >= 0)
        g_array_append_val (hits, ((Hit) { z, s }));
    }
  g_array_sort (hits, compare_hits);
  for (guint i = 0; i < hits->len && (limit == 0 || i < limit); i++)
    g_ptr_array_add (out, g_array_index (hits, Hit, i).zone);
  return out;
}
