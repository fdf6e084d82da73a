/* mrd-config.h — /etc/meridian/meridian.conf, in chrony.conf syntax (chrony.conf(5)), so that
 * a line such as `server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4` works as written,
 * and a chrony.conf (Debian's, Amazon Linux's) works as a whole.
 *
 * Reading never fails because of the file's content: a line that does not parse is reported
 * as "FILE:LINE: why" and skipped; a directive meridiand does not implement (one of chrony's,
 * or one nobody knows) is reported and ignored; everything else is kept. Directive names are
 * case-insensitive, as chronyd reads them.
 *
 * Implemented: server, pool, peer (through the NTP core's parser, ntp_source_config_parse),
 * the directives the NTP core takes (ntp_config_parse_line decides), driftfile, keyfile (read
 * where the directive stands, service/sync/mrd-keys.h), rtcsync,
 * include (glob patterns), confdir (*.conf) and sourcedir (*.sources, source lines only).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "sync/mrd-keys.h"

G_BEGIN_DECLS

typedef enum {
  MRD_CONFIG_LINE_OK,        /* used (or blank / a comment) */
  MRD_CONFIG_LINE_IGNORED,   /* a chrony directive meridiand does not implement */
  MRD_CONFIG_LINE_ERROR,     /* does not parse */
  MRD_CONFIG_LINE_PARTIAL,   /* used, but a part of it has no effect here (said why) */
} MrdConfigLineResult;

typedef struct {
  GPtrArray *sources;       /* char *: the server/pool/peer lines, whitespace normalised */
  GPtrArray *source_origins; /* char *: where each of @sources stands, "FILE:LINE" (NULL for a
                              * line given to mrd_config_parse_line) */
  GArray    *source_in_sourcedir; /* gboolean, one per @sources: read from a sourcedir's file */
  char      *driftfile;     /* NULL = none */
  char      *keyfile;       /* NULL = none */
  MrdKeys   *keys;          /* the keyfile's keys (empty without one, or when it was refused:
                             * readable by others, unreadable) */
  gboolean   rtcsync;       /* let the kernel copy the time to the RTC every 11 minutes */
  /* NTS (chrony.conf's ntstrustedcerts [SET] FILE, nosystemcert, ntsdumpdir): the trusted
   * certificates as read (PEM text, GBytes) with their sets, in the order given */
  GPtrArray *nts_certs;
  GArray    *nts_cert_sets;  /* guint, one per nts_certs entry */
  GPtrArray *nts_cert_files; /* char *: the file each came from, for messages */
  gboolean   nosystemcert;   /* set 0 holds only the files, not the system's trust store */
  char      *ntsdumpdir;     /* NULL = none */
  /* chronyd's statistics logs (the core's `log` line says which): the directory their files
   * go to (NULL = none, so none is written, as in chronyd) and how often the column header is
   * written again (lines; 0 = never; default 32, as chronyd's) */
  char      *logdir;
  guint      logbanner;
  GPtrArray *core_lines;    /* char *: directives for the NTP core (makestep, maxdistance, …) */
  GPtrArray *diagnostics;   /* char *: "FILE:LINE: message" for every ignored or bad line */
  guint      n_errors;      /* lines that did not parse */
  GPtrArray *sourcedirs;    /* char *: the sourcedir directories, in order (the first is where
                             * sources added at run time belong) */
  guint      depth;         /* include nesting while reading (private) */
  char      *root;          /* the root files were read beneath (NULL: read as named); for
                             * mrd_config_load_sourcedirs */
  char      *origin;        /* "FILE:LINE" of the line being parsed (private) */
  GPtrArray *initstepslew_hosts;   /* char *: initstepslew's hosts, and "FILE:LINE" of each */
  GPtrArray *initstepslew_origins; /* (private: checked against the sources once all is read) */
  char      *log_origin;    /* "FILE:LINE" of the first `log` line (private: a log without a
                             * logdir is said once all is read) */
} MrdConfig;

MrdConfig          *mrd_config_new        (void);
void                mrd_config_free       (MrdConfig *config);

/* Parse one line. On IGNORED or ERROR, *message (if not NULL) says why (free with g_free). */
MrdConfigLineResult mrd_config_parse_line (MrdConfig *config, const char *line, char **message);
/* Parse a whole file's text; @filename labels the diagnostics, which are also logged. */
void                mrd_config_parse_data (MrdConfig *config, const char *data,
                                           const char *filename);
/* Read @path. A missing file gives the defaults (no sources); only an unreadable file fails.
 * Files named by include, confdir and sourcedir are read where the directive stands; a
 * missing one is skipped (as chronyd does), an unreadable one reported as a diagnostic. */
MrdConfig          *mrd_config_load_file  (const char *path, GError **error);
/* The same with a root other than "/" (meridiand --config FILE --root DIR): @path is read as
 * named, and the files and directories named by include, confdir and sourcedir are taken
 * relative to @root and resolved beneath it, as mrd_config_load_beneath() does. @root NULL or
 * "/" is mrd_config_load_file(). */
MrdConfig          *mrd_config_load_file_under (const char *path, const char *root,
                                                GError **error);
/* The same for the daemon's own files: @path (e.g. "/etc/meridian/meridian.conf") and every
 * file and directory named by include, confdir and sourcedir are taken relative to @root and
 * resolved beneath it without following a symbolic link (service/tz/mrd-tz-root.h): a linked
 * file or directory, a FIFO or a device is reported and skipped (the main file: an error), never
 * read. Beneath a root, only the file name of an include may be a pattern. */
MrdConfig          *mrd_config_load_beneath (const char *root, const char *path,
                                             GError **error);

/* The *.sources files of @dirs alone, read as the sourcedir directive reads them (chronyc
 * reload sources): @root is the loaded configuration's root field, so that they are read the
 * same way. Never fails; unreadable files and bad lines are diagnostics, as in a full load. */
MrdConfig          *mrd_config_load_sourcedirs (const char *root, const char *const *dirs);
/* The key file @path alone, read again (chronyc rekey) as the keyfile directive reads it:
 * @root as mrd_config_load_sourcedirs takes it. NULL with @error when the file is missing,
 * unreadable or refused as a whole (readable by others); otherwise the keys are the returned
 * configuration's, its bad lines diagnostics. */
MrdConfig          *mrd_config_load_keyfile (const char *root, const char *path, GError **error);
/* TRUE for a directive name chrony 4.3 knows (chrony.conf(5)). */
gboolean            mrd_config_is_chrony_directive (const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdConfig, mrd_config_free)

G_END_DECLS
