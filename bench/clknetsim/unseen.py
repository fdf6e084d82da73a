#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Conditions the estimator was never developed on, paired against chronyd in clknetsim.

bench.py's grid and condition rows are where the core was developed and reported. A result
that holds only there is no result, so this script measures shapes of noise none of those rows
has, with the same paired method (bench.run_row: one chronyd server, chronyd and meridiand
--no-bus as clients in one simulation, same clock physics, same packet delays):

- delay distributions other than the exponential every row uses: uniform, heavy-tailed
  (Pareto, shape 1.5, infinite variance), and a route that flips to a 500 us longer path for
  30 % of the packets;
- a frequency that is not a random walk: a temperature-like swing (2 ppm, 3 h period) and
  5 ppm steps every 2500 s, each on top of a small random walk;
- the ends of the scale: 1 us and 10 ms of jitter, and 10 ms base delay with 1 ms jitter.

Nothing in the core was set from these rows; the seeds default to 1001 on, a range no bench
or test uses. Usage: unseen.py [--seeds N] [--seed-base B] [--only SUBSTRING]
"""
import argparse
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (puts tests/clknetsim on the path)
import cksim  # noqa: E402

random_walk = cksim.wander_series
exponential = cksim.jitter_series


def temperature_swing(rng, seconds, freq_offset, wander):
    walk = random_walk(rng, seconds, freq_offset, wander)
    return [f + 2e-6 * math.sin(2 * math.pi * t / 10800) for t, f in enumerate(walk)]


def frequency_steps(rng, seconds, freq_offset, wander):
    walk = random_walk(rng, seconds, freq_offset, wander)
    return [f + (5e-6 if (t // 2500) % 2 else 0.0) for t, f in enumerate(walk)]


def pareto(rng, count, jitter, dist="exponential"):
    """Pareto (Lomax) delays of mean @jitter, shape 1.5: a few packets wait very long."""
    shape = 1.5
    scale = jitter * (shape - 1)
    return [scale * ((1 - rng.random()) ** (-1 / shape) - 1) for _ in range(count)]


def route_flap(rng, count, jitter, dist="exponential"):
    return [jitter * rng.expovariate(1.0) + (5e-4 if rng.random() < 0.3 else 0.0)
            for _ in range(count)]


# name, Simulation keywords, wander (per s), frequency series, delay series
ROWS = [
    ("uniform jitter 100 us, 1e-9", dict(jitter=1e-4, jitter_dist="uniform"), 1e-9, None, None),
    ("Pareto jitter 100 us, 1e-9", dict(jitter=1e-4), 1e-9, None, pareto),
    ("route flap +500 us, 1e-9", dict(jitter=1e-4), 1e-9, None, route_flap),
    ("2 ppm / 3 h swing, 10 us", dict(jitter=1e-5), 1e-10, temperature_swing, None),
    ("5 ppm steps / 2500 s, 10 us", dict(jitter=1e-5), 1e-10, frequency_steps, None),
    ("jitter 10 ms, 1e-9", dict(jitter=1e-2), 1e-9, None, None),
    ("jitter 1 us, 1e-9", dict(jitter=1e-6), 1e-9, None, None),
    ("base 10 ms, jitter 1 ms, 1e-8", dict(jitter=1e-3, base_delay=1e-2), 1e-8, None, None),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=16)
    ap.add_argument("--seed-base", type=int, default=1001)
    ap.add_argument("--only", default="", help="only the rows whose name contains this")
    ap.add_argument("--compare", default=None, help="as bench.py's --compare")
    args = ap.parse_args()
    seeds = list(range(args.seed_base, args.seed_base + args.seeds))
    print("== clknetsim, conditions nothing was developed on: chronyd 4.3 server; chronyd and "
          "meridiand --no-bus as clients, same noise ==")
    print(f"   `server 192.168.123.1`, start 0.1 s off and 100 ppm fast; 10000 s, figures "
          f"after 1000 s; seeds {seeds[0]}-{seeds[-1]}")
    print()
    hdr = (f"{'condition':>30} | {'RMS chronyd':>11} {'RMS meridian':>12} "
           f"{'diff (m-c) +- SE':>19} {'':1} | {'max chronyd':>11} {'max meridian':>12} | "
           f"{'req c':>6} {'req m':>6}" + bench.compare_header(args))
    print(hdr)
    print("-" * len(hdr))
    for name, kw, wander, freq_series, delay_series in ROWS:
        if args.only not in name:
            continue
        cksim.wander_series = freq_series or random_walk
        cksim.jitter_series = delay_series or exponential
        kw = dict(kw)
        kw.setdefault("base_delay", 1e-4)
        out = bench.run_row(args, "server 192.168.123.1", wander, 10000, 1000, seeds, **kw)
        print(f"{name:>30} | {bench.row_text(out)}", flush=True)
    print("   mark: '<' meridiand's RMS significantly lower, '>' significantly higher, '~' not "
          "significant (paired t-test, 5 %)")


if __name__ == "__main__":
    try:
        main()
    except cksim.Skip as e:
        print(f"skipped: {e}")
        sys.exit(77)
