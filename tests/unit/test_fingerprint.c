/*
 * test_fingerprint.c - unit tests of fingerprint: salted fingerprints checked against values
 * worked out with Python's hashlib, the rounds refused out of range, the cost of one
 * derivation, reading the kind of a recorded fingerprint, and the cache.
 */
#include "fingerprint.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cassettes.h"
#include "harness.h"

static const unsigned char salt0[FINGERPRINT_SALT_LEN] = {0, 1, 2,  3,  4,  5,  6,  7,
                                                          8, 9, 10, 11, 12, 13, 14, 15};

START_TEST(test_fingerprint)
{
	char fp[FINGERPRINT_MAX];
	unsigned char salt_a5[FINGERPRINT_SALT_LEN];

	ck_assert_int_eq(fingerprint_derive(AUTH_BASIC, salt0, 1000, fp), 0);
	ck_assert_str_eq(fp, FP1000_BASIC);
	ck_assert_int_eq(fingerprint_derive(AUTH_TOK1, salt0, 1000, fp), 0);
	ck_assert_str_eq(fp, FP1000_TOK1);
	ck_assert_int_eq(fingerprint_derive(AUTH_TOK2, salt0, 1000, fp), 0);
	ck_assert_str_eq(fp, FP1000_TOK2);
	/* An empty Authorization is a credential, unlike none at all. */
	ck_assert_int_eq(fingerprint_derive("", salt0, 1000, fp), 0);
	ck_assert_str_eq(fp, FP1000_EMPTY);
	ck_assert_int_eq(fingerprint_derive(NULL, salt0, 1000, fp), 0);
	ck_assert_str_eq(fp, "");
	/* Another salt, another fingerprint of the same credential. */
	memset(salt_a5, 0xa5, sizeof(salt_a5));
	ck_assert_int_eq(fingerprint_derive(AUTH_TOK1, salt_a5, 1000, fp), 0);
	ck_assert_str_eq(fp, FP1000_TOK1_A5);
	/* The rounds the recorder uses. */
	ck_assert_int_eq(fingerprint_derive(AUTH_TOK1, salt0, FINGERPRINT_ITERATIONS, fp), 0);
	ck_assert_str_eq(fp, FP600K_TOK1);
	/* Rounds out of range are refused, never a weak or endless derivation. */
	strcpy(fp, "x");
	ck_assert_int_eq(fingerprint_derive(AUTH_TOK1, salt0, 0, fp), -1);
	ck_assert_str_eq(fp, "");
	ck_assert_int_eq(fingerprint_derive(AUTH_TOK1, salt0, 10000001, fp), -1);
	ck_assert_int_eq(FINGERPRINT_ITERATIONS, 600000);
}
END_TEST

/* Confirming a guess costs a full derivation: tens of milliseconds, not microseconds. */
START_TEST(test_fingerprint_is_slow)
{
	char fp[FINGERPRINT_MAX];
	double t0 = cassettes_mono_s();

	ck_assert_int_eq(fingerprint_derive(AUTH_TOK2, salt0, FINGERPRINT_ITERATIONS, fp), 0);
	ck_assert_msg(cassettes_mono_s() - t0 > 0.01, "one fingerprint took %.6f s",
	              cassettes_mono_s() - t0);
	ck_assert_str_eq(fp, FP600K_TOK2);
}
END_TEST

/* The unsalted form is the first 12 hex digits of the SHA-256 (sha256sum(1), above). */
START_TEST(test_unsalted)
{
	char fp[FINGERPRINT_UNSALTED_LEN + 1];

	fingerprint_unsalted(AUTH_BASIC, fp);
	ck_assert_str_eq(fp, FP_BASIC);
	fingerprint_unsalted(AUTH_TOK1, fp);
	ck_assert_str_eq(fp, FP_TOK1);
	fingerprint_unsalted(NULL, fp);
	ck_assert_str_eq(fp, "");
}
END_TEST

