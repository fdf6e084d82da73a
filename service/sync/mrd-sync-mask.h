/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-sync-mask.h — which sources a connectivity command (chronyc offline / online /
 * onoffline, the Sources interface's SetConnectivity) applies to, in chronyc's syntax:
 *
 *   ""                      every source
 *   ADDRESS                 that address ("192.0.2.1", "2001:db8::1")
 *   ADDRESS/BITS            a subnet ("192.0.2.0/24", "2001:db8::/32")
 *   MASK/ADDRESS            the same with a mask ("255.255.255.0/192.0.2.0")
 *   NAME                    a source configured by that host name (chronyc resolves a name
 *                           itself and matches the address; here the name as configured is
 *                           matched, so no lookup is needed and every address of a pool line
 *                           named so matches)
 */
#pragma once

#include <glib.h>
#include <sys/socket.h>

G_BEGIN_DECLS

/* What a connectivity command asks: chronyc's offline, online, onoffline. */
typedef enum {
  MRD_CONNECTIVITY_OFFLINE,
  MRD_CONNECTIVITY_ONLINE,
  MRD_CONNECTIVITY_AUTO,     /* onoffline: online where the kernel has a route */
} MrdConnectivity;

/* "offline", "online", "auto" (the names on the bus and the engine channel); FALSE for any
 * other string. */
gboolean    mrd_connectivity_from_string (const char *text, MrdConnectivity *out);
const char *mrd_connectivity_to_string   (MrdConnectivity connectivity);

typedef struct {
  gboolean all;          /* "": every source */
  int family;            /* AF_INET / AF_INET6; 0 with a name */
  guint8 address[16];
  guint8 mask[16];
  char name[256];        /* a host name, matched against the configured one */
} MrdSyncMask;

/* Refused with G_IO_ERROR_INVALID_ARGUMENT (in MRD_IO_ERROR's domain): a mask and an address
 * of different families, bits out of range, a name that cannot be a host name. */
gboolean mrd_sync_mask_parse (const char *text, MrdSyncMask *out, GError **error);
/* Whether a source polled at @sa (port ignored) and configured as @name matches. */
gboolean mrd_sync_mask_match (const MrdSyncMask *mask, const struct sockaddr *sa,
                              const char *name);
/* The same with the address as chronyc shows it: "192.0.2.1", "192.0.2.1:1123",
 * "[2001:db8::1]:1123", "2001:db8::1". */
gboolean mrd_sync_mask_match_string (const MrdSyncMask *mask, const char *address,
                                     const char *name);

/* chronyd's onoffline test (its ntp_io.c): whether the kernel has a route to @sa, i.e.
 * connect(2) on a UDP socket succeeds. Nothing is sent. */
gboolean mrd_sync_mask_connectable (const struct sockaddr *sa, socklen_t len);

G_END_DECLS
