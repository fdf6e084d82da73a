#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""How the requests leave, as chrony.conf says: bindacqaddress, bindacqdevice, binddevice, dscp.

meridiand --no-bus polls two test servers on the loopback, 127.0.0.1 and ::1, with
`bindacqaddress 127.0.0.2` and `bindacqaddress ::1`, `bindacqdevice lo` and `dscp 46`
(expedited forwarding), and serves (`allow`, `binddevice lo`, `local stratum 8`). The test
servers read each request's source address and its TOS byte / traffic class (IP_RECVTOS,
IPV6_RECVTCLASS): the IPv4 requests must come from 127.0.0.2, not the route's 127.0.0.1, and
every request and the served reply must carry 46 << 2 = 184. Then a daemon asked for an
address this host does not have, and one for an interface it does not have: no request
leaves, and the log says why, naming the address or interface."""
import os
import socket
import tempfile
import time

from loopback_util import NoBusDaemon, free_udp_port, loopback_programs, stop_all, write

EF = 46


class Recorder:
    """A UDP socket on HOST that keeps (source address, TOS or traffic class) of each datagram."""

    def __init__(self, host):
        self.v6 = ":" in host
        self.sock = socket.socket(socket.AF_INET6 if self.v6 else socket.AF_INET,
                                  socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        if self.v6:
            self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVTCLASS, 1)
        else:
            self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
        self.sock.settimeout(0.2)

    def take(self, seconds):
        got = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                data, anc, _, addr = self.sock.recvmsg(2048, socket.CMSG_SPACE(4))
            except socket.timeout:
                continue
            tos = None
            for level, kind, value in anc:
                if (level, kind) in ((socket.IPPROTO_IP, socket.IP_TOS),
                                     (socket.IPPROTO_IPV6, socket.IPV6_TCLASS)):
                    tos = value[0] if len(value) == 1 else int.from_bytes(value[:4], "little")
            got.append((addr[0], tos, len(data)))
        return got


def ask_served(port):
    """A request to the daemon's server on 127.0.0.1:PORT; the reply's TOS byte, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
        s.settimeout(2)
        s.sendto(bytes([0x23, 0, 6, 0]) + bytes(36) + b"\x07" * 8, ("127.0.0.1", port))
        try:
            data, anc, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(4))
        except socket.timeout:
            return None
        for level, kind, value in anc:
            if (level, kind) == (socket.IPPROTO_IP, socket.IP_TOS):
                return value[0]
        return -1


def main():
    _, meridiand = loopback_programs()
    v4 = Recorder("127.0.0.1")
    try:
        v6 = Recorder("::1")
    except OSError as e:
        v6 = None
        print(f"note: no IPv6 loopback here ({e})")
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        serve_port = free_udp_port("127.0.0.1")
        conf = os.path.join(tmp, "m.conf")
        lines = [f"server 127.0.0.1 port {v4.port} iburst minpoll 0 maxpoll 0",
                 "bindacqaddress 127.0.0.2", "bindacqdevice lo", f"dscp {EF}",
                 "allow 127.0.0.1", f"port {serve_port}", "bindaddress 127.0.0.1",
                 "binddevice lo", "local stratum 8"]
        if v6:
            lines += [f"server ::1 port {v6.port} iburst minpoll 0 maxpoll 0",
                      "bindacqaddress ::1"]
        write(conf, "\n".join(lines) + "\n", 0o644)
        d = NoBusDaemon(meridiand, conf, debug=True)
        try:
            got4 = v4.take(4)
            assert got4, "no request reached 127.0.0.1:\n" + "\n".join(d.log())
            assert all(src == "127.0.0.2" for src, _, _ in got4), got4
            assert all(tos == EF << 2 for _, tos, _ in got4), got4
            print(f"ok: {len(got4)} IPv4 requests from 127.0.0.2 with DSCP {EF}")
            if v6:
                got6 = v6.take(1)
                assert got6, "no request reached ::1"
                assert all(tos == EF << 2 for _, tos, _ in got6), got6
                print(f"ok: {len(got6)} IPv6 requests with traffic class DSCP {EF}")
            tos = ask_served(serve_port)
            assert tos == EF << 2, f"served reply's TOS {tos}\n" + "\n".join(d.log())
            print(f"ok: the served reply carries DSCP {EF}")
        finally:
            stop_all([d.proc])

        v4.take(0.5)   # what the first daemon sent last
        for line, word in (("bindacqaddress 192.0.2.77", "192.0.2.77"),
                           ("bindacqdevice nosuchif0", "nosuchif0")):
            write(conf, f"server 127.0.0.1 port {v4.port} iburst minpoll 0 maxpoll 0\n{line}\n",
                  0o644)
            d = NoBusDaemon(meridiand, conf, debug=True)
            try:
                got = v4.take(3)
                assert not got, f"{line}: requests left anyway: {got}"
                assert any(word in l for l in d.log()), f"{line}: the log does not say why:\n" + \
                    "\n".join(d.log())
                print(f"ok: {line}: no request, and the log names {word}")
            finally:
                stop_all([d.proc])


if __name__ == "__main__":
    main()
