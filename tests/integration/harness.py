# SPDX-License-Identifier: GPL-2.0-or-later
"""Meridian integration test harness: a private system bus, a polkit stand-in, meridiand on a
temporary root, and helpers to read that root and to run stock tools against the bus.

Run tests with /usr/bin/python3 (it has python3-dbusmock and python3-gi). Nothing here touches
the host's clock, /etc or system bus: every daemon runs under `setpriv --bounding-set -sys_time`,
meridiand with `--root` on a temp dir and `--clock virtual`.

Environment (set by meson from tests/meson.build's test_env plus our own):
    MERIDIAND             path of the built meridiand (tests skip, exit 77, without it)
    MERIDIANCTL           path of the built meridianctl (optional)
    MERIDIAN_SOURCE_ROOT  source tree (for polkit/org.meridian.time1.policy)
    MERIDIAN_KEEP_TMP=1   keep the temp dir of every test (for debugging)
    MERIDIAN_TIMEOUT_SCALE  multiply the start/stop timeouts (sanitizer builds are slower)

Usage (tests/cli imports it the same way):

    import os, sys
    sys.path.insert(0, os.path.join(os.environ['MERIDIAN_SOURCE_ROOT'], 'tests', 'integration'))
    import harness
    from harness import NATIVE, FDO, SOURCES

    class SetZone(harness.MeridianTestCase):
        # polkit = 'mock' (default: dbusmock's polkitd template, everything DENIED until you
        # call polkit_allow*), 'real' (no mock; call start_real_polkitd()), or None.
        def test_set_timezone_changes_symlink(self):
            self.polkit_allow_all()              # or polkit_allow([ACTION['set-timezone']]), polkit_deny_all()
            self.start_daemon()                  # meridiand on self.root; waits for its bus names
            w = self.watch_properties(NATIVE)    # records PropertiesChanged from now on
            self.call('SetTimezone', 'Asia/Seoul', False)                 # native interface
            self.call('SetTimezone', 'Asia/Seoul', False, iface=FDO)      # org.freedesktop.timedate1
            self.assertEqual(self.get_property('Timezone'), 'Asia/Seoul')
            self.assertEqual(self.localtime_zone(), 'Asia/Seoul')         # from the symlink
            w.wait_for('Timezone', 'Asia/Seoul')
            r = self.timedatectl('status')       # stock timedatectl on our bus -> CompletedProcess
            r = self.run_client([os.environ['MERIDIANCTL'], 'status'])    # any client on our bus

    if __name__ == '__main__':
        harness.main()       # runs unittest; exit 77 when every selected test was skipped

Run one case:  /usr/bin/python3 test_x.py SetZone.test_set_timezone_changes_symlink

Attributes of a MeridianTestCase during a test:
    self.tmp          pathlib.Path, private temp dir (removed at teardown)
    self.root         self.tmp/'root', prepared by make_root() (etc/localtime -> ../usr/share/
                      zoneinfo/UTC, etc/timezone "Etc/UTC", etc/adjtime UTC, etc/meridian/,
                      var/lib/meridian/)
    self.bus_address  "unix:path=..." of the private bus
    self.env          os.environ copy with DBUS_SYSTEM_BUS_ADDRESS set, for subprocesses
    self.bus          Gio.DBusConnection to the private bus
    self.daemon       the running DaemonProcess or None

Class attributes: polkit = 'mock' | 'real' | None; bus_policy = 'open' (anything goes) |
'system' (the system bus's default-deny rules + dbus/org.meridian.Time1.conf).

Methods (see each docstring): start_daemon, stop_daemon, restart_daemon, call, call_async,
get_property, get_all, watch_properties, polkit_allow, polkit_allow_all, polkit_deny_all,
polkit_mock, watch_polkit_checks, start_real_polkitd, start_real_timedated, start_service,
snapshot_root, assert_root_unchanged, localtime_target, localtime_zone, etc_timezone,
adjtime_lines, timedatectl, run_client, run_as_nobody, wait_until, new_connection,
name_has_owner, make_zoneinfo_copy.
Module-level: DBusError (raised by call: .name, .message), ACTION, ALL_ACTIONS, NATIVE, FDO,
SOURCES, POLKIT, NO_SYS_TIME, TIMEOUT_SCALE, require_unshare(), write_bus_config(),
write_system_like_bus_config(), fake_systemd_wrapper(), make_root(), main().
"""

