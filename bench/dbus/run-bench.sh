#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# D-Bus benchmark: meridiand against the real systemd-timedated, in one run on one private bus.
# Measures median and p99 latency of ListTimezones, Get(Timezone) and SetTimezone (authorized by
# the polkit stand-in, which allows everything) on org.freedesktop.timedate1, and both daemons'
# RSS (VmRSS after the run). Goal: meridiand <= 0.5x systemd-timedated on each latency.
#
# Usage: bench/dbus/run-bench.sh [--build-dir DIR] [-n CALLS] [--list-calls N] [--sequential]
#   default: both daemons run at once and the client interleaves its calls (same machine load
#   for both); --sequential: one daemon after the other, each owning org.freedesktop.timedate1.
#
# Safety: meridiand runs with --root on a temp dir and --clock virtual;
# systemd-timedated runs in a private mount namespace with an overlay over /etc (its writes land
# in the overlay), a fake /run/systemd, and both without CAP_SYS_TIME (setpriv --bounding-set
# -sys_time; checked in /proc before measuring) -- timedated's SetTimezone would otherwise shift
# the kernel clock on a machine whose PID 1 is not systemd. timedated's SetTime is never called.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$src/scripts/private-bus.sh"
build="$src/build"
calls=200
list_calls=""
mode=interleaved
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$(realpath -m "$2"); shift 2 ;;
    -n) calls=$2; shift 2 ;;
    --list-calls) list_calls=$2; shift 2 ;;
    --sequential) mode=sequential; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
list_calls=${list_calls:-$calls}
meridiand=${MERIDIAND:-$build/service/meridiand}
client=${MRD_BENCH_DBUS:-$build/bench/dbus/mrd-bench-dbus}
timedated=/lib/systemd/systemd-timedated
die() { echo "run-bench.sh: $*" >&2; exit 1; }
[ -x "$meridiand" ] || die "no meridiand at $meridiand (build it, or pass --build-dir)"
[ -x "$client" ] || die "no mrd-bench-dbus at $client (ninja -C BUILD bench/dbus/mrd-bench-dbus)"
[ -x "$timedated" ] || die "$timedated is missing (apt-get install systemd)"
unshare --mount --propagation private true 2>/dev/null || die "unshare --mount is not permitted here"

T=$(mktemp -d /tmp/meridian-bench.XXXXXX)
chmod 755 "$T"
bus_pid=""; mock_pid=""; mrd_pid=""; td_pid=""
cleanup() {
  trap - EXIT INT TERM
  for p in $mrd_pid $td_pid $mock_pid; do
    kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
  done
  [ -n "$bus_pid" ] && kill -TERM "$bus_pid" 2>/dev/null || true
  rm -rf "$T"
}
trap 'rc=$?; cleanup; exit $rc' EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

