/* mrd-sync-engine.h — the NTP engine of meridiand: the core (service/ntp, ntp-engine.h)
 * driven by real sockets (service/net), GLib timers and a clock backend (service/clock).
 *
 * It knows nothing of D-Bus or polkit: the daemon (or an unprivileged child process) wraps it.
 * Single-threaded: every call from the thread that runs the default GMainContext. With numeric
 * source addresses only, it creates no thread at all (names are resolved on a GLib thread
 * pool, service/net/mrd-net.h).
 *
 * Units: seconds and ppm, signs as in ntp-engine.h (offset positive = the clock is ahead).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "clock/mrd-clock.h"
#include "mrd-config.h"
#include "ntp-engine.h"
#include "ntp-serve.h"
#include "sync/mrd-sync-mask.h"

G_BEGIN_DECLS

typedef struct _MrdSyncEngine MrdSyncEngine;

typedef enum {
  MRD_SYNC_ENGINE_CHANGED_TRACKING = 1 << 0,   /* a clock update (new offset/frequency, or a step),
                                                * or without one the clock no longer (or again)
                                                * synchronized */
  MRD_SYNC_ENGINE_CHANGED_SOURCES  = 1 << 1,   /* a source was added, removed, resolved or replaced */
  MRD_SYNC_ENGINE_CHANGED_STATES   = 1 << 2,   /* without a clock update, a source's state, reach
                                                * or stratum changed (a request unanswered, a
                                                * reply taken) */
  MRD_SYNC_ENGINE_CHANGED_SERVED   = 1 << 3,   /* the server's counts changed (at most once a
                                                * second, a second after the first request) */
} MrdSyncEngineChanged;

/* Called at most once per clock update (and once per change of the source list or of the
 * sources' states), after the engine's state is consistent: read it with the getters below.
 * So a listener needs no timer of its own to follow the sources. */
typedef void (*MrdSyncEngineUpdatedFunc) (MrdSyncEngine *engine, MrdSyncEngineChanged what,
                                    gpointer user_data);

/* One polled address (a `pool` line gives one per address). */
typedef struct {
  guint id;                      /* stable while the source exists; never reused */
  guint line_id;                 /* the configuration line it belongs to (see add_source) */
  char name[NTP_NAME_MAX];       /* as configured: the host name or address of the line */
  char address[64];              /* the address polled, as chronyc shows it (port if not 123) */
  char local_address[64];        /* the address its requests are sent from, as the kernel
                                  * chose it ("127.0.0.1", "::1"); "" before the first request */
  NtpSourceMode mode;
  char line[512];                /* the configuration line it came from */
  NtpSourceReport report;        /* what `chronyc sources` / `sourcestats` show */
} MrdSyncSourceInfo;

/* @clock is borrowed (it must outlive the engine); @config gives the sources, the core's
 * directives, driftfile and rtcsync (NULL: no sources, defaults). Fails only on a core
 * directive the core refuses. */
MrdSyncEngine *mrd_sync_engine_new   (MrdClock *clock, const MrdConfig *config, GError **error);
void           mrd_sync_engine_free  (MrdSyncEngine *self);
/* A server socket (`allow`) of @family (AF_INET, AF_INET6) that a privileged process bound
 * (mrd_net_server_open), which the engine then owns and serves on from its next start
 * instead of binding its own: the sandboxed engine cannot bind port 123. */
void           mrd_sync_engine_set_serve_socket (MrdSyncEngine *self, int family, int fd);
/* What the server (`allow`) has answered and refused since the engine was made, over every
 * start (all 0 when it never served). */
void           mrd_sync_engine_get_serve_counts (MrdSyncEngine *self, NtpServeCounts *out);
/* The server's client log (mrd-sync-serve.h, MRD_SYNC_SERVE_CLIENTS; floating): empty when
 * it does not serve. */
