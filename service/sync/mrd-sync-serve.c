/* mrd-sync-serve.c — see mrd-sync-serve.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "sync/mrd-sync-serve.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "net/mrd-io-error.h"
#include "net/mrd-net.h"
#include "ntp-packet.h"

struct _MrdSyncServe {
  MrdClock *clock;
  MrdSyncServeTrackingFunc tracking;
  GSourceFunc served;
  gpointer user_data;            /* of both callbacks */
  guint served_id;               /* the pending call of @served */
  NtpServe *serve;
  MrdNetServer *sockets[2];      /* IPv4, IPv6 */
  int precision;
  guint send_errors;
};

/* The least step between successive readings of the clock, as a power of two (chronyd's
 * precision: what a reading can tell, never finer than the time one takes). */
static int
measure_precision (MrdClock *clock)
{
  gint64 least = G_MAXINT64;
  guint i;

  for (i = 0; i < 100; i++)
    {
      gint64 a = mrd_clock_now_ns (clock), b;
      guint tries = 0;

      /* A simulated clock (clknetsim) may not move between two readings at all. */
      do
        b = mrd_clock_now_ns (clock);
      while (b == a && ++tries < 1000);
      if (b > a && b - a < least)
        least = b - a;
    }
  if (least == G_MAXINT64)
    return -20;
  return (int) floor (log2 ((double) least * 1e-9));
}

/* A client's address as the rules read it: IPv6, or IPv4 mapped. */
static void
address_bytes (const MrdNetAddress *from, guint8 out[16])
{
  memset (out, 0, 16);
  if (from->ss.ss_family == AF_INET)
    {
      const struct sockaddr_in *a = (const struct sockaddr_in *) &from->ss;

      out[10] = out[11] = 0xff;
      memcpy (out + 12, &a->sin_addr, 4);
    }
  else
    memcpy (out, &((const struct sockaddr_in6 *) &from->ss)->sin6_addr, 16);
}

static gboolean
tell_served (gpointer user_data)
{
  MrdSyncServe *self = user_data;

  self->served_id = 0;
  self->served (self->user_data);
  return G_SOURCE_REMOVE;
}

static void
on_request (gpointer user_data, const guint8 *data, gsize len, const MrdNetAddress *from,
            gint64 rx_real_ns)
{
  MrdSyncServe *self = user_data;
  NtpTracking tracking;
  NtpServeClock clock = { .tracking = &tracking, .precision = self->precision };
  NtpServeVerdict verdict;
  guint8 addr[16], reply[NTP_PACKET_HEADER_LEN];
  gsize reply_len;
  MrdNetServer *socket = self->sockets[from->ss.ss_family == AF_INET6];

  g_autoptr(GError) error = NULL;

  if (socket == NULL)
    return;
  if (self->served != NULL && self->served_id == 0)
    self->served_id = g_timeout_add_seconds (1, tell_served, self);
  address_bytes (from, addr);
  clock.rx_ns = mrd_clock_from_realtime_ns (self->clock, rx_real_ns);
  mrd_net_random_bytes (&clock.random, sizeof clock.random);
  self->tracking (self->user_data, &tracking);
  clock.tx_ns = mrd_clock_now_ns (self->clock);
  verdict = ntp_serve_respond (self->serve, &clock, addr, data, len, reply, sizeof reply,
                               &reply_len);
  if (verdict != NTP_SERVE_ANSWERED)
    {
      g_autofree char *who = mrd_net_address_to_string (from);

      g_debug ("NTP request from %s not answered: %s", who, ntp_serve_verdict_string (verdict));
      return;
    }
  if (!mrd_net_server_send (socket, reply, reply_len, from, &error) && self->send_errors++ < 10)
    g_message ("Could not answer an NTP client: %s", error->message);
}

void
mrd_sync_serve_open_sockets (const NtpConfig *config, int fds[2], GError *errors[2])
{
  const NtpServeConfig *cfg = &config->serve;
  const char *binds[2] = { cfg->bind_ipv4[0] ? cfg->bind_ipv4 : NULL,
                           cfg->bind_ipv6[0] ? cfg->bind_ipv6 : NULL };
  const int families[2] = { AF_INET, AF_INET6 };
  MrdNetSocketOptions options = { .dscp = config->dscp };

  g_strlcpy (options.device, cfg->bind_device, sizeof options.device);

  for (guint i = 0; i < 2; i++)
    {
      fds[i] = -1;
      /* With a bindaddress of one family only, chronyd serves that family alone. */
      if ((binds[0] != NULL || binds[1] != NULL) && binds[i] == NULL)
        continue;
      fds[i] = mrd_net_server_open (families[i], binds[i], (guint16) cfg->port, &options,
                                    &errors[i]);
    }
}