has_owner() {
  gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner "$1" 2>/dev/null | grep -q true
}
wait_for_name() {  # NAME PID
  for _ in $(seq 1 500); do
    has_owner "$1" && return 0
    kill -0 "$2" 2>/dev/null || die "the process that should own $1 exited; log: $(cat "$T"/*.log)"
    sleep 0.02
  done
  die "$1 did not appear on the bus"
}
wait_name_gone() {
  for _ in $(seq 1 500); do has_owner "$1" || return 0; sleep 0.02; done
  die "$1 is still owned"
}
no_cap_sys_time() {  # PID: bit 25 of CapEff and CapBnd must be clear
  local eff bnd
  eff=$(awk '/^CapEff:/ {print $2}' "/proc/$1/status")
  bnd=$(awk '/^CapBnd:/ {print $2}' "/proc/$1/status")
  [ $(( 0x$eff & (1 << 25) )) = 0 ] && [ $(( 0x$bnd & (1 << 25) )) = 0 ] ||
    die "pid $1 has CAP_SYS_TIME (CapEff=$eff CapBnd=$bnd): refusing to benchmark it"
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# ---- private bus + polkit stand-in allowing everything ------------------------------------------
start_private_bus "$T/bus"
setpriv --bounding-set -sys_time /usr/bin/python3 -m dbusmock --system --template polkitd >"$T/polkit-mock.log" 2>&1 &
mock_pid=$!
wait_for_name org.freedesktop.PolicyKit1 "$mock_pid"
gdbus call --system --dest org.freedesktop.PolicyKit1 --object-path /org/freedesktop/PolicyKit1/Authority \
  --method org.freedesktop.DBus.Mock.AllowUnknown true >/dev/null

# The client runs as nobody: systemd-timedated authorizes a root caller without asking polkit
# (sd_bus_query_sender_privilege falls back to euid 0 on a dbus-daemon bus; seen here: the
# polkit stand-in got no CheckAuthorization at all), and the comparison must have both daemons
# go through polkit for SetTimezone.
cp "$client" "$T/mrd-bench-dbus"   # reachable by nobody wherever the build dir is
chmod 755 "$T/mrd-bench-dbus"
client_args=(-n "$calls" --list-iterations "$list_calls")
run_client() {  # OUTFILE [--dest NAME=LABEL ...]
  local out=$1; shift
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$T/mrd-bench-dbus" "${client_args[@]}" "$@" \
    > "$T/$out" 2> "$T/client.err" ||
    die "the benchmark client failed: $(cat "$T/client.err"); logs: $(tail -n 20 "$T"/*.log)"
}

mkdir -p "$T/root/etc/meridian" "$T/root/var/lib/meridian"
ln -s ../usr/share/zoneinfo/UTC "$T/root/etc/localtime"
echo "Etc/UTC" > "$T/root/etc/timezone"
printf '0.000000 0 0.000000\n0\nUTC\n' > "$T/root/etc/adjtime"
start_meridiand() {
  setpriv --bounding-set -sys_time "$meridiand" --root "$T/root" \
    --zoneinfo "${TZDIR:-/usr/share/zoneinfo}" --clock virtual >>"$T/meridiand.log" 2>&1 &
  mrd_pid=$!
  wait_for_name org.meridian.Time1 "$mrd_pid"
  no_cap_sys_time "$mrd_pid"
}
stop_meridiand() {
  local rc=0
  kill -TERM "$mrd_pid"; wait "$mrd_pid" || rc=$?
  [ "$rc" = 0 ] || echo "warning: meridiand exited with $rc on SIGTERM" >&2
  mrd_pid=""
}
# systemd-timedated without CAP_SYS_TIME, in a private mount namespace with an overlay over /etc
mkdir -p "$T/td/up" "$T/td/work"
cat > "$T/td.sh" <<'EOS'
#!/bin/sh
mount -t overlay overlay -o lowerdir=/etc,upperdir=$1/up,workdir=$1/work /etc || exit 1
mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system
exec setpriv --bounding-set -sys_time /lib/systemd/systemd-timedated
EOS
chmod +x "$T/td.sh"
start_timedated() {
  unshare --mount --propagation private "$T/td.sh" "$T/td" >>"$T/systemd-timedated.log" 2>&1 &
  td_pid=$!   # the exec chain makes this systemd-timedated itself
  wait_for_name org.freedesktop.timedate1 "$td_pid"
  no_cap_sys_time "$td_pid"
}
stop_timedated() {
  kill -TERM "$td_pid" 2>/dev/null; wait "$td_pid" 2>/dev/null || true
  td_pid=""
}

if [ "$mode" = interleaved ]; then
  # Both at once: timedated owns org.freedesktop.timedate1; meridiand, started second, cannot
  # own it and serves /org/freedesktop/timedate1 on its own connection (the same code path).
  # The client alternates calls between the two, so both see the same machine load.
  echo "measuring meridiand and systemd-timedated, interleaved ($calls calls per method) ..." >&2
  start_timedated
  start_meridiand
  run_client all.out --polkit --dest org.meridian.Time1=meridiand --dest org.freedesktop.timedate1=systemd-timedated
  mrd_rss=$(rss_kb "$mrd_pid"); td_rss=$(rss_kb "$td_pid")
  stop_meridiand; stop_timedated
else
  # One after the other, each owning org.freedesktop.timedate1 in turn.
  echo "measuring meridiand ($calls calls per method) ..." >&2
  start_meridiand
  wait_for_name org.freedesktop.timedate1 "$mrd_pid"
  run_client m.out --dest org.freedesktop.timedate1=meridiand
  mrd_rss=$(rss_kb "$mrd_pid")
  stop_meridiand
  wait_name_gone org.freedesktop.timedate1
  echo "measuring systemd-timedated ($calls calls per method) ..." >&2
  start_timedated
  run_client t.out --polkit --dest org.freedesktop.timedate1=systemd-timedated
  td_rss=$(rss_kb "$td_pid")
  stop_timedated
  cat "$T/m.out" "$T/t.out" > "$T/all.out"
fi

# ---- the table ------------------------------------------------------------------------------------
field() { sed -n "s/^$1 $2 .*$3=\([0-9.]*\).*/\1/p" "$T/all.out"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
verdict() { awk -v r="$1" 'BEGIN { print (r != "n/a" && r <= 0.5) ? "yes" : "NO" }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.3f", us / 1000 }'; }

echo
echo "D-Bus latency on one private bus, $calls calls per method (ListTimezones: $list_calls), $mode, ms"
printf '%-22s %12s %12s %12s %12s %9s %9s %6s\n' "call" "meridiand" "" "timedated" "" "ratio" "" "<=0.5"
printf '%-22s %12s %12s %12s %12s %9s %9s %6s\n' "" "median" "p99" "median" "p99" "median" "p99" ""
for m in ListTimezones GetTimezone SetTimezone; do
  a50=$(field meridiand "$m" median_us); a99=$(field meridiand "$m" p99_us)
  b50=$(field systemd-timedated "$m" median_us); b99=$(field systemd-timedated "$m" p99_us)
  r50=$(ratio "$a50" "$b50"); r99=$(ratio "$a99" "$b99")
  label=$m; [ "$m" = GetTimezone ] && label="Get(Timezone)"
  printf '%-22s %12s %12s %12s %12s %9s %9s %6s\n' "$label" "$(ms "$a50")" "$(ms "$a99")" \
    "$(ms "$b50")" "$(ms "$b99")" "$r50" "$r99" "$(verdict "$r50")"
done
a50=$(field meridiand Ping median_us); b50=$(field systemd-timedated Ping median_us)
printf '%-22s %12s %12s %12s %12s %9s\n' "Peer.Ping (floor)" "$(ms "$a50")" "$(ms "$(field meridiand Ping p99_us)")" \
  "$(ms "$b50")" "$(ms "$(field systemd-timedated Ping p99_us)")" "$(ratio "$a50" "$b50")"
printf '%-22s %12s %12s   (the stand-in; every SetTimezone above includes one)\n' "polkit check (floor)" \
  "$(ms "$(field polkit CheckAuthorization median_us)")" "$(ms "$(field polkit CheckAuthorization p99_us)")"
echo
printf 'RSS after the run: meridiand %.1f MB, systemd-timedated %.1f MB (ratio %s)\n' \
  "$(awk -v k="$mrd_rss" 'BEGIN{print k/1024}')" "$(awk -v k="$td_rss" 'BEGIN{print k/1024}')" \
  "$(ratio "$mrd_rss" "$td_rss")"
echo "(meridiand: --clock virtual on a temp root; timedated: overlay /etc, no CAP_SYS_TIME; polkit stand-in allows all)"
