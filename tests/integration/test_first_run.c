/*
 * test_first_run.c - what a newcomer meets in the first hour, over a real socket: a Prefer
 * that cannot be honoured is a 400 that says why; a Gong path gongmock does not emulate is a
 * 404 that says what is emulated and what serves the rest; --mock beside an upstream answers
 * the emulated operations here and sends only the rest upstream (and records only those);
 * --cors answers preflights and lets pages read answers; gzip for clients that ask, and only
 * for them; and the log levels.
 */
#define _DEFAULT_SOURCE /* kill */
#include "harness.h"

#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* The first error message of a Gong error body, or "". */
static const char *
first_error(const struct harness_reply *r)
{
	json_t *e = r->json != NULL ? json_array_get(json_object_get(r->json, "errors"), 0) : NULL;

	return json_is_string(e) ? json_string_value(e) : "";
}

START_TEST(a_prefer_that_cannot_be_honoured_is_a_400)
{
	static const struct {
		const char *prefer;
		long status;
		const char *starts;
	} cases[] = {
	    {"Prefer: code=999", 400, "Prefer: code=999 is not a status Gong's API answers with"},
	    {"Prefer: code=abc", 400, "Prefer: code=abc is not a status"},
	    {"Prefer: example=foo", 400, "Prefer: example is Prism's"},
	    {"Prefer: code=301", 400,
	     "Prefer: code=301 is not a status Gong's API answers with (a "
	     "redirect would need a Location"},
	    {"Prefer: code=429", 429, "API request limit exceeded"},
	    {"Prefer: return=minimal", 200, ""},
	};
	struct harness_server h;
	size_t i;

	harness_start(&h, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *hdr[] = {cases[i].prefer, NULL};
		struct harness_reply r;

		harness_request(&h, NULL, "/v2/calls", "Basic azpz", hdr, NULL, &r);
		ck_assert_msg(r.status == cases[i].status, "%s: %ld", cases[i].prefer, r.status);
		ck_assert_msg(strncmp(first_error(&r), cases[i].starts, strlen(cases[i].starts)) ==
		                  0,
		              "%s: %s", cases[i].prefer, r.body);
		harness_reply_free(&r);
	}
	harness_stop(&h);
}
END_TEST

