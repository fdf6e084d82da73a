#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""NTPv4 Server and Port Negotiation (RFC 8915 §4.1.7-8) followed, meridiand --no-bus against
two real `chronyd -x` NTS servers that name another NTP server (chronyd's `ntsntpserver`), in
a network namespace and mount namespace this script makes (only its loopback; its own
/etc/hosts, where ntp2.test is 127.0.0.2):

  address: NTS-KE at 127.0.0.1 (no `port` on the line), chronyd A answers
           `ntsntpserver 127.0.0.2` and its port -> the client polls 127.0.0.2:PA and
           synchronizes; restarted with its `ntsdumpdir`, it polls 127.0.0.2 again without
           a new NTS-KE (chronyd A's serverstats);
  name:    chronyd B answers `ntsntpserver ntp2.test` -> the name is resolved and polled.
The certificate (for 127.0.0.1) is checked against the line's name, never the negotiated one.
"""
import os
import shutil
import subprocess
import tempfile
import time

from loopback_util import (
    NoBusDaemon, rerun_in_namespaces, skip, free_udp_port, free_tcp_port, write, stop_all,
    start_chronyd_server)
from test_loopback_nts import make_cert, nts_server_lines, nts_serverstats as serverstats


def start_chronyd(chronyd, tmp, name, port, ntsport, cert, key, ntpserver):
    # No bindaddress: the namespace has only its loopback, and 127.0.0.2 must answer too.
    return start_chronyd_server(chronyd, tmp, port, name=name, bindaddress=None,
                                allow="127.0.0.0/8", capture_stderr=True,
                                extra=nts_server_lines(cert, key, ntsport)
                                + f"ntsntpserver {ntpserver}\n")


def wait_synchronized(daemons, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for name, d in daemons.items():
            assert d.proc.poll() is None, f"{name} exited:\n" + "\n".join(d.log())
        if all(d.synchronized() for d in daemons.values()):
            return
        time.sleep(0.3)
    for name, d in daemons.items():
        assert d.synchronized(), f"{name}: not synchronized:\n" + "\n".join(d.log())


def main():
    if os.geteuid() != 0:
        skip("needs root: namespaces, chronyd drops to _chrony, setpriv drops CAP_SYS_TIME")
    chronyd = shutil.which("chronyd") or "/usr/sbin/chronyd"
    if not os.path.exists(chronyd):
        skip("chronyd is not installed")
    if not shutil.which("openssl"):
        skip("openssl is not installed (apt-get install openssl)")
    rerun_in_namespaces("MRD_NTS_NETNS", __file__)
    meridiand = os.environ.get("MERIDIAND") or os.path.join(
        os.environ["MERIDIAN_BUILD_ROOT"], "service", "meridiand")

    tmp = tempfile.mkdtemp(prefix="mrd-ntsneg-")
    os.chmod(tmp, 0o711)
    procs = []
    try:
        hosts = os.path.join(tmp, "hosts")
        write(hosts, "127.0.0.1 localhost\n127.0.0.2 ntp2.test\n", 0o644)
        subprocess.run(["mount", "--bind", hosts, "/etc/hosts"], check=True)
        cert, key = make_cert(tmp, "srv", "127.0.0.1", "IP:127.0.0.1")
        servers = {}
        for name, ntpserver in (("a", "127.0.0.2"), ("b", "ntp2.test")):
            port, ntsport = free_udp_port("127.0.0.1"), free_tcp_port("127.0.0.1")
            p, sock = start_chronyd(chronyd, tmp, name, port, ntsport, cert, key, ntpserver)
            procs.append(p)
            servers[name] = (port, ntsport, sock, p)
        time.sleep(0.5)
        for name, (_, _, sock, p) in servers.items():
            if p.poll() is not None:
                skip(f"chronyd {name} exited at once: " + p.stderr.read()[-2000:])

        pa, ka, sock_a, _ = servers["a"]
        pb, kb, sock_b, _ = servers["b"]
        dumpdir = os.path.join(tmp, "nts")
        lines = {
            "address": f"server 127.0.0.1 iburst minpoll 1 maxpoll 1 nts ntsport {ka}\n"
                       f"ntsdumpdir {dumpdir}\n",
            "name": f"server 127.0.0.1 port {pb} iburst minpoll 1 maxpoll 1 nts ntsport {kb}\n",
        }
        confs, daemons = {}, {}
        for name, line in lines.items():
            confs[name] = os.path.join(tmp, name + ".conf")
            write(confs[name], line + f"ntstrustedcerts {cert}\nnosystemcert\nmakestep 0.1 3\n",
                  0o644)
            daemons[name] = NoBusDaemon(meridiand, confs[name])
            procs.append(daemons[name].proc)
        wait_synchronized(daemons)

        logs = {n: "\n".join(d.log()) for n, d in daemons.items()}
        assert f"NTS-KE with 127.0.0.1: NTP server negotiated: 127.0.0.2:{pa}" in logs["address"], \
            logs["address"]
        assert f"NTS-KE with 127.0.0.1: NTP server negotiated: 127.0.0.2:{pb}" in logs["name"], \
            logs["name"]
        for log in logs.values():
            assert "reply refused" not in log, log
        ke_a, auth_a = serverstats(sock_a)
        ke_b, auth_b = serverstats(sock_b)
        assert ke_a == 1 and ke_b == 1 and auth_a >= 3 and auth_b >= 3, (ke_a, auth_a, ke_b, auth_b)

        # Restarted: the saved exchange names 127.0.0.2, polled again without an NTS-KE.
        d = daemons["address"]
        d.proc.terminate()
        assert d.proc.wait(timeout=10) == 0, "\n".join(d.log())
        dump = open(os.path.join(dumpdir, f"127.0.0.1@{ka}.nts")).read()
        assert f"\nsource 127.0.0.1 127.0.0.2 {pa} " in dump, dump
        d = NoBusDaemon(meridiand, confs["address"])
        procs.append(d.proc)
        wait_synchronized({"address again": d})
        ke_a2, auth_a2 = serverstats(sock_a)
        assert ke_a2 == 1 and auth_a2 > auth_a, (ke_a2, auth_a2, auth_a)
        print(f"chronyd A: {ke_a2} NTS-KE for 2 runs, {auth_a2} authenticated packets to "
              f"127.0.0.2; chronyd B: {ke_b} NTS-KE, {auth_b} authenticated to ntp2.test")
    finally:
        stop_all(procs)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
