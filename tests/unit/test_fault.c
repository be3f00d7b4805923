/*
 * test_fault.c - unit tests of fault: reading rules and every validation message, adding all
 * or nothing, matching on each field (wildcard paths and JSON bodies included, and a body
 * parsed only when a rule asks and then once), the after/times/probability sequences, the
 * seeded generator, delays, removal and reset, the list and metrics output, Prefer headers,
 * the shipped scenario files, and matching from several threads at once.
 */
/* realpath(3), for the absolute path a listing shows, is declared only for default builds. */
#define _DEFAULT_SOURCE 1
#include "fault.h"

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "rule.h"

#define SEED UINT64_C(42)
#define SCENARIOS "fixtures/scenarios/"

static struct fault_set *fs;
static char err[512];
/* Large (about 8 KiB); each test runs in its own process, so they do not share it. */
static struct query q;

static void
setup(void)
{
	fs = fault_set_create(SEED);
	ck_assert_ptr_nonnull(fs);
	err[0] = '\0';
}

static void
teardown(void)
{
	fault_set_free(fs);
	fs = NULL;
}

/* Adds json; on failure the message is in err. */
static int
add(const char *json)
{
	err[0] = '\0';
	return fault_set_add_json(fs, json, strlen(json), NULL, 0, NULL, err, sizeof(err));
}

static void
add_ok(const char *json)
{
	int rc = add(json);

	ck_assert_msg(rc == 0, "adding %s failed: %s", json, err);
}

/* A request with a query string (NULL: no query at all). */
static struct fault_request
mkreq(const char *method, const char *path, const char *raw, long page, const char *cred)
{
	struct fault_request r = {method, path, NULL, page, cred, NULL, 0};

	if (raw != NULL) {
		ck_assert_int_eq(query_parse(&q, raw, strlen(raw)), 0);
		r.query = &q;
	}
	return r;
}

static struct fault_request
get_calls(const char *raw)
{
	return mkreq("GET", "/v2/calls", raw, 0, "key");
}

/* A POST with a JSON body (NULL: none), as a client of Gong's extensive operations sends. */
static struct fault_request
post_body(const char *path, const char *body)
{
	struct fault_request r = mkreq("POST", path, NULL, 0, "key");

	r.body = body;
	r.body_len = body != NULL ? strlen(body) : 0;
	return r;
}

static int
hit(const struct fault_request *r)
{
	struct fault_action a;

	return fault_match(fs, r, &a);
}

/* The list, parsed; the caller drops it. */
static json_t *
list(void)
{
	char *s = fault_set_list_json(fs);
	json_error_t je;
	json_t *root;

	ck_assert_ptr_nonnull(s);
	root = json_loads(s, 0, &je);
	ck_assert_msg(root != NULL, "list is not JSON: %s", s);
	free(s);
	ck_assert(json_is_array(json_object_get(root, "rules")));
	return root;
}

static size_t
list_size(void)
{
	json_t *root = list();
	size_t n = json_array_size(json_object_get(root, "rules"));

	json_decref(root);
	return n;
}

/* Field `key` (an integer) of the i-th rule in the list. */
static long long
list_int(size_t i, const char *key)
{
	json_t *root = list();
	json_t *v = json_object_get(json_array_get(json_object_get(root, "rules"), i), key);
	long long n;

	ck_assert_msg(json_is_integer(v), "rules[%zu].%s is not an integer", i, key);
	n = json_integer_value(v);
	json_decref(root);
	return n;
}

/* ---------------------------------------------------------------- parsing */

START_TEST(test_parse_full)
{
	struct fault_request r = mkreq("GET", "/v2/calls", "workspaceId=123", 1, "k");
	struct fault_action a;
	unsigned ids[4];
	size_t nids = 99;
	const char *json =
	    "{\"name\": \"page 2 flaps\","
	    " \"match\": {\"method\": \"GET\", \"path\": \"/v2/calls\","
	    "  \"query\": {\"workspaceId\": \"123\"}, \"page\": 1, \"credential\": \"k\"},"
	    " \"respond\": {\"status\": 429, \"retryAfter\": 2,"
	    "  \"errors\": [\"API request limit exceeded\", \"second\"],"
	    "  \"headers\": {\"X-Extra\": \"1\", \"X-Other\": \"two words\"},"
	    "  \"delayMs\": 7, \"fault\": null},"
	    " \"after\": 2, \"times\": 3, \"probability\": 1.0}";

	ck_assert_int_eq(
	    fault_set_add_json(fs, json, strlen(json), ids, 4, &nids, err, sizeof(err)), 0);
	ck_assert_uint_eq(nids, 1);
	ck_assert_uint_eq(ids[0], 1);
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
	memset(&a, 0x5a, sizeof(a));
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.rule_id, 1);
	ck_assert_str_eq(a.name, "page 2 flaps");
	ck_assert_uint_eq(a.status, 429);
	ck_assert_uint_eq(a.retry_after, 2);
	ck_assert_uint_eq(a.nerrors, 2);
	ck_assert_str_eq(a.errors[0], "API request limit exceeded");
	ck_assert_str_eq(a.errors[1], "second");
	ck_assert_uint_eq(a.nheaders, 2);
	ck_assert_str_eq(a.header_names[0], "X-Extra");
	ck_assert_str_eq(a.header_values[0], "1");
	ck_assert_str_eq(a.header_names[1], "X-Other");
	ck_assert_str_eq(a.header_values[1], "two words");
	ck_assert_uint_eq(a.delay_ms, 7);
	ck_assert_int_eq(a.kind, FAULT_NONE);
}
END_TEST

START_TEST(test_parse_defaults)
{
	struct fault_request r = get_calls("");
	struct fault_action a;

	memset(&a, 0x5a, sizeof(a));
	add_ok("{\"respond\": {\"status\": 429}}");
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.rule_id, 1);
	ck_assert_str_eq(a.name, "rule-1");
	ck_assert_uint_eq(a.status, 429);
	ck_assert_uint_eq(a.retry_after, 1);
	ck_assert_uint_eq(a.nerrors, 0);
	ck_assert_uint_eq(a.nheaders, 0);
	ck_assert_uint_eq(a.delay_ms, 0);
	ck_assert_int_eq(a.kind, FAULT_NONE);
	/* No match, no after, no times: it fires on everything, for ever. */
	r = mkreq("POST", "/elsewhere", NULL, -1, NULL);
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
}
END_TEST

START_TEST(test_parse_retry_after)
{
	struct fault_request r = get_calls("");
	struct fault_action a;

	add_ok("{\"match\": {\"credential\": \"a\"}, \"respond\": {\"status\": 503}}");
	add_ok("{\"match\": {\"credential\": \"b\"}, \"respond\": {\"status\": 503, "
	       "\"retryAfter\": 5}}");
	add_ok("{\"match\": {\"credential\": \"c\"}, \"respond\": {\"status\": 429, "
	       "\"retryAfter\": 0}}");
	r.credential = "a";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.retry_after, 0);
	r.credential = "b";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.retry_after, 5);
	r.credential = "c";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.retry_after, 0);
}
END_TEST

/* Without a status, or with 200, the normal answer is served, with its delay. */
START_TEST(test_parse_normal_answer)
{
	struct fault_request r = get_calls("");
	struct fault_action a;

	add_ok("{\"match\": {\"credential\": \"a\"}, \"respond\": {\"delayMs\": 50}}");
	add_ok("{\"match\": {\"credential\": \"b\"}, \"respond\": {\"status\": 200, "
	       "\"fault\": \"truncate\"}}");
	r.credential = "a";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 0);
	ck_assert_uint_eq(a.delay_ms, 50);
	ck_assert(!fault_action_answers(&a));
	r.credential = "b";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 200);
	ck_assert_int_eq(a.kind, FAULT_TRUNCATE);
	ck_assert_ptr_null(a.body);
	ck_assert(!fault_action_answers(&a));
}
END_TEST

static const struct {
	const char *name;
	enum fault_kind kind;
} kinds[] = {{"null", FAULT_NONE},
             {"\"reset\"", FAULT_RESET},
             {"\"empty\"", FAULT_EMPTY},
             {"\"truncate\"", FAULT_TRUNCATE},
             {"\"slow\"", FAULT_SLOW}};

START_TEST(test_parse_fault_kinds)
{
	struct fault_request r = get_calls("");
	struct fault_action a;
	char json[128];

	snprintf(json, sizeof(json), "{\"respond\": {\"delayMs\": 10, \"fault\": %s}}",
	         kinds[_i].name);
	add_ok(json);
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_int_eq(a.kind, kinds[_i].kind);
	ck_assert_uint_eq(a.delay_ms, 10);
}
END_TEST

START_TEST(test_parse_status_range)
{
	struct fault_request r = get_calls("");
	struct fault_action a;

	add_ok("{\"match\": {\"credential\": \"a\"}, \"respond\": {\"status\": 200}}");
	add_ok("{\"match\": {\"credential\": \"b\"}, \"respond\": {\"status\": 599}}");
	r.credential = "a";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 200);
	r.credential = "b";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 599);
	/* An informational status cannot be the final answer. */
	{
		static const char bad[] = "{\"respond\":{\"status\":101}}";

		ck_assert_int_eq(
		    fault_set_add_json(fs, bad, sizeof(bad) - 1, NULL, 0, NULL, err, sizeof(err)),
		    -1);
	}
	ck_assert_str_eq(err, "respond.status: 101 is informational, never a final answer (a "
	                      "client waits for the one after it): use 200 to 599");
}
END_TEST

