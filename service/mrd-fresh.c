/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-fresh.c — see mrd-fresh.h.
 *
 * A subclass per skeleton type, made at run time: its get_vtable() hands GDBus a copy of the
 * parent's vtable whose get_property refreshes first (GDBus serves Get and GetAll through
 * it), and its get_properties() (what GDBusObjectManagerServer sends) refreshes first too. */
#include "mrd-fresh.h"

typedef struct {
  MrdFreshFunc refresh;
  gpointer user_data;
} Refresh;

typedef struct {
  GDBusInterfaceSkeletonClass *parent_class;
  GDBusInterfaceVTable vtable;   /* the parent's, get_property wrapped */
  GDBusInterfaceGetPropertyFunc parent_get_property;
} TypeData;

static GQuark
refresh_quark (void)
{
  return g_quark_from_static_string ("mrd-fresh-refresh");
}

static GQuark
type_quark (void)
{
  return g_quark_from_static_string ("mrd-fresh-type");
}

static TypeData *
type_data (gpointer instance)
{
  return g_type_get_qdata (G_OBJECT_TYPE (instance), type_quark ());
}

static void
refresh (gpointer instance)
{
  Refresh *r = g_object_get_qdata (G_OBJECT (instance), refresh_quark ());

  if (r != NULL)
    r->refresh (r->user_data);
}

/* GDBusInterfaceSkeleton registers its vtable with itself as @user_data. */
static GVariant *
fresh_get_property (GDBusConnection *connection, const char *sender, const char *object_path,
                    const char *interface_name, const char *property_name, GError **error,
                    gpointer user_data)
{
  TypeData *td = type_data (user_data);

  refresh (user_data);
  return td->parent_get_property (connection, sender, object_path, interface_name,
                                  property_name, error, user_data);
}

static GDBusInterfaceVTable *
fresh_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  TypeData *td = type_data (skeleton);

  if (td->parent_get_property == NULL)
    {
      td->vtable = *td->parent_class->get_vtable (skeleton);
      td->parent_get_property = td->vtable.get_property;
      td->vtable.get_property = fresh_get_property;
    }
  return &td->vtable;
}

static GVariant *
fresh_get_properties (GDBusInterfaceSkeleton *skeleton)
{
  refresh (skeleton);
  return type_data (skeleton)->parent_class->get_properties (skeleton);
}

static void
fresh_class_init (gpointer klass, gpointer class_data)
{
  GDBusInterfaceSkeletonClass *skeleton_class = klass;
  TypeData *td = class_data;

  td->parent_class = g_type_class_peek_parent (klass);
  skeleton_class->get_vtable = fresh_get_vtable;
  skeleton_class->get_properties = fresh_get_properties;
}

static GType
fresh_type (GType parent)
{
  static GMutex lock;
  g_autofree char *name = g_strconcat ("MrdFresh", g_type_name (parent), NULL);
  GType type;

  g_mutex_lock (&lock);
  type = g_type_from_name (name);
  if (type == 0)
    {
      GTypeQuery q;
      TypeData *td = g_new0 (TypeData, 1);   /* lives as long as the type: for ever */
      GTypeInfo info = { 0 };

      g_type_query (parent, &q);
      info.class_size = q.class_size;
      info.class_init = fresh_class_init;
      info.class_data = td;
      info.instance_size = q.instance_size;
      type = g_type_register_static (parent, name, &info, 0);
      g_type_set_qdata (type, type_quark (), td);
    }
  g_mutex_unlock (&lock);
  return type;
}

gpointer
mrd_fresh_skeleton_new (GType skeleton_type, MrdFreshFunc func, gpointer user_data)
{
  GObject *skeleton;
  Refresh *r;

  g_return_val_if_fail (g_type_is_a (skeleton_type, G_TYPE_DBUS_INTERFACE_SKELETON), NULL);
  skeleton = g_object_new (fresh_type (skeleton_type), NULL);
  r = g_new0 (Refresh, 1);
  r->refresh = func;
  r->user_data = user_data;
  g_object_set_qdata_full (skeleton, refresh_quark (), r, g_free);
  return skeleton;
}
