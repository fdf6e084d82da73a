#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Time to synchronize, like for like: chronyd and meridiand as clients of one chronyd server in
clknetsim, both starting with the seed's clock error, each clock's true error recorded by the
simulator.

bench.py's loopback part cannot compare this fairly: chronyd -x never corrects a clock, so its
"time to sync" is how soon its estimate settles on a clock that was right all along, while
meridiand has 0.5 s to slew out. In clknetsim both clients own a simulated clock that starts
wrong by the same amount, and the simulator records each clock's true error every second.

Setup (the README's demo, tests/clknetsim/scenarios.py's "seed"): `server 192.168.123.1
prefer iburst minpoll 4 maxpoll 4`, `makestep 1 3` (0.5 s is not stepped: it is slewed at the
backend's full range), the clock 0.5 s off and 23.054 ppm slow, wander 1e-9 per s. The network
is bench.py loopback's relay: 1 ms each way plus exponential jitter of mean 200 us. Time to
sync: the first second after which the true error stays within the limit (cksim.sync_time),
for 1 ms and 100 us, over 1000 simulated seconds; per seed, paired.

Usage: sync_time.py [--seeds N] [--seed-base B]
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (puts tests/clknetsim on the path)
import cksim  # noqa: E402

LINE = "server 192.168.123.1 prefer iburst minpoll 4 maxpoll 4\nmakestep 1 3"
LIMITS = (1e-3, 1e-4)


def one_seed(seed, compare):
    kinds = [("chronyd", None), ("meridiand", None)] + ([("meridiand", compare)] if compare
                                                         else [])
    nodes = [cksim.Node("chronyd-server")] + [
        cksim.Node(kind, conf=LINE, offset=0.5, freq_offset=-23.054e-6, wander=1e-9,
                   binary=binary) for kind, binary in kinds]
    sim = cksim.Simulation(nodes, limit=1000, reset=0, seed=seed, base_delay=1e-3,
                           jitter=2e-4)
    try:
        res = sim.run()
    finally:
        sim.cleanup()
    inf = [float("inf")] * len(res[2].offset)
    return [[cksim.sync_time(res[i].offset, inf, limit, float("inf")) for limit in LIMITS]
            + [res[i].requests_to.get(1, 0)] for i in range(2, len(nodes) + 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=16)
    ap.add_argument("--seed-base", type=int, default=1101)
    ap.add_argument("--compare", metavar="MERIDIAND",
                    help="another meridiand (e.g. main's build) as a third client")
    args = ap.parse_args()
    try:
        cksim.find_clknetsim()
        cksim.find_meridiand()
    except cksim.Skip as e:
        print(f"cannot run: {e}")
        return 77
    seeds = list(range(args.seed_base, args.seed_base + args.seeds))
    rows = [one_seed(s, args.compare) for s in seeds]
    print("== time to synchronize in clknetsim: the seed's setup (0.5 s off, 23.054 ppm slow, "
          "iburst minpoll 4 maxpoll 4, makestep 1 3), true clock error ==")
    print(f"   1 ms + exponential 200 us each way, wander 1e-9; seeds {seeds[0]}-{seeds[-1]}; "
          "seconds until the true error stays within the limit")
    print()
    names = ["chronyd", "meridiand"] + (["other meridiand"] if args.compare else [])
    for k, limit in enumerate(LIMITS):
        per = [[r[i][k] for r in rows] for i in range(len(names))]
        text = "   ".join(f"{n} {statistics.fmean(v):.1f} [{min(v)}, {max(v)}]"
                           for n, v in zip(names, per))
        mean, se, mark = bench.paired(per[1], per[0])
        print(f"   within {limit * 1e6:g} us: {text};   meridiand - chronyd {mean:+.1f} +- "
              f"{se:.1f} s {mark}")
    req = [[r[i][2] for r in rows] for i in range(len(names))]
    print("   requests in 1000 s: " + "   ".join(f"{n} {statistics.fmean(v):.0f}"
                                                 for n, v in zip(names, req)))
    print("   mark: '<' meridiand significantly sooner, '>' later, '~' not significant "
          "(paired t-test, 5 %); [min, max] over the seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
