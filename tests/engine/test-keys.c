/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Symmetric NTP keys (service/sync/mrd-keys.c): chronyd's key file syntax, the refusals with
 * FILE:LINE, the MACs against digests computed by another implementation (Python's hashlib:
 * hashlib.new(TYPE, key + packet)) and, for AES-CMAC, RFC 4493's and NIST SP 800-38B's
 * examples, the mode check, the keyfile directive in the config reader
 * and the engine refusing a source whose key is missing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "mrd-config.h"
#include "clock/mrd-clock.h"
#include "sync/mrd-keys.h"
#include "sync/mrd-mac-module.h"
#include "sync/mrd-sync-engine.h"
#include "mrd-sync.h"

static void
hex_equal (const guint8 *got, gsize n, const char *hex)
{
  g_autofree char *s = g_malloc (2 * n + 1);

  for (gsize i = 0; i < n; i++)
    g_snprintf (s + 2 * i, 3, "%02x", got[i]);
  assert_string_equal (s, hex);
}

/* key + bytes 0..47, digests from hashlib */
static void
macs_are_the_digest_of_key_and_packet (void **state)
{
  g_autoptr(MrdKeys) keys = mrd_keys_new ();
  g_autoptr(GPtrArray) diags = g_ptr_array_new_with_free_func (g_free);
  guint8 data[48], mac[64];

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8) i;
  assert_int_equal (mrd_keys_parse_data (keys,
                      "1 abcdefghij\n"                               /* MD5 by default */
                      "2 SHA1 HEX:00112233445566778899AABBCCDDEEFF\n"
                      "3 sha256 ASCII:k\n"
                      "4 SHA384 secret\n"
                      "5 SHA512 secret\n", "k.keys", diags), 5);
  assert_int_equal (diags->len, 0);
  assert_int_equal (mrd_keys_mac (keys, 1, data, 48, mac, 64, NULL), 16);
  hex_equal (mac, 16, "1cadf8e3bdc933550c0c26d6d1134544");
  assert_int_equal (mrd_keys_mac (keys, 2, data, 48, mac, 64, NULL), 20);
  hex_equal (mac, 20, "93b307f0686d7f1fc2a33dc91d35363bb104dafa");
  /* cut as the caller asks (NTPv4: 20 bytes) */
  assert_int_equal (mrd_keys_mac (keys, 3, data, 48, mac, 20, NULL), 20);
  hex_equal (mac, 20, "cbb958575c43d374ed8d6f9d1ef5303308dfb988");
  assert_int_equal (mrd_keys_mac (keys, 4, data, 48, mac, 64, NULL), 48);
  hex_equal (mac, 48, "f73d445106ce68df69041bcc2c6690b04b5ee95e18f0306e811625402abcaf31"
                      "58832fccdc51e792ce61003bcae07616");
  assert_int_equal (mrd_keys_mac (keys, 5, data, 48, mac, 64, NULL), 64);
  hex_equal (mac, 64, "321678ad9a7055f76ea045f01088acc999b102d24bb05715eb146283a50e7c7f"
                      "3a15b8b16bca1df4b8e51c7f2504a676a1838cc373c264c7e9116135ece4c4a4");
  assert_int_equal (mrd_keys_mac (keys, 6, data, 48, mac, 64, NULL), 0);
  (void) state;
}

/* SHA3 (hashlib again) and AES-CMAC (RFC 4493 §4, NIST SP 800-38B D.3) through the module's
 * function, as the engine hands it; without it such a key gives no MAC (the request is then
 * not sent: service/ntp/ntp-engine.c). */
