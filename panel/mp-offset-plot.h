/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MP_TYPE_OFFSET_PLOT (mp_offset_plot_get_type ())
G_DECLARE_FINAL_TYPE (MpOffsetPlot, mp_offset_plot, MP, OFFSET_PLOT, GtkWidget)

/* The last hour of the clock's offset (with its error bound as a bar) and frequency, drawn
 * in the theme's foreground and accent colours so it reads in light and dark styles. */
void  mp_offset_plot_add    (MpOffsetPlot *self, double when, double offset, double error,
                             double frequency_ppm);
void  mp_offset_plot_clear  (MpOffsetPlot *self);
guint mp_offset_plot_get_n  (MpOffsetPlot *self);

G_END_DECLS
