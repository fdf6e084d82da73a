#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The hostile D-Bus matrix: every method of every interface meridiand exports (found by
introspecting its objects, so a new method is covered without editing this file) × wrong
argument types, too few and too many arguments, empty strings, 1 MiB strings, a denied caller,
a caller leaving while its polkit check is pending, and, at the end, 1000 calls in flight
from a denied caller. Printed as a table of cases and outcomes. Asserted: nothing under the
root changes unless the call was authorized and valid; no error reply repeats more than 1 KiB;
the daemon answers after every case. Polkit: dbusmock's polkitd template."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT', '.'), 'tests',
                                'integration'))
import harness  # noqa: E402

# The figures show even when the output is a pipe and the run ends on a failure.
sys.stdout.reconfigure(line_buffering=True)
from harness import SOURCES, GLib, Gio  # noqa: E402

SERVICES = ['org.meridian.Time1', 'org.freedesktop.timedate1', 'org.freedesktop.timesync1']
HUGE = 'A' * (1024 * 1024)
SANITIZED = os.environ.get('MERIDIAN_SANITIZED') == '1'
IN_FLIGHT = int(os.environ.get('MERIDIAN_MATRIX_IN_FLIGHT', '1000'))

# Valid arguments of the methods we know; any other method gets plain defaults per type.
VALID = {
    'SetTimezone': ('Asia/Seoul', False), 'SetNTP': (False, False),
    'SetTime': (60_000_000, True, False), 'SetLocalRTC': (True, False, False),
    'ListCountryZones': ('KR',), 'DescribeZone': ('Asia/Seoul', 0),
    'AddSource': ('server 127.0.0.9 iburst', False), 'RemoveSourceByName': ('127.0.0.8', False),
    'Burst': (False,), 'MakeStep': (False,), 'SetConnectivity': ('offline', '', False),
    'BurstSources': (4, 4, '', False), 'SetDirective': ('makestep', '1 3', False),
    'ReloadSources': (False,), 'Rekey': (False,), 'ResetSources': (False,),
    'ListClients': (False,),
    # the source test_every_method_by_every_hostile_case adds (minpoll 6 by default)
    'ModifySource': ('127.0.0.8', 'minpoll', '8', False),
}
DEFAULTS = {'s': '', 'b': False, 'y': 0, 'n': 0, 'q': 0, 'i': 0, 'u': 0, 'x': 0, 't': 0,
            'd': 0.0, 'o': '/', 'g': ''}


def split_signature(sig):
    """'sbx' -> ['s', 'b', 'x']; containers kept whole ('as', 'a{sv}', '(ii)')."""
    out, i = [], 0
    while i < len(sig):
        j = i
        while sig[j] == 'a':
            j += 1
        if sig[j] in '({':
            depth, k = 0, j
            while True:
                depth += sig[k] in '({'
                depth -= sig[k] in ')}'
                k += 1
                if depth == 0:
                    break
            j = k
        else:
            j += 1
        out.append(sig[i:j])
        i = j
    return out


def default_for(t):
    if t in DEFAULTS:
        return DEFAULTS[t]
    if t.startswith('a{'):
        return {}
    if t.startswith('a'):
        return []
    return None


class Method:
    def __init__(self, service, path, iface, name, in_types):
        self.service, self.path, self.iface, self.name = service, path, iface, name
        self.in_types = in_types

    @property
    def label(self):
        short = self.iface.replace('org.freedesktop.', 'fdo.').replace('org.meridian.', 'm.')
        return f'{short}.{self.name}'

    def valid_args(self, source_path, now):
        """Arguments that are valid and, for a setter, change something (an unchanged value
        needs no authorization, as with timedated)."""
        if self.name == 'RemoveSource':
            return (source_path, False)
        if self.name == 'SetTimezone':
            return ('Europe/Paris' if now['Timezone'] == 'Asia/Seoul' else 'Asia/Seoul', False)
        if self.name == 'SetNTP':
            return (not now['NTP'], False)
        if self.name == 'SetLocalRTC':
            return (not now['LocalRTC'], False, False)
        if self.name in VALID and len(VALID[self.name]) == len(self.in_types):
            return VALID[self.name]
        return tuple(default_for(t) for t in self.in_types)


