/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-keystroke search time of the zone chooser: the index is built from the running
 * meridiand (over DBUS_SYSTEM_BUS_ADDRESS) exactly as the panel builds it, then each prefix of
 * each query ("S", "Se", "Seo", ... as a person types) is searched over every zone with its
 * English and Korean names. Prints the median, p99 and max per keystroke, the time to build
 * the index, and how many zones it holds. Usage: mp-bench-search [ROUNDS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp-names.h"
#include "mp-zone-index.h"
#include "mp-zone-loader.h"

static const char *const queries[] = {
  "Seoul", "서울", "KST", "+09", "대한민국", "New York", "Buenos Aires", "UTC+5:30",
  "Korea", "Europe/Berlin", "뉴욕", "pacific", "Kolkata", "Sao Paulo", "GMT-3",
};

static MpZoneIndex *index_result;
static GError *load_error;

static void
loaded (GObject *source, GAsyncResult *res, gpointer user_data)
{
  index_result = mp_zone_loader_load_finish (res, &load_error);
  g_main_loop_quit (user_data);
}

static int
compare (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  int rounds = argc > 1 ? atoi (argv[1]) : 20;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  g_autoptr(GDBusProxy) proxy = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(MpNames) names = NULL;
  gint64 t0, t1;
  guint hits = 0;

  if (bus == NULL)
    {
      fprintf (stderr, "system bus: %s\n", error->message);
      return 1;
    }
  proxy = g_dbus_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES, NULL,
                                 "org.meridian.Time1", "/org/meridian/Time1",
                                 "org.meridian.Time1", NULL, &error);
  if (proxy == NULL)
    {
      fprintf (stderr, "proxy: %s\n", error->message);
      return 1;
    }
  t0 = g_get_monotonic_time ();
  names = mp_names_new ();
  mp_zone_loader_load (proxy, names, NULL, loaded, loop);
  g_main_loop_run (loop);
  t1 = g_get_monotonic_time ();
  if (index_result == NULL)
    {
      fprintf (stderr, "loading the zones: %s\n", load_error->message);
      return 1;
    }
  for (int r = 0; r < rounds; r++)
    for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
      {
        const char *text = queries[q];
        /* Every prefix that ends on a character boundary: one keystroke each. */
        for (const char *end = g_utf8_next_char (text); ; end = g_utf8_next_char (end))
          {
            g_autofree char *prefix = g_strndup (text, end - text);
            gint64 s = g_get_monotonic_time ();
            g_autoptr(GPtrArray) found = mp_zone_index_search (index_result, prefix, 60);
            double ms = (g_get_monotonic_time () - s) / 1000.0;

            g_array_append_val (times, ms);
            hits += found->len;
            if (*end == '\0')
              break;
          }
      }
  qsort (times->data, times->len, sizeof (double), compare);
  printf ("zones indexed: %u (index built from the service in %.1f ms, names included)\n",
          mp_zone_index_get_n (index_result), (t1 - t0) / 1000.0);
  printf ("per keystroke over %u keystrokes: median %.3f ms, p99 %.3f ms, max %.3f ms (goal <= 5 ms)\n",
          times->len, g_array_index (times, double, times->len / 2),
          g_array_index (times, double, (guint) (times->len * 0.99)),
          g_array_index (times, double, times->len - 1));
  printf ("(%u results in all)\n", hits);
  mp_zone_index_free (index_result);
  return 0;
}
