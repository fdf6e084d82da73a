/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <adwaita.h>
#include "mp-client.h"

G_BEGIN_DECLS

#define MP_TYPE_SYNC_PAGE (mp_sync_page_get_type ())
G_DECLARE_FINAL_TYPE (MpSyncPage, mp_sync_page, MP, SYNC_PAGE, AdwBin)

void mp_sync_page_set_client (MpSyncPage *self, MpClient *client);

G_END_DECLS
