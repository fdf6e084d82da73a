/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-types.h — the types every module of the NTP core shares: the environment the core runs
 * in (NtpEnv), the configuration of the whole client (NtpConfig) and of one source
 * (NtpSourceConfig), leap seconds, log levels, source states, and what the engine reports of
 * a source and of the clock (NtpSourceReport, NtpTracking).
 *
 * Lower modules (ntp-discipline, ntp-source, ntp-select, ntp-config) include this header, not
 * the engine's public ntp-engine.h, so the engine depends on them and never the other way
 * round.
 *
 * Conventions: local clock readings are int64 ns since the Unix epoch as the disciplined clock
 * reads them. Offsets are in seconds and follow chrony's sign: positive = the local clock is
 * AHEAD of (fast of) true time. Frequencies in ppm, positive = the clock runs fast.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NTP_MAX_SOURCES 64
#define NTP_NAME_MAX 256
/* chrony's default for `maxunreach` (chrony.conf(5)): in effect no limit, the staleness rule
 * alone (ntp-engine.c, source_usable) ends an unreachable source's selection. */
#define NTP_MAXUNREACH_DEFAULT 100000

/* How far a stored local time, and the offset measured at it, move when the clock changes
 * at when_ns: from then on it runs dfreq faster and reads doffset less (ntp-discipline.h,
 * NtpClockChange). The statistics and the clock filter move their samples by it. */
static inline double
ntp_clock_change_shift (int64_t time_ns, int64_t when_ns, double dfreq, double doffset)
{
  return dfreq * (double) (time_ns - when_ns) * 1e-9 - doffset;
}

enum { NTP_LOG_ERROR = 0, NTP_LOG_WARNING = 1, NTP_LOG_INFO = 2, NTP_LOG_DEBUG = 3 };

/* Leap second to apply at the end of the current UTC day. */
typedef enum { NTP_LEAP_NONE = 0, NTP_LEAP_INSERT = 1, NTP_LEAP_DELETE = -1 } NtpLeap;

/* The leap seconds the configuration knows of (`leapsecond`, what the daemon makes of
 * chrony's `leapsectz`): tzdata's table holds 27, all of them past. */
#define NTP_LEAP_TABLE_MAX 64

/* NtpSourceConfig.asymmetry when the configuration gives none: outside -0.5..0.5, as chrony
 * marks it. */
#define NTP_ASYMMETRY_ESTIMATED 1.0

typedef struct {
  int64_t utc_midnight;   /* s since the epoch: the end of the UTC day the second is in */
  int sign;               /* 1 inserted, -1 deleted */
} NtpLeapEntry;

/* chrony's leapsecmode: who makes the clock follow a leap second. */
typedef enum {
  NTP_LEAPMODE_SYSTEM = 0,   /* the clock (the kernel) applies it: env->set_leap arms it */
  NTP_LEAPMODE_STEP,         /* the core steps the clock by the second at the leap */
  NTP_LEAPMODE_SLEW,         /* the core slews the second out from the leap on */
  NTP_LEAPMODE_IGNORE,       /* nothing at the leap: updates correct the second later */
} NtpLeapMode;

/* AEAD_AES_SIV_CMAC_256 (RFC 5297) for NTS (RFC 8915 §5.6): encrypt (`in` is the plaintext,
 * `out` gets the 16-byte synthetic IV followed by the ciphertext) or decrypt and verify (`in`
 * is IV + ciphertext, `out` the plaintext) under `key`, with one associated data and the
 * nonce. *out_len gets the bytes written. false when the tag does not verify, an argument is
 * out of range (a nonce of 0 bytes included) or out_max is too small. */
typedef bool (*NtpNtsAead) (void *ud, bool encrypt, const uint8_t *key, size_t key_len,
                            const uint8_t *nonce, size_t nonce_len, const uint8_t *ad,
                            size_t ad_len, const uint8_t *in, size_t in_len, uint8_t *out,
                            size_t out_max, size_t *out_len);

