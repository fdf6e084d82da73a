/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-statlog.h — the files of chronyd's statistics logs (chrony.conf's `log measurements
 * statistics tracking`, `logdir`, `logbanner`): DIR/measurements.log, statistics.log and
 * tracking.log, one line per event as the NTP core formats it (ntp-statlog.h), written by the
 * process that may touch files: meridiand as root for its sandboxed engine (the engine sends
 * its lines over the channel, mrd-engine-wire.h), the engine itself in --no-bus.
 *
 * As chronyd's: the directory is made if missing (0755), each file appended to (0644), and
 * the column header, between two lines of '=', written before the first line after a file
 * is opened and again every `logbanner` lines. A file moved away (logrotate) is noticed at
 * the next line and a new one started; so is one removed.
 *
 * Never through a symbolic link, the directory's or the file's, and only into a regular
 * file. A line must be one the core could have made (mrd_statlog_line_ok): printable ASCII,
 * no newline, shorter than NTP_STATLOG_LINE_MAX, of a known kind — what a compromised engine
 * sends is held to that. A file that cannot be written is said once, at warning level, until
 * a line gets through again. */
#pragma once

#include <glib.h>

#include "mrd-config.h"
#include "sync/mrd-sync-engine.h"

G_BEGIN_DECLS

typedef struct _MrdStatlog MrdStatlog;

/* Files under @dir (absolute), the header every @banner_every lines (0 = never). */
MrdStatlog *mrd_statlog_new   (const char *dir, guint banner_every);
void        mrd_statlog_free  (MrdStatlog *self);
/* Whether @line may be written as a line of log @kind (NtpStatlogKind). */
gboolean    mrd_statlog_line_ok (guint kind, const char *line);
/* Append @line (checked first) to @kind's file. FALSE when it was refused or not written. */
gboolean    mrd_statlog_write (MrdStatlog *self, guint kind, const char *line);
/* For an engine that may open files (--no-bus): its lines written by a new MrdStatlog on
 * @config's logdir (@dir, the path as seen from here), which is returned (free it after the
 * engine's last line, having unset the func); NULL when @dir is NULL. */
MrdStatlog *mrd_statlog_attach (MrdSyncEngine *engine, const MrdConfig *config,
                                const char *dir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdStatlog, mrd_statlog_free)

G_END_DECLS
