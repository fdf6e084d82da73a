/* mrd-auth.h — polkit authorization for every mutating method.
 *
 * Deny by default (as bolt does): a method that is not in the method → action table is
 * refused. Checks are asynchronous, with the caller's unique bus name as the subject
 * (polkit's "system-bus-name"), so that many callers never wait for each other. A caller
 * that leaves the bus while its check is pending gets nothing: the check ends with
 * G_IO_ERROR_CANCELLED and the method must change nothing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MRD_ACTION_SET_TIMEZONE   "org.meridian.time1.set-timezone"
#define MRD_ACTION_SET_TIME       "org.meridian.time1.set-time"
#define MRD_ACTION_SET_NTP        "org.meridian.time1.set-ntp"
#define MRD_ACTION_SET_LOCAL_RTC  "org.meridian.time1.set-local-rtc"
#define MRD_ACTION_MANAGE_SOURCES "org.meridian.time1.manage-sources"

/* systemd-timedated's actions, checked on org.freedesktop.timedate1. */
#define MRD_TIMEDATE1_ACTION_SET_TIMEZONE  "org.freedesktop.timedate1.set-timezone"
#define MRD_TIMEDATE1_ACTION_SET_TIME      "org.freedesktop.timedate1.set-time"
#define MRD_TIMEDATE1_ACTION_SET_NTP       "org.freedesktop.timedate1.set-ntp"
#define MRD_TIMEDATE1_ACTION_SET_LOCAL_RTC "org.freedesktop.timedate1.set-local-rtc"

/* Checks waiting for polkit at once: per user (uid), in all, and how many of the latter are
 * kept for users with none waiting (see mrd-auth.c). All well below dbus-daemon's 128 pending
 * replies per connection. */
#define MRD_AUTH_MAX_PENDING_PER_USER 16
#define MRD_AUTH_MAX_PENDING          64
#define MRD_AUTH_RESERVED_PENDING     16

typedef struct _MrdAuth MrdAuth;

/* The polkit action for @method_name of @interface_name, or NULL: not a mutating method we
 * know, so it must be refused. */
const char *mrd_auth_action_for_method (const char *interface_name, const char *method_name);

/* Whether polkit may interact with the user (ask for a password) for this call: when the
 * method's own `interactive` argument is true OR the message carries the D-Bus header flag
 * ALLOW_INTERACTIVE_AUTHORIZATION (D-Bus specification, "Message Format": the caller is
 * prepared to wait for an interactive authorization). This is systemd-timedated 252's rule:
 * bus_verify_polkit_async() sets interactive when sd_bus_message_get_allow_interactive_-
 * authorization() is true, whatever the argument says. One rule for every interface: timedate1, the
 * native org.meridian.Time1 and org.meridian.Time1.Sources. The argument alone is enough
 * because clients such as gdbus or python-dbus do not set the flag. */
gboolean    mrd_auth_allow_interaction (gboolean interactive_arg, GDBusMessageFlags flags);

/* @connection: the bus connection the method calls arrive on (watched for callers leaving);
 * polkitd (org.freedesktop.PolicyKit1) is asked on it too. polkitd need not be running: a
 * check made while it is absent is refused with the bus's reason. */
MrdAuth    *mrd_auth_new    (GDBusConnection *connection);
void        mrd_auth_free   (MrdAuth *auth);

/* Ask polkit whether the sender of @invocation may perform its method. Errors on finish:
 * G_DBUS_ERROR_ACCESS_DENIED (denied, no action for the method, or polkitd absent or failing),
 * MRD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED (polkit needs a password but the call
 * did not allow interaction), G_DBUS_ERROR_LIMITS_EXCEEDED (too many checks of this user,
 * or in all, are waiting for polkit), G_IO_ERROR_CANCELLED (the caller left the bus). */
void        mrd_auth_check_async  (MrdAuth *auth, GDBusMethodInvocation *invocation,
                                   gboolean interactive, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean    mrd_auth_check_finish (MrdAuth *auth, GAsyncResult *result, GError **error);

/* Whether user @uid, with @n_user checks waiting, may start another while @n_total are
 * waiting in all. */
gboolean    mrd_auth_may_start_check (guint32 uid, guint n_user, guint n_total);

/* Number of checks still waiting for polkit (for tests and logs). */
guint       mrd_auth_get_n_pending (MrdAuth *auth);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdAuth, mrd_auth_free)

G_END_DECLS
