/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <adwaita.h>
#include "mp-client.h"

G_BEGIN_DECLS

#define MP_TYPE_DATETIME_PAGE (mp_datetime_page_get_type ())
G_DECLARE_FINAL_TYPE (MpDatetimePage, mp_datetime_page, MP, DATETIME_PAGE, AdwBin)

void mp_datetime_page_set_client (MpDatetimePage *self, MpClient *client);

G_END_DECLS
