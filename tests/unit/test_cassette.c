/*
 * test_cassette.c - unit tests of cassette: load errors naming the file and line, lenient
 * shapes (blank lines, CRLF, a byte-order mark, minimal exchanges), request bodies kept as
 * recorded (and lines without one), a torn last line dropped with a warning and a bad line
 * anywhere else refused, and telling a cassette from other JSON files (fixture data above all).
 */
#include "cassette.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cassettes.h"
#include "harness.h"
#include "replay.h"

/* The error of loading text, with the temporary file name replaced by FILE. */
static void
load_error(const char *text, char *out, size_t outlen)
{
	char path[64], err[512] = "";
	size_t n;

	cassettes_file(path, text);
	n = strlen(path);
	ck_assert_ptr_null(cassette_load(path, err, sizeof(err)));
	unlink(path);
	ck_assert_msg(strncmp(err, path, n) == 0, "error does not name the file: %s", err);
	snprintf(out, outlen, "FILE%s", err + n);
}

#define EX_OK                                                                                      \
	"{\"request\":{\"method\":\"GET\",\"path\":\"/v2/"                                         \
	"calls\"},\"response\":{\"status\":200}}\n"

START_TEST(test_load_errors)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
	    {EX_OK "{\"request\":\n", "FILE: line 2: not JSON: "},
	    {EX_OK "\n\n[1]\n", "FILE: line 4: not a JSON object"},
	    {"{\"response\":{\"status\":200}}\n", "FILE: line 1: \"request\" must be an object"},
	    {"{\"request\":{\"method\":\"GET\",\"path\":\"/\"}}\n",
	     "FILE: line 1: \"response\" must be an object"},
	    {"{\"request\":{\"path\":\"/\"},\"response\":{\"status\":200}}\n",
	     "FILE: line 1: \"request.method\" must be a non-empty string"},
	    {"{\"request\":{\"method\":\"GET\",\"path\":1},\"response\":{\"status\":200}}\n",
	     "FILE: line 1: \"request.path\" must be a string"},
	    {EX_OK EX_OK "{\"request\":{\"method\":\"GET\",\"path\":\"/\",\"query\":[[\"a\",\"1\"],"
	                 "[\"b\"]]},\"response\":{\"status\":200}}\n",
	     "FILE: line 3: \"request.query\" item 1 must be a [name, value] pair of strings"},
	    {"{\"request\":{\"method\":\"GET\",\"path\":\"/"
	     "\",\"query\":{}},\"response\":{\"status\":"
	     "200}}\n",
	     "FILE: line 1: \"request.query\" must be an array"},
	    {"{\"request\":{\"method\":\"GET\",\"path\":\"/\",\"credential\":5},\"response\":"
	     "{\"status\":200}}\n",
	     "FILE: line 1: \"request.credential\" must be a string"},
	    {"{\"request\":{\"method\":\"GET\",\"path\":\"/"
	     "\"},\"response\":{\"status\":\"200\"}}\n",
	     "FILE: line 1: \"response.status\" must be an HTTP status (100 to 599)"},
	    {"\n" EX_OK "{\"request\":{\"method\":\"GET\",\"path\":\"/\"},\"response\":{\"status\":"
	     "600}}\n",
	     "FILE: line 3: \"response.status\" must be an HTTP status (100 to 599)"},
	    {"{\"request\":{\"method\":\"GET\",\"path\":\"/\"},\"response\":{\"status\":200,"
	     "\"headers\":[]}}\n",
	     "FILE: line 1: \"response.headers\" must be an object"},
	    {"{\"request\":{\"method\":\"GET\",\"path\":\"/\"},\"response\":{\"status\":200,"
	     "\"headers\":{\"Retry-After\":2}}}\n",
	     "FILE: line 1: \"response.headers.Retry-After\" must be a string"},
	};
	char got[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		load_error(cases[i].text, got, sizeof(got));
		ck_assert_msg(strncmp(got, cases[i].err, strlen(cases[i].err)) == 0,
		              "case %zu: got \"%s\", want \"%s\"", i, got, cases[i].err);
		if (strstr(cases[i].err, "not JSON") == NULL)
			ck_assert_str_eq(got, cases[i].err);
	}
}
END_TEST

