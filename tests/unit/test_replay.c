/*
 * test_replay.c - unit tests of replay: matching (parameters in any order, dates as instants),
 * request bodies by meaning (members in any order, dates as instants, id lists as sets, a null
 * cursor as none, numbers by value, credentials aside) and text bodies byte for byte, answers
 * in recorded order then the last repeated, rewinding, salted and unsalted fingerprints, the
 * cache of derived ones, requests with and without credentials kept apart when credentials
 * are not matched, miss messages (naming a body's fields) and their cut, cassettes recorded
 * before bodies were, and threads sharing the replay positions.
 */
#include "replay.h"

#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cassette.h"
#include "cassettes.h"
#include "harness.h"
#include "query.h"

/*
 * Replays GET /v2/calls?raw with an Authorization (NULL: none) whose value takes no part:
 * credentials are not matched, only whether there is one.
 */
static int
ask_as(struct replay *rp, const char *raw, const char *auth, struct cassette_answer *a, char *miss,
       size_t misslen)
{
	struct query q;

	cassettes_parse_query(&q, raw);
	memset(a, 0, sizeof(*a));
	if (miss != NULL && misslen > 0)
		miss[0] = '\0';
	return replay_match(rp, "GET", "/v2/calls", &q, 0, auth, a, miss, misslen);
}

/* ask_as that demands an answer; returns its line. */
static size_t
hit_as(struct replay *rp, const char *raw, const char *auth)
{
	struct cassette_answer a;
	char miss[1024];

	ck_assert_msg(ask_as(rp, raw, auth, &a, miss, sizeof(miss)) == 1, "miss: %s", miss);
	return a.line;
}

/* ask_as that demands a miss, into miss. */
static void
missed_as(struct replay *rp, const char *raw, const char *auth, char *miss, size_t misslen)
{
	struct cassette_answer a;

	ck_assert_msg(ask_as(rp, raw, auth, &a, miss, misslen) == 0, "hit line %zu", a.line);
}

START_TEST(test_replay_exact_and_any_order)
{
	char path[64], text[4096] = "";
	struct cassette *c;
	struct replay *rp;
	struct cassette_answer a;

	cassettes_add_line(
	    text, sizeof(text),
	    "[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"],[\"toDateTime\",\"2025-02-01T00:00:"
	    "00Z\"],[\"workspaceId\",\"5\"]]",
	    "", 200, "{\"requestId\":\"one\", \"calls\":[ ]}");
	cassettes_add_line(text, sizeof(text), "[]", "", 404, "{\"errors\":[\"No calls found\"]}");
	rp = cassettes_load(path, text, &c);
	ck_assert_int_eq(
	    cassettes_ask(rp, "GET", "/v2/calls",
	                  "fromDateTime=2025-01-01T00:00:00Z&toDateTime=2025-02-01T00:00:00Z&"
	                  "workspaceId=5",
	                  NULL, &a, NULL, 0),
	    1);
	ck_assert_uint_eq(a.status, 200);
	ck_assert_str_eq(a.body, "{\"requestId\":\"one\",\"calls\":[]}");
	ck_assert_str_eq(a.content_type, CT_JSON);
	ck_assert_uint_eq(a.line, 1);
	ck_assert_uint_eq(
	    cassettes_hit(
	        rp, "GET", "/v2/calls",
	        "workspaceId=5&toDateTime=2025-02-01T00:00:00Z&fromDateTime=2025-01-01T00:00:00Z",
	        NULL),
	    1);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "", NULL), 2);
	ck_assert_int_eq(replay_match(rp, "GET", "/v2/calls", NULL, 0, NULL, &a, NULL, 0), 1);
	ck_assert_uint_eq(a.status, 404);
	/* The method and the path must match too. */
	ck_assert_int_eq(cassettes_ask(rp, "POST", "/v2/calls", "", NULL, &a, NULL, 0), 0);
	ck_assert_int_eq(cassettes_ask(rp, "GET", "/v2/calls/", "", NULL, &a, NULL, 0), 0);
	/* One parameter more or less is another request. */
	ck_assert_int_eq(cassettes_ask(rp, "GET", "/v2/calls", "limit=5", NULL, &a, NULL, 0), 0);
	ck_assert_int_eq(
	    cassettes_ask(rp, "GET", "/v2/calls",
	                  "fromDateTime=2025-01-01T00:00:00Z&toDateTime=2025-02-01T00:00:00Z", NULL,
	                  &a, NULL, 0),
	    0);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

START_TEST(test_replay_date_forms)
{
	static const char *const same[] = {
	    "fromDateTime=2025-01-01T00:00:00Z",
	    "fromDateTime=2025-01-01T00%3A00%3A00Z",
	    "fromDateTime=2025-01-01T00:00:00%2B00:00",
	    "fromDateTime=2025-01-01T00%3A00%3A00%2B00%3A00",
	    "fromDateTime=2025-01-01T01:00:00%2B01:00",
	    "fromDateTime=2024-12-31T19:00:00-05:00",
	    "fromDateTime=2025-01-01T00:00:00.000Z",
	    "fromDateTime=2025-01-01T00:00:00",
	};
	char path[64], text[4096] = "", miss[512];
	struct cassette *c;
	struct replay *rp;

	cassettes_add_line(text, sizeof(text), "[[\"fromDateTime\",\"2025-01-01T00:00:00+00:00\"]]",
	                   "", 200, "{\"n\":1}");
	cassettes_add_line(text, sizeof(text), "[[\"toDateTime\",\"2025-01-01T01:00:00+01:00\"]]",
	                   "", 200, "{\"n\":2}");
	cassettes_add_line(text, sizeof(text), "[[\"workspaceId\",\"2025-01-01T00:00:00Z\"]]", "",
	                   200, "{\"n\":3}");
	cassettes_add_line(text, sizeof(text), "[[\"fromDateTime\",\"not a date\"]]", "", 200,
	                   "{\"n\":4}");
	rp = cassettes_load(path, text, &c);
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		ck_assert_msg(cassettes_hit(rp, "GET", "/v2/calls", same[i], NULL) == 1, "%s",
		              same[i]);
	ck_assert_uint_eq(
	    cassettes_hit(rp, "GET", "/v2/calls", "toDateTime=2025-01-01T00:00:00Z", NULL), 2);
	/* A second off is another instant. */
	cassettes_missed(rp, "GET", "/v2/calls", "fromDateTime=2025-01-01T00:00:01Z", NULL, miss,
	                 sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?fromDateTime=2025-01-01T00:00:"
	                       "01Z; closest recorded (line 1): GET /v2/calls?fromDateTime=2025-01-"
	                       "01T00:00:00+00:00, differs in fromDateTime");
	/* Other parameters compare as text, even when they look like dates. */
	ck_assert_uint_eq(
	    cassettes_hit(rp, "GET", "/v2/calls", "workspaceId=2025-01-01T00:00:00Z", NULL), 3);
	cassettes_missed(rp, "GET", "/v2/calls", "workspaceId=2025-01-01T00:00:00%2B00:00", NULL,
	                 miss, sizeof(miss));
	/* A date that does not parse matches only its own text. */
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "fromDateTime=not+a+date", NULL),
	                  4);
	cassettes_missed(rp, "GET", "/v2/calls", "fromDateTime=not+a+datE", NULL, miss,
	                 sizeof(miss));
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

