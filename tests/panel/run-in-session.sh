#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs a panel test under its own session bus (dbus-run-session) with its own
# XDG_RUNTIME_DIR: the accessibility bus launcher puts its socket there, and without one it
# uses ~/.cache/at-spi/bus, which every other test run on the machine would share (one
# launcher replacing another's socket leaves the panel unable to reach its accessibility bus).
# Usage: run-in-session.sh COMMAND...
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/meridian-panel-run.XXXXXX") || exit 99
chmod 700 "$dir"
XDG_RUNTIME_DIR=$dir dbus-run-session -- "$@"
rc=$?
rm -rf "$dir"
exit $rc
