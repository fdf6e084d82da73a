/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TZif reader (RFC 9636) on real files and on v1/v2/v3/v4 files built here, and the
 * POSIX TZ rules checked against glibc's own implementation (tzset(3), localtime_r(3)). */
#include "tz-test-util.h"

#include <stdlib.h>
#include <time.h>

#include "mrd-tz.h"

/* ---- a TZif writer for the tests (RFC 9636 §3) ---- */

typedef struct {
  gint32 utoff;
  guint8 isdst;
  const char *abbr;
} TType;

typedef struct {
  char version;            /* 0, '2', '3', '4' */
  const gint64 *trans;
  const guint8 *idx;
  guint n_trans;
  const TType *types;
  guint n_types;
  guint n_leap;            /* leap second records, to be skipped by the reader */
  const char *footer;      /* v2+; NULL → "" */
} Spec;

static void
put32 (GByteArray *b, guint32 v)
{
  guint8 x[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (b, x, 4);
}

static void
put64 (GByteArray *b, gint64 v)
{
  put32 (b, (guint32) ((guint64) v >> 32));
  put32 (b, (guint32) v);
}

/* One header + data block; @empty writes a v1 block with no transitions (allowed for v2+
 * files, whose readers use the second block). */
static void
put_block (GByteArray *b, const Spec *s, gboolean wide, gboolean empty)
{
  GString *chars = g_string_new (NULL);
  guint desig[16];
  guint n_trans = empty ? 0 : s->n_trans;
  guint n_leap = empty ? 0 : s->n_leap;
  guint8 ver = (guint8) s->version;

  g_assert (s->n_types <= G_N_ELEMENTS (desig));
  for (guint i = 0; i < s->n_types; i++)
    {
      desig[i] = chars->len;
      g_string_append (chars, s->types[i].abbr);
      g_string_append_c (chars, '\0');
    }
  g_byte_array_append (b, (const guint8 *) "TZif", 4);
  g_byte_array_append (b, &ver, 1);
  for (int i = 0; i < 15; i++)
    g_byte_array_append (b, (const guint8 *) "", 1);
  put32 (b, 0);                 /* isutcnt */
  put32 (b, 0);                 /* isstdcnt */
  put32 (b, n_leap);
  put32 (b, n_trans);
  put32 (b, s->n_types);
  put32 (b, chars->len);
  for (guint i = 0; i < n_trans; i++)
    {
      if (wide)
        put64 (b, s->trans[i]);
      else
        put32 (b, (guint32) (gint32) s->trans[i]);
    }
  for (guint i = 0; i < n_trans; i++)
    g_byte_array_append (b, &s->idx[i], 1);
  for (guint i = 0; i < s->n_types; i++)
    {
      guint8 x[2] = { s->types[i].isdst, (guint8) desig[i] };
      put32 (b, (guint32) s->types[i].utoff);
      g_byte_array_append (b, x, 2);
    }
  g_byte_array_append (b, (const guint8 *) chars->str, chars->len);
  for (guint i = 0; i < n_leap; i++)
    {
      if (wide)
        put64 (b, 78796800 + (gint64) i * 15778800);
      else
        put32 (b, 78796800 + i * 15778800);
      put32 (b, i + 1);
    }
  g_string_free (chars, TRUE);
}

static GByteArray *
build (const Spec *s)
{
  GByteArray *b = g_byte_array_new ();
  if (s->version == 0)
    {
      put_block (b, s, FALSE, FALSE);
      return b;
    }
  put_block (b, s, FALSE, TRUE);
  put_block (b, s, TRUE, FALSE);
  g_byte_array_append (b, (const guint8 *) "\n", 1);
  if (s->footer != NULL)
    g_byte_array_append (b, (const guint8 *) s->footer, strlen (s->footer));
  g_byte_array_append (b, (const guint8 *) "\n", 1);
  return b;
}

static MrdTzif *
parse_ok (GByteArray *b)
{
  g_autoptr(GError) error = NULL;
  MrdTzif *tz = mrd_tzif_new_from_data (b->data, b->len, &error);
  if (tz == NULL)
    fail_msg ("parse failed: %s", error->message);
  return tz;
}

static gint64
utc (int y, int mo, int d, int h, int mi, int s)
{
  struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                   .tm_hour = h, .tm_min = mi, .tm_sec = s };
  return (gint64) timegm (&tm);
}

