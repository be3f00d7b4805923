/*
 * test_query.c - unit tests of query: splitting and percent-decoding the query string, its
 * caps, and the validation of fromDateTime, toDateTime, workspaceId and cursor with Gong's
 * exact messages.
 */
#include "query.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* 2025-06-12T17:38:36Z in microseconds, worked out independently of the code under test. */
#define T0 INT64_C(1749749916000000)

#define MSG_FROM_BAD "fromDateTime: must be a valid ISO-8601 date-time"
#define MSG_TO_BAD "toDateTime: must be a valid ISO-8601 date-time"
#define MSG_ORDER "fromDateTime: must be before toDateTime"
#define MSG_WS "workspaceId: must be a numeric id of up to 20 digits"

/*
 * The struct is large, so one lives here for each test; every test runs in its own process
 * under check's default fork mode, so they do not share it.
 */
static struct query q;

/*
 * Parses s from an exact-size heap copy, so a read past len is caught under
 * AddressSanitizer; the copy is freed at once, which is safe since query holds its own
 * decoded bytes.
 */
static int
parse_len(const char *s, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	rc = query_parse(&q, copy, len);
	memset(copy, '#', len);
	free(copy);
	return rc;
}

static int
parse(const char *s)
{
	return parse_len(s, strlen(s));
}

static void
assert_param(size_t i, const char *name, const char *value, size_t value_len)
{
	ck_assert_uint_lt(i, q.count);
	ck_assert_str_eq(q.params[i].name, name);
	ck_assert_uint_eq(q.params[i].value_len, value_len);
	ck_assert_mem_eq(q.params[i].value, value, value_len);
}

/* Demands that n bytes at p, and a NUL after them, lie inside q's own buffer. */
static void
assert_inside(const char *p, size_t n)
{
	uintptr_t lo = (uintptr_t)q.buf, hi = lo + sizeof q.buf, at = (uintptr_t)p;

	ck_assert_msg(at >= lo && at + n < hi, "%zu bytes at %p lie outside q.buf", n,
	              (const void *)p);
}

/* Filter results, filled with junk first so a field left unset shows. */
struct result {
	int rc;
	struct filter f;
	const char *cursor;
	size_t cursor_len;
	char err[128];
};

static struct result
filter_of(const char *s)
{
	struct result r;

	memset(&r, 0x5a, sizeof r);
	ck_assert_int_eq(parse(s), 0);
	r.err[0] = '\0';
	r.rc = query_filter(&q, &r.f, &r.cursor, &r.cursor_len, r.err, sizeof r.err);
	return r;
}

static void
assert_ok(const struct result *r)
{
	ck_assert_msg(r->rc == 0, "query_filter failed: %s", r->err);
}

static void
assert_fails(const char *s, const char *msg)
{
	struct result r = filter_of(s);

	ck_assert_msg(r.rc == -1, "accepted: %s", s);
	ck_assert_str_eq(r.err, msg);
}

/* Splitting and decoding. */

START_TEST(test_split)
{
	ck_assert_int_eq(parse("a=b&c=d"), 0);
	ck_assert_uint_eq(q.count, 2);
	assert_param(0, "a", "b", 1);
	assert_param(1, "c", "d", 1);
	ck_assert_uint_eq(strlen(q.params[0].value), 1);
}
END_TEST

START_TEST(test_empty)
{
	q.count = 99;
	ck_assert_int_eq(query_parse(&q, NULL, 0), 0);
	ck_assert_uint_eq(q.count, 0);
	ck_assert_int_eq(parse(""), 0);
	ck_assert_uint_eq(q.count, 0);
	ck_assert_int_eq(parse("&"), 0);
	ck_assert_uint_eq(q.count, 0);
	ck_assert_int_eq(parse("&&&&"), 0);
	ck_assert_uint_eq(q.count, 0);
	ck_assert_ptr_null(query_get(&q, ""));
}
END_TEST

START_TEST(test_empty_pieces_skipped)
{
	ck_assert_int_eq(parse("&a=1&&b=2&"), 0);
	ck_assert_uint_eq(q.count, 2);
	assert_param(0, "a", "1", 1);
	assert_param(1, "b", "2", 1);
}
END_TEST

