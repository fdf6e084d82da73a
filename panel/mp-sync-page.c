/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Synchronization page: what `chronyc tracking` and `chronyc sources` say, in words
 * first, from org.meridian.Time1.Tracking and the source objects of the ObjectManager; every
 * value from the proxies' property cache, updated by PropertiesChanged and
 * InterfacesAdded/Removed, and, for the measured figures meridiand does not announce
 * (EmitsChangedSignal "false" in dbus/org.meridian.Time1.xml), read again every
 * MERIDIAN_REREAD_S seconds while the page is shown (cli/meridian-reread.h, shared with
 * meridianctl monitor: a GetAll, so SelectionState behind each badge's tooltip too). Adding,
 * removing and bursting go through org.meridian.Time1.Sources. */
#include <glib/gi18n.h>
#include <math.h>

#include "mp-sync-page.h"
#include "mp-format.h"
#include "mp-offset-plot.h"
#include "meridian-reread.h"

struct _MpSyncPage
{
  AdwBin parent_instance;

  AdwActionRow *status_row;
  GtkImage *status_icon;
  AdwActionRow *reference_row, *stratum_row, *offset_row, *frequency_row, *leap_row, *update_row;
  MpOffsetPlot *plot;
  AdwPreferencesGroup *sources_group;
  GtkMenuButton *presets_button;
  GtkBox *presets_box;
  GtkButton *burst_button;
  AdwEntryRow *add_row;
  GtkButton *add_button;

  MpClient *client;
  MrdDBusTime1 *time1;
  MrdDBusTime1Tracking *tracking;
  GDBusObjectManager *manager;
  GHashTable *rows;        /* object path -> GtkWidget row (owned by the group) */
  guint64 last_ref_time;
  guint reread_id;         /* while mapped */
  GCancellable *reread_cancel;
};

G_DEFINE_TYPE (MpSyncPage, mp_sync_page, ADW_TYPE_BIN)

/* Presets: well-known services as chrony lines (the Amazon Time Sync Service is reachable
 * from EC2 instances only, hence prefer and a short poll as AWS documents). */
static const struct {
  const char *label;
  const char *spec;
} presets[] = {
  { N_("Amazon Time Sync Service (169.254.169.123)"), "server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4" },
  { N_("NTP Pool (pool.ntp.org)"), "pool pool.ntp.org iburst" },
  { N_("Google (time.google.com)"), "server time.google.com iburst" },
  { N_("Cloudflare (time.cloudflare.com)"), "server time.cloudflare.com iburst" },
  { N_("KRISS, Korea (time.kriss.re.kr)"), "server time.kriss.re.kr iburst" },
};

static const struct {
  const char *state;
  const char *label;
  const char *tooltip;
  const char *css;
} states[] = {
  { "selected", N_("Selected"), N_("The clock is synchronized to this source"), "success" },
  { "combined", N_("Combined"), N_("Agrees with the selected source and is averaged with it"), "accent" },
  { "not-combined", N_("Not combined"), N_("Agrees with the others but is not averaged in: too far from them or too noisy"), "dim-label" },
  { "falseticker", N_("Falseticker"), N_("Disagrees with the majority of sources, so it is ignored"), "error" },
  { "too-variable", N_("Too variable"), N_("Its measurements vary too much to be trusted"), "warning" },
  { "unusable", N_("Unusable"), N_("Not reached yet, or its data cannot be used"), "dim-label" },
};

/* Why the last source selection treated the source as it did: the SelectionState words
 * (chronyc selectdata's states, dbus/org.meridian.Time1.xml), one sentence each for the
 * badge's tooltip; the coarse State above still gives its label and colour. */
static const struct {
  const char *selection_state;
  const char *reason;
} reasons[] = {
  /* TRANSLATORS: "noselect" is the source's option in the configuration; keep it as is */
  { "noselect", N_("Set with the noselect option, so it is never used") },
  { "unsynchronised", N_("Not heard from yet, or it says its own clock is not synchronized") },
  { "missing-samples", N_("Too few measurements of it yet to judge it") },
  /* TRANSLATORS: "maxdistance" is an option in the configuration; keep it as is */
  { "large-distance", N_("Its possible error is larger than maxdistance allows") },
  /* TRANSLATORS: "maxjitter" is an option in the configuration; keep it as is */
  { "jittery", N_("Its measurements vary more than maxjitter allows") },
  { "waits-for-samples", N_("Waiting for the other sources to gather measurements") },
  { "stale", N_("Its measurements are out of date: unreachable, offline, or refused by the server") },
  /* TRANSLATORS: "trust" is a source option in the configuration; keep it as is */
  { "not-trusted", N_("Disagrees with the sources marked trust") },
  { "falseticker", N_("Disagrees with the majority of sources, so it is ignored") },
  /* TRANSLATORS: "minsources" and "require" are options in the configuration; keep them */
  { "waits-for-sources", N_("Not used until enough sources agree, as minsources or require asks") },
  /* TRANSLATORS: "prefer" is a source option in the configuration; keep it as is */
  { "not-preferred", N_("Usable, but another source is marked prefer and is used instead") },
  { "distant", N_("Too far from the selected source, in accuracy or frequency, to be averaged with it") },
  { "combined", N_("Agrees with the selected source and is averaged with it") },
  { "best", N_("The best of the sources: the clock is synchronized to it") },
};

/* NULL for "" (a meridiand older than the property) or a word this panel does not know. */
static const char *
selection_reason (const char *selection_state)
{
  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (g_strcmp0 (selection_state, reasons[i].selection_state) == 0)
      return _(reasons[i].reason);
  return NULL;
}

/* ---- tracking ----------------------------------------------------------------------- */

static char *
reference_text (MrdDBusTime1Tracking *t)
{
  guint32 id = mrd_dbus_time1_tracking_get_reference_id (t);
  const char *name = mrd_dbus_time1_tracking_get_reference_name (t);

  if (id == 0 && (name == NULL || *name == '\0'))
    return g_strdup (_("None"));
  return g_strdup_printf ("%s (%08X)", name && *name ? name : "—", id);
}

/* chronyc's estimate of the largest error of the system clock (chronyc(1), "tracking"):
 * the offset's absolute value plus the root dispersion plus half the root delay. */
static double
error_bound (MrdDBusTime1Tracking *t)
{
  return fabs (mrd_dbus_time1_tracking_get_system_time_offset (t)) +
         mrd_dbus_time1_tracking_get_root_dispersion (t) +
         mrd_dbus_time1_tracking_get_root_delay (t) / 2;
}

static guint
n_sources (MpSyncPage *self)
{
  return self->rows ? g_hash_table_size (self->rows) : 0;
}

static void
update_status (MpSyncPage *self)
{
  g_autofree char *words = NULL;
  const char *icon = "emblem-synchronizing-symbolic";

  if (self->tracking == NULL || self->time1 == NULL)
    words = g_strdup ("—");
  else if (!mrd_dbus_time1_get_ntp (self->time1))
    {
      words = g_strdup (_("Automatic time is off"));
      icon = "media-playback-pause-symbolic";
    }
  else if (mrd_dbus_time1_tracking_get_synchronized (self->tracking))
    {
      const char *name = mrd_dbus_time1_tracking_get_reference_name (self->tracking);
      g_autofree char *bound = mp_format_seconds (error_bound (self->tracking), FALSE);
      g_autofree char *id = g_strdup_printf ("%08X", mrd_dbus_time1_tracking_get_reference_id (self->tracking));

      /* TRANSLATORS: "Synchronized to 169.254.169.123, within ±0.5 ms" */
      words = g_strdup_printf (_("Synchronized to %s, within %s"), name && *name ? name : id, bound);
      icon = "emblem-ok-symbolic";
    }
  else if (n_sources (self) == 0)
    {
      words = g_strdup (_("Not synchronized: no time sources"));
      icon = "dialog-warning-symbolic";
    }
  else
    {
      words = g_strdup (_("Not synchronized yet"));
      icon = "dialog-warning-symbolic";
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row), words);
  gtk_image_set_from_icon_name (self->status_icon, icon);
}

