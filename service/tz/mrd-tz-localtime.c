/* mrd-tz-localtime.c — the system zone on disk: write and read /etc/localtime (localtime(5)),
 * /etc/timezone (Debian) and ZONE= in /etc/sysconfig/clock (RHEL, Amazon Linux). Every path is
 * resolved beneath the root without following links (mrd-tz-root.h); /etc/localtime is a link
 * by design, and only its text is read.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "mrd-tz-localtime.h"
#include "mrd-tz-private.h"

/* What systemd-timedated links to (src/timedate/timedated.c, context_write_data_timezone):
 * "../usr/share/zoneinfo/" + zone, "UTC" included. The link names the distribution's
 * zoneinfo inside the root, whatever --zoneinfo the daemon reads its tables from. */
#define LINK_PREFIX "../usr/share/zoneinfo/"

/* /etc/timezone and /etc/sysconfig/clock are a line or a few; 64 KiB is far beyond either. */
#define SMALL_FILE_MAX (64 * 1024)
/* A TZif file: mrd-tzif.c reads at most this much too. */
#define TZIF_FILE_MAX (1024 * 1024)

#define errno_error(error, err, format, path) \
  (g_set_error ((error), MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, (format), (path), \
                mrd_tz_read_strerror (err)), FALSE)

/* ---- /etc/sysconfig/clock ---- */

/* The value of the last ZONE= line (as sh(1) would leave it): ZONE="x", ZONE='x' or ZONE=x.
 * NULL when there is none. */
char *
mrd_tz_sysconfig_clock_zone (const char *text, gsize len)
{
  const char *p = text, *end = text + len;
  char *found = NULL;

  while (p < end)
    {
      const char *eol = memchr (p, '\n', (gsize) (end - p));
      const char *q = p, *v, *ve;

      if (eol == NULL)
        eol = end;
      while (q < eol && (*q == ' ' || *q == '\t'))
        q++;
      if ((gsize) (eol - q) >= 5 && memcmp (q, "ZONE=", 5) == 0)
        {
          v = q + 5;
          if (v < eol && (*v == '"' || *v == '\''))
            {
              char quote = *v++;
              ve = memchr (v, quote, (gsize) (eol - v));
              if (ve == NULL)
                ve = eol;
            }
          else
            {
              ve = v;
              while (ve < eol && *ve != ' ' && *ve != '\t' && *ve != '#' && *ve != ';')
                ve++;
            }
          g_free (found);
          found = g_strndup (v, (gsize) (ve - v));
        }
      p = eol + 1;
    }
  return found;
}

/* ZONE="..." replaced (the first one; later ones dropped) or appended, every other line kept
 * byte for byte. A file with NUL bytes is not a shell variable file: refused. */
char *
mrd_tz_sysconfig_clock_rewrite (const char *old, gsize len, const char *zone, GError **error)
{
  GString *out = g_string_sized_new (len + 32);
  const char *p = old, *end = old + len;
  gboolean replaced = FALSE;

  if (memchr (old, '\0', len) != NULL)
    {
      g_string_free (out, TRUE);
      g_set_error_literal (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED,
                           _("it contains NUL bytes, which no shell variable file has"));
      return NULL;
    }
  while (p < end)
    {
      const char *eol = memchr (p, '\n', (gsize) (end - p));
      const char *q = p;

      if (eol == NULL)
        eol = end;
      while (q < eol && (*q == ' ' || *q == '\t'))
        q++;
      if ((gsize) (eol - q) >= 5 && memcmp (q, "ZONE=", 5) == 0)
        {
          if (!replaced)
            g_string_append_printf (out, "ZONE=\"%s\"\n", zone);
          replaced = TRUE;
        }
      else
        {
          g_string_append_len (out, p, eol - p);
          g_string_append_c (out, '\n');
        }
      p = eol + 1;
    }
  if (!replaced)
    g_string_append_printf (out, "ZONE=\"%s\"\n", zone);
  return g_string_free (out, FALSE);
}

/* ---- writing ---- */

static gboolean
names_agree (const MrdTzdb *db, const char *a, const char *b)
{
  const char *ra, *rb;

  if (strcmp (a, b) == 0)
    return TRUE;
  if (db == NULL)
    return FALSE;
  ra = mrd_tzdb_resolve (db, a);
  rb = mrd_tzdb_resolve (db, b);
  return ra != NULL && rb != NULL && strcmp (ra, rb) == 0;
}

