#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The installed systemd unit, as a packager ships it: `meson install` into a temporary DESTDIR,
# then
#   - `systemd-analyze security --offline=true` on it (the table is printed), and its overall
#     exposure at most MAX_SCORE;
#   - `systemd-analyze verify` silent on it (ExecStart pointed at the installed binary);
#   - its CapabilityBoundingSet= enough for the NTP engine child, and each capability in it
#     needed (check-unit-engine-caps.py).
# Usage: check-unit-security.sh BUILD_DIR PREFIX LIBEXECDIR MAX_SCORE [--score-only]
# Exit 0 = good, 1 = bad, 77 = systemd-analyze is missing (says why).
set -u
build=$1; prefix=$2; libexecdir=$3; max=$4; only=${5:-}
here=$(dirname "$0")
fail() { echo "FAIL: $*"; exit 1; }
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed"; exit 77; }
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --no-rebuild --destdir "$dest" >"$dest/install.log" 2>&1 || {
  cat "$dest/install.log"; fail "meson install failed"; }
case "$libexecdir" in /*) lx="$libexecdir" ;; *) lx="$prefix/$libexecdir" ;; esac
unit=$(find "$dest" -name meridiand.service -path '*systemd/system/*' | head -n1)
[ -n "$unit" ] || fail "the systemd unit meridiand.service is not installed"
echo "unit: ${unit#$dest}"

# --offline=true reads the unit as a file and asks nothing of a running manager (PID 1 need not
# be systemd); --root= makes it look for the unit (and what it names) under DESTDIR.
out=$(systemd-analyze security --offline=true --root="$dest" --no-pager meridiand.service 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] || fail "systemd-analyze security failed (status $rc)"
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for meridiand.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "no overall exposure level in the output"
awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }' ||
  fail "exposure $score is above $max"
echo "ok: exposure $score <= $max"
[ "$only" = --score-only ] && exit 0

# verify checks that ExecStart= exists: point it at the installed binary.
sed "s|^ExecStart=[^ ]*|ExecStart=$dest$lx/meridiand|" "$unit" > "$dest/meridiand.service"
out=$(systemd-analyze verify --man=no "$dest/meridiand.service" 2>&1); rc=$?
[ $rc -eq 0 ] || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify complained: $out"
echo "ok: systemd-analyze verify"

/usr/bin/python3 "$here/check-unit-engine-caps.py" "$unit" "$dest$lx/meridiand"
