/* mrd-tzdb.c — the tz database tables (tzdata.zi, zone1970.tab, zone.tab, iso3166.tab; see
 * tzfile(5), zic(8) and the comments at the top of each .tab file) and zone name validation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "mrd-tzdb.h"
#include "mrd-tz-private.h"

struct _MrdTzdb {
  char       *dir;
  char       *version;
  GHashTable *zones;        /* Zone name → NULL (set) */
  GHashTable *links;        /* Link name → target */
  GPtrArray  *zone1970;     /* MrdTzZoneInfo*, file order */
  GPtrArray  *zonetab;      /* MrdTzZoneInfo*, file order, one country each */
  GHashTable *zone1970_set; /* zone name → MrdTzZoneInfo* */
  GHashTable *countries;    /* code → MrdTzCountry* */
  GStrv       names;        /* ListTimezones, computed once */
};

static GStrv build_names (const MrdTzdb *db);

static void
zone_info_free (MrdTzZoneInfo *zi)
{
  if (zi == NULL)
    return;
  g_free (zi->zone);
  g_strfreev (zi->country_codes);
  g_strfreev (zi->country_names);
  g_free (zi->comment);
  g_free (zi);
}

static void
country_free (MrdTzCountry *c)
{
  if (c == NULL)
    return;
  g_free (c->code);
  g_free (c->name);
  g_free (c);
}

const char *
mrd_tzdb_default_zoneinfo_dir (void)
{
  const char *env = g_getenv ("TZDIR");
  return (env != NULL && env[0] != '\0') ? env : "/usr/share/zoneinfo";
}

/* The tables are ~100 KiB (tzdata.zi) and ~20 KiB; 16 MiB is far beyond any tzdata. */
#define TABLE_MAX (16 * 1024 * 1024)

/* Read a table file (regular files only, bounded, never blocking); a missing optional file
 * gives NULL without error. */
static char *
read_table (const char *dir, const char *name, gboolean required, gsize *out_len,
            GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *contents = NULL;
  int err = mrd_tz_read_regular_path (path, TABLE_MAX, &contents, out_len);

  if (err != 0)
    {
      if (!required && err == ENOENT)
        return NULL;
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_BAD_TZDATA,
                   _("Cannot read the time zone database: %s: %s (is the tzdata package "
                     "installed, or --zoneinfo/TZDIR set right?)"), path,
                   mrd_tz_read_strerror (err));
      return NULL;
    }
  return contents;
}

/* Bytes that are not UTF-8 cannot go into a D-Bus string: names with them are left out,
 * free text is escaped (U+FFFD); either way one warning per table. */
static void
warn_invalid_utf8 (const MrdTzdb *db, const char *file, guint n_lines, guint first_line)
{
  if (n_lines > 0)
    g_warning ("%s/%s: %u line(s) with bytes that are not UTF-8 (the first is line %u); "
               "names with them are left out, other text is shown with U+FFFD",
               db->dir, file, n_lines, first_line);
}

/* Split on blanks, like zic(8) fields (tzdata.zi has no quoted fields). */
static char **
split_fields (const char *line, guint *n_out)
{
  g_auto(GStrv) raw = g_strsplit_set (line, " \t", -1);
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; raw[i] != NULL; i++)
    if (raw[i][0] != '\0')
      g_ptr_array_add (out, g_strdup (raw[i]));
  *n_out = out->len;
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

