/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-nts.c — NTS records, extension fields, cookie jar and reply check; see ntp-nts.h. */
#include "ntp-nts.h"

#include "ntp-packet.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static uint16_t
get16 (const uint8_t *p)
{
  return (uint16_t) ((p[0] << 8) | p[1]);
}

static void
put16 (uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t) (v >> 8);
  p[1] = (uint8_t) v;
}

static size_t
pad4 (size_t n)
{
  return (n + 3) & ~(size_t) 3;
}

const char *
ntp_nts_ke_result_string (NtsKeResult r)
{
  static const char *const names[NTS_KE_N_RESULTS] = {
    [NTS_KE_OK] = "ok",
    [NTS_KE_INCOMPLETE] = "response incomplete",
    [NTS_KE_MALFORMED] = "malformed record",
    [NTS_KE_BAD_CRITICAL] = "record with a wrong critical bit",
    [NTS_KE_UNKNOWN_CRITICAL] = "unknown critical record",
    [NTS_KE_ERROR_RECORD] = "the server sent an error",
    [NTS_KE_WARNING_RECORD] = "the server sent a warning",
    [NTS_KE_BAD_PROTOCOL] = "no agreement on NTPv4 as the next protocol",
    [NTS_KE_BAD_AEAD] = "no agreement on the AEAD algorithm AES-SIV-CMAC-256",
    [NTS_KE_NO_COOKIES] = "no cookies",
    [NTS_KE_TOO_LONG] = "response too long",
  };
  if ((unsigned) r >= NTS_KE_N_RESULTS)
    return "unknown";
  return names[r];
}

static size_t
put_record (uint8_t *p, bool critical, uint16_t type, const uint8_t *body, uint16_t len)
{
  put16 (p, (uint16_t) ((critical ? NTS_KE_CRITICAL : 0) | type));
  put16 (p + 2, len);
  if (len)
    memcpy (p + 4, body, len);
  return 4u + len;
}

size_t
ntp_nts_ke_encode_request (uint8_t *buf, size_t size)
{
  if (!buf || size < 16)
    return 0;
  const uint8_t proto[2] = { 0, NTS_NEXT_PROTOCOL_NTPV4 };
  const uint8_t aead[2] = { 0, NTS_AEAD_AES_SIV_CMAC_256 };
  size_t n = put_record (buf, true, NTS_KE_NEXT_PROTOCOL, proto, 2);
  n += put_record (buf + n, true, NTS_KE_AEAD, aead, 2);
  n += put_record (buf + n, true, NTS_KE_END_OF_MESSAGE, NULL, 0);
  return n;
}

/* A server name as Server Negotiation may give it: a host name or an address, printable ASCII
 * without blanks (the daemon resolves it; nothing else reads it). */
static bool
server_name_ok (const uint8_t *p, size_t n)
{
  if (n == 0 || n > NTS_SERVER_MAX_LEN)
    return false;
  for (size_t i = 0; i < n; i++)
    if (p[i] <= 0x20 || p[i] >= 0x7f)
      return false;
  return true;
}

