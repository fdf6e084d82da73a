/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Date & Time page: automatic time (SetNTP), the manual editor (SetTime), the time zone
 * row (DescribeZone for its abbreviation and offset) that opens the chooser, the time format,
 * and the ticking local time. Local time is the service's clock (TimeUSec, re-read each
 * minute) plus the zone's offset from DescribeZone: the panel reads no tzdata of its own. */
#include <errno.h>
#include <glib/gi18n.h>

#include "mp-datetime-page.h"
#include "mp-format.h"
#include "mp-wall-time.h"
#include "mp-zone-chooser.h"

#define MERIDIAN_IFACE "org.meridian.Time1"
#define CLOCK_FORMAT_SCHEMA "org.gnome.desktop.interface"

struct _MpDatetimePage
{
  AdwBin parent_instance;

  AdwActionRow *clock_row;
  AdwActionRow *ntp_row;
  GtkSwitch *ntp_switch;
  AdwExpanderRow *manual_row;
  GtkSpinButton *year_spin, *month_spin, *day_spin, *hour_spin, *minute_spin, *second_spin;
  GtkButton *set_time_button;
  AdwActionRow *tz_row;
  GtkButton *tz_button;
  AdwComboRow *format_row;

  MpClient *client;
  MrdDBusTime1 *time1;           /* the connected generation's proxy, or NULL */
  GSettings *interface_settings; /* org.gnome.desktop.interface, when installed */
  gboolean twelve_hour;

  /* The service's clock: service_usec at local monotonic base_mono. */
  gint64 service_usec;
  gint64 base_mono;
  gboolean have_time;
  /* The zone in force: offset and abbreviation until next_transition (µs, 0 = none). */
  char *zone;
  int utc_offset;
  char *abbreviation;
  gint64 next_transition;
  gboolean have_zone;

  guint tick_id;
  guint resync_id;
};

G_DEFINE_TYPE (MpDatetimePage, mp_datetime_page, ADW_TYPE_BIN)

static gint64
service_now (MpDatetimePage *self)
{
  return self->service_usec + (g_get_monotonic_time () - self->base_mono);
}

/* Wall-clock fields of the zone in force: a UTC GDateTime shifted by the offset. */
static GDateTime *
local_now (MpDatetimePage *self)
{
  gint64 usec = service_now (self) + (gint64) self->utc_offset * G_USEC_PER_SEC;
  return g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
}

static void describe_zone (MpDatetimePage *self);

static void
update_clock (MpDatetimePage *self)
{
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *time = NULL, *date = NULL;

  if (!self->have_time || !self->have_zone)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->clock_row), "—");
      adw_action_row_set_subtitle (self->clock_row, "");
      return;
    }
  if (self->next_transition != 0 && (gint64) service_now (self) >= self->next_transition)
    {
      self->next_transition = 0;
      describe_zone (self);
    }
  now = local_now (self);
  time = g_date_time_format (now, self->twelve_hour ? _("%l:%M:%S %p") : _("%H:%M:%S"));
  /* TRANSLATORS: strftime format of the date under the clock */
  date = g_date_time_format (now, _("%A, %B %-e, %Y"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->clock_row), g_strstrip (time));
  adw_action_row_set_subtitle (self->clock_row, date);
}

static gboolean
tick (gpointer user_data)
{
  update_clock (user_data);
  return G_SOURCE_CONTINUE;
}

static void
fill_editor (MpDatetimePage *self)
{
  g_autoptr(GDateTime) now = NULL;

  if (!self->have_time || !self->have_zone)
    return;
  now = local_now (self);
  gtk_spin_button_set_value (self->year_spin, g_date_time_get_year (now));
  gtk_spin_button_set_value (self->month_spin, g_date_time_get_month (now));
  gtk_spin_button_set_value (self->day_spin, g_date_time_get_day_of_month (now));
  gtk_spin_button_set_value (self->hour_spin, g_date_time_get_hour (now));
  gtk_spin_button_set_value (self->minute_spin, g_date_time_get_minute (now));
  gtk_spin_button_set_value (self->second_spin, g_date_time_get_second (now));
}

