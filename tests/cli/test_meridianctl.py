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
import subprocess
import sys
import time
import unittest
import zoneinfo

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT',
                                               str(pathlib.Path(__file__).resolve().parents[2])),
                                'tests', 'integration'))
import harness  # noqa: E402
from harness import ACTION  # noqa: E402

MERIDIANCTL = os.environ.get('MERIDIANCTL', '')
LOCALEDIR = os.environ.get('MERIDIAN_LOCALEDIR', '')

# The exit codes `meridianctl --help` documents.
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_NOT_AUTHORIZED, EXIT_INVALID, EXIT_UNREACHABLE, \
    EXIT_NO_TERMINAL = range(7)

HANGUL = re.compile('[\uac00-\ud7a3]')


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
                if pending.rstrip().endswith(('part of a name:', '[Y/n]')) and not ready:
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
    """The real polkitd with our policy (RECIPE.md 3c): a non-root caller needs an
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
        if not any(r[0] == 'Atlantic/Reykjavik' for r in self.call('ListZones')):
            self.skipTest('this meridiand lists zone1970.tab rows only (no Atlantic/Reykjavik row)')
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
                nxt = next_transition(zone, t)
                if nxt is None:
                    self.assertIsNone(data['NextTransitionUSec'])
                else:
                    self.assertEqual(data['NextTransitionUSec'] // 1_000_000, nxt)
                    off2, dst2, abbr2 = zone_at(zone, nxt)
                    self.assertEqual((data['UTCOffsetAfter'], data['IsDSTAfter'],
                                      data['AbbreviationAfter']), (off2, dst2, abbr2))

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
        self.assertIn('YYYY-MM-DD HH:MM:SS', r.stderr)


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

    def test_country_lists_hold_zone_tab_zones(self):
        self.start_daemon()
        rows = self.call('ListZones')
        has_zone_tab_rows = any(r[0] == 'Europe/Oslo' for r in rows)
        table = self.zone_tab()
        # Countries whose zones zone1970.tab shares or keeps apart although they agree today.
        for code in ('KR', 'US', 'CA', 'ES', 'DE', 'NO', 'IS', 'DK', 'SE', 'SJ', 'LI', 'CH'):
            with self.subTest(country=code):
                r = self.ctl('list-timezones', '--country', code)
                self.assertExit(r, EXIT_OK)
                got = r.stdout.split()
                self.assertEqual(len(got), len(set(got)), 'a zone listed twice')
                if has_zone_tab_rows:
                    # zone.tab's zones are all there...
                    self.assertLessEqual(table[code], set(got))
                    # ...and a shared zone1970.tab zone is not, where the country has its own.
                    if code in ('NO', 'IS', 'DK', 'SE', 'SJ', 'LI'):
                        self.assertEqual(set(got), table[code])
                # Today's zones agree, but Toronto's and Iqaluit's did not in 1999: both stay.
                if code == 'CA':
                    self.assertIn('America/Toronto', got)
                    self.assertIn('America/Iqaluit', got)
        if not has_zone_tab_rows:
            self.skipTest('this meridiand lists zone1970.tab rows only (no Europe/Oslo row)')
        self.assertEqual(self.ctl('list-timezones', '--country', 'NO').stdout.split(), ['Europe/Oslo'])
        de = self.ctl('list-timezones', '--country', 'DE').stdout.split()
        self.assertEqual(de, ['Europe/Berlin', 'Europe/Busingen'])

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
        self.assertExit(self.ctl('set-time', 'tomorrow'), EXIT_INVALID)

    def test_set_ntp_denied(self):
        self.polkit_deny_all()
        self.start_daemon()
        r = self.ctl('set-ntp', 'off')
        self.assertExit(r, EXIT_NOT_AUTHORIZED)


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
        self.assertExit(self.ctl(), EXIT_USAGE)
        self.assertExit(self.ctl('--bogus', 'status'), EXIT_USAGE)
        self.assertExit(self.ctl('status', 'extra'), EXIT_USAGE)


if __name__ == '__main__':
    harness.main()
