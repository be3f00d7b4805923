/*
 * test_journal.c - unit tests of journal: the request list (order, limit, wrap-around,
 * truncation, escaping, reset, request bodies kept, cut or shown as text), the operation of a
 * request, and the Prometheus text (every series checked by value after parsing the text line
 * by line, per operation too), alone and with several threads adding at once.
 */
#include "journal.h"

#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

#include "harness.h"

/* 2025-06-12T17:38:36Z, worked out independently of the code under test. */
#define T0 INT64_C(1749749916000000)

static void
add_full(struct journal *j, const char *id, const char *method, const char *path, const char *query,
         size_t query_len, unsigned status, const char *source, int64_t us)
{
	struct journal_entry e = {
	    .time_us = T0,
	    .request_id = id,
	    .method = method,
	    .path = path,
	    .query = query,
	    .query_len = query_len,
	    .status = status,
	    .source = source,
	    .duration_us = us,
	};

	journal_add(j, &e);
}

/* Adds a GET /v2/calls with request id "r<n>". */
static void
add_numbered(struct journal *j, unsigned n)
{
	char id[32];

	snprintf(id, sizeof(id), "r%u", n);
	add_full(j, id, "GET", "/v2/calls", "", 0, 200, "fixture", 100);
}

static void
add_answer(struct journal *j, unsigned status, const char *source, int64_t us)
{
	add_full(j, "id", "GET", "/v2/calls", "", 0, status, source, us);
}

/* Adds a request with a body of len bytes at body (NULL: none). */
static void
add_body(struct journal *j, const char *id, const char *method, const char *path, const char *body,
         size_t len)
{
	struct journal_entry e = {
	    .time_us = T0,
	    .request_id = id,
	    .method = method,
	    .path = path,
	    .query = "",
	    .body = body,
	    .body_len = len,
	    .status = 200,
	    .source = "fixture",
	    .duration_us = 5,
	};

	journal_add(j, &e);
}

/* The list as parsed JSON, checked to be an object with exactly "requests" and "total". */
static json_t *
list_doc(struct journal *j, size_t limit)
{
	char *text = journal_list_json(j, limit);
	json_error_t err;
	json_t *doc;

	ck_assert_ptr_nonnull(text);
	doc = json_loads(text, JSON_ALLOW_NUL, &err);
	ck_assert_msg(doc != NULL, "bad JSON (%s): %s", err.text, text);
	free(text);
	ck_assert(json_is_object(doc));
	ck_assert_int_eq(json_object_size(doc), 2);
	ck_assert(json_is_array(json_object_get(doc, "requests")));
	ck_assert(json_is_integer(json_object_get(doc, "total")));
	return doc;
}

static json_t *
doc_requests(json_t *doc)
{
	return json_object_get(doc, "requests");
}

static long long
doc_total(json_t *doc)
{
	return json_integer_value(json_object_get(doc, "total"));
}

static const char *
entry_str(json_t *doc, size_t i, const char *key)
{
	json_t *v = json_object_get(json_array_get(doc_requests(doc), i), key);

	ck_assert_msg(json_is_string(v), "entry %zu: \"%s\" is not a string", i, key);
	return json_string_value(v);
}

/* Demands that the list holds exactly the request ids r<first>, r<first-1>, ... (count). */
static void
expect_ids(json_t *doc, unsigned first, size_t count)
{
	ck_assert_int_eq(json_array_size(doc_requests(doc)), count);
	for (size_t i = 0; i < count; i++) {
		char id[32];

		snprintf(id, sizeof(id), "r%u", first - (unsigned)i);
		ck_assert_str_eq(entry_str(doc, i, "requestId"), id);
	}
}

START_TEST(test_entry_exact_json)
{
	struct journal *j = journal_create(4);
	char *text;

	ck_assert_ptr_nonnull(j);
	add_full(j, "a1b2c3", "GET", "/v2/calls", "fromDateTime=2025-06-01T00:00:00Z&cursor=x", 42,
	         200, "fixture", 1234);
	text = journal_list_json(j, 0);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "{\"requests\":[{\"time\":\"2025-06-12T17:38:36.000Z\","
	                       "\"requestId\":\"a1b2c3\",\"method\":\"GET\",\"path\":\"/v2/calls\","
	                       "\"query\":\"fromDateTime=2025-06-01T00:00:00Z&cursor=x\","
	                       "\"status\":200,\"source\":\"fixture\",\"us\":1234}],\"total\":1}");
	free(text);
	journal_free(j);
}
END_TEST

/* The time carries exactly three fraction digits, truncated, also before 1970. */
START_TEST(test_time_milliseconds)
{
	static const struct {
		int64_t us;
		const char *text;
	} cases[] = {
	    {T0 + 123456, "2025-06-12T17:38:36.123Z"}, {T0 + 120000, "2025-06-12T17:38:36.120Z"},
	    {T0 + 999, "2025-06-12T17:38:36.000Z"},    {T0 + 999999, "2025-06-12T17:38:36.999Z"},
	    {0, "1970-01-01T00:00:00.000Z"},           {-1, "1969-12-31T23:59:59.999Z"},
	    {-1000, "1969-12-31T23:59:59.999Z"},       {-1001, "1969-12-31T23:59:59.998Z"},
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct journal *j = journal_create(n);
	json_t *doc;

	ck_assert_ptr_nonnull(j);
	for (size_t i = 0; i < n; i++) {
		struct journal_entry e = {.time_us = cases[i].us,
		                          .request_id = "x",
		                          .method = "GET",
		                          .path = "/",
		                          .query = "",
		                          .status = 200,
		                          .source = "fixture"};

		journal_add(j, &e);
	}
	doc = list_doc(j, 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(entry_str(doc, n - 1 - i, "time"), cases[i].text);
	json_decref(doc);
	journal_free(j);
}
END_TEST

START_TEST(test_wrap_keeps_newest)
{
	struct journal *j = journal_create(5);
	json_t *doc;

	ck_assert_ptr_nonnull(j);
	for (unsigned i = 1; i <= 12; i++)
		add_numbered(j, i);
	doc = list_doc(j, 0);
	expect_ids(doc, 12, 5);
	ck_assert_int_eq(doc_total(doc), 12);
	json_decref(doc);

	/* Exactly one lap, and one short of it. */
	for (unsigned i = 13; i <= 15; i++)
		add_numbered(j, i);
	doc = list_doc(j, 0);
	expect_ids(doc, 15, 5);
	json_decref(doc);
	journal_free(j);
}
END_TEST

START_TEST(test_before_full)
{
	struct journal *j = journal_create(5);
	json_t *doc;

	ck_assert_ptr_nonnull(j);
	doc = list_doc(j, 0);
	expect_ids(doc, 0, 0);
	ck_assert_int_eq(doc_total(doc), 0);
	json_decref(doc);
	for (unsigned i = 1; i <= 3; i++)
		add_numbered(j, i);
	doc = list_doc(j, 0);
	expect_ids(doc, 3, 3);
	ck_assert_int_eq(doc_total(doc), 3);
	json_decref(doc);
	journal_free(j);
}
END_TEST

START_TEST(test_limit)
{
	struct journal *j = journal_create(10);
	json_t *doc;

	ck_assert_ptr_nonnull(j);
	for (unsigned i = 1; i <= 7; i++)
		add_numbered(j, i);
	doc = list_doc(j, 3);
	expect_ids(doc, 7, 3);
	ck_assert_int_eq(doc_total(doc), 7);
	json_decref(doc);
	doc = list_doc(j, 1);
	expect_ids(doc, 7, 1);
	json_decref(doc);
	doc = list_doc(j, 7);
	expect_ids(doc, 7, 7);
	json_decref(doc);
	doc = list_doc(j, 1000);
	expect_ids(doc, 7, 7);
	json_decref(doc);

	/* A limit past the capacity after wrapping still gives the capacity. */
	for (unsigned i = 8; i <= 25; i++)
		add_numbered(j, i);
	doc = list_doc(j, 500);
	expect_ids(doc, 25, 10);
	ck_assert_int_eq(doc_total(doc), 25);
	json_decref(doc);
	doc = list_doc(j, 4);
	expect_ids(doc, 25, 4);
	json_decref(doc);
	journal_free(j);
}
END_TEST

START_TEST(test_total_counts_all)
{
	struct journal *j = journal_create(3);
	json_t *doc;

	ck_assert_ptr_nonnull(j);
	for (unsigned i = 1; i <= 1000; i++)
		add_numbered(j, i);
	doc = list_doc(j, 2);
	expect_ids(doc, 1000, 2);
	ck_assert_int_eq(doc_total(doc), 1000);
	json_decref(doc);
	journal_free(j);
}
END_TEST

/* Parses one exposition-format text; see parse_metrics. */
struct metrics {
	char **series; /* "name{labels}" as printed */
	char **values;
	size_t n;
};

static void
metrics_free(struct metrics *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->series[i]);
		free(m->values[i]);
	}
	free(m->series);
	free(m->values);
}

