#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Load: 200 concurrent clients (load-client.c, one connection and thread each) send reads
(Get, GetAll, ListTimezones, DescribeZone) and authorized writes (SetTimezone; polkit:
dbusmock's polkitd, allowing) to meridiand, in rounds of the same size. Printed per round:
p50/p99 latency of reads and writes, LimitsExceeded retries, and the daemon's RSS. Asserted:
no call fails (a LimitsExceeded is retried, as the bound on pending checks asks), the zone
files agree at the end, RSS does not grow from the second round to the last (plain build),
and meridiand exits 0 on SIGTERM — which, in the sanitized build, means LeakSanitizer found
no leak.

Sizes: MERIDIAN_LOAD_CLIENTS (200), MERIDIAN_LOAD_READS and MERIDIAN_LOAD_WRITES per client
per round (10 and 4; 4 and 2 sanitized), MERIDIAN_LOAD_ROUNDS (3).
bench/reliability/run.sh runs 1000 reads and 1000 writes per client."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT', '.'), 'tests',
                                'integration'))
import harness  # noqa: E402

# The figures show even when the output is a pipe and the run ends on a failure.
sys.stdout.reconfigure(line_buffering=True)
from harness import FDO  # noqa: E402

SANITIZED = os.environ.get('MERIDIAN_SANITIZED') == '1'
CLIENTS = int(os.environ.get('MERIDIAN_LOAD_CLIENTS', '200'))
READS = int(os.environ.get('MERIDIAN_LOAD_READS', '4' if SANITIZED else '10'))
WRITES = int(os.environ.get('MERIDIAN_LOAD_WRITES', '2' if SANITIZED else '4'))
ROUNDS = int(os.environ.get('MERIDIAN_LOAD_ROUNDS', '3'))
# glibc's arenas settle after the first round with 200 threads' worth of connections; after
# that a leak of 200 bytes per call (2800 calls a round) would exceed this bound.
RSS_SLACK_KIB = 512


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise AssertionError('no VmRSS')


class Load(harness.MeridianTestCase):

    def test_200_clients_reads_and_authorized_writes(self):
        exe = os.path.join(os.environ.get('MERIDIAN_BUILD_ROOT', ''), 'tests', 'reliability',
                           'load-client')
        if not os.access(exe, os.X_OK):
            self.skipTest(f'{exe} is not built')
        self.polkit_allow_all()
        d = self.start_daemon('--no-engine')
        rss = [rss_kib(d.pid)]
        print(f'{CLIENTS} clients × {READS} reads + {WRITES} writes per round; RSS at start '
              f'{rss[0]} KiB')
        for r in range(ROUNDS):
            p = subprocess.run([exe, str(CLIENTS), str(READS), str(WRITES)], env=self.env,
                               capture_output=True, text=True, timeout=600)
            rss.append(rss_kib(d.pid))
            print(f'round {r + 1}: {p.stdout.strip()} rss_kib {rss[-1]}')
            self.assertEqual(p.returncode, 0, f'load-client: {p.stdout} {p.stderr}')
            self.assertIn(f'reads {CLIENTS * READS} ', p.stdout)
            self.assertIn(f'writes {CLIENTS * WRITES} ', p.stdout)
        zone = self.get_property('Timezone')
        self.assertEqual(self.get_property('Timezone', iface=FDO), zone)
        self.assertEqual(self.localtime_zone(), zone)
        self.assertEqual(self.etc_timezone(), zone)
        if not SANITIZED and ROUNDS >= 3:
            self.assertLessEqual(rss[-1] - rss[2], RSS_SLACK_KIB,
                                 f'RSS grew from round 2 to round {ROUNDS}: {rss}')
        rc = self.stop_daemon()
        self.assertNotIn('LeakSanitizer', d.log())
        self.assertEqual(rc, 0, 'meridiand did not exit cleanly (a leak in a sanitized build)')


if __name__ == '__main__':
    harness.main()
