/* mrd-engine-wire.c — see mrd-engine-wire.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mrd-engine-wire.h"
#include "ntp-packet.h"

#include <math.h>
#include <string.h>

GVariant *
mrd_wire_tracking (const NtpTracking *t)
{
  return g_variant_new (MRD_WIRE_TRACKING, (gboolean) t->synchronized, (guint32) t->ref_id,
                        (gint32) t->ref_source, (gint32) t->stratum, (gint64) t->ref_time_ns,
                        t->system_time_offset, t->last_offset, t->rms_offset, t->freq_ppm,
                        t->residual_freq_ppm, t->skew_ppm, t->root_delay, t->root_dispersion,
                        t->update_interval, (gint32) t->leap,
                        (gint32) t->leap_unsynchronized, (gboolean) FALSE, t->slew_rate,
                        t->slew_left, t->max_clock_error);
}

GVariant *
mrd_wire_report (const NtpSourceReport *r)
{
  return g_variant_new (MRD_WIRE_REPORT, (gint32) r->state, (gint32) r->stratum,
                        (gint32) r->poll, (guchar) r->reach, r->last_rx_ago, r->adjusted_offset,
                        r->measured_offset, r->error_bound, r->delay, r->dispersion, r->jitter,
                        r->span, (guint32) r->refid, (gint32) r->samples, (gint32) r->runs,
                        r->freq_ppm, r->skew_ppm, r->stats_offset, r->std_dev, r->asymmetry,
                        (guchar) r->reply.leap, (guchar) r->reply.version,
                        (guchar) r->reply.mode, (guchar) r->reply.stratum,
                        (gint32) r->reply.precision, r->reply.root_delay,
                        r->reply.root_dispersion, (guint32) r->reply.refid,
                        (gint64) r->reply.t1_ns, (gint64) r->reply.t2_ns,
                        (gint64) r->reply.t3_ns, (gint64) r->reply.t4_ns,
                        (gint64) r->reply.ref_ns, (guint64) r->replies, (gboolean) r->offline,
                        (gint32) r->auth_mode, (guint32) r->key_id, (gint32) r->nts_key_len,
                        r->nts_ke_ago, (gint32) r->nts_ke_attempts, (gboolean) r->nts_nak,
                        (gint32) r->nts_cookies, (gint32) r->nts_cookie_len,
                        (gboolean) r->reply.interleaved, (gint64) r->reply.response_ns,
                        (gboolean) r->reply.t1_kernel, (gboolean) r->bursting,
                        (guchar) r->verdict, r->select_lo, r->select_hi, r->select_last_ago,
                        r->select_score, (guint32) r->tests, (guint64) r->total_tx,
                        (guint64) r->total_rx, (guint64) r->total_valid_rx,
                        (guint64) r->total_good_rx);
}

void
mrd_wire_get_tracking (GVariant *v, NtpTracking *t)
{
  gboolean sync, unused;
  guint32 ref_id;
  gint32 ref_source, stratum, leap, leap_unsync;
  gint64 ref_time;

  memset (t, 0, sizeof *t);
  g_variant_get (v, MRD_WIRE_TRACKING, &sync, &ref_id, &ref_source, &stratum, &ref_time,
                 &t->system_time_offset, &t->last_offset, &t->rms_offset, &t->freq_ppm,
                 &t->residual_freq_ppm, &t->skew_ppm, &t->root_delay, &t->root_dispersion,
                 &t->update_interval, &leap, &leap_unsync, &unused, &t->slew_rate,
                 &t->slew_left, &t->max_clock_error);
  t->synchronized = sync;
  t->ref_id = ref_id;
  t->ref_source = ref_source;
  t->stratum = CLAMP (stratum, 0, 16);
  t->ref_time_ns = ref_time;
  t->leap = leap == NTP_LEAP_INSERT || leap == NTP_LEAP_DELETE ? (NtpLeap) leap : NTP_LEAP_NONE;
  t->leap_unsynchronized = leap_unsync != 0;
  /* A plan that cannot be (NaN, a slew that ended or lasts longer than any the core plans)
   * leaves the offset as given. */
  /* maxclockerror within what a configuration may set (chrony.conf(5): at most 10000 ppm);
   * anything else (NaN, negative) adds nothing to the dispersion's growth. */
  if (!(t->max_clock_error >= 0 && t->max_clock_error <= 1e-2))
    t->max_clock_error = 0.0;
  if (!(t->slew_left > 0 && t->slew_left < 1e6) || !isfinite (t->slew_rate))
    {
      t->slew_rate = 0.0;
      t->slew_left = 0.0;
    }
}

