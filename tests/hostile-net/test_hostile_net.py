#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""meridiand --no-bus (virtual clock) against a hostile network, with figures.

Every case is its own meridiand facing real `chronyd -x` servers (the truth; two shared by all
cases) and mrd-hostile-ntp servers on 127.0.0.5-7, all on loopback with ports the kernel picks.
The cases run side by side for RUN seconds (default 20; MERIDIAN_HOSTILE_NET_SECONDS for the
longer run documented in docs/security.md). The virtual clock starts right (true offset 0) and
23 ppm fast, with `makestep 0.1 3`, so a step is the hostile servers' doing, and the daemon
has a frequency to find.

  garbage       2 good + 1 answering every request with 20 random datagrams
  forge-origin  1 server: before each correct reply, one 0.5 s off with a wrong origin
  forge-port    1 server: before each correct reply, one 0.5 s off with the right origin,
                from another port of the server's address
  forge-addr    the same from another address (127.0.0.9)
  replay        1 server: before each correct reply, the previous (valid, old) reply; after
                it, the reply again
  jump          2 good + 1 right at first that jumps 1000 s ahead 8 s in
  slew          2 good + 1 whose time runs away at 2000 ppm (4 times the kernel's frequency
                range), reversing every 5 s: 10 ms off at the top
  majority      1 good + 2 agreeing with each other 0.2 s ahead (a falseticker majority: no
                client can tell, it must follow the majority, as chronyd does)
  kod-storm     2 good + 1 answering every request with 50 KoD RATE, 1 with 50 KoD DENY

