#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What a crash between the renames of a change leaves behind, as meridiand meets it at its
next start: /etc/timezone and sysconfig/clock naming another zone than /etc/localtime are
brought in line with /etc/localtime (what every program reads), leftover temporary files of
the files it replaces are removed (nothing else), and setting the zone that is already the zone
is a no-op only when every file agrees -- otherwise it is a change, authorized and written."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FDO, NATIVE  # noqa: E402

DENIED = 'org.freedesktop.DBus.Error.AccessDenied'


class StartupRepair(harness.MeridianTestCase):

    def set_localtime(self, zone):
        os.unlink(self.root / 'etc' / 'localtime')
        os.symlink(f'../usr/share/zoneinfo/{zone}', self.root / 'etc' / 'localtime')

    def sysconfig(self):
        return self.root / 'etc' / 'sysconfig' / 'clock'

    def test_disagreeing_files_follow_localtime_at_start(self):
        self.set_localtime('Asia/Seoul')
        (self.root / 'etc' / 'timezone').write_text('Europe/Berlin\n')
        self.sysconfig().parent.mkdir()
        self.sysconfig().write_text('# kept\nZONE="Europe/Berlin"\nUTC=true\n')
        self.start_daemon()
        self.assertEqual(self.get_property('Timezone', FDO), 'Asia/Seoul')
        self.assertEqual(self.etc_timezone(), 'Asia/Seoul')
        self.assertEqual(self.sysconfig().read_text(), '# kept\nZONE="Asia/Seoul"\nUTC=true\n')
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Seoul')

    def test_leftover_temporary_files_are_removed_at_start(self):
        etc = self.root / 'etc'
        lib = self.root / 'var' / 'lib' / 'meridian'
        leftovers = [etc / '.#timezone.a1B2c3', etc / '.#adjtime.Zz9Yy8', lib / '.#state.q1w2e3']
        for p in leftovers:
            p.write_text('half-written\n')
        os.symlink('../usr/share/zoneinfo/Asia/Tokyo', etc / '.#localtime.k9J8h7')
        leftovers.append(etc / '.#localtime.k9J8h7')
        unrelated = [etc / '.#passwd.a1B2c3', etc / 'timezone.a1B2c3', lib / 'notes']
        for p in unrelated:
            p.write_text('keep me\n')
        self.start_daemon()
        for p in leftovers:
            self.assertFalse(os.path.lexists(p), f'{p} left behind')
        for p in unrelated:
            self.assertEqual(p.read_text(), 'keep me\n', f'{p} touched')
        self.assertEqual(self.get_property('Timezone'), 'UTC')

    def test_same_zone_is_a_no_op_only_when_all_files_agree(self):
        self.set_localtime('Asia/Seoul')
        (self.root / 'etc' / 'timezone').write_text('Asia/Seoul\n')
        self.start_daemon()
        # Every file agrees: nothing to do, no authorization asked (polkit says no to all).
        self.polkit_deny_all()
        snap = self.snapshot_root()
        for iface in (FDO, NATIVE):
            self.call('SetTimezone', 'Asia/Seoul', False, iface=iface)
        self.assert_root_unchanged(snap)
        # Now /etc/timezone disagrees (as an interrupted change leaves it while we run):
        # setting the same zone is a change, so it needs authorization...
        (self.root / 'etc' / 'timezone').write_text('Europe/Berlin\n')
        with self.assertRaises(harness.DBusError) as cm:
            self.call('SetTimezone', 'Asia/Seoul', False, iface=FDO)
        self.assertEqual(cm.exception.name, DENIED)
        self.assertEqual(self.etc_timezone(), 'Europe/Berlin')
        # ...and, authorized, brings the files in line.
        self.polkit_allow_all()
        self.call('SetTimezone', 'Asia/Seoul', False, iface=FDO)
        self.assertEqual(self.etc_timezone(), 'Asia/Seoul')
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Seoul')


if __name__ == '__main__':
    harness.main()
