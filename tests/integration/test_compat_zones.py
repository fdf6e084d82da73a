#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""org.freedesktop.timedate1 beside the real systemd-timedated: which zone names each accepts
(posix/ as an alias, right/ refused with a reason, localtime and posixrules refused), error
replies in timedated's words, native error names of their own, no caller input echoed beyond
64 characters, and DescribeZone before 1970 (checked against Python's zoneinfo)."""

import datetime
import os
import sys
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FDO, NATIVE, SOURCES  # noqa: E402

INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'
USEC = 10**6
MIB = 1024 * 1024


class CompatZones(harness.MeridianTestCase):

    def outcome(self, method, *args, iface=FDO):
        try:
            self.call(method, *args, iface=iface)
            return None
        except harness.DBusError as e:
            return (e.name, e.message)

    def test_zone_names_and_messages_beside_real_timedated(self):
        # name -> what meridiand does, decided per name (service/mrd-zone.c says why).
        names = ['posix/Asia/Seoul', 'right/Asia/Seoul', 'localtime', 'posixrules', 'Factory',
                 'Not/AZone', '../../etc/shadow', 'Asia/Seoul/', '', '/etc/passwd', 'Asia/Seoul ']
        self.polkit_allow_all()
        td = self.start_real_timedated()
        up = self.tmp / 'timedated' / 'up'
        reference = {}
        for name in names:
            reference[name] = self.outcome('SetTimezone', name, False)
            if reference[name] is None:
                reference[name] = ('accepted', os.readlink(up / 'localtime'))
                self.call('SetTimezone', 'UTC', False, iface=FDO)
        # What timedated does with them: every real TZif file under zoneinfo is taken.
        self.assertEqual(reference['posix/Asia/Seoul'],
                         ('accepted', '../usr/share/zoneinfo/posix/Asia/Seoul'))
        self.assertEqual(reference['right/Asia/Seoul'],
                         ('accepted', '../usr/share/zoneinfo/right/Asia/Seoul'))
        self.assertEqual(reference['Not/AZone'],
                         (INVALID_ARGS, "Invalid or not installed time zone 'Not/AZone'"))
        td.terminate()
        self.wait_until(lambda: not self.name_has_owner(FDO.name), what='timedated to go')

        self.start_daemon()
        ours = {}
        for name in names:
            ours[name] = self.outcome('SetTimezone', name, False)
            if ours[name] is None:
                ours[name] = ('accepted', self.localtime_target(), self.get_property('Timezone', FDO))
                self.call('SetTimezone', 'UTC', False, iface=FDO)
        # posix/NAME is NAME (identical files): accepted, written and shown as NAME.
        self.assertEqual(ours['posix/Asia/Seoul'],
                         ('accepted', '../usr/share/zoneinfo/Asia/Seoul', 'Asia/Seoul'))
        # right/NAME assumes a clock counting leap seconds: refused, in timedated's words.
        self.assertEqual(ours['right/Asia/Seoul'],
                         (INVALID_ARGS, "Invalid or not installed time zone 'right/Asia/Seoul'"))
        # localtime would make /etc/localtime point at itself; posixrules is not a place.
        self.assertEqual(ours['localtime'][0], INVALID_ARGS)
        self.assertEqual(ours['posixrules'][0], INVALID_ARGS)
        # Everything else exactly as timedated: same error name and text, Factory accepted.
        for name in names:
            if name in ('posix/Asia/Seoul', 'right/Asia/Seoul', 'localtime', 'posixrules'):
                continue
            with self.subTest(name=name):
                if reference[name][0] == 'accepted':
                    self.assertEqual(ours[name][:2], reference[name])
                else:
                    self.assertEqual(ours[name], reference[name])

    def test_native_interface_error_names(self):
        self.polkit_allow_all()
        self.start_daemon()
        self.call('SetNTP', False, False)
        cases = [
            (('SetTimezone', 'Not/AZone', False), NATIVE, 'org.meridian.Time1.Error.UnknownZone'),
            (('SetTimezone', 'right/Asia/Seoul', False), NATIVE, 'org.meridian.Time1.Error.UnknownZone'),
            (('SetTimezone', '../x', False), NATIVE, 'org.meridian.Time1.Error.UnknownZone'),
            (('SetTimezone', '', False), NATIVE, 'org.meridian.Time1.Error.UnknownZone'),
            (('DescribeZone', 'Not/AZone', 0), NATIVE, 'org.meridian.Time1.Error.UnknownZone'),
            (('ListCountryZones', 'ZZ'), NATIVE, 'org.meridian.Time1.Error.UnknownCountry'),
            (('SetTime', -1, False, False), NATIVE, 'org.meridian.Time1.Error.InvalidTime'),
            (('SetTime', 2 ** 62, True, False), NATIVE, 'org.meridian.Time1.Error.InvalidTime'),
            (('SetTime', -1, False, False), FDO, INVALID_ARGS),
        ]
        for args, iface, want in cases:
            with self.subTest(args=args[:2], iface=iface.interface):
                got = self.outcome(*args, iface=iface)
                self.assertIsNotNone(got)
                self.assertEqual(got[0], want, got)
                self.assertNotIn('meridianctl', got[1])

    def test_huge_inputs_are_not_echoed(self):
        self.polkit_allow_all()
        self.start_daemon()
        big = 'Asia/' + 'S' * MIB
        bad_chars = 'x$' + 'y' * MIB
        cases = [(('SetTimezone', big, False), FDO), (('SetTimezone', big, False), NATIVE),
                 (('SetTimezone', bad_chars, False), NATIVE),
                 (('DescribeZone', big, 0), NATIVE), (('ListCountryZones', 'Z' * MIB), NATIVE),
                 (('AddSource', 'server ' + 'a' * MIB, False), SOURCES),
                 (('AddSource', 'bogus ' + 'a' * MIB, False), SOURCES)]
        for args, iface in cases:
            with self.subTest(method=args[0], iface=iface.interface):
                got = self.outcome(*args, iface=iface)
                self.assertIsNotNone(got)
                self.assertLessEqual(len(got[1].encode()), 1024, got[1][:200])
        for args, iface in cases[:5]:
            with self.subTest(method=args[0], iface=iface.interface, cap='64 characters'):
                got = self.outcome(*args, iface=iface)
                self.assertLess(len(got[1]), 64 + 100, got[1])
        self.assertTrue(self.daemon.alive())

    def test_describe_zone_before_1970(self):
        self.start_daemon()
        for zone, when in [('America/New_York', datetime.datetime(1950, 7, 1, 12)),
                           ('Europe/London', datetime.datetime(1941, 6, 1)),
                           ('Asia/Seoul', datetime.datetime(1960, 6, 1)),
                           ('Europe/Berlin', datetime.datetime(1969, 12, 31, 23, 59, 59)),
                           ('Asia/Seoul', datetime.datetime(1880, 1, 1))]:
            with self.subTest(zone=zone, when=when):
                t = int(when.replace(tzinfo=datetime.timezone.utc).timestamp())
                self.assertLess(t, 0)
                offset, dst, abbrev, next_usec, off_after, _dst_after, abbrev_after = \
                    self.call('DescribeZone', zone, t * USEC)
                ref = datetime.datetime.fromtimestamp(t, zoneinfo.ZoneInfo(zone))
                self.assertEqual(offset, int(ref.utcoffset().total_seconds()))
                self.assertEqual(abbrev, ref.tzname())
                self.assertEqual(dst, bool(ref.dst()))
                # The next transition is after the moment, and Python agrees on what follows.
                self.assertGreater(next_usec, t * USEC)
                after = datetime.datetime.fromtimestamp(next_usec // USEC, zoneinfo.ZoneInfo(zone))
                before = datetime.datetime.fromtimestamp(next_usec // USEC - 1, zoneinfo.ZoneInfo(zone))
                self.assertEqual(off_after, int(after.utcoffset().total_seconds()))
                self.assertEqual(abbrev_after, after.tzname())
                self.assertEqual(offset, int(before.utcoffset().total_seconds()))
        # One microsecond before the epoch is in 1969 (floor division): the moment's next
        # transition comes after it, not after the epoch's second.
        ref = self.call('DescribeZone', 'America/New_York', -1 * USEC)
        self.assertEqual(self.call('DescribeZone', 'America/New_York', -1), ref)


if __name__ == '__main__':
    harness.main()
