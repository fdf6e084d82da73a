/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-systime.c — see mrd-systime.h. */
#include "mrd-systime.h"

struct _MrdSystime {
  MrdClock *clock;
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

guint64
mrd_systime_rtc_time_usec (MrdSystime *self)
{
  gint64 usec = 0;

  /* The virtual clock has no RTC; timedated also answers 0 when /dev/rtc is missing. */
  if (!mrd_clock_read_rtc (self->clock, &usec) || usec < 0)
    return 0;
  return (guint64) usec;
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
