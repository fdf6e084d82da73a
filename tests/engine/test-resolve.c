/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Names through the resolver (service/sync/mrd-sync-engine.c, service/net/mrd-net.c), with a
 * scripted lookup in place of getaddrinfo(3) (mrd_net_set_lookup_func), in the resolver's
 * worker thread as getaddrinfo would be: a name that does not
 * resolve is asked again with a back-off that doubles, and a pool whose member stops answering
 * is resolved again and the member replaced by an address that answers. The back-off is
 * shortened (mrd_sync_engine_set_resolve_backoff) so that the test takes seconds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <gio/gio.h>

#include "net/mrd-net.h"
#include "sync/mrd-sync-engine.h"

#define NTP_EPOCH_OFFSET G_GINT64_CONSTANT (2208988800)

/* ---- a resolver that answers from a script --------------------------------------------- */

/* Runs in the resolver's worker thread (mrd_net_set_lookup_func); the test reads it from the
 * main thread once the answer has come back there. */
typedef struct {
  guint fail_first;          /* fail this many lookups first */
  const char *answers[4][3]; /* the addresses of each later lookup (the last one repeats) */
  gint calls;
  gint64 call_mono[16];      /* µs */
} TestResolver;

static GPtrArray *
scripted_lookup (const char *host, guint16 port, gpointer user_data, GError **error)
{
  TestResolver *self = user_data;
  guint n = (guint) g_atomic_int_add (&self->calls, 1);
  GPtrArray *list;
  guint i;

  if (n < G_N_ELEMENTS (self->call_mono))
    self->call_mono[n] = g_get_monotonic_time ();
  if (n < self->fail_first)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "not found (scripted)");
      return NULL;
    }
  n = MIN (n - self->fail_first, 3);
  while (n > 0 && self->answers[n][0] == NULL)
    n--;
  list = g_ptr_array_new_with_free_func (g_free);
  for (i = 0; i < 3 && self->answers[n][i] != NULL; i++)
    g_ptr_array_add (list, mrd_net_address_parse_numeric (self->answers[n][i], port));
  return list;
}

/* ---- a server ----------------------------------------------------------------------------- */

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

static gboolean
on_request (GSocket *sock, GIOCondition cond, gpointer user_data)
{
  guint8 req[128], rep[48] = { 0 };
  GSocketAddress *from = NULL;
  gssize n = g_socket_receive_from (sock, &from, (char *) req, sizeof req, NULL, NULL);
  gint64 rx = g_get_real_time () * 1000;

  if (n >= 48)
    {
      rep[0] = (0 << 6) | (4 << 3) | 4;
      rep[1] = 1;
      rep[3] = (guint8) -20;
      memcpy (rep + 12, "LOCL", 4);
      put_ts (rep + 16, rx - G_GINT64_CONSTANT (1000000000));
      memcpy (rep + 24, req + 40, 8);
      put_ts (rep + 32, rx);
      put_ts (rep + 40, g_get_real_time () * 1000);
      g_socket_send_to (sock, from, (const char *) rep, sizeof rep, NULL, NULL);
      (*(guint *) user_data)++;
    }
  g_clear_object (&from);
  return G_SOURCE_CONTINUE;
}

