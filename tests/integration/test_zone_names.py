#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Zone-name validation: names that are not zones get InvalidArgs on both interfaces and leave
every file under the root byte-identical (polkit allows everything, so only validation can
stop them); valid names, including backward links, are accepted."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FDO, NATIVE  # noqa: E402

INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'
NATIVE_BAD_ZONE = ('org.meridian.Time1.Error.UnknownZone',)


class ZoneNames(harness.MeridianTestCase):

    def setUp(self):
        super().setUp()
        self.polkit_allow_all()

    def assert_rejected(self, name, zoneinfo=None):
        self.start_daemon(zoneinfo=zoneinfo)
        before_zone = self.get_property('Timezone')
        snap = self.snapshot_root()
        for iface in (NATIVE, FDO):
            with self.subTest(iface=iface.interface):
                with self.assertRaises(harness.DBusError, msg=f'{name!r} accepted on {iface.interface}') as cm:
                    self.call('SetTimezone', name, False, iface=iface)
                if iface is FDO:
                    # timedated's name and words.
                    self.assertEqual(cm.exception.name, INVALID_ARGS, str(cm.exception))
                    self.assertTrue(cm.exception.message.startswith(
                        'Invalid or not installed time zone \''), cm.exception.message)
                else:
                    self.assertIn(cm.exception.name, NATIVE_BAD_ZONE, str(cm.exception))
                self.assertNotIn('meridianctl', cm.exception.message)
                # At most 64 characters of the name come back, escaped.
                self.assertLess(len(cm.exception.message), 160, cm.exception.message)
                self.assertNotIn('\n', cm.exception.message)
                self.assert_root_unchanged(snap, msg=f'after SetTimezone({name[:60]!r}) on {iface.interface}')
                self.assertEqual(self.get_property('Timezone', iface), before_zone)
        self.assertTrue(self.daemon.alive(), 'meridiand died')

    def test_set_timezone_rejects_dot_dot_to_etc_shadow(self):
        self.assert_rejected('../../etc/shadow')

    def test_set_timezone_rejects_trailing_slash(self):
        self.assert_rejected('Asia/Seoul/')

    def test_set_timezone_rejects_empty_name(self):
        self.assert_rejected('')

    def test_set_timezone_rejects_absolute_path(self):
        self.assert_rejected('/etc/passwd')

    def test_set_timezone_rejects_dot_dot_inside_name(self):
        self.assert_rejected('Asia/../../x')

    def test_set_timezone_rejects_4k_name(self):
        self.assert_rejected('Asia/' + 'S' * 4096)

    def test_set_timezone_rejects_newline_injection(self):
        # Would add a line to /etc/timezone or /etc/sysconfig/clock if it got through.
        clock = self.root / 'etc' / 'sysconfig' / 'clock'
        clock.parent.mkdir()
        clock.write_text('ZONE="UTC"\n')
        self.assert_rejected('Asia/Seoul\nUTC=false')

    def test_set_timezone_rejects_quote_and_space(self):
        self.assert_rejected('Asia/Seoul" x="')
        self.daemon.terminate()
        self.daemon = None
        self.assert_rejected('Asia/Seoul ')

    def test_set_timezone_rejects_zone_missing_from_zoneinfo(self):
        # Asia/Seoul stays listed in tzdata.zi/zone1970.tab of the copy, but its TZif file is gone.
        zi = self.make_zoneinfo_copy(remove=['Asia/Seoul'])
        self.assertTrue('Asia/Seoul' in (zi / 'tzdata.zi').read_text())
        self.assert_rejected('Asia/Seoul', zoneinfo=zi)

    def test_set_timezone_rejects_zoneinfo_entries_that_are_not_zones(self):
        # Files and directories under zoneinfo that are not zone names. "localtime" (Debian:
        # zoneinfo/localtime -> /etc/localtime) would make /etc/localtime a symlink loop.
        self.start_daemon()
        listed = set(self.call('ListTimezones'))
        snap = self.snapshot_root()
        # (posix/NAME is accepted as NAME: test_compat_zones.py.)
        for name in ('localtime', 'zone.tab', 'tzdata.zi', 'leap-seconds.list', 'posixrules',
                     'right/UTC', 'right/Asia/Seoul', 'Etc', 'Asia', 'posix', 'posix/posix/UTC'):
            with self.subTest(name=name):
                self.assertNotIn(name, listed)
                with self.assertRaises(harness.DBusError, msg=f'{name!r} accepted') as cm:
                    self.call('SetTimezone', name, False, iface=FDO)
                self.assertEqual(cm.exception.name, INVALID_ARGS)
        self.assert_root_unchanged(snap)

    def test_set_timezone_links_standard_path_whatever_zoneinfo_dir(self):
        # --zoneinfo only says where to read tzdata; /etc/localtime is for the target system.
        zi = self.make_zoneinfo_copy()
        self.start_daemon(zoneinfo=zi)
        self.call('SetTimezone', 'Europe/Berlin', False)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Europe/Berlin')

    def test_set_timezone_accepts_backward_link_name(self):
        self.start_daemon()
        self.call('SetTimezone', 'Asia/Calcutta', False)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Calcutta')
        self.assertEqual(self.get_property('Timezone'), 'Asia/Calcutta')
        self.call('SetTimezone', 'UTC', False, iface=FDO)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/UTC')
        self.assertEqual(self.get_property('Timezone', FDO), 'UTC')


if __name__ == '__main__':
    harness.main()
