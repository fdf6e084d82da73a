/* mrd-auth.c — see mrd-auth.h.
 *
 * polkit is asked over the bus directly (org.freedesktop.PolicyKit1.Authority, the interface
 * polkitd documents in its org.freedesktop.PolicyKit1.Authority.xml), as systemd's bus-polkit
 * does, rather than through libpolkit-gobject: that library is a thin proxy around the same
 * two calls, and it brings libsystemd and its compression and crypto libraries into every
 * process that links it. What it did is kept call for call: the subject, empty details, the
 * flags, a cancellation id per check, G_MAXINT as the timeout, CancelCheckAuthorization when
 * a check is cancelled, and GDBus's text of an error (the D-Bus error name, then polkitd's or
 * the bus's message), which tells an absent polkitd from a failing one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-auth.h"
#include "mrd-error.h"

#include <string.h>
#include <glib/gi18n.h>

typedef struct {
  const char *interface_name;
  const char *method_name;
  const char *action;
} MethodAction;

/* The only methods that change anything. The compatible org.freedesktop.timedate1 methods
 * check systemd-timedated's own actions, so that what sites and desktops grant for timedated
 * (GNOME Settings' datetime action implies them; rules.d files name them) holds for us too;
 * the native interface checks ours (polkit/org.meridian.time1.policy). */
static const MethodAction method_actions[] = {
  { "org.meridian.Time1", "SetTimezone", MRD_ACTION_SET_TIMEZONE },
  { "org.meridian.Time1", "SetTime", MRD_ACTION_SET_TIME },
  { "org.meridian.Time1", "SetNTP", MRD_ACTION_SET_NTP },
  { "org.meridian.Time1", "SetLocalRTC", MRD_ACTION_SET_LOCAL_RTC },
  { "org.freedesktop.timedate1", "SetTimezone", MRD_TIMEDATE1_ACTION_SET_TIMEZONE },
  { "org.freedesktop.timedate1", "SetTime", MRD_TIMEDATE1_ACTION_SET_TIME },
  { "org.freedesktop.timedate1", "SetNTP", MRD_TIMEDATE1_ACTION_SET_NTP },
  { "org.freedesktop.timedate1", "SetLocalRTC", MRD_TIMEDATE1_ACTION_SET_LOCAL_RTC },
  { "org.meridian.Time1.Sources", "AddSource", MRD_ACTION_MANAGE_SOURCES },
  { "org.meridian.Time1.Sources", "RemoveSource", MRD_ACTION_MANAGE_SOURCES },
  { "org.meridian.Time1.Sources", "RemoveSourceByName", MRD_ACTION_MANAGE_SOURCES },
  { "org.meridian.Time1.Sources", "Burst", MRD_ACTION_MANAGE_SOURCES },
  { "org.meridian.Time1.Sources", "MakeStep", MRD_ACTION_MANAGE_SOURCES },
  { "org.meridian.Time1.Sources", "Reselect", MRD_ACTION_MANAGE_SOURCES },
  { "org.meridian.Time1.Sources", "ResetSources", MRD_ACTION_MANAGE_SOURCES },
  /* a read, but of other hosts' addresses (dbus/org.meridian.Time1.xml says why) */
  { "org.meridian.Time1.Sources", "ListClients", MRD_ACTION_MANAGE_SOURCES },
  { "org.meridian.Time1.Sources", "Refresh", MRD_ACTION_MANAGE_SOURCES },
  { "org.meridian.Time1.Sources", "SetConnectivity", MRD_ACTION_MANAGE_SOURCES },
  { "org.meridian.Time1.Sources", "ModifySource", MRD_ACTION_MANAGE_SOURCES },
  { "org.meridian.Time1.Sources", "ReloadSources", MRD_ACTION_MANAGE_SOURCES },
  { "org.meridian.Time1.Sources", "SetDirective", MRD_ACTION_MANAGE_SOURCES },
  { "org.meridian.Time1.Sources", "BurstSources", MRD_ACTION_MANAGE_SOURCES },
  { "org.meridian.Time1.Sources", "Rekey", MRD_ACTION_MANAGE_SOURCES },
};