static bool
is_name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

/* Length of the metric or label name at s (0 if none). */
static size_t
name_len(const char *s)
{
	size_t n = 0;

	while (is_name_char(s[n], n == 0))
		n++;
	return n;
}

/* Length of the {…} label set at s, checked for syntax and escapes; 0 if malformed. */
static size_t
labels_len(const char *s)
{
	size_t i = 1;

	if (s[0] != '{')
		return 0;
	for (;;) {
		size_t n = name_len(s + i);

		if (n == 0 || s[i + n] != '=' || s[i + n + 1] != '"')
			return 0;
		i += n + 2;
		while (s[i] != '"') {
			if (s[i] == '\0' || s[i] == '\n')
				return 0;
			if (s[i] == '\\') {
				if (s[i + 1] != '\\' && s[i + 1] != '"' && s[i + 1] != 'n')
					return 0;
				i++;
			}
			i++;
		}
		i++;
		if (s[i] == '}')
			return i + 1;
		if (s[i] != ',')
			return 0;
		i++;
	}
}

/* True when the n bytes at s are a number as the exposition format writes one. */
static bool
is_value(const char *s, size_t n)
{
	char buf[64];
	char *end;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strcmp(buf, "+Inf") == 0 || strcmp(buf, "-Inf") == 0 || strcmp(buf, "NaN") == 0)
		return true;
	strtod(buf, &end);
	return *end == '\0';
}

/* The family a sample belongs to, allowing the histogram suffixes when types says so. */
static bool
family_declared(const char *name, size_t n, char types[][2][128], size_t ntypes)
{
	static const char *const suffixes[] = {"_bucket", "_sum", "_count"};

	for (size_t t = 0; t < ntypes; t++) {
		size_t fl = strlen(types[t][0]);

		if (fl == n && memcmp(types[t][0], name, n) == 0)
			return strcmp(types[t][1], "histogram") != 0;
		if (strcmp(types[t][1], "histogram") != 0 || fl >= n ||
		    memcmp(types[t][0], name, fl) != 0)
			continue;
		for (size_t k = 0; k < 3; k++)
			if (strlen(suffixes[k]) == n - fl &&
			    memcmp(suffixes[k], name + fl, n - fl) == 0)
				return true;
	}
	return false;
}

/*
 * Parses the text line by line, failing the test on anything the exposition format does not
 * allow: a line not ended by '\n', a comment other than HELP or TYPE, a TYPE after a sample of
 * its family or repeated, a HELP not right before its TYPE, a sample of an undeclared family,
 * malformed labels or value, a series printed twice.
 */
static struct metrics
parse_metrics(const char *text)
{
	struct metrics m = {0};
	char types[16][2][128];
	size_t ntypes = 0, cap = 0;
	char help[128] = "";
	const char *p = text;

	ck_assert_ptr_nonnull(text);
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len;

		ck_assert_msg(nl != NULL, "line not ended: %s", p);
		len = (size_t)(nl - p);
		if (strncmp(p, "# HELP ", 7) == 0) {
			size_t n = name_len(p + 7);

			ck_assert_msg(n > 0 && n < sizeof(help) && p[7 + n] == ' ' && len > 8 + n,
			              "bad HELP: %.*s", (int)len, p);
			memcpy(help, p + 7, n);
			help[n] = '\0';
		} else if (strncmp(p, "# TYPE ", 7) == 0) {
			size_t n = name_len(p + 7);
			const char *type = p + 8 + n;

			ck_assert_msg(n > 0 && n < 128 && p[7 + n] == ' ', "bad TYPE: %.*s",
			              (int)len, p);
			ck_assert_msg(strlen(help) == n && memcmp(help, p + 7, n) == 0,
			              "TYPE without HELP: %.*s", (int)len, p);
			ck_assert_msg(!family_declared(p + 7, n, types, ntypes),
			              "TYPE repeated: %.*s", (int)len, p);
			ck_assert_int_lt(ntypes, 16);
			memcpy(types[ntypes][0], p + 7, n);
			types[ntypes][0][n] = '\0';
			snprintf(types[ntypes][1], 128, "%.*s", (int)(nl - type), type);
			ck_assert_msg(strcmp(types[ntypes][1], "counter") == 0 ||
			                  strcmp(types[ntypes][1], "histogram") == 0 ||
			                  strcmp(types[ntypes][1], "gauge") == 0,
			              "unknown type: %.*s", (int)len, p);
			ntypes++;
			help[0] = '\0';
		} else {
			size_t n = name_len(p), sl;

			ck_assert_msg(p[0] != '#', "stray comment: %.*s", (int)len, p);
			ck_assert_msg(n > 0, "no metric name: %.*s", (int)len, p);
			ck_assert_msg(family_declared(p, n, types, ntypes), "undeclared: %.*s",
			              (int)len, p);
			sl = n;
			if (p[n] == '{') {
				size_t l = labels_len(p + n);

				ck_assert_msg(l > 0, "bad labels: %.*s", (int)len, p);
				sl += l;
			}
			ck_assert_msg(p[sl] == ' ' && is_value(p + sl + 1, len - sl - 1),
			              "bad value: %.*s", (int)len, p);
			for (size_t i = 0; i < m.n; i++)
				ck_assert_msg(strlen(m.series[i]) != sl ||
				                  memcmp(m.series[i], p, sl) != 0,
				              "series twice: %.*s", (int)sl, p);
			if (m.n == cap) {
				cap = cap ? cap * 2 : 32;
				m.series = realloc(m.series, cap * sizeof(*m.series));
				m.values = realloc(m.values, cap * sizeof(*m.values));
				ck_assert(m.series != NULL && m.values != NULL);
			}
			m.series[m.n] = strndup(p, sl);
			m.values[m.n] = strndup(p + sl + 1, len - sl - 1);
			m.n++;
		}
		p = nl + 1;
	}
	return m;
}

