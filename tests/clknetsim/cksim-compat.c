/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cksim-compat.so: preloaded in front of clknetsim.so, it fills five gaps in clknetsim's
 * system call emulation that current glibc/GLib programs run into. It changes nothing the
 * program sees of time or network; it only lets calls that Linux accepts through:
 *
 *  - socket() with SOCK_NONBLOCK / SOCK_CLOEXEC in the type: clknetsim refuses any flag
 *    (EINVAL). Its simulated sockets never block a poll()-driven reader and are not real file
 *    descriptors, so the flags are dropped.
 *  - timerfd_create() with TFD_CLOEXEC: clknetsim asserts only TFD_NONBLOCK is given.
 *    Close-on-exec means nothing for its simulated timers, so the flag is dropped.
 *  - syscall(SYS_sched_getattr / SYS_sched_setattr), which GLib makes when a GTask first
 *    initialises its thread pool, and syscall(SYS_openat2), with which meridiand opens its
 *    state files beneath a directory (the drift file, service/tz/mrd-tz-root.c): clknetsim's
 *    syscall() asserts on any number it does not simulate. Neither scheduling attributes nor
 *    file opens have anything to do with the simulation, so these calls go to the kernel.
 *  - clock_gettime(CLOCK_BOOTTIME), which clknetsim does not know: meridiand compares
 *    CLOCK_REALTIME with it to find steps of the clock made by others. A simulated machine
 *    never suspends, so its boot time is its monotonic time.
 *  - setvbuf() on the stream clknetsim's fopen("/dev/urandom") returns: a marker, not a FILE,
 *    which clknetsim's own fread/fclose recognise but setvbuf (GLib's g_rand_new calls it
 *    before reading its seed) would dereference. Buffering means nothing for that stream.
 *
 * Everything else goes on to clknetsim.so (RTLD_NEXT).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>

int
socket (int domain, int type, int protocol)
{
  static int (*next) (int, int, int);
  if (!next)
    next = (int (*) (int, int, int)) dlsym (RTLD_NEXT, "socket");
  return next (domain, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), protocol);
}

int
timerfd_create (int clockid, int flags)
{
  static int (*next) (int, int);
  if (!next)
    next = (int (*) (int, int)) dlsym (RTLD_NEXT, "timerfd_create");
  return next (clockid, flags & ~TFD_CLOEXEC);
}

int
clock_gettime (clockid_t id, struct timespec *ts)
{
  static int (*next) (clockid_t, struct timespec *);
  if (!next)
    next = (int (*) (clockid_t, struct timespec *)) dlsym (RTLD_NEXT, "clock_gettime");
  return next (id == CLOCK_BOOTTIME ? CLOCK_MONOTONIC : id, ts);
}

/* The marker clknetsim returns for fopen("/dev/urandom") (its URANDOM_FILE). */
#define CLKNETSIM_URANDOM_FILE ((FILE *) 0xD1230123)

int
setvbuf (FILE *stream, char *buf, int mode, size_t size)
{
  static int (*next) (FILE *, char *, int, size_t);
  if (stream == CLKNETSIM_URANDOM_FILE)
    return 0;
  if (!next)
    next = (int (*) (FILE *, char *, int, size_t)) dlsym (RTLD_NEXT, "setvbuf");
  return next (stream, buf, mode, size);
}

long
syscall (long number, ...)
{
  va_list ap;
  long a[6];
  va_start (ap, number);
  for (int i = 0; i < 6; i++)
    a[i] = va_arg (ap, long);
  va_end (ap);
#ifdef SYS_sched_getattr
  if (number == SYS_sched_getattr || number == SYS_sched_setattr
#ifdef SYS_openat2
      || number == SYS_openat2
#endif
      ) {
    static long (*real) (long, ...);
    if (!real) {
      void *libc = dlopen ("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
      real = libc ? (long (*) (long, ...)) dlsym (libc, "syscall") : 0;
    }
    if (real)
      return real (number, a[0], a[1], a[2], a[3], a[4], a[5]);
  }
#endif
  static long (*next) (long, ...);
  if (!next)
    next = (long (*) (long, ...)) dlsym (RTLD_NEXT, "syscall");
  return next (number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
