# SPDX-License-Identifier: GPL-2.0-or-later
"""meridiand's NTP engine against a real chronyd on loopback (chronyd -x: it never touches the
clock), through the daemon's bus: synchronization, the Sources methods, persistence across a
restart, SetNTP, and the privilege separation of the process that reads the network.

chronyd serves on 127.0.0.1 at a port picked free at run time; its command socket (chronyc
serverstats) counts the requests it received."""

import os
import pathlib
import pwd
import random
import re
import select
import shutil
import socket
import subprocess
import sys
import time

import harness
from harness import ACTION, FDO, NATIVE, SOURCES, NO_SYS_TIME, TIMEOUT_SCALE, Iface

TRACKING = Iface(NATIVE.name, NATIVE.path, 'org.meridian.Time1.Tracking')
TIMESYNC1 = Iface('org.freedesktop.timesync1', '/org/freedesktop/timesync1',
                  'org.freedesktop.timesync1.Manager')
SOURCE_IFACE = 'org.meridian.Time1.Source'
ACCESS_DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
CAP_SYS_TIME = 25


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def free_low_port():
    """A UDP port under 1024 free on 127.0.0.1 now, None when there is none: tried in a
    random order (600-999, none of the well-known ones a host runs), so that tests running at
    once seldom pick the same one between this probe and their daemon's bind."""
    for port in random.sample(range(600, 1000), 400):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(('127.0.0.1', port))
            except OSError:
                continue
            return port
    return None


def chronyd_q(port, timeout=30):
    """A real chronyd's measurement of the NTP server on 127.0.0.1:PORT (`chronyd -Q`: it never
    sets the clock): (the real clock's error against it in s, or None; chronyd's output)."""
    r = subprocess.run(NO_SYS_TIME + ['chronyd', '-Q', '-f', '/dev/null', '-t', '20',
                                      f'server 127.0.0.1 port {port} iburst minpoll -2 maxpoll -2'],
                       capture_output=True, text=True, timeout=timeout)
    m = re.search(r'System clock wrong by (-?[0-9.]+) seconds', r.stdout + r.stderr)
    return float(m.group(1)) if m else None, r.stdout + r.stderr


