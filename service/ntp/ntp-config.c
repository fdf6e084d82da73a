/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-config.c — chrony.conf lines (chrony.conf(5), chrony 4.3) into NtpConfig and
 * NtpSourceConfig. Errors name the directive, the option and the word at fault, so a person
 * can fix the line; a refused line leaves the configuration as it was. */
#include "ntp-config.h"
#include "ntp-nts.h"
#include "ntp-serve.h"
#include "ntp-stats.h"
#include "ntp-statlog.h"

/* inet_pton and AF_INET/AF_INET6 only: libc's address parsers, no socket */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 64
#define LINE_MAX_LEN 2048

/* chrony's limits on a pool's sources and on the clock filter depth this client keeps. */
#define MAX_POOL_SOURCES 16
#define MAX_FILTER_DEPTH 8

static int
fail (char *err, size_t errlen, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static int
fail (char *err, size_t errlen, const char *fmt, ...)
{
  if (err && errlen) {
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (err, errlen, fmt, ap);
    va_end (ap);
  }
  return -1;
}

static bool
is_comment_char (char c)
{
  return c == '#' || c == '%' || c == ';' || c == '!';
}

/* Split a line into words. A line whose first word starts with a comment character is a
 * comment (0 words), as chrony reads it; nowhere else is a comment character special.
 * Returns the word count, or -1 when the line is too long or has too many words. */
static int
split (const char *line, char *buf, char **words)
{
  size_t len = strlen (line);
  if (len >= LINE_MAX_LEN)
    return -1;
  memcpy (buf, line, len + 1);
  int n = 0;
  char *p = buf;
  while (*p) {
    while (*p && isspace ((unsigned char) *p))
      p++;
    if (!*p)
      break;
    if (n == 0 && is_comment_char (*p))
      break;
    if (n == MAX_WORDS)
      return -1;
    words[n++] = p;
    while (*p && !isspace ((unsigned char) *p))
      p++;
    if (*p)
      *p++ = '\0';
  }
  return n;
}

/* Decimal numbers only: C's strtod also reads "0x1p3", "inf" and "nan", which no chrony.conf
 * means. */
static bool
decimal_syntax (const char *s)
{
  if (!*s)
    return false;
  for (const char *p = s; *p; p++)
    if (!isdigit ((unsigned char) *p) && !strchr ("+-.eE", *p))
      return false;
  return true;
}

static bool
parse_double (const char *s, double *out)
{
  char *end;
  if (!decimal_syntax (s))
    return false;
  errno = 0;
  double v = strtod (s, &end);
  if (end == s || *end || errno || !isfinite (v))
    return false;
  *out = v;
  return true;
}

static bool
parse_long (const char *s, long long *out)
{
  char *end;
  if (!*s || (!isdigit ((unsigned char) *s) && *s != '-' && *s != '+'))
    return false;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (end == s || *end || errno)
    return false;
  *out = v;
  return true;
}

static bool
parse_int (const char *s, int *out)
{
  long long v;
  if (!parse_long (s, &v) || v < -1000000000LL || v > 1000000000LL)
    return false;
  *out = (int) v;
  return true;
}

/* ---- global directives ---- */

void
ntp_config_init (NtpConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->makestep_threshold = 0.0;   /* chrony: no makestep, never step */
  cfg->makestep_limit = 0;
  cfg->maxdistance = 3.0;
  cfg->minsources = 1;
  cfg->maxupdateskew = 1000.0;
  cfg->maxslewrate = 83333.333;
  cfg->maxchange_offset = 0.0;
  cfg->stratumweight = 0.001;
  cfg->reselectdist = 0.0001;
  cfg->combinelimit = 3.0;
  cfg->maxjitter = 1.0;
  cfg->corrtimeratio = 0.0;   /* unset: ntp-discipline.c's own rule */
  cfg->maxclockerror = 1.0;
  cfg->maxdrift = 500000.0;
  cfg->statlog = 0;
  cfg->logchange = 1.0;
  cfg->ntsrefresh = NTS_REFRESH_DEFAULT_S;
  cfg->nocerttimecheck = 0;
  ntp_serve_config_init (&cfg->serve);
}

/* Alphabetical: the list the daemon's config reader asks about. */
static const char *const core_directives[] = {
  "allow", "bindacqaddress", "bindacqdevice", "bindaddress", "binddevice", "clientloglimit",
  "combinelimit", "corrtimeratio", "deny", "dscp", "initstepslew", "leapsecmode", "leapsecond",
  "local", "log", "logchange", "makestep", "maxchange", "maxclockerror", "maxdistance",
  "maxdrift", "maxjitter", "maxsamples", "maxslewrate", "maxupdateskew", "minsamples",
  "minsources", "nocerttimecheck", "noclientlog", "ntsrefresh", "port", "ratelimit",
  "reselectdist", "stratumweight", NULL,
};

const char *const *
ntp_config_core_directives (void)
{
  return core_directives;
}

bool
ntp_config_is_core_directive (const char *name)
{
  if (!name)
    return false;
  for (int i = 0; core_directives[i]; i++)
    if (!strcmp (name, core_directives[i]))
      return true;
  return false;
}

/* chronyc's commands of the same names change these while chronyd runs. */
static const char *const runtime_directives[] = { "makestep", "maxupdateskew", "reselectdist",
                                                   NULL };

const char *const *
ntp_config_runtime_directives (void)
{
  return runtime_directives;
}

int
ntp_config_set_runtime (NtpConfig *cfg, const char *directive, const char *value, char *err,
                        size_t errlen)
{
  bool known = false;
  for (int i = 0; runtime_directives[i]; i++)
    known |= directive && !strcmp (directive, runtime_directives[i]);
  if (!known)
    return fail (err, errlen, "'%s' cannot be changed while running (only makestep, maxupdateskew and"
                 " reselectdist)",
                 directive ? directive : "");
  char line[LINE_MAX_LEN];
  if (!value || strchr (value, '\n') ||
      snprintf (line, sizeof line, "%s %s", directive, value) >= (int) sizeof line)
    return fail (err, errlen, "%s: the value is missing or too long", directive);
  NtpConfig copy = *cfg;
  if (ntp_config_parse_line (&copy, line, err, errlen) != 1)
    return -1;
  *cfg = copy;
  return 0;
}

/* ---- server mode's access rules (allow, deny) ---------------------------------------- */

/* An IPv4 address or prefix as chrony reads one: 1 to 4 dotted numbers of 0..255; fewer
 * than four give a /8, /16 or /24 subnet. */
static bool
parse_ipv4_prefix (const char *s, uint8_t out[4], int *implied_bits)
{
  int parts = 0;
  memset (out, 0, 4);
  const char *p = s;
  while (*p) {
    if (parts == 4 || !isdigit ((unsigned char) *p))
      return false;
    int v = 0, digits = 0;
    while (isdigit ((unsigned char) *p)) {
      v = v * 10 + (*p++ - '0');
      if (++digits > 3 || v > 255)
        return false;
    }
    out[parts++] = (uint8_t) v;
    if (*p == '.') {
      p++;
      if (!*p)
        return false;
    } else if (*p) {
      return false;
    }
  }
  if (parts == 0)
    return false;
  *implied_bits = parts * 8;
  return true;
}

/* SUBNET as ntp-serve.h describes it -> a 16-byte address and a prefix length over them. */
static bool
parse_subnet (const char *s, uint8_t addr[16], int *bits)
{
  char host[64];
  const char *slash = strchr (s, '/');
  size_t hl = slash ? (size_t) (slash - s) : strlen (s);
  if (hl == 0 || hl >= sizeof host)
    return false;
  memcpy (host, s, hl);
  host[hl] = '\0';
  int max_bits, implied;
  bool v4 = !strchr (host, ':');
  memset (addr, 0, 16);
  if (v4) {
    uint8_t a4[4];
    if (!parse_ipv4_prefix (host, a4, &implied))
      return false;
    addr[10] = addr[11] = 0xff;
    memcpy (addr + 12, a4, 4);
    max_bits = 32;
  } else {
    if (inet_pton (AF_INET6, host, addr) != 1)
      return false;
    implied = max_bits = 128;
  }
  int b = implied;
  if (slash) {
    const char *q = slash + 1;
    if (!*q || strlen (q) > 3)
      return false;
    b = 0;
    for (; *q; q++) {
      if (!isdigit ((unsigned char) *q))
        return false;
      b = b * 10 + (*q - '0');
    }
    if (b > max_bits)
      return false;
  }
  *bits = v4 ? 96 + b : b;
  /* the bits beyond the prefix play no part */
  for (int i = *bits; i < 128; i++)
    addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
  return true;
}

/* allow/deny [all] [SUBNET] into cfg's rules (ntp-serve.h says how they combine); -1 with a
 * message and cfg unchanged on a bad subnet. */
static int
add_serve_rule (NtpServeConfig *cfg, bool allow, const char *const *words, int n, char *err,
                size_t errlen)
{
  const char *name = allow ? "allow" : "deny";
  bool all = n > 0 && !strcmp (words[0], "all");
  if (all) {
    words++;
    n--;
  }
  if (n > 1)
    return fail (err, errlen, "%s takes at most one subnet, e.g. 192.168.1.0/24 (got '%s')", name,
                 words[1]);
  NtpServeRule r = { .allow = allow };
  if (n == 1 && !parse_subnet (words[0], r.addr, &r.bits))
    return fail (err, errlen, "%s: '%s' is not an address or subnet (e.g. 192.168.1, "
                 "10.0.0.0/8, 2001:db8::/32; host names are not taken)", name, words[0]);
  NtpServeConfig c = *cfg;
  int k = 0;
  bool replaced = false;
  for (int i = 0; i < c.n_rules; i++) {
    NtpServeRule *o = &c.rules[i];
    bool inside = o->bits >= r.bits && ntp_serve_prefix_match (o->addr, r.addr, r.bits);
    if (o->bits == r.bits && inside) {
      /* the same subnet: the later rule decides */
      c.rules[k++] = r;
      replaced = true;
    } else if (!(all && inside)) {
      c.rules[k++] = *o;
    }
  }
  c.n_rules = k;
  if (!replaced) {
    if (c.n_rules == NTP_SERVE_MAX_RULES)
      return fail (err, errlen, "%s: more than %d allow and deny rules", name, NTP_SERVE_MAX_RULES);
    c.rules[c.n_rules++] = r;
  }
  *cfg = c;
  return 0;
}

int
ntp_config_parse_line (NtpConfig *cfg, const char *line, char *err, size_t errlen)
{
  char buf[LINE_MAX_LEN], *w[MAX_WORDS];
  int n = split (line, buf, w);
  if (n < 0)
    return fail (err, errlen, "line too long");
  if (err && errlen)
    err[0] = '\0';
  if (n == 0 || !ntp_config_is_core_directive (w[0]))
    return 0;
  const char *d = w[0];
  double v;
  int iv;

  if (!strcmp (d, "allow") || !strcmp (d, "deny"))
    return add_serve_rule (&cfg->serve, d[0] == 'a', (const char *const *) w + 1, n - 1, err,
                           errlen) < 0 ? -1 : 1;
  if (!strcmp (d, "port")) {
    if (n != 2 || !parse_int (w[1], &iv) || iv < 0 || iv > 65535)
      return fail (err, errlen, "port needs one UDP port from 0 (serve no one) to 65535");
    cfg->serve.port = iv;
    return 1;
  }
  if (!strcmp (d, "bindaddress") || !strcmp (d, "bindacqaddress")) {
    /* chrony: the address of the server's sockets, or of the client's (the requests'
     * source), one per family */
    bool acq = !strcmp (d, "bindacqaddress");
    char *v4 = acq ? cfg->bind_acq_ipv4 : cfg->serve.bind_ipv4;
    char *v6 = acq ? cfg->bind_acq_ipv6 : cfg->serve.bind_ipv6;
    unsigned char a[16];
    if (n != 2)
      return fail (err, errlen, "%s needs one address", d);
    if (inet_pton (AF_INET, w[1], a) == 1 && strlen (w[1]) < sizeof cfg->serve.bind_ipv4)
      strcpy (v4, w[1]);
    else if (inet_pton (AF_INET6, w[1], a) == 1 && strlen (w[1]) < sizeof cfg->serve.bind_ipv6)
      strcpy (v6, w[1]);
    else
      return fail (err, errlen, "%s: '%s' is not an IPv4 or IPv6 address", d, w[1]);
    return 1;
  }
  if (!strcmp (d, "binddevice") || !strcmp (d, "bindacqdevice")) {
    /* chrony: the network interface the server's sockets, or the client's, are bound to */
    char *dst = !strcmp (d, "bindacqdevice") ? cfg->bind_acq_device : cfg->serve.bind_device;
    if (n != 2)
      return fail (err, errlen, "%s needs one interface name", d);
    size_t len = strlen (w[1]);
    bool ok = len > 0 && len < NTP_IFNAME_MAX && strcmp (w[1], ".") && strcmp (w[1], "..");
    for (size_t i = 0; ok && i < len; i++)
      ok = isalnum ((unsigned char) w[1][i]) || strchr ("-_.", w[1][i]);
    if (!ok)
      return fail (err, errlen, "%s: '%.64s' is not an interface name (1 to %d letters, digits,"
                   " '-', '_' or '.')", d, w[1], NTP_IFNAME_MAX - 1);
    strcpy (dst, w[1]);
    return 1;
  }
  if (!strcmp (d, "dscp")) {
    if (n != 2 || !parse_int (w[1], &iv) || iv < 0 || iv > 63)
      return fail (err, errlen, "dscp needs one Differentiated Services Code Point from 0 to 63");
    cfg->dscp = iv;
    return 1;
  }
  if (!strcmp (d, "local")) {
    /* chrony: local [stratum N] [orphan] [distance D] [activate D] [waitsynced S]
     * [waitunsynced S]. stratum and distance act; the rest is accepted as chrony.conf writes
     * it and said to have no effect here. */
    int stratum = NTP_SERVE_LOCAL_STRATUM_DEFAULT;
    double distance = NTP_SERVE_LOCAL_DISTANCE_DEFAULT;
    char unused[128] = "";
    for (int i = 1; i < n; i++) {
      const char *o = w[i];
      if (!strcmp (o, "orphan")) {
        snprintf (unused + strlen (unused), sizeof unused - strlen (unused), " orphan");
        continue;
      }
      bool is_stratum = !strcmp (o, "stratum"), is_distance = !strcmp (o, "distance");
      if (!is_stratum && !is_distance && strcmp (o, "activate") && strcmp (o, "waitsynced")
          && strcmp (o, "waitunsynced"))
        return fail (err, errlen, "local: unknown option '%s' (stratum, orphan, distance, "
                     "activate, waitsynced, waitunsynced)", o);
      if (i + 1 >= n)
        return fail (err, errlen, "local: %s needs a value", o);
      const char *val = w[++i];
      if (is_stratum) {
        if (!parse_int (val, &stratum) || stratum < 1 || stratum > 15)
          return fail (err, errlen, "local: the stratum must be from 1 to 15, not '%s'", val);
      } else if (!parse_double (val, &v) || v < 0 || v > 1e9) {
        return fail (err, errlen, "local: %s '%s' is not a number of seconds", o, val);
      } else if (is_distance) {
        distance = v;
      } else {
        snprintf (unused + strlen (unused), sizeof unused - strlen (unused), " %s", o);
      }
    }
    cfg->serve.local = true;
    cfg->serve.local_stratum = stratum;
    cfg->serve.local_distance = distance;
    if (unused[0] && err && errlen)
      snprintf (err, errlen, "local:%s: no effect here (the own clock is served whenever the "
                "sources give no time within the distance)", unused);
    return 1;
  }
  if (!strcmp (d, "ratelimit")) {
    /* chrony: ratelimit [interval I] [burst B] [leak L], its ranges */
    NtpServeConfig sc = cfg->serve;
    for (int i = 1; i < n; i += 2) {
      int lo, hi, *dst;
      if (!strcmp (w[i], "interval"))
        lo = -19, hi = 12, dst = &sc.ratelimit_interval;
      else if (!strcmp (w[i], "burst"))
        lo = 1, hi = 255, dst = &sc.ratelimit_burst;
      else if (!strcmp (w[i], "leak"))
        lo = 0, hi = 4, dst = &sc.ratelimit_leak;
      else
        return fail (err, errlen, "ratelimit: option '%s' is not supported (interval, burst, leak)",
                     w[i]);
      if (i + 1 >= n || !parse_int (w[i + 1], dst) || *dst < lo || *dst > hi)
        return fail (err, errlen, "ratelimit: %s needs a whole number from %d to %d", w[i], lo, hi);
    }
    sc.ratelimit = true;
    cfg->serve = sc;
    return 1;
  }
  if (!strcmp (d, "noclientlog")) {
    if (n != 1)
      return fail (err, errlen, "noclientlog takes no value");
    cfg->serve.noclientlog = true;
    return 1;
  }
  if (!strcmp (d, "clientloglimit")) {
    long long bytes;
    if (n != 2)
      return fail (err, errlen, "clientloglimit needs exactly one value");
    if (!parse_long (w[1], &bytes) || bytes < 0 || bytes > 4294967295LL)
      return fail (err, errlen,
                   "clientloglimit: '%s' is not a number of bytes from 0 to 4294967295", w[1]);
    cfg->serve.clientloglimit = (uint64_t) bytes;
    NtpServeConfig probe = cfg->serve;
    probe.noclientlog = false;
    int held = ntp_serve_log_capacity (&probe);
    if ((uint64_t) bytes > ntp_serve_log_bytes (held) + ntp_serve_log_bytes (4) && err && errlen)
      snprintf (err, errlen, "clientloglimit: the client log holds at most %d clients here "
                "(%llu bytes)", held, (unsigned long long) ntp_serve_log_bytes (held));
    return 1;
  }
  if (!strcmp (d, "initstepslew")) {
    /* chrony: initstepslew STEP-THRESHOLD [HOSTNAME]... (deprecated there in favour of
     * makestep, still in default configurations such as Alpine's). */
    if (n < 2)
      return fail (err, errlen, "initstepslew needs a threshold (s), then the hosts to measure");
    if (!parse_double (w[1], &v) || v < 0 || v > 1e9)
      return fail (err, errlen, "initstepslew: threshold '%s' is not a number of seconds from 0 to 1e9", w[1]);
    cfg->initstepslew_threshold = v;
    return 1;
  }
  if (!strcmp (d, "makestep")) {
    if (n != 3)
      return fail (err, errlen, "makestep needs two values: THRESHOLD (s) and LIMIT (updates, -1 = always)");
    if (!parse_double (w[1], &v) || v < 0 || v > 1e9)
      return fail (err, errlen, "makestep: threshold '%s' is not a number of seconds from 0 to 1e9", w[1]);
    if (!parse_int (w[2], &iv) || iv < -1)
      return fail (err, errlen, "makestep: limit '%s' is not a whole number >= -1", w[2]);
    cfg->makestep_threshold = v;
    cfg->makestep_limit = iv;
    return 1;
  }
  if (!strcmp (d, "maxchange")) {
    /* chrony: maxchange OFFSET START IGNORE (ntp-discipline.c says what each does here). */
    int start, ignore;
    if (n != 4)
      return fail (err, errlen, "maxchange needs three values: OFFSET (s), START and IGNORE (updates)");
    if (!parse_double (w[1], &v) || v <= 0 || v > 1e9)
      return fail (err, errlen, "maxchange: offset '%s' is not a number of seconds above 0", w[1]);
    if (!parse_int (w[2], &start) || start < 0)
      return fail (err, errlen, "maxchange: START '%s' is not a whole number >= 0", w[2]);
    if (!parse_int (w[3], &ignore) || ignore < -1)
      return fail (err, errlen, "maxchange: IGNORE '%s' is not a whole number >= -1", w[3]);
    cfg->maxchange_offset = v;
    cfg->maxchange_start = start;
    cfg->maxchange_ignore = ignore;
    return 1;
  }
  /* chrony.conf(5): ntsrefresh up to 2^31-1 s; 0 is refused here rather than taken as a
   * key exchange before every request. nocerttimecheck: a count of clock updates. */
  if (!strcmp (d, "ntsrefresh")) {
    if (n != 2)
      return fail (err, errlen, "ntsrefresh needs exactly one value (s)");
    long long lv;
    if (!parse_long (w[1], &lv) || lv < 1 || lv > INT_MAX)
      return fail (err, errlen, "ntsrefresh: '%s' is not a whole number of seconds from 1 to %d", w[1], INT_MAX);
    cfg->ntsrefresh = (int) lv;
    return 1;
  }
  if (!strcmp (d, "nocerttimecheck")) {
    if (n != 2)
      return fail (err, errlen, "nocerttimecheck needs exactly one value (clock updates)");
    long long lv;
    if (!parse_long (w[1], &lv) || lv < 0 || lv > INT_MAX)
      return fail (err, errlen, "nocerttimecheck: '%s' is not a whole number of clock updates from 0 to %d", w[1], INT_MAX);
    cfg->nocerttimecheck = (int) lv;
    return 1;
  }
  if (!strcmp (d, "leapsecmode")) {
    static const char *const modes[] = { "system", "step", "slew", "ignore" };
    if (n != 2)
      return fail (err, errlen, "leapsecmode needs exactly one value: system, step, slew or"
                   " ignore");
    for (int k = 0; k < 4; k++)
      if (!strcmp (w[1], modes[k])) {
        cfg->leapsecmode = (NtpLeapMode) k;
        return 1;
      }
    return fail (err, errlen, "leapsecmode: '%s' is not system, step, slew or ignore", w[1]);
  }
  /* Our own directive (chrony has none): one leap second per line, "leapsecond T insert" or
   * "... delete", T the UTC midnight (s since the epoch) at the end of its day. meridiand
   * writes these for chrony's `leapsectz ZONE` from the zone's leap-second records, so the
   * core never reads a file. A second line for the same day replaces the first. */
  if (!strcmp (d, "leapsecond")) {
    long long t;
    if (n != 3)
      return fail (err, errlen, "leapsecond needs two values: the UTC midnight (s since the"
                   " epoch) and insert or delete");
    if (!parse_long (w[1], &t) || t <= 0 || t % 86400 != 0 || t > 1000000000000LL)
      return fail (err, errlen, "leapsecond: '%s' is not a UTC midnight in seconds since the"
                   " epoch", w[1]);
    int sign = !strcmp (w[2], "insert") ? 1 : !strcmp (w[2], "delete") ? -1 : 0;
    if (sign == 0)
      return fail (err, errlen, "leapsecond: '%s' is not insert or delete", w[2]);
    int k = 0;
    while (k < cfg->n_leap_table && cfg->leap_table[k].utc_midnight != t)
      k++;
    if (k == NTP_LEAP_TABLE_MAX)
      return fail (err, errlen, "leapsecond: more than %d leap seconds", NTP_LEAP_TABLE_MAX);
    cfg->leap_table[k] = (NtpLeapEntry) { .utc_midnight = t, .sign = sign };
    if (k == cfg->n_leap_table)
      cfg->n_leap_table++;
    return 1;
  }
  if (!strcmp (d, "minsamples") || !strcmp (d, "maxsamples")) {
    if (n != 2)
      return fail (err, errlen, "%s needs exactly one value", d);
    if (!parse_int (w[1], &iv) || iv < 0 || iv > NTP_STATS_LIMIT)
      return fail (err, errlen, "%s: '%s' is not a number of samples from 0 to %d", d, w[1],
                   NTP_STATS_LIMIT);
    *(!strcmp (d, "minsamples") ? &cfg->minsamples : &cfg->maxsamples) = iv;
    return 1;
  }
  /* chrony's `log`: the statistics logs this core writes lines for (ntp-statlog.h: selection
   * too), and rawmeasurements (every reply into measurements.log); the other kinds chronyd knows are
   * accepted and said not to be written. Several lines add up, as in chronyd. */
  if (!strcmp (d, "log")) {
    static const char *const unwritten[] = { "rtc", "refclocks", "tempcomp" };
    char missing[128] = "";
    unsigned mask = 0;
    if (n < 2)
      return fail (err, errlen, "log needs at least one of measurements, statistics, tracking,"
                   " selection");
    for (int k = 1; k < n; k++) {
      bool known = false;
      if (!strcmp (w[k], "rawmeasurements")) {
        mask |= NTP_STATLOG_BIT (NTP_STATLOG_MEASUREMENTS) | NTP_STATLOG_RAW;
        known = true;
      }
      for (int kind = 0; kind < NTP_STATLOG_KINDS; kind++)
        if (!strcmp (w[k], ntp_statlog_name ((NtpStatlogKind) kind))) {
          mask |= NTP_STATLOG_BIT (kind);
          known = true;
        }
      for (size_t u = 0; !known && u < sizeof unwritten / sizeof unwritten[0]; u++)
        if (!strcmp (w[k], unwritten[u])) {
          size_t used = strlen (missing);
          snprintf (missing + used, sizeof missing - used, "%s%s", used ? ", " : "", w[k]);
          known = true;
        }
      if (!known)
        return fail (err, errlen, "log: '%s' is not one of measurements, statistics, tracking,"
                     " selection, rawmeasurements, rtc, refclocks, tempcomp", w[k]);
    }
    cfg->statlog |= mask;
    if (missing[0] && err && errlen)
      snprintf (err, errlen, "log: %s not written by meridiand", missing);
    return 1;
  }
  if (!strcmp (d, "minsources")) {
    if (n != 2)
      return fail (err, errlen, "minsources needs exactly one value");
    if (!parse_int (w[1], &iv) || iv < 1 || iv > NTP_MAX_SOURCES)
      return fail (err, errlen, "minsources: '%s' is not a whole number from 1 to %d", w[1], NTP_MAX_SOURCES);
    cfg->minsources = iv;
    return 1;
  }

  struct { const char *name; double *dst; double min, max; const char *unit; } dbl[] = {
    { "maxdistance", &cfg->maxdistance, 1e-9, 1e6, " (s)" },
    { "maxupdateskew", &cfg->maxupdateskew, 1e-9, 1e6, " (ppm)" },
    { "maxslewrate", &cfg->maxslewrate, 1e-9, 1e6, " (ppm)" },
    { "stratumweight", &cfg->stratumweight, 0, 1e3, " (s)" },
    { "reselectdist", &cfg->reselectdist, 0, 1e3, " (s)" },
    { "combinelimit", &cfg->combinelimit, 0, 1e6, "" },
    { "maxjitter", &cfg->maxjitter, 1e-9, 1e6, " (s)" },
    { "corrtimeratio", &cfg->corrtimeratio, 1e-3, 1e6, "" },
    { "maxclockerror", &cfg->maxclockerror, 1e-6, 1e4, " (ppm)" },
    { "maxdrift", &cfg->maxdrift, 1e-3, 1e6, " (ppm)" },
    { "logchange", &cfg->logchange, 0, 1e9, " (s)" },
  };
  for (size_t k = 0; k < sizeof dbl / sizeof dbl[0]; k++) {
    if (strcmp (d, dbl[k].name))
      continue;
    if (n != 2)
      return fail (err, errlen, "%s needs exactly one value", d);
    if (!parse_double (w[1], &v) || v < dbl[k].min || v > dbl[k].max)
      return fail (err, errlen, "%s: '%s' is not a number from %g to %g%s", d, w[1],
                   dbl[k].min, dbl[k].max, dbl[k].unit);
    *dbl[k].dst = v;
    return 1;
  }
  return 0;
}

/* ---- source lines ---- */

void
ntp_source_config_init (NtpSourceConfig *sc)
{
  memset (sc, 0, sizeof *sc);
  sc->mode = NTP_SOURCE_SERVER;
  sc->port = 123;
  sc->minpoll = 6;
  sc->maxpoll = 10;
  sc->maxdelay = 3.0;
  sc->maxunreach = NTP_MAXUNREACH_DEFAULT;
  sc->maxsources = 4;
  sc->polltarget = 8;
  sc->version = 0;
  sc->asymmetry = NTP_ASYMMETRY_ESTIMATED;
  sc->minsamples = NTP_SAMPLES_DEFAULT;
  sc->maxsamples = NTP_SAMPLES_DEFAULT;
  sc->ntsport = 4460;             /* chronyd's default NTS-KE port (RFC 8915 §4) */
}

const char *
ntp_source_mode_name (NtpSourceMode mode)
{
  switch (mode) {
  case NTP_SOURCE_POOL: return "pool";
  case NTP_SOURCE_PEER: return "peer";
  case NTP_SOURCE_SERVER:
  default: return "server";
  }
}

static bool
valid_ipv6 (const char *s)
{
  /* hex groups and colons, an optional dotted IPv4 tail, an optional %zone (an interface
   * name); getaddrinfo decides the rest */
  const char *zone = strchr (s, '%');
  size_t len = zone ? (size_t) (zone - s) : strlen (s);
  if (len < 2 || len > 45)
    return false;
  int colons = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == ':')
      colons++;
    else if (!isxdigit ((unsigned char) c) && c != '.')
      return false;
  }
  if (colons < 2 || colons > 7)
    return false;
  if (zone) {
    const char *z = zone + 1;
    size_t zl = strlen (z);
    if (zl == 0 || zl > 15)
      return false;
    for (; *z; z++)
      if (!isalnum ((unsigned char) *z) && !strchr ("._-", *z))
        return false;
  }
  return true;
}

