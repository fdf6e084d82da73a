/* mrd-io-error.c — see mrd-io-error.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-io-error.h"

#include <errno.h>

/* g_quark_from_string, which copies the name: this file is built into meridian-nts.so too,
 * and a quark first made there from a static string would point into the module after it is
 * unloaded (net/mrd-nts-module.h). */
GQuark
mrd_io_error_quark (void)
{
  return g_quark_from_string ("g-io-error-quark");
}

GIOErrorEnum
mrd_io_error_from_errno (int errsv)
{
  switch (errsv)
    {
    case EEXIST: return G_IO_ERROR_EXISTS;
    case EISDIR: return G_IO_ERROR_IS_DIRECTORY;
    case EACCES: return G_IO_ERROR_PERMISSION_DENIED;
    case EPERM: return G_IO_ERROR_PERMISSION_DENIED;
    case ENAMETOOLONG: return G_IO_ERROR_FILENAME_TOO_LONG;
    case ENOENT: return G_IO_ERROR_NOT_FOUND;
    case ENOTDIR: return G_IO_ERROR_NOT_DIRECTORY;
    case ENXIO: return G_IO_ERROR_NOT_REGULAR_FILE;
    case EROFS: return G_IO_ERROR_READ_ONLY;
    case ELOOP: return G_IO_ERROR_TOO_MANY_LINKS;
    case EMLINK: return G_IO_ERROR_TOO_MANY_LINKS;
    case ENOSPC: return G_IO_ERROR_NO_SPACE;
    case ENOMEM: return G_IO_ERROR_NO_SPACE;
    case EINVAL: return G_IO_ERROR_INVALID_ARGUMENT;
    case ECANCELED: return G_IO_ERROR_CANCELLED;
    case ENOTEMPTY: return G_IO_ERROR_NOT_EMPTY;
    case ENOTSUP: return G_IO_ERROR_NOT_SUPPORTED;
    case ETIMEDOUT: return G_IO_ERROR_TIMED_OUT;
    case EBUSY: return G_IO_ERROR_BUSY;
    case EAGAIN: return G_IO_ERROR_WOULD_BLOCK;
    case EMFILE: return G_IO_ERROR_TOO_MANY_OPEN_FILES;
    case EADDRINUSE: return G_IO_ERROR_ADDRESS_IN_USE;
    case EHOSTUNREACH: return G_IO_ERROR_HOST_UNREACHABLE;
    case ENETUNREACH: return G_IO_ERROR_NETWORK_UNREACHABLE;
    case ECONNREFUSED: return G_IO_ERROR_CONNECTION_REFUSED;
    case EPIPE: return G_IO_ERROR_BROKEN_PIPE;
    case ECONNRESET: return G_IO_ERROR_CONNECTION_CLOSED;
    case ENOTCONN: return G_IO_ERROR_NOT_CONNECTED;
    case EMSGSIZE: return G_IO_ERROR_MESSAGE_TOO_LARGE;
    case ENOTSOCK: return G_IO_ERROR_INVALID_ARGUMENT;
    default: return G_IO_ERROR_FAILED;
    }
}
