/* mrd-sandbox.c — see mrd-sandbox.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1

#include "mrd-sandbox.h"

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "net/mrd-io-error.h"
#include <seccomp.h>

static gboolean
fail (GError **error, const char *what)
{
  int e = errno;

  g_set_error (error, MRD_IO_ERROR, mrd_io_error_from_errno (e), "%s: %s", what, g_strerror (e));
  return FALSE;
}

static gboolean
set_caps (gboolean sys_time, GError **error)
{
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2] = { { 0 } };

  if (sys_time)
    {
      data[CAP_TO_INDEX (CAP_SYS_TIME)].effective = CAP_TO_MASK (CAP_SYS_TIME);
      data[CAP_TO_INDEX (CAP_SYS_TIME)].permitted = CAP_TO_MASK (CAP_SYS_TIME);
    }
  if (syscall (SYS_capset, &hdr, data) < 0)
    return fail (error, "capset");
  return TRUE;
}

typedef struct {
  char name[64];
  uid_t uid;
  gid_t gid;
} User;

/* @name in /etc/passwd itself: fgetpwent(3) reads the file, and no NSS module is loaded. */
static gboolean
lookup_user_in_file (const char *name, User *out)
{
  FILE *f = fopen ("/etc/passwd", "re");
  struct passwd *pw;
  gboolean found = FALSE;

  if (f == NULL)
    return FALSE;
  while (!found && (pw = fgetpwent (f)) != NULL)
    if (g_strcmp0 (pw->pw_name, name) == 0)
      {
        out->uid = pw->pw_uid;
        out->gid = pw->pw_gid;
        g_strlcpy (out->name, name, sizeof out->name);
        found = TRUE;
      }
  fclose (f);
  return found;
}

/* Through NSS (getpwnam(3)), for a user kept elsewhere (LDAP, systemd's userdb...). */
static gboolean
lookup_user_nss (const char *name, User *out)
{
  struct passwd *pw = getpwnam (name);

  if (pw == NULL)
    return FALSE;
  out->uid = pw->pw_uid;
  out->gid = pw->pw_gid;
  g_strlcpy (out->name, name, sizeof out->name);
  return TRUE;
}

/* @user, or the default user else the fallback: the file first for all candidates, NSS only
 * when none is there. The system users the engine runs as (systemd-sysusers' "meridian",
 * "nobody") are in the file, so the engine maps none of the NSS modules (libnss_systemd and
 * the libraries it pulls in: libcap, and with them their memory). */
static gboolean
lookup_user (const char *user, User *out)
{
  if (user != NULL)
    return lookup_user_in_file (user, out) || lookup_user_nss (user, out);
  return lookup_user_in_file (MRD_SANDBOX_USER, out) ||
         lookup_user_in_file (MRD_SANDBOX_FALLBACK_USER, out) ||
         lookup_user_nss (MRD_SANDBOX_USER, out) ||
         lookup_user_nss (MRD_SANDBOX_FALLBACK_USER, out);
}

static gboolean
drop_user (const char *user, const char *chroot_dir, GError **error)
{
  User u, *pw = &u;
  gboolean sys_time = prctl (PR_CAPBSET_READ, CAP_SYS_TIME, 0, 0, 0) == 1;
  int cap;

  if (!lookup_user (user, &u))
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No user %s",
                   user != NULL ? user : MRD_SANDBOX_FALLBACK_USER);
      return FALSE;
    }
  if (pw->uid == 0)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "User %s is root; the engine must run unprivileged", pw->name);
      return FALSE;
    }
  /* The bounding set first (needs CAP_SETPCAP, which root still has): nothing but
   * CAP_SYS_TIME can come back, even through a file capability. */
  for (cap = 0; cap <= CAP_LAST_CAP; cap++)
    if (cap != CAP_SYS_TIME && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      return fail (error, "PR_CAPBSET_DROP");
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return fail (error, "PR_CAP_AMBIENT_CLEAR_ALL");
  /* An empty directory as the root: nothing under it to read or write (names then need an
   * address, since resolv.conf is out of reach). */
  if (chroot_dir != NULL && (chroot (chroot_dir) < 0 || chdir ("/") < 0))
    return fail (error, "chroot");
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return fail (error, "PR_SET_KEEPCAPS");
  if (setgroups (0, NULL) < 0)
    return fail (error, "setgroups");
  if (setresgid (pw->gid, pw->gid, pw->gid) < 0)
    return fail (error, "setresgid");
  if (setresuid (pw->uid, pw->uid, pw->uid) < 0)
    return fail (error, "setresuid");
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return fail (error, "PR_SET_KEEPCAPS");
  if (!set_caps (sys_time, error))
    return FALSE;
  g_info ("Engine runs as %s (uid %u)%s", pw->name, (unsigned) pw->uid,
          sys_time ? " with CAP_SYS_TIME" : " without capabilities");
  return TRUE;
}

