/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <glib/gi18n.h>
#include <string.h>

#include "mp-zone-chooser.h"
#include "mp-format.h"
#include "mp-names.h"
#include "mp-world-map.h"
#include "mp-zone-loader.h"

/* Enough rows to see what a query found; a longer list only slows typing down. */
#define MAX_RESULTS 60

/* The first component of zone1970.tab names, in tzselect's order. */
static const struct {
  const char *prefix;
  const char *label;
} regions[] = {
  { "Africa",     N_("Africa") },
  { "America",    N_("Americas") },
  { "Antarctica", N_("Antarctica") },
  { "Arctic",     N_("Arctic Ocean") },
  { "Asia",       N_("Asia") },
  { "Atlantic",   N_("Atlantic Ocean") },
  { "Australia",  N_("Australia") },
  { "Europe",     N_("Europe") },
  { "Indian",     N_("Indian Ocean") },
  { "Pacific",    N_("Pacific Ocean") },
};

struct _MpZoneChooser
{
  AdwWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwViewStack *stack;
  GtkSearchEntry *search_entry;
  GtkListBox *results;
  AdwLeaflet *leaflet;
  GtkWidget *region_page, *country_page, *zone_page;
  GtkListBox *region_list, *country_list, *zone_list;
  GtkButton *country_back, *zone_back;
  MpWorldMap *map;
  GtkLabel *map_label;

  MpClient *client;
  GCancellable *cancellable;
  MpNames *names;
  MpZoneIndex *index;
  char *current;
  gboolean korean;      /* show Korean city and country names */
  const char *region;   /* prefix being browsed */
  gboolean choosing;
};

G_DEFINE_TYPE (MpZoneChooser, mp_zone_chooser, ADW_TYPE_WINDOW)

static const char *
country_label (MpZoneChooser *self, const MpZone *z)
{
  if (self->korean && z->country_korean != NULL)
    return z->country_korean;
  return z->country_names && z->country_names[0] ? z->country_names[0] : "";
}

static const char *
city_label (MpZoneChooser *self, const MpZone *z)
{
  return self->korean && z->city_korean ? z->city_korean : z->city;
}

static char *
zone_subtitle (MpZoneChooser *self, const MpZone *z)
{
  g_autofree char *line = mp_format_zone_line (z->zone, z->abbreviation, z->utc_offset);
  const char *country = country_label (self, z);

  return *country ? g_strdup_printf ("%s · %s", line, country) : g_steal_pointer (&line);
}

static void
chosen (MpClient *client, GVariant *reply, const GError *error, gpointer user_data)
{
  MpZoneChooser *self = user_data;

  self->choosing = FALSE;
  if (reply != NULL)
    gtk_window_close (GTK_WINDOW (self));
  g_object_unref (self);
}

static void
choose (MpZoneChooser *self, const char *zone)
{
  MrdDBusTime1 *time1 = mp_client_get_time1 (self->client);

  if (time1 == NULL || self->choosing)
    return;
  self->choosing = TRUE;
  mp_client_call (self->client, time1, "SetTimezone", g_variant_new ("(sb)", zone, TRUE),
                  _("Could not set the time zone"), chosen, g_object_ref (self));
}

static void
on_choose_clicked (GtkButton *button, MpZoneChooser *self)
{
  choose (self, g_object_get_data (G_OBJECT (button), "zone"));
}

/* A row per zone; its button is what activating the row presses, so assistive technologies
 * (which see no action on a list row) can choose it too. */
static GtkWidget *
zone_row (MpZoneChooser *self, const MpZone *z, gboolean with_comment)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_from_icon_name ("go-next-symbolic");
  g_autofree char *choose_label = NULL;
  g_autofree char *subtitle = zone_subtitle (self, z);
  g_autofree char *title = NULL;

  if (with_comment && *z->comment)
    title = g_strdup_printf ("%s — %s", city_label (self, z), z->comment);
  else
    title = g_strdup (city_label (self, z));
  /* Plain text first: zone1970.tab comments are not markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  g_object_set_data_full (G_OBJECT (row), "zone", g_strdup (z->zone), g_free);
  if (g_strcmp0 (z->zone, self->current) == 0)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                               gtk_image_new_from_icon_name ("object-select-symbolic"));
  /* TRANSLATORS: accessible name of the button that chooses a zone ("Choose Asia/Seoul") */
  choose_label = g_strdup_printf (_("Choose %s"), z->zone);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  choose_label, -1);
  gtk_widget_set_tooltip_text (button, choose_label);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  g_object_set_data_full (G_OBJECT (button), "zone", g_strdup (z->zone), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (on_choose_clicked), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  return row;
}

static void
clear (GtkListBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_list_box_remove (box, child);
}