/* The zone named by the text of /etc/timezone: its first line, blanks stripped. */
static char *
etc_timezone_zone (const char *text)
{
  g_autofree char *copy = g_strdup (text);
  char *nl = strchr (copy, '\n');
  if (nl != NULL)
    *nl = '\0';
  g_strstrip (copy);
  return g_steal_pointer (&copy);
}

typedef struct {
  int dirfd;
  const char *base;
  char *shown;
  char *tmp;
} Staged;

static void
staged_clear (Staged *staged, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      if (staged[i].tmp != NULL)
        unlinkat (staged[i].dirfd, staged[i].tmp, 0);
      g_clear_pointer (&staged[i].tmp, g_free);
      g_clear_pointer (&staged[i].shown, g_free);
    }
}

typedef enum {
  WRITE_ALL,      /* set the zone: the link and whichever of the other files exist */
  WRITE_REPAIR,   /* leave the link; rewrite only those of the others that disagree */
} WriteMode;

/* Directory fds, closed on scope exit. */
typedef struct {
  int root, etc, sysconfig;
} Fds;

static void
fds_close (Fds *fds)
{
  if (fds->root >= 0)
    close (fds->root);
  if (fds->etc >= 0)
    close (fds->etc);
  if (fds->sysconfig >= 0)
    close (fds->sysconfig);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Fds, fds_close)

static gboolean
write_zone_files (const char *root, const MrdTzdb *db, const char *zone, WriteMode wmode,
                  gboolean sync, guint *out_written, GError **error)
{
  g_auto(Fds) fds = { -1, -1, -1 };
  g_autofree char *etc_shown = mrd_tz_root_path (root, "etc");
  Staged staged[3] = { { -1, "localtime", NULL, NULL }, { -1, "timezone", NULL, NULL },
                       { -1, "clock", NULL, NULL } };
  guint written = 0;
  gboolean exists = FALSE;

  fds.root = mrd_tz_root_open_fd (root);
  if (fds.root < 0)
    return errno_error (error, errno, _("Cannot open the root directory for %s: %s"), etc_shown);
  fds.etc = mrd_tz_open_dir_beneath (fds.root, "etc", wmode == WRITE_ALL);
  if (fds.etc < 0)
    {
      if (wmode == WRITE_REPAIR && mrd_tz_read_is_missing (errno))
        goto done;
      return errno_error (error, errno,
                          wmode == WRITE_ALL ? _("Cannot create %s: %s") : _("Cannot open %s: %s"),
                          etc_shown);
    }
  fds.sysconfig = mrd_tz_open_dir_beneath (fds.root, "etc/sysconfig", FALSE);
  if (fds.sysconfig < 0 && !mrd_tz_read_is_missing (errno))
    {
      g_autofree char *shown = mrd_tz_root_path (root, "etc/sysconfig");
      return errno_error (error, errno, _("Cannot open %s: %s"), shown);
    }
  staged[0].dirfd = staged[1].dirfd = fds.etc;
  staged[2].dirfd = fds.sysconfig;
  for (guint i = 0; i < G_N_ELEMENTS (staged); i++)
    staged[i].shown = mrd_tz_root_path (root, i < 2 ? "etc" : "etc/sysconfig");
  for (guint i = 0; i < G_N_ELEMENTS (staged); i++)
    {
      char *full = g_build_filename (staged[i].shown, staged[i].base, NULL);
      g_free (staged[i].shown);
      staged[i].shown = full;
    }

  /* Stage everything first: if any of it fails, nothing has changed yet. */
  if (wmode == WRITE_ALL)
    {
      g_autofree char *target = g_strconcat (LINK_PREFIX, zone, NULL);
      staged[0].tmp = mrd_tz_stage_symlink_at (fds.etc, "localtime", staged[0].shown, target,
                                               error);
      if (staged[0].tmp == NULL)
        goto fail;
    }

  if (!mrd_tz_check_replaceable_at (fds.etc, "timezone", staged[1].shown, &exists, NULL,
                                    error))
    goto fail;
  if (exists)
    {
      g_autofree char *text = g_strdup_printf ("%s\n", zone);
      gboolean agrees = FALSE;

      if (wmode == WRITE_REPAIR)
        {
          g_autofree char *old = NULL;
          int err = mrd_tz_read_beneath (fds.etc, "timezone", SMALL_FILE_MAX, &old, NULL);
          if (err != 0 && err != EFBIG)
            {
              (void) errno_error (error, err, _("Cannot read %s: %s"), staged[1].shown);
              goto fail;
            }
          if (old != NULL)
            {
              g_autofree char *cur = etc_timezone_zone (old);
              agrees = names_agree (db, cur, zone);
            }
        }
      if (!agrees)
        {
          staged[1].tmp = mrd_tz_stage_at (fds.etc, "timezone", staged[1].shown, text,
                                           strlen (text), 0644, sync, error);
          if (staged[1].tmp == NULL)
            goto fail;
        }
    }

  exists = FALSE;
  if (fds.sysconfig >= 0 &&
      !mrd_tz_check_replaceable_at (fds.sysconfig, "clock", staged[2].shown, &exists, NULL,
                                    error))
    goto fail;
  if (exists)
    {
      g_autofree char *old = NULL;
      g_autofree char *text = NULL;
      g_autofree char *cur = NULL;
      g_autoptr(GError) local = NULL;
      gsize len = 0;
      int err = mrd_tz_read_beneath (fds.sysconfig, "clock", SMALL_FILE_MAX, &old, &len);

      if (err != 0)
        {
          (void) errno_error (error, err, _("Cannot read %s: %s"), staged[2].shown);
          goto fail;
        }
      cur = mrd_tz_sysconfig_clock_zone (old, len);
      if (wmode == WRITE_ALL || cur == NULL || !names_agree (db, cur, zone))
        {
          text = mrd_tz_sysconfig_clock_rewrite (old, len, zone, &local);
          if (text == NULL)
            {
              g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, _("Cannot rewrite %s: %s"),
                           staged[2].shown, local->message);
              goto fail;
            }
          if (strlen (text) != len || memcmp (text, old, len) != 0)
            {
              staged[2].tmp = mrd_tz_stage_at (fds.sysconfig, "clock", staged[2].shown, text,
                                               strlen (text), 0644, sync, error);
              if (staged[2].tmp == NULL)
                goto fail;
            }
        }
    }

  /* Commit: /etc/localtime first, it is what every program reads. */
  for (guint i = 0; i < G_N_ELEMENTS (staged); i++)
    {
      if (staged[i].tmp == NULL)
        continue;
      if (!mrd_tz_commit_at (staged[i].dirfd, staged[i].tmp, staged[i].base, staged[i].shown,
                             error))
        {
          g_clear_pointer (&staged[i].tmp, g_free);
          goto fail;
        }
      g_clear_pointer (&staged[i].tmp, g_free);
      written++;
    }

  if (sync && written > 0)
    {
      if (!mrd_tz_fsync_fd (fds.etc, etc_shown, error))
        goto fail;
      if (fds.sysconfig >= 0 && !mrd_tz_fsync_fd (fds.sysconfig, staged[2].shown, error))
        goto fail;
    }
  staged_clear (staged, G_N_ELEMENTS (staged));
