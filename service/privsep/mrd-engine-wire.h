/* mrd-engine-wire.h — the GVariant shapes of the reports on the engine channel
 * (mrd-channel.h), shared by the child (mrd-engine-child.c) and the parent
 * (mrd-engine-proxy.c) so both read and write one definition.
 *
 * Messages, parent → child:
 *   "configure"     a{sv}  core-lines (as), rtcsync (b), drift ((dd) freq, skew ppm; absent =
 *                          none), enabled (b) — first, once
 *   "rekey"         a(usay) the keys the sources name, as "keys" carries them: they replace
 *                          every key the engine had (chronyc rekey)
 *   "add-source"    (us)   the daemon's source id, a chrony.conf source line
 *   "remove-source" u      the id
 *   "burst", "make-step", "reselect", "refresh", "reset-sources"   ()
 *   "burst-sources" (uus)  chronyc burst GOOD/MAX MASK: the counts and the sources
 *                          (mrd-sync-mask.h: "" = all)
 *   "set-connectivity" (ss) "offline", "online" or "auto" (onoffline), and the sources
 *                          (mrd-sync-mask.h: "" = all)
 *   "modify-source" (uss)  the daemon's source id, an option chronyc can change at run time
 *                          and its value (ntp_source_config_modify); replayed after the
 *                          source's "add-source" to an engine started anew
 *   "set-directive" (ss)   a directive chronyc can change at run time (makestep,
 *                          maxupdateskew) and its value (ntp_config_set_runtime); sent again
 *                          after "configure" to an engine started anew
 *   "enable"        b      start or stop polling
 *   "try-write"     s      debug: open that path for writing, answer "try-write-result"
 *   "nts-dump"      (ss)   the saved NTS cookies of an nts line (its dump's name, the text;
 *                          ntp-nts.h), read by the parent from ntsdumpdir: just before that
 *                          line's "add-source"
 *   "nts-dump-now"  ()     send every nts line's "nts-dump", then "nts-dump-done" (the
 *                          daemon is exiting: the cookies not yet spent are saved)
 *   "snapshot"      ()     carries the snapshot's memfd (SCM_RIGHTS) — after "configure"
 *   "list-clients"  (uu)   a serial and the first entry: answer "clients" with that page
 *                          of the server's client log (page 0 lists it anew, the later ones
 *                          slice that listing)
 *   "serve-socket"  (i)    carries a bound UDP server socket of that family (AF_INET,
 *                          AF_INET6; SCM_RIGHTS) for `allow`: the parent binds port 123,
 *                          which the sandboxed child cannot — before "configure"
 * child → parent:
 *   "update"        (TRACKING s a(uss REPORT) (bdd) SERVE)  tracking, the reference's name,
 *                          every polled address with the id of its line and its local address,
 *                          the drift (valid, freq, skew) and the server's counts: after a command, and after a clock update or a change of the
 *                          sources that changes its discrete key (mrd_wire_discrete_key); every
 *                          update also goes to the snapshot (mrd-engine-snapshot.h)
 *   "error"         s      a command failed (logged by the parent)
 *   "clients"       (uuu a(sttddd))  the answer to "list-clients" of that serial: the
 *                          first entry, the entries in all, and at most MRD_WIRE_CLIENTS_PAGE
 *                          of the client log from the first (mrd-sync-serve.h,
 *                          MRD_SYNC_SERVE_CLIENTS): a log of thousands of clients does not fit
 *                          one message (MRD_CHANNEL_MAX_MESSAGE)
 *   "nts-dump"      (ss)   an nts line's cookies to save (name, text): after a key exchange,
 *                          a NAK, every few cookies renewed, at stop; the parent writes it
 *                          under ntsdumpdir only for a name of a line it gave
 *   "nts-dump-done" ()     the answer to "nts-dump-now"
 *   "try-write-result" i   errno of the attempt (0 = it opened)
 *   "statlog"       (us)   a line of chronyd's statistics log of that kind (NtpStatlogKind,
 *                          ntp-statlog.h): the parent writes it under logdir, checked and
 *                          within a budget of lines a second (mrd-statlog.h)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include "ntp-engine.h"
#include "ntp-serve.h"

G_BEGIN_DECLS

/* NtpTracking, the slew's plan (slew_rate, slew_left) and maxclockerror last. */
#define MRD_WIRE_TRACKING "(buiixdddddddddiibddd)"
/* A source's report, then the last reply's header and timestamps (NtpReplyInfo: leap, version,
 * mode, stratum, precision, root delay, root dispersion, refid, t1..t4, reference time), the
 * count of valid replies and whether the source is offline. */
#define MRD_WIRE_REPLY "(yyyyidduxxxxx)"
/* ... then whether the source is offline, the authentication (chronyc authdata): mode, key
 * id, NTS key bits, seconds since the last NTS-KE, its attempts, NAK, cookies, cookie length;
 * the last reply's interleaved mode, response time (ns) and kernel t1; whether the source is
 * in a burst; the last selection's verdict (NtpSelectVerdict), interval low and high, sample
 * age and score (chronyc selectdata). */
#define MRD_WIRE_REPORT "(iiiydddddddduiiddddd" MRD_WIRE_REPLY "tbiuidibiibxbbyddddutttt)"
/* A polled address: its line's id, the address, the local address its requests go out from
 * ("" before the first), its report. */
#define MRD_WIRE_SOURCE "(uss" MRD_WIRE_REPORT ")"
/* Clients in one "clients" message: at most about 64 bytes each (an IPv6 address written
 * out, two counts, three figures), 64 KiB a page, well within MRD_CHANNEL_MAX_MESSAGE. */
#define MRD_WIRE_CLIENTS_PAGE 1024
/* What the server (`allow`) did since the engine was made (NtpServeCounts): requests
 * answered, over the rate limit, from clients not allowed, malformed, not client requests,
 * authenticated (not served), and clients' rate records forgotten. */
#define MRD_WIRE_SERVE "(ttttttt)"
#define MRD_WIRE_UPDATE "(" MRD_WIRE_TRACKING "sa" MRD_WIRE_SOURCE "(bdd)" MRD_WIRE_SERVE ")"

GVariant *mrd_wire_tracking (const NtpTracking *t);
GVariant *mrd_wire_serve    (const NtpServeCounts *c);
void      mrd_wire_get_serve (GVariant *v, NtpServeCounts *c);
GVariant *mrd_wire_report   (const NtpSourceReport *r);
/* Read back, clamping what a real report cannot hold (state, leap). */
void      mrd_wire_get_tracking (GVariant *v, NtpTracking *t);
void      mrd_wire_get_report   (GVariant *v, NtpSourceReport *r);

/* @update (MRD_WIRE_UPDATE) as it reads @seconds later: each source's time since its last
 * sample grown by that much (a source never heard from stays so), and the tracking's offset
 * still to slew and root dispersion as the core ages them (ntp_tracking_age). A new reference (not floating). */
GVariant *mrd_wire_update_aged (GVariant *update, double seconds);

/* The part of an update (MRD_WIRE_UPDATE) that the bus announces when it changes: whether
 * synchronized, the reference (id, source, name, stratum), the leap status, whether the clock
 * was ever updated, and each polled address's line, local address, state, stratum, poll interval
 * and connectivity. The
 * measured figures (offsets, frequency, delays, reach, sample counts) are not in it: they change
 * with every update and are read from the snapshot when asked. */
GVariant *mrd_wire_discrete_key (GVariant *update);

G_END_DECLS
