#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The real polkitd (not a stand-in) and a local user (nobody) who registers an authentication
agent that never answers, then sends 140 SetNTP calls allowing interaction: polkitd hands each
check to the agent (BeginAuthentication, never answered), so the checks stay pending. meridiand
bounds them (16 per user): the user's calls beyond that get LimitsExceeded at once, and root,
another user (granted set-timezone by a rules.d rule), and the same user once it has gone are
answered at once."""

import json
import os
import pathlib
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT', '.'), 'tests',
                                'integration'))
import harness  # noqa: E402
from harness import FDO, NATIVE  # noqa: E402

# The figures show even when the output is a pipe and the run ends on a failure.
sys.stdout.reconfigure(line_buffering=True)

LIMITS = 'org.freedesktop.DBus.Error.LimitsExceeded'
IAR = 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired'
PER_USER = 16
N_CALLS = 140
SRC = pathlib.Path(os.environ.get('MERIDIAN_SOURCE_ROOT', '.'))
POLICIES = [SRC / 'polkit' / 'org.meridian.time1.policy',
            SRC / 'polkit' / 'org.freedesktop.timedate1.policy']
RULE = '''
polkit.addRule(function(action, subject) {
    if (action.id == "org.freedesktop.timedate1.set-timezone" && subject.user == "daemon")
        return polkit.Result.YES;
});
'''

# Run as uid nobody: registers an authentication agent for its own process that takes every
# BeginAuthentication and never answers, sends N SetNTP(false, interactive) at once, waits
# until the replies stop, prints {error name: count}, the agent's calls and one message per
# name, then keeps its connection (and so its checks) until stdin closes.
FLOODER = r'''
import json, os, sys, time
from gi.repository import Gio, GLib
n, dest, path, iface = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
conn = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
AGENT = """<node><interface name="org.freedesktop.PolicyKit1.AuthenticationAgent">
<method name="BeginAuthentication"><arg type="s" direction="in"/><arg type="s" direction="in"/>
<arg type="s" direction="in"/><arg type="a{ss}" direction="in"/><arg type="s" direction="in"/>
<arg type="a(sa{sv})" direction="in"/></method>
<method name="CancelAuthentication"><arg type="s" direction="in"/></method>
</interface></node>"""
held, agent_calls = [], {'BeginAuthentication': 0, 'CancelAuthentication': 0}
def on_call(c, sender, p, i, method, params, invocation):
    agent_calls[method] = agent_calls.get(method, 0) + 1
    if method == 'CancelAuthentication':
        invocation.return_value(None)
    else:
        held.append(invocation)     # never answered
info = Gio.DBusNodeInfo.new_for_xml(AGENT).interfaces[0]
conn.register_object('/org/meridian/test/Agent', info, on_call, None, None)
with open('/proc/self/stat') as f:
    start_time = int(f.read().rsplit(')', 1)[1].split()[19])
subject = ('unix-process', {'pid': GLib.Variant('u', os.getpid()),
                            'start-time': GLib.Variant('t', start_time),
                            'uid': GLib.Variant('i', os.getuid())})
conn.call_sync('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority',
               'org.freedesktop.PolicyKit1.Authority', 'RegisterAuthenticationAgent',
               GLib.Variant('((sa{sv})ss)', (subject, 'C', '/org/meridian/test/Agent')),
               None, Gio.DBusCallFlags.NONE, 10000, None)
counts, messages = {}, {}
def done(c, res, _):
    try:
        c.call_finish(res)
        name = 'ok'
    except GLib.Error as e:
        name = Gio.DBusError.get_remote_error(e) or str(e)
        Gio.DBusError.strip_remote_error(e)
        messages[name] = e.message
    counts[name] = counts.get(name, 0) + 1
for i in range(n):
    conn.call(dest, path, iface, 'SetNTP', GLib.Variant('(bb)', (False, True)), None,
              Gio.DBusCallFlags.ALLOW_INTERACTIVE_AUTHORIZATION, 3600 * 1000, None, done, None)
ctx = GLib.MainContext.default()
last, quiet_since = -1, time.monotonic()
while time.monotonic() - quiet_since < 2.0:
    while ctx.pending():
        ctx.iteration(False)
    total = sum(counts.values()) + agent_calls['BeginAuthentication']
    if total != last:
        last, quiet_since = total, time.monotonic()
    time.sleep(0.05)
print(json.dumps({'counts': counts, 'messages': messages, 'agent': agent_calls}), flush=True)
while sys.stdin.read(1):
    pass
'''


class RealPolkitFlood(harness.MeridianTestCase):
    polkit = 'real'

    def gdbus_as(self, user, iface, method, *args):
        t0 = time.monotonic()
        r = self.run_client(['setpriv', f'--reuid={user}', '--regid=nogroup', '--clear-groups',
                             'gdbus', 'call', '--system', '--dest', iface.name, '--object-path',
                             iface.path, '--method', f'{iface.interface}.{method}', '--', *args,
                             'false'], timeout=30)
        name = None
        if r.returncode != 0:
            name = next((t for t in r.stderr.replace(':', ' ').split()
                         if t.startswith('org.freedesktop.DBus.Error.')), r.stderr)
        return name, time.monotonic() - t0

    def test_agent_that_never_answers_blocks_nobody_else(self):
        d = self.tmp / 'rules'
        d.mkdir()
        (d / '60-daemon-timezone.rules').write_text(RULE)
        self.start_real_polkitd(POLICIES, rules_files=[d / '60-daemon-timezone.rules'])
        self.start_daemon('--no-engine')
        argv = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups',
                sys.executable or '/usr/bin/python3', '-c', FLOODER, str(N_CALLS),
                NATIVE.name, NATIVE.path, NATIVE.interface]
        p = subprocess.Popen(argv, env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)

        def stop():
            if p.poll() is None:
                p.stdin.close()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            p.stdout.close()
            p.stderr.close()
        self.addCleanup(stop)
        line = p.stdout.readline()
        self.assertTrue(line, f'the flooder printed nothing: '
                              f'{p.stderr.read() if p.poll() is not None else ""}')
        report = json.loads(line)
        print(f'flooder (nobody, agent never answers): {report["counts"]}, agent asked '
              f'{report["agent"]["BeginAuthentication"]} times')
        # The real polkitd reached the agent, and the checks wait on it.
        self.assertGreater(report['agent']['BeginAuthentication'], 0, report)
        self.assertEqual(report['counts'], {LIMITS: N_CALLS - PER_USER}, report)
        self.assertIn('Too many authorization requests', report['messages'][LIMITS])

        served = []
        # Root: polkitd authorizes root without asking anyone.
        t0 = time.monotonic()
        self.call('SetTimezone', 'Asia/Seoul', False, timeout=10)
        self.call('SetLocalRTC', True, False, False, iface=FDO, timeout=10)
        served.append(('root SetTimezone+SetLocalRTC', 'ok', time.monotonic() - t0))
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Seoul')
        # Another user, granted set-timezone by the rule.
        name, dt = self.gdbus_as('daemon', FDO, 'SetTimezone', 'Europe/Berlin')
        served.append(('daemon SetTimezone', name or 'ok', dt))
        self.assertIsNone(name)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Europe/Berlin')
        # The flooding user from another connection: still at its bound.
        snap = self.snapshot_root()
        name, dt = self.gdbus_as('nobody', FDO, 'SetTimezone', 'Asia/Tokyo')
        served.append(('nobody (flooding) SetTimezone', name, dt))
        self.assertEqual(name, LIMITS)
        self.assert_root_unchanged(snap)
        # Once it has gone, its checks end: it gets polkit's own answer again (no agent now).
        stop()
        deadline = time.monotonic() + 10 * harness.TIMEOUT_SCALE
        while True:
            name, dt = self.gdbus_as('nobody', FDO, 'SetTimezone', 'Asia/Tokyo')
            if name != LIMITS or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        served.append(('nobody after leaving SetTimezone', name, dt))
        for who, outcome, dt in served:
            print(f'  {who}: {outcome} in {dt * 1000:.0f} ms')
        self.assertEqual(name, IAR)
        for who, outcome, dt in served:
            self.assertLess(dt, 5 * harness.TIMEOUT_SCALE, who)
        self.assert_root_unchanged(snap)
        self.assertTrue(self.get_property('NTP'))
        self.assertTrue(self.daemon.alive())
        # polkitd ended the flooder's checks itself when it left: meridiand does not race it
        # with cancellations polkitd no longer knows (meridiand warns of each), and nothing
        # else went wrong with polkit.
        noise = [ln for ln in self.daemon.log().splitlines()
                 if any(w in ln for w in ('cancellation_id', 'Error cancelling',
                                          'polkit check of'))]
        self.assertEqual(noise, [], f'{len(noise)} polkit warnings')


if __name__ == '__main__':
    harness.main()
