/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sync engine (service/sync/mrd-sync-engine.c) on loopback against a small NTP server in
 * the test, with a virtual clock: sources from lines (pool expanded per address), duplicates
 * refused, synchronization with one "updated" per clock update, the drift file read at start
 * and written at stop. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "sync/mrd-sync-engine.h"

#define NTP_EPOCH_OFFSET G_GINT64_CONSTANT (2208988800)

typedef struct {
  int fd;
  guint watch;
  guint requests;
} Server;

static void
put_ts (guint8 *p, gint64 ns)
{
  guint64 sec = (guint64) (ns / 1000000000 + NTP_EPOCH_OFFSET);
  guint64 frac = (guint64) (((ns % 1000000000) << 32) / 1000000000);
  guint64 v = (sec << 32) | frac;
  int i;

  for (i = 7; i >= 0; i--, v >>= 8)
    p[i] = (guint8) v;
}

static gint64
real_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A stratum-1 server on CLOCK_REALTIME (RFC 5905 §7.3 reply). */
static gboolean
on_request (int fd, GIOCondition cond, gpointer user_data)
{
  Server *s = user_data;
  guint8 req[128], rep[48] = { 0 };
  struct sockaddr_storage from;
  socklen_t fromlen = sizeof from;
  ssize_t n = recvfrom (fd, req, sizeof req, MSG_DONTWAIT, (struct sockaddr *) &from, &fromlen);
  gint64 rx = real_ns ();

  if (n < 48)
    return G_SOURCE_CONTINUE;
  s->requests++;
  rep[0] = (0 << 6) | (4 << 3) | 4;   /* LI 0, version 4, mode 4 */
  rep[1] = 1;                          /* stratum */
  rep[2] = req[2];
  rep[3] = (guint8) -20;               /* precision ~1 µs */
  rep[11] = 0x10;                      /* root dispersion 1/16 ms-ish */
  memcpy (rep + 12, "LOCL", 4);
  put_ts (rep + 16, rx - 1000000000);
  memcpy (rep + 24, req + 40, 8);      /* origin = the request's transmit timestamp */
  put_ts (rep + 32, rx);
  put_ts (rep + 40, real_ns ());
  sendto (fd, rep, sizeof rep, 0, (struct sockaddr *) &from, fromlen);
  return G_SOURCE_CONTINUE;
}

static gboolean
server_open (Server *s, int family, const char *addr, guint16 *port)
{
  struct sockaddr_storage ss = { 0 };
  socklen_t len;

  memset (s, 0, sizeof *s);
  s->fd = socket (family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  assert_true (s->fd >= 0);
  if (family == AF_INET)
    {
      struct sockaddr_in *in = (struct sockaddr_in *) &ss;
      in->sin_family = AF_INET;
      in->sin_port = htons (*port);
      inet_pton (AF_INET, addr, &in->sin_addr);
      len = sizeof *in;
    }
  else
    {
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons (*port);
      inet_pton (AF_INET6, addr, &in6->sin6_addr);
      len = sizeof *in6;
    }
  if (bind (s->fd, (struct sockaddr *) &ss, len) < 0)
    {
      close (s->fd);
      s->fd = -1;
      return FALSE;
    }
  len = sizeof ss;
  getsockname (s->fd, (struct sockaddr *) &ss, &len);
  *port = ntohs (family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                   : ((struct sockaddr_in6 *) &ss)->sin6_port);
  s->watch = g_unix_fd_add (s->fd, G_IO_IN, on_request, s);
  return TRUE;
}

static void
server_close (Server *s)
{
  if (s->fd < 0)
    return;
  g_source_remove (s->watch);
  close (s->fd);
  s->fd = -1;
}

typedef struct {
  guint tracking, sources;
  gint64 last_ref;
  guint same_ref;
  MrdClock *clock;
} Updates;

static void
on_updated (MrdSyncEngine *engine, MrdSyncEngineChanged what, gpointer user_data)
{
  Updates *u = user_data;
  NtpTracking t;

  if (what & MRD_SYNC_ENGINE_CHANGED_SOURCES)
    u->sources++;
  if (!(what & MRD_SYNC_ENGINE_CHANGED_TRACKING))
    return;
  u->tracking++;
  mrd_sync_engine_get_tracking (engine, &t);
  /* One announcement per clock update: a new reference time each time. */
  if (t.ref_time_ns == u->last_ref)
    u->same_ref++;
  u->last_ref = t.ref_time_ns;
}

static void
run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (500);
}

