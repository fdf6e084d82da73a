/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mrd-udp-relay: a UDP delay relay for loopback tests (this kernel has no netem).
 *
 * Listens on a local address; every datagram from a client goes on to the target from a
 * socket of that client's own (so replies map back), and replies go back to the client.
 * Each datagram is held for base + jitter, per direction:
 *
 *   --up-delay S / --down-delay S     base delay client->target / target->client (seconds)
 *   --jitter S --dist exp|uniform     exponential with mean S, or uniform on [0, S)
 *   --up-jitter S / --down-jitter S   that jitter in one direction only (queueing one way:
 *                                     --up-jitter 0.002 --down-jitter 0)
 *   --loss P                          drop each datagram with probability P percent
 *   --ntp-shift S                     add S seconds to the receive, transmit and reference
 *                                     timestamps of NTP replies (a server whose clock is S off)
 *   --duration S                      exit after S seconds (a bound on any test run)
 *   --seed N                          reproducible draws
 *   --port-file PATH                  write the bound port there (listen port 0 = any free one)
 *   --log PATH                        one line per forwarded datagram: direction, intended
 *                                     delay, actual hold time (for the relay's own tests)
 *
 * Datagram order is not preserved when jitter reorders them, as on a real network.
 * Single-threaded: one poll() loop with a binary heap of pending datagrams.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mrd-tool-addr.h"

#define RELAY_MAX_CLIENTS 64
#define RELAY_MAX_PENDING 4096
#define RELAY_MAX_DGRAM 65536

typedef struct {
  struct sockaddr_storage addr;
  socklen_t addrlen;
  int fd;           /* connected to the target */
  double last_used;
} RelayClient;

typedef struct {
  double due;
  double queued;
  double intended;
  int out_fd;       /* -1: send from the listening socket to the client's address */
  int client;
  bool up;
  size_t len;
  uint8_t *data;
} RelayPacket;

typedef struct {
  double up_delay, down_delay, up_jitter, down_jitter, loss, ntp_shift, duration;
  bool uniform;
  uint64_t rng;
  int listen_fd;
  struct sockaddr_storage target;
  socklen_t target_len;
  RelayClient clients[RELAY_MAX_CLIENTS];
  int n_clients;
  RelayPacket heap[RELAY_MAX_PENDING];
  int n_heap;
  FILE *log;
  unsigned long forwarded, dropped, overflow;
} Relay;

static volatile sig_atomic_t relay_stop;

static void
relay_on_signal (int sig)
{
  (void) sig;
  relay_stop = 1;
}

static double
relay_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* xorshift64*: small, seedable, good enough for test delays */
static double
relay_uniform (Relay *r)
{
  r->rng ^= r->rng >> 12;
  r->rng ^= r->rng << 25;
  r->rng ^= r->rng >> 27;
  uint64_t x = r->rng * UINT64_C (2685821657736338717);
  return (x >> 11) * (1.0 / 9007199254740992.0);
}

static double
relay_draw_delay (Relay *r, bool up)
{
  double d = up ? r->up_delay : r->down_delay;
  double jitter = up ? r->up_jitter : r->down_jitter;
  if (jitter > 0) {
    if (r->uniform)
      d += jitter * relay_uniform (r);
    else
      d += -jitter * log1p (-relay_uniform (r));
  }
  return d;
}

static void
relay_heap_push (Relay *r, RelayPacket p)
{
  int i = r->n_heap++;
  while (i > 0) {
    int parent = (i - 1) / 2;
    if (r->heap[parent].due <= p.due)
      break;
    r->heap[i] = r->heap[parent];
    i = parent;
  }
  r->heap[i] = p;
}

static RelayPacket
relay_heap_pop (Relay *r)
{
  RelayPacket top = r->heap[0];
  RelayPacket last = r->heap[--r->n_heap];
  int i = 0;
  for (;;) {
    int c = 2 * i + 1;
    if (c >= r->n_heap)
      break;
    if (c + 1 < r->n_heap && r->heap[c + 1].due < r->heap[c].due)
      c++;
    if (last.due <= r->heap[c].due)
      break;
    r->heap[i] = r->heap[c];
    i = c;
  }
  if (r->n_heap > 0)
    r->heap[i] = last;
  return top;
}

/* Adds s seconds to a 64-bit NTP timestamp (big endian) in place; zero stays zero. */
static void
relay_shift_ts (uint8_t *p, double s)
{
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  if (v == 0)
    return;
  v += (uint64_t) (int64_t) llround (s * 4294967296.0);
  for (int i = 7; i >= 0; i--) {
    p[i] = v & 0xff;
    v >>= 8;
  }
}

static void
relay_ntp_shift (uint8_t *buf, size_t len, double s)
{
  /* A server reply (mode 4): reference (16), receive (32) and transmit (40) timestamps;
   * the origin (24) is the client's own and stays. */
  if (len < 48 || (buf[0] & 7) != 4)
    return;
  relay_shift_ts (buf + 16, s);
  relay_shift_ts (buf + 32, s);
  relay_shift_ts (buf + 40, s);
}

static int
relay_client_index (Relay *r, const struct sockaddr_storage *from, socklen_t fromlen)
{
  for (int i = 0; i < r->n_clients; i++)
    if (r->clients[i].addrlen == fromlen && memcmp (&r->clients[i].addr, from, fromlen) == 0)
      return i;
  int slot = r->n_clients;
  if (slot == RELAY_MAX_CLIENTS) {
    /* Reuse the longest idle slot. */
    slot = 0;
    for (int i = 1; i < r->n_clients; i++)
      if (r->clients[i].last_used < r->clients[slot].last_used)
        slot = i;
    close (r->clients[slot].fd);
  } else {
    r->n_clients++;
  }
  int fd = socket (r->target.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &r->target, r->target_len) < 0) {
    fprintf (stderr, "mrd-udp-relay: upstream socket: %s\n", strerror (errno));
    exit (1);
  }
  r->clients[slot].fd = fd;
  memcpy (&r->clients[slot].addr, from, fromlen);
  r->clients[slot].addrlen = fromlen;
  return slot;
}

