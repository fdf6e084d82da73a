#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Many callers at once, and a caller that goes away while polkit is still deciding."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ACTION, FDO, NATIVE  # noqa: E402

ZONES = ['Asia/Seoul', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Africa/Cairo',
         'Asia/Tokyo', 'Europe/Paris', 'America/Chicago', 'Asia/Kolkata', 'Europe/London',
         'America/Sao_Paulo', 'Pacific/Auckland', 'Asia/Singapore', 'Europe/Moscow',
         'America/Los_Angeles', 'Africa/Lagos', 'Asia/Dubai', 'Europe/Madrid',
         'America/Denver', 'Pacific/Honolulu']


class Concurrency(harness.MeridianTestCase):

    def test_twenty_concurrent_set_timezone_end_consistent(self):
        self.polkit_allow_all()
        # A small polkit delay makes the checks overlap for real.
        self.polkit_mock('SetDelay', 0.02)
        self.start_daemon()
        watch = self.watch_properties(FDO)
        conns = [self.new_connection() for _ in ZONES]
        for c in conns:
            self.addCleanup(c.close_sync, None)
        pending = [self.call_async('SetTimezone', z, False, conn=c, iface=NATIVE if i % 2 else FDO)
                   for i, (z, c) in enumerate(zip(ZONES, conns))]
        self.wait_until(lambda: all(p.done for p in pending), timeout=60,
                        what='20 SetTimezone replies')
        errors = [(z, p.error) for z, p in zip(ZONES, pending) if p.error]
        self.assertEqual(errors, [], 'calls failed')
        prop = self.get_property('Timezone')
        self.assertIn(prop, ZONES)
        self.assertEqual(self.get_property('Timezone', FDO), prop)
        self.assertEqual(self.localtime_target(), f'../usr/share/zoneinfo/{prop}')
        self.assertEqual(self.etc_timezone(), prop)
        # Clients follow the signals (GNOME Settings does): the last one announced the final zone.
        watch.settle(0.5)
        announced = [c['Timezone'] for c, _ in watch.changes if 'Timezone' in c]
        self.assertTrue(announced, 'no PropertiesChanged(Timezone) at all')
        self.assertEqual(announced[-1], prop, f'announced {announced}')
        # No leftover temp files from the atomic replacements.
        etc = sorted(os.listdir(self.root / 'etc'))
        self.assertEqual(etc, ['adjtime', 'localtime', 'meridian', 'timezone'], etc)
        # And the daemon still answers, with the same zone after a restart (read from disk).
        self.restart_daemon()
        self.assertEqual(self.get_property('Timezone'), prop)

    def test_caller_disconnecting_mid_polkit_check_changes_nothing(self):
        self.polkit_allow([ACTION['set-timezone']])
        self.polkit_mock('SimulateHang', True)
        self.start_daemon()
        before = self.get_property('Timezone')
        snap = self.snapshot_root()
        w = self.watch_properties(NATIVE)
        caller = self.new_connection()
        self.call_async('SetTimezone', 'Asia/Seoul', False, conn=caller)
        deadline = time.monotonic() + 10 * harness.TIMEOUT_SCALE
        while not self.polkit_mock('HaveHangingCalls'):
            self.assertLess(time.monotonic(), deadline, 'meridiand never asked polkit')
            time.sleep(0.02)
        caller.close_sync(None)
        time.sleep(0.2)
        # polkit now says yes -- but the caller is gone, so nothing may change.
        self.polkit_mock('SimulateHang', False)
        self.polkit_mock('ReleaseHangingCalls')
        w.settle(1.0)
        self.assert_root_unchanged(snap)
        self.assertEqual(self.get_property('Timezone'), before)
        self.assertFalse(w.seen('Timezone'), w.changes)
        self.assertTrue(self.daemon.alive())
        # The daemon is still usable afterwards.
        self.call('SetTimezone', 'Europe/Berlin', False)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Europe/Berlin')

    def test_pending_polkit_check_does_not_block_other_callers(self):
        self.polkit_allow_all()
        self.polkit_mock('SimulateHangActions', [ACTION['set-ntp']])
        self.start_daemon()
        ntp_before = self.get_property('NTP')
        slow = self.new_connection()
        self.addCleanup(slow.close_sync, None)
        hanging = self.call_async('SetNTP', not ntp_before, False, conn=slow)
        deadline = time.monotonic() + 10 * harness.TIMEOUT_SCALE
        while not self.polkit_mock('HaveHangingCalls'):
            self.assertLess(time.monotonic(), deadline, 'meridiand never asked polkit')
            time.sleep(0.02)
        # While that check is pending, reads and other callers' changes go through.
        t0 = time.monotonic()
        self.assertEqual(self.get_property('NTP'), ntp_before)
        self.call('SetTimezone', 'Asia/Seoul', False, timeout=5)
        self.call('SetLocalRTC', True, False, False, iface=FDO, timeout=5)
        self.assertLess(time.monotonic() - t0, 4 * harness.TIMEOUT_SCALE)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Seoul')
        self.assertFalse(hanging.done)
        # Released, the first caller's change lands.
        self.polkit_mock('ReleaseHangingCalls')
        self.wait_until(lambda: hanging.done, what='the released SetNTP')
        self.assertIsNone(hanging.error)
        self.assertEqual(self.get_property('NTP'), not ntp_before)


if __name__ == '__main__':
    harness.main()
