/*
 * test_isotime.c - unit tests of isotime: the date-time forms clients send, the ones that
 * must be refused, the formatter, and the civil-date arithmetic under both.
 */
#include "isotime.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* 2025-06-12T17:38:36Z, worked out independently of the code under test. */
#define T0 INT64_C(1749749916000000)
#define SENTINEL INT64_C(0x5a5a5a5a5a5a5a5a)
#define US_PER_DAY INT64_C(86400000000)

static int
parse(const char *s, int flags, int64_t *out)
{
	return isotime_parse(s, strlen(s), flags, out);
}

/* Parses s leniently and demands success; returns the instant. */
static int64_t
must_parse(const char *s)
{
	int64_t us = SENTINEL;

	ck_assert_msg(parse(s, ISOTIME_LENIENT, &us) == 0, "rejected: \"%s\"", s);
	return us;
}

/* Demands that both modes reject s and leave the output alone. */
static void
must_reject(const char *s, size_t len)
{
	int64_t us = SENTINEL;

	ck_assert_msg(isotime_parse(s, len, ISOTIME_LENIENT, &us) == -1, "accepted: \"%s\"", s);
	ck_assert_msg(isotime_parse(s, len, ISOTIME_REQUIRE_OFFSET, &us) == -1,
	              "accepted with offset required: \"%s\"", s);
	ck_assert_int_eq(us, SENTINEL);
}

/* Every form a client sends for the instant T0. */
static const char *const same_instant[] = {
    "2025-06-12T17:38:36Z",      "2025-06-12T17:38:36z",      "2025-06-12t17:38:36Z",
    "2025-06-12 17:38:36Z",      "2025-06-12T19:38:36+02:00", "2025-06-12T19:38:36+0200",
    "2025-06-12T19:38:36+02",    "2025-06-12T19:38:36 02:00", "2025-06-12T19:38:36 0200",
    "2025-06-12T19:38:36 02",    "2025-06-12T10:38:36-07:00", "2025-06-12T10:38:36-0700",
    "2025-06-12T10:38:36-07",    "2025-06-12T17:38:36+00:00", "2025-06-12T17:38:36-00:00",
    "2025-06-12T23:08:36+05:30", "2025-06-12T23:23:36+05:45", "2025-06-13T07:38:36+14:00",
    "2025-06-12T04:38:36-13:00", "2025-06-12 19:38:36 02:00", "2025-06-12T17:38:36.000Z",
    "2025-06-12T17:38:36.0Z",
};

START_TEST(test_same_instant)
{
	const char *s = same_instant[_i];
	int64_t us = SENTINEL;

	ck_assert_msg(parse(s, ISOTIME_LENIENT, &us) == 0, "lenient rejected \"%s\"", s);
	ck_assert_msg(us == T0, "\"%s\" gave %lld", s, (long long)us);
	us = SENTINEL;
	ck_assert_msg(parse(s, ISOTIME_REQUIRE_OFFSET, &us) == 0, "strict rejected \"%s\"", s);
	ck_assert_msg(us == T0, "\"%s\" gave %lld", s, (long long)us);
}
END_TEST

START_TEST(test_no_offset)
{
	int64_t us = SENTINEL;

	ck_assert_int_eq(parse("2025-06-12T17:38:36", ISOTIME_LENIENT, &us), 0);
	ck_assert_int_eq(us, T0);
	ck_assert_int_eq(parse("2025-06-12T17:38:36.197", ISOTIME_LENIENT, &us), 0);
	ck_assert_int_eq(us, T0 + 197000);
	ck_assert_int_eq(parse("2025-06-12T17:38", ISOTIME_LENIENT, &us), 0);
	ck_assert_int_eq(us, T0 - 36000000);

	us = SENTINEL;
	ck_assert_int_eq(parse("2025-06-12T17:38:36", ISOTIME_REQUIRE_OFFSET, &us), -1);
	ck_assert_int_eq(parse("2025-06-12T17:38:36.197", ISOTIME_REQUIRE_OFFSET, &us), -1);
	ck_assert_int_eq(parse("2025-06-12T17:38", ISOTIME_REQUIRE_OFFSET, &us), -1);
	ck_assert_int_eq(us, SENTINEL);
}
END_TEST

