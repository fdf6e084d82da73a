/* mrd-config.c — see mrd-config.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

#include "ntp-config.h"
#include "mrd-tz-root.h"
#include "mrd-tzdb.h"
#include "mrd-tzif.h"

/* Largest configuration file read (chrony's own are a few KiB). */
#define CONFIG_READ_MAX (1024 * 1024)

/* Every directive of chrony.conf(5) in chrony 4.3, sorted for bsearch. */
static const char *const chrony_directives[] = {
  "acquisitionport", "allow", "authselectmode", "bindacqaddress", "bindacqdevice",
  "bindaddress", "bindcmdaddress", "bindcmddevice", "binddevice", "broadcast",
  "clientloglimit", "clockprecision", "cmdallow", "cmddeny", "cmdport", "cmdratelimit",
  "combinelimit", "confdir", "corrtimeratio", "deny", "driftfile", "dscp", "dumpdir",
  "fallbackdrift", "hwclockfile", "hwtimestamp", "hwtsinterval", "include", "initstepslew",
  "keyfile", "leapsecmode", "leapsectz", "local", "lock_all", "log", "logbanner", "logchange",
  "logdir", "mailonchange", "makestep", "manual", "maxchange", "maxclockerror", "maxdistance",
  "maxdrift", "maxjitter", "maxntsconnections", "maxsamples", "maxslewrate", "maxupdateskew",
  "minsamples", "minsources", "nocerttimecheck", "noclientlog", "nosystemcert",
  "ntpsigndsocket", "ntscachedir", "ntsdumpdir", "ntsntpserver", "ntsport", "ntsprocesses",
  "ntsratelimit", "ntsrefresh", "ntsrotate", "ntsservercert", "ntsserverkey",
  "ntstrustedcerts", "peer", "pidfile", "pool", "port", "ptpport", "ratelimit", "refclock",
  "refresh", "reselectdist", "rtcautotrim", "rtcdevice", "rtcfile", "rtconutc", "rtcsync",
  "sched_priority", "server", "smoothtime", "sourcedir", "stratumweight", "tempcomp", "user",
};

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
name_in (const char *name, const char *const *table, gsize n)
{
  return bsearch (&name, table, n, sizeof table[0], compare_names) != NULL;
}

gboolean
mrd_config_is_chrony_directive (const char *name)
{
  return name_in (name, chrony_directives, G_N_ELEMENTS (chrony_directives));
}

MrdConfig *
mrd_config_new (void)
{
  MrdConfig *config = g_new0 (MrdConfig, 1);

  config->sources = g_ptr_array_new_with_free_func (g_free);
  config->source_origins = g_ptr_array_new_with_free_func (g_free);
  config->source_in_sourcedir = g_array_new (FALSE, FALSE, sizeof (gboolean));
  config->core_lines = g_ptr_array_new_with_free_func (g_free);
  config->diagnostics = g_ptr_array_new_with_free_func (g_free);
  config->sourcedirs = g_ptr_array_new_with_free_func (g_free);
  config->keys = mrd_keys_new ();
  config->nts_certs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  config->nts_cert_sets = g_array_new (FALSE, FALSE, sizeof (guint));
  config->nts_cert_files = g_ptr_array_new_with_free_func (g_free);
  config->initstepslew_hosts = g_ptr_array_new_with_free_func (g_free);
  config->initstepslew_origins = g_ptr_array_new_with_free_func (g_free);
  config->logbanner = 32;
  return config;
}

void
mrd_config_free (MrdConfig *config)
{
  if (config == NULL)
    return;
  g_ptr_array_unref (config->sources);
  g_ptr_array_unref (config->source_origins);
  g_array_unref (config->source_in_sourcedir);
  g_ptr_array_unref (config->core_lines);
  g_ptr_array_unref (config->diagnostics);
  g_ptr_array_unref (config->sourcedirs);
  g_free (config->driftfile);
  g_free (config->keyfile);
  mrd_keys_free (config->keys);
  g_ptr_array_unref (config->nts_certs);
  g_array_unref (config->nts_cert_sets);
  g_ptr_array_unref (config->nts_cert_files);
  g_free (config->ntsdumpdir);
  g_free (config->logdir);
  g_free (config->root);
  g_free (config->origin);
  g_ptr_array_unref (config->initstepslew_hosts);
  g_ptr_array_unref (config->initstepslew_origins);
  g_free (config->log_origin);
  g_free (config);
}

