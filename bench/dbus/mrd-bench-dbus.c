/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-bench-dbus — latency of org.freedesktop.timedate1 calls, whoever serves them.
 *
 * Synchronous GDBus calls in a loop on the system bus (DBUS_SYSTEM_BUS_ADDRESS points it at a
 * private bus), each timed with CLOCK_MONOTONIC, on /org/freedesktop/timedate1:
 *   ListTimezones, Properties.Get(Timezone), SetTimezone (alternating between two zones, so
 *   every call is a real change: timedated and meridiand both return early when the zone
 *   would not change; the caller must be authorized, e.g. by the polkit stand-in allowing
 *   everything), and Peer.Ping, which the bus library answers by itself: the floor any call
 *   pays on this bus.
 *
 * By default it calls whatever owns org.freedesktop.timedate1. With several --dest NAME=LABEL
 * it INTERLEAVES the calls (A, B, A, B, ...), so that every daemon is measured under the same
 * machine load -- on a shared 2-core machine that matters more than anything else.
 *
 * Output, one line per destination and method, for the driver to parse:
 *   <label> <method> n=<calls> median_us=<µs> p99_us=<µs> min_us=<µs> max_us=<µs>
 */
#include <gio/gio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TIMEDATE1_NAME  "org.freedesktop.timedate1"
#define TIMEDATE1_PATH  "/org/freedesktop/timedate1"
#define TIMEDATE1_IFACE "org.freedesktop.timedate1"

typedef GVariant *(*BenchCall) (GDBusConnection *bus, const char *dest, guint i, GError **error);

typedef struct {
  const char *name;
  BenchCall call;
} BenchMethod;

static double
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static GVariant *
call_list_timezones (GDBusConnection *bus, const char *dest, guint i, GError **error)
{
  return g_dbus_connection_call_sync (bus, dest, TIMEDATE1_PATH, TIMEDATE1_IFACE,
                                      "ListTimezones", NULL, G_VARIANT_TYPE ("(as)"),
                                      G_DBUS_CALL_FLAGS_NONE, 30000, NULL, error);
}

static GVariant *
call_get_timezone (GDBusConnection *bus, const char *dest, guint i, GError **error)
{
  return g_dbus_connection_call_sync (bus, dest, TIMEDATE1_PATH,
                                      "org.freedesktop.DBus.Properties", "Get",
                                      g_variant_new ("(ss)", TIMEDATE1_IFACE, "Timezone"),
                                      G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, 30000,
                                      NULL, error);
}

static GVariant *
call_set_timezone (GDBusConnection *bus, const char *dest, guint i, GError **error)
{
  const char *zone = (i % 2) ? "Europe/Berlin" : "Asia/Seoul";

  return g_dbus_connection_call_sync (bus, dest, TIMEDATE1_PATH, TIMEDATE1_IFACE,
                                      "SetTimezone", g_variant_new ("(sb)", zone, FALSE),
                                      G_VARIANT_TYPE ("()"), G_DBUS_CALL_FLAGS_NONE, 30000,
                                      NULL, error);
}

/* Answered by the bus library itself (GDBus worker thread, sd-bus): the transport floor. */
static GVariant *
call_ping (GDBusConnection *bus, const char *dest, guint i, GError **error)
{
  return g_dbus_connection_call_sync (bus, dest, TIMEDATE1_PATH,
                                      "org.freedesktop.DBus.Peer", "Ping", NULL,
                                      G_VARIANT_TYPE ("()"), G_DBUS_CALL_FLAGS_NONE, 30000,
                                      NULL, error);
}

/* What every authorized change pays before the daemon may act: one CheckAuthorization round
 * trip to whatever serves org.freedesktop.PolicyKit1 (here the stand-in), for our own bus name. */
static GVariant *
call_polkit_check (GDBusConnection *bus, const char *dest, guint i, GError **error)
{
  GVariantBuilder subject;

  g_variant_builder_init (&subject, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&subject, "{sv}", "name",
                         g_variant_new_string (g_dbus_connection_get_unique_name (bus)));
  return g_dbus_connection_call_sync (bus, "org.freedesktop.PolicyKit1",
                                      "/org/freedesktop/PolicyKit1/Authority",
                                      "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization",
                                      g_variant_new ("((sa{sv})sa{ss}us)", "system-bus-name",
                                                     &subject, "org.meridian.time1.set-timezone",
                                                     NULL, 0, ""),
                                      G_VARIANT_TYPE ("((bba{ss}))"), G_DBUS_CALL_FLAGS_NONE,
                                      30000, NULL, error);
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples. */
static double
percentile (const double *sorted, guint n, double p)
{
  guint rank = (guint) ceil (p / 100.0 * n);

  return sorted[rank > 0 ? rank - 1 : 0];
}

/* Resolve a well-known name to its owner, so each call goes to that process and no other. */
static char *
resolve_owner (GDBusConnection *bus, const char *name, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  const char *owner = NULL;

  if (name[0] == ':')
    return g_strdup (name);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetNameOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(s)"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(&s)", &owner);
  return g_strdup (owner);
}

