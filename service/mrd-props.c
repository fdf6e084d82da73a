/* mrd-props.c — see mrd-props.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-props.h"

#include <string.h>

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"
#define MAX_OBJECTS 2

typedef struct {
  char *path;
  char *interface_name;             /* the skeleton's interface */
  GDBusInterfaceSkeleton *skeleton; /* main thread only */
  gulong notify_id;
  GVariant *snapshot;               /* "a{sv}", under MrdProps.lock; NULL: not served */
} PropsObject;

struct _MrdProps {
  gatomicrefcount ref_count;
  GMutex lock;                      /* snapshot pointers, clock, fast_path */
  MrdClock *clock;                  /* NULL after shutdown */
  gboolean fast_path;
  PropsObject objects[MAX_OBJECTS]; /* fixed once the filter is installed */
  guint n_objects;
};

guint64
mrd_props_time_usec (MrdClock *clock)
{
  gint64 now = mrd_clock_now_usec (clock);

  return now > 0 ? (guint64) now : 0;
}

guint64
mrd_props_rtc_time_usec (MrdClock *clock)
{
  gint64 usec = 0;

  if (!mrd_clock_read_rtc (clock, &usec) || usec < 0)
    return 0;
  return (guint64) usec;
}

static gboolean
is_live (const char *property_name)
{
  return strcmp (property_name, "TimeUSec") == 0 || strcmp (property_name, "RTCTimeUSec") == 0;
}

MrdProps *
mrd_props_new (MrdClock *clock)
{
  MrdProps *props = g_new0 (MrdProps, 1);

  g_atomic_ref_count_init (&props->ref_count);
  g_mutex_init (&props->lock);
  props->clock = clock;
  props->fast_path = TRUE;
  return props;
}

static void
props_object_clear (PropsObject *obj)
{
  if (obj->skeleton != NULL && obj->notify_id != 0)
    g_signal_handler_disconnect (obj->skeleton, obj->notify_id);
  obj->notify_id = 0;
  g_clear_object (&obj->skeleton);
  g_clear_pointer (&obj->snapshot, g_variant_unref);
  g_clear_pointer (&obj->path, g_free);
  g_clear_pointer (&obj->interface_name, g_free);
}

void
mrd_props_unref (MrdProps *props)
{
  guint i;

  if (props == NULL || !g_atomic_ref_count_dec (&props->ref_count))
    return;
  for (i = 0; i < props->n_objects; i++)
    props_object_clear (&props->objects[i]);
  g_mutex_clear (&props->lock);
  g_free (props);
}

/* Main thread: the skeleton's readable properties, in introspection order, each as its own
 * get_property handler gives it to GDBus; live ones get a placeholder, replaced per call. */
static void
refresh_snapshot (MrdProps *props, PropsObject *obj)
{
  GDBusInterfaceInfo *info = g_dbus_interface_skeleton_get_info (obj->skeleton);
  GDBusInterfaceVTable *vtable = g_dbus_interface_skeleton_get_vtable (obj->skeleton);
  GVariantBuilder builder;
  GVariant *snapshot = NULL, *old;
  gboolean complete = TRUE;
  guint i;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (i = 0; info->properties != NULL && info->properties[i] != NULL; i++)
    {
      const GDBusPropertyInfo *p = info->properties[i];
      GVariant *value;

      if (!(p->flags & G_DBUS_PROPERTY_INFO_FLAGS_READABLE))
        continue;
      if (is_live (p->name))
        value = g_variant_ref_sink (g_variant_new_uint64 (0));
      else
        {
          value = vtable->get_property (NULL, NULL, obj->path, info->name, p->name, NULL,
                                        obj->skeleton);
          if (value == NULL)
            {
              complete = FALSE;   /* leave this object to GDBus */
              break;
            }
          g_variant_take_ref (value);
        }
      g_variant_builder_add (&builder, "{sv}", p->name, value);
      g_variant_unref (value);
    }
  if (complete)
    snapshot = g_variant_ref_sink (g_variant_builder_end (&builder));
  else
    g_variant_builder_clear (&builder);

  g_mutex_lock (&props->lock);
  old = obj->snapshot;
  obj->snapshot = snapshot;
  g_mutex_unlock (&props->lock);
  if (old != NULL)
    g_variant_unref (old);
}