static const char *
leap_text (const char *status)
{
  if (g_strcmp0 (status, "Normal") == 0)
    return _("None pending");
  if (g_strcmp0 (status, "Insert second") == 0)
    return _("A second will be inserted at the end of the month");
  if (g_strcmp0 (status, "Delete second") == 0)
    return _("A second will be deleted at the end of the month");
  return _("Unknown (not synchronized)");
}

static void
update_tracking (MpSyncPage *self)
{
  MrdDBusTime1Tracking *t = self->tracking;
  g_autofree char *reference = NULL, *stratum = NULL, *offset = NULL, *frequency = NULL;
  g_autofree char *update = NULL;

  if (t == NULL)
    {
      AdwActionRow *rows[] = { self->reference_row, self->stratum_row, self->offset_row,
                               self->frequency_row, self->leap_row, self->update_row };
      for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
        adw_action_row_set_subtitle (rows[i], "—");
      update_status (self);
      return;
    }
  reference = reference_text (t);
  stratum = g_strdup_printf ("%u", mrd_dbus_time1_tracking_get_stratum (t));
  {
    double off = mrd_dbus_time1_tracking_get_system_time_offset (t);
    g_autofree char *o = mp_format_seconds (off, TRUE);
    g_autofree char *b = mp_format_seconds (error_bound (t), FALSE);
    /* TRANSLATORS: clock offset and its error bound: "+12 µs (fast) ± 500 µs" */
    offset = g_strdup_printf (off > 0 ? _("%s (fast) %s") : off < 0 ? _("%s (slow) %s") : _("%s %s"), o, b);
  }
  {
    double f = mrd_dbus_time1_tracking_get_frequency (t);
    /* TRANSLATORS: frequency error in parts per million; positive runs fast */
    frequency = g_strdup_printf (f > 0 ? _("%+.3f ppm (fast)") : f < 0 ? _("%+.3f ppm (slow)") : _("%+.3f ppm"), f);
  }
  {
    guint64 ref = mrd_dbus_time1_tracking_get_ref_time_usec (t);
    if (ref == 0)
      update = g_strdup (_("Never"));
    else
      {
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc ((gint64) (ref / G_USEC_PER_SEC));
        g_autofree char *when = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S UTC");
        /* TRANSLATORS: time of the last clock update, and the interval between updates */
        update = g_strdup_printf (_("%s, every %.0f s"), when,
                                  mrd_dbus_time1_tracking_get_update_interval (t));
      }
  }
  adw_action_row_set_subtitle (self->reference_row, reference);
  adw_action_row_set_subtitle (self->stratum_row, stratum);
  adw_action_row_set_subtitle (self->offset_row, offset);
  adw_action_row_set_subtitle (self->frequency_row, frequency);
  adw_action_row_set_subtitle (self->leap_row, leap_text (mrd_dbus_time1_tracking_get_leap_status (t)));
  adw_action_row_set_subtitle (self->update_row, update);

  /* A clock update: one more point on the plot. */
  if (mrd_dbus_time1_tracking_get_ref_time_usec (t) != 0 &&
      mrd_dbus_time1_tracking_get_ref_time_usec (t) != self->last_ref_time)
    {
      self->last_ref_time = mrd_dbus_time1_tracking_get_ref_time_usec (t);
      mp_offset_plot_add (self->plot, g_get_real_time () / 1e6,
                          mrd_dbus_time1_tracking_get_system_time_offset (t), error_bound (t),
                          mrd_dbus_time1_tracking_get_frequency (t));
    }
  update_status (self);
}

