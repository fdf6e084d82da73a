/* mrd-sync-mask.c — see mrd-sync-mask.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-sync-mask.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "net/mrd-io-error.h"

gboolean
mrd_connectivity_from_string (const char *text, MrdConnectivity *out)
{
  static const char *const names[] = { "offline", "online", "auto" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (text != NULL && strcmp (text, names[i]) == 0)
      {
        *out = (MrdConnectivity) i;
        return TRUE;
      }
  return FALSE;
}

const char *
mrd_connectivity_to_string (MrdConnectivity connectivity)
{
  switch (connectivity)
    {
    case MRD_CONNECTIVITY_OFFLINE: return "offline";
    case MRD_CONNECTIVITY_ONLINE: return "online";
    case MRD_CONNECTIVITY_AUTO:
    default: return "auto";
    }
}

static int
parse_ip (const char *text, guint8 out[16])
{
  if (inet_pton (AF_INET, text, out) == 1)
    return AF_INET;
  if (inet_pton (AF_INET6, text, out) == 1)
    return AF_INET6;
  return 0;
}

static void
bits_to_mask (int family, int bits, guint8 mask[16])
{
  int n = family == AF_INET ? 4 : 16;

  memset (mask, 0, 16);
  for (int i = 0; i < n; i++)
    {
      int b = CLAMP (bits - 8 * i, 0, 8);

      mask[i] = (guint8) (0xff00 >> b);
    }
}

static gboolean
invalid (GError **error, const char *text)
{
  g_set_error (error, MRD_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Invalid syntax for mask/address: \"%s\"", text);
  return FALSE;
}

/* A host name as DNS allows it (letters, digits, '-', '.', '_'), so that nothing else (a
 * typo'd address, a control character) is taken for one. */
static gboolean
plausible_name (const char *text)
{
  gsize n = strlen (text);

  if (n == 0 || n > 253)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_')
      return FALSE;
  /* all digits and dots: a mistyped IPv4 address, not a name */
  return strspn (text, "0123456789.") != n;
}

gboolean
mrd_sync_mask_parse (const char *text, MrdSyncMask *out, GError **error)
{
  const char *slash;

  memset (out, 0, sizeof *out);
  if (text == NULL || text[0] == '\0')
    {
      out->all = TRUE;
      return TRUE;
    }
  slash = strchr (text, '/');
  if (slash == NULL)
    {
      out->family = parse_ip (text, out->address);
      if (out->family != 0)
        {
          bits_to_mask (out->family, 128, out->mask);
          return TRUE;
        }
      if (!plausible_name (text))
        return invalid (error, text);
      g_strlcpy (out->name, text, sizeof out->name);
      return TRUE;
    }
  {
    g_autofree char *first = g_strndup (text, (gsize) (slash - text));
    const char *second = slash + 1;
    guint8 other[16];
    int family2;

    out->family = parse_ip (first, out->address);
    if (out->family == 0)
      return invalid (error, text);
    family2 = parse_ip (second, other);
    if (family2 != 0)
      {
        /* MASK/ADDRESS */
        if (family2 != out->family)
          return invalid (error, text);
        memcpy (out->mask, out->address, 16);
        memcpy (out->address, other, 16);
      }
    else
      {
        /* ADDRESS/BITS */
        guint64 bits;
        int max = out->family == AF_INET ? 32 : 128;

        if (!g_ascii_string_to_unsigned (second, 10, 0, (guint64) max, &bits, NULL))
          return invalid (error, text);
        bits_to_mask (out->family, (int) bits, out->mask);
      }
  }
  return TRUE;
}

static gboolean
match_bytes (const MrdSyncMask *mask, int family, const guint8 *addr)
{
  int n = family == AF_INET ? 4 : 16;

  if (family != mask->family)
    return FALSE;
  for (int i = 0; i < n; i++)
    if ((addr[i] & mask->mask[i]) != (mask->address[i] & mask->mask[i]))
      return FALSE;
  return TRUE;
}

gboolean
mrd_sync_mask_match (const MrdSyncMask *mask, const struct sockaddr *sa, const char *name)
{
  if (mask->all)
    return TRUE;
  if (mask->name[0] != '\0')
    return name != NULL && g_ascii_strcasecmp (name, mask->name) == 0;
  if (sa == NULL)
    return FALSE;
  if (sa->sa_family == AF_INET)
    return match_bytes (mask, AF_INET,
                        (const guint8 *) &((const struct sockaddr_in *) sa)->sin_addr);
  if (sa->sa_family == AF_INET6)
    return match_bytes (mask, AF_INET6,
                        (const guint8 *) &((const struct sockaddr_in6 *) sa)->sin6_addr);
  return FALSE;
}

gboolean
mrd_sync_mask_match_string (const MrdSyncMask *mask, const char *address, const char *name)
{
  g_autofree char *host = NULL;
  guint8 bytes[16];
  int family;

  if (mask->all)
    return TRUE;
  if (mask->name[0] != '\0' || address == NULL)
    return mrd_sync_mask_match (mask, NULL, name);
  if (address[0] == '[')
    {
      const char *end = strchr (address, ']');

      host = g_strndup (address + 1, end ? (gsize) (end - address - 1) : strlen (address + 1));
    }
  else if (strchr (address, ':') != NULL && strchr (address, ':') == strrchr (address, ':'))
    host = g_strndup (address, (gsize) (strchr (address, ':') - address));   /* v4:port */
  else
    host = g_strdup (address);
  family = parse_ip (host, bytes);
  return family != 0 && match_bytes (mask, family, bytes);
}

gboolean
mrd_sync_mask_connectable (const struct sockaddr *sa, socklen_t len)
{
  int fd = socket (sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = connect (fd, sa, len) == 0;
  close (fd);
  return ok;
}
