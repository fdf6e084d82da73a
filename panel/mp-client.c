/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MpClient: proxies to meridiand, made asynchronously when the service appears on the system
 * bus and dropped when it goes, so the panel reconnects by itself after a restart. */
#include <glib/gi18n.h>
#include <polkit/polkit.h>

#include "mp-client.h"
#include "mp-test-hooks.h"

#define MERIDIAN_BUS_NAME "org.meridian.Time1"
#define MERIDIAN_PATH "/org/meridian/Time1"
#define ACTION_PREFIX "org.meridian.time1."

static const char *const actions[] = { "set-timezone", "set-time", "set-ntp", "manage-sources" };

struct _MpClient
{
  GObject parent_instance;

  GCancellable *life;        /* cancelled at dispose: bus, permissions */
  GCancellable *generation;  /* cancelled whenever the service goes away */
  GDBusConnection *bus;
  guint watch_id;
  MpClientState state;
  guint pending;
  gboolean started;

  MrdDBusTime1 *time1;
  MrdDBusTime1Tracking *tracking;
  MrdDBusTime1Sources *sources;
  GDBusObjectManager *manager;
  GHashTable *permissions;   /* action suffix -> GPermission */
};

G_DEFINE_TYPE (MpClient, mp_client, G_TYPE_OBJECT)

enum { PROP_0, PROP_STATE, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { SIGNAL_ERROR, SIGNAL_PERMISSIONS_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_state (MpClient *self, MpClientState state)
{
  if (self->state == state)
    return;
  self->state = state;
  if (state == MP_CLIENT_CONNECTED)
    mp_test_hooks_mark ("connected");
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

static void
drop_proxies (MpClient *self)
{
  if (self->generation != NULL)
    g_cancellable_cancel (self->generation);
  g_clear_object (&self->generation);
  g_clear_object (&self->time1);
  g_clear_object (&self->tracking);
  g_clear_object (&self->sources);
  g_clear_object (&self->manager);
  self->pending = 0;
}

void
mp_client_report (MpClient *self, const char *what, const GError *error)
{
  g_autoptr(GError) copy = g_error_copy (error);

  g_dbus_error_strip_remote_error (copy);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, what, copy->message);
}

/* Each proxy's callback: store it, and when the last one arrives we are connected. A
 * cancelled generation's callbacks return before touching self (it may be gone). */
static void
proxy_ready (MpClient *self, gpointer *slot, GObject *proxy, GError *error)
{
  if (proxy == NULL)
    {
      drop_proxies (self);
      set_state (self, MP_CLIENT_ABSENT);
      mp_client_report (self, _("Could not connect to the time service"), error);
      return;
    }
  *slot = proxy;
  if (--self->pending == 0)
    set_state (self, MP_CLIENT_CONNECTED);
}

#define PROXY_CALLBACK(name, field, finish)                                         \
  static void                                                                        \
  name (GObject *source, GAsyncResult *res, gpointer user_data)                      \
  {                                                                                  \
    g_autoptr(GError) error = NULL;                                                  \
    gpointer proxy = finish (res, &error);                                           \
    if (proxy == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))  \
      return;                                                                        \
    proxy_ready (MP_CLIENT (user_data), (gpointer *) &MP_CLIENT (user_data)->field,  \
                 proxy, error);                                                      \
  }

PROXY_CALLBACK (time1_ready, time1, mrd_dbus_time1_proxy_new_finish)
PROXY_CALLBACK (tracking_ready, tracking, mrd_dbus_time1_tracking_proxy_new_finish)
PROXY_CALLBACK (sources_ready, sources, mrd_dbus_time1_sources_proxy_new_finish)
PROXY_CALLBACK (manager_ready, manager, mrd_dbus_object_manager_client_new_finish)

static void
name_appeared (GDBusConnection *connection, const char *name, const char *owner,
               gpointer user_data)
{
  MpClient *self = user_data;

  drop_proxies (self);
  self->generation = g_cancellable_new ();
  self->pending = 4;
  set_state (self, MP_CLIENT_CONNECTING);
  /* The owner's unique name, not the well-known one: every proxy of this generation talks to
   * the same process, and a restarted service makes a new generation. */
  mrd_dbus_time1_proxy_new (connection, G_DBUS_PROXY_FLAGS_NONE, owner, MERIDIAN_PATH,
                            self->generation, time1_ready, self);
  mrd_dbus_time1_tracking_proxy_new (connection, G_DBUS_PROXY_FLAGS_NONE, owner, MERIDIAN_PATH,
                                     self->generation, tracking_ready, self);
  mrd_dbus_time1_sources_proxy_new (connection, G_DBUS_PROXY_FLAGS_NONE, owner, MERIDIAN_PATH,
                                    self->generation, sources_ready, self);
  mrd_dbus_object_manager_client_new (connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                      owner, MERIDIAN_PATH, self->generation, manager_ready,
                                      self);
}

static void
name_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  MpClient *self = user_data;

  drop_proxies (self);
  set_state (self, connection != NULL ? MP_CLIENT_ABSENT : MP_CLIENT_NO_BUS);
}

static void
on_permission_changed (GPermission *permission, GParamSpec *pspec, MpClient *self)
{
  g_signal_emit (self, signals[SIGNAL_PERMISSIONS_CHANGED], 0);
}

typedef struct {
  MpClient *self;  /* strong */
  char *action;
} PermissionRequest;