static void
update_sensitivity (MpDatetimePage *self)
{
  gboolean connected = self->time1 != NULL;
  gboolean ntp = connected && mrd_dbus_time1_get_ntp (self->time1);
  gboolean can_ntp = connected && mrd_dbus_time1_get_can_ntp (self->time1);

  gboolean ntp_ok = can_ntp && mp_client_may (self->client, "set-ntp");
  gboolean time_ok = connected && !ntp && mp_client_may (self->client, "set-time");

  /* The controls themselves too: assistive technologies read each widget's own state. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->ntp_row), ntp_ok);
  gtk_widget_set_sensitive (GTK_WIDGET (self->ntp_switch), ntp_ok);
  gtk_widget_set_sensitive (GTK_WIDGET (self->manual_row), time_ok);
  gtk_widget_set_sensitive (GTK_WIDGET (self->set_time_button), time_ok);
  if (ntp)
    adw_expander_row_set_expanded (self->manual_row, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->tz_row),
                            connected && mp_client_may (self->client, "set-timezone"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->tz_button),
                            connected && mp_client_may (self->client, "set-timezone"));
}

/* The switch shows the service's NTP property; a click asks for a change and the switch
 * follows the property when it is announced (or returns to it when the call fails). */
static void
show_ntp (MpDatetimePage *self)
{
  gboolean ntp = self->time1 != NULL && mrd_dbus_time1_get_ntp (self->time1);

  gtk_switch_set_active (self->ntp_switch, ntp);
  gtk_switch_set_state (self->ntp_switch, ntp);
}

static void
set_ntp_done (MpClient *client, GVariant *reply, const GError *error, gpointer user_data)
{
  MpDatetimePage *self = user_data;

  if (reply == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  show_ntp (self);
  update_sensitivity (self);
  g_object_unref (self);
}

static gboolean
on_ntp_state_set (GtkSwitch *sw, gboolean state, MpDatetimePage *self)
{
  if (self->time1 == NULL)
    return TRUE;
  if (state != mrd_dbus_time1_get_ntp (self->time1))
    mp_client_call (self->client, self->time1, "SetNTP", g_variant_new ("(bb)", state, TRUE),
                    state ? _("Could not turn automatic time on")
                          : _("Could not turn automatic time off"),
                    set_ntp_done, g_object_ref (self));
  return TRUE;
}

static void
time_read (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res,
                                                             &error);
  g_autoptr(GVariant) value = NULL;
  MpDatetimePage *self;

  if (reply == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = MP_DATETIME_PAGE (user_data);
  if (reply == NULL)
    {
      mp_client_report (self->client, _("Could not read the time"), error);
      return;
    }
  g_variant_get (reply, "(v)", &value);
  self->service_usec = (gint64) g_variant_get_uint64 (value);
  self->base_mono = g_get_monotonic_time ();
  self->have_time = TRUE;
  update_clock (self);
}

/* TimeUSec is never announced (it changes all the time): ask for it. */
static void
read_time (MpDatetimePage *self)
{
  GDBusProxy *proxy = G_DBUS_PROXY (self->time1);

  g_dbus_connection_call (g_dbus_proxy_get_connection (proxy), g_dbus_proxy_get_name (proxy),
                          g_dbus_proxy_get_object_path (proxy), "org.freedesktop.DBus.Properties",
                          "Get", g_variant_new ("(ss)", MERIDIAN_IFACE, "TimeUSec"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          mp_client_get_cancellable (self->client), time_read, self);
}

static gboolean
resync (gpointer user_data)
{
  MpDatetimePage *self = user_data;

  if (self->time1 != NULL)
    read_time (self);
  return G_SOURCE_CONTINUE;
}

static void
zone_described (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), res, &error);
  g_autofree char *line = NULL;
  MpDatetimePage *self;
  gint32 offset, offset_after;
  gboolean dst, dst_after;
  const char *abbr, *abbr_after;
  gint64 next;

  if (reply == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = MP_DATETIME_PAGE (user_data);
  if (reply == NULL)
    {
      mp_client_report (self->client, _("Could not describe the time zone"), error);
      return;
    }
  g_variant_get (reply, "(ib&sxib&s)", &offset, &dst, &abbr, &next, &offset_after, &dst_after,
                 &abbr_after);
  self->utc_offset = offset;
  g_free (self->abbreviation);
  self->abbreviation = g_strdup (abbr);
  self->next_transition = next;
  self->have_zone = TRUE;
  line = mp_format_zone_line (self->zone, abbr, offset);
  adw_action_row_set_subtitle (self->tz_row, line);
  update_clock (self);
}

static void
describe_zone (MpDatetimePage *self)
{
  if (self->time1 == NULL)
    return;
  g_dbus_proxy_call (G_DBUS_PROXY (self->time1), "DescribeZone",
                     g_variant_new ("(sx)", self->zone, (gint64) 0), G_DBUS_CALL_FLAGS_NONE, -1,
                     mp_client_get_cancellable (self->client), zone_described, self);
}

static void
on_timezone (MrdDBusTime1 *time1, GParamSpec *pspec, MpDatetimePage *self)
{
  const char *zone = mrd_dbus_time1_get_timezone (time1);

  if (g_strcmp0 (zone, self->zone) == 0 && self->have_zone)
    return;
  g_free (self->zone);
  self->zone = g_strdup (zone ? zone : "UTC");
  adw_action_row_set_subtitle (self->tz_row, self->zone);
  describe_zone (self);
}

static void
on_ntp (MrdDBusTime1 *time1, GParamSpec *pspec, MpDatetimePage *self)
{
  show_ntp (self);
  if (!mrd_dbus_time1_get_ntp (time1))
    fill_editor (self);
  update_sensitivity (self);
  /* The clock may have been stepped by the change. */
  read_time (self);
}

static void
attach (MpDatetimePage *self)
{
  MrdDBusTime1 *time1 = mp_client_get_time1 (self->client);

  if (time1 == self->time1)
    return;
  if (self->time1 != NULL)
    g_signal_handlers_disconnect_by_data (self->time1, self);
  g_clear_object (&self->time1);
  self->have_time = FALSE;
  self->have_zone = FALSE;
  if (time1 != NULL)
    {
      self->time1 = g_object_ref (time1);
      g_signal_connect (time1, "notify::timezone", G_CALLBACK (on_timezone), self);
      g_signal_connect (time1, "notify::ntp", G_CALLBACK (on_ntp), self);
      g_signal_connect_swapped (time1, "notify::can-ntp", G_CALLBACK (update_sensitivity), self);
      on_timezone (time1, NULL, self);
      read_time (self);
    }
  show_ntp (self);
  update_sensitivity (self);
  update_clock (self);
}

static void
on_set_time_done (MpClient *client, GVariant *reply, const GError *error, gpointer user_data)
{
  MpDatetimePage *self = user_data;

  if (reply != NULL)
    read_time (self);
  g_object_unref (self);
}

/* Setting the time: the editor's fields are wall time in the system zone, turned into an
 * instant with the offset in force at that instant (mp-wall-time.h), asked of the service
 * span by span with DescribeZone: a summer date typed in winter gets summer's offset. */
typedef struct {
  MpDatetimePage *self;  /* strong */
  char *zone;
  gint64 wall;           /* the fields as if UTC, µs */
  gint64 at;             /* the span being asked about starts here */
  int asked;
} SetTimeRequest;

static void
set_time_request_free (SetTimeRequest *req)
{
  g_object_unref (req->self);
  g_free (req->zone);
  g_free (req);
}

static void set_time_describe (SetTimeRequest *req);

static void
set_time_span (GObject *source, GAsyncResult *res, gpointer user_data)
{
  SetTimeRequest *req = user_data;
  MpDatetimePage *self = req->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), res, &error);
  gint32 offset, offset_after;
  gboolean dst, dst_after;
  const char *abbr, *abbr_after;
  gint64 next, instant = 0;

  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        mp_client_report (self->client, _("Could not set the time"), error);
      set_time_request_free (req);
      return;
    }
  g_variant_get (reply, "(ib&sxib&s)", &offset, &dst, &abbr, &next, &offset_after, &dst_after,
                 &abbr_after);
  switch (mp_wall_time_step (req->wall, req->at, offset, next, &instant))
    {
    case MP_WALL_TIME_FOUND:
      if (self->time1 != NULL)
        mp_client_call (self->client, self->time1, "SetTime",
                        g_variant_new ("(xbb)", instant, FALSE, TRUE),
                        _("Could not set the time"), on_set_time_done, g_object_ref (self));
      break;
    case MP_WALL_TIME_NEXT:
      /* A zone changes offset a few times a year: four spans cover any 32 hours. */
      if (++req->asked < 8)
        {
          req->at = next;
          set_time_describe (req);
          return;
        }
      G_GNUC_FALLTHROUGH;
    case MP_WALL_TIME_GAP:
      {
        g_autofree char *msg =
          /* TRANSLATORS: %s is the system time zone ("Europe/Berlin") */
          g_strdup_printf (_("that time does not exist in %s (the clocks skip it)"), req->zone);
        GError gap = { G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, msg };

        mp_client_report (self->client, _("Could not set the time"), &gap);
      }
      break;
    }
  set_time_request_free (req);
}