class ChronydCase(harness.MeridianTestCase):
    """A chronyd server on loopback and helpers; the daemon is started by each test."""

    def setUp(self):
        super().setUp()
        if shutil.which('chronyd') is None or shutil.which('chronyc') is None:
            self.skipTest('chronyd/chronyc are not installed (scripts/install-deps.sh)')
        try:
            pwd.getpwnam('_chrony')
        except KeyError:
            self.skipTest('no _chrony user: chronyd is not installed as Debian installs it')
        if os.geteuid() != 0:
            self.skipTest('needs root: the engine drops privileges only when started as root')
        self.polkit_allow_all()
        self.start_chronyd()

    def start_chronyd(self):
        d = self.tmp / 'chrony'
        d.mkdir()
        shutil.chown(d, '_chrony', '_chrony')
        d.chmod(0o750)
        self.chrony_socket = d / 'chronyd.sock'
        for attempt in range(5):
            self.port = free_udp_port()
            conf = self.tmp / 'chrony-server.conf'
            conf.write_text(f'local stratum 1\nallow 127.0.0.1\nport {self.port}\n'
                            f'bindaddress 127.0.0.1\ncmdport 0\n'
                            f'bindcmdaddress {self.chrony_socket}\npidfile {d}/chronyd.pid\n'
                            f'driftfile {d}/drift\n' + self.chronyd_extra_config(d))
            if self.launch_chronyd(conf):
                self.addCleanup(self._stop_chronyd)
                self.server_line = (f'server 127.0.0.1 port {self.port} prefer iburst '
                                    f'minpoll 4 maxpoll 4')
                return
        self.fail('chronyd did not start: ' + (self.tmp / 'chronyd.log').read_text())

    def launch_chronyd(self, conf):
        """Start chronyd on CONF and wait for its command socket; False if it did not come
        up (its port taken meanwhile, say)."""
        with open(self.tmp / 'chronyd.log', 'a') as log:
            p = subprocess.Popen(NO_SYS_TIME + ['chronyd', '-x', '-d', '-f', str(conf)],
                                 stdout=log, stderr=subprocess.STDOUT)
        end = time.monotonic() + 10
        while time.monotonic() < end and p.poll() is None and not self.chrony_socket.exists():
            time.sleep(0.05)
        if p.poll() is None and self.chrony_socket.exists():
            self.chronyd = p
            return True
        p.kill()
        p.wait()
        return False

    def start_chronyd_client(self, lines):
        """A real chronyd client (-x: it never touches the clock) configured with LINES;
        returns its command socket."""
        d = self.tmp / 'chrony-client'
        d.mkdir()
        shutil.chown(d, '_chrony', '_chrony')
        d.chmod(0o750)
        sock = d / 'chronyd.sock'
        conf = self.tmp / 'chrony-client.conf'
        conf.write_text('\n'.join(lines) + f'\nport 0\ncmdport 0\nbindcmdaddress {sock}\n'
                        f'pidfile {d}/chronyd.pid\n')
        with open(self.tmp / 'chronyd-client.log', 'w') as log:
            p = subprocess.Popen(NO_SYS_TIME + ['chronyd', '-x', '-d', '-f', str(conf)],
                                 stdout=log, stderr=subprocess.STDOUT)

        def stop():
            p.terminate()
            p.wait(10)
        self.addCleanup(stop)
        self.wait_until(sock.exists, timeout=10, what="the chronyd client's socket")
        return sock

    def chronyd_extra_config(self, directory):
        """More chrony.conf lines for the server (a subclass's keys or certificates), asked
        again at each attempt to start it; DIRECTORY is chronyd's own."""
        return ''

    def _stop_chronyd(self):
        self.chronyd.terminate()
        try:
            self.chronyd.wait(10)
        except subprocess.TimeoutExpired:
            self.chronyd.kill()
            self.chronyd.wait()

    def serverstats(self, *fields):
        """The counters of chronyc serverstats (on chronyd's unix socket) named FIELDS."""
        r = subprocess.run(['chronyc', '-h', str(self.chrony_socket), 'serverstats'],
                           capture_output=True, text=True, timeout=10)
        out = []
        for field in fields:
            m = re.search(rf'^{field}\s*:\s*(\d+)', r.stdout, re.M)
            self.assertIsNotNone(m, f'chronyc serverstats: {r.stdout!r} {r.stderr!r}')
            out.append(int(m.group(1)))
        return out

    def server_requests(self):
        """NTP packets chronyd received."""
        return self.serverstats('NTP packets received')[0]

    def write_config(self, *lines):
        (self.root / 'etc' / 'meridian' / 'meridian.conf').write_text('\n'.join(lines) + '\n')

    def start_seed_daemon(self, offset='0.5', *extra):
        # The seed: 0.5 s off and 23.054 ppm slow.
        return self.start_daemon(f'--virtual-offset={offset}', '--virtual-freq=-23.054', *extra)

    def tracking(self, name):
        return self.get_property(name, TRACKING)

    def sources(self):
        objs = self.call('GetManagedObjects', iface=Iface(NATIVE.name, NATIVE.path,
                         'org.freedesktop.DBus.ObjectManager'), signature=None)
        return {p: v[SOURCE_IFACE] for p, v in objs.items() if SOURCE_IFACE in v}

    def wait_synchronized(self, timeout=60):
        self.wait_until(lambda: self.get_property('NTPSynchronized'), timeout=timeout,
                        what='NTPSynchronized')

    def engine_pid(self):
        """The pid of the daemon's child that runs the engine (meridian-engine --engine-child)."""
        for entry in pathlib.Path('/proc').iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / 'stat').read_text()
                cmdline = (entry / 'cmdline').read_bytes().split(b'\0')
            except OSError:
                continue
            ppid = int(stat.rsplit(')', 1)[1].split()[1])
            if ppid == self.daemon.pid and b'--engine-child' in cmdline:
                return int(entry.name)
        return None


class Synchronization(ChronydCase):
    def test_synchronizes_to_chronyd_selected_true_offset_under_1ms(self):
        self.write_config(self.server_line)
        self.start_seed_daemon()
        start = time.monotonic()
        self.wait_synchronized(timeout=60)
        (path, src), = self.sources().items()
        self.wait_until(lambda: self.sources()[path]['State'] == 'selected', timeout=20,
                        what='the source in state selected (^*)')
        # 0.5 s slewed out at the backend's 10 % range takes ~5 s; then polls every 16 s.
        self.wait_until(lambda: abs(self.tracking('TrueOffset')) < 1e-3, timeout=120,
                        what='|TrueOffset| < 1 ms')
        sys.stderr.write(f'synchronized; |TrueOffset| < 1 ms after '
                         f'{time.monotonic() - start:.1f} s: {self.tracking("TrueOffset"):+.6f} s\n')
        s = self.sources()[path]
        self.assertEqual(s['Name'], '127.0.0.1')
        self.assertGreater(s['Reach'], 0)
        self.assertEqual(s['Stratum'], 1)
        self.assertEqual(self.tracking('Stratum'), 2)
        # As chronyd names an IPv4 reference (util.c UTI_IPToRefid): the address, not the port.
        self.assertEqual(self.tracking('ReferenceID'), 0x7F000001)
        self.assertEqual(self.tracking('ReferenceName'), '127.0.0.1')
        self.assertTrue(self.tracking('Synchronized'))
        self.assertNotEqual(self.tracking('LeapStatus'), 'Not synchronised')
        self.assertEqual(self.get_property('Sources', SOURCES), [path])
        self.assertNotIn('killed by signal', self.daemon.log())


