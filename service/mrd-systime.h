/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-systime.h — the clock domain: the clock meridiand reads and sets (the system clock or a
 * virtual one, service/clock/), what TimeUSec and RTCTimeUSec say, and setting the time by
 * hand (SetTime). No D-Bus (the interfaces, mrd-bus.c, call in).
 */
#pragma once

#include <gio/gio.h>
#include "clock/mrd-clock.h"
#include "clock/mrd-rtc.h"

G_BEGIN_DECLS

typedef struct _MrdSystime MrdSystime;

/* Takes ownership of @clock. */
MrdSystime *mrd_systime_new            (MrdClock *clock);
void        mrd_systime_free           (MrdSystime *self);
MrdClock   *mrd_systime_get_clock      (MrdSystime *self);

/* Takes ownership of @rtc (NULL: no RTC; RTCTimeUSec is 0 and the RTC is never synchronized). */
void        mrd_systime_set_rtc        (MrdSystime *self, MrdRtc *rtc);

/* The offset east of UTC (seconds) in force at @utc_s in the system's zone. */
typedef gint (*MrdUtcOffsetFunc) (gint64 utc_s, gpointer user_data);

/* What SetLocalRTC does after changing the convention, as systemd-timedated does it: with
 * @fix_system, set the system clock from the RTC's fields read in the (new) convention
 * (@local_offset NULL: they are UTC; else local time in the zone @local_offset describes),
 * keeping the clock's fraction of a second; without, set the RTC's fields from the system
 * clock in that convention. Errors (no RTC, unreadable, EPERM…) are returned for the caller
 * to log; timedated ignores them and so does the bus layer. */
gboolean    mrd_systime_sync_rtc       (MrdSystime *self, gboolean fix_system,
                                        MrdUtcOffsetFunc local_offset, gpointer user_data,
                                        GError **error);

/* TimeUSec: µs since the epoch now, read when asked (0 before the epoch). */
guint64     mrd_systime_time_usec      (MrdSystime *self);
/* RTCTimeUSec: the RTC's reading, 0 when there is no RTC to read (as timedated answers). */
guint64     mrd_systime_rtc_time_usec  (MrdSystime *self);

/* Set the clock to @usec_utc (already corrected for the caller's wait, in range). EINVAL
 * from the kernel comes back as G_IO_ERROR_INVALID_ARGUMENT. Logs the change. */
gboolean    mrd_systime_set            (MrdSystime *self, gint64 usec_utc, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdSystime, mrd_systime_free)

G_END_DECLS