NtsKeResult
ntp_nts_ke_parse_response (const uint8_t *buf, size_t len, NtsKeResponse *out)
{
  memset (out, 0, sizeof *out);
  out->error = -1;
  out->warning = -1;
  bool have_proto = false, have_aead = false, have_server = false, have_port = false;
  size_t off = 0;
  for (;;) {
    if (off >= NTS_KE_MAX_RESPONSE)
      return NTS_KE_TOO_LONG;
    if (len - off < 4)
      return len > NTS_KE_MAX_RESPONSE ? NTS_KE_TOO_LONG : NTS_KE_INCOMPLETE;
    uint16_t word = get16 (buf + off);
    bool critical = (word & NTS_KE_CRITICAL) != 0;
    uint16_t type = word & (uint16_t) ~NTS_KE_CRITICAL;
    size_t blen = get16 (buf + off + 2);
    if (len - off - 4 < blen)
      return off + 4 + blen > NTS_KE_MAX_RESPONSE ? NTS_KE_TOO_LONG : NTS_KE_INCOMPLETE;
    const uint8_t *body = buf + off + 4;
    off += 4 + blen;

    switch (type) {
    case NTS_KE_END_OF_MESSAGE:
      if (!critical)
        return NTS_KE_BAD_CRITICAL;
      if (blen != 0 || off != len)
        return NTS_KE_MALFORMED;
      if (!have_proto)
        return NTS_KE_BAD_PROTOCOL;
      if (!have_aead)
        return NTS_KE_BAD_AEAD;
      if (out->n_cookies == 0)
        return NTS_KE_NO_COOKIES;
      return NTS_KE_OK;
    case NTS_KE_NEXT_PROTOCOL:
      if (!critical)
        return NTS_KE_BAD_CRITICAL;
      if (have_proto || blen % 2 != 0)
        return NTS_KE_MALFORMED;
      /* The server picks one of the protocols we offered (we offered only NTPv4); none means
       * it refused them all. */
      if (blen != 2 || get16 (body) != NTS_NEXT_PROTOCOL_NTPV4)
        return NTS_KE_BAD_PROTOCOL;
      have_proto = true;
      break;
    case NTS_KE_ERROR:
    case NTS_KE_WARNING:
      if (!critical)
        return NTS_KE_BAD_CRITICAL;
      if (blen != 2)
        return NTS_KE_MALFORMED;
      if (type == NTS_KE_ERROR) {
        out->error = get16 (body);
        return NTS_KE_ERROR_RECORD;
      }
      /* RFC 8915 defines no warning: a client cannot know what it asks to be ignored. */
      out->warning = get16 (body);
      return NTS_KE_WARNING_RECORD;
    case NTS_KE_AEAD:
      if (have_aead || blen % 2 != 0)
        return NTS_KE_MALFORMED;
      if (blen != 2 || get16 (body) != NTS_AEAD_AES_SIV_CMAC_256)
        return NTS_KE_BAD_AEAD;
      out->aead = NTS_AEAD_AES_SIV_CMAC_256;
      have_aead = true;
      break;
    case NTS_KE_COOKIE:
      if (critical)
        return NTS_KE_BAD_CRITICAL;
      if (blen == 0 || blen > NTS_COOKIE_MAX_LEN)
        return NTS_KE_MALFORMED;
      /* More than the jar holds are ignored (RFC 8915 §4.1.6 says eight are sent). */
      if (out->n_cookies < NTS_MAX_COOKIES) {
        memcpy (out->cookies[out->n_cookies], body, blen);
        out->cookie_len[out->n_cookies++] = blen;
      }
      break;
    case NTS_KE_SERVER:
      if (have_server || !server_name_ok (body, blen))
        return NTS_KE_MALFORMED;
      memcpy (out->server, body, blen);
      out->server[blen] = '\0';
      have_server = true;
      break;
    case NTS_KE_PORT:
      if (have_port || blen != 2 || get16 (body) == 0)
        return NTS_KE_MALFORMED;
      out->port = get16 (body);
      have_port = true;
      break;
    default:
      /* RFC 8915 §4: an unrecognized critical record makes the response unusable; others
       * are skipped. */
      if (critical)
        return NTS_KE_UNKNOWN_CRITICAL;
      break;
    }
  }
}

void
ntp_nts_exporter_context (uint8_t ctx[5], bool s2c)
{
  put16 (ctx, NTS_NEXT_PROTOCOL_NTPV4);
  put16 (ctx + 2, NTS_AEAD_AES_SIV_CMAC_256);
  ctx[4] = s2c ? 1 : 0;
}

void
ntp_nts_jar_clear (NtpNtsJar *jar)
{
  /* The keys are secrets: gone, not left in memory for a later dump to show. */
  volatile uint8_t *p = (volatile uint8_t *) jar;
  for (size_t i = 0; i < sizeof *jar; i++)
    p[i] = 0;
}

