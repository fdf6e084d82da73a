/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-source.c — see ntp-source.h. */
#include "ntp-source.h"

#include <math.h>

static int
clamp_poll (int v)
{
  return v < NTP_POLL_MIN ? NTP_POLL_MIN : v > NTP_POLL_MAX ? NTP_POLL_MAX : v;
}

int64_t
ntp_poll_to_ns (double log2_s)
{
  return (int64_t) llround (pow (2.0, log2_s) * 1e9);
}

/* The configured bounds, as the configuration gives them or as changed at run time. */
static void
set_bounds (NtpSourcePoll *p, int minpoll, int maxpoll, int polltarget)
{
  p->minpoll = clamp_poll (minpoll);
  p->maxpoll = clamp_poll (maxpoll);
  if (p->maxpoll < p->minpoll)
    p->maxpoll = p->minpoll;
  p->polltarget = polltarget > 0 ? polltarget : 8;
}

void
ntp_source_poll_init (NtpSourcePoll *p, const NtpSourceConfig *sc)
{
  *p = (NtpSourcePoll) { 0 };
  set_bounds (p, sc->minpoll, sc->maxpoll, sc->polltarget);
  p->floor_poll = p->minpoll;
  p->poll = p->minpoll;
  p->iburst = sc->iburst;
  p->burst = sc->burst;
  p->next_tx_ns = INT64_MAX;
  p->last_tx_ns = INT64_MIN;
  p->burst_anchor_ns = INT64_MIN;
}

static void
start_burst (NtpSourcePoll *p, int good, int total)
{
  p->burst_good_left = good;
  p->burst_total_left = total;
  p->burst_anchor_ns = INT64_MIN;
}

void
ntp_source_poll_start (NtpSourcePoll *p, int64_t now_ns)
{
  if (p->stopped || p->offline)
    return;
  if (p->iburst)
    start_burst (p, NTP_IBURST_GOOD, NTP_IBURST_TOTAL);
  p->next_tx_ns = now_ns;
}

void
ntp_source_poll_set_offline (NtpSourcePoll *p)
{
  p->offline = true;
  p->next_tx_ns = INT64_MAX;
  p->reach = 0;
  p->reach_size = 0;
  p->missed = 0;
  p->burst_good_left = p->burst_total_left = 0;
  p->burst_anchor_ns = INT64_MIN;
}

void
ntp_source_poll_forget_reach (NtpSourcePoll *p)
{
  p->reach = 0;
  p->reach_size = 0;
}

void
ntp_source_poll_set_online (NtpSourcePoll *p, int64_t now_ns)
{
  if (!p->offline)
    return;
  p->offline = false;
  if (p->stopped)
    return;
  int64_t next = now_ns + (int64_t) llround (NTP_ONLINE_DELAY * 1e9);
  if (p->iburst)
    start_burst (p, NTP_IBURST_GOOD, NTP_IBURST_TOTAL);
  else if (p->last_tx_ns != INT64_MIN && p->last_tx_ns + ntp_poll_to_ns (p->poll) > next)
    /* The poll interval since the last request is kept: going offline and online again
     * quickly does not make a request sooner than the interval allows. */
    next = p->last_tx_ns + ntp_poll_to_ns (p->poll);
  p->next_tx_ns = next;
}

/* An offline source sends nothing once a `chronyc burst` it was given is over (chronyd's
 * burst on an offline source: sample it, then back to offline). */
static void
settle_offline (NtpSourcePoll *p)
{
  if (p->offline && !ntp_source_poll_in_burst (p))
    p->next_tx_ns = INT64_MAX;
}

void
ntp_source_poll_burst (NtpSourcePoll *p, int64_t now_ns)
{
  ntp_source_poll_burst_counts (p, now_ns, NTP_IBURST_GOOD, NTP_IBURST_TOTAL);
}

void
ntp_source_poll_burst_counts (NtpSourcePoll *p, int64_t now_ns, int good, int total)
{
  if (p->stopped || good < 1 || total < good)
    return;
  start_burst (p, good, total);
  if (p->next_tx_ns > now_ns)
    p->next_tx_ns = now_ns;
}