/* Appends to out (of size size) at *n; the text must fit. */
__attribute__((format(printf, 4, 5))) static void
append(char *out, size_t size, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(out + *n, size - *n, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(w, 0);
	ck_assert_uint_lt((size_t)w, size - *n);
	*n += (size_t)w;
}

/*
 * A rule with every list full (8 errors, 8 headers), a name of `name` characters, errors of
 * `error` bytes, header names of `hname` characters and header values of `hvalue` bytes.
 */
static void
capped_rule(char *out, size_t size, int name, int error, int hname, int hvalue)
{
	size_t n = 0;

	append(out, size, &n, "{\"name\": \"%0*d\", \"respond\": {\"status\": 500, \"errors\": [",
	       name, 0);
	for (int i = 0; i < FAULT_MAX_ERRORS; i++)
		append(out, size, &n, "%s\"%0*d\"", i ? "," : "", error, i);
	append(out, size, &n, "], \"headers\": {");
	for (int i = 0; i < FAULT_MAX_HEADERS; i++)
		append(out, size, &n, "%s\"X%0*d\": \"%0*d\"", i ? "," : "", hname - 1, i, hvalue,
		       i);
	append(out, size, &n, "}, \"delayMs\": [600000, 600000]}}");
}

/* Every cap at its limit is accepted and comes back whole; one past it is refused. */
START_TEST(test_parse_limits)
{
	struct fault_request r = get_calls("");
	struct fault_action a;
	char json[8192], want[512];

	capped_rule(json, sizeof(json), FAULT_NAME_MAX, FAULT_ERROR_MAX - 1, 63, 255);
	/* Not add_ok: a message quoting this rule would pass check's own limit. */
	ck_assert_msg(add(json) == 0, "refused: %s", err);
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(strlen(a.name), FAULT_NAME_MAX);
	ck_assert_uint_eq(a.nerrors, FAULT_MAX_ERRORS);
	ck_assert_uint_eq(a.nheaders, FAULT_MAX_HEADERS);
	for (int i = 0; i < FAULT_MAX_ERRORS; i++) {
		ck_assert_uint_eq(strlen(a.errors[i]), FAULT_ERROR_MAX - 1);
		ck_assert_int_eq(atoi(a.errors[i]), i);
	}
	for (int i = 0; i < FAULT_MAX_HEADERS; i++) {
		ck_assert_uint_eq(strlen(a.header_names[i]), 63);
		ck_assert_int_eq(atoi(a.header_names[i] + 1), i);
		ck_assert_uint_eq(strlen(a.header_values[i]), 255);
		ck_assert_int_eq(atoi(a.header_values[i]), i);
	}
	ck_assert_uint_eq(a.delay_ms, 600000);
	add_ok("{\"respond\": {\"status\": 503, \"retryAfter\": 86400, \"headers\": {\"X\": \"\"}},"
	       " \"after\": 0, "
	       "\"times\": null, \"probability\": 0}");
	ck_assert_uint_eq(list_size(), 2);

	fault_set_clear(fs);
	capped_rule(json, sizeof(json), FAULT_NAME_MAX + 1, FAULT_ERROR_MAX - 1, 63, 255);
	ck_assert_int_eq(add(json), -1);
	ck_assert_str_eq(err,
	                 "name: must be a string of 1 to 128 characters, no control characters");
	capped_rule(json, sizeof(json), FAULT_NAME_MAX, FAULT_ERROR_MAX, 63, 255);
	ck_assert_int_eq(add(json), -1);
	ck_assert_str_eq(err,
	                 "respond.errors: must be an array of strings of up to 255 bytes each");
	capped_rule(json, sizeof(json), FAULT_NAME_MAX, FAULT_ERROR_MAX - 1, 64, 255);
	ck_assert_int_eq(add(json), -1);
	ck_assert_str_eq(err, "respond.headers: names must be header names of 1 to 63 characters");
	capped_rule(json, sizeof(json), FAULT_NAME_MAX, FAULT_ERROR_MAX - 1, 63, 256);
	ck_assert_int_eq(add(json), -1);
	snprintf(want, sizeof(want),
	         "respond.headers: \"X%062d\" must be a string of up to 255 bytes without control "
	         "characters",
	         0);
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(list_size(), 0);
}
END_TEST

static const struct {
	const char *json;
	const char *message;
} bad_rules[] = {
    /* the messages fault.h gives as examples */
    {"{\"rules\": [{\"respond\": {}}, {\"respond\": {\"status\": 600}}]}",
     "rules[1].respond.status: must be an integer from 200 to 599"},
    {"{\"rules\": [{\"match\": {\"page\": -1}, \"respond\": {}}]}",
     "rules[0].match.page: must be a non-negative integer"},
    {"{\"match\": {}}", "rule: \"respond\" is required"},
    {"{\"rules\": [{\"respond\": {}}, {\"respond\": {}}, {\"matchh\": {}, \"respond\": {}}]}",
     "rules[2]: unknown key \"matchh\""},
    {"{\"respond\": {\"delayMs\": -1}}",
     "respond.delayMs: must be an integer from 0 to 600000, or [min, max] with min <= max"},
    /* the rule itself */
    {"{\"rules\": [{\"match\": {}}]}", "rules[0]: \"respond\" is required"},
    {"{\"matchh\": {}, \"respond\": {}}", "rule: unknown key \"matchh\""},
    {"{\"rules\": [1]}", "rules[0]: must be an object"},
    {"{\"rules\": [{\"respond\": {}}, []]}", "rules[1]: must be an object"},
    /* name */
    {"{\"name\": \"\", \"respond\": {}}",
     "name: must be a string of 1 to 128 characters, no control characters"},
    {"{\"name\": 5, \"respond\": {}}",
     "name: must be a string of 1 to 128 characters, no control characters"},
    {"{\"name\": \"a\\nb\", \"respond\": {}}",
     "name: must be a string of 1 to 128 characters, no control characters"},
    {"{\"name\": \"rule-3\", \"respond\": {}}",
     "name: \"rule-<n>\" names are kept for rules without a name"},
    {"{\"rules\": [{\"name\": \"a\", \"respond\": {}}, {\"name\": \"a\", \"respond\": {}}]}",
     "rules[1].name: \"a\" is already used by rules[0]"},
    /* match */
    {"{\"match\": [], \"respond\": {}}", "match: must be an object"},
    {"{\"match\": null, \"respond\": {}}", "match: must be an object"},
    {"{\"match\": {\"pathh\": \"/\"}, \"respond\": {}}", "match: unknown key \"pathh\""},
    {"{\"rules\": [{\"match\": {\"pathh\": \"/\"}, \"respond\": {}}]}",
     "rules[0].match: unknown key \"pathh\""},
    {"{\"match\": {\"method\": 1}, \"respond\": {}}",
     "match.method: must be an HTTP method such as \"GET\""},
    {"{\"match\": {\"method\": \"G T\"}, \"respond\": {}}",
     "match.method: must be an HTTP method such as \"GET\""},
    {"{\"match\": {\"method\": \"\"}, \"respond\": {}}",
     "match.method: must be an HTTP method such as \"GET\""},
    {"{\"match\": {\"path\": \"\"}, \"respond\": {}}", "match.path: must be a non-empty string"},
    {"{\"match\": {\"path\": 7}, \"respond\": {}}", "match.path: must be a non-empty string"},
    {"{\"match\": {\"path\": \"/v2/calls?workspaceId=1\"}, \"respond\": {}}",
     "match.path: must not hold a query; use match.query"},
    {"{\"match\": {\"path\": \"/v2/calls/12*\"}, \"respond\": {}}",
     "match.path: \"*\" must be a whole segment, standing for any one segment"},
    {"{\"match\": {\"path\": \"/v2/**\"}, \"respond\": {}}",
     "match.path: \"*\" must be a whole segment, standing for any one segment"},
    {"{\"rules\": [{\"match\": {\"path\": \"*x/v2\"}, \"respond\": {}}]}",
     "rules[0].match.path: \"*\" must be a whole segment, standing for any one segment"},
    {"{\"match\": {\"body\": []}, \"respond\": {}}",
     "match.body: must be an object of dotted paths to strings or numbers"},
    {"{\"match\": {\"body\": \"filter.workspaceId=1\"}, \"respond\": {}}",
     "match.body: must be an object of dotted paths to strings or numbers"},
    {"{\"match\": {\"body\": null}, \"respond\": {}}",
     "match.body: must be an object of dotted paths to strings or numbers"},
    {"{\"rules\": [{\"match\": {\"body\": 1}, \"respond\": {}}]}",
     "rules[0].match.body: must be an object of dotted paths to strings or numbers"},
    {"{\"match\": {\"body\": {\"\": \"1\"}}, \"respond\": {}}",
     "match.body: \"\" is not a dotted path such as \"filter.workspaceId\""},
    {"{\"match\": {\"body\": {\".filter\": \"1\"}}, \"respond\": {}}",
     "match.body: \".filter\" is not a dotted path such as \"filter.workspaceId\""},
    {"{\"match\": {\"body\": {\"filter.\": \"1\"}}, \"respond\": {}}",
     "match.body: \"filter.\" is not a dotted path such as \"filter.workspaceId\""},
    {"{\"match\": {\"body\": {\"filter..callIds\": \"1\"}}, \"respond\": {}}",
     "match.body: \"filter..callIds\" is not a dotted path such as \"filter.workspaceId\""},
    {"{\"match\": {\"body\": {\"filter.workspaceId\": true}}, \"respond\": {}}",
     "match.body.filter.workspaceId: must be a string or a number"},
    {"{\"match\": {\"body\": {\"filter.workspaceId\": null}}, \"respond\": {}}",
     "match.body.filter.workspaceId: must be a string or a number"},
    {"{\"match\": {\"body\": {\"filter.callIds\": [\"1\"]}}, \"respond\": {}}",
     "match.body.filter.callIds: must be a string or a number"},
    {"{\"rules\": [{\"match\": {\"body\": {\"filter\": {\"workspaceId\": \"1\"}}},"
     " \"respond\": {}}]}",
     "rules[0].match.body.filter: must be a string or a number"},
    {"{\"match\": {\"query\": []}, \"respond\": {}}", "match.query: must be an object of strings"},
    {"{\"match\": {\"query\": {\"workspaceId\": 123}}, \"respond\": {}}",
     "match.query.workspaceId: must be a string"},
    {"{\"match\": {\"query\": {\"fromDateTime\": \"yesterday\"}}, \"respond\": {}}",
     "match.query.fromDateTime: must be a valid ISO-8601 date-time"},
    {"{\"rules\": [{\"match\": {\"query\": {\"toDateTime\": \"\"}}, \"respond\": {}}]}",
     "rules[0].match.query.toDateTime: must be a valid ISO-8601 date-time"},
    {"{\"match\": {\"page\": \"1\"}, \"respond\": {}}",
     "match.page: must be a non-negative integer"},
    {"{\"match\": {\"page\": 1.0}, \"respond\": {}}", "match.page: must be a non-negative integer"},
    {"{\"match\": {\"credential\": \"\"}, \"respond\": {}}",
     "match.credential: must be a non-empty string"},
    {"{\"match\": {\"credential\": null}, \"respond\": {}}",
     "match.credential: must be a non-empty string"},
    /* respond */
    {"{\"respond\": []}", "respond: must be an object"},
    {"{\"respond\": {\"statuss\": 1}}", "respond: unknown key \"statuss\""},
    {"{\"respond\": {\"status\": 99}}", "respond.status: must be an integer from 200 to 599"},
    {"{\"respond\": {\"status\": \"429\"}}", "respond.status: must be an integer from 200 to 599"},
    {"{\"respond\": {\"status\": 429.0}}", "respond.status: must be an integer from 200 to 599"},
    {"{\"respond\": {\"retryAfter\": -1}}",
     "respond.retryAfter: must be an integer from 0 to 86400"},
    {"{\"respond\": {\"retryAfter\": 86401}}",
     "respond.retryAfter: must be an integer from 0 to 86400"},
    {"{\"respond\": {\"errors\": []}}", "respond.errors: must be an array of 1 to 8 strings"},
    {"{\"respond\": {\"errors\": \"oops\"}}", "respond.errors: must be an array of 1 to 8 strings"},
    {"{\"respond\": {\"errors\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]}}",
     "respond.errors: must be an array of 1 to 8 strings"},
    {"{\"respond\": {\"errors\": [\"a\", 1]}}",
     "respond.errors: must be an array of strings of up to 255 bytes each"},
    {"{\"respond\": {\"headers\": []}}", "respond.headers: must be an object of up to 8 strings"},
    {"{\"respond\": {\"headers\": {\"A\":\"\",\"B\":\"\",\"C\":\"\",\"D\":\"\",\"E\":\"\","
     "\"F\":\"\",\"G\":\"\",\"H\":\"\",\"I\":\"\"}}}",
     "respond.headers: must be an object of up to 8 strings"},
    {"{\"respond\": {\"headers\": {\"Bad Name\": \"x\"}}}",
     "respond.headers: names must be header names of 1 to 63 characters"},
    {"{\"respond\": {\"headers\": {\"\": \"x\"}}}",
     "respond.headers: names must be header names of 1 to 63 characters"},
    {"{\"respond\": {\"headers\": {\"X-A\": 1}}}",
     "respond.headers: \"X-A\" must be a string of up to 255 bytes without control characters"},
    {"{\"respond\": {\"headers\": {\"X-A\": \"a\\r\\nSet-Cookie: x\"}}}",
     "respond.headers: \"X-A\" must be a string of up to 255 bytes without control characters"},
    {"{\"respond\": {\"delayMs\": 600001}}",
     "respond.delayMs: must be an integer from 0 to 600000, or [min, max] with min <= max"},
    {"{\"respond\": {\"delayMs\": [5, 1]}}",
     "respond.delayMs: must be an integer from 0 to 600000, or [min, max] with min <= max"},
    {"{\"respond\": {\"delayMs\": [1]}}",
     "respond.delayMs: must be an integer from 0 to 600000, or [min, max] with min <= max"},
    {"{\"respond\": {\"delayMs\": [1, 2, 3]}}",
     "respond.delayMs: must be an integer from 0 to 600000, or [min, max] with min <= max"},
    {"{\"respond\": {\"delayMs\": [0, 600001]}}",
     "respond.delayMs: must be an integer from 0 to 600000, or [min, max] with min <= max"},
    {"{\"respond\": {\"delayMs\": \"100\"}}",
     "respond.delayMs: must be an integer from 0 to 600000, or [min, max] with min <= max"},
    {"{\"respond\": {\"delayMs\": 1.5}}",
     "respond.delayMs: must be an integer from 0 to 600000, or [min, max] with min <= max"},
    {"{\"respond\": {\"fault\": \"explode\"}}",
     "respond.fault: must be \"reset\", \"empty\", \"truncate\", \"slow\" or null"},
    {"{\"respond\": {\"fault\": 1}}",
     "respond.fault: must be \"reset\", \"empty\", \"truncate\", \"slow\" or null"},
    {"{\"respond\": {\"fault\": \"slow\"}}",
     "respond.fault: \"slow\" needs a delayMs above 0 to dribble over"},
    {"{\"rules\": [{\"respond\": {\"fault\": \"RESET\"}}]}",
     "rules[0].respond.fault: must be \"reset\", \"empty\", \"truncate\", \"slow\" or null"},
    /* after, times, probability */
    {"{\"respond\": {}, \"after\": -1}", "after: must be a non-negative integer"},
    {"{\"respond\": {}, \"after\": \"2\"}", "after: must be a non-negative integer"},
    {"{\"respond\": {}, \"times\": 0}",
     "times: 0 would never fire: give a positive integer, or null to fire for ever"},
    {"{\"respond\": {}, \"times\": 1.5}", "times: must be a positive integer or null"},
    {"{\"respond\": {}, \"probability\": 1.5}", "probability: must be a number from 0 to 1"},
    {"{\"respond\": {}, \"probability\": -0.1}", "probability: must be a number from 0 to 1"},
    {"{\"respond\": {}, \"probability\": \"0.5\"}", "probability: must be a number from 0 to 1"},
    /* rules that could never fire */
    {"{\"match\": {\"method\": \"FETCH\"}, \"respond\": {\"status\": 500}}",
     "match.method: \"FETCH\" is not a method Gong's API is sent, so the rule could never fire: "
     "use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS"},
    {"{\"rules\": [{\"match\": {\"method\": \"CONNECT\"}, \"respond\": {}}]}",
     "rules[0].match.method: \"CONNECT\" is not a method Gong's API is sent, so the rule could "
     "never fire: use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS"},
    {"{\"match\": {\"path\": \"v2/calls\"}, \"respond\": {\"status\": 500}}",
     "match.path: paths start with '/': did you mean /v2/calls?"},
    {"{\"rules\": [{\"match\": {\"path\": \"v2//calls/*/\"}, \"respond\": {}}]}",
     "rules[0].match.path: paths start with '/': did you mean /v2/calls/*?"},
    {"{\"match\": {\"path\": \"/__admin/faults\"}, \"respond\": {\"status\": 500}}",
     "match.path: the control API (/__admin/..., /metrics) is never subject to rules"},
    {"{\"match\": {\"path\": \"/metrics\"}, \"respond\": {}}",
     "match.path: the control API (/__admin/..., /metrics) is never subject to rules"},
    {"{\"match\": {\"path\": \"/calls\"}, \"respond\": {}}",
     "match.path: \"/calls\" is outside Gong's API (/v2/...), the only paths rules see: the "
     "rule could never fire"},
    {"{\"match\": {\"path\": \"https://api.gong.io\"}, \"respond\": {}}",
     "match.path: \"/\" is outside Gong's API (/v2/...), the only paths rules see: the rule "
     "could never fire"},
    {"{\"match\": {\"path\": \"/v3/calls\"}, \"respond\": {}}",
     "match.path: \"/v3/calls\" is outside Gong's API (/v2/...), the only paths rules see: the "
     "rule could never fire"},
    {"{\"match\": {\"method\": \"POST\", \"page\": 1}, \"respond\": {\"status\": 500}}",
     "match.page: a page is read from the cursor in a GET's query string, and a POST sends none "
     "there: leave page out, or match GET"},
    {"{\"match\": {\"method\": \"delete\", \"page\": 0}, \"respond\": {}}",
     "match.page: a page is read from the cursor in a GET's query string, and a DELETE sends "
     "none there: leave page out, or match GET"},
    {"{\"match\": {\"path\": \"/v2/calls/extensive/\", \"page\": 1}, \"respond\": {}}",
     "match.page: /v2/calls/extensive takes its cursor in the JSON body, not the query string, "
     "so its requests name no page: leave page out"},
    {"{\"match\": {\"path\": \"/v2/users/extensive\", \"page\": 2}, \"respond\": {}}",
     "match.page: /v2/users/extensive takes its cursor in the JSON body, not the query string, "
     "so its requests name no page: leave page out"},
    {"{\"match\": {\"credential\": \"k\\u00e9y\"}, \"respond\": {}}",
     "match.credential: must be printable ASCII, as access keys and tokens are"},
    {"{\"match\": {\"credential\": \"k\\ty\"}, \"respond\": {}}",
     "match.credential: must be printable ASCII, as access keys and tokens are"},
    {"{\"respond\": {\"status\": 100}}",
     "respond.status: 100 is informational, never a final answer (a client waits for the one "
     "after it): use 200 to 599"},
    {"{\"respond\": {\"errors\": [\"x\"]}}",
     "respond.errors: only an answer of the rule's own carries it (a status other than 200, or "
     "a body); without one the normal answer goes out unchanged and this would never be seen"},
    {"{\"respond\": {\"status\": 200, \"retryAfter\": 3}}",
     "respond.retryAfter: only an answer of the rule's own carries it (a status other than 200, "
     "or a body); without one the normal answer goes out unchanged and this would never be "
     "seen"},
    {"{\"rules\": [{\"respond\": {\"delayMs\": 5, \"headers\": {\"X-A\": \"1\"}}}]}",
     "rules[0].respond.headers: only an answer of the rule's own carries it (a status other "
     "than 200, or a body); without one the normal answer goes out unchanged and this would "
     "never be seen"},
    {"{\"respond\": {\"status\": 500, \"headers\": {\"Content-Length\": \"5\"}}}",
     "respond.headers: \"Content-Length\" is not a rule's to set: the server writes "
     "Content-Length, Transfer-Encoding and Connection itself, as they frame the answer"},
    {"{\"respond\": {\"body\": {}, \"headers\": {\"transfer-encoding\": \"chunked\"}}}",
     "respond.headers: \"transfer-encoding\" is not a rule's to set: the server writes "
     "Content-Length, Transfer-Encoding and Connection itself, as they frame the answer"},
    {"{\"respond\": {\"status\": 503, \"headers\": {\"CONNECTION\": \"close\"}}}",
     "respond.headers: \"CONNECTION\" is not a rule's to set: the server writes "
     "Content-Length, Transfer-Encoding and Connection itself, as they frame the answer"},
    {"{\"respond\": {\"status\": 503, \"headers\": {\"X-A\": \"1\", \"x-a\": \"2\"}}}",
     "respond.headers: \"X-A\" and \"x-a\" name the same header: give it once"},
    {"{\"respond\": {\"status\": 429, \"retryAfter\": 2, \"headers\": {\"retry-after\": "
     "\"3\"}}}",
     "respond.headers: \"retry-after\" and retryAfter both set Retry-After: give one"},
    /* stubs */
    {"{\"respond\": {\"body\": {}, \"bodyFile\": \"/tmp/x.json\"}}",
     "respond: \"body\" and \"bodyFile\" exclude each other: give one"},
    {"{\"respond\": {\"status\": 404, \"errors\": [\"x\"], \"body\": {\"a\": 1}}}",
     "respond.errors: errors make Gong's error body, and body is a body of your own: give one "
     "or the other"},
    {"{\"respond\": {\"status\": 404, \"errors\": [\"x\"], \"bodyFile\": \"/tmp/x.json\"}}",
     "respond.errors: errors make Gong's error body, and bodyFile is a body of your own: give "
     "one or the other"},
    {"{\"respond\": {\"status\": 204, \"body\": {}}}",
     "respond.body: a 204 answer has no content: HTTP sends none with it, so the client would "
     "never see this body"},
    {"{\"respond\": {\"status\": 205, \"body\": null}}",
     "respond.body: a 205 answer has no content: HTTP sends none with it, so the client would "
     "never see this body"},
    {"{\"rules\": [{\"respond\": {\"status\": 304, \"bodyFile\": \"/nonexistent.json\"}}]}",
     "rules[0].respond.bodyFile: a 304 answer has no content: HTTP sends none with it, so the "
     "client would never see this body"},
    {"{\"respond\": {\"bodyFile\": \"stubs/stats.json\"}}",
     "respond.bodyFile: \"stubs/stats.json\" is relative: a rule added through the control API "
     "names its file by an absolute path"},
    {"{\"respond\": {\"bodyFile\": \"\"}}", "respond.bodyFile: must be the name of a file of JSON"},
    {"{\"respond\": {\"bodyFile\": {\"path\": \"/tmp/x.json\"}}}",
     "respond.bodyFile: must be the name of a file of JSON"},
    {"{\"respond\": {\"bodyFile\": \"/nonexistent/stats.json\"}}",
     "respond.bodyFile: /nonexistent/stats.json: No such file or directory"},
    {"{\"respond\": {\"bodyFile\": \"/dev/null\"}}",
     "respond.bodyFile: /dev/null: not a regular file"},
    {"{\"respond\": {\"bodyFile\": \"/\"}}", "respond.bodyFile: /: not a regular file"},
    /* the document */
    {"[]", "must be a rule object or {\"rules\":[...]}"},
    {"{\"rules\": {}}", "rules: must be an array"},
    {"{\"rules\": [], \"x\": 1}", "unknown key \"x\" beside \"rules\" (only \"description\" may "
                                  "be there)"},
    {"{\"rules\": [], \"description\": 1}", "description: must be a string"},
    {"{\"description\": \"one rule\", \"respond\": {}}", "rule: unknown key \"description\""},
};

START_TEST(test_parse_errors)
{
	int rc = add(bad_rules[_i].json);

	ck_assert_msg(rc == -1, "accepted %s", bad_rules[_i].json);
	ck_assert_str_eq(err, bad_rules[_i].message);
	ck_assert_uint_eq(list_size(), 0);
}
END_TEST

START_TEST(test_parse_bad_json)
{
	const char *dup = "{\"respond\": {}, \"respond\": {\"status\": 500}}";

	static const char cut[] = "invalid JSON at line 1, column 12: ";

	/* Where the text stops is ours to report; the parser's own words after it are not. */
	ck_assert_int_eq(add("{\"respond\": "), -1);
	ck_assert_msg(strncmp(err, cut, strlen(cut)) == 0, "got: %s", err);
	ck_assert_uint_gt(strlen(err), strlen(cut));
	/* A repeated key is refused rather than one copy silently winning. */
	ck_assert_int_eq(add(dup), -1);
	ck_assert_msg(strncmp(err, "invalid JSON at line 1, column ", 31) == 0, "got: %s", err);
	ck_assert_int_eq(fault_set_add_json(fs, "", 0, NULL, 0, NULL, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "invalid JSON at line 1, column ", 31) == 0, "got: %s", err);
	ck_assert_uint_eq(list_size(), 0);
	ck_assert_uint_eq(fault_set_count(fs), 0);
}
END_TEST

/* A message that does not fit is cut, never overflows, and a zero-size buffer is left alone. */
START_TEST(test_parse_err_buffer)
{
	const char *json = "{\"respond\": {\"status\": 1}}";
	char small[8];

	memset(small, '#', sizeof(small));
	ck_assert_int_eq(fault_set_add_json(fs, json, strlen(json), NULL, 0, NULL, small, 8), -1);
	ck_assert_str_eq(small, "respond");
	ck_assert_int_eq(fault_set_add_json(fs, json, strlen(json), NULL, 0, NULL, small, 0), -1);
	ck_assert_int_eq(fault_set_add_json(fs, json, strlen(json), NULL, 0, NULL, NULL, 0), -1);
}
END_TEST

/* ---------------------------------------------------------------- adding */

START_TEST(test_add_all_or_nothing)
{
	struct fault_request r = get_calls("");
	unsigned ids[4] = {0};
	size_t nids = 99;
	const char *bad = "{\"rules\": [{\"name\": \"b\", \"respond\": {\"status\": 500}},"
	                  " {\"respond\": {\"status\": 500}}, {\"respond\": {\"status\": 0}}]}";

	add_ok("{\"name\": \"a\", \"match\": {\"credential\": \"nobody\"}, \"respond\": {}}");
	ck_assert_int_eq(fault_set_add_json(fs, bad, strlen(bad), ids, 4, &nids, err, sizeof(err)),
	                 -1);
	ck_assert_str_eq(err, "rules[2].respond.status: must be an integer from 200 to 599");
	ck_assert_uint_eq(nids, 0);
	ck_assert_uint_eq(list_size(), 1);
	ck_assert_int_eq(hit(&r), 0);
	/* A name clash with the set refuses the whole batch too. */
	ck_assert_int_eq(add("{\"rules\": [{\"name\": \"b\", \"respond\": {}},"
	                     " {\"name\": \"a\", \"respond\": {}}]}"),
	                 -1);
	ck_assert_str_eq(err, "rules[1].name: \"a\" is already used by rule 1");
	ck_assert_int_eq(add("{\"name\": \"a\", \"respond\": {}}"), -1);
	ck_assert_str_eq(err, "name: \"a\" is already used by rule 1");
	ck_assert_uint_eq(list_size(), 1);
	/* Failed adds use up no ids. */
	add_ok("{\"name\": \"b\", \"respond\": {}}");
	ck_assert_int_eq(list_int(1, "id"), 2);
}
END_TEST

START_TEST(test_add_ids)
{
	const char *three = "{\"description\": \"three\", \"rules\": [{\"respond\": {}}, "
	                    "{\"respond\": {}}, {\"name\": \"x\", \"respond\": {}}]}";
	unsigned ids[3] = {0};
	size_t nids = 99;

	ck_assert_int_eq(
	    fault_set_add_json(fs, three, strlen(three), ids, 2, &nids, err, sizeof(err)), 0);
	ck_assert_uint_eq(nids, 2);
	ck_assert_uint_eq(ids[0], 1);
	ck_assert_uint_eq(ids[1], 2);
	ck_assert_uint_eq(ids[2], 0);
	ck_assert_int_eq(
	    fault_set_add_json(fs, "{\"rules\": []}", 13, ids, 3, &nids, err, sizeof(err)), 0);
	ck_assert_uint_eq(nids, 0);
	ck_assert_int_eq(
	    fault_set_add_json(fs, three + 0, strlen(three), NULL, 0, &nids, err, sizeof(err)),
	    -1); /* "x" is taken now */
	ck_assert_int_eq(
	    fault_set_add_json(fs, "{\"respond\":{}}", 14, NULL, 0, &nids, err, sizeof(err)), 0);
	ck_assert_uint_eq(nids, 1);
	ck_assert_uint_eq(list_size(), 4);
	ck_assert_int_eq(list_int(3, "id"), 4);
}
END_TEST

/* Ids grow through removals and clears; an id names one rule for the life of the set. */
START_TEST(test_add_ids_never_reused)
{
	json_t *root;

	add_ok("{\"respond\": {}}");
	add_ok("{\"respond\": {}}");
	ck_assert_int_eq(fault_set_remove(fs, 2), 0);
	add_ok("{\"respond\": {}}");
	ck_assert_int_eq(list_int(1, "id"), 3);
	fault_set_clear(fs);
	fault_set_reset(fs);
	add_ok("{\"respond\": {}}");
	ck_assert_int_eq(list_int(0, "id"), 4);
	root = list();
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(root, "rules"), 0), "name")),
	                 "rule-4");
	json_decref(root);
}
END_TEST

