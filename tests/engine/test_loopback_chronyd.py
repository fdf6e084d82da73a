#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""meridiand --no-bus against a real chronyd on loopback.

A real `chronyd -x` (never touches the clock) serves `local stratum 1` on a free high port of
127.0.0.1; meridiand --no-bus --clock virtual, without CAP_SYS_TIME, starts 0.5 s off and
23.054 ppm slow with the line `server 127.0.0.1 port N prefer iburst minpoll 4 maxpoll 4`.

usage: test_loopback_chronyd.py slew|behind|step
  slew: `makestep 1 3` — 0.5 s is under the threshold, so it must be slewed, not stepped;
        the virtual clock's true error (against CLOCK_REALTIME, which chronyd serves) must
        fall under 1 ms within 62 s and stay there: four iburst exchanges 2 s apart (8 s),
        0.5 s slewed at the core's 83 333 ppm (6 s), then three 16 s polls for the frequency
        (48 s) — the first estimate, from samples 2 s apart, is poor when the machine is
        loaded (a sanitized build, other tests beside it).
  behind: the same with the clock 0.5 s behind, so the slew runs it faster than
        CLOCK_MONOTONIC (which times the end of the slew).
  Both slews: no overshoot — no true offset beyond 5 ms on the other side of zero (a slew
        ended 10 % late would leave tens of ms).
  step: `makestep 0.1 3` — the first update steps; under 1 ms within 20 s.
Both: the daemon runs one thread, SIGTERM makes it write the drift file (chronyd's sign:
positive = the uncompensated clock runs fast, so about -23.054 ppm) and exit 0.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(SKIP)


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "slew"
    if os.geteuid() != 0:
        skip("needs root: chronyd drops to _chrony and setpriv drops CAP_SYS_TIME")
    chronyd = shutil.which("chronyd") or "/usr/sbin/chronyd"
    if not os.path.exists(chronyd):
        skip("chronyd is not installed")
    meridiand = os.environ.get("MERIDIAND") or os.path.join(
        os.environ["MERIDIAN_BUILD_ROOT"], "service", "meridiand")

    tmp = tempfile.mkdtemp(prefix="mrd-engine-")
    srv = os.path.join(tmp, "srv")
    os.mkdir(srv)
    shutil.chown(srv, "_chrony", "_chrony")
    os.chmod(srv, 0o750)
    port = free_udp_port()
    with open(os.path.join(tmp, "server.conf"), "w") as f:
        f.write(f"""local stratum 1
allow 127.0.0.1
port {port}
bindaddress 127.0.0.1
cmdport 0
bindcmdaddress {srv}/chronyd.sock
pidfile {srv}/chronyd.pid
driftfile {srv}/drift
""")
    drift = os.path.join(tmp, "drift")
    threshold = "0.1 3" if mode == "step" else "1 3"
    with open(os.path.join(tmp, "meridian.conf"), "w") as f:
        f.write(f"""server 127.0.0.1 port {port} prefer iburst minpoll 4 maxpoll 4
makestep {threshold}
driftfile {drift}
""")

    procs = []
    try:
        server = subprocess.Popen([chronyd, "-x", "-d", "-f", os.path.join(tmp, "server.conf")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(server)
        time.sleep(0.3)
        if server.poll() is not None:
            skip(f"chronyd exited at once (status {server.returncode})")

        cmd = ["setpriv", "--bounding-set", "-sys_time", "--inh-caps", "-sys_time",
               meridiand, "--no-bus", "--clock", "virtual",
               "--virtual-offset", "-0.5" if mode == "behind" else "0.5",
               "--virtual-freq", "-23.054",
               "--config", os.path.join(tmp, "meridian.conf")]
        daemon = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True)
        procs.append(daemon)
        lines = []
        lock = threading.Lock()

        def reader():
            for line in daemon.stderr:
                with lock:
                    lines.append(line.rstrip("\n"))
        t = threading.Thread(target=reader, daemon=True)
        t.start()

        # No capability to set the real clock, whatever the daemon tried.
        time.sleep(0.2)
        with open(f"/proc/{daemon.pid}/status") as f:
            status = f.read()
        capbnd = int(re.search(r"^CapBnd:\s*([0-9a-f]+)", status, re.M).group(1), 16)
        assert not capbnd & (1 << 25), "meridiand still has CAP_SYS_TIME in its bounding set"

        limit = 20.0 if mode == "step" else 62.0
        sign = -1.0 if mode == "behind" else 1.0
        start = time.monotonic()
        synced_at = None
        truth = re.compile(r"update: (\w+) .* true-offset ([-+0-9.e]+) s")
        seen = 0
        good_run = 0
        while time.monotonic() - start < limit + 20:
            time.sleep(0.5)
            assert daemon.poll() is None, "meridiand exited:\n" + "\n".join(lines)
            with lock:
                new = lines[seen:]
                seen = len(lines)
            for line in new:
                m = truth.search(line)
                if not m:
                    continue
                off = float(m.group(2))
                if mode != "step" and sign * off < -5e-3:
                    raise AssertionError(f"the slew overshot: true offset {off} s:\n" +
                                         "\n".join(lines))
                if m.group(1) == "synchronized" and abs(off) < 1e-3:
                    good_run += 1
                    if synced_at is None:
                        synced_at = time.monotonic() - start
                elif synced_at is not None:
                    raise AssertionError(f"true offset {off} s after being under 1 ms:\n" +
                                         "\n".join(lines))
            if synced_at is not None and good_run >= 2:
                break
        assert synced_at is not None and synced_at <= limit, (
            f"not within 1 ms of true after {limit} s:\n" + "\n".join(lines))

        with open(f"/proc/{daemon.pid}/status") as f:
            threads = int(re.search(r"^Threads:\s*(\d+)", f.read(), re.M).group(1))
        assert threads == 1, f"meridiand --no-bus runs {threads} threads, not 1"

        stepped = [l for l in lines if "stepped" in l]
        if mode != "step":
            assert not stepped, "makestep 1 3 stepped a 0.5 s offset:\n" + "\n".join(stepped)
        else:
            assert stepped, "makestep 0.1 3 did not step a 0.5 s offset:\n" + "\n".join(lines)

        daemon.send_signal(signal.SIGTERM)
        rc = daemon.wait(timeout=10)
        t.join(timeout=5)
        assert rc == 0, f"exit status {rc} after SIGTERM"
        with open(drift) as f:
            freq, skew = (float(x) for x in f.read().split())
        # The clock runs 23.054 ppm slow: chronyd's file would say -23.054 (its sys_linux.c
        # set_frequency: "positive ... if the local clock runs fast when uncompensated").
        assert abs(freq + 23.054) < max(3 * skew, 2.0), f"drift file says {freq} ± {skew} ppm"
        print(f"{mode}: |true offset| < 1 ms after {synced_at:.1f} s, drift {freq:.3f} ppm")
        print("\n".join(lines[-5:]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if not os.environ.get("MERIDIAN_KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
