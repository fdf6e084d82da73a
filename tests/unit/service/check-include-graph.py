#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks the daemon's import graph (docs/architecture.md): no cycle among service/'s
modules, and the domain modules never import the bus layer or the wiring.

A module is a .c file and its .h (mrd-zone.c + mrd-zone.h); module A imports module B when
A.c or A.h has `#include "B.h"`. A cycle of modules (the old mrd-daemon.c <-> mrd-time1.c)
is what makes code impossible to change one file at a time, even when the headers alone have
none. Includes are resolved as the compiler does: next to the including file, then in the
include directories of service/meson.build (service/, service/tz, service/ntp, dbus/ for the
generated headers, which are not part of the graph).

Usage: check-include-graph.py SOURCE_ROOT [--exclude DIR]...   check the tree (DIR relative
                                                                to service/, e.g. ntp)
       check-include-graph.py --self-test      check that the checker finds what it must
"""
import os
import re
import shutil
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# The domain modules (docs/architecture.md) and what they may never import.
DOMAIN = ('mrd-zone', 'mrd-systime', 'mrd-sync')
UPPER = ('mrd-bus', 'mrd-sources', 'mrd-daemon')


def modules(service, exclude=()):
    """{module path without extension, relative to service/: [files]}."""
    mods = {}
    for dirpath, dirs, files in os.walk(service):
        dirs[:] = [d for d in dirs
                   if os.path.relpath(os.path.join(dirpath, d), service) not in exclude]
        for name in files:
            if name.endswith(('.c', '.h')):
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, service)[:-2]
                mods.setdefault(rel, []).append(full)
    return mods


def resolve(service, including, target, mods):
    for base in (os.path.dirname(including), service, os.path.join(service, 'tz'),
                 os.path.join(service, 'ntp')):
        cand = os.path.normpath(os.path.join(base, target))
        rel = os.path.relpath(cand, service)
        if not rel.startswith('..') and os.path.exists(cand) and rel[:-2] in mods:
            return rel[:-2]
    return None


def file_graph(service, exclude=()):
    """{file relative to service/: set of included files relative to service/}, and the
    modules."""
    mods = modules(service, exclude)
    files = {}
    for _mod, paths in mods.items():
        for f in paths:
            rel = os.path.relpath(f, service)
            files[rel] = set()
            with open(f, encoding='utf-8') as fh:
                for target in INCLUDE.findall(fh.read()):
                    dep = resolve(service, f, target, mods)
                    if dep is not None:
                        files[rel].add(dep + '.h')
    return files, mods


def graph(service, exclude=()):
    """Module graph: nodes are modules with a .c file; a header with no .c of its own (an
    umbrella such as mrd-tz.h, or a private header shared by several .c files) is seen
    through: its includes count as the includer's."""
    files, mods = file_graph(service, exclude)
    has_c = {m for m, paths in mods.items() if any(p.endswith('.c') for p in paths)}
    edges = {m: set() for m in has_c}
    for mod in has_c:
        todo = [os.path.relpath(p, service) for p in mods[mod]]
        seen = set(todo)
        while todo:
            f = todo.pop()
            for h in files.get(f, ()):
                dep = h[:-2]
                if dep == mod:
                    continue
                if dep in has_c:
                    edges[mod].add(dep)
                elif h not in seen:
                    seen.add(h)
                    todo.append(h)
    return edges


def header_graph(service, exclude=()):
    files, _mods = file_graph(service, exclude)
    return {f: {h for h in deps if h in files} for f, deps in files.items() if f.endswith('.h')}