void
ntp_nts_jar_fill (NtpNtsJar *jar, const NtsKeResponse *r, const uint8_t *c2s,
                  const uint8_t *s2c, int64_t now_ns)
{
  ntp_nts_jar_clear (jar);
  memcpy (jar->c2s, c2s, NTS_KEY_LEN);
  memcpy (jar->s2c, s2c, NTS_KEY_LEN);
  jar->have_keys = true;
  for (int i = 0; i < r->n_cookies && i < NTS_MAX_COOKIES; i++) {
    memcpy (jar->cookies[i], r->cookies[i], r->cookie_len[i]);
    jar->cookie_len[i] = r->cookie_len[i];
  }
  jar->n_cookies = r->n_cookies < NTS_MAX_COOKIES ? r->n_cookies : NTS_MAX_COOKIES;
  jar->ke_ns = now_ns;
}

bool
ntp_nts_jar_needs_ke (const NtpNtsJar *jar, int64_t now_ns, int64_t refresh_ns)
{
  return !jar->have_keys || jar->n_cookies == 0 || jar->nak
         || now_ns - jar->ke_ns > refresh_ns || now_ns < jar->ke_ns;
}

static size_t
put_ef (uint8_t *p, uint16_t type, const uint8_t *body, size_t blen)
{
  size_t total = 4 + pad4 (blen);
  put16 (p, type);
  put16 (p + 2, (uint16_t) total);
  memset (p + 4, 0, total - 4);
  if (body)
    memcpy (p + 4, body, blen);
  return total;
}

size_t
ntp_nts_build_request (NtpNtsJar *jar, NtpNtsAead aead, void *ud, uint8_t *buf, size_t size,
                       size_t len, const uint8_t *uid, const uint8_t *nonce)
{
  if (!aead || !jar->have_keys || jar->n_cookies == 0 || len > size)
    return 0;
  size_t cl = jar->cookie_len[0];
  size_t cookie_ef = 4 + pad4 (cl);
  size_t auth_ef = 4 + 4 + NTS_NONCE_LEN + NTS_SIV_TAG_LEN;
  size_t fixed = len + 4 + NTS_UID_LEN + cookie_ef + auth_ef;
  /* The reply carries one cookie per cookie or placeholder we send, so both stay within the
   * largest datagram the codec reads. */
  size_t limit = size < NTP_PACKET_MAX_LEN ? size : NTP_PACKET_MAX_LEN;
  if (fixed > limit)
    return 0;
  int want = NTS_MAX_COOKIES - jar->n_cookies;
  int room = (int) ((limit - fixed) / cookie_ef);
  int placeholders = want < room ? want : room;

  size_t off = len;
  off += put_ef (buf + off, NTS_EF_UNIQUE_ID, uid, NTS_UID_LEN);
  off += put_ef (buf + off, NTS_EF_COOKIE, jar->cookies[0], cl);
  for (int i = 0; i < placeholders; i++)
    off += put_ef (buf + off, NTS_EF_COOKIE_PLACEHOLDER, NULL, cl);

  /* Authenticator (RFC 8915 §5.6): nonce and ciphertext lengths, nonce, ciphertext (the SIV
   * tag alone, nothing is encrypted), over everything before the field. */
  uint8_t *a = buf + off;
  put16 (a, NTS_EF_AUTHENTICATOR);
  put16 (a + 2, (uint16_t) auth_ef);
  put16 (a + 4, NTS_NONCE_LEN);
  put16 (a + 6, NTS_SIV_TAG_LEN);
  memcpy (a + 8, nonce, NTS_NONCE_LEN);
  size_t ct_len = 0;
  if (!aead (ud, true, jar->c2s, NTS_KEY_LEN, nonce, NTS_NONCE_LEN, buf, off, NULL, 0,
             a + 8 + NTS_NONCE_LEN, NTS_SIV_TAG_LEN, &ct_len)
      || ct_len != NTS_SIV_TAG_LEN)
    return 0;
  off += auth_ef;

  /* The cookie is spent whatever happens to the request (RFC 8915 §5.7: never reuse one). */
  jar->last_cookie_len = cl;
  memmove (jar->cookies[0], jar->cookies[1], sizeof jar->cookies[0] * (NTS_MAX_COOKIES - 1));
  memmove (jar->cookie_len, jar->cookie_len + 1, sizeof jar->cookie_len[0] * (NTS_MAX_COOKIES - 1));
  jar->n_cookies--;
  jar->cookie_len[jar->n_cookies] = 0;
  memcpy (jar->uid, uid, NTS_UID_LEN);
  jar->uid_outstanding = true;
  return off;
}