static void
assert_desc (const MrdTzif *tz, gint64 t, gint32 off, gboolean dst, const char *abbr)
{
  MrdTzDescription d;
  mrd_tzif_describe (tz, t, &d);
  if (d.utc_offset != off || d.is_dst != dst || strcmp (d.abbreviation, abbr) != 0)
    fail_msg ("at %" G_GINT64_FORMAT ": got %d %d %s, want %d %d %s", t, d.utc_offset,
              d.is_dst, d.abbreviation, off, dst, abbr);
}

static void
assert_next (const MrdTzif *tz, gint64 t, gint64 when, gint32 off, gboolean dst,
             const char *abbr)
{
  MrdTzDescription d;
  mrd_tzif_describe (tz, t, &d);
  if (!d.has_next || d.next_transition != when || d.next_utc_offset != off ||
      d.next_is_dst != dst || strcmp (d.next_abbreviation, abbr) != 0)
    fail_msg ("after %" G_GINT64_FORMAT ": got next %d %" G_GINT64_FORMAT " %d %d %s, "
              "want %" G_GINT64_FORMAT " %d %d %s", t, d.has_next, d.next_transition,
              d.next_utc_offset, d.next_is_dst, d.next_abbreviation, when, off, dst, abbr);
}

static void
assert_no_next (const MrdTzif *tz, gint64 t)
{
  MrdTzDescription d;
  mrd_tzif_describe (tz, t, &d);
  if (d.has_next)
    fail_msg ("after %" G_GINT64_FORMAT ": unexpected next transition at %" G_GINT64_FORMAT,
              t, d.next_transition);
}

/* ---- crafted files ---- */

static const TType korea[] = { { 30472, 0, "LMT" }, { 32400, 0, "KST" }, { 36000, 1, "KDT" } };

static void
v1_file_uses_32bit_table_and_last_type_after_it (void **state)
{
  static const gint64 trans[] = { -1000000000, 500000000, 520000000 };
  static const guint8 idx[] = { 1, 2, 1 };
  Spec s = { 0, trans, idx, 3, korea, 3, 0, NULL };
  g_autoptr(GByteArray) b = build (&s);
  g_autoptr(MrdTzif) tz = parse_ok (b);

  assert_int_equal (mrd_tzif_get_version (tz), 1);
  assert_null (mrd_tzif_get_footer (tz));
  /* before the first transition: type 0 (RFC 9636 §3.2) */
  assert_desc (tz, -2000000000, 30472, FALSE, "LMT");
  assert_next (tz, -2000000000, -1000000000, 32400, FALSE, "KST");
  assert_desc (tz, 499999999, 32400, FALSE, "KST");
  assert_next (tz, 499999999, 500000000, 36000, TRUE, "KDT");
  assert_desc (tz, 500000000, 36000, TRUE, "KDT");
  assert_next (tz, 500000000, 520000000, 32400, FALSE, "KST");
  /* after the last one, no footer: the last type forever */
  assert_desc (tz, 2000000000, 32400, FALSE, "KST");
  assert_no_next (tz, 520000000);
}

static void
v2_file_uses_64bit_table_beyond_2038 (void **state)
{
  /* 4e9 does not fit in 32 bits; the v1 block is empty, so only the v2 block can say this */
  static const gint64 trans[] = { 100000000, G_GINT64_CONSTANT (4000000000) };
  static const guint8 idx[] = { 1, 2 };
  Spec s = { '2', trans, idx, 2, korea, 3, 0, "" };
  g_autoptr(GByteArray) b = build (&s);
  g_autoptr(MrdTzif) tz = parse_ok (b);

  assert_int_equal (mrd_tzif_get_version (tz), 2);
  assert_string_equal (mrd_tzif_get_footer (tz), "");
  assert_next (tz, 200000000, G_GINT64_CONSTANT (4000000000), 36000, TRUE, "KDT");
  /* empty footer: the last type stays */
  assert_desc (tz, G_GINT64_CONSTANT (5000000000), 36000, TRUE, "KDT");
  assert_no_next (tz, G_GINT64_CONSTANT (4000000000));
}