START_TEST(test_load_missing_file)
{
	char err[256] = "";

	ck_assert_ptr_null(cassette_load("/tmp/test_cassette-does-not-exist", err, sizeof(err)));
	ck_assert_str_eq(err, "/tmp/test_cassette-does-not-exist: No such file or directory");
}
END_TEST

/* Blank lines, CRLF ends, a byte-order mark and minimal hand-written exchanges all load. */
START_TEST(test_load_lenient_shapes)
{
	char path[64];
	struct cassette *c;
	struct replay *rp;
	struct cassette_answer a;

	rp = cassettes_load(path,
	                    "\xef\xbb\xbf" EX_OK "\r\n\n   \n"
	                    "{\"request\":{\"method\":\"GET\",\"path\":\"/x\",\"query\":null,"
	                    "\"credential\":null},\"response\":{\"status\":204,\"headers\":"
	                    "{\"content-type\":\"text/plain\"},\"body\":null}}\r\n",
	                    &c);
	ck_assert_uint_eq(cassette_count(c), 2);
	ck_assert_int_eq(cassettes_ask(rp, "GET", "/v2/calls", "", NULL, &a, NULL, 0), 1);
	ck_assert_str_eq(a.body, "");
	ck_assert_uint_eq(a.body_len, 0);
	ck_assert_str_eq(a.content_type, "");
	ck_assert_int_eq(cassettes_ask(rp, "GET", "/x", "", ANON, &a, NULL, 0), 1);
	ck_assert_uint_eq(a.status, 204);
	ck_assert_uint_eq(a.line, 5);
	ck_assert_str_eq(a.body, "null");
	ck_assert_str_eq(a.content_type, "text/plain");
	ck_assert_uint_eq(replay_match(rp, "GET", "/x", NULL, 0, NULL, &a, NULL, 0), 1);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
	cassette_free(NULL);
	ck_assert_uint_eq(cassette_count(NULL), 0);

	rp = cassettes_load(path, "", &c);
	ck_assert_uint_eq(cassette_count(c), 0);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* A last line without its newline that is not JSON is dropped with a warning; the rest loads. */
START_TEST(test_load_torn_last_line)
{
	static const char *const torn[] = {
	    EX_OK EX_OK "{\"request\":{\"method\":\"GET\",\"pa",
	    EX_OK "\n" EX_OK "{",
	    EX_OK EX_OK "{\"time\":\"2026-01-02T03:04:05.678Z\",\"request\":{\"method\":\"GET\","
	                "\"path\":\"/v2/calls\",\"query\":[],\"credential\":\"\"},\"response\":"
	                "{\"status\":200,\"headers\":{},\"body\":{\"calls\":[{\"id\":\"1\"",
	};
	static const size_t lines[] = {3, 4, 3};
	char path[64], want[256];
	struct cassette *c;
	struct replay *rp;
	char *w;

	for (size_t i = 0; i < sizeof(torn) / sizeof(torn[0]); i++) {
		rp = cassettes_load(path, torn[i], &c);
		ck_assert_uint_eq(cassette_count(c), 2);
		w = cassettes_warning(c, 0, path);
		ck_assert_ptr_nonnull(w);
		snprintf(
		    want, sizeof(want),
		    "FILE: line %zu: dropped: the last line is cut short (no newline, not "
		    "JSON), as an interrupted recording leaves it; the lines before it are read",
		    lines[i]);
		ck_assert_str_eq(w, want);
		ck_assert_ptr_null(cassette_warning(c, 1));
		free(w);
		ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "", NULL), 1);
		replay_free(rp);
		cassette_free(c);
		unlink(path);
	}
	/* A cut first line: an empty cassette, with the warning. */
	rp = cassettes_load(path, "{\"request\":", &c);
	ck_assert_uint_eq(cassette_count(c), 0);
	ck_assert_ptr_nonnull(cassette_warning(c, 0));
	replay_free(rp);
	cassette_free(c);
	unlink(path);
	/* A whole cassette warns of nothing. */
	rp = cassettes_load(path, EX_OK EX_OK, &c);
	ck_assert_ptr_null(cassette_warning(c, 0));
	replay_free(rp);
	cassette_free(c);
	unlink(path);
	ck_assert_ptr_null(cassette_warning(NULL, 0));
}
END_TEST

