/* mrd-tz-localtime.c — the system zone on disk: write and read /etc/localtime (localtime(5)),
 * /etc/timezone (Debian) and ZONE= in /etc/sysconfig/clock (RHEL, Amazon Linux).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "mrd-tz-localtime.h"
#include "mrd-tz-private.h"

/* What systemd-timedated links to (src/timedate/timedated.c, context_write_data_timezone):
 * "../usr/share/zoneinfo/" + zone, "UTC" included. The link names the distribution's
 * zoneinfo inside the root, whatever --zoneinfo the daemon reads its tables from. */
#define LINK_PREFIX "../usr/share/zoneinfo/"

/* A macro so that the (translated) format stays checkable by -Wformat. */
#define errno_error(error, err, format, path) \
  (g_set_error ((error), MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, (format), (path), g_strerror (err)), \
   FALSE)

/* A symlink to @target under a temporary name next to @path; returns that name. */
static char *
stage_symlink (const char *target, const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);

  for (int attempt = 0; attempt < 100; attempt++)
    {
      char *tmp = g_strdup_printf ("%s/.#%s.%08x", dir, base, g_random_int ());
      if (symlink (target, tmp) == 0)
        return tmp;
      g_free (tmp);
      if (errno != EEXIST)
        break;
    }
  (void) errno_error (error, errno, _("Cannot create a symbolic link in %s: %s"), dir);
  return NULL;
}

static gboolean
exists_nofollow (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0;
}

/* ZONE="..." replaced (or appended), every other line kept as it was. */
static char *
rewrite_sysconfig_clock (const char *old, const char *zone)
{
  g_auto(GStrv) lines = g_strsplit (old, "\n", -1);
  GString *out = g_string_new (NULL);
  gboolean replaced = FALSE;
  guint n = g_strv_length (lines);

  /* A trailing newline yields a last empty element; do not double it. */
  if (n > 0 && lines[n - 1][0] == '\0')
    n--;
  for (guint i = 0; i < n; i++)
    {
      const char *p = lines[i];
      while (*p == ' ' || *p == '\t')
        p++;
      if (g_str_has_prefix (p, "ZONE="))
        {
          if (!replaced)
            g_string_append_printf (out, "ZONE=\"%s\"\n", zone);
          replaced = TRUE;
          continue;
        }
      g_string_append_printf (out, "%s\n", lines[i]);
    }
  if (!replaced)
    g_string_append_printf (out, "ZONE=\"%s\"\n", zone);
  return g_string_free (out, FALSE);
}

typedef struct {
  const char *path;
  char *tmp;
} Staged;

static void
unstage (Staged *staged, guint n)
{
  for (guint i = 0; i < n; i++)
    if (staged[i].tmp != NULL)
      {
        g_unlink (staged[i].tmp);
        g_clear_pointer (&staged[i].tmp, g_free);
      }
}

