#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Synchronization page: it says in words and numbers what org.meridian.Time1.Tracking
and the source objects say (a stand-in service with chosen values, mock_meridiand.py, as the
real daemon does not poll NTP yet), follows PropertiesChanged, and adds, removes and bursts
sources through the real meridiand."""

import json
import os
import sys
import time

import panel_harness
from panel_harness import PanelTestCase, GLib

HERE = os.path.dirname(os.path.abspath(__file__))

STATE = {
    'tracking': {
        'ReferenceID': 0xA9FEA97B, 'ReferenceName': '169.254.169.123', 'Stratum': 4,
        'RefTimeUSec': int(time.time() * 1e6), 'SystemTimeOffset': 12e-6, 'LastOffset': 10e-6,
        'RMSOffset': 20e-6, 'Frequency': -23.054, 'RootDelay': 0.0004, 'RootDispersion': 0.0003,
        'UpdateInterval': 16.0, 'LeapStatus': 'Normal', 'Synchronized': True,
    },
    'sources': [
        {'Name': '169.254.169.123', 'Address': '169.254.169.123', 'Mode': 'server',
         'State': 'selected', 'Stratum': 3, 'Poll': 4, 'Reach': 0o377, 'LastRxAgo': 5.0,
         'AdjustedOffset': 12e-6, 'ErrorBound': 30e-6, 'Online': True},
        {'Name': 'time.google.com', 'Address': '216.239.35.0', 'Mode': 'server',
         'State': 'falseticker', 'Stratum': 1, 'Poll': 6, 'Reach': 0o17, 'LastRxAgo': 30.0,
         'AdjustedOffset': -0.0021, 'ErrorBound': 0.0004, 'Online': True},
        {'Name': 'ntp.example.net', 'Address': '192.0.2.7', 'Mode': 'server',
         'State': 'unusable', 'Stratum': 2, 'Poll': 6, 'Reach': 0, 'LastRxAgo': 900.0,
         'AdjustedOffset': 0.0005, 'ErrorBound': 0.002, 'Online': False},
    ],
}


class SyncPage(PanelTestCase):
    need_daemon_binary = False

    def open_sync_page(self):
        tab = self.wait_for(lambda: self.find(self.app, role='page tab', name='Synchronization'),
                            15, 'the Synchronization tab')
        self.do(tab)

    def start_mock(self, state):
        path = self.tmp / 'state.json'
        path.write_text(json.dumps(state))
        return self.start_service([sys.executable, os.path.join(HERE, 'mock_meridiand.py'), str(path)],
                                  'org.meridian.Time1', 'mock-meridiand.log')

    def test_sync_page_says_what_tracking_and_sources_say(self):
        self.polkit_allow_all()
        self.start_mock(STATE)
        self.start_panel()
        self.open_sync_page()
        # |offset| + root dispersion + root delay / 2 = 12 µs + 300 µs + 200 µs (chronyc(1)).
        self.wait_for(lambda: self.find(self.app, role='list item',
                                        name='Synchronized to 169.254.169.123, within ±512 µs'),
                      15, 'the status in words')
        labels = self.texts()
        for want in ('169.254.169.123 (A9FEA97B)', '4', '+12.0 µs (fast) ±512 µs',
                     '-23.054 ppm (slow)', 'None pending',
                     'Selected', 'Falseticker', 'Reach: 8 of the last 8 polls answered (377)',
                     'Stratum 3 · poll 16 s · last sample +12.0 µs ±30.0 µs',
                     'Stratum 1 · poll 64 s · last sample -2.10 ms ±400 µs',
                     'Offline, not polled · Stratum 2 · poll 64 s · last sample +500 µs ±2.00 ms'):
            self.assertIn(want, labels)
        # Only the source taken offline says so.
        self.assertEqual(sum('Offline' in t for t in labels), 1)
        self.assertIsNotNone(self.find(self.app, role='list item', name='time.google.com (216.239.35.0)'))
        reach = self.find(self.app, role='label', name='Reach: 4 of the last 8 polls answered (017)')
        self.assertIsNotNone(reach, 'the reach register has a screen-reader name')
        badge = self.find(self.app, role='label', name='Falseticker')
        self.assertIn('majority', badge.get_description())
        # Live: a PropertiesChanged is shown without asking again.
        self.bus.call_sync('org.meridian.Time1', '/org/meridian/Time1', 'org.meridian.Test',
                           'SetTracking', GLib.Variant('(s)', (json.dumps(
                               {'Synchronized': False, 'Frequency': 1.5}),)),
                           None, 0, 5000, None)
        self.wait_for(lambda: self.find(self.app, role='list item', name='Not synchronized yet'),
                      10, 'the status to follow PropertiesChanged')
        # The frequency is not announced (EmitsChangedSignal false): the page reads it again.
        self.wait_for(lambda: '+1.500 ppm (fast)' in self.texts(), 5, 'the frequency to follow')
        # Burst asks the service (Sources.Burst, interactive).
        self.do(self.find(self.app, role='push button', name='Burst'))
        self.wait_until(lambda: ['Burst', [True]] in self.mock_calls(), what='Sources.Burst(true) called')

    def test_badge_tooltip_says_why_from_selection_state(self):
        def source(name, state, selection):
            return {'Name': name, 'Address': name, 'Mode': 'server', 'State': state,
                    'SelectionState': selection, 'Stratum': 2, 'Poll': 6, 'Reach': 0o377,
                    'LastRxAgo': 10.0, 'Online': True}
        state = dict(STATE, sources=[source('a.example', 'not-combined', 'not-preferred'),
                                     source('b.example', 'unusable', 'stale'),
                                     source('c.example', 'too-variable', '')])
        self.polkit_allow_all()
        self.start_mock(state)
        self.start_panel()
        self.open_sync_page()

        def badge(label):
            return self.wait_for(lambda: self.find(self.app, role='label', name=label), 15,
                                 f'the {label} badge')
        # The label from State, the reason (tooltip and accessible description) from
        # SelectionState.
        self.assertEqual(badge('Not combined').get_description(),
                         'Usable, but another source is marked prefer and is used instead')
        self.assertEqual(badge('Unusable').get_description(),
                         'Its measurements are out of date: unreachable, offline, or refused by the server')
        # SelectionState "" (a meridiand older than it): State's guess, as before.
        self.assertEqual(badge('Too variable').get_description(),
                         'Its measurements vary too much to be trusted')
        # SelectionState is not announced: the page's re-reading brings the new one.
        self.set_source(2, {'SelectionState': 'jittery'})
        self.wait_for(lambda: badge('Too variable').get_description()
                      == 'Its measurements vary more than maxjitter allows', 10,
                      'the re-read SelectionState in the tooltip')
        # A word this panel does not know: State's guess again.
        self.set_source(2, {'SelectionState': 'some-later-state'})
        self.wait_for(lambda: badge('Too variable').get_description()
                      == 'Its measurements vary too much to be trusted', 10,
                      'State\'s tooltip for an unknown SelectionState')
        # Both change: the label follows State (announced), the reason SelectionState (read
        # again, so it may come a tick later).
        self.set_source(0, {'State': 'selected', 'SelectionState': 'best'})
        self.wait_for(lambda: badge('Selected').get_description()
                      == 'The best of the sources: the clock is synchronized to it', 10,
                      'the selected source\'s badge')
        self.assertIsNone(self.find(self.app, role='label', name='Not combined'))

    def set_source(self, n, values):
        self.bus.call_sync('org.meridian.Time1', '/org/meridian/Time1', 'org.meridian.Test',
                           'SetSource', GLib.Variant('(us)', (n, json.dumps(values))),
                           None, 0, 5000, None)

    def mock_calls(self):
        reply = self.bus.call_sync('org.meridian.Time1', '/org/meridian/Time1', 'org.meridian.Test',
                                   'Calls', None, GLib.VariantType('(s)'), 0, 5000, None)
        return json.loads(reply.unpack()[0])


class SyncWithMeridiand(PanelTestCase):
    def test_add_preset_and_typed_sources_then_remove_one(self):
        self.polkit_allow_all()
        self.start_daemon()
        self.start_panel()
        tab = self.wait_for(lambda: self.find(self.app, role='page tab', name='Synchronization'), 15, 'tab')
        self.do(tab)
        self.wait_for(lambda: self.find(self.app, role='list item', name='Not synchronized: no time sources'),
                      15, 'no sources yet')
        # The entry row's text field: the only editable text on the page.
        entry = self.wait_for(lambda: next((n for n in self.find_all(self.app)
                                            if 'EditableText' in n.get_interfaces()
                                            and n.get_role_name() != 'spin button'), None),
                              10, 'the source entry')
        self.type_text(entry, 'server 127.0.0.1 iburst minpoll 4')
        apply = self.wait_for(lambda: self.find(self.app, role='push button', contains='Add this source'), 5,
                              'the entry row\'s add button')
        self.do(apply)
        self.wait_until(lambda: len(self.managed_sources()) == 1, what='the source added in meridiand')
        self.wait_for(lambda: self.find(self.app, role='list item', name='127.0.0.1'), 10, 'its row')
        # A preset from the Add menu.
        self.do(self.find(self.app, role='push button', name='Add'))
        self.do(self.wait_for(lambda: self.find(self.app, role='push button', name='Google (time.google.com)'),
                              10, 'the preset'))
        self.wait_until(lambda: sorted(s['Address'] for s in self.managed_sources().values())
                        == ['127.0.0.1', 'time.google.com'], what='the preset added')
        self.wait_for(lambda: self.find(self.app, role='list item', name='time.google.com'), 10, 'its row')
        # Remove the first.
        self.do(self.find(self.app, role='push button', contains='Remove 127.0.0.1'))
        self.wait_until(lambda: [s['Address'] for s in self.managed_sources().values()]
                        == ['time.google.com'], what='the source removed in meridiand')
        self.wait_for(lambda: not self.find(self.app, role='list item', name='127.0.0.1'), 10, 'its row gone')

    def managed_sources(self):
        objs = self.call('GetManagedObjects', iface=panel_harness.harness.Iface(
            'org.meridian.Time1', '/org/meridian/Time1', 'org.freedesktop.DBus.ObjectManager'))
        return {p: {k: v for k, v in ifs['org.meridian.Time1.Source'].items()}
                for p, ifs in objs.items() if 'org.meridian.Time1.Source' in ifs}


if __name__ == '__main__':
    panel_harness.main()
