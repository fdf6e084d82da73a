/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The chronyc layouts of cli/meridianctl-chrony.c against real chronyc 4.3 output
 * (tests/cli/fixtures/chronyc-4.3, captured from chronyc itself; see its README.md).
 *
 * Each fixture's values are read here from chronyc's own format (the CSV's full-precision
 * numbers for sources, sourcestats and selectdata, the text report's fields for tracking), put into the
 * formatter's structs, formatted, and compared byte for byte with the fixture.  The unit and
 * rounding rules get their own cases at each boundary, with the expected text written out by
 * hand from chronyc's rules.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "meridianctl-chrony.h"

static const char *fixtures;

static char *
fixture (const char *name)
{
  g_autofree char *path = g_build_filename (fixtures, name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static GStrv
fixture_lines (const char *name)
{
  g_autofree char *text = fixture (name);
  g_strchomp (text);
  return g_strsplit (text, "\n", -1);
}

static MctlChronyState
state_from_char (char c)
{
  const char *chars = "*+-x~?";
  const char *p = strchr (chars, c);
  g_assert_nonnull (p);
  return (MctlChronyState) (p - chars);
}

/* sources.csv: mode,state,address,stratum,poll,reach(octal),lastrx,adj,meas,err */
static GArray *
sources_from_csv (GPtrArray *keep)
{
  g_auto(GStrv) lines = fixture_lines ("sources.csv");
  GArray *out = g_array_new (FALSE, TRUE, sizeof (MctlChronySource));

  for (int i = 0; lines[i]; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", -1);
      MctlChronySource s = { 0 };
      guint64 lastrx;

      g_assert_cmpuint (g_strv_length (f), ==, 10);
      g_assert_cmpstr (f[0], ==, "^");
      s.mode = MCTL_CHRONY_MODE_SERVER;
      s.state = state_from_char (f[1][0]);
      s.address = g_strdup (f[2]);
      g_ptr_array_add (keep, (gpointer) s.address);
      s.stratum = atoi (f[3]);
      s.poll = atoi (f[4]);
      s.reach = (unsigned) g_ascii_strtoull (f[5], NULL, 8);
      lastrx = g_ascii_strtoull (f[6], NULL, 10);
      s.last_rx = lastrx == G_MAXUINT32 ? -1 : (gint64) lastrx;
      s.adjusted_offset = g_ascii_strtod (f[7], NULL);
      s.measured_offset = g_ascii_strtod (f[8], NULL);
      s.error_bound = g_ascii_strtod (f[9], NULL);
      g_array_append_val (out, s);
    }
  return out;
}

/* sourcestats.csv: address,np,nr,span,freq,skew,offset,sd */
static GArray *
sourcestats_from_csv (GPtrArray *keep)
{
  g_auto(GStrv) lines = fixture_lines ("sourcestats.csv");
  GArray *out = g_array_new (FALSE, TRUE, sizeof (MctlChronySource));

  for (int i = 0; lines[i]; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", -1);
      MctlChronySource s = { 0 };

      g_assert_cmpuint (g_strv_length (f), ==, 8);
      s.address = g_strdup (f[0]);
      g_ptr_array_add (keep, (gpointer) s.address);
      s.samples = (unsigned) atoi (f[1]);
      s.runs = (unsigned) atoi (f[2]);
      s.span = atoi (f[3]);
      s.frequency = g_ascii_strtod (f[4], NULL);
      s.skew = g_ascii_strtod (f[5], NULL);
      s.offset = g_ascii_strtod (f[6], NULL);
      s.std_dev = g_ascii_strtod (f[7], NULL);
      g_array_append_val (out, s);
    }
  return out;
}

static void
test_sources (void)
{
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) s = sources_from_csv (keep);
  g_autofree char *text = mctl_chrony_format_sources ((MctlChronySource *) s->data, s->len, FALSE, FALSE);
  g_autofree char *verbose = mctl_chrony_format_sources ((MctlChronySource *) s->data, s->len, TRUE, FALSE);
  g_autofree char *csv = mctl_chrony_format_sources ((MctlChronySource *) s->data, s->len, FALSE, TRUE);
  g_autofree char *want_text = fixture ("sources.txt");
  g_autofree char *want_verbose = fixture ("sources-v.txt");
  g_autofree char *want_csv = fixture ("sources.csv");

  g_assert_cmpuint (s->len, ==, 5);
  g_assert_cmpstr (text, ==, want_text);
  g_assert_cmpstr (verbose, ==, want_verbose);
  g_assert_cmpstr (csv, ==, want_csv);
  /* -v with -c is plain CSV, as in chronyc. */
  g_autofree char *csv_v = mctl_chrony_format_sources ((MctlChronySource *) s->data, s->len, TRUE, TRUE);
  g_assert_cmpstr (csv_v, ==, want_csv);
}

static void
test_sourcestats (void)
{
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) s = sourcestats_from_csv (keep);
  g_autofree char *verbose = mctl_chrony_format_sourcestats ((MctlChronySource *) s->data, s->len, TRUE, FALSE);
  g_autofree char *csv = mctl_chrony_format_sourcestats ((MctlChronySource *) s->data, s->len, FALSE, TRUE);
  g_autofree char *want_verbose = fixture ("sourcestats-v.txt");
  g_autofree char *want_csv = fixture ("sourcestats.csv");
  g_autofree char *plain = mctl_chrony_format_sourcestats ((MctlChronySource *) s->data, s->len, FALSE, FALSE);

  g_assert_cmpstr (verbose, ==, want_verbose);
  g_assert_cmpstr (csv, ==, want_csv);
  /* Without -v: the same report less the nine legend lines. */
  g_auto(GStrv) lines = g_strsplit (want_verbose, "\n", -1);
  g_autofree char *want_plain = g_strjoinv ("\n", lines + 9);
  g_assert_cmpstr (plain, ==, want_plain);
}

/* selectdata*.csv: state,address,auth,five COpts,five EOpts,last,score,low,high,leap */
static GArray *
selectdata_from_csv (const char *name, GPtrArray *keep)
{
  g_auto(GStrv) lines = fixture_lines (name);
  GArray *out = g_array_new (FALSE, TRUE, sizeof (MctlChronySource));
  static const MctlChronyOptions option[] = { MCTL_CHRONY_OPTION_NOSELECT,
                                              MCTL_CHRONY_OPTION_PREFER,
                                              MCTL_CHRONY_OPTION_TRUST,
                                              MCTL_CHRONY_OPTION_REQUIRE };

  for (int i = 0; lines[i]; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", -1);
      MctlChronySource s = { 0 };

      g_assert_cmpuint (g_strv_length (f), ==, 18);
      g_assert_cmpuint (strlen (f[0]), ==, 1);
      s.select_state = f[0][0];
      s.address = g_strdup (f[1]);
      g_ptr_array_add (keep, (gpointer) s.address);
      g_assert_true (g_str_equal (f[2], "Y") || g_str_equal (f[2], "N"));
      s.authenticated = g_str_equal (f[2], "Y");
      for (int k = 0; k < 4; k++)
        {
          if (f[3 + k][0] != '-')
            s.conf_options |= option[k];
          if (f[8 + k][0] != '-')
            s.eff_options |= option[k];
        }
      g_assert_cmpstr (f[7], ==, "-");
      g_assert_cmpstr (f[12], ==, "-");
      s.last_sample_ago = (gint64) g_ascii_strtoull (f[13], NULL, 10);
      s.score = g_ascii_strtod (f[14], NULL);
      s.lo_limit = g_ascii_strtod (f[15], NULL);
      s.hi_limit = g_ascii_strtod (f[16], NULL);
      s.leap = mctl_chrony_leap_from_string (f[17]);
      g_array_append_val (out, s);
    }
  return out;
}

/* Each CSV fixture's rows, formatted as the CSV, as -n text and as -v text (where the
 * fixture's first source is named "localhost"), against chronyc's own. */
static void
check_selectdata (const char *csv_name, const char *text_name, const char *verbose_name)
{
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) s = selectdata_from_csv (csv_name, keep);
  MctlChronySource *rows = (MctlChronySource *) s->data;
  g_autofree char *csv = mctl_chrony_format_selectdata (rows, s->len, FALSE, TRUE);
  g_autofree char *csv_v = mctl_chrony_format_selectdata (rows, s->len, TRUE, TRUE);
  g_autofree char *want_csv = fixture (csv_name);
  g_autofree char *want_verbose = fixture (verbose_name);

  g_assert_cmpuint (s->len, ==, 3);
  g_assert_cmpstr (csv, ==, want_csv);
  /* -v with -c is plain CSV, as in chronyc. */
  g_assert_cmpstr (csv_v, ==, want_csv);
  if (text_name != NULL)
    {
      g_autofree char *text = mctl_chrony_format_selectdata (rows, s->len, FALSE, FALSE);
      g_autofree char *want_text = fixture (text_name);
      g_assert_cmpstr (text, ==, want_text);
    }
  rows[0].name = "localhost";
  g_autofree char *verbose = mctl_chrony_format_selectdata (rows, s->len, TRUE, FALSE);
  g_assert_cmpstr (verbose, ==, want_verbose);
}

