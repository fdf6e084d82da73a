# SPDX-License-Identifier: GPL-2.0-or-later
"""chronyc's source modification commands (minpoll, maxpoll, maxdelay, maxdelayratio,
maxdelaydevratio, minstratum, polltarget) through meridiand (Sources.ModifySource and
meridianctl), against a real chronyd on loopback (chronyd -x), on a private bus.

chronyd's serverstats counts the requests it receives, so the poll interval the engine runs
at is measured where the requests arrive, not only read from the Poll property."""

import os
import time

import harness
from harness import SOURCES, NATIVE
from test_connectivity import ConnectivityCase
from test_ntp_engine import SOURCE_IFACE

UNKNOWN_SOURCE = 'org.meridian.Time1.Error.UnknownSource'
INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'
EXIT_INVALID = 4


class ModifySource(ConnectivityCase):
    def start_synchronized(self):
        # server_line polls every 16 s (minpoll 4 maxpoll 4)
        self.write_config(self.server_line)
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)
        (path, src), = self.sources().items()
        return path, harness.Iface(NATIVE.name, path, SOURCE_IFACE)

    def requests_in(self, seconds):
        """Requests chronyd receives in the next `seconds`, counted from a moment later (one
        already in flight may still arrive)."""
        time.sleep(0.5)
        before = self.server_requests()
        time.sleep(seconds)
        return self.server_requests() - before

    def test_maxpoll_and_minpoll_change_options_poll_and_the_requests(self):
        path, source = self.start_synchronized()
        self.assertIn('minpoll 4', self.sources()[path]['Options'])
        watch = self.watch_properties(source)

        # maxpoll 1 below minpoll 4: minpoll follows it down, as chronyd does
        r = self.ctl('maxpoll', '127.0.0.1', '1')
        self.assertEqual(r.stdout, '200 OK\n')
        self.assertEqual(r.stderr, '')
        options = self.sources()[path]['Options']
        self.assertIn('minpoll 1', options)
        self.assertIn('maxpoll 1', options)
        self.assertNotIn('minpoll 4', options)
        self.wait_until(lambda: self.sources()[path]['Poll'] == 1, timeout=10,
                        what='Poll 1')
        # a 2-s poll at once: the next request does not wait out the old 16 s
        self.assertGreaterEqual(self.requests_in(8.0), 3)
        self.assertTrue(watch.wait_for('Options', options))
        self.assertEqual(sum('Options' in changed for changed, _ in watch.changes), 1,
                         watch.changes)

        # minpoll 3 above maxpoll 1: maxpoll follows it up
        self.assertEqual(self.call('ModifySource', '127.0.0.1', 'minpoll', '3', False,
                                   iface=SOURCES), None)
        options = self.sources()[path]['Options']
        self.assertIn('minpoll 3', options)
        self.assertIn('maxpoll 3', options)
        self.wait_until(lambda: self.sources()[path]['Poll'] == 3, timeout=10,
                        what='Poll 3')
        self.assertLessEqual(self.requests_in(7.0), 1)
        self.assertTrue(watch.wait_for('Options', options))
        # the same value again changes nothing and needs no authorization
        self.polkit_deny_all()
        self.call('ModifySource', '127.0.0.1', 'minpoll', '3', False, iface=SOURCES)
        watch.settle()
        self.assertEqual(sum('Options' in changed for changed, _ in watch.changes), 2,
                         watch.changes)

    def test_maxdelay_below_the_path_delay_refuses_samples_until_raised(self):
        self.write_config(self.server_line.replace('minpoll 4 maxpoll 4', 'minpoll 1 maxpoll 1'))
        self.start_seed_daemon()
        self.wait_synchronized(timeout=60)
        (path, src), = self.sources().items()
        self.assertLess(src['Delay'], 0.01)
        # 0.1 µs: no loopback round trip is that short
        self.ctl('maxdelay', '127.0.0.1', '0.0000001')
        self.assertIn('maxdelay 1e-07', self.sources()[path]['Options'])
        time.sleep(8.0)
        src = self.sources()[path]
        self.assertGreater(src['LastRxAgo'], 6.0, 'samples still taken')
        self.assertNotEqual(src['Reach'], 0, 'chronyd stopped answering')
        self.ctl('maxdelay', '127.0.0.1', '1')
        self.wait_until(lambda: 0 <= self.sources()[path]['LastRxAgo'] < 3.0, timeout=10,
                        what='a sample taken again')
        for option, value in (('maxdelayratio', '3'), ('maxdelaydevratio', '5'),
                              ('polltarget', '12'), ('minstratum', '4')):
            self.ctl(option, '127.0.0.1', value)
            self.assertIn(f'{option} {value}', self.sources()[path]['Options'])
        # minstratum: the source counts as at least stratum 4 (chronyd serves 1 here), and
        # the clock that follows it is one more
        self.assertLess(src['Stratum'], 4)
        self.wait_until(lambda: self.sources()[path]['Stratum'] == 4, timeout=10,
                        what='Stratum 4')
        self.wait_until(lambda: self.tracking('Stratum') == 5, timeout=10,
                        what='tracking stratum 5')

    def test_unknown_sources_and_bad_values_are_refused_and_change_nothing(self):
        path, source = self.start_synchronized()
        before = self.sources()[path]
        for address, option, value, error in (
                ('192.0.2.99', 'minpoll', '6', UNKNOWN_SOURCE),
                ('no-such-name.example', 'minpoll', '6', UNKNOWN_SOURCE),
                ('127.0.0.1', 'minpoll', 'abc', INVALID_ARGS),
                ('127.0.0.1', 'minpoll', '25', INVALID_ARGS),
                ('127.0.0.1', 'maxdelay', '-1', INVALID_ARGS),
                ('127.0.0.1', 'polltarget', '61', INVALID_ARGS),
                ('127.0.0.1', 'port', '124', INVALID_ARGS),
                ('127.0.0.0/8', 'minpoll', '6', INVALID_ARGS),
                ('', 'minpoll', '6', INVALID_ARGS)):
            with self.assertRaises(harness.DBusError, msg=(address, option, value)) as cm:
                self.call('ModifySource', address, option, value, False, iface=SOURCES)
            self.assertEqual(cm.exception.name, error, (address, option, value))
        r = self.ctl('minpoll', '192.0.2.99', '6', code=EXIT_INVALID)
        self.assertEqual(r.stdout, '')
        self.assertIn('no such NTP source', r.stderr)
        for argv in (('minpoll', '127.0.0.1', 'abc'), ('maxdelay', '127.0.0.1', '-1')):
            r = self.ctl(*argv, code=EXIT_INVALID)
            self.assertEqual(r.stdout, '')
        time.sleep(1.0)
        after = self.sources()[path]
        self.assertEqual(after['Options'], before['Options'])
        self.assertEqual(after['Poll'], before['Poll'])

    def test_a_modification_outlives_a_restart_of_the_engine_child(self):
        path, source = self.start_synchronized()
        self.ctl('maxpoll', '127.0.0.1', '1')
        self.wait_until(lambda: self.sources()[path]['Poll'] == 1, timeout=10, what='Poll 1')
        pid = self.engine_pid()
        os.kill(pid, 9)
        self.wait_until(lambda: self.engine_pid() not in (None, pid), timeout=15,
                        what='a new engine child')
        # the new child's iburst is over within some 8 s; after it, its poll is the one given
        # to the old child (2 s), not the configured 16 s
        self.wait_until(lambda: self.sources()[path]['Reach'] != 0, timeout=15,
                        what='the new child to hear chronyd')
        time.sleep(10.0)
        self.assertGreaterEqual(self.requests_in(8.0), 3)
        self.assertEqual(self.sources()[path]['Poll'], 1)
        self.assertIn('maxpoll 1', self.sources()[path]['Options'])


if __name__ == '__main__':
    harness.main()