/* Builds {"rules":[n rules]} on the heap. */
static char *
many_rules(size_t n)
{
	static const char one[] = "{\"respond\": {}},";
	char *s = malloc(n * (sizeof(one) - 1) + 16);
	size_t len;

	ck_assert_ptr_nonnull(s);
	strcpy(s, "{\"rules\": [");
	len = strlen(s);
	for (size_t i = 0; i < n; i++, len += sizeof(one) - 1)
		memcpy(s + len, one, sizeof(one) - 1);
	if (n > 0)
		len--;
	strcpy(s + len, "]}");
	return s;
}

START_TEST(test_add_cap)
{
	char *s = many_rules(FAULT_MAX_RULES + 1);

	ck_assert_int_eq(add(s), -1);
	ck_assert_str_eq(err, "rules: at most 1024 rules");
	free(s);
	s = many_rules(FAULT_MAX_RULES - 1);
	add_ok(s);
	free(s);
	ck_assert_int_eq(add("{\"rules\": [{\"respond\": {}}, {\"respond\": {}}]}"), -1);
	ck_assert_str_eq(err, "too many rules: the set holds at most 1024, and has 1023");
	add_ok("{\"respond\": {}}");
	ck_assert_int_eq(add("{\"respond\": {}}"), -1);
	ck_assert_str_eq(err, "too many rules: the set holds at most 1024, and has 1024");
	ck_assert_uint_eq(list_size(), FAULT_MAX_RULES);
}
END_TEST

/* ---------------------------------------------------------------- matching */

START_TEST(test_match_method)
{
	struct fault_request r = get_calls("");

	add_ok("{\"match\": {\"method\": \"GET\"}, \"respond\": {\"status\": 500}}");
	ck_assert_int_eq(hit(&r), 1);
	r.method = "POST";
	ck_assert_int_eq(hit(&r), 0);
	r.method = "get";
	ck_assert_int_eq(hit(&r), 0);
	r.method = NULL;
	ck_assert_int_eq(hit(&r), 0);
}
END_TEST

/* A method is taken in any case and matches requests in the case they use; listed as given. */
START_TEST(test_match_method_any_case)
{
	struct fault_request r = get_calls("");
	json_t *root;

	add_ok("{\"match\": {\"method\": \"get\"}, \"respond\": {\"status\": 500}}");
	add_ok("{\"match\": {\"method\": \"Options\"}, \"respond\": {\"status\": 501}}");
	ck_assert_int_eq(hit(&r), 1);
	r.method = "OPTIONS";
	ck_assert_int_eq(hit(&r), 1);
	r.method = "get";
	ck_assert_int_eq(hit(&r), 0);
	root = list();
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_object_get(json_array_get(json_object_get(root, "rules"), 0), "match"),
	        "method")),
	    "get");
	json_decref(root);
	for (size_t i = 0; i < 7; i++) {
		static const char *const methods[] = {"GET",    "POST", "PUT",    "PATCH",
		                                      "DELETE", "HEAD", "OPTIONS"};
		char json[128];

		snprintf(json, sizeof(json), "{\"match\": {\"method\": \"%s\"}, \"respond\": {}}",
		         methods[i]);
		add_ok(json);
	}
}
END_TEST

/* What the stricter checks leave alone: every way of writing a rule that can fire. */
START_TEST(test_parse_still_valid)
{
	static const char *const good[] = {
	    "{\"match\": {\"path\": \"/v2\"}, \"respond\": {}}",
	    "{\"match\": {\"path\": \"/*/calls\"}, \"respond\": {}}",
	    "{\"match\": {\"path\": \"https://us-1.api.gong.io//v2/calls/\"}, \"respond\": {}}",
	    "{\"match\": {\"path\": \"/v2/stats/activity/aggregate\"}, \"respond\": {}}",
	    "{\"match\": {\"method\": \"GET\", \"page\": 1}, \"respond\": {\"status\": 500}}",
	    "{\"match\": {\"method\": \"HEAD\", \"page\": 0}, \"respond\": {}}",
	    "{\"match\": {\"path\": \"/v2/users\", \"page\": 3}, \"respond\": {}}",
	    "{\"match\": {\"path\": \"/v2/calls/*\", \"page\": 0}, \"respond\": {}}",
	    ("{\"match\": {\"method\": \"POST\", \"path\": \"/v2/calls/extensive\"}, "
	     "\"respond\": {\"status\": 500}}"),
	    "{\"match\": {\"credential\": \"Key with ~ spaces: and colons\"}, \"respond\": {}}",
	    "{\"respond\": {}, \"probability\": 0}",
	    "{\"respond\": {\"status\": 200}}",
	    "{\"respond\": {\"status\": 200, \"delayMs\": 5, \"fault\": \"slow\"}}",
	    "{\"respond\": {\"status\": 503, \"retryAfter\": 0, \"headers\": {\"X-A\": \"1\"}}}",
	    "{\"respond\": {\"status\": 429, \"headers\": {\"Retry-After\": \"9\"}}}",
	    "{\"respond\": {\"status\": 503, \"headers\": {\"Content-Type\": \"text/plain\"}}}",
	    "{\"respond\": {\"status\": 204}}",
	    "{\"respond\": {\"status\": 304, \"headers\": {\"ETag\": \"\\\"x\\\"\"}}}",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		add_ok(good[i]);
	ck_assert_uint_eq(list_size(), sizeof(good) / sizeof(good[0]));
}
END_TEST

START_TEST(test_match_path)
{
	struct fault_request r = get_calls("");
	struct fault_action a;
	json_t *root;

	add_ok("{\"match\": {\"path\": \"/v2/calls\"}, \"respond\": {\"status\": 500}}");
	ck_assert_int_eq(hit(&r), 1);
	r.path = "/v2/calls/";
	ck_assert_int_eq(hit(&r), 0);
	r.path = "/v2/call";
	ck_assert_int_eq(hit(&r), 0);
	r.path = "/v2/callsx";
	ck_assert_int_eq(hit(&r), 0);
	r.path = NULL;
	ck_assert_int_eq(hit(&r), 0);

	/* A rule's path is folded as the router folds request targets. */
	fault_set_clear(fs);
	add_ok("{\"match\": {\"path\": \"//v2//calls\"}, \"respond\": {\"status\": 500}}");
	add_ok("{\"match\": {\"path\": \"HTTPS://us-55616.api.gong.io/v2/calls\"},"
	       " \"respond\": {\"status\": 501}}");
	add_ok("{\"match\": {\"path\": \"http://host/v2/\"}, \"respond\": {\"status\": 502}}");
	add_ok("{\"match\": {\"path\": \"/v2//users/\"}, \"respond\": {\"status\": 503}}");
	r.path = "/v2/calls";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 500);
	ck_assert_int_eq(list_int(0, "fired"), 1);
	/* ...and listed as it was given. */
	root = list();
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_object_get(json_array_get(json_object_get(root, "rules"), 0), "match"),
	        "path")),
	    "//v2//calls");
	json_decref(root);
	/* With the first rule gone (ids go on after a clear), the absolute form answers. */
	ck_assert_int_eq(fault_set_remove(fs, (unsigned)list_int(0, "id")), 0);
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 501);
	r.path = "/v2";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 502);
	r.path = "/v2/users";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 503);
	r.path = "/";
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
	ck_assert_int_eq(list_int(0, "fired"), 1);
	ck_assert_int_eq(list_int(1, "fired"), 1);
	ck_assert_int_eq(list_int(2, "fired"), 1);
}
END_TEST

