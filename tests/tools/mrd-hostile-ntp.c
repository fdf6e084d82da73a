/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mrd-hostile-ntp: an NTP server that misbehaves on purpose, for client tests.
 *
 *   --mode MODE       good          a correct stratum-1 reply (the control)
 *                     kod-rate      Kiss-o'-Death RATE (stratum 0, refid "RATE")
 *                     kod-deny      Kiss-o'-Death DENY
 *                     ratelimit:N   correct replies, but KoD RATE to a client host whose requests
 *                                   come less than N seconds apart
 *                     wrong-origin  a correct reply whose origin timestamp is not the request's
 *                     stratum16     stratum 16 (unsynchronized)
 *                     leap3         leap indicator 3 (alarm, clock not synchronized)
 *                     truncated     the first 20 bytes of a correct reply
 *                     oversized     a correct reply followed by 952 bytes that are no valid
 *                                   extension field or MAC
 *                     jump          replies that are 1000 s ahead
 *                     garbage       random bytes of random length
 *                     cycle         each request gets the next of the hostile modes above,
 *                                   except kod-deny (a client told DENY stops polling, which
 *                                   would end the cycle; serve it from a server of its own)
 *                     forge-origin  first a forged reply (time --forge-offset off, origin not
 *                                   the request's), then the correct reply
 *                     forge-port    first a forged reply (right origin, time --forge-offset
 *                                   off) from another port of the same address, then the
 *                                   correct reply
 *                     forge-addr    the same from another address (--forge-from)
 *                     replay        first this client's previous reply again (a valid reply
 *                                   to an earlier request), then the correct reply, then the
 *                                   correct reply once more (a duplicate)
 *   --offset S        serve time S seconds off (on top of the mode)
 *   --jump-at T       after T seconds add --jump-by S (default 1000) to the offset: a server
 *                     that is right first and then jumps
 *   --slew PPM        the served time drifts away at PPM (on top of the offset) ...
 *   --reverse T       ... and the drift changes sign every T seconds (a triangle wave)
 *   --burst N         send every reply N times (garbage: N different packets; forged and
 *                     replayed packets are sent once): a storm of KoDs or garbage
 *   --forge-offset S  how far off forged replies are (default 0.5 s)
 *   --forge-from H    the address forge-addr sends from (default 127.0.0.9)
 *   --listen H:P      address to serve on (port 0: any free one, see --port-file)
 *   --port-file PATH  write the bound port there
 *   --duration S      exit after S seconds
 *   --seed N          reproducible garbage
 *
 * Prints one line per reply on stdout ("reply N MODE") so tests can count what was sent:
 * one per request answered, whatever --burst and the forging modes add.
 * Plain poll()/recvmsg()/clock_gettime(), so it also runs as a node inside clknetsim.
 * A request's receive time is the kernel's (SO_TIMESTAMPNS), as chronyd's is: read after the
 * process wakes, it would be late by the scheduling delay, which moves the offset a client
 * measures by half that delay while making the delay look shorter (so no delay test can
 * catch it); on a loaded machine that is tens to thousands of microseconds. Without the
 * kernel's timestamp (clknetsim may give none) the time after recvmsg() is taken.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
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
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "mrd-tool-addr.h"

#define NTP_UNIX_OFFSET 2208988800ULL
#define HOSTILE_MAX_PEERS 256

typedef enum {
  MODE_GOOD, MODE_KOD_RATE, MODE_KOD_DENY, MODE_WRONG_ORIGIN, MODE_STRATUM16, MODE_LEAP3,
  MODE_TRUNCATED, MODE_OVERSIZED, MODE_JUMP, MODE_GARBAGE, MODE_RATELIMIT, MODE_CYCLE,
  MODE_FORGE_ORIGIN, MODE_FORGE_PORT, MODE_FORGE_ADDR, MODE_REPLAY
} HostileMode;

static const char *const hostile_mode_names[] = {
  "good", "kod-rate", "kod-deny", "wrong-origin", "stratum16", "leap3", "truncated",
  "oversized", "jump", "garbage", "ratelimit", "cycle", "forge-origin", "forge-port",
  "forge-addr", "replay"};

typedef struct {
  struct sockaddr_storage addr;
  socklen_t len;
  double last;
} HostilePeer;

