/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NTS in the NTP core (service/ntp/ntp-nts.c) with the daemon's AEAD hook
 * (service/net/mrd-siv.c, nettle): AES-SIV against a vector from another implementation, the
 * NTS-KE records (every malformed kind refused), the request's extension fields as a server
 * reads them, and the reply check (wrong identifier, bad tag, cookies outside the encrypted
 * part, NAK). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "mrd-sync.h"
#include "net/mrd-siv.h"
#include "ntp-engine.h"
#include "ntp-packet.h"

static void
unhex (const char *hex, uint8_t *out, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    sscanf (hex + 2 * i, "%2x", &v);
    out[i] = (uint8_t) v;
  }
}

/* RFC 5297 A.2's key, first associated data, nonce and plaintext. nettle's SIV takes one
 * associated data and the nonce (S2V over AD, N, P), so A.2's second AD is left out and A.1
 * (no nonce) cannot be expressed; the expected output comes from Python's `cryptography`
 * (AESSIV(key).encrypt(P, [AD1, N])), which reproduces both of RFC 5297's vectors exactly. */
static void
siv_matches_an_independent_implementation (void **state)
{
  (void) state;
  uint8_t key[32], ad[40], nonce[16], pt[47], want[63], out[80], back[80];
  size_t n = 0;
  unhex ("7f7e7d7c7b7a79787776757473727170404142434445464748494a4b4c4d4e4f", key, 32);
  unhex ("00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100", ad, 40);
  unhex ("09f911029d74e35bd84156c5635688c0", nonce, 16);
  unhex ("7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d414553", pt, 47);
  unhex ("85825e22e90cf2ddda2c548dc7c1b6310dcdaca0cebf9dc6cb90583f5bf1506e02cd48832b00e4e598b2b22a53e6199d4df0c1666a35a0433b250dc134d776", want, 63);
  assert_true (mrd_siv_aead (NULL, true, key, 32, nonce, 16, ad, 40, pt, 47, out, sizeof out, &n));
  assert_int_equal (n, 63);
  assert_memory_equal (out, want, 63);
  assert_true (mrd_siv_aead (NULL, false, key, 32, nonce, 16, ad, 40, out, 63, back, sizeof back, &n));
  assert_int_equal (n, 47);
  assert_memory_equal (back, pt, 47);
  /* one bit of the tag, of the ciphertext, of the AD: refused */
  out[0] ^= 1;
  assert_false (mrd_siv_aead (NULL, false, key, 32, nonce, 16, ad, 40, out, 63, back, sizeof back, &n));
  out[0] ^= 1;
  out[40] ^= 0x80;
  assert_false (mrd_siv_aead (NULL, false, key, 32, nonce, 16, ad, 40, out, 63, back, sizeof back, &n));
  out[40] ^= 0x80;
  ad[3] ^= 4;
  assert_false (mrd_siv_aead (NULL, false, key, 32, nonce, 16, ad, 40, out, 63, back, sizeof back, &n));
  ad[3] ^= 4;
  /* an empty nonce (nettle would abort), a short key, a short output: refused, not a crash */
  assert_false (mrd_siv_aead (NULL, false, key, 32, nonce, 0, ad, 40, out, 63, back, sizeof back, &n));
  assert_false (mrd_siv_aead (NULL, true, key, 16, nonce, 16, ad, 40, pt, 47, out, sizeof out, &n));
  assert_false (mrd_siv_aead (NULL, true, key, 32, nonce, 16, ad, 40, pt, 47, out, 62, &n));
  assert_false (mrd_siv_aead (NULL, false, key, 32, nonce, 16, ad, 40, out, 15, back, sizeof back, &n));
}

static void
ke_request_is_the_three_critical_records (void **state)
{
  (void) state;
  uint8_t buf[32];
  static const uint8_t want[16] = { 0x80, 0x01, 0, 2, 0, 0, 0x80, 0x04, 0, 2, 0, 15,
                                    0x80, 0, 0, 0 };
  assert_int_equal (ntp_nts_ke_encode_request (buf, sizeof buf), 16);
  assert_memory_equal (buf, want, 16);
  assert_int_equal (ntp_nts_ke_encode_request (buf, 15), 0);
  uint8_t ctx[5];
  ntp_nts_exporter_context (ctx, false);
  assert_memory_equal (ctx, "\0\0\0\x0f\0", 5);
  ntp_nts_exporter_context (ctx, true);
  assert_memory_equal (ctx, "\0\0\0\x0f\1", 5);
}

/* A response builder: records appended one by one. */
typedef struct {
  uint8_t b[8192];
  size_t n;
} Ke;

static void
rec (Ke *k, uint16_t word, const void *body, size_t len)
{
  k->b[k->n++] = (uint8_t) (word >> 8);
  k->b[k->n++] = (uint8_t) word;
  k->b[k->n++] = (uint8_t) (len >> 8);
  k->b[k->n++] = (uint8_t) len;
  if (len)
    memcpy (k->b + k->n, body, len);
  k->n += len;
}

