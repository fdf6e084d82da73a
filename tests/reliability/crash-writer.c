/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crash-writer ROOT REL START: replace ROOT/REL again and again with "N.000000 0.500000\n"
 * (the drift file's format), N = START, START+1, …, through mrd_write_file_atomic() beneath
 * ROOT, exactly as the daemon writes its drift, state and sources files, printing N (flushed)
 * once each write has returned. tests/reliability/test_crash.py kills it with SIGKILL at a
 * random moment and checks that the file holds the last N printed or the next one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "mrd-state.h"

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  long n;

  if (argc != 4)
    {
      fprintf (stderr, "usage: %s ROOT REL START\n", argv[0]);
      return 2;
    }
  mrd_state_set_root (argv[1]);
  path = g_build_filename (argv[1], argv[2], NULL);
  for (n = strtol (argv[3], NULL, 10);; n++)
    {
      g_autoptr(GError) error = NULL;
      char text[64];

      g_snprintf (text, sizeof text, "%ld.000000 0.500000\n", n);
      if (!mrd_write_file_atomic (path, text, strlen (text), 0644, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      printf ("%ld\n", n);
      fflush (stdout);
    }
}