/* The system calls the engine makes: GLib's main loop, UDP sockets with kernel timestamps,
 * timerfds, the clock (clock_adjtime for the system backend), memory, and the resolver's
 * threads (service/net/mrd-net.c runs getaddrinfo on a GLib thread pool, as GIO's GResolver
 * would: netlink for AI_ADDRCONFIG, a unix socket for nscd, read-only files for nsswitch,
 * hosts and resolv.conf). */
static const int allowed[] = {
  SCMP_SYS (read), SCMP_SYS (write), SCMP_SYS (readv), SCMP_SYS (writev), SCMP_SYS (pread64),
  SCMP_SYS (close), SCMP_SYS (lseek), SCMP_SYS (fstat), SCMP_SYS (newfstatat), SCMP_SYS (statx),
  SCMP_SYS (stat), SCMP_SYS (lstat), SCMP_SYS (access), SCMP_SYS (faccessat),
  SCMP_SYS (faccessat2), SCMP_SYS (readlink), SCMP_SYS (readlinkat), SCMP_SYS (getdents64),
  SCMP_SYS (fcntl), SCMP_SYS (dup), SCMP_SYS (dup2), SCMP_SYS (dup3), SCMP_SYS (pipe2),
  SCMP_SYS (eventfd2), SCMP_SYS (poll), SCMP_SYS (ppoll), SCMP_SYS (select),
  SCMP_SYS (pselect6), SCMP_SYS (epoll_create1), SCMP_SYS (epoll_ctl), SCMP_SYS (epoll_wait),
  SCMP_SYS (epoll_pwait),
  SCMP_SYS (bind), SCMP_SYS (connect), SCMP_SYS (getsockname), SCMP_SYS (getpeername),
  SCMP_SYS (setsockopt), SCMP_SYS (getsockopt), SCMP_SYS (sendto), SCMP_SYS (sendmsg),
  SCMP_SYS (sendmmsg), SCMP_SYS (recvfrom), SCMP_SYS (recvmsg), SCMP_SYS (recvmmsg),
  SCMP_SYS (shutdown),
  SCMP_SYS (timerfd_create), SCMP_SYS (timerfd_settime), SCMP_SYS (timerfd_gettime),
  SCMP_SYS (clock_gettime), SCMP_SYS (clock_getres), SCMP_SYS (gettimeofday), SCMP_SYS (time),
  SCMP_SYS (clock_nanosleep), SCMP_SYS (nanosleep), SCMP_SYS (adjtimex),
  SCMP_SYS (clock_adjtime), SCMP_SYS (clock_settime), SCMP_SYS (settimeofday),
  SCMP_SYS (mmap), SCMP_SYS (munmap), SCMP_SYS (mprotect), SCMP_SYS (mremap),
  SCMP_SYS (madvise), SCMP_SYS (brk),
  SCMP_SYS (futex), SCMP_SYS (set_robust_list), SCMP_SYS (get_robust_list), SCMP_SYS (rseq),
  SCMP_SYS (clone), SCMP_SYS (clone3), SCMP_SYS (set_tid_address), SCMP_SYS (sched_yield),
  SCMP_SYS (sched_getaffinity), SCMP_SYS (exit), SCMP_SYS (exit_group),
  SCMP_SYS (rt_sigaction), SCMP_SYS (rt_sigprocmask), SCMP_SYS (rt_sigreturn),
  SCMP_SYS (sigaltstack), SCMP_SYS (restart_syscall),
  SCMP_SYS (getpid), SCMP_SYS (gettid), SCMP_SYS (getppid), SCMP_SYS (getuid),
  SCMP_SYS (geteuid), SCMP_SYS (getgid), SCMP_SYS (getegid), SCMP_SYS (getresuid),
  SCMP_SYS (getresgid), SCMP_SYS (getrandom), SCMP_SYS (uname), SCMP_SYS (getrusage),
  SCMP_SYS (prlimit64), SCMP_SYS (sysinfo), SCMP_SYS (membarrier), SCMP_SYS (tgkill),
  SCMP_SYS (getcwd),
  /* mrd_sandbox_drop_bind_service: capabilities can only be given up (no_new_privs, and
   * nothing outside the permitted set can be taken back). */
  SCMP_SYS (capget), SCMP_SYS (capset),
};

