# SPDX-License-Identifier: GPL-2.0-or-later
"""chronyc's offline / online / onoffline through meridiand (Sources.SetConnectivity and
meridianctl), against a real chronyd on loopback (chronyd -x), on a private bus.

chronyd's serverstats counts the requests it receives: offline, none arrive for a window of
several poll intervals; online, they resume. onoffline and auto_offline run the daemon in a
network namespace of the test's own, where only loopback has a route."""

import json
import os
import shutil
import subprocess
import time

import harness
from harness import ACTION, SOURCES, DaemonProcess, NATIVE
from test_ntp_engine import SOURCE_IFACE, ChronydCase, free_udp_port

MERIDIANCTL = os.environ.get('MERIDIANCTL', '')
ACCESS_DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
UNKNOWN_SOURCE = 'org.meridian.Time1.Error.UnknownSource'
INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'
# TEST-NET-2 (RFC 5737): never routed on the Internet; in the test's namespace no route at all.
NO_ROUTE = '198.51.100.7'
NO_ROUTE_AUTO = '198.51.100.8'


class ConnectivityCase(ChronydCase):
    def setUp(self):
        if not (MERIDIANCTL and os.access(MERIDIANCTL, os.X_OK)):
            self.skipTest(f'meridianctl is not built (MERIDIANCTL={MERIDIANCTL!r})')
        super().setUp()

    def ctl(self, *args, code=0):
        r = self.run_client([MERIDIANCTL, *args])
        self.assertEqual(r.returncode, code, f'meridianctl {args}: {r.stdout} {r.stderr}')
        return r

    def source_by_name(self, name):
        found = [s for s in self.sources().values() if s['Name'] == name]
        self.assertEqual(len(found), 1, f'{name} in {self.sources()}')
        return found[0]

    def online(self, name):
        return self.source_by_name(name)['Online']


