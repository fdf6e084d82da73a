#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Meridian's main job, shown end to end without touching this machine:
#   build -> a private system bus -> a polkit stand-in that allows everything -> a real
#   `chronyd -x` on loopback as the NTP server (local stratum 1, a free high port) ->
#   meridiand on a temporary root with a virtual clock 0.5 s off and 23.054 ppm slow (the
#   seed), configured with `server 127.0.0.1 port N prefer iburst minpoll 4 maxpoll 4` ->
#   wait until it is synchronized -> `meridianctl status`, `sources -v` and `tracking`,
# then it says how to point meridianctl or timedatectl at that bus, and waits (Ctrl-C cleans up).
#
# Usage: scripts/demo.sh [--no-wait] [--build-dir DIR] [--no-build]
#   --no-wait      exit after the show (used by the 'integration' smoke test)
#   --build-dir    build directory to use (default: build-demo in the source tree)
#   --no-build     use the build directory as it is (do not run meson/ninja)
# MERIDIAND / MERIDIANCTL in the environment override the binaries' paths.
#
# Safety: meridiand runs with --root on a temp dir, --clock virtual, under
# `setpriv --bounding-set -sys_time` (no CAP_SYS_TIME), on a private dbus-daemon; chronyd runs
# with -x (it never touches the clock), also without CAP_SYS_TIME.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$src/scripts/private-bus.sh"
build="$src/build-demo"
wait_at_end=1
do_build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-wait) wait_at_end=0; shift ;;
    --build-dir) build=$(realpath -m "$2"); shift 2 ;;
    --no-build) do_build=0; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

bold=""; dim=""; off=""
if [ -t 1 ]; then bold=$'\e[1m'; dim=$'\e[2m'; off=$'\e[0m'; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$off"; }
show() { printf '%s$ %s%s\n' "$dim" "$*" "$off"; "$@"; }
die() { echo "demo.sh: $*" >&2; exit 1; }

# Dropping CAP_SYS_TIME from the bounding set (setpriv) needs root; nothing else here does.
[ "$(id -u)" = 0 ] || die "run me as root (e.g. sudo $0): meridiand is started under setpriv --bounding-set -sys_time"
for tool in dbus-daemon setpriv gdbus /usr/bin/python3 chronyd chronyc; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh (as root)"
done
/usr/bin/python3 -c 'import dbusmock' 2>/dev/null || die "python3-dbusmock is missing: run scripts/install-deps.sh"

# ---- 1. build -------------------------------------------------------------------------------
if [ "$do_build" = 1 ]; then
  step "Building in $build"
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$src" >/dev/null || die "meson setup failed"
  fi
  if ! ninja -C "$build" >/dev/null; then
    # Someone's half-finished code elsewhere must not stop the demo: build just what it needs.
    echo "full build failed; building meridiand and meridianctl only" >&2
    ninja -C "$build" service/meridiand || die "meridiand does not build"
    ninja -C "$build" cli/meridianctl || echo "meridianctl does not build; using gdbus" >&2
  fi
fi
meridiand=${MERIDIAND:-$build/service/meridiand}
meridianctl=${MERIDIANCTL:-$build/cli/meridianctl}
[ -x "$meridiand" ] || die "no meridiand at $meridiand"
have_ctl=0; [ -x "$meridianctl" ] && have_ctl=1

# ---- cleanup, whatever happens ----------------------------------------------------------------
T=$(mktemp -d /tmp/meridian-demo.XXXXXX)
chmod 755 "$T"
bus_pid=""; mock_pid=""; daemon_pid=""; chronyd_pid=""
daemon_rc=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid"
    daemon_rc=0; wait "$daemon_pid" || daemon_rc=$?
  fi
  [ -n "$chronyd_pid" ] && kill -TERM "$chronyd_pid" 2>/dev/null && wait "$chronyd_pid" 2>/dev/null || true
  [ -n "$mock_pid" ] && kill -TERM "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null || true
  [ -n "$bus_pid" ] && kill -TERM "$bus_pid" 2>/dev/null || true
  rm -rf "$T"
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'rc=$?; cleanup; exit $rc' EXIT

wait_for_name() {  # NAME PID
  for _ in $(seq 1 500); do
    if gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
         --method org.freedesktop.DBus.NameHasOwner "$1" 2>/dev/null | grep -q true; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || die "the process that should own $1 exited (log: $T/*.log)"
    sleep 0.02
  done
  die "$1 did not appear on the bus"
}

