#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""meridianctl against the real meridiand, on a private bus with the polkitd mock, a temporary
root and the virtual clock (tests/integration/harness.py).

Expected values never come from meridianctl's own code: zone offsets, abbreviations and
transitions are computed here with Python's zoneinfo; state is read back over D-Bus and from
the files under the temporary root.

Run one group:  MERIDIAND=... MERIDIANCTL=... /usr/bin/python3 test_meridianctl.py Status
"""

import datetime
import json
import os
import pathlib
import pty
import re
import select
import shutil
import subprocess
import sys
import time
import zoneinfo

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT',
                                               str(pathlib.Path(__file__).resolve().parents[2])),
                                'tests', 'integration'))
import harness  # noqa: E402
from harness import GLib  # noqa: E402
from harness import ACTION  # noqa: E402

MERIDIANCTL = os.environ.get('MERIDIANCTL', '')
MERIDIAND = os.environ.get('MERIDIAND', '')
LOCALEDIR = os.environ.get('MERIDIAN_LOCALEDIR', '')

# The exit codes `meridianctl --help` documents.
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_NOT_AUTHORIZED, EXIT_INVALID, EXIT_UNREACHABLE, \
    EXIT_NO_TERMINAL = range(7)

HANGUL = re.compile('[\uac00-\ud7a3]')
# How select-timezone's questions end, in English and in Korean.
PROMPTS = ('part of a name:', '[Y/n]', '입력하십시오:')


def offset_text(seconds):
    """+HHMM as `date +%z` prints it."""
    sign = '-' if seconds < 0 else '+'
    seconds = abs(int(seconds))
    return f'{sign}{seconds // 3600:02d}{seconds // 60 % 60:02d}'


def zone_at(zone, utc_seconds):
    """(offset seconds, is_dst, abbreviation) of `zone` at a UTC instant, from zoneinfo."""
    d = datetime.datetime.fromtimestamp(utc_seconds, zoneinfo.ZoneInfo(zone))
    return int(d.utcoffset().total_seconds()), bool(d.dst()), d.tzname()


def next_transition(zone, utc_seconds, horizon_years=40):
    """The first instant after utc_seconds where zone_at changes, or None: daily steps, then
    bisection to the second (no zone changes twice within a day)."""
    here = zone_at(zone, utc_seconds)
    t = utc_seconds
    end = utc_seconds + horizon_years * 366 * 86400
    while t < end:
        t2 = t + 86400
        if zone_at(zone, t2) != here:
            lo, hi = t, t2
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if zone_at(zone, mid) != here:
                    hi = mid
                else:
                    lo = mid
            return hi
        t = t2
    return None


def parse_table(text):
    """The `label: value` lines of a status-like table (up to the first blank line, after
    which warnings follow) -> {label: value}."""
    out = {}
    for line in text.splitlines():
        if not line.strip():
            break
        label, sep, value = line.partition(': ')
        if sep:
            out[label.strip()] = value
    return out


class CliTestCase(harness.MeridianTestCase):
    def setUp(self):
        if not (MERIDIANCTL and os.access(MERIDIANCTL, os.X_OK)):
            self.skipTest(f'meridianctl is not built (MERIDIANCTL={MERIDIANCTL!r})')
        super().setUp()

    def ctl(self, *args, env=None, input=None):
        return self.run_client([MERIDIANCTL, *args], env=env, input=input)

    def korean_env(self):
        if not LOCALEDIR or not (pathlib.Path(LOCALEDIR) / 'ko' / 'LC_MESSAGES' / 'meridian.mo').exists():
            self.skipTest(f'no compiled Korean catalog under {LOCALEDIR!r}')
        env = dict(self.env)
        for k in ('LC_ALL', 'LC_MESSAGES', 'LANGUAGE'):
            env.pop(k, None)
        env.update(LANG='ko_KR.UTF-8', MERIDIAN_LOCALEDIR=LOCALEDIR)
        return env

    def assertExit(self, r, code, msg=''):
        self.assertEqual(r.returncode, code,
                         f'{msg}\nexit {r.returncode}, expected {code}\n'
                         f'stdout:\n{r.stdout}\nstderr:\n{r.stderr}')

    def run_in_pty(self, answer, argv=None, env=None):
        """Run `argv` (default: meridianctl select-timezone) on a pseudo-terminal;
        `answer(prompt_text)` returns the next line to type given everything printed since the
        last answer, or None to stop. Returns (exit code, transcript)."""
        argv = argv or [MERIDIANCTL, 'select-timezone']
        pid, fd = pty.fork()
        if pid == 0:  # child
            try:
                os.execve(argv[0], argv, env or self.env)
            finally:
                os._exit(127)
        transcript = ''
        pending = ''
        deadline = time.monotonic() + 60 * harness.TIMEOUT_SCALE
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], 0.2)
                if ready:
                    try:
                        chunk = os.read(fd, 65536).decode('utf-8', 'replace')
                    except OSError:  # EIO: the child closed the terminal
                        break
                    if not chunk:
                        break
                    transcript += chunk
                    pending += chunk
                # A question is complete when its prompt ends the output and nothing more
                # comes for a moment.
                if pending.rstrip().endswith(PROMPTS) and not ready:
                    line = answer(pending)
                    pending = ''
                    if line is None:
                        break
                    os.write(fd, (line + '\n').encode())
        finally:
            os.close(fd)  # a child still waiting for an answer gets end-of-file or SIGHUP
        for _ in range(500):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.01)
        else:
            os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), transcript

    def watch_meridian_calls(self):
        """Record the member of every method call to org.meridian.Time1 on the bus
        (eavesdropping, which the test bus allows), in a list that fills as calls pass."""
        conn = self.new_connection()
        self.addCleanup(conn.close_sync, None)
        seen = []

        def on_message(c, msg, incoming):
            if (incoming and msg.get_message_type() == harness.Gio.DBusMessageType.METHOD_CALL
                    and msg.get_interface() == 'org.meridian.Time1'):
                seen.append(msg.get_member())
                return None   # not ours to answer
            return msg

        conn.add_filter(on_message)
        conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                       'AddMatch', harness.GLib.Variant(
                           '(s)', ("type='method_call',interface='org.meridian.Time1',"
                                   "eavesdrop='true'",)),
                       None, harness.Gio.DBusCallFlags.NONE, 5000, None)
        return seen

    def set_zone_over_dbus(self, zone):
        self.polkit_allow_all()
        self.call('SetTimezone', zone, False)
        self.assertEqual(self.localtime_zone(), zone)


class Status(CliTestCase):
    def test_status_shows_zone_abbreviation_and_offset_from_daemon(self):
        self.start_daemon()
        self.set_zone_over_dbus('Asia/Seoul')
        before = self.get_property('TimeUSec') / 1e6
        r = self.ctl('status')
        after = self.get_property('TimeUSec') / 1e6
        self.assertExit(r, EXIT_OK)
        fields = parse_table(r.stdout)
        off, _, abbr = zone_at('Asia/Seoul', before)
        self.assertEqual(fields['Time zone'], f'Asia/Seoul ({abbr}, {offset_text(off)})')
        self.assertEqual(fields['Time zone'], 'Asia/Seoul (KST, +0900)')

        # Universal time is the daemon's clock; local time is that plus the zone's offset.
        utc = datetime.datetime.strptime(fields['Universal time'], '%a %Y-%m-%d %H:%M:%S UTC')
        utc_s = utc.replace(tzinfo=datetime.timezone.utc).timestamp()
        self.assertGreaterEqual(utc_s, int(before) - 1)
        self.assertLessEqual(utc_s, after + 1)
        local = datetime.datetime.strptime(fields['Local time'], '%a %Y-%m-%d %H:%M:%S KST')
        self.assertEqual((local - utc).total_seconds(), off)

        props = self.get_all()
        yes_no = {True: 'yes', False: 'no'}
        self.assertEqual(fields['System clock synchronized'], yes_no[props['NTPSynchronized']])
        self.assertEqual(fields['RTC in local TZ'], yes_no[props['LocalRTC']])
        expected_ntp = 'n/a' if not props['CanNTP'] else ('active' if props['NTP'] else 'inactive')
        self.assertEqual(fields['NTP service'], expected_ntp)
        self.assertIn('RTC time', fields)

    def test_no_arguments_prints_status(self):
        self.start_daemon()
        self.set_zone_over_dbus('Asia/Seoul')
        bare, status = self.ctl(), self.ctl('status')
        self.assertExit(bare, EXIT_OK)
        got, want = parse_table(bare.stdout), parse_table(status.stdout)
        self.assertEqual(list(got), list(want))
        self.assertEqual(got['Time zone'], 'Asia/Seoul (KST, +0900)')

    def test_korean_errors_never_carry_the_daemons_english(self):
        env = self.korean_env()
        self.polkit_allow_all()
        self.start_daemon()
        cases = [(['set-timezone', 'Nowhere/Land'], ('SetTimezone', 'Nowhere/Land', False), EXIT_INVALID),
                 (['add-source', 'server'], ('AddSource', 'server', False), EXIT_INVALID)]
        self.call('SetNTP', True, False)
        cases.append((['set-time', '2030-01-01 12:00:00'], ('SetTime', 1893499200_000000, False, False),
                      EXIT_FAILURE))
        for argv, call, code in cases:
            with self.subTest(argv=argv):
                with self.assertRaises(harness.DBusError) as cm:
                    self.call(*call, iface=SOURCES_IFACE if call[0] == 'AddSource' else harness.NATIVE)
                daemon_text = str(cm.exception.message)
                self.assertRegex(daemon_text, '[A-Za-z]{3}')   # the daemon speaks English
                r = subprocess.run([MERIDIANCTL, *argv], env=env, capture_output=True, text=True,
                                   stdin=subprocess.DEVNULL, timeout=60)
                self.assertExit(r, code)
                self.assertRegex(r.stderr, HANGUL)
                # No English sentence from anywhere: every line is Korean, or a command/name.
                for line in r.stderr.splitlines():
                    self.assertNotRegex(line, r'\b(the|is|not|cannot|invalid|No)\b', line)
                self.assertNotIn(daemon_text, r.stderr)
                v = subprocess.run([MERIDIANCTL, '--verbose', *argv], env=env, capture_output=True,
                                   text=True, stdin=subprocess.DEVNULL, timeout=60)
                self.assertIn(daemon_text, v.stderr)

    def test_status_follows_zone_changes(self):
        self.start_daemon()
        for zone in ('America/New_York', 'Asia/Kolkata', 'UTC'):
            self.set_zone_over_dbus(zone)
            r = self.ctl('status')
            self.assertExit(r, EXIT_OK)
            now = self.get_property('TimeUSec') / 1e6
            off, _, abbr = zone_at(zone, now)
            self.assertEqual(parse_table(r.stdout)['Time zone'],
                             f'{zone} ({abbr}, {offset_text(off)})')

    def test_status_json_agrees_with_dbus_properties(self):
        self.start_daemon()
        self.set_zone_over_dbus('Europe/Berlin')
        r = self.ctl('status', '--json')
        self.assertExit(r, EXIT_OK)
        data = json.loads(r.stdout)
        props = self.get_all()
        for key in ('Timezone', 'LocalRTC', 'CanNTP', 'NTP', 'NTPSynchronized'):
            self.assertEqual(data[key], props[key], key)
        self.assertLess(abs(data['TimeUSec'] - props['TimeUSec']), 5_000_000)
        off, dst, abbr = zone_at('Europe/Berlin', data['TimeUSec'] / 1e6)
        self.assertEqual(data['UTCOffset'], off)
        self.assertEqual(data['IsDST'], dst)
        self.assertEqual(data['TimezoneAbbreviation'], abbr)
        self.assertEqual(data['TimezoneOverrides'], [])
        # --json is accepted before the command too.
        r2 = self.ctl('--json', 'status')
        self.assertExit(r2, EXIT_OK)
        self.assertEqual(json.loads(r2.stdout)['Timezone'], 'Europe/Berlin')

    def test_status_warns_about_callers_tz(self):
        self.start_daemon()
        r = self.ctl('status', env={'TZ': 'Asia/Seoul'})
        self.assertExit(r, EXIT_OK)
        self.assertRegex(r.stdout, r'Warning: .*TZ="Asia/Seoul".*system time zone UTC')
        self.assertIn('meridianctl set-timezone Asia/Seoul', r.stdout)
        # A TZ naming the system zone, or a link to it, is no trap.
        self.set_zone_over_dbus('Asia/Kolkata')
        for tz in ('Asia/Kolkata', ':Asia/Kolkata', 'Asia/Calcutta'):
            r = self.ctl('status', env={'TZ': tz})
            self.assertExit(r, EXIT_OK)
            self.assertNotIn('Warning', r.stdout, f'TZ={tz}')

    def test_status_warns_about_profile_tz_and_names_the_file(self):
        self.start_daemon()
        etc = self.root / 'etc'
        (etc / 'profile').write_text('# system profile\nexport TZ="Asia/Seoul"\n')
        (etc / 'profile.d').mkdir()
        (etc / 'profile.d' / 'lang.sh').write_text('LANG=C.UTF-8\n')
        (etc / 'environment').write_text('TZ=UTC\n')  # agrees: no warning for it
        # Read by meridiand under its own root (ListTimezoneOverrides), not by the client.
        r = self.ctl('status')
        self.assertExit(r, EXIT_OK)
        self.assertRegex(r.stdout, r'Warning: /etc/profile sets TZ="Asia/Seoul"')
        self.assertNotIn('/etc/environment', r.stdout)
        self.assertNotIn('lang.sh', r.stdout)
        data = json.loads(self.ctl('status', '--json').stdout)
        self.assertEqual([(o['Source'], o['TZ']) for o in data['TimezoneOverrides']],
                         [('/etc/profile', 'Asia/Seoul')])
        # Once the system zone is Asia/Seoul, the profile line agrees and the warning goes.
        self.set_zone_over_dbus('Asia/Seoul')
        (etc / 'environment').unlink()
        r = self.ctl('status')
        self.assertExit(r, EXIT_OK)
        self.assertNotIn('Warning', r.stdout)

    def test_status_profile_d_script_is_named(self):
        self.start_daemon()
        (self.root / 'etc' / 'profile.d').mkdir()
        (self.root / 'etc' / 'profile.d' / 'tz.sh').write_text("TZ='Europe/Paris'; export TZ\n")
        r = self.ctl('status')
        self.assertExit(r, EXIT_OK)
        self.assertRegex(r.stdout, r'Warning: /etc/profile\.d/tz\.sh sets TZ="Europe/Paris"')
        self.assertIn('meridianctl set-timezone Europe/Paris', r.stdout)

    def test_status_in_korean(self):
        if not LOCALEDIR or not (pathlib.Path(LOCALEDIR) / 'ko' / 'LC_MESSAGES' / 'meridian.mo').exists():
            self.skipTest(f'no compiled Korean catalog under {LOCALEDIR!r}')
        self.start_daemon()
        self.set_zone_over_dbus('Asia/Seoul')
        env = dict(self.env)
        for k in ('LC_ALL', 'LC_MESSAGES', 'LANGUAGE'):
            env.pop(k, None)
        env.update(LANG='ko_KR.UTF-8', MERIDIAN_LOCALEDIR=LOCALEDIR)
        r = subprocess.run([MERIDIANCTL, 'status'], env=env, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=60)
        self.assertExit(r, EXIT_OK)
        self.assertRegex(r.stdout, HANGUL)
        # The "Time zone" label is translated; the zone name stays as tzdata spells it.
        self.assertNotIn('Time zone', r.stdout)
        self.assertRegex(r.stdout, r'(?m)^\s*[\uac00-\ud7a3 ]+: Asia/Seoul \(KST, \+0900\)$')


class SetTimezone(CliTestCase):
    def test_set_timezone_changes_symlink_and_property(self):
        self.polkit_allow([ACTION['set-timezone']])
        self.start_daemon()
        r = self.ctl('set-timezone', 'Asia/Seoul')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(self.localtime_target(), '../usr/share/zoneinfo/Asia/Seoul')
        self.assertEqual(self.get_property('Timezone'), 'Asia/Seoul')
        self.assertEqual(parse_table(self.ctl('status').stdout)['Time zone'],
                         'Asia/Seoul (KST, +0900)')

    def test_bad_zone_is_invalid_argument_and_changes_nothing(self):
        self.polkit_allow_all()
        self.start_daemon()
        before = self.snapshot_root()
        for bad in ('Nowhere/Land', '../../etc/shadow', 'Asia/Seoul/', 'Asia/../../x'):
            r = self.ctl('set-timezone', bad)
            self.assertExit(r, EXIT_INVALID, f'zone {bad!r}')
            self.assertIn('Cannot set the time zone', r.stderr)
            self.assertIn('meridianctl list-timezones', r.stderr)
            # The remote-error prefix is stripped.
            self.assertNotIn('GDBus.Error', r.stderr)
        self.assert_root_unchanged(before)
        self.assertEqual(self.get_property('Timezone'), 'UTC')

    def test_denied_is_not_authorized_and_changes_nothing(self):
        self.polkit_deny_all()
        self.start_daemon()
        before = self.snapshot_root()
        r = self.ctl('set-timezone', 'Asia/Seoul')
        self.assertExit(r, EXIT_NOT_AUTHORIZED)
        self.assertIn('Cannot set the time zone', r.stderr)
        self.assertIn('not allowed', r.stderr)
        self.assertNotIn('GDBus.Error', r.stderr)
        self.assert_root_unchanged(before)

    def test_usage_errors(self):
        self.start_daemon()
        self.assertExit(self.ctl('set-timezone'), EXIT_USAGE)
        self.assertExit(self.ctl('set-timezone', 'Asia/Seoul', 'Europe/Paris'), EXIT_USAGE)
        self.assertExit(self.ctl('set-timezone', '--bogus', 'Asia/Seoul'), EXIT_USAGE)


    def fake_pkttyagent(self):
        """A stand-in pkttyagent on PATH that logs its arguments and the zone on disk when it
        starts, when it says it is registered (closing --notify-fd), and when it is stopped."""
        bindir = self.tmp / 'fakebin'
        bindir.mkdir(mode=0o755)
        log = self.tmp / 'agent.log'
        log.touch()
        log.chmod(0o666)
        zone = f'readlink {self.root}/etc/localtime'
        agent = bindir / 'pkttyagent'
        agent.write_text(f"""#!/bin/sh
