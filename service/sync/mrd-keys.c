/* mrd-keys.c — symmetric NTP keys; see mrd-keys.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-keys.h"

#include <string.h>
#include <sys/stat.h>

#include "net/mrd-io-error.h"

/* chronyd's own limit on a key's length (keys.c: the decoded key must fit its buffer). */
#define KEY_MAX_LEN 512

/* The key types chronyd built with nettle takes. Their numbers are chronyd's (hash.h, and
 * cmac.h's for the ciphers), which `chronyc authdata` shows as KeyType. */
static const struct {
  const char *name;
  guint chrony_number;
  GChecksumType checksum;      /* the hashes GLib computes (nettle_mac 0) */
  MrdMacAlgorithm nettle_mac;  /* the others, computed by meridian-mac.so */
  gsize key_len;               /* a cipher's key length in bytes; 0: any */
} types[] = {
  { "MD5", 1, G_CHECKSUM_MD5, 0, 0 },
  { "SHA1", 2, G_CHECKSUM_SHA1, 0, 0 },
  { "SHA256", 3, G_CHECKSUM_SHA256, 0, 0 },
  { "SHA384", 4, G_CHECKSUM_SHA384, 0, 0 },
  { "SHA512", 5, G_CHECKSUM_SHA512, 0, 0 },
  { "SHA3-224", 6, 0, MRD_MAC_SHA3_224, 0 },
  { "SHA3-256", 7, 0, MRD_MAC_SHA3_256, 0 },
  { "SHA3-384", 8, 0, MRD_MAC_SHA3_384, 0 },
  { "SHA3-512", 9, 0, MRD_MAC_SHA3_512, 0 },
  { "AES128", 13, 0, MRD_MAC_AES128_CMAC, 16 },
  { "AES256", 14, 0, MRD_MAC_AES256_CMAC, 32 },
};

typedef struct {
  guint32 id;
  guint type;                  /* index in types[] */
  guint8 *secret;
  gsize len;
} Key;

struct _MrdKeys {
  GArray *keys;                /* Key, in the order read */
};

static void
key_clear (Key *k)
{
  if (k->secret != NULL)
    {
      memset (k->secret, 0, k->len);
      g_free (k->secret);
    }
}

MrdKeys *
mrd_keys_new (void)
{
  MrdKeys *keys = g_new0 (MrdKeys, 1);

  keys->keys = g_array_new (FALSE, TRUE, sizeof (Key));
  g_array_set_clear_func (keys->keys, (GDestroyNotify) key_clear);
  return keys;
}

void
mrd_keys_free (MrdKeys *keys)
{
  if (keys == NULL)
    return;
  g_array_unref (keys->keys);
  g_free (keys);
}

MrdKeys *
mrd_keys_copy (const MrdKeys *keys)
{
  MrdKeys *copy = mrd_keys_new ();

  for (guint i = 0; keys != NULL && i < keys->keys->len; i++)
    {
      const Key *k = &g_array_index (keys->keys, Key, i);

      mrd_keys_add (copy, k->id, types[k->type].name, k->secret, k->len, NULL);
    }
  return copy;
}

static const Key *
find (const MrdKeys *keys, guint32 id)
{
  for (guint i = 0; i < keys->keys->len; i++)
    {
      const Key *k = &g_array_index (keys->keys, Key, i);

      if (k->id == id)
        return k;
    }
  return NULL;
}

gboolean
mrd_keys_has (const MrdKeys *keys, guint32 id)
{
  return keys != NULL && find (keys, id) != NULL;
}

guint
mrd_keys_count (const MrdKeys *keys)
{
  return keys != NULL ? keys->keys->len : 0;
}

