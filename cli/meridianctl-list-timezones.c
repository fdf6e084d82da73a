/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl list-timezones [--country CC]: every zone name set-timezone accepts
 * (ListTimezones), or the zones of one country (one ListCountryZones call). */
#include <glib/gi18n.h>

#include "meridianctl.h"

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static void
print_names (MctlContext *ctx, const char *const *names, guint n)
{
  if (ctx->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_array (b);
      for (guint i = 0; i < n; i++)
        json_builder_add_string_value (b, names[i]);
      json_builder_end_array (b);
      node = json_builder_get_root (b);
      mctl_print_json (node);
      return;
    }
  for (guint i = 0; i < n; i++)
    g_print ("%s\n", names[i]);
}

int
mctl_list_timezones (MctlContext *ctx, int argc, char **argv)
{
  g_autofree char *country = NULL;
  const GOptionEntry entries[] = {
    { "country", 'c', 0, G_OPTION_ARG_STRING, &country,
      N_("Only the zones of this country (ISO 3166 code, e.g. KR)"), N_("CC") },
    { NULL }
  };
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "list-timezones", "", entries);
  g_autoptr(GError) error = NULL;

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc > 1)
    return mctl_usage_error (ctx, "list-timezones", _("list-timezones takes no arguments"));
  if (!mctl_connect (ctx))
    return MCTL_EXIT_UNREACHABLE;

  if (country == NULL)
    {
      g_auto(GStrv) zones = NULL;

      if (ctx->time1 ? !mrd_dbus_time1_call_list_timezones_sync (ctx->time1, &zones, NULL, &error)
                     : !mrd_fdo_timedate1_call_list_timezones_sync (ctx->timedate1, &zones, NULL, &error))
        return mctl_report_error (ctx, _("Cannot list the time zones"), error);
      print_names (ctx, (const char *const *) zones, g_strv_length (zones));
      return MCTL_EXIT_OK;
    }

  if (!mctl_require_meridiand (ctx, "list-timezones --country"))
    return MCTL_EXIT_UNREACHABLE;
  g_autoptr(GPtrArray) rows = mctl_country_zones (ctx, country, &error);
  g_autoptr(GPtrArray) matching = g_ptr_array_new_with_free_func (g_free);

  if (rows == NULL)
    {
      g_autofree char *name = g_dbus_error_get_remote_error (error);
      if (g_strcmp0 (name, "org.meridian.Time1.Error.UnknownCountry") != 0)
        return mctl_report_error (ctx, _("Cannot list the time zones"), error);
      g_printerr (_("No time zones for the country code '%s'.\n"), country);
      g_printerr (_("Use a two-letter ISO 3166 code, such as KR, US or DE.\n"));
      return MCTL_EXIT_INVALID_ARG;
    }
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (matching, g_strdup (((MctlZoneRow *) rows->pdata[i])->zone));
  g_ptr_array_sort (matching, compare_names);
  print_names (ctx, (const char *const *) matching->pdata, matching->len);
  return MCTL_EXIT_OK;
}
