/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-nts.h — Network Time Security for NTPv4 clients (RFC 8915), the part without I/O or
 * cryptography: the NTS-KE records (RFC 8915 §4), the NTP extension fields of an NTS request
 * and reply (§5, lengths and padding per RFC 7822), the per-source cookie jar, and the check
 * of a reply.
 *
 * The TLS session that carries NTS-KE and the AEAD itself stay outside the core: the AEAD is
 * the NtpNtsAead hook (ntp-types.h, the daemon's is gnutls's AES-SIV), the TLS exchange is
 * the daemon's (service/net/mrd-ntske.c), which parses the server's bytes with
 * ntp_nts_ke_parse_response. The keys the TLS exporter gives pass through the jar to the hook.
 * Pure functions over caller-provided buffers; every parser accepts any bytes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntp-types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NTS_KE_DEFAULT_PORT 4460
#define NTS_NEXT_PROTOCOL_NTPV4 0
#define NTS_AEAD_AES_SIV_CMAC_256 15   /* IANA AEAD registry; RFC 8915 §5.1 requires it */
#define NTS_KEY_LEN 32                 /* AEAD_AES_SIV_CMAC_256's key (RFC 5297 §6.1) */
#define NTS_SIV_TAG_LEN 16
#define NTS_NONCE_LEN 16               /* our requests' nonce: N_MIN of AES-SIV-CMAC-256 */
#define NTS_UID_LEN 32                 /* RFC 8915 §5.3: at least 32 bytes */
#define NTS_MAX_COOKIES 8              /* RFC 8915 §4.1.6: the server sends eight */
#define NTS_COOKIE_MAX_LEN 256         /* longer cookies are refused (chronyd's limit too) */
#define NTS_SERVER_MAX_LEN 255

/* NTS-KE record types (RFC 8915 §4.1); the critical bit is 0x8000 of the type word. */
enum {
  NTS_KE_END_OF_MESSAGE = 0,
  NTS_KE_NEXT_PROTOCOL = 1,
  NTS_KE_ERROR = 2,
  NTS_KE_WARNING = 3,
  NTS_KE_AEAD = 4,
  NTS_KE_COOKIE = 5,
  NTS_KE_SERVER = 6,
  NTS_KE_PORT = 7,
};
#define NTS_KE_CRITICAL 0x8000u

/* NTP extension field types (RFC 8915 §5.7). */
#define NTS_EF_UNIQUE_ID 0x0104u
#define NTS_EF_COOKIE 0x0204u
#define NTS_EF_COOKIE_PLACEHOLDER 0x0304u
#define NTS_EF_AUTHENTICATOR 0x0404u

/* The kiss code of an NTS NAK (RFC 8915 §5.7): the server could not use our cookie. */
#define NTP_KISS_NTSN 0x4E54534Eu

/* What an NTS-KE server said (ntp_nts_ke_parse_response). */
typedef struct {
  int error;                 /* the Error record's code, -1 = none */
  int warning;               /* the Warning record's code, -1 = none */
  uint16_t aead;
  uint8_t cookies[NTS_MAX_COOKIES][NTS_COOKIE_MAX_LEN];
  size_t cookie_len[NTS_MAX_COOKIES];
  int n_cookies;
  char server[NTS_SERVER_MAX_LEN + 1];  /* NTPv4 Server Negotiation; "" = the NTS-KE host */
  uint16_t port;                        /* NTPv4 Port Negotiation; 0 = 123 */
} NtsKeResponse;

typedef enum {
  NTS_KE_OK = 0,
  NTS_KE_INCOMPLETE,         /* no End of Message yet: read more */
  NTS_KE_MALFORMED,          /* a record whose length or body is not what its type allows,
                              * a duplicate, or bytes after End of Message */
  NTS_KE_BAD_CRITICAL,       /* a known record with the critical bit the RFC forbids, or
                              * without the one it requires */
  NTS_KE_UNKNOWN_CRITICAL,   /* a record we do not know, marked critical */
  NTS_KE_ERROR_RECORD,       /* the server sent an Error record */
  NTS_KE_WARNING_RECORD,     /* the server sent a Warning record (none is defined: refused) */
  NTS_KE_BAD_PROTOCOL,       /* Next Protocol missing or not exactly NTPv4 */
  NTS_KE_BAD_AEAD,           /* AEAD Algorithm missing or not the one we offered */
  NTS_KE_NO_COOKIES,
  NTS_KE_TOO_LONG,           /* more bytes than any sane response has */
  NTS_KE_N_RESULTS
} NtsKeResult;