void
ntp_source_poll_set_limits (NtpSourcePoll *p, int minpoll, int maxpoll, int polltarget,
                            int64_t now_ns)
{
  int old_poll = p->poll;
  /* floor_poll above minpoll is a RATE kiss's: the server asked for no more than that. */
  bool kissed = p->floor_poll > p->minpoll;
  set_bounds (p, minpoll, maxpoll, polltarget);
  p->floor_poll = kissed && p->floor_poll > p->minpoll ? p->floor_poll : p->minpoll;
  if (p->maxpoll < p->floor_poll)
    p->maxpoll = p->floor_poll;
  if (p->poll < p->floor_poll)
    p->poll = p->floor_poll;
  else if (p->poll > p->maxpoll)
    p->poll = p->maxpoll;
  if (p->poll != old_poll)
    p->poll_score = 0.0;
  /* A burst keeps its own spacing; an offline or stopped source sends nothing anyway. */
  if (p->poll == old_poll || p->next_tx_ns == INT64_MAX || p->last_tx_ns == INT64_MIN
      || ntp_source_poll_in_burst (p) || p->offline || p->stopped)
    return;
  p->next_tx_ns = p->last_tx_ns + ntp_poll_to_ns (p->poll);
  if (p->next_tx_ns < now_ns)
    p->next_tx_ns = now_ns;
}

bool
ntp_source_poll_in_burst (const NtpSourcePoll *p)
{
  return p->burst_good_left > 0 && p->burst_total_left > 0;
}

double
ntp_source_poll_interval (const NtpSourcePoll *p)
{
  return ldexp (1.0, p->poll);
}

/* chrony's adjust_poll: fractional steps accumulate, whole ones move the poll, and the
 * score is reset at the limits so it cannot wind up. */
static void
adjust_poll (NtpSourcePoll *p, double adj)
{
  p->poll_score += adj;
  if (p->poll_score >= 1.0) {
    p->poll += (int) p->poll_score;
    p->poll_score -= (int) p->poll_score;
  } else if (p->poll_score < 0.0) {
    int whole = (int) (p->poll_score - 1.0);
    p->poll += whole;
    p->poll_score -= whole;
  }
  if (p->poll < p->floor_poll) {
    p->poll = p->floor_poll;
    p->poll_score = 0.0;
  } else if (p->poll > p->maxpoll) {
    p->poll = p->maxpoll < p->floor_poll ? p->floor_poll : p->maxpoll;
    p->poll_score = 1.0 - 1e-9;
    if (p->poll == p->floor_poll)
      p->poll_score = 0.0;
  }
}

void
ntp_source_poll_transmitted (NtpSourcePoll *p, int64_t now_ns)
{
  p->reach = (uint8_t) (p->reach << 1);
  if (p->reach_size < 8)
    p->reach_size++;
  p->missed++;
  p->last_tx_ns = now_ns;
  if (p->stopped) {
    p->next_tx_ns = INT64_MAX;
    return;
  }
  if (!ntp_source_poll_in_burst (p) && p->burst && p->poll > 1 && !p->offline) {
    start_burst (p, 1, 4);
    p->burst_anchor_ns = now_ns;
  }
  if (ntp_source_poll_in_burst (p)) {
    p->burst_total_left--;
    if (p->burst_total_left == 0 && p->burst_anchor_ns != INT64_MIN) {
      /* the retries of a `burst` poll are used up: wait for the next regular poll */
      p->next_tx_ns = p->burst_anchor_ns + ntp_poll_to_ns (p->poll);
      if (p->next_tx_ns < now_ns)
        p->next_tx_ns = now_ns + ntp_poll_to_ns (p->poll);
      return;
    }
    double interval = fmin (NTP_BURST_INTERVAL, ldexp (1.0, p->poll));
    p->next_tx_ns = now_ns + (int64_t) llround (interval * 1e9);
    /* the burst's last request: an offline source waits for its reply, then nothing */
    if (p->offline && p->burst_total_left == 0)
      p->next_tx_ns = INT64_MAX;
    return;
  }
  /* Without replies, back off (chrony raises the poll by a quarter per silent request). The
   * reference backs off slower (chrony: a tenth): its samples are the ones the clock runs on,
   * and on a lossy path or after an outage a shorter poll finds the replies that get through
   * sooner, while the rate stays bounded by maxpoll. */
  if (p->missed >= 2)
    adjust_poll (p, p->sync_peer ? 0.1 : 0.25);
  p->next_tx_ns = now_ns + ntp_poll_to_ns (p->poll);
  settle_offline (p);
}

void
ntp_source_poll_replied (NtpSourcePoll *p, int64_t now_ns)
{
  bool was_unreachable = p->reach == 0 && p->ever_reached;
  p->reach |= 1;
  p->missed = 0;
  p->ever_reached = true;
  /* Back after an outage: take a quick burst (as at start) so the statistics, which were
   * probably reset by the gap, fill again in seconds rather than polls. */
  if (was_unreachable && p->iburst && !p->offline) {
    start_burst (p, NTP_IBURST_GOOD, NTP_IBURST_TOTAL);
    int64_t soon = now_ns + (int64_t) llround (fmin (NTP_BURST_INTERVAL, ldexp (1.0, p->poll)) * 1e9);
    if (p->next_tx_ns > soon)
      p->next_tx_ns = soon;
  }
}

