#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Meridian's main job, shown end to end without touching this machine:
#   build -> a private system bus -> a polkit stand-in that allows everything -> meridiand on a
#   temporary root with a virtual clock (0.5 s off and 23.054 ppm slow, as in the seed) ->
#   `meridianctl status` -> `meridianctl set-timezone Asia/Seoul` -> `meridianctl status`,
# then it says how to point meridianctl or timedatectl at that bus, and waits (Ctrl-C cleans up).
#
# Usage: scripts/demo.sh [--no-wait] [--build-dir DIR] [--no-build]
#   --no-wait      exit after the show (used by the 'integration' smoke test)
#   --build-dir    build directory to use (default: build-demo in the source tree)
#   --no-build     use the build directory as it is (do not run meson/ninja)
# MERIDIAND / MERIDIANCTL in the environment override the binaries' paths.
#
# Safety: meridiand runs with --root on a temp dir, --clock virtual, under
# `setpriv --bounding-set -sys_time` (no CAP_SYS_TIME), on a private dbus-daemon.
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
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
for tool in dbus-daemon setpriv gdbus /usr/bin/python3; do
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
bus_pid=""; mock_pid=""; daemon_pid=""
daemon_rc=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid"
    daemon_rc=0; wait "$daemon_pid" || daemon_rc=$?
  fi
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

# ---- 4. meridiand on a temporary root ---------------------------------------------------------
root="$T/root"
mkdir -p "$root/etc/meridian" "$root/var/lib/meridian"
ln -s ../usr/share/zoneinfo/UTC "$root/etc/localtime"
echo "Etc/UTC" > "$root/etc/timezone"
printf '0.000000 0 0.000000\n0\nUTC\n' > "$root/etc/adjtime"
step "Starting meridiand on $root (virtual clock: 0.5 s off and 23.054 ppm slow, as in the seed; no CAP_SYS_TIME)"
daemon_cmd=(setpriv --bounding-set -sys_time "$meridiand" --root "$root"
            --zoneinfo "${TZDIR:-/usr/share/zoneinfo}" --clock virtual
            --virtual-offset 0.5 --virtual-freq=-23.054 --verbose)
echo "${dim}\$ ${daemon_cmd[*]}${off}"
"${daemon_cmd[@]}" >"$T/meridiand.log" 2>&1 &
daemon_pid=$!
wait_for_name org.meridian.Time1 "$daemon_pid"

ctl() {
  if [ "$have_ctl" = 1 ]; then
    show "$meridianctl" "$@"
  else  # meridianctl is not built yet: the same over plain gdbus
    case "$1" in
      status) show gdbus call --system --dest org.meridian.Time1 --object-path /org/meridian/Time1 \
                --method org.freedesktop.DBus.Properties.GetAll org.meridian.Time1 ;;
      set-timezone) show gdbus call --system --dest org.meridian.Time1 --object-path /org/meridian/Time1 \
                --method org.meridian.Time1.SetTimezone "$2" false ;;
    esac
  fi
}

# ---- 5. the show ------------------------------------------------------------------------------
step "The system as meridiand sees it"
ctl status
step "Setting the time zone to Asia/Seoul"
ctl set-timezone Asia/Seoul
step "And now"
ctl status
echo
show ls -l "$root/etc/localtime"
show cat "$root/etc/timezone"
target=$(readlink "$root/etc/localtime")
[ "$target" = "../usr/share/zoneinfo/Asia/Seoul" ] || die "/etc/localtime -> $target, not Asia/Seoul"

# ---- 6. how to try more ------------------------------------------------------------------------
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
  cat <<EOF
  $meridianctl status
  $meridianctl list-timezones --country KR
  $meridianctl describe-zone Asia/Seoul
  $meridianctl set-ntp off
EOF
else
  cat <<EOF
  gdbus introspect --system --dest org.meridian.Time1 --object-path /org/meridian/Time1
  gdbus call --system --dest org.meridian.Time1 --object-path /org/meridian/Time1 \\
    --method org.meridian.Time1.DescribeZone Asia/Seoul 0
EOF
fi
cat <<EOF
  $T/timedatectl status          # stock timedatectl, through a fake-systemd wrapper
  $T/timedatectl set-timezone Europe/Berlin
  ls -l $root/etc/localtime
meridiand's log: $T/meridiand.log
EOF

if [ "$wait_at_end" = 1 ]; then
  printf '\n%sPress Ctrl-C to stop meridiand, the polkit stand-in and the bus, and remove %s.%s\n' \
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