static gboolean
install_seccomp (gboolean accept, GError **error)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_KILL_PROCESS);
  gboolean ok = FALSE;
  int r = 0;
  guint i;

  if (ctx == NULL)
    {
      g_set_error_literal (error, MRD_IO_ERROR, G_IO_ERROR_FAILED, "seccomp_init failed");
      return FALSE;
    }
  for (i = 0; i < G_N_ELEMENTS (allowed) && r == 0; i++)
    if (allowed[i] >= 0)   /* a call this architecture lacks is a negative pseudo-number */
      r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, allowed[i], 0);
  /* Files only for reading: an open that could write or create fails with EACCES rather
   * than killing, so the caller sees why. */
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (openat), 1,
                          SCMP_A2 (SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EACCES), SCMP_SYS (openat), 1,
                          SCMP_A2 (SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_WRONLY));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EACCES), SCMP_SYS (openat), 1,
                          SCMP_A2 (SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDWR));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EACCES), SCMP_SYS (openat), 1,
                          SCMP_A2 (SCMP_CMP_MASKED_EQ, O_CREAT, O_CREAT));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EACCES), SCMP_SYS (openat), 1,
                          SCMP_A2 (SCMP_CMP_MASKED_EQ, O_TRUNC, O_TRUNC));
  if (r == 0 && accept)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (accept4), 0);
  if (r == 0 && SCMP_SYS (open) >= 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EACCES), SCMP_SYS (open), 0);
  /* Sockets of the families the engine and the resolver use. */
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (socket), 1,
                          SCMP_A0 (SCMP_CMP_EQ, AF_INET));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (socket), 1,
                          SCMP_A0 (SCMP_CMP_EQ, AF_INET6));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (socket), 1,
                          SCMP_A0 (SCMP_CMP_EQ, AF_UNIX));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (socket), 1,
                          SCMP_A0 (SCMP_CMP_EQ, AF_NETLINK));
  /* GLib asks for the creating thread's scheduling attributes when the resolver's shared
   * thread pool first starts, to give each new thread the same; refused, it starts them from
   * a spawner thread of its own instead. Refused rather than allowed: the engine has no
   * business changing how it is scheduled, and a killed engine is no answer to a lookup. */
  if (r == 0 && SCMP_SYS (sched_getattr) >= 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (sched_getattr), 0);
  if (r == 0 && SCMP_SYS (sched_setattr) >= 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (sched_setattr), 0);
  /* ioctl: FIONREAD, and TCGETS (isatty(3): GLib's log writer asks whether stderr is a
   * terminal) only. */
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (ioctl), 1,
                          SCMP_A1 (SCMP_CMP_EQ, FIONREAD));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (ioctl), 1,
                          SCMP_A1 (SCMP_CMP_EQ, TCGETS));
  /* prctl: thread names (GLib's worker threads) only. */
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (prctl), 1,
                          SCMP_A0 (SCMP_CMP_EQ, PR_SET_NAME));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (prctl), 1,
                          SCMP_A0 (SCMP_CMP_EQ, PR_GET_NAME));
  if (r != 0)
    g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_FAILED, "seccomp_rule_add: %s",
                 g_strerror (-r));
  else if ((r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 1)) != 0 ||
           (r = seccomp_load (ctx)) != 0)
    g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_FAILED, "seccomp_load: %s", g_strerror (-r));
  else
    ok = TRUE;
  seccomp_release (ctx);
  /* libseccomp builds the filter in the heap (its rule database and the BPF program), freed
   * now and never needed again: give those pages back rather than keep them resident for the
   * life of the engine. */
  malloc_trim (0);
  return ok;
}

gboolean
mrd_sandbox_drop_bind_service (GError **error)
{
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2] = { { 0 } };
  guint i = CAP_TO_INDEX (CAP_NET_BIND_SERVICE);
  guint32 bit = CAP_TO_MASK (CAP_NET_BIND_SERVICE);

  if (syscall (SYS_capget, &hdr, data) < 0)
    return fail (error, "capget");
  if (((data[i].effective | data[i].permitted | data[i].inheritable) & bit) == 0)
    return TRUE;
  /* Out of the permitted set, it is gone for good (the ambient set follows). */
  data[i].effective &= ~bit;
  data[i].permitted &= ~bit;
  data[i].inheritable &= ~bit;
  if (syscall (SYS_capset, &hdr, data) < 0)
    return fail (error, "capset");
  g_info ("Gave up CAP_NET_BIND_SERVICE");
  return TRUE;
}

gboolean
mrd_sandbox_enter (const char *user, const char *chroot_dir, gboolean accept, GError **error)
{
  if (chroot_dir != NULL && geteuid () != 0)
    g_message ("Cannot chroot to %s without root, going on without", chroot_dir);
  if (geteuid () == 0 && !drop_user (user, chroot_dir, error))
    return FALSE;
  /* The parent's death ends the child (set after the uid change, which clears it). */
  if (prctl (PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0)
    return fail (error, "PR_SET_PDEATHSIG");
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return fail (error, "PR_SET_NO_NEW_PRIVS");
  return install_seccomp (accept, error);
}