/* The seam between the core and the world. The clock is driven only through set_freq and
 * step: the core slews an offset by raising the frequency for a while (as chrony's generic
 * driver does), so every backend stays small and behaves the same in the simulator and on
 * the real system. */
typedef struct {
  /* Local (disciplined) clock now, ns since the Unix epoch. */
  int64_t (*now) (void *ud);
  /* Send one packet to source `src` (synchronously: now() taken just before is its TX time). */
  void (*send) (void *ud, unsigned src, const uint8_t *pkt, size_t len);
  /* Call ntp_engine_timer() once the local clock reaches deadline_ns. Replaces any earlier
   * deadline; INT64_MAX = none. */
  void (*arm_timer) (void *ud, int64_t deadline_ns);
  /* Set the clock's frequency correction (absolute, ppm; positive makes it run faster).
   * A real kernel applies it at its next tick, not at once: the core never assumes the
   * change took effect at the instant of the call to better than one tick. */
  void (*set_freq) (void *ud, double freq_ppm);
  /* A slew the clock ends by itself: set_freq (freq_ppm) now and set_freq (then_ppm) when the
   * local clock reads until_ns, with no call in between. May be NULL: the core then ends
   * each slew from its own timer, a wake-up per clock update (the slews are short: see
   * ntp-discipline.c). */
  void (*set_freq_until) (void *ud, double freq_ppm, int64_t until_ns, double then_ppm);
  /* An offset the clock removes by itself, as the kernel's phase-locked loop does with its
   * frequency held (adjtimex(2) ADJ_OFFSET with STA_PLL | STA_FREQHOLD): remove offset_s
   * (positive = the clock is ahead) so that at each whole second the clock reads, 1/tau of
   * what is left is taken out, evenly over the following second (kernel/time/ntp.c,
   * second_overflow). tau is the smallest the clock offers that is at least min_tau_s, so the
   * removal is never faster than offset_s / min_tau_s; none above max_tau_s. Replaces
   * whatever such offset is still left (offset_s 0 cancels it). Returns tau (s), or 0 where
   * the clock cannot, having handed over nothing (the core then slews through the
   * frequency). May be NULL. With no call to end it, such a slew costs no wake-up, which a
   * slew through the frequency on a clock without set_freq_until does. */
  double (*decay_offset) (void *ud, double offset_s, double min_tau_s, double max_tau_s);
  /* Step the clock by -offset_s (offset_s positive = the clock is ahead, so it goes back). */
  void (*step) (void *ud, double offset_s);
  /* Arm or disarm a leap second at the end of the current UTC day. May be NULL. */
  void (*set_leap) (void *ud, NtpLeap leap);
  /* TAI - UTC now, s (the kernel's TAI offset, which CLOCK_TAI reads by): said once the
   * clock is synchronized and the configuration's leap seconds (`leapsecond`) give it, and
   * again when it changes. May be NULL. */
  void (*set_tai) (void *ud, int tai_offset_s);
  /* A line for the log (no trailing newline). May be NULL. */
  void (*log) (void *ud, int level, const char *msg);
  /* A line of one of chronyd's statistics logs (kind: NtpStatlogKind, ntp-statlog.h; no
   * trailing newline), given only for the kinds NtpConfig.statlog names. May be NULL. */
  void (*statlog) (void *ud, int kind, const char *line);
  void *ud;
  /* The largest |set_freq| the clock accepts, ppm: the true limit of the backend (about 500
   * for the kernel's frequency alone, about 100000 when the tick length is adjusted too).
   * Every slew the core plans stays within it. <= 0 = no limit beyond maxslewrate. */
  double max_freq_ppm;
  /* The receive timestamps ntp_engine_receive is given are the kernel's (SO_TIMESTAMPNS), not
   * read by the daemon after the fact: only said in the measurements log. */
  bool kernel_rx_timestamps;
  /* Fill buf with unpredictable bytes; the daemon uses getrandom(2). The transmit timestamp
   * of every request is drawn from it (the real transmit time is kept locally), so an
   * off-path attacker cannot guess the origin timestamp a reply must echo. May be NULL: the
   * core then falls back to its own generator, seeded from the clock, which is guessable. */
  void (*get_random) (void *ud, void *buf, size_t len);
  /* Symmetric-key authentication (RFC 5905 §7.3, RFC 8573): write the digest of `data` under
   * the key `key_id` (the hash of the key followed by the data, as chronyd computes it),
   * truncated to at most max_len bytes, into mac; return the bytes written, 0 when the key is
   * unknown or unusable. May be NULL: a source with a key then never sends a request. The
   * key stays on the far side of this hook, so the core never holds a secret. */
  size_t (*auth_mac) (void *ud, uint32_t key_id, const uint8_t *data, size_t len,
                      uint8_t *mac, size_t max_len);
  /* NTS (RFC 8915): the AEAD (see NtpNtsAead), and the start of an NTS-KE exchange for
   * source `src` (whose result comes back through ntp_engine_nts_ke_done). The core asks for
   * one when the source's cookie jar needs it and sends no request until it has cookies. May
   * be NULL: an `nts` source then never sends a request, never an unauthenticated one. */
  NtpNtsAead nts_aead;
  void (*nts_ke) (void *ud, unsigned src);
} NtpEnv;

