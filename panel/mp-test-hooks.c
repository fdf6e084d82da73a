/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "mp-test-hooks.h"

static GtkWindow *
topmost (AdwApplication *app)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  /* A visible dialog (the chooser) is above its parent; there is no window manager under
   * Xvfb to say which was focused last. */
  for (GList *l = windows; l != NULL; l = l->next)
    if (gtk_widget_get_visible (l->data) && gtk_window_get_transient_for (l->data) != NULL)
      return l->data;
  for (GList *l = windows; l != NULL; l = l->next)
    if (gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

/* Renders the window as the screen shows it, in process (no X grab): its paintable
 * snapshot through its own renderer, saved as PNG. */
static void
take_screenshot (GtkWindow *window, const char *path)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  graphene_rect_t bounds;
  int w, h;

  w = gtk_widget_get_width (GTK_WIDGET (window));
  h = gtk_widget_get_height (GTK_WIDGET (window));
  paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    {
      g_message ("test-screenshot: %s drew nothing", G_OBJECT_TYPE_NAME (window));
      return;
    }
  bounds = GRAPHENE_RECT_INIT (0, 0, w, h);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &bounds);
  if (!gdk_texture_save_to_png (texture, path))
    g_warning ("Could not save a screenshot to %s", path);
}

typedef struct {
  GtkWindow *window;  /* strong */
  char *path;
  gint64 due;         /* monotonic µs */
} PendingShot;

/* A size or style just asked for is drawn once the X server has answered the resize and
 * the adaptive widgets' transitions (libadwaita's run 200-250 ms; turning animations off
 * makes AdwViewSwitcherBar allocate a negative height) have ended: the picture is taken at
 * the first frame after SHOT_SETTLE_MS, so the test need not sleep. */
#define SHOT_SETTLE_MS 400

static void
shot_after_paint (GdkFrameClock *clock, PendingShot *shot)
{
  if (g_get_monotonic_time () < shot->due)
    {
      gtk_widget_queue_draw (GTK_WIDGET (shot->window));
      return;
    }
  g_signal_handlers_disconnect_by_func (clock, shot_after_paint, shot);
  take_screenshot (shot->window, shot->path);
  g_object_unref (shot->window);
  g_free (shot->path);
  g_free (shot);
}

static void
screenshot (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkWindow *window = topmost (user_data);
  PendingShot *shot;

  if (window == NULL)
    {
      g_message ("test-screenshot: no window to take");
      return;
    }
  shot = g_new0 (PendingShot, 1);
  shot->window = g_object_ref (window);
  shot->path = g_variant_dup_string (param, NULL);
  shot->due = g_get_monotonic_time () + SHOT_SETTLE_MS * 1000;
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (shot_after_paint), shot);
  gtk_widget_queue_draw (GTK_WIDGET (window));
}

/* Which widgets hold the window wider than it may be: every widget whose minimum width
 * exceeds `limit`, deepest first (for tests that check the 360 px layout). */
static void
report_wide (GtkWidget *widget, int limit, int depth)
{
  int min = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    report_wide (c, limit, depth + 1);
  if (!gtk_widget_get_visible (widget))
    return;
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
  if (min > limit)
    g_message ("test-size: %*s%s min width %d", depth, "", G_OBJECT_TYPE_NAME (widget), min);
}

static void
style (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  const char *s = g_variant_get_string (param, NULL);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      g_str_equal (s, "dark") ? ADW_COLOR_SCHEME_FORCE_DARK
                                                              : ADW_COLOR_SCHEME_FORCE_LIGHT);
}

static void
size (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  int w = 0, h = 0;

  if (sscanf (g_variant_get_string (param, NULL), "%dx%d", &w, &h) != 2)
    return;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (user_data)); l; l = l->next)
    {
      gtk_window_set_default_size (l->data, w, h);
      if (g_getenv ("MERIDIAN_PANEL_REPORT_WIDE") != NULL)
        report_wide (l->data, w, 0);
    }
}

void
mp_test_hooks_mark (const char *phase)
{
  if (g_getenv ("MERIDIAN_PANEL_FIRST_FRAME") == NULL)
    return;
  struct timespec cpu;

  /* The main thread's CPU time too: unlike the wall clock it hardly depends on what else
   * the machine is running. */
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &cpu);
  printf ("mark %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", phase, g_get_monotonic_time (),
          (gint64) cpu.tv_sec * G_USEC_PER_SEC + cpu.tv_nsec / 1000);
  fflush (stdout);
}

static void
after_paint (GdkFrameClock *clock, gpointer user_data)
{
  const char *mode = g_getenv ("MERIDIAN_PANEL_FIRST_FRAME");
  gint64 now = g_get_monotonic_time ();
  struct rusage ru;

  g_signal_handlers_disconnect_by_func (clock, after_paint, user_data);
  getrusage (RUSAGE_SELF, &ru);
  printf ("first-frame %" G_GINT64_FORMAT "\n", now);
  mp_test_hooks_mark ("first-frame");
  printf ("first-frame-cpu %" G_GINT64_FORMAT "\n",
          (gint64) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC +
          ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  fflush (stdout);
  if (g_strcmp0 (mode, "quit") == 0)
    g_application_quit (G_APPLICATION (user_data));
}

static void
on_realize (GtkWidget *window, gpointer app)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint), app);
}

void
mp_test_hooks_install (AdwApplication *app, MpWindow *window)
{
  if (g_getenv ("MERIDIAN_PANEL_FIRST_FRAME") != NULL)
    g_signal_connect (window, "realize", G_CALLBACK (on_realize), app);
  if (g_strcmp0 (g_getenv ("MERIDIAN_PANEL_TEST_HOOKS"), "1") == 0)
    {
      const GActionEntry entries[] = {
        { "test-screenshot", screenshot, "s", NULL, NULL, { 0 } },
        { "test-style", style, "s", NULL, NULL, { 0 } },
        { "test-size", size, "s", NULL, NULL, { 0 } },
      };
      g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
    }
}
