#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Watch the host's clock while the tests run, and say when it was stepped.

Many tests compare a clock of ours with a chronyd serving the host's CLOCK_REALTIME. Should
something outside the tests step that clock (a virtual machine's resume, a host agent setting
the time), CLOCK_REALTIME jumps against CLOCK_MONOTONIC; this prints each such jump over
1 ms, with the wall time it was seen, so that a test failing at that moment can be told from
a defect. It only reads clocks. Usage: watch-host-clock.py LOGFILE (runs until killed).
"""
import signal
import sys
import time

THRESHOLD_NS = 1_000_000
PERIOD_S = 0.1


def main():
    out = open(sys.argv[1], 'w', buffering=1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    prev = None
    while True:
        # The tightest of a few paired reads: a preemption between them is not a step.
        best = None
        for _ in range(3):
            m1 = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            r = time.clock_gettime_ns(time.CLOCK_REALTIME)
            m2 = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            if best is None or m2 - m1 < best[0]:
                best = (m2 - m1, r - (m1 + m2) // 2)
        if prev is not None and abs(best[1] - prev) > THRESHOLD_NS:
            out.write(f'{time.strftime("%H:%M:%S", time.gmtime())} UTC: CLOCK_REALTIME stepped '
                      f'by {(best[1] - prev) / 1e6:+.3f} ms against CLOCK_MONOTONIC\n')
        prev = best[1]
        time.sleep(PERIOD_S)


if __name__ == '__main__':
    main()