void
ntp_source_poll_shift (NtpSourcePoll *p, int64_t by_ns)
{
  if (p->next_tx_ns != INT64_MAX)
    p->next_tx_ns += by_ns;
  if (p->last_tx_ns != INT64_MIN)
    p->last_tx_ns += by_ns;
  if (p->burst_anchor_ns != INT64_MIN)
    p->burst_anchor_ns += by_ns;
}

void
ntp_source_poll_sample (NtpSourcePoll *p, int64_t now_ns, double error, double peer_distance,
                        int samples)
{
  if (ntp_source_poll_in_burst (p)) {
    p->burst_good_left--;
    if (!ntp_source_poll_in_burst (p) && p->last_tx_ns != INT64_MIN && !p->stopped) {
      /* The burst got what it came for: back to the regular interval. */
      int64_t from = p->burst_anchor_ns != INT64_MIN ? p->burst_anchor_ns : p->last_tx_ns;
      p->next_tx_ns = from + ntp_poll_to_ns (p->poll);
      if (p->next_tx_ns < now_ns)
        p->next_tx_ns = now_ns;
    }
    settle_offline (p);
    return;
  }
  double adj;
  if (peer_distance > 0 && error > peer_distance) {
    /* The prediction missed by more than the measurement's own error: we are not tracking
     * the source well, so poll faster, the more the worse. */
    adj = -log2 (error / peer_distance);
  } else {
    /* Keep about `polltarget` samples in the regression: more kept means the noise dominates
     * and longer polls cost nothing; fewer means wander dominates (chrony's rule). */
    adj = ((double) samples / p->polltarget - 1.0) / p->polltarget;
    /* Fewer samples kept than the target means the runs test is cutting the history: the
     * oscillator's wander shows within it, and every poll spent too long costs accuracy, so
     * shorten twice as fast as the interval would grow (chrony does the same). */
    if (samples < p->polltarget)
      adj *= 2.0;
  }
  adjust_poll (p, adj);
  /* The next request follows the last one by the interval as it is now (chrony schedules it
   * after each reply): back from an outage at the longest poll, a sample that shows we have
   * drifted shortens the poll, and the next request must not wait out the old interval. */
  if (!p->stopped && p->last_tx_ns != INT64_MIN) {
    p->next_tx_ns = p->last_tx_ns + ntp_poll_to_ns (p->poll);
    if (p->next_tx_ns < now_ns)
      p->next_tx_ns = now_ns;
  }
  settle_offline (p);
}

void
ntp_source_poll_kod (NtpSourcePoll *p, NtpPacketResult kod, int pkt_poll, int64_t now_ns)
{
  switch (kod) {
  case NTP_PKT_KOD_RATE: {
    /* RFC 5905 §7.4: reduce the rate; never below what the server asked for, and stop any
     * burst (a burst is exactly what it complained about). The interval that drew the kiss
     * was too short, so the new one is at least twice it. */
    int old_poll = p->poll;
    int want = p->poll + 1;
    if (pkt_poll > want)
      want = pkt_poll;
    want = clamp_poll (want);
    if (want > p->floor_poll)
      p->floor_poll = want;
    if (p->poll < p->floor_poll)
      p->poll = p->floor_poll;
    if (p->maxpoll < p->floor_poll)
      p->maxpoll = p->floor_poll;
    p->poll_score = 0.0;
    p->burst_good_left = p->burst_total_left = 0;
    /* A rate limiter (ntpd's `limited`, chronyd's `ratelimit`) is a leaky bucket: our
     * requests filled it, and it stops kissing only once it has drained. Its depth is not
     * on the wire, so back off as chronyd does, four of the intervals that filled it on top
     * of the new interval. The wait counts from the request that drew the kiss (the server
     * timed that one), not from the reply. And the new interval may sit exactly at the
     * server's limit, where our clock's own frequency error decides: the back-off keeps the
     * first request after the kiss clear of it whatever that error. */
    int64_t from = p->last_tx_ns != INT64_MIN ? p->last_tx_ns : now_ns;
    int64_t next = from + ntp_poll_to_ns (p->poll) + 4 * ntp_poll_to_ns (old_poll);
    if (next < now_ns)
      next = now_ns;
    if (p->next_tx_ns < next)
      p->next_tx_ns = next;
    settle_offline (p);
    break;
  }
  case NTP_PKT_KOD_DENY:
  case NTP_PKT_KOD_RSTR:
    /* The server refuses us: stop for good (RFC 5905 §7.4). */
    p->stopped = true;
    p->next_tx_ns = INT64_MAX;
    p->burst_good_left = p->burst_total_left = 0;
    break;
  default:
    break;
  }
}
