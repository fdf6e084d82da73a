/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The world map of the zone chooser. The day and night images are equirectangular (x =
 * longitude, y = latitude, both linear), so a zone1970.tab coordinate maps to a pixel by
 * scaling alone, and the day/night blend is computed per pixel from the Sun's altitude. */
#include <glib/gi18n.h>
#include <math.h>

#include "mp-world-map.h"
#include "mp-solar.h"

#ifndef XPLANET_IMAGES_DIR
#define XPLANET_IMAGES_DIR "/usr/share/xplanet/images"
#endif

/* The composed image: 2:1 like the sources, fine enough for a panel-sized map. */
#define MAP_W 1024
#define MAP_H 512
/* Civil twilight ends with the Sun 6° below the horizon: the blend runs from there to the
 * horizon, so the terminator is a band, as seen from space. */
#define TWILIGHT_SIN (-0.104528463) /* sin(-6°) */

struct _MpWorldMap
{
  GtkWidget parent_instance;

  GdkPixbuf *day;     /* scaled to MAP_W x MAP_H, or NULL without xplanet-images */
  GdkPixbuf *night;
  GdkTexture *texture;
  double shown_time;  /* the instant the texture was composed for */
  double time;

  MpZoneIndex *index; /* not owned: the chooser keeps it */
  char *current;
  char *selected;
  char *hovered;
};

G_DEFINE_TYPE (MpWorldMap, mp_world_map, GTK_TYPE_WIDGET)

enum { SIGNAL_ZONE_ACTIVATED, SIGNAL_SELECTION_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static GdkPixbuf *
load_image (const char *name)
{
  g_autofree char *path = g_build_filename (XPLANET_IMAGES_DIR, name, NULL);
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf = gdk_pixbuf_new_from_file_at_scale (path, MAP_W, MAP_H, FALSE, &error);

  if (pixbuf == NULL)
    g_message ("World map image %s: %s; drawing the map without it", path, error->message);
  return pixbuf;
}

static void
compose (MpWorldMap *self)
{
  g_autoptr(GBytes) bytes = NULL;
  guint8 *out = g_malloc (MAP_W * MAP_H * 3);
  double sub_lat, sub_lon;
  double row_a[MAP_H], row_b[MAP_H], col_c[MAP_W];
  const guint8 *day = NULL, *night = NULL;
  int day_stride = 0, night_stride = 0, day_n = 3, night_n = 3;

  mp_solar_subsolar_point (self->time, &sub_lat, &sub_lon);
  /* sin(alt) = sin φ sin δ + cos φ cos δ cos(λ - λs): a row term plus a row factor times a
   * column term, so the per-pixel work is one multiply-add. */
  for (int y = 0; y < MAP_H; y++)
    {
      double phi = (90.0 - (y + 0.5) * 180.0 / MAP_H) * G_PI / 180.0;
      row_a[y] = sin (phi) * sin (sub_lat * G_PI / 180.0);
      row_b[y] = cos (phi) * cos (sub_lat * G_PI / 180.0);
    }
  for (int x = 0; x < MAP_W; x++)
    col_c[x] = cos (((x + 0.5) * 360.0 / MAP_W - 180.0 - sub_lon) * G_PI / 180.0);
  if (self->day != NULL && self->night != NULL)
    {
      day = gdk_pixbuf_read_pixels (self->day);
      night = gdk_pixbuf_read_pixels (self->night);
      day_stride = gdk_pixbuf_get_rowstride (self->day);
      night_stride = gdk_pixbuf_get_rowstride (self->night);
      day_n = gdk_pixbuf_get_n_channels (self->day);
      night_n = gdk_pixbuf_get_n_channels (self->night);
    }
  for (int y = 0; y < MAP_H; y++)
    for (int x = 0; x < MAP_W; x++)
      {
        double s = row_a[y] + row_b[y] * col_c[x];
        double t = s >= 0 ? 1.0 : s <= TWILIGHT_SIN ? 0.0 : 1.0 - s / TWILIGHT_SIN;
        guint8 *o = out + (y * MAP_W + x) * 3;

        for (int c = 0; c < 3; c++)
          {
            /* Without images: a sea blue for day and a darker one for night. */
            static const guint8 plain_day[3] = { 0x4a, 0x7d, 0xb5 };
            static const guint8 plain_night[3] = { 0x12, 0x1d, 0x33 };
            double d = day ? day[y * day_stride + x * day_n + c] : plain_day[c];
            double n = night ? night[y * night_stride + x * night_n + c] : plain_night[c];
            /* The night image alone is dark land with city lights; keep a little of the day
             * image under it so coastlines stay readable. */
            double nn = MIN (255.0, n + 0.25 * d);
            o[c] = (guint8) (t * d + (1 - t) * nn + 0.5);
          }
      }
  bytes = g_bytes_new_take (out, MAP_W * MAP_H * 3);
  g_clear_object (&self->texture);
  self->texture = gdk_memory_texture_new (MAP_W, MAP_H, GDK_MEMORY_R8G8B8, bytes, MAP_W * 3);
  self->shown_time = self->time;
}

/* The map's rectangle inside the widget: 2:1, centered. */
static graphene_rect_t
map_rect (MpWorldMap *self)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));
  double mw = MIN (w, 2 * h), mh = mw / 2;

  return GRAPHENE_RECT_INIT ((w - mw) / 2, (h - mh) / 2, mw, mh);
}

