/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-mac-nettle.c — SHA3 digests and AES-CMAC with nettle, and the table meridian-mac.so
 * exports; see mrd-mac-module.h. Built into that module (and tests) only. */
#include "sync/mrd-mac-module.h"

#include <string.h>

#include <nettle/cmac.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha3.h>

extern const MrdMacModule mrd_mac_module_table;

const MrdMacModule mrd_mac_module_table = {
  .version = MRD_MAC_MODULE_VERSION,
  .mac = mrd_mac_nettle,
};

/* The SHA3 hashes by algorithm; their MAC is the digest of key || data (RFC 5905 §7.3). */
static const struct nettle_hash *
sha3_hash (MrdMacAlgorithm algorithm)
{
  switch (algorithm)
    {
    case MRD_MAC_SHA3_224: return &nettle_sha3_224;
    case MRD_MAC_SHA3_256: return &nettle_sha3_256;
    case MRD_MAC_SHA3_384: return &nettle_sha3_384;
    case MRD_MAC_SHA3_512: return &nettle_sha3_512;
    default: return NULL;
    }
}

static gsize
digest_mac (const struct nettle_hash *hash, const guint8 *key, gsize key_len,
            const guint8 *data, gsize len, guint8 *digest)
{
  /* A SHA3 context is about 350 bytes; this holds the largest. */
  union { struct sha3_224_ctx a; struct sha3_512_ctx b; } ctx;

  g_assert (hash->context_size <= sizeof ctx);
  hash->init (&ctx);
  hash->update (&ctx, key_len, key);
  hash->update (&ctx, len, data);
  hash->digest (&ctx, hash->digest_size, digest);
  memset (&ctx, 0, sizeof ctx);
  return hash->digest_size;
}

/* The CMAC of data under the key (RFC 4493), as chronyd makes it for its AES key types; 0
 * for a key not of the cipher's length (chronyd refuses such a key when it reads it). */
static gsize
cmac (const struct nettle_mac *mac, const guint8 *key, gsize key_len, const guint8 *data,
      gsize len, guint8 *digest)
{
  union { struct cmac_aes128_ctx a; struct cmac_aes256_ctx b; } ctx;

  g_assert (mac->context_size <= sizeof ctx);
  if (key_len != mac->key_size)
    return 0;
  mac->set_key (&ctx, key);
  mac->update (&ctx, len, data);
  mac->digest (&ctx, mac->digest_size, digest);
  memset (&ctx, 0, sizeof ctx);
  return mac->digest_size;
}

gsize
mrd_mac_nettle (MrdMacAlgorithm algorithm, const guint8 *key, gsize key_len, const guint8 *data,
                gsize len, guint8 *out, gsize max_len)
{
  guint8 digest[SHA3_512_DIGEST_SIZE];
  gsize n = 0;

  switch (algorithm)
    {
    case MRD_MAC_SHA3_224:
    case MRD_MAC_SHA3_256:
    case MRD_MAC_SHA3_384:
    case MRD_MAC_SHA3_512:
      n = digest_mac (sha3_hash (algorithm), key, key_len, data, len, digest);
      break;
    case MRD_MAC_AES128_CMAC:
    case MRD_MAC_AES256_CMAC:
      n = cmac (algorithm == MRD_MAC_AES128_CMAC ? &nettle_cmac_aes128 : &nettle_cmac_aes256,
                key, key_len, data, len, digest);
      break;
    default:
      return 0;
    }
  if (n > max_len)
    n = max_len;
  memcpy (out, digest, n);
  memset (digest, 0, sizeof digest);
  return n;
}