gboolean
mrd_tz_localtime_write_full (const char *root, const char *zone, MrdTzWriteFlags flags,
                             GError **error)
{
  g_autofree char *etc = mrd_tz_root_path (root, "/etc");
  g_autofree char *localtime = mrd_tz_root_path (root, "/etc/localtime");
  g_autofree char *tzfile_path = mrd_tz_root_path (root, "/etc/timezone");
  g_autofree char *clock = mrd_tz_root_path (root, "/etc/sysconfig/clock");
  g_autofree char *target = NULL;
  gboolean sync = (flags & MRD_TZ_WRITE_NO_SYNC) == 0;
  gboolean clock_written = FALSE;
  Staged staged[3] = { { localtime, NULL }, { tzfile_path, NULL }, { clock, NULL } };

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!mrd_tz_name_check_syntax (zone, error))
    return FALSE;
  if (g_mkdir_with_parents (etc, 0755) < 0)
    return errno_error (error, errno, _("Cannot create %s: %s"), etc);

  /* Stage everything first: if any of it fails, nothing has changed yet. */
  target = g_strconcat (LINK_PREFIX, zone, NULL);
  staged[0].tmp = stage_symlink (target, localtime, error);
  if (staged[0].tmp == NULL)
    return FALSE;

  if (exists_nofollow (tzfile_path))
    {
      g_autofree char *text = g_strdup_printf ("%s\n", zone);
      staged[1].tmp = mrd_tz_stage_file (tzfile_path, text, strlen (text), 0644, sync, error);
      if (staged[1].tmp == NULL)
        {
          unstage (staged, 3);
          return FALSE;
        }
    }

  if (exists_nofollow (clock))
    {
      g_autofree char *old = NULL;
      g_autofree char *text = NULL;
      g_autoptr(GError) local = NULL;

      if (!g_file_get_contents (clock, &old, NULL, &local))
        {
          g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, "%s", local->message);
          unstage (staged, 3);
          return FALSE;
        }
      text = rewrite_sysconfig_clock (old, zone);
      staged[2].tmp = mrd_tz_stage_file (clock, text, strlen (text), 0644, sync, error);
      if (staged[2].tmp == NULL)
        {
          unstage (staged, 3);
          return FALSE;
        }
      clock_written = TRUE;
    }

  /* Commit: /etc/localtime first, it is what every program reads. */
  for (guint i = 0; i < G_N_ELEMENTS (staged); i++)
    {
      if (staged[i].tmp == NULL)
        continue;
      if (!mrd_tz_commit_file (staged[i].tmp, staged[i].path, error))
        {
          g_clear_pointer (&staged[i].tmp, g_free);
          unstage (staged, 3);
          return FALSE;
        }
      g_clear_pointer (&staged[i].tmp, g_free);
    }

  if (sync)
    {
      g_autofree char *sysconfig = mrd_tz_root_path (root, "/etc/sysconfig");
      if (!mrd_tz_fsync_path (etc, TRUE, error))
        return FALSE;
      if (clock_written && !mrd_tz_fsync_path (sysconfig, TRUE, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
mrd_tz_localtime_write (const char *root, const char *zone, GError **error)
{
  return mrd_tz_localtime_write_full (root, zone, MRD_TZ_WRITE_NONE, error);
}

gboolean
mrd_tz_sync_etc (const char *root, GError **error)
{
  static const char *const files[] = { "/etc/timezone", "/etc/sysconfig/clock", "/etc/adjtime" };
  static const char *const dirs[] = { "/etc/sysconfig", "/etc" };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = mrd_tz_root_path (root, files[i]);
      struct stat st;
      if (lstat (path, &st) == 0 && S_ISREG (st.st_mode) && !mrd_tz_fsync_path (path, FALSE, error))
        return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = mrd_tz_root_path (root, dirs[i]);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !mrd_tz_fsync_path (path, TRUE, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- reading ---- */

/* "…/zoneinfo/posix/Asia/Seoul" → "Asia/Seoul"; NULL when the text names no zoneinfo file. */
char *
mrd_tz_zone_from_path (const char *path)
{
  const char *p = NULL, *s = path;
  const char *hit;

  while ((hit = strstr (s, "zoneinfo/")) != NULL)
    {
      p = hit + strlen ("zoneinfo/");
      s = p;
    }
  if (p == NULL)
    return NULL;
  /* posix/ and right/ hold the same zones (right/ with leap seconds); the zone is the same. */
  if (g_str_has_prefix (p, "posix/"))
    p += strlen ("posix/");
  else if (g_str_has_prefix (p, "right/"))
    p += strlen ("right/");
  if (*p == '\0')
    return NULL;
  return g_strdup (p);
}

static int
name_rank (const MrdTzdb *db, const char *name)
{
  if (mrd_tzdb_in_zone1970 (db, name))
    return 0;
  if (!mrd_tzdb_is_link (db, name) && strcmp (name, "UTC") != 0)
    return 1;
  return 2;
}

/* The zone whose TZif file has exactly these bytes, preferring the canonical name. */
static char *
zone_by_content (const MrdTzdb *db, const char *data, gsize len)
{
  g_auto(GStrv) names = mrd_tzdb_list_timezones (db);
  const char *best = NULL;
  int best_rank = G_MAXINT;

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = mrd_tzdb_get_zone_path (db, names[i]);
      g_autofree char *other = NULL;
      gsize other_len;
      struct stat st;
      int rank;

      if (stat (path, &st) < 0 || !S_ISREG (st.st_mode) || (gsize) st.st_size != len)
        continue;
      rank = name_rank (db, names[i]);
      if (rank >= best_rank)
        continue;
      if (!g_file_get_contents (path, &other, &other_len, NULL))
        continue;
      if (other_len == len && memcmp (other, data, len) == 0)
        {
          best = names[i];
          best_rank = rank;
        }
    }
  return g_strdup (best);
}

static gboolean
usable_name (const MrdTzdb *db, const char *name)
{
  if (!mrd_tz_name_check_syntax (name, NULL))
    return FALSE;
  return db == NULL || mrd_tzdb_has_zone (db, name);
}

/* Where a symlink at ROOT/etc/localtime points inside the root. */
static char *
link_target_in_root (const char *root, const char *target)
{
  if (target[0] == '/')
    return mrd_tz_root_path (root, target);
  {
    g_autofree char *etc = mrd_tz_root_path (root, "/etc");
    return g_build_filename (etc, target, NULL);
  }
}

static gboolean
read_file_in_root (const char *path, char **data, gsize *len, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (g_file_get_contents (path, data, len, &local))
    return TRUE;
  if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
      g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOTDIR) ||
      g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_LOOP))
    return TRUE;   /* dangling: not an error, just nothing to read */
  g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, "%s", local->message);
  return FALSE;
}

