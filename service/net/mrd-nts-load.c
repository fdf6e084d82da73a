/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-nts-load.c — finding and loading meridian-nts.so; see mrd-nts-module.h. Linked into
 * the engine; only this file knows the module is a separate object. */
#include "net/mrd-nts-module.h"

#include <dlfcn.h>

#include "net/mrd-io-error.h"

const MrdNtsModule *
mrd_nts_module_load (GError **error)
{
  static const MrdNtsModule *table;
  static char *failure;
  g_autofree char *exe = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  void *handle;

  if (table != NULL)
    return table;
  if (failure != NULL)
    {
      g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND, failure);
      return NULL;
    }
  exe = g_file_read_link ("/proc/self/exe", NULL);
  dir = exe != NULL ? g_path_get_dirname (exe) : g_strdup (".");
  path = g_build_filename (dir, MRD_NTS_MODULE_NAME, NULL);
  /* RTLD_LOCAL: its symbols (gnutls's among them) stay its own. */
  handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  if (handle != NULL)
    {
      const MrdNtsModule *t = dlsym (handle, MRD_NTS_MODULE_SYMBOL);

      if (t != NULL && t->version == MRD_NTS_MODULE_VERSION)
        {
          table = t;
          return table;
        }
      failure = g_strdup_printf ("NTS: %s is not this version's module", path);
    }
  else
    failure = g_strdup_printf ("NTS: cannot load %s: %s", path, dlerror ());
  /* Said once: every later NTS source meets the same failure. */
  g_warning ("%s", failure);
  g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND, failure);
  return NULL;
}
