/* mrd-tzif.c — TZif reader (RFC 9636, tzfile(5); versions 1–4) and POSIX TZ rules
 * (POSIX.1-2017 §8.3 "TZ", with the TZif v3 extensions of RFC 9636 §3.3.1).
 *
 * Why our own reader and not GTimeZone: see README.md in this directory.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>

#include "mrd-tzif.h"
#include "mrd-tz-error.h"
#include "mrd-tz-root-private.h"

#define TZIF_HEADER_LEN 44
#define TZIF_MAX_FILE (1024 * 1024)
/* Instants farther than this from the epoch (~31 million years) are clamped for rule
 * arithmetic, so that year * seconds-per-year can never overflow 64 bits. */
#define RULE_TIME_LIMIT G_GINT64_CONSTANT (1000000000000000)

typedef struct {
  gint32   utoff;
  gboolean isdst;
  char     abbr[MRD_TZ_ABBREV_MAX];
} LocalType;

/* One transition rule of a POSIX TZ string: Jn, n or Mm.w.d, at a local time of day. */
typedef enum { RULE_JULIAN1, RULE_JULIAN0, RULE_MONTH } RuleKind;

typedef struct {
  RuleKind kind;
  int      day;     /* Jn: 1..365; n: 0..365; M: weekday 0..6 */
  int      week;    /* M: 1..5 */
  int      month;   /* M: 1..12 */
  gint32   time;    /* seconds after local midnight; -167h..167h (RFC 9636 §3.3.1) */
} Rule;

typedef struct {
  gboolean  valid;
  LocalType std;
  gboolean  has_dst;
  LocalType dst;
  Rule      start;  /* into DST, in standard local time */
  Rule      end;    /* out of DST, in DST local time */
} PosixTz;

struct _MrdTzif {
  int        version;
  guint      n_types;
  LocalType *types;
  guint      n_trans;
  gint64    *trans;        /* ascending */
  guint8    *trans_type;
  guint      n_leaps;
  MrdTzLeap *leaps;        /* the leap seconds of a "right/" zone, ascending */
  char      *footer;       /* NULL for v1 */
  PosixTz    posix;        /* parsed footer; valid == FALSE when empty or absent */
};

/* ---- calendar arithmetic (proleptic Gregorian, UTC) ---- */

