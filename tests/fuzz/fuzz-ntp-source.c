/* fuzz-ntp-source.c — libFuzzer target: the chrony.conf source-line parser
 * (ntp_source_config_parse in service/ntp/ntp-config.c) and the core directives
 * (ntp_config_parse_line). What a parse accepts must lie in the ranges ntp-engine.h documents;
 * what it refuses must say why.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz-common.h"

#include <math.h>
#include <string.h>

#include "ntp-engine.h"
#include "ntp-statlog.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char line[1024];
  char err[256];
  NtpSourceConfig sc;
  NtpConfig cfg;
  int r;

  if (size >= sizeof line)
    return 0;
  memcpy (line, data, size);
  line[size] = '\0';

  memset (err, 0x5a, sizeof err);
  memset (&sc, 0x5a, sizeof sc);
  r = ntp_source_config_parse (&sc, line, err, sizeof err);
  if (r == 0)
    {
      FZ_CHECK (memchr (sc.name, '\0', sizeof sc.name) != NULL && sc.name[0] != '\0');
      FZ_CHECK (memchr (sc.ignored, '\0', sizeof sc.ignored) != NULL);
      FZ_CHECK (sc.mode == NTP_SOURCE_SERVER || sc.mode == NTP_SOURCE_POOL ||
                sc.mode == NTP_SOURCE_PEER);
      FZ_CHECK (sc.minpoll >= -6 && sc.minpoll <= 24);
      FZ_CHECK (sc.maxpoll >= -6 && sc.maxpoll <= 24);
      FZ_CHECK (sc.minpoll <= sc.maxpoll);
      /* NTP_SAMPLES_DEFAULT (-1): the line set none */
      FZ_CHECK (sc.minsamples >= NTP_SAMPLES_DEFAULT && sc.minsamples <= 64);
      FZ_CHECK (sc.maxsamples >= NTP_SAMPLES_DEFAULT && sc.maxsamples <= 64);
      FZ_CHECK (isfinite (sc.maxdelay) && sc.maxdelay >= 0);
      FZ_CHECK (isfinite (sc.mindelay) && sc.mindelay >= 0);
      FZ_CHECK (isfinite (sc.offset));
      FZ_CHECK (sc.maxdelayratio == 0 || sc.maxdelayratio >= 1);
      FZ_CHECK (sc.maxdelaydevratio == 0 || sc.maxdelaydevratio >= 1);
    }
  else
    {
      FZ_CHECK (r == -1);
      FZ_CHECK (memchr (err, '\0', sizeof err) != NULL && err[0] != '\0');
    }

  ntp_config_init (&cfg);
  memset (err, 0x5a, sizeof err);
  r = ntp_config_parse_line (&cfg, line, err, sizeof err);
  FZ_CHECK (r >= -1 && r <= 1);
  if (r == -1)
    FZ_CHECK (memchr (err, '\0', sizeof err) != NULL && err[0] != '\0');
  if (r == 1)
    {
      FZ_CHECK (cfg.maxdistance > 0 && cfg.minsources >= 1);
      /* `log`: only the kinds the core writes, and rawmeasurements only with its file;
       * `logchange`: a threshold in seconds */
      FZ_CHECK ((cfg.statlog & ~(((1u << NTP_STATLOG_KINDS) - 1) | NTP_STATLOG_RAW)) == 0);
      FZ_CHECK (!(cfg.statlog & NTP_STATLOG_RAW)
                || (cfg.statlog & NTP_STATLOG_BIT (NTP_STATLOG_MEASUREMENTS)));
      FZ_CHECK (isfinite (cfg.logchange) && cfg.logchange >= 0);
    }
  return 0;
}
