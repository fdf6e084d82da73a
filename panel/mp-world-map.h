/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include "mp-zone-index.h"

G_BEGIN_DECLS

#define MP_TYPE_WORLD_MAP (mp_world_map_get_type ())
G_DECLARE_FINAL_TYPE (MpWorldMap, mp_world_map, MP, WORLD_MAP, GtkWidget)

/* Every zone of `index` as a dot at its zone1970.tab coordinates on an equirectangular map
 * (xplanet-images' day and night Earth, blended along the day/night line of now). Click a
 * dot, or move with the arrow keys and press Enter, to emit "zone-activated". */
void        mp_world_map_set_index    (MpWorldMap *self, MpZoneIndex *index);
void        mp_world_map_set_current  (MpWorldMap *self, const char *zone);
/* The zone the keyboard (or the last hover) is on; NULL when none. */
const char *mp_world_map_get_selected (MpWorldMap *self);
void        mp_world_map_select       (MpWorldMap *self, const char *zone);
/* The instant whose day and night are shown (Unix seconds; the chooser passes the service's
 * clock). Until set, this process's clock. */
void        mp_world_map_set_time     (MpWorldMap *self, double unix_seconds);
gboolean    mp_world_map_has_images   (MpWorldMap *self);

G_END_DECLS