import collections
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

try:
    import gi
    gi.require_version('Gio', '2.0')
    from gi.repository import Gio, GLib
except (ImportError, ValueError) as e:  # pragma: no cover
    print(f'SKIP: python3-gi (Gio) is not available to {sys.executable}: {e}')
    sys.exit(77)

Iface = collections.namedtuple('Iface', 'name path interface')
NATIVE = Iface('org.meridian.Time1', '/org/meridian/Time1', 'org.meridian.Time1')
SOURCES = Iface('org.meridian.Time1', '/org/meridian/Time1', 'org.meridian.Time1.Sources')
FDO = Iface('org.freedesktop.timedate1', '/org/freedesktop/timedate1', 'org.freedesktop.timedate1')
POLKIT = Iface('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority',
               'org.freedesktop.PolicyKit1.Authority')

ACTION = {k: 'org.meridian.time1.' + k for k in
          ('set-timezone', 'set-time', 'set-ntp', 'set-local-rtc', 'manage-sources')}
# org.freedesktop.timedate1 checks systemd-timedated's own actions.
FDO_ACTION = {k: 'org.freedesktop.timedate1.' + k for k in
              ('set-timezone', 'set-time', 'set-ntp', 'set-local-rtc')}
ALL_ACTIONS = sorted(list(ACTION.values()) + list(FDO_ACTION.values()))


def action_for(iface, key):
    """The polkit action a method of `iface` checks ('set-ntp' -> the interface's own id)."""
    return (FDO_ACTION if iface.interface == FDO.interface else ACTION)[key]

# In-signatures of the methods we call, so callers can pass plain Python values.
SIGNATURES = {
    'SetTimezone': '(sb)', 'SetNTP': '(bb)', 'SetTime': '(xbb)', 'SetLocalRTC': '(bbb)',
    'ListTimezones': None, 'ListZones': None, 'ListCountryZones': '(s)', 'DescribeZone': '(sx)',
    'AddSource': '(sb)', 'RemoveSource': '(ob)', 'Burst': '(b)', 'MakeStep': '(b)',
    'Reselect': '(b)', 'Refresh': '(b)',
    'SetConnectivity': '(ssb)', 'ModifySource': '(sssb)',
}

# Every daemon the tests start runs without CAP_SYS_TIME, helpers included: none of them may
# change the real clock of the machine running the tests.
NO_SYS_TIME = ['setpriv', '--bounding-set', '-sys_time']

TIMEOUT_SCALE = float(os.environ.get('MERIDIAN_TIMEOUT_SCALE', '1'))
ZONEINFO = os.environ.get('TZDIR', '/usr/share/zoneinfo')


class DBusError(Exception):
    """A D-Bus error reply: .name is the error name (e.g. org.freedesktop.DBus.Error.AccessDenied)."""

    def __init__(self, name, message):
        super().__init__(f'{name}: {message}')
        self.name = name
        self.message = message


def _to_dbus_error(err):
    name = Gio.DBusError.get_remote_error(err)
    message = err.message
    if name:
        prefix = f'GDBus.Error:{name}: '
        if message.startswith(prefix):
            message = message[len(prefix):]
    else:
        name = f'{err.domain}.{err.code}'
    return DBusError(name, message)


def require_unshare(testcase=None):
    """Skip (or return a reason) when private mount namespaces are not permitted here."""
    r = subprocess.run(['unshare', '--mount', '--propagation', 'private', 'true'],
                       capture_output=True, text=True)
    if r.returncode != 0:
        reason = f'unshare --mount is not permitted here: {r.stderr.strip()}'
        if testcase is not None:
            testcase.skipTest(reason)
        return reason
    return None


def write_bus_config(directory):
    """Write the permissive private-bus config (tests/fixtures/private-system-bus.conf.in,
    shared with scripts/private-bus.sh) listening in `directory`; return its path."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / 'system-test.conf'
    template = pathlib.Path(__file__).resolve().parent.parent / 'fixtures' / 'private-system-bus.conf.in'
    conf.write_text(template.read_text().replace('@DIR@', str(directory)))
    return conf


def write_system_like_bus_config(directory, includes=()):
    """A bus config with the default-deny policy of Debian's /usr/share/dbus-1/system.conf
    (no name may be owned, no method called, unless a policy file allows it), including the
    given policy files (e.g. our dbus/org.meridian.Time1.conf), listening in `directory`.
    Root may own org.freedesktop.PolicyKit1 here, for the polkitd mock (a test fixture)."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / 'system-test.conf'
    inc = ''.join(f'  <include>{p}</include>\n' for p in includes)
    conf.write_text(f'''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={directory}/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
  </policy>
  <policy user="root">
    <allow own="org.freedesktop.PolicyKit1"/>
  </policy>
{inc}</busconfig>
''')
    return conf


