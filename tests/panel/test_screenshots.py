#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Screenshots of every page (Date & Time, Synchronization, and the zone chooser's Search,
Browse and Map) in light and dark style, English and Korean, at full width and at 360 px,
written as PNG files under MERIDIAN_PANEL_SHOTS (the build directory) for a person to look
at. The panel runs against the real meridiand (zone Asia/Seoul, two configured sources) and
is driven through AT-SPI; the pictures are taken in process (test-screenshot hook)."""

import os
import pathlib
import time

import panel_harness
from panel_harness import PanelTestCase

import gi
gi.require_version('GdkPixbuf', '2.0')
from gi.repository import GdkPixbuf  # noqa: E402

FULL = (1000, 760)
NARROW = (360, 720)
# The page tabs' names in each language (the switcher is the only way AT-SPI sees pages).
NAMES = {
    'C.UTF-8': {'datetime': 'Date & Time', 'sync': 'Synchronization', 'search': 'Search',
                'browse': 'Browse', 'map': 'Map', 'chooser': 'Time Zone',
                'choose': 'Choose the time zone', 'query': 'Seoul', 'region': 'Asia'},
    'ko_KR.UTF-8': {'datetime': '날짜 및 시간', 'sync': '동기화', 'search': '검색',
                    'browse': '둘러보기', 'map': '지도', 'chooser': '시간대',
                    'choose': '시간대 선택', 'query': '서울', 'region': '아시아'},
}


def mean_luminance(path):
    pb = GdkPixbuf.Pixbuf.new_from_file(str(path))
    data = pb.get_pixels()
    n, stride = pb.get_n_channels(), pb.get_rowstride()
    total = count = 0
    for y in range(0, pb.get_height(), 4):
        row = y * stride
        for x in range(0, pb.get_width(), 4):
            i = row + x * n
            total += 0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2]
            count += 1
    return total / count, pb.get_width(), pb.get_height()


class Screenshots(PanelTestCase):
    def setUp(self):
        super().setUp()
        self.out = pathlib.Path(os.environ.get('MERIDIAN_PANEL_SHOTS') or (self.tmp / 'shots'))
        self.out.mkdir(parents=True, exist_ok=True)

    def tab(self, name):
        return self.wait_for(lambda: next((t for t in self.find_all(self.app, role='page tab', name=name)), None),
                             10, f'the {name!r} tab')

    def shoot(self, name, lang, style, size):
        self.hook('test-style', style)
        self.hook('test-size', f'{size[0]}x{size[1]}')
        path = self.out / f'{name}-{style}-{"ko" if lang.startswith("ko") else "en"}-{"360" if size == NARROW else "full"}.png'
        # The panel takes the picture at its first frame 400 ms after the request (the new
        # size and style drawn, transitions over). Under a loaded machine a capture was once seen not to land, and a resize
        # may take longer than two frames: ask again, up to three times, before failing.
        for attempt in range(3):
            if path.exists():
                path.unlink()
            self.hook('test-screenshot', str(path))
            end = time.monotonic() + 10 * panel_harness.TIMEOUT_SCALE
            while time.monotonic() < end and not (path.exists() and path.stat().st_size > 0):
                time.sleep(0.05)
            if path.exists() and path.stat().st_size > 0:
                time.sleep(0.05)  # written in one go, but let the close land
                w = GdkPixbuf.Pixbuf.get_file_info(str(path))[1]
                if size[0] - 24 <= w <= size[0]:
                    return path
                time.sleep(0.3)
        self.fail(f'{path.name} was not written at {size[0]} px after three requests')

    def run_language(self, lang):
        n = NAMES[lang]
        (self.root / 'etc' / 'meridian' / 'meridian.conf').write_text(
            'server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4\npool pool.ntp.org iburst\n')
        self.polkit_allow_all()
        self.start_daemon()
        self.call('SetTimezone', 'Asia/Seoul', False)
        self.start_panel(lang)
        shots = {}
        for page in ('datetime', 'sync'):
            self.do(self.tab(n[page]))
            for style in ('light', 'dark'):
                for size in (FULL, NARROW):
                    shots[(page, style, size)] = self.shoot(page, lang, style, size)
        self.do(self.tab(n['datetime']))
        self.hook('test-size', f'{FULL[0]}x{FULL[1]}')
        self.do(self.wait_for(lambda: self.find(self.app, role='push button', contains=n['choose']), 10, 'zone button'))
        chooser = self.wait_for(lambda: self.window(n['chooser']), 10, 'the chooser')
        entry = self.wait_for(lambda: self.find(chooser, role='entry'), 10, 'the search entry')
        self.type_text(entry, n['query'])
        self.wait_for(lambda: any('Asia/Seoul' in t for t in self.texts(chooser)), 15, 'results')
        for page in ('search', 'browse', 'map'):
            self.do(next(t for t in self.find_all(chooser, role='page tab', name=n[page])))
            if page == 'browse':
                self.wait_for(lambda: self.find(chooser, role='label', name=n['region']), 10, 'the regions')
            for style in ('light', 'dark'):
                for size in (FULL, NARROW):
                    shots[(page, style, size)] = self.shoot('chooser-' + page, lang, style, size)
        # What a person would check first: the files are there, the narrow ones are 360 px
        # wide, and dark is darker than light.
        for (page, style, size), path in shots.items():
            lum, w, h = mean_luminance(path)
            # The default size includes the client-side decoration's margin.
            self.assertTrue(size[0] - 24 <= w <= size[0], f'{path.name} is {w} px wide, not {size[0]}')
            if style == 'dark':
                light, _, _ = mean_luminance(shots[(page, 'light', size)])
                self.assertLess(lum, light - 30, f'{path.name} is not darker than its light twin')

    def test_screenshots_english(self):
        self.run_language('C.UTF-8')

    def test_screenshots_korean(self):
        self.run_language('ko_KR.UTF-8')


if __name__ == '__main__':
    panel_harness.main()
