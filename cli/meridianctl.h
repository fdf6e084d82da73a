/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl — a thin command-line client of meridiand (org.meridian.Time1).
 *
 * One file per subcommand (meridianctl-<command>.c, as boltctl does); this header holds what
 * they share: the exit codes scripts rely on, the connection to the daemon, error reporting,
 * the polkit text agent and the small formatting helpers.
 *
 * Nothing here links anything from service/: the only way to the daemon is D-Bus, through the
 * proxies gdbus-codegen makes from dbus/org.meridian.Time1.xml.
 */
#pragma once

#include <glib.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "mrd-dbus-generated.h"
#include "mrd-timedate1-generated.h"

G_BEGIN_DECLS

#define MCTL_BUS_NAME    "org.meridian.Time1"
#define MCTL_OBJECT_PATH "/org/meridian/Time1"

/* Exit codes.  They are part of the interface: `meridianctl --help` lists them and scripts
 * may test for them, so a number never changes meaning once shipped. */
typedef enum {
  MCTL_EXIT_OK              = 0, /* done */
  MCTL_EXIT_FAILURE         = 1, /* the operation failed (or was cancelled) */
  MCTL_EXIT_USAGE           = 2, /* the command line is malformed */
  MCTL_EXIT_NOT_AUTHORIZED  = 3, /* polkit said no, or would have needed to ask */
  MCTL_EXIT_INVALID_ARG     = 4, /* a value was rejected (unknown zone, bad time, ...) */
  MCTL_EXIT_UNREACHABLE     = 5, /* no system bus, or meridiand is not running */
  MCTL_EXIT_NO_TERMINAL     = 6, /* an interactive command was run without a terminal */
} MctlExit;

/* What every subcommand gets: the global flags and, once connected, the proxy. */
typedef struct {
  gboolean      json;            /* --json: machine-readable output on read commands */
  gboolean      no_ask_password; /* --no-ask-password: never let polkit ask */
  gboolean      verbose;         /* --verbose: add the daemon's own error text */
  gboolean      csv;             /* -c before the command, as chronyc takes it */
  gboolean      numeric;         /* -n before the command, as chronyc takes it */
  const char   *prog;            /* argv[0] for messages */
  MrdDBusTime1 *time1;           /* NULL until mctl_connect() succeeds */
  /* Set instead of time1 when meridiand is absent but systemd-timedated answers: the zone
   * and clock commands then work through org.freedesktop.timedate1. */
  MrdFdoTimedate1 *timedate1;
  gboolean      asked_interactively; /* the last change was sent with interactive = true */
} MctlContext;

typedef int (*MctlCommandFunc) (MctlContext *ctx, int argc, char **argv);

typedef struct {
  const char      *name;
  MctlCommandFunc  run;
  const char      *args;     /* untranslated argument synopsis, e.g. "ZONE" */
  const char      *summary;  /* N_() one-line description */
  gboolean         reads;    /* a read command: takes --json */
} MctlCommand;

/* Subcommands (meridianctl-<command>.c). */
int mctl_status (MctlContext *ctx, int argc, char **argv);
int mctl_list_timezones (MctlContext *ctx, int argc, char **argv);
int mctl_set_timezone (MctlContext *ctx, int argc, char **argv);
int mctl_select_timezone (MctlContext *ctx, int argc, char **argv);
int mctl_describe_zone (MctlContext *ctx, int argc, char **argv);
int mctl_set_ntp (MctlContext *ctx, int argc, char **argv);
int mctl_set_time (MctlContext *ctx, int argc, char **argv);
int mctl_set_local_rtc (MctlContext *ctx, int argc, char **argv);
int mctl_sources (MctlContext *ctx, int argc, char **argv);
int mctl_sourcestats (MctlContext *ctx, int argc, char **argv);
int mctl_selectdata (MctlContext *ctx, int argc, char **argv);
int mctl_authdata (MctlContext *ctx, int argc, char **argv);
int mctl_tracking (MctlContext *ctx, int argc, char **argv);
int mctl_ntpdata (MctlContext *ctx, int argc, char **argv);
int mctl_add_source (MctlContext *ctx, int argc, char **argv);
int mctl_remove_source (MctlContext *ctx, int argc, char **argv);
int mctl_burst (MctlContext *ctx, int argc, char **argv);
int mctl_makestep (MctlContext *ctx, int argc, char **argv);
int mctl_reselect (MctlContext *ctx, int argc, char **argv);
int mctl_reselectdist (MctlContext *ctx, int argc, char **argv);
int mctl_reset (MctlContext *ctx, int argc, char **argv);
int mctl_add (MctlContext *ctx, int argc, char **argv);
int mctl_delete (MctlContext *ctx, int argc, char **argv);
int mctl_sourcename (MctlContext *ctx, int argc, char **argv);
int mctl_refresh (MctlContext *ctx, int argc, char **argv);
int mctl_reload (MctlContext *ctx, int argc, char **argv);
int mctl_rekey (MctlContext *ctx, int argc, char **argv);
int mctl_maxupdateskew (MctlContext *ctx, int argc, char **argv);
int mctl_offline (MctlContext *ctx, int argc, char **argv);
int mctl_online (MctlContext *ctx, int argc, char **argv);
int mctl_onoffline (MctlContext *ctx, int argc, char **argv);
int mctl_minpoll (MctlContext *ctx, int argc, char **argv);
int mctl_maxpoll (MctlContext *ctx, int argc, char **argv);
int mctl_maxdelay (MctlContext *ctx, int argc, char **argv);
int mctl_maxdelayratio (MctlContext *ctx, int argc, char **argv);
int mctl_maxdelaydevratio (MctlContext *ctx, int argc, char **argv);
int mctl_minstratum (MctlContext *ctx, int argc, char **argv);
int mctl_polltarget (MctlContext *ctx, int argc, char **argv);
int mctl_activity (MctlContext *ctx, int argc, char **argv);
int mctl_serverstats (MctlContext *ctx, int argc, char **argv);
int mctl_clients (MctlContext *ctx, int argc, char **argv);
int mctl_keygen (MctlContext *ctx, int argc, char **argv);
int mctl_waitsync (MctlContext *ctx, int argc, char **argv);
int mctl_monitor (MctlContext *ctx, int argc, char **argv);

