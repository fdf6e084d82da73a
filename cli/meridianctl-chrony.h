/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * meridianctl-chrony: the `sources`, `sourcestats`, `selectdata`, `tracking` and `ntpdata` reports
 * laid out exactly as chronyc 4.3 lays them out (text, -v legends and -c CSV), from plain structs.
 *
 * Pure formatting: no D-Bus, no I/O, no locale (chronyc's reports are a format scripts parse,
 * so they stay in English with C number formatting whatever the language).  The commands
 * fill the structs from meridiand's Source and Tracking objects; tests/cli/test-chrony-format.c
 * fills them from real chronyc output and compares byte for byte.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  MCTL_CHRONY_MODE_SERVER, /* '^' */
  MCTL_CHRONY_MODE_PEER,   /* '=' */
  MCTL_CHRONY_MODE_LOCAL,  /* '#' */
} MctlChronyMode;

typedef enum {
  MCTL_CHRONY_STATE_SELECTED,     /* '*' */
  MCTL_CHRONY_STATE_COMBINED,     /* '+' */
  MCTL_CHRONY_STATE_NOT_COMBINED, /* '-' */
  MCTL_CHRONY_STATE_FALSETICKER,  /* 'x' */
  MCTL_CHRONY_STATE_JITTERY,      /* '~' */
  MCTL_CHRONY_STATE_UNUSABLE,     /* '?' */
} MctlChronyState;

typedef enum {
  MCTL_CHRONY_LEAP_NORMAL,
  MCTL_CHRONY_LEAP_INSERT,
  MCTL_CHRONY_LEAP_DELETE,
  MCTL_CHRONY_LEAP_UNSYNCHRONISED,
} MctlChronyLeap;

/* The selection options of a source, as `selectdata` shows them (chrony.conf's words). */
typedef enum {
  MCTL_CHRONY_OPTION_NOSELECT = 1 << 0, /* 'N' */
  MCTL_CHRONY_OPTION_PREFER   = 1 << 1, /* 'P' */
  MCTL_CHRONY_OPTION_TRUST    = 1 << 2, /* 'T' */
  MCTL_CHRONY_OPTION_REQUIRE  = 1 << 3, /* 'R' */
} MctlChronyOptions;

typedef struct {
  const char     *address;   /* numeric address; the CSV column and the fallback name */
  const char     *name;      /* a resolved host name to show instead, or NULL */
  MctlChronyMode  mode;
  MctlChronyState state;
  int             stratum;
  int             poll;      /* log2 seconds */
  unsigned        reach;     /* the 8-bit register */
  gint64          last_rx;   /* seconds since the last sample; negative = never */
  double          adjusted_offset; /* seconds; positive = local clock ahead of the source */
  double          measured_offset;
  double          error_bound;
  /* sourcestats */
  unsigned        samples;
  unsigned        runs;
  gint64          span;      /* seconds */
  double          frequency; /* ppm */
  double          skew;      /* ppm */
  double          offset;    /* seconds */
  double          std_dev;   /* seconds */
  /* authdata */
  const char     *auth_mode; /* "NTS", "SK" or "-" */
  unsigned        key_id;
  unsigned        key_type;
  unsigned        key_bits;
  gint64          last_ke;   /* seconds since the last NTS-KE; negative = never */
  unsigned        ke_attempts;
  gboolean        nak;
  unsigned        cookies;
  unsigned        cookie_len;
  /* selectdata */
  char            select_state;    /* chronyc's letter: 'N', 's', 'M', … '+', '*'; '?' unknown */
  gboolean        authenticated;
  MctlChronyOptions conf_options;
  MctlChronyOptions eff_options;
  gint64          last_sample_ago; /* seconds, at the last selection; negative = never */
  double          score;
  double          lo_limit;        /* seconds: the interval of the local clock's offset, */
  double          hi_limit;        /* positive = ahead of the source */
  MctlChronyLeap  leap;
} MctlChronySource;

typedef struct {
  guint32        ref_id;
  const char    *ref_address;   /* CSV column: the address, or the reference ID's text */
  const char    *ref_name;      /* text column: a resolved name, or NULL for ref_address */
  int            stratum;
  gint64         ref_time_s;    /* seconds since the epoch of the last update */
  guint32        ref_time_ns;
  double         system_time;   /* seconds; positive = the system clock is FAST of NTP time */
  double         last_offset;
  double         rms_offset;
  double         frequency;     /* ppm; positive = fast */
  double         residual_freq;
  double         skew;
  double         root_delay;
  double         root_dispersion;
  double         update_interval;
  MctlChronyLeap leap;
} MctlChronyTracking;

