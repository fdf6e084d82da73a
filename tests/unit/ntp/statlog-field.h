/* SPDX-License-Identifier: GPL-2.0-or-later */
/* statlog-field.h — a statistics log line's whitespace-separated field as a number, for the
 * engine tests that read the lines the core gives env->statlog (test-ntp-engine.c,
 * test-ntp-reply-tests.c). Include it after <cmocka.h>, whose assertions it uses. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntp-statlog.h"

/* Field `n` (0-based: the date is 0, the time 1, the address 2) of `line`. */
static inline double
statlog_field (const char *line, int n)
{
  char copy[NTP_STATLOG_LINE_MAX];
  snprintf (copy, sizeof copy, "%s", line);
  char *save = NULL, *f = strtok_r (copy, " ", &save);
  for (int i = 0; i < n && f; i++)
    f = strtok_r (NULL, " ", &save);
  assert_non_null (f);
  return strtod (f, NULL);
}