/* include, confdir and sourcedir nest; a file including itself must end somewhere. */
#define MAX_DEPTH 10

typedef enum {
  FILE_CONF,      /* any directive */
  FILE_SOURCES,   /* a sourcedir's *.sources file: server, pool and peer lines only */
} FileKind;

static void parse_file (MrdConfig *config, const char *path, FileKind kind);
static gboolean read_config_file (MrdConfig *config, const char *path, char **data,
                                  GError **error);

static void
add_diagnostic (MrdConfig *config, const char *filename, guint line, MrdConfigLineResult r,
                const char *why)
{
  g_autofree char *diag = g_strdup_printf ("%s:%u: %s", filename, line, why);

  if (r == MRD_CONFIG_LINE_ERROR)
    {
      config->n_errors++;
      g_warning (_("%s, ignoring the line"), diag);
    }
  else
    g_message ("%s", diag);
  g_ptr_array_add (config->diagnostics, g_steal_pointer (&diag));
}

/* The files with @suffix in @dirs, by name; a name found in an earlier directory hides the
 * same name in later ones (chrony.conf(5), confdir and sourcedir). */
/* The names in @dir: as named, or beneath config->root (a link on the way refused, reported
 * as a diagnostic). NULL when the directory cannot be read; chronyd skips a missing one. */
static GPtrArray *
list_dir (MrdConfig *config, const char *dir)
{
  GPtrArray *names = NULL;
  g_autoptr(GError) error = NULL;

  if (config->root == NULL)
    {
      g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
      const char *name;

      if (d == NULL)
        return NULL;
      names = g_ptr_array_new_with_free_func (g_free);
      while ((name = g_dir_read_name (d)) != NULL)
        g_ptr_array_add (names, g_strdup (name));
      return names;
    }
  if (!mrd_tz_root_list_dir (config->root, dir, &names, &error))
    {
      config->n_errors++;
      g_warning ("%s", error->message);
      g_ptr_array_add (config->diagnostics, g_strdup (error->message));
      return NULL;
    }
  return names;
}

static GPtrArray *
files_in_dirs (MrdConfig *config, char **dirs, const char *suffix)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree const char **names = NULL;
  guint i, n;

  for (i = 0; dirs[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) entries = list_dir (config, dirs[i]);

      if (entries == NULL)
        continue;   /* chronyd skips a directory that does not exist */
      for (guint k = 0; k < entries->len; k++)
        {
          const char *name = entries->pdata[k];

          if (g_str_has_suffix (name, suffix) && !g_hash_table_contains (seen, name))
            g_hash_table_insert (seen, g_strdup (name), g_build_filename (dirs[i], name, NULL));
        }
    }
  names = (const char **) g_hash_table_get_keys_as_array (seen, &n);
  qsort (names, n, sizeof names[0], compare_names);
  for (i = 0; i < n; i++)
    g_ptr_array_add (paths, g_strdup (g_hash_table_lookup (seen, names[i])));
  return paths;
}

/* sourcedir DIR...: the *.sources files of @dirs (source lines only), which are kept as the
 * configuration's sourcedirs. */
static void
read_sourcedirs (MrdConfig *config, char **dirs)
{
  g_autoptr(GPtrArray) paths = files_in_dirs (config, dirs, ".sources");

  for (guint i = 0; dirs[i] != NULL; i++)
    g_ptr_array_add (config->sourcedirs, g_strdup (dirs[i]));
  for (guint i = 0; i < paths->len; i++)
    parse_file (config, paths->pdata[i], FILE_SOURCES);
}

/* include beneath the root: glob(3) would follow links, so the directory is listed as every
 * file is read, and only the last component may be a pattern (fnmatch(3), sorted as glob's). */
