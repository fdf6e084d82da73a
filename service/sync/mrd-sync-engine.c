/* mrd-sync-engine.c — see mrd-sync-engine.h.
 *
 * The NtpEnv the core runs in: now() and the clock changes go to the MrdClock; send() to
 * one MrdNetSocket per polled address; the core's single deadline to one timerfd on
 * CLOCK_MONOTONIC (ns resolution: the end of a slew at up to 10 % is a timer, and a timer
 * late by GLib's millisecond rounding would leave up to 100 µs behind it).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1

#include "mrd-sync-engine.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/timerfd.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "mrd-state.h"
#include "net/mrd-backoff.h"
#include "net/mrd-io-error.h"
#include "net/mrd-net.h"
#include "net/mrd-nts-module.h"
#include "sync/mrd-mac-module.h"
#include "sync/mrd-sync-serve.h"

#define NS_PER_SEC G_GINT64_CONSTANT (1000000000)
/* A source is given up on and its name resolved again after this many requests without a
 * reply: the whole 8-bit reach register (RFC 5905 §9.2), as chronyd replaces a source. */
#define UNANSWERED_BEFORE_RESOLVE 8
/* Resolving again: first retry after this long (ms), doubling to the maximum; a failing pool
 * member's name is asked again at most every 8 x the first retry, doubling likewise
 * (mrd_sync_engine_set_resolve_backoff changes the two ends). */
#define RESOLVE_RETRY_MIN_MS 8000
#define RESOLVE_RETRY_MAX_MS 3600000
/* The drift file is rewritten at most this often while running (s), as chronyd does
 * (reference.c: once an hour), and always at stop. */
#define DRIFT_WRITE_INTERVAL G_GINT64_CONSTANT (3600)

/* chronyd's default maxdrift (chrony.conf(5)): the largest frequency error it assumes a clock
 * can have. */
#define MAX_PLAUSIBLE_DRIFT_PPM 500.0

typedef struct _SyncSpec SyncSpec;

typedef struct {
  MrdSyncEngine *engine;
  SyncSpec *spec;
  guint id;
  int core;                      /* index in the core, -1 while stopped */
  MrdNetAddress *address;
  char *address_str;
  char *host;                    /* the address alone, as chronyc names a reference */
  guint32 refid;                 /* as chronyd names this source as its reference */
  MrdNetSocket *socket;
  guint unanswered;
  gboolean offline;              /* chronyc offline (kept across stop and start) */
  MrdNtske *ntske;               /* the NTS-KE exchange in flight (nts sources) */
  guint32 nts_serial;            /* ntp_engine_nts_jar_serial when last dumped */
  /* NTS: where the key exchange goes (the address the line's name gave; its port is set to
   * ntsport at use) and its text; @address is the NTP server's, which the NTS-KE server may
   * name otherwise (RFC 8915 §4.1.7-8, on_ntske_done). */
  MrdNetAddress *ke_address;
  char *ke_address_str;
  MrdNetResolve *ntp_resolving;  /* a negotiated NTP server's name being looked up */
  NtsKeResponse *ke_response;    /* ... and the exchange that named it, with its keys */
  guint8 ke_c2s[NTS_KEY_LEN], ke_s2c[NTS_KEY_LEN];
} SyncSource;

struct _SyncSpec {
  MrdSyncEngine *engine;
  guint line_id;
  char *line;
  NtpSourceConfig sc;
  gboolean numeric;
  guint max_members;
  MrdNetResolve *resolving;
  guint retry_id;
  MrdBackoff retry;              /* ms: lookups that failed or gave no usable address */
  gint64 next_resolve_mono;      /* µs: no re-resolution for failing members before */
  MrdBackoff refresh;            /* ms: between re-resolutions for failing members */
  gboolean peer_said;
  gboolean refreshing;           /* mrd_sync_engine_refresh: the next answer also replaces
                                  * the members it no longer lists */
  gboolean offline;              /* the connectivity an address resolved later starts with:
                                  * the `offline` option, then the last command naming the line */
};

struct _MrdSyncEngine {
  MrdClock *clock;
  MrdKeys *keys;                 /* the keys the sources name, nothing more */
  /* The certificates NTS-KE servers are checked against: as given (PEM GBytes and their
   * sets), made into the TLS module's trust for the key exchanges, and dropped with the
   * module when none is running (mrd-nts-module.h, nts_release). */
  GPtrArray *nts_pems;
  GArray *nts_pem_sets;
  gboolean nts_system_certs;
  MrdNtsTrust *nts_trust;
  const MrdNtsModule *nts;       /* the TLS module; NULL while unloaded */
  guint nts_release_id;          /* idle: unload it once no key exchange runs */
  const MrdNtsAeadModule *nts_aead;
  const MrdMacModule *mac_module;   /* meridian-mac.so, loaded for the first key needing it */
  GHashTable *nts_dumps;         /* dump name -> its text (ntsdumpdir, mrd_sync_engine_take_nts_dump) */
  MrdSyncEngineNtsDumpFunc nts_dump_func;
  gpointer nts_dump_data;
  MrdSyncEngineStatlogFunc statlog_func;
  gpointer statlog_data;
  NtpConfig core_cfg;
  char *driftfile;
  gboolean rtcsync;
  NtpEngine *core;
  MrdSyncServe *serve;           /* answering clients (`allow`); NULL = no one */
  int serve_fds[2];              /* server sockets handed over (IPv4, IPv6); -1 = none */
  NtpServeCounts served_before;  /* the counts of the servers of earlier starts */
  gboolean running;
  int timer_fd;
  guint timer_watch;
  gint64 deadline;               /* the core's, local clock ns; G_MAXINT64 = none */
  guint64 timer_wakeups;         /* times the timer fired (mrd_sync_engine_get_timer_wakeups) */
  GPtrArray *specs;              /* SyncSpec, in configuration order */
  GPtrArray *sources;            /* SyncSource, in order of creation */
  SyncSource *by_core[NTP_MAX_SOURCES];
  guint next_id;
  guint next_line_id;
  MrdSyncEngineUpdatedFunc updated;
  gpointer updated_data;
  /* Set by the env callbacks while the core runs; acted on when it returns. */
  gboolean clock_changed;
  /* The system clock only: CLOCK_REALTIME - CLOCK_BOOTTIME as the engine last left it, and
   * the width of the reads that measured it (check_external_step). */
  gboolean watch_steps;
  gint64 wall_ns, wall_uncertainty_ns;
  /* The reference at the last clock update, named by its address as chronyd names it (the
   * core hashes whatever name it was given, here "address:port"). */
  guint32 ref_refid;
  char ref_host[64];
  /* Each core slot's state, reach and stratum as last announced (CHANGED_STATES). */
  guint32 states_seen[NTP_MAX_SOURCES];
  gint64 drift_written_mono;     /* µs; 0 = never */
  gboolean had_update;
  gboolean synchronized;        /* the core's tracking as last announced */
  guint clock_updates;           /* since start (nocerttimecheck counts them) */
  gboolean have_initial_drift;   /* set by mrd_sync_engine_set_initial_drift (no file) */
  double initial_freq_ppm, initial_skew_ppm;
  guint send_errors;
  gint64 last_send_error_log;
  guint64 tx_kernel, tx_fallback;
  guint retry_min_ms, retry_max_ms;   /* replies whose t1 was the kernel's / read before send */
};

static void spec_resolve (SyncSpec *spec);
static void nts_dump_restore (SyncSource *src);
static void nts_dump_changed (MrdSyncEngine *self);
static void nts_dump_spec (MrdSyncEngine *self, SyncSpec *spec, gboolean changed);
static void timer_program (MrdSyncEngine *self);
static gboolean now_mono_ok (SyncSpec *spec);

/* ---- logging -------------------------------------------------------------------------- */

static void
env_log (void *ud, int level, const char *msg)
{
  switch (level)
    {
    case NTP_LOG_ERROR:
      g_warning ("%s", msg);
      break;
    case NTP_LOG_WARNING:
      g_message ("%s", msg);
      break;
    case NTP_LOG_INFO:
      g_info ("%s", msg);
      break;
    default:
      g_debug ("%s", msg);
      break;
    }
}

static void
env_statlog (void *ud, int kind, const char *line)
{
  MrdSyncEngine *self = ud;

  if (self->statlog_func != NULL && kind >= 0)
    self->statlog_func (self, (guint) kind, line, self->statlog_data);
}

void
mrd_sync_engine_set_statlog_func (MrdSyncEngine *self, MrdSyncEngineStatlogFunc func,
                                  gpointer user_data)
{
  self->statlog_func = func;
  self->statlog_data = user_data;
}

/* ---- the clock ------------------------------------------------------------------------ */

static int64_t
env_now (void *ud)
{
  MrdSyncEngine *self = ud;

  return mrd_clock_now_ns (self->clock);
}

static void
env_set_freq (void *ud, double freq_ppm)
{
  MrdSyncEngine *self = ud;
  g_autoptr(GError) error = NULL;

  if (!mrd_clock_set_freq (self->clock, freq_ppm, &error))
    g_warning ("Cannot set the clock frequency to %.3f ppm: %s", freq_ppm, error->message);
  /* The clock's rate against CLOCK_MONOTONIC changed: the armed deadline is that much nearer
   * or further on the timer. */
  timer_program (self);
}

static void
env_set_freq_until (void *ud, double freq_ppm, int64_t until_ns, double then_ppm)
{
  MrdSyncEngine *self = ud;
  g_autoptr(GError) error = NULL;

  if (!mrd_clock_set_freq_until (self->clock, freq_ppm, until_ns, then_ppm, &error))
    g_warning ("Cannot slew the clock at %.3f ppm: %s", freq_ppm, error->message);
  /* The rate changed now and will again at until_ns: the armed deadline moves on the timer
   * (mrd_clock_monotonic_at follows the plan). */
  timer_program (self);
}

static double
env_decay_offset (void *ud, double offset_s, double min_tau_s, double max_tau_s)
{
  MrdSyncEngine *self = ud;
  g_autoptr(GError) error = NULL;
  double tau = mrd_clock_decay_offset (self->clock, offset_s, min_tau_s, max_tau_s, &error);

  if (error != NULL)
    g_warning ("Cannot slew the clock by %.9f s: %s", -offset_s, error->message);
  return tau;
}

