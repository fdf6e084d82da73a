#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Side by side with the real systemd-timedated (harness.start_real_timedated: overlay over /etc, fake
/run/systemd, no CAP_SYS_TIME; never its SetTime): the same ListTimezones answer."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FDO, NATIVE  # noqa: E402


class SystemdCompat(harness.MeridianTestCase):

    def test_list_timezones_equals_real_systemd_timedated(self):
        self.polkit_allow_all()
        td = self.start_real_timedated()
        reference = list(self.call('ListTimezones', iface=FDO))
        self.assertIn('Asia/Seoul', reference)
        td.terminate()
        self.wait_until(lambda: not self.name_has_owner(FDO.name), what='timedated to go')
        self.start_daemon()
        ours_fdo = list(self.call('ListTimezones', iface=FDO))
        ours_native = list(self.call('ListTimezones', iface=NATIVE))
        missing = sorted(set(reference) - set(ours_fdo))
        extra = sorted(set(ours_fdo) - set(reference))
        self.assertEqual((missing[:20], extra[:20]), ([], []),
                         f'{len(missing)} missing, {len(extra)} extra')
        self.assertEqual(ours_fdo, reference, 'same set, different order')
        self.assertEqual(ours_native, reference)

    def test_bad_zone_errors_match_real_systemd_timedated(self):
        # Same error name for every bad name, from both (timedated checks names before polkit
        # and before touching /etc, so nothing lands in its overlay either).
        bad = ['../../etc/shadow', 'Asia/Seoul/', '', '/etc/passwd', 'Asia/../../x',
               'Asia/' + 'S' * 4096, 'Not/AZone', 'Asia/Seoul\nUTC=false', 'Asia/Seoul ']
        self.polkit_allow_all()
        td = self.start_real_timedated()
        reference = {}
        for name in bad:
            try:
                self.call('SetTimezone', name, False, iface=FDO)
                reference[name] = None
            except harness.DBusError as e:
                reference[name] = e.name
        self.assertEqual(os.listdir(self.tmp / 'timedated' / 'up'), [])
        self.assertNotIn(None, reference.values(), f'timedated accepted some: {reference}')
        td.terminate()
        self.wait_until(lambda: not self.name_has_owner(FDO.name), what='timedated to go')
        self.start_daemon()
        ours = {}
        for name in bad:
            try:
                self.call('SetTimezone', name, False, iface=FDO)
                ours[name] = None
            except harness.DBusError as e:
                ours[name] = e.name
        self.assertEqual({k[:40]: v for k, v in ours.items()},
                         {k[:40]: v for k, v in reference.items()})

    def describe_interface(self):
        xml = self.call('Introspect', iface=harness.Iface(
            FDO.name, FDO.path, 'org.freedesktop.DBus.Introspectable'))
        info = harness.Gio.DBusNodeInfo.new_for_xml(xml).lookup_interface(FDO.interface)
        self.assertIsNotNone(info, xml)
        return {
            'methods': {m.name: ([(a.name, a.signature) for a in m.in_args],
                                 [(a.name, a.signature) for a in m.out_args])
                        for m in info.methods},
            'properties': {p.name: (p.signature, int(p.flags)) for p in info.properties},
            'annotations': {p.name: dict((a.key, a.value) for a in (p.annotations or []))
                            for p in info.properties},
            'signals': sorted(s.name for s in info.signals),
        }

    def test_introspection_matches_real_systemd_timedated(self):
        # Methods with their argument names and types, properties with their types and access.
        # And the clock properties, which change all the time and are never announced, carry
        # EmitsChangedSignal=false as timedated's do, so that clients which cache properties
        # (GDBusProxy, sd-bus's property maps) know to read them afresh. (NTPSynchronized and
        # CanNTP may well be announced by meridiand, so their annotation is not compared.)
        self.polkit_allow_all()
        td = self.start_real_timedated()
        reference = self.describe_interface()
        td.terminate()
        self.wait_until(lambda: not self.name_has_owner(FDO.name), what='timedated to go')
        self.start_daemon()
        ours = self.describe_interface()
        for key in ('methods', 'properties', 'signals'):
            with self.subTest(key=key):
                self.assertEqual(ours[key], reference[key])
        emits = 'org.freedesktop.DBus.Property.EmitsChangedSignal'
        for prop in ('TimeUSec', 'RTCTimeUSec'):
            with self.subTest(annotation=prop):
                self.assertEqual(reference['annotations'][prop].get(emits), 'false')
                self.assertEqual(ours['annotations'][prop].get(emits), 'false',
                                 f'{prop} lacks {emits}=false')

    def outcome_as_nobody(self, method, *args):
        r = self.run_as_nobody(['gdbus', 'call', '--system', '--dest', FDO.name, '--object-path',
                                FDO.path, '--method', f'{FDO.interface}.{method}', '--', *args])
        if r.returncode == 0:
            return 'ok'
        return next((t for t in r.stderr.replace(':', ' ').split()
                     if t.startswith('org.freedesktop.DBus.Error.')), r.stderr.strip())

    def test_unchanged_values_need_no_authorization_like_timedated(self):
        # polkit denies everything; a call that would change nothing returns at once (timedated:
        # "validate -> return early if nothing would change -> authorize"), a real change is denied.
        self.polkit_deny_all()
        results = {}
        td = self.start_real_timedated()
        zone = self.get_property('Timezone', FDO)
        other = 'Asia/Seoul' if zone != 'Asia/Seoul' else 'Europe/Berlin'
        for who in ('systemd-timedated', 'meridiand'):
            if who == 'meridiand':
                td.terminate()
                self.wait_until(lambda: not self.name_has_owner(FDO.name), what='timedated to go')
                self.start_daemon()
                zone = self.get_property('Timezone', FDO)
                other = 'Asia/Seoul' if zone != 'Asia/Seoul' else 'Europe/Berlin'
            rtc = 'true' if self.get_property('LocalRTC', FDO) else 'false'
            results[who] = {
                'SetTimezone(same)': self.outcome_as_nobody('SetTimezone', zone, 'false'),
                'SetTimezone(other)': self.outcome_as_nobody('SetTimezone', other, 'false'),
                'SetLocalRTC(same)': self.outcome_as_nobody('SetLocalRTC', rtc, 'false', 'false'),
            }
        self.assertEqual(results['systemd-timedated']['SetTimezone(other)'],
                         'org.freedesktop.DBus.Error.AccessDenied', results)
        self.assertEqual(results['meridiand'], results['systemd-timedated'])


if __name__ == '__main__':
    harness.main()
