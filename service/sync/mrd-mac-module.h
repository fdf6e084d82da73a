/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-mac-module.h — the MACs of the key types GLib does not compute, in a module.
 *
 * chronyd built with nettle (as Debian's is) takes in its key file SHA3-224, SHA3-256,
 * SHA3-384 and SHA3-512 (a digest of the key followed by the packet, as for MD5 and SHA-2)
 * and AES128 and AES256, whose MAC is the CMAC of the packet under the key (RFC 4493; 16
 * bytes). GLib's GChecksum computes neither, so these come from nettle, in meridian-mac.so
 * beside the executables (mrd-module.h): loaded when a source with such a key first sends
 * and kept, so a daemon whose keys are MD5 or SHA-2, or that has none, never maps nettle.
 * An engine bound for a chroot loads it before (privsep/mrd-engine-child.c).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  MRD_MAC_SHA3_224 = 1,
  MRD_MAC_SHA3_256,
  MRD_MAC_SHA3_384,
  MRD_MAC_SHA3_512,
  MRD_MAC_AES128_CMAC,
  MRD_MAC_AES256_CMAC,
} MrdMacAlgorithm;

/* The MAC of @data under @key with @algorithm, at most @max_len bytes of it in @out; returns
 * the bytes written, 0 for an unknown algorithm or (CMAC) a key of the wrong length. */
typedef gsize (*MrdMacFunc) (MrdMacAlgorithm algorithm, const guint8 *key, gsize key_len,
                             const guint8 *data, gsize len, guint8 *out, gsize max_len);

#define MRD_MAC_MODULE_NAME "meridian-mac.so"
#define MRD_MAC_MODULE_SYMBOL "mrd_mac_module_table"
#define MRD_MAC_MODULE_VERSION 1

typedef struct {
  guint version;
  MrdMacFunc mac;
} MrdMacModule;

/* The module, loaded at the first call and kept; NULL with an error when it cannot be. */
const MrdMacModule *mrd_mac_module_load (GError **error);

/* The module's function itself (sync/mrd-mac-nettle.c), for the module's table and for
 * tests that link it. */
gsize mrd_mac_nettle (MrdMacAlgorithm algorithm, const guint8 *key, gsize key_len,
                      const guint8 *data, gsize len, guint8 *out, gsize max_len);

G_END_DECLS
