#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A user who keeps polkit checks open forever (an authentication agent that never answers;
here the polkitd stand-in's SimulateHangActions) and sends 140 calls must not block anybody
else. Without a bound every call opens one CheckAuthorization, meridiand's connection reaches
dbus-daemon's 128 pending replies, and every later check -- root's included -- fails with
LimitsExceeded. With the bound (service/mrd-auth.h: 16 per user, 64 in all) the flooding user
gets LimitsExceeded with a clear message for the calls beyond its share, and root, another user,
and the same user once its checks have ended are served."""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ACTION, FDO, NATIVE  # noqa: E402

LIMITS = 'org.freedesktop.DBus.Error.LimitsExceeded'
PER_USER = 16
N_CALLS = 140

# Run as uid nobody: sends N SetNTP calls at once, waits until the replies stop coming, prints
# {error name: count} and one message per name, then keeps its connection (and so its pending
# checks) until its stdin closes.
FLOODER = r'''
import json, sys, time
from gi.repository import Gio, GLib
n, dest, path, iface = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
conn = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
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
    conn.call(dest, path, iface, 'SetNTP', GLib.Variant('(bb)', (i % 2 == 0, False)), None,
              Gio.DBusCallFlags.NONE, 3600 * 1000, None, done, None)
ctx = GLib.MainContext.default()
last, quiet_since = -1, time.monotonic()
while time.monotonic() - quiet_since < 1.5:
    while ctx.pending():
        ctx.iteration(False)
    total = sum(counts.values())
    if total != last:
        last, quiet_since = total, time.monotonic()
    time.sleep(0.05)
print(json.dumps({'counts': counts, 'messages': messages}), flush=True)
sys.stdin.read()
'''


class PolkitFlood(harness.MeridianTestCase):

    def start_flooder(self):
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
        self.addCleanup(stop)
        line = p.stdout.readline()
        self.assertTrue(line, f'the flooder printed nothing: {p.stderr.read() if p.poll() is not None else ""}')
        return p, stop, json.loads(line)

    def gdbus_as(self, user, iface, method, *args):
        r = self.run_client(['setpriv', f'--reuid={user}', '--regid=nogroup', '--clear-groups',
                             'gdbus', 'call', '--system', '--dest', iface.name, '--object-path',
                             iface.path, '--method', f'{iface.interface}.{method}', '--', *args,
                             'false'], timeout=20)
        return r.returncode, r.stderr

    def test_flooding_user_gets_limits_exceeded_others_are_served(self):
        self.polkit_allow_all()
        # Checks of org.meridian.time1.set-ntp never get an answer, as with an agent that
        # never responds.
        self.polkit_mock('SimulateHangActions', [ACTION['set-ntp']])
        self.start_daemon()
        _, stop, report = self.start_flooder()
        counts, messages = report['counts'], report['messages']
        # Exactly its share is waiting; every call beyond it was refused at once, clearly.
        self.assertEqual(counts, {LIMITS: N_CALLS - PER_USER}, report)
        self.assertIn('Too many authorization requests', messages[LIMITS])
        self.assertLess(len(messages[LIMITS]), 200, messages[LIMITS])
        self.assertTrue(self.polkit_mock('HaveHangingCalls'))

        # Root is served at once, on both interfaces.
        t0 = time.monotonic()
        self.call('SetTimezone', 'Asia/Seoul', False, timeout=10)
        self.call('SetLocalRTC', True, False, False, iface=FDO, timeout=10)
        self.assertLess(time.monotonic() - t0, 5 * harness.TIMEOUT_SCALE)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Seoul')
        self.assertTrue(self.get_property('LocalRTC'))
        # So is another user.
        rc, err = self.gdbus_as('daemon', FDO, 'SetTimezone', 'Europe/Berlin')
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Europe/Berlin')
        # The flooding user, from another connection, is still at its bound: refused, nothing
        # changes.
        snap = self.snapshot_root()
        rc, err = self.gdbus_as('nobody', FDO, 'SetTimezone', 'Asia/Tokyo')
        self.assertNotEqual(rc, 0)
        self.assertIn(LIMITS, err)
        self.assert_root_unchanged(snap)
        # Once its connection is gone, its checks end and it is served again.
        stop()
        self.wait_until(lambda: self.gdbus_as('nobody', FDO, 'SetTimezone', 'Asia/Tokyo')[0] == 0,
                        timeout=10 * harness.TIMEOUT_SCALE, what='the user served again')
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Tokyo')
        self.assertEqual(self.get_property('NTP'), True)
        self.assertTrue(self.daemon.alive())


if __name__ == '__main__':
    harness.main()