START_TEST(test_replay_repeats_in_order_then_last)
{
	char path[64], text[4096] = "";
	struct cassette *c;
	struct replay *rp;

	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", "", 200, "{\"n\":1}");
	cassettes_add_line(text, sizeof(text), "[[\"b\",\"1\"]]", "", 200, "{\"n\":2}");
	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", "", 429, "{\"n\":3}");
	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", "", 200, "{\"n\":4}");
	cassettes_add_line(text, sizeof(text), "[[\"b\",\"1\"]]", "", 200, "{\"n\":5}");
	rp = cassettes_load(path, text, &c);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", NULL), 1);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "b=1", NULL), 2);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", NULL), 3);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", NULL), 4);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", NULL), 4);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", NULL), 4);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "b=1", NULL), 5);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "b=1", NULL), 5);
	replay_rewind(rp);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", NULL), 1);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "b=1", NULL), 2);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", NULL), 3);
	/* With fingerprints the positions are kept apart, and rewound too. */
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", ANON), 1);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", ANON), 3);
	replay_rewind(rp);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", ANON), 1);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", NULL), 1);
	replay_rewind(NULL);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

START_TEST(test_replay_fingerprint_only_when_asked)
{
	char path[64], text[4096] = "", miss[512];
	struct cassette *c;
	struct replay *rp;

	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP_TOK1, 200, "{\"n\":1}");
	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP_TOK2, 200, "{\"n\":2}");
	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP_TOK1, 200, "{\"n\":3}");
	rp = cassettes_load(path, text, &c);
	/* Without a fingerprint, which credential does not matter: one group of three. */
	ck_assert_uint_eq(hit_as(rp, "a=1", AUTH_BASIC), 1);
	ck_assert_uint_eq(hit_as(rp, "a=1", AUTH_TOK2), 2);
	ck_assert_uint_eq(hit_as(rp, "a=1", AUTH_BASIC), 3);
	/* But whether there is one does. */
	missed_as(rp, "a=1", NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?a=1; closest recorded (line "
	                       "1): GET /v2/calls?a=1, recorded with credentials; this request "
	                       "has none");
	/* With one, each credential has its own answers. */
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", AUTH_TOK2), 2);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", AUTH_TOK1), 1);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", AUTH_TOK2), 2);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", AUTH_TOK1), 3);
	cassettes_missed(rp, "GET", "/v2/calls", "a=1", AUTH_BASIC, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls?a=1 with credential " FP_BASIC
	                 "; closest recorded (line 1): GET /v2/calls?a=1 with credential " FP_TOK1
	                 ", differs in credential");
	cassettes_missed(rp, "GET", "/v2/calls", "a=2", ANON, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls?a=2 with no credential; closest "
	                 "recorded (line 1): GET /v2/calls?a=1 with credential " FP_TOK1
	                 ", differs in a, credential");
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/*
 * Credentials unmatched, an answer recorded without one (a 401 to a client that forgot its
 * key) never answers a request with one, nor the reverse, and the miss says which it was.
 */