#define POLKIT_BUS_NAME  "org.freedesktop.PolicyKit1"
#define POLKIT_PATH      "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_INTERFACE "org.freedesktop.PolicyKit1.Authority"
/* CheckAuthorizationFlags.AllowUserInteraction in polkit's Authority interface. */
#define POLKIT_CHECK_ALLOW_USER_INTERACTION 0x1u

struct _MrdAuth {
  GDBusConnection *connection;
  guint next_cancellation_id;     /* polkitd wants them unique per caller connection */
  guint name_owner_subscription;
  GPtrArray *pending;             /* GTask*, the checks waiting for polkit */
};

typedef struct {
  char *sender;
  char *action;
  guint32 flags;                  /* polkit's CheckAuthorizationFlags */
  char *cancellation_id;          /* names the check in CancelCheckAuthorization */
  GDBusConnection *connection;    /* for the cancel, which may outlive the MrdAuth */
  GCancellable *cancellable;
  guint32 uid;                    /* the caller's user, once the bus has told us */
  gboolean asking_polkit;         /* polkitd has the check: counted against the limits below */
  gboolean finished;              /* the GTask has returned (e.g. the caller left) */
  guint cancel_source;            /* cancels a check whose caller left, if polkitd keeps it */
} CheckData;

static void
check_data_free (CheckData *data)
{
  g_free (data->sender);
  g_free (data->action);
  g_free (data->cancellation_id);
  g_clear_object (&data->connection);
  g_clear_object (&data->cancellable);
  g_free (data);
}

const char *
mrd_auth_action_for_method (const char *interface_name, const char *method_name)
{
  guint i;

  if (interface_name == NULL || method_name == NULL)
    return NULL;
  for (i = 0; i < G_N_ELEMENTS (method_actions); i++)
    if (strcmp (method_actions[i].interface_name, interface_name) == 0 &&
        strcmp (method_actions[i].method_name, method_name) == 0)
      return method_actions[i].action;
  return NULL;
}

gboolean
mrd_auth_allow_interaction (gboolean interactive_arg, GDBusMessageFlags flags)
{
  return interactive_arg ||
         (flags & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0;
}

/* Return the check's result. A check polkitd still has stays in auth->pending (and counted:
 * its CheckAuthorization call still holds one of the replies dbus-daemon lets us wait for)
 * until polkitd answers it. */
static void
finish_task (MrdAuth *auth, GTask *task, GError *error)
{
  CheckData *data = g_task_get_task_data (task);

  if (data->finished)
    {
      g_clear_error (&error);
      return;
    }
  data->finished = TRUE;
  if (!data->asking_polkit)
    g_ptr_array_remove (auth->pending, task);   /* drops the array's ref; the caller holds one */
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* How long polkitd may take to end by itself a check whose caller has left before we cancel
 * it. polkitd ends the checks of a caller that left (its authentication agent went with it)
 * within milliseconds of the same NameOwnerChanged; cancelling at once races that, and
 * polkitd refuses the cancel of each check it had already ended ("No such cancellation_id",
 * logged as a warning by on_cancel_done). A check polkitd keeps (an agent on another connection that never answers) is
 * cancelled after this delay, and counted against its user until then. */
#define CANCEL_AFTER_CALLER_LEFT_S 5

static gboolean
cancel_if_polkit_still_has_it (gpointer user_data)
{
  CheckData *data = g_task_get_task_data (G_TASK (user_data));

  data->cancel_source = 0;
  if (data->asking_polkit)
    g_cancellable_cancel (data->cancellable);
  return G_SOURCE_REMOVE;
}

/* NameOwnerChanged(name, old, "") for a unique name: that caller has left the bus. Every check
 * still waiting on its behalf ends now, so nothing it asked for is applied. The bus delivers
 * this signal after any method call the caller sent before leaving, so the order holds. */
static void
on_name_owner_changed (GDBusConnection *connection, const char *sender_name,
                       const char *object_path, const char *interface_name,
                       const char *signal_name, GVariant *parameters, gpointer user_data)
{
  MrdAuth *auth = user_data;
  const char *name, *old_owner, *new_owner;
  guint i;

  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (name[0] != ':' || new_owner[0] != '\0')
    return;

  for (i = auth->pending->len; i > 0; i--)
    {
      GTask *task = g_ptr_array_index (auth->pending, i - 1);
      CheckData *data = g_task_get_task_data (task);

      if (strcmp (data->sender, name) != 0)
        continue;
      if (data->finished)
        continue;   /* already answered; polkitd still has it (see below) */
      g_info ("Caller %s left the bus during the check of %s; nothing will change", name,
              data->action);
      if (data->asking_polkit)
        data->cancel_source =
          g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, CANCEL_AFTER_CALLER_LEFT_S,
                                      cancel_if_polkit_still_has_it, g_object_ref (task),
                                      g_object_unref);
      else
        g_cancellable_cancel (data->cancellable);   /* only the bus's GetConnectionUnixUser */
      g_object_ref (task);
      finish_task (auth, task,
                   g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                _("The caller disconnected before authorization completed")));
      g_object_unref (task);
    }
}

