/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ntp-refid.c — see ntp-refid.h. MD5 as RFC 1321 §3 describes it: 64-byte blocks of
 * little-endian words, four rounds of sixteen steps, each step's constant the integer part
 * of 2^32 |sin(i + 1)| and its rotation from the round's four. */
#include "ntp-refid.h"

#include <string.h>
/* inet_pton and AF_INET/AF_INET6 only: libc's address parsers, no socket */
#include <arpa/inet.h>
#include <sys/socket.h>

static const uint32_t sine_table[64] = {
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
  0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
  0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
  0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
  0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
  0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
  0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
  0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
  0xeb86d391,
};

/* Each round's four rotations, used in turn. */
static const unsigned rotations[4][4] = {
  { 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 }, { 6, 10, 15, 21 },
};

static uint32_t
rotl (uint32_t x, unsigned n)
{
  return (x << n) | (x >> (32 - n));
}

static void
md5_block (uint32_t state[4], const uint8_t block[64])
{
  uint32_t x[16];
  for (int i = 0; i < 16; i++)
    x[i] = (uint32_t) block[4 * i] | (uint32_t) block[4 * i + 1] << 8
           | (uint32_t) block[4 * i + 2] << 16 | (uint32_t) block[4 * i + 3] << 24;
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  for (int i = 0; i < 64; i++) {
    int round = i / 16;
    uint32_t f;
    int word;
    switch (round) {
    case 0: f = (b & c) | (~b & d); word = i; break;
    case 1: f = (b & d) | (c & ~d); word = (5 * i + 1) % 16; break;
    case 2: f = b ^ c ^ d; word = (3 * i + 5) % 16; break;
    default: f = c ^ (b | ~d); word = (7 * i) % 16; break;
    }
    uint32_t next = b + rotl (a + f + sine_table[i] + x[word], rotations[round][i % 4]);
    a = d;
    d = c;
    c = b;
    b = next;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
}

void
ntp_md5 (const void *data, size_t len, uint8_t digest[16])
{
  uint32_t state[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
  const uint8_t *p = data;
  size_t left = len;
  for (; left >= 64; left -= 64, p += 64)
    md5_block (state, p);
  /* the tail, a 1 bit, zeros to 56 bytes (mod 64), the length in bits, little-endian */
  uint8_t tail[128] = { 0 };
  if (left > 0)
    memcpy (tail, p, left);
  tail[left] = 0x80;
  size_t tail_len = left < 56 ? 64 : 128;
  uint64_t bits = (uint64_t) len * 8;
  for (int i = 0; i < 8; i++)
    tail[tail_len - 8 + (size_t) i] = (uint8_t) (bits >> (8 * i));
  md5_block (state, tail);
  if (tail_len == 128)
    md5_block (state, tail + 64);
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 4; k++)
      digest[4 * i + k] = (uint8_t) (state[i] >> (8 * k));
}

uint32_t
ntp_refid_from_address (const uint8_t *bytes, size_t len)
{
  uint8_t digest[16];
  if (len == 16) {
    ntp_md5 (bytes, len, digest);
    bytes = digest;
  } else if (len != 4) {
    return 0;
  }
  return (uint32_t) bytes[0] << 24 | (uint32_t) bytes[1] << 16 | (uint32_t) bytes[2] << 8
         | bytes[3];
}

bool
ntp_refid_parse (const char *address, uint32_t *out)
{
  char host[64];
  const char *start = address, *end = address + strlen (address);
  if (*start == '[') {
    const char *close = strchr (start, ']');
    if (!close || (close[1] != '\0' && close[1] != ':'))
      return false;
    start++;
    end = close;
  } else {
    const char *colon = strchr (start, ':');
    if (colon && strchr (colon + 1, ':') == NULL)
      end = colon;     /* one colon: IPv4 (or a name) with its port */
  }
  if ((size_t) (end - start) >= sizeof host)
    return false;
  memcpy (host, start, (size_t) (end - start));
  host[end - start] = '\0';
  uint8_t bytes[16];
  if (inet_pton (AF_INET, host, bytes) == 1)
    *out = ntp_refid_from_address (bytes, 4);
  else if (inet_pton (AF_INET6, host, bytes) == 1)
    *out = ntp_refid_from_address (bytes, 16);
  else
    return false;
  return true;
}
