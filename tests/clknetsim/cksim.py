# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs NTP clients and servers inside clknetsim and measures the clients' true time error.

clknetsim (the simulator chrony is tested with) runs unmodified programs with an LD_PRELOAD
library that redirects their clock, timer and socket calls to a simulation server. The server
keeps every node's true clock error, so the error of the client's clock is known exactly,
second by second, no matter what the client believes.

Layout of one simulation: nodes 1..S are NTP servers (chronyd `local stratum 1`, or one of our
test tools), nodes S+1.. are clients (chronyd, or meridiand --no-bus). Node N has the address
192.168.123.N.

Noise is generated here from a seed and handed to clknetsim as data files (its `(file ...)`
generator), so two clients in one simulation, or the same client in two runs, see the very
same frequency wander and packet delays: differences between clients are then differences
between clients, not between random draws.

Safety: every process started here runs under `setpriv --bounding-set -sys_time`, and the
harness checks in /proc that the program, once exec'd, has no CAP_SYS_TIME in its effective
set. If the preload ever failed, the program would meet the real clock without the right to
change it.
"""

import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CAP_SYS_TIME = 25
SKIP = 77
SOURCE_ROOT = os.environ.get("MERIDIAN_SOURCE_ROOT",
                             os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD_ROOT = os.environ.get("MERIDIAN_BUILD_ROOT", os.path.join(SOURCE_ROOT, "build"))
CHRONYD = os.environ.get("MERIDIAN_CHRONYD", "/usr/sbin/chronyd")


class Skip(Exception):
    """The test cannot run here; the message says why."""


def _has_built(path):
    return (os.access(os.path.join(path, "clknetsim"), os.X_OK)
            and os.path.isfile(os.path.join(path, "clknetsim.so")))


def find_clknetsim():
    """Directory holding a built clknetsim and clknetsim.so, building it when needed.

    CLKNETSIM_PATH names either a built copy or a source tree (built into the build dir);
    without it the source next to the repository (../shared/clknetsim) is used."""
    env = os.environ.get("CLKNETSIM_PATH")
    if env:
        if _has_built(env):
            return env
        src = env
    else:
        src = os.path.normpath(os.path.join(SOURCE_ROOT, "..", "shared", "clknetsim"))
    if not os.path.isfile(os.path.join(src, "client.c")):
        raise Skip("clknetsim not found: set CLKNETSIM_PATH to a clknetsim source or build "
                   f"directory (looked in {src})")
    out = os.path.join(BUILD_ROOT, "clknetsim")
    script = os.path.join(SOURCE_ROOT, "scripts", "build-clknetsim.sh")
    r = subprocess.run(["sh", script, src, out], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode == 2:
        raise Skip("cannot build clknetsim: " + r.stdout.strip())
    if r.returncode != 0:
        raise RuntimeError("building clknetsim failed:\n" + r.stdout)
    return out


def find_meridiand():
    """Path of meridiand if it has the --no-bus mode, else raise Skip."""
    path = os.environ.get("MERIDIAN_MERIDIAND",
                          os.path.join(BUILD_ROOT, "service", "meridiand"))
    if not os.access(path, os.X_OK):
        raise Skip(f"meridiand not built ({path})")
    r = subprocess.run([path, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if "--no-bus" not in r.stdout:
        raise Skip("this meridiand has no --no-bus mode yet")
    return path


def find_tool(name):
    path = os.path.join(BUILD_ROOT, "tests", "tools", name)
    if not os.access(path, os.X_OK):
        raise Skip(f"{name} not built ({path})")
    return path


# ---------------------------------------------------------------------------------------------
# Noise, generated here so that it can be shared between clients and reproduced from a seed.

def wander_series(rng, seconds, freq_offset, wander):
    """Frequency error per simulated second: a random walk, as chrony's tests model it."""
    f = freq_offset
    out = []
    for _ in range(seconds):
        f += wander * rng.gauss(0.0, 1.0)
        out.append(f)
    return out


def jitter_series(rng, count, jitter, dist="exponential"):
    if dist == "exponential":
        return [jitter * rng.expovariate(1.0) for _ in range(count)]
    if dist == "uniform":
        return [jitter * rng.random() for _ in range(count)]
    raise ValueError(dist)


def write_series(path, values):
    with open(path, "w") as f:
        for v in values:
            f.write("%.12e\n" % v)