const char *
ntp_nts_reply_result_string (NtsReplyResult r)
{
  static const char *const names[NTS_REPLY_N_RESULTS] = {
    [NTS_REPLY_OK] = "ok",
    [NTS_REPLY_NAK] = "NTS NAK (the server could not use our cookie)",
    [NTS_REPLY_MALFORMED] = "malformed NTS extension field",
    [NTS_REPLY_NOT_EXPECTED] = "no NTS request outstanding",
    [NTS_REPLY_BAD_UID] = "unique identifier missing or not ours",
    [NTS_REPLY_NO_AUTH] = "no NTS authenticator",
    [NTS_REPLY_BAD_AUTH] = "NTS authenticator does not verify",
    [NTS_REPLY_PLAIN_COOKIE] = "NTS cookie outside the encrypted part",
  };
  if ((unsigned) r >= NTS_REPLY_N_RESULTS)
    return "unknown";
  return names[r];
}

/* Walk extension fields over [off, end): each at least 16 bytes (RFC 7822 §3), a multiple of
 * 4, within the buffer. Returns the next offset, 0 when malformed. */
static size_t
next_ef (const uint8_t *buf, size_t off, size_t end, uint16_t *type, size_t *flen)
{
  if (end - off < 4)
    return 0;
  *type = get16 (buf + off);
  *flen = get16 (buf + off + 2);
  if (*flen < 16 || *flen % 4 != 0 || *flen > end - off)
    return 0;
  return off + *flen;
}

static void
jar_add_cookie (NtpNtsJar *jar, const uint8_t *c, size_t n)
{
  if (jar->n_cookies >= NTS_MAX_COOKIES || n == 0 || n > NTS_COOKIE_MAX_LEN)
    return;
  memcpy (jar->cookies[jar->n_cookies], c, n);
  jar->cookie_len[jar->n_cookies++] = n;
}

