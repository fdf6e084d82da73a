/* mrd-tz.h — everything of the time zone library (link with mrd_tz_dep).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "mrd-tz-error.h"
#include "mrd-tzif.h"
#include "mrd-tzdb.h"
#include "mrd-tz-localtime.h"
#include "mrd-tz-adjtime.h"
#include "mrd-tz-trap.h"
#include "mrd-tz-root.h"
