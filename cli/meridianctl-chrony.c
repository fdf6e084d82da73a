/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * meridianctl-chrony: chronyc 4.3's report layouts (see meridianctl-chrony.h).
 *
 * The rules, as chronyc applies them:
 *  - offsets and errors carry a unit chosen by size so that four digits suffice: ns below
 *    9999.5 ns, then us, ms, then seconds with one decimal below 999.5 s, then s, m, h, d, y;
 *    signed values always show their sign;
 *  - the time since the last sample switches to minutes at 1200 s, hours at 36000 s, days at
 *    4 days and years past 999 days; "-" when there was none;
 *  - the reachability register is octal; frequencies have three decimals below 99999.5 ppm;
 *  - tracking's system time and frequency say "fast" or "slow" by the sign of the unrounded
 *    value, as chronyc's %O and %F do (print_report: `(value > 0.0) ^ (spec != 'O') ? "slow" :
 *    "fast"`, value in chronyc's signs): a correction > 0 (the clock is slow) reads "slow",
 *    anything else, zero included, "fast"; a frequency > 0 reads "fast", anything else, zero
 *    included, "slow". A value that rounds to zero keeps its word: 0.000 ppm can be either;
 *  - in CSV (-c) only the values are printed, comma-separated: offsets in seconds with nine
 *    decimals, frequencies with three, no signs forced, no units, the address for a name, the
 *    reference time as seconds.nanoseconds, and 4294967295 for "never".
 */
#include <math.h>
#include <string.h>

#include "meridianctl-chrony.h"

/* printf of one double in the C locale, whatever LC_NUMERIC says. */
static void
append_double (GString *out, const char *format, double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE + 32];

  g_string_append (out, g_ascii_formatd (buffer, sizeof buffer, format, value));
}

void
mctl_chrony_append_seconds (GString *out, gint64 seconds)
{
  /* chronyc receives this as an unsigned 32-bit count, all ones meaning "never". */
  guint32 s = seconds < 0 ? G_MAXUINT32 : (guint32) MIN (seconds, (gint64) G_MAXUINT32);

  if (s == G_MAXUINT32)
    g_string_append (out, "   -");
  else if (s < 1200)
    g_string_append_printf (out, "%4u", s);
  else if (s < 36000)
    g_string_append_printf (out, "%3um", s / 60);
  else if (s < 345600)
    g_string_append_printf (out, "%3uh", s / 3600);
  else if (s / 86400 > 999)
    g_string_append_printf (out, "%3uy", s / 86400 / 365);
  else
    g_string_append_printf (out, "%3ud", s / 86400);
}

/* The unit ladder shared by the signed and unsigned forms. */
static void
append_scaled (GString *out, double s, gboolean sign)
{
  double x;
  static const struct {
    double below, scale;
    const char *unit;
  } small[] = {
    { 9999.5e-9, 1e9, "ns" },
    { 9999.5e-6, 1e6, "us" },
    { 9999.5e-3, 1e3, "ms" },
  };

  if (!sign)
    s = fabs (s);
  x = fabs (s);

  for (gsize i = 0; i < G_N_ELEMENTS (small); i++)
    if (x < small[i].below)
      {
        append_double (out, sign ? "%+5.0f" : "%4.0f", s * small[i].scale);
        g_string_append (out, small[i].unit);
        return;
      }
  if (x < 999.5)
    {
      append_double (out, sign ? "%+6.1f" : "%5.1f", s);
      g_string_append_c (out, 's');
      return;
    }

  static const struct {
    double below, scale;
    char unit;
  } large[] = {
    { 99999.5, 1, 's' },
    { 99999.5 * 60, 60, 'm' },
    { 99999.5 * 3600, 3600, 'h' },
    { 99999.5 * 86400, 86400, 'd' },
    { INFINITY, 86400.0 * 365, 'y' },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (large); i++)
    if (x < large[i].below || i + 1 == G_N_ELEMENTS (large))
      {
        append_double (out, sign ? "%+6.0f" : "%5.0f", s / large[i].scale);
        g_string_append_c (out, large[i].unit);
        return;
      }
}

void
mctl_chrony_append_nanoseconds (GString *out, double seconds)
{
  append_scaled (out, seconds, FALSE);
}

void
mctl_chrony_append_signed_nanoseconds (GString *out, double seconds)
{
  append_scaled (out, seconds, TRUE);
}

static void
append_ppm (GString *out, double ppm, gboolean sign)
{
  if (fabs (ppm) < 99999.5)
    append_double (out, sign ? "%+10.3f" : "%10.3f", ppm);
  else
    append_double (out, sign ? "%+10.0f" : "%10.0f", ppm);
}

char
mctl_chrony_mode_char (MctlChronyMode mode)
{
  switch (mode)
    {
    case MCTL_CHRONY_MODE_SERVER: return '^';
    case MCTL_CHRONY_MODE_PEER:   return '=';
    case MCTL_CHRONY_MODE_LOCAL:  return '#';
    }
  return ' ';
}

char
mctl_chrony_state_char (MctlChronyState state)
{
  switch (state)
    {
    case MCTL_CHRONY_STATE_SELECTED:     return '*';
    case MCTL_CHRONY_STATE_COMBINED:     return '+';
    case MCTL_CHRONY_STATE_NOT_COMBINED: return '-';
    case MCTL_CHRONY_STATE_FALSETICKER:  return 'x';
    case MCTL_CHRONY_STATE_JITTERY:      return '~';
    case MCTL_CHRONY_STATE_UNUSABLE:     return '?';
    }
  return ' ';
}

gboolean
mctl_chrony_state_from_string (const char *text, MctlChronyState *state)
{
  static const char *const names[] = {
    [MCTL_CHRONY_STATE_SELECTED] = "selected",
    [MCTL_CHRONY_STATE_COMBINED] = "combined",
    [MCTL_CHRONY_STATE_NOT_COMBINED] = "not-combined",
    [MCTL_CHRONY_STATE_FALSETICKER] = "falseticker",
    [MCTL_CHRONY_STATE_JITTERY] = "too-variable",
    [MCTL_CHRONY_STATE_UNUSABLE] = "unusable",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (text, names[i]) == 0)
      {
        *state = (MctlChronyState) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
mctl_chrony_mode_from_string (const char *text, MctlChronyMode *mode)
{
  /* A pool's addresses are servers; a peer is polled as a client but shown as chronyc
   * shows peers. */
  if (g_strcmp0 (text, "server") == 0 || g_strcmp0 (text, "pool") == 0)
    *mode = MCTL_CHRONY_MODE_SERVER;
  else if (g_strcmp0 (text, "peer") == 0)
    *mode = MCTL_CHRONY_MODE_PEER;
  else if (g_strcmp0 (text, "local") == 0 || g_strcmp0 (text, "refclock") == 0)
    *mode = MCTL_CHRONY_MODE_LOCAL;
  else
    return FALSE;
  return TRUE;
}

static const char *const leap_names[] = {
  [MCTL_CHRONY_LEAP_NORMAL] = "Normal",
  [MCTL_CHRONY_LEAP_INSERT] = "Insert second",
  [MCTL_CHRONY_LEAP_DELETE] = "Delete second",
  [MCTL_CHRONY_LEAP_UNSYNCHRONISED] = "Not synchronised",
};

MctlChronyLeap
mctl_chrony_leap_from_string (const char *text)
{
  for (gsize i = 0; i < G_N_ELEMENTS (leap_names); i++)
    if (g_strcmp0 (text, leap_names[i]) == 0)
      return (MctlChronyLeap) i;
  return MCTL_CHRONY_LEAP_UNSYNCHRONISED;
}

const char *
mctl_chrony_leap_to_string (MctlChronyLeap leap)
{
  return (gsize) leap < G_N_ELEMENTS (leap_names) ? leap_names[leap] : "Invalid";
}

char
mctl_chrony_select_state_char (const char *text)
{
  /* chronyd's letters (sources.c), in the words of the Source object. */
  static const struct {
    const char *word;
    char letter;
  } states[] = {
    { "noselect", 'N' },          { "unsynchronised", 's' },   { "missing-samples", 'M' },
    { "large-distance", 'd' },    { "jittery", '~' },          { "waits-for-samples", 'w' },
    { "stale", 'S' },             { "not-trusted", 'T' },      { "falseticker", 'x' },
    { "waits-for-sources", 'W' }, { "not-preferred", 'P' },    { "distant", 'D' },
    { "combined", '+' },          { "best", '*' },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (states); i++)
    if (g_strcmp0 (text, states[i].word) == 0)
      return states[i].letter;
  return '?';
}

MctlChronyOptions
mctl_chrony_options_from_strv (const char *const *options)
{
  static const struct {
    const char *word;
    MctlChronyOptions option;
  } words[] = {
    { "noselect", MCTL_CHRONY_OPTION_NOSELECT },
    { "prefer", MCTL_CHRONY_OPTION_PREFER },
    { "trust", MCTL_CHRONY_OPTION_TRUST },
    { "require", MCTL_CHRONY_OPTION_REQUIRE },
  };
  MctlChronyOptions out = 0;

  for (gsize i = 0; options != NULL && options[i] != NULL; i++)
    for (gsize j = 0; j < G_N_ELEMENTS (words); j++)
      if (g_str_equal (options[i], words[j].word))
        out |= words[j].option;
  return out;
}

/* The header line and its underline of '=' as long as it. */
static void
append_header (GString *out, const char *header)
{
  g_string_append_printf (out, "%s\n", header);
  for (gsize i = strlen (header); i > 0; i--)
    g_string_append_c (out, '=');
  g_string_append_c (out, '\n');
}

/* A run of CSV values, each in its own printf format, comma-separated (none after the last). */
typedef struct {
  const char *format;
  double value;
} CsvDouble;

static void
append_csv_doubles (GString *out, const CsvDouble *values, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_double (out, values[i].format, values[i].value);
    }
}

/* chronyc shortens a resolved name to 25 columns, its last one '>'; addresses stay whole. */
static char *
display_name (const char *name, const char *address)
{
  if (name == NULL || *name == '\0')
    return g_strdup (address ? address : "");
  if (strlen (name) > 25)
    {
      char *cut = g_strndup (name, 25);
      cut[24] = '>';
      return cut;
    }
  return g_strdup (name);
}

static const char sources_legend[] =
  "\n"
  "  .-- Source mode  '^' = server, '=' = peer, '#' = local clock.\n"
  " / .- Source state '*' = current best, '+' = combined, '-' = not combined,\n"
  "| /             'x' = may be in error, '~' = too variable, '?' = unusable.\n"
  "||                                                 .- xxxx [ yyyy ] +/- zzzz\n"
  "||      Reachability register (octal) -.           |  xxxx = adjusted offset,\n"
  "||      Log2(Polling interval) --.      |          |  yyyy = measured offset,\n"
  "||                                \\     |          |  zzzz = estimated error.\n"
  "||                                 |    |           \\\n";

static const char sourcestats_legend[] =
  "                             .- Number of sample points in measurement set.\n"
  "                            /    .- Number of residual runs with same sign.\n"
  "                           |    /    .- Length of measurement set (time).\n"
  "                           |   |    /      .- Est. clock freq error (ppm).\n"
  "                           |   |   |      /           .- Est. error in freq.\n"
  "                           |   |   |     |           /         .- Est. offset.\n"
  "                           |   |   |     |          |          |   On the -.\n"
  "                           |   |   |     |          |          |   samples. \\\n"
  "                           |   |   |     |          |          |             |\n";

/* CSV's "never" for a count of seconds, as chronyc's unsigned 32-bit field carries it. */
static guint32
csv_seconds (gint64 seconds)
{
  return seconds < 0 ? G_MAXUINT32 : (guint32) MIN (seconds, (gint64) G_MAXUINT32);
}

/* One source's line of `sources`, in CSV or as text. */
static void
append_sources_row (GString *out, const MctlChronySource *s, gboolean csv)
{
  if (csv)
    {
      const CsvDouble values[] = { { "%.9f", s->adjusted_offset },
                                   { "%.9f", s->measured_offset },
                                   { "%.9f", s->error_bound } };

      g_string_append_printf (out, "%c,%c,%s,%d,%d,%o,%u,", mctl_chrony_mode_char (s->mode),
                              mctl_chrony_state_char (s->state), s->address ? s->address : "",
                              s->stratum, s->poll, s->reach & 0xffu, csv_seconds (s->last_rx));
      append_csv_doubles (out, values, G_N_ELEMENTS (values));
    }
  else
    {
      g_autofree char *name = display_name (s->name, s->address);

      g_string_append_printf (out, "%c%c %-27s  %2d  %2d   %3o  ", mctl_chrony_mode_char (s->mode),
                              mctl_chrony_state_char (s->state), name, s->stratum, s->poll,
                              s->reach & 0xffu);
      mctl_chrony_append_seconds (out, s->last_rx);
      g_string_append (out, "  ");
      mctl_chrony_append_signed_nanoseconds (out, s->adjusted_offset);
      g_string_append_c (out, '[');
      mctl_chrony_append_signed_nanoseconds (out, s->measured_offset);
      g_string_append (out, "] +/- ");
      mctl_chrony_append_nanoseconds (out, s->error_bound);
    }
  g_string_append_c (out, '\n');
}

/* One source's line of `sourcestats`, in CSV or as text. */
static void
append_sourcestats_row (GString *out, const MctlChronySource *s, gboolean csv)
{
  if (csv)
    {
      const CsvDouble values[] = { { "%.3f", s->frequency }, { "%.3f", s->skew },
                                   { "%.9f", s->offset }, { "%.9f", s->std_dev } };

      g_string_append_printf (out, "%s,%u,%u,%u,", s->address ? s->address : "", s->samples,
                              s->runs, csv_seconds (s->span));
      append_csv_doubles (out, values, G_N_ELEMENTS (values));
    }
  else
    {
      g_autofree char *name = display_name (s->name, s->address);

      g_string_append_printf (out, "%-25s %3u %3u  ", name, s->samples, s->runs);
      mctl_chrony_append_seconds (out, s->span);
      g_string_append_c (out, ' ');
      append_ppm (out, s->frequency, TRUE);
      g_string_append_c (out, ' ');
      append_ppm (out, s->skew, FALSE);
      g_string_append (out, "  ");
      mctl_chrony_append_signed_nanoseconds (out, s->offset);
      g_string_append (out, "  ");
      mctl_chrony_append_nanoseconds (out, s->std_dev);
    }
  g_string_append_c (out, '\n');
}

/* `authdata`: chronyc 4.3's columns (client.c, process_cmd_authdata) and its -v legend. */
static const char authdata_legend[] =
  "                             .- Auth. mechanism (NTS, SK - symmetric key)\n"
  "                            |   Key length -.  Cookie length (bytes) -.\n"
  "                            |       (bits)  |  Num. of cookies --.    |\n"
  "                            |               |  Key est. attempts  |   |\n"
  "                            |               |           |         |   |\n";

static void
append_authdata_row (GString *out, const MctlChronySource *s, gboolean csv)
{
  const char *mode = s->auth_mode ? s->auth_mode : "-";

  if (csv)
    g_string_append_printf (out, "%s,%s,%u,%u,%u,%u,%u,%u,%u,%u", s->address ? s->address : "",
                            mode, s->key_id, s->key_type, s->key_bits, csv_seconds (s->last_ke),
                            s->ke_attempts, s->nak ? 1u : 0u, s->cookies, s->cookie_len);
  else
    {
      g_autofree char *name = display_name (s->name, s->address);

      g_string_append_printf (out, "%-27s %4s %5u %4u %4u ", name, mode, s->key_id, s->key_type,
                              s->key_bits);
      mctl_chrony_append_seconds (out, s->last_ke);
      g_string_append_printf (out, " %4u %4u %4u %4u", s->ke_attempts, s->nak ? 1u : 0u,
                              s->cookies, s->cookie_len);
    }
  g_string_append_c (out, '\n');
}

/* `selectdata`: chronyc 4.3's columns (client.c, process_cmd_selectdata: "%c %-25s %c
 * %c%c%c%c%c %c%c%c%c%c %I %5.1f %+S %+S  %1L") and its -v legend, whose "update,," is
 * chronyc's own. */
static const char selectdata_legend[] =
  "  . State: N - noselect, s - unsynchronised, M - missing samples,\n"
  " /         d/D - large distance, ~ - jittery, w/W - waits for others,\n"
  "|          S - stale, O - orphan, T - not trusted, P - not preferred,\n"
  "|          U - waits for update,, x - falseticker, + - combined, * - best.\n"
  "|   Effective options   ---------.  (N - noselect, P - prefer\n"
  "|   Configured options  ----.     \\  T - trust, R - require)\n"
  "|   Auth. enabled (Y/N) -.   \\     \\     Offset interval --.\n"
  "|                        |    |     |                       |\n";

/* The five option columns, each its letter or '-'; chronyc prints the fifth as '-' always.
 * In CSV each is a field of its own. */
static void
append_options (GString *out, MctlChronyOptions options, gboolean csv)
{
  static const struct {
    MctlChronyOptions option;
    char letter;
  } letters[] = {
    { MCTL_CHRONY_OPTION_NOSELECT, 'N' },
    { MCTL_CHRONY_OPTION_PREFER, 'P' },
    { MCTL_CHRONY_OPTION_TRUST, 'T' },
    { MCTL_CHRONY_OPTION_REQUIRE, 'R' },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (letters); i++)
    {
      g_string_append_c (out, options & letters[i].option ? letters[i].letter : '-');
      if (csv)
        g_string_append_c (out, ',');
    }
  g_string_append_c (out, '-');
}

/* chronyc's "%1L": the leap status in one column. */
static char
leap_char (MctlChronyLeap leap)
{
  switch (leap)
    {
    case MCTL_CHRONY_LEAP_NORMAL: return 'N';
    case MCTL_CHRONY_LEAP_INSERT: return '+';
    case MCTL_CHRONY_LEAP_DELETE: return '-';
    case MCTL_CHRONY_LEAP_UNSYNCHRONISED: return '?';
    }
  return '?';
}

static void
append_selectdata_row (GString *out, const MctlChronySource *s, gboolean csv)
{
  /* chronyd's wire format has no -0 (UTI_FloatHostToNetwork takes the sign of x < 0): an
   * interval of -0.0 s reads "+0ns" and "0.000000000" in chronyc, so it does here. */
  double lo = s->lo_limit + 0.0, hi = s->hi_limit + 0.0;

  if (csv)
    {
      const CsvDouble values[] = { { "%.1f", s->score }, { "%.9f", lo }, { "%.9f", hi } };

      g_string_append_printf (out, "%c,%s,%c,", s->select_state, s->address ? s->address : "",
                              s->authenticated ? 'Y' : 'N');
      append_options (out, s->conf_options, TRUE);
      g_string_append_c (out, ',');
      append_options (out, s->eff_options, TRUE);
      g_string_append_printf (out, ",%u,", csv_seconds (s->last_sample_ago));
      append_csv_doubles (out, values, G_N_ELEMENTS (values));
      g_string_append_printf (out, ",%s", mctl_chrony_leap_to_string (s->leap));
    }
  else
    {
      g_autofree char *name = display_name (s->name, s->address);

      g_string_append_printf (out, "%c %-25s %c ", s->select_state, name,
                              s->authenticated ? 'Y' : 'N');
      append_options (out, s->conf_options, FALSE);
      g_string_append_c (out, ' ');
      append_options (out, s->eff_options, FALSE);
      g_string_append_c (out, ' ');
      mctl_chrony_append_seconds (out, s->last_sample_ago);
      g_string_append_c (out, ' ');
      append_double (out, "%5.1f", s->score);
      g_string_append_c (out, ' ');
      mctl_chrony_append_signed_nanoseconds (out, lo);
      g_string_append_c (out, ' ');
      mctl_chrony_append_signed_nanoseconds (out, hi);
      g_string_append_printf (out, "  %c", leap_char (s->leap));
    }
  g_string_append_c (out, '\n');
}

/* A table of one row a source: nothing before it in CSV, else the legend (with -v) and the
 * header. */
typedef struct {
  const char *legend;
  const char *header;
  void (*append_row) (GString *out, const MctlChronySource *s, gboolean csv);
} Table;

static const Table sources_table = {
  sources_legend,
  "MS Name/IP address         Stratum Poll Reach LastRx Last sample               ",
  append_sources_row,
};

static const Table sourcestats_table = {
  sourcestats_legend,
  "Name/IP Address            NP  NR  Span  Frequency  Freq Skew  Offset  Std Dev",
  append_sourcestats_row,
};

static const Table selectdata_table = {
  selectdata_legend,
  "S Name/IP Address        Auth COpts EOpts Last Score     Interval  Leap",
  append_selectdata_row,
};

static const Table authdata_table = {
  authdata_legend,
  "Name/IP address             Mode KeyID Type KLen Last Atmp  NAK Cook CLen",
  append_authdata_row,
};

static char *
format_table (const Table *table, const MctlChronySource *sources, guint n, gboolean verbose,
              gboolean csv)
{
  GString *out = g_string_new (NULL);

  if (!csv)
    {
      if (verbose)
        g_string_append (out, table->legend);
      append_header (out, table->header);
    }
  for (guint i = 0; i < n; i++)
    table->append_row (out, &sources[i], csv);
  return g_string_free (out, FALSE);
}

char *
mctl_chrony_format_sources (const MctlChronySource *s, guint n, gboolean verbose, gboolean csv)
{
  return format_table (&sources_table, s, n, verbose, csv);
}

char *
mctl_chrony_format_sourcestats (const MctlChronySource *s, guint n, gboolean verbose, gboolean csv)
{
  return format_table (&sourcestats_table, s, n, verbose, csv);
}

char *
mctl_chrony_format_selectdata (const MctlChronySource *s, guint n, gboolean verbose, gboolean csv)
{
  return format_table (&selectdata_table, s, n, verbose, csv);
}

char *
mctl_chrony_format_authdata (const MctlChronySource *s, guint n, gboolean verbose, gboolean csv)
{
  return format_table (&authdata_table, s, n, verbose, csv);
}

char *
mctl_chrony_format_activity (const MctlChronyActivity *a, gboolean csv)
{
  /* chronyc prints the reply's status before the report, but not in CSV. */
  if (csv)
    return g_strdup_printf ("%u,%u,%u,%u,%u\n", a->online, a->offline, a->burst_online,
                            a->burst_offline, a->unknown_address);
  return g_strdup_printf ("200 OK\n"
                          "%u sources online\n"
                          "%u sources offline\n"
                          "%u sources doing burst (return to online)\n"
                          "%u sources doing burst (return to offline)\n"
                          "%u sources with unknown address\n",
                          a->online, a->offline, a->burst_online, a->burst_offline,
                          a->unknown_address);
}

char *
mctl_chrony_format_serverstats (const MctlChronyServerStats *s, gboolean csv)
{
  guint64 values[11] = {
    s->answered + s->rate_limited + s->authenticated,   /* NTP packets received */
    s->rate_limited + s->authenticated,                 /* NTP packets dropped */
    0, 0,                                               /* command packets */
    s->forgotten,                                       /* client log records dropped */
    0, 0, 0, 0, 0, 0,                                   /* NTS-KE, authenticated, interleaved,
                                                         * timestamps held and their span */
  };
  static const char *const labels[11] = {
    "NTP packets received", "NTP packets dropped", "Command packets received",
    "Command packets dropped", "Client log records dropped", "NTS-KE connections accepted",
    "NTS-KE connections dropped", "Authenticated NTP packets", "Interleaved NTP packets",
    "NTP timestamps held", "NTP timestamp span",
  };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      if (csv)
        g_string_append_printf (out, "%s%" G_GUINT64_FORMAT, i > 0 ? "," : "", values[i]);
      else
        g_string_append_printf (out, "%-27s: %" G_GUINT64_FORMAT "\n", labels[i], values[i]);
    }
  if (csv)
    g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

/* An interval as chronyc's clients shows it: log2 of the seconds, rounded; 127 = not known. */
static int
log2_interval (double seconds)
{
  if (!(seconds > 0) || !isfinite (seconds))
    return 127;
  return (int) CLAMP (lround (log2 (seconds)), -126, 126);
}

static void
append_log2_interval (GString *out, double seconds)
{
  int v = log2_interval (seconds);

  if (v == 127)
    g_string_append (out, " -");
  else
    g_string_append_printf (out, "%2d", v);
}

char *
mctl_chrony_format_clients (const MctlChronyClient *clients, guint n, gboolean csv)
{
  GString *out = g_string_new (NULL);

  if (!csv)
    g_string_append (out, "Hostname                      NTP   Drop Int IntL Last     Cmd   Drop "
                          "Int  Last\n"
                          "================================================================="
                          "==============\n");
  for (guint i = 0; i < n; i++)
    {
      const MctlChronyClient *c = &clients[i];
      gint64 last = (gint64) floor (c->last_ago);

      if (csv)
        {
          g_string_append_printf (out, "%s,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%d,%d,%u,"
                                  "0,0,127,%u\n", c->name, c->requests, c->dropped,
                                  log2_interval (c->interval),
                                  log2_interval (c->interval_answered), csv_seconds (last),
                                  G_MAXUINT32);
          continue;
        }
      g_string_append_printf (out, "%-25.25s  %6" G_GUINT64_FORMAT "  %5" G_GUINT64_FORMAT "  ",
                              c->name, c->requests, c->dropped);
      append_log2_interval (out, c->interval);
      g_string_append (out, "  ");
      append_log2_interval (out, c->interval_answered);
      g_string_append (out, "  ");
      mctl_chrony_append_seconds (out, last);
      g_string_append_printf (out, "  %6u  %5u   -  ", 0u, 0u);
      mctl_chrony_append_seconds (out, -1);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

char *
mctl_chrony_format_tracking (const MctlChronyTracking *t, gboolean csv)
{
  static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  GString *out = g_string_new (NULL);
  /* chronyc's "current correction" is positive when the clock is slow: ours has the opposite
   * sign (positive = fast), as the D-Bus property documents. */
  double correction = 0.0 - t->system_time;   /* never -0.0: CSV would print "-0.000000000" */
  const char *address = t->ref_address ? t->ref_address : "";

  if (csv)
    {
      g_string_append_printf (out, "%08X,%s,%d,%" G_GINT64_FORMAT ".%09u,", t->ref_id, address,
                              t->stratum, t->ref_time_s, t->ref_time_ns);
      const CsvDouble values[] = {
        { "%.9f", correction }, { "%.9f", t->last_offset }, { "%.9f", t->rms_offset },
        { "%.3f", t->frequency }, { "%.3f", t->residual_freq }, { "%.3f", t->skew },
        { "%.9f", t->root_delay }, { "%.9f", t->root_dispersion },
        { "%.1f", t->update_interval },
      };

      append_csv_doubles (out, values, G_N_ELEMENTS (values));
      g_string_append_printf (out, ",%s\n", mctl_chrony_leap_to_string (t->leap));
      return g_string_free (out, FALSE);
    }

  g_autoptr(GDateTime) ref = g_date_time_new_from_unix_utc (t->ref_time_s);
  g_string_append_printf (out, "Reference ID    : %08X (%s)\n", t->ref_id,
                          t->ref_name && *t->ref_name ? t->ref_name : address);
  g_string_append_printf (out, "Stratum         : %d\n", t->stratum);
  if (ref != NULL)
    g_string_append_printf (out, "Ref time (UTC)  : %s %s %02d %02d:%02d:%02d %d\n",
                            days[g_date_time_get_day_of_week (ref) % 7],
                            months[g_date_time_get_month (ref) - 1],
                            g_date_time_get_day_of_month (ref), g_date_time_get_hour (ref),
                            g_date_time_get_minute (ref), g_date_time_get_second (ref),
                            g_date_time_get_year (ref));
  else
    g_string_append (out, "Ref time (UTC)  : \n");
  g_string_append (out, "System time     : ");
  append_double (out, "%.9f", fabs (correction));
  g_string_append_printf (out, " seconds %s of NTP time\n", correction > 0.0 ? "slow" : "fast");
  g_string_append (out, "Last offset     : ");
  append_double (out, "%+.9f", t->last_offset);
  g_string_append (out, " seconds\nRMS offset      : ");
  append_double (out, "%.9f", t->rms_offset);
  g_string_append (out, " seconds\nFrequency       : ");
  append_double (out, "%.3f", fabs (t->frequency));
  g_string_append_printf (out, " ppm %s\n", t->frequency > 0.0 ? "fast" : "slow");
  g_string_append (out, "Residual freq   : ");
  append_double (out, "%+.3f", t->residual_freq);
  g_string_append (out, " ppm\nSkew            : ");
  append_double (out, "%.3f", t->skew);
  g_string_append (out, " ppm\nRoot delay      : ");
  append_double (out, "%.9f", t->root_delay);
  g_string_append (out, " seconds\nRoot dispersion : ");
  append_double (out, "%.9f", t->root_dispersion);
  g_string_append (out, " seconds\nUpdate interval : ");
  append_double (out, "%.1f", t->update_interval);
  g_string_append_printf (out, " seconds\nLeap status     : %s\n",
                          mctl_chrony_leap_to_string (t->leap));
  return g_string_free (out, FALSE);
}

char *
mctl_chrony_format_waitsync_try (int attempt, guint32 ref_id, double correction, double skew,
                                 gboolean csv)
{
  GString *out = g_string_new (NULL);

  /* chronyc's "try: %d, refid: %R, correction: %.9f, skew: %.3f"; in CSV its values alone. */
  g_string_append_printf (out, csv ? "%d,%08X," : "try: %d, refid: %08X, correction: ", attempt,
                          ref_id);
  append_double (out, "%.9f", fabs (correction));
  g_string_append (out, csv ? "," : ", skew: ");
  append_double (out, "%.3f", skew);
  g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

/* chronyc's UTI_RefidToString: the ID's printable bytes as text, the others left out. */
static void
append_refid_text (GString *out, guint32 id)
{
  for (int shift = 24; shift >= 0; shift -= 8)
    {
      guchar c = (id >> shift) & 0xff;

      if (g_ascii_isprint (c))
        g_string_append_c (out, (char) c);
    }
}

static const char *
ntp_mode_name (guint mode)
{
  switch (mode)
    {
    case 1: return "Symmetric active";
    case 2: return "Symmetric passive";
    case 4: return "Server";
    default: return "Invalid";
    }
}

static const char *
timestamping_name (char source)
{
  switch (source)
    {
    case 'D': return "Daemon";
    case 'K': return "Kernel";
    case 'H': return "Hardware";
    default: return "Invalid";
    }
}

/* chronyc's "%.Nb": the low N bits, the highest first. */
static void
append_bits (GString *out, guint bits, int n)
{
  for (int i = n - 1; i >= 0; i--)
    g_string_append_c (out, bits & (1u << i) ? '1' : '0');
}

char *
mctl_chrony_format_ntpdata (const MctlChronyNtpData *d, gboolean csv)
{
  static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  GString *out = g_string_new (NULL);
  g_autoptr(GString) ref_text = g_string_new (NULL);
  g_autoptr(GString) tests = g_string_new (NULL);
  g_autofree char *ref_time = NULL;
  g_autoptr(GDateTime) ref = g_date_time_new_from_unix_utc (d->ref_time_s);
  /* chronyc's print_report: in CSV each value alone, signs not forced, the time as
   * seconds.nanoseconds; in text the labels around them. */
  const char *sep = csv ? "," : NULL;

  /* chronyc names the reference ID only for a stratum-1 (or 0) server, whose ID is text. */
  if (d->stratum <= 1)
    append_refid_text (ref_text, d->ref_id);
  append_bits (tests, d->tests >> 7, 3);
  g_string_append_c (tests, csv ? ',' : ' ');
  append_bits (tests, d->tests >> 4, 3);
  g_string_append_c (tests, csv ? ',' : ' ');
  append_bits (tests, d->tests, 4);
  if (csv)
    ref_time = g_strdup_printf ("%" G_GINT64_FORMAT ".%09u", d->ref_time_s, d->ref_time_ns);
  else if (ref != NULL)
    ref_time = g_strdup_printf ("%s %s %02d %02d:%02d:%02d %d",
                                days[g_date_time_get_day_of_week (ref) % 7],
                                months[g_date_time_get_month (ref) - 1],
                                g_date_time_get_day_of_month (ref), g_date_time_get_hour (ref),
                                g_date_time_get_minute (ref), g_date_time_get_second (ref),
                                g_date_time_get_year (ref));
  else
    ref_time = g_strdup ("");

  if (csv)
    {
      g_string_append_printf (out, "%s,%08X,%u,%s,%08X,%s,%u,%s,%u,%d,", d->remote_address,
                              d->remote_id, d->remote_port, d->local_address, d->local_id,
                              mctl_chrony_leap_to_string (d->leap), d->version,
                              ntp_mode_name (d->mode), d->stratum, d->poll);
      append_double (out, "%.0f", ldexp (1.0, d->poll));
      g_string_append_printf (out, ",%d,", d->precision);
      append_double (out, "%.9f", ldexp (1.0, d->precision));
      g_string_append (out, sep);
      append_double (out, "%.6f", d->root_delay);
      g_string_append (out, sep);
      append_double (out, "%.6f", d->root_dispersion);
      g_string_append_printf (out, ",%08X,%s,%s,", d->ref_id, ref_text->str, ref_time);
      const double values[] = { d->offset, d->peer_delay, d->peer_dispersion, d->response_time };
      for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
        {
          append_double (out, "%.9f", values[i]);
          g_string_append (out, sep);
        }
      append_double (out, "%.2f", d->jitter_asymmetry);
      g_string_append_printf (out, ",%s,%s,%s,%s,%s,%u,%u,%u,%u\n", tests->str,
                              d->interleaved ? "Yes" : "No", d->authenticated ? "Yes" : "No",
                              timestamping_name (d->tx_timestamping),
                              timestamping_name (d->rx_timestamping), d->total_tx, d->total_rx,
                              d->total_valid_rx, d->total_good_rx);
      return g_string_free (out, FALSE);
    }

  g_string_append_printf (out, "Remote address  : %s (%08X)\n", d->remote_address, d->remote_id);
  g_string_append_printf (out, "Remote port     : %u\n", d->remote_port);
  g_string_append_printf (out, "Local address   : %s (%08X)\n", d->local_address, d->local_id);
  g_string_append_printf (out, "Leap status     : %s\n", mctl_chrony_leap_to_string (d->leap));
  g_string_append_printf (out, "Version         : %u\n", d->version);
  g_string_append_printf (out, "Mode            : %s\n", ntp_mode_name (d->mode));
  g_string_append_printf (out, "Stratum         : %u\n", d->stratum);
  g_string_append_printf (out, "Poll interval   : %d (", d->poll);
  append_double (out, "%.0f", ldexp (1.0, d->poll));
  g_string_append_printf (out, " seconds)\nPrecision       : %d (", d->precision);
  append_double (out, "%.9f", ldexp (1.0, d->precision));
  g_string_append (out, " seconds)\nRoot delay      : ");
  append_double (out, "%.6f", d->root_delay);
  g_string_append (out, " seconds\nRoot dispersion : ");
  append_double (out, "%.6f", d->root_dispersion);
  g_string_append_printf (out, " seconds\nReference ID    : %08X (%s)\n", d->ref_id, ref_text->str);
  g_string_append_printf (out, "Reference time  : %s\n", ref_time);
  g_string_append (out, "Offset          : ");
  append_double (out, "%+.9f", d->offset);
  g_string_append (out, " seconds\nPeer delay      : ");
  append_double (out, "%.9f", d->peer_delay);
  g_string_append (out, " seconds\nPeer dispersion : ");
  append_double (out, "%.9f", d->peer_dispersion);
  g_string_append (out, " seconds\nResponse time   : ");
  append_double (out, "%.9f", d->response_time);
  g_string_append (out, " seconds\nJitter asymmetry: ");
  append_double (out, "%+.2f", d->jitter_asymmetry);
  g_string_append_printf (out, "\nNTP tests       : %s\n", tests->str);
  g_string_append_printf (out, "Interleaved     : %s\n", d->interleaved ? "Yes" : "No");
  g_string_append_printf (out, "Authenticated   : %s\n", d->authenticated ? "Yes" : "No");
  g_string_append_printf (out, "TX timestamping : %s\n", timestamping_name (d->tx_timestamping));
  g_string_append_printf (out, "RX timestamping : %s\n", timestamping_name (d->rx_timestamping));
  g_string_append_printf (out, "Total TX        : %u\n", d->total_tx);
  g_string_append_printf (out, "Total RX        : %u\n", d->total_rx);
  g_string_append_printf (out, "Total valid RX  : %u\n", d->total_valid_rx);
  g_string_append_printf (out, "Total good RX   : %u\n", d->total_good_rx);
  return g_string_free (out, FALSE);
}