static struct metrics
metrics_of(struct journal *j)
{
	char *text = journal_metrics(j);
	struct metrics m = parse_metrics(text);

	free(text);
	return m;
}

/* The printed value of a series, or NULL when it is absent. */
static const char *
metric(const struct metrics *m, const char *series)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->series[i], series) == 0)
			return m->values[i];
	return NULL;
}

static void
expect_metric(const struct metrics *m, const char *series, const char *value)
{
	const char *v = metric(m, series);

	ck_assert_msg(v != NULL, "missing: %s", series);
	ck_assert_msg(strcmp(v, value) == 0, "%s is %s, expected %s", series, v, value);
}

/* How many series of the given family (name up to '{') are printed. */
static size_t
count_series(const struct metrics *m, const char *name)
{
	size_t n = 0, len = strlen(name);

	for (size_t i = 0; i < m->n; i++)
		if (strncmp(m->series[i], name, len) == 0 &&
		    (m->series[i][len] == '{' || m->series[i][len] == '\0'))
			n++;
	return n;
}

static const char *const le[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005",
                                 "0.01",   "0.025",   "0.05",   "0.1",   "0.25",   "0.5",
                                 "1",      "2.5",     "5",      "10",    "+Inf"};
#define NLE (sizeof(le) / sizeof(le[0]))

/* Every operation, in the order the metrics print them, worked out from journal.h. */
static const char *const ops[] = {
    "listCalls", "getCall", "getCallsExtensive",  "getCallTranscripts",
    "listUsers", "getUser", "listUsersExtensive", "listWorkspaces",
    "admin",     "other"};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* Demands one operation's cumulative bucket values, in order, and its _count. */
static void
expect_buckets(const struct metrics *m, const char *op, const unsigned long long want[NLE])
{
	char series[128], value[32];

	ck_assert_int_eq(count_series(m, "gongmock_request_duration_seconds_bucket"), NLE * NOPS);
	for (size_t i = 0; i < NLE; i++) {
		snprintf(series, sizeof(series),
		         "gongmock_request_duration_seconds_bucket{operation=\"%s\",le=\"%s\"}", op,
		         le[i]);
		snprintf(value, sizeof(value), "%llu", want[i]);
		expect_metric(m, series, value);
	}
	snprintf(series, sizeof(series),
	         "gongmock_request_duration_seconds_count{operation=\"%s\"}", op);
	expect_metric(m, series, value);
}

/* Demands every operation's histogram empty, but the one named (NULL: all). */
static void
expect_other_histograms_empty(const struct metrics *m, const char *but)
{
	static const unsigned long long zero[NLE] = {0};
	char series[128];

	for (size_t o = 0; o < NOPS; o++) {
		if (but != NULL && strcmp(ops[o], but) == 0)
			continue;
		expect_buckets(m, ops[o], zero);
		snprintf(series, sizeof(series),
		         "gongmock_request_duration_seconds_sum{operation=\"%s\"}", ops[o]);
		expect_metric(m, series, "0.000000");
	}
}

#define LISTCALLS ",operation=\"listCalls\"}"
#define DURATION_COUNT(op) "gongmock_request_duration_seconds_count{operation=\"" op "\"}"
#define DURATION_SUM(op) "gongmock_request_duration_seconds_sum{operation=\"" op "\"}"

START_TEST(test_metrics_empty)
{
	struct journal *j = journal_create(10);
	char *text;
	struct metrics m;

	ck_assert_ptr_nonnull(j);
	text = journal_metrics(j);
	m = parse_metrics(text);
	/* Every family is declared even before the first request. */
	ck_assert_ptr_nonnull(strstr(text, "# TYPE gongmock_requests_total counter\n"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE gongmock_request_duration_seconds histogram\n"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE gongmock_rate_limited_total counter\n"));
	ck_assert_int_eq(count_series(&m, "gongmock_requests_total"), 0);
	/* ...and every operation's histogram, each whole. */
	expect_other_histograms_empty(&m, NULL);
	expect_metric(&m, "gongmock_rate_limited_total", "0");
	ck_assert_int_eq(m.n, NOPS * (NLE + 2) + 1);
	metrics_free(&m);
	free(text);
	journal_free(j);
}
END_TEST

START_TEST(test_metrics_by_status_and_source)
{
	struct journal *j = journal_create(10);
	struct metrics m;

	ck_assert_ptr_nonnull(j);
	for (int i = 0; i < 3; i++)
		add_answer(j, 200, "fixture", 10);
	add_answer(j, 200, "fault:page 2 flaps", 10);
	add_answer(j, 500, "fault:x", 10);
	add_answer(j, 503, "fault", 10);
	add_answer(j, 429, "ratelimit", 10);
	add_answer(j, 429, "ratelimit", 10);
	add_answer(j, 429, "fault:429 storm", 10);
	add_answer(j, 404, "error", 10);
	add_answer(j, 200, "prefer:example=1", 10);
	add_answer(j, 200, "proxy", 10);
	add_answer(j, 200, "replay:cassette.json", 10);
	add_answer(j, 502, "upstream", 10);
	add_answer(j, 200, "admin", 10);
	/* Unknown kinds, a prefix of a known one, and no source at all. */
	add_answer(j, 200, "faulty:x", 10);
	add_answer(j, 200, "fixtures", 10);
	add_answer(j, 200, "", 10);
	add_answer(j, 200, NULL, 10);
	add_answer(j, 204, ":fixture", 10);
	/* Statuses no HTTP answer carries. */
	add_answer(j, 0, "fixture", 10);
	add_answer(j, 600, "fixture", 10);
	add_answer(j, 99, "error", 10);

	m = metrics_of(j);
	expect_metric(&m, "gongmock_requests_total{code=\"200\",source=\"fixture\"" LISTCALLS, "3");
	expect_metric(&m, "gongmock_requests_total{code=\"200\",source=\"fault\"" LISTCALLS, "1");
	expect_metric(&m, "gongmock_requests_total{code=\"500\",source=\"fault\"" LISTCALLS, "1");
	expect_metric(&m, "gongmock_requests_total{code=\"503\",source=\"fault\"" LISTCALLS, "1");
	expect_metric(&m, "gongmock_requests_total{code=\"429\",source=\"ratelimit\"" LISTCALLS,
	              "2");
	expect_metric(&m, "gongmock_requests_total{code=\"429\",source=\"fault\"" LISTCALLS, "1");
	expect_metric(&m, "gongmock_requests_total{code=\"404\",source=\"error\"" LISTCALLS, "1");
	expect_metric(&m, "gongmock_requests_total{code=\"200\",source=\"prefer\"" LISTCALLS, "1");
	expect_metric(&m, "gongmock_requests_total{code=\"200\",source=\"proxy\"" LISTCALLS, "1");
	expect_metric(&m, "gongmock_requests_total{code=\"200\",source=\"replay\"" LISTCALLS, "1");
	expect_metric(&m, "gongmock_requests_total{code=\"502\",source=\"upstream\"" LISTCALLS,
	              "1");
	expect_metric(&m, "gongmock_requests_total{code=\"200\",source=\"admin\"" LISTCALLS, "1");
	expect_metric(&m, "gongmock_requests_total{code=\"200\",source=\"other\"" LISTCALLS, "4");
	expect_metric(&m, "gongmock_requests_total{code=\"204\",source=\"other\"" LISTCALLS, "1");
	expect_metric(&m, "gongmock_requests_total{code=\"other\",source=\"fixture\"" LISTCALLS,
	              "2");
	expect_metric(&m, "gongmock_requests_total{code=\"other\",source=\"error\"" LISTCALLS, "1");
	/* Only non-zero series: exactly the ones above. */
	ck_assert_int_eq(count_series(&m, "gongmock_requests_total"), 16);
	ck_assert_ptr_null(
	    metric(&m, "gongmock_requests_total{code=\"201\",source=\"fixture\"" LISTCALLS));
	/* Only the rate limiter's own answers, not a fault rule's 429. */
	expect_metric(&m, "gongmock_rate_limited_total", "2");
	expect_metric(&m, DURATION_COUNT("listCalls"), "23");
	expect_other_histograms_empty(&m, "listCalls");
	metrics_free(&m);
	journal_free(j);
}
END_TEST

