/*
 * rng.c - splitmix64 (Steele, Lea and Flood; Vigna's constants).
 *
 * The state advances by a fixed odd constant (0x9e3779b97f4a7c15, the golden ratio), so every one
 * of the 2^64 states comes round once per period; the output function then mixes the state's bits
 * so that neighbouring states give unrelated numbers. Integer arithmetic only, so a seed gives the
 * same sequence on every platform. Nothing here is fit for keys or tokens.
 */
#include "rng.h"

double
rng_unit(uint64_t *state)
{
	/* A double holds 53 bits exactly, so every value is k * 2^-53 and 1 is never reached. */
	return (double)(rng_next(state) >> 11) * 0x1.0p-53;
}

uint64_t
rng_below(uint64_t *state, uint64_t n)
{
	uint64_t surplus, x;

	if (n == 0)
		return 0;
	/*
	 * 2^64 is rarely a multiple of n, so x % n over all 64-bit x favours the small results.
	 * The 2^64 mod n lowest values of x are the surplus: they are drawn again, which leaves a
	 * multiple of n values and a uniform remainder. For the small n used here a redraw is
	 * astronomically rare, so the result is x % n of the first draw in practice.
	 */
	surplus = (0 - n) % n;
	do
		x = rng_next(state);
	while (x < surplus);
	return x % n;
}