echo "start $* uid=$(id -u) zone=$({zone})" >> {log}
trap 'echo "stopped zone=$({zone})" >> {log}; exit 0' TERM
sleep 0.3
echo "registered zone=$({zone})" >> {log}
exec 3>&-
while :; do sleep 0.05; done
""")
        agent.chmod(0o755)
        env = dict(self.env)
        env['PATH'] = f'{bindir}:{env.get("PATH", "/usr/bin:/bin")}'
        return env, log

    def test_polkit_agent_runs_around_the_call_on_a_terminal(self):
        self.polkit_allow([ACTION['set-timezone']])
        self.start_daemon()
        env, log = self.fake_pkttyagent()
        nobody = ['/usr/bin/setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']
        rc, out = self.run_in_pty(lambda text: None,
                                  argv=nobody + [MERIDIANCTL, 'set-timezone', 'Asia/Seoul'], env=env)
        self.assertEqual(rc, EXIT_OK, out)
        lines = log.read_text().splitlines()
        self.assertEqual(len(lines), 3, lines)
        # As systemd's polkit_agent_open: --notify-fd N --fallback, started before the call,
        # waited for until registered, stopped after the reply.
        self.assertRegex(lines[0], r'^start --notify-fd \d+ --fallback uid=(?!0\b)\d+ zone=\S*/UTC$')
        self.assertRegex(lines[1], r'^registered zone=\S*/UTC$')
        self.assertRegex(lines[2], r'^stopped zone=\S*/Asia/Seoul$')

    def test_no_polkit_agent_without_terminal_or_with_no_ask_password(self):
        self.polkit_allow([ACTION['set-timezone']])
        self.start_daemon()
        env, log = self.fake_pkttyagent()
        nobody = ['/usr/bin/setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']
        rc, out = self.run_in_pty(lambda text: None, env=env, argv=nobody + [
            MERIDIANCTL, '--no-ask-password', 'set-timezone', 'Asia/Tokyo'])
        self.assertEqual(rc, EXIT_OK, out)
        r = self.run_client(nobody + [MERIDIANCTL, 'set-timezone', 'Asia/Seoul'], env=env)
        self.assertExit(r, EXIT_OK)
        self.assertEqual(self.localtime_zone(), 'Asia/Seoul')
        self.assertEqual(log.read_text(), '')


class RealPolkit(CliTestCase):
    """The real polkitd with our policy (bind-mounted in a private mount namespace, as harness.py does): a non-root caller needs an
    administrator's password, which meridianctl may not ask for here."""
    polkit = None

    def test_needs_interaction_is_not_authorized_with_a_helpful_message(self):
        self.start_real_polkitd()
        self.start_daemon()
        before = self.snapshot_root()
        r = self.run_as_nobody([MERIDIANCTL, '--no-ask-password', 'set-timezone', 'Asia/Seoul'])
        self.assertExit(r, EXIT_NOT_AUTHORIZED)
        self.assertIn('without --no-ask-password', r.stderr)
        r = self.run_as_nobody([MERIDIANCTL, 'set-ntp', 'off'])     # stdin is not a terminal
        self.assertExit(r, EXIT_NOT_AUTHORIZED)
        self.assertIn('no terminal', r.stderr)
        self.assert_root_unchanged(before)
        # polkit authorizes root without asking.
        self.assertExit(self.ctl('set-timezone', 'Asia/Seoul'), EXIT_OK)
        self.assertEqual(self.localtime_zone(), 'Asia/Seoul')


class SelectTimezone(CliTestCase):
    def test_refuses_without_a_terminal(self):
        self.polkit_allow_all()
        self.start_daemon()
        before = self.snapshot_root()
        r = self.ctl('select-timezone')
        self.assertExit(r, EXIT_NO_TERMINAL)
        self.assertIn('terminal', r.stderr)
        self.assertIn('meridianctl set-timezone', r.stderr)
        self.assert_root_unchanged(before)

    @staticmethod
    def number_of(menu_text, label):
        # The menu may be laid out in columns: an entry ends at two spaces or the line end.
        m = re.search(r'(?:^|\s)(\d+)\) ' + re.escape(label) + r'(?:  |\s*$)', menu_text, re.M)
        return m.group(1) if m else None

    def test_by_number_picks_asia_seoul(self):
        self.polkit_allow([ACTION['set-timezone']])
        self.start_daemon()

        def answer(text):
            if 'continent or ocean' in text:
                return self.number_of(text, 'Asia')
            if 'select a country' in text:
                return self.number_of(text, 'Korea (South)')
            if '[Y/n]' in text:
                return 'y'
            self.fail(f'unexpected prompt:\n{text}')

        rc, out = self.run_in_pty(answer)
        self.assertEqual(rc, EXIT_OK, out)
        self.assertIn('Asia/Seoul', out)
        self.assertEqual(self.localtime_zone(), 'Asia/Seoul')
        self.assertEqual(self.get_property('Timezone'), 'Asia/Seoul')

    def test_by_typed_name_picks_asia_seoul(self):
        self.polkit_allow([ACTION['set-timezone']])
        self.start_daemon()
        asked = []

        def answer(text):
            asked.append(text)
            if 'continent or ocean' in text and len(asked) == 1:
                return 'asi'            # part of "Asia", any case
            if 'select a country' in text and 'more than one' not in text:
                return 'korea'          # North and South: asks again
            if 'more than one' in text:
                self.assertIn('Korea (North)', text)
                return 'south'
            if '[Y/n]' in text:
                return ''               # the default is yes
            self.fail(f'unexpected prompt:\n{text}')

        rc, out = self.run_in_pty(answer)
        self.assertEqual(rc, EXIT_OK, out)
        self.assertEqual(self.localtime_zone(), 'Asia/Seoul')

    def test_one_zone_country_is_picked_directly_under_its_own_region(self):
        self.polkit_allow_all()
        self.start_daemon()
        self.assertTrue(any(r[0] == 'Atlantic/Reykjavik' for r in self.call('ListZones')))
        menus = []

        def answer(text):
            menus.append(text)
            if 'continent or ocean' in text:
                return self.number_of(text, 'Atlantic Ocean')
            if 'select a country' in text:
                return 'Iceland'
            if '[Y/n]' in text:
                return 'y'
            self.fail(f'unexpected prompt:\n{text}')

        rc, out = self.run_in_pty(answer)
        self.assertEqual(rc, EXIT_OK, out)
        self.assertEqual(self.localtime_zone(), 'Atlantic/Reykjavik')
        self.assertEqual(len(menus), 3, 'Iceland has one zone: no zone question')
        # Iceland is an Atlantic country, not an African one for sharing Abidjan's rules.
        rc, out = self.run_in_pty(lambda text: None if 'country' in text else
                                  self.number_of(text, 'Africa'))
        self.assertNotRegex(out, r'\d+\) Iceland')

    def test_declining_changes_nothing(self):
        self.polkit_allow_all()
        self.start_daemon()
        before = self.snapshot_root()

        def answer(text):
            if 'continent or ocean' in text:
                return 'Europe'
            if 'select a country' in text:
                return 'France'
            if '[Y/n]' in text:
                return 'n'
            self.fail(f'unexpected prompt:\n{text}')

        rc, out = self.run_in_pty(answer)
        self.assertEqual(rc, EXIT_FAILURE, out)
        self.assertIn('Europe/Paris', out)
        self.assert_root_unchanged(before)


    def test_typing_a_city_goes_straight_to_its_zone(self):
        self.polkit_allow_all()
        self.start_daemon()
        calls = self.watch_meridian_calls()
        asked = []

        def answer(text):
            asked.append(text)
            if 'continent or ocean' in text:
                return 'los angeles'
            if '[Y/n]' in text:
                self.assertIn('America/Los_Angeles', text)
                return 'y'
            self.fail(f'unexpected prompt:\n{text}')

        rc, out = self.run_in_pty(answer)
        self.assertEqual(rc, EXIT_OK, out)
        self.assertEqual(len(asked), 2, out)
        self.assertEqual(self.localtime_zone(), 'America/Los_Angeles')
        self.assertNotIn('DescribeZone', calls)
        self.assertEqual(calls.count('ListCountryZones'), 1, calls)

    def test_zero_goes_back_and_zones_show_their_offsets(self):
        self.polkit_allow_all()
        self.start_daemon()
        calls = self.watch_meridian_calls()
        menus = []

        def answer(text):
            menus.append(text)
            if 'continent or ocean' in text:
                return 'Europe' if len(menus) == 1 else 'America'
            if 'select a country' in text:
                self.assertIn('0) Back to the previous question', text)
                return '0' if len(menus) == 2 else 'United States'
            if 'time zones' in text:
                return 'Los_Angeles'
            if '[Y/n]' in text:
                return 'y'
            self.fail(f'unexpected prompt:\n{text}')

        rc, out = self.run_in_pty(answer)
        self.assertEqual(rc, EXIT_OK, out)
        self.assertIn('France', menus[1])                # Europe's countries
        self.assertIn('continent or ocean', menus[2])    # back at the first question
        now = self.get_property('TimeUSec') / 1e6
        for zone in ('America/Los_Angeles', 'America/New_York', 'Pacific/Honolulu'):
            off, _, abbr = zone_at(zone, now)
            self.assertRegex(menus[4], rf'\d+\) {re.escape(zone)} \({abbr}, {re.escape(offset_text(off))}\)')
        self.assertEqual(self.localtime_zone(), 'America/Los_Angeles')
        self.assertNotIn('DescribeZone', calls)
        self.assertLessEqual(calls.count('ListCountryZones'), 2, calls)

    def test_korean_country_names_are_typed_in_korean(self):
        if not LOCALEDIR or not (pathlib.Path(LOCALEDIR) / 'ko' / 'LC_MESSAGES' / 'meridian.mo').exists():
            self.skipTest(f'no compiled Korean catalog under {LOCALEDIR!r}')
        if not pathlib.Path('/usr/share/iso-codes/json/iso_3166-1.json').exists():
            self.skipTest('iso-codes is not installed (scripts/install-deps.sh installs it)')
        self.polkit_allow_all()
        self.start_daemon()
        env = dict(self.env)
        for k in ('LC_ALL', 'LC_MESSAGES', 'LANGUAGE'):
            env.pop(k, None)
        env.update(LANG='ko_KR.UTF-8', MERIDIAN_LOCALEDIR=LOCALEDIR)
        for typed in ('한국', '대한민국'):
            menus = []

            def answer(text):
                menus.append(text)
                if len(menus) == 1:
                    self.assertIn('아시아', text)
                    return '아시아'
                if len(menus) == 2:
                    self.assertIn('대한민국', text)      # iso-codes' Korean name
                    self.assertIn('일본', text)
                    self.assertNotIn('Korea (South)', text)
                    return typed
                if '[Y/n]' in text:
                    return 'y'
                self.fail(f'unexpected prompt:\n{text}')

            rc, out = self.run_in_pty(answer, env=env)
            self.assertEqual(rc, EXIT_OK, out)
            self.assertEqual(self.localtime_zone(), 'Asia/Seoul')
            self.set_zone_over_dbus('UTC')