NtsReplyResult
ntp_nts_check_reply (NtpNtsJar *jar, NtpNtsAead aead, void *ud, const uint8_t *buf,
                     size_t len)
{
  if (!jar->uid_outstanding || !jar->have_keys)
    return NTS_REPLY_NOT_EXPECTED;
  if (len < NTP_PACKET_HEADER_LEN || len > NTP_PACKET_MAX_LEN || len % 4 != 0)
    return NTS_REPLY_MALFORMED;

  int uids = 0;
  bool uid_ours = false, plain_cookie = false;
  size_t auth_off = 0, auth_len = 0;
  size_t off = NTP_PACKET_HEADER_LEN;
  while (off < len) {
    uint16_t type;
    size_t flen;
    size_t next = next_ef (buf, off, len, &type, &flen);
    if (next == 0)
      return NTS_REPLY_MALFORMED;
    if (auth_off)
      return NTS_REPLY_NO_AUTH;     /* a field after the authenticator is not covered by it */
    switch (type) {
    case NTS_EF_UNIQUE_ID:
      uids++;
      uid_ours = flen - 4 >= NTS_UID_LEN && !memcmp (buf + off + 4, jar->uid, NTS_UID_LEN)
                 && flen - 4 == NTS_UID_LEN;
      break;
    case NTS_EF_COOKIE:
      plain_cookie = true;
      break;
    case NTS_EF_AUTHENTICATOR:
      auth_off = off;
      auth_len = flen;
      break;
    default:
      break;
    }
    off = next;
  }
  if (uids != 1 || !uid_ours)
    return NTS_REPLY_BAD_UID;

  /* RFC 8915 §5.7: a NAK is a kiss with our identifier and no authenticator. */
  uint32_t refid = ((uint32_t) buf[12] << 24) | ((uint32_t) buf[13] << 16)
                   | ((uint32_t) buf[14] << 8) | buf[15];
  if (!auth_off) {
    if (buf[1] == 0 && refid == NTP_KISS_NTSN) {
      jar->nak = true;
      jar->uid_outstanding = false;
      return NTS_REPLY_NAK;
    }
    return NTS_REPLY_NO_AUTH;
  }
  if (plain_cookie)
    return NTS_REPLY_PLAIN_COOKIE;

  const uint8_t *a = buf + auth_off + 4;
  size_t body = auth_len - 4;
  size_t nonce_len = get16 (a), ct_len = get16 (a + 2);
  /* A nonce of at least one byte (the AEAD is undefined without), a ciphertext of at least
   * the tag, both padded within the field. */
  if (nonce_len == 0 || ct_len < NTS_SIV_TAG_LEN
      || 4 + pad4 (nonce_len) + pad4 (ct_len) > body)
    return NTS_REPLY_MALFORMED;
  const uint8_t *nonce = a + 4;
  const uint8_t *ct = nonce + pad4 (nonce_len);
  uint8_t plain[NTP_PACKET_MAX_LEN];
  size_t plain_len = 0;
  if (!aead || !aead (ud, false, jar->s2c, NTS_KEY_LEN, nonce, nonce_len, buf, auth_off, ct,
                      ct_len, plain, sizeof plain, &plain_len)
      || plain_len != ct_len - NTS_SIV_TAG_LEN)
    return NTS_REPLY_BAD_AUTH;

  /* The encrypted fields: the cookies, and whatever else a server adds (ignored). */
  size_t p = 0;
  while (p < plain_len) {
    uint16_t type;
    size_t flen;
    size_t next = next_ef (plain, p, plain_len, &type, &flen);
    if (next == 0)
      return NTS_REPLY_MALFORMED;
    p = next;
  }
  p = 0;
  while (p < plain_len) {
    uint16_t type;
    size_t flen;
    size_t next = next_ef (plain, p, plain_len, &type, &flen);
    if (type == NTS_EF_COOKIE)
      jar_add_cookie (jar, plain + p + 4, flen - 4);
    p = next;
  }
  jar->uid_outstanding = false;
  return NTS_REPLY_OK;
}

/* ---- the saved jar (ntsdumpdir) ---------------------------------------------------------- */

#define DUMP_MAGIC "meridian-nts-dump 1"

const char *
ntp_nts_dump_result_string (NtsDumpResult r)
{
  switch (r) {
  case NTS_DUMP_OK: return "ok";
  case NTS_DUMP_CORRUPT: return "not a whole NTS dump (corrupt or truncated)";
  case NTS_DUMP_OTHER_NAME: return "saved for another server name or NTS-KE port";
  case NTS_DUMP_NO_ENTRY: return "nothing saved for this address";
  case NTS_DUMP_STALE: return "keys older than the refresh interval";
  default: return "unknown";
  }
}

/* A word fit to stand in a line: printable, no blank, not empty. */
static bool
dump_word_ok (const char *w, size_t max)
{
  size_t n = 0;
  for (; w[n]; n++)
    if (w[n] <= ' ' || w[n] > '~' || n >= max)
      return false;
  return n > 0;
}

typedef struct {
  char *p;
  size_t left;
  bool full;
} DumpOut;

