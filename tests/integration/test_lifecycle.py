#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Start, stop and restart: settings persist, SIGTERM is a clean exit, the zone is read from disk."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FDO, NATIVE  # noqa: E402


class Lifecycle(harness.MeridianTestCase):

    def test_sigterm_exits_zero_and_releases_names(self):
        self.start_daemon()
        rc = self.stop_daemon()
        self.assertEqual(rc, 0, f'meridiand exited with {rc} on SIGTERM')
        self.assertFalse(self.name_has_owner(NATIVE.name))
        self.assertFalse(self.name_has_owner(FDO.name))

    def test_sigterm_during_pending_polkit_check_exits_zero_and_changes_nothing(self):
        self.polkit_allow_all()
        self.polkit_mock('SimulateHang', True)
        self.start_daemon()
        snap = self.snapshot_root()
        self.call_async('SetTimezone', 'Asia/Seoul', False)
        self.wait_until(lambda: self.polkit_mock('HaveHangingCalls'), what='the polkit check')
        t0 = time.monotonic()
        rc = self.stop_daemon()
        self.assertEqual(rc, 0, f'meridiand exited with {rc} on SIGTERM')
        self.assertLess(time.monotonic() - t0, 5, 'SIGTERM waited for polkit')
        self.polkit_mock('ReleaseHangingCalls')
        self.assert_root_unchanged(snap)

    def test_nonsense_virtual_clock_options_are_refused_at_start(self):
        import subprocess
        for args, word in ((['--virtual-freq', 'nan'], '--virtual-freq'),
                           (['--virtual-freq', '600000'], '--virtual-freq'),
                           (['--virtual-offset', 'inf'], '--virtual-offset'),
                           (['--virtual-offset', '9000000000'], '--virtual-offset')):
            r = subprocess.run([self.meridiand, '--root', self.root, '--clock', 'virtual', *args],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, f'{args}: exit {r.returncode}, stderr {r.stderr!r}')
            self.assertIn(word, r.stderr, f'{args}: the error does not name the option')
            self.assertFalse(self.name_has_owner(NATIVE.name))

    def test_sigint_exits_zero(self):
        self.start_daemon()
        self.daemon.proc.send_signal(signal.SIGINT)
        self.assertEqual(self.daemon.proc.wait(10), 0)

    def test_ntp_setting_persists_across_restart(self):
        self.polkit_allow_all()
        self.start_daemon()
        first = self.get_property('NTP')
        self.call('SetNTP', not first, False)
        self.assertEqual(self.get_property('NTP'), not first)
        self.restart_daemon()
        self.assertEqual(self.get_property('NTP'), not first, 'NTP setting lost on restart')
        self.assertEqual(self.get_property('NTP', FDO), not first)
        self.call('SetNTP', first, False, iface=FDO)
        self.restart_daemon()
        self.assertEqual(self.get_property('NTP'), first, 'NTP setting lost on the second restart')

    def test_zone_and_local_rtc_read_from_root_at_start(self):
        os.unlink(self.root / 'etc' / 'localtime')
        os.symlink('../usr/share/zoneinfo/Asia/Seoul', self.root / 'etc' / 'localtime')
        (self.root / 'etc' / 'adjtime').write_text('0.000000 0 0.000000\n0\nLOCAL\n')
        self.start_daemon()
        self.assertEqual(self.get_property('Timezone'), 'Asia/Seoul')
        self.assertEqual(self.get_property('Timezone', FDO), 'Asia/Seoul')
        self.assertTrue(self.get_property('LocalRTC'))
        self.assertTrue(self.get_property('LocalRTC', FDO))

    def test_no_timedate1_leaves_the_name_free(self):
        self.start_daemon(timedate1=False)
        self.assertTrue(self.name_has_owner(NATIVE.name))
        self.assertFalse(self.name_has_owner(FDO.name))


if __name__ == '__main__':
    harness.main()