static gboolean
bench (GDBusConnection *bus, const BenchMethod *method, char **dests, char **labels,
       guint warmup, guint n, GError **error)
{
  guint ndest = g_strv_length (dests);
  g_autofree double *samples = g_new (double, (gsize) n * ndest);

  for (guint i = 0; i < warmup; i++)
    for (guint d = 0; d < ndest; d++)
      {
        g_autoptr(GVariant) reply = method->call (bus, dests[d], i, error);
        if (reply == NULL)
          return FALSE;
      }
  for (guint i = 0; i < n; i++)
    for (guint d = 0; d < ndest; d++)
      {
        double start = now_us ();
        g_autoptr(GVariant) reply = method->call (bus, dests[d], warmup + i, error);

        samples[(gsize) d * n + i] = now_us () - start;
        if (reply == NULL)
          {
            g_prefix_error (error, "%s on %s: ", method->name, labels[d]);
            return FALSE;
          }
      }
  for (guint d = 0; d < ndest; d++)
    {
      double *s = samples + (gsize) d * n;

      qsort (s, n, sizeof *s, compare_doubles);
      printf ("%s %s n=%u median_us=%.1f p99_us=%.1f min_us=%.1f max_us=%.1f\n", labels[d],
              method->name, n, percentile (s, n, 50), percentile (s, n, 99), s[0], s[n - 1]);
    }
  fflush (stdout);
  return TRUE;
}

int
main (int argc, char **argv)
{
  gint iterations = 200;
  gint list_iterations = 0;
  gint warmup = 5;
  gboolean polkit = FALSE;
  g_auto(GStrv) dest_args = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &iterations, "Calls per method (default 200)", "N" },
    { "list-iterations", 0, 0, G_OPTION_ARG_INT, &list_iterations,
      "Calls of ListTimezones (default: as --iterations)", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Untimed calls first (default 5)", "N" },
    { "dest", 'd', 0, G_OPTION_ARG_STRING_ARRAY, &dest_args,
      "Bus name to measure, as NAME or NAME=LABEL (repeat to interleave; default: "
      TIMEDATE1_NAME ")", "NAME[=LABEL]" },
    { "polkit", 0, 0, G_OPTION_ARG_NONE, &polkit,
      "Also time one CheckAuthorization on org.freedesktop.PolicyKit1 (label \"polkit\")", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("— latency of org.freedesktop.timedate1 on the system bus");
  const BenchMethod methods[] = {
    { "ListTimezones", call_list_timezones },
    { "GetTimezone", call_get_timezone },
    { "SetTimezone", call_set_timezone },
    { "Ping", call_ping },
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "mrd-bench-dbus: %s\n", error->message);
      return 2;
    }
  if (iterations < 1 || warmup < 0)
    {
      fprintf (stderr, "mrd-bench-dbus: --iterations must be at least 1\n");
      return 2;
    }
  if (list_iterations < 1)
    list_iterations = iterations;

  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (bus == NULL)
    {
      fprintf (stderr, "mrd-bench-dbus: cannot connect to the system bus: %s\n", error->message);
      return 1;
    }

  g_autoptr(GPtrArray) dests = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  const char *default_dest[] = { TIMEDATE1_NAME, NULL };
  for (const char *const *d = dest_args ? (const char *const *) dest_args : default_dest; *d; d++)
    {
      const char *eq = strchr (*d, '=');
      g_autofree char *name = eq ? g_strndup (*d, eq - *d) : g_strdup (*d);
      char *owner = resolve_owner (bus, name, &error);

      if (owner == NULL)
        {
          fprintf (stderr, "mrd-bench-dbus: nobody owns %s: %s\n", name, error->message);
          return 1;
        }
      g_ptr_array_add (dests, owner);
      g_ptr_array_add (labels, g_strdup (eq ? eq + 1 : name));
    }
  g_ptr_array_add (dests, NULL);
  g_ptr_array_add (labels, NULL);

  for (gsize m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      guint n = methods[m].call == call_list_timezones ? (guint) list_iterations : (guint) iterations;

      if (!bench (bus, &methods[m], (char **) dests->pdata, (char **) labels->pdata, warmup, n,
                  &error))
        {
          fprintf (stderr, "mrd-bench-dbus: %s\n", error->message);
          return 1;
        }
    }
  if (polkit)
    {
      const BenchMethod check = { "CheckAuthorization", call_polkit_check };
      char *no_dest[] = { (char *) "org.freedesktop.PolicyKit1", NULL };
      char *label[] = { (char *) "polkit", NULL };

      if (!bench (bus, &check, no_dest, label, warmup, iterations, &error))
        {
          fprintf (stderr, "mrd-bench-dbus: %s\n", error->message);
          return 1;
        }
    }
  return 0;
}