START_TEST(test_match_query)
{
	struct fault_request r;

	add_ok(
	    "{\"match\": {\"query\": {\"workspaceId\": \"123\"}}, \"respond\": {\"status\": 404}}");
	r = get_calls("workspaceId=123");
	ck_assert_int_eq(hit(&r), 1);
	r = get_calls("fromDateTime=2025-01-01T00:00:00Z&workspaceId=%31%323&limit=5");
	ck_assert_int_eq(hit(&r), 1);
	r = get_calls("workspaceId=1234");
	ck_assert_int_eq(hit(&r), 0);
	r = get_calls("workspaceId=12");
	ck_assert_int_eq(hit(&r), 0);
	r = get_calls("workspaceId=");
	ck_assert_int_eq(hit(&r), 0);
	r = get_calls("workspaceid=123");
	ck_assert_int_eq(hit(&r), 0);
	r = get_calls("");
	ck_assert_int_eq(hit(&r), 0);
	r = get_calls(NULL);
	ck_assert_int_eq(hit(&r), 0);
	/* A NUL byte in the request's value does not make a prefix equal. */
	r = get_calls("workspaceId=123%00");
	ck_assert_int_eq(hit(&r), 0);
}
END_TEST

/* Every listed parameter must be present with its value. */
START_TEST(test_match_query_all)
{
	struct fault_request r;

	add_ok("{\"match\": {\"query\": {\"workspaceId\": \"1\", \"cursor\": \"abc\"}},"
	       " \"respond\": {\"status\": 500}}");
	r = get_calls("cursor=abc&workspaceId=1");
	ck_assert_int_eq(hit(&r), 1);
	r = get_calls("workspaceId=1");
	ck_assert_int_eq(hit(&r), 0);
	r = get_calls("cursor=abc");
	ck_assert_int_eq(hit(&r), 0);
	r = get_calls("cursor=abd&workspaceId=1");
	ck_assert_int_eq(hit(&r), 0);
}
END_TEST

/* Dates compare as instants, whatever their spelling on either side. */
START_TEST(test_match_dates)
{
	struct fault_request r;

	add_ok("{\"match\": {\"query\": {\"fromDateTime\": \"2025-01-01T00:00:00Z\"}},"
	       " \"respond\": {\"status\": 500}}");
	add_ok("{\"match\": {\"query\": {\"toDateTime\": \"2025-02-01T02:00:00+02:00\"}},"
	       " \"respond\": {\"status\": 501}}");
	r = get_calls("fromDateTime=2025-01-01T00:00:00Z");
	ck_assert_int_eq(hit(&r), 1);
	r = get_calls("fromDateTime=2025-01-01T02%3A00%3A00%2B02%3A00");
	ck_assert_int_eq(hit(&r), 1);
	r = get_calls("fromDateTime=2025-01-01T02:00:00+02:00");
	ck_assert_int_eq(hit(&r), 1); /* `+` decoded to a space, read as `+` */
	r = get_calls("fromDateTime=2024-12-31T19:00:00.000-05:00");
	ck_assert_int_eq(hit(&r), 1);
	r = get_calls("fromDateTime=2025-01-01T00:00:00.000001Z");
	ck_assert_int_eq(hit(&r), 0);
	r = get_calls("fromDateTime=2025-01-01T00:00:01Z");
	ck_assert_int_eq(hit(&r), 0);
	r = get_calls("fromDateTime=not-a-date");
	ck_assert_int_eq(hit(&r), 0);
	r = get_calls("toDateTime=2025-01-01T00:00:00Z");
	ck_assert_int_eq(hit(&r), 0);
	ck_assert_int_eq(list_int(0, "fired"), 4);

	r = get_calls("toDateTime=2025-02-01T00:00:00Z");
	ck_assert_int_eq(hit(&r), 1);
	ck_assert_int_eq(list_int(1, "fired"), 1);
}
END_TEST

START_TEST(test_match_page)
{
	struct fault_request r = get_calls("");

	add_ok("{\"match\": {\"page\": 1}, \"respond\": {\"status\": 500}}");
	r.page = 1;
	ck_assert_int_eq(hit(&r), 1);
	r.page = 0;
	ck_assert_int_eq(hit(&r), 0);
	r.page = 2;
	ck_assert_int_eq(hit(&r), 0);
	r.page = -1;
	ck_assert_int_eq(hit(&r), 0);
	fault_set_clear(fs);
	add_ok("{\"match\": {\"page\": 0}, \"respond\": {\"status\": 500}}");
	r.page = 0;
	ck_assert_int_eq(hit(&r), 1);
	/* An unknown page matches no page rule. */
	r.page = -1;
	ck_assert_int_eq(hit(&r), 0);
}
END_TEST

START_TEST(test_match_credential)
{
	struct fault_request r = get_calls("");

	add_ok("{\"match\": {\"credential\": \"key\"}, \"respond\": {\"status\": 401}}");
	ck_assert_int_eq(hit(&r), 1);
	r.credential = "key2";
	ck_assert_int_eq(hit(&r), 0);
	r.credential = "KEY";
	ck_assert_int_eq(hit(&r), 0);
	r.credential = NULL;
	ck_assert_int_eq(hit(&r), 0);
}
END_TEST

START_TEST(test_match_combined)
{
	struct fault_request r;

	add_ok("{\"match\": {\"method\": \"GET\", \"path\": \"/v2/calls\","
	       " \"query\": {\"workspaceId\": \"7\", \"fromDateTime\": \"2025-01-01T00:00:00Z\"},"
	       " \"page\": 2, \"credential\": \"k\"}, \"respond\": {\"status\": 503}}");
	r = mkreq("GET", "/v2/calls", "workspaceId=7&fromDateTime=2025-01-01T00:00Z", 2, "k");
	ck_assert_int_eq(hit(&r), 1);
	r.method = "HEAD";
	ck_assert_int_eq(hit(&r), 0);
	r.method = "GET";
	r.path = "/v2/users";
	ck_assert_int_eq(hit(&r), 0);
	r.path = "/v2/calls";
	r.page = 3;
	ck_assert_int_eq(hit(&r), 0);
	r.page = 2;
	r.credential = "j";
	ck_assert_int_eq(hit(&r), 0);
	r.credential = "k";
	ck_assert_int_eq(hit(&r), 1);
	r = mkreq("GET", "/v2/calls", "workspaceId=8&fromDateTime=2025-01-01T00:00Z", 2, "k");
	ck_assert_int_eq(hit(&r), 0);
	r = mkreq("GET", "/v2/calls", "workspaceId=7&fromDateTime=2025-01-02T00:00Z", 2, "k");
	ck_assert_int_eq(hit(&r), 0);
	ck_assert_int_eq(list_int(0, "matched"), 2);
	ck_assert_int_eq(list_int(0, "fired"), 2);
}
END_TEST

/* A `*` segment stands for exactly one non-empty segment, wherever it is. */
START_TEST(test_match_path_wildcard)
{
	struct fault_request r = mkreq("GET", "/v2/calls/7782342274025937895", NULL, -1, "key");
	struct fault_action a;
	json_t *root;

	add_ok("{\"match\": {\"method\": \"GET\", \"path\": \"/v2/calls/*\"},"
	       " \"respond\": {\"status\": 500}}");
	add_ok("{\"match\": {\"path\": \"//v2/*/extensive/\"}, \"respond\": {\"status\": 502}}");
	add_ok("{\"match\": {\"path\": \"/*\"}, \"respond\": {\"status\": 503}}");
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 500);
	r.path = "/v2/calls/extensive";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 500);
	/* The method still counts: a POST to /v2/calls/extensive falls to the second rule. */
	r.method = "POST";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 502);
	r.path = "/v2/users/extensive";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 502);
	/* One segment, no more and no fewer. */
	r.method = "GET";
	r.path = "/v2/calls";
	ck_assert_int_eq(hit(&r), 0);
	r.path = "/v2/calls/1/media";
	ck_assert_int_eq(hit(&r), 0);
	r.path = "/v2/users/1";
	ck_assert_int_eq(hit(&r), 0);
	r.path = "/v2/extensive";
	ck_assert_int_eq(hit(&r), 0);
	r.path = "/v2/a/b/extensive";
	ck_assert_int_eq(hit(&r), 0);
	r.path = "/v2callsx/1";
	ck_assert_int_eq(hit(&r), 0);
	r.path = "/";
	ck_assert_int_eq(hit(&r), 0);
	r.path = NULL;
	ck_assert_int_eq(hit(&r), 0);
	r.path = "/metrics";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 503);
	/* Rules without a `*` still compare the whole path, `*` included. */
	fault_set_clear(fs);
	add_ok("{\"match\": {\"path\": \"/v2/calls\"}, \"respond\": {\"status\": 500}}");
	r.path = "/v2/calls/1";
	ck_assert_int_eq(hit(&r), 0);
	r.path = "/v2/calls";
	ck_assert_int_eq(hit(&r), 1);
	/* Listed as given. */
	fault_set_clear(fs);
	add_ok("{\"match\": {\"path\": \"//v2/calls/*/\"}, \"respond\": {\"status\": 500}}");
	root = list();
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_object_get(json_array_get(json_object_get(root, "rules"), 0), "match"),
	        "path")),
	    "//v2/calls/*/");
	json_decref(root);
	r.path = "/v2/calls/*";
	ck_assert_int_eq(hit(&r), 1);
}
END_TEST

static const char transcript_rule[] =
    "{\"match\": {\"method\": \"POST\", \"path\": \"/v2/calls/transcript\","
    " \"body\": {\"filter.workspaceId\": \"123\","
    "  \"filter.callIds\": \"7782342274025937895\"}},"
    " \"respond\": {\"status\": 500}}";

/* Nested paths, a list holding the value, and every way a body can fail to fit. */
START_TEST(test_match_body)
{
	static const struct {
		const char *body;
		int fits;
	} cases[] = {
	    {"{\"filter\":{\"workspaceId\":\"123\",\"callIds\":[\"1\",\"7782342274025937895\"]},"
	     "\"contentSelector\":{\"exposedFields\":{\"parties\":true}},\"cursor\":\"abc\"}",
	     1},
	    /* a lone value instead of a list */
	    {"{\"filter\":{\"callIds\":\"7782342274025937895\",\"workspaceId\":\"123\"}}", 1},
	    /* whitespace, key order and escapes do not matter */
	    {" {\n \"filter\" : { \"callIds\" : [ \"7782342274025937895\" ] ,"
	     " \"workspaceId\" : \"\\u0031\\u00323\" } }\n",
	     1},
	    /* the list lacks the id, or holds it as a number or a longer string */
	    {"{\"filter\":{\"workspaceId\":\"123\",\"callIds\":[\"1\",\"2\"]}}", 0},
	    {"{\"filter\":{\"workspaceId\":\"123\",\"callIds\":[7782342274025937895]}}", 0},
	    {"{\"filter\":{\"workspaceId\":\"123\",\"callIds\":[\"77823422740259378950\"]}}", 0},
	    {"{\"filter\":{\"workspaceId\":\"123\",\"callIds\":[]}}", 0},
	    /* the workspace differs, is a number, or is missing */
	    {"{\"filter\":{\"workspaceId\":\"1234\",\"callIds\":[\"7782342274025937895\"]}}", 0},
	    {"{\"filter\":{\"workspaceId\":123,\"callIds\":[\"7782342274025937895\"]}}", 0},
	    {"{\"filter\":{\"callIds\":[\"7782342274025937895\"]}}", 0},
	    /* the right values at the wrong depth, or under a list */
	    {"{\"workspaceId\":\"123\",\"callIds\":[\"7782342274025937895\"]}", 0},
	    {"{\"filter\":[{\"workspaceId\":\"123\",\"callIds\":[\"7782342274025937895\"]}]}", 0},
	    {"{\"filter\":\"workspaceId\"}", 0},
	    /* not JSON, not whole, not an object, empty, or none at all */
	    {"filter.workspaceId=123&filter.callIds=7782342274025937895", 0},
	    {"{\"filter\":{\"workspaceId\":\"123\",\"callIds\":[\"7782342274025937895\"]}", 0},
	    {"{\"filter\":{\"workspaceId\":\"123\",\"callIds\":[\"7782342274025937895\"]}} x", 0},
	    {"[{\"filter\":{\"workspaceId\":\"123\",\"callIds\":[\"7782342274025937895\"]}}]", 0},
	    {"\"filter\"", 0},
	    {"", 0},
	    {NULL, 0},
	};
	struct fault_request r;

	add_ok(transcript_rule);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = post_body("/v2/calls/transcript", cases[i].body);
		ck_assert_msg(hit(&r) == cases[i].fits, "body %zu: %s", i,
		              cases[i].body != NULL ? cases[i].body : "(none)");
	}
	/* The rest of the match still counts. */
	r = post_body("/v2/calls/transcript", cases[0].body);
	r.method = "GET";
	ck_assert_int_eq(hit(&r), 0);
	r = post_body("/v2/calls/extensive", cases[0].body);
	ck_assert_int_eq(hit(&r), 0);
	ck_assert_int_eq(list_int(0, "matched"), 3);
}
END_TEST