static gboolean
include_beneath (MrdConfig *config, const char *pattern, char **message)
{
  g_autofree char *dir = g_path_get_dirname (pattern);
  g_autofree char *base = g_path_get_basename (pattern);
  g_autoptr(GPtrArray) entries = NULL;

  if (strpbrk (dir, "*?[") != NULL)
    {
      *message = g_strdup_printf (_("'include %s': beneath a root directory only the file "
                                    "name may be a pattern"), pattern);
      return FALSE;
    }
  entries = list_dir (config, dir);
  if (entries == NULL)
    return TRUE;
  g_ptr_array_sort (entries, compare_names);
  for (guint i = 0; i < entries->len; i++)
    {
      const char *name = entries->pdata[i];

      if (fnmatch (base, name, FNM_PERIOD) == 0)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          parse_file (config, path, FILE_CONF);
        }
    }
  return TRUE;
}

/* The key file @path (as named, or beneath the root as every other file): refused whole when
 * others may read or write it (mrd-keys.h says why); its bad lines are reported as
 * "KEYFILE:LINE: why" diagnostics and skipped. */
static MrdConfigLineResult
load_keyfile (MrdConfig *config, const char *path, gboolean at_start, char **message)
{
  g_autofree char *full = config->root != NULL ? g_build_filename (config->root, path, NULL)
                                               : g_strdup (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GPtrArray) diags = g_ptr_array_new_with_free_func (g_free);
  struct stat st;

  /* Beneath a root the file is read without following a link (read_config_file), so the
   * lstat below sees the very file; as named, a link is followed, as chronyd does. */
  /* chrony.conf as distributions ship it names a key file no source uses, and often none is
   * installed: a missing one is said, not an error (the sources naming a key are refused). */
  if ((config->root != NULL ? lstat (full, &st) : stat (full, &st)) < 0)
    {
      int err = errno;

      *message = at_start
        ? g_strdup_printf (_("keyfile %s: %s; sources with a key will not run"), path,
                           g_strerror (err))
        : g_strdup_printf (_("keyfile %s: %s"), path, g_strerror (err));
      return err == ENOENT ? MRD_CONFIG_LINE_IGNORED : MRD_CONFIG_LINE_ERROR;
    }
  if (!mrd_keys_check_mode (path, st.st_mode, &error) ||
      !read_config_file (config, path, &data, &error) || data == NULL)
    {
      const char *why = error != NULL ? error->message : g_strerror (ENOENT);

      *message = at_start
        ? g_strdup_printf (_("keyfile: %s; sources with a key will not run"), why)
        : g_strdup_printf (_("keyfile: %s"), why);
      return MRD_CONFIG_LINE_ERROR;
    }
  mrd_keys_parse_data (config->keys, data, path, diags);
  memset (data, 0, strlen (data));
  for (guint i = 0; i < diags->len; i++)
    {
      config->n_errors++;
      g_ptr_array_add (config->diagnostics, g_strdup (diags->pdata[i]));
    }
  return MRD_CONFIG_LINE_OK;
}

/* Every path a directive names must be absolute: a relative one would depend on the daemon's
 * working directory. */
static gboolean
require_absolute (const char *directive, const char *path, char **message)
{
  if (g_path_is_absolute (path))
    return TRUE;
  *message = g_strdup_printf (_("'%s' needs an absolute path, not '%s'"), directive, path);
  return FALSE;
}

