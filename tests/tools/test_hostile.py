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

    r = subprocess.run([TOOL, "--mode", "friendly"], capture_output=True, text=True, timeout=5)
    check("unknown mode refused (exit 2, message)",
          r.returncode == 2 and "unknown mode" in r.stderr)
    r = subprocess.run([TOOL, "--mode", "ratelimit:-1"], capture_output=True, text=True,
                       timeout=5)
    check("ratelimit:-1 refused", r.returncode == 2)

    print("FAIL" if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
