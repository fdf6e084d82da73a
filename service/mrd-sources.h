/* mrd-sources.h — the NTP sources as bus objects (/org/meridian/Time1/sources/N, interface
 * org.meridian.Time1.Source) and the org.meridian.Time1.Sources methods.
 *
 * Until the NTP engine is wired in (a later issue), sources are what the configuration and
 * AddSource say: their spec is kept and shown, their state stays "unusable" with nothing
 * measured, and Burst/MakeStep are authorized and then have nothing to act on.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include "mrd-auth.h"
#include "mrd-dbus-generated.h"

G_BEGIN_DECLS

#define MRD_SOURCES_PATH_PREFIX "/org/meridian/Time1/sources/"

typedef struct _MrdSources MrdSources;

/* A source line split up: mode ("server", "pool", "peer"), address, and the options grouped
 * the way the Options property shows them ("iburst", "minpoll 4"). */
typedef struct {
  char  *mode;
  char  *address;
  GStrv  options;
  int    minpoll;   /* log2 s, 6 unless the line says otherwise (chrony's default) */
} MrdSourceSpec;

void           mrd_source_spec_free  (MrdSourceSpec *spec);
/* Parse a chrony.conf `server|pool|peer` line; anything else, or a line that does not parse,
 * fails with G_DBUS_ERROR_INVALID_ARGS and a message that says why. */
MrdSourceSpec *mrd_source_spec_parse (const char *line, GError **error);

MrdSources    *mrd_sources_new       (GDBusObjectManagerServer *manager, MrdAuth *auth);
void           mrd_sources_free      (MrdSources *sources);
/* The org.meridian.Time1.Sources skeleton, to export at /org/meridian/Time1. */
GDBusInterfaceSkeleton *mrd_sources_get_skeleton (MrdSources *sources);

/* Add a source from its spec (no authorization: for the configuration file). Returns the
 * new object path (free with g_free). */
char          *mrd_sources_add       (MrdSources *sources, const char *line, GError **error);
gboolean       mrd_sources_remove    (MrdSources *sources, const char *object_path,
                                      GError **error);
guint          mrd_sources_get_count (MrdSources *sources);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdSourceSpec, mrd_source_spec_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdSources, mrd_sources_free)

G_END_DECLS
