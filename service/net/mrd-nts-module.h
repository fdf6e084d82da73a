/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-nts-module.h — the TLS side of NTS as a module loaded only when a source uses NTS.
 *
 * gnutls and the libraries it brings (nettle, hogweed, gmp, p11-kit, tasn1, idn2, unistring)
 * add about 2.6 MB to the resident size of a process that merely links them, more than the
 * whole engine without them: linked into the engine, every meridiand would pay that, NTS or
 * not. So the NTS-KE client (mrd-ntske.h) and the AEAD (mrd-siv.h) are built as the module
 * meridian-nts.so, installed beside the engine's executable, and the engine loads it
 * (dlopen) at its first NTS source (mrd_nts_module_load). The module exports one table.
 */
#pragma once

#include <glib.h>

#include "net/mrd-ntske.h"
#include "ntp-types.h"

G_BEGIN_DECLS

#define MRD_NTS_MODULE_NAME "meridian-nts.so"
#define MRD_NTS_MODULE_SYMBOL "mrd_nts_module_table"
#define MRD_NTS_MODULE_VERSION 2

typedef struct {
  guint version;
  MrdNtsTrust *(*trust_new) (gboolean system_certs);
  void (*trust_free) (MrdNtsTrust *trust);
  gboolean (*trust_add_pem) (MrdNtsTrust *trust, guint set, const guint8 *pem, gsize len,
                             const char *label, GError **error);
  MrdNtske *(*ntske_start) (MrdNtsTrust *trust, guint certset, const char *name,
                            const MrdNetAddress *address, gboolean check_time,
                            guint timeout_ms, MrdNtskeFunc func, gpointer user_data);
  void (*ntske_cancel) (MrdNtske *ke);
  NtpNtsAead aead;
} MrdNtsModule;

/* The module beside the running executable (/proc/self/exe's directory), loaded at the first
 * call and kept; NULL with an error when it cannot be (then no NTS source sends anything). */
const MrdNtsModule *mrd_nts_module_load (GError **error);

G_END_DECLS
