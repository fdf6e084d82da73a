# SPDX-License-Identifier: GPL-2.0-or-later
"""Scenarios in the style of chrony's own simulation tests (chrony's test/simulation/), with
chrony's pass limits.

Every scenario takes the client's kind ("chronyd" or "meridiand") and returns a list of runs;
the same scenario must pass with chronyd as the client (which proves the harness and the
limits) and with meridiand --no-bus.

The defaults are chrony's test defaults: a stratum-1 server, a client 0.1 s off and 100 ppm
fast with a random-walk wander of 1e-9 per second, 100 us base delay plus exponential jitter
of mean 100 us each way, 10 000 simulated seconds, statistics reset at the latest allowed
synchronization time. Limits: max |offset| 1 ms, RMS offset 300 us, max |frequency| 500 ppm,
RMS frequency 10 ppm, synchronized (offset within the max limit and frequency within its max
limit from then on) between 120 s and 210 s.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cksim import Node, Simulation, server_address  # noqa: E402

DEFAULTS = dict(
    limit=10000, time_offset=0.1, freq_offset=1e-4, base_delay=1e-4, jitter=1e-4,
    wander=1e-9, servers=1, falsetickers=0, server_conf="", client_conf="",
    client_server_options="", drift=None, delay_wrap=None,
    time_max_limit=1e-3, freq_max_limit=5e-4, time_rms_limit=3e-4, freq_rms_limit=1e-5,
    min_sync_time=120, max_sync_time=210, seed=1, extra_checks=(), server_nodes=None,
    meridiand_args=(), client_step=None, start_date=None, utc_leap_at=None, leap_settle=0,
)


class Run:
    def __init__(self, name, **kw):
        unknown = set(kw) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"unknown settings {unknown}")
        self.name = name
        self.p = dict(DEFAULTS, **kw)
        self.nondefault = {k: v for k, v in kw.items() if DEFAULTS[k] != v}

    def build(self, client_kind):
        p = self.p
        nodes = []
        if p["server_nodes"] is not None:
            nodes.extend(p["server_nodes"]())
        else:
            for i in range(1, p["servers"] + 1):
                # chrony's convention: server i <= falsetickers is i seconds wrong
                off = float(i) if i <= p["falsetickers"] else 0.0
                nodes.append(Node("chronyd-server", conf=p["server_conf"], offset=off))
        nservers = len(nodes)
        lines = p["client_conf"]
        servers = "\n".join(f"server {server_address(i)} {p['client_server_options']}".rstrip()
                            for i in range(1, nservers + 1))
        nodes.append(Node(client_kind, conf=servers + "\n" + lines, offset=p["time_offset"],
                          freq_offset=p["freq_offset"], wander=p["wander"], drift=p["drift"],
                          args=list(p["meridiand_args"]) if client_kind == "meridiand" else [],
                          step=p["client_step"]))
        return Simulation(nodes, limit=p["limit"], reset=p["max_sync_time"], seed=p["seed"],
                          base_delay=p["base_delay"], jitter=p["jitter"],
                          delay_wrap=p["delay_wrap"], start_date=p["start_date"])


def drift_content(freq_offset):
    """A chrony drift file that exactly compensates a clock gaining freq_offset s/s."""
    return "%.9e 1\n" % (1e6 - 1.0 / (1.0 + freq_offset) * 1e6)


def _outage(expr, src, dst):
    # Packets pass only during the first 1200 s of every 10 000 s (chrony's 014-intermittent).
    return f"(+ {expr} (* -1 (equal 0.1 (min (% time 10000) 1200) 1200)))"


def _every_20th(expr, src, dst):
    # Only every 20th request from the client gets through (chrony's 014-intermittent).
    if dst == 1:
        return f"(+ {expr} (* -1 (equal 0.1 (min (% (sum 1) 20) 1) 1)))"
    return expr


def _count_requests_max(limit_count):
    def check(res, client):
        r = res[client]
        return (r.requests <= limit_count,
                f"requests sent {r.requests} <= {limit_count}")
    return check


SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__.replace("_", "-")] = fn
    return fn


@scenario
def defaults():
    """chrony 001-defaults: default polling converges."""
    return [Run("default settings")]


@scenario
def external_step():
    """Someone else steps the client's clock (`date -s`, another daemon): clknetsim's step
    generator moves it 600 s back, or 600 s on, at 300 s, with `makestep 1 -1`. The client
    must see the step as an error of its clock, keep polling (a client that waits for its
    clock to read the old deadline again sends nothing for the next 600 s), step the clock
    right within a few polls and meet chrony's limits from 600 s on (chronyd, which finds the
    jump from its timeouts and starts its measurements over, is synchronized again at about
    450 s; a client that waits out the 600 s, at 900 s)."""
    return [Run(f"stepped {step:+d} s at 300 s", client_conf="makestep 1 -1",
                client_step=f"(* {step} (equal 0.1 (sum 1.0) 300))",
                min_sync_time=300, max_sync_time=600)
            for step in (-600, 600)]


@scenario
def poll4():
    """chrony 101-poll at poll 4 (and 6): fixed polling, tight limits on a quiet network."""
    runs = []
    for poll in (4, 6):
        runs.append(Run(f"minpoll {poll} maxpoll {poll}", wander=0.0, jitter=1e-6,
                        time_max_limit=1e-5, freq_max_limit=1e-5, time_rms_limit=5e-6,
                        freq_rms_limit=5e-6, client_conf="makestep 1e-2 1",
                        client_server_options=f"minpoll {poll} maxpoll {poll}",
                        limit=2 ** poll * 10, min_sync_time=2 ** poll * 2,
                        max_sync_time=2 ** poll * 21 // 10 + 1))
    return runs


@scenario
def iburst_driftfile():
    """chrony 102-iburst: iburst and a drift file synchronize in 4-6 s."""
    return [Run("iburst + driftfile", freq_offset=1e-4,
                client_conf="makestep 1e-2 1\ndriftfile @DRIFT@", drift="100 1.0\n",
                client_server_options="iburst", min_sync_time=4, max_sync_time=6)]


def _cut(expr, src, dst):
    # Every packet dropped: a server that never answers.
    return "(+ -1 0)"


@scenario
def driftfile():
    """chrony 104-driftfile: the drift file's frequency is applied at start. chrony's test
    has no server at all; here the one server never answers (every packet is dropped), which
    is the same to the clock and gives a client that sleeps without any timer of its own
    something to wake for, since a simulation cannot wait forever."""
    runs = []
    for f in (-5e-2, -5e-4, -5e-6, 5e-6, 5e-4, 5e-2):
        runs.append(Run(f"driftfile {f:g}", delay_wrap=_cut, time_offset=0.0, wander=0.0,
                        limit=10,
                        freq_offset=f, freq_max_limit=1e-9, min_sync_time=1, max_sync_time=1,
                        client_conf="driftfile @DRIFT@", drift=drift_content(f)))
    return runs


@scenario
def falseticker():
    """chrony 009-sourceselection: falsetickers fewer than half are outvoted."""
    return [Run("1 falseticker of 4", servers=4, falsetickers=1, base_delay=1e-3),
            Run("2 falsetickers of 5", servers=5, falsetickers=2, base_delay=1e-3)]


@scenario
def outage():
    """chrony 014-intermittent: the network is up 1200 s in every 10 000 s."""
    return [Run("intermittent connection", delay_wrap=_outage, time_max_limit=1e-1,
                freq_max_limit=1e-2, time_rms_limit=2e-3, freq_rms_limit=2e-5,
                limit=100000)]


@scenario
def lossy():
    """chrony 014-intermittent, second part: only every 20th request is answered."""
    return [Run("every 20th request answered", delay_wrap=_every_20th,
                time_max_limit=1e-2, freq_max_limit=1e-4, time_rms_limit=5e-3,
                freq_rms_limit=2e-5, max_sync_time=22000, limit=100000)]


def _one_way(series):
    """A delay_wrap that takes the jitter off one direction: `up` quiets the client's path to
    the server, `down` the server's replies (their series is still read, so the other
    direction's draws stay those of the symmetric runs)."""
    def wrap(expr, src, dst):
        quiet = (series == "up" and dst == 1) or (series == "down" and src == 1)
        return expr.replace('(file "', '(* 0 (file "') + ")" if quiet else expr
    return wrap


