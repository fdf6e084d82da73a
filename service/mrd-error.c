/* mrd-error.c — see mrd-error.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-error.h"

#include <string.h>

static const GDBusErrorEntry mrd_error_entries[] = {
  { MRD_ERROR_FAILED, MRD_ERROR_NAME_FAILED },
  { MRD_ERROR_NOT_SUPPORTED, MRD_ERROR_NAME_NOT_SUPPORTED },
  { MRD_ERROR_AUTOMATIC_TIME_SYNC_ENABLED, MRD_ERROR_NAME_AUTOMATIC_TIME_SYNC_ENABLED },
  { MRD_ERROR_NO_NTP_SUPPORT, MRD_ERROR_NAME_NO_NTP_SUPPORT },
  { MRD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED, MRD_DBUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED },
  { MRD_ERROR_UNKNOWN_COUNTRY, MRD_ERROR_NAME_UNKNOWN_COUNTRY },
  { MRD_ERROR_UNKNOWN_ZONE, MRD_ERROR_NAME_UNKNOWN_ZONE },
  { MRD_ERROR_INVALID_TIME, MRD_ERROR_NAME_INVALID_TIME },
  { MRD_ERROR_INVALID_SOURCE, MRD_ERROR_NAME_INVALID_SOURCE },
  { MRD_ERROR_SOURCE_EXISTS, MRD_ERROR_NAME_SOURCE_EXISTS },
  { MRD_ERROR_UNKNOWN_SOURCE, MRD_ERROR_NAME_UNKNOWN_SOURCE },
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

char *
mrd_error_quote (const char *input)
{
  g_autofree char *valid = g_utf8_make_valid (input != NULL ? input : "", -1);
  GString *out = g_string_new (NULL);
  const char *p = valid;
  guint n = 0;

  for (; *p != '\0' && n < MRD_ERROR_ECHO_MAX_CHARS; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c == '\\' || c == '\'' || c == '"')
        g_string_append_printf (out, "\\%c", (char) c);
      else if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_unichar (out, c);
    }
  if (*p != '\0')
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

char *
mrd_error_cap_message (const char *message)
{
  g_autofree char *valid = g_utf8_make_valid (message != NULL ? message : "", -1);
  const char *end;
  GString *out;

  if (strlen (valid) <= MRD_ERROR_MESSAGE_MAX)
    return g_steal_pointer (&valid);
  /* Room for the ellipsis (3 bytes); cut at the start of the character that would straddle
   * the limit. */
  end = g_utf8_find_prev_char (valid, valid + MRD_ERROR_MESSAGE_MAX - 3 + 1);
  out = g_string_new_len (valid, end - valid);
  g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

void
mrd_error_return (GDBusMethodInvocation *invocation, const GError *error)
{
  g_autofree char *message = mrd_error_cap_message (error->message);

  /* Make sure the domain is registered before GIO maps the error to a name. */
  (void) mrd_error_quark ();

  if (error->domain == MRD_ERROR || error->domain == G_DBUS_ERROR)
    g_dbus_method_invocation_return_error_literal (invocation, error->domain, error->code,
                                                   message);
  else
    g_dbus_method_invocation_return_dbus_error (invocation, MRD_ERROR_NAME_FAILED, message);
}

void
mrd_error_return_new (GDBusMethodInvocation *invocation, GQuark domain, gint code,
                      const char *format, ...)
{
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (domain, code, format, args);
  va_end (args);
  mrd_error_return (invocation, error);
}