done:
  if (out_written != NULL)
    *out_written = written;
  return TRUE;

fail:
  staged_clear (staged, G_N_ELEMENTS (staged));
  return FALSE;
}

gboolean
mrd_tz_localtime_write_full (const char *root, const char *zone, MrdTzWriteFlags flags,
                             GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!mrd_tz_name_check_syntax (zone, error))
    return FALSE;
  return write_zone_files (root, NULL, zone, WRITE_ALL, (flags & MRD_TZ_WRITE_NO_SYNC) == 0,
                           NULL, error);
}

gboolean
mrd_tz_localtime_write (const char *root, const char *zone, GError **error)
{
  return mrd_tz_localtime_write_full (root, zone, MRD_TZ_WRITE_NONE, error);
}

/* fsync @name in @dirfd if it is a regular file (looked at before opening, so a FIFO there is
 * never opened). */
static gboolean
fsync_regular_at (int dirfd, const char *name, const char *shown_dir, GError **error)
{
  struct stat st;
  int fd;
  gboolean ok;
  g_autofree char *shown = NULL;

  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG (st.st_mode))
    return TRUE;
  shown = g_build_filename (shown_dir, name, NULL);
  fd = openat (dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return errno_error (error, errno, _("Cannot open %s: %s"), shown);
  ok = mrd_tz_fsync_fd (fd, shown, error);
  close (fd);
  return ok;
}