void
mrd_wire_get_report (GVariant *v, NtpSourceReport *r)
{
  gint32 state, stratum, poll, samples, runs, precision;
  guchar reach, leap, version, mode, reply_stratum;
  guint32 refid, reply_refid;
  gint64 t1, t2, t3, t4, ref;
  guint64 replies;
  gboolean offline;
  gint32 auth_mode, key_len, attempts, cookies, cookie_len;
  guint32 key_id;
  gboolean nak, interleaved, t1_kernel, bursting;
  guchar verdict;
  guint32 tests;
  guint64 total_tx, total_rx, total_valid_rx, total_good_rx;

  memset (r, 0, sizeof *r);
  g_variant_get (v, MRD_WIRE_REPORT, &state, &stratum, &poll, &reach, &r->last_rx_ago,
                 &r->adjusted_offset, &r->measured_offset, &r->error_bound, &r->delay,
                 &r->dispersion, &r->jitter, &r->span, &refid, &samples, &runs, &r->freq_ppm,
                 &r->skew_ppm, &r->stats_offset, &r->std_dev, &r->asymmetry, &leap, &version, &mode,
                 &reply_stratum, &precision, &r->reply.root_delay, &r->reply.root_dispersion,
                 &reply_refid, &t1, &t2, &t3, &t4, &ref, &replies, &offline, &auth_mode,
                 &key_id, &key_len, &r->nts_ke_ago, &attempts, &nak, &cookies, &cookie_len,
                 &interleaved, &r->reply.response_ns, &t1_kernel, &bursting, &verdict,
                 &r->select_lo, &r->select_hi, &r->select_last_ago, &r->select_score, &tests,
                 &total_tx, &total_rx, &total_valid_rx, &total_good_rx);
  r->state = state >= NTP_STATE_UNUSABLE && state <= NTP_STATE_SELECTED ? (NtpSourceState) state
                                                                         : NTP_STATE_UNUSABLE;
  r->stratum = CLAMP (stratum, 0, 16);
  /* From the child, as untrusted as the rest: a share of the delay, within +-0.5. */
  r->asymmetry = isfinite (r->asymmetry) ? CLAMP (r->asymmetry, -0.5, 0.5) : 0.0;
  r->poll = CLAMP (poll, -10, 24);
  r->reach = reach;
  r->refid = refid;
  r->samples = MAX (samples, 0);
  r->runs = MAX (runs, 0);
  /* The header's fields keep their widths on the wire (2, 3 and 3 bits; a signed byte). */
  r->reply.leap = MIN (leap, 3);
  r->reply.version = MIN (version, 7);
  r->reply.mode = MIN (mode, 7);
  r->reply.stratum = reply_stratum;
  r->reply.precision = (gint8) CLAMP (precision, G_MININT8, G_MAXINT8);
  r->reply.refid = reply_refid;
  r->reply.t1_ns = t1;
  r->reply.t2_ns = t2;
  r->reply.t3_ns = t3;
  r->reply.t4_ns = t4;
  r->reply.ref_ns = ref;
  r->reply.interleaved = interleaved != FALSE;
  r->reply.t1_kernel = t1_kernel != FALSE;
  r->replies = replies;
  /* chronyc ntpdata's counts and tests, from the child: ten test bits, and counts that nest
   * (good within valid within received), as the core keeps them. */
  r->tests = tests & NTP_TESTS_ALL;
  r->total_tx = total_tx;
  r->total_rx = total_rx;
  r->total_valid_rx = MIN (total_valid_rx, total_rx);
  r->total_good_rx = MIN (total_good_rx, r->total_valid_rx);
  r->offline = offline != FALSE;
  r->bursting = bursting != FALSE;
  /* From the sandboxed child: kept within what the core can report. */
  r->auth_mode = auth_mode >= NTP_AUTH_NONE && auth_mode <= NTP_AUTH_NTS ? auth_mode : NTP_AUTH_NONE;
  r->key_id = key_id;
  r->nts_key_len = CLAMP (key_len, 0, 512);
  if (!isfinite (r->nts_ke_ago) || r->nts_ke_ago < 0)
    r->nts_ke_ago = -1.0;
  r->nts_ke_attempts = MAX (attempts, 0);
  r->nts_nak = nak != FALSE;
  r->nts_cookies = CLAMP (cookies, 0, NTS_MAX_COOKIES);
  r->nts_cookie_len = CLAMP (cookie_len, 0, NTS_COOKIE_MAX_LEN);
  r->verdict = verdict <= NTP_SELECT_BEST ? (NtpSelectVerdict) verdict : NTP_SELECT_MISSING_SAMPLES;
  if (!isfinite (r->select_lo) || !isfinite (r->select_hi) || r->select_lo > r->select_hi)
    r->select_lo = r->select_hi = 0.0;
  if (!(r->select_last_ago >= 0) || !isfinite (r->select_last_ago))
    r->select_last_ago = 0.0;
  if (!(r->select_score >= 1.0) || !isfinite (r->select_score))
    r->select_score = 1.0;
}

/* An update's parts, read back: its tracking, the reference's name (valid while the update
 * lives), its drift, and each source (id, address, report) passed to @each in order. */
typedef void (*WireSourceFunc) (guint32 id, const char *address, const char *local,
                                NtpSourceReport *r,
                                gpointer data);

