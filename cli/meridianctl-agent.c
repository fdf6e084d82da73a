/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl: the polkit text agent.
 *
 * As systemd's polkit_agent_open() (src/shared/spawn-polkit-agent.c) does for timedatectl:
 * when stdin is a terminal, run `pkttyagent --notify-fd N --fallback` and wait until it
 * closes N, which it does once it has registered with polkit (or given up), so that polkit
 * finds an agent to ask through by the time our call arrives.  --fallback makes it register
 * only where no graphical agent already serves the session.  pkttyagent(1).
 *
 * polkitd uses a --fallback agent only for a caller it can place in a login session
 * (logind); without one the change fails with InteractiveAuthorizationRequired, as it does
 * for timedatectl.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <glib-unix.h>

#include "meridianctl.h"

#define AGENT_FD 3
/* How long to wait for the agent to register; it normally takes milliseconds. */
#define AGENT_REGISTER_TIMEOUT_MS 5000

struct _MctlAgent {
  GSubprocess *process;
};

MctlAgent *
mctl_agent_open (void)
{
  g_autofree char *pkttyagent = g_find_program_in_path ("pkttyagent");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fd_arg = g_strdup_printf ("%d", AGENT_FD);
  GSubprocess *process;
  MctlAgent *agent;
  int fds[2];

  /* polkit authorizes root without asking, so root needs no agent (as systemd decides);
   * without a terminal there is nobody to ask. */
  if (geteuid () == 0 || !isatty (STDIN_FILENO) || pkttyagent == NULL)
    return NULL;
  if (!g_unix_open_pipe (fds, FD_CLOEXEC, &error))
    {
      g_debug ("Cannot make a pipe for pkttyagent: %s, going on without it", error->message);
      return NULL;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  /* The launcher owns the write end; dropping the launcher closes our copy, so the read end
   * sees end-of-file when the agent closes its copy. */
  g_subprocess_launcher_take_fd (launcher, fds[1], AGENT_FD);
  process = g_subprocess_launcher_spawn (launcher, &error, pkttyagent,
                                         "--notify-fd", fd_arg, "--fallback", NULL);
  g_clear_object (&launcher);
  if (process == NULL)
    {
      g_debug ("Cannot start pkttyagent: %s, going on without it", error->message);
      close (fds[0]);
      return NULL;
    }

  struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
  while (poll (&pfd, 1, AGENT_REGISTER_TIMEOUT_MS) < 0 && errno == EINTR)
    ;
  close (fds[0]);
  g_debug ("pkttyagent %s is running for us", g_subprocess_get_identifier (process));

  agent = g_new0 (MctlAgent, 1);
  agent->process = process;
  return agent;
}

void
mctl_agent_close (MctlAgent *agent)
{
  if (agent == NULL)
    return;
  g_subprocess_send_signal (agent->process, SIGTERM);
  g_subprocess_wait (agent->process, NULL, NULL);
  g_object_unref (agent->process);
  g_free (agent);
}
