#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The long runs of tests/reliability: crash consistency over 1000 daemon writes (and the
# load test at full size once it exists). Usage: bench/reliability/run.sh [BUILD_DIR]
# Prints each test's figure line. Same safety as the tests: private bus, temp root, virtual
# clock, no CAP_SYS_TIME.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
export MERIDIAN_SOURCE_ROOT="$src" MERIDIAN_BUILD_ROOT="$build" MERIDIAND="$build/service/meridiand"
export LC_ALL=C.UTF-8 PYTHONDONTWRITEBYTECODE=1
MERIDIAN_CRASH_WRITES=${MERIDIAN_CRASH_WRITES:-1000} /usr/bin/python3 \
  "$src/tests/reliability/test_crash.py" CrashConsistency.test_kill_9_during_writes_of_every_kind 2>&1 |
  grep -E 'crash consistency|^kill |SKIP|^(OK|FAILED)|Error'
