#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What meridiand asks polkit, as seen on the bus: the caller's bus name as the subject
(system-bus-name, so polkit resolves the caller itself, race-free), the method's own action,
and AllowUserInteraction (flag 1) exactly when the call's `interactive` argument is true; the
arguments' exact types and values as polkitd's Authority interface reads them; the cancel of
a departed caller's check; and the refusal when polkitd is absent or fails."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from gi.repository import GLib  # noqa: E402
from harness import ACTION, FDO, NATIVE, POLKIT, SOURCES  # noqa: E402

ALLOW_USER_INTERACTION = 1
ACCESS_DENIED = 'org.freedesktop.DBus.Error.AccessDenied'


class PolkitWire(harness.MeridianTestCase):

    def setUp(self):
        super().setUp()
        self.polkit_allow_all()
        self.start_daemon()
        # SetTime needs NTP off; done before we start watching.
        if self.get_property('NTP'):
            self.call('SetNTP', False, False)
        self.checks = self.watch_polkit_checks()

    def check_for(self, iface, method, args, action, interactive):
        caller = self.new_connection()
        self.addCleanup(caller.close_sync, None)
        n = len(self.checks)
        self.call(method, *args, interactive, iface=iface, conn=caller)
        self.wait_until(lambda: len(self.checks) > n, timeout=5,
                        what=f'a CheckAuthorization for {method}')
        new = self.checks[n:]
        self.assertEqual(len(new), 1, new)
        c = new[0]
        self.assertEqual(c['action'], ACTION[action] if iface is SOURCES else harness.action_for(iface, action))
        self.assertEqual(c['subject_kind'], 'system-bus-name')
        self.assertEqual(c['subject'].get('name'), caller.get_unique_name())
        self.assertEqual(bool(c['flags'] & ALLOW_USER_INTERACTION), interactive,
                         f'{method} interactive={interactive} sent flags={c["flags"]}')
        return c, caller

    def run_methods(self, iface, interactive):
        # Every call is a real change (an unchanged value returns before polkit is asked).
        zone = 'Asia/Seoul' if interactive else 'Europe/Berlin'
        self.check_for(iface, 'SetTimezone', [zone], 'set-timezone', interactive)
        self.check_for(iface, 'SetLocalRTC', [not self.get_property('LocalRTC'), False],
                       'set-local-rtc', interactive)
        self.check_for(iface, 'SetNTP', [not self.get_property('NTP')], 'set-ntp', interactive)
        self.call('SetNTP', False, False)
        self.check_for(iface, 'SetTime', [1000000, True], 'set-time', interactive)

    def test_polkit_subject_action_and_interaction_flag_native_interactive_false(self):
        self.run_methods(NATIVE, False)

    def test_polkit_subject_action_and_interaction_flag_native_interactive_true(self):
        self.run_methods(NATIVE, True)

    def test_polkit_subject_action_and_interaction_flag_timedate1_interactive_false(self):
        self.run_methods(FDO, False)

    def test_polkit_subject_action_and_interaction_flag_timedate1_interactive_true(self):
        self.run_methods(FDO, True)

    def test_polkit_subject_action_and_interaction_flag_sources(self):
        for interactive in (False, True):
            # A source already present is refused (as chronyc does): a new port each time.
            port = 12399 + int(interactive)
            self.check_for(SOURCES, 'AddSource', [f'server 127.0.0.1 port {port} iburst'],
                           'manage-sources', interactive)
            self.check_for(SOURCES, 'Burst', [], 'manage-sources', interactive)
            self.check_for(SOURCES, 'MakeStep', [], 'manage-sources', interactive)
            self.check_for(SOURCES, 'Reselect', [], 'manage-sources', interactive)
            self.check_for(SOURCES, 'Refresh', [], 'manage-sources', interactive)
            # the one source at 127.0.0.1 (an unchanged value would need no check), then gone
            # so that the next round's is the only one again
            self.check_for(SOURCES, 'ModifySource', ['127.0.0.1', 'maxpoll', '8'],
                           'manage-sources', interactive)
            self.call('RemoveSourceByName', '127.0.0.1', False, iface=SOURCES, signature='(sb)')

    def test_reads_ask_polkit_nothing(self):
        n = len(self.checks)
        for iface in (NATIVE, FDO):
            self.get_all(iface)
            self.call('ListTimezones', iface=iface)
        self.call('ListZones')
        self.call('ListCountryZones', 'DE')
        self.call('DescribeZone', 'Asia/Seoul', 0)
        # A change after the reads: its check proves the watcher works, and is the only one.
        self.call('SetTimezone', 'Asia/Tokyo', False)
        self.wait_until(lambda: len(self.checks) > n, timeout=5, what='the SetTimezone check')
        self.assertEqual([c['action'] for c in self.checks[n:]], [ACTION['set-timezone']])

    def test_check_arguments_exactly_as_polkitd_reads_them(self):
        # polkitd reads the subject's "name" only as a string variant, and takes every details
        # entry as something the agent shows or a rule can test: the whole call, types and
        # all, is compared with what polkit's Authority interface documents for a bus name.
        ids = set()
        for iface, method, args, action, interactive in (
                (NATIVE, 'SetTimezone', ['Asia/Seoul'], 'set-timezone', True),
                (FDO, 'SetTimezone', ['Europe/Berlin'], 'set-timezone', False),
                (SOURCES, 'Burst', [], 'manage-sources', False)):
            c, caller = self.check_for(iface, method, args, action, interactive)
            cancellation_id = c['cancellation_id']
            self.assertTrue(cancellation_id, 'no cancellation id: the check could not be cancelled')
            self.assertNotIn(cancellation_id, ids, 'cancellation ids must differ per check')
            ids.add(cancellation_id)
            action_id = (ACTION[action] if iface is SOURCES
                         else harness.action_for(iface, action))
            expected = GLib.Variant('((sa{sv})sa{ss}us)', (
                ('system-bus-name', {'name': GLib.Variant('s', caller.get_unique_name())}),
                action_id, {}, ALLOW_USER_INTERACTION if interactive else 0, cancellation_id))
            self.assertEqual(c['body'].print_(True), expected.print_(True), f'{method}')

    def test_departed_callers_check_is_cancelled_by_its_id_once_polkitd_had_time(self):
        # The stand-in keeps every check (as polkitd does when the agent is on another
        # connection and never answers); the caller leaves. polkitd gets
        # CancelCheckAuthorization for that very check, not at once (polkitd usually ends such
        # a check itself, service/mrd-auth.c) but within a few seconds, and nothing changes.
        self.polkit_mock('SimulateHang', True)
        self.polkit_mock('ClearCalls')
        snap = self.snapshot_root()
        caller = self.new_connection()
        self.call_async('SetTimezone', 'Asia/Seoul', False, conn=caller)
        self.wait_until(lambda: len(self.checks) == 1, timeout=5, what='the check')
        self.wait_until(lambda: self.polkit_mock('HaveHangingCalls'), timeout=5,
                        what='the stand-in to hold the check')
        caller.close_sync(None)
        left = time.monotonic()

        def cancels():
            return [[str(a) for a in args]
                    for _, args in self.polkit_mock('GetMethodCalls', 'CancelCheckAuthorization')]
        self.wait_until(lambda: cancels(), timeout=10, what='CancelCheckAuthorization')
        waited = time.monotonic() - left
        self.assertEqual(cancels(), [[self.checks[0]['cancellation_id']]])
        self.assertGreater(waited, 4.0, 'cancelled before polkitd had time to end it itself')
        self.polkit_mock('SimulateHang', False)
        self.polkit_mock('ReleaseHangingCalls')
        self.get_all(NATIVE)   # a round trip after the late answer reached meridiand
        self.assert_root_unchanged(snap)
        self.assertNotIn('Error cancelling', self.daemon.log())