static void
transitions_that_change_nothing_are_skipped (void **state)
{
  /* type 1 and 3 are identical: zdump shows no transition between them */
  static const TType types[] = { { 0, 0, "UTC" }, { 3600, 0, "CET" }, { 7200, 1, "CEST" },
                                 { 3600, 0, "CET" } };
  static const gint64 trans[] = { 1000, 2000, 3000 };
  static const guint8 idx[] = { 1, 3, 2 };
  Spec s = { '2', trans, idx, 3, types, 4, 0, "" };
  g_autoptr(GByteArray) b = build (&s);
  g_autoptr(MrdTzif) tz = parse_ok (b);

  assert_next (tz, 1000, 3000, 7200, TRUE, "CEST");
}

static void
footer_rules_apply_after_the_table (void **state)
{
  /* America/New_York-like: table ends in 2007, footer from then on (2007 US rules) */
  static const TType types[] = { { -18000, 0, "EST" }, { -14400, 1, "EDT" } };
  static const gint64 trans[] = { 1173596400 /* 2007-03-11 07:00Z */ };
  static const guint8 idx[] = { 1 };
  Spec s = { '2', trans, idx, 1, types, 2, 0, "EST5EDT,M3.2.0,M11.1.0" };
  g_autoptr(GByteArray) b = build (&s);
  g_autoptr(MrdTzif) tz = parse_ok (b);

  /* 2007-11-04 02:00 EDT = 06:00Z, first Sunday of November */
  assert_next (tz, 1173596400, utc (2007, 11, 4, 6, 0, 0), -18000, FALSE, "EST");
  /* 2030: second Sunday of March is the 10th, 02:00 EST = 07:00Z */
  assert_next (tz, utc (2030, 1, 1, 0, 0, 0), utc (2030, 3, 10, 7, 0, 0), -14400, TRUE, "EDT");
  assert_desc (tz, utc (2030, 3, 10, 6, 59, 59), -18000, FALSE, "EST");
  assert_desc (tz, utc (2030, 3, 10, 7, 0, 0), -14400, TRUE, "EDT");
  /* far beyond 2037: 2500-11-07 is the first Sunday of November 2500 */
  assert_next (tz, utc (2500, 7, 1, 0, 0, 0), utc (2500, 11, 7, 6, 0, 0), -18000, FALSE, "EST");
}

static void
v3_footer_with_negative_and_large_rule_hours (void **state)
{
  /* America/Nuuk since 2023: <-02>2<-01>,M3.5.0/-1,M10.5.0/0 (RFC 9636 §3.3.1) */
  static const TType types[] = { { -7200, 0, "-02" }, { -3600, 1, "-01" } };
  static const gint64 trans[] = { 1679792400 };
  static const guint8 idx[] = { 1 };
  Spec s = { '3', trans, idx, 1, types, 2, 0, "<-02>2<-01>,M3.5.0/-1,M10.5.0/0" };
  g_autoptr(GByteArray) b = build (&s);
  g_autoptr(MrdTzif) tz = parse_ok (b);

  assert_int_equal (mrd_tzif_get_version (tz), 3);
  /* last Sunday of March 2030 is the 31st; -1:00 local (-02) = Mar 30 23:00 -02 = 31 01:00Z */
  assert_next (tz, utc (2030, 1, 1, 0, 0, 0), utc (2030, 3, 31, 1, 0, 0), -3600, TRUE, "-01");
  /* last Sunday of October 2030 is the 27th; 00:00 local (-01) = 01:00Z */
  assert_next (tz, utc (2030, 6, 1, 0, 0, 0), utc (2030, 10, 27, 1, 0, 0), -7200, FALSE, "-02");

  {
    /* hours up to 167: start = 2nd Sunday of March (2030-03-10) - 167 h local standard
     * (UTC-3) = 2030-03-03 01:00 -03 = 04:00Z */
    g_autoptr(GError) error = NULL;
    g_autoptr(MrdTzif) p = mrd_tzif_new_from_posix ("XXX3YYY,M3.2.0/-167,M11.1.0/167", &error);
    assert_non_null (p);
    assert_next (p, utc (2030, 1, 1, 0, 0, 0), utc (2030, 3, 3, 4, 0, 0), -7200, TRUE, "YYY");
    /* end = first Sunday of November (2030-11-03) + 167 h local DST (UTC-2)
     * = 2030-11-09 23:00 -02 = 2030-11-10 01:00Z */
    assert_next (p, utc (2030, 6, 1, 0, 0, 0), utc (2030, 11, 10, 1, 0, 0), -10800, FALSE, "XXX");
  }
}