static void
rec16 (Ke *k, uint16_t word, uint16_t v)
{
  uint8_t b[2] = { (uint8_t) (v >> 8), (uint8_t) v };
  rec (k, word, b, 2);
}

#define C 0x8000

static void
good_start (Ke *k)
{
  k->n = 0;
  rec16 (k, C | NTS_KE_NEXT_PROTOCOL, 0);
  rec16 (k, C | NTS_KE_AEAD, 15);
}

static void
add_cookies (Ke *k, int n, size_t len)
{
  uint8_t c[300];
  for (int i = 0; i < n; i++) {
    memset (c, 'a' + i, sizeof c);
    rec (k, NTS_KE_COOKIE, c, len);
  }
}

static NtsKeResult
parse (const Ke *k, NtsKeResponse *r)
{
  return ntp_nts_ke_parse_response (k->b, k->n, r);
}

static void
ke_response_is_parsed (void **state)
{
  (void) state;
  Ke k;
  static NtsKeResponse r;
  good_start (&k);
  rec (&k, 0x4321, "xyz", 3);                       /* unknown, not critical: skipped */
  add_cookies (&k, 9, 100);                         /* the ninth is more than the jar holds */
  rec (&k, NTS_KE_SERVER, "ntp.example.org", 15);
  rec16 (&k, NTS_KE_PORT, 1123);
  rec (&k, C | NTS_KE_END_OF_MESSAGE, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_OK);
  assert_int_equal (r.n_cookies, 8);
  assert_int_equal (r.cookie_len[7], 100);
  assert_int_equal (r.cookies[7][0], 'h');
  assert_string_equal (r.server, "ntp.example.org");
  assert_int_equal (r.port, 1123);
  assert_int_equal (r.aead, 15);
  assert_int_equal (r.error, -1);
  /* every prefix is incomplete, never OK or an error */
  for (size_t cut = 0; cut < k.n; cut++)
    assert_int_equal (ntp_nts_ke_parse_response (k.b, cut, &r), NTS_KE_INCOMPLETE);
}

