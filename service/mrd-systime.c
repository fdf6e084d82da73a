/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-systime.c — see mrd-systime.h. */
#include "mrd-systime.h"

#include <errno.h>

struct _MrdSystime {
  MrdClock *clock;
  MrdRtc *rtc;
};

MrdSystime *
mrd_systime_new (MrdClock *clock)
{
  MrdSystime *self = g_new0 (MrdSystime, 1);

  self->clock = clock;
  return self;
}

void
mrd_systime_free (MrdSystime *self)
{
  if (self == NULL)
    return;
  mrd_rtc_free (self->rtc);
  mrd_clock_free (self->clock);
  g_free (self);
}

MrdClock *
mrd_systime_get_clock (MrdSystime *self)
{
  return self->clock;
}

guint64
mrd_systime_time_usec (MrdSystime *self)
{
  gint64 now = mrd_clock_now_usec (self->clock);

  return now > 0 ? (guint64) now : 0;
}

void
mrd_systime_set_rtc (MrdSystime *self, MrdRtc *rtc)
{
  mrd_rtc_free (self->rtc);
  self->rtc = rtc;
}

guint64
mrd_systime_rtc_time_usec (MrdSystime *self)
{
  g_autoptr(GError) error = NULL;
  gint64 usec = 0;

  /* timedated answers 0 when /dev/rtc is missing or unreadable, and so do we. */
  if (self->rtc == NULL)
    return 0;
  if (!mrd_rtc_read (self->rtc, &usec, &error))
    {
      g_debug ("Cannot read the RTC: %s", error->message);
      return 0;
    }
  return usec > 0 ? (guint64) usec : 0;
}

/* UTC seconds for local fields @local_s: the offset in force at that UTC time, found in two
 * steps (a DST change between the guesses is taken once more, as mktime() settles it). */
static gint64
local_to_utc (gint64 local_s, MrdUtcOffsetFunc local_offset, gpointer user_data)
{
  gint64 guess = local_s - local_offset (local_s, user_data);

  return local_s - local_offset (guess, user_data);
}

gboolean
mrd_systime_sync_rtc (MrdSystime *self, gboolean fix_system, MrdUtcOffsetFunc local_offset,
                      gpointer user_data, GError **error)
{
  gint64 now_usec, fields_usec, target_usec;

  if (self->rtc == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "There is no RTC");
      return FALSE;
    }
  now_usec = mrd_clock_now_usec (self->clock);
  if (!fix_system)
    {
      /* The RTC from the system clock. */
      gint64 now_s = now_usec / G_USEC_PER_SEC;

      if (local_offset != NULL)
        now_s += local_offset (now_s, user_data);
      if (!mrd_rtc_write (self->rtc, now_s * G_USEC_PER_SEC, error))
        return FALSE;
      g_info ("Set the RTC (%s) from the system clock, as %s", mrd_rtc_get_name (self->rtc),
              local_offset != NULL ? "local time" : "UTC");
      return TRUE;
    }
  /* The system clock from the RTC. */
  if (!mrd_rtc_read (self->rtc, &fields_usec, error))
    return FALSE;
  target_usec = fields_usec;
  if (local_offset != NULL)
    target_usec = local_to_utc (fields_usec / G_USEC_PER_SEC, local_offset, user_data) *
                  G_USEC_PER_SEC;
  target_usec += now_usec % G_USEC_PER_SEC;
  if (!mrd_clock_usec_is_settable (target_usec))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, g_strerror (EINVAL));
      return FALSE;
    }
  return mrd_systime_set (self, target_usec, error);
}

gboolean
mrd_systime_set (MrdSystime *self, gint64 usec_utc, GError **error)
{
  g_autofree char *realtime = NULL;
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *text = NULL;

  if (!mrd_clock_set_ns (self->clock, usec_utc * 1000, error))
    return FALSE;
  realtime = g_strdup_printf ("%" G_GINT64_FORMAT, usec_utc);
  dt = g_date_time_new_from_unix_utc (usec_utc / G_USEC_PER_SEC);
  text = dt != NULL ? g_date_time_format_iso8601 (dt) : g_strdup ("?");
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "REALTIME", realtime,
                    "CLOCK", mrd_clock_get_name (self->clock),
                    "MESSAGE", "Changed local time to %s (%s clock)", text,
                    mrd_clock_get_name (self->clock));
  return TRUE;
}