# ---- 2. private bus -----------------------------------------------------------------------
step "Starting a private system bus"
start_private_bus "$T/bus"
unset DBUS_SESSION_BUS_ADDRESS
echo "bus: $bus_address (dbus-daemon pid $bus_pid)"

# ---- 3. polkit stand-in, allowing everything ------------------------------------------------
step "Starting the polkit stand-in (python-dbusmock polkitd template, everything allowed)"
setpriv --bounding-set -sys_time /usr/bin/python3 -m dbusmock --system --template polkitd >"$T/polkit-mock.log" 2>&1 &
mock_pid=$!
wait_for_name org.freedesktop.PolicyKit1 "$mock_pid"
gdbus call --system --dest org.freedesktop.PolicyKit1 --object-path /org/freedesktop/PolicyKit1/Authority \
  --method org.freedesktop.DBus.Mock.AllowUnknown true >/dev/null

# ---- 4. chronyd, the NTP server ---------------------------------------------------------------
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$T/chrony"
# chronyd drops to _chrony and needs its command socket's directory to be its own, mode 0750.
chown _chrony:_chrony "$T/chrony" 2>/dev/null || true
chmod 0750 "$T/chrony"
printf '%s\n' "local stratum 1" "allow 127.0.0.1" "port $port" "bindaddress 127.0.0.1" \
  "cmdport 0" "bindcmdaddress $T/chrony/chronyd.sock" "pidfile $T/chrony/chronyd.pid" \
  "driftfile $T/chrony/drift" > "$T/chrony/server.conf"
step "Starting chronyd -x on 127.0.0.1 port $port as the NTP server (local stratum 1; -x: it never touches the clock)"
setpriv --bounding-set -sys_time chronyd -x -d -f "$T/chrony/server.conf" >"$T/chronyd.log" 2>&1 &
chronyd_pid=$!
for _ in $(seq 1 250); do
  [ -S "$T/chrony/chronyd.sock" ] && break
  kill -0 "$chronyd_pid" 2>/dev/null || die "chronyd exited: $(cat "$T/chronyd.log")"
  sleep 0.02
done
[ -S "$T/chrony/chronyd.sock" ] || die "chronyd did not start: $(cat "$T/chronyd.log")"

# ---- 5. meridiand on a temporary root ---------------------------------------------------------
root="$T/root"
mkdir -p "$root/etc/meridian" "$root/var/lib/meridian"
ln -s ../usr/share/zoneinfo/UTC "$root/etc/localtime"
echo "Etc/UTC" > "$root/etc/timezone"
printf '0.000000 0 0.000000\n0\nUTC\n' > "$root/etc/adjtime"
echo "server 127.0.0.1 port $port prefer iburst minpoll 4 maxpoll 4" > "$root/etc/meridian/meridian.conf"
step "Starting meridiand on $root (virtual clock: 0.5 s off and 23.054 ppm slow, as in the seed; no CAP_SYS_TIME)"
show cat "$root/etc/meridian/meridian.conf"
daemon_cmd=(setpriv --bounding-set -sys_time "$meridiand" --root "$root"
            --zoneinfo "${TZDIR:-/usr/share/zoneinfo}" --clock virtual
            --virtual-offset 0.5 --virtual-freq=-23.054 --verbose)
echo "${dim}\$ ${daemon_cmd[*]}${off}"
"${daemon_cmd[@]}" >"$T/meridiand.log" 2>&1 &
daemon_pid=$!
wait_for_name org.meridian.Time1 "$daemon_pid"

prop() {  # INTERFACE PROPERTY: the value as gdbus prints it, without the (<…>,) around it
  gdbus call --system --dest org.meridian.Time1 --object-path /org/meridian/Time1 \
    --method org.freedesktop.DBus.Properties.Get "$1" "$2" | sed -E 's/^\(<(.*)>,\)$/\1/'
}

