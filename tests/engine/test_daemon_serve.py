#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Server mode (`allow`) through meridiand itself, on a port under 1024, on a private bus
(tests/integration/harness.py).

The engine child runs as nobody with no capability and under seccomp: it cannot bind a port
under 1024. meridiand (root) binds it and hands the socket over (the "serve-socket" message,
service/privsep/mrd-engine-wire.h). meridiand synchronizes to a real chronyd on loopback (its
virtual clock starts 0.5 s off); then a second real chronyd, `chronyd -Q` (it measures and
never sets the clock), reads the time meridiand serves on that low port: near the real clock
(within 10 ms; it was 0.5 s off), as the disciplined clock is. The engine child still has no
capability and uid nobody while it serves, and after an engine restart (SetNTP off and on)
it serves again on the same socket."""

import json
import os
import pathlib
import re
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT',
                                               str(pathlib.Path(__file__).resolve().parents[2])),
                                'tests', 'integration'))
import harness  # noqa: E402
from test_ntp_engine import ChronydCase, chronyd_q, free_low_port, free_udp_port  # noqa: E402


class DaemonServe(ChronydCase):
    def test_engine_child_serves_on_a_port_the_parent_bound(self):
        port = free_low_port()
        if port is None:
            self.skipTest('no free UDP port under 1024 on 127.0.0.1')
        self.write_config(self.server_line.replace('minpoll 4 maxpoll 4', 'minpoll -2 maxpoll -2'),
                          'makestep 0.1 3', 'allow 127.0.0.1', f'port {port}',
                          'bindaddress 127.0.0.1')
        self.start_seed_daemon('0.5')
        self.wait_synchronized(timeout=60)
        self.wait_until(lambda: abs(self.tracking('TrueOffset')) < 1e-3, timeout=30,
                        what='|TrueOffset| < 1 ms')
        err, out = chronyd_q(port)
        self.assertIsNotNone(err, 'chronyd -Q got no time from meridiand:\n' + out)
        # Synchronized to under 1 ms; 10 ms leaves chronyd -Q's own samples room on a loaded
        # machine, and is still 50 times under the 0.5 s the clock started off.
        self.assertLess(abs(err), 0.01, f'served time {err} s off the real clock')
        pid = self.engine_pid()
        self.assertIsNotNone(pid)
        status = dict(line.split(':', 1) for line in
                      pathlib.Path(f'/proc/{pid}/status').read_text().splitlines())
        self.assertEqual(int(status['CapEff'].strip(), 16), 0)
        self.assertNotEqual(int(status['Uid'].split()[0]), 0)
        self.assertEqual(status['Seccomp'].strip(), '2')

        # A new engine gets the same socket.
        self.call('SetNTP', False, False)
        self.call('SetNTP', True, False)
        self.wait_synchronized(timeout=60)
        err, out = chronyd_q(port)
        self.assertIsNotNone(err, 'after SetNTP off and on, chronyd -Q got no time:\n' + out)
        self.assertLess(abs(err), 0.01)
        self.assertNotIn('killed by signal', self.daemon.log())
        sys.stderr.write(f'served on port {port}: chronyd -Q reads {err:+.6f} s\n')


    def meridianctl(self, *args):
        r = self.run_client([os.environ['MERIDIANCTL']] + list(args))
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_serverstats_count_as_chronyc_counts(self):
        """meridianctl serverstats lays the counts out as the real chronyc does (compared with
        chronyc serverstats of the chronyd beside it), and counts what it answered and what it
        dropped, at most a second late."""
        port = free_udp_port()
        self.write_config('allow 127.0.0.1', f'port {port}', 'bindaddress 127.0.0.1',
                          'local stratum 8', 'ratelimit interval 4 burst 3 leak 0')
        self.start_seed_daemon('0.5')
        self.wait_until(lambda: 'Serving NTP' in self.daemon.log(), timeout=20,
                        what='meridiand to serve')
        ours = self.meridianctl('serverstats')
        theirs = subprocess.run(['chronyc', '-h', str(self.chrony_socket), 'serverstats'],
                                capture_output=True, text=True, timeout=10).stdout
        self.assertEqual([l.split(':')[0] for l in ours.splitlines()],
                         [l.split(':')[0] for l in theirs.splitlines()], ours + theirs)
        self.assertTrue(all(l.endswith(': 0') for l in ours.splitlines()), ours)
        self.assertEqual(self.meridianctl('-c', 'serverstats').strip(), ','.join(['0'] * 11))

        request = bytes([0x23, 0, 6, 0]) + bytes(36) + b'\x01' * 8
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(('127.0.0.1', 0))
            s.settimeout(2)
            for _ in range(5):                        # 3 answered, 2 over the rate
                s.sendto(request, ('127.0.0.1', port))
            s.sendto(bytes([0x24]) + request[1:], ('127.0.0.1', port))   # a reply: ignored
            answers = 0
            try:
                while True:
                    s.recv(2048)
                    answers += 1
            except socket.timeout:
                pass
        self.assertEqual(answers, 3)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(('127.0.0.2', 0))                  # not allowed
            s.sendto(request, ('127.0.0.1', port))
        expected = {'answered': 3, 'rate_limited': 2, 'denied': 1, 'malformed': 0,
                    'not_a_request': 1, 'authenticated': 0, 'client_records_forgotten': 0}
        self.wait_until(lambda: json.loads(self.meridianctl('--json', 'serverstats')) == expected,
                        timeout=10, what=f'serverstats --json to read {expected}')
        text = self.meridianctl('serverstats')
        self.assertIn('NTP packets received       : 5\n', text)
        self.assertIn('NTP packets dropped        : 2\n', text)
        csv = self.meridianctl('-c', 'serverstats').strip().split(',')
        self.assertEqual(csv[:2], ['5', '2'])
        sys.stderr.write(self.meridianctl('serverstats'))

        # clients: laid out as chronyc's (its header against the real one's), 127.0.0.1 alone
        # (127.0.0.2 was refused, so never logged), named as /etc/hosts names it unless -n.
        ours = self.meridianctl('clients')
        theirs = subprocess.run(['chronyc', '-h', str(self.chrony_socket), 'clients'],
                                capture_output=True, text=True, timeout=10).stdout
        self.assertEqual(ours.splitlines()[:2], theirs.splitlines()[:2], ours + theirs)
        rows = ours.splitlines()[2:]
        self.assertEqual(len(rows), 1, ours)
        name = socket.gethostbyaddr('127.0.0.1')[0]
        self.assertRegex(rows[0], rf'^{re.escape(name[:25])} +5 +2 +-\d+ +-\d+ +\d+ +0 +0 +- +-$')
        self.assertEqual(rows[0].index(' 5 '), theirs.splitlines()[0].index('NTP') + 1, rows[0])
        csv = self.meridianctl('-c', 'clients').strip().split(',')
        self.assertEqual(csv[:3], ['127.0.0.1', '5', '2'])
        self.assertEqual(csv[6:9], ['0', '0', '127'])
        self.assertRegex(self.meridianctl('-n', 'clients').splitlines()[2], r'^127\.0\.0\.1 ')
        self.assertEqual(self.meridianctl('clients', '-p', '6').splitlines()[2:], [])
        got = json.loads(self.meridianctl('--json', 'clients'))
        self.assertEqual([(c['address'], c['requests'], c['dropped']) for c in got],
                         [('127.0.0.1', 5, 2)])
        # back to back: the mean interval is well under a second, as log2 a negative number
        self.assertLess(got[0]['interval'], 1.0)
        sys.stderr.write(ours)

    def test_client_log_of_thousands_is_listed_whole(self):
        """A client log of thousands (chronyd's default holds about four thousand; ours 5952):
        every client listed once, in address order, though the engine sends the listing in
        pages of 1024 (more than one page, and more than the 1024 clients logged before)."""
        port = free_udp_port()
        self.write_config('allow 127.0.0.0/8', f'port {port}', 'bindaddress 127.0.0.1',
                          'local stratum 8')
        self.start_seed_daemon('0.5')
        self.wait_until(lambda: 'Serving NTP' in self.daemon.log(), timeout=20,
                        what='meridiand to serve')
        request = bytes([0x23, 0, 6, 0]) + bytes(36) + b'\x01' * 8
        clients = [f'127.1.{i // 250}.{i % 250 + 1}' for i in range(2500)]
        # One at a time, each answered before the next goes (a burst of 2500 would overflow
        # the server socket's receive buffer, which is no test of the log).
        for address in clients:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind((address, 0))
                s.settimeout(2)
                s.sendto(request, ('127.0.0.1', port))
                self.assertEqual(len(s.recv(2048)), 48, address)

        def listed():
            rows = self.meridianctl('-c', '-n', 'clients').splitlines()
            return [row.split(',')[0] for row in rows]

        def forgotten():
            return json.loads(self.meridianctl('--json', 'serverstats'))['client_records_forgotten']

        # The buckets are chosen by a hash with a random key: at this load (6.7 clients a
        # bucket of 16 on average) one may overflow now and then (about one run in five,
        # by one client), and the forgotten are counted (chronyc serverstats' "Client log
        # records dropped").
        self.wait_until(lambda: len(listed()) + forgotten() >= len(clients), timeout=20,
                        what=f'{len(clients)} clients listed or counted as forgotten')
        got, lost = listed(), forgotten()
        self.assertEqual(len(got) + lost, len(clients), (len(got), lost))
        self.assertLessEqual(lost, 10)
        self.assertEqual(len(got), len(set(got)), 'a client listed twice')
        self.assertTrue(set(got) <= set(clients))
        key = [tuple(int(x) for x in a.split('.')) for a in got]
        self.assertEqual(key, sorted(key), 'not in address order')
        self.assertEqual(len(json.loads(self.meridianctl('--json', 'clients'))), len(got))
        # Four listings at once: meridiand pages one query at a time, each from its own
        # listing, and every one gets the whole log.
        env = dict(self.env)
        runs = [subprocess.Popen([os.environ['MERIDIANCTL'], '-c', '-n', 'clients'], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(4)]
        for run in runs:
            out, err = run.communicate(timeout=60)
            self.assertEqual(run.returncode, 0, err)
            self.assertEqual([row.split(',')[0] for row in out.splitlines()], got)


if __name__ == '__main__':
    harness.main()
