#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Symmetric-key authentication through meridiand itself (its sandboxed engine child), against a
real chronyd on loopback, on a private bus (tests/integration/harness.py).

meridiand (root) reads the key file its configuration names; the engine child, which runs as
another user and could not open the file, is handed only the key its source names. The source
`key 1` synchronizes and chronyd's `serverstats` counts every request as authenticated; a
source added over D-Bus with a key the file lacks is refused with InvalidSource."""

import os
import pathlib
import shutil
import sys

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT',
                                               str(pathlib.Path(__file__).resolve().parents[2])),
                                'tests', 'integration'))
import harness  # noqa: E402
from test_ntp_engine import ChronydCase  # noqa: E402

KEY = 'HEX:0F1E2D3C4B5A69788796A5B4C3D2E1F00112233445566778'


class DaemonAuth(ChronydCase):
    def chronyd_extra_config(self, directory):
        """Key 1 (SHA256) and key 3 (MD5) for the server ChronydCase starts."""
        keys = self.tmp / 'chrony.keys'
        keys.write_text(f'1 SHA256 {KEY}\n3 MD5 HEX:00112233445566778899AABB\n')
        keys.chmod(0o640)
        shutil.chown(keys, 'root', '_chrony')
        return f'keyfile {keys}\n'

    def test_engine_child_authenticates_with_the_daemons_key(self):
        keys = self.root / 'etc' / 'meridian' / 'ntp.keys'
        keys.write_text(f'# ID TYPE KEY\n1 SHA256 {KEY}\n3 MD5 HEX:00112233445566778899AABB\n')
        keys.chmod(0o600)
        self.write_config('keyfile /etc/meridian/ntp.keys',
                          f'server 127.0.0.1 port {self.port} iburst minpoll 4 maxpoll 4 key 1')
        self.start_seed_daemon('0.05')
        self.wait_synchronized(timeout=60)
        # Every request chronyd received (all of them ours) carried a valid MAC.
        received, authenticated = self.serverstats('NTP packets received',
                                                   'Authenticated NTP packets')
        self.assertGreaterEqual(authenticated, 1)
        self.assertEqual(authenticated, received)
        # A source whose key the file lacks is refused by meridiand before anything changes.
        before = self.sources()
        with self.assertRaises(harness.DBusError) as cm:
            self.call('AddSource', f'server 127.0.0.2 port {self.port} iburst key 2', False,
                      iface=harness.SOURCES)
        self.assertEqual(cm.exception.name, 'org.meridian.Time1.Error.InvalidSource')
        self.assertTrue(cm.exception.message.startswith('[unknown-key "2"] '),
                        cm.exception.message)
        self.assertEqual(list(self.sources()), list(before))
        self.assertNotIn('NOT authenticated', self.daemon.log())
        self.assertNotIn('killed by signal', self.daemon.log())
        # meridianctl authdata: a symmetric key (SK), its ID, SHA256 (chronyd's hash number 3)
        # and its 24-byte secret in bits; nothing of NTS.
        r = self.run_client([os.environ['MERIDIANCTL'], 'authdata', '-c'])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), '127.0.0.1,SK,1,3,192,4294967295,0,0,0,0')
        sys.stderr.write(f'synchronized; chronyd counted {authenticated} authenticated of '
                         f'{received} requests\n')


if __name__ == '__main__':
    harness.main()
