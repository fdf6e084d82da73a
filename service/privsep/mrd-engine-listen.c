/* mrd-engine-listen.c — see mrd-engine-listen.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1

#include "mrd-engine-listen.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "net/mrd-io-error.h"

#include "privsep/mrd-engine-launch.h"

/* sd_listen_fds(3): the first passed fd. */
#define LISTEN_FDS_START 3

static gboolean
set_errno_error (GError **error, const char *what)
{
  int e = errno;

  g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (e), "%s: %s", what, g_strerror (e));
  return FALSE;
}

static gboolean
wait_readable (int fd, int timeout_ms, const char *what, GError **error)
{
  struct pollfd p = { .fd = fd, .events = POLLIN };
  int r;

  do
    r = poll (&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return set_errno_error (error, "poll");
  if (r == 0)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_TIMED_OUT, "No %s in %d ms", what, timeout_ms);
      return FALSE;
    }
  return TRUE;
}

int
mrd_engine_listen_take_fd (gboolean *listening, GError **error)
{
  const char *pid_s = g_getenv ("LISTEN_PID");
  const char *fds_s = g_getenv ("LISTEN_FDS");
  guint64 pid = 0, n = 0;
  int accepting = 0, type = 0;
  socklen_t len = sizeof accepting;

  if (pid_s == NULL || fds_s == NULL ||
      !g_ascii_string_to_unsigned (pid_s, 10, 1, G_MAXINT, &pid, NULL) ||
      !g_ascii_string_to_unsigned (fds_s, 10, 0, G_MAXINT, &n, NULL) ||
      (pid_t) pid != getpid ())
    {
      g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "No socket passed (LISTEN_PID and LISTEN_FDS: socket activation, "
                           "meridian-engine.socket)");
      return -1;
    }
  g_unsetenv ("LISTEN_PID");
  g_unsetenv ("LISTEN_FDS");
  g_unsetenv ("LISTEN_FDNAMES");
  if (n != 1)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%" G_GUINT64_FORMAT " sockets passed, expected one", n);
      return -1;
    }
  len = sizeof type;
  if (getsockopt (LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
    {
      set_errno_error (error, "The passed fd is not a socket");
      return -1;
    }
  if (type != SOCK_SEQPACKET)
    {
      g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "The passed socket is not SOCK_SEQPACKET (ListenSequentialPacket=)");
      return -1;
    }
  len = sizeof accepting;
  if (getsockopt (LISTEN_FDS_START, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) < 0)
    {
      set_errno_error (error, "SO_ACCEPTCONN");
      return -1;
    }
  (void) fcntl (LISTEN_FDS_START, F_SETFD, FD_CLOEXEC);
  *listening = accepting != 0;
  return LISTEN_FDS_START;
}

int
mrd_engine_listen_accept (int listen_fd, int timeout_ms, GError **error)
{
  int fd;

  for (;;)
    {
      if (!wait_readable (listen_fd, timeout_ms, "connection", error))
        return -1;
      fd = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd >= 0)
        return fd;
      /* Another waiter took it, or the peer gave up in between: wait again. */
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
        {
          set_errno_error (error, "accept");
          return -1;
        }
    }
}

gboolean
mrd_engine_listen_check_peer (int fd, GError **error)
{
  struct ucred cred;
  socklen_t len = sizeof cred;

  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    return set_errno_error (error, "SO_PEERCRED");
  if (cred.uid != 0)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "Refused a peer running as uid %u (pid %d): only root's meridiand may "
                   "drive the engine", (unsigned) cred.uid, (int) cred.pid);
      return FALSE;
    }
  return TRUE;
}

gboolean
mrd_engine_listen_read_hello (int fd, int timeout_ms, int *clock_fd, GError **error)
{
  static const char hello[] = MRD_ENGINE_HELLO;
  char buf[sizeof hello + 16];
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE (sizeof (int) * 4)];
  } control;
  struct iovec iov = { buf, sizeof buf };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  struct cmsghdr *cmsg;
  int received[4], n_received = 0;
  ssize_t n;

  *clock_fd = -1;
  if (!wait_readable (fd, timeout_ms, "hello", error))
    return FALSE;
  do
    n = recvmsg (fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return set_errno_error (error, "Reading the hello");
  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg != NULL; cmsg = CMSG_NXTHDR (&msg, cmsg))
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
      {
        size_t k = (cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int);

        for (size_t i = 0; i < k && n_received < (int) G_N_ELEMENTS (received); i++)
          memcpy (&received[n_received++], CMSG_DATA (cmsg) + i * sizeof (int), sizeof (int));
      }
  if (n != (ssize_t) (sizeof hello - 1) || memcmp (buf, hello, n) != 0 ||
      (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 || n_received > 1)
    {
      for (int i = 0; i < n_received; i++)
        close (received[i]);
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   n == 0 ? "The peer closed before its hello"
                          : "The peer's first message is not the hello (" MRD_ENGINE_HELLO ")");
      return FALSE;
    }
  if (n_received == 1)
    *clock_fd = received[0];
  return TRUE;
}