# ---------------------------------------------------------------------------------------------
# Nodes

class Node:
    """One simulated host: its program, configuration text and clock."""

    def __init__(self, kind, conf="", offset=0.0, freq_offset=0.0, wander=0.0, args=None,
                 drift=None, start=0.0, step=None, binary=None, refclock=None):
        self.kind = kind            # "chronyd-server", "chronyd", "meridiand", or a tool path
        self.conf = conf
        self.offset = offset
        self.freq_offset = freq_offset
        self.wander = wander
        self.args = args or []
        self.drift = drift          # initial drift file content, or None
        self.start = start
        self.step = step
        self.binary = binary        # another meridiand to run (kind "meridiand"), or None
        # clknetsim's reference clock (NTP SHM 0) on this node: its error expression (the
        # clock reads the reference time minus it), or None = none
        self.refclock = refclock
        self.index = 0              # set by Simulation

    @property
    def is_server(self):
        return self.kind == "chronyd-server" or self.kind.startswith("tool:")

    @property
    def is_client(self):
        return self.kind in ("chronyd", "meridiand")


def server_address(i):
    return f"192.168.123.{i}"


class NodeResult:
    pass


class Simulation:
    """One clknetsim run. Build it, `run()` it, read the figures from the result."""

    def __init__(self, nodes, limit, reset, seed=1, base_delay=1e-4, jitter=1e-4,
                 jitter_dist="exponential", delay_wrap=None, up_extra=None, workdir=None,
                 keep=False, start_date=None, links=None):
        self.nodes = nodes
        for i, n in enumerate(nodes, 1):
            n.index = i
        self.limit = int(limit)
        self.reset = reset
        self.seed = seed
        self.base_delay = base_delay
        self.jitter = jitter
        self.jitter_dist = jitter_dist
        # delay_wrap(expr, src, dst) -> expr: lets a scenario cut links (outages, loss)
        self.delay_wrap = delay_wrap
        self.up_extra = up_extra or {}
        self.start_date = start_date    # Unix time the simulation starts at; None = clknetsim's
        # Who talks to whom: (client index, server index, noise key) triples; links of one key
        # read the same jitter series (a chain whose middle nodes serve, compared alike).
        # None = every client with every server, one series per server.
        self.links = links
        self.keep = keep or bool(os.environ.get("CKSIM_KEEP"))
        self.dir = workdir or tempfile.mkdtemp(prefix="mrd-cksim-")
        os.makedirs(self.dir, exist_ok=True)
        self.procs = []

    def path(self, name):
        return os.path.join(self.dir, name)

    # -- configuration -----------------------------------------------------------------------

    def _write_sim_conf(self):
        rng = random.Random(self.seed)
        lines = []
        servers = [n for n in self.nodes if n.is_server]
        clients = [n for n in self.nodes if n.is_client]
        # Clock noise: one series per distinct (offset, wander) parameter set, shared by all
        # clients with the same parameters so that they see the same clock physics.
        series_files = {}
        for n in self.nodes:
            lines.append(f"node{n.index}_offset = {n.offset!r}")
            if n.start:
                lines.append(f"node{n.index}_start = {n.start!r}")
            if n.step:
                lines.append(f"node{n.index}_step = {n.step}")
            if n.refclock:
                lines.append(f"node{n.index}_refclock = {n.refclock}")
            if n.wander == 0.0:
                if n.freq_offset:
                    lines.append(f"node{n.index}_freq = {n.freq_offset!r}")
                continue
            key = (n.freq_offset, n.wander)
            if key not in series_files:
                name = self.path(f"freq.{len(series_files)}")
                write_series(name, wander_series(random.Random(rng.random()),
                                                 self.limit + 10, n.freq_offset, n.wander))
                series_files[key] = name
            lines.append(f'node{n.index}_freq = (file "{series_files[key]}")')
        # Network: every client talks to every server (and clients to each other not at all).
        # Each direction of each server gets one jitter series; every client reads its own copy
        # of it, so clients polling alike see alike delays.
        npkts = max(2000, self.limit // 2)
        links = self.links or [(c.index, s.index, s.index) for s in servers for c in clients]
        series = {}
        for ci, si, key in links:
            if key not in series:
                up = self.path(f"jitter.up.{key}")
                down = self.path(f"jitter.down.{key}")
                write_series(up, jitter_series(random.Random(rng.random()), npkts, self.jitter,
                                               self.jitter_dist))
                write_series(down, jitter_series(random.Random(rng.random()), npkts,
                                                 self.jitter, self.jitter_dist))
                series[key] = (up, down)
            up, down = series[key]
            base_up = self.base_delay + self.up_extra.get(si, 0.0)
            e_up = f'(+ {base_up!r} (file "{up}"))'
            e_down = f'(+ {self.base_delay!r} (file "{down}"))'
            if self.delay_wrap:
                e_up = self.delay_wrap(e_up, ci, si)
                e_down = self.delay_wrap(e_down, si, ci)
            lines.append(f"node{ci}_delay{si} = {e_up}")
            lines.append(f"node{si}_delay{ci} = {e_down}")
        with open(self.path("conf"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def _command(self, n):
        """argv of node n's program, its configuration written to the work dir."""
        conf = self.path(f"conf.{n.index}")
        servers = [m for m in self.nodes if m.is_server]
        server_lines = n.conf.replace("@SERVERS@", " ".join(server_address(m.index)
                                                              for m in servers))
        if n.drift is not None:
            with open(self.path(f"drift.{n.index}"), "w") as f:
                f.write(n.drift)
        server_lines = server_lines.replace("@DRIFT@", self.path(f"drift.{n.index}"))
        if n.kind in ("chronyd-server", "chronyd"):
            with open(conf, "w") as f:
                # No command sockets: '/' disables the Unix one, cmdport 0 the UDP one.
                f.write(f"pidfile {self.path(f'pid.{n.index}')}\ncmdport 0\nbindcmdaddress /\n")
                if n.kind == "chronyd-server":
                    f.write("local stratum 1\nallow\n")
                f.write(server_lines + "\n")
            return [CHRONYD, "-d", "-f", conf] + n.args
        if n.kind == "meridiand":
            with open(conf, "w") as f:
                f.write(server_lines + "\n")
            return ([n.binary or find_meridiand(), "--no-bus", "--config", conf, "--clock",
                     "system"] + n.args)
        if n.kind.startswith("tool:"):
            return [n.kind[5:]] + n.args
        raise ValueError(n.kind)

    def _start(self, n, preload):
        argv = self._command(n)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CLKNETSIM_") and k != "LD_PRELOAD"}
        pre = ["env", f"LD_PRELOAD={preload}", f"CLKNETSIM_NODE={n.index}",
               f"CLKNETSIM_SOCKET={self.path('sock')}", f"CLKNETSIM_RANDOM_SEED={self.seed}",
               "CLKNETSIM_CONNECT_TIMEOUT=30"]
        if self.start_date is not None:
            pre.append(f"CLKNETSIM_START_DATE={int(self.start_date)}")
        if "asan" in os.environ.get("MERIDIAN_SANITIZED", "") or _links_asan(argv[0]):
            # The ASan runtime wants to be first among the preloads; clknetsim's library
            # intercepts nothing ASan needs.
            pre.append("ASAN_OPTIONS=" + os.environ.get("ASAN_OPTIONS", "") +
                       ":verify_asan_link_order=0")
        full = ["setpriv", "--bounding-set", "-sys_time"] + pre + argv
        log = open(self.path(f"log.{n.index}"), "w")
        p = subprocess.Popen(full, stdout=log, stderr=subprocess.STDOUT, env=env,
                             cwd=self.dir, start_new_session=True)
        log.close()
        self.procs.append((n, p, argv[0]))
        return p

    def _check_caps(self):
        """Each program, once exec'd past setpriv and env, must lack CAP_SYS_TIME."""
        for n, p, exe in self.procs:
            want = os.path.realpath(exe)
            deadline = time.monotonic() + 10
            while True:
                try:
                    cur = os.path.realpath(f"/proc/{p.pid}/exe")
                except OSError:
                    cur = None
                if cur == want or p.poll() is not None or time.monotonic() > deadline:
                    break
                time.sleep(0.005)
            if p.poll() is not None:
                raise RuntimeError(f"node {n.index} ({exe}) exited early; log:\n"
                                   + open(self.path(f"log.{n.index}")).read())
            if cur != want:
                raise RuntimeError(f"node {n.index}: {exe} was not exec'd")
            with open(f"/proc/{p.pid}/status") as f:
                status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
            for field in ("CapEff", "CapPrm", "CapBnd"):
                if int(status[field], 16) & (1 << CAP_SYS_TIME):
                    raise RuntimeError(f"node {n.index} ({exe}) has CAP_SYS_TIME in {field}")

    # -- run ---------------------------------------------------------------------------------

    def run(self):
        cks = find_clknetsim()
        self._write_sim_conf()
        # cksim-compat.so first: it passes on to clknetsim.so what it does not adapt.
        compat = os.path.join(BUILD_ROOT, "clknetsim", "cksim-compat.so")
        preload = os.path.join(cks, "clknetsim.so")
        if os.path.isfile(compat):
            preload = compat + ":" + preload
        try:
            for n in self.nodes:
                self._start(n, preload)
            self._check_caps()
            server = [os.path.join(cks, "clknetsim"), "-s", self.path("sock"),
                      "-o", self.path("log.offset"), "-f", self.path("log.freq"),
                      "-p", self.path("log.packets"), "-r", str(self.reset),
                      "-l", str(self.limit), self.path("conf"), str(len(self.nodes))]
            env = dict(os.environ, CLKNETSIM_RANDOM_SEED=str(self.seed))
            env.pop("LD_PRELOAD", None)
            with open(self.path("stats"), "w") as out, open(self.path("log"), "w") as err:
                rc = subprocess.run(server, stdout=out, stderr=err, cwd=self.dir, env=env,
                                    timeout=600).returncode
            if rc != 0:
                raise RuntimeError("clknetsim failed:\n" + open(self.path("log")).read())
        finally:
            self._stop()
        return self._results()

    def _stop(self):
        for n, p, _ in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for n, p, _ in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    def cleanup(self):
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- results -----------------------------------------------------------------------------

    def _read_stats(self):
        stats, cur = {}, None
        with open(self.path("stats")) as f:
            for line in f:
                if line.startswith("----") and "Node" in line:
                    cur = int(line.split("Node")[1].split()[0])
                    stats[cur] = {}
                elif cur is not None and ":" in line:
                    k, v = line.split(":", 1)
                    stats[cur][k.strip()] = float(v.strip())
        return stats

    def _read_columns(self, name):
        cols = [[] for _ in self.nodes]
        with open(self.path(name)) as f:
            for line in f:
                vals = line.split()
                if len(vals) != len(self.nodes):
                    continue
                for i, v in enumerate(vals):
                    cols[i].append(float(v))
        return cols

    def _results(self):
        stats = self._read_stats()
        offs = self._read_columns("log.offset")
        freqs = self._read_columns("log.freq")
        sent = {n.index: {} for n in self.nodes}
        sent_times = {n.index: {} for n in self.nodes}
        with open(self.path("log.packets")) as f:
            for line in f:
                t, src, dst, delay, sport, dport = line.split("\t")[:6]
                src, dst = int(src), int(dst)
                if int(dport) == 123:
                    sent[src][dst] = sent[src].get(dst, 0) + 1
                    sent_times[src].setdefault(dst, []).append(float(t))
        results = {}
        for n in self.nodes:
            r = NodeResult()
            r.node = n
            r.stats = stats.get(n.index, {})
            r.offset = offs[n.index - 1]
            r.freq = freqs[n.index - 1]
            r.requests = sum(sent[n.index].values())
            r.requests_to = sent[n.index]
            r.request_times = sent_times[n.index]
            r.rms_time = r.stats.get("RMS offset", math.inf)
            r.max_time = r.stats.get("Maximum absolute offset", math.inf)
            r.rms_freq = r.stats.get("RMS frequency", math.inf)
            r.max_freq = r.stats.get("Maximum absolute frequency", math.inf)
            with open(self.path(f"log.{n.index}"), errors="replace") as f:
                r.log = f.read()
            results[n.index] = r
        return results


def sync_time(offsets, freqs, time_limit, freq_limit):
    """Seconds until the clock stays within both limits for good (chrony's find_sync with no
    smoothing): one more than the last second out of limits; len(offsets) if it never gets
    there."""
    last_bad = -1
    for t, (o, f) in enumerate(zip(offsets, freqs)):
        if abs(o) > time_limit or abs(f) > freq_limit:
            last_bad = t
    return last_bad + 1


def _links_asan(exe):
    try:
        out = subprocess.run(["ldd", exe], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True).stdout
    except OSError:
        return False
    return "libasan" in out
