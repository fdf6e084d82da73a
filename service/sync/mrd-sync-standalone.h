/* mrd-sync-standalone.h — `meridiand --no-bus`: the NTP engine as a plain daemon, without
 * D-Bus, configured only by its file, logging to stderr, on one thread.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "clock/mrd-clock.h"

G_BEGIN_DECLS

/* Run until SIGTERM or SIGINT (then write the drift file and return 0); 1 when the
 * configuration cannot be read at all. @root (NULL: "/") is what the paths in the
 * configuration are relative to, as for the service (mrd_config_load_file_under). @clock is
 * borrowed. */
int mrd_sync_standalone_run (const char *config_path, const char *root, MrdClock *clock);

/* mrd_sync_standalone_run on the command line's clock (checked by mrd_clock_check_options)
 * and file: @config_path, or ROOT/etc/meridian/meridian.conf when NULL. */
int mrd_sync_standalone_main (const char *config_path, const char *root, MrdClockKind kind,
                              double offset_s, double freq_ppm);

G_END_DECLS
