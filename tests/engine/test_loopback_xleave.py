#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Interleaved mode (`xleave`) against a real chronyd on loopback.

A real `chronyd -x` (never touches the clock) serves `local stratum 1` on a free port of
127.0.0.1; chronyd answers an interleaved request when it still holds the receive and transmit
timestamps of the client's previous exchange (its client log, on by default; `noclientlog`
would turn it off). meridiand --no-bus --clock virtual, without CAP_SYS_TIME, 0.3 s off, polls
it every second with `xleave` and `makestep 0.1 3`:
  - it synchronizes and logs that the replies come in interleaved mode, and never that they
    fell back to basic;
  - chronyd's `serverstats` counts its interleaved packets: all but the first two requests
    (the first has no previous exchange to name; chronyd answers the first interleaved one in
    basic mode).
A second daemon with the same line without `xleave` synchronizes too and adds nothing to that
count (it is read before and after it ran).
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from loopback_util import (
    skip, free_udp_port, write, chronyd_serverstats, loopback_programs, start_chronyd_server)


class Daemon:
    """meridiand --no-bus --verbose, its log collected: the core says at the info level (which
    GLib writes to stdout) which mode the replies came in."""

    def __init__(self, meridiand, conf):
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            ["setpriv", "--bounding-set", "-sys_time", "--inh-caps", "-sys_time", meridiand,
             "--no-bus", "--verbose", "--clock", "virtual", "--virtual-offset", "0.3", "--config",
             conf],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def log(self):
        with self.lock:
            return list(self.lines)

    def count(self, pattern):
        return sum(1 for l in self.log() if re.search(pattern, l))


def serverstats(sock):
    keys = ("NTP packets received", "Interleaved NTP packets")
    return dict(zip(keys, chronyd_serverstats(sock, *keys)))


def run(meridiand, tmp, name, line, seconds):
    conf = os.path.join(tmp, name + ".conf")
    write(conf, f"{line}\nmakestep 0.1 3\n", 0o644)
    d = Daemon(meridiand, conf)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.25)
        assert d.proc.poll() is None, f"{name} exited:\n" + "\n".join(d.log())
    d.proc.send_signal(signal.SIGTERM)
    assert d.proc.wait(timeout=10) == 0, f"{name}: exit status {d.proc.returncode}"
    return d


def main():
    chronyd, meridiand = loopback_programs()

    tmp = tempfile.mkdtemp(prefix="mrd-xleave-")
    os.chmod(tmp, 0o711)
    server = None
    try:
        port = free_udp_port("127.0.0.1")
        server, sock = start_chronyd_server(chronyd, tmp, port)
        time.sleep(0.3)
        if server.poll() is not None:
            skip("chronyd exited at once")
        line = f"server 127.0.0.1 port {port} iburst minpoll 0 maxpoll 0"

        before = serverstats(sock)
        x = run(meridiand, tmp, "xleave", line + " xleave", 7)
        mid = serverstats(sock)
        b = run(meridiand, tmp, "basic", line, 4)
        after = serverstats(sock)

        text = "\n".join(x.log())
        assert x.count(r"update: synchronized") > 0, "xleave: not synchronized:\n" + text
        assert x.count(r"replies in interleaved mode") == 1, text
        assert x.count(r"replies in basic mode") == 0, text
        sent = mid["NTP packets received"] - before["NTP packets received"]
        interleaved = mid["Interleaved NTP packets"] - before["Interleaved NTP packets"]
        # one request per second after iburst's four; all but the first are interleaved
        # unless a reply was lost (none on loopback)
        assert sent >= 6, f"xleave: the server received only {sent} requests"
        assert interleaved >= sent - 2, (
            f"xleave: {interleaved} of {sent} requests answered interleaved\n" + text)

        assert b.count(r"update: synchronized") > 0, "basic: not synchronized:\n" + "\n".join(b.log())
        assert after["NTP packets received"] > mid["NTP packets received"]
        assert after["Interleaved NTP packets"] == mid["Interleaved NTP packets"], (
            "a client without xleave was answered interleaved")
        print(f"xleave: {interleaved} of {sent} requests answered interleaved by chronyd; "
              f"without xleave: {after['NTP packets received'] - mid['NTP packets received']} "
              "requests, none interleaved")
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait()
        if not os.environ.get("MERIDIAN_KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
