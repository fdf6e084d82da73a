/* mrd-timedate1.h — org.freedesktop.timedate1 at /org/freedesktop/timedate1, with the
 * methods, properties, semantics and error names of systemd-timedated 252, so that stock
 * timedatectl, GNOME Settings and KDE work unchanged.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "mrd-timedate1-generated.h"

G_BEGIN_DECLS

typedef struct _MrdDaemon MrdDaemon;

#define MRD_TYPE_TIMEDATE1 (mrd_timedate1_get_type ())
G_DECLARE_FINAL_TYPE (MrdTimedate1, mrd_timedate1, MRD, TIMEDATE1, MrdFdoTimedate1Skeleton)

/* @daemon is not referenced: it owns the MrdTimedate1. */
MrdTimedate1 *mrd_timedate1_new (MrdDaemon *daemon);

G_END_DECLS
