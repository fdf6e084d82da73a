/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-keyfile.c — see mrd-keyfile.h. */
#include "mrd-keyfile.h"

#include "sync/mrd-keys.h"

struct _MrdKeyfile {
  char *root;   /* as the configuration was read (MrdConfig.root) */
  char *path;   /* the keyfile directive's; NULL: none */
};

MrdKeyfile *
mrd_keyfile_new (const MrdConfig *config)
{
  MrdKeyfile *self = g_new0 (MrdKeyfile, 1);

  self->root = g_strdup (config->root);
  self->path = g_strdup (config->keyfile);
  return self;
}

void
mrd_keyfile_free (MrdKeyfile *self)
{
  if (self == NULL)
    return;
  g_free (self->root);
  g_free (self->path);
  g_free (self);
}

gboolean
mrd_keyfile_reload (MrdKeyfile *self, MrdSync *sync, guint *n_keys, GPtrArray **problems,
                    GError **error)
{
  g_autoptr(MrdConfig) config = NULL;
  g_autoptr(GError) local = NULL;

  *problems = g_ptr_array_new_null_terminated (1, g_free, TRUE);
  *n_keys = 0;
  if (self->path == NULL)
    {
      g_info ("Rekey: no keyfile is configured, nothing to read");
      return TRUE;
    }
  config = mrd_config_load_keyfile (self->root, self->path, &local);
  if (config == NULL)
    {
      g_warning ("Rekey: %s; the keys in use are kept", local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  for (guint i = 0; i < config->diagnostics->len; i++)
    g_ptr_array_add (*problems, g_strdup (config->diagnostics->pdata[i]));
  *n_keys = mrd_keys_count (config->keys);
  mrd_sync_rekey (sync, config->keys);
  g_message ("Rekey: %u key(s) read from %s", *n_keys, self->path);
  return TRUE;
}
