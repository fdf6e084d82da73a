/* mrd-io-error.h — GIO's error domain without linking GIO.
 *
 * The engine executable (meridian-engine) links libglib alone, yet reports its errors in
 * G_IO_ERROR's domain with GIOErrorEnum codes, which meridiand and the tests match with
 * G_IO_ERROR. GIO registers that domain as the quark "g-io-error-quark" (G_DEFINE_QUARK in
 * gio/gioerror.c); MRD_IO_ERROR is the same quark by name, so the two compare equal in any
 * process. GIOErrorEnum comes from GIO's headers alone (which can only be included whole):
 * nothing of GIO is linked, and the engine's link fails on any GIO function it calls.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define MRD_IO_ERROR (mrd_io_error_quark ())
GQuark       mrd_io_error_quark      (void);
/* g_io_error_from_errno()'s mapping for the errors the engine meets. */
GIOErrorEnum mrd_io_error_from_errno (int errsv);

G_END_DECLS
