/* mrd-engine-launch.c — see mrd-engine-launch.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE 1

#include "mrd-engine-launch.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <gio/gio.h>

#include "net/mrd-backoff.h"
#include "privsep/mrd-channel.h"
#include "privsep/mrd-clock-shared.h"

/* Starting an engine that keeps dying: 1 s, doubling to a minute; one that ran a minute was
 * healthy and the next failure starts from 1 s again. */
#define RESTART_MIN_S 1
#define RESTART_MAX_S 60
/* The child's channel fd and the clock's memfd in the child. */
#define CHILD_CHANNEL_FD 3
#define CHILD_CLOCK_FD 4

struct _MrdEngineLaunch {
  MrdClock *clock;
  char *executable;
  char *socket_path;
  char *user;
  char *chroot_dir;
  gboolean verbose;
  MrdEngineLaunchConnected connected;
  MrdEngineLaunchEnded ended;
  gpointer user_data;

  GSubprocess *child;            /* child mode */
  gboolean connected_now;        /* socket mode: a channel is out */
  gboolean wanted;
  GCancellable *cancel;
  guint restart_id;
  MrdBackoff restart;
  gint64 started_mono;
  char *description;
};

static gboolean
on_restart (gpointer user_data)
{
  MrdEngineLaunch *self = user_data;

  self->restart_id = 0;
  mrd_engine_launch_start (self);
  return G_SOURCE_REMOVE;
}

/* The engine failed to start or ended: try again after the back-off. */
static void
schedule_restart (MrdEngineLaunch *self)
{
  guint delay_s;

  if (self->restart_id != 0 || !self->wanted)
    return;
  if (self->started_mono != 0 &&
      g_get_monotonic_time () - self->started_mono >= RESTART_MAX_S * G_USEC_PER_SEC)
    mrd_backoff_reset (&self->restart);
  self->started_mono = 0;
  delay_s = mrd_backoff_next (&self->restart);
  g_message ("Starting the NTP engine again in %u s", delay_s);
  self->restart_id = g_timeout_add_seconds (delay_s, on_restart, self);
}

/* ---- child mode ----------------------------------------------------------------------- */

static void
on_child_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GSubprocess) child = G_SUBPROCESS (source);   /* the reference spawn() took */
  g_autoptr(GError) error = NULL;
  g_autofree char *what = NULL;
  MrdEngineLaunch *self;

  if (!g_subprocess_wait_finish (child, result, &error))
    return;   /* cancelled: the launcher is gone */
  self = user_data;
  if (self->child != child)
    return;
  if (g_subprocess_get_if_signaled (child))
    what = g_strdup_printf ("The NTP engine was killed by signal %d",
                            g_subprocess_get_term_sig (child));
  else
    what = g_strdup_printf ("The NTP engine exited with status %d",
                            g_subprocess_get_exit_status (child));
  g_warning ("%s", what);
  g_clear_object (&self->child);
  self->ended (what, self->user_data);
  schedule_restart (self);
}

static gboolean
spawn (MrdEngineLaunch *self, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  int fds[2];
  gboolean shared = mrd_clock_is_shared (self->clock);

  if (!mrd_channel_socketpair (fds, error))
    return FALSE;
  g_ptr_array_add (argv, g_strdup (self->executable));
  g_ptr_array_add (argv, g_strdup ("--engine-child"));
  g_ptr_array_add (argv, g_strdup_printf ("%d", CHILD_CHANNEL_FD));
  if (shared)
    {
      g_ptr_array_add (argv, g_strdup ("--engine-clock-fd"));
      g_ptr_array_add (argv, g_strdup_printf ("%d", CHILD_CLOCK_FD));
    }
  if (self->user != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--engine-user"));
      g_ptr_array_add (argv, g_strdup (self->user));
    }
  if (self->chroot_dir != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--engine-chroot"));
      g_ptr_array_add (argv, g_strdup (self->chroot_dir));
    }
  if (self->verbose)
    g_ptr_array_add (argv, g_strdup ("--verbose"));
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_take_fd (launcher, fds[1], CHILD_CHANNEL_FD);
  if (shared)
    g_subprocess_launcher_take_fd (launcher, dup (mrd_clock_shared_get_fd (self->clock)),
                                   CHILD_CLOCK_FD);
  self->child = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata,
                                              error);
  if (self->child == NULL)
    {
      close (fds[0]);
      return FALSE;
    }
  g_free (self->description);
  self->description = g_strdup_printf ("pid %s", g_subprocess_get_identifier (self->child));
  g_object_ref (self->child);   /* released by on_child_exited */
  g_subprocess_wait_async (self->child, self->cancel, on_child_exited, self);
  g_info ("NTP engine started as %s", self->description);
  self->connected (fds[0], self->user_data);
  return TRUE;
}

/* ---- socket mode ---------------------------------------------------------------------- */