static void
ke_malformed_records_are_refused (void **state)
{
  (void) state;
  Ke k;
  static NtsKeResponse r;
  uint8_t big[300] = { 0 };

  /* End of Message without its critical bit; with a body; bytes after it */
  good_start (&k); add_cookies (&k, 1, 64); rec (&k, NTS_KE_END_OF_MESSAGE, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_BAD_CRITICAL);
  good_start (&k); add_cookies (&k, 1, 64); rec (&k, C, "x", 1);
  assert_int_equal (parse (&k, &r), NTS_KE_MALFORMED);
  good_start (&k); add_cookies (&k, 1, 64); rec (&k, C, NULL, 0); k.b[k.n++] = 0;
  assert_int_equal (parse (&k, &r), NTS_KE_MALFORMED);
  /* Next Protocol not critical, odd length, twice, not NTPv4, empty (all refused) */
  k.n = 0; rec16 (&k, NTS_KE_NEXT_PROTOCOL, 0); rec16 (&k, C | NTS_KE_AEAD, 15);
  add_cookies (&k, 1, 64); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_BAD_CRITICAL);
  k.n = 0; rec (&k, C | NTS_KE_NEXT_PROTOCOL, "\0\0\0", 3); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_MALFORMED);
  good_start (&k); rec16 (&k, C | NTS_KE_NEXT_PROTOCOL, 0); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_MALFORMED);
  k.n = 0; rec16 (&k, C | NTS_KE_NEXT_PROTOCOL, 1); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_BAD_PROTOCOL);
  k.n = 0; rec (&k, C | NTS_KE_NEXT_PROTOCOL, NULL, 0); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_BAD_PROTOCOL);
  k.n = 0; rec16 (&k, C | NTS_KE_AEAD, 15); add_cookies (&k, 1, 64); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_BAD_PROTOCOL);
  /* AEAD: another algorithm, two of them, missing */
  k.n = 0; rec16 (&k, C | NTS_KE_NEXT_PROTOCOL, 0); rec16 (&k, C | NTS_KE_AEAD, 17);
  assert_int_equal (parse (&k, &r), NTS_KE_BAD_AEAD);
  k.n = 0; rec16 (&k, C | NTS_KE_NEXT_PROTOCOL, 0); rec (&k, NTS_KE_AEAD, "\0\x0f\0\x0f", 4);
  assert_int_equal (parse (&k, &r), NTS_KE_BAD_AEAD);
  k.n = 0; rec16 (&k, C | NTS_KE_NEXT_PROTOCOL, 0); add_cookies (&k, 1, 64); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_BAD_AEAD);
  /* cookies: none, critical, empty, overlong */
  good_start (&k); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_NO_COOKIES);
  good_start (&k); rec (&k, C | NTS_KE_COOKIE, big, 64); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_BAD_CRITICAL);
  good_start (&k); rec (&k, NTS_KE_COOKIE, big, 0); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_MALFORMED);
  good_start (&k); rec (&k, NTS_KE_COOKIE, big, 257); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_MALFORMED);
  /* server and port negotiation: bad names, bad lengths, twice */
  good_start (&k); add_cookies (&k, 1, 64); rec (&k, NTS_KE_SERVER, "a b", 3); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_MALFORMED);
  good_start (&k); add_cookies (&k, 1, 64); rec (&k, NTS_KE_SERVER, NULL, 0); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_MALFORMED);
  good_start (&k); add_cookies (&k, 1, 64); rec (&k, NTS_KE_PORT, "\0\1\2", 3); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_MALFORMED);
  good_start (&k); add_cookies (&k, 1, 64); rec16 (&k, NTS_KE_PORT, 0); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_MALFORMED);
  good_start (&k); rec16 (&k, NTS_KE_PORT, 5); rec16 (&k, C | NTS_KE_PORT, 6); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_MALFORMED);
  /* errors and warnings: refused, with the code; without the critical bit, or of a bad length */
  good_start (&k); rec16 (&k, C | NTS_KE_ERROR, 1); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_ERROR_RECORD);
  assert_int_equal (r.error, 1);
  k.n = 0; rec16 (&k, C | NTS_KE_WARNING, 7); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_WARNING_RECORD);
  assert_int_equal (r.warning, 7);
  k.n = 0; rec16 (&k, NTS_KE_ERROR, 0); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_BAD_CRITICAL);
  k.n = 0; rec (&k, C | NTS_KE_ERROR, "\0", 1); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_MALFORMED);
  /* an unknown critical record */
  good_start (&k); add_cookies (&k, 1, 64); rec (&k, C | 0x1234, "z", 1); rec (&k, C, NULL, 0);
  assert_int_equal (parse (&k, &r), NTS_KE_UNKNOWN_CRITICAL);
  /* a record longer than the rest of the data, and no end within the limit */
  good_start (&k); k.b[k.n++] = 0; k.b[k.n++] = NTS_KE_COOKIE; k.b[k.n++] = 0xff; k.b[k.n++] = 0xff;
  assert_int_equal (parse (&k, &r), NTS_KE_TOO_LONG);
  good_start (&k);
  while (k.n < NTS_KE_MAX_RESPONSE + 10)
    rec (&k, 0x4321, big, 200);
  assert_int_equal (parse (&k, &r), NTS_KE_TOO_LONG);
}

/* The NTS request's fields as a server reads them: identifier, the oldest cookie, enough
 * placeholders of its length to fill the jar, and an authenticator that verifies with the
 * c2s key over everything before it. */
static void
fill_jar (NtpNtsJar *jar, int n, size_t len, uint8_t *c2s, uint8_t *s2c)
{
  static NtsKeResponse r;
  memset (&r, 0, sizeof r);
  for (int i = 0; i < n; i++) {
    memset (r.cookies[i], 'A' + i, len);
    r.cookie_len[i] = len;
  }
  r.n_cookies = n;
  for (int i = 0; i < 32; i++) {
    c2s[i] = (uint8_t) i;
    s2c[i] = (uint8_t) (0x80 + i);
  }
  ntp_nts_jar_fill (jar, &r, c2s, s2c, 1000);
}

static uint16_t
g16 (const uint8_t *p)
{
  return (uint16_t) (p[0] << 8 | p[1]);
}