typedef enum { NTP_SOURCE_SERVER = 0, NTP_SOURCE_POOL, NTP_SOURCE_PEER } NtpSourceMode;

/* One `server`/`pool`/`peer` line of chrony.conf (the address stays a string: resolving it is
 * the daemon's job). Defaults are ntp_source_config_init()'s (ntp-config.h). */
typedef struct {
  NtpSourceMode mode;
  char name[NTP_NAME_MAX];
  uint16_t port;             /* 123 by default */
  int minpoll, maxpoll;      /* log2 s, -6..24; defaults 6 and 10 as chrony */
  bool iburst, burst, prefer, noselect, trust, require;
  /* chrony's `copy`: the server is closely related (another instance on this host, a proxy)
   * and cannot close a loop with us, so while it is the reference we take its reference ID
   * and its stratum instead of our own ID for it and its stratum + 1. */
  bool copy;
  double maxdelay;           /* s; default 3 */
  double mindelay;           /* s; 0 = none */
  double offset;             /* s, added to the source's measured offset (asymmetry fix) */
  int minstratum;            /* the source counts as at least this stratum (less preferred
                              * by stratumweight, and our stratum when it is the reference) */
  int maxsources;            /* pool only */
  int polltarget;            /* default 8 */
  int filter;                /* clock filter depth (RFC 5905 §10: lowest delay of the last N
                              * samples); 0 or 1 = every sample goes to the statistics */
  int minsamples;            /* the regression never drops below this many samples (the runs
                              * test stops there; fewer than 3 count as 3);
                              * NTP_SAMPLES_DEFAULT = NtpConfig.minsamples */
  int maxsamples;            /* at most this many samples kept; 0 = no limit but the core's
                              * (64); NTP_SAMPLES_DEFAULT = NtpConfig.maxsamples */
  double maxdelayratio;      /* drop a sample whose delay exceeds this times the least delay
                              * in the statistics; 0 = off (chrony's default) */
  double maxdelaydevratio;   /* chrony's test C: drop a sample whose delay rose over the least
                              * by more than this many standard deviations (unless the offset
                              * moved more); 0 = default (10) */
  double maxdelayquant;      /* chrony's `maxdelayquant P`: instead of test C, drop a sample
                              * whose delay is above the P-quantile of the source's recent
                              * delays (ntp-filter.h, NtpDelayQuantile); 0 = off (default) */
  int maxunreach;            /* chrony's `maxunreach N`: polls an unreachable source (no reply to
                              * its last 8 requests) may stay selectable; default 100000, as
                              * chrony's (ntp-engine.c, source_usable) */
  uint32_t key;              /* symmetric key ID (`key N`); 0 = the source is not authenticated */
  bool nts;                  /* `nts`: authenticated with NTS (RFC 8915) */
  uint16_t ntsport;          /* `ntsport N`: the NTS-KE server's port; default 4460 */
  int certset;               /* `certset N`: the set of trusted certificates (ntstrustedcerts) */
  int version;               /* NTP version of our requests, 1 to 4; 0 (the default): 4, or 3
                                for a key whose digest NTPv4 would cut (ntp-engine.c) */
  bool presend_on;           /* chrony's `presend POLL`: at a poll of at least `presend`, a */
  int presend;               /* request 2 s before each regular one (ARP caches warm) */
  double asymmetry;          /* chrony's `asymmetry`: the share of the delay's rise over the
                              * least one put down to the reply path, -0.5..0.5 (negative:
                              * the request path); NTP_ASYMMETRY_ESTIMATED (the default) has
                              * the engine estimate it from the samples (ntp-asym.h) */
  bool offline;              /* chrony's `offline`: the source starts offline (sends nothing
                              * until ntp_engine_set_online) */
  bool auto_offline;         /* chrony's `auto_offline`: a send that fails for want of a route
                              * takes the source offline (ntp_engine_send_failed) */
  bool xleave;               /* chrony's `xleave`: requests in interleaved mode (the server's
                              * transmit time of a reply arrives with the next one) */
  /* chrony options the parser accepted but this client does not implement, as written with
   * their arguments (e.g. "key 1 nts"); ntp_engine_add_source logs them as a warning, so a
   * user who asked for authentication learns that the source is not authenticated. "" = none. */
  char ignored[128];
} NtpSourceConfig;

