/*
 * test_reqid.c - request ids: shape, uniqueness over many draws, the spread of lengths and
 * digits a 96-bit number in base 36 must show, and separate streams per thread.
 */
#include "reqid.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define DRAWS 10000
#define THREADS 8
#define PER_THREAD 2000

static int
cmp_ids(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Fails unless every id is 18-19 characters of [0-9a-z]. */
static void
assert_shape(const char *id)
{
	size_t n = strlen(id), i;

	ck_assert_msg(n == 18 || n == 19, "length %zu: %s", n, id);
	for (i = 0; i < n; i++)
		ck_assert_msg((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'z'),
		              "bad character in %s", id);
}

/* Sorts n ids of REQID_MAX + 1 bytes and fails on the first repeat. */
static void
assert_unique(char (*ids)[REQID_MAX + 1], size_t n)
{
	size_t i;

	qsort(ids, n, sizeof(ids[0]), cmp_ids);
	for (i = 1; i < n; i++)
		ck_assert_msg(strcmp(ids[i - 1], ids[i]) != 0, "repeated id %s", ids[i]);
}

START_TEST(test_shape_and_unique)
{
	static char ids[DRAWS][REQID_MAX + 1];
	size_t i, short_ones = 0;

	for (i = 0; i < DRAWS; i++) {
		memset(ids[i], 'X', sizeof(ids[i]));
		reqid_new(ids[i]);
		assert_shape(ids[i]);
		short_ones += strlen(ids[i]) == 18;
	}
	/*
	 * Of the 96-bit numbers with 18 or 19 base-36 digits, 12.7% have 18: a generator with
	 * fewer bits, or one padding with zeros, lands far outside these bounds.
	 */
	ck_assert_uint_gt(short_ones, 800);
	ck_assert_uint_lt(short_ones, 1800);
	assert_unique(ids, DRAWS);
}
END_TEST

/* 2^96 is 7.7 * 36^18, so a 19-character id starts with 1 to 7; the last digit is uniform. */
START_TEST(test_digits_spread)
{
	char id[REQID_MAX + 1];
	unsigned first[36] = {0}, last[36] = {0};
	size_t i, n, d;
	const char *digits = "0123456789abcdefghijklmnopqrstuvwxyz";

	for (i = 0; i < DRAWS; i++) {
		reqid_new(id);
		n = strlen(id);
		if (n == 19)
			first[strchr(digits, id[0]) - digits]++;
		last[strchr(digits, id[n - 1]) - digits]++;
	}
	ck_assert_uint_eq(first[0], 0);
	for (d = 1; d <= 7; d++)
		ck_assert_uint_gt(first[d], 0);
	for (d = 8; d < 36; d++)
		ck_assert_uint_eq(first[d], 0);
	/* 10,000 / 36 = 278 expected per digit; these bounds are over eight deviations wide. */
	for (d = 0; d < 36; d++) {
		ck_assert_uint_gt(last[d], 150);
		ck_assert_uint_lt(last[d], 420);
	}
}
END_TEST

static char thread_ids[THREADS + 1][PER_THREAD][REQID_MAX + 1];

static void *
draw_many(void *arg)
{
	char(*ids)[REQID_MAX + 1] = arg;
	size_t i;

	for (i = 0; i < PER_THREAD; i++)
		reqid_new(ids[i]);
	return NULL;
}

START_TEST(test_threads_own_streams)
{
	pthread_t th[THREADS];
	size_t t, i;

	for (t = 0; t < THREADS; t++)
		ck_assert_int_eq(pthread_create(&th[t], NULL, draw_many, thread_ids[t]), 0);
	draw_many(thread_ids[THREADS]);
	for (t = 0; t < THREADS; t++)
		ck_assert_int_eq(pthread_join(th[t], NULL), 0);
	for (t = 0; t <= THREADS; t++)
		for (i = 0; i < PER_THREAD; i++)
			assert_shape(thread_ids[t][i]);
	/* The rows are contiguous: one sort over all of them finds any id two threads share. */
	assert_unique(thread_ids[0], (THREADS + 1) * PER_THREAD);
}
END_TEST

static Suite *
reqid_suite(void)
{
	Suite *s = suite_create("reqid");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_shape_and_unique);
	tcase_add_test(tc, test_digits_spread);
	tcase_add_test(tc, test_threads_own_streams);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(reqid_suite());
}