gboolean
mrd_tz_sync_etc (const char *root, GError **error)
{
  g_auto(Fds) fds = { -1, -1, -1 };
  g_autofree char *etc_shown = mrd_tz_root_path (root, "etc");
  g_autofree char *sys_shown = mrd_tz_root_path (root, "etc/sysconfig");

  fds.root = mrd_tz_root_open_fd (root);
  if (fds.root < 0)
    return errno_error (error, errno, _("Cannot open %s: %s"), etc_shown);
  fds.etc = mrd_tz_open_dir_beneath (fds.root, "etc", FALSE);
  if (fds.etc < 0)
    return TRUE;   /* nothing written there, nothing to sync */
  fds.sysconfig = mrd_tz_open_dir_beneath (fds.root, "etc/sysconfig", FALSE);
  if (!fsync_regular_at (fds.etc, "timezone", etc_shown, error) ||
      !fsync_regular_at (fds.etc, "adjtime", etc_shown, error))
    return FALSE;
  if (fds.sysconfig >= 0 && (!fsync_regular_at (fds.sysconfig, "clock", sys_shown, error) ||
                             !mrd_tz_fsync_fd (fds.sysconfig, sys_shown, error)))
    return FALSE;
  return mrd_tz_fsync_fd (fds.etc, etc_shown, error);
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
      gsize other_len = 0;
      struct stat st;
      int rank;

      if (stat (path, &st) < 0 || !S_ISREG (st.st_mode) || (gsize) st.st_size != len)
        continue;
      rank = name_rank (db, names[i]);
      if (rank >= best_rank)
        continue;
      if (mrd_tz_read_regular_path (path, len, &other, &other_len) != 0)
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

/* A file that cannot name a zone for us (missing, a link or a FIFO where a file should be, too
 * large…): not worth failing the read over; only real I/O errors are. */
static gboolean
unusable_not_error (int err)
{
  return mrd_tz_read_is_missing (err) || err == ELOOP || err == EXDEV || err == EINVAL ||
         err == EFBIG;
}

/* What ROOT/etc/localtime says: a link's text (*@out_target), or a copy's bytes. */
static gboolean
read_localtime (const Fds *fds, const char *shown, char **out_target, char **out_data,
                gsize *out_len, GError **error)
{
  struct stat st;
  int err;

  if (fstatat (fds->etc, "localtime", &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno != ENOENT)
        return errno_error (error, errno, _("Cannot read %s: %s"), shown);
      return TRUE;
    }
  if (S_ISLNK (st.st_mode))
    {
      char buf[PATH_MAX + 1];
      gssize n = readlinkat (fds->etc, "localtime", buf, sizeof buf - 1);

      if (n < 0)
        return errno_error (error, errno, _("Cannot read %s: %s"), shown);
      buf[n] = '\0';
      *out_target = g_strdup (buf);
      return TRUE;
    }
  err = mrd_tz_read_beneath (fds->etc, "localtime", TZIF_FILE_MAX, out_data, out_len);
  if (err != 0 && !unusable_not_error (err))
    return errno_error (error, err, _("Cannot read %s: %s"), shown);
  return TRUE;
}

/* The file a link at ROOT/etc/localtime points at, read beneath the root (a target outside
 * it, or through another link, is not read). */
static void
read_link_target_in_root (const Fds *fds, const char *target, char **out_data, gsize *out_len)
{
  g_autofree char *rel = target[0] == '/' ? g_strdup (target + 1)
                                          : g_strconcat ("etc/", target, NULL);
  (void) mrd_tz_read_beneath (fds->root, rel, TZIF_FILE_MAX, out_data, out_len);
}

gboolean
mrd_tz_localtime_read (const char *root, const MrdTzdb *db, char **out_zone,
                       MrdTzSource *out_source, GError **error)
{
  g_auto(Fds) fds = { -1, -1, -1 };
  g_autofree char *lt_shown = mrd_tz_root_path (root, "etc/localtime");
  g_autofree char *tz_shown = mrd_tz_root_path (root, "etc/timezone");
  g_autofree char *target = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  MrdTzSource source = MRD_TZ_SOURCE_DEFAULT;
  char *zone = NULL;

  g_return_val_if_fail (out_zone != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  fds.root = mrd_tz_root_open_fd (root);
  if (fds.root >= 0)
    fds.etc = mrd_tz_open_dir_beneath (fds.root, "etc", FALSE);
  if (fds.etc < 0 && !mrd_tz_read_is_missing (errno))
    {
      g_autofree char *etc_shown = mrd_tz_root_path (root, "etc");
      return errno_error (error, errno, _("Cannot read %s: %s"), etc_shown);
    }

  if (fds.etc >= 0 && !read_localtime (&fds, lt_shown, &target, &data, &len, error))
    return FALSE;
  if (target != NULL)
    {
      zone = mrd_tz_zone_from_path (target);
      if (zone != NULL && usable_name (db, zone))
        source = MRD_TZ_SOURCE_SYMLINK;
      else
        {
          /* A link to somewhere unexpected: identify what it points at by content. */
          g_clear_pointer (&zone, g_free);
          read_link_target_in_root (&fds, target, &data, &len);
        }
    }

  if (zone == NULL && data != NULL && db != NULL)
    {
      zone = zone_by_content (db, data, len);
      if (zone != NULL)
        source = MRD_TZ_SOURCE_COPY;
    }

  if (zone == NULL && fds.etc >= 0)
    {
      g_autofree char *text = NULL;
      int err = mrd_tz_read_beneath (fds.etc, "timezone", SMALL_FILE_MAX, &text, NULL);

      if (err != 0 && !unusable_not_error (err))
        return errno_error (error, err, _("Cannot read %s: %s"), tz_shown);
      if (text != NULL)
        {
          g_autofree char *name = etc_timezone_zone (text);
          if (usable_name (db, name))
            {
              zone = g_steal_pointer (&name);
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

/* ---- agreement and repair ---- */

gboolean
mrd_tz_localtime_is_current (const char *root, const char *zone)
{
  return mrd_tz_localtime_is_current_in (root, NULL, zone);
}

gboolean
mrd_tz_localtime_is_current_in (const char *root, const MrdTzdb *db, const char *zone)
{
  g_auto(Fds) fds = { -1, -1, -1 };
  g_autofree char *target = NULL, *data = NULL, *link_zone = NULL;
  gsize len = 0;
  int err;

  g_return_val_if_fail (zone != NULL, FALSE);

  fds.root = mrd_tz_root_open_fd (root);
  if (fds.root < 0)
    return FALSE;
  fds.etc = mrd_tz_open_dir_beneath (fds.root, "etc", FALSE);
  if (fds.etc < 0 || !read_localtime (&fds, "", &target, &data, &len, NULL) || target == NULL)
    return FALSE;
  link_zone = mrd_tz_zone_from_path (target);
  if (link_zone == NULL || strcmp (link_zone, zone) != 0)
    return FALSE;

  {
    g_autofree char *text = NULL;
    err = mrd_tz_read_beneath (fds.etc, "timezone", SMALL_FILE_MAX, &text, NULL);
    if (err != 0 && !mrd_tz_read_is_missing (err))
      return FALSE;
    if (text != NULL)
      {
        g_autofree char *cur = etc_timezone_zone (text);
        if (!names_agree (db, cur, zone))
          return FALSE;
      }
  }
  {
    g_autofree char *text = NULL;
    g_autofree char *cur = NULL;
    gsize clen = 0;
    err = mrd_tz_read_beneath (fds.root, "etc/sysconfig/clock", SMALL_FILE_MAX, &text, &clen);
    if (err != 0 && !mrd_tz_read_is_missing (err))
      return FALSE;
    if (text != NULL)
      {
        cur = mrd_tz_sysconfig_clock_zone (text, clen);
        if (cur == NULL || !names_agree (db, cur, zone))
          return FALSE;
      }
  }
  return TRUE;
}

gboolean
mrd_tz_localtime_repair (const char *root, const MrdTzdb *db, guint *out_repaired,
                         GError **error)
{
  g_autofree char *zone = NULL;
  MrdTzSource source = MRD_TZ_SOURCE_DEFAULT;
  guint written = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_repaired != NULL)
    *out_repaired = 0;
  if (!mrd_tz_localtime_read (root, db, &zone, &source, error))
    return FALSE;
  /* Only /etc/localtime is authoritative: a zone from /etc/timezone or the UTC default says
   * nothing about what the other files should hold. */
  if (source != MRD_TZ_SOURCE_SYMLINK && source != MRD_TZ_SOURCE_COPY)
    return TRUE;
  if (!mrd_tz_name_check_syntax (zone, error))
    return FALSE;
  if (!write_zone_files (root, db, zone, WRITE_REPAIR, TRUE, &written, error))
    return FALSE;
  if (written > 0)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      "TIMEZONE", zone,
                      "MESSAGE", "Brought %u file(s) under %s in line with /etc/localtime (%s), "
                      "after an interrupted change", written, root != NULL ? root : "/", zone);
  if (out_repaired != NULL)
    *out_repaired = written;
  return TRUE;
}