/* An interface name's bytes with its terminating NUL (the kernel's IFNAMSIZ). */
#define NTP_IFNAME_MAX 16

/* A source's minsamples/maxsamples when its line sets none: the global directive's. */
#define NTP_SAMPLES_DEFAULT (-1)

/* Server mode (ntp-serve.h): chrony's allow, deny, port, bindaddress, local, ratelimit. */
#define NTP_SERVE_MAX_RULES 64
/* Clients logged at once at most (their requests, drops, intervals; the rate limit's tokens);
 * the least recently heard of a full log is forgotten first. The log's size is chrony's
 * `clientloglimit`, in bytes, within this bound (ntp_serve_log_capacity): its default, 512
 * KiB, holds about six thousand (chronyd's about four), and this bound about 1.4 MiB. */
#define NTP_SERVE_MAX_CLIENTS 16384
/* chrony's `clientloglimit` when none is given, bytes. */
#define NTP_SERVE_CLIENTLOGLIMIT_DEFAULT 524288
/* chrony's `local` stratum when none is given. */
#define NTP_SERVE_LOCAL_STRATUM_DEFAULT 10
/* chrony's `local distance` when none is given, s. */
#define NTP_SERVE_LOCAL_DISTANCE_DEFAULT 1.0

typedef struct {
  uint8_t addr[16];
  int bits;                  /* prefix length over the 16 bytes, 0..128; 0 = every address */
  bool allow;
} NtpServeRule;

typedef struct {
  int n_rules;
  NtpServeRule rules[NTP_SERVE_MAX_RULES];
  int port;                  /* chrony's `port`: the server's UDP port; 123 by default, 0 = none */
  /* chrony's `bindaddress`: the address the server's socket binds, per family ("" = any). */
  char bind_ipv4[16];
  char bind_ipv6[48];
  /* chrony's `binddevice`: the interface the server's sockets are bound to ("" = any) */
  char bind_device[NTP_IFNAME_MAX];
  /* chrony's `local [stratum N] [orphan]`: while not synchronized, serve our own clock at
   * this stratum (reference ID "LOCL") instead of answering "not synchronized". */
  bool local;
  int local_stratum;
  /* `local distance D`: also served while synchronized with a root distance over D (s), as
   * when the sources have gone quiet for long */
  double local_distance;
  /* chrony's `ratelimit [interval I] [burst B] [leak L]`: each client may have B answers at
   * once, one more every 2^I s; beyond that one request in 2^L is answered still (so a
   * client polling too fast is slowed, not cut off), the rest dropped. Off by default. */
  bool ratelimit;
  int ratelimit_interval;
  int ratelimit_burst;
  int ratelimit_leak;
  /* chrony's `clientloglimit BYTES` and `noclientlog`: the memory the client log may take,
   * and none at all (then `meridianctl clients` lists no one and no rate limit applies,
   * as in chronyd) */
  uint64_t clientloglimit;
  bool noclientlog;
} NtpServeConfig;

