/*
 * test_rng.c - splitmix64: the reference outputs for seeds 0 and 1, the state's step, the
 * mixing function alone, doubles in [0, 1), and draws below n that redraw the values that
 * would bias the result.
 */
#include "rng.h"

#include <check.h>
#include <stdlib.h>

#include "harness.h"

#define GAMMA UINT64_C(0x9e3779b97f4a7c15)

/* Vigna's splitmix64.c, seeded with 0 and with 1. */
static const uint64_t seed0[] = {
    UINT64_C(0xe220a8397b1dcdaf), UINT64_C(0x6e789e6aa1b965f4), UINT64_C(0x06c45d188009454f),
    UINT64_C(0xf88bb8a8724c81ec), UINT64_C(0x1b39896a51a8749b),
};
static const uint64_t seed1[] = {
    UINT64_C(0x910a2dec89025cc1), UINT64_C(0xbeeb8da1658eec67), UINT64_C(0xf893a2eefb32555e),
    UINT64_C(0x71c18690ee42c90b), UINT64_C(0x71bb54d8d101b5b9),
};

START_TEST(next_gives_the_reference_sequence)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < sizeof(seed0) / sizeof(seed0[0]); i++) {
		ck_assert_uint_eq(rng_next(&s), seed0[i]);
		ck_assert_uint_eq(s, GAMMA * (i + 1));
	}
	s = 1;
	for (i = 0; i < sizeof(seed1) / sizeof(seed1[0]); i++)
		ck_assert_uint_eq(rng_next(&s), seed1[i]);
	ck_assert_uint_eq(s, 1 + GAMMA * 5);
}
END_TEST

START_TEST(mix_is_next_without_the_step)
{
	uint64_t s = 12345;

	ck_assert_uint_eq(rng_mix(0), 0);
	ck_assert_uint_eq(rng_mix(GAMMA), seed0[0]);
	ck_assert_uint_eq(rng_mix(1 + GAMMA), seed1[0]);
	ck_assert_uint_eq(rng_mix(1), UINT64_C(0x5692161d100b05e5));
	ck_assert_uint_eq(rng_next(&s), rng_mix(12345 + GAMMA));
}
END_TEST

START_TEST(unit_takes_the_top_53_bits)
{
	uint64_t s = 0;
	double u, sum = 0;
	int i;

	ck_assert(rng_unit(&s) == (double)(seed0[0] >> 11) / 9007199254740992.0);
	ck_assert(rng_unit(&s) == (double)(seed0[1] >> 11) / 9007199254740992.0);
	ck_assert_uint_eq(s, 2 * GAMMA);
	for (i = 0; i < 100000; i++) {
		u = rng_unit(&s);
		ck_assert(u >= 0.0 && u < 1.0);
		sum += u;
	}
	/* The mean of 100000 uniform draws is 0.5 within a few thousandths. */
	ck_assert(sum / 100000 > 0.49 && sum / 100000 < 0.51);
}
END_TEST

START_TEST(below_is_the_remainder_of_an_unbiased_draw)
{
	uint64_t s = 0, n;
	unsigned counts[6] = {0};
	int i;

	ck_assert_uint_eq(rng_below(&s, 10), seed0[0] % 10);
	ck_assert_uint_eq(rng_below(&s, 1), 0);
	ck_assert_uint_eq(s, 2 * GAMMA);

	/*
	 * For n = 2^63 + 1 the surplus is 2^63 - 1: every draw below it is drawn again. From
	 * seed 0 the first draw passes, the next two are redrawn, and the fourth passes.
	 */
	n = (UINT64_C(1) << 63) + 1;
	s = 0;
	ck_assert_uint_eq(rng_below(&s, n), seed0[0] - n);
	ck_assert_uint_eq(s, GAMMA);
	ck_assert_uint_eq(rng_below(&s, n), seed0[3] - n);
	ck_assert_uint_eq(s, 4 * GAMMA);

	/* The largest n: 2^64 mod n is 1, so only a draw of 0 would be redrawn. */
	s = 0;
	ck_assert_uint_eq(rng_below(&s, UINT64_MAX), seed0[0]);

	s = 1;
	for (i = 0; i < 60000; i++) {
		uint64_t x = rng_below(&s, 6);

		ck_assert_uint_lt(x, 6);
		counts[x]++;
	}
	/* 10000 each on average; 5 standard deviations is about 450. */
	for (i = 0; i < 6; i++)
		ck_assert_msg(counts[i] > 9500 && counts[i] < 10500, "%d drawn %u times", i,
		              counts[i]);
}
END_TEST

static Suite *
rng_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, next_gives_the_reference_sequence);
	tcase_add_test(tc, mix_is_next_without_the_step);
	tcase_add_test(tc, unit_takes_the_top_53_bits);
	tcase_add_test(tc, below_is_the_remainder_of_an_unbiased_draw);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(rng_suite());
}
