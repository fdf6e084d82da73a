#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Authorization matrix with the polkitd stand-in (dbusmock): every mutating method, on the
native interface and on org.freedesktop.timedate1, is tried once with ONLY its own action
granted (it must succeed, and the change must show on disk, in the property and in a
PropertiesChanged signal) and once with EVERY OTHER action granted (it must fail with
AccessDenied and change nothing). Together they pin each method to exactly one action."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ACTION, ALL_ACTIONS, FDO, NATIVE, SOURCES  # noqa: E402

ACCESS_DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
HOUR_USEC = 3600 * 1000000
TEST_SOURCE = 'server 127.0.0.1 port 12399 iburst'


class PolkitMatrix(harness.MeridianTestCase):

    def setUp(self):
        super().setUp()
        self.polkit_allow_all()
        self.start_daemon()

    def only(self, action):
        self.polkit_allow([action])

    def all_but(self, action):
        self.polkit_allow([a for a in ALL_ACTIONS if a != action])

    def assert_denied(self, fn):
        with self.assertRaises(harness.DBusError) as cm:
            fn()
        self.assertEqual(cm.exception.name, ACCESS_DENIED, str(cm.exception))

    # ---- SetTimezone -----------------------------------------------------------------------
    def _set_timezone(self, iface, allowed):
        before_prop = self.get_property('Timezone', iface)
        self.assertNotEqual(before_prop, 'Asia/Seoul')
        w = self.watch_properties(iface)
        snap = self.snapshot_root()
        if allowed:
            self.only(harness.action_for(iface, 'set-timezone'))
            self.call('SetTimezone', 'Asia/Seoul', False, iface=iface)
            self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Seoul')
            self.assertEqual(self.etc_timezone(), 'Asia/Seoul')
            self.assertEqual(self.get_property('Timezone', iface), 'Asia/Seoul')
            self.assertEqual(self.get_property('Timezone', NATIVE), 'Asia/Seoul')
            self.assertTrue(w.wait_for('Timezone', 'Asia/Seoul'),
                            f'no PropertiesChanged(Timezone) on {iface.interface}: {w.changes}')
        else:
            self.all_but(harness.action_for(iface, 'set-timezone'))
            self.assert_denied(lambda: self.call('SetTimezone', 'Asia/Seoul', False, iface=iface))
            self.assert_root_unchanged(snap)
            self.assertEqual(self.get_property('Timezone', iface), before_prop)
            w.settle()
            self.assertFalse(w.seen('Timezone'), f'Timezone announced after a denial: {w.changes}')

    # ---- SetNTP ----------------------------------------------------------------------------
    def _set_ntp(self, iface, allowed):
        before = self.get_property('NTP', iface)
        self.assertTrue(self.get_property('CanNTP', iface), 'CanNTP is false: SetNTP cannot work')
        w = self.watch_properties(iface)
        snap = self.snapshot_root()
        if allowed:
            self.only(harness.action_for(iface, 'set-ntp'))
            self.call('SetNTP', not before, False, iface=iface)
            self.assertEqual(self.get_property('NTP', iface), not before)
            self.assertEqual(self.get_property('NTP', NATIVE), not before)
            self.assertTrue(w.wait_for('NTP', not before),
                            f'no PropertiesChanged(NTP) on {iface.interface}: {w.changes}')
            after = self.snapshot_root()
            self.assertNotEqual(snap, after, 'SetNTP persisted nothing under the root')
        else:
            self.all_but(harness.action_for(iface, 'set-ntp'))
            self.assert_denied(lambda: self.call('SetNTP', not before, False, iface=iface))
            self.assert_root_unchanged(snap)
            self.assertEqual(self.get_property('NTP', iface), before)
            w.settle()
            self.assertFalse(w.seen('NTP'), f'NTP announced after a denial: {w.changes}')

    # ---- SetLocalRTC -----------------------------------------------------------------------
    def _set_local_rtc(self, iface, allowed):
        self.assertFalse(self.get_property('LocalRTC', iface))
        w = self.watch_properties(iface)
        snap = self.snapshot_root()
        if allowed:
            self.only(harness.action_for(iface, 'set-local-rtc'))
            self.call('SetLocalRTC', True, False, False, iface=iface)
            lines = self.adjtime_lines()
            self.assertGreaterEqual(len(lines), 3, lines)
            self.assertEqual(lines[2], 'LOCAL')
            self.assertTrue(self.get_property('LocalRTC', iface))
            self.assertTrue(self.get_property('LocalRTC', NATIVE))
            self.assertTrue(w.wait_for('LocalRTC', True),
                            f'no PropertiesChanged(LocalRTC) on {iface.interface}: {w.changes}')
        else:
            self.all_but(harness.action_for(iface, 'set-local-rtc'))
            self.assert_denied(lambda: self.call('SetLocalRTC', True, False, False, iface=iface))
            self.assert_root_unchanged(snap)
            self.assertFalse(self.get_property('LocalRTC', iface))
            w.settle()
            self.assertFalse(w.seen('LocalRTC'), f'LocalRTC announced after a denial: {w.changes}')

    # ---- SetTime (virtual clock) ---------------------------------------------------------
    def _set_time(self, iface, allowed):
        # SetTime is refused while NTP is on (as timedated does), so turn it off first.
        if self.get_property('NTP', NATIVE):
            self.call('SetNTP', False, False)
        before = self.get_property('TimeUSec', iface)
        t0 = time.monotonic()
        snap = self.snapshot_root()
        if allowed:
            self.only(harness.action_for(iface, 'set-time'))
            self.call('SetTime', before + HOUR_USEC, False, False, iface=iface)
        else:
            self.all_but(harness.action_for(iface, 'set-time'))
            self.assert_denied(lambda: self.call('SetTime', before + HOUR_USEC, False, False,
                                                 iface=iface))
        after = self.get_property('TimeUSec', iface)
        elapsed = (time.monotonic() - t0) * 1e6
        moved = after - before - elapsed
        if allowed:
            self.assertLess(abs(moved - HOUR_USEC), 5 * 1e6,
                            f'clock moved by {moved / 1e6:.3f} s, wanted 3600 s')
            self.assertLess(abs(self.get_property('TimeUSec', NATIVE) - after), 5 * 1e6)
        else:
            self.assertLess(abs(moved), 5 * 1e6, f'clock moved by {moved / 1e6:.3f} s after a denial')
            self.assert_root_unchanged(snap)

    # ---- Sources (manage-sources) ---------------------------------------------------------
    def _source_paths(self):
        v = self.call('GetManagedObjects', iface=harness.Iface(
            NATIVE.name, NATIVE.path, 'org.freedesktop.DBus.ObjectManager'))
        return sorted(p for p, ifaces in v.items() if 'org.meridian.Time1.Source' in ifaces)

    def _add_source(self, allowed):
        before = self._source_paths()
        snap = self.snapshot_root()
        if allowed:
            self.only(ACTION['manage-sources'])
            path = self.call('AddSource', TEST_SOURCE, False, iface=SOURCES)
            self.assertIn(path, self._source_paths())
            self.assertNotIn(path, before)
            addr = self.get_property('Address', harness.Iface(
                NATIVE.name, path, 'org.meridian.Time1.Source'))
            self.assertIn('127.0.0.1', addr)
        else:
            self.all_but(ACTION['manage-sources'])
            self.assert_denied(lambda: self.call('AddSource', TEST_SOURCE, False, iface=SOURCES))
            self.assertEqual(self._source_paths(), before)
            self.assert_root_unchanged(snap)

    def _remove_source(self, allowed):
        path = self.call('AddSource', TEST_SOURCE, False, iface=SOURCES)
        self.assertIn(path, self._source_paths())
        snap = self.snapshot_root()
        if allowed:
            self.only(ACTION['manage-sources'])
            self.call('RemoveSource', path, False, iface=SOURCES)
            self.assertNotIn(path, self._source_paths())
        else:
            self.all_but(ACTION['manage-sources'])
            self.assert_denied(lambda: self.call('RemoveSource', path, False, iface=SOURCES))
            self.assertIn(path, self._source_paths())
            self.assert_root_unchanged(snap)

    def _simple_sources_method(self, method, allowed):
        # Once authorized, Burst, MakeStep, Reselect and Refresh go through the synchronization module to the
        # NTP engine child, which the daemon logs; nothing else changes (the source has no
        # server behind it, so nothing is measured). Refused, they never reach it.
        reached = f'{method}: sent to the NTP engine'
        path = self.call('AddSource', TEST_SOURCE, False, iface=SOURCES)
        sources = self._source_paths()
        ntp = self.get_property('NTP')
        snap = self.snapshot_root()
        self.assertNotIn(reached, self.daemon.log())
        if allowed:
            self.only(ACTION['manage-sources'])
            self.assertIsNone(self.call(method, False, iface=SOURCES))
            self.wait_until(lambda: reached in self.daemon.log(), timeout=5,
                            what=f'the log line of {method}')
            self.assertEqual(self.daemon.log().count(reached), 1)
        else:
            self.all_but(ACTION['manage-sources'])
            self.assert_denied(lambda: self.call(method, False, iface=SOURCES))
            time.sleep(0.2)
            self.assertNotIn(reached, self.daemon.log())
        self.assertEqual(self._source_paths(), sources)
        self.assertIn(path, sources)
        self.assertEqual(self.get_property('NTP'), ntp)
        self.assert_root_unchanged(snap)

    def _modify_source(self, allowed):
        # chronyc maxpoll: the source's Options change only when authorized; refused, the
        # request never reaches the engine and the Options stay as configured.
        path = self.call('AddSource', TEST_SOURCE, False, iface=SOURCES)
        source = harness.Iface(NATIVE.name, path, 'org.meridian.Time1.Source')
        reached = 'ModifySource: maxpoll 8'
        before = self.get_property('Options', source)
        self.assertNotIn('maxpoll 8', before)
        snap = self.snapshot_root()
        if allowed:
            self.only(ACTION['manage-sources'])
            self.assertIsNone(self.call('ModifySource', '127.0.0.1', 'maxpoll', '8', False,
                                        iface=SOURCES))
            self.assertIn('maxpoll 8', self.get_property('Options', source))
            self.wait_until(lambda: reached in self.daemon.log(), timeout=5,
                            what='the log line of ModifySource')
        else:
            self.all_but(ACTION['manage-sources'])
            self.assert_denied(lambda: self.call('ModifySource', '127.0.0.1', 'maxpoll', '8',
                                                 False, iface=SOURCES))
            time.sleep(0.2)
            self.assertEqual(self.get_property('Options', source), before)
            self.assertNotIn(reached, self.daemon.log())
        # runtime only, as chronyd: nothing written either way
        self.assert_root_unchanged(snap)


