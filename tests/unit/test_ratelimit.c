/*
 * test_ratelimit.c - the --rate-limit parser, and the limiter's arithmetic on a fake clock:
 * bursts, the steady rate, Retry-After rounded up so that waiting exactly that long is
 * enough, the daily count and its reset at 00:00 UTC, per-key buckets, and the key cap. One
 * test runs threads against the real clock and checks the total admitted against the bound.
 */
#include "ratelimit.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define US INT64_C(1000000)
#define DAY_US (US * 86400)

/* 2025-01-01T12:00:00Z and the midnight that ends that day. */
#define T_NOON (INT64_C(1735732800) * US)
#define T_MIDNIGHT (INT64_C(1735776000) * US)

/* 1/3 s as the limiter rounds it. */
#define THIRD_US INT64_C(333333)

static int64_t fake_now;

static int64_t
fake_clock(void)
{
	return fake_now;
}

static struct ratelimit *
limiter(double per_second, unsigned burst, uint64_t per_day)
{
	struct ratelimit_config c = {per_second, burst, per_day};
	struct ratelimit *rl = ratelimit_create(&c, fake_clock);

	ck_assert_ptr_nonnull(rl);
	return rl;
}

static struct ratelimit *
limiter_spec(const char *spec)
{
	struct ratelimit_config c;
	char err[256] = "";
	struct ratelimit *rl;

	ck_assert_msg(ratelimit_parse(spec, &c, err, sizeof(err)) == 0, "%s: %s", spec, err);
	rl = ratelimit_create(&c, fake_clock);
	ck_assert_ptr_nonnull(rl);
	return rl;
}

/* Parses spec, which must succeed, and checks every field of the result. */
static void
parses_to(const char *spec, double per_second, unsigned burst, uint64_t per_day)
{
	struct ratelimit_config c = {99, 99, 99};
	char err[256] = "";

	ck_assert_msg(ratelimit_parse(spec, &c, err, sizeof(err)) == 0, "%s: %s", spec, err);
	ck_assert_msg(c.per_second == per_second, "%s: per_second %g", spec, c.per_second);
	ck_assert_uint_eq(c.burst, burst);
	ck_assert_uint_eq(c.per_day, per_day);
}

START_TEST(test_parse_good)
{
	parses_to("gong", 3, 3, 10000);
	parses_to("5/s", 5, 0, 0);
	parses_to("200/day", 0, 0, 200);
	parses_to("5/s,200/day", 5, 0, 200);
	parses_to("200/day,5/s", 5, 0, 200);
	parses_to("0.5/s", 0.5, 0, 0);
	parses_to("2.25/s", 2.25, 0, 0);
	parses_to("007/s", 7, 0, 0);
	parses_to("1000000/s", 1000000, 0, 0);
	parses_to("0.000001/s", 0.000001, 0, 0);
	parses_to("18446744073709551615/day", 0, 0, UINT64_MAX);
	parses_to("off", 0, 0, 0);
}
END_TEST

