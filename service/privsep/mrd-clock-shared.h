/* mrd-clock-shared.h — the virtual clock (see mrd-clock.h) with its state in shared memory, so
 * that meridiand and its unprivileged NTP engine child (mrd-engine-child.h) read and change ONE
 * clock: SetTime in the parent and the slewing in the child act on the same line.
 *
 * The state is a memfd holding {base mono ns, base time ns, error ppm, correction
 * ppm, a planned change of the correction, leap}
 * under a sequence lock: a writer (either process) takes the lock by moving the counter from
 * even to odd with a compare-and-swap and back to even when done; a reader retries while the
 * counter is odd or has moved. Readers never block a writer, so neither process can stall the
 * other for longer than one write.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "clock/mrd-clock.h"

G_BEGIN_DECLS

/* A new shared virtual clock starting @offset_s off CLOCK_REALTIME with a deliberate
 * frequency error of @error_ppm (as mrd_clock_new_virtual()). */
MrdClock   *mrd_clock_shared_new      (double offset_s, double error_ppm, GError **error);
/* The clock in the memfd @fd (another process's mrd_clock_shared_get_fd()); @fd is kept. */
MrdClock   *mrd_clock_shared_new_from_fd (int fd, GError **error);
/* The memfd, for handing to a child process (close-on-exec; the clock owns it). */
int         mrd_clock_shared_get_fd   (MrdClock *clock);
gboolean    mrd_clock_is_shared       (MrdClock *clock);

G_END_DECLS
