/* fuzz-replay.c — runs the fuzz target over every file of the given directories (the seed
 * corpus), so a normal (gcc, ASan+UBSan) build exercises the decoder without libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  printf ("replayed %d corpus files and 2000 random packets\n", files);
  if (files == 0) {
    fprintf (stderr, "no corpus files found\n");
    return 1;
  }
  return 0;
}
