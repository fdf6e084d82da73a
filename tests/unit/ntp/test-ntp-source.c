/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for ntp-source: reach register, iburst, poll adaptation, KoD handling. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ntp-config.h"
#include "ntp-source.h"

#define S 1000000000LL

static NtpSourcePoll
make (int minpoll, int maxpoll, bool iburst)
{
  NtpSourceConfig sc;
  ntp_source_config_init (&sc);
  sc.minpoll = minpoll;
  sc.maxpoll = maxpoll;
  sc.iburst = iburst;
  NtpSourcePoll p;
  ntp_source_poll_init (&p, &sc);
  return p;
}

static void
reach_register_shifts_per_request (void **state)
{
  (void) state;
  NtpSourcePoll p = make (6, 10, false);
  ntp_source_poll_start (&p, 0);
  assert_int_equal (p.next_tx_ns, 0);
  /* reply, reply, miss, reply -> 0b1101 */
  int64_t t = 0;
  bool pattern[] = { true, true, false, true };
  for (int i = 0; i < 4; i++) {
    ntp_source_poll_transmitted (&p, t);
    if (pattern[i])
      ntp_source_poll_replied (&p, t + 1000);
    t = p.next_tx_ns;
  }
  assert_int_equal (p.reach, 0xD);
  /* eight silent requests empty it */
  for (int i = 0; i < 8; i++) {
    ntp_source_poll_transmitted (&p, t);
    t = p.next_tx_ns;
  }
  assert_int_equal (p.reach, 0);
}

static void
iburst_sends_quickly_then_polls_at_minpoll (void **state)
{
  (void) state;
  NtpSourcePoll p = make (6, 10, true);
  ntp_source_poll_start (&p, 0);
  assert_true (ntp_source_poll_in_burst (&p));
  int64_t t = 0;
  /* four good samples at 2 s spacing */
  for (int i = 0; i < 4; i++) {
    ntp_source_poll_transmitted (&p, t);
    ntp_source_poll_replied (&p, t + 1000);
    assert_int_equal (p.next_tx_ns - t, 2 * S);
    ntp_source_poll_sample (&p, t + 1000, 0, 1e-3, i + 1);
    if (i == 3)   /* the burst is done: the regular poll follows the last request */
      assert_int_equal (p.next_tx_ns - t, 64 * S);
    t = p.next_tx_ns;
  }
  assert_false (ntp_source_poll_in_burst (&p));
  ntp_source_poll_transmitted (&p, t);
  assert_int_equal (p.next_tx_ns - t, 64 * S);
}

static void
fixed_poll_when_minpoll_equals_maxpoll (void **state)
{
  (void) state;
  /* `minpoll 4 maxpoll 4` keeps 16 s whatever the adaptation wants */
  NtpSourcePoll p = make (4, 4, false);
  ntp_source_poll_start (&p, 0);
  int64_t t = 0;
  for (int i = 0; i < 50; i++) {
    ntp_source_poll_transmitted (&p, t);
    ntp_source_poll_replied (&p, t + 1000);
    ntp_source_poll_sample (&p, t, 0, 1e-3, 40);   /* many samples kept: wants longer */
    assert_int_equal (p.poll, 4);
    assert_int_equal (p.next_tx_ns - t, 16 * S);
    t = p.next_tx_ns;
  }
  for (int i = 0; i < 50; i++) {
    ntp_source_poll_sample (&p, t, 1.0, 1e-3, 3);  /* bad prediction: wants shorter */
    assert_int_equal (p.poll, 4);
  }
}

static void
poll_adapts_to_samples_kept (void **state)
{
  (void) state;
  NtpSourcePoll p = make (6, 10, false);
  /* samples above the target (8) push the poll up: (16/8 - 1)/8 = 1/8 per sample -> one
   * step per 8 samples */
  for (int i = 0; i < 8; i++)
    ntp_source_poll_sample (&p, 0, 0, 1e-3, 16);
  assert_int_equal (p.poll, 7);
  for (int i = 0; i < 100; i++)
    ntp_source_poll_sample (&p, 0, 0, 1e-3, 64);
  assert_int_equal (p.poll, 10);
  /* few samples pull it down twice as fast as many push it up: 2 x (4/8 - 1)/8 = -1/8 per
   * sample, one step per 8 */
  for (int i = 0; i < 9; i++)
    ntp_source_poll_sample (&p, 0, 0, 1e-3, 4);
  assert_int_equal (p.poll, 9);
  /* a prediction 8x worse than the sample's own error: -3 at once */
  ntp_source_poll_sample (&p, 0, 8e-3, 1e-3, 8);
  assert_true (p.poll <= 7);
  for (int i = 0; i < 10; i++)
    ntp_source_poll_sample (&p, 0, 1.0, 1e-3, 8);
  assert_int_equal (p.poll, 6);
}

static void
silence_backs_off_and_recovery_bursts (void **state)
{
  (void) state;
  NtpSourcePoll p = make (6, 10, true);
  ntp_source_poll_start (&p, 0);
  int64_t t = 0;
  for (int i = 0; i < 4; i++) {
    ntp_source_poll_transmitted (&p, t);
    ntp_source_poll_replied (&p, t + 1);
    ntp_source_poll_sample (&p, t, 0, 1e-3, i + 1);
    t = p.next_tx_ns;
  }
  /* the server goes away: 40 requests, no answers -> poll grows to maxpoll */
  for (int i = 0; i < 40; i++) {
    ntp_source_poll_transmitted (&p, t);
    t = p.next_tx_ns;
  }
  assert_int_equal (p.reach, 0);
  assert_int_equal (p.poll, 10);
  /* it is back: a burst starts and the next request follows within 2 s */
  ntp_source_poll_transmitted (&p, t);
  ntp_source_poll_replied (&p, t + 1000);
  assert_true (ntp_source_poll_in_burst (&p));
  assert_true (p.next_tx_ns - t <= 2 * S + 1000);
}