static void
relay_enqueue (Relay *r, const uint8_t *buf, size_t len, int client, bool up)
{
  double now = relay_now ();
  r->clients[client].last_used = now;
  if (r->loss > 0 && relay_uniform (r) * 100.0 < r->loss) {
    r->dropped++;
    if (r->log)
      fprintf (r->log, "%s drop\n", up ? "up" : "down");
    return;
  }
  if (r->n_heap == RELAY_MAX_PENDING) {
    r->overflow++;
    return;
  }
  RelayPacket p = {0};
  p.intended = relay_draw_delay (r, up);
  p.queued = now;
  p.due = now + p.intended;
  p.client = client;
  p.up = up;
  p.len = len;
  p.data = malloc (len ? len : 1);
  if (!p.data) {
    r->overflow++;
    return;
  }
  memcpy (p.data, buf, len);
  if (!up && r->ntp_shift != 0)
    relay_ntp_shift (p.data, len, r->ntp_shift);
  relay_heap_push (r, p);
}

static void
relay_flush_due (Relay *r)
{
  double now = relay_now ();
  while (r->n_heap > 0 && r->heap[0].due <= now) {
    RelayPacket p = relay_heap_pop (r);
    RelayClient *c = &r->clients[p.client];
    ssize_t n;
    if (p.up)
      n = send (c->fd, p.data, p.len, 0);
    else
      n = sendto (r->listen_fd, p.data, p.len, 0, (struct sockaddr *) &c->addr, c->addrlen);
    if (n >= 0)
      r->forwarded++;
    if (r->log)
      fprintf (r->log, "%s %.9f %.9f\n", p.up ? "up" : "down", p.intended, now - p.queued);
    free (p.data);
  }
}

