/* mrd-config.c — see mrd-config.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

#ifdef MRD_HAVE_NTP_CORE
#include "ntp-engine.h"
#endif

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

/* Directives the NTP core takes (ntp_config_parse_line in ntp-engine.h). */
static const char *const core_directives[] = {
  "combinelimit", "makestep", "maxchange", "maxdistance", "maxjitter", "maxslewrate",
  "maxupdateskew", "minsources", "reselectdist", "stratumweight",
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
  config->core_lines = g_ptr_array_new_with_free_func (g_free);
  config->diagnostics = g_ptr_array_new_with_free_func (g_free);
  return config;
}

void
mrd_config_free (MrdConfig *config)
{
  if (config == NULL)
    return;
  g_ptr_array_unref (config->sources);
  g_ptr_array_unref (config->core_lines);
  g_ptr_array_unref (config->diagnostics);
  g_free (config->driftfile);
  g_free (config);
}

G_GNUC_UNUSED static gboolean
is_number (const char *s)
{
  char *end = NULL;

  if (s == NULL || *s == '\0')
    return FALSE;
  (void) g_ascii_strtod (s, &end);
  return end != NULL && *end == '\0';
}

#ifndef MRD_HAVE_NTP_CORE
/* Without the NTP core, check a source line's shape against chrony.conf(5)'s `server`
 * options: a host, then flags and options with one numeric (or, for a few, word) argument. */
static gboolean
check_source_line (char **words, char **message)
{
  static const char *const flags[] = {
    "auto_offline", "burst", "copy", "iburst", "noselect", "nts", "offline", "prefer",
    "require", "trust", "xleave",
  };
  static const char *const with_arg[] = {
    "asymmetry", "certset", "extfield", "filter", "key", "maxdelay", "maxdelaydevratio",
    "maxdelayratio", "maxpoll", "maxsamples", "maxsources", "mindelay", "minpoll",
    "minsamples", "minstratum", "ntsport", "offset", "polltarget", "port", "presend",
    "version",
  };
  guint i;

  if (words[1] == NULL)
    {
      *message = g_strdup_printf (_("'%s' needs an address"), words[0]);
      return FALSE;
    }
  for (i = 2; words[i] != NULL; i++)
    {
      const char *opt = words[i];

      if (name_in (opt, flags, G_N_ELEMENTS (flags)))
        continue;
      if (name_in (opt, with_arg, G_N_ELEMENTS (with_arg)))
        {
          if (words[i + 1] == NULL)
            {
              *message = g_strdup_printf (_("option '%s' needs a value"), opt);
              return FALSE;
            }
          if (strcmp (opt, "extfield") != 0 && !is_number (words[i + 1]))
            {
              *message = g_strdup_printf (_("option '%s' needs a number, not '%s'"), opt,
                                          words[i + 1]);
              return FALSE;
            }
          i++;
          continue;
        }
      *message = g_strdup_printf (_("unknown source option '%s'"), opt);
      return FALSE;
    }
  return TRUE;
}
#endif

static MrdConfigLineResult
parse_words (MrdConfig *config, const char *line, char **words, char **message)
{
  const char *name = words[0];
  guint n_args = g_strv_length (words) - 1;
  guint i;

  for (i = 0; name[i] != '\0'; i++)
    if (!g_ascii_islower (name[i]) && name[i] != '_')
      {
        *message = g_strdup_printf (_("'%s' is not a directive"), name);
        return MRD_CONFIG_LINE_ERROR;
      }

  if (!mrd_config_is_chrony_directive (name))
    {
      *message = g_strdup_printf (_("unknown directive '%s'"), name);
      return MRD_CONFIG_LINE_ERROR;
    }

  if (g_str_equal (name, "server") || g_str_equal (name, "pool") || g_str_equal (name, "peer"))
    {
      g_autofree char *normalised = g_strjoinv (" ", words);
#ifdef MRD_HAVE_NTP_CORE
      NtpSourceConfig sc;
      char err[256] = "";

      ntp_source_config_init (&sc);
      if (ntp_source_config_parse (&sc, normalised, err, sizeof err) < 0)
        {
          *message = g_strdup (err[0] != '\0' ? err : _("bad source line"));
          return MRD_CONFIG_LINE_ERROR;
        }
#else
      if (!check_source_line (words, message))
        return MRD_CONFIG_LINE_ERROR;
#endif
      g_ptr_array_add (config->sources, g_steal_pointer (&normalised));
      return MRD_CONFIG_LINE_OK;
    }

  if (g_str_equal (name, "driftfile"))
    {
      if (n_args != 1)
        {
          *message = g_strdup (_("'driftfile' needs exactly one file name"));
          return MRD_CONFIG_LINE_ERROR;
        }
      g_free (config->driftfile);
      config->driftfile = g_strdup (words[1]);
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

  if (name_in (name, core_directives, G_N_ELEMENTS (core_directives)))
    {
      g_autofree char *normalised = g_strjoinv (" ", words);
#ifdef MRD_HAVE_NTP_CORE
      NtpConfig cfg;
      char err[256] = "";

      ntp_config_init (&cfg);
      if (ntp_config_parse_line (&cfg, normalised, err, sizeof err) < 0)
        {
          *message = g_strdup (err[0] != '\0' ? err : _("bad value"));
          return MRD_CONFIG_LINE_ERROR;
        }
#else
      if (n_args == 0)
        {
          *message = g_strdup_printf (_("'%s' needs a value"), name);
          return MRD_CONFIG_LINE_ERROR;
        }
      for (i = 1; words[i] != NULL; i++)
        if (!is_number (words[i]))
          {
            *message = g_strdup_printf (_("'%s' needs numbers, not '%s'"), name, words[i]);
            return MRD_CONFIG_LINE_ERROR;
          }
#endif
      g_ptr_array_add (config->core_lines, g_steal_pointer (&normalised));
      return MRD_CONFIG_LINE_OK;
    }

  *message = g_strdup_printf (_("directive '%s' is not supported by meridiand, ignoring"), name);
  return MRD_CONFIG_LINE_IGNORED;
}

MrdConfigLineResult
mrd_config_parse_line (MrdConfig *config, const char *line, char **message)
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
  nonempty = g_ptr_array_new ();
  words = g_strsplit_set (copy, " \t", -1);
  for (i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_ptr_array_add (nonempty, words[i]);
  g_ptr_array_add (nonempty, NULL);
  {
    char **w = (char **) nonempty->pdata;
    result = parse_words (config, copy, w, &why);
  }
  g_ptr_array_free (nonempty, TRUE);

  if (message != NULL)
    *message = g_steal_pointer (&why);
  return result;
}

void
mrd_config_parse_data (MrdConfig *config, const char *data, const char *filename)
{
  g_auto(GStrv) lines = g_strsplit (data, "\n", -1);
  guint i;

  for (i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *why = NULL;
      MrdConfigLineResult r = mrd_config_parse_line (config, lines[i], &why);
      g_autofree char *diag = NULL;

      if (r == MRD_CONFIG_LINE_OK)
        continue;
      diag = g_strdup_printf ("%s:%u: %s", filename, i + 1, why);
      if (r == MRD_CONFIG_LINE_ERROR)
        {
          config->n_errors++;
          g_warning (_("%s, ignoring the line"), diag);
        }
      else
        g_info ("%s", diag);
      g_ptr_array_add (config->diagnostics, g_steal_pointer (&diag));
    }
}

MrdConfig *
mrd_config_load_file (const char *path, GError **error)
{
  g_autoptr(MrdConfig) config = mrd_config_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;

  if (!g_file_get_contents (path, &data, NULL, &local_error))
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
