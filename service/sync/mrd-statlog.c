/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-statlog.c — chronyd's statistics log files; see mrd-statlog.h. */
#include "sync/mrd-statlog.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ntp-statlog.h"

typedef struct {
  int fd;                    /* -1 = not open */
  dev_t dev;                 /* what fd is, to notice the name now naming another file */
  ino_t ino;
  guint64 lines;             /* written since it was opened */
  gboolean failing;          /* the last attempt failed (said once) */
} LogFile;

struct _MrdStatlog {
  char *dir;
  guint banner_every;
  LogFile files[NTP_STATLOG_KINDS];
};

MrdStatlog *
mrd_statlog_new (const char *dir, guint banner_every)
{
  MrdStatlog *self = g_new0 (MrdStatlog, 1);

  self->dir = g_strdup (dir);
  self->banner_every = banner_every;
  for (guint k = 0; k < NTP_STATLOG_KINDS; k++)
    self->files[k].fd = -1;
  return self;
}

void
mrd_statlog_free (MrdStatlog *self)
{
  if (self == NULL)
    return;
  for (guint k = 0; k < NTP_STATLOG_KINDS; k++)
    if (self->files[k].fd >= 0)
      close (self->files[k].fd);
  g_free (self->dir);
  g_free (self);
}

gboolean
mrd_statlog_line_ok (guint kind, const char *line)
{
  gsize len;

  if (kind >= NTP_STATLOG_KINDS || line == NULL)
    return FALSE;
  len = strlen (line);
  if (len == 0 || len >= NTP_STATLOG_LINE_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (line[i] < 0x20 || line[i] > 0x7e)
      return FALSE;
  return TRUE;
}

/* The directory, made if missing, opened without following a link. -1 with errno set. */
static int
open_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0 && errno == ENOENT)
    {
      g_autofree char *parent = g_path_get_dirname (dir);

      if (g_mkdir_with_parents (parent, 0755) < 0 && errno != EEXIST)
        return -1;
      if (mkdir (dir, 0755) < 0 && errno != EEXIST)
        return -1;
      fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      /* chronyd's modes whatever the umask (meridiand's unit sets 0077) */
      if (fd >= 0)
        (void) fchmod (fd, 0755);
    }
  return fd;
}

/* Whether @f's open file is still the one its name names (logrotate moves it away). */
static gboolean
still_current (const MrdStatlog *self, const LogFile *f, const char *name)
{
  g_autofree char *path = g_build_filename (self->dir, name, NULL);
  struct stat st;

  return lstat (path, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino;
}

static gboolean
open_file (MrdStatlog *self, LogFile *f, const char *name)
{
  struct stat st;
  int dir_fd = open_dir (self->dir);
  int fd;

  if (dir_fd < 0)
    return FALSE;
  /* O_NONBLOCK: a FIFO planted there must not hang the daemon; it is refused below. */
  fd = openat (dir_fd, name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC
               | O_NONBLOCK, 0644);
  close (dir_fd);
  if (fd < 0)
    return FALSE;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      errno = EINVAL;
      return FALSE;
    }
  /* A file just made gets chronyd's mode whatever the umask; one already there keeps its. */
  if (st.st_size == 0 && st.st_uid == geteuid () && (st.st_mode & 07777) != 0644)
    (void) fchmod (fd, 0644);
  f->fd = fd;
  f->dev = st.st_dev;
  f->ino = st.st_ino;
  f->lines = 0;
  return TRUE;
}

gboolean
mrd_statlog_write (MrdStatlog *self, guint kind, const char *line)
{
  LogFile *f;
  g_autofree char *name = NULL;
  g_autoptr(GString) text = NULL;
  gssize written;

  if (!mrd_statlog_line_ok (kind, line))
    {
      g_debug ("statistics log: a line refused (kind %u)", kind);
      return FALSE;
    }
  f = &self->files[kind];
  name = g_strconcat (ntp_statlog_name ((NtpStatlogKind) kind), ".log", NULL);
  if (f->fd >= 0 && !still_current (self, f, name))
    {
      close (f->fd);
      f->fd = -1;
    }
  if (f->fd < 0 && !open_file (self, f, name))
    {
      int err = errno;

      if (!f->failing)
        g_warning ("%s/%s: %s; the %s log is not written", self->dir, name,
                   err == EINVAL ? "not a regular file" : g_strerror (err),
                   ntp_statlog_name ((NtpStatlogKind) kind));
      f->failing = TRUE;
      return FALSE;
    }

  text = g_string_new (NULL);
  if (self->banner_every > 0 && f->lines % self->banner_every == 0)
    {
      char banner[NTP_STATLOG_LINE_MAX];
      gsize len = ntp_statlog_banner ((NtpStatlogKind) kind, banner, sizeof banner);
      g_autofree char *rule = g_strnfill (len, '=');

      g_string_append_printf (text, "%s\n%s\n%s\n", rule, banner, rule);
    }
  g_string_append_printf (text, "%s\n", line);
  /* One write: with O_APPEND a reader never sees half a line from us. */
  written = write (f->fd, text->str, text->len);
  if (written != (gssize) text->len)
    {
      if (!f->failing)
        g_warning ("%s/%s: %s; the %s log is not written", self->dir, name,
                   written < 0 ? g_strerror (errno) : "short write",
                   ntp_statlog_name ((NtpStatlogKind) kind));
      f->failing = TRUE;
      close (f->fd);
      f->fd = -1;
      return FALSE;
    }
  if (f->failing)
    g_message ("%s/%s: written again", self->dir, name);
  f->failing = FALSE;
  f->lines++;
  return TRUE;
}

static void
on_line (MrdSyncEngine *engine, guint kind, const char *line, gpointer user_data)
{
  mrd_statlog_write (user_data, kind, line);
}

MrdStatlog *
mrd_statlog_attach (MrdSyncEngine *engine, const MrdConfig *config, const char *dir)
{
  MrdStatlog *self;

  if (dir == NULL)
    return NULL;
  self = mrd_statlog_new (dir, config->logbanner);
  mrd_sync_engine_set_statlog_func (engine, on_line, self);
  return self;
}