static MrdConfigLineResult
parse_words (MrdConfig *config, char **words, FileKind kind, char **message)
{
  g_autofree char *name = g_ascii_strdown (words[0], -1);
  guint n_args = g_strv_length (words) - 1;
  g_autofree char *normalised = NULL;
  guint i;

  for (i = 0; name[i] != '\0'; i++)
    if (!g_ascii_islower (name[i]) && name[i] != '_')
      {
        *message = g_strdup_printf (_("'%s' is not a directive"), words[0]);
        return MRD_CONFIG_LINE_ERROR;
      }
  /* The directive's name as chronyd matches it (strcasecmp), the rest as written. */
  g_free (words[0]);
  words[0] = g_strdup (name);
  normalised = g_strjoinv (" ", words);

  if (g_str_equal (name, "server") || g_str_equal (name, "pool") || g_str_equal (name, "peer"))
    {
      NtpSourceConfig sc;
      char err[256] = "";

      ntp_source_config_init (&sc);
      if (ntp_source_config_parse (&sc, normalised, err, sizeof err) < 0)
        {
          *message = g_strdup (err[0] != '\0' ? err : _("bad source line"));
          return MRD_CONFIG_LINE_ERROR;
        }
      g_ptr_array_add (config->sources, g_steal_pointer (&normalised));
      g_ptr_array_add (config->source_origins, g_strdup (config->origin));
      {
        gboolean in_sourcedir = kind == FILE_SOURCES;

        g_array_append_val (config->source_in_sourcedir, in_sourcedir);
      }
      return MRD_CONFIG_LINE_OK;
    }

  if (kind == FILE_SOURCES)
    {
      /* chrony.conf(5): a sourcedir's files hold server, pool and peer lines only. */
      *message = g_strdup_printf (_("'%s' in a sources file (only server, pool and peer "
                                    "belong there)"), name);
      return MRD_CONFIG_LINE_ERROR;
    }

  if (g_str_equal (name, "driftfile"))
    {
      if (n_args != 1)
        {
          *message = g_strdup (_("'driftfile' needs exactly one file name"));
          return MRD_CONFIG_LINE_ERROR;
        }
      if (!require_absolute (name, words[1], message))
        return MRD_CONFIG_LINE_ERROR;
      g_free (config->driftfile);
      config->driftfile = g_strdup (words[1]);
      return MRD_CONFIG_LINE_OK;
    }

  /* chronyd's leapsectz: the zone (tzdata's right/UTC, as chrony.conf files name it) is read
   * from the time zone database, $TZDIR or /usr/share/zoneinfo, as chronyd's TZ look-up does,
   * and its leap seconds go to the NTP core as `leapsecond` lines: the core, sandboxed, reads
   * no file. A zone that cannot be read or counts no leap seconds is a warning, as in chronyd
   * (which then goes on without it). */
  if (g_str_equal (name, "leapsectz"))
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      g_autoptr(MrdTzif) tzif = NULL;
      const MrdTzLeap *leaps;
      guint n = 0;

      if (n_args != 1)
        {
          *message = g_strdup (_("'leapsectz' needs exactly one time zone name"));
          return MRD_CONFIG_LINE_ERROR;
        }
      if (!mrd_tz_name_check_syntax (words[1], &error))
        {
          *message = g_strdup_printf ("leapsectz: %s", error->message);
          return MRD_CONFIG_LINE_ERROR;
        }
      path = g_build_filename (mrd_tzdb_default_zoneinfo_dir (), words[1], NULL);
      tzif = mrd_tzif_new_from_file (path, &error);
      if (tzif == NULL)
        {
          *message = g_strdup_printf (_("leapsectz: %s, no leap seconds from it"), error->message);
          return MRD_CONFIG_LINE_IGNORED;
        }
      leaps = mrd_tzif_get_leap_seconds (tzif, &n);
      if (n == 0)
        {
          *message = g_strdup_printf (_("leapsectz: the time zone '%s' counts no leap seconds "
                                        "(a right/ zone does), ignoring"), words[1]);
          return MRD_CONFIG_LINE_IGNORED;
        }
      /* the newest are the ones that can still come; the core keeps NTP_LEAP_TABLE_MAX */
      for (i = n > NTP_LEAP_TABLE_MAX ? n - NTP_LEAP_TABLE_MAX : 0; i < n; i++)
        g_ptr_array_add (config->core_lines,
                         g_strdup_printf ("leapsecond %" G_GINT64_FORMAT " %s",
                                          leaps[i].utc_midnight,
                                          leaps[i].sign > 0 ? "insert" : "delete"));
      return MRD_CONFIG_LINE_OK;
    }

  if (g_str_equal (name, "keyfile"))
    {
      if (n_args != 1)
        {
          *message = g_strdup (_("'keyfile' needs exactly one file name"));
          return MRD_CONFIG_LINE_ERROR;
        }
      if (!require_absolute (name, words[1], message))
        return MRD_CONFIG_LINE_ERROR;
      /* As chronyd: the last keyfile directive is the one used. */
      g_free (config->keyfile);
      config->keyfile = g_strdup (words[1]);
      mrd_keys_free (config->keys);
      config->keys = mrd_keys_new ();
      return load_keyfile (config, words[1], TRUE, message);
    }

  if (g_str_equal (name, "ntstrustedcerts"))
    {
      guint64 set = 0;
      const char *file = words[1];
      g_autofree char *data = NULL;
      g_autoptr(GError) error = NULL;
      gsize len = 0;

      if (n_args == 2)
        {
          if (!g_ascii_string_to_unsigned (words[1], 10, 0, G_MAXINT32, &set, NULL))
            {
              *message = g_strdup_printf (_("'%s' is not a certificate set (0 to 2147483647)"),
                                          words[1]);
              return MRD_CONFIG_LINE_ERROR;
            }
          file = words[2];
        }
      else if (n_args != 1)
        {
          *message = g_strdup (_("'ntstrustedcerts' needs a file, optionally after a set number"));
          return MRD_CONFIG_LINE_ERROR;
        }
      if (!require_absolute (name, file, message))
        return MRD_CONFIG_LINE_ERROR;
      /* Read now, by the process that reads the configuration: the sandboxed engine is
       * handed the certificates, it does not open files. */
      if (!read_config_file (config, file, &data, &error) || data == NULL)
        {
          *message = g_strdup_printf (_("ntstrustedcerts %s: %s"), file,
                                      error != NULL ? error->message : g_strerror (ENOENT));
          return MRD_CONFIG_LINE_ERROR;
        }
      len = strlen (data);
      g_ptr_array_add (config->nts_certs, g_bytes_new_take (g_steal_pointer (&data), len));
      g_array_append_val (config->nts_cert_sets, (guint) { (guint) set });
      g_ptr_array_add (config->nts_cert_files, g_strdup (file));
      return MRD_CONFIG_LINE_OK;
    }

  if (g_str_equal (name, "nosystemcert"))
    {
      if (n_args != 0)
        {
          *message = g_strdup (_("'nosystemcert' takes no arguments"));
          return MRD_CONFIG_LINE_ERROR;
        }
      config->nosystemcert = TRUE;
      return MRD_CONFIG_LINE_OK;
    }

  if (g_str_equal (name, "ntsdumpdir"))
    {
      if (n_args != 1 || !g_path_is_absolute (words[1]))
        {
          *message = g_strdup_printf (_("'%s' needs an absolute path"), name);
          return MRD_CONFIG_LINE_ERROR;
        }
      g_free (config->ntsdumpdir);
      config->ntsdumpdir = g_strdup (words[1]);
      return MRD_CONFIG_LINE_OK;
    }

  if (g_str_equal (name, "logdir"))
    {
      if (n_args != 1 || !g_path_is_absolute (words[1]))
        {
          *message = g_strdup_printf (_("'%s' needs an absolute path"), name);
          return MRD_CONFIG_LINE_ERROR;
        }
      g_free (config->logdir);
      config->logdir = g_strdup (words[1]);
      return MRD_CONFIG_LINE_OK;
    }

  if (g_str_equal (name, "logbanner"))
    {
      guint64 lines = 0;

      if (n_args != 1 || !g_ascii_string_to_unsigned (words[1], 10, 0, G_MAXINT, &lines, NULL))
        {
          *message = g_strdup (_("'logbanner' needs a number of lines (0 = no banner)"));
          return MRD_CONFIG_LINE_ERROR;
        }
      config->logbanner = (guint) lines;
      return MRD_CONFIG_LINE_OK;
    }

  if (g_str_equal (name, "rtcsync"))
    {
      if (n_args != 0)
        {
          *message = g_strdup (_("'rtcsync' takes no arguments"));
          return MRD_CONFIG_LINE_ERROR;
        }
      config->rtcsync = TRUE;
      return MRD_CONFIG_LINE_OK;
    }

  if (g_str_equal (name, "include") || g_str_equal (name, "confdir") ||
      g_str_equal (name, "sourcedir"))
    {
      if (n_args == 0 || (g_str_equal (name, "include") && n_args != 1))
        {
          *message = g_strdup_printf (g_str_equal (name, "include")
                                        ? _("'%s' needs exactly one file name or pattern")
                                        : _("'%s' needs at least one directory"), name);
          return MRD_CONFIG_LINE_ERROR;
        }
      for (i = 1; words[i] != NULL; i++)
        if (!require_absolute (name, words[i], message))
          return MRD_CONFIG_LINE_ERROR;
      if (config->depth >= MAX_DEPTH)
        {
          *message = g_strdup_printf (_("'%s' nested more than %d deep"), name, MAX_DEPTH);
          return MRD_CONFIG_LINE_ERROR;
        }
      config->depth++;
      if (g_str_equal (name, "include"))
        {
          if (config->root != NULL)
            {
              if (!include_beneath (config, words[1], message))
                {
                  config->depth--;
                  return MRD_CONFIG_LINE_ERROR;
                }
            }
          else
            {
              glob_t g = { 0 };

              /* chronyd: the files matching the pattern, in glob(3)'s (sorted) order; none
               * is no error. */
              if (glob (words[1], 0, NULL, &g) == 0)
                for (i = 0; i < g.gl_pathc; i++)
                  parse_file (config, g.gl_pathv[i], FILE_CONF);
              globfree (&g);
            }
        }
      else
        {
          if (g_str_equal (name, "sourcedir"))
            read_sourcedirs (config, words + 1);
          else
            {
              g_autoptr(GPtrArray) paths = files_in_dirs (config, words + 1, ".conf");

              for (i = 0; i < paths->len; i++)
                parse_file (config, paths->pdata[i], FILE_CONF);
            }
        }
      config->depth--;
      return MRD_CONFIG_LINE_OK;
    }

  /* The NTP core says which directives are its own. */
  {
    NtpConfig cfg;
    char err[256] = "";
    int r;

    ntp_config_init (&cfg);
    r = ntp_config_parse_line (&cfg, normalised, err, sizeof err);
    if (r < 0)
      {
        *message = g_strdup (err[0] != '\0' ? err : _("bad value"));
        return MRD_CONFIG_LINE_ERROR;
      }
    if (r > 0)
      {
        gboolean partial = err[0] != '\0';

        if (partial)
          *message = g_strdup (err);
        g_ptr_array_add (config->core_lines, g_steal_pointer (&normalised));
        if (g_str_equal (name, "log") && config->log_origin == NULL)
          config->log_origin = g_strdup (config->origin != NULL ? config->origin : "log");
        for (i = 2; g_str_equal (name, "initstepslew") && words[i] != NULL; i++)
          {
            g_ptr_array_add (config->initstepslew_hosts, g_strdup (words[i]));
            g_ptr_array_add (config->initstepslew_origins, g_strdup (config->origin));
          }
        return partial ? MRD_CONFIG_LINE_PARTIAL : MRD_CONFIG_LINE_OK;
      }
  }

  if (mrd_config_is_chrony_directive (name))
    *message = g_strdup_printf (_("directive '%s' is not supported by meridiand, ignoring"), name);
  else
    *message = g_strdup_printf (_("unknown directive '%s', ignoring"), name);
  return MRD_CONFIG_LINE_IGNORED;
}

