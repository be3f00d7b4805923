/*
 * test_exchange.c - unit tests of exchange: which fields may be redacted, which body members
 * hold credentials, the exact line of an exchange (with a request body as JSON, credentials
 * redacted, or as text), bytes that are not UTF-8, and the reasons a line is refused.
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
	static const char *const no[] = {"cursor",
	                                 "filter",
	                                 "callIds",
	                                 "fromDateTime",
	                                 "contentSelector",
	                                 "tokens",
	                                 "secretary",
	                                 "tokenCount",
	                                 "keyPoints",
	                                 "primaryUserIds",
	                                 "key",
	                                 "auth",
	                                 "accessKeyId",
	                                 "workspaceId",
	                                 "credentialsUrl",
	                                 "exposedFields",
	                                 "userCredential",
	                                 ""};

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

START_TEST(test_secret_name)
{
	static const char *const yes[] = {
	    "accessKey",     "accessKeySecret",   "AccessKeySecret",
	    "ACCESS_KEY",    "access-key-secret", "token",
	    "TOKEN",         "accessToken",       "refresh_token",
	    "password",      "userPassword",      "passwd",
	    "secret",        "clientSecret",      "client_secret",
	    "authorization", "Authorization",     "apiKey",
	    "api_key",       "X-API-Key",         "privateKey",
	    "credential",    "Credentials",       "_token_",
	};
	static const char *const no[] = {
	    "cursor",        "filter",        "callIds",     "fromDateTime", "contentSelector",
	    "tokens",        "secretary",     "tokenCount",  "keyPoints",    "primaryUserIds",
	    "key",           "auth",          "accessKeyId", "workspaceId",  "credentialsUrl",
	    "exposedFields", "userCredential"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ck_assert_msg(exchange_secret_name(yes[i]), "%s not taken for a credential",
		              yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!exchange_secret_name(no[i]), "%s taken for a credential", no[i]);
	ck_assert(!exchange_secret_name(""));
	ck_assert(!exchange_secret_name(NULL));
}
END_TEST

/* The line of a POST: its body as JSON, as sent but for every credential in it. */
START_TEST(test_write_request_body)
{
	static const char sent[] =
	    "{ \"filter\" : {\"callIds\":[\"1\",\"2\"],\n"
	    "    \"fromDateTime\":\"2025-01-01T00:00:00Z\"},\n"
	    "  \"accessKey\":\"AK123\", \"cursor\":null,\n"
	    "  \"auth\":{\"Password\":\"p4ss\",\"list\":[\"Bearer abc.def\", \"basic dXNlcg==\", "
	    "\"plain\"], \"api_key\":null, \"deeper\":[{\"refresh_token\":{\"v\":1}}]},\n"
	    "  \"ACCESS-KEY-SECRET\": 42 }";
	struct jsonw b = {0};
	struct exchange e = {
	    .time_us = INT64_C(1767323045678000), /* 2026-01-02T03:04:05.678Z, by date(1) */
	    .method = "POST",
	    .path = "/v2/calls/extensive",
	    .authorization = "Basic never written",
	    .request_body = sent,
	    .request_body_len = sizeof(sent) - 1,
	    .status = 200,
	    .content_type = "application/json",
	    .body = "{\"requestId\":\"r\"}",
	    .body_len = 17,
	    .latency_us = 1500,
	};
	char *text;

	ck_assert_int_eq(exchange_write(&b, &e, "CRED", NULL, 0), 0);
	text = jsonw_finish(&b, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(
	    text,
	    "{\"time\":\"2026-01-02T03:04:05.678Z\",\"request\":{\"method\":\"POST\",\"path\":"
	    "\"/v2/calls/extensive\",\"query\":[],\"credential\":\"CRED\",\"body\":{\"filter\":{"
	    "\"callIds\":[\"1\",\"2\"],\"fromDateTime\":\"2025-01-01T00:00:00Z\"},\"accessKey\":"
	    "\"REDACTED\",\"cursor\":null,\"auth\":{\"Password\":\"REDACTED\",\"list\":["
	    "\"REDACTED\",\"REDACTED\",\"plain\"],\"api_key\":null,\"deeper\":[{"
	    "\"refresh_token\":\"REDACTED\"}]},\"ACCESS-KEY-SECRET\":\"REDACTED\"}},"
	    "\"response\":{\"status\":200,\"headers\":{\"Content-Type\":\"application/json\"},"
	    "\"body\":{\"requestId\":\"r\"}},\"latencyMs\":1.500}\n");
	ck_assert_ptr_null(strstr(text, "AK123"));
	ck_assert_ptr_null(strstr(text, "p4ss"));
	ck_assert_ptr_null(strstr(text, "abc.def"));
	ck_assert_ptr_null(strstr(text, "dXNlcg"));
	ck_assert_ptr_null(strstr(text, "never written"));
	free(text);
}
END_TEST

/* A body that is not a JSON object or array is written as its text, or redacted whole. */
START_TEST(test_write_request_text_bodies)
{
	static const struct {
		const char *sent;
		const char *written; /* the request's body member; NULL: none */
	} cases[] = {
	    {"filter=1&x=2", "\"body\":\"filter=1&x=2\""},
	    {"[1,2", "\"body\":\"[1,2\""},
	    {"\"x\"", "\"body\":\"\\\"x\\\"\""},
	    {"42", "\"body\":\"42\""},
	    {"caf\xc3\xa9 \xff", "\"body\":\"caf\xc3\xa9 \xef\xbf\xbd\""},
	    {"grant_type=password&Client-Secret=s3cr3t", "\"body\":\"REDACTED\""},
	    {"ACCESS_TOKEN: abc", "\"body\":\"REDACTED\""},
	    {"Authorization: bearer xyz", "\"body\":\"REDACTED\""},
	    {"{\"apiKey\":\"k\"", "\"body\":\"REDACTED\""}, /* not JSON, but still a key */
	    {"", NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jsonw b = {0};
		struct exchange e = {.method = "POST", .path = "/v2/x", .status = 200};
		char want[256], *text;

		e.request_body = cases[i].sent;
		e.request_body_len = strlen(cases[i].sent);
		ck_assert_int_eq(exchange_write(&b, &e, "", NULL, 0), 0);
		text = jsonw_finish(&b, NULL);
		snprintf(want, sizeof(want),
		         "\"request\":{\"method\":\"POST\",\"path\":\"/v2/x\",\"query\":[],"
		         "\"credential\":\"\"%s%s},\"response\"",
		         cases[i].written != NULL ? "," : "",
		         cases[i].written != NULL ? cases[i].written : "");
		ck_assert_msg(strstr(text, want) != NULL, "case %zu: %s", i, text);
		ck_assert_ptr_null(strstr(text, "s3cr3t"));
		ck_assert_ptr_null(strstr(text, "xyz"));
		free(text);
	}
}
END_TEST

/* A request body in the form a line records it, as a replay compares it. */
START_TEST(test_request_body_form)
{
	static const char list[] = "[{\"token\":\"t\"}, \"Basic x\"]";
	json_t *j = (json_t *)1;
	char *text;

	ck_assert_int_eq(exchange_request_body("", 0, &j), 0);
	ck_assert_ptr_null(j);
	ck_assert_int_eq(exchange_request_body(NULL, 5, &j), 0);
	ck_assert_ptr_null(j);
	ck_assert_int_eq(exchange_request_body(list, strlen(list), &j), 0);
	text = json_dumps(j, JSON_COMPACT);
	ck_assert_str_eq(text, "[{\"token\":\"REDACTED\"},\"REDACTED\"]");
	free(text);
	json_decref(j);
	ck_assert_int_eq(exchange_request_body("a\0b", 3, &j), 0);
	ck_assert(json_is_string(j));
	ck_assert_uint_eq(json_string_length(j), 3);
	ck_assert_int_eq(memcmp(json_string_value(j), "a\0b", 3), 0);
	json_decref(j);
	/* A NUL byte does not hide what follows it. */
	ck_assert_int_eq(exchange_request_body("a\0password", 10, &j), 0);
	ck_assert_str_eq(json_string_value(j), "REDACTED");
	json_decref(j);
	/* Redacting again changes nothing. */
	j = json_loads("{\"secret\":\"REDACTED\",\"x\":[\"REDACTED\"]}", 0, NULL);
	ck_assert_int_eq(exchange_redact_request(j), 0);
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	ck_assert_str_eq(text, "{\"secret\":\"REDACTED\",\"x\":[\"REDACTED\"]}");
	free(text);
	json_decref(j);
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
	ck_assert_ptr_null(v.request_body);
	json_decref(root);

	/* The request's body: any value but null, a string standing for text. */
	root = json_loads("{\"request\":{\"method\":\"POST\",\"path\":\"/v2/x\",\"body\":"
	                  "{\"filter\":{}}},\"response\":{\"status\":200}}",
	                  0, NULL);
	ck_assert_int_eq(exchange_parse(root, &v, reason, sizeof(reason)), 0);
	ck_assert(json_is_object(json_object_get(v.request_body, "filter")));
	ck_assert_ptr_null(v.body);
	json_decref(root);
	root = json_loads("{\"request\":{\"method\":\"POST\",\"path\":\"/v2/x\",\"body\":"
	                  "\"a=1\"},\"response\":{\"status\":200}}",
	                  0, NULL);
	ck_assert_int_eq(exchange_parse(root, &v, reason, sizeof(reason)), 0);
	ck_assert_str_eq(json_string_value(v.request_body), "a=1");
	json_decref(root);
	root = json_loads("{\"request\":{\"method\":\"POST\",\"path\":\"/v2/x\",\"body\":"
	                  "null},\"response\":{\"status\":200}}",
	                  0, NULL);
	ck_assert_int_eq(exchange_parse(root, &v, reason, sizeof(reason)), 0);
	ck_assert_ptr_null(v.request_body);
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
	tcase_add_test(tc, test_secret_name);
	tcase_add_test(tc, test_write_request_body);
	tcase_add_test(tc, test_write_request_text_bodies);
	tcase_add_test(tc, test_request_body_form);
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