static void
request_carries_the_nts_fields (void **state)
{
  (void) state;
  static NtpNtsJar jar;
  uint8_t c2s[32], s2c[32], uid[32], nonce[16], buf[1024], plain[16];
  size_t n;
  memset (uid, 0x55, sizeof uid);
  memset (nonce, 0x66, sizeof nonce);
  fill_jar (&jar, 3, 100, c2s, s2c);
  size_t len = ntp_packet_encode_request (buf, sizeof buf, 0x1122334455667788ULL, 6);
  len = ntp_nts_build_request (&jar, mrd_siv_aead, NULL, buf, sizeof buf, len, uid, nonce);
  /* 48 + UID 36 + cookie 104 + 5 placeholders + authenticator 40 */
  assert_int_equal (len, 48 + 36 + 104 * 6 + 40);
  NtpPacket p;
  assert_int_equal (ntp_packet_decode (buf, len, &p), NTP_PKT_BAD_MODE);  /* a request */
  assert_int_equal (p.n_extensions, 8);
  size_t off = 48;
  assert_int_equal (g16 (buf + off), NTS_EF_UNIQUE_ID);
  assert_int_equal (g16 (buf + off + 2), 36);
  assert_memory_equal (buf + off + 4, uid, 32);
  off += 36;
  assert_int_equal (g16 (buf + off), NTS_EF_COOKIE);
  assert_int_equal (g16 (buf + off + 2), 104);
  assert_int_equal (buf[off + 4], 'A');
  off += 104;
  for (int i = 0; i < 5; i++, off += 104) {
    assert_int_equal (g16 (buf + off), NTS_EF_COOKIE_PLACEHOLDER);
    assert_int_equal (g16 (buf + off + 2), 104);
    assert_int_equal (buf[off + 50], 0);
  }
  assert_int_equal (g16 (buf + off), NTS_EF_AUTHENTICATOR);
  assert_int_equal (g16 (buf + off + 2), 40);
  assert_int_equal (g16 (buf + off + 4), 16);
  assert_int_equal (g16 (buf + off + 6), 16);
  assert_memory_equal (buf + off + 8, nonce, 16);
  assert_true (mrd_siv_aead (NULL, false, c2s, 32, nonce, 16, buf, off, buf + off + 24, 16,
                             plain, sizeof plain, &n));
  assert_int_equal (n, 0);
  /* not with the other direction's key */
  assert_false (mrd_siv_aead (NULL, false, s2c, 32, nonce, 16, buf, off, buf + off + 24, 16,
                              plain, sizeof plain, &n));
  /* the cookie is spent, the next request takes the next one */
  assert_int_equal (jar.n_cookies, 2);
  assert_int_equal (jar.cookies[0][0], 'B');
  assert_true (jar.uid_outstanding);
  /* a full jar asks for no placeholder; an empty one gives no request at all */
  fill_jar (&jar, 8, 100, c2s, s2c);
  len = ntp_packet_encode_request (buf, sizeof buf, 1, 6);
  assert_int_equal (ntp_nts_build_request (&jar, mrd_siv_aead, NULL, buf, sizeof buf, len, uid,
                                           nonce), 48 + 36 + 104 + 40);
  fill_jar (&jar, 1, 100, c2s, s2c);
  len = ntp_nts_build_request (&jar, mrd_siv_aead, NULL, buf, sizeof buf, 48, uid, nonce);
  assert_int_equal (len, 48 + 36 + 104 * 8 + 40);
  assert_int_equal (jar.n_cookies, 0);
  assert_true (ntp_nts_jar_needs_ke (&jar, 2000, NTS_REFRESH_NS));
  assert_int_equal (ntp_nts_build_request (&jar, mrd_siv_aead, NULL, buf, sizeof buf, 48, uid,
                                           nonce), 0);
  /* long cookies: the placeholders stop where the reply would outgrow a datagram */
  fill_jar (&jar, 1, 256, c2s, s2c);
  len = ntp_nts_build_request (&jar, mrd_siv_aead, NULL, buf, sizeof buf, 48, uid, nonce);
  assert_true (len > 0 && len <= NTP_PACKET_MAX_LEN);
  /* no hook: nothing */
  fill_jar (&jar, 2, 100, c2s, s2c);
  assert_int_equal (ntp_nts_build_request (&jar, NULL, NULL, buf, sizeof buf, 48, uid, nonce), 0);
  assert_int_equal (jar.n_cookies, 2);
}

/* A server's reply, built field by field. */
typedef struct {
  uint8_t b[1024];
  size_t n;
} Pkt;

static void
ef (uint8_t *b, size_t *n, uint16_t type, const uint8_t *body, size_t len)
{
  size_t total = 4 + ((len + 3) & ~(size_t) 3);
  b[*n] = (uint8_t) (type >> 8); b[*n + 1] = (uint8_t) type;
  b[*n + 2] = (uint8_t) (total >> 8); b[*n + 3] = (uint8_t) total;
  memset (b + *n + 4, 0, total - 4);
  if (body)
    memcpy (b + *n + 4, body, len);
  *n += total;
}

static void
header (Pkt *p, uint8_t stratum, uint32_t refid)
{
  NtpPacket h = { .leap = 0, .version = 4, .mode = 4, .stratum = stratum, .refid = refid,
                  .org_ts = 1, .rx_ts = 2, .tx_ts = 3 };
  p->n = ntp_packet_encode (p->b, sizeof p->b, &h);
}