START_TEST(test_no_equals)
{
	ck_assert_int_eq(parse("flag&a=&=v&=&b=x=y"), 0);
	ck_assert_uint_eq(q.count, 5);
	assert_param(0, "flag", "", 0);
	ck_assert_str_eq(q.params[0].value, "");
	assert_param(1, "a", "", 0);
	ck_assert_str_eq(q.params[1].value, "");
	assert_param(2, "", "v", 1);
	assert_param(3, "", "", 0);
	/* Only the first `=` splits. */
	assert_param(4, "b", "x=y", 3);
}
END_TEST

START_TEST(test_percent_decoding)
{
	ck_assert_int_eq(parse("t=17%3A38%3a36&o=%2B02%3A00&s=a+b&p=%2b&e=%3D%26"), 0);
	ck_assert_uint_eq(q.count, 5);
	assert_param(0, "t", "17:38:36", 8);
	assert_param(1, "o", "+02:00", 6);
	assert_param(2, "s", "a b", 3);
	assert_param(3, "p", "+", 1);
	/* Escaped separators do not split. */
	assert_param(4, "e", "=&", 2);
}
END_TEST

START_TEST(test_name_decoding)
{
	ck_assert_int_eq(parse("from%44ateTime=x&a+b=1&%61=2"), 0);
	ck_assert_uint_eq(q.count, 3);
	assert_param(0, "fromDateTime", "x", 1);
	assert_param(1, "a b", "1", 1);
	assert_param(2, "a", "2", 1);
	ck_assert_ptr_eq(query_get(&q, "fromDateTime"), &q.params[0]);
}
END_TEST

START_TEST(test_bad_escapes_kept)
{
	ck_assert_int_eq(parse("a=%G1&b=%&c=%4&d=%%41&e=%4G&f=100%&g=%%&h=%+"), 0);
	ck_assert_uint_eq(q.count, 8);
	assert_param(0, "a", "%G1", 3);
	assert_param(1, "b", "%", 1);
	assert_param(2, "c", "%4", 2);
	assert_param(3, "d", "%A", 2);
	assert_param(4, "e", "%4G", 3);
	assert_param(5, "f", "100%", 4);
	assert_param(6, "g", "%%", 2);
	assert_param(7, "h", "% ", 2);
}
END_TEST

START_TEST(test_trailing_percent_at_end)
{
	/* A `%` in the last one or two bytes cannot be an escape; nothing past len is read. */
	ck_assert_int_eq(parse_len("a=%41%", 6), 0);
	assert_param(0, "a", "A%", 2);
	ck_assert_int_eq(parse_len("a=%4", 4), 0);
	assert_param(0, "a", "%4", 2);
	ck_assert_int_eq(parse_len("%", 1), 0);
	ck_assert_uint_eq(q.count, 1);
	assert_param(0, "%", "", 0);
}
END_TEST

START_TEST(test_nul_in_value)
{
	ck_assert_int_eq(parse("a=x%00y&b=%00"), 0);
	ck_assert_uint_eq(q.count, 2);
	assert_param(0, "a", "x\0y", 3);
	assert_param(1, "b", "\0", 1);
}
END_TEST

START_TEST(test_nul_in_name_skipped)
{
	/* Cut at its NUL, the name would pass for fromDateTime. */
	ck_assert_int_eq(parse("fromDateTime%00x=2025-01-01T00:00:00Z&a=1&%00=2&b%00"), 0);
	ck_assert_uint_eq(q.count, 1);
	assert_param(0, "a", "1", 1);
	ck_assert_ptr_null(query_get(&q, "fromDateTime"));
}
END_TEST

START_TEST(test_reads_only_len)
{
	ck_assert_int_eq(query_parse(&q, "a=1&b=2", 3), 0);
	ck_assert_uint_eq(q.count, 1);
	assert_param(0, "a", "1", 1);
	ck_assert_int_eq(query_parse(&q, "a=%41", 4), 0);
	assert_param(0, "a", "%4", 2);
	ck_assert_int_eq(query_parse(&q, "abc", 0), 0);
	ck_assert_uint_eq(q.count, 0);
}
END_TEST