static uint64_t hostile_rng = 0x2545f4914f6cdd1dULL;
static volatile sig_atomic_t hostile_stop;

static void
hostile_on_signal (int sig)
{
  (void) sig;
  hostile_stop = 1;
}

static uint64_t
hostile_rand (void)
{
  hostile_rng ^= hostile_rng >> 12;
  hostile_rng ^= hostile_rng << 25;
  hostile_rng ^= hostile_rng >> 27;
  return hostile_rng * UINT64_C (2685821657736338717);
}

static double
hostile_realtime (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double
hostile_monotonic (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Receive one datagram; *rx = when the kernel received it (CLOCK_REALTIME), else now. */
static ssize_t
hostile_recv (int fd, uint8_t *buf, size_t size, struct sockaddr_storage *from,
              socklen_t *from_len, double *rx)
{
  union {
    char buf[CMSG_SPACE (sizeof (struct timespec))];
    struct cmsghdr align;
  } control;
  struct iovec iov = {.iov_base = buf, .iov_len = size};
  struct msghdr msg = {.msg_name = from, .msg_namelen = *from_len, .msg_iov = &iov,
                       .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf};
  ssize_t len = recvmsg (fd, &msg, 0);
  *rx = hostile_realtime ();
  if (len < 0)
    return len;
  *from_len = msg.msg_namelen;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
        c->cmsg_len >= CMSG_LEN (sizeof (struct timespec))) {
      struct timespec ts;
      memcpy (&ts, CMSG_DATA (c), sizeof ts);
      if (ts.tv_sec != 0 || ts.tv_nsec != 0)
        *rx = ts.tv_sec + ts.tv_nsec * 1e-9;
    }
  return len;
}

static void
hostile_put_ts (uint8_t *p, double unix_time)
{
  double ntp = unix_time + (double) NTP_UNIX_OFFSET;
  uint64_t sec = (uint64_t) floor (ntp);
  uint64_t frac = (uint64_t) ((ntp - floor (ntp)) * 4294967296.0);
  uint64_t v = (sec << 32) | (frac & 0xffffffffu);
  for (int i = 7; i >= 0; i--) {
    p[i] = v & 0xff;
    v >>= 8;
  }
}

/* A correct server reply to request `req`, received at unix time `rx`. */
static void
hostile_reply (uint8_t *out, const uint8_t *req, double rx, double offset)
{
  int version = (req[0] >> 3) & 7;
  memset (out, 0, 48);
  out[0] = (uint8_t) ((0 << 6) | ((version ? version : 4) << 3) | 4);
  out[1] = 1;                 /* stratum */
  out[2] = req[2];            /* poll */
  out[3] = (uint8_t) -20;     /* precision ~1 us */
  /* root delay 0, root dispersion ~ 15 us (1/65536 s) */
  out[11] = 1;
  memcpy (out + 12, "MRDH", 4);
  hostile_put_ts (out + 16, rx + offset - 16);
  memcpy (out + 24, req + 40, 8);   /* origin = the request's transmit */
  hostile_put_ts (out + 32, rx + offset);
  hostile_put_ts (out + 40, hostile_realtime () + offset);
}

/* A Kiss-o'-Death as chronyd and ntpd send it: the reply with leap 3, stratum 0 and the
 * kiss code as reference id, its timestamps filled (so it is no duplicate of the last). */
static void
hostile_kod (uint8_t *out, const uint8_t *req, double rx, const char *code)
{
  hostile_reply (out, req, rx, 0);
  out[0] = (uint8_t) ((out[0] & 0x3f) | (3 << 6));
  out[1] = 0;
  memcpy (out + 12, code, 4);
}

/* The served offset at `elapsed` seconds after start: the base, the jump once it is due, and
 * the triangle wave of --slew/--reverse (slope +ppm for `reverse` s, then -ppm, ...). */
static double
hostile_offset_at (double elapsed, double base, double jump_at, double jump_by, double ppm,
                   double reverse)
{
  double off = base;
  if (jump_at >= 0 && elapsed >= jump_at)
    off += jump_by;
  if (ppm != 0) {
    if (reverse > 0) {
      double k = floor (elapsed / reverse), r = elapsed - k * reverse;
      /* After an even number of legs the wave is back at 0 (whole up-and-down periods);
       * after an odd one it is at the top of an up leg. */
      double start = fmod (k, 2) == 0 ? 0 : reverse;
      double slope = fmod (k, 2) == 0 ? 1 : -1;
      off += ppm * 1e-6 * (start + slope * r);
    } else {
      off += ppm * 1e-6 * elapsed;
    }
  }
  return off;
}

/* The same client host, whatever its port: chronyd's rate limiting keys on the address (its
 * client log), and a client that opens a socket per exchange (chronyd, meridiand) comes from
 * a new port each time. */
static bool
hostile_same_host (const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
  if (a->ss_family != b->ss_family)
    return false;
  if (a->ss_family == AF_INET)
    return memcmp (&((const struct sockaddr_in *) a)->sin_addr,
                   &((const struct sockaddr_in *) b)->sin_addr, sizeof (struct in_addr)) == 0;
  if (a->ss_family == AF_INET6)
    return memcmp (&((const struct sockaddr_in6 *) a)->sin6_addr,
                   &((const struct sockaddr_in6 *) b)->sin6_addr, sizeof (struct in6_addr)) == 0;
  return false;
}

static double
hostile_peer_interval (HostilePeer *peers, int *n, const struct sockaddr_storage *from,
                       socklen_t len, double now)
{
  for (int i = 0; i < *n; i++) {
    if (hostile_same_host (&peers[i].addr, from)) {
      double d = now - peers[i].last;
      peers[i].last = now;
      return d;
    }
  }
  int slot = *n < HOSTILE_MAX_PEERS ? (*n)++ : (int) (hostile_rand () % HOSTILE_MAX_PEERS);
  memcpy (&peers[slot].addr, from, len);
  peers[slot].len = len;
  peers[slot].last = now;
  return INFINITY;
}

int
main (int argc, char **argv)
{
  const char *listen_spec = "127.0.0.1:0", *port_file = NULL;
  HostileMode mode = MODE_GOOD;
  const char *forge_from = "127.0.0.9";
  double offset = 0, duration = 3600, min_interval = 0;
  double jump_at = -1, jump_by = 1000, slew_ppm = 0, reverse = 0, forge_offset = 0.5;
  long burst = 1;
  static const struct option opts[] = {
    {"mode", required_argument, 0, 'm'},     {"offset", required_argument, 0, 'o'},
    {"listen", required_argument, 0, 'l'},   {"port-file", required_argument, 0, 'p'},
    {"duration", required_argument, 0, 'T'}, {"seed", required_argument, 0, 's'},
    {"jump-at", required_argument, 0, 'j'},  {"jump-by", required_argument, 0, 'J'},
    {"slew", required_argument, 0, 'S'},     {"reverse", required_argument, 0, 'R'},
    {"burst", required_argument, 0, 'b'},    {"forge-offset", required_argument, 0, 'F'},
    {"forge-from", required_argument, 0, 'f'},
    {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'm': {
      bool found = false;
      if (strncmp (optarg, "ratelimit:", 10) == 0) {
        char *end;
        min_interval = strtod (optarg + 10, &end);
        if (*end || !(min_interval > 0 && min_interval < 1e6)) {
          fprintf (stderr, "mrd-hostile-ntp: ratelimit:N needs 0 < N < 1e6 seconds\n");
          return 2;
        }
        mode = MODE_RATELIMIT;
        found = true;
      } else {
        for (size_t i = 0; i < sizeof hostile_mode_names / sizeof *hostile_mode_names; i++) {
          if (i != MODE_RATELIMIT && strcmp (optarg, hostile_mode_names[i]) == 0) {
            mode = (HostileMode) i;
            found = true;
          }
        }
      }
      if (!found) {
        fprintf (stderr, "mrd-hostile-ntp: unknown mode '%s'\n", optarg);
        return 2;
      }
      break;
    }
    case 'o': offset = strtod (optarg, NULL); break;
    case 'l': listen_spec = optarg; break;
    case 'p': port_file = optarg; break;
    case 'T': duration = strtod (optarg, NULL); break;
    case 's': hostile_rng = strtoull (optarg, NULL, 10) * 2 + 1; break;
    case 'j': jump_at = strtod (optarg, NULL); break;
    case 'J': jump_by = strtod (optarg, NULL); break;
    case 'S': slew_ppm = strtod (optarg, NULL); break;
    case 'R': reverse = strtod (optarg, NULL); break;
    case 'b': burst = strtol (optarg, NULL, 10); break;
    case 'F': forge_offset = strtod (optarg, NULL); break;
    case 'f': forge_from = optarg; break;
    case 'h':
      printf ("Usage: mrd-hostile-ntp --mode MODE [--offset S] [--listen H:P] "
              "[--port-file PATH] [--duration S] [--seed N] [--jump-at T [--jump-by S]] "
              "[--slew PPM [--reverse T]] [--burst N] [--forge-offset S] "
              "[--forge-from HOST]\n");
      return 0;
    default: return 2;
    }
  }
  if (optind != argc || !(duration > 0) || !isfinite (offset) || !isfinite (jump_by) ||
      !isfinite (jump_at) || !(fabs (slew_ppm) <= 1e6) || !(reverse >= 0 && reverse < 1e9) ||
      burst < 1 || burst > 1000 || !(fabs (forge_offset) < 1e9)) {
    fprintf (stderr, "mrd-hostile-ntp: bad arguments (see --help)\n");
    return 2;
  }
  struct sockaddr_storage la;
  socklen_t la_len;
  if (mrd_tool_parse_addr (listen_spec, &la, &la_len) < 0) {
    fprintf (stderr, "mrd-hostile-ntp: --listen: '%s' is not a numeric HOST:PORT\n", listen_spec);
    return 2;
  }
  int fd = socket (la.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 && errno == EINVAL)
    fd = socket (la.ss_family, SOCK_DGRAM, 0);   /* clknetsim takes no type flags */
  if (fd < 0 || bind (fd, (struct sockaddr *) &la, la_len) < 0) {
    fprintf (stderr, "mrd-hostile-ntp: bind %s: %s\n", listen_spec, strerror (errno));
    return 1;
  }
  /* The forger's socket: another port of the listening address, or another address. */
  int forge_fd = -1;
  if (mode == MODE_FORGE_PORT || mode == MODE_FORGE_ADDR) {
    struct sockaddr_storage fa;
    socklen_t fa_len;
    char spec[300];
    if (mode == MODE_FORGE_PORT) {
      fa = la;
      fa_len = la_len;
      if (fa.ss_family == AF_INET6)
        ((struct sockaddr_in6 *) &fa)->sin6_port = 0;
      else
        ((struct sockaddr_in *) &fa)->sin_port = 0;
    } else {
      snprintf (spec, sizeof spec, strchr (forge_from, ':') ? "[%s]:0" : "%s:0", forge_from);
      if (mrd_tool_parse_addr (spec, &fa, &fa_len) < 0 || fa.ss_family != la.ss_family) {
        fprintf (stderr, "mrd-hostile-ntp: --forge-from: '%s' is not a numeric address of "
                 "the listening family\n", forge_from);
        return 2;
      }
    }
    forge_fd = socket (fa.ss_family, SOCK_DGRAM, 0);
    if (forge_fd < 0 || bind (forge_fd, (struct sockaddr *) &fa, fa_len) < 0) {
      fprintf (stderr, "mrd-hostile-ntp: bind the forger: %s\n", strerror (errno));
      return 1;
    }
  }
  if (port_file) {
    struct sockaddr_storage b;
    socklen_t bl = sizeof b;
    getsockname (fd, (struct sockaddr *) &b, &bl);
    int port = ntohs (b.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &b)->sin6_port
                                              : ((struct sockaddr_in *) &b)->sin_port);
    char tmp[4096];
    snprintf (tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *f = fopen (tmp, "w");
    if (!f || fprintf (f, "%d\n", port) < 0 || fclose (f) != 0 || rename (tmp, port_file) < 0) {
      fprintf (stderr, "mrd-hostile-ntp: %s: %s\n", port_file, strerror (errno));
      return 1;
    }
  }
  {
    int on = 1;
    (void) setsockopt (fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  }
  signal (SIGTERM, hostile_on_signal);
  signal (SIGINT, hostile_on_signal);
  setvbuf (stdout, NULL, _IOLBF, 0);

  static HostilePeer peers[HOSTILE_MAX_PEERS];
  int n_peers = 0;
  unsigned long count = 0, cycle = 0;
  double start = hostile_monotonic (), end = start + duration;
  uint8_t last_reply[48];
  bool have_last = false;
  while (!hostile_stop) {
    double left = end - hostile_monotonic ();
    if (left <= 0)
      break;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int ms = left > 1e6 ? 1000000000 : (int) ceil (left * 1000);
    if (poll (&pfd, 1, ms) <= 0)
      continue;
    uint8_t req[1024], out[1024];
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    double rx;
    ssize_t len = hostile_recv (fd, req, sizeof req, &from, &fl, &rx);
    /* Only answer client requests (mode 3) of at least a header. */
    if (len < 48 || (req[0] & 7) != 3)
      continue;
    double off = hostile_offset_at (hostile_monotonic () - start, offset, jump_at, jump_by,
                                    slew_ppm, reverse);
    HostileMode m = mode;
    if (m == MODE_CYCLE)
      {
        /* KoD RATE last: a client backs off after it (RFC 5905 7.4), and served first it
         * would space the other seven out over minutes of poll intervals. */
        static const HostileMode order[] = {MODE_WRONG_ORIGIN, MODE_STRATUM16, MODE_LEAP3,
                                            MODE_TRUNCATED, MODE_OVERSIZED, MODE_JUMP,
                                            MODE_GARBAGE, MODE_KOD_RATE};
        m = order[cycle++ % (sizeof order / sizeof order[0])];
      }
    if (m == MODE_RATELIMIT) {
      double iv = hostile_peer_interval (peers, &n_peers, &from, fl, hostile_monotonic ());
      m = iv < min_interval ? MODE_KOD_RATE : MODE_GOOD;
    }
    size_t olen = 48;
    uint8_t forged[48];
    int dup = 0;
    switch (m) {
    case MODE_FORGE_ORIGIN:
      hostile_reply (forged, req, rx, off + forge_offset);
      for (int i = 24; i < 32; i++)
        forged[i] = (uint8_t) hostile_rand ();
      sendto (fd, forged, 48, 0, (struct sockaddr *) &from, fl);
      hostile_reply (out, req, rx, off);
      break;
    case MODE_FORGE_PORT:
    case MODE_FORGE_ADDR:
      hostile_reply (forged, req, rx, off + forge_offset);
      sendto (forge_fd, forged, 48, 0, (struct sockaddr *) &from, fl);
      hostile_reply (out, req, rx, off);
      break;
    case MODE_REPLAY:
      if (have_last)
        sendto (fd, last_reply, 48, 0, (struct sockaddr *) &from, fl);
      hostile_reply (out, req, rx, off);
      memcpy (last_reply, out, 48);
      have_last = true;
      dup = 1;
      break;
    case MODE_KOD_RATE: hostile_kod (out, req, rx, "RATE"); break;
    case MODE_KOD_DENY: hostile_kod (out, req, rx, "DENY"); break;
    case MODE_WRONG_ORIGIN:
      hostile_reply (out, req, rx, off);
      for (int i = 24; i < 32; i++)
        out[i] = (uint8_t) hostile_rand ();
      break;
    case MODE_STRATUM16:
      hostile_reply (out, req, rx, off);
      out[1] = 16;
      break;
    case MODE_LEAP3:
      hostile_reply (out, req, rx, off);
      out[0] = (uint8_t) ((out[0] & 0x3f) | (3 << 6));
      break;
    case MODE_TRUNCATED:
      hostile_reply (out, req, rx, off);
      olen = 20;
      break;
    case MODE_OVERSIZED:
      hostile_reply (out, req, rx, off);
      for (size_t i = 48; i < 1000; i++)
        out[i] = (uint8_t) hostile_rand ();
      olen = 1000;
      break;
    case MODE_JUMP: hostile_reply (out, req, rx, off + 1000.0); break;
    case MODE_GARBAGE: break;   /* filled per packet below */
    default: hostile_reply (out, req, rx, off); break;
    }
    bool sent = false;
    for (long b = 0; b < burst + dup; b++) {
      if (m == MODE_GARBAGE) {
        olen = 1 + hostile_rand () % 200;
        for (size_t i = 0; i < olen; i++)
          out[i] = (uint8_t) hostile_rand ();
      }
      if (sendto (fd, out, olen, 0, (struct sockaddr *) &from, fl) >= 0)
        sent = true;
    }
    if (sent)
      printf ("reply %lu %s\n", ++count, hostile_mode_names[m]);
  }
  return 0;
}