/* Bad specs and a piece of the message each must give. */
static const struct {
	const char *spec;
	const char *want;
} bad_specs[] = {
    {"", "empty rate limit"},
    {"5", "\"5\": no unit"},
    {"5/m", "\"5/m\": unknown unit"},
    {"5/S", "\"5/S\": unknown unit"},
    {"5/", "\"5/\": unknown unit"},
    {"5/sec", "\"5/sec\": unknown unit"},
    {"5/s junk", "\"5/s junk\": unknown unit"},
    {"5/sx", "\"5/sx\": unknown unit"},
    {"200/days", "\"200/days\": unknown unit"},
    {"-1/s", "\"-1/s\": the rate must be a positive number"},
    {"+1/s", "\"+1/s\": the rate must be a positive number"},
    {"0/s", "\"0/s\": the rate must be a positive number"},
    {"0.0/s", "\"0.0/s\": the rate must be a positive number"},
    {"/s", "\"/s\": the rate must be a positive number"},
    {".5/s", "\".5/s\": the rate must be a positive number"},
    {"5./s", "\"5./s\": the rate must be a positive number"},
    {"1.2.3/s", "\"1.2.3/s\": the rate must be a positive number"},
    {"1e3/s", "\"1e3/s\": the rate must be a positive number"},
    {"inf/s", "\"inf/s\": the rate must be a positive number"},
    {" 5/s", "\" 5/s\": the rate must be a positive number"},
    {"2000000/s", "\"2000000/s\": the rate must be between"},
    {"0.0000001/s", "\"0.0000001/s\": the rate must be between"},
    {"5/s,6/s", "\"6/s\": a per-second limit given twice"},
    {"1/day,2/day", "\"2/day\": a daily limit given twice"},
    {"x/day", "\"x/day\": the daily count must be a positive whole number"},
    {"0/day", "\"0/day\": the daily count must be a positive whole number"},
    {"1.5/day", "\"1.5/day\": the daily count must be a positive whole number"},
    {"-5/day", "\"-5/day\": the daily count must be a positive whole number"},
    {"99999999999999999999x/day",
     "\"99999999999999999999x/day\": the daily count must be a positive whole number"},
    {"18446744073709551616/day", "\"18446744073709551616/day\": the daily count is too large"},
    {"5/s,", "empty part"},
    {",5/s", "empty part"},
    {"5/s,,200/day", "empty part"},
    {"gong,5/s", "\"gong\": no unit"},
    {"Gong", "\"Gong\": no unit"},
    {"off,5/s", "\"off\": no unit"},
};

START_TEST(test_parse_bad)
{
	const char *spec = bad_specs[_i].spec;
	struct ratelimit_config c = {7, 8, 9};
	char err[256] = "";

	ck_assert_msg(ratelimit_parse(spec, &c, err, sizeof(err)) == -1, "accepted \"%s\"", spec);
	ck_assert_msg(strstr(err, bad_specs[_i].want) != NULL,
	              "\"%s\": message \"%s\", want \"%s\"", spec, err, bad_specs[_i].want);
	/* A failed parse leaves the caller's config alone. */
	ck_assert(c.per_second == 7 && c.burst == 8 && c.per_day == 9);
}
END_TEST

START_TEST(test_parse_small_err)
{
	struct ratelimit_config c;
	char err[8];

	memset(err, 'x', sizeof(err));
	ck_assert_int_eq(ratelimit_parse("5/m", &c, err, sizeof(err)), -1);
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
	ck_assert_int_eq(ratelimit_parse("5/m", &c, NULL, 0), -1);
}
END_TEST

START_TEST(test_gong_burst)
{
	struct ratelimit *rl = limiter_spec("gong");

	fake_now = T_NOON;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	/* One microsecond short of 1/3 s the bucket is still full... */
	fake_now = T_NOON + THIRD_US - 1;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	/* ...and at exactly 1/3 s there is room for one call, not two. */
	fake_now = T_NOON + THIRD_US;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	ck_assert_uint_eq(ratelimit_rejected(rl), 4);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_steady_state)
{
	struct ratelimit *rl = limiter_spec("3/s");
	int k;

	/* The default burst of 3/s is 3. */
	fake_now = T_NOON;
	for (k = 0; k < 3; k++)
		ck_assert_uint_eq(ratelimit_take(rl, "k"), 0);
	ck_assert_uint_eq(ratelimit_take(rl, "k"), 1);
	for (k = 1; k <= 300; k++) {
		fake_now = T_NOON + k * THIRD_US - 1;
		ck_assert_msg(ratelimit_take(rl, "k") == 1, "early admitted at step %d", k);
		fake_now = T_NOON + k * THIRD_US;
		ck_assert_msg(ratelimit_take(rl, "k") == 0, "refused at step %d", k);
		ck_assert_msg(ratelimit_take(rl, "k") == 1, "second admitted at step %d", k);
	}
	/* An idle spell fills the bucket again, but no further than the burst. */
	fake_now += 3600 * US;
	for (k = 0; k < 3; k++)
		ck_assert_uint_eq(ratelimit_take(rl, "k"), 0);
	ck_assert_uint_eq(ratelimit_take(rl, "k"), 1);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_explicit_burst)
{
	struct ratelimit *rl = limiter(5, 1, 0);
	struct ratelimit *wide = limiter(1, 10, 0);
	int k;

	fake_now = T_NOON;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	fake_now = T_NOON + 200000 - 1;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	fake_now = T_NOON + 200000;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);

	fake_now = T_NOON;
	for (k = 0; k < 10; k++)
		ck_assert_uint_eq(ratelimit_take(wide, NULL), 0);
	/* The 11th call of a burst of 10 at 1/s waits a full second. */
	ck_assert_uint_eq(ratelimit_take(wide, NULL), 1);
	fake_now = T_NOON + US - 1;
	ck_assert_uint_eq(ratelimit_take(wide, NULL), 1);
	fake_now = T_NOON + US;
	ck_assert_uint_eq(ratelimit_take(wide, NULL), 0);
	ratelimit_free(rl);
	ratelimit_free(wide);
}
END_TEST