def fake_systemd_wrapper(directory):
    """Write a wrapper that runs a command with a fake /run/systemd/system (timedatectl insists
    it exists, i.e. that systemd is PID 1); return its path."""
    w = pathlib.Path(directory) / 'with-fake-systemd.sh'
    w.write_text('#!/bin/sh\n'
                 "exec unshare --mount --propagation private sh -c 'mount -t tmpfs tmpfs /run/systemd "
                 "&& mkdir /run/systemd/system && exec \"$@\"' sh \"$@\"\n")
    w.chmod(0o755)
    return w


def make_root(root, adjtime=True, timezone_file=True):
    """Prepare a fresh Debian-like root for meridiand."""
    root = pathlib.Path(root)
    (root / 'etc' / 'meridian').mkdir(parents=True, exist_ok=True)
    (root / 'var' / 'lib' / 'meridian').mkdir(parents=True, exist_ok=True)
    os.symlink('../usr/share/zoneinfo/UTC', root / 'etc' / 'localtime')
    if timezone_file:
        (root / 'etc' / 'timezone').write_text('Etc/UTC\n')
    if adjtime:
        (root / 'etc' / 'adjtime').write_text('0.000000 0 0.000000\n0\nUTC\n')
    return root


class BusProcess:
    """A private dbus-daemon (system bus type) in `directory`, our child (so we reap it)."""

    def __init__(self, directory, includes=None):
        self.directory = pathlib.Path(directory)
        if includes is None:
            conf = write_bus_config(self.directory)
        else:
            conf = write_system_like_bus_config(self.directory, includes)
        self._log = open(self.directory / 'dbus-daemon.log', 'wb')
        self.proc = subprocess.Popen(NO_SYS_TIME + ['dbus-daemon', f'--config-file={conf}',
                                                    '--nofork', '--print-address=1'],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._log, text=True)
        self.address = self.proc.stdout.readline().strip()
        if not self.address:
            self.proc.wait()
            raise RuntimeError(f'dbus-daemon failed to start (exit {self.proc.returncode}): '
                               f'{(self.directory / "dbus-daemon.log").read_text()}')
        self.pid = self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self._log.close()


