/* mrd-keys.h — symmetric NTP keys.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The key file chronyd reads (chrony.conf(5), "keyfile") and the MACs
 * made with them (RFC 5905 §7.3, RFC 8573): the digest of the key followed by the packet.
 *
 * A line is `ID [TYPE] KEY`: ID a whole number from 1 to 4294967295; TYPE one of MD5 (the
 * default), SHA1, SHA256, SHA384, SHA512 (the hashes GLib computes), SHA3-224, SHA3-256,
 * SHA3-384, SHA3-512, AES128 or AES256 (the CMAC of the packet: the key must have 128 or 256
 * bits), the types chronyd built with nettle takes; the last six are computed by a module
 * (sync/mrd-mac-module.h). Others (chronyd's TIGER and WHIRLPOOL, which need libraries other
 * than nettle) are refused with FILE:LINE. KEY a string of printable characters without
 * blanks, optionally prefixed "ASCII:", or "HEX:" and hexadecimal digits. Comment and blank
 * lines are chrony.conf's.
 *
 * The key file is a secret, so one that any user could read or write (mode bits for others)
 * is refused as a whole, where chronyd only warns: a key everyone can read authenticates
 * nothing. Who reads it: the process that reads the configuration (meridiand as root, or the
 * `--no-bus` daemon before it serves), never the sandboxed NTP engine, which is handed only
 * the keys its sources name (service/privsep/mrd-engine-proxy.c).
 */
#pragma once

#include <glib.h>

#include "sync/mrd-mac-module.h"

G_BEGIN_DECLS

typedef struct _MrdKeys MrdKeys;

MrdKeys  *mrd_keys_new   (void);
void      mrd_keys_free  (MrdKeys *keys);
MrdKeys  *mrd_keys_copy  (const MrdKeys *keys);

/* Parse a key file's text. Each bad line is reported in @diagnostics (if not NULL) as
 * "FILENAME:LINE: why" and skipped; a duplicated ID keeps the first key. Returns the keys
 * taken. */
guint     mrd_keys_parse_data (MrdKeys *keys, const char *data, const char *filename,
                               GPtrArray *diagnostics);
/* Check a key file's mode bits (and owner, for the message): FALSE with an error when users
 * other than the owner and group could read or write it. */
gboolean  mrd_keys_check_mode (const char *path, guint mode, GError **error);

/* One key: @type by chronyd's name (case-insensitive), @secret of @len bytes. FALSE with an
 * error for an unusable type, an empty secret or an ID of 0. */
gboolean  mrd_keys_add   (MrdKeys *keys, guint32 id, const char *type, const guint8 *secret,
                          gsize len, GError **error);
gboolean  mrd_keys_has   (const MrdKeys *keys, guint32 id);
guint     mrd_keys_count (const MrdKeys *keys);

/* Whether key @id's MAC is computed by meridian-mac.so (SHA3, AES-CMAC). */
gboolean  mrd_keys_needs_module (const MrdKeys *keys, guint32 id);
/* The MAC digest of @data under key @id, at most @max_len bytes of it in @out (chronyd's
 * truncation); returns the bytes written, 0 for an unknown key, or for a key that needs the
 * module when @module_mac (the module's function) is NULL. */
gsize     mrd_keys_mac   (const MrdKeys *keys, guint32 id, const guint8 *data, gsize len,
                          guint8 *out, gsize max_len, MrdMacFunc module_mac);

/* What `chronyc authdata` shows of key @id: chronyd's number for its type (hash.h: MD5 1,
 * SHA1 2, SHA256 3, SHA384 4, SHA512 5, SHA3-224 6 to SHA3-512 9; cmac.h: AES128 13, AES256
 * 14) and the secret's length in bits. FALSE when unknown. */
gboolean  mrd_keys_describe (const MrdKeys *keys, guint32 id, guint *type, guint *bits);

/* The keys @ids name (unknown ones left out) as a(usay): ID, type, secret — what the engine
 * is handed. mrd_keys_add_variant() takes such a value (checked as untrusted) into @keys. */
GVariant *mrd_keys_to_variant  (const MrdKeys *keys, const guint32 *ids, guint n_ids);
gboolean  mrd_keys_add_variant (MrdKeys *keys, GVariant *value, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdKeys, mrd_keys_free)

G_END_DECLS