class DescribeZone(CliTestCase):
    CASES = [
        # zone, --at as given, the UTC instant it means (computed here)
        ('Europe/Berlin', '2025-03-30 12:00:00',
         lambda: datetime.datetime(2025, 3, 30, 12, tzinfo=zoneinfo.ZoneInfo('Europe/Berlin'))),
        ('America/New_York', '@1700000000',
         lambda: datetime.datetime.fromtimestamp(1700000000, datetime.timezone.utc)),
        ('Australia/Lord_Howe', '2026-01-15T00:00:00Z',
         lambda: datetime.datetime(2026, 1, 15, tzinfo=datetime.timezone.utc)),
        ('America/Sao_Paulo', '2018-10-01 00:00',
         lambda: datetime.datetime(2018, 10, 1, tzinfo=zoneinfo.ZoneInfo('America/Sao_Paulo'))),
        ('Asia/Seoul', '2030-06-01 09:00:00',
         lambda: datetime.datetime(2030, 6, 1, 9, tzinfo=zoneinfo.ZoneInfo('Asia/Seoul'))),
    ]

    def test_json_figures_match_zoneinfo(self):
        self.start_daemon()
        for zone, at, when in self.CASES:
            with self.subTest(zone=zone, at=at):
                r = self.ctl('describe-zone', zone, '--at', at, '--json')
                self.assertExit(r, EXIT_OK)
                data = json.loads(r.stdout)
                t = int(when().timestamp())
                self.assertEqual(data['AtUSec'] // 1_000_000, t)
                off, dst, abbr = zone_at(zone, t)
                self.assertEqual((data['UTCOffset'], data['IsDST'], data['Abbreviation']),
                                 (off, dst, abbr))
                # Asia/Seoul in 2030 has no next change: null, and "after" repeats "now".
                nxt = next_transition(zone, t)
                after_at = t if nxt is None else nxt
                self.assertEqual(data['NextTransitionUSec'],
                                 None if nxt is None else nxt * 1_000_000)
                self.assertEqual((data['UTCOffsetAfter'], data['IsDSTAfter'],
                                  data['AbbreviationAfter']), zone_at(zone, after_at))
        self.assertIsNone(next_transition('Asia/Seoul', int(self.CASES[4][2]().timestamp())))

    def test_text_says_offset_and_what_clocks_do(self):
        self.start_daemon()
        r = self.ctl('describe-zone', 'Europe/Berlin', '--at', '2025-03-30 12:00:00')
        self.assertExit(r, EXIT_OK)
        f = parse_table(r.stdout)
        t = int(datetime.datetime(2025, 3, 30, 12, tzinfo=zoneinfo.ZoneInfo('Europe/Berlin')).timestamp())
        off, dst, abbr = zone_at('Europe/Berlin', t)
        self.assertEqual(f['UTC offset'], offset_text(off))
        self.assertEqual(f['Daylight saving time'], 'yes' if dst else 'no')
        self.assertEqual(f['Abbreviation'], abbr)
        nxt = next_transition('Europe/Berlin', t)
        nxt_utc = datetime.datetime.fromtimestamp(nxt, datetime.timezone.utc)
        self.assertIn(nxt_utc.strftime('%Y-%m-%d %H:%M:%S UTC'), f['Next change'])
        off2, _, abbr2 = zone_at('Europe/Berlin', nxt)
        self.assertIn(f'{offset_text(off2)} {abbr2}', f['After it'])
        self.assertIn('clocks go back 1 hour', f['After it'])

        r = self.ctl('describe-zone', 'Asia/Seoul', '--at', '2030-06-01 09:00:00')
        self.assertExit(r, EXIT_OK)
        self.assertRegex(parse_table(r.stdout)['Next change'], '^none')

    def test_unknown_zone_and_bad_time(self):
        self.start_daemon()
        r = self.ctl('describe-zone', 'Nowhere/Land')
        self.assertExit(r, EXIT_INVALID)
        self.assertIn('meridianctl list-timezones', r.stderr)
        r = self.ctl('describe-zone', 'Europe/Berlin', '--at', 'next tuesday')
        self.assertExit(r, EXIT_INVALID)
        # The error lists what is accepted.
        for form in ('YYYY-MM-DD HH:MM[:SS]', '@SECONDS', 'now', 'today', '+5min', '-1h', 'Z'):
            self.assertIn(form, r.stderr)

    def at_usec(self, zone, text):
        r = self.ctl('describe-zone', zone, '--at', text, '--json')
        self.assertExit(r, EXIT_OK, text)
        return json.loads(r.stdout)['AtUSec']

    def test_systemd_time_forms(self):
        self.start_daemon()
        seoul = zoneinfo.ZoneInfo('Asia/Seoul')
        now = self.get_property('TimeUSec') / 1e6
        today = datetime.datetime.fromtimestamp(now, seoul).replace(hour=0, minute=0, second=0,
                                                                    microsecond=0)
        exact = {
            '@1700000000': 1700000000_000000,
            '@1700000000.5': 1700000000_500000,
            '2026-01-15T00:00:00Z': 1768435200_000000,
            '2026-01-15 09:00:00 UTC': 1768467600_000000,
            '2026-01-15T09:00:00+09:00': 1768435200_000000,
            '2026-01-15 09:00+0900': 1768435200_000000,
            '2026-01-15 09:00:00.25': 1768435200_250000,       # local time in Asia/Seoul
            '2026-01-15': 1768402800_000000,                   # local midnight
            'Thu 2026-01-15 09:00': 1768435200_000000,
            'today': int(today.timestamp()) * 1_000_000,
            'yesterday': int((today - datetime.timedelta(days=1)).timestamp()) * 1_000_000,
            'tomorrow': int((today + datetime.timedelta(days=1)).timestamp()) * 1_000_000,
            '12:34': int(today.replace(hour=12, minute=34).timestamp()) * 1_000_000,
            '12:34:56': int(today.replace(hour=12, minute=34, second=56).timestamp()) * 1_000_000,
        }
        for text, want in exact.items():
            with self.subTest(at=text):
                self.assertEqual(self.at_usec('Asia/Seoul', text), want)
        relative = {'now': 0, '+5min': 300, '-1h': -3600, '+1h 30min': 5400, '2 days ago': -172800,
                    '+1.5h': 5400, '-90s': -90, '+1w': 604800}
        for text, delta in relative.items():
            with self.subTest(at=text):
                before = self.get_property('TimeUSec')
                got = self.at_usec('Asia/Seoul', text)
                after = self.get_property('TimeUSec')
                self.assertGreaterEqual(got, before + delta * 1_000_000)
                self.assertLessEqual(got, after + delta * 1_000_000)
        for bad in ('Fri 2026-01-15 09:00', '2026-02-30', '25:00', '+5 fortnights', '@',
                    '2026-01-15 09:00 +25:00', 'tomorrow 12:00 please'):
            with self.subTest(bad=bad):
                self.assertExit(self.ctl('describe-zone', 'Asia/Seoul', '--at', bad), EXIT_INVALID)

    def test_spring_forward_gap_says_so_with_both_readings(self):
        self.start_daemon()
        berlin = zoneinfo.ZoneInfo('Europe/Berlin')
        # 02:30 on 2026-03-29 is skipped in Berlin: read with +01:00 (before) or +02:00 (after).
        before = datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.timezone.utc)
        after = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.timezone.utc)
        self.assertEqual(datetime.datetime(2026, 3, 28, 2, 30, tzinfo=berlin).utcoffset().total_seconds(), 3600)
        r = self.ctl('describe-zone', 'Europe/Berlin', '--at', '2026-03-29 02:30', '--json')
        self.assertExit(r, EXIT_OK)
        data = json.loads(r.stdout)
        self.assertEqual(data['LocalTimeOccurs'], 0)
        self.assertEqual(data['LocalTimeReadingsUSec'],
                         [int(before.timestamp()) * 1_000_000, int(after.timestamp()) * 1_000_000])
        self.assertEqual(data['AtUSec'], int(before.timestamp()) * 1_000_000)
        r = self.ctl('describe-zone', 'Europe/Berlin', '--at', '2026-03-29 02:30')
        self.assertExit(r, EXIT_OK)
        self.assertIn('2026-03-29 02:30:00 does not exist in Europe/Berlin', r.stdout)
        self.assertIn('(+0100) it is 2026-03-29 01:30:00 UTC, when the clocks show 2026-03-29 03:30:00', r.stdout)
        self.assertIn('(+0200) it is 2026-03-29 00:30:00 UTC, when they show 2026-03-29 01:30:00', r.stdout)

    def test_fall_back_repeat_says_so_with_both_readings(self):
        self.start_daemon()
        berlin = zoneinfo.ZoneInfo('Europe/Berlin')
        first = datetime.datetime(2026, 10, 25, 2, 30, tzinfo=berlin, fold=0)
        second = datetime.datetime(2026, 10, 25, 2, 30, tzinfo=berlin, fold=1)
        self.assertEqual(second.timestamp() - first.timestamp(), 3600)
        r = self.ctl('describe-zone', 'Europe/Berlin', '--at', '2026-10-25 02:30', '--json')
        self.assertExit(r, EXIT_OK)
        data = json.loads(r.stdout)
        self.assertEqual(data['LocalTimeOccurs'], 2)
        self.assertEqual(data['LocalTimeReadingsUSec'],
                         [int(first.timestamp()) * 1_000_000, int(second.timestamp()) * 1_000_000])
        self.assertEqual((data['UTCOffset'], data['Abbreviation']), (7200, 'CEST'))
        r = self.ctl('describe-zone', 'Europe/Berlin', '--at', '2026-10-25 02:30')
        self.assertIn('2026-10-25 02:30:00 happens twice in Europe/Berlin', r.stdout)
        self.assertIn('first at 2026-10-25 00:30:00 UTC (+0200), then at 2026-10-25 01:30:00 UTC (+0100)', r.stdout)
        # A time that occurs once says nothing of the kind.
        r = self.ctl('describe-zone', 'Europe/Berlin', '--at', '2026-10-25 12:00', '--json')
        self.assertEqual(json.loads(r.stdout)['LocalTimeOccurs'], 1)

    def test_before_1970(self):
        self.start_daemon()
        xml = (pathlib.Path(os.environ.get('MERIDIAN_SOURCE_ROOT', '.')) / 'dbus' /
               'org.meridian.Time1.xml').read_text()
        signed = re.search(r'<method name="DescribeZone">\s*<arg name="timezone" type="s" '
                           r'direction="in"/>\s*<arg name="at_usec" type="(.)"', xml).group(1) == 'x'
        r = self.ctl('describe-zone', 'Europe/London', '--at', '1968-06-01 12:00:00Z', '--json')
        # Not refused as set-time would refuse it ("the system clock cannot be set to").
        self.assertNotIn('cannot be set', r.stderr)
        want_at = int(datetime.datetime(1968, 6, 1, 12, tzinfo=datetime.timezone.utc).timestamp())
        off, dst, abbr = zone_at('Europe/London', want_at)
        self.assertEqual((off, abbr), (3600, 'BST'))   # British Standard Time, 1968-1971
        expected = ((EXIT_OK, {'AtUSec': want_at * 1_000_000, 'UTCOffset': off, 'Abbreviation': abbr})
                    if signed else (EXIT_FAILURE, None))
        self.assertExit(r, expected[0])
        got = ({k: json.loads(r.stdout)[k] for k in expected[1]} if r.returncode == EXIT_OK else None)
        self.assertEqual(got, expected[1])
        self.assertEqual('1970' in r.stderr, not signed, r.stderr)


