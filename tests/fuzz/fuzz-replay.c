/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-replay.c — runs the fuzz target over every file of the given directories (the seed
 * corpus), so a normal (gcc, ASan+UBSan) build exercises the decoder without libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntp-engine.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
run_file (const char *path)
{
  FILE *f = fopen (path, "rb");
  if (!f)
    return -1;
  uint8_t buf[65536];
  size_t n = fread (buf, 1, sizeof buf, f);
  fclose (f);
  LLVMFuzzerTestOneInput (buf, n);
  /* every prefix too: truncation is the most common malformation */
  for (size_t k = 0; k < n; k += 4)
    LLVMFuzzerTestOneInput (buf, k);
  return 0;
}

/* Deterministic noise for the chrony.conf parsers: lines built from real directive and
 * option words, numbers of every shape and junk, in random order. A parse must never crash
 * (ASan/UBSan watch), and what it accepts must be within the documented ranges. */
#define CONFIG_LINES 20000

static const char *const words[] = {
  "server", "pool", "peer", "192.0.2.1", "ntp.example.org", "iburst", "burst", "prefer",
  "noselect", "trust", "require", "minpoll", "maxpoll", "maxdelay", "mindelay", "offset",
  "port", "minstratum", "maxsources", "polltarget", "filter", "key", "version", "presend",
  "minsamples", "maxsamples", "maxdelayratio", "maxdelaydevratio", "asymmetry", "certset",
  "extfield", "ntsport", "xleave", "nts", "offline", "auto_offline", "copy", "makestep",
  "maxchange", "maxdistance", "minsources", "maxupdateskew", "maxslewrate", "stratumweight",
  "reselectdist", "combinelimit", "maxunreach", "maxdelayquant", "leapsecmode", "slew", "step",
  "ignore", "leapsecond", "insert", "delete", "86400", "0.05", "0.95", "0", "1", "-1", "3", "6", "64", "65", "1e9", "1e400", "nan",
  "inf", "-0", "0x10", "2.5", "-6", "24", "25", "#", ";", "!", "%", "\t", "", "xxxxxxxxxxxxxxxx",
};

static uint64_t cfg_rng = 0x2545F4914F6CDD1DULL;

static unsigned
cfg_rand (unsigned n)
{
  cfg_rng ^= cfg_rng << 13;
  cfg_rng ^= cfg_rng >> 7;
  cfg_rng ^= cfg_rng << 17;
  return (unsigned) (cfg_rng % n);
}

static int
config_noise (void)
{
  int bad = 0;
  const unsigned nw = sizeof words / sizeof words[0];
  for (int k = 0; k < CONFIG_LINES; k++) {
    char line[1024] = "";
    size_t len = 0;
    unsigned n = 1 + cfg_rand (24);
    for (unsigned j = 0; j < n && len < sizeof line - 64; j++) {
      const char *w = words[j == 0 ? cfg_rand (3) : cfg_rand (nw)];
      len += (size_t) snprintf (line + len, sizeof line - len, "%s%s", j ? " " : "", w);
    }
    NtpSourceConfig sc;
    char err[256] = "";
    if (ntp_source_config_parse (&sc, line, err, sizeof err) == 0) {
      if (memchr (sc.ignored, '\0', sizeof sc.ignored) == NULL
          || sc.minsamples < NTP_SAMPLES_DEFAULT
          || sc.minsamples > 64 || sc.maxsamples < NTP_SAMPLES_DEFAULT || sc.maxsamples > 64
          || (sc.maxdelayratio != 0 && !(sc.maxdelayratio >= 1))
          || (sc.maxdelaydevratio != 0 && !(sc.maxdelaydevratio >= 1))
          || (sc.maxdelayquant != 0 && !(sc.maxdelayquant >= 0.05 && sc.maxdelayquant <= 0.95))
          || sc.maxunreach < 0
          || sc.minpoll < -6 || sc.maxpoll > 24 || sc.minpoll > sc.maxpoll) {
        fprintf (stderr, "accepted out of range: %s\n", line);
        bad++;
      }
    } else if (memchr (err, '\0', sizeof err) == NULL || err[0] == '\0') {
      fprintf (stderr, "refused without a message: %s\n", line);
      bad++;
    }
    NtpConfig cfg;
    ntp_config_init (&cfg);
    int r = ntp_config_parse_line (&cfg, line + (cfg_rand (2) ? 0 : strcspn (line, " ")), err,
                                   sizeof err);
    if (r == 1 && (!(cfg.maxdistance > 0) || cfg.minsources < 1 || cfg.n_leap_table > 1
                   || (cfg.n_leap_table == 1 && cfg.leap_table[0].utc_midnight % 86400 != 0)))
      bad++;
  }
  return bad;
}

int
main (int argc, char **argv)
{
  int files = 0;
  for (int i = 1; i < argc; i++) {
    DIR *d = opendir (argv[i]);
    if (!d) {
      if (run_file (argv[i]) == 0)
        files++;
      continue;
    }
    struct dirent *de;
    while ((de = readdir (d))) {
      if (de->d_name[0] == '.')
        continue;
      char path[4096];
      snprintf (path, sizeof path, "%s/%s", argv[i], de->d_name);
      if (run_file (path) == 0)
        files++;
    }
    closedir (d);
  }
  /* and some deterministic noise */
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  uint8_t buf[256];
  for (int k = 0; k < 2000; k++) {
    for (size_t j = 0; j < sizeof buf; j++) {
      x ^= x << 13; x ^= x >> 7; x ^= x << 17;
      buf[j] = (uint8_t) x;
    }
    buf[0] = (uint8_t) ((buf[0] & 0xC0) | (4 << 3) | 4);   /* mostly v4 server replies */
    LLVMFuzzerTestOneInput (buf, 48 + 4 * (size_t) (k % 40));
  }
  int bad = config_noise ();
  printf ("replayed %d corpus files and 2000 random packets, %d random config lines\n", files,
          CONFIG_LINES);
  if (bad) {
    fprintf (stderr, "%d config lines broke an invariant\n", bad);
    return 1;
  }
  if (files == 0) {
    fprintf (stderr, "no corpus files found\n");
    return 1;
  }
  return 0;
}
