/* mrd-state.h — settings changed over D-Bus that must survive a restart (NTP on/off), kept in
 * ROOT/var/lib/meridian/state as a GKeyFile:
 *
 *   [Time]
 *   NTP=true
 *
 * and the file access every persisted file of the daemon goes through (the state file, the
 * sources added at run time, the drift file): paths beneath the root (mrd_state_set_root())
 * are resolved there without following a symbolic link (service/tz/mrd-tz-root.h), so that a
 * symlinked var/lib/meridian or a link in place of a file can neither redirect a write out of
 * the root nor copy an outside file in; reads take regular files only, bounded, never blocking.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gboolean ntp;   /* NTP synchronization enabled; TRUE when never set (as with timesyncd) */
} MrdState;

/* Largest state, sources or drift file read: each is a few hundred bytes. */
#define MRD_STATE_READ_MAX (256 * 1024)

/* ROOT/var/lib/meridian/state. Free with g_free(). */
char     *mrd_state_path_for_root (const char *root);

/* The root directory (--root, "/" for the real system) of this process's files. A path given
 * to mrd_write_file_atomic(), mrd_state_read_file(), mrd_state_load() or mrd_state_save() that
 * lies under it is resolved beneath it, refusing every symbolic link on the way; any other
 * path (and every path before this is called) trusts its directory and refuses a link only as
 * the file itself. NULL forgets the root. Call once at start-up, before any file is touched. */
void      mrd_state_set_root      (const char *root);

void      mrd_state_init_defaults (MrdState *state);
/* A missing file leaves the defaults and succeeds; an unreadable or garbled one (or a
 * symbolic link, FIFO, device…) fails, naming the file, with @state holding the defaults. */
gboolean  mrd_state_load          (MrdState *state, const char *path, GError **error);
/* Create the directory if needed (beneath the root) and replace the file atomically. */
gboolean  mrd_state_save          (const MrdState *state, const char *path, GError **error);

/* Read @path (see mrd_state_set_root()): a regular file of at most @max bytes, never
 * blocking. A missing file is not an error: TRUE with *@out = NULL. *@out is NUL-terminated;
 * @out_len (optional) excludes the NUL. */
gboolean  mrd_state_read_file     (const char *path, gsize max, char **out, gsize *out_len,
                                   GError **error);

/* Replace @path with @data so that a crash leaves either the old or the new file, never a
 * mix: write a temporary ".#NAME.XXXXXX" in the same directory, fsync it, rename it over
 * @path, then fsync the directory so the rename itself is durable (rename(2), fsync(2)).
 * Missing directories beneath the root are created (0755). A new file gets @mode; an existing
 * one keeps its permission bits (never set-id or sticky bits). A symbolic link or a
 * non-regular file at @path, or a link on the way beneath the root, is refused. */
gboolean  mrd_write_file_atomic   (const char *path, const char *data, gsize len, int mode,
                                   GError **error);

/* Remove the temporary files a crash in mrd_write_file_atomic (@path) can leave: the regular
 * files ".#NAME.XXXXXX" beside @path, found as @path is (beneath the root, no link followed);
 * nothing else in that directory. Failures are logged. Returns how many were removed. Call at
 * start-up, before @path is written. */
guint     mrd_state_clean_temp_files_of (const char *path);

G_END_DECLS
