#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""chronyd's statistics logs (`log rawmeasurements statistics tracking selection`, `logdir`,
`logbanner`, `logchange`), written by meridiand --no-bus polling a real `chronyd -x` on
loopback.

The virtual clock starts 0.3 s ahead and is slewed (no makestep). Checked against chronyd's
own layout and signs (chrony.conf(5)), not against our output:
  - measurements.log: a line per reply; the address without its port, leap N, chronyd's
    stratum 1 and reference ID (7F7F0101, its `local` clock), tests 1-7 and A, D passed and
    most samples good ("111 111 1111"), our poll and
    chronyd's (it answers with ours), mode 4 basic, the first sample's theta (the server's
    time less ours) -0.3 s;
  - statistics.log: the first fit's offset +0.3 s (positive = the local clock fast), its three
    samples;
  - tracking.log: stratum 2, leap N, one source, the first update's offset +0.3 s;
  - selection.log: a line per selection, the source first 'M' (too few samples), last '*'
    with reach 377;
  - each file's header (between two rules of '=') before its first line and after every
    `logbanner 4` lines; the lines as wide as the header where the address fits its column;
  - logchange 0.2: "System clock wrong by -0.3..." once; `log ... rtc` says rtc is not written;
  - the directory is made (it was missing);
  - the logrotate entry we ship (data/meridian.logrotate) run by the real logrotate while
    meridiand runs: every file moved to .1, and new ones started, with their header;
  - started again with a symbolic link planted as statistics.log: not written through (its
    target unchanged), said once, while tracking.log goes on.
