/* mrd-channel.c — see mrd-channel.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1

#include "mrd-channel.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "net/mrd-io-error.h"

gboolean
mrd_channel_socketpair (int fds[2], GError **error)
{
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    {
      int e = errno;

      g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (e), "socketpair: %s",
                   g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

gboolean
mrd_channel_send (int fd, const char *name, GVariant *arg, GError **error)
{
  return mrd_channel_send_with_fd (fd, name, arg, -1, error);
}

gssize
mrd_channel_send_datagram (int fd, const void *data, gsize len, int pass_fd)
{
  struct iovec iov = { (void *) data, len };
  union { char space[CMSG_SPACE (sizeof (int))]; struct cmsghdr align; } control;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t n;

  if (pass_fd >= 0)
    {
      struct cmsghdr *cm;

      memset (&control, 0, sizeof control);
      mh.msg_control = control.space;
      mh.msg_controllen = sizeof control.space;
      cm = CMSG_FIRSTHDR (&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cm), &pass_fd, sizeof (int));
    }
  do
    n = sendmsg (fd, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n;
}

gboolean
mrd_channel_send_with_fd (int fd, const char *name, GVariant *arg, int pass_fd, GError **error)
{
  g_autoptr(GVariant) msg = g_variant_ref_sink (g_variant_new ("(sv)", name, arg));
  gsize size = g_variant_get_size (msg);
  g_autofree guint8 *buf = NULL;
  guint32 len_le;
  ssize_t n;

  if (size + 4 > MRD_CHANNEL_MAX_MESSAGE)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   "Message %s too large (%" G_GSIZE_FORMAT " bytes)", name, size);
      return FALSE;
    }
  buf = g_malloc (size + 4);
  len_le = GUINT32_TO_LE ((guint32) size);
  memcpy (buf, &len_le, 4);
  /* Serialised where GVariant wants it (aligned), then copied behind the length. */
  {
    g_autoptr(GBytes) data = g_variant_get_data_as_bytes (msg);

    memcpy (buf + 4, g_bytes_get_data (data, NULL), size);
  }
  n = mrd_channel_send_datagram (fd, buf, size + 4, pass_fd);
  if (n < 0)
    {
      int e = errno;

      g_set_error (error, MRD_IO_ERROR, e == EPIPE || e == ECONNRESET ? G_IO_ERROR_CLOSED
                                                                   : mrd_io_error_from_errno (e),
                   "Cannot send %s: %s", name, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

gboolean
mrd_channel_receive (int fd, char **name_out, GVariant **arg_out, GError **error)
{
  return mrd_channel_receive_with_fd (fd, name_out, arg_out, NULL, error);
}

static void
close_fd_ptr (int *fd)
{
  if (*fd >= 0)
    close (*fd);
}

/* Every descriptor a message carried, closed, but the first when the caller takes it. */
static int
take_fds (struct msghdr *mh, gboolean keep_first)
{
  int kept = -1;

  for (struct cmsghdr *cm = CMSG_FIRSTHDR (mh); cm != NULL; cm = CMSG_NXTHDR (mh, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
      {
        gsize n = (cm->cmsg_len - CMSG_LEN (0)) / sizeof (int);

        for (gsize i = 0; i < n; i++)
          {
            int f;

            memcpy (&f, CMSG_DATA (cm) + i * sizeof (int), sizeof (int));
            if (keep_first && kept < 0)
              kept = f;
            else
              close (f);
          }
      }
  return kept;
}

static gboolean
receive_failed (int errsv, GError **error)
{
  /* A drained socket, the end of every read: said without g_strerror(), which in the
   * engine's C locale converts the text through iconv and so maps the gconv tables. */
  if (errsv == EAGAIN)
    {
      g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "recv: nothing to read");
      return FALSE;
    }
  g_set_error (error, MRD_IO_ERROR,
               errsv == ECONNRESET ? G_IO_ERROR_CLOSED : mrd_io_error_from_errno (errsv),
               "recv: %s", g_strerror (errsv));
  return FALSE;
}

gboolean
mrd_channel_receive_with_fd (int fd, char **name_out, GVariant **arg_out, int *fd_out,
                             GError **error)
{
  g_autofree guint8 *buf = NULL;
  g_autoptr(GVariant) msg = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint32 len;
  ssize_t n;
  gsize size;
  int passed __attribute__ ((cleanup (close_fd_ptr))) = -1;

  if (fd_out != NULL)
    *fd_out = -1;
  /* The datagram's size first (MSG_TRUNC gives it whole), so that the buffer is the message's
   * size rather than the largest message's: a 256 KiB buffer per message kept both processes'
   * heaps that much larger. A failed peek is reported at once: a reader draining the socket
   * peeks EAGAIN, and a message arriving before a receive that followed anyway would not fit
   * the buffer sized for none. */
  do
    n = recv (fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return receive_failed (errno, error);
  size = n > 4 ? MIN ((gsize) n, (gsize) MRD_CHANNEL_MAX_MESSAGE) : 4;
  buf = g_malloc (size);
  if (fd_out == NULL)
    {
      /* Descriptors sent to a reader that takes none are discarded by the kernel. */
      do
        n = recv (fd, buf, size, MSG_TRUNC);
      while (n < 0 && errno == EINTR);
    }
  else
    {
      struct iovec iov = { buf, size };
      union { char space[CMSG_SPACE (4 * sizeof (int))]; struct cmsghdr align; } control;
      struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
                           .msg_controllen = sizeof control.space };

      do
        n = recvmsg (fd, &mh, MSG_TRUNC | MSG_CMSG_CLOEXEC);
      while (n < 0 && errno == EINTR);
      if (n >= 0)
        passed = take_fds (&mh, TRUE);
    }
  if (n < 0)
    return receive_failed (errno, error);
  if (n == 0)
    {
      g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_CLOSED, "The peer closed the channel");
      return FALSE;
    }
  if (n < 4 || n > MRD_CHANNEL_MAX_MESSAGE || (gsize) n > size)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_DATA, "A message of %zd bytes", n);
      return FALSE;
    }
  memcpy (&len, buf, 4);
  len = GUINT32_FROM_LE (len);
  if ((gsize) len != (gsize) n - 4)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "A message saying %u bytes in %zd", len, n - 4);
      return FALSE;
    }
  bytes = g_bytes_new (buf + 4, len);
  msg = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE ("(sv)"), bytes, FALSE));
  if (!g_variant_is_normal_form (msg))
    {
      g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "A message not in normal form");
      return FALSE;
    }
  g_variant_get (msg, "(sv)", name_out, arg_out);
  if (fd_out != NULL)
    *fd_out = g_steal_fd (&passed);
  return TRUE;
}
