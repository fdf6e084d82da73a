/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-sync.h — the synchronization domain: whether NTP is on (kept in ROOT/var/lib/meridian/
 * state), the NTP sources (from the configuration and AddSource), and what `chronyc tracking`
 * and `chronyc sources` would say about them. No D-Bus: mrd-sources.c shows the sources and
 * tracking on the bus and mrd-bus.c the NTP property, both through listeners (MrdSyncListener).
 *
 * The NTP engine (service/ntp) plugs in through two seams:
 *   - commands, daemon → engine: an MrdSyncEngineOps table (mrd_sync_set_engine); without one,
 *     sources are kept and shown but never measured, Burst/MakeStep have nothing to act on;
 *   - reports, engine → daemon: mrd_sync_set_tracking() and mrd_sync_set_source_report(),
 *     which update what the bus shows (and NTPSynchronized).
 * Every source line goes through the NTP core's one parser, ntp_source_config_parse().
 */
#pragma once

#include <gio/gio.h>
#include "ntp-config.h"
#include "ntp-serve.h"
#include "sync/mrd-keys.h"
#include "sync/mrd-sync-mask.h"

G_BEGIN_DECLS

typedef struct _MrdSync MrdSync;

/* What changed, for the listeners. */
typedef enum {
  MRD_SYNC_CHANGED_ENABLED      = 1 << 0,   /* NTP on/off */
  MRD_SYNC_CHANGED_SYNCHRONIZED = 1 << 1,   /* NTPSynchronized */
  MRD_SYNC_CHANGED_TRACKING     = 1 << 2,   /* any tracking field */
  MRD_SYNC_CHANGED_SERVED       = 1 << 3,   /* the server's counts (never announced) */
} MrdSyncChange;

/* Who shows the domain on the bus (mrd-sources.c, mrd-bus.c). Any member may be NULL. */
typedef struct {
  void (*source_added)   (gpointer user_data, guint id);
  void (*source_removed) (gpointer user_data, guint id);
  void (*source_changed) (gpointer user_data, guint id);
  void (*changed)        (gpointer user_data, MrdSyncChange what);
} MrdSyncListener;

/* The server's client log (chronyc clients), MRD_SYNC_SERVE_CLIENTS ("a(sttddd)": address,
 * requests, dropped, mean interval between requests and between answers (s, 0 = none),
 * seconds since last heard of), or NULL when the engine could not be asked (it is gone). */
typedef void (*MrdSyncClientsFunc) (GVariant *clients, gpointer user_data);

/* The NTP engine's side of the seam. @engine is the engine's own pointer. Errors are shown
 * to the caller as they are (use MRD_ERROR or G_DBUS_ERROR domains). */
typedef struct {
  gboolean (*add_source)    (gpointer engine, guint id, const NtpSourceConfig *config,
                             GError **error);
  void     (*remove_source) (gpointer engine, guint id);
  gboolean (*burst)         (gpointer engine, GError **error);
  gboolean (*make_step)     (gpointer engine, GError **error);
  void     (*set_enabled)   (gpointer engine, gboolean enabled);
  /* chronyc offline / online / onoffline for the sources @mask matches (parsed from @mask_text,
   * which goes to the engine as it is). Fails with MRD_ERROR_UNKNOWN_SOURCE when a mask that
   * names sources matches none of the polled addresses. May be NULL. */
  gboolean (*set_connectivity) (gpointer engine, MrdConnectivity connectivity,
                                const MrdSyncMask *mask, const char *mask_text, GError **error);
  /* Bring the reports up to date (mrd_sync_set_tracking() and the like) from where the
   * engine keeps its latest figures; called before a client reads them. May be NULL (an engine
   * that reports every update as it comes). */
  void     (*refresh)       (gpointer engine);
  /* chronyc reselect (ntp_engine_reselect) and refresh (names resolved again). May be
   * NULL. */
  gboolean (*reselect)      (gpointer engine, GError **error);
  gboolean (*refresh_names) (gpointer engine, GError **error);
  /* chronyc reset sources (ntp_engine_reset_sources). May be NULL. */
  gboolean (*reset_sources) (gpointer engine, GError **error);
  /* chronyc minpoll, maxpoll, ... for source @id (ntp_source_config_modify's @option and
   * @value, already checked and applied to the configuration mrd-sync holds). May be NULL. */
  gboolean (*modify_source) (gpointer engine, guint id, const char *option, const char *value,
                             GError **error);
  /* chronyc makestep THRESHOLD LIMIT / maxupdateskew SKEW (ntp_config_set_runtime's
   * @directive and @value, already checked). May be NULL. */
  gboolean (*set_directive) (gpointer engine, const char *directive, const char *value,
                             GError **error);
  /* chronyc burst GOOD/MAX [MASK] (counts checked): as burst, for the sources @mask matches
   * (parsed from @mask_text); MRD_ERROR_UNKNOWN_SOURCE when a mask that names sources matches
   * none. May be NULL. */
  gboolean (*burst_sources) (gpointer engine, guint good, guint total, const MrdSyncMask *mask,
                             const char *mask_text, GError **error);
  /* chronyc rekey: the key file's keys now (the engine is told those its sources name, and
   * forgets the others). May be NULL. */
  void     (*set_keys)      (gpointer engine, const MrdKeys *keys);
  /* The one source polled at an address @mask names that mrd-sync does not show (a pool
   * line's other addresses); FALSE when none or several. May be NULL. */
  gboolean (*find_source)   (gpointer engine, const MrdSyncMask *mask, guint *id_out);
  /* The server's client log, to @func (later, or now). May be NULL. */
  void     (*list_clients)  (gpointer engine, MrdSyncClientsFunc func, gpointer user_data);
} MrdSyncEngineOps;

