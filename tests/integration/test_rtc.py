#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""SetLocalRTC and RTCTimeUSec against the virtual RTC (service/clock/mrd-rtc.h: the virtual
clock's RTC, whose state is ROOT/var/lib/meridian/virtual-rtc, the seconds its fields are ahead
of the clock's UTC). What systemd-timedated 252 does with a real RTC: RTCTimeUSec is the RTC's
fields read as UTC; SetLocalRTC(local, fix_system=true) sets the system clock from the RTC read
in the new convention; fix_system=false sets the RTC from the system clock in it; a failing RTC
is logged and ignored."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FDO, NATIVE  # noqa: E402

USEC = 10**6
HOUR = 3600
SEOUL = 9 * HOUR          # Asia/Seoul: UTC+9, no DST since 1988
SLACK = 3                 # seconds: whole-second RTC, test and bus latency


class VirtualRtc(harness.MeridianTestCase):

    def setUp(self):
        super().setUp()
        self.polkit_allow_all()
        self.rtc_file = self.root / 'var' / 'lib' / 'meridian' / 'virtual-rtc'

    def rtc_ahead(self):
        """Seconds the RTC's fields are ahead of the system clock's UTC, as the bus says."""
        t = self.get_property('TimeUSec', FDO)
        rtc = self.get_property('RTCTimeUSec', FDO)
        return (rtc - t) / USEC

    def assert_about(self, got, want, what):
        self.assertLess(abs(got - want), SLACK, f'{what}: {got} s, want {want} s')

    def test_rtc_time_usec_reads_the_rtc(self):
        self.rtc_file.parent.mkdir(parents=True, exist_ok=True)
        self.rtc_file.write_text(f'{HOUR}\n')
        self.start_daemon()
        self.assert_about(self.rtc_ahead(), HOUR, 'RTC 1 h ahead')
        self.assertEqual(self.get_property('RTCTimeUSec') % USEC, 0)   # whole seconds

    def test_fix_system_sets_the_clock_from_the_rtc_read_as_local_time(self):
        self.rtc_file.parent.mkdir(parents=True, exist_ok=True)
        self.rtc_file.write_text(f'{HOUR}\n')      # the RTC shows UTC + 1 h
        self.start_daemon()
        self.call('SetNTP', False, False)
        self.call('SetTimezone', 'Asia/Seoul', False)
        before = self.get_property('TimeUSec') / USEC
        # The RTC's fields (UTC + 1 h) are now local Seoul time: the clock goes to
        # fields - 9 h = UTC + 1 h - 9 h, 8 h back.
        self.call('SetLocalRTC', True, True, False, iface=FDO)
        self.assertTrue(self.get_property('LocalRTC'))
        self.assertEqual(self.adjtime_lines()[2], 'LOCAL')
        self.assert_about(self.get_property('TimeUSec') / USEC - before, HOUR - SEOUL, 'clock step')
        # The RTC itself was read, not written: its fields are still where they were, which
        # is now the local time of the new clock.
        self.assert_about(self.rtc_ahead(), SEOUL, 'RTC ahead of the new clock')
        self.assertEqual(self.rtc_file.read_text().strip(), str(HOUR))
        # Back to UTC with fix_system: the same fields read as UTC, so the clock jumps 9 h on.
        before = self.get_property('TimeUSec') / USEC
        self.call('SetLocalRTC', False, True, False, iface=NATIVE)
        self.assert_about(self.get_property('TimeUSec') / USEC - before, SEOUL, 'clock step back')
        self.assert_about(self.rtc_ahead(), 0, 'RTC = clock')

    def test_without_fix_system_the_rtc_is_set_from_the_clock(self):
        self.rtc_file.parent.mkdir(parents=True, exist_ok=True)
        self.rtc_file.write_text('-5000\n')        # an RTC far off
        self.start_daemon()
        self.call('SetTimezone', 'Asia/Seoul', False)
        before = self.get_property('TimeUSec') / USEC
        self.call('SetLocalRTC', True, False, False, iface=FDO)
        # The RTC now shows local (Seoul) time; the system clock did not move.
        self.assert_about(self.rtc_ahead(), SEOUL, 'RTC in local time')
        self.assert_about(self.get_property('TimeUSec') / USEC - before, 0, 'clock untouched')
        self.call('SetLocalRTC', False, False, False, iface=FDO)
        self.assert_about(self.rtc_ahead(), 0, 'RTC in UTC')
        self.assertEqual(self.adjtime_lines()[2], 'UTC')
        # An unchanged convention without fix_system does nothing at all (as timedated).
        self.rtc_file.write_text('777\n')
        self.call('SetLocalRTC', False, False, False, iface=FDO)
        self.assertEqual(self.rtc_file.read_text(), '777\n')

    def test_a_failing_rtc_is_ignored_as_timedated_does(self):
        self.rtc_file.parent.mkdir(parents=True, exist_ok=True)
        self.rtc_file.write_text('not a number\n')   # a dead RTC: reads fail
        self.start_daemon()
        self.assertEqual(self.get_property('RTCTimeUSec', FDO), 0)
        before = self.get_property('TimeUSec') / USEC
        self.call('SetLocalRTC', True, True, False, iface=FDO)
        self.assertTrue(self.get_property('LocalRTC'))
        self.assert_about(self.get_property('TimeUSec') / USEC - before, 0, 'clock untouched')
        self.assertTrue(self.daemon.alive())


if __name__ == '__main__':
    harness.main()
