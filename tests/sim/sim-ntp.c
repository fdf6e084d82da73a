/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-ntp.c — see sim-ntp.h. */
#include "sim-ntp.h"

#include "sim-clock.h"

#include <math.h>
#include <string.h>

uint64_t
sim_ntp_ts_from_sim (int64_t epoch_unix, double sim_s)
{
  double whole = floor (sim_s);
  double frac = sim_s - whole;
  uint64_t sec = (uint64_t) (epoch_unix + (int64_t) whole) + SIM_NTP_UNIX_DELTA;
  uint64_t f = (uint64_t) llround (frac * 4294967296.0);
  if (f > 0xffffffffULL)
    {
      f = 0;
      sec++;
    }
  return (sec << 32) | f;
}

uint64_t
sim_ntp_ts_from_ns (int64_t unix_ns)
{
  int64_t sec = unix_ns / 1000000000LL;
  int64_t ns = unix_ns % 1000000000LL;
  if (ns < 0)
    {
      ns += 1000000000LL;
      sec--;
    }
  uint64_t f = ((uint64_t) ns << 32) / 1000000000ULL;
  return ((uint64_t) (sec + (int64_t) SIM_NTP_UNIX_DELTA) << 32) | f;
}

int64_t
sim_ntp_ts_to_ns (uint64_t ts)
{
  int64_t sec = (int64_t) (ts >> 32) - (int64_t) SIM_NTP_UNIX_DELTA;
  uint64_t f = ts & 0xffffffffULL;
  return sec * 1000000000LL + (int64_t) ((f * 1000000000ULL + (1ULL << 31)) >> 32);
}

double
sim_ntp_ts_diff (uint64_t b, uint64_t a)
{
  return (double) (int64_t) (b - a) / 4294967296.0;
}

static void
put32 (uint8_t *p, uint32_t v)
{
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t
get32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void
put64 (uint8_t *p, uint64_t v)
{
  put32 (p, (uint32_t) (v >> 32));
  put32 (p + 4, (uint32_t) v);
}

static uint64_t
get64 (const uint8_t *p)
{
  return (uint64_t) get32 (p) << 32 | get32 (p + 4);
}

/* NTP short format: 16.16 fixed-point seconds (RFC 5905 §6) */
static uint32_t
short_from_s (double s)
{
  if (s < 0)
    s = 0;
  if (s > 65535.0)
    s = 65535.0;
  return (uint32_t) llround (s * 65536.0);
}

void
sim_ntp_encode (const SimNtpPacket *p, uint8_t out[SIM_NTP_HEADER])
{
  memset (out, 0, SIM_NTP_HEADER);
  out[0] = (uint8_t) ((p->leap & 3) << 6 | (p->version & 7) << 3 | (p->mode & 7));
  out[1] = (uint8_t) p->stratum;
  out[2] = (uint8_t) (int8_t) p->poll;
  out[3] = (uint8_t) (int8_t) p->precision;
  put32 (out + 4, short_from_s (p->root_delay));
  put32 (out + 8, short_from_s (p->root_disp));
  put32 (out + 12, p->refid);
  put64 (out + 16, p->ref_ts);
  put64 (out + 24, p->origin_ts);
  put64 (out + 32, p->receive_ts);
  put64 (out + 40, p->transmit_ts);
}

bool
sim_ntp_decode (const uint8_t *buf, size_t len, SimNtpPacket *p)
{
  if (len < SIM_NTP_HEADER)
    return false;
  p->leap = buf[0] >> 6;
  p->version = (buf[0] >> 3) & 7;
  p->mode = buf[0] & 7;
  p->stratum = buf[1];
  p->poll = (int8_t) buf[2];
  p->precision = (int8_t) buf[3];
  p->root_delay = get32 (buf + 4) / 65536.0;
  p->root_disp = get32 (buf + 8) / 65536.0;
  p->refid = get32 (buf + 12);
  p->ref_ts = get64 (buf + 16);
  p->origin_ts = get64 (buf + 24);
  p->receive_ts = get64 (buf + 32);
  p->transmit_ts = get64 (buf + 40);
  return true;
}

uint32_t
sim_ntp_refid (const char *ascii)
{
  uint8_t b[4] = { 0, 0, 0, 0 };
  for (int i = 0; i < 4 && ascii[i]; i++)
    b[i] = (uint8_t) ascii[i];
  return get32 (b);
}