static void
test_selectdata (void)
{
  /* W, T and N: trust, prefer, noselect and require; a never-heard source's leap '?'. */
  check_selectdata ("selectdata.csv", "selectdata.txt", "selectdata-v.txt");
  /* '*', '+' and 's'. */
  check_selectdata ("selectdata-combined.csv", NULL, "selectdata-combined-v.txt");
}

/* The columns at their boundaries, written out by hand from chronyc's format: a cut name, a
 * Last in minutes (from 1200 s) and at its last second count, a score past five columns, an
 * interval in ms, us and s, -0 as +0 ("%c %-25s %c
 * %c%c%c%c%c %c%c%c%c%c %I %5.1f %+S %+S  %1L"; in CSV %I is the integer, %5.1f "%.1f", %+S
 * "%.9f" and %1L the leap status's words). */
static void
test_selectdata_columns (void)
{
  MctlChronySource s[] = {
    { .address = "192.0.2.1", .name = "a-very-long-host-name.example.com", .select_state = 'x',
      .authenticated = TRUE, .conf_options = MCTL_CHRONY_OPTION_PREFER | MCTL_CHRONY_OPTION_REQUIRE,
      .eff_options = MCTL_CHRONY_OPTION_PREFER | MCTL_CHRONY_OPTION_REQUIRE,
      .last_sample_ago = 20 * 60 + 59, .score = 12.34, .lo_limit = -0.0123456,
      .hi_limit = 0.00987654, .leap = MCTL_CHRONY_LEAP_INSERT },
    { .address = "2001:db8::7", .select_state = 'D', .last_sample_ago = 1199, .score = 999.96,
      .lo_limit = -15.3, .hi_limit = 1234.0, .leap = MCTL_CHRONY_LEAP_DELETE },
    { .address = "192.0.2.3", .select_state = '?', .last_sample_ago = -1, .score = 1.0,
      .lo_limit = -0.0, .hi_limit = 9999.4e-9, .leap = MCTL_CHRONY_LEAP_UNSYNCHRONISED },
  };
  g_autofree char *text = mctl_chrony_format_selectdata (s, G_N_ELEMENTS (s), FALSE, FALSE);
  g_autofree char *csv = mctl_chrony_format_selectdata (s, G_N_ELEMENTS (s), FALSE, TRUE);

  g_assert_cmpstr (text, ==,
    "S Name/IP Address        Auth COpts EOpts Last Score     Interval  Leap\n"
    "=======================================================================\n"
    "x a-very-long-host-name.ex> Y -P-R- -P-R-  20m  12.3   -12ms +9877us  +\n"
    "D 2001:db8::7               N ----- ----- 1199 1000.0  -15.3s  +1234s  -\n"
    "? 192.0.2.3                 N ----- -----    -   1.0    +0ns +9999ns  ?\n");
  g_assert_cmpstr (csv, ==,
    "x,192.0.2.1,Y,-,P,-,R,-,-,P,-,R,-,1259,12.3,-0.012345600,0.009876540,Insert second\n"
    "D,2001:db8::7,N,-,-,-,-,-,-,-,-,-,-,1199,1000.0,-15.300000000,1234.000000000,Delete second\n"
    "?,192.0.2.3,N,-,-,-,-,-,-,-,-,-,-,4294967295,1.0,0.000000000,0.000009999,Not synchronised\n");
}

