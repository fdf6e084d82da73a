/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-serve.c — answering NTP clients (see ntp-serve.h). */
#include "ntp-serve.h"
#include "ntp-packet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* "LOCL": the reference ID of a server that serves its own clock (`local`), as chronyd's. */
#define REFID_LOCAL 0x4C4F434Cu
/* The client log is a hash table of buckets this many records wide (chronyd's slots hold 16
 * too): a new client takes the place of the least recently heard of in its bucket only when
 * the bucket is full. At the default size (372 buckets) 2500 clients fill a bucket past 16
 * with a probability under 1e-3 each; with 4-wide buckets a fifth of them were forgotten
 * while the table was less than half full. */
#define WAYS 16

typedef struct {
  bool used;
  uint8_t addr[16];
  int64_t last_ns;     /* when it was last heard of */
  int64_t last_answered_ns;
  double tokens;       /* answers it may have at once, up to the burst (`ratelimit`) */
  uint64_t heard;      /* the request count when it was last heard of (least recent goes) */
  uint64_t hits, drops;
  double gap, gap_answered;   /* mean intervals (s) between its requests, its answers; 0 = none */
} Client;

struct NtpServe {
  NtpServeConfig cfg;
  NtpServeCounts counts;
  int n_buckets;       /* the client log: n_buckets x WAYS records; 0 = none (`noclientlog`) */
  Client (*clients)[WAYS];
  uint32_t hash_start; /* FNV-1a's state after the hash key (ntp_serve_set_hash_key) */
};

void
ntp_serve_config_init (NtpServeConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->port = 123;
  cfg->local_stratum = NTP_SERVE_LOCAL_STRATUM_DEFAULT;
  cfg->local_distance = NTP_SERVE_LOCAL_DISTANCE_DEFAULT;
  /* chrony's ratelimit defaults, used once the directive is given */
  cfg->ratelimit_interval = 3;
  cfg->ratelimit_burst = 8;
  cfg->ratelimit_leak = 2;
  cfg->clientloglimit = NTP_SERVE_CLIENTLOGLIMIT_DEFAULT;
}

int
ntp_serve_log_capacity (const NtpServeConfig *cfg)
{
  if (cfg->noclientlog)
    return 0;
  uint64_t buckets = cfg->clientloglimit / (sizeof (Client) * WAYS);
  if (buckets < 1)
    buckets = 1;
  if (buckets > NTP_SERVE_MAX_CLIENTS / WAYS)
    buckets = NTP_SERVE_MAX_CLIENTS / WAYS;
  return (int) buckets * WAYS;
}

uint64_t
ntp_serve_log_bytes (int clients)
{
  return (uint64_t) clients * sizeof (Client);
}

bool
ntp_serve_prefix_match (const uint8_t a[16], const uint8_t net[16], int bits)
{
  int whole = bits / 8, rest = bits % 8;
  if (memcmp (a, net, (size_t) whole) != 0)
    return false;
  if (rest == 0)
    return true;
  uint8_t mask = (uint8_t) (0xff00u >> rest);
  return (a[whole] & mask) == (net[whole] & mask);
}

bool
ntp_serve_allowed (const NtpServeConfig *cfg, const uint8_t addr[16])
{
  int best = -1;
  bool allow = false;
  for (int i = 0; i < cfg->n_rules; i++) {
    const NtpServeRule *r = &cfg->rules[i];
    if (r->bits > best && ntp_serve_prefix_match (addr, r->addr, r->bits)) {
      best = r->bits;
      allow = r->allow;
    }
  }
  return allow;
}

bool
ntp_serve_enabled (const NtpServeConfig *cfg)
{
  if (cfg->port <= 0)
    return false;
  for (int i = 0; i < cfg->n_rules; i++)
    if (cfg->rules[i].allow)
      return true;
  return false;
}

