/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-nts-module.c — the table meridian-nts.so exports; see mrd-nts-module.h. Built into the
 * module only. */
#include "net/mrd-nts-module.h"

extern const MrdNtsModule mrd_nts_module_table;

const MrdNtsModule mrd_nts_module_table = {
  .version = MRD_NTS_MODULE_VERSION,
  .trust_new = mrd_nts_trust_new,
  .trust_free = mrd_nts_trust_free,
  .trust_add_pem = mrd_nts_trust_add_pem,
  .ntske_start = mrd_ntske_start,
  .ntske_cancel = mrd_ntske_cancel,
};
