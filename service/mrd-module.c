/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-module.c — loading a module beside the executable; see mrd-module.h. */
#include "mrd-module.h"

#include <dlfcn.h>

#include "net/mrd-io-error.h"

/* Each table starts with its version. */
typedef struct {
  guint version;
} VersionedTable;

const void *
mrd_module_load (MrdModule *m, GError **error)
{
  g_autofree char *exe = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  void *handle;

  if (m->table != NULL)
    return m->table;
  if (m->failure != NULL)
    {
      g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND, m->failure);
      return NULL;
    }
  exe = g_file_read_link ("/proc/self/exe", NULL);
  dir = exe != NULL ? g_path_get_dirname (exe) : g_strdup (".");
  path = g_build_filename (dir, m->name, NULL);
  /* RTLD_LOCAL: its symbols (gnutls's among them) stay its own. */
  handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  if (handle != NULL)
    {
      const VersionedTable *t = dlsym (handle, m->symbol);

      if (t != NULL && t->version == m->version)
        {
          m->handle = handle;
          m->table = t;
          return t;
        }
      dlclose (handle);
      m->failure = g_strdup_printf ("%s: %s is not this version's module", m->purpose, path);
    }
  else
    m->failure = g_strdup_printf ("%s: cannot load %s: %s", m->purpose, path, dlerror ());
  /* Said once: every later use meets the same failure. */
  g_warning ("%s", m->failure);
  g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND, m->failure);
  return NULL;
}

void
mrd_module_unload (MrdModule *m)
{
  if (m->handle == NULL)
    return;
  m->table = NULL;
  if (dlclose (g_steal_pointer (&m->handle)) != 0)
    g_debug ("%s: unloading %s: %s", m->purpose, m->name, dlerror ());
}