/* Only the last line may be torn: a bad line anywhere else still stops the load. */
START_TEST(test_load_bad_line_before_the_last)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
	    /* Cut, then a whole line after it: not what the recorder ever leaves. */
	    {EX_OK "{\"request\":{\"meth\n" EX_OK, "FILE: line 2: not JSON: "},
	    {EX_OK "{\"request\":{\"meth\n" EX_OK "{\"req", "FILE: line 2: not JSON: "},
	    /* The last line with its newline is whole, and wrong. */
	    {EX_OK "{\"request\":{\"meth\n", "FILE: line 2: not JSON: "},
	    /* Without a newline but JSON: whole, and not an exchange. */
	    {EX_OK "[1]", "FILE: line 2: not a JSON object"},
	    {EX_OK "{\"request\":{\"method\":\"GET\",\"path\":\"/\"},\"response\":{\"status\":1}}",
	     "FILE: line 2: \"response.status\" must be an HTTP status (100 to 599)"},
	};
	char got[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		load_error(cases[i].text, got, sizeof(got));
		ck_assert_msg(strncmp(got, cases[i].err, strlen(cases[i].err)) == 0,
		              "case %zu: got \"%s\", want \"%s\"", i, got, cases[i].err);
	}
}
END_TEST

START_TEST(test_is_cassette)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
	    {EX_OK, 1},
	    {"\n  \n" EX_OK "garbage on line two\n", 1},
	    {"\xef\xbb\xbf" EX_OK, 1},
	    {"\n\r" EX_OK, 1},
	    {" \t\r " EX_OK, 1},
	    {"[{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"}]\n", 0},
	    {"[\n  {\"request\":{},\"response\":{}}\n]\n", 0},
	    {"{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"}\n{\"id\":\"2\"}\n", 0},
	    {"{\"requestId\":\"r\",\"records\":{},\"calls\":[]}\n", 0},
	    {"{\n \"request\": {}, \"response\": {}\n}\n", 0},
	    {"{\"request\":{},\"response\":null}\n", 0},
	    {"{\"request\":{},\"response\":{}", 0},
	    {"", 0},
	    {"\n\n", 0},
	    {"not json\n", 0},
	};
	char path[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cassettes_file(path, cases[i].text);
		ck_assert_msg(cassette_is_cassette(path) == cases[i].want, "case %zu", i);
		unlink(path);
	}
	ck_assert_int_eq(cassette_is_cassette("/tmp/test_cassette-does-not-exist"), 0);
	ck_assert_int_eq(cassette_is_cassette(NULL), 0);
	ck_assert_int_eq(cassette_is_cassette("/tmp"), 0);
	ck_assert_int_eq(cassette_is_cassette("/dev/null"), 0);
}
END_TEST

START_TEST(test_kind)
{
	static const struct {
		const char *text;
		enum cassette_kind want;
	} cases[] = {
	    {"", CASSETTE_EMPTY},
	    {"\n \r\n\t\n", CASSETTE_EMPTY},
	    {"\xef\xbb\xbf\n", CASSETTE_EMPTY},
	    {EX_OK, CASSETTE_EXCHANGES},
	    {"[" EX_OK "]", CASSETTE_OTHER},
	    {"{\"id\":\"1\"}\n", CASSETTE_OTHER},
	    {"not json\n", CASSETTE_OTHER},
	};
	char path[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cassettes_file(path, cases[i].text);
		ck_assert_msg(cassette_kind(path) == cases[i].want, "case %zu", i);
		unlink(path);
	}
	ck_assert_int_eq(cassette_kind("/tmp/test_cassette-does-not-exist"), CASSETTE_UNREADABLE);
	ck_assert_int_eq(cassette_kind("/tmp"), CASSETTE_UNREADABLE);
	ck_assert_int_eq(cassette_kind("/dev/null"), CASSETTE_UNREADABLE);
}
END_TEST