START_TEST(test_raw_bytes_pass_through)
{
	static const char raw[] = "n=\x01\xff\x80\x7f&\xc3\xa9=\x00z";

	ck_assert_int_eq(parse_len(raw, sizeof raw - 1), 0);
	ck_assert_uint_eq(q.count, 2);
	assert_param(0, "n", "\x01\xff\x80\x7f", 4);
	assert_param(1, "\xc3\xa9", "\0z", 2);
}
END_TEST

/* The caps. */

START_TEST(test_len_cap)
{
	char *s = malloc(QUERY_MAX_LEN + 2);

	ck_assert_ptr_nonnull(s);
	memset(s, 'v', QUERY_MAX_LEN + 1);
	memcpy(s, "a=", 2);
	ck_assert_int_eq(parse_len(s, QUERY_MAX_LEN), 0);
	ck_assert_uint_eq(q.count, 1);
	ck_assert_uint_eq(q.params[0].value_len, QUERY_MAX_LEN - 2);
	ck_assert_int_eq(q.params[0].value[QUERY_MAX_LEN - 3], 'v');
	ck_assert_int_eq(q.params[0].value[QUERY_MAX_LEN - 2], '\0');

	ck_assert_int_eq(parse_len(s, QUERY_MAX_LEN + 1), -1);
	ck_assert_uint_eq(q.count, 0);
	free(s);
}
END_TEST

/* A query of `n` pieces `pNN=v`, joined with `sep` (one or more `&`). */
static size_t
build_params(char *s, size_t size, int n, const char *sep)
{
	size_t len = 0;

	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, size - len, "%sp%d=v", i ? sep : "", i);
	return len;
}

START_TEST(test_param_cap)
{
	static char s[QUERY_MAX_LEN];
	char last[16];
	size_t len;

	len = build_params(s, sizeof s, QUERY_MAX_PARAMS, "&");
	ck_assert_int_eq(parse_len(s, len), 0);
	ck_assert_uint_eq(q.count, QUERY_MAX_PARAMS);
	snprintf(last, sizeof(last), "p%d", QUERY_MAX_PARAMS - 1);
	assert_param(QUERY_MAX_PARAMS - 1, last, "v", 1);

	len = build_params(s, sizeof s, QUERY_MAX_PARAMS + 1, "&");
	ck_assert_int_eq(parse_len(s, len), -1);
	ck_assert_uint_eq(q.count, 0);

	/* Empty pieces take no slot. */
	len = build_params(s, sizeof s, QUERY_MAX_PARAMS, "&&&");
	ck_assert_int_eq(parse_len(s, len), 0);
	ck_assert_uint_eq(q.count, QUERY_MAX_PARAMS);

	/* One piece past the cap fails even when it is only a name. */
	len = build_params(s, sizeof s, QUERY_MAX_PARAMS, "&");
	memcpy(s + len, "&x", 2);
	ck_assert_int_eq(parse_len(s, len + 2), -1);
}
END_TEST

START_TEST(test_buffer_worst_case)
{
	/*
	 * The most the decoded buffer must hold: QUERY_MAX_PARAMS pieces, as long as the cap
	 * on length allows, each a bare name (two NULs apiece).
	 */
	char *s = malloc(QUERY_MAX_LEN);
	size_t each = (QUERY_MAX_LEN - (QUERY_MAX_PARAMS - 1)) / QUERY_MAX_PARAMS, len = 0;

	ck_assert_ptr_nonnull(s);
	for (int i = 0; i < QUERY_MAX_PARAMS; i++) {
		if (i)
			s[len++] = '&';
		memset(s + len, 'a' + i % 26, each);
		len += each;
	}
	memset(s + len, 'z', QUERY_MAX_LEN - len);
	len = QUERY_MAX_LEN;
	ck_assert_int_eq(parse_len(s, len), 0);
	ck_assert_uint_eq(q.count, QUERY_MAX_PARAMS);
	ck_assert_uint_eq(strlen(q.params[0].name), each);
	ck_assert_uint_eq(strlen(q.params[QUERY_MAX_PARAMS - 1].name),
	                  each + QUERY_MAX_LEN - (QUERY_MAX_PARAMS * each + QUERY_MAX_PARAMS - 1));
	ck_assert_uint_eq(q.params[QUERY_MAX_PARAMS - 1].value_len, 0);
	/* Every name and value lies inside the struct's own buffer. */
	for (size_t i = 0; i < q.count; i++) {
		assert_inside(q.params[i].name, strlen(q.params[i].name));
		assert_inside(q.params[i].value, q.params[i].value_len);
	}
	free(s);
}
END_TEST