/* The directives of chrony.conf the core implements. Defaults are ntp_config_init()'s. */
typedef struct {
  double makestep_threshold;   /* s; <= 0 = never step (except panic rules below) */
  int makestep_limit;          /* steps allowed in the first N updates; < 0 = always */
  /* chrony's initstepslew THRESHOLD [HOST...]: the first update steps an offset over this
   * (s), whatever makestep says; <= 0 = none. The hosts are the daemon's to check. */
  double initstepslew_threshold;
  double maxdistance;          /* s; default 3 */
  int minsources;              /* default 1 */
  double maxupdateskew;        /* ppm; default 1000 */
  double maxslewrate;          /* ppm; default 83333.333 (capped by env->max_freq_ppm) */
  double maxchange_offset;     /* s; 0 = no maxchange; otherwise refuse larger offsets */
  int maxchange_start;         /* maxchange's START: updates before the check applies */
  int maxchange_ignore;        /* maxchange's IGNORE: larger offsets ignored this many times,
                                * then the clock is no longer adjusted; -1 = ignored forever */
  bool have_drift;             /* initial_freq/skew below come from a drift file */
  double initial_freq_ppm;
  double initial_skew_ppm;
  double stratumweight;        /* s per stratum; default 0.001 */
  double reselectdist;         /* s; default 0.0001 */
  double combinelimit;         /* default 3 */
  double maxjitter;            /* s; a source whose offsets scatter more is '~' (too variable);
                                * default 1; 0 = the default */
  /* chrony's global minsamples/maxsamples: the values of sources whose lines set none (the
   * server options of the same names). minsamples 0 leaves the core's least (3): chronyd's
   * default is 6, measured here to change nothing significant but cost 4 % at 10 us jitter /
   * 1e-8 wander (service/ntp/README.md); maxsamples 0 = no limit but the core's 64. */
  int minsamples;
  int maxsamples;
  /* chrony's maxdrift: the largest frequency correction the clock is given, ppm, either way;
   * the slews of an offset on top of it may go beyond it, up to maxslewrate. Default 500000,
   * so the backend's range (maxslewrate, the kernel's) is the bound. */
  double maxdrift;
  /* chrony's `log`: which of its statistics logs env->statlog is given lines of, as
   * NTP_STATLOG_BIT (NtpStatlogKind) bits (ntp-statlog.h), and NTP_STATLOG_RAW for
   * rawmeasurements; 0 (the default) = none. */
  unsigned statlog;
  /* chrony's logchange: a clock update correcting more than this (s) is logged as a warning
   * ("System clock wrong by ..."); default 1, as chronyd's. */
  double logchange;
  double maxclockerror;        /* chrony's maxclockerror: how far the local oscillator's
                                * frequency may move between measurements, ppm; default 1 */
  double corrtimeratio;        /* chrony's corrtimeratio: how slowly an offset is slewed out,
                                * relative to the update interval (see ntp-discipline.c);
                                * 0 (the default) = its own rule */
  int ntsrefresh;               /* chrony's ntsrefresh: keys older than this (s) are renewed
                                * by a new NTS-KE; default 2419200 (four weeks) */
  int nocerttimecheck;         /* chrony's nocerttimecheck: the NTS-KE servers' certificates'
                                * validity times are not checked before this many clock
                                * updates (a clock that boots far off); default 0 */
  NtpLeapMode leapsecmode;     /* chrony's leapsecmode; default system */
  /* Leap seconds known from the configuration (ntp-discipline.c, ntp_discipline_set_leap: as
   * chrony's leapsectz, they count when the sources announce none); any order. */
  int n_leap_table;
  NtpLeapEntry leap_table[NTP_LEAP_TABLE_MAX];
  NtpServeConfig serve;        /* answering clients; no one by default */
  /* How the daemon makes the client's sockets (service/net/mrd-net.h), chrony's directives:
   * `bindacqaddress` (the requests' source address, per family; "" = the route's),
   * `bindacqdevice` (the interface they go out of; "" = any), and `dscp` (the
   * Differentiated Services Code Point of every NTP packet sent, the server's replies
   * included; 0 = the kernel's default). */
  char bind_acq_ipv4[16];
  char bind_acq_ipv6[48];
  char bind_acq_device[NTP_IFNAME_MAX];
  int dscp;
} NtpConfig;

