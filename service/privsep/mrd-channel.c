/* mrd-channel.c — see mrd-channel.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1

#include "mrd-channel.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <gio/gio.h>

gboolean
mrd_channel_socketpair (int fds[2], GError **error)
{
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    {
      int e = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "socketpair: %s",
                   g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

gboolean
mrd_channel_send (int fd, const char *name, GVariant *arg, GError **error)
{
  g_autoptr(GVariant) msg = g_variant_ref_sink (g_variant_new ("(sv)", name, arg));
  gsize size = g_variant_get_size (msg);
  g_autofree guint8 *buf = NULL;
  guint32 len_le;
  ssize_t n;

  if (size + 4 > MRD_CHANNEL_MAX_MESSAGE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
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
  do
    n = send (fd, buf, size + 4, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      int e = errno;

      g_set_error (error, G_IO_ERROR, e == EPIPE || e == ECONNRESET ? G_IO_ERROR_CLOSED
                                                                   : g_io_error_from_errno (e),
                   "Cannot send %s: %s", name, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

gboolean
mrd_channel_receive (int fd, char **name_out, GVariant **arg_out, GError **error)
{
  g_autofree guint8 *buf = g_malloc (MRD_CHANNEL_MAX_MESSAGE);
  g_autoptr(GVariant) msg = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint32 len;
  ssize_t n;

  do
    n = recv (fd, buf, MRD_CHANNEL_MAX_MESSAGE, MSG_TRUNC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      int e = errno;

      g_set_error (error, G_IO_ERROR,
                   e == EAGAIN ? G_IO_ERROR_WOULD_BLOCK
                   : e == ECONNRESET ? G_IO_ERROR_CLOSED : g_io_error_from_errno (e),
                   "recv: %s", g_strerror (e));
      return FALSE;
    }
  if (n == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The peer closed the channel");
      return FALSE;
    }
  if (n < 4 || n > MRD_CHANNEL_MAX_MESSAGE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "A message of %zd bytes", n);
      return FALSE;
    }
  memcpy (&len, buf, 4);
  len = GUINT32_FROM_LE (len);
  if ((gsize) len != (gsize) n - 4)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "A message saying %u bytes in %zd", len, n - 4);
      return FALSE;
    }
  bytes = g_bytes_new (buf + 4, len);
  msg = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE ("(sv)"), bytes, FALSE));
  if (!g_variant_is_normal_form (msg))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "A message not in normal form");
      return FALSE;
    }
  g_variant_get (msg, "(sv)", name_out, arg_out);
  return TRUE;
}
