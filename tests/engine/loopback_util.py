# SPDX-License-Identifier: GPL-2.0-or-later
"""What the loopback tests of this directory share: meson's skip status, free ports, a file
written with its mode, a small NTP responder, and meridiand --no-bus with its log collected."""
import os
import re
import socket
import subprocess
import sys
import threading
import time

SKIP = 77


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(SKIP)


def free_udp_port(host):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_tcp_port(host):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def write(path, text, mode):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class NoBusDaemon:
    """meridiand --no-bus on a virtual clock 0.3 s off, without CAP_SYS_TIME, configured by the
    file CONF; its stderr log is collected as it comes."""

    def __init__(self, meridiand, conf):
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            ["setpriv", "--bounding-set", "-sys_time", "--inh-caps", "-sys_time", meridiand,
             "--no-bus", "--clock", "virtual", "--virtual-offset", "0.3", "--config", conf],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, G_MESSAGES_DEBUG=""))
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.proc.stderr:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def log(self):
        with self.lock:
            return list(self.lines)

    def synchronized(self):
        return any(re.search(r"update: synchronized .* true-offset", l) for l in self.log())


def ntp_timestamp(t):
    return int((t + 2208988800) * 2**32).to_bytes(8, "big")


def serve_ntp(sock, trailer):
    """Answers the NTP requests on SOCK as a stratum-1 server reading CLOCK_REALTIME, until the
    socket is closed; TRAILER(request) gives what follows the 48-byte header (a MAC, extension
    fields)."""
    while True:
        try:
            req, addr = sock.recvfrom(2048)
        except OSError:
            return
        t2 = time.time()
        if len(req) < 48:
            continue
        hdr = (bytes([0x24, 1, req[2], 0xEC]) + bytes(8) + b"LOCL" + ntp_timestamp(t2 - 1)
               + req[40:48])
        tail = trailer(req)
        sock.sendto(hdr + ntp_timestamp(t2) + ntp_timestamp(time.time()) + tail, addr)