/* Authenticator with `ncookies` cookie fields encrypted under key */
static void
authenticator (Pkt *p, const uint8_t *key, int ncookies)
{
  uint8_t plain[600], nonce[16];
  size_t pn = 0, ct_len = 0;
  uint8_t cookie[100];
  for (int i = 0; i < ncookies; i++) {
    memset (cookie, 'p' + i, sizeof cookie);
    ef (plain, &pn, NTS_EF_COOKIE, cookie, sizeof cookie);
  }
  memset (nonce, 0x77, sizeof nonce);
  uint8_t *a = p->b + p->n;
  size_t ad = p->n;
  assert_true (mrd_siv_aead (NULL, true, key, 32, nonce, 16, p->b, ad, plain, pn, a + 24,
                             600, &ct_len));
  size_t total = 4 + 4 + 16 + ct_len;
  a[0] = 0x04; a[1] = 0x04; a[2] = (uint8_t) (total >> 8); a[3] = (uint8_t) total;
  a[4] = 0; a[5] = 16; a[6] = (uint8_t) (ct_len >> 8); a[7] = (uint8_t) ct_len;
  memcpy (a + 8, nonce, 16);
  p->n += total;
}

static void
replies_are_checked (void **state)
{
  (void) state;
  static NtpNtsJar jar;
  uint8_t c2s[32], s2c[32], uid[32], other[32], nonce[16], req[1024];
  memset (uid, 0x55, sizeof uid);
  memset (other, 0x56, sizeof other);
  memset (nonce, 0x66, sizeof nonce);
  Pkt p;

#define ARM() do { fill_jar (&jar, 2, 100, c2s, s2c); \
    assert_true (ntp_nts_build_request (&jar, mrd_siv_aead, NULL, req, sizeof req, 48, uid, nonce) > 0); \
  } while (0)

  /* genuine: two cookies come from the encrypted part */
  ARM ();
  header (&p, 2, 0x7f000001);
  ef (p.b, &p.n, NTS_EF_UNIQUE_ID, uid, 32);
  authenticator (&p, s2c, 2);
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_OK);
  assert_int_equal (jar.n_cookies, 3);
  assert_int_equal (jar.cookies[2][0], 'q');
  assert_false (jar.uid_outstanding);
  /* the same again: no request outstanding */
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_NOT_EXPECTED);

  /* a wrong identifier, none, two */
  ARM ();
  header (&p, 2, 0); ef (p.b, &p.n, NTS_EF_UNIQUE_ID, other, 32); authenticator (&p, s2c, 1);
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_BAD_UID);
  header (&p, 2, 0); authenticator (&p, s2c, 1);
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_BAD_UID);
  header (&p, 2, 0); ef (p.b, &p.n, NTS_EF_UNIQUE_ID, uid, 32);
  ef (p.b, &p.n, NTS_EF_UNIQUE_ID, uid, 32); authenticator (&p, s2c, 1);
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_BAD_UID);
  /* a forged tag, the header changed after signing, the client's key */
  header (&p, 2, 0); ef (p.b, &p.n, NTS_EF_UNIQUE_ID, uid, 32); authenticator (&p, s2c, 1);
  p.b[p.n - 1] ^= 1;
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_BAD_AUTH);
  p.b[p.n - 1] ^= 1;
  p.b[40] ^= 1;
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_BAD_AUTH);
  header (&p, 2, 0); ef (p.b, &p.n, NTS_EF_UNIQUE_ID, uid, 32); authenticator (&p, c2s, 1);
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_BAD_AUTH);
  /* a cookie outside the encrypted part, even with a good authenticator */
  header (&p, 2, 0); ef (p.b, &p.n, NTS_EF_UNIQUE_ID, uid, 32);
  ef (p.b, &p.n, NTS_EF_COOKIE, other, 32); authenticator (&p, s2c, 1);
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_PLAIN_COOKIE);
  /* no authenticator; a field after it; a field longer than the packet; a nonce of 0 bytes */
  header (&p, 2, 0); ef (p.b, &p.n, NTS_EF_UNIQUE_ID, uid, 32);
  ef (p.b, &p.n, 0x0999, other, 32);
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_NO_AUTH);
  header (&p, 2, 0); ef (p.b, &p.n, NTS_EF_UNIQUE_ID, uid, 32); authenticator (&p, s2c, 1);
  ef (p.b, &p.n, 0x0999, other, 32);
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_NO_AUTH);
  header (&p, 2, 0); ef (p.b, &p.n, NTS_EF_UNIQUE_ID, uid, 32); authenticator (&p, s2c, 1);
  p.b[84 + 3] += 4;
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_MALFORMED);
  header (&p, 2, 0); ef (p.b, &p.n, NTS_EF_UNIQUE_ID, uid, 32); authenticator (&p, s2c, 1);
  p.b[84 + 5] = 0;
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_MALFORMED);
  header (&p, 2, 0); ef (p.b, &p.n, NTS_EF_UNIQUE_ID, uid, 32); p.b[p.n++] = 0; p.b[p.n++] = 0;
  p.b[p.n++] = 0; p.b[p.n++] = 8;
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_MALFORMED);
  /* nothing refused changed the jar, and the request is still outstanding */
  assert_int_equal (jar.n_cookies, 1);
  assert_true (jar.uid_outstanding);
  assert_false (ntp_nts_jar_needs_ke (&jar, 2000, NTS_REFRESH_NS));

  /* a NAK for another request is not one; ours asks for a new key exchange */
  header (&p, 0, NTP_KISS_NTSN); ef (p.b, &p.n, NTS_EF_UNIQUE_ID, other, 32);
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_BAD_UID);
  assert_false (ntp_nts_jar_needs_ke (&jar, 2000, NTS_REFRESH_NS));
  header (&p, 0, NTP_KISS_NTSN); ef (p.b, &p.n, NTS_EF_UNIQUE_ID, uid, 32);
  assert_int_equal (ntp_nts_check_reply (&jar, mrd_siv_aead, NULL, p.b, p.n), NTS_REPLY_NAK);
  assert_true (ntp_nts_jar_needs_ke (&jar, 2000, NTS_REFRESH_NS));
  /* keys older than the refresh interval */
  ARM ();
  assert_false (ntp_nts_jar_needs_ke (&jar, 1000 + NTS_REFRESH_NS, NTS_REFRESH_NS));
  assert_true (ntp_nts_jar_needs_ke (&jar, 1001 + NTS_REFRESH_NS, NTS_REFRESH_NS));
}