/* Fixture data given where a cassette was expected is recognised as such, from its start. */
START_TEST(test_holds_calls)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
	    /* A JSON array of calls, on one line or spread over several, after a BOM. */
	    {"[{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"}]\n", 1},
	    {"\xef\xbb\xbf\n[\n  {\"id\":\"1\"}\n]\n", 1},
	    /* JSON Lines of calls, of extensive calls, of transcripts. */
	    {"{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"}\n{\"id\":\"2\"}\n", 1},
	    {"{\"metaData\":{\"id\":\"1\"},\"parties\":[]}\n", 1},
	    {"{\"callId\":\"1\",\"transcript\":[]}\n", 1},
	    /* A saved page, compact and pretty-printed. */
	    {"{\"requestId\":\"r\",\"records\":{},\"calls\":[]}\n", 1},
	    {"{\n  \"requestId\": \"r\",\n  \"records\": {}\n}\n", 1},
	    {"{\n\n\t\"callTranscripts\": []\n}\n", 1},
	    /* Not calls: a cassette, a scenario, text, nothing. */
	    {EX_OK, 0},
	    {"{\"request\":{},\"id\":\"1\"}\n", 0},
	    {"{\n  \"rules\": []\n}\n", 0},
	    {"{\"rules\":[]}\n", 0},
	    {"{\"id\":", 0},
	    {"not json\n", 0},
	    {"", 0},
	    {"\n\n", 0},
	};
	char path[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cassettes_file(path, cases[i].text);
		ck_assert_msg(cassette_holds_calls(path) == cases[i].want, "case %zu", i);
		unlink(path);
	}
	ck_assert_int_eq(cassette_holds_calls("fixtures/calls.json"), 1);
	ck_assert_int_eq(cassette_holds_calls("/tmp/test_cassette-does-not-exist"), 0);
	ck_assert_int_eq(cassette_holds_calls(NULL), 0);
	ck_assert_int_eq(cassette_holds_calls("/tmp"), 0);
	ck_assert_int_eq(cassette_holds_calls("/dev/null"), 0);
}
END_TEST

/* What follows the last newline: a whole line lacking only its newline, or one cut short. */
START_TEST(test_tail_whole)
{
	ck_assert(cassette_tail_whole("{\"a\":1}", 7, 0));
	ck_assert(cassette_tail_whole(" \t\r", 3, 0));
	ck_assert(cassette_tail_whole("", 0, 0));
	ck_assert(!cassette_tail_whole("{\"a\":", 5, 0));
	/* A byte-order mark counts only at the start of the file. */
	ck_assert(cassette_tail_whole("\xef\xbb\xbf{}", 5, 1));
	ck_assert(!cassette_tail_whole("\xef\xbb\xbf{}", 5, 0));
}
END_TEST

/* The salt is that of the first salted line; lines before it that are not salted are named. */
START_TEST(test_find_salt)
{
	static const unsigned char salt0[FINGERPRINT_SALT_LEN] = {0, 1, 2,  3,  4,  5,  6,  7,
	                                                          8, 9, 10, 11, 12, 13, 14, 15};
	char path[64], text[4096] = "";
	unsigned char salt[FINGERPRINT_SALT_LEN];
	unsigned iterations = 0;
	size_t unsalted = 99;

	cassettes_add_line(text, sizeof(text), "[]", "", 200, "{}");
	strcat(text, "not json\n");
	cassettes_add_line(text, sizeof(text), "[]", FP_TOK1, 200, "{}");
	cassettes_add_line(text, sizeof(text), "[]", FP1000_TOK1, 200, "{}");
	cassettes_add_line(text, sizeof(text), "[]", FP1000_TOK1_A5, 200, "{}");
	cassettes_file(path, text);
	ck_assert_uint_eq(cassette_find_salt(path, salt, &iterations, &unsalted), 4);
	ck_assert_int_eq(memcmp(salt, salt0, sizeof(salt)), 0);
	ck_assert_uint_eq(iterations, 1000);
	ck_assert_uint_eq(unsalted, 3);
	unlink(path);

	text[0] = '\0';
	cassettes_add_line(text, sizeof(text), "[]", "", 200, "{}");
	cassettes_file(path, text);
	ck_assert_uint_eq(cassette_find_salt(path, salt, &iterations, &unsalted), 0);
	ck_assert_uint_eq(unsalted, 0);
	unlink(path);
	ck_assert_uint_eq(cassette_find_salt(path, salt, &iterations, &unsalted), 0);
}
END_TEST

