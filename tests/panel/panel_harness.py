# SPDX-License-Identifier: GPL-2.0-or-later
"""meridian-panel test fixtures: the integration harness (private system bus, polkit
stand-in, meridiand on a temporary root with a virtual clock) plus Xvfb, the panel in a real
window, and its accessibility tree over AT-SPI, as GNOME's own UI tests drive their apps.

The test process must have a session bus (the a11y bus is found through it): meson runs each
file under `dbus-run-session`. Without Xvfb, AT-SPI or a session bus a case exits 77 and says
why.

Environment: MERIDIAN_PANEL (the built binary), MERIDIAN_LOCALEDIR (build/po), plus what
tests/integration/harness.py reads. MERIDIAN_PANEL_SHOTS: where screenshots go.
"""

import ctypes
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get('MERIDIAN_SOURCE_ROOT', '.'), 'tests', 'integration'))
import harness  # noqa: E402
from harness import TIMEOUT_SCALE  # noqa: E402

import gi  # noqa: E402
try:
    gi.require_version('Atspi', '2.0')
    from gi.repository import Atspi  # noqa: E402
except (ImportError, ValueError) as e:  # pragma: no cover
    Atspi = None
    ATSPI_ERROR = str(e)
from gi.repository import Gio, GLib  # noqa: E402

APP_ID = 'org.meridian.Panel'
APP_PATH = '/org/meridian/Panel'


class PanelProcess:
    def __init__(self, argv, env, log_path):
        self.log_path = log_path
        self._log = open(log_path, 'ab')
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT)

    def log(self):
        try:
            return pathlib.Path(self.log_path).read_text(errors='replace')
        except FileNotFoundError:
            return ''

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


