#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Server mode (`allow`) on loopback, with real chronyds on both sides.

A real `chronyd -x` serves `local stratum 1` on 127.0.0.1:P1 (the real clock). meridiand
--no-bus, its virtual clock 0.3 s off, without CAP_SYS_TIME, synchronizes to it (`makestep 0.1
3`) and serves on 127.0.0.1:P2 with `allow 127.0.0.1`, `allow 127.0.0.3` and `ratelimit
interval 1 burst 4 leak 0`:
  - a second real chronyd, `chronyd -Q` (measures, never sets the clock), asked for the time
    of 127.0.0.1:P2, finds the real clock within 10 ms of what meridiand serves: the served
    time is the disciplined one (it was 0.3 s off before);
  - meridiand's replies say stratum 2, the upstream's reference ID (127.0.0.1), leap 0;
  - 127.0.0.2, not allowed, hears nothing, nor do a server reply sent to the port, a short
    datagram, a request with a MAC, or a symmetric-mode packet;
  - ten requests at once from 127.0.0.3: four answered (the burst), the rest dropped.
A meridiand still slewing its 0.3 s out (maxslewrate 500) serves the reading less what is
left to slew (chronyd's cooked time): chronyd -Q finds it true though the clock is still
tenths of a second off. A meridiand with no source answers "unsynchronized" (leap 3,
stratum 16), and with `local stratum 8` serves its own clock, which chronyd -Q then reads
0.3 s off.
"""
import os
import re
import socket
import struct
import subprocess
import tempfile
import time

from loopback_util import (
    NoBusDaemon, free_udp_port, loopback_programs, start_chronyd_server, stop_all, write)


def request(tx=b"\x01\x02\x03\x04\x05\x06\x07\x08", first=0x23):
    return bytes([first, 0, 6, 0]) + bytes(36) + tx


def ask(port, data, source="127.0.0.1", timeout=1.0):
    """Send @data to 127.0.0.1:@port from @source; the reply, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((source, 0))
        s.settimeout(timeout)
        s.sendto(data, ("127.0.0.1", port))
        try:
            return s.recv(2048)
        except socket.timeout:
            return None


def chronyd_q(chronyd, port):
    """chronyd -Q's measurement of 127.0.0.1:@port: the real clock's error (s) against it."""
    r = subprocess.run(["setpriv", "--bounding-set", "-sys_time", chronyd, "-Q", "-f",
                        "/dev/null", "-t", "20",
                        f"server 127.0.0.1 port {port} iburst minpoll -2 maxpoll -2"],
                       capture_output=True, text=True, timeout=30)
    m = re.search(r"System clock wrong by (-?[0-9.]+) seconds", r.stdout + r.stderr)
    assert m, "chronyd -Q found no time:\n" + r.stdout + r.stderr
    return float(m.group(1))


def wait_for(what, cond, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


def main():
    chronyd, meridiand = loopback_programs()
    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        try:
            up = free_udp_port("127.0.0.1")
            srv, _ = start_chronyd_server(chronyd, tmp, up)
            procs.append(srv)
            port = free_udp_port("127.0.0.1")
            conf = os.path.join(tmp, "m.conf")
            write(conf, f"server 127.0.0.1 port {up} iburst minpoll -2 maxpoll -2\n"
                        f"makestep 0.1 3\nallow 127.0.0.1\nallow 127.0.0.3\nport {port}\n"
                        f"bindaddress 127.0.0.1\nratelimit interval 1 burst 4 leak 0\n", 0o644)
            d = NoBusDaemon(meridiand, conf, debug=True)
            procs.append(d.proc)
            wait_for("meridiand to synchronize", d.synchronized, 30)
            time.sleep(2)

            # The served time is the disciplined clock's: 0.3 s off at the start, now within
            # 10 ms of the real clock, which chronyd -Q compares it with (synchronized to
            # under 1 ms; the rest is room for chronyd -Q's own samples on a loaded machine).
            err = chronyd_q(chronyd, port)
            assert abs(err) < 0.01, f"chronyd -Q reads meridiand's served time {err} s off"

            reply = ask(port, request())
            assert reply is not None and len(reply) == 48, reply
            li, vn, mode = reply[0] >> 6, (reply[0] >> 3) & 7, reply[0] & 7
            assert (li, vn, mode) == (0, 4, 4), (li, vn, mode)
            assert reply[1] == 2, f"stratum {reply[1]}"
            assert reply[12:16] == socket.inet_aton("127.0.0.1"), reply[12:16].hex()
            assert reply[24:32] == bytes(range(1, 9)), "origin is not the request's transmit"
            root_dispersion = struct.unpack(">I", reply[8:12])[0] / 65536
            assert 0 < root_dispersion < 0.1, root_dispersion

            # Refused without an answer.
            assert ask(port, request(), source="127.0.0.2") is None, "127.0.0.2 was answered"
            for name, data in (("a server reply", request(first=0x24)),
                               ("a symmetric-mode packet", request(first=0x21)),
                               ("47 bytes", request()[:47]),
                               ("a request with a MAC", request() + bytes(4) + bytes(16)),
                               ("an NTPv5 request", request(first=0x2B))):
                assert ask(port, data, timeout=0.5) is None, f"{name} was answered"

            # The rate limit: the burst's four, then nothing.
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.3", 0))
                for _ in range(10):
                    s.sendto(request(), ("127.0.0.1", port))
                s.settimeout(1.0)
                answered = 0
                try:
                    while True:
                        s.recv(2048)
                        answered += 1
                except socket.timeout:
                    pass
            # (a fifth only if the sends were held up for the 2 s one more answer takes)
            assert 4 <= answered <= 5, f"{answered} of 10 answered at once (burst 4)"
            # 127.0.0.1 has its own allowance: still answered.
            assert ask(port, request()) is not None
            stop_all([d.proc])

            # Mid-slew: synchronized to the real chronyd but slewing its 0.3 s out at 500 ppm
            # (some 600 s), the clock still reads far off; what is served is the reading less
            # what is still to slew out (chronyd's cooked time), so chronyd -Q finds it true.
            port3 = free_udp_port("127.0.0.1")
            conf3 = os.path.join(tmp, "m-slew.conf")
            write(conf3, f"server 127.0.0.1 port {up} iburst minpoll -2 maxpoll -2\n"
                         f"maxslewrate 500\nallow 127.0.0.1\nport {port3}\n"
                         f"bindaddress 127.0.0.1\n", 0o644)
            d3 = NoBusDaemon(meridiand, conf3, debug=True)
            procs.append(d3.proc)
            wait_for("the slewing meridiand to synchronize", d3.synchronized, 30)
            err = chronyd_q(chronyd, port3)
            offsets = [float(m.group(1)) for m in
                       (re.search(r"true-offset ([-+0-9.]+) s", l) for l in d3.log()) if m]
            assert offsets and abs(offsets[-1]) > 0.1, f"not slewing any more: {offsets[-3:]}"
            assert abs(err) < 0.01, (f"mid-slew (the clock {offsets[-1]:+.3f} s off) chronyd -Q "
                                     f"reads the served time {err} s off")
            stop_all([d3.proc])

            # No source: "unsynchronized"; with `local stratum 8`, its own clock.
            for extra, check in (("", "unsync"), ("local stratum 8\n", "local")):
                port2 = free_udp_port("127.0.0.1")
                conf2 = os.path.join(tmp, f"m-{check}.conf")
                write(conf2, f"allow 127.0.0.1\nport {port2}\nbindaddress 127.0.0.1\n" + extra,
                      0o644)
                d2 = NoBusDaemon(meridiand, conf2, debug=True)
                procs.append(d2.proc)
                wait_for("meridiand to serve", lambda: any("Serving NTP" in l for l in d2.log()),
                         10)
                reply = ask(port2, request())
                assert reply is not None
                if check == "unsync":
                    assert (reply[0] >> 6, reply[1]) == (3, 16), (reply[0] >> 6, reply[1])
                else:
                    assert (reply[0] >> 6, reply[1]) == (0, 8), (reply[0] >> 6, reply[1])
                    assert reply[12:16] == b"LOCL"
                    err = chronyd_q(chronyd, port2)
                    assert abs(abs(err) - 0.3) < 0.01, f"local clock read {err} s off, not 0.3"
                stop_all([d2.proc])
            print("ok: served the disciplined time to chronyd -Q; refused what it must")
        finally:
            stop_all(procs)


if __name__ == "__main__":
    main()