class Settings(CliTestCase):
    def test_list_timezones_matches_dbus_and_country_filter(self):
        self.start_daemon()
        r = self.ctl('list-timezones')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout.split(), list(self.call('ListTimezones')))
        r = self.ctl('list-timezones', '--json')
        self.assertEqual(json.loads(r.stdout), list(self.call('ListTimezones')))
        r = self.ctl('list-timezones', '--country', 'KR')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout.split(), ['Asia/Seoul'])
        us = self.ctl('list-timezones', '--country', 'us').stdout.split()
        self.assertIn('America/New_York', us)
        self.assertIn('America/Los_Angeles', us)
        self.assertNotIn('Europe/Paris', us)
        r = self.ctl('list-timezones', '--country', 'XX')
        self.assertExit(r, EXIT_INVALID)

    def zone_tab(self):
        """{country code: set of zones} from zone.tab, read here, not through the daemon."""
        table = {}
        with open(os.path.join(harness.ZONEINFO, 'zone.tab'), encoding='utf-8') as f:
            for line in f:
                if line.startswith('#') or not line.strip():
                    continue
                code, _, zone = line.rstrip('\n').split('\t')[:3]
                table.setdefault(code, set()).add(zone)
        return table

    def test_country_lists_are_zone_tab_views(self):
        self.start_daemon()
        table = self.zone_tab()
        # Countries whose zones zone1970.tab shares or keeps apart although they agree today.
        for code in ('KR', 'US', 'CA', 'ES', 'DE', 'NO', 'IS', 'DK', 'SE', 'SJ', 'LI', 'CH'):
            with self.subTest(country=code):
                r = self.ctl('list-timezones', '--country', code.lower())
                self.assertExit(r, EXIT_OK)
                got = r.stdout.split()
                self.assertEqual(got, sorted(set(got)), 'sorted, no zone twice')
                self.assertEqual(set(got), table[code])
        self.assertEqual(self.ctl('list-timezones', '--country', 'NO').stdout.split(), ['Europe/Oslo'])
        de = self.ctl('list-timezones', '--country', 'DE').stdout.split()
        self.assertEqual(de, ['Europe/Berlin', 'Europe/Busingen'])
        ca = self.ctl('list-timezones', '--country', 'CA').stdout.split()
        # Today's zones agree, but Toronto's and Iqaluit's did not in 1999: both stay.
        self.assertIn('America/Toronto', ca)
        self.assertIn('America/Iqaluit', ca)

    def test_country_list_is_one_call(self):
        self.start_daemon()
        calls = self.watch_meridian_calls()
        r = self.ctl('list-timezones', '--country', 'DE')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout.split(), ['Europe/Berlin', 'Europe/Busingen'])
        time.sleep(0.3)
        self.assertEqual(calls, ['ListCountryZones'])
        r = self.ctl('list-timezones', '--country', 'XX', '--json')
        self.assertExit(r, EXIT_INVALID)
        self.assertIn("'XX'", r.stderr)

    def test_set_ntp_persists_through_daemon(self):
        self.polkit_allow([ACTION['set-ntp']])
        self.start_daemon()
        self.assertExit(self.ctl('set-ntp', 'off'), EXIT_OK)
        self.assertFalse(self.get_property('NTP'))
        self.assertEqual(json.loads(self.ctl('status', '--json').stdout)['NTP'], False)
        self.assertExit(self.ctl('set-ntp', 'on'), EXIT_OK)
        self.assertTrue(self.get_property('NTP'))
        self.assertExit(self.ctl('set-ntp', 'maybe'), EXIT_INVALID)

    def test_set_local_rtc_writes_adjtime(self):
        self.polkit_allow([ACTION['set-local-rtc']])
        self.start_daemon()
        self.assertExit(self.ctl('set-local-rtc', 'on'), EXIT_OK)
        self.assertEqual(self.adjtime_lines()[2], 'LOCAL')
        self.assertTrue(self.get_property('LocalRTC'))
        self.assertEqual(parse_table(self.ctl('status').stdout)['RTC in local TZ'], 'yes')
        self.assertExit(self.ctl('set-local-rtc', 'off'), EXIT_OK)
        self.assertEqual(self.adjtime_lines()[2], 'UTC')

    def test_set_time_is_local_time_in_system_zone(self):
        self.polkit_allow_all()
        self.start_daemon()
        self.set_zone_over_dbus('Asia/Seoul')
        self.call('SetNTP', False, False)
        r = self.ctl('set-time', '2030-01-01 12:00:00')
        self.assertExit(r, EXIT_OK)
        want = datetime.datetime(2030, 1, 1, 12, tzinfo=zoneinfo.ZoneInfo('Asia/Seoul')).timestamp()
        got = self.get_property('TimeUSec') / 1e6
        self.assertLess(abs(got - want), 5, f'daemon clock {got}, wanted about {want}')

    def test_set_time_refused_while_ntp_is_on(self):
        self.polkit_allow_all()
        self.start_daemon()
        self.call('SetNTP', True, False)
        r = self.ctl('set-time', '2030-01-01 12:00:00')
        self.assertExit(r, EXIT_FAILURE)
        self.assertIn('set-ntp off', r.stderr)
        self.assertExit(self.ctl('set-time', '2030-02-30 12:00:00'), EXIT_INVALID)
        self.assertExit(self.ctl('set-time', 'next tuesday'), EXIT_INVALID)

    def test_set_time_accepts_systemd_time_forms(self):
        self.polkit_allow_all()
        self.start_daemon()
        self.set_zone_over_dbus('Asia/Seoul')
        self.call('SetNTP', False, False)
        before = self.get_property('TimeUSec') / 1e6
        self.assertExit(self.ctl('set-time', '+1h'), EXIT_OK)
        self.assertLess(abs(self.get_property('TimeUSec') / 1e6 - (before + 3600)), 5)
        self.assertExit(self.ctl('set-time', '@2000000000'), EXIT_OK)
        self.assertLess(abs(self.get_property('TimeUSec') / 1e6 - 2000000000), 5)
        self.assertExit(self.ctl('set-time', '2031-05-05T10:00:00Z'), EXIT_OK)
        want = datetime.datetime(2031, 5, 5, 10, tzinfo=datetime.timezone.utc).timestamp()
        self.assertLess(abs(self.get_property('TimeUSec') / 1e6 - want), 5)
        self.assertExit(self.ctl('set-time', '12:00'), EXIT_OK)    # today, in Asia/Seoul
        want = datetime.datetime(2031, 5, 5, 12, tzinfo=zoneinfo.ZoneInfo('Asia/Seoul')).timestamp()
        self.assertLess(abs(self.get_property('TimeUSec') / 1e6 - want), 5)
        r = self.ctl('set-time', '1969-12-31 23:00:00Z')
        self.assertExit(r, EXIT_INVALID)
        self.assertIn('before 1970', r.stderr)
        r = self.ctl('set-time', 'soonish')
        self.assertExit(r, EXIT_INVALID)
        self.assertIn('+5min', r.stderr)

    def test_set_ntp_denied(self):
        self.polkit_deny_all()
        self.start_daemon()
        r = self.ctl('set-ntp', 'off')
        self.assertExit(r, EXIT_NOT_AUTHORIZED)


SOURCES_IFACE = harness.SOURCES
# The chronyc 4.3 legends, from the real chronyc output in tests/cli/fixtures.
FIXTURES = pathlib.Path(__file__).resolve().parent / 'fixtures' / 'chronyc-4.3'
SOURCES_HEADER = ('MS Name/IP address         Stratum Poll Reach LastRx Last sample               \n'
                  + '=' * 79 + '\n')


def chronyc_name(name):
    """chronyc's name column: a resolved name longer than 25 columns ends in '>' at 25."""
    return name if len(name) <= 25 else name[:24] + '>'


