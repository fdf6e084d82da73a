#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""NTS through meridiand itself (its sandboxed engine child), against a real chronyd NTS server
on loopback, on a private bus (tests/integration/harness.py).

meridiand (root) reads `ntstrustedcerts` (a self-signed certificate for localhost made here);
the engine child, which runs as another user under its seccomp filter and opens no file, is
handed the certificates and runs the TLS 1.3 key exchange and the authenticated NTP itself.
The source synchronizes, chronyd's `serverstats` counts the NTS-KE connection and every
request as authenticated, and the child is still the unprivileged, filtered one it was."""

import os
import pathlib
import pwd
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT',
                                               str(pathlib.Path(__file__).resolve().parents[2])),
                                'tests', 'integration'))
import harness  # noqa: E402
from test_ntp_engine import ChronydCase  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from loopback_util import free_tcp_port  # noqa: E402


class DaemonNts(ChronydCase):
    def chronyd_extra_config(self, directory):
        """NTS with a certificate for localhost, for the server ChronydCase starts."""
        if shutil.which('openssl') is None:
            self.skipTest('openssl is not installed (scripts/install-deps.sh)')
        self.cert, key = self.tmp / 'srv.crt', self.tmp / 'srv.key'
        if not self.cert.exists():
            subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                            'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
                            '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
                            '-keyout', str(key), '-out', str(self.cert)],
                           check=True, capture_output=True)
            for f in (self.cert, key):
                shutil.chown(f, 'root', '_chrony')
                f.chmod(0o640)
        self.ntsport = free_tcp_port('127.0.0.1')
        return (f'ntsservercert {self.cert}\nntsserverkey {key}\n'
                f'ntsport {self.ntsport}\nntsprocesses 0\nntsdumpdir {directory}\n')

    def test_engine_child_synchronizes_with_nts(self):
        trusted = self.root / 'etc' / 'meridian' / 'nts.crt'
        shutil.copy(self.cert, trusted)
        trusted.chmod(0o644)
        self.write_config('ntstrustedcerts /etc/meridian/nts.crt', 'nosystemcert',
                          f'server localhost port {self.port} iburst minpoll 4 maxpoll 4 '
                          f'nts ntsport {self.ntsport}')
        self.start_seed_daemon('0.05')
        self.wait_synchronized(timeout=60)
        ke, received, authenticated = self.serverstats('NTS-KE connections accepted',
                                                       'NTP packets received',
                                                       'Authenticated NTP packets')
        self.assertEqual(ke, 1)
        self.assertGreaterEqual(authenticated, 1)
        self.assertEqual(authenticated, received)
        # The exchange ran in the child, which is still unprivileged and filtered.
        pid = self.engine_pid()
        self.assertIsNotNone(pid)
        status = dict(line.split(':', 1) for line in
                      pathlib.Path(f'/proc/{pid}/status').read_text().splitlines())
        uids = [int(x) for x in status['Uid'].split()]
        self.assertTrue(all(u != 0 for u in uids), f'engine uids {uids}')
        self.assertEqual(uids[0], pwd.getpwnam('nobody').pw_uid)
        self.assertEqual(int(status['CapEff'].strip(), 16), 0)
        self.assertEqual(status['Seccomp'].strip(), '2')
        # The exchange done, the child keeps the AEAD (nettle) and has unloaded the TLS module
        # and gnutls with it (service/net/mrd-nts-module.h): every packet since was
        # authenticated without them.
        maps = pathlib.Path(f'/proc/{pid}/maps').read_text()
        self.assertIn('meridian-nts-aead.so', maps)
        self.assertNotIn('libgnutls', maps)
        self.assertNotIn('meridian-nts.so', maps)
        # meridianctl authdata, as chronyc lays it out (client.c): one NTS-KE done, AES-SIV
        # (15) with 256-bit keys, no attempt pending, no NAK, chronyd's 100-byte cookies.
        ctl = os.environ['MERIDIANCTL']
        r = self.run_client([ctl, 'authdata', '-n'])
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], 'Name/IP address             Mode KeyID Type KLen Last '
                                   'Atmp  NAK Cook CLen')
        self.assertEqual(lines[1], '=' * len(lines[0]))
        self.assertRegex(lines[2], r'^127\.0\.0\.1 {20}NTS     1   15  256 +\d+    0    0'
                                   r'    [78]  100$')
        r = self.run_client([ctl, 'authdata', '-c'])
        self.assertRegex(r.stdout.strip(), r'^127\.0\.0\.1,NTS,1,15,256,\d+,0,0,[78],100$')
        r = self.run_client([ctl, 'authdata', '-v', '-n'])
        self.assertIn('.- Auth. mechanism (NTS, SK - symmetric key)', r.stdout)
        log = self.daemon.log()
        self.assertNotIn('killed by signal', log)
        self.assertNotIn('NTS-KE with', log)
        self.assertNotIn('reply refused', log)
        sys.stderr.write(f'synchronized; chronyd counted {ke} NTS-KE connection(s) and '
                         f'{authenticated} authenticated of {received} requests; engine '
                         f'VmRSS {status["VmRSS"].strip()}\n')

    def test_engine_child_keeps_cookies_across_restarts(self):
        """ntsdumpdir through privilege separation: the child opens no file, so meridiand
        (root) reads the dump and hands it over, and writes what the child sends. A restarted
        daemon polls with the saved cookies (chronyd counts no second NTS-KE); a corrupt dump
        is logged and a new exchange made."""
        trusted = self.root / 'etc' / 'meridian' / 'nts.crt'
        shutil.copy(self.cert, trusted)
        trusted.chmod(0o644)
        self.write_config('ntstrustedcerts /etc/meridian/nts.crt', 'nosystemcert',
                          'ntsdumpdir /var/lib/meridian/nts',
                          f'server localhost port {self.port} iburst minpoll 4 maxpoll 4 '
                          f'nts ntsport {self.ntsport}')
        dump = self.root / 'var' / 'lib' / 'meridian' / 'nts' / f'localhost@{self.ntsport}.nts'

        def authenticated():
            return self.serverstats('Authenticated NTP packets')[0]

        self.start_seed_daemon('0.05')
        self.wait_until(lambda: dump.exists() and authenticated() >= 1, timeout=20,
                        what='the dump and an authenticated reply')
        self.assertEqual(dump.stat().st_mode & 0o777, 0o600)
        after_ke = dump.read_text()
        self.assertIn(f'\nsource 127.0.0.1:{self.port} ', after_ke)
        before = authenticated()
        self.assertEqual(self.stop_daemon(), 0)
        # At exit the daemon asks the child for its jar as it is: the cookie the first request
        # spent is not saved to be sent again.
        spent = after_ke.split('\ncookie ')[1].split('\n')[0]
        self.assertNotIn(spent, dump.read_text())
        self.assertTrue(dump.read_text().endswith('\nend\n'))
        self.start_seed_daemon('0.05')
        self.wait_until(lambda: authenticated() > before, timeout=20,
                        what='an authenticated reply after the restart')
        self.assertEqual(self.serverstats('NTS-KE connections accepted')[0], 1)

        # Truncated while the daemon is stopped (at exit it writes the dump whole).
        self.assertEqual(self.stop_daemon(), 0)
        dump.write_text(dump.read_text().replace('\nend\n', '\n'))
        before = authenticated()
        self.start_seed_daemon('0.05')
        self.wait_until(lambda: authenticated() > before, timeout=20,
                        what='an authenticated reply after a new NTS-KE')
        self.assertEqual(self.serverstats('NTS-KE connections accepted')[0], 2)
        self.assertRegex(self.daemon.log(), r'NTS dump .*localhost@\d+\.nts.*not a whole NTS '
                                            r'dump.*ignored')
        self.wait_until(lambda: dump.read_text().endswith('\nend\n'), timeout=10,
                        what='the dump rewritten whole')
        sys.stderr.write(f'chronyd: 2 NTS-KE connections for 3 runs, {authenticated()} '
                         'authenticated packets\n')

    def test_engine_child_in_chroot_uses_nts(self):
        """--engine-chroot: the child cannot load the NTS modules once in its chroot (an empty
        directory here), so it loads them before and keeps them; the source synchronizes over
        NTS."""
        trusted = self.root / 'etc' / 'meridian' / 'nts.crt'
        shutil.copy(self.cert, trusted)
        trusted.chmod(0o644)
        chroot = self.tmp / 'engine-chroot'
        chroot.mkdir(mode=0o755)
        # A numeric address: the empty chroot has no /etc/hosts to resolve a name with.
        self.write_config('ntstrustedcerts /etc/meridian/nts.crt', 'nosystemcert',
                          f'server 127.0.0.1 port {self.port} iburst minpoll 4 maxpoll 4 '
                          f'nts ntsport {self.ntsport}')
        self.start_seed_daemon('0.05', f'--engine-chroot={chroot}')
        self.wait_synchronized(timeout=30)
        ke, authenticated = self.serverstats('NTS-KE connections accepted',
                                             'Authenticated NTP packets')
        self.assertEqual(ke, 1)
        self.assertGreaterEqual(authenticated, 1)
        pid = self.engine_pid()
        self.assertEqual(os.readlink(f'/proc/{pid}/root'), str(chroot))
        maps = pathlib.Path(f'/proc/{pid}/maps').read_text()
        self.assertIn('libgnutls', maps)
        self.assertIn('meridian-nts-aead.so', maps)
        self.assertNotIn('cannot load', self.daemon.log())
        self.assertEqual(list(chroot.iterdir()), [])


if __name__ == '__main__':
    harness.main()
