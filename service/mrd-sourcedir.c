/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-sourcedir.c — see mrd-sourcedir.h. */
#include "mrd-sourcedir.h"

#include <string.h>
#include <glib/gi18n.h>

struct _MrdSourcedir {
  char *root;             /* as the configuration was read (MrdConfig.root) */
  GStrv dirs;
  char *runtime_path;
  GHashTable *loaded;     /* normalised line → GUINT_TO_POINTER (id): what the files last said */
};

char *
mrd_sourcedir_normalise (const char *line)
{
  g_auto(GStrv) words = g_strsplit_set (line, " \t", -1);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();

  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_ptr_array_add (kept, words[i]);
  g_ptr_array_add (kept, NULL);
  return g_strjoinv (" ", (char **) kept->pdata);
}

MrdSourcedir *
mrd_sourcedir_new (const MrdConfig *config, const char *runtime_path)
{
  MrdSourcedir *self = g_new0 (MrdSourcedir, 1);
  g_autoptr(GStrvBuilder) dirs = g_strv_builder_new ();

  self->root = g_strdup (config->root);
  for (guint i = 0; i < config->sourcedirs->len; i++)
    g_strv_builder_add (dirs, config->sourcedirs->pdata[i]);
  self->dirs = g_strv_builder_end (dirs);
  self->runtime_path = g_strdup (runtime_path);
  self->loaded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
mrd_sourcedir_free (MrdSourcedir *self)
{
  if (self == NULL)
    return;
  g_free (self->root);
  g_strfreev (self->dirs);
  g_free (self->runtime_path);
  g_hash_table_unref (self->loaded);
  g_free (self);
}

void
mrd_sourcedir_adopt (MrdSourcedir *self, const char *line, guint id)
{
  g_hash_table_insert (self->loaded, mrd_sourcedir_normalise (line), GUINT_TO_POINTER (id));
}

void
mrd_sourcedir_changes_clear (MrdSourcedirChanges *changes)
{
  g_clear_pointer (&changes->added, g_ptr_array_unref);
  g_clear_pointer (&changes->removed, g_ptr_array_unref);
  g_clear_pointer (&changes->problems, g_ptr_array_unref);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

void
mrd_sourcedir_reload (MrdSourcedir *self, MrdSync *sync, MrdSourcedirChanges *changes)
{
  g_autoptr(MrdConfig) config = mrd_config_load_sourcedirs (self->root,
                                                            (const char *const *) self->dirs);
  g_autoptr(GPtrArray) runtime = self->runtime_path != NULL
    ? mrd_sync_load_sources_file (self->runtime_path) : g_ptr_array_new ();
  g_autoptr(GHashTable) skip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();   /* indices into config->sources */
  GHashTableIter iter;
  gpointer key;

  changes->added = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  changes->removed = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  changes->problems = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  for (guint i = 0; i < config->diagnostics->len; i++)
    g_ptr_array_add (changes->problems, g_strdup (config->diagnostics->pdata[i]));

  for (guint i = 0; i < runtime->len; i++)
    g_hash_table_add (skip, mrd_sourcedir_normalise (runtime->pdata[i]));
  for (guint i = 0; i < config->sources->len; i++)
    {
      char *norm = mrd_sourcedir_normalise (config->sources->pdata[i]);

      /* The same line twice is one source, as it would be at start. */
      if (g_hash_table_contains (skip, norm) || g_hash_table_contains (wanted, norm))
        {
          g_free (norm);
          continue;
        }
      g_hash_table_add (wanted, norm);
      g_ptr_array_add (order, GUINT_TO_POINTER (i));
    }

  /* Removed first, so that a line whose options changed frees its name for the new one. */
  {
    g_autoptr(GPtrArray) gone = g_ptr_array_new ();

    g_hash_table_iter_init (&iter, self->loaded);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      if (!g_hash_table_contains (wanted, key))
        g_ptr_array_add (gone, key);
    g_ptr_array_sort (gone, compare_strings);
    for (guint i = 0; i < gone->len; i++)
      {
        const char *line = gone->pdata[i];
        guint id = GPOINTER_TO_UINT (g_hash_table_lookup (self->loaded, line));
        g_autoptr(GError) error = NULL;

        /* Removed over D-Bus meanwhile: gone already, nothing to say. */
        if (mrd_sync_has_source (sync, id) && !mrd_sync_remove_source (sync, id, &error))
          g_ptr_array_add (changes->problems,
                           g_strdup_printf (_("Source '%s': %s"), line, error->message));
        else
          g_ptr_array_add (changes->removed, g_strdup (line));
        g_hash_table_remove (self->loaded, line);
      }
  }

  for (guint k = 0; k < order->len; k++)
    {
      guint i = GPOINTER_TO_UINT (order->pdata[k]);
      const char *line = config->sources->pdata[i];
      const char *origin = config->source_origins->pdata[i];
      g_autofree char *norm = mrd_sourcedir_normalise (line);
      g_autoptr(GError) error = NULL;
      guint id;

      if (g_hash_table_contains (self->loaded, norm))
        continue;
      if (!mrd_sync_add_source (sync, line, &id, &error))
        {
          g_autofree char *why = g_strdup_printf (_("Source '%s': %s"), line, error->message);

          g_ptr_array_add (changes->problems, origin != NULL
                             ? g_strdup_printf ("%s: %s", origin, why) : g_steal_pointer (&why));
          continue;
        }
      g_ptr_array_add (changes->added, g_strdup (norm));
      g_hash_table_insert (self->loaded, g_steal_pointer (&norm), GUINT_TO_POINTER (id));
    }

  for (guint i = 0; i < changes->removed->len; i++)
    g_message ("Reloaded sources: removed '%s'", (const char *) changes->removed->pdata[i]);
  for (guint i = 0; i < changes->added->len; i++)
    g_message ("Reloaded sources: added '%s'", (const char *) changes->added->pdata[i]);
  /* The reader has logged the lines that do not parse; the rest is said here. */
  for (guint i = config->diagnostics->len; i < changes->problems->len; i++)
    g_warning ("Reloaded sources: %s", (const char *) changes->problems->pdata[i]);
}