class Privsep(ChronydCase):
    def test_network_process_unprivileged_seccomp_and_cannot_write_etc(self):
        self.write_config(self.server_line)
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)   # the engine ran normally under its filter
        pid = self.engine_pid()
        self.assertIsNotNone(pid, 'no meridian-engine --engine-child under the daemon')
        # The lean executable (service/engine-main.c), not meridiand: none of GIO, GObject,
        # polkit or libsystemd is mapped, nor an NSS module (the user comes from /etc/passwd).
        self.assertEqual(os.path.basename(os.readlink(f'/proc/{pid}/exe')), 'meridian-engine')
        maps = pathlib.Path(f'/proc/{pid}/maps').read_text()
        for lib in ('libgio-2.0', 'libgobject-2.0', 'libpolkit', 'libsystemd', 'libnss_'):
            self.assertNotIn(lib, maps, f'the engine maps {lib}')
        self.assertIn('libglib-2.0', maps)
        status = dict(line.split(':', 1) for line in
                      pathlib.Path(f'/proc/{pid}/status').read_text().splitlines())
        uids = [int(x) for x in status['Uid'].split()]
        self.assertTrue(all(u != 0 for u in uids), f'engine uids {uids}')
        self.assertEqual(uids[0], pwd.getpwnam('nobody').pw_uid)
        cap_eff = int(status['CapEff'].strip(), 16)
        self.assertEqual(cap_eff & ~(1 << CAP_SYS_TIME), 0, f'CapEff {cap_eff:#x}')
        # The tests run daemons without CAP_SYS_TIME in the bounding set: none at all here.
        self.assertEqual(cap_eff, 0)
        self.assertEqual(int(status['CapPrm'].strip(), 16) & ~(1 << CAP_SYS_TIME), 0)
        self.assertEqual(status['Seccomp'].strip(), '2')
        self.assertEqual(status['NoNewPrivs'].strip(), '1')
        # The daemon (parent) is root and not filtered: the split is real.
        parent = pathlib.Path(f'/proc/{self.daemon.pid}/status').read_text()
        self.assertRegex(parent, r'Uid:\s+0\s')
        # With the engine's uid and gid, the root's etc cannot be opened for writing.
        probe = self.run_client(['setpriv', f'--reuid={uids[0]}', f'--regid={status["Gid"].split()[0]}',
                                 '--clear-groups', sys.executable, '-c',
                                 'import sys\ntry:\n open(sys.argv[1], "a")\nexcept PermissionError:\n'
                                 ' sys.exit(13)\nsys.exit(0)',
                                 str(self.root / 'etc' / 'meridian' / 'meridian.conf')])
        self.assertEqual(probe.returncode, 13, 'the engine user could write the root\'s etc')
        # Still the same child: the filter did not kill it in normal operation.
        self.assertEqual(self.engine_pid(), pid)
        self.assertNotIn('killed by signal', self.daemon.log())

    def test_statistics_logs_written_by_the_daemon_for_its_engine(self):
        # chronyd's `log` files: the sandboxed engine opens no file; it sends its lines over
        # the channel and the daemon (root) writes them under logdir beneath the root.
        self.write_config(self.server_line, 'log measurements statistics tracking',
                          'logdir /var/log/meridian', 'logbanner 2')
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)
        logdir = self.root / 'var' / 'log' / 'meridian'
        tracking = logdir / 'tracking.log'
        self.wait_until(lambda: tracking.exists() and '127.0.0.1' in tracking.read_text(),
                        timeout=30, what='a line in tracking.log')
        self.wait_until(lambda: (logdir / 'statistics.log').exists(), timeout=30,
                        what='statistics.log')
        pid = self.engine_pid()
        engine_uid = int(pathlib.Path(f'/proc/{pid}/status').read_text()
                         .split('Uid:')[1].split()[0])
        self.assertNotEqual(engine_uid, 0)
        # Made by root: a file the engine (another uid, no CAP_CHOWN) made would be its own.
        for p in (logdir, tracking, logdir / 'measurements.log', logdir / 'statistics.log'):
            st = p.stat()
            self.assertEqual(st.st_uid, 0, f'{p} not written by the daemon')
            self.assertEqual(st.st_mode & 0o777, 0o755 if p == logdir else 0o644, p)
        measurements = (logdir / 'measurements.log').read_text().splitlines()
        # chronyd's layout: the header every 2 lines; the seed's line (minpoll 4) on chronyd
        # at stratum 1 with its local reference ID; the first sample's theta -0.5 s (the
        # clock starts 0.5 s ahead).
        self.assertTrue(measurements[1].startswith('   Date (UTC) Time'), measurements[:4])
        self.assertEqual(measurements[0], '=' * len(measurements[1]))
        first = measurements[3]
        self.assertRegex(first, r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 127\.0\.0\.1       N  1 '
                                r'111 111 1111   4  4 ')
        self.assertAlmostEqual(float(first.split()[11]), -0.5, delta=0.01)
        self.assertIn(' 7F7F0101 4B ', first)
        self.assertNotIn('killed by signal', self.daemon.log())

    def test_engine_child_restarted_after_it_dies(self):
        self.write_config(self.server_line)
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)
        pid = self.engine_pid()
        os.kill(pid, 9)
        self.wait_until(lambda: self.engine_pid() not in (None, pid), timeout=15,
                        what='a new engine child')
        self.assertIn('The NTP engine was killed by signal 9', self.daemon.log())
        # It is configured again: it synchronizes again (the shared clock kept its state).
        self.wait_synchronized(timeout=60)