class DBusMatrix(harness.MeridianTestCase):

    def introspect(self, service, path):
        xml = self.bus.call_sync(service, path, 'org.freedesktop.DBus.Introspectable',
                                 'Introspect', None, GLib.VariantType('(s)'),
                                 Gio.DBusCallFlags.NONE, 5000, None).unpack()[0]
        return Gio.DBusNodeInfo.new_for_xml(xml)

    def methods(self):
        found, seen = [], set()
        for service in SERVICES:
            todo = ['/']
            while todo:
                path = todo.pop()
                node = self.introspect(service, path)
                for child in node.nodes:
                    todo.append(path.rstrip('/') + '/' + child.path)
                for iface in node.interfaces:
                    if iface.name.startswith('org.freedesktop.DBus.'):
                        continue
                    for m in iface.methods:
                        # Every name is owned by the one connection: an object found
                        # through several names is the same object.
                        key = (path, iface.name, m.name)
                        if key in seen:
                            continue
                        seen.add(key)
                        found.append(Method(service, path, iface.name, m.name,
                                            [a.signature for a in m.in_args]))
        return found

    def raw_call(self, m, sig, args, conn=None, timeout=25):
        """Call with an explicit signature; returns 'ok' or the error's last name component,
        and the message."""
        conn = conn or self.bus
        params = GLib.Variant(f'({sig})', tuple(args)) if sig else None
        try:
            conn.call_sync(m.service, m.path, m.iface, m.name, params, None,
                           Gio.DBusCallFlags.NONE, int(timeout * 1000 * harness.TIMEOUT_SCALE),
                           None)
            return 'ok', ''
        except GLib.Error as e:
            err = harness._to_dbus_error(e)
            return err.name.rsplit('.', 1)[-1], err.message

    def now(self):
        return {k: self.get_property(k) for k in ('Timezone', 'NTP', 'LocalRTC')}

    def alive(self):
        self.assertTrue(self.daemon.alive(), 'meridiand died')
        self.assertIsInstance(self.get_property('Timezone'), str)

    def check(self, m, case, sig, args, table, snap):
        outcome, message = self.raw_call(m, sig, args)
        self.assertLessEqual(len(message.encode()), 1024,
                             f'{m.label} {case}: a {len(message)}-character error message')
        self.assert_root_unchanged(snap, msg=f'after {m.label} {case} ({outcome}: {message})')
        table.setdefault(m.label, {}).setdefault(case, set()).add(outcome)
        return outcome

    def wrong_type_cases(self, m, valid):
        for i, t in enumerate(m.in_types):
            wrong_t, wrong_v = ('u', 7) if t != 'u' else ('s', 'x')
            types = list(m.in_types)
            types[i] = wrong_t
            args = list(valid)
            args[i] = wrong_v
            yield ''.join(types), args
        if not m.in_types:
            yield 'u', [7]

    def string_cases(self, m, valid, value):
        for i, t in enumerate(m.in_types):
            if t in ('s', 'o'):
                args = list(valid)
                args[i] = value if t == 's' else ('/' if value == '' else '/' + 'a' * 60000)
                yield ''.join(m.in_types), args

    def test_every_method_by_every_hostile_case(self):
        self.polkit_allow_all()
        self.start_daemon('--no-engine')
        # One source, so that RemoveSource has something valid to name.
        source = self.call('AddSource', 'server 127.0.0.8 iburst', False, iface=SOURCES)
        methods = self.methods()
        names = {m.name for m in methods}
        for must in ('SetTimezone', 'SetNTP', 'SetTime', 'SetLocalRTC', 'AddSource',
                     'RemoveSource', 'ListTimezones', 'DescribeZone'):
            self.assertIn(must, names, 'introspection missed a method')
        cases = ['wrong type', 'too few', 'too many', 'empty str', '1 MiB str', 'denied',
                 'left mid-check', 'allowed valid']
        table = {}
        for m in methods:
            valid = m.valid_args(source, self.now())
            sig = ''.join(m.in_types)
            # Authorized but invalid: nothing may change.
            self.polkit_allow_all()
            snap = self.snapshot_root()
            for s, a in self.wrong_type_cases(m, valid):
                self.check(m, 'wrong type', s, a, table, snap)
            if m.in_types:
                self.check(m, 'too few', ''.join(m.in_types[:-1]), valid[:-1], table, snap)
            self.check(m, 'too many', sig + 's', list(valid) + ['extra'], table, snap)
            for s, a in self.string_cases(m, valid, ''):
                self.check(m, 'empty str', s, a, table, snap)
            for s, a in self.string_cases(m, valid, HUGE):
                self.check(m, '1 MiB str', s, a, table, snap)
            # Valid but denied.
            self.polkit_deny_all()
            self.check(m, 'denied', sig, valid, table, snap)
            # Valid, allowed, but the caller leaves while polkit decides.
            self.polkit_allow_all()
            self.polkit_mock('SimulateHang', True)
            caller = self.new_connection()
            pending = self.call_async(m.name, *valid, conn=caller, signature=f'({sig})' if sig
                                      else None, iface=harness.Iface(m.service, m.path, m.iface))
            self.wait_until(lambda: pending.done or self.polkit_mock('HaveHangingCalls'),
                            timeout=10, what=f'{m.label} to be answered or to ask polkit')
            if pending.done:
                outcome = 'no check: ' + ('ok' if pending.error is None
                                          else pending.error.name.rsplit('.', 1)[-1])
            else:
                caller.close_sync(None)
                time.sleep(0.05)
                outcome = 'left'
            self.polkit_mock('SimulateHang', False)
            self.polkit_mock('ReleaseHangingCalls')
            time.sleep(0.1)
            if not caller.is_closed():
                caller.close_sync(None)
            self.alive()
            self.assert_root_unchanged(snap, msg=f'after {m.label} left mid-check')
            table[m.label]['left mid-check'] = {outcome}
            # Control: authorized and valid may change the disk (and shows the cases above
            # could have).
            outcome, _ = self.raw_call(m, sig, valid)
            changed = self.snapshot_root() != snap
            table[m.label]['allowed valid'] = {outcome + (' (disk changed)' if changed else '')}
            if m.name == 'AddSource' and outcome == 'ok':
                self.call('RemoveSourceByName', '127.0.0.9', False, iface=SOURCES,
                          signature='(sb)')
            if m.name in ('RemoveSource', 'RemoveSourceByName') and outcome == 'ok':
                source = self.call('AddSource', 'server 127.0.0.8 iburst', False, iface=SOURCES)
            self.alive()
        # The table.
        w = max(len(k) for k in table) + 1
        print(f'{"method":<{w}}| ' + ' | '.join(cases))
        for label in sorted(table):
            row = table[label]
            print(f'{label:<{w}}| ' + ' | '.join(
                '/'.join(sorted(row.get(c, {'n/a'}))) for c in cases))
        print(f'{len(methods)} methods, '
              f'{sum(len(v) for r in table.values() for v in r.values())} distinct outcomes')
        # Every setter changed the disk when allowed and valid, and only then; a denied caller
        # gets AccessDenied from every method that needs authorization.
        for label, row in table.items():
            name = label.rsplit('.', 1)[-1]
            if name in ('SetTimezone', 'SetNTP', 'SetLocalRTC', 'AddSource', 'RemoveSource',
                        'RemoveSourceByName'):
                self.assertEqual(row['allowed valid'], {'ok (disk changed)'}, label)
            if name.startswith(('Set', 'Add', 'Remove', 'Burst', 'MakeStep', 'Modify')):
                self.assertEqual(row['denied'], {'AccessDenied'}, label)
                self.assertEqual(row['left mid-check'], {'left'}, label)
            # chronyc's source modification is kept while the daemon runs, written nowhere
            if name == 'ModifySource':
                self.assertEqual(row['allowed valid'], {'ok'}, label)
        # ---- many calls in flight from a denied caller: nothing changes, all answered ----
        self.polkit_deny_all()
        self.polkit_mock('SetDelay', 0.005)
        snap = self.snapshot_root()
        now = self.now()
        mutating = [m for m in methods if m.name in VALID or m.name == 'RemoveSource']
        conns = [self.new_connection() for _ in range(10)]
        pend = []
        n = IN_FLIGHT // (4 if SANITIZED else 1)
        t0 = time.monotonic()
        for i in range(n):
            m = mutating[i % len(mutating)]
            pend.append(self.call_async(m.name, *m.valid_args(source, now), conn=conns[i % 10],
                                        signature=f'({"".join(m.in_types)})',
                                        iface=harness.Iface(m.service, m.path, m.iface),
                                        timeout=60))
        self.wait_until(lambda: all(p.done for p in pend), timeout=120,
                        what=f'{n} replies')
        counts = {}
        for p in pend:
            k = 'ok' if p.error is None else p.error.name.rsplit('.', 1)[-1]
            counts[k] = counts.get(k, 0) + 1
        print(f'{n} calls in flight from a denied caller, answered in '
              f'{time.monotonic() - t0:.2f} s: {counts}')
        self.assertNotIn('NoReply', counts)
        self.assertNotIn('Timeout', counts)
        for c in conns:
            c.close_sync(None)
        self.assert_root_unchanged(snap, msg='after the calls in flight')
        self.alive()


if __name__ == '__main__':
    harness.main()