bool
ntp_source_name_valid (const char *name)
{
  size_t len = name ? strlen (name) : 0;
  if (len == 0 || len > 253)
    return false;
  if (strchr (name, ':'))
    return valid_ipv6 (name);
  /* All digits and dots: only a dotted-quad IPv4 address (getaddrinfo would also read "12345"
   * or "1.2" as addresses, which no one means). */
  if (strspn (name, "0123456789.") == len) {
    unsigned a, b, c, d;
    char tail;
    return sscanf (name, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) == 4 && a < 256 && b < 256
           && c < 256 && d < 256 && name[len - 1] != '.';
  }
  /* A host name: dot-separated labels of letters, digits, '-' (not at
   * either end of a label) and '_' (found in real internal names); an optional final dot. */
  const char *p = name;
  while (*p) {
    const char *label = p;
    while (*p && *p != '.') {
      if (!isalnum ((unsigned char) *p) && *p != '-' && *p != '_')
        return false;
      p++;
    }
    size_t ll = (size_t) (p - label);
    if (ll == 0 || ll > 63 || label[0] == '-' || label[ll - 1] == '-')
      return false;
    if (*p == '.')
      p++;
  }
  return true;
}

/* Append an accepted, unimplemented option (with its argument) to sc->ignored. */
static void
note_ignored (NtpSourceConfig *sc, const char *opt, const char *arg)
{
  char item[64];
  snprintf (item, sizeof item, "%s%s%s", opt, arg ? " " : "", arg ? arg : "");
  size_t used = strlen (sc->ignored);
  size_t need = strlen (item) + (used ? 1 : 0);
  if (used + need + 1 > sizeof sc->ignored)
    return;
  if (used)
    sc->ignored[used++] = ' ';
  strcpy (sc->ignored + used, item);
}