static gboolean
send_hello (int fd, int clock_fd, GError **error)
{
  static const char hello[] = MRD_ENGINE_HELLO;
  gssize n = mrd_channel_send_datagram (fd, hello, sizeof hello - 1, clock_fd);

  if (n != (gssize) (sizeof hello - 1))
    {
      int e = n < 0 ? errno : EMSGSIZE;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "Cannot greet the NTP engine: %s",
                   g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

static gboolean
connect_socket (MrdEngineLaunch *self, GError **error)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  int fd, r;

  if (strlen (self->socket_path) >= sizeof sa.sun_path)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
                   "Socket path %s is too long", self->socket_path);
      return FALSE;
    }
  strcpy (sa.sun_path, self->socket_path);
  /* Non-blocking from the start: a full backlog must not stall the daemon's main loop. */
  fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    {
      int e = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "socket: %s", g_strerror (e));
      return FALSE;
    }
  do
    r = connect (fd, (struct sockaddr *) &sa, sizeof sa);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    {
      int e = errno;

      close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   "Cannot connect to the NTP engine at %s: %s", self->socket_path,
                   g_strerror (e));
      return FALSE;
    }
  if (!send_hello (fd, mrd_clock_is_shared (self->clock) ? mrd_clock_shared_get_fd (self->clock)
                                                         : -1, error))
    {
      close (fd);
      return FALSE;
    }
  self->connected_now = TRUE;
  g_info ("Connected to the NTP engine at %s", self->socket_path);
  self->connected (fd, self->user_data);
  return TRUE;
}

/* ---- public --------------------------------------------------------------------------- */

char *
mrd_engine_launch_find_executable (void)
{
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);

  /* Beside meridiand: both are installed in libexecdir, and built in one directory. */
  if (self_exe != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self_exe);
      g_autofree char *beside = g_build_filename (dir, "meridian-engine", NULL);

      if (g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&beside);
    }
  return g_strdup (MERIDIAN_ENGINE_PATH);
}

MrdEngineLaunch *
mrd_engine_launch_new (const MrdEngineLaunchOptions *options, MrdClock *clock,
                       MrdEngineLaunchConnected connected, MrdEngineLaunchEnded ended,
                       gpointer user_data)
{
  MrdEngineLaunch *self = g_new0 (MrdEngineLaunch, 1);

  self->clock = clock;
  self->socket_path = g_strdup (options->socket_path);
  if (self->socket_path == NULL)
    self->executable = options->executable != NULL ? g_strdup (options->executable)
                                                   : mrd_engine_launch_find_executable ();
  self->user = g_strdup (options->user);
  self->chroot_dir = g_strdup (options->chroot_dir);
  self->verbose = options->verbose;
  self->connected = connected;
  self->ended = ended;
  self->user_data = user_data;
  mrd_backoff_init (&self->restart, RESTART_MIN_S, RESTART_MAX_S);
  self->cancel = g_cancellable_new ();
  self->description = self->socket_path != NULL
    ? g_strdup_printf ("socket %s", self->socket_path) : g_strdup ("child");
  return self;
}

void
mrd_engine_launch_free (MrdEngineLaunch *self)
{
  if (self == NULL)
    return;
  g_cancellable_cancel (self->cancel);
  if (self->restart_id != 0)
    g_source_remove (self->restart_id);
  if (self->child != NULL)
    {
      /* Nothing of the child's state needs saving (the proxy has the drift). */
      g_subprocess_force_exit (self->child);
      (void) g_subprocess_wait (self->child, NULL, NULL);
      g_clear_object (&self->child);
    }
  g_object_unref (self->cancel);
  g_free (self->executable);
  g_free (self->socket_path);
  g_free (self->user);
  g_free (self->chroot_dir);
  g_free (self->description);
  g_free (self);
}

void
mrd_engine_launch_start (MrdEngineLaunch *self)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  self->wanted = TRUE;
  if (self->child != NULL || self->connected_now || self->restart_id != 0)
    return;
  self->started_mono = g_get_monotonic_time ();
  ok = self->socket_path != NULL ? connect_socket (self, &error) : spawn (self, &error);
  if (!ok)
    {
      g_warning ("Cannot start the NTP engine: %s", error->message);
      schedule_restart (self);
    }
}

void
mrd_engine_launch_stop (MrdEngineLaunch *self)
{
  if (self->socket_path == NULL)
    return;
  self->wanted = FALSE;
  self->connected_now = FALSE;
  if (self->restart_id != 0)
    g_source_remove (self->restart_id);
  self->restart_id = 0;
  /* Stopped on purpose: the next start is not a failure's retry. */
  mrd_backoff_reset (&self->restart);
}

void
mrd_engine_launch_channel_closed (MrdEngineLaunch *self)
{
  if (self->socket_path == NULL || !self->connected_now)
    return;
  self->connected_now = FALSE;
  g_warning ("The NTP engine at %s closed the connection", self->socket_path);
  self->ended ("The NTP engine closed the connection", self->user_data);
  schedule_restart (self);
}

gboolean
mrd_engine_launch_is_on_demand (MrdEngineLaunch *self)
{
  return self->socket_path != NULL;
}

GPid
mrd_engine_launch_get_pid (MrdEngineLaunch *self)
{
  const char *id = self->child != NULL ? g_subprocess_get_identifier (self->child) : NULL;

  return id != NULL ? (GPid) atoi (id) : 0;
}

const char *
mrd_engine_launch_describe (MrdEngineLaunch *self)
{
  return self->description;
}
