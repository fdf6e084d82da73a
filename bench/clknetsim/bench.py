#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""meridiand --no-bus beside chronyd 4.3, measured in one run.

Part 1, clknetsim: one chronyd server and two clients in the same simulation, chronyd and
meridiand, whose clocks get the very same frequency wander and whose packets get the very
same delays (shared noise files, see tests/clknetsim/cksim.py). Over a grid of network
jitter and clock wander, for several seeds: RMS and max true time error after convergence,
requests sent, and the paired per-seed difference of RMS error (meridiand - chronyd) with its
standard error and a two-sided t-test at 5 %.

Part 2, loopback through our relay (tests/tools/mrd-udp-relay): one real chronyd -x server,
two clients at the same time each behind its own relay with the same settings and seed:
meridian-engine --no-bus --clock virtual (the plain daemon in the lean engine executable; 0.5 s
off, 23.054 ppm slow, the seed's line) and
chronyd -x (which measures and selects but does not touch the clock, so its estimate of the
clock's error is its error: the real clock is the server's). Time to synchronize (first time
within 1 ms and staying there), RMS error after it, RSS, CPU seconds, and wake-ups per hour
while idle (context switches from /proc/PID/task/*/schedstat over an idle window). Beside
them, for memory and wake-ups: meridiand on a private bus with its sandboxed engine child,
and chronyd -x -F 1 (the seccomp filter Debian starts chronyd with, which adds a helper
process).

Usage: bench.py [--quick] [--seeds N] [--seed-base B] [--jitter J] [--wander W]
                [--compare MERIDIAND] [--no-sim] [--no-grid] [--no-loopback] [--xleave]
                [--serving]

--xleave: only interleaved mode, in clknetsim: chronyd and meridiand with `xleave` and each
without it, four clients of one chronyd server in one simulation, same noise.
--serving: only the time served downstream, in clknetsim (also run after the conditions):
chronyd and meridiand as clients of one chronyd server, each serving (`allow`) a chronyd
client of its own, the two chains on the same noise.
"""

import argparse
import math
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
os.environ.setdefault("MERIDIAN_SOURCE_ROOT", ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "clknetsim"))
sys.path.insert(0, os.path.join(ROOT, "tests", "net"))
import cksim  # noqa: E402
import netlib  # noqa: E402

# Two-sided 5 % critical values of Student's t by degrees of freedom.
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
       9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131,
       19: 2.093, 24: 2.064, 29: 2.045}


def t_crit(df):
    keys = sorted(k for k in T95 if k <= df)
    return T95[keys[-1]] if keys else float("inf")


def paired(ms, cs):
    """mean difference, its standard error, and a significance mark ('<' meridiand lower,
    '>' higher, '~' not significant at 5 %)."""
    d = [m - c for m, c in zip(ms, cs)]
    n = len(d)
    mean = statistics.fmean(d)
    if n < 2:
        return mean, float("nan"), "?"
    se = statistics.stdev(d) / math.sqrt(n)
    if se == 0:
        return mean, se, "~" if mean == 0 else ("<" if mean < 0 else ">")
    t = mean / se
    mark = "~" if abs(t) < t_crit(n - 1) else ("<" if mean < 0 else ">")
    return mean, se, mark


def fmt_s(v):
    if not math.isfinite(v):
        return "   inf"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if abs(v) >= scale or unit == "ns":
            return f"{v / scale:6.1f}{unit}" if unit != "s" else f"{v:6.2f}s"


# ---------------------------------------------------------------------------------------------

def seed_list(args):
    """Seeds seed_base .. seed_base + N - 1: a range nobody developed on (--seed-base 101)
    shows whether a difference holds beyond the seeds it was tuned on."""
    n = args.seeds or (3 if args.quick else 8)
    return list(range(args.seed_base, args.seed_base + n))


def run_row(args, line, wander, limit, reset, seeds, **sim_kw):
    """One row: per seed, one simulation with the chronyd server, chronyd and meridiand as
    clients (and, with --compare, the other meridiand as a third client on the same noise).
    Returns per-client lists of (rms, max, requests) and prints nothing."""
    out = {"c": [], "m": [], "o": []}
    for seed in seeds:
        nodes = [cksim.Node("chronyd-server"),
                 cksim.Node("chronyd", conf=line, offset=0.1, freq_offset=1e-4, wander=wander),
                 cksim.Node("meridiand", conf=line, offset=0.1, freq_offset=1e-4,
                            wander=wander)]
        if args.compare:
            nodes.append(cksim.Node("meridiand", conf=line, offset=0.1, freq_offset=1e-4,
                                    wander=wander, binary=args.compare))
        sim = cksim.Simulation(nodes, limit=limit, reset=reset, seed=seed, **sim_kw)
        try:
            res = sim.run()
        finally:
            sim.cleanup()
        for key, i in (("c", 2), ("m", 3), ("o", 4)):
            if i <= len(nodes):
                out[key].append((res[i].rms_time, res[i].max_time, res[i].requests))
    return out


def row_text(out):
    """RMS chronyd, RMS meridiand, paired difference and mark, max of each, requests; then,
    with --compare, the other meridiand's RMS and ours minus it."""
    rc, rm = [v[0] for v in out["c"]], [v[0] for v in out["m"]]
    mean, se, mark = paired(rm, rc)
    text = (f"{fmt_s(statistics.fmean(rc)):>11} {fmt_s(statistics.fmean(rm)):>12} "
            f"{fmt_s(mean):>9} +- {fmt_s(se):>7} {mark:1} | "
            f"{fmt_s(max(v[1] for v in out['c'])):>11} {fmt_s(max(v[1] for v in out['m'])):>12} | "
            f"{statistics.fmean(v[2] for v in out['c']):6.0f} "
            f"{statistics.fmean(v[2] for v in out['m']):6.0f}")
    if out["o"]:
        ro = [v[0] for v in out["o"]]
        om, ose, omark = paired(rm, ro)
        text += (f" | {fmt_s(statistics.fmean(ro)):>9} {fmt_s(om):>9} +- {fmt_s(ose):>7} "
                 f"{omark:1} {statistics.fmean(v[2] for v in out['o']):6.0f}")
    return text


def compare_header(args):
    return (f" | {'RMS other':>9} {'diff (m-o) +- SE':>19} {'':1} {'req o':>6}"
            if args.compare else "")


def sim_part(args):
    jitters = [1e-5, 1e-4, 1e-3] if not args.quick else [1e-4, 1e-3]
    wanders = [1e-10, 1e-9, 1e-8] if not args.quick else [1e-9, 1e-8]
    if args.jitter:
        jitters = args.jitter
    if args.wander:
        wanders = args.wander
    seeds = seed_list(args)
    limit = 4000 if args.quick else 10000
    reset = 1000
    print("== clknetsim: chronyd 4.3 server; chronyd and meridiand --no-bus as clients in the "
          "same simulation, same noise ==")
    print(f"   client: `server 192.168.123.1` (default polling), start 0.1 s off and 100 ppm "
          f"fast; {limit} s simulated, figures after {reset} s; seeds {seeds[0]}-{seeds[-1]}")
    print(f"   base delay {args.base_delay * 1e6:g} us each way + exponential jitter; wander = "
          f"random walk of the frequency, per second")
    print()
    hdr = (f"{'jitter':>7} {'wander':>7} | {'RMS chronyd':>11} {'RMS meridian':>12} "
           f"{'diff (m-c) +- SE':>19} {'':1} | {'max chronyd':>11} {'max meridian':>12} | "
           f"{'req c':>6} {'req m':>6}" + compare_header(args))
    print(hdr)
    print("-" * len(hdr))
    for jitter in jitters:
        for wander in wanders:
            out = run_row(args, "server 192.168.123.1", wander, limit, reset, seeds,
                          base_delay=args.base_delay, jitter=jitter)
            print(f"{jitter:7.0e} {wander:7.0e} | {row_text(out)}", flush=True)
    print("   mark: '<' meridiand's RMS significantly lower, '>' significantly higher, '~' not "
          "significant (paired t-test, 5 %)")
    print()


def _quiet(series):
    """A delay_wrap that takes the jitter off one direction (its series still read, so the
    other direction's draws stay those of the symmetric rows)."""
    def wrap(expr, src, dst):
        return expr.replace('(file "', '(* 0 (file "') + ")" if series in expr else expr
    return wrap


def conditions_part(args):
    """The conditions of the clknetsim scenarios that are not a jitter x wander cell, both
    clients in one simulation with the same noise, as in the grid."""
    from scenarios import _outage, _every_20th  # noqa: E402
    seeds = seed_list(args)
    conds = [
        # name, client server options, jitter, wander, delay_wrap, limit, reset
        ("poll 4, jitter 1 us, no wander", "minpoll 4 maxpoll 4", 1e-6, 0.0, None, 160, 34),
        ("up 1200 s in every 10 000 s", "", 1e-4, 1e-9, _outage, 100000, 210),
        ("every 20th request answered", "", 1e-4, 1e-9, _every_20th, 100000, 22000),
        # Queueing one way only (an uplink that congests; a reply path that does): the
        # estimated asymmetry's case (service/ntp/ntp-asym.h).
        ("jitter 100 us to the server only", "", 1e-4, 1e-9, _quiet("jitter.down"), 10000, 1000),
        ("jitter 100 us from the server only", "", 1e-4, 1e-9, _quiet("jitter.up"), 10000, 1000),
    ]
    print("== clknetsim, other conditions (chrony's scenarios): same server, both clients in one "
          "simulation, same noise ==")
    print(f"   start 0.1 s off and 100 ppm fast; figures after the scenario's latest sync time; "
          f"seeds {seeds[0]}-{seeds[-1]}")
    print()
    hdr = (f"{'condition':>30} | {'RMS chronyd':>11} {'RMS meridian':>12} "
           f"{'diff (m-c) +- SE':>19} {'':1} | {'max chronyd':>11} {'max meridian':>12} | "
           f"{'req c':>6} {'req m':>6}" + compare_header(args))
    print(hdr)
    print("-" * len(hdr))
    for name, opts, jitter, wander, wrap, limit, reset in conds:
        if args.quick and limit > 10000:
            limit //= 10
            reset = min(reset, limit // 4)
        line = f"server 192.168.123.1 {opts}".rstrip()
        out = run_row(args, line, wander, limit, reset, seeds, base_delay=1e-4, jitter=jitter,
                      delay_wrap=wrap)
        print(f"{name:>30} | {row_text(out)}", flush=True)
    print("   mark: as above")
    print()


def serving_part(args):
    """Time served downstream: a chronyd server (stratum 1); chronyd and meridiand as its
    clients, each serving (`allow`); a chronyd client of each. Both middle links read one
    jitter series, both downstream links another, so the two chains see the same noise; paired
    per seed, the downstream clients' errors say whose served time is the better to follow."""
    seeds = seed_list(args)
    jitters = args.jitter or [1e-5, 1e-4]
    wanders = args.wander or [1e-9]
    limit = 4000 if args.quick else 10000
    reset = 1000
    print("== clknetsim, serving: chronyd server -> {chronyd | meridiand} serving (`allow`) -> "
          "a chronyd client of each, same noise ==")
    print(f"   `server ADDRESS` (default polling) at each hop, start 0.1 s off and 100 ppm fast; "
          f"{limit} s simulated, figures after {reset} s; seeds {seeds[0]}-{seeds[-1]}")
    print()
    hdr = (f"{'jitter':>7} {'wander':>7} | {'mid c':>9} {'mid m':>9} {'m - c +- SE':>20} {'':1} | "
           f"{'down of c':>9} {'down of m':>9} {'m - c +- SE':>20} {'':1}")
    print(hdr)
    print("-" * len(hdr))
    for jitter in jitters:
        for wander in wanders:
            got = {k: [] for k in ("mc", "mm", "dc", "dm")}
            for seed in seeds:
                nodes = [cksim.Node("chronyd-server"),
                         cksim.Node("chronyd", conf="server 192.168.123.1\nallow", offset=0.1,
                                    freq_offset=1e-4, wander=wander),
                         cksim.Node("meridiand", conf="server 192.168.123.1\nallow", offset=0.1,
                                    freq_offset=1e-4, wander=wander),
                         cksim.Node("chronyd", conf="server 192.168.123.2", offset=0.1,
                                    freq_offset=1e-4, wander=wander),
                         cksim.Node("chronyd", conf="server 192.168.123.3", offset=0.1,
                                    freq_offset=1e-4, wander=wander)]
                links = [(2, 1, "up"), (3, 1, "up"), (4, 2, "down"), (5, 3, "down")]
                sim = cksim.Simulation(nodes, limit=limit, reset=reset, seed=seed,
                                       base_delay=args.base_delay, jitter=jitter, links=links)
                try:
                    res = sim.run()
                finally:
                    sim.cleanup()
                for key, i in (("mc", 2), ("mm", 3), ("dc", 4), ("dm", 5)):
                    got[key].append(res[i].rms_time)
            d1, se1, mk1 = paired(got["mm"], got["mc"])
            d2, se2, mk2 = paired(got["dm"], got["dc"])
            print(f"{jitter:7.0e} {wander:7.0e} | {fmt_s(statistics.fmean(got['mc'])):>9} "
                  f"{fmt_s(statistics.fmean(got['mm'])):>9} {fmt_s(d1):>10} +- {fmt_s(se1):>7} "
                  f"{mk1:1} | {fmt_s(statistics.fmean(got['dc'])):>9} "
                  f"{fmt_s(statistics.fmean(got['dm'])):>9} {fmt_s(d2):>10} +- {fmt_s(se2):>7} "
                  f"{mk2:1}", flush=True)
    print("   mark: '<' meridiand's chain significantly lower, '>' higher, '~' not significant")
    print()


def xleave_part(args):
    """Interleaved mode: four clients of one chronyd server in the same simulation, same
    noise: chronyd and meridiand with `xleave`, and each without it. Paired per seed:
    meridiand xleave - chronyd xleave, and meridiand xleave - meridiand basic."""
    seeds = seed_list(args)
    jitters = args.jitter or [1e-5, 1e-4]
    wanders = args.wander or [1e-9]
    limit = 4000 if args.quick else 10000
    reset = 1000
    print("== clknetsim, interleaved mode: chronyd server; chronyd and meridiand with and "
          "without `xleave`, all four in one simulation, same noise ==")
    print(f"   `server 192.168.123.1 [xleave]`, start 0.1 s off and 100 ppm fast; {limit} s "
          f"simulated, figures after {reset} s; seeds {seeds[0]}-{seeds[-1]}")
    print()
    hdr = (f"{'jitter':>7} {'wander':>7} | {'RMS c xl':>9} {'RMS m xl':>9} "
           f"{'m xl - c xl +- SE':>20} {'':1} | {'RMS c':>9} {'RMS m':>9} "
           f"{'m xl - m +- SE':>20} {'':1} | {'req cx':>6} {'req mx':>6}")
    print(hdr)
    print("-" * len(hdr))
    kinds = (("cx", "chronyd", " xleave"), ("mx", "meridiand", " xleave"),
             ("c", "chronyd", ""), ("m", "meridiand", ""))
    for jitter in jitters:
        for wander in wanders:
            got = {k: [] for k, _, _ in kinds}
            for seed in seeds:
                nodes = [cksim.Node("chronyd-server")] + [
                    cksim.Node(kind, conf="server 192.168.123.1" + opt, offset=0.1,
                               freq_offset=1e-4, wander=wander) for _, kind, opt in kinds]
                sim = cksim.Simulation(nodes, limit=limit, reset=reset, seed=seed,
                                       base_delay=args.base_delay, jitter=jitter)
                try:
                    res = sim.run()
                finally:
                    sim.cleanup()
                for i, (key, _, _) in enumerate(kinds):
                    got[key].append((res[i + 2].rms_time, res[i + 2].requests))
            r = {k: [v[0] for v in got[k]] for k in got}
            d1, se1, mk1 = paired(r["mx"], r["cx"])
            d2, se2, mk2 = paired(r["mx"], r["m"])
            print(f"{jitter:7.0e} {wander:7.0e} | {fmt_s(statistics.fmean(r['cx'])):>9} "
                  f"{fmt_s(statistics.fmean(r['mx'])):>9} {fmt_s(d1):>10} +- {fmt_s(se1):>7} "
                  f"{mk1:1} | {fmt_s(statistics.fmean(r['c'])):>9} "
                  f"{fmt_s(statistics.fmean(r['m'])):>9} {fmt_s(d2):>10} +- {fmt_s(se2):>7} "
                  f"{mk2:1} | {statistics.fmean(v[1] for v in got['cx']):6.0f} "
                  f"{statistics.fmean(v[1] for v in got['mx']):6.0f}", flush=True)
    print("   mark: '<' the first significantly lower, '>' higher, '~' not significant "
          "(paired t-test, 5 %)")
    print()


# ---------------------------------------------------------------------------------------------

def xleave_loopback_part(args):
    """Interleaved mode on loopback, no relay (its jitter would hide a send path of tens of
    microseconds): one chronyd -x server; four clients at once, polling every second:
    meridian-engine --no-bus (virtual clock 0.5 s off, 23.054 ppm slow) with and without
    `xleave`, and chronyd -x with and without it. Error after sync: meridian's virtual clock
    against CLOCK_REALTIME (the server's clock) at each update; chronyd's "System time" every
    second (with -x the real clock is the server's, so its estimate is its error). Mean and
    RMS over the second half of each run; spread over the runs."""
    run_s = args.run_s or 60
    runs = args.runs or 3
    print("== loopback, interleaved mode: one chronyd -x server; meridian-engine and chronyd -x, "
          "each with and without `xleave`, all four at once, no relay ==")
    print(f"   `server 127.0.0.1 port N iburst minpoll 0 maxpoll 0 [xleave]`, `makestep 1 3`; "
          f"{runs} run(s) of {run_s} s; figures over each run's second half", flush=True)
    keys = ("mx", "m", "cx", "c")
    res = {k: [] for k in keys}
    inter = []
    for _ in range(runs):
        lab = netlib.Lab()
        try:
            sport = lab.chronyd_server()
            ssock = os.path.join(lab.dir, f"chronyd{lab.n}", "chronyd.sock")
            line = f"server 127.0.0.1 port {sport} iburst minpoll 0 maxpoll 0"
            ds = {k: lab.meridiand(f"{line}{' xleave' if k == 'mx' else ''}\nmakestep 1 3\n",
                                   offset=0.5, freq=-23.054, exe=netlib.engine_path())
                  for k in ("mx", "m")}
            cs = {}
            for k in ("cx", "c"):
                proc, _ = lab.chronyd_client(f"{line}{' xleave' if k == 'cx' else ''}\n"
                                             "makestep 1 3")
                cs[k] = [a for a in open(proc.args[-1]).read().split() if a.endswith(".sock")][0]
            t0 = time.monotonic()
            csamples = {k: [] for k in cs}
            while time.monotonic() - t0 < run_s:
                time.sleep(1)
                for k, sock in cs.items():
                    v, synced = chronyc_tracking(sock)
                    if v is not None and synced:
                        csamples[k].append((time.monotonic() - t0, v))
            for k, d in ds.items():
                _, upd = d.snapshot()
                res[k].append([e for t, s, e in upd if s and t >= run_s / 2])
                d.stop()
            for k in cs:
                res[k].append([v for t, v in csamples[k] if t >= run_s / 2])
            r = subprocess.run(["chronyc", "-h", ssock, "serverstats"], capture_output=True,
                               text=True, timeout=10).stdout
            m = re.search(r"Interleaved NTP packets\s*:\s*(\d+)", r)
            n = re.search(r"NTP packets received\s*:\s*(\d+)", r)
            inter.append((int(m.group(1)) if m else -1, int(n.group(1)) if n else -1))
        finally:
            lab.close()

    def mean(v):
        return statistics.fmean(v) if v else float("nan")

    def rms(v):
        return math.sqrt(statistics.fmean(x * x for x in v)) if v else float("nan")

    names = {"mx": "meridian xleave", "m": "meridian", "cx": "chronyd xleave", "c": "chronyd"}
    print(f"{'client':>16} | {'mean error':>22} | {'RMS error':>22} | samples")
    for k in keys:
        print(f"{names[k]:>16} | {spread([mean(v) for v in res[k]], fmt_s):>22} | "
              f"{spread([rms(v) for v in res[k]], fmt_s):>22} | "
              f"{sum(len(v) for v in res[k])}")
    for a, b in (("mx", "cx"), ("mx", "m"), ("cx", "c")):
        d, se, mk = paired([rms(v) for v in res[a]], [rms(v) for v in res[b]])
        print(f"   RMS {names[a]} - {names[b]}: {fmt_s(d)} +- {fmt_s(se)} {mk} (paired over runs)")
    print("   chronyd server: interleaved / received NTP packets per run: "
          + ", ".join(f"{i}/{n}" for i, n in inter))
    print()


def proc_tree(pid):
    pids = [pid]
    try:
        for child in open(f"/proc/{pid}/task/{pid}/children").read().split():
            pids += proc_tree(int(child))
    except OSError:
        pass
    return pids


def rss_kib(pids):
    total = 0
    for p in pids:
        try:
            total += int(re.search(r"^VmRSS:\s*(\d+)", open(f"/proc/{p}/status").read(),
                                   re.M).group(1))
        except (OSError, AttributeError):
            pass
    return total


def mem_kib(pids):
    """(PSS, private anonymous) in KiB over the tree. RSS counts a library once per process
    that maps it, so a daemon split into two processes pays twice for the same pages; PSS
    shares each page among the processes mapping it, and anonymous memory is what the
    daemon itself allocated."""
    pss = anon = 0
    for p in pids:
        try:
            roll = open(f"/proc/{p}/smaps_rollup").read()
            pss += int(re.search(r"^Pss:\s*(\d+)", roll, re.M).group(1))
            anon += int(re.search(r"^RssAnon:\s*(\d+)", open(f"/proc/{p}/status").read(),
                                  re.M).group(1))
        except (OSError, AttributeError):
            pass
    return pss, anon


def cpu_s(pids):
    tck = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in pids:
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
        except OSError:
            pass
    return total / tck


def switches(pids):
    """(wake-ups, times scheduled) summed over every thread. A wake-up is a voluntary context
    switch: the thread slept (poll, a timer) and something woke it. Times scheduled onto a CPU
    (schedstat) add the preemptions, which count the machine's other load, not the daemon."""
    woken = scheduled = 0
    for p in pids:
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                scheduled += int(open(f"/proc/{p}/task/{t}/schedstat").read().split()[2])
                woken += int(re.search(r"^voluntary_ctxt_switches:\s*(\d+)",
                                       open(f"/proc/{p}/task/{t}/status").read(), re.M).group(1))
        except (OSError, AttributeError):
            pass
    return woken, scheduled


def chronyc_tracking(sock):
    out = subprocess.run(["chronyc", "-n", "-h", sock, "tracking"], capture_output=True,
                         text=True, timeout=10).stdout
    m = re.search(r"System time\s*:\s*([0-9.]+) seconds (fast|slow)", out)
    ref = re.search(r"Reference ID\s*:\s*(\S+)", out)
    if not m:
        return None, False
    v = float(m.group(1)) * (1 if m.group(2) == "fast" else -1)
    return v, bool(ref) and ref.group(1) != "00000000"


def bus_daemon(lab, port, line, files=None):
    """meridiand as users run it: on a private system bus, a temporary root, the virtual clock
    (0.5 s off, 23.054 ppm slow), its NTP engine in the sandboxed child; no CAP_SYS_TIME.
    @files: {path under the root: file to copy there} before it starts. Returns its Popen
    (the child is in its process tree), or None where it cannot run."""
    import shutil as _sh
    if _sh.which("dbus-daemon") is None:
        return None
    d = os.path.join(lab.dir, "bus")
    os.mkdir(d)
    conf = open(os.path.join(ROOT, "tests", "fixtures", "private-system-bus.conf.in")).read()
    with open(os.path.join(d, "system.conf"), "w") as f:
        f.write(conf.replace("@DIR@", d))
    bus = lab._spawn(["setpriv", "--bounding-set", "-sys_time", "dbus-daemon", "--nofork",
                      f"--config-file={d}/system.conf", "--print-address=1"],
                     stdout=subprocess.PIPE, text=True)
    address = bus.stdout.readline().strip()
    root = os.path.join(lab.dir, "root")
    os.makedirs(os.path.join(root, "etc", "meridian"))
    os.makedirs(os.path.join(root, "var", "lib", "meridian"))
    os.symlink("../usr/share/zoneinfo/UTC", os.path.join(root, "etc", "localtime"))
    with open(os.path.join(root, "etc", "timezone"), "w") as f:
        f.write("Etc/UTC\n")
    with open(os.path.join(root, "etc", "adjtime"), "w") as f:
        f.write("0.000000 0 0.000000\n0\nUTC\n")
    with open(os.path.join(root, "etc", "meridian", "meridian.conf"), "w") as f:
        f.write(f"server 127.0.0.1 port {port} {line}\nmakestep 1 3\n")
    for inside, source in (files or {}).items():
        _sh.copy(source, os.path.join(root, inside.lstrip("/")))
    # The environment meridiand.service gives it (as installed), so what is measured is
    # what the unit runs.
    unit_env = dict(re.findall(r"^Environment=([A-Za-z_][A-Za-z0-9_]*)=(\S*)$",
                               open(os.path.join(ROOT, "data", "meridiand.service.in")).read(),
                               re.M))
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address, **unit_env)
    return lab._spawn(["setpriv", "--bounding-set", "-sys_time", netlib.meridiand_path(),
                       "--root", root, "--clock", "virtual", "--virtual-offset", "0.5",
                       "--virtual-freq=-23.054"], env=env, stdout=subprocess.DEVNULL,
                      stderr=open(os.path.join(lab.dir, "meridiand-bus.log"), "w"))


def mappings_kib(pid, top=12):
    """The largest mappings of a process by RSS: [(name, rss KiB, pss KiB)]; a library's
    segments summed under its file name, anonymous memory as [heap], [stack], [anon]."""
    rss, pss, cur = {}, {}, None
    try:
        for line in open(f"/proc/{pid}/smaps"):
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split()
                cur = os.path.basename(parts[5]) if len(parts) > 5 else "[anon]"
            elif line.startswith("Rss:"):
                rss[cur] = rss.get(cur, 0) + int(line.split()[1])
            elif line.startswith("Pss:"):
                pss[cur] = pss.get(cur, 0) + int(line.split()[1])
    except OSError:
        return []
    return sorted(((k, v, pss.get(k, 0)) for k, v in rss.items()), key=lambda x: -x[1])[:top]


def timedated_mem(lab):
    """(RSS, PSS) KiB of the real systemd-timedated once it has answered a Get(Timezone), or
    None where it cannot run. It is half of what meridiand replaces (with chronyd), but
    bus-activated: it exits when idle, so it costs this only while in use. Run so that it
    cannot touch this machine: without CAP_SYS_TIME, in a private mount namespace with an
    overlay over /etc (its writes would land there) and a tmpfs /run/systemd."""
    import shutil as _sh
    exe = "/lib/systemd/systemd-timedated"
    if not (os.path.exists(exe) and _sh.which("dbus-daemon") and _sh.which("unshare")
            and _sh.which("dbus-send")):
        return None
    d = os.path.join(lab.dir, "timedated")
    for sub in ("bus", "up", "work"):
        os.makedirs(os.path.join(d, sub))
    conf = open(os.path.join(ROOT, "tests", "fixtures", "private-system-bus.conf.in")).read()
    with open(os.path.join(d, "bus", "system.conf"), "w") as f:
        f.write(conf.replace("@DIR@", os.path.join(d, "bus")))
    bus = lab._spawn(["setpriv", "--bounding-set", "-sys_time", "dbus-daemon", "--nofork",
                      f"--config-file={d}/bus/system.conf", "--print-address=1"],
                     stdout=subprocess.PIPE, text=True)
    address = bus.stdout.readline().strip()
    script = os.path.join(d, "td.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n"
                "mount -t overlay overlay -o lowerdir=/etc,upperdir=$1/up,workdir=$1/work /etc "
                "|| exit 1\n"
                "mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system || exit 1\n"
                "exec setpriv --bounding-set -sys_time " + exe + "\n")
    os.chmod(script, 0o755)
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address)
    td = lab._spawn(["unshare", "--mount", "--propagation", "private", script, d], env=env,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    get = ["dbus-send", f"--bus={address}", "--print-reply",
           "--dest=org.freedesktop.timedate1", "/org/freedesktop/timedate1",
           "org.freedesktop.DBus.Properties.Get", "string:org.freedesktop.timedate1",
           "string:Timezone"]
    end = time.monotonic() + 10
    while time.monotonic() < end and td.poll() is None:
        if subprocess.run(get, capture_output=True, timeout=10).returncode == 0:
            pids = proc_tree(td.pid)
            return rss_kib(pids), mem_kib(pids)[0]
        time.sleep(0.2)
    return None


def loopback_run(args, run_s, idle_s):
    """One loopback run: the three clients at once. Returns a dict of figures (None where
    the bus daemon could not run)."""
    lab = netlib.Lab()
    detail = {}
    try:
        sport = lab.chronyd_server()
        relay_args = ["--delay", "0.001", "--jitter", "0.0002", "--dist", "exp", "--seed", "5"]
        pm = lab.relay("127.0.0.1", sport, *relay_args, duration=run_s + idle_s + 60)
        pc = lab.relay("127.0.0.1", sport, *relay_args, duration=run_s + idle_s + 60)
        pb = lab.relay("127.0.0.1", sport, *relay_args, duration=run_s + idle_s + 60)
        pf = lab.relay("127.0.0.1", sport, *relay_args, duration=run_s + idle_s + 60)
        line = "prefer iburst minpoll 4 maxpoll 4"
        t0 = time.monotonic()
        cproc, _ = lab.chronyd_client(f"server 127.0.0.1 port {pc} {line}\nmakestep 1 3")
        csock = [a for a in open(cproc.args[-1]).read().split() if a.endswith(".sock")][0]
        # chronyd as Debian runs it (/etc/default/chrony: DAEMON_OPTS="-F 1", its seccomp
        # filter), the peer of meridiand's sandboxed engine: memory and wake-ups only.
        fproc, _ = lab.chronyd_client(f"server 127.0.0.1 port {pf} {line}\nmakestep 1 3",
                                      args=("-F", "1"))
        # The plain daemon as shipped for it: the lean engine executable's --no-bus.
        d = lab.meridiand(f"server 127.0.0.1 port {pm} {line}\nmakestep 1 3\n", offset=0.5,
                          freq=-23.054, exe=netlib.engine_path())
        bproc = bus_daemon(lab, pb, line)
        csamples = []
        while time.monotonic() - t0 < run_s:
            time.sleep(2)
            v, synced = chronyc_tracking(csock)
            if v is not None:
                csamples.append((time.monotonic() - t0, synced, v))
        _, mupd = d.snapshot()
        # Idle window: all keep polling every 16 s; count wake-ups.
        # The bus daemon's tree is setpriv's (exec'd into meridiand) and its engine child.
        bp = proc_tree(bproc.pid) if bproc is not None and bproc.poll() is None else []
        mp, cp, fp = proc_tree(d.proc.pid), proc_tree(cproc.pid), proc_tree(fproc.pid)
        sw0 = (switches(mp), switches(cp), switches(bp), switches(fp))
        time.sleep(idle_s)
        bp = proc_tree(bproc.pid) if bproc is not None and bproc.poll() is None else []
        mp, cp, fp = proc_tree(d.proc.pid), proc_tree(cproc.pid), proc_tree(fproc.pid)
        sw1 = (switches(mp), switches(cp), switches(bp), switches(fp))
        rss = (rss_kib(mp), rss_kib(cp), rss_kib(bp), rss_kib(fp))
        mem = (mem_kib(mp), mem_kib(cp), mem_kib(bp), mem_kib(fp))
        cpu = (cpu_s(mp), cpu_s(cp), cpu_s(bp), cpu_s(fp))
        if args.mem_detail:
            detail = {"chronyd -x": mappings_kib(cp[0])}
            for i, p in enumerate(bp):   # the daemon (setpriv exec'd into it), its child
                detail["meridiand on a bus" if i == 0 else "its engine child"] = mappings_kib(p)
        nb = len(bp)
        d.stop()
    finally:
        lab.close()

    def sync_and_rms(samples):
        """samples: (t, synced, error). Sync: first time within 1 ms and staying there."""
        bad = [i for i, s in enumerate(samples) if not (s[1] and abs(s[2]) < 1e-3)]
        start = bad[-1] + 1 if bad else 0
        if start >= len(samples):
            return float("inf"), float("inf"), 0
        after = [s[2] for s in samples[start:]]
        return samples[start][0], math.sqrt(statistics.fmean(x * x for x in after)), len(after)

    if args.verbose:
        print("meridian-engine (t, synchronized, true offset):", *mupd, sep="\n  ")
        print("chronyd -x (t, synchronized, System time):", *csamples, sep="\n  ")
    ms, mr, mn = sync_and_rms([(t, s, e) for t, s, e in mupd])
    cs, cr, cn = sync_and_rms(csamples)
    per_h = 3600 / idle_s
    r = {
        "sync": (ms, cs), "rms": (mr, cr), "n": (mn, cn),
        "rss": rss[:2], "pss": (mem[0][0], mem[1][0]), "anon": (mem[0][1], mem[1][1]),
        "cpu": cpu[:2],
        "wake": ((sw1[0][0] - sw0[0][0]) * per_h, (sw1[1][0] - sw0[1][0]) * per_h),
        "sched": ((sw1[0][1] - sw0[0][1]) * per_h, (sw1[1][1] - sw0[1][1]) * per_h),
        "bus": None, "detail": detail,
        "filtered": {"rss": rss[3], "pss": mem[3][0], "anon": mem[3][1], "cpu": cpu[3],
                     "wake": (sw1[3][0] - sw0[3][0]) * per_h},
    }
    if nb >= 2:
        r["bus"] = {"rss": rss[2], "pss": mem[2][0], "anon": mem[2][1], "cpu": cpu[2],
                    "wake": (sw1[2][0] - sw0[2][0]) * per_h}
    return r


def spread(values, fmt):
    """mean and [min, max] over the runs, formatted."""
    vals = [v for v in values if v is not None and math.isfinite(v)]
    if not vals:
        return "n/a"
    if len(vals) == 1:
        return fmt(vals[0])
    return f"{fmt(statistics.fmean(vals))} [{fmt(min(vals))}, {fmt(max(vals))}]"


def loopback_part(args):
    run_s = args.run_s or (60 if args.quick else 120)
    idle_s = args.idle_s or (64 if args.quick else 240)
    runs = args.runs or 3
    print("== loopback through mrd-udp-relay: one chronyd -x server; meridian-engine --no-bus "
          "(virtual clock), chronyd -x and meridiand on a private bus as clients at the same "
          "time ==")
    print("   relay: 1 ms each way + exponential jitter of mean 200 us (one relay per client, "
          "same seed); `server 127.0.0.1 port N prefer iburst minpoll 4 maxpoll 4`, "
          "`makestep 1 3`")
    print(f"   meridian's clients start 0.5 s off and 23.054 ppm slow; chronyd -x measures "
          f"the real clock, which is the server's. {runs} run(s) of {run_s} s, then an idle "
          f"window of {idle_s} s; each figure: mean [min, max] over the runs", flush=True)
    lab = netlib.Lab()
    try:
        td = timedated_mem(lab)
    finally:
        lab.close()
    results = []
    for i in range(runs):
        results.append(loopback_run(args, run_s, idle_s))
        r = results[-1]
        print(f"   run {i + 1}: wake-ups/h meridian-engine {r['wake'][0]:.0f}, chronyd "
              f"{r['wake'][1]:.0f}, on a bus "
              f"{r['bus']['wake'] if r['bus'] else float('nan'):.0f}; RSS KiB "
              f"{r['rss'][0]}, {r['rss'][1]}, {r['bus']['rss'] if r['bus'] else 0}", flush=True)

    def col(key, i):
        return [r[key][i] for r in results]

    def row(label, key, fmt, ratio=True):
        m, c = col(key, 0), col(key, 1)
        ratios = [a / b if b else None for a, b in zip(m, c)]
        extra = f"   {spread(ratios, lambda v: f'{v:.2f}')}" if ratio else ""
        print(f"{label:28} {spread(m, fmt):>26} {spread(c, fmt):>26}{extra}")

    us = lambda v: fmt_s(v)  # noqa: E731
    i0 = lambda v: f"{v:.0f}"  # noqa: E731
    print()
    print(f"{'':28} {'meridian-engine --no-bus':>26} {'chronyd -x':>26}   ratio m/c")
    row("time to sync (s)", "sync", lambda v: f"{v:.1f}")
    row("RMS error after sync", "rms", us)
    print(f"{'  (updates / chronyc samples)':28} {spread(col('n', 0), i0):>26} "
          f"{spread(col('n', 1), i0):>26}")
    row("RSS (KiB, process tree)", "rss", i0)
    row("  PSS (KiB)", "pss", i0)
    row("  anonymous RSS (KiB)", "anon", i0)
    row("CPU seconds", "cpu", lambda v: f"{v:.3f}")
    row("wake-ups per hour idle", "wake", i0)
    print(f"{'':28} {'(voluntary context switches)':>26}")
    row("  scheduled per hour idle", "sched", i0)
    print(f"{'':28} {'(schedstat: + preemptions)':>26}")
    bus = [r for r in results if r["bus"]]
    if bus:
        print(f"   meridiand on a private bus (daemon + sandboxed meridian-engine child, its "
              f"own relay), same runs ({len(bus)} of {runs}):")
        print(f"{'':28} {'meridiand on a bus':>26} {'chronyd -x':>26} {'ratio m/c':>18}"
              f" {'chronyd -x -F 1':>26} {'ratio m/c':>18}")
        for label, key, fmt in (("  RSS (KiB, process tree)", "rss", i0),
                                ("  PSS (KiB)", "pss", i0), ("  anonymous RSS (KiB)", "anon", i0),
                                ("  CPU seconds", "cpu", lambda v: f"{v:.3f}"),
                                ("  wake-ups per hour idle", "wake", i0)):
            ci = {"rss": "rss", "pss": "pss", "anon": "anon", "cpu": "cpu", "wake": "wake"}[key]
            m = [r["bus"][key] for r in bus]
            c = [r[ci][1] for r in bus]
            f = [r["filtered"][key] for r in bus]
            ratios = [a / b if b else None for a, b in zip(m, c)]
            fratios = [a / b if b else None for a, b in zip(m, f)]
            print(f"{label:28} {spread(m, fmt):>26} {spread(c, fmt):>26} "
                  f"{spread(ratios, lambda v: f'{v:.2f}'):>18} {spread(f, fmt):>26} "
                  f"{spread(fratios, lambda v: f'{v:.2f}'):>18}")
        print("   chronyd -x -F 1: chronyd with the seccomp filter Debian starts it with "
              "(/etc/default/chrony), as meridiand's engine runs with its own")
    else:
        print("   meridiand on a private bus: not measured (no dbus-daemon, or it exited: "
              f"{os.path.join('<lab>', 'meridiand-bus.log')})")
    if td is not None:
        c = [r["rss"][1] for r in results]
        cp = [r["pss"][1] for r in results]
        print(f"   the fair peer, what meridiand replaces: chronyd -x (above) + systemd-timedated "
              f"while in use (RSS {td[0]} KiB, PSS {td[1]} KiB; it exits when idle): RSS "
              f"{statistics.fmean(c) + td[0]:.0f} KiB, PSS {statistics.fmean(cp) + td[1]:.0f} KiB")
    else:
        print("   systemd-timedated: not measured (not installed, or it did not start)")
    if args.mem_detail and results[-1]["detail"]:
        print("   largest mappings at the end of the last run (KiB: RSS / PSS):")
        for who, maps in results[-1]["detail"].items():
            print(f"     {who}: " + ", ".join(f"{n} {r}/{p}" for n, r, p in maps))
    print("   errors: meridian-engine's from its virtual clock's true offset at each update; "
          "chronyd's is its estimate of a clock that is right (chronyc 'System time'), every 2 s")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, help="clknetsim: seeds per cell (default 8)")
    ap.add_argument("--seed-base", type=int, default=1,
                    help="clknetsim: first seed (default 1; e.g. 101 for seeds nobody "
                    "developed on)")
    ap.add_argument("--jitter", type=float, action="append",
                    help="clknetsim grid: this mean jitter (s) instead of the grid's; repeatable")
    ap.add_argument("--wander", type=float, action="append",
                    help="clknetsim grid: this wander (per s) instead of the grid's; repeatable")
    ap.add_argument("--base-delay", type=float, default=1e-4,
                    help="clknetsim grid: fixed delay each way (s, default 1e-4)")
    ap.add_argument("--compare", metavar="MERIDIAND",
                    help="clknetsim: run this other meridiand (e.g. main's build) as a third "
                    "client in every simulation, same noise; print its RMS and ours minus it")
    ap.add_argument("--no-sim", action="store_true")
    ap.add_argument("--no-loopback", action="store_true")
    ap.add_argument("--no-grid", action="store_true",
                    help="clknetsim: only the other conditions, not the jitter x wander grid")
    ap.add_argument("--no-conditions", action="store_true",
                    help="clknetsim: only the jitter x wander grid, not the other conditions")
    ap.add_argument("--xleave", action="store_true",
                    help="clknetsim: only interleaved mode (chronyd and meridiand with and "
                    "without xleave, same noise)")
    ap.add_argument("--serving", action="store_true",
                    help="clknetsim: only the time served downstream (chronyd and meridiand "
                    "each serving a chronyd client, same noise)")
    ap.add_argument("--run-s", type=int, help="loopback: seconds of synchronization")
    ap.add_argument("--idle-s", type=int, help="loopback: seconds of the idle window")
    ap.add_argument("--verbose", action="store_true", help="loopback: print every sample")
    ap.add_argument("--runs", type=int, help="loopback: runs (default 3), spread printed")
    ap.add_argument("--mem-detail", action="store_true",
                    help="loopback: print the largest mappings (RSS/PSS) of each process")
    args = ap.parse_args()
    try:
        cksim.find_meridiand()
        if not args.no_sim:
            cksim.find_clknetsim()
            if args.xleave:
                xleave_part(args)
            if args.serving:
                serving_part(args)
                return 0
        if args.xleave:
            if not args.no_loopback:
                xleave_loopback_part(args)
            return 0
        if not args.no_sim:
            if not args.no_grid:
                sim_part(args)
            if not args.no_conditions:
                conditions_part(args)
                serving_part(args)
        if not args.no_loopback:
            loopback_part(args)
    except (cksim.Skip, netlib.Skip) as e:
        print(f"cannot run: {e}")
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