/* The Source object's words and Options entries, as selectdata reads them. */
static void
test_selectdata_words (void)
{
  static const struct { const char *word; char letter; } states[] = {
    { "noselect", 'N' }, { "unsynchronised", 's' }, { "missing-samples", 'M' },
    { "large-distance", 'd' }, { "jittery", '~' }, { "waits-for-samples", 'w' },
    { "stale", 'S' }, { "not-trusted", 'T' }, { "falseticker", 'x' },
    { "waits-for-sources", 'W' }, { "not-preferred", 'P' }, { "distant", 'D' },
    { "combined", '+' }, { "best", '*' }, { "selected", '?' }, { "", '?' }, { NULL, '?' },
  };
  const char *const options[] = { "iburst", "minpoll 4", "trust", "noselect", "require",
                                  "prefer", "preferred", NULL };

  for (gsize i = 0; i < G_N_ELEMENTS (states); i++)
    g_assert_cmpint (mctl_chrony_select_state_char (states[i].word), ==, states[i].letter);
  g_assert_cmpint (mctl_chrony_options_from_strv (options), ==,
                   MCTL_CHRONY_OPTION_NOSELECT | MCTL_CHRONY_OPTION_PREFER |
                   MCTL_CHRONY_OPTION_TRUST | MCTL_CHRONY_OPTION_REQUIRE);
  g_assert_cmpint (mctl_chrony_options_from_strv (options + 6), ==, 0);
  g_assert_cmpint (mctl_chrony_options_from_strv (NULL), ==, 0);
}

/* "Label           : value" lines of tracking.txt -> value by label. */
static GHashTable *
tracking_fields (void)
{
  g_auto(GStrv) lines = fixture_lines ("tracking.txt");
  GHashTable *fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (int i = 0; lines[i]; i++)
    {
      const char *colon = strstr (lines[i], " : ");
      g_assert_nonnull (colon);
      g_hash_table_insert (fields, g_strstrip (g_strndup (lines[i], colon - lines[i])),
                           g_strdup (colon + 3));
    }
  return fields;
}

static void
test_tracking_text (void)
{
  g_autoptr(GHashTable) f = tracking_fields ();
  MctlChronyTracking t = { 0 };
  char name[64], word[16], day[4], month[4];
  double value;
  int d, h, m, sec, year;
  const char *const months = "JanFebMarAprMayJunJulAugSepOctNovDec";

  g_assert_cmpint (sscanf (g_hash_table_lookup (f, "Reference ID"), "%8X (%63[^)])", &t.ref_id, name), ==, 2);
  t.ref_name = name;
  t.ref_address = "127.0.0.1";
  t.stratum = atoi (g_hash_table_lookup (f, "Stratum"));
  g_assert_cmpint (sscanf (g_hash_table_lookup (f, "Ref time (UTC)"), "%3s %3s %d %d:%d:%d %d",
                           day, month, &d, &h, &m, &sec, &year), ==, 7);
  g_autoptr(GDateTime) ref = g_date_time_new_utc (year, (int) (strstr (months, month) - months) / 3 + 1,
                                                  d, h, m, sec);
  t.ref_time_s = g_date_time_to_unix (ref);
  g_assert_cmpint (sscanf (g_hash_table_lookup (f, "System time"), "%lf seconds %15s", &value, word), ==, 2);
  /* Our sign: positive = fast. */
  t.system_time = g_str_equal (word, "fast") ? value : -value;
  t.last_offset = g_ascii_strtod (g_hash_table_lookup (f, "Last offset"), NULL);
  t.rms_offset = g_ascii_strtod (g_hash_table_lookup (f, "RMS offset"), NULL);
  g_assert_cmpint (sscanf (g_hash_table_lookup (f, "Frequency"), "%lf ppm %15s", &value, word), ==, 2);
  t.frequency = g_str_equal (word, "fast") ? value : -value;
  t.residual_freq = g_ascii_strtod (g_hash_table_lookup (f, "Residual freq"), NULL);
  t.skew = g_ascii_strtod (g_hash_table_lookup (f, "Skew"), NULL);
  t.root_delay = g_ascii_strtod (g_hash_table_lookup (f, "Root delay"), NULL);
  t.root_dispersion = g_ascii_strtod (g_hash_table_lookup (f, "Root dispersion"), NULL);
  t.update_interval = g_ascii_strtod (g_hash_table_lookup (f, "Update interval"), NULL);
  t.leap = mctl_chrony_leap_from_string (g_hash_table_lookup (f, "Leap status"));

  g_autofree char *text = mctl_chrony_format_tracking (&t, FALSE);
  g_autofree char *want = fixture ("tracking.txt");
  g_assert_cmpstr (text, ==, want);
}