START_TEST(test_without_seconds)
{
	ck_assert_int_eq(must_parse("2025-06-12T17:38Z"), T0 - 36000000);
	ck_assert_int_eq(must_parse("2025-06-12T19:38+02:00"), T0 - 36000000);
	ck_assert_int_eq(must_parse("2025-06-12T19:38 02"), T0 - 36000000);
	/* A fraction belongs to seconds: none without them. */
	must_reject("2025-06-12T17:38.5Z", 19);
}
END_TEST

START_TEST(test_fraction)
{
	ck_assert_int_eq(must_parse("2025-06-12T17:38:36.197Z"), T0 + 197000);
	ck_assert_int_eq(must_parse("2025-06-12T19:38:36.197+02:00"), T0 + 197000);
	ck_assert_int_eq(must_parse("2025-06-12T17:38:36.1Z"), T0 + 100000);
	ck_assert_int_eq(must_parse("2025-06-12T17:38:36.000001Z"), T0 + 1);
	ck_assert_int_eq(must_parse("2025-06-12T17:38:36.123456Z"), T0 + 123456);
	/* Digits past the microsecond are dropped, not rounded. */
	ck_assert_int_eq(must_parse("2025-06-12T17:38:36.1234567Z"), T0 + 123456);
	ck_assert_int_eq(must_parse("2025-06-12T17:38:36.999999999Z"), T0 + 999999);
	ck_assert_int_eq(must_parse("2025-06-12T17:38:36.000000999Z"), T0);
	ck_assert_int_eq(must_parse("2025-06-12T17:38:36.123456789"), T0 + 123456);
}
END_TEST