START_TEST(test_histogram)
{
	struct journal *j = journal_create(10);
	struct metrics m;
	/* Each bound lands in its own bucket (`le` is inclusive), one past it in the next. */
	static const int64_t durations[] = {0,        100,        101,   1000,    1500,
	                                    2500,     2501,       99999, 1000000, 10000000,
	                                    10000001, 3600000000, -5};
	/* Cumulative counts, worked out by hand from the list above. */
	static const unsigned long long want[NLE] = {
	    3,  /* 0.0001: 0, 100, -5 (a negative duration counts as 0) */
	    4,  /* 0.00025: 101 */
	    4,  /* 0.0005 */
	    5,  /* 0.001: 1000 */
	    7,  /* 0.0025: 1500, 2500 */
	    8,  /* 0.005: 2501 */
	    8,  /* 0.01 */
	    8,  /* 0.025 */
	    8,  /* 0.05 */
	    9,  /* 0.1: 99999 */
	    9,  /* 0.25 */
	    9,  /* 0.5 */
	    10, /* 1: 1000000 */
	    10, /* 2.5 */
	    10, /* 5 */
	    11, /* 10: 10000000 */
	    13, /* +Inf: 10000001, 3600000000 */
	};

	ck_assert_ptr_nonnull(j);
	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++)
		add_answer(j, 200, "fixture", durations[i]);
	m = metrics_of(j);
	expect_buckets(&m, "listCalls", want);
	/* 0+100+101+1000+1500+2500+2501+99999+1000000+10000000+10000001+3600000000 us */
	expect_metric(&m, DURATION_SUM("listCalls"), "3621.107702");
	expect_other_histograms_empty(&m, "listCalls");
	metrics_free(&m);

	journal_reset(j);
	add_answer(j, 200, "fixture", 1);
	add_answer(j, 200, "fixture", 250);
	add_answer(j, 200, "fixture", 1234567);
	m = metrics_of(j);
	expect_metric(&m, DURATION_SUM("listCalls"), "1.234818");
	expect_metric(&m, DURATION_COUNT("listCalls"), "3");
	expect_metric(
	    &m, "gongmock_request_duration_seconds_bucket{operation=\"listCalls\",le=\"0.0001\"}",
	    "1");
	expect_metric(
	    &m, "gongmock_request_duration_seconds_bucket{operation=\"listCalls\",le=\"0.00025\"}",
	    "2");
	expect_metric(
	    &m, "gongmock_request_duration_seconds_bucket{operation=\"listCalls\",le=\"1\"}", "2");
	expect_metric(
	    &m, "gongmock_request_duration_seconds_bucket{operation=\"listCalls\",le=\"2.5\"}",
	    "3");
	metrics_free(&m);
	journal_free(j);
}
END_TEST

START_TEST(test_capacity_zero)
{
	struct journal *j = journal_create(0);
	json_t *doc;
	struct metrics m;

	ck_assert_ptr_nonnull(j);
	for (unsigned i = 1; i <= 5; i++)
		add_numbered(j, i);
	add_answer(j, 429, "ratelimit", 10);
	doc = list_doc(j, 0);
	expect_ids(doc, 0, 0);
	ck_assert_int_eq(doc_total(doc), 6);
	json_decref(doc);
	doc = list_doc(j, 3);
	expect_ids(doc, 0, 0);
	json_decref(doc);
	m = metrics_of(j);
	expect_metric(&m, "gongmock_requests_total{code=\"200\",source=\"fixture\"" LISTCALLS, "5");
	expect_metric(&m, "gongmock_rate_limited_total", "1");
	expect_metric(&m, DURATION_COUNT("listCalls"), "6");
	metrics_free(&m);
	journal_reset(j);
	doc = list_doc(j, 0);
	ck_assert_int_eq(doc_total(doc), 0);
	json_decref(doc);
	journal_free(j);
}
END_TEST

START_TEST(test_reset)
{
	struct journal *j = journal_create(5);
	json_t *doc;
	struct metrics m;

	ck_assert_ptr_nonnull(j);
	for (unsigned i = 1; i <= 3; i++)
		add_numbered(j, i);
	add_answer(j, 429, "ratelimit", 5000);
	journal_reset(j);

	doc = list_doc(j, 0);
	expect_ids(doc, 0, 0);
	ck_assert_int_eq(doc_total(doc), 0);
	json_decref(doc);
	m = metrics_of(j);
	ck_assert_int_eq(count_series(&m, "gongmock_requests_total"), 0);
	expect_other_histograms_empty(&m, NULL);
	expect_metric(&m, "gongmock_rate_limited_total", "0");
	metrics_free(&m);

	/* What was there before the reset does not come back as the ring fills again. */
	add_numbered(j, 10);
	doc = list_doc(j, 0);
	expect_ids(doc, 10, 1);
	ck_assert_int_eq(doc_total(doc), 1);
	json_decref(doc);
	for (unsigned i = 11; i <= 17; i++)
		add_numbered(j, i);
	doc = list_doc(j, 0);
	expect_ids(doc, 17, 5);
	ck_assert_int_eq(doc_total(doc), 8);
	json_decref(doc);
	m = metrics_of(j);
	expect_metric(&m, "gongmock_requests_total{code=\"200\",source=\"fixture\"" LISTCALLS, "8");
	ck_assert_int_eq(count_series(&m, "gongmock_requests_total"), 1);
	expect_metric(&m, DURATION_SUM("listCalls"), "0.000800");
	metrics_free(&m);
	journal_free(j);
}
END_TEST