START_TEST(test_retry_after_exact)
{
	struct ratelimit *rl = limiter(1, 1, 0);

	/* A wait of exactly one second: one microsecond less is not enough. */
	fake_now = T_NOON;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	fake_now = T_NOON + US - 1;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	fake_now = T_NOON + US;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	/* A wait of 0.4 s is rounded up to 1, and waiting that long is enough. */
	fake_now = T_NOON + US + 600000;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	fake_now += US;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ratelimit_free(rl);
}
END_TEST

/*
 * Calls at pseudo-random moments: whenever one is refused with r seconds, a call r seconds
 * later is admitted, and (for r > 1) one r-1 seconds later is not, so r is both honest and the
 * smallest whole number that is.
 */
START_TEST(test_retry_after_honest)
{
	static const double rates[] = {3, 0.5, 0.3, 7, 1.5};
	struct ratelimit *rl = limiter(rates[_i], 0, 0);
	/* Gaps average half the interval, so calls come twice as fast as the limit allows. */
	int64_t interval = (int64_t)(1e6 / rates[_i] + 0.5);
	uint64_t x = 88172645463325252u;
	unsigned r, refused = 0;
	int64_t t = T_NOON;
	int k;

	for (k = 0; k < 2000; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t += (int64_t)(x % (uint64_t)interval);
		fake_now = t;
		r = ratelimit_take(rl, "honest");
		if (r == 0)
			continue;
		refused++;
		if (r > 1) {
			fake_now = t + (int64_t)(r - 1) * US;
			ck_assert_msg(ratelimit_take(rl, "honest") == 1,
			              "%u s was more than needed", r);
		}
		t += (int64_t)r * US;
		fake_now = t;
		ck_assert_msg(ratelimit_take(rl, "honest") == 0, "waited %u s, still refused", r);
	}
	ck_assert_uint_gt(refused, 10);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_fractional_rate)
{
	struct ratelimit *rl = limiter_spec("0.5/s");

	/* 0.5/s: a burst of one, then one call every two seconds. */
	fake_now = T_NOON;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 2);
	/* 1.7 s to go is rounded up to 2, and not down to 1. */
	fake_now = T_NOON + 300000;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 2);
	fake_now = T_NOON + 300000 + US;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	fake_now = T_NOON + 2 * US - 1;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	fake_now = T_NOON + 2 * US;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ratelimit_free(rl);
}
END_TEST

/* The default burst rounds the rate up; the interval is rounded to the nearest microsecond. */
START_TEST(test_default_burst)
{
	struct ratelimit *rl = limiter_spec("2.5/s");
	struct ratelimit *odd = limiter(1.5, 1, 0);
	int k;

	fake_now = T_NOON;
	for (k = 0; k < 3; k++)
		ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	/* 1e6 / 2.5 is exactly 400,000 us. */
	fake_now = T_NOON + 400000 - 1;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	fake_now = T_NOON + 400000;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);

	/* 1e6 / 1.5 is 666,666.67 us, which rounds to 666,667. */
	fake_now = T_NOON;
	ck_assert_uint_eq(ratelimit_take(odd, NULL), 0);
	fake_now = T_NOON + 666666;
	ck_assert_uint_eq(ratelimit_take(odd, NULL), 1);
	fake_now = T_NOON + 666667;
	ck_assert_uint_eq(ratelimit_take(odd, NULL), 0);
	ratelimit_free(rl);
	ratelimit_free(odd);
}
END_TEST

