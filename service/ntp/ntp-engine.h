/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-engine.h — the NTP core's public face.
 *
 * The core is a pure state machine in plain C11: no GLib, no sockets, no main loop, no
 * time() inside. Everything it knows of the world comes through NtpEnv (ntp-types.h); the
 * daemon fills the env from its network and clock modules, the simulator (tests/sim) from its
 * simulated world, the fuzzer feeds ntp_engine_receive().
 *
 * This header brings in the shared types (ntp-types.h), the chrony.conf parser
 * (ntp-config.h) and the drift file format (ntp-drift.h), so a user of the core includes
 * only this one.
 */
#pragma once

#include "ntp-config.h"
#include "ntp-drift.h"
#include "ntp-nts.h"
#include "ntp-types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct NtpEngine NtpEngine;

NtpEngine *ntp_engine_new (const NtpEnv *env, const NtpConfig *cfg);
void ntp_engine_free (NtpEngine *e);

/* Returns the source index (stable while the source exists), or -1 when full. */
int ntp_engine_add_source (NtpEngine *e, const NtpSourceConfig *sc);
void ntp_engine_remove_source (NtpEngine *e, unsigned src);

/* Begin polling (arms the first timer). */
void ntp_engine_start (NtpEngine *e);
/* A datagram from source `src`, received when the local clock read rx_ns. Any bytes. */
void ntp_engine_receive (NtpEngine *e, unsigned src, int64_t rx_ns, const uint8_t *pkt, size_t len);
/* The kernel's transmit timestamp of source `src`'s outstanding request, on the local clock
 * as env->now reads it: t1 becomes it instead of the time read just before env->send. Ignored
 * without an outstanding request or when earlier than that time (not this request's). */
void ntp_engine_tx_timestamp (NtpEngine *e, unsigned src, int64_t tx_ns);
/* The reference ID (RFC 5905 §7.3, ntp-refid.h) of the local address source `src`'s replies
 * come to; 0 = not known. While we serve, a server whose reference ID is this one is
 * synchronized to us, and its samples would close a loop (chronyd's test D). */
void ntp_engine_set_local_refid (NtpEngine *e, unsigned src, uint32_t refid);
/* The end of the NTS-KE exchange env->nts_ke started for source `src`: the server's response
 * (ntp_nts_ke_parse_response gave NTS_KE_OK) and the two keys the TLS exporter gave
 * (NTS_KEY_LEN bytes each), or r NULL when it failed (the source then backs off). Ignored
 * when no exchange is pending for the source. */
void ntp_engine_nts_ke_done (NtpEngine *e, unsigned src, const NtsKeResponse *r,
                             const uint8_t *c2s, const uint8_t *s2c);
/* The jar of NTS source `src` as it stands (a copy, for ntsdumpdir): false unless it has
 * keys and a cookie and no NAK is pending. */
bool ntp_engine_nts_get_jar (const NtpEngine *e, unsigned src, NtpNtsJar *out);
/* A saved jar (ntp_nts_dump_find) for `src`, taken only before its first key exchange (no
 * keys yet, none pending): its requests then use it instead of a new NTS-KE. */
bool ntp_engine_nts_set_jar (NtpEngine *e, unsigned src, const NtpNtsJar *jar);
/* Grows whenever the jar changes enough to be saved again: new keys, a NAK, and every
 * NTS_MAX_COOKIES / 2 cookies renewed by replies (not each packet). */
uint32_t ntp_engine_nts_jar_serial (const NtpEngine *e, unsigned src);
/* The deadline armed through env->arm_timer has passed. */
void ntp_engine_timer (NtpEngine *e);

/* `chronyc makestep THRESHOLD LIMIT`, `maxupdateskew SKEW`, `reselectdist DIST`: `directive` (one of
 * ntp_config_runtime_directives) set to `value` as ntp_config_set_runtime reads it, from the
 * next update on; makestep's LIMIT counts updates from now. Returns 0, or -1 with a message in
 * err (nothing changed). */
int ntp_engine_set_directive (NtpEngine *e, const char *directive, const char *value, char *err,
                              size_t errlen);
/* `chronyc burst` and `chronyc makestep`. */
void ntp_engine_burst (NtpEngine *e);
/* The most requests one `chronyc burst GOOD/MAX` may ask of a source: chronyd sets no bound;
 * a burst is for a few samples within seconds (iburst's is 8), and a larger MAX would be a
 * flood of the server. */