typedef enum {
  ARG_NONE,      /* a flag */
  ARG_INT,       /* a whole number in [min, max] */
  ARG_DOUBLE,    /* a decimal number in [min, max] */
  ARG_HEX,       /* a hexadecimal number in [min, max] (extfield's type) */
} ArgKind;

typedef enum {
  O_MINPOLL, O_MAXPOLL, O_IBURST, O_BURST, O_PREFER, O_NOSELECT, O_TRUST, O_REQUIRE,
  O_MAXDELAY, O_MINDELAY, O_OFFSET, O_PORT, O_MINSTRATUM, O_MAXSOURCES, O_POLLTARGET,
  O_FILTER, O_MINSAMPLES, O_MAXSAMPLES, O_MAXDELAYRATIO, O_MAXDELAYDEVRATIO,
  O_KEY, O_VERSION, O_PRESEND, O_ASYMMETRY, O_NTS, O_CERTSET, O_NTSPORT, O_OFFLINE,
  O_AUTO_OFFLINE, O_XLEAVE, O_COPY, O_MAXUNREACH, O_MAXDELAYQUANT,
  O_IGNORED,     /* known to chrony, not implemented here: validated, noted, logged */
} OptId;

typedef struct {
  const char *name;
  OptId id;
  ArgKind kind;
  double min, max;
  const char *what;   /* the argument, for messages */
} OptSpec;

