#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`ntsrefresh` and `nocerttimecheck` acted on, meridiand --no-bus against a real `chronyd -x`
NTS server on loopback whose certificate (for localhost, trusted by the clients) expired
yesterday, as a client whose clock booted years off would see a valid one:

  checked:  no nocerttimecheck -> the NTS-KE is refused (certificate expired), nothing is
            sent, the clock is never updated;
  unchecked: `nocerttimecheck 1` `ntsrefresh 3` -> the NTS-KEs before the first clock
            update are made without the validity times (logged) and the clock is updated;
            then the keys are renewed after three seconds (ntsrefresh: with eight cookies and
            a 2 s poll nothing else asks for it), and that exchange, after a clock update,
            checks the times again and is refused.
"""
import datetime
import os
import re
import shutil
import tempfile
import time

from loopback_util import NoBusDaemon, skip, free_udp_port, free_tcp_port, write, stop_all
from test_loopback_nts import start_chronyd


def expired_cert(tmp):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=10))
            .not_valid_after(now - datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = os.path.join(tmp, "old.crt"), os.path.join(tmp, "old.key")
    write(cert_path, cert.public_bytes(serialization.Encoding.PEM).decode(), 0o644)
    write(key_path, key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()).decode(), 0o600)
    return cert_path, key_path


def main():
    if os.geteuid() != 0:
        skip("needs root: chronyd drops to _chrony and setpriv drops CAP_SYS_TIME")
    chronyd = shutil.which("chronyd") or "/usr/sbin/chronyd"
    if not os.path.exists(chronyd):
        skip("chronyd is not installed")
    try:
        import cryptography  # noqa: F401
    except ImportError:
        skip("python3-cryptography is not installed (scripts/install-deps.sh)")
    meridiand = os.environ.get("MERIDIAND") or os.path.join(
        os.environ["MERIDIAN_BUILD_ROOT"], "service", "meridiand")

    tmp = tempfile.mkdtemp(prefix="mrd-ntstime-")
    os.chmod(tmp, 0o711)
    procs = []
    try:
        cert, key = expired_cert(tmp)
        port, ntsport = free_udp_port("127.0.0.1"), free_tcp_port("127.0.0.1")
        server, sock = start_chronyd(chronyd, tmp, port, ntsport, cert, key)
        procs.append(server)
        time.sleep(0.5)
        if server.poll() is not None:
            skip("chronyd exited at once: " + server.stderr.read()[-2000:])

        line = (f"server localhost port {port} iburst minpoll 1 maxpoll 1 nts "
                f"ntsport {ntsport}\nntstrustedcerts {cert}\nnosystemcert\nmakestep 0.1 3\n")
        confs = {"checked": line, "unchecked": line + "nocerttimecheck 1\nntsrefresh 3\n"}
        daemons = {}
        for name, text in confs.items():
            conf = os.path.join(tmp, name + ".conf")
            write(conf, text, 0o644)
            daemons[name] = NoBusDaemon(meridiand, conf)
            procs.append(daemons[name].proc)

        refused = re.compile(r"NTS-KE with localhost: certificate not trusted.*expired")
        end = time.monotonic() + 25
        while time.monotonic() < end:
            time.sleep(0.5)
            for name, d in daemons.items():
                assert d.proc.poll() is None, f"{name} exited:\n" + "\n".join(d.log())
            logs = {n: "\n".join(d.log()) for n, d in daemons.items()}
            if all(refused.search(t) for t in logs.values()):
                break

        checked = logs["checked"]
        assert refused.search(checked), checked
        assert "key exchange done" not in checked and "update:" not in checked, checked

        unchecked = daemons["unchecked"].log()
        text = "\n".join(unchecked)
        unchecked_ke = [i for i, l in enumerate(unchecked)
                        if "validity times not checked (nocerttimecheck 1, 0 clock update(s)" in l]
        first_update = next(i for i, l in enumerate(unchecked) if "update:" in l)
        refusal = next(i for i, l in enumerate(unchecked) if refused.search(l))
        assert unchecked_ke and max(unchecked_ke) < first_update < refusal, text
        assert not any("validity times not checked" in l for l in unchecked[first_update:]), text
        print(f"checked: refused; unchecked: {len(unchecked_ke)} NTS-KE(s) before the first "
              "clock update, the refresh after it refused")
    finally:
        stop_all(procs)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