static double
relay_parse_num (const char *opt, const char *s, double lo, double hi)
{
  char *end;
  errno = 0;
  double v = strtod (s, &end);
  if (errno || end == s || *end || !isfinite (v) || v < lo || v > hi) {
    fprintf (stderr, "mrd-udp-relay: --%s: '%s' is not a number in [%g, %g]\n", opt, s, lo, hi);
    exit (2);
  }
  return v;
}

static void
relay_usage (FILE *f)
{
  fprintf (f,
           "Usage: mrd-udp-relay --listen HOST:PORT --target HOST:PORT [options]\n"
           "  --up-delay S --down-delay S --delay S (both) --jitter S --dist exp|uniform\n"
           "  --up-jitter S --down-jitter S\n"
           "  --loss PERCENT --ntp-shift S --duration S --seed N --port-file PATH --log PATH\n");
}

int
main (int argc, char **argv)
{
  static Relay r;
  const char *listen_spec = NULL, *target_spec = NULL, *port_file = NULL, *log_path = NULL;
  r.duration = 3600;
  r.rng = 0x9e3779b97f4a7c15ULL;
  static const struct option opts[] = {
    {"listen", required_argument, 0, 'l'},   {"target", required_argument, 0, 't'},
    {"up-delay", required_argument, 0, 'u'}, {"down-delay", required_argument, 0, 'd'},
    {"delay", required_argument, 0, 'D'},    {"jitter", required_argument, 0, 'j'},
    {"dist", required_argument, 0, 'x'},     {"loss", required_argument, 0, 'L'},
    {"ntp-shift", required_argument, 0, 'n'}, {"duration", required_argument, 0, 'T'},
    {"seed", required_argument, 0, 's'},     {"port-file", required_argument, 0, 'p'},
    {"log", required_argument, 0, 'g'},      {"help", no_argument, 0, 'h'},
    {"up-jitter", required_argument, 0, 'U'}, {"down-jitter", required_argument, 0, 'J'},
    {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'l': listen_spec = optarg; break;
    case 't': target_spec = optarg; break;
    case 'u': r.up_delay = relay_parse_num ("up-delay", optarg, 0, 10); break;
    case 'd': r.down_delay = relay_parse_num ("down-delay", optarg, 0, 10); break;
    case 'D': r.up_delay = r.down_delay = relay_parse_num ("delay", optarg, 0, 10); break;
    case 'j': r.up_jitter = r.down_jitter = relay_parse_num ("jitter", optarg, 0, 10); break;
    case 'U': r.up_jitter = relay_parse_num ("up-jitter", optarg, 0, 10); break;
    case 'J': r.down_jitter = relay_parse_num ("down-jitter", optarg, 0, 10); break;
    case 'x':
      if (strcmp (optarg, "exp") == 0 || strcmp (optarg, "exponential") == 0)
        r.uniform = false;
      else if (strcmp (optarg, "uniform") == 0)
        r.uniform = true;
      else {
        fprintf (stderr, "mrd-udp-relay: --dist: '%s' is neither exp nor uniform\n", optarg);
        return 2;
      }
      break;
    case 'L': r.loss = relay_parse_num ("loss", optarg, 0, 100); break;
    case 'n': r.ntp_shift = relay_parse_num ("ntp-shift", optarg, -1e6, 1e6); break;
    case 'T': r.duration = relay_parse_num ("duration", optarg, 0.001, 86400); break;
    case 's': r.rng = (uint64_t) relay_parse_num ("seed", optarg, 0, 1e18) * 2 + 1; break;
    case 'p': port_file = optarg; break;
    case 'g': log_path = optarg; break;
    case 'h': relay_usage (stdout); return 0;
    default: relay_usage (stderr); return 2;
    }
  }
  if (!listen_spec || !target_spec || optind != argc) {
    relay_usage (stderr);
    return 2;
  }
  struct sockaddr_storage la;
  socklen_t la_len;
  if (mrd_tool_parse_addr (listen_spec, &la, &la_len) < 0) {
    fprintf (stderr, "mrd-udp-relay: --listen: '%s' is not a numeric HOST:PORT\n", listen_spec);
    return 2;
  }
  if (mrd_tool_parse_addr (target_spec, &r.target, &r.target_len) < 0) {
    fprintf (stderr, "mrd-udp-relay: --target: '%s' is not a numeric HOST:PORT\n", target_spec);
    return 2;
  }
  r.listen_fd = socket (la.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (r.listen_fd < 0 || bind (r.listen_fd, (struct sockaddr *) &la, la_len) < 0) {
    fprintf (stderr, "mrd-udp-relay: bind %s: %s\n", listen_spec, strerror (errno));
    return 1;
  }
  if (log_path) {
    r.log = fopen (log_path, "w");
    if (!r.log) {
      fprintf (stderr, "mrd-udp-relay: %s: %s\n", log_path, strerror (errno));
      return 1;
    }
    setvbuf (r.log, NULL, _IOLBF, 0);
  }
  if (port_file) {
    struct sockaddr_storage bound;
    socklen_t bl = sizeof bound;
    getsockname (r.listen_fd, (struct sockaddr *) &bound, &bl);
    int port = ntohs (bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &bound)->sin6_port
                                                  : ((struct sockaddr_in *) &bound)->sin_port);
    char tmp[4096];
    snprintf (tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *f = fopen (tmp, "w");
    if (!f || fprintf (f, "%d\n", port) < 0 || fclose (f) != 0 || rename (tmp, port_file) < 0) {
      fprintf (stderr, "mrd-udp-relay: %s: %s\n", port_file, strerror (errno));
      return 1;
    }
  }
  signal (SIGTERM, relay_on_signal);
  signal (SIGINT, relay_on_signal);

  static uint8_t buf[RELAY_MAX_DGRAM];
  double end = relay_now () + r.duration;
  while (!relay_stop) {
    double now = relay_now ();
    if (now >= end)
      break;
    double wait = end - now;
    if (r.n_heap > 0 && r.heap[0].due - now < wait)
      wait = r.heap[0].due - now;
    struct pollfd pfd[1 + RELAY_MAX_CLIENTS];
    pfd[0].fd = r.listen_fd;
    pfd[0].events = POLLIN;
    for (int i = 0; i < r.n_clients; i++) {
      pfd[1 + i].fd = r.clients[i].fd;
      pfd[1 + i].events = POLLIN;
    }
    /* ppoll: nanosecond timeouts, so sub-millisecond delays are kept */
    if (wait < 0)
      wait = 0;
    struct timespec ts = {(time_t) wait, (long) ((wait - floor (wait)) * 1e9)};
    int polled = r.n_clients;
    int n = ppoll (pfd, 1 + polled, &ts, NULL);
    if (n < 0 && errno != EINTR) {
      fprintf (stderr, "mrd-udp-relay: poll: %s\n", strerror (errno));
      return 1;
    }
    if (n > 0) {
      if (pfd[0].revents & POLLIN) {
        for (;;) {
          struct sockaddr_storage from;
          socklen_t fl = sizeof from;
          ssize_t len = recvfrom (r.listen_fd, buf, sizeof buf, 0, (struct sockaddr *) &from, &fl);
          if (len < 0)
            break;
          relay_enqueue (&r, buf, len, relay_client_index (&r, &from, fl), true);
        }
      }
      for (int i = 0; i < polled; i++) {
        if (!(pfd[1 + i].revents & POLLIN))
          continue;
        for (;;) {
          ssize_t len = recv (r.clients[i].fd, buf, sizeof buf, 0);
          if (len < 0)
            break;
          relay_enqueue (&r, buf, len, i, false);
        }
      }
    }
    relay_flush_due (&r);
  }
  fprintf (stderr, "mrd-udp-relay: forwarded %lu, dropped %lu, overflow %lu\n", r.forwarded,
           r.dropped, r.overflow);
  while (r.n_heap > 0)
    free (relay_heap_pop (&r).data);
  if (r.log)
    fclose (r.log);
  return 0;
}