class SourcesMethods(ChronydCase):
    def test_add_source_refuses_duplicate_and_remove_by_name(self):
        self.start_seed_daemon()
        self.assertEqual(self.sources(), {})
        self.polkit_allow([])
        with self.assertRaises(harness.DBusError) as cm:
            self.call('AddSource', self.server_line, False, iface=SOURCES)
        self.assertEqual(cm.exception.name, ACCESS_DENIED)
        self.assertEqual(self.sources(), {})
        self.polkit_allow([ACTION['manage-sources']])
        path = self.call('AddSource', self.server_line, False, iface=SOURCES)
        persisted = self.root / 'var/lib/meridian/sources/meridian-added.sources'
        self.assertIn(self.server_line, persisted.read_text())
        # A real source: the engine polls it and the clock synchronizes.
        self.wait_synchronized(timeout=60)
        with self.assertRaises(harness.DBusError) as cm:
            self.call('AddSource', f'server 127.0.0.1 port {self.port} iburst', False,
                      iface=SOURCES)
        self.assertEqual(cm.exception.name, 'org.meridian.Time1.Error.SourceExists')
        self.assertEqual(list(self.sources()), [path])
        self.polkit_allow([])
        with self.assertRaises(harness.DBusError) as cm:
            self.call('RemoveSourceByName', '127.0.0.1', False, iface=SOURCES,
                      signature='(sb)')
        self.assertEqual(cm.exception.name, ACCESS_DENIED)
        self.assertEqual(list(self.sources()), [path])
        self.polkit_allow([ACTION['manage-sources']])
        self.call('RemoveSourceByName', '127.0.0.1', False, iface=SOURCES, signature='(sb)')
        self.assertEqual(self.sources(), {})
        self.assertNotIn(self.server_line, persisted.read_text())
        self.assertEqual(self.get_property('Sources', SOURCES), [])

    def test_burst_polls_now_and_make_step_steps(self):
        # 5 s off: slewing it out at 10 % would take 50 s; MakeStep steps it at once.
        self.write_config(self.server_line.replace('minpoll 4 maxpoll 4', 'minpoll 6 maxpoll 6'))
        self.start_seed_daemon('5')
        self.wait_synchronized(timeout=60)
        self.assertGreater(abs(self.tracking('TrueOffset')), 1.0)
        # TrueOffset is read when asked, not at the last update: between two reads with no
        # update in between (the same RefTimeNSec) the slew of seconds has moved it.
        for _ in range(10):
            ref, first = self.tracking('RefTimeNSec'), self.tracking('TrueOffset')
            time.sleep(0.5)
            second, ref_after = self.tracking('TrueOffset'), self.tracking('RefTimeNSec')
            if ref == ref_after:
                break
        self.assertEqual(ref, ref_after, 'no 0.5 s without a clock update')
        self.assertGreater(abs(second - first), 1e-3)
        self.polkit_allow([a for a in harness.ALL_ACTIONS if a != ACTION['manage-sources']])
        for method in ('Burst', 'MakeStep', 'Reselect'):
            with self.assertRaises(harness.DBusError) as cm:
                self.call(method, False, iface=SOURCES)
            self.assertEqual(cm.exception.name, ACCESS_DENIED)
        self.polkit_allow([ACTION['manage-sources']])
        before = self.server_requests()
        self.call('Burst', False, iface=SOURCES)
        # The next poll is 64 s away: requests within seconds come from the burst.
        self.wait_until(lambda: self.server_requests() >= before + 2, timeout=10,
                        what='burst requests at chronyd')
        self.call('MakeStep', False, iface=SOURCES)
        self.wait_until(lambda: abs(self.tracking('TrueOffset')) < 0.05, timeout=20,
                        what='the step (|TrueOffset| < 50 ms)')
        # Reselect reaches the engine, which selects afresh: the one source again.
        self.call('Reselect', False, iface=SOURCES)
        self.wait_until(lambda: 'Reselecting source' in self.daemon.log(), timeout=10,
                        what="the engine's log line of Reselect")
        (path, _), = self.sources().items()
        self.wait_until(lambda: self.sources()[path]['SelectionState'] == 'best', timeout=10,
                        what='the source selected again')


