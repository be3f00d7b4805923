/*
 * test_request.c - target normalisation, response pieces and the error table.
 */
#include "request.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "response.h"

#include "harness.h"

static void
norm(const char *target, const char *want_path, const char *want_query)
{
	char path[64];
	const char *q = NULL;
	size_t qlen = 99;

	ck_assert_int_eq(request_normalise(target, path, sizeof(path), &q, &qlen), 0);
	ck_assert_str_eq(path, want_path);
	ck_assert_uint_eq(qlen, strlen(want_query));
	ck_assert(strncmp(q, want_query, qlen) == 0);
}

START_TEST(normalise_folds_every_form)
{
	norm("/v2/calls", "/v2/calls", "");
	norm("/v2/calls?a=1&b=2", "/v2/calls", "a=1&b=2");
	norm("//v2/calls?x", "/v2/calls", "x");
	norm("///v2//calls", "/v2/calls", "");
	norm("http://api.gong.io/v2/calls?fromDateTime=1", "/v2/calls", "fromDateTime=1");
	norm("HTTPS://us-55616.api.gong.io:443/v2/calls", "/v2/calls", "");
	norm("http://api.gong.io", "/", "");
	norm("http://api.gong.io?x=1", "/", "x=1");
	norm("", "/", "");
	norm("v2/calls", "/v2/calls", "");
	norm("/v2/calls?a=1?b", "/v2/calls", "a=1?b");
	norm("/v2/calls/", "/v2/calls", "");
	norm("//v2/calls//?x=1", "/v2/calls", "x=1");
	norm("/", "/", "");
}
END_TEST

static void
raw(const char *target, const char *want)
{
	const char *p;
	size_t len = request_raw_path(target, &p);

	ck_assert_uint_eq(len, strlen(want));
	ck_assert(strncmp(p, want, len) == 0);
}

START_TEST(raw_path_keeps_what_the_client_wrote)
{
	raw("/v2/calls?x=1", "/v2/calls");
	raw("//v2/calls/", "//v2/calls/");
	raw("http://api.gong.io//v2/calls?x", "//v2/calls");
	raw("https://api.gong.io", "");
	raw("", "");
}
END_TEST

START_TEST(normalise_refuses_a_path_too_long)
{
	char path[8];
	const char *q;
	size_t qlen;

	ck_assert_int_eq(request_normalise("/abcdefgh", path, sizeof(path), &q, &qlen), -1);
	ck_assert_int_eq(request_normalise("/abcdef", path, sizeof(path), &q, &qlen), 0);
}
END_TEST

/* The path half alone folds exactly as request_normalise does, and strlen + 2 always fits. */
START_TEST(normalise_path_is_the_same_folding)
{
	static const char *const targets[] = {
	    "/v2/calls",
	    "//v2//calls/?x=1",
	    "http://api.gong.io/v2/calls",
	    "HTTPS://h:443//v2/",
	    "http://api.gong.io?x=1",
	    "",
	    "v2/calls",
	    "/",
	    "///",
	    "/a?b/c",
	    "https://h",
	};
	char a[64], b[64];
	const char *q;
	size_t qlen, i;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		ck_assert_int_eq(request_normalise(targets[i], a, sizeof(a), &q, &qlen), 0);
		ck_assert_int_eq(request_normalise_path(targets[i], b, sizeof(b)), 0);
		ck_assert_str_eq(a, b);
		ck_assert_int_eq(request_normalise_path(targets[i], b, strlen(targets[i]) + 2), 0);
		ck_assert_str_eq(a, b);
	}
	ck_assert_int_eq(request_normalise_path("abc", b, 5), 0);
	ck_assert_str_eq(b, "/abc");
	ck_assert_int_eq(request_normalise_path("abc", b, 4), -1);
	ck_assert_int_eq(request_normalise_path("", b, 1), -1);
}
END_TEST

static const char *
fake_lookup(const struct request *r, const char *name)
{
	(void)r;
	return strcmp(name, "X") == 0 ? "y" : NULL;
}

START_TEST(header_lookup)
{
	struct request r;

	memset(&r, 0, sizeof(r));
	ck_assert_ptr_null(request_header(&r, "X"));
	r.header = fake_lookup;
	ck_assert_str_eq(request_header(&r, "X"), "y");
	ck_assert_ptr_null(request_header(&r, "Z"));
}
END_TEST

static int released;

static void
on_release(void *cls)
{
	released += *(int *)cls;
}

START_TEST(pieces_grow_and_release_once)
{
	struct response r;
	static int one = 1;
	char *owned = malloc(3);
	int i;

	response_init(&r);
	memcpy(owned, "abc", 3);
	ck_assert_int_eq(response_piece_own(&r, owned, 3), 0);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(response_piece_add(&r, "xy", 2), 0);
	ck_assert_int_eq(response_piece_add(&r, "", 0), 0);
	ck_assert_uint_eq(r.npieces, 101);
	ck_assert_uint_eq(response_body_len(&r), 203);
	r.release = on_release;
	r.release_cls = &one;
	released = 0;
	response_free(&r);
	ck_assert_int_eq(released, 1);
	response_free(&r);
	ck_assert_int_eq(released, 1);
}
END_TEST

START_TEST(headers_are_capped)
{
	struct response r;
	char big[RESPONSE_HEADER_VALUE_MAX + 1];
	int i;

	response_init(&r);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(response_header_add(&r, "X", big), -1);
	for (i = 0; i < RESPONSE_MAX_HEADERS; i++)
		ck_assert_int_eq(response_header_add(&r, "X", "1"), 0);
	ck_assert_int_eq(response_header_add(&r, "X", "1"), -1);
	response_free(&r);
}
END_TEST

