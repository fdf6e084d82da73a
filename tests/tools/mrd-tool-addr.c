/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-tool-addr.c — see mrd-tool-addr.h. */
#define _GNU_SOURCE
#include "mrd-tool-addr.h"

#include <netdb.h>
#include <string.h>

int
mrd_tool_parse_addr (const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
  char host[256];
  const char *port;
  if (spec[0] == '[') {
    const char *end = strchr (spec, ']');
    if (!end || end[1] != ':' || (size_t) (end - spec - 1) >= sizeof host)
      return -1;
    memcpy (host, spec + 1, end - spec - 1);
    host[end - spec - 1] = 0;
    port = end + 2;
  } else {
    const char *colon = strrchr (spec, ':');
    if (!colon || (size_t) (colon - spec) >= sizeof host)
      return -1;
    memcpy (host, spec, colon - spec);
    host[colon - spec] = 0;
    port = colon + 1;
  }
  struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
  struct addrinfo *ai;
  if (getaddrinfo (host, port, &hints, &ai) != 0)
    return -1;
  if (ai->ai_addrlen > sizeof *ss) {
    freeaddrinfo (ai);
    return -1;
  }
  memcpy (ss, ai->ai_addr, ai->ai_addrlen);
  *len = ai->ai_addrlen;
  freeaddrinfo (ai);
  return 0;
}