static void
on_search_changed (MpZoneChooser *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(GPtrArray) hits = NULL;

  clear (self->results);
  if (self->index == NULL || *text == '\0')
    return;
  hits = mp_zone_index_search (self->index, text, MAX_RESULTS);
  for (guint i = 0; i < hits->len; i++)
    gtk_list_box_append (self->results, zone_row (self, g_ptr_array_index (hits, i), FALSE));
  if (hits->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No time zone matches"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_append (self->results, row);
    }
}

static void
on_search_activate (MpZoneChooser *self)
{
  GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->results, 0);
  const char *zone = first ? g_object_get_data (G_OBJECT (first), "zone") : NULL;

  if (zone != NULL)
    choose (self, zone);
}

/* ---- browse ------------------------------------------------------------------------- */

static gboolean
in_region (const MpZone *z, const char *prefix)
{
  gsize n = strlen (prefix);
  return strncmp (z->zone, prefix, n) == 0 && z->zone[n] == '/';
}

static GtkWidget *
label_row (const char *text, const char *key)
{
  GtkWidget *label = gtk_label_new (text);
  GtkWidget *row = gtk_list_box_row_new ();

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_margin_bottom (label, 6);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  g_object_set_data_full (G_OBJECT (row), "key", g_strdup (key), g_free);
  return row;
}

static void
fill_regions (MpZoneChooser *self)
{
  clear (self->region_list);
  for (guint i = 0; i < G_N_ELEMENTS (regions); i++)
    gtk_list_box_append (self->region_list, label_row (_(regions[i].label), regions[i].prefix));
}

static void
on_region_selected (GtkListBox *box, GtkListBoxRow *row, MpZoneChooser *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) countries = g_ptr_array_new ();

  if (row == NULL || self->index == NULL)
    return;
  self->region = g_intern_string (g_object_get_data (G_OBJECT (row), "key"));
  clear (self->country_list);
  clear (self->zone_list);
  for (guint i = 0; i < mp_zone_index_get_n (self->index); i++)
    {
      MpZone *z = mp_zone_index_get (self->index, i);
      if (in_region (z, self->region) && z->country_codes && z->country_codes[0] &&
          !g_hash_table_contains (seen, z->country_codes[0]))
        {
          g_hash_table_add (seen, z->country_codes[0]);
          g_ptr_array_add (countries, z);
        }
    }
  for (guint i = 0; i < countries->len; i++)
    {
      MpZone *z = g_ptr_array_index (countries, i);
      gtk_list_box_append (self->country_list, label_row (country_label (self, z),
                                                          z->country_codes[0]));
    }
  adw_leaflet_set_visible_child (self->leaflet, self->country_page);
}

static int
sort_by_label (GtkListBoxRow *a, GtkListBoxRow *b, gpointer user_data)
{
  GtkWidget *la = gtk_list_box_row_get_child (a), *lb = gtk_list_box_row_get_child (b);

  return g_utf8_collate (gtk_label_get_text (GTK_LABEL (la)), gtk_label_get_text (GTK_LABEL (lb)));
}

static void
on_country_selected (GtkListBox *box, GtkListBoxRow *row, MpZoneChooser *self)
{
  const char *code;

  if (row == NULL || self->index == NULL || self->region == NULL)
    return;
  code = g_object_get_data (G_OBJECT (row), "key");
  clear (self->zone_list);
  /* zone1970.tab order within the country, as tzselect lists them. */
  for (guint i = 0; i < mp_zone_index_get_n (self->index); i++)
    {
      MpZone *z = mp_zone_index_get (self->index, i);
      if (in_region (z, self->region) && z->country_codes &&
          g_strv_contains ((const char *const *) z->country_codes, code))
        gtk_list_box_append (self->zone_list, zone_row (self, z, TRUE));
    }
  adw_leaflet_set_visible_child (self->leaflet, self->zone_page);
}

/* ---- map ---------------------------------------------------------------------------- */

static void
on_map_selection (MpWorldMap *map, MpZoneChooser *self)
{
  const char *zone = mp_world_map_get_selected (map);
  MpZone *z = zone && self->index ? mp_zone_index_lookup (self->index, zone) : NULL;
  g_autofree char *subtitle = z ? zone_subtitle (self, z) : NULL;

  gtk_label_set_text (self->map_label, subtitle ? subtitle : "");
}

static void
on_map_activated (MpWorldMap *map, const char *zone, MpZoneChooser *self)
{
  choose (self, zone);
}

/* ---- loading ------------------------------------------------------------------------ */