class Ntp(CliTestCase):
    """The chronyc views over meridiand's D-Bus objects. The daemon lists its sources but
    does not poll them yet, so every source is '?' with zeros: what is checked here is the
    structure (one line per D-Bus object, its address, mode, poll, reach, never-received),
    authorization and the error paths. The number formatting is checked byte for byte against
    real chronyc output in test-chrony-format.c."""

    def start_with_sources(self, *lines):
        conf = self.tmp / 'meridian.conf'
        conf.write_text(''.join(l + '\n' for l in lines))
        self.start_daemon('--config', str(conf))

    def source_objects(self):
        """[(path, {property: value})] of the Source objects, read here over D-Bus."""
        objs = self.call('GetManagedObjects', iface=harness.Iface(
            'org.meridian.Time1', '/org/meridian/Time1', 'org.freedesktop.DBus.ObjectManager'))
        out = [(p, ifs['org.meridian.Time1.Source']) for p, ifs in objs.items()
               if 'org.meridian.Time1.Source' in ifs]
        return sorted(out, key=lambda po: int(po[0].rsplit('/', 1)[1]))

    @staticmethod
    def expected_line(props, name):
        """A never-answered source's line, from chronyc's format string
        "%c%c %-27s  %2d  %2d   %3o  %I  %+S[%+S] +/- %S"."""
        mode = {'server': '^', 'pool': '^', 'peer': '='}[props['Mode']]
        state = {'unusable': '?', 'selected': '*'}[props['State']]
        return (f"{mode}{state} {name:<27s}  {props['Stratum']:2d}  {props['Poll']:2d}   "
                f"{props['Reach']:3o}     -     +0ns[   +0ns] +/-    0ns\n")

    def test_sources_numeric_text_csv_verbose_json(self):
        self.start_with_sources('server 127.0.0.1 iburst', 'server 127.0.0.2 minpoll 4 maxpoll 6',
                                'peer 127.0.0.3')
        objs = self.source_objects()
        self.assertEqual([p['Address'] for _, p in objs], ['127.0.0.1', '127.0.0.2', '127.0.0.3'])

        r = self.ctl('sources', '-n')
        self.assertExit(r, EXIT_OK)
        want = SOURCES_HEADER + ''.join(self.expected_line(p, p['Address']) for _, p in objs)
        self.assertEqual(r.stdout, want)
        self.assertIn('=? 127.0.0.3', r.stdout)     # a peer is '='
        self.assertIn('  4     0     -', r.stdout)  # minpoll 4 is the poll shown

        r = self.ctl('sources', '-c')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout.splitlines(), [
            f"{'=' if p['Mode'] == 'peer' else '^'},?,{p['Address']},{p['Stratum']},{p['Poll']},"
            f"{p['Reach']:o},4294967295,0.000000000,0.000000000,0.000000000" for _, p in objs])

        # chronyc's way: -c and -n before the command, joined or not, and -a (every source,
        # which is always the case here).
        numeric, csv = self.ctl('sources', '-n').stdout, self.ctl('sources', '-c').stdout
        for argv, want in ((['-n', 'sources'], numeric), (['-c', 'sources'], csv),
                           (['-cn', 'sources'], csv), (['-n', '-c', 'sources'], csv),
                           (['sources', '-a', '-n'], numeric), (['-n', 'sources', '-a'], numeric),
                           (['-c', 'tracking'], self.ctl('tracking', '-c').stdout),
                           (['-n', 'sourcestats'], self.ctl('sourcestats', '-n').stdout)):
            r = self.ctl(*argv)
            self.assertExit(r, EXIT_OK, argv)
            self.assertEqual(r.stdout, want, argv)
        self.assertExit(self.ctl('tracking', '-a'), EXIT_USAGE)
        self.assertExit(self.ctl('-cx', 'sources'), EXIT_USAGE)

        r = self.ctl('sources', '-v', '-n')
        self.assertExit(r, EXIT_OK)
        legend = (FIXTURES / 'sources-v.txt').read_text().split('MS Name/IP')[0]
        self.assertTrue(r.stdout.startswith(legend + SOURCES_HEADER), r.stdout)

        r = self.ctl('sources', '--json')
        self.assertExit(r, EXIT_OK)
        data = json.loads(r.stdout)
        self.assertEqual([d['Path'] for d in data], [p for p, _ in objs])
        for d, (_, p) in zip(data, objs):
            for key in ('Name', 'Address', 'Mode', 'State', 'Stratum', 'Poll', 'Reach',
                        'LastRxAgo', 'Options'):
                self.assertEqual(d[key], p[key], key)

    def test_sources_resolves_names_unless_numeric(self):
        import socket
        try:
            name = socket.gethostbyaddr('127.0.0.1')[0]
        except OSError:
            self.skipTest('127.0.0.1 has no name on this machine')
        self.start_with_sources('server 127.0.0.1')
        r = self.ctl('sources')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout.splitlines()[2][3:3 + 27].rstrip(), chronyc_name(name))
        r = self.ctl('sources', '-n')
        self.assertEqual(r.stdout.splitlines()[2][3:3 + 27].rstrip(), '127.0.0.1')

    def test_unresolved_host_name_is_cut_as_chronyc_cuts_names(self):
        host = 'a-very-long-ntp-server-name.example.com'
        self.start_with_sources(f'server {host} iburst')
        for argv in (['sources'], ['sources', '-n']):
            r = self.ctl(*argv)
            self.assertExit(r, EXIT_OK)
            self.assertEqual(r.stdout.splitlines()[2][:30], f'^? {chronyc_name(host)}  ')
        self.assertEqual(chronyc_name(host), 'a-very-long-ntp-server-n>')
        r = self.ctl('sources', '-c')
        self.assertEqual(r.stdout.split(',')[2], host)

    def test_sourcestats(self):
        self.start_with_sources('server 127.0.0.1', 'server 127.0.0.2')
        r = self.ctl('sourcestats', '-n')
        self.assertExit(r, EXIT_OK)
        header = ('Name/IP Address            NP  NR  Span  Frequency  Freq Skew  Offset  Std Dev\n'
                  + '=' * 78 + '\n')
        # No samples yet: as real chronyc shows a source that never answered (127.0.0.5 in
        # the fixtures), its worst-case skew and deviation.
        row = [l for l in (FIXTURES / 'sourcestats-v.txt').read_text().splitlines()
               if l.startswith('127.0.0.5 ')][0][9:] + '\n'
        self.assertEqual(row, '                   0   0     0     +0.000   2000.000     +0ns  4000ms\n')
        self.assertEqual(r.stdout, header + '127.0.0.1' + row + '127.0.0.2' + row)
        csv = [l for l in (FIXTURES / 'sourcestats.csv').read_text().splitlines()
               if l.startswith('127.0.0.5,')][0][9:] + '\n'
        r = self.ctl('sourcestats', '-c')
        self.assertEqual(r.stdout, '127.0.0.1' + csv + '127.0.0.2' + csv)
        legend = (FIXTURES / 'sourcestats-v.txt').read_text().split('Name/IP')[0]
        r = self.ctl('sourcestats', '-v')
        self.assertTrue(r.stdout.startswith(legend + header), r.stdout)

    # selectdata's state letters for the Source object's SelectionState words.
    SELECT_STATES = {'noselect': 'N', 'unsynchronised': 's', 'missing-samples': 'M',
                     'large-distance': 'd', 'jittery': '~', 'waits-for-samples': 'w',
                     'stale': 'S', 'not-trusted': 'T', 'falseticker': 'x',
                     'waits-for-sources': 'W', 'not-preferred': 'P', 'distant': 'D',
                     'combined': '+', 'best': '*'}

    @staticmethod
    def chronyc_signed(seconds):
        """chronyc's %+S below 999.5 s: four digits in ns, us or ms, then seconds to 0.1."""
        for below, scale, unit in ((9999.5e-9, 1e9, 'ns'), (9999.5e-6, 1e6, 'us'),
                                   (9999.5e-3, 1e3, 'ms')):
            if abs(seconds) < below:
                return f'{seconds * scale + 0.0:+5.0f}{unit}'
        assert abs(seconds) < 999.5, seconds
        return f'{seconds:+6.1f}s'

    def expected_selectdata(self, props, name):
        """A source's selectdata line and CSV fields, from its properties as read over D-Bus
        (chronyc's "%c %-25s %c %c%c%c%c%c %c%c%c%c%c %I %5.1f %+S %+S  %1L")."""
        state = self.SELECT_STATES.get(props['SelectionState'], '?')
        auth = 'N' if props['AuthMode'] in ('', '-') else 'Y'
        words = [o.split()[0] for o in props['Options']]
        opts = ''.join(l if w in words else '-' for w, l in
                       (('noselect', 'N'), ('prefer', 'P'), ('trust', 'T'), ('require', 'R'))) + '-'
        ago = int(props['SelectionLastAgo'])
        last = f'{ago:4d}' if ago < 1200 else f'{ago // 60:3d}m'
        score, lo, hi = props['SelectionScore'], props['SelectionLow'], props['SelectionHigh']
        unknown = props['ValidReplies'] == 0 or props['ReplyLeap'] == 3
        leap = '?' if unknown else 'N+-'[props['ReplyLeap']]
        words = ('Not synchronised' if unknown else
                 ('Normal', 'Insert second', 'Delete second')[props['ReplyLeap']])
        line = (f'{state} {name:<25s} {auth} {opts} {opts} {last} {score:5.1f} '
                f'{self.chronyc_signed(lo)} {self.chronyc_signed(hi)}  {leap}\n')
        csv = ([state, props['Address'], auth] + list(opts) + list(opts) +
               [str(ago), f'{score:.1f}', f'{lo + 0.0:.9f}', f'{hi + 0.0:.9f}', words])
        return line, csv

    def test_selectdata(self):
        self.start_with_sources('server 127.0.0.1 iburst prefer trust',
                                'server 127.0.0.2 noselect require minpoll 4', 'server 127.0.0.3')
        objs = self.source_objects()
        self.assertEqual([p['Address'] for _, p in objs], ['127.0.0.1', '127.0.0.2', '127.0.0.3'])
        header = ('S Name/IP Address        Auth COpts EOpts Last Score     Interval  Leap\n'
                  + '=' * 71 + '\n')
        expected = [self.expected_selectdata(p, p['Address']) for _, p in objs]

        r = self.ctl('selectdata', '-n')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout, header + ''.join(line for line, _ in expected))
        # The configured options, as chronyc shows them (the effective ones are the same).
        self.assertEqual([l[30:41] for l in r.stdout.splitlines()[2:]],
                         ['-PT-- -PT--', 'N--R- N--R-', '----- -----'])
        # Nothing answers on those addresses: each row as real chronyc shows a noselect source
        # (noselect require, as 127.0.0.3 in selectdata.txt) and one it never heard
        # (127.0.0.4 in selectdata-combined-v.txt), but for the address.
        noselect = (FIXTURES / 'selectdata.txt').read_text().splitlines()[4]
        never = (FIXTURES / 'selectdata-combined-v.txt').read_text().splitlines()[12]
        self.assertEqual(r.stdout.splitlines()[3:], [noselect.replace('127.0.0.3', '127.0.0.2'),
                                                     never.replace('127.0.0.4', '127.0.0.3')])

        r = self.ctl('selectdata', '-c')
        self.assertExit(r, EXIT_OK)
        self.assertEqual([l.split(',') for l in r.stdout.splitlines()], [c for _, c in expected])
        self.assertEqual(r.stdout.splitlines()[1:], [
            (FIXTURES / 'selectdata.csv').read_text().splitlines()[2].replace('.3,', '.2,'),
            (FIXTURES / 'selectdata-combined.csv').read_text().splitlines()[2].replace('.4,', '.3,')])
        for argv in (['-n', 'selectdata'], ['selectdata', '-a', '-n']):
            self.assertEqual(self.ctl(*argv).stdout, self.ctl('selectdata', '-n').stdout, argv)
        self.assertEqual(self.ctl('-c', 'selectdata').stdout, self.ctl('selectdata', '-c').stdout)

        legend = (FIXTURES / 'selectdata-v.txt').read_text().split('S Name/IP')[0]
        self.assertEqual(len(legend.splitlines()), 8)
        r = self.ctl('selectdata', '-v', '-n')
        self.assertExit(r, EXIT_OK)
        self.assertTrue(r.stdout.startswith(legend + header), r.stdout)
        self.assertIn('waits for update,, x', r.stdout)   # chronyc's own double comma

        r = self.ctl('selectdata', '--json')
        self.assertExit(r, EXIT_OK)
        data = json.loads(r.stdout)
        self.assertEqual([d['Path'] for d in data], [p for p, _ in objs])
        for d, (_, p) in zip(data, objs):
            for key in ('Name', 'Address', 'Options', 'AuthMode', 'ReplyLeap', 'ValidReplies',
                        'SelectionState', 'SelectionScore', 'SelectionLow', 'SelectionHigh',
                        'SelectionLastAgo'):
                self.assertEqual(d[key], p[key], key)

        r = self.ctl('selectdata', '127.0.0.1')
        self.assertExit(r, EXIT_USAGE)
        self.assertEqual(r.stdout, '')

    def test_selectdata_help(self):
        r = self.ctl('--help', env={'LC_ALL': 'C.UTF-8'})
        self.assertExit(r, EXIT_OK)
        self.assertRegex(r.stdout, r'(?m)^  selectdata \[-v\] \[-c\] \[-n\] +Show the NTP sources\' '
                                   r'selection state, score and interval, as chronyc selectdata$')
        r = self.ctl('selectdata', '--help', env={'LC_ALL': 'C.UTF-8'})
        self.assertExit(r, EXIT_OK)
        self.assertIn('meridianctl [OPTION…] selectdata\n', r.stdout)
        for option in ('-c, --csv', '-n, --numeric', '-v, --verbose', '--json'):
            self.assertIn(option, r.stdout)

    def test_ntpdata_before_any_reply(self):
        # Never answered: chronyc's ntpdata layout (the fixture's labels), the address and
        # port of each source, an all-zero header and no test passed.
        self.start_with_sources('server 127.0.0.1', 'server 127.0.0.2 port 4123')
        # The name stands for the address until the engine reports it, with its port.
        self.wait_until(lambda: [p['Address'] for _, p in self.source_objects()] ==
                        ['127.0.0.1', '127.0.0.2:4123'], what='the engine\'s addresses')
        labels = [l[:18] for l in (FIXTURES / 'ntpdata.txt').read_text().splitlines()]
        r = self.ctl('ntpdata', '127.0.0.2')
        self.assertExit(r, EXIT_OK)
        lines = r.stdout.splitlines()
        self.assertEqual([l[:18] for l in lines], labels)
        for want in ('Remote address  : 127.0.0.2 (7F000002)', 'Remote port     : 4123',
                     'Local address   : 127.0.0.1 (7F000001)', 'Mode            : Invalid',
                     'Stratum         : 0', 'Reference ID    : 00000000 ()',
                     'Reference time  : Thu Jan 01 00:00:00 1970',
                     'Offset          : +0.000000000 seconds', 'NTP tests       : 000 000 0000',
                     'Total valid RX  : 0'):
            self.assertIn(want, lines)
        # Every source, each after a blank line; the address without its port selects too.
        r = self.ctl('ntpdata')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout, '\n' + self.ctl('ntpdata', '127.0.0.1').stdout + '\n' +
                         self.ctl('ntpdata', '127.0.0.2:4123').stdout)
        r = self.ctl('ntpdata', '-c', '127.0.0.1')
        self.assertEqual(r.stdout.split(',')[:3], ['127.0.0.1', '7F000001', '123'])
        self.assertEqual(len(r.stdout.split(',')), 34)
        # Bad input: a clear error and nothing on stdout.
        r = self.ctl('ntpdata', '127.0.0.9')
        self.assertExit(r, EXIT_INVALID)
        self.assertEqual(r.stdout, '')
        self.assertIn('127.0.0.9', r.stderr)
        r = self.ctl('ntpdata', '127.0.0.1', '127.0.0.2')
        self.assertExit(r, EXIT_USAGE)
        self.assertEqual(r.stdout, '')

    def test_tracking_text_csv_json(self):
        self.start_daemon('--virtual-freq', '-23.054')
        props = self.get_all(iface=harness.Iface('org.meridian.Time1', '/org/meridian/Time1',
                                                 'org.meridian.Time1.Tracking'))
        r = self.ctl('tracking')
        self.assertExit(r, EXIT_OK)
        lines = r.stdout.splitlines()
        self.assertEqual([l[:18] for l in lines],
                         [l[:18] for l in (FIXTURES / 'tracking.txt').read_text().splitlines()])
        f = props['Frequency']
        self.assertEqual(lines[0], f"Reference ID    : {props['ReferenceID']:08X} ({props['ReferenceName']})")
        self.assertEqual(lines[2], 'Ref time (UTC)  : Thu Jan 01 00:00:00 1970')
        self.assertEqual(lines[6], f"Frequency       : {abs(f):.3f} ppm {'fast' if f > 0 else 'slow'}")
        self.assertEqual(lines[12], f"Leap status     : {props['LeapStatus']}")
        r = self.ctl('tracking', '-c')
        self.assertExit(r, EXIT_OK)
        fields = r.stdout.rstrip('\n').split(',')
        self.assertEqual(len(fields), 14)
        self.assertEqual(fields[0], f"{props['ReferenceID']:08X}")
        self.assertEqual(fields[7], f'{f:.3f}')
        self.assertEqual(fields[13], props['LeapStatus'])
        data = json.loads(self.ctl('tracking', '--json').stdout)
        self.assertEqual(data['Frequency'], f)
        self.assertEqual(data['Synchronized'], props['Synchronized'])

    def test_add_and_remove_source(self):
        self.polkit_allow([ACTION['manage-sources']])
        self.start_with_sources('server 127.0.0.1')
        r = self.ctl('add-source', 'server 127.0.0.9 iburst minpoll 3')
        self.assertExit(r, EXIT_OK)
        path = r.stdout.strip()
        objs = dict(self.source_objects())
        self.assertEqual(objs[path]['Address'], '127.0.0.9')
        self.assertIn('127.0.0.9', self.ctl('sources', '-n').stdout)
        # Words one by one make the same line.
        r = self.ctl('add-source', 'server', '127.0.0.10', 'iburst')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(dict(self.source_objects())[r.stdout.strip()]['Address'], '127.0.0.10')

        self.assertExit(self.ctl('remove-source', '127.0.0.9'), EXIT_OK)
        self.assertNotIn(path, dict(self.source_objects()))
        other = [p for p, v in self.source_objects() if v['Address'] == '127.0.0.10'][0]
        self.assertExit(self.ctl('remove-source', other), EXIT_OK)
        self.assertEqual([v['Address'] for _, v in self.source_objects()], ['127.0.0.1'])

        r = self.ctl('remove-source', '192.0.2.1')
        self.assertExit(r, EXIT_INVALID)
        self.assertIn('No NTP source', r.stderr)
        self.assertExit(self.ctl('add-source'), EXIT_USAGE)
        r = self.ctl('add-source', 'server')      # no host: the daemon refuses the line
        self.assertExit(r, EXIT_INVALID)
        self.assertEqual([v['Address'] for _, v in self.source_objects()], ['127.0.0.1'])

    def test_add_source_says_why_a_line_is_refused(self):
        # A chronyc user's typo gets its reason without --verbose, in meridianctl's own
        # (translated) words, with the word the daemon found wrong; the D-Bus error keeps its
        # name, and its message starts with the problem in the form clients read.
        self.polkit_allow([ACTION['manage-sources']])
        self.start_with_sources('server 127.0.0.1')
        korean = self.korean_env()
        cases = [
            ('server 192.0.2.1 bogusopt', 'unknown option \'bogusopt\'',
             '알 수 없는 옵션 \'bogusopt\'', '[unknown-option "bogusopt"] '),
            ('server 192.0.2.1 minpoll 99', "option 'minpoll': '99' is not a valid value",
             "'minpoll' 옵션: '99'은(는) 올바른 값이 아닙니다", '[bad-value "minpoll" "99"] '),
            ('server 192.0.2.1 minpoll 6 maxpoll 4',
             "option 'minpoll' is greater than option 'maxpoll'",
             "'minpoll' 옵션의 값이 'maxpoll' 옵션의 값보다 큽니다",
             '[conflict "minpoll" "maxpoll"] '),
            ('sever 192.0.2.1', "'sever' is not server, pool or peer",
             "'sever'은(는) server, pool, peer 중 하나가 아닙니다", '[not-a-directive "sever"] '),
            ('server', 'the address or host name is missing', '주소나 호스트 이름이 없습니다',
             '[missing-address] '),
        ]
        for line, english, hangul, bracket in cases:
            with self.subTest(line=line):
                r = self.ctl('add-source', line)
                self.assertExit(r, EXIT_INVALID)
                self.assertEqual(r.stderr.splitlines()[0],
                                 f'Cannot add the NTP source: not a source line: {english}')
                self.assertNotIn('[', r.stderr)     # the daemon's bracket is not shown as such
                k = subprocess.run([MERIDIANCTL, 'add-source', line], env=korean,
                                   capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                   timeout=60)
                self.assertExit(k, EXIT_INVALID)
                self.assertIn(f'소스 줄이 아닙니다: {hangul}', k.stderr)
                with self.assertRaises(harness.DBusError) as cm:
                    self.call('AddSource', line, False, iface=SOURCES_IFACE)
                self.assertEqual(cm.exception.name, 'org.meridian.Time1.Error.InvalidSource')
                self.assertTrue(cm.exception.message.startswith(bracket), cm.exception.message)
        self.assertEqual([v['Address'] for _, v in self.source_objects()], ['127.0.0.1'])

    def test_add_source_with_a_key_the_key_file_lacks_is_refused(self):
        # A source line naming a key runs authenticated or not at all: a key the key file
        # lacks (9), or holds in a form it cannot use (4, an AES128 key of 112 bits, which
        # chronyd refuses too), refuses the line
        # before anything changes (no object, nothing saved); from the configuration it is
        # said once, with the file and line.
        self.polkit_allow([ACTION['manage-sources']])
        keys = self.root / 'etc' / 'meridian' / 'ntp.keys'
        keys.parent.mkdir(parents=True, exist_ok=True)
        keys.write_text('1 SHA256 HEX:0F1E2D3C4B5A69788796A5B4C3D2E1F0\n'
                        '4 AES128 HEX:00112233445566778899AABBCCDD\n')
        keys.chmod(0o600)
        self.start_with_sources('keyfile /etc/meridian/ntp.keys', 'server 127.0.0.1 key 1',
                                'server 127.0.0.3 key 5')
        self.assertEqual([v['Address'] for _, v in self.source_objects()], ['127.0.0.1'])
        said = [l for l in self.daemon.log().splitlines() if '127.0.0.3' in l]
        self.assertEqual(len(said), 1, said)
        self.assertIn('meridian.conf:3: ', said[0])
        self.assertIn('Key 5 is not in the key file', said[0])
        persisted = self.root / 'var/lib/meridian/sources/meridian-added.sources'
        korean = self.korean_env()
        for key in ('9', '4'):
            line = f'server 192.0.2.1 key {key}'
            with self.subTest(line=line):
                r = self.ctl('add-source', line)
                self.assertExit(r, EXIT_INVALID)
                self.assertEqual(r.stderr.splitlines()[0],
                                 f'Cannot add the NTP source: the key file has no usable key {key}')
                k = subprocess.run([MERIDIANCTL, 'add-source', line], env=korean,
                                   capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                   timeout=60)
                self.assertExit(k, EXIT_INVALID)
                self.assertIn(f'키 파일에 쓸 수 있는 키 {key}이(가) 없습니다', k.stderr)
                with self.assertRaises(harness.DBusError) as cm:
                    self.call('AddSource', line, False, iface=SOURCES_IFACE)
                self.assertEqual(cm.exception.name, 'org.meridian.Time1.Error.InvalidSource')
                self.assertTrue(cm.exception.message.startswith(f'[unknown-key "{key}"] '),
                                cm.exception.message)
                self.assertEqual([v['Address'] for _, v in self.source_objects()], ['127.0.0.1'])
                self.assertFalse(persisted.exists())
        # The key the file has is taken, and saved.
        self.assertExit(self.ctl('add-source', 'server 192.0.2.1 key 1'), EXIT_OK)
        self.assertIn('server 192.0.2.1 key 1', persisted.read_text())

    def test_paths_in_a_config_file_are_relative_to_the_root(self):
        # meridiand --config FILE --root DIR: include, confdir and sourcedir name files under
        # DIR, as the sources added over D-Bus are written under DIR; the same absolute path
        # outside the root is never read.
        self.polkit_allow([ACTION['manage-sources']])
        outside = self.tmp / 'outside'
        for sub, line in (('inc', 'server 127.0.0.21'), ('conf.d', 'server 127.0.0.22'),
                          ('sources.d', 'server 127.0.0.23')):
            suffix = '.sources' if sub == 'sources.d' else '.conf'
            for base, addr in ((self.root, line), (outside, 'server 192.0.2.99')):
                d = base / str(outside).lstrip('/') / sub if base == self.root else outside / sub
                d.mkdir(parents=True, exist_ok=True)
                (d / ('a' + suffix)).write_text(addr + '\n')
        self.start_with_sources(f'include {outside}/inc/*.conf', f'confdir {outside}/conf.d',
                                f'sourcedir {outside}/sources.d')
        self.assertEqual(sorted(p['Address'] for _, p in self.source_objects()),
                         ['127.0.0.21', '127.0.0.22', '127.0.0.23'])
        r = self.ctl('add-source', 'server 127.0.0.24')
        self.assertExit(r, EXIT_OK)
        saved = self.root / str(outside).lstrip('/') / 'sources.d'
        self.assertTrue(any('127.0.0.24' in f.read_text() for f in saved.iterdir()),
                        list(saved.iterdir()))
        self.assertEqual([f.name for f in (outside / 'sources.d').iterdir()], ['a.sources'])
        # meridiand --no-bus reads the same file by the same rule.
        log = self.tmp / 'no-bus.log'
        with open(log, 'w') as out:
            p = subprocess.Popen(['setpriv', '--bounding-set', '-sys_time', MERIDIAND, '--no-bus',
                                  '--clock', 'virtual', '--verbose', '--root', str(self.root),
                                  '--config', str(self.tmp / 'meridian.conf')],
                                 stdout=out, stderr=subprocess.STDOUT)
            try:
                self.wait_until(lambda: 'configured sources' in log.read_text(), timeout=10,
                                what='the engine start')
            finally:
                p.terminate()
                self.assertEqual(p.wait(10), 0, log.read_text())
        # 127.0.0.24 was added above: it is in the sourcedir's file too.
        self.assertIn('NTP engine started with 4 configured sources', log.read_text())

    def test_reload_sources_follows_the_sourcedir_files_as_chronyc(self):
        # A DHCP hook writes /run/chrony-dhcp/IFACE.sources and runs `chronyc reload
        # sources`; the sources of the lines gone go, new lines come, the rest run on.
        self.polkit_allow([ACTION['manage-sources']])
        dhcp = self.root / 'run' / 'chrony-dhcp'
        local = self.root / 'etc' / 'chrony' / 'sources.d'
        for d in (dhcp, local):
            d.mkdir(parents=True)
        (dhcp / 'eth0.sources').write_text('server 127.0.0.31 iburst\n')
        (local / 'local.sources').write_text('server 127.0.0.32\n')
        self.start_with_sources('server 127.0.0.1',
                                'sourcedir /run/chrony-dhcp /etc/chrony/sources.d')

        def paths():
            return {p['Address']: path for path, p in self.source_objects()}

        # added at run time: kept in the persistent sourcedir's own file, never reloaded
        self.assertExit(self.ctl('add-source', 'server 127.0.0.33'), EXIT_OK)
        start = paths()
        self.assertEqual(sorted(start), ['127.0.0.1', '127.0.0.31', '127.0.0.32', '127.0.0.33'])
        r = self.ctl('reload', 'sources')
        self.assertExit(r, EXIT_OK)
        self.assertEqual((r.stdout, r.stderr), ('200 OK\n', ''))
        self.assertEqual(paths(), start)

        # a new lease, an option changed, two lines that cannot be used
        (dhcp / 'eth0.sources').write_text('server 127.0.0.34 iburst\n')
        (local / 'local.sources').write_text('server  127.0.0.32   minpoll 4\nserver\n'
                                              'driftfile /x\n')
        r = self.ctl('reload', 'sources')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout.splitlines(), [
            'Removed source: server 127.0.0.31 iburst', 'Removed source: server 127.0.0.32',
            'Added source: server 127.0.0.34 iburst', 'Added source: server 127.0.0.32 minpoll 4',
            '200 OK'])
        for n in (2, 3):
            self.assertIn(f'/etc/chrony/sources.d/local.sources:{n}:', r.stderr)
        now = paths()
        self.assertEqual(sorted(now), ['127.0.0.1', '127.0.0.32', '127.0.0.33', '127.0.0.34'])
        for kept in ('127.0.0.1', '127.0.0.33'):
            self.assertEqual(now[kept], start[kept])
        self.assertNotEqual(now['127.0.0.32'], start['127.0.0.32'])
        options = {p['Address']: p['Options'] for _, p in self.source_objects()}
        self.assertEqual(options['127.0.0.32'], ['minpoll 4'])

        # the lease ends: the hook removes the file
        (dhcp / 'eth0.sources').unlink()
        r = self.ctl('reload', 'sources')
        self.assertEqual(r.stdout.splitlines(), ['Removed source: server 127.0.0.34 iburst',
                                                 '200 OK'])
        self.assertEqual(sorted(paths()), ['127.0.0.1', '127.0.0.32', '127.0.0.33'])

        # not authorized, or not chronyc's form: nothing changes
        (dhcp / 'eth0.sources').write_text('server 127.0.0.35\n')
        self.polkit_allow([ACTION['set-timezone']])
        self.assertExit(self.ctl('reload', 'sources'), EXIT_NOT_AUTHORIZED)
        for argv in (['reload'], ['reload', 'source'], ['reload', 'sources', 'now']):
            self.assertExit(self.ctl(*argv), EXIT_USAGE, argv)
        self.assertEqual(sorted(paths()), ['127.0.0.1', '127.0.0.32', '127.0.0.33'])

        # a restart reads the files as they are now
        self.restart_daemon('--config', str(self.tmp / 'meridian.conf'))
        self.assertEqual(sorted(paths()), ['127.0.0.1', '127.0.0.32', '127.0.0.33', '127.0.0.35'])

    def test_changes_need_manage_sources(self):
        self.polkit_allow([ACTION['set-timezone']])     # not manage-sources
        self.start_with_sources('server 127.0.0.1')
        for argv in (['add-source', 'server 127.0.0.9'], ['remove-source', '127.0.0.1'],
                     ['burst'], ['makestep'], ['reselect'], ['refresh'],
                     ['minpoll', '127.0.0.1', '8'], ['maxdelay', '127.0.0.1', '0.5'],
                     ['makestep', '1', '3'], ['maxupdateskew', '100'], ['burst', '4/4'],
                     ['add', 'server', '127.0.0.9'], ['delete', '127.0.0.1'],
                     ['reselectdist', '0.01'], ['reset', 'sources']):
            r = self.ctl(*argv)
            self.assertExit(r, EXIT_NOT_AUTHORIZED, argv)
        self.assertEqual([v['Address'] for _, v in self.source_objects()], ['127.0.0.1'])
        self.assertEqual(self.source_objects()[0][1]['Options'], [])
        self.polkit_allow([ACTION['manage-sources']])
        for argv in (['burst'], ['makestep'], ['reselect'], ['refresh'], ['reset', 'sources']):
            self.assertExit(self.ctl(*argv), EXIT_OK, argv)
        self.assertExit(self.ctl('burst', 'now'), EXIT_USAGE)

    def test_source_modification_commands_change_options_as_chronyc(self):
        self.polkit_allow([ACTION['manage-sources']])
        self.start_with_sources('server 127.0.0.1 minpoll 4 maxpoll 6', 'server 127.0.0.2')

        def options(i):
            return self.source_objects()[i][1]['Options']

        r = self.ctl('minpoll', '127.0.0.1', '8')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout, '200 OK\n')
        # above maxpoll 6: maxpoll is raised with it, as chronyd does
        self.assertEqual(options(0), ['minpoll 8', 'maxpoll 8'])
        # a negative value is the value, not an option; below minpoll it lowers minpoll
        self.assertExit(self.ctl('maxpoll', '127.0.0.1', '-2'), EXIT_OK)
        self.assertEqual(options(0), ['minpoll -2', 'maxpoll -2'])
        for argv, want in ((['maxdelay', '127.0.0.2', '0.5'], ['maxdelay 0.5']),
                           (['maxdelayratio', '127.0.0.2', '2'], ['maxdelay 0.5', 'maxdelayratio 2']),
                           (['maxdelaydevratio', '127.0.0.2', '4'],
                            ['maxdelay 0.5', 'maxdelayratio 2', 'maxdelaydevratio 4']),
                           (['minstratum', '127.0.0.2', '3'],
                            ['minstratum 3', 'maxdelay 0.5', 'maxdelayratio 2', 'maxdelaydevratio 4']),
                           (['polltarget', '127.0.0.2', '30'],
                            ['polltarget 30', 'minstratum 3', 'maxdelay 0.5', 'maxdelayratio 2',
                             'maxdelaydevratio 4'])):
            self.assertExit(self.ctl(*argv), EXIT_OK, argv)
            self.assertEqual(options(1), want, argv)
        # values a source line refuses are refused, and nothing changes
        before = [options(0), options(1)]
        for argv in (['minpoll', '127.0.0.1', 'abc'], ['minpoll', '127.0.0.1', '25'],
                     ['maxdelay', '127.0.0.2', '-1'], ['polltarget', '127.0.0.2', '5'],
                     ['minstratum', '127.0.0.2', '16'], ['maxdelayratio', '127.0.0.2', '0.5']):
            r = self.ctl(*argv)
            self.assertExit(r, EXIT_INVALID, argv)
            self.assertIn(f'Cannot set {argv[0]} of {argv[1]} to {argv[2]}', r.stderr)
            self.assertEqual(r.stdout, '', argv)
        r = self.ctl('--verbose', 'minpoll', '127.0.0.1', 'abc')
        self.assertIn("minpoll 'abc' is not a poll (log2 s) from -6 to 24", r.stderr)
        self.assertEqual([options(0), options(1)], before)
        # an address no source has: chronyc's "503 No such source"
        r = self.ctl('minpoll', '192.0.2.99', '6')
        self.assertExit(r, EXIT_INVALID)
        self.assertIn('no such NTP source', r.stderr)
        # the argument count is checked before meridiand is asked
        for argv in (['minpoll'], ['minpoll', '127.0.0.1'], ['maxpoll', '127.0.0.1', '6', '7']):
            self.assertExit(self.ctl(*argv), EXIT_USAGE, argv)

    def test_makestep_and_maxupdateskew_set_their_directives_as_chronyc(self):
        # chronyc makestep THRESHOLD LIMIT / maxupdateskew SKEW: "200 OK", the engine told
        # (its log); what chrony.conf would refuse is refused by meridiand, nothing told.
        self.polkit_allow([ACTION['manage-sources']])
        self.start_with_sources('server 127.0.0.1')
        for argv, logged in ((['makestep', '0.1', '-1'], 'makestep 0.1 -1'),
                             (['maxupdateskew', '100'], 'maxupdateskew 100')):
            r = self.ctl(*argv)
            self.assertExit(r, EXIT_OK, argv)
            self.assertEqual(r.stdout, '200 OK\n')
            self.wait_until(lambda: f'SetDirective: {logged}, sent' in self.daemon.log(),
                            timeout=10, what=logged)
        for argv in (['makestep', 'x', '3'], ['makestep', '1', '-2'], ['makestep', '-1', '3'],
                     ['maxupdateskew', '0'], ['maxupdateskew', 'fast']):
            r = self.ctl(*argv)
            self.assertExit(r, EXIT_INVALID, argv)
            self.assertIn(f'Cannot set {argv[0]} to {" ".join(argv[1:])}', r.stderr)
            self.assertEqual(r.stdout, '', argv)
        r = self.ctl('--verbose', 'maxupdateskew', 'fast')
        self.assertIn("maxupdateskew: 'fast' is not a number", r.stderr)
        self.assertEqual(self.daemon.log().count('SetDirective:'), 2)
        for argv in (['makestep', '1'], ['makestep', '1', '3', '4'], ['maxupdateskew'],
                     ['maxupdateskew', '1', '2']):
            self.assertExit(self.ctl(*argv), EXIT_USAGE, argv)
        # chronyc's forms in scripts: -a (ignored) and the command as one argument
        for argv in (['-a', 'makestep'], ['-a', 'burst 4/4'], ['-an', ' makestep  0.5 3 '],
                     ['burst', '2/4']):
            r = self.ctl(*argv)
            self.assertExit(r, EXIT_OK, argv)
        self.wait_until(lambda: 'SetDirective: makestep 0.5 3, sent' in self.daemon.log(),
                        timeout=10, what='makestep 0.5 3 from one argument')
        self.assertEqual(self.ctl('-a', 'burst 4/4').stdout, '200 OK\n')
        self.assertExit(self.ctl('-a', 'burst 4/4 x y'), EXIT_USAGE)
        self.assertExit(self.ctl('-a', 'bogus 1'), EXIT_USAGE)
        self.assertExit(self.ctl('-x', 'makestep'), EXIT_USAGE)
        # chronyc -m: each argument a whole command, in turn; the first failure ends the run
        r = self.ctl('-am', 'burst 2/4', 'makestep 0.25 3')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout, '200 OK\n200 OK\n')
        self.wait_until(lambda: 'SetDirective: makestep 0.25 3, sent' in self.daemon.log(),
                        timeout=10, what='makestep 0.25 3 from -m')
        r = self.ctl('-m', 'maxupdateskew 0', 'makestep 0.75 3')
        self.assertExit(r, EXIT_INVALID)
        self.assertEqual(r.stdout, '')
        self.assertExit(self.ctl('-m', 'makestep 1 3', ''), EXIT_USAGE)
        self.assertExit(self.ctl('', 'burst'), EXIT_USAGE)
        time.sleep(0.5)
        self.assertNotIn('makestep 0.75 3', self.daemon.log())

    def test_waitsync_gives_up_after_max_tries(self):
        self.start_daemon()
        start = time.monotonic()
        r = self.ctl('waitsync', '3', '0.01', '0', '0.2')
        elapsed = time.monotonic() - start
        self.assertExit(r, EXIT_FAILURE)
        self.assertEqual(r.stdout.splitlines(), [
            f'try: {i}, refid: 00000000, correction: 0.000000000, skew: 0.000' for i in (1, 2, 3)])
        self.assertGreaterEqual(elapsed, 0.4)       # two waits of 0.2 s between three tries
        for bad in (['x'], ['1', '-2x'], ['1', '0', '0', 'soon'], ['1', '2', '3', '4', '5'],
                    ['1.5'], ['1', '--', '-x']):
            self.assertExit(self.ctl('waitsync', *bad), EXIT_USAGE, bad)

    def test_waitsync_takes_negative_numbers_as_chronyc_does(self):
        # chronyc reads "waitsync 1 -1" with sscanf: -1 is MAX-CORRECTION, not an option.
        # A negative MAX-TRIES tries once; a negative interval is the shortest, 0.1 s.
        self.start_daemon()
        never = 'try: {}, refid: 00000000, correction: 0.000000000, skew: 0.000'
        for argv, tries in ((['1', '-1'], 1), (['-1'], 1), (['-3', '0.5'], 1),
                            (['2', '0', '-0.5', '-3'], 2)):
            r = self.ctl('waitsync', *argv)
            self.assertExit(r, EXIT_FAILURE, argv)
            self.assertEqual(r.stdout.splitlines(), [never.format(i + 1) for i in range(tries)],
                             argv)
        # --json among the numbers: each try a JSON object of its own line.
        r = self.ctl('waitsync', '2', '-.5', '--json', '-1')
        self.assertExit(r, EXIT_FAILURE)
        self.assertEqual([json.loads(l) for l in r.stdout.splitlines()],
                         [{'Try': i, 'Synchronized': False, 'ReferenceID': 0, 'Correction': 0.0,
                           'Skew': 0.0, 'Done': False} for i in (1, 2)])
        r = self.ctl('waitsync', '-x')                  # not a number: still an option
        self.assertExit(r, EXIT_USAGE)
        self.assertIn('-x', r.stderr)

    def test_monitor_on_a_terminal_redraws_and_q_quits(self):
        self.start_with_sources('server 127.0.0.1')
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.execve(MERIDIANCTL, [MERIDIANCTL, 'monitor', '-n'], self.env)
            finally:
                os._exit(127)
        out = b''
        try:
            end = time.monotonic() + 15
            while b'Press q to quit.' not in out and time.monotonic() < end:
                if select.select([fd], [], [], 0.2)[0]:
                    out += os.read(fd, 65536)
            self.assertIn(b'\x1b[H\x1b[2J', out)          # drawn in place
            self.assertIn(b'^? 127.0.0.1', out)
            os.write(fd, b'q')                             # one key, no Enter: raw mode
            _, status = os.waitpid(pid, 0)
        finally:
            os.close(fd)
        self.assertEqual(os.waitstatus_to_exitcode(status), EXIT_OK)

    def start_synchronized_stand_in(self, **tracking):
        """A stand-in for a synchronized meridiand (python-dbusmock owning org.meridian.Time1
        with a Tracking interface), since today's daemon does not synchronize yet: it lets the
        success path of waitsync and the D-Bus sign conventions of tracking be checked."""
        self.start_service([sys.executable or '/usr/bin/python3', '-m', 'dbusmock', '--system',
                            'org.meridian.Time1', '/org/meridian/Time1', 'org.meridian.Time1'],
                           'org.meridian.Time1', 'meridiand-stand-in.log')
        props = dict(ReferenceID=GLib.Variant('u', 0x7F000001),
                     ReferenceName=GLib.Variant('s', '127.0.0.1'), Stratum=GLib.Variant('y', 2),
                     RefTimeUSec=GLib.Variant('t', 1795588739_043235),
                     SystemTimeOffset=GLib.Variant('d', 0.0), LastOffset=GLib.Variant('d', 2.1e-8),
                     RMSOffset=GLib.Variant('d', 4.13e-7), Frequency=GLib.Variant('d', -23.054),
                     ResidualFrequency=GLib.Variant('d', 0.0), Skew=GLib.Variant('d', 0.003),
                     RootDelay=GLib.Variant('d', 7.114e-6), RootDispersion=GLib.Variant('d', 2.665e-6),
                     UpdateInterval=GLib.Variant('d', 4.0), LeapStatus=GLib.Variant('s', 'Normal'),
                     Synchronized=GLib.Variant('b', True))
        props.update({k: GLib.Variant(props[k].get_type_string(), v) for k, v in tracking.items()})
        self.call('AddProperties', 'org.meridian.Time1.Tracking', props, signature='(sa{sv})',
                  iface=harness.Iface('org.meridian.Time1', '/org/meridian/Time1',
                                      'org.freedesktop.DBus.Mock'))

    def test_waitsync_succeeds_within_the_bounds(self):
        self.start_synchronized_stand_in(SystemTimeOffset=-0.02, Skew=0.5)
        # Synchronized, the correction 0.02 s within 0.05 s: done at the first try.
        r = self.ctl('waitsync', '3', '0.05', '0', '0.1')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout, 'try: 1, refid: 7F000001, correction: 0.020000000, skew: 0.500\n')
        # chronyc -c waitsync: the same values, comma-separated.
        r = self.ctl('-c', 'waitsync', '3', '0.05', '0', '0.1')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout, '1,7F000001,0.020000000,0.500\n')
        # --json: the try as one JSON object on its line, the one that ends the wait Done.
        r = self.ctl('--json', 'waitsync', '3', '0.05', '0', '0.1')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout.count('\n'), 1)
        self.assertEqual(json.loads(r.stdout), {'Try': 1, 'Synchronized': True,
                                                'ReferenceID': 0x7F000001, 'Correction': 0.02,
                                                'Skew': 0.5, 'Done': True})
        r = self.ctl('waitsync', '--json', '2', '0.01', '0', '0.1')
        self.assertExit(r, EXIT_FAILURE)
        self.assertEqual([json.loads(l)['Done'] for l in r.stdout.splitlines()], [False, False])
        # A negative MAX-TRIES still tries once, and succeeds.
        r = self.ctl('waitsync', '-1', '0.05')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(len(r.stdout.splitlines()), 1)
        # Outside the correction bound, or the skew bound, or a negative bound that nothing
        # meets (chronyc's `correction <= max_correction`): never, three tries.
        for argv in (['3', '0.01', '0', '0.1'], ['3', '0', '0.4', '0.1'], ['3', '-1', '0', '0.1'],
                     ['3', '0', '-1', '-1']):
            r = self.ctl('waitsync', *argv)
            self.assertExit(r, EXIT_FAILURE, argv)
            self.assertEqual(len(r.stdout.splitlines()), 3, argv)

    def test_tracking_signs_from_dbus(self):
        # SystemTimeOffset positive = the clock is fast; Frequency negative = slow.
        self.start_synchronized_stand_in(SystemTimeOffset=0.000001607)
        r = self.ctl('tracking', '-n')
        self.assertExit(r, EXIT_OK)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], 'Reference ID    : 7F000001 (127.0.0.1)')
        self.assertEqual(lines[2], 'Ref time (UTC)  : Wed Nov 25 06:38:59 2026')
        self.assertEqual(lines[3], 'System time     : 0.000001607 seconds fast of NTP time')
        self.assertEqual(lines[6], 'Frequency       : 23.054 ppm slow')
        r = self.ctl('tracking', '-c')
        # chronyc's CSV: the system time is positive when the clock is slow.
        self.assertEqual(r.stdout, '7F000001,127.0.0.1,2,1795588739.043235000,-0.000001607,'
                                   '0.000000021,0.000000413,-23.054,0.000,0.003,0.000007114,'
                                   '0.000002665,4.0,Normal\n')

    def test_ntp_views_when_meridiand_is_absent(self):
        for argv in (['sources'], ['tracking'], ['waitsync', '1']):
            r = self.ctl(*argv)
            self.assertExit(r, EXIT_UNREACHABLE, argv)
            self.assertIn('meridiand', r.stderr)

    def test_monitor_follows_signals_and_quits_on_sigint(self):
        import signal
        self.polkit_allow_all()
        self.start_with_sources('server 127.0.0.1')
        proc = subprocess.Popen([MERIDIANCTL, 'monitor', '-n'], env=self.env, text=True,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        self.addCleanup(proc.stderr.close)
        self.addCleanup(proc.stdout.close)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        out = ''

        def read_until(predicate, timeout=10):
            nonlocal out
            end = time.monotonic() + timeout
            while time.monotonic() < end and not predicate(out):
                ready, _, _ = select.select([proc.stdout], [], [], 0.2)
                if ready:
                    out += os.read(proc.stdout.fileno(), 65536).decode()
            self.assertTrue(predicate(out), out)

        read_until(lambda o: '^? 127.0.0.1' in o)
        self.assertIn('Reference ID    :', out)
        first = len(out)
        path = self.call('AddSource', 'server 127.0.0.44', False, iface=SOURCES_IFACE)
        read_until(lambda o: '^? 127.0.0.44' in o[first:])
        second = len(out)
        self.call('RemoveSource', path, False, iface=SOURCES_IFACE)
        # A new block with the source gone: the last table lists 127.0.0.1 only.
        read_until(lambda o: o.count('MS Name/IP') >= 3 and
                   '127.0.0.44' not in o.rsplit('MS Name/IP', 1)[1])
        self.assertGreater(len(out), second)
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=10), EXIT_OK)


