/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-refid: MD5 against RFC 1321's own test suite (its appendix A.5), and reference IDs
 * against RFC 5905 §7.3, the IPv6 ones computed apart with Python's hashlib (a separate MD5):
 * md5(inet_pton(AF_INET6, a))[:4]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ntp-refid.h"

static void
md5_is_rfc_1321s (void **state)
{
  (void) state;
  static const struct { const char *message, *digest; } suite[] = {
    { "", "d41d8cd98f00b204e9800998ecf8427e" },
    { "a", "0cc175b9c0f1b6a831c399e269772661" },
    { "abc", "900150983cd24fb0d6963f7d28e17f72" },
    { "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
    { "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
    { "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
      "d174ab98d277d9f5a5611c2c9f419d9f" },
    { "1234567890123456789012345678901234567890123456789012345678901234567890123456789"
      "0", "57edf4a22be3c955ac49da2e2107b67a" },
  };
  for (size_t i = 0; i < sizeof suite / sizeof suite[0]; i++) {
    uint8_t d[16];
    char hex[33];
    ntp_md5 (suite[i].message, strlen (suite[i].message), d);
    for (int k = 0; k < 16; k++)
      snprintf (hex + 2 * k, 3, "%02x", d[k]);
    assert_string_equal (hex, suite[i].digest);
  }
  /* every tail length around the padding's edge (55, 56, 63, 64 bytes) against one
   * another: a message and the same with one byte more differ */
  uint8_t buf[130], a[16], b[16];
  memset (buf, 'x', sizeof buf);
  for (size_t len = 50; len < 130; len++) {
    ntp_md5 (buf, len, a);
    ntp_md5 (buf, len + 1, b);
    assert_memory_not_equal (a, b, 16);
  }
}

static void
reference_ids_are_rfc_5905s (void **state)
{
  (void) state;
  static const struct { const char *address; uint32_t refid; } ok[] = {
    { "127.0.0.1", 0x7F000001 },
    { "192.0.2.200", 0xC00002C8 },
    { "192.0.2.200:1123", 0xC00002C8 },     /* the port plays no part */
    { "::1", 0xCF404DC8 },
    { "[::1]", 0xCF404DC8 },
    { "[::1]:123", 0xCF404DC8 },
    { "2001:db8::1", 0x39AB9B37 },
    { "fe80::1", 0x89E5301F },
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    uint32_t refid = 0;
    assert_true (ntp_refid_parse (ok[i].address, &refid));
    assert_int_equal (refid, ok[i].refid);
  }
  static const char *const not_addresses[] = {
    "ntp.example.org", "ntp.example.org:123", "", "[::1", "[::1]x", "256.0.0.1", "::g",
    "[" "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd:eeee:ffff" "]",
  };
  for (size_t i = 0; i < sizeof not_addresses / sizeof not_addresses[0]; i++) {
    uint32_t refid = 42;
    assert_false (ntp_refid_parse (not_addresses[i], &refid));
    assert_int_equal (refid, 42);
  }
  static const uint8_t v4[4] = { 10, 1, 2, 3 };
  assert_int_equal (ntp_refid_from_address (v4, 4), 0x0A010203);
  assert_int_equal (ntp_refid_from_address (v4, 3), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (md5_is_rfc_1321s),
    cmocka_unit_test (reference_ids_are_rfc_5905s),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