const char *
ntp_serve_verdict_string (NtpServeVerdict v)
{
  switch (v) {
  case NTP_SERVE_ANSWERED: return "answered";
  case NTP_SERVE_DENIED: return "client not allowed";
  case NTP_SERVE_LIMITED: return "over the rate limit";
  case NTP_SERVE_MALFORMED: return "malformed request";
  case NTP_SERVE_NOT_A_REQUEST: return "not a client request";
  case NTP_SERVE_AUTHENTICATED: return "authenticated request, not served";
  case NTP_SERVE_N_VERDICTS: break;
  }
  return "?";
}

NtpServe *
ntp_serve_new (const NtpServeConfig *cfg)
{
  NtpServe *sv = calloc (1, sizeof *sv);
  if (!sv)
    return NULL;
  sv->cfg = *cfg;
  sv->hash_start = 2166136261u;
  sv->n_buckets = ntp_serve_log_capacity (cfg) / WAYS;
  if (sv->n_buckets > 0 && !(sv->clients = calloc ((size_t) sv->n_buckets, sizeof *sv->clients))) {
    free (sv);
    return NULL;
  }
  return sv;
}

void
ntp_serve_set_hash_key (NtpServe *sv, const uint8_t key[NTP_SERVE_HASH_KEY_LEN])
{
  uint32_t h = 2166136261u;
  for (int i = 0; i < NTP_SERVE_HASH_KEY_LEN; i++)
    h = (h ^ key[i]) * 16777619u;
  sv->hash_start = h;
  if (sv->n_buckets > 0)
    memset (sv->clients, 0, (size_t) sv->n_buckets * sizeof *sv->clients);
}

void
ntp_serve_free (NtpServe *sv)
{
  if (!sv)
    return;
  free (sv->clients);
  free (sv);
}

void
ntp_serve_get_counts (const NtpServe *sv, NtpServeCounts *out)
{
  *out = sv->counts;
}

static unsigned
bucket_of (const NtpServe *sv, const uint8_t addr[16])
{
  /* FNV-1a over the key, then the address: spreads neighbouring addresses, and without the
   * key no one knows which share a bucket; the ways and the least-recent rule bound what a
   * flood of spoofed addresses can do to one client's record. */
  uint32_t h = sv->hash_start;
  for (int i = 0; i < 16; i++)
    h = (h ^ addr[i]) * 16777619u;
  return h % (unsigned) sv->n_buckets;
}

/* A mean interval, exponentially weighted (each new interval counts for a quarter, as chrony
 * weighs its clients' rates), from @gap (0 = none yet) and the interval @dt (s). */
static double
mean_gap (double gap, double dt)
{
  return gap > 0 ? gap + (dt - gap) / 4.0 : dt;
}

/* The client log (chrony's clientlog): the record of the client at @addr, made (and the least
 * recently heard of its bucket forgotten) when it has none; NULL without a log. */
static Client *
client_record (NtpServe *sv, const uint8_t addr[16], int64_t now_ns)
{
  if (sv->n_buckets == 0)
    return NULL;
  Client *ways = sv->clients[bucket_of (sv, addr)];
  for (int i = 0; i < WAYS; i++)
    if (ways[i].used && !memcmp (ways[i].addr, addr, 16))
      return &ways[i];
  Client *c = &ways[0];
  for (int i = 1; i < WAYS; i++)
    if (!ways[i].used || (c->used && ways[i].heard < c->heard))
      c = &ways[i];
  sv->counts.forgotten += c->used;
  *c = (Client) { .used = true, .last_ns = now_ns, .last_answered_ns = INT64_MIN,
                  .tokens = sv->cfg.ratelimit_burst };
  memcpy (c->addr, addr, 16);
  return c;
}

/* Whether this request of client @c is within its rate: tokens refill at one per
 * 2^interval s up to the burst, and an answer spends one. */
static bool
within_rate (const NtpServe *sv, Client *c, double dt)
{
  if (dt > 0)
    c->tokens = fmin ((double) sv->cfg.ratelimit_burst,
                      c->tokens + dt / ldexp (1.0, sv->cfg.ratelimit_interval));
  return c->tokens >= 1.0;
}