GVariant *
mrd_wire_serve (const NtpServeCounts *c)
{
  return g_variant_new (MRD_WIRE_SERVE, (guint64) c->by_verdict[NTP_SERVE_ANSWERED],
                        (guint64) c->by_verdict[NTP_SERVE_LIMITED],
                        (guint64) c->by_verdict[NTP_SERVE_DENIED],
                        (guint64) c->by_verdict[NTP_SERVE_MALFORMED],
                        (guint64) c->by_verdict[NTP_SERVE_NOT_A_REQUEST],
                        (guint64) c->by_verdict[NTP_SERVE_AUTHENTICATED],
                        (guint64) c->forgotten);
}

void
mrd_wire_get_serve (GVariant *v, NtpServeCounts *c)
{
  guint64 n[7];

  memset (c, 0, sizeof *c);
  g_variant_get (v, MRD_WIRE_SERVE, &n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6]);
  c->by_verdict[NTP_SERVE_ANSWERED] = n[0];
  c->by_verdict[NTP_SERVE_LIMITED] = n[1];
  c->by_verdict[NTP_SERVE_DENIED] = n[2];
  c->by_verdict[NTP_SERVE_MALFORMED] = n[3];
  c->by_verdict[NTP_SERVE_NOT_A_REQUEST] = n[4];
  c->by_verdict[NTP_SERVE_AUTHENTICATED] = n[5];
  c->forgotten = n[6];
  c->answered = n[0];
  for (guint i = 0; i < 6; i++)
    c->received += n[i];
}

static void
get_update (GVariant *update, NtpTracking *t, const char **reference, gboolean *have_drift,
            double *freq, double *skew, NtpServeCounts *served, WireSourceFunc each,
            gpointer data)
{
  g_autoptr(GVariant) tracking_v = NULL;
  g_autoptr(GVariant) sources_v = NULL;
  g_autoptr(GVariant) serve_v = NULL;
  GVariantIter iter;
  guint32 id;
  const char *address;
  const char *local;
  GVariant *report_v;

  g_variant_get (update, "(@" MRD_WIRE_TRACKING "&s@a" MRD_WIRE_SOURCE "(bdd)@" MRD_WIRE_SERVE ")",
                 &tracking_v, reference, &sources_v, have_drift, freq, skew, &serve_v);
  mrd_wire_get_tracking (tracking_v, t);
  mrd_wire_get_serve (serve_v, served);
  g_variant_iter_init (&iter, sources_v);
  while (g_variant_iter_next (&iter, "(u&s&s@" MRD_WIRE_REPORT ")", &id, &address, &local, &report_v))
    {
      NtpSourceReport r;

      mrd_wire_get_report (report_v, &r);
      g_variant_unref (report_v);
      each (id, address, local, &r, data);
    }
}

typedef struct {
  GVariantBuilder sources;
  double seconds;
} Aging;

static void
age_source (guint32 id, const char *address, const char *local, NtpSourceReport *r,
            gpointer data)
{
  Aging *a = data;

  if (r->last_rx_ago >= 0)
    r->last_rx_ago += a->seconds;
  g_variant_builder_add (&a->sources, "(uss@" MRD_WIRE_REPORT ")", id, address, local,
                         mrd_wire_report (r));
}

GVariant *
mrd_wire_update_aged (GVariant *update, double seconds)
{
  Aging a = { .seconds = seconds };
  NtpTracking t;
  NtpServeCounts served;
  const char *reference;
  gboolean have_drift;
  double freq, skew;

  g_variant_builder_init (&a.sources, G_VARIANT_TYPE ("a" MRD_WIRE_SOURCE));
  get_update (update, &t, &reference, &have_drift, &freq, &skew, &served, age_source, &a);
  ntp_tracking_age (&t, seconds);
  return g_variant_ref_sink (
    g_variant_new ("(@" MRD_WIRE_TRACKING "s@a" MRD_WIRE_SOURCE "(bdd)@" MRD_WIRE_SERVE ")",
                   mrd_wire_tracking (&t), reference, g_variant_builder_end (&a.sources),
                   have_drift, freq, skew, mrd_wire_serve (&served)));
}

static void
key_of_source (guint32 id, const char *address, const char *local, NtpSourceReport *r,
               gpointer data)
{
  g_variant_builder_add (data, "(ussiiib)", id, address, local, (gint32) r->state,
                         (gint32) r->stratum, (gint32) r->poll, (gboolean) r->offline);
}

GVariant *
mrd_wire_discrete_key (GVariant *update)
{
  const char *reference;
  NtpTracking t;
  GVariantBuilder b;
  gboolean have_drift;
  double freq, skew;
  NtpServeCounts served;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ussiiib)"));
  get_update (update, &t, &reference, &have_drift, &freq, &skew, &served, key_of_source, &b);
  return g_variant_ref_sink (
    g_variant_new ("(buiibiisa(ussiiib))", (gboolean) t.synchronized, (guint32) t.ref_id,
                   (gint32) t.ref_source, (gint32) t.stratum, (gboolean) (t.ref_time_ns != 0),
                   (gint32) t.leap, (gint32) t.leap_unsynchronized, reference, &b));
}
