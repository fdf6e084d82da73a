/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meridianctl keygen [ID [TYPE [BITS]]]: a key file line with a new random key, as chronyc
 * keygen prints it ("1 SHA1 HEX:…"), to add to the key file of a server and of its clients.
 * Nothing is sent to meridiand: the key is made here, from the kernel's random source, and
 * printed once. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <glib/gi18n.h>

#include "meridianctl.h"

/* The key types meridiand takes in its key file (service/sync/mrd-keys.h); a cipher's key
 * has exactly its length, a hash's any length. */
static const struct {
  const char *name;
  guint cipher_bytes;
} key_types[] = {
  { "MD5", 0 }, { "SHA1", 0 }, { "SHA256", 0 }, { "SHA384", 0 }, { "SHA512", 0 },
  { "SHA3-224", 0 }, { "SHA3-256", 0 }, { "SHA3-384", 0 }, { "SHA3-512", 0 },
  { "AES128", 16 }, { "AES256", 32 },
};

/* chronyc keygen's lengths: 160 bits unless given, at least 80 (it warns of shorter keys in a
 * key file, as meridiand does) and at most the 512 bytes a key file's key may have. */
#define DEFAULT_BITS 160
#define MIN_BYTES 10
#define MAX_BYTES 512

static gboolean
parse_number (const char *s, guint64 max, guint64 *out)
{
  return g_ascii_isdigit (s[0]) && g_ascii_string_to_unsigned (s, 10, 0, max, out, NULL);
}

int
mctl_keygen (MctlContext *ctx, int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = mctl_option_context_new (ctx, "keygen", "[ID [TYPE [BITS]]]", NULL);
  guint64 id = 1, bits = DEFAULT_BITS;
  const char *type = "SHA1";
  guint i;
  gsize len;
  guint8 key[MAX_BYTES];
  g_autoptr(GString) line = g_string_new (NULL);

  if (!mctl_parse_options (ctx, octx, &argc, &argv))
    return MCTL_EXIT_USAGE;
  if (argc > 4)
    return mctl_usage_error (ctx, "keygen", _("keygen takes at most three arguments: ID, TYPE and BITS"));
  if (argc > 1 && (!parse_number (argv[1], G_MAXUINT32, &id) || id == 0))
    return mctl_usage_error (ctx, "keygen", _("'%s' is not a key ID (1 to 4294967295)"), argv[1]);
  if (argc > 2)
    type = argv[2];
  if (argc > 3 && !parse_number (argv[3], G_MAXUINT64, &bits))
    return mctl_usage_error (ctx, "keygen", _("'%s' is not a number of bits"), argv[3]);

  for (i = 0; i < G_N_ELEMENTS (key_types); i++)
    if (g_ascii_strcasecmp (type, key_types[i].name) == 0)
      break;
  if (i == G_N_ELEMENTS (key_types))
    {
      g_printerr (_("Unknown key type '%s' (MD5, SHA1, SHA256, SHA384, SHA512, SHA3-224, "
                    "SHA3-256, SHA3-384, SHA3-512, AES128 or AES256).\n"), type);
      return MCTL_EXIT_INVALID_ARG;
    }
  /* A cipher's key has its length whatever BITS says, as chronyc makes it. */
  len = key_types[i].cipher_bytes != 0 ? key_types[i].cipher_bytes
        : CLAMP ((bits + 7) / 8, MIN_BYTES, MAX_BYTES);

  for (gsize got = 0; got < len;)
    {
      ssize_t n = getrandom (key + got, len - got, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_printerr (_("Cannot read random bytes: %s\n"), g_strerror (errno));
          return MCTL_EXIT_FAILURE;
        }
      got += (gsize) n;
    }
  g_string_append_printf (line, "%u %s HEX:", (guint) id, key_types[i].name);
  for (gsize k = 0; k < len; k++)
    g_string_append_printf (line, "%02X", key[k]);
  memset (key, 0, sizeof key);
  g_print ("%s\n", line->str);
  memset (line->str, 0, line->len);
  return MCTL_EXIT_OK;
}
