/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-drift.h — the drift file (chrony's driftfile format).
 * ntp_drift_format/ntp_drift_parse are declared in ntp-engine.h: freq_ppm there follows the
 * core's sign (positive = the clock runs fast); the file holds chrony's value, the
 * correction (positive = the clock is slow and is sped up), so chrony's own drift files work
 * unchanged. Skew is in ppm in both. */
#pragma once

#include "ntp-engine.h"
