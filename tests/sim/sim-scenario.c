/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-scenario.c — the scenario file parser; see sim-scenario.h and scenarios/README.md. */
#include "sim-scenario.h"

#include "sim-clock.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 64

static void fail (char *err, size_t errlen, const char *path, int lineno, const char *fmt, ...)
  __attribute__ ((format (printf, 5, 6)));

static void
fail (char *err, size_t errlen, const char *path, int lineno, const char *fmt, ...)
{
  char msg[256];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  snprintf (err, errlen, "%s:%d: %s", path ? path : "<scenario>", lineno, msg);
}

static bool
parse_num (const char *s, double *out)
{
  char *end;
  errno = 0;
  double v = strtod (s, &end);
  if (end == s || *end != '\0' || errno != 0 || !isfinite (v))
    return false;
  *out = v;
  return true;
}

static int
split (char *s, char **words)
{
  int n = 0;
  char *save = NULL;
  for (char *w = strtok_r (s, " \t\r", &save); w && n < MAX_WORDS; w = strtok_r (NULL, " \t\r", &save))
    words[n++] = w;
  return n;
}

static void
server_defaults (SimServer *s)
{
  memset (s, 0, sizeof *s);
  s->stratum = 1;
  strcpy (s->refid, "GPS");
  s->precision = -20;
  s->proc = 10e-6;
  s->delay_out = s->delay_in = 100e-6;
  s->root_disp = 10e-6;
  s->spoof_offset = 0.5;
}

/* `| key value ...` of a server line */
static bool
parse_server_attrs (SimServer *s, char **w, int n, char *bad, size_t badlen)
{
  double asym = 0.0;
  bool have_asym = false;
  for (int i = 0; i < n; i++)
    {
      const char *k = w[i];
      if (i + 1 >= n)
        {
          snprintf (bad, badlen, "'%s' needs a value", k);
          return false;
        }
      const char *v = w[++i];
      double x = 0;
      bool numeric = strcmp (k, "dist") && strcmp (k, "leap") && strcmp (k, "refid") && strcmp (k, "fill");
      if (numeric && !parse_num (v, &x))
        {
          snprintf (bad, badlen, "'%s %s': not a number", k, v);
          return false;
        }
      if (!strcmp (k, "offset")) s->offset = x;
      else if (!strcmp (k, "noise")) s->ts_noise = x;
      else if (!strcmp (k, "stratum")) s->stratum = (int) x;
      else if (!strcmp (k, "root-delay")) s->root_delay = x;
      else if (!strcmp (k, "root-disp")) s->root_disp = x;
      else if (!strcmp (k, "precision")) s->precision = (int) x;
      else if (!strcmp (k, "proc")) s->proc = x;
      else if (!strcmp (k, "delay")) s->delay_out = s->delay_in = x;
      else if (!strcmp (k, "rtt")) s->delay_out = s->delay_in = x / 2;
      else if (!strcmp (k, "delay-out")) s->delay_out = x;
      else if (!strcmp (k, "delay-in")) s->delay_in = x;
      else if (!strcmp (k, "asym")) { asym = x; have_asym = true; }
      else if (!strcmp (k, "jitter")) s->jitter_out = s->jitter_in = x;
      else if (!strcmp (k, "jitter-out")) s->jitter_out = x;
      else if (!strcmp (k, "jitter-in")) s->jitter_in = x;
      else if (!strcmp (k, "loss")) s->loss = x;
      else if (!strcmp (k, "fill"))
        {
          if (!strcmp (v, "random")) s->fill_random = true;
          else if (!strcmp (v, "exact")) s->fill_random = false;
          else { snprintf (bad, badlen, "fill must be random or exact, not '%s'", v); return false; }
        }
      else if (!strcmp (k, "dist"))
        {
          if (!strcmp (v, "exp")) s->dist = SIM_JITTER_EXP;
          else if (!strcmp (v, "gauss")) s->dist = SIM_JITTER_GAUSS;
          else { snprintf (bad, badlen, "dist must be exp or gauss, not '%s'", v); return false; }
        }
      else if (!strcmp (k, "leap"))
        {
          if (!strcmp (v, "none")) s->leap = 0;
          else if (!strcmp (v, "insert")) s->leap = 1;
          else if (!strcmp (v, "delete")) s->leap = 2;
          else if (!strcmp (v, "unsync")) s->leap = 3;
          else { snprintf (bad, badlen, "leap must be none, insert, delete or unsync"); return false; }
        }
      else if (!strcmp (k, "refid"))
        {
          if (strlen (v) > 4) { snprintf (bad, badlen, "refid is at most 4 characters"); return false; }
          strcpy (s->refid, v);
        }
      else
        {
          snprintf (bad, badlen, "unknown server attribute '%s'", k);
          return false;
        }
    }
  if (have_asym)
    {
      /* asymmetry = outbound − inbound delay, around the mean of the two */
      double mean = (s->delay_out + s->delay_in) / 2;
      s->delay_out = mean + asym / 2;
      s->delay_in = mean - asym / 2;
    }
  if (s->delay_out < 0 || s->delay_in < 0 || s->jitter_out < 0 || s->jitter_in < 0)
    {
      snprintf (bad, badlen, "delays and jitter must not be negative");
      return false;
    }
  if (s->loss < 0 || s->loss > 1)
    {
      snprintf (bad, badlen, "loss is a probability, 0..1");
      return false;
    }
  return true;
}

