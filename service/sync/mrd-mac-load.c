/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-mac-load.c — loading meridian-mac.so; see mrd-mac-module.h. Linked into the engine. */
#include "sync/mrd-mac-module.h"

#include "mrd-module.h"

static MrdModule mac_module = MRD_MODULE_INIT ("keys", MRD_MAC_MODULE_NAME,
                                               MRD_MAC_MODULE_SYMBOL, MRD_MAC_MODULE_VERSION);

const MrdMacModule *
mrd_mac_module_load (GError **error)
{
  return mrd_module_load (&mac_module, error);
}