START_TEST(test_replay_with_and_without_credentials_apart)
{
	char path[64], text[4096] = "", miss[512];
	struct cassette *c;
	struct replay *rp;
	struct cassette_answer a;

	cassettes_add_line(text, sizeof(text), "[[\"x\",\"1\"]]", "", 401,
	                   "{\"errors\":[\"Validate credentials failed\"]}");
	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP1000_TOK1, 200, "{\"n\":2}");
	cassettes_add_line(text, sizeof(text), "[[\"b\",\"1\"]]", "", 200, "{\"n\":3}");
	cassettes_add_line(text, sizeof(text), "[[\"b\",\"1\"]]", FP_TOK2, 200, "{\"n\":4}");
	rp = cassettes_load(path, text, &c);

	missed_as(rp, "x=1", AUTH_TOK1, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?x=1; closest recorded (line "
	                       "1): GET /v2/calls?x=1, recorded without credentials; this request "
	                       "has some");
	ck_assert_int_eq(ask_as(rp, "x=1", NULL, &a, NULL, 0), 1);
	ck_assert_uint_eq(a.status, 401);

	missed_as(rp, "a=1", NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?a=1; closest recorded (line "
	                       "2): GET /v2/calls?a=1, recorded with credentials; this request "
	                       "has none");
	ck_assert_uint_eq(hit_as(rp, "a=1", AUTH_TOK2), 2);
	/* With other differences too, each is named. */
	missed_as(rp, "x=2", AUTH_BASIC, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?x=2; closest recorded (line "
	                       "1): GET /v2/calls?x=1, differs in x, recorded without "
	                       "credentials; this request has some");

	/* Identical requests of both kinds keep their own order. */
	ck_assert_uint_eq(hit_as(rp, "b=1", AUTH_TOK1), 4);
	ck_assert_uint_eq(hit_as(rp, "b=1", NULL), 3);
	ck_assert_uint_eq(hit_as(rp, "b=1", AUTH_TOK1), 4);
	ck_assert_uint_eq(hit_as(rp, "b=1", NULL), 3);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

START_TEST(test_replay_miss_messages)
{
	char path[64], text[8192] = "", miss[512];
	struct cassette *c;
	struct replay *rp;

	cassettes_add_line(text, sizeof(text),
	                   "[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"],[\"workspaceId\",\"1\"]]",
	                   "", 200, "{}");
	strcat(text,
	       "{\"request\":{\"method\":\"POST\",\"path\":\"/v2/calls\",\"query\":[[\"fromDate"
	       "Time\",\"2025-02-01T00:00:00Z\"]]},\"response\":{\"status\":201}}\n");
	cassettes_add_line(text, sizeof(text), "[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"]]", "",
	                   200, "{}");
	cassettes_add_line(text, sizeof(text), "[[\"fromDateTime\",\"2025-03-01T00:00:00Z\"]]", "",
	                   200, "{}");
	cassettes_add_line(text, sizeof(text), "[[\"x\",\"1\"],[\"x\",\"2\"]]", "", 200, "{}");
	rp = cassettes_load(path, text, &c);

	cassettes_missed(rp, "GET", "/v2/calls", "fromDateTime=2025-02-01T00:00:00Z", NULL, miss,
	                 sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?fromDateTime=2025-02-01T00:00:"
	                       "00Z; closest recorded (line 3): GET /v2/calls?fromDateTime=2025-01-"
	                       "01T00:00:00Z, differs in fromDateTime");

	cassettes_missed(rp, "GET", "/v2/users", "", NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/users; nothing was recorded for GET "
	                       "/v2/users");
	cassettes_missed(rp, "DELETE", "/v2/calls", "a=1", NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for DELETE /v2/calls?a=1; nothing was recorded for "
	                 "DELETE /v2/calls");

	/* Two differences on lines 1 and 3 alike: the earlier wins; names in sorted order. */
	cassettes_missed(rp, "GET", "/v2/calls",
	                 "workspaceId=2&fromDateTime=2025-01-01T00:00:00Z&cursor=c", NULL, miss,
	                 sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls?workspaceId=2&fromDateTime=2025-"
	                 "01-01T00:00:00Z&cursor=c; closest recorded (line 1): GET /v2/calls?"
	                 "fromDateTime=2025-01-01T00:00:00Z&workspaceId=1, differs in cursor, "
	                 "workspaceId");

	/* Fewest differences wins over earliest: line 4 differs in one, lines 1 and 3 in two. */
	cassettes_missed(rp, "GET", "/v2/calls", "fromDateTime=2025-03-01T00:00:00Z&workspaceId=7",
	                 NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls?fromDateTime=2025-03-01T00:00:"
	                 "00Z&workspaceId=7; closest recorded (line 4): GET /v2/calls?fromDateT"
	                 "ime=2025-03-01T00:00:00Z, differs in workspaceId");
	cassettes_missed(rp, "GET", "/v2/calls", "fromDateTime=2025-03-01T00:00:00Z&limit=1", NULL,
	                 miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?fromDateTime=2025-03-01T00:00:"
	                       "00Z&limit=1; closest recorded (line 4): GET /v2/calls?fromDateTime="
	                       "2025-03-01T00:00:00Z, differs in limit");

	/* A repeated name differs when its values differ as a whole. */
	cassettes_missed(rp, "GET", "/v2/calls", "x=2&x=3", NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls?x=2&x=3; closest recorded (line "
	                 "5): GET /v2/calls?x=1&x=2, differs in x");
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "x=2&x=1", NULL), 5);
	cassettes_missed(rp, "GET", "/v2/calls", "x=1", NULL, miss, sizeof(miss));
	ck_assert_ptr_nonnull(strstr(miss, "(line 5)"));

	/* No parameters at all. */
	cassettes_missed(rp, "GET", "/v2/calls", "", NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls; closest recorded (line 3): GET "
	                 "/v2/calls?fromDateTime=2025-01-01T00:00:00Z, differs in fromDateTime");

	/* Control bytes cannot break the message into lines. */
	cassettes_missed(rp, "GET", "/v2/calls", "a=x%0Ay%09", NULL, miss, sizeof(miss));
	ck_assert_ptr_nonnull(strstr(miss, "GET /v2/calls?a=x%0Ay%09;"));
	ck_assert_ptr_null(strchr(miss, '\n'));
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* True when s is well-formed UTF-8 (checked here, independently of the code under test). */
static bool
is_utf8(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u != '\0') {
		size_t n = *u < 0x80 ? 1 : (*u & 0xe0) == 0xc0 ? 2 : (*u & 0xf0) == 0xe0 ? 3 : 4;

		for (size_t i = 1; i < n; i++)
			if ((u[i] & 0xc0) != 0x80)
				return false;
		u += n;
	}
	return true;
}

START_TEST(test_replay_miss_cut_to_length)
{
	char path[64], text[4096] = "", full[1024], miss[1024];
	struct cassette *c;
	struct replay *rp;
	size_t len;

	cassettes_add_line(text, sizeof(text), "[[\"title\",\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"]]",
	                   "", 200, "{}");
	rp = cassettes_load(path, text, &c);
	cassettes_missed(rp, "GET", "/v2/calls", "title=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9", NULL, full,
	                 sizeof(full));
	len = strlen(full);
	ck_assert_uint_gt(len, 60);
	for (size_t cap = 1; cap <= len + 1; cap++) {
		memset(miss, 'Z', sizeof(miss));
		cassettes_missed(rp, "GET", "/v2/calls", "title=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9",
		                 NULL, miss, cap);
		ck_assert_uint_lt(strlen(miss), cap);
		ck_assert_int_eq(miss[cap], 'Z');
		ck_assert_msg(is_utf8(miss), "cut inside a character at %zu: %s", cap, miss);
		if (cap == len + 1) {
			ck_assert_str_eq(miss, full);
		} else if (cap >= 4) {
			size_t n = strlen(miss);

			ck_assert_str_eq(miss + n - 3, "...");
			ck_assert_int_eq(strncmp(miss, full, n - 3), 0);
			ck_assert_uint_ge(n + 2, cap);
		}
	}
	/* No room at all is not a crash. */
	cassettes_missed(rp, "GET", "/v2/calls", "", NULL, NULL, 0);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* A cursor is a value like any other: each page answered as recorded. */
