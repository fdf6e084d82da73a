/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-client-meridian.c — the Meridian NTP core (ntp_core_dep) as a simulated client. */
#include "sim-client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  NtpEngine *engine;
} MeridianClient;

static void *
meridian_create (const NtpEnv *env, const SimScenario *scn, char *err, size_t errlen)
{
  NtpConfig cfg;
  ntp_config_init (&cfg);
  for (int i = 0; i < scn->n_conf; i++)
    {
      char why[200] = "";
      int r = ntp_config_parse_line (&cfg, scn->conf[i], why, sizeof why);
      if (r <= 0)
        {
          snprintf (err, errlen, "conf '%s': %s", scn->conf[i], r == 0 ? "not a directive the core knows" : why);
          return NULL;
        }
    }
  if (scn->have_drift)
    {
      cfg.have_drift = true;
      cfg.initial_freq_ppm = scn->drift_freq;
      cfg.initial_skew_ppm = scn->drift_skew;
    }
  MeridianClient *c = calloc (1, sizeof *c);
  if (!c)
    return NULL;
  c->engine = ntp_engine_new (env, &cfg);
  if (!c->engine)
    {
      snprintf (err, errlen, "ntp_engine_new failed");
      free (c);
      return NULL;
    }
  for (int i = 0; i < scn->n_servers; i++)
    {
      NtpSourceConfig sc;
      ntp_source_config_init (&sc);
      char why[200] = "";
      if (ntp_source_config_parse (&sc, scn->servers[i].line, why, sizeof why) != 0)
        {
          snprintf (err, errlen, "'%s': %s", scn->servers[i].line, why);
          ntp_engine_free (c->engine);
          free (c);
          return NULL;
        }
      int idx = ntp_engine_add_source (c->engine, &sc);
      if (idx != i)
        {
          snprintf (err, errlen, "ntp_engine_add_source gave index %d to source %d", idx, i);
          ntp_engine_free (c->engine);
          free (c);
          return NULL;
        }
    }
  return c;
}

static void
meridian_destroy (void *p)
{
  MeridianClient *c = p;
  ntp_engine_free (c->engine);
  free (c);
}

static void
meridian_start (void *p)
{
  ntp_engine_start (((MeridianClient *) p)->engine);
}

static void
meridian_receive (void *p, unsigned src, int64_t rx_ns, const uint8_t *pkt, size_t len)
{
  ntp_engine_receive (((MeridianClient *) p)->engine, src, rx_ns, pkt, len);
}

static void
meridian_timer (void *p)
{
  ntp_engine_timer (((MeridianClient *) p)->engine);
}

static char
meridian_source_state (void *p, unsigned src)
{
  NtpSourceReport r;
  if (!ntp_engine_get_source (((MeridianClient *) p)->engine, src, &r))
    return ' ';
  return ntp_source_state_char (r.state);
}

static double
meridian_freq_estimate (void *p)
{
  NtpTracking t;
  ntp_engine_get_tracking (((MeridianClient *) p)->engine, &t);
  return t.freq_ppm;
}

static double
meridian_pending (void *p, int64_t *ref_time_ns)
{
  NtpTracking t;
  ntp_engine_get_tracking (((MeridianClient *) p)->engine, &t);
  *ref_time_ns = t.ref_time_ns;
  return t.system_time_offset;
}

const SimClientOps sim_client_meridian = {
  .name = "meridian",
  .create = meridian_create,
  .destroy = meridian_destroy,
  .start = meridian_start,
  .receive = meridian_receive,
  .timer = meridian_timer,
  .source_state = meridian_source_state,
  .freq_estimate = meridian_freq_estimate,
  .pending = meridian_pending,
};
