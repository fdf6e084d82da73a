#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The installed unit's CapabilityBoundingSet= is enough for the NTP engine child to enter its
sandbox (service/privsep/mrd-sandbox.c), and each capability in it beyond CAP_SYS_TIME is
needed: without it the child fails.

The child (`meridiand --engine-child 3`, the installed binary) runs the way the unit starts it,
as root with no_new_privs and the unit's bounding set, but without CAP_SYS_TIME (every test
daemon runs without it: it never gets to touch the clock). Pass: it drops to an unprivileged
user with no effective capabilities, seccomp mode 2, and exits 0 when its channel closes (the
daemon stops it that way: without CAP_KILL it cannot signal a child of another user).
Usage: check-unit-engine-caps.py UNIT_FILE MERIDIAND"""

import os
import re
import socket
import subprocess
import sys
import time

SKIP = 77


def bounding_set(unit):
    caps = []
    for line in open(unit):
        m = re.match(r"CapabilityBoundingSet=(.*)", line.strip())
        if m:
            caps += m.group(1).split()
    return caps


def run_child(meridiand, caps):
    """Starts the engine child with `caps` as bounding set; returns (uid, CapEff, Seccomp,
    exit status after the channel closed, stderr)."""
    spec = "-all" + "".join("," + "+" + c.lower().removeprefix("cap_") for c in caps)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    os.set_inheritable(theirs.fileno(), True)
    argv = ["setpriv", f"--bounding-set={spec}", "--inh-caps=-all", "--no-new-privs",
            meridiand, "--engine-child", str(theirs.fileno())]
    # In a sanitized build, LeakSanitizer's check at exit stops the world with ptrace(2), which
    # the child's seccomp filter (rightly) kills with SIGSYS: leave the leak check out here.
    asan = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS", ""), "detect_leaks=0"]))
    p = subprocess.Popen(argv, pass_fds=[theirs.fileno()], stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, G_MESSAGES_DEBUG="all", ASAN_OPTIONS=asan))
    theirs.close()
    uid = cap_eff = seccomp = None
    end = time.monotonic() + 10
    while time.monotonic() < end and p.poll() is None:
        try:
            status = open(f"/proc/{p.pid}/status").read()
        except OSError:
            break
        fields = dict(ln.split(":", 1) for ln in status.splitlines() if ":" in ln)
        if fields["Uid"].split()[0] != "0" and fields["Seccomp"].strip() == "2":
            uid = int(fields["Uid"].split()[0])
            cap_eff = int(fields["CapEff"], 16)
            seccomp = int(fields["Seccomp"])
            break
        time.sleep(0.05)
    ours.close()
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    return uid, cap_eff, seccomp, rc, p.stderr.read()


def main():
    unit, meridiand = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        print("SKIP: needs root (the engine child drops from root to its user)")
        return SKIP
    caps = bounding_set(unit)
    print(f"CapabilityBoundingSet= of {unit}: {' '.join(caps)}")
    # The clock stays out of reach in the test, whatever the unit says.
    test_caps = [c for c in caps if c != "CAP_SYS_TIME"]
    failures = []

    uid, cap_eff, seccomp, rc, err = run_child(meridiand, test_caps)
    ok = uid is not None and uid != 0 and cap_eff == 0 and seccomp == 2 and rc == 0
    print(f"  with {' '.join(test_caps) or 'nothing'}: uid {uid}, CapEff {cap_eff}, "
          f"Seccomp {seccomp}, exit {rc} after the channel closed  {'OK' if ok else 'BAD'}")
    if not ok:
        failures.append("the child does not enter its sandbox with the unit's capabilities")
        print(err)
    for drop in test_caps:
        less = [c for c in test_caps if c != drop]
        uid, _, _, rc, err = run_child(meridiand, less)
        why = next((ln for ln in err.splitlines() if "sandbox" in ln), err.strip()[-200:])
        ok = uid is None and rc != 0
        print(f"  without {drop}: {'fails' if ok else 'still works'} ({why.strip()})  "
              f"{'OK' if ok else 'BAD: not needed, take it out of the unit'}")
        if not ok:
            failures.append(f"{drop} is not needed")
    print("FAIL: " + "; ".join(failures) if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