START_TEST(test_replay_cursor_pages)
{
	char path[64], text[8192] = "", miss[512];
	struct cassette *c;
	struct replay *rp;
	struct cassette_answer a;
	json_t *page;
	const char *cursor;
	char raw[256];

	cassettes_add_line(
	    text, sizeof(text), "[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"]]", FP1000_TOK1, 200,
	    "{\"requestId\":\"p0\",\"records\":{\"totalRecords\":3,\"currentPageSize\":2,"
	    "\"currentPageNumber\":0,\"cursor\":\"eyJhbGciOiJIUzI1NiJ9.eyJuIjoxfQ.c2ln\"},"
	    "\"calls\":[{\"id\":\"1\"},{\"id\":\"2\"}]}");
	cassettes_add_line(
	    text, sizeof(text),
	    "[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"],[\"cursor\",\"eyJhbGciOiJIUzI1NiJ9."
	    "eyJuIjoxfQ.c2ln\"]]",
	    FP1000_TOK1, 200,
	    "{\"requestId\":\"p1\",\"records\":{\"totalRecords\":3,\"currentPageSize\":1,"
	    "\"currentPageNumber\":1},\"calls\":[{\"id\":\"3\"}]}");
	cassettes_add_line(text, sizeof(text),
	                   "[[\"cursor\",\"eyJhbGciOiJIUzI1NiJ9.eyJuIjoxfQ.c2ln\"]]", FP1000_TOK1,
	                   400, "{\"errors\":[\"cursor has expired\"]}");
	rp = cassettes_load(path, text, &c);
	ck_assert_int_eq(cassettes_ask(rp, "GET", "/v2/calls", "fromDateTime=2025-01-01T00:00:00Z",
	                               AUTH_TOK1, &a, miss, sizeof(miss)),
	                 1);
	page = json_loads(a.body, 0, NULL);
	cursor = json_string_value(json_object_get(json_object_get(page, "records"), "cursor"));
	ck_assert_str_eq(cursor, "eyJhbGciOiJIUzI1NiJ9.eyJuIjoxfQ.c2ln");
	snprintf(raw, sizeof(raw), "fromDateTime=2025-01-01T00:00:00Z&cursor=%s", cursor);
	json_decref(page);
	ck_assert_int_eq(
	    cassettes_ask(rp, "GET", "/v2/calls", raw, AUTH_TOK1, &a, miss, sizeof(miss)), 1);
	ck_assert_str_eq(a.body,
	                 "{\"requestId\":\"p1\",\"records\":{\"totalRecords\":3,"
	                 "\"currentPageSize\":1,\"currentPageNumber\":1},\"calls\":[{\"id\":"
	                 "\"3\"}]}");
	/* The cursor alone is another request, recorded with its own answer. */
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls",
	                                "cursor=eyJhbGciOiJIUzI1NiJ9.eyJuIjoxfQ.c2ln", AUTH_TOK1),
	                  3);
	cassettes_missed(rp, "GET", "/v2/calls",
	                 "fromDateTime=2025-01-01T00:00:00Z&cursor=eyJother", AUTH_TOK1, miss,
	                 sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls?fromDateTime=2025-01-01T00:00:"
	                 "00Z&cursor=eyJother with credential 100c2e6fa8596d59; closest recorded "
	                 "(line 1): GET /v2/calls?fromDateTime=2025-01-01T00:00:00Z with "
	                 "credential 100c2e6fa8596d59, differs in cursor");
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

#define GROUP 200
#define REPLAYERS 4
#define CRED_THREADS 4
#define CRED_ROUNDS 50

/* One thread's requests for a=1, with credentials matched when auth is set. */
struct replayer {
	struct replay *rp;
	const char *auth; /* NULL: credentials do not count */
	size_t rounds;    /* at most GROUP */
	size_t lines[GROUP];
	int failures; /* misses */
};

static void *
replayer_run(void *arg)
{
	struct replayer *r = arg;
	struct query q;

	if (query_parse(&q, "a=1", 3) != 0) {
		r->failures++;
		return NULL;
	}
	for (size_t i = 0; i < r->rounds; i++) {
		struct cassette_answer a = {0};

		if (replay_match(r->rp, "GET", "/v2/calls", &q, r->auth != NULL, r->auth, &a, NULL,
		                 0) != 1)
			r->failures++;
		r->lines[i] = a.line;
	}
	return NULL;
}

/* Threads sharing a group: every recorded answer is handed out once, then the last repeats. */
START_TEST(test_replay_threads_share_positions)
{
	static char text[GROUP * 300];
	static struct replayer r[REPLAYERS];
	pthread_t t[REPLAYERS];
	size_t count[GROUP + 1] = {0};
	char path[64];
	struct cassette *c;
	struct replay *rp;

	text[0] = '\0';
	for (size_t i = 0; i < GROUP; i++)
		cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", "", 200, "{}");
	rp = cassettes_load(path, text, &c);
	for (size_t i = 0; i < REPLAYERS; i++) {
		r[i].rp = rp;
		r[i].auth = NULL;
		r[i].rounds = GROUP;
		r[i].failures = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, replayer_run, &r[i]), 0);
	}
	for (size_t i = 0; i < REPLAYERS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(r[i].failures, 0);
		for (size_t k = 0; k < GROUP; k++) {
			ck_assert(r[i].lines[k] >= 1 && r[i].lines[k] <= GROUP);
			count[r[i].lines[k]]++;
		}
	}
	for (size_t line = 1; line < GROUP; line++)
		ck_assert_uint_eq(count[line], 1);
	ck_assert_uint_eq(count[GROUP], (REPLAYERS - 1) * GROUP + 1);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* Salted lines match the credential they were made from, and only that one. */
START_TEST(test_replay_salted_fingerprints)
{
	char path[64], text[4096] = "", miss[512];
	struct cassette *c;
	struct replay *rp;

	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP1000_TOK1, 200, "{\"n\":1}");
	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP1000_TOK2, 200, "{\"n\":2}");
	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", "", 200, "{\"n\":3}");
	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP1000_EMPTY, 200, "{\"n\":4}");
	rp = cassettes_load(path, text, &c);
	ck_assert_ptr_null(cassette_warning(c, 0));
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", AUTH_TOK2), 2);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", AUTH_TOK1), 1);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", ANON), 3);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", ""), 4);
	/* Unmatched, an empty Authorization is a credential still. */
	ck_assert_uint_eq(hit_as(rp, "a=1", ""), 1);
	ck_assert_uint_eq(hit_as(rp, "a=1", NULL), 3);
	/* The message shows the hash of each fingerprint, never a credential. */
	cassettes_missed(rp, "GET", "/v2/calls", "a=1", AUTH_BASIC, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?a=1 with credential "
	                       "c5e9396b7a701028; closest recorded (line 1): GET /v2/calls?a=1 "
	                       "with credential 100c2e6fa8596d59, differs in credential");
	cassettes_missed(rp, "GET", "/v2/calls", "a=2", AUTH_TOK2, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?a=2 with credential "
	                       "700bc945f68629d7; closest recorded (line 2): GET /v2/calls?a=1 "
	                       "with credential 700bc945f68629d7, differs in a");
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* Lines salted otherwise than the first salted one cannot match, and the load says so. */
START_TEST(test_replay_foreign_salt)
{
	char path[64], text[4096] = "", miss[512];
	struct cassette *c;
	struct replay *rp;
	char *w;

	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", "", 200, "{\"n\":1}");
	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"],[\"b\",\"1\"]]", FP1000_TOK1, 200,
	                   "{\"n\":2}");
	cassettes_add_line(text, sizeof(text), "[[\"a\",\"2\"]]", FP1000_TOK1_A5, 200, "{\"n\":3}");
	cassettes_add_line(text, sizeof(text), "[[\"a\",\"3\"]]", "pbkdf2-sha256$1000$zz$00", 200,
	                   "{\"n\":4}");
	rp = cassettes_load(path, text, &c);
	w = cassettes_warning(c, 0, path);
	ck_assert_str_eq(w, "FILE: 2 exchanges (line 3 first) hold credential fingerprints not "
	                    "salted as line 2 is (joined from another recording, or edited): when "
	                    "credentials are matched, they match no request");
	free(w);
	ck_assert_ptr_null(cassette_warning(c, 1));
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "b=1&a=1", AUTH_TOK1), 2);
	cassettes_missed(rp, "GET", "/v2/calls", "a=2", AUTH_TOK1, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?a=2 with credential "
	                       "100c2e6fa8596d59; closest recorded (line 3): GET /v2/calls?a=2 "
	                       "with credential 94442c8d931dc9ba, differs in credential");
	/* Credentials unmatched, they answer any request with a credential. */
	ck_assert_uint_eq(hit_as(rp, "a=2", AUTH_TOK1), 3);
	ck_assert_uint_eq(hit_as(rp, "a=3", AUTH_BASIC), 4);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/*
 * A replay of many requests with one credential pays the derivation once: here 2,000
 * replays, each of which would cost what the first did without the cache, must take less
 * than ten times the first.
 */
