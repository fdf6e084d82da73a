#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""meridiand --no-bus beside a hostile NTP server: none of its replies moves the clock, and
what it provokes in the log is rate-limited.

Two real chronyd -x servers on 127.0.0.1 keep the truth; the hostile server (our
mrd-hostile-ntp) listens on 127.0.0.5 and is polled every 2 s. Two runs:
  cycle  every reply a different misbehaviour in turn: wrong origin, stratum 16, leap 3,
         truncated, oversized, 1000 s jump, garbage, KoD RATE; beside it a second hostile
         server on 127.0.0.6 answers KoD DENY, after which RFC 5905 (7.4) has the client stop
         polling it: it may get at most 2 requests (the iburst's first, and one in flight);
  jump   every reply consistently 1000 s ahead (a well-formed source that is simply wrong).
The virtual clock starts right (true offset 0) with `makestep 0.1 3`, so any step is the
hostile server's doing. The two runs go side by side (each its own servers and daemon), and
each ends once it has shown what it is about (cycle: every misbehaviour served and the DENY
server answered; jump: 10 replies; both synchronized) plus three more polls of the hostile
server and at least 4 synchronized updates, at the latest after 40 s (cycle) or 24 s (jump).

Pass, each run: no step; after the first synchronized update every update's true offset is
under 1 ms; the hostile address is never selected; and the log is rate-limited: lines naming
the hostile address at the default level are at most one per kind of misbehaviour it showed
plus 3 (a client that logs every bad reply writes one per reply, here 12 or more)."""

import concurrent.futures
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlib  # noqa: E402

HOSTILE = "127.0.0.5"
DENY = "127.0.0.6"
# Each run ends once it has shown what it asserts on (below), at the latest after these
# seconds. The two runs go side by side, each with its own servers and daemon.
RUN_MAX_S = {"cycle": 40, "jump": 24}
N_KINDS = 8
JUMP_REPLIES = 10
# After the last thing a run waits for: three more polls of the hostile server (2 s each) and
# at least this many synchronized updates, so each misbehaviour's effect (or its absence) has
# shown in the updates and the log.
SETTLE_S = 6.0
MIN_UPDATES_AFTER_SYNC = 4


def replies_of(path):
    with open(path) as f:
        return [ln.split() for ln in f if ln.startswith("reply ")]


def one_run(mode):
    lab = netlib.Lab()
    try:
        good = [lab.chronyd_server(), lab.chronyd_server()]
        hport, hlog = lab.hostile(HOSTILE, mode)
        conf = "".join(f"server 127.0.0.1 port {p} iburst minpoll 1 maxpoll 2\n" for p in good)
        conf += f"server {HOSTILE} port {hport} iburst minpoll 1 maxpoll 1\nmakestep 0.1 3\n"
        dlog = None
        if mode == "cycle":
            dport, dlog = lab.hostile(DENY, "kod-deny")
            conf += f"server {DENY} port {dport} iburst minpoll 1 maxpoll 1\n"
        d = lab.meridiand(conf, offset=0.0)
        shown_at = []

        def shown(lines, updates):
            """All the run waits for has happened (then SETTLE_S more)."""
            if not shown_at:
                replies = replies_of(hlog)
                synced = [u for u in updates if u[1]]
                if mode == "cycle":
                    done = (len({r[2] for r in replies}) == N_KINDS
                            and len(replies_of(dlog)) >= 1)
                else:
                    done = len(replies) >= JUMP_REPLIES
                if done and synced:
                    shown_at.append(time.monotonic())
                return False
            after = sum(1 for u in updates if u[1])
            return (time.monotonic() - shown_at[0] >= SETTLE_S
                    and after >= MIN_UPDATES_AFTER_SYNC)
        t0 = time.monotonic()
        d.wait(RUN_MAX_S[mode], until=shown)
        elapsed = time.monotonic() - t0
        rc = d.stop()
        log, updates = d.snapshot()
        replies = replies_of(hlog)
        denies = len(replies_of(dlog)) if dlog else None
    finally:
        lab.close()
    return rc, log, updates, replies, denies, elapsed


def main():
    check = netlib.Checks()

    modes = ("cycle", "jump")
    with concurrent.futures.ThreadPoolExecutor(len(modes)) as pool:
        futures = {m: pool.submit(one_run, m) for m in modes}
        try:
            results = {m: f.result() for m, f in futures.items()}
        except netlib.Skip as e:
            print(f"SKIP: {e}")
            return netlib.SKIP
    for mode in modes:
        rc, log, updates, replies, denies, elapsed = results[mode]
        kinds = sorted({r[2] for r in replies})
        print(f"{mode}: {elapsed:.1f} s; hostile replies {len(replies)} of kinds "
              f"{', '.join(kinds)}; meridiand updates {len(updates)}")
        if mode == "cycle":
            check(f"cycle: all {N_KINDS} misbehaviours served ({len(kinds)})",
                  len(kinds) == N_KINDS)
        else:
            check(f"jump: the hostile server was polled (>= {JUMP_REPLIES} replies, "
                  f"{len(replies)})", len(replies) >= JUMP_REPLIES)
        stepped = [l for _, l in log if "stepped" in l]
        check(f"{mode}: the clock was never stepped ({len(stepped)})", not stepped)
        first = next((i for i, u in enumerate(updates) if u[1]), None)
        after = updates[first:] if first is not None else []
        worst = max((abs(u[2]) for u in after), default=float("inf"))
        check(f"{mode}: synchronized to the good servers", first is not None)
        check(f"{mode}: every update after sync within 1 ms of true ({worst * 1e3:.3f} ms)",
              worst < 1e-3)
        check(f"{mode}: {HOSTILE} never selected",
              not any("Selected source" in l and HOSTILE in l for _, l in log))
        naming = [l for _, l in log if HOSTILE in l and "Source " not in l]
        bound = len(kinds) + 3
        check(f"{mode}: log lines naming {HOSTILE}: {len(naming)} <= {bound}",
              len(naming) <= bound)
        if mode == "cycle":
            check(f"cycle: polling of the DENY server stopped ({denies} requests <= 2)",
                  denies is not None and 1 <= denies <= 2)
            check(f"cycle: {DENY} never selected",
                  not any("Selected source" in l and DENY in l for _, l in log))
        check(f"{mode}: meridiand exited 0 on SIGTERM ({rc})", rc == 0)
        if not check.ok:
            for t, l in log[-30:]:
                print(f"    {t:7.2f} {l}")
    print("PASS" if check.ok else "FAIL")
    return 0 if check.ok else 1


if __name__ == "__main__":
    sys.exit(main())