/* The exchanges of a loaded cassette, as recorded, with each credential sorted by form. */
START_TEST(test_entries)
{
	char path[64], text[4096] = "";
	unsigned char salt[FINGERPRINT_SALT_LEN];
	unsigned iterations = 0;
	const struct cassette_entry *e;
	struct cassette *c;
	struct replay *rp;

	cassettes_add_line(text, sizeof(text), "[[\"a\",\"1\"],[\"b\",\"x\\u0000y\"]]", "", 201,
	                   "{\"n\": 1}");
	cassettes_add_line(text, sizeof(text), "[]", FP1000_TOK1, 200, "\"text\"");
	cassettes_add_line(text, sizeof(text), "[]", FP_TOK1, 200, "{}");
	cassettes_add_line(text, sizeof(text), "[]", FP1000_TOK1_A5, 200, "{}");
	rp = cassettes_load(path, text, &c);
	ck_assert_uint_eq(cassette_count(c), 4);
	e = cassette_entry(c, 0);
	ck_assert_str_eq(e->method, "GET");
	ck_assert_str_eq(e->path, "/v2/calls");
	ck_assert_int_eq(e->cred, CASSETTE_CRED_NONE);
	ck_assert_uint_eq(e->nparams, 2);
	ck_assert_str_eq(e->params[0].name, "a");
	ck_assert_str_eq(e->params[0].value, "1");
	ck_assert_uint_eq(e->params[1].value_len, 3);
	ck_assert_int_eq(memcmp(e->params[1].value, "x\0y", 3), 0);
	ck_assert_uint_eq(e->answer.status, 201);
	ck_assert_str_eq(e->answer.body, "{\"n\":1}");
	ck_assert_str_eq(e->answer.content_type, CT_JSON);
	ck_assert_str_eq(e->answer.allow, "");
	ck_assert_uint_eq(e->answer.line, 1);
	e = cassette_entry(c, 1);
	ck_assert_int_eq(e->cred, CASSETTE_CRED_SALTED);
	ck_assert_str_eq(e->credential, FP1000_TOK1);
	ck_assert_str_eq(e->answer.body, "text");
	ck_assert_int_eq(cassette_entry(c, 2)->cred, CASSETTE_CRED_UNSALTED);
	ck_assert_int_eq(cassette_entry(c, 3)->cred, CASSETTE_CRED_FOREIGN);
	ck_assert_ptr_null(cassette_entry(c, 4));
	ck_assert_uint_eq(cassette_salt(c, salt, &iterations), 2);
	ck_assert_uint_eq(iterations, 1000);
	ck_assert_uint_eq(salt[15], 15);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
	ck_assert_ptr_null(cassette_entry(NULL, 0));
	ck_assert_uint_eq(cassette_salt(NULL, salt, &iterations), 0);
}
END_TEST