/* Every source option chrony 4.3 documents (chrony.conf(5), "server"), with the ranges chrony
 * documents or enforces; where this client's limit is narrower it is said in `what`. */
static const OptSpec options[] = {
  { "minpoll", O_MINPOLL, ARG_INT, -6, 24, "a poll (log2 s) from -6 to 24" },
  { "maxpoll", O_MAXPOLL, ARG_INT, -6, 24, "a poll (log2 s) from -6 to 24" },
  { "iburst", O_IBURST, ARG_NONE, 0, 0, NULL },
  { "burst", O_BURST, ARG_NONE, 0, 0, NULL },
  { "prefer", O_PREFER, ARG_NONE, 0, 0, NULL },
  { "noselect", O_NOSELECT, ARG_NONE, 0, 0, NULL },
  { "trust", O_TRUST, ARG_NONE, 0, 0, NULL },
  { "require", O_REQUIRE, ARG_NONE, 0, 0, NULL },
  { "maxdelay", O_MAXDELAY, ARG_DOUBLE, 0, 1000, "a delay from 0 to 1000 s" },
  { "mindelay", O_MINDELAY, ARG_DOUBLE, 0, 1000, "a delay from 0 to 1000 s" },
  { "offset", O_OFFSET, ARG_DOUBLE, -1000, 1000, "a correction from -1000 to 1000 s" },
  { "port", O_PORT, ARG_INT, 1, 65535, "a UDP port from 1 to 65535" },
  { "minstratum", O_MINSTRATUM, ARG_INT, 0, 15, "a stratum from 0 to 15" },
  { "maxsources", O_MAXSOURCES, ARG_INT, 1, MAX_POOL_SOURCES, "a number of sources from 1 to 16" },
  { "polltarget", O_POLLTARGET, ARG_INT, 6, 60, "a number of samples from 6 to 60" },
  { "filter", O_FILTER, ARG_INT, 1, MAX_FILTER_DEPTH, "a number of samples from 1 to 8 (this client's limit)" },
  { "minsamples", O_MINSAMPLES, ARG_INT, 0, NTP_STATS_LIMIT, "a number of samples from 0 to 64" },
  { "maxsamples", O_MAXSAMPLES, ARG_INT, 0, NTP_STATS_LIMIT, "a number of samples from 0 to 64" },
  { "maxdelayratio", O_MAXDELAYRATIO, ARG_DOUBLE, 1, 1e9, "a ratio from 1 to 1e9" },
  { "maxdelaydevratio", O_MAXDELAYDEVRATIO, ARG_DOUBLE, 1, 1e9, "a ratio from 1 to 1e9" },
  { "key", O_KEY, ARG_INT, 1, 4294967295.0, "a key ID from 1 to 4294967295" },
  { "version", O_VERSION, ARG_INT, 1, 4, "an NTP version from 1 to 4" },
  { "presend", O_PRESEND, ARG_INT, -6, 24, "a poll (log2 s) from -6 to 24" },
  { "asymmetry", O_ASYMMETRY, ARG_DOUBLE, -0.5, 0.5, "a ratio from -0.5 to 0.5" },
  { "nts", O_NTS, ARG_NONE, 0, 0, NULL },
  { "certset", O_CERTSET, ARG_INT, 0, 2147483647.0, "a certificate set from 0 to 2147483647" },
  { "ntsport", O_NTSPORT, ARG_INT, 1, 65535, "a TCP port from 1 to 65535" },
  { "offline", O_OFFLINE, ARG_NONE, 0, 0, NULL },
  { "auto_offline", O_AUTO_OFFLINE, ARG_NONE, 0, 0, NULL },
  { "xleave", O_XLEAVE, ARG_NONE, 0, 0, NULL },
  { "copy", O_COPY, ARG_NONE, 0, 0, NULL },
  /* accepted so a chrony.conf loads; not implemented (the engine says so in the log) */
  { "extfield", O_IGNORED, ARG_HEX, 0, 0xffff, "an extension field type in hexadecimal, e.g. F323" },
  /* chrony 4.4's */
  { "maxunreach", O_MAXUNREACH, ARG_INT, 0, 1000000000, "a number of polls from 0 to 1e9" },
  { "maxdelayquant", O_MAXDELAYQUANT, ARG_DOUBLE, 0.05, 0.95, "a quantile from 0.05 to 0.95" },
};

