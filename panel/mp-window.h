/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <adwaita.h>
#include "mp-client.h"

G_BEGIN_DECLS

#define MP_TYPE_WINDOW (mp_window_get_type ())
G_DECLARE_FINAL_TYPE (MpWindow, mp_window, MP, WINDOW, AdwApplicationWindow)

MpWindow *mp_window_new         (AdwApplication *app, MpClient *client);
void      mp_window_show_toast  (MpWindow *self, const char *text);
/* Selects a page by name ("datetime", "sync"). */
void      mp_window_set_page    (MpWindow *self, const char *name);

G_END_DECLS
