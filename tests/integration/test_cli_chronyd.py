# SPDX-License-Identifier: GPL-2.0-or-later
"""meridianctl's chronyc views and source commands against a meridiand synchronized to a real
chronyd on loopback (chronyd -x, a high port), checked the way a chronyc user reads them, and
a pool name's lookup inside the sandboxed engine."""

import os
import subprocess
import sys
import time

import harness
from test_ntp_engine import ChronydCase

MERIDIANCTL = os.environ.get('MERIDIANCTL', '')


class CliAgainstChronyd(ChronydCase):
    def setUp(self):
        if not (MERIDIANCTL and os.access(MERIDIANCTL, os.X_OK)):
            self.skipTest(f'meridianctl is not built (MERIDIANCTL={MERIDIANCTL!r})')
        super().setUp()

    def ctl(self, *args):
        r = self.run_client([MERIDIANCTL, *args])
        self.assertEqual(r.returncode, 0, f'meridianctl {args}: {r.stdout} {r.stderr}')
        return r.stdout

    def test_sources_on_a_high_port_read_as_chronyc_shows_them(self):
        # chronyc shows a source by its address (or name) alone, whatever its port; the
        # daemon's Address property carries the port ("127.0.0.1:PORT").
        self.write_config(self.server_line)
        self.start_seed_daemon()
        self.wait_synchronized()
        self.assertEqual([s['Address'] for s in self.sources().values()],
                         [f'127.0.0.1:{self.port}'])
        row = self.ctl('sources', '-n').splitlines()[2]
        self.assertEqual(row[:30], '^* 127.0.0.1                  ', row)
        self.assertEqual(self.ctl('sources', '-c').split(',')[:3], ['^', '*', '127.0.0.1'])
        self.assertEqual(self.ctl('sourcestats', '-n').splitlines()[2][:26], '127.0.0.1' + ' ' * 17)
        self.assertEqual(self.ctl('sourcestats', '-c').split(',')[0], '127.0.0.1')
        # The address as shown removes the source, as the Address property does.
        self.ctl('add-source', f'server 127.0.0.2 port {self.port}')
        self.ctl('remove-source', '127.0.0.2')
        self.assertEqual(len(self.sources()), 1)


class PoolName(ChronydCase):
    def test_a_pool_name_is_resolved_without_killing_the_engine(self):
        # A pool (or server) given by name is looked up by the sandboxed engine; Debian's
        # stock chrony.conf has `pool 2.debian.pool.ntp.org iburst`. 'localhost' resolves
        # from /etc/hosts, without a network.
        self.write_config(self.server_line)
        self.start_seed_daemon()
        self.wait_synchronized()
        engine = self.engine_pid()
        self.assertIsNotNone(engine)
        self.call('AddSource', f'pool localhost port {self.port} iburst maxsources 1', False,
                  iface=harness.SOURCES)
        time.sleep(3 * harness.TIMEOUT_SCALE)
        self.assertTrue(os.path.exists(f'/proc/{engine}'),
                        'the engine died looking up a name: ' + self.daemon.log())


if __name__ == '__main__':
    harness.main()
