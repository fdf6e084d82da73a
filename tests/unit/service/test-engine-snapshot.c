/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the engine child's shared snapshot (service/privsep/mrd-engine-snapshot.c)
 * and of the discrete key that decides when the child still sends an update
 * (mrd_wire_discrete_key, service/privsep/mrd-engine-wire.c). The "child" here maps the
 * parent's memfd as the engine child does; a hostile child is played by writing the shared
 * page directly. */
#define _GNU_SOURCE 1
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib.h>

#include "privsep/mrd-engine-snapshot.h"
#include "privsep/mrd-engine-wire.h"

static GVariant *
update (double offset, NtpSourceState state, guint n_sources)
{
  NtpTracking t = { 0 };
  NtpSourceReport r = { 0 };
  GVariantBuilder b;

  /* Not synchronized, and no source heard from: an update read back is then the very one
   * written (otherwise its root dispersion and times since the last sample are aged to the
   * moment of reading; aged_to_the_moment_of_reading). */
  t.synchronized = false;
  t.ref_id = 0x7F000001;
  t.stratum = 2;
  t.ref_time_ns = 1700000000000000000LL;
  t.last_offset = offset;
  t.system_time_offset = offset / 2;
  r.state = state;
  r.stratum = 1;
  r.poll = 4;
  r.reach = 0377;
  r.measured_offset = offset;
  r.delay = 0.002;
  r.last_rx_ago = -1.0;
  r.select_score = 1.0;       /* what the core reports (a score below 1 is read as 1) */
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a" MRD_WIRE_SOURCE));
  for (guint i = 0; i < n_sources; i++)
    g_variant_builder_add (&b, "(uss@" MRD_WIRE_REPORT ")", 1 + i, "127.0.0.1:123", "127.0.0.1",
                           mrd_wire_report (&r));
  return g_variant_ref_sink (
    g_variant_new ("(@" MRD_WIRE_TRACKING "s@a" MRD_WIRE_SOURCE "(bdd)(ttttttt))",
                   mrd_wire_tracking (&t), "127.0.0.1", g_variant_builder_end (&b), TRUE,
                   -23.0, 0.1, (guint64) 5, (guint64) 4, (guint64) 3, (guint64) 2, (guint64) 1,
                   (guint64) 0, (guint64) 7));
}

static MrdEngineSnapshot *
child_of (MrdEngineSnapshot *parent)
{
  return mrd_engine_snapshot_new_from_fd (dup (mrd_engine_snapshot_get_fd (parent)), NULL);
}

static void
written_update_is_read_once_until_the_next (void **state)
{
  g_autoptr(MrdEngineSnapshot) parent = mrd_engine_snapshot_new (NULL);
  g_autoptr(MrdEngineSnapshot) child = NULL;
  g_autoptr(GVariant) u1 = update (1e-4, NTP_STATE_SELECTED, 2);
  g_autoptr(GVariant) u2 = update (2e-4, NTP_STATE_SELECTED, 2);
  g_autoptr(GVariant) got = NULL;
  guint64 seq = 0, first;

  assert_non_null (parent);
  child = child_of (parent);
  assert_non_null (child);
  /* Nothing written yet. */
  assert_null (mrd_engine_snapshot_read (parent, G_VARIANT_TYPE (MRD_WIRE_UPDATE), &seq));
  assert_int_equal (seq, 0);

  assert_true (mrd_engine_snapshot_write (child, u1));
  got = mrd_engine_snapshot_read (parent, G_VARIANT_TYPE (MRD_WIRE_UPDATE), &seq);
  assert_non_null (got);
  assert_true (g_variant_equal (got, u1));
  assert_true (seq > 0 && seq % 2 == 0);
  first = seq;
  g_clear_pointer (&got, g_variant_unref);
  /* Already read: nothing new. */
  assert_null (mrd_engine_snapshot_read (parent, G_VARIANT_TYPE (MRD_WIRE_UPDATE), &seq));
  assert_int_equal (seq, first);

  assert_true (mrd_engine_snapshot_write (child, u2));
  got = mrd_engine_snapshot_read (parent, G_VARIANT_TYPE (MRD_WIRE_UPDATE), &seq);
  assert_non_null (got);
  assert_true (g_variant_equal (got, u2));
  assert_true (seq > first);
  /* The same bytes read as another type are refused, not misread. */
  seq = 0;
  assert_null (mrd_engine_snapshot_read (parent, G_VARIANT_TYPE ("(s)"), &seq));
}

