/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-siv.c — AES-SIV-CMAC-256 for NTS; see mrd-siv.h.
 *
 * nettle directly, not through gnutls (whose AES_128_SIV is this same nettle code): the AEAD
 * runs at every NTS packet, and nettle alone is a tenth of what gnutls and its libraries keep
 * resident (net/mrd-nts-module.h). */
#include "net/mrd-siv.h"

#include <string.h>
#include <nettle/siv-cmac.h>

#define SIV_KEY_LEN SIV_CMAC_AES128_KEY_SIZE
#define SIV_TAG_LEN SIV_DIGEST_SIZE

bool
mrd_siv_aead (void *ud, bool encrypt, const uint8_t *key, size_t key_len,
              const uint8_t *nonce, size_t nonce_len, const uint8_t *ad, size_t ad_len,
              const uint8_t *in, size_t in_len, uint8_t *out, size_t out_max, size_t *out_len)
{
  struct siv_cmac_aes128_ctx ctx;
  static const uint8_t empty[1];

  (void) ud;
  *out_len = 0;
  if (key_len != SIV_KEY_LEN || !nonce || nonce_len < SIV_MIN_NONCE_SIZE || (!in && in_len)
      || !out || (!ad && ad_len))
    return false;
  if (encrypt ? out_max < in_len + SIV_TAG_LEN : in_len < SIV_TAG_LEN || out_max < in_len - SIV_TAG_LEN)
    return false;
  siv_cmac_aes128_set_key (&ctx, key);
  if (encrypt)
    {
      siv_cmac_aes128_encrypt_message (&ctx, nonce_len, nonce, ad_len, ad ? ad : empty,
                                       in_len + SIV_TAG_LEN, out, in ? in : empty);
      *out_len = in_len + SIV_TAG_LEN;
      return true;
    }
  /* Nothing of a message that fails its tag is handed on. */
  if (!siv_cmac_aes128_decrypt_message (&ctx, nonce_len, nonce, ad_len, ad ? ad : empty,
                                        in_len - SIV_TAG_LEN, out, in))
    {
      memset (out, 0, in_len - SIV_TAG_LEN);
      return false;
    }
  *out_len = in_len - SIV_TAG_LEN;
  return true;
}
