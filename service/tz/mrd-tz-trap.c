/* mrd-tz-trap.c — TZ settings that shadow the system zone. A login shell that reads
 * `export TZ='Asia/Seoul'` from /etc/profile shows that zone in `date` while the system zone
 * (/etc/localtime) says otherwise; pam_env reads TZ= from /etc/environment for every session.
 * tzset(3): TZ overrides /etc/localtime; an empty TZ means UTC.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <dirent.h>
#include <string.h>
#include <unistd.h>

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

/* Warn once per file and process about bytes that are not UTF-8, so a caller polling
 * ListTimezoneOverrides cannot fill the journal. */
static void
warn_invalid_utf8_once (const char *shown, guint line)
{
  static GHashTable *warned;
  G_LOCK_DEFINE_STATIC (warned);
  gboolean first;

  G_LOCK (warned);
  if (warned == NULL)
    warned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  first = g_hash_table_size (warned) < 1024 && g_hash_table_add (warned, g_strdup (shown));
  G_UNLOCK (warned);
  if (first)
    g_warning ("%s:%u: bytes that are not UTF-8; shown with U+FFFD in their place", shown,
               line);
}

void
mrd_tz_trap_scan_text (const MrdTzdb *db, const char *shown, const char *text, gsize len,
                       const char *system_zone, GPtrArray *traps)
{
  static GRegex *re;
  const char *p = text, *end = text + len;
  guint lineno = 0;

  if (g_once_init_enter (&re))
    g_once_init_leave (&re, tz_assignment_regex ());

  while (p < end)
    {
      const char *eol = memchr (p, '\n', (gsize) (end - p));
      g_autofree char *line = NULL;
      g_autoptr(GMatchInfo) m = NULL;
      const char *q;

      if (eol == NULL)
        eol = end;
      lineno++;
      /* The regex works on UTF-8: a line that is not (or holds a NUL) is matched on its
       * escaped form, so the other lines of the file still count. */
      if (g_utf8_validate_len (p, (gsize) (eol - p), NULL))
        line = g_strndup (p, (gsize) (eol - p));
      else
        {
          line = g_utf8_make_valid (p, eol - p);
          warn_invalid_utf8_once (shown, lineno);
        }
      p = eol + 1;

      q = line;
      while (*q == ' ' || *q == '\t')
        q++;
      if (*q == '#')
        continue;
      g_regex_match (re, q, 0, &m);
      while (g_match_info_matches (m))
        {
          g_autofree char *value = NULL;
          for (int group = 1; group <= 3 && value == NULL; group++)
            {
              gint start = -1, stop = -1;
              if (g_match_info_fetch_pos (m, group, &start, &stop) && start >= 0)
                value = g_strndup (q + start, (gsize) (stop - start));
            }
          if (value == NULL)
            value = g_strdup ("");
          if (!mrd_tz_value_agrees (db, value, system_zone))
            {
              MrdTzTrap *t = g_new0 (MrdTzTrap, 1);
              t->file = g_strdup (shown);
              t->line = lineno;
              t->value = g_steal_pointer (&value);
              g_ptr_array_add (traps, t);
            }
          g_match_info_next (m, NULL);
        }
    }
}

/* @name in @dirfd: a regular file only, read without blocking and at most
 * MRD_TZ_ROOT_READ_MAX bytes; anything else is skipped (nothing can be set from it). */
static void
scan_file (const MrdTzdb *db, int dirfd, const char *name, const char *shown,
           const char *system_zone, GPtrArray *traps)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  int err = mrd_tz_read_beneath (dirfd, name, MRD_TZ_ROOT_READ_MAX, &text, &len);

  if (err != 0)
    {
      if (!mrd_tz_read_is_missing (err))
        g_debug ("Not looking for TZ= in %s: %s", shown, mrd_tz_read_strerror (err));
      return;
    }
  mrd_tz_trap_scan_text (db, shown, text, len, system_zone, traps);
}

static int
strcmp_p (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* More scripts than any system has; bounds the work one call can be made to do. */
#define PROFILE_D_MAX 4096

gboolean
mrd_tz_find_traps (const char *root, const MrdTzdb *db, const char *system_zone,
                   const char *caller_tz, GPtrArray **out_traps, GError **error)
{
  g_autoptr(GPtrArray) traps = g_ptr_array_new_with_free_func ((GDestroyNotify) mrd_tz_trap_free);
  g_autoptr(GPtrArray) scripts = g_ptr_array_new_with_free_func (g_free);
  int rootfd, etcfd = -1, profile_d = -1;

  g_return_val_if_fail (system_zone != NULL && out_traps != NULL, FALSE);

  if (caller_tz != NULL && !mrd_tz_value_agrees (db, caller_tz, system_zone))
    {
      MrdTzTrap *t = g_new0 (MrdTzTrap, 1);
      t->value = g_utf8_make_valid (caller_tz, -1);
      g_ptr_array_add (traps, t);
    }

  rootfd = mrd_tz_root_open_fd (root);
  if (rootfd >= 0)
    etcfd = mrd_tz_open_dir_beneath (rootfd, "etc", FALSE);
  if (etcfd >= 0)
    {
      scan_file (db, etcfd, "profile", "/etc/profile", system_zone, traps);
      /* /etc/profile sources the profile.d scripts ending in .sh in glob (sorted) order. */
      profile_d = mrd_tz_open_dir_beneath (etcfd, "profile.d", FALSE);
    }
  if (profile_d >= 0)
    {
      int listfd = dup (profile_d);
      DIR *dir = listfd >= 0 ? fdopendir (listfd) : NULL;
      struct dirent *de;

      if (dir == NULL && listfd >= 0)
        close (listfd);
      while (dir != NULL && (de = readdir (dir)) != NULL && scripts->len < PROFILE_D_MAX)
        if (g_str_has_suffix (de->d_name, ".sh"))
          g_ptr_array_add (scripts, g_strdup (de->d_name));
      if (dir != NULL)
        closedir (dir);
      g_ptr_array_sort (scripts, strcmp_p);
    }
  for (guint i = 0; i < scripts->len; i++)
    {
      const char *name = g_ptr_array_index (scripts, i);
      g_autofree char *valid = g_utf8_make_valid (name, -1);
      g_autofree char *shown = g_strconcat ("/etc/profile.d/", valid, NULL);
      scan_file (db, profile_d, name, shown, system_zone, traps);
    }
  if (etcfd >= 0)
    scan_file (db, etcfd, "environment", "/etc/environment", system_zone, traps);

  if (profile_d >= 0)
    close (profile_d);
  if (etcfd >= 0)
    close (etcfd);
  if (rootfd >= 0)
    close (rootfd);
  *out_traps = g_steal_pointer (&traps);
  return TRUE;
}
