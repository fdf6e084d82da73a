# Sourced by scripts/demo.sh and bench/dbus/run-bench.sh (bash).
# start_private_bus DIR: a private "system" bus listening on DIR/system_bus_socket that lets
# everyone own and call everything (the real bus's policy is tested separately, in
# tests/integration/test_bus_policy.py). dbus-daemon runs without CAP_SYS_TIME.
# Sets bus_address and bus_pid, and exports DBUS_SYSTEM_BUS_ADDRESS.
start_private_bus() {
  mkdir -p "$1"
  chmod 755 "$1"
  cat > "$1/system.conf" <<EOC
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$1/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
EOC
  { read -r bus_address; read -r bus_pid; } < <(setpriv --bounding-set -sys_time dbus-daemon \
      --config-file="$1/system.conf" --fork --print-address=1 --print-pid=1)
  export DBUS_SYSTEM_BUS_ADDRESS="$bus_address"
}