static MrdConfigLineResult
parse_line_kind (MrdConfig *config, const char *line, FileKind kind, char **message)
{
  g_auto(GStrv) words = NULL;
  g_autofree char *why = NULL;
  g_autofree char *copy = g_strstrip (g_strdup (line));
  MrdConfigLineResult result;
  GPtrArray *nonempty;
  guint i;

  /* chrony.conf(5): "!", ";", "#" and "%" start a comment line. */
  if (copy[0] == '\0' || strchr ("!;#%", copy[0]) != NULL)
    return MRD_CONFIG_LINE_OK;

  for (i = 0; copy[i] != '\0'; i++)
    if (g_ascii_iscntrl (copy[i]) && copy[i] != '\t')
      {
        if (message != NULL)
          *message = g_strdup (_("control characters in the line"));
        return MRD_CONFIG_LINE_ERROR;
      }
  if (!g_utf8_validate (copy, -1, NULL))
    {
      if (message != NULL)
        *message = g_strdup (_("the line is not valid UTF-8"));
      return MRD_CONFIG_LINE_ERROR;
    }

  /* Split on any run of spaces and tabs. */
  nonempty = g_ptr_array_new_with_free_func (g_free);
  words = g_strsplit_set (copy, " \t", -1);
  for (i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_ptr_array_add (nonempty, g_strdup (words[i]));
  g_ptr_array_add (nonempty, NULL);
  result = parse_words (config, (char **) nonempty->pdata, kind, &why);
  g_ptr_array_free (nonempty, TRUE);

  if (message != NULL)
    *message = g_steal_pointer (&why);
  return result;
}

MrdConfigLineResult
mrd_config_parse_line (MrdConfig *config, const char *line, char **message)
{
  return parse_line_kind (config, line, FILE_CONF, message);
}

static void
parse_data_kind (MrdConfig *config, const char *data, const char *filename, FileKind kind)
{
  g_auto(GStrv) lines = g_strsplit (data, "\n", -1);
  guint i;

  for (i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *why = NULL;
      size_t len = strlen (lines[i]);
      MrdConfigLineResult r;

      /* A file saved with CRLF line ends reads as chronyd reads it: the CR is not part of the
       * line. */
      if (len > 0 && lines[i][len - 1] == '\r')
        lines[i][len - 1] = '\0';
      g_free (config->origin);
      config->origin = g_strdup_printf ("%s:%u", filename, i + 1);
      r = parse_line_kind (config, lines[i], kind, &why);
      g_clear_pointer (&config->origin, g_free);

      if (r != MRD_CONFIG_LINE_OK)
        add_diagnostic (config, filename, i + 1, r, why);
    }
}

/* chronyd measures initstepslew's hosts before it starts its sources; here the first
 * correction comes from the sources, so a host that is none of them is said to be unused. */
static void
check_initstepslew_hosts (MrdConfig *config)
{
  for (guint i = 0; i < config->initstepslew_hosts->len; i++)
    {
      const char *host = config->initstepslew_hosts->pdata[i];
      const char *origin = config->initstepslew_origins->pdata[i];
      gboolean found = FALSE;

      for (guint j = 0; j < config->sources->len && !found; j++)
        {
          NtpSourceConfig sc;

          /* every line in @sources parsed when it was read */
          ntp_source_config_init (&sc);
          found = ntp_source_config_parse (&sc, config->sources->pdata[j], NULL, 0) == 0 &&
                  g_ascii_strcasecmp (sc.name, host) == 0;
        }
      if (!found)
        {
          g_autofree char *diag = g_strdup_printf (
            _("%s: initstepslew: %s is not a source; the first correction comes from the sources"
              " (add a server line for it to be measured)"),
            origin != NULL ? origin : "initstepslew", host);

          g_message ("%s", diag);
          g_ptr_array_add (config->diagnostics, g_steal_pointer (&diag));
        }
    }
}

/* chronyd writes its statistics logs only under a logdir and says nothing when there is
 * none; a `log` line that writes nothing is worth a word. */
static void
check_log_has_logdir (MrdConfig *config)
{
  g_autofree char *diag = NULL;

  if (config->log_origin == NULL || config->logdir != NULL)
    return;
  diag = g_strdup_printf (_("%s: log: no logdir is set, so no log file is written"),
                          config->log_origin);
  g_message ("%s", diag);
  g_ptr_array_add (config->diagnostics, g_steal_pointer (&diag));
}

void
mrd_config_parse_data (MrdConfig *config, const char *data, const char *filename)
{
  parse_data_kind (config, data, filename, FILE_CONF);
  check_initstepslew_hosts (config);
  check_log_has_logdir (config);
}

/* A file the administrator named (--config, and what it includes): links are followed, as
 * chronyd does, but only a regular file of at most CONFIG_READ_MAX bytes is read, and it is
 * opened without blocking: a FIFO or device matched by an include pattern would otherwise hang
 * the daemon at start-up. Errors are G_FILE_ERROR (NOENT for a missing file). */
static gboolean
read_trusted_file (const char *path, char **data, GError **error)
{
  g_autofree char *buf = NULL;
  struct stat st;
  gsize len = 0;
  int fd, err;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    {
      err = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), _("Cannot open %s: %s"),
                   path, g_strerror (err));
      return FALSE;
    }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("Cannot read %s: %s"), path,
                   _("not a regular file"));
      return FALSE;
    }
  buf = g_malloc (CONFIG_READ_MAX + 1);
  for (;;)
    {
      gssize n = read (fd, buf + len, CONFIG_READ_MAX + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          err = errno;
          close (fd);
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
                       _("Cannot read %s: %s"), path, g_strerror (err));
          return FALSE;
        }
      if (n == 0 || (len += (gsize) n) > CONFIG_READ_MAX)
        break;
    }
  close (fd);
  if (len > CONFIG_READ_MAX)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, _("Cannot read %s: %s"), path,
                   g_strerror (EFBIG));
      return FALSE;
    }
  buf[len] = '\0';
  *data = g_steal_pointer (&buf);
  return TRUE;
}

