/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A wall-clock time typed into the editor ("2027-07-15 12:00:00" in the system zone) turned
 * into an instant with the UTC offset in force at that instant, not today's: the zone is
 * walked span by span (a span: one offset, from `start` until the next transition), as
 * meridiand's DescribeZone answers for an instant, starting from the earliest instant that
 * could show that wall time. The first span whose offset puts the wall time inside it wins,
 * so an hour that happens twice (clocks going back) is its first occurrence. */

/* No zone is, or was, more than this far from UTC (LMT offsets included). */
#define MP_WALL_TIME_MAX_OFFSET_USEC (16 * G_TIME_SPAN_HOUR)

typedef enum {
  MP_WALL_TIME_FOUND,  /* *instant is the answer */
  MP_WALL_TIME_NEXT,   /* not in this span: ask about the span that starts at `next` */
  MP_WALL_TIME_GAP,    /* the wall time does not exist (clocks going forward skip it) */
} MpWallTimeStep;

/* µs since the epoch to ask about first: the earliest instant that can show `wall_usec`
 * (µs of the wall-clock fields read as if they were UTC). Never 0, which DescribeZone
 * reads as "now". */
gint64          mp_wall_time_first_instant (gint64 wall_usec);
/* One span: `offset` seconds east of UTC in force from `start` until `next` (0: no later
 * transition). */
MpWallTimeStep  mp_wall_time_step          (gint64  wall_usec,
                                            gint64  start,
                                            gint32  offset,
                                            gint64  next,
                                            gint64 *instant);

G_END_DECLS
