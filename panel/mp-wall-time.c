/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mp-wall-time.h"

gint64
mp_wall_time_first_instant (gint64 wall_usec)
{
  gint64 t = wall_usec - MP_WALL_TIME_MAX_OFFSET_USEC;

  return t == 0 ? 1 : t;
}

MpWallTimeStep
mp_wall_time_step (gint64 wall_usec, gint64 start, gint32 offset, gint64 next, gint64 *instant)
{
  gint64 t = wall_usec - (gint64) offset * G_USEC_PER_SEC;

  /* Before this span began: the previous span did not hold it either (it was asked about
   * first), so the clocks jumped over it. */
  if (t < start)
    return MP_WALL_TIME_GAP;
  if (next == 0 || t < next)
    {
      *instant = t;
      return MP_WALL_TIME_FOUND;
    }
  /* A later span can only help while it starts before the latest instant that can show
   * the wall time. */
  if (next > wall_usec + MP_WALL_TIME_MAX_OFFSET_USEC)
    return MP_WALL_TIME_GAP;
  return MP_WALL_TIME_NEXT;
}