static void
set_time_describe (SetTimeRequest *req)
{
  MpDatetimePage *self = req->self;

  if (self->time1 == NULL)
    {
      set_time_request_free (req);
      return;
    }
  g_dbus_proxy_call (G_DBUS_PROXY (self->time1), "DescribeZone",
                     g_variant_new ("(sx)", req->zone, req->at), G_DBUS_CALL_FLAGS_NONE, -1,
                     mp_client_get_cancellable (self->client), set_time_span, req);
}

static void
on_set_time_clicked (MpDatetimePage *self)
{
  GtkSpinButton *spins[] = { self->year_spin, self->month_spin, self->day_spin,
                             self->hour_spin, self->minute_spin, self->second_spin };
  g_autoptr(GDateTime) wall = NULL;
  SetTimeRequest *req;

  if (self->time1 == NULL || !self->have_zone)
    return;
  /* A number typed but not yet confirmed with Enter counts too. */
  for (guint i = 0; i < G_N_ELEMENTS (spins); i++)
    gtk_spin_button_update (spins[i]);
  wall = g_date_time_new_utc (gtk_spin_button_get_value_as_int (self->year_spin),
                              gtk_spin_button_get_value_as_int (self->month_spin),
                              gtk_spin_button_get_value_as_int (self->day_spin),
                              gtk_spin_button_get_value_as_int (self->hour_spin),
                              gtk_spin_button_get_value_as_int (self->minute_spin),
                              gtk_spin_button_get_value_as_int (self->second_spin));
  if (wall == NULL)
    {
      GError error = { G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, (char *) _("no such date") };
      mp_client_report (self->client, _("Could not set the time"), &error);
      return;
    }
  req = g_new0 (SetTimeRequest, 1);
  req->self = g_object_ref (self);
  req->zone = g_strdup (self->zone);
  req->wall = g_date_time_to_unix (wall) * G_USEC_PER_SEC;
  req->at = mp_wall_time_first_instant (req->wall);
  set_time_describe (req);
}

