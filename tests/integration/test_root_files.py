#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The files under the root, other layouts than Debian's: RHEL's /etc/sysconfig/clock, no
/etc/timezone, /etc/localtime as a plain copy, no /etc/adjtime; announcements on both
interfaces; timedated's error for SetTime while NTP is on."""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FDO, NATIVE, ZONEINFO  # noqa: E402


class RootFiles(harness.MeridianTestCase):

    def setUp(self):
        super().setUp()
        self.polkit_allow_all()

    def test_set_timezone_rewrites_sysconfig_clock_zone_keeping_other_lines(self):
        clock = self.root / 'etc' / 'sysconfig' / 'clock'
        clock.parent.mkdir()
        clock.write_text('# written by the installer\nZONE="UTC"\nUTC=true\nARC=false\n')
        self.start_daemon()
        self.call('SetTimezone', 'Asia/Seoul', False)
        self.assertEqual(clock.read_text(),
                         '# written by the installer\nZONE="Asia/Seoul"\nUTC=true\nARC=false\n')

    def test_set_timezone_does_not_create_etc_timezone_or_sysconfig_clock(self):
        os.unlink(self.root / 'etc' / 'timezone')
        self.start_daemon()
        self.call('SetTimezone', 'Europe/Berlin', False, iface=FDO)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Europe/Berlin')
        self.assertFalse((self.root / 'etc' / 'timezone').exists())
        self.assertFalse((self.root / 'etc' / 'sysconfig').exists())

    def test_zone_identified_by_content_when_localtime_is_a_plain_copy(self):
        os.unlink(self.root / 'etc' / 'localtime')
        shutil.copy2(os.path.join(ZONEINFO, 'Asia/Seoul'), self.root / 'etc' / 'localtime')
        self.start_daemon()
        zone = self.get_property('Timezone')
        # Any name whose TZif bytes are those of the copy is right (Asia/Seoul and ROK are one).
        with open(os.path.join(ZONEINFO, zone), 'rb') as f:
            self.assertEqual(f.read(), (self.root / 'etc' / 'localtime').read_bytes(),
                             f'Timezone {zone!r} is not the zone that was copied')
        self.assertEqual(zone, 'Asia/Seoul', 'the zone1970.tab name should be preferred')

    def test_set_local_rtc_creates_adjtime_when_missing(self):
        os.unlink(self.root / 'etc' / 'adjtime')
        self.start_daemon()
        self.assertFalse(self.get_property('LocalRTC'))
        self.call('SetLocalRTC', True, False, False)
        lines = self.adjtime_lines()
        self.assertIsNotNone(lines, 'etc/adjtime was not created')
        self.assertEqual(len(lines), 3, lines)
        self.assertEqual(lines[2], 'LOCAL')
        self.call('SetLocalRTC', False, False, False, iface=FDO)
        self.assertEqual(self.adjtime_lines()[2], 'UTC')

    def test_set_local_rtc_keeps_hwclock_drift_lines_of_adjtime(self):
        # hwclock(8) keeps its drift factor and calibration times in the first two lines.
        adjtime = self.root / 'etc' / 'adjtime'
        adjtime.write_text('12.345000 1700000000 0.000000\n1700000000\nUTC\n')
        self.start_daemon()
        self.call('SetLocalRTC', True, False, False)
        self.assertEqual(adjtime.read_text(), '12.345000 1700000000 0.000000\n1700000000\nLOCAL\n')
        self.call('SetLocalRTC', False, False, False, iface=FDO)
        self.assertEqual(adjtime.read_text(), '12.345000 1700000000 0.000000\n1700000000\nUTC\n')

    def test_timezone_overrides_follow_the_system_zone(self):
        # The seed's trap: TZ exported from /etc/profile makes login shells say KST while the
        # system zone is UTC. Only assignments that disagree with the system zone are listed.
        etc = self.root / 'etc'
        (etc / 'profile').write_text('# system-wide .profile\nexport TZ=\'Asia/Seoul\'\n')
        (etc / 'profile.d').mkdir()
        (etc / 'profile.d' / 'tz.sh').write_text('# TZ=America/Denver\nTZ=":Europe/Berlin"\n')
        (etc / 'profile.d' / 'rok.sh').write_text('TZ=ROK\n')
        (etc / 'environment').write_text('LANG=C.UTF-8\nTZ=UTC\n')
        self.start_daemon()
        self.assertEqual(self.get_property('Timezone'), 'UTC')
        self.assertEqual(sorted(self.call('ListTimezoneOverrides')),
                         [('/etc/profile', 'Asia/Seoul'), ('/etc/profile.d/rok.sh', 'ROK'),
                          ('/etc/profile.d/tz.sh', ':Europe/Berlin')])
        self.call('SetTimezone', 'Asia/Seoul', False)
        # Now /etc/profile agrees, ROK is a link to Asia/Seoul, and /etc/environment's UTC differs.
        self.assertEqual(sorted(self.call('ListTimezoneOverrides')),
                         [('/etc/environment', 'UTC'), ('/etc/profile.d/tz.sh', ':Europe/Berlin')])

    def test_change_on_one_interface_is_announced_on_both(self):
        self.start_daemon()
        wn = self.watch_properties(NATIVE)
        wf = self.watch_properties(FDO)
        self.call('SetTimezone', 'Asia/Tokyo', False, iface=NATIVE)
        self.assertTrue(wf.wait_for('Timezone', 'Asia/Tokyo'), wf.changes)
        self.assertTrue(wn.wait_for('Timezone', 'Asia/Tokyo'), wn.changes)
        self.call('SetLocalRTC', True, False, False, iface=FDO)
        self.assertTrue(wn.wait_for('LocalRTC', True), wn.changes)
        self.assertTrue(wf.wait_for('LocalRTC', True), wf.changes)

    def test_set_time_refused_while_ntp_on_with_timedated_error(self):
        self.start_daemon()
        if not self.get_property('NTP'):
            self.call('SetNTP', True, False)
        before = self.get_property('TimeUSec')
        for iface in (NATIVE, FDO):
            with self.assertRaises(harness.DBusError) as cm:
                self.call('SetTime', 3600 * 1000000, True, False, iface=iface)
            self.assertEqual(cm.exception.name, 'org.freedesktop.timedate1.AutomaticTimeSyncEnabled')
        self.assertLess(abs(self.get_property('TimeUSec') - before), 30 * 1000000)

    def test_list_zones_describes_seoul_with_its_country(self):
        self.start_daemon()
        zones = {z[0]: z for z in self.call('ListZones')}
        self.assertIn('Asia/Seoul', zones)
        _, codes, names, lat, lon, _comment = zones['Asia/Seoul']
        self.assertEqual(list(codes), ['KR'])
        self.assertTrue(any('Korea' in n for n in names), names)
        self.assertAlmostEqual(lat, 37.55, delta=0.1)
        self.assertAlmostEqual(lon, 126.97, delta=0.1)
        listed = set(self.call('ListTimezones'))
        self.assertTrue(set(zones) <= listed, sorted(set(zones) - listed)[:10])

    def test_list_country_zones_gives_each_country_its_own_zones(self):
        self.start_daemon()
        # One call answers what tzselect's per-country view (zone.tab) offers.
        de = self.call('ListCountryZones', 'de')
        self.assertEqual(sorted(r[0] for r in de), ['Europe/Berlin', 'Europe/Busingen'])
        self.assertEqual([r[0] for r in self.call('ListCountryZones', 'NO')], ['Europe/Oslo'])
        (seoul,) = self.call('ListCountryZones', 'KR')
        self.assertEqual(seoul[0], 'Asia/Seoul')
        self.assertEqual(list(seoul[1]), ['KR'])
        # The live fields agree with DescribeZone, asked independently, now.
        offset, _dst, abbrev = self.call('DescribeZone', 'Asia/Seoul', 0)[:3]
        self.assertEqual((seoul[6], seoul[7]), (offset, abbrev))
        self.assertEqual((seoul[6], seoul[7]), (9 * 3600, 'KST'))

    def test_list_country_zones_all_rows_match_list_zones(self):
        self.start_daemon()
        rows = self.call('ListCountryZones', '')
        zones = self.call('ListZones')
        self.assertEqual([tuple(r[:6]) for r in rows], [tuple(z) for z in zones])
        self.assertGreater(len(rows), 300)

    def test_list_country_zones_unknown_code_is_refused(self):
        self.start_daemon()
        for code in ('XX', 'Deutschland', '1'):
            with self.assertRaises(harness.DBusError) as cm:
                self.call('ListCountryZones', code)
            self.assertEqual(cm.exception.name, 'org.meridian.Time1.Error.UnknownCountry')
            self.assertIn(code, str(cm.exception))
            self.assertIn('ISO 3166', str(cm.exception))

    def test_zone_read_from_etc_timezone_when_localtime_missing_then_link_created(self):
        os.unlink(self.root / 'etc' / 'localtime')
        (self.root / 'etc' / 'timezone').write_text('Europe/Paris\n')
        self.start_daemon()
        self.assertEqual(self.get_property('Timezone'), 'Europe/Paris')
        self.call('SetTimezone', 'Asia/Seoul', False)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Seoul')
        self.assertEqual(self.etc_timezone(), 'Asia/Seoul')

    def test_zone_read_from_absolute_localtime_symlink(self):
        os.unlink(self.root / 'etc' / 'localtime')
        os.symlink('/usr/share/zoneinfo/America/New_York', self.root / 'etc' / 'localtime')
        self.start_daemon()
        self.assertEqual(self.get_property('Timezone'), 'America/New_York')
        self.assertEqual(self.get_property('Timezone', FDO), 'America/New_York')

    def test_describe_zone_rejects_bad_names(self):
        self.start_daemon()
        for name in ('../../etc/shadow', '', 'Not/AZone', 'Asia/Seoul/'):
            with self.subTest(name=name):
                with self.assertRaises(harness.DBusError) as cm:
                    self.call('DescribeZone', name, 0)
                self.assertEqual(cm.exception.name, 'org.meridian.Time1.Error.UnknownZone')
                self.assertNotIn('meridianctl', cm.exception.message)

    def test_config_file_sources_are_exported_with_their_options(self):
        # Loopback only: nothing may leave this machine even once an NTP engine runs.
        conf = self.root / 'etc' / 'meridian' / 'meridian.conf'
        conf.write_text('# test\nserver 127.0.0.1 port 12399 prefer iburst minpoll 4 maxpoll 4\n'
                        'makestep 1 3\n')
        self.start_daemon('--config', str(conf))
        objs = self.call('GetManagedObjects', iface=harness.Iface(
            NATIVE.name, NATIVE.path, 'org.freedesktop.DBus.ObjectManager'))
        sources = [ifaces['org.meridian.Time1.Source'] for ifaces in objs.values()
                   if 'org.meridian.Time1.Source' in ifaces]
        self.assertEqual(len(sources), 1, objs)
        src = sources[0]
        self.assertIn('127.0.0.1', src['Address'])
        self.assertEqual(src['Mode'], 'server')
        for opt in ('prefer', 'iburst', 'minpoll 4', 'maxpoll 4'):
            self.assertIn(opt, list(src['Options']))


if __name__ == '__main__':
    harness.main()
