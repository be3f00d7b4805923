/*
 * rng.h - splitmix64: a tiny, fast generator whose whole state is one 64-bit word, giving the
 * same numbers on every platform. For synthetic data, coin flips and delays, and spreading a
 * seed over 64 bits; never for secrets (GnuTLS's random source is for those).
 *
 * The state is the caller's: a generator shared by threads needs the caller's lock.
 */
#ifndef GONGMOCK_RNG_H
#define GONGMOCK_RNG_H

#include <stdint.h>

/*
 * The output function of splitmix64 on its own: z's bits spread over all 64, with no state.
 * rng_next is rng_mix of the advanced state. For deriving a seed from numbers (a dataset's
 * seed and a call's index) or hashing a key.
 *
 * These two are inline: `gongmock generate` draws several numbers per call, and a call into
 * another file for each made a million calls 12% slower to write.
 */
static inline uint64_t
rng_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Advances *state and returns the next 64 random bits. */
static inline uint64_t
rng_next(uint64_t *state)
{
	*state += UINT64_C(0x9e3779b97f4a7c15);
	return rng_mix(*state);
}

/* A double in [0, 1) from the next 53 bits. */
double rng_unit(uint64_t *state);

/* An integer in [0, n) (n > 0), without modulo bias. */
uint64_t rng_below(uint64_t *state, uint64_t n);

#endif
