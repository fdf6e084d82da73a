#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Two of three servers wrong, each its own way: meridiand must stay unsynchronized.

Three real chronyd -x servers, each behind its own relay on its own loopback address: one
right, one whose replies say 100 ms later, one 80 ms earlier (--ntp-shift), all 5 ms away
each way with exponential jitter of mean 200 us. No two of them agree, so no majority exists
and no source may be followed: a client that takes the nearest, the first or an average would
move the clock by tens of milliseconds. The faults are far apart because an honest interval
is half the round trip wide each way, and at start-up, with the machine busy starting the
servers, round trips of 50 ms were seen: two servers 40 ms apart can then honestly agree.

meridiand --no-bus (virtual clock 0.2 s off, `makestep 0.1 3`) polls them at 2-4 s for 14 s,
time for several selections with 3 to 7 samples per source. Pass: never synchronized, no
source selected, and the log marks every
source a falseticker and none a truechimer."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlib  # noqa: E402

SHIFTS = {"127.0.0.2": 0.0, "127.0.0.3": 0.100, "127.0.0.4": -0.080}


def main():
    try:
        lab = netlib.Lab()
    except netlib.Skip as e:
        print(f"SKIP: {e}")
        return netlib.SKIP
    try:
        lines = []
        for i, (addr, shift) in enumerate(SHIFTS.items()):
            sport = lab.chronyd_server()
            rport = lab.relay(addr, sport, "--delay", "0.005", "--jitter", "0.0002", "--dist",
                              "exp", "--seed", str(i + 1), "--ntp-shift", str(shift))
            lines.append(f"server {addr} port {rport} iburst minpoll 1 maxpoll 2")
        d = lab.meridiand("\n".join(lines) + "\nmakestep 0.1 3\n", offset=0.2, verbose=True)
        d.wait(14)
        rc = d.stop()
        log, updates = d.snapshot()
    except netlib.Skip as e:
        print(f"SKIP: {e}")
        return netlib.SKIP
    finally:
        lab.close()

    check = netlib.Checks()

    verdicts = [l.split("Source ", 1)[1] for _, l in log
                if ": falseticker" in l or ": truechimer" in l]
    print(f"  changes of belief: {verdicts}")
    synced = [u for u in updates if u[1]]
    check(f"never synchronized ({len(synced)} synchronized updates)", not synced)
    check("no source selected", not any("Selected source" in l for _, l in log))
    for addr in SHIFTS:
        check(f"{addr} marked falseticker",
              any(v.startswith(addr) and v.endswith("falseticker") for v in verdicts))
    check("no source ever a truechimer", not any(v.endswith("truechimer") for v in verdicts))
    check(f"meridiand exited 0 on SIGTERM ({rc})", rc == 0)
    return netlib.verdict(check.ok, log)


if __name__ == "__main__":
    netlib.run(main)
