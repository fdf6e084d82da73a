#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The bash completion script (cli/completion/meridianctl) loads in bash with bash-completion
and completes subcommands, options and on/off; zone names come from `meridianctl
list-timezones` (here a stand-in on PATH, so this needs no daemon)."""

import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.environ.get('MERIDIAN_CLI_COMPLETION') or str(
    pathlib.Path(__file__).resolve().parents[2] / 'cli' / 'completion' / 'meridianctl')
BASH_COMPLETION = '/usr/share/bash-completion/bash_completion'


def complete(line, path_prefix=None):
    """Completions bash offers for `line` (the cursor at its end), one per list item."""
    program = f'''
source {BASH_COMPLETION}
source {SCRIPT}
COMP_LINE="$1"
COMP_POINT=${{#COMP_LINE}}
read -r -a COMP_WORDS <<< "$1"
[[ "$1" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
_meridianctl meridianctl "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\\n' "${{COMPREPLY[@]}}"
'''
    env = dict(os.environ)
    if path_prefix:
        env['PATH'] = f'{path_prefix}:{env["PATH"]}'
    r = subprocess.run(['bash', '-c', program, 'bash', line], capture_output=True, text=True,
                       env=env, timeout=30)
    if r.returncode != 0:
        raise AssertionError(f'bash failed ({r.returncode}) for {line!r}: {r.stderr}')
    return sorted(w for w in r.stdout.split('\n') if w)


MERIDIANCTL = os.environ.get('MERIDIANCTL', '')


class Completion(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which('bash'):
            raise unittest.SkipTest('bash is not installed')
        if not os.path.exists(BASH_COMPLETION):
            raise unittest.SkipTest(f'{BASH_COMPLETION} is missing (package bash-completion)')

    def test_script_loads_and_registers(self):
        r = subprocess.run(['bash', '-c', f'source {BASH_COMPLETION}; source {SCRIPT}; complete -p meridianctl'],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('-F _meridianctl', r.stdout)
        self.assertEqual(r.stderr, '')

    def test_completes_subcommands(self):
        self.assertEqual(complete('meridianctl se'),
                         ['select-timezone', 'selectdata', 'serverstats', 'set-local-rtc',
                          'set-ntp', 'set-time', 'set-timezone'])
        self.assertEqual(complete('meridianctl st'), ['status'])
        every = complete('meridianctl ')
        self.assertEqual(every, sorted(['status', 'list-timezones', 'set-timezone',
                                        'select-timezone', 'describe-zone', 'set-ntp',
                                        'set-time', 'set-local-rtc', 'sources', 'sourcestats',
                                        'selectdata', 'authdata', 'tracking', 'ntpdata',
                                        'add-source', 'remove-source', 'add', 'delete', 'sourcename',
                                        'burst', 'makestep', 'maxupdateskew',
                                        'refresh', 'reload', 'rekey', 'reselect', 'reselectdist', 'reset',
                                        'offline', 'online', 'onoffline',
                                        'minpoll', 'maxpoll', 'maxdelay', 'maxdelayratio',
                                        'maxdelaydevratio', 'minstratum', 'polltarget',
                                        'activity', 'serverstats', 'clients', 'waitsync',
                                        'monitor', 'keygen']))

    def test_completes_the_commands_help_lists(self):
        if not MERIDIANCTL:
            self.skipTest('MERIDIANCTL is not set')
        help_text = subprocess.run([MERIDIANCTL, '--help'], capture_output=True, text=True,
                                   env=dict(os.environ, LC_ALL='C.UTF-8')).stdout
        listed = re.findall(r'(?m)^  ([a-z][a-z-]+)',
                            help_text.split('Commands:')[1].split('Options:')[0])
        self.assertGreater(len(listed), 10)
        self.assertEqual(complete('meridianctl '), sorted(listed))
        # after a global option too
        self.assertEqual(complete('meridianctl --no-ask-password des'), ['describe-zone'])

    def test_completes_options_and_values(self):
        self.assertIn('--no-ask-password', complete('meridianctl --'))
        # chronyc's -c, -m and -n before the command
        self.assertEqual([o for o in complete('meridianctl -') if not o.startswith('--')],
                         ['-c', '-m', '-n'])
        self.assertEqual(complete('meridianctl -n sou'), ['sourcename', 'sources', 'sourcestats'])
        self.assertIn('--country', complete('meridianctl list-timezones --'))
        self.assertIn('--at', complete('meridianctl describe-zone Asia/Seoul --'))
        self.assertEqual(complete('meridianctl set-ntp '), ['off', 'on'])
        self.assertEqual(complete('meridianctl set-local-rtc o'), ['off', 'on'])
        self.assertEqual(complete('meridianctl set-ntp on '), [])
        self.assertEqual(complete('meridianctl sources -'), ['--help', '--json', '--no-ask-password',
                                                             '--verbose', '-c', '-n', '-v'])
        self.assertEqual(complete('meridianctl selectdata -'), complete('meridianctl sources -'))
        self.assertEqual(complete('meridianctl -n sel'), ['select-timezone', 'selectdata'])
        self.assertIn('-c', complete('meridianctl tracking -'))
        self.assertNotIn('-v', complete('meridianctl tracking -'))
        self.assertEqual(complete('meridianctl add-source s'), ['server'])
        self.assertEqual(complete('meridianctl reload '), ['sources'])
        self.assertEqual(complete('meridianctl reload sources '), [])

    def test_zone_names_come_from_meridianctl(self):
        # A stand-in meridianctl on PATH that lists three zones: completion must use its list.
        with tempfile.TemporaryDirectory() as d:
            fake = pathlib.Path(d) / 'meridianctl'
            fake.write_text('#!/bin/sh\n[ "$1" = list-timezones ] && '
                            'printf "Asia/Seoul\\nAsia/Tokyo\\nEurope/Paris\\n"\n')
            fake.chmod(0o755)
            self.assertEqual(complete('meridianctl set-timezone Asia/', d), ['Asia/Seoul', 'Asia/Tokyo'])
            self.assertEqual(complete('meridianctl describe-zone Eu', d), ['Europe/Paris'])
            self.assertEqual(complete('meridianctl set-timezone Asia/Seoul ', d), [])

    def test_source_addresses_come_from_meridianctl(self):
        with tempfile.TemporaryDirectory() as d:
            fake = pathlib.Path(d) / 'meridianctl'
            fake.write_text('#!/bin/sh\n[ "$1 $2" = "sources -c" ] && '
                            'printf "^,*,192.0.2.1,1,6,377,3,0,0,0\\n^,?,192.0.2.15,0,6,0,4294967295,0,0,0\\n"\n')
            fake.chmod(0o755)
            self.assertEqual(complete('meridianctl remove-source 192.0.2.1', d),
                             ['192.0.2.1', '192.0.2.15'])
            # offline and online take the same addresses (one); onoffline takes none
            self.assertEqual(complete('meridianctl offline 192.0.2.1', d),
                             ['192.0.2.1', '192.0.2.15'])
            self.assertEqual(complete('meridianctl online 192.0.2.15', d), ['192.0.2.15'])
            self.assertEqual(complete('meridianctl online 192.0.2.15 ', d), [])
            self.assertEqual(complete('meridianctl onoffline ', d), [])
            # chronyc's source modification commands: the address, then a value to type
            for command in ('minpoll', 'maxpoll', 'maxdelay', 'maxdelayratio',
                            'maxdelaydevratio', 'minstratum', 'polltarget'):
                self.assertEqual(complete(f'meridianctl {command} 192.0.2.1', d),
                                 ['192.0.2.1', '192.0.2.15'], command)
                self.assertEqual(complete(f'meridianctl {command} 192.0.2.1 ', d), [], command)


if __name__ == '__main__':
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    if r.failures or r.errors:
        sys.exit(1)
    if r.skipped and len(r.skipped) >= r.testsRun:
        print('SKIP: ' + '; '.join(reason for _, reason in r.skipped))
        sys.exit(77)
    sys.exit(0)
