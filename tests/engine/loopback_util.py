# SPDX-License-Identifier: GPL-2.0-or-later
"""What the loopback tests of this directory share: meson's skip status, the programs they
need, free ports, a file written with its mode, a small NTP responder, meridiand --no-bus with
its log collected, a real chronyd server and its counters, and stopping what a test started."""
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

SKIP = 77


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(SKIP)


def free_udp_port(host):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_tcp_port(host):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def write(path, text, mode):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class NoBusDaemon:
    """meridiand --no-bus on a virtual clock 0.3 s off, without CAP_SYS_TIME, configured by the
    file CONF; its stderr log (with DEBUG, its info and debug messages too, which GLib writes
    to stdout) is collected as it comes."""

    def __init__(self, meridiand, conf, debug=False):
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            ["setpriv", "--bounding-set", "-sys_time", "--inh-caps", "-sys_time", meridiand,
             "--no-bus", "--clock", "virtual", "--virtual-offset", "0.3", "--config", conf]
            + (["--verbose"] if debug else []),
            stdout=subprocess.PIPE if debug else subprocess.DEVNULL,
            stderr=subprocess.STDOUT if debug else subprocess.PIPE, text=True,
            env=dict(os.environ, G_MESSAGES_DEBUG=""))
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.proc.stdout or self.proc.stderr:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def log(self):
        with self.lock:
            return list(self.lines)

    def synchronized(self):
        return any(re.search(r"update: synchronized .* true-offset", l) for l in self.log())


def wait_daemon(what, predicate, daemon, timeout=15):
    """Wait until PREDICATE() holds, while the NoBusDaemon DAEMON runs; fail with its log."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        assert daemon.proc.poll() is None, "meridiand exited:\n" + "\n".join(daemon.log())
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}:\n" + "\n".join(daemon.log()))


def rerun_in_namespaces(flag, script):
    """Run SCRIPT again inside new network and mount namespaces (unshare(1)), with only a
    loopback, brought up, and return its exit status to ours; or say why not. FLAG names the
    environment variable that tells the second run it is inside: it returns there."""
    if os.environ.get(flag) == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        skip("unshare(1) or ip(8) is not installed")
    r = subprocess.run(["unshare", "--net", "--mount", "--propagation", "private",
                        sys.executable, os.path.abspath(script)],
                       env=dict(os.environ, **{flag: "1"}))
    sys.exit(r.returncode)


def ntp_timestamp(t):
    return int((t + 2208988800) * 2**32).to_bytes(8, "big")


def serve_ntp(sock, trailer):
    """Answers the NTP requests on SOCK as a stratum-1 server reading CLOCK_REALTIME, until the
    socket is closed; TRAILER(request) gives what follows the 48-byte header (a MAC, extension
    fields)."""
    while True:
        try:
            req, addr = sock.recvfrom(2048)
        except OSError:
            return
        t2 = time.time()
        if len(req) < 48:
            continue
        hdr = (bytes([0x24, 1, req[2], 0xEC]) + bytes(8) + b"LOCL" + ntp_timestamp(t2 - 1)
               + req[40:48])
        tail = trailer(req)
        sock.sendto(hdr + ntp_timestamp(t2) + ntp_timestamp(time.time()) + tail, addr)


def loopback_programs(need_openssl=False):
    """(chronyd, meridiand) for a loopback test, or exit 77 saying what is missing: root
    (chronyd drops to _chrony, setpriv drops CAP_SYS_TIME), chronyd and chronyc, and openssl
    where the test makes certificates."""
    if os.geteuid() != 0:
        skip("needs root: chronyd drops to _chrony and setpriv drops CAP_SYS_TIME")
    chronyd = shutil.which("chronyd") or "/usr/sbin/chronyd"
    if not os.path.exists(chronyd) or not shutil.which("chronyc"):
        skip("chronyd/chronyc are not installed")
    if need_openssl and not shutil.which("openssl"):
        skip("openssl is not installed (apt-get install openssl)")
    meridiand = os.environ.get("MERIDIAND") or os.path.join(
        os.environ["MERIDIAN_BUILD_ROOT"], "service", "meridiand")
    return chronyd, meridiand


def start_chronyd_server(chronyd, tmp, port, name="srv", extra="", bindaddress="127.0.0.1",
                         allow="127.0.0.1", capture_stderr=False):
    """A real `chronyd -x` serving NTP on @port at local stratum 1, without CAP_SYS_TIME, its
    socket and pid file in the directory @tmp/@name (owned by _chrony), its configuration
    @tmp/@name.conf ending with @extra, in which "{dir}" stands for that directory.
    @bindaddress None binds every address; @capture_stderr keeps chronyd's messages in
    p.stderr (text). Returns (process, path of its command socket)."""
    d = os.path.join(tmp, name)
    os.mkdir(d)
    shutil.chown(d, "_chrony", "_chrony")
    os.chmod(d, 0o750)
    conf = os.path.join(tmp, name + ".conf")
    bind = f"bindaddress {bindaddress}\n" if bindaddress else ""
    write(conf, f"local stratum 1\nallow {allow}\nport {port}\n{bind}cmdport 0\n"
                f"bindcmdaddress {d}/chronyd.sock\npidfile {d}/chronyd.pid\n"
                + extra.replace("{dir}", d), 0o644)
    p = subprocess.Popen(["setpriv", "--bounding-set", "-sys_time", chronyd, "-x", "-d", "-4",
                          "-f", conf], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE if capture_stderr else subprocess.DEVNULL,
                         text=True)
    return p, os.path.join(d, "chronyd.sock")


def chronyd_serverstats(sock, *keys):
    """The counters @keys (e.g. "NTS-KE connections accepted") of `chronyc serverstats` from
    the chronyd whose command socket is @sock, as ints, in that order."""
    r = subprocess.run(["chronyc", "-h", sock, "serverstats"], capture_output=True, text=True,
                       timeout=10)
    got = []
    for key in keys:
        m = re.search(r"^" + re.escape(key) + r"\s*:\s*(\d+)", r.stdout, re.M)
        assert m, "chronyc serverstats:\n" + r.stdout + r.stderr
        got.append(int(m.group(1)))
    return got


def stop_all(procs):
    """Terminate every process in @procs still running, then wait for each (killed after 5 s)."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
