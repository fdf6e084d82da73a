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
 * ("Time value overflow"). Then the resulting time must be one a clock can be set to
 * (mrd_clock_usec_is_settable: before 2232-04-18, the kernel's TIME_SETTOD_SEC_MAX), which
 * timedated learns only from clock_settime(2)'s EINVAL after polkit and we check before.
 * All three fail with G_DBUS_ERROR_INVALID_ARGS. On success *target_usec is settable, so
 * it can be multiplied by 1000 without overflow. */
gboolean mrd_args_set_time_target (gint64 usec_utc, gboolean relative, gint64 now_usec,
                                   gint64 *target_usec, MrdSetTimeAction *action,
                                   GError **error);

/* Add the time a call spent waiting (e.g. on polkit) to the time it asked for, as timedated
 * does with the message's receive timestamp: the clock is set to what the caller meant at
 * the moment it called, carried forward to now. Saturates instead of overflowing (the result
 * may then be past the settable range: check it again before using it). */
gint64   mrd_args_adjust_for_delay (gint64 target_usec, gint64 received_mono_usec,
                                    gint64 now_mono_usec);

/* The InvalidArgs error for a time no clock can hold (what SetTime returns for it). */
void     mrd_args_set_time_out_of_range_error (GError **error);

/* DescribeZone's at_usec → seconds since the epoch (0 = @now_usec), rounded down. */
gint64   mrd_args_describe_at_seconds (guint64 at_usec, gint64 now_usec);

G_END_DECLS