class Persistence(ChronydCase):
    def test_restart_keeps_sources_drift_and_settings(self):
        self.start_seed_daemon()
        self.call('AddSource', self.server_line, False, iface=SOURCES)
        self.wait_synchronized(timeout=60)
        drift = self.root / 'var/lib/meridian/drift'
        # A few updates, so that the frequency has an estimate; stopping writes the drift
        # file (chronyd writes it hourly and at exit).
        self.wait_until(lambda: self.tracking('UpdateInterval') > 0 and
                        abs(self.tracking('TrueOffset')) < 1e-3, timeout=120,
                        what='the slew to finish')
        self.call('SetNTP', False, False)
        self.wait_until(drift.exists, timeout=10, what='the drift file')
        freq, skew = (float(x) for x in drift.read_text().split())
        # The clock runs 23.054 ppm slow: the estimate holds it within its own error bound.
        self.assertLess(abs(freq + 23.054), max(3 * skew, 1.0), f'drift {freq} ± {skew} ppm')
        self.restart_daemon('--virtual-offset=0.5', '--virtual-freq=-23.054')
        self.assertFalse(self.get_property('NTP'))
        (path, src), = self.sources().items()
        self.assertEqual(src['Name'], '127.0.0.1')
        self.assertIn(f'port {self.port}', src['Options'])
        self.assertIn('read from', self.daemon.log())   # the drift file was read at start
        self.call('SetNTP', True, False)
        self.wait_synchronized(timeout=60)


class SetNTP(ChronydCase):
    def test_set_ntp_false_stops_polling(self):
        self.write_config(self.server_line.replace('minpoll 4 maxpoll 4', 'minpoll 1 maxpoll 1'))
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)
        polling = self.server_requests()
        self.wait_until(lambda: self.server_requests() > polling, timeout=10, what='more polls')
        self.call('SetNTP', False, False)
        self.wait_until(lambda: not self.get_property('NTPSynchronized'), timeout=10,
                        what='NTPSynchronized false')
        time.sleep(1)
        stopped = self.server_requests()
        # Three 2 s polls: the engine's poll timer keeps its period in a sanitized build, so
        # the window is not scaled.
        time.sleep(6)
        self.assertEqual(self.server_requests(), stopped, 'requests after SetNTP false')
        self.call('SetNTP', True, False)
        self.wait_until(lambda: self.server_requests() > stopped, timeout=15,
                        what='polling again after SetNTP true')


class Outage(ChronydCase):
    def test_dead_server_ends_synchronization_and_its_return_restores_it(self):
        # Half-second polls: the eighth request left unanswered, which empties the reach
        # register and makes ntp-engine select again without the source, goes out 3.5-4 s
        # after the last reply.
        self.write_config(self.server_line.replace('minpoll 4 maxpoll 4', 'minpoll -1 maxpoll -1'))
        self.start_seed_daemon('0.001')
        self.wait_synchronized(timeout=60)
        (path, _), = self.sources().items()
        self.wait_until(lambda: self.sources()[path]['State'] == 'selected', timeout=20,
                        what='the source in state selected (^*)')
        self.assertIn('System clock synchronized: yes', self.timedatectl('status').stdout)
        watch = self.watch_properties(NATIVE)
        self._stop_chronyd()
        died = time.monotonic()
        self.assertTrue(watch.wait_for('NTPSynchronized', False, timeout=30),
                        'NTPSynchronized=false was not announced after the server died')
        took = time.monotonic() - died
        sys.stderr.write(f'not synchronized {took:.1f} s after the server died\n')
        # Not at the first lost reply: a register of silence first.
        self.assertGreater(took, 3.0)
        self.assertFalse(self.get_property('NTPSynchronized'))
        self.assertFalse(self.get_property('NTPSynchronized', FDO))
        self.assertFalse(self.tracking('Synchronized'))
        self.assertEqual(self.tracking('LeapStatus'), 'Not synchronised')
        src = self.sources()[path]
        self.assertEqual(src['Reach'], 0)
        self.assertNotEqual(src['State'], 'selected')
        status = self.timedatectl('status').stdout
        self.assertIn('System clock synchronized: no', status)
        self.assertIn('NTP service: active', status)
        # chronyd back on the same port: synchronized again, announced.
        self.assertTrue(self.launch_chronyd(self.tmp / 'chrony-server.conf'),
                        'chronyd did not start again')
        self.assertTrue(watch.wait_for('NTPSynchronized', True, timeout=30),
                        'NTPSynchronized=true was not announced when the server came back')
        self.wait_until(lambda: self.sources()[path]['State'] == 'selected', timeout=20,
                        what='the source selected again')
        self.assertIn('System clock synchronized: yes', self.timedatectl('status').stdout)