static MrdConfig *
config_from (const char *text)
{
  MrdConfig *config = mrd_config_new ();

  mrd_config_parse_data (config, text, "test.conf");
  assert_int_equal (config->n_errors, 0);
  return config;
}

static void
duplicate_and_bad_lines_are_refused (void **state)
{
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.0, 0.0);
  g_autoptr(MrdSyncEngine) engine = mrd_sync_engine_new (clock, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = NULL;

  assert_true (mrd_sync_engine_add_source (engine, "server 192.0.2.1 iburst", NULL));
  assert_false (mrd_sync_engine_add_source (engine, "server 192.0.2.1 minpoll 4", &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS));
  g_clear_error (&error);
  /* The same address on another port is another source. */
  assert_true (mrd_sync_engine_add_source (engine, "server 192.0.2.1 port 1123", NULL));
  assert_false (mrd_sync_engine_add_source (engine, "server 192.0.2.2 minpoll", &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);
  lines = mrd_sync_engine_get_lines (engine);
  assert_int_equal (lines->len, 2);
  /* Stopped: nothing to burst or step. */
  assert_false (mrd_sync_engine_burst (engine));
  assert_false (mrd_sync_engine_make_step (engine));
  assert_true (mrd_sync_engine_remove_source_by_name (engine, "192.0.2.1", NULL));
  g_clear_pointer (&lines, g_ptr_array_unref);
  lines = mrd_sync_engine_get_lines (engine);
  assert_int_equal (lines->len, 1);
  assert_false (mrd_sync_engine_remove_source_by_name (engine, "192.0.2.9", &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  g_clear_error (&error);

  /* A parsed line under the caller's own id. */
  {
    NtpSourceConfig sc;
    char err[128];
    guint id = 0;

    ntp_source_config_init (&sc);
    assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.3 iburst", err, sizeof err), 0);
    assert_true (mrd_sync_engine_add_source_config (engine, "server 192.0.2.3 iburst", &sc, 42,
                                                    &id, NULL));
    assert_int_equal (id, 42);
    ntp_source_config_init (&sc);
    assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.4", err, sizeof err), 0);
    assert_false (mrd_sync_engine_add_source_config (engine, "server 192.0.2.4", &sc, 42, NULL,
                                                     &error));
    assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS));
    g_clear_error (&error);
    assert_true (mrd_sync_engine_remove_line (engine, 42, NULL));
    assert_false (mrd_sync_engine_remove_line (engine, 42, &error));
    assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  }
}

static void
synchronizes_announces_once_per_update_and_keeps_drift (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("mrd-sync-XXXXXX", NULL);
  g_autofree char *drift = g_build_filename (dir, "drift", NULL);
  g_autofree char *text = NULL;
  g_autofree char *drift_text = NULL;
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.3, -50.0);
  g_autoptr(MrdConfig) config = NULL;
  g_autoptr(MrdSyncEngine) engine = NULL;
  g_autoptr(GArray) sources = NULL;
  Updates u = { 0 };
  Server s;
  guint16 port = 0;
  NtpTracking t;
  double off = 1.0, freq, skew;
  gint64 end;

  assert_true (server_open (&s, AF_INET, "127.0.0.1", &port));
  /* A drift file from before: the engine starts from it. chronyd's sign: positive = the
   * uncompensated clock runs fast, so -40 is a clock 40 ppm slow, corrected by +40. */
  assert_true (g_file_set_contents (drift, "          -40.000000             2.000000\n", -1,
                                    NULL));
  text = g_strdup_printf ("server 127.0.0.1 port %u iburst minpoll 0 maxpoll 0\n"
                          "makestep 0.1 3\n"
                          "driftfile %s\n", port, drift);
  config = config_from (text);
  engine = mrd_sync_engine_new (clock, config, NULL);
  assert_non_null (engine);
  mrd_sync_engine_set_updated_func (engine, on_updated, &u);
  mrd_sync_engine_start (engine);
  assert_true (mrd_sync_engine_is_running (engine));
  assert_float_equal (mrd_clock_get_freq (clock), 40.0, 1e-6);

  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    {
      run_for (100);
      mrd_sync_engine_get_tracking (engine, &t);
      assert_true (mrd_clock_get_true_offset (clock, &off));
      if (t.synchronized && fabs (off) < 1e-3 && u.tracking >= 4)
        break;
    }
  assert_true (t.synchronized);
  assert_true (fabs (off) < 1e-3);
  assert_int_equal (t.stratum, 2);
  assert_int_equal (u.same_ref, 0);
  assert_true (s.requests >= 4);

  sources = mrd_sync_engine_list_sources (engine);
  assert_int_equal (sources->len, 1);
  {
    MrdSyncSourceInfo *info = &g_array_index (sources, MrdSyncSourceInfo, 0);
    g_autofree char *addr = g_strdup_printf ("127.0.0.1:%u", port);

    assert_string_equal (info->address, addr);
    assert_int_not_equal (info->line_id, 0);
    assert_string_equal (info->name, "127.0.0.1");
    assert_int_equal (info->report.state, NTP_STATE_SELECTED);
    assert_true (info->report.reach != 0);
  }

  mrd_sync_engine_get_tracking (engine, &t);
  mrd_sync_engine_stop (engine);
  assert_false (mrd_sync_engine_is_running (engine));
  assert_true (g_file_get_contents (drift, &drift_text, NULL, NULL));
  assert_int_equal (sscanf (drift_text, "%lf %lf", &freq, &skew), 2);
  /* The file holds the estimate the engine had at stop, in the same sign, which started from
   * the file's -40 and heads for the clock's true -50. */
  assert_float_equal (freq, t.freq_ppm, 1e-5);
  assert_true (freq < -30.0 && freq > -60.0);
  assert_true (skew > 0.0);
  /* Stopped: no more requests. */
  {
    guint before = s.requests;

    run_for (1500);
    assert_int_equal (s.requests, before);
  }
  server_close (&s);
  g_unlink (drift);
  g_rmdir (dir);
}

