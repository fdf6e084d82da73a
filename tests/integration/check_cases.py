#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every test case in tests/integration/test_*.py is registered in meson.build (argv: the
registered FILE:Class.test_method ids), and every registered id exists."""

import pathlib
import sys
import unittest

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here))
found = set()
for f in sorted(here.glob('test_*.py')):
    mod = __import__(f.stem)
    for suite in unittest.defaultTestLoader.loadTestsFromModule(mod):
        for case in suite:
            found.add(f'{f.name}:{case.id().split(".", 1)[1]}')
registered = set(sys.argv[1:])
missing = sorted(found - registered)
stale = sorted(registered - found)
for m in missing:
    print(f'not registered in tests/integration/meson.build: {m}')
for s in stale:
    print(f'registered but not found: {s}')
sys.exit(1 if missing or stale else 0)