static void
sha3_and_aes_macs_come_from_the_module (void **state)
{
  g_autoptr(MrdKeys) keys = mrd_keys_new ();
  g_autoptr(GPtrArray) diags = g_ptr_array_new_with_free_func (g_free);
  guint8 data[48], mac[64];
  static const guint8 rfc4493_m[16] = { 0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
                                        0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a };
  guint type = 0, bits = 0;

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8) i;
  assert_int_equal (mrd_keys_parse_data (keys,
                      "1 SHA3-224 secret\n"
                      "2 SHA3-256 HEX:00112233445566778899AABBCCDDEEFF\n"
                      "3 sha3-384 ASCII:k\n"
                      "4 SHA3-512 secret\n"
                      "5 AES128 HEX:2b7e151628aed2a6abf7158809cf4f3c\n"
                      "6 AES256 HEX:603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4\n",
                      "k.keys", diags), 6);
  assert_int_equal (diags->len, 0);
  assert_true (mrd_keys_needs_module (keys, 1) && mrd_keys_needs_module (keys, 6));
  assert_int_equal (mrd_keys_mac (keys, 1, data, 48, mac, 64, mrd_mac_nettle), 28);
  hex_equal (mac, 28, "4ab8d2383b7bb25736c7c39eee307c82259cdf1c3b4c554ceafc02d9");
  assert_int_equal (mrd_keys_mac (keys, 2, data, 48, mac, 64, mrd_mac_nettle), 32);
  hex_equal (mac, 32, "54018662a678efd0f83b8fbba24a2ec9111f90db495fac4edcdd6c4c3326d448");
  /* cut as the caller asks (NTPv4: 20 bytes) */
  assert_int_equal (mrd_keys_mac (keys, 3, data, 48, mac, 20, mrd_mac_nettle), 20);
  hex_equal (mac, 20, "fd276bfe2cae88522e338381215255e58d23fe87");
  assert_int_equal (mrd_keys_mac (keys, 4, data, 48, mac, 64, mrd_mac_nettle), 64);
  hex_equal (mac, 64, "16b3a67bb86cd7fbc531f7d1beaf8a48dd2c59a6cb28c213bc69fe4bcc99197c"
                      "99d13de83a6da9b7caf00f3274d5967138a199b9463747e99330cd2cfbd5047f");
  /* CMAC: 16 bytes whatever room there is */
  assert_int_equal (mrd_keys_mac (keys, 5, rfc4493_m, 0, mac, 20, mrd_mac_nettle), 16);
  hex_equal (mac, 16, "bb1d6929e95937287fa37d129b756746");
  assert_int_equal (mrd_keys_mac (keys, 5, rfc4493_m, 16, mac, 20, mrd_mac_nettle), 16);
  hex_equal (mac, 16, "070a16b46b4d4144f79bdd9dd04a287c");
  assert_int_equal (mrd_keys_mac (keys, 6, rfc4493_m, 16, mac, 64, mrd_mac_nettle), 16);
  hex_equal (mac, 16, "28a7023f452e8f82bd4bf28d8c37c35c");
  /* no module: no MAC */
  assert_int_equal (mrd_keys_mac (keys, 2, data, 48, mac, 64, NULL), 0);
  /* chronyc authdata's KeyType numbers */
  assert_true (mrd_keys_describe (keys, 2, &type, &bits));
  assert_int_equal (type, 7);
  assert_int_equal (bits, 128);
  assert_true (mrd_keys_describe (keys, 6, &type, &bits));
  assert_int_equal (type, 14);
  assert_int_equal (bits, 256);
  (void) state;
}

static void
bad_lines_are_refused_with_file_and_line (void **state)
{
  g_autoptr(MrdKeys) keys = mrd_keys_new ();
  g_autoptr(GPtrArray) d = g_ptr_array_new_with_free_func (g_free);

  assert_int_equal (mrd_keys_parse_data (keys,
                      "# comment\n"
                      "\n"
                      "7 TIGER HEX:0011\n"           /* 3: chronyd's, not with nettle */
                      "8 AES128 HEX:00112233445566778899AABBCCDD\n"   /* 4: 112 bits */
                      "9 MD5 HEX:0G\n"               /* 5 */
                      "10 MD5 HEX:123\n"             /* 6 */
                      "0 MD5 zero\n"                 /* 7 */
                      "x MD5 notanid\n"              /* 8 */
                      "11\n"                         /* 9 */
                      "12 MD5 good-key-12\n"         /* 10 */
                      "12 SHA1 another-12\n"         /* 11 */
                      "13 MD5 a b c\n",              /* 12 */
                      "/etc/k.keys", d), 1);
  assert_int_equal (d->len, 9);
  assert_true (g_str_has_prefix (d->pdata[0], "/etc/k.keys:3: key 7: type 'TIGER' is not supported"));
  assert_true (g_str_has_prefix (d->pdata[1], "/etc/k.keys:4: key 8: an AES128 key must have 128 bits"));
  assert_true (g_str_has_prefix (d->pdata[2], "/etc/k.keys:5: key 9: HEX:"));
  assert_true (g_str_has_prefix (d->pdata[3], "/etc/k.keys:6: key 10: HEX:"));
  assert_true (g_str_has_prefix (d->pdata[4], "/etc/k.keys:7: "));
  assert_true (g_str_has_prefix (d->pdata[5], "/etc/k.keys:8: not a key line"));
  assert_true (g_str_has_prefix (d->pdata[6], "/etc/k.keys:9: not a key line"));
  assert_true (g_str_has_prefix (d->pdata[7], "/etc/k.keys:11: key 12 is defined twice"));
  assert_true (g_str_has_prefix (d->pdata[8], "/etc/k.keys:12: not a key line"));
  assert_true (mrd_keys_has (keys, 12));
  assert_false (mrd_keys_has (keys, 7) || mrd_keys_has (keys, 9) || mrd_keys_has (keys, 13));
  (void) state;
}

