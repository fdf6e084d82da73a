#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Checks of the files `meson install` puts in place (service suite). Usage:
#   check-installed-files.sh polkit SRCDIR
#   check-installed-files.sh timedate1-policy SRCDIR INSTALLED(true|false) ACTIONS_DIR
#   check-installed-files.sh busconf SRCDIR
#   check-installed-files.sh activation ACTIVATION_FILE UNIT_FILE
#   check-installed-files.sh unit UNIT_FILE MERIDIAND_BINARY
# Exit 0 = good, 1 = bad, 77 = the checking tool is missing here (says why).
set -u
what=$1; shift
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

case "$what" in
polkit)
  policy=$1/polkit/org.meridian.time1.policy
  command -v xmllint >/dev/null || skip "xmllint is not installed (libxml2-utils)"
  dtd=/usr/share/polkit-1/policyconfig-1.dtd
  [ -r "$dtd" ] || skip "polkit's DTD $dtd is missing (polkitd)"
  xmllint --noout --nonet --dtdvalid "$dtd" "$policy" || fail "$policy is not valid against $dtd"
  for a in set-timezone set-time set-ntp set-local-rtc manage-sources; do
    grep -q "<action id=\"org.meridian.time1.$a\">" "$policy" || fail "action $a missing"
  done
  # Every description and message is translatable in the project's gettext domain.
  n_text=$(grep -c -E '<(description|message)' "$policy")
  n_i18n=$(grep -c -E '<(description|message) gettext-domain="meridian">' "$policy")
  [ "$n_text" -eq 10 ] && [ "$n_i18n" -eq 10 ] || fail "descriptions/messages without gettext-domain=\"meridian\" ($n_i18n of $n_text)"
  echo "ok: $policy"
  ;;
timedate1-policy)
  policy=$1/polkit/org.freedesktop.timedate1.policy
  installed=$2 actions_dir=$3
  command -v xmllint >/dev/null || skip "xmllint is not installed (libxml2-utils)"
  dtd=/usr/share/polkit-1/policyconfig-1.dtd
  [ -r "$dtd" ] || skip "polkit's DTD $dtd is missing (polkitd)"
  xmllint --noout --nonet --dtdvalid "$dtd" "$policy" || fail "$policy is not valid against $dtd"
  for a in set-timezone set-time set-ntp set-local-rtc; do
    grep -q "<action id=\"org.freedesktop.timedate1.$a\">" "$policy" || fail "action $a missing"
  done
  [ "$(grep -c '<action id=' "$policy")" -eq 4 ] || fail "$policy holds actions beyond timedated's four"
  # systemd 252's defaults: auth_admin_keep everywhere, set-time implies set-timezone and set-ntp.
  [ "$(grep -c '>auth_admin_keep<' "$policy")" -eq 12 ] || fail "defaults differ from systemd's (auth_admin_keep x 12)"
  grep -q '<annotate key="org.freedesktop.policykit.imply">org.freedesktop.timedate1.set-timezone org.freedesktop.timedate1.set-ntp</annotate>' "$policy" \
    || fail "set-time does not imply set-timezone and set-ntp"
  # The build's decision: never install over systemd's file.
  for f in /usr/share/polkit-1/actions/org.freedesktop.timedate1.policy "$actions_dir/org.freedesktop.timedate1.policy"; do
    if [ "$installed" = true ] && [ -e "$f" ] && ! cmp -s "$f" "$policy"; then
      fail "the build installs $policy over $f"
    fi
    if [ "$installed" = false ] && [ ! -e "$f" ] && [ "$f" = /usr/share/polkit-1/actions/org.freedesktop.timedate1.policy ] && [ "${MERIDIAN_TIMEDATE1_POLICY_DISABLED:-}" != 1 ]; then
      fail "no timedate1 policy anywhere, and the build does not install ours"
    fi
  done
  echo "ok: $policy (installed by this build: $installed)"
  ;;
busconf)
  conf=$1/dbus/org.meridian.Time1.conf
  command -v xmllint >/dev/null || skip "xmllint is not installed (libxml2-utils)"
  xmllint --noout --nonet "$conf" || fail "$conf is not well-formed XML"
  for x in "$1"/dbus/*.xml; do
    xmllint --noout --nonet "$x" || fail "$x is not well-formed XML"
  done
  grep -q '<policy user="root">' "$conf" || fail "no root policy"
  grep -q '<allow own="org.meridian.Time1"/>' "$conf" || fail "root may not own org.meridian.Time1"
  # Only root may own the name: no own= outside the root policy.
  awk '/<policy user="root">/{r=1} /<\/policy>/{r=0} /allow own=/{ if (!r) bad=1 } END{exit bad}' "$conf" \
    || fail "a non-root policy may own a name"
  # dbus-daemon itself must accept the file: include it in a throwaway bus config.
  if command -v dbus-daemon >/dev/null; then
    t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
    cat > "$t/bus.conf" <<EOC
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$t/socket</listen>
  <auth>EXTERNAL</auth>
  <include>$conf</include>
</busconfig>
EOC
    out=$(timeout 10 dbus-daemon --config-file="$t/bus.conf" --fork --print-pid=1 2>&1) \
      || fail "dbus-daemon rejects a config including $conf: $out"
    kill "$out" 2>/dev/null
  fi
  echo "ok: $conf"
  ;;
activation)
  act=$1; unit=$2
  grep -qx 'Name=org.meridian.Time1' "$act" || fail "$act: wrong Name="
  grep -qx 'SystemdService=meridiand.service' "$act" || fail "$act: SystemdService= is not meridiand.service"
  grep -qx 'User=root' "$act" || fail "$act: not User=root"
  exec_path=$(sed -n 's/^Exec=//p' "$act")
  unit_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
  case "$exec_path" in /*) ;; *) fail "$act: Exec= is not absolute: $exec_path" ;; esac
  [ "$exec_path" = "$unit_path" ] || fail "activation Exec=$exec_path but unit ExecStart=$unit_path"
  grep -qx 'Type=dbus' "$unit" || fail "$unit: not Type=dbus"
  grep -qx 'BusName=org.meridian.Time1' "$unit" || fail "$unit: wrong BusName="
  grep -qx 'Alias=dbus-org.meridian.Time1.service' "$unit" || fail "$unit: no dbus- alias"
  grep -qx 'WantedBy=multi-user.target' "$unit" || fail "$unit: not enabled at boot"
  echo "ok: $act and $unit agree on $exec_path"
  ;;
unit)
  unit=$1; binary=$2
  command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
  t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
  # verify checks that ExecStart= exists: point it at the binary built here.
  sed "s|^ExecStart=[^ ]*|ExecStart=$binary|" "$unit" > "$t/meridiand.service"
  out=$(systemd-analyze verify --man=no "$t/meridiand.service" 2>&1); rc=$?
  if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q -i -E 'not been booted|Failed to (initialize|connect)|Operation not permitted'; then
    skip "systemd-analyze verify cannot run here: $out"
  fi
  [ $rc -eq 0 ] || fail "systemd-analyze verify: $out"
  # It only warns (rc 0) about unknown settings and bad values: any output is a failure.
  [ -z "$out" ] || fail "systemd-analyze verify complained: $out"
  echo "ok: systemd-analyze verify $unit"
  ;;
*)
  fail "unknown check $what"
  ;;
esac
