/* mrd-sync-serve.h — meridiand answering NTP clients (chrony's `allow`): the core's answers
 * (service/ntp/ntp-serve.h) on server sockets (service/net/mrd-net.h), timed by the engine's
 * clock and stamped with its state.
 *
 * It lives while the engine runs (mrd-sync-engine.c makes it after the core and frees it
 * before): a client never hears from a clock that nothing disciplines.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "clock/mrd-clock.h"
#include "ntp-types.h"
#include "ntp-serve.h"

G_BEGIN_DECLS

typedef struct _MrdSyncServe MrdSyncServe;

/* The clock's state as the engine reports it now (mrd_sync_engine_get_tracking: the
 * reference named by its address, as chronyd names it). @served (with the same user data)
 * is called a second after a datagram came, then at most once a second while more come: the
 * counts changed. */
typedef void (*MrdSyncServeTrackingFunc) (gpointer user_data, NtpTracking *out);

/* Serves on @given[0] (IPv4) and @given[1] (IPv6), sockets a privileged process bound
 * (mrd_net_server_open; duplicated here, the caller keeps its own) — or, when @given is NULL
 * or holds none, on sockets of its own: one per family on @config's port (bindaddress's
 * address, else any). NULL with @error when none serves. @clock is borrowed. */
MrdSyncServe *mrd_sync_serve_new        (const NtpConfig *config, const int given[2],
                                         MrdClock *clock, MrdSyncServeTrackingFunc tracking,
                                         GSourceFunc served, gpointer user_data,
                                         GError **error);
void          mrd_sync_serve_free       (MrdSyncServe *self);
/* The sockets @config serves on, bound (mrd_net_server_open, with binddevice and dscp):
 * fds[0] IPv4, fds[1] IPv6, -1 where
 * that family is not served (a bindaddress of the other family only, as chronyd does) or
 * could not be bound (then errors[i] says why). Used by the engine, and by meridiand to bind
 * port 123 for its sandboxed child. */
void          mrd_sync_serve_open_sockets (const NtpConfig *config, int fds[2],
                                           GError *errors[2]);
void          mrd_sync_serve_get_counts (MrdSyncServe *self, NtpServeCounts *out);
/* The client log (chronyc clients) as MRD_SYNC_SERVE_CLIENTS: each client's address
 * ("192.0.2.1", "2001:db8::1"), requests, dropped, mean interval between requests and
 * between answers (s, 0 = none), and seconds since it was last heard of. */
#define MRD_SYNC_SERVE_CLIENTS "a(sttddd)"
GVariant     *mrd_sync_serve_list_clients (MrdSyncServe *self);

G_END_DECLS