/* ---- sources ------------------------------------------------------------------------ */

static void
removed (MpClient *client, GVariant *reply, const GError *error, gpointer user_data)
{
  g_object_unref (user_data);
}

static void
on_remove_clicked (GtkButton *button, MpSyncPage *self)
{
  const char *path = g_object_get_data (G_OBJECT (button), "path");
  MrdDBusTime1Sources *sources = mp_client_get_sources (self->client);

  if (sources == NULL)
    return;
  mp_client_call (self->client, sources, "RemoveSource", g_variant_new ("(ob)", path, TRUE),
                  _("Could not remove the source"), removed, g_object_ref (self));
}

static char *
reach_dots (guint8 reach)
{
  GString *s = g_string_new (NULL);

  /* Oldest poll first, as chronyc's octal register reads left to right. */
  for (int bit = 7; bit >= 0; bit--)
    g_string_append (s, (reach >> bit) & 1 ? "●" : "○");
  return g_string_free (s, FALSE);
}

static void
fill_source_row (MpSyncPage *self, GtkWidget *row, MrdDBusTime1Source *src)
{
  GtkLabel *badge = g_object_get_data (G_OBJECT (row), "badge");
  GtkLabel *reach = g_object_get_data (G_OBJECT (row), "reach");
  GtkWidget *remove = g_object_get_data (G_OBJECT (row), "remove");
  const char *name = mrd_dbus_time1_source_get_name (src);
  const char *address = mrd_dbus_time1_source_get_address (src);
  const char *state = mrd_dbus_time1_source_get_state (src);
  const char *reason = selection_reason (mrd_dbus_time1_source_get_selection_state (src));
  guint8 r = mrd_dbus_time1_source_get_reach (src);
  g_autofree char *title = NULL, *subtitle = NULL, *dots = NULL, *reach_label = NULL;
  g_autofree char *remove_label = NULL;
  guint k;

  title = g_strcmp0 (name, address) == 0 || address == NULL || *address == '\0'
          ? g_strdup (name) : g_strdup_printf ("%s (%s)", name, address);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  {
    gint16 poll = mrd_dbus_time1_source_get_poll (src);
    g_autofree char *interval = g_strdup_printf (poll >= 0 ? "%.0f s" : "%.3g s", ldexp (1.0, poll));
    if (mrd_dbus_time1_source_get_last_rx_ago (src) < 0)
      /* TRANSLATORS: a source's stratum and poll interval, before its first sample */
      subtitle = g_strdup_printf (_("Stratum %u · poll %s · no sample yet"),
                                  mrd_dbus_time1_source_get_stratum (src), interval);
    else
      {
        g_autofree char *off = mp_format_seconds (mrd_dbus_time1_source_get_adjusted_offset (src), TRUE);
        g_autofree char *err = mp_format_seconds (mrd_dbus_time1_source_get_error_bound (src), FALSE);
        /* TRANSLATORS: stratum, poll interval, last sample's offset ± its error */
        subtitle = g_strdup_printf (_("Stratum %u · poll %s · last sample %s %s"),
                                    mrd_dbus_time1_source_get_stratum (src), interval, off, err);
      }
  }
  if (!mrd_dbus_time1_source_get_online (src))
    {
      g_autofree char *figures = g_steal_pointer (&subtitle);

      /* TRANSLATORS: a source taken offline (meridianctl offline): no requests are sent to
       * it; %s is the stratum / poll / last sample line above */
      subtitle = g_strdup_printf (_("Offline, not polled · %s"), figures);
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  for (k = 0; k < G_N_ELEMENTS (states); k++)
    if (g_strcmp0 (state, states[k].state) == 0)
      break;
  if (k == G_N_ELEMENTS (states))
    k = G_N_ELEMENTS (states) - 1;
  if (reason == NULL)
    reason = _(states[k].tooltip);
  gtk_label_set_text (badge, _(states[k].label));
  gtk_widget_set_tooltip_text (GTK_WIDGET (badge), reason);
  for (guint j = 0; j < G_N_ELEMENTS (states); j++)
    gtk_widget_remove_css_class (GTK_WIDGET (badge), states[j].css);
  gtk_widget_add_css_class (GTK_WIDGET (badge), states[k].css);
  gtk_accessible_update_property (GTK_ACCESSIBLE (badge), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  reason, -1);

  dots = reach_dots (r);
  gtk_label_set_text (reach, dots);
  /* TRANSLATORS: the reach register: how many of the last eight polls were answered, and
   * the register in octal as chronyc prints it */
  reach_label = g_strdup_printf (_("Reach: %u of the last 8 polls answered (%03o)"),
                                 (guint) __builtin_popcount (r), r);
  gtk_widget_set_tooltip_text (GTK_WIDGET (reach), reach_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (reach), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  reach_label, -1);
  /* TRANSLATORS: accessible name of a source's remove button */
  remove_label = g_strdup_printf (_("Remove %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  remove_label, -1);
  gtk_widget_set_sensitive (remove, mp_client_may (self->client, "manage-sources"));
}

static void
on_source_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated, MpSyncPage *self)
{
  GtkWidget *row = g_hash_table_lookup (self->rows, g_dbus_proxy_get_object_path (proxy));

  if (row != NULL)
    fill_source_row (self, row, MRD_DBUS_TIME1_SOURCE (proxy));
}

static void
add_source_object (MpSyncPage *self, GDBusObject *object)
{
  MrdDBusTime1Source *src = mrd_dbus_object_peek_time1_source (MRD_DBUS_OBJECT (object));
  const char *path = g_dbus_object_get_object_path (object);
  GtkWidget *row, *badge, *reach, *remove;

  if (src == NULL || g_hash_table_contains (self->rows, path))
    return;
  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  badge = gtk_label_new (NULL);
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "caption-heading");
  gtk_widget_set_size_request (badge, 88, -1);
  gtk_label_set_xalign (GTK_LABEL (badge), 0);
  gtk_label_set_wrap (GTK_LABEL (badge), TRUE);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), badge);
  reach = gtk_label_new (NULL);
  gtk_widget_add_css_class (reach, "monospace");
  gtk_widget_set_valign (reach, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), reach);
  remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (remove, _("Remove this source"));
  g_object_set_data_full (G_OBJECT (remove), "path", g_strdup (path), g_free);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_clicked), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  g_object_set_data (G_OBJECT (row), "badge", badge);
  g_object_set_data (G_OBJECT (row), "reach", reach);
  g_object_set_data (G_OBJECT (row), "remove", remove);
  g_hash_table_insert (self->rows, g_strdup (path), row);
  adw_preferences_group_add (self->sources_group, row);
  g_signal_connect_object (src, "g-properties-changed", G_CALLBACK (on_source_changed), self, 0);
  fill_source_row (self, row, src);
}

