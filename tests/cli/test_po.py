#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gettext: po/POTFILES lists every source file with translatable strings, po/ko.po translates
every message of the template xgettext makes from them (nothing untranslated or fuzzy, formats
consistent), and the compiled catalog turns meridianctl's output into Korean."""

import ast
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SRC = pathlib.Path(os.environ.get('MERIDIAN_SOURCE_ROOT') or pathlib.Path(__file__).resolve().parents[2])
PO = SRC / 'po'
MERIDIANCTL = os.environ.get('MERIDIANCTL', '')
LOCALEDIR = os.environ.get('MERIDIAN_LOCALEDIR', '')
HANGUL = re.compile('[\uac00-\ud7a3]')

# meson's i18n preset 'glib' (mesonbuild/modules/i18n.py), which po/meson.build uses.
XGETTEXT_GLIB = ['--from-code=UTF-8', '--add-comments', '--keyword=_', '--keyword=N_',
                 '--keyword=C_:1c,2', '--keyword=NC_:1c,2', '--keyword=g_dcgettext:2',
                 '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
                 '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format',
                 '--flag=NC_:2:pass-c-format', '--flag=g_dngettext:2:pass-c-format',
                 '--flag=g_strdup_printf:1:c-format', '--flag=g_string_printf:2:c-format',
                 '--flag=g_string_append_printf:2:c-format', '--flag=g_error_new:3:c-format',
                 '--flag=g_set_error:4:c-format', '--flag=g_markup_printf_escaped:1:c-format',
                 '--flag=g_log:3:c-format', '--flag=g_print:1:c-format',
                 '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
                 '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format',
                 '--flag=g_snprintf:3:c-format']

TRANSLATABLE = re.compile(r'(?<![A-Za-z0-9_])(N?C?_)\s*\(\s*"')


def potfiles():
    return [l.strip() for l in (PO / 'POTFILES').read_text().splitlines()
            if l.strip() and not l.startswith('#')]


def messages(po_path):
    """{(msgctxt, msgid, msgid_plural): (translations, fuzzy)} via msgcat's normalized output."""
    text = subprocess.run(['msgcat', '--no-wrap', '--no-location', '-t', 'UTF-8', str(po_path)],
                          capture_output=True, text=True, check=True).stdout
    out = {}
    for block in re.split(r'\n\n+', text):
        fuzzy = bool(re.search(r'^#,.*\bfuzzy\b', block, re.M))
        fields = {}
        for key, val in re.findall(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', block, re.M):
            fields[key] = ast.literal_eval(val)  # a C string literal: Python reads the same escapes
        if 'msgid' not in fields or fields['msgid'] == '':
            continue
        strs = [v for k, v in fields.items() if k.startswith('msgstr')]
        out[(fields.get('msgctxt'), fields['msgid'], fields.get('msgid_plural'))] = (strs, fuzzy)
    return out


class Po(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for tool in ('xgettext', 'msgfmt', 'msgcat'):
            if not shutil.which(tool):
                raise unittest.SkipTest(f'{tool} is not installed (package gettext)')

    def test_linguas_has_korean(self):
        self.assertIn('ko', (PO / 'LINGUAS').read_text().split())

    def test_potfiles_lists_every_file_with_translatable_strings(self):
        listed = set(potfiles())
        for name in listed:
            self.assertTrue((SRC / name).is_file(), f'POTFILES lists {name}, which does not exist')
        wanted = set()
        for area in ('cli', 'service', 'panel'):
            for path in (SRC / area).rglob('*.c') if (SRC / area).exists() else []:
                if TRANSLATABLE.search(path.read_text(errors='replace')):
                    wanted.add(str(path.relative_to(SRC)))
        for path in (SRC / 'polkit').glob('*.policy*'):
            wanted.add(str(path.relative_to(SRC)))
        self.assertEqual(sorted(wanted - listed), [], 'files with _() strings missing from po/POTFILES')

    def test_korean_is_complete(self):
        r = subprocess.run(['msgfmt', '--check', '--statistics', '-o', '/dev/null', str(PO / 'ko.po')],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        stats = r.stderr.strip()
        self.assertRegex(stats, r'^\d+ translated messages?\.$',
                         f'ko.po has untranslated or fuzzy messages: {stats}')

    def test_every_template_message_is_translated(self):
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run(['xgettext', '--package-name=meridian', '-D', str(SRC),
                                '-f', str(PO / 'POTFILES'), '-o', f'{d}/meridian.pot',
                                *XGETTEXT_GLIB], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            template = messages(f'{d}/meridian.pot')
        korean = messages(PO / 'ko.po')
        self.assertGreater(len(template), 50)
        missing = [k[1] for k in template if k not in korean]
        self.assertEqual(missing, [], 'messages of the template that ko.po lacks '
                                      '(run ninja meridian-update-po, then translate)')
        for key in template:
            strs, fuzzy = korean[key]
            self.assertFalse(fuzzy, f'fuzzy: {key[1]!r}')
            self.assertTrue(all(strs), f'untranslated: {key[1]!r}')
        # Korean text, not English copied over: most messages contain Hangul.
        hangul = sum(1 for k in template if any(HANGUL.search(s) for s in korean[k][0]))
        self.assertGreater(hangul, 0.8 * len(template))

    def test_meridianctl_speaks_korean(self):
        mo = pathlib.Path(LOCALEDIR) / 'ko' / 'LC_MESSAGES' / 'meridian.mo'
        if not (MERIDIANCTL and LOCALEDIR and mo.exists()):
            self.skipTest(f'meridianctl or {mo} is not built')
        env = {k: v for k, v in os.environ.items() if k not in ('LC_ALL', 'LC_MESSAGES', 'LANGUAGE')}
        env.update(LANG='ko_KR.UTF-8', MERIDIAN_LOCALEDIR=LOCALEDIR)
        r = subprocess.run([MERIDIANCTL, '--help'], env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, HANGUL)
        self.assertIn('사용법', r.stdout)       # "Usage"
        # The C locale keeps English: the catalog is not applied to everyone.
        env.update(LANG='C.UTF-8')
        r = subprocess.run([MERIDIANCTL, '--help'], env=env, capture_output=True, text=True)
        self.assertNotRegex(r.stdout, HANGUL)


if __name__ == '__main__':
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    if r.failures or r.errors:
        sys.exit(1)
    if r.skipped and len(r.skipped) >= r.testsRun:
        print('SKIP: ' + '; '.join(reason for _, reason in r.skipped))
        sys.exit(77)
    sys.exit(0)
