/* mrd-tzif.h — our own TZif reader (RFC 9636 / tzfile(5), versions 1–4) and the POSIX TZ
 * footer rules used after the last transition.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest abbreviation kept; tzfile(5) abbreviations are 3–6 bytes in practice. */
#define MRD_TZ_ABBREV_MAX 32

/**
 * MrdTzDescription:
 * What a zone says about one instant, and what changes next.
 * @at: the instant described, seconds since the epoch (UTC)
 * @utc_offset: seconds east of UTC in force at @at
 * @is_dst: whether that is daylight saving time
 * @abbreviation: e.g. "KST", NUL-terminated (longer ones are cut to MRD_TZ_ABBREV_MAX - 1)
 * @has_next: FALSE when nothing ever changes after @at (UTC, Asia/Seoul today); the next_*
 *   fields are then 0/""
 * @next_transition: the first instant after @at at which offset, DST flag or abbreviation
 *   changes (transitions that change none of them are skipped, as zdump(8) does)
 * @next_utc_offset, @next_is_dst, @next_abbreviation: what is in force from @next_transition on
 */
typedef struct {
  gint64   at;
  gint32   utc_offset;
  gboolean is_dst;
  char     abbreviation[MRD_TZ_ABBREV_MAX];
  gboolean has_next;
  gint64   next_transition;
  gint32   next_utc_offset;
  gboolean next_is_dst;
  char     next_abbreviation[MRD_TZ_ABBREV_MAX];
} MrdTzDescription;

/**
 * MrdTzLeap:
 * A leap second of a zone that counts them (the "right/" zones: tzfile(5) leap records).
 * @utc_midnight: the UTC midnight (seconds since the epoch, POSIX count) at the end of the
 *   day the second is inserted into or deleted from
 * @sign: 1 inserted (the day ends with 23:59:60), -1 deleted (it ends with 23:59:58)
 */
typedef struct {
  gint64 utc_midnight;
  int    sign;
} MrdTzLeap;

/* Opaque, immutable once parsed. */
typedef struct _MrdTzif MrdTzif;

/* Parse TZif data (all of it; v2+ uses the 64-bit block and the footer). Truncated or garbage
 * data → MRD_TZ_ERROR_BAD_TZIF; a bad footer → MRD_TZ_ERROR_BAD_POSIX_TZ. */
MrdTzif    *mrd_tzif_new_from_data  (const guint8 *data, gsize len, GError **error);
/* Read and parse a file (at most 1 MiB). */
MrdTzif    *mrd_tzif_new_from_file  (const char *path, GError **error);
/* A zone made of a POSIX TZ string alone (e.g. "KST-9", "EST5EDT,M3.2.0,M11.1.0"). */
MrdTzif    *mrd_tzif_new_from_posix (const char *posix_tz, GError **error);
void        mrd_tzif_free           (MrdTzif *tzif);

int         mrd_tzif_get_version    (const MrdTzif *tzif);   /* 1..4 (0 for new_from_posix) */
/* The footer's POSIX TZ string ("" when empty, NULL for v1 files). */
const char *mrd_tzif_get_footer     (const MrdTzif *tzif);

/* Describe the instant @at (seconds since the epoch). Never fails for a parsed zone; times
 * before the first transition use the first local time type as tzfile(5) says. */
void        mrd_tzif_describe       (const MrdTzif *tzif, gint64 at, MrdTzDescription *out);

/* The zone's leap seconds, ascending (none for zones that do not count them, and none from a
 * table that is not one: each a second on from the one before); *@n_leaps their number. */
const MrdTzLeap *mrd_tzif_get_leap_seconds (const MrdTzif *tzif, guint *n_leaps);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MrdTzif, mrd_tzif_free)

G_END_DECLS