static void
the_engine_is_handed_only_the_keys_its_sources_name (void **state)
{
  g_autoptr(MrdKeys) keys = mrd_keys_new ();
  g_autoptr(MrdKeys) child = mrd_keys_new ();
  const char *lines[] = { "server 192.0.2.1 key 2", "server 192.0.2.2", "server 192.0.2.3 key 9" };
  g_autoptr(GVariant) v = NULL;
  guint8 a[64], b[64], data[4] = { 1, 2, 3, 4 };

  mrd_keys_parse_data (keys, "1 MD5 one-one-one\n2 SHA1 two-two-two\n3 MD5 three-three\n", "k", NULL);
  v = mrd_sync_engine_keys_for_lines (keys, lines, G_N_ELEMENTS (lines));
  assert_int_equal (g_variant_n_children (v), 1);
  assert_true (mrd_keys_add_variant (child, v, NULL));
  assert_true (mrd_keys_has (child, 2));
  assert_false (mrd_keys_has (child, 1) || mrd_keys_has (child, 3));
  assert_int_equal (mrd_keys_mac (child, 2, data, 4, a, 64, NULL), 20);
  assert_int_equal (mrd_keys_mac (keys, 2, data, 4, b, 64, NULL), 20);
  assert_memory_equal (a, b, 20);
  /* untrusted input: a wrong type, an unusable hash */
  {
    g_autoptr(GVariant) bad = g_variant_ref_sink (g_variant_new_parsed ("[(uint32 5, 'WHIRLPOOL', [byte 1])]"));
    g_autoptr(GVariant) wrong = g_variant_ref_sink (g_variant_new_parsed ("[(uint32 5, 'MD5')]"));
    g_autoptr(GError) error = NULL;

    assert_false (mrd_keys_add_variant (child, bad, &error));
    assert_false (mrd_keys_add_variant (child, wrong, NULL));
    assert_false (mrd_keys_has (child, 5));
  }
  (void) state;
}

static char *
write_file (const char *dir, const char *name, const char *text, int mode)
{
  char *path = g_build_filename (dir, name, NULL);

  assert_true (g_file_set_contents (path, text, -1, NULL));
  assert_int_equal (g_chmod (path, mode), 0);
  return path;
}

