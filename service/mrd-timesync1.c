/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-timesync1.c — see mrd-timesync1.h. */
#include "mrd-timesync1.h"

#include <math.h>
#include <string.h>

#include "mrd-fresh.h"
#include "mrd-timesync1-generated.h"
#include "ntp-engine.h"

struct _MrdTimesync1 {
  MrdSync *sync;                     /* not owned */
  MrdFdoTimesync1Manager *skeleton;
  gboolean exported;
};

static guint64
usec_of_log2 (int log2_s)
{
  return log2_s >= 0 ? (guint64) G_USEC_PER_SEC << MIN (log2_s, 40)
                     : (guint64) G_USEC_PER_SEC >> MIN (-log2_s, 20);
}

static guint64
usec_of (double seconds)
{
  return seconds > 0 && isfinite (seconds) ? (guint64) llround (seconds * 1e6) : 0;
}

/* "127.0.0.1:12399" or "[::1]:123" or a bare address → (family, bytes). */
static GVariant *
address_variant (const char *address)
{
  g_autofree char *host = g_strdup (address != NULL ? address : "");
  g_autoptr(GInetAddress) inet = NULL;
  char *colon;

  if (host[0] == '[')
    {
      char *end = strchr (host, ']');

      memmove (host, host + 1, strlen (host));
      if (end != NULL)
        *(end - 1) = '\0';
    }
  else if ((colon = strchr (host, ':')) != NULL && strchr (colon + 1, ':') == NULL)
    *colon = '\0';
  inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    return g_variant_new ("(i@ay)", 0, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1));
  return g_variant_new ("(i@ay)",
                        g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? 10 : 2,
                        g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE,
                                                   g_inet_address_to_bytes (inet),
                                                   g_inet_address_get_native_size (inet), 1));
}

static void
update (MrdTimesync1 *self)
{
  guint n = mrd_sync_get_n_sources (self->sync);
  g_autoptr(GPtrArray) system = g_ptr_array_new ();
  g_autoptr(GPtrArray) runtime = g_ptr_array_new ();
  const NtpTracking *t = mrd_sync_get_tracking (self->sync);
  const char *empty[] = { NULL };
  guint id, chosen = G_MAXUINT;
  NtpConfig defaults;

  for (id = 0; n > 0; id++)
    {
      const NtpSourceConfig *c = mrd_sync_get_source_config (self->sync, id);

      if (c == NULL)
        continue;
      n--;
      g_ptr_array_add (mrd_sync_get_source_persistent (self->sync, id) ? runtime : system,
                       (gpointer) c->name);
      if (chosen == G_MAXUINT ||
          mrd_sync_get_source_report (self->sync, id)->state == NTP_STATE_SELECTED)
        if (chosen == G_MAXUINT ||
            mrd_sync_get_source_report (self->sync, chosen)->state != NTP_STATE_SELECTED)
          chosen = id;
    }
  g_ptr_array_add (system, NULL);
  g_ptr_array_add (runtime, NULL);
  ntp_config_init (&defaults);

  mrd_fdo_timesync1_manager_set_link_ntpservers (self->skeleton, empty);
  mrd_fdo_timesync1_manager_set_system_ntpservers (self->skeleton,
                                                   (const char *const *) system->pdata);
  mrd_fdo_timesync1_manager_set_runtime_ntpservers (self->skeleton,
                                                    (const char *const *) runtime->pdata);
  mrd_fdo_timesync1_manager_set_fallback_ntpservers (self->skeleton, empty);
  mrd_fdo_timesync1_manager_set_root_distance_max_usec (self->skeleton,
                                                        usec_of (defaults.maxdistance));
  /* The kernel's unit, and the correction's sign (the tracking frequency is the error). */
  mrd_fdo_timesync1_manager_set_frequency (self->skeleton,
                                           (gint64) llround (-t->freq_ppm * 65536.0));

  if (chosen == G_MAXUINT)
    {
      mrd_fdo_timesync1_manager_set_server_name (self->skeleton, "");
      mrd_fdo_timesync1_manager_set_server_address (self->skeleton, address_variant (NULL));
      mrd_fdo_timesync1_manager_set_poll_interval_min_usec (self->skeleton, 0);
      mrd_fdo_timesync1_manager_set_poll_interval_max_usec (self->skeleton, 0);
      mrd_fdo_timesync1_manager_set_poll_interval_usec (self->skeleton, 0);
    }
  else
    {
      const NtpSourceConfig *c = mrd_sync_get_source_config (self->sync, chosen);
      const NtpSourceReport *r = mrd_sync_get_source_report (self->sync, chosen);
      /* The server's reference ID as its reply carried it, as timesyncd hands it on;
       * timedatectl prints it as four characters for stratum 0 and 1 (chronyd's "local"
       * 7F7F0101 is not printable, so the line looks empty there, as with timesyncd) and in
       * hex above. */
      guint8 refid[4] = { r->refid >> 24, r->refid >> 16, r->refid >> 8, r->refid };
      /* Rebuilt times (see the XML): T4 the last update, T1 one delay before it. */
      gint64 t4 = t->ref_time_ns > 0 ? t->ref_time_ns / 1000 : 0;
      gint64 delay = (gint64) llround (r->delay * 1e6);
      /* timesyncd's offset is the server's time minus ours; chronyc's is ours minus the
       * server's. */
      gint64 offset = (gint64) llround (-r->measured_offset * 1e6);
      gint64 t1 = t4 - delay;
      gint64 t2 = t1 + delay / 2 + offset;
      guint leap = t->leap_unsynchronized ? 3 : t->leap == NTP_LEAP_INSERT ? 1
                   : t->leap == NTP_LEAP_DELETE ? 2 : 0;

      mrd_fdo_timesync1_manager_set_server_name (self->skeleton, c->name);
      mrd_fdo_timesync1_manager_set_server_address (
        self->skeleton, address_variant (mrd_sync_get_source_address (self->sync, chosen)));
      mrd_fdo_timesync1_manager_set_poll_interval_min_usec (self->skeleton,
                                                            usec_of_log2 (c->minpoll));
      mrd_fdo_timesync1_manager_set_poll_interval_max_usec (self->skeleton,
                                                            usec_of_log2 (c->maxpoll));
      mrd_fdo_timesync1_manager_set_poll_interval_usec (self->skeleton, usec_of_log2 (r->poll));
      mrd_fdo_timesync1_manager_set_ntpmessage (
        self->skeleton,
        g_variant_new ("(uuuuitt@ayttttbtt)", leap, 4u, 4u, (guint32) r->stratum,
                       /* precision: the engine does not report the server's; the sample's
                        * error bound stands for it, as a power of two */
                       (gint32) (r->error_bound > 0 ? floor (log2 (r->error_bound)) : -20),
                       usec_of (t->root_delay), usec_of (t->root_dispersion),
                       g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, refid, 4, 1),
                       (guint64) MAX (t1, 0), (guint64) MAX (t2, 0), (guint64) MAX (t2, 0),
                       (guint64) MAX (t4, 0), FALSE, (guint64) r->samples,
                       usec_of (r->jitter)));
    }
}

