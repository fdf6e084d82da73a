#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks that mrd-hostile-ntp sends, in each mode, exactly the misbehaviour it promises
(decoded here from the bytes on the wire, by RFC 5905's layout), and a correct reply in
`good` mode."""

import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("MERIDIAN_BUILD_ROOT", "build")
TOOL = os.path.join(BUILD, "tests", "tools", "mrd-hostile-ntp")
NTP_UNIX = 2208988800
failures = []


def check(label, ok):
    print(f"  {label:<70} {'OK' if ok else 'BAD'}")
    if not ok:
        failures.append(label)


def ntp_to_unix(v):
    return (v >> 32) - NTP_UNIX + (v & 0xffffffff) / 2 ** 32


class Server:
    def __init__(self, mode, *extra):
        self.tmp = tempfile.TemporaryDirectory()
        pf = os.path.join(self.tmp.name, "port")
        self.p = subprocess.Popen([TOOL, "--mode", mode, "--port-file", pf, "--duration", "30"]
                                  + list(extra), stdout=subprocess.PIPE, text=True)
        for _ in range(500):
            if os.path.exists(pf):
                break
            time.sleep(0.01)
        self.port = int(open(pf).read())
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect(("127.0.0.1", self.port))
        self.sock.settimeout(2)

    def ask(self, mode_byte=0x23):
        tx = os.urandom(8)
        self.sock.send(bytes([mode_byte, 0, 6, 0xec]) + bytes(36) + tx)
        try:
            return tx, self.sock.recv(4096)
        except socket.timeout:
            return tx, None

    def ask_all(self, wait=0.3):
        """A request from an unconnected socket; every datagram that comes back within `wait`
        seconds as (source address, bytes): forged ones from elsewhere included."""
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        tx = os.urandom(8)
        u.sendto(bytes([0x23, 0, 6, 0xec]) + bytes(36) + tx, ("127.0.0.1", self.port))
        got = []
        self.asked = time.time()
        u.settimeout(wait)
        try:
            while True:
                data, src = u.recvfrom(4096)
                got.append((src, data))
        except socket.timeout:
            pass
        u.close()
        return tx, got

    def close(self):
        self.p.terminate()
        out = self.p.communicate(timeout=5)[0]
        self.tmp.cleanup()
        return out


def fields(data):
    li, vn, mode = data[0] >> 6, (data[0] >> 3) & 7, data[0] & 7
    ts = struct.unpack("!4Q", data[16:48])
    return dict(li=li, vn=vn, mode=mode, stratum=data[1], refid=data[12:16], ref=ts[0],
                org=data[24:32], rx=ntp_to_unix(ts[2]), tx=ntp_to_unix(ts[3]))


def main():
    if not os.access(TOOL, os.X_OK):
        print(f"SKIP: {TOOL} not built")
        return 77

    s = Server("good")
    tx, d = s.ask()
    f = fields(d)
    now = time.time()
    check("good: 48 bytes, mode 4, version 4, LI 0, stratum 1",
          len(d) == 48 and f["mode"] == 4 and f["vn"] == 4 and f["li"] == 0 and f["stratum"] == 1)
    check("good: origin = request's transmit", f["org"] == tx)
    check("good: receive/transmit within 1 s of now, transmit >= receive",
          abs(f["rx"] - now) < 1 and abs(f["tx"] - now) < 1 and f["tx"] >= f["rx"])
    _, d = s.ask(mode_byte=0x24)
    check("a mode-4 packet (not a request) gets no answer", d is None)
    s.close()

    s = Server("good", "--offset", "0.25")
    _, d = s.ask()
    f = fields(d)
    check("--offset 0.25: time 250 ms ahead", abs(f["tx"] - time.time() - 0.25) < 0.05)
    s.close()

    for mode, code in (("kod-rate", b"RATE"), ("kod-deny", b"DENY")):
        s = Server(mode)
        tx, d = s.ask()
        f = fields(d)
        check(f"{mode}: LI 3, stratum 0, refid {code.decode()}, origin kept",
              f["li"] == 3 and f["stratum"] == 0 and f["refid"] == code and f["org"] == tx)
        s.close()

    s = Server("wrong-origin")
    tx, d = s.ask()
    check("wrong-origin: origin differs from the request's transmit", fields(d)["org"] != tx)
    s.close()
    s = Server("stratum16")
    _, d = s.ask()
    check("stratum16: stratum 16", fields(d)["stratum"] == 16)
    s.close()
    s = Server("leap3")
    _, d = s.ask()
    check("leap3: LI 3 with stratum 1", fields(d)["li"] == 3 and fields(d)["stratum"] == 1)
    s.close()
    s = Server("truncated")
    _, d = s.ask()
    check("truncated: 20 bytes", len(d) == 20)
    s.close()
    s = Server("oversized")
    _, d = s.ask()
    check("oversized: 1000 bytes", len(d) == 1000)
    s.close()
    s = Server("jump")
    _, d = s.ask()
    check("jump: 1000 s ahead", abs(fields(d)["tx"] - time.time() - 1000) < 1)
    s.close()
    s = Server("garbage", "--seed", "3")
    lens = [len(s.ask()[1]) for _ in range(20)]
    check(f"garbage: random lengths in [1, 200] ({min(lens)}..{max(lens)})",
          1 <= min(lens) and max(lens) <= 200 and len(set(lens)) > 5)
    s.close()

    s = Server("ratelimit:0.5")
    r1 = fields(s.ask()[1])
    r2 = fields(s.ask()[1])
    time.sleep(0.6)
    r3 = fields(s.ask()[1])
    check("ratelimit:0.5: good, then KoD RATE when too early, then good again",
          r1["stratum"] == 1 and r2["refid"] == b"RATE" and r2["stratum"] == 0
          and r3["stratum"] == 1)
    out = s.close()
    check("one stdout line per reply", out.split().count("reply") == 3)

    s = Server("cycle")
    for _ in range(10):
        s.ask()
    out = s.close()
    modes = [ln.split()[2] for ln in out.splitlines()]
    hostile = {"kod-rate", "wrong-origin", "stratum16", "leap3", "truncated", "oversized",
               "jump", "garbage"}
    check(f"cycle: the 8 hostile modes but DENY in 8 requests, then again ({modes[:2]}...)",
          len(modes) == 10 and set(modes[:8]) == hostile and modes[8:] == modes[:2])

    s = Server("forge-origin", "--forge-offset", "0.5")
    tx, got = s.ask_all()
    f = [fields(d) for _, d in got]
    check("forge-origin: a forged reply (origin wrong, 0.5 s off), then the correct one",
          len(f) == 2 and f[0]["org"] != tx and abs(f[0]["tx"] - s.asked - 0.5) < 0.1
          and f[1]["org"] == tx and abs(f[1]["tx"] - s.asked) < 0.1)
    s.close()
    for mode, extra, want in (("forge-port", [], "127.0.0.1"),
                              ("forge-addr", ["--forge-from", "127.0.0.9"], "127.0.0.9")):
        s = Server(mode, *extra)
        tx, got = s.ask_all()
        f = [fields(d) for _, d in got]
        check(f"{mode}: from {want} port != server's: right origin, 0.5 s off; then correct",
              len(got) == 2 and got[0][0][0] == want and got[0][0][1] != s.port
              and f[0]["org"] == tx and abs(f[0]["tx"] - s.asked - 0.5) < 0.1
              and got[1][0] == ("127.0.0.1", s.port) and f[1]["org"] == tx
              and abs(f[1]["tx"] - s.asked) < 0.1)
        s.close()
    s = Server("replay")
    tx1, got1 = s.ask_all()
    tx2, got2 = s.ask_all()
    check("replay: the first request gets its reply twice (the second a duplicate)",
          len(got1) == 2 and got1[0][1] == got1[1][1] and fields(got1[0][1])["org"] == tx1)
    check("replay: the next gets the earlier reply first, then its own twice",
          len(got2) == 3 and got2[0][1] == got1[0][1] and fields(got2[1][1])["org"] == tx2
          and got2[1][1] == got2[2][1])
    s.close()
    s = Server("good", "--jump-at", "1")
    _, d1 = s.ask()
    off1 = fields(d1)["tx"] - time.time()
    time.sleep(1.1)
    _, d2 = s.ask()
    off2 = fields(d2)["tx"] - time.time()
    check(f"--jump-at 1: right first, 1000 s ahead after 1 s ({off1:.3f}, {off2:.3f})",
          abs(off1) < 0.2 and abs(off2 - 1000) < 0.2)
    s.close()
    # 100 000 ppm = 0.1 s per second, reversing every 0.5 s: +25 ms at 0.25 s, +50 ms at the
    # top (0.5 s), back to 0 at 1 s.
    s = Server("good", "--slew", "100000", "--reverse", "0.5")
    t0 = time.monotonic()
    offs = []
    for at in (0.25, 0.75, 1.25):
        time.sleep(max(0, at - (time.monotonic() - t0)))
        offs.append(fields(s.ask()[1])["tx"] - time.time())
    check(f"--slew 100000 --reverse 0.5: +25, +25, +25 ms at 0.25, 0.75, 1.25 s "
          f"({', '.join(f'{o * 1e3:.0f}' for o in offs)})",
          all(abs(o - 0.025) < 0.015 for o in offs))
    s.close()
    s = Server("kod-rate", "--burst", "5")
    tx, got = s.ask_all()
    check("--burst 5: five identical KoDs for one request",
          len(got) == 5 and len({d for _, d in got}) == 1 and fields(got[0][1])["refid"] == b"RATE")
    out = s.close()
    check("--burst: one stdout line per request", out.split().count("reply") == 1)
    s = Server("garbage", "--burst", "5", "--seed", "4")
    _, got = s.ask_all()
    check("garbage --burst 5: five different packets", len({d for _, d in got}) == 5)
    s.close()

    r = subprocess.run([TOOL, "--mode", "friendly"], capture_output=True, text=True, timeout=5)
    check("unknown mode refused (exit 2, message)",
          r.returncode == 2 and "unknown mode" in r.stderr)
    r = subprocess.run([TOOL, "--mode", "ratelimit:-1"], capture_output=True, text=True,
                       timeout=5)
    check("ratelimit:-1 refused", r.returncode == 2)
    for bad in (["--burst", "0"], ["--slew", "nan"], ["--reverse", "-1"]):
        r = subprocess.run([TOOL, "--mode", "good"] + bad, capture_output=True, text=True,
                           timeout=5)
        check(f"{' '.join(bad)} refused", r.returncode == 2)

    print("FAIL" if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
