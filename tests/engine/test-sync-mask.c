/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which sources a connectivity command names (service/sync/mrd-sync-mask.c): chronyc's
 * ADDRESS, ADDRESS/BITS and MASK/ADDRESS forms, a configured host name, the refusals, and the
 * route test onoffline makes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <glib.h>

#include "sync/mrd-sync-mask.h"

static struct sockaddr_storage
sa (const char *text)
{
  struct sockaddr_storage ss;

  memset (&ss, 0, sizeof ss);
  if (strchr (text, ':') == NULL)
    {
      struct sockaddr_in *in = (struct sockaddr_in *) &ss;

      in->sin_family = AF_INET;
      in->sin_port = htons (123);
      assert_int_equal (inet_pton (AF_INET, text, &in->sin_addr), 1);
    }
  else
    {
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;

      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons (123);
      assert_int_equal (inet_pton (AF_INET6, text, &in6->sin6_addr), 1);
    }
  return ss;
}

static gboolean
matches (const char *mask_text, const char *address)
{
  MrdSyncMask mask;
  struct sockaddr_storage ss = sa (address);

  assert_true (mrd_sync_mask_parse (mask_text, &mask, NULL));
  return mrd_sync_mask_match (&mask, (struct sockaddr *) &ss, "time.example.com");
}

static void
chronyc_forms_match_as_chronyd_matches_them (void **state)
{
  (void) state;
  /* every source */
  assert_true (matches ("", "192.0.2.1"));
  assert_true (matches ("", "2001:db8::1"));
  /* one address */
  assert_true (matches ("192.0.2.1", "192.0.2.1"));
  assert_false (matches ("192.0.2.1", "192.0.2.2"));
  assert_false (matches ("192.0.2.1", "::ffff:192.0.2.1"));
  assert_true (matches ("2001:db8::1", "2001:db8::1"));
  assert_false (matches ("2001:db8::1", "2001:db8::2"));
  /* ADDRESS/BITS */
  assert_true (matches ("192.0.2.0/24", "192.0.2.200"));
  assert_false (matches ("192.0.2.0/24", "192.0.3.1"));
  assert_true (matches ("192.0.2.128/25", "192.0.2.129"));
  assert_false (matches ("192.0.2.128/25", "192.0.2.127"));
  assert_true (matches ("10.0.0.0/0", "198.51.100.7"));
  assert_false (matches ("10.0.0.0/0", "2001:db8::1"));   /* no family crossing */
  assert_true (matches ("2001:db8::/32", "2001:db8:ffff::1"));
  assert_false (matches ("2001:db8::/32", "2001:db9::1"));
  assert_true (matches ("2001:db8::/33", "2001:db8:7fff::1"));
  assert_false (matches ("2001:db8::/33", "2001:db8:8000::1"));
  /* MASK/ADDRESS */
  assert_true (matches ("255.255.255.0/192.0.2.0", "192.0.2.9"));
  assert_false (matches ("255.255.255.0/192.0.2.0", "192.0.4.9"));
  assert_true (matches ("255.255.0.255/192.0.0.9", "192.0.77.9"));
  /* a name: the configured one, whatever the address, case aside */
  assert_true (matches ("Time.Example.COM", "192.0.2.1"));
  assert_false (matches ("other.example.com", "192.0.2.1"));
}

static void
addresses_as_chronyc_shows_them (void **state)
{
  (void) state;
  MrdSyncMask mask;

  assert_true (mrd_sync_mask_parse ("192.0.2.0/24", &mask, NULL));
  assert_true (mrd_sync_mask_match_string (&mask, "192.0.2.1", NULL));
  assert_true (mrd_sync_mask_match_string (&mask, "192.0.2.1:1123", NULL));
  assert_false (mrd_sync_mask_match_string (&mask, "192.0.3.1:1123", NULL));
  assert_false (mrd_sync_mask_match_string (&mask, "not an address", NULL));
  assert_true (mrd_sync_mask_parse ("2001:db8::1", &mask, NULL));
  assert_true (mrd_sync_mask_match_string (&mask, "[2001:db8::1]:1123", NULL));
  assert_true (mrd_sync_mask_match_string (&mask, "2001:db8::1", NULL));
  assert_false (mrd_sync_mask_match_string (&mask, "[2001:db8::2]:123", NULL));
  assert_true (mrd_sync_mask_parse ("ntp.example.org", &mask, NULL));
  assert_true (mrd_sync_mask_match_string (&mask, "192.0.2.1", "ntp.example.org"));
  assert_false (mrd_sync_mask_match_string (&mask, "192.0.2.1", "192.0.2.1"));
}

static void
malformed_masks_are_refused (void **state)
{
  (void) state;
  const char *bad[] = { "foo/bar", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/-1",
                        "192.0.2.0/", "/24", "255.255.255.0/2001:db8::", "192.0.2.1 x",
                        "a;b", "$(reboot)", "192.0.2.300", "1.2.3", "x\ny" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      MrdSyncMask mask;
      g_autoptr(GError) error = NULL;

      assert_false (mrd_sync_mask_parse (bad[i], &mask, &error));
      assert_non_null (error);
      assert_non_null (strstr (error->message, "Invalid syntax for mask/address"));
    }
}

static void
connectivity_names (void **state)
{
  (void) state;
  MrdConnectivity c;

  assert_true (mrd_connectivity_from_string ("offline", &c));
  assert_int_equal (c, MRD_CONNECTIVITY_OFFLINE);
  assert_true (mrd_connectivity_from_string ("online", &c));
  assert_int_equal (c, MRD_CONNECTIVITY_ONLINE);
  assert_true (mrd_connectivity_from_string ("auto", &c));
  assert_int_equal (c, MRD_CONNECTIVITY_AUTO);
  assert_false (mrd_connectivity_from_string ("Online", &c));
  assert_false (mrd_connectivity_from_string ("", &c));
  assert_false (mrd_connectivity_from_string (NULL, &c));
  assert_string_equal (mrd_connectivity_to_string (MRD_CONNECTIVITY_AUTO), "auto");
}

static void
loopback_has_a_route (void **state)
{
  (void) state;
  struct sockaddr_storage ss = sa ("127.0.0.1");

  /* connect(2) on UDP sends nothing; loopback always has a route */
  assert_true (mrd_sync_mask_connectable ((struct sockaddr *) &ss, sizeof (struct sockaddr_in)));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (chronyc_forms_match_as_chronyd_matches_them),
    cmocka_unit_test (addresses_as_chronyc_shows_them),
    cmocka_unit_test (malformed_masks_are_refused),
    cmocka_unit_test (connectivity_names),
    cmocka_unit_test (loopback_has_a_route),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