static void
on_any (gpointer user_data, guint id)
{
  update (user_data);
}

static void
on_changed (gpointer user_data, MrdSyncChange what)
{
  update (user_data);
}

static const MrdSyncListener listener = {
  .source_added = on_any,
  .source_removed = on_any,
  .source_changed = on_any,
  .changed = on_changed,
};

MrdTimesync1 *
mrd_timesync1_new (MrdSync *sync)
{
  MrdTimesync1 *self = g_new0 (MrdTimesync1, 1);
  guint8 zero[4] = { 0 };

  self->sync = sync;
  /* NTPMessage and Frequency change with every update and are not announced: read from the
   * engine when asked. */
  self->skeleton = mrd_fresh_skeleton_new (MRD_FDO_TYPE_TIMESYNC1_MANAGER_SKELETON,
                                           (MrdFreshFunc) mrd_sync_refresh, sync);
  /* Valid values of every signature before the first update. */
  mrd_fdo_timesync1_manager_set_ntpmessage (
    self->skeleton,
    g_variant_new ("(uuuuitt@ayttttbtt)", 3u, 4u, 4u, 0u, 0, (guint64) 0, (guint64) 0,
                   g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zero, 4, 1), (guint64) 0,
                   (guint64) 0, (guint64) 0, (guint64) 0, FALSE, (guint64) 0, (guint64) 0));
  update (self);
  mrd_sync_add_listener (sync, &listener, self);
  return self;
}

gboolean
mrd_timesync1_export (MrdTimesync1 *self, GDBusConnection *connection, GError **error)
{
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection,
                                         MRD_TIMESYNC1_OBJECT_PATH, error))
    return FALSE;
  self->exported = TRUE;
  return TRUE;
}

void
mrd_timesync1_free (MrdTimesync1 *self)
{
  if (self == NULL)
    return;
  if (self->exported)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  mrd_sync_remove_listener (self->sync, self);
  g_object_unref (self->skeleton);
  g_free (self);
}