START_TEST(test_replay_derives_once_per_credential)
{
	char path[64], text[4096] = "";
	struct cassette *c;
	struct replay *rp;
	double t0, first, rest;

	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP600K_TOK1, 200, "{\"n\":1}");
	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP600K_TOK2, 200, "{\"n\":2}");
	rp = cassettes_load(path, text, &c);
	t0 = cassettes_mono_s();
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", AUTH_TOK1), 1);
	first = cassettes_mono_s() - t0;
	ck_assert_msg(first > 0.01, "the first replay took %.6f s: no derivation?", first);
	t0 = cassettes_mono_s();
	for (int i = 0; i < 2000; i++)
		ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", AUTH_TOK1), 1);
	rest = cassettes_mono_s() - t0;
	ck_assert_msg(rest < 10 * first, "2000 replays took %.3f s, the first %.3f s", rest, first);
	/* Another credential is derived on its own, and cached on its own. */
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", AUTH_TOK2), 2);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "a=1", AUTH_TOK1), 1);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* Threads asking with two credentials at once, from the first request on, each get theirs. */
START_TEST(test_replay_threads_with_credentials)
{
	char path[64], text[4096] = "";
	static struct replayer r[CRED_THREADS];
	pthread_t t[CRED_THREADS];
	struct cassette *c;
	struct replay *rp;

	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP1000_TOK1, 200, "{\"n\":1}");
	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP1000_TOK2, 200, "{\"n\":2}");
	rp = cassettes_load(path, text, &c);
	for (size_t i = 0; i < CRED_THREADS; i++) {
		r[i] = (struct replayer){rp, i % 2 ? AUTH_TOK2 : AUTH_TOK1, CRED_ROUNDS, {0}, 0};
		ck_assert_int_eq(pthread_create(&t[i], NULL, replayer_run, &r[i]), 0);
	}
	for (size_t i = 0; i < CRED_THREADS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(r[i].failures, 0);
		for (size_t k = 0; k < CRED_ROUNDS; k++)
			ck_assert_uint_eq(r[i].lines[k], i % 2 ? 2 : 1);
	}
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

#define EXT "/v2/calls/extensive"
#define USERS "/v2/users/extensive"
#define TRANSCRIPT "/v2/calls/transcript"

/* A POST /v2/calls/extensive body as a client sends the first page's, and the second's. */
#define EXT_FILTER                                                                                 \
	"{\"filter\":{\"fromDateTime\":\"2025-01-01T00:00:00Z\",\"toDateTime\":"                   \
	"\"2025-02-01T00:00:00Z\",\"callIds\":[\"3\",\"1\",\"2\"]},\"contentSelector\":{"          \
	"\"context\":\"Extended\",\"contextTiming\":[\"Now\",\"TimeOfCall\"],"                     \
	"\"exposedFields\":{\"parties\":true}},"
#define EXT_BODY EXT_FILTER "\"cursor\":null}"
#define EXT_BODY_C2 EXT_FILTER "\"cursor\":\"c2\"}"

/* The cassette the body tests share: POSTs with JSON and text bodies, a GET, a bare POST. */
static struct replay *
load_bodies(char path[64], struct cassette **c)
{
	static char text[8192];

	text[0] = '\0';
	cassettes_add_body_line(text, sizeof(text), "POST", EXT, EXT_BODY, 200, "{\"n\":1}");
	cassettes_add_body_line(text, sizeof(text), "POST", EXT, EXT_BODY_C2, 200, "{\"n\":2}");
	cassettes_add_body_line(
	    text, sizeof(text), "POST", USERS,
	    "{\"filter\":{\"userIds\":[\"9\",\"8\"],\"createdFromDateTime\":\"2024-06-01T12:00:00+"
	    "02:00\",\"includeAvatars\":false},\"limit\":100}",
	    200, "{\"n\":3}");
	cassettes_add_body_line(text, sizeof(text), "POST", TRANSCRIPT, "\"not json at all\"", 200,
	                        "{\"n\":4}");
	cassettes_add_body_line(text, sizeof(text), "GET", "/v2/calls", NULL, 200, "{\"n\":5}");
	cassettes_add_body_line(text, sizeof(text), "POST", "/v2/x", NULL, 200, "{\"n\":6}");
	return cassettes_load(path, text, c);
}

