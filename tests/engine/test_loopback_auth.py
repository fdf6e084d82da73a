#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Symmetric-key authentication (`keyfile`, `key N`) against a real chronyd on loopback.

One real `chronyd -x` (never touches the clock) serves `local stratum 1` on a free port of
127.0.0.1 with a key file holding key 1 (SHA256: with no version given the requests are
NTPv3 with its whole 32-byte digest, as chronyd's own client sends them; with `version 4` the
digest is cut to 20 bytes, as chronyd cuts it) and key 2 (SHA512), and keys 3 and 4. chronyd 4.3 never answers a request it cannot
authenticate, so the servers that do not sign are this script's: a plain NTP responder on
another port, answering every request with CLOCK_REALTIME, with no MAC or (on a third port)
with key 1's ID and a digest that is not key 1's. Ten meridiand --no-bus --clock virtual
daemons, without CAP_SYS_TIME, start 0.3 s off with `makestep 0.1 3` at once:
  good:     `key 1` and the same key file -> synchronized (the first update steps), and the
            server's `chronyc serverstats` counts authenticated NTP packets;
  v4cut:    `key 1 version 4` -> synchronized;
  v3:       `key 2 version 3` (NTPv3 carries SHA512's whole 64-byte digest) -> synchronized;
  aes:      `key 3`, AES128 (the MAC is the packet's CMAC, 16 bytes; computed by
            meridian-mac.so, loaded at the first request) -> synchronized;
  sha3v3:   `key 4 version 3`, SHA3-384 (its whole 48-byte digest in NTPv3) -> synchronized;
  wrongkey: key 1 with another secret -> chronyd drops the requests: no update, the virtual
            clock never stepped;
  unsigned: `key 1` against the responder without MAC -> every reply refused (logged), no
            update;
  forged:   the same against the responder with a wrong digest;
  control:  no key against the unsigned responder -> synchronized (so the responder's
            replies are good ones, and only the MAC check refuses them);
  mode:     the right key file, readable by others (0644) -> refused with the reason, the
            source not used (it says so), nothing sent.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from loopback_util import (
    NoBusDaemon, serve_ntp, skip, free_udp_port, write, loopback_programs, start_chronyd_server)

KEY1 = "HEX:6B1F0C2A9D33E4F5A6B7C8D9E0F1A2B3C4D5E6F7"
KEY1_WRONG = "HEX:6B1F0C2A9D33E4F5A6B7C8D9E0F1A2B3C4D5E6F8"
KEY2 = "k2-ASCII-secret-for-sha512"
KEY3 = "HEX:000102030405060708090A0B0C0D0E0F"
KEY4 = "k4-secret-for-sha3-384"



def responder(sock, mac):
    """Answer NTP requests on @sock as a stratum-1 server; @mac: what follows the header."""
    serve_ntp(sock, lambda req: mac)

class Daemon(NoBusDaemon):
    def __init__(self, meridiand, tmp, name, source, keyfile):
        conf = os.path.join(tmp, name + ".meridian.conf")
        write(conf, f"{source}\nkeyfile {keyfile}\nmakestep 0.1 3\n", 0o644)
        super().__init__(meridiand, conf)


# The daemons whose replies authenticate, and the control.
SYNCHRONIZING = ("good", "v4cut", "v3", "aes", "sha3v3", "control")


def main():
    chronyd, meridiand = loopback_programs()

    tmp = tempfile.mkdtemp(prefix="mrd-auth-")
    os.chmod(tmp, 0o711)
    procs = []
    try:
        server_keys = os.path.join(tmp, "server.keys")
        more_keys = f"3 AES128 {KEY3}\n4 SHA3-384 {KEY4}\n"
        write(server_keys, f"1 SHA256 {KEY1}\n2 SHA512 {KEY2}\n" + more_keys, 0o640)
        shutil.chown(server_keys, "root", "_chrony")
        good_keys = os.path.join(tmp, "good.keys")
        write(good_keys, f"# the server's keys\n1 SHA256 {KEY1}\n2 SHA512 ASCII:{KEY2}\n"
              + more_keys, 0o600)
        wrong_keys = os.path.join(tmp, "wrong.keys")
        write(wrong_keys, f"1 SHA256 {KEY1_WRONG}\n", 0o600)
        open_keys = os.path.join(tmp, "open.keys")
        write(open_keys, f"1 SHA256 {KEY1}\n", 0o644)

        port = free_udp_port("127.0.0.1")
        server, server_sock = start_chronyd_server(chronyd, tmp, port,
                                                   extra=f"keyfile {server_keys}\n")
        procs.append(server)
        plain = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        plain.bind(("127.0.0.1", 0))
        forging = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        forging.bind(("127.0.0.1", 0))
        for sock, mac in ((plain, b""), (forging, (1).to_bytes(4, "big") + os.urandom(20))):
            threading.Thread(target=responder, args=(sock, mac), daemon=True).start()
        time.sleep(0.3)
        if server.poll() is not None:
            skip("chronyd exited at once")

        line = "server 127.0.0.1 port {} iburst minpoll 1 maxpoll 1 {}"
        daemons = {
            "good": Daemon(meridiand, tmp, "good", line.format(port, "key 1"), good_keys),
            "v4cut": Daemon(meridiand, tmp, "v4cut", line.format(port, "key 1 version 4"),
                            good_keys),
            "v3": Daemon(meridiand, tmp, "v3", line.format(port, "key 2 version 3"), good_keys),
            "aes": Daemon(meridiand, tmp, "aes", line.format(port, "key 3"), good_keys),
            "sha3v3": Daemon(meridiand, tmp, "sha3v3", line.format(port, "key 4 version 3"),
                             good_keys),
            "wrongkey": Daemon(meridiand, tmp, "wrongkey", line.format(port, "key 1"),
                               wrong_keys),
            "unsigned": Daemon(meridiand, tmp, "unsigned",
                               line.format(plain.getsockname()[1], "key 1"), good_keys),
            "forged": Daemon(meridiand, tmp, "forged",
                             line.format(forging.getsockname()[1], "key 1"), good_keys),
            "control": Daemon(meridiand, tmp, "control",
                              line.format(plain.getsockname()[1], ""), good_keys),
            "mode": Daemon(meridiand, tmp, "mode", line.format(port, "key 1"), open_keys),
        }
        procs += [d.proc for d in daemons.values()]

        end = time.monotonic() + 20
        while time.monotonic() < end:
            time.sleep(0.5)
            for name, d in daemons.items():
                assert d.proc.poll() is None, f"{name} exited:\n" + "\n".join(d.log())
            if all(daemons[n].synchronized() for n in SYNCHRONIZING):
                break
        # The refused ones have had at least as many exchanges as the good ones needed.
        time.sleep(2)

        for name in SYNCHRONIZING:
            log = daemons[name].log()
            assert daemons[name].synchronized(), f"{name}: not synchronized:\n" + "\n".join(log)
            assert not any("without a valid MAC" in l for l in log), (
                f"{name}: a reply of the right key was refused:\n" + "\n".join(log))

        # chronyd drops a request whose MAC fails (wrongkey); the responders answer every one.
        for name in ("unsigned", "forged"):
            log = daemons[name].log()
            assert any(re.search(r"reply without a valid MAC for key 1 refused", l)
                       for l in log), f"{name}: no refusal logged:\n" + "\n".join(log)
        for name in ("wrongkey", "unsigned", "forged"):
            log = daemons[name].log()
            assert not any("update:" in l or "stepped" in l for l in log), (
                f"{name}: an unauthenticated reply reached the clock:\n" + "\n".join(log))

        log = daemons["mode"].log()
        text = "\n".join(log)
        assert re.search(r"open\.keys holds secret keys but other users may read it", text), text
        assert "key 1 is not in the keyfile" in text, text
        assert not any("update:" in l for l in log), text

        r = subprocess.run(["chronyc", "-h", server_sock, "serverstats"], capture_output=True,
                           text=True, timeout=10)
        m = re.search(r"^Authenticated NTP packets\s*:\s*(\d+)", r.stdout, re.M)
        assert m, "chronyc serverstats:\n" + r.stdout + r.stderr
        authenticated = int(m.group(1))
        # good, v4cut, v3, aes and sha3v3 answered with valid MACs (each at least once);
        # wrongkey's requests do not authenticate, so they are not counted.
        assert authenticated >= 5, f"the server counted {authenticated} authenticated packets"

        for name, d in daemons.items():
            d.proc.send_signal(signal.SIGTERM)
            assert d.proc.wait(timeout=10) == 0, f"{name}: exit status {d.proc.returncode}"
        print(f"good, v4cut, v3, aes and sha3v3 synchronized; the server counted {authenticated} authenticated "
              "packets; a wrong key, an unsigned server and a world-readable key file refused")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if not os.environ.get("MERIDIAN_KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