static void
dst_all_year_has_no_transitions (void **state)
{
  /* tzfile(5): "EST5EDT,0/0,J365/25" is daylight saving time all year */
  static const TType types[] = { { -18000, 0, "EST" }, { -14400, 1, "EDT" } };
  static const gint64 trans[] = { 1000000000 };
  static const guint8 idx[] = { 1 };
  Spec s = { '3', trans, idx, 1, types, 2, 0, "EST5EDT,0/0,J365/25" };
  g_autoptr(GByteArray) b = build (&s);
  g_autoptr(MrdTzif) tz = parse_ok (b);

  for (int y = 2002; y < 2040; y += 3)
    {
      /* around every new year and mid-year */
      assert_desc (tz, utc (y, 1, 1, 4, 59, 59), -14400, TRUE, "EDT");
      assert_desc (tz, utc (y, 1, 1, 5, 0, 0), -14400, TRUE, "EDT");
      assert_desc (tz, utc (y, 12, 31, 23, 0, 0), -14400, TRUE, "EDT");
      assert_desc (tz, utc (y, 7, 1, 0, 0, 0), -14400, TRUE, "EDT");
    }
  assert_no_next (tz, 1000000000);
  assert_no_next (tz, utc (2030, 12, 31, 12, 0, 0));
}

static void
v4_file_with_leap_records_parses (void **state)
{
  static const gint64 trans[] = { 100, 200 };
  static const guint8 idx[] = { 1, 2 };
  Spec s = { '4', trans, idx, 2, korea, 3, 3, "KST-9" };
  g_autoptr(GByteArray) b = build (&s);
  g_autoptr(MrdTzif) tz = parse_ok (b);

  assert_int_equal (mrd_tzif_get_version (tz), 4);
  assert_string_equal (mrd_tzif_get_footer (tz), "KST-9");
  assert_desc (tz, 150, 32400, FALSE, "KST");
  /* at the last transition the footer takes over: KST, and it never changes */
  assert_desc (tz, 200, 32400, FALSE, "KST");
  assert_no_next (tz, 150);
}

static void
julian_rules_count_days_as_posix_says (void **state)
{
  /* Jn ignores Feb 29: J60 is March 1 in every year. n counts it: 59 is Feb 29 in 2028,
   * Mar 1 in 2029. Times default to 02:00. */
  g_autoptr(MrdTzif) j = mrd_tzif_new_from_posix ("AAA0BBB,J60,J300", NULL);
  g_autoptr(MrdTzif) n = mrd_tzif_new_from_posix ("AAA0BBB,59,299", NULL);

  assert_non_null (j);
  assert_non_null (n);
  assert_next (j, utc (2028, 1, 1, 0, 0, 0), utc (2028, 3, 1, 2, 0, 0), 3600, TRUE, "BBB");
  assert_next (n, utc (2028, 1, 1, 0, 0, 0), utc (2028, 2, 29, 2, 0, 0), 3600, TRUE, "BBB");
  assert_next (n, utc (2029, 1, 1, 0, 0, 0), utc (2029, 3, 1, 2, 0, 0), 3600, TRUE, "BBB");
}

/* Compare our POSIX rules with glibc's for many instants of 2000–2060. Not the DST-all-year
 * form: glibc evaluates the rules per UTC calendar year and so shows standard time for the
 * first hours of each UTC year ("EST5EDT,0/0,J365/25": EST from 00:00Z to 05:00Z on Jan 1),
 * which tzfile(5) says is permanent DST; dst_all_year_has_no_transitions covers it. */
