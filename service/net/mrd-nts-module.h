/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-nts-module.h — NTS as two modules loaded only when a source uses NTS.
 *
 * gnutls and the libraries it brings (nettle, hogweed, gmp, p11-kit, tasn1, idn2, unistring)
 * add about 2.6 MB to the resident size of a process that merely links them, more than the
 * whole engine without them: linked into the engine, every meridiand would pay that, NTS or
 * not. So NTS lives in two modules beside the engine's executable, each loaded (dlopen) at
 * its first use:
 * - meridian-nts.so, the TLS side (the NTS-KE client, mrd-ntske.h, over gnutls). A key
 *   exchange runs at a source's start and when its cookies run out or ntsrefresh comes due
 *   (two weeks by default), a second or so each time; between them the module is unloaded
 *   (mrd_nts_module_unload), and gnutls with it: about 2.6 MB of the engine's resident size
 *   that chronyd, linking gnutls, keeps for good. (p11-kit, marked not to be unloaded, stays:
 *   about 0.45 MB.)
 * - meridian-nts-aead.so, the AEAD (mrd-siv.h, nettle alone, about 0.3 MB), used at every
 *   NTS packet and kept.
 * Where a module cannot be loaded again later (an engine in a chroot, which leaves the
 * modules and the libraries outside it), both are loaded before the sandbox and
 * mrd_nts_module_keep_loaded() says so: unloading is then a no-op.
 */
#pragma once

#include <glib.h>

#include "net/mrd-ntske.h"
#include "ntp-types.h"

G_BEGIN_DECLS

#define MRD_NTS_MODULE_NAME "meridian-nts.so"
#define MRD_NTS_MODULE_SYMBOL "mrd_nts_module_table"
#define MRD_NTS_MODULE_VERSION 4

#define MRD_NTS_AEAD_MODULE_NAME "meridian-nts-aead.so"
#define MRD_NTS_AEAD_MODULE_SYMBOL "mrd_nts_aead_module_table"
#define MRD_NTS_AEAD_MODULE_VERSION 1

typedef struct {
  guint version;
  MrdNtsTrust *(*trust_new) (gboolean system_certs);
  void (*trust_free) (MrdNtsTrust *trust);
  gboolean (*trust_add_pem) (MrdNtsTrust *trust, guint set, const guint8 *pem, gsize len,
                             const char *label, GError **error);
  MrdNtske *(*ntske_start) (MrdNtsTrust *trust, guint certset, const char *name,
                            const MrdNetAddress *address, int fd, gboolean check_time,
                            guint timeout_ms, MrdNtskeFunc func, gpointer user_data);
  void (*ntske_cancel) (MrdNtske *ke);
} MrdNtsModule;

typedef struct {
  guint version;
  NtpNtsAead aead;
} MrdNtsAeadModule;

/* The TLS module beside the running executable (/proc/self/exe's directory), loaded at the
 * first call after none or after mrd_nts_module_unload(); NULL with an error when it cannot
 * be (then no NTS source sends anything). */
const MrdNtsModule *mrd_nts_module_load (GError **error);
/* Unload the TLS module: nothing of it may be in use (no trust, no key exchange running, no
 * call of its code on the stack). The table mrd_nts_module_load() returned is gone with it. */
void mrd_nts_module_unload (void);
/* Load both modules now and never unload them (an engine about to enter a chroot). */
gboolean mrd_nts_module_keep_loaded (GError **error);
/* Whether the TLS module is mapped now (tests, and the memory it costs). */
gboolean mrd_nts_module_is_loaded (void);
/* The AEAD module, loaded at the first call and kept. */
const MrdNtsAeadModule *mrd_nts_aead_module_load (GError **error);

G_END_DECLS
