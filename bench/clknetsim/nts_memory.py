#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Memory with an NTS source in use: meridiand and meridian-engine beside chronyd, each
authenticating with NTS (RFC 8915) to the same chronyd server on loopback.

bench.py's loopback part measures memory with a plain source, where meridiand's engine child
never loads its TLS module (meridian-nts.so, dlopen'ed at the first NTS source). With NTS in
use the child maps gnutls, and so does chronyd: the like-for-like ratio is this one.

One `chronyd -x` serves NTS (`ntsservercert` for 127.0.0.1 and localhost, made here with
openssl). Its clients, at the same time, each with `server 127.0.0.1 port P nts ntsport K
iburst minpoll 4 maxpoll 4`, `ntstrustedcerts CERT`, `nosystemcert`:
- chronyd -x (measures, never touches the clock), and chronyd -x -F 1 (Debian's seccomp
  filter, which adds a helper process);
- meridian-engine --no-bus --clock virtual;
- meridiand on a private bus (bench.bus_daemon: virtual clock, sandboxed engine child).
After the exchanges have run for a while: the server's counters (NTS-KE connections,
authenticated packets: every packet it received must be authenticated, or a client is not
using NTS), then RSS, PSS and anonymous memory of each process tree, and the ratio to chronyd.

Usage: nts_memory.py [--runs N] [--run-s S]
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (puts tests/net and tests/clknetsim on the path)
import netlib  # noqa: E402


def free_tcp_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_cert(directory):
    key, cert = os.path.join(directory, "srv.key"), os.path.join(directory, "srv.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    for f in (cert, key):
        shutil.chown(f, "root", "_chrony")
        os.chmod(f, 0o640)
    return cert, key


def serverstats(sock):
    out = subprocess.run(["chronyc", "-n", "-h", sock, "serverstats"], capture_output=True,
                         text=True, timeout=10).stdout
    return {k.strip(): int(v) for k, v in re.findall(r"^([^:\n]+):\s*(\d+)$", out, re.M)}


def one_run(run_s):
    lab = netlib.Lab()
    try:
        cert, key = make_cert(lab.dir)
        dump = os.path.join(lab.dir, "ntsdump")
        os.mkdir(dump)
        shutil.chown(dump, "_chrony", "_chrony")
        ntsport = free_tcp_port()
        port = lab.chronyd_server(f"ntsservercert {cert}\nntsserverkey {key}\n"
                                  f"ntsport {ntsport}\nntsprocesses 0\nntsdumpdir {dump}")
        ssock = os.path.join(lab.dir, f"chronyd{lab.n}", "chronyd.sock")
        opts = f"nts ntsport {ntsport} iburst minpoll 4 maxpoll 4"
        source = f"server 127.0.0.1 port {port} {opts}"
        cproc, _ = lab.chronyd_client(f"{source}\nntstrustedcerts {cert}\nnosystemcert\n"
                                   "makestep 1 3")
        csock = [a for a in open(cproc.args[-1]).read().split() if a.endswith(".sock")][0]
        # chronyd as Debian starts it (/etc/default/chrony: -F 1, its seccomp filter), as
        # bench.py's loopback part measures it beside the plain one.
        fproc, _ = lab.chronyd_client(f"{source}\nntstrustedcerts {cert}\nnosystemcert\n"
                                      "makestep 1 3", args=("-F", "1"))
        engine = lab.meridiand(f"{source}\nntstrustedcerts {cert}\nnosystemcert\n"
                               "makestep 1 3\n", offset=0.5, freq=-23.054,
                               exe=netlib.engine_path())
        bus = bench.bus_daemon(lab, port, f"{opts}\nntstrustedcerts /etc/meridian/nts.crt\n"
                               "nosystemcert", files={"/etc/meridian/nts.crt": cert})
        time.sleep(run_s)
        stats = serverstats(ssock)
        _, synced = bench.chronyc_tracking(csock)
        _, updates = engine.snapshot()
        trees = {"chronyd -x": bench.proc_tree(cproc.pid),
                 "chronyd -x -F 1": bench.proc_tree(fproc.pid),
                 "meridian-engine --no-bus": bench.proc_tree(engine.proc.pid),
                 "meridiand on a bus + child": (bench.proc_tree(bus.pid)
                                                if bus is not None and bus.poll() is None
                                                else [])}
        gnutls = {name: any("libgnutls" in open(f"/proc/{p}/maps").read() for p in pids)
                  for name, pids in trees.items() if pids}
        mem = {name: (bench.rss_kib(pids), *bench.mem_kib(pids))
               for name, pids in trees.items() if pids}
        engine.stop()
    finally:
        lab.close()
    return {"stats": stats, "chronyd synced": synced,
            "engine synced": any(u[1] for u in updates), "gnutls": gnutls, "mem": mem}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--run-s", type=int, default=60)
    args = ap.parse_args()
    if shutil.which("openssl") is None:
        print("cannot run: openssl is not installed (scripts/install-deps.sh)")
        return 77
    try:
        results = [one_run(args.run_s) for _ in range(args.runs)]
    except netlib.Skip as e:
        print(f"cannot run: {e}")
        return 77
    print("== memory with an NTS source in use: four NTS clients of one chronyd -x NTS server "
          "on loopback ==")
    print(f"   {args.runs} run(s) of {args.run_s} s; each figure: mean [min, max] over them")
    for i, r in enumerate(results, 1):
        st = r["stats"]
        print(f"   run {i}: server NTS-KE connections {st.get('NTS-KE connections accepted')}, "
              f"NTP packets received {st.get('NTP packets received')}, authenticated "
              f"{st.get('Authenticated NTP packets')}; chronyd synchronized "
              f"{r['chronyd synced']}, meridian-engine updated the clock "
              f"{r['engine synced']}; gnutls mapped: "
              + ", ".join(f"{k} {v}" for k, v in r["gnutls"].items()))
    names = [n for n in results[0]["mem"]]
    print()
    print(f"{'':24} " + " ".join(f"{n:>27}" for n in names))
    for label, i in (("RSS (KiB, process tree)", 0), ("PSS (KiB)", 1),
                     ("anonymous RSS (KiB)", 2)):
        cells = []
        for n in names:
            vals = [r["mem"][n][i] for r in results if n in r["mem"]]
            ratios = [r["mem"][n][i] / r["mem"]["chronyd -x"][i] for r in results
                      if n in r["mem"] and r["mem"]["chronyd -x"][i]]
            text = bench.spread(vals, lambda v: f"{v:.0f}")
            if n != "chronyd -x":
                text += f" ({statistics.fmean(ratios):.2f}x)"
            cells.append(f"{text:>27}")
        print(f"{label:24} " + " ".join(cells))
    print("   (Nx): the ratio to chronyd -x in the same run, mean over the runs")
    if "chronyd -x -F 1" in results[0]["mem"] and "meridiand on a bus + child" in results[0]["mem"]:
        ratios = [r["mem"]["meridiand on a bus + child"][0] / r["mem"]["chronyd -x -F 1"][0]
                  for r in results if "meridiand on a bus + child" in r["mem"]]
        print(f"   meridiand on a bus + child against chronyd -x -F 1, RSS: "
              f"{bench.spread(ratios, lambda v: f'{v:.2f}')}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
