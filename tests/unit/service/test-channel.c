/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the engine channel's framing (service/privsep/mrd-channel.c) on a real
 * SOCK_SEQPACKET pair: messages of every size up to the limit arrive whole, a descriptor
 * passed with one arrives only where it is taken (and is closed elsewhere), malformed
 * datagrams are dropped with G_IO_ERROR_INVALID_DATA and the next message still arrives. */
#define _GNU_SOURCE 1
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <gio/gio.h>

#include "privsep/mrd-channel.h"

static guint
open_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  guint n = 0;

  assert_non_null (d);
  while (readdir (d) != NULL)
    n++;
  closedir (d);
  return n;
}

static void
pair (int fds[2])
{
  assert_true (mrd_channel_socketpair (fds, NULL));
  assert_int_equal (fcntl (fds[1], F_SETFL, O_NONBLOCK), 0);
}

static void
messages_of_any_size_arrive_whole (void **state)
{
  int fds[2];
  const gsize sizes[] = { 0, 1, 4000, 150000 };

  pair (fds);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *text = g_strnfill (sizes[i], 'x');
      g_autofree char *name = NULL;
      g_autoptr(GVariant) arg = NULL;
      g_autoptr(GError) error = NULL;

      assert_true (mrd_channel_send (fds[0], "text", g_variant_new_string (text), NULL));
      assert_true (mrd_channel_receive (fds[1], &name, &arg, &error));
      assert_string_equal (name, "text");
      assert_string_equal (g_variant_get_string (arg, NULL), text);
    }
  {
    g_autofree char *name = NULL;
    g_autoptr(GVariant) arg = NULL;
    g_autoptr(GError) error = NULL;

    assert_false (mrd_channel_receive (fds[1], &name, &arg, &error));
    assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK));
  }
  close (fds[0]);
  close (fds[1]);
}

static void
a_passed_descriptor_arrives_only_where_taken (void **state)
{
  int fds[2], pipefd[2], got = -1;
  guint before;
  char c = 0;

  pair (fds);
  assert_int_equal (pipe2 (pipefd, O_CLOEXEC), 0);
  before = open_fds ();
  {
    g_autofree char *name = NULL;
    g_autoptr(GVariant) arg = NULL;

    assert_true (mrd_channel_send_with_fd (fds[0], "snapshot", g_variant_new ("()"), pipefd[1],
                                           NULL));
    assert_true (mrd_channel_receive_with_fd (fds[1], &name, &arg, &got, NULL));
    assert_string_equal (name, "snapshot");
    assert_true (got >= 0);
    /* The same pipe: what is written through it comes out of ours. */
    assert_int_equal (write (got, "k", 1), 1);
    assert_int_equal (read (pipefd[0], &c, 1), 1);
    assert_int_equal (c, 'k');
    close (got);
  }
  {
    g_autofree char *name = NULL;
    g_autoptr(GVariant) arg = NULL;

    /* A reader that takes none (the parent) gets no descriptor: none is left open. */
    assert_true (mrd_channel_send_with_fd (fds[0], "snapshot", g_variant_new ("()"), pipefd[1],
                                           NULL));
    assert_true (mrd_channel_receive (fds[1], &name, &arg, NULL));
    assert_int_equal (open_fds (), before);
  }
  close (pipefd[0]);
  close (pipefd[1]);
  close (fds[0]);
  close (fds[1]);
}

static void
malformed_datagrams_are_dropped (void **state)
{
  int fds[2];
  guint32 wrong_len = GUINT32_TO_LE (999);
  guint8 bad[16] = { 0 };

  pair (fds);
  memcpy (bad, &wrong_len, 4);
  assert_int_equal (send (fds[0], "ab", 2, 0), 2);                    /* shorter than a length */
  assert_int_equal (send (fds[0], bad, sizeof bad, 0), (ssize_t) sizeof bad);   /* length lies */
  assert_true (mrd_channel_send (fds[0], "ok", g_variant_new_uint32 (7), NULL));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = NULL;
      g_autoptr(GVariant) arg = NULL;
      g_autoptr(GError) error = NULL;

      assert_false (mrd_channel_receive (fds[1], &name, &arg, &error));
      assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
    }
  {
    g_autofree char *name = NULL;
    g_autoptr(GVariant) arg = NULL;

    assert_true (mrd_channel_receive (fds[1], &name, &arg, NULL));
    assert_string_equal (name, "ok");
    assert_int_equal (g_variant_get_uint32 (arg), 7);
  }
  close (fds[0]);
  close (fds[1]);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (messages_of_any_size_arrive_whole),
    cmocka_unit_test (a_passed_descriptor_arrives_only_where_taken),
    cmocka_unit_test (malformed_datagrams_are_dropped),
  };

  return cmocka_run_group_tests_name ("channel", tests, NULL, NULL);
}