gboolean
mrd_keys_add (MrdKeys *keys, guint32 id, const char *type, const guint8 *secret, gsize len,
              GError **error)
{
  Key k = { .id = id };
  guint i;

  if (id == 0)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "key ID 0 is not a key (IDs run from 1 to 4294967295)");
      return FALSE;
    }
  for (i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_ascii_strcasecmp (type, types[i].name) == 0)
      break;
  if (i == G_N_ELEMENTS (types))
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "key %u: type '%s' is not supported (MD5, SHA1, SHA256, SHA384, SHA512, "
                   "SHA3-224, SHA3-256, SHA3-384, SHA3-512, AES128 or AES256)", id, type);
      return FALSE;
    }
  if (len == 0 || len > KEY_MAX_LEN)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "key %u: the key must have 1 to %d bytes", id, KEY_MAX_LEN);
      return FALSE;
    }
  /* A cipher's key is its key, not a password hashed with the packet: it has one length. */
  if (types[i].key_len != 0 && len != types[i].key_len)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "key %u: an %s key must have %" G_GSIZE_FORMAT " bits (%" G_GSIZE_FORMAT
                   " bytes, e.g. HEX: and %" G_GSIZE_FORMAT " hexadecimal digits), this one has %"
                   G_GSIZE_FORMAT " bytes", id, types[i].name, 8 * types[i].key_len,
                   types[i].key_len, 2 * types[i].key_len, len);
      return FALSE;
    }
  if (find (keys, id) != NULL)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_EXISTS,
                   "key %u is defined twice; the first one is kept", id);
      return FALSE;
    }
  k.type = i;
  k.secret = g_memdup2 (secret, len);
  k.len = len;
  g_array_append_val (keys->keys, k);
  return TRUE;
}

static gboolean
parse_id (const char *s, guint32 *out)
{
  guint64 v;

  if (!g_ascii_isdigit (s[0]) || !g_ascii_string_to_unsigned (s, 10, 1, G_MAXUINT32, &v, NULL))
    return FALSE;
  *out = (guint32) v;
  return TRUE;
}

/* KEY as chronyd reads it: "HEX:" and an even number of hex digits, else the characters
 * themselves (after an optional "ASCII:"). */
static guint8 *
decode_secret (const char *word, gsize *len, const char **why)
{
  if (g_ascii_strncasecmp (word, "HEX:", 4) == 0)
    {
      const char *hex = word + 4;
      gsize n = strlen (hex);
      guint8 *out;

      if (n == 0 || n % 2 != 0)
        {
          *why = "HEX: needs an even, non-zero number of hexadecimal digits";
          return NULL;
        }
      out = g_malloc (n / 2);
      for (gsize i = 0; i < n / 2; i++)
        {
          int hi = g_ascii_xdigit_value (hex[2 * i]), lo = g_ascii_xdigit_value (hex[2 * i + 1]);

          if (hi < 0 || lo < 0)
            {
              memset (out, 0, n / 2);
              g_free (out);
              *why = "HEX: is followed by a character that is not a hexadecimal digit";
              return NULL;
            }
          out[i] = (guint8) (hi << 4 | lo);
        }
      *len = n / 2;
      return out;
    }
  if (g_ascii_strncasecmp (word, "ASCII:", 6) == 0)
    word += 6;
  *len = strlen (word);
  if (*len == 0)
    {
      *why = "the key is empty";
      return NULL;
    }
  return (guint8 *) g_strdup (word);
}

static void
report (GPtrArray *diagnostics, const char *filename, guint line, const char *why)
{
  g_autofree char *diag = g_strdup_printf ("%s:%u: %s", filename, line, why);

  g_warning ("%s, ignoring the line", diag);
  if (diagnostics != NULL)
    g_ptr_array_add (diagnostics, g_steal_pointer (&diag));
}

guint
mrd_keys_parse_data (MrdKeys *keys, const char *data, const char *filename,
                     GPtrArray *diagnostics)
{
  g_auto(GStrv) lines = g_strsplit (data, "\n", -1);
  g_autoptr(GArray) lengths = g_array_new (FALSE, FALSE, sizeof (gsize));
  guint taken = 0;

  for (guint n = 0; lines[n] != NULL; n++)
    {
      gsize len = strlen (lines[n]);

      g_array_append_val (lengths, len);
    }

  for (guint n = 0; lines[n] != NULL; n++)
    {
      g_autoptr(GError) error = NULL;
      const char *type = "MD5", *why = NULL, *secret_word;
      char *words[4], *save = NULL, *w;
      guint8 *secret;
      gsize len = 0;
      guint32 id;
      guint n_words = 0;
      char *line = g_strstrip (lines[n]);

      if (line[0] == '\0' || strchr ("#%;!", line[0]) != NULL)
        continue;
      /* Split in place, so that the one copy of the secret is the line, zeroed below. */
      for (w = strtok_r (line, " \t", &save); w != NULL && n_words < G_N_ELEMENTS (words);
           w = strtok_r (NULL, " \t", &save))
        words[n_words++] = w;
      if (w != NULL)
        n_words = G_N_ELEMENTS (words);   /* too many words */

      if (n_words < 2 || n_words > 3 || !parse_id (words[0], &id))
        {
          report (diagnostics, filename, n + 1,
                  "not a key line (expected: ID [TYPE] KEY, ID from 1 to 4294967295)");
          continue;
        }
      if (n_words == 3)
        type = words[1];
      secret_word = words[n_words - 1];
      secret = decode_secret (secret_word, &len, &why);
      if (secret == NULL)
        {
          g_autofree char *msg = g_strdup_printf ("key %u: %s", id, why);

          report (diagnostics, filename, n + 1, msg);
          continue;
        }
      if (!mrd_keys_add (keys, id, type, secret, len, &error))
        report (diagnostics, filename, n + 1, error->message);
      else
        taken++;
      memset (secret, 0, len);
      g_free (secret);
      /* chronyd warns about keys shorter than 80 bits; so do we (they are still used). */
      if (error == NULL && len < 10)
        g_warning ("%s:%u: key %u is shorter than 80 bits", filename, n + 1, id);
    }
  /* The text held secrets too (the lengths are from before strtok_r cut the lines). */
  for (guint n = 0; lines[n] != NULL; n++)
    memset (lines[n], 0, g_array_index (lengths, gsize, n));
  return taken;
}

