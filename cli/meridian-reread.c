/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridian-reread.c — see meridian-reread.h. */
#include "meridian-reread.h"

typedef struct {
  GDBusProxy *proxy;
  MeridianRereadChanged changed;
  gpointer user_data;
} Read;

static void
on_read (GObject *source, GAsyncResult *result, gpointer data)
{
  Read *read = data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             NULL);
  g_autoptr(GVariant) all = NULL;
  GVariantIter iter;
  const char *name;
  GVariant *value;
  gboolean changed = FALSE;

  /* Cancelled (a cancelled GTask reports so even when the reply had come), or the object
   * went: its removal is shown anyway. */
  if (reply != NULL)
    {
      g_variant_get (reply, "(@a{sv})", &all);
      g_variant_iter_init (&iter, all);
      while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
        {
          g_autoptr(GVariant) old = g_dbus_proxy_get_cached_property (read->proxy, name);

          if (old == NULL || !g_variant_equal (old, value))
            {
              g_dbus_proxy_set_cached_property (read->proxy, name, value);
              changed = TRUE;
            }
          g_variant_unref (value);
        }
      if (changed)
        read->changed (read->proxy, read->user_data);
    }
  g_object_unref (read->proxy);
  g_free (read);
}

static void
read_proxy (GDBusProxy *proxy, GCancellable *cancel, MeridianRereadChanged changed,
            gpointer user_data)
{
  Read *read = g_new (Read, 1);

  *read = (Read) { g_object_ref (proxy), changed, user_data };
  g_dbus_connection_call (g_dbus_proxy_get_connection (proxy), g_dbus_proxy_get_name (proxy),
                          g_dbus_proxy_get_object_path (proxy),
                          "org.freedesktop.DBus.Properties", "GetAll",
                          g_variant_new ("(s)", g_dbus_proxy_get_interface_name (proxy)),
                          G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          cancel, on_read, read);
}

void
meridian_reread (MrdDBusTime1Tracking *tracking, GDBusObjectManager *manager,
                 GCancellable *cancel, MeridianRereadChanged changed, gpointer user_data)
{
  g_autolist(GDBusObject) objects = manager != NULL ? g_dbus_object_manager_get_objects (manager)
                                                    : NULL;

  if (tracking != NULL)
    read_proxy (G_DBUS_PROXY (tracking), cancel, changed, user_data);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      MrdDBusTime1Source *source = mrd_dbus_object_peek_time1_source (MRD_DBUS_OBJECT (l->data));

      if (source != NULL)
        read_proxy (G_DBUS_PROXY (source), cancel, changed, user_data);
    }
}
