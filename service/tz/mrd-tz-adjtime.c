/* mrd-tz-adjtime.c — the RTC's time scale in /etc/adjtime (hwclock(8), adjtime_config(5)):
 *   line 1: drift factor, last adjust time, adjustment status  ("0.0 0 0")
 *   line 2: last calibration time                               ("0")
 *   line 3: "UTC" or "LOCAL"
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>

#include "mrd-tz-adjtime.h"
#include "mrd-tz-error.h"
#include "mrd-tz-private.h"

static gboolean
read_adjtime (const char *path, char **out, GError **error)
{
  g_autoptr(GError) local = NULL;

  *out = NULL;
  if (g_file_get_contents (path, out, NULL, &local))
    return TRUE;
  if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return TRUE;
  g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, "%s", local->message);
  return FALSE;
}

gboolean
mrd_tz_adjtime_read (const char *root, gboolean *out_local_rtc, GError **error)
{
  g_autofree char *path = mrd_tz_root_path (root, "/etc/adjtime");
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  g_return_val_if_fail (out_local_rtc != NULL, FALSE);

  *out_local_rtc = FALSE;
  if (!read_adjtime (path, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  lines = g_strsplit (text, "\n", 4);
  /* hwclock: anything but "LOCAL" on line 3 means UTC. */
  if (g_strv_length (lines) >= 3)
    *out_local_rtc = strcmp (g_strstrip (lines[2]), "LOCAL") == 0;
  return TRUE;
}

gboolean
mrd_tz_adjtime_write (const char *root, gboolean local_rtc, GError **error)
{
  g_autofree char *path = mrd_tz_root_path (root, "/etc/adjtime");
  g_autofree char *etc = mrd_tz_root_path (root, "/etc");
  g_autofree char *text = NULL;
  g_autofree char *out = NULL;
  const char *line1 = "0.0 0 0", *line2 = "0";
  g_auto(GStrv) lines = NULL;

  if (!read_adjtime (path, &text, error))
    return FALSE;
  if (text != NULL)
    {
      /* Keep the first two lines (drift and calibration data hwclock owns). */
      lines = g_strsplit (text, "\n", 4);
      if (lines[0] != NULL && lines[0][0] != '\0')
        line1 = lines[0];
      if (lines[0] != NULL && lines[1] != NULL && lines[1][0] != '\0')
        line2 = lines[1];
    }
  out = g_strdup_printf ("%s\n%s\n%s\n", line1, line2, local_rtc ? "LOCAL" : "UTC");
  if (text != NULL && strcmp (text, out) == 0)
    return TRUE;
  if (g_mkdir_with_parents (etc, 0755) < 0)
    {
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, _("Cannot create %s: %s"), etc,
                   g_strerror (errno));
      return FALSE;
    }
  return mrd_tz_write_file_atomic (path, out, strlen (out), 0644, error);
}