static void
config_takes_nts_options (void **state)
{
  (void) state;
  NtpSourceConfig sc;
  char err[256];
  assert_int_equal (ntp_source_config_parse (&sc, "server a.example nts ntsport 4461 certset 2 iburst",
                                             err, sizeof err), 0);
  assert_true (sc.nts);
  assert_int_equal (sc.ntsport, 4461);
  assert_int_equal (sc.certset, 2);
  assert_string_equal (sc.ignored, "");
  assert_int_equal (ntp_source_config_parse (&sc, "server a.example", err, sizeof err), 0);
  assert_false (sc.nts);
  assert_int_equal (sc.ntsport, 4460);
  assert_int_equal (ntp_source_config_parse (&sc, "server a.example key 1 nts", err, sizeof err), -1);
  assert_non_null (strstr (err, "'key' and 'nts'"));
  assert_int_equal (ntp_source_config_parse (&sc, "server a.example nts ntsport 0", err, sizeof err), -1);
  /* The line the daemon writes back (for the engine child, and sources it persists) keeps
   * them: without, the child would run the source unauthenticated. */
  assert_int_equal (ntp_source_config_parse (&sc, "server a.example nts ntsport 4461 certset 2",
                                             err, sizeof err), 0);
  g_auto(GStrv) options = mrd_sync_format_options (&sc);
  g_autofree char *joined = g_strjoinv (" ", options);
  assert_non_null (strstr (joined, "nts"));
  assert_non_null (strstr (joined, "ntsport 4461"));
  assert_non_null (strstr (joined, "certset 2"));
  assert_int_equal (ntp_source_config_parse (&sc, "server a.example nts", err, sizeof err), 0);
  g_auto(GStrv) plain = mrd_sync_format_options (&sc);
  g_autofree char *joined2 = g_strjoinv (" ", plain);
  assert_string_equal (joined2, "nts");
}

/* A jar with keys, n cookies of distinct lengths and contents, and a key exchange at ke. */
static void
make_jar (NtpNtsJar *j, int n, int64_t ke, uint8_t seed)
{
  memset (j, 0, sizeof *j);
  j->have_keys = true;
  for (int i = 0; i < NTS_KEY_LEN; i++) {
    j->c2s[i] = (uint8_t) (seed + i);
    j->s2c[i] = (uint8_t) (seed * 3 + i);
  }
  for (int c = 0; c < n; c++) {
    j->cookie_len[c] = 100 + (size_t) c;
    memset (j->cookies[c], seed + c, j->cookie_len[c]);
  }
  j->n_cookies = n;
  j->ke_ns = ke;
}

#define NOW_NS (1800000000LL * 1000000000LL)

