/* mrd-sources.c — see mrd-sources.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-sources.h"
#include "mrd-config.h"
#include "mrd-error.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>

struct _MrdSources {
  GDBusObjectManagerServer *manager;
  MrdAuth *auth;                       /* not owned */
  MrdDBusTime1Sources *skeleton;
  GHashTable *objects;                 /* object path → MrdDBusObjectSkeleton */
  guint next_index;
};

void
mrd_source_spec_free (MrdSourceSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->mode);
  g_free (spec->address);
  g_strfreev (spec->options);
  g_free (spec);
}

static gboolean
looks_like_value (const char *word)
{
  return g_ascii_isdigit (word[0]) || word[0] == '-' || word[0] == '+' || word[0] == '.';
}

MrdSourceSpec *
mrd_source_spec_parse (const char *line, GError **error)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  g_autoptr(MrdSourceSpec) spec = NULL;
  g_autoptr(GStrvBuilder) options = g_strv_builder_new ();
  g_autofree char *why = NULL;
  g_auto(GStrv) words = NULL;
  MrdConfigLineResult result;
  guint i;

  result = mrd_config_parse_line (config, line, &why);
  if (result == MRD_CONFIG_LINE_OK && config->sources->len == 1)
    {
      /* The config reader normalised the whitespace. */
      words = g_strsplit (g_ptr_array_index (config->sources, 0), " ", -1);
    }
  else
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   _("Not a source line (\"server|pool|peer ADDRESS [options]\"): %s"),
                   why != NULL ? why : _("no server, pool or peer directive"));
      return NULL;
    }

  spec = g_new0 (MrdSourceSpec, 1);
  spec->mode = g_strdup (words[0]);
  spec->address = g_strdup (words[1]);
  spec->minpoll = 6;
  for (i = 2; words[i] != NULL; i++)
    {
      if (words[i + 1] != NULL && looks_like_value (words[i + 1]))
        {
          g_autofree char *pair = g_strdup_printf ("%s %s", words[i], words[i + 1]);

          if (strcmp (words[i], "minpoll") == 0)
            spec->minpoll = atoi (words[i + 1]);
          g_strv_builder_add (options, pair);
          i++;
        }
      else
        g_strv_builder_add (options, words[i]);
    }
  spec->options = g_strv_builder_end (options);
  return g_steal_pointer (&spec);
}

/* ---- the objects ------------------------------------------------------------------------ */

char *
mrd_sources_add (MrdSources *sources, const char *line, GError **error)
{
  g_autoptr(MrdSourceSpec) spec = mrd_source_spec_parse (line, error);
  g_autoptr(MrdDBusObjectSkeleton) object = NULL;
  g_autoptr(MrdDBusTime1Source) source = NULL;
  g_autofree char *path = NULL;

  if (spec == NULL)
    return NULL;

  path = g_strdup_printf (MRD_SOURCES_PATH_PREFIX "%u", sources->next_index++);
  object = mrd_dbus_object_skeleton_new (path);
  source = mrd_dbus_time1_source_skeleton_new ();
  /* Not resolved yet (resolving is the NTP engine's job): the name stands for the address. */
  g_object_set (source,
                "name", spec->address,
                "address", spec->address,
                "mode", spec->mode,
                "state", "unusable",
                "stratum", (guchar) 0,
                "poll", (gint16) spec->minpoll,
                "reach", (guchar) 0,
                "last-rx-ago", -1.0,
                "options", (const char *const *) spec->options,
                NULL);
  mrd_dbus_object_skeleton_set_time1_source (object, source);
  g_dbus_object_manager_server_export (sources->manager, G_DBUS_OBJECT_SKELETON (object));
  g_hash_table_insert (sources->objects, g_strdup (path), g_object_ref (object));
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "SOURCE", spec->address,
                    "SOURCE_PATH", path,
                    "MESSAGE", "Added NTP source %s (%s) as %s", spec->address, spec->mode, path);
  return g_steal_pointer (&path);
}

gboolean
mrd_sources_remove (MrdSources *sources, const char *object_path, GError **error)
{
  if (!g_hash_table_contains (sources->objects, object_path))
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, _("No source %s"),
                   object_path);
      return FALSE;
    }
  g_dbus_object_manager_server_unexport (sources->manager, object_path);
  g_hash_table_remove (sources->objects, object_path);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "SOURCE_PATH", object_path,
                    "MESSAGE", "Removed NTP source %s", object_path);
  return TRUE;
}

