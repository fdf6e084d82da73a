/* mrd-error.h — meridiand's D-Bus error domain (org.meridian.Time1.Error.*), plus the
 * timedate1 error names that timedatectl knows (so both interfaces fail the same way).
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
  MRD_ERROR_SOURCE_EXISTS,                 /* org.meridian.Time1.Error.SourceExists */
} MrdError;

#define MRD_ERROR_NAME_FAILED "org.meridian.Time1.Error.Failed"
#define MRD_ERROR_NAME_UNKNOWN_COUNTRY "org.meridian.Time1.Error.UnknownCountry"
#define MRD_ERROR_NAME_SOURCE_EXISTS "org.meridian.Time1.Error.SourceExists"
#define MRD_ERROR_NAME_NOT_SUPPORTED "org.meridian.Time1.Error.NotSupported"
#define MRD_ERROR_NAME_AUTOMATIC_TIME_SYNC_ENABLED "org.freedesktop.timedate1.AutomaticTimeSyncEnabled"
#define MRD_ERROR_NAME_NO_NTP_SUPPORT "org.freedesktop.timedate1.NoNTPSupport"
#define MRD_DBUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED \
  "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"

GQuark mrd_error_quark (void);

/* Reply to @invocation with @error, consuming the invocation as every
 * g_dbus_method_invocation_return_*() does: MRD_ERROR codes by their registered names,
 * GDBusError codes as such, anything else (a file error…) as org.meridian.Time1.Error.Failed
 * with its message. */
void mrd_error_return (GDBusMethodInvocation *invocation, const GError *error);

G_END_DECLS
