/*
 * test_exchange.c - unit tests of exchange: which fields may be redacted, the exact line of
 * an exchange, bytes that are not UTF-8, and the reasons a line is refused.
 */
#include "exchange.h"

#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "jsonw.h"
#include "query.h"

START_TEST(test_redactable)
{
	static const char *const yes[] = {"title",          "url",
	                                  "meetingUrl",     "customData",
	                                  "purpose",        "sdrDisposition",
	                                  "clientUniqueId", "calendarEventId"};
	static const char *const no[] = {
	    "id",    "started",  "scheduled", "direction",   "duration",  "scope",
	    "media", "language", "system",    "workspaceId", "isPrivate", "primaryUserId",
	    "Title", "",         "title ",    "calls",       "requestId"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ck_assert_msg(exchange_redactable(yes[i]), "%s refused", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!exchange_redactable(no[i]), "%s accepted", no[i]);
	ck_assert(!exchange_redactable(NULL));
}
END_TEST

/* The line of an exchange, byte for byte, appended to what the buffer already holds. */
START_TEST(test_write_exact_line)
{
	struct jsonw b = {0};
	struct query q;
	struct exchange e = {
	    .time_us = INT64_C(1767323045678000), /* 2026-01-02T03:04:05.678Z, by date(1) */
	    .method = "GET",
	    .path = "/v2/calls",
	    .query = &q,
	    .authorization = "Bearer never written",
	    .status = 429,
	    .content_type = "application/json",
	    .retry_after = "2",
	    .traceid = "",
	    .allow = "GET",
	    .body = "{ \"calls\" : [ {\"id\":\"1\", \"title\":\"t\", \"url\":null}, 7 ] }",
	    .latency_us = 1002003,
	};
	static const char *const redact[] = {"title", "url"};
	char *text;

	ck_assert_int_eq(query_parse(&q, "a=%FFx&b=1%002&c=%C3%A9", 23), 0);
	e.body_len = strlen(e.body);
	jsonw_str(&b, "before\n");
	ck_assert_int_eq(exchange_write(&b, &e, "CRED", redact, 2), 0);
	text = jsonw_finish(&b, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text,
	                 "before\n"
	                 "{\"time\":\"2026-01-02T03:04:05.678Z\",\"request\":{\"method\":"
	                 "\"GET\",\"path\":\"/v2/calls\",\"query\":[[\"a\",\"\xef\xbf\xbdx\"],"
	                 "[\"b\",\"1\\u00002\"],[\"c\",\"\xc3\xa9\"]],\"credential\":\"CRED\"},"
	                 "\"response\":{\"status\":429,\"headers\":{\"Content-Type\":"
	                 "\"application/json\",\"Retry-After\":\"2\",\"Allow\":\"GET\"},"
	                 "\"body\":{\"calls\":[{\"id\":\"1\",\"title\":\"REDACTED\",\"url\":"
	                 "null},7]}},\"latencyMs\":1002.003}\n");
	free(text);

	/* No query, no credential, a body that is not JSON: written as text. */
	memset(&e, 0, sizeof(e));
	e.time_us = -1;
	e.method = "GET";
	e.path = "/";
	e.status = 502;
	e.body = "caf\xc3\xa9 \xff";
	e.body_len = strlen(e.body);
	ck_assert_int_eq(exchange_write(&b, &e, "", NULL, 0), 0);
	text = jsonw_finish(&b, NULL);
	ck_assert_str_eq(text, "{\"time\":\"1969-12-31T23:59:59.999Z\",\"request\":{\"method\":"
	                       "\"GET\",\"path\":\"/\",\"query\":[],\"credential\":\"\"},"
	                       "\"response\":{\"status\":502,\"headers\":{},\"body\":\"caf\xc3\xa9 "
	                       "\xef\xbf\xbd\"},\"latencyMs\":0.000}\n");
	free(text);
}
END_TEST

/* Each byte that is not part of well-formed UTF-8 becomes U+FFFD; the rest is kept. */
START_TEST(test_clean)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
	    {"plain", 5, "plain"},
	    {"caf\xc3\xa9", 5, "caf\xc3\xa9"},
	    {"a\xff"
	     "b",
	     3,
	     "a\xef\xbf\xbd"
	     "b"},
	    {"\xc3", 1, "\xef\xbf\xbd"},
	    {"\xe2\x82x", 3, "\xef\xbf\xbd\xef\xbf\xbdx"},
	    {"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* a surrogate */
	    {"\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80"},
	    {"", 0, ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jsonw b = {0};
		char *text;

		exchange_clean(&b, cases[i].in, cases[i].len);
		text = jsonw_finish(&b, NULL);
		ck_assert_msg(strcmp(text, cases[i].out) == 0, "case %zu", i);
		free(text);
	}
	/* A NUL byte is a character like any other. */
	{
		struct jsonw b = {0};

		exchange_clean(&b, "a\0b", 3);
		ck_assert_uint_eq(b.len, 3);
		ck_assert_int_eq(memcmp(b.p, "a\0b", 3), 0);
		jsonw_free(&b);
	}
}
END_TEST

/* What a checked line holds, with everything optional left out. */
START_TEST(test_parse_view)
{
	json_t *root = json_loads(
	    "{\"request\":{\"method\":\"GET\",\"path\":\"/v2/calls\",\"query\":[[\"a\",\"1\"]],"
	    "\"credential\":\"fp\"},\"response\":{\"status\":404,\"headers\":{\"content-TYPE\":"
	    "\"text/plain\",\"x-TraceId\":\"t\",\"Allow\":null},\"body\":[1]}}",
	    0, NULL);
	struct exchange_view v;
	char reason[128] = "";

	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(exchange_parse(root, &v, reason, sizeof(reason)), 0);
	ck_assert_str_eq(v.method, "GET");
	ck_assert_str_eq(v.path, "/v2/calls");
	ck_assert_uint_eq(json_array_size(v.query), 1);
	ck_assert_str_eq(v.credential, "fp");
	ck_assert_uint_eq(v.status, 404);
	ck_assert_str_eq(v.content_type, "text/plain");
	ck_assert_str_eq(v.traceid, "t");
	ck_assert_ptr_null(v.retry_after);
	ck_assert_ptr_null(v.www_authenticate);
	ck_assert_ptr_null(v.allow);
	ck_assert(json_is_array(v.body));
	json_decref(root);

	root = json_loads("{\"request\":{\"method\":\"PUT\",\"path\":\"\"},\"response\":{"
	                  "\"status\":100}}",
	                  0, NULL);
	ck_assert_int_eq(exchange_parse(root, &v, reason, sizeof(reason)), 0);
	ck_assert_ptr_null(v.query);
	ck_assert_str_eq(v.credential, "");
	ck_assert_ptr_null(v.content_type);
	ck_assert_ptr_null(v.body);
	json_decref(root);

	/* A method with a NUL byte cannot be a C string. */
	root = json_loads("{\"request\":{\"method\":\"G\\u0000T\",\"path\":\"/\"},"
	                  "\"response\":{\"status\":200}}",
	                  JSON_ALLOW_NUL, NULL);
	ck_assert_int_eq(exchange_parse(root, &v, reason, sizeof(reason)), -1);
	ck_assert_str_eq(reason, "\"request.method\" must be a non-empty string");
	json_decref(root);
}
END_TEST

static Suite *
exchange_suite(void)
{
	Suite *s = suite_create("exchange");
	TCase *tc;

	tc = tcase_create("exchange");
	tcase_add_test(tc, test_redactable);
	tcase_add_test(tc, test_write_exact_line);
	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_parse_view);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(exchange_suite());
}
