#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""NTS cookies kept across restarts (`ntsdumpdir`), meridiand --no-bus against a real
`chronyd -x` NTS server on loopback (test_loopback_nts.py's set-up).

  1. The first run makes one NTS-KE (chronyd's serverstats count it) and, once it has keys,
     writes DIR/localhost@K.nts, mode 0600; stopped (SIGTERM) it writes its cookies again,
     without those its requests spent.
  2. chronyd is restarted with its NTS-KE on another port (its keys kept): the client,
     restarted, reaches no NTS-KE server and needs none: chronyd counts authenticated packets
     and no NTS-KE connection (a restart, and a server unreachable over TLS at boot).
  3. A corrupt dump (one byte changed into a non-hex one) is logged and ignored: a new NTS-KE.
  4. A symbolic link planted as the dump is neither read nor written through: logged, a new
     NTS-KE, and the file it points to is unchanged.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time

from loopback_util import (
    NoBusDaemon, skip, free_udp_port, free_tcp_port, write, loopback_programs, stop_all,
    wait_daemon as wait)
from test_loopback_nts import make_cert, start_chronyd, nts_serverstats as serverstats


def stop(daemon):
    daemon.proc.terminate()
    assert daemon.proc.wait(timeout=10) == 0, "\n".join(daemon.log())


def main():
    chronyd, meridiand = loopback_programs(need_openssl=True)

    tmp = tempfile.mkdtemp(prefix="mrd-ntsdump-")
    os.chmod(tmp, 0o711)
    procs = []
    try:
        cert, key = make_cert(tmp, "srv", "localhost", "DNS:localhost")
        port, ntsport = free_udp_port("127.0.0.1"), free_tcp_port("127.0.0.1")
        server, sock = start_chronyd(chronyd, tmp, port, ntsport, cert, key)
        procs.append(server)
        end = time.monotonic() + 10
        while not os.path.exists(sock) and server.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        if server.poll() is not None:
            skip("chronyd exited at once: " + server.stderr.read()[-2000:])

        dumpdir = os.path.join(tmp, "nts")
        os.mkdir(dumpdir, 0o700)
        dump = os.path.join(dumpdir, f"localhost@{ntsport}.nts")
        conf = os.path.join(tmp, "meridian.conf")
        write(conf, f"server localhost port {port} iburst minpoll 1 maxpoll 1 nts ntsport "
                    f"{ntsport}\nntstrustedcerts {cert}\nnosystemcert\nntsdumpdir {dumpdir}\n",
              0o644)

        def run(ke_expected, auth_before):
            d = NoBusDaemon(meridiand, conf)
            procs.append(d.proc)
            wait("two authenticated replies", lambda: serverstats(sock)[1] >= auth_before + 2, d)
            ke, auth = serverstats(sock)
            assert ke == ke_expected, f"NTS-KE connections {ke}, expected {ke_expected}:\n" + \
                "\n".join(d.log())
            stop(d)
            return d, auth

        # 1. The first run: one key exchange, the dump written (0600) with its cookies; at
        #    exit the jar as it is, without the cookies spent (the dump written after the key
        #    exchange is read before the second reply could make it written again).
        d = NoBusDaemon(meridiand, conf)
        procs.append(d.proc)
        wait("the first authenticated reply", lambda: serverstats(sock)[1] >= 1, d)
        after_ke = open(dump).read()
        wait("two authenticated replies", lambda: serverstats(sock)[1] >= 2, d)
        assert serverstats(sock)[0] == 1
        stop(d)
        auth = serverstats(sock)[1]
        for spent in after_ke.split("\ncookie ")[1:3]:
            assert spent.split("\n")[0] not in open(dump).read(), "a spent cookie was saved"
        st = os.lstat(dump)
        assert st.st_mode & 0o777 == 0o600, oct(st.st_mode)
        text = open(dump).read()
        assert text.startswith(f"meridian-nts-dump 1\nname localhost {ntsport}\n"
                               f"source 127.0.0.1:{port} 127.0.0.1 {port} "), text
        assert 1 <= text.count("\ncookie ") <= 8, text

        # 2. chronyd restarted with its NTS-KE on another port (its keys kept in its
        #    ntsdumpdir, so the cookies stay good): the client, restarted, reaches no NTS-KE
        #    server at the port it names and needs none.
        server.terminate()
        server.wait(timeout=10)
        ntsport2 = free_tcp_port("127.0.0.1")
        conf2 = os.path.join(tmp, "srv2.conf")
        write(conf2, open(os.path.join(tmp, "srv.conf")).read().replace(
            f"ntsport {ntsport}\n", f"ntsport {ntsport2}\n"), 0o644)
        server = subprocess.Popen(["setpriv", "--bounding-set", "-sys_time", chronyd, "-x", "-d",
                                   "-4", "-f", conf2], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        procs.append(server)
        end = time.monotonic() + 10
        while not os.path.exists(sock) and server.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        d, auth = run(0, 0)

        # 3. Corrupt (the first key's first digit made upper-case hex, which the format
        #    refuses): logged, ignored, a new key exchange, with the client now naming the
        #    NTS-KE port chronyd listens on; the file is then replaced by a whole one.
        write(conf, open(conf).read().replace(f"ntsport {ntsport}", f"ntsport {ntsport2}"),
              0o644)
        old_dump, dump = dump, os.path.join(dumpdir, f"localhost@{ntsport2}.nts")
        lines = open(old_dump).read().replace(f"name localhost {ntsport}\n",
                                              f"name localhost {ntsport2}\n").split("\n")
        words = lines[2].split(" ")
        assert words[0] == "source", lines
        words[5] = "G" + words[5][1:]
        lines[2] = " ".join(words)
        write(dump, "\n".join(lines), 0o600)
        d, auth = run(1, auth)
        log = "\n".join(d.log())
        assert re.search(r"NTS dump .*localhost@\d+\.nts.*not a whole NTS dump.*ignored", log), log
        assert open(dump).read().startswith("meridian-nts-dump 1\n")

        # 4. A symbolic link planted as the dump: not read, not written through.
        target = os.path.join(tmp, "elsewhere")
        write(target, "precious\n", 0o644)
        os.unlink(dump)
        os.symlink(target, dump)
        d, auth = run(2, auth)
        log = "\n".join(d.log())
        assert re.search(r"NTS dump .*localhost@\d+\.nts ignored", log), log
        assert re.search(r"NTS dump .*localhost@\d+\.nts not written", log), log
        assert os.path.islink(dump) and open(target).read() == "precious\n"
        print(f"chronyd: 1 NTS-KE for the first run; restarted with its NTS-KE elsewhere, 0 "
              f"for the restarted client, then 1 each for the corrupt dump and the link; "
              f"{auth} authenticated packets")
    finally:
        stop_all(procs)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