static void
on_object_added (GDBusObjectManager *manager, GDBusObject *object, MpSyncPage *self)
{
  add_source_object (self, object);
  update_status (self);
}

static void
on_object_removed (GDBusObjectManager *manager, GDBusObject *object, MpSyncPage *self)
{
  const char *path = g_dbus_object_get_object_path (object);
  GtkWidget *row = g_hash_table_lookup (self->rows, path);

  if (row != NULL)
    {
      adw_preferences_group_remove (self->sources_group, row);
      g_hash_table_remove (self->rows, path);
    }
  update_status (self);
}

static void
clear_sources (MpSyncPage *self)
{
  GHashTableIter iter;
  gpointer row;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &row))
    adw_preferences_group_remove (self->sources_group, row);
  g_hash_table_remove_all (self->rows);
}

/* ---- adding, bursting ---------------------------------------------------------------- */

static void
added (MpClient *client, GVariant *reply, const GError *error, gpointer user_data)
{
  MpSyncPage *self = user_data;

  if (reply != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->add_row), "");
  g_object_unref (self);
}

static void
add_source (MpSyncPage *self, const char *spec)
{
  MrdDBusTime1Sources *sources = mp_client_get_sources (self->client);
  g_autofree char *line = g_strstrip (g_strdup (spec));

  if (sources == NULL || *line == '\0')
    return;
  mp_client_call (self->client, sources, "AddSource", g_variant_new ("(sb)", line, TRUE),
                  _("Could not add the source"), added, g_object_ref (self));
}