START_TEST(test_daily)
{
	struct ratelimit *rl = limiter_spec("5/day");
	int k;

	/* 10.5 s before midnight UTC, five calls at once are fine: no per-second limit. */
	fake_now = T_MIDNIGHT - 10500000;
	for (k = 0; k < 5; k++)
		ck_assert_uint_eq(ratelimit_take(rl, "d"), 0);
	ck_assert_uint_eq(ratelimit_take(rl, "d"), 11);
	fake_now = T_MIDNIGHT - 10 * US;
	ck_assert_uint_eq(ratelimit_take(rl, "d"), 10);
	fake_now = T_MIDNIGHT - 1;
	ck_assert_uint_eq(ratelimit_take(rl, "d"), 1);
	/* At exactly midnight the count starts afresh, for five more calls. */
	fake_now = T_MIDNIGHT;
	for (k = 0; k < 5; k++)
		ck_assert_uint_eq(ratelimit_take(rl, "d"), 0);
	ck_assert_uint_eq(ratelimit_take(rl, "d"), 86400);
	fake_now = T_MIDNIGHT + 1;
	ck_assert_uint_eq(ratelimit_take(rl, "d"), 86400);
	fake_now = T_MIDNIGHT + DAY_US - US - 1;
	ck_assert_uint_eq(ratelimit_take(rl, "d"), 2);
	fake_now = T_MIDNIGHT + DAY_US;
	ck_assert_uint_eq(ratelimit_take(rl, "d"), 0);
	ck_assert_uint_eq(ratelimit_rejected(rl), 6);
	ratelimit_free(rl);
}
END_TEST

/* A client told 11 s at 10.5 s before midnight comes back at 0.5 s past it and is let in. */
START_TEST(test_daily_wait_exactly)
{
	struct ratelimit *rl = limiter(0, 0, 1);
	unsigned r;

	fake_now = T_MIDNIGHT - 10500000;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	r = ratelimit_take(rl, NULL);
	ck_assert_uint_eq(r, 11);
	fake_now = T_MIDNIGHT - 10500000 + (int64_t)(r - 1) * US;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	fake_now = T_MIDNIGHT - 10500000 + (int64_t)r * US;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ratelimit_free(rl);
}
END_TEST

/* Before 1970 the day number must round down, or the first day would end at the wrong time. */
START_TEST(test_daily_before_epoch)
{
	struct ratelimit *rl = limiter(0, 0, 1);

	fake_now = -1500000;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 2);
	fake_now = -1;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	fake_now = 0;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	fake_now = -DAY_US - 1;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_both_limits)
{
	struct ratelimit *rl = limiter_spec("3/s,5/day");
	struct ratelimit *slow = limiter(0.1, 0, 1);
	int k;

	/* The per-second limit bites first, while the day has room. */
	fake_now = T_MIDNIGHT - 100 * US;
	for (k = 0; k < 3; k++)
		ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	fake_now = T_MIDNIGHT - 99 * US;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	/* Five today: the daily wait of 99 s is longer than the per-second one and wins. */
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 99);
	fake_now = T_MIDNIGHT - 50 * US;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 50);
	/* The refused calls used no room: at midnight a full burst is there. */
	fake_now = T_MIDNIGHT;
	for (k = 0; k < 3; k++)
		ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);

	/* 0.1/s and 1/day, 2 s before midnight: the per-second wait of 10 s wins. */
	fake_now = T_MIDNIGHT - 2 * US;
	ck_assert_uint_eq(ratelimit_take(slow, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(slow, NULL), 10);
	fake_now = T_MIDNIGHT;
	ck_assert_uint_eq(ratelimit_take(slow, NULL), 8);
	fake_now = T_MIDNIGHT + 8 * US;
	ck_assert_uint_eq(ratelimit_take(slow, NULL), 0);
	ratelimit_free(rl);
	ratelimit_free(slow);
}
END_TEST

