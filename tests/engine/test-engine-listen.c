/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Socket mode's start-up on real sockets, both ends: the daemon's connect and hello
 * (service/privsep/mrd-engine-launch.c) and the engine's side (mrd-engine-listen.c): the fd
 * taken from LISTEN_PID/LISTEN_FDS (listening or accepted, anything else refused), the
 * SO_PEERCRED check (a peer that connected as another uid is refused), and the hello with the
 * shared clock's memfd passed by SCM_RIGHTS (the engine reads the daemon's clock through it;
 * a wrong first message, extra descriptors, silence and an early close are refused).
 */
#define _GNU_SOURCE 1
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <gio/gio.h>

#include "privsep/mrd-clock-shared.h"
#include "privsep/mrd-engine-launch.h"
#include "privsep/mrd-engine-listen.h"

#define LISTEN_FD 3

/* The tests that use a socket file get one in a fresh directory, removed after. */
typedef struct {
  char *dir;
  char *path;
} SocketDir;

static int
socket_dir_setup (void **state)
{
  g_autoptr(GError) error = NULL;
  SocketDir *sd = g_new0 (SocketDir, 1);

  sd->dir = g_dir_make_tmp ("mrd-listen-XXXXXX", &error);
  assert_non_null (sd->dir);
  sd->path = g_build_filename (sd->dir, "engine.sock", NULL);
  *state = sd;
  return 0;
}

static int
socket_dir_teardown (void **state)
{
  SocketDir *sd = *state;

  (void) unlink (sd->path);
  assert_int_equal (rmdir (sd->dir), 0);
  g_free (sd->path);
  g_free (sd->dir);
  g_free (sd);
  return 0;
}

/* A SOCK_SEQPACKET socket bound to @path and listening, or connected to it. */
static int
unix_socket (const char *path, gboolean listening)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

  assert_true (fd >= 0);
  g_strlcpy (sa.sun_path, path, sizeof sa.sun_path);
  if (listening)
    {
      assert_int_equal (bind (fd, (struct sockaddr *) &sa, sizeof sa), 0);
      assert_int_equal (listen (fd, 8), 0);
    }
  else
    assert_int_equal (connect (fd, (struct sockaddr *) &sa, sizeof sa), 0);
  return fd;
}

#define listening_socket(path) unix_socket ((path), TRUE)
#define connect_to(path) unix_socket ((path), FALSE)

/* Put @fd at LISTEN_FD and announce it as systemd would. */
static void
pass_as_listen_fd (int fd, const char *pid, const char *n)
{
  g_autofree char *mine = g_strdup_printf ("%d", (int) getpid ());

  if (fd != LISTEN_FD)
    {
      assert_int_equal (dup2 (fd, LISTEN_FD), LISTEN_FD);
      close (fd);
    }
  g_setenv ("LISTEN_PID", pid != NULL ? pid : mine, TRUE);
  g_setenv ("LISTEN_FDS", n, TRUE);
}