static void
env_step (void *ud, double offset_s)
{
  MrdSyncEngine *self = ud;
  g_autoptr(GError) error = NULL;

  /* offset_s positive = the clock is ahead: it goes back. */
  if (!mrd_clock_step (self->clock, -offset_s, &error))
    {
      g_warning ("Cannot step the clock by %+.9f s: %s", -offset_s, error->message);
      return;
    }
  /* Our own step: the new distance from CLOCK_BOOTTIME is the one to compare with. */
  self->wall_ns = mrd_clock_realtime_minus_boottime (&self->wall_uncertainty_ns);
  /* The core logs the step itself; this is the structured record of it. */
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                    "MESSAGE", "Clock stepped by %+.9f s", -offset_s,
                    "MERIDIAN_STEP_S", "%.9f", -offset_s);
  self->clock_changed = TRUE;
}

static void
env_set_tai (void *ud, int tai_offset_s)
{
  MrdSyncEngine *self = ud;
  g_autoptr(GError) error = NULL;

  /* a new core (NTP off and on again) says it once more; the clock outlives it */
  if (mrd_clock_get_tai (self->clock) == tai_offset_s)
    return;
  if (!mrd_clock_set_tai (self->clock, tai_offset_s, &error))
    g_warning ("Cannot set the TAI offset: %s", error->message);
  else
    g_message ("TAI offset set to %d seconds", tai_offset_s);
}

static void
env_set_leap (void *ud, NtpLeap leap)
{
  MrdSyncEngine *self = ud;
  g_autoptr(GError) error = NULL;

  if (mrd_clock_get_leap (self->clock) == (int) leap)
    return;
  if (!mrd_clock_set_leap (self->clock, (int) leap, &error))
    g_warning ("Cannot arm the leap second: %s", error->message);
  else if (leap != NTP_LEAP_NONE)
    g_message ("Leap second will be %s at the end of the UTC day",
               leap == NTP_LEAP_INSERT ? "inserted" : "deleted");
}

/* ---- the timer ------------------------------------------------------------------------ */