static void
posix_rules_agree_with_glibc (void **state)
{
  static const char *const strings[] = {
    "EST5EDT,M3.2.0,M11.1.0", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "IST-2IDT,M3.4.4/26,M10.5.0",
    "AEST-10AEDT,M10.1.0,M4.1.0/3", "IST-1GMT0,M10.5.0,M3.5.0/1", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
    "NZST-12NZDT,M9.5.0,M4.1.0/3", "<-03>3<-02>,M3.2.0,M11.1.0",
    "XXX3YYY,M3.2.0/-167,M11.1.0/167", "CET-1CEST,M3.5.0,M10.5.0/3", "KST-9", "<+0545>-5:45",
    "AAA0BBB,J60,J300", "AAA0BBB,59,299",
  };
  g_autofree char *old_tz = g_strdup (g_getenv ("TZ"));

  for (gsize i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MrdTzif) tz = mrd_tzif_new_from_posix (strings[i], &error);
      if (tz == NULL)
        fail_msg ("%s: %s", strings[i], error->message);
      setenv ("TZ", strings[i], 1);
      tzset ();
      for (gint64 t = utc (2000, 1, 1, 0, 0, 0); t < utc (2060, 1, 1, 0, 0, 0); t += 86400 * 5 + 3607)
        {
          MrdTzDescription d;
          struct tm tm;
          time_t tt = (time_t) t;
          char abbr[64];

          mrd_tzif_describe (tz, t, &d);
          localtime_r (&tt, &tm);
          strftime (abbr, sizeof abbr, "%Z", &tm);
          if (d.utc_offset != tm.tm_gmtoff || d.is_dst != (tm.tm_isdst > 0) ||
              strcmp (d.abbreviation, abbr) != 0)
            fail_msg ("%s at %" G_GINT64_FORMAT ": got %d %d %s, glibc %ld %d %s", strings[i],
                      t, d.utc_offset, d.is_dst, d.abbreviation, tm.tm_gmtoff, tm.tm_isdst, abbr);
          if (d.has_next)
            {
              /* glibc: the second before is still the current state, the instant is new */
              time_t before = (time_t) (d.next_transition - 1), at = (time_t) d.next_transition;
              struct tm b, a;
              localtime_r (&before, &b);
              localtime_r (&at, &a);
              if (b.tm_gmtoff != d.utc_offset || a.tm_gmtoff != d.next_utc_offset ||
                  (a.tm_isdst > 0) != d.next_is_dst)
                fail_msg ("%s: next transition %" G_GINT64_FORMAT " disagrees with glibc",
                          strings[i], d.next_transition);
              if (d.next_transition > t + 400 * 86400)
                fail_msg ("%s: next transition more than a year away", strings[i]);
            }
        }
    }
  if (old_tz != NULL)
    setenv ("TZ", old_tz, 1);
  else
    unsetenv ("TZ");
  tzset ();
}

static void
dst_without_rules_uses_us_rules (void **state)
{
  /* POSIX leaves it to the implementation; glibc takes posixrules (America/New_York), whose
   * rules since 2007 are M3.2.0,M11.1.0. 2030-03-10 02:00 QST (-8) = 10:00Z. */
  g_autoptr(MrdTzif) tz = mrd_tzif_new_from_posix ("QST8QDT", NULL);
  assert_non_null (tz);
  assert_next (tz, utc (2030, 1, 1, 0, 0, 0), utc (2030, 3, 10, 10, 0, 0), -7 * 3600, TRUE, "QDT");
}

static void
bad_posix_strings_are_refused (void **state)
{
  static const char *const bad[] = {
    "", "K", "KS-9", "KST", "KST-9KDT,", "KST-9KDT,M13.1.0,M10.1.0", "KST-9KDT,M3.6.0,M10.1.0",
    "KST-9KDT,M3.1.7,M10.1.0", "KST-9KDT,J0,J10", "KST-9KDT,J366,J10", "KST-9KDT,366,10",
    "KST-9KDT,M3.1.0/168,M10.1.0", "<KST-9", "KST-9 junk", "KST-9KDT,M3.1.0",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MrdTzif) tz = mrd_tzif_new_from_posix (bad[i], &error);
      if (tz != NULL)
        fail_msg ("accepted “%s”", bad[i]);
      assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_BAD_POSIX_TZ));
    }
}

