/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-statlog.c — see ntp-statlog.h. */
#include "ntp-statlog.h"
#include "ntp-packet.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const names[NTP_STATLOG_KINDS] = { "measurements", "statistics", "tracking",
                                                      "selection" };

const char *
ntp_statlog_name (NtpStatlogKind kind)
{
  return (unsigned) kind < NTP_STATLOG_KINDS ? names[kind] : NULL;
}

/* "YYYY-MM-DD HH:MM:SS" UTC, 19 characters; false when the time cannot be. */
static bool
format_date (char out[32], int64_t utc_ns)
{
  int64_t secs = utc_ns / 1000000000;
  if (utc_ns < 0 && utc_ns % 1000000000 != 0)
    secs--;
  time_t t = (time_t) secs;
  struct tm tm;
  if ((int64_t) t != secs || gmtime_r (&t, &tm) == NULL || tm.tm_year + 1900 > 9999
      || tm.tm_year + 1900 < 0)
    return false;
  return strftime (out, 32, "%Y-%m-%d %H:%M:%S", &tm) == 19;
}

/* The address column: chronyd's is %-15s; a longer address (IPv6) widens the line, as there.
 * It holds the IP address alone, so an address given with its port (192.0.2.1:1123,
 * [2001:db8::1]:1123, as the daemon names a source on another port) is written without it.
 * Cut at NTP_STATLOG_ADDRESS_MAX so a line always fits its buffer. */
static void
format_address (char out[NTP_STATLOG_ADDRESS_MAX + 1], const char *address)
{
  const char *a = address ? address : "";
  size_t len = strlen (a);
  const char *colon = strrchr (a, ':');
  if (colon && colon[1] && strspn (colon + 1, "0123456789") == strlen (colon + 1)) {
    if (a[0] == '[' && colon > a && colon[-1] == ']') {
      a++;
      len = (size_t) (colon - a) - 1;
    } else if (memchr (a, ':', (size_t) (colon - a)) == NULL) {
      len = (size_t) (colon - a);   /* one colon: IPv4 or a name with its port */
    }
  }
  if (len > NTP_STATLOG_ADDRESS_MAX)
    len = NTP_STATLOG_ADDRESS_MAX;
  memcpy (out, a, len);
  out[len] = '\0';
  for (char *p = out; *p; p++)
    if (*p <= ' ' || *p == 0x7f)
      *p = '_';   /* one field, whatever the name held */
}

static size_t
result (int n)
{
  return n < 0 ? 0 : (size_t) n;
}

static char
leap_char (int leap)
{
  switch (leap) {
  case 0: return 'N';
  case 1: return '+';
  case 2: return '-';
  default: return '?';
  }
}

/* chronyd 4.3's headers, as it writes them (the address column's name stands a little to the
 * right of its field, as there); scripts written for chronyd's files skip them by their text. */
static const char *const banners[NTP_STATLOG_KINDS] = {
  [NTP_STATLOG_MEASUREMENTS] = "   Date (UTC) Time     IP Address   L St 123 567 ABCD  LP RP Score"
                               "    Offset  Peer del. Peer disp.  Root del. Root disp. Refid     MTxRx",
  [NTP_STATLOG_STATISTICS] = "   Date (UTC) Time     IP Address    Std dev'n Est offset  Offset sd"
                             "  Diff freq   Est skew  Stress  Ns  Bs  Nr  Asym",
  [NTP_STATLOG_TRACKING] = "   Date (UTC) Time     IP Address   St   Freq ppm   Skew ppm     Offset"
                           " L Co  Offset sd Rem. corr. Root delay Root disp. Max. error",
  [NTP_STATLOG_SELECTION] = "   Date (UTC) Time     IP Address   S EOpts Reach Score Last sample"
                            "  Low end   High end",
};

size_t
ntp_statlog_banner (NtpStatlogKind kind, char *buf, size_t size)
{
  if ((unsigned) kind >= NTP_STATLOG_KINDS) {
    if (size > 0)
      buf[0] = '\0';
    return 0;
  }
  return result (snprintf (buf, size, "%s", banners[kind]));
}

static bool
all_finite (const double *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return false;
  return true;
}