/* @state_path: where NTP on/off is kept (read now; a garbled file gives the default, on). */
MrdSync    *mrd_sync_new                (const char *state_path);
void        mrd_sync_free               (MrdSync *self);

/* Listeners are called in the order added; they must outlive @self. */
void        mrd_sync_add_listener       (MrdSync *self, const MrdSyncListener *listener,
                                         gpointer user_data);
void        mrd_sync_remove_listener    (MrdSync *self, gpointer user_data);
void        mrd_sync_set_engine         (MrdSync *self, const MrdSyncEngineOps *engine,
                                         gpointer engine_data);

/* NTP on/off: saved atomically, then passed to the engine. TRUE without writing when
 * nothing changes. */
gboolean    mrd_sync_get_enabled        (MrdSync *self);
gboolean    mrd_sync_set_enabled        (MrdSync *self, gboolean enabled, GError **error);
gboolean    mrd_sync_get_synchronized   (MrdSync *self);

/* Parse @line (ntp_source_config_parse; a bad line fails with G_DBUS_ERROR_INVALID_ARGS and
 * the parser's message) and add it; *id_out: the source's id, never reused. */
gboolean    mrd_sync_add_source         (MrdSync *self, const char *line, guint *id_out,
                                         GError **error);
/* The same; @persistent: a source added at run time, kept in the sources file
 * (mrd_sync_set_sources_path) until removed, so that it survives a restart. A source whose
 * name and port are already present is refused (MRD_ERROR_SOURCE_EXISTS), as chronyc
 * refuses it. */
gboolean    mrd_sync_add_source_full    (MrdSync *self, const char *line, gboolean persistent,
                                         guint *id_out, GError **error);
/* Whether source @id was added at run time (and is kept in the sources file). */
gboolean    mrd_sync_get_source_persistent (MrdSync *self, guint id);
/* Where run-time sources are kept (rewritten atomically on every change; NULL = nowhere). */
void        mrd_sync_set_sources_path   (MrdSync *self, const char *path);
/* The key file's keys (copied; NULL = no key file): a source line naming a key not among
 * them is refused (MRD_ERROR_INVALID_SOURCE, problem unknown-key). */
void        mrd_sync_set_keys           (MrdSync *self, const MrdKeys *keys);
/* chronyc rekey: the key file read again (@keys), for sources added from now on and for the
 * engine, whose sources use the new keys at their next request; a source whose key is gone
 * stays, and its requests and replies fail authentication, as chronyd's. */
void        mrd_sync_rekey              (MrdSync *self, const MrdKeys *keys);
/* The source lines of such a file (comments and blank lines skipped; none when absent). */
GPtrArray  *mrd_sync_load_sources_file  (const char *path);
/* The one source whose name or polled address is @name_or_address (case-insensitive); FALSE
 * when none or several match. */