static bool
parse_window (char **w, int n, int at, SimWindow *out)
{
  if (n != at + 2)
    return false;
  return parse_num (w[at], &out->from) && parse_num (w[at + 1], &out->to) && out->to >= out->from;
}

bool
sim_scenario_parse (SimScenario *scn, const char *text, const char *path, char *err, size_t errlen)
{
  memset (scn, 0, sizeof *scn);
  snprintf (scn->path, sizeof scn->path, "%s", path ? path : "");
  scn->duration = 3600;
  scn->sample = 1.0;
  scn->win_from = scn->win_to = -1;
  scn->max_freq = 83333.333;
  scn->runs = 10;
  scn->start_unix = SIM_EPOCH_UNIX;

  char *copy = strdup (text);
  if (!copy)
    {
      fail (err, errlen, path, 0, "out of memory");
      return false;
    }
  int lineno = 0;
  bool ok = true;
  char *next_line = copy;
  while (next_line && ok)
    {
      char *line = next_line;
      char *nl = strchr (line, '\n');
      if (nl)
        {
          *nl = '\0';
          next_line = nl + 1;
        }
      else
        next_line = NULL;
      lineno++;
      char *hash = strchr (line, '#');
      if (hash)
        *hash = '\0';
      char raw[SIM_LINE_MAX];
      snprintf (raw, sizeof raw, "%s", line);
      char *w[MAX_WORDS];
      int n = split (line, w);
      if (n == 0)
        continue;
      const char *d = w[0];
      char bad[200] = "";
      double x;

      if (!strcmp (d, "name") && n == 2)
        snprintf (scn->name, sizeof scn->name, "%s", w[1]);
      else if (!strcmp (d, "duration") && n == 2 && parse_num (w[1], &x) && x > 0)
        scn->duration = x;
      else if (!strcmp (d, "sample") && n == 2 && parse_num (w[1], &x) && x > 0)
        scn->sample = x;
      else if (!strcmp (d, "window") && n == 3)
        {
          SimWindow win;
          if (!parse_window (w, n, 1, &win))
            { fail (err, errlen, path, lineno, "window FROM TO"); ok = false; }
          scn->win_from = win.from;
          scn->win_to = win.to;
        }
      else if (!strcmp (d, "clock"))
        {
          for (int i = 1; i < n && ok; i += 2)
            {
              if (i + 1 >= n || !parse_num (w[i + 1], &x))
                { fail (err, errlen, path, lineno, "clock: '%s' needs a number", w[i]); ok = false; break; }
              if (!strcmp (w[i], "offset")) scn->clock_offset = x;
              else if (!strcmp (w[i], "freq")) scn->clock_freq = x;
              else if (!strcmp (w[i], "wander")) scn->wander = x;
              else if (!strcmp (w[i], "maxfreq") && x > 0) scn->max_freq = x;
              else if (!strcmp (w[i], "tick") && x >= 0 && x <= 1) scn->tick = x;
              else { fail (err, errlen, path, lineno, "clock: unknown '%s'", w[i]); ok = false; }
            }
        }
      else if (!strcmp (d, "conf") && n >= 2)
        {
          if (scn->n_conf >= SIM_MAX_CONF)
            { fail (err, errlen, path, lineno, "too many conf lines"); ok = false; }
          else
            {
              const char *rest = strstr (raw, "conf") + 4;
              while (*rest == ' ' || *rest == '\t')
                rest++;
              snprintf (scn->conf[scn->n_conf++], SIM_LINE_MAX, "%s", rest);
            }
        }
      else if (!strcmp (d, "drift") && n == 3 && parse_num (w[1], &scn->drift_freq)
               && parse_num (w[2], &scn->drift_skew))
        scn->have_drift = true;
      else if (!strcmp (d, "server") || !strcmp (d, "pool") || !strcmp (d, "peer"))
        {
          if (n < 2 || !strcmp (w[1], "|"))
            { fail (err, errlen, path, lineno, "%s needs an address", d); ok = false; continue; }
          if (scn->n_servers >= SIM_MAX_SERVERS)
            { fail (err, errlen, path, lineno, "at most %d servers", SIM_MAX_SERVERS); ok = false; continue; }
          SimServer *s = &scn->servers[scn->n_servers];
          server_defaults (s);
          snprintf (s->addr, sizeof s->addr, "%s", w[1]);
          /* the chrony.conf part is the raw text before '|' */
          char *bar = strchr (raw, '|');
          if (bar)
            *bar = '\0';
          char *start = raw;
          while (*start == ' ' || *start == '\t')
            start++;
          size_t len = strlen (start);
          while (len > 0 && isspace ((unsigned char) start[len - 1]))
            start[--len] = '\0';
          snprintf (s->line, sizeof s->line, "%s", start);
          int at = 2;
          while (at < n && strcmp (w[at], "|"))
            at++;
          if (at < n && !parse_server_attrs (s, w + at + 1, n - at - 1, bad, sizeof bad))
            { fail (err, errlen, path, lineno, "%s", bad); ok = false; continue; }
          if (sim_scenario_find_server (scn, s->addr) >= 0)
            { fail (err, errlen, path, lineno, "server %s given twice", s->addr); ok = false; continue; }
          scn->n_servers++;
        }
      else if ((!strcmp (d, "down") || !strcmp (d, "kod") || !strcmp (d, "spoof")) && n >= 2)
        {
          int i = sim_scenario_find_server (scn, w[1]);
          if (i < 0)
            { fail (err, errlen, path, lineno, "%s: no server %s above", d, w[1]); ok = false; continue; }
          SimServer *s = &scn->servers[i];
          if (!strcmp (d, "down"))
            {
              if (s->n_down >= SIM_MAX_WINDOWS || !parse_window (w, n, 2, &s->down[s->n_down]))
                { fail (err, errlen, path, lineno, "down ADDR FROM TO"); ok = false; continue; }
              s->n_down++;
            }
          else if (!strcmp (d, "kod"))
            {
              if (n != 5 || s->n_kod >= SIM_MAX_WINDOWS
                  || (strcmp (w[2], "RATE") && strcmp (w[2], "DENY") && strcmp (w[2], "RSTR"))
                  || !parse_window (w, n, 3, &s->kod[s->n_kod].w))
                { fail (err, errlen, path, lineno, "kod ADDR RATE|DENY|RSTR FROM TO"); ok = false; continue; }
              strcpy (s->kod[s->n_kod].code, w[2]);
              s->n_kod++;
            }
          else
            {
              s->spoof = true;
              if (n == 4 && !strcmp (w[2], "offset") && parse_num (w[3], &x))
                s->spoof_offset = x;
              else if (n != 2)
                { fail (err, errlen, path, lineno, "spoof ADDR [offset S]"); ok = false; continue; }
            }
        }
      else if (!strcmp (d, "netdown"))
        {
          if (scn->n_netdown >= SIM_MAX_WINDOWS || !parse_window (w, n, 1, &scn->netdown[scn->n_netdown]))
            { fail (err, errlen, path, lineno, "netdown FROM TO"); ok = false; continue; }
          scn->n_netdown++;
        }
      else if (!strcmp (d, "netperiodic") && n == 4 && parse_num (w[1], &scn->net_period)
               && parse_num (w[2], &scn->net_up) && parse_num (w[3], &scn->net_from)
               && scn->net_period > 0 && scn->net_up >= 0)
        ;
      else if (!strcmp (d, "start") && n == 2 && parse_num (w[1], &x) && x >= 0 && x < 4e9)
        scn->start_unix = (int64_t) x;
      else if (!strcmp (d, "utcleap") && n == 2 && (!strcmp (w[1], "insert") || !strcmp (w[1], "delete")))
        scn->utc_leap = !strcmp (w[1], "insert") ? 1 : -1;
      else if (!strcmp (d, "runs") && n == 2 && parse_num (w[1], &x) && x >= 1)
        scn->runs = (int) x;
      else if (!strcmp (d, "chrony") && n == 3 && parse_num (w[1], &scn->chrony_mean)
               && parse_num (w[2], &scn->chrony_sd))
        scn->has_chrony = true;
      else
        {
          fail (err, errlen, path, lineno, "cannot parse '%s'", raw);
          ok = false;
        }
    }
  free (copy);
  if (ok && scn->n_servers == 0)
    {
      fail (err, errlen, path, lineno, "no server");
      ok = false;
    }
  if (ok && !scn->name[0])
    {
      /* default name: the file's base name without .scn */
      const char *b = path ? strrchr (path, '/') : NULL;
      b = b ? b + 1 : (path ? path : "scenario");
      snprintf (scn->name, sizeof scn->name, "%s", b);
      char *dot = strstr (scn->name, ".scn");
      if (dot)
        *dot = '\0';
    }
  return ok;
}