static char *
repeat(char c, size_t n, const char *tail)
{
	size_t tl = strlen(tail);
	char *s = malloc(n + tl + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	memcpy(s + n, tail, tl + 1);
	return s;
}

START_TEST(test_truncation)
{
	struct journal *j = journal_create(2);
	char *id = repeat('i', 40, "");
	char *method = repeat('M', 30, "");
	char *path = repeat('p', 600, "");
	char *query = repeat('q', 3000, "");
	char *source = repeat('s', 200, "");
	char *fault = repeat('f', 300, "");
	json_t *doc;
	struct metrics m;

	ck_assert_ptr_nonnull(j);
	memcpy(fault, "fault:", 6);
	add_full(j, id, method, path, query, strlen(query), 200, source, 1);
	/* The kind of a long source is still read from its start. */
	add_full(j, "x", "GET", "/", "", 0, 500, fault, 1);
	doc = list_doc(j, 0);
	id[20] = method[16] = path[512] = query[2048] = source[160] = fault[160] = '\0';
	ck_assert_str_eq(entry_str(doc, 1, "requestId"), id);
	ck_assert_str_eq(entry_str(doc, 1, "method"), method);
	ck_assert_str_eq(entry_str(doc, 1, "path"), path);
	ck_assert_str_eq(entry_str(doc, 1, "query"), query);
	ck_assert_str_eq(entry_str(doc, 1, "source"), source);
	ck_assert_str_eq(entry_str(doc, 0, "source"), fault);
	json_decref(doc);
	m = metrics_of(j);
	expect_metric(
	    &m, "gongmock_requests_total{code=\"500\",source=\"fault\",operation=\"other\"}", "1");
	metrics_free(&m);

	free(id);
	free(method);
	free(path);
	free(query);
	free(source);
	free(fault);
	journal_free(j);
}
END_TEST

/* A cut through a multi-byte character leaves a '?' rather than invalid UTF-8. */
START_TEST(test_truncation_mid_character)
{
	struct journal *j = journal_create(2);
	char *path = repeat('p', 511, "\xc3\xa9tail");     /* é starts at byte 511 */
	char *query = repeat('q', 2046, "\xe2\x82\xac=1"); /* € starts at byte 2046 */
	char *source = repeat('s', 160, "\xc3\xa9");       /* é lies wholly past the cut */
	json_t *doc;

	ck_assert_ptr_nonnull(j);
	add_full(j, "x", "GET", path, query, strlen(query), 200, source, 1);
	doc = list_doc(j, 0);
	strcpy(path + 511, "?");
	strcpy(query + 2046, "??");
	source[160] = '\0';
	ck_assert_str_eq(entry_str(doc, 0, "path"), path);
	ck_assert_str_eq(entry_str(doc, 0, "query"), query);
	ck_assert_str_eq(entry_str(doc, 0, "source"), source);
	json_decref(doc);
	free(path);
	free(query);
	free(source);
	journal_free(j);
}
END_TEST

START_TEST(test_query_escaping)
{
	/* Odd bytes of every sort, with a NUL inside (the query is counted, not terminated). */
	static const char q[] = "a\"b\\c\x01\n\t\x7f/"
	                        "\xff"             /* never valid */
	                        "\xc3("            /* lead byte without continuation */
	                        "\xc3\xa9"         /* é, valid */
	                        "\xc0\xaf"         /* overlong '/' */
	                        "\xed\xa0\x80"     /* surrogate U+D800 */
	                        "\xf4\x90\x80\x80" /* past U+10FFFF */
	                        "\xf0\x9f\x98\x80" /* U+1F600, valid */
	                        "\x80"             /* stray continuation */
	                        "\0z"
	                        "\xe2\x82"; /* cut short at the end */
	static const char want[] = "a\"b\\c\x01\n\t\x7f/"
	                           "?"
	                           "?("
	                           "\xc3\xa9"
	                           "??"
	                           "???"
	                           "????"
	                           "\xf0\x9f\x98\x80"
	                           "?"
	                           "\0z"
	                           "??";
	struct journal *j = journal_create(2);
	char *text;
	json_error_t err;
	json_t *doc, *v;

	ck_assert_ptr_nonnull(j);
	add_full(j, "x", "GET", "/v2/calls/\xff\"", q, sizeof(q) - 1, 200, "fixture", 1);
	text = journal_list_json(j, 0);
	ck_assert_ptr_nonnull(text);
	/* The escapes themselves, as a client's JSON parser receives them. */
	ck_assert_msg(strstr(text, "\"query\":\"a\\\"b\\\\c\\u0001\\n\\t") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\\u0000z") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\"path\":\"/v2/calls/?\\\"\"") != NULL, "%s", text);
	doc = json_loads(text, JSON_ALLOW_NUL, &err);
	ck_assert_msg(doc != NULL, "bad JSON (%s): %s", err.text, text);
	v = json_object_get(json_array_get(json_object_get(doc, "requests"), 0), "query");
	ck_assert(json_is_string(v));
	ck_assert_int_eq(json_string_length(v), sizeof(want) - 1);
	ck_assert(memcmp(json_string_value(v), want, sizeof(want) - 1) == 0);
	json_decref(doc);
	free(text);
	journal_free(j);
}
END_TEST

/* Only query_len bytes of the query are taken; a NULL query or field reads as "". */
START_TEST(test_query_len_and_null_fields)
{
	struct journal *j = journal_create(2);
	struct journal_entry e = {.time_us = T0, .status = 200, .duration_us = 7};
	json_t *doc;

	ck_assert_ptr_nonnull(j);
	add_full(j, "x", "GET", "/v2/calls", "a=1&b=2", 3, 200, "fixture", 1);
	journal_add(j, &e);
	doc = list_doc(j, 0);
	ck_assert_str_eq(entry_str(doc, 1, "query"), "a=1");
	ck_assert_str_eq(entry_str(doc, 0, "query"), "");
	ck_assert_str_eq(entry_str(doc, 0, "requestId"), "");
	ck_assert_str_eq(entry_str(doc, 0, "method"), "");
	ck_assert_str_eq(entry_str(doc, 0, "path"), "");
	ck_assert_str_eq(entry_str(doc, 0, "source"), "");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_array_get(doc_requests(doc), 0), "us")), 7);
	json_decref(doc);
	journal_free(j);
}
END_TEST

/* ---------------------------------------------------------------- bodies */

static json_t *
entry(json_t *doc, size_t i)
{
	return json_array_get(doc_requests(doc), i);
}

/* A JSON body is shown as JSON, in the entry's place after the query. */
START_TEST(test_body_exact_json)
{
	static const char body[] = "{\"filter\": {\"workspaceId\": \"123\", "
	                           "\"callIds\": [\"7782342274025937895\", 5]}, \"cursor\": null}";
	struct journal *j = journal_create(4);
	char *text;

	ck_assert_ptr_nonnull(j);
	add_body(j, "a1", "POST", "/v2/calls/transcript", body, sizeof(body) - 1);
	text = journal_list_json(j, 0);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "{\"requests\":[{\"time\":\"2025-06-12T17:38:36.000Z\","
	                       "\"requestId\":\"a1\",\"method\":\"POST\","
	                       "\"path\":\"/v2/calls/transcript\",\"query\":\"\","
	                       "\"body\":{\"filter\":{\"workspaceId\":\"123\","
	                       "\"callIds\":[\"7782342274025937895\",5]},\"cursor\":null},"
	                       "\"status\":200,\"source\":\"fixture\",\"us\":5}],\"total\":1}");
	free(text);
	journal_free(j);
}
END_TEST

