/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-config.c — parse chrony.conf lines (chrony.conf(5)) into NtpConfig/NtpSourceConfig.
 * Errors say what was wrong and with which word, so a person can fix the line. */
#include "ntp-config.h"
#include "ntp-stats.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 64
#define LINE_MAX_LEN 2048

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

/* Split into words; '#' or '!' or ';' at a word start begins a comment (chrony.conf(5)).
 * Returns the word count, or -1 when the line is too long. */
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
    if (!*p || *p == '#' || *p == '!' || *p == ';' || *p == '%')
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

static bool
parse_double (const char *s, double *out)
{
  char *end;
  errno = 0;
  double v = strtod (s, &end);
  if (end == s || *end || errno || !isfinite (v))
    return false;
  *out = v;
  return true;
}

static bool
parse_int (const char *s, int *out)
{
  char *end;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (end == s || *end || errno || v < -1000000 || v > 1000000)
    return false;
  *out = (int) v;
  return true;
}

/* Remember an option that was accepted but is not implemented (see NtpSourceConfig). */
static void
note_ignored (NtpSourceConfig *sc, const char *opt)
{
  size_t used = strlen (sc->ignored);
  size_t need = strlen (opt) + (used ? 1 : 0);
  if (used + need + 1 > sizeof sc->ignored)
    return;
  if (used)
    sc->ignored[used++] = ' ';
  strcpy (sc->ignored + used, opt);
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

int
ntp_config_parse_line (NtpConfig *cfg, const char *line, char *err, size_t errlen)
{
  char buf[LINE_MAX_LEN], *w[MAX_WORDS];
  int n = split (line, buf, w);
  if (n < 0)
    return fail (err, errlen, "line too long");
  if (n == 0)
    return 0;
  const char *d = w[0];
  double v;
  int iv;

  if (!strcmp (d, "makestep")) {
    if (n != 3)
      return fail (err, errlen, "makestep needs two values: THRESHOLD (s) and LIMIT (updates, -1 = always)");
    if (!parse_double (w[1], &v) || v < 0)
      return fail (err, errlen, "makestep: threshold '%s' is not a number of seconds >= 0", w[1]);
    if (!parse_int (w[2], &iv) || iv < -1)
      return fail (err, errlen, "makestep: limit '%s' is not a whole number >= -1", w[2]);
    cfg->makestep_threshold = v;
    cfg->makestep_limit = iv;
    return 1;
  }
  if (!strcmp (d, "maxchange")) {
    /* chrony: maxchange OFFSET START IGNORE; we honour OFFSET, the rest must still parse. */
    if (n != 4 && n != 2)
      return fail (err, errlen, "maxchange needs OFFSET START IGNORE");
    if (!parse_double (w[1], &v) || v <= 0)
      return fail (err, errlen, "maxchange: offset '%s' is not a positive number of seconds", w[1]);
    for (int i = 2; i < n; i++)
      if (!parse_int (w[i], &iv) || iv < -1)
        return fail (err, errlen, "maxchange: '%s' is not a whole number", w[i]);
    cfg->maxchange_offset = v;
    return 1;
  }

  struct { const char *name; double *dst; double min, max; } dbl[] = {
    { "maxdistance", &cfg->maxdistance, 1e-9, 1e6 },
    { "maxupdateskew", &cfg->maxupdateskew, 1e-9, 1e6 },
    { "maxslewrate", &cfg->maxslewrate, 1e-9, 1e6 },
    { "stratumweight", &cfg->stratumweight, 0, 1e3 },
    { "reselectdist", &cfg->reselectdist, 0, 1e3 },
    { "combinelimit", &cfg->combinelimit, 0, 1e6 },
    { "maxjitter", &cfg->maxjitter, 1e-9, 1e6 },
  };
  for (size_t k = 0; k < sizeof dbl / sizeof dbl[0]; k++) {
    if (strcmp (d, dbl[k].name))
      continue;
    if (n != 2)
      return fail (err, errlen, "%s needs exactly one value", d);
    if (!parse_double (w[1], &v) || v < dbl[k].min || v > dbl[k].max)
      return fail (err, errlen, "%s: '%s' is not a number between %g and %g", d, w[1],
                   dbl[k].min, dbl[k].max);
    *dbl[k].dst = v;
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
  return 0;
}

int
ntp_source_config_parse (NtpSourceConfig *sc, const char *line, char *err, size_t errlen)
{
  char buf[LINE_MAX_LEN], *w[MAX_WORDS];
  int n = split (line, buf, w);
  if (n < 0)
    return fail (err, errlen, "line too long");
  if (n == 0)
    return fail (err, errlen, "empty line: expected 'server', 'pool' or 'peer' and an address");
  ntp_source_config_init (sc);
  if (!strcmp (w[0], "server"))
    sc->mode = NTP_SOURCE_SERVER;
  else if (!strcmp (w[0], "pool"))
    sc->mode = NTP_SOURCE_POOL;
  else if (!strcmp (w[0], "peer"))
    sc->mode = NTP_SOURCE_PEER;
  else
    return fail (err, errlen, "'%s' is not a source directive (expected server, pool or peer)", w[0]);
  const char *dir = w[0];
  if (n < 2)
    return fail (err, errlen, "%s: missing the address or host name", dir);
  if (strlen (w[1]) >= NTP_NAME_MAX)
    return fail (err, errlen, "%s: host name is too long", dir);
  for (const char *p = w[1]; *p; p++)
    if (!isalnum ((unsigned char) *p) && !strchr (".-_:[]%", *p))
      return fail (err, errlen, "%s: '%s' is not a valid address or host name", dir, w[1]);
  strcpy (sc->name, w[1]);

  for (int i = 2; i < n; i++) {
    const char *o = w[i];
    /* flags */
    struct { const char *name; bool *dst; } flags[] = {
      { "iburst", &sc->iburst }, { "burst", &sc->burst }, { "prefer", &sc->prefer },
      { "noselect", &sc->noselect }, { "trust", &sc->trust }, { "require", &sc->require },
    };
    bool done = false;
    for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
      if (!strcmp (o, flags[k].name)) {
        *flags[k].dst = true;
        done = true;
      }
    if (done)
      continue;
    /* flags chrony has that this client does not implement: accepted so a chrony.conf
     * loads, and noted in sc->ignored so the engine says so in the log */
    static const char *const ignored_flags[] = { "xleave", "nts", "offline", "auto_offline",
                                                 "copy", NULL };
    for (int k = 0; ignored_flags[k]; k++)
      if (!strcmp (o, ignored_flags[k]))
        done = true;
    if (done) {
      note_ignored (sc, o);
      continue;
    }

    static const char *const valued[] = { "minpoll", "maxpoll", "maxdelay", "mindelay", "offset",
                                          "port", "minstratum", "maxsources", "polltarget",
                                          "filter", "key", "version", "presend", "minsamples",
                                          "maxsamples", "maxdelayratio", "maxdelaydevratio",
                                          "asymmetry", "certset", "extfield", "ntsport", NULL };
    bool known = false;
    for (int k = 0; valued[k]; k++)
      if (!strcmp (o, valued[k]))
        known = true;
    if (!known)
      return fail (err, errlen, "%s %s: unknown option '%s'", dir, sc->name, o);
    if (i + 1 >= n)
      return fail (err, errlen, "%s %s: option '%s' needs a value", dir, sc->name, o);
    const char *val = w[++i];
    double v;
    int iv;
    if (!strcmp (o, "minpoll") || !strcmp (o, "maxpoll")) {
      if (!parse_int (val, &iv) || iv < -6 || iv > 24)
        return fail (err, errlen, "%s: %s '%s' must be a whole number from -6 to 24", dir, o, val);
      if (o[1] == 'i')
        sc->minpoll = iv;
      else
        sc->maxpoll = iv;
    } else if (!strcmp (o, "maxdelay") || !strcmp (o, "mindelay") || !strcmp (o, "offset")) {
      if (!parse_double (val, &v) || (o[0] == 'm' && (v < 0 || v > 1e6)) || fabs (v) > 1e6)
        return fail (err, errlen, "%s: %s '%s' must be a number of seconds%s", dir, o, val,
                     o[0] == 'm' ? " >= 0" : "");
      if (!strcmp (o, "maxdelay"))
        sc->maxdelay = v;
      else if (!strcmp (o, "mindelay"))
        sc->mindelay = v;
      else
        sc->offset = v;
    } else if (!strcmp (o, "port")) {
      if (!parse_int (val, &iv) || iv < 1 || iv > 65535)
        return fail (err, errlen, "%s: port '%s' must be from 1 to 65535", dir, val);
      sc->port = (uint16_t) iv;
    } else if (!strcmp (o, "minstratum")) {
      if (!parse_int (val, &iv) || iv < 0 || iv > 15)
        return fail (err, errlen, "%s: minstratum '%s' must be from 0 to 15", dir, val);
      sc->minstratum = iv;
    } else if (!strcmp (o, "maxsources")) {
      if (!parse_int (val, &iv) || iv < 1 || iv > NTP_MAX_SOURCES)
        return fail (err, errlen, "%s: maxsources '%s' must be from 1 to %d", dir, val, NTP_MAX_SOURCES);
      sc->maxsources = iv;
    } else if (!strcmp (o, "polltarget")) {
      if (!parse_int (val, &iv) || iv < 6 || iv > 60)
        return fail (err, errlen, "%s: polltarget '%s' must be from 6 to 60", dir, val);
      sc->polltarget = iv;
    } else if (!strcmp (o, "filter")) {
      if (!parse_int (val, &iv) || iv < 1 || iv > 8)
        return fail (err, errlen, "%s: filter '%s' must be from 1 to 8", dir, val);
      sc->filter = iv;
    } else if (!strcmp (o, "minsamples") || !strcmp (o, "maxsamples")) {
      /* chrony.conf(5): the bounds of the samples kept for the source's regression. */
      if (!parse_int (val, &iv) || iv < 0 || iv > NTP_STATS_LIMIT)
        return fail (err, errlen, "%s: %s '%s' must be a whole number from 0 to %d", dir, o, val,
                     NTP_STATS_LIMIT);
      if (o[1] == 'i')
        sc->minsamples = iv;
      else
        sc->maxsamples = iv;
    } else if (!strcmp (o, "maxdelayratio") || !strcmp (o, "maxdelaydevratio")) {
      if (!parse_double (val, &v) || v < 1.0 || v > 1e9)
        return fail (err, errlen, "%s: %s '%s' must be a number from 1 to 1e9", dir, o, val);
      if (!strcmp (o, "maxdelayratio"))
        sc->maxdelayratio = v;
      else
        sc->maxdelaydevratio = v;
    } else if (!strcmp (o, "key") || !strcmp (o, "version") || !strcmp (o, "presend")
               || !strcmp (o, "asymmetry") || !strcmp (o, "certset") || !strcmp (o, "extfield")
               || !strcmp (o, "ntsport")) {
      /* chrony options accepted for compatibility; their value must still be a number. The
       * engine logs that they are ignored. */
      if (!parse_double (val, &v) && strcmp (o, "extfield"))
        return fail (err, errlen, "%s: %s '%s' is not a number", dir, o, val);
      note_ignored (sc, o);
    } else {
      return fail (err, errlen, "%s %s: unknown option '%s'", dir, sc->name, o);
    }
  }
  if (sc->minpoll > sc->maxpoll)
    return fail (err, errlen, "%s %s: minpoll %d is greater than maxpoll %d", dir, sc->name,
                 sc->minpoll, sc->maxpoll);
  return 0;
}
