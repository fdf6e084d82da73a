#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""AddSource takes one chrony.conf source line and, when persistent, writes it as one line of
the run-time sources file. A line break inside it (\\n, \\r, or another control character the
parser reads as a blank) must be refused: accepted, it is written as two lines, and on the
next start the second half ("iburst", "minpoll 4") is no source line and is dropped, so the
source comes back other than it was added. Asserts: AddSource refuses each such line with an
error, nothing is added, and nothing under the root changes."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT', '.'), 'tests',
                                'integration'))
import harness  # noqa: E402
from harness import SOURCES  # noqa: E402

LINES = ['server 192.0.2.1\niburst', 'server 192.0.2.2\rminpoll 4',
         'server 192.0.2.3\x0biburst', 'server 192.0.2.4\x0ciburst',
         'server 192.0.2.5 iburst\n', 'server 192.0.2.6\x1biburst']


class SourceLine(harness.MeridianTestCase):

    def test_control_characters_in_a_source_line_are_refused(self):
        self.polkit_allow_all()
        self.start_daemon('--no-engine')
        before = self.snapshot_root()
        accepted = []
        for line in LINES:
            try:
                self.call('AddSource', line, True, iface=SOURCES)
                accepted.append(line)
                print(f'  {line!r}: accepted')
            except harness.DBusError as e:
                print(f'  {line!r}: {e.name}: {e.message[:120]}')
        self.assertEqual(accepted, [])
        self.assertEqual(self.get_property('Sources', iface=SOURCES), [])
        self.assert_root_unchanged(before)
        self.assertEqual(self.stop_daemon(), 0)


if __name__ == '__main__':
    harness.main()
