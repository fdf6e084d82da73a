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
#include "ntp-types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct NtpEngine NtpEngine;

/* What `chronyc sources` and `sourcestats` show for one source. */
typedef struct {
  NtpSourceState state;
  int stratum;
  int poll;                   /* log2 s */
  uint8_t reach;
  double last_rx_ago;         /* s; < 0 = never */
  double adjusted_offset;     /* s (latest sample, corrected for later clock changes) */
  double measured_offset;     /* s (as measured) */
  double error_bound;         /* s */
  double delay, dispersion, jitter;
  uint32_t refid;             /* the source's own reference id (from its packets) */
  /* sourcestats */
  int samples, runs;
  double span;                /* s */
  double freq_ppm, skew_ppm;  /* of the local clock relative to the source */
  double stats_offset;        /* s, estimated now */
  double std_dev;             /* s */
} NtpSourceReport;

/* Every field of `chronyc tracking`. */
typedef struct {
  bool synchronized;
  uint32_t ref_id;
  int ref_source;             /* index of the selected source, -1 = none */
  int stratum;
  int64_t ref_time_ns;        /* local clock time of the last update; 0 = never */
  double system_time_offset;  /* s, positive = fast of NTP time (still being slewed out) */
  double last_offset;
  double rms_offset;
  double freq_ppm;            /* positive = the clock runs fast (uncorrected) */
  double residual_freq_ppm;
  double skew_ppm;
  double root_delay, root_dispersion;
  double update_interval;     /* s */
  NtpLeap leap;
  bool leap_unsynchronized;   /* "Not synchronised" */
} NtpTracking;

NtpEngine *ntp_engine_new (const NtpEnv *env, const NtpConfig *cfg);
void ntp_engine_free (NtpEngine *e);

/* Returns the source index (stable while the source exists), or -1 when full. */
int ntp_engine_add_source (NtpEngine *e, const NtpSourceConfig *sc);
void ntp_engine_remove_source (NtpEngine *e, unsigned src);

/* Begin polling (arms the first timer). */
void ntp_engine_start (NtpEngine *e);
/* A datagram from source `src`, received when the local clock read rx_ns. Any bytes. */
void ntp_engine_receive (NtpEngine *e, unsigned src, int64_t rx_ns, const uint8_t *pkt, size_t len);
/* The deadline armed through env->arm_timer has passed. */
void ntp_engine_timer (NtpEngine *e);

/* `chronyc burst` and `chronyc makestep`. */
void ntp_engine_burst (NtpEngine *e);
void ntp_engine_make_step (NtpEngine *e);

void ntp_engine_get_tracking (const NtpEngine *e, NtpTracking *out);
/* false when src is not a live source. */
bool ntp_engine_get_source (const NtpEngine *e, unsigned src, NtpSourceReport *out);

/* The frequency estimate and its skew, for the drift file. */
void ntp_engine_get_drift (const NtpEngine *e, double *freq_ppm, double *skew_ppm);
char ntp_source_state_char (NtpSourceState s);

#ifdef __cplusplus
}
#endif