gboolean
mrd_tz_localtime_read (const char *root, const MrdTzdb *db, char **out_zone,
                       MrdTzSource *out_source, GError **error)
{
  g_autofree char *localtime = mrd_tz_root_path (root, "/etc/localtime");
  g_autofree char *tzfile_path = mrd_tz_root_path (root, "/etc/timezone");
  g_autofree char *data = NULL;
  gsize len = 0;
  struct stat st;
  MrdTzSource source = MRD_TZ_SOURCE_DEFAULT;
  char *zone = NULL;

  g_return_val_if_fail (out_zone != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (lstat (localtime, &st) < 0)
    {
      if (errno != ENOENT && errno != ENOTDIR)
        return errno_error (error, errno, _("Cannot read %s: %s"), localtime);
    }
  else if (S_ISLNK (st.st_mode))
    {
      g_autoptr(GError) local = NULL;
      g_autofree char *target = g_file_read_link (localtime, &local);

      if (target == NULL)
        {
          g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, "%s", local->message);
          return FALSE;
        }
      zone = mrd_tz_zone_from_path (target);
      if (zone != NULL && usable_name (db, zone))
        source = MRD_TZ_SOURCE_SYMLINK;
      else
        {
          /* A link to somewhere unexpected: identify what it points at by content. */
          g_autofree char *in_root = link_target_in_root (root, target);
          g_clear_pointer (&zone, g_free);
          if (!read_file_in_root (in_root, &data, &len, error))
            return FALSE;
        }
    }
  else if (S_ISREG (st.st_mode))
    {
      if (!read_file_in_root (localtime, &data, &len, error))
        return FALSE;
    }

  if (zone == NULL && data != NULL && db != NULL)
    {
      zone = zone_by_content (db, data, len);
      if (zone != NULL)
        source = MRD_TZ_SOURCE_COPY;
    }

  if (zone == NULL)
    {
      g_autofree char *text = NULL;
      if (!read_file_in_root (tzfile_path, &text, NULL, error))
        return FALSE;
      if (text != NULL)
        {
          char *nl = strchr (text, '\n');
          if (nl != NULL)
            *nl = '\0';
          g_strstrip (text);
          if (usable_name (db, text))
            {
              zone = g_steal_pointer (&text);
              source = MRD_TZ_SOURCE_ETC_TIMEZONE;
            }
        }
    }

  if (zone == NULL)
    {
      /* glibc uses UTC when /etc/localtime is missing (tzset(3)); so do we. */
      zone = g_strdup ("UTC");
      source = MRD_TZ_SOURCE_DEFAULT;
    }
  *out_zone = zone;
  if (out_source != NULL)
    *out_source = source;
  return TRUE;
}
