/* mrd-tz-adjtime.h — whether the RTC keeps local time: the third line of /etc/adjtime
 * (hwclock(8): "UTC" or "LOCAL").
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ROOT/etc/adjtime's third line: TRUE for "LOCAL". A missing file or line means UTC
 * (hwclock's default) and is not an error. */
gboolean mrd_tz_adjtime_read  (const char *root, gboolean *out_local_rtc, GError **error);

/* Set the third line to "LOCAL" or "UTC", keeping the first two lines; create the file as
 * "0.0 0 0\n0\nUTC\n" (or LOCAL) when missing. Atomic: temp file, fsync, rename. */
gboolean mrd_tz_adjtime_write (const char *root, gboolean local_rtc, GError **error);

G_END_DECLS
