/* fuzz-replay-main.c — main() for the libFuzzer targets of service/tz and the chrony.conf
 * source parser when built with the normal compiler (gcc), so every build — plain and
 * ASan+UBSan — runs them: each seed file of the given directories, every prefix of it, and
 * deterministic mutations of it (bit flips, byte insertions and deletions, splices of two
 * seeds). A broken invariant aborts (FZ_CHECK), failing the test.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"

#define MAX_SEEDS 256
#define MAX_SEED_LEN (256 * 1024)
#define MUTATIONS_PER_SEED 300

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint32_t
next_rand (void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t) (rng >> 16);
}

static uint8_t *seeds[MAX_SEEDS];
static size_t seed_len[MAX_SEEDS];
static int n_seeds;

static void
load (const char *path)
{
  FILE *f = fopen (path, "rb");
  uint8_t *buf;
  size_t n;

  if (f == NULL || n_seeds == MAX_SEEDS)
    {
      if (f != NULL)
        fclose (f);
      return;
    }
  buf = malloc (MAX_SEED_LEN);
  n = fread (buf, 1, MAX_SEED_LEN, f);
  fclose (f);
  seeds[n_seeds] = buf;
  seed_len[n_seeds] = n;
  n_seeds++;
}

static void
load_arg (const char *arg)
{
  DIR *d = opendir (arg);
  struct dirent *de;

  if (d == NULL)
    {
      load (arg);
      return;
    }
  while ((de = readdir (d)) != NULL)
    {
      char path[4096];
      if (de->d_name[0] == '.')
        continue;
      snprintf (path, sizeof path, "%s/%s", arg, de->d_name);
      load (path);
    }
  closedir (d);
}

/* Run on an exact-size heap copy, so ASan sees any read past the end. */
static void
run (const uint8_t *data, size_t len)
{
  uint8_t *copy = malloc (len > 0 ? len : 1);
  memcpy (copy, data, len);
  LLVMFuzzerTestOneInput (copy, len);
  free (copy);
}

static size_t
mutate (uint8_t *buf, size_t len, size_t cap)
{
  int edits = 1 + (int) (next_rand () % 4);

  for (int e = 0; e < edits; e++)
    {
      uint32_t what = next_rand () % 5;
      size_t at = len > 0 ? next_rand () % len : 0;

      if (what == 0 && len > 0)
        buf[at] ^= (uint8_t) (1u << (next_rand () % 8));
      else if (what == 1 && len > 0)
        buf[at] = (uint8_t) next_rand ();
      else if (what == 2 && len < cap)
        {
          memmove (buf + at + 1, buf + at, len - at);
          buf[at] = (uint8_t) "\n\t \"'#=;,:/+-0\xff\0"[next_rand () % 16];
          len++;
        }
      else if (what == 3 && len > 0)
        {
          memmove (buf + at, buf + at + 1, len - at - 1);
          len--;
        }
      else if (what == 4 && n_seeds > 1)
        {
          /* splice: the tail of another seed */
          int other = (int) (next_rand () % (uint32_t) n_seeds);
          size_t from = seed_len[other] > 0 ? next_rand () % seed_len[other] : 0;
          size_t take = seed_len[other] - from;
          if (at + take > cap)
            take = cap - at;
          memcpy (buf + at, seeds[other] + from, take);
          len = at + take;
        }
    }
  return len;
}

int
main (int argc, char **argv)
{
  long runs = 0;
  uint8_t *buf = malloc (MAX_SEED_LEN + 64);

  for (int i = 1; i < argc; i++)
    load_arg (argv[i]);
  if (n_seeds == 0)
    {
      fprintf (stderr, "no seed files found\n");
      return 1;
    }
  for (int s = 0; s < n_seeds; s++)
    {
      size_t step = seed_len[s] / 64 + 1;

      run (seeds[s], seed_len[s]);
      runs++;
      /* prefixes: truncation is the most common malformation */
      for (size_t k = 0; k < seed_len[s]; k += step)
        {
          run (seeds[s], k);
          runs++;
        }
      for (int m = 0; m < MUTATIONS_PER_SEED; m++)
        {
          size_t len = seed_len[s];
          memcpy (buf, seeds[s], len);
          len = mutate (buf, len, MAX_SEED_LEN + 64);
          run (buf, len);
          runs++;
        }
    }
  printf ("replayed %d seeds: %ld inputs (seeds, prefixes, %d mutations each)\n", n_seeds, runs,
          MUTATIONS_PER_SEED);
  for (int s = 0; s < n_seeds; s++)
    free (seeds[s]);
  free (buf);
  return 0;
}