"""
import os
import re
import signal
import subprocess
import tempfile
import time

from loopback_util import (NoBusDaemon, free_udp_port, loopback_programs, start_chronyd_server,
                           stop_all, wait_daemon, write)

SHIPPED_LOGROTATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data",
                                 "meridian.logrotate")

DATE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
E = r" [ -]\d\.\d{3}e[-+]\d\d"         # a space, then chronyd's %10.3e


def data_lines(text):
    return [l for l in text.splitlines() if l and not l.startswith("=")
            and not l.startswith("   Date (UTC) Time")]


def check_banners(name, text, every):
    """Each header between two rules, before the first line and after every EVERY lines."""
    lines = text.splitlines()
    i = 0
    since = None
    while i < len(lines):
        if lines[i].startswith("="):
            rule, header, rule2 = lines[i:i + 3]
            assert header.startswith("   Date (UTC) Time") and rule == rule2 == "=" * len(header), \
                f"{name}: a broken header at line {i + 1}:\n" + "\n".join(lines[i:i + 3])
            assert since in (None, every), f"{name}: a header after {since} lines, not {every}"
            since = 0
            width = len(header)
            i += 3
            continue
        assert since is not None and since < every, f"{name}: line {i + 1} without its header"
        if "127.0.0.1 " in lines[i]:
            assert len(lines[i]) <= width + 12, f"{name}: line wider than its header: {lines[i]}"
        since += 1
        i += 1


def main():
    chronyd, meridiand = loopback_programs()
    tmp = tempfile.mkdtemp(prefix="mrd-statlog-")
    os.chmod(tmp, 0o755)
    procs = []
    try:
        port = free_udp_port("127.0.0.1")
        server, _ = start_chronyd_server(chronyd, tmp, port)
        procs.append(server)
        logdir = os.path.join(tmp, "var", "log", "meridian")
        target = os.path.join(tmp, "shadow")
        write(target, "secret\n", 0o600)
        conf = os.path.join(tmp, "meridian.conf")
        write(conf, f"server 127.0.0.1 port {port} iburst minpoll -1 maxpoll -1\n"
                    f"log rawmeasurements statistics tracking selection rtc\n"
                    f"logdir {logdir}\n"
                    f"logbanner 4\nlogchange 0.2\n", 0o644)
        time.sleep(0.5)
        daemon = NoBusDaemon(meridiand, conf)
        procs.append(daemon.proc)

        def wait(what, predicate, timeout=20):
            wait_daemon(what, predicate, daemon, timeout)

        def read(name):
            try:
                with open(os.path.join(logdir, name)) as f:
                    return f.read()
            except FileNotFoundError:
                return ""

        wait("the log directory", lambda: os.path.isdir(logdir), timeout=10)
        wait("ten measurements", lambda: len(data_lines(read("measurements.log"))) >= 10)
        wait("five clock updates", lambda: len(data_lines(read("tracking.log"))) >= 5)
        stats = os.path.join(logdir, "statistics.log")

        # The real logrotate with the entry we ship (data/meridian.logrotate, its path made
        # this test's): every file moved to .1, and the next line starts a new file, with
        # its header, without any signal.
        rotate_conf = os.path.join(tmp, "logrotate.conf")
        with open(SHIPPED_LOGROTATE) as f:
            entry = f.read()
        assert "/var/log/meridian/*.log {" in entry, entry
        write(rotate_conf, entry.replace("/var/log/meridian", logdir), 0o644)
        r = subprocess.run(["logrotate", "-f", "-s", os.path.join(tmp, "logrotate.state"),
                            rotate_conf], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
        moved = os.path.join(logdir, "measurements.log.1")
        for name in ("measurements", "statistics", "tracking", "selection"):
            assert os.path.exists(os.path.join(logdir, name + ".log.1")), os.listdir(logdir)
        wait("a new measurements.log", lambda: len(data_lines(read("measurements.log"))) >= 2)
        wait("a new tracking.log", lambda: len(data_lines(read("tracking.log"))) >= 1)
        daemon.proc.send_signal(signal.SIGTERM)
        assert daemon.proc.wait(timeout=10) == 0, "\n".join(daemon.log())
        log = "\n".join(daemon.log())

        with open(moved) as f:
            measurements = f.read()
        for name, text in (("measurements.log.1", measurements),
                           ("measurements.log", read("measurements.log")),
                           ("tracking.log.1", read("tracking.log.1")),
                           ("tracking.log", read("tracking.log"))):
            check_banners(name, text, 4)
        assert read("measurements.log").startswith("=")

        m = data_lines(measurements)
        # every reply (rawmeasurements): chronyd's are all genuine and synchronized (tests 1-3
        # and 5-7); B and C may refuse a sample that queued (1 ms polls here), A (maxdelay)
        # and D (a loop: we do not serve) never do
        pattern = (rf"^{DATE} 127\.0\.0\.1       N  1 111 111 1[01][01]1  -1 -1 -?\d\.\d\d"
                   rf"({E}){E}{E}{E}{E} 7F7F0101 4B [KD] K$")
        for line in m:
            assert re.match(pattern, line), f"not chronyd's measurements layout: {line!r}"
        good = [line for line in m if " 111 111 1111 " in line]
        assert len(good) >= len(m) * 3 // 4, "most samples are good:\n" + "\n".join(m)
        theta = float(re.match(pattern, m[0]).group(1))
        assert abs(theta + 0.3) < 0.01, f"first theta {theta}, not -0.3 (the clock is ahead)"
        assert any(abs(float(re.match(pattern, l).group(1))) < 1e-3 for l in m[-3:]), \
            "the last samples still far off:\n" + "\n".join(m)

        t = data_lines(read("tracking.log.1")) + data_lines(read("tracking.log"))
        tpattern = (rf"^{DATE} 127\.0\.0\.1        2 +(-?\d+\.\d{{3}}) +\d+\.\d{{3}}({E}) N  1"
                    rf"{E}{E}{E}{E}{E}$")
        for line in t:
            assert re.match(tpattern, line), f"not chronyd's tracking layout: {line!r}"
        first = float(re.match(tpattern, t[0]).group(2))
        assert abs(first - 0.3) < 0.01, f"first update's offset {first}, not +0.3 (fast)"

        assert len(re.findall(r"System clock wrong by -0\.3\d* seconds, adjustment started",
                              log)) == 1, log
        assert re.search(r"log: rtc not written by meridiand", log), log

        s = data_lines(read("statistics.log.1")) + data_lines(read("statistics.log"))
        spattern = (rf"^{DATE} 127\.0\.0\.1      ({E})({E}){E}{E}{E} [ \d.e+-]{{7}} +(\d+)"
                    rf" +\d+ +\d+ +-?\d\.\d\d$")
        for line in s:
            assert re.match(spattern, line), f"not chronyd's statistics layout: {line!r}"
        first = re.match(spattern, s[0])
        assert abs(float(first.group(2)) - 0.3) < 0.01, f"first fit's offset, not +0.3: {s[0]}"
        assert int(first.group(3)) == 3, f"the first fit stands on 3 samples: {s[0]}"
        check_banners("statistics.log.1", read("statistics.log.1"), 4)
        check_banners("statistics.log", read("statistics.log"), 4)

        # selection.log: a line per selection, chronyd's layout; the one source selected ('*')
        # once it was, reached by every poll since (377 after eight)
        sel = data_lines(read("selection.log.1")) + data_lines(read("selection.log"))
        selpattern = (rf"^{DATE} 127\.0\.0\.1       ([*+xMNsdwSTWPD~?]) -----  *([0-7]+) +\d+\.\d\d"
                      rf"{E}{E}{E}$")
        for line in sel:
            assert re.match(selpattern, line), f"not chronyd's selection layout: {line!r}"
        states = [re.match(selpattern, l).group(1) for l in sel]
        assert states[-1] == "*" and "M" in states[:3], states
        assert re.match(selpattern, sel[-1]).group(2) == "377", sel[-1]
        check_banners("selection.log", read("selection.log"), 4)

        # Again with a symbolic link planted as statistics.log: not written through.
        os.rename(stats, stats + ".old")
        os.symlink(target, stats)
        daemon = NoBusDaemon(meridiand, conf)
        procs.append(daemon.proc)
        before = len(data_lines(read("tracking.log")))
        wait("two more clock updates", lambda: len(data_lines(read("tracking.log"))) >= before + 2)
        daemon.proc.send_signal(signal.SIGTERM)
        assert daemon.proc.wait(timeout=10) == 0, "\n".join(daemon.log())
        log = "\n".join(daemon.log())
        assert os.path.islink(stats), "the planted link was replaced"
        with open(target) as f:
            assert f.read() == "secret\n", "written through the planted link"
        assert len(re.findall(r"statistics\.log: .*; the statistics log is not written", log)) \
            == 1, log
        print(f"measurements {len(m)}, statistics {len(s)}, tracking {len(t)}, selection {len(sel)}")
    finally:
        stop_all(procs)


if __name__ == "__main__":
    main()
