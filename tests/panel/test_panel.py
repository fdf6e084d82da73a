#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""meridian-panel in a real window (Xvfb) against the real meridiand on a private bus, driven
through its accessibility tree (AT-SPI), checked against the service and its root."""

import datetime
import zoneinfo

import panel_harness
from panel_harness import PanelTestCase

SWITCH = 'Automatic Date & Time'


class Panel(PanelTestCase):
    def ready_switch(self):
        """The automatic-time switch once the panel is connected (it is insensitive before)."""
        return self.wait_for(lambda: next((n for n in self.find_all(self.app, role='check box', contains=SWITCH)
                                           if self.sensitive(n)), None), 15, 'a sensitive NTP switch')

    def test_ntp_switch_off_and_on_follows_the_service(self):
        self.polkit_allow_all()
        self.start_daemon()
        self.start_panel()
        sw = self.ready_switch()
        ntp = self.get_property('NTP')
        self.assertEqual(self.checked(sw), ntp, 'the switch shows the service\'s NTP property')
        for want in (not ntp, ntp):
            self.do(sw)
            self.wait_until(lambda: self.get_property('NTP') == want, what=f'NTP == {want}')
            self.wait_for(lambda: self.checked(sw) == want, 5, f'the switch to show {want}')
            manual = self.find(self.app, role='push button', name='Set Time', showing=False)
            self.assertIsNotNone(manual)
            self.assertEqual(self.sensitive(manual), not want,
                             'the manual editor is usable exactly when automatic time is off')

    def test_search_seoul_and_activate_changes_localtime(self):
        self.polkit_allow_all()
        self.start_daemon()
        self.start_panel()
        self.ready_switch()
        self.assertEqual(self.localtime_zone(), 'UTC')
        row = self.wait_for(lambda: self.find(self.app, role='push button', contains='Choose the time zone'), 10, 'the zone row\'s button')
        self.do(row)
        chooser = self.wait_for(lambda: self.window('Time Zone'), 10, 'the chooser')
        entry = self.wait_for(lambda: self.find(chooser, role='entry', name='Search time zones'), 10, 'the search')
        # Korean city name, abbreviation and offset find Seoul too (English names and iso-codes'
        # Korean country names are in the same index).
        for query in ('서울', 'KST', '+09', '대한민국', 'Seoul'):
            self.type_text(entry, query)
            self.wait_for(lambda: any('Asia/Seoul — KST, UTC+09:00' in t for t in self.texts(chooser)),
                          10, f'Asia/Seoul among the results for {query!r}')
        result = self.wait_for(lambda: self.find(chooser, role='push button', contains='Choose Asia/Seoul'), 5, 'the Seoul row\'s button')
        self.do(result)
        self.wait_until(lambda: self.localtime_zone() == 'Asia/Seoul', what='/etc/localtime -> Asia/Seoul')
        self.assertEqual(self.get_property('Timezone'), 'Asia/Seoul')
        # The chooser closes and the row says what the service now says.
        self.wait_for(lambda: not self.window('Time Zone'), 10, 'the chooser to close')
        self.wait_for(lambda: 'Asia/Seoul — KST, UTC+09:00' in self.texts(), 10, 'the row to show Seoul')

    def test_denied_change_shows_the_message_and_changes_nothing(self):
        self.polkit_allow_all()
        self.start_daemon()
        self.start_panel()
        sw = self.ready_switch()
        ntp = self.get_property('NTP')
        before = self.snapshot_root()
        # The panel still believes it may (polkit announced no change): the service refuses.
        self.polkit_deny_all()
        self.do(sw)
        verb = 'off' if ntp else 'on'
        toast = self.wait_for(lambda: self.find(self.app, role='label',
                                                contains=f'Could not turn automatic time {verb}'),
                              10, 'the refusal shown in a toast')
        # The service's own words follow what failed.
        self.assertRegex(toast.get_name(), r'automatic time \w+: .+')
        self.wait_for(lambda: self.checked(sw) == ntp, 5, 'the switch back at the true state')
        self.assertEqual(self.get_property('NTP'), ntp)
        self.assert_root_unchanged(before)

    def test_reconnects_after_meridiand_restarts(self):
        self.polkit_allow_all()
        self.start_daemon()
        self.start_panel()
        sw = self.ready_switch()
        self.stop_daemon()
        self.wait_for(lambda: self.find(self.app, role='label', contains='is not running'), 10,
                      'the panel to say the service is gone')
        self.wait_for(lambda: not self.sensitive(sw), 5, 'the switch to become insensitive')
        self.start_daemon()
        self.wait_for(lambda: not self.find(self.app, role='label', contains='is not running'), 15,
                      'the panel to reconnect')
        sw = self.ready_switch()
        # And it works against the new process.
        ntp = self.get_property('NTP')
        self.do(sw)
        self.wait_until(lambda: self.get_property('NTP') == (not ntp), what='NTP toggled after the restart')

    def test_manual_time_uses_the_offset_of_that_date(self):
        berlin = zoneinfo.ZoneInfo('Europe/Berlin')
        self.polkit_allow_all()
        self.start_daemon()
        self.call('SetTimezone', 'Europe/Berlin', False)
        self.call('SetNTP', False, False)
        now = datetime.datetime.fromtimestamp(self.get_property('TimeUSec') / 1e6, berlin)
        # A date in the other season of next year: its offset differs from today's by an hour.
        month = 7 if now.dst() == datetime.timedelta(0) else 1
        wall = datetime.datetime(now.year + 1, month, 15, 12, 0, 0)
        want = wall.replace(tzinfo=berlin)
        self.assertNotEqual(want.utcoffset(), now.utcoffset())
        self.start_panel()
        self.wait_for(lambda: any('Europe/Berlin — ' in t for t in self.texts()), 15, 'the zone row')
        spins = {n: self.wait_for(lambda n=n: self.find(self.app, role='spin button', name=n, showing=False),
                                  10, f'the {n} field')
                 for n in ('Year', 'Month', 'Day', 'Hour', 'Minute', 'Second')}
        button = self.find(self.app, role='push button', name='Set Time', showing=False)
        # Open the editor as a person would, with a click on its row (GTK 4.8 gives the
        # expander row no accessible action).
        row = self.wait_for(lambda: self.find(self.app, role='list item', name='Set the Time Manually'), 10,
                            'the manual editor row')
        ext = row.get_component_iface().get_extents(panel_harness.Atspi.CoordType.WINDOW)
        self.click_at(ext.x + ext.width // 2, ext.y + ext.height // 2)
        self.wait_for(lambda: button.get_state_set().contains(panel_harness.Atspi.StateType.VISIBLE)
                      and self.find(self.app, role='push button', name='Set Time'), 10, 'the editor open')
        self.wait_for(lambda: self.sensitive(button), 10, 'Set Time usable (automatic time is off)')

        def enter(t):
            for n, v in zip(spins, (t.year, t.month, t.day, t.hour, t.minute, t.second)):
                self.type_text(spins[n], str(v))
            self.do(button)

        enter(wall)
        target = want.timestamp()
        # The virtual clock runs on from the instant set; today's offset would be an hour out.
        self.wait_until(lambda: abs(self.get_property('TimeUSec') / 1e6 - target) < 600,
                        what=f'the service clock at {want.isoformat()}')
        # The hour the clocks skip in spring (the last Sunday of March, 02:00-03:00) is refused
        # and nothing changes.
        march_end = datetime.date(now.year + 1, 3, 31)
        sunday = march_end - datetime.timedelta(days=(march_end.weekday() + 1) % 7)
        enter(datetime.datetime(sunday.year, sunday.month, sunday.day, 2, 30, 0))
        self.wait_for(lambda: self.find(self.app, role='label', contains='does not exist in Europe/Berlin'),
                      10, 'the refusal')
        self.assertLess(abs(self.get_property('TimeUSec') / 1e6 - target), 600, 'the clock moved')

    def open_map(self):
        self.do(self.wait_for(lambda: self.find(self.app, role='push button', contains='Choose the time zone'),
                              10, 'the zone button'))
        chooser = self.wait_for(lambda: self.window('Time Zone'), 10, 'the chooser')
        self.do(self.wait_for(lambda: self.find(chooser, role='page tab', name='Map'), 10, 'the Map tab'))
        return self.wait_for(lambda: self.find(chooser, role='image', contains='World map of time zones'),
                             10, 'the map')

    def map_point(self, world, lat, lon):
        """Where (lat, lon) is on the screen: the map is 2:1 and centered in its widget. No
        window manager under Xvfb: windows sit at the origin, so window coordinates are
        screen coordinates."""
        Atspi = panel_harness.Atspi
        ext = world.get_component_iface().get_extents(Atspi.CoordType.WINDOW)
        mw = min(ext.width, 2 * ext.height)
        mh = mw / 2
        ox, oy = ext.x + (ext.width - mw) / 2, ext.y + (ext.height - mh) / 2
        return int(ox + (lon + 180) / 360 * mw), int(oy + (90 - lat) / 180 * mh)

    def click(self, x, y):
        self.click_at(x, y)

    @staticmethod
    def name(node):
        """The node's name as it is now (AT-SPI clients cache names)."""
        node.clear_cache()
        return node.get_name()

    def test_map_keyboard_and_click_choose_zones(self):
        coords = zone1970_coordinates()
        self.polkit_allow_all()
        self.start_daemon()
        self.call('SetTimezone', 'Asia/Seoul', False)
        self.start_panel()
        self.ready_switch()
        world = self.open_map()
        Atspi = panel_harness.Atspi
        # It starts on the current zone and says so in its name.
        self.wait_for(lambda: self.name(world) == 'World map of time zones: Seoul (Asia/Seoul)', 15,
                      'the map named after the current zone')
        # Focus it as a person would: a click on open sea (the South Pacific, far from any
        # city's dot, so nothing is chosen) puts the pointer and the keyboard focus there
        # (no window manager: keyboard focus follows the pointer).
        self.click(*self.map_point(world, -45.0, -120.0))
        self.wait_for(lambda: world.get_state_set().contains(Atspi.StateType.FOCUSED), 10, 'the map focused')
        self.assertEqual(self.localtime_zone(), 'Asia/Seoul', 'a click on open sea chose a zone')
        # Right arrow: the name moves to a city east of Seoul and near it.
        self.press_key(0xff53)  # Right
        self.wait_for(lambda: 'Asia/Seoul' not in self.name(world), 10, 'the map to move off Seoul')
        east = self.name(world).rsplit('(', 1)[1].rstrip(')')
        self.assertIn(east, coords, f'{world.get_name()!r} names no zone1970.tab zone')
        (slat, slon), (elat, elon) = coords['Asia/Seoul'], coords[east]
        self.assertGreater(elon, slon, f'{east} is not east of Seoul')
        self.assertLess(abs(elat - slat), elon - slon + 1e-9, f'{east} is more north/south than east of Seoul')
        self.assertLess(elon - slon, 30, f'{east} is not near Seoul')
        self.assertEqual(self.localtime_zone(), 'Asia/Seoul', 'moving chose a zone')
        # Enter chooses it: the root's /etc/localtime follows, the chooser closes.
        self.press_key(0xff0d)  # Return
        self.wait_until(lambda: self.localtime_zone() == east, what=f'/etc/localtime -> {east}')
        self.assertEqual(self.get_property('Timezone'), east)
        self.wait_for(lambda: not self.window('Time Zone'), 10, 'the chooser to close')
        # A click on a city's dot chooses it: Honolulu, alone in mid-Pacific.
        world = self.open_map()
        self.wait_for(lambda: f'({east})' in self.name(world), 15, 'the map on the new zone')
        # Without a window manager the first click into a newly mapped window is sometimes lost
        # to the window below it (nothing is chosen then); a second click must choose.
        for attempt in range(2):
            self.click(*self.map_point(world, *coords['Pacific/Honolulu']))
            try:
                self.wait_until(lambda: self.localtime_zone() == 'Pacific/Honolulu',
                                what='/etc/localtime -> Pacific/Honolulu', timeout=5)
                break
            except AssertionError:
                if attempt == 1:
                    raise
                self.assertEqual(self.localtime_zone(), east, 'a lost click chose another zone')
        self.assertEqual(self.get_property('Timezone'), 'Pacific/Honolulu')


def zone1970_coordinates():
    """zone -> (latitude, longitude) in degrees from tzdata's zone1970.tab (ISO 6709
    ±DDMM[SS]±DDDMM[SS])."""
    def angle(s, deg_digits):
        sign = -1 if s[0] == '-' else 1
        d = s[1:]
        deg, mins, secs = int(d[:deg_digits]), int(d[deg_digits:deg_digits + 2]), int(d[deg_digits + 2:] or 0)
        return sign * (deg + mins / 60 + secs / 3600)
    out = {}
    with open('/usr/share/zoneinfo/zone1970.tab') as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            _, coord, zone = line.split('\t')[:3]
            split = max(coord.rfind('+'), coord.rfind('-'))
            out[zone.strip()] = (angle(coord[:split], 2), angle(coord[split:], 3))
    return out


if __name__ == '__main__':
    panel_harness.main()