static void
dump_printf (DumpOut *o, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
dump_printf (DumpOut *o, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int n = o->full ? -1 : vsnprintf (o->p, o->left, fmt, ap);
  va_end (ap);
  if (n < 0 || (size_t) n >= o->left) {
    o->full = true;
    return;
  }
  o->p += n;
  o->left -= (size_t) n;
}

static void
dump_hex (DumpOut *o, const uint8_t *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    dump_printf (o, "%02x", b[i]);
}

size_t
ntp_nts_dump_format (char *buf, size_t size, const char *name, unsigned ntsport,
                     const NtpNtsDumpRecord *records, int n)
{
  DumpOut o = { buf, size, size == 0 };
  if (!dump_word_ok (name, NTP_NAME_MAX - 1) || ntsport == 0 || ntsport > 65535
      || n > NTS_DUMP_MAX_SOURCES)
    return 0;
  dump_printf (&o, DUMP_MAGIC "\nname %s %u\n", name, ntsport);
  for (int i = 0; i < n; i++) {
    const NtpNtsJar *j = records[i].jar;
    if (!j->have_keys || j->n_cookies <= 0 || j->nak)
      continue;
    if (!dump_word_ok (records[i].address, NTS_DUMP_ADDRESS_MAX - 1)
        || !dump_word_ok (records[i].ntp_host, NTS_DUMP_ADDRESS_MAX - 1)
        || records[i].ntp_port == 0 || records[i].ntp_port > 65535)
      return 0;
    dump_printf (&o, "source %s %s %u %lld ", records[i].address, records[i].ntp_host,
                 records[i].ntp_port, (long long) j->ke_ns);
    dump_hex (&o, j->c2s, NTS_KEY_LEN);
    dump_printf (&o, " ");
    dump_hex (&o, j->s2c, NTS_KEY_LEN);
    dump_printf (&o, "\n");
    for (int c = 0; c < j->n_cookies && c < NTS_MAX_COOKIES; c++) {
      dump_printf (&o, "cookie ");
      dump_hex (&o, j->cookies[c], j->cookie_len[c]);
      dump_printf (&o, "\n");
    }
  }
  dump_printf (&o, "end\n");
  return o.full ? 0 : size - o.left;
}

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Exactly `want` bytes (want 0: 1 to max) of lower-case hex; the count, or 0. */
static size_t
dump_unhex (const char *w, size_t wlen, uint8_t *out, size_t want, size_t max)
{
  if (wlen % 2 != 0 || wlen == 0 || wlen / 2 > max || (want && wlen / 2 != want))
    return 0;
  for (size_t i = 0; i < wlen / 2; i++) {
    int hi = hex_digit (w[2 * i]), lo = hex_digit (w[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return 0;
    out[i] = (uint8_t) (hi << 4 | lo);
  }
  return wlen / 2;
}

/* Split a line (no NUL inside, no newline) into at most max words on single spaces: the
 * count, or -1 when a word is empty (two spaces, a leading or trailing one) or more come. */
static int
dump_split (const char *line, size_t len, const char **w, size_t *wl, int max)
{
  int n = 0;
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && line[i] != ' ')
      continue;
    if (i == start || n == max)
      return -1;
    w[n] = line + start;
    wl[n++] = i - start;
    start = i + 1;
  }
  return n;
}

static bool
dump_word_is (const char *w, size_t wl, const char *s)
{
  return strlen (s) == wl && memcmp (w, s, wl) == 0;
}

static bool
dump_parse_i64 (const char *w, size_t wl, int64_t *out)
{
  int64_t v = 0;
  if (wl == 0 || wl > 19)
    return false;
  for (size_t i = 0; i < wl; i++) {
    if (w[i] < '0' || w[i] > '9' || v > (INT64_MAX - (w[i] - '0')) / 10)
      return false;
    v = v * 10 + (w[i] - '0');
  }
  *out = v;
  return true;
}

NtsDumpResult
ntp_nts_dump_find (const char *text, size_t len, const char *name, unsigned ntsport,
                   const char *address, int64_t now_ns, int64_t refresh_ns, NtpNtsJar *out,
                   char *ntp_host, unsigned *ntp_port)
{
  char host[NTS_DUMP_ADDRESS_MAX] = "";
  unsigned port = 0;
  /* Parsed into a local jar first: a refused file leaves *out untouched. */
  NtpNtsJar jar;
  bool found = false, in_found = false, ended = false, name_seen = false, other_name = false;
  int sources = 0, cookies = 0, lineno = 0;
  size_t off = 0;
  NtsDumpResult res = NTS_DUMP_CORRUPT;

  memset (&jar, 0, sizeof jar);
  if (!text || len > NTS_DUMP_MAX_LEN || !name)
    goto done;
  /* Printable ASCII and newlines only, so the text is safe to log and to pass on as a string. */
  for (size_t i = 0; i < len; i++)
    if ((text[i] < ' ' || text[i] > '~') && text[i] != '\n')
      goto done;
  while (off < len) {
    const char *line = text + off;
    const char *nl = memchr (line, '\n', len - off);
    if (!nl || ended)
      goto done;                       /* a last line without its newline: truncated */
    size_t ll = (size_t) (nl - line);
    off += ll + 1;
    if (memchr (line, '\0', ll))
      goto done;
    const char *w[7];
    size_t wl[7];
    int nw = dump_split (line, ll, w, wl, 7);
    if (nw < 0)
      goto done;
    if (lineno++ == 0) {
      if (ll != strlen (DUMP_MAGIC) || memcmp (line, DUMP_MAGIC, ll) != 0)
        goto done;
      continue;
    }
    if (!name_seen) {
      int64_t kp;
      if (nw != 3 || !dump_word_is (w[0], wl[0], "name") || !dump_parse_i64 (w[2], wl[2], &kp)
          || kp == 0 || kp > 65535)
        goto done;
      other_name = !dump_word_is (w[1], wl[1], name) || (unsigned) kp != ntsport;
      name_seen = true;
    } else if (nw == 1 && dump_word_is (w[0], wl[0], "end")) {
      ended = true;
    } else if (nw == 7 && dump_word_is (w[0], wl[0], "source")) {
      int64_t ke, np;
      uint8_t c2s[NTS_KEY_LEN], s2c[NTS_KEY_LEN];
      if (++sources > NTS_DUMP_MAX_SOURCES || wl[1] >= NTS_DUMP_ADDRESS_MAX
          || wl[2] >= NTS_DUMP_ADDRESS_MAX || !dump_parse_i64 (w[3], wl[3], &np) || np == 0
          || np > 65535 || !dump_parse_i64 (w[4], wl[4], &ke)
          || !dump_unhex (w[5], wl[5], c2s, NTS_KEY_LEN, NTS_KEY_LEN)
          || !dump_unhex (w[6], wl[6], s2c, NTS_KEY_LEN, NTS_KEY_LEN))
        goto done;
      cookies = 0;
      in_found = !found && address && dump_word_is (w[1], wl[1], address);
      if (in_found) {
        found = true;
        memcpy (host, w[2], wl[2]);
        host[wl[2]] = '\0';
        port = (unsigned) np;
        memcpy (jar.c2s, c2s, NTS_KEY_LEN);
        memcpy (jar.s2c, s2c, NTS_KEY_LEN);
        jar.have_keys = true;
        jar.ke_ns = ke;
      }
    } else if (nw == 2 && dump_word_is (w[0], wl[0], "cookie") && sources > 0) {
      uint8_t c[NTS_COOKIE_MAX_LEN];
      size_t cl = dump_unhex (w[1], wl[1], c, 0, NTS_COOKIE_MAX_LEN);
      if (cl == 0 || ++cookies > NTS_MAX_COOKIES)
        goto done;
      if (in_found) {
        memcpy (jar.cookies[jar.n_cookies], c, cl);
        jar.cookie_len[jar.n_cookies++] = cl;
      }
    } else {
      goto done;
    }
  }
  if (!ended)
    goto done;
  if (other_name)
    res = NTS_DUMP_OTHER_NAME;
  else if (!address)
    res = NTS_DUMP_OK;
  else if (!found || jar.n_cookies == 0)
    res = NTS_DUMP_NO_ENTRY;
  else if (jar.ke_ns < now_ns && now_ns - jar.ke_ns > refresh_ns)
    res = NTS_DUMP_STALE;
  else {
    /* Saved with a clock that was ahead (or stepped back since): counted from now, as
     * chronyd counts a key exchange dated in the future. */
    if (jar.ke_ns > now_ns)
      jar.ke_ns = now_ns;
    if (out)
      *out = jar;
    if (ntp_host)
      memcpy (ntp_host, host, sizeof host);
    if (ntp_port)
      *ntp_port = port;
    res = NTS_DUMP_OK;
  }
done:
  ntp_nts_jar_clear (&jar);
  return res;
}
