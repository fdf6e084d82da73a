#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""meridiand's persisted files beneath --root: a symbolic link planted on the way (etc ->
OUTSIDE, var/lib/meridian -> OUTSIDE, a link as the state file, a linked include or sourcedir)
is never followed. Each case keeps an OUTSIDE directory holding content that would show if it
were read (NTP=false, a source line) and asserts: the daemon starts and answers, nothing of
OUTSIDE shows, the write that would land there fails with an error naming the link, and
OUTSIDE is byte-for-byte as before."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT', '.'), 'tests',
                                'integration'))
import harness  # noqa: E402
from harness import NATIVE, FDO, SOURCES  # noqa: E402

OUTSIDE_STATE = '[Time]\nNTP=false\n'
OUTSIDE_SOURCE = 'server 192.0.2.77 iburst\n'


class BeneathRoot(harness.MeridianTestCase):

    def make_outside(self):
        """OUTSIDE: what a link would lead to, a sibling of the root (outside it)."""
        out = self.tmp / 'outside'
        (out / 'sources').mkdir(parents=True)
        (out / 'state').write_text(OUTSIDE_STATE)
        (out / 'drift').write_text('12.5 0.1\n')
        (out / 'sources' / 'meridian-added.sources').write_text(OUTSIDE_SOURCE)
        (out / 'evil.conf').write_text(OUTSIDE_SOURCE)
        (out / 'x.sources').write_text(OUTSIDE_SOURCE)
        return out

    def source_names(self):
        paths = self.get_property('Sources', iface=SOURCES)
        names = []
        for p in paths:
            names.append(self.call('Get', 'org.meridian.Time1.Source', 'Name',
                                   iface=harness.Iface(NATIVE.name, p,
                                                       'org.freedesktop.DBus.Properties'),
                                   signature='(ss)', path=p))
        return names

    def assert_refused(self, method, *args, iface=NATIVE, words=('symbolic link',)):
        with self.assertRaises(harness.DBusError) as cm:
            self.call(method, *args, iface=iface)
        for w in words:
            self.assertIn(w, cm.exception.message, f'{method}: {cm.exception.message}')
        print(f'  {method}{args}: {cm.exception.name}: {cm.exception.message}')
        return cm.exception

    def test_symlinked_var_lib_meridian_is_neither_read_nor_written(self):
        out = self.make_outside()
        vlm = self.root / 'var' / 'lib' / 'meridian'
        vlm.rmdir()
        vlm.symlink_to(out)
        before = self.snapshot_root(out)
        self.polkit_allow_all()
        self.start_daemon('--no-engine')
        # The outside state says NTP=false and lists a source: neither shows.
        self.assertTrue(self.get_property('NTP'))
        self.assertEqual(self.source_names(), [])
        self.assert_refused('SetNTP', False, False)
        self.assertTrue(self.get_property('NTP'))
        self.assert_refused('AddSource', 'server 127.0.0.1', False, iface=SOURCES)
        self.assertEqual(self.source_names(), [])
        self.assertEqual(self.get_property('Timezone', iface=FDO), 'UTC')   # still answering
        self.assertEqual(self.stop_daemon(), 0)
        self.assert_root_unchanged(before, root=out, msg='(outside the root)')
        self.assertTrue(vlm.is_symlink())

    def test_symlinked_etc_is_neither_read_nor_written(self):
        out = self.make_outside()
        etc = self.root / 'etc'
        real_etc = self.tmp / 'outside-etc'
        etc.rename(real_etc)
        (real_etc / 'meridian' / 'meridian.conf').write_text(OUTSIDE_SOURCE)
        (real_etc / 'localtime').unlink()
        (real_etc / 'localtime').symlink_to(f'{self.zoneinfo}/Asia/Seoul')
        (real_etc / 'timezone').write_text('Asia/Seoul\n')
        etc.symlink_to(real_etc)
        before = self.snapshot_root(real_etc)
        before_out = self.snapshot_root(out)
        self.polkit_allow_all()
        self.start_daemon('--no-engine')
        # OUTSIDE/localtime names Asia/Seoul and OUTSIDE/meridian/meridian.conf a source.
        self.assertNotEqual(self.get_property('Timezone'), 'Asia/Seoul')
        self.assertEqual(self.source_names(), [])
        self.assert_refused('SetTimezone', 'Europe/Paris', False)
        self.assert_refused('SetLocalRTC', True, False, False)
        self.assertFalse(self.get_property('LocalRTC'))
        self.assertEqual(self.stop_daemon(), 0)
        self.assert_root_unchanged(before, root=real_etc, msg='(outside the root)')
        self.assert_root_unchanged(before_out, root=out, msg='(outside the root)')

    def test_a_link_as_the_state_file_is_refused(self):
        out = self.make_outside()
        state = self.root / 'var' / 'lib' / 'meridian' / 'state'
        state.symlink_to(out / 'state')
        before = self.snapshot_root(out)
        self.polkit_allow_all()
        self.start_daemon('--no-engine')
        self.assertTrue(self.get_property('NTP'))      # the link's NTP=false was not read
        self.assertIn('symbolic link', self.daemon.log())
        e = self.assert_refused('SetNTP', False, False, iface=FDO)
        self.assertIn(str(state), e.message)
        self.assertTrue(self.get_property('NTP'))
        self.assertEqual(self.stop_daemon(), 0)
        self.assertTrue(state.is_symlink())
        self.assertEqual(os.listdir(state.parent), ['state'])   # no temporary file left
        self.assert_root_unchanged(before, root=out, msg='(outside the root)')

    def test_a_link_as_the_drift_file_is_not_read(self):
        out = self.make_outside()
        drift = self.root / 'var' / 'lib' / 'meridian' / 'drift'
        drift.symlink_to(out / 'drift')      # OUTSIDE/drift says 12.5 ppm
        before = self.snapshot_root(out)
        self.start_daemon()
        self.wait_until(lambda: 'Cannot read the drift file' in self.daemon.log()
                        or 'read from' in self.daemon.log(), what='the drift file read')
        log = self.daemon.log()
        self.assertNotIn('12.500', log, 'the linked drift file was read')
        line = next(l for l in log.splitlines() if 'Cannot read the drift file' in l)
        self.assertIn('symbolic link', line)
        self.assertEqual(self.stop_daemon(), 0)
        self.assertTrue(drift.is_symlink())
        self.assert_root_unchanged(before, root=out, msg='(outside the root)')

    def test_linked_include_sourcedir_and_sources_file_are_skipped(self):
        out = self.make_outside()
        conf_dir = self.root / 'etc' / 'meridian'
        (conf_dir / 'conf.d').mkdir()
        (conf_dir / 'conf.d' / 'evil.conf').symlink_to(out / 'evil.conf')
        (conf_dir / 'conf.d' / 'good.conf').write_text('server 127.0.0.2\n')
        (conf_dir / 'sources.d').symlink_to(out)
        (conf_dir / 'meridian.conf').write_text(
            'include /etc/meridian/conf.d/*.conf\nsourcedir /etc/meridian/sources.d\n'
            'server 127.0.0.3\n')
        before = self.snapshot_root(out)
        self.polkit_allow_all()
        self.start_daemon('--no-engine')
        self.assertEqual(sorted(self.source_names()), ['127.0.0.2', '127.0.0.3'])
        log = self.daemon.log()
        self.assertIn('evil.conf', log)
        self.assertIn('sources.d', log)
        # Sources added at run time belong in the first sourcedir: a link, so refused.
        self.assert_refused('AddSource', 'server 127.0.0.4', False, iface=SOURCES)
        self.assertEqual(sorted(self.source_names()), ['127.0.0.2', '127.0.0.3'])
        self.assertEqual(self.stop_daemon(), 0)
        self.assert_root_unchanged(before, root=out, msg='(outside the root)')

    def test_temp_files_beside_a_configured_sourcedir_and_driftfile_are_cleaned(self):
        """A sourcedir and driftfile configured outside var/lib/meridian: at start-up the
        temporary files an interrupted atomic write leaves beside them (".#NAME.XXXXXX") are
        removed, and nothing else: not another file's, not a link (never followed), not a
        name outside the pattern."""
        out = self.make_outside()
        conf_dir = self.root / 'etc' / 'meridian'
        srcdir = self.root / 'etc' / 'chrony' / 'sources.d'
        driftdir = self.root / 'var' / 'lib' / 'chrony'
        srcdir.mkdir(parents=True)
        driftdir.mkdir(parents=True)
        (conf_dir / 'meridian.conf').write_text(
            'sourcedir /etc/chrony/sources.d\ndriftfile /var/lib/chrony/chrony.drift\n')
        stale = [srcdir / '.#meridian-added.sources.a1B2c3',
                 driftdir / '.#chrony.drift.Zz9999',
                 self.root / 'var' / 'lib' / 'meridian' / '.#virtual-rtc.q7W8e9']
        kept = [srcdir / '.#other.sources.abc123',        # not a file meridiand writes here
                srcdir / '.#meridian-added.sources.x',     # not the temporary-name pattern
                srcdir / 'meridian-added.sources',
                driftdir / '.#drift.abc123']               # not this driftfile's name
        for p in stale + kept:
            p.write_text('server 127.0.0.9\n' if p.name.endswith('sources') else '1.0 0.1\n')
        link = srcdir / '.#meridian-added.sources.l1nk00'
        link.symlink_to(out / 'x.sources')
        before_out = self.snapshot_root(out)
        self.start_daemon('--no-engine')
        self.assertEqual(self.stop_daemon(), 0)
        for p in stale:
            self.assertFalse(p.exists(), f'{p} left')
        for p in kept:
            self.assertTrue(p.exists(), f'{p} removed')
        self.assertTrue(link.is_symlink(), 'a link with the temporary name was removed')
        self.assertIn('temporary file', self.daemon.log())
        self.assert_root_unchanged(before_out, root=out, msg='(outside the root)')
        print(f'  removed {len(stale)}, kept {len(kept) + 1} (one a link)')


    def test_added_sources_persist_in_the_first_sourcedir_that_survives_a_reboot(self):
        """Debian's chrony.conf names /run/chrony-dhcp (a tmpfs, where NetworkManager's hook
        writes DHCP servers) before /etc/chrony/sources.d: a source added over D-Bus must be
        written to the second, or a reboot loses it; with only volatile sourcedirs it goes to
        var/lib/meridian/sources."""
        conf = self.root / 'etc' / 'meridian' / 'meridian.conf'
        conf.write_text('sourcedir /run/chrony-dhcp\nsourcedir /etc/chrony/sources.d\n')
        self.polkit_allow_all()
        self.start_daemon('--no-engine')
        self.call('AddSource', 'server 192.0.2.7 iburst', False, iface=SOURCES)
        self.assertEqual(self.stop_daemon(), 0)
        kept = self.root / 'etc' / 'chrony' / 'sources.d' / 'meridian-added.sources'
        self.assertIn('server 192.0.2.7 iburst', kept.read_text())
        self.assertFalse((self.root / 'run' / 'chrony-dhcp' / 'meridian-added.sources').exists())
        # After a "reboot" (/run emptied) it comes back.
        self.start_daemon('--no-engine')
        self.assertIn('192.0.2.7', self.source_names())
        self.assertEqual(self.stop_daemon(), 0)
        conf.write_text('sourcedir /run/chrony-dhcp\n')
        self.start_daemon('--no-engine')
        self.call('AddSource', 'server 192.0.2.8', False, iface=SOURCES)
        self.assertEqual(self.stop_daemon(), 0)
        fallback = self.root / 'var' / 'lib' / 'meridian' / 'sources' / 'meridian-added.sources'
        self.assertIn('server 192.0.2.8', fallback.read_text())

if __name__ == '__main__':
    harness.main()