static void
pool_is_one_source_per_address (void **state)
{
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.0, 0.0);
  g_autoptr(MrdSyncEngine) engine = NULL;
  g_autoptr(GArray) sources = NULL;
  g_autofree char *line = NULL;
  Server s4, s6;
  guint16 port = 0;
  Updates u = { 0 };
  gint64 end;
  guint i, tries;

  /* The same port on 127.0.0.1 and ::1, for "localhost" (both in /etc/hosts). */
  for (tries = 0; tries < 20; tries++)
    {
      port = 0;
      assert_true (server_open (&s4, AF_INET, "127.0.0.1", &port));
      if (server_open (&s6, AF_INET6, "::1", &port))
        break;
      server_close (&s4);
    }
  if (tries == 20)
    {
      print_message ("no IPv6 loopback here\n");
      skip ();
    }
  engine = mrd_sync_engine_new (clock, NULL, NULL);
  mrd_sync_engine_set_updated_func (engine, on_updated, &u);
  line = g_strdup_printf ("pool localhost port %u iburst maxsources 4", port);
  assert_true (mrd_sync_engine_add_source (engine, line, NULL));
  mrd_sync_engine_start (engine);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end && (s4.requests == 0 || s6.requests == 0))
    run_for (50);

  sources = mrd_sync_engine_list_sources (engine);
  if (sources->len < 2)
    {
      print_message ("localhost resolves to %u address(es) here\n", sources->len);
      skip ();
    }
  assert_int_equal (sources->len, 2);
  assert_true (u.sources >= 1);
  for (i = 0; i < sources->len; i++)
    {
      MrdSyncSourceInfo *info = &g_array_index (sources, MrdSyncSourceInfo, i);

      assert_string_equal (info->name, "localhost");
      assert_int_equal (info->mode, NTP_SOURCE_POOL);
    }
  assert_string_not_equal (g_array_index (sources, MrdSyncSourceInfo, 0).address,
                           g_array_index (sources, MrdSyncSourceInfo, 1).address);
  /* Both addresses are polled. */
  assert_true (s4.requests > 0);
  assert_true (s6.requests > 0);
  /* Removing one of its addresses removes the pool line. */
  assert_true (mrd_sync_engine_remove_source (engine,
                                              g_array_index (sources, MrdSyncSourceInfo, 0).id,
                                              NULL));
  g_clear_pointer (&sources, g_array_unref);
  sources = mrd_sync_engine_list_sources (engine);
  assert_int_equal (sources->len, 0);
  mrd_sync_engine_stop (engine);
  server_close (&s4);
  server_close (&s6);
}

