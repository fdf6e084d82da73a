/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of service/mrd-error.c: the native error names clients translate from, and what
 * an error message may repeat of the caller's input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <gio/gio.h>
#include "mrd-error.h"

static void
every_code_has_its_stable_name (void **state)
{
  static const struct { MrdError code; const char *name; } names[] = {
    { MRD_ERROR_FAILED, "org.meridian.Time1.Error.Failed" },
    { MRD_ERROR_NOT_SUPPORTED, "org.meridian.Time1.Error.NotSupported" },
    { MRD_ERROR_AUTOMATIC_TIME_SYNC_ENABLED, "org.freedesktop.timedate1.AutomaticTimeSyncEnabled" },
    { MRD_ERROR_NO_NTP_SUPPORT, "org.freedesktop.timedate1.NoNTPSupport" },
    { MRD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired" },
    { MRD_ERROR_UNKNOWN_COUNTRY, "org.meridian.Time1.Error.UnknownCountry" },
    { MRD_ERROR_UNKNOWN_ZONE, "org.meridian.Time1.Error.UnknownZone" },
    { MRD_ERROR_INVALID_TIME, "org.meridian.Time1.Error.InvalidTime" },
    { MRD_ERROR_INVALID_SOURCE, "org.meridian.Time1.Error.InvalidSource" },
    { MRD_ERROR_SOURCE_EXISTS, "org.meridian.Time1.Error.SourceExists" },
    { MRD_ERROR_UNKNOWN_SOURCE, "org.meridian.Time1.Error.UnknownSource" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) e = g_error_new_literal (MRD_ERROR, names[i].code, "x");
      g_autofree char *encoded = g_dbus_error_encode_gerror (e);
      g_autoptr(GError) back = NULL;

      assert_string_equal (encoded, names[i].name);
      /* A client that registers nothing still sees the name (what meridianctl maps). */
      back = g_dbus_error_new_for_dbus_error (names[i].name, "x");
      assert_true (g_error_matches (back, MRD_ERROR, names[i].code));
    }
}

static void
quote_caps_and_escapes_the_callers_input (void **state)
{
  g_autofree char *big = g_strnfill (1024 * 1024, 'A');
  g_autofree char *q1 = mrd_error_quote (big);
  g_autofree char *q2 = mrd_error_quote ("Asia/Seoul\nUTC=false'\"\\\x01");
  g_autofree char *q3 = mrd_error_quote ("Asia/Seoul");
  g_autofree char *q4 = mrd_error_quote ("\xff\xfe/x");
  g_autofree char *q5 = mrd_error_quote (NULL);
  GString *k = g_string_new (NULL);
  g_autofree char *qk = NULL;
  g_autofree char *exact = g_strnfill (MRD_ERROR_ECHO_MAX_CHARS, 'b');
  g_autofree char *q6 = mrd_error_quote (exact);

  /* 64 characters, then an ellipsis. */
  assert_int_equal (g_utf8_strlen (q1, -1), MRD_ERROR_ECHO_MAX_CHARS + 1);
  assert_true (g_str_has_suffix (q1, "…"));
  assert_string_equal (q2, "Asia/Seoul\\nUTC=false\\'\\\"\\\\\\x01");
  assert_string_equal (q3, "Asia/Seoul");
  assert_true (g_utf8_validate (q4, -1, NULL));
  assert_string_equal (q5, "");
  assert_string_equal (q6, exact);   /* exactly at the limit: no ellipsis */
  /* Characters, not bytes: a Korean name is cut at 64 characters, never inside one. */
  for (guint i = 0; i < 100; i++)
    g_string_append (k, "한");
  qk = mrd_error_quote (k->str);
  assert_true (g_utf8_validate (qk, -1, NULL));
  assert_int_equal (g_utf8_strlen (qk, -1), MRD_ERROR_ECHO_MAX_CHARS + 1);
  g_string_free (k, TRUE);
}

static void
messages_are_capped (void **state)
{
  g_autofree char *big = g_strnfill (1024 * 1024, 'A');
  g_autofree char *capped = mrd_error_cap_message (big);
  GString *k = g_string_new (NULL);
  g_autofree char *kc = NULL;
  g_autofree char *small = mrd_error_cap_message ("Time value overflow");

  assert_true (strlen (capped) <= MRD_ERROR_MESSAGE_MAX);
  assert_true (g_str_has_suffix (capped, "…"));
  assert_string_equal (small, "Time value overflow");
  while (k->len < 4 * MRD_ERROR_MESSAGE_MAX)
    g_string_append (k, "한");
  kc = mrd_error_cap_message (k->str);
  assert_true (strlen (kc) <= MRD_ERROR_MESSAGE_MAX);
  assert_true (g_utf8_validate (kc, -1, NULL));
  g_string_free (k, TRUE);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (every_code_has_its_stable_name),
    cmocka_unit_test (quote_caps_and_escapes_the_callers_input),
    cmocka_unit_test (messages_are_capped),
  };

  return cmocka_run_group_tests_name ("error", tests, NULL, NULL);
}
