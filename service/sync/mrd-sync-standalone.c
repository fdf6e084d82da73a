/* mrd-sync-standalone.c — see mrd-sync-standalone.h.
 *
 * One thread: GLib's own unix signal sources would start its worker thread, so SIGTERM and
 * SIGINT are caught here with sigaction(2), kept blocked except while the main loop sleeps in
 * poll(2) (a custom poll function), which they then interrupt. No file descriptor is added for
 * them, which matters under clknetsim, whose select() takes every descriptor it does not know
 * for readable.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-sync-standalone.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include "net/mrd-io-error.h"

#include "mrd-config.h"
#include "mrd-state.h"
#include "sync/mrd-nts-dump.h"
#include "sync/mrd-statlog.h"
#include "sync/mrd-sync-engine.h"

static volatile sig_atomic_t quit_signal;
static sigset_t quit_signals;

static void
on_signal (int signum)
{
  quit_signal = signum;
}

static int
poll_with_signals (GPollFD *fds, guint nfds, gint timeout)
{
  sigset_t old;
  int r;

  sigprocmask (SIG_UNBLOCK, &quit_signals, &old);
  /* A signal pending while blocked is delivered on unblocking, before this test. */
  if (quit_signal != 0)
    r = 0;
  else
    r = poll ((struct pollfd *) fds, nfds, timeout);
  sigprocmask (SIG_SETMASK, &old, NULL);
  return r;
}

typedef struct {
  GSource parent;
} QuitSource;

static gboolean
quit_prepare (GSource *source, gint *timeout)
{
  *timeout = -1;
  return quit_signal != 0;
}

static gboolean
quit_check (GSource *source)
{
  return quit_signal != 0;
}

static gboolean
quit_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  return callback (user_data);
}

static GSourceFuncs quit_funcs = { quit_prepare, quit_check, quit_dispatch, NULL, NULL, NULL };

static gboolean
on_quit (gpointer user_data)
{
  g_message ("Received signal %d, exiting", (int) quit_signal);
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* The reference last logged (one engine per process in this mode): a line when it changes,
 * not on every update, so a source named in the log is named once per change. */
static guint32 logged_ref_id;

static void
on_updated (MrdSyncEngine *engine, MrdSyncEngineChanged what, gpointer user_data)
{
  MrdClock *clock = user_data;
  NtpTracking t;
  double true_offset;
  g_autofree char *truth = NULL;

  if (what & MRD_SYNC_ENGINE_CHANGED_SOURCES)
    {
      g_autoptr(GArray) sources = mrd_sync_engine_list_sources (engine);
      guint i;

      for (i = 0; i < sources->len; i++)
        {
          MrdSyncSourceInfo *info = &g_array_index (sources, MrdSyncSourceInfo, i);

          if (info->local_address[0] != '\0')
            g_message ("Source %u: %s (%s) from %s", info->id, info->address, info->name,
                       info->local_address);
          else
            g_message ("Source %u: %s (%s)", info->id, info->address, info->name);
        }
    }
  if (!(what & MRD_SYNC_ENGINE_CHANGED_TRACKING))
    return;
  mrd_sync_engine_get_tracking (engine, &t);
  if (t.synchronized && t.ref_id != logged_ref_id)
    g_message ("Reference ID %08X (%s)", t.ref_id, mrd_sync_engine_get_reference_name (engine));
  logged_ref_id = t.synchronized ? t.ref_id : 0;
  if (mrd_clock_get_true_offset (clock, &true_offset))
    truth = g_strdup_printf (" true-offset %+.9f s", true_offset);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "MESSAGE", "update: %s stratum %d offset %+.9f s last %+.9f s rms %.9f s "
                    "freq %+.3f ppm skew %.3f ppm%s",
                    t.synchronized ? "synchronized" : "unsynchronized", t.stratum,
                    t.system_time_offset, t.last_offset, t.rms_offset, t.freq_ppm, t.skew_ppm,
                    truth != NULL ? truth : "",
                    "MERIDIAN_SYNCHRONIZED", "%d", t.synchronized);
}

/* A path the configuration names, taken beneath @root (NULL, "" or "/": as named). */
static void
rebase_under_root (char **path, const char *root)
{
  char *rebased;

  if (*path == NULL || root == NULL || root[0] == '\0' || strcmp (root, "/") == 0)
    return;
  rebased = g_build_filename (root, *path, NULL);
  g_free (*path);
  *path = rebased;
}

int
mrd_sync_standalone_run (const char *config_path, const char *root, MrdClock *clock)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MrdConfig) config = NULL;
  g_autoptr(MrdSyncEngine) engine = NULL;
  g_autoptr(MrdStatlog) statlog = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  struct sigaction sa;
  GSource *quit;

  /* As the service reads it: the paths in the file are relative to the root. */
  config = mrd_config_load_file_under (config_path, root, &error);
  if (config == NULL)
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return 1;
    }
  rebase_under_root (&config->driftfile, root);
  rebase_under_root (&config->ntsdumpdir, root);
  rebase_under_root (&config->logdir, root);
  engine = mrd_sync_engine_new (clock, config, &error);
  if (engine == NULL)
    {
      g_printerr ("%s: %s: %s\n", g_get_prgname (), config_path, error->message);
      return 1;
    }
  /* Before start: the saved cookies are there when the first addresses are polled. */
  if (config->ntsdumpdir != NULL)
    mrd_nts_dump_attach (engine, config, config->ntsdumpdir);
  statlog = mrd_statlog_attach (engine, config, config->logdir);
  /* What a crash during a drift-file write left behind. */
  if (config->driftfile != NULL && mrd_state_clean_temp_files_of (config->driftfile) > 0)
    g_message ("Removed leftover temporary files of %s", config->driftfile);

  sigemptyset (&quit_signals);
  sigaddset (&quit_signals, SIGTERM);
  sigaddset (&quit_signals, SIGINT);
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  sigprocmask (SIG_BLOCK, &quit_signals, NULL);
  g_main_context_set_poll_func (NULL, poll_with_signals);

  loop = g_main_loop_new (NULL, FALSE);
  quit = g_source_new (&quit_funcs, sizeof (QuitSource));
  g_source_set_callback (quit, on_quit, loop, NULL);
  g_source_attach (quit, NULL);
  g_source_unref (quit);

  mrd_sync_engine_set_updated_func (engine, on_updated, clock);
  g_message ("%s --no-bus: clock %s, configuration %s", g_get_prgname (),
             mrd_clock_get_name (clock), config_path);
  mrd_sync_engine_start (engine);
  g_main_loop_run (loop);
  mrd_sync_engine_stop (engine);
  mrd_sync_engine_set_nts_dump_func (engine, NULL, NULL);
  mrd_sync_engine_set_statlog_func (engine, NULL, NULL);
  return 0;
}

int
mrd_sync_standalone_main (const char *config_path, const char *root, MrdClockKind kind,
                          double offset_s, double freq_ppm)
{
  g_autofree char *path = config_path != NULL ? g_strdup (config_path)
    : g_build_filename (root != NULL ? root : "/", "etc/meridian/meridian.conf", NULL);
  g_autoptr(MrdClock) clock = kind == MRD_CLOCK_KIND_VIRTUAL
    ? mrd_clock_new_virtual (offset_s, freq_ppm) : mrd_clock_new_system ();

  return mrd_sync_standalone_run (path, root, clock);
}