static void
on_tz_row_activated (MpDatetimePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  MpZoneChooser *chooser;

  if (self->time1 == NULL)
    return;
  chooser = mp_zone_chooser_new (self->client, self->zone);
  if (GTK_IS_WINDOW (root))
    {
      gtk_window_set_transient_for (GTK_WINDOW (chooser), GTK_WINDOW (root));
      gtk_window_set_application (GTK_WINDOW (chooser), gtk_window_get_application (GTK_WINDOW (root)));
    }
  gtk_window_present (GTK_WINDOW (chooser));
}

/* 24-hour or AM/PM: GNOME's own key where that schema is installed, else the panel's own
 * small key file, so the choice survives a restart either way. */
static char *
own_settings_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "meridian-panel", "settings.ini", NULL);
}

static void
load_format (MpDatetimePage *self)
{
  if (self->interface_settings != NULL)
    self->twelve_hour = g_settings_get_enum (self->interface_settings, "clock-format") == 1;
  else
    {
      g_autoptr(GKeyFile) kf = g_key_file_new ();
      g_autofree char *path = own_settings_path ();

      self->twelve_hour = g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL) &&
                          g_key_file_get_boolean (kf, "panel", "twelve-hour", NULL);
    }
  adw_combo_row_set_selected (self->format_row, self->twelve_hour ? 1 : 0);
}

