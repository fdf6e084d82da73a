/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-config.h — chrony.conf syntax for the directives the core understands.
 * The entry points (ntp_config_init, ntp_config_parse_line, ntp_source_config_init,
 * ntp_source_config_parse) are declared in ntp-engine.h; this header only adds helpers. */
#pragma once

#include "ntp-engine.h"

/* Text of a directive's name for messages, e.g. "server". */
const char *ntp_source_mode_name (NtpSourceMode mode);
