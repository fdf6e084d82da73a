/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-nts-dump.c — ntsdumpdir's files; see mrd-nts-dump.h. */
#include "sync/mrd-nts-dump.h"

#include <string.h>

#include "mrd-state.h"
#include "ntp-nts.h"

char *
mrd_nts_dump_read (const char *dir, const char *line, char **name_out, gsize *len_out)
{
  NtpSourceConfig sc;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  ntp_source_config_init (&sc);
  if (ntp_source_config_parse (&sc, line, NULL, 0) < 0 || !sc.nts)
    return NULL;
  name = mrd_sync_engine_nts_dump_name (&sc);
  if (name == NULL)
    return NULL;
  path = g_build_filename (dir, name, NULL);
  /* A regular file, no link followed, bounded: mrd_state_read_file refuses the rest. */
  if (!mrd_state_read_file (path, NTS_DUMP_MAX_LEN, &text, &len, &error))
    {
      g_message ("NTS dump %s ignored: %s", path, error->message);
      return NULL;
    }
  if (text == NULL)
    return NULL;
  if (!mrd_sync_engine_nts_dump_check (name, text, len, path))
    return NULL;
  if (name_out != NULL)
    *name_out = g_steal_pointer (&name);
  if (len_out != NULL)
    *len_out = len;
  return g_steal_pointer (&text);
}

gboolean
mrd_nts_dump_write (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = strlen (text);

  if (!mrd_sync_engine_nts_dump_check (name, text, len, "to be written"))
    return FALSE;
  path = g_build_filename (dir, name, NULL);
  if (!mrd_write_file_atomic (path, text, len, 0600, &error))
    {
      g_message ("NTS dump %s not written: %s", path, error->message);
      return FALSE;
    }
  g_debug ("NTS dump %s written", path);
  return TRUE;
}

static void
on_dump (MrdSyncEngine *engine, const char *name, const char *text, gpointer user_data)
{
  mrd_nts_dump_write (user_data, name, text);
}

void
mrd_nts_dump_attach (MrdSyncEngine *engine, const MrdConfig *config, const char *dir)
{
  for (guint i = 0; i < config->sources->len; i++)
    {
      g_autofree char *name = NULL;
      gsize len = 0;
      g_autofree char *text = mrd_nts_dump_read (dir, config->sources->pdata[i], &name, &len);

      if (text != NULL)
        mrd_sync_engine_take_nts_dump (engine, name, text, len);
    }
  /* @dir lives as long as the engine (the caller's). */
  mrd_sync_engine_set_nts_dump_func (engine, on_dump, (gpointer) dir);
}