static void
on_skeleton_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  MrdProps *props = g_object_get_data (object, "mrd-props");

  refresh_snapshot (props, user_data);
}

void
mrd_props_add_object (MrdProps *props, GDBusInterfaceSkeleton *skeleton, const char *object_path)
{
  PropsObject *obj;

  g_return_if_fail (props->n_objects < MAX_OBJECTS);
  obj = &props->objects[props->n_objects++];
  obj->path = g_strdup (object_path);
  obj->interface_name = g_strdup (g_dbus_interface_skeleton_get_info (skeleton)->name);
  obj->skeleton = g_object_ref (skeleton);
  g_object_set_data (G_OBJECT (skeleton), "mrd-props", props);
  obj->notify_id = g_signal_connect (skeleton, "notify", G_CALLBACK (on_skeleton_notify), obj);
  refresh_snapshot (props, obj);
}

void
mrd_props_shutdown (MrdProps *props)
{
  guint i;

  g_mutex_lock (&props->lock);
  props->clock = NULL;
  props->fast_path = FALSE;
  g_mutex_unlock (&props->lock);
  for (i = 0; i < props->n_objects; i++)
    {
      PropsObject *obj = &props->objects[i];

      if (obj->notify_id != 0)
        g_signal_handler_disconnect (obj->skeleton, obj->notify_id);
      obj->notify_id = 0;
    }
}

void
mrd_props_set_fast_path (MrdProps *props, gboolean enabled)
{
  g_mutex_lock (&props->lock);
  props->fast_path = enabled && props->clock != NULL;
  g_mutex_unlock (&props->lock);
}

/* ---- the worker thread --------------------------------------------------------------------- */

/* The answer's body, or NULL to leave the call to GDBus. Holds the lock only to take the
 * snapshot and read the clock (which shutdown() may take away). */
static GVariant *
answer (MrdProps *props, PropsObject *obj, const char *property_name)
{
  g_autoptr(GVariant) snapshot = NULL;
  gboolean has_rtc;
  guint64 now = 0, rtc = 0;

  g_mutex_lock (&props->lock);
  if (!props->fast_path || props->clock == NULL || obj->snapshot == NULL)
    {
      g_mutex_unlock (&props->lock);
      return NULL;
    }
  snapshot = g_variant_ref (obj->snapshot);
  /* A real RTC is a device ioctl (it may wait for the chip's update cycle): not in the
   * thread that does all of the daemon's bus I/O. */
  has_rtc = mrd_clock_has_rtc (props->clock);
  if (has_rtc && (property_name == NULL || strcmp (property_name, "RTCTimeUSec") == 0))
    {
      g_mutex_unlock (&props->lock);
      return NULL;
    }
  if (property_name == NULL || strcmp (property_name, "TimeUSec") == 0)
    now = mrd_props_time_usec (props->clock);
  if (property_name == NULL || strcmp (property_name, "RTCTimeUSec") == 0)
    rtc = mrd_props_rtc_time_usec (props->clock);   /* no RTC here: 0 at once */
  g_mutex_unlock (&props->lock);

  if (property_name != NULL)
    {
      g_autoptr(GVariant) value = NULL;

      if (strcmp (property_name, "TimeUSec") == 0)
        value = g_variant_ref_sink (g_variant_new_uint64 (now));
      else if (strcmp (property_name, "RTCTimeUSec") == 0)
        value = g_variant_ref_sink (g_variant_new_uint64 (rtc));
      else
        value = g_variant_lookup_value (snapshot, property_name, NULL);
      if (value == NULL)
        return NULL;   /* not ours: GDBus gives the error */
      return g_variant_new ("(v)", value);
    }
  else
    {
      GVariantBuilder builder;
      GVariantIter iter;
      const char *name;
      GVariant *value;

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("(a{sv})"));
      g_variant_builder_open (&builder, G_VARIANT_TYPE_VARDICT);
      g_variant_iter_init (&iter, snapshot);
      while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
        {
          if (strcmp (name, "TimeUSec") == 0)
            g_variant_builder_add (&builder, "{sv}", name, g_variant_new_uint64 (now));
          else if (strcmp (name, "RTCTimeUSec") == 0)
            g_variant_builder_add (&builder, "{sv}", name, g_variant_new_uint64 (rtc));
          else
            g_variant_builder_add (&builder, "{sv}", name, value);
          g_variant_unref (value);
        }
      g_variant_builder_close (&builder);
      return g_variant_builder_end (&builder);
    }
}

