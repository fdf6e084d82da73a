/* mrd-rtc.h — the hardware clock (RTC) beside the system clock, behind one seam: the real
 * device (/dev/rtc, rtc(4)) for the system clock, and a virtual RTC for the virtual clock, so
 * that what SetLocalRTC does to it can be tested without touching the machine's.
 *
 * An RTC keeps broken-down fields (year … second) and knows no time zone: whether they are UTC
 * or local time is the system's convention (ROOT/etc/adjtime, LocalRTC), applied by the
 * caller. Here the fields travel as µs since the epoch read as if the fields were UTC (what
 * timedated's RTCTimeUSec shows), whole seconds.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include "mrd-clock.h"

G_BEGIN_DECLS

typedef struct _MrdRtc MrdRtc;

typedef struct {
  const char *name;
  gboolean (*read)  (MrdRtc *rtc, gint64 *fields_usec, GError **error);
  gboolean (*write) (MrdRtc *rtc, gint64 fields_usec, GError **error);
  void     (*free)  (MrdRtc *rtc);
} MrdRtcOps;

struct _MrdRtc {
  const MrdRtcOps *ops;
};

/* The device at @path ("/dev/rtc"): RTC_RD_TIME to read, RTC_SET_TIME to write (needs
 * CAP_SYS_TIME; without it the write fails with EPERM and nothing changes). */
MrdRtc     *mrd_rtc_new_device  (const char *path);
/* A virtual RTC, persisted in @state_path as one line: how many whole seconds its fields are
 * ahead of the host's CLOCK_REALTIME read as UTC ("0" = the host's UTC exactly; a missing file
 * means 0). It ticks with the host's clock, which the virtual clock never sets, so stepping the
 * virtual clock leaves it alone, as stepping the system clock leaves a real RTC. Tests write
 * the file before starting the daemon to give the RTC an initial error (the virtual clock
 * starts at the host's time plus --virtual-offset); a file that does not parse makes reads
 * fail, as a dead RTC would. */
MrdRtc     *mrd_rtc_new_virtual (const char *state_path);

const char *mrd_rtc_get_name    (MrdRtc *rtc);
gboolean    mrd_rtc_read        (MrdRtc *rtc, gint64 *fields_usec, GError **error);
gboolean    mrd_rtc_write       (MrdRtc *rtc, gint64 fields_usec, GError **error);
void        mrd_rtc_free        (MrdRtc *rtc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdRtc, mrd_rtc_free)

G_END_DECLS
