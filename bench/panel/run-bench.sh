#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# meridian-panel benchmarks, on a private bus with meridiand on a temporary root and a
# virtual clock (nothing on the host changes), the polkit stand-in allowing everything:
#  1. launch to first frame: meridian-panel, and beside it an empty libadwaita window started
#     the same way (the floor any GTK4 + libadwaita app starts from), N runs each, interleaved,
#     on Xvfb; time from just before exec to the end of the first frame (CLOCK_MONOTONIC,
#     printed by each program), split at the same start-up phases in both programs, each with
#     its main thread's CPU time (which a loaded machine hardly changes). What the panel adds
#     is the paired difference from "activate" on; what comes before is the environment's
#     (dynamic loading, X display, GTK's GL probe, fonts), the same for both. Run twice: as
#     GTK starts here (on Xvfb it finds Mesa's software GL) and with GL off.
#     Goal: meridian-panel <= 300 ms.
#  2. per-keystroke zone search over every zone with its English and Korean names
#     (mp-bench-search). Goal: <= 5 ms.
# Usage: bench/panel/run-bench.sh [--build-dir DIR] [-n RUNS]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$src/scripts/private-bus.sh"
build="$src/build"
runs=15
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$(realpath -m "$2"); shift 2 ;;
    -n) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--build-dir DIR] [-n RUNS]" >&2; exit 2 ;;
  esac
done
for f in "$build/panel/meridian-panel" "$build/bench/panel/mp-bench-hello" \
         "$build/bench/panel/mp-bench-search" "$build/service/meridiand"; do
  [ -x "$f" ] || { echo "missing $f (build first)" >&2; exit 1; }
done

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${bus_pid:-}" ] && kill "$bus_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

start_private_bus "$tmp/bus"
pids+=("$bus_pid")
setpriv --bounding-set -sys_time /usr/bin/python3 -m dbusmock --system --template polkitd \
  >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  gdbus call --system --dest org.freedesktop.PolicyKit1 --object-path /org/freedesktop/PolicyKit1/Authority \
    --method org.freedesktop.DBus.Mock.AllowUnknown true >/dev/null 2>&1 && break
  sleep 0.1
done
mkdir -p "$tmp/root/etc/meridian" "$tmp/root/var/lib/meridian"
ln -s ../usr/share/zoneinfo/UTC "$tmp/root/etc/localtime"
setpriv --bounding-set -sys_time "$build/service/meridiand" --root "$tmp/root" --clock virtual \
  >"$tmp/meridiand.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  gdbus call --system --dest org.meridian.Time1 --object-path /org/meridian/Time1 \
    --method org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1 && break
  sleep 0.1
done

echo "== per-keystroke zone search (index built from meridiand over D-Bus)"
"$build/bench/panel/mp-bench-search" 20

if ! command -v Xvfb >/dev/null; then
  echo "== launch to first frame: skipped (Xvfb is not installed)"
  exit 0
fi
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$tmp/display" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/display" ] && break; sleep 0.05; done
export DISPLAY=":$(cat "$tmp/display")" GDK_BACKEND=x11 GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1

# A session bus shared by every launch, as a desktop has one (GtkApplication registers on it).
{ read -r session_address; read -r session_pid; } < <(dbus-daemon --session --fork --print-address=1 --print-pid=1)
pids+=("$session_pid")
export DBUS_SESSION_BUS_ADDRESS="$session_address"


echo "== launch to first frame ($runs runs each, interleaved)"
/usr/bin/python3 - "$runs" "$build/panel/meridian-panel" "$build/bench/panel/mp-bench-hello" <<'PY'
import math, os, statistics, subprocess, sys, time
runs, panel, hello = int(sys.argv[1]), sys.argv[2], sys.argv[3]
# Both programs print "mark PHASE MONOTONIC_USEC MAIN_THREAD_CPU_USEC" at the same phases.
PHASES = [('exec', 'main', 'exec -> main: loading, relocation'),
          ('main', 'gtk-ready', 'main -> GTK ready: display, GL probe, fonts'),
          ('gtk-ready', 'activate', 'GTK ready -> activate'),
          ('activate', 'window-built', 'activate -> window built'),
          ('window-built', 'presented', 'window built -> presented (realize, measure)'),
          ('presented', 'first-frame', 'presented -> first frame (layout, draw)'),
          ('exec', 'first-frame', 'exec -> first frame')]