static const OptSpec *
find_option (const char *name)
{
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
    if (!strcmp (name, options[i].name))
      return &options[i];
  return NULL;
}

static bool
parse_hex (const char *s, double *out)
{
  if (!*s || strlen (s) > 8)
    return false;
  unsigned long v = 0;
  for (const char *p = s; *p; p++) {
    if (!isxdigit ((unsigned char) *p))
      return false;
    v = v * 16 + (unsigned long) (isdigit ((unsigned char) *p) ? *p - '0'
                                  : tolower ((unsigned char) *p) - 'a' + 10);
  }
  *out = (double) v;
  return true;
}

/* An option's value as a source line writes it, range-checked. */
static bool
parse_value (const OptSpec *o, const char *arg, double *v)
{
  bool ok;
  if (o->kind == ARG_HEX) {
    ok = parse_hex (arg, v);
  } else if (o->kind == ARG_INT) {
    long long lv = 0;
    ok = parse_long (arg, &lv);
    *v = (double) lv;
  } else {
    ok = parse_double (arg, v);
  }
  return ok && *v >= o->min && *v <= o->max;
}

/* Apply one validated option to sc. */
static void
apply_option (NtpSourceConfig *sc, const OptSpec *o, double v, const char *arg)
{
  /* Every option but key has a range within int's; key (up to 4294967295) is read from v. */
  int iv = v >= INT_MIN && v <= INT_MAX ? (int) v : 0;
  switch (o->id) {
  case O_MINPOLL: sc->minpoll = iv; break;
  case O_MAXPOLL: sc->maxpoll = iv; break;
  case O_IBURST: sc->iburst = true; break;
  case O_BURST: sc->burst = true; break;
  case O_PREFER: sc->prefer = true; break;
  case O_NOSELECT: sc->noselect = true; break;
  case O_TRUST: sc->trust = true; break;
  case O_REQUIRE: sc->require = true; break;
  case O_MAXDELAY: sc->maxdelay = v; break;
  case O_MINDELAY: sc->mindelay = v; break;
  case O_OFFSET: sc->offset = v; break;
  case O_PORT: sc->port = (uint16_t) iv; break;
  case O_MINSTRATUM: sc->minstratum = iv; break;
  case O_MAXSOURCES: sc->maxsources = iv; break;
  case O_POLLTARGET: sc->polltarget = iv; break;
  case O_FILTER: sc->filter = iv; break;
  case O_MINSAMPLES: sc->minsamples = iv; break;
  case O_MAXSAMPLES: sc->maxsamples = iv; break;
  case O_MAXDELAYRATIO: sc->maxdelayratio = v; break;
  case O_MAXDELAYDEVRATIO: sc->maxdelaydevratio = v; break;
  case O_KEY: sc->key = (uint32_t) v; break;
  case O_VERSION: sc->version = iv; break;
  case O_PRESEND: sc->presend_on = true; sc->presend = iv; break;
  case O_ASYMMETRY: sc->asymmetry = v; break;
  case O_NTS: sc->nts = true; break;
  case O_CERTSET: sc->certset = iv; break;
  case O_NTSPORT: sc->ntsport = (uint16_t) iv; break;
  case O_OFFLINE: sc->offline = true; break;
  case O_AUTO_OFFLINE: sc->auto_offline = true; break;
  case O_XLEAVE: sc->xleave = true; break;
  case O_COPY: sc->copy = true; break;
  case O_MAXUNREACH: sc->maxunreach = iv; break;
  case O_MAXDELAYQUANT: sc->maxdelayquant = v; break;
  case O_IGNORED: note_ignored (sc, o->name, arg); break;
  }
}

