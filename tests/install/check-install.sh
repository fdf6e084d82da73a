#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `meson install` into a temporary DESTDIR, then checks what a packager would: every file the
# service needs is there, the files that name each other agree, and the XML validates.
# Usage: check-install.sh BUILD_DIR PREFIX LIBEXECDIR SYSCONFDIR
set -u
build=$1; prefix=$2; libexecdir=$3; sysconfdir=$4
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

meson install -C "$build" --no-rebuild --destdir "$dest" >"$dest.log" 2>&1 || {
  cat "$dest.log"; rm -f "$dest.log"; fail "meson install failed"; }
rm -f "$dest.log"
root="$dest"
case "$sysconfdir" in /*) etc="$sysconfdir" ;; *) etc="$prefix/$sysconfdir" ;; esac
case "$libexecdir" in /*) lx="$libexecdir" ;; *) lx="$prefix/$libexecdir" ;; esac

for f in "$prefix/bin/meridianctl" "$lx/meridiand" "$lx/meridian-engine"; do
  [ -x "$root$f" ] || fail "$f is not installed as an executable"
done
# The modules the engine loads on first use, from its own directory (service/mrd-module.h):
# one missing would leave NTS sources, or sources with SHA3 or AES keys, sending nothing.
for m in meridian-nts.so meridian-nts-aead.so meridian-mac.so; do
  [ -s "$root$lx/$m" ] || fail "$lx/$m is not installed beside meridian-engine"
done
for f in "$etc/meridian/meridian.conf" \
         "$prefix/share/dbus-1/system.d/org.meridian.Time1.conf" \
         "$prefix/share/dbus-1/system-services/org.meridian.Time1.service" \
         "$prefix/share/dbus-1/interfaces/org.meridian.Time1.xml" \
         "$prefix/share/polkit-1/actions/org.meridian.time1.policy" \
         "$prefix/share/bash-completion/completions/meridianctl" \
         "$prefix/share/locale/ko/LC_MESSAGES/meridian.mo" \
         "$prefix/share/man/man1/meridianctl.1"; do
  [ -s "$root$f" ] || fail "$f is missing or empty"
done
unit=$(find "$root" -name meridiand.service -path '*systemd/system/*' | head -n1)
[ -n "$unit" ] || fail "the systemd unit meridiand.service is not installed"
# The NTP engine's unit, its socket, and the sysusers.d file that creates its user.
for u in meridian-engine.service meridian-engine.socket; do
  [ -s "$(dirname "$unit")/$u" ] || fail "$u is not installed beside meridiand.service"
done
[ -s "$root$prefix/lib/sysusers.d/meridian.conf" ] || fail "$prefix/lib/sysusers.d/meridian.conf is missing"
# The statistics logs' rotation, for the directory the unit makes writable (LogsDirectory=).
grep -q '^/var/log/meridian/\*\.log {' "$root$etc/logrotate.d/meridian" ||
  fail "$etc/logrotate.d/meridian is missing or not for /var/log/meridian"
grep -qx 'LogsDirectory=meridian' "$unit" || fail "the unit has no LogsDirectory=meridian"

# The unit and the activation file must start the binary that was installed, under one name.
grep -qx "ExecStart=$lx/meridiand" "$unit" || grep -q "^ExecStart=$lx/meridiand " "$unit" ||
  fail "the unit's ExecStart does not run $lx/meridiand: $(grep ExecStart "$unit")"
grep -qx 'Type=dbus' "$unit" || fail "the unit is not Type=dbus"
grep -qx 'BusName=org.meridian.Time1' "$unit" || fail "the unit has no BusName=org.meridian.Time1"
grep -qx 'WantedBy=multi-user.target' "$unit" || fail "the unit is not started at boot"
act="$root$prefix/share/dbus-1/system-services/org.meridian.Time1.service"
grep -qx 'Name=org.meridian.Time1' "$act" || fail "activation file: wrong Name="
grep -qx 'SystemdService=meridiand.service' "$act" || fail "activation file: wrong SystemdService="
grep -q "^Exec=$lx/meridiand" "$act" || fail "activation file: Exec= is not $lx/meridiand"

# XML: the policy against polkit's DTD, the rest well-formed.
xmllint --noout --nonet --dtdvalid /usr/share/polkit-1/policyconfig-1.dtd \
  "$root$prefix/share/polkit-1/actions/org.meridian.time1.policy" || fail "polkit policy invalid"
xmllint --noout --nonet "$root$prefix/share/dbus-1/system.d/org.meridian.Time1.conf" \
  "$root$prefix/share/dbus-1/interfaces/"*.xml || fail "D-Bus XML is not well-formed"

# The Korean catalog is a real one: it translates the status labels.
msgunfmt "$root$prefix/share/locale/ko/LC_MESSAGES/meridian.mo" | grep -q '^msgid "Time zone"' ||
  fail "the Korean catalog lacks the status labels"
# The installed completion defines a completion for meridianctl.
bash -c ". '$root$prefix/share/bash-completion/completions/meridianctl' && complete -p meridianctl" \
  >/dev/null 2>&1 || fail "the bash completion does not register for meridianctl"
echo "ok: installed tree in a DESTDIR checked"