static void
bad_footer_is_a_clean_error (void **state)
{
  static const gint64 trans[] = { 100 };
  static const guint8 idx[] = { 1 };
  Spec s = { '2', trans, idx, 1, korea, 3, 0, "KST-9KDT,M99" };
  g_autoptr(GByteArray) b = build (&s);
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdTzif) tz = mrd_tzif_new_from_data (b->data, b->len, &error);

  assert_null (tz);
  assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_BAD_POSIX_TZ));
}

static void
structural_errors_are_refused (void **state)
{
  static const gint64 trans[] = { 200, 100 };   /* not ascending */
  static const guint8 idx[] = { 1, 1 };
  static const guint8 bad_idx[] = { 1, 7 };      /* no type 7 */
  static const gint64 ok_trans[] = { 100, 200 };
  static const TType dst2[] = { { 0, 2, "UTC" } };   /* isdst must be 0 or 1 */
  Spec descending = { '2', trans, idx, 2, korea, 3, 0, "" };
  Spec bad_type = { '2', ok_trans, bad_idx, 2, korea, 3, 0, "" };
  Spec bad_dst = { '2', NULL, NULL, 0, dst2, 1, 0, "" };
  const Spec *specs[] = { &descending, &bad_type, &bad_dst };

  for (gsize i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autoptr(GByteArray) b = build (specs[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(MrdTzif) tz = mrd_tzif_new_from_data (b->data, b->len, &error);
      assert_null (tz);
      assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_BAD_TZIF));
    }
  {
    /* version byte '5' is unknown; magic wrong */
    Spec v5 = { '5', ok_trans, idx, 2, korea, 3, 0, "" };
    g_autoptr(GByteArray) b = build (&v5);
    g_autoptr(GError) error = NULL;
    assert_null (mrd_tzif_new_from_data (b->data, b->len, &error));
    assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_BAD_TZIF));
    g_clear_error (&error);
    b->data[0] = 'X';
    assert_null (mrd_tzif_new_from_data (b->data, b->len, &error));
    assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_BAD_TZIF));
  }
}

static GByteArray *
read_real (const char *zone)
{
  g_autofree char *path = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), zone, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  GByteArray *b;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  b = g_byte_array_new ();
  g_byte_array_append (b, (const guint8 *) data, len);
  return b;
}

static void
every_truncation_of_a_real_file_is_a_clean_error (void **state)
{
  g_autoptr(GByteArray) b = read_real ("America/New_York");
  g_autoptr(MrdTzif) whole = NULL;

  if (b == NULL)
    skip ();
  whole = parse_ok (b);
  for (guint len = 0; len < b->len; len++)
    {
      /* a copy of exactly len bytes, so ASan sees any read past the end */
      g_autofree guint8 *copy = g_memdup2 (b->data, MAX (len, 1));
      g_autoptr(GError) error = NULL;
      g_autoptr(MrdTzif) tz = mrd_tzif_new_from_data (len ? copy : (const guint8 *) "", len, &error);
      if (tz != NULL)
        fail_msg ("a %u-byte prefix of %u parsed", len, b->len);
      assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_BAD_TZIF));
    }
}

