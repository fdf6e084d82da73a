/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sim-rng.h — the simulator's own deterministic random numbers.
 *
 * xoshiro256** (Blackman & Vigna, https://prng.di.unimi.it/) seeded through splitmix64, so a
 * run depends only on its seed and never on libc's rand() or the host. Each part of the
 * simulated world draws from its own stream (sim_rng_init with a different `stream`), so e.g.
 * the clock's wander is the same realisation whichever client runs on it.
 */
#pragma once

#include <stdint.h>

typedef struct {
  uint64_t s[4];
  double spare_normal;   /* the second value of a polar Box-Muller pair */
  int has_spare;
} SimRng;

void sim_rng_init (SimRng *r, uint64_t seed, uint64_t stream);
uint64_t sim_rng_next (SimRng *r);
/* Uniform in [0, 1). */
double sim_rng_uniform (SimRng *r);
/* Exp(1): mean 1. */
double sim_rng_exp (SimRng *r);
/* N(0, 1). */
double sim_rng_normal (SimRng *r);