MrdAuth *
mrd_auth_new (GDBusConnection *connection)
{
  MrdAuth *auth = g_new0 (MrdAuth, 1);

  auth->connection = g_object_ref (connection);
  auth->pending = g_ptr_array_new_with_free_func (g_object_unref);
  auth->name_owner_subscription =
    g_dbus_connection_signal_subscribe (connection, "org.freedesktop.DBus",
                                        "org.freedesktop.DBus", "NameOwnerChanged",
                                        "/org/freedesktop/DBus", NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_name_owner_changed, auth, NULL);
  return auth;
}

void
mrd_auth_free (MrdAuth *auth)
{
  if (auth == NULL)
    return;
  /* Pending tasks keep their own references; mark them so late polkit replies are dropped. */
  while (auth->pending->len > 0)
    {
      GTask *task = g_object_ref (g_ptr_array_index (auth->pending, 0));
      CheckData *data = g_task_get_task_data (task);

      /* Late callbacks find no MrdAuth and touch nothing. */
      g_object_set_data (G_OBJECT (task), "mrd-auth", NULL);
      g_clear_handle_id (&data->cancel_source, g_source_remove);
      g_cancellable_cancel (data->cancellable);
      data->asking_polkit = FALSE;
      finish_task (auth, task, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                            _("The service is shutting down")));
      g_ptr_array_remove (auth->pending, task);
      g_object_unref (task);
    }
  g_dbus_connection_signal_unsubscribe (auth->connection, auth->name_owner_subscription);
  g_ptr_array_unref (auth->pending);
  g_clear_object (&auth->connection);
  g_free (auth);
}

guint
mrd_auth_get_n_pending (MrdAuth *auth)
{
  return auth->pending->len;
}

static void
on_cancel_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_warning ("Error cancelling authorization check: %s", error->message);
}