/* One source's `ntpdata` report: its last valid reply and the exchange's counters. */
typedef struct {
  const char    *remote_address;  /* numeric, without the port */
  guint32        remote_id;       /* the address as a reference ID (chronyc's UTI_IPToRefid) */
  guint          remote_port;
  const char    *local_address;
  guint32        local_id;
  MctlChronyLeap leap;
  guint          version;
  guint          mode;            /* the reply's NTP mode: 4 server, 1/2 symmetric */
  guint          stratum;
  int            poll;            /* log2 seconds */
  int            precision;       /* log2 seconds */
  double         root_delay;      /* seconds */
  double         root_dispersion;
  guint32        ref_id;
  gint64         ref_time_s;
  guint32        ref_time_ns;
  double         offset;          /* seconds, server minus local */
  double         peer_delay;
  double         peer_dispersion;
  double         response_time;
  double         jitter_asymmetry;
  guint          tests;           /* chronyc's ten test bits, the first test the highest */
  gboolean       interleaved;
  gboolean       authenticated;
  char           tx_timestamping; /* 'D'aemon, 'K'ernel, 'H'ardware */
  char           rx_timestamping;
  guint32        total_tx, total_rx, total_valid_rx, total_good_rx;
} MctlChronyNtpData;

char mctl_chrony_mode_char (MctlChronyMode mode);
char mctl_chrony_state_char (MctlChronyState state);
/* The D-Bus words ("selected", "server", "Insert second"…); FALSE when unknown. */
gboolean mctl_chrony_state_from_string (const char *text, MctlChronyState *state);
gboolean mctl_chrony_mode_from_string (const char *text, MctlChronyMode *mode);
MctlChronyLeap mctl_chrony_leap_from_string (const char *text);
const char *mctl_chrony_leap_to_string (MctlChronyLeap leap);
/* The Source object's SelectionState word ("waits-for-sources", "best"…) as chronyc's
 * selectdata letter; '?' when unknown. */
char mctl_chrony_select_state_char (const char *text);
/* The selection options among a source's Options entries ("prefer", "minpoll 4"…). */
MctlChronyOptions mctl_chrony_options_from_strv (const char *const *options);

/* Each returns the whole report, newline-terminated lines. */
char *mctl_chrony_format_sources (const MctlChronySource *sources, guint n, gboolean verbose,
                                  gboolean csv);
char *mctl_chrony_format_sourcestats (const MctlChronySource *sources, guint n,
                                      gboolean verbose, gboolean csv);
/* `chronyc selectdata`: what the last source selection saw of each source. */
char *mctl_chrony_format_selectdata (const MctlChronySource *sources, guint n, gboolean verbose,
                                     gboolean csv);
/* `chronyc authdata` (chronyc 4.3's client.c lays it out; no fixture holds its output). */
char *mctl_chrony_format_authdata (const MctlChronySource *s, guint n, gboolean verbose,
                                   gboolean csv);
char *mctl_chrony_format_tracking (const MctlChronyTracking *t, gboolean csv);
/* One source's block (no leading blank line: chronyc prints one before each source when
 * it lists them all, and none in CSV). */
char *mctl_chrony_format_ntpdata (const MctlChronyNtpData *d, gboolean csv);
/* `chronyc activity`: how many sources are in each mode. A source is counted once, in the
 * first that applies: its address still unknown, in a burst (going back to offline or to
 * online after it), offline, online. */
typedef struct {
  guint online, offline, burst_online, burst_offline, unknown_address;
} MctlChronyActivity;
char *mctl_chrony_format_activity (const MctlChronyActivity *a, gboolean csv);

/* `chronyc serverstats`: what the NTP server (`allow`) did, from the Tracking object's
 * ServerStats. chronyc's "received" are the requests of allowed clients, its "dropped"
 * those not answered (over the rate limit; here also those with a MAC or NTS fields, which
 * are not served); the command, NTS-KE, interleaved and timestamp lines are chronyd's own
 * services, none of which meridiand has: 0. */
typedef struct {
  guint64 answered, rate_limited, denied, malformed, not_a_request, authenticated, forgotten;
} MctlChronyServerStats;
char *mctl_chrony_format_serverstats (const MctlChronyServerStats *s, gboolean csv);

/* `chronyc clients`: one row per client of the server's log (ListClients): its name (the
 * address, or the name its address resolves to), requests, those dropped over the rate, the
 * mean intervals (s; 0 = not known) between its requests and between the answers it got, and
 * seconds since it was last heard of. chronyc shows the intervals as powers of 2; the command
 * columns are chronyd's command port's, which meridiand has not: 0 and '-'. */
typedef struct {
  const char *name;
  guint64 requests, dropped;
  double interval, interval_answered, last_ago;
} MctlChronyClient;
char *mctl_chrony_format_clients (const MctlChronyClient *clients, guint n, gboolean csv);
/* One `waitsync` progress line, as chronyc prints it. */
char *mctl_chrony_format_waitsync_try (int attempt, guint32 ref_id, double correction,
                                       double skew, gboolean csv);

/* The building blocks, exposed for their own tests. */
void mctl_chrony_append_seconds (GString *out, gint64 seconds);        /* "%I": 4 columns */
void mctl_chrony_append_nanoseconds (GString *out, double seconds);    /* "%S" */
void mctl_chrony_append_signed_nanoseconds (GString *out, double seconds); /* "%+S" */

G_END_DECLS
