/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-sources.h — the synchronization domain (mrd-sync.h) on the bus: the
 * org.meridian.Time1.Sources methods and the org.meridian.Time1.Tracking properties at
 * /org/meridian/Time1, and one object per source (/org/meridian/Time1/sources/N, interface
 * org.meridian.Time1.Source, under an ObjectManager at /org/meridian/Time1). The objects
 * follow the domain through its listener; the methods are validated, authorized
 * (org.meridian.time1.manage-sources) and then handed to the domain.
 */
#pragma once

#include <gio/gio.h>
#include "mrd-auth.h"
#include "mrd-keyfile.h"
#include "mrd-sourcedir.h"
#include "mrd-sync.h"

G_BEGIN_DECLS

#define MRD_SOURCES_PATH_PREFIX "/org/meridian/Time1/sources/"

typedef struct _MrdSources MrdSources;

/* @object_path: where Sources, Tracking and the ObjectManager live. @auth may be NULL only
 * when no method will be called (tests of the objects). Sources already in @sync appear. */
MrdSources *mrd_sources_new      (MrdSync *sync, MrdAuth *auth, const char *object_path);
/* Where ReloadSources reads (chronyc reload sources); must outlive @self. */
void        mrd_sources_set_sourcedir (MrdSources *self, MrdSourcedir *sourcedir);
/* Where Rekey reads (chronyc rekey); must outlive @self. */
void        mrd_sources_set_keyfile (MrdSources *self, MrdKeyfile *keyfile);
gboolean    mrd_sources_export   (MrdSources *self, GDBusConnection *connection,
                                  GError **error);
void        mrd_sources_free     (MrdSources *self);

/* The source object's path for @id ("/org/meridian/Time1/sources/ID"; free with g_free) and
 * back (FALSE for a path that is not one). */
char       *mrd_sources_path_for_id (guint id);
gboolean    mrd_sources_id_for_path (const char *path, guint *id);

/* For tests: the exported object of source @id, or NULL. */
GDBusObject *mrd_sources_lookup  (MrdSources *self, guint id);
/* For tests: the org.meridian.Time1.Tracking skeleton. */
GDBusInterfaceSkeleton *mrd_sources_get_tracking (MrdSources *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdSources, mrd_sources_free)

G_END_DECLS