static gboolean
is_leap (gint64 y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of y-m-d (m 1..12); H. Hinnant's days_from_civil. */
static gint64
days_from_civil (gint64 y, int m, int d)
{
  y -= m <= 2;
  gint64 era = (y >= 0 ? y : y - 399) / 400;
  gint64 yoe = y - era * 400;
  gint64 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static gint64
year_of_days (gint64 z)
{
  z += 719468;
  gint64 era = (z >= 0 ? z : z - 146096) / 146097;
  gint64 doe = z - era * 146097;
  gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  gint64 mp = (5 * doy + 2) / 153;
  int m = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (m <= 2);
}

static gint64
floor_div (gint64 a, gint64 b)
{
  gint64 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

static const int month_days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

/* Local seconds since the epoch at which @r fires in year @y (before adding the rule time). */
static gint64
rule_day (const Rule *r, gint64 y)
{
  gint64 jan1 = days_from_civil (y, 1, 1);

  switch (r->kind)
    {
    case RULE_JULIAN1:
      /* Jn: 1..365, February 29 is never counted (POSIX). */
      return jan1 + r->day - 1 + ((is_leap (y) && r->day >= 60) ? 1 : 0);
    case RULE_JULIAN0:
      return jan1 + r->day;
    case RULE_MONTH:
    default:
      {
        gint64 first = days_from_civil (y, r->month, 1);
        /* 1970-01-01 was a Thursday (4). */
        int wday_first = (int) (((first % 7) + 7 + 4) % 7);
        int mdays = month_days[r->month - 1] + ((r->month == 2 && is_leap (y)) ? 1 : 0);
        int mday = 1 + (r->day - wday_first + 7) % 7 + 7 * (r->week - 1);
        /* Week 5 means "the last such weekday of the month". */
        while (mday > mdays)
          mday -= 7;
        return first + mday - 1;
      }
    }
}

/* UTC instant of the rule in year @y; @utoff is the offset in force before it. */
static gint64
rule_instant (const Rule *r, gint64 y, gint32 utoff)
{
  return rule_day (r, y) * 86400 + r->time - utoff;
}

/* ---- POSIX TZ strings ---- */

static gboolean
parse_name (const char **pp, char *out)
{
  const char *p = *pp;
  gsize n = 0;

  if (*p == '<')
    {
      /* Quoted form: alphanumerics, '+' and '-' (POSIX.1-2017 §8.3). */
      p++;
      while (g_ascii_isalnum (*p) || *p == '+' || *p == '-')
        {
          if (n + 1 >= MRD_TZ_ABBREV_MAX)
            return FALSE;
          out[n++] = *p++;
        }
      if (*p != '>')
        return FALSE;
      p++;
    }
  else
    {
      while (g_ascii_isalpha (*p))
        {
          if (n + 1 >= MRD_TZ_ABBREV_MAX)
            return FALSE;
          out[n++] = *p++;
        }
    }
  out[n] = '\0';
  /* POSIX wants at least three characters. */
  if (n < 3)
    return FALSE;
  *pp = p;
  return TRUE;
}

static gboolean
parse_number (const char **pp, int min, int max, int *out)
{
  const char *p = *pp;
  int v = 0;

  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    {
      v = v * 10 + (*p++ - '0');
      if (v > max)
        return FALSE;
    }
  if (v < min)
    return FALSE;
  *out = v;
  *pp = p;
  return TRUE;
}

/* [+-]hh[:mm[:ss]] with |hh| <= @max_hours; returns seconds. */
static gboolean
parse_hms (const char **pp, int max_hours, gint32 *out)
{
  const char *p = *pp;
  int sign = 1, h = 0, m = 0, s = 0;

  if (*p == '+' || *p == '-')
    sign = *p++ == '-' ? -1 : 1;
  if (!parse_number (&p, 0, max_hours, &h))
    return FALSE;
  if (*p == ':')
    {
      p++;
      if (!parse_number (&p, 0, 59, &m))
        return FALSE;
      if (*p == ':')
        {
          p++;
          if (!parse_number (&p, 0, 59, &s))
            return FALSE;
        }
    }
  *out = sign * (h * 3600 + m * 60 + s);
  *pp = p;
  return TRUE;
}

static gboolean
parse_rule (const char **pp, Rule *r)
{
  const char *p = *pp;

  if (*p == 'J')
    {
      p++;
      r->kind = RULE_JULIAN1;
      if (!parse_number (&p, 1, 365, &r->day))
        return FALSE;
    }
  else if (*p == 'M')
    {
      p++;
      r->kind = RULE_MONTH;
      if (!parse_number (&p, 1, 12, &r->month) || *p++ != '.' ||
          !parse_number (&p, 1, 5, &r->week) || *p++ != '.' ||
          !parse_number (&p, 0, 6, &r->day))
        return FALSE;
    }
  else
    {
      r->kind = RULE_JULIAN0;
      if (!parse_number (&p, 0, 365, &r->day))
        return FALSE;
    }

  r->time = 2 * 3600;   /* POSIX default: 02:00:00 */
  if (*p == '/')
    {
      p++;
      /* RFC 9636 §3.3.1: hours may be signed and range from -167 to 167. */
      if (!parse_hms (&p, 167, &r->time))
        return FALSE;
    }
  *pp = p;
  return TRUE;
}

static gboolean
parse_posix_tz (const char *s, PosixTz *tz, GError **error)
{
  const char *p = s;
  gint32 off;

  memset (tz, 0, sizeof *tz);
  if (!parse_name (&p, tz->std.abbr))
    goto bad;
  /* POSIX offsets are hours west of Greenwich; utoff is seconds east. Hours up to 24 in
   * POSIX; we accept up to 167 like the rule times. */
  if (!parse_hms (&p, 167, &off))
    goto bad;
  tz->std.utoff = -off;
  tz->std.isdst = FALSE;

  if (*p != '\0')
    {
      tz->has_dst = TRUE;
      if (!parse_name (&p, tz->dst.abbr))
        goto bad;
      tz->dst.isdst = TRUE;
      tz->dst.utoff = tz->std.utoff + 3600;   /* default: one hour ahead of standard */
      if (*p != ',' && *p != '\0')
        {
          if (!parse_hms (&p, 167, &off))
            goto bad;
          tz->dst.utoff = -off;
        }
      if (*p == ',')
        {
          p++;
          if (!parse_rule (&p, &tz->start) || *p++ != ',' || !parse_rule (&p, &tz->end))
            goto bad;
        }
      else
        {
          /* No rules (POSIX leaves them to the implementation): glibc takes them from
           * posixrules, i.e. America/New_York, which is M3.2.0,M11.1.0 since 2007. */
          tz->start = (Rule) { RULE_MONTH, 0, 2, 3, 7200 };
          tz->end = (Rule) { RULE_MONTH, 0, 1, 11, 7200 };
        }
      if (*p != '\0')
        goto bad;
    }

  tz->valid = TRUE;
  return TRUE;

bad:
  g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_BAD_POSIX_TZ,
               _("“%s” is not a valid POSIX TZ string (expected e.g. “KST-9” or "
                 "“EST5EDT,M3.2.0,M11.1.0”)"), s);
  return FALSE;
}

/* A DST event of the footer: at @when (UTC) DST begins (@dst TRUE) or ends. */
typedef struct {
  gint64   when;
  gboolean dst;
} Event;

static int
event_cmp (const void *a, const void *b)
{
  const Event *x = a, *y = b;
  if (x->when != y->when)
    return x->when < y->when ? -1 : 1;
  /* Ties: an end and the next start at the same instant mean DST all year (tzfile(5),
   * e.g. "EST5EDT,0/0,J365/25"): let the start win by sorting it last. */
  return (int) x->dst - (int) y->dst;
}

/* The footer's events for years @y0..@y1 (at most 5 years), sorted. */
static guint
posix_events (const PosixTz *tz, gint64 y0, gint64 y1, Event *ev)
{
  guint n = 0;
  for (gint64 y = y0; y <= y1; y++)
    {
      ev[n++] = (Event) { rule_instant (&tz->start, y, tz->std.utoff), TRUE };
      ev[n++] = (Event) { rule_instant (&tz->end, y, tz->dst.utoff), FALSE };
    }
  qsort (ev, n, sizeof *ev, event_cmp);
  return n;
}

static gint64
clamp_rule_time (gint64 t)
{
  return CLAMP (t, -RULE_TIME_LIMIT, RULE_TIME_LIMIT);
}

static gint64
utc_year (gint64 t)
{
  return year_of_days (floor_div (t, 86400));
}

/* Whether DST is in force at @t under the footer rules. */
static gboolean
posix_is_dst (const PosixTz *tz, gint64 t)
{
  Event ev[8];
  guint n;
  gboolean dst = FALSE;
  gint64 y;

  if (!tz->has_dst)
    return FALSE;
  t = clamp_rule_time (t);
  y = utc_year (t);
  n = posix_events (tz, y - 2, y + 1, ev);
  for (guint i = 0; i < n && ev[i].when <= t; i++)
    dst = ev[i].dst;
  return dst;
}

/* The first instant after @t at which the footer changes state, or FALSE if it never does
 * (no DST, or DST all year). */
static gboolean
posix_next_change (const PosixTz *tz, gint64 t, gint64 *out_when, gboolean *out_dst)
{
  Event ev[10];
  guint n;
  gboolean cur;
  gint64 y, horizon;

  if (!tz->has_dst || t >= RULE_TIME_LIMIT)
    return FALSE;
  t = MAX (t, -RULE_TIME_LIMIT);
  cur = posix_is_dst (tz, t);
  y = utc_year (t);
  /* Rules repeat yearly: a change exists within two years of @t or never. Events of year
   * y+3 are generated only to pair with those of y+2 (an end tied to the next start means
   * no change); a year's events lie within ±15 days of it (rule hours and offsets are at
   * most 167 h), so nothing from past the horizon is trusted. */
  n = posix_events (tz, y - 1, y + 3, ev);
  horizon = days_from_civil (y + 3, 1, 1) * 86400 - 15 * 86400;
  for (guint i = 0; i < n; i++)
    {
      if (ev[i].when <= t)
        continue;
      if (ev[i].when >= horizon)
        return FALSE;
      /* Fold events at the same instant into the state after them. */
      gboolean after = ev[i].dst;
      while (i + 1 < n && ev[i + 1].when == ev[i].when)
        after = ev[++i].dst;
      if (after != cur)
        {
          *out_when = ev[i].when;
          *out_dst = after;
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- TZif parsing ---- */

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static gint64
be64 (const guint8 *p)
{
  return (gint64) ((guint64) be32 (p) << 32 | be32 (p + 4));
}

typedef struct {
  guint32 isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
  int     version;
} Header;

static gboolean
bad_tzif (GError **error, const char *why)
{
  g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_BAD_TZIF, _("Not a valid TZif file: %s"), why);
  return FALSE;
}

static gboolean
parse_header (const guint8 *data, gsize len, Header *h, GError **error)
{
  if (len < TZIF_HEADER_LEN)
    return bad_tzif (error, _("truncated header"));
  if (memcmp (data, "TZif", 4) != 0)
    return bad_tzif (error, _("wrong magic (not “TZif”)"));
  switch (data[4])
    {
    case 0:   h->version = 1; break;
    case '2': h->version = 2; break;
    case '3': h->version = 3; break;
    case '4': h->version = 4; break;
    default:  return bad_tzif (error, _("unknown version"));
    }
  h->isutcnt = be32 (data + 20);
  h->isstdcnt = be32 (data + 24);
  h->leapcnt = be32 (data + 28);
  h->timecnt = be32 (data + 32);
  h->typecnt = be32 (data + 36);
  h->charcnt = be32 (data + 40);
  /* RFC 9636 §3.1: typecnt and charcnt nonzero; isutcnt/isstdcnt zero or typecnt. Types are
   * indexed by one byte, so at most 256. */
  if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0)
    return bad_tzif (error, _("no local time types"));
  if ((h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
      (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
    return bad_tzif (error, _("inconsistent counts"));
  if (h->timecnt > TZIF_MAX_FILE || h->leapcnt > TZIF_MAX_FILE || h->charcnt > TZIF_MAX_FILE)
    return bad_tzif (error, _("counts too large"));
  return TRUE;
}

static gsize
block_len (const Header *h, gsize time_size)
{
  return (gsize) h->timecnt * time_size + h->timecnt + (gsize) h->typecnt * 6 + h->charcnt +
         (gsize) h->leapcnt * (time_size + 4) + h->isstdcnt + h->isutcnt;
}

/* Parse one data block (32-bit times for v1, 64-bit for v2+). */
static gboolean
parse_block (MrdTzif *tz, const Header *h, const guint8 *p, gsize time_size, GError **error)
{
  const guint8 *idx, *ttinfo, *chars;

  tz->n_trans = h->timecnt;
  tz->trans = g_new (gint64, MAX (h->timecnt, 1));
  tz->trans_type = g_new (guint8, MAX (h->timecnt, 1));
  for (guint i = 0; i < h->timecnt; i++)
    {
      tz->trans[i] = time_size == 8 ? be64 (p + i * 8) : (gint64) (gint32) be32 (p + i * 4);
      if (i > 0 && tz->trans[i] <= tz->trans[i - 1])
        return bad_tzif (error, _("transition times not ascending"));
    }
  idx = p + (gsize) h->timecnt * time_size;
  ttinfo = idx + h->timecnt;
  chars = ttinfo + (gsize) h->typecnt * 6;

  for (guint i = 0; i < h->timecnt; i++)
    {
      if (idx[i] >= h->typecnt)
        return bad_tzif (error, _("transition type out of range"));
      tz->trans_type[i] = idx[i];
    }

  tz->n_types = h->typecnt;
  tz->types = g_new0 (LocalType, h->typecnt);
  for (guint i = 0; i < h->typecnt; i++)
    {
      const guint8 *t = ttinfo + i * 6;
      gint32 utoff = (gint32) be32 (t);
      guint8 isdst = t[4], desig = t[5];
      const char *abbr, *nul;

      /* RFC 9636 §3.2: utoff must not be -2^31; isdst 0 or 1; desigidx within chars and
       * the designation NUL-terminated there. */
      if (utoff == G_MININT32 || isdst > 1 || desig >= h->charcnt)
        return bad_tzif (error, _("bad local time type"));
      abbr = (const char *) chars + desig;
      nul = memchr (abbr, '\0', h->charcnt - desig);
      if (nul == NULL)
        return bad_tzif (error, _("unterminated time zone abbreviation"));
      tz->types[i].utoff = utoff;
      tz->types[i].isdst = isdst;
      g_strlcpy (tz->types[i].abbr, abbr, sizeof tz->types[i].abbr);
    }
  /* Leap second records (RFC 9636 §3.2): the time, in the zone's own count of seconds
   * (which includes the leap seconds before), from which the total correction is the one
   * given. Each correction differs from the one before by one second (an inserted or deleted
   * second; the first from 0); a last record that repeats it only says when the table
   * expires. They do not change the local time of POSIX ("posix/") zones, and the std/ut
   * indicators are skipped. A table that breaks these rules gives no leap seconds (local
   * time is read all the same). An inserted second is the day's 23:59:60: its time, less the
   * correction before it, is the UTC midnight that follows it. A deleted one is the day's
   * 23:59:59, a second before that midnight. */
  {
    const guint8 *rec = chars + h->charcnt;
    gint32 before = 0;
    gint64 last = G_MININT64;

    tz->leaps = g_new0 (MrdTzLeap, MAX (h->leapcnt, 1));
    tz->n_leaps = 0;
    for (guint i = 0; i < h->leapcnt; i++, rec += time_size + 4)
      {
        gint64 at = time_size == 8 ? be64 (rec) : (gint64) (gint32) be32 (rec);
        gint32 corr = (gint32) be32 (rec + time_size);
        gint64 change = (gint64) corr - before;
        gint64 midnight;

        /* No leap second lies near the ends of 64-bit time (and the arithmetic below would
         * overflow there): a table that says so is none. */
        if (at > G_MAXINT64 / 2 || at < G_MININT64 / 2)
          {
            tz->n_leaps = 0;
            break;
          }
        midnight = at - before + (change < 0 ? 1 : 0);
        if (change == 0 && i == h->leapcnt - 1 && i > 0 && at > last)
          break;   /* the expiry */
        /* not a table of leap seconds (out of order, not a second on, not at the end of a
         * UTC day): none is taken from it (local time, which it does not change, is still
         * read) */
        if (at <= last || (i == 0 && at < 0) || (change != 1 && change != -1) ||
            midnight % 86400 != 0)
          {
            tz->n_leaps = 0;
            break;
          }
        last = at;
        tz->leaps[tz->n_leaps].utc_midnight = midnight;
        tz->leaps[tz->n_leaps].sign = (int) change;
        tz->n_leaps++;
        before = corr;
      }
  }
  return TRUE;
}

static void
tzif_clear_data (MrdTzif *tz)
{
  g_clear_pointer (&tz->types, g_free);
  g_clear_pointer (&tz->trans, g_free);
  g_clear_pointer (&tz->trans_type, g_free);
  g_clear_pointer (&tz->leaps, g_free);
  tz->n_leaps = 0;
  tz->n_types = tz->n_trans = 0;
}

MrdTzif *
mrd_tzif_new_from_data (const guint8 *data, gsize len, GError **error)
{
  g_autoptr(MrdTzif) tz = g_new0 (MrdTzif, 1);
  Header h1, h2;
  gsize v1_len;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    {
      bad_tzif (error, _("empty"));
      return NULL;
    }
  if (!parse_header (data, len, &h1, error))
    return NULL;
  v1_len = block_len (&h1, 4);
  if (len - TZIF_HEADER_LEN < v1_len)
    {
      bad_tzif (error, _("truncated data"));
      return NULL;
    }
  tz->version = h1.version;

  if (h1.version == 1)
    {
      if (!parse_block (tz, &h1, data + TZIF_HEADER_LEN, 4, error))
        return NULL;
      return g_steal_pointer (&tz);
    }

  /* v2+: skip the v1 block; the second header and 64-bit block are authoritative. */
  {
    const guint8 *p = data + TZIF_HEADER_LEN + v1_len;
    gsize rest = len - TZIF_HEADER_LEN - v1_len;
    gsize v2_len;
    const guint8 *footer, *nl;

    if (!parse_header (p, rest, &h2, error))
      return NULL;
    if (h2.version != h1.version)
      {
        bad_tzif (error, _("the two headers disagree on the version"));
        return NULL;
      }
    v2_len = block_len (&h2, 8);
    if (rest - TZIF_HEADER_LEN < v2_len)
      {
        bad_tzif (error, _("truncated 64-bit data"));
        return NULL;
      }
    if (!parse_block (tz, &h2, p + TZIF_HEADER_LEN, 8, error))
      return NULL;

    /* Footer: "\n" TZ-string "\n" (RFC 9636 §3.3). */
    footer = p + TZIF_HEADER_LEN + v2_len;
    rest = len - (gsize) (footer - data);
    if (rest < 2 || footer[0] != '\n')
      {
        bad_tzif (error, _("missing footer"));
        return NULL;
      }
    nl = memchr (footer + 1, '\n', rest - 1);
    if (nl == NULL)
      {
        bad_tzif (error, _("unterminated footer"));
        return NULL;
      }
    tz->footer = g_strndup ((const char *) footer + 1, (gsize) (nl - footer - 1));
    if (strlen (tz->footer) != (gsize) (nl - footer - 1))
      {
        bad_tzif (error, _("NUL byte in footer"));
        return NULL;
      }
    if (tz->footer[0] != '\0' && !parse_posix_tz (tz->footer, &tz->posix, error))
      return NULL;
  }
  return g_steal_pointer (&tz);
}

MrdTzif *
mrd_tzif_new_from_file (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  MrdTzif *tz;
  int err;

  g_return_val_if_fail (path != NULL, NULL);

  /* A regular file only (a FIFO or device there is refused without blocking), bounded. */
  err = mrd_tz_read_regular_path (path, TZIF_MAX_FILE, &contents, &len);
  if (err == EFBIG)
    {
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_BAD_TZIF,
                   _("%s: too large for a TZif file"), path);
      return NULL;
    }
  if (err != 0)
    {
      g_set_error (error, MRD_TZ_ERROR, MRD_TZ_ERROR_FAILED, _("Cannot read %s: %s"), path,
                   mrd_tz_read_strerror (err));
      return NULL;
    }
  tz = mrd_tzif_new_from_data ((const guint8 *) contents, len, &local);
  if (tz == NULL)
    {
      g_set_error (error, MRD_TZ_ERROR, local->code, "%s: %s", path, local->message);
      return NULL;
    }
  return tz;
}

MrdTzif *
mrd_tzif_new_from_posix (const char *posix_tz, GError **error)
{
  g_autoptr(MrdTzif) tz = NULL;

  g_return_val_if_fail (posix_tz != NULL, NULL);

  tz = g_new0 (MrdTzif, 1);
  if (!parse_posix_tz (posix_tz, &tz->posix, error))
    return NULL;
  tz->version = 0;
  tz->footer = g_strdup (posix_tz);
  tz->n_types = 1;
  tz->types = g_new0 (LocalType, 1);
  tz->types[0] = tz->posix.std;
  return g_steal_pointer (&tz);
}

void
mrd_tzif_free (MrdTzif *tzif)
{
  if (tzif == NULL)
    return;
  tzif_clear_data (tzif);
  g_free (tzif->footer);
  g_free (tzif);
}

const MrdTzLeap *
mrd_tzif_get_leap_seconds (const MrdTzif *tzif, guint *n_leaps)
{
  g_return_val_if_fail (tzif != NULL && n_leaps != NULL, NULL);
  *n_leaps = tzif->n_leaps;
  return tzif->leaps;
}

int
mrd_tzif_get_version (const MrdTzif *tzif)
{
  g_return_val_if_fail (tzif != NULL, 0);
  return tzif->version;
}

const char *
mrd_tzif_get_footer (const MrdTzif *tzif)
{
  g_return_val_if_fail (tzif != NULL, NULL);
  return tzif->footer;
}

/* ---- describing an instant ---- */

static const LocalType *
posix_type (const PosixTz *tz, gboolean dst)
{
  return dst ? &tz->dst : &tz->std;
}

/* Whether the footer governs instant @t: after the last transition (RFC 9636 §3.3), or
 * always when there are no transitions at all. */
static gboolean
footer_governs (const MrdTzif *tz, gint64 t)
{
  return tz->posix.valid && (tz->n_trans == 0 || t >= tz->trans[tz->n_trans - 1]);
}

/* Index of the last transition <= t, or -1. */
static gssize
find_transition (const MrdTzif *tz, gint64 t)
{
  gssize lo = 0, hi = (gssize) tz->n_trans - 1, ans = -1;
  while (lo <= hi)
    {
      gssize mid = lo + (hi - lo) / 2;
      if (tz->trans[mid] <= t)
        {
          ans = mid;
          lo = mid + 1;
        }
      else
        hi = mid - 1;
    }
  return ans;
}

static const LocalType *
type_at (const MrdTzif *tz, gint64 t)
{
  gssize i;

  if (footer_governs (tz, t))
    return posix_type (&tz->posix, posix_is_dst (&tz->posix, t));
  i = find_transition (tz, t);
  /* Before the first transition: time type 0 (RFC 9636 §3.2). */
  return &tz->types[i < 0 ? 0 : tz->trans_type[i]];
}

static gboolean
same_type (const LocalType *a, const LocalType *b)
{
  return a->utoff == b->utoff && a->isdst == b->isdst && strcmp (a->abbr, b->abbr) == 0;
}

static void
fill (const LocalType *t, gint32 *utoff, gboolean *isdst, char *abbr)
{
  *utoff = t->utoff;
  *isdst = t->isdst;
  g_strlcpy (abbr, t->abbr, MRD_TZ_ABBREV_MAX);
}

void
mrd_tzif_describe (const MrdTzif *tzif, gint64 at, MrdTzDescription *out)
{
  const LocalType *cur;

  g_return_if_fail (tzif != NULL && out != NULL);

  memset (out, 0, sizeof *out);
  out->at = at;
  cur = type_at (tzif, at);
  fill (cur, &out->utc_offset, &out->is_dst, out->abbreviation);

  /* Explicit transitions after @at; ones that change nothing are skipped, as zdump does. */
  if (!footer_governs (tzif, at))
    {
      gssize i = find_transition (tzif, at);
      for (guint k = (guint) (i + 1); k < tzif->n_trans; k++)
        {
          const LocalType *next = type_at (tzif, tzif->trans[k]);
          if (!same_type (next, cur))
            {
              out->has_next = TRUE;
              out->next_transition = tzif->trans[k];
              fill (next, &out->next_utc_offset, &out->next_is_dst, out->next_abbreviation);
              return;
            }
          cur = next;
        }
    }

  /* Past the table: the footer's rules. */
  if (tzif->posix.valid)
    {
      gint64 t = MAX (at, tzif->n_trans > 0 ? tzif->trans[tzif->n_trans - 1] : at);
      gint64 when;
      gboolean dst;

      while (posix_next_change (&tzif->posix, t, &when, &dst))
        {
          const LocalType *next = posix_type (&tzif->posix, dst);
          if (!same_type (next, cur))
            {
              out->has_next = TRUE;
              out->next_transition = when;
              fill (next, &out->next_utc_offset, &out->next_is_dst, out->next_abbreviation);
              return;
            }
          cur = next;
          t = when;
        }
    }
}
