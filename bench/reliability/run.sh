#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The long runs of tests/reliability (see tests/reliability/README.md): crash consistency over
# 1000 daemon writes, and with --load the load test at 200 clients × 1000 reads and 1000
# authorized writes per round (MERIDIAN_LOAD_* override). Prints each test's figure lines.
# Same safety as the tests: private bus, temp root, virtual clock, no CAP_SYS_TIME.
# Usage: bench/reliability/run.sh [--load] [BUILD_DIR]
set -euo pipefail
load=0
if [ "${1:-}" = --load ]; then load=1; shift; fi
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
export MERIDIAN_SOURCE_ROOT="$src" MERIDIAN_BUILD_ROOT="$build" MERIDIAND="$build/service/meridiand"
export LC_ALL=C.UTF-8 PYTHONDONTWRITEBYTECODE=1
figures='crash consistency|^kill |clients ×|^round |SKIP|^(OK|FAILED)|Error'
MERIDIAN_CRASH_WRITES=${MERIDIAN_CRASH_WRITES:-1000} /usr/bin/python3 \
  "$src/tests/reliability/test_crash.py" CrashConsistency.test_kill_9_during_writes_of_every_kind 2>&1 |
  grep -E "$figures"
if [ "$load" = 1 ]; then
  MERIDIAN_LOAD_READS=${MERIDIAN_LOAD_READS:-1000} MERIDIAN_LOAD_WRITES=${MERIDIAN_LOAD_WRITES:-1000} \
  MERIDIAN_LOAD_ROUNDS=${MERIDIAN_LOAD_ROUNDS:-3} /usr/bin/python3 \
    "$src/tests/reliability/test_load.py" Load.test_200_clients_reads_and_authorized_writes 2>&1 |
    grep -E "$figures"
fi
