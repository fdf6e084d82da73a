#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Server mode: a reply comes from the address the request was sent to.

In network and mount namespaces of the test's own (unshare(1); only a loopback, so binding
every address opens nothing outside): meridiand --no-bus serves `local stratum 8` on a free
port of every address (no bindaddress), as a server with several addresses runs. A client
socket bound to 127.0.0.1 and connected to 127.0.0.2 (the kernel then drops datagrams from
any other address, as our own client sockets and chronyd's do) sends a request: the reply
must come from 127.0.0.2. Without the request's destination address (IP_PKTINFO) the kernel
would answer from 127.0.0.1, the route's choice, and the client would hear nothing. IPv6 the
same way on ::1 where the namespace has it."""
import os
import socket
import tempfile
import time

from loopback_util import (
    NoBusDaemon, free_udp_port, loopback_programs, rerun_in_namespaces, stop_all, write)


def ask(family, source, server, port):
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.bind((source, 0))
        s.connect((server, port))
        s.settimeout(2)
        s.send(bytes([0x23, 0, 6, 0]) + bytes(36) + b"\x07" * 8)
        try:
            return s.recv(2048)
        except socket.timeout:
            return None


def main():
    _, meridiand = loopback_programs()
    rerun_in_namespaces("MRD_SERVE_NETNS", __file__)
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        port = free_udp_port("127.0.0.1")
        conf = os.path.join(tmp, "m.conf")
        write(conf, f"allow\nport {port}\nlocal stratum 8\n", 0o644)
        d = NoBusDaemon(meridiand, conf, debug=True)
        try:
            end = time.monotonic() + 10
            while time.monotonic() < end and not any("Serving NTP" in l for l in d.log()):
                time.sleep(0.1)
            assert any("Serving NTP" in l for l in d.log()), "\n".join(d.log())
            reply = ask(socket.AF_INET, "127.0.0.1", "127.0.0.2", port)
            assert reply is not None, "no reply from 127.0.0.2 to a request sent there"
            assert reply[1] == 8 and reply[24:32] == b"\x07" * 8, reply.hex()
            # the plain case too: to and from the same address
            assert ask(socket.AF_INET, "127.0.0.1", "127.0.0.1", port) is not None
            have_v6 = socket.has_ipv6 and any("no IPv6 socket" in l for l in d.log()) is False
            if have_v6:
                try:
                    reply6 = ask(socket.AF_INET6, "::1", "::1", port)
                except OSError as e:
                    reply6 = None
                    print(f"note: no IPv6 loopback here ({e})")
                else:
                    assert reply6 is not None, "no reply on ::1"
            print("ok: the reply came from the address the request was sent to")
        finally:
            stop_all([d.proc])


if __name__ == "__main__":
    main()