gboolean    mrd_sync_find_source        (MrdSync *self, const char *name_or_address,
                                         guint *id_out);
/* Check a line without adding it (same errors).
 *
 * MRD_SYNC_INVALID_SOURCE_FORMAT: a line refused (MRD_ERROR_INVALID_SOURCE) has a message
 * that starts with what is wrong in a form a client can put in its own, translated words:
 * "[PROBLEM]", "[PROBLEM \"WORD\"]" or "[PROBLEM \"WORD\" \"WORD\"]", a blank, then the
 * English explanation. The words are the line's own, escaped as mrd_error_quote() escapes
 * them (so a word never holds a bare quote). PROBLEM is one of: control-character (the byte as
 * "0xNN"), too-long, empty, not-a-directive (the first word), missing-address, bad-address
 * (the address), misplaced-comment (the word that starts with a comment character),
 * unknown-option (the word), missing-value (the option), bad-value (the option, the value),
 * conflict (two options whose values contradict, e.g. "minpoll" "maxpoll": the first is
 * greater than the second), unknown-key (the key's ID: the key file has no usable key of that
 * ID). A message without the bracket is a problem not listed here. */
gboolean    mrd_sync_check_source_line  (const char *line, GError **error);
gboolean    mrd_sync_remove_source      (MrdSync *self, guint id, GError **error);
gboolean    mrd_sync_has_source         (MrdSync *self, guint id);
guint       mrd_sync_get_n_sources      (MrdSync *self);
/* Burst / MakeStep: handed to the engine; without one there is nothing to measure or step
 * and both succeed, as chronyc's commands do on an idle chronyd. */
gboolean    mrd_sync_burst              (MrdSync *self, GError **error);
/* chronyc burst GOOD/MAX [MASK]: @good good samples out of at most @total requests (1 <= @good
 * <= @total <= NTP_BURST_MAX_TOTAL, else G_DBUS_ERROR_INVALID_ARGS), for the sources @mask
 * names (mrd-sync-mask.h; "" = all; malformed: G_DBUS_ERROR_INVALID_ARGS; naming none:
 * MRD_ERROR_UNKNOWN_SOURCE). Without an engine it succeeds, as Burst does. */
gboolean    mrd_sync_check_burst        (guint good, guint total, const char *mask,
                                         GError **error);
gboolean    mrd_sync_burst_sources      (MrdSync *self, guint good, guint total,
                                         const char *mask, GError **error);
gboolean    mrd_sync_make_step          (MrdSync *self, GError **error);
/* Reselect and Refresh (chronyc reselect, refresh): likewise. */
gboolean    mrd_sync_reselect           (MrdSync *self, GError **error);
gboolean    mrd_sync_refresh_names      (MrdSync *self, GError **error);
/* ResetSources (chronyc reset sources): likewise. */
gboolean    mrd_sync_reset_sources      (MrdSync *self, GError **error);
/* Check a connectivity command: @connectivity "offline", "online" or "auto" (onoffline), @mask
 * as mrd-sync-mask.h reads it; G_DBUS_ERROR_INVALID_ARGS for either one wrong. */
gboolean    mrd_sync_check_connectivity (const char *connectivity, const char *mask,
                                         GError **error);
/* Hand it to the engine (checked as above). Without an engine there is nothing to poll and it
 * succeeds, as Burst does; a mask naming sources that match none fails with
 * MRD_ERROR_UNKNOWN_SOURCE (chronyc's "503 No such source"). */
gboolean    mrd_sync_set_connectivity   (MrdSync *self, const char *connectivity,
                                         const char *mask, GError **error);
gboolean    mrd_sync_has_engine         (MrdSync *self);

/* chronyc makestep THRESHOLD LIMIT and maxupdateskew SKEW: @directive (one of
 * ntp_config_runtime_directives) set to @value ("0.1 3", "100"), read as the directive's
 * words in chrony.conf; G_DBUS_ERROR_INVALID_ARGS for either one wrong (nothing changes).
 * Kept while the daemon runs, for an engine started later too. */
gboolean    mrd_sync_check_directive    (const char *directive, const char *value,
                                         GError **error);
gboolean    mrd_sync_set_directive      (MrdSync *self, const char *directive, const char *value,
                                         GError **error);