gboolean
mrd_keys_check_mode (const char *path, guint mode, GError **error)
{
  if ((mode & (S_IROTH | S_IWOTH)) != 0)
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "%s holds secret keys but other users may %s it (mode %04o); not used "
                   "(chmod o-rw %s)", path,
                   (mode & S_IROTH) && (mode & S_IWOTH) ? "read and write"
                   : (mode & S_IROTH) ? "read" : "write", mode & 07777, path);
      return FALSE;
    }
  return TRUE;
}

gboolean
mrd_keys_needs_module (const MrdKeys *keys, guint32 id)
{
  const Key *k = keys != NULL ? find (keys, id) : NULL;

  return k != NULL && types[k->type].nettle_mac != 0;
}

gsize
mrd_keys_mac (const MrdKeys *keys, guint32 id, const guint8 *data, gsize len, guint8 *out,
              gsize max_len, MrdMacFunc module_mac)
{
  const Key *k = keys != NULL ? find (keys, id) : NULL;
  g_autoptr(GChecksum) sum = NULL;
  guint8 digest[64];
  gsize n = sizeof digest;

  if (k == NULL || max_len == 0)
    return 0;
  if (types[k->type].nettle_mac != 0)
    return module_mac != NULL ? module_mac (types[k->type].nettle_mac, k->secret, k->len, data,
                                            len, out, max_len) : 0;
  sum = g_checksum_new (types[k->type].checksum);
  g_checksum_update (sum, k->secret, k->len);
  g_checksum_update (sum, data, len);
  g_checksum_get_digest (sum, digest, &n);
  if (n > max_len)
    n = max_len;
  memcpy (out, digest, n);
  memset (digest, 0, sizeof digest);
  return n;
}

GVariant *
mrd_keys_to_variant (const MrdKeys *keys, const guint32 *ids, guint n_ids)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(usay)"));
  for (guint i = 0; i < n_ids; i++)
    {
      const Key *k = keys != NULL ? find (keys, ids[i]) : NULL;

      if (k == NULL)
        continue;
      g_variant_builder_add (&b, "(us@ay)", k->id, types[k->type].name,
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, k->secret, k->len, 1));
    }
  return g_variant_builder_end (&b);
}

gboolean
mrd_keys_add_variant (MrdKeys *keys, GVariant *value, GError **error)
{
  GVariantIter iter;
  GVariant *secret_v;
  const char *type;
  guint32 id;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE ("a(usay)")))
    {
      g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_DATA, "keys: not a(usay)");
      return FALSE;
    }
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "(u&s@ay)", &id, &type, &secret_v))
    {
      g_autoptr(GVariant) owned = secret_v;
      gsize len;
      const guint8 *secret = g_variant_get_fixed_array (secret_v, &len, 1);
      g_autoptr(GError) local_error = NULL;

      /* A key sent again (a source added later names it too) is the same key. */
      if (find (keys, id) != NULL)
        continue;
      if (!mrd_keys_add (keys, id, type, secret, len, &local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
mrd_keys_describe (const MrdKeys *keys, guint32 id, guint *type, guint *bits)
{
  for (guint i = 0; keys != NULL && i < keys->keys->len; i++)
    {
      const Key *k = &g_array_index (keys->keys, Key, i);

      if (k->id != id)
        continue;
      *type = types[k->type].chrony_number;
      *bits = (guint) MIN (k->len * 8, G_MAXUINT);
      return TRUE;
    }
  return FALSE;
}
