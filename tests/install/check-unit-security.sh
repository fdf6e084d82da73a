#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The installed systemd units, as a packager ships them: `meson install` into a temporary
# DESTDIR, then
#   - `systemd-analyze security --offline=true` on meridiand.service and on
#     meridian-engine.service (both tables printed), each one's overall exposure at most
#     MAX_SCORE;
#   - `systemd-analyze verify` silent on the three units (ExecStart= pointed at the installed
#     binary);
#   - the shape docs/security.md describes: meridiand.service with CAP_SYS_TIME alone and no
#     network, connecting to the socket meridian-engine.socket listens on (root's alone);
#     meridian-engine.service as the user the sysusers.d file creates, with CAP_SYS_TIME alone;
#   - the sysusers.d file applied by `systemd-sysusers --root=` to an empty tree creates that
#     user, not root, without a login shell.
# Usage: check-unit-security.sh BUILD_DIR PREFIX LIBEXECDIR MAX_SCORE
# Exit 0 = good, 1 = bad, 77 = systemd-analyze is missing (says why).
set -u
build=$1; prefix=$2; libexecdir=$3; max=$4
fail() { echo "FAIL: $*"; exit 1; }
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed"; exit 77; }
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --no-rebuild --destdir "$dest" >"$dest/install.log" 2>&1 || {
  cat "$dest/install.log"; fail "meson install failed"; }
case "$libexecdir" in /*) lx="$libexecdir" ;; *) lx="$prefix/$libexecdir" ;; esac
unitdir=$(dirname "$(find "$dest" -name meridiand.service -path '*systemd/system/*' | head -n1)")
[ "$unitdir" != . ] || fail "the systemd unit meridiand.service is not installed"
echo "units: ${unitdir#$dest}"
for u in meridiand.service meridian-engine.service meridian-engine.socket; do
  [ -s "$unitdir/$u" ] || fail "$u is not installed beside meridiand.service"
done

# --offline=true reads the unit as a file and asks nothing of a running manager (PID 1 need not
# be systemd); --root= makes it look for the unit (and what it names) under DESTDIR.
for u in meridiand.service meridian-engine.service; do
  out=$(systemd-analyze security --offline=true --root="$dest" --no-pager "$u" 2>&1)
  rc=$?
  printf '%s\n' "$out"
  [ $rc -eq 0 ] || fail "systemd-analyze security $u failed (status $rc)"
  score=$(printf '%s\n' "$out" | sed -n "s/.*Overall exposure level for $u: \([0-9.]*\).*/\1/p")
  [ -n "$score" ] || fail "no overall exposure level for $u in the output"
  awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }' ||
    fail "$u: exposure $score is above $max"
  echo "ok: $u exposure $score <= $max"
done

# verify checks that ExecStart= exists: point it at the installed binary. The three together,
# so that the socket finds its service.
mkdir "$dest/verify"
for u in meridiand.service meridian-engine.service meridian-engine.socket; do
  sed "s|^ExecStart=[^ ]*|ExecStart=$dest$lx/meridiand|" "$unitdir/$u" > "$dest/verify/$u"
done
out=$(cd "$dest/verify" && systemd-analyze verify --man=no meridiand.service \
      meridian-engine.service meridian-engine.socket 2>&1); rc=$?
[ $rc -eq 0 ] || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify complained: $out"
echo "ok: systemd-analyze verify on the three units"

# The shape.
value() { sed -n "s/^$2=//p" "$unitdir/$1" | tail -n1; }
[ "$(value meridiand.service CapabilityBoundingSet)" = CAP_SYS_TIME ] ||
  fail "meridiand.service: CapabilityBoundingSet= is not CAP_SYS_TIME alone"
[ "$(value meridiand.service RestrictAddressFamilies)" = AF_UNIX ] ||
  fail "meridiand.service: RestrictAddressFamilies= is not AF_UNIX alone"
[ "$(value meridiand.service PrivateNetwork)" = yes ] || fail "meridiand.service: no PrivateNetwork=yes"
sock=$(value meridian-engine.socket ListenSequentialPacket)
case "$sock" in /*) ;; *) fail "meridian-engine.socket: ListenSequentialPacket= is not a path: $sock" ;; esac
grep -q "^ExecStart=$lx/meridiand .*--engine-socket=$sock\( \|\$\)" "$unitdir/meridiand.service" ||
  fail "meridiand.service does not connect to $sock (--engine-socket=)"
[ "$(value meridian-engine.socket SocketMode)" = 0600 ] || fail "meridian-engine.socket: not SocketMode=0600"
[ "$(value meridian-engine.socket Accept)" = no ] || fail "meridian-engine.socket: not Accept=no"
grep -qx "ExecStart=$lx/meridian-engine --engine-activated" "$unitdir/meridian-engine.service" ||
  fail "meridian-engine.service does not run $lx/meridian-engine --engine-activated"
user=$(value meridian-engine.service User)
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "meridian-engine.service: User=$user"
[ "$(value meridian-engine.service CapabilityBoundingSet)" = CAP_SYS_TIME ] ||
  fail "meridian-engine.service: CapabilityBoundingSet= is not CAP_SYS_TIME alone"
[ "$(value meridian-engine.service AmbientCapabilities)" = CAP_SYS_TIME ] ||
  fail "meridian-engine.service: AmbientCapabilities= is not CAP_SYS_TIME"
echo "ok: meridiand.service (CAP_SYS_TIME, AF_UNIX, no network) -> $sock -> meridian-engine.service (User=$user, CAP_SYS_TIME)"

# The engine's user comes from the sysusers.d file.
sysusers=$(find "$dest" -path '*/sysusers.d/meridian.conf' | head -n1)
[ -n "$sysusers" ] || fail "no sysusers.d/meridian.conf installed"
if command -v systemd-sysusers >/dev/null; then
  mkdir -p "$dest/sysroot/etc"
  out=$(systemd-sysusers --root="$dest/sysroot" "$sysusers" 2>&1) ||
    fail "systemd-sysusers: $out"
  line=$(grep "^$user:" "$dest/sysroot/etc/passwd") ||
    fail "systemd-sysusers did not create $user: $out"
  echo "systemd-sysusers: $line"
  uid=$(printf '%s\n' "$line" | cut -d: -f3)
  [ "$uid" != 0 ] || fail "$user gets uid 0"
  case "$line" in *:/usr/sbin/nologin|*:/sbin/nologin|*:/bin/false) ;;
    *) fail "$user has a login shell: $line" ;; esac
  grep -q "^$user:" "$dest/sysroot/etc/group" || fail "no group $user (the unit's Group=)"
  echo "ok: systemd-sysusers creates $user (uid $uid)"
else
  echo "note: systemd-sysusers is not installed, the sysusers.d file is not applied"
fi