static void
an_update_too_large_is_not_stored (void **state)
{
  g_autoptr(MrdEngineSnapshot) parent = mrd_engine_snapshot_new (NULL);
  g_autoptr(MrdEngineSnapshot) child = child_of (parent);
  g_autoptr(GVariant) small = update (1e-4, NTP_STATE_SELECTED, 1);
  /* About 200 bytes a source: far past the snapshot's 64 KiB. */
  g_autoptr(GVariant) big = update (1e-4, NTP_STATE_SELECTED, 2000);
  g_autoptr(GVariant) got = NULL;
  guint64 seq = 0;

  assert_true (g_variant_get_size (big) > MRD_ENGINE_SNAPSHOT_SIZE);
  assert_true (mrd_engine_snapshot_write (child, small));
  assert_false (mrd_engine_snapshot_write (child, big));
  got = mrd_engine_snapshot_read (parent, G_VARIANT_TYPE (MRD_WIRE_UPDATE), &seq);
  assert_true (g_variant_equal (got, small));   /* the last one that fitted, whole */
}

static void
the_child_cannot_resize_and_only_a_sealed_memfd_is_taken (void **state)
{
  g_autoptr(MrdEngineSnapshot) parent = mrd_engine_snapshot_new (NULL);
  int fd = mrd_engine_snapshot_get_fd (parent);
  int plain;
  g_autoptr(GError) error = NULL;

  /* Shrinking under the parent's mapping would make its reads fault. */
  assert_int_equal (ftruncate (fd, 4096), -1);
  assert_int_equal (errno, EPERM);
  assert_int_equal (ftruncate (fd, 2 * MRD_ENGINE_SNAPSHOT_SIZE), -1);

  plain = memfd_create ("not-sealed", MFD_CLOEXEC);
  assert_true (plain >= 0);
  assert_int_equal (ftruncate (plain, MRD_ENGINE_SNAPSHOT_SIZE), 0);
  assert_null (mrd_engine_snapshot_new_from_fd (plain, &error));   /* takes and closes it */
  assert_non_null (error);
}

typedef struct {
  guint64 seq;
  guint32 len;
  guint32 reserved;
} Header;

static void
a_hostile_writer_gets_nothing_read (void **state)
{
  g_autoptr(MrdEngineSnapshot) parent = mrd_engine_snapshot_new (NULL);
  g_autoptr(MrdEngineSnapshot) child = child_of (parent);
  g_autoptr(GVariant) u = update (1e-4, NTP_STATE_SELECTED, 1);
  guint8 *page = mmap (NULL, MRD_ENGINE_SNAPSHOT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                       mrd_engine_snapshot_get_fd (parent), 0);
  Header *h = (Header *) page;
  guint64 seq = 0;
  gint64 start;

  assert_true (page != MAP_FAILED);
  assert_true (mrd_engine_snapshot_write (child, u));

  /* Kept odd for ever: the reader gives up at once, it does not spin. */
  h->seq = 7;
  start = g_get_monotonic_time ();
  assert_null (mrd_engine_snapshot_read (parent, G_VARIANT_TYPE (MRD_WIRE_UPDATE), &seq));
  assert_true (g_get_monotonic_time () - start < G_USEC_PER_SEC);
  assert_int_equal (seq, 0);

  /* A length past the page. */
  h->seq = 8;
  h->len = MRD_ENGINE_SNAPSHOT_SIZE;
  assert_null (mrd_engine_snapshot_read (parent, G_VARIANT_TYPE (MRD_WIRE_UPDATE), &seq));

  /* Bytes that are not the update in normal form. */
  h->seq = 10;
  h->len = (guint32) g_variant_get_size (u);
  memset (page + sizeof (Header), 0xff, h->len);
  assert_null (mrd_engine_snapshot_read (parent, G_VARIANT_TYPE (MRD_WIRE_UPDATE), &seq));

  munmap (page, MRD_ENGINE_SNAPSHOT_SIZE);
}

/* The times since each source's last sample and the root dispersion are brought to the
 * moment the parent reads, by the time since the child wrote them (the parent reads only when
 * a client asks). */
