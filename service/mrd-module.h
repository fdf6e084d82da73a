/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-module.h — a module (shared object) beside the running executable, loaded on first use.
 *
 * Libraries only some configurations need (gnutls for NTS, nettle for NTS's AEAD and for the
 * key types GLib does not compute) live in modules beside meridiand and meridian-engine, so
 * that a daemon that never needs them does not pay their memory (net/mrd-nts-module.h says
 * how much). Each module exports one table whose first member is its version; a module of
 * another version is refused, since the table's layout would not be this build's.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *purpose;   /* for messages: "NTS", "keys" */
  const char *name;      /* file name, beside /proc/self/exe */
  const char *symbol;    /* the exported table */
  guint version;         /* what the table's first member must be */
  void *handle;
  const void *table;     /* NULL when not loaded */
  char *failure;         /* why it could not be loaded: said once, kept */
} MrdModule;

#define MRD_MODULE_INIT(purpose, name, symbol, version) \
  { (purpose), (name), (symbol), (version), NULL, NULL, NULL }

/* The module's table, loaded at the first call; NULL with an error when it cannot be (said
 * once as a warning; later calls fail at once with the same message). */
const void *mrd_module_load   (MrdModule *module, GError **error);
/* Unload it: nothing of it may be in use. The table mrd_module_load() returned is gone. */
void        mrd_module_unload (MrdModule *module);

G_END_DECLS