/* query_get. */

START_TEST(test_get)
{
	ck_assert_int_eq(parse("a=1&b=2&a=3&A=4"), 0);
	ck_assert_ptr_eq(query_get(&q, "a"), &q.params[0]);
	ck_assert_ptr_eq(query_get(&q, "b"), &q.params[1]);
	ck_assert_ptr_eq(query_get(&q, "A"), &q.params[3]);
	ck_assert_ptr_null(query_get(&q, "c"));
	ck_assert_ptr_null(query_get(&q, "a "));
	ck_assert_ptr_null(query_get(&q, ""));
}
END_TEST

/* query_filter. */

START_TEST(test_filter_nothing)
{
	struct result r = filter_of("");

	assert_ok(&r);
	ck_assert(!r.f.has_from);
	ck_assert(!r.f.has_to);
	ck_assert(!r.f.has_workspace);
	ck_assert_ptr_null(r.cursor);
	ck_assert_uint_eq(r.cursor_len, 0);
}
END_TEST

START_TEST(test_filter_all)
{
	struct result r =
	    filter_of("fromDateTime=2025-06-12T17:38:36Z&toDateTime=2025-06-13T00:"
	              "00:00.5Z&workspaceId=12345678901234567890&cursor=eyJh.eyJj.c2ln");

	assert_ok(&r);
	ck_assert(r.f.has_from);
	ck_assert_int_eq(r.f.from_us, T0);
	ck_assert(r.f.has_to);
	ck_assert_int_eq(r.f.to_us, INT64_C(1749772800500000));
	ck_assert(r.f.has_workspace);
	ck_assert_str_eq(r.f.workspace, "12345678901234567890");
	ck_assert_uint_eq(r.cursor_len, 14);
	ck_assert_mem_eq(r.cursor, "eyJh.eyJj.c2ln", 14);
	/* The cursor text lies inside q, which outlives the raw query. */
	assert_inside(r.cursor, r.cursor_len);
}
END_TEST

/* Every way clients write T0 in a query string. */
static const char *const encoded_dates[] = {
    "2025-06-12T17:38:36Z",
    "2025-06-12T17%3A38%3A36Z",
    "2025-06-12T17%3a38%3a36Z",
    "2025-06-12T17:38:36.000Z",
    "2025-06-12T17:38:36",
    "2025-06-12T17:38:36%2B00:00",
    "2025-06-12T17%3A38%3A36%2B00%3A00",
    "2025-06-12T19:38:36+02:00",
    "2025-06-12T19:38:36%2B02:00",
    "2025-06-12T19%3A38%3A36%2B0200",
    "2025-06-12T19:38:36+0200",
    "2025-06-12T19:38:36%2002:00",
    "2025-06-12T10:38:36-07:00",
    "2025-06-12T10%3A38%3A36-07%3A00",
    "2025-06-12T10:38:36%2D07:00",
    "2025-06-12+17:38:36Z",
    "%32025-06-12T17:38:36Z",
};

START_TEST(test_filter_date_forms)
{
	char s[128];
	struct result r;

	snprintf(s, sizeof s, "fromDateTime=%s", encoded_dates[_i]);
	r = filter_of(s);
	assert_ok(&r);
	ck_assert(r.f.has_from);
	ck_assert_int_eq(r.f.from_us, T0);
	ck_assert(!r.f.has_to);

	snprintf(s, sizeof s, "toDateTime=%s", encoded_dates[_i]);
	r = filter_of(s);
	assert_ok(&r);
	ck_assert(!r.f.has_from);
	ck_assert(r.f.has_to);
	ck_assert_int_eq(r.f.to_us, T0);
}
END_TEST

