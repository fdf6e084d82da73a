/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-sourcedir.h — the sources read from the configuration's sourcedir directories
 * (chrony.conf(5): DIR/\*.sources, server, pool and peer lines), and `chronyc reload sources`:
 * the files read again, a source whose line is gone removed, a new line added, the others left
 * running as they are (their statistics kept). DHCP clients and NetworkManager's hooks write
 * such files (Debian's /run/chrony-dhcp/IFACE.sources) and then ask for the reload.
 *
 * Sources from the main configuration and those added over D-Bus are never touched: the
 * run-time sources file (mrd_sync_set_sources_path), which may lie in a sourcedir, is skipped
 * line by line. Lines are compared with their blanks normalised (mrd_sourcedir_normalise), so
 * a line whose options change is a source removed and a new one added, as in chronyd.
 */
#pragma once

#include <glib.h>
#include "mrd-config.h"
#include "mrd-sync.h"

G_BEGIN_DECLS

typedef struct _MrdSourcedir MrdSourcedir;

/* What a reload did (each array NULL-terminated, a GStrv as it stands): the lines added and
 * removed (each as in its file, normalised; removed ones sorted), and what went wrong ("FILE:LINE: why" for a line that does not parse,
 * "FILE:LINE: Source 'LINE': why" for one the synchronization module refused). */
typedef struct {
  GPtrArray *added;
  GPtrArray *removed;
  GPtrArray *problems;
} MrdSourcedirChanges;

/* @config: the configuration as loaded (its root and sourcedirs are copied);
 * @runtime_path: the run-time sources file (NULL: none). */
MrdSourcedir *mrd_sourcedir_new       (const MrdConfig *config, const char *runtime_path);
void          mrd_sourcedir_free      (MrdSourcedir *self);
/* Source @id was added from a sourcedir file's @line at start. */
void          mrd_sourcedir_adopt     (MrdSourcedir *self, const char *line, guint id);
/* Read the directories again and bring @sync's sourcedir sources in line with them. Never
 * fails as a whole: each line stands alone. @changes is filled (free with
 * mrd_sourcedir_changes_clear). */
void          mrd_sourcedir_reload    (MrdSourcedir *self, MrdSync *sync,
                                       MrdSourcedirChanges *changes);
void          mrd_sourcedir_changes_clear (MrdSourcedirChanges *changes);
/* @line with runs of blanks as single spaces and none at the ends (free with g_free). */
char         *mrd_sourcedir_normalise (const char *line);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdSourcedir, mrd_sourcedir_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MrdSourcedirChanges, mrd_sourcedir_changes_clear)

G_END_DECLS
