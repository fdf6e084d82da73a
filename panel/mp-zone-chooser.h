/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <adwaita.h>
#include "mp-client.h"

G_BEGIN_DECLS

#define MP_TYPE_ZONE_CHOOSER (mp_zone_chooser_get_type ())
G_DECLARE_FINAL_TYPE (MpZoneChooser, mp_zone_chooser, MP, ZONE_CHOOSER, AdwWindow)

/* Search, browse (region → country → zone, as tzselect asks) and a world map; choosing a
 * zone calls SetTimezone and closes the window when the service has done it. */
MpZoneChooser *mp_zone_chooser_new (MpClient *client, const char *current_zone);

G_END_DECLS