START_TEST(test_filter_fraction)
{
	struct result r = filter_of("fromDateTime=2025-06-12T17%3A38%3A36.197Z");

	assert_ok(&r);
	ck_assert_int_eq(r.f.from_us, T0 + 197000);
}
END_TEST

START_TEST(test_filter_bad_dates)
{
	assert_fails("fromDateTime=yesterday", MSG_FROM_BAD);
	assert_fails("fromDateTime=2025-06-12", MSG_FROM_BAD);
	assert_fails("fromDateTime=2025-13-01T00:00:00Z", MSG_FROM_BAD);
	assert_fails("fromDateTime=2025-02-29T00:00:00Z", MSG_FROM_BAD);
	assert_fails("fromDateTime=2025-06-12T24:00:00Z", MSG_FROM_BAD);
	assert_fails("fromDateTime=2025-06-12T17:38:36Zjunk", MSG_FROM_BAD);
	assert_fails("fromDateTime=2025-06-12T17:38:36%2B", MSG_FROM_BAD);
	assert_fails("fromDateTime=2025-06-12T17:38:36+", MSG_FROM_BAD);
	assert_fails("fromDateTime=+2025-06-12T17:38:36Z", MSG_FROM_BAD);
	assert_fails("fromDateTime=%202025-06-12T17:38:36Z", MSG_FROM_BAD);
	assert_fails("fromDateTime=2025-06-12T17:38:36Z%00", MSG_FROM_BAD);
	assert_fails("fromDateTime=2025-06-12T17:38:36%00Z", MSG_FROM_BAD);
	assert_fails("fromDateTime=%00", MSG_FROM_BAD);
	assert_fails("fromDateTime=2025-06-12T17:38:36.1234567891Z", MSG_FROM_BAD);
	assert_fails("toDateTime=yesterday", MSG_TO_BAD);
	assert_fails("toDateTime=2025-06-12T17:38:36Z%00", MSG_TO_BAD);
	assert_fails("fromDateTime=2025-06-12T17:38:36Z&toDateTime=2025-06-12", MSG_TO_BAD);
	/* With both bad, the message names fromDateTime, whatever the order in the query. */
	assert_fails("toDateTime=x&fromDateTime=y", MSG_FROM_BAD);
	assert_fails("fromDateTime=y&toDateTime=x", MSG_FROM_BAD);
}
END_TEST

START_TEST(test_filter_order)
{
	struct result r;

	assert_fails("fromDateTime=2025-06-12T17:38:36Z&toDateTime=2025-06-12T17:38:36Z",
	             MSG_ORDER);
	/* Equal instants written differently are still equal. */
	assert_fails("fromDateTime=2025-06-12T17:38:36Z&toDateTime=2025-06-12T19:38:36%2B02:00",
	             MSG_ORDER);
	assert_fails("fromDateTime=2025-06-12T17:38:36.000001Z&toDateTime=2025-06-12T17:38:36Z",
	             MSG_ORDER);
	assert_fails("toDateTime=2020-01-01T00:00:00Z&fromDateTime=2025-01-01T00:00:00Z",
	             MSG_ORDER);

	r = filter_of("fromDateTime=2025-06-12T17:38:36Z&toDateTime=2025-06-12T17:38:36.000001Z");
	assert_ok(&r);
	ck_assert_int_eq(r.f.to_us - r.f.from_us, 1);
}
END_TEST

START_TEST(test_filter_empty_is_absent)
{
	struct result r =
	    filter_of("fromDateTime=&toDateTime&workspaceId=&cursor=&fromDateTime=junk");

	assert_ok(&r);
	ck_assert(!r.f.has_from);
	ck_assert(!r.f.has_to);
	ck_assert(!r.f.has_workspace);
	ck_assert_ptr_null(r.cursor);
	ck_assert_uint_eq(r.cursor_len, 0);
}
END_TEST

