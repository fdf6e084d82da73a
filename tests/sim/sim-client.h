/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-client.h — a client the simulated world can drive: the Meridian engine, or the built-in
 * SNTP-style reference client. Both see the world only through an NtpEnv (ntp-engine.h). */
#pragma once

#include "sim-scenario.h"
#include "ntp-engine.h"

typedef struct {
  const char *name;
  /* Sources are added in scenario order and must get indices 0..n-1. NULL + err on failure. */
  void *(*create) (const NtpEnv *env, const SimScenario *scn, char *err, size_t errlen);
  void (*destroy) (void *c);
  void (*start) (void *c);
  void (*receive) (void *c, unsigned src, int64_t rx_ns, const uint8_t *pkt, size_t len);
  void (*timer) (void *c);
  /* chronyc's state character for source src: * + - x ~ ? */
  char (*source_state) (void *c, unsigned src);
  /* The client's estimate of the clock's own frequency error, ppm, positive = fast. */
  double (*freq_estimate) (void *c);
  /* Optional (NULL: not known). The offset the client has decided on but not yet slewed out
   * (s, positive = the clock ahead), and the time of its last clock update (local clock, ns;
   * 0 = none): the true error minus the pending part is the error of what the client
   * believes, so the CSV can tell the estimate's error from the slew's. */
  double (*pending) (void *c, int64_t *ref_time_ns);
} SimClientOps;

extern const SimClientOps sim_client_meridian;   /* sim-client-meridian.c, the real core */
extern const SimClientOps sim_client_sntp;       /* sim-sntp.c */