static void
dump_round_trips_each_address (void **state)
{
  (void) state;
  NtpNtsJar a, b, out;
  char buf[NTS_DUMP_MAX_LEN];
  make_jar (&a, 8, NOW_NS - 3600000000000LL, 1);
  make_jar (&b, 3, NOW_NS - 60000000000LL, 9);
  NtpNtsDumpRecord recs[] = {
    { "192.0.2.1", "192.0.2.1", 123, &a },
    { "[2001:db8::1]:1123", "2001:db8::5", 1124, &b },   /* a negotiated NTP server */
  };
  size_t len = ntp_nts_dump_format (buf, sizeof buf, "time.example", 4460, recs, 2);
  assert_true (len > 0);
  assert_int_equal (strlen (buf), len);
  assert_true (g_str_has_prefix (buf, "meridian-nts-dump 1\nname time.example 4460\n"));

  char host[NTS_DUMP_ADDRESS_MAX];
  unsigned port = 0;
  assert_int_equal (ntp_nts_dump_find (buf, len, "time.example", 4460, "[2001:db8::1]:1123",
                                       NOW_NS, NTS_REFRESH_NS, &out, host, &port), NTS_DUMP_OK);
  assert_string_equal (host, "2001:db8::5");
  assert_int_equal (port, 1124);
  assert_true (out.have_keys);
  assert_int_equal (out.n_cookies, 3);
  assert_memory_equal (out.c2s, b.c2s, NTS_KEY_LEN);
  assert_memory_equal (out.s2c, b.s2c, NTS_KEY_LEN);
  for (int c = 0; c < 3; c++) {
    assert_int_equal (out.cookie_len[c], b.cookie_len[c]);
    assert_memory_equal (out.cookies[c], b.cookies[c], b.cookie_len[c]);
  }
  assert_int_equal (out.ke_ns, b.ke_ns);
  assert_false (ntp_nts_jar_needs_ke (&out, NOW_NS, NTS_REFRESH_NS));
  assert_int_equal (ntp_nts_dump_find (buf, len, "time.example", 4460, "192.0.2.1", NOW_NS,
                                       NTS_REFRESH_NS, &out, NULL, NULL), NTS_DUMP_OK);
  assert_int_equal (out.n_cookies, 8);
  assert_memory_equal (out.cookies[7], a.cookies[7], a.cookie_len[7]);

  /* A jar with nothing to use (no keys, no cookie, a NAK) is left out. */
  NtpNtsJar empty;
  make_jar (&empty, 0, NOW_NS, 2);
  b.nak = true;
  NtpNtsDumpRecord none[] = { { "192.0.2.1", "192.0.2.1", 123, &empty }, recs[1] };
  len = ntp_nts_dump_format (buf, sizeof buf, "time.example", 4460, none, 2);
  assert_string_equal (buf, "meridian-nts-dump 1\nname time.example 4460\nend\n");
  assert_int_equal (ntp_nts_dump_find (buf, len, "time.example", 4460, "192.0.2.1", NOW_NS,
                                       NTS_REFRESH_NS, &out, NULL, NULL), NTS_DUMP_NO_ENTRY);
  /* Too small a buffer, a name that is not one word: nothing. */
  assert_int_equal (ntp_nts_dump_format (buf, 40, "time.example", 4460, recs, 2), 0);
  assert_int_equal (ntp_nts_dump_format (buf, sizeof buf, "a b", 4460, recs, 2), 0);
  recs[0].ntp_port = 0;
  assert_int_equal (ntp_nts_dump_format (buf, sizeof buf, "time.example", 4460, recs, 2), 0);
}