static void
aged_to_the_moment_of_reading (void **state)
{
  g_autoptr(MrdEngineSnapshot) parent = mrd_engine_snapshot_new (NULL);
  g_autoptr(MrdEngineSnapshot) child = child_of (parent);
  g_autoptr(GVariant) u = NULL;
  g_autoptr(GVariant) got = NULL;
  g_autoptr(GVariant) sources = NULL;
  g_autoptr(GVariant) report = NULL;
  NtpTracking t = { 0 };
  NtpSourceReport r = { 0 }, back;
  GVariantBuilder b;
  guint64 seq = 0;
  const char *address = NULL, *local = NULL;

  r.state = NTP_STATE_SELECTED;
  r.last_rx_ago = 2.0;
  t.synchronized = true;
  t.skew_ppm = 100.0;
  t.max_clock_error = 1e-6;
  t.root_dispersion = 0.001;
  t.system_time_offset = 0.01;
  t.slew_rate = -1e-3;
  t.slew_left = 10.0;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a" MRD_WIRE_SOURCE));
  g_variant_builder_add (&b, "(uss@" MRD_WIRE_REPORT ")", 1, "127.0.0.2:123", "127.0.0.1",
                         mrd_wire_report (&r));
  u = g_variant_ref_sink (
    g_variant_new ("(@" MRD_WIRE_TRACKING "s@a" MRD_WIRE_SOURCE "(bdd)(ttttttt))",
                   mrd_wire_tracking (&t), "127.0.0.1", g_variant_builder_end (&b), FALSE,
                   0.0, 0.0));
  assert_true (mrd_engine_snapshot_write (child, u));
  g_usleep (1100 * 1000);
  got = mrd_engine_snapshot_read (parent, G_VARIANT_TYPE (MRD_WIRE_UPDATE), &seq);
  assert_non_null (got);
  sources = g_variant_get_child_value (got, 2);
  assert_int_equal (g_variant_n_children (sources), 1);
  g_variant_get_child (sources, 0, "(u&s&s@" MRD_WIRE_REPORT ")", NULL, &address, &local,
                       &report);
  /* The addresses go through as the engine gave them: the server's, and the local one its
   * socket sent from. */
  assert_string_equal (address, "127.0.0.2:123");
  assert_string_equal (local, "127.0.0.1");
  mrd_wire_get_report (report, &back);
  assert_true (back.last_rx_ago >= 3.1 && back.last_rx_ago < 4.0);
  assert_int_equal (back.state, NTP_STATE_SELECTED);
  {
    g_autoptr(GVariant) tracking = g_variant_get_child_value (got, 0);
    NtpTracking tb;

    mrd_wire_get_tracking (tracking, &tb);
    /* 101 µs per second (skew and maxclockerror), for a little over 1.1 s */
    assert_true (tb.root_dispersion - 0.001 >= 110e-6 && tb.root_dispersion - 0.001 < 200e-6);
    /* and the slew went on at 1 ms per second: what is left to slew, and for how long */
    assert_true (tb.system_time_offset <= 0.01 - 1.1e-3 && tb.system_time_offset > 0.01 - 2e-3);
    assert_true (tb.slew_left <= 10.0 - 1.1 && tb.slew_left > 10.0 - 2.0);
  }
}

static void
the_discrete_key_ignores_measured_figures_only (void **state)
{
  g_autoptr(GVariant) a = update (1e-4, NTP_STATE_SELECTED, 1);
  g_autoptr(GVariant) b = update (3e-4, NTP_STATE_SELECTED, 1);
  g_autoptr(GVariant) c = update (1e-4, NTP_STATE_FALSETICKER, 1);
  g_autoptr(GVariant) d = update (1e-4, NTP_STATE_SELECTED, 2);
  g_autoptr(GVariant) ka = mrd_wire_discrete_key (a);
  g_autoptr(GVariant) kb = mrd_wire_discrete_key (b);
  g_autoptr(GVariant) kc = mrd_wire_discrete_key (c);
  g_autoptr(GVariant) kd = mrd_wire_discrete_key (d);

  assert_false (g_variant_equal (a, b));
  assert_true (g_variant_equal (ka, kb));    /* offsets moved: nothing to announce */
  assert_false (g_variant_equal (ka, kc));   /* a source's state changed */
  assert_false (g_variant_equal (ka, kd));   /* a source came */
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (written_update_is_read_once_until_the_next),
    cmocka_unit_test (an_update_too_large_is_not_stored),
    cmocka_unit_test (the_child_cannot_resize_and_only_a_sealed_memfd_is_taken),
    cmocka_unit_test (a_hostile_writer_gets_nothing_read),
    cmocka_unit_test (aged_to_the_moment_of_reading),
    cmocka_unit_test (the_discrete_key_ignores_measured_figures_only),
  };

  return cmocka_run_group_tests_name ("engine-snapshot", tests, NULL, NULL);
}