/* meridianctl-ntp.c: what the NTP commands and monitor share. */
GDBusObjectManager *mctl_sources_manager (MctlContext *ctx, GError **error);
/* The objects that carry org.meridian.Time1.Source, in the order they were added. */
GPtrArray *mctl_source_list (GDBusObjectManager *manager);
MrdDBusTime1Tracking *mctl_tracking_proxy (MctlContext *ctx, GError **error);
void mctl_resolve_addresses (const char *const *addresses, guint n);
const char *mctl_name_for_address (const char *address);
char *mctl_address_host (const char *address);
char *mctl_sources_report (GPtrArray *objects, gboolean stats, gboolean verbose, gboolean csv,
                           gboolean numeric);
char *mctl_tracking_report (MrdDBusTime1Tracking *tracking, gboolean csv, gboolean numeric);

/* meridianctl.c: options every subcommand accepts (--json, --no-ask-password). */
GOptionContext *mctl_option_context_new (MctlContext *ctx, const char *command,
                                         const char *parameter_string,
                                         const GOptionEntry *entries);
/* Parses a subcommand's options; on failure prints the error and returns FALSE. */
gboolean mctl_parse_options (MctlContext *ctx, GOptionContext *octx, int *argc, char ***argv);
/* The same for commands whose arguments are numbers, as chronyc reads them: "-1" or "-.5" is
 * a (negative) number, not an option. Afterwards argv holds the program name and the
 * arguments in the order given. */
gboolean mctl_parse_options_numbers (MctlContext *ctx, GOptionContext *octx, int *argc,
                                     char ***argv);
