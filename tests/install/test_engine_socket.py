#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The NTP engine in its own unit, run for real without systemd as PID 1: socket mode
(meridian-engine.socket + meridian-engine.service) with `systemd-socket-activate` standing in
for systemd, and meridiand (--engine-socket) on a private bus with the virtual clock against
chronyd -x on loopback.

systemd-socket-activate --seqpacket listens on a temporary socket and, on the first
connection, execs the engine (meridian-engine --engine-activated) with the listening socket as fd 3 (the unit's Accept=no), under
setpriv as the unit would start it: not root (nobody here; the unit's User=meridian), no
capabilities (the unit's CAP_SYS_TIME taken out, as from every daemon a test starts),
no_new_privs. Checked: meridiand synchronizes through it; the engine's uid, capabilities,
seccomp; a peer that is not root is refused while meridiand is served, and so is a second
root peer; SetNTP(false) closes the connection and the engine exits; SetNTP(true) connects
again and a new engine (started by a new listener, as systemd listens again) synchronizes.
An engine that dies is connected to again after meridiand's back-off; with NTP off (kept
across a restart of meridiand) nothing connects and no engine runs.
meridiand runs in a network namespace of its own (PrivateNetwork=yes in its unit).
The Accept=yes shape (an accepted connection as fd 3) is checked on its own: a non-root peer
is refused and that engine exits 1."""

import os
import pathlib
import pwd
import shutil
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / 'integration'))

import harness  # noqa: E402
from harness import TIMEOUT_SCALE  # noqa: E402
from test_ntp_engine import ChronydCase, chronyd_q, free_low_port  # noqa: E402

HELLO = b'meridian-engine-hello 1'   # service/privsep/mrd-engine-launch.h
PEER = r'''
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("connect:", e); sys.exit(3)
s.settimeout(10)
try:
    s.send(sys.argv[2].encode())
    data = s.recv(4096)
except TimeoutError:
    print("still open after 10 s"); sys.exit(2)   # served, not refused
except OSError as e:
    print("io:", e); sys.exit(0)   # reset: refused too
sys.exit(0 if data == b"" else 2)  # EOF: the engine closed it
'''


class EngineSocket(ChronydCase):
    def setUp(self):
        super().setUp()
        if not shutil.which('systemd-socket-activate'):
            self.skipTest('systemd-socket-activate is not installed (package systemd)')
        r = subprocess.run(['unshare', '--net', 'true'], capture_output=True, text=True)
        if r.returncode != 0:
            self.skipTest(f'unshare --net is not permitted here: {r.stderr.strip()}')
        # The engine executable, built beside meridiand (service/meson.build).
        self.engine_exe = os.environ.get('MERIDIAN_ENGINE') or str(
            pathlib.Path(self.meridiand).parent / 'meridian-engine')
        if not os.access(self.engine_exe, os.X_OK):
            self.skipTest(f'meridian-engine is not built ({self.engine_exe})')
        nobody = pwd.getpwnam('nobody')
        self.engine_ids = (nobody.pw_uid, nobody.pw_gid)
        self.sock = self.tmp / 'engine.sock'
        self.engine = None
        self.engine_log = self.tmp / 'engine.log'
        self.addCleanup(self._stop_engine)

    def daemon_argv(self, *extra, **kw):
        # meridiand in a network namespace of its own with nothing but a loopback that is
        # down, as PrivateNetwork=yes runs it: the bus and the engine's socket are paths in
        # the file system, which reach across network namespaces.
        return ['unshare', '--net'] + super().daemon_argv(*extra, **kw)

    def engine_argv(self, accept=False, bind_service=False):
        uid, gid = self.engine_ids
        # systemd-socket-activate gives its child no environment but what -E names.
        # LeakSanitizer's check at exit stops the world with ptrace(2), which the engine's
        # filter (rightly) kills with SIGSYS: leave it out for the engine.
        asan = ':'.join(filter(None, [os.environ.get('ASAN_OPTIONS', ''), 'detect_leaks=0']))
        env = [f'--setenv=ASAN_OPTIONS={asan}']
        env += [f'--setenv={k}={os.environ[k]}' for k in ('UBSAN_OPTIONS', 'G_DEBUG', 'LC_ALL')
                if k in os.environ]
        return (['systemd-socket-activate', '--seqpacket', '-l', str(self.sock)] + env +
                (['--accept'] if accept else []) +
                ['setpriv', f'--reuid={uid}', f'--regid={gid}', '--clear-groups']
                # data/meridian-engine-serve.conf's drop-in: CAP_NET_BIND_SERVICE, ambient
                + (['--bounding-set=-all,+net_bind_service', '--inh-caps=-all,+net_bind_service',
                    '--ambient-caps=+net_bind_service'] if bind_service else
                   ['--bounding-set=-all', '--inh-caps=-all'])
                + ['--no-new-privs', self.engine_exe, '--engine-activated', '--verbose'])

    def listen(self, accept=False, bind_service=False):
        """A listener on self.sock (a new one each time, as systemd listens again once the
        engine exited); its process becomes the engine on the first connection."""
        if self.sock.exists():
            self.sock.unlink()
        log = open(self.engine_log, 'ab')
        self.engine = subprocess.Popen(self.engine_argv(accept, bind_service), stdout=log,
                                       stderr=subprocess.STDOUT)
        log.close()
        self.wait_until(self.sock.exists, timeout=10, what='the listening socket')
        # The unit's SocketMode=0600 keeps others out; opened here so that the engine's own
        # check is what refuses them.
        self.sock.chmod(0o666)
        return self.engine

    def _stop_engine(self):
        if self.engine is not None and self.engine.poll() is None:
            self.engine.terminate()
            try:
                self.engine.wait(10)
            except subprocess.TimeoutExpired:
                self.engine.kill()
                self.engine.wait()
        sys.stderr.write(f'----- engine -----\n{self.engine_log.read_text(errors="replace")}'
                         f'\n----- end of engine log -----\n')

    def status(self, pid):
        return dict(line.split(':', 1) for line in
                    pathlib.Path(f'/proc/{pid}/status').read_text().splitlines())

    def peer(self, as_root, hello=HELLO.decode()):
        uid, gid = self.engine_ids
        argv = ([] if as_root else ['setpriv', f'--reuid={uid}', f'--regid={gid}',
                                    '--clear-groups'])
        return subprocess.run(argv + ['/usr/bin/python3', '-c', PEER, str(self.sock), hello],
                              capture_output=True, text=True, timeout=30 * TIMEOUT_SCALE)

    def test_engine_unit_shape_synchronizes_refuses_others_and_follows_set_ntp(self):
        self.write_config(self.server_line)
        engine = self.listen()
        self.start_seed_daemon('0.5', f'--engine-socket={self.sock}')
        self.wait_synchronized(timeout=60)   # through the activated engine, under its filter
        # The listener became the engine (exec: the same pid).
        status = self.status(engine.pid)
        self.assertIn('meridian-engine', pathlib.Path(f'/proc/{engine.pid}/cmdline').read_text())
        uids = [int(x) for x in status['Uid'].split()]
        self.assertEqual(uids, [self.engine_ids[0]] * 4, f'engine uids {uids}')
        self.assertEqual(int(status['CapEff'].strip(), 16), 0)
        self.assertEqual(int(status['CapPrm'].strip(), 16), 0)
        self.assertEqual(int(status['CapBnd'].strip(), 16) & (1 << 25), 0, 'CAP_SYS_TIME')
        self.assertEqual(status['Seccomp'].strip(), '2')
        self.assertEqual(status['NoNewPrivs'].strip(), '1')
        self.assertNotEqual(os.readlink(f'/proc/{self.daemon.pid}/ns/net'),
                            os.readlink('/proc/self/ns/net'), 'meridiand shares our network')
        # meridiand has no engine child of its own in socket mode.
        self.assertNotIn('--engine-child', self.daemon.log())
        self.assertIsNone(self.engine_pid())

        # A peer that is not root: accepted only to be closed; meridiand is still served.
        r = self.peer(as_root=False)
        self.assertEqual(r.returncode, 0, f'non-root peer: {r.stdout} {r.stderr}')
        self.wait_until(lambda: 'Refused a peer running as uid %d' % self.engine_ids[0]
                        in self.engine_log.read_text(), timeout=10, what='the refusal logged')
        # A second root peer: refused too (one daemon per engine).
        r = self.peer(as_root=True)
        self.assertEqual(r.returncode, 0, f'second root peer: {r.stdout} {r.stderr}')
        self.wait_until(lambda: 'Refused a second connection' in self.engine_log.read_text(),
                        timeout=10, what='the second refusal logged')
        self.assertIsNone(engine.poll())
        polled = self.server_requests()
        self.assertTrue(self.get_property('NTPSynchronized'))

        # SetNTP(false): the connection closes and the engine exits (0: asked to).
        self.call('SetNTP', False, False)
        self.assertEqual(engine.wait(10 * TIMEOUT_SCALE), 0)
        self.wait_until(lambda: not self.get_property('NTPSynchronized'), timeout=10,
                        what='NTPSynchronized false')
        self.assertGreaterEqual(self.server_requests(), polled)
        self.assertNotIn('closed the connection', self.daemon.log())   # not taken as a crash

        # SetNTP(true): meridiand connects again, which starts a new engine.
        engine2 = self.listen()
        self.call('SetNTP', True, False)
        self.wait_synchronized(timeout=60)
        self.assertNotEqual(engine2.pid, engine.pid)
        self.assertEqual(self.status(engine2.pid)['Seccomp'].strip(), '2')
        self.assertIsNone(engine2.poll())
        self.assertNotIn('killed by signal', self.engine_log.read_text())

    def test_engine_unit_serves_port_under_1024_and_gives_the_capability_up(self):
        """With the drop-in data/meridian-engine-serve.conf (CAP_NET_BIND_SERVICE, ambient),
        the engine binds a port under 1024 for `allow` itself (meridiand, in its own network
        namespace, cannot), serves the disciplined time (chronyd -Q reads it within 10 ms of the
        real clock; it started 0.5 s off), and holds no capability once configured."""
        port = free_low_port()
        if port is None:
            self.skipTest('no free UDP port under 1024 on 127.0.0.1')
        self.write_config(self.server_line.replace('minpoll 4 maxpoll 4', 'minpoll -2 maxpoll -2'),
                          'makestep 0.1 3', 'allow 127.0.0.1', f'port {port}',
                          'bindaddress 127.0.0.1')
        engine = self.listen(bind_service=True)
        self.start_seed_daemon('0.5', f'--engine-socket={self.sock}')
        self.wait_synchronized(timeout=60)
        self.wait_until(lambda: 'Serving NTP on port %d' % port in self.engine_log.read_text(),
                        timeout=10, what='the engine serving')
        status = self.status(engine.pid)
        self.assertEqual(int(status['CapEff'].strip(), 16), 0)
        self.assertEqual(int(status['CapPrm'].strip(), 16), 0)
        self.assertEqual(int(status['CapAmb'].strip(), 16), 0)
        self.assertIn('Gave up CAP_NET_BIND_SERVICE', self.engine_log.read_text())
        # meridiand did not try: it has no network.
        self.assertNotIn('NTP server:', self.daemon.log())
        self.wait_until(lambda: abs(self.tracking('TrueOffset')) < 1e-3, timeout=30,
                        what='|TrueOffset| < 1 ms')
        err, out = chronyd_q(port, timeout=30 * TIMEOUT_SCALE)
        self.assertIsNotNone(err, out)
        self.assertLess(abs(err), 0.01, out)
        self.assertNotIn('killed by signal', self.engine_log.read_text())

    def is_engine(self, proc):
        """The listener became the engine (it execs on the first connection)."""
        try:
            exe = pathlib.Path(os.readlink(f'/proc/{proc.pid}/exe'))
        except OSError:
            return False
        return exe == pathlib.Path(self.engine_exe).resolve()

    def test_engine_lost_is_reconnected_and_none_runs_while_ntp_is_off(self):
        self.write_config(self.server_line)
        engine = self.listen()
        self.start_seed_daemon('0.5', f'--engine-socket={self.sock}')
        self.wait_until(lambda: self.is_engine(engine), timeout=10, what='the engine started')
        # The engine dies: meridiand takes it as lost and connects again after its back-off.
        engine.kill()
        engine.wait()
        engine2 = self.listen()
        self.wait_until(lambda: self.is_engine(engine2), timeout=10 * TIMEOUT_SCALE,
                        what='a new engine after the first was killed')
        self.assertIn('closed the connection', self.daemon.log())
        self.assertIn('Starting the NTP engine again in 1 s', self.daemon.log())
        # NTP off, kept across a restart of meridiand: nothing connects, no engine runs.
        self.call('SetNTP', False, False)
        self.assertEqual(engine2.wait(10 * TIMEOUT_SCALE), 0)
        self.restart_daemon('--virtual-offset=0.5', f'--engine-socket={self.sock}')
        listener = self.listen()
        self.assertFalse(self.get_property('NTP'))
        # meridiand connects (if at all) while it starts, before it takes its bus names, and
        # the listener execs the engine at once on a connection: a second is ample.
        time.sleep(1)
        self.assertFalse(self.is_engine(listener), 'an engine started while NTP is off')
        self.assertIsNone(listener.poll())
        self.call('SetNTP', True, False)
        self.wait_until(lambda: self.is_engine(listener), timeout=10, what='the engine on SetNTP true')

    def test_accepted_connection_from_non_root_is_refused(self):
        # Accept=yes shape: each connection its own engine, given the accepted socket.
        listener = self.listen(accept=True)
        r = self.peer(as_root=False)
        self.assertEqual(r.returncode, 0, f'non-root peer: {r.stdout} {r.stderr}')
        # A root peer that sends something else than the hello is refused as well.
        r = self.peer(as_root=True, hello='configure')
        self.assertEqual(r.returncode, 0, f'root peer without hello: {r.stdout} {r.stderr}')
        self.wait_until(lambda: 'not the hello' in self.engine_log.read_text(), timeout=10,
                        what='the missing hello logged')
        log = self.engine_log.read_text()
        self.assertIn('Refused a peer running as uid %d' % self.engine_ids[0], log)
        self.assertIsNone(listener.poll())


if __name__ == '__main__':
    harness.main()
