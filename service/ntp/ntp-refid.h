/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-refid.h — how NTP names a server it is synchronized to (RFC 5905 §7.3, the reference
 * ID): an IPv4 server by its address, an IPv6 server by the first four octets of the MD5 of
 * its address. Clients compare it with their own address to find a synchronization loop
 * (chronyd's test D, ntp-engine.c), so it must be the RFC's, bit for bit, not any hash.
 * MD5 here is that naming function only, never a MAC (ntp-packet.h's MACs are the daemon's
 * crypto library's). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 1321's digest of data[0..len). */
void ntp_md5 (const void *data, size_t len, uint8_t digest[16]);

/* The reference ID of an address given as its bytes in network order: 4 (IPv4) or 16
 * (IPv6); 0 for any other length. */
uint32_t ntp_refid_from_address (const uint8_t *bytes, size_t len);

/* The same for an address written as text: "192.0.2.1", "2001:db8::1", "[2001:db8::1]", or
 * either with its port ("192.0.2.1:123", "[2001:db8::1]:123"). False (and *out untouched)
 * when it is no address (a host name). */
bool ntp_refid_parse (const char *address, uint32_t *out);

#ifdef __cplusplus
}
#endif