class DaemonProcess:
    """meridiand (or any bus service) as a child with stderr in a log file."""

    def __init__(self, argv, env, log_path):
        self.argv = argv
        self.log_path = pathlib.Path(log_path)
        self._log = open(self.log_path, 'ab')
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        self.returncode = None

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def log(self):
        try:
            return self.log_path.read_text(errors='replace')
        except FileNotFoundError:
            return ''

    def terminate(self, timeout=10):
        """SIGTERM, wait; return the exit code (SIGKILL and -9 after `timeout`)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout * TIMEOUT_SCALE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.returncode = -9
        if self.returncode is None:
            self.returncode = self.proc.returncode
        self._log.close()
        return self.returncode


class PropertiesWatcher:
    """Records PropertiesChanged for one interface (see MeridianTestCase.watch_properties)."""

    def __init__(self, conn, iface):
        self.conn = conn
        self.iface = iface
        self.changes = []          # list of (changed: dict, invalidated: list)
        self._id = conn.signal_subscribe(None, 'org.freedesktop.DBus.Properties',
                                         'PropertiesChanged', iface.path, iface.interface,
                                         Gio.DBusSignalFlags.NONE, self._on_signal)

    def _on_signal(self, conn, sender, path, interface, member, params):
        iface_name, changed, invalidated = params.unpack()
        if iface_name == self.iface.interface:
            self.changes.append((changed, invalidated))

    def seen(self, prop, value=None):
        """True if `prop` was announced (with `value`, when given; invalidation counts if None)."""
        for changed, invalidated in self.changes:
            if prop in changed and (value is None or changed[prop] == value):
                return True
            if value is None and prop in invalidated:
                return True
        return False

    def wait_for(self, prop, value=None, timeout=5.0):
        """Pump the main context until `prop` is announced; return whether it was."""
        end = time.monotonic() + timeout * TIMEOUT_SCALE
        ctx = GLib.MainContext.default()
        while time.monotonic() < end:
            while ctx.pending():
                ctx.iteration(False)
            if self.seen(prop, value):
                return True
            time.sleep(0.01)
        return self.seen(prop, value)

    def settle(self, seconds=0.3):
        """Pump the main context for a while (to be sure no signal comes)."""
        end = time.monotonic() + seconds
        ctx = GLib.MainContext.default()
        while time.monotonic() < end:
            while ctx.pending():
                ctx.iteration(False)
            time.sleep(0.01)

    def close(self):
        if self._id:
            self.conn.signal_unsubscribe(self._id)
            self._id = 0


class MeridianTestCase(unittest.TestCase):
    """Base class: private bus + polkit stand-in per test, meridiand on demand, all torn down."""

    polkit = 'mock'          # 'mock', 'real' (call start_real_polkitd yourself) or None
    # 'open' (everyone may own and call anything) or 'system' (the real system bus's
    # default-deny policy plus our dbus/org.meridian.Time1.conf and polkit's bus policy)
    bus_policy = 'open'
    need_daemon_binary = True

    # ---- fixtures -------------------------------------------------------------------------
    def setUp(self):
        self.meridiand = os.environ.get('MERIDIAND', '')
        if self.need_daemon_binary and not (self.meridiand and os.access(self.meridiand, os.X_OK)):
            self.skipTest(f'meridiand is not built (MERIDIAND={self.meridiand!r})')
        if os.geteuid() != 0:
            # setpriv --bounding-set needs CAP_SETPCAP, the namespaces need CAP_SYS_ADMIN.
            self.skipTest('needs root (setpriv --bounding-set -sys_time, mount namespaces)')
        for tool in ('dbus-daemon', 'setpriv'):
            if not shutil.which(tool):
                self.skipTest(f'{tool} is not installed')
        self._cleanups_done = False
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix='meridian-it-'))
        # a+rx: the non-root caller and the real polkitd (user polkitd) must reach the socket.
        self.tmp.chmod(0o755)
        self.addCleanup(self._remove_tmp)
        self.daemon = None
        self._services = []
        includes = None
        if self.bus_policy == 'system':
            src = pathlib.Path(os.environ.get('MERIDIAN_SOURCE_ROOT', '.'))
            includes = [src / 'dbus' / 'org.meridian.Time1.conf',
                        '/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf']
            for p in includes:
                if not os.path.exists(p):
                    self.skipTest(f'{p} does not exist')
        self.bus_proc = BusProcess(self.tmp / 'bus', includes)
        self.addCleanup(self.bus_proc.stop)
        self.bus_address = self.bus_proc.address
        self.env = dict(os.environ)
        self.env['DBUS_SYSTEM_BUS_ADDRESS'] = self.bus_address
        self.env.pop('DBUS_SESSION_BUS_ADDRESS', None)
        self.env.pop('TZ', None)
        self.bus = self.new_connection()
        self.addCleanup(self._close_bus)
        self.root = make_root(self.tmp / 'root')
        self.zoneinfo = ZONEINFO
        if self.polkit == 'mock':
            self._start_polkit_mock()

    def _close_bus(self):
        try:
            self.bus.close_sync(None)
        except GLib.Error:
            pass

    def _remove_tmp(self):
        if os.environ.get('MERIDIAN_KEEP_TMP') == '1':
            print(f'keeping {self.tmp}', file=sys.stderr)
            return
        shutil.rmtree(self.tmp, ignore_errors=True)

    def new_connection(self):
        """A new, independent client connection to the private bus (a different caller)."""
        flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
                 Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
        return Gio.DBusConnection.new_for_address_sync(self.bus_address, flags, None, None)

    def start_service(self, argv, name, log_name, env=None, timeout=10.0):
        """Start any bus service `argv`, wait until it owns `name`; stopped (SIGTERM) at teardown."""
        if argv[:len(NO_SYS_TIME)] != NO_SYS_TIME:
            argv = NO_SYS_TIME + list(argv)
        svc = DaemonProcess(argv, env or self.env, self.tmp / log_name)
        self._services.append(svc)
        self.addCleanup(self._stop_service, svc, log_name)
        if name:
            self._wait_for_name(name, svc, timeout)
        return svc

    def _stop_service(self, svc, log_name):
        if svc.alive():
            svc.terminate(5)
        text = svc.log()
        if text and log_name != 'polkit-mock.log':
            sys.stderr.write(f'----- {log_name} -----\n{text}\n----- end of {log_name} -----\n')

    def _wait_for_name(self, name, proc, timeout):
        end = time.monotonic() + timeout * TIMEOUT_SCALE
        while time.monotonic() < end:
            if self.name_has_owner(name):
                return
            if proc is not None and not proc.alive():
                self.fail(f'{" ".join(proc.argv)} exited with {proc.proc.returncode} before owning {name}:\n'
                          f'{proc.log()}')
            time.sleep(0.02)
        self.fail(f'{name} did not appear on the bus within {timeout * TIMEOUT_SCALE} s:\n'
                  f'{proc.log() if proc else ""}')

    def name_has_owner(self, name):
        v = self.bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                               'org.freedesktop.DBus', 'NameHasOwner',
                               GLib.Variant('(s)', (name,)), GLib.VariantType('(b)'),
                               Gio.DBusCallFlags.NONE, 5000, None)
        return v.unpack()[0]

    # ---- polkit ---------------------------------------------------------------------------
    def _start_polkit_mock(self):
        self.polkit_proc = self.start_service(
            [sys.executable or '/usr/bin/python3', '-m', 'dbusmock', '--system',
             '--template', 'polkitd'], 'org.freedesktop.PolicyKit1', 'polkit-mock.log')
        # The template lacks CancelCheckAuthorization, which meridiand calls when a check is
        # cancelled (e.g. the caller left the bus); real polkitd has it.
        self.bus.call_sync(POLKIT.name, POLKIT.path, 'org.freedesktop.DBus.Mock', 'AddMethod',
                           GLib.Variant('(sssss)', (POLKIT.interface, 'CancelCheckAuthorization',
                                                    's', '', '')),
                           None, Gio.DBusCallFlags.NONE, 5000, None)

    def polkit_mock(self, method, *args, signature=None):
        """Call a control method of the polkitd mock (org.freedesktop.DBus.Mock)."""
        sigs = {'SetAllowed': '(as)', 'AllowUnknown': '(b)', 'SetDelay': '(d)',
                'SimulateHang': '(b)', 'SimulateHangActions': '(as)',
                'ReleaseHangingCalls': None, 'HaveHangingCalls': None,
                'GetMethodCalls': '(s)', 'ClearCalls': None}
        sig = signature or sigs.get(method)
        params = GLib.Variant(sig, tuple(args)) if sig else None
        v = self.bus.call_sync(POLKIT.name, POLKIT.path, 'org.freedesktop.DBus.Mock', method,
                               params, None, Gio.DBusCallFlags.NONE, 5000, None)
        out = v.unpack() if v is not None else ()
        return out[0] if len(out) == 1 else (out or None)

    def polkit_allow(self, actions):
        """Only `actions` (list of action ids) are authorized from now on."""
        self.polkit_mock('AllowUnknown', False)
        self.polkit_mock('SetAllowed', list(actions))

    def polkit_allow_all(self):
        self.polkit_mock('AllowUnknown', True)

    def polkit_deny_all(self):
        self.polkit_allow([])

    def start_real_polkitd(self, policy_files=None, rules_files=()):
        """Run the real polkitd on our bus with only `policy_files` (default: our own policy)
        as registered actions and polkit's 50-default.rules plus `rules_files` as rules
        (bind mounts in a private mount namespace)."""
        require_unshare(self)
        if not os.access('/usr/lib/polkit-1/polkitd', os.X_OK):
            self.skipTest('polkitd is not installed')
        if policy_files is None:
            src = pathlib.Path(os.environ.get('MERIDIAN_SOURCE_ROOT', '.'))
            policy_files = [src / 'polkit' / 'org.meridian.time1.policy']
        actions = self.tmp / 'polkit' / 'actions'
        rules = self.tmp / 'polkit' / 'rules'
        actions.mkdir(parents=True)
        rules.mkdir(parents=True)
        for p in policy_files:
            if not pathlib.Path(p).exists():
                self.skipTest(f'{p} does not exist yet')
            shutil.copy(p, actions)
        shutil.copy('/usr/share/polkit-1/rules.d/50-default.rules', rules)
        for r in rules_files:
            shutil.copy(r, rules)
        for d in (self.tmp / 'polkit', actions, rules):
            d.chmod(0o755)
        for f in list(actions.iterdir()) + list(rules.iterdir()):
            f.chmod(0o644)
        script = ('mount --bind "$1" /usr/share/polkit-1/actions && '
                  'mount --bind "$2" /usr/share/polkit-1/rules.d && '
                  'exec setpriv --bounding-set -sys_time /usr/lib/polkit-1/polkitd --no-debug')
        return self.start_service(['unshare', '--mount', '--propagation', 'private',
                                   'sh', '-c', script, 'sh', str(actions), str(rules)],
                                  'org.freedesktop.PolicyKit1', 'polkitd.log')

    def watch_polkit_checks(self):
        """Record every CheckAuthorization sent on the bus (eavesdropping, which our bus
        config allows) as dicts {sender, subject_kind, subject, action, details, flags}, in a
        list that fills as the main context runs (see wait_until). 'body' is the call's
        arguments as sent (a GLib.Variant, types included), 'cancellation_id' its last one."""
        conn = self.new_connection()
        self.addCleanup(conn.close_sync, None)
        seen = []

        def on_message(c, msg, incoming):
            if (incoming and msg.get_message_type() == Gio.DBusMessageType.METHOD_CALL and
                    msg.get_interface() == POLKIT.interface and
                    msg.get_member() == 'CheckAuthorization'):
                body = msg.get_body()
                (kind, subject), action, details, flags, cancel_id = body.unpack()
                seen.append({'sender': msg.get_sender(), 'subject_kind': kind,
                             'subject': subject, 'action': action, 'details': details,
                             'flags': flags, 'cancellation_id': cancel_id, 'body': body})
                # Drop it: GDBus would otherwise answer the eavesdropped call itself with
                # "Object does not exist", and that reply would reach meridiand first.
                return None
            return msg

        conn.add_filter(on_message)
        rule = (f"type='method_call',interface='{POLKIT.interface}',"
                "member='CheckAuthorization',eavesdrop='true'")
        conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                       'AddMatch', GLib.Variant('(s)', (rule,)), None,
                       Gio.DBusCallFlags.NONE, 5000, None)
        return seen

    def start_real_timedated(self):
        """The real systemd-timedated on our bus, confined: private mount
        namespace, overlay over /etc (its writes land in self.tmp/'timedated'/'up'), a fake
        /run/systemd, and no CAP_SYS_TIME (checked). NEVER call its SetTime."""
        require_unshare(self)
        if not os.access('/lib/systemd/systemd-timedated', os.X_OK):
            self.skipTest('systemd-timedated is not installed')
        d = self.tmp / 'timedated'
        (d / 'up').mkdir(parents=True)
        (d / 'work').mkdir()
        script = d / 'td.sh'
        script.write_text(
            '#!/bin/sh\n'
            'mount -t overlay overlay -o lowerdir=/etc,upperdir=$1/up,workdir=$1/work /etc || exit 1\n'
            'mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system\n'
            'exec setpriv --bounding-set -sys_time /lib/systemd/systemd-timedated\n')
        script.chmod(0o755)
        svc = self.start_service(['unshare', '--mount', '--propagation', 'private',
                                  str(script), str(d)], FDO.name, 'timedated.log')
        with open(f'/proc/{svc.pid}/status') as f:
            capeff = int(next(l for l in f if l.startswith('CapEff:')).split()[1], 16)
            capbnd_ok = not capeff & (1 << 25)
        self.assertTrue(capbnd_ok, 'systemd-timedated has CAP_SYS_TIME: refusing to go on')
        return svc

    # ---- meridiand ------------------------------------------------------------------------
    def daemon_argv(self, *extra, root=None, zoneinfo=None, timedate1=True, clock='virtual'):
        argv = NO_SYS_TIME + [self.meridiand,
                '--root', str(root or self.root), '--zoneinfo', str(zoneinfo or self.zoneinfo),
                '--clock', clock, '--verbose']
        if not timedate1:
            argv.append('--no-timedate1')
        return argv + list(extra)

    def start_daemon(self, *extra, root=None, zoneinfo=None, timedate1=True, timeout=15.0):
        """Start meridiand (under setpriv, no CAP_SYS_TIME) on self.root with the virtual clock
        and wait for org.meridian.Time1 (and org.freedesktop.timedate1 unless timedate1=False).
        `extra` are more command-line arguments (e.g. '--config', path). Its output goes to
        self.tmp/'meridiand.log', printed to the test log at teardown, where a non-zero exit
        on SIGTERM fails the test."""
        assert self.daemon is None or not self.daemon.alive(), 'meridiand already running'
        argv = self.daemon_argv(*extra, root=root, zoneinfo=zoneinfo, timedate1=timedate1)
        self.daemon = DaemonProcess(argv, self.env, self.tmp / 'meridiand.log')
        self.addCleanup(self._daemon_teardown, self.daemon)
        self._wait_for_name(NATIVE.name, self.daemon, timeout)
        if timedate1:
            self._wait_for_name(FDO.name, self.daemon, timeout)
        return self.daemon

    def stop_daemon(self):
        """SIGTERM meridiand, wait for it and return its exit code (it must go away)."""
        d = self.daemon
        rc = d.terminate(10)
        end = time.monotonic() + 5
        while self.name_has_owner(NATIVE.name) and time.monotonic() < end:
            time.sleep(0.02)
        return rc

    def restart_daemon(self, *extra, **kw):
        rc = self.stop_daemon()
        self.assertEqual(rc, 0, f'meridiand exited with {rc} on SIGTERM')
        return self.start_daemon(*extra, **kw)

    def _daemon_teardown(self, d):
        was_running = d.alive()
        rc = d.terminate(10)
        sys.stderr.write(f'----- meridiand {" ".join(d.argv[3:])} (exit {rc}) -----\n'
                         f'{d.log()}\n----- end of meridiand log -----\n')
        if was_running and not self._outcome_failed():
            self.assertEqual(rc, 0, f'meridiand exited with {rc} on SIGTERM at teardown')

    def _outcome_failed(self):
        outcome = getattr(self, '_outcome', None)
        result = getattr(outcome, 'result', None)
        if result is None:
            return False
        return any(t is self for t, _ in result.failures + result.errors)

    # ---- D-Bus calls ----------------------------------------------------------------------
    def call(self, method, *args, iface=NATIVE, signature=None, conn=None, timeout=25.0,
             allow_interactive=False, path=None):
        """Call `method` synchronously; return the reply unpacked (None for no value, the value
        for one, a tuple for several). Raises DBusError with the error name on error replies."""
        conn = conn or self.bus
        sig = signature if signature is not None else SIGNATURES.get(method)
        params = GLib.Variant(sig, tuple(args)) if sig else None
        flags = (Gio.DBusCallFlags.ALLOW_INTERACTIVE_AUTHORIZATION if allow_interactive
                 else Gio.DBusCallFlags.NONE)
        try:
            v = conn.call_sync(iface.name, path or iface.path, iface.interface, method, params,
                               None, flags, int(timeout * 1000 * TIMEOUT_SCALE), None)
        except GLib.Error as e:
            raise _to_dbus_error(e) from None
        out = v.unpack() if v is not None else ()
        if len(out) == 0:
            return None
        return out[0] if len(out) == 1 else out

    def call_async(self, method, *args, iface=NATIVE, signature=None, conn=None, timeout=25.0):
        """Start a call; return a Pending whose .done/.result/.error fill in as the main
        context runs (see wait_until)."""
        conn = conn or self.bus
        sig = signature if signature is not None else SIGNATURES.get(method)
        params = GLib.Variant(sig, tuple(args)) if sig else None
        pending = Pending()

        def on_done(c, res):
            try:
                v = c.call_finish(res)
                pending.result = v.unpack() if v is not None else ()
            except GLib.Error as e:
                pending.error = _to_dbus_error(e)
            pending.done = True

        conn.call(iface.name, iface.path, iface.interface, method, params, None,
                  Gio.DBusCallFlags.NONE, int(timeout * 1000 * TIMEOUT_SCALE), None, on_done)
        return pending

    def wait_until(self, predicate, timeout=10.0, what='condition'):
        """Run the default main context until predicate() is true; fail after `timeout` s."""
        end = time.monotonic() + timeout * TIMEOUT_SCALE
        ctx = GLib.MainContext.default()
        while not predicate():
            if time.monotonic() > end:
                self.fail(f'timed out waiting for {what}')
            if not ctx.iteration(False):
                time.sleep(0.005)

    def get_property(self, name, iface=NATIVE):
        return self.call('Get', iface.interface, name, iface=Iface(iface.name, iface.path,
                         'org.freedesktop.DBus.Properties'), signature='(ss)')

    def get_all(self, iface=NATIVE):
        return self.call('GetAll', iface.interface, iface=Iface(iface.name, iface.path,
                         'org.freedesktop.DBus.Properties'), signature='(s)')

    def watch_properties(self, iface=NATIVE):
        """Start recording PropertiesChanged of `iface`; returns a PropertiesWatcher."""
        w = PropertiesWatcher(self.bus, iface)
        self.addCleanup(w.close)
        return w

    # ---- the temp root --------------------------------------------------------------------
    def snapshot_root(self, root=None):
        """{relative path: ('dir', mode) | ('link', target) | ('file', mode, bytes)}."""
        root = pathlib.Path(root or self.root)
        snap = {}
        for dirpath, dirnames, filenames in os.walk(root):
            for n in dirnames + filenames:
                p = pathlib.Path(dirpath) / n
                rel = str(p.relative_to(root))
                st = os.lstat(p)
                if os.path.islink(p):
                    snap[rel] = ('link', os.readlink(p))
                elif p.is_dir():
                    snap[rel] = ('dir', st.st_mode)
                else:
                    snap[rel] = ('file', st.st_mode, p.read_bytes())
        return snap

    def assert_root_unchanged(self, before, root=None, msg=''):
        after = self.snapshot_root(root)
        diff = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        self.assertEqual(diff, [], f'files changed under the root: {diff} {msg}')

    def localtime_target(self):
        return os.readlink(self.root / 'etc' / 'localtime')

    def localtime_zone(self):
        """The zone /etc/localtime names (relative symlink into ../usr/share/zoneinfo/)."""
        t = self.localtime_target()
        prefix = '../usr/share/zoneinfo/'
        self.assertTrue(t.startswith(prefix), f'/etc/localtime -> {t!r} is not {prefix}ZONE')
        return t[len(prefix):]

    def etc_timezone(self):
        p = self.root / 'etc' / 'timezone'
        return p.read_text().strip() if p.exists() else None

    def adjtime_lines(self):
        p = self.root / 'etc' / 'adjtime'
        return p.read_text().splitlines() if p.exists() else None

    def make_zoneinfo_copy(self, remove=()):
        """A copy of the system zoneinfo in self.tmp with the zones in `remove` deleted."""
        dst = self.tmp / 'zoneinfo'
        shutil.copytree(ZONEINFO, dst, symlinks=True)
        for z in remove:
            (dst / z).unlink()
        return dst

    # ---- clients --------------------------------------------------------------------------
    def run_client(self, argv, timeout=60, input=None, env=None):
        """Run a client with DBUS_SYSTEM_BUS_ADDRESS pointing at our bus; CompletedProcess."""
        e = dict(self.env)
        if env:
            e.update(env)
        return subprocess.run([str(a) for a in argv], env=e, capture_output=True, text=True,
                              timeout=timeout * TIMEOUT_SCALE, input=input,
                              stdin=None if input is not None else subprocess.DEVNULL)

    def timedatectl(self, *args, timeout=60):
        """Stock timedatectl (--no-ask-password) through the fake-systemd wrapper (fake_systemd_wrapper)."""
        require_unshare(self)
        if not shutil.which('timedatectl'):
            self.skipTest('timedatectl is not installed')
        w = fake_systemd_wrapper(self.tmp)
        return self.run_client([w, 'timedatectl', '--no-ask-password', *args], timeout=timeout)

    def run_as_nobody(self, argv, timeout=60):
        """Run a client as uid nobody (polkit always authorizes root)."""
        return self.run_client(['setpriv', '--reuid=nobody', '--regid=nogroup',
                                '--clear-groups', *argv], timeout=timeout)


class Pending:
    """An in-flight asynchronous call (see MeridianTestCase.call_async)."""

    def __init__(self):
        self.done = False
        self.result = None
        self.error = None


def main():
    """unittest.main for one file; exit 0 (passed), 1 (failed) or 77 (everything skipped)."""
    prog = unittest.main(exit=False, verbosity=2, buffer=False)
    r = prog.result
    if r.failures or r.errors or getattr(r, 'unexpectedSuccesses', []):
        sys.exit(1)
    if r.testsRun and len(r.skipped) == r.testsRun:
        for _, reason in r.skipped:
            print(f'SKIP: {reason}')
        sys.exit(77)
    if r.testsRun == 0:
        print('no tests ran')
        sys.exit(1)
    sys.exit(0)


if __name__ == '__main__':
    print(__doc__)
