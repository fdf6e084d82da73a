#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Crash consistency: meridiand is killed with SIGKILL at random moments while one client
sends it writes of every kind back to back (SetTimezone, SetLocalRTC, SetNTP, AddSource,
RemoveSourceByName) and a second process replaces the drift file through the same
mrd_write_file_atomic() the daemon's engine proxy uses (crash-writer.c). After each restart:

- every file parses: etc/localtime (a link to a zone), etc/timezone, etc/sysconfig/clock,
  etc/adjtime, var/lib/meridian/state, the sources file, the drift file;
- every file is old-or-new: the value of the last write that was answered, or of the one in
  flight when the kill came (writes are sequential, so there is at most one);
- the files agree with each other (localtime, timezone and sysconfig/clock name one zone) and
  with what the daemon reports (Timezone, LocalRTC, NTP, Sources);
- no temporary file is left.

Sizes: MERIDIAN_CRASH_WRITES (default 200; 80 in a sanitized build) daemon writes in all, and at least 20 kills;
bench/reliability/run.sh runs 1000. MERIDIAN_CRASH_SEED fixes the random moments."""

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT', '.'), 'tests',
                                'integration'))
import harness  # noqa: E402

# The figures show even when the output is a pipe and the run ends on a failure.
sys.stdout.reconfigure(line_buffering=True)
from harness import NATIVE, FDO, SOURCES  # noqa: E402

ZONES = ['Etc/UTC', 'Asia/Seoul', 'Europe/Paris', 'America/New_York', 'Australia/Sydney',
         'Africa/Cairo']
SANITIZED = os.environ.get('MERIDIAN_SANITIZED') == '1'
TARGET_WRITES = int(os.environ.get('MERIDIAN_CRASH_WRITES', '80' if SANITIZED else '200'))
# However fast the writes go, at least this many kills.
MIN_KILLS = 20
SEED = int(os.environ.get('MERIDIAN_CRASH_SEED', str(int(time.time()))))
DRIFT_REL = 'var/lib/meridian/drift'
SOURCES_REL = 'var/lib/meridian/sources/meridian-added.sources'
STATE_RE = re.compile(r'\A# Written by meridiand; settings changed over D-Bus\.\n\n'
                      r'\[Time\]\nNTP=(true|false)\n\Z')
DRIFT_RE = re.compile(r'\A(\d+)\.000000 0\.500000\n\Z')


class Writer(threading.Thread):
    """Sends writes one after the other on its own connection until the daemon dies; records
    the model after each answered write and the write in flight."""

    def __init__(self, tc, model, rng):
        super().__init__(daemon=True)
        self.tc, self.model, self.rng = tc, dict(model), rng
        self.model['sources'] = set(model['sources'])
        self.conn = tc.new_connection()
        self.acked = 0
        self.sent = 0
        self.in_flight = None     # (key, value) of the write waiting for its answer
        self.next_source = model['next_source']
        self.stop = False

    def pick(self):
        m = self.model
        r = self.rng.random()
        if r < 0.3:
            return ('zone', self.rng.choice([z for z in ZONES if z != m['zone']]))
        if r < 0.45:
            return ('rtc', not m['rtc'])
        if r < 0.6:
            return ('ntp', not m['ntp'])
        if r < 0.8 or not m['sources']:
            self.next_source += 1
            return ('add', f'127.0.{self.next_source // 250}.{self.next_source % 250 + 1}')
        return ('remove', self.rng.choice(sorted(m['sources'])))

    def call(self, key, value):
        c = lambda *a, **k: self.tc.call(*a, conn=self.conn, timeout=5, **k)  # noqa: E731
        if key == 'zone':
            c('SetTimezone', value, False, iface=self.rng.choice([NATIVE, FDO]))
        elif key == 'rtc':
            c('SetLocalRTC', value, False, False)
        elif key == 'ntp':
            c('SetNTP', value, False, iface=self.rng.choice([NATIVE, FDO]))
        elif key == 'add':
            c('AddSource', f'server {value} iburst', False, iface=SOURCES)
        else:
            c('RemoveSourceByName', value, False, iface=SOURCES, signature='(sb)')

    def apply(self, model, key, value):
        if key == 'add':
            model['sources'].add(value)
        elif key == 'remove':
            model['sources'].discard(value)
        else:
            model[key] = value

    def run(self):
        while not self.stop:
            key, value = self.pick()
            self.in_flight = (key, value)
            self.sent += 1
            try:
                self.call(key, value)
            except harness.DBusError as e:
                if self.stop or 'NoReply' in e.name or 'Disconnected' in e.name or \
                        'ServiceUnknown' in e.name or 'NameHasNoOwner' in e.name:
                    return       # the kill: the write in flight stays in flight
                self.error = e
                return
            self.apply(self.model, key, value)
            self.acked += 1
            self.in_flight = None


class DriftWriter:
    def __init__(self, exe, root, start):
        self.proc = subprocess.Popen([exe, str(root), DRIFT_REL, str(start)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.last = start - 1
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            self.last = int(line)

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.thread.join()
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return err


class CrashConsistency(harness.MeridianTestCase):

    def start(self):
        d = harness.DaemonProcess(self.daemon_argv('--no-engine'), self.env,
                                  self.tmp / 'meridiand.log')
        self.daemon = d
        self._wait_for_name(NATIVE.name, d, 15.0)
        self._wait_for_name(FDO.name, d, 15.0)
        return d

    def read_zone_files(self):
        """(zone of localtime, of timezone, of sysconfig/clock); a file that does not parse
        gives a 'TORN:' string."""
        etc = self.root / 'etc'
        target = os.readlink(etc / 'localtime')
        prefix = '../usr/share/zoneinfo/'
        lz = target[len(prefix):] if target.startswith(prefix) else f'TORN:{target}'
        if lz not in ZONES:
            lz = f'TORN:{target}'
        tz = (etc / 'timezone').read_text()
        tz = tz[:-1] if tz.endswith('\n') and tz.count('\n') == 1 else f'TORN:{tz!r}'
        sc = (etc / 'sysconfig' / 'clock').read_text()
        m = re.fullmatch(r'# kept\nZONE="([^"\n]+)"\nUTC=true\n', sc)
        return lz, tz, m.group(1) if m else f'TORN:{sc!r}'

    def read_files(self):
        """The model as the files hold it, plus a list of what does not parse."""
        torn = []
        lz, tz, sc = self.read_zone_files()
        torn += [z for z in (lz, tz, sc) if z.startswith('TORN:')]
        adj = (self.root / 'etc' / 'adjtime').read_text()
        m = re.fullmatch(r'0\.000000 0 0\.000000\n0\n(UTC|LOCAL)\n', adj)
        if not m:
            torn.append(f'adjtime {adj!r}')
        state_p = self.root / 'var' / 'lib' / 'meridian' / 'state'
        ntp = True
        if state_p.exists():
            sm = STATE_RE.match(state_p.read_text())
            if not sm:
                torn.append(f'state {state_p.read_text()!r}')
            ntp = sm is not None and sm.group(1) == 'true'
        sources = set()
        src_p = self.root / SOURCES_REL
        if src_p.exists():
            lines = src_p.read_text().split('\n')
            if not lines[0].startswith('# Sources added over D-Bus') or lines[-1] != '':
                torn.append(f'sources {src_p.read_text()!r}')
            for line in lines[1:-1]:
                sm = re.fullmatch(r'server (127\.0\.\d+\.\d+) iburst', line)
                if sm:
                    sources.add(sm.group(1))
                else:
                    torn.append(f'sources line {line!r}')
        drift = None
        drift_p = self.root / DRIFT_REL
        if drift_p.exists():
            dm = DRIFT_RE.match(drift_p.read_text())
            if dm:
                drift = int(dm.group(1))
            else:
                torn.append(f'drift {drift_p.read_text()!r}')
        return {'zone': lz, 'zone_files': (lz, tz, sc), 'rtc': bool(m) and m.group(1) == 'LOCAL',
                'ntp': ntp, 'sources': sources, 'drift': drift}, torn

    def temp_files(self):
        found = []
        for d in ('etc', 'etc/sysconfig', 'var/lib/meridian', 'var/lib/meridian/sources'):
            p = self.root / d
            if p.is_dir():
                found += [f'{d}/{n}' for n in os.listdir(p) if n.startswith('.#')]
        return found

    def test_kill_9_during_writes_of_every_kind(self):
        exe = os.path.join(os.environ.get('MERIDIAN_BUILD_ROOT', ''), 'tests', 'reliability',
                           'crash-writer')
        if not os.access(exe, os.X_OK):
            self.skipTest(f'{exe} is not built')
        rng = random.Random(SEED)
        etc = self.root / 'etc'
        os.unlink(etc / 'localtime')
        os.symlink('../usr/share/zoneinfo/Etc/UTC', etc / 'localtime')
        (etc / 'sysconfig').mkdir()
        (etc / 'sysconfig' / 'clock').write_text('# kept\nZONE="Etc/UTC"\nUTC=true\n')
        self.polkit_allow_all()
        model = {'zone': 'Etc/UTC', 'rtc': False, 'ntp': True, 'sources': set(),
                 'next_source': 0}
        drift_allowed, drift_next = None, 1
        fig = dict(kills=0, writes_sent=0, writes_answered=0, kills_with_write_in_flight=0,
                   in_flight_landed=0, drift_writes=0, torn=0, disagreements=0, lost=0,
                   temp_left=0)
        problems = []
        deadline = time.monotonic() + (600 if TARGET_WRITES > 400 else 25 * harness.TIMEOUT_SCALE)
        in_flight = None
        while True:
            d = self.start()
            # ---- after a restart: parse, old-or-new, agreement, no temporary files ----
            files, torn = self.read_files()
            fig['torn'] += len(torn)
            problems += [f'kill {fig["kills"]}: torn {t}' for t in torn]
            temps = self.temp_files()
            fig['temp_left'] += len(temps)
            problems += [f'kill {fig["kills"]}: temporary file {t} left' for t in temps]
            lz, tz, sc = files['zone_files']
            if not (lz == tz == sc):
                fig['disagreements'] += 1
                problems.append(f'kill {fig["kills"]}: zone files disagree {files["zone_files"]}')
            new = dict(model, sources=set(model['sources']))
            if in_flight is not None:
                Writer.apply(None, new, *in_flight)
            for key in ('zone', 'rtc', 'ntp', 'sources'):
                if files[key] != model[key] and files[key] != new[key]:
                    fig['lost'] += 1
                    problems.append(f'kill {fig["kills"]}: {key} is {files[key]!r}, neither old '
                                    f'{model[key]!r} nor new {new[key]!r}')
            if in_flight is not None:
                k = 'sources' if in_flight[0] in ('add', 'remove') else in_flight[0]
                if files[k] == new[k] and new[k] != model[k]:
                    fig['in_flight_landed'] += 1
            if drift_allowed is not None and files['drift'] not in drift_allowed:
                fig['lost'] += 1
                problems.append(f'kill {fig["kills"]}: drift {files["drift"]}, neither of '
                                f'{drift_allowed}')
            # The daemon's view agrees with the files.
            props = (self.get_property('Timezone'), self.get_property('LocalRTC'),
                     self.get_property('NTP'))
            names = sorted(self.call('Get', 'org.meridian.Time1.Source', 'Name',
                                     iface=harness.Iface(NATIVE.name, p,
                                                         'org.freedesktop.DBus.Properties'),
                                     signature='(ss)', path=p)
                           for p in self.get_property('Sources', iface=SOURCES))
            if props != (files['zone'], files['rtc'], files['ntp']) or \
                    names != sorted(files['sources']):
                fig['disagreements'] += 1
                problems.append(f'kill {fig["kills"]}: daemon says {props} {names}, files '
                                f'{files}')
            model = {'zone': files['zone'], 'rtc': files['rtc'], 'ntp': files['ntp'],
                     'sources': set(files['sources']), 'next_source': model['next_source']}
            if (fig['writes_sent'] >= TARGET_WRITES and fig['kills'] >= MIN_KILLS) or \
                    time.monotonic() > deadline:
                break
            # ---- writes back to back, and SIGKILL at a random moment ----
            w = Writer(self, model, rng)
            w.error = None
            dw = DriftWriter(exe, self.root, drift_next)
            w.start()
            # Unscaled in a sanitized build too: the kill must come after a few writes, not
            # dozens.
            time.sleep(rng.uniform(0.02, 0.25))
            os.kill(d.pid, signal.SIGKILL)
            w.stop = True
            err = dw.kill()
            d.proc.wait()
            d.terminate()
            w.join(10)
            self.assertFalse(w.is_alive(), 'the writer did not notice the kill')
            self.assertIsNone(w.error, f'a write failed: {w.error}')
            self.assertEqual(err, '', 'crash-writer failed')
            fig['kills'] += 1
            fig['writes_sent'] += w.sent
            fig['writes_answered'] += w.acked
            fig['kills_with_write_in_flight'] += w.in_flight is not None
            fig['drift_writes'] += dw.last - drift_next + 1
            in_flight = w.in_flight
            model = dict(w.model, next_source=w.next_source)
            # The last value answered or the one after it; with none answered, the old one
            # or the first.
            drift_allowed = ({dw.last, dw.last + 1} if dw.last >= drift_next
                             else {files['drift'], drift_next})
            drift_next = max(dw.last, drift_next) + 2
            w.conn.close_sync(None)
        self.assertEqual(d.terminate(), 0)
        print(f'crash consistency (seed {SEED}): ' +
              ', '.join(f'{k} {v}' for k, v in fig.items()))
        for p in problems:
            print(p)
        self.assertEqual(len(problems), 0, 'see the problems above')
        self.assertGreaterEqual(fig['kills'], MIN_KILLS)
        self.assertGreaterEqual(fig['writes_answered'], fig['kills'])
        self.assertGreater(fig['kills_with_write_in_flight'], fig['kills'] // 2)


if __name__ == '__main__':
    harness.main()