/* A server on @addr (port 0: any; returns the port), counting requests in *@count. */
static GSocket *
server_new (const char *addr, guint16 *port, guint *count, GSource **watch)
{
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetAddress) a = g_inet_address_new_from_string (addr);
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new (a, *port);
  g_autoptr(GSocketAddress) bound = NULL;

  assert_true (g_socket_bind (sock, sa, FALSE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  *watch = g_socket_create_source (sock, G_IO_IN, NULL);
  g_source_set_callback (*watch, (GSourceFunc) (void (*) (void)) on_request, count, NULL);
  g_source_attach (*watch, NULL);
  return sock;
}

static void
run_until (gint64 limit_us, gboolean (*done) (gpointer), gpointer data)
{
  gint64 end = g_get_monotonic_time () + limit_us;

  while (g_get_monotonic_time () < end && !done (data))
    g_main_context_iteration (NULL, TRUE);
}

/* ---- tests -------------------------------------------------------------------------------- */

typedef struct {
  TestResolver *resolver;
  guint *requests;
  guint calls, min_requests;
} Wait;

static gboolean
enough (gpointer data)
{
  Wait *w = data;

  return (guint) g_atomic_int_get (&w->resolver->calls) >= w->calls &&
         *w->requests >= w->min_requests;
}

static gboolean
lookups_done (gpointer data)
{
  Wait *w = data;

  return (guint) g_atomic_int_get (&w->resolver->calls) >= w->calls;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

static void
a_name_that_does_not_resolve_is_asked_again_with_a_doubling_back_off (void **state)
{
  g_autofree TestResolver *resolver = g_new0 (TestResolver, 1);
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.0, 0.0);
  g_autoptr(MrdSyncEngine) engine = NULL;
  g_autoptr(GSocket) server = NULL;
  g_autoptr(GSource) watch = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GArray) sources = NULL;
  guint requests = 0;
  guint16 port = 0;
  Wait w;
  gint64 gap1, gap2, gap3, gap4;

  server = server_new ("127.0.0.1", &port, &requests, &watch);
  resolver->fail_first = 4;
  resolver->answers[0][0] = "127.0.0.1";
  mrd_net_set_lookup_func (scripted_lookup, resolver);

  engine = mrd_sync_engine_new (clock, NULL, NULL);
  mrd_sync_engine_set_resolve_backoff (engine, 200, 600);
  line = g_strdup_printf ("server ntp.example.invalid port %u iburst minpoll -3 maxpoll -3", port);
  assert_true (mrd_sync_engine_add_source (engine, line, NULL));
  mrd_sync_engine_start (engine);
  assert_int_equal (mrd_sync_engine_get_n_unresolved (engine), 1);
  w = (Wait) { .resolver = resolver, .requests = &requests, .calls = 5, .min_requests = 1 };
  run_until (10 * G_USEC_PER_SEC, enough, &w);
  mrd_sync_engine_stop (engine);
  mrd_net_set_lookup_func (NULL, NULL);

  /* Four failures, then the answer; and the source polled at its address. */
  assert_int_equal (resolver->calls, 5);
  assert_true (requests >= 1);
  assert_int_equal (mrd_sync_engine_get_n_unresolved (engine), 0);
  sources = mrd_sync_engine_list_sources (engine);
  assert_int_equal (sources->len, 1);
  assert_string_equal (g_array_index (sources, MrdSyncSourceInfo, 0).name, "ntp.example.invalid");
  /* 200, 400, then the ceiling 600, 600 ms between the lookups (timer slack aside): doubling
   * until the ceiling, and no further (uncapped, the last gap would be 1600 ms). */
  gap1 = resolver->call_mono[1] - resolver->call_mono[0];
  gap2 = resolver->call_mono[2] - resolver->call_mono[1];
  gap3 = resolver->call_mono[3] - resolver->call_mono[2];
  gap4 = resolver->call_mono[4] - resolver->call_mono[3];
  print_message ("gaps %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                 " %" G_GINT64_FORMAT " µs\n", gap1, gap2, gap3, gap4);
  assert_true (gap1 >= 200000 && gap2 >= 400000 && gap3 >= 600000 && gap4 >= 600000);
  assert_true (gap2 > gap1 * 3 / 2);
  assert_true (gap4 < 1200000);
  g_source_destroy (watch);
}

typedef struct {
  MrdSyncEngine *engine;
  const char *want;
} WaitAddress;

static gboolean
polls_address (gpointer data)
{
  WaitAddress *w = data;
  g_autoptr(GArray) sources = mrd_sync_engine_list_sources (w->engine);

  return sources->len == 1 &&
         g_str_equal (g_array_index (sources, MrdSyncSourceInfo, 0).address, w->want) &&
         g_array_index (sources, MrdSyncSourceInfo, 0).report.reach != 0;
}

static void
a_pool_member_that_stops_answering_is_replaced_after_resolving_again (void **state)
{
  g_autofree TestResolver *resolver = g_new0 (TestResolver, 1);
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.0, 0.0);
  g_autoptr(MrdSyncEngine) engine = NULL;
  g_autoptr(GSocket) server = NULL;
  g_autoptr(GSource) watch = NULL;
  g_autofree char *line = NULL;
  g_autofree char *want = NULL;
  guint requests = 0;
  guint16 port = 0;
  WaitAddress w;

  /* Only 127.0.0.2 answers. The first answer names 127.0.0.1 alone (nothing there); later
   * ones both, the dead one first. */
  server = server_new ("127.0.0.2", &port, &requests, &watch);
  resolver->answers[0][0] = "127.0.0.1";
  resolver->answers[1][0] = "127.0.0.1";
  resolver->answers[1][1] = "127.0.0.2";
  mrd_net_set_lookup_func (scripted_lookup, resolver);

  engine = mrd_sync_engine_new (clock, NULL, NULL);
  mrd_sync_engine_set_resolve_backoff (engine, 100, 5000);
  line = g_strdup_printf ("pool pool.example.invalid port %u maxsources 1 minpoll -3 maxpoll -3",
                          port);
  assert_true (mrd_sync_engine_add_source (engine, line, NULL));
  mrd_sync_engine_start (engine);
  want = g_strdup_printf ("127.0.0.2:%u", port);
  w = (WaitAddress) { .engine = engine, .want = want };
  /* Eight unanswered polls 1/8 s apart, then the new lookup. */
  run_until (15 * G_USEC_PER_SEC, polls_address, &w);
  assert_true (polls_address (&w));
  mrd_sync_engine_stop (engine);
  mrd_net_set_lookup_func (NULL, NULL);

  assert_true (resolver->calls >= 2);
  assert_true (requests >= 1);
  g_source_destroy (watch);
}

