/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-nts-load.c — finding, loading and unloading the NTS modules; see mrd-nts-module.h.
 * Linked into the engine; only this file knows the modules are separate objects. */
#include "net/mrd-nts-module.h"

#include <dlfcn.h>

#include "net/mrd-io-error.h"

typedef struct {
  const char *name;
  const char *symbol;
  guint version;
  void *handle;
  const void *table;     /* the exported table, its version checked; NULL when not loaded */
  char *failure;         /* why it could not be loaded: said once, kept */
} Module;

static Module tls_module = { MRD_NTS_MODULE_NAME, MRD_NTS_MODULE_SYMBOL,
                             MRD_NTS_MODULE_VERSION, NULL, NULL, NULL };
static Module aead_module = { MRD_NTS_AEAD_MODULE_NAME, MRD_NTS_AEAD_MODULE_SYMBOL,
                              MRD_NTS_AEAD_MODULE_VERSION, NULL, NULL, NULL };
static gboolean keep_loaded;

/* Each table starts with its version. */
typedef struct {
  guint version;
} VersionedTable;

static const void *
module_load (Module *m, GError **error)
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
      m->failure = g_strdup_printf ("NTS: %s is not this version's module", path);
    }
  else
    m->failure = g_strdup_printf ("NTS: cannot load %s: %s", path, dlerror ());
  /* Said once: every later NTS source meets the same failure. */
  g_warning ("%s", m->failure);
  g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND, m->failure);
  return NULL;
}

const MrdNtsModule *
mrd_nts_module_load (GError **error)
{
  return module_load (&tls_module, error);
}

void
mrd_nts_module_unload (void)
{
  if (keep_loaded || tls_module.handle == NULL)
    return;
  tls_module.table = NULL;
  if (dlclose (g_steal_pointer (&tls_module.handle)) != 0)
    g_debug ("NTS: unloading %s: %s", tls_module.name, dlerror ());
}

gboolean
mrd_nts_module_keep_loaded (GError **error)
{
  keep_loaded = TRUE;
  return module_load (&tls_module, error) != NULL && module_load (&aead_module, error) != NULL;
}

gboolean
mrd_nts_module_is_loaded (void)
{
  return tls_module.table != NULL;
}

const MrdNtsAeadModule *
mrd_nts_aead_module_load (GError **error)
{
  return module_load (&aead_module, error);
}