@scenario
def one_way():
    """Queueing one way only (an uplink that congests; a busy reply path): 100 us of
    exponential jitter on the way to the server and none back, then the reverse. Each
    sample's offset is then off by half its queueing, with a sign: 50 us SD here (half the
    jitter's), of which a client that takes the path as symmetric keeps much (meridiand
    with `asymmetry 0`: 33 and 71 us RMS). A client that estimates the asymmetry from its
    samples (chronyd's default, ours: service/ntp/ntp-asym.h) takes it away. Limit: half
    that SD, 25 us RMS, from 1000 s on (the estimate needs its samples first); the rest are
    chrony's defaults."""
    return [Run(f"jitter {way} only", delay_wrap=_one_way(quiet), time_rms_limit=25e-6,
                max_sync_time=1000)
            for way, quiet in (("to the server", "down"), ("from the server", "up"))]


@scenario
def subprecision():
    """A server whose clock precision is 100 us: chronyd fills the timestamp bits below it
    with random bits, and its processing time in the simulator is zero, so the transmit
    timestamp precedes the receive timestamp in about half the replies. A client that drops
    those replies polls more and knows less. Limits: chrony's defaults (the +-61 us of random
    bits on t2 and t3 add far less noise than they allow), and no more requests than polling
    at the default minimum interval (64 s) allows over the run."""
    limit = 10000
    return [Run("server precision 100 us", server_conf="clockprecision 1e-4", limit=limit,
                extra_checks=(_count_requests_max(limit // 64 + 1),))]


@scenario
def seed():
    """The seed's setup: 0.5 s off, 23.054 ppm slow, `server ... prefer iburst minpoll 4
    maxpoll 4`, `makestep 1 3` (which does not step 0.5 s, so the clock is slewed at the
    backend's full range). Sync limit from the physics: four iburst exchanges 2 s apart (8 s),
    then 0.5 s slewed at chronyd's and the kernel tick's 83 333 ppm maximum (6 s), plus two
    16 s polls to confirm the frequency: 46 s. Accuracy limits are chrony's defaults."""
    return [Run("seed: 0.5 s off, 23.054 ppm slow", time_offset=0.5, freq_offset=-23.054e-6,
                client_server_options="prefer iburst minpoll 4 maxpoll 4",
                client_conf="makestep 1 3", min_sync_time=0, max_sync_time=46,
                limit=10000)]


def _kod_server(min_interval):
    def nodes():
        from cksim import find_tool
        return [Node("tool:" + find_tool("mrd-hostile-ntp"),
                     args=["--mode", f"ratelimit:{min_interval}", "--listen", "0.0.0.0:123",
                           "--duration", "1e6"])]
    return nodes


def _kod_checks(min_interval):
    def check(res, client):
        server = res[1]
        replies = [ln.split() for ln in server.log.splitlines() if ln.startswith("reply ")]
        kods = [int(f[1]) for f in replies if f[2] == "kod-rate"]
        times = res[client].request_times.get(1, [])
        # The server answers every request in order, so reply k is the answer to request k.
        # RFC 5905 (7.4): a client told RATE reduces its rate; here, the request after each
        # kiss must keep the server's interval.
        early = [k for k in kods if k < len(times) and times[k] - times[k - 1] < min_interval]
        return (len(replies) == len(times) and bool(kods) and not early,
                f"after each of {len(kods)} KoD RATE the next request >= {min_interval} s "
                f"later (early: {len(early)})")
    return check


@scenario
def kod():
    """A server that answers requests coming faster than every 32 s with KoD RATE: the
    client, polling from 16 s, must back off after each kiss and still meet chrony's default
    limits."""
    limit = 10000
    return [Run("KoD RATE below 32 s", server_nodes=_kod_server(32), limit=limit,
                client_server_options="minpoll 4 maxpoll 6",
                extra_checks=(_kod_checks(32),))]


def _interleaved_replies(res, client):
    """meridiand --verbose logs when a server starts answering in interleaved mode, and when it
    stops; chronyd's log says nothing of it, so for chronyd this check has nothing to read."""
    if res[client].node.kind != "meridiand":
        return True, "interleaved replies: not logged by chronyd (its limits still apply)"
    log = res[client].log
    started = log.count("replies in interleaved mode")
    stopped = log.count("replies in basic mode")
    return (started == 1 and stopped == 0,
            f"replies turned interleaved once ({started}) and never fell back ({stopped})")


@scenario
def xleave():
    """chrony 122-xleave, client part: `xleave` against a chronyd server, chrony's default
    limits; and the replies really are interleaved."""
    return [Run("interleaved mode", client_server_options="xleave",
                meridiand_args=("--verbose",), extra_checks=(_interleaved_replies,))]


# 2017-01-01T00:00:00Z, the last leap second (inserted), as Unix time
_LEAP_2016 = 1483228800


def _utc_server(leap_at):
    """A stratum-1 chronyd on a reference clock that keeps UTC: it reads the simulation's
    reference time until leap_at (s), a second less from then on (clknetsim evaluates the
    expression once a simulated second, counting from the server's first reading, a second
    or two after the start; the server ignores its reference clock around a leap anyway).
    leapsectz tells it of the leap: it announces it and its kernel inserts it."""
    def nodes():
        return [Node("chronyd-server", conf="refclock SHM 0 poll 2\nleapsectz right/UTC",
                     refclock=f"(+ 1 (* -1 (equal 0.1 (max (sum 1.0) {leap_at}) {leap_at})))")]
    return nodes


@scenario
def leap_second():
    """A second inserted into UTC (31 Dec 2016): the server, chronyd with `leapsectz
    right/UTC`, announces it and its kernel inserts it; the client follows under each of
    chrony's leapsecmode values. clknetsim's reference time has no leap, so from the leap on
    a client that follows UTC reads a second behind it: the limits are checked on the offset
    from UTC (the reference time's offset plus the second). Under slew the second takes
    1 s / 83 333 ppm = 12 s to remove (chrony's maxslewrate), so 13 s after the leap are not
    held to the 1 ms limit, and in the other modes the 2 s around the repeated second (the
    offset log samples once a second, and 23:59:60 reads either way); in every mode the clock
    must be within it from then on. Starts at the
    last midnight before the leap (clknetsim's kernel applies a leap when its own count of
    seconds from the start crosses a multiple of a day, as chrony's leap test knows), so the
    client is synchronized long before (chrony's default sync limits), and ends two hours
    after."""
    day = 86400
    runs = [Run(f"leapsecmode {mode}", start_date=_LEAP_2016 - day, utc_leap_at=day,
                limit=day + 7200, server_nodes=_utc_server(day),
                client_conf=f"leapsecmode {mode}",
                leap_settle=13 if mode == "slew" else 2)
            for mode in ("system", "step", "slew")]
    # Debian's chrony.conf has `leapsectz right/UTC`: the client sets the kernel's TAI offset
    # from it, 36 s on the last day of 2016 and 37 s once the second is inserted.
    runs.append(Run("leapsectz right/UTC", start_date=_LEAP_2016 - day, utc_leap_at=day,
                    limit=day + 7200, server_nodes=_utc_server(day),
                    client_conf="leapsectz right/UTC", leap_settle=2,
                    extra_checks=(_tai_offsets_set,)))
    return runs


def _tai_offsets_set(res, client):
    """The client's log says it set the kernel's TAI offset to 36 s (chronyd: "System clock
    TAI offset set to 36 seconds"; meridiand: "TAI offset set to 36 seconds"), and meridiand's
    that it set 37 s after the leap. The kernel that inserts the second moves its offset by
    itself, and chronyd leaves it at that (it sets the offset under leapsecmode system only);
    meridiand sets it in every mode, which under step and slew, where no kernel inserts the
    second, is what keeps CLOCK_TAI right (tests/unit/ntp/test-ntp-engine.c)."""
    log = res[client].log
    first, second = log.find("TAI offset set to 36 seconds"), log.find("TAI offset set to 37 seconds")
    if res[client].node.kind != "meridiand":
        return first >= 0, f"TAI offset set to 36 s ({first})"
    return (0 <= first < second, f"TAI offset set to 36 s, then 37 s ({first}, {second})")