static void
an_unreachable_member_is_replaced_after_resolving_again (void **state)
{
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.0, 0.0);
  g_autoptr(MrdSyncEngine) engine = NULL;
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) after = NULL;
  g_autofree char *line = NULL;
  Server s4, s6;
  Server *dead, *alive;
  guint16 port = 0;
  gint64 end;
  guint tries, alive_before;

  for (tries = 0; tries < 20; tries++)
    {
      port = 0;
      assert_true (server_open (&s4, AF_INET, "127.0.0.1", &port));
      if (server_open (&s6, AF_INET6, "::1", &port))
        break;
      server_close (&s4);
    }
  if (tries == 20)
    {
      print_message ("no IPv6 loopback here\n");
      skip ();
    }
  engine = mrd_sync_engine_new (clock, NULL, NULL);
  /* One address of the two at a time, polled every 1/8 s. */
  line = g_strdup_printf ("pool localhost port %u maxsources 1 minpoll -3 maxpoll -3", port);
  assert_true (mrd_sync_engine_add_source (engine, line, NULL));
  mrd_sync_engine_start (engine);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end && s4.requests + s6.requests < 3)
    run_for (50);
  before = mrd_sync_engine_list_sources (engine);
  if (before->len != 1 || s4.requests * s6.requests != 0)
    {
      print_message ("localhost does not resolve to both loopback addresses here\n");
      skip ();
    }
  dead = s4.requests > 0 ? &s4 : &s6;
  alive = dead == &s4 ? &s6 : &s4;
  alive_before = alive->requests;
  server_close (dead);

  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end && alive->requests == alive_before)
    run_for (50);
  assert_true (alive->requests > alive_before);
  after = mrd_sync_engine_list_sources (engine);
  assert_int_equal (after->len, 1);
  assert_string_not_equal (g_array_index (after, MrdSyncSourceInfo, 0).address,
                           g_array_index (before, MrdSyncSourceInfo, 0).address);
  assert_string_equal (g_array_index (after, MrdSyncSourceInfo, 0).name, "localhost");
  mrd_sync_engine_stop (engine);
  server_close (alive);
}

typedef struct {
  MrdSyncEngine *engine;
  guint states_only;           /* announcements with CHANGED_STATES and nothing else */
  guint unchanged;             /* ... of which the reach was the same as at the one before */
  guint last_reach;
} StatesSeen;

static void
on_states (MrdSyncEngine *engine, MrdSyncEngineChanged what, gpointer user_data)
{
  StatesSeen *seen = user_data;
  g_autoptr(GArray) sources = mrd_sync_engine_list_sources (engine);
  guint reach = sources->len == 1 ? g_array_index (sources, MrdSyncSourceInfo, 0).report.reach
                                  : 0x100;

  if (what != MRD_SYNC_ENGINE_CHANGED_STATES)
    {
      seen->last_reach = reach;
      return;
    }
  seen->states_only++;
  if (reach == seen->last_reach)
    seen->unchanged++;
  seen->last_reach = reach;
}

/* A test server on 127.0.0.1 (opened into @s) and an engine on @clock polling it every 1/8 s,
 * @func (if any) its listener, started. */
static MrdSyncEngine *
start_polling_every_eighth (MrdClock *clock, Server *s, MrdSyncEngineUpdatedFunc func,
                            gpointer user_data)
{
  g_autofree char *line = NULL;
  guint16 port = 0;
  MrdSyncEngine *engine;

  assert_true (server_open (s, AF_INET, "127.0.0.1", &port));
  engine = mrd_sync_engine_new (clock, NULL, NULL);
  line = g_strdup_printf ("server 127.0.0.1 port %u minpoll -3 maxpoll -3", port);
  assert_true (mrd_sync_engine_add_source (engine, line, NULL));
  if (func != NULL)
    mrd_sync_engine_set_updated_func (engine, func, user_data);
  mrd_sync_engine_start (engine);
  return engine;
}

/* A listener follows a source's reach without a timer of its own: the engine announces a
 * change of state or reach without a clock update (a server that stopped answering), and only
 * then: a source that answers every request is quiet between clock updates. */