START_TEST(test_filter_first_wins)
{
	struct result r;

	assert_fails("fromDateTime=junk&fromDateTime=2025-06-12T17:38:36Z", MSG_FROM_BAD);
	assert_fails("workspaceId=x&workspaceId=1", MSG_WS);

	r = filter_of("fromDateTime=2025-06-12T17:38:36Z&fromDateTime=junk&workspaceId=1&"
	              "workspaceId=x&cursor=first&cursor=second&toDateTime=2030-01-01T00:00:00Z&"
	              "toDateTime=2000-01-01T00:00:00Z");
	assert_ok(&r);
	ck_assert_int_eq(r.f.from_us, T0);
	ck_assert_int_eq(r.f.to_us, INT64_C(1893456000000000));
	ck_assert_str_eq(r.f.workspace, "1");
	ck_assert_uint_eq(r.cursor_len, 5);
	ck_assert_mem_eq(r.cursor, "first", 5);
}
END_TEST

START_TEST(test_filter_unknown_ignored)
{
	struct result r = filter_of("limit=5&FromDateTime=junk&fromdatetime=junk&workspaceid=x&"
	                            "fromDateTime =junk&foo&%00bar=1&Cursor=zz&page=2");

	assert_ok(&r);
	ck_assert(!r.f.has_from);
	ck_assert(!r.f.has_to);
	ck_assert(!r.f.has_workspace);
	ck_assert_ptr_null(r.cursor);
}
END_TEST

START_TEST(test_filter_workspace)
{
	struct result r;

	r = filter_of("workspaceId=12345678901234567890");
	assert_ok(&r);
	ck_assert(r.f.has_workspace);
	ck_assert_str_eq(r.f.workspace, "12345678901234567890");

	r = filter_of("workspaceId=7");
	assert_ok(&r);
	ck_assert_str_eq(r.f.workspace, "7");

	r = filter_of("workspaceId=007");
	assert_ok(&r);
	ck_assert_str_eq(r.f.workspace, "007");

	r = filter_of("workspaceId=%31%32");
	assert_ok(&r);
	ck_assert_str_eq(r.f.workspace, "12");

	r = filter_of("workspaceId=99999999999999999999");
	assert_ok(&r);
	ck_assert_str_eq(r.f.workspace, "99999999999999999999");
}
END_TEST

START_TEST(test_filter_bad_workspace)
{
	assert_fails("workspaceId=123456789012345678901", MSG_WS);
	assert_fails("workspaceId=000000000000000000001", MSG_WS);
	assert_fails("workspaceId=12a", MSG_WS);
	assert_fails("workspaceId=a", MSG_WS);
	assert_fails("workspaceId=-1", MSG_WS);
	assert_fails("workspaceId=%2B1", MSG_WS);
	assert_fails("workspaceId=+1", MSG_WS);
	assert_fails("workspaceId=1+", MSG_WS);
	assert_fails("workspaceId=1.0", MSG_WS);
	assert_fails("workspaceId=1e3", MSG_WS);
	assert_fails("workspaceId=0x1F", MSG_WS);
	assert_fails("workspaceId=1%00", MSG_WS);
	assert_fails("workspaceId=%001", MSG_WS);
	assert_fails("workspaceId=%00", MSG_WS);
	assert_fails("workspaceId=%D9%A1", MSG_WS);
	assert_fails("workspaceId=%B2", MSG_WS);
	/* The bytes just outside '0'-'9'. */
	assert_fails("workspaceId=1/2", MSG_WS);
	assert_fails("workspaceId=1:2", MSG_WS);
	assert_fails("workspaceId=%2F", MSG_WS);
	assert_fails("workspaceId=%3A", MSG_WS);
}
END_TEST

START_TEST(test_filter_check_order)
{
	/* Each field's own form is checked before the two dates are compared. */
	assert_fails("fromDateTime=2025-06-12T17:38:36Z&toDateTime=2025-01-01T00:00:00Z&"
	             "workspaceId=abc",
	             MSG_WS);
	assert_fails("workspaceId=abc&toDateTime=bad", MSG_TO_BAD);
	assert_fails("workspaceId=abc&fromDateTime=bad", MSG_FROM_BAD);
}
END_TEST

