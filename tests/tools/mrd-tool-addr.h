/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mrd-tool-addr.h — the test tools' address argument (mrd-udp-relay, mrd-hostile-ntp). */
#pragma once

#include <sys/socket.h>

/* HOST:PORT or [V6HOST]:PORT, numeric both (no resolver in a test tool), into @ss and @len.
 * 0, or -1 when @spec is not such an address. */
int mrd_tool_parse_addr (const char *spec, struct sockaddr_storage *ss, socklen_t *len);
