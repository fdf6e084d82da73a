# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by scripts/demo.sh and bench/dbus/run-bench.sh (bash).
# start_private_bus DIR: a private "system" bus listening on DIR/system_bus_socket, with the
# permissive config in tests/fixtures/private-system-bus.conf.in (shared with the test
# harness). dbus-daemon runs without CAP_SYS_TIME.
# Sets bus_address and bus_pid, and exports DBUS_SYSTEM_BUS_ADDRESS.
start_private_bus() {
  mkdir -p "$1"
  chmod 755 "$1"
  sed "s|@DIR@|$1|g" "$(dirname "${BASH_SOURCE[0]}")/../tests/fixtures/private-system-bus.conf.in" \
    > "$1/system.conf"
  { read -r bus_address; read -r bus_pid; } < <(setpriv --bounding-set -sys_time dbus-daemon \
      --config-file="$1/system.conf" --fork --print-address=1 --print-pid=1)
  export DBUS_SYSTEM_BUS_ADDRESS="$bus_address"
}
