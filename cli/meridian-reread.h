/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * meridian-reread: reading again the figures meridiand measures but does not announce
 * (EmitsChangedSignal "false" in dbus/org.meridian.Time1.xml: offsets, frequency, delays,
 * reach change with every clock update), for the clients that show them live — meridianctl
 * monitor and meridian-panel's Synchronization page, which both build this file. Each keeps
 * its own timer (how long it reads is its business) and calls meridian_reread() on every tick.
 */
#pragma once

#include <gio/gio.h>

#include "mrd-dbus-generated.h"

G_BEGIN_DECLS

/* How often a client re-reads while it shows the figures: each clock update (16 s at the
 * shortest usual poll) shows within a couple of seconds. */
#define MERIDIAN_REREAD_S 2

/* Called once per proxy whose properties changed, after its cache holds the new values. */
typedef void (*MeridianRereadChanged) (GDBusProxy *proxy, gpointer user_data);

/* One GetAll each for @tracking and for every Source object of @manager (either may be NULL).
 * A value that differs from the proxy's cache replaces it, and @changed is called for that
 * proxy. Cancel @cancel before @user_data goes: a cancelled or failed read calls nothing. */
void meridian_reread (MrdDBusTime1Tracking *tracking, GDBusObjectManager *manager,
                      GCancellable *cancel, MeridianRereadChanged changed, gpointer user_data);

G_END_DECLS