/* The request's body of each exchange, as recorded: JSON rendered compact, text as it is. */
START_TEST(test_entries_bodies)
{
	char path[64], text[4096] = "";
	const struct cassette_entry *e;
	struct cassette *c;
	struct replay *rp;

	cassettes_add_body_line(
	    text, sizeof(text), "POST", "/v2/calls/extensive",
	    "{ \"filter\" : { \"callIds\" : [ \"2\", \"1\" ] }, \"cursor\" : null }", 200, "{}");
	cassettes_add_body_line(text, sizeof(text), "POST", "/v2/calls/transcript",
	                        "\"a=1\\u0000b\"", 200, "{}");
	cassettes_add_body_line(text, sizeof(text), "POST", "/v2/x", "42", 200, "{}");
	cassettes_add_body_line(text, sizeof(text), "POST", "/v2/x", "\"\"", 200, "{}");
	cassettes_add_body_line(text, sizeof(text), "POST", "/v2/x", "null", 200, "{}");
	cassettes_add_body_line(text, sizeof(text), "GET", "/v2/calls", NULL, 200, "{}");
	rp = cassettes_load(path, text, &c);
	ck_assert_uint_eq(cassette_count(c), 6);
	e = cassette_entry(c, 0);
	ck_assert_str_eq(e->body, "{\"filter\":{\"callIds\":[\"2\",\"1\"]},\"cursor\":null}");
	ck_assert_uint_eq(e->body_len, strlen(e->body));
	ck_assert_int_eq(e->body_json, 1);
	e = cassette_entry(c, 1);
	ck_assert_uint_eq(e->body_len, 5);
	ck_assert_int_eq(memcmp(e->body, "a=1\0b", 6), 0);
	ck_assert_int_eq(e->body_json, 0);
	/* A JSON scalar written by hand stands for its text. */
	e = cassette_entry(c, 2);
	ck_assert_str_eq(e->body, "42");
	ck_assert_int_eq(e->body_json, 0);
	/* An empty body, null or none at all: no body. */
	for (size_t i = 3; i < 6; i++) {
		e = cassette_entry(c, i);
		ck_assert_ptr_null(e->body);
		ck_assert_uint_eq(e->body_len, 0);
		ck_assert_int_eq(e->body_json, 0);
	}
	ck_assert_uint_eq(cassettes_hit_body(rp, "POST", "/v2/x", "", "42"), 3);
	ck_assert_uint_eq(cassettes_hit_body(rp, "POST", "/v2/x", "", NULL), 4);
	ck_assert_uint_eq(cassettes_hit_body(rp, "POST", "/v2/x", "", NULL), 5);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

struct read_ctx {
	size_t calls;
	size_t stop_at;
};

static int
read_line(void *ctx, const struct exchange_view *v, size_t line, char *reason, size_t rlen)
{
	struct read_ctx *r = ctx;

	r->calls++;
	ck_assert_str_eq(v->method, "GET");
	if (line == r->stop_at) {
		snprintf(reason, rlen, "stopped at %zu", line);
		return -1;
	}
	return 0;
}

/* Every exchange goes to the callback, which may stop the read with a reason of its own. */
START_TEST(test_read_stops)
{
	char path[64], err[256] = "", warn[256] = "x";
	struct read_ctx r = {0, 0};
	size_t n;

	cassettes_file(path, EX_OK "\n" EX_OK EX_OK);
	ck_assert_int_eq(cassette_read(path, read_line, &r, warn, sizeof(warn), err, sizeof(err)),
	                 0);
	ck_assert_uint_eq(r.calls, 3);
	ck_assert_str_eq(warn, "");
	r = (struct read_ctx){0, 3};
	ck_assert_int_eq(cassette_read(path, read_line, &r, NULL, 0, err, sizeof(err)), -1);
	ck_assert_uint_eq(r.calls, 2);
	n = strlen(path);
	ck_assert_int_eq(strncmp(err, path, n), 0);
	ck_assert_str_eq(err + n, ": line 3: stopped at 3");
	unlink(path);
}
END_TEST

static Suite *
cassette_suite(void)
{
	Suite *s = suite_create("cassette");
	TCase *tc;

	tc = tcase_create("load");
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_load_missing_file);
	tcase_add_test(tc, test_load_lenient_shapes);
	tcase_add_test(tc, test_load_torn_last_line);
	tcase_add_test(tc, test_load_bad_line_before_the_last);
	tcase_add_test(tc, test_tail_whole);
	tcase_add_test(tc, test_find_salt);
	tcase_add_test(tc, test_entries);
	tcase_add_test(tc, test_entries_bodies);
	tcase_add_test(tc, test_read_stops);
	suite_add_tcase(s, tc);
	tc = tcase_create("kind");
	tcase_add_test(tc, test_is_cassette);
	tcase_add_test(tc, test_kind);
	tcase_add_test(tc, test_holds_calls);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(cassette_suite());
}