static void
timer_program (MrdSyncEngine *self)
{
  struct itimerspec its = { 0 };

  if (self->timer_fd < 0)
    return;
  if (self->deadline != G_MAXINT64)
    {
      struct timespec mono;
      gint64 at, now_mono;

      /* The deadline is on the local clock; the timer runs on CLOCK_MONOTONIC, which the
       * clock outruns by its rate (a slew of the virtual clock runs it up to 10 % fast: a
       * 5 s slew timed on CLOCK_MONOTONIC alone would end 0.5 s late and overshoot by 50 ms),
       * a rate that a slew the clock ends itself changes on the way. A timer that still fires
       * early is programmed again for the rest (on_timer). */
      at = mrd_clock_monotonic_at (self->clock, self->deadline);
      clock_gettime (CLOCK_MONOTONIC, &mono);
      now_mono = (gint64) mono.tv_sec * NS_PER_SEC + mono.tv_nsec;
      if (at < now_mono + 1000)
        at = now_mono + 1000;
      its.it_value.tv_sec = at / NS_PER_SEC;
      its.it_value.tv_nsec = at % NS_PER_SEC;
    }
  if (timerfd_settime (self->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
    g_warning ("timerfd_settime: %s", g_strerror (errno));
}

static void
env_arm_timer (void *ud, int64_t deadline_ns)
{
  MrdSyncEngine *self = ud;

  self->deadline = deadline_ns;
  timer_program (self);
}

/* ---- after the core ran --------------------------------------------------------------- */

static void
update_sync_status (MrdSyncEngine *self, const NtpTracking *t)
{
  g_autoptr(GError) error = NULL;
  /* chronyd's reference.c update_sync_status(): the estimated error is the offset's
   * uncertainty, the maximum error the root distance. */
  double est = t->rms_offset;
  double max = t->root_delay / 2.0 + t->root_dispersion;

  if (!mrd_clock_set_sync_status (self->clock, t->synchronized, est, max, self->rtcsync, &error))
    g_debug ("Cannot set the kernel's synchronization status: %s", error->message);
}

static void
emit (MrdSyncEngine *self, MrdSyncEngineChanged what)
{
  if (self->updated != NULL)
    self->updated (self, what, self->updated_data);
}

/* What CHANGED_STATES compares: state, reach and stratum of each core slot (0 = empty). The
 * reach register shifts in a 0 as each request goes out and turns it to 1 when the reply
 * comes, so the newest bit says only "a request is out": it is left out, and a steady 377 is
 * no change twice a poll. A lost reply shows when the next request goes out. */
static gboolean
states_changed (MrdSyncEngine *self)
{
  gboolean changed = FALSE;
  guint i;

  for (i = 0; i < NTP_MAX_SOURCES; i++)
    {
      NtpSourceReport r;
      guint32 key = 0;

      if (self->by_core[i] != NULL && ntp_engine_get_source (self->core, i, &r))
        key = 1u << 31 | (guint32) r.offline << 30 | (guint32) (r.state & 0x7f) << 16 | (guint32) (r.reach >> 1) << 8 |
              (guint32) (r.stratum & 0xff);
      changed |= key != self->states_seen[i];
      self->states_seen[i] = key;
    }
  return changed;
}

/* Run after every call into the core: one "updated" per clock update, else one when the
 * sources' states changed. */
static void
after_core (MrdSyncEngine *self, gint64 ref_time_before)
{
  NtpTracking t;
  gboolean states;

  if (self->core == NULL)
    return;
  nts_dump_changed (self);
  ntp_engine_get_tracking (self->core, &t);
  states = states_changed (self);
  if (t.ref_time_ns == ref_time_before && !self->clock_changed)
    {
      /* No clock update, but the core may have stopped calling the clock synchronized (its
       * sources went silent, or turned out falsetickers): the kernel and the listeners
       * (NTPSynchronized) hear it now, not at the next update, which may never come. */
      if (t.synchronized != self->synchronized)
        {
          self->synchronized = t.synchronized;
          update_sync_status (self, &t);
          emit (self, MRD_SYNC_ENGINE_CHANGED_TRACKING |
                      (states ? MRD_SYNC_ENGINE_CHANGED_STATES : 0));
        }
      else if (states)
        emit (self, MRD_SYNC_ENGINE_CHANGED_STATES);
      return;
    }
  self->synchronized = t.synchronized;
  self->clock_changed = FALSE;
  self->had_update = TRUE;
  if (self->clock_updates < G_MAXUINT)
    self->clock_updates++;
  if (t.synchronized && t.ref_source >= 0 && t.ref_source < NTP_MAX_SOURCES &&
      self->by_core[t.ref_source] != NULL)
    {
      SyncSource *ref = self->by_core[t.ref_source];

      self->ref_refid = ref->refid;
      g_strlcpy (self->ref_host, ref->host, sizeof self->ref_host);
    }
  update_sync_status (self, &t);
  if (self->driftfile != NULL &&
      g_get_monotonic_time () - self->drift_written_mono >= DRIFT_WRITE_INTERVAL * G_USEC_PER_SEC)
    {
      g_autoptr(GError) error = NULL;

      if (!mrd_sync_engine_write_drift (self, &error))
        g_warning ("%s", error->message);
    }
  emit (self, MRD_SYNC_ENGINE_CHANGED_TRACKING | (states ? MRD_SYNC_ENGINE_CHANGED_STATES : 0));
}

static gint64
ref_time (MrdSyncEngine *self)
{
  NtpTracking t;

  if (self->core == NULL)
    return 0;
  ntp_engine_get_tracking (self->core, &t);
  return t.ref_time_ns;
}

/* Before the core runs: a step of the system clock that the engine did not make (`date -s`,
 * settimeofday, another daemon, a hypervisor's agent) moved CLOCK_REALTIME against
 * CLOCK_BOOTTIME, which only steps move (mrd_clock_realtime_minus_boottime). The core gets
 * it exactly (ntp_engine_clock_stepped), so its stored times follow the clock: without this
 * a step back held polling until the clock read the old deadline again, and the next update
 * saw the whole step as a measured offset. The reads' own widths bound their error; below a
 * microsecond a step changes nothing the clock's readings can tell. A leap second the kernel
 * applied (armed by the core: the clock read one second twice, or skipped one) is none. */
static void
check_external_step (MrdSyncEngine *self)
{
  gint64 uncertainty, wall, diff, tolerance, before;
  int leap;

  if (!self->watch_steps || self->core == NULL)
    return;
  wall = mrd_clock_realtime_minus_boottime (&uncertainty);
  diff = wall - self->wall_ns;
  tolerance = uncertainty + self->wall_uncertainty_ns + 1000;
  if (diff <= tolerance && diff >= -tolerance)
    return;
  self->wall_ns = wall;
  self->wall_uncertainty_ns = uncertainty;
  leap = mrd_clock_get_leap (self->clock);
  if (leap != 0 && llabs (diff - mrd_clock_leap_shift (leap)) <= tolerance)
    return;
  before = ref_time (self);
  ntp_engine_clock_stepped (self->core, (double) diff * 1e-9);
  self->clock_changed = TRUE;
  after_core (self, before);
}

static gboolean
on_timer (int fd, GIOCondition condition, gpointer user_data)
{
  MrdSyncEngine *self = user_data;
  guint64 expirations;
  gint64 before;

  if (read (fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
    g_debug ("timerfd read: %s", g_strerror (errno));
  self->timer_wakeups++;
  if (self->core == NULL)
    return G_SOURCE_CONTINUE;
  check_external_step (self);
  if (self->deadline != G_MAXINT64 && mrd_clock_now_ns (self->clock) < self->deadline)
    {
      timer_program (self);   /* the local clock runs slower than CLOCK_MONOTONIC */
      return G_SOURCE_CONTINUE;
    }
  before = ref_time (self);
  ntp_engine_timer (self->core);
  after_core (self, before);
  return G_SOURCE_CONTINUE;
}

/* ---- sources -------------------------------------------------------------------------- */

static void
on_receive (gpointer user_data, const guint8 *data, gsize len, gint64 rx_real_ns)
{
  SyncSource *src = user_data;
  MrdSyncEngine *self = src->engine;
  const MrdNetAddress *local;
  gint64 before;

  if (self->core == NULL || src->core < 0)
    return;
  check_external_step (self);
  src->unanswered = 0;
  before = ref_time (self);
  /* t1: the kernel's transmit timestamp (the error queue is read before the replies), else
   * the core keeps the time it read just before send(2). */
  if (mrd_net_socket_get_tx_time (src->socket) != 0)
    {
      ntp_engine_tx_timestamp (self->core, (unsigned) src->core,
                               mrd_clock_from_realtime_ns (self->clock,
                                                           mrd_net_socket_get_tx_time (src->socket)));
      self->tx_kernel++;
    }
  else
    self->tx_fallback++;
  /* the address this source sees us by, for the core's loop test (a server synchronized to
   * it names it as its reference) */
  local = mrd_net_socket_get_local_address (src->socket);
  ntp_engine_set_local_refid (self->core, (unsigned) src->core,
                              local != NULL ? mrd_net_address_refid (local) : 0);
  ntp_engine_receive (self->core, (unsigned) src->core,
                      mrd_clock_from_realtime_ns (self->clock, rx_real_ns), data, len);
  after_core (self, before);
}

static void
env_send (void *ud, unsigned index, const uint8_t *pkt, size_t len)
{
  MrdSyncEngine *self = ud;
  SyncSource *src = index < NTP_MAX_SOURCES ? self->by_core[index] : NULL;
  g_autoptr(GError) error = NULL;

  if (src == NULL)
    return;
  if (!mrd_net_socket_send (src->socket, pkt, len, &error))
    {
      gint64 now = g_get_monotonic_time ();

      /* No route (chronyd's auto_offline counts the same errors): a source with auto_offline
       * goes offline, until an online or onoffline command brings it back. */
      if ((g_error_matches (error, MRD_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
           g_error_matches (error, MRD_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
           g_error_matches (error, MRD_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED)) &&
          ntp_engine_send_failed (self->core, index))
        {
          src->offline = TRUE;
          g_message ("Source %s offline: %s (auto_offline)", src->address_str, error->message);
          return;
        }

      /* A network that is down fails every send: say so once a minute, not every poll. */
      self->send_errors++;
      if (now - self->last_send_error_log >= 60 * G_USEC_PER_SEC)
        {
          g_message ("Cannot send to %s: %s (%u failures)", src->address_str, error->message,
                     self->send_errors);
          self->last_send_error_log = now;
          self->send_errors = 0;
        }
    }
  if (++src->unanswered >= UNANSWERED_BEFORE_RESOLVE && !src->spec->numeric &&
      src->spec->resolving == NULL && now_mono_ok (src->spec))
    {
      SyncSpec *spec = src->spec;

      /* The name may point elsewhere now (a pool rotates its addresses, a server moved).
       * If it does not, the member keeps failing: ask again only after a back-off that
       * doubles up to an hour, so a dead server does not turn into a DNS flood. */
      g_message ("%s (%s) has not answered %u requests, resolving %s again",
                 src->address_str, spec->sc.name, src->unanswered, spec->sc.name);
      spec->next_resolve_mono = g_get_monotonic_time ()
                                + (gint64) mrd_backoff_next (&spec->refresh) * 1000;
      spec_resolve (spec);
    }
}

static gboolean
now_mono_ok (SyncSpec *spec)
{
  return g_get_monotonic_time () >= spec->next_resolve_mono;
}

static void
source_attach_core (SyncSource *src)
{
  MrdSyncEngine *self = src->engine;
  NtpSourceConfig sc = src->spec->sc;
  int index;

  if (self->core == NULL || src->core >= 0)
    return;
  /* The core names the source by the address it polls (its logs and reference id). */
  g_strlcpy (sc.name, src->address_str, sizeof sc.name);
  sc.offline = src->offline;
  index = ntp_engine_add_source (self->core, &sc);
  if (index < 0)
    {
      g_warning ("Too many sources (%d at most), %s not added", NTP_MAX_SOURCES,
                 src->address_str);
      return;
    }
  src->core = index;
  self->by_core[index] = src;
  if (sc.nts)
    nts_dump_restore (src);
  {
    g_autoptr(GError) error = NULL;

    if (!mrd_net_socket_prepare (src->socket, &error))
      g_debug ("%s: %s", src->address_str, error->message);
  }
}

/* A negotiated server's lookup abandoned, with the keys it held. */
static void
source_drop_negotiation (SyncSource *src)
{
  if (src->ntp_resolving != NULL)
    mrd_net_resolve_cancel (g_steal_pointer (&src->ntp_resolving));
  if (src->ke_response != NULL)
    {
      memset (src->ke_response, 0, sizeof *src->ke_response);
      g_clear_pointer (&src->ke_response, g_free);
    }
  memset (src->ke_c2s, 0, sizeof src->ke_c2s);
  memset (src->ke_s2c, 0, sizeof src->ke_s2c);
}

/* A client socket for @src's server, made as the configuration says (bindacqaddress,
 * bindacqdevice, dscp). */
static MrdNetSocketOptions
acquisition_options (const NtpConfig *cfg)
{
  MrdNetSocketOptions options = { .dscp = cfg->dscp };

  g_strlcpy (options.device, cfg->bind_acq_device, sizeof options.device);
  g_strlcpy (options.source_ipv4, cfg->bind_acq_ipv4, sizeof options.source_ipv4);
  g_strlcpy (options.source_ipv6, cfg->bind_acq_ipv6, sizeof options.source_ipv6);
  return options;
}

static MrdNetSocket *
source_socket_new (SyncSource *src, const MrdNetAddress *address)
{
  MrdNetSocket *socket = mrd_net_socket_new (address, on_receive, src);
  MrdNetSocketOptions options = acquisition_options (&src->engine->core_cfg);

  mrd_net_socket_set_options (socket, &options);
  return socket;
}

/* The NTP server a source polls, changed by an NTS-KE's negotiation (or a dump of one): a new
 * socket for the new address; the NTS-KE server stays the one its line names. */
static void
source_set_ntp_address (SyncSource *src, const MrdNetAddress *address)
{
  if (mrd_net_address_equal (src->address, address))
    return;
  mrd_net_socket_free (src->socket);
  mrd_net_address_free (src->address);
  g_free (src->address_str);
  g_free (src->host);
  src->address = mrd_net_address_copy (address);
  src->address_str = mrd_net_address_to_string (address);
  src->host = mrd_net_address_host_to_string (address);
  src->refid = mrd_net_address_refid (address);
  src->socket = source_socket_new (src, src->address);
  if (src->core >= 0)
    {
      g_autoptr(GError) error = NULL;

      if (!mrd_net_socket_prepare (src->socket, &error))
        g_debug ("%s: %s", src->address_str, error->message);
    }
  emit (src->engine, MRD_SYNC_ENGINE_CHANGED_SOURCES);
}

static void nts_release_later (MrdSyncEngine *self);

static void
source_detach_core (SyncSource *src)
{
  MrdSyncEngine *self = src->engine;

  if (src->core < 0)
    return;
  if (self->core != NULL)
    ntp_engine_remove_source (self->core, (unsigned) src->core);
  self->by_core[src->core] = NULL;
  src->core = -1;
  if (src->ntske != NULL)
    {
      self->nts->ntske_cancel (g_steal_pointer (&src->ntske));
      nts_release_later (self);
    }
  source_drop_negotiation (src);
  src->unanswered = 0;
  mrd_net_socket_close (src->socket);
}

static void
source_free (SyncSource *src)
{
  source_detach_core (src);
  mrd_net_socket_free (src->socket);
  g_clear_pointer (&src->address, mrd_net_address_free);
  g_clear_pointer (&src->ke_address, mrd_net_address_free);
  g_free (src->ke_address_str);
  g_free (src->address_str);
  g_free (src->host);
  g_free (src);
}

static SyncSource *
source_new (SyncSpec *spec, const MrdNetAddress *address)
{
  SyncSource *src = g_new0 (SyncSource, 1);

  src->engine = spec->engine;
  src->spec = spec;
  src->id = ++spec->engine->next_id;
  src->core = -1;
  src->address = mrd_net_address_copy (address);
  src->ke_address = mrd_net_address_copy (address);
  src->ke_address_str = mrd_net_address_to_string (address);
  src->address_str = mrd_net_address_to_string (address);
  src->host = mrd_net_address_host_to_string (address);
  src->refid = mrd_net_address_refid (address);
  src->socket = source_socket_new (src, address);
  src->offline = spec->offline;
  return src;
}

static guint
spec_count_members (SyncSpec *spec)
{
  MrdSyncEngine *self = spec->engine;
  guint i, n = 0;

  for (i = 0; i < self->sources->len; i++)
    if (((SyncSource *) self->sources->pdata[i])->spec == spec)
      n++;
  return n;
}

static gboolean
address_in_use (MrdSyncEngine *self, const MrdNetAddress *address)
{
  guint i;

  for (i = 0; i < self->sources->len; i++)
    if (mrd_net_address_equal (((SyncSource *) self->sources->pdata[i])->address, address) ||
        mrd_net_address_equal (((SyncSource *) self->sources->pdata[i])->ke_address, address))
      return TRUE;
  return FALSE;
}

static gboolean
on_retry (gpointer user_data)
{
  SyncSpec *spec = user_data;

  spec->retry_id = 0;
  spec_resolve (spec);
  return G_SOURCE_REMOVE;
}

static void
spec_schedule_retry (SyncSpec *spec)
{
  guint delay_ms;

  if (spec->retry_id != 0)
    return;
  delay_ms = mrd_backoff_next (&spec->retry);
  /* Whole seconds go through g_timeout_add_seconds, which GLib batches with other wake-ups. */
  spec->retry_id = delay_ms % 1000 == 0
                   ? g_timeout_add_seconds (delay_ms / 1000, on_retry, spec)
                   : g_timeout_add (delay_ms, on_retry, spec);
  g_debug ("Resolving %s again in %u ms", spec->sc.name, delay_ms);
}

/* Whether the member's address (or its NTS-KE server's) is among @addresses. */
static gboolean
member_listed (const SyncSource *src, GPtrArray *addresses)
{
  for (guint j = 0; j < addresses->len; j++)
    if (mrd_net_address_equal (src->address, addresses->pdata[j]) ||
        mrd_net_address_equal (src->ke_address, addresses->pdata[j]))
      return TRUE;
  return FALSE;
}

static void
apply_addresses (SyncSpec *spec, GPtrArray *addresses, const GError *error)
{
  MrdSyncEngine *self = spec->engine;
  g_autoptr(GPtrArray) failed = NULL;
  gboolean changed = FALSE;
  gboolean refreshing = spec->refreshing;
  guint i;

  spec->refreshing = FALSE;
  if (addresses == NULL)
    {
      g_message ("Cannot resolve %s: %s, trying again later", spec->sc.name, error->message);
      spec_schedule_retry (spec);
      return;
    }

  /* Members that have not answered a whole reach register make room for addresses not
   * tried yet, and so, after a refresh, do those the name no longer lists (chronyc
   * refresh); the failed ones are not taken again from this answer. */
  failed = g_ptr_array_new_with_free_func (g_free);
  for (i = 0; i < self->sources->len;)
    {
      SyncSource *src = self->sources->pdata[i];
      gboolean replace = FALSE;
      guint j;

      if (src->spec == spec && (src->unanswered >= UNANSWERED_BEFORE_RESOLVE
                                || (refreshing && !member_listed (src, addresses))))
        {
          for (j = 0; j < addresses->len && !replace; j++)
            replace = !address_in_use (self, addresses->pdata[j]);
        }
      if (replace)
        {
          g_message (src->unanswered >= UNANSWERED_BEFORE_RESOLVE
                     ? "%s (%s) unreachable, replacing it"
                     : "%s (%s) no longer listed, replacing it", src->address_str, spec->sc.name);
          g_ptr_array_add (failed, mrd_net_address_copy (src->address));
          g_ptr_array_remove_index (self->sources, i);
          changed = TRUE;
          continue;
        }
      i++;
    }

  for (i = 0; i < addresses->len && spec_count_members (spec) < spec->max_members; i++)
    {
      SyncSource *src;
      gboolean was_failed = FALSE;
      guint j;

      for (j = 0; j < failed->len && !was_failed; j++)
        was_failed = mrd_net_address_equal (failed->pdata[j], addresses->pdata[i]);
      if (was_failed || address_in_use (self, addresses->pdata[i]))
        continue;
      src = source_new (spec, addresses->pdata[i]);
      g_ptr_array_add (self->sources, src);
      if (self->running)
        source_attach_core (src);
      if (!spec->numeric)
        g_message ("%s: polling %s", spec->sc.name, src->address_str);
      changed = TRUE;
    }

  if (spec_count_members (spec) == 0)
    spec_schedule_retry (spec);
  else
    mrd_backoff_reset (&spec->retry);
  if (changed)
    emit (self, MRD_SYNC_ENGINE_CHANGED_SOURCES);
}

static void
on_resolved (GPtrArray *addresses, const GError *error, gpointer user_data)
{
  SyncSpec *spec = user_data;

  /* Not called once cancelled: the spec is still there. */
  spec->resolving = NULL;
  apply_addresses (spec, addresses, error);
}

static void
spec_resolve (SyncSpec *spec)
{
  if (spec->resolving != NULL)
    return;
  if (spec->retry_id != 0)
    {
      g_source_remove (spec->retry_id);
      spec->retry_id = 0;
    }
  if (spec->numeric)
    {
      /* At once and without the resolver, whose first use starts GLib's thread pool. */
      g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);

      g_ptr_array_add (addresses, mrd_net_address_parse_numeric (spec->sc.name, spec->sc.port));
      apply_addresses (spec, addresses, NULL);
      return;
    }
  spec->resolving = mrd_net_resolve (spec->sc.name, spec->sc.port, spec->max_members + 8,
                                     on_resolved, spec);
}

static void
spec_free (SyncSpec *spec)
{
  if (spec->resolving != NULL)
    {
      mrd_net_resolve_cancel (spec->resolving);
      spec->resolving = NULL;
    }
  if (spec->retry_id != 0)
    g_source_remove (spec->retry_id);
  g_free (spec->line);
  g_free (spec);
}

/* Both back-offs start again from the engine's ends; a failing member's name is asked again
 * at most every 8 x the first retry. */
static void
spec_init_backoff (SyncSpec *spec)
{
  MrdSyncEngine *self = spec->engine;

  mrd_backoff_init (&spec->retry, self->retry_min_ms, self->retry_max_ms);
  mrd_backoff_init (&spec->refresh, (guint) MIN ((guint64) self->retry_min_ms * 8, self->retry_max_ms),
                    self->retry_max_ms);
}

static SyncSpec *
spec_new (MrdSyncEngine *self, const char *line, const NtpSourceConfig *sc)
{
  SyncSpec *spec;
  g_autoptr(MrdNetAddress) numeric = NULL;

  spec = g_new0 (SyncSpec, 1);
  spec->engine = self;
  spec->line = g_strdup (line);
  spec->sc = *sc;
  spec->offline = sc->offline;
  numeric = mrd_net_address_parse_numeric (sc->name, sc->port);
  spec->numeric = numeric != NULL;
  spec->max_members = sc->mode == NTP_SOURCE_POOL && !spec->numeric
                      ? (guint) CLAMP (sc->maxsources, 1, NTP_MAX_SOURCES) : 1;
  spec_init_backoff (spec);
  return spec;
}

static SyncSpec *
find_spec (MrdSyncEngine *self, const NtpSourceConfig *sc)
{
  guint i;

  for (i = 0; i < self->specs->len; i++)
    {
      SyncSpec *spec = self->specs->pdata[i];

      if (g_ascii_strcasecmp (spec->sc.name, sc->name) == 0 && spec->sc.port == sc->port)
        return spec;
    }
  return NULL;
}

static void
spec_start (SyncSpec *spec)
{
  MrdSyncEngine *self = spec->engine;
  guint i;

  if (spec->sc.mode == NTP_SOURCE_PEER && !spec->peer_said)
    {
      g_message ("peer %s: symmetric mode is not implemented, polling it as a server",
                 spec->sc.name);
      spec->peer_said = TRUE;
    }
  for (i = 0; i < self->sources->len; i++)
    {
      SyncSource *src = self->sources->pdata[i];

      if (src->spec == spec)
        source_attach_core (src);
    }
  if (spec_count_members (spec) < spec->max_members)
    spec_resolve (spec);
}

/* ---- the engine ----------------------------------------------------------------------- */

MrdSyncEngine *
mrd_sync_engine_new (MrdClock *clock, const MrdConfig *config, GError **error)
{
  g_autoptr(MrdSyncEngine) self = g_new0 (MrdSyncEngine, 1);
  guint i;

  self->clock = clock;
  self->timer_fd = -1;
  self->serve_fds[0] = self->serve_fds[1] = -1;
  self->retry_min_ms = RESOLVE_RETRY_MIN_MS;
  self->retry_max_ms = RESOLVE_RETRY_MAX_MS;
  self->deadline = G_MAXINT64;
  self->specs = g_ptr_array_new_with_free_func ((GDestroyNotify) spec_free);
  self->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) source_free);
  self->keys = mrd_keys_new ();
  self->nts_pems = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  self->nts_dumps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->nts_pem_sets = g_array_new (FALSE, FALSE, sizeof (guint));
  self->nts_system_certs = config == NULL || !config->nosystemcert;
  ntp_config_init (&self->core_cfg);
  if (config == NULL)
    return g_steal_pointer (&self);
  for (i = 0; i < config->nts_certs->len; i++)
    {
      g_ptr_array_add (self->nts_pems, g_bytes_ref (config->nts_certs->pdata[i]));
      g_array_append_val (self->nts_pem_sets, g_array_index (config->nts_cert_sets, guint, i));
    }

  for (i = 0; i < config->core_lines->len; i++)
    {
      char err[256] = "";

      if (ntp_config_parse_line (&self->core_cfg, config->core_lines->pdata[i], err,
                                 sizeof err) < 0)
        {
          g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: %s",
                       (const char *) config->core_lines->pdata[i], err);
          return NULL;
        }
    }
  self->driftfile = g_strdup (config->driftfile);
  self->rtcsync = config->rtcsync;
  {
    g_autoptr(GVariant) keys = mrd_sync_engine_keys_for_lines (config->keys,
                                                               (const char *const *) config->sources->pdata,
                                                               config->sources->len);

    mrd_keys_add_variant (self->keys, keys, NULL);
  }
  for (i = 0; i < config->sources->len; i++)
    {
      g_autoptr(GError) local_error = NULL;

      const char *origin = i < config->source_origins->len
        ? g_ptr_array_index (config->source_origins, i) : NULL;

      if (!mrd_sync_engine_add_source (self, config->sources->pdata[i], &local_error))
        g_message ("%s%s%s: %s, ignoring", origin != NULL ? origin : "",
                   origin != NULL ? ": " : "", (const char *) config->sources->pdata[i],
                   local_error->message);
    }
  return g_steal_pointer (&self);
}

void
mrd_sync_engine_free (MrdSyncEngine *self)
{
  if (self == NULL)
    return;
  mrd_sync_engine_stop (self);
  g_ptr_array_unref (self->sources);
  g_ptr_array_unref (self->specs);
  mrd_keys_free (self->keys);
  g_clear_handle_id (&self->nts_release_id, g_source_remove);
  if (self->nts_trust != NULL)
    self->nts->trust_free (self->nts_trust);
  g_ptr_array_unref (self->nts_pems);
  g_hash_table_unref (self->nts_dumps);
  g_array_unref (self->nts_pem_sets);
  g_free (self->driftfile);
  for (guint i = 0; i < 2; i++)
    if (self->serve_fds[i] >= 0)
      close (self->serve_fds[i]);
  g_free (self);
}

void
mrd_sync_engine_get_serve_counts (MrdSyncEngine *self, NtpServeCounts *out)
{
  NtpServeCounts now = { 0 };

  *out = self->served_before;
  if (self->serve == NULL)
    return;
  mrd_sync_serve_get_counts (self->serve, &now);
  out->received += now.received;
  out->answered += now.answered;
  out->forgotten += now.forgotten;
  for (guint i = 0; i < NTP_SERVE_N_VERDICTS; i++)
    out->by_verdict[i] += now.by_verdict[i];
}

GVariant *
mrd_sync_engine_list_clients (MrdSyncEngine *self)
{
  if (self->serve == NULL)
    return g_variant_new_array (G_VARIANT_TYPE ("(sttddd)"), NULL, 0);
  return mrd_sync_serve_list_clients (self->serve);
}

void
mrd_sync_engine_set_serve_socket (MrdSyncEngine *self, int family, int fd)
{
  guint i = family == AF_INET6;

  if (self->serve_fds[i] >= 0)
    close (self->serve_fds[i]);
  self->serve_fds[i] = fd;
}

gboolean
mrd_sync_engine_add_nts_certs (MrdSyncEngine *self, guint set, const guint8 *pem, gsize len,
                               GError **error)
{
  if (len == 0)
    {
      g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no certificate");
      return FALSE;
    }
  g_ptr_array_add (self->nts_pems, g_bytes_new (pem, len));
  g_array_append_val (self->nts_pem_sets, set);
  /* Taken into a trust already made, too (a child is sent them before its first source). */
  if (self->nts_trust != NULL)
    return self->nts->trust_add_pem (self->nts_trust, set, pem, len, "nts-certs", error);
  return TRUE;
}

/* The TLS module and the trust, for a key exchange (loaded again after nts_release). A file
 * that holds no certificate is said then, and left out. */
static gboolean
nts_ready (MrdSyncEngine *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->nts_release_id, g_source_remove);
  if (self->nts_trust != NULL)
    return TRUE;
  if (self->nts == NULL && (self->nts = mrd_nts_module_load (&error)) == NULL)
    return FALSE;
  self->nts_trust = self->nts->trust_new (self->nts_system_certs);
  for (guint i = 0; i < self->nts_pems->len; i++)
    {
      gsize len = 0;
      const guint8 *pem = g_bytes_get_data (self->nts_pems->pdata[i], &len);
      g_autoptr(GError) local_error = NULL;

      if (!self->nts->trust_add_pem (self->nts_trust, g_array_index (self->nts_pem_sets, guint, i),
                                     pem, len, "ntstrustedcerts", &local_error))
        g_warning ("%s", local_error->message);
    }
  return TRUE;
}

static gboolean
nts_exchange_running (MrdSyncEngine *self)
{
  for (guint i = 0; i < self->sources->len; i++)
    if (((SyncSource *) self->sources->pdata[i])->ntske != NULL)
      return TRUE;
  return FALSE;
}

/* No key exchange runs: the trust and the TLS module go (gnutls with it, mrd-nts-module.h)
 * until the next one. From an idle callback, never from the module's own callback, whose
 * code is still on the stack. */
static gboolean
nts_release (gpointer user_data)
{
  MrdSyncEngine *self = user_data;

  self->nts_release_id = 0;
  if (self->nts == NULL || nts_exchange_running (self))
    return G_SOURCE_REMOVE;
  if (self->nts_trust != NULL)
    self->nts->trust_free (g_steal_pointer (&self->nts_trust));
  self->nts = NULL;
  mrd_nts_module_unload ();
  g_debug ("NTS: no key exchange running, TLS module unloaded");
  return G_SOURCE_REMOVE;
}

static void
nts_release_later (MrdSyncEngine *self)
{
  if (self->nts != NULL && self->nts_release_id == 0 && !nts_exchange_running (self))
    self->nts_release_id = g_idle_add (nts_release, self);
}

/* NtpNtsAead through the AEAD module; false when it cannot be loaded. */
static bool
env_nts_aead (void *ud, bool encrypt, const uint8_t *key, size_t key_len, const uint8_t *nonce,
              size_t nonce_len, const uint8_t *ad, size_t ad_len, const uint8_t *in,
              size_t in_len, uint8_t *out, size_t out_max, size_t *out_len)
{
  MrdSyncEngine *self = ud;
  g_autoptr(GError) error = NULL;

  *out_len = 0;
  if (self->nts_aead == NULL && (self->nts_aead = mrd_nts_aead_module_load (&error)) == NULL)
    return false;
  return self->nts_aead->aead (NULL, encrypt, key, key_len, nonce, nonce_len, ad, ad_len, in,
                               in_len, out, out_max, out_len);
}

void
mrd_sync_engine_set_updated_func (MrdSyncEngine *self, MrdSyncEngineUpdatedFunc func,
                                  gpointer user_data)
{
  self->updated = func;
  self->updated_data = user_data;
}

static size_t
env_auth_mac (void *ud, uint32_t key_id, const uint8_t *data, size_t len, uint8_t *mac,
              size_t max_len)
{
  MrdSyncEngine *self = ud;
  g_autoptr(GError) error = NULL;

  /* A module that cannot be loaded is said once (mrd-module.c); the core then logs each
   * request it cannot sign. */
  if (self->mac_module == NULL && mrd_keys_needs_module (self->keys, key_id))
    self->mac_module = mrd_mac_module_load (&error);
  return mrd_keys_mac (self->keys, key_id, data, len, mac, max_len,
                       self->mac_module != NULL ? self->mac_module->mac : NULL);
}

GVariant *
mrd_sync_engine_keys_for_lines (const MrdKeys *keys, const char *const *lines, guint n_lines)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; i < n_lines; i++)
    {
      NtpSourceConfig sc;
      char err[256];

      ntp_source_config_init (&sc);
      if (ntp_source_config_parse (&sc, lines[i], err, sizeof err) == 0 && sc.key != 0)
        g_array_append_val (ids, sc.key);
    }
  return g_variant_ref_sink (mrd_keys_to_variant (keys, (const guint32 *) ids->data, ids->len));
}