/* What is not a whole JSON object or array is shown as its text. */
START_TEST(test_body_text)
{
	static const struct {
		const char *body;
		size_t len;
		const char *shown;
	} cases[] = {
	    {"filter.workspaceId=123", 22, "filter.workspaceId=123"},
	    {"{\"filter\":", 10, "{\"filter\":"},
	    {"{\"a\":1} {\"b\":2}", 15, "{\"a\":1} {\"b\":2}"},
	    /* JSON, but not an object or array: text, so a string body always means text */
	    {"\"abc\"", 5, "\"abc\""},
	    {"123", 3, "123"},
	    {"null", 4, "null"},
	    /* duplicate keys would lose one of them as JSON */
	    {"{\"a\":1,\"a\":2}", 13, "{\"a\":1,\"a\":2}"},
	    /* bytes that are not UTF-8, and a NUL inside */
	    {"{\"a\":\"\xff\"}", 9, "{\"a\":\"?\"}"},
	    {"ab\0cd", 5, NULL},
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct journal *j = journal_create(n);
	json_t *doc;

	ck_assert_ptr_nonnull(j);
	for (size_t i = 0; i < n; i++)
		add_body(j, "x", "POST", "/v2/calls/extensive", cases[i].body, cases[i].len);
	doc = list_doc(j, 0);
	for (size_t i = 0; i < n; i++) {
		json_t *e = entry(doc, n - 1 - i);
		json_t *v = json_object_get(e, "body");

		ck_assert_msg(json_is_string(v), "case %zu: body is not a string", i);
		ck_assert_uint_eq(json_string_length(v), cases[i].len);
		if (cases[i].shown != NULL)
			ck_assert_str_eq(json_string_value(v), cases[i].shown);
		else
			ck_assert(memcmp(json_string_value(v), cases[i].body, cases[i].len) == 0);
		ck_assert_ptr_null(json_object_get(e, "bodyTruncated"));
	}
	json_decref(doc);
	journal_free(j);
}
END_TEST

/* No body, an empty one, or a length without a pointer: neither key. */
START_TEST(test_body_absent)
{
	struct journal *j = journal_create(4);
	json_t *doc;

	ck_assert_ptr_nonnull(j);
	add_body(j, "a", "GET", "/v2/calls", NULL, 0);
	add_body(j, "b", "POST", "/v2/calls/extensive", "{}", 0);
	add_body(j, "c", "POST", "/v2/calls/extensive", NULL, 12);
	add_full(j, "d", "GET", "/v2/calls", "", 0, 200, "fixture", 1);
	doc = list_doc(j, 0);
	ck_assert_int_eq(json_array_size(doc_requests(doc)), 4);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_ptr_null(json_object_get(entry(doc, i), "body"));
		ck_assert_ptr_null(json_object_get(entry(doc, i), "bodyTruncated"));
		/* The keys every entry has, and no other. */
		ck_assert_int_eq(json_object_size(entry(doc, i)), 8);
	}
	json_decref(doc);
	journal_free(j);
}
END_TEST

/* A JSON body of len bytes: {"k":"xxx…"}. */
static char *
json_body(size_t len)
{
	char *b = malloc(len + 1);

	ck_assert_ptr_nonnull(b);
	ck_assert_uint_ge(len, 8);
	memcpy(b, "{\"k\":\"", 6);
	memset(b + 6, 'x', len - 8);
	memcpy(b + len - 2, "\"}", 3);
	return b;
}

/* Up to JOURNAL_BODY_MAX bytes are kept whole; past that the start, as text, and a flag. */
START_TEST(test_body_cut)
{
	struct journal *j = journal_create(4);
	char *whole = json_body(JOURNAL_BODY_MAX);
	char *longer = json_body(JOURNAL_BODY_MAX + 1);
	json_t *doc, *v;

	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(JOURNAL_BODY_MAX, 4096);
	add_body(j, "whole", "POST", "/v2/calls/extensive", whole, JOURNAL_BODY_MAX);
	add_body(j, "longer", "POST", "/v2/calls/extensive", longer, JOURNAL_BODY_MAX + 1);
	doc = list_doc(j, 0);

	v = json_object_get(entry(doc, 1), "body");
	ck_assert(json_is_object(v));
	ck_assert_uint_eq(json_string_length(json_object_get(v, "k")), JOURNAL_BODY_MAX - 8);
	ck_assert_ptr_null(json_object_get(entry(doc, 1), "bodyTruncated"));

	v = json_object_get(entry(doc, 0), "body");
	ck_assert(json_is_string(v));
	ck_assert_uint_eq(json_string_length(v), JOURNAL_BODY_MAX);
	ck_assert(memcmp(json_string_value(v), longer, JOURNAL_BODY_MAX) == 0);
	ck_assert(json_is_true(json_object_get(entry(doc, 0), "bodyTruncated")));
	ck_assert_int_eq(json_object_size(entry(doc, 0)), 10);
	json_decref(doc);
	free(whole);
	free(longer);
	journal_free(j);
}
END_TEST

/* A cut through a multi-byte character leaves a '?' rather than invalid UTF-8. */
START_TEST(test_body_cut_mid_character)
{
	struct journal *j = journal_create(2);
	char *body = repeat('b', JOURNAL_BODY_MAX - 1, "\xc3\xa9tail"); /* é at the last byte */
	json_t *doc;

	ck_assert_ptr_nonnull(j);
	add_body(j, "x", "POST", "/v2/calls/extensive", body, strlen(body));
	doc = list_doc(j, 0);
	strcpy(body + JOURNAL_BODY_MAX - 1, "?");
	ck_assert_str_eq(entry_str(doc, 0, "body"), body);
	ck_assert(json_is_true(json_object_get(entry(doc, 0), "bodyTruncated")));
	json_decref(doc);
	free(body);
	journal_free(j);
}
END_TEST

/* A slot reused by a request without a body shows none of its former body. */
START_TEST(test_body_slot_reused)
{
	struct journal *j = journal_create(2);
	char *longer = json_body(JOURNAL_BODY_MAX + 10);
	json_t *doc;

	ck_assert_ptr_nonnull(j);
	add_body(j, "r1", "POST", "/v2/calls/extensive", longer, JOURNAL_BODY_MAX + 10);
	add_body(j, "r2", "POST", "/v2/users/extensive", "[1,2]", 5);
	add_body(j, "r3", "GET", "/v2/calls", NULL, 0);
	add_body(j, "r4", "POST", "/v2/calls/transcript", "{\"a\":1}", 7);
	doc = list_doc(j, 0);
	expect_ids(doc, 4, 2);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(entry(doc, 0), "body"), "a")), 1);
	ck_assert_ptr_null(json_object_get(entry(doc, 1), "body"));
	ck_assert_ptr_null(json_object_get(entry(doc, 1), "bodyTruncated"));
	json_decref(doc);
	free(longer);
	journal_free(j);
}
END_TEST

/* ---------------------------------------------------------------- operations */