START_TEST(a_path_not_emulated_says_what_is)
{
	struct harness_server h;
	struct harness_reply r;

	harness_start(&h, NULL);
	harness_get(&h, "/v2/stats/activity/aggregate", &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(
	    first_error(&r),
	    "GET /v2/stats/activity/aggregate is not an operation gongmock emulates (it "
	    "emulates GET /v2/calls, POST /v2/calls/extensive, POST "
	    "/v2/calls/transcript, GET /v2/calls/{id}, GET /v2/users, POST "
	    "/v2/users/extensive, GET /v2/users/{id} and GET /v2/workspaces): proxy mode "
	    "(--upstream, and --mock to keep these emulated) forwards it to Gong, and a "
	    "rule whose respond has a body stubs it");
	harness_reply_free(&r);
	/* Gong asks for credentials first, as for any operation. */
	harness_request(&h, NULL, "/v2/stats/activity/aggregate", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	harness_reply_free(&r);
	/* Prefer and the rules have their say there too. */
	{
		const char *hdr[] = {"Prefer: code=503", NULL};

		harness_request(&h, NULL, "/v2/stats/activity/aggregate", "Basic azpz", hdr, NULL,
		                &r);
		ck_assert_int_eq(r.status, 503);
		harness_reply_free(&r);
	}
	harness_stop(&h);
}
END_TEST

START_TEST(mock_beside_an_upstream_answers_what_it_emulates)
{
	struct harness_server up, px;
	struct harness_reply r;
	char cassette[] = "/tmp/gongmock-hybrid.XXXXXX";
	const char *flags[] = {"--upstream", NULL, "--mock", "--record", cassette, NULL};
	char *text;
	int fd = mkstemp(cassette);

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(cassette);
	/* The upstream answers /v2/stats with a stub of its own: its Prefer makes it say 503. */
	harness_start(&up, NULL);
	flags[1] = up.base;
	harness_start(&px, flags);
	harness_get(&px, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	/* Answered here: the source is the dataset, not the upstream. */
	{
		char via[64];

		ck_assert_ptr_null(harness_header(&r, "x-gongmock-upstream", via, sizeof(via)));
	}
	harness_reply_free(&r);
	harness_get(&px, "/v2/stats/activity/aggregate", &r);
	/* Sent on: the upstream (a gongmock) says it does not emulate it. */
	ck_assert_int_eq(r.status, 404);
	ck_assert_msg(strstr(first_error(&r), "is not an operation gongmock emulates") != NULL,
	              "%s", r.body);
	harness_reply_free(&r);
	harness_stop(&px);
	harness_stop(&up);
	/* Only what went upstream was recorded. */
	text = harness_read_file(cassette, NULL);
	ck_assert_ptr_nonnull(strstr(text, "\"path\":\"/v2/stats/activity/aggregate\""));
	ck_assert_ptr_null(strstr(text, "\"path\":\"/v2/calls\""));
	free(text);
	unlink(cassette);
}
END_TEST

START_TEST(cors_answers_preflights_and_lets_pages_read)
{
	struct harness_server h;
	struct harness_reply r;
	const char *flags[] = {"--cors", NULL};
	const char *pre[] = {"Origin: http://localhost:5173", "Access-Control-Request-Method: GET",
	                     "Access-Control-Request-Headers: authorization, prefer", NULL};
	const char *get[] = {"Origin: http://localhost:5173", NULL};
	char v[256];

	harness_start(&h, flags);
	harness_request(&h, "OPTIONS", "/v2/calls", NULL, pre, NULL, &r);
	ck_assert_int_eq(r.status, 204);
	ck_assert_str_eq(harness_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)),
	                 "http://localhost:5173");
	ck_assert_str_eq(harness_header(&r, "Access-Control-Allow-Headers", v, sizeof(v)),
	                 "authorization, prefer");
	ck_assert_ptr_nonnull(
	    strstr(harness_header(&r, "Access-Control-Allow-Methods", v, sizeof(v)), "POST"));
	harness_reply_free(&r);
	harness_request(&h, NULL, "/v2/calls", "Basic azpz", get, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(harness_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)),
	                 "http://localhost:5173");
	ck_assert_ptr_nonnull(
	    strstr(harness_header(&r, "Access-Control-Expose-Headers", v, sizeof(v)), "x-traceid"));
	harness_reply_free(&r);
	harness_stop(&h);
	/* Without --cors, no such header, and an OPTIONS is Gong's 405. */
	harness_start(&h, NULL);
	harness_request(&h, "OPTIONS", "/v2/calls", NULL, pre, NULL, &r);
	ck_assert_int_eq(r.status, 405);
	ck_assert_ptr_null(harness_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)));
	harness_reply_free(&r);
	harness_stop(&h);
}
END_TEST

/* Inflates a gzip body; returns the bytes (caller frees) and their length in *n. */
static char *
gunzip(const char *z, size_t zlen, size_t *n)
{
	z_stream s;
	size_t cap = 1 << 22;
	char *out = malloc(cap);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(inflateInit2(&s, 15 + 16), Z_OK);
	s.next_in = (Bytef *)(uintptr_t)z;
	s.avail_in = (uInt)zlen;
	s.next_out = (Bytef *)out;
	s.avail_out = (uInt)cap;
	ck_assert_int_eq(inflate(&s, Z_FINISH), Z_STREAM_END);
	*n = s.total_out;
	inflateEnd(&s);
	return out;
}