GVariant      *mrd_sync_engine_list_clients (MrdSyncEngine *self);
/* The keys (service/sync/mrd-keys.h) the source lines @lines name, as mrd_keys_to_variant()
 * gives them (a floating reference taken: free with g_variant_unref). */
GVariant      *mrd_sync_engine_keys_for_lines (const MrdKeys *keys, const char *const *lines,
                                               guint n_lines);
/* Take keys (a(usay), checked as untrusted) for sources added later. */
gboolean       mrd_sync_engine_add_keys (MrdSyncEngine *self, GVariant *keys, GError **error);
/* chronyc rekey: the keys in @keys (as mrd_sync_engine_add_keys takes them) replace all the
 * engine had; a source whose key is gone then fails authentication. FALSE (nothing changed)
 * for a malformed message. */
gboolean       mrd_sync_engine_replace_keys (MrdSyncEngine *self, GVariant *keys, GError **error);

/* Trusted certificates (PEM) for NTS-KE, in certificate set @set (chrony.conf's
 * ntstrustedcerts), for an engine not given them by its configuration (the sandboxed child). */
gboolean       mrd_sync_engine_add_nts_certs (MrdSyncEngine *self, guint set, const guint8 *pem,
                                              gsize len, GError **error);

/* NTS cookies kept across restarts (chrony.conf's ntsdumpdir, ntp-nts.h's dump format).
 * The engine opens no file for them: its owner reads the dumps and hands them over, and is
 * told when one should be written. A dump is the text of one file, named @name by
 * mrd_sync_engine_nts_dump_name (NULL: a line whose name cannot name a file). */
char          *mrd_sync_engine_nts_dump_name (const NtpSourceConfig *config);
/* The saved dump @name (the file's whole text, any bytes): its records are used when the
 * addresses of an `nts` line it belongs to are first polled, instead of a key exchange; one
 * that is not a whole dump, is of another line or address, or too old, is logged and unused. */
void           mrd_sync_engine_take_nts_dump (MrdSyncEngine *self, const char *name,
                                              const char *text, gsize len);
/* A line of one of chronyd's statistics logs (@kind: NtpStatlogKind), as the core wrote it
 * (ntp-statlog.h); given only for the kinds the configuration's `log` line names. */
typedef void (*MrdSyncEngineStatlogFunc) (MrdSyncEngine *engine, guint kind, const char *line,
                                          gpointer user_data);
void           mrd_sync_engine_set_statlog_func (MrdSyncEngine *self,
                                                 MrdSyncEngineStatlogFunc func,
                                                 gpointer user_data);
/* Called with a dump to write: after a key exchange, an NTS NAK, every few cookies renewed
 * (ntp_engine_nts_jar_serial), and for every `nts` line at stop. */
typedef void (*MrdSyncEngineNtsDumpFunc) (MrdSyncEngine *engine, const char *name,
                                          const char *text, gpointer user_data);
void           mrd_sync_engine_set_nts_dump_func (MrdSyncEngine *self,
                                                  MrdSyncEngineNtsDumpFunc func,
                                                  gpointer user_data);
/* The dump func called now for every `nts` line polled (the owner is about to go). */
void           mrd_sync_engine_dump_nts (MrdSyncEngine *self);
/* Whether @text (@len bytes) is a whole dump for the line of @name: the owner's check of
 * what it reads or is given before it hands it over or writes it. Logs a refusal naming
 * @what. */
gboolean       mrd_sync_engine_nts_dump_check (const char *name, const char *text, gsize len,
                                               const char *what);

void           mrd_sync_engine_set_updated_func (MrdSyncEngine *self, MrdSyncEngineUpdatedFunc func,
                                                 gpointer user_data);

/* Start polling (reads the drift file first); stop: stop polling, write the drift file, mark
 * the clock unsynchronized. Sources are kept across stop/start. Both idempotent. */
