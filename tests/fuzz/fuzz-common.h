/* fuzz-common.h — shared by the libFuzzer targets of tests/fuzz: an invariant check that
 * crashes (so libFuzzer records the input and the replay test fails), and silencing GLib's log
 * (the readers warn about bad input once per table; millions of inputs would flood stderr).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FZ_CHECK(cond) \
  do { \
    if (!(cond)) { \
      fprintf (stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
      abort (); \
    } \
  } while (0)

#ifdef FZ_GLIB
#include <glib.h>

static GLogWriterOutput
fz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer ud)
{
  (void) fields; (void) n_fields; (void) ud;
  /* criticals are programming errors (a g_return_if_fail tripped): those are findings */
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    abort ();
  return G_LOG_WRITER_HANDLED;
}

static void
fz_glib_init (void)
{
  static int done;
  if (!done)
    {
      done = 1;
      g_log_set_writer_func (fz_log_writer, NULL, NULL);
    }
}
#endif