START_TEST(test_bad_fraction)
{
	static const char *const bad[] = {
	    "2025-06-12T17:38:36.1234567890Z", /* ten digits */
	    "2025-06-12T17:38:36.0000000000",
	    "2025-06-12T17:38:36.Z",
	    "2025-06-12T17:38:36.",
	    "2025-06-12T17:38:36,197Z",
	    "2025-06-12T17:38:36..1Z",
	    "2025-06-12T17:38:36.1.2Z",
	    "2025-06-12T17:38:36.-1Z",
	    "2025-06-12T17:38:36.1 Z",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		must_reject(bad[i], strlen(bad[i]));
}
END_TEST

START_TEST(test_negative_instants)
{
	ck_assert_int_eq(must_parse("1970-01-01T00:00:00Z"), 0);
	ck_assert_int_eq(must_parse("1970-01-01T01:00:00+01:00"), 0);
	ck_assert_int_eq(must_parse("1969-12-31T23:59:59Z"), -1000000);
	ck_assert_int_eq(must_parse("1969-12-31T23:59:59.5Z"), -500000);
	ck_assert_int_eq(must_parse("1969-12-31T23:59:59.999999Z"), -1);
	ck_assert_int_eq(must_parse("0000-01-01T00:00:00Z"), INT64_C(-62167219200000000));
	ck_assert_int_eq(must_parse("0000-01-01T00:00:00+01:00"),
	                 INT64_C(-62167219200000000) - 3600000000);
	ck_assert_int_eq(must_parse("9999-12-31T23:59:59.999999Z"), INT64_C(253402300799999999));
	ck_assert_int_eq(must_parse("9999-12-31T23:59:59.999999-18:00"),
	                 INT64_C(253402300799999999) + 18 * INT64_C(3600000000));
}
END_TEST

START_TEST(test_leap_days)
{
	ck_assert_int_eq(must_parse("2024-02-29T00:00:00Z"), INT64_C(19782) * US_PER_DAY);
	ck_assert_int_eq(must_parse("2000-02-29T00:00:00Z"), INT64_C(11016) * US_PER_DAY);
	ck_assert_int_eq(must_parse("2024-03-01T00:00:00Z") - must_parse("2024-02-28T00:00:00Z"),
	                 2 * US_PER_DAY);
	ck_assert_int_eq(must_parse("2025-03-01T00:00:00Z") - must_parse("2025-02-28T00:00:00Z"),
	                 US_PER_DAY);
	must_reject("2025-02-29T00:00:00Z", 20);
	must_reject("1900-02-29T00:00:00Z", 20);
	must_reject("2100-02-29T00:00:00Z", 20);
	must_reject("2024-02-30T00:00:00Z", 20);
	ck_assert_int_eq(must_parse("0000-02-29T00:00:00Z") + 2 * US_PER_DAY,
	                 must_parse("0000-03-02T00:00:00Z"));
}
END_TEST

START_TEST(test_month_lengths)
{
	static const char *const last[] = {"01-31", "03-31", "04-30", "05-31", "06-30", "07-31",
	                                   "08-31", "09-30", "10-31", "11-30", "12-31"};
	static const char *const past[] = {"01-32", "03-32", "04-31", "05-32", "06-31", "07-32",
	                                   "08-32", "09-31", "10-32", "11-31", "12-32"};
	char s[32];

	for (size_t i = 0; i < sizeof last / sizeof last[0]; i++) {
		snprintf(s, sizeof s, "2025-%sT00:00:00Z", last[i]);
		must_parse(s);
		snprintf(s, sizeof s, "2025-%sT00:00:00Z", past[i]);
		must_reject(s, strlen(s));
	}
}
END_TEST

START_TEST(test_field_ranges)
{
	static const char *const bad[] = {
	    "2025-13-01T00:00:00Z",      "2025-00-01T00:00:00Z",      "2025-06-00T00:00:00Z",
	    "2025-06-12T24:00:00Z",      "2025-06-12T24:00Z",         "2025-06-12T23:60:00Z",
	    "2025-06-12T23:59:61Z",      "2025-06-12T99:00:00Z",      "2025-06-12T00:00:00+18:01",
	    "2025-06-12T00:00:00-18:01", "2025-06-12T00:00:00+19:00", "2025-06-12T00:00:00+19",
	    "2025-06-12T00:00:00+05:60", "2025-06-12T00:00:00+0560",  "2025-06-12T00:00:00 18:30",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		must_reject(bad[i], strlen(bad[i]));
	ck_assert_int_eq(must_parse("2025-06-12T23:59:59Z") + 1000000,
	                 must_parse("2025-06-13T00:00:00Z"));
	ck_assert_int_eq(must_parse("2025-06-12T18:00:00+18:00"), must_parse("2025-06-12T00:00Z"));
	ck_assert_int_eq(must_parse("2025-06-11T06:00:00-18:00"), must_parse("2025-06-12T00:00Z"));
}
END_TEST

START_TEST(test_leap_second)
{
	ck_assert_int_eq(must_parse("2016-12-31T23:59:60Z"), INT64_C(1483228799000000));
	ck_assert_int_eq(must_parse("2016-12-31T23:59:60.5Z"), INT64_C(1483228799500000));
	ck_assert_int_eq(must_parse("2017-01-01T00:59:60+01:00"), INT64_C(1483228799000000));
}
END_TEST

/* Forms that must fail, as (text, length) so NUL bytes can sit inside. */
static const struct {
	const char *s;
	size_t len;
} rejected[] = {
#define R(lit)                                                                                     \
	{                                                                                          \
		lit, sizeof(lit) - 1                                                               \
	}
    R(""),
    R("2025-06-12"),
    R("2025-06-12T"),
    R("2025-06-12T17"),
    R("2025-06-12T17:"),
    R("2025-06-12T17:38:"),
    R("2025-06-12T17:38:3Z"),
    R("2025-06-12T17:38:36+"),
    R("2025-06-12T17:38:36-"),
    R("2025-06-12T17:38:36 "),
    R("2025-06-12T17:38:36+2"),
    R("2025-06-12T17:38:36+02:"),
    R("2025-06-12T17:38:36+02:0"),
    R("2025-06-12T17:38:36+020"),
    R("2025-06-12T17:38:36+02:000"),
    R("2025-06-12T17:38:36+02:00Z"),
    R("2025-06-12T17:38:36+02 00"),
    R("2025-06-12T17:38:36ZZ"),
    R("2025-06-12T17:38:36Zjunk"),
    R("2025-06-12T17:38:36Z "),
    R(" 2025-06-12T17:38:36Z"),
    R("\t2025-06-12T17:38:36Z"),
    R("2025-06-12T17:38:36Z\n"),
    R("2025-06-12T17:38:36  02:00"),
    R("2025-06-12T17:38:36\t02:00"),
    R("2025-06-12T17:38:36UTC"),
    R("2025-06-12T17:38:36GMT"),
    R("2025-06-12T17:38:36\0"),
    R("2025-06-12T17:38:36Z\0"),
    R("2025-06-12T17:38\0:36Z"),
    R("\0"
      "2025-06-12T17:38:36Z"),
    R("2025-06-12T17:38:3\xb2Z"),
    R("2025-06-12T17:38:3:Z"),
    R("2025-06-12T17:38:3/Z"),
    R("202:-06-12T17:38:36Z"),
    R("2025-06-12T17:38:36.1:Z"),
    R("2025-06-12T17:38:36.1/Z"),
    R("2025-06-12T17:38:36+0:00"),
    R("2025-06-12T17:38:36\xef\xbc\xba"),
    R("2025-06-12  17:38:36Z"),
    R("2025-06-12_17:38:36Z"),
    R("2025-06-12TT17:38:36Z"),
    R("2025/06/12T17:38:36Z"),
    R("20250612T173836Z"),
    R("25-06-12T17:38:36Z"),
    R("12025-06-12T17:38:36Z"),
    R("+2025-06-12T17:38:36Z"),
    R("-2025-06-12T17:38:36Z"),
    R("2025-6-12T17:38:36Z"),
    R("2025-06-1T17:38:36Z"),
    R("2025-06-12T7:38:36Z"),
    R("2025-06-12T17:8:36Z"),
    R("2025-06-12T17:38:36.Z"),
    R("2025-06-12T-1:38:36Z"),
    R("2025-06-12T17:38:36+-2:00"),
    R("2025-06-12T17:38:36+ 2:00"),
    R("+"),
    R(" "),
    R("Z"),
    R("T"),
    R("1749749916"),
    R("now"),
#undef R
};

START_TEST(test_rejected)
{
	must_reject(rejected[_i].s, rejected[_i].len);
}
END_TEST

START_TEST(test_reads_only_len)
{
	int64_t us = SENTINEL;

	/* The bytes past len must not count, or change the result. */
	ck_assert_int_eq(isotime_parse("2025-06-12T17:38:36Zjunk", 20, ISOTIME_REQUIRE_OFFSET, &us),
	                 0);
	ck_assert_int_eq(us, T0);
	ck_assert_int_eq(isotime_parse("2025-06-12T17:38:36.197Z", 22, ISOTIME_LENIENT, &us), 0);
	ck_assert_int_eq(us, T0 + 190000);
	ck_assert_int_eq(isotime_parse("2025-06-12T19:38:36+02:00", 22, ISOTIME_LENIENT, &us), 0);
	ck_assert_int_eq(us, T0);
	us = SENTINEL;
	ck_assert_int_eq(isotime_parse("2025-06-12T19:38:36+02:00", 21, ISOTIME_LENIENT, &us), -1);
	ck_assert_int_eq(isotime_parse("2025-06-12T19:38:36+02:00", 24, ISOTIME_LENIENT, &us), -1);
	ck_assert_int_eq(us, SENTINEL);

	/* An exact-size heap copy: any read past len is caught under AddressSanitizer. */
	char *heap = malloc(25);
	ck_assert_ptr_nonnull(heap);
	memcpy(heap, "2025-06-12T19:38:36+02:00", 25);
	ck_assert_int_eq(isotime_parse(heap, 25, ISOTIME_REQUIRE_OFFSET, &us), 0);
	ck_assert_int_eq(us, T0);
	for (size_t n = 0; n < 25; n++)
		isotime_parse(heap + 25 - n, n, ISOTIME_LENIENT, &us);
	free(heap);
}
END_TEST

START_TEST(test_days_from_civil)
{
	ck_assert_int_eq(isotime_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(isotime_days_from_civil(1969, 12, 31), -1);
	ck_assert_int_eq(isotime_days_from_civil(1970, 3, 1), 59);
	ck_assert_int_eq(isotime_days_from_civil(2000, 3, 1), 11017);
	ck_assert_int_eq(isotime_days_from_civil(2024, 2, 29), 19782);
	ck_assert_int_eq(isotime_days_from_civil(2025, 6, 12), 20251);
	ck_assert_int_eq(isotime_days_from_civil(1, 1, 1), -719162);
	ck_assert_int_eq(isotime_days_from_civil(0, 1, 1), -719528);
	ck_assert_int_eq(isotime_days_from_civil(0, 3, 1), -719468);
	ck_assert_int_eq(isotime_days_from_civil(9999, 12, 31), 2932896);
	ck_assert_int_eq(isotime_days_from_civil(-1, 12, 31), -719529);
	ck_assert_int_eq(isotime_days_from_civil(-400, 1, 1), -719528 - 146097);
}
END_TEST

/*
 * Walks every day from 0000-01-01 to 9999-12-31 with a month table kept here, and checks
 * that the days count up by one, and that parse and format agree with the walk. The loop
 * stops at the first disagreement and reports it, rather than asserting millions of times.
 */
START_TEST(test_every_day)
{
	static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t expect = -719528, us;
	char text[ISOTIME_TEXT_MAX + 1], want[32];

	for (int64_t y = 0; y <= 9999; y++) {
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

		for (unsigned m = 1; m <= 12; m++) {
			unsigned n = mdays[m - 1] + (m == 2 && leap);

			for (unsigned d = 1; d <= n; d++, expect++) {
				snprintf(want, sizeof want, "%04d-%02u-%02uT00:00:00Z", (int)y, m,
				         d);
				if (isotime_days_from_civil(y, m, d) != expect)
					ck_abort_msg("days_from_civil(%s) != %lld", want,
					             (long long)expect);
				/* Every month end, and a few days within each month. */
				if (d != n && d % 7 != 0)
					continue;
				if (isotime_format(expect * US_PER_DAY, text, sizeof text) != 20 ||
				    strcmp(text, want) != 0)
					ck_abort_msg("format of day %lld: \"%s\", want \"%s\"",
					             (long long)expect, text, want);
				if (parse(want, ISOTIME_REQUIRE_OFFSET, &us) != 0 ||
				    us != expect * US_PER_DAY)
					ck_abort_msg("parse of \"%s\" wrong", want);
			}
		}
	}
	ck_assert_int_eq(expect, 2932897);
}
END_TEST

static void
check_format(int64_t us, const char *want)
{
	char buf[ISOTIME_TEXT_MAX + 1];

	memset(buf, 'x', sizeof buf);
	ck_assert_uint_eq(isotime_format(us, buf, sizeof buf), strlen(want));
	ck_assert_str_eq(buf, want);
}

START_TEST(test_format)
{
	check_format(0, "1970-01-01T00:00:00Z");
	check_format(T0, "2025-06-12T17:38:36Z");
	check_format(T0 + 197000, "2025-06-12T17:38:36.197Z");
	check_format(T0 + 100000, "2025-06-12T17:38:36.1Z");
	check_format(T0 + 1, "2025-06-12T17:38:36.000001Z");
	check_format(T0 + 10, "2025-06-12T17:38:36.00001Z");
	check_format(T0 + 123456, "2025-06-12T17:38:36.123456Z");
	check_format(T0 + 999999, "2025-06-12T17:38:36.999999Z");
	check_format(-1, "1969-12-31T23:59:59.999999Z");
	check_format(-500000, "1969-12-31T23:59:59.5Z");
	check_format(-1000000, "1969-12-31T23:59:59Z");
	check_format(INT64_C(19782) * US_PER_DAY, "2024-02-29T00:00:00Z");
	check_format(INT64_C(-62167219200000000), "0000-01-01T00:00:00Z");
	check_format(INT64_C(253402300799999999), "9999-12-31T23:59:59.999999Z");
}
END_TEST

START_TEST(test_format_out_of_range)
{
	char buf[ISOTIME_TEXT_MAX + 1];

	ck_assert_uint_eq(isotime_format(INT64_C(-62167219200000000) - 1, buf, sizeof buf), 0);
	ck_assert_uint_eq(isotime_format(INT64_C(253402300800000000), buf, sizeof buf), 0);
	ck_assert_uint_eq(isotime_format(INT64_MIN, buf, sizeof buf), 0);
	ck_assert_uint_eq(isotime_format(INT64_MAX, buf, sizeof buf), 0);
}
END_TEST

START_TEST(test_format_buffer_size)
{
	char buf[ISOTIME_TEXT_MAX + 1];

	/* 20 characters need 21 bytes with the NUL; 27 need 28. */
	memset(buf, 'x', sizeof buf);
	ck_assert_uint_eq(isotime_format(T0, buf, 20), 0);
	ck_assert_uint_eq(isotime_format(T0, buf, 0), 0);
	ck_assert_uint_eq(isotime_format(T0, buf, 21), 20);
	ck_assert_str_eq(buf, "2025-06-12T17:38:36Z");
	ck_assert_uint_eq(isotime_format(T0 + 123456, buf, 27), 0);
	ck_assert_uint_eq(isotime_format(T0 + 123456, buf, 28), 27);
	ck_assert_str_eq(buf, "2025-06-12T17:38:36.123456Z");
	ck_assert_uint_le(27, ISOTIME_TEXT_MAX);
}
END_TEST

/* A small deterministic generator, so a failure names an instant that can be replayed. */
static uint64_t
next_rand(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

START_TEST(test_round_trip)
{
	const int64_t lo = INT64_C(-62167219200000000), hi = INT64_C(253402300799999999);
	uint64_t state = 0x9e3779b97f4a7c15u;
	char buf[ISOTIME_TEXT_MAX + 1];

	for (int i = 0; i < 200000; i++) {
		int64_t us = lo + (int64_t)(next_rand(&state) % (uint64_t)(hi - lo + 1)), back = 0;
		size_t n;

		/* Half the samples on whole seconds, where no fraction is written. */
		if (i % 2)
			us -= ((us % 1000000) + 1000000) % 1000000;
		n = isotime_format(us, buf, sizeof buf);
		if (n < 20 || n > 27 || strlen(buf) != n || (n == 20) != (us % 1000000 == 0))
			ck_abort_msg("format of %lld gave %zu", (long long)us, n);
		if (isotime_parse(buf, n, ISOTIME_REQUIRE_OFFSET, &back) != 0 || back != us)
			ck_abort_msg("%lld -> %s -> %lld", (long long)us, buf, (long long)back);
	}
}
END_TEST

static Suite *
isotime_suite(void)
{
	Suite *s = suite_create("isotime");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_same_instant, 0,
	                    (int)(sizeof same_instant / sizeof same_instant[0]));
	tcase_add_test(tc, test_no_offset);
	tcase_add_test(tc, test_without_seconds);
	tcase_add_test(tc, test_fraction);
	tcase_add_test(tc, test_bad_fraction);
	tcase_add_test(tc, test_negative_instants);
	tcase_add_test(tc, test_leap_days);
	tcase_add_test(tc, test_month_lengths);
	tcase_add_test(tc, test_field_ranges);
	tcase_add_test(tc, test_leap_second);
	tcase_add_loop_test(tc, test_rejected, 0, (int)(sizeof rejected / sizeof rejected[0]));
	tcase_add_test(tc, test_reads_only_len);
	suite_add_tcase(s, tc);

	tc = tcase_create("civil");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_days_from_civil);
	tcase_add_test(tc, test_every_day);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_format_out_of_range);
	tcase_add_test(tc, test_format_buffer_size);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(isotime_suite());
}
