/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-sntp.c — an SNTP-style reference client, as systemd-timesyncd behaves: one server at a
 * time, every reply's offset taken as it comes (no filter, no regression, no selection), an
 * offset over 0.4 s stepped, smaller ones handed to the kernel PLL (adjtimex ADJ_OFFSET with
 * STA_PLL and a time constant of log2(poll) − 4), the poll interval doubled while the offset
 * stays under 50 ms and cut back when it grows (timesyncd's manager_adjust_poll), a simple
 * jitter-based spike filter, and unanswered requests retried after an interval that doubles
 * from the minimum to the maximum poll (three misses: the next server). The kernel PLL is emulated here as Linux's kernel/time/ntp.c
 * documents it: on an update, freq += offset·secs / 2^(2·(SHIFT_PLL + 2 + tc)) (secs clamped to
 * 2^(SHIFT_PLL + 1 + tc)), plus an FLL term offset / (4·secs) when secs > 2048; each second the
 * remaining offset is slewed by offset / 2^(SHIFT_PLL + tc); |freq| <= 500 ppm.
 *
 * It is written for comparison only, to show what an SNTP client reaches in the same world.
 */
#include "sim-client.h"
#include "sim-ntp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNTP_MAX_ADJUST 0.4      /* s: larger offsets are stepped (timesyncd NTP_MAX_ADJUST) */
#define SNTP_ACCURACY 0.2        /* s: timesyncd NTP_ACCURACY_SEC */
#define SNTP_MAX_MISSED 3          /* timesyncd NTP_MAX_MISSED_REPLIES: then try the next server */
#define SNTP_SAMPLES 8
#define KERNEL_SHIFT_PLL 2
#define KERNEL_MAXFREQ_PPM 500.0
#define KERNEL_MAXPHASE 0.5
#define NS_PER_S 1000000000LL

typedef struct {
  NtpEnv env;
  int n_servers;
  int cur;
  int minpoll, maxpoll, poll;
  bool pending;
  int missed;
  int64_t retry_ns;          /* timesyncd's retry_interval: poll min, doubling up to poll max */
  int64_t t1_ns;
  uint64_t tx_ts;
  int64_t next_poll_ns, timeout_ns, next_tick_ns;
  bool synced, poll_resync;
  /* spike filter */
  struct { double offset, delay; } samples[SNTP_SAMPLES];
  int idx;
  unsigned packets;
  double jitter;
  /* the emulated kernel PLL */
  double time_offset;        /* s still to slew */
  double time_freq;          /* s/s */
  int time_constant;
  int64_t last_update_ns;
  bool have_update;
  double applied_ppm;
  NtpLeap leap;
} SntpClient;

static int
clamp_int (int v, int lo, int hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

static void
parse_poll_options (const char *line, int *minpoll, int *maxpoll)
{
  char copy[SIM_LINE_MAX];
  snprintf (copy, sizeof copy, "%s", line);
  char *save = NULL, *prev = NULL;
  for (char *w = strtok_r (copy, " \t", &save); w; w = strtok_r (NULL, " \t", &save))
    {
      if (prev && !strcmp (prev, "minpoll"))
        *minpoll = atoi (w);
      if (prev && !strcmp (prev, "maxpoll"))
        *maxpoll = atoi (w);
      prev = w;
    }
}

static void *
sntp_create (const NtpEnv *env, const SimScenario *scn, char *err, size_t errlen)
{
  SntpClient *c = calloc (1, sizeof *c);
  if (!c)
    return NULL;
  c->env = *env;
  c->n_servers = scn->n_servers;
  /* timesyncd's defaults: PollIntervalMinSec=32, PollIntervalMaxSec=2048; a source line's
   * minpoll/maxpoll (e.g. the fixed 64 s of chrony's Test 2) applies to it too, for fairness */
  c->minpoll = 5;
  c->maxpoll = 11;
  parse_poll_options (scn->servers[0].line, &c->minpoll, &c->maxpoll);
  c->minpoll = clamp_int (c->minpoll, 0, 17);
  c->maxpoll = clamp_int (c->maxpoll, c->minpoll, 17);
  c->poll = c->minpoll;
  return c;
}

static void
sntp_destroy (void *p)
{
  free (p);
}

static void
sntp_arm (SntpClient *c)
{
  int64_t d = c->next_tick_ns;
  if (c->pending && c->timeout_ns < d)
    d = c->timeout_ns;
  if (!c->pending && c->next_poll_ns < d)
    d = c->next_poll_ns;
  c->env.arm_timer (c->env.ud, d);
}

static void
sntp_send (SntpClient *c)
{
  int64_t now = c->env.now (c->env.ud);
  SimNtpPacket p = { .version = 4, .mode = 3, .poll = c->poll };
  /* timesyncd puts its own clock reading in the transmit field and checks the echo */
  p.transmit_ts = sim_ntp_ts_from_ns (now);
  uint8_t buf[SIM_NTP_HEADER];
  sim_ntp_encode (&p, buf);
  c->pending = true;
  c->t1_ns = now;
  c->tx_ts = p.transmit_ts;
  /* no answer: ask again after the retry interval, which doubles each time */
  int64_t maxp = ((int64_t) 1 << c->maxpoll) * NS_PER_S;
  c->retry_ns = c->retry_ns > 0 ? (c->retry_ns < maxp ? c->retry_ns * 2 : maxp) : ((int64_t) 1 << c->minpoll) * NS_PER_S;
  c->timeout_ns = now + c->retry_ns;
  c->env.send (c->env.ud, (unsigned) c->cur, buf, sizeof buf);
}

static void
sntp_apply_freq (SntpClient *c, double ppm)
{
  if (ppm != c->applied_ppm)
    {
      c->env.set_freq (c->env.ud, ppm);
      c->applied_ppm = ppm;
    }
}

static void
sntp_start (void *p)
{
  SntpClient *c = p;
  int64_t now = c->env.now (c->env.ud);
  c->next_tick_ns = now + NS_PER_S;
  c->next_poll_ns = now;
  c->poll_resync = true;
  sntp_send (c);
  sntp_arm (c);
}

/* one second of the kernel's phase slew (second_overflow) */
static void
kernel_tick (SntpClient *c)
{
  double delta = c->time_offset / (double) (1 << (KERNEL_SHIFT_PLL + c->time_constant));
  c->time_offset -= delta;
  sntp_apply_freq (c, (c->time_freq + delta) * 1e6);
}

static void
kernel_update_offset (SntpClient *c, double offset, int64_t now)
{
  if (offset > KERNEL_MAXPHASE)
    offset = KERNEL_MAXPHASE;
  if (offset < -KERNEL_MAXPHASE)
    offset = -KERNEL_MAXPHASE;
  c->time_constant = clamp_int (c->poll - 4, 0, 10);
  double secs = c->have_update ? floor ((double) (now - c->last_update_ns) / NS_PER_S) : 1e9;
  c->last_update_ns = now;
  c->have_update = true;
  double adj = 0;
  if (secs >= 256 && secs > 2048)
    adj += offset / (4.0 * secs);     /* FLL */
  double cap = (double) (1 << (KERNEL_SHIFT_PLL + 1 + c->time_constant));
  if (secs > cap)
    secs = cap;
  adj += offset * secs / ldexp (1.0, 2 * (KERNEL_SHIFT_PLL + 2 + c->time_constant));
  c->time_freq += adj;
  if (c->time_freq > KERNEL_MAXFREQ_PPM * 1e-6)
    c->time_freq = KERNEL_MAXFREQ_PPM * 1e-6;
  if (c->time_freq < -KERNEL_MAXFREQ_PPM * 1e-6)
    c->time_freq = -KERNEL_MAXFREQ_PPM * 1e-6;
  c->time_offset = offset;
}

static bool
spike_detect (SntpClient *c, double offset, double delay)
{
  c->packets++;
  if (c->packets == 1)
    return false;   /* the first sample is taken as it is and not kept */
  int cur = c->idx;
  int nw = (cur + 1) % SNTP_SAMPLES;
  c->idx = nw;
  c->samples[nw].offset = offset;
  c->samples[nw].delay = delay;
  double jitter = c->jitter;
  int best = cur;
  for (int i = 0; i < SNTP_SAMPLES; i++)
    if (c->samples[i].delay > 0 && c->samples[i].delay < c->samples[best].delay)
      best = i;
  double j = 0;
  for (int i = 0; i < SNTP_SAMPLES; i++)
    j += pow (c->samples[i].offset - c->samples[best].offset, 2);
  c->jitter = sqrt (j / (SNTP_SAMPLES - 1));
  if (c->poll_resync)
    return false;
  if (fabs (offset) > delay)
    return false;
  if (c->packets < 4)
    return false;
  if (fabs (offset) > c->samples[best].delay)
    return true;
  return fabs (offset - c->samples[cur].offset) > 3 * jitter;
}

static void
adjust_poll (SntpClient *c, double offset, bool spike)
{
  if (c->poll_resync)
    {
      c->poll = c->minpoll;
      c->poll_resync = false;
      return;
    }
  if (!spike && fabs (offset) > SNTP_ACCURACY)
    {
      c->poll = c->minpoll;
      return;
    }
  if (fabs (offset) < SNTP_ACCURACY * 0.25)
    {
      if (c->poll < c->maxpoll)
        c->poll++;
      return;
    }
  if (spike || fabs (offset) > SNTP_ACCURACY * 0.75)
    {
      if (c->poll > c->minpoll)
        c->poll--;
    }
}

static void
sntp_receive (void *p, unsigned src, int64_t rx_ns, const uint8_t *pkt, size_t len)
{
  SntpClient *c = p;
  SimNtpPacket r;
  if (!c->pending || (int) src != c->cur || !sim_ntp_decode (pkt, len, &r))
    return;
  if (r.origin_ts != c->tx_ts || r.mode != 4 || r.transmit_ts == 0)
    return;
  c->pending = false;
  c->missed = 0;
  c->retry_ns = 0;
  int64_t now = c->env.now (c->env.ud);
  if (r.stratum == 0 || r.stratum >= 16 || r.leap == 3)
    {
      /* a KoD or an unsynchronized server: timesyncd drops it and tries the next one */
      c->cur = (c->cur + 1) % c->n_servers;
      c->next_poll_ns = now + ((int64_t) 1 << c->minpoll) * NS_PER_S;
      sntp_arm (c);
      return;
    }
  double t2_t1 = (double) (sim_ntp_ts_to_ns (r.receive_ts) - c->t1_ns) * 1e-9;
  double t3_t4 = (double) (sim_ntp_ts_to_ns (r.transmit_ts) - rx_ns) * 1e-9;
  double offset = (t2_t1 + t3_t4) / 2;  /* positive: the local clock is behind */
  double delay = (double) (rx_ns - c->t1_ns) * 1e-9 - sim_ntp_ts_diff (r.transmit_ts, r.receive_ts);

  bool spike = spike_detect (c, offset, delay);
  adjust_poll (c, offset, spike);
  if (!spike)
    {
      c->synced = true;
      /* timesyncd passes the server's leap indicator straight to the kernel (STA_INS/STA_DEL) */
      NtpLeap leap = r.leap == 1 ? NTP_LEAP_INSERT : r.leap == 2 ? NTP_LEAP_DELETE : NTP_LEAP_NONE;
      if (leap != c->leap && c->env.set_leap)
        c->env.set_leap (c->env.ud, leap);
      c->leap = leap;
      if (fabs (offset) >= SNTP_MAX_ADJUST)
        {
          /* NtpEnv's step takes the clock's offset (positive = ahead): ours is the opposite */
          c->env.step (c->env.ud, -offset);
          now = c->env.now (c->env.ud);
        }
      else
        {
          kernel_update_offset (c, offset, now);
        }
    }
  c->next_poll_ns = now + ((int64_t) 1 << c->poll) * NS_PER_S;
  sntp_arm (c);
}

static void
sntp_timer (void *p)
{
  SntpClient *c = p;
  int64_t now = c->env.now (c->env.ud);
  while (now >= c->next_tick_ns)
    {
      kernel_tick (c);
      c->next_tick_ns += NS_PER_S;
    }
  if (c->pending && now >= c->timeout_ns)
    {
      /* no answer: send again; after a few misses move down the server list and start over
       * (timesyncd: manager_connect, manager_begin) */
      c->pending = false;
      c->next_poll_ns = now;
      /* (timesyncd's manager_begin keeps the poll interval and the sample history) */
      if (++c->missed >= SNTP_MAX_MISSED)
        {
          c->missed = 0;
          c->cur = (c->cur + 1) % c->n_servers;
        }
    }
  if (!c->pending && now >= c->next_poll_ns)
    sntp_send (c);
  sntp_arm (c);
}

static char
sntp_source_state (void *p, unsigned src)
{
  SntpClient *c = p;
  return (int) src == c->cur && c->synced ? '*' : '?';
}

static double
sntp_freq_estimate (void *p)
{
  SntpClient *c = p;
  /* the kernel's correction cancels the clock's own error */
  return -c->time_freq * 1e6;
}

const SimClientOps sim_client_sntp = {
  .name = "sntp",
  .create = sntp_create,
  .destroy = sntp_destroy,
  .start = sntp_start,
  .receive = sntp_receive,
  .timer = sntp_timer,
  .source_state = sntp_source_state,
  .freq_estimate = sntp_freq_estimate,
};