CASES = {
    'native_set_timezone': lambda self, a: self._set_timezone(NATIVE, a),
    'native_set_ntp': lambda self, a: self._set_ntp(NATIVE, a),
    'native_set_local_rtc': lambda self, a: self._set_local_rtc(NATIVE, a),
    'native_set_time': lambda self, a: self._set_time(NATIVE, a),
    'native_add_source': lambda self, a: self._add_source(a),
    'native_remove_source': lambda self, a: self._remove_source(a),
    'native_burst': lambda self, a: self._simple_sources_method('Burst', a),
    'native_make_step': lambda self, a: self._simple_sources_method('MakeStep', a),
    'native_reselect': lambda self, a: self._simple_sources_method('Reselect', a),
    'native_refresh': lambda self, a: self._simple_sources_method('Refresh', a),
    'native_modify_source': lambda self, a: self._modify_source(a),
    'timedate1_set_timezone': lambda self, a: self._set_timezone(FDO, a),
    'timedate1_set_ntp': lambda self, a: self._set_ntp(FDO, a),
    'timedate1_set_local_rtc': lambda self, a: self._set_local_rtc(FDO, a),
    'timedate1_set_time': lambda self, a: self._set_time(FDO, a),
}

for _name, _fn in CASES.items():
    setattr(PolkitMatrix, f'test_{_name}_allowed_with_only_its_action',
            (lambda fn: lambda self: fn(self, True))(_fn))
    setattr(PolkitMatrix, f'test_{_name}_denied_with_all_other_actions',
            (lambda fn: lambda self: fn(self, False))(_fn))

if __name__ == '__main__':
    harness.main()
