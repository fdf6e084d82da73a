/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-drift.h — the drift file, in chronyd's format, so chronyd's own drift files work.
 * freq_ppm here follows the core's sign (positive = the clock runs fast, as
 * ntp_engine_get_drift and NtpConfig.initial_freq_ppm); the file holds chronyd's value, the
 * correction (the opposite sign). Skew is in ppm in both. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Drift file text as chronyd writes it: "%20.6f %20.6f\n". Returns what snprintf returns,
 * -1 for a frequency or skew that is not a finite number. */
int ntp_drift_format (char *buf, size_t len, double freq_ppm, double skew_ppm);
/* false on garbage (not two finite numbers, or a frequency or skew no clock could have). */
bool ntp_drift_parse (const char *text, double *freq_ppm, double *skew_ppm);

#ifdef __cplusplus
}
#endif
