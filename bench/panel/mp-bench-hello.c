/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reference for launch time: an empty libadwaita window with a header bar, started and
 * timed the way bench/panel/run-bench.sh times meridian-panel: the same "mark PHASE USEC"
 * lines at the same phases, "first-frame USEC" and "first-frame-cpu USEC" on stdout after the
 * first frame, then quit. */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <adwaita.h>

static void
mark (const char *phase)
{
  struct timespec cpu;

  /* The main thread's CPU time too: unlike the wall clock it hardly depends on what else
   * the machine is running. */
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &cpu);
  printf ("mark %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", phase, g_get_monotonic_time (),
          (gint64) cpu.tv_sec * G_USEC_PER_SEC + cpu.tv_nsec / 1000);
}

static void
after_paint (GdkFrameClock *clock, gpointer app)
{
  gint64 now = g_get_monotonic_time ();
  struct rusage ru;

  g_signal_handlers_disconnect_by_func (clock, after_paint, app);
  getrusage (RUSAGE_SELF, &ru);
  printf ("first-frame %" G_GINT64_FORMAT "\n", now);
  mark ("first-frame");
  printf ("first-frame-cpu %" G_GINT64_FORMAT "\n",
          (gint64) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC +
          ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  fflush (stdout);
  g_application_quit (G_APPLICATION (app));
}

static void
on_realize (GtkWidget *window, gpointer app)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (after_paint), app);
}

static void
on_startup (GtkApplication *app)
{
  mark ("gtk-ready");
  mark ("startup");
}

static void
on_activate (GtkApplication *app)
{
  GtkWidget *window, *box;

  mark ("activate");
  window = adw_application_window_new (app);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_box_append (GTK_BOX (box), adw_status_page_new ());
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 720, 640);
  g_signal_connect (window, "realize", G_CALLBACK (on_realize), app);
  mark ("window-built");
  gtk_window_present (GTK_WINDOW (window));
  mark ("presented");
}

int
main (int argc, char **argv)
{
  g_autoptr(AdwApplication) app = NULL;

  mark ("main");
  app = adw_application_new ("org.meridian.BenchHello", G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "startup", G_CALLBACK (on_startup), NULL);
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
