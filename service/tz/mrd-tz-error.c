/* mrd-tz-error.c — the error domain of the time zone library.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-tz-error.h"

G_DEFINE_QUARK (mrd-tz-error-quark, mrd_tz_error)

gboolean
mrd_tz_error_is_bad_name (const GError *error)
{
  return error != NULL && error->domain == MRD_TZ_ERROR &&
         (error->code == MRD_TZ_ERROR_INVALID_NAME || error->code == MRD_TZ_ERROR_UNKNOWN_ZONE ||
          error->code == MRD_TZ_ERROR_MISSING_FILE);
}
