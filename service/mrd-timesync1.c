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

/* An NTP short (16.16 s) as timesyncd converts it (ntp_ts_short_to_usec: whole µs, rounded
 * down), so the figures read exactly as the server's packet under timesyncd. */
static guint64
usec_of_short (double seconds)
{
  guint32 v = seconds > 0 && isfinite (seconds) ? (guint32) MIN (llround (seconds * 65536.0),
                                                                 G_MAXUINT32) : 0;

  return (guint64) (v >> 16) * G_USEC_PER_SEC + ((guint64) (v & 0xffff) * G_USEC_PER_SEC) / 65536;
}

static guint64
usec_of_ns (gint64 ns)
{
  return ns > 0 ? (guint64) (ns / 1000) : 0;
}

/* timesyncd's NTPMessage: the last reply of the server in use as it came on the wire (leap,
 * version, mode, stratum, precision, root delay and dispersion, reference ID), the exchange's
 * four times (T1 our transmit, T2 and T3 the server's receive and transmit, T4 our receive,
 * from which timedatectl computes the offset, server minus us, and the delay), whether it was
 * a spike, the replies received, and the jitter. Before any reply, zeros and a packet count of
 * 0, which timedatectl prints alone, as with timesyncd. The reference ID goes as the reply
 * carried it; timedatectl prints it as four characters for stratum 0 and 1 (chronyd's
 * "local" 7F7F0101 is not printable, so the line looks empty there, as with timesyncd) and
 * in hex above. */
static GVariant *
ntp_message (const NtpSourceReport *r)
{
  const NtpReplyInfo *m = r != NULL ? &r->reply : NULL;
  guint8 refid[4];

  if (r == NULL || r->replies == 0 || m->t4_ns == 0)
    {
      static const guint8 zero[4] = { 0 };

      return g_variant_new ("(uuuuitt@ayttttbtt)", 0u, 0u, 0u, 0u, 0, (guint64) 0, (guint64) 0,
                            g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zero, 4, 1),
                            (guint64) 0, (guint64) 0, (guint64) 0, (guint64) 0, FALSE,
                            (guint64) 0, (guint64) 0);
    }
  refid[0] = m->refid >> 24;
  refid[1] = m->refid >> 16;
  refid[2] = m->refid >> 8;
  refid[3] = m->refid;
  return g_variant_new ("(uuuuitt@ayttttbtt)", (guint32) m->leap, (guint32) m->version,
                        (guint32) m->mode, (guint32) m->stratum, (gint32) m->precision,
                        usec_of_short (m->root_delay), usec_of_short (m->root_dispersion),
                        g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, refid, 4, 1),
                        usec_of_ns (m->t1_ns), usec_of_ns (m->t2_ns), usec_of_ns (m->t3_ns),
                        usec_of_ns (m->t4_ns), FALSE, (guint64) r->replies,
                        usec_of (r->jitter));
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
      mrd_fdo_timesync1_manager_set_ntpmessage (self->skeleton, ntp_message (NULL));
    }
  else
    {
      const NtpSourceConfig *c = mrd_sync_get_source_config (self->sync, chosen);
      const NtpSourceReport *r = mrd_sync_get_source_report (self->sync, chosen);

      mrd_fdo_timesync1_manager_set_server_name (self->skeleton, c->name);
      mrd_fdo_timesync1_manager_set_server_address (
        self->skeleton, address_variant (mrd_sync_get_source_address (self->sync, chosen)));
      mrd_fdo_timesync1_manager_set_poll_interval_min_usec (self->skeleton,
                                                            usec_of_log2 (c->minpoll));
      mrd_fdo_timesync1_manager_set_poll_interval_max_usec (self->skeleton,
                                                            usec_of_log2 (c->maxpoll));
      mrd_fdo_timesync1_manager_set_poll_interval_usec (self->skeleton, usec_of_log2 (r->poll));
      mrd_fdo_timesync1_manager_set_ntpmessage (self->skeleton, ntp_message (r));
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

  self->sync = sync;
  /* NTPMessage and Frequency change with every update and are not announced: read from the
   * engine when asked. */
  self->skeleton = mrd_fresh_skeleton_new (MRD_FDO_TYPE_TIMESYNC1_MANAGER_SKELETON,
                                           (MrdFreshFunc) mrd_sync_refresh, sync);
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