class PolkitUnavailable(harness.MeridianTestCase):
    """No polkit stand-in: polkitd absent, then one that answers every check with an error."""
    polkit = None

    def refused(self):
        with self.assertRaises(harness.DBusError) as cm:
            self.call('SetTimezone', 'Asia/Seoul', False)
        self.assertEqual(cm.exception.name, ACCESS_DENIED)
        return cm.exception.message

    def test_absent_or_failing_polkitd_refuses_with_its_reason(self):
        self.start_daemon()
        snap = self.snapshot_root()
        message = self.refused()
        # The bus's reason: no such name.
        self.assertTrue(message.startswith('Authorization check failed: '), message)
        self.assertIn('org.freedesktop.DBus.Error.ServiceUnknown', message)
        self.assertIn(POLKIT.name, message)

        self.start_service([sys.executable or '/usr/bin/python3', '-m', 'dbusmock', '--system',
                            POLKIT.name, POLKIT.path, POLKIT.interface], POLKIT.name,
                           'polkit-mock.log')
        self.call('AddMethod', POLKIT.interface, 'CheckAuthorization', '(sa{sv})sa{ss}us',
                  '(bba{ss})',
                  'raise dbus.exceptions.DBusException("the authority is broken", '
                  'name="org.freedesktop.PolicyKit1.Error.Failed")',
                  signature='(sssss)',
                  iface=harness.Iface(POLKIT.name, POLKIT.path, 'org.freedesktop.DBus.Mock'))
        # polkitd's error, its name and its text.
        message = self.refused()
        self.assertTrue(message.startswith('Authorization check failed: '), message)
        self.assertIn('org.freedesktop.PolicyKit1.Error.Failed', message)
        self.assertTrue(message.endswith(': the authority is broken'), message)
        self.assert_root_unchanged(snap)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/UTC')
        warnings = [ln for ln in self.daemon.log().splitlines() if 'polkit check of' in ln]
        self.assertEqual(len(warnings), 2, warnings)