static void
keyfile_directive_reads_keys_and_refuses_an_open_file (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("mrd-keys-XXXXXX", NULL);
  g_autofree char *good = write_file (dir, "good.keys", "1 SHA256 HEX:00112233445566778899\n"
                                                        "2 RIPEMD160 abcdefghijkl\n", 0640);
  g_autofree char *open_keys = write_file (dir, "open.keys", "1 MD5 abcdefghijkl\n", 0604);
  g_autofree char *conf_text = g_strdup_printf ("keyfile %s\nserver 192.0.2.1 key 1\n"
                                                "server 192.0.2.2 key 2\nserver 192.0.2.3\n", good);
  g_autofree char *conf = write_file (dir, "meridian.conf", conf_text, 0644);
  g_autoptr(MrdConfig) config = mrd_config_load_file (conf, NULL);
  g_autoptr(MrdClock) clock = mrd_clock_new_virtual (0, 0);
  g_autoptr(MrdSyncEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  NtpSourceConfig sc;
  char err[200];

  assert_non_null (config);
  assert_true (mrd_keys_has (config->keys, 1));
  assert_false (mrd_keys_has (config->keys, 2));
  assert_int_equal (config->diagnostics->len, 1);
  {
    g_autofree char *want = g_strdup_printf ("%s:2: key 2: type 'RIPEMD160'", good);

    assert_true (g_str_has_prefix (config->diagnostics->pdata[0], want));
  }
  /* the source naming the refused key is not used; the others are */
  engine = mrd_sync_engine_new (clock, config, NULL);
  assert_non_null (engine);
  ntp_source_config_init (&sc);
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.4 key 2", err, sizeof err), 0);
  assert_false (mrd_sync_engine_add_source_config (engine, "server 192.0.2.4 key 2", &sc, 0,
                                                   NULL, &error));
  assert_non_null (strstr (error->message, "key 2 is not in the keyfile"));
  g_clear_error (&error);
  assert_int_equal (ntp_source_config_parse (&sc, "server 192.0.2.5 key 1", err, sizeof err), 0);
  assert_true (mrd_sync_engine_add_source_config (engine, "server 192.0.2.5 key 1", &sc, 0,
                                                  NULL, &error));

  /* readable by others: refused whole, said on the keyfile line */
  {
    g_autoptr(MrdConfig) c2 = mrd_config_new ();
    g_autofree char *line = g_strdup_printf ("keyfile %s", open_keys);
    g_autofree char *message = NULL;

    assert_int_equal (mrd_config_parse_line (c2, line, &message), MRD_CONFIG_LINE_ERROR);
    assert_non_null (strstr (message, "other users may read it (mode 0604)"));
    assert_false (mrd_keys_has (c2->keys, 1));
    g_clear_pointer (&message, g_free);
    assert_int_equal (g_chmod (open_keys, 0602), 0);
    assert_int_equal (mrd_config_parse_line (c2, line, &message), MRD_CONFIG_LINE_ERROR);
    assert_non_null (strstr (message, "may write it"));
    g_clear_pointer (&message, g_free);
    assert_int_equal (g_chmod (open_keys, 0640), 0);
    assert_int_equal (mrd_config_parse_line (c2, line, &message), MRD_CONFIG_LINE_OK);
    assert_true (mrd_keys_has (c2->keys, 1));
    assert_int_equal (mrd_config_parse_line (c2, "keyfile relative.keys", &message),
                      MRD_CONFIG_LINE_ERROR);
    g_clear_pointer (&message, g_free);
    /* a missing one is said, not an error (distributions name one no source uses) */
    assert_int_equal (mrd_config_parse_line (c2, "keyfile /nonexistent/x.keys", &message),
                      MRD_CONFIG_LINE_IGNORED);
    assert_non_null (strstr (message, "sources with a key will not run"));
    assert_false (mrd_keys_has (c2->keys, 1));
  }
  g_unlink (good);
  g_unlink (open_keys);
  g_unlink (conf);
  g_rmdir (dir);
  (void) state;
}

/* The engine child parses again the line meridiand formats from a source's configuration
 * (service/privsep/mrd-engine-proxy.c): a key lost there would run the source
 * unauthenticated. Every option implemented here survives the round trip. */
static void
the_childs_line_keeps_the_options_given (void **state)
{
  NtpSourceConfig a, b;
  char err[200];
  g_auto(GStrv) options = NULL;
  g_autofree char *opts = NULL, *line = NULL;

  ntp_source_config_init (&a);
  assert_int_equal (ntp_source_config_parse (&a, "server 192.0.2.1 key 4294967295 version 3 "
                                             "presend 0 asymmetry -0.25 iburst copy maxunreach 0 "
                                             "maxdelayquant 0.3", err, sizeof err), 0);
  options = mrd_sync_format_options (&a);
  opts = g_strjoinv (" ", options);
  line = g_strdup_printf ("server 192.0.2.1 %s", opts);
  assert_int_equal (ntp_source_config_parse (&b, line, err, sizeof err), 0);
  assert_int_equal (b.key, 4294967295u);
  assert_int_equal (b.version, 3);
  assert_true (b.presend_on);
  assert_int_equal (b.presend, 0);
  assert_true (b.asymmetry == -0.25);
  assert_true (b.iburst);
  assert_true (b.copy);
  assert_int_equal (b.maxunreach, 0);
  assert_true (b.maxdelayquant == 0.3);
  (void) state;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (macs_are_the_digest_of_key_and_packet),
    cmocka_unit_test (sha3_and_aes_macs_come_from_the_module),
    cmocka_unit_test (bad_lines_are_refused_with_file_and_line),
    cmocka_unit_test (the_engine_is_handed_only_the_keys_its_sources_name),
    cmocka_unit_test (keyfile_directive_reads_keys_and_refuses_an_open_file),
    cmocka_unit_test (the_childs_line_keeps_the_options_given),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