gboolean
mrd_sync_engine_add_keys (MrdSyncEngine *self, GVariant *keys, GError **error)
{
  return mrd_keys_add_variant (self->keys, keys, error);
}

gboolean
mrd_sync_engine_replace_keys (MrdSyncEngine *self, GVariant *keys, GError **error)
{
  MrdKeys *fresh = mrd_keys_new ();

  if (!mrd_keys_add_variant (fresh, keys, error))
    {
      mrd_keys_free (fresh);
      return FALSE;
    }
  mrd_keys_free (self->keys);
  self->keys = fresh;
  g_message ("Keys replaced: %u now", mrd_keys_count (fresh));
  return TRUE;
}

static void
env_get_random (void *ud, void *buf, size_t len)
{
  mrd_net_random_bytes (buf, len);
}

static gboolean
read_drift_file (MrdSyncEngine *self, NtpConfig *cfg)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  double freq, skew;

  if (!g_file_get_contents (self->driftfile, &text, NULL, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_message ("Cannot read the drift file: %s", error->message);
      return FALSE;
    }
  if (!mrd_sync_engine_drift_parse (text, &freq, &skew))
    {
      g_message ("%s: not a drift file (two numbers), ignoring", self->driftfile);
      return FALSE;
    }
  cfg->have_drift = TRUE;
  cfg->initial_freq_ppm = freq;
  cfg->initial_skew_ppm = skew;
  g_info ("Frequency %.3f ± %.3f ppm read from %s", freq, skew, self->driftfile);
  return TRUE;
}