/* The most bytes a response may take (eight cookies of the longest kind and every other
 * record, with room to spare); a server that sends more is refused. */
#define NTS_KE_MAX_RESPONSE 4096

const char *ntp_nts_ke_result_string (NtsKeResult r);

/* The client's request: Next Protocol {NTPv4}, AEAD {AES-SIV-CMAC-256}, End of Message, all
 * critical. Returns the length (16) or 0 when buf is too small. */
size_t ntp_nts_ke_encode_request (uint8_t *buf, size_t size);
/* Parse what the server sent so far. NTS_KE_INCOMPLETE until its End of Message. */
NtsKeResult ntp_nts_ke_parse_response (const uint8_t *buf, size_t len, NtsKeResponse *out);
/* The TLS exporter's context for the key of one direction (RFC 8915 §5.1): the protocol
 * (NTPv4), the AEAD, and 0 for client-to-server, 1 for server-to-client. */
#define NTS_EXPORTER_LABEL "EXPORTER-network-time-security"
void ntp_nts_exporter_context (uint8_t ctx[5], bool s2c);

/* The cookie jar of one source: the keys of its last NTS-KE and the unused cookies. */
typedef struct {
  bool have_keys;
  uint8_t c2s[NTS_KEY_LEN], s2c[NTS_KEY_LEN];
  uint8_t cookies[NTS_MAX_COOKIES][NTS_COOKIE_MAX_LEN];
  size_t cookie_len[NTS_MAX_COOKIES];
  int n_cookies;             /* cookies[0] is the oldest, used first */
  size_t last_cookie_len;    /* the length of the cookie the last request carried */
  uint8_t uid[NTS_UID_LEN];  /* the outstanding request's Unique Identifier */
  bool uid_outstanding;
  bool nak;                  /* the server refused our cookie: a new NTS-KE is due */
  int64_t ke_ns;             /* when the keys were obtained (local clock) */
} NtpNtsJar;

/* chronyd's default `ntsrefresh` (chrony.conf(5)): keys older than four weeks are renewed by
 * a new NTS-KE (NtpConfig.ntsrefresh sets it). */
#define NTS_REFRESH_DEFAULT_S 2419200
#define NTS_REFRESH_NS ((int64_t) NTS_REFRESH_DEFAULT_S * 1000000000LL)

void ntp_nts_jar_clear (NtpNtsJar *jar);
/* Take a response's cookies and the exported keys (both NTS_KEY_LEN bytes). */
void ntp_nts_jar_fill (NtpNtsJar *jar, const NtsKeResponse *r, const uint8_t *c2s,
                       const uint8_t *s2c, int64_t now_ns);
/* A new NTS-KE is due: no keys, no cookie left, the server sent an NTS NAK, or the keys are
 * older than refresh_ns (NTS_REFRESH_NS by default). */
bool ntp_nts_jar_needs_ke (const NtpNtsJar *jar, int64_t now_ns, int64_t refresh_ns);

/* The jar saved across restarts (chrony.conf's ntsdumpdir), as text: one file per source
 * line, one record per address the line polls:
 *
 *   meridian-nts-dump 1
 *   name NAME NTSPORT
 *   source ADDRESS HOST PORT KE_NS C2S S2C
 *   cookie HEX
 *
 * ADDRESS: the NTS-KE server's address the record belongs to; HOST PORT: the NTP server's
 * numeric address and port (the NTS-KE's negotiation, RFC 8915 §4.1.7-8, or the same host);
 * KE_NS: the local clock's ns at the key exchange; keys and cookies in lower-case hex.
 *   ...                               (up to NTS_MAX_COOKIES cookie lines per source)
 *   end
 *
 * Only a whole file counts: a missing `end`, an unknown line, a bad length or digit, a
 * cookie line before any source, too many of anything, and the file is refused whole. */
#define NTS_DUMP_MAX_LEN 131072
#define NTS_DUMP_MAX_SOURCES 16
#define NTS_DUMP_ADDRESS_MAX 64

