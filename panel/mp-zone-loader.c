/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mp-zone-loader.h"

typedef struct {
  GDBusProxy *time1;
  MpNames *names;          /* not owned: the caller keeps it alive */
  GVariant *rows;          /* a(sasasdds) from ListZones, when describing one by one */
  int *offsets;
  char **abbreviations;
  guint outstanding;
  guint next;             /* the next row to describe */
  GError *error;
} Load;

/* Calls in flight at once: the bus limits a connection's pending replies (dbus-daemon's
 * max_replies_per_connection; 128 in some configurations), and more would gain nothing. */
#define IN_FLIGHT 32

static void describe_next (GTask *task);

static void
load_free (Load *load)
{
  g_clear_object (&load->time1);
  g_clear_pointer (&load->rows, g_variant_unref);
  g_free (load->offsets);
  g_strfreev (load->abbreviations);
  g_clear_error (&load->error);
  g_free (load);
}

static void
add_row (MpZoneIndex *index, MpNames *names, const char *zone, const char *const *codes,
         const char *const *countries, double lat, double lon, const char *comment, int offset,
         const char *abbreviation)
{
  const char *extra[2 * 8 + 1];
  guint n = 0;
  g_autofree char *city_ko = mp_names_city_korean (names, zone);
  const char *country_ko = codes[0] ? mp_names_country_korean (names, codes[0]) : NULL;

  for (guint i = 0; codes[i] != NULL && i < 8; i++)
    {
      const char *english = mp_names_country_english (names, codes[i]);
      const char *common = mp_names_country_common (names, codes[i]);
      if (english)
        extra[n++] = english;
      if (common)
        extra[n++] = common;
    }
  extra[n] = NULL;
  mp_zone_index_add (index, zone, codes, countries, country_ko, city_ko, comment, lat, lon,
                     offset, abbreviation, extra);
}

static MpZoneIndex *
index_from_rows (GVariant *rows, gboolean live, MpNames *names, const int *offsets,
                 char **abbreviations)
{
  MpZoneIndex *index = mp_zone_index_new ();
  GVariantIter iter;
  g_autoptr(GVariant) row = NULL;
  guint i = 0;

  g_variant_iter_init (&iter, rows);
  while ((row = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *zone, *comment, *abbreviation = "";
      g_autofree const char **codes = NULL, **countries = NULL;
      double lat, lon;
      gint32 offset = 0;

      if (live)
        g_variant_get (row, "(&s^a&s^a&sdd&si&s)", &zone, &codes, &countries, &lat, &lon,
                       &comment, &offset, &abbreviation);
      else
        {
          g_variant_get (row, "(&s^a&s^a&sdd&s)", &zone, &codes, &countries, &lat, &lon,
                         &comment);
          offset = offsets[i];
          abbreviation = abbreviations[i] ? abbreviations[i] : "";
        }
      add_row (index, names, zone, codes, countries, lat, lon, comment, offset, abbreviation);
      g_clear_pointer (&row, g_variant_unref);
      i++;
    }
  return index;
}

typedef struct {
  GTask *task;
  guint i;
} DescribeCall;

static void
described_one (GObject *source, GAsyncResult *res, gpointer user_data)
{
  DescribeCall *call = user_data;
  Load *load = g_task_get_task_data (call->task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), res, &error);
  GTask *task = call->task;

  if (reply != NULL)
    g_variant_get (reply, "(ibsxibs)", &load->offsets[call->i], NULL,
                   &load->abbreviations[call->i], NULL, NULL, NULL, NULL);
  else if (load->error == NULL)
    load->error = g_steal_pointer (&error);
  g_free (call);
  if (load->error == NULL)
    describe_next (task);
  if (--load->outstanding > 0)
    {
      g_object_unref (task);
      return;
    }
  if (load->error != NULL)
    g_task_return_error (task, g_steal_pointer (&load->error));
  else
    g_task_return_pointer (task, index_from_rows (load->rows, FALSE, load->names, load->offsets,
                                                  load->abbreviations),
                           (GDestroyNotify) mp_zone_index_free);
  g_object_unref (task);
}

static void
describe_next (GTask *task)
{
  Load *load = g_task_get_task_data (task);
  g_autoptr(GVariant) row = NULL;
  const char *zone;
  DescribeCall *call;

  if (load->next >= g_variant_n_children (load->rows))
    return;
  row = g_variant_get_child_value (load->rows, load->next);
  g_variant_get_child (row, 0, "&s", &zone);
  call = g_new0 (DescribeCall, 1);
  call->task = g_object_ref (task);
  call->i = load->next++;
  load->outstanding++;
  g_dbus_proxy_call (load->time1, "DescribeZone", g_variant_new ("(sx)", zone, (gint64) 0),
                     G_DBUS_CALL_FLAGS_NONE, -1, g_task_get_cancellable (task), described_one,
                     call);
}

static void
listed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Load *load = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), res, &error);
  guint n;

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  load->rows = g_variant_get_child_value (reply, 0);
  n = g_variant_n_children (load->rows);
  load->offsets = g_new0 (int, n);
  load->abbreviations = g_new0 (char *, n + 1);
  if (n == 0)
    {
      g_task_return_pointer (task, mp_zone_index_new (), (GDestroyNotify) mp_zone_index_free);
      return;
    }
  for (guint i = 0; i < IN_FLIGHT; i++)
    describe_next (task);
}

static void
country_zones_listed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Load *load = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), res, &error);
  g_autoptr(GVariant) rows = NULL;

  if (reply == NULL && g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD))
    {
        {
          /* A service from before ListCountryZones: describe the zones one by one. */
          g_dbus_proxy_call (load->time1, "ListZones", NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                             g_task_get_cancellable (task), listed, g_object_ref (task));
          return;
        }
    }
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  rows = g_variant_get_child_value (reply, 0);
  g_task_return_pointer (task, index_from_rows (rows, TRUE, load->names, NULL, NULL),
                         (GDestroyNotify) mp_zone_index_free);
}

void
mp_zone_loader_load (GDBusProxy *time1, MpNames *names, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Load *load = g_new0 (Load, 1);

  load->time1 = g_object_ref (time1);
  load->names = names;
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  g_dbus_proxy_call (time1, "ListCountryZones", g_variant_new ("(s)", ""), G_DBUS_CALL_FLAGS_NONE,
                     -1, cancellable, country_zones_listed, task);
}

MpZoneIndex *
mp_zone_loader_load_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
