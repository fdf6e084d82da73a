#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""meridiand --no-bus against a real chronyd on loopback.

A real `chronyd -x` (never touches the clock) serves `local stratum 1` on a free high port of
127.0.0.1; meridiand --no-bus --clock virtual, without CAP_SYS_TIME, starts 0.5 s off and
23.054 ppm slow with the seed's line polling every 4 s instead of 16 s (`server 127.0.0.1
port N prefer iburst minpoll 2 maxpoll 2`), so that the same sequence takes a third of the time;
the seed's own line is run by tests/integration/test_ntp_engine.py and scripts/demo.sh.

usage: test_loopback_chronyd.py slew|behind|step
  slew: `makestep 1 3` — 0.5 s is under the threshold, so it must be slewed, not stepped;
        the virtual clock's true error (against CLOCK_REALTIME, which chronyd serves) must
        fall under 1 ms within 32 s and stay there for four updates (16 s, one poll of the
        seed's line): four iburst exchanges 2 s apart (8 s), 0.5 s slewed at the core's
        83 333 ppm (6 s), then polls for the frequency (the first estimate, from samples 2 s
        apart, is poor when the machine is loaded: a sanitized build, other tests beside it)
        — measured 10.5 s unloaded.
  behind: the same with the clock 0.5 s behind, so the slew runs it faster than
        CLOCK_MONOTONIC (which times the end of the slew).
  Both slews: no overshoot — no true offset beyond 5 ms on the other side of zero (a slew
        ended 10 % late would leave tens of ms).
  step: `makestep 0.1 3` — the first update steps; under 1 ms within 20 s. Over IPv6: the
        server listens on ::1 only (chronyd -6), and a second real `chronyd -x`, a client of
        the same server, says what reference ID and name `chronyc -n tracking` shows for it.
The reference ID and name are chronyd's (its util.c UTI_IPToRefid): for 127.0.0.1 the
address itself, 7F000001 (127.0.0.1), whatever the port; for ::1 the first 4 bytes of the MD5
of the 16-byte address.
Both: the daemon runs one thread, SIGTERM makes it write the drift file (chronyd's sign:
positive = the uncompensated clock runs fast, so about -23.054 ppm) and exit 0.
"""
import hashlib
import ipaddress
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

from loopback_util import skip, free_udp_port, loopback_programs


def chrony_refid(host):
    """chronyd's reference ID of a server at @host, from its definition (util.c)."""
    packed = ipaddress.ip_address(host).packed
    if len(packed) == 4:
        return packed.hex().upper()
    return hashlib.md5(packed).hexdigest()[:8].upper()


def chronyc_tracking_reference(sock, limit):
    """`chronyc -n tracking`'s Reference ID line of the chronyd at @sock, once synchronized."""
    end = time.monotonic() + limit
    out = ""
    while time.monotonic() < end:
        r = subprocess.run(["chronyc", "-n", "-h", sock, "tracking"], capture_output=True,
                           text=True, timeout=10)
        out = r.stdout + r.stderr
        m = re.search(r"^Reference ID\s*:\s*([0-9A-F]{8}) \((.*)\)$", r.stdout, re.M)
        if m and m.group(1) != "00000000" and m.group(1) != "7F7F0101":
            return m.group(1), m.group(2)
        time.sleep(0.5)
    raise AssertionError("the chronyd client did not synchronize:\n" + out)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "slew"
    chronyd, meridiand = loopback_programs()

    tmp = tempfile.mkdtemp(prefix="mrd-engine-")
    os.chmod(tmp, 0o711)   # chronyd binds its command socket as _chrony, below this
    srv = os.path.join(tmp, "srv")
    os.mkdir(srv)
    shutil.chown(srv, "_chrony", "_chrony")
    os.chmod(srv, 0o750)
    host = "::1" if mode == "step" else "127.0.0.1"
    if ":" in host and not socket.has_ipv6:
        skip("no IPv6")
    port = free_udp_port(host)
    with open(os.path.join(tmp, "server.conf"), "w") as f:
        f.write(f"""local stratum 1
allow {host}
port {port}
bindaddress {host}
cmdport 0
bindcmdaddress {srv}/chronyd.sock
pidfile {srv}/chronyd.pid
driftfile {srv}/drift
""")
    drift = os.path.join(tmp, "drift")
    threshold = "0.1 3" if mode == "step" else "1 3"
    with open(os.path.join(tmp, "meridian.conf"), "w") as f:
        f.write(f"""server {host} port {port} prefer iburst minpoll 2 maxpoll 2
makestep {threshold}
driftfile {drift}
""")
    # What a crash during a drift-file write leaves (removed at start-up), and files that only
    # look alike (kept).
    stale_tmp = os.path.join(tmp, ".#drift.Ab12Cd")
    kept_tmp = [os.path.join(tmp, ".#other.Ab12Cd"), os.path.join(tmp, ".#drift.x")]
    for path in [stale_tmp] + kept_tmp:
        with open(path, "w") as f:
            f.write("1.0 0.1\n")

    procs = []
    try:
        family = ["-6"] if ":" in host else ["-4"]
        server = subprocess.Popen(["setpriv", "--bounding-set", "-sys_time", chronyd, "-x",
                                   "-d", *family, "-f", os.path.join(tmp, "server.conf")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(server)
        time.sleep(0.3)
        if server.poll() is not None:
            skip(f"chronyd exited at once (status {server.returncode})")
        client_sock = None
        if mode == "step":
            # A real chronyd as a second client of the same server, to say how chronyc names
            # it as the reference. It listens on no NTP port and never touches the clock.
            cli = os.path.join(tmp, "cli")
            os.mkdir(cli)
            shutil.chown(cli, "_chrony", "_chrony")
            os.chmod(cli, 0o750)
            client_sock = os.path.join(cli, "chronyd.sock")
            with open(os.path.join(tmp, "client.conf"), "w") as f:
                f.write(f"""server {host} port {port} iburst minpoll -2 maxpoll -2
port 0
cmdport 0
bindcmdaddress {client_sock}
pidfile {cli}/chronyd.pid
""")
            procs.append(subprocess.Popen(
                ["setpriv", "--bounding-set", "-sys_time", chronyd, "-x", "-d", *family, "-f",
                 os.path.join(tmp, "client.conf")],
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "client.log"), "w")))

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

        limit = 20.0 if mode == "step" else 32.0
        sign = -1.0 if mode == "behind" else 1.0
        start = time.monotonic()
        synced_at = None
        truth = re.compile(r"update: (\w+) .* true-offset ([-+0-9.e]+) s")
        refline = re.compile(r"Reference ID ([0-9A-F]{8}) \((.*)\)$")
        reference = None
        seen = 0
        good_run = 0
        while time.monotonic() - start < limit + 20:
            time.sleep(0.5)
            assert daemon.poll() is None, "meridiand exited:\n" + "\n".join(lines)
            with lock:
                new = lines[seen:]
                seen = len(lines)
            for line in new:
                r = refline.search(line)
                if r:
                    reference = (r.group(1), r.group(2))
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
            if synced_at is not None and good_run >= 4:
                break
        assert synced_at is not None and synced_at <= limit, (
            f"not within 1 ms of true after {limit} s:\n" + "\n".join(lines))

        with open(f"/proc/{daemon.pid}/status") as f:
            threads = int(re.search(r"^Threads:\s*(\d+)", f.read(), re.M).group(1))
        assert threads == 1, f"meridiand --no-bus runs {threads} threads, not 1"

        assert reference == (chrony_refid(host), host), (
            f"reference {reference}, chronyd names {host} {chrony_refid(host)}")
        if client_sock is not None:
            theirs = chronyc_tracking_reference(client_sock, 20)
            assert reference == theirs, f"reference {reference}, chronyc -n tracking {theirs}"

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
        assert not os.path.exists(stale_tmp), "a leftover temporary drift file was not removed"
        assert all(os.path.exists(p) for p in kept_tmp), "a file not ours was removed"
        left = [n for n in os.listdir(tmp) if n.startswith(".#drift.") and len(n) > 10]
        assert left == [], f"temporary drift files left after the write: {left}"
        # The clock runs 23.054 ppm slow: chronyd's file would say -23.054 (its sys_linux.c
        # set_frequency: "positive ... if the local clock runs fast when uncompensated").
        assert abs(freq + 23.054) < max(3 * skew, 2.0), f"drift file says {freq} ± {skew} ppm"
        print(f"{mode}: |true offset| < 1 ms after {synced_at:.1f} s, drift {freq:.3f} ppm, "
              f"reference {reference[0]} ({reference[1]})")
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