void           mrd_sync_engine_start (MrdSyncEngine *self);
void           mrd_sync_engine_stop  (MrdSyncEngine *self);
gboolean       mrd_sync_engine_is_running (MrdSyncEngine *self);
/* How many times the engine's timer has woken the process (each poll, each slew the clock
 * does not end by itself, each early expiry), since it was made: what idling costs. */
guint64        mrd_sync_engine_get_timer_wakeups (MrdSyncEngine *self);

/* A `server|pool|peer HOST [options]` line (chrony.conf syntax, ntp_source_config_parse).
 * Refused (G_IO_ERROR_EXISTS) when a source with that name and port is already configured,
 * as chronyc refuses it; G_IO_ERROR_INVALID_ARGUMENT for a line that does not parse. */
gboolean       mrd_sync_engine_add_source    (MrdSyncEngine *self, const char *line,
                                              GError **error);
/* The same for a line already parsed (ntp_source_config_parse), under @line_id, which the
 * caller chooses (e.g. the daemon's own id of the line; 0: the engine picks one) and
 * *line_id_out returns. Refused (G_IO_ERROR_EXISTS) when @line_id or the name is taken. */
gboolean       mrd_sync_engine_add_source_config (MrdSyncEngine *self, const char *line,
                                                  const NtpSourceConfig *config, guint line_id,
                                                  guint *line_id_out, GError **error);
/* Remove a line by its id. G_IO_ERROR_NOT_FOUND for an unknown one. */
gboolean       mrd_sync_engine_remove_line   (MrdSyncEngine *self, guint line_id,
                                              GError **error);
/* Remove the configuration line source @id came from (for a pool: all its addresses).
 * G_IO_ERROR_NOT_FOUND for an unknown id. */
gboolean       mrd_sync_engine_remove_source (MrdSyncEngine *self, guint id, GError **error);
/* Remove the line whose name (as configured) or one of whose addresses is @name_or_address. */
gboolean       mrd_sync_engine_remove_source_by_name (MrdSyncEngine *self,
                                                      const char *name_or_address,
                                                      GError **error);
/* The configured lines, in order (the strings are owned by the engine and valid until the
 * next change; free the array). */
GPtrArray     *mrd_sync_engine_get_lines (MrdSyncEngine *self);

/* `chronyc burst` / `chronyc makestep`. FALSE while stopped. */
gboolean       mrd_sync_engine_burst     (MrdSyncEngine *self);
gboolean       mrd_sync_engine_make_step (MrdSyncEngine *self);
/* `chronyc burst GOOD/MAX [MASK]` for the polled addresses @mask matches
 * (ntp_engine_burst_source); the number of sources a burst was started for (0 while stopped,
 * or when none matches). */
guint          mrd_sync_engine_burst_sources (MrdSyncEngine *self, int good, int total,
                                              const MrdSyncMask *mask);
/* `chronyc makestep THRESHOLD LIMIT` / `chronyc maxupdateskew SKEW` (ntp_engine_set_directive),
 * kept for a core started later too. G_IO_ERROR_INVALID_ARGUMENT (in MRD_IO_ERROR) for a
 * directive or value the core refuses. */
gboolean       mrd_sync_engine_set_directive (MrdSyncEngine *self, const char *directive,
                                              const char *value, GError **error);
/* `chronyc refresh`: every line given by name is resolved again now, and its members whose
 * address the answer no longer lists are replaced by addresses it does (while stopped, by
 * the first addresses the answer gives when polling starts). */
void           mrd_sync_engine_refresh   (MrdSyncEngine *self);
/* `chronyc reselect` (ntp_engine_reselect). FALSE while stopped. */
gboolean       mrd_sync_engine_reselect  (MrdSyncEngine *self);
/* `chronyc reset sources` (ntp_engine_reset_sources). FALSE while stopped. */
gboolean       mrd_sync_engine_reset_sources (MrdSyncEngine *self);
/* `chronyc offline` / `online` / `onoffline` for the sources @mask matches (mrd-sync-mask.h);
 * MRD_CONNECTIVITY_AUTO takes each online when the kernel has a route to it, else offline.
 * Kept while stopped and across stop and start. Returns how many polled addresses matched. */
