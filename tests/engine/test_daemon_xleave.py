#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Interleaved mode (`xleave`) through meridiand itself (its sandboxed engine child), against a
real chronyd on loopback, on a private bus (tests/integration/harness.py).

The source `xleave` synchronizes; `meridianctl ntpdata` shows the last sample as chronyc does:
"Interleaved : Yes" once chronyd answers in interleaved mode, "TX timestamping : Kernel" (the
engine's own transmit timestamps reach the core as t1), a response time of chronyd's kernel
path (under 10 ms on loopback, never a poll interval, which a wrong pairing would show); and
chronyd's `serverstats` counts interleaved packets."""

import os
import pathlib
import re
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT',
                                               str(pathlib.Path(__file__).resolve().parents[2])),
                                'tests', 'integration'))
import harness  # noqa: E402
from test_ntp_engine import ChronydCase  # noqa: E402


class DaemonXleave(ChronydCase):
    def ntpdata(self):
        r = self.run_client([os.environ['MERIDIANCTL'], 'ntpdata'])
        self.assertEqual(r.returncode, 0, r.stderr)
        return dict((k.strip(), v.strip()) for k, v in
                    (l.split(':', 1) for l in r.stdout.splitlines() if ':' in l))

    def test_engine_child_runs_interleaved(self):
        self.write_config(f'server 127.0.0.1 port {self.port} iburst minpoll 1 maxpoll 1 xleave')
        self.start_seed_daemon('0.05')
        self.wait_synchronized(timeout=60)
        end = time.monotonic() + 20
        got = self.ntpdata()
        while got.get('Interleaved') != 'Yes' and time.monotonic() < end:
            time.sleep(0.5)
            got = self.ntpdata()
        self.assertEqual(got.get('Interleaved'), 'Yes', got)
        self.assertEqual(got.get('TX timestamping'), 'Kernel', got)
        response = float(re.match(r'([0-9.]+) seconds', got['Response time']).group(1))
        self.assertLess(response, 0.01, got)
        delay = float(re.match(r'([0-9.]+) seconds', got['Peer delay']).group(1))
        self.assertLess(delay, 0.01, got)
        (interleaved,) = self.serverstats('Interleaved NTP packets')
        self.assertGreaterEqual(interleaved, 1)
        self.assertNotIn('killed by signal', self.daemon.log())
        sys.stderr.write(f'ntpdata: Interleaved {got["Interleaved"]}, TX timestamping '
                         f'{got["TX timestamping"]}, response {response:.9f} s; chronyd counted '
                         f'{interleaved} interleaved packets\n')


if __name__ == '__main__':
    harness.main()
