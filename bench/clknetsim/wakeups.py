#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Wake-ups with the system clock: chronyd and meridiand --no-bus each disciplining a clock,
counted by the simulator.

bench.py's loopback part counts wake-ups of chronyd -x, which never touches a clock, against
our virtual clock, which ends its slews itself. Neither is what runs on a server: there chronyd
drives the kernel clock through adjtimex (its sys_generic slews end on a timer of its own when
they end before the next update) and meridiand through clock_adjtime (the kernel cannot end a
slew by itself, so the engine's timer does). Outside a simulation that cannot be measured
without setting the machine's clock. In clknetsim both clients own a simulated kernel clock,
and every sleep goes through the simulator's select(): a debug build of its server (the same
source with -DDEBUG, built here next to the plain one) logs each call and each return. A
wake-up is a select() that returned later than it was called (the process slept and something
woke it: a timer or a packet), which is what the kernel's voluntary context switch count,
Part 2's figure, counts. Both clients are in the same simulation, with the same noise.

Rows: default polling (`server 192.168.123.1`; counted from 20 000 s, when both poll at 1024
s, to 100 000 s) and a fixed 16 s poll (`minpoll 4 maxpoll 4`; from 1000 to 10 000 s); jitter
100 us, wander 1e-9. Per seed, paired; wake-ups per simulated hour and requests sent.

Usage: wakeups.py [--seeds N] [--seed-base B] [--compare MERIDIAND]

--compare: another meridiand (e.g. main's build) as a third client in every simulation, same
noise; its wake-ups and ours minus them, paired.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (puts tests/clknetsim on the path)
import cksim  # noqa: E402

ROWS = [
    ("default polling", "server 192.168.123.1", 100000, 20000),
    ("minpoll 4 maxpoll 4", "server 192.168.123.1 minpoll 4 maxpoll 4", 10000, 1000),
]

CALL = re.compile(r"^select called with timeout \S+ read \d+ in (\d+) at (\S+)")
RETURN = re.compile(r"^select returned (?:on timeout|for packet) in (\d+) at (\S+)")


def debug_clknetsim():
    """A clknetsim server built with -DDEBUG (it prints every select() call and return) beside
    the plain client library; the directory, for CLKNETSIM_PATH."""
    plain = cksim.find_clknetsim()
    out = os.path.join(cksim.BUILD_ROOT, "clknetsim-debug")
    if cksim._has_built(out) and (os.path.getmtime(os.path.join(out, "clknetsim"))
                                  >= os.path.getmtime(os.path.join(plain, "clknetsim"))):
        return out
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(os.path.join(plain, "src"), os.path.join(out, "src"))
    r = subprocess.run(["make", "-C", os.path.join(out, "src"), "clean", "clknetsim",
                        "CFLAGS=-O2 -g -fPIC -Wall -DDEBUG", "LDFLAGS="],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError("building clknetsim with -DDEBUG failed:\n" + r.stdout)
    shutil.copy(os.path.join(out, "src", "clknetsim"), os.path.join(out, "clknetsim"))
    shutil.copy(os.path.join(plain, "clknetsim.so"), os.path.join(out, "clknetsim.so"))
    return out


def count_wakeups(stats_path, nodes, since):
    """Per node index (0-based, the server's numbering), the selects that returned later than
    they were called, at or after `since` seconds of the node's own clock."""
    called, woke = {}, {i: 0 for i in range(nodes)}
    with open(stats_path) as f:
        for line in f:
            m = CALL.match(line)
            if m:
                called[int(m.group(1))] = float(m.group(2))
                continue
            m = RETURN.match(line)
            if m:
                node, t = int(m.group(1)), float(m.group(2))
                if t >= since and t > called.get(node, t) + 1e-9:
                    woke[node] += 1
    return woke


def one_seed(seed, line, limit, since, compare):
    nodes = [cksim.Node("chronyd-server"),
             cksim.Node("chronyd", conf=line, offset=0.1, freq_offset=1e-4, wander=1e-9),
             cksim.Node("meridiand", conf=line, offset=0.1, freq_offset=1e-4, wander=1e-9)]
    if compare:
        nodes.append(cksim.Node("meridiand", conf=line, offset=0.1, freq_offset=1e-4,
                                wander=1e-9, binary=compare))
    sim = cksim.Simulation(nodes, limit=limit, reset=since, seed=seed, keep=True)
    try:
        res = sim.run()
        woke = count_wakeups(sim.path("stats"), len(nodes), since)
    finally:
        shutil.rmtree(sim.dir, ignore_errors=True)
    hours = (limit - since) / 3600.0
    return [(woke[i - 1] / hours, res[i].requests, res[i].rms_time)
            for i in range(2, len(nodes) + 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--seed-base", type=int, default=1301)
    ap.add_argument("--compare", metavar="MERIDIAND",
                    help="another meridiand (e.g. main's build) as a third client")
    args = ap.parse_args()
    try:
        os.environ["CLKNETSIM_PATH"] = debug_clknetsim()
        cksim.find_meridiand()
    except cksim.Skip as e:
        print(f"cannot run: {e}")
        return 77
    seeds = list(range(args.seed_base, args.seed_base + args.seeds))
    print("== wake-ups disciplining a kernel clock in clknetsim: chronyd and meridiand "
          "--no-bus, same simulation, same noise ==")
    print(f"   jitter 100 us, wander 1e-9; seeds {seeds[0]}-{seeds[-1]}; a wake-up is a "
          "select() that returned later than it was called")
    print()
    print(f"{'row':>22} | {'chronyd /h':>18} {'meridiand /h':>18} {'diff (m-c) +- SE':>18}"
          f" | {'req c':>6} {'req m':>6} | {'RMS c':>8} {'RMS m':>8}"
          + (f" | {'other /h':>8} {'diff (m-o) +- SE':>18}" if args.compare else ""))
    for name, line, limit, since in ROWS:
        per = [one_seed(s, line, limit, since, args.compare) for s in seeds]
        wc, wm = [p[0][0] for p in per], [p[1][0] for p in per]
        mean, se, mark = bench.paired(wm, wc)
        rq = [statistics.fmean(p[i][1] for p in per) for i in (0, 1)]
        rms = [statistics.fmean(p[i][2] for p in per) for i in (0, 1)]
        print(f"{name:>22} | {statistics.fmean(wc):6.1f} [{min(wc):5.1f},{max(wc):5.1f}]"
              f" {statistics.fmean(wm):6.1f} [{min(wm):5.1f},{max(wm):5.1f}]"
              f" {mean:+7.1f} +- {se:5.1f} {mark} | {rq[0]:6.0f} {rq[1]:6.0f} |"
              f" {bench.fmt_s(rms[0])} {bench.fmt_s(rms[1])}", end="")
        if args.compare:
            wo = [p[2][0] for p in per]
            mo, so, ko = bench.paired(wm, wo)
            print(f" | {statistics.fmean(wo):8.1f} {mo:+7.1f} +- {so:5.1f} {ko}", end="")
        print()
    print("   mark: '<' meridiand significantly fewer, '>' more, '~' not significant (paired "
          "t-test, 5 %); [min, max] over the seeds; requests over the whole run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