#define NTP_BURST_MAX_TOTAL 64
/* `chronyc burst GOOD/MAX` for source `src`: up to MAX requests a couple of seconds apart,
 * ending after GOOD good samples; then polling goes on as before (an offline source stays
 * offline). False for an unknown source or counts outside 1 <= GOOD <= MAX <=
 * NTP_BURST_MAX_TOTAL (nothing started). */
bool ntp_engine_burst_source (NtpEngine *e, unsigned src, int good, int total);
void ntp_engine_make_step (NtpEngine *e);
/* `chronyc reselect`: select now as if no source were selected, so that the best source
 * takes over even when the current one is within reselectdist of it. */
void ntp_engine_reselect (NtpEngine *e);
/* `chronyc reset sources`: every source's measurements are dropped (statistics, clock filter,
 * reach register, estimated asymmetry) and the clock is not synchronised until new samples
 * select a source again. The frequency, a slew in progress and each source's poll interval
 * are kept: the measurements were wrong (the computer moved to another network, or resumed
 * with its clock reset), not the oscillator. */
void ntp_engine_reset_sources (NtpEngine *e);
/* Someone else stepped the clock by step_s (positive = it now reads more): settimeofday,
 * `date -s`, another daemon. Unlike chronyd, which finds such a jump from its timeouts and
 * throws its measurements away, the caller knows the step exactly (the clock's distance
 * from one that no step moves), so everything stored in the clock's time moves with it:
 * the samples now say the clock is that much further off, the next poll stays when it was
 * due (a step back no longer holds polling until the clock gets there again), and the next
 * update corrects the clock as makestep and the panic bound allow. The offset the clock was
 * still removing by itself is taken back (a kernel step clears it) and counted in. Not
 * synchronized until that update when the step is larger than the root distance. */
void ntp_engine_clock_stepped (NtpEngine *e, double step_s);

/* `chronyc offline` / `online` for source `src`: offline, it sends nothing, reads unreachable
 * (reach 0, state '?') and keeps its statistics; online, polling resumes (ntp-source.h,
 * ntp_source_poll_set_online). A reference taken offline is replaced at once. Returns true
 * when the source's connectivity changed. */
bool ntp_engine_set_online (NtpEngine *e, unsigned src, bool online);
bool ntp_engine_source_online (const NtpEngine *e, unsigned src);
/* chronyc minpoll / maxpoll / maxdelay / maxdelayratio / maxdelaydevratio / minstratum /
 * polltarget for source `src`: `option` set to `value` as ntp_source_config_modify reads and
 * couples it. The poll interval is brought within new bounds at once and the next regular
 * request follows the last by it; the delay limits apply from the next sample; the stratum
 * the source counts as follows a new minstratum at once. Returns 0, or -1 with a message in
 * err (nothing changed). */
int ntp_engine_modify_source (NtpEngine *e, unsigned src, const char *option, const char *value,
                              char *err, size_t errlen);
/* The request env->send was just given for `src` could not go out for want of a route
 * (ENETUNREACH, EHOSTUNREACH, EPERM from a firewall, as chronyd counts them): a source with
 * `auto_offline` goes offline. May be called from within env->send. Returns true when it did. */
bool ntp_engine_send_failed (NtpEngine *e, unsigned src);

void ntp_engine_get_tracking (const NtpEngine *e, NtpTracking *out);
/* A tracking report as it reads `seconds` later, without a new update: the offset still being
 * slewed out follows the slew's plan (slew_rate, slew_left), as chronyd's "System time" is
 * read from the kernel when asked; while synchronized, the root dispersion grows with what is
 * not known of the frequency and the oscillator's allowed wander, (skew + |residual frequency|
 * + maxclockerror) x time, as chronyd's does between updates. */
void ntp_tracking_age (NtpTracking *t, double seconds);
/* false when src is not a live source. */
bool ntp_engine_get_source (const NtpEngine *e, unsigned src, NtpSourceReport *out);

/* The frequency estimate and its skew, for the drift file. */
void ntp_engine_get_drift (const NtpEngine *e, double *freq_ppm, double *skew_ppm);
char ntp_source_state_char (NtpSourceState s);

#ifdef __cplusplus
}
#endif
