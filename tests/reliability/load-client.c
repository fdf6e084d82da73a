/* SPDX-License-Identifier: GPL-2.0-or-later */
/* load-client CLIENTS READS WRITES: CLIENTS threads, each with its own connection to the
 * system bus ($DBUS_SYSTEM_BUS_ADDRESS), each sending READS reads (Get Timezone, GetAll,
 * ListTimezones, DescribeZone in turn) then WRITES writes (SetTimezone to one of 8 zones, in
 * turn, on org.meridian.Time1), one call waiting at a time. A write refused with
 * LimitsExceeded (the daemon bounds the polkit checks pending per user and in all) is sent
 * again after 1 ms; its latency runs from the first attempt to the answer. Prints one line:
 *
 *   reads N p50_ms X p99_ms Y writes N p50_ms X p99_ms Y retries N errors N wall_s Z
 *
 * tests/reliability/test_load.py runs it against meridiand on a private bus. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gio/gio.h>

static int n_reads, n_writes;
static const char *address;
static const char *const zones[] = {
  "Asia/Seoul", "Europe/Paris", "America/New_York", "Australia/Sydney", "Africa/Cairo",
  "Asia/Tokyo", "Europe/Berlin", "America/Chicago",
};

typedef struct {
  guint index;
  gint64 *read_us, *write_us;
  guint retries, errors;
  char *first_error;
} Client;

static GVariant *
read_call (GDBusConnection *c, guint k, GError **error)
{
  switch (k % 4)
    {
    case 0:
      return g_dbus_connection_call_sync (c, "org.meridian.Time1", "/org/meridian/Time1",
                                          "org.freedesktop.DBus.Properties", "Get",
                                          g_variant_new ("(ss)", "org.meridian.Time1",
                                                         "Timezone"),
                                          NULL, G_DBUS_CALL_FLAGS_NONE, 60000, NULL, error);
    case 1:
      return g_dbus_connection_call_sync (c, "org.meridian.Time1", "/org/meridian/Time1",
                                          "org.freedesktop.DBus.Properties", "GetAll",
                                          g_variant_new ("(s)", "org.meridian.Time1"),
                                          NULL, G_DBUS_CALL_FLAGS_NONE, 60000, NULL, error);
    case 2:
      return g_dbus_connection_call_sync (c, "org.meridian.Time1", "/org/meridian/Time1",
                                          "org.meridian.Time1", "ListTimezones", NULL,
                                          NULL, G_DBUS_CALL_FLAGS_NONE, 60000, NULL, error);
    default:
      return g_dbus_connection_call_sync (c, "org.meridian.Time1", "/org/meridian/Time1",
                                          "org.meridian.Time1", "DescribeZone",
                                          g_variant_new ("(sx)", "Europe/Paris", (gint64) 0),
                                          NULL, G_DBUS_CALL_FLAGS_NONE, 60000, NULL, error);
    }
}

static gpointer
run_client (gpointer data)
{
  Client *cl = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) c =
    g_dbus_connection_new_for_address_sync (address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);

  if (c == NULL)
    {
      cl->errors = (guint) (n_reads + n_writes);
      cl->first_error = g_strdup (error->message);
      return NULL;
    }
  for (int k = 0; k < n_reads; k++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(GVariant) v = read_call (c, cl->index + (guint) k, &error);

      cl->read_us[k] = g_get_monotonic_time () - t0;
      if (v == NULL)
        {
          cl->errors++;
          if (cl->first_error == NULL)
            cl->first_error = g_strdup (error->message);
          g_clear_error (&error);
        }
    }
  for (int k = 0; k < n_writes; k++)
    {
      const char *zone = zones[(cl->index + (guint) k) % G_N_ELEMENTS (zones)];
      gint64 t0 = g_get_monotonic_time ();

      for (;;)
        {
          g_autoptr(GVariant) v =
            g_dbus_connection_call_sync (c, "org.meridian.Time1", "/org/meridian/Time1",
                                         "org.meridian.Time1", "SetTimezone",
                                         g_variant_new ("(sb)", zone, FALSE), NULL,
                                         G_DBUS_CALL_FLAGS_NONE, 60000, NULL, &error);
          g_autofree char *remote = NULL;

          if (v != NULL)
            break;
          remote = g_dbus_error_get_remote_error (error);
          if (remote != NULL && g_str_has_suffix (remote, ".LimitsExceeded"))
            {
              cl->retries++;
              g_clear_error (&error);
              g_usleep (1000);
              continue;
            }
          cl->errors++;
          if (cl->first_error == NULL)
            cl->first_error = g_strdup (error->message);
          g_clear_error (&error);
          break;
        }
      cl->write_us[k] = g_get_monotonic_time () - t0;
    }
  return NULL;
}

static int
cmp64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static double
pct_ms (gint64 *v, gsize n, double p)
{
  if (n == 0)
    return 0.0;
  qsort (v, n, sizeof v[0], cmp64);
  return v[MIN (n - 1, (gsize) (p * (double) n))] / 1000.0;
}

int
main (int argc, char **argv)
{
  int n_clients;
  Client *clients;
  GThread **threads;
  g_autofree gint64 *all_r = NULL, *all_w = NULL;
  guint retries = 0, errors = 0;
  const char *first_error = NULL;
  gint64 t0;

  if (argc != 4)
    {
      fprintf (stderr, "usage: %s CLIENTS READS WRITES\n", argv[0]);
      return 2;
    }
  n_clients = atoi (argv[1]);
  n_reads = atoi (argv[2]);
  n_writes = atoi (argv[3]);
  address = g_getenv ("DBUS_SYSTEM_BUS_ADDRESS");
  if (address == NULL || n_clients <= 0 || n_reads < 0 || n_writes < 0)
    {
      fprintf (stderr, "needs DBUS_SYSTEM_BUS_ADDRESS and positive counts\n");
      return 2;
    }
  clients = g_new0 (Client, n_clients);
  threads = g_new0 (GThread *, n_clients);
  all_r = g_new0 (gint64, (gsize) n_clients * (gsize) n_reads + 1);
  all_w = g_new0 (gint64, (gsize) n_clients * (gsize) n_writes + 1);
  t0 = g_get_monotonic_time ();
  for (int i = 0; i < n_clients; i++)
    {
      clients[i].index = (guint) i;
      clients[i].read_us = all_r + (gsize) i * (gsize) n_reads;
      clients[i].write_us = all_w + (gsize) i * (gsize) n_writes;
      threads[i] = g_thread_new ("client", run_client, &clients[i]);
    }
  for (int i = 0; i < n_clients; i++)
    {
      g_thread_join (threads[i]);
      retries += clients[i].retries;
      errors += clients[i].errors;
      if (first_error == NULL)
        first_error = clients[i].first_error;
    }
  printf ("reads %d p50_ms %.2f p99_ms %.2f writes %d p50_ms %.2f p99_ms %.2f retries %u "
          "errors %u wall_s %.2f\n",
          n_clients * n_reads, pct_ms (all_r, (gsize) n_clients * (gsize) n_reads, 0.50),
          pct_ms (all_r, (gsize) n_clients * (gsize) n_reads, 0.99),
          n_clients * n_writes, pct_ms (all_w, (gsize) n_clients * (gsize) n_writes, 0.50),
          pct_ms (all_w, (gsize) n_clients * (gsize) n_writes, 0.99), retries, errors,
          (g_get_monotonic_time () - t0) / 1e6);
  if (first_error != NULL)
    fprintf (stderr, "first error: %s\n", first_error);
  for (int i = 0; i < n_clients; i++)
    g_free (clients[i].first_error);
  g_free (clients);
  g_free (threads);
  return errors == 0 ? 0 : 1;
}
