#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The virtual clock through SetTime (relative, absolute, corrected for the polkit wait),
DescribeZone against an independent oracle (Python's zoneinfo over the same tzdata), and
sharing the bus with another owner of org.freedesktop.timedate1."""

import calendar
import datetime
import os
import sys
import time
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FDO, NATIVE  # noqa: E402

USEC = 1000000


def zone_state(tz, t):
    """(utc offset s, is_dst, abbreviation) of zone `tz` at POSIX time t."""
    d = datetime.datetime.fromtimestamp(t, tz)
    return int(d.utcoffset().total_seconds()), bool(d.dst()), d.tzname()


def next_transition(tz, t, horizon_days=800):
    """First POSIX second after t where zone_state changes, or 0 within the horizon."""
    here = zone_state(tz, t)
    step = 86400
    lo = t
    hi = t + step
    while hi <= t + horizon_days * 86400:
        if zone_state(tz, hi) != here:
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if zone_state(tz, mid) == here:
                    lo = mid
                else:
                    hi = mid
            return hi
        lo, hi = hi, hi + step
    return 0


class TimeAndZones(harness.MeridianTestCase):

    def setUp(self):
        super().setUp()
        self.polkit_allow_all()

    def ntp_off(self):
        if self.get_property('NTP'):
            self.call('SetNTP', False, False)

    def test_set_time_relative_moves_clock_by_the_delta(self):
        self.start_daemon()
        self.ntp_off()
        t0 = time.monotonic()
        before = self.get_property('TimeUSec')
        self.call('SetTime', -2 * 3600 * USEC, True, False, iface=FDO)
        after = self.get_property('TimeUSec')
        elapsed = (time.monotonic() - t0) * USEC
        self.assertLess(abs((after - before - elapsed) - (-2 * 3600 * USEC)), 2 * USEC)

    def test_set_time_corrects_for_time_spent_waiting_on_polkit(self):
        # As timedated does: the requested time is the time at the moment of the REQUEST, so
        # the seconds polkit took are added back.
        self.start_daemon()
        self.ntp_off()
        self.polkit_mock('SetDelay', 2.0)
        target = calendar.timegm((2031, 1, 1, 0, 0, 0)) * USEC
        t_request = time.monotonic()
        self.call('SetTime', target, False, False)
        now = self.get_property('TimeUSec')
        since_request = (time.monotonic() - t_request) * USEC
        self.assertGreater(since_request, 1.9 * USEC, 'the polkit delay did not happen')
        self.assertLess(abs(now - (target + since_request)), 0.6 * USEC,
                        f'TimeUSec is {(now - target) / USEC:.3f} s past the target, '
                        f'{since_request / USEC:.3f} s passed since the request')

    def test_set_time_beyond_what_a_clock_can_hold_is_refused_and_changes_nothing(self):
        # The kernel refuses CLOCK_REALTIME past KTIME_SEC_MAX minus 30 years of uptime
        # (timekeeping.c, timespec64_valid_settod: about year 2232) with EINVAL, which
        # timedated returns as InvalidArgs; the virtual clock must not take such times either
        # (it cannot hold more than int64 nanoseconds: year 2262).
        self.start_daemon()
        self.ntp_off()
        cases = [(253402300800 * USEC, False),                             # year 10000
                 (9223372037 * USEC, False),                                # past int64 ns
                 (2 ** 62, True)]                                           # +146 000 years
        for usec, relative in cases:
            with self.subTest(usec=usec, relative=relative):
                before = self.get_property('TimeUSec')
                with self.assertRaises(harness.DBusError, msg='accepted') as cm:
                    self.call('SetTime', usec, relative, False)
                self.assertEqual(cm.exception.name, 'org.meridian.Time1.Error.InvalidTime')
                self.assertIn(cm.exception.message, ('Invalid absolute time', 'Time value overflow'))
                self.assertLess(abs(self.get_property('TimeUSec') - before), 60 * USEC)
                # timedate1: timedated's InvalidArgs.
                with self.assertRaises(harness.DBusError, msg='accepted') as cm:
                    self.call('SetTime', usec, relative, False, iface=FDO)
                self.assertEqual(cm.exception.name, 'org.freedesktop.DBus.Error.InvalidArgs')

    def measured_offset(self):
        """Median of 5 (TimeUSec - host time) readings, seconds; positive = the daemon's clock
        is ahead of the host's."""
        samples = []
        for _ in range(5):
            a = time.time()
            v = self.get_property('TimeUSec') / USEC
            b = time.time()
            samples.append(v - (a + b) / 2)
        return sorted(samples)[2]

    def test_virtual_offset_shows_in_time_usec(self):
        # --virtual-offset is how far ahead of the host the virtual clock starts: its sign
        # matters (a clock 0.5 s behind must not pass for one 0.5 s ahead).
        self.start_daemon('--virtual-offset', '0.5', '--virtual-freq', '23.054')
        offset = self.measured_offset()
        self.assertLess(abs(offset - 0.5), 0.1, f'virtual clock is {offset:+.3f} s off the host')

    def test_negative_virtual_offset_runs_behind(self):
        self.start_daemon('--virtual-offset=-2.5')
        offset = self.measured_offset()
        self.assertLess(abs(offset + 2.5), 0.1, f'virtual clock is {offset:+.3f} s off the host')

    def test_virtual_freq_negative_runs_slow(self):
        # The demo's "23.054 ppm slow" is --virtual-freq=-23.054; here 5 %, to see it in 2 s.
        self.start_daemon('--virtual-freq=-50000')

        def bracketed_read():
            # The tightest of three host-time brackets around a read: on a loaded machine a
            # D-Bus round trip can take tens of milliseconds, and an unbracketed read would
            # charge that delay to the virtual clock's rate.
            reads = []
            for _ in range(3):
                before = time.time()
                value = self.get_property('TimeUSec') / USEC
                after = time.time()
                reads.append((after - before, (before + after) / 2, value))
            return min(reads)[1:]

        a_real, a = bracketed_read()
        time.sleep(2.0)
        b_real, b = bracketed_read()
        rate = (b - a) / (b_real - a_real)
        self.assertLess(abs(rate - 0.95), 0.02, f'virtual clock ran at {rate:.4f} of real time')

    def test_describe_zone_matches_python_zoneinfo(self):
        self.start_daemon()
        instants = [calendar.timegm(x) for x in ((2026, 1, 15, 12, 0, 0), (2026, 7, 1, 0, 0, 0),
                                                 (2026, 10, 25, 0, 59, 59), (1999, 12, 31, 23, 0, 0),
                                                 (2045, 6, 1, 0, 0, 0), (2099, 12, 31, 0, 0, 0))]
        zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Seoul',
                 'America/Sao_Paulo', 'Pacific/Chatham', 'UTC']
        for zone in zones:
            tz = zoneinfo.ZoneInfo.no_cache(zone)
            for t in instants:
                with self.subTest(zone=zone, at=t):
                    got = self.call('DescribeZone', zone, t * USEC)
                    off, dst, abbr, nxt, off_after, dst_after, abbr_after = got
                    self.assertEqual((off, dst, abbr), zone_state(tz, t))
                    want_next = next_transition(tz, t)
                    if want_next:
                        self.assertEqual(nxt, want_next * USEC)
                        self.assertEqual((off_after, dst_after, abbr_after),
                                         zone_state(tz, want_next))
                    else:
                        # Only zones without DST today may lack a next transition; a DST
                        # zone without one means the oracle or the instants are wrong.
                        self.assertIn(zone, ('Asia/Seoul', 'UTC', 'America/Sao_Paulo'))
                        self.assertEqual(nxt, 0, 'no transition after this one in tzdata')

    def test_goes_on_when_another_process_owns_timedate1(self):
        other = self.start_service(
            ['/usr/bin/python3', '-m', 'dbusmock', '--system', '--template', 'timedated'],
            FDO.name, 'timedated-mock.log')
        self.start_daemon()     # does not pass --no-timedate1: it tries, fails, goes on
        time.sleep(0.3)
        self.assertTrue(self.daemon.alive())
        self.assertTrue(other.alive())
        self.assertTrue(self.name_has_owner(NATIVE.name))
        # The well-known timedate1 name still leads to the other process.
        owner = self.call('GetNameOwner', FDO.name, iface=harness.Iface(
            'org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus'),
            signature='(s)')
        mine = self.call('GetNameOwner', NATIVE.name, iface=harness.Iface(
            'org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus'),
            signature='(s)')
        self.assertNotEqual(owner, mine)
        self.call('SetTimezone', 'Asia/Seoul', False)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Seoul')
        self.assertIn('org.freedesktop.timedate1', self.daemon.log())


if __name__ == '__main__':
    harness.main()