Figures per case: the clock's error (|true offset - expected| at the first synchronized update
and the worst after it; expected 0, or +0.2 s for the majority), the frequency error (the
daemon's last frequency against the virtual clock's true 23 ppm; beside it the slope of the
true offset over the second half), steps, the daemon's CPU seconds (utime+stime from
/proc), log lines (all, and those naming a hostile address), and requests the hostile servers
answered. The bounds asserted are the ones docs/security.md states.
"""

import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "net"))
import netlib  # noqa: E402

RUN = float(os.environ.get("MERIDIAN_HOSTILE_NET_SECONDS", "20"))
H1, H2, H3 = "127.0.0.5", "127.0.0.6", "127.0.0.7"
# The bounds (docs/security.md, "Hostile network"):
FIRST_BOUND = 10e-3         # s, at the first synchronized update (before it corrects)
# s, at every later update: loopback delays on a loaded 2-core machine reach milliseconds, and
# the slewer would be 3 ms off even at a third of the weight. With one source only (the forging
# and replaying cases) nothing averages a slow exchange away (4 ms seen under load), and what
# the bound must catch is far larger: an accepted forgery is 500 ms off, a replay 2 s.
ERROR_BOUND = 2e-3
ERROR_BOUND_ONE_SOURCE = 20e-3
# ppm, |the daemon's frequency at the end - the clock's true 23 ppm|: a few samples in 20 s;
# the longer run has the time to estimate it.
FREQ_BOUND = 15.0 if RUN < 120 else 2.0
CLOCK_PPM = 23.0            # the virtual clock's own frequency error (fast)
CPU_BOUND = 0.02            # CPU seconds per second of run
# Log lines at the default level: naming one hostile address, and other than the updates and
# the source list; in the first 20 s, then at most 3 more a minute (one per 20 s).
HOSTILE_LOG_BOUND = 4 + int(max(0.0, RUN - 20) / 20)
OTHER_LOG_BOUND = 6 + int(max(0.0, RUN - 20) / 20)


def hostile(lab, addr, mode, *extra):
    lab.n += 1
    pf = os.path.join(lab.dir, f"hostile{lab.n}.port")
    log = os.path.join(lab.dir, f"hostile{lab.n}.log")
    p = lab._spawn([netlib.tool("mrd-hostile-ntp"), "--mode", mode, "--listen", f"{addr}:0",
                    "--port-file", pf, "--duration", str(RUN + 60)] + list(extra),
                   stdout=open(log, "w"))
    return int(netlib.wait_file(pf, p, "mrd-hostile-ntp")), log


def server_line(addr, port, poll=1):
    return f"server {addr} port {port} iburst minpoll {poll} maxpoll {poll + 1}\n"


class Case:
    def __init__(self, name, good, hostiles, expect=0.0, max_steps=0):
        self.name, self.good, self.hostiles = name, good, hostiles
        self.expect, self.max_steps = expect, max_steps
        self.bound = ERROR_BOUND if good + len(hostiles) > 1 else ERROR_BOUND_ONE_SOURCE


CASES = [
    Case("garbage", 2, [(H1, "garbage", "--burst", "20")]),
    Case("forge-origin", 0, [(H1, "forge-origin")]),
    Case("forge-port", 0, [(H1, "forge-port")]),
    Case("forge-addr", 0, [(H1, "forge-addr", "--forge-from", "127.0.0.9")]),
    Case("replay", 0, [(H1, "replay")]),
    Case("jump", 2, [(H1, "good", "--jump-at", "8")]),
    Case("slew", 2, [(H1, "good", "--slew", "2000", "--reverse", "5")]),
    Case("majority", 1, [(H1, "good", "--offset", "0.2"), (H2, "good", "--offset", "0.2")],
         expect=0.2, max_steps=1),
    Case("kod-storm", 2, [(H1, "kod-rate", "--burst", "50"), (H2, "kod-deny", "--burst", "50")]),
]


FREQ = re.compile(r"update: synchronized .* freq ([-+0-9.]+) ppm skew ([0-9.]+) ppm")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def slope_ppm(points):
    n = len(points)
    if n < 3:
        return float("nan")
    mt = sum(t for t, _ in points) / n
    mo = sum(o for _, o in points) / n
    den = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (o - mo) for t, o in points) / den * 1e6 if den > 0 else float("nan")


def main():
    names = sys.argv[1].split(",") if len(sys.argv) > 1 else [c.name for c in CASES]
    unknown = set(names) - {c.name for c in CASES}
    if unknown:
        print(f"unknown case(s): {', '.join(sorted(unknown))}")
        return 2
    labs = []
    chrony_sources = None
    try:
        shared = netlib.Lab()
        labs.append(shared)
        good_ports = [shared.chronyd_server(), shared.chronyd_server()]
        runs = []
        for c in [c for c in CASES if c.name in names]:
            lab = netlib.Lab()
            labs.append(lab)
            conf = "".join(server_line("127.0.0.1", p) for p in good_ports[:c.good])
            logs = []
            for addr, mode, *extra in c.hostiles:
                port, log = hostile(lab, addr, mode, *extra)
                conf += server_line(addr, port)
                logs.append((addr, log))
            conf += "makestep 0.1 3\n"
            runs.append((c, lab.meridiand(conf, offset=0.0, freq=CLOCK_PPM), logs))
            if c.name == "majority":
                # The real peer beside ours: chronyd -x, a client of the same three servers.
                _, chrony_sources = lab.chronyd_client(conf)
        time.sleep(RUN)
        chrony_out = chrony_sources() if chrony_sources else None
        results = []
        for c, d, logs in runs:
            if d.proc.poll() is not None:
                raise AssertionError(f"{c.name}: meridiand exited:\n" +
                                     "\n".join(l for _, l in d.snapshot()[0]))
            cpu = cpu_seconds(d.proc.pid)
            rc = d.stop()
            log, updates = d.snapshot()
            answered = {addr: sum(1 for ln in open(f) if ln.startswith("reply "))
                        for addr, f in logs}
            results.append((c, rc, cpu, log, updates, answered))
    except netlib.Skip as e:
        print(f"SKIP: {e}")
        return netlib.SKIP
    finally:
        for lab in reversed(labs):
            lab.close()

    ok = True
    failures = []
    rows = []
    for c, rc, cpu, log, updates, answered in results:
        first = next((i for i, u in enumerate(updates) if u[1]), None)
        after = updates[first:] if first is not None else []
        err0 = abs(after[0][2] - c.expect) if after else float("inf")
        err = max((abs(u[2] - c.expect) for u in after[1:]), default=float("inf"))
        last = abs(after[-1][2] - c.expect) if after else float("inf")
        # The slope of the true offset over the second half: the residual frequency error as
        # the clock shows it (printed, not asserted: 5 updates in 10 s make it noisy).
        slope = slope_ppm([(t, o) for t, _, o in after if t >= RUN / 2])
        freqs = [(float(m.group(1)), float(m.group(2))) for _, l in log
                 for m in [FREQ.search(l)] if m]
        freq = freqs[-1][0] - CLOCK_PPM if freqs else float("inf")
        # The daemon's own bound on its frequency (slope SD x t at 99.9 %): printed beside the
        # error, as it shows the noise of the run (the bound asserted is FREQ_BOUND).
        skew = freqs[-1][1] if freqs else float("inf")
        steps = [l for _, l in log if "stepped" in l]
        hostile_addrs = [h[0] for h in c.hostiles]
        naming = {a: [l for _, l in log if a in l and "Source " not in l]
                  for a in hostile_addrs}
        other = [l for _, l in log if "update: " not in l and not re.search(r"Source \d+:", l)
                 and "meridiand --no-bus: clock" not in l and "Received signal" not in l]
        checks = [
            ("synchronized", first is not None),
            (f"error at sync {err0 * 1e3:.3f} ms <= {FIRST_BOUND * 1e3:g} ms",
             err0 <= FIRST_BOUND),
            (f"error after {err * 1e3:.3f} ms <= {c.bound * 1e3:g} ms", err <= c.bound),
            (f"|freq error| {freq:.1f} ppm <= {FREQ_BOUND:g}", abs(freq) <= FREQ_BOUND),
            (f"steps {len(steps)} <= {c.max_steps}", len(steps) <= c.max_steps),
            (f"CPU {cpu:.2f} s <= {CPU_BOUND * RUN:.2f} s", cpu <= CPU_BOUND * RUN),
            (f"other log lines {len(other)} <= {OTHER_LOG_BOUND}", len(other) <= OTHER_LOG_BOUND),
            ("exit 0 on SIGTERM", rc == 0),
        ]
        for a, lines in naming.items():
            checks.append((f"lines naming {a}: {len(lines)} <= {HOSTILE_LOG_BOUND}",
                           len(lines) <= HOSTILE_LOG_BOUND))
        if c.name == "majority":
            # chronyd, given the same three servers, marks the honest one a falseticker ('x').
            honest = [ln for ln in chrony_out.splitlines() if "127.0.0.1" in ln]
            checks.append((f"chronyd -x beside it marks the honest minority x "
                           f"({honest[0][:2] if honest else 'absent'})",
                           len(honest) == 1 and honest[0].startswith("^x")))
        if c.name == "kod-storm":
            deny = answered[H2]
            rate = answered[H1]
            checks.append((f"DENY server polled {deny} <= 2 times", 1 <= deny <= 2))
            # Polled every 2-4 s without backing off, the RATE server would get RUN/4 or more.
            checks.append((f"RATE server polled {rate} < {RUN / 4:.0f} times (backed off)",
                           rate < RUN / 4))
        bad = [label for label, good in checks if not good]
        if bad:
            ok = False
            failures.append((c, bad, log))
        n_hostile = sum(len(v) for v in naming.values())
        rows.append((c.name, err0, err, last, freq, slope, len(steps), cpu, len(log), n_hostile,
                     sum(answered.values()), "ok" if not bad else "FAIL", skew))

    print(f"hostile network, {RUN:g} s per case, cases in parallel "
          f"(bounds: error <= {FIRST_BOUND * 1e3:g} ms at sync, <= {ERROR_BOUND * 1e3:g} ms after "
          f"({ERROR_BOUND_ONE_SOURCE * 1e3:g} ms with one source), "
          f"|freq err| <= {FREQ_BOUND:g} ppm, no step, CPU <= {CPU_BOUND * RUN:.2f} s, "
          f"<= {HOSTILE_LOG_BOUND} lines per hostile source)")
    print(f"{'case':<13} {'sync ms':>8} {'max ms':>7} {'last ms':>7} {'freq err':>8} "
          f"{'skew':>6} {'slope':>6} {'steps':>5} {'CPU s':>5} {'log':>4} {'hostile':>7} {'answered':>8}"
          f"  verdict")
    for r in rows:
        print(f"{r[0]:<13} {r[1] * 1e3:>8.3f} {r[2] * 1e3:>7.3f} {r[3] * 1e3:>7.3f} "
              f"{r[4]:>8.2f} {r[12]:>6.1f} {r[5]:>6.1f} {r[6]:>5} {r[7]:>5.2f} {r[8]:>4} "
              f"{r[9]:>7} {r[10]:>8}  {r[11]}")
    print("(ms: |true offset - expected| at the first synchronized update, the worst after it, "
          "the last; freq err, the daemon's skew and slope in ppm; log: all lines, hostile: "
          "naming a hostile address; answered: requests the hostile servers answered)")
    if chrony_out is not None:
        print("majority: chronyd -x, a client of the same servers, `chronyc -n sources`:")
        print("    " + "\n    ".join(chrony_out.splitlines()))
    for c, bad, log in failures:
        print(f"{c.name}: FAILED {'; '.join(bad)}")
        # The updates from the first synchronized one on, and the last lines.
        shown = [(t, l) for t, l in log if "update: synchronized" in l][:12] + log[-12:]
        for t, l in shown:
            print(f"    {t:7.2f} {l}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
