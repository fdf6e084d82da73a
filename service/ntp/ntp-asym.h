/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-asym.h — the asymmetry of a path's queueing, estimated from the samples (chrony's
 * automatic `asymmetry`).
 *
 * A sample's measured offset is the true one plus half the difference of the two one-way
 * delays. When queueing is as likely on the way out as on the way back, that error does not
 * follow the round-trip delay; when it happens mostly one way (an uplink that congests, a
 * busy server's receive queue), the offset moves with the delay: a request held up by d
 * reads the offset d/2 low, a reply held up by d reads it d/2 high. So the slope of the
 * offsets against the delays is the share of each delay's rise that lies in one direction,
 * -0.5 (all on the way to the server) to +0.5 (all on the way back): the same figure as
 * chrony.conf's `asymmetry`, which the engine subtracts as offset -= asymmetry x (delay -
 * least delay).
 *
 * What is regressed is each sample's residual against the offset its source's statistics
 * predicted for it before it was added: the prediction carries every correction of the clock
 * made since (the raw offsets do not stand still while the clock is disciplined), and it is
 * made from earlier samples, so it cannot follow this sample's delay. The slope is used only
 * where the residuals and delays clearly move together (Kendall's test at three standard
 * deviations: by chance about once in 370 estimates of a symmetric path, whatever the
 * delays' distribution) and never beyond +-0.5, which is all of the rise in one direction;
 * otherwise the path is taken as symmetric, as the engine took every path before.
 */
#pragma once
#include <stdbool.h>

#define NTP_ASYM_SAMPLES 64

typedef struct {
  int n, next;                          /* samples held, and the slot the next one goes to */
  double residual[NTP_ASYM_SAMPLES];    /* s: measured offset minus the predicted one */
  double delay[NTP_ASYM_SAMPLES];       /* s: the sample's round trip */
} NtpAsym;

void ntp_asym_init (NtpAsym *a);
/* One sample (before any asymmetry correction): its raw offset's residual against the
 * prediction, and its delay. The oldest is dropped beyond NTP_ASYM_SAMPLES. */
void ntp_asym_add (NtpAsym *a, double residual, double delay);
/* The asymmetry the samples show, -0.5..0.5, or 0 when it is not clear of its sampling
 * error (or too few samples say). */
double ntp_asym_estimate (const NtpAsym *a);
