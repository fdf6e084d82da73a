/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-rng.c — xoshiro256** with splitmix64 seeding; Exp by inversion, normal by the polar
 * method (Marsaglia). See sim-rng.h. */
#include "sim-rng.h"

#include <math.h>

static uint64_t
splitmix64 (uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline uint64_t
rotl (uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
sim_rng_init (SimRng *r, uint64_t seed, uint64_t stream)
{
  uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
  /* mix once more so that seeds 1, 2, 3 and streams 1, 2, 3 do not line up */
  x = splitmix64 (&x);
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64 (&x);
  r->has_spare = 0;
  r->spare_normal = 0.0;
}

uint64_t
sim_rng_next (SimRng *r)
{
  uint64_t *s = r->s;
  const uint64_t result = rotl (s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

double
sim_rng_uniform (SimRng *r)
{
  /* the top 53 bits as a double in [0, 1) */
  return (double) (sim_rng_next (r) >> 11) * 0x1.0p-53;
}

double
sim_rng_exp (SimRng *r)
{
  /* 1 - U is in (0, 1], so the log is finite */
  return -log (1.0 - sim_rng_uniform (r));
}

double
sim_rng_normal (SimRng *r)
{
  if (r->has_spare)
    {
      r->has_spare = 0;
      return r->spare_normal;
    }
  double u, v, s;
  do
    {
      u = 2.0 * sim_rng_uniform (r) - 1.0;
      v = 2.0 * sim_rng_uniform (r) - 1.0;
      s = u * u + v * v;
    }
  while (s >= 1.0 || s == 0.0);
  double m = sqrt (-2.0 * log (s) / s);
  r->spare_normal = v * m;
  r->has_spare = 1;
  return u * m;
}
