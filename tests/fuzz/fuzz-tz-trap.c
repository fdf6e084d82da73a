/* fuzz-tz-trap.c — libFuzzer target: the TZ= scan of /etc/profile-like text
 * (service/tz/mrd-tz-trap.c) and the comparison of a TZ value with the system zone. Whatever
 * the bytes, every finding is UTF-8 (it goes into a D-Bus string) and names a real line.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define FZ_GLIB 1
#include "fuzz-common.h"

#include <string.h>

#include "mrd-tz-trap.h"
#include "mrd-tz-private.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  g_autoptr(GPtrArray) traps = g_ptr_array_new_with_free_func ((GDestroyNotify) mrd_tz_trap_free);
  guint lines = 1;

  fz_glib_init ();
  if (size > 65536)
    return 0;
  for (size_t i = 0; i < size; i++)
    lines += text[i] == '\n';
  mrd_tz_trap_scan_text (NULL, "/etc/profile", text, size, size % 2 ? "UTC" : "Asia/Seoul",
                         traps);
  for (guint i = 0; i < traps->len; i++)
    {
      const MrdTzTrap *t = g_ptr_array_index (traps, i);
      FZ_CHECK (g_utf8_validate (t->file, -1, NULL));
      FZ_CHECK (g_utf8_validate (t->value, -1, NULL));
      FZ_CHECK (t->line >= 1 && t->line <= lines);
      /* a value reported as disagreeing does not agree when asked again */
      FZ_CHECK (!mrd_tz_value_agrees (NULL, t->value, size % 2 ? "UTC" : "Asia/Seoul"));
    }
  /* the whole input as one TZ value (a caller's $TZ) */
  if (size < 256)
    {
      g_autofree char *value = g_strndup (text, size);
      (void) mrd_tz_value_agrees (NULL, value, "UTC");
      (void) mrd_tz_value_agrees (NULL, value, "Europe/Dublin");
    }
  return 0;
}