/* A call the daily limit refuses does not use the per-second bucket either. */
START_TEST(test_refused_counts_nothing)
{
	struct ratelimit *rl = limiter(1, 1, 2);
	int k;

	fake_now = T_MIDNIGHT - 10 * US;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	fake_now += US;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	/* Ten refusals a second before midnight: were they counted, the bucket would be full. */
	fake_now = T_MIDNIGHT - US;
	for (k = 0; k < 10; k++)
		ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	fake_now = T_MIDNIGHT;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	fake_now = T_MIDNIGHT + US;
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 86399);
	ck_assert_uint_eq(ratelimit_rejected(rl), 12);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_keys)
{
	struct ratelimit *rl = limiter_spec("gong");
	char key[16];
	int k;

	fake_now = T_NOON;
	for (k = 0; k < 3; k++)
		ck_assert_uint_eq(ratelimit_take(rl, "alice"), 0);
	ck_assert_uint_eq(ratelimit_take(rl, "alice"), 1);
	/* Other keys, and the company-wide bucket, have their own room. */
	for (k = 0; k < 3; k++)
		ck_assert_uint_eq(ratelimit_take(rl, "bob"), 0);
	ck_assert_uint_eq(ratelimit_take(rl, "bob"), 1);
	for (k = 0; k < 3; k++)
		ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	/* NULL and "" are the same company-wide bucket. */
	ck_assert_uint_eq(ratelimit_take(rl, ""), 1);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	/* Keys are copied: reusing the caller's buffer changes nothing. */
	strcpy(key, "carol");
	for (k = 0; k < 3; k++)
		ck_assert_uint_eq(ratelimit_take(rl, key), 0);
	strcpy(key, "dave");
	ck_assert_uint_eq(ratelimit_take(rl, key), 0);
	ck_assert_uint_eq(ratelimit_take(rl, "carol"), 1);
	/* A key that is a prefix of another is a different key. */
	ck_assert_uint_eq(ratelimit_take(rl, "ali"), 0);
	ck_assert_uint_eq(ratelimit_rejected(rl), 5);
	ratelimit_free(rl);
}
END_TEST

/* Many keys make the table grow; each keeps its own count through the moves. */
START_TEST(test_many_keys)
{
	struct ratelimit *rl = limiter(1, 2, 0);
	char key[32];
	int k;

	fake_now = T_NOON;
	for (k = 0; k < 5000; k++) {
		snprintf(key, sizeof(key), "key-%d", k);
		ck_assert_uint_eq(ratelimit_take(rl, key), 0);
	}
	for (k = 0; k < 5000; k++) {
		snprintf(key, sizeof(key), "key-%d", k);
		ck_assert_uint_eq(ratelimit_take(rl, key), 0);
		ck_assert_uint_eq(ratelimit_take(rl, key), 1);
	}
	ratelimit_free(rl);
}
END_TEST