static void
corrupted_bytes_never_crash (void **state)
{
  g_autoptr(GByteArray) b = read_real ("Europe/Dublin");
  GRand *rand = g_rand_new_with_seed (20261125);

  if (b == NULL)
    skip ();
  /* Each byte set to a few values (0, 0xff, random): parse must fail cleanly or give a
   * zone that can be described anywhere. */
  for (guint i = 0; i < b->len; i++)
    {
      guint8 values[3] = { 0, 0xff, (guint8) g_rand_int (rand) };
      for (int k = 0; k < 3; k++)
        {
          g_autofree guint8 *copy = g_memdup2 (b->data, b->len);
          g_autoptr(GError) error = NULL;
          g_autoptr(MrdTzif) tz = NULL;

          copy[i] = values[k];
          tz = mrd_tzif_new_from_data (copy, b->len, &error);
          if (tz != NULL)
            {
              MrdTzDescription d;
              mrd_tzif_describe (tz, G_MININT64, &d);
              mrd_tzif_describe (tz, 0, &d);
              mrd_tzif_describe (tz, G_MAXINT64, &d);
              mrd_tzif_describe (tz, 1700000000, &d);
            }
          else
            assert_non_null (error);
        }
    }
  g_rand_free (rand);
}

static void
garbage_is_a_clean_error (void **state)
{
  GRand *rand = g_rand_new_with_seed (42);
  for (int round = 0; round < 2000; round++)
    {
      gsize len = g_rand_int_range (rand, 0, 300);
      g_autofree guint8 *buf = g_malloc (MAX (len, 1));
      g_autoptr(GError) error = NULL;
      g_autoptr(MrdTzif) tz = NULL;

      for (gsize i = 0; i < len; i++)
        buf[i] = (guint8) g_rand_int (rand);
      /* half of them with a valid magic and version so parsing goes deeper */
      if (len >= 5 && round % 2 == 0)
        memcpy (buf, "TZif2", 5);
      tz = mrd_tzif_new_from_data (buf, len, &error);
      if (tz == NULL)
        assert_non_null (error);
    }
  g_rand_free (rand);
}

static void
real_files_describe_known_facts (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdTzdb) db = mrd_tzdb_load (NULL, &error);
  MrdTzDescription d;

  if (db == NULL)
    skip ();
  /* Asia/Seoul: KST, no DST since 1988 */
  assert_true (mrd_tzdb_describe_zone (db, "Asia/Seoul", utc (2026, 11, 25, 0, 0, 0), &d, &error));
  assert_int_equal (d.utc_offset, 9 * 3600);
  assert_false (d.is_dst);
  assert_string_equal (d.abbreviation, "KST");
  assert_false (d.has_next);
  /* Seoul's last DST ended 1988-10-09 03:00 KDT = 1988-10-08 17:00Z */
  assert_true (mrd_tzdb_describe_zone (db, "Asia/Seoul", utc (1988, 6, 1, 0, 0, 0), &d, &error));
  assert_string_equal (d.abbreviation, "KDT");
  assert_int_equal (d.next_transition, utc (1988, 10, 8, 17, 0, 0));
  /* New York, 2024: DST begins 2024-03-10 02:00 EST = 07:00Z */
  assert_true (mrd_tzdb_describe_zone (db, "America/New_York", utc (2024, 1, 15, 0, 0, 0), &d,
                                       &error));
  assert_int_equal (d.utc_offset, -5 * 3600);
  assert_int_equal (d.next_transition, utc (2024, 3, 10, 7, 0, 0));
  assert_int_equal (d.next_utc_offset, -4 * 3600);
  assert_true (d.next_is_dst);
  assert_string_equal (d.next_abbreviation, "EDT");
  /* a backward name works like its zone */
  assert_true (mrd_tzdb_describe_zone (db, "Asia/Calcutta", 0, &d, &error));
  assert_int_equal (d.utc_offset, 19800);
  assert_string_equal (d.abbreviation, "IST");
  /* and a bad name is refused */
  assert_false (mrd_tzdb_describe_zone (db, "Asia/../etc/passwd", 0, &d, &error));
  assert_true (g_error_matches (error, MRD_TZ_ERROR, MRD_TZ_ERROR_INVALID_NAME));
}

/* The leap seconds of right/UTC (tzdata's leap-seconds table): 27 inserted, the first at the
 * end of 30 June 1972, the last at the end of 2016; a zone that does not count them has none;
 * a table that is not one gives none (the fabricated records of `build`, six months apart
 * to the second, do not end UTC days). */