/* Only body_len bytes are read: the body need not end where its buffer does. */
START_TEST(test_match_body_length)
{
	static const char text[] = "{\"a\":\"1\"}{\"a\":\"2\"}";
	struct fault_request r = post_body("/x", text);

	add_ok("{\"match\": {\"body\": {\"a\": \"1\"}}, \"respond\": {\"status\": 500}}");
	ck_assert_int_eq(hit(&r), 0);
	r.body_len = 9;
	ck_assert_int_eq(hit(&r), 1);
	r.body_len = 8;
	ck_assert_int_eq(hit(&r), 0);
	r.body_len = 0;
	ck_assert_int_eq(hit(&r), 0);
}
END_TEST

/* Numbers compare by value, strings by bytes, and never one with the other. */
START_TEST(test_match_body_numbers)
{
	static const struct {
		const char *body;
		unsigned status; /* 0: no rule fits */
	} cases[] = {
	    {"{\"a\":{\"b\":{\"c\":5}}}", 500},
	    {"{\"a\":{\"b\":{\"c\":5.0}}}", 500},
	    {"{\"a\":{\"b\":{\"c\":5e0}}}", 500},
	    {"{\"a\":{\"b\":{\"c\":[1,5,9]}}}", 500},
	    {"{\"a\":{\"b\":{\"c\":\"5\"}}}", 0},
	    {"{\"a\":{\"b\":{\"c\":6}}}", 0},
	    {"{\"a\":{\"b\":{\"c\":true}}}", 0},
	    {"{\"a\":{\"b\":{\"c\":null}}}", 0},
	    {"{\"a\":{\"b\":{\"c\":{\"d\":5}}}}", 0},
	    {"{\"r\":0.25}", 501},
	    {"{\"r\":2.5e-1}", 501},
	    {"{\"r\":[0.5,0.25]}", 501},
	    {"{\"r\":0.26}", 0},
	    {"{\"r\":\"0.25\"}", 0},
	    {"{\"big\":-9007199254740993}", 502},
	    {"{\"big\":-9007199254740992}", 0},
	    {"{\"s\":\"5\"}", 503},
	    {"{\"s\":5}", 0},
	    /* duplicate keys: the last one counts */
	    {"{\"s\":\"4\",\"s\":\"5\"}", 503},
	    {"{\"s\":\"5\",\"s\":\"4\"}", 0},
	};
	struct fault_request r;
	struct fault_action a;

	add_ok("{\"match\": {\"body\": {\"a.b.c\": 5}}, \"respond\": {\"status\": 500}}");
	add_ok("{\"match\": {\"body\": {\"r\": 0.25}}, \"respond\": {\"status\": 501}}");
	/* Integers compare exactly, past what a double holds. */
	add_ok("{\"match\": {\"body\": {\"big\": -9007199254740993}}, \"respond\": {\"status\": "
	       "502}}");
	add_ok("{\"match\": {\"body\": {\"s\": \"5\"}}, \"respond\": {\"status\": 503}}");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fired;

		r = post_body("/v2/calls/extensive", cases[i].body);
		fired = fault_match(fs, &r, &a);
		ck_assert_msg(fired == (cases[i].status != 0), "body %zu: %s", i, cases[i].body);
		if (fired)
			ck_assert_msg(a.status == cases[i].status, "body %zu: status %u", i,
			              a.status);
	}
}
END_TEST

/* An empty `body` asks nothing: such a rule fits with any body or none. */
START_TEST(test_match_body_empty)
{
	struct fault_request r = get_calls("");

	add_ok("{\"match\": {\"body\": {}}, \"respond\": {\"status\": 500}}");
	ck_assert_int_eq(hit(&r), 1);
	r = post_body("/v2/calls/extensive", "not json");
	ck_assert_int_eq(hit(&r), 1);
}
END_TEST

/* The rule with the body, and its list entry, as posted. */
START_TEST(test_match_body_listed)
{
	json_t *root, *body;

	add_ok(transcript_rule);
	root = list();
	body = json_object_get(
	    json_object_get(json_array_get(json_object_get(root, "rules"), 0), "match"), "body");
	ck_assert_int_eq(json_object_size(body), 2);
	ck_assert_str_eq(json_string_value(json_object_get(body, "filter.workspaceId")), "123");
	ck_assert_str_eq(json_string_value(json_object_get(body, "filter.callIds")),
	                 "7782342274025937895");
	json_decref(root);
}
END_TEST

/* The parsed rules of a document, for driving rule_fits directly. */
static struct rule_batch
batch(const char *json)
{
	struct rule_batch b;
	json_error_t je;
	json_t *root = json_loads(json, 0, &je);

	ck_assert_ptr_nonnull(root);
	ck_assert_msg(rule_batch_parse(&b, root, NULL, err, sizeof(err)) == 0, "%s", err);
	json_decref(root);
	return b;
}

/*
 * A body is parsed only once a rule that asks about it is reached with the rest of its match
 * fitting, and then once: later rules use what the first parse gave, even if the text were to
 * change under them.
 */
START_TEST(test_body_parsed_once)
{
	struct rule_batch b =
	    batch("{\"rules\": ["
	          " {\"match\": {\"path\": \"/v2/calls/extensive\"}, \"respond\": {}},"
	          " {\"match\": {\"method\": \"GET\", \"body\": {\"a\": \"1\"}}, \"respond\": {}},"
	          " {\"match\": {\"body\": {\"a\": \"1\"}}, \"respond\": {}},"
	          " {\"match\": {\"body\": {\"b.c\": 2}}, \"respond\": {}}]}");
	struct fault_request r = post_body("/v2/calls/transcript", "{\"a\":\"1\",\"b\":{\"c\":2}}");
	struct rule_body body;

	ck_assert_uint_eq(b.n, 4);
	rule_body_init(&body, r.body, r.body_len);
	/* No body matcher, then one whose method does not fit: nothing parsed. */
	ck_assert(!rule_fits(b.rules[0], &r, &body));
	ck_assert(!rule_fits(b.rules[1], &r, &body));
	ck_assert(!body.parsed);
	ck_assert_ptr_null(body.doc);
	ck_assert(rule_fits(b.rules[2], &r, &body));
	ck_assert(body.parsed);
	ck_assert_ptr_nonnull(body.doc);
	/* Were it read again, this text would not fit: the first parse is what counts. */
	body.text = "not json";
	body.len = 8;
	ck_assert(rule_fits(b.rules[3], &r, &body));
	ck_assert(rule_fits(b.rules[2], &r, &body));
	rule_body_free(&body);
	ck_assert_ptr_null(body.doc);

	/* A body that is not JSON is tried once, and fits no rule that asks about it. */
	rule_body_init(&body, "{\"a\":", 5);
	ck_assert(!rule_fits(b.rules[2], &r, &body));
	ck_assert(body.parsed);
	ck_assert_ptr_null(body.doc);
	body.text = "{\"a\":\"1\"}";
	body.len = 9;
	ck_assert(!rule_fits(b.rules[2], &r, &body));
	rule_body_free(&body);

	/* No cache at all: a body rule cannot fit, the others still can. */
	ck_assert(!rule_fits(b.rules[2], &r, NULL));
	r.path = "/v2/calls/extensive";
	ck_assert(rule_fits(b.rules[0], &r, NULL));
	rule_body_init(&body, NULL, 5);
	ck_assert_uint_eq(body.len, 0);
	ck_assert(!rule_fits(b.rules[2], &r, &body));
	rule_body_free(&body);
	rule_batch_free(&b);
}
END_TEST

/* Body rules among others: order, counting and after/times work as for any rule. */
START_TEST(test_match_body_sequence)
{
	struct fault_request mine =
	    post_body("/v2/calls/extensive", "{\"filter\":{\"workspaceId\":\"9\"}}");
	struct fault_request theirs =
	    post_body("/v2/calls/extensive", "{\"filter\":{\"workspaceId\":\"8\"}}");
	struct fault_action a;

	add_ok("{\"name\": \"ws9\", \"match\": {\"body\": {\"filter.workspaceId\": \"9\"}},"
	       " \"respond\": {\"status\": 429}, \"after\": 1, \"times\": 2}");
	add_ok("{\"match\": {\"path\": \"/v2/calls/*\"}, \"respond\": {\"status\": 503}}");
	ck_assert_int_eq(fault_match(fs, &mine, &a), 1);
	ck_assert_uint_eq(a.status, 503);
	ck_assert_int_eq(fault_match(fs, &mine, &a), 1);
	ck_assert_uint_eq(a.status, 429);
	ck_assert_str_eq(a.name, "ws9");
	ck_assert_int_eq(fault_match(fs, &theirs, &a), 1);
	ck_assert_uint_eq(a.status, 503);
	ck_assert_int_eq(fault_match(fs, &mine, &a), 1);
	ck_assert_uint_eq(a.status, 429);
	ck_assert_int_eq(fault_match(fs, &mine, &a), 1);
	ck_assert_uint_eq(a.status, 503);
	ck_assert_int_eq(list_int(0, "matched"), 4);
	ck_assert_int_eq(list_int(0, "fired"), 2);
	ck_assert_int_eq(list_int(1, "matched"), 3);
}
END_TEST

/* ---------------------------------------------------------------- sequences */

/* after 2, times 3: OK, OK, fault, fault, fault, OK, OK. */
START_TEST(test_after_times)
{
	static const int want[] = {0, 0, 1, 1, 1, 0, 0};
	struct fault_request r = get_calls("");
	struct fault_request other = mkreq("GET", "/other", NULL, 0, NULL);

	add_ok("{\"match\": {\"path\": \"/v2/calls\"}, \"respond\": {\"status\": 429},"
	       " \"after\": 2, \"times\": 3}");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_msg(hit(&r) == want[i], "request %zu", i);
		/* Requests the rule does not match do not move it on. */
		ck_assert_int_eq(hit(&other), 0);
	}
	ck_assert_int_eq(list_int(0, "matched"), 7);
	ck_assert_int_eq(list_int(0, "fired"), 3);
	ck_assert_int_eq(list_int(0, "after"), 2);
	ck_assert_int_eq(list_int(0, "times"), 3);
}
END_TEST

/*
 * The first rule that fires answers; later rules neither see nor count that request, so
 * their `after` counts only the requests that reach them.
 */
START_TEST(test_first_rule_wins)
{
	struct fault_request r = get_calls("");
	struct fault_action a;

	add_ok("{\"respond\": {\"status\": 500}, \"after\": 1, \"times\": 1}");
	add_ok("{\"respond\": {\"status\": 503}, \"after\": 1}");
	ck_assert_int_eq(fault_match(fs, &r, &a), 0); /* 1 passes (1 of after), 2 passes (1) */
	ck_assert_int_eq(fault_match(fs, &r, &a), 1); /* 1 fires */
	ck_assert_uint_eq(a.status, 500);
	ck_assert_uint_eq(a.rule_id, 1);
	ck_assert_int_eq(fault_match(fs, &r, &a), 1); /* 1 spent; 2 fires */
	ck_assert_uint_eq(a.status, 503);
	ck_assert_uint_eq(a.rule_id, 2);
	ck_assert_int_eq(list_int(0, "matched"), 3);
	ck_assert_int_eq(list_int(0, "fired"), 1);
	ck_assert_int_eq(list_int(1, "matched"), 2);
	ck_assert_int_eq(list_int(1, "fired"), 1);
}
END_TEST

/* A rule whose draw fails lets the request go on to the next rule. */
START_TEST(test_probability_falls_through)
{
	struct fault_request r = get_calls("");
	struct fault_action a;

	add_ok("{\"respond\": {\"status\": 500}, \"probability\": 0}");
	add_ok("{\"respond\": {\"status\": 503}}");
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 503);
	ck_assert_int_eq(list_int(0, "matched"), 1);
	ck_assert_int_eq(list_int(0, "fired"), 0);
}
END_TEST

static int
fire_count(int n)
{
	struct fault_request r = get_calls("");
	int fired = 0;

	for (int i = 0; i < n; i++)
		fired += hit(&r);
	return fired;
}

START_TEST(test_probability_bounds)
{
	add_ok("{\"respond\": {\"status\": 500}, \"probability\": 0}");
	ck_assert_int_eq(fire_count(10000), 0);
	fault_set_clear(fs);
	add_ok("{\"respond\": {\"status\": 500}, \"probability\": 1}");
	ck_assert_int_eq(fire_count(10000), 10000);
}
END_TEST

START_TEST(test_probability_half)
{
	int n;

	add_ok("{\"respond\": {\"status\": 500}, \"probability\": 0.5}");
	n = fire_count(10000);
	/* Five standard deviations (50 each) either side of 5000. */
	ck_assert_int_ge(n, 4750);
	ck_assert_int_le(n, 5250);
	ck_assert_int_eq(list_int(0, "fired"), n);
	ck_assert_int_eq(list_int(0, "matched"), 10000);
}
END_TEST

/* Draws the sequence of 200 outcomes of a probability-0.5 rule in a set seeded `seed`. */
static void
sequence(uint64_t seed, char *out, size_t n)
{
	struct fault_set *saved = fs;

	fs = fault_set_create(seed);
	ck_assert_ptr_nonnull(fs);
	add_ok("{\"respond\": {\"status\": 500}, \"probability\": 0.5}");
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('0' + fire_count(1));
	fault_set_free(fs);
	fs = saved;
}

START_TEST(test_probability_seeded)
{
	char a[200], b[200], c[200], d[200];

	sequence(7, a, sizeof(a));
	sequence(7, b, sizeof(b));
	sequence(8, c, sizeof(c));
	ck_assert_mem_eq(a, b, sizeof(a));
	ck_assert(memcmp(a, c, sizeof(a)) != 0);
	/* A reset reseeds: the same sequence again. */
	add_ok("{\"respond\": {\"status\": 500}, \"probability\": 0.5}");
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (char)('0' + fire_count(1));
	fault_set_reset(fs);
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (char)('0' + fire_count(1));
	ck_assert_mem_eq(a, d, sizeof(a));
	sequence(SEED, b, sizeof(b));
	ck_assert_mem_eq(a, b, sizeof(a));
}
END_TEST

START_TEST(test_delay_range)
{
	struct fault_request r = get_calls("");
	struct fault_action a;
	unsigned lo = 1000, hi = 0;
	unsigned seen[101] = {0};

	add_ok("{\"respond\": {\"delayMs\": [100, 200]}}");
	for (int i = 0; i < 5000; i++) {
		ck_assert_int_eq(fault_match(fs, &r, &a), 1);
		ck_assert_uint_ge(a.delay_ms, 100);
		ck_assert_uint_le(a.delay_ms, 200);
		lo = a.delay_ms < lo ? a.delay_ms : lo;
		hi = a.delay_ms > hi ? a.delay_ms : hi;
		seen[a.delay_ms - 100]++;
	}
	/* Both ends are reached, and every value comes up: uniform, not a fixed pick. */
	ck_assert_uint_eq(lo, 100);
	ck_assert_uint_eq(hi, 200);
	for (int i = 0; i <= 100; i++)
		ck_assert_uint_gt(seen[i], 10);
	/* A range of one value and the widest range. */
	fault_set_clear(fs);
	add_ok("{\"respond\": {\"delayMs\": [5, 5]}}");
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.delay_ms, 5);
	fault_set_clear(fs);
	add_ok("{\"respond\": {\"delayMs\": [0, 600000]}}");
	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(fault_match(fs, &r, &a), 1);
		ck_assert_uint_le(a.delay_ms, 600000);
	}
}
END_TEST