static void
a_change_of_reach_is_announced_without_a_clock_update (void **state)
{
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.0, 0.0);
  StatesSeen seen = { 0 };
  Server s;
  g_autoptr(MrdSyncEngine) engine = start_polling_every_eighth (clock, &s, on_states, &seen);
  guint requests;
  gint64 end;

  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end && s.requests < 12)
    run_for (50);
  assert_true (s.requests >= 12);
  /* Answered every time, the reach stays 377: nothing to announce between clock updates
   * (not the request going out, not its reply coming in). */
  seen.states_only = 0;
  requests = s.requests;
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end && s.requests < requests + 8)
    run_for (50);
  assert_true (s.requests >= requests + 8);
  assert_int_equal (seen.states_only, 0);
  server_close (&s);
  seen.states_only = seen.unchanged = 0;
  /* Polls every 1/8 s: the reach register shifts its ones out, one announcement per poll,
   * until it is empty. */
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end && seen.states_only < 4)
    run_for (50);
  assert_true (seen.states_only >= 4);
  assert_int_equal (seen.unchanged, 0);
  mrd_sync_engine_stop (engine);
}

typedef struct {
  guint unsynchronized;   /* TRACKING announcements saying not synchronized */
} SyncSeen;

static void
on_sync (MrdSyncEngine *engine, MrdSyncEngineChanged what, gpointer user_data)
{
  SyncSeen *seen = user_data;
  NtpTracking t;

  mrd_sync_engine_get_tracking (engine, &t);
  if ((what & MRD_SYNC_ENGINE_CHANGED_TRACKING) && !t.synchronized)
    seen->unsynchronized++;
}

/* The only server stops answering: once eight requests went unanswered (1 s at 1/8 s polls)
 * the engine announces the clock not synchronized and tells the clock so (the kernel's
 * STA_UNSYNC on the system clock), with no clock update to carry it. Before, the clock read
 * as synchronized for as long as the server stayed silent. */
static void
a_silent_only_server_is_announced_as_unsynchronized (void **state)
{
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.0, 0.0);
  SyncSeen seen = { 0 };
  Server s;
  g_autoptr(MrdSyncEngine) engine = start_polling_every_eighth (clock, &s, NULL, NULL);
  NtpTracking t = { 0 };
  gint64 end;

  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end && !(t.synchronized && clock->synchronized))
    {
      run_for (50);
      mrd_sync_engine_get_tracking (engine, &t);
    }
  assert_true (t.synchronized && clock->synchronized);
  mrd_sync_engine_set_updated_func (engine, on_sync, &seen);
  server_close (&s);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end && seen.unsynchronized == 0)
    run_for (50);
  assert_int_equal (seen.unsynchronized, 1);
  assert_false (clock->synchronized);
  mrd_sync_engine_get_tracking (engine, &t);
  assert_false (t.synchronized);
  mrd_sync_engine_stop (engine);
}

/* A test server on 127.0.0.1 (opened into @s) and an engine on @clock, started, with the
 * one line `server 127.0.0.1 port N @source_options` and then @more_lines. */
static MrdSyncEngine *
start_engine_with_server (MrdClock *clock, Server *s, const char *source_options,
                          const char *more_lines)
{
  g_autoptr(MrdConfig) config = NULL;
  g_autofree char *text = NULL;
  guint16 port = 0;
  MrdSyncEngine *engine;

  assert_true (server_open (s, AF_INET, "127.0.0.1", &port));
  text = g_strdup_printf ("server 127.0.0.1 port %u %s\n%s", port, source_options, more_lines);
  config = config_from (text);
  engine = mrd_sync_engine_new (clock, config, NULL);
  assert_non_null (engine);
  mrd_sync_engine_start (engine);
  return engine;
}

/* Run the main loop until @done says so of the engine's tracking and the clock's true offset,
 * or @seconds have passed; *@t (and *@true_offset unless NULL) are the last values seen. */
typedef gboolean (*TrackingDone) (const NtpTracking *t, double true_offset);

static void
wait_for_tracking (MrdSyncEngine *engine, MrdClock *clock, guint seconds, TrackingDone done,
                   NtpTracking *t, double *true_offset)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  double off = 1.0;

  while (g_get_monotonic_time () < end)
    {
      run_for (50);
      mrd_sync_engine_get_tracking (engine, t);
      assert_true (mrd_clock_get_true_offset (clock, &off));
      if (done (t, off))
        break;
    }
  if (true_offset != NULL)
    *true_offset = off;
}

