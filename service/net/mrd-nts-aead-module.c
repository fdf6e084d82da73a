/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-nts-aead-module.c — the table meridian-nts-aead.so exports; see mrd-nts-module.h.
 * Built into that module only. */
#include "net/mrd-nts-module.h"

#include "net/mrd-siv.h"

extern const MrdNtsAeadModule mrd_nts_aead_module_table;

const MrdNtsAeadModule mrd_nts_aead_module_table = {
  .version = MRD_NTS_AEAD_MODULE_VERSION,
  .aead = mrd_siv_aead,
};
