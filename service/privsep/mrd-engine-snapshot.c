/* mrd-engine-snapshot.c — see mrd-engine-snapshot.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1

#include "mrd-engine-snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "net/mrd-io-error.h"
#include "privsep/mrd-engine-wire.h"

/* A reader gives up after this many torn copies: the writer rewrites a few kilobytes once per
 * clock update, so an honest writer is never in the way twice in a row. */
#define READ_TRIES 64

typedef struct {
  guint64 seq;                      /* odd while the child writes */
  guint32 len;                      /* bytes of data[] in use */
  guint32 reserved;
  gint64 written_us;                /* CLOCK_MONOTONIC (one clock for both processes) */
} Header;

/* The oldest write a reader believes when it brings the figures to now: a day (the child
 * writes at every clock update, at most 2^24 s apart, but a figure more than a day stale has
 * nothing right to say anyway). */
#define MAX_AGE_S 86400.0

#define DATA_MAX (MRD_ENGINE_SNAPSHOT_SIZE - sizeof (Header))

struct _MrdEngineSnapshot {
  int fd;
  guint8 *map;
  gboolean writable;
  guint8 *copy;                     /* reader's buffer */
};

static gboolean
set_errno_error (GError **error, const char *what)
{
  int e = errno;

  g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (e), "%s: %s", what, g_strerror (e));
  return FALSE;
}

static MrdEngineSnapshot *
map (int fd, gboolean writable, GError **error)
{
  MrdEngineSnapshot *self;
  void *p = mmap (NULL, MRD_ENGINE_SNAPSHOT_SIZE, writable ? PROT_READ | PROT_WRITE : PROT_READ,
                  MAP_SHARED, fd, 0);

  if (p == MAP_FAILED)
    {
      set_errno_error (error, "mmap of the engine snapshot");
      close (fd);
      return NULL;
    }
  self = g_new0 (MrdEngineSnapshot, 1);
  self->fd = fd;
  self->map = p;
  self->writable = writable;
  return self;
}

MrdEngineSnapshot *
mrd_engine_snapshot_new (GError **error)
{
  int fd = memfd_create ("meridian-engine-snapshot", MFD_CLOEXEC | MFD_ALLOW_SEALING);

  if (fd < 0)
    return set_errno_error (error, "memfd_create"), NULL;
  /* Sealed at its size: the child gets the fd and must not be able to shrink it under the
   * parent's mapping (a read past the end would be SIGBUS). */
  if (ftruncate (fd, MRD_ENGINE_SNAPSHOT_SIZE) < 0 ||
      fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
    {
      set_errno_error (error, "sizing the engine snapshot");
      close (fd);
      return NULL;
    }
  return map (fd, FALSE, error);
}

MrdEngineSnapshot *
mrd_engine_snapshot_new_from_fd (int fd, GError **error)
{
  struct stat st;
  int seals = fcntl (fd, F_GET_SEALS);

  /* Only the parent's sealed memfd of the agreed size. */
  if (fstat (fd, &st) < 0 || st.st_size != MRD_ENGINE_SNAPSHOT_SIZE || seals < 0 ||
      (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW))
    {
      g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The engine snapshot is not a sealed memfd of the expected size");
      close (fd);
      return NULL;
    }
  return map (fd, TRUE, error);
}

void
mrd_engine_snapshot_free (MrdEngineSnapshot *self)
{
  if (self == NULL)
    return;
  munmap (self->map, MRD_ENGINE_SNAPSHOT_SIZE);
  close (self->fd);
  g_free (self->copy);
  g_free (self);
}

int
mrd_engine_snapshot_get_fd (MrdEngineSnapshot *self)
{
  return self->fd;
}

gboolean
mrd_engine_snapshot_write (MrdEngineSnapshot *self, GVariant *update)
{
  Header *h = (Header *) self->map;
  gsize size = g_variant_get_size (update);
  guint64 seq;

  g_return_val_if_fail (self->writable, FALSE);
  if (size > DATA_MAX)
    return FALSE;
  seq = __atomic_load_n (&h->seq, __ATOMIC_RELAXED) | 1;   /* odd: being written */
  __atomic_store_n (&h->seq, seq, __ATOMIC_RELAXED);
  __atomic_thread_fence (__ATOMIC_RELEASE);
  g_variant_store (update, self->map + sizeof (Header));
  __atomic_store_n (&h->len, (guint32) size, __ATOMIC_RELAXED);
  __atomic_store_n (&h->written_us, g_get_monotonic_time (), __ATOMIC_RELAXED);
  __atomic_store_n (&h->seq, seq + 1, __ATOMIC_RELEASE);
  return TRUE;
}

GVariant *
mrd_engine_snapshot_read (MrdEngineSnapshot *self, const GVariantType *type, guint64 *seq_inout)
{
  const Header *h = (const Header *) self->map;

  if (self->copy == NULL)
    self->copy = g_malloc (DATA_MAX);
  for (guint i = 0; i < READ_TRIES; i++)
    {
      guint64 seq = __atomic_load_n (&h->seq, __ATOMIC_ACQUIRE);
      guint32 len;
      gint64 written_us;
      g_autoptr(GVariant) v = NULL;

      if (seq == *seq_inout)
        return NULL;   /* already read */
      if (seq & 1)
        continue;
      len = __atomic_load_n (&h->len, __ATOMIC_RELAXED);
      if (seq == 0 || len > DATA_MAX)
        {
          if (seq == 0 || __atomic_load_n (&h->seq, __ATOMIC_ACQUIRE) == seq)
            return NULL;   /* nothing yet, or a length no writer of ours stores */
          continue;
        }
      memcpy (self->copy, self->map + sizeof (Header), len);
      written_us = __atomic_load_n (&h->written_us, __ATOMIC_RELAXED);
      __atomic_thread_fence (__ATOMIC_ACQUIRE);
      if (__atomic_load_n (&h->seq, __ATOMIC_RELAXED) != seq)
        continue;
      /* The copy is ours now: checked as any message from the child. */
      {
        gpointer data = g_memdup2 (self->copy, len);

        v = g_variant_ref_sink (g_variant_new_from_data (type, data, len, FALSE, g_free, data));
      }
      if (!g_variant_is_normal_form (v))
        return NULL;
      *seq_inout = seq;
      /* An update's times since each source's last sample were true when it was written; they
       * are brought to now (the parent reads only when a client asks, maybe much later). */
      if (g_variant_type_equal (type, G_VARIANT_TYPE (MRD_WIRE_UPDATE)))
        {
          double age = (double) (g_get_monotonic_time () - written_us) / G_USEC_PER_SEC;

          if (age > 0 && age <= MAX_AGE_S)
            return mrd_wire_update_aged (v, age);
        }
      return g_steal_pointer (&v);
    }
  return NULL;
}