static void
loaded (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  MpZoneIndex *index = mp_zone_loader_load_finish (res, &error);
  MpZoneChooser *self;

  if (index == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = MP_ZONE_CHOOSER (user_data);
  if (index == NULL)
    {
      mp_client_report (self->client, _("Could not list the time zones"), error);
      return;
    }
  self->index = index;
  g_debug ("%u zones loaded", mp_zone_index_get_n (index));
  mp_world_map_set_index (self->map, index);
  mp_world_map_set_current (self->map, self->current);
  on_map_selection (self->map, self);
  on_search_changed (self);
}

/* The map's day and night are those of the service's clock (a virtual clock in a test, or a
 * machine whose clock is being corrected), not this process's. */
static void
time_read (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
  g_autoptr(GVariant) value = NULL;
  MpZoneChooser *self;

  if (reply == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = MP_ZONE_CHOOSER (user_data);
  if (reply == NULL)
    {
      mp_client_report (self->client, _("Could not read the time"), error);
      return;
    }
  g_variant_get (reply, "(v)", &value);
  mp_world_map_set_time (self->map, g_variant_get_uint64 (value) / 1e6);
}

static void
on_client_error (MpClient *client, const char *what, const char *message, MpZoneChooser *self)
{
  g_autofree char *text = g_strdup_printf (_("%s: %s"), what, message);
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *toast = adw_toast_new (escaped);

  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
on_client_state (MpClient *client, GParamSpec *pspec, MpZoneChooser *self)
{
  /* A chooser for a service that went away can change nothing. */
  if (mp_client_get_state (client) != MP_CLIENT_CONNECTED)
    gtk_window_close (GTK_WINDOW (self));
}

static void
mp_zone_chooser_dispose (GObject *object)
{
  MpZoneChooser *self = MP_ZONE_CHOOSER (object);

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);
  if (self->map != NULL)
    mp_world_map_set_index (self->map, NULL);
  g_clear_pointer (&self->index, mp_zone_index_free);
  g_clear_pointer (&self->names, mp_names_free);
  G_OBJECT_CLASS (mp_zone_chooser_parent_class)->dispose (object);
}

static void
mp_zone_chooser_finalize (GObject *object)
{
  g_free (MP_ZONE_CHOOSER (object)->current);
  G_OBJECT_CLASS (mp_zone_chooser_parent_class)->finalize (object);
}

static void
mp_zone_chooser_class_init (MpZoneChooserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mp_zone_chooser_dispose;
  object_class->finalize = mp_zone_chooser_finalize;
  g_type_ensure (MP_TYPE_WORLD_MAP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/meridian/Panel/mp-zone-chooser.ui");
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, stack);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, search_entry);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, results);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, leaflet);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, region_page);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, country_page);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, zone_page);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, region_list);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, country_list);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, zone_list);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, country_back);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, zone_back);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, map);
  gtk_widget_class_bind_template_child (widget_class, MpZoneChooser, map_label);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  /* A modal window for one choice: a dialog to assistive technologies (AdwWindow says
   * nothing of its own). */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_DIALOG);
}

static void
go_back (MpZoneChooser *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
mp_zone_chooser_init (MpZoneChooser *self)
{
  const char *const *languages = g_get_language_names ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->korean = languages[0] != NULL && g_str_has_prefix (languages[0], "ko");
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect_swapped (self->search_entry, "activate", G_CALLBACK (on_search_activate), self);
  g_signal_connect (self->region_list, "row-activated", G_CALLBACK (on_region_selected), self);
  g_signal_connect (self->country_list, "row-activated", G_CALLBACK (on_country_selected), self);
  g_signal_connect_swapped (self->country_back, "clicked", G_CALLBACK (go_back), self);
  g_signal_connect_swapped (self->zone_back, "clicked", G_CALLBACK (go_back), self);
  gtk_list_box_set_sort_func (self->country_list, sort_by_label, NULL, NULL);
  g_signal_connect (self->map, "selection-changed", G_CALLBACK (on_map_selection), self);
  g_signal_connect (self->map, "zone-activated", G_CALLBACK (on_map_activated), self);
  fill_regions (self);
}

MpZoneChooser *
mp_zone_chooser_new (MpClient *client, const char *current_zone)
{
  MpZoneChooser *self = g_object_new (MP_TYPE_ZONE_CHOOSER,
                                     "accessible-role", GTK_ACCESSIBLE_ROLE_DIALOG, NULL);
  MrdDBusTime1 *time1 = mp_client_get_time1 (client);

  self->client = g_object_ref (client);
  self->current = g_strdup (current_zone);
  self->names = mp_names_new ();
  g_signal_connect (client, "error", G_CALLBACK (on_client_error), self);
  g_signal_connect (client, "notify::state", G_CALLBACK (on_client_state), self);
  if (time1 != NULL)
    {
      GDBusProxy *proxy = G_DBUS_PROXY (time1);

      mp_zone_loader_load (proxy, self->names, self->cancellable, loaded, self);
      g_dbus_connection_call (g_dbus_proxy_get_connection (proxy), g_dbus_proxy_get_name (proxy),
                              g_dbus_proxy_get_object_path (proxy),
                              "org.freedesktop.DBus.Properties", "Get",
                              g_variant_new ("(ss)", "org.meridian.Time1", "TimeUSec"),
                              G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
                              self->cancellable, time_read, self);
    }
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  return self;
}