static void
leap_seconds_of_right_zones (void **state)
{
  (void) state;
  g_autoptr(GByteArray) right = read_real ("right/UTC");
  g_autoptr(GByteArray) plain = read_real ("UTC");
  guint n = 99;
  const MrdTzLeap *leaps;

  if (right == NULL || plain == NULL)
    {
      print_message ("right/UTC or UTC missing in %s: tzdata is a test dependency\n",
                     mrd_tzdb_default_zoneinfo_dir ());
      fail ();
    }
  g_autoptr(MrdTzif) tz = parse_ok (right);
  leaps = mrd_tzif_get_leap_seconds (tz, &n);
  assert_true (n >= 27);
  assert_int_equal (leaps[0].utc_midnight, utc (1972, 7, 1, 0, 0, 0));
  assert_int_equal (leaps[0].sign, 1);
  assert_int_equal (leaps[1].utc_midnight, utc (1973, 1, 1, 0, 0, 0));
  assert_int_equal (leaps[26].utc_midnight, utc (2017, 1, 1, 0, 0, 0));
  for (guint i = 0; i < n; i++)
    {
      assert_int_equal (leaps[i].sign, 1);
      assert_int_equal (leaps[i].utc_midnight % 86400, 0);
      if (i > 0)
        assert_true (leaps[i].utc_midnight > leaps[i - 1].utc_midnight);
    }
  g_autoptr(MrdTzif) tz_plain = parse_ok (plain);
  mrd_tzif_get_leap_seconds (tz_plain, &n);
  assert_int_equal (n, 0);

  static const TType utc_type[] = { { 0, 0, "UTC" } };
  Spec fake = { .version = '2', .types = utc_type, .n_types = 1, .n_leap = 3, .footer = "UTC0" };
  g_autoptr(GByteArray) b = build (&fake);
  g_autoptr(MrdTzif) tz_fake = parse_ok (b);
  mrd_tzif_get_leap_seconds (tz_fake, &n);
  assert_int_equal (n, 0);
}

static void
extreme_instants_do_not_overflow (void **state)
{
  g_autoptr(MrdTzif) tz = mrd_tzif_new_from_posix ("EST5EDT,M3.2.0,M11.1.0", NULL);
  MrdTzDescription d;
  gint64 extremes[] = { G_MININT64, G_MININT64 + 1, -(G_GINT64_CONSTANT (1) << 62), 0,
                        G_GINT64_CONSTANT (1) << 62, G_MAXINT64 - 1, G_MAXINT64 };

  for (gsize i = 0; i < G_N_ELEMENTS (extremes); i++)
    {
      mrd_tzif_describe (tz, extremes[i], &d);
      assert_true (d.utc_offset == -18000 || d.utc_offset == -14400);
      if (d.has_next)
        assert_true (d.next_transition > extremes[i]);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (v1_file_uses_32bit_table_and_last_type_after_it),
    cmocka_unit_test (leap_seconds_of_right_zones),
    cmocka_unit_test (v2_file_uses_64bit_table_beyond_2038),
    cmocka_unit_test (transitions_that_change_nothing_are_skipped),
    cmocka_unit_test (footer_rules_apply_after_the_table),
    cmocka_unit_test (v3_footer_with_negative_and_large_rule_hours),
    cmocka_unit_test (dst_all_year_has_no_transitions),
    cmocka_unit_test (v4_file_with_leap_records_parses),
    cmocka_unit_test (julian_rules_count_days_as_posix_says),
    cmocka_unit_test (posix_rules_agree_with_glibc),
    cmocka_unit_test (dst_without_rules_uses_us_rules),
    cmocka_unit_test (bad_posix_strings_are_refused),
    cmocka_unit_test (bad_footer_is_a_clean_error),
    cmocka_unit_test (structural_errors_are_refused),
    cmocka_unit_test (every_truncation_of_a_real_file_is_a_clean_error),
    cmocka_unit_test (corrupted_bytes_never_crash),
    cmocka_unit_test (garbage_is_a_clean_error),
    cmocka_unit_test (real_files_describe_known_facts),
    cmocka_unit_test (extreme_instants_do_not_overflow),
  };
  return cmocka_run_group_tests_name ("tz-tzif", tests, NULL, NULL);
}