/* The frequency to start from: the drift file's, else the one handed over (a child that may
 * not read files), else the clock's own — as chronyd does without a drift file (reference.c:
 * LCL_ReadAbsoluteFrequency), so that starting does not undo the correction the kernel (or
 * the shared virtual clock, for a restarted engine) already has. That one comes with no
 * confidence: a skew of 10^6 ppm, the core's own "unknown", so the first measurement decides. */
static void
read_drift (MrdSyncEngine *self, NtpConfig *cfg)
{
  double correction;

  if (self->driftfile != NULL && read_drift_file (self, cfg))
    return;
  if (self->driftfile == NULL && self->have_initial_drift)
    {
      cfg->have_drift = TRUE;
      cfg->initial_freq_ppm = self->initial_freq_ppm;
      cfg->initial_skew_ppm = self->initial_skew_ppm;
      return;
    }
  correction = mrd_clock_get_freq (self->clock);
  if (!isfinite (correction) || correction == 0.0)
    return;
  /* An oscillator is off by well under chronyd's default maxdrift; a correction beyond it is
   * what a slew left behind when its daemon died mid-way, not the clock's drift. */
  if (fabs (correction) > MAX_PLAUSIBLE_DRIFT_PPM)
    {
      g_message ("Ignoring the clock's frequency correction of %.3f ppm (a slew left running?); "
                 "starting from 0", correction);
      return;
    }
  /* The clock's correction makes it run faster; the drift says how fast it runs without. */
  cfg->have_drift = TRUE;
  cfg->initial_freq_ppm = -correction;
  cfg->initial_skew_ppm = 1e6;
  g_info ("Frequency %.3f ppm read from the clock (no drift file)", -correction);
}

/* ---- NTS dumps (ntsdumpdir) ------------------------------------------------------------ */

char *
mrd_sync_engine_nts_dump_name (const NtpSourceConfig *config)
{
  /* A host name or address, checked again: it becomes a file name in the dump directory. */
  if (config->name[0] == '\0' || config->name[0] == '.' || strchr (config->name, '/') != NULL
      || strlen (config->name) > 200)
    return NULL;
  for (const char *p = config->name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != ':' && *p != '_' && *p != '%')
      return NULL;
  return g_strdup_printf ("%s@%u.nts", config->name, config->ntsport);
}

gboolean
mrd_sync_engine_nts_dump_check (const char *name, const char *text, gsize len, const char *what)
{
  NtpSourceConfig sc;
  g_autofree char *line_name = NULL;
  NtsDumpResult r;
  const char *at = strrchr (name, '@');
  guint64 port = 0;

  if (at == NULL || !g_str_has_suffix (at, ".nts") || at == name || at - name >= NTP_NAME_MAX)
    {
      g_message ("NTS dump %s (%s): not a dump's name, ignored", name, what);
      return FALSE;
    }
  ntp_source_config_init (&sc);
  memcpy (sc.name, name, (gsize) (at - name));
  sc.name[at - name] = '\0';
  {
    g_autofree char *digits = g_strndup (at + 1, strlen (at + 1) - 4);

    if (!g_ascii_string_to_unsigned (digits, 10, 1, 65535, &port, NULL))
      port = 0;
  }
  sc.ntsport = (int) port;
  line_name = mrd_sync_engine_nts_dump_name (&sc);
  if (port == 0 || g_strcmp0 (line_name, name) != 0)
    {
      g_message ("NTS dump %s (%s): not a dump's name, ignored", name, what);
      return FALSE;
    }
  r = ntp_nts_dump_find (text, len, sc.name, (unsigned) port, NULL, 0, 0, NULL, NULL, NULL);
  if (r != NTS_DUMP_OK)
    {
      g_message ("NTS dump %s (%s): %s, ignored", name, what, ntp_nts_dump_result_string (r));
      return FALSE;
    }
  return TRUE;
}

void
mrd_sync_engine_take_nts_dump (MrdSyncEngine *self, const char *name, const char *text,
                               gsize len)
{
  if (len > NTS_DUMP_MAX_LEN)
    {
      g_message ("NTS dump %s: longer than any dump, ignored", name);
      return;
    }
  g_hash_table_replace (self->nts_dumps, g_strdup (name), g_strndup (text, len));
}

void
mrd_sync_engine_set_nts_dump_func (MrdSyncEngine *self, MrdSyncEngineNtsDumpFunc func,
                                   gpointer user_data)
{
  self->nts_dump_func = func;
  self->nts_dump_data = user_data;
}