START_TEST(test_filter_cursor)
{
	struct result r;

	r = filter_of("cursor=eyJhbGciOiJIUzI1NiJ9.eyJ9.sig-_");
	assert_ok(&r);
	ck_assert_uint_eq(r.cursor_len, 31);
	ck_assert_mem_eq(r.cursor, "eyJhbGciOiJIUzI1NiJ9.eyJ9.sig-_", 31);
	ck_assert(!r.f.has_from);

	/* Decoded like any value; a NUL stays in, for the cursor check to refuse. */
	r = filter_of("cursor=a%2Bb+c%00d");
	assert_ok(&r);
	ck_assert_uint_eq(r.cursor_len, 7);
	ck_assert_mem_eq(r.cursor, "a+b c\0d", 7);

	/* A cursor alone, or beside the dates it came with. */
	r = filter_of("fromDateTime=2025-06-12T17:38:36Z&cursor=abc");
	assert_ok(&r);
	ck_assert(r.f.has_from);
	ck_assert_uint_eq(r.cursor_len, 3);
}
END_TEST

START_TEST(test_filter_err_buffer)
{
	char small[8];
	struct filter f;
	const char *cursor = NULL;
	size_t cursor_len = 0;

	ck_assert_int_eq(parse("workspaceId=x"), 0);
	memset(small, 'x', sizeof small);
	ck_assert_int_eq(query_filter(&q, &f, &cursor, &cursor_len, small, sizeof small), -1);
	ck_assert_str_eq(small, "workspa");
	ck_assert_int_eq(query_filter(&q, &f, &cursor, &cursor_len, NULL, 0), -1);
	small[0] = 'x';
	ck_assert_int_eq(query_filter(&q, &f, &cursor, &cursor_len, small, 0), -1);
	ck_assert_int_eq(small[0], 'x');
	small[1] = 'x';
	ck_assert_int_eq(query_filter(&q, &f, &cursor, &cursor_len, small, 1), -1);
	ck_assert_int_eq(small[0], '\0');
	ck_assert_int_eq(small[1], 'x');
}
END_TEST

static Suite *
query_suite(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_empty_pieces_skipped);
	tcase_add_test(tc, test_no_equals);
	tcase_add_test(tc, test_percent_decoding);
	tcase_add_test(tc, test_name_decoding);
	tcase_add_test(tc, test_bad_escapes_kept);
	tcase_add_test(tc, test_trailing_percent_at_end);
	tcase_add_test(tc, test_nul_in_value);
	tcase_add_test(tc, test_nul_in_name_skipped);
	tcase_add_test(tc, test_reads_only_len);
	tcase_add_test(tc, test_raw_bytes_pass_through);
	tcase_add_test(tc, test_get);
	suite_add_tcase(s, tc);

	tc = tcase_create("caps");
	tcase_add_test(tc, test_len_cap);
	tcase_add_test(tc, test_param_cap);
	tcase_add_test(tc, test_buffer_worst_case);
	suite_add_tcase(s, tc);

	tc = tcase_create("filter");
	tcase_add_test(tc, test_filter_nothing);
	tcase_add_test(tc, test_filter_all);
	tcase_add_loop_test(tc, test_filter_date_forms, 0,
	                    (int)(sizeof encoded_dates / sizeof encoded_dates[0]));
	tcase_add_test(tc, test_filter_fraction);
	tcase_add_test(tc, test_filter_bad_dates);
	tcase_add_test(tc, test_filter_order);
	tcase_add_test(tc, test_filter_empty_is_absent);
	tcase_add_test(tc, test_filter_first_wins);
	tcase_add_test(tc, test_filter_unknown_ignored);
	tcase_add_test(tc, test_filter_workspace);
	tcase_add_test(tc, test_filter_bad_workspace);
	tcase_add_test(tc, test_filter_check_order);
	tcase_add_test(tc, test_filter_cursor);
	tcase_add_test(tc, test_filter_err_buffer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(query_suite());
}
