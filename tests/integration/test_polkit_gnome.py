#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The real polkitd with a desktop's grant, as GNOME Settings ships it: a policy for
org.gnome.controlcenter.datetime.configure whose org.freedesktop.policykit.imply annotation
names timedated's actions (set-timezone, set-ntp, set-time -- not set-local-rtc), and a rules.d
rule granting that action to a user (Debian's rules grant it to local administrators; here the
test's non-root caller, uid nobody, which has no session and no agent). The calls it implies
must go through on org.freedesktop.timedate1 exactly as with systemd-timedated (reference case
on the real timedated included); everything else, the native interface above all, still needs
its own action and is refused (InteractiveAuthorizationRequired: auth_admin_keep with no agent)
with nothing changed."""

import os
import pathlib
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FDO, NATIVE  # noqa: E402

IAR = 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired'
SRC = pathlib.Path(os.environ.get('MERIDIAN_SOURCE_ROOT', '.'))
POLICY = SRC / 'polkit' / 'org.meridian.time1.policy'
FDO_POLICY = SRC / 'polkit' / 'org.freedesktop.timedate1.policy'
SYSTEMD_FDO_POLICY = pathlib.Path('/usr/share/polkit-1/actions/org.freedesktop.timedate1.policy')
GNOME_ACTION = 'org.gnome.controlcenter.datetime.configure'
IMPLIED = ['org.freedesktop.timedate1.set-timezone', 'org.freedesktop.timedate1.set-ntp',
           'org.freedesktop.timedate1.set-time']

GNOME_POLICY = f'''<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE policyconfig PUBLIC "-//freedesktop//DTD PolicyKit Policy Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/PolicyKit/1/policyconfig.dtd">
<policyconfig>
  <action id="{GNOME_ACTION}">
    <description>Change system time and date settings</description>
    <message>To change time or date settings, you need to authenticate.</message>
    <defaults>
      <allow_any>auth_admin_keep</allow_any>
      <allow_inactive>auth_admin_keep</allow_inactive>
      <allow_active>auth_admin_keep</allow_active>
    </defaults>
    <annotate key="org.freedesktop.policykit.imply">{' '.join(IMPLIED)}</annotate>
  </action>
</policyconfig>
'''

GNOME_RULE = f'''polkit.addRule(function(action, subject) {{
    if (action.id == "{GNOME_ACTION}" && subject.user == "nobody")
        return polkit.Result.YES;
}});
'''


class GnomeImpliedAction(harness.MeridianTestCase):
    polkit = 'real'

    def gnome_files(self):
        d = self.tmp / 'gnome'
        d.mkdir()
        policy = d / 'org.gnome.controlcenter.datetime.policy'
        policy.write_text(GNOME_POLICY)
        rule = d / '60-gnome-datetime.rules'
        rule.write_text(GNOME_RULE)
        return policy, rule

    def as_nobody(self, iface, method, *args):
        """None on success, else the D-Bus error name."""
        r = self.run_as_nobody(['gdbus', 'call', '--system', '--dest', iface.name,
                                '--object-path', iface.path, '--method',
                                f'{iface.interface}.{method}', '--', *args, 'false'])
        if r.returncode == 0:
            return None
        for token in r.stderr.replace(':', ' ').split():
            if token.startswith('org.freedesktop.DBus.Error.'):
                return token
        self.fail(f'{method} failed without a D-Bus error name: {r.stderr}')

    def pkcheck_as_nobody(self, action):
        # --process: a process of nobody's (the shell pkcheck itself runs in).
        r = self.run_as_nobody(['sh', '-c', f'exec pkcheck --action-id {action} --process $$'])
        return r.returncode

    def test_gnome_implied_action_unlocks_timedate1_calls_not_native_ones(self):
        policy, rule = self.gnome_files()
        self.start_real_polkitd([POLICY, FDO_POLICY, policy], rules_files=[rule])
        # polkitd itself: the rule grants GNOME's action, and through its imply annotation
        # timedated's set-ntp -- but not ours, and not set-local-rtc.
        self.assertEqual(self.pkcheck_as_nobody(GNOME_ACTION), 0)
        self.assertEqual(self.pkcheck_as_nobody('org.freedesktop.timedate1.set-ntp'), 0)
        self.assertNotEqual(self.pkcheck_as_nobody('org.meridian.time1.set-ntp'), 0)
        self.assertNotEqual(self.pkcheck_as_nobody('org.freedesktop.timedate1.set-local-rtc'), 0)

        self.start_daemon()
        self.call('SetNTP', False, False)   # as root, so that SetTime reaches polkit

        # The implied calls go through on timedate1, as GNOME Settings makes them.
        self.assertIsNone(self.as_nobody(FDO, 'SetTimezone', 'Asia/Seoul'))
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Seoul')
        t0 = self.get_property('TimeUSec')
        self.assertIsNone(self.as_nobody(FDO, 'SetTime', '3600000000', 'true'))
        self.assertGreaterEqual(self.get_property('TimeUSec') - t0, 3600 * 10**6)
        self.assertIsNone(self.as_nobody(FDO, 'SetNTP', 'true'))
        self.assertTrue(self.get_property('NTP'))

        # Not implied: set-local-rtc, and every native action.
        snap = self.snapshot_root()
        self.assertEqual(self.as_nobody(FDO, 'SetLocalRTC', 'true', 'false'), IAR)
        self.assertEqual(self.as_nobody(NATIVE, 'SetTimezone', 'Europe/Berlin'), IAR)
        self.assertEqual(self.as_nobody(NATIVE, 'SetNTP', 'false'), IAR)
        self.assertEqual(self.as_nobody(NATIVE, 'SetLocalRTC', 'true', 'false'), IAR)
        self.assert_root_unchanged(snap)
        self.assertEqual(self.get_property('Timezone'), 'Asia/Seoul')
        self.assertTrue(self.get_property('NTP'))
        self.assertFalse(self.get_property('LocalRTC'))

    def test_without_the_rule_timedate1_calls_need_authentication(self):
        # The same policies without the rule: the grant, not the policy, opens the calls.
        policy, _ = self.gnome_files()
        self.start_real_polkitd([POLICY, FDO_POLICY, policy])
        self.start_daemon()
        snap = self.snapshot_root()
        self.assertEqual(self.as_nobody(FDO, 'SetTimezone', 'Asia/Seoul'), IAR)
        self.assert_root_unchanged(snap)

    def test_reference_real_timedated_with_the_gnome_rule(self):
        if not SYSTEMD_FDO_POLICY.exists():
            self.skipTest(f'{SYSTEMD_FDO_POLICY} (systemd\'s) is not installed')
        policy, rule = self.gnome_files()
        self.start_real_polkitd([SYSTEMD_FDO_POLICY, policy], rules_files=[rule])
        self.start_real_timedated()
        # Never SetTime on the real timedated; SetNTP needs systemd (timesyncd's unit).
        self.assertIsNone(self.as_nobody(FDO, 'SetTimezone', 'Asia/Seoul'))
        self.assertEqual(os.readlink(self.tmp / 'timedated' / 'up' / 'localtime'),
                         '../usr/share/zoneinfo/Asia/Seoul')
        self.assertEqual(self.as_nobody(FDO, 'SetLocalRTC', 'true', 'false'), IAR)


if __name__ == '__main__':
    harness.main()