static void
zone_point (const graphene_rect_t *r, const MpZone *z, double *x, double *y)
{
  *x = r->origin.x + (z->longitude + 180.0) / 360.0 * r->size.width;
  *y = r->origin.y + (90.0 - z->latitude) / 180.0 * r->size.height;
}

static void
dot (GtkSnapshot *snapshot, double x, double y, double radius, const GdkRGBA *fill)
{
  GskRoundedRect rr;
  graphene_rect_t b = GRAPHENE_RECT_INIT (x - radius, y - radius, 2 * radius, 2 * radius);

  gsk_rounded_rect_init_from_rect (&rr, &b, radius);
  gtk_snapshot_push_rounded_clip (snapshot, &rr);
  gtk_snapshot_append_color (snapshot, fill, &b);
  gtk_snapshot_pop (snapshot);
}

static void
ring (GtkSnapshot *snapshot, double x, double y, double radius, double width, const GdkRGBA *color)
{
  GskRoundedRect rr;
  graphene_rect_t b = GRAPHENE_RECT_INIT (x - radius, y - radius, 2 * radius, 2 * radius);
  float widths[4] = { width, width, width, width };
  GdkRGBA colors[4] = { *color, *color, *color, *color };

  gsk_rounded_rect_init_from_rect (&rr, &b, radius);
  gtk_snapshot_append_border (snapshot, &rr, widths, colors);
}

static void
mp_world_map_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  MpWorldMap *self = MP_WORLD_MAP (widget);
  graphene_rect_t r = map_rect (self);
  const GdkRGBA city = { 1.0, 0.85, 0.35, 0.95 };
  const GdkRGBA outline = { 0, 0, 0, 0.6 };
  const GdkRGBA current = { 0.9, 0.16, 0.22, 1.0 };
  const GdkRGBA selected = { 1, 1, 1, 1 };
  double radius = CLAMP (r.size.width / 400.0, 1.5, 3.0);

  if (self->texture == NULL || fabs (self->time - self->shown_time) >= 60)
    compose (self);
  gtk_snapshot_append_texture (snapshot, self->texture, &r);
  for (guint i = 0; self->index && i < mp_zone_index_get_n (self->index); i++)
    {
      MpZone *z = mp_zone_index_get (self->index, i);
      double x, y;

      zone_point (&r, z, &x, &y);
      dot (snapshot, x, y, radius + 0.8, &outline);
      dot (snapshot, x, y, radius, &city);
    }
  if (self->index != NULL)
    {
      const char *marks[] = { self->current, self->selected, self->hovered };
      for (guint m = 0; m < G_N_ELEMENTS (marks); m++)
        {
          MpZone *z = marks[m] ? mp_zone_index_lookup (self->index, marks[m]) : NULL;
          double x, y;

          if (z == NULL)
            continue;
          zone_point (&r, z, &x, &y);
          if (m == 0)
            {
              dot (snapshot, x, y, radius * 2.5, &current);
              ring (snapshot, x, y, radius * 2.5 + 1, 1.5, &selected);
            }
          else
            ring (snapshot, x, y, radius * 4, m == 1 && gtk_widget_has_focus (widget) ? 2.5 : 1.5,
                  &selected);
        }
    }
}