static gboolean
parse_tzdata_zi (MrdTzdb *db, const char *text, gsize len, GError **error)
{
  const char *p = text, *end = text + len;
  guint lineno = 0, bad = 0, first_bad = 0;

  while (p < end)
    {
      const char *eol = memchr (p, '\n', (gsize) (end - p));
      g_autofree char *line = NULL;
      guint n;
      g_auto(GStrv) f = NULL;

      if (eol == NULL)
        eol = end;
      lineno++;
      /* A NUL ends the line here (the text after it is lost, and counted as bad). */
      line = g_strndup (p, (gsize) (eol - p));
      if (strlen (line) != (gsize) (eol - p) || !g_utf8_validate (line, -1, NULL))
        {
          /* Only the name fields matter: a line whose bad bytes are elsewhere still counts. */
          if (bad++ == 0)
            first_bad = lineno;
        }
      p = eol + 1;
      if (g_str_has_prefix (line, "# version "))
        {
          g_free (db->version);
          db->version = g_strstrip (g_utf8_make_valid (line + strlen ("# version "), -1));
          continue;
        }
      f = split_fields (line, &n);
      if (n == 0 || f[0][0] == '#')
        continue;
      /* zic(8) accepts any unambiguous prefix of "Zone" / "Link", as systemd's
       * get_timezones() does by looking at the first letter only. */
      if ((f[0][0] == 'Z' || f[0][0] == 'z') && n >= 2)
        {
          if (g_utf8_validate (f[1], -1, NULL))
            g_hash_table_add (db->zones, g_strdup (f[1]));
        }
      else if ((f[0][0] == 'L' || f[0][0] == 'l') && n >= 3)
        {
          if (g_utf8_validate (f[1], -1, NULL) && g_utf8_validate (f[2], -1, NULL))
            g_hash_table_insert (db->links, g_strdup (f[2]), g_strdup (f[1]));
        }
    }
  warn_invalid_utf8 (db, "tzdata.zi", bad, first_bad);
  if (g_hash_table_size (db->zones) == 0)
    {
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_BAD_TZDATA,
                   _("%s/tzdata.zi lists no zones; reinstall the tzdata package"), db->dir);
      return FALSE;
    }
  return TRUE;
}

/* ISO 6709 as in zone1970.tab: ±DDMM±DDDMM or ±DDMMSS±DDDMMSS. */
static gboolean
parse_coord_part (const char *s, gsize deg_digits, double *out, const char **end)
{
  int sign, deg = 0, min = 0, sec = 0;
  gsize digits = 0;
  const char *p = s;

  if (*p != '+' && *p != '-')
    return FALSE;
  sign = *p++ == '-' ? -1 : 1;
  while (g_ascii_isdigit (p[digits]))
    digits++;
  if (digits != deg_digits + 2 && digits != deg_digits + 4)
    return FALSE;
  for (gsize i = 0; i < deg_digits; i++)
    deg = deg * 10 + (*p++ - '0');
  min = (p[0] - '0') * 10 + (p[1] - '0');
  p += 2;
  if (digits == deg_digits + 4)
    {
      sec = (p[0] - '0') * 10 + (p[1] - '0');
      p += 2;
    }
  if (min > 59 || sec > 59)
    return FALSE;
  *out = sign * (deg + min / 60.0 + sec / 3600.0);
  *end = p;
  return TRUE;
}

gboolean
mrd_tz_parse_coordinates (const char *s, double *lat, double *lon)
{
  const char *p;
  double la, lo;

  /* ISO 6709: latitude within ±90°, longitude within ±180°; both or neither are taken. */
  if (!parse_coord_part (s, 2, &la, &p) || !parse_coord_part (p, 3, &lo, &p) || *p != '\0' ||
      la < -90 || la > 90 || lo < -180 || lo > 180)
    return FALSE;
  *lat = la;
  *lon = lo;
  return TRUE;
}

/* The lines of a table as valid UTF-8 (bad bytes and NULs → U+FFFD), counting the bad ones. */
static GStrv
table_lines (const char *text, gsize len, guint *bad, guint *first_bad)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new ();
  const char *p = text, *end = text + len;

  *bad = *first_bad = 0;
  while (p < end)
    {
      const char *eol = memchr (p, '\n', (gsize) (end - p));
      if (eol == NULL)
        eol = end;
      if (g_utf8_validate_len (p, (gsize) (eol - p), NULL))
        g_ptr_array_add (out, g_strndup (p, (gsize) (eol - p)));
      else
        {
          g_ptr_array_add (out, g_utf8_make_valid (p, eol - p));
          if ((*bad)++ == 0)
            *first_bad = out->len;
        }
      p = eol + 1;
    }
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

#define REPLACEMENT_CHAR "\357\277\275"