static void
dump_refusals_leave_the_jar_alone (void **state)
{
  (void) state;
  NtpNtsJar a, out;
  char buf[NTS_DUMP_MAX_LEN], bad[NTS_DUMP_MAX_LEN];
  make_jar (&a, 2, NOW_NS - 1000000000LL, 5);
  NtpNtsDumpRecord recs[] = { { "192.0.2.1", "192.0.2.1", 123, &a } };
  size_t len = ntp_nts_dump_format (buf, sizeof buf, "time.example", 4460, recs, 1);
  memset (&out, 0x5a, sizeof out);
  NtpNtsJar untouched = out;

  /* Another line (name, NTS-KE port), another address, keys too old. */
  assert_int_equal (ntp_nts_dump_find (buf, len, "other.example", 4460, "192.0.2.1", NOW_NS,
                                       NTS_REFRESH_NS, &out, NULL, NULL), NTS_DUMP_OTHER_NAME);
  assert_int_equal (ntp_nts_dump_find (buf, len, "time.example", 4461, "192.0.2.1", NOW_NS,
                                       NTS_REFRESH_NS, &out, NULL, NULL), NTS_DUMP_OTHER_NAME);
  assert_int_equal (ntp_nts_dump_find (buf, len, "time.example", 4460, "192.0.2.2", NOW_NS,
                                       NTS_REFRESH_NS, &out, NULL, NULL), NTS_DUMP_NO_ENTRY);
  assert_int_equal (ntp_nts_dump_find (buf, len, "time.example", 4460, "192.0.2.1",
                                       NOW_NS + NTS_REFRESH_NS, NTS_REFRESH_NS, &out, NULL, NULL),
                    NTS_DUMP_STALE);
  /* Every shorter prefix is a truncated file. */
  for (size_t cut = 0; cut < len; cut++)
    assert_int_equal (ntp_nts_dump_find (buf, cut, "time.example", 4460, "192.0.2.1", NOW_NS,
                                         NTS_REFRESH_NS, &out, NULL, NULL), NTS_DUMP_CORRUPT);
  /* One byte changed anywhere but inside a key, cookie or time's digits is refused; a
   * changed digit leaves a well-formed file (the AEAD finds out). */
  for (size_t i = 0; i < len; i++) {
    memcpy (bad, buf, len);
    bad[i] = buf[i] == '\n' ? 'x' : buf[i] == ' ' ? '\n' : '\x80';
    assert_int_equal (ntp_nts_dump_find (bad, len, "time.example", 4460, "192.0.2.1", NOW_NS,
                                         NTS_REFRESH_NS, &out, NULL, NULL), NTS_DUMP_CORRUPT);
  }
  /* Upper-case hex, a key one byte short, a ninth cookie, a cookie before any source, a NUL,
   * something after end. */
  const char *cases[] = {
    "meridian-nts-dump 1\nname t 1\nsource a h 1 1 K K\ncookie AB\nend\n",
    "meridian-nts-dump 1\nname t 1\nsource a h 1 1 K K\ncookie ab\nend\nx\n",
    "meridian-nts-dump 1\nname t 1\nsource a h 0 1 K K\ncookie ab\nend\n",
    "meridian-nts-dump 1\nname t 1\nsource a h 1 K K\ncookie ab\nend\n",
    "meridian-nts-dump 1\nname t 1\ncookie ab\nend\n",
    "meridian-nts-dump 2\nname t 1\nend\n",
    "meridian-nts-dump 1\nname t 0\nend\n",
    "meridian-nts-dump 1\nname  t 1\nend\n",
  };
  char key[2 * NTS_KEY_LEN + 1];
  memset (key, 'a', sizeof key - 1);
  key[sizeof key - 1] = '\0';
  {
    /* The template the cases spoil, whole: accepted. */
    g_auto(GStrv) parts = g_strsplit ("meridian-nts-dump 1\nname t 1\nsource a h 1 1 K K\n"
                                      "cookie ab\nend\n", "K", -1);
    g_autofree char *text = g_strjoinv (key, parts);
    assert_int_equal (ntp_nts_dump_find (text, strlen (text), "t", 1, "a", 1, NTS_REFRESH_NS,
                                         NULL, NULL, NULL), NTS_DUMP_OK);
  }
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_auto(GStrv) parts = g_strsplit (cases[i], "K", -1);
    g_autofree char *text = g_strjoinv (key, parts);
    assert_int_equal (ntp_nts_dump_find (text, strlen (text), "t", 1, "a", NOW_NS, NTS_REFRESH_NS,
                                         &out, NULL, NULL), NTS_DUMP_CORRUPT);
  }
  int n = snprintf (bad, sizeof bad, "meridian-nts-dump 1\nname t 1\nsource a h 1 1 %.62s %s\n"
                    "cookie ab\nend\n", key, key);
  assert_int_equal (ntp_nts_dump_find (bad, (size_t) n, "t", 1, "a", NOW_NS, NTS_REFRESH_NS,
                                       &out, NULL, NULL), NTS_DUMP_CORRUPT);
  n = snprintf (bad, sizeof bad, "meridian-nts-dump 1\nname t 1\nsource a h 1 1 %s %s\n", key, key);
  for (int c = 0; c < NTS_MAX_COOKIES + 1; c++)
    n += snprintf (bad + n, sizeof bad - (size_t) n, "cookie ab\n");
  n += snprintf (bad + n, sizeof bad - (size_t) n, "end\n");
  assert_int_equal (ntp_nts_dump_find (bad, (size_t) n, "t", 1, "a", NOW_NS, NTS_REFRESH_NS,
                                       &out, NULL, NULL), NTS_DUMP_CORRUPT);
  memcpy (bad, buf, len);
  bad[len / 2] = '\0';
  assert_int_equal (ntp_nts_dump_find (bad, len, "time.example", 4460, "192.0.2.1", NOW_NS,
                                       NTS_REFRESH_NS, &out, NULL, NULL), NTS_DUMP_CORRUPT);
  assert_memory_equal (&out, &untouched, sizeof out);

  /* A key exchange dated in the future (a clock stepped back since) counts from now. */
  make_jar (&a, 2, NOW_NS + 5000000000LL, 5);
  len = ntp_nts_dump_format (buf, sizeof buf, "time.example", 4460, recs, 1);
  assert_int_equal (ntp_nts_dump_find (buf, len, "time.example", 4460, "192.0.2.1", NOW_NS,
                                       NTS_REFRESH_NS, &out, NULL, NULL), NTS_DUMP_OK);
  assert_int_equal (out.ke_ns, NOW_NS);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (siv_matches_an_independent_implementation),
    cmocka_unit_test (ke_request_is_the_three_critical_records),
    cmocka_unit_test (ke_response_is_parsed),
    cmocka_unit_test (ke_malformed_records_are_refused),
    cmocka_unit_test (request_carries_the_nts_fields),
    cmocka_unit_test (replies_are_checked),
    cmocka_unit_test (config_takes_nts_options),
    cmocka_unit_test (dump_round_trips_each_address),
    cmocka_unit_test (dump_refusals_leave_the_jar_alone),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