static gboolean
slewing_for_half_a_second (const NtpTracking *t, double true_offset)
{
  return t->slew_left > 0.5;
}

static gboolean
synchronized_within_1ms (const NtpTracking *t, double true_offset)
{
  return t->synchronized && fabs (true_offset) < 1e-3;
}

/* Stopped in the middle of a slew, the engine leaves the clock at its frequency estimate: the
 * slew's extra frequency would otherwise run on with nothing to end it. A clock whose
 * correction is beyond any oscillator's drift (what such a slew leaves) is not taken as the
 * drift by the next start. */
static void
a_stop_mid_slew_leaves_the_clock_at_its_frequency_estimate (void **state)
{
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.3, -20.0);
  g_autoptr(MrdSyncEngine) engine = NULL;
  Server s;
  NtpTracking t = { 0 };

  /* 0.3 s off, under makestep's 1 s: slewed out, at up to 83 333 ppm. */
  engine = start_engine_with_server (clock, &s, "iburst minpoll 0 maxpoll 0", "makestep 1 3\n");
  wait_for_tracking (engine, clock, 20, slewing_for_half_a_second, &t, NULL);
  assert_true (t.slew_left > 0.5);
  assert_true (fabs (mrd_clock_get_freq (clock)) > 1000.0);
  mrd_sync_engine_stop (engine);
  assert_float_equal (mrd_clock_get_freq (clock), -t.freq_ppm, 1e-6);
  assert_true (fabs (mrd_clock_get_freq (clock)) < 500.0);

  /* What a daemon killed mid-slew leaves: the next start begins from no correction. */
  assert_true (mrd_clock_set_freq (clock, 50000.0, NULL));
  mrd_sync_engine_start (engine);
  assert_float_equal (mrd_clock_get_freq (clock), 0.0, 1e-9);
  mrd_sync_engine_stop (engine);
  /* A plausible correction is the drift, kept. */
  assert_true (mrd_clock_set_freq (clock, 40.0, NULL));
  mrd_sync_engine_start (engine);
  assert_float_equal (mrd_clock_get_freq (clock), 40.0, 1e-6);
  mrd_sync_engine_stop (engine);
  server_close (&s);
}

/* Once synchronized, each poll wakes the engine once: the slew that follows each update ends
 * in the virtual clock (mrd_clock_set_freq_until), not on a timer of its own. At a 4 s poll
 * the slews of a few microseconds last about a second, so a timer ending them would double the
 * wake-ups. */
static void
a_poll_costs_one_wake_up_when_the_clock_ends_its_slews (void **state)
{
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.002, -20.0);
  g_autoptr(MrdSyncEngine) engine = NULL;
  Server s;
  NtpTracking t = { 0 };
  double off = 1.0;
  guint64 wakeups;
  guint requests;

  engine = start_engine_with_server (clock, &s, "iburst minpoll 2 maxpoll 2", "");
  wait_for_tracking (engine, clock, 30, synchronized_within_1ms, &t, &off);
  assert_true (t.synchronized);
  wakeups = mrd_sync_engine_get_timer_wakeups (engine);
  requests = s.requests;
  run_for (16500);
  mrd_sync_engine_get_tracking (engine, &t);
  assert_true (t.synchronized);
  assert_true (s.requests - requests >= 4);
  /* One wake-up per request, and one spare for a timer that fires a hair early. */
  assert_true (mrd_sync_engine_get_timer_wakeups (engine) - wakeups <= s.requests - requests + 1);
  mrd_sync_engine_stop (engine);
  server_close (&s);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (duplicate_and_bad_lines_are_refused),
    cmocka_unit_test (synchronizes_announces_once_per_update_and_keeps_drift),
    cmocka_unit_test (a_poll_costs_one_wake_up_when_the_clock_ends_its_slews),
    cmocka_unit_test (pool_is_one_source_per_address),
    cmocka_unit_test (an_unreachable_member_is_replaced_after_resolving_again),
    cmocka_unit_test (a_change_of_reach_is_announced_without_a_clock_update),
    cmocka_unit_test (a_silent_only_server_is_announced_as_unsynchronized),
    cmocka_unit_test (a_stop_mid_slew_leaves_the_clock_at_its_frequency_estimate),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
