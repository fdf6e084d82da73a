/* mrd-rtc.c — see mrd-rtc.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-rtc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/rtc.h>
#include "net/mrd-io-error.h"
#include <glib/gstdio.h>

#include "mrd-state.h"

const char *
mrd_rtc_get_name (MrdRtc *rtc)
{
  return rtc->ops->name;
}

gboolean
mrd_rtc_read (MrdRtc *rtc, gint64 *fields_usec, GError **error)
{
  return rtc->ops->read (rtc, fields_usec, error);
}

gboolean
mrd_rtc_write (MrdRtc *rtc, gint64 fields_usec, GError **error)
{
  /* The fields hold years 1900 … 2^31: refuse what gmtime() or the device cannot hold. */
  if (fields_usec < 0 || fields_usec / G_USEC_PER_SEC >= MRD_CLOCK_SET_SEC_MAX)
    {
      g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, g_strerror (EINVAL));
      return FALSE;
    }
  return rtc->ops->write (rtc, fields_usec, error);
}

void
mrd_rtc_free (MrdRtc *rtc)
{
  if (rtc != NULL)
    rtc->ops->free (rtc);
}

static gboolean
fail_errno (GError **error, int err, const char *what, const char *path)
{
  g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (err), "%s %s: %s", what, path,
               g_strerror (err));
  return FALSE;
}

/* ---- /dev/rtc ------------------------------------------------------------------------------ */

typedef struct {
  MrdRtc parent;
  char *path;
} DeviceRtc;

/* The device can be open only once at a time (drivers/rtc/dev.c: EBUSY otherwise): one user
 * in this process at a time. */
static GMutex device_lock;

static gboolean
device_read (MrdRtc *rtc, gint64 *fields_usec, GError **error)
{
  DeviceRtc *self = (DeviceRtc *) rtc;
  struct rtc_time rt = { 0 };
  struct tm tm = { 0 };
  time_t t;
  int fd, r, err;

  g_mutex_lock (&device_lock);
  fd = open (self->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      err = errno;
      g_mutex_unlock (&device_lock);
      return fail_errno (error, err, "Cannot open", self->path);
    }
  r = ioctl (fd, RTC_RD_TIME, &rt);
  err = errno;
  close (fd);
  g_mutex_unlock (&device_lock);
  if (r < 0)
    return fail_errno (error, err, "Cannot read", self->path);
  tm.tm_sec = rt.tm_sec;
  tm.tm_min = rt.tm_min;
  tm.tm_hour = rt.tm_hour;
  tm.tm_mday = rt.tm_mday;
  tm.tm_mon = rt.tm_mon;
  tm.tm_year = rt.tm_year;
  t = timegm (&tm);
  if (t == (time_t) -1)
    return fail_errno (error, EINVAL, "Invalid time in", self->path);
  *fields_usec = (gint64) t * G_USEC_PER_SEC;
  return TRUE;
}

static gboolean
device_write (MrdRtc *rtc, gint64 fields_usec, GError **error)
{
  DeviceRtc *self = (DeviceRtc *) rtc;
  time_t t = (time_t) (fields_usec / G_USEC_PER_SEC);
  struct rtc_time rt = { 0 };
  struct tm tm;
  int fd, r, err;

  if (gmtime_r (&t, &tm) == NULL)
    return fail_errno (error, EINVAL, "Invalid time for", self->path);
  rt.tm_sec = tm.tm_sec;
  rt.tm_min = tm.tm_min;
  rt.tm_hour = tm.tm_hour;
  rt.tm_mday = tm.tm_mday;
  rt.tm_mon = tm.tm_mon;
  rt.tm_year = tm.tm_year;
  rt.tm_wday = tm.tm_wday;
  rt.tm_yday = tm.tm_yday;
  g_mutex_lock (&device_lock);
  fd = open (self->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      err = errno;
      g_mutex_unlock (&device_lock);
      return fail_errno (error, err, "Cannot open", self->path);
    }
  /* Needs CAP_SYS_TIME (drivers/rtc/dev.c), like clock_settime(2). */
  r = ioctl (fd, RTC_SET_TIME, &rt);
  err = errno;
  close (fd);
  g_mutex_unlock (&device_lock);
  if (r < 0)
    return fail_errno (error, err, "Cannot set", self->path);
  return TRUE;
}

