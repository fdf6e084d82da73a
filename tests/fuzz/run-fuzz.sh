#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the libFuzzer target for the NTP packet decoder with clang and fuzzes it briefly.
# Exits 77 (skipped) when clang or libFuzzer is not available here.
# Usage: run-fuzz.sh SOURCE_ROOT WORK_DIR [SECONDS]
set -u
src=$1
work=$2
secs=${3:-20}
cc=$(command -v clang || true)
if [ -z "$cc" ]; then
  echo "SKIP: clang not found, cannot build the libFuzzer target"
  exit 77
fi
mkdir -p "$work"
bin="$work/fuzz-ntp-packet"
if ! "$cc" -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
      -fno-sanitize-recover=undefined -I"$src/service/ntp" \
      "$src/tests/fuzz/fuzz-ntp-packet.c" "$src"/service/ntp/*.c -lm -o "$bin" \
      2>"$work/build.log"; then
  echo "SKIP: clang could not build with -fsanitize=fuzzer (libFuzzer missing?):"
  cat "$work/build.log"
  exit 77
fi
# Fuzz on a scratch copy of the seed corpus so new inputs do not land in the source tree.
corpus="$work/corpus"
rm -rf "$corpus"
mkdir -p "$corpus"
cp "$src"/tests/fuzz/corpus/* "$corpus"/
# Leak checking stays on; the fuzzer's own malloc limit guards against runaway inputs.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export ASAN_OPTIONS
cd "$work" || exit 1
"$bin" -max_total_time="$secs" -max_len=1024 -timeout=10 -rss_limit_mb=1024 \
  -print_final_stats=1 "$corpus"
status=$?
if [ $status -ne 0 ]; then
  echo "FAIL: the fuzzer found a crash (see crash-* in $work)"
  exit 1
fi
echo "fuzzed for ${secs}s without a finding"
exit 0
