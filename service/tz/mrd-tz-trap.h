/* mrd-tz-trap.h — find TZ settings that override the system zone for login shells and
 * programs (a `TZ=...` line in /etc/profile, /etc/profile.d/NAME.sh, /etc/environment, or
 * the caller's $TZ), so `status` can warn that `date` will not show the system zone.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include "mrd-tzdb.h"

G_BEGIN_DECLS

typedef struct {
  char  *file;    /* "/etc/profile" (as seen inside the root); NULL for the caller's $TZ */
  guint  line;    /* 1-based line number; 0 for the caller's $TZ */
  char  *value;   /* the TZ value, unquoted, e.g. "Asia/Seoul" or ":Asia/Seoul" or "KST-9" */
} MrdTzTrap;

void mrd_tz_trap_free (MrdTzTrap *trap);

/* TRUE if the TZ value @tz_value selects the same zone as @system_zone: the same name after
 * dropping a leading ':' and a ".../zoneinfo/" prefix, links resolved through @db (may be
 * NULL); an empty value means UTC as in glibc. */
gboolean mrd_tz_value_agrees (const MrdTzdb *db, const char *tz_value, const char *system_zone);

/* Every TZ= assignment (`TZ=x`, `export TZ=x`, `TZ="x"`, `TZ='x'`, `export TZ="x"; ...`) in
 * ROOT/etc/profile, ROOT/etc/profile.d/ *.sh and ROOT/etc/environment, plus @caller_tz
 * (may be NULL = unset), that disagrees with @system_zone. Unreadable files are skipped.
 * @out_traps: (out): array of MrdTzTrap, with free function; empty when all agree. */
gboolean mrd_tz_find_traps (const char *root, const MrdTzdb *db, const char *system_zone,
                            const char *caller_tz, GPtrArray **out_traps, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdTzTrap, mrd_tz_trap_free)

G_END_DECLS