/* ---------------------------------------------------------------- the set */

START_TEST(test_remove)
{
	struct fault_request r = get_calls("");
	struct fault_action a;

	add_ok("{\"respond\": {\"status\": 500}, \"times\": 1}");
	add_ok("{\"respond\": {\"status\": 501}, \"times\": 1}");
	add_ok("{\"respond\": {\"status\": 502}, \"times\": 1}");
	add_ok("{\"respond\": {\"status\": 503}}");
	ck_assert_int_eq(fault_set_remove(fs, 2), 0);
	ck_assert_int_eq(fault_set_remove(fs, 2), -1);
	ck_assert_int_eq(fault_set_remove(fs, 0), -1);
	ck_assert_int_eq(fault_set_remove(fs, 99), -1);
	ck_assert_uint_eq(list_size(), 3);
	/* Order is kept: the rules after the removed one move up, in their order. */
	ck_assert_int_eq(list_int(0, "id"), 1);
	ck_assert_int_eq(list_int(1, "id"), 3);
	ck_assert_int_eq(list_int(2, "id"), 4);
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 500);
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 502);
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 503);
	ck_assert_int_eq(fault_set_remove(fs, 1), 0);
	ck_assert_int_eq(list_int(0, "id"), 3);
	ck_assert_int_eq(list_int(1, "id"), 4);
	ck_assert_int_eq(fault_set_remove(fs, 4), 0);
	ck_assert_int_eq(fault_set_remove(fs, 3), 0);
	ck_assert_uint_eq(list_size(), 0);
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
}
END_TEST

START_TEST(test_clear)
{
	struct fault_request r = get_calls("");
	char *s;

	add_ok("{\"rules\": [{\"respond\": {\"status\": 500}}, {\"respond\": {}}]}");
	fault_set_clear(fs);
	ck_assert_int_eq(hit(&r), 0);
	s = fault_set_list_json(fs);
	ck_assert_str_eq(s, "{\"rules\":[]}");
	free(s);
	s = fault_set_metrics(fs);
	ck_assert_str_eq(s, "");
	free(s);
	fault_set_clear(fs);
	add_ok("{\"respond\": {\"status\": 500}}");
	ck_assert_int_eq(hit(&r), 1);
}
END_TEST

START_TEST(test_reset)
{
	struct fault_request r = get_calls("");

	add_ok("{\"respond\": {\"status\": 500}, \"after\": 1, \"times\": 1}");
	ck_assert_int_eq(hit(&r), 0);
	ck_assert_int_eq(hit(&r), 1);
	ck_assert_int_eq(hit(&r), 0);
	ck_assert_int_eq(list_int(0, "matched"), 3);
	fault_set_reset(fs);
	ck_assert_int_eq(list_int(0, "matched"), 0);
	ck_assert_int_eq(list_int(0, "fired"), 0);
	/* The sequence starts again. */
	ck_assert_int_eq(hit(&r), 0);
	ck_assert_int_eq(hit(&r), 1);
	ck_assert_int_eq(hit(&r), 0);
	ck_assert_uint_eq(list_size(), 1);
}
END_TEST

/* An empty set answers 0 and leaves the action untouched. */
START_TEST(test_empty_set)
{
	struct fault_request r = get_calls("");
	struct fault_action a, before;

	memset(&a, 0x5a, sizeof(a));
	memcpy(&before, &a, sizeof(a));
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
	ck_assert_mem_eq(&a, &before, sizeof(a));
	add_ok("{\"respond\": {\"status\": 500}}");
	ck_assert_int_eq(fault_set_remove(fs, 1), 0);
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
	ck_assert_mem_eq(&a, &before, sizeof(a));
	fault_set_free(NULL);
}
END_TEST

/* The count follows every add, failed add, removal, reset and clear. */
START_TEST(test_count)
{
	char *s;

	ck_assert_uint_eq(fault_set_count(fs), 0);
	add_ok("{\"respond\": {\"status\": 500}}");
	ck_assert_uint_eq(fault_set_count(fs), 1);
	add_ok("{\"rules\": [{\"respond\": {}}, {\"respond\": {}}, {\"respond\": {}}]}");
	ck_assert_uint_eq(fault_set_count(fs), 4);
	ck_assert_int_eq(add("{\"rules\": [{\"respond\": {}}, {\"respond\": {\"status\": 0}}]}"),
	                 -1);
	ck_assert_uint_eq(fault_set_count(fs), 4);
	add_ok("{\"rules\": []}");
	ck_assert_uint_eq(fault_set_count(fs), 4);
	ck_assert_int_eq(fault_set_remove(fs, 2), 0);
	ck_assert_uint_eq(fault_set_count(fs), 3);
	ck_assert_int_eq(fault_set_remove(fs, 2), -1);
	ck_assert_uint_eq(fault_set_count(fs), 3);
	fault_set_reset(fs);
	ck_assert_uint_eq(fault_set_count(fs), 3);
	ck_assert_uint_eq(list_size(), 3);
	fault_set_clear(fs);
	ck_assert_uint_eq(fault_set_count(fs), 0);
	add_ok("{\"respond\": {}}");
	ck_assert_uint_eq(fault_set_count(fs), 1);
	/* Up to the cap, where it stops. */
	s = many_rules(FAULT_MAX_RULES - 1);
	add_ok(s);
	free(s);
	ck_assert_uint_eq(fault_set_count(fs), FAULT_MAX_RULES);
	ck_assert_int_eq(add("{\"respond\": {}}"), -1);
	ck_assert_uint_eq(fault_set_count(fs), FAULT_MAX_RULES);
}
END_TEST

/* ---------------------------------------------------------------- output */

START_TEST(test_list_json)
{
	struct fault_request r = get_calls("workspaceId=5");
	json_t *root, *rules, *one, *two, *want;
	json_error_t je;
	char *s;

	add_ok(
	    "{\"name\": \"five\", \"match\": {\"path\": \"//v2/calls\","
	    " \"query\": {\"workspaceId\": \"5\", \"fromDateTime\": \"2025-01-01T02:00+02:00\"}},"
	    " \"respond\": {\"status\": 404, \"delayMs\": [1, 2]}, \"after\": 1, \"times\": 2,"
	    " \"probability\": 0.3}");
	add_ok("{\"respond\": {\"status\": 500, \"errors\": [\"x\"], \"fault\": null}}");
	for (int i = 0; i < 3; i++)
		hit(&r);
	s = fault_set_list_json(fs);
	ck_assert_ptr_nonnull(s);
	/* Decimals come back as written, not as the nearest double to 17 digits. */
	ck_assert_ptr_nonnull(strstr(s, "\"probability\":0.3,"));
	ck_assert_ptr_nonnull(strstr(s, "\"probability\":1.0,"));
	root = json_loads(s, 0, &je);
	free(s);
	ck_assert_ptr_nonnull(root);
	ck_assert_uint_eq(json_object_size(root), 1);
	rules = json_object_get(root, "rules");
	ck_assert_uint_eq(json_array_size(rules), 2);

	one = json_array_get(rules, 0);
	ck_assert_uint_eq(json_object_size(one), 9);
	ck_assert_int_eq(json_integer_value(json_object_get(one, "id")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(one, "name")), "five");
	want = json_loads("{\"path\": \"//v2/calls\", \"query\": {\"workspaceId\": \"5\","
	                  " \"fromDateTime\": \"2025-01-01T02:00+02:00\"}}",
	                  0, NULL);
	ck_assert(json_equal(json_object_get(one, "match"), want));
	json_decref(want);
	want = json_loads("{\"status\": 404, \"delayMs\": [1, 2]}", 0, NULL);
	ck_assert(json_equal(json_object_get(one, "respond"), want));
	json_decref(want);
	ck_assert_int_eq(json_integer_value(json_object_get(one, "after")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(one, "times")), 2);
	ck_assert(json_real_value(json_object_get(one, "probability")) == 0.3);
	/* The request has no fromDateTime, so the rule does not fit it: neither count moves. */
	ck_assert_int_eq(json_integer_value(json_object_get(one, "matched")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(one, "fired")), 0);

	two = json_array_get(rules, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(two, "id")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(two, "name")), "rule-2");
	ck_assert(json_is_object(json_object_get(two, "match")));
	ck_assert_uint_eq(json_object_size(json_object_get(two, "match")), 0);
	want = json_loads("{\"status\": 500, \"errors\": [\"x\"], \"fault\": null}", 0, NULL);
	ck_assert(json_equal(json_object_get(two, "respond"), want));
	json_decref(want);
	ck_assert_int_eq(json_integer_value(json_object_get(two, "after")), 0);
	ck_assert(json_is_null(json_object_get(two, "times")));
	ck_assert(json_real_value(json_object_get(two, "probability")) == 1.0);
	ck_assert_int_eq(json_integer_value(json_object_get(two, "matched")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(two, "fired")), 3);
	json_decref(root);
}
END_TEST

/* Keys come out in the documented order. */
START_TEST(test_list_json_order)
{
	char *s;

	add_ok("{\"probability\": 1, \"respond\": {}, \"name\": \"n\"}");
	s = fault_set_list_json(fs);
	ck_assert_str_eq(s, "{\"rules\":[{\"id\":1,\"name\":\"n\",\"match\":{},\"respond\":{},"
	                    "\"after\":0,\"times\":null,\"probability\":1.0,\"matched\":0,"
	                    "\"fired\":0}]}");
	free(s);
}
END_TEST

START_TEST(test_metrics)
{
	struct fault_request r = get_calls("");
	char *s;

	s = fault_set_metrics(fs);
	ck_assert_str_eq(s, "");
	free(s);
	add_ok(
	    "{\"rules\": [{\"name\": \"say \\\"hi\\\" \\\\ bye\", \"respond\": {}, \"times\": 2},"
	    " {\"respond\": {\"status\": 500}}]}");
	for (int i = 0; i < 5; i++)
		hit(&r);
	s = fault_set_metrics(fs);
	ck_assert_str_eq(s, "gongmock_faults_fired_total{rule=\"say \\\"hi\\\" \\\\ bye\"} 2\n"
	                    "gongmock_faults_fired_total{rule=\"rule-2\"} 3\n");
	free(s);
	fault_set_reset(fs);
	s = fault_set_metrics(fs);
	ck_assert_str_eq(s, "gongmock_faults_fired_total{rule=\"say \\\"hi\\\" \\\\ bye\"} 0\n"
	                    "gongmock_faults_fired_total{rule=\"rule-2\"} 0\n");
	free(s);
}
END_TEST

/* ---------------------------------------------------------------- Prefer */

/* ---------------------------------------------------------------- stubs */

/* The action is a stub answering `status` with exactly `text`. */
static void
expect_body(const struct fault_action *a, unsigned status, const char *text, size_t len)
{
	ck_assert(fault_action_answers(a));
	ck_assert_uint_eq(a->status, status);
	ck_assert_ptr_nonnull(a->body);
	ck_assert_ptr_nonnull(a->body_ref);
	ck_assert_uint_eq(a->body_len, len);
	ck_assert_msg(memcmp(a->body, text, len) == 0, "body %.*s, want %s", (int)a->body_len,
	              a->body, text);
	ck_assert_uint_eq(a->nerrors, 0);
}

START_TEST(test_stub_inline_body)
{
	static const char want[] =
	    "{\"requestId\":\"stub\",\"scorecards\":[{\"scorecardId\":6843152929075440037,"
	    "\"enabled\":true,\"weight\":0.1,\"questions\":null,\"name\":\"Caf\u00e9 "
	    "\\\"x\\\"\"}]}";
	struct fault_request r = mkreq("GET", "/v2/settings/scorecards", NULL, 0, "key");
	struct fault_action a;
	json_t *root, *one;

	add_ok("{\"match\": {\"path\": \"/v2/settings/scorecards\"}, \"respond\": {\"body\": "
	       "{\"requestId\": \"stub\", \"scorecards\": [{\"scorecardId\": 6843152929075440037,"
	       " \"enabled\": true, \"weight\": 0.1, \"questions\": null,"
	       " \"name\": \"Caf\\u00e9 \\\"x\\\"\"}]}}}");
	memset(&a, 0x5a, sizeof(a));
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	/* No status given: a stub answers 200. */
	expect_body(&a, 200, want, sizeof(want) - 1);
	ck_assert_uint_eq(a.retry_after, 0);
	ck_assert_uint_eq(a.nheaders, 0);
	ck_assert_int_eq(a.kind, FAULT_NONE);
	fault_action_release(&a);
	ck_assert_ptr_null(a.body);
	ck_assert_ptr_null(a.body_ref);
	ck_assert_uint_eq(a.body_len, 0);
	fault_action_release(&a); /* a second release drops nothing */

	/* The list shows the body as given, and how long it goes out. */
	root = list();
	one = json_array_get(json_object_get(root, "rules"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(one, "bodyBytes")),
	                 (json_int_t)(sizeof(want) - 1));
	ck_assert_ptr_null(json_object_get(one, "bodyPath"));
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
	        json_array_get(
	            json_object_get(json_object_get(json_object_get(one, "respond"), "body"),
	                            "scorecards"),
	            0),
	        "scorecardId")),
	    6843152929075440037LL);
	json_decref(root);
	/* Another request is not the stub's. */
	r.path = "/v2/settings/trackers";
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
}
END_TEST

/* Any JSON value is a body, written compact, its numbers with the digits they need. */
static const struct {
	const char *body;
	const char *sent;
} stub_bodies[] = {
    {"\"text\"", "\"text\""},
    {"null", "null"},
    {"5", "5"},
    {"-0.5", "-0.5"},
    {"true", "true"},
    {"[]", "[]"},
    {"{}", "{}"},
    {"[ 1 , 2.50, 1.0, 1e300, 2.5e-7 ]", "[1,2.5,1.0,1e300,2.5e-7]"},
    {"0.30000000000000004", "0.30000000000000004"},
    {"[0.1, 0.30000000000000004]", "[0.10000000000000001,0.30000000000000004]"},
    {"{\"b\": {\"z\": 1, \"a\": [ {\"c\": \"/\\n\"} ]}, \"a\": \"\\u2603\"}",
     "{\"b\":{\"z\":1,\"a\":[{\"c\":\"/\\n\"}]},\"a\":\"\u2603\"}"},
};