class PanelTestCase(harness.MeridianTestCase):
    """A MeridianTestCase with an X server; start_panel() runs meridian-panel on it."""

    def setUp(self):
        super().setUp()
        self.panel_bin = os.environ.get('MERIDIAN_PANEL', '')
        if not (self.panel_bin and os.access(self.panel_bin, os.X_OK)):
            self.skipTest(f'meridian-panel is not built (MERIDIAN_PANEL={self.panel_bin!r})')
        if Atspi is None:
            self.skipTest(f'AT-SPI introspection (gir1.2-atspi-2.0) is missing: {ATSPI_ERROR}')
        if not os.environ.get('DBUS_SESSION_BUS_ADDRESS'):
            self.skipTest('no session bus for the accessibility bus (run under dbus-run-session)')
        if not shutil.which('Xvfb'):
            self.skipTest('Xvfb is not installed')
        self.panel = None
        self.display = self._start_xvfb()

    def _start_xvfb(self):
        r, w = os.pipe()
        self.xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(w), '-screen', '0', '1280x1024x24',
                                      '-nolisten', 'tcp', '-noreset'],
                                     pass_fds=(w,), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        with os.fdopen(r) as f:
            number = f.readline().strip()
        if not number:
            self.skipTest('Xvfb did not start')
        self.addCleanup(self._stop_xvfb)
        return f':{number}'

    def _stop_xvfb(self):
        self.xvfb.terminate()
        try:
            self.xvfb.wait(5)
        except subprocess.TimeoutExpired:
            self.xvfb.kill()
            self.xvfb.wait()

    # ---- the panel ------------------------------------------------------------------------
    def panel_env(self, lang='C.UTF-8'):
        e = dict(self.env)
        e.update(DISPLAY=self.display, GDK_BACKEND='x11', GSK_RENDERER='cairo',
                 DBUS_SESSION_BUS_ADDRESS=os.environ['DBUS_SESSION_BUS_ADDRESS'],
                 MERIDIAN_PANEL_TEST_HOOKS='1', GSETTINGS_BACKEND='memory',
                 XDG_CONFIG_HOME=str(self.tmp / 'config'), LANG=lang, LC_ALL=lang,
                 LANGUAGE='', NO_AT_BRIDGE='0', GTK_A11Y='atspi')
        if os.environ.get('MERIDIAN_LOCALEDIR'):
            e['MERIDIAN_LOCALEDIR'] = os.environ['MERIDIAN_LOCALEDIR']
        e['G_DEBUG'] = 'fatal-criticals'
        return e

    def start_panel(self, lang='C.UTF-8'):
        """Start meridian-panel and wait for its window in the accessibility tree."""
        # The accessibility bus and its registry up first: an application that registers
        # while the registry is still being activated can be missed by it.
        Atspi.get_desktop(0).get_child_count()
        self.panel = PanelProcess([self.panel_bin], self.panel_env(lang), self.tmp / 'panel.log')
        self.addCleanup(self._stop_panel, self.panel)
        self.app = self.wait_for(lambda: self._find_app(self.panel.proc.pid), 60, 'the panel in AT-SPI')
        self.frame = self.wait_for(lambda: self.find(self.app, role='frame'), 30, 'the window')
        return self.panel

    # A GLib/GTK warning or critical the panel printed ("(meridian-panel:PID): Gtk-WARNING **:
    # ..."), from any log domain: each one is a bug (a markup title, a bad property, a
    # failed assertion) even when the window still looks right.
    PANEL_WARNING = re.compile(r'^\(meridian-panel:\d+\): [\w.-]+-(WARNING|CRITICAL) \*\*.*$', re.M)
    # The one exception: GTK 4.8's count of pressed pointer buttons per window goes below zero
    # ("Broken accounting of active state") in the map test, where XTest clicks and key presses
    # reach a chooser window stacked over the main one under Xvfb without a window manager
    # (both at the origin). The panel sets no widget's active state itself; the test still
    # asserts what the click and keys must do.
    XTEST_ACCOUNTING = re.compile(r'Gtk-WARNING \*\*: [\d:.]+: Broken accounting of active state for widget')

    def _stop_panel(self, panel):
        panel.stop()
        text = panel.log()
        if text.strip():
            sys.stderr.write(f'----- meridian-panel -----\n{text}\n----- end of panel log -----\n')
        bad = [m.group(0) for m in self.PANEL_WARNING.finditer(text)
               if not self.XTEST_ACCOUNTING.search(m.group(0))]
        if bad:
            self.fail('meridian-panel printed GLib/GTK warnings or criticals:\n' + '\n'.join(bad))

    def _find_app(self, pid):
        desktop = Atspi.get_desktop(0)
        # Ask the registry again rather than trust a cache an early event may have missed.
        desktop.clear_cache()
        for i in range(desktop.get_child_count()):
            a = desktop.get_child_at_index(i)
            try:
                if a is not None and a.get_process_id() == pid:
                    return a
            except GLib.Error:
                continue
        return None

    # ---- the accessibility tree -----------------------------------------------------------
    def wait_for(self, fn, timeout=10.0, what='condition'):
        end = time.monotonic() + timeout * TIMEOUT_SCALE
        ctx = GLib.MainContext.default()
        while True:
            while ctx.pending():
                ctx.iteration(False)
            try:
                v = fn()
            except GLib.Error:
                v = None
            if v:
                return v
            if time.monotonic() > end:
                self.fail(f'timed out waiting for {what}\n{self.describe_toplevels()}')
            time.sleep(0.05)

    def describe_toplevels(self):
        out = []
        app = getattr(self, 'app', None)
        for i in range(app.get_child_count() if app else 0):
            try:
                c = app.get_child_at_index(i)
                out.append(f'toplevel {c.get_role_name()} {c.get_name()!r} '
                           f'{[s.value_nick for s in c.get_state_set().get_states()]}')
            except GLib.Error as e:
                out.append(f'toplevel ? {e}')
        return '\n'.join(out)

    def walk(self, node):
        if node is None:
            return
        yield node
        try:
            n = node.get_child_count()
        except GLib.Error:
            return
        for i in range(n):
            try:
                c = node.get_child_at_index(i)
            except GLib.Error:
                continue
            yield from self.walk(c)

    def find_all(self, root, role=None, name=None, contains=None, showing=True):
        # GTK 4.8 reports VISIBLE (not SHOWING) for widgets that are shown.
        out = []
        for n in self.walk(root):
            try:
                if role is not None and n.get_role_name() not in (role if isinstance(role, tuple) else (role,)):
                    continue
                nm = n.get_name() or ''
                if name is not None and nm != name:
                    continue
                if contains is not None and contains not in nm:
                    continue
                if showing and not n.get_state_set().contains(Atspi.StateType.VISIBLE):
                    continue
            except GLib.Error:
                continue
            out.append(n)
        return out

    def find(self, root=None, **kw):
        r = self.find_all(root or self.app, **kw)
        return r[0] if r else None

    WINDOW_ROLES = ('frame', 'dialog', 'window')

    def window(self, name):
        """A toplevel (main window, or a dialog such as the zone chooser) by its title."""
        return self.find(self.app, role=self.WINDOW_ROLES, name=name)

    def texts(self, root=None):
        """Every label's text under root (showing ones)."""
        return [n.get_name() for n in self.find_all(root or self.app, role='label')]

    def do(self, node, action=None):
        """Run the node's action (its first, or the one named)."""
        a = node.get_action_iface()
        idx = 0
        if action is not None:
            names = [a.get_action_name(i) for i in range(a.get_n_actions())]
            if action not in names:
                self.fail(f'{node.get_role_name()} {node.get_name()!r} has no action {action!r}: {names}')
            idx = names.index(action)
        a.do_action(idx)

    def checked(self, node):
        return node.get_state_set().contains(Atspi.StateType.CHECKED)

    def sensitive(self, node):
        return node.get_state_set().contains(Atspi.StateType.SENSITIVE)

    def _xtest(self, fn):
        """fn(x11, xtst, display) on the X server, through XTest. Not through AT-SPI: its
        registry daemon starts before Xvfb, without a display, and drops synthesized input."""
        x11, xtst = ctypes.CDLL('libX11.so.6'), ctypes.CDLL('libXtst.so.6')
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x11.XFlush.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        xtst.XTestFakeButtonEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        xtst.XTestFakeMotionEvent.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                              ctypes.c_ulong]
        dpy = x11.XOpenDisplay(self.display.encode())
        self.assertTrue(dpy, f'cannot open {self.display}')
        try:
            fn(x11, xtst, dpy)
            x11.XFlush(dpy)
        finally:
            x11.XCloseDisplay(dpy)

    def press_key(self, keysym):
        """A key press and release, to the window with the input focus."""
        def press(x11, xtst, dpy):
            code = x11.XKeysymToKeycode(dpy, keysym)
            self.assertNotEqual(code, 0, f'no keycode for keysym {keysym:#x}')
            xtst.XTestFakeKeyEvent(dpy, code, 1, 0)
            xtst.XTestFakeKeyEvent(dpy, code, 0, 0)
        self._xtest(press)

    def click_at(self, x, y):
        """The pointer to (x, y) on the screen, then a left click there."""
        # Paced as a hand would: GTK must have seen the pointer enter the window under it before
        # the press, or it counts a release without a press (a "Broken accounting of active
        # state" warning) and the click is lost.
        def click(x11, xtst, dpy):
            xtst.XTestFakeMotionEvent(dpy, -1, x + 1, y + 1, 0)
            x11.XFlush(dpy)
            time.sleep(0.1)
            xtst.XTestFakeMotionEvent(dpy, -1, x, y, 0)
            x11.XFlush(dpy)
            time.sleep(0.2)
            xtst.XTestFakeButtonEvent(dpy, 1, 1, 0)
            x11.XFlush(dpy)
            time.sleep(0.05)
            xtst.XTestFakeButtonEvent(dpy, 1, 0, 0)
        self._xtest(click)

    def type_text(self, node, text):
        et = node.get_editable_text_iface()
        et.set_text_contents(text)

    # ---- in-process hooks (screenshots, style, size: nothing AT-SPI can do) --------------
    def hook(self, name, arg):
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        bus.call_sync(APP_ID, APP_PATH, 'org.gtk.Actions', 'Activate',
                      GLib.Variant('(sava{sv})', (name, [GLib.Variant('s', arg)], {})),
                      None, Gio.DBusCallFlags.NONE, 10000, None)


def main():
    harness.main()
