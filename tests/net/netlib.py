# SPDX-License-Identifier: GPL-2.0-or-later
"""Loopback building blocks: real `chronyd -x` servers, our UDP relay and hostile server, and
meridiand --no-bus with a virtual clock, all on 127.0.0.0/8 with ports picked by the kernel.

Safety: chronyd runs with -x (never touches the clock); meridiand runs with --clock virtual
and under `setpriv --bounding-set -sys_time`; everything started here is stopped by its own
process id."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

SKIP = 77
CHRONYD = os.environ.get("MERIDIAN_CHRONYD", "/usr/sbin/chronyd")
BUILD = os.environ.get("MERIDIAN_BUILD_ROOT", "build")


class Skip(Exception):
    pass


def tool(name):
    path = os.path.join(BUILD, "tests", "tools", name)
    if not os.access(path, os.X_OK):
        raise Skip(f"{path} not built")
    return path


def meridiand_path():
    path = os.environ.get("MERIDIAN_MERIDIAND", os.path.join(BUILD, "service", "meridiand"))
    if not os.access(path, os.X_OK):
        raise Skip(f"meridiand not built ({path})")
    out = subprocess.run([path, "--help"], capture_output=True, text=True).stdout
    if "--no-bus" not in out:
        raise Skip("this meridiand has no --no-bus mode")
    return path


def engine_path():
    """meridian-engine, the lean engine executable built beside meridiand: the same --no-bus
    mode in a process that links libglib alone (service/engine-main.c)."""
    path = os.environ.get("MERIDIAN_ENGINE", os.path.join(BUILD, "service", "meridian-engine"))
    if not os.access(path, os.X_OK):
        raise Skip(f"meridian-engine not built ({path})")
    return path


def free_udp_port(addr="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_file(path, proc, what, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path):
            return open(path).read().strip()
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        time.sleep(0.01)
    raise RuntimeError(f"{what} did not start")


class Lab:
    """Owns a temp dir and every process it starts; `close()` stops them by pid."""

    def __init__(self):
        if os.geteuid() != 0:
            raise Skip("needs root: chronyd -x drops to _chrony, setpriv drops CAP_SYS_TIME")
        if not os.access(CHRONYD, os.X_OK):
            raise Skip("chronyd is not installed")
        self.dir = tempfile.mkdtemp(prefix="mrd-net-")
        os.chmod(self.dir, 0o755)
        self.procs = []
        self.n = 0

    def _spawn(self, argv, **kw):
        p = subprocess.Popen(argv, **kw)
        self.procs.append(p)
        return p

    def chronyd_server(self, extra=""):
        """A `local stratum 1` chronyd -x on 127.0.0.1; returns its port."""
        self.n += 1
        d = os.path.join(self.dir, f"chronyd{self.n}")
        os.mkdir(d)
        shutil.chown(d, "_chrony", "_chrony")
        os.chmod(d, 0o750)
        port = free_udp_port()
        conf = os.path.join(self.dir, f"chronyd{self.n}.conf")
        with open(conf, "w") as f:
            f.write(f"local stratum 1\nallow 127.0.0.0/8\nport {port}\nbindaddress 127.0.0.1\n"
                    f"cmdport 0\nbindcmdaddress {d}/chronyd.sock\npidfile {d}/chronyd.pid\n"
                    f"{extra}\n")
        p = self._spawn([CHRONYD, "-x", "-d", "-f", conf], stdout=subprocess.DEVNULL,
                        stderr=open(os.path.join(self.dir, f"chronyd{self.n}.log"), "w"))
        time.sleep(0.2)
        if p.poll() is not None:
            raise Skip(f"chronyd exited at once (status {p.returncode})")
        return port

    def chronyd_client(self, conf_text, args=()):
        """chronyd -x as a client (it measures and selects, never touches the clock), with
        @args added to its command line; returns a function giving `chronyc -n sources`
        output (or another command's: sources("ntpdata"))."""
        self.n += 1
        d = os.path.join(self.dir, f"chronyd{self.n}")
        os.mkdir(d)
        shutil.chown(d, "_chrony", "_chrony")
        os.chmod(d, 0o750)
        conf = os.path.join(self.dir, f"chronyd{self.n}.conf")
        with open(conf, "w") as f:
            f.write(f"cmdport 0\nbindcmdaddress {d}/chronyd.sock\npidfile {d}/chronyd.pid\n"
                    f"port 0\n{conf_text}\n")
        log = os.path.join(self.dir, f"chronyd{self.n}.log")
        p = self._spawn([CHRONYD, "-x", "-d", *args, "-f", conf], stdout=subprocess.DEVNULL,
                        stderr=open(log, "w"))
        time.sleep(0.2)
        if p.poll() is not None:
            raise Skip(f"chronyd exited at once (status {p.returncode})")

        def selected():
            """The sources chronyd selected, in order (its "Selected source" log lines)."""
            with open(log) as f:
                return [ln.split("Selected source ", 1)[1].split()[0] for ln in f
                        if "Selected source " in ln]

        def sources(command="sources"):
            """`chronyc -n COMMAND` (sources unless told, e.g. "ntpdata")."""
            return subprocess.run(["chronyc", "-n", "-h", f"{d}/chronyd.sock", command],
                                  capture_output=True, text=True, timeout=10).stdout
        sources.selected = selected
        return p, sources

    def relay(self, listen_addr, target_port, *args, duration=600):
        """mrd-udp-relay on listen_addr (a free port) to 127.0.0.1:target_port."""
        self.n += 1
        pf = os.path.join(self.dir, f"relay{self.n}.port")
        p = self._spawn([tool("mrd-udp-relay"), "--listen", f"{listen_addr}:0", "--target",
                         f"127.0.0.1:{target_port}", "--port-file", pf, "--duration",
                         str(duration)] + [str(a) for a in args],
                        stderr=open(os.path.join(self.dir, f"relay{self.n}.log"), "w"))
        return int(wait_file(pf, p, "mrd-udp-relay"))

    def hostile(self, listen_addr, mode, duration=600):
        self.n += 1
        pf = os.path.join(self.dir, f"hostile{self.n}.port")
        log = os.path.join(self.dir, f"hostile{self.n}.log")
        p = self._spawn([tool("mrd-hostile-ntp"), "--mode", mode, "--listen",
                         f"{listen_addr}:0", "--port-file", pf, "--duration", str(duration)],
                        stdout=open(log, "w"))
        return int(wait_file(pf, p, "mrd-hostile-ntp")), log

    def meridiand(self, conf_text, offset=0.0, freq=0.0, verbose=False, exe=None,
                  name="meridian"):
        """`meridiand --no-bus` (or @exe, e.g. engine_path(), with the same options); @name
        names its configuration file, so that several can run side by side."""
        conf = os.path.join(self.dir, f"{name}.conf")
        with open(conf, "w") as f:
            f.write(conf_text)
        argv = ["setpriv", "--bounding-set", "-sys_time", "--inh-caps", "-sys_time",
                exe or meridiand_path(), "--no-bus", "--clock", "virtual", "--virtual-offset",
                repr(offset), "--virtual-freq", repr(freq), "--config", conf]
        env = dict(os.environ)
        if verbose:
            argv.append("-v")
            env["G_MESSAGES_DEBUG"] = "all"
        # GLib writes info and debug messages to stdout, the rest to stderr: read both.
        return Daemon(self._spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, env=env))

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in reversed(self.procs):
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if not os.environ.get("NET_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)


UPDATE = re.compile(r"update: (\w+) .*? true-offset ([-+0-9.e]+) s")


class Daemon:
    """meridiand's output, read in a thread; updates parsed as (time, synchronized, true)."""

    def __init__(self, proc):
        self.proc = proc
        self.lines = []
        self.updates = []
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        threading.Thread(target=self._read, daemon=True).start()
        time.sleep(0.2)
        with open(f"/proc/{proc.pid}/status") as f:
            status = f.read()
        for field in ("CapEff", "CapBnd"):
            v = int(re.search(rf"^{field}:\s*([0-9a-f]+)", status, re.M).group(1), 16)
            if v & (1 << 25):
                raise AssertionError(f"meridiand has CAP_SYS_TIME in {field}")

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            with self.lock:
                self.lines.append((time.monotonic() - self.t0, line))
                m = UPDATE.search(line)
                if m:
                    self.updates.append((time.monotonic() - self.t0,
                                         m.group(1) == "synchronized", float(m.group(2))))

    def snapshot(self):
        with self.lock:
            return list(self.lines), list(self.updates)

    def wait(self, seconds, until=None):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise AssertionError("meridiand exited:\n" +
                                     "\n".join(l for _, l in self.snapshot()[0]))
            if until is not None and until(*self.snapshot()):
                return True
            time.sleep(0.2)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


class Checks:
    """A test's checks: each printed with OK or BAD; `ok` is whether all held."""

    def __init__(self, width=72):
        self.ok = True
        self.width = width

    def __call__(self, label, cond):
        print(f"  {label:<{self.width}} {'OK' if cond else 'BAD'}")
        self.ok &= bool(cond)


def verdict(ok, log, tail=40, indent="  "):
    """The end of a test's run: on failure the last TAIL lines of the daemon's LOG
    ((seconds, line) pairs), then PASS or FAIL; the exit status that says it."""
    if not ok:
        print("meridiand log:")
        for t, l in log[-tail:]:
            print(f"{indent}{t:7.2f} {l}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def run(main):
    """sys.exit(main()), where an exception is exit status 99: a broken setup is an error,
    never an expected failure (meson's should_fail)."""
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        sys.exit(99)