class OfflineOnline(ConnectivityCase):
    def test_offline_stops_requests_online_resumes_and_the_source_stays_listed(self):
        # A 2-s poll: a window of 8 s without a request is four poll intervals.
        self.write_config(self.server_line.replace('minpoll 4 maxpoll 4', 'minpoll 1 maxpoll 1'))
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)
        (path, src), = self.sources().items()
        self.assertTrue(src['Online'])
        source = harness.Iface(NATIVE.name, path, SOURCE_IFACE)
        watch = self.watch_properties(source)

        r = self.ctl('offline')
        self.assertEqual(r.stdout, '200 OK\n')
        self.assertEqual(r.stderr, '')
        self.assertTrue(watch.wait_for('Online', False), 'Online=false was not announced')
        # A request already in flight may still arrive: count from a moment later.
        time.sleep(1.0)
        before = self.server_requests()
        time.sleep(8.0)
        self.assertEqual(self.server_requests(), before, 'requests reached chronyd while offline')
        # Still listed, unreachable as chronyc shows an offline source ('?', reach 0), its
        # last sample kept and ageing.
        src = self.sources()[path]
        self.assertFalse(src['Online'])
        self.assertEqual(src['Reach'], 0)
        self.assertEqual(src['State'], 'unusable')
        self.assertGreater(src['LastRxAgo'], 8.0)
        self.assertGreater(src['Samples'], 0)
        row = self.ctl('sources', '-c').stdout.strip().split(',')
        self.assertEqual(row[:3], ['^', '?', '127.0.0.1'])
        self.assertEqual(row[5], '0')
        # --json carries the connectivity (chronyc has no JSON; the property by its name).
        listed, = json.loads(self.ctl('--json', 'sources').stdout)
        self.assertIs(listed['Online'], False)
        # Announced once: a single PropertiesChanged carried Online.
        self.assertEqual(sum('Online' in changed for changed, _ in watch.changes), 1)
        # chronyc's -c changes nothing in the reply; a second offline changes nothing.
        self.assertEqual(self.ctl('-c', 'offline', '127.0.0.1').stdout, '200 OK\n')

        self.assertEqual(self.ctl('online', '127.0.0.0/8').stdout, '200 OK\n')
        self.wait_until(lambda: self.server_requests() > before, timeout=10,
                        what='requests to resume at chronyd')
        self.wait_until(lambda: self.sources()[path]['Reach'] != 0, timeout=10,
                        what='the source to be reachable again')
        self.assertTrue(self.sources()[path]['Online'])
        self.assertTrue(watch.wait_for('Online', True))
        self.assertEqual(sum('Online' in changed for changed, _ in watch.changes), 2)

    def test_activity_counts_bursts_and_offline_sources_as_chronyc(self):
        # chronyd, and an offline source where nothing listens.
        self.write_config(self.server_line, f'server 127.0.0.2 port {free_udp_port()} offline')
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)

        def activity():
            return self.ctl('-c', 'activity').stdout

        # iburst's burst over: one online, one offline.
        self.wait_until(lambda: activity() == '1,1,0,0,0\n', timeout=30,
                        what='the iburst to end')
        self.assertEqual(self.ctl('activity').stdout,
                         '200 OK\n1 sources online\n1 sources offline\n'
                         '0 sources doing burst (return to online)\n'
                         '0 sources doing burst (return to offline)\n'
                         '0 sources with unknown address\n')
        self.assertEqual(json.loads(self.ctl('--json', 'activity').stdout),
                         {'online': 1, 'offline': 1, 'burst_online': 0, 'burst_offline': 0,
                          'unknown_address': 0})
        # A burst samples both, the offline one too (4 good replies of at most 8 requests,
        # 2 s apart), each going back to what it was after it: chronyd's answers end its
        # burst within seconds, while the silent one's runs on for all 8 requests.
        self.ctl('burst')
        self.wait_until(lambda: activity() == '0,0,1,1,0\n', timeout=5,
                        what='both sources in a burst')
        self.wait_until(lambda: activity() == '1,0,0,1,0\n', timeout=12,
                        what="chronyd's burst to end, the other's to go on")
        self.ctl('activity', 'extra', code=2)

    def test_burst_good_max_samples_the_sources_named_as_chronyc(self):
        # chronyc burst GOOD/MAX [MASK]: chronyd (the server) counts the requests. At a 16-s
        # poll, 4/4 for the server's address brings four within a few seconds; the silent
        # source named alone sends nothing to chronyd.
        silent_port = free_udp_port()
        self.write_config(self.server_line, f'server 127.0.0.2 port {silent_port}')
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)
        self.wait_until(lambda: self.ctl('-c', 'activity').stdout.startswith('2,0,0,'),
                        timeout=30, what='the iburst to end')
        for argv, code in ((['burst', '4/4', '192.0.2.9'], 4), (['burst', '0/4'], 4),
                           (['burst', '5/4'], 4), (['burst', '4/65'], 4),
                           (['burst', '4/4', '300.1.2.3/8'], 4),
                           (['burst', '4'], 2), (['burst', '4/4x'], 2),
                           (['burst', '4/4', '127.0.0.1', 'now'], 2)):
            r = self.ctl(*argv, code=code)
            self.assertEqual(r.stdout, '', argv)
        r = self.ctl('--verbose', 'burst', '4/4', '192.0.2.9', code=4)
        self.assertIn('No source matches', r.stderr)

        before = self.server_requests()
        self.assertEqual(self.ctl('burst', '1/1', '127.0.0.2').stdout, '200 OK\n')
        time.sleep(3)
        self.assertLessEqual(self.server_requests() - before, 1, 'the other source burst too')
        before = self.server_requests()
        start = time.monotonic()
        self.assertEqual(self.ctl('burst', '4/4', '127.0.0.1').stdout, '200 OK\n')
        self.wait_until(lambda: self.server_requests() - before >= 4, timeout=12,
                        what='four requests of the burst at chronyd')
        took = time.monotonic() - start
        time.sleep(4)
        # the four, and at most the regular poll's one since
        self.assertLessEqual(self.server_requests() - before, 5)
        self.assertLess(took, 12)

    def test_offline_outlives_a_restart_of_the_engine_child(self):
        self.write_config(self.server_line.replace('minpoll 4 maxpoll 4', 'minpoll 1 maxpoll 1'))
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)
        self.ctl('offline', '127.0.0.1')
        self.wait_until(lambda: not self.online('127.0.0.1'), timeout=10, what='offline')
        pid = self.engine_pid()
        os.kill(pid, 9)
        self.wait_until(lambda: self.engine_pid() not in (None, pid), timeout=15,
                        what='a new engine child')
        # The daemon gives the new child the command again: it polls nothing.
        time.sleep(1.0)
        before = self.server_requests()
        time.sleep(6.0)
        self.assertEqual(self.server_requests(), before, 'the new engine child polls')
        self.assertFalse(self.online('127.0.0.1'))
        self.ctl('online')
        self.wait_until(lambda: self.server_requests() > before, timeout=10,
                        what='requests to resume at chronyd')

    def test_offline_given_while_ntp_is_off_holds_when_it_is_turned_on(self):
        self.write_config(self.server_line.replace('minpoll 4 maxpoll 4', 'minpoll 1 maxpoll 1'))
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)
        # NTP off while nothing is being slewed (stopped mid-slew, the clock would keep the
        # slew's frequency, which is not what this test is about).
        self.wait_until(lambda: abs(self.tracking('TrueOffset')) < 1e-3, timeout=60,
                        what='the slew to finish')
        self.call('SetNTP', False, False)
        self.assertEqual(self.ctl('offline', '127.0.0.1').stdout, '200 OK\n')
        before = self.server_requests()
        self.call('SetNTP', True, False)
        time.sleep(6.0)
        self.assertEqual(self.server_requests(), before, 'polled after NTP was turned on')
        self.assertFalse(self.online('127.0.0.1'))
        self.ctl('online')
        self.wait_until(lambda: self.server_requests() > before, timeout=10,
                        what='requests to resume at chronyd')
        self.wait_synchronized(timeout=30)

    def test_unauthorized_caller_is_refused_and_nothing_changes(self):
        self.write_config(self.server_line.replace('minpoll 4 maxpoll 4', 'minpoll 1 maxpoll 1'))
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)
        self.polkit_allow([a for a in harness.ALL_ACTIONS if a != ACTION['manage-sources']])
        with self.assertRaises(harness.DBusError) as cm:
            self.call('SetConnectivity', 'offline', '', False, iface=SOURCES)
        self.assertEqual(cm.exception.name, ACCESS_DENIED)
        r = self.ctl('offline', '127.0.0.1', code=3)
        self.assertEqual(r.stdout, '')
        before = self.server_requests()
        self.wait_until(lambda: self.server_requests() >= before + 2, timeout=10,
                        what='polling to go on')
        self.assertTrue(self.online('127.0.0.1'))

    def test_bad_masks_and_unknown_sources_are_refused(self):
        self.write_config(self.server_line)
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)
        for connectivity, mask, name in (('offline', '10.9.9.9', UNKNOWN_SOURCE),
                                         ('offline', '127.0.0.2/32', UNKNOWN_SOURCE),
                                         ('offline', 'no.such.example', UNKNOWN_SOURCE),
                                         ('offline', 'foo/bar', INVALID_ARGS),
                                         ('offline', '127.0.0.1/33', INVALID_ARGS),
                                         ('sideways', '', INVALID_ARGS)):
            with self.assertRaises(harness.DBusError) as cm:
                self.call('SetConnectivity', connectivity, mask, False, iface=SOURCES)
            self.assertEqual(cm.exception.name, name, (connectivity, mask))
        # chronyc says "503 No such source"; meridianctl says it its way, exit status 4.
        r = self.ctl('offline', '10.9.9.9', code=4)
        self.assertEqual(r.stdout, '')
        self.assertIn('no such NTP source', r.stderr)
        r = self.ctl('online', 'foo/bar', code=4)
        self.assertIn('rejected', r.stderr)
        self.ctl('onoffline', 'extra', code=2)
        self.ctl('offline', '127.0.0.1', '127.0.0.2', code=2)
        self.assertTrue(self.online('127.0.0.1'))