/* chronyc minpoll, maxpoll, maxdelay, maxdelayratio, maxdelaydevratio, minstratum and
 * polltarget. @option: one of those names; @value: read as that option's value in a source
 * line (ntp_source_config_modify); G_DBUS_ERROR_INVALID_ARGS for either one wrong. */
gboolean    mrd_sync_check_modify       (const char *option, const char *value, GError **error);
/* The source a command names by @address: a source's address (for a pool line, any of its
 * addresses) or the name it was configured with, as chronyc names it. MRD_ERROR_UNKNOWN_SOURCE
 * when none (chronyc's "503 No such source"), G_DBUS_ERROR_INVALID_ARGS when @address is not
 * an address or host name or names several sources. */
gboolean    mrd_sync_find_modify_target (MrdSync *self, const char *address, guint *id_out,
                                         GError **error);
/* Whether the command would change source @id's configuration. */
gboolean    mrd_sync_modify_changes     (MrdSync *self, guint id, const char *option,
                                         const char *value);
/* Apply it (checked as above): source @id's configuration, and so its Options, change and the
 * engine is told. Kept while the daemon runs (an engine started anew is given it again),
 * written nowhere, as chronyd's commands are. */
gboolean    mrd_sync_modify_source      (MrdSync *self, guint id, const char *option,
                                         const char *value, GError **error);

/* A source's configuration, as parsed, and its options as the Options property shows them
 * ("port 12399", "minpoll 4", "iburst"; free with g_strfreev). NULL for an unknown id. */
const NtpSourceConfig *mrd_sync_get_source_config  (MrdSync *self, guint id);
GStrv       mrd_sync_format_options     (const NtpSourceConfig *config);
/* The address the engine polls for the source (a pool line: the best of its addresses);
 * the configured name until the engine says. */
void        mrd_sync_set_source_address (MrdSync *self, guint id, const char *address);
const char *mrd_sync_get_source_address (MrdSync *self, guint id);
/* The local address the engine sends the source's requests from, as the kernel chose it for
 * its connected socket ("127.0.0.1"); "" until the engine says. */
void        mrd_sync_set_source_local_address (MrdSync *self, guint id, const char *address);
const char *mrd_sync_get_source_local_address (MrdSync *self, guint id);
/* The virtual clock's error against CLOCK_REALTIME (a test and demo aid; 0 for the system
 * clock, or before the clock is first read). Setting a new value announces a tracking change,
 * as the aged figures of mrd_sync_refresh do. */
void        mrd_sync_set_true_offset    (MrdSync *self, double offset_s);
double      mrd_sync_get_true_offset    (MrdSync *self);
/* The latest report of a source (all "never measured" until the engine sends one). */
const NtpSourceReport *mrd_sync_get_source_report  (MrdSync *self, guint id);
/* The key file's description of key @id (mrd_keys_describe); FALSE without one. */
gboolean               mrd_sync_describe_key       (MrdSync *self, guint32 id, guint *type,
                                                    guint *bits);
/* The latest tracking report and the selected source's name ("" = none). */
const NtpTracking     *mrd_sync_get_tracking       (MrdSync *self);
const char            *mrd_sync_get_reference_name (MrdSync *self);

/* The engine's reports. */
/* The engine's latest figures, taken now (MrdSyncEngineOps.refresh): the bus layer calls this
 * before it answers a read of the figures it does not announce (their introspection says
 * EmitsChangedSignal "false"), so a Get never returns a stale one. */
void        mrd_sync_refresh            (MrdSync *self);
void        mrd_sync_set_tracking       (MrdSync *self, const NtpTracking *tracking,
                                         const char *reference_name);
void        mrd_sync_set_source_report  (MrdSync *self, guint id,
                                         const NtpSourceReport *report);
/* The server's counts (`allow`, chronyc serverstats) as the engine last reported them; all 0
 * until it serves. Not announced: read after mrd_sync_refresh(). */
void        mrd_sync_set_serve_counts   (MrdSync *self, const NtpServeCounts *counts);
const NtpServeCounts *mrd_sync_get_serve_counts (MrdSync *self);
/* The client log: asked of the engine; an empty list when there is none (NTP off, no engine,
 * nothing served). @func runs once, now or later. */
void        mrd_sync_list_clients       (MrdSync *self, MrdSyncClientsFunc func,
                                         gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdSync, mrd_sync_free)

G_END_DECLS
