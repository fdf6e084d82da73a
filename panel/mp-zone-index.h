/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One zone as the chooser shows it: the service's row (zone1970.tab line, country names from
 * iso3166.tab, the offset and abbreviation in force now) plus the names people type. */
typedef struct {
  char *zone;             /* "Asia/Seoul" */
  char *city;             /* "Seoul" (the last part, underscores as spaces) */
  char *city_korean;      /* "서울" or NULL */
  char **country_codes;   /* {"KR"} */
  char **country_names;   /* {"Korea (South)"} (the service's) */
  char *country_korean;   /* the first country's Korean name, or NULL */
  char *comment;          /* zone1970.tab's comment, may be "" */
  double latitude;        /* degrees, north positive */
  double longitude;       /* degrees, east positive */
  int utc_offset;         /* seconds east of UTC now */
  char *abbreviation;     /* "KST", or "+09" where tzdata has no letters */
  char *haystack;         /* every searchable name, case-folded, '\n'-separated */
} MpZone;

typedef struct _MpZoneIndex MpZoneIndex;

MpZoneIndex *mp_zone_index_new     (void);
void         mp_zone_index_free    (MpZoneIndex *index);
/* Adds a zone; `extra_names` (NULL-terminated, may be NULL) are searched but not shown
 * (iso-codes' English and common country names). Returns the stored zone. */
MpZone      *mp_zone_index_add     (MpZoneIndex        *index,
                                    const char         *zone,
                                    const char *const  *country_codes,
                                    const char *const  *country_names,
                                    const char         *country_korean,
                                    const char         *city_korean,
                                    const char         *comment,
                                    double              latitude,
                                    double              longitude,
                                    int                 utc_offset,
                                    const char         *abbreviation,
                                    const char *const  *extra_names);
guint        mp_zone_index_get_n   (MpZoneIndex *index);
MpZone      *mp_zone_index_get     (MpZoneIndex *index, guint i);
MpZone      *mp_zone_index_lookup  (MpZoneIndex *index, const char *zone);
/* Zones matching every word of `query` (city, zone name, country in English or Korean,
 * abbreviation, UTC offset as "+09", "+0900", "+09:00", "UTC+9"), best first: a city or zone
 * name starting with the query, then a word of it, then an exact abbreviation or offset,
 * then anything else; ties by zone name. At most `limit` (0 = all). The array does not own
 * the zones. */
GPtrArray   *mp_zone_index_search  (MpZoneIndex *index, const char *query, guint limit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpZoneIndex, mp_zone_index_free)

G_END_DECLS
