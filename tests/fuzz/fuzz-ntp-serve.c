/* fuzz-ntp-serve.c — libFuzzer target: server mode's answer to any datagram
 * (ntp_serve_respond in service/ntp/ntp-serve.c). The first byte picks the server's
 * configuration and state (rules, rate limit, client log size, local, synchronized), the rest
 * is the request.
 * An answer is one 48-byte server reply of the request's version carrying the request's
 * transmit timestamp as its origin; anything else is no answer at all, never more bytes than
 * came in.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz-common.h"

#include <string.h>

#include "ntp-engine.h"
#include "ntp-packet.h"
#include "ntp-serve.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const configs[][3] = {
    { "allow", NULL, NULL },
    { "allow 127.0.0.1", "local stratum 3", NULL },
    { "allow all", "ratelimit interval -4 burst 2 leak 1", NULL },
    { "deny 127", "allow ::/0", NULL },
    { "allow", "noclientlog", "ratelimit burst 1 leak 0" },
    { "allow", "clientloglimit 1", "ratelimit interval 2 burst 1 leak 1" },
    { "allow 127/8", "clientloglimit 4294967295", "local stratum 15 distance 0" },
    { "allow", "dscp 63", "binddevice lo" },
  };
  if (size < 1)
    return 0;
  uint8_t sel = data[0];
  /* bits 0, 1 and 7: the configuration (bits 2 and 3 say synchronized and distant, below) */
  const char *const *lines = configs[(sel & 3) | ((sel & 0x80) ? 4 : 0)];
  NtpConfig cfg;
  char err[256];
  ntp_config_init (&cfg);
  for (int i = 0; i < 3 && lines[i]; i++)
    FZ_CHECK (ntp_config_parse_line (&cfg, lines[i], err, sizeof err) == 1);
  FZ_CHECK (ntp_serve_log_capacity (&cfg.serve) >= 0
            && ntp_serve_log_capacity (&cfg.serve) <= NTP_SERVE_MAX_CLIENTS);
  NtpServe *sv = ntp_serve_new (&cfg.serve);
  FZ_CHECK (sv != NULL);
  NtpTracking t = { 0 };
  t.synchronized = (sel & 4) != 0;
  t.stratum = sel >> 4;
  t.root_delay = (sel & 8) ? 1e9 : 0.01;
  t.root_dispersion = (sel & 8) ? -1 : 0.001;
  t.leap = (NtpLeap) ((sel >> 5) % 3 - 1);
  uint8_t addr[16] = { 0 };
  addr[10] = addr[11] = 0xff;
  addr[12] = 127;
  addr[15] = 1;
  NtpServeClock clk = { .tracking = &t, .precision = (int) (int8_t) sel, .rx_ns = 1,
                        .tx_ns = (int64_t) sel << 40, .random = sel * 0x9E3779B97F4A7C15ull };
  const uint8_t *req = data + 1;
  size_t len = size - 1;
  uint8_t out[NTP_PACKET_MAX_LEN];
  /* twice: the rate limit's second look at the same client */
  for (int round = 0; round < 2; round++) {
    size_t out_len = 12345;
    NtpServeVerdict v = ntp_serve_respond (sv, &clk, addr, req, len, out, sizeof out, &out_len);
    FZ_CHECK (v >= 0 && v < NTP_SERVE_N_VERDICTS);
    FZ_CHECK (ntp_serve_verdict_string (v)[0] != '?');
    if (v != NTP_SERVE_ANSWERED) {
      FZ_CHECK (out_len == 0);
      continue;
    }
    FZ_CHECK (out_len == NTP_PACKET_HEADER_LEN && out_len <= len);
    FZ_CHECK ((out[0] & 7) == NTP_MODE_SERVER);
    FZ_CHECK (((out[0] >> 3) & 7) == ((req[0] >> 3) & 7));
    FZ_CHECK ((req[0] & 7) == NTP_MODE_CLIENT);
    FZ_CHECK (memcmp (out + 24, req + 40, 8) == 0);
    FZ_CHECK (out[1] >= 1 && out[1] <= 16);
  }
  NtpServeCounts c;
  ntp_serve_get_counts (sv, &c);
  FZ_CHECK (c.received == 2 && c.answered <= 2);
  ntp_serve_free (sv);
  return 0;
}
