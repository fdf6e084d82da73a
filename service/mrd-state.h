/* mrd-state.h — settings changed over D-Bus that must survive a restart (NTP on/off), kept in
 * ROOT/var/lib/meridian/state as a GKeyFile:
 *
 *   [Time]
 *   NTP=true
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gboolean ntp;   /* NTP synchronization enabled; TRUE when never set (as with timesyncd) */
} MrdState;

/* ROOT/var/lib/meridian/state. Free with g_free(). */
char     *mrd_state_path_for_root (const char *root);

void      mrd_state_init_defaults (MrdState *state);
/* A missing file leaves the defaults and succeeds; an unreadable or garbled one fails
 * (with @state holding the defaults). */
gboolean  mrd_state_load          (MrdState *state, const char *path, GError **error);
/* Create the directory if needed and replace the file atomically. */
gboolean  mrd_state_save          (const MrdState *state, const char *path, GError **error);

/* Replace @path with @data so that a crash leaves either the old or the new file, never a
 * mix: write a temporary file in the same directory, fsync it, rename it over @path, then
 * fsync the directory so the rename itself is durable (rename(2), fsync(2)). */
gboolean  mrd_write_file_atomic   (const char *path, const char *data, gsize len, int mode,
                                   GError **error);

G_END_DECLS
