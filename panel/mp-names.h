/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Names people search for, beyond what the service lists: country names from Debian's
 * iso-codes (English from iso_3166-1.json, Korean from its ko catalog, the source meridianctl
 * reads too) and a zone's city in Korean (CLDR's exemplar city, through ICU). Static locale
 * data only: nothing here reads clock or zone state. */
typedef struct _MpNames MpNames;

/* Loads what is installed; a missing file leaves those names out (it says so once). */
MpNames    *mp_names_new              (void);
void        mp_names_free             (MpNames *names);
/* "Korea, Republic of" / NULL */
const char *mp_names_country_english  (MpNames *names, const char *alpha2);
/* "South Korea" (iso-codes' common name) / NULL */
const char *mp_names_country_common   (MpNames *names, const char *alpha2);
/* "대한민국" / NULL */
const char *mp_names_country_korean   (MpNames *names, const char *alpha2);
/* "서울" for Asia/Seoul; NULL when CLDR has no Korean name. Newly allocated. */
char       *mp_names_city_korean      (MpNames *names, const char *zone);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpNames, mp_names_free)

/* A gettext .mo catalog as a msgid -> msgstr table (plural forms: the first). */
GHashTable *mp_mo_load (const char *path, GError **error);

G_END_DECLS