static void
test_tracking_csv (void)
{
  g_auto(GStrv) lines = fixture_lines ("tracking.csv");
  g_auto(GStrv) f = g_strsplit (lines[0], ",", -1);
  MctlChronyTracking t = { 0 };
  g_auto(GStrv) when = NULL;

  g_assert_cmpuint (g_strv_length (f), ==, 14);
  t.ref_id = (guint32) g_ascii_strtoull (f[0], NULL, 16);
  t.ref_address = f[1];
  t.stratum = atoi (f[2]);
  when = g_strsplit (f[3], ".", 2);
  t.ref_time_s = g_ascii_strtoll (when[0], NULL, 10);
  t.ref_time_ns = (guint32) g_ascii_strtoull (when[1], NULL, 10);
  /* chronyc's CSV: positive when the clock is slow; ours is positive when fast. */
  t.system_time = -g_ascii_strtod (f[4], NULL);
  t.last_offset = g_ascii_strtod (f[5], NULL);
  t.rms_offset = g_ascii_strtod (f[6], NULL);
  t.frequency = g_ascii_strtod (f[7], NULL);
  t.residual_freq = g_ascii_strtod (f[8], NULL);
  t.skew = g_ascii_strtod (f[9], NULL);
  t.root_delay = g_ascii_strtod (f[10], NULL);
  t.root_dispersion = g_ascii_strtod (f[11], NULL);
  t.update_interval = g_ascii_strtod (f[12], NULL);
  t.leap = mctl_chrony_leap_from_string (f[13]);

  g_autofree char *csv = mctl_chrony_format_tracking (&t, TRUE);
  g_autofree char *want = fixture ("tracking.csv");
  g_assert_cmpstr (csv, ==, want);
  /* The same values as text: the CSV's negative system time is "fast" (README.md). */
  g_autofree char *text = mctl_chrony_format_tracking (&t, FALSE);
  g_assert_nonnull (strstr (text, "System time     : 0.000001607 seconds fast of NTP time\n"));
  g_assert_nonnull (strstr (text, "Frequency       : 0.001 ppm fast\n"));
  g_assert_nonnull (strstr (text, "Ref time (UTC)  : Wed Nov 25 06:38:59 2026\n"));
}

/* chronyd not synchronized (a second real chronyd whose source never answered): the layout
 * meridiand's Tracking takes while NTP is off or before the first update, byte for byte, in
 * text and CSV. The correction is +0.0 as the daemon reports it; chronyc never prints
 * "-0.000000000" for it. */
static void
test_tracking_unsynchronised (void)
{
  MctlChronyTracking t = { 0 };

  t.ref_address = "";
  t.root_delay = 1.0;
  t.root_dispersion = 1.0;
  t.leap = MCTL_CHRONY_LEAP_UNSYNCHRONISED;
  for (int negative_zero = 0; negative_zero < 2; negative_zero++)
    {
      t.system_time = negative_zero ? -0.0 : 0.0;
      g_autofree char *text = mctl_chrony_format_tracking (&t, FALSE);
      g_autofree char *want_text = fixture ("tracking-unsynchronised.txt");
      g_autofree char *csv = mctl_chrony_format_tracking (&t, TRUE);
      g_autofree char *want_csv = fixture ("tracking-unsynchronised.csv");
      g_assert_cmpstr (text, ==, want_text);
      g_assert_cmpstr (csv, ==, want_csv);
    }
}

static char *
tracking_line (const MctlChronyTracking *t, const char *label)
{
  g_autofree char *text = mctl_chrony_format_tracking (t, FALSE);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (int i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], label))
      return g_strdup (lines[i] + 18);
  g_assert_not_reached ();
}

/* Both signs and zero, written out from chronyc's rule (client.c print_report, %O and %F: the
 * word follows the unrounded value's sign; zero is "fast" for the system time and "slow" for
 * the frequency) in our signs: system_time > 0 = fast, frequency > 0 = fast. */