int
ntp_source_config_parse (NtpSourceConfig *sc, const char *line, char *err, size_t errlen)
{
  char buf[LINE_MAX_LEN], *w[MAX_WORDS];
  NtpSourceConfig out;
  ntp_source_config_init (&out);
  ntp_source_config_init (sc);
  if (!line)
    return fail (err, errlen, "no line given");
  int n = split (line, buf, w);
  if (n < 0)
    return fail (err, errlen, "line too long (at most %d characters and %d words)",
                 LINE_MAX_LEN - 1, MAX_WORDS);
  if (n == 0)
    return fail (err, errlen, "empty line: expected 'server', 'pool' or 'peer' and an address");
  if (!strcmp (w[0], "server"))
    out.mode = NTP_SOURCE_SERVER;
  else if (!strcmp (w[0], "pool"))
    out.mode = NTP_SOURCE_POOL;
  else if (!strcmp (w[0], "peer"))
    out.mode = NTP_SOURCE_PEER;
  else
    return fail (err, errlen, "'%.64s' is not a source directive (expected server, pool or peer)", w[0]);
  const char *dir = w[0];
  if (n < 2)
    return fail (err, errlen, "%s: missing the address or host name", dir);
  if (strlen (w[1]) >= NTP_NAME_MAX)
    return fail (err, errlen, "%s: host name is too long", dir);
  if (!ntp_source_name_valid (w[1]))
    return fail (err, errlen, "%s: '%.100s' is not a valid address or host name", dir, w[1]);
  strcpy (out.name, w[1]);

  for (int i = 2; i < n; i++) {
    const char *word = w[i];
    const OptSpec *o = find_option (word);
    if (!o) {
      if (is_comment_char (word[0]))
        return fail (err, errlen, "%s %s: '%.64s': a comment must start at the beginning of a line",
                     dir, out.name, word);
      return fail (err, errlen, "%s %s: unknown option '%.64s'", dir, out.name, word);
    }
    double v = 0;
    const char *arg = NULL;
    if (o->kind != ARG_NONE) {
      if (i + 1 >= n)
        return fail (err, errlen, "%s %s: option '%s' needs a value: %s", dir, out.name, o->name, o->what);
      arg = w[++i];
      if (!parse_value (o, arg, &v))
        return fail (err, errlen, "%s %s: %s '%.64s' is not %s", dir, out.name, o->name, arg, o->what);
    }
    apply_option (&out, o, v, arg);
  }
  /* chronyd refuses the two together: a source is authenticated one way. */
  if (out.nts && out.key)
    return fail (err, errlen, "%s %s: options 'key' and 'nts' cannot be used together", dir,
                 out.name);
  if (out.minpoll > out.maxpoll)
    return fail (err, errlen, "%s %s: minpoll %d is greater than maxpoll %d", dir, out.name,
                 out.minpoll, out.maxpoll);
  if (out.minsamples > 0 && out.maxsamples > 0 && out.minsamples > out.maxsamples)
    return fail (err, errlen, "%s %s: minsamples %d is greater than maxsamples %d", dir, out.name,
                 out.minsamples, out.maxsamples);
  if (out.mindelay > 0 && out.mindelay > out.maxdelay)
    return fail (err, errlen, "%s %s: mindelay %g s is greater than maxdelay %g s", dir, out.name,
                 out.mindelay, out.maxdelay);
  *sc = out;
  return 0;
}

