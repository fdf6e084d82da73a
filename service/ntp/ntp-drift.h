/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-drift.h — the drift file, in chronyd's format, so chronyd's own drift files work.
 * The first number is the clock's frequency error in ppm with the core's sign, which is also
 * chronyd's: positive = the clock runs fast (chronyd's own simulation tests write "100 1.0"
 * for a clock 100 ppm fast, test/simulation/102-iburst in chrony's source). The second is the
 * skew (ppm). */
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
