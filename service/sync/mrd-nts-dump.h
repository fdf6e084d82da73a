/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-nts-dump.h — the files of chrony.conf's `ntsdumpdir`: each `nts` line's cookies and keys
 * (the format is the core's, ntp-nts.h), read at start and written when the engine says so
 * (mrd_sync_engine_set_nts_dump_func), by the process that may touch files: meridiand as root
 * for its sandboxed engine, the engine itself in --no-bus.
 *
 * Read: a regular file only, never through a symbolic link, checked whole before use. Write:
 * atomically (a temporary file, fsync, rename, fsync of the directory; mrd_write_file_atomic),
 * mode 0600 (the keys are secrets), and never through a symbolic link. Every refusal is
 * logged and leaves things as they were. */
#pragma once

#include <glib.h>

#include "mrd-config.h"
#include "sync/mrd-sync-engine.h"

G_BEGIN_DECLS

/* The dump of source line @line (chrony.conf syntax) in @dir, checked whole
 * (mrd_sync_engine_nts_dump_check): NULL when the line has no `nts`, there is none, or it is
 * refused (logged). *name_out (optional) gets the dump's name. */
char     *mrd_nts_dump_read  (const char *dir, const char *line, char **name_out, gsize *len_out);
/* Write dump @name (@text, checked again) into @dir. FALSE with the reason logged. */
gboolean  mrd_nts_dump_write (const char *dir, const char *name, const char *text);
/* The engine's dumps of @config's sources read from @dir and handed to @engine; its new ones
 * written there. For an engine that may open files (--no-bus). */
void      mrd_nts_dump_attach (MrdSyncEngine *engine, const MrdConfig *config, const char *dir);

G_END_DECLS