static void
on_check_authorization_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CheckData *data = g_task_get_task_data (task);
  MrdAuth *auth;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean is_authorized = FALSE, is_challenge = FALSE;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL && !g_dbus_error_is_remote_error (error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* We stopped waiting (the caller left and polkitd kept the check, or we are shutting
       * down); polkitd still has the check and the agent's dialog: tell it to end them. */
      g_dbus_connection_call (data->connection, POLKIT_BUS_NAME, POLKIT_PATH, POLKIT_INTERFACE,
                              "CancelCheckAuthorization",
                              g_variant_new ("(s)", data->cancellation_id), NULL,
                              G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_cancel_done, NULL);
    }
  if (reply != NULL)
    g_variant_get (reply, "((bb@a{ss}))", &is_authorized, &is_challenge, NULL);
  auth = g_object_get_data (G_OBJECT (task), "mrd-auth");
  if (auth == NULL)
    return;   /* shutting down: mrd_auth_free() ended the task */
  /* polkitd is done with it: no longer counted, nothing left to cancel. */
  data->asking_polkit = FALSE;
  g_clear_handle_id (&data->cancel_source, g_source_remove);
  if (data->finished)
    {
      /* The caller left: nothing to apply. */
      g_ptr_array_remove (auth->pending, task);
      return;
    }
  if (reply == NULL)
    {
      /* polkitd missing or failing: deny, as systemd's bus-polkit does. */
      g_warning ("polkit check of %s for %s failed, denying: %s", data->action, data->sender,
                 error->message);
      finish_task (auth, task, g_error_new (G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                            _("Authorization check failed: %s"),
                                            error->message));
      return;
    }
  if (is_authorized)
    {
      g_debug ("%s authorized for %s", data->action, data->sender);
      finish_task (auth, task, NULL);
    }
  else if (is_challenge)
    {
      g_debug ("%s for %s needs interactive authentication, not allowed by the call",
               data->action, data->sender);
      finish_task (auth, task,
                   g_error_new_literal (MRD_ERROR, MRD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                        _("Interactive authentication required.")));
    }
  else
    {
      g_debug ("%s denied for %s", data->action, data->sender);
      finish_task (auth, task, g_error_new (G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                            _("Access denied by polkit (%s)."), data->action));
    }
}

/* ---- bounds on the checks waiting for polkit -------------------------------------------
 * Every CheckAuthorization we send stays pending on our bus connection until polkitd answers,
 * and polkitd answers a check that allows interaction only when the caller's authentication
 * agent does: a user whose agent never answers can keep checks open for as long as he likes.
 * dbus-daemon lets one connection wait for at most max_replies_per_connection replies (128 in
 * its default system.conf); beyond that every further call we send fails with
 * LimitsExceeded -- every other caller's check, root's included. So the checks are counted per
 * user (per uid, not per connection: a user can open many connections) and in total, far
 * below 128, and the last MRD_AUTH_RESERVED_PENDING places go only to users with no check
 * pending, so that a few users flooding at once still leave room for somebody else. */

static guint
count_pending (MrdAuth *auth, gboolean by_uid, guint32 uid)
{
  guint n = 0;

  for (guint i = 0; i < auth->pending->len; i++)
    {
      CheckData *other = g_task_get_task_data (g_ptr_array_index (auth->pending, i));

      if (other->asking_polkit && (!by_uid || other->uid == uid))
        n++;
    }
  return n;
}

gboolean
mrd_auth_may_start_check (guint32 uid, guint n_user, guint n_total)
{
  if (n_total >= MRD_AUTH_MAX_PENDING)
    return FALSE;
  /* polkitd authorizes uid 0 at once, with no agent involved, so root's checks cannot be held
   * open: root (a script changing the zone from many connections) has only the total bound. */
  if (uid == 0)
    return TRUE;
  if (n_user >= MRD_AUTH_MAX_PENDING_PER_USER)
    return FALSE;
  return n_user == 0 || n_total < MRD_AUTH_MAX_PENDING - MRD_AUTH_RESERVED_PENDING;
}