/* An NTP timestamp of t with the bits below the clock's precision drawn at random, as
 * chronyd fills them: the reading's last bits carry nothing, and random ones keep a client
 * from learning more of the clock than it can tell. */
static uint64_t
fuzzed_ts (int64_t t_ns, int precision, uint32_t random)
{
  uint64_t ts = ntp_ts_from_ns (t_ns);
  int below = 32 + precision; /* fraction bits under the precision */
  if (below <= 0)
    return ts;
  if (below > 32)
    below = 32;
  uint64_t mask = below == 32 ? 0xffffffffu : ((1u << below) - 1);
  return (ts & ~mask) | (random & mask);
}

/* Seconds rounded up to NTP's 16.16 short format (the codec rounds to the nearest): a bound
 * on the error must not read less than it is. */
static double
up_to_short (double s)
{
  return s > 0 ? ceil (s * 65536.0) / 65536.0 : 0.0;
}

static NtpServeVerdict
verdict (NtpServe *sv, NtpServeVerdict v)
{
  sv->counts.by_verdict[v]++;
  if (v == NTP_SERVE_ANSWERED)
    sv->counts.answered++;
  return v;
}

NtpServeVerdict
ntp_serve_respond (NtpServe *sv, const NtpServeClock *clock, const uint8_t addr[16],
                   const uint8_t *req, size_t len, uint8_t *out, size_t out_size,
                   size_t *out_len)
{
  *out_len = 0;
  sv->counts.received++;
  if (!ntp_serve_allowed (&sv->cfg, addr))
    return verdict (sv, NTP_SERVE_DENIED);
  if (len < NTP_PACKET_HEADER_LEN || len > NTP_PACKET_MAX_LEN || len % 4 != 0)
    return verdict (sv, NTP_SERVE_MALFORMED);
  int version = (req[0] >> 3) & 7, mode = req[0] & 7;
  if (mode != NTP_MODE_CLIENT || version < 1 || version > 4)
    return verdict (sv, NTP_SERVE_NOT_A_REQUEST);
  if (len > NTP_PACKET_HEADER_LEN)
    return verdict (sv, NTP_SERVE_AUTHENTICATED);
  /* Without a client log (`noclientlog`) nothing is known of the client: as in chronyd, no
   * rate limit can then apply. */
  Client *c = client_record (sv, addr, clock->rx_ns);
  if (c) {
    bool fresh = c->hits == 0;
    double dt = (double) (clock->rx_ns - c->last_ns) * 1e-9;
    c->heard = sv->counts.received;
    c->hits++;
    if (!fresh && dt >= 0)
      c->gap = mean_gap (c->gap, dt);
    c->last_ns = clock->rx_ns;
    if (sv->cfg.ratelimit && !within_rate (sv, c, dt)) {
      uint64_t leak_mask = (1ull << sv->cfg.ratelimit_leak) - 1;
      if (sv->cfg.ratelimit_leak <= 0 || ((clock->random >> 40) & leak_mask) != 0) {
        c->drops++;
        return verdict (sv, NTP_SERVE_LIMITED);
      }
    } else if (sv->cfg.ratelimit) {
      c->tokens -= 1.0;
    }
    if (c->last_answered_ns != INT64_MIN && clock->rx_ns >= c->last_answered_ns)
      c->gap_answered = mean_gap (c->gap_answered,
                                  (double) (clock->rx_ns - c->last_answered_ns) * 1e-9);
    c->last_answered_ns = clock->rx_ns;
  }
  const NtpTracking *t = clock->tracking;
  bool synced = t->synchronized && !t->leap_unsynchronized;
  /* `local`: the own clock too once the sources' time is too uncertain to pass on */
  if (synced && sv->cfg.local
      && t->root_delay / 2 + t->root_dispersion > sv->cfg.local_distance)
    synced = false;
  int leap = NTP_LI_UNSYNC, stratum = 16;
  uint32_t refid = 0;
  double root_delay = 0, root_dispersion = 0;
  uint64_t ref_ts = 0;
  if (synced) {
    leap = t->leap == NTP_LEAP_INSERT ? NTP_LI_INSERT
           : t->leap == NTP_LEAP_DELETE ? NTP_LI_DELETE : NTP_LI_NONE;
    stratum = t->stratum < 1 ? 1 : t->stratum > 15 ? 15 : t->stratum;
    refid = t->ref_id;
    root_delay = t->root_delay;
    root_dispersion = t->root_dispersion;
    ref_ts = t->ref_time_ns ? ntp_ts_from_ns (t->ref_time_ns) : 0;
  } else if (sv->cfg.local) {
    leap = NTP_LI_NONE;
    stratum = sv->cfg.local_stratum;
    refid = REFID_LOCAL;
    /* chronyd's local reference: updated as it answers */
    ref_ts = ntp_ts_from_ns (clock->rx_ns);
  }
  int precision = clock->precision < -32 ? -32 : clock->precision > 0 ? 0 : clock->precision;

  /* The time served is the clock's reading less the offset it is still slewing out (chronyd
   * serves its "cooked" time likewise): the best estimate of the true time, whatever pace the
   * slew takes. A client would otherwise see each correction twice, once in the reading and
   * again as it is slewed out. */
  double pending = isfinite (t->system_time_offset) && fabs (t->system_time_offset) < 1.0
                   ? t->system_time_offset : 0.0;
  int64_t correction_ns = (int64_t) llround (pending * 1e9);
  uint64_t client_tx = 0;
  for (int i = 40; i < 48; i++)
    client_tx = client_tx << 8 | req[i];
  NtpPacket reply = {
    .leap = (uint8_t) leap, .version = (uint8_t) version, .mode = NTP_MODE_SERVER,
    .stratum = (uint8_t) stratum,
    .poll = (int8_t) req[2],               /* the client's poll, as chronyd answers */
    .precision = (int8_t) precision,
    .root_delay = up_to_short (root_delay), .root_dispersion = up_to_short (root_dispersion),
    .refid = refid, .ref_ts = ref_ts,
    .org_ts = client_tx,                   /* origin: the request's transmit timestamp */
    .rx_ts = fuzzed_ts (clock->rx_ns - correction_ns, precision, (uint32_t) clock->random),
    .tx_ts = fuzzed_ts (clock->tx_ns - correction_ns, precision,
                        (uint32_t) (clock->random >> 32)),
  };
  if (ntp_packet_encode (out, out_size, &reply) != NTP_PACKET_HEADER_LEN)
    return verdict (sv, NTP_SERVE_MALFORMED);
  *out_len = NTP_PACKET_HEADER_LEN;
  return verdict (sv, NTP_SERVE_ANSWERED);
}

static int
compare_clients (const void *a, const void *b)
{
  return memcmp (((const NtpServeClient *) a)->addr, ((const NtpServeClient *) b)->addr, 16);
}

int
ntp_serve_list_clients (const NtpServe *sv, int64_t now_ns, NtpServeClient *out, int max)
{
  int n = 0;
  for (int b = 0; b < sv->n_buckets; b++)
    for (int w = 0; w < WAYS; w++) {
      const Client *c = &sv->clients[b][w];
      if (!c->used || n >= max)
        continue;
      NtpServeClient *o = &out[n++];
      memcpy (o->addr, c->addr, 16);
      o->requests = c->hits;
      o->dropped = c->drops;
      o->interval = c->gap;
      /* after limiting: only when there is a limit (chronyc shows '-' otherwise) */
      o->interval_answered = sv->cfg.ratelimit ? c->gap_answered : 0.0;
      o->last_ago = now_ns >= c->last_ns ? (double) (now_ns - c->last_ns) * 1e-9 : 0.0;
    }
  qsort (out, (size_t) n, sizeof *out, compare_clients);
  return n;
}