static PropsObject *
lookup_object (MrdProps *props, const char *path)
{
  guint i;

  if (path == NULL)
    return NULL;
  for (i = 0; i < props->n_objects; i++)
    if (strcmp (props->objects[i].path, path) == 0)
      return &props->objects[i];
  return NULL;
}

/* Runs in GDBus's worker thread for every message; touches the message, the snapshots (under
 * the lock) and the clock, nothing else. */
static GDBusMessage *
props_filter (GDBusConnection *connection, GDBusMessage *message, gboolean incoming,
              gpointer user_data)
{
  MrdProps *props = user_data;
  const char *member, *interface_name = NULL, *property_name = NULL;
  GVariant *body;
  PropsObject *obj;
  gboolean get_all;
  g_autoptr(GVariant) reply_body = NULL;
  g_autoptr(GDBusMessage) reply = NULL;

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL ||
      g_strcmp0 (g_dbus_message_get_interface (message), PROPERTIES_INTERFACE) != 0)
    return message;
  member = g_dbus_message_get_member (message);
  if (g_strcmp0 (member, "GetAll") == 0)
    get_all = TRUE;
  else if (g_strcmp0 (member, "Get") == 0)
    get_all = FALSE;
  else
    return message;
  obj = lookup_object (props, g_dbus_message_get_path (message));
  if (obj == NULL)
    return message;
  body = g_dbus_message_get_body (message);
  if (body == NULL || !g_variant_is_of_type (body, get_all ? G_VARIANT_TYPE ("(s)")
                                                           : G_VARIANT_TYPE ("(ss)")))
    return message;
  if (get_all)
    g_variant_get (body, "(&s)", &interface_name);
  else
    g_variant_get (body, "(&s&s)", &interface_name, &property_name);

  if (get_all && interface_name[0] == '\0')
    {
      /* sd-bus's "every interface": the object's main one (its only one on
       * /org/freedesktop/timedate1; ask for org.meridian.Time1.Tracking by name). */
      GDBusMessage *copy;

      if ((g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED) == 0)
        reply_body = answer (props, obj, NULL);
      if (reply_body == NULL)
        {
          copy = g_dbus_message_copy (message, NULL);
          if (copy == NULL)
            return message;
          g_dbus_message_set_body (copy, g_variant_new ("(s)", obj->interface_name));
          g_object_unref (message);
          return copy;
        }
    }
  else
    {
      if (strcmp (interface_name, obj->interface_name) != 0 ||
          (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED) != 0)
        return message;
      reply_body = answer (props, obj, property_name);
      if (reply_body == NULL)
        return message;
    }

  reply = g_dbus_message_new_method_reply (message);
  g_dbus_message_set_body (reply, g_steal_pointer (&reply_body));
  /* Fails only when the connection is closing: nobody is left to answer then. */
  (void) g_dbus_connection_send_message (connection, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE,
                                         NULL, NULL);
  g_object_unref (message);
  return NULL;
}

static void
props_filter_data_free (gpointer data)
{
  mrd_props_unref (data);
}

guint
mrd_props_install (MrdProps *props, GDBusConnection *connection)
{
  g_atomic_ref_count_inc (&props->ref_count);
  return g_dbus_connection_add_filter (connection, props_filter, props, props_filter_data_free);
}