int mctl_usage_error (MctlContext *ctx, const char *command, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

/* Connects to meridiand on the system bus, or where it is absent to systemd-timedated
 * (org.freedesktop.timedate1, saying so once); prints why not and returns FALSE otherwise. */
gboolean mctl_connect (MctlContext *ctx);
/* The state both services share, from whichever answered. */
const char *mctl_get_timezone (MctlContext *ctx);  /* "UTC" when unset */
gint64 mctl_get_time_usec (MctlContext *ctx);
gint64 mctl_get_rtc_time_usec (MctlContext *ctx);
gboolean mctl_get_local_rtc (MctlContext *ctx);
gboolean mctl_get_can_ntp (MctlContext *ctx);
gboolean mctl_get_ntp (MctlContext *ctx);
gboolean mctl_get_ntp_synchronized (MctlContext *ctx);
/* For commands only meridiand can answer: FALSE (after saying so) through timedated. */
gboolean mctl_require_meridiand (MctlContext *ctx, const char *command);
/* The same for the NTP commands, which only meridiand can answer. */
gboolean mctl_connect_ntp (MctlContext *ctx);
/* Reports a failed D-Bus call: "what: why" plus a hint on what to do, and maps the D-Bus error
 * to an exit code. `what` is a translated phrase such as _("Cannot set the time zone"). */
int mctl_report_error (MctlContext *ctx, const char *what, const GError *error);

/* Calls a method that changes something, honouring --no-ask-password: on a terminal the
 * polkit text agent runs for the duration of the call and `interactive` is true. `params` is
 * the argument tuple WITHOUT the trailing interactive flag, which is appended here. */
gboolean mctl_call_mutating (MctlContext *ctx, const char *method, GVariant *params,
                             GError **error);
/* The same on another interface's proxy; the reply, if wanted, goes to *out_reply. */
gboolean mctl_call_mutating_on (MctlContext *ctx, GDBusProxy *proxy, const char *method,
                                GVariant *params, GVariant **out_reply, GError **error);

/* meridianctl-agent.c: pkttyagent, as systemd's polkit_agent_open() runs it. */
typedef struct _MctlAgent MctlAgent;
MctlAgent *mctl_agent_open (void);
void mctl_agent_close (MctlAgent *agent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MctlAgent, mctl_agent_close)

/* Zone arithmetic through DescribeZone, so the client never reads tzdata itself. */
typedef struct {
  gint     utc_offset;           /* seconds east of UTC */
  gboolean is_dst;
  char    *abbreviation;
  gint64   next_transition_usec; /* 0 = none */
  gint     utc_offset_after;
  gboolean is_dst_after;
  char    *abbreviation_after;
} MctlZoneInfo;
void mctl_zone_info_clear (MctlZoneInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MctlZoneInfo, mctl_zone_info_clear)
/* DescribeZone at a moment (µs since the epoch; 0 = now).  Moments before 1970 need a
 * meridiand whose DescribeZone takes a signed time; with an older one they fail with
 * G_IO_ERROR_NOT_SUPPORTED. */
gboolean mctl_describe (MctlContext *ctx, const char *zone, gint64 at_usec,
                        MctlZoneInfo *info, GError **error);
gboolean mctl_describe_takes_signed_time (void);

/* Where a wall-clock time in a zone falls (seconds of a naive calendar -> UTC). */
typedef struct {
  guint  n;         /* 1: once; 2: twice (clocks went back); 0: never (clocks went forward) */
  gint64 utc_s[2];  /* n = 1: [0]; n = 2: both, earlier first; n = 0: the reading with the
                       offset before the gap, then with the offset after it */
  gint   offset[2]; /* the offset each reading uses */
} MctlLocalTime;
gboolean mctl_local_place (MctlContext *ctx, const char *zone, gint64 naive_local_s,
                           MctlLocalTime *out, GError **error);
/* The one reading mktime() would pick: the earlier of two, the offset before a gap. */
gint64 mctl_local_time_pick (const MctlLocalTime *t);

/* meridianctl-time.c: time arguments as systemd.time(7) reads them. */
typedef struct {
  gboolean local;     /* a wall-clock time in the zone at hand, still to be placed */
  gint64   usec;      /* !local: µs since the epoch (negative before 1970) */
  gint64   naive_s;   /* local: seconds of the naive calendar */
  gint64   frac_usec; /* local: the fraction of a second */
} MctlTimeSpec;
/* now_offset_s: the zone's offset now, which fixes what "today" is there. */
gboolean mctl_time_parse (const char *text, gint64 now_usec, gint now_offset_s,
                          MctlTimeSpec *spec);
/* One sentence listing the accepted forms, for error messages. */
const char *mctl_time_accepted (void);

/* meridianctl-zones.c: ListCountryZones rows, and country names for people. */
typedef struct {
  char   *zone;
  GStrv   codes;      /* ISO 3166 codes of the countries the zone covers */
  GStrv   countries;  /* their names, parallel to codes */
  double  latitude;
  double  longitude;
  char   *comment;
  gint    utc_offset; /* seconds east of UTC, now */
  char   *abbreviation; /* now */
} MctlZoneRow;
void mctl_zone_row_free (MctlZoneRow *row);
/* One ListCountryZones call: the zones of the country `code`, or every row for "". */
GPtrArray *mctl_country_zones (MctlContext *ctx, const char *code, GError **error);
gboolean mctl_zone_row_has_country (const MctlZoneRow *row, const char *code);
/* TRUE when the row is the country's own: its codes are exactly [code]. */
gboolean mctl_zone_row_is_only (const MctlZoneRow *row, const char *code);
const char *mctl_zone_row_country_name (const MctlZoneRow *row, const char *code);
/* The country's name in the user's language (iso-codes' translation), else `fallback`. */
char *mctl_country_label (const char *code, const char *fallback);
/* Newline-separated words a user may type for the country: its code and ISO names. */
char *mctl_country_keys (const char *code);

/* Formatting helpers. */
char *mctl_format_offset (gint offset_s);                 /* "+0900", "-0330", "+002744" */
char *mctl_format_wall (gint64 utc_s, gint offset_s);     /* "Wed 2026-11-25 16:00:00" */
/* Prints "label: value" lines with the labels right-aligned by display width (Hangul takes two
 * columns), as timedatectl lays out status. */
void mctl_print_table (const char *const *labels, const char *const *values, guint n);
guint mctl_display_width (const char *utf8);
/* Prints a JSON node on stdout, pretty, with a trailing newline. */
void mctl_print_json (JsonNode *node);
/* Parses "on"/"off" (also yes/no, true/false, 1/0); FALSE if neither. */
gboolean mctl_parse_boolean (const char *text, gboolean *value);

G_END_DECLS
