/* fuzz-ntp-drift.c — libFuzzer target: the drift file reader (ntp_drift_parse in
 * service/ntp/ntp-drift.c, chronyd's "FREQ SKEW" format), which reads what the engine wrote
 * to var/lib/meridian/drift or a chronyd drift file. What it accepts is two finite numbers, the
 * skew not negative; and what the writer makes of them (ntp_drift_format) reads back as the same
 * values to the writer's 6 decimals.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz-common.h"

#include <math.h>
#include <string.h>

#include "ntp-drift.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char text[512], again[128];
  double f = NAN, s = NAN, f2 = NAN, s2 = NAN;

  if (size >= sizeof text)
    return 0;
  memcpy (text, data, size);
  text[size] = '\0';
  if (!ntp_drift_parse (text, &f, &s))
    return 0;
  FZ_CHECK (isfinite (f) && isfinite (s) && s >= 0);
  FZ_CHECK (ntp_drift_format (again, sizeof again, f, s) > 0);
  FZ_CHECK (ntp_drift_parse (again, &f2, &s2));
  FZ_CHECK (fabs (f2 - f) <= 0.5e-6 * (1 + 1e-9) + fabs (f) * 1e-15);
  FZ_CHECK (fabs (s2 - s) <= 0.5e-6 * (1 + 1e-9) + fabs (s) * 1e-15);
  return 0;
}
