/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Two panes over the same hour: offset in seconds (a point per clock update, a bar for its
 * error bound) above, frequency in ppm below, with a labelled scale on each. */
#include <glib/gi18n.h>
#include <math.h>

#include "mp-offset-plot.h"
#include "mp-format.h"

#define WINDOW_SECONDS 3600.0

typedef struct {
  double when, offset, error, freq;
} Sample;

struct _MpOffsetPlot
{
  GtkWidget parent_instance;
  GArray *samples;  /* Sample, oldest first */
};

G_DEFINE_TYPE (MpOffsetPlot, mp_offset_plot, GTK_TYPE_WIDGET)

static void
set_color (cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
}

static void
text (GtkWidget *widget, cairo_t *cr, double x, double y, const char *s, gboolean right)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, s);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, right ? x - w : x, y - h / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

/* A symmetric scale that holds every value and its bar, never below `floor`. */
static double
span (MpOffsetPlot *self, gboolean offsets, double floor)
{
  double m = floor;

  for (guint i = 0; i < self->samples->len; i++)
    {
      Sample *s = &g_array_index (self->samples, Sample, i);
      m = MAX (m, offsets ? fabs (s->offset) + s->error : fabs (s->freq));
    }
  return m * 1.1;
}

static void
pane (MpOffsetPlot *self, cairo_t *cr, double x0, double y0, double w, double h,
      gboolean offsets, double now, const GdkRGBA *fg, const GdkRGBA *accent)
{
  GtkWidget *widget = GTK_WIDGET (self);
  double m = offsets ? span (self, TRUE, 1e-6) : span (self, FALSE, 0.01);
  double mid = y0 + h / 2;
  g_autofree char *top = NULL, *title = NULL;

  /* Frame, zero line and scale. */
  set_color (cr, fg, 0.15);
  cairo_rectangle (cr, x0 + 0.5, y0 + 0.5, w - 1, h - 1);
  cairo_stroke (cr);
  cairo_move_to (cr, x0, mid + 0.5);
  cairo_line_to (cr, x0 + w, mid + 0.5);
  cairo_stroke (cr);
  set_color (cr, fg, 0.7);
  if (offsets)
    top = mp_format_seconds (m, TRUE);
  else
    top = g_strdup_printf ("%+.3g ppm", m);
  text (widget, cr, x0 - 4, y0 + 6, top, TRUE);
  text (widget, cr, x0 - 4, mid, "0", TRUE);
  title = g_strdup (offsets ? _("Offset") : _("Frequency"));
  text (widget, cr, x0 + 6, y0 + 10, title, FALSE);

  for (guint i = 0; i < self->samples->len; i++)
    {
      Sample *s = &g_array_index (self->samples, Sample, i);
      double x = x0 + w * (1.0 - (now - s->when) / WINDOW_SECONDS);
      double v = offsets ? s->offset : s->freq;
      double y = mid - v / m * (h / 2);

      if (x < x0)
        continue;
      set_color (cr, accent, 1.0);
      if (offsets && s->error > 0)
        {
          double dy = s->error / m * (h / 2);
          set_color (cr, accent, 0.45);
          cairo_move_to (cr, x, y - dy);
          cairo_line_to (cr, x, y + dy);
          cairo_stroke (cr);
          set_color (cr, accent, 1.0);
        }
      cairo_arc (cr, x, y, 2.5, 0, 2 * G_PI);
      cairo_fill (cr);
    }
}

static void
mp_offset_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  MpOffsetPlot *self = MP_OFFSET_PLOT (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, w, h);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &bounds);
  GdkRGBA fg, accent;
  double left = 72, gap = 12, now = g_get_real_time () / 1e6;
  double ph = (h - gap - 18) / 2;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "accent_color", &accent))
    gdk_rgba_parse (&accent, "#3584e4");
  G_GNUC_END_IGNORE_DEPRECATIONS
  cairo_set_line_width (cr, 1.0);
  pane (self, cr, left, 0, w - left - 4, ph, TRUE, now, &fg, &accent);
  pane (self, cr, left, ph + gap, w - left - 4, ph, FALSE, now, &fg, &accent);
  set_color (cr, &fg, 0.6);
  text (widget, cr, left, h - 8, _("1 hour ago"), FALSE);
  text (widget, cr, w - 4, h - 8, _("now"), TRUE);
  if (self->samples->len == 0)
    text (widget, cr, left + (w - left) / 2 - 60, h / 2, _("No clock updates yet"), FALSE);
  cairo_destroy (cr);
}

static void
mp_offset_plot_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                        int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 180;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 600 : 220;
}

static void
mp_offset_plot_finalize (GObject *object)
{
  g_array_unref (MP_OFFSET_PLOT (object)->samples);
  G_OBJECT_CLASS (mp_offset_plot_parent_class)->finalize (object);
}

static void
mp_offset_plot_class_init (MpOffsetPlotClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mp_offset_plot_finalize;
  GTK_WIDGET_CLASS (klass)->snapshot = mp_offset_plot_snapshot;
  GTK_WIDGET_CLASS (klass)->measure = mp_offset_plot_measure;
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_IMG);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "offsetplot");
}

static void
mp_offset_plot_init (MpOffsetPlot *self)
{
  self->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Offset and frequency over the last hour"), -1);
}

void
mp_offset_plot_add (MpOffsetPlot *self, double when, double offset, double error, double freq)
{
  Sample s = { when, offset, error, freq };

  g_array_append_val (self->samples, s);
  while (self->samples->len > 0 &&
         g_array_index (self->samples, Sample, 0).when < when - WINDOW_SECONDS)
    g_array_remove_index (self->samples, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mp_offset_plot_clear (MpOffsetPlot *self)
{
  g_array_set_size (self->samples, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
mp_offset_plot_get_n (MpOffsetPlot *self)
{
  return self->samples->len;
}
