/* mrd-error.h — meridiand's D-Bus error domain (org.meridian.Time1.Error.*), plus the
 * timedate1 error names that timedatectl knows (so both interfaces fail the same way), and
 * the rules for what an error reply may say.
 *
 * On org.freedesktop.timedate1 errors carry timedated's names and texts (InvalidArgs,
 * "Invalid or not installed time zone 'X'"…), as its clients expect. On the native
 * interfaces each kind of failure has a name of its own, so that clients can show a
 * translated message of their own instead of the English text: the names are listed below
 * and are stable.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MRD_ERROR (mrd_error_quark ())

typedef enum {
  MRD_ERROR_FAILED,                        /* org.meridian.Time1.Error.Failed */
  MRD_ERROR_NOT_SUPPORTED,                 /* org.meridian.Time1.Error.NotSupported */
  MRD_ERROR_AUTOMATIC_TIME_SYNC_ENABLED,   /* org.freedesktop.timedate1.AutomaticTimeSyncEnabled */
  MRD_ERROR_NO_NTP_SUPPORT,                /* org.freedesktop.timedate1.NoNTPSupport */
  /* org.freedesktop.DBus.Error.InteractiveAuthorizationRequired: not in GIO 2.74's
   * GDBusError, so mapped here. */
  MRD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
  MRD_ERROR_UNKNOWN_COUNTRY,               /* org.meridian.Time1.Error.UnknownCountry */
  /* Not a zone of the installed tzdata: not a zone name at all (empty, too long, a path,
   * "..", characters no zone name has), a name tzdata does not list, a zone whose TZif file is
   * missing or unusable, or a right/ zone. */
  MRD_ERROR_UNKNOWN_ZONE,                  /* org.meridian.Time1.Error.UnknownZone */
  /* SetTime: an absolute time <= 0, or a time (absolute or now + relative) outside what a
   * clock can be set to (1970 … 2232). */
  MRD_ERROR_INVALID_TIME,                  /* org.meridian.Time1.Error.InvalidTime */
  /* AddSource: not a source line ("server|pool|peer ADDRESS [options]") or a bad option. */
  MRD_ERROR_INVALID_SOURCE,                /* org.meridian.Time1.Error.InvalidSource */
  /* AddSource: the same source (type and address) is configured already. */
  MRD_ERROR_SOURCE_EXISTS,                 /* org.meridian.Time1.Error.SourceExists */
  /* RemoveSource: no source at that object path. */
  MRD_ERROR_UNKNOWN_SOURCE,                /* org.meridian.Time1.Error.UnknownSource */
} MrdError;

#define MRD_ERROR_NAME_FAILED "org.meridian.Time1.Error.Failed"
#define MRD_ERROR_NAME_UNKNOWN_COUNTRY "org.meridian.Time1.Error.UnknownCountry"
#define MRD_ERROR_NAME_SOURCE_EXISTS "org.meridian.Time1.Error.SourceExists"
#define MRD_ERROR_NAME_NOT_SUPPORTED "org.meridian.Time1.Error.NotSupported"
#define MRD_ERROR_NAME_UNKNOWN_ZONE "org.meridian.Time1.Error.UnknownZone"
#define MRD_ERROR_NAME_INVALID_TIME "org.meridian.Time1.Error.InvalidTime"
#define MRD_ERROR_NAME_INVALID_SOURCE "org.meridian.Time1.Error.InvalidSource"
#define MRD_ERROR_NAME_UNKNOWN_SOURCE "org.meridian.Time1.Error.UnknownSource"
#define MRD_ERROR_NAME_AUTOMATIC_TIME_SYNC_ENABLED "org.freedesktop.timedate1.AutomaticTimeSyncEnabled"
#define MRD_ERROR_NAME_NO_NTP_SUPPORT "org.freedesktop.timedate1.NoNTPSupport"
#define MRD_DBUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED \
  "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"

/* How much of a caller's own input an error message repeats (characters), and how long an
 * error message may be at all (bytes): a caller sending a 1 MiB argument must not get it
 * back, nor fill the log with it. */
#define MRD_ERROR_ECHO_MAX_CHARS   64
#define MRD_ERROR_MESSAGE_MAX      1024

GQuark mrd_error_quark (void);

/* @input as an error message may show it: at most MRD_ERROR_ECHO_MAX_CHARS characters
 * (then "…"), invalid UTF-8 replaced, control characters, quotes and backslashes escaped
 * (\n, \x01, \', \"). Never NULL. */
char *mrd_error_quote (const char *input);

/* @message cut to at most MRD_ERROR_MESSAGE_MAX bytes at a character boundary (then "…"),
 * invalid UTF-8 replaced. */
char *mrd_error_cap_message (const char *message);

/* Reply to @invocation with @error, consuming the invocation as every
 * g_dbus_method_invocation_return_*() does: MRD_ERROR codes by their registered names,
 * GDBusError codes as such, anything else (a file error…) as org.meridian.Time1.Error.Failed
 * with its message. The message is capped (mrd_error_cap_message). */
void mrd_error_return (GDBusMethodInvocation *invocation, const GError *error);

/* The same with a new error built from @format. */
void mrd_error_return_new (GDBusMethodInvocation *invocation, GQuark domain, gint code,
                           const char *format, ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