class SelectData(ChronydCase):
    """Each source's SelectionState beside a real chronyd client's `chronyc selectdata`,
    both configured with the same lines (those of tests/cli/fixtures/chronyc-4.3's
    selectdata captures)."""
    LETTER = {'noselect': 'N', 'unsynchronised': 's', 'missing-samples': 'M',
              'large-distance': 'd', 'jittery': '~', 'waits-for-samples': 'w', 'stale': 'S',
              'not-trusted': 'T', 'falseticker': 'x', 'waits-for-sources': 'W',
              'not-preferred': 'P', 'distant': 'D', 'combined': '+', 'best': '*'}

    def chronyd_rows(self, sock):
        """chronyc -c selectdata's rows, by address."""
        r = subprocess.run(['chronyc', '-c', '-h', str(sock), 'selectdata'],
                           capture_output=True, text=True, timeout=10)
        return {row.split(',')[1]: row.split(',') for row in r.stdout.splitlines()}

    def chronyd_letters(self, sock):
        """{address: state letter} of chronyc -c selectdata."""
        return {a: row[0] for a, row in self.chronyd_rows(sock).items()}

    def our_letters(self):
        return {src['Address'].rsplit(':', 1)[0]: self.LETTER.get(src['SelectionState'], '?')
                for src in self.sources().values()}

    def same_letters(self, lines, want):
        sock = self.start_chronyd_client(lines)
        self.write_config(*lines)
        self.start_seed_daemon('0.001')
        def settled(letters):
            seen = letters()
            if seen != want:
                time.sleep(0.2)
            return seen == want
        self.wait_until(lambda: settled(lambda: self.chronyd_letters(sock)), timeout=30,
                        what=f'chronyd selectdata {want}')
        self.wait_until(lambda: settled(self.our_letters), timeout=30,
                        what=f'SelectionState {want} as chronyd\'s')
        # meridianctl selectdata -c as chronyc -c selectdata: state, address, authentication
        # and the options, field for field (the figures differ between two clients).
        ctl = os.environ.get('MERIDIANCTL', '')
        if ctl and os.access(ctl, os.X_OK):
            r = self.run_client([ctl, 'selectdata', '-c'])
            self.assertEqual(r.returncode, 0, r.stderr)
            ours = {row.split(',')[1]: row.split(',')[:13] for row in r.stdout.splitlines()}
            theirs = {a: row[:13] for a, row in self.chronyd_rows(sock).items()}
            self.assertEqual(ours, theirs)
        return sock

    def test_waits_for_a_required_noselect_source_as_chronyd(self):
        fast = f'port {self.port} iburst minpoll -1 maxpoll -1'
        self.same_letters([f'server 127.0.0.1 {fast} prefer trust',
                           f'server 127.0.0.2 {fast} noselect require'],
                          {'127.0.0.1': 'W', '127.0.0.2': 'N'})
        self.assertFalse(self.get_property('NTPSynchronized'))

    def test_best_and_a_source_never_heard_as_chronyd(self):
        fast = f'port {self.port} iburst minpoll -1 maxpoll -1'
        self.same_letters([f'server 127.0.0.1 {fast}', f'server 127.0.0.2 {fast}'],
                          {'127.0.0.1': '*', '127.0.0.2': 's'})
        best, = [s for s in self.sources().values() if s['SelectionState'] == 'best']
        # The interval holds the offset it was selected with; the sample was fresh (0.5 s
        # polls); a lone candidate scores 1.
        self.assertLess(best['SelectionLow'], best['SelectionHigh'])
        self.assertLess(best['SelectionHigh'] - best['SelectionLow'], 0.01)
        self.assertTrue(best['SelectionLow'] - 1e-3 <= best['StatsOffset']
                        <= best['SelectionHigh'] + 1e-3, best)
        self.assertLess(best['SelectionLastAgo'], 5.0)
        self.assertEqual(best['SelectionScore'], 1.0)