/* A JSON body matches by meaning; everything else about it must be the same. */
START_TEST(test_replay_body_by_meaning)
{
	char path[64], miss[1024];
	struct cassette_answer a;
	struct cassette *c;
	struct replay *rp = load_bodies(path, &c);

	ck_assert_int_eq(cassettes_ask_body(rp, "POST", EXT, "", EXT_BODY, &a, miss, sizeof(miss)),
	                 1);
	ck_assert_uint_eq(a.line, 1);
	ck_assert_str_eq(a.body, "{\"n\":1}");
	/* Members in another order, white space, the dates in another offset, the ids in
	 * another order and one twice, the null cursor left out. */
	ck_assert_uint_eq(
	    cassettes_hit_body(
	        rp, "POST", EXT, "",
	        "{ \"contentSelector\" : {\"exposedFields\" : { \"parties\" : true },\n"
	        "  \"contextTiming\" : [ \"Now\", \"TimeOfCall\" ], \"context\" : \"Extended\" },\n"
	        "  \"filter\" : { \"callIds\" : [ \"2\", \"3\", \"1\", \"3\" ],\n"
	        "    \"toDateTime\" : \"2025-01-31T19:00:00-05:00\",\n"
	        "    \"fromDateTime\" : \"2024-12-31T19:00:00-05:00\" } }\r\n"),
	    1);
	/* An absent cursor is a null one, both ways; a cursor given is another page. */
	ck_assert_uint_eq(cassettes_hit_body(
	                      rp, "POST", EXT, "",
	                      "{\"cursor\":null,\"filter\":{\"fromDateTime\":\"2025-01-01T01:00:00+"
	                      "01:00\",\"toDateTime\":\"2025-02-01T00:00:00.000Z\",\"callIds\":["
	                      "\"1\",\"2\",\"3\"]},\"contentSelector\":{\"context\":\"Extended\","
	                      "\"contextTiming\":[\"Now\",\"TimeOfCall\"],\"exposedFields\":{"
	                      "\"parties\":true}}}"),
	                  1);
	ck_assert_uint_eq(cassettes_hit_body(rp, "POST", EXT, "", EXT_BODY_C2), 2);
	/* userIds are a set too; numbers compare by value; dates in any form. */
	ck_assert_uint_eq(cassettes_hit_body(
	                      rp, "POST", USERS, "",
	                      "{\"limit\":100.0,\"filter\":{\"includeAvatars\":false,"
	                      "\"createdFromDateTime\":\"2024-06-01T10:00:00Z\",\"userIds\":[\"8\","
	                      "\"9\",\"8\"]}}"),
	                  3);
	ck_assert_uint_eq(
	    cassettes_hit_body(rp, "POST", USERS, "",
	                       "{\"limit\":1e2,\"filter\":{\"includeAvatars\":false,"
	                       "\"createdFromDateTime\":\"2024-06-01T10:00:00.000000+00:00\","
	                       "\"userIds\":[\"9\",\"8\"]}}"),
	    3);
	/* Text that is not JSON matches byte for byte. */
	ck_assert_uint_eq(cassettes_hit_body(rp, "POST", TRANSCRIPT, "", "not json at all"), 4);
	/* No body matches no body. */
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "", NULL), 5);
	ck_assert_uint_eq(cassettes_hit_body(rp, "POST", "/v2/x", "", NULL), 6);
	ck_assert_uint_eq(cassettes_hit_body(rp, "POST", "/v2/x", "", ""), 6);

	/* Other arrays keep their order; types, values and text must be the same. */
	cassettes_missed_body(
	    rp, "POST", EXT, "",
	    "{\"filter\":{\"fromDateTime\":\"2025-01-01T00:00:00Z\",\"toDateTime\":"
	    "\"2025-02-01T00:00:00Z\",\"callIds\":[\"3\",\"1\",\"2\"]},"
	    "\"contentSelector\":{\"context\":\"Extended\",\"contextTiming\":["
	    "\"TimeOfCall\",\"Now\"],\"exposedFields\":{\"parties\":true}}}",
	    miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/extensive; closest recorded "
	                       "(line 1): POST /v2/calls/extensive, body field "
	                       "contentSelector.contextTiming differs");
	cassettes_missed_body(rp, "POST", USERS, "",
	                      "{\"limit\":100,\"filter\":{\"includeAvatars\":\"false\","
	                      "\"createdFromDateTime\":\"2024-06-01T10:00:00Z\",\"userIds\":[\"8\","
	                      "\"9\"]}}",
	                      miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/users/extensive; closest recorded "
	                       "(line 3): POST /v2/users/extensive, body field "
	                       "filter.includeAvatars differs");
	cassettes_missed_body(rp, "POST", USERS, "",
	                      "{\"limit\":100.5,\"filter\":{\"includeAvatars\":false,"
	                      "\"createdFromDateTime\":\"2024-06-01T10:00:00Z\",\"userIds\":[\"8\","
	                      "\"9\"]}}",
	                      miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/users/extensive; closest recorded "
	                       "(line 3): POST /v2/users/extensive, body field limit differs");
	cassettes_missed_body(rp, "POST", TRANSCRIPT, "", "not json at all ", miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/transcript; closest recorded "
	                       "(line 4): POST /v2/calls/transcript, body differs");
	cassettes_missed_body(rp, "POST", TRANSCRIPT, "", "[\"not json at all\"]", miss,
	                      sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/transcript; closest recorded "
	                       "(line 4): POST /v2/calls/transcript, body differs");
	/* A body where none was recorded, and none where one was. */
	cassettes_missed_body(rp, "GET", "/v2/calls", "", "{}", miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls; closest recorded (line 5): "
	                       "GET /v2/calls, body unexpected");
	cassettes_missed_body(rp, "POST", EXT, "", NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/extensive; closest recorded "
	                       "(line 1): POST /v2/calls/extensive, body missing");
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* The closest recording names each body field that differs by its path, in name order. */
START_TEST(test_replay_body_miss_names_fields)
{
	char path[64], miss[1024];
	struct cassette *c;
	struct replay *rp = load_bodies(path, &c);

	/* A second later is another instant. */
	cassettes_missed_body(
	    rp, "POST", EXT, "",
	    "{\"filter\":{\"fromDateTime\":\"2025-01-01T00:00:00Z\",\"toDateTime\":"
	    "\"2025-02-01T00:00:01Z\",\"callIds\":[\"3\",\"1\",\"2\"]},"
	    "\"contentSelector\":{\"context\":\"Extended\",\"contextTiming\":["
	    "\"Now\",\"TimeOfCall\"],\"exposedFields\":{\"parties\":true}}}",
	    miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/extensive; closest recorded "
	                       "(line 1): POST /v2/calls/extensive, body field filter.toDateTime "
	                       "differs");
	/* One id more is another set. */
	cassettes_missed_body(
	    rp, "POST", EXT, "",
	    "{\"filter\":{\"fromDateTime\":\"2025-01-01T00:00:00Z\",\"toDateTime\":"
	    "\"2025-02-01T00:00:00Z\",\"callIds\":[\"3\",\"1\",\"2\",\"4\"]},"
	    "\"contentSelector\":{\"context\":\"Extended\",\"contextTiming\":["
	    "\"Now\",\"TimeOfCall\"],\"exposedFields\":{\"parties\":true}}}",
	    miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/extensive; closest recorded "
	                       "(line 1): POST /v2/calls/extensive, body field filter.callIds "
	                       "differs");
	/* Recorded but not sent: missing; sent but not recorded: unexpected; at any depth. */
	cassettes_missed_body(
	    rp, "POST", EXT, "",
	    "{\"filter\":{\"fromDateTime\":\"2025-01-01T00:00:00Z\",\"toDateTime\":"
	    "\"2025-02-01T00:00:00Z\",\"workspaceId\":\"77\"},"
	    "\"contentSelector\":{\"context\":\"Extended\",\"contextTiming\":["
	    "\"Now\",\"TimeOfCall\"],\"exposedFields\":{\"parties\":false,"
	    "\"media\":true}}}",
	    miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/extensive; closest recorded "
	                       "(line 1): POST /v2/calls/extensive, body field "
	                       "contentSelector.exposedFields.media unexpected, body field "
	                       "contentSelector.exposedFields.parties differs, body field "
	                       "filter.callIds missing, body field filter.workspaceId unexpected");
	/* A cursor of a page never recorded: as far from both pages, the earlier is named. */
	cassettes_missed_body(
	    rp, "POST", EXT, "",
	    "{\"filter\":{\"fromDateTime\":\"2025-01-01T00:00:00Z\",\"toDateTime\":"
	    "\"2025-02-01T00:00:00Z\",\"callIds\":[\"3\",\"1\",\"2\"]},"
	    "\"contentSelector\":{\"context\":\"Extended\",\"contextTiming\":["
	    "\"Now\",\"TimeOfCall\"],\"exposedFields\":{\"parties\":true}},"
	    "\"cursor\":\"c3\"}",
	    miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/extensive; closest recorded "
	                       "(line 1): POST /v2/calls/extensive, body field cursor unexpected");
	/* Fewest differences wins: the second page's body differs in one field only. */
	cassettes_missed_body(
	    rp, "POST", EXT, "",
	    "{\"filter\":{\"fromDateTime\":\"2025-01-01T00:00:00Z\",\"toDateTime\":"
	    "\"2025-02-01T00:00:00Z\",\"callIds\":[\"3\",\"1\",\"2\"]},"
	    "\"contentSelector\":{\"context\":\"Basic\",\"contextTiming\":["
	    "\"Now\",\"TimeOfCall\"],\"exposedFields\":{\"parties\":true}},"
	    "\"cursor\":\"c2\"}",
	    miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/extensive; closest recorded "
	                       "(line 2): POST /v2/calls/extensive, body field "
	                       "contentSelector.context differs");
	/* Parameters and body fields together. */
	cassettes_missed_body(rp, "POST", EXT, "x=1", EXT_BODY, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/extensive?x=1; closest "
	                       "recorded (line 1): POST /v2/calls/extensive, differs in x");
	cassettes_missed_body(rp, "POST", EXT, "x=1", "{\"filter\":{}}", miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/extensive?x=1; closest "
	                       "recorded (line 1): POST /v2/calls/extensive, differs in x, body "
	                       "field contentSelector missing, body field filter.callIds missing, "
	                       "body field filter.fromDateTime missing, body field "
	                       "filter.toDateTime missing");
	/* A body's values never show, only where it differs. */
	cassettes_missed_body(rp, "POST", USERS, "", "{\"filter\":{\"userIds\":[\"secret-ish\"]}}",
	                      miss, sizeof(miss));
	ck_assert_ptr_null(strstr(miss, "secret-ish"));
	ck_assert_ptr_nonnull(strstr(miss, "body field filter.userIds differs"));
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/*
 * What looks like a credential was redacted when recorded, so it takes no part in matching:
 * a request with another secret in its place finds the recording, and a line written by hand
 * with the secret in clear matches as if it had been redacted.
 */
START_TEST(test_replay_body_credentials_aside)
{
	char path[64], text[4096] = "";
	struct cassette *c;
	struct replay *rp;

	cassettes_add_body_line(text, sizeof(text), "POST", USERS,
	                        "{\"filter\":{},\"accessKey\":\"REDACTED\",\"auth\":{\"token\":"
	                        "\"REDACTED\",\"header\":\"REDACTED\"}}",
	                        200, "{\"n\":1}");
	cassettes_add_body_line(text, sizeof(text), "POST", EXT,
	                        "{\"filter\":{},\"password\":\"hunter2\"}", 200, "{\"n\":2}");
	cassettes_add_body_line(text, sizeof(text), "POST", TRANSCRIPT,
	                        "\"grant_type=x&client_secret=abc\"", 200, "{\"n\":3}");
	rp = cassettes_load(path, text, &c);
	ck_assert_uint_eq(
	    cassettes_hit_body(rp, "POST", USERS, "",
	                       "{\"auth\":{\"header\":\"Bearer t0k3n\",\"token\":\"x\"},"
	                       "\"filter\":{},\"accessKey\":\"AKIA\"}"),
	    1);
	ck_assert_uint_eq(
	    cassettes_hit_body(rp, "POST", EXT, "", "{\"filter\":{},\"password\":\"other\"}"), 2);
	ck_assert_uint_eq(
	    cassettes_hit_body(rp, "POST", TRANSCRIPT, "", "grant_type=y&client_secret=def"), 3);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/*
 * A cassette recorded before bodies were kept (no "body" in its requests) loads and replays its
 * GETs as before; its POSTs match only a request without a body, and say so when one has one.
 */
START_TEST(test_replay_cassette_without_bodies)
{
	static const char old[] =
	    "{\"time\":\"2025-11-02T10:00:00.000Z\",\"request\":{\"method\":\"GET\",\"path\":\"/v2/"
	    "calls\",\"query\":[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"]],\"credential\":\"\"},"
	    "\"response\":{\"status\":200,\"headers\":{\"Content-Type\":\"" CT_JSON "\"},\"body\":"
	    "{\"requestId\":\"old1\",\"calls\":[]}},\"latencyMs\":12.000}\n"
	    "{\"time\":\"2025-11-02T10:00:01.000Z\",\"request\":{\"method\":\"POST\",\"path\":\"/"
	    "v2/"
	    "calls/extensive\",\"query\":[],\"credential\":\"\"},\"response\":{\"status\":200,"
	    "\"headers\":{},\"body\":{\"requestId\":\"old2\"}},\"latencyMs\":9.000}\n";
	char path[64], miss[1024];
	struct cassette_answer a;
	struct cassette *c;
	struct replay *rp = cassettes_load(path, old, &c);

	ck_assert_uint_eq(cassette_count(c), 2);
	ck_assert_ptr_null(cassette_entry(c, 0)->body);
	ck_assert_int_eq(cassettes_ask(rp, "GET", "/v2/calls",
	                               "fromDateTime=2025-01-01T00%3A00%3A00Z", NULL, &a, miss,
	                               sizeof(miss)),
	                 1);
	ck_assert_str_eq(a.body, "{\"requestId\":\"old1\",\"calls\":[]}");
	ck_assert_uint_eq(cassettes_hit_body(rp, "POST", EXT, "", NULL), 2);
	cassettes_missed_body(rp, "POST", EXT, "", EXT_BODY, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/extensive; closest recorded "
	                       "(line 2): POST /v2/calls/extensive, body unexpected");
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/*
 * Recorded bodies are brought to canonical form once, when the replay is made: a thousand
 * requests against a thousand recorded bodies of a hundred ids each take a fraction of what
 * parsing every recorded body again for each request would (about a million parses).
 */
START_TEST(test_replay_body_fast)
{
	enum { LINES = 1000, IDS = 100 };
	size_t cap = (size_t)LINES * (IDS * 24 + 512);
	char *text = malloc(cap), *body = malloc(IDS * 24 + 256), path[64];
	struct cassette *c;
	struct replay *rp;
	double t0;

	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(body);
	text[0] = '\0';
	for (int i = 0; i < LINES; i++) {
		size_t n =
		    (size_t)sprintf(body, "{\"filter\":{\"fromDateTime\":\"2025-01-01T00:00:00Z"
		                          "\",\"callIds\":[");

		for (int k = 0; k < IDS; k++)
			n += (size_t)sprintf(body + n, "%s\"%d%08d\"", k > 0 ? "," : "", i, k);
		sprintf(body + n, "]},\"cursor\":null}");
		cassettes_add_body_line(text, cap, "POST", EXT, body, 200, "{}");
	}
	rp = cassettes_load(path, text, &c);
	t0 = cassettes_mono_s();
	for (int i = 0; i < LINES; i++) {
		/* The ids backwards and the date in another offset: every request is normalised. */
		size_t n = (size_t)sprintf(body, "{\"filter\":{\"callIds\":[");

		for (int k = IDS - 1; k >= 0; k--)
			n += (size_t)sprintf(body + n, "\"%d%08d\"%s", i, k, k > 0 ? "," : "");
		sprintf(body + n, "],\"fromDateTime\":\"2025-01-01T02:00:00+02:00\"}}");
		ck_assert_uint_eq(cassettes_hit_body(rp, "POST", EXT, "", body), (size_t)i + 1);
	}
	ck_assert_msg(cassettes_mono_s() - t0 < 5.0, "%d requests took %.2f s", LINES,
	              cassettes_mono_s() - t0);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
	free(text);
	free(body);
}
END_TEST

/* Threads asking with bodies at once: hits and misses (which read recorded bodies) alike. */
struct body_worker {
	pthread_t thread;
	struct replay *rp;
	int failures;
};

static void *
body_worker_main(void *cls)
{
	struct body_worker *w = cls;
	struct cassette_answer a;
	char miss[1024];

	for (int i = 0; i < 200; i++) {
		struct replay_ask ask = {.method = "POST", .path = EXT};
		const char *body = i % 2 == 0 ? EXT_BODY : "{\"filter\":{\"callIds\":[\"9\"]}}";
		int hit;

		ask.body = body;
		ask.body_len = strlen(body);
		hit = replay_answer(w->rp, &ask, &a, miss, sizeof(miss));
		if (hit != (i % 2 == 0) ||
		    (!hit && strstr(miss, "body field filter.callIds differs") == NULL))
			w->failures++;
	}
	return NULL;
}

START_TEST(test_replay_threads_with_bodies)
{
	struct body_worker w[8];
	char path[64];
	struct cassette *c;
	struct replay *rp = load_bodies(path, &c);

	for (int i = 0; i < 8; i++) {
		w[i].rp = rp;
		w[i].failures = 0;
		ck_assert_int_eq(pthread_create(&w[i].thread, NULL, body_worker_main, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(w[i].thread, NULL);
		ck_assert_int_eq(w[i].failures, 0);
	}
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* Nothing to replay: every request misses, saying why. */
START_TEST(test_replay_nothing)
{
	char path[64], miss[512];
	struct cassette_answer a;
	struct cassette *c;
	struct replay *rp;
	struct query q;

	rp = cassettes_load(path, "", &c);
	cassettes_missed(rp, "GET", "/v2/calls", "a=1", NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?a=1; nothing was recorded for "
	                       "GET /v2/calls");
	cassettes_missed(rp, "GET", "/v2/calls", "", AUTH_TOK1, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls with a credential; nothing was "
	                 "recorded for GET /v2/calls");
	replay_free(rp);
	cassette_free(c);
	unlink(path);
	cassettes_parse_query(&q, "");
	ck_assert_int_eq(replay_match(NULL, "GET", "/", &q, 0, NULL, &a, miss, sizeof(miss)), 0);
	ck_assert_str_eq(miss, "no cassette loaded");
	replay_free(NULL);
}
END_TEST

static Suite *
replay_suite(void)
{
	Suite *s = suite_create("replay");
	TCase *tc;

	tc = tcase_create("replay");
	tcase_add_test(tc, test_replay_exact_and_any_order);
	tcase_add_test(tc, test_replay_date_forms);
	tcase_add_test(tc, test_replay_repeats_in_order_then_last);
	tcase_add_test(tc, test_replay_fingerprint_only_when_asked);
	tcase_add_test(tc, test_replay_miss_messages);
	tcase_add_test(tc, test_replay_miss_cut_to_length);
	tcase_add_test(tc, test_replay_cursor_pages);
	tcase_add_test(tc, test_replay_salted_fingerprints);
	tcase_add_test(tc, test_replay_foreign_salt);
	tcase_add_test(tc, test_replay_derives_once_per_credential);
	tcase_add_test(tc, test_replay_with_and_without_credentials_apart);
	tcase_add_test(tc, test_replay_nothing);
	tcase_add_test(tc, test_replay_body_by_meaning);
	tcase_add_test(tc, test_replay_body_miss_names_fields);
	tcase_add_test(tc, test_replay_body_credentials_aside);
	tcase_add_test(tc, test_replay_cassette_without_bodies);
	suite_add_tcase(s, tc);
	tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_replay_threads_share_positions);
	tcase_add_test(tc, test_replay_threads_with_credentials);
	tcase_add_test(tc, test_replay_threads_with_bodies);
	tcase_add_test(tc, test_replay_body_fast);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(replay_suite());
}