/* Joins a response's body. */
static char *
body_of(const struct response *r)
{
	size_t len = response_body_len(r), i, n = 0;
	char *b = malloc(len + 1);

	for (i = 0; i < r->npieces; i++) {
		memcpy(b + n, r->pieces[i].base, r->pieces[i].len);
		n += r->pieces[i].len;
	}
	b[n] = '\0';
	return b;
}

static const char *
header_of(const struct response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (strcmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

START_TEST(error_bodies_are_gong_shaped)
{
	static const struct {
		enum error_code code;
		unsigned status;
		const char *message;
	} cases[] = {
	    {ERROR_UNAUTHORIZED, 401,
	     "Validate credentials failed. Please check your credentials and try again."},
	    {ERROR_NO_SCOPE, 401,
	     "You don't have permission to use 'api:calls:read:basic' in your app."},
	    {ERROR_NO_CALLS, 404, "No calls found corresponding to the provided filters"},
	    {ERROR_METHOD, 405, "Method Not Allowed"},
	    {ERROR_RATE_LIMIT, 429, "API request limit exceeded"},
	    {ERROR_INTERNAL, 500, "Internal server error occurred"},
	    {ERROR_CURSOR_INVALID, 400, "Failed to verify cursor"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct response r;
		char *body;
		json_t *j;

		response_init(&r);
		strcpy(r.request_id, "abcdefghij012345678");
		error_respond(&r, cases[i].code, NULL);
		ck_assert_uint_eq(r.status, cases[i].status);
		ck_assert_str_eq(r.source, "error");
		ck_assert_str_eq(header_of(&r, "Content-Type"), "application/json; charset=utf-8");
		body = body_of(&r);
		j = json_loads(body, 0, NULL);
		ck_assert_ptr_nonnull(j);
		ck_assert_str_eq(json_string_value(json_object_get(j, "requestId")),
		                 "abcdefghij012345678");
		ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "errors"), 0)),
		                 cases[i].message);
		ck_assert_int_eq(json_array_size(json_object_get(j, "errors")), 1);
		if (cases[i].status == 401)
			ck_assert_str_eq(header_of(&r, "WWW-Authenticate"),
			                 "Basic realm=\"Gong.io API\"");
		if (cases[i].status == 405)
			ck_assert_str_eq(header_of(&r, "Allow"), "GET");
		json_decref(j);
		free(body);
		response_free(&r);
	}
	ck_assert_uint_eq(error_status(ERROR_CURSOR_EXPIRED), 400);
	ck_assert_ptr_nonnull(strstr(error_default_message(429), "limit"));
	ck_assert_str_eq(error_default_message(404),
	                 "No calls found corresponding to the provided filters");
	ck_assert_str_eq(error_default_message(502), "Bad Gateway");
	ck_assert_str_eq(error_default_message(599), "Internal server error occurred");
}
END_TEST

START_TEST(error_messages_are_escaped)
{
	struct response r;
	const char *msgs[] = {"a \"quoted\"\n\\ thing", "second"};
	char *body;
	json_t *j;

	response_init(&r);
	strcpy(r.request_id, "x");
	error_respond_status(&r, 503, msgs, 2);
	body = body_of(&r);
	j = json_loads(body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "errors"), 0)),
	                 msgs[0]);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "errors"), 1)),
	                 "second");
	ck_assert_uint_eq(r.status, 503);
	json_decref(j);
	free(body);
	response_free(&r);
}
END_TEST

START_TEST(connect_targets)
{
	static const struct {
		const char *target;
		const char *host;
		unsigned port;
	} good[] = {
	    {"api.gong.io:443", "api.gong.io", 443},
	    {"us-14496.api.gong.io:8443", "us-14496.api.gong.io", 8443},
	    {"127.0.0.1:1", "127.0.0.1", 1},
	    {"[::1]:443", "::1", 443},
	    {"[2001:db8::7]:65535", "2001:db8::7", 65535},
	};
	static const char *const bad[] = {
	    "api.gong.io",       "api.gong.io:",    ":443",           "api.gong.io:0",
	    "api.gong.io:65536", "api.gong.io:44x", "api.gong.io:-1", "::1:443",
	    "[::1]443",          "[::1:443",        "[]:443",         "a b:443",
	    "a/b:443",           "[::g]:443",       "/v2/calls",      "",
	};
	char host[32];
	unsigned port;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(request_connect_target(good[i].target, host, sizeof(host), &port) ==
		                  0,
		              "%s", good[i].target);
		ck_assert_str_eq(host, good[i].host);
		ck_assert_uint_eq(port, good[i].port);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(request_connect_target(bad[i], host, sizeof(host), &port) == -1,
		              "'%s'", bad[i]);
	/* A host that does not fit is refused, not cut. */
	ck_assert_int_eq(request_connect_target("abcdefghij.example.com:443", host, 10, &port), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("request");
	TCase *t = tcase_create("request");

	tcase_add_test(t, normalise_folds_every_form);
	tcase_add_test(t, normalise_refuses_a_path_too_long);
	tcase_add_test(t, normalise_path_is_the_same_folding);
	tcase_add_test(t, raw_path_keeps_what_the_client_wrote);
	tcase_add_test(t, header_lookup);
	tcase_add_test(t, pieces_grow_and_release_once);
	tcase_add_test(t, headers_are_capped);
	tcase_add_test(t, error_bodies_are_gong_shaped);
	tcase_add_test(t, error_messages_are_escaped);
	tcase_add_test(t, connect_targets);
	suite_add_tcase(s, t);
	return harness_run(s);
}