/* @path's content: as named (read_trusted_file), or beneath config->root as the daemon reads
 * every file under its root (a regular file, bounded, no link). TRUE with *@data NULL when it
 * is missing beneath the root. */
static gboolean
read_config_file (MrdConfig *config, const char *path, char **data, GError **error)
{
  if (config->root == NULL)
    return read_trusted_file (path, data, error);
  return mrd_tz_root_read_file (config->root, path, CONFIG_READ_MAX, data, NULL, error);
}

static void
parse_file (MrdConfig *config, const char *path, FileKind kind)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;

  if (!read_config_file (config, path, &data, &error) || data == NULL)
    {
      g_autofree char *diag = g_strdup_printf ("%s: %s", path,
                                               error != NULL ? error->message
                                                             : g_strerror (ENOENT));

      config->n_errors++;
      g_warning ("%s", diag);
      g_ptr_array_add (config->diagnostics, g_steal_pointer (&diag));
      return;
    }
  parse_data_kind (config, data, path, kind);
}

MrdConfig *
mrd_config_load_file (const char *path, GError **error)
{
  return mrd_config_load_file_under (path, NULL, error);
}

MrdConfig *
mrd_config_load_file_under (const char *path, const char *root, GError **error)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;

  /* The paths inside the file name system files as every other system path does: beneath
   * the root when there is one (the real root keeps chronyd's reading, as named). */
  if (root != NULL && root[0] != '\0' && strcmp (root, "/") != 0)
    config->root = g_strdup (root);
  if (!read_trusted_file (path, &data, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_info ("No configuration file %s, using the defaults", path);
          return g_steal_pointer (&config);
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  mrd_config_parse_data (config, data, path);
  return g_steal_pointer (&config);
}

MrdConfig *
mrd_config_load_keyfile (const char *root, const char *path, GError **error)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  g_autofree char *message = NULL;

  config->root = g_strdup (root);
  config->keyfile = g_strdup (path);
  if (load_keyfile (config, path, FALSE, &message) != MRD_CONFIG_LINE_OK)
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                           message != NULL ? message : path);
      return NULL;
    }
  return g_steal_pointer (&config);
}

MrdConfig *
mrd_config_load_sourcedirs (const char *root, const char *const *dirs)
{
  MrdConfig *config = mrd_config_new ();

  config->root = g_strdup (root);
  if (dirs != NULL && dirs[0] != NULL)
    read_sourcedirs (config, (char **) dirs);
  return config;
}

MrdConfig *
mrd_config_load_beneath (const char *root, const char *path, GError **error)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  g_autofree char *data = NULL;

  config->root = g_strdup (root != NULL && root[0] != '\0' ? root : "/");
  if (!read_config_file (config, path, &data, error))
    return NULL;
  if (data == NULL)
    {
      g_info ("No configuration file %s under %s, using the defaults", path, config->root);
      return g_steal_pointer (&config);
    }
  mrd_config_parse_data (config, data, path);
  return g_steal_pointer (&config);
}