static void
parse_iso3166 (MrdTzdb *db, const char *text, gsize len)
{
  guint bad, first_bad;
  g_auto(GStrv) lines = table_lines (text, len, &bad, &first_bad);

  warn_invalid_utf8 (db, "iso3166.tab", bad, first_bad);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;
      MrdTzCountry *c;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      f = g_strsplit (lines[i], "\t", 2);
      if (f[0] == NULL || f[1] == NULL)
        continue;
      /* A country's name with a bad byte is still its name; a code with one is no code. */
      if (strstr (f[0], REPLACEMENT_CHAR) != NULL)
        continue;
      c = g_new0 (MrdTzCountry, 1);
      c->code = g_strdup (f[0]);
      c->name = g_strstrip (g_strdup (f[1]));
      g_hash_table_replace (db->countries, c->code, c);
    }
}

/* zone1970.tab and zone.tab: codes<TAB>coordinates<TAB>TZ[<TAB>comments] */
static void
parse_zone_table (MrdTzdb *db, const char *text, gsize len, GPtrArray *into, const char *file)
{
  guint bad, first_bad;
  g_auto(GStrv) lines = table_lines (text, len, &bad, &first_bad);

  warn_invalid_utf8 (db, file, bad, first_bad);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;
      g_auto(GStrv) codes = NULL;
      g_autoptr(GPtrArray) good_codes = NULL;
      MrdTzZoneInfo *zi;
      guint n;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      f = g_strsplit (lines[i], "\t", 4);
      n = g_strv_length (f);
      if (n < 3)
        {
          g_warning ("%s/%s:%u: expected at least three tab-separated fields, ignoring",
                     db->dir, file, i + 1);
          continue;
        }
      /* A zone name with a bad byte names no file: leave the line out. */
      if (strstr (f[2], REPLACEMENT_CHAR) != NULL)
        continue;
      codes = g_strsplit (f[0], ",", -1);
      good_codes = g_ptr_array_new ();
      for (guint k = 0; codes[k] != NULL; k++)
        if (strstr (codes[k], REPLACEMENT_CHAR) == NULL)
          g_ptr_array_add (good_codes, g_strdup (codes[k]));
      g_ptr_array_add (good_codes, NULL);

      zi = g_new0 (MrdTzZoneInfo, 1);
      zi->zone = g_strdup (f[2]);
      zi->comment = g_strdup (n > 3 ? f[3] : "");
      g_strstrip (zi->comment);
      zi->country_codes = (char **) g_ptr_array_free (g_steal_pointer (&good_codes), FALSE);
      zi->country_names = g_new0 (char *, g_strv_length (zi->country_codes) + 1);
      for (guint k = 0; zi->country_codes[k] != NULL; k++)
        {
          MrdTzCountry *c = g_hash_table_lookup (db->countries, zi->country_codes[k]);
          /* A code missing from iso3166.tab: show the code rather than nothing. */
          zi->country_names[k] = g_strdup (c != NULL ? c->name : zi->country_codes[k]);
        }
      if (!mrd_tz_parse_coordinates (f[1], &zi->latitude, &zi->longitude))
        g_warning ("%s/%s:%u: bad coordinates “%s”, ignoring them", db->dir, file, i + 1, f[1]);
      g_ptr_array_add (into, zi);
    }
}

