# SPDX-License-Identifier: GPL-2.0-or-later
"""meridianctl's chronyc views and source commands against a meridiand synchronized to a real
chronyd on loopback (chronyd -x, a high port), checked the way a chronyc user reads them, and
a pool name's lookup inside the sandboxed engine."""

import json
import os
import pathlib
import socket
import subprocess
import sys
import time

import harness
from test_ntp_engine import TRACKING, ChronydCase

MERIDIANCTL = os.environ.get('MERIDIANCTL', '')


class CliAgainstChronyd(ChronydCase):
    def setUp(self):
        if not (MERIDIANCTL and os.access(MERIDIANCTL, os.X_OK)):
            self.skipTest(f'meridianctl is not built (MERIDIANCTL={MERIDIANCTL!r})')
        super().setUp()

    def ctl(self, *args):
        r = self.run_client([MERIDIANCTL, *args])
        self.assertEqual(r.returncode, 0, f'meridianctl {args}: {r.stdout} {r.stderr}')
        return r.stdout

    def test_sources_on_a_high_port_read_as_chronyc_shows_them(self):
        # chronyc shows a source by its address (or name) alone, whatever its port; the
        # daemon's Address property carries the port ("127.0.0.1:PORT").
        self.write_config(self.server_line)
        self.start_seed_daemon()
        self.wait_synchronized()
        self.assertEqual([s['Address'] for s in self.sources().values()],
                         [f'127.0.0.1:{self.port}'])
        row = self.ctl('sources', '-n').splitlines()[2]
        self.assertEqual(row[:30], '^* 127.0.0.1                  ', row)
        self.assertEqual(self.ctl('sources', '-c').split(',')[:3], ['^', '*', '127.0.0.1'])
        self.assertEqual(self.ctl('sourcestats', '-n').splitlines()[2][:26], '127.0.0.1' + ' ' * 17)
        self.assertEqual(self.ctl('sourcestats', '-c').split(',')[0], '127.0.0.1')
        # The address as shown removes the source, as the Address property does.
        self.ctl('add-source', f'server 127.0.0.2 port {self.port}')
        self.ctl('remove-source', '127.0.0.2')
        self.assertEqual(len(self.sources()), 1)


    def test_makestep_threshold_limit_steps_a_clock_slewing_far_off(self):
        # 100 s off and no makestep in the configuration: the error is slewed, at the
        # virtual clock's range for some 1000 s. `chronyc makestep 1 3` sets the directive
        # while running; its threshold is for the whole error, the part still being slewed
        # included, so the next update (a 16-s poll) steps the clock.
        self.write_config(self.server_line)
        self.start_seed_daemon(offset='100')
        self.wait_synchronized()
        time.sleep(2)
        self.assertGreater(abs(self.tracking('TrueOffset')), 50.0)
        self.assertEqual(self.ctl('maxupdateskew', '100'), '200 OK\n')
        self.assertEqual(self.ctl('makestep', '1', '3'), '200 OK\n')
        start = time.monotonic()
        self.wait_until(lambda: abs(self.tracking('TrueOffset')) < 1e-3, timeout=40,
                        what='|TrueOffset| < 1 ms after makestep 1 3')
        sys.stderr.write(f'stepped {time.monotonic() - start:.1f} s after makestep 1 3\n')
        log = self.daemon.log()
        self.assertIn('makestep 1 3 from now on', log)
        self.assertIn('maxupdateskew 100 ppm from now on', log)

    def test_initstepslew_steps_the_first_correction_as_written_for_chronyd(self):
        # Alpine's default configuration has "initstepslew 10 pool.ntp.org": 100 s off, the
        # first update steps (without it, as the makestep test above shows, the error would
        # be slewed for some 1000 s); the host is the source, so nothing is said of it.
        self.write_config(self.server_line, 'initstepslew 10 127.0.0.1')
        self.start_seed_daemon(offset='100')
        self.wait_synchronized()
        self.wait_until(lambda: abs(self.tracking('TrueOffset')) < 1e-3, timeout=20,
                        what='|TrueOffset| < 1 ms after the first update')
        self.assertNotIn('is not a source', self.daemon.log())
        # a step, not a slew
        self.assertIn('System clock was stepped by', self.daemon.log())

    def test_last_rx_and_root_dispersion_run_on_between_samples_as_chronycs(self):
        # chronyc's LastRx is the time since the source's last sample as of the moment asked:
        # at a 16-s poll it climbs to about 16 before each sample resets it; its tracking's
        # root dispersion grows between updates, and its System time shrinks while a slew
        # goes on. The engine writes its figures only at an update; they are brought to the
        # moment of reading.
        self.write_config(self.server_line)
        self.start_seed_daemon()
        self.wait_synchronized()
        # chronyc's System time is what is left to slew at the moment asked (chronyd reads it
        # from the kernel): while the seed's 0.5 s is slewed out, two reads a second apart
        # with no update between differ by what the clock itself moved meanwhile (its reading,
        # TimeUSec, against this process's CLOCK_REALTIME), not by 0.
        def read():
            t0 = time.time()
            clock_error = self.get_property('TimeUSec') / 1e6
            tracking = self.get_all(TRACKING)
            t1 = time.time()
            return tracking, clock_error - (t0 + t1) / 2, t1 - t0

        for attempt in range(5):
            a, error_a, took_a = read()
            cli_a = float(self.ctl('tracking', '-c').split(',')[4])
            time.sleep(1)
            b, error_b, took_b = read()
            cli_b = float(self.ctl('tracking', '-c').split(',')[4])
            if a['RefTimeUSec'] == b['RefTimeUSec']:
                break
        self.assertEqual(a['RefTimeUSec'], b['RefTimeUSec'], 'an update every second')
        slewed = b['SystemTimeOffset'] - a['SystemTimeOffset']
        moved = error_b - error_a
        print(f'System time {a["SystemTimeOffset"]:.6f} -> {b["SystemTimeOffset"]:.6f} s, '
              f'the clock moved {moved:.6f} s (reads took {took_a:.4f}, {took_b:.4f} s)')
        self.assertLess(moved, -0.01, (a, b))
        # What a read's own length leaves unknown (when in it the clock was read: half of it;
        # the slew, at under 10 %, between the two properties), and the frequency error
        # (ppm-level). Slew seconds of the clock counted as CLOCK_MONOTONIC seconds would be
        # 9 % off (the slew's own rate).
        self.assertLess(abs(slewed - moved), 0.01 * abs(moved) + 0.6 * (took_a + took_b) + 1e-4,
                        (a, b, moved))
        # chronyc's sign: the correction to come, positive when the clock is slow.
        self.assertGreater(cli_b - cli_a, 0.01, (cli_a, cli_b))
        seen, tracking = [], []
        # 20 s of readings a second apart; where two meridianctl runs take longer than that
        # second (a sanitized build on a loaded machine), on until there are 12 readings.
        start = time.monotonic()
        while (time.monotonic() - start < 20 or
               (len(tracking) < 12 and time.monotonic() - start < 20 * harness.TIMEOUT_SCALE)):
            seen.append(int(self.ctl('sources', '-c').split(',')[6]))
            fields = self.ctl('tracking', '-c').split(',')
            tracking.append((fields[3], float(fields[11])))   # ref time, root dispersion
            time.sleep(1)
        self.assertGreaterEqual(max(seen), 8, seen)
        self.assertLessEqual(max(seen), 18, seen)
        grew = [b[1] - a[1] for a, b in zip(tracking, tracking[1:]) if a[0] == b[0]]
        self.assertGreater(len(grew), 5, tracking)
        self.assertTrue(all(g > 0 for g in grew), tracking)
        # The reference time to the nanosecond, as chronyc prints it (RefTimeNSec; RefTimeUSec
        # is the same, truncated, for older clients).
        for attempt in range(3):
            nsec = self.tracking('RefTimeNSec')
            field = self.ctl('tracking', '-c').split(',')[3]
            if self.tracking('RefTimeNSec') == nsec:
                break
        self.assertEqual(field, f'{nsec // 10**9}.{nsec % 10**9:09d}')
        self.assertEqual(self.tracking('RefTimeUSec'), nsec // 1000)

    def raw_server_reply(self):
        """chronyd's reply to one NTPv4 client request sent here by hand: its header."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            s.sendto(bytes([0x23]) + bytes(39) + os.urandom(8), ('127.0.0.1', self.port))
            reply = s.recv(1024)

        def short(b):   # NTP short format: 16.16 fixed-point seconds
            return int.from_bytes(b, 'big') / 65536

        def stamp(b):   # NTP timestamp (32.32 since 1900) as Unix seconds
            return int.from_bytes(b[:4], 'big') - 2208988800 + int.from_bytes(b[4:], 'big') / 2**32

        return {'leap': reply[0] >> 6, 'version': (reply[0] >> 3) & 7, 'mode': reply[0] & 7,
                'stratum': reply[1], 'precision': int.from_bytes(reply[3:4], 'big', signed=True),
                'root_delay': short(reply[4:8]), 'root_dispersion': short(reply[8:12]),
                'refid': int.from_bytes(reply[12:16], 'big'), 'ref_time': stamp(reply[16:24]),
                'tx_time': stamp(reply[40:48])}

    def test_ntpdata_shows_chronyds_reply_as_chronyc_ntpdata(self):
        # chronyc's ntpdata layout (tests/cli/fixtures/chronyc-4.3/ntpdata.txt, real output):
        # the same 27 labels in order, and the server's header as chronyd itself answers a
        # query sent here by hand.
        fixtures = pathlib.Path(__file__).parent.parent / 'cli' / 'fixtures' / 'chronyc-4.3'
        labels = [l[:18] for l in (fixtures / 'ntpdata.txt').read_text().splitlines()]
        self.write_config(self.server_line)
        self.start_seed_daemon()
        self.wait_synchronized()
        server = self.raw_server_reply()
        # The figures of the exchange the last sample came from: read between two reads of
        # the Source with no sample in between (LastRxAgo only grows), at a 16-s poll.
        for attempt in range(3):
            before, = self.sources().values()
            text = self.ctl('ntpdata', '127.0.0.1')
            after, = self.sources().values()
            if after['LastRxAgo'] >= before['LastRxAgo']:
                break
        lines = text.splitlines()
        self.assertEqual([l[:18] for l in lines], labels, text)
        got = {l[:16].strip(): l[18:] for l in lines}
        self.assertEqual(got['Remote address'], '127.0.0.1 (7F000001)')
        self.assertEqual(got['Remote port'], str(self.port))
        self.assertEqual(got['Local address'], '127.0.0.1 (7F000001)')
        self.assertEqual(got['Leap status'], ['Normal', 'Insert second', 'Delete second',
                                              'Not synchronised'][server['leap']])
        self.assertEqual(got['Version'], str(server['version']))
        self.assertEqual((server['mode'], got['Mode']), (4, 'Server'))
        self.assertEqual(got['Stratum'], str(server['stratum']))
        self.assertEqual(got['Poll interval'], '4 (16 seconds)')
        self.assertEqual(got['Precision'],
                         f"{server['precision']} ({2.0 ** server['precision']:.9f} seconds)")
        self.assertEqual(got['Root delay'], f"{server['root_delay']:.6f} seconds")
        self.assertEqual(got['Root dispersion'], f"{server['root_dispersion']:.6f} seconds")
        # chronyd's `local stratum 1` answers 7F7F0101, whose bytes are not printable.
        self.assertEqual(server['refid'], 0x7F7F0101)
        self.assertEqual(got['Reference ID'], '7F7F0101 ()')
        # chronyc's sign: server minus local, the opposite of sources' measured offset. The
        # seed's clock is 0.5 s fast, so it reads near -0.5 s until slewed out.
        offset = float(got['Offset'].split()[0])
        self.assertLess(abs(offset + after['MeasuredOffset']), 1e-6,
                        (got['Offset'], after['MeasuredOffset']))
        self.assertTrue(-0.51 < offset < 0.01, got['Offset'])
        # On loopback: the delay positive and small, the server's holding time small, in
        # seconds (a unit slip reads 1000 times off; a loaded machine under the sanitizers
        # has held chronyd's reply 15 ms).
        delay = float(got['Peer delay'].split()[0])
        self.assertGreater(delay, 0.0)
        self.assertLess(delay, 0.25)
        self.assertLess(float(got['Response time'].split()[0]), 0.25)
        # The last valid reply's tests: chronyd's replies pass RFC 5905's and tests A and D;
        # B and C (the delay against the least) may refuse one that queued.
        self.assertRegex(got['NTP tests'], r'^111 111 1[01][01]1$')
        self.assertEqual((got['Interleaved'], got['Authenticated']), ('No', 'No'))
        replies = int(got['Total valid RX'])
        self.assertGreaterEqual(replies, 1)
        # The counts nest as chronyd's do: sent >= received >= valid >= good; on loopback
        # nothing is lost but the request in flight, and most samples are good.
        tx, rx, good = (int(got[k]) for k in ('Total TX', 'Total RX', 'Total good RX'))
        self.assertTrue(tx >= rx >= replies >= good >= 1, (tx, rx, replies, good))
        self.assertLessEqual(tx - rx, 1, (tx, rx))
        self.assertGreaterEqual(good, replies // 2, (replies, good))
        props, = self.sources().values()
        self.assertGreaterEqual(props['ValidReplies'], replies)
        self.assertEqual((props['ReplyStratum'], props['ReplyPrecision'],
                          props['ReplyReferenceId']),
                         (server['stratum'], server['precision'], server['refid']))
        # CSV: the same values alone, 34 fields (each "(N seconds)" and test group its own).
        csv = self.ctl('ntpdata', '-c', '127.0.0.1').strip().split(',')
        self.assertEqual(len(csv), 34, csv)
        self.assertEqual(csv[:5], ['127.0.0.1', '7F000001', str(self.port), '127.0.0.1',
                                   '7F000001'])
        self.assertEqual((csv[8], csv[11], csv[15]),
                         (str(server['stratum']), str(server['precision']), '7F7F0101'))
        # The server's reference time, as it sent it in the reply the sample came from: at
        # most one poll (16 s) and the query's own wait before chronyd's in the query made
        # here by hand, and never after that reply's transmit time.
        ref_time = float(csv[17])
        self.assertLessEqual(ref_time, server['ref_time'] + 1e-6, (csv[17], server))
        self.assertGreater(ref_time, server['ref_time'] - 20, (csv[17], server))
        self.assertEqual(got['Reference time'], time.strftime('%a %b %d %H:%M:%S %Y',
                                                              time.gmtime(int(ref_time))))
        # Every source, each after a blank line, as chronyc lists them.
        every = self.ctl('ntpdata').splitlines()
        self.assertEqual(every[0], '')
        self.assertEqual([l[:18] for l in every[1:]], labels)
        self.assertEqual(every[1:9], lines[:8])
        # The local address is the engine's own socket's (getsockname), carried from the
        # engine: a server at 127.0.0.2 (nobody answers there) is sent to from the address
        # the kernel picks for it, 127.0.0.1 on loopback (`ip route get 127.0.0.2`).
        self.assertEqual(after['LocalAddress'], '127.0.0.1')
        self.ctl('add-source', f'server 127.0.0.2 port {self.port} iburst')
        self.wait_until(lambda: [s['LocalAddress'] for s in self.sources().values()
                                 if s['Address'].startswith('127.0.0.2:')] == ['127.0.0.1'],
                        timeout=10, what='the source at 127.0.0.2 sent from 127.0.0.1')
        other = {l[:16].strip(): l[18:] for l in self.ctl('ntpdata', '127.0.0.2').splitlines()}
        self.assertEqual((other['Remote address'], other['Local address']),
                         ('127.0.0.2 (7F000002)', '127.0.0.1 (7F000001)'))
        self.assertEqual(self.ctl('ntpdata', '-c', '127.0.0.2').split(',')[:5],
                         ['127.0.0.2', '7F000002', str(self.port), '127.0.0.1', '7F000001'])
        # An address that is no source: an error, nothing printed.
        r = self.run_client([MERIDIANCTL, 'ntpdata', '127.0.0.9'])
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(r.stdout, '')
        self.assertIn('127.0.0.9', r.stderr)


    def test_set_ntp_false_shows_chronyds_unsynchronised_tracking(self):
        # Turned off, the clock follows no server: Tracking (D-Bus, text, -c, --json) reads as
        # chronyc reads an unsynchronised chronyd (fixtures tracking-unsynchronised.*, real
        # chronyc output), keeping only what belongs to the clock (frequency, offsets).
        fixtures = pathlib.Path(__file__).parent.parent / 'cli' / 'fixtures' / 'chronyc-4.3'
        self.write_config(self.server_line)
        self.start_seed_daemon()
        self.wait_synchronized()
        self.assertEqual(self.tracking('ReferenceID'), 0x7F000001)
        self.assertEqual(self.tracking('Stratum'), 2)
        # The first update may come before the frequency is known (a fit over the first
        # samples whose skew is over maxupdateskew leaves it alone, as chronyd's does): wait for
        # the estimate, the figure turning NTP off must keep.
        self.wait_until(lambda: self.tracking('Frequency') != 0.0, timeout=60,
                        what='a frequency estimate')
        freq_on = self.tracking('Frequency')
        self.call('SetNTP', False, False)
        want_text = (fixtures / 'tracking-unsynchronised.txt').read_text().splitlines()
        want_csv = (fixtures / 'tracking-unsynchronised.csv').read_text().strip().split(',')
        for i in range(2):   # at once, and after the engine's last words have arrived
            if i:
                time.sleep(2 * harness.TIMEOUT_SCALE)
            props = self.get_all(iface=TRACKING)
            self.assertEqual(
                {k: props[k] for k in ('ReferenceID', 'ReferenceName', 'Stratum', 'RefTimeUSec',
                                       'ResidualFrequency', 'Skew', 'RootDelay',
                                       'RootDispersion', 'LeapStatus', 'Synchronized')},
                dict(ReferenceID=0, ReferenceName='', Stratum=0, RefTimeUSec=0,
                     ResidualFrequency=0.0, Skew=0.0, RootDelay=1.0, RootDispersion=1.0,
                     LeapStatus='Not synchronised', Synchronized=False))
            # The clock's own frequency estimate stays (the seed's clock is 23.054 ppm slow:
            # not zero), and is what tracking prints. An update landing between the read above
            # and SetNTP moves it by far less than 2 ppm; a lost estimate reads 0.
            freq = props['Frequency']
            self.assertLess(abs(freq - freq_on), 2.0)
            self.assertFalse(self.get_property('NTPSynchronized'))
            text = self.ctl('tracking', '-n').splitlines()
            self.assertEqual(len(text), len(want_text))
            for i, (got, want) in enumerate(zip(text, want_text)):
                if want.split(':')[0].strip() in ('System time', 'Last offset', 'RMS offset',
                                                  'Frequency', 'Update interval'):
                    self.assertEqual(got[:18], want[:18])
                else:
                    self.assertEqual(got, want, i)
            self.assertEqual(self.ctl('tracking')[:len(want_text[0])], want_text[0])
            self.assertEqual(text[6], f"Frequency       : {abs(freq):.3f} ppm "
                                      f"{'fast' if freq > 0 else 'slow'}")
            csv = self.ctl('tracking', '-c').strip().split(',')
            self.assertEqual(len(csv), 14)
            self.assertEqual(csv[7], f'{freq:.3f}')
            for i in (0, 1, 2, 3, 8, 9, 10, 11, 13):
                self.assertEqual(csv[i], want_csv[i], i)
            data = json.loads(self.ctl('tracking', '--json'))
            self.assertEqual((data['ReferenceID'], data['ReferenceName'], data['Stratum'],
                              data['LeapStatus']), (0, '', 0, 'Not synchronised'))
            # The stopped engine keeps no samples: the source reads as one never measured
            # (as 127.0.0.5 in the fixtures), at its configured poll (minpoll 4), not 0.
            self.assertEqual(self.ctl('sources', '-n').splitlines()[2],
                             '^? 127.0.0.1                     0   4     0     -     '
                             '+0ns[   +0ns] +/-    0ns')
            self.assertEqual(self.ctl('sourcestats', '-n').splitlines()[2],
                             '127.0.0.1                   0   0     0     +0.000   2000.000'
                             '     +0ns  4000ms')


class BesideChronydClient(ChronydCase):
    """A chronyd -x client beside meridiand, both asked the same things (no tests of its
    own)."""

    def setUp(self):
        if not (MERIDIANCTL and os.access(MERIDIANCTL, os.X_OK)):
            self.skipTest(f'meridianctl is not built (MERIDIANCTL={MERIDIANCTL!r})')
        super().setUp()

    def chronyc(self, *args):
        r = subprocess.run(['chronyc', '-h', str(self.client_sock), *args],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, f'chronyc {args}: {r.stdout} {r.stderr}')
        return r.stdout

    def chronyd_addresses(self):
        return sorted(line.split(',')[2] for line in self.chronyc('-n', '-c', 'sources').splitlines())

    def our_addresses(self):
        return sorted(s['Address'].rsplit(':', 1)[0] for s in self.sources().values())


class ReloadSources(BesideChronydClient):
    """`chronyc reload sources` and `meridianctl reload sources` side by side: a chronyd -x
    client and meridiand read sourcedirs with the same files, go through the same changes,
    and must end with the same sources each time."""

    def write_both(self, name, text):
        for d in self.dirs:
            if text is None:
                (d / name).unlink()
            else:
                (d / name).write_text(text)

    def reload_both(self):
        self.assertEqual(self.chronyc('reload', 'sources'), '200 OK\n')
        r = self.run_client([MERIDIANCTL, 'reload', 'sources'])
        self.assertEqual(r.returncode, 0, f'{r.stdout} {r.stderr}')
        self.assertTrue(r.stdout.endswith('200 OK\n'), r.stdout)
        return r

    def test_reload_sources_ends_with_the_sources_chronyd_ends_with(self):
        port = self.port
        ours = self.root / 'etc' / 'chrony' / 'sources.d'
        theirs = self.tmp / 'chrony-sources'
        self.dirs = (ours, theirs)
        for d in self.dirs:
            d.mkdir(parents=True)
        # 127.0.0.1 is the chronyd server and answers; the others are never answered.
        self.write_both('a.sources', f'server 127.0.0.1 port {port} iburst minpoll 0 maxpoll 0\n')
        self.write_both('b.sources', f'server 127.0.0.2 port {port}\n')
        self.client_sock = self.start_chronyd_client([f'sourcedir {theirs}'])
        self.write_config('sourcedir /etc/chrony/sources.d')
        self.start_seed_daemon()
        self.wait_synchronized()
        self.assertEqual(self.our_addresses(), ['127.0.0.1', '127.0.0.2'])
        self.assertEqual(self.chronyd_addresses(), self.our_addresses())
        answering, = [p for p, s in self.sources().items() if s['Address'].startswith('127.0.0.1:')]
        samples = self.sources()[answering]['Samples']
        self.assertGreater(samples, 0)

        # one file changed, one added with a line neither daemon can use, and a source added
        # at run time (chronyc add server / add-source)
        self.write_both('b.sources', f'server 127.0.0.3 port {port}\n')
        self.write_both('c.sources', f'server 127.0.0.4 port {port} iburst\nserver\n')
        self.chronyc('add', 'server', '127.0.0.5', 'port', str(port))
        self.run_client([MERIDIANCTL, 'add-source', f'server 127.0.0.5 port {port}'])
        r = self.reload_both()
        self.assertEqual(r.stdout.splitlines()[:3], [
            f'Removed source: server 127.0.0.2 port {port}',
            f'Added source: server 127.0.0.3 port {port}',
            f'Added source: server 127.0.0.4 port {port} iburst'])
        self.assertIn('/etc/chrony/sources.d/c.sources:2:', r.stderr)
        self.assertEqual(self.our_addresses(), ['127.0.0.1', '127.0.0.3', '127.0.0.4', '127.0.0.5'])
        self.assertEqual(self.chronyd_addresses(), self.our_addresses())
        # the unchanged source ran on: same object, its samples kept
        self.assertIn(answering, self.sources())
        self.assertGreaterEqual(self.sources()[answering]['Samples'], samples)

        # a file removed; reloading again without a change changes nothing
        self.write_both('c.sources', None)
        self.reload_both()
        self.assertEqual(self.our_addresses(), ['127.0.0.1', '127.0.0.3', '127.0.0.5'])
        self.assertEqual(self.chronyd_addresses(), self.our_addresses())
        before = sorted(self.sources())
        self.assertEqual(self.reload_both().stdout, '200 OK\n')
        self.assertEqual(sorted(self.sources()), before)
        self.assertEqual(self.chronyd_addresses(), self.our_addresses())


class ChronycForms(BesideChronydClient):
    """chronyc's add, delete, sourcename, reselectdist and reset sources, given in chronyc's
    words to a chronyd -x client and to meridiand alike: the same output, the same sources."""

    def both(self, *args):
        theirs = self.chronyc(*args)
        r = self.run_client([MERIDIANCTL, *args])
        self.assertEqual(r.returncode, 0, f'meridianctl {args}: {r.stdout} {r.stderr}')
        self.assertEqual(r.stdout, theirs, f'{args}')
        return r.stdout

    def chronyd_leap(self):
        return self.chronyc('-c', 'tracking').split(',')[-1].strip()

    def test_add_delete_sourcename_and_reset_sources_as_chronyc_gives_them(self):
        port = self.port
        line = f'server 127.0.0.1 port {port} iburst minpoll 0 maxpoll 0'
        self.client_sock = self.start_chronyd_client([line])
        self.write_config(line)
        self.start_seed_daemon()
        self.wait_synchronized()

        self.assertEqual(self.both('add', 'server', '127.0.0.6', 'port', str(port), 'minpoll',
                                   '6'), '200 OK\n')
        self.assertEqual(self.chronyd_addresses(), ['127.0.0.1', '127.0.0.6'])
        self.assertEqual(self.our_addresses(), self.chronyd_addresses())
        added, = [s for s in self.sources().values() if s['Address'].startswith('127.0.0.6:')]
        self.assertEqual(added['Name'], '127.0.0.6')
        self.assertEqual(self.both('sourcename', '127.0.0.6'), '127.0.0.6\n')
        self.assertEqual(self.both('delete', '127.0.0.6'), '200 OK\n')
        self.assertEqual(self.our_addresses(), ['127.0.0.1'])
        self.assertEqual(self.our_addresses(), self.chronyd_addresses())
        self.assertEqual(self.both('reselectdist', '0.001'), '200 OK\n')
        # the engine process says so in its own time: the call returns once it is sent
        self.wait_until(lambda: 'reselectdist 0.001 s from now on' in self.daemon.log(),
                        timeout=10, what='the engine taking reselectdist 0.001')

        # reset sources: both drop their measurements and say they are not synchronised
        # until new samples come (1 s polls here); the frequency is kept
        answering, = self.sources()
        self.wait_until(lambda: self.sources()[answering]['Samples'] >= 8, timeout=30,
                        what='8 samples')
        freq = self.tracking('Frequency')
        self.assertEqual(self.chronyd_leap(), 'Normal')
        self.assertEqual(self.both('reset', 'sources'), '200 OK\n')
        self.assertEqual(self.chronyd_leap(), 'Not synchronised')
        self.assertFalse(self.get_property('NTPSynchronized'))
        self.assertLessEqual(self.sources()[answering]['Samples'], 1)
        self.assertIn('Not synchronised', self.run_client([MERIDIANCTL, 'tracking']).stdout)
        self.assertAlmostEqual(self.tracking('Frequency'), freq, delta=0.1)
        self.wait_synchronized(timeout=30)
        self.assertIn('Sources reset', self.daemon.log())

        # chronyc's usage errors are ours too
        for args in (('add', '127.0.0.7'), ('add', 'refclock', 'PHC', '/dev/ptp0'),
                     ('reset',), ('reset', 'all'), ('delete',), ('sourcename',),
                     ('reselectdist',)):
            r = self.run_client([MERIDIANCTL, *args])
            self.assertEqual(r.returncode, 2, f'{args}: {r.stdout} {r.stderr}')
        r = self.run_client([MERIDIANCTL, 'delete', '127.0.0.9'])
        self.assertEqual(r.returncode, 4, r.stderr)
        r = self.run_client([MERIDIANCTL, 'reselectdist', '-1'])
        self.assertEqual(r.returncode, 4, r.stderr)


class PoolName(ChronydCase):
    def test_a_pool_name_is_resolved_without_killing_the_engine(self):
        # A pool (or server) given by name is looked up by the sandboxed engine; Debian's
        # stock chrony.conf has `pool 2.debian.pool.ntp.org iburst`. 'localhost' resolves
        # from /etc/hosts, without a network.
        self.write_config(self.server_line)
        self.start_seed_daemon()
        self.wait_synchronized()
        engine = self.engine_pid()
        self.assertIsNotNone(engine)
        self.call('AddSource', f'pool localhost port {self.port} iburst maxsources 1', False,
                  iface=harness.SOURCES)
        time.sleep(3 * harness.TIMEOUT_SCALE)
        self.assertTrue(os.path.exists(f'/proc/{engine}'),
                        'the engine died looking up a name: ' + self.daemon.log())
        # Refresh (chronyc refresh) has the engine look the name up again at once; the
        # address it polls is still listed, so it stays.
        paths = sorted(self.sources())
        self.call('Refresh', False, iface=harness.SOURCES)
        self.wait_until(lambda: 'Resolving localhost again (refresh)' in self.daemon.log(),
                        timeout=10, what="the engine's lookup for Refresh")
        time.sleep(1)
        self.assertNotIn('no longer listed', self.daemon.log())
        self.assertEqual(sorted(self.sources()), paths)
        self.assertTrue(os.path.exists(f'/proc/{engine}'), self.daemon.log())


if __name__ == '__main__':
    harness.main()
