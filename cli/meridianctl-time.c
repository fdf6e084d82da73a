/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * meridianctl-time: the time arguments of set-time and describe-zone --at, read as
 * `timedatectl set-time` reads them (systemd.time(7)):
 *   now, today, yesterday, tomorrow;
 *   +5min, -1h, "1h 30min", "2 days ago" (relative to now; units from us to years);
 *   @SECONDS since the epoch (fractions allowed);
 *   YYYY-MM-DD HH:MM[:SS[.frac]], YYYY-MM-DD (midnight), HH:MM[:SS] (today), with an optional
 *   weekday in front that must agree, 'T' allowed between date and time, and an optional
 *   Z, UTC or numeric offset (+09:00, +0900, +09) after.
 * Without a zone suffix the time is a wall-clock time in the zone at hand, left for the caller
 * to place (it may fall in a gap or repeat); the parser itself needs no time zone database.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>

#include "meridianctl.h"

static const struct {
  const char *name;
  double seconds;
} units[] = {
  { "us", 1e-6 }, { "usec", 1e-6 }, { "µs", 1e-6 },
  { "ms", 1e-3 }, { "msec", 1e-3 },
  { "s", 1 }, { "sec", 1 }, { "second", 1 }, { "seconds", 1 },
  { "m", 60 }, { "min", 60 }, { "minute", 60 }, { "minutes", 60 },
  { "h", 3600 }, { "hr", 3600 }, { "hour", 3600 }, { "hours", 3600 },
  { "d", 86400 }, { "day", 86400 }, { "days", 86400 },
  { "w", 604800 }, { "week", 604800 }, { "weeks", 604800 },
  /* systemd's month and year: the mean Gregorian ones. */
  { "M", 2629800 }, { "month", 2629800 }, { "months", 2629800 },
  { "y", 31557600 }, { "year", 31557600 }, { "years", 31557600 },
};

/* "5min", "1h 30min", "1.5h", "90" (seconds) -> seconds; FALSE if not a time span. */
static gboolean
parse_span (const char *text, double *out)
{
  const char *p = text;
  double total = 0;
  gboolean any = FALSE;

  while (*p)
    {
      char *end;
      double value;
      gsize len = 0;
      gboolean found = FALSE;

      while (*p == ' ')
        p++;
      if (*p == '\0')
        break;
      if (!g_ascii_isdigit (*p) && *p != '.')
        return FALSE;
      value = g_ascii_strtod (p, &end);
      if (end == p || !isfinite (value))
        return FALSE;
      p = end;
      while (*p == ' ')
        p++;
      while (p[len] && !g_ascii_isdigit (p[len]) && p[len] != ' ' && p[len] != '.')
        len++;
      if (len == 0)
        {
          total += value; /* a bare number is seconds */
          any = TRUE;
          continue;
        }
      for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
        if (strlen (units[i].name) == len && strncmp (p, units[i].name, len) == 0)
          {
            total += value * units[i].seconds;
            found = TRUE;
            break;
          }
      if (!found)
        return FALSE;
      p += len;
      any = TRUE;
    }
  *out = total;
  return any;
}

/* Z, UTC, +HH:MM, +HHMM, +HH (a space before is allowed) -> seconds east; "" -> no zone. */
static gboolean
parse_zone_suffix (const char *text, gboolean *has_zone, gint *offset)
{
  int hh = 0, mm = 0;
  gsize len;

  while (*text == ' ')
    text++;
  *has_zone = *text != '\0';
  *offset = 0;
  if (*text == '\0')
    return TRUE;
  if (g_ascii_strcasecmp (text, "Z") == 0 || strcmp (text, "UTC") == 0 ||
      strcmp (text, "GMT") == 0)
    return TRUE;
  if (*text != '+' && *text != '-')
    return FALSE;
  len = strlen (text + 1);
  for (gsize i = 1; i <= len; i++)
    if (!g_ascii_isdigit (text[i]) && !(i == 3 && text[i] == ':' && len == 5))
      return FALSE;
  if (len == 2)
    hh = atoi (text + 1);
  else if (len == 4 || len == 5)
    {
      hh = (text[1] - '0') * 10 + (text[2] - '0');
      mm = atoi (text + len - 1);
    }
  else
    return FALSE;
  if (hh > 23 || mm > 59)
    return FALSE;
  *offset = (hh * 3600 + mm * 60) * (*text == '-' ? -1 : 1);
  return TRUE;
}