static void
device_free (MrdRtc *rtc)
{
  DeviceRtc *self = (DeviceRtc *) rtc;

  g_free (self->path);
  g_free (self);
}

static const MrdRtcOps device_ops = {
  .name = "device",
  .read = device_read,
  .write = device_write,
  .free = device_free,
};

MrdRtc *
mrd_rtc_new_device (const char *path)
{
  DeviceRtc *self = g_new0 (DeviceRtc, 1);

  self->parent.ops = &device_ops;
  self->path = g_strdup (path);
  return &self->parent;
}

/* ---- the virtual RTC ---------------------------------------------------------------------- */

typedef struct {
  MrdRtc parent;
  char *state_path;
} VirtualRtc;

/* What the virtual RTC ticks with: the host's CLOCK_REALTIME, which nothing in meridiand sets
 * with the virtual clock, so that -- as a real RTC -- it keeps its own time while the clock it
 * sits beside is stepped. */
static gint64
host_seconds (void)
{
  gint64 us = g_get_real_time ();

  return us >= 0 ? us / G_USEC_PER_SEC : -((-us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

/* Longest line the state file may hold: a signed 64-bit number and a newline. */
#define STATE_MAX 32

/* The state file is read and replaced as every other state file is (mrd-state.h): beneath the
 * root, no symbolic link followed, a regular file only (a FIFO planted there cannot block the
 * daemon), replaced atomically with its own mode, never a link target's. */
static gboolean
virtual_read_offset (VirtualRtc *self, gint64 *offset_s, GError **error)
{
  g_autofree char *buf = NULL;
  gsize n = 0;
  char *end;

  if (!mrd_state_read_file (self->state_path, STATE_MAX, &buf, &n, error))
    return FALSE;
  if (buf == NULL)
    {
      *offset_s = 0;
      return TRUE;
    }
  errno = 0;
  *offset_s = g_ascii_strtoll (buf, &end, 10);
  while (*end == '\n' || *end == ' ')
    end++;
  if (errno != 0 || end == buf || *end != '\0' || n != strlen (buf) ||
      *offset_s > G_GINT64_CONSTANT (1) << 40 || *offset_s < -(G_GINT64_CONSTANT (1) << 40))
    return fail_errno (error, EINVAL, "No valid time in", self->state_path);
  return TRUE;
}

static gboolean
virtual_read (MrdRtc *rtc, gint64 *fields_usec, GError **error)
{
  VirtualRtc *self = (VirtualRtc *) rtc;
  gint64 offset_s;

  if (!virtual_read_offset (self, &offset_s, error))
    return FALSE;
  /* An RTC counts whole seconds. */
  *fields_usec = (host_seconds () + offset_s) * G_USEC_PER_SEC;
  return TRUE;
}

static gboolean
virtual_write (MrdRtc *rtc, gint64 fields_usec, GError **error)
{
  VirtualRtc *self = (VirtualRtc *) rtc;
  gint64 offset_s = fields_usec / G_USEC_PER_SEC - host_seconds ();
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT "\n", offset_s);

  /* A temporary file and a rename: a crash leaves the old or the new value. */
  return mrd_write_file_atomic (self->state_path, text, strlen (text), 0644, error);
}

static void
virtual_free (MrdRtc *rtc)
{
  VirtualRtc *self = (VirtualRtc *) rtc;

  g_free (self->state_path);
  g_free (self);
}

static const MrdRtcOps virtual_ops = {
  .name = "virtual",
  .read = virtual_read,
  .write = virtual_write,
  .free = virtual_free,
};

MrdRtc *
mrd_rtc_new_virtual (const char *state_path)
{
  VirtualRtc *self = g_new0 (VirtualRtc, 1);

  self->parent.ops = &virtual_ops;
  self->state_path = g_strdup (state_path);
  return &self->parent;
}
