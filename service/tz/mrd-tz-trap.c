/* mrd-tz-trap.c — TZ settings that shadow the system zone. A login shell that reads
 * `export TZ='Asia/Seoul'` from /etc/profile shows that zone in `date` while the system zone
 * (/etc/localtime) says otherwise; pam_env reads TZ= from /etc/environment for every session.
 * tzset(3): TZ overrides /etc/localtime; an empty TZ means UTC.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <glib/gi18n.h>

#include "mrd-tz-trap.h"
#include "mrd-tz-private.h"

void
mrd_tz_trap_free (MrdTzTrap *trap)
{
  if (trap == NULL)
    return;
  g_free (trap->file);
  g_free (trap->value);
  g_free (trap);
}

/* The zone a TZ value names: ":Asia/Seoul" and "/usr/share/zoneinfo/Asia/Seoul" both give
 * "Asia/Seoul"; "" gives "UTC". NULL when it is not a zone name (a POSIX string, say). */
static char *
zone_of_value (const char *value)
{
  if (value[0] == ':')
    value++;
  if (value[0] == '\0')
    return g_strdup ("UTC");
  /* ":/etc/localtime" (or the path alone) means the system zone itself */
  if (strcmp (value, "/etc/localtime") == 0)
    return g_strdup ("/etc/localtime");
  if (value[0] == '/')
    return mrd_tz_zone_from_path (value);
  if (!mrd_tz_name_check_syntax (value, NULL))
    return NULL;
  return g_strdup (value);
}

static const char *
canonical (const MrdTzdb *db, const char *name)
{
  const char *r = db != NULL ? mrd_tzdb_resolve (db, name) : NULL;
  /* tzdata.zi: "L Etc/UTC UTC"; without tables, treat the usual UTC spellings alike. */
  if (r == NULL && (strcmp (name, "UTC") == 0 || strcmp (name, "Etc/UTC") == 0))
    r = "Etc/UTC";
  return r != NULL ? r : name;
}

static gboolean
is_utc (const MrdTzdb *db, const char *zone)
{
  return strcmp (canonical (db, zone), "Etc/UTC") == 0;
}

gboolean
mrd_tz_value_agrees (const MrdTzdb *db, const char *tz_value, const char *system_zone)
{
  g_autofree char *zone = NULL;

  g_return_val_if_fail (tz_value != NULL && system_zone != NULL, FALSE);

  zone = zone_of_value (tz_value);
  if (zone != NULL && strcmp (zone, "/etc/localtime") == 0)
    return TRUE;
  if (zone != NULL)
    {
      if (strcmp (zone, system_zone) == 0)
        return TRUE;
      if (strcmp (canonical (db, zone), canonical (db, system_zone)) == 0)
        return TRUE;
    }
  /* A POSIX string such as "UTC0" or "GMT0" agrees with a UTC system zone. */
  if (is_utc (db, system_zone))
    {
      g_autoptr(MrdTzif) tz = mrd_tzif_new_from_posix (tz_value, NULL);
      if (tz != NULL)
        {
          MrdTzDescription d;
          mrd_tzif_describe (tz, 0, &d);
          return d.utc_offset == 0 && !d.has_next;
        }
    }
  return FALSE;
}

static GRegex *
tz_assignment_regex (void)
{
  /* TZ= at the start of a statement or after blanks/`export`, with a double-quoted,
   * single-quoted or bare value. */
  return g_regex_new ("(?:^|[\\s;&|(])TZ=(?:\"([^\"]*)\"|'([^']*)'|([^\\s;&|#\"')]*))",
                      G_REGEX_OPTIMIZE, 0, NULL);
}

static void
scan_file (const MrdTzdb *db, const char *root, const char *shown, const char *system_zone,
           GRegex *re, GPtrArray *traps)
{
  g_autofree char *path = mrd_tz_root_path (root, shown);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;   /* missing or unreadable: nothing can be set from it */
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GMatchInfo) m = NULL;
      const char *p = lines[i];

      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '#')
        continue;
      g_regex_match (re, p, 0, &m);
      while (g_match_info_matches (m))
        {
          g_autofree char *value = NULL;
          for (int group = 1; group <= 3 && value == NULL; group++)
            {
              gint start = -1, end = -1;
              if (g_match_info_fetch_pos (m, group, &start, &end) && start >= 0)
                value = g_strndup (p + start, (gsize) (end - start));
            }
          if (value == NULL)
            value = g_strdup ("");
          if (!mrd_tz_value_agrees (db, value, system_zone))
            {
              MrdTzTrap *t = g_new0 (MrdTzTrap, 1);
              t->file = g_strdup (shown);
              t->line = i + 1;
              t->value = g_steal_pointer (&value);
              g_ptr_array_add (traps, t);
            }
          g_match_info_next (m, NULL);
        }
    }
}

static int
strcmp_p (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

gboolean
mrd_tz_find_traps (const char *root, const MrdTzdb *db, const char *system_zone,
                   const char *caller_tz, GPtrArray **out_traps, GError **error)
{
  g_autoptr(GPtrArray) traps = g_ptr_array_new_with_free_func ((GDestroyNotify) mrd_tz_trap_free);
  g_autoptr(GRegex) re = tz_assignment_regex ();
  g_autofree char *profile_d = mrd_tz_root_path (root, "/etc/profile.d");
  g_autoptr(GPtrArray) scripts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = NULL;

  g_return_val_if_fail (system_zone != NULL && out_traps != NULL, FALSE);

  if (caller_tz != NULL && !mrd_tz_value_agrees (db, caller_tz, system_zone))
    {
      MrdTzTrap *t = g_new0 (MrdTzTrap, 1);
      t->value = g_strdup (caller_tz);
      g_ptr_array_add (traps, t);
    }

  scan_file (db, root, "/etc/profile", system_zone, re, traps);
  /* /etc/profile sources the profile.d scripts ending in .sh in glob (sorted) order. */
  dir = g_dir_open (profile_d, 0, NULL);
  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".sh"))
          g_ptr_array_add (scripts, g_strconcat ("/etc/profile.d/", name, NULL));
      g_ptr_array_sort (scripts, strcmp_p);
    }
  for (guint i = 0; i < scripts->len; i++)
    scan_file (db, root, g_ptr_array_index (scripts, i), system_zone, re, traps);
  scan_file (db, root, "/etc/environment", system_zone, re, traps);

  *out_traps = g_steal_pointer (&traps);
  return TRUE;
}