class Timedated(CliTestCase):
    """Without meridiand but with systemd-timedated (python-dbusmock's timedated template on
    the private bus): the zone and clock commands work through
    org.freedesktop.timedate1 and say once that the NTP views need meridiand."""
    NOTE = 'The NTP views (sources, sourcestats, tracking, ntpdata, waitsync, monitor) need meridiand'

    def start_timedated(self, **props):
        self.start_service([sys.executable or '/usr/bin/python3', '-m', 'dbusmock', '--system',
                            '--template', 'timedated', '-p', json.dumps(props)],
                           'org.freedesktop.timedate1', 'timedated-mock.log')
        self.assertFalse(self.name_has_owner('org.meridian.Time1'))

    def test_status_and_changes_go_through_timedate1(self):
        self.start_timedated(Timezone='Asia/Seoul', NTP=True)
        r = self.ctl('status')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stderr.count(self.NOTE), 1, r.stderr)
        f = parse_table(r.stdout)
        self.assertEqual(f['Time zone'], 'Asia/Seoul (KST, +0900)')
        self.assertEqual(f['NTP service'], 'active')
        self.assertEqual(f['System clock synchronized'], 'yes')

        self.assertExit(self.ctl('set-timezone', 'Europe/Berlin'), EXIT_OK)
        self.assertEqual(self.get_property('Timezone', iface=harness.FDO), 'Europe/Berlin')
        self.assertExit(self.ctl('set-ntp', 'off'), EXIT_OK)
        self.assertFalse(self.get_property('NTP', iface=harness.FDO))
        self.assertExit(self.ctl('set-local-rtc', 'on'), EXIT_OK)
        self.assertTrue(self.get_property('LocalRTC', iface=harness.FDO))
        r = self.ctl('status', '--json')
        self.assertExit(r, EXIT_OK)
        data = json.loads(r.stdout)
        self.assertEqual((data['Timezone'], data['NTP'], data['LocalRTC']), ('Europe/Berlin', False, True))

    def test_describe_zone_without_meridiand(self):
        self.start_timedated()
        r = self.ctl('describe-zone', 'Europe/Berlin', '--at', '2026-10-25 02:30', '--json')
        self.assertExit(r, EXIT_OK)
        data = json.loads(r.stdout)
        first = datetime.datetime(2026, 10, 25, 2, 30, tzinfo=zoneinfo.ZoneInfo('Europe/Berlin'))
        self.assertEqual(data['AtUSec'], int(first.timestamp()) * 1_000_000)
        self.assertEqual(data['LocalTimeOccurs'], 2)
        nxt = next_transition('Europe/Berlin', int(first.timestamp()))
        self.assertEqual(data['NextTransitionUSec'], nxt * 1_000_000)
        self.assertExit(self.ctl('describe-zone', 'Nowhere/Land'), EXIT_INVALID)

    def test_list_timezones_through_timedate1(self):
        self.start_timedated()
        self.call('AddMethod', 'org.freedesktop.timedate1', 'ListTimezones', '', 'as',
                  "ret = ['Asia/Seoul', 'Europe/Berlin', 'UTC']", signature='(sssss)',
                  iface=harness.Iface('org.freedesktop.timedate1', '/org/freedesktop/timedate1',
                                      'org.freedesktop.DBus.Mock'))
        r = self.ctl('list-timezones')
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout.split(), ['Asia/Seoul', 'Europe/Berlin', 'UTC'])
        r = self.ctl('list-timezones', '--country', 'DE')
        self.assertExit(r, EXIT_UNREACHABLE)
        self.assertIn('needs meridiand', r.stderr)

    def test_ntp_views_need_meridiand(self):
        self.start_timedated()
        for argv in (['sources'], ['tracking'], ['sourcestats', '-c'], ['selectdata'], ['burst'],
                     ['monitor'], ['waitsync', '1']):
            r = self.ctl(*argv)
            self.assertExit(r, EXIT_UNREACHABLE, argv)
            self.assertIn('the NTP views need meridiand', r.stderr)
            self.assertEqual(r.stdout, '')