START_TEST(test_operation_names)
{
	static const struct {
		const char *method, *path, *op;
	} cases[] = {
	    {"GET", "/v2/calls", "listCalls"},
	    {"HEAD", "/v2/calls", "listCalls"},
	    {"GET", "/v2/calls/7782342274025937895", "getCall"},
	    {"HEAD", "/v2/calls/1", "getCall"},
	    {"POST", "/v2/calls/extensive", "getCallsExtensive"},
	    {"POST", "/v2/calls/transcript", "getCallTranscripts"},
	    {"GET", "/v2/users", "listUsers"},
	    {"GET", "/v2/users/234", "getUser"},
	    {"GET", "/v2/users/transcript", "getUser"},
	    {"POST", "/v2/users/extensive", "listUsersExtensive"},
	    {"GET", "/v2/workspaces", "listWorkspaces"},
	    {"GET", "/__admin", "admin"},
	    {"DELETE", "/__admin/faults/3", "admin"},
	    {"POST", "/__admin/reset", "admin"},
	    {"GET", "/metrics", "admin"},
	    {NULL, "/__admin/requests", "admin"},
	    /* another method on a known path */
	    {"POST", "/v2/calls", "other"},
	    {"DELETE", "/v2/calls/1", "other"},
	    {"GET", "/v2/calls/extensive", "other"},
	    {"GET", "/v2/calls/transcript", "other"},
	    {"PUT", "/v2/calls/extensive", "other"},
	    {"GET", "/v2/users/extensive", "other"},
	    {"POST", "/v2/users", "other"},
	    {"POST", "/v2/workspaces", "other"},
	    {"get", "/v2/calls", "other"},
	    /* paths that only look like one */
	    {"GET", "/v2/calls/1/media", "other"},
	    {"GET", "/v2/callsx", "other"},
	    {"GET", "/v2/calls/", "other"},
	    {"POST", "/v2/calls/extensivex", "other"},
	    {"GET", "/v2/workspaces/1", "other"},
	    {"GET", "/__adminx", "other"},
	    {"GET", "/metrics/x", "other"},
	    {"GET", "/v2", "other"},
	    {"GET", "/", "other"},
	    {"GET", "", "other"},
	    {NULL, "/v2/calls", "other"},
	    {"GET", NULL, "other"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(
		    strcmp(journal_operation(cases[i].method, cases[i].path), cases[i].op) == 0,
		    "%s %s is %s, expected %s", cases[i].method ? cases[i].method : "(null)",
		    cases[i].path ? cases[i].path : "(null)",
		    journal_operation(cases[i].method, cases[i].path), cases[i].op);
}
END_TEST

/* Each operation counts apart, in both the request counter and its own histogram. */
START_TEST(test_metrics_by_operation)
{
	struct journal *j = journal_create(10);
	struct metrics m;
	unsigned long long want[NLE];
	static const struct {
		const char *method, *path;
		unsigned status;
		const char *source;
		int64_t us;
	} reqs[] = {
	    {"GET", "/v2/calls", 200, "fixture", 50},
	    {"GET", "/v2/calls/1", 200, "fixture", 300},
	    {"GET", "/v2/calls/2", 404, "error", 300},
	    {"POST", "/v2/calls/extensive", 200, "fixture", 2000},
	    {"POST", "/v2/calls/extensive", 429, "fault:x", 2000},
	    {"POST", "/v2/calls/transcript", 200, "fixture", 20000},
	    {"GET", "/v2/users", 200, "fixture", 1},
	    {"GET", "/v2/users/9", 200, "fixture", 1},
	    {"POST", "/v2/users/extensive", 200, "fixture", 1},
	    {"GET", "/v2/workspaces", 200, "fixture", 1},
	    {"GET", "/metrics", 200, "admin", 1},
	    {"DELETE", "/v2/calls", 405, "error", 1},
	};
	char series[160];

	ck_assert_ptr_nonnull(j);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		add_full(j, "id", reqs[i].method, reqs[i].path, "", 0, reqs[i].status,
		         reqs[i].source, reqs[i].us);
	m = metrics_of(j);
	expect_metric(&m, "gongmock_requests_total{code=\"200\",source=\"fixture\"" LISTCALLS, "1");
	expect_metric(
	    &m, "gongmock_requests_total{code=\"200\",source=\"fixture\",operation=\"getCall\"}",
	    "1");
	expect_metric(
	    &m, "gongmock_requests_total{code=\"404\",source=\"error\",operation=\"getCall\"}",
	    "1");
	expect_metric(&m,
	              "gongmock_requests_total{code=\"200\",source=\"fixture\",operation="
	              "\"getCallsExtensive\"}",
	              "1");
	expect_metric(&m,
	              "gongmock_requests_total{code=\"429\",source=\"fault\",operation="
	              "\"getCallsExtensive\"}",
	              "1");
	expect_metric(&m,
	              "gongmock_requests_total{code=\"200\",source=\"fixture\",operation="
	              "\"getCallTranscripts\"}",
	              "1");
	expect_metric(
	    &m, "gongmock_requests_total{code=\"200\",source=\"fixture\",operation=\"listUsers\"}",
	    "1");
	expect_metric(
	    &m, "gongmock_requests_total{code=\"200\",source=\"fixture\",operation=\"getUser\"}",
	    "1");
	expect_metric(&m,
	              "gongmock_requests_total{code=\"200\",source=\"fixture\",operation="
	              "\"listUsersExtensive\"}",
	              "1");
	expect_metric(
	    &m,
	    "gongmock_requests_total{code=\"200\",source=\"fixture\",operation=\"listWorkspaces\"}",
	    "1");
	expect_metric(
	    &m, "gongmock_requests_total{code=\"200\",source=\"admin\",operation=\"admin\"}", "1");
	expect_metric(
	    &m, "gongmock_requests_total{code=\"405\",source=\"error\",operation=\"other\"}", "1");
	ck_assert_int_eq(count_series(&m, "gongmock_requests_total"), 12);

	/* getCall: 300 us twice, in the 0.0005 bucket and up. */
	for (size_t i = 0; i < NLE; i++)
		want[i] = i >= 2 ? 2 : 0;
	expect_buckets(&m, "getCall", want);
	expect_metric(&m, DURATION_SUM("getCall"), "0.000600");
	/* getCallsExtensive: 2000 us twice, from the 0.0025 bucket. */
	for (size_t i = 0; i < NLE; i++)
		want[i] = i >= 4 ? 2 : 0;
	expect_buckets(&m, "getCallsExtensive", want);
	expect_metric(&m, DURATION_SUM("getCallsExtensive"), "0.004000");
	/* getCallTranscripts: 20000 us, from the 0.025 bucket. */
	for (size_t i = 0; i < NLE; i++)
		want[i] = i >= 7 ? 1 : 0;
	expect_buckets(&m, "getCallTranscripts", want);
	expect_metric(&m, DURATION_SUM("getCallTranscripts"), "0.020000");
	for (size_t i = 0; i < NLE; i++)
		want[i] = 1;
	expect_buckets(&m, "listCalls", want);
	expect_metric(&m, DURATION_SUM("listCalls"), "0.000050");
	static const char *const ones[] = {"listUsers",      "getUser", "listUsersExtensive",
	                                   "listWorkspaces", "admin",   "other"};
	for (size_t o = 0; o < sizeof(ones) / sizeof(ones[0]); o++) {
		expect_buckets(&m, ones[o], want);
		snprintf(series, sizeof(series), DURATION_SUM("%s"), ones[o]);
		expect_metric(&m, series, "0.000001");
	}
	metrics_free(&m);

	/* A reset empties every operation. */
	journal_reset(j);
	m = metrics_of(j);
	ck_assert_int_eq(count_series(&m, "gongmock_requests_total"), 0);
	expect_other_histograms_empty(&m, NULL);
	metrics_free(&m);
	journal_free(j);
}
END_TEST

#define WRITERS 4
#define PER_WRITER 20000
#define RING 64

struct writer {
	struct journal *j;
	unsigned n;
};

static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	char id[32], path[32];

	snprintf(path, sizeof(path), "/w%u", w->n);
	for (unsigned i = 0; i < PER_WRITER; i++) {
		snprintf(id, sizeof(id), "%u-%u", w->n, i);
		/* Writer n answers status 200+n from source kind n, in bucket n, n+1 us each. */
		add_full(w->j, id, "GET", path, path, strlen(path), 200 + w->n,
		         w->n % 2 ? "fault:x" : "fixture", (int64_t)w->n + 1);
	}
	return NULL;
}

struct reader {
	struct journal *j;
	atomic_int *stop;
	unsigned reads;
};

/* Reads while the writers write, so that the sanitizers see both sides at once. */
static void *
reader_run(void *arg)
{
	struct reader *r = arg;

	while (!atomic_load(r->stop) || r->reads == 0) {
		char *a = journal_list_json(r->j, 0);
		char *b = journal_metrics(r->j);

		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		free(a);
		free(b);
		r->reads++;
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct journal *j = journal_create(RING);
	pthread_t wt[WRITERS], rt;
	struct writer w[WRITERS];
	atomic_int stop = 0;
	struct reader r = {.j = NULL, .stop = &stop};
	json_t *doc;
	struct metrics m;
	long last[WRITERS];
	char series[128], value[32];
	uint64_t sum = 0;

	ck_assert_ptr_nonnull(j);
	r.j = j;
	ck_assert_int_eq(pthread_create(&rt, NULL, reader_run, &r), 0);
	for (unsigned i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){.j = j, .n = i};
		ck_assert_int_eq(pthread_create(&wt[i], NULL, writer_run, &w[i]), 0);
	}
	for (unsigned i = 0; i < WRITERS; i++)
		ck_assert_int_eq(pthread_join(wt[i], NULL), 0);
	atomic_store(&stop, 1);
	ck_assert_int_eq(pthread_join(rt, NULL), 0);
	ck_assert_uint_gt(r.reads, 0);

	doc = list_doc(j, 0);
	ck_assert_int_eq(doc_total(doc), WRITERS * PER_WRITER);
	ck_assert_int_eq(json_array_size(doc_requests(doc)), RING);
	/*
	 * Every entry is whole (its fields agree), and the ring holds each writer's latest
	 * requests, newest first, without a gap.
	 */
	for (unsigned i = 0; i < WRITERS; i++)
		last[i] = PER_WRITER;
	for (size_t i = 0; i < RING; i++) {
		unsigned n, k;
		char want[32];

		ck_assert_int_eq(sscanf(entry_str(doc, i, "requestId"), "%u-%u", &n, &k), 2);
		ck_assert_uint_lt(n, WRITERS);
		ck_assert_int_eq((long)k, last[n] - 1);
		last[n] = (long)k;
		snprintf(want, sizeof(want), "/w%u", n);
		ck_assert_str_eq(entry_str(doc, i, "path"), want);
		ck_assert_str_eq(entry_str(doc, i, "query"), want);
		ck_assert_str_eq(entry_str(doc, i, "source"), n % 2 ? "fault:x" : "fixture");
		ck_assert_int_eq(json_integer_value(json_object_get(
		                     json_array_get(doc_requests(doc), i), "status")),
		                 200 + n);
	}
	/* The newest entry is some writer's last request. */
	ck_assert_str_eq(entry_str(doc, 0, "requestId") + 1, "-19999");
	json_decref(doc);

	m = metrics_of(j);
	for (unsigned i = 0; i < WRITERS; i++) {
		snprintf(series, sizeof(series),
		         "gongmock_requests_total{code=\"%u\",source=\"%s\",operation=\"other\"}",
		         200 + i, i % 2 ? "fault" : "fixture");
		expect_metric(&m, series, "20000");
		sum += (uint64_t)PER_WRITER * (i + 1);
	}
	ck_assert_int_eq(count_series(&m, "gongmock_requests_total"), WRITERS);
	expect_metric(&m, DURATION_COUNT("other"), "80000");
	expect_metric(&m,
	              "gongmock_request_duration_seconds_bucket{operation=\"other\",le=\"0.0001\"}",
	              "80000");
	snprintf(value, sizeof(value), "%llu.%06llu", (unsigned long long)(sum / 1000000),
	         (unsigned long long)(sum % 1000000));
	expect_metric(&m, DURATION_SUM("other"), value);
	expect_other_histograms_empty(&m, "other");
	metrics_free(&m);
	journal_free(j);
}
END_TEST

START_TEST(test_free_null)
{
	journal_free(NULL);
}
END_TEST

/* Label values: backslash, double quote and line feed escaped, every other byte as it is. */
START_TEST(test_escape_label)
{
	static const char in[] = "a\\b\"c\nd\te\r\xc3\xa9{}=,";
	struct jsonw b = {0};
	char *text;
	size_t len;

	JSONW_LIT(&b, "x{l=\"");
	journal_escape_label(&b, in, sizeof(in) - 1);
	JSONW_LIT(&b, "\"}");
	journal_escape_label(&b, "", 0);
	journal_escape_label(&b, "\\\\", 2);
	text = jsonw_finish(&b, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "x{l=\"a\\\\b\\\"c\\nd\te\r\xc3\xa9{}=,\"}\\\\\\\\");
	ck_assert_uint_eq(len, strlen(text));
	free(text);
}
END_TEST

static Suite *
journal_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("list");

	tcase_add_test(tc, test_entry_exact_json);
	tcase_add_test(tc, test_time_milliseconds);
	tcase_add_test(tc, test_wrap_keeps_newest);
	tcase_add_test(tc, test_before_full);
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_total_counts_all);
	tcase_add_test(tc, test_capacity_zero);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_truncation_mid_character);
	tcase_add_test(tc, test_query_escaping);
	tcase_add_test(tc, test_query_len_and_null_fields);
	tcase_add_test(tc, test_free_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("body");
	tcase_add_test(tc, test_body_exact_json);
	tcase_add_test(tc, test_body_text);
	tcase_add_test(tc, test_body_absent);
	tcase_add_test(tc, test_body_cut);
	tcase_add_test(tc, test_body_cut_mid_character);
	tcase_add_test(tc, test_body_slot_reused);
	suite_add_tcase(s, tc);

	tc = tcase_create("metrics");
	tcase_add_test(tc, test_metrics_empty);
	tcase_add_test(tc, test_metrics_by_status_and_source);
	tcase_add_test(tc, test_histogram);
	tcase_add_test(tc, test_operation_names);
	tcase_add_test(tc, test_metrics_by_operation);
	tcase_add_test(tc, test_escape_label);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(journal_suite());
}
