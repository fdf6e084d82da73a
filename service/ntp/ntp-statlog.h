/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-statlog.h — the lines of chronyd's statistics logs (chrony.conf's `log measurements
 * statistics tracking selection`), laid out column for column as chronyd 4.3 writes them, so
 * the scripts and plots people keep for chronyd's measurements.log, statistics.log,
 * tracking.log and selection.log read ours.
 *
 * The core formats a line when something happens (a valid sample, a refit, a clock update)
 * and hands it to env->statlog (ntp-types.h) with its kind; where it goes is the daemon's
 * business (a file per kind under `logdir`, its banner every `logbanner` lines).
 *
 * Signs, as chrony.conf(5) gives them: a measurement's offset is RFC 5905's theta, positive
 * when the local clock is SLOW of the server (the core's own sign negated); the statistics'
 * and tracking's offsets are positive when the local clock is FAST. The statistics' frequency
 * and skew are fractions (s/s), the tracking's in ppm. Dates are UTC. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntp-types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kinds, each its own file. `log rawmeasurements` writes into measurements.log too: every
 * reply of a source, where `measurements` writes those that gave a sample (tests 1-3 and 5-7
 * passed, whatever tests A-D said); NtpConfig.statlog then has NTP_STATLOG_RAW as well. */
typedef enum {
  NTP_STATLOG_MEASUREMENTS = 0,
  NTP_STATLOG_STATISTICS,
  NTP_STATLOG_TRACKING,
  NTP_STATLOG_SELECTION,
  NTP_STATLOG_KINDS
} NtpStatlogKind;

#define NTP_STATLOG_BIT(kind) (1u << (kind))
#define NTP_STATLOG_RAW (1u << NTP_STATLOG_KINDS)
/* Every line fits, banner included (the longest is a measurement's, about 150 characters,
 * the address cut to NTP_STATLOG_ADDRESS_MAX). */
#define NTP_STATLOG_LINE_MAX 256
#define NTP_STATLOG_ADDRESS_MAX 64

/* One reply of a source and the sample it gave, as it came (before the clock filter and the
 * statistics). */
typedef struct {
  const char *address;       /* the polled address */
  unsigned tests;            /* NTP_TEST_* (ntp-packet.h): the tests it passed */
  int leap;                  /* the reply's leap indicator, 0-3 */
  int stratum;               /* the reply's */
  int local_poll, remote_poll;   /* log2 s */
  double score;              /* the poll's adjustment under way (ntp-source.h, poll_score) */
  double offset;             /* s, the core's sign (positive = local clock ahead); 0, as the
                              * delay and dispersion, when the reply gave no sample */
  double delay, dispersion;  /* s, the round trip and the sample's own dispersion */
  double root_delay, root_dispersion;   /* s, the server's, as its reply gave them */
  uint32_t refid;
  int mode;                  /* the reply's NTP mode (4 = server) */
  bool interleaved;
  bool tx_kernel, rx_kernel; /* the local timestamps came from the kernel, not the daemon */
} NtpStatlogMeasurement;

/* A source's regression after a new sample joined it. */
typedef struct {
  const char *address;
  double std_dev;            /* s, the residuals' */
  double offset, offset_sd;  /* s, at the newest sample; positive = local clock fast */
  double freq, skew;         /* fractions; freq positive = local clock fast */
  double stress;             /* |the frequency's move by this sample| / the skew before it */
  int samples;               /* in the fit */
  int discarded;             /* stored but left out by the runs test */
  int runs;                  /* of the residuals' signs */
  double asymmetry;          /* the queueing asymmetry applied (ntp-asym.h) */
} NtpStatlogStatistics;

/* One clock update. */
typedef struct {
  const char *address;       /* the reference's */
  int stratum;               /* ours after the update */
  double freq_ppm, skew_ppm; /* the clock's frequency error (positive = fast) and its skew */
  double offset;             /* s, the offset this update corrects; positive = clock fast */
  NtpLeap leap;
  bool unsynchronized;       /* the leap status reads "?" */
  int combined;              /* sources combined into the update */
  double offset_sd;          /* s */
  double remaining;          /* s, still being slewed out from earlier updates */
  double root_delay, root_dispersion;   /* s, ours */
  double max_error;          /* s, root dispersion + root delay / 2 */
} NtpStatlogTracking;

/* A source as one selection left it (chronyd 4.3's selection.log): a line per source at
 * every selection, which each new sample of any source runs. */
typedef struct {
  const char *address;
  char state;                /* chronyc selectdata's letter: '*', '+', 'x', 'M', 'N'... */
  bool noselect, prefer, trust, require;   /* the source's options */
  unsigned reach;            /* the reachability register, 8 bits */
  double score;              /* against the selected source (reselection at 10) */
  double last_ago;           /* s since its newest sample */
  double lo, hi;             /* s, the interval its root distance gives for our offset */
} NtpStatlogSelection;

/* The file's base name: "measurements", "statistics", "tracking", "selection" (NULL for
 * others). */
const char *ntp_statlog_name (NtpStatlogKind kind);

/* The column header of kind `kind`, aligned with its lines (no newline). The writer puts a
 * line of '=' of the same length above and below it, as chronyd does. Returns the length, 0
 * for an unknown kind. */
size_t ntp_statlog_banner (NtpStatlogKind kind, char *buf, size_t size);

/* A line (no newline) dated `utc_ns` (ns since the Unix epoch, UTC). Return what snprintf
 * returns: the line's length, or more than size - 1 when it was cut; 0 when a figure is not
 * finite (nothing is written then) or the date cannot be formatted. */
size_t ntp_statlog_measurement (char *buf, size_t size, int64_t utc_ns,
                                const NtpStatlogMeasurement *m);
size_t ntp_statlog_statistics (char *buf, size_t size, int64_t utc_ns,
                               const NtpStatlogStatistics *s);
size_t ntp_statlog_tracking (char *buf, size_t size, int64_t utc_ns,
                             const NtpStatlogTracking *t);
size_t ntp_statlog_selection (char *buf, size_t size, int64_t utc_ns,
                              const NtpStatlogSelection *s);

#ifdef __cplusplus
}
#endif