class Errors(CliTestCase):
    def test_daemon_not_running_is_unreachable(self):
        r = self.ctl('status')
        self.assertExit(r, EXIT_UNREACHABLE)
        self.assertIn('meridiand is not running', r.stderr)

    def test_no_bus_is_unreachable(self):
        r = self.ctl('status', env={'DBUS_SYSTEM_BUS_ADDRESS': f'unix:path={self.tmp}/no-such-bus'})
        self.assertExit(r, EXIT_UNREACHABLE)
        self.assertIn('system bus', r.stderr)

    def test_help_documents_exit_codes_and_usage_errors(self):
        r = self.ctl('--help')
        self.assertExit(r, EXIT_OK)
        for code in range(7):
            self.assertRegex(r.stdout, rf'(?m)^\s+{code}\s+\S')
        for command in ('status', 'list-timezones', 'set-timezone', 'select-timezone',
                        'describe-zone', 'set-ntp', 'set-time', 'set-local-rtc'):
            self.assertIn(command, r.stdout)
        # The man page lists the same codes.
        man = (pathlib.Path(os.environ.get('MERIDIAN_SOURCE_ROOT', '.')) / 'cli' / 'meridianctl.1').read_text()
        section = man.split('.SH "EXIT STATUS"')[1].split('.SH')[0]
        self.assertEqual(re.findall(r'^\.B (\d+)$', section, re.M), [str(c) for c in range(7)])
        self.assertExit(self.ctl('frobnicate'), EXIT_USAGE)
        self.assertExit(self.ctl('--bogus', 'status'), EXIT_USAGE)
        self.assertExit(self.ctl('status', 'extra'), EXIT_USAGE)

    def test_keygen_prints_lines_as_chronyc_keygen(self):
        """meridianctl keygen beside the real chronyc keygen (which needs no daemon): the
        same ID, type and key length for the same arguments, fresh random keys each time.
        That such a key authenticates with chronyd is tests/engine/test_daemon_auth.py's."""
        if shutil.which('chronyc') is None:
            self.skipTest('chronyc is not installed (scripts/install-deps.sh)')
        line = re.compile(r'^(\d+) (\S+) HEX:([0-9A-F]+)\n$')
        for args in ([], ['7'], ['7', 'SHA256'], ['7', 'SHA256', '256'], ['7', 'SHA3-512', '100'],
                     ['9', 'AES128'], ['9', 'AES256', '64'], ['7', 'MD5', '0'],
                     ['7', 'SHA1', '5000']):
            with self.subTest(args=args):
                theirs = subprocess.run(['chronyc', 'keygen', *args], capture_output=True,
                                        text=True, timeout=10)
                ours = self.ctl('keygen', *args)
                self.assertExit(ours, EXIT_OK)
                m, t = line.match(ours.stdout), line.match(theirs.stdout)
                self.assertIsNotNone(m, ours.stdout)
                self.assertIsNotNone(t, theirs.stdout)
                self.assertEqual(m.group(1, 2), t.group(1, 2))
                self.assertEqual(len(m.group(3)), len(t.group(3)))
                again = line.match(self.ctl('keygen', *args).stdout)
                self.assertNotEqual(again.group(3), m.group(3))
        # Type names as the key file takes them (any case); what chronyc would wrap or
        # refuse is refused with the reason, and nothing is printed.
        self.assertTrue(self.ctl('keygen', '3', 'aes256').stdout.startswith('3 AES256 HEX:'))
        for args, code in ((['7', 'TIGER'], EXIT_INVALID), (['0'], EXIT_USAGE),
                           (['4294967296'], EXIT_USAGE), (['x'], EXIT_USAGE),
                           (['7', 'SHA1', 'abc'], EXIT_USAGE), (['7', 'SHA1', '8', 'x'], EXIT_USAGE)):
            with self.subTest(args=args):
                r = self.ctl('keygen', *args)
                self.assertExit(r, code)
                self.assertEqual(r.stdout, '')
                self.assertNotEqual(r.stderr, '')


if __name__ == '__main__':
    harness.main()