guint
mrd_sources_get_count (MrdSources *sources)
{
  return g_hash_table_size (sources->objects);
}

/* ---- the methods: validate → authorize → change ----------------------------------------- */

/* The invocation's reference belongs to the method until one g_dbus_method_invocation_return_*
 * (or complete_*) call consumes it; SourcesCall only carries it across the polkit check. */
typedef struct {
  MrdSources *sources;
  GDBusMethodInvocation *invocation;
  char *arg;
} SourcesCall;

static void
on_sources_authorized (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  SourcesCall *call = user_data;
  MrdSources *sources = call->sources;
  GDBusMethodInvocation *invocation = call->invocation;
  g_autofree char *arg = call->arg;
  g_autoptr(GError) error = NULL;
  const char *method = g_dbus_method_invocation_get_method_name (invocation);

  g_free (call);
  if (!mrd_auth_check_finish (sources->auth, result, &error))
    {
      mrd_error_return (invocation, error);
      return;
    }

  if (strcmp (method, "AddSource") == 0)
    {
      g_autofree char *path = mrd_sources_add (sources, arg, &error);

      if (path == NULL)
        mrd_error_return (invocation, error);
      else
        mrd_dbus_time1_sources_complete_add_source (sources->skeleton, invocation, path);
    }
  else if (strcmp (method, "RemoveSource") == 0)
    {
      if (!mrd_sources_remove (sources, arg, &error))
        mrd_error_return (invocation, error);
      else
        mrd_dbus_time1_sources_complete_remove_source (sources->skeleton, invocation);
    }
  else
    {
      /* Burst / MakeStep: authorized; with no NTP engine running yet there is no measurement
       * to hurry and no offset to step, which is what chronyc would report as "200 OK". */
      g_info ("%s: no NTP engine is running yet, nothing to do", method);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
}

static void
authorize (MrdSources *sources, GDBusMethodInvocation *invocation, const char *arg,
           gboolean interactive)
{
  SourcesCall *call = g_new0 (SourcesCall, 1);

  call->sources = sources;
  call->invocation = invocation;
  call->arg = g_strdup (arg);
  mrd_auth_check_async (sources->auth, invocation, interactive, on_sources_authorized, call);
}

static gboolean
handle_add_source (MrdDBusTime1Sources *object, GDBusMethodInvocation *invocation,
                   const char *spec_line, gboolean interactive, MrdSources *sources)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdSourceSpec) spec = mrd_source_spec_parse (spec_line, &error);

  if (spec == NULL)
    mrd_error_return (invocation, error);
  else
    authorize (sources, invocation, spec_line, interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_remove_source (MrdDBusTime1Sources *object, GDBusMethodInvocation *invocation,
                      const char *path, gboolean interactive, MrdSources *sources)
{
  if (!g_hash_table_contains (sources->objects, path))
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                           _("No source %s"), path);
  else
    authorize (sources, invocation, path, interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_simple (MrdDBusTime1Sources *object, GDBusMethodInvocation *invocation,
               gboolean interactive, MrdSources *sources)
{
  authorize (sources, invocation, NULL, interactive);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

MrdSources *
mrd_sources_new (GDBusObjectManagerServer *manager, MrdAuth *auth)
{
  MrdSources *sources = g_new0 (MrdSources, 1);

  sources->manager = g_object_ref (manager);
  sources->auth = auth;
  sources->objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  sources->skeleton = mrd_dbus_time1_sources_skeleton_new ();
  g_signal_connect (sources->skeleton, "handle-add-source", G_CALLBACK (handle_add_source),
                    sources);
  g_signal_connect (sources->skeleton, "handle-remove-source",
                    G_CALLBACK (handle_remove_source), sources);
  g_signal_connect (sources->skeleton, "handle-burst", G_CALLBACK (handle_simple), sources);
  g_signal_connect (sources->skeleton, "handle-make-step", G_CALLBACK (handle_simple), sources);
  return sources;
}

GDBusInterfaceSkeleton *
mrd_sources_get_skeleton (MrdSources *sources)
{
  return G_DBUS_INTERFACE_SKELETON (sources->skeleton);
}

void
mrd_sources_free (MrdSources *sources)
{
  if (sources == NULL)
    return;
  g_signal_handlers_disconnect_by_data (sources->skeleton, sources);
  g_hash_table_unref (sources->objects);
  g_object_unref (sources->skeleton);
  g_object_unref (sources->manager);
  g_free (sources);
}