static void
on_add_apply (MpSyncPage *self)
{
  add_source (self, gtk_editable_get_text (GTK_EDITABLE (self->add_row)));
}

static void
on_preset_clicked (GtkButton *button, MpSyncPage *self)
{
  gtk_menu_button_popdown (self->presets_button);
  add_source (self, g_object_get_data (G_OBJECT (button), "spec"));
}

static void
bursted (MpClient *client, GVariant *reply, const GError *error, gpointer user_data)
{
  g_object_unref (user_data);
}

static void
on_burst_clicked (MpSyncPage *self)
{
  MrdDBusTime1Sources *sources = mp_client_get_sources (self->client);

  if (sources != NULL)
    mp_client_call (self->client, sources, "Burst", g_variant_new ("(b)", TRUE),
                    _("Could not start a burst"), bursted, g_object_ref (self));
}

static void
update_sensitivity (MpSyncPage *self)
{
  gboolean ok = mp_client_may (self->client, "manage-sources");
  GHashTableIter iter;
  gpointer row;

  gtk_widget_set_sensitive (GTK_WIDGET (self->add_row), ok);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), ok);
  gtk_widget_set_sensitive (GTK_WIDGET (self->presets_button), ok);
  gtk_widget_set_sensitive (GTK_WIDGET (self->burst_button), ok && n_sources (self) > 0);
  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &row))
    gtk_widget_set_sensitive (g_object_get_data (row, "remove"), ok);
}

