/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <adwaita.h>
#include "mp-window.h"

G_BEGIN_DECLS

/* What the tests and bench/panel cannot do through the accessibility tree, off unless the
 * environment asks for it:
 *   MERIDIAN_PANEL_TEST_HOOKS=1   adds app actions (org.gtk.Actions on the session bus):
 *       test-screenshot(s path)   the topmost window rendered to a PNG, in process, at the
 *                                 first frame 400 ms after the request (transitions over)
 *       test-style(s)             "light" or "dark"
 *       test-size(s)              "WIDTHxHEIGHT" for every window
 *   MERIDIAN_PANEL_FIRST_FRAME=1  prints "mark PHASE MONOTONIC_USEC" at each start-up phase
 *                                 (mp_test_hooks_mark), "first-frame MONOTONIC_USEC" and
 *                                 "first-frame-cpu USEC" (CPU time of the whole process so
 *                                 far) when the window's first frame has been drawn, then
 *                                 quits if it is "quit". */
void mp_test_hooks_install (AdwApplication *app, MpWindow *window);
/* A start-up phase's end for bench/panel (nothing unless MERIDIAN_PANEL_FIRST_FRAME is set). */
void mp_test_hooks_mark (const char *phase);

G_END_DECLS