/* Past 100,000 distinct keys, new keys share one bucket; known keys keep theirs. */
START_TEST(test_key_cap)
{
	struct ratelimit *rl = limiter(1, 1, 0);
	char key[32];
	int k;

	fake_now = T_NOON;
	for (k = 0; k < 100000; k++) {
		snprintf(key, sizeof(key), "%d", k);
		ck_assert_uint_eq(ratelimit_take(rl, key), 0);
	}
	ck_assert_uint_eq(ratelimit_take(rl, "new-1"), 0);
	ck_assert_uint_eq(ratelimit_take(rl, "new-2"), 1);
	ck_assert_uint_eq(ratelimit_take(rl, "new-3"), 1);
	ck_assert_uint_eq(ratelimit_take(rl, "99999"), 1);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	fake_now = T_NOON + US;
	ck_assert_uint_eq(ratelimit_take(rl, "new-3"), 0);
	ck_assert_uint_eq(ratelimit_take(rl, "new-1"), 1);
	ck_assert_uint_eq(ratelimit_take(rl, "99999"), 0);
	/* After a reset the table has room again. */
	ratelimit_reset(rl);
	ck_assert_uint_eq(ratelimit_take(rl, "new-1"), 0);
	ck_assert_uint_eq(ratelimit_take(rl, "new-2"), 0);
	ck_assert_uint_eq(ratelimit_take(rl, "new-2"), 1);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_reset)
{
	struct ratelimit *rl = limiter_spec("3/s,4/day");
	int k;

	fake_now = T_NOON;
	for (k = 0; k < 3; k++) {
		ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
		ck_assert_uint_eq(ratelimit_take(rl, "a"), 0);
	}
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	ck_assert_uint_eq(ratelimit_take(rl, "a"), 1);
	fake_now = T_NOON + US;
	ck_assert_uint_eq(ratelimit_take(rl, "a"), 0);
	ck_assert_uint_eq(ratelimit_take(rl, "a"), 43199);
	ck_assert_uint_eq(ratelimit_rejected(rl), 3);

	ratelimit_reset(rl);
	ck_assert_uint_eq(ratelimit_rejected(rl), 0);
	for (k = 0; k < 3; k++) {
		ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
		ck_assert_uint_eq(ratelimit_take(rl, "a"), 0);
	}
	ck_assert_uint_eq(ratelimit_take(rl, "a"), 1);
	ck_assert_uint_eq(ratelimit_rejected(rl), 1);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_off)
{
	struct ratelimit *rl = limiter_spec("off");
	int k;

	fake_now = T_NOON;
	for (k = 0; k < 10000; k++)
		ck_assert_uint_eq(ratelimit_take(rl, k % 2 ? "k" : NULL), 0);
	ck_assert_uint_eq(ratelimit_rejected(rl), 0);
	ratelimit_free(rl);
	ratelimit_free(NULL);
}
END_TEST

/* The real clock: a fresh limiter admits its burst at once, then refuses. */
START_TEST(test_real_clock)
{
	struct ratelimit_config c = {1, 2, 0};
	struct ratelimit *rl = ratelimit_create(&c, NULL);

	ck_assert_ptr_nonnull(rl);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 0);
	ck_assert_uint_eq(ratelimit_take(rl, NULL), 1);
	ratelimit_free(rl);
}
END_TEST

#define HAMMER_THREADS 8
#define HAMMER_CALLS 20000
#define HAMMER_RATE 2000
#define HAMMER_BURST 10u

struct hammer {
	struct ratelimit *rl;
	int id;
	unsigned admitted;     /* on the company-wide bucket */
	unsigned admitted_own; /* on this thread's own keys */
};

static void *
hammer_run(void *arg)
{
	struct hammer *h = arg;
	char key[32];
	int k;

	for (k = 0; k < HAMMER_CALLS; k++) {
		if (ratelimit_take(h->rl, NULL) == 0)
			h->admitted++;
		/* New keys now and then, so the table grows while others read it. */
		snprintf(key, sizeof(key), "t%d-%d", h->id, k % 500);
		if (ratelimit_take(h->rl, key) == 0)
			h->admitted_own++;
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct ratelimit_config c = {HAMMER_RATE, HAMMER_BURST, 0};
	struct ratelimit *rl = ratelimit_create(&c, NULL);
	struct hammer h[HAMMER_THREADS];
	pthread_t t[HAMMER_THREADS];
	uint64_t admitted = 0, own = 0, bound;
	int64_t start, elapsed;
	int i;

	ck_assert_ptr_nonnull(rl);
	start = harness_mono_us();
	for (i = 0; i < HAMMER_THREADS; i++) {
		h[i] = (struct hammer){rl, i, 0, 0};
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer_run, &h[i]), 0);
	}
	for (i = 0; i < HAMMER_THREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		admitted += h[i].admitted;
		own += h[i].admitted_own;
	}
	elapsed = harness_mono_us() - start;
	/*
	 * Over any span, GCRA admits at most the burst plus one call per interval begun; one
	 * more allows for the real clock and the monotonic one not ticking together.
	 */
	bound = HAMMER_BURST + (uint64_t)(elapsed * HAMMER_RATE / US) + 2;
	ck_assert_msg(admitted >= HAMMER_BURST && admitted <= bound,
	              "admitted %llu in %lld us, bound %llu", (unsigned long long)admitted,
	              (long long)elapsed, (unsigned long long)bound);
	/* Each own key gets its burst and at most its share of the rate. */
	ck_assert_uint_ge(own, (uint64_t)HAMMER_THREADS * 500 * HAMMER_BURST);
	ck_assert_uint_le(own, (uint64_t)HAMMER_THREADS * 500 * bound);
	ck_assert_uint_eq(ratelimit_rejected(rl),
	                  (uint64_t)HAMMER_THREADS * HAMMER_CALLS * 2 - admitted - own);
	ratelimit_free(rl);
}
END_TEST