static void
permission_request_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  PermissionRequest *req = user_data;
  g_autoptr(GError) error = NULL;
  GPermission *permission = polkit_permission_new_finish (res, &error);

  if (permission == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("No polkit permission for " ACTION_PREFIX "%s: %s, ignoring", req->action,
                   error->message);
    }
  else if (!g_cancellable_is_cancelled (req->self->life))
    {
      g_hash_table_replace (req->self->permissions, g_strdup (req->action), permission);
      g_signal_connect_object (permission, "notify", G_CALLBACK (on_permission_changed),
                               req->self, 0);
      g_signal_emit (req->self, signals[SIGNAL_PERMISSIONS_CHANGED], 0);
    }
  else
    g_object_unref (permission);
  g_object_unref (req->self);
  g_free (req->action);
  g_free (req);
}

static void
bus_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_finish (res, &error);
  MpClient *self;

  if (bus == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = MP_CLIENT (user_data);
  if (bus == NULL)
    {
      set_state (self, MP_CLIENT_NO_BUS);
      mp_client_report (self, _("Could not reach the system bus"), error);
      return;
    }
  self->bus = bus;
  /* A system bus connection that closes would end the process (GDBus' default). */
  g_dbus_connection_set_exit_on_close (bus, FALSE);
  self->watch_id = g_bus_watch_name_on_connection (bus, MERIDIAN_BUS_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   name_appeared, name_vanished, self, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      g_autofree char *id = g_strconcat (ACTION_PREFIX, actions[i], NULL);
      PermissionRequest *req = g_new0 (PermissionRequest, 1);

      req->self = g_object_ref (self);
      req->action = g_strdup (actions[i]);
      polkit_permission_new (id, NULL, self->life, permission_request_ready, req);
    }
}

static void
mp_client_init (MpClient *self)
{
  self->life = g_cancellable_new ();
  self->state = MP_CLIENT_CONNECTING;
  self->permissions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

void
mp_client_start (MpClient *self)
{
  if (self->started)
    return;
  self->started = TRUE;
  g_bus_get (G_BUS_TYPE_SYSTEM, self->life, bus_ready, self);
}

static void
mp_client_dispose (GObject *object)
{
  MpClient *self = MP_CLIENT (object);

  g_cancellable_cancel (self->life);
  if (self->watch_id != 0)
    g_bus_unwatch_name (self->watch_id);
  self->watch_id = 0;
  drop_proxies (self);
  g_clear_object (&self->bus);
  if (self->permissions != NULL)
    g_hash_table_remove_all (self->permissions);
  G_OBJECT_CLASS (mp_client_parent_class)->dispose (object);
}

static void
mp_client_finalize (GObject *object)
{
  MpClient *self = MP_CLIENT (object);

  g_clear_object (&self->life);
  g_clear_pointer (&self->permissions, g_hash_table_unref);
  G_OBJECT_CLASS (mp_client_parent_class)->finalize (object);
}

static void
mp_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MpClient *self = MP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mp_client_class_init (MpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mp_client_dispose;
  object_class->finalize = mp_client_finalize;
  object_class->get_property = mp_client_get_property;

  props[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, MP_CLIENT_CONNECTING,
                                        MP_CLIENT_NO_BUS, MP_CLIENT_CONNECTING,
                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /* (what, message): a failure to show the user. */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                        G_TYPE_STRING);
  signals[SIGNAL_PERMISSIONS_CHANGED] =
    g_signal_new ("permissions-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);
}

MpClient *
mp_client_new (void)
{
  return g_object_new (MP_TYPE_CLIENT, NULL);
}

MpClientState
mp_client_get_state (MpClient *self)
{
  return self->state;
}

#define GETTER(type, name)                                  \
  type *mp_client_get_##name (MpClient *self)               \
  {                                                         \
    return self->state == MP_CLIENT_CONNECTED ? self->name : NULL; \
  }
GETTER (MrdDBusTime1, time1)
GETTER (MrdDBusTime1Tracking, tracking)
GETTER (MrdDBusTime1Sources, sources)
GETTER (GDBusObjectManager, manager)

GCancellable *
mp_client_get_cancellable (MpClient *self)
{
  return self->generation != NULL ? self->generation : self->life;
}

GPermission *
mp_client_get_permission (MpClient *self, const char *action)
{
  return g_hash_table_lookup (self->permissions, action);
}

gboolean
mp_client_may (MpClient *self, const char *action)
{
  GPermission *p = mp_client_get_permission (self, action);

  if (self->state != MP_CLIENT_CONNECTED)
    return FALSE;
  return p == NULL || g_permission_get_allowed (p) || g_permission_get_can_acquire (p);
}

typedef struct {
  MpClient *self;  /* strong */
  char *what;
  MpClientDone done;
  gpointer user_data;
} CallData;

static void
call_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CallData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), res, &error);

  if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    mp_client_report (data->self, data->what, error);
  if (data->done != NULL)
    data->done (data->self, reply, error, data->user_data);
  g_object_unref (data->self);
  g_free (data->what);
  g_free (data);
}

void
mp_client_call (MpClient *self, gpointer proxy, const char *method, GVariant *params,
                const char *what, MpClientDone done, gpointer user_data)
{
  CallData *data = g_new0 (CallData, 1);

  data->self = g_object_ref (self);
  data->what = g_strdup (what);
  data->done = done;
  data->user_data = user_data;
  g_dbus_proxy_call (G_DBUS_PROXY (proxy), method, params,
                     G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, G_MAXINT,
                     mp_client_get_cancellable (self), call_done, data);
}
