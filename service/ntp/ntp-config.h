/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-config.h — chrony.conf syntax for what the core implements: the one parser of a source
 * line (`server|pool|peer HOST [options]`) and of the global directives the core takes, and
 * the defaults of both. The daemon's config reader and its AddSource method call these; no
 * other code splits a source line.
 *
 * Comments follow chrony: a line whose first non-blank character is '#', '%', ';' or '!' is a
 * comment. Anywhere else those characters are not special, so a word like "#" or ";x" after
 * the options is an unknown option and the line is refused; nothing after it is silently
 * accepted or dropped.
 */
#pragma once

#include "ntp-types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The defaults of chrony 4.3 where the core implements the directive. */
void ntp_config_init (NtpConfig *cfg);
/* Parse one global directive the core implements (see ntp_config_is_core_directive).
 * Returns 1 if handled, 0 if not a core directive (or a blank or comment line), -1 on a bad
 * value (err filled with a message a person can act on). Handled, err says which part of the
 * line has no effect here, if any ("" otherwise: `local`'s orphan, for one). */
int ntp_config_parse_line (NtpConfig *cfg, const char *line, char *err, size_t errlen);
/* Whether `name` (one word, e.g. "makestep") is a global directive ntp_config_parse_line
 * takes. The source directives (server, pool, peer) are not: they go to
 * ntp_source_config_parse. */
bool ntp_config_is_core_directive (const char *name);
/* The core's directives, NULL-terminated, in alphabetical order. */
const char *const *ntp_config_core_directives (void);
/* The directives chronyc can change while chronyd runs, with its commands of the same names
 * (`chronyc makestep THRESHOLD LIMIT`, `chronyc maxupdateskew SKEW`, `chronyc reselectdist
 * DIST`), NULL-terminated. */
const char *const *ntp_config_runtime_directives (void);
/* One of those set in cfg, `value` read as the directive's words in chrony.conf ("0.1 3" for
 * makestep). Returns 0, or -1 with a message a person can act on in err (cfg then unchanged). */
int ntp_config_set_runtime (NtpConfig *cfg, const char *directive, const char *value, char *err,
                            size_t errlen);

void ntp_source_config_init (NtpSourceConfig *sc);
/* Parse a `server|pool|peer HOST [options...]` line as chrony.conf writes it. Every option
 * chrony 4.3 documents is known; options that take an argument consume it, every number is
 * range-checked. Returns 0 on success, -1 with a message a person can act on in err (sc is
 * then left at its defaults). */
int ntp_source_config_parse (NtpSourceConfig *sc, const char *line, char *err, size_t errlen);
/* The options chronyc can change while chronyd runs, with its commands of the same names
 * (minpoll, maxpoll, maxdelay, maxdelayratio, maxdelaydevratio, minstratum, polltarget),
 * NULL-terminated. */
const char *const *ntp_source_config_modifiable (void);
/* One of those set in sc to `value`, read and range-checked as the option's value in a
 * source line; as chronyd does, a new minpoll above maxpoll raises maxpoll to it, and a new
 * maxpoll below minpoll lowers minpoll to it. Returns 0, or -1 with a message a person can act
 * on in err (sc then unchanged). */
int ntp_source_config_modify (NtpSourceConfig *sc, const char *option, const char *value,
                              char *err, size_t errlen);
/* Whether `name` is a usable host name or address (no blanks, no shell metacharacters,
 * labels as DNS allows them, IPv4/IPv6 literals with an optional %zone). */
bool ntp_source_name_valid (const char *name);

/* Text of a directive's name for messages, e.g. "server". */
const char *ntp_source_mode_name (NtpSourceMode mode);

#ifdef __cplusplus
}
#endif
