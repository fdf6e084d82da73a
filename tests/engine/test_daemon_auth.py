#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Symmetric-key authentication through meridiand itself (its sandboxed engine child), against a
real chronyd on loopback, on a private bus (tests/integration/harness.py).

meridiand (root) reads the key file its configuration names; the engine child, which runs as
another user and could not open the file, is handed only the key its source names. The source
`key 1` synchronizes and chronyd's `serverstats` counts every request as authenticated; a
source added over D-Bus with a key the file lacks is refused with InvalidSource.

The key types nettle computes (meridian-mac.so, loaded by the sandboxed child when a source
first sends): an AES128 key made by `meridianctl keygen` (its MAC the packet's CMAC)
synchronizes, `meridianctl authdata`
names it as a real chronyd client with the same key and line does in `chronyc authdata`, and
a source added over D-Bus with a SHA3-512 key is answered by chronyd with valid MACs too."""

import os
import pathlib
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT',
                                               str(pathlib.Path(__file__).resolve().parents[2])),
                                'tests', 'integration'))
import harness  # noqa: E402
from test_ntp_engine import ChronydCase  # noqa: E402

KEY = 'HEX:0F1E2D3C4B5A69788796A5B4C3D2E1F00112233445566778'
SHA3 = 'ASCII:a-sha3-512-secret'


class DaemonAuth(ChronydCase):
    def chronyd_extra_config(self, directory):
        """Keys 1 (SHA256), 3 (MD5), 4 (AES128, made by `meridianctl keygen`) and 5
        (SHA3-512) for the server ChronydCase starts; self.keys, the same lines for
        meridiand."""
        if not hasattr(self, 'keys'):
            r = subprocess.run([os.environ['MERIDIANCTL'], 'keygen', '4', 'AES128'],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.keys = (f'1 SHA256 {KEY}\n3 MD5 HEX:00112233445566778899AABB\n'
                         f'{r.stdout.strip()}\n5 SHA3-512 {SHA3}\n')
        keys = self.tmp / 'chrony.keys'
        keys.write_text(self.keys)
        keys.chmod(0o640)
        shutil.chown(keys, 'root', '_chrony')
        return f'keyfile {keys}\n'

    def synchronize_with_key(self, key_id):
        """meridiand with the key file and one source `key KEY_ID`, until synchronized; every
        request chronyd received (all of them ours) carried a valid MAC. Returns the source
        line and chronyd's counts."""
        keys = self.root / 'etc' / 'meridian' / 'ntp.keys'
        keys.write_text('# ID TYPE KEY\n' + self.keys)
        keys.chmod(0o600)
        line = f'server 127.0.0.1 port {self.port} iburst minpoll 4 maxpoll 4 key {key_id}'
        self.write_config('keyfile /etc/meridian/ntp.keys', line)
        self.start_seed_daemon('0.05')
        self.wait_synchronized(timeout=60)
        received, authenticated = self.serverstats('NTP packets received',
                                                   'Authenticated NTP packets')
        self.assertGreaterEqual(authenticated, 1)
        self.assertEqual(authenticated, received)
        return line, received, authenticated

    def test_engine_child_authenticates_with_the_daemons_key(self):
        _, received, authenticated = self.synchronize_with_key(1)
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
        # SHA256 is GLib's: the child never mapped the MAC module (nor nettle).
        maps = pathlib.Path(f'/proc/{self.engine_pid()}/maps').read_text()
        self.assertNotIn('meridian-mac.so', maps)
        self.assertNotIn('libnettle', maps)
        sys.stderr.write(f'synchronized; chronyd counted {authenticated} authenticated of '
                         f'{received} requests\n')

    def test_rekey_takes_the_key_file_as_it_is_now(self):
        # chronyc rekey: the key file read again. chronyd (the server) counts every request
        # and the authenticated ones: with key 1 changed in our file, requests still go out,
        # their MACs made with the new secret, and chronyd stops counting them as
        # authenticated; put back, it counts them again. A file refused as a whole changes
        # nothing.
        self.synchronize_with_key(1)
        keys = self.root / 'etc' / 'meridian' / 'ntp.keys'
        good = keys.read_text()
        ctl = os.environ['MERIDIANCTL']

        def counts():
            return self.serverstats('NTP packets received', 'Authenticated NTP packets')

        def burst_seen(more_authenticated):
            received, authenticated = counts()
            r = self.run_client([ctl, 'burst', '2/2'])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.wait_until(lambda: counts()[0] >= received + 2, timeout=15,
                            what='the burst at chronyd')
            time.sleep(0.5)
            got = counts()[1] - authenticated
            if more_authenticated:
                self.assertGreaterEqual(got, 2)
            else:
                self.assertEqual(got, 0, 'requests with the old key after rekey')

        def rekey(code=0):
            r = self.run_client([ctl, 'rekey'])
            self.assertEqual(r.returncode, code, f'{r.stdout} {r.stderr}')
            return r

        keys.write_text(good.replace(KEY, 'HEX:' + '5A' * 24) + '7 NOSUCHTYPE abc\n')
        r = rekey()
        self.assertEqual(r.stdout, '200 OK\n')
        self.assertIn('ntp.keys:6: key 7', r.stderr)
        burst_seen(False)
        keys.write_text(good)
        self.assertEqual(rekey().stderr, '')
        burst_seen(True)
        # readable by everyone: refused, the keys in use stay
        keys.write_text(good.replace(KEY, 'HEX:' + '5A' * 24))
        keys.chmod(0o644)
        r = rekey(code=1)
        self.assertIn('key file', r.stderr)
        burst_seen(True)
        keys.chmod(0o600)
        self.assertNotIn('killed by signal', self.daemon.log())

    def test_engine_child_authenticates_with_aes_and_sha3_keys(self):
        line, _, _ = self.synchronize_with_key(4)
        # authdata as a real chronyd client's with the same key and line: SK, key 4, AES128
        # (chronyd's cipher number 13), 128 bits.
        client_keys = self.tmp / 'client.keys'
        client_keys.write_text(self.keys)
        client_keys.chmod(0o640)
        shutil.chown(client_keys, 'root', '_chrony')
        sock = self.start_chronyd_client([f'keyfile {client_keys}', line])
        theirs = []

        def chronyd_row():
            r = subprocess.run(['chronyc', '-c', '-h', str(sock), 'authdata'],
                               capture_output=True, text=True, timeout=10)
            theirs[:] = r.stdout.strip().split(',')
            return len(theirs) > 5
        self.wait_until(chronyd_row, timeout=20, what='chronyc authdata')
        r = self.run_client([os.environ['MERIDIANCTL'], 'authdata', '-c'])
        self.assertEqual(r.returncode, 0, r.stderr)
        ours = r.stdout.strip().split(',')
        self.assertEqual(ours[:5], theirs[:5])
        self.assertEqual(ours[:5], ['127.0.0.1', 'SK', '4', '13', '128'])
        # ntpdata: the last reply authenticated, as chronyc ntpdata says of its own once it
        # has one.
        their_ntpdata = []

        def chronyd_replied():
            r = subprocess.run(['chronyc', '-h', str(sock), 'ntpdata'],
                               capture_output=True, text=True, timeout=10)
            their_ntpdata[:] = [r.stdout]
            return 'Total valid RX  : 0\n' not in r.stdout and 'Total valid RX' in r.stdout
        self.wait_until(chronyd_replied, timeout=20, what='a reply to chronyd')
        self.assertIn('Authenticated   : Yes', their_ntpdata[0])
        r = self.run_client([os.environ['MERIDIANCTL'], 'ntpdata'])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('Authenticated   : Yes', r.stdout)
        # The CMAC came from the module, loaded by the sandboxed child at its first request.
        maps = pathlib.Path(f'/proc/{self.engine_pid()}/maps').read_text()
        self.assertIn('meridian-mac.so', maps)

        # Over D-Bus, in place of it: a SHA3-512 key (the digest cut to NTPv4's 20 bytes).
        self.call('RemoveSourceByName', '127.0.0.1', False, iface=harness.SOURCES,
                  signature='(sb)')
        before = self.serverstats('Authenticated NTP packets')[0]
        self.call('AddSource', f'server 127.0.0.1 port {self.port} iburst minpoll 4 maxpoll 4 '
                  'key 5', False, iface=harness.SOURCES)
        self.wait_until(lambda: any(src['Reach'] != 0 for src in self.sources().values()),
                        timeout=30, what='a reply to the SHA3-512 source')
        self.assertGreater(self.serverstats('Authenticated NTP packets')[0], before)
        log = self.daemon.log()
        for bad in ('without a valid MAC', 'gives no usable MAC', 'cannot load',
                    'killed by signal'):
            self.assertNotIn(bad, log)


if __name__ == '__main__':
    harness.main()