/* chronyc refresh: the name is looked up again at once, and a member the answer no longer
 * lists is replaced, though it answers; one still listed is kept. The server's name first
 * gives 127.0.0.1, then 127.0.0.1 and 127.0.0.2 (kept on .1), then 127.0.0.2 alone. */
static void
refresh_replaces_members_the_name_no_longer_lists (void **state)
{
  g_autofree TestResolver *resolver = g_new0 (TestResolver, 1);
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.0, 0.0);
  g_autoptr(MrdSyncEngine) engine = NULL;
  g_autoptr(GSocket) first = NULL, second = NULL;
  g_autoptr(GSource) first_watch = NULL, second_watch = NULL;
  g_autofree char *line = NULL, *want_first = NULL, *want_second = NULL;
  guint first_requests = 0, second_requests = 0;
  guint16 port = 0;
  WaitAddress w;

  first = server_new ("127.0.0.1", &port, &first_requests, &first_watch);
  second = server_new ("127.0.0.2", &port, &second_requests, &second_watch);
  resolver->answers[0][0] = "127.0.0.1";
  resolver->answers[1][0] = "127.0.0.1";
  resolver->answers[1][1] = "127.0.0.2";
  resolver->answers[2][0] = "127.0.0.2";
  mrd_net_set_lookup_func (scripted_lookup, resolver);

  engine = mrd_sync_engine_new (clock, NULL, NULL);
  line = g_strdup_printf ("server ntp.example.invalid port %u iburst minpoll -3 maxpoll -3",
                          port);
  assert_true (mrd_sync_engine_add_source (engine, line, NULL));
  mrd_sync_engine_start (engine);
  want_first = g_strdup_printf ("127.0.0.1:%u", port);
  want_second = g_strdup_printf ("127.0.0.2:%u", port);
  w = (WaitAddress) { .engine = engine, .want = want_first };
  run_until (10 * G_USEC_PER_SEC, polls_address, &w);
  assert_true (polls_address (&w));
  assert_int_equal (resolver->calls, 1);

  /* Still listed: kept. */
  mrd_sync_engine_refresh (engine);
  run_until (2 * G_USEC_PER_SEC, lookups_done, &(Wait) { .resolver = resolver, .calls = 2 });
  assert_int_equal (g_atomic_int_get (&resolver->calls), 2);
  run_until (G_USEC_PER_SEC / 2, never, NULL);
  assert_true (polls_address (&w));
  assert_int_equal (second_requests, 0);

  /* No longer listed: replaced, though it answers. */
  mrd_sync_engine_refresh (engine);
  w.want = want_second;
  run_until (10 * G_USEC_PER_SEC, polls_address, &w);
  assert_true (polls_address (&w));
  assert_int_equal (resolver->calls, 3);
  assert_true (second_requests >= 1);
  mrd_sync_engine_stop (engine);
  mrd_net_set_lookup_func (NULL, NULL);
  g_source_destroy (first_watch);
  g_source_destroy (second_watch);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (a_name_that_does_not_resolve_is_asked_again_with_a_doubling_back_off),
    cmocka_unit_test (a_pool_member_that_stops_answering_is_replaced_after_resolving_again),
    cmocka_unit_test (refresh_replaces_members_the_name_no_longer_lists),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