static void
ask_polkit (MrdAuth *auth, GTask *task)
{
  CheckData *data = g_task_get_task_data (task);
  GVariantBuilder subject_details;
  guint n_user = count_pending (auth, TRUE, data->uid);
  guint n_total = count_pending (auth, FALSE, 0);

  if (!mrd_auth_may_start_check (data->uid, n_user, n_total))
    {
      g_warning ("Refusing a check of %s for %s (uid %u): %u of its checks and %u in all are "
                 "waiting for polkit", data->action, data->sender, data->uid, n_user, n_total);
      /* D-Bus error texts added here are not translated (clients translate from the error
       * name, as for timedated's); the older ones keep their translations in po/. */
      finish_task (auth, task,
                   g_error_new (G_DBUS_ERROR, G_DBUS_ERROR_LIMITS_EXCEEDED,
                                n_total < MRD_AUTH_MAX_PENDING
                                  ? "Too many authorization requests of this user are waiting "
                                    "for an answer (%u); try again when they have finished."
                                  : "Too many authorization requests are waiting for an "
                                    "answer (%u); try again later.",
                                n_total < MRD_AUTH_MAX_PENDING ? n_user : n_total));
      return;
    }
  data->asking_polkit = TRUE;
  data->cancellation_id = g_strdup_printf ("cancellation-id-%u", auth->next_cancellation_id++);
  /* The caller's unique bus name as a "system-bus-name" subject: polkitd resolves it to the
   * process and user itself, with no window for the caller to exec something else. */
  g_variant_builder_init (&subject_details, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&subject_details, "{sv}", "name", g_variant_new_string (data->sender));
  /* No timeout: an interactive check lasts as long as the user takes to answer the agent. */
  g_dbus_connection_call (data->connection, POLKIT_BUS_NAME, POLKIT_PATH, POLKIT_INTERFACE,
                          "CheckAuthorization",
                          g_variant_new ("((sa{sv})s@a{ss}us)", "system-bus-name",
                                         &subject_details, data->action,
                                         g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0),
                                         data->flags, data->cancellation_id),
                          G_VARIANT_TYPE ("((bba{ss}))"), G_DBUS_CALL_FLAGS_NONE, G_MAXINT,
                          data->cancellable, on_check_authorization_done, g_object_ref (task));
}

static void
on_uid_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CheckData *data = g_task_get_task_data (task);
  MrdAuth *auth;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (data->finished)
    return;
  auth = g_object_get_data (G_OBJECT (task), "mrd-auth");
  if (reply == NULL)
    {
      /* The caller left before the bus answered, or the bus failed: deny. */
      finish_task (auth, task, g_error_new (G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                            "Cannot identify the caller: %s",
                                            error->message));
      return;
    }
  g_variant_get (reply, "(u)", &data->uid);
  ask_polkit (auth, task);
}

void
mrd_auth_check_async (MrdAuth *auth, GDBusMethodInvocation *invocation, gboolean interactive,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);
  GDBusMessage *message = g_dbus_method_invocation_get_message (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  const char *action;
  CheckData *data;

  g_task_set_source_tag (task, mrd_auth_check_async);
  g_object_set_data (G_OBJECT (task), "mrd-auth", auth);

  action = mrd_auth_action_for_method (g_dbus_method_invocation_get_interface_name (invocation),
                                       g_dbus_method_invocation_get_method_name (invocation));
  if (action == NULL || sender == NULL)
    {
      g_task_return_new_error (task, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                               _("Access denied: %s.%s is not an authorized method."),
                               g_dbus_method_invocation_get_interface_name (invocation),
                               g_dbus_method_invocation_get_method_name (invocation));
      return;
    }
  data = g_new0 (CheckData, 1);
  data->sender = g_strdup (sender);
  data->action = g_strdup (action);
  data->connection = g_object_ref (auth->connection);
  data->cancellable = g_cancellable_new ();
  if (mrd_auth_allow_interaction (interactive, g_dbus_message_get_flags (message)))
    data->flags |= POLKIT_CHECK_ALLOW_USER_INTERACTION;
  g_task_set_task_data (task, data, (GDestroyNotify) check_data_free);
  g_ptr_array_add (auth->pending, g_object_ref (task));

  /* The limits count users, so first ask the bus whose connection this is (the bus driver
   * answers at once, from its own table). */
  g_dbus_connection_call (auth->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionUnixUser",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, data->cancellable, on_uid_done,
                          g_steal_pointer (&task));
}

gboolean
mrd_auth_check_finish (MrdAuth *auth, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