static gint64
floor_div (gint64 a, gint64 b)
{
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static const char *const weekdays[][2] = {
  { "mon", "monday" }, { "tue", "tuesday" }, { "wed", "wednesday" }, { "thu", "thursday" },
  { "fri", "friday" }, { "sat", "saturday" }, { "sun", "sunday" },
};

/* The naive-calendar day number (days since 1970-01-01) of `text`'s date part and the rest. */
static gboolean
parse_date_time (const char *text, gint64 today_naive_day, gint64 *naive_s, double *frac,
                 const char **rest, int *weekday, gboolean *has_date)
{
  int year, month, day, hour = 0, minute = 0, second = 0, used = 0;
  gint64 day_number;
  const char *p = text;

  *weekday = 0;
  *frac = 0;
  *has_date = FALSE;
  for (int i = 0; i < 7; i++)
    for (int form = 1; form >= 0; form--)
      {
        gsize n = strlen (weekdays[i][form]);
        if (g_ascii_strncasecmp (p, weekdays[i][form], n) == 0 && p[n] == ' ')
          {
            *weekday = i + 1;
            p += n + 1;
            goto weekday_done;
          }
      }
weekday_done:
  while (*p == ' ')
    p++;

  if (sscanf (p, "%4d-%2d-%2d%n", &year, &month, &day, &used) == 3 &&
      g_ascii_isdigit (p[0]) && p[4] == '-')
    {
      g_autoptr(GDateTime) date = g_date_time_new_utc (year, month, day, 0, 0, 0);
      if (date == NULL)
        return FALSE;
      day_number = floor_div (g_date_time_to_unix (date), 86400);
      *has_date = TRUE;
      p += used;
      if (*p == 'T' || (*p == ' ' && g_ascii_isdigit (p[1])))
        p++;
      else
        {
          *naive_s = day_number * 86400;
          *rest = p;
          return TRUE;
        }
    }
  else
    day_number = today_naive_day;

  used = 0;
  if (sscanf (p, "%2d:%2d%n", &hour, &minute, &used) != 2 || !g_ascii_isdigit (p[0]))
    return FALSE;
  p += used;
  if (*p == ':')
    {
      int more = 0;
      if (sscanf (p, ":%2d%n", &second, &more) != 1 || !g_ascii_isdigit (p[1]))
        return FALSE;
      p += more;
      if (*p == '.')
        {
          const char *start = p;
          p++;
          while (g_ascii_isdigit (*p))
            p++;
          *frac = g_ascii_strtod (start, NULL);
        }
    }
  if (hour > 23 || minute > 59 || second > 59)
    return FALSE;
  *naive_s = day_number * 86400 + hour * 3600 + minute * 60 + second;
  *rest = p;
  return TRUE;
}

gboolean
mctl_time_parse (const char *input, gint64 now_usec, gint now_offset_s, MctlTimeSpec *spec)
{
  g_autofree char *text = g_strstrip (g_strdup (input));
  gint64 now_naive_s = floor_div (now_usec, G_USEC_PER_SEC) + now_offset_s;
  gint64 today = floor_div (now_naive_s, 86400);
  double span;

  memset (spec, 0, sizeof *spec);
  if (g_ascii_strcasecmp (text, "now") == 0)
    {
      spec->usec = now_usec;
      return TRUE;
    }
  static const struct { const char *word; int days; } days[] = {
    { "today", 0 }, { "yesterday", -1 }, { "tomorrow", 1 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (days); i++)
    if (g_ascii_strcasecmp (text, days[i].word) == 0)
      {
        spec->local = TRUE;
        spec->naive_s = (today + days[i].days) * 86400;
        return TRUE;
      }
  if (text[0] == '@')
    {
      char *end;
      double s = g_ascii_strtod (text + 1, &end);
      if (end == text + 1 || *end != '\0' || !isfinite (s) || fabs (s) > 1e13 ||
          !(g_ascii_isdigit (text[1]) || text[1] == '-'))
        return FALSE;
      spec->usec = (gint64) llround (s * G_USEC_PER_SEC);
      return TRUE;
    }
  if ((text[0] == '+' || text[0] == '-') && parse_span (text + 1, &span))
    {
      spec->usec = now_usec + (gint64) llround ((text[0] == '-' ? -span : span) * G_USEC_PER_SEC);
      return TRUE;
    }
  if (g_str_has_suffix (text, " ago"))
    {
      g_autofree char *head = g_strndup (text, strlen (text) - 4);
      if (parse_span (head, &span))
        {
          spec->usec = now_usec - (gint64) llround (span * G_USEC_PER_SEC);
          return TRUE;
        }
      return FALSE;
    }

  /* A date and/or time, with an optional zone after it.  "HH:MM" alone means today in that
   * zone: for a numeric zone, today there, not here. */
  gint64 naive_s;
  double frac;
  const char *rest;
  int weekday;
  gboolean has_zone, has_date;
  gint offset;

  if (!parse_date_time (text, today, &naive_s, &frac, &rest, &weekday, &has_date) ||
      !parse_zone_suffix (rest, &has_zone, &offset))
    return FALSE;
  if (has_zone && !has_date && offset != now_offset_s)
    {
      /* Time of day only, in another offset: re-read against that offset's today. */
      gint64 there = floor_div (floor_div (now_usec, G_USEC_PER_SEC) + offset, 86400);
      naive_s += (there - today) * 86400;
    }
  if (weekday != 0)
    {
      /* 1970-01-01 was a Thursday (4 in Monday = 1 numbering). */
      int actual = (int) ((floor_div (naive_s, 86400) % 7 + 7 + 3) % 7) + 1;
      if (actual != weekday)
        return FALSE;
    }
  if (has_zone)
    spec->usec = (naive_s - offset) * G_USEC_PER_SEC + (gint64) llround (frac * G_USEC_PER_SEC);
  else
    {
      spec->local = TRUE;
      spec->naive_s = naive_s;
      spec->frac_usec = (gint64) llround (frac * G_USEC_PER_SEC);
    }
  return TRUE;
}

const char *
mctl_time_accepted (void)
{
  return _("Accepted: \"YYYY-MM-DD HH:MM[:SS]\", \"YYYY-MM-DD\" or \"HH:MM[:SS]\" (a local "
           "time), the same with Z, UTC or an offset such as +09:00 (ISO 8601, e.g. "
           "2026-07-01T12:00:00Z), @SECONDS since the epoch, now, today, yesterday, tomorrow, "
           "or a time relative to now such as +5min, -1h or \"2 days ago\".");
}