size_t
ntp_statlog_measurement (char *buf, size_t size, int64_t utc_ns, const NtpStatlogMeasurement *m)
{
  char date[32], address[NTP_STATLOG_ADDRESS_MAX + 1];
  double v[] = { m->score, m->offset, m->delay, m->dispersion, m->root_delay,
                 m->root_dispersion };
  if (!all_finite (v, sizeof v / sizeof v[0]) || !format_date (date, utc_ns))
    return 0;
  format_address (address, m->address);
  /* RFC 5905's tests 1-3 and 5-7 and chronyd's four on the sample, 1 = passed */
  char tests[16];
  static const unsigned order[] = { NTP_TEST_1, NTP_TEST_2, NTP_TEST_3, 0, NTP_TEST_5,
                                    NTP_TEST_6, NTP_TEST_7, 0, NTP_TEST_A, NTP_TEST_B,
                                    NTP_TEST_C, NTP_TEST_D };
  size_t t = 0;
  for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
    tests[t++] = order[k] == 0 ? ' ' : (m->tests & order[k]) ? '1' : '0';
  tests[t] = '\0';
  int poll_l = m->local_poll < -99 ? -99 : m->local_poll > 99 ? 99 : m->local_poll;
  int poll_r = m->remote_poll < -99 ? -99 : m->remote_poll > 99 ? 99 : m->remote_poll;
  return result (snprintf (buf, size, "%s %-15s %c %2d %s  %2d %2d %4.2f %10.3e %10.3e"
                           " %10.3e %10.3e %10.3e %08X %d%c %c %c", date, address,
                           leap_char (m->leap), m->stratum & 0xff, tests, poll_l, poll_r, m->score,
                           -m->offset, m->delay, m->dispersion, m->root_delay,
                           m->root_dispersion, (unsigned) m->refid, m->mode & 7,
                           m->interleaved ? 'I' : 'B', m->tx_kernel ? 'K' : 'D',
                           m->rx_kernel ? 'K' : 'D'));
}

size_t
ntp_statlog_statistics (char *buf, size_t size, int64_t utc_ns, const NtpStatlogStatistics *s)
{
  char date[32], address[NTP_STATLOG_ADDRESS_MAX + 1];
  double v[] = { s->std_dev, s->offset, s->offset_sd, s->freq, s->skew, s->stress,
                 s->asymmetry };
  if (!all_finite (v, sizeof v / sizeof v[0]) || !format_date (date, utc_ns))
    return 0;
  format_address (address, s->address);
  return result (snprintf (buf, size, "%s %-15s %10.3e %10.3e %10.3e %10.3e %10.3e %7.1e %3d %3d"
                           " %3d %5.2f", date, address, s->std_dev, s->offset, s->offset_sd,
                           s->freq, s->skew, s->stress, s->samples, s->discarded, s->runs,
                           s->asymmetry));
}

size_t
ntp_statlog_tracking (char *buf, size_t size, int64_t utc_ns, const NtpStatlogTracking *t)
{
  char date[32], address[NTP_STATLOG_ADDRESS_MAX + 1];
  double v[] = { t->freq_ppm, t->skew_ppm, t->offset, t->offset_sd, t->remaining, t->root_delay,
                 t->root_dispersion, t->max_error };
  if (!all_finite (v, sizeof v / sizeof v[0]) || !format_date (date, utc_ns))
    return 0;
  format_address (address, t->address);
  char leap = t->unsynchronized ? '?' : t->leap == NTP_LEAP_INSERT ? '+'
    : t->leap == NTP_LEAP_DELETE ? '-' : 'N';
  return result (snprintf (buf, size, "%s %-15s %2d %10.3f %10.3f %10.3e %c %2d %10.3e %10.3e"
                           " %10.3e %10.3e %10.3e", date, address, t->stratum, t->freq_ppm,
                           t->skew_ppm, t->offset, leap, t->combined, t->offset_sd,
                           t->remaining, t->root_delay, t->root_dispersion, t->max_error));
}

size_t
ntp_statlog_selection (char *buf, size_t size, int64_t utc_ns, const NtpStatlogSelection *s)
{
  char date[32], address[NTP_STATLOG_ADDRESS_MAX + 1];
  double v[] = { s->score, s->last_ago, s->lo, s->hi };
  if (!all_finite (v, sizeof v / sizeof v[0]) || !format_date (date, utc_ns)
      || s->state < 0x21 || s->state > 0x7e)
    return 0;
  format_address (address, s->address);
  return result (snprintf (buf, size, "%s %-15s %c -%c%c%c%c %4o %5.2f %10.3e %10.3e %10.3e",
                           date, address, s->state, s->noselect ? 'N' : '-',
                           s->prefer ? 'P' : '-', s->trust ? 'T' : '-', s->require ? 'R' : '-',
                           s->reach & 0xff, s->score, s->last_ago, s->lo, s->hi));
}
