/* mrd-error.c — see mrd-error.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-error.h"

static const GDBusErrorEntry mrd_error_entries[] = {
  { MRD_ERROR_FAILED, MRD_ERROR_NAME_FAILED },
  { MRD_ERROR_NOT_SUPPORTED, MRD_ERROR_NAME_NOT_SUPPORTED },
  { MRD_ERROR_AUTOMATIC_TIME_SYNC_ENABLED, MRD_ERROR_NAME_AUTOMATIC_TIME_SYNC_ENABLED },
  { MRD_ERROR_NO_NTP_SUPPORT, MRD_ERROR_NAME_NO_NTP_SUPPORT },
  { MRD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED, MRD_DBUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED },
  { MRD_ERROR_UNKNOWN_COUNTRY, MRD_ERROR_NAME_UNKNOWN_COUNTRY },
  { MRD_ERROR_SOURCE_EXISTS, MRD_ERROR_NAME_SOURCE_EXISTS },
};

GQuark
mrd_error_quark (void)
{
  static gsize quark = 0;

  /* Registering the domain makes g_dbus_method_invocation_return_gerror() send these names,
   * and clients' g_dbus_error_get_remote_error() see them (bolt does the same). */
  g_dbus_error_register_error_domain ("mrd-error-quark", &quark, mrd_error_entries,
                                      G_N_ELEMENTS (mrd_error_entries));
  return (GQuark) quark;
}

void
mrd_error_return (GDBusMethodInvocation *invocation, const GError *error)
{
  /* Make sure the domain is registered before GIO maps the error to a name. */
  (void) mrd_error_quark ();

  if (error->domain == MRD_ERROR || error->domain == G_DBUS_ERROR)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_dbus_error (invocation, MRD_ERROR_NAME_FAILED, error->message);
}