/* chronyc's commands that change a source while chronyd runs (chronyc(1), "Source
 * modification"): the options their values take effect for at the next poll or sample. */
static const char *const modifiable[] = {
  "minpoll", "maxpoll", "maxdelay", "maxdelayratio", "maxdelaydevratio", "minstratum",
  "polltarget", NULL,
};

const char *const *
ntp_source_config_modifiable (void)
{
  return modifiable;
}

int
ntp_source_config_modify (NtpSourceConfig *sc, const char *option, const char *value,
                          char *err, size_t errlen)
{
  const OptSpec *o = NULL;
  double v = 0;

  for (size_t i = 0; option && modifiable[i]; i++)
    if (!strcmp (option, modifiable[i]))
      o = find_option (option);
  if (!o)
    return fail (err, errlen, "'%.64s' is not a source option that can be changed at run time"
                 " (minpoll, maxpoll, maxdelay, maxdelayratio, maxdelaydevratio, minstratum,"
                 " polltarget)", option ? option : "");
  if (!value || !parse_value (o, value, &v))
    return fail (err, errlen, "%s '%.64s' is not %s", o->name, value ? value : "", o->what);
  apply_option (sc, o, v, value);
  /* chronyd's NCR_ModifyMinpoll and NCR_ModifyMaxpoll (its ntp_core.c): the other bound
   * follows, where a source line with both would be refused as a conflict. */
  if (o->id == O_MINPOLL && sc->maxpoll < sc->minpoll)
    sc->maxpoll = sc->minpoll;
  else if (o->id == O_MAXPOLL && sc->minpoll > sc->maxpoll)
    sc->minpoll = sc->maxpoll;
  return 0;
}