def find_cycle(edges):
    """One cycle as a list of modules, or None (iterative DFS, colours)."""
    colour = dict.fromkeys(edges, 0)
    for start in sorted(edges):
        if colour[start]:
            continue
        stack = [(start, iter(sorted(edges[start])))]
        path = [start]
        colour[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = 2
                stack.pop()
                path.pop()
            elif colour[nxt] == 1:
                return path[path.index(nxt):] + [nxt]
            elif colour[nxt] == 0:
                colour[nxt] = 1
                stack.append((nxt, iter(sorted(edges[nxt]))))
                path.append(nxt)
    return None


def layering_violations(edges):
    bad = []
    for mod, deps in edges.items():
        if os.path.basename(mod) in DOMAIN:
            bad += [f'{mod} imports {d}' for d in sorted(deps) if os.path.basename(d) in UPPER]
    return bad


def check(service, exclude=()):
    edges = graph(service, exclude)
    problems = []
    cycle = find_cycle(header_graph(service, exclude))
    if cycle:
        problems.append('header include cycle: ' + ' -> '.join(cycle))
    cycle = find_cycle(edges)
    if cycle:
        problems.append('include cycle: ' + ' -> '.join(cycle))
    problems += ['domain module imports the bus layer: ' + v for v in layering_violations(edges)]
    return edges, problems


# The self-test's trees, removed when it ends, passed or not.
SELF_TEST_DIRS = []


def self_test():
    def tree(files):
        d = tempfile.mkdtemp(prefix='meridian-incgraph-')
        SELF_TEST_DIRS.append(d)
        for name, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(d, name)) or d, exist_ok=True)
            with open(os.path.join(d, name), 'w', encoding='utf-8') as fh:
                fh.write(text)
        return d

    # The old shape: daemon.c -> time1.h, time1.c -> daemon.h (headers alone are acyclic).
    d = tree({'mrd-daemon.h': '', 'mrd-daemon.c': '#include "mrd-time1.h"\n',
              'mrd-time1.h': '', 'mrd-time1.c': '#include "mrd-daemon.h"\n'})
    _, problems = check(d)
    assert any('cycle' in p and 'mrd-time1' in p for p in problems), problems
    # A three-module cycle through a subdirectory.
    d = tree({'a.c': '#include "sub/b.h"\n', 'a.h': '', 'sub/b.h': '', 'sub/b.c':
              '#include "../c.h"\n', 'c.h': '', 'c.c': '#include "a.h"\n'})
    _, problems = check(d)
    assert any('include cycle: ' in p for p in problems), problems
    # Seen through a header with no .c: a.c -> shared.h -> b.h, b.c -> a.h.
    d = tree({'a.c': '#include "shared.h"\n', 'a.h': '', 'shared.h': '#include "b.h"\n',
              'b.h': '', 'b.c': '#include "a.h"\n'})
    _, problems = check(d)
    assert any('include cycle: ' in p for p in problems), problems
    # Headers including each other.
    d = tree({'x.h': '#include "y.h"\n', 'y.h': '#include "x.h"\n'})
    _, problems = check(d)
    assert any('header include cycle' in p for p in problems), problems
    # A private header of tzdb's own, including tzdb.h: not a cycle.
    d = tree({'tzdb.h': '', 'tzdb.c': '#include "tzdb.h"\n#include "private.h"\n',
              'private.h': '#include "tzdb.h"\n', 'fileutil.c': '#include "private.h"\n'})
    _, problems = check(d)
    assert problems == [], problems
    # A domain module reaching up.
    d = tree({'mrd-zone.c': '#include "mrd-bus.h"\n', 'mrd-bus.h': '', 'mrd-bus.c': ''})
    _, problems = check(d)
    assert problems == ['domain module imports the bus layer: mrd-zone imports mrd-bus'], problems
    # Acyclic, layered: nothing to report; system and generated headers are not modules.
    d = tree({'mrd-bus.c': '#include "mrd-zone.h"\n#include <glib.h>\n'
                           '#include "mrd-dbus-generated.h"\n',
              'mrd-bus.h': '', 'mrd-zone.h': '', 'mrd-zone.c': '#include "mrd-zone.h"\n'})
    _, problems = check(d)
    assert problems == [], problems
    print('self-test passed')


def main():
    if sys.argv[1:] == ['--self-test']:
        try:
            self_test()
        finally:
            for d in SELF_TEST_DIRS:
                shutil.rmtree(d, ignore_errors=True)
        return 0
    args = sys.argv[1:]
    exclude = [args[i + 1] for i, a in enumerate(args) if a == '--exclude']
    service = os.path.join(args[0], 'service')
    edges, problems = check(service, exclude)
    for p in problems:
        print(p)
    if not problems:
        print(f'{len(edges)} modules, {sum(len(v) for v in edges.values())} imports, no cycle')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
