#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Stock systemd timedatectl against meridiand's org.freedesktop.timedate1 (what a user of
timedatectl does): every subcommand works, and each change shows on disk and over the native API."""

import calendar
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class Timedatectl(harness.MeridianTestCase):

    def setUp(self):
        super().setUp()
        self.polkit_allow_all()
        self.start_daemon()

    def tdc(self, *args, ok=True):
        r = self.timedatectl(*args)
        if ok:
            self.assertEqual(r.returncode, 0, f'timedatectl {" ".join(args)}: {r.stdout}{r.stderr}')
        return r

    def test_timedatectl_status_shows_daemon_state(self):
        out = self.tdc('status').stdout
        self.assertRegex(out, r'Time zone: UTC \(UTC, \+0000\)')
        self.assertRegex(out, r'RTC in local TZ: no')
        # Proves it reads meridiand, not something else: change the zone natively, look again.
        self.call('SetTimezone', 'Asia/Seoul', False)
        out = self.tdc('status').stdout
        self.assertRegex(out, r'Time zone: Asia/Seoul \(KST, \+0900\)')

    def test_timedatectl_show_matches_native_properties(self):
        out = self.tdc('show').stdout
        kv = dict(line.split('=', 1) for line in out.splitlines() if '=' in line)
        yn = {True: 'yes', False: 'no'}
        self.assertEqual(kv.get('Timezone'), self.get_property('Timezone'))
        self.assertEqual(kv.get('LocalRTC'), yn[self.get_property('LocalRTC')])
        self.assertEqual(kv.get('CanNTP'), yn[self.get_property('CanNTP')])
        self.assertEqual(kv.get('NTP'), yn[self.get_property('NTP')])
        self.assertEqual(kv.get('NTPSynchronized'), yn[self.get_property('NTPSynchronized')])
        self.assertIn('TimeUSec', kv)

    def test_timedatectl_list_timezones_equals_native_list(self):
        out = self.tdc('list-timezones').stdout.split()
        native = self.call('ListTimezones')
        self.assertEqual(out, list(native))
        for z in ('UTC', 'Asia/Seoul', 'Asia/Calcutta', 'Europe/Berlin'):
            self.assertIn(z, out)

    def test_timedatectl_set_timezone_changes_disk_and_native(self):
        self.tdc('set-timezone', 'Asia/Seoul')
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Seoul')
        self.assertEqual(self.etc_timezone(), 'Asia/Seoul')
        self.assertEqual(self.get_property('Timezone'), 'Asia/Seoul')
        r = self.tdc('set-timezone', 'Not/AZone', ok=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(self.get_property('Timezone'), 'Asia/Seoul')

    def test_timedatectl_set_ntp_changes_native_and_persists(self):
        for value, expect in (('false', False), ('true', True), ('false', False)):
            self.tdc('set-ntp', value)
            self.assertEqual(self.get_property('NTP'), expect)
            self.assertEqual(self.tdc('show', '-p', 'NTP', '--value').stdout.strip(), 'yes' if expect else 'no')
        self.restart_daemon()
        self.assertFalse(self.get_property('NTP'))

    def test_timedatectl_set_local_rtc_writes_adjtime(self):
        self.tdc('set-local-rtc', '1')
        self.assertEqual(self.adjtime_lines()[2], 'LOCAL')
        self.assertTrue(self.get_property('LocalRTC'))
        self.tdc('set-local-rtc', '0')
        self.assertEqual(self.adjtime_lines()[2], 'UTC')
        self.assertFalse(self.get_property('LocalRTC'))

    def test_timedatectl_set_time_moves_virtual_clock_only_with_ntp_off(self):
        target = calendar.timegm((2030, 6, 1, 12, 0, 0)) * 1000000
        self.tdc('set-ntp', 'true')
        before = self.get_property('TimeUSec')
        r = self.timedatectl('set-time', '2030-06-01 12:00:00')
        self.assertNotEqual(r.returncode, 0, 'set-time accepted while NTP is on')
        self.assertLess(abs(self.get_property('TimeUSec') - before), 60 * 1000000)
        self.tdc('set-ntp', 'false')
        r = self.run_client([harness.fake_systemd_wrapper(self.tmp), 'timedatectl',
                             '--no-ask-password', 'set-time', '2030-06-01 12:00:00'],
                            env={'TZ': 'UTC'})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        now = self.get_property('TimeUSec')
        self.assertLess(abs(now - target), 60 * 1000000, f'TimeUSec {now}, wanted about {target}')
        out = self.tdc('status').stdout
        self.assertRegex(out, r'Universal time: \w+ 2030-06-01 12:0')


if __name__ == '__main__':
    harness.main()