typedef enum {
  NTP_STATE_UNUSABLE = 0,     /* '?' */
  NTP_STATE_FALSETICKER,      /* 'x' */
  NTP_STATE_TOO_VARIABLE,     /* '~' */
  NTP_STATE_NOT_COMBINED,     /* '-' */
  NTP_STATE_COMBINED,         /* '+' */
  NTP_STATE_SELECTED,         /* '*' */
} NtpSourceState;

/* Why the last selection treated a source as it did: the states `chronyc selectdata` shows
 * (its letter beside each). The first group is not selectable, the second selectable but not
 * used, the last used. */
typedef enum {
  NTP_SELECT_UNSYNCHRONISED = 0,  /* 's': never heard, or its last reply said leap 3 */
  NTP_SELECT_NOSELECT,            /* 'N': the noselect option */
  NTP_SELECT_MISSING_SAMPLES,     /* 'M': too few samples for its statistics */
  NTP_SELECT_LARGE_DISTANCE,      /* 'd': root distance above maxdistance */
  NTP_SELECT_JITTERY,             /* '~': jitter above maxjitter */
  NTP_SELECT_WAITS_FOR_SAMPLES,   /* 'w': waits for other sources to gather samples */
  NTP_SELECT_STALE,               /* 'S': unreachable with older samples than the others',
                                   * offline, or stopped by a KoD */
  NTP_SELECT_NOT_TRUSTED,         /* 'T': not wholly within the trusted sources' region */
  NTP_SELECT_FALSETICKER,         /* 'x' */
  NTP_SELECT_WAITS_FOR_SOURCES,   /* 'W': minsources or a `require` source not met */
  NTP_SELECT_NOT_PREFERRED,       /* 'P': another selectable source has `prefer` */
  NTP_SELECT_DISTANT,             /* 'D': too far (distance or frequency) to be combined */
  NTP_SELECT_COMBINED,            /* '+' */
  NTP_SELECT_BEST,                /* '*' */
} NtpSelectVerdict;

/* A server's reply as it came on the wire: its header and the four timestamps of the exchange
 * (what systemd-timesyncd shows as NTPMessage). t1 and t4 are our transmit and receive
 * times, t2 and t3 the server's receive and transmit times, all in ns since the Unix epoch on
 * the local clock's scale as the engine measures with it (less any correction still being
 * slewed out, so that ((t2 - t1) + (t3 - t4)) / 2 is the offset the engine measured, server
 * minus local); all 0 before the first reply. */
