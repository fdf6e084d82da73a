/* mrd-startup.h — what both executables (meridiand, meridian-engine) do before their own
 * work: the process's memory settings, the locale and message catalogue, the options.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether @argv holds @option ("--name", alone or as "--name=VALUE"): for what must be
 * decided before the options are parsed. */
gboolean mrd_startup_argv_has (int argc, char **argv, const char *option);

/* First thing in main(), before any thread exists.
 * - One malloc arena: glibc gives each thread that allocates its own arena (GDBus's worker,
 *   GLib's, the resolver's and zone-flush threads), each some tens of KiB of resident heap
 *   for a few small, short-lived allocations; none of them allocates enough to contend.
 * GLib's slice allocator (before GLib 2.76, which made g_slice_alloc() plain malloc) keeps
 * per-thread magazines and whole pages per chunk size, about 0.2 MiB for a daemon that
 * allocates little; GLib reads G_SLICE in its constructor, before main() runs, so it is
 * turned off where the process is started: `Environment=G_SLICE=always-malloc` in both
 * units (data/), which the engine child of meridiand inherits. */
void     mrd_startup_memory (void);

/* The options meridiand and meridian-engine share: the plain engine's (--no-bus: where the
 * files are, which clock) and the sandbox's (whom the engine runs as, where). */
typedef struct {
  gboolean no_bus;
  char *root;
  char *config;
  char *clock_name;
  double virtual_offset;
  double virtual_freq;
  char *engine_user;
  char *engine_chroot;
  gboolean verbose;
} MrdStartupCommon;

void     mrd_startup_common_clear (MrdStartupCommon *common);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MrdStartupCommon, mrd_startup_common_clear)

/* Set up the message catalogue (and the locale from the environment when @set_locale),
 * then parse the shared options into @common and the executable's own @entries: on an
 * error, or a leftover argument, print it and return FALSE (exit with 2). @summary is
 * untranslated (N_()), translated here with the options. */
gboolean mrd_startup_parse_options (int *argc, char ***argv, MrdStartupCommon *common,
                                    const GOptionEntry *entries, const char *summary,
                                    gboolean set_locale);

G_END_DECLS