MrdTzdb *
mrd_tzdb_new_from_data (const char *dir, const char *zi, gsize zi_len, const char *iso,
                        gsize iso_len, const char *z1970, gsize z1970_len, const char *ztab,
                        gsize ztab_len, GError **error)
{
  g_autoptr(MrdTzdb) db = g_new0 (MrdTzdb, 1);

  db->dir = g_strdup (dir);
  db->zones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  db->links = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  db->zone1970 = g_ptr_array_new_with_free_func ((GDestroyNotify) zone_info_free);
  db->zonetab = g_ptr_array_new_with_free_func ((GDestroyNotify) zone_info_free);
  db->zone1970_set = g_hash_table_new (g_str_hash, g_str_equal);
  db->countries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) country_free);

  if (!parse_tzdata_zi (db, zi, zi_len, error))
    return NULL;
  if (iso != NULL)
    parse_iso3166 (db, iso, iso_len);
  if (z1970 != NULL)
    parse_zone_table (db, z1970, z1970_len, db->zone1970, "zone1970.tab");
  if (ztab != NULL)
    parse_zone_table (db, ztab, ztab_len, db->zonetab, "zone.tab");

  for (guint i = 0; i < db->zone1970->len; i++)
    {
      MrdTzZoneInfo *e = g_ptr_array_index (db->zone1970, i);
      /* the first line of a zone wins, as a look-up in file order would find it */
      if (!g_hash_table_contains (db->zone1970_set, e->zone))
        g_hash_table_insert (db->zone1970_set, e->zone, e);
    }
  db->names = build_names (db);
  return g_steal_pointer (&db);
}