START_TEST(gzip_for_clients_that_ask_and_only_them)
{
	struct harness_server h;
	struct harness_reply plain, zipped, refused;
	const char *ask[] = {"Accept-Encoding: gzip, deflate", NULL};
	const char *no[] = {"Accept-Encoding: gzip;q=0, identity", NULL};
	char v[128], *body;
	size_t n;
	json_t *a, *b;

	harness_start(&h, NULL);
	harness_request(&h, NULL, "/v2/calls", "Basic azpz", NULL, NULL, &plain);
	harness_request(&h, NULL, "/v2/calls", "Basic azpz", ask, NULL, &zipped);
	harness_request(&h, NULL, "/v2/calls", "Basic azpz", no, NULL, &refused);
	ck_assert_int_eq(zipped.status, 200);
	ck_assert_str_eq(harness_header(&zipped, "Content-Encoding", v, sizeof(v)), "gzip");
	ck_assert_str_eq(harness_header(&plain, "Vary", v, sizeof(v)), "Accept-Encoding");
	ck_assert_ptr_null(harness_header(&plain, "Content-Encoding", v, sizeof(v)));
	ck_assert_ptr_null(harness_header(&refused, "Content-Encoding", v, sizeof(v)));
	ck_assert_uint_lt(zipped.body_len, plain.body_len / 2);
	/* The same page, but for its requestId and cursor (each answer signs its own). */
	body = gunzip(zipped.body, zipped.body_len, &n);
	a = json_loadb(body, n, 0, NULL);
	ck_assert_ptr_nonnull(a);
	b = plain.json;
	ck_assert(json_equal(json_object_get(a, "calls"), json_object_get(b, "calls")));
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(a, "records"), "totalRecords")),
	    400);
	json_decref(a);
	free(body);
	harness_reply_free(&plain);
	harness_reply_free(&zipped);
	harness_reply_free(&refused);
	harness_stop(&h);
	/* --gzip off: never. */
	{
		const char *flags[] = {"--gzip", "off", NULL};

		harness_start(&h, flags);
		harness_request(&h, NULL, "/v2/calls", "Basic azpz", ask, NULL, &zipped);
		ck_assert_ptr_null(harness_header(&zipped, "Content-Encoding", v, sizeof(v)));
		harness_reply_free(&zipped);
		harness_stop(&h);
	}
}
END_TEST

/* The stderr of the binary started with args, after one request and SIGTERM. */
static char *
log_of(const char *const *args)
{
	struct harness_proc p;
	char *out, *err;
	unsigned port;
	CURL *c;
	char url[128];

	harness_spawn(&p, args);
	out = harness_read_until(p.out, 10000, "\n");
	ck_assert_int_eq(sscanf(out, "listening on http://127.0.0.1:%u", &port), 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/v2/calls", port);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_USERPWD, "k:s");
	curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_cleanup(c);
	usleep(200 * 1000);
	kill(p.pid, SIGTERM);
	/* To its end: the process closes it on exiting. */
	err = harness_read_until(p.err, 5000, NULL);
	ck_assert_int_eq(harness_wait(&p, 15000), 0);
	free(out);
	return err;
}

START_TEST(log_levels_say_what_they_say)
{
	static const char *const access[] = {"--port", "0", NULL};
	static const char *const info[] = {"--port", "0", "--log-level", "info", NULL};
	static const char *const warning[] = {"--port", "0", "--log-level", "warning", NULL};
	static const char *const quiet[] = {"--port", "0", "--quiet", NULL};
	static const char *const error[] = {"--port", "0", "--log-level", "error", NULL};
	char *e;

	setenv("GONGMOCK_PROT", "1", 1);
	e = log_of(access);
	ck_assert_msg(strstr(e, " info ") != NULL && strstr(e, "HEAD /v2/calls 200") != NULL &&
	                  strstr(e, " warning GONGMOCK_PROT") != NULL,
	              "%s", e);
	free(e);
	e = log_of(info);
	ck_assert_msg(strstr(e, " info mock mode: serving 400 calls") != NULL &&
	                  strstr(e, "/v2/calls") == NULL,
	              "%s", e);
	free(e);
	e = log_of(warning);
	ck_assert_msg(strstr(e, " info ") == NULL && strstr(e, "/v2/calls") == NULL &&
	                  strstr(e, " warning GONGMOCK_PROT") != NULL,
	              "%s", e);
	free(e);
	e = log_of(quiet);
	ck_assert_msg(strstr(e, " info ") == NULL && strstr(e, "/v2/calls") == NULL &&
	                  strstr(e, " warning GONGMOCK_PROT") != NULL,
	              "%s", e);
	free(e);
	e = log_of(error);
	ck_assert_msg(e[0] == '\0', "%s", e);
	free(e);
	unsetenv("GONGMOCK_PROT");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("first_run");
	TCase *t = tcase_create("first_run");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, a_prefer_that_cannot_be_honoured_is_a_400);
	tcase_add_test(t, a_path_not_emulated_says_what_is);
	tcase_add_test(t, mock_beside_an_upstream_answers_what_it_emulates);
	tcase_add_test(t, cors_answers_preflights_and_lets_pages_read);
	tcase_add_test(t, gzip_for_clients_that_ask_and_only_them);
	tcase_add_test(t, log_levels_say_what_they_say);
	suite_add_tcase(s, t);
	return harness_run(s);
}
