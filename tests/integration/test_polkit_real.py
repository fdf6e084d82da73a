#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The REAL polkitd (harness.start_real_polkitd) with our polkit/org.meridian.time1.policy, and a caller
that is not root (polkit always authorizes root). With no session and no authentication agent,
an action whose allow_any default is auth_* "needs interaction": systemd-timedated 252 with
polkitd 122 answers InteractiveAuthorizationRequired whether `interactive` is false or true
(with no agent registered, polkitd reports a challenge either way) -- the reference test below
checks that on the real timedated, and meridiand must answer the same. An action whose
allow_any is "no" gets AccessDenied, "yes" succeeds."""

import os
import pathlib
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FDO, NATIVE, SOURCES  # noqa: E402

IAR = 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired'
DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
POLICY = pathlib.Path(os.environ.get('MERIDIAN_SOURCE_ROOT', '.')) / 'polkit' / 'org.meridian.time1.policy'
FDO_POLICY = POLICY.with_name('org.freedesktop.timedate1.policy')
TIMEDATED_POLICY = '/usr/share/polkit-1/actions/org.freedesktop.timedate1.policy'

# method -> (action, gdbus arguments that make a real change on a fresh root, native only?)
METHODS = {
    'SetTimezone': ('set-timezone', ['Asia/Seoul'], False),
    'SetLocalRTC': ('set-local-rtc', ['true', 'false'], False),
    'SetTime': ('set-time', ['1000000', 'true'], False),   # relative +1 s, with NTP off
    'SetNTP': ('set-ntp', ['true'], False),
    'AddSource': ('manage-sources', ['server 127.0.0.1 port 12399 iburst'], True),
    'Burst': ('manage-sources', [], True),
    'MakeStep': ('manage-sources', [], True),
    'Reselect': ('manage-sources', [], True),
    'Refresh': ('manage-sources', [], True),
}


def allow_any_defaults(policy):
    out = {}
    for action in ET.parse(policy).getroot().iter('action'):
        d = action.find('defaults')
        out[action.get('id')] = d.findtext('allow_any', '').strip() if d is not None else ''
    return out


def expected_error(default):
    if default.startswith('auth_'):
        return IAR
    if default == 'yes':
        return None
    return DENIED


class RealPolkit(harness.MeridianTestCase):
    polkit = 'real'

    def gdbus_as_nobody(self, iface, method, args, interactive):
        argv = ['gdbus', 'call', '--system', '--dest', iface.name, '--object-path', iface.path,
                '--method', f'{iface.interface}.{method}', '--', *args,
                'true' if interactive else 'false']
        r = self.run_as_nobody(argv)
        if r.returncode == 0:
            return None
        for token in r.stderr.replace(':', ' ').split():
            if token.startswith('org.freedesktop.DBus.Error.') or token.startswith('org.meridian.'):
                return token
        self.fail(f'unexpected failure of {argv}: {r.stderr}')

    def check_interface(self, iface, interactive):
        defaults = {**allow_any_defaults(POLICY), **allow_any_defaults(FDO_POLICY)}
        self.assertTrue(any(v.startswith('auth_') for v in defaults.values()),
                        f'no action needs authentication for a non-session caller: {defaults}')
        self.start_real_polkitd([POLICY, FDO_POLICY])
        self.start_daemon()
        # Sanity: the caller really is not root and reaches the bus (a read works).
        r = self.run_as_nobody(['gdbus', 'call', '--system', '--dest', iface.name,
                                '--object-path', iface.path, '--method',
                                'org.freedesktop.DBus.Properties.Get', iface.interface, 'Timezone'])
        self.assertEqual(r.returncode, 0, r.stderr)
        # Root is always authorized by polkit: turn NTP off as root, so SetTime reaches polkit.
        if self.get_property('NTP'):
            self.call('SetNTP', False, False)
        self.assertFalse(self.get_property('NTP'))
        for method, (action, args, sources_only) in METHODS.items():
            if sources_only and iface is not NATIVE:
                continue
            with self.subTest(method=method):
                action_id = harness.ACTION[action] if sources_only else harness.action_for(iface, action)
                want = expected_error(defaults.get(action_id, ''))
                snap = self.snapshot_root()
                before = self.get_property('Timezone'), self.get_property('LocalRTC'), self.get_property('NTP')
                got = self.gdbus_as_nobody(SOURCES if sources_only else iface, method, args,
                                           interactive)
                self.assertEqual(got, want, f'{method} ({action_id}, allow_any='
                                 f'{defaults.get(action_id)}) interactive={interactive}')
                if want is not None:
                    self.assert_root_unchanged(snap)
                    after = self.get_property('Timezone'), self.get_property('LocalRTC'), self.get_property('NTP')
                    self.assertEqual(after, before)

    def test_real_polkit_native_non_root_interactive_false(self):
        self.check_interface(NATIVE, False)

    def test_real_polkit_native_non_root_interactive_true(self):
        self.check_interface(NATIVE, True)

    def test_real_polkit_timedate1_non_root_interactive_false(self):
        self.check_interface(FDO, False)

    def test_real_polkit_timedate1_non_root_interactive_true(self):
        self.check_interface(FDO, True)

    def test_reference_real_timedated_needs_interaction_without_agent(self):
        # What meridiand must imitate: the real timedated, as a non-root caller sees it.
        self.start_real_polkitd([TIMEDATED_POLICY])
        self.start_real_timedated()
        want = expected_error(allow_any_defaults(TIMEDATED_POLICY)['org.freedesktop.timedate1.set-timezone'])
        self.assertEqual(want, IAR)
        for interactive in (False, True):
            with self.subTest(interactive=interactive):
                got = self.gdbus_as_nobody(FDO, 'SetTimezone', ['Asia/Seoul'], interactive)
                self.assertEqual(got, IAR)
        self.assertFalse(os.path.lexists(self.tmp / 'timedated' / 'up' / 'localtime'))


if __name__ == '__main__':
    harness.main()