MrdTzdb *
mrd_tzdb_load (const char *zoneinfo_dir, GError **error)
{
  g_autofree char *zi = NULL, *z1970 = NULL, *ztab = NULL, *iso = NULL;
  gsize zi_len = 0, z1970_len = 0, ztab_len = 0, iso_len = 0;
  const char *dir = zoneinfo_dir != NULL && zoneinfo_dir[0] != '\0'
                    ? zoneinfo_dir : mrd_tzdb_default_zoneinfo_dir ();
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  zi = read_table (dir, "tzdata.zi", TRUE, &zi_len, error);
  if (zi == NULL)
    return NULL;
  /* Optional tables: a missing one leaves its table empty; an unreadable one is an error. */
  iso = read_table (dir, "iso3166.tab", FALSE, &iso_len, &local);
  if (local == NULL)
    z1970 = read_table (dir, "zone1970.tab", FALSE, &z1970_len, &local);
  if (local == NULL)
    ztab = read_table (dir, "zone.tab", FALSE, &ztab_len, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return mrd_tzdb_new_from_data (dir, zi, zi_len, iso, iso_len, z1970, z1970_len, ztab,
                                 ztab_len, error);
}

MrdTzdb *
mrd_tzdb_new_utc_only (const char *zoneinfo_dir)
{
  static const char zi[] = "Z Etc/UTC 0 - UTC\nL Etc/UTC UTC\n";
  const char *dir = zoneinfo_dir != NULL && zoneinfo_dir[0] != '\0'
                    ? zoneinfo_dir : mrd_tzdb_default_zoneinfo_dir ();
  MrdTzdb *db = mrd_tzdb_new_from_data (dir, zi, strlen (zi), NULL, 0, NULL, 0, NULL, 0, NULL);

  g_assert (db != NULL);
  return db;
}

void
mrd_tzdb_free (MrdTzdb *db)
{
  if (db == NULL)
    return;
  g_free (db->dir);
  g_free (db->version);
  g_strfreev (db->names);
  g_clear_pointer (&db->zones, g_hash_table_unref);
  g_clear_pointer (&db->links, g_hash_table_unref);
  g_clear_pointer (&db->zone1970_set, g_hash_table_unref);
  g_clear_pointer (&db->zone1970, g_ptr_array_unref);
  g_clear_pointer (&db->zonetab, g_ptr_array_unref);
  g_clear_pointer (&db->countries, g_hash_table_unref);
  g_free (db);
}

const char *
mrd_tzdb_get_zoneinfo_dir (const MrdTzdb *db)
{
  g_return_val_if_fail (db != NULL, NULL);
  return db->dir;
}

const char *
mrd_tzdb_get_version (const MrdTzdb *db)
{
  g_return_val_if_fail (db != NULL, NULL);
  return db->version;
}

static int
strcmp_p (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* systemd 252 src/basic/time-util.c get_timezones(): field 1 of every Zone line and field 2
 * of every Link line of tzdata.zi, plus "UTC", sorted with strcmp and made unique. */
static GStrv
build_names (const MrdTzdb *db)
{
  g_autoptr(GHashTable) set = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter it;
  gpointer key;
  GPtrArray *out;

  g_hash_table_add (set, (gpointer) "UTC");
  g_hash_table_iter_init (&it, db->zones);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_hash_table_add (set, key);
  g_hash_table_iter_init (&it, db->links);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_hash_table_add (set, key);

  out = g_ptr_array_new_full (g_hash_table_size (set) + 1, NULL);
  g_hash_table_iter_init (&it, set);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (out, g_strdup (key));
  g_ptr_array_sort (out, strcmp_p);
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (out, FALSE);
}

GStrv
mrd_tzdb_list_timezones (const MrdTzdb *db)
{
  g_return_val_if_fail (db != NULL, NULL);
  return g_strdupv (db->names);
}

gboolean
mrd_tzdb_has_zone (const MrdTzdb *db, const char *name)
{
  g_return_val_if_fail (db != NULL, FALSE);
  if (name == NULL)
    return FALSE;
  return strcmp (name, "UTC") == 0 || g_hash_table_contains (db->zones, name) ||
         g_hash_table_contains (db->links, name);
}

gboolean
mrd_tzdb_is_link (const MrdTzdb *db, const char *name)
{
  g_return_val_if_fail (db != NULL, FALSE);
  return name != NULL && g_hash_table_contains (db->links, name);
}

const char *
mrd_tzdb_resolve (const MrdTzdb *db, const char *name)
{
  g_return_val_if_fail (db != NULL, NULL);
  if (name == NULL)
    return NULL;
  /* Links point at zones; a few hops allow for chained links in other tzdata builds. */
  for (int hops = 0; hops < 8; hops++)
    {
      gpointer key = NULL, target = NULL;
      if (g_hash_table_lookup_extended (db->zones, name, &key, NULL))
        return key;
      if (!g_hash_table_lookup_extended (db->links, name, NULL, &target))
        return strcmp (name, "UTC") == 0 ? "UTC" : NULL;
      name = target;
    }
  return NULL;
}

gboolean
mrd_tzdb_in_zone1970 (const MrdTzdb *db, const char *name)
{
  return g_hash_table_contains (db->zone1970_set, name);
}

/* ---- validation ---- */

gboolean
mrd_tz_name_check_syntax (const char *name, GError **error)
{
  gsize len;

  if (name == NULL || name[0] == '\0')
    {
      g_set_error_literal (error, MRD_TZ_ERROR, MRD_TZ_ERROR_INVALID_NAME,
                           _("The time zone name is empty; give one such as “Asia/Seoul” "
                             "(list them with “meridianctl list-timezones”)"));
      return FALSE;
    }
  len = strlen (name);
  if (len > MRD_TZ_NAME_MAX)
    {
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_INVALID_NAME,
                   _("The time zone name is too long (%lu bytes; zone names are at most %d)"),
                   (unsigned long) len, MRD_TZ_NAME_MAX);
      return FALSE;
    }
  for (const char *p = name; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      {
        g_set_error_literal (error, MRD_TZ_ERROR, MRD_TZ_ERROR_INVALID_NAME,
                             _("The time zone name contains a control character"));
        return FALSE;
      }
  if (name[0] == '/')
    {
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_INVALID_NAME,
                   _("“%s” is a path; give a zone name relative to the zoneinfo directory, "
                     "such as “Asia/Seoul”"), name);
      return FALSE;
    }
  if (name[len - 1] == '/')
    {
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_INVALID_NAME,
                   _("“%s” ends with “/”; drop it (e.g. “Asia/Seoul”)"), name);
      return FALSE;
    }
  if (strstr (name, "//") != NULL)
    {
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_INVALID_NAME,
                   _("“%s” contains “//”; zone names have single slashes"), name);
      return FALSE;
    }
  {
    g_auto(GStrv) parts = g_strsplit (name, "/", -1);
    for (guint i = 0; parts[i] != NULL; i++)
      if (strcmp (parts[i], "..") == 0 || strcmp (parts[i], ".") == 0)
        {
          g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_INVALID_NAME,
                       _("“%s” contains “%s”; zone names cannot refer to other directories"),
                       name, parts[i]);
          return FALSE;
        }
  }
  /* Every tzdata name is made of these (systemd's verify_timezone() allows the same). */
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_+/", *p) == NULL)
      {
        g_autofree char *shown = g_utf8_make_valid (name, -1);
        g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_INVALID_NAME,
                     _("“%s” contains characters that no time zone name has (only letters, "
                       "digits, “-”, “_”, “+” and “/”)"), shown);
        return FALSE;
      }
  return TRUE;
}

