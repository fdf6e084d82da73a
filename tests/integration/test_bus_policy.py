#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Our bus policy (dbus/org.meridian.Time1.conf, installed into system.d) on a bus with the real
system bus's default-deny rules: root's meridiand may own both names, anyone may call it (polkit
decides inside), and nobody else may take the names."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FDO, NATIVE  # noqa: E402


def gdbus_call(iface, method, *args):
    return ['gdbus', 'call', '--system', '--dest', iface.name, '--object-path', iface.path,
            '--method', method, '--', *args]


class BusPolicy(harness.MeridianTestCase):
    bus_policy = 'system'

    def test_system_bus_policy_lets_meridiand_own_its_names_and_anyone_call_it(self):
        self.polkit_allow_all()
        self.start_daemon()
        for iface in (NATIVE, FDO):
            r = self.run_as_nobody(gdbus_call(iface, 'org.freedesktop.DBus.Properties.Get',
                                              iface.interface, 'Timezone'))
            self.assertEqual((r.returncode, r.stdout.strip()), (0, "(<'UTC'>,)"), r.stderr)
        r = self.run_as_nobody(gdbus_call(FDO, 'org.freedesktop.timedate1.SetTimezone',
                                          'Asia/Seoul', 'false'))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Seoul')
        r = self.run_as_nobody(gdbus_call(NATIVE, 'org.meridian.Time1.ListTimezones'))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("'Asia/Seoul'", r.stdout)

    def test_system_bus_policy_keeps_the_names_from_other_users(self):
        bus = harness.Iface('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus')
        for name in (NATIVE.name, FDO.name):
            with self.subTest(name=name):
                r = self.run_as_nobody(gdbus_call(bus, 'org.freedesktop.DBus.RequestName',
                                                  name, '0'))
                self.assertNotEqual(r.returncode, 0, r.stdout)
                self.assertIn('org.freedesktop.DBus.Error.AccessDenied', r.stderr)
        # ... while meridiand, as root, gets them.
        self.start_daemon()
        self.assertTrue(self.name_has_owner(FDO.name))


if __name__ == '__main__':
    harness.main()
