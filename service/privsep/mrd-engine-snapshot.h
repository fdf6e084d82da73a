/* mrd-engine-snapshot.h — the engine child's latest "update" (mrd-engine-wire.h), kept in
 * shared memory for the parent to read when someone asks, so that a routine clock update
 * wakes no process but the child.
 *
 * The parent creates the memfd (sealed against shrinking and growing, so a hostile child
 * cannot make the parent's mapping fault) and maps it read-only; the child maps it read-write
 * and stores the serialized update under a sequence lock: the counter goes odd, the bytes are
 * written, the counter goes even. The parent copies the bytes out and retries while the counter
 * is odd or has moved, a bounded number of times (a child that keeps it odd gets nothing read),
 * and checks the copy as untrusted input (type, normal form), as mrd-channel does.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Room for an update of some hundred sources; a bigger one is sent over the channel. */
#define MRD_ENGINE_SNAPSHOT_SIZE (64 * 1024)

typedef struct _MrdEngineSnapshot MrdEngineSnapshot;

/* Parent: a new, empty snapshot. */
MrdEngineSnapshot *mrd_engine_snapshot_new     (GError **error);
/* Child: the snapshot in @fd (taken: closed with the snapshot), mapped for writing. */
MrdEngineSnapshot *mrd_engine_snapshot_new_from_fd (int fd, GError **error);
void               mrd_engine_snapshot_free    (MrdEngineSnapshot *self);
/* The memfd (owned by the snapshot). */
int                mrd_engine_snapshot_get_fd  (MrdEngineSnapshot *self);

/* Child: stores @update (of any type); FALSE (nothing stored) when it does not fit. */
gboolean           mrd_engine_snapshot_write   (MrdEngineSnapshot *self, GVariant *update);
/* Parent: the latest update, of @type and in normal form, if its sequence number is not
 * *@seq_inout (start from 0, which means nothing written); *@seq_inout is then set to it.
 * NULL when nothing newer was written, or no consistent copy could be taken, or the copy is
 * not of @type in normal form. An MRD_WIRE_UPDATE comes back aged to the moment of reading
 * (mrd_wire_update_aged) by the time since the child wrote it. */
GVariant          *mrd_engine_snapshot_read    (MrdEngineSnapshot *self, const GVariantType *type,
                                                guint64 *seq_inout);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdEngineSnapshot, mrd_engine_snapshot_free)

G_END_DECLS