/* ---- connection --------------------------------------------------------------------- */

static void
detach (MpSyncPage *self)
{
  if (self->tracking != NULL)
    g_signal_handlers_disconnect_by_data (self->tracking, self);
  if (self->time1 != NULL)
    g_signal_handlers_disconnect_by_data (self->time1, self);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->tracking);
  g_clear_object (&self->time1);
  g_clear_object (&self->manager);
  clear_sources (self);
}

static void
attach (MpSyncPage *self)
{
  MrdDBusTime1Tracking *tracking = mp_client_get_tracking (self->client);

  if (tracking == self->tracking && tracking != NULL)
    return;
  detach (self);
  if (tracking != NULL)
    {
      GList *objects;

      self->tracking = g_object_ref (tracking);
      self->time1 = g_object_ref (mp_client_get_time1 (self->client));
      self->manager = g_object_ref (mp_client_get_manager (self->client));
      g_signal_connect_swapped (tracking, "g-properties-changed", G_CALLBACK (update_tracking), self);
      g_signal_connect_swapped (self->time1, "notify::ntp", G_CALLBACK (update_status), self);
      g_signal_connect (self->manager, "object-added", G_CALLBACK (on_object_added), self);
      g_signal_connect (self->manager, "object-removed", G_CALLBACK (on_object_removed), self);
      objects = g_dbus_object_manager_get_objects (self->manager);
      for (GList *l = objects; l != NULL; l = l->next)
        add_source_object (self, l->data);
      g_list_free_full (objects, g_object_unref);
    }
  update_tracking (self);
  update_sensitivity (self);
}

/* ---- the figures nobody announces ------------------------------------------------------ */

