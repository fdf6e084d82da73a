/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <glib/gi18n.h>

#include "mp-sync-page.h"

struct _MpSyncPage
{
  AdwBin parent_instance;
  MpClient *client;
};

G_DEFINE_TYPE (MpSyncPage, mp_sync_page, ADW_TYPE_BIN)

static void
mp_sync_page_dispose (GObject *object)
{
  g_clear_object (&MP_SYNC_PAGE (object)->client);
  G_OBJECT_CLASS (mp_sync_page_parent_class)->dispose (object);
}

static void
mp_sync_page_class_init (MpSyncPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mp_sync_page_dispose;
}

static void
mp_sync_page_init (MpSyncPage *self)
{
}

void
mp_sync_page_set_client (MpSyncPage *self, MpClient *client)
{
  self->client = g_object_ref (client);
}