/* A clock for threads: every reading is one microsecond after the one before. */
static atomic_int_fast64_t tick_now;

static int64_t
tick_clock(void)
{
	return atomic_fetch_add(&tick_now, 1);
}

#define TICK_THREADS 8
#define TICK_CALLS 50000

static void *
tick_run(void *arg)
{
	struct hammer *h = arg;
	int k;

	for (k = 0; k < TICK_CALLS; k++) {
		if (ratelimit_take(h->rl, NULL) == 0)
			h->admitted++;
	}
	return NULL;
}

/*
 * The limiter reads the clock under its lock, so calls are decided one microsecond apart in
 * clock order, whatever the threads do. At 100,000/s with a burst of 1 every tenth call is
 * admitted, exactly; a lost update under contention would admit more.
 */
START_TEST(test_threads_exact)
{
	struct ratelimit_config c = {100000, 1, 0};
	struct ratelimit *rl;
	struct hammer h[TICK_THREADS];
	pthread_t t[TICK_THREADS];
	uint64_t admitted = 0;
	int i;

	atomic_store(&tick_now, T_NOON);
	rl = ratelimit_create(&c, tick_clock);
	ck_assert_ptr_nonnull(rl);
	for (i = 0; i < TICK_THREADS; i++) {
		h[i] = (struct hammer){rl, i, 0, 0};
		ck_assert_int_eq(pthread_create(&t[i], NULL, tick_run, &h[i]), 0);
	}
	for (i = 0; i < TICK_THREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		admitted += h[i].admitted;
	}
	ck_assert_uint_eq(admitted, TICK_THREADS * TICK_CALLS / 10);
	ck_assert_uint_eq(ratelimit_rejected(rl), TICK_THREADS * TICK_CALLS - admitted);
	ratelimit_free(rl);
}
END_TEST

static Suite *
ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_parse_good);
	tcase_add_loop_test(tc, test_parse_bad, 0, (int)(sizeof bad_specs / sizeof bad_specs[0]));
	tcase_add_test(tc, test_parse_small_err);
	suite_add_tcase(s, tc);

	tc = tcase_create("per-second");
	tcase_add_test(tc, test_gong_burst);
	tcase_add_test(tc, test_steady_state);
	tcase_add_test(tc, test_explicit_burst);
	tcase_add_test(tc, test_retry_after_exact);
	tcase_add_loop_test(tc, test_retry_after_honest, 0, 5);
	tcase_add_test(tc, test_fractional_rate);
	tcase_add_test(tc, test_default_burst);
	suite_add_tcase(s, tc);

	tc = tcase_create("daily");
	tcase_add_test(tc, test_daily);
	tcase_add_test(tc, test_daily_wait_exactly);
	tcase_add_test(tc, test_daily_before_epoch);
	tcase_add_test(tc, test_both_limits);
	tcase_add_test(tc, test_refused_counts_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("buckets");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_many_keys);
	tcase_add_test(tc, test_key_cap);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_off);
	tcase_add_test(tc, test_real_clock);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_threads_exact);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(ratelimit_suite());
}