/* A source just given to the core: its saved jar, if its line's dump has one for it. */
static void
nts_dump_restore (SyncSource *src)
{
  MrdSyncEngine *self = src->engine;
  g_autofree char *name = mrd_sync_engine_nts_dump_name (&src->spec->sc);
  const char *text = name != NULL ? g_hash_table_lookup (self->nts_dumps, name) : NULL;
  NtpNtsJar jar;
  NtsDumpResult r;
  char host[NTS_DUMP_ADDRESS_MAX];
  unsigned port = 0;
  g_autoptr(MrdNetAddress) ntp_address = NULL;

  src->nts_serial = ntp_engine_nts_jar_serial (self->core, (unsigned) src->core);
  if (text == NULL)
    return;
  r = ntp_nts_dump_find (text, strlen (text), src->spec->sc.name, (unsigned) src->spec->sc.ntsport,
                         src->ke_address_str, mrd_clock_now_ns (self->clock),
                         (gint64) self->core_cfg.ntsrefresh * 1000000000, &jar, host, &port);
  if (r == NTS_DUMP_OK && (ntp_address = mrd_net_address_parse_numeric (host, (guint16) port)) == NULL)
    g_message ("NTS dump %s for %s: NTP server %s is not an address, a new key exchange follows",
               name, src->ke_address_str, host);
  else if (r != NTS_DUMP_OK)
    g_message ("NTS dump %s for %s: %s, a new key exchange follows", name, src->ke_address_str,
               ntp_nts_dump_result_string (r));
  else if (ntp_engine_nts_set_jar (self->core, (unsigned) src->core, &jar))
    source_set_ntp_address (src, ntp_address);   /* as the saved exchange negotiated it */
  ntp_nts_jar_clear (&jar);
}

/* The dump of an `nts` line: every address it polls now, with its jar. Unless a jar
 * @changed (a NAK empties one), a line with nothing to save writes nothing: a daemon stopped
 * before its line's name resolved, or before its first exchange, keeps the dump it has. */
static void
nts_dump_spec (MrdSyncEngine *self, SyncSpec *spec, gboolean changed)
{
  g_autofree char *name = mrd_sync_engine_nts_dump_name (&spec->sc);
  g_autofree char *buf = NULL;
  g_autofree NtpNtsJar *jars = NULL;
  NtpNtsDumpRecord records[NTS_DUMP_MAX_SOURCES];
  int n = 0;
  gsize len;

  if (name == NULL || self->core == NULL)
    return;
  jars = g_new0 (NtpNtsJar, NTS_DUMP_MAX_SOURCES);
  for (guint i = 0; i < self->sources->len && n < NTS_DUMP_MAX_SOURCES; i++)
    {
      SyncSource *src = self->sources->pdata[i];

      if (src->spec != spec || src->core < 0)
        continue;
      src->nts_serial = ntp_engine_nts_jar_serial (self->core, (unsigned) src->core);
      if (!ntp_engine_nts_get_jar (self->core, (unsigned) src->core, &jars[n]))
        continue;
      records[n] = (NtpNtsDumpRecord) {
        .address = src->ke_address_str,
        .ntp_host = src->host,
        .ntp_port = mrd_net_address_get_port (src->address),
        .jar = &jars[n],
      };
      n++;
    }
  if (n == 0 && !changed)
    return;
  buf = g_malloc (NTS_DUMP_MAX_LEN);
  len = ntp_nts_dump_format (buf, NTS_DUMP_MAX_LEN, spec->sc.name, (unsigned) spec->sc.ntsport,
                             records, n);
  for (int i = 0; i < n; i++)
    ntp_nts_jar_clear (&jars[i]);
  if (len == 0)
    return;
  g_hash_table_replace (self->nts_dumps, g_strdup (name), g_strndup (buf, len));
  if (self->nts_dump_func != NULL)
    self->nts_dump_func (self, name, buf, self->nts_dump_data);
  memset (buf, 0, len);
}

void
mrd_sync_engine_dump_nts (MrdSyncEngine *self)
{
  for (guint i = 0; i < self->specs->len; i++)
    if (((SyncSpec *) self->specs->pdata[i])->sc.nts)
      nts_dump_spec (self, self->specs->pdata[i], FALSE);
}

/* After the core ran: a line whose jars changed enough is dumped again. */
static void
nts_dump_changed (MrdSyncEngine *self)
{
  for (guint i = 0; i < self->sources->len; i++)
    {
      SyncSource *src = self->sources->pdata[i];

      if (src->core >= 0 && src->spec->sc.nts
          && ntp_engine_nts_jar_serial (self->core, (unsigned) src->core) != src->nts_serial)
        nts_dump_spec (self, src->spec, TRUE);
    }
}

/* ---- NTS-KE --------------------------------------------------------------------------- */

/* chronyd's NTS-KE timeout is a few seconds too: a server that has not answered by then is
 * tried again after the core's back-off. */
#define NTSKE_TIMEOUT_MS 5000

/* The exchange's end handed to the core, the NTP server switched first when the exchange
 * named another (`target`; NULL: the same). */
static void
ntske_finish (SyncSource *src, const MrdNetAddress *target, const NtsKeResponse *response,
              const guint8 *c2s, const guint8 *s2c)
{
  MrdSyncEngine *self = src->engine;
  gint64 before;

  if (self->core == NULL || src->core < 0)
    return;
  if (response != NULL && target != NULL && !mrd_net_address_equal (target, src->address))
    {
      g_autofree char *text = mrd_net_address_to_string (target);

      g_message ("NTS-KE with %s: NTP server negotiated: %s", src->spec->sc.name, text);
      source_set_ntp_address (src, target);
    }
  before = ref_time (self);
  ntp_engine_nts_ke_done (self->core, (unsigned) src->core, response, c2s, s2c);
  after_core (self, before);
}

static void
on_ntp_server_resolved (GPtrArray *addresses, const GError *error, gpointer user_data)
{
  SyncSource *src = user_data;
  g_autofree NtsKeResponse *response = g_steal_pointer (&src->ke_response);
  guint8 c2s[NTS_KEY_LEN], s2c[NTS_KEY_LEN];

  /* Not called once cancelled: the source is still attached. */
  src->ntp_resolving = NULL;
  memcpy (c2s, src->ke_c2s, sizeof c2s);
  memcpy (s2c, src->ke_s2c, sizeof s2c);
  source_drop_negotiation (src);
  if (error != NULL)
    {
      /* Refused like a failed exchange: the core backs off, nothing is sent meanwhile. */
      g_message ("NTS-KE with %s: cannot resolve the negotiated NTP server %s: %s",
                 src->spec->sc.name, response->server, error->message);
      ntske_finish (src, NULL, NULL, NULL, NULL);
    }
  else
    {
      /* The NTS-KE server's address family first: a server reached over IPv4 is not assumed
       * to answer over IPv6. */
      const MrdNetAddress *pick = addresses->pdata[0];

      for (guint i = 0; i < addresses->len; i++)
        if (((MrdNetAddress *) addresses->pdata[i])->ss.ss_family == src->ke_address->ss.ss_family)
          {
            pick = addresses->pdata[i];
            break;
          }
      ntske_finish (src, pick, response, c2s, s2c);
    }
  memset (response, 0, sizeof *response);
  memset (c2s, 0, sizeof c2s);
  memset (s2c, 0, sizeof s2c);
}

/* RFC 8915 §4.1.7-8, as chronyd follows them: the NTS-KE server may name the NTP server
 * (a name, resolved here as a `server` name is, or an address) and its port (absent: the
 * line's `port`). The certificate was checked against the line's name, whatever follows. */
static void
on_ntske_done (const NtsKeResponse *response, const guint8 *c2s, const guint8 *s2c,
               const GError *error, gpointer user_data)
{
  SyncSource *src = user_data;
  MrdSyncEngine *self = src->engine;
  g_autoptr(MrdNetAddress) target = NULL;
  guint16 port;

  src->ntske = NULL;
  nts_release_later (self);
  if (self->core == NULL || src->core < 0)
    return;
  if (error != NULL)
    g_message ("%s", error->message);
  if (response == NULL)
    {
      ntske_finish (src, NULL, NULL, NULL, NULL);
      return;
    }
  port = response->port != 0 ? response->port : (guint16) src->spec->sc.port;
  if (response->server[0] == '\0' || g_ascii_strcasecmp (response->server, src->spec->sc.name) == 0)
    {
      target = mrd_net_address_copy (src->ke_address);
      if (target->ss.ss_family == AF_INET6)
        ((struct sockaddr_in6 *) &target->ss)->sin6_port = g_htons (port);
      else
        ((struct sockaddr_in *) &target->ss)->sin_port = g_htons (port);
    }
  else if ((target = mrd_net_address_parse_numeric (response->server, port)) == NULL)
    {
      source_drop_negotiation (src);
      src->ke_response = g_memdup2 (response, sizeof *response);
      memcpy (src->ke_c2s, c2s, NTS_KEY_LEN);
      memcpy (src->ke_s2c, s2c, NTS_KEY_LEN);
      src->ntp_resolving = mrd_net_resolve (response->server, port, 4, on_ntp_server_resolved,
                                            src);
      return;
    }
  ntske_finish (src, target, response, c2s, s2c);
}

static void
env_nts_ke (void *ud, unsigned index)
{
  MrdSyncEngine *self = ud;
  SyncSource *src = index < NTP_MAX_SOURCES ? self->by_core[index] : NULL;
  g_autoptr(MrdNetAddress) ke_address = NULL;
  g_autoptr(GError) error = NULL;
  MrdNetSocketOptions options;
  gboolean check_time;
  int fd;

  if (src == NULL || src->ntske != NULL)
    return;
  if (!nts_ready (self))
    {
      /* The core backs off as after any failed exchange. */
      gint64 before = ref_time (self);

      ntp_engine_nts_ke_done (self->core, index, NULL, NULL, NULL);
      after_core (self, before);
      return;
    }
  options = acquisition_options (&self->core_cfg);
  ke_address = mrd_net_address_copy (src->ke_address);
  if (ke_address->ss.ss_family == AF_INET6)
    ((struct sockaddr_in6 *) &ke_address->ss)->sin6_port = g_htons (src->spec->sc.ntsport);
  else
    ((struct sockaddr_in *) &ke_address->ss)->sin_port = g_htons (src->spec->sc.ntsport);
  /* chrony.conf's nocerttimecheck: a clock that booted far off cannot judge a certificate's
   * validity times until it has been set; the chain and the name are checked all the same. */
  check_time = self->clock_updates >= (guint) MAX (self->core_cfg.nocerttimecheck, 0);
  if (!check_time)
    g_message ("NTS-KE with %s: certificate validity times not checked (nocerttimecheck %d,"
               " %u clock update(s) so far)", src->spec->sc.name, self->core_cfg.nocerttimecheck,
               self->clock_updates);
  /* From the address and interface the NTP requests leave by (bindacqaddress,
   * bindacqdevice), as chronyd's NTS-KE client follows them: a firewall or a route that lets
   * only those through lets the key exchange through too. A socket that cannot be made so is
   * a failed exchange (the core backs off), never one from elsewhere. */
  fd = mrd_net_tcp_client_socket (ke_address, &options, &error);
  if (fd < 0)
    {
      gint64 before = ref_time (self);

      g_message ("NTS-KE with %s: %s", src->spec->sc.name, error->message);
      ntp_engine_nts_ke_done (self->core, index, NULL, NULL, NULL);
      after_core (self, before);
      return;
    }
  src->ntske = self->nts->ntske_start (self->nts_trust, (guint) src->spec->sc.certset,
                                src->spec->sc.name, ke_address, fd, check_time,
                                NTSKE_TIMEOUT_MS, on_ntske_done, src);
}

