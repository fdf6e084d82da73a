#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""meridiand --no-bus beside a hostile NTP server: none of its replies moves the clock, and
what it provokes in the log is rate-limited.

Two real chronyd -x servers on 127.0.0.1 keep the truth; the hostile server (our
mrd-hostile-ntp) listens on 127.0.0.5 and is polled every 2 s. Two runs:
  cycle  every reply a different misbehaviour in turn: KoD RATE, wrong origin, stratum 16,
         leap 3, truncated, oversized, 1000 s jump, garbage; beside it a second hostile
         server on 127.0.0.6 answers KoD DENY, after which RFC 5905 (7.4) has the client stop
         polling it: it may get at most 2 requests (the iburst's first, and one in flight);
  jump   every reply consistently 1000 s ahead (a well-formed source that is simply wrong).
The virtual clock starts right (true offset 0) with `makestep 0.1 3`, so any step is the
hostile server's doing.

Pass, each run: no step; after the first synchronized update every update's true offset is
under 1 ms; the hostile address is never selected; and the log is rate-limited: lines naming
the hostile address at the default level are at most one per kind of misbehaviour it showed
plus 3 (a client that logs every bad reply writes one per reply, here 12 or more)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlib  # noqa: E402

HOSTILE = "127.0.0.5"
DENY = "127.0.0.6"
RUN_S = {"cycle": 40, "jump": 24}


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
        d.wait(RUN_S[mode])
        rc = d.stop()
        log, updates = d.snapshot()
        replies = [ln.split() for ln in open(hlog) if ln.startswith("reply ")]
        denies = len([ln for ln in open(dlog) if ln.startswith("reply ")]) if dlog else None
    finally:
        lab.close()
    return rc, log, updates, replies, denies


def main():
    ok = True

    def check(label, cond):
        nonlocal ok
        print(f"  {label:<72} {'OK' if cond else 'BAD'}")
        ok &= bool(cond)

    for mode in ("cycle", "jump"):
        try:
            rc, log, updates, replies, denies = one_run(mode)
        except netlib.Skip as e:
            print(f"SKIP: {e}")
            return netlib.SKIP
        kinds = sorted({r[2] for r in replies})
        print(f"{mode}: hostile replies {len(replies)} of kinds {', '.join(kinds)}; "
              f"meridiand updates {len(updates)}")
        if mode == "cycle":
            check(f"cycle: all 8 misbehaviours served ({len(kinds)})", len(kinds) == 8)
        else:
            check(f"jump: the hostile server was polled (>= 10 replies, {len(replies)})",
                  len(replies) >= 10)
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
        if not ok:
            for t, l in log[-30:]:
                print(f"    {t:7.2f} {l}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