guint          mrd_sync_engine_set_connectivity (MrdSyncEngine *self,
                                                 MrdConnectivity connectivity,
                                                 const MrdSyncMask *mask);

/* chronyc minpoll / maxpoll / maxdelay / maxdelayratio / maxdelaydevratio / minstratum /
 * polltarget (ntp_source_config_modify: @value as the option's value in a source line) for
 * line @line_id: every address it polls now (for a pool, all of them) and those it resolves
 * to later, kept across stop and start. G_IO_ERROR_NOT_FOUND for an unknown line,
 * G_IO_ERROR_INVALID_ARGUMENT for an option or value refused (nothing changed). */
gboolean       mrd_sync_engine_modify_line (MrdSyncEngine *self, guint line_id,
                                            const char *option, const char *value,
                                            GError **error);

/* Every field of `chronyc tracking` (zeroed, synchronized FALSE, while stopped). The
 * reference ID is chronyd's for the reference's address (mrd_net_address_refid). */
void           mrd_sync_engine_get_tracking (MrdSyncEngine *self, NtpTracking *out);
/* The reference's address as `chronyc -n tracking` shows it in parentheses ("127.0.0.1",
 * "::1": no port); "" while not synchronized. Valid until the next call into the engine. */
const char    *mrd_sync_engine_get_reference_name (MrdSyncEngine *self);
/* The polled sources, in the order they were added (an array of MrdSyncSourceInfo). Lines
 * whose names are still being resolved have no entry yet. */
GArray        *mrd_sync_engine_list_sources (MrdSyncEngine *self);
gboolean       mrd_sync_engine_get_source   (MrdSyncEngine *self, guint id,
                                             MrdSyncSourceInfo *out);
/* Lines not yet resolved to any address. */
guint          mrd_sync_engine_get_n_unresolved (MrdSyncEngine *self);

/* Write the drift file now (atomically); TRUE with nothing done when none is configured or
 * there is no estimate yet. */
gboolean       mrd_sync_engine_write_drift (MrdSyncEngine *self, GError **error);

/* The drift without a file, for an engine that may not touch files (the privilege-separated
 * child, whose parent keeps the file): the estimate to start from (instead of the drift file;
 * call before start), and the current one (FALSE before the first clock update). */
void           mrd_sync_engine_set_initial_drift (MrdSyncEngine *self, double freq_ppm,
                                                  double skew_ppm);
gboolean       mrd_sync_engine_get_drift (MrdSyncEngine *self, double *freq_ppm,
                                          double *skew_ppm);
/* The drift file's text: parse (FALSE unless exactly two finite numbers, |freq| within
 * chronyd's limit, skew >= 0) and format ("%20.6f %20.6f\n" in the C locale). */
gboolean       mrd_sync_engine_drift_parse  (const char *text, double *freq_ppm, double *skew_ppm);
void           mrd_sync_engine_drift_format (double freq_ppm, double skew_ppm, char *buf,
                                             gsize size);

/* Datagrams from servers handed to the core with the kernel's transmit timestamp of the
 * request as t1 (SOF_TIMESTAMPING_TX_SOFTWARE), and with the time read before send(2)
 * because the kernel gave none. */
void           mrd_sync_engine_get_tx_stamps (MrdSyncEngine *self, guint64 *kernel,
                                              guint64 *fallback);

/* The back-off of name resolution: a name that did not resolve is asked again after
 * @first_ms, doubling up to @max_ms; a pool whose member stopped answering is re-resolved at
 * most every 8 x @first_ms, doubling likewise. Defaults 8 s and 1 h; tests shorten them. */
void           mrd_sync_engine_set_resolve_backoff (MrdSyncEngine *self, guint first_ms,
                                                    guint max_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdSyncEngine, mrd_sync_engine_free)

G_END_DECLS
