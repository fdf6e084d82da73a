#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Queueing one way only, on real sockets: a real chronyd -x server behind our UDP relay,
which holds every request 1 ms plus exponential jitter of mean 4 ms on the way to the server,
and every reply 1 ms flat on the way back (an uplink that congests).

Each sample's offset then reads half its request's queueing low: 2 ms on average, up to
ten. A client that takes the path as symmetric keeps much of that (its regression leans
on the fastest samples, which queued least, but not on none). One that estimates the
asymmetry from its samples (chronyd by default; ours: service/ntp/ntp-asym.h) finds about
-0.5, all of the queueing on the way to the server, and takes it away.

Three clients through the same relay at a 1 s poll, side by side: chronyd -x (it measures,
never touches the clock), whose `chronyc ntpdata` must show a clearly negative "Jitter
asymmetry" at some point (this proves the setup and fixes the sign); meridiand --no-bus with
a virtual clock; and the same with `asymmetry 0`, which takes the path as symmetric.

Pass: meridiand says it found the asymmetry, with chronyd's sign, within 40 s, applies it
at the end (right at the start it may drop it for a sample or two, as the rank test hovers
at its threshold), and never says the path changed (its delay test once took the corrected
fit's tight scatter for the queueing's and restarted the statistics every few seconds:
ntp_stats_delay_test_data); over its last 20 updates the median true offset is under
250 us, a sixteenth of the mean queueing, and under half that of the client with
`asymmetry 0`. (The setup itself, with no jitter, leaves up to about 100 us: the relay's own
asymmetry. With the jitter, measured: 30 to 50 us corrected, 510 to 540 us with `asymmetry
0`.)"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlib  # noqa: E402

FOUND = re.compile(r"queueing asymmetry ([-+0-9.]+) found")
ASYM = re.compile(r"Jitter asymmetry\s*:\s*([-+0-9.]+)")
LAST = 20


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else float("inf")


def main():
    # Every process here (relay, chronyd, meridiand) inherits a higher scheduling priority:
    # the suite runs three tests per core, and a relay that waits for a processor forwards
    # one way later than the other, an asymmetry of its own that no estimate can tell from
    # the queueing's (seen once, 4 Dec 2026: 182 us corrected against 351 us uncorrected on a
    # loaded machine, where 16 to 120 us against 455 to 1088 us is usual). Root only; without
    # it the test runs as before.
    try:
        os.nice(-10)
    except OSError:
        pass
    try:
        lab = netlib.Lab()
    except netlib.Skip as e:
        print(f"SKIP: {e}")
        return netlib.SKIP
    try:
        sport = lab.chronyd_server()
        rport = lab.relay("127.0.0.2", sport, "--delay", "0.001", "--up-jitter", "0.004",
                          "--down-jitter", "0", "--dist", "exp", "--seed", "1")
        line = f"server 127.0.0.2 port {rport} minpoll 0 maxpoll 0"
        cproc, chronyc = lab.chronyd_client(line)
        d = lab.meridiand(line + "\n", verbose=True)
        sym = lab.meridiand(line + " asymmetry 0\n", name="symmetric")
        theirs = []
        t0 = time.monotonic()

        def settled(lines, updates):
            found = next((t for t, l in lines if FOUND.search(l)), None)
            return (found is not None and sum(1 for u in updates if u[0] > found) >= 25
                    and time.monotonic() - t0 >= 30)
        # Until both have found it and ours has had time to settle (chronyd, which wants a
        # run of consistent estimates, was seen taking 20 to 40 s), or 90 s.
        while time.monotonic() - t0 < 90:
            m = ASYM.search(chronyc("ntpdata"))
            if m:
                theirs.append(float(m.group(1)))
            if d.wait(2, until=settled):
                if theirs and min(theirs) < -0.25:
                    break
                time.sleep(2)
        cproc.terminate()
        cproc.wait(timeout=10)
        rc = d.stop()
        sym.stop()
        log, updates = d.snapshot()
        _, sym_updates = sym.snapshot()
    except netlib.Skip as e:
        print(f"SKIP: {e}")
        return netlib.SKIP
    finally:
        lab.close()

    check = netlib.Checks(76)

    print(f"chronyd -x as a client: jitter asymmetry every 2 s: "
          f"{' '.join(f'{a:+.2f}' for a in theirs)}")
    check("chronyd: jitter asymmetry clearly negative at some point (< -0.25)",
          theirs and min(theirs) < -0.25)
    print("meridiand --no-bus:")
    found = [(t, float(FOUND.search(l).group(1))) for t, l in log if FOUND.search(l)]
    first = found[0] if found else (float("inf"), float("nan"))
    check(f"found the asymmetry, with chronyd's sign ({first[1]:+.2f} at {first[0]:.0f} s)",
          first[1] < -0.25 and first[0] < 40)
    events = [(t, l) for t, l in log if FOUND.search(l) or "no longer clear" in l
              or "restarting its statistics" in l]
    for t, l in events:
        print(f"    {t:7.2f} {l}")
    restarts = [l for _, l in events if "restarting its statistics" in l]
    check(f"never restarted its statistics ({len(restarts)})", not restarts)
    check("applies it at the end", events and FOUND.search(events[-1][1]))
    ours = [abs(u[2]) for u in updates if u[1]][-LAST:]
    plain = [abs(u[2]) for u in sym_updates if u[1]][-LAST:]
    print(f"  last {len(ours)} updates: true offset median {median(ours) * 1e6:.0f} us; "
          f"with asymmetry 0, last {len(plain)}: {median(plain) * 1e6:.0f} us")
    check(f"{LAST} synchronized updates of each", len(ours) == LAST and len(plain) == LAST)
    check(f"median true offset under 250 us ({median(ours) * 1e6:.0f} us)",
          median(ours) < 250e-6)
    check("under half the median with asymmetry 0", median(ours) < 0.5 * median(plain))
    check(f"meridiand exited 0 on SIGTERM ({rc})", rc == 0)
    return netlib.verdict(check.ok, log)


if __name__ == "__main__":
    netlib.run(main)
