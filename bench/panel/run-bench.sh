#!/bin/bash
# meridian-panel benchmarks, on a private bus with meridiand on a temporary root and a
# virtual clock (nothing on the host changes), the polkit stand-in allowing everything:
#  1. launch to first frame: meridian-panel, and beside it an empty libadwaita window started
#     the same way (the floor any GTK4 + libadwaita app starts from), N runs each, interleaved,
#     on Xvfb; time from just before exec to the end of the first frame (CLOCK_MONOTONIC,
#     printed by each program). Goal: meridian-panel <= 300 ms.
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
import os, statistics, subprocess, sys, time
runs, panel, hello = int(sys.argv[1]), sys.argv[2], sys.argv[3]
env = dict(os.environ, MERIDIAN_PANEL_FIRST_FRAME='quit')

def launch(prog):
    """Milliseconds from just before exec to the end of the first frame (both CLOCK_MONOTONIC)."""
    t0 = time.monotonic_ns() // 1000
    p = subprocess.run([prog], env=env, capture_output=True, text=True, timeout=30)
    for line in p.stdout.splitlines():
        if line.startswith('first-frame '):
            return (int(line.split()[1]) - t0) / 1000.0
    return None

res = {panel: [], hello: []}
for _ in range(runs):
    for prog in (panel, hello):
        ms = launch(prog)
        if ms is not None:
            res[prog].append(ms)

def row(name, xs):
    q = statistics.quantiles(xs, n=4) if len(xs) >= 2 else [xs[0]] * 3
    print(f'{name:28s} median {statistics.median(xs):7.1f} ms  IQR {q[0]:6.1f}-{q[2]:6.1f} ms  '
          f'min {min(xs):6.1f} ms  n={len(xs)}')

row('meridian-panel', res[panel])
row('empty libadwaita window', res[hello])
d = [p - h for p, h in zip(res[panel], res[hello])]
print(f'panel - empty window, paired: median {statistics.median(d):.1f} ms '
      f'(spread {min(d):.1f}..{max(d):.1f} ms)')
print(f'goal: panel <= 300 ms: {"met" if statistics.median(res[panel]) <= 300 else "NOT met"} '
      f'(machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)')
PY
