/* mrd-tz-error.h — the error domain of the time zone library.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MRD_TZ_ERROR (mrd_tz_error_quark ())

/**
 * MrdTzError:
 * @MRD_TZ_ERROR_INVALID_NAME: the zone name is malformed (empty, too long, `..`, leading or
 *   trailing `/`, `//`, control characters…). Map to D-Bus InvalidArgs.
 * @MRD_TZ_ERROR_UNKNOWN_ZONE: well-formed, but not a zone or link of this tzdata. InvalidArgs.
 * @MRD_TZ_ERROR_MISSING_FILE: named in tzdata, but there is no regular TZif file for it under the
 *   zoneinfo directory (or it resolves outside of it). InvalidArgs.
 * @MRD_TZ_ERROR_BAD_TZIF: a TZif file is truncated, corrupt or of an unknown version.
 * @MRD_TZ_ERROR_BAD_TZDATA: the tzdata tables (tzdata.zi, zone1970.tab, …) are missing or unreadable.
 * @MRD_TZ_ERROR_BAD_POSIX_TZ: a POSIX TZ string (a TZif footer) does not parse.
 * @MRD_TZ_ERROR_FAILED: a file under the root could not be read or written; the message says
 *   which file and why.
 */
typedef enum {
  MRD_TZ_ERROR_INVALID_NAME,
  MRD_TZ_ERROR_UNKNOWN_ZONE,
  MRD_TZ_ERROR_MISSING_FILE,
  MRD_TZ_ERROR_BAD_TZIF,
  MRD_TZ_ERROR_BAD_TZDATA,
  MRD_TZ_ERROR_BAD_POSIX_TZ,
  MRD_TZ_ERROR_FAILED,
} MrdTzError;

GQuark mrd_tz_error_quark (void);

/* TRUE for the codes that mean "the caller gave a bad zone name" (→ InvalidArgs). */
gboolean mrd_tz_error_is_bad_name (const GError *error);

G_END_DECLS
