/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "+09:00", "-03:30", "+00:00", "+05:45": seconds east of UTC as ISO 8601 writes them
 * (seconds, which only pre-1972 LMT offsets have, are dropped). */
char *mp_format_utc_offset (int seconds_east);
/* "Asia/Seoul — KST, UTC+09:00"; the abbreviation is left out when tzdata has none
 * (numeric ones such as "+09" say nothing the offset does not). */
char *mp_format_zone_line  (const char *zone, const char *abbreviation, int seconds_east);
/* "±0.5 ms", "±12 µs", "±1.2 s": a duration in seconds with a unit a person reads easily,
 * two or three significant digits. `sign` TRUE prints "+"/"-" (an offset), FALSE "±". */
char *mp_format_seconds    (double seconds, gboolean sign);

G_END_DECLS
