/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-keyfile.h — `chronyc rekey`: the configuration's key file read again (the keyfile
 * directive's rules, beneath the same root), its keys handed to the synchronization module and
 * through it to the NTP engine (mrd_sync_rekey). A file that cannot be used as a whole
 * (missing, unreadable, readable by others) changes nothing: the keys in use stay.
 */
#pragma once

#include <glib.h>
#include "mrd-config.h"
#include "mrd-sync.h"

G_BEGIN_DECLS

typedef struct _MrdKeyfile MrdKeyfile;

/* @config: the configuration as loaded (its root and keyfile are copied; without a keyfile
 * directive a reload has nothing to read and changes nothing). */
MrdKeyfile *mrd_keyfile_new    (const MrdConfig *config);
void        mrd_keyfile_free   (MrdKeyfile *self);
/* Read the file again and hand its keys on. *@problems (free with g_ptr_array_unref): its
 * lines that could not be used, "FILE:LINE: why", a null-terminated array. FALSE with
 * @error, nothing changed, when the file as a whole cannot be used. */
gboolean    mrd_keyfile_reload (MrdKeyfile *self, MrdSync *sync, guint *n_keys,
                                GPtrArray **problems, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdKeyfile, mrd_keyfile_free)

G_END_DECLS