class Announcements(ChronydCase):
    VOLATILE_TRACKING = ('RefTimeUSec', 'SystemTimeOffset', 'LastOffset', 'RMSOffset',
                         'Frequency', 'ResidualFrequency', 'Skew', 'RootDelay',
                         'RootDispersion', 'UpdateInterval', 'TrueOffset')
    VOLATILE_SOURCE = ('Reach', 'LastRxAgo', 'AdjustedOffset', 'MeasuredOffset', 'ErrorBound',
                       'Delay', 'Dispersion', 'Jitter', 'Samples', 'Runs', 'Span',
                       'StatsFrequency', 'StatsSkew', 'StatsOffset', 'StatsStdDev',
                       'ReplyLeap', 'ReplyVersion', 'ReplyMode', 'ReplyStratum',
                       'ReplyPrecision', 'ReplyRootDelay', 'ReplyRootDispersion',
                       'ReplyReferenceId', 'ReplyOffset', 'ReplyPeerDelay',
                       'ReplyResponseTime', 'ReplyJitterAsymmetry', 'ValidReplies',
                       'TotalTx', 'TotalRx', 'TotalValidRx', 'TotalGoodRx', 'NtpTests')

    def test_measured_figures_fresh_on_every_read_and_never_announced(self):
        # Polls every 2 s: a few clock updates in a few seconds.
        self.write_config(self.server_line.replace('minpoll 4 maxpoll 4', 'minpoll 1 maxpoll 1'))
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)
        (path, _), = self.sources().items()
        self.wait_until(lambda: self.sources()[path]['State'] == 'selected', timeout=20,
                        what='the source selected')
        timesync1 = Iface('org.freedesktop.timesync1', '/org/freedesktop/timesync1',
                          'org.freedesktop.timesync1.Manager')
        watchers = {'tracking': self.watch_properties(TRACKING),
                    'source': self.watch_properties(Iface(NATIVE.name, path, SOURCE_IFACE)),
                    'timesync1': self.watch_properties(timesync1)}
        first = self.tracking('RefTimeUSec')
        self.assertGreater(first, 0)
        # Each way of reading sees the next update without anything announced: Get, GetAll,
        # GetManagedObjects (the source's objects) and timesync1's NTPMessage.
        seen = [first]
        for _ in range(3):
            self.wait_until(lambda: self.tracking('RefTimeUSec') > seen[-1], timeout=10,
                            what='RefTimeUSec moving on by Get (stale: the figures were not '
                                 'read from the engine)')
            seen.append(self.tracking('RefTimeUSec'))
        self.assertGreater(self.get_all(TRACKING)['RefTimeUSec'], first)
        stats = self.sources()[path]
        # Its last sample is no older than the latest update: at most one 2 s poll behind.
        self.assertLess(stats['LastRxAgo'], 2 * 2 + 1, stats)
        self.assertGreaterEqual(stats['Samples'], 3)
        self.assertGreaterEqual(stats['ValidReplies'], stats['Samples'])
        # chronyc ntpdata's counts, fresh on each read as the rest
        self.assertTrue(stats['TotalTx'] >= stats['TotalRx'] >= stats['TotalValidRx']
                        >= stats['TotalGoodRx'] >= stats['Samples'], stats)
        tx = stats['TotalTx']
        self.wait_until(lambda: self.sources()[path]['TotalTx'] > tx, timeout=10,
                        what='TotalTx moving on by GetManagedObjects')
        msg0 = self.get_property('NTPMessage', timesync1)
        self.wait_until(lambda: self.get_property('NTPMessage', timesync1)[11] != msg0[11],
                        timeout=10, what="timesync1's NTPMessage moving on by Get")
        self.monitor_follows_unannounced_figures()
        for w in watchers.values():
            w.settle(0.5)
        updates = len(seen) - 1
        for name in self.VOLATILE_TRACKING:
            self.assertFalse(watchers['tracking'].seen(name), f'Tracking {name} announced')
        for name in self.VOLATILE_SOURCE:
            self.assertFalse(watchers['source'].seen(name), f'Source {name} announced')
        for name in ('NTPMessage', 'Frequency'):
            self.assertFalse(watchers['timesync1'].seen(name), f'timesync1 {name} announced')
        # Announcements at most once per clock update (here: none, nothing discrete changed).
        for key, w in watchers.items():
            self.assertLessEqual(len(w.changes), updates, f'{key}: {w.changes}')
        for w in watchers.values():
            w.close()


    def monitor_follows_unannounced_figures(self):
        """meridianctl monitor reads the measured figures on its own timer: its blocks show
        the tracking's Ref time moving on although nothing announces it."""
        if not os.environ.get('MERIDIANCTL'):
            return
        proc = subprocess.Popen([os.environ['MERIDIANCTL'], 'monitor', '-n'], env=self.env,
                                text=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        try:
            out = ''
            end = time.monotonic() + 12 * TIMEOUT_SCALE
            while time.monotonic() < end and len(set(re.findall(r'Ref time \(UTC\)  : (.*)',
                                                                out))) < 2:
                ready, _, _ = select.select([proc.stdout], [], [], 0.2)
                if ready:
                    out += os.read(proc.stdout.fileno(), 65536).decode()
            self.assertGreaterEqual(len(set(re.findall(r'Ref time \(UTC\)  : (.*)', out))), 2,
                                    'meridianctl monitor did not follow the updates:\n' + out)
        finally:
            proc.terminate()
            proc.wait(10)
            proc.stdout.close()


class Timesync1(ChronydCase):
    def server_reply(self):
        """chronyd's reply to one NTPv4 client request, its header fields as timesyncd reads
        them (root delay and dispersion in whole µs, rounded down: ntp_ts_short_to_usec)."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            s.sendto(bytes([0x23]) + bytes(39) + os.urandom(8), ('127.0.0.1', self.port))
            reply = s.recv(1024)

        def usec(short):
            v = int.from_bytes(short, 'big')
            return (v >> 16) * 1000000 + (v & 0xffff) * 1000000 // 65536

        return {'leap': reply[0] >> 6, 'version': (reply[0] >> 3) & 7, 'mode': reply[0] & 7,
                'stratum': reply[1], 'precision': int.from_bytes(reply[3:4], 'big', signed=True),
                'root_delay': usec(reply[4:8]), 'root_dispersion': usec(reply[8:12]),
                'refid': reply[12:16]}

    def ntp_message(self):
        """timesync1's NTPMessage as the bus hands it to timedatectl."""
        return self.get_property('NTPMessage', TIMESYNC1)

    def test_stock_timedatectl_timesync_status_and_show_timesync(self):
        self.write_config(self.server_line)
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)
        self.wait_until(lambda: abs(self.tracking('TrueOffset')) < 1e-3, timeout=120,
                        what='|TrueOffset| < 1 ms')
        r = self.timedatectl('show-timesync')
        self.assertEqual(r.returncode, 0, r.stderr)
        show = dict(line.split('=', 1) for line in r.stdout.splitlines() if '=' in line)
        sys.stderr.write(r.stdout)
        self.assertEqual(show['SystemNTPServers'], '127.0.0.1')
        self.assertEqual(show['ServerName'], '127.0.0.1')
        self.assertEqual(show['ServerAddress'], '127.0.0.1')
        self.assertEqual(show['PollIntervalMinUSec'], '16s')
        self.assertEqual(show['PollIntervalMaxUSec'], '16s')
        self.assertEqual(show['PollIntervalUSec'], '16s')
        self.assertEqual(show['RootDistanceMaxUSec'], '3s')
        self.assertRegex(show['NTPMessage'], r'Stratum=1\b')
        # The frequency correction in the kernel's unit (2^-16 ppm): the tracking frequency
        # (the clock's error, negative = slow) with the correction's sign.
        self.assertLess(abs(int(show['Frequency']) / 65536 + self.tracking('Frequency')), 0.01,
                        show['Frequency'])
        r = self.timedatectl('timesync-status')
        self.assertEqual(r.returncode, 0, r.stderr)
        sys.stderr.write(r.stdout)
        self.assertRegex(r.stdout, r'Server: 127\.0\.0\.1 \(127\.0\.0\.1\)')
        self.assertRegex(r.stdout, r'Stratum: 1\n')
        # timedatectl prints a stratum-1 server's reference ID as its four bytes (systemd 252's
        # print_ntp_status_info: stratum <= 1, reference.str), and timesyncd hands it the
        # refid of the server's reply as is (its NTPMessage property). chronyd's
        # `local stratum 1` answers with 7F7F0101, whose bytes are not printable: the line
        # looks empty against timesyncd too. Asked here of chronyd itself.
        server = self.server_reply()
        self.assertEqual((server['stratum'], server['refid']), (1, bytes.fromhex('7F7F0101')))
        self.assertIn('Reference: ' + server['refid'].decode('latin-1') + '\n', r.stdout)
        self.assertIn('Reference=' + server['refid'].decode('latin-1') + ',', show['NTPMessage'])
        # The rest of the header is the server's too, as its reply carried it: timedatectl's
        # lines, and every field of the property against chronyd's own reply.
        self.assertRegex(r.stdout, rf'Precision: \S+ \({server["precision"]}\)\n')
        self.assertIn(f'Version: {server["version"]}\n', r.stdout)
        self.assertIn('Leap: normal\n', r.stdout)
        (leap, version, mode, stratum, precision, root_delay, root_dispersion, reference,
         t1, t2, t3, t4, spike, packets, jitter) = self.ntp_message()
        self.assertEqual((leap, version, mode, stratum, precision, root_delay, root_dispersion,
                          bytes(reference)),
                         (server['leap'], server['version'], server['mode'], server['stratum'],
                          server['precision'], server['root_delay'],
                          server['root_dispersion'], server['refid']))
        # The exchange's four times as measured: our transmit before our receive, the
        # server's two within the round trip of each other, the delay as timedatectl
        # computes it within the round trip.
        self.assertLess(t1, t4)
        self.assertLess(abs(t3 - t2), t4 - t1)
        self.assertLess((t4 - t1) - (t3 - t2), 10000)
        # Packet count: the replies it took, each of chronyd's requests but the one just sent
        # by hand and perhaps one of ours in flight (or sent since the property was read).
        requests = self.server_requests()
        self.assertLessEqual(packets, requests - 1)
        self.assertGreaterEqual(packets, requests - 3)
        self.assertRegex(r.stdout, r'Poll interval: 16s \(min: 16s; max 16s\)')
        # Its offset is the selected sample's, as meridiand measured it (sign: server - us).
        m = re.search(r'Offset: ([+-]?[0-9.]+)(us|ms|s)\b', r.stdout)
        self.assertIsNotNone(m, r.stdout)
        scale = {'us': 1e-6, 'ms': 1e-3, 's': 1}[m.group(2)]
        self.assertLess(abs(float(m.group(1)) * scale), 1e-3)


if __name__ == '__main__':
    harness.main()
