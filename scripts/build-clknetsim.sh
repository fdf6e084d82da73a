#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the clknetsim simulator (server and LD_PRELOAD library) out of tree.
# Usage: scripts/build-clknetsim.sh SOURCE_DIR OUTPUT_DIR
# The source stays read-only: it is copied into OUTPUT_DIR/src and built there; OUTPUT_DIR gets
# the clknetsim binary, clknetsim.so, and cksim-compat.so (tests/clknetsim/cksim-compat.c, a
# preload that lets calls Linux accepts through clknetsim's emulation). Safe to run concurrently (flock) and again (a stamp
# holding the source's checksum skips the rebuild when nothing changed).
set -eu
src=${1:?usage: build-clknetsim.sh SOURCE_DIR OUTPUT_DIR}
out=${2:?usage: build-clknetsim.sh SOURCE_DIR OUTPUT_DIR}
for f in clknetsim.bash client.c server.cc Makefile; do
  if [ ! -f "$src/$f" ]; then
    echo "build-clknetsim: $src does not look like clknetsim's source (no $f)" >&2
    exit 2
  fi
done
for tool in make cc c++; do
  command -v "$tool" >/dev/null || { echo "build-clknetsim: $tool not found" >&2; exit 2; }
done
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9
compat=$(cd "$(dirname "$0")/.." && pwd)/tests/clknetsim/cksim-compat.c
sum=$( (cd "$src" && cat Makefile *.c *.cc *.h; cat "$compat") | cksum | cut -d' ' -f1)
if [ -x "$out/clknetsim" ] && [ -f "$out/clknetsim.so" ] && [ -f "$out/cksim-compat.so" ] &&
   [ "$(cat "$out/.stamp" 2>/dev/null)" = "$sum" ]; then
  exit 0
fi
rm -rf "$out/src"
mkdir -p "$out/src"
cp -R "$src/." "$out/src/"
chmod -R u+w "$out/src"
# Plain flags: the library is preloaded into chronyd and meridiand, so it must not carry
# sanitizer runtimes from the environment.
if ! make -C "$out/src" CFLAGS="-O2 -g -fPIC -Wall" LDFLAGS= clknetsim clknetsim.so \
     >"$out/build.log" 2>&1 ||
   ! cc -O2 -g -fPIC -Wall -shared -o "$out/src/cksim-compat.so" "$compat" -ldl \
     >>"$out/build.log" 2>&1; then
  echo "build-clknetsim: make failed, see $out/build.log" >&2
  tail -n 20 "$out/build.log" >&2
  exit 1
fi
cp "$out/src/clknetsim" "$out/src/clknetsim.so" "$out/src/cksim-compat.so" \
   "$out/src/clknetsim.bash" "$out/"
echo "$sum" > "$out/.stamp"