START_TEST(test_stub_body_values)
{
	struct fault_request r = get_calls("");
	struct fault_action a;
	char json[256];

	snprintf(json, sizeof(json), "{\"respond\": {\"body\": %s}}", stub_bodies[_i].body);
	add_ok(json);
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	expect_body(&a, 200, stub_bodies[_i].sent, strlen(stub_bodies[_i].sent));
	ck_assert_int_eq(list_int(0, "bodyBytes"), (long long)strlen(stub_bodies[_i].sent));
	fault_action_release(&a);
}
END_TEST

/* A stub takes any status that may carry content, with Retry-After, headers and faults. */
START_TEST(test_stub_statuses)
{
	struct fault_request r = get_calls("");
	struct fault_action a;

	add_ok("{\"match\": {\"credential\": \"a\"}, \"respond\": {\"status\": 429, "
	       "\"body\": {\"message\": \"slow down\"}}}");
	add_ok("{\"match\": {\"credential\": \"b\"}, \"respond\": {\"status\": 201, "
	       "\"retryAfter\": 3, \"headers\": {\"Content-Type\": \"application/vnd.gong+json\","
	       " \"Location\": \"/v2/calls/1\"}, \"body\": [1], \"delayMs\": 9, "
	       "\"fault\": \"truncate\"}}");
	add_ok("{\"match\": {\"credential\": \"c\"}, \"respond\": {\"status\": 200, "
	       "\"body\": \"ok\"}}");
	r.credential = "a";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	expect_body(&a, 429, "{\"message\":\"slow down\"}", 23);
	ck_assert_uint_eq(a.retry_after, 1);
	fault_action_release(&a);
	r.credential = "b";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	expect_body(&a, 201, "[1]", 3);
	ck_assert_uint_eq(a.retry_after, 3);
	ck_assert_uint_eq(a.nheaders, 2);
	ck_assert_str_eq(a.header_names[0], "Content-Type");
	ck_assert_str_eq(a.header_values[0], "application/vnd.gong+json");
	ck_assert_uint_eq(a.delay_ms, 9);
	ck_assert_int_eq(a.kind, FAULT_TRUNCATE);
	fault_action_release(&a);
	r.credential = "c";
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	expect_body(&a, 200, "\"ok\"", 4);
	fault_action_release(&a);
	/* An error status without a body answers too; a bare 200 does not. */
	fault_set_clear(fs);
	add_ok("{\"respond\": {\"status\": 500}}");
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert(fault_action_answers(&a));
	ck_assert_ptr_null(a.body);
	ck_assert_ptr_null(a.body_ref);
}
END_TEST

/* An inline body past 8 MB, as compact JSON, is refused with its size. */
START_TEST(test_stub_inline_cap)
{
	size_t n =
	    FAULT_BODY_MAX - 1; /* the string's characters: two quotes make it one too many */
	char *json = malloc(n + 64), *p;

	ck_assert_ptr_nonnull(json);
	p = json + sprintf(json, "{\"respond\": {\"body\": \"");
	memset(p, 'x', n);
	strcpy(p + n, "\"}}");
	ck_assert_int_eq(add(json), -1);
	ck_assert_str_eq(err,
	                 "respond.body: 8388609 bytes as compact JSON, past the 8388608 (8 MB) "
	                 "a body may have");
	/* One less fits. */
	strcpy(p + n - 1, "\"}}");
	add_ok(json);
	ck_assert_int_eq(list_int(0, "bodyBytes"), FAULT_BODY_MAX);
	free(json);
}
END_TEST

/*
 * An answer keeps its body after the rule is gone: removed, cleared, or the whole set freed.
 * Under AddressSanitizer a read of freed bytes here would stop the test.
 */
START_TEST(test_stub_outlives_its_rule)
{
	struct fault_request r = get_calls("");
	struct fault_action a, b;

	add_ok("{\"respond\": {\"body\": {\"kept\": true}}}");
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_int_eq(fault_match(fs, &r, &b), 1);
	ck_assert_ptr_eq(a.body, b.body);
	ck_assert_int_eq(fault_set_remove(fs, 1), 0);
	expect_body(&a, 200, "{\"kept\":true}", 13);
	fault_action_release(&a);
	expect_body(&b, 200, "{\"kept\":true}", 13);
	fault_body_release(b.body_ref);

	add_ok("{\"respond\": {\"body\": [\"cleared\"]}}");
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	fault_set_clear(fs);
	expect_body(&a, 200, "[\"cleared\"]", 11);
	fault_action_release(&a);

	add_ok("{\"respond\": {\"body\": [\"freed\"]}}");
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	fault_set_free(fs);
	fs = fault_set_create(SEED);
	expect_body(&a, 200, "[\"freed\"]", 9);
	fault_action_release(&a);
	fault_body_release(NULL);
}
END_TEST

/* Writes text to path whole. */
static void
write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* A scenario directory with a stubs/ directory in it, under /tmp. */
struct stub_dir {
	char dir[64];
	char stubs[96];
	char scenario[128];
};

static void
stub_dir_make(struct stub_dir *d)
{
	snprintf(d->dir, sizeof(d->dir), "/tmp/gongmock-stubs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d->dir));
	snprintf(d->stubs, sizeof(d->stubs), "%s/stubs", d->dir);
	ck_assert_int_eq(mkdir(d->stubs, 0700), 0);
	snprintf(d->scenario, sizeof(d->scenario), "%s/scenario.json", d->dir);
}

/* Writes stubs/<name> in d; its path into path. */
static void
stub_file(const struct stub_dir *d, const char *name, const char *text, size_t len, char *path,
          size_t pathlen)
{
	snprintf(path, pathlen, "%s/%s", d->stubs, name);
	write_file(path, text, len);
}

/* Writes a scenario of one rule answering with bodyFile `file` and loads it. */
static int
load_stub_scenario(const struct stub_dir *d, const char *file)
{
	char json[512];

	snprintf(json, sizeof(json),
	         "{\"rules\": [{\"name\": \"calls\", \"match\": {\"path\": \"/v2/calls\"},"
	         " \"respond\": {\"status\": 500}},\n"
	         " {\"name\": \"activity\", \"match\": {\"method\": \"POST\","
	         " \"path\": \"/v2/stats/activity/aggregate\"},\n"
	         "  \"respond\": {\"bodyFile\": \"%s\"}}]}",
	         file);
	write_file(d->scenario, json, strlen(json));
	err[0] = '\0';
	return fault_set_load_file(fs, d->scenario, err, sizeof(err));
}

static void
stub_dir_remove(const struct stub_dir *d)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	ck_assert_int_eq(system(cmd), 0);
}

/*
 * A scenario's bodyFile is read relative to the scenario, once, and sent byte for byte:
 * spacing, a trailing newline and an integer past 64 bits as written.
 */
START_TEST(test_stub_body_file)
{
	static const char text[] =
	    "{\n  \"requestId\": \"file\",\n  \"records\": {\"totalRecords\": 1},"
	    "\n  \"big\": 123456789012345678901234567890,\n  \"ratio\": 0.10\n}\n";
	struct fault_request r = post_body("/v2/stats/activity/aggregate", "{\"filter\": {}}");
	struct fault_action a;
	struct stub_dir d;
	char path[160], *real, json[512];
	json_t *root, *one;

	stub_dir_make(&d);
	stub_file(&d, "activity.json", text, sizeof(text) - 1, path, sizeof(path));
	ck_assert_msg(load_stub_scenario(&d, "stubs/activity.json") == 0, "%s", err);
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_str_eq(a.name, "activity");
	expect_body(&a, 200, text, sizeof(text) - 1);
	/* The file changes afterwards: the rule answers what it read. */
	write_file(path, "[]", 2);
	fault_action_release(&a);
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	expect_body(&a, 200, text, sizeof(text) - 1);
	fault_action_release(&a);

	root = list();
	one = json_array_get(json_object_get(root, "rules"), 1);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(one, "respond"), "bodyFile")),
	    "stubs/activity.json");
	ck_assert_int_eq(json_integer_value(json_object_get(one, "bodyBytes")),
	                 (json_int_t)(sizeof(text) - 1));
	real = realpath(path, NULL);
	ck_assert_ptr_nonnull(real);
	ck_assert_str_eq(json_string_value(json_object_get(one, "bodyPath")), real);
	ck_assert_ptr_null(
	    json_object_get(json_array_get(json_object_get(root, "rules"), 0), "bodyBytes"));
	json_decref(root);

	/* Through the control API the same file is named by its absolute path. */
	fault_set_clear(fs);
	write_file(path, text, sizeof(text) - 1);
	snprintf(json, sizeof(json), "{\"respond\": {\"status\": 202, \"bodyFile\": \"%s\"}}",
	         path);
	add_ok(json);
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	expect_body(&a, 202, text, sizeof(text) - 1);
	fault_action_release(&a);
	ck_assert_int_eq(list_int(0, "bodyBytes"), (long long)(sizeof(text) - 1));
	free(real);
	stub_dir_remove(&d);
}
END_TEST

/* A scenario whose body file is missing, not JSON, too large or not a file does not load. */
START_TEST(test_stub_body_file_errors)
{
	struct stub_dir d;
	char path[160], want[512];
	int fd;

	stub_dir_make(&d);
	ck_assert_int_eq(load_stub_scenario(&d, "stubs/none.json"), -1);
	snprintf(want, sizeof(want),
	         "%s: rules[1].respond.bodyFile: %s/none.json: No such file or directory",
	         d.scenario, d.stubs);
	ck_assert_str_eq(err, want);

	stub_file(&d, "bad.json", "{\n  \"a\": 1,\n  \"b\": }\n", 21, path, sizeof(path));
	ck_assert_int_eq(load_stub_scenario(&d, "stubs/bad.json"), -1);
	snprintf(want, sizeof(want),
	         "%s: rules[1].respond.bodyFile: %s: invalid JSON at line 3, column 8: ",
	         d.scenario, path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got %s", err);

	stub_file(&d, "twice.json", "{\"a\": 1, \"a\": 2}", 16, path, sizeof(path));
	ck_assert_int_eq(load_stub_scenario(&d, "stubs/twice.json"), -1);
	snprintf(want, sizeof(want), "%s: rules[1].respond.bodyFile: %s: invalid JSON at line 1, ",
	         d.scenario, path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got %s", err);
	ck_assert_ptr_nonnull(strstr(err, "duplicate"));

	stub_file(&d, "empty.json", "", 0, path, sizeof(path));
	ck_assert_int_eq(load_stub_scenario(&d, "stubs/empty.json"), -1);
	snprintf(want, sizeof(want), "%s: rules[1].respond.bodyFile: %s: invalid JSON at line ",
	         d.scenario, path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got %s", err);

	/* 8 MB and a byte, sparse: refused for its size before a byte is read. */
	snprintf(path, sizeof(path), "%s/big.json", d.stubs);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, FAULT_BODY_MAX + 1), 0);
	close(fd);
	ck_assert_int_eq(load_stub_scenario(&d, "stubs/big.json"), -1);
	snprintf(want, sizeof(want),
	         "%s: rules[1].respond.bodyFile: %s: 8388609 bytes, past the 8388608 (8 MB) a body "
	         "may have",
	         d.scenario, path);
	ck_assert_str_eq(err, want);

	ck_assert_int_eq(load_stub_scenario(&d, "stubs"), -1);
	snprintf(want, sizeof(want), "%s: rules[1].respond.bodyFile: %s: not a regular file",
	         d.scenario, d.stubs);
	ck_assert_str_eq(err, want);
	/* Nothing was added, not even the sound first rule. */
	ck_assert_uint_eq(list_size(), 0);

	/* Exactly 8 MB of JSON is a body. */
	{
		char *text = malloc(FAULT_BODY_MAX);

		ck_assert_ptr_nonnull(text);
		memset(text, ' ', FAULT_BODY_MAX);
		text[0] = '"';
		text[FAULT_BODY_MAX - 2] = '"';
		stub_file(&d, "large.json", text, FAULT_BODY_MAX, path, sizeof(path));
		free(text);
		ck_assert_msg(load_stub_scenario(&d, "stubs/large.json") == 0, "%s", err);
		ck_assert_int_eq(list_int(1, "bodyBytes"), FAULT_BODY_MAX);
	}
	stub_dir_remove(&d);
}
END_TEST

/* ---------------------------------------------------------------- scenario files */

static void
load(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), SCENARIOS "%s", name);
	ck_assert_msg(fault_set_load_file(fs, path, err, sizeof(err)) == 0, "%s: %s", path, err);
}

START_TEST(test_scenario_rate_limited)
{
	struct fault_request r = get_calls("fromDateTime=2025-01-01T00:00:00Z");
	struct fault_request post = mkreq("POST", "/v2/calls", NULL, 0, "key");
	struct fault_action a;
	int limited = 0, run = 0, longest = 0;

	load("rate-limited.json");
	ck_assert_uint_eq(list_size(), 1);
	for (int i = 0; i < 10000; i++) {
		if (fault_match(fs, &r, &a)) {
			ck_assert_uint_eq(a.status, 429);
			ck_assert_uint_eq(a.retry_after, 2);
			ck_assert_uint_eq(a.nerrors, 1);
			ck_assert_str_eq(a.errors[0], "API request limit exceeded");
			limited++;
			run++;
			longest = run > longest ? run : longest;
		} else {
			run = 0;
		}
		ck_assert_int_eq(fault_match(fs, &post, &a), 0);
	}
	ck_assert_int_ge(limited, 4750);
	ck_assert_int_le(limited, 5250);
	/* A retrying client gets through: no long runs of 429. */
	ck_assert_int_lt(longest, 25);
}
END_TEST

START_TEST(test_scenario_flaky_500)
{
	struct fault_request r = get_calls("");
	struct fault_action a;
	int failed = 0;

	load("flaky-500.json");
	for (int i = 0; i < 10000; i++) {
		if (fault_match(fs, &r, &a)) {
			ck_assert_uint_eq(a.status, 500);
			ck_assert_uint_eq(a.nerrors, 1);
			ck_assert_str_eq(a.errors[0], "Internal server error occurred");
			ck_assert_int_eq(a.kind, FAULT_NONE);
			failed++;
		}
	}
	/* 3000 expected; five standard deviations (about 46 each) either side. */
	ck_assert_int_ge(failed, 2770);
	ck_assert_int_le(failed, 3230);
}
END_TEST

START_TEST(test_scenario_empty_workspace)
{
	struct fault_request r;
	struct fault_action a;

	load("empty-workspace-404.json");
	r = get_calls("workspaceId=7655257159189840256&fromDateTime=2025-01-01T00:00:00Z");
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(fault_match(fs, &r, &a), 1);
		ck_assert_uint_eq(a.status, 404);
		ck_assert_uint_eq(a.nerrors, 1);
		ck_assert_str_eq(a.errors[0],
		                 "No calls found corresponding to the provided filters");
	}
	r = get_calls("workspaceId=4095366604498126439");
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
	r = get_calls("workspaceId=123");
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
	r = get_calls("");
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
}
END_TEST

