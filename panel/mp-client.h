/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>
#include "mrd-dbus-generated.h"

G_BEGIN_DECLS

/* The panel's one link to meridiand: watches org.meridian.Time1 on the system bus, creates the
 * generated proxies and the ObjectManager client asynchronously when it appears, drops them
 * when it goes, and makes them again when it comes back. */
typedef enum {
  MP_CLIENT_CONNECTING,  /* looking for the service, or making proxies */
  MP_CLIENT_CONNECTED,   /* every proxy ready */
  MP_CLIENT_ABSENT,      /* the service is not on the bus (stopped, crashed, restarting) */
  MP_CLIENT_NO_BUS,      /* the system bus itself could not be reached */
} MpClientState;

#define MP_TYPE_CLIENT (mp_client_get_type ())
G_DECLARE_FINAL_TYPE (MpClient, mp_client, MP, CLIENT, GObject)

/* A client that has not connected yet (state CONNECTING): mp_client_start() begins. */
MpClient             *mp_client_new              (void);
/* Connects to the system bus and watches for the service (once; later calls do nothing). */
void                  mp_client_start            (MpClient *self);
MpClientState         mp_client_get_state        (MpClient *self);
MrdDBusTime1         *mp_client_get_time1        (MpClient *self);
MrdDBusTime1Tracking *mp_client_get_tracking     (MpClient *self);
MrdDBusTime1Sources  *mp_client_get_sources      (MpClient *self);
GDBusObjectManager   *mp_client_get_manager      (MpClient *self);
/* Cancelled when the service goes away (or the client is disposed): every call takes it. */
GCancellable         *mp_client_get_cancellable  (MpClient *self);
/* polkit permission for an action id suffix ("set-ntp"), NULL until known (or if polkit is
 * unreachable). "permissions-changed" is emitted when one arrives. */
GPermission          *mp_client_get_permission   (MpClient *self, const char *action);
/* TRUE when the widgets for `action` should be sensitive: the permission allows it or can be
 * acquired (the agent will ask), or nothing is known yet (the service decides). */
gboolean              mp_client_may              (MpClient *self, const char *action);

/* Calls `method` on `proxy` with the allow-interactive flag (the desktop's agent may ask),
 * no timeout (a person may take a while to authenticate) and the client's cancellable. On
 * failure, emits "error" with `what` and the message stripped of its D-Bus prefix, and then
 * calls `done` (which may be NULL) with success FALSE. */
typedef void (*MpClientDone) (MpClient *self, GVariant *reply, const GError *error, gpointer user_data);
void                  mp_client_call             (MpClient     *self,
                                                  gpointer      proxy,
                                                  const char   *method,
                                                  GVariant     *params,
                                                  const char   *what,
                                                  MpClientDone  done,
                                                  gpointer      user_data);
/* Reports a failure the way mp_client_call does ("error" signal). */
void                  mp_client_report           (MpClient *self, const char *what, const GError *error);

G_END_DECLS