/* Only the exact text fingerprint_derive writes reads as salted; the rest is sorted by form. */
START_TEST(test_kind)
{
	static const char *const unknown[] = {
	    "pbkdf2-sha256$0$" SALT0_HEX "$100c2e6fa8596d59",
	    "pbkdf2-sha256$01000$" SALT0_HEX "$100c2e6fa8596d59",
	    "pbkdf2-sha256$10000001$" SALT0_HEX "$100c2e6fa8596d59",
	    "pbkdf2-sha256$1000$" SALT0_HEX "$100c2e6fa8596d5",
	    "pbkdf2-sha256$1000$" SALT0_HEX "$100c2e6fa8596d599",
	    "pbkdf2-sha256$1000$" SALT0_HEX "$100C2E6FA8596D59",
	    "pbkdf2-sha256$1000$000102$100c2e6fa8596d59",
	    "pbkdf2-sha512$1000$" SALT0_HEX "$100c2e6fa8596d59",
	    "pbkdf2-",
	};
	unsigned char salt[FINGERPRINT_SALT_LEN];
	unsigned iterations = 0;

	ck_assert_int_eq(fingerprint_kind(FP1000_TOK1, salt, &iterations), FINGERPRINT_SALTED);
	ck_assert_uint_eq(iterations, 1000);
	ck_assert_int_eq(memcmp(salt, salt0, sizeof(salt)), 0);
	ck_assert_int_eq(fingerprint_kind(FP600K_TOK2, salt, &iterations), FINGERPRINT_SALTED);
	ck_assert_uint_eq(iterations, 600000);
	ck_assert_int_eq(fingerprint_kind(FP1000_TOK1_A5, salt, &iterations), FINGERPRINT_SALTED);
	for (size_t i = 0; i < sizeof(salt); i++)
		ck_assert_uint_eq(salt[i], 0xa5);
	ck_assert_int_eq(fingerprint_kind("", salt, &iterations), FINGERPRINT_NONE);
	ck_assert_int_eq(fingerprint_kind(FP_TOK1, salt, &iterations), FINGERPRINT_UNSALTED);
	ck_assert_int_eq(fingerprint_kind("anything else", salt, &iterations),
	                 FINGERPRINT_UNSALTED);
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		ck_assert_msg(fingerprint_kind(unknown[i], salt, &iterations) ==
		                  FINGERPRINT_UNKNOWN,
		              "%s", unknown[i]);
}
END_TEST

START_TEST(test_hash)
{
	ck_assert_str_eq(fingerprint_hash(FP1000_TOK1), "100c2e6fa8596d59");
	ck_assert_str_eq(fingerprint_hash(FP_TOK1), FP_TOK1);
	ck_assert_str_eq(fingerprint_hash("pbkdf2-sha512$1$2$3"), "pbkdf2-sha512$1$2$3");
	ck_assert_str_eq(fingerprint_hash(""), "");
}
END_TEST

/* The cache gives what a derivation gives; a credential seen before costs no derivation. */
START_TEST(test_cache)
{
	struct fingerprint_cache *fc = fingerprint_cache_create(salt0, FINGERPRINT_ITERATIONS);
	char fp[FINGERPRINT_MAX];
	double t0, first, again;

	ck_assert_ptr_nonnull(fc);
	t0 = cassettes_mono_s();
	ck_assert_int_eq(fingerprint_cache_get(fc, AUTH_TOK1, fp), 0);
	first = cassettes_mono_s() - t0;
	ck_assert_str_eq(fp, FP600K_TOK1);
	t0 = cassettes_mono_s();
	for (int i = 0; i < 100; i++) {
		strcpy(fp, "x");
		ck_assert_int_eq(fingerprint_cache_get(fc, AUTH_TOK1, fp), 0);
		ck_assert_str_eq(fp, FP600K_TOK1);
	}
	again = cassettes_mono_s() - t0;
	ck_assert_msg(again < first, "100 cached: %.6f s, the first: %.6f s", again, first);
	ck_assert_int_eq(fingerprint_cache_get(fc, AUTH_TOK2, fp), 0);
	ck_assert_str_eq(fp, FP600K_TOK2);
	ck_assert_int_eq(fingerprint_cache_get(fc, NULL, fp), 0);
	ck_assert_str_eq(fp, "");
	fingerprint_cache_free(fc);
	fingerprint_cache_free(NULL);

	/* Rounds out of range fail at each asking, and are not cached as "". */
	fc = fingerprint_cache_create(salt0, 0);
	ck_assert_ptr_nonnull(fc);
	for (int i = 0; i < 2; i++) {
		strcpy(fp, "x");
		ck_assert_int_eq(fingerprint_cache_get(fc, AUTH_TOK1, fp), -1);
		ck_assert_str_eq(fp, "");
	}
	fingerprint_cache_free(fc);
}
END_TEST

static Suite *
fingerprint_suite(void)
{
	Suite *s = suite_create("fingerprint");
	TCase *tc;

	tc = tcase_create("fingerprint");
	tcase_add_test(tc, test_fingerprint);
	tcase_add_test(tc, test_fingerprint_is_slow);
	tcase_add_test(tc, test_unsalted);
	tcase_add_test(tc, test_kind);
	tcase_add_test(tc, test_hash);
	tcase_add_test(tc, test_cache);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(fingerprint_suite());
}