START_TEST(test_scenario_slow_network)
{
	struct fault_request r;
	struct fault_action a;

	load("slow-network.json");
	for (int i = 0; i < 1000; i++) {
		r = get_calls(i % 2 ? "workspaceId=9391112992383559384" : "workspaceId=1");
		ck_assert_int_eq(fault_match(fs, &r, &a), 1);
		ck_assert_uint_eq(a.status, 0);
		ck_assert_uint_ge(a.delay_ms, 800);
		ck_assert_uint_le(a.delay_ms, 1500);
		ck_assert_int_eq(a.kind, i % 2 ? FAULT_SLOW : FAULT_NONE);
	}
	r = mkreq("GET", "/v2/users", NULL, 0, NULL);
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
}
END_TEST

START_TEST(test_scenario_page_2_fails)
{
	struct fault_request r = get_calls("cursor=abc");
	struct fault_action a;

	load("page-2-fails.json");
	r.page = 0;
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
	r.page = 1;
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_uint_eq(a.status, 500);
	ck_assert_str_eq(a.errors[0], "Internal server error occurred");
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
	r.page = 2;
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
}
END_TEST

START_TEST(test_load_file_errors)
{
	char want[512], path[64];

	ck_assert_int_eq(fault_set_load_file(fs, "fixtures/scenarios/none.json", err, sizeof(err)),
	                 -1);
	ck_assert_str_eq(err, "fixtures/scenarios/none.json: No such file or directory");

	harness_temp_file("{\"rules\": [{\"respond\": {}},\n {\"respond\": {\"status\": 600}}]}",
	                  "", path, sizeof(path));
	ck_assert_int_eq(fault_set_load_file(fs, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
	         "%s: rules[1].respond.status: must be an integer from 200 to 599", path);
	ck_assert_str_eq(err, want);
	unlink(path);

	harness_temp_file("{\"rules\": [\n{\"respond\": }]}", "", path, sizeof(path));
	ck_assert_int_eq(fault_set_load_file(fs, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: invalid JSON at line 2, column ", path);
	ck_assert_int_eq(strncmp(err, want, strlen(want)), 0);
	unlink(path);
	ck_assert_uint_eq(list_size(), 0);

	/* A lone rule object is a scenario too. */
	harness_temp_file("{\"name\": \"lone\", \"respond\": {\"status\": 500}}", "", path,
	                  sizeof(path));
	ck_assert_int_eq(fault_set_load_file(fs, path, err, sizeof(err)), 0);
	unlink(path);
	ck_assert_uint_eq(list_size(), 1);
}
END_TEST

/* All shipped scenarios load together (their names do not clash). */
START_TEST(test_scenarios_together)
{
	load("rate-limited.json");
	load("flaky-500.json");
	load("empty-workspace-404.json");
	load("slow-network.json");
	load("page-2-fails.json");
	load("stub-scorecards.json");
	ck_assert_uint_eq(list_size(), 7);
}
END_TEST

/* The first `n` answers (1 fired, 0 not) a scenario gives GET /v2/calls with --seed `seed`. */
static void
expect_sequence(const char *file, uint64_t seed, const char *want)
{
	struct fault_request r = get_calls("");
	struct fault_action a;
	char got[64] = "";

	fault_set_free(fs);
	fs = fault_set_create(seed);
	load(file);
	for (size_t i = 0; want[i] != '\0'; i++)
		got[i] = fault_match(fs, &r, &a) ? '1' : '0';
	ck_assert_msg(strcmp(got, want) == 0, "%s with seed %llu: %s, want %s", file,
	              (unsigned long long)seed, got, want);
}

/* The sequences the scenarios' descriptions and docs/faults.md quote for --seed 7. */
START_TEST(test_scenario_sequences)
{
	/* 429 429 200 200 429 429 429 429 429 429 429 200 200 200 200 200 200 429 200 200 */
	expect_sequence("rate-limited.json", 7, "11001111111000000100");
	/* 200 500 200 200 200 500 200 200 500 200 */
	expect_sequence("flaky-500.json", 7, "0100010010");
}
END_TEST

START_TEST(test_scenario_stub_scorecards)
{
	struct fault_request r = mkreq("GET", "/v2/settings/scorecards", NULL, -1, "key");
	struct fault_action a;
	json_t *body, *card;

	load("stub-scorecards.json");
	ck_assert_int_eq(fault_match(fs, &r, &a), 1);
	ck_assert(fault_action_answers(&a));
	ck_assert_uint_eq(a.status, 200);
	ck_assert_str_eq(a.name, "scorecards-stub");
	body = json_loadb(a.body, a.body_len, 0, NULL);
	ck_assert_ptr_nonnull(body);
	card = json_array_get(json_object_get(body, "scorecards"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(card, "workspaceId")),
	                 4095366604498126439LL);
	ck_assert_int_eq(json_integer_value(json_object_get(card, "updaterUserId")),
	                 140314569424982LL);
	ck_assert_uint_eq(json_array_size(json_object_get(card, "questions")), 2);
	json_decref(body);
	/* Compact: no space or newline outside strings, unlike the scenario file. */
	ck_assert_ptr_null(memchr(a.body, '\n', a.body_len));
	{
		static const char head[] =
		    "{\"requestId\":\"4al018gzaztcr8nbukw\",\"scorecards\":[{";

		ck_assert_int_eq(strncmp(a.body, head, sizeof(head) - 1), 0);
	}
	fault_action_release(&a);
	r.method = "POST";
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
	r = get_calls("");
	ck_assert_int_eq(fault_match(fs, &r, &a), 0);
}
END_TEST

/* ---------------------------------------------------------------- threads */

#define THREADS 8
#define PER_THREAD 5000
#define TIMES 1000

struct worker {
	pthread_t tid;
	int fired;
	int reached_second;
};

static atomic_int stop_reader;
/* Counts the reader read other than 3 after adding its rule, or 2 after removing it. */
static atomic_int bad_counts;

static void *
matcher(void *arg)
{
	struct worker *w = arg;
	struct query *mq = malloc(sizeof(*mq));
	struct fault_request r = {"GET", "/v2/calls", mq, 0, "key", NULL, 0};
	struct fault_action a;

	if (mq == NULL || query_parse(mq, "workspaceId=9", 13) != 0)
		abort();
	for (int i = 0; i < PER_THREAD; i++) {
		if (fault_match(fs, &r, &a)) {
			if (a.rule_id == 1)
				w->fired++;
			else
				w->reached_second++;
		}
	}
	free(mq);
	return NULL;
}

/* Lists, reads metrics and adds and removes a rule while the matchers run. */
static void *
reader(void *arg)
{
	static const char rule[] = "{\"match\": {\"path\": \"/v2/x\"}, \"respond\": {}}";
	unsigned id;
	size_t nids;
	char e[256];
	int rc;

	(void)arg;
	/* At least one round, however the threads are scheduled. */
	do {
		free(fault_set_list_json(fs));
		free(fault_set_metrics(fs));
		rc = fault_set_add_json(fs, rule, sizeof(rule) - 1, &id, 1, &nids, e, sizeof(e));
		if (rc != 0)
			abort();
		if (fault_set_count(fs) != 3)
			atomic_fetch_add(&bad_counts, 1);
		if (fault_set_remove(fs, id) != 0)
			abort();
		if (fault_set_count(fs) != 2)
			atomic_fetch_add(&bad_counts, 1);
	} while (!atomic_load(&stop_reader));
	return NULL;
}

/* Matchers that send a stub's body while another thread adds and removes its rule. */
static const char stub_text[] = "{\"records\":{\"totalRecords\":3},\"stats\":[1,2,3]}";
static atomic_int stub_fired;
static atomic_int stub_bad;
static atomic_int stub_done;

static long stub_start_ms; /* when the test began (harness_mono_ms) */

static void *
stub_matcher(void *arg)
{
	struct fault_request r = {"GET", "/v2/stats", NULL, 0, "key", NULL, 0};
	struct fault_action a;

	(void)arg;
	/* 20,000 tries, and on until a stub has fired while rules come and go (a slow machine
	 * may miss every window in 20,000), for 10 s at most. */
	for (int i = 0; i < 20000 || (atomic_load(&stub_fired) == 0 &&
	                              harness_mono_ms() - stub_start_ms < 10000);
	     i++) {
		if (!fault_match(fs, &r, &a))
			continue;
		atomic_fetch_add(&stub_fired, 1);
		/* Read the bytes slowly, as a send would, while the rule may be going. */
		if (a.body_len != sizeof(stub_text) - 1 ||
		    memcmp(a.body, stub_text, a.body_len) != 0)
			atomic_fetch_add(&stub_bad, 1);
		sched_yield();
		if (a.body[a.body_len - 1] != '}')
			atomic_fetch_add(&stub_bad, 1);
		fault_action_release(&a);
	}
	atomic_fetch_add(&stub_done, 1);
	return NULL;
}

START_TEST(test_threads_stub_bodies)
{
	pthread_t t[4];
	char rule[256];
	int rounds = 0;

	snprintf(rule, sizeof(rule),
	         "{\"match\": {\"path\": \"/v2/stats\"}, \"respond\": {\"body\": %s}}", stub_text);
	atomic_store(&stub_fired, 0);
	atomic_store(&stub_bad, 0);
	atomic_store(&stub_done, 0);
	stub_start_ms = harness_mono_ms();
	add_ok(rule);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, stub_matcher, NULL), 0);
	/* Remove the rule and add it again until the matchers are done. */
	do {
		fault_set_clear(fs);
		add_ok(rule);
		rounds++;
	} while (atomic_load(&stub_done) < 4);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	ck_assert_int_gt(atomic_load(&stub_fired), 0);
	ck_assert_int_eq(atomic_load(&stub_bad), 0);
	ck_assert_int_gt(rounds, 1);
}
END_TEST

START_TEST(test_threads)
{
	struct worker w[THREADS];
	pthread_t rd;
	int fired = 0, second = 0;

	add_ok("{\"match\": {\"query\": {\"workspaceId\": \"9\"}}, \"respond\": {\"status\": 500},"
	       " \"after\": 100, \"times\": 1000}");
	add_ok("{\"respond\": {\"status\": 503}}");
	memset(w, 0, sizeof(w));
	atomic_store(&stop_reader, 0);
	atomic_store(&bad_counts, 0);
	ck_assert_int_eq(pthread_create(&rd, NULL, reader, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&w[i].tid, NULL, matcher, &w[i]), 0);
	for (int i = 0; i < THREADS; i++) {
		ck_assert_int_eq(pthread_join(w[i].tid, NULL), 0);
		fired += w[i].fired;
		second += w[i].reached_second;
	}
	atomic_store(&stop_reader, 1);
	ck_assert_int_eq(pthread_join(rd, NULL), 0);
	ck_assert_int_eq(fired, TIMES);
	ck_assert_int_eq(second, THREADS * PER_THREAD - TIMES);
	ck_assert_int_eq(list_int(0, "matched"), THREADS * PER_THREAD);
	ck_assert_int_eq(list_int(0, "fired"), TIMES);
	ck_assert_int_eq(list_int(1, "matched"), THREADS * PER_THREAD - TIMES);
	ck_assert_int_eq(list_int(1, "fired"), THREADS * PER_THREAD - TIMES);
	ck_assert_uint_eq(list_size(), 2);
	ck_assert_uint_eq(fault_set_count(fs), 2);
	ck_assert_int_eq(atomic_load(&bad_counts), 0);
}
END_TEST

static Suite *
fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parse_full);
	tcase_add_test(tc, test_parse_defaults);
	tcase_add_test(tc, test_parse_retry_after);
	tcase_add_test(tc, test_parse_normal_answer);
	tcase_add_loop_test(tc, test_parse_fault_kinds, 0, (int)(sizeof kinds / sizeof kinds[0]));
	tcase_add_test(tc, test_parse_status_range);
	tcase_add_test(tc, test_parse_limits);
	tcase_add_loop_test(tc, test_parse_errors, 0,
	                    (int)(sizeof bad_rules / sizeof bad_rules[0]));
	tcase_add_test(tc, test_parse_bad_json);
	tcase_add_test(tc, test_parse_still_valid);
	tcase_add_test(tc, test_parse_err_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("add");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_add_all_or_nothing);
	tcase_add_test(tc, test_add_ids);
	tcase_add_test(tc, test_add_ids_never_reused);
	tcase_add_test(tc, test_add_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("match");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_match_method);
	tcase_add_test(tc, test_match_method_any_case);
	tcase_add_test(tc, test_match_path);
	tcase_add_test(tc, test_match_query);
	tcase_add_test(tc, test_match_query_all);
	tcase_add_test(tc, test_match_dates);
	tcase_add_test(tc, test_match_page);
	tcase_add_test(tc, test_match_credential);
	tcase_add_test(tc, test_match_combined);
	tcase_add_test(tc, test_match_path_wildcard);
	tcase_add_test(tc, test_match_body);
	tcase_add_test(tc, test_match_body_length);
	tcase_add_test(tc, test_match_body_numbers);
	tcase_add_test(tc, test_match_body_empty);
	tcase_add_test(tc, test_match_body_listed);
	tcase_add_test(tc, test_body_parsed_once);
	tcase_add_test(tc, test_match_body_sequence);
	suite_add_tcase(s, tc);

	tc = tcase_create("sequence");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_after_times);
	tcase_add_test(tc, test_first_rule_wins);
	tcase_add_test(tc, test_probability_falls_through);
	tcase_add_test(tc, test_probability_bounds);
	tcase_add_test(tc, test_probability_half);
	tcase_add_test(tc, test_probability_seeded);
	tcase_add_test(tc, test_delay_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("set");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_remove);
	tcase_add_test(tc, test_clear);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_empty_set);
	tcase_add_test(tc, test_count);
	tcase_add_test(tc, test_list_json);
	tcase_add_test(tc, test_list_json_order);
	tcase_add_test(tc, test_metrics);
	suite_add_tcase(s, tc);

	tc = tcase_create("stubs");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_stub_inline_body);
	tcase_add_loop_test(tc, test_stub_body_values, 0,
	                    (int)(sizeof stub_bodies / sizeof stub_bodies[0]));
	tcase_add_test(tc, test_stub_statuses);
	tcase_add_test(tc, test_stub_inline_cap);
	tcase_add_test(tc, test_stub_outlives_its_rule);
	tcase_add_test(tc, test_stub_body_file);
	tcase_add_test(tc, test_stub_body_file_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("prefer");
	suite_add_tcase(s, tc);

	tc = tcase_create("scenarios");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_scenario_rate_limited);
	tcase_add_test(tc, test_scenario_flaky_500);
	tcase_add_test(tc, test_scenario_empty_workspace);
	tcase_add_test(tc, test_scenario_slow_network);
	tcase_add_test(tc, test_scenario_page_2_fails);
	tcase_add_test(tc, test_load_file_errors);
	tcase_add_test(tc, test_scenarios_together);
	tcase_add_test(tc, test_scenario_sequences);
	tcase_add_test(tc, test_scenario_stub_scorecards);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_threads_stub_bodies);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(fault_suite());
}