char *
mrd_tzdb_get_zone_path (const MrdTzdb *db, const char *name)
{
  g_return_val_if_fail (db != NULL && name != NULL, NULL);
  return g_build_filename (db->dir, name, NULL);
}

/* The file exists, is regular, starts with "TZif", and its real path stays inside the
 * zoneinfo directory (a symlink out of it is refused). */
static gboolean
check_zone_file (const MrdTzdb *db, const char *name, GError **error)
{
  g_autofree char *path = mrd_tzdb_get_zone_path (db, name);
  g_autofree char *real_dir = realpath (db->dir, NULL);
  g_autofree char *real = realpath (path, NULL);
  g_autofree char *prefix = NULL;
  struct stat st;
  char magic[4];
  int fd;
  gssize got;
  const char *problem = NULL;

  if (real_dir == NULL || real == NULL)
    problem = g_strerror (errno);
  else
    {
      prefix = g_strconcat (real_dir, "/", NULL);
      if (!g_str_has_prefix (real, prefix))
        problem = _("it leads outside the zoneinfo directory");
    }
  if (problem == NULL)
    {
      fd = open (real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0)
        problem = g_strerror (errno);
      else
        {
          if (fstat (fd, &st) < 0)
            problem = g_strerror (errno);
          else if (!S_ISREG (st.st_mode))
            problem = _("not a regular file");
          else
            {
              got = read (fd, magic, sizeof magic);
              if (got != (gssize) sizeof magic || memcmp (magic, "TZif", 4) != 0)
                problem = _("not a TZif file");
            }
          close (fd);
        }
    }
  if (problem != NULL)
    {
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_MISSING_FILE,
                   _("Time zone “%s” is in the time zone database, but %s is unusable (%s); "
                     "reinstall the tzdata package"), name, path, problem);
      return FALSE;
    }
  return TRUE;
}

gboolean
mrd_tzdb_validate_zone (const MrdTzdb *db, const char *name, GError **error)
{
  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!mrd_tz_name_check_syntax (name, error))
    return FALSE;
  if (!mrd_tzdb_has_zone (db, name))
    {
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_UNKNOWN_ZONE,
                   _("Unknown time zone “%s”; list the valid names with "
                     "“meridianctl list-timezones”"), name);
      return FALSE;
    }
  return check_zone_file (db, name, error);
}

MrdTzif *
mrd_tzdb_load_zone (const MrdTzdb *db, const char *zone, GError **error)
{
  g_autofree char *path = NULL;

  if (!mrd_tzdb_validate_zone (db, zone, error))
    return NULL;
  path = mrd_tzdb_get_zone_path (db, zone);
  return mrd_tzif_new_from_file (path, error);
}

gboolean
mrd_tzdb_describe_zone (const MrdTzdb *db, const char *zone, gint64 at,
                        MrdTzDescription *out, GError **error)
{
  g_autoptr(MrdTzif) tz = mrd_tzdb_load_zone (db, zone, error);

  g_return_val_if_fail (out != NULL, FALSE);
  if (tz == NULL)
    return FALSE;
  mrd_tzif_describe (tz, at, out);
  return TRUE;
}

/* ---- lists ---- */

GPtrArray *
mrd_tzdb_list_zones (const MrdTzdb *db)
{
  GPtrArray *out;

  g_return_val_if_fail (db != NULL, NULL);
  out = g_ptr_array_sized_new (db->zone1970->len);
  for (guint i = 0; i < db->zone1970->len; i++)
    g_ptr_array_add (out, g_ptr_array_index (db->zone1970, i));
  return out;
}