static void
mp_world_map_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                      int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 720;
    }
  else
    {
      *minimum = 100;
      *natural = for_size > 0 ? for_size / 2 : 360;
    }
}

static MpZone *
nearest (MpWorldMap *self, double px, double py, double max_distance)
{
  graphene_rect_t r = map_rect (self);
  MpZone *best = NULL;
  double best_d = max_distance * max_distance;

  for (guint i = 0; self->index && i < mp_zone_index_get_n (self->index); i++)
    {
      MpZone *z = mp_zone_index_get (self->index, i);
      double x, y, d;

      zone_point (&r, z, &x, &y);
      d = (x - px) * (x - px) + (y - py) * (y - py);
      if (d < best_d)
        {
          best_d = d;
          best = z;
        }
    }
  return best;
}

/* What a screen reader says: the name carries the city the arrow keys are on (it changes as
 * they move, and is read out for the focused map), the description how to move. */
static void
update_description (MpWorldMap *self)
{
  MpZone *z = self->selected && self->index ? mp_zone_index_lookup (self->index, self->selected) : NULL;
  g_autofree char *name = NULL;
  const char *text;

  if (z != NULL)
    {
      /* TRANSLATORS: the map's accessible name: the city the arrow keys are on, then its
       * zone ("World map of time zones: Seoul (Asia/Seoul)") */
      name = g_strdup_printf (_("World map of time zones: %s (%s)"), z->city, z->zone);
      text = _("Arrow keys move to the nearest city in that direction, Enter chooses it.");
    }
  else
    {
      name = g_strdup (_("World map of time zones"));
      text = _("Arrow keys move from city to city, Enter chooses one.");
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

void
mp_world_map_select (MpWorldMap *self, const char *zone)
{
  if (g_strcmp0 (zone, self->selected) == 0)
    return;
  g_free (self->selected);
  self->selected = g_strdup (zone);
  update_description (self);
  g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_click (GtkGestureClick *gesture, int n_press, double x, double y, MpWorldMap *self)
{
  MpZone *z = nearest (self, x, y, 16);

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (z == NULL)
    return;
  mp_world_map_select (self, z->zone);
  g_signal_emit (self, signals[SIGNAL_ZONE_ACTIVATED], 0, z->zone);
}

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, MpWorldMap *self)
{
  MpZone *z = nearest (self, x, y, 16);
  const char *name = z ? z->zone : NULL;

  if (g_strcmp0 (name, self->hovered) == 0)
    return;
  g_free (self->hovered);
  self->hovered = g_strdup (name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), name);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The next city in a direction: the nearest one within 45° of it, its distance divided by
 * the square of the cosine of how far off the direction it lies, so that Right goes to the
 * city most nearly to the right rather than a nearer one well above or below; if there is
 * none within 45°, the same within 80° (a coast running at an angle). */
static MpZone *
step (MpWorldMap *self, double dx, double dy)
{
  static const double cones[] = { 0.70710678, 0.17364818 };  /* cos 45°, cos 80° */
  MpZone *from = self->selected ? mp_zone_index_lookup (self->index, self->selected) : NULL;

  if (from == NULL)
    from = self->current ? mp_zone_index_lookup (self->index, self->current) : NULL;
  if (from == NULL)
    return mp_zone_index_get (self->index, 0);
  for (guint c = 0; c < G_N_ELEMENTS (cones); c++)
    {
      MpZone *best = NULL;
      double best_cost = INFINITY;

      for (guint i = 0; i < mp_zone_index_get_n (self->index); i++)
        {
          MpZone *z = mp_zone_index_get (self->index, i);
          double vx = z->longitude - from->longitude, vy = -(z->latitude - from->latitude);
          double d = hypot (vx, vy), along, cost;

          if (z == from || d < 1e-9)
            continue;
          along = (vx * dx + vy * dy) / d;  /* cosine of the angle to the direction */
          if (along < cones[c])
            continue;
          cost = d / (along * along);
          if (cost < best_cost)
            {
              best_cost = cost;
              best = z;
            }
        }
      if (best != NULL)
        return best;
    }
  return from;
}

static gboolean
on_key (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
        MpWorldMap *self)
{
  MpZone *z = NULL;

  if (self->index == NULL || mp_zone_index_get_n (self->index) == 0)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Left: case GDK_KEY_KP_Left: z = step (self, -1, 0); break;
    case GDK_KEY_Right: case GDK_KEY_KP_Right: z = step (self, 1, 0); break;
    case GDK_KEY_Up: case GDK_KEY_KP_Up: z = step (self, 0, -1); break;
    case GDK_KEY_Down: case GDK_KEY_KP_Down: z = step (self, 0, 1); break;
    case GDK_KEY_Return: case GDK_KEY_KP_Enter: case GDK_KEY_space:
      if (self->selected != NULL)
        g_signal_emit (self, signals[SIGNAL_ZONE_ACTIVATED], 0, self->selected);
      return TRUE;
    default:
      return FALSE;
    }
  if (z != NULL)
    mp_world_map_select (self, z->zone);
  return TRUE;
}

static void
mp_world_map_dispose (GObject *object)
{
  MpWorldMap *self = MP_WORLD_MAP (object);

  g_clear_object (&self->day);
  g_clear_object (&self->night);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->current, g_free);
  g_clear_pointer (&self->selected, g_free);
  g_clear_pointer (&self->hovered, g_free);
  G_OBJECT_CLASS (mp_world_map_parent_class)->dispose (object);
}

