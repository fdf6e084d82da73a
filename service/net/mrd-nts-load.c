/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-nts-load.c — finding, loading and unloading the NTS modules; see mrd-nts-module.h.
 * Linked into the engine; only this file (and mrd-module.c, which loads them) knows the
 * modules are separate objects. */
#include "net/mrd-nts-module.h"

#include "mrd-module.h"

static MrdModule tls_module = MRD_MODULE_INIT ("NTS", MRD_NTS_MODULE_NAME,
                                               MRD_NTS_MODULE_SYMBOL, MRD_NTS_MODULE_VERSION);
static MrdModule aead_module = MRD_MODULE_INIT ("NTS", MRD_NTS_AEAD_MODULE_NAME,
                                                MRD_NTS_AEAD_MODULE_SYMBOL,
                                                MRD_NTS_AEAD_MODULE_VERSION);
static gboolean keep_loaded;

const MrdNtsModule *
mrd_nts_module_load (GError **error)
{
  return mrd_module_load (&tls_module, error);
}

void
mrd_nts_module_unload (void)
{
  if (!keep_loaded)
    mrd_module_unload (&tls_module);
}

gboolean
mrd_nts_module_keep_loaded (GError **error)
{
  keep_loaded = TRUE;
  return mrd_module_load (&tls_module, error) != NULL && mrd_module_load (&aead_module, error) != NULL;
}

gboolean
mrd_nts_module_is_loaded (void)
{
  return tls_module.table != NULL;
}

const MrdNtsAeadModule *
mrd_nts_aead_module_load (GError **error)
{
  return mrd_module_load (&aead_module, error);
}
