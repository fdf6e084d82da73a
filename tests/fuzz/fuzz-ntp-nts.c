/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-ntp-nts.c — libFuzzer target: NTS's parsers in service/ntp/ntp-nts.c, which read what
 * an NTS-KE server (over TLS) and any NTP server (in the clear) send. The first byte picks the
 * parser: 2, the saved jar (ntsdumpdir's text, written by the daemon but read back as any
 * bytes); other even values, the NTS-KE response; odd, an NTP reply checked against a jar
 * with a request outstanding. The AEAD is a stand-in that accepts a tag of sixteen 0xAA bytes and "decrypts"
 * by copying, so the fuzzer reaches the encrypted fields' parser too. Whatever is accepted
 * keeps the jar and the response within their bounds.
 */
#include "fuzz-common.h"

#include <string.h>

#include "ntp-nts.h"

static bool
fake_aead (void *ud, bool encrypt, const uint8_t *key, size_t key_len, const uint8_t *nonce,
           size_t nonce_len, const uint8_t *ad, size_t ad_len, const uint8_t *in, size_t in_len,
           uint8_t *out, size_t out_max, size_t *out_len)
{
  (void) ud; (void) key; (void) ad; (void) ad_len;
  FZ_CHECK (key_len == NTS_KEY_LEN && nonce != NULL && nonce_len > 0);
  *out_len = 0;
  if (encrypt || in_len < NTS_SIV_TAG_LEN || in_len - NTS_SIV_TAG_LEN > out_max)
    return false;
  for (size_t i = 0; i < NTS_SIV_TAG_LEN; i++)
    if (in[i] != 0xAA)
      return false;
  memcpy (out, in + NTS_SIV_TAG_LEN, in_len - NTS_SIV_TAG_LEN);
  *out_len = in_len - NTS_SIV_TAG_LEN;
  return true;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static NtsKeResponse r;
  static NtpNtsJar jar;
  static const uint8_t key[NTS_KEY_LEN];

  if (size < 1)
    return 0;
  if (data[0] == 2) {
    NtpNtsJar out;
    char host[NTS_DUMP_ADDRESS_MAX];
    unsigned port = 0;
    NtsDumpResult res = ntp_nts_dump_find ((const char *) data + 1, size - 1, "localhost", 4460,
                                           "127.0.0.1", 1000000000000000000LL, NTS_REFRESH_NS,
                                           &out, host, &port);
    FZ_CHECK ((unsigned) res < NTS_DUMP_N_RESULTS);
    if (res == NTS_DUMP_OK) {
      FZ_CHECK (out.have_keys && out.n_cookies >= 1 && out.n_cookies <= NTS_MAX_COOKIES);
      for (int i = 0; i < out.n_cookies; i++)
        FZ_CHECK (out.cookie_len[i] >= 1 && out.cookie_len[i] <= NTS_COOKIE_MAX_LEN);
      FZ_CHECK (out.ke_ns <= 1000000000000000000LL);
      /* What was accepted writes back to a dump that reads the same. */
      static char buf[NTS_DUMP_MAX_LEN];
      FZ_CHECK (port >= 1 && port <= 65535 && memchr (host, '\0', sizeof host) != NULL);
      NtpNtsDumpRecord rec = { "127.0.0.1", host, port, &out };
      size_t len = ntp_nts_dump_format (buf, sizeof buf, "localhost", 4460, &rec, 1);
      NtpNtsJar again;
      FZ_CHECK (len > 0);
      FZ_CHECK (ntp_nts_dump_find (buf, len, "localhost", 4460, "127.0.0.1",
                                   1000000000000000000LL, NTS_REFRESH_NS, &again, NULL,
                                   NULL) == NTS_DUMP_OK);
      FZ_CHECK (again.n_cookies == out.n_cookies && memcmp (again.c2s, out.c2s, NTS_KEY_LEN) == 0);
    }
    return 0;
  }
  if ((data[0] & 1) == 0) {
    NtsKeResult res = ntp_nts_ke_parse_response (data + 1, size - 1, &r);
    FZ_CHECK ((unsigned) res < NTS_KE_N_RESULTS);
    FZ_CHECK (r.n_cookies >= 0 && r.n_cookies <= NTS_MAX_COOKIES);
    for (int i = 0; i < r.n_cookies; i++)
      FZ_CHECK (r.cookie_len[i] >= 1 && r.cookie_len[i] <= NTS_COOKIE_MAX_LEN);
    if (res == NTS_KE_OK)
      FZ_CHECK (r.n_cookies >= 1 && r.aead == NTS_AEAD_AES_SIV_CMAC_256);
    FZ_CHECK (memchr (r.server, '\0', sizeof r.server) != NULL);
    return 0;
  }
  /* A jar with one cookie left and the request whose identifier is 32 bytes of 0x55. */
  memset (&r, 0, sizeof r);
  r.n_cookies = 1;
  r.cookie_len[0] = 100;
  ntp_nts_jar_fill (&jar, &r, key, key, 0);
  memset (jar.uid, 0x55, sizeof jar.uid);
  jar.uid_outstanding = true;
  NtsReplyResult res = ntp_nts_check_reply (&jar, fake_aead, NULL, data + 1, size - 1);
  FZ_CHECK ((unsigned) res < NTS_REPLY_N_RESULTS);
  FZ_CHECK (jar.n_cookies >= 1 && jar.n_cookies <= NTS_MAX_COOKIES);
  for (int i = 0; i < jar.n_cookies; i++)
    FZ_CHECK (jar.cookie_len[i] >= 1 && jar.cookie_len[i] <= NTS_COOKIE_MAX_LEN);
  FZ_CHECK ((res == NTS_REPLY_OK || res == NTS_REPLY_NAK) == !jar.uid_outstanding);
  FZ_CHECK (jar.nak == (res == NTS_REPLY_NAK));
  return 0;
}