static void
mp_world_map_class_init (MpWorldMapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mp_world_map_dispose;
  widget_class->snapshot = mp_world_map_snapshot;
  widget_class->measure = mp_world_map_measure;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_widget_class_set_css_name (widget_class, "worldmap");

  signals[SIGNAL_ZONE_ACTIVATED] = g_signal_new ("zone-activated", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_SELECTION_CHANGED] = g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                    G_TYPE_NONE, 0);
}

static void
mp_world_map_init (MpWorldMap *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *key = gtk_event_controller_key_new ();

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self), TRUE);
  g_signal_connect (click, "released", G_CALLBACK (on_click), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  g_signal_connect_swapped (self, "notify::has-focus", G_CALLBACK (gtk_widget_queue_draw), self);

  self->day = load_image ("earth.jpg");
  self->night = self->day ? load_image ("night.jpg") : NULL;
  self->time = g_get_real_time () / 1e6;
  update_description (self);
}

void
mp_world_map_set_index (MpWorldMap *self, MpZoneIndex *index)
{
  self->index = index;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mp_world_map_set_current (MpWorldMap *self, const char *zone)
{
  g_free (self->current);
  self->current = g_strdup (zone);
  if (self->selected == NULL)
    mp_world_map_select (self, zone);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
mp_world_map_get_selected (MpWorldMap *self)
{
  return self->selected;
}

void
mp_world_map_set_time (MpWorldMap *self, double unix_seconds)
{
  self->time = unix_seconds;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
mp_world_map_has_images (MpWorldMap *self)
{
  return self->day != NULL && self->night != NULL;
}