static gboolean
on_served (gpointer user_data)
{
  emit (user_data, MRD_SYNC_ENGINE_CHANGED_SERVED);
  return G_SOURCE_REMOVE;
}

void
mrd_sync_engine_start (MrdSyncEngine *self)
{
  NtpEnv env = {
    .now = env_now,
    .send = env_send,
    .arm_timer = env_arm_timer,
    .set_freq = env_set_freq,
    .set_freq_until = mrd_clock_can_end_slews (self->clock) ? env_set_freq_until : NULL,
    .decay_offset = mrd_clock_can_decay_offsets (self->clock) ? env_decay_offset : NULL,
    .step = env_step,
    .set_leap = env_set_leap,
    .set_tai = env_set_tai,
    .log = env_log,
    .statlog = env_statlog,
    .ud = self,
    .max_freq_ppm = mrd_clock_get_max_freq (self->clock),
    /* mrd-net asks the kernel for every socket's receive timestamps */
    .kernel_rx_timestamps = true,
    .get_random = env_get_random,
    .auth_mac = env_auth_mac,
    .nts_aead = env_nts_aead,
    .nts_ke = env_nts_ke,
  };
  NtpConfig cfg = self->core_cfg;
  guint i;

  g_autoptr(GError) error = NULL;

  if (self->running)
    return;
  if (!mrd_clock_prepare_discipline (self->clock, &error))
    g_warning ("%s", error->message);
  read_drift (self, &cfg);
  /* TFD_NONBLOCK alone (clknetsim refuses other flags), close-on-exec set apart. */
  self->timer_fd = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK);
  if (self->timer_fd < 0)
    g_error ("timerfd_create: %s", g_strerror (errno));
  (void) fcntl (self->timer_fd, F_SETFD, FD_CLOEXEC);
  self->timer_watch = g_unix_fd_add (self->timer_fd, G_IO_IN, on_timer, self);
  self->deadline = G_MAXINT64;
  self->core = ntp_engine_new (&env, &cfg);
  g_assert (self->core != NULL);
  self->watch_steps = self->clock->kind == MRD_CLOCK_KIND_SYSTEM;
  self->wall_ns = mrd_clock_realtime_minus_boottime (&self->wall_uncertainty_ns);
  self->running = TRUE;
  self->drift_written_mono = g_get_monotonic_time ();
  for (i = 0; i < self->specs->len; i++)
    spec_start (self->specs->pdata[i]);
  if (ntp_serve_enabled (&cfg.serve))
    {
      self->serve = mrd_sync_serve_new (&cfg, self->serve_fds, self->clock,
                                        (MrdSyncServeTrackingFunc) mrd_sync_engine_get_tracking,
                                        on_served, self, &error);
      if (self->serve == NULL)
        g_warning ("%s", error->message);
    }
  ntp_engine_start (self->core);
  g_info ("NTP engine started with %u configured sources", self->specs->len);
}

void
mrd_sync_engine_stop (MrdSyncEngine *self)
{
  g_autoptr(GError) error = NULL;
  NtpTracking unsynced = { 0 };
  double freq;
  guint i;

  if (!self->running)
    return;
  if (!mrd_sync_engine_write_drift (self, &error))
    g_warning ("%s", error->message);
  /* A slew is a frequency offset that the core's timer ends. Stopped mid-way, it would run on
   * for good (83 333 ppm on the virtual clock). Leave the clock at the frequency estimate and
   * the rest of the offset uncorrected, as chronyd leaves the clock when it exits. */
  ntp_engine_get_drift (self->core, &freq, NULL);
  if (isfinite (freq))
    env_set_freq (self, -freq);
  /* The jars as they are now, so a restart uses the cookies not yet spent. */
  mrd_sync_engine_dump_nts (self);
  for (i = 0; i < self->sources->len; i++)
    source_detach_core (self->sources->pdata[i]);
  for (i = 0; i < self->specs->len; i++)
    {
      SyncSpec *spec = self->specs->pdata[i];

      if (spec->resolving != NULL)
        {
          mrd_net_resolve_cancel (spec->resolving);
          spec->resolving = NULL;
        }
      if (spec->retry_id != 0)
        g_source_remove (spec->retry_id);
      spec->retry_id = 0;
    }
  if (self->serve != NULL)
    {
      NtpServeCounts now;

      mrd_sync_engine_get_serve_counts (self, &now);
      self->served_before = now;
    }
  g_clear_pointer (&self->serve, mrd_sync_serve_free);
  ntp_engine_free (self->core);
  self->core = NULL;
  g_source_remove (self->timer_watch);
  self->timer_watch = 0;
  close (self->timer_fd);
  self->timer_fd = -1;
  self->running = FALSE;
  self->ref_refid = 0;
  self->ref_host[0] = '\0';
  update_sync_status (self, &unsynced);
  g_info ("NTP engine stopped");
}

guint64
mrd_sync_engine_get_timer_wakeups (MrdSyncEngine *self)
{
  return self->timer_wakeups;
}

gboolean
mrd_sync_engine_is_running (MrdSyncEngine *self)
{
  return self->running;
}

gboolean
mrd_sync_engine_add_source (MrdSyncEngine *self, const char *line, GError **error)
{
  NtpSourceConfig sc;
  char err[256] = "";

  ntp_source_config_init (&sc);
  if (ntp_source_config_parse (&sc, line, err, sizeof err) < 0)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s",
                   err[0] != '\0' ? err : "bad source line");
      return FALSE;
    }
  return mrd_sync_engine_add_source_config (self, line, &sc, 0, NULL, error);
}

static SyncSpec *
find_line (MrdSyncEngine *self, guint line_id)
{
  guint i;

  for (i = 0; i < self->specs->len; i++)
    if (((SyncSpec *) self->specs->pdata[i])->line_id == line_id)
      return self->specs->pdata[i];
  return NULL;
}

gboolean
mrd_sync_engine_add_source_config (MrdSyncEngine *self, const char *line,
                                   const NtpSourceConfig *config, guint line_id,
                                   guint *line_id_out, GError **error)
{
  SyncSpec *spec;

  /* A source that asked for authentication runs authenticated or not at all. */
  if (config->key != 0 && !mrd_keys_has (self->keys, config->key))
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "key %u is not in the keyfile (or the keyfile was refused): the source "
                   "is not used", config->key);
      return FALSE;
    }
  if (find_spec (self, config) != NULL)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_EXISTS, "Source already present: %s",
                   config->name);
      return FALSE;
    }
  if (line_id != 0 && find_line (self, line_id) != NULL)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_EXISTS, "Line %u already present", line_id);
      return FALSE;
    }
  if (line_id == 0)
    {
      do
        line_id = ++self->next_line_id;
      while (line_id == 0 || find_line (self, line_id) != NULL);
    }
  spec = spec_new (self, line, config);
  spec->line_id = line_id;
  g_ptr_array_add (self->specs, spec);
  if (line_id_out != NULL)
    *line_id_out = line_id;
  if (self->running)
    spec_start (spec);
  return TRUE;
}

static void
remove_spec (MrdSyncEngine *self, SyncSpec *spec)
{
  guint i;

  for (i = 0; i < self->sources->len;)
    if (((SyncSource *) self->sources->pdata[i])->spec == spec)
      g_ptr_array_remove_index (self->sources, i);
    else
      i++;
  g_ptr_array_remove (self->specs, spec);
  emit (self, MRD_SYNC_ENGINE_CHANGED_SOURCES);
}

gboolean
mrd_sync_engine_remove_source (MrdSyncEngine *self, guint id, GError **error)
{
  guint i;

  for (i = 0; i < self->sources->len; i++)
    {
      SyncSource *src = self->sources->pdata[i];

      if (src->id == id)
        {
          remove_spec (self, src->spec);
          return TRUE;
        }
    }
  g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No source %u", id);
  return FALSE;
}

gboolean
mrd_sync_engine_remove_line (MrdSyncEngine *self, guint line_id, GError **error)
{
  SyncSpec *spec = find_line (self, line_id);

  if (spec == NULL)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No line %u", line_id);
      return FALSE;
    }
  remove_spec (self, spec);
  return TRUE;
}

gboolean
mrd_sync_engine_remove_source_by_name (MrdSyncEngine *self, const char *name_or_address,
                                       GError **error)
{
  guint i;

  for (i = 0; i < self->specs->len; i++)
    {
      SyncSpec *spec = self->specs->pdata[i];

      if (g_ascii_strcasecmp (spec->sc.name, name_or_address) == 0)
        {
          remove_spec (self, spec);
          return TRUE;
        }
    }
  for (i = 0; i < self->sources->len; i++)
    {
      SyncSource *src = self->sources->pdata[i];

      if (g_ascii_strcasecmp (src->address_str, name_or_address) == 0)
        {
          remove_spec (self, src->spec);
          return TRUE;
        }
    }
  g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No source %s", name_or_address);
  return FALSE;
}

GPtrArray *
mrd_sync_engine_get_lines (MrdSyncEngine *self)
{
  GPtrArray *lines = g_ptr_array_new ();
  guint i;

  for (i = 0; i < self->specs->len; i++)
    g_ptr_array_add (lines, ((SyncSpec *) self->specs->pdata[i])->line);
  return lines;
}

/* A command of the core's, then what it changed told (after_core). FALSE while stopped. */
static gboolean
core_command (MrdSyncEngine *self, void (*command) (NtpEngine *core))
{
  gint64 before;

  if (self->core == NULL)
    return FALSE;
  before = ref_time (self);
  command (self->core);
  after_core (self, before);
  return TRUE;
}