static void
test_fast_and_slow (void)
{
  static const struct { double system_time; const char *text, *csv; } times[] = {
    { 1.607e-6,  "0.000001607 seconds fast of NTP time", "-0.000001607" },
    { -1.607e-6, "0.000001607 seconds slow of NTP time", "0.000001607" },
    { 0.0,       "0.000000000 seconds fast of NTP time", "0.000000000" },
    { -0.0,      "0.000000000 seconds fast of NTP time", "0.000000000" },
    { 4e-10,     "0.000000000 seconds fast of NTP time", "-0.000000000" },
    { -4e-10,    "0.000000000 seconds slow of NTP time", "0.000000000" },
  };
  static const struct { double frequency; const char *text, *csv; } freqs[] = {
    { 23.054,  "23.054 ppm fast", "23.054" },
    { -23.054, "23.054 ppm slow", "-23.054" },
    { 0.0,     "0.000 ppm slow",  "0.000" },
    { 1e-4,    "0.000 ppm fast",  "0.000" },
    { -1e-4,   "0.000 ppm slow",  "-0.000" },
  };
  MctlChronyTracking t = { 0 };

  t.ref_address = "";
  for (gsize i = 0; i < G_N_ELEMENTS (times); i++)
    {
      t.system_time = times[i].system_time;
      g_autofree char *line = tracking_line (&t, "System time");
      g_autofree char *csv = mctl_chrony_format_tracking (&t, TRUE);
      g_auto(GStrv) f = g_strsplit (csv, ",", -1);
      g_assert_cmpstr (line, ==, times[i].text);
      g_assert_cmpstr (f[4], ==, times[i].csv);
    }
  t.system_time = 0.0;
  for (gsize i = 0; i < G_N_ELEMENTS (freqs); i++)
    {
      t.frequency = freqs[i].frequency;
      g_autofree char *line = tracking_line (&t, "Frequency");
      g_autofree char *csv = mctl_chrony_format_tracking (&t, TRUE);
      g_auto(GStrv) f = g_strsplit (csv, ",", -1);
      g_assert_cmpstr (line, ==, freqs[i].text);
      g_assert_cmpstr (f[7], ==, freqs[i].csv);
    }
}

static char *
signed_ns (double s)
{
  GString *out = g_string_new (NULL);
  mctl_chrony_append_signed_nanoseconds (out, s);
  return g_string_free (out, FALSE);
}

static char *
unsigned_ns (double s)
{
  GString *out = g_string_new (NULL);
  mctl_chrony_append_nanoseconds (out, s);
  return g_string_free (out, FALSE);
}

static char *
seconds (gint64 s)
{
  GString *out = g_string_new (NULL);
  mctl_chrony_append_seconds (out, s);
  return g_string_free (out, FALSE);
}

