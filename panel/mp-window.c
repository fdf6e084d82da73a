/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The main window: a header with the page switcher and the lock, a line that says when the
 * service is away, the two pages, and the toasts every failure is shown in.
 *
 * Start-up order, for a first frame that costs little more than an empty window's: the
 * Date & Time page is built with the window; the Synchronization page (not in view) and the
 * connection to meridiand (bus, proxies, polkit permissions) begin only once the first frame
 * has been drawn, so the window shows "Connecting…" at once and fills in from the proxies'
 * callbacks. Switching to the Synchronization page before then builds it at once. */
#include <glib/gi18n.h>

#include "mp-window.h"
#include "mp-datetime-page.h"
#include "mp-sync-page.h"

struct _MpWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwViewSwitcherTitle *switcher_title;
  GtkLockButton *lock_button;
  GtkWidget *status_box;
  GtkLabel *status_label;
  AdwViewStack *stack;
  MpDatetimePage *datetime_page;
  AdwBin *sync_bin;
  MpSyncPage *sync_page;   /* NULL until built */

  MpClient *client;
  guint after_first_frame_id;
  guint connecting_id;     /* shows "Connecting…" once connecting has taken a while */
  gint64 connecting_since; /* monotonic µs, 0 when not connecting */
};

/* Connecting usually takes a few milliseconds: say so only when it takes longer, so that
 * neither the first frame nor a reconnection flashes the line. */
#define CONNECTING_NOTICE_MS 750

G_DEFINE_TYPE (MpWindow, mp_window, ADW_TYPE_APPLICATION_WINDOW)

void
mp_window_show_toast (MpWindow *self, const char *text)
{
  AdwToast *toast = adw_toast_new (text);

  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
on_client_error (MpClient *client, const char *what, const char *message, MpWindow *self)
{
  /* "What failed: why", as one line a person can act on. */
  g_autofree char *text = g_strdup_printf (_("%s: %s"), what, message);
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  mp_window_show_toast (self, escaped);
}

static void update_status (MpWindow *self);

static gboolean
connecting_notice (gpointer user_data)
{
  MpWindow *self = user_data;

  self->connecting_id = 0;
  update_status (self);
  return G_SOURCE_REMOVE;
}

static void
update_status (MpWindow *self)
{
  const char *text = NULL;
  MpClientState state = mp_client_get_state (self->client);

  gint64 now = g_get_monotonic_time ();

  if (state != MP_CLIENT_CONNECTING)
    {
      g_clear_handle_id (&self->connecting_id, g_source_remove);
      self->connecting_since = 0;
    }
  switch (state)
    {
    case MP_CLIENT_CONNECTED:
      break;
    case MP_CLIENT_CONNECTING:
      if (self->connecting_since == 0)
        self->connecting_since = now;
      if (now - self->connecting_since < CONNECTING_NOTICE_MS * 1000)
        {
          if (self->connecting_id == 0)
            self->connecting_id = g_timeout_add (CONNECTING_NOTICE_MS, connecting_notice, self);
          break;
        }
      text = _("Connecting to the time service…");
      break;
    case MP_CLIENT_ABSENT:
      text = _("The time service (meridiand) is not running. Waiting for it to start…");
      break;
    case MP_CLIENT_NO_BUS:
      text = _("The system bus cannot be reached; nothing can be shown or changed.");
      break;
    }
  gtk_widget_set_visible (self->status_box, text != NULL);
  if (text != NULL)
    gtk_label_set_text (self->status_label, text);
}

/* The lock drives the page in view: the Date & Time page's changes need set-time (the one
 * polkit asks an administrator for), the Synchronization page's need manage-sources. */
static void
update_lock (MpWindow *self)
{
  const char *page = adw_view_stack_get_visible_child_name (self->stack);
  const char *action = g_strcmp0 (page, "sync") == 0 ? "manage-sources" : "set-time";
  GPermission *permission = mp_client_get_permission (self->client, action);

  gtk_lock_button_set_permission (self->lock_button, permission);
  gtk_widget_set_visible (GTK_WIDGET (self->lock_button), permission != NULL);
}

static void
on_state (MpClient *client, GParamSpec *pspec, MpWindow *self)
{
  update_status (self);
}

static void
on_permissions_changed (MpClient *client, MpWindow *self)
{
  update_lock (self);
}

static void
ensure_sync_page (MpWindow *self)
{
  if (self->sync_page != NULL || self->client == NULL)
    return;
  self->sync_page = g_object_new (MP_TYPE_SYNC_PAGE, NULL);
  adw_bin_set_child (self->sync_bin, GTK_WIDGET (self->sync_page));
  mp_sync_page_set_client (self->sync_page, self->client);
}

static void
on_page_changed (AdwViewStack *stack, GParamSpec *pspec, MpWindow *self)
{
  if (g_strcmp0 (adw_view_stack_get_visible_child_name (stack), "sync") == 0)
    ensure_sync_page (self);
  update_lock (self);
}

static gboolean
after_first_frame (gpointer user_data)
{
  MpWindow *self = user_data;

  self->after_first_frame_id = 0;
  mp_client_start (self->client);
  ensure_sync_page (self);
  return G_SOURCE_REMOVE;
}

static void
on_after_paint (GdkFrameClock *clock, MpWindow *self)
{
  g_signal_handlers_disconnect_by_func (clock, on_after_paint, self);
  /* An idle, not here: the frame is being finished, and the work should follow it. */
  if (self->after_first_frame_id == 0)
    self->after_first_frame_id = g_idle_add (after_first_frame, self);
}

static void
on_realize (GtkWidget *widget, MpWindow *self)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (widget), "after-paint",
                           G_CALLBACK (on_after_paint), self, 0);
}

static void
mp_window_dispose (GObject *object)
{
  MpWindow *self = MP_WINDOW (object);

  g_clear_handle_id (&self->after_first_frame_id, g_source_remove);
  g_clear_handle_id (&self->connecting_id, g_source_remove);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (mp_window_parent_class)->dispose (object);
}

static void
mp_window_class_init (MpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mp_window_dispose;
  g_type_ensure (MP_TYPE_DATETIME_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/meridian/Panel/mp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, MpWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, MpWindow, lock_button);
  gtk_widget_class_bind_template_child (widget_class, MpWindow, status_box);
  gtk_widget_class_bind_template_child (widget_class, MpWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, MpWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, MpWindow, datetime_page);
  gtk_widget_class_bind_template_child (widget_class, MpWindow, sync_bin);
}

static void
mp_window_init (MpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->stack, "notify::visible-child-name", G_CALLBACK (on_page_changed), self);
  g_signal_connect (self, "realize", G_CALLBACK (on_realize), self);
}

MpWindow *
mp_window_new (AdwApplication *app, MpClient *client)
{
  MpWindow *self = g_object_new (MP_TYPE_WINDOW, "application", app, NULL);

  self->client = g_object_ref (client);
  g_signal_connect (client, "error", G_CALLBACK (on_client_error), self);
  g_signal_connect (client, "notify::state", G_CALLBACK (on_state), self);
  g_signal_connect (client, "permissions-changed", G_CALLBACK (on_permissions_changed), self);
  mp_datetime_page_set_client (self->datetime_page, client);
  update_status (self);
  update_lock (self);
  return self;
}

void
mp_window_set_page (MpWindow *self, const char *name)
{
  adw_view_stack_set_visible_child_name (self->stack, name);
}
