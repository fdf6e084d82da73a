/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-ntske.h — the NTS-KE client (RFC 8915 §4): TLS 1.3 with gnutls, ALPN "ntske/1", the
 * server's certificate verified against a set of trusted certificates and its name checked,
 * the records read with the core's parser (service/ntp/ntp-nts.h) and the two AEAD keys
 * exported with RFC 8915's label and context. Non-blocking, on the thread-default GLib main
 * context, with a timeout: the engine's main loop never waits on a server.
 */
#pragma once

#include <glib.h>

#include "net/mrd-net.h"
#include "ntp-nts.h"

G_BEGIN_DECLS

/* The trusted certificates, by set (chrony.conf's `ntstrustedcerts [SET] FILE`, a source's
 * `certset N`): set 0 also holds the system's trust store unless `nosystemcert`. A set's TLS
 * credentials are made at its first use, so an engine without NTS sources never loads the
 * system store. */
typedef struct _MrdNtsTrust MrdNtsTrust;

MrdNtsTrust *mrd_nts_trust_new (gboolean system_certs);
void         mrd_nts_trust_free (MrdNtsTrust *trust);
/* PEM certificates (a file's contents) for @set. FALSE with an error when there is none. */
gboolean     mrd_nts_trust_add_pem (MrdNtsTrust *trust, guint set, const guint8 *pem, gsize len,
                                    const char *label, GError **error);
gboolean     mrd_nts_trust_get_system (MrdNtsTrust *trust);

typedef struct _MrdNtske MrdNtske;

/* The end of an exchange, from the main context, never from within mrd_ntske_start: the
 * server's response and the client-to-server and server-to-client keys (NTS_KEY_LEN bytes
 * each), or NULLs and @error. All borrowed for the call. */
typedef void (*MrdNtskeFunc) (const NtsKeResponse *response, const guint8 *c2s,
                              const guint8 *s2c, const GError *error, gpointer user_data);

/* Connect to @address (the NTS-KE port) on @fd (a TCP socket not yet connected, made as the
 * configuration says, mrd_net_tcp_client_socket; owned from now on), check
 * the certificate against @certset of @trust for @name (a host name, or an address written
 * as in the configuration), exchange the records; give up after @timeout_ms. @check_time
 * FALSE: the certificates' activation and expiration times are not checked (chrony.conf's
 * nocerttimecheck, for a clock not yet set); the chain and the name still are. */
MrdNtske *mrd_ntske_start  (MrdNtsTrust *trust, guint certset, const char *name,
                            const MrdNetAddress *address, int fd, gboolean check_time,
                            guint timeout_ms, MrdNtskeFunc func, gpointer user_data);
/* Stop it without a callback. */
void      mrd_ntske_cancel (MrdNtske *ke);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdNtsTrust, mrd_nts_trust_free)

G_END_DECLS