static void
on_reread_changed (GDBusProxy *proxy, gpointer data)
{
  MpSyncPage *self = data;
  GtkWidget *row;

  if (proxy == G_DBUS_PROXY (self->tracking))
    update_tracking (self);
  else if (self->rows != NULL &&
           (row = g_hash_table_lookup (self->rows, g_dbus_proxy_get_object_path (proxy))) != NULL)
    fill_source_row (self, row, MRD_DBUS_TIME1_SOURCE (proxy));
}

static gboolean
on_reread_timer (gpointer data)
{
  MpSyncPage *self = data;

  if (self->tracking != NULL && self->manager != NULL)
    meridian_reread (self->tracking, self->manager, self->reread_cancel, on_reread_changed, self);
  return G_SOURCE_CONTINUE;
}

static void
stop_reread (MpSyncPage *self)
{
  g_clear_handle_id (&self->reread_id, g_source_remove);
  if (self->reread_cancel != NULL)
    {
      /* Replies still on their way call nothing (meridian-reread.h). */
      g_cancellable_cancel (self->reread_cancel);
      g_clear_object (&self->reread_cancel);
    }
}

static void
mp_sync_page_map (GtkWidget *widget)
{
  MpSyncPage *self = MP_SYNC_PAGE (widget);

  GTK_WIDGET_CLASS (mp_sync_page_parent_class)->map (widget);
  if (self->reread_id == 0)
    {
      self->reread_cancel = g_cancellable_new ();
      self->reread_id = g_timeout_add_seconds (MERIDIAN_REREAD_S, on_reread_timer, self);
      on_reread_timer (self);   /* what is shown now is as of now */
    }
}

static void
mp_sync_page_unmap (GtkWidget *widget)
{
  stop_reread (MP_SYNC_PAGE (widget));
  GTK_WIDGET_CLASS (mp_sync_page_parent_class)->unmap (widget);
}

static void
mp_sync_page_dispose (GObject *object)
{
  MpSyncPage *self = MP_SYNC_PAGE (object);

  stop_reread (self);
  if (self->rows != NULL)
    detach (self);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  G_OBJECT_CLASS (mp_sync_page_parent_class)->dispose (object);
}

static void
mp_sync_page_class_init (MpSyncPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mp_sync_page_dispose;
  widget_class->map = mp_sync_page_map;
  widget_class->unmap = mp_sync_page_unmap;
  g_type_ensure (MP_TYPE_OFFSET_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/meridian/Panel/mp-sync-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, status_row);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, status_icon);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, reference_row);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, stratum_row);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, offset_row);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, frequency_row);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, leap_row);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, update_row);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, plot);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, sources_group);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, presets_button);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, presets_box);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, burst_button);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, add_row);
  gtk_widget_class_bind_template_child (widget_class, MpSyncPage, add_button);
}

static void
mp_sync_page_init (MpSyncPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      GtkWidget *b = gtk_button_new_with_label (_(presets[i].label));
      gtk_widget_add_css_class (b, "flat");
      gtk_widget_set_tooltip_text (b, presets[i].spec);
      g_object_set_data (G_OBJECT (b), "spec", (gpointer) presets[i].spec);
      g_signal_connect (b, "clicked", G_CALLBACK (on_preset_clicked), self);
      gtk_box_append (self->presets_box, b);
    }
  g_signal_connect_swapped (self->add_button, "clicked", G_CALLBACK (on_add_apply), self);
  g_signal_connect_swapped (self->add_row, "entry-activated", G_CALLBACK (on_add_apply), self);
  g_signal_connect_swapped (self->burst_button, "clicked", G_CALLBACK (on_burst_clicked), self);
}

void
mp_sync_page_set_client (MpSyncPage *self, MpClient *client)
{
  self->client = g_object_ref (client);
  g_signal_connect_swapped (client, "notify::state", G_CALLBACK (attach), self);
  g_signal_connect_swapped (client, "permissions-changed", G_CALLBACK (update_sensitivity), self);
  attach (self);
}
