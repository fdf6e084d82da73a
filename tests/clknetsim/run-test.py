#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs one clknetsim scenario with the given client and checks chrony's limits.

Usage: run-test.py --client chronyd|meridiand SCENARIO
       run-test.py --list
Exit status: 0 pass, 1 fail (a limit not met), 77 skipped (clknetsim or meridiand --no-bus
not available), 99 the harness itself broke (meson counts that as an error even where a test
is marked should_fail, so an expected failure can only be a limit not met)."""

import argparse
import math
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cksim  # noqa: E402
from scenarios import SCENARIOS  # noqa: E402


def check(label, ok):
    print(f"      {label:<58} {'OK' if ok else 'BAD'}")
    return ok


def utc_offsets(r, leap_at, settle, reset):
    """After a second inserted into UTC at leap_at (s into the run), the figures against UTC:
    the reference time's offset plus the second from the leap on (clknetsim's reference has
    no leap). The `settle` seconds from the leap on are left out, and so are the limits'
    figures before `reset`, as clknetsim's own statistics start there."""
    r.offset = [o + (1.0 if t >= leap_at else 0.0) for t, o in enumerate(r.offset)]
    keep = [t for t in range(len(r.offset))
            if t >= reset and not leap_at <= t < leap_at + settle]
    for t in range(leap_at, min(leap_at + settle, len(r.offset))):
        r.offset[t] = 0.0   # not judged: sync_time must not count them
        r.freq[t] = 0.0
    offs = [r.offset[t] for t in keep]
    freqs = [r.freq[t] for t in keep]
    r.max_time = max(abs(o) for o in offs)
    r.rms_time = math.sqrt(sum(o * o for o in offs) / len(offs))
    r.max_freq = max(abs(f) for f in freqs)
    r.rms_freq = math.sqrt(sum(f * f for f in freqs) / len(freqs))


def run_one(run, client_kind):
    p = run.p
    print(f"  {run.name}:")
    for k, v in sorted(run.nondefault.items()):
        if k in ("delay_wrap", "extra_checks", "server_nodes"):
            v = getattr(v, "__name__", "custom")
        print(f"    {k}={v!r}")
    sim = run.build(client_kind)
    ok = True
    try:
        res = sim.run()
        client = max(n.index for n in sim.nodes if n.is_client)
        r = res[client]
        if p["utc_leap_at"] is not None:
            utc_offsets(r, p["utc_leap_at"], p["leap_settle"], p["max_sync_time"])
        st = cksim.sync_time(r.offset, r.freq, p["time_max_limit"], p["freq_max_limit"])
        print(f"    node {client} ({client_kind}): sync {st} s, max/rms time "
              f"{r.max_time:.2e}/{r.rms_time:.2e} s, max/rms freq "
              f"{r.max_freq:.2e}/{r.rms_freq:.2e}, requests {r.requests}")
        ok &= check(f"sync time {st} in [{p['min_sync_time']}, {p['max_sync_time']}]",
                    p["min_sync_time"] <= st <= p["max_sync_time"])
        ok &= check(f"max |offset| {r.max_time:.3e} <= {p['time_max_limit']:g}",
                    r.max_time <= p["time_max_limit"])
        ok &= check(f"max |freq| {r.max_freq:.3e} <= {p['freq_max_limit']:g}",
                    r.max_freq <= p["freq_max_limit"])
        ok &= check(f"rms offset {r.rms_time:.3e} <= {p['time_rms_limit']:g}",
                    r.rms_time <= p["time_rms_limit"])
        ok &= check(f"rms freq {r.rms_freq:.3e} <= {p['freq_rms_limit']:g}",
                    r.rms_freq <= p["freq_rms_limit"])
        for extra in p["extra_checks"]:
            good, label = extra(res, client)
            ok &= check(label, good)
        if client_kind == "chronyd":
            # chrony's check_chronyd_exit: every chronyd ended cleanly on SIGTERM.
            for n in sim.nodes:
                if n.kind in ("chronyd", "chronyd-server"):
                    last = res[n.index].log.rstrip().splitlines()[-1:]
                    ok &= check(f"node {n.index} chronyd exited cleanly",
                                bool(last) and "chronyd exiting" in last[0])
        if not ok:
            print(f"    client log (node {client}), last lines:")
            for line in r.log.splitlines()[-15:]:
                print("      " + line)
            print(f"    work dir kept: {sim.dir}")
            sim.keep = True
    finally:
        sim.cleanup()
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", choices=("chronyd", "meridiand"), default="chronyd")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("scenario", nargs="?")
    a = ap.parse_args()
    if a.list or not a.scenario:
        for name, fn in SCENARIOS.items():
            print(f"{name:20} {fn.__doc__.splitlines()[0]}")
        return 0
    fn = SCENARIOS[a.scenario]
    print(f"Testing {a.scenario} with {a.client} as the client: {fn.__doc__.splitlines()[0]}")
    try:
        cksim.find_clknetsim()
        if a.client == "meridiand":
            cksim.find_meridiand()
        ok = True
        for run in fn():
            ok &= run_one(run, a.client)
    except cksim.Skip as e:
        print(f"SKIP: {e}")
        return cksim.SKIP
    except Exception:
        traceback.print_exc()
        print("ERROR: the harness failed (not a limit)")
        return 99
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