static void
on_format_selected (AdwComboRow *row, GParamSpec *pspec, MpDatetimePage *self)
{
  gboolean twelve = adw_combo_row_get_selected (row) == 1;

  if (twelve == self->twelve_hour)
    return;
  self->twelve_hour = twelve;
  if (self->interface_settings != NULL)
    g_settings_set_enum (self->interface_settings, "clock-format", twelve ? 1 : 0);
  else
    {
      g_autoptr(GKeyFile) kf = g_key_file_new ();
      g_autofree char *path = own_settings_path ();
      g_autofree char *dir = g_path_get_dirname (path);
      g_autoptr(GError) error = NULL;

      g_key_file_load_from_file (kf, path, G_KEY_FILE_KEEP_COMMENTS, NULL);
      g_key_file_set_boolean (kf, "panel", "twelve-hour", twelve);
      if (g_mkdir_with_parents (dir, 0700) != 0 || !g_key_file_save_to_file (kf, path, &error))
        g_message ("Could not save the time format to %s: %s, ignoring", path,
                   error ? error->message : g_strerror (errno));
    }
  update_clock (self);
}

static void
on_settings_changed (GSettings *settings, const char *key, MpDatetimePage *self)
{
  if (g_strcmp0 (key, "clock-format") == 0)
    {
      load_format (self);
      update_clock (self);
    }
}

static void
mp_datetime_page_dispose (GObject *object)
{
  MpDatetimePage *self = MP_DATETIME_PAGE (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->resync_id, g_source_remove);
  if (self->time1 != NULL)
    g_signal_handlers_disconnect_by_data (self->time1, self);
  g_clear_object (&self->time1);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);
  g_clear_object (&self->interface_settings);
  G_OBJECT_CLASS (mp_datetime_page_parent_class)->dispose (object);
}

static void
mp_datetime_page_finalize (GObject *object)
{
  MpDatetimePage *self = MP_DATETIME_PAGE (object);

  g_free (self->zone);
  g_free (self->abbreviation);
  G_OBJECT_CLASS (mp_datetime_page_parent_class)->finalize (object);
}

static void
mp_datetime_page_class_init (MpDatetimePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mp_datetime_page_dispose;
  object_class->finalize = mp_datetime_page_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/meridian/Panel/mp-datetime-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, clock_row);
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, ntp_row);
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, ntp_switch);
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, manual_row);
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, year_spin);
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, month_spin);
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, day_spin);
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, hour_spin);
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, minute_spin);
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, second_spin);
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, set_time_button);
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, tz_row);
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, tz_button);
  gtk_widget_class_bind_template_child (widget_class, MpDatetimePage, format_row);
}

static void
mp_datetime_page_init (MpDatetimePage *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->ntp_row), _("Automatic Date & Time"));
  self->zone = g_strdup ("UTC");
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, CLOCK_FORMAT_SCHEMA, TRUE);
  if (schema != NULL && g_settings_schema_has_key (schema, "clock-format"))
    {
      self->interface_settings = g_settings_new (CLOCK_FORMAT_SCHEMA);
      g_signal_connect (self->interface_settings, "changed", G_CALLBACK (on_settings_changed), self);
    }
  load_format (self);
  g_signal_connect (self->ntp_switch, "state-set", G_CALLBACK (on_ntp_state_set), self);
  g_signal_connect (self->format_row, "notify::selected", G_CALLBACK (on_format_selected), self);
  g_signal_connect_swapped (self->set_time_button, "clicked", G_CALLBACK (on_set_time_clicked), self);
  g_signal_connect_swapped (self->tz_button, "clicked", G_CALLBACK (on_tz_row_activated), self);
  g_signal_connect_swapped (self->manual_row, "notify::expanded", G_CALLBACK (fill_editor), self);
  self->tick_id = g_timeout_add (250, tick, self);
  self->resync_id = g_timeout_add_seconds (60, resync, self);
}

void
mp_datetime_page_set_client (MpDatetimePage *self, MpClient *client)
{
  self->client = g_object_ref (client);
  g_signal_connect_swapped (client, "notify::state", G_CALLBACK (attach), self);
  g_signal_connect_swapped (client, "permissions-changed", G_CALLBACK (update_sensitivity), self);
  attach (self);
}