MrdSyncServe *
mrd_sync_serve_new (const NtpConfig *config, const int given[2], MrdClock *clock,
                    MrdSyncServeTrackingFunc tracking, GSourceFunc served, gpointer user_data,
                    GError **error)
{
  GError *errors[2] = { NULL, NULL };
  int fds[2] = { -1, -1 };
  const NtpServeConfig *cfg = &config->serve;
  MrdSyncServe *self;
  guint i;

  g_return_val_if_fail (cfg->port > 0 && cfg->port <= 65535, NULL);
  self = g_new0 (MrdSyncServe, 1);
  self->clock = clock;
  self->tracking = tracking;
  self->served = served;
  self->user_data = user_data;
  self->serve = ntp_serve_new (cfg);
  g_assert (self->serve != NULL);
  {
    guint8 key[NTP_SERVE_HASH_KEY_LEN];

    mrd_net_random_bytes (key, sizeof key);
    ntp_serve_set_hash_key (self->serve, key);
  }
  self->precision = measure_precision (clock);
  if (given != NULL && (given[0] >= 0 || given[1] >= 0))
    {
      for (i = 0; i < 2; i++)
        {
          int fd = given[i] >= 0 ? fcntl (given[i], F_DUPFD_CLOEXEC, 3) : -1;

          if (fd >= 0)
            self->sockets[i] = mrd_net_server_new_from_fd (fd, on_request, self);
          else if (given[i] >= 0)
            g_set_error (&errors[i], MRD_IO_ERROR, mrd_io_error_from_errno (errno),
                         "the socket handed over: %s", g_strerror (errno));
        }
    }
  else
    {
      mrd_sync_serve_open_sockets (config, fds, errors);
      for (i = 0; i < 2; i++)
        if (fds[i] >= 0)
          self->sockets[i] = mrd_net_server_new_from_fd (fds[i], on_request, self);
    }
  if (self->sockets[0] == NULL && self->sockets[1] == NULL)
    {
      GError *why = errors[0] != NULL ? errors[0] : errors[1];

      gboolean privileged = why != NULL && why->code == G_IO_ERROR_PERMISSION_DENIED
                            && cfg->port < 1024;

      g_set_error (error, MRD_IO_ERROR, why != NULL ? why->code : G_IO_ERROR_FAILED,
                   "cannot serve NTP on port %d: %s%s", cfg->port,
                   why != NULL ? why->message : "no address to bind",
                   privileged ? " (a port under 1024 needs CAP_NET_BIND_SERVICE: with the "
                                "systemd units, the drop-in meridian-engine-serve.conf)" : "");
      mrd_sync_serve_free (self);
      self = NULL;
    }
  for (i = 0; i < 2; i++)
    {
      if (self != NULL && errors[i] != NULL)
        g_message ("NTP server: no %s socket on port %d: %s", i == 0 ? "IPv4" : "IPv6",
                   cfg->port, errors[i]->message);
      g_clear_error (&errors[i]);
    }
  if (self == NULL)
    return NULL;
  g_info ("Serving NTP on port %d (precision 2^%d s)", cfg->port, self->precision);
  return self;
}

void
mrd_sync_serve_free (MrdSyncServe *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->served_id, g_source_remove);
  mrd_net_server_free (self->sockets[0]);
  mrd_net_server_free (self->sockets[1]);
  ntp_serve_free (self->serve);
  g_free (self);
}

void
mrd_sync_serve_get_counts (MrdSyncServe *self, NtpServeCounts *out)
{
  ntp_serve_get_counts (self->serve, out);
}

GVariant *
mrd_sync_serve_list_clients (MrdSyncServe *self)
{
  g_autofree NtpServeClient *list = g_new (NtpServeClient, NTP_SERVE_MAX_CLIENTS);
  int n = ntp_serve_list_clients (self->serve, mrd_clock_now_ns (self->clock), list,
                                  NTP_SERVE_MAX_CLIENTS);
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE (MRD_SYNC_SERVE_CLIENTS));
  for (int i = 0; i < n; i++)
    {
      static const guint8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
      char text[INET6_ADDRSTRLEN];
      const NtpServeClient *c = &list[i];

      if (memcmp (c->addr, v4_mapped, 12) == 0)
        inet_ntop (AF_INET, c->addr + 12, text, sizeof text);
      else
        inet_ntop (AF_INET6, c->addr, text, sizeof text);
      g_variant_builder_add (&b, "(sttddd)", text, (guint64) c->requests, (guint64) c->dropped,
                             c->interval, c->interval_answered, c->last_ago);
    }
  return g_variant_builder_end (&b);
}