class PolkitWireVsTimedated(harness.MeridianTestCase):
    """What the real systemd-timedated 252 sends (the interaction flag and the action id), as
    the reference for org.freedesktop.timedate1."""

    def flags_sent(self, checks, interactive, message_flag, zone):
        n = len(checks)
        argv = ['gdbus', 'call', '--system', '--dest', FDO.name, '--object-path', FDO.path,
                '--method', 'org.freedesktop.timedate1.SetTimezone']
        if message_flag:
            argv.append('--interactive')   # the message's ALLOW_INTERACTIVE_AUTHORIZATION flag
        # A non-root caller: timedated lets root through without asking polkit at all.
        r = self.run_as_nobody(argv + ['--', zone, 'true' if interactive else 'false'])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_until(lambda: len(checks) > n, timeout=5, what='a CheckAuthorization')
        return checks[-1]['flags'] & ALLOW_USER_INTERACTION, checks[-1]['action']

    def test_allow_interactive_message_flag_honoured_as_timedated_does(self):
        self.polkit_allow_all()
        checks = self.watch_polkit_checks()
        cases = [(False, False), (True, False), (False, True)]
        zones = ['Asia/Seoul', 'Europe/Berlin', 'Asia/Tokyo']
        td = self.start_real_timedated()
        reference = [self.flags_sent(checks, i, m, z) for (i, m), z in zip(cases, zones)]
        td.terminate()
        self.wait_until(lambda: not self.name_has_owner(FDO.name), what='timedated to go')
        self.start_daemon()
        ours = [self.flags_sent(checks, i, m, z) for (i, m), z in zip(cases, zones)]
        labels = [f'interactive={i} message-flag={m}' for i, m in cases]
        self.assertEqual(dict(zip(labels, ours)), dict(zip(labels, reference)),
                         'AllowUserInteraction or the action sent to polkit differs from '
                         'systemd-timedated')
        # timedated's own action id, which GNOME's implied action and sites' rules grant.
        self.assertEqual({a for _, a in reference}, {'org.freedesktop.timedate1.set-timezone'})


if __name__ == '__main__':
    harness.main()
