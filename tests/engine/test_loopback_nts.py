#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""NTS (RFC 8915) against a real chronyd on loopback, and the servers that must be refused.

One real `chronyd -x` (never touches the clock) serves `local stratum 1` with NTS on free
ports of 127.0.0.1: `ntsservercert`/`ntsserverkey` a self-signed certificate for `localhost`
made here with openssl, `ntsport`, `port`, `ntsdumpdir` in the temp dir. meridiand --no-bus
--clock virtual daemons (or meridian-engine, $MERIDIAND), without CAP_SYS_TIME, start 0.3 s
off with `makestep 0.1 3`:
  good:       `server localhost port P nts ntsport K`, `ntstrustedcerts CERT` -> synchronized;
              chronyd's `serverstats` counts NTS-KE connections and authenticated packets;
  untrusted:  the same trusting another self-signed certificate for localhost -> refused;
  wrongname:  `server 127.0.0.1 ... nts` (the certificate names only localhost) -> refused;
  kerror:     an NTS-KE server (this script's, TLS 1.3, ALPN ntske/1, the right certificate)
              that answers with an Error record -> refused;
  plain:      this script's NTS-KE server handing out cookies, and an NTP responder that
              answers NTS requests unauthenticated -> every reply refused;
  forged:     the same with a responder that echoes the unique identifier and appends an
              authenticator of random bytes -> every reply refused;
  bound:      as plain with `bindacqaddress 127.0.0.2` -> its key exchanges come from
              127.0.0.2 (chronyd's NTS-KE follows bindacqaddress); unbindable, with an
              address not on this host -> no key exchange at all, and the log says why;
  refresh:    as good with `ntsrefresh 2` -> key exchanges again and again, each loading the
              TLS module that the one before unloaded;
  control:    no nts against the unauthenticated responder -> synchronized (its replies are
              good NTP; only the NTS check refuses them).
Refused means: the reason is logged and the virtual clock never stepped nor was slewed.
"""
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time

from loopback_util import (
    NoBusDaemon, serve_ntp, skip, free_udp_port, free_tcp_port, write, loopback_programs,
    stop_all, start_chronyd_server, chronyd_serverstats)



def make_cert(tmp, name, cn, san):
    key, cert = os.path.join(tmp, name + ".key"), os.path.join(tmp, name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=" + san, "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def record(t, body, critical=True):
    return (((0x8000 if critical else 0) | t).to_bytes(2, "big") + len(body).to_bytes(2, "big")
            + body)


def ke_server(sock, ctx, response, peers):
    """Answer every NTS-KE request on @sock with @response; each client's address joins
    @peers."""
    while True:
        try:
            conn, peer = sock.accept()
        except OSError:
            return
        peers.append(peer[0])
        try:
            with ctx.wrap_socket(conn, server_side=True) as t:
                t.settimeout(5)
                got = b""
                while len(got) < 16:
                    chunk = t.recv(16 - len(got))
                    if not chunk:
                        break
                    got += chunk
                t.sendall(response)
        except (OSError, ssl.SSLError):
            pass


def ef(t, body):
    body += bytes(-len(body) % 4)
    return t.to_bytes(2, "big") + (4 + len(body)).to_bytes(2, "big") + body


def responder(sock, mode):
    """NTP replies as a stratum-1 server; mode 'plain': no NTS fields, 'forged': our unique
    identifier echoed and an authenticator of random bytes."""
    def trailer(req):
        tail = b""
        if mode == "forged":
            off = 48
            while off + 4 <= len(req):
                t, n = int.from_bytes(req[off:off + 2], "big"), int.from_bytes(req[off + 2:off + 4], "big")
                if n < 4:
                    break
                if t == 0x0104:
                    tail += req[off:off + n]
                off += n
            ct = os.urandom(16 + 104)
            tail += ef(0x0404, (16).to_bytes(2, "big") + len(ct).to_bytes(2, "big")
                       + os.urandom(16) + ct)
        return tail
    serve_ntp(sock, trailer)

def nts_server_lines(cert, key, ntsport):
    """chronyd's configuration for an NTS server with @cert and @key (made readable to
    _chrony here), its NTS-KE on @ntsport, in the foreground, keys dumped to its directory."""
    for f in (cert, key):
        shutil.chown(f, "root", "_chrony")
        os.chmod(f, 0o640)
    return (f"ntsservercert {cert}\nntsserverkey {key}\nntsport {ntsport}\nntsprocesses 0\n"
            "ntsdumpdir {dir}\n")


def start_chronyd(chronyd, tmp, port, ntsport, cert, key):
    return start_chronyd_server(chronyd, tmp, port, extra=nts_server_lines(cert, key, ntsport),
                                capture_stderr=True)


def nts_serverstats(sock):
    """chronyd's NTS-KE connections and authenticated packets."""
    return tuple(chronyd_serverstats(sock, "NTS-KE connections accepted",
                                     "Authenticated NTP packets"))


class Daemon(NoBusDaemon):
    def __init__(self, meridiand, tmp, name, source, trust, debug=False):
        conf = os.path.join(tmp, name + ".meridian.conf")
        write(conf, f"{source}\n{'ntstrustedcerts ' + trust if trust else ''}\nnosystemcert\n"
                    "makestep 0.1 3\n", 0o644)
        super().__init__(meridiand, conf, debug)


def main():
    chronyd, meridiand = loopback_programs(need_openssl=True)

    tmp = tempfile.mkdtemp(prefix="mrd-nts-")
    os.chmod(tmp, 0o711)
    procs, socks = [], []
    try:
        cert, key = make_cert(tmp, "srv", "localhost", "DNS:localhost")
        other_cert, _ = make_cert(tmp, "other", "localhost", "DNS:localhost")

        port, ntsport = free_udp_port("127.0.0.1"), free_tcp_port("127.0.0.1")
        server, server_sock = start_chronyd(chronyd, tmp, port, ntsport, cert, key)
        procs.append(server)

        # This script's NTS-KE servers (TLS 1.3, ALPN ntske/1, the server's certificate):
        # one answers with an Error record, one with cookies for the NTP responders.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.set_alpn_protocols(["ntske/1"])
        ctx.load_cert_chain(cert, key)
        good_records = (record(1, b"\0\0") + record(4, b"\0\x0f")
                        + b"".join(record(5, os.urandom(100), False) for _ in range(8))
                        + record(0, b""))
        error_records = record(2, b"\0\x01") + record(0, b"")
        ke_ports, ke_peers = {}, {}
        for name, resp in (("error", error_records), ("cookies", good_records),
                           ("bound", good_records)):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 0))
            s.listen(8)
            socks.append(s)
            ke_ports[name] = s.getsockname()[1]
            ke_peers[name] = []
            threading.Thread(target=ke_server, args=(s, ctx, resp, ke_peers[name]),
                             daemon=True).start()
        ntp_ports = {}
        for mode in ("plain", "forged"):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ntp_ports[mode] = s.getsockname()[1]
            threading.Thread(target=responder, args=(s, mode), daemon=True).start()
        time.sleep(0.5)
        if server.poll() is not None:
            skip("chronyd exited at once: " + server.stderr.read()[-2000:])

        line = "server {} port {} iburst minpoll 1 maxpoll 1 {}"
        daemons = {
            "good": Daemon(meridiand, tmp, "good",
                           line.format("localhost", port, f"nts ntsport {ntsport}"), cert),
            "untrusted": Daemon(meridiand, tmp, "untrusted",
                                line.format("localhost", port, f"nts ntsport {ntsport}"),
                                other_cert),
            "wrongname": Daemon(meridiand, tmp, "wrongname",
                                line.format("127.0.0.1", port, f"nts ntsport {ntsport}"), cert),
            "kerror": Daemon(meridiand, tmp, "kerror",
                             line.format("localhost", port, f"nts ntsport {ke_ports['error']}"),
                             cert),
            "plain": Daemon(meridiand, tmp, "plain",
                            line.format("localhost", ntp_ports["plain"],
                                        f"nts ntsport {ke_ports['cookies']}"), cert),
            "forged": Daemon(meridiand, tmp, "forged",
                             line.format("localhost", ntp_ports["forged"],
                                         f"nts ntsport {ke_ports['cookies']}"), cert),
            "control": Daemon(meridiand, tmp, "control",
                              line.format("127.0.0.1", ntp_ports["plain"], ""), None),
            # bindacqaddress: the key exchange leaves from it too (as chronyd's); one that
            # cannot be bound is no exchange at all, not one from another address.
            "bound": Daemon(meridiand, tmp, "bound",
                            line.format("localhost", ntp_ports["plain"],
                                        f"nts ntsport {ke_ports['bound']}")
                            + "\nbindacqaddress 127.0.0.2", cert),
            "unbindable": Daemon(meridiand, tmp, "unbindable",
                                 line.format("localhost", ntp_ports["plain"],
                                             f"nts ntsport {ke_ports['bound']}")
                                 + "\nbindacqaddress 192.0.2.77", cert),
            # As good, renewing its keys every 2 s: each renewal loads the TLS module again.
            "refresh": Daemon(meridiand, tmp, "refresh",
                              line.format("localhost", port, f"nts ntsport {ntsport}")
                              + "\nntsrefresh 2", cert, debug=True),
        }
        procs += [d.proc for d in daemons.values()]

        end = time.monotonic() + 25
        while time.monotonic() < end:
            time.sleep(0.5)
            for name, d in daemons.items():
                assert d.proc.poll() is None, f"{name} exited:\n" + "\n".join(d.log())
            if all(daemons[n].synchronized() for n in ("good", "control")):
                break
        # The refused ones have had at least as many chances as the good ones needed.
        time.sleep(3)

        for name in ("good", "control"):
            log = daemons[name].log()
            assert daemons[name].synchronized(), f"{name}: not synchronized:\n" + "\n".join(log)
        good = "\n".join(daemons["good"].log())
        assert "reply refused" not in good and "NTS-KE with" not in good, good
        # Synchronized through NTS with no key exchange running: the TLS module and gnutls are
        # unloaded, the AEAD module (nettle) stays (service/net/mrd-nts-module.h).
        maps = open(f"/proc/{daemons['good'].proc.pid}/maps").read()
        assert "meridian-nts-aead.so" in maps and "libnettle" in maps, maps
        assert "libgnutls" not in maps and "meridian-nts.so" not in maps, maps
        # Key exchanges after the module was unloaded load it again, and succeed.
        end = time.monotonic() + 15
        while (time.monotonic() < end and
               sum("NTS key exchange done" in l for l in daemons["refresh"].log()) < 3):
            time.sleep(0.5)
        refresh = "\n".join(daemons["refresh"].log())
        assert refresh.count("NTS key exchange done") >= 3, refresh
        assert refresh.count("TLS module unloaded") >= 2, refresh
        assert daemons["refresh"].synchronized(), refresh

        expect = {
            "untrusted": r"NTS-KE with localhost: certificate not trusted",
            "wrongname": r"NTS-KE with 127\.0\.0\.1: certificate not trusted.*(name|hostname)",
            "kerror": r"NTS-KE with localhost: the server sent an error \(code 1\)",
            "plain": r"reply refused: unique identifier missing or not ours",
            "forged": r"reply refused: NTS authenticator does not verify",
        }
        for name, pattern in expect.items():
            log = daemons[name].log()
            text = "\n".join(log)
            assert re.search(pattern, text), f"{name}: expected /{pattern}/:\n{text}"
            assert not any("update:" in l or "stepped" in l for l in log), (
                f"{name}: an unauthenticated source reached the clock:\n{text}")

        bound = ke_peers["bound"]
        assert bound and set(bound) == {"127.0.0.2"}, f"NTS-KE clients of 'bound': {bound}"
        unbindable = "\n".join(daemons["unbindable"].log())
        assert re.search(r"NTS-KE with localhost: cannot send from 192\.0\.2\.77", unbindable), \
            unbindable

        r = subprocess.run(["chronyc", "-h", server_sock, "serverstats"], capture_output=True,
                           text=True, timeout=10)
        ke = re.search(r"^NTS-KE connections accepted\s*:\s*(\d+)", r.stdout, re.M)
        auth = re.search(r"^Authenticated NTP packets\s*:\s*(\d+)", r.stdout, re.M)
        assert ke and auth, "chronyc serverstats:\n" + r.stdout + r.stderr
        # good's exchange completed; untrusted and wrongname's TLS handshakes failed on our
        # side, so chronyd may or may not count them.
        assert int(ke.group(1)) >= 1, r.stdout
        assert int(auth.group(1)) >= 3, r.stdout
        print(f"chronyd: {ke.group(1)} NTS-KE connections, {auth.group(1)} authenticated packets")
    finally:
        stop_all(procs)
        for s in socks:
            s.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
