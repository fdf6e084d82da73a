/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-siv.h — AEAD_AES_SIV_CMAC_256 (RFC 5297) through nettle: the NTS AEAD hook the NTP core
 * calls (NtpNtsAead, service/ntp/ntp-types.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NtpNtsAead: `ud` is unused. nettle's SIV-CMAC takes exactly one associated data and a nonce
 * of at least one byte (it asserts on an empty one, so that is refused here first). */
bool mrd_siv_aead (void *ud, bool encrypt, const uint8_t *key, size_t key_len,
                   const uint8_t *nonce, size_t nonce_len, const uint8_t *ad, size_t ad_len,
                   const uint8_t *in, size_t in_len, uint8_t *out, size_t out_max,
                   size_t *out_len);
