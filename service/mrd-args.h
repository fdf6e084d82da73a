/* mrd-args.h — checks of method arguments that need no state, kept apart so unit tests can
 * reach them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  MRD_SET_TIME_APPLY,     /* *target_usec holds the time to set */
  MRD_SET_TIME_NOOP,      /* a relative change of 0: nothing to do, succeed at once */
} MrdSetTimeAction;

/* SetTime(usec_utc, relative) as systemd-timedated reads it: an absolute time must be > 0
 * ("Invalid absolute time"); a relative one is added to @now_usec and must not overflow
 * ("Time value overflow"); both G_DBUS_ERROR_INVALID_ARGS. */
gboolean mrd_args_set_time_target (gint64 usec_utc, gboolean relative, gint64 now_usec,
                                   gint64 *target_usec, MrdSetTimeAction *action,
                                   GError **error);

/* Add the time a call spent waiting (e.g. on polkit) to the time it asked for, as timedated
 * does with the message's receive timestamp: the clock is set to what the caller meant at
 * the moment it called, carried forward to now. Saturates instead of overflowing. */
gint64   mrd_args_adjust_for_delay (gint64 target_usec, gint64 received_mono_usec,
                                    gint64 now_mono_usec);

/* DescribeZone's at_usec → seconds since the epoch (0 = @now_usec), rounded down. */
gint64   mrd_args_describe_at_seconds (guint64 at_usec, gint64 now_usec);

G_END_DECLS