static void
test_units (void)
{
  static const struct { double value; const char *sign, *plain; } cases[] = {
    { 0.0,          "   +0ns", "   0ns" },
    { 9999e-9,      "+9999ns", "9999ns" },
    { 9999.6e-9,    "  +10us", "  10us" },      /* past 9999.5 ns: the next unit */
    { -412e-6,      " -412us", " 412us" },
    { 9999.4e-6,    "+9999us", "9999us" },
    { 0.0099996,    "  +10ms", "  10ms" },
    { -0.050160494, "  -50ms", "  50ms" },
    { 9.9996,       " +10.0s", " 10.0s" },
    { 999.4,        "+999.4s", "999.4s" },
    { -999.6,       " -1000s", " 1000s" },
    { 99999.4,      "+99999s", "99999s" },
    { 99999.6,      " +1667m", " 1667m" },     /* 99999.6 / 60 */
    { 99999.5 * 60, " +1667h", " 1667h" },     /* 1666.66 h */
    { 99999.5 * 3600, " +4167d", " 4167d" },
    { -99999.5 * 86400, "  -274y", "  274y" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *s = signed_ns (cases[i].value);
      g_autofree char *u = unsigned_ns (cases[i].value);
      g_assert_cmpstr (s, ==, cases[i].sign);
      g_assert_cmpstr (u, ==, cases[i].plain);
    }

  static const struct { gint64 s; const char *text; } ages[] = {
    { -1, "   -" }, { 0, "   0" }, { 1199, "1199" }, { 1200, " 20m" }, { 35999, "599m" },
    { 36000, " 10h" }, { 345599, " 95h" }, { 345600, "  4d" }, { 999 * 86400, "999d" },
    { 1000 * 86400, "  2y" }, { G_MAXUINT32, "   -" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (ages); i++)
    {
      g_autofree char *t = seconds (ages[i].s);
      g_assert_cmpstr (t, ==, ages[i].text);
    }
}

static void
test_names_and_extremes (void)
{
  MctlChronySource s = {
    .address = "2001:db8::123", .name = "a-very-long-host-name.example.com",
    .mode = MCTL_CHRONY_MODE_PEER, .state = MCTL_CHRONY_STATE_JITTERY, .stratum = 16,
    .poll = -3, .reach = 0x5, .last_rx = 4000, .adjusted_offset = 1.5,
    .measured_offset = -1.5, .error_bound = 123456.0,
    .samples = 3, .runs = 2, .span = 86400 * 5, .frequency = -123456.7, .skew = 99999.4,
    .offset = 0, .std_dev = 1e-3,
  };
  g_autofree char *text = mctl_chrony_format_sources (&s, 1, FALSE, FALSE);
  g_autofree char *stats = mctl_chrony_format_sourcestats (&s, 1, FALSE, FALSE);
  g_autofree char *csv = mctl_chrony_format_sources (&s, 1, FALSE, TRUE);

  /* Names cut at 25 columns ending in '>'; the CSV has the address; poll -3, reach 5 octal. */
  g_assert_nonnull (strstr (text, "\n=~ a-very-long-host-name.ex>    16  -3     5   66m  +1500ms[-1500ms] +/-  2058m\n"));
  g_assert_cmpstr (csv, ==, "=,~,2001:db8::123,16,-3,5,4000,1.500000000,-1.500000000,123456.000000000\n");
  g_assert_nonnull (strstr (stats, "\na-very-long-host-name.ex>   3   2    5d    -123457  99999.400     +0ns  1000us\n"));

  /* No name: the address, even past 25 columns (chronyc does not cut addresses). */
  s.name = NULL;
  s.address = "2001:db8:1234:5678:9abc:def0:1234:5678";
  g_autofree char *text2 = mctl_chrony_format_sources (&s, 1, FALSE, FALSE);
  g_assert_nonnull (strstr (text2, "=~ 2001:db8:1234:5678:9abc:def0:1234:5678  16  -3"));

  /* Tracking's wording at zero and for a slow clock. */
  MctlChronyTracking t = { .ref_id = 0, .ref_address = "", .ref_time_s = 0,
                           .system_time = -0.25, .frequency = 0.0,
                           .leap = MCTL_CHRONY_LEAP_UNSYNCHRONISED };
  g_autofree char *tr = mctl_chrony_format_tracking (&t, FALSE);
  g_assert_nonnull (strstr (tr, "Reference ID    : 00000000 ()\n"));
  g_assert_nonnull (strstr (tr, "Ref time (UTC)  : Thu Jan 01 00:00:00 1970\n"));
  g_assert_nonnull (strstr (tr, "System time     : 0.250000000 seconds slow of NTP time\n"));
  g_assert_nonnull (strstr (tr, "Frequency       : 0.000 ppm slow\n"));
  g_assert_nonnull (strstr (tr, "Leap status     : Not synchronised\n"));
  t.system_time = 0.0;
  t.frequency = -23.054;
  g_autofree char *tr2 = mctl_chrony_format_tracking (&t, FALSE);
  g_assert_nonnull (strstr (tr2, "System time     : 0.000000000 seconds fast of NTP time\n"));
  g_assert_nonnull (strstr (tr2, "Frequency       : 23.054 ppm slow\n"));
  g_autofree char *tr_csv = mctl_chrony_format_tracking (&t, TRUE);
  /* chronyd's correction of a clock at zero is +0: "0.000000000", never "-0.000000000". */
  g_assert_cmpstr (tr_csv, ==, "00000000,,0,0.000000000,0.000000000,0.000000000,0.000000000,"
                               "-23.054,0.000,0.000,0.000000000,0.000000000,0.0,Not synchronised\n");

  g_autofree char *w = mctl_chrony_format_waitsync_try (3, 0x7F000001, -0.0005, 0.125, FALSE);
  g_assert_cmpstr (w, ==, "try: 3, refid: 7F000001, correction: 0.000500000, skew: 0.125\n");
  /* chronyc -c waitsync: print_report's CSV, the values alone. */
  g_autofree char *wc = mctl_chrony_format_waitsync_try (3, 0x7F000001, -0.0005, 0.125, TRUE);
  g_assert_cmpstr (wc, ==, "3,7F000001,0.000500000,0.125\n");
}

/* activity.txt / .csv: the counts differ from one another, so a field in the wrong place
 * shows. */
static void
test_activity (void)
{
  MctlChronyActivity a = { .online = 1, .offline = 1, .burst_online = 1, .burst_offline = 0,
                           .unknown_address = 8 };
  g_autofree char *want_text = fixture ("activity.txt");
  g_autofree char *want_csv = fixture ("activity.csv");
  g_autofree char *text = mctl_chrony_format_activity (&a, FALSE);
  g_autofree char *csv = mctl_chrony_format_activity (&a, TRUE);

  g_assert_cmpstr (text, ==, want_text);
  g_assert_cmpstr (csv, ==, want_csv);
  a = (MctlChronyActivity) { .online = 2, .offline = 3, .burst_online = 4, .burst_offline = 5,
                             .unknown_address = 6 };
  g_autofree char *csv2 = mctl_chrony_format_activity (&a, TRUE);
  g_assert_cmpstr (csv2, ==, "2,3,4,5,6\n");
}

/* ntpdata.txt: "Label           : value" lines, the label 16 columns wide. */
static GHashTable *
ntpdata_fields (void)
{
  g_auto(GStrv) lines = fixture_lines ("ntpdata.txt");
  GHashTable *fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (int i = 0; lines[i]; i++)
    {
      g_assert_cmpuint (strlen (lines[i]), >, 18);
      g_assert_cmpint (strncmp (lines[i] + 16, ": ", 2), ==, 0);
      g_hash_table_insert (fields, g_strstrip (g_strndup (lines[i], 16)),
                           g_strdup (lines[i] + 18));
    }
  g_assert_cmpuint (g_hash_table_size (fields), ==, 27);
  return fields;
}

static char
timestamping_char (const char *word)
{
  g_assert_true (g_str_equal (word, "Daemon") || g_str_equal (word, "Kernel") ||
                 g_str_equal (word, "Hardware"));
  return word[0];
}

/* The fixture's values, read by chronyc's ntpdata format, into the struct. */
static void
ntpdata_from_fixture (GHashTable *f, MctlChronyNtpData *d, char *remote, char *local)
{
  char day[4], month[4], text[16];
  int dd, h, m, sec, year, poll_s, b1, b2, b3;
  double precision_s;
  const char *const months = "JanFebMarAprMayJunJulAugSepOctNovDec";

  g_assert_cmpint (sscanf (g_hash_table_lookup (f, "Remote address"), "%63s (%8X)", remote,
                           &d->remote_id), ==, 2);
  d->remote_address = remote;
  d->remote_port = atoi (g_hash_table_lookup (f, "Remote port"));
  g_assert_cmpint (sscanf (g_hash_table_lookup (f, "Local address"), "%63s (%8X)", local,
                           &d->local_id), ==, 2);
  d->local_address = local;
  d->leap = mctl_chrony_leap_from_string (g_hash_table_lookup (f, "Leap status"));
  d->version = atoi (g_hash_table_lookup (f, "Version"));
  g_assert_cmpstr (g_hash_table_lookup (f, "Mode"), ==, "Server");
  d->mode = 4;
  d->stratum = atoi (g_hash_table_lookup (f, "Stratum"));
  g_assert_cmpint (sscanf (g_hash_table_lookup (f, "Poll interval"), "%d (%d seconds)", &d->poll,
                           &poll_s), ==, 2);
  g_assert_cmpint (poll_s, ==, 1 << d->poll);
  g_assert_cmpint (sscanf (g_hash_table_lookup (f, "Precision"), "%d (%lf seconds)",
                           &d->precision, &precision_s), ==, 2);
  g_assert_cmpfloat (fabs (precision_s - ldexp (1.0, d->precision)), <, 1e-9);
  d->root_delay = g_ascii_strtod (g_hash_table_lookup (f, "Root delay"), NULL);
  d->root_dispersion = g_ascii_strtod (g_hash_table_lookup (f, "Root dispersion"), NULL);
  g_assert_cmpint (sscanf (g_hash_table_lookup (f, "Reference ID"), "%8X", &d->ref_id), ==, 1);
  g_assert_cmpint (sscanf (g_hash_table_lookup (f, "Reference time"), "%3s %3s %d %d:%d:%d %d",
                           day, month, &dd, &h, &m, &sec, &year), ==, 7);
  g_autoptr(GDateTime) ref = g_date_time_new_utc (year, (int) (strstr (months, month) - months) / 3 + 1,
                                                  dd, h, m, sec);
  d->ref_time_s = g_date_time_to_unix (ref);
  d->offset = g_ascii_strtod (g_hash_table_lookup (f, "Offset"), NULL);
  d->peer_delay = g_ascii_strtod (g_hash_table_lookup (f, "Peer delay"), NULL);
  d->peer_dispersion = g_ascii_strtod (g_hash_table_lookup (f, "Peer dispersion"), NULL);
  d->response_time = g_ascii_strtod (g_hash_table_lookup (f, "Response time"), NULL);
  d->jitter_asymmetry = g_ascii_strtod (g_hash_table_lookup (f, "Jitter asymmetry"), NULL);
  g_assert_cmpint (sscanf (g_hash_table_lookup (f, "NTP tests"), "%3s", text), ==, 1);
  b1 = (int) g_ascii_strtoll (text, NULL, 2);
  g_assert_cmpint (sscanf (g_hash_table_lookup (f, "NTP tests") + 4, "%3s", text), ==, 1);
  b2 = (int) g_ascii_strtoll (text, NULL, 2);
  g_assert_cmpint (sscanf (g_hash_table_lookup (f, "NTP tests") + 8, "%4s", text), ==, 1);
  b3 = (int) g_ascii_strtoll (text, NULL, 2);
  d->tests = (guint) (b1 << 7 | b2 << 4 | b3);
  d->interleaved = g_str_equal (g_hash_table_lookup (f, "Interleaved"), "Yes");
  d->authenticated = g_str_equal (g_hash_table_lookup (f, "Authenticated"), "Yes");
  d->tx_timestamping = timestamping_char (g_hash_table_lookup (f, "TX timestamping"));
  d->rx_timestamping = timestamping_char (g_hash_table_lookup (f, "RX timestamping"));
  d->total_tx = atoi (g_hash_table_lookup (f, "Total TX"));
  d->total_rx = atoi (g_hash_table_lookup (f, "Total RX"));
  d->total_valid_rx = atoi (g_hash_table_lookup (f, "Total valid RX"));
  d->total_good_rx = atoi (g_hash_table_lookup (f, "Total good RX"));
}

static void
test_ntpdata (void)
{
  g_autoptr(GHashTable) f = ntpdata_fields ();
  MctlChronyNtpData d = { 0 };
  char remote[64], local[64];

  ntpdata_from_fixture (f, &d, remote, local);
  g_autofree char *text = mctl_chrony_format_ntpdata (&d, FALSE);
  g_autofree char *want = fixture ("ntpdata.txt");
  g_assert_cmpstr (text, ==, want);

  /* CSV, written out from chronyc's print_report rules: each value alone in the order of
   * the text, the "(N seconds)" figures their own fields, signs not forced, the reference
   * time as seconds.nanoseconds, the three test groups separate fields. */
  g_autofree char *csv = mctl_chrony_format_ntpdata (&d, TRUE);
  g_assert_cmpstr (csv, ==,
                   "127.0.0.1,7F000001,123,127.0.0.1,7F000001,Normal,4,Server,1,2,4,-26,"
                   "0.000000015,0.000000,0.000000,7F7F0101,,1795588709.000000000,-0.000001893,"
                   "0.000010544,0.000000035,0.000179366,0.49,111,111,1111,No,No,Kernel,Kernel,"
                   "45,45,45,39\n");
}

/* The reference ID's text: a stratum-1 server's printable bytes, nothing above stratum 1;
 * the other modes, leap states and an unknown timestamping by their chronyc words. */
static void
test_ntpdata_words (void)
{
  MctlChronyNtpData d = {
    .remote_address = "192.0.2.1", .remote_id = 0xC0000201, .remote_port = 123,
    .local_address = "[UNSPEC]", .local_id = 0, .leap = MCTL_CHRONY_LEAP_INSERT,
    .version = 3, .mode = 1, .stratum = 1, .poll = 10, .precision = -20,
    .root_delay = 0.0001234, .root_dispersion = 1.5, .ref_id = 0x47505300, /* "GPS\0" */
    .offset = 0.25, .tests = 0x3ff & ~(1u << 9), .tx_timestamping = 'D', .rx_timestamping = '?',
  };
  g_autofree char *gps = mctl_chrony_format_ntpdata (&d, FALSE);

  g_assert_nonnull (strstr (gps, "Local address   : [UNSPEC] (00000000)\n"));
  g_assert_nonnull (strstr (gps, "Leap status     : Insert second\n"));
  g_assert_nonnull (strstr (gps, "Mode            : Symmetric active\n"));
  g_assert_nonnull (strstr (gps, "Poll interval   : 10 (1024 seconds)\n"));
  g_assert_nonnull (strstr (gps, "Precision       : -20 (0.000000954 seconds)\n"));
  g_assert_nonnull (strstr (gps, "Root delay      : 0.000123 seconds\n"));
  g_assert_nonnull (strstr (gps, "Root dispersion : 1.500000 seconds\n"));
  g_assert_nonnull (strstr (gps, "Reference ID    : 47505300 (GPS)\n"));
  g_assert_nonnull (strstr (gps, "Reference time  : Thu Jan 01 00:00:00 1970\n"));
  g_assert_nonnull (strstr (gps, "Offset          : +0.250000000 seconds\n"));
  g_assert_nonnull (strstr (gps, "NTP tests       : 011 111 1111\n"));
  g_assert_nonnull (strstr (gps, "TX timestamping : Daemon\n"));
  g_assert_nonnull (strstr (gps, "RX timestamping : Invalid\n"));

  d.stratum = 2;
  d.mode = 0;
  d.leap = MCTL_CHRONY_LEAP_UNSYNCHRONISED;
  g_autofree char *two = mctl_chrony_format_ntpdata (&d, FALSE);
  g_assert_nonnull (strstr (two, "Reference ID    : 47505300 ()\n"));
  g_assert_nonnull (strstr (two, "Mode            : Invalid\n"));
  g_assert_nonnull (strstr (two, "Leap status     : Not synchronised\n"));
}

/* authdata: no fixture holds real chronyc authdata output; the rows below are written out by
 * hand from chronyc's format (client.c: "%-27s %4s %5U %4d %4d %I %4d %4d %4d %4d") and agree
 * with the rows chronyc prints for an NTS source and an unauthenticated one. */
static void
test_authdata (void)
{
  MctlChronySource s[3] = {
    { .address = "162.159.200.1", .name = "time.cloudflare.com", .auth_mode = "NTS",
      .key_id = 1, .key_type = 15, .key_bits = 256, .last_ke = 33 * 60 + 5, .cookies = 8,
      .cookie_len = 100 },
    { .address = "17.253.4.125", .name = "time.apple.com", .auth_mode = "-", .last_ke = -1 },
    { .address = "192.0.2.7", .auth_mode = "SK", .key_id = 4000000000u, .key_type = 3,
      .key_bits = 160, .last_ke = -1, .ke_attempts = 0 },
  };
  g_autofree char *text = mctl_chrony_format_authdata (s, 3, FALSE, FALSE);
  g_autofree char *verbose = mctl_chrony_format_authdata (s, 1, TRUE, FALSE);
  g_autofree char *csv = mctl_chrony_format_authdata (s, 3, FALSE, TRUE);

  g_assert_cmpstr (text, ==,
    "Name/IP address             Mode KeyID Type KLen Last Atmp  NAK Cook CLen\n"
    "=========================================================================\n"
    "time.cloudflare.com          NTS     1   15  256  33m    0    0    8  100\n"
    "time.apple.com                 -     0    0    0    -    0    0    0    0\n"
    "192.0.2.7                     SK 4000000000    3  160    -    0    0    0    0\n");
  g_assert_true (g_str_has_prefix (verbose,
    "                             .- Auth. mechanism (NTS, SK - symmetric key)\n"
    "                            |   Key length -.  Cookie length (bytes) -.\n"
    "                            |       (bits)  |  Num. of cookies --.    |\n"
    "                            |               |  Key est. attempts  |   |\n"
    "                            |               |           |         |   |\n"
    "Name/IP address "));
  g_assert_cmpstr (csv, ==,
    "162.159.200.1,NTS,1,15,256,1985,0,0,8,100\n"
    "17.253.4.125,-,0,0,0,4294967295,0,0,0,0\n"
    "192.0.2.7,SK,4000000000,3,160,4294967295,0,0,0,0\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  fixtures = g_getenv ("CHRONYC_FIXTURES");
  if (fixtures == NULL)
    fixtures = SOURCE_FIXTURES;
  g_test_add_func ("/chrony/sources", test_sources);
  g_test_add_func ("/chrony/sourcestats", test_sourcestats);
  g_test_add_func ("/chrony/selectdata", test_selectdata);
  g_test_add_func ("/chrony/selectdata-columns", test_selectdata_columns);
  g_test_add_func ("/chrony/selectdata-words", test_selectdata_words);
  g_test_add_func ("/chrony/tracking-text", test_tracking_text);
  g_test_add_func ("/chrony/tracking-csv", test_tracking_csv);
  g_test_add_func ("/chrony/tracking-unsynchronised", test_tracking_unsynchronised);
  g_test_add_func ("/chrony/fast-and-slow", test_fast_and_slow);
  g_test_add_func ("/chrony/units", test_units);
  g_test_add_func ("/chrony/ntpdata", test_ntpdata);
  g_test_add_func ("/chrony/ntpdata-words", test_ntpdata_words);
  g_test_add_func ("/chrony/authdata", test_authdata);
  g_test_add_func ("/chrony/activity", test_activity);
  g_test_add_func ("/chrony/names-and-extremes", test_names_and_extremes);
  return g_test_run ();
}