class OnOffline(ConnectivityCase):
    """The daemon in a network namespace with loopback alone: no route to TEST-NET-2."""

    def start_daemon_without_routes(self):
        probe = subprocess.run(['unshare', '--net', 'ip', 'link', 'set', 'lo', 'up'],
                               capture_output=True, text=True)
        if probe.returncode != 0 or shutil.which('ip') is None:
            self.skipTest(f'cannot make a network namespace here: {probe.stderr.strip()}')
        argv = ['unshare', '--net', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh',
                *self.daemon_argv('--virtual-offset=0.5', '--virtual-freq=-23.054')]
        self.daemon = DaemonProcess(argv, self.env, self.tmp / 'meridiand.log')
        self.addCleanup(self._daemon_teardown, self.daemon)
        self._wait_for_name(NATIVE.name, self.daemon, 15.0)

    def test_onoffline_takes_sources_without_a_route_offline_and_auto_offline(self):
        # chronyd on the host's loopback is not reachable from the namespace: the loopback
        # source there is one with a route and no server, which is all onoffline looks at.
        port = free_udp_port()
        self.write_config(f'server 127.0.0.1 port {port} minpoll 1 maxpoll 1',
                          f'server {NO_ROUTE} iburst',
                          f'server {NO_ROUTE_AUTO} iburst auto_offline')
        self.start_daemon_without_routes()
        # auto_offline: the first request fails with ENETUNREACH and the source goes offline.
        self.wait_until(lambda: not self.online(NO_ROUTE_AUTO), timeout=15,
                        what=f'{NO_ROUTE_AUTO} to go offline by itself')
        self.assertIn(f'Source {NO_ROUTE_AUTO}', self.daemon.log())
        self.assertTrue(self.online(NO_ROUTE))
        self.assertTrue(self.online('127.0.0.1'))
        self.assertIn('auto_offline', self.source_by_name(NO_ROUTE_AUTO)['Options'])

        self.assertEqual(self.ctl('onoffline').stdout, '200 OK\n')
        self.wait_until(lambda: not self.online(NO_ROUTE), timeout=10,
                        what=f'{NO_ROUTE} to go offline')
        self.assertTrue(self.online('127.0.0.1'))
        self.assertFalse(self.online(NO_ROUTE_AUTO))

        # online by hand: it is taken online whatever the route; onoffline takes it back.
        self.ctl('online', NO_ROUTE)
        self.wait_until(lambda: self.online(NO_ROUTE), timeout=10, what=f'{NO_ROUTE} online')
        self.assertFalse(self.online(NO_ROUTE_AUTO))
        self.ctl('onoffline')
        self.wait_until(lambda: not self.online(NO_ROUTE), timeout=10,
                        what=f'{NO_ROUTE} offline again')
        self.assertTrue(self.online('127.0.0.1'))
        self.assertEqual(len(self.sources()), 3)


if __name__ == '__main__':
    harness.main()