typedef struct {
  uint8_t leap, version, mode, stratum;
  int8_t precision;                   /* log2 s */
  double root_delay, root_dispersion; /* s */
  uint32_t refid;
  int64_t ref_ns;                     /* the server's reference time, ns since the Unix epoch
                                       * on its clock; 0 = none given */
  int64_t t1_ns, t2_ns, t3_ns, t4_ns;
  /* An interleaved reply (xleave): t3 is the server's transmit time of the previous reply,
   * which this one carried, and the four times are those the sample paired (ntp-engine.c). */
  bool interleaved;
  /* The server's processing time in the exchange t3 belongs to (chronyc's "Response time"):
   * t3 - t2 for a basic reply, t3 minus the receive time of the request it answered for an
   * interleaved one. */
  int64_t response_ns;
  /* t1 is the kernel's transmit timestamp of our request (ntp_engine_tx_timestamp), not the
   * time read before send (chronyc's "TX timestamping: Kernel" / "Daemon"). */
  bool t1_kernel;
} NtpReplyInfo;

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
  /* The queueing asymmetry applied to its samples, -0.5..0.5: the configured `asymmetry`, or
   * the one estimated (ntp-asym.h), 0 while none is found (chronyc ntpdata's "Jitter
   * asymmetry"). */
  double asymmetry;
  NtpReplyInfo reply;         /* the last reply a sample was taken from */
  uint64_t replies;           /* valid replies received (not KoDs or refused packets) */
  /* chronyc ntpdata's counts and tests: requests sent (warm-ups included), replies received
   * (any NTP reply datagram from its address), valid (RFC 5905's tests 1-3 and 5 passed:
   * an answer to our request), good (every test passed, its sample used); and the tests the
   * last valid one passed (NTP_TEST_*, ntp-packet.h). */
  uint64_t total_tx, total_rx, total_valid_rx, total_good_rx;
  unsigned tests;
  bool offline;               /* taken offline (chronyc offline, the `offline` option or
                               * auto_offline): nothing is sent to it */
  /* chronyc selectdata, as of the last selection: the verdict, the interval the source gave
   * (s, the local clock's offset against it, positive = ahead; 0 before any), how old its
   * newest sample was then (s), and its score against the selected source (>= 1: the
   * selected one's root distance plus stratum weight over this one's). */
  NtpSelectVerdict verdict;
  double select_lo, select_hi, select_last_ago, select_score;
  bool bursting;              /* in a burst (iburst's at the start, `burst`'s, chronyc burst):
                               * chronyc activity's "doing burst"; with offline, it returns
                               * to offline after it */
  /* Authentication, as `chronyc authdata` shows it */
  int auth_mode;              /* NTP_AUTH_NONE, NTP_AUTH_SYMMETRIC (`key`), NTP_AUTH_NTS */
  uint32_t key_id;            /* `key N`'s N; with NTS the key exchanges that succeeded */
  int nts_key_len;            /* bits of the NTS keys (256 with AES-SIV-CMAC-256); 0 = none */
  double nts_ke_ago;          /* s since the last successful NTS-KE; < 0 = never */
  int nts_ke_attempts;        /* NTS-KE exchanges since the last that succeeded */
  bool nts_nak;               /* an NTS NAK since the last authenticated reply */
  int nts_cookies;            /* cookies in the jar */
  int nts_cookie_len;         /* bytes of the last cookie used (or of the oldest held) */
} NtpSourceReport;

enum { NTP_AUTH_NONE = 0, NTP_AUTH_SYMMETRIC = 1, NTP_AUTH_NTS = 2 };

/* Every field of `chronyc tracking`. */
typedef struct {
  bool synchronized;
  uint32_t ref_id;
  int ref_source;             /* index of the selected source, -1 = none */
  int stratum;
  int64_t ref_time_ns;        /* local clock time of the last update; 0 = never */
  double system_time_offset;  /* s, positive = fast of NTP time (still being slewed out) */
  /* The slew under way as planned: system_time_offset changes at slew_rate (s per s) for
   * slew_left more seconds, then reads 0 (ntp_tracking_age); both 0 when none. Seconds of
   * the disciplined clock (env->now) as the core gives them; a reader that ages the report
   * on another time base converts them (service/sync/mrd-sync-engine.c). */
  double slew_rate;
  double slew_left;
  double last_offset;
  double rms_offset;
  double freq_ppm;            /* positive = the clock runs fast (uncorrected) */
  double residual_freq_ppm;
  double skew_ppm;
  double root_delay, root_dispersion;
  double update_interval;     /* s */
  NtpLeap leap;
  bool leap_unsynchronized;   /* "Not synchronised" */
  /* chrony's maxclockerror as a fraction (1e-6 = 1 ppm, its default): how far the local
   * oscillator may wander between updates, one of the rates the root dispersion grows by
   * (ntp_tracking_age). */
  double max_clock_error;
} NtpTracking;

#ifdef __cplusplus
}
#endif
