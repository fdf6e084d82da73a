#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined) and fuzzes each
# for SECONDS, starting from a scratch copy of its seed corpus. Prints one line of figures per
# target (executions, coverage, corpus). Exits 77 (skipped) when clang or libFuzzer is not
# available here, 1 when a target crashes or breaks an invariant (the input is kept in WORK_DIR).
# Usage: run-fuzz.sh SOURCE_ROOT WORK_DIR SECONDS [TARGET...]   (default target: ntp-packet)
# Targets: ntp-packet ntp-source ntp-drift ntp-nts ntp-serve meridian-conf tzif posix-tz tzdb
# sysconfig-clock adjtime tz-trap
set -u
src=$1
work=$2
secs=${3:-20}
shift 3 2>/dev/null || shift $#
targets=${*:-ntp-packet}

cc=$(command -v clang || true)
if [ -z "$cc" ]; then
  echo "SKIP: clang not found, cannot build the libFuzzer targets"
  exit 77
fi
mkdir -p "$work"
san="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -std=gnu11"

# service/tz as objects built once per run (the tz targets share them).
tz_objs=""
# TRUE when FILE is missing or a source it is built from is newer (a rerun skips the build).
stale () {
  [ ! -e "$1" ] && return 0
  [ -n "$(find "$src/service" "$src/service/tz" "$src/service/ntp" "$src/tests/fuzz" -maxdepth 1 \
           -name '*.[ch]' -newer "$1" 2>/dev/null | head -1)" ]
}

build_tz () {
  [ -n "$tz_objs" ] && return 0
  if ! glib=$(pkg-config --cflags glib-2.0 gio-2.0 2>/dev/null); then
    echo "SKIP: pkg-config cannot find glib-2.0"
    exit 77
  fi
  mkdir -p "$work/tz"
  for f in mrd-tz-adjtime mrd-tz-error mrd-tz-root mrd-tz-localtime mrd-tz-trap mrd-tzdb mrd-tzif; do
    tz_objs="$tz_objs $work/tz/$f.o"
    stale "$work/tz/$f.o" || continue
    # shellcheck disable=SC2086
    if ! "$cc" $cflags -fsanitize=fuzzer-no-link,address,undefined \
          -fno-sanitize-recover=undefined $glib -DGETTEXT_PACKAGE='"meridian"' \
          -DG_LOG_DOMAIN='"meridian-tz"' -I"$src" -I"$src/service/tz" \
          -c "$src/service/tz/$f.c" -o "$work/tz/$f.o" 2>>"$work/build.log"; then
      echo "SKIP: clang could not build service/tz with sanitizers:"
      cat "$work/build.log"
      exit 77
    fi
  done
}

# service/ntp as objects built once per run: four NTP targets and meridian-conf link them.
ntp_objs=""
build_ntp () {
  [ -n "$ntp_objs" ] && return 0
  mkdir -p "$work/ntp"
  for c in "$src"/service/ntp/*.c; do
    o="$work/ntp/$(basename "$c" .c).o"
    ntp_objs="$ntp_objs $o"
    stale "$o" || continue
    # shellcheck disable=SC2086
    "$cc" $cflags -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
      -I"$src/service/ntp" -c "$c" -o "$o" 2>>"$work/build.log" || return 1
  done
}

build () {
  t=$1
  bin="$work/fuzz-$t"
  case $t in
    ntp-*) build_ntp || return 1 ;;
    meridian-conf) build_ntp || return 1; build_tz ;;
    *) build_tz ;;
  esac
  stale "$bin" || return 0
  case $t in
    ntp-packet|ntp-source|ntp-drift|ntp-nts|ntp-serve)
      # shellcheck disable=SC2086
      "$cc" $cflags $san -I"$src/service/ntp" "$src/tests/fuzz/fuzz-$t.c" \
        $ntp_objs -lm -o "$bin" 2>>"$work/build.log" ;;
    meridian-conf)
      # service/mrd-config.c on the NTP core's parser, the key file reader and the tz root reader.
      # shellcheck disable=SC2086
      "$cc" $cflags $san $(pkg-config --cflags glib-2.0 gio-2.0) -DGETTEXT_PACKAGE='"meridian"' \
        -DG_LOG_DOMAIN='"meridiand"' -I"$src/service" -I"$src/service/tz" -I"$src/service/ntp" \
        "$src/tests/fuzz/fuzz-$t.c" "$src/service/mrd-config.c" "$src/service/sync/mrd-keys.c" \
        "$src/service/net/mrd-io-error.c" $ntp_objs \
        $tz_objs $(pkg-config --libs glib-2.0 gio-2.0) -lm -o "$bin" 2>>"$work/build.log" ;;
    *)
      # shellcheck disable=SC2086
      "$cc" $cflags $san $(pkg-config --cflags glib-2.0 gio-2.0) -I"$src/service/tz" \
        "$src/tests/fuzz/fuzz-$t.c" $tz_objs $(pkg-config --libs glib-2.0 gio-2.0) \
        -o "$bin" 2>>"$work/build.log" ;;
  esac
}

: >"$work/build.log"
summary=""
failed=0
for t in $targets; do
  if ! build "$t"; then
    echo "SKIP: clang could not build fuzz-$t with -fsanitize=fuzzer (libFuzzer missing?):"
    cat "$work/build.log"
    exit 77
  fi
  seeds="$src/tests/fuzz/corpus-$t"
  [ "$t" = ntp-packet ] && seeds="$src/tests/fuzz/corpus"
  case $t in tzif|tzdb) max_len=16384 ;; *) max_len=1024 ;; esac
  # Fuzz on a scratch copy of the seeds so new inputs do not land in the source tree.
  corpus="$work/corpus-$t"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  cp "$seeds"/* "$corpus"/
  # Leak checking stays on; the fuzzer's own malloc limit guards against runaway inputs.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
  export ASAN_OPTIONS
  mkdir -p "$work/out-$t"
  (cd "$work/out-$t" && "$work/fuzz-$t" -max_total_time="$secs" -max_len=$max_len -timeout=10 \
      -rss_limit_mb=1024 -print_final_stats=1 "$corpus" >"$work/fuzz-$t.log" 2>&1)
  status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz-$t.log" | tail -1)
  done_line=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$work/fuzz-$t.log" | tail -1)
  cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$done_line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$done_line" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
  if [ $status -ne 0 ]; then
    failed=1
    tail -40 "$work/fuzz-$t.log"
    result="CRASH (input in $work/out-$t)"
  else
    result="no finding"
  fi
  summary="$summary$(printf '%-16s %4ss  execs %9s  cov %5s  ft %6s  corpus %5s  %s' \
    "$t" "$secs" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result")
"
done
printf '%s' "$summary"
if [ $failed -ne 0 ]; then
  echo "FAIL: a fuzz target crashed or broke an invariant"
  exit 1
fi
exit 0
