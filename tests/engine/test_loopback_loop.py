#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A synchronization loop refused (chronyd's test D), with two real chronyds on loopback.

meridiand --no-bus serves on 127.0.0.1:P and polls two servers: chronyd A on 127.0.0.3
(`local stratum 1`) and chronyd B on 127.0.0.2 (`noselect`: test D judges its samples all
the same, and meridiand's clock follows A alone, however B's first samples, taken while the
clock is slewed, compare with A's), which itself polls meridiand and has nothing else but
its own clock. Once B is synchronized to meridiand, it names meridiand's
address (127.0.0.1, the address meridiand polls it from) as its reference: B's samples would
then close a loop, and meridiand must refuse them. Checked in rawmeasurements' test columns
(chrony.conf(5): tests 1-3, 5-7, A-D) and against chronyc's own view of B:
  - B's replies naming 7F000001 at stratum 3 fail test D ("111 111 1110"), and chronyc
    on B shows it synchronized to 127.0.0.1 (the premise);
  - B's replies before that, if any came (its own clock, 7F7F0101, stratum 1), passed
    test D;
  - A's replies pass; the loop is said once in the log, not per reply.
"""
import os
import re
import subprocess
import tempfile

from loopback_util import (NoBusDaemon, free_udp_port, loopback_programs, start_chronyd_server,
                           stop_all, wait_daemon, write)


def data_lines(text):
    return [l for l in text.splitlines() if re.match(r"^\d{4}-\d\d-\d\d ", l)]


def main():
    chronyd, meridiand = loopback_programs()
    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        try:
            port_a = free_udp_port("127.0.0.3")
            port_b = free_udp_port("127.0.0.2")
            port = free_udp_port("127.0.0.1")
            a, _ = start_chronyd_server(chronyd, tmp, port_a, name="a", bindaddress="127.0.0.3")
            procs.append(a)
            logdir = os.path.join(tmp, "log")
            conf = os.path.join(tmp, "m.conf")
            write(conf, f"server 127.0.0.3 port {port_a} iburst prefer minpoll -1 maxpoll -1\n"
                        f"server 127.0.0.2 port {port_b} iburst minpoll -1 maxpoll -1"
                        f" noselect\n"
                        f"allow 127.0.0.0/8\nport {port}\nbindaddress 127.0.0.1\n"
                        f"log rawmeasurements\nlogdir {logdir}\n", 0o644)
            d = NoBusDaemon(meridiand, conf)
            procs.append(d.proc)
            wait_daemon("meridiand to synchronize to A", d.synchronized, d, 30)
            b, b_sock = start_chronyd_server(
                chronyd, tmp, port_b, name="b", bindaddress="127.0.0.2",
                allow="127.0.0.1",
                extra=f"server 127.0.0.1 port {port} iburst minpoll -1 maxpoll -1\n")
            procs.append(b)

            def read():
                try:
                    with open(os.path.join(logdir, "measurements.log")) as f:
                        return data_lines(f.read())
                except FileNotFoundError:
                    return []

            def b_synced_to_us():
                return [l for l in read() if " 127.0.0.2 " in l and " 7F000001 " in l]

            wait_daemon("B's replies naming us as its reference",
                        lambda: len(b_synced_to_us()) >= 4, d, 40)
            tracking = subprocess.run(["chronyc", "-h", b_sock, "-n", "tracking"],
                                      capture_output=True, text=True, timeout=10).stdout
            assert re.search(r"Reference ID\s*: 7F000001 \(127\.0\.0\.1\)", tracking), tracking
            assert re.search(r"Stratum\s*: 3", tracking), tracking

            lines = read()
            looped = b_synced_to_us()
            # test D failed, and A and RFC 5905's passed (B and C, the delay against the
            # least, may refuse a reply that queued on a loaded machine)
            for line in looped:
                assert re.search(r" N  3 111 111 1[01][01]0 ", line), \
                    "B synchronized to us did not fail test D:\n" + line
            # B's replies from before it synchronized to us (if one came: B takes meridiand
            # at its first polls), on its own clock, passed test D
            b_alone = [l for l in lines if " 127.0.0.2 " in l and " 7F7F0101 " in l]
            for line in b_alone:
                assert re.search(r" N  1 111 111 1[01][01]1 ", line), line
            from_a = [l for l in lines if " 127.0.0.3 " in l]
            assert len(from_a) >= 4, "\n".join(lines)
            good_a = [l for l in from_a if " N  1 111 111 1111 " in l]
            assert len(good_a) >= len(from_a) * 3 // 4, "\n".join(from_a)
            log = d.log()
            said = [l for l in log if "synchronization loop" in l]
            assert len(said) == 1 and "127.0.0.2" in said[0], "\n".join(log)
            assert d.proc.poll() is None, "\n".join(log)
            print(f"B: {len(b_alone)} replies on its own clock, {len(looped)} naming us, all"
                  f" refused by test D; A: {len(good_a)} of {len(from_a)} good")
        finally:
            stop_all(procs)


if __name__ == "__main__":
    main()