const char *
mrd_tzdb_get_country_name (const MrdTzdb *db, const char *code)
{
  g_autofree char *up = NULL;
  MrdTzCountry *c;

  g_return_val_if_fail (db != NULL, NULL);
  if (code == NULL)
    return NULL;
  up = g_ascii_strup (code, -1);
  c = g_hash_table_lookup (db->countries, up);
  return c != NULL ? c->name : NULL;
}

static gboolean
has_code (const MrdTzZoneInfo *zi, const char *code)
{
  return g_strv_contains ((const char *const *) zi->country_codes, code);
}

GPtrArray *
mrd_tzdb_list_country_zones (const MrdTzdb *db, const char *country_code)
{
  g_autofree char *up = NULL;
  GPtrArray *out;

  g_return_val_if_fail (db != NULL, NULL);
  out = g_ptr_array_new ();
  if (country_code == NULL)
    return out;
  up = g_ascii_strup (country_code, -1);
  for (guint i = 0; i < db->zonetab->len; i++)
    if (has_code (g_ptr_array_index (db->zonetab, i), up))
      g_ptr_array_add (out, g_ptr_array_index (db->zonetab, i));
  if (out->len == 0)
    for (guint i = 0; i < db->zone1970->len; i++)
      if (has_code (g_ptr_array_index (db->zone1970, i), up))
        g_ptr_array_add (out, g_ptr_array_index (db->zone1970, i));
  return out;
}

/* "Etc"-like first components are not places a person would pick. */
static char *
continent_of (const char *zone)
{
  const char *slash = strchr (zone, '/');
  if (slash == NULL)
    return NULL;
  if (g_str_has_prefix (zone, "Etc/"))
    return NULL;
  return g_strndup (zone, (gsize) (slash - zone));
}

GStrv
mrd_tzdb_list_continents (const MrdTzdb *db)
{
  g_autoptr(GHashTable) set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter it;
  gpointer key;
  GPtrArray *out;

  g_return_val_if_fail (db != NULL, NULL);
  for (guint i = 0; i < db->zone1970->len; i++)
    {
      MrdTzZoneInfo *zi = g_ptr_array_index (db->zone1970, i);
      char *c = continent_of (zi->zone);
      if (c != NULL)
        g_hash_table_add (set, c);
    }
  out = g_ptr_array_new ();
  g_hash_table_iter_init (&it, set);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (out, g_strdup (key));
  g_ptr_array_sort (out, strcmp_p);
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (out, FALSE);
}

static int
country_cmp (gconstpointer a, gconstpointer b)
{
  const MrdTzCountry *x = *(MrdTzCountry *const *) a, *y = *(MrdTzCountry *const *) b;
  return g_utf8_collate (x->name, y->name);
}

static void
add_countries_from (const MrdTzdb *db, GPtrArray *table, const char *prefix, GHashTable *seen,
                    GPtrArray *out)
{
  for (guint i = 0; i < table->len; i++)
    {
      MrdTzZoneInfo *zi = g_ptr_array_index (table, i);
      if (!g_str_has_prefix (zi->zone, prefix))
        continue;
      for (guint k = 0; zi->country_codes[k] != NULL; k++)
        {
          MrdTzCountry *c = g_hash_table_lookup (db->countries, zi->country_codes[k]);
          if (c != NULL && !g_hash_table_contains (seen, c->code))
            {
              g_hash_table_add (seen, c->code);
              g_ptr_array_add (out, c);
            }
        }
    }
}

GPtrArray *
mrd_tzdb_list_countries (const MrdTzdb *db, const char *continent)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *prefix = NULL;
  GPtrArray *out;

  g_return_val_if_fail (db != NULL, NULL);
  out = g_ptr_array_new ();
  if (continent == NULL)
    return out;
  prefix = g_strconcat (continent, "/", NULL);
  /* zone1970.tab puts a country under the continent of every zone it shares (NO under
   * Europe via Europe/Berlin); zone.tab adds the country's own zone's continent. */
  add_countries_from (db, db->zone1970, prefix, seen, out);
  add_countries_from (db, db->zonetab, prefix, seen, out);
  g_ptr_array_sort (out, country_cmp);
  return out;
}
