#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""meridian-engine, the engine's own executable (service/engine-main.c): it links libglib alone
of GLib's libraries (no GIO, GObject or polkit, and so none of their chains), and refuses
options that its mode would ignore, with exit status 2 and a message, before it does anything."""

import os
import shutil
import subprocess
import sys

SKIP = 77


def main():
    exe = os.environ.get("MERIDIAN_ENGINE") or os.path.join(
        os.environ["MERIDIAN_BUILD_ROOT"], "service", "meridian-engine")
    if not os.access(exe, os.X_OK):
        print(f"meridian-engine is not built ({exe})")
        return SKIP
    if shutil.which("readelf") is None:
        print("readelf is not installed (binutils)")
        return SKIP

    dyn = subprocess.run(["readelf", "-d", exe], capture_output=True, text=True,
                         check=True).stdout
    needed = sorted(l.split("[", 1)[1].rstrip("]") for l in dyn.splitlines() if "(NEEDED)" in l)
    print("NEEDED:", " ".join(needed))
    assert any(n.startswith("libglib-2.0.so") for n in needed), needed
    for bad in ("libgio-2.0", "libgobject-2.0", "libpolkit", "libsystemd", "libgmodule"):
        assert not any(n.startswith(bad) for n in needed), f"meridian-engine links {bad}"

    cases = [
        ([], "give exactly one of --no-bus and --engine-activated"),
        (["--no-bus", "--engine-activated"], "give exactly one of"),
        (["--engine-child", "3", "--no-bus"], "give exactly one of"),
        (["--no-bus", "--engine-user", "nobody"], "--no-bus excludes"),
        (["--engine-activated", "--clock", "virtual"], "need --no-bus"),
        (["--engine-activated", "--config", "/nonexistent"], "need --no-bus"),
        (["--no-bus", "--clock", "bogus"], "--clock must be"),
        (["--no-bus", "--virtual-offset", "1"], "need --clock virtual"),
        (["--no-bus", "--clock", "virtual", "--virtual-freq", "nan"], "--virtual-freq must be"),
        (["--no-bus", "stray"], "unexpected argument 'stray'"),
    ]
    for args, want in cases:
        r = subprocess.run([exe, *args], capture_output=True, text=True, timeout=10,
                           env=dict(os.environ, LC_ALL="C"))
        print(args, r.returncode, r.stderr.strip())
        assert r.returncode == 2, f"{args}: exit status {r.returncode}, not 2"
        assert want in r.stderr, f"{args}: {r.stderr!r} does not say {want!r}"
    return 0


if __name__ == "__main__":
    sys.exit(main())