bool
sim_scenario_load (SimScenario *scn, const char *path, char *err, size_t errlen)
{
  FILE *f = fopen (path, "r");
  if (!f)
    {
      snprintf (err, errlen, "%s: %s", path, strerror (errno));
      return false;
    }
  char *buf = NULL;
  size_t len = 0, cap = 0;
  char chunk[4096];
  size_t got;
  while ((got = fread (chunk, 1, sizeof chunk, f)) > 0)
    {
      if (len + got + 1 > cap)
        {
          cap = (len + got + 1) * 2;
          char *nb = realloc (buf, cap);
          if (!nb)
            {
              free (buf);
              fclose (f);
              snprintf (err, errlen, "%s: out of memory", path);
              return false;
            }
          buf = nb;
        }
      memcpy (buf + len, chunk, got);
      len += got;
    }
  fclose (f);
  if (!buf)
    buf = calloc (1, 1);
  buf[len] = '\0';
  bool ok = sim_scenario_parse (scn, buf, path, err, errlen);
  free (buf);
  return ok;
}

double
sim_scenario_leap_time (const SimScenario *scn)
{
  return (double) ((scn->start_unix / 86400 + 1) * 86400 - scn->start_unix);
}

double
sim_scenario_utc_shift (const SimScenario *scn, double t)
{
  if (!scn->utc_leap || t < sim_scenario_leap_time (scn))
    return 0.0;
  return -(double) scn->utc_leap;
}

bool
sim_scenario_net_up (const SimScenario *scn, double t)
{
  for (int i = 0; i < scn->n_netdown; i++)
    if (t >= scn->netdown[i].from && t < scn->netdown[i].to)
      return false;
  if (scn->net_period > 0 && t >= scn->net_from)
    return fmod (t, scn->net_period) < scn->net_up;
  return true;
}

int
sim_scenario_find_server (const SimScenario *scn, const char *addr)
{
  for (int i = 0; i < scn->n_servers; i++)
    if (!strcmp (scn->servers[i].addr, addr))
      return i;
  return -1;
}