static void
test_take_fd (void **state)
{
  g_autoptr(GError) error = NULL;
  const char *path = ((SocketDir *) *state)->path;
  gboolean listening = FALSE;
  int pair[2];

  /* Nothing passed. */
  g_unsetenv ("LISTEN_PID");
  g_unsetenv ("LISTEN_FDS");
  assert_int_equal (mrd_engine_listen_take_fd (&listening, &error), -1);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  g_clear_error (&error);

  /* Meant for another process (LISTEN_PID): not ours to take. */
  pass_as_listen_fd (listening_socket (path), "1", "1");
  assert_int_equal (mrd_engine_listen_take_fd (&listening, &error), -1);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  g_clear_error (&error);

  /* Two sockets: one expected. */
  pass_as_listen_fd (dup (LISTEN_FD), NULL, "2");
  assert_int_equal (mrd_engine_listen_take_fd (&listening, &error), -1);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);

  /* A listening SOCK_SEQPACKET socket (Accept=no); the variables are gone after. */
  pass_as_listen_fd (dup (LISTEN_FD), NULL, "1");
  assert_int_equal (mrd_engine_listen_take_fd (&listening, &error), LISTEN_FD);
  assert_null (error);
  assert_true (listening);
  assert_null (g_getenv ("LISTEN_PID"));
  assert_null (g_getenv ("LISTEN_FDS"));
  assert_int_equal (fcntl (LISTEN_FD, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);

  /* An accepted connection (Accept=yes). */
  assert_int_equal (socketpair (AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
  pass_as_listen_fd (pair[0], NULL, "1");
  assert_int_equal (mrd_engine_listen_take_fd (&listening, &error), LISTEN_FD);
  assert_false (listening);
  close (pair[1]);

  /* A stream socket: not the channel's framing. */
  assert_int_equal (socketpair (AF_UNIX, SOCK_STREAM, 0, pair), 0);
  pass_as_listen_fd (pair[0], NULL, "1");
  assert_int_equal (mrd_engine_listen_take_fd (&listening, &error), -1);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  close (pair[1]);
  close (LISTEN_FD);
}

static void
test_peer_check (void **state)
{
  g_autoptr(GError) error = NULL;
  const SocketDir *sd = *state;
  const char *path = sd->path;
  int lfd, fd, status;
  pid_t child;

  if (geteuid () != 0)
    {
      print_message ("SKIP: the peer check needs root (a root peer, then one that drops)\n");
      skip ();
    }
  assert_int_equal (chmod (sd->dir, 0755), 0);
  lfd = listening_socket (path);
  assert_int_equal (chmod (path, 0666), 0);

  /* Root: served. */
  fd = connect_to (path);
  close (fd);
  fd = mrd_engine_listen_accept (lfd, 5000, &error);
  assert_true (fd >= 0);
  assert_true (mrd_engine_listen_check_peer (fd, &error));
  close (fd);

  /* The credentials of connect(2) count: a child that became nobody first is refused. */
  child = fork ();
  assert_true (child >= 0);
  if (child == 0)
    {
      if (setresgid (65534, 65534, 65534) < 0 || setresuid (65534, 65534, 65534) < 0)
        _exit (2);
      _exit (connect_to (path) >= 0 ? 0 : 3);
    }
  assert_int_equal (waitpid (child, &status, 0), child);
  assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  fd = mrd_engine_listen_accept (lfd, 5000, &error);
  assert_true (fd >= 0);
  assert_false (mrd_engine_listen_check_peer (fd, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED));
  assert_non_null (strstr (error->message, "uid 65534"));
  close (fd);
  g_clear_error (&error);

  /* Nobody else waiting: accept times out. */
  assert_int_equal (mrd_engine_listen_accept (lfd, 20, &error), -1);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
  close (lfd);
}

typedef struct {
  int fd;
  guint calls;
} Connected;

static void
on_connected (int fd, gpointer user_data)
{
  Connected *c = user_data;

  c->fd = fd;
  c->calls++;
}

static void
on_ended (const char *what, gpointer user_data)
{
  fail_msg ("ended called: %s", what);
}

/* The daemon's launcher against the engine's reader: the hello arrives with the clock. */
static void
test_launch_hello_carries_the_shared_clock (void **state)
{
  g_autoptr(GError) error = NULL;
  char *path = ((SocketDir *) *state)->path;
  g_autoptr(MrdClock) clock = mrd_clock_shared_new (100.0, 0.0, &error);
  MrdEngineLaunchOptions options = { .socket_path = path };
  Connected c = { -1, 0 };
  MrdEngineLaunch *launch;
  MrdClock *theirs;
  int lfd, fd, clock_fd;
  struct stat a, b;

  assert_non_null (clock);
  lfd = listening_socket (path);
  launch = mrd_engine_launch_new (&options, clock, on_connected, on_ended, &c);
  assert_true (mrd_engine_launch_is_on_demand (launch));
  mrd_engine_launch_start (launch);
  assert_int_equal (c.calls, 1);
  assert_true (c.fd >= 0);
  assert_int_equal (fcntl (c.fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
  mrd_engine_launch_start (launch);   /* connected already: nothing more */
  assert_int_equal (c.calls, 1);

  fd = mrd_engine_listen_accept (lfd, 5000, &error);
  assert_true (fd >= 0);
  assert_true (mrd_engine_listen_read_hello (fd, 5000, &clock_fd, &error));
  assert_true (clock_fd >= 0);
  assert_int_equal (fcntl (clock_fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  /* The same memory: one clock seen from both ends. */
  assert_int_equal (fstat (clock_fd, &a), 0);
  assert_int_equal (fstat (mrd_clock_shared_get_fd (clock), &b), 0);
  assert_true (a.st_ino == b.st_ino && a.st_dev == b.st_dev);
  theirs = mrd_clock_shared_new_from_fd (clock_fd, &error);
  assert_non_null (theirs);
  /* The engine's step shows in the daemon's reading: 100 s ahead, then 1100 s. */
  assert_true (mrd_clock_now_usec (clock) - g_get_real_time () > 99 * G_USEC_PER_SEC);
  assert_true (mrd_clock_step (theirs, 1000.0, &error));
  assert_true (mrd_clock_now_usec (clock) - g_get_real_time () > 1099 * G_USEC_PER_SEC);
  assert_true (mrd_clock_now_usec (clock) - g_get_real_time () < 1101 * G_USEC_PER_SEC);
  mrd_clock_free (theirs);

  /* Stopped on purpose: the closing is not a loss. */
  mrd_engine_launch_stop (launch);
  close (c.fd);
  mrd_engine_launch_channel_closed (launch);
  mrd_engine_launch_free (launch);
  close (fd);
  close (lfd);
}

static gboolean
send_with_fds (int fd, const char *text, const int *fds, int n)
{
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE (sizeof (int) * 2)];
  } control;
  struct iovec iov = { (void *) text, strlen (text) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

  memset (&control, 0, sizeof control);
  if (n > 0)
    {
      struct cmsghdr *cmsg;

      msg.msg_control = control.buf;
      msg.msg_controllen = CMSG_SPACE (sizeof (int) * n);
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int) * n);
      memcpy (CMSG_DATA (cmsg), fds, sizeof (int) * n);
    }
  return sendmsg (fd, &msg, 0) == (ssize_t) iov.iov_len;
}

static int
count_fds (void)
{
  g_autoptr(GDir) d = g_dir_open ("/proc/self/fd", 0, NULL);
  int n = 0;

  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
test_bad_hellos_are_refused (void **state)
{
  g_autoptr(GError) error = NULL;
  int pair[2], clock_fd, fds[2], before;

  /* No descriptor: the system clock. */
  assert_int_equal (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  assert_true (send_with_fds (pair[0], MRD_ENGINE_HELLO, NULL, 0));
  assert_true (mrd_engine_listen_read_hello (pair[1], 1000, &clock_fd, &error));
  assert_int_equal (clock_fd, -1);

  /* Something else first. */
  assert_true (send_with_fds (pair[0], "meridian-engine-hello 2", NULL, 0));
  assert_false (mrd_engine_listen_read_hello (pair[1], 1000, &clock_fd, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
  g_clear_error (&error);

  /* Two descriptors: refused, and both closed here. */
  fds[0] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  fds[1] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  assert_true (send_with_fds (pair[0], MRD_ENGINE_HELLO, fds, 2));
  close (fds[0]);
  close (fds[1]);
  before = count_fds ();
  assert_false (mrd_engine_listen_read_hello (pair[1], 1000, &clock_fd, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
  assert_int_equal (count_fds (), before);
  assert_int_equal (clock_fd, -1);
  g_clear_error (&error);

  /* Silence. */
  assert_false (mrd_engine_listen_read_hello (pair[1], 20, &clock_fd, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
  g_clear_error (&error);

  /* Closed before saying anything. */
  close (pair[0]);
  assert_false (mrd_engine_listen_read_hello (pair[1], 1000, &clock_fd, &error));
  assert_non_null (strstr (error->message, "closed"));
  close (pair[1]);
}

/* Socket mode with nothing listening: a failure to connect, logged and retried later. */
static void
test_launch_without_engine (void **state)
{
  char *path = ((SocketDir *) *state)->path;
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0.0, 0.0);
  MrdEngineLaunchOptions options = { .socket_path = path };
  Connected c = { -1, 0 };
  MrdEngineLaunch *launch = mrd_engine_launch_new (&options, clock, on_connected, on_ended, &c);

  mrd_engine_launch_start (launch);
  assert_int_equal (c.calls, 0);
  assert_int_equal (mrd_engine_launch_get_pid (launch), 0);
  assert_non_null (strstr (mrd_engine_launch_describe (launch), path));
  mrd_engine_launch_free (launch);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_take_fd, socket_dir_setup, socket_dir_teardown),
    cmocka_unit_test_setup_teardown (test_peer_check, socket_dir_setup, socket_dir_teardown),
    cmocka_unit_test_setup_teardown (test_launch_hello_carries_the_shared_clock,
                                     socket_dir_setup, socket_dir_teardown),
    cmocka_unit_test (test_bad_hellos_are_refused),
    cmocka_unit_test_setup_teardown (test_launch_without_engine, socket_dir_setup,
                                     socket_dir_teardown),
  };

  signal (SIGPIPE, SIG_IGN);
  return cmocka_run_group_tests (tests, NULL, NULL);
}