CONFIGS = [
    ('as started here (Xvfb: GTK probes GL and gets Mesa llvmpipe)', {}),
    ('GL off (GDK_DEBUG=gl-disable GSK_RENDERER=cairo)', {'GDK_DEBUG': 'gl-disable', 'GSK_RENDERER': 'cairo'}),
]

def launch(prog, extra):
    env = dict(os.environ, MERIDIAN_PANEL_FIRST_FRAME='quit', **extra)
    t0 = time.monotonic_ns() // 1000
    p = subprocess.run([prog], env=env, capture_output=True, text=True, timeout=60)
    m = {'exec': (t0, 0)}
    for line in p.stdout.splitlines():
        f = line.split()
        if f[0] == 'mark' and len(f) == 4:
            m[f[1]] = (int(f[2]), int(f[3]))
        elif f[0] == 'first-frame-cpu':
            m['cpu-all'] = int(f[1])
    return m if 'first-frame' in m and 'main' in m else None

def span(m, a, b, i):
    return (m[b][i] - m[a][i]) / 1000.0

def stat(xs):
    q = statistics.quantiles(xs, n=4) if len(xs) >= 2 else [xs[0]] * 3
    return f'{statistics.median(xs):7.1f} ({q[0]:6.1f}-{q[2]:6.1f})'

def sign_test(d):
    """Two-sided sign test: how likely this many positive differences are if the panel
    were no slower than the empty window."""
    n = sum(1 for x in d if x != 0)
    k = sum(1 for x in d if x > 0)
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(max(k, n - k), n + 1)) / 2 ** n
    return min(1.0, 2 * tail)

print(f'machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; '
      'wall ms: median (interquartile range); cpu = main thread (exec -> main: none measured)')
totals = {}
for cname, extra in CONFIGS:
    res = {panel: [], hello: []}
    for _ in range(runs):
        for prog in (panel, hello):
            m = launch(prog, extra)
            if m is not None:
                res[prog].append(m)
    P, H = res[panel], res[hello]
    if not P or not H:
        print(f'-- {cname}: no first frame reported'); continue
    print(f'-- {cname}, n = {len(P)} / {len(H)}')
    print(f'{"phase":48s} {"meridian-panel wall":>24s} {"cpu":>6s} {"empty window wall":>24s} {"cpu":>6s}')
    for a, b, label in PHASES:
        pw = [span(m, a, b, 0) for m in P]; hw = [span(m, a, b, 0) for m in H]
        pc = statistics.median(span(m, a, b, 1) for m in P) if a != 'exec' else float('nan')
        hc = statistics.median(span(m, a, b, 1) for m in H) if a != 'exec' else float('nan')
        print(f'{label:48s} {stat(pw):>24s} {pc:6.1f} {stat(hw):>24s} {hc:6.1f}')
    pa = [m['cpu-all'] / 1000 for m in P if 'cpu-all' in m]; ha = [m['cpu-all'] / 1000 for m in H if 'cpu-all' in m]
    print(f'{"process CPU (all threads) at the first frame":48s} {statistics.median(pa):7.1f}{"":24s} {statistics.median(ha):7.1f}')
    n = min(len(P), len(H))
    ours = [span(P[i], 'activate', 'first-frame', 0) - span(H[i], 'activate', 'first-frame', 0) for i in range(n)]
    ours_cpu = [span(P[i], 'activate', 'first-frame', 1) - span(H[i], 'activate', 'first-frame', 1) for i in range(n)]
    whole = [span(P[i], 'exec', 'first-frame', 0) - span(H[i], 'exec', 'first-frame', 0) for i in range(n)]
    print(f'ours = panel - empty window from activate to the first frame, paired: wall median {statistics.median(ours):.1f} ms '
          f'(spread {min(ours):.1f}..{max(ours):.1f}), main-thread cpu median {statistics.median(ours_cpu):.1f} ms '
          f'(spread {min(ours_cpu):.1f}..{max(ours_cpu):.1f}); panel slower in {sum(d > 0 for d in ours_cpu)}/{n} '
          f'(sign test p = {sign_test(ours_cpu):.3g})')
    print(f'whole launch, panel - empty window, paired: median {statistics.median(whole):.1f} ms '
          f'(spread {min(whole):.1f}..{max(whole):.1f}, sign test p = {sign_test(whole):.3g})')
    totals[cname] = statistics.median(span(m, 'exec', 'first-frame', 0) for m in P)
for cname, t in totals.items():
    print(f'goal: panel <= 300 ms exec -> first frame, {cname}: {t:.1f} ms, {"met" if t <= 300 else "NOT met"}')
PY