ctl() {  # a meridianctl command, or what it would read, over plain gdbus, where it lacks one
  if [ "$have_ctl" = 1 ] && "$meridianctl" "$1" --help >/dev/null 2>&1; then
    show "$meridianctl" "$@"
    return
  fi
  echo "(no 'meridianctl $1' in this build: the same data over plain gdbus)"
  case "$1" in
    status) show gdbus call --system --dest org.meridian.Time1 --object-path /org/meridian/Time1 \
              --method org.freedesktop.DBus.Properties.GetAll org.meridian.Time1 ;;
    sources) show gdbus call --system --dest org.meridian.Time1 --object-path /org/meridian/Time1 \
              --method org.freedesktop.DBus.ObjectManager.GetManagedObjects ;;
    tracking) show gdbus call --system --dest org.meridian.Time1 --object-path /org/meridian/Time1 \
              --method org.freedesktop.DBus.Properties.GetAll org.meridian.Time1.Tracking ;;
  esac
}

# ---- 6. the show ------------------------------------------------------------------------------
step "Waiting until meridiand is synchronized to chronyd"
started=$(date +%s)
synced=0
for _ in $(seq 1 600); do
  kill -0 "$daemon_pid" 2>/dev/null || die "meridiand exited (log: $T/meridiand.log)"
  if [ "$(prop org.meridian.Time1 NTPSynchronized)" = true ]; then synced=1; break; fi
  sleep 0.1
done
[ "$synced" = 1 ] || die "not synchronized after 60 s (log: $T/meridiand.log)"
echo "NTPSynchronized after $(( $(date +%s) - started )) s. Slewing the 0.5 s out; TrueOffset is the"
echo "virtual clock's error against this machine's clock, read as it is shown:"
for _ in $(seq 1 45); do
  true_off=$(prop org.meridian.Time1.Tracking TrueOffset)
  printf '  %3d s  TrueOffset %s s\n' "$(( $(date +%s) - started ))" "$true_off"
  /usr/bin/python3 -c 'import sys; sys.exit(0 if abs(float(sys.argv[1])) < 1e-3 else 1)' "$true_off" && break
  sleep 2
done
step "meridianctl status"
ctl status
step "meridianctl sources -v"
ctl sources -v
step "meridianctl tracking"
ctl tracking
step "chronyd's side: the requests it served"
show chronyc -h "$T/chrony/chronyd.sock" serverstats
step "The engine that reads the network runs apart: unprivileged, no capabilities, seccomp-filtered"
engine=$(pgrep -P "$daemon_pid" -f -- --engine-child | head -n1 || true)
if [ -n "$engine" ]; then
  show grep -E '^(Uid|CapEff|NoNewPrivs|Seccomp):' "/proc/$engine/status"
fi

# ---- 7. how to try more ------------------------------------------------------------------------
cat > "$T/timedatectl" <<EOF
#!/bin/sh
# timedatectl refuses to run unless /run/systemd/system exists: give it one in a private
# mount namespace (the host's /run is not touched), on the demo's bus.
DBUS_SYSTEM_BUS_ADDRESS='$bus_address' exec unshare --mount --propagation private sh -c \\
  'mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && exec timedatectl "\$@"' sh "\$@"
EOF
chmod +x "$T/timedatectl"
step "Try it yourself (in another terminal)"
echo "  export DBUS_SYSTEM_BUS_ADDRESS='$bus_address'"
if [ "$have_ctl" = 1 ]; then
  echo "  $meridianctl sources -v"
  echo "  $meridianctl tracking"
  echo "  $meridianctl set-ntp off"
else
  echo "  gdbus introspect --system --dest org.meridian.Time1 --object-path /org/meridian/Time1"
fi
echo "  chronyc -h $T/chrony/chronyd.sock serverstats"
echo "  $T/timedatectl status           # stock timedatectl, through a fake-systemd wrapper"
echo "  $T/timedatectl timesync-status"
echo "meridiand's log: $T/meridiand.log"

if [ "$wait_at_end" = 1 ]; then
  printf '\n%sPress Ctrl-C to stop meridiand, chronyd, the polkit stand-in and the bus, and remove %s.%s\n' \
    "$bold" "$T" "$off"
  while kill -0 "$daemon_pid" 2>/dev/null; do sleep 1; done
  echo "meridiand exited by itself; log:" >&2
  cat "$T/meridiand.log" >&2
  exit 1
fi

# --no-wait: stop everything now, and insist on a clean exit of meridiand.
kill -TERM "$daemon_pid"
daemon_rc=0; wait "$daemon_pid" || daemon_rc=$?
daemon_pid=""
if [ "$daemon_rc" != 0 ]; then
  cat "$T/meridiand.log" >&2
  die "meridiand exited with $daemon_rc on SIGTERM"
fi
echo
echo "meridiand stopped cleanly (exit 0)."
