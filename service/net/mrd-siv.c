/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-siv.c — AES-SIV-CMAC-256 for NTS; see mrd-siv.h. */
#include "net/mrd-siv.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#define SIV_KEY_LEN 32
#define SIV_TAG_LEN 16

bool
mrd_siv_aead (void *ud, bool encrypt, const uint8_t *key, size_t key_len,
              const uint8_t *nonce, size_t nonce_len, const uint8_t *ad, size_t ad_len,
              const uint8_t *in, size_t in_len, uint8_t *out, size_t out_max, size_t *out_len)
{
  (void) ud;
  *out_len = 0;
  if (key_len != SIV_KEY_LEN || !nonce || nonce_len == 0 || (!in && in_len) || !out
      || (!ad && ad_len))
    return false;
  if (encrypt ? out_max < in_len + SIV_TAG_LEN : in_len < SIV_TAG_LEN || out_max < in_len - SIV_TAG_LEN)
    return false;

  gnutls_datum_t k = { (unsigned char *) key, (unsigned) key_len };
  gnutls_aead_cipher_hd_t h;
  if (gnutls_aead_cipher_init (&h, GNUTLS_CIPHER_AES_128_SIV, &k) < 0)
    return false;
  /* gnutls reads the plaintext pointer even for 0 bytes */
  static const uint8_t empty[1];
  size_t n = out_max;
  int r = encrypt
    ? gnutls_aead_cipher_encrypt (h, nonce, nonce_len, ad ? ad : empty, ad_len, SIV_TAG_LEN,
                                  in ? in : empty, in_len, out, &n)
    : gnutls_aead_cipher_decrypt (h, nonce, nonce_len, ad ? ad : empty, ad_len, SIV_TAG_LEN,
                                  in, in_len, out, &n);
  gnutls_aead_cipher_deinit (h);
  if (r < 0)
    return false;
  *out_len = n;
  return true;
}