static void
silent_reference_backs_off_slower (void **state)
{
  (void) state;
  /* chrony's rates: a quarter of a poll step per silent request, a tenth for the reference */
  NtpSourcePoll other = make (6, 10, false), ref = make (6, 10, false);
  ref.sync_peer = true;
  ntp_source_poll_start (&other, 0);
  ntp_source_poll_start (&ref, 0);
  for (int i = 0; i < 9; i++) {
    ntp_source_poll_transmitted (&other, 0);
    ntp_source_poll_transmitted (&ref, 0);
  }
  /* 8 silent requests after the first: 8 x 0.25 = 2 steps, 8 x 0.1 = 0.8 (none yet) */
  assert_int_equal (other.poll, 8);
  assert_int_equal (ref.poll, 6);
}

static void
kod_rate_slows_down_and_ends_burst (void **state)
{
  (void) state;
  NtpSourcePoll p = make (4, 10, true);
  ntp_source_poll_start (&p, 0);
  ntp_source_poll_transmitted (&p, 0);
  ntp_source_poll_kod (&p, NTP_PKT_KOD_RATE, 8, 1000);
  assert_false (ntp_source_poll_in_burst (&p));
  assert_true (p.poll >= 8);               /* at least what the server asked for */
  assert_true (p.next_tx_ns >= 1000 + 256 * S);
  /* adaptation can no longer go below the raised floor */
  for (int i = 0; i < 50; i++)
    ntp_source_poll_sample (&p, 0, 1.0, 1e-3, 3);
  assert_true (p.poll >= 8);
  /* without a poll hint it still doubles the interval */
  NtpSourcePoll q = make (6, 10, false);
  ntp_source_poll_kod (&q, NTP_PKT_KOD_RATE, 0, 0);
  assert_int_equal (q.poll, 7);
  /* the request after the kiss waits the new interval plus four of the kissed ones, counted
   * from the kissed request (the server timed that one), not from the reply */
  NtpSourcePoll k = make (4, 6, false);
  ntp_source_poll_start (&k, 0);
  ntp_source_poll_transmitted (&k, 100 * S);
  ntp_source_poll_kod (&k, NTP_PKT_KOD_RATE, 4, 100 * S + 1000);
  assert_int_equal (k.poll, 5);
  assert_int_equal (k.next_tx_ns, 100 * S + 32 * S + 4 * 16 * S);
}

static void
kod_deny_and_rstr_stop_the_source (void **state)
{
  (void) state;
  NtpPacketResult kinds[] = { NTP_PKT_KOD_DENY, NTP_PKT_KOD_RSTR };
  for (int k = 0; k < 2; k++) {
    NtpSourcePoll p = make (6, 10, true);
    ntp_source_poll_start (&p, 0);
    ntp_source_poll_transmitted (&p, 0);
    ntp_source_poll_kod (&p, kinds[k], 0, 1000);
    assert_true (p.stopped);
    assert_true (p.next_tx_ns == INT64_MAX);
    ntp_source_poll_burst (&p, 2000);
    assert_true (p.next_tx_ns == INT64_MAX);
    ntp_source_poll_start (&p, 3000);
    assert_true (p.next_tx_ns == INT64_MAX);
  }
}

static void
burst_option_retries_a_poll_until_a_good_sample (void **state)
{
  (void) state;
  NtpSourceConfig sc;
  ntp_source_config_init (&sc);
  sc.burst = true;
  NtpSourcePoll p;
  ntp_source_poll_init (&p, &sc);
  ntp_source_poll_start (&p, 0);
  /* silence: the poll at 0 is retried at 2, 4 and 6 s, then the next regular poll at 64 s */
  int64_t t = 0;
  int64_t expect[] = { 2 * S, 4 * S, 6 * S, 64 * S };
  for (int i = 0; i < 4; i++) {
    ntp_source_poll_transmitted (&p, t);
    assert_true (p.next_tx_ns == expect[i]);
    t = p.next_tx_ns;
  }
  /* a poll answered well at once: no retry, next regular poll 64 s after it */
  ntp_source_poll_transmitted (&p, t);
  ntp_source_poll_replied (&p, t + S / 100);
  ntp_source_poll_sample (&p, t + S / 100, 0, 1e-3, 8);
  assert_true (p.next_tx_ns == t + 64 * S);
}

static void
poll_limits_are_clamped (void **state)
{
  (void) state;
  NtpSourcePoll p = make (-10, 40, false);
  assert_int_equal (p.minpoll, -6);
  assert_int_equal (p.maxpoll, 24);
  NtpSourcePoll q = make (-6, -6, false);
  ntp_source_poll_start (&q, 0);
  ntp_source_poll_transmitted (&q, 0);
  assert_int_equal (q.next_tx_ns, 15625000);  /* 2^-6 s = 15.625 ms */
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (reach_register_shifts_per_request),
    cmocka_unit_test (iburst_sends_quickly_then_polls_at_minpoll),
    cmocka_unit_test (fixed_poll_when_minpoll_equals_maxpoll),
    cmocka_unit_test (poll_adapts_to_samples_kept),
    cmocka_unit_test (silence_backs_off_and_recovery_bursts),
    cmocka_unit_test (silent_reference_backs_off_slower),
    cmocka_unit_test (kod_rate_slows_down_and_ends_burst),
    cmocka_unit_test (kod_deny_and_rstr_stop_the_source),
    cmocka_unit_test (burst_option_retries_a_poll_until_a_good_sample),
    cmocka_unit_test (poll_limits_are_clamped),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