typedef enum {
  NTS_DUMP_OK = 0,
  NTS_DUMP_CORRUPT,          /* not a whole dump in this format */
  NTS_DUMP_OTHER_NAME,       /* a dump of another source line (name or NTS-KE port) */
  NTS_DUMP_NO_ENTRY,         /* nothing saved for this address (the name resolves elsewhere) */
  NTS_DUMP_STALE,            /* the keys are older than the refresh interval */
  NTS_DUMP_N_RESULTS
} NtsDumpResult;

const char *ntp_nts_dump_result_string (NtsDumpResult r);

typedef struct {
  const char *address;       /* the NTS-KE server's address */
  const char *ntp_host;      /* the NTP server's numeric address */
  unsigned ntp_port;
  const NtpNtsJar *jar;
} NtpNtsDumpRecord;

/* The dump of the line `name` (NTS-KE port `ntsport`) with n records; one whose jar has no
 * keys or cookies (or a NAK) is left out. Returns the length (NUL-terminated), 0 when buf is
 * too small or a name or address cannot be written. */
size_t ntp_nts_dump_format (char *buf, size_t size, const char *name, unsigned ntsport,
                            const NtpNtsDumpRecord *records, int n);
/* Check the whole of `text` (len bytes, any bytes) and find the record of `address`: with
 * NTS_DUMP_OK *out (may be NULL) is that jar, its key-exchange time no later than now_ns, and
 * ntp_host (NTS_DUMP_ADDRESS_MAX bytes) and *ntp_port (both may be NULL) its NTP server.
 * address NULL only checks the file and its name (NTS_DUMP_OK or a refusal). Keys older than
 * refresh_ns give NTS_DUMP_STALE. */
NtsDumpResult ntp_nts_dump_find (const char *text, size_t len, const char *name,
                                 unsigned ntsport, const char *address, int64_t now_ns,
                                 int64_t refresh_ns, NtpNtsJar *out, char *ntp_host,
                                 unsigned *ntp_port);

/* Append to the request of `len` bytes in buf (its header, 48 bytes) the NTS extension
 * fields: Unique Identifier (uid, NTS_UID_LEN bytes), the oldest cookie (taken from the jar),
 * as many Cookie Placeholders as keep the jar full once the reply's cookies arrive, and the
 * Authenticator over everything before it with the c2s key and `nonce` (NTS_NONCE_LEN
 * bytes), no encrypted fields. Returns the new length; 0 with the jar untouched when there is
 * no cookie, no keys, the hook fails or buf is too small. */
size_t ntp_nts_build_request (NtpNtsJar *jar, NtpNtsAead aead, void *ud, uint8_t *buf,
                              size_t size, size_t len, const uint8_t *uid,
                              const uint8_t *nonce);

typedef enum {
  NTS_REPLY_OK = 0,
  NTS_REPLY_NAK,             /* an NTS NAK kiss (NTSN) with our Unique Identifier */
  NTS_REPLY_MALFORMED,       /* an extension field whose length does not add up */
  NTS_REPLY_NOT_EXPECTED,    /* no NTS request outstanding */
  NTS_REPLY_BAD_UID,         /* no Unique Identifier, two, or not ours */
  NTS_REPLY_NO_AUTH,         /* no Authenticator, or fields after it */
  NTS_REPLY_BAD_AUTH,        /* the Authenticator does not verify (wrong key or tag) */
  NTS_REPLY_PLAIN_COOKIE,    /* a cookie outside the encrypted part */
  NTS_REPLY_N_RESULTS
} NtsReplyResult;

const char *ntp_nts_reply_result_string (NtsReplyResult r);

/* Check a reply (its whole datagram) against the outstanding request: the Unique Identifier
 * matches, the Authenticator verifies with the s2c key over everything before it, and the
 * cookies come only from its encrypted part; on NTS_REPLY_OK they are added to the jar and the
 * request is no longer outstanding. An NTS NAK (stratum 0, kiss code NTSN, our Unique
 * Identifier, nothing authenticated) marks the jar for a new NTS-KE. Any other result changes
 * nothing (the genuine reply may still come). */
NtsReplyResult ntp_nts_check_reply (NtpNtsJar *jar, NtpNtsAead aead, void *ud,
                                    const uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif
