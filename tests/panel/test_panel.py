#!/usr/bin/python3
"""meridian-panel in a real window (Xvfb) against the real meridiand on a private bus, driven
through its accessibility tree (AT-SPI), checked against the service and its root."""

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

    def test_map_takes_focus_and_names_the_current_zone(self):
        self.polkit_allow_all()
        self.start_daemon()
        self.call('SetTimezone', 'Asia/Seoul', False)
        self.start_panel()
        self.ready_switch()
        self.do(self.wait_for(lambda: self.find(self.app, role='push button', contains='Choose the time zone'),
                              10, 'the zone button'))
        chooser = self.wait_for(lambda: self.window('Time Zone'), 10, 'the chooser')
        self.do(self.wait_for(lambda: self.find(chooser, role='page tab', name='Map'), 10, 'the Map tab'))
        world = self.wait_for(lambda: self.find(chooser, role='image', name='World map of time zones'),
                              10, 'the map')
        # It starts on the current zone and says so to a screen reader.
        self.wait_for(lambda: 'On Asia/Seoul.' in (world.get_description() or ''), 15,
                      'the map on the current zone')
        # Focus it as a person would: a click on open sea (the South Pacific, far from any
        # city's dot, so nothing is chosen) puts the pointer and the keyboard focus there (no
        # window manager under Xvfb: focus follows the pointer; windows sit near the origin,
        # so window coordinates are screen coordinates within a few pixels).
        Atspi = panel_harness.Atspi
        ext = world.get_component_iface().get_extents(Atspi.CoordType.WINDOW)
        mw = min(ext.width, 2 * ext.height)
        mh = mw / 2
        ox, oy = ext.x + (ext.width - mw) / 2, ext.y + (ext.height - mh) / 2
        lat, lon = -45.0, -120.0
        x, y = ox + (lon + 180) / 360 * mw, oy + (90 - lat) / 180 * mh
        Atspi.generate_mouse_event(int(x), int(y), 'abs')
        Atspi.generate_mouse_event(int(x), int(y), 'b1c')
        self.wait_for(lambda: world.get_state_set().contains(Atspi.StateType.FOCUSED), 10, 'the map focused')
        self.assertEqual(self.localtime_zone(), 'Asia/Seoul', 'a click on open sea chose a zone')

if __name__ == '__main__':
    panel_harness.main()