gboolean
mrd_sync_engine_burst (MrdSyncEngine *self)
{
  return core_command (self, ntp_engine_burst);
}

void
mrd_sync_engine_refresh (MrdSyncEngine *self)
{
  for (guint i = 0; i < self->specs->len; i++)
    {
      SyncSpec *spec = self->specs->pdata[i];

      if (spec->numeric)
        continue;
      /* A lookup on its way gives the answer the refresh goes by. */
      spec->refreshing = TRUE;
      if (spec->resolving == NULL)
        {
          g_message ("Resolving %s again (refresh)", spec->sc.name);
          spec_resolve (spec);
        }
    }
}

gboolean
mrd_sync_engine_reselect (MrdSyncEngine *self)
{
  return core_command (self, ntp_engine_reselect);
}

gboolean
mrd_sync_engine_reset_sources (MrdSyncEngine *self)
{
  return core_command (self, ntp_engine_reset_sources);
}

guint
mrd_sync_engine_set_connectivity (MrdSyncEngine *self, MrdConnectivity connectivity,
                                  const MrdSyncMask *mask)
{
  gint64 before = self->core != NULL ? ref_time (self) : 0;
  guint i, matched = 0;

  /* The lines a command names as a whole (every source, or by the configured name): an
   * address they resolve to later starts as the command left them. */
  if (connectivity != MRD_CONNECTIVITY_AUTO && (mask->all || mask->name[0] != '\0'))
    for (i = 0; i < self->specs->len; i++)
      {
        SyncSpec *spec = self->specs->pdata[i];

        if (mrd_sync_mask_match (mask, NULL, spec->sc.name))
          spec->offline = connectivity == MRD_CONNECTIVITY_OFFLINE;
      }
  for (i = 0; i < self->sources->len; i++)
    {
      SyncSource *src = self->sources->pdata[i];
      gboolean online;

      if (!mrd_sync_mask_match (mask, (const struct sockaddr *) &src->address->ss,
                                src->spec->sc.name))
        continue;
      matched++;
      online = connectivity == MRD_CONNECTIVITY_ONLINE ||
               (connectivity == MRD_CONNECTIVITY_AUTO &&
                mrd_sync_mask_connectable ((const struct sockaddr *) &src->address->ss,
                                           src->address->len));
      src->offline = !online;
      if (self->core != NULL && src->core >= 0)
        ntp_engine_set_online (self->core, (unsigned) src->core, online);
    }
  if (self->core != NULL)
    after_core (self, before);
  return matched;
}

guint
mrd_sync_engine_burst_sources (MrdSyncEngine *self, int good, int total, const MrdSyncMask *mask)
{
  gint64 before;
  guint matched = 0;

  if (self->core == NULL)
    return 0;
  before = ref_time (self);
  for (guint i = 0; i < self->sources->len; i++)
    {
      SyncSource *src = self->sources->pdata[i];

      if (src->core < 0 ||
          !mrd_sync_mask_match (mask, (const struct sockaddr *) &src->address->ss,
                                src->spec->sc.name))
        continue;
      matched += ntp_engine_burst_source (self->core, (unsigned) src->core, good, total);
    }
  after_core (self, before);
  return matched;
}

gboolean
mrd_sync_engine_modify_line (MrdSyncEngine *self, guint line_id, const char *option,
                             const char *value, GError **error)
{
  SyncSpec *spec = find_line (self, line_id);
  gint64 before = self->core != NULL ? ref_time (self) : 0;
  char err[256] = "";
  guint i;

  if (spec == NULL)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No line %u", line_id);
      return FALSE;
    }
  /* The line's configuration first: an address it resolves to later, and every address
   * after a stop and start, is added to the core with it (source_attach_core). */
  if (ntp_source_config_modify (&spec->sc, option, value, err, sizeof err) < 0)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s", err);
      return FALSE;
    }
  g_message ("Source %s: new %s %s", spec->sc.name, option, value);
  for (i = 0; i < self->sources->len; i++)
    {
      SyncSource *src = self->sources->pdata[i];

      if (src->spec == spec && self->core != NULL && src->core >= 0 &&
          ntp_engine_modify_source (self->core, (unsigned) src->core, option, value, err,
                                    sizeof err) < 0)
        g_warning ("%s: %s, ignoring", src->address_str, err);   /* checked above: not reached */
    }
  if (self->core != NULL)
    after_core (self, before);
  return TRUE;
}

gboolean
mrd_sync_engine_set_directive (MrdSyncEngine *self, const char *directive, const char *value,
                               GError **error)
{
  char err[256] = "";

  /* Kept in the configuration too: a core started anew (NTP off and on) starts with it. */
  if (ntp_config_set_runtime (&self->core_cfg, directive, value, err, sizeof err) < 0)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s", err);
      return FALSE;
    }
  if (self->core == NULL)
    g_message ("%s %s, kept for when the engine starts", directive, value);
  else if (ntp_engine_set_directive (self->core, directive, value, err, sizeof err) < 0)
    g_warning ("%s: %s, ignoring", directive, err);   /* checked above: not reached */
  return TRUE;
}

gboolean
mrd_sync_engine_make_step (MrdSyncEngine *self)
{
  return core_command (self, ntp_engine_make_step);
}

void
mrd_sync_engine_get_tracking (MrdSyncEngine *self, NtpTracking *out)
{
  memset (out, 0, sizeof *out);
  out->ref_source = -1;
  if (self->core != NULL)
    ntp_engine_get_tracking (self->core, out);
  if (out->synchronized && self->ref_host[0] != '\0')
    out->ref_id = self->ref_refid;
  /* The core plans the slew in seconds of the clock it disciplines; whoever ages the report
   * (ntp_tracking_age) counts CLOCK_MONOTONIC seconds. The two run at the clock's monotonic
   * rate, constant while the slew lasts (the slew is a constant frequency): 1 for the system
   * clock, up to 10 % apart for a slewing virtual clock. */
  if (out->slew_left > 0)
    {
      double rate = mrd_clock_get_monotonic_rate (self->clock);

      out->slew_rate *= rate;
      out->slew_left /= rate;
    }
}

const char *
mrd_sync_engine_get_reference_name (MrdSyncEngine *self)
{
  NtpTracking t;

  mrd_sync_engine_get_tracking (self, &t);
  return t.synchronized ? self->ref_host : "";
}

static void
fill_info (SyncSource *src, MrdSyncSourceInfo *out)
{
  memset (out, 0, sizeof *out);
  out->id = src->id;
  out->line_id = src->spec->line_id;
  g_strlcpy (out->name, src->spec->sc.name, sizeof out->name);
  g_strlcpy (out->address, src->address_str, sizeof out->address);
  if (src->socket != NULL && mrd_net_socket_get_local_address (src->socket) != NULL)
    {
      g_autofree char *local = mrd_net_address_host_to_string (
        mrd_net_socket_get_local_address (src->socket));

      g_strlcpy (out->local_address, local, sizeof out->local_address);
    }
  g_strlcpy (out->line, src->spec->line, sizeof out->line);
  out->mode = src->spec->sc.mode;
  out->report.last_rx_ago = -1;
  if (src->engine->core != NULL && src->core >= 0)
    ntp_engine_get_source (src->engine->core, (unsigned) src->core, &out->report);
  out->report.offline = src->offline;
}

GArray *
mrd_sync_engine_list_sources (MrdSyncEngine *self)
{
  GArray *out = g_array_sized_new (FALSE, TRUE, sizeof (MrdSyncSourceInfo), self->sources->len);
  guint i;

  g_array_set_size (out, self->sources->len);
  for (i = 0; i < self->sources->len; i++)
    fill_info (self->sources->pdata[i], &g_array_index (out, MrdSyncSourceInfo, i));
  return out;
}

gboolean
mrd_sync_engine_get_source (MrdSyncEngine *self, guint id, MrdSyncSourceInfo *out)
{
  guint i;

  for (i = 0; i < self->sources->len; i++)
    if (((SyncSource *) self->sources->pdata[i])->id == id)
      {
        fill_info (self->sources->pdata[i], out);
        return TRUE;
      }
  return FALSE;
}

guint
mrd_sync_engine_get_n_unresolved (MrdSyncEngine *self)
{
  guint i, n = 0;

  for (i = 0; i < self->specs->len; i++)
    if (spec_count_members (self->specs->pdata[i]) == 0)
      n++;
  return n;
}

gboolean
mrd_sync_engine_write_drift (MrdSyncEngine *self, GError **error)
{
  char text[128];
  double freq, skew;

  if (self->driftfile == NULL || self->core == NULL || !self->had_update)
    return TRUE;
  ntp_engine_get_drift (self->core, &freq, &skew);
  if (!isfinite (freq) || !isfinite (skew))
    return TRUE;
  mrd_sync_engine_drift_format (freq, skew, text, sizeof text);
  /* Atomic: a new file renamed over the old one, so a crash leaves the old estimate or the
   * new, never half of one; the temporary file a crash can leave is named as every state
   * file's, and removed at start-up (mrd-sync-standalone.c). */
  if (!mrd_write_file_atomic (self->driftfile, text, strlen (text), 0644, error))
    {
      g_prefix_error (error, "Cannot write the drift file: ");
      return FALSE;
    }
  self->drift_written_mono = g_get_monotonic_time ();
  return TRUE;
}

void
mrd_sync_engine_set_initial_drift (MrdSyncEngine *self, double freq_ppm, double skew_ppm)
{
  self->have_initial_drift = TRUE;
  self->initial_freq_ppm = freq_ppm;
  self->initial_skew_ppm = skew_ppm;
}

gboolean
mrd_sync_engine_get_drift (MrdSyncEngine *self, double *freq_ppm, double *skew_ppm)
{
  if (self->core == NULL || !self->had_update)
    return FALSE;
  ntp_engine_get_drift (self->core, freq_ppm, skew_ppm);
  return isfinite (*freq_ppm) && isfinite (*skew_ppm);
}

void
mrd_sync_engine_get_tx_stamps (MrdSyncEngine *self, guint64 *kernel, guint64 *fallback)
{
  *kernel = self->tx_kernel;
  *fallback = self->tx_fallback;
}

void
mrd_sync_engine_set_resolve_backoff (MrdSyncEngine *self, guint first_ms, guint max_ms)
{
  self->retry_min_ms = MAX (first_ms, 1);
  self->retry_max_ms = MAX (max_ms, self->retry_min_ms);
  for (guint i = 0; i < self->specs->len; i++)
    spec_init_backoff (self->specs->pdata[i]);
}
