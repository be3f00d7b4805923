/*
 * test_cassette.c - unit tests of cassette: the exact text of recorded lines, fingerprints in
 * place of credentials, redaction, whole lines under concurrent recording, load errors, replay
 * (matching, order, dates as instants, repeats, rewind, fingerprints, miss messages), the calls
 * of a cassette as a dataset, and telling a cassette from other JSON files.
 */
#include "cassette.h"

#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "query.h"

/* 2026-01-02T03:04:05.678Z, worked out with date(1), not with the code under test. */
#define T0 INT64_C(1767323045678000)

/* SHA-256 prefixes worked out with sha256sum(1). */
#define FP_BASIC "a3096fbaadfb" /* "Basic YWJjOmRlZg==" */
#define FP_TOK1 "594151d65d79"  /* "Bearer tok-1" */
#define FP_TOK2 "ccb5404820c8"  /* "Bearer tok-2" */
#define FP_EMPTY "e3b0c44298fc" /* "" */

#define CT_JSON "application/json; charset=utf-8"

/* Makes an empty file under /tmp and puts its name in path. */
static void
tmp_file(char path[64])
{
	int fd;

	strcpy(path, "/tmp/test_cassette-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* The whole file, NUL-terminated; caller frees. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/* A cassette file holding text; the caller unlinks path. */
static struct cassette *
load_text(char path[64], const char *text)
{
	char err[512] = "";
	struct cassette *c;

	tmp_file(path);
	write_file(path, text);
	c = cassette_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "load failed: %s", err);
	return c;
}

/* The error of loading text, with the temporary file name replaced by FILE. */
static void
load_error(const char *text, char *out, size_t outlen)
{
	char path[64], err[512] = "";
	size_t n = strlen("/tmp/test_cassette-XXXXXX");

	tmp_file(path);
	write_file(path, text);
	ck_assert_ptr_null(cassette_load(path, err, sizeof(err)));
	unlink(path);
	ck_assert_msg(strncmp(err, path, n) == 0, "error does not name the file: %s", err);
	snprintf(out, outlen, "FILE%s", err + n);
}

static void
parse_query(struct query *q, const char *raw)
{
	ck_assert_int_eq(query_parse(q, raw, strlen(raw)), 0);
}

/* Replays `method path?raw`; the answer or the miss text is left in *a and miss. */
static int
ask(struct cassette *c, const char *method, const char *path, const char *raw, const char *fp,
    struct cassette_answer *a, char *miss, size_t misslen)
{
	struct query q;

	parse_query(&q, raw);
	memset(a, 0, sizeof(*a));
	if (miss != NULL && misslen > 0)
		miss[0] = '\0';
	return cassette_replay(c, method, path, &q, fp, a, miss, misslen);
}

/* Replays and demands an answer; returns its line. */
static size_t
hit(struct cassette *c, const char *method, const char *path, const char *raw, const char *fp)
{
	struct cassette_answer a;
	char miss[512];

	ck_assert_msg(ask(c, method, path, raw, fp, &a, miss, sizeof(miss)) == 1, "miss: %s", miss);
	return a.line;
}

/* Replays and demands a miss; returns its text in miss. */
static void
missed(struct cassette *c, const char *method, const char *path, const char *raw, const char *fp,
       char *miss, size_t misslen)
{
	struct cassette_answer a;

	ck_assert_int_eq(ask(c, method, path, raw, fp, &a, miss, misslen), 0);
}

/* One GET /v2/calls exchange with the fields most tests leave alone. */
static struct cassette_exchange
exchange(const struct query *q, const char *auth, unsigned status, const char *body)
{
	struct cassette_exchange e = {
	    .time_us = T0,
	    .method = "GET",
	    .path = "/v2/calls",
	    .query = q,
	    .authorization = auth,
	    .status = status,
	    .content_type = CT_JSON,
	    .body = body,
	    .body_len = body != NULL ? strlen(body) : 0,
	    .latency_us = 12345,
	};

	return e;
}

static struct cassette_recorder *
open_recorder(const char *path, const char *const *redact, size_t n)
{
	char err[256] = "";
	struct cassette_recorder *rec = cassette_recorder_open(path, redact, n, err, sizeof(err));

	ck_assert_msg(rec != NULL, "open failed: %s", err);
	return rec;
}

/* Line i (0-based) of text, copied; caller frees. NULL past the end. */
static char *
nth_line(const char *text, size_t i)
{
	const char *s = text, *nl;

	for (; i > 0; i--) {
		s = strchr(s, '\n');
		if (s == NULL)
			return NULL;
		s++;
	}
	if (*s == '\0')
		return NULL;
	nl = strchr(s, '\n');
	return strndup(s, nl != NULL ? (size_t)(nl - s) : strlen(s));
}

static size_t
count_lines(const char *text)
{
	size_t n = 0;

	for (; *text != '\0'; text++)
		n += *text == '\n';
	return n;
}

/* The recorded file after one exchange, as parsed JSON of its only line. */
static json_t *
record_one(const struct cassette_exchange *e, const char *const *redact, size_t nredact,
           char **text)
{
	char path[64];
	struct cassette_recorder *rec;
	json_error_t jerr;
	json_t *line;
	char *file;

	tmp_file(path);
	rec = open_recorder(path, redact, nredact);
	ck_assert_int_eq(cassette_record(rec, e), 0);
	cassette_recorder_close(rec);
	file = read_file(path, NULL);
	unlink(path);
	ck_assert_uint_eq(count_lines(file), 1);
	ck_assert_int_eq(file[strlen(file) - 1], '\n');
	line = json_loads(file, JSON_ALLOW_NUL, &jerr);
	ck_assert_msg(line != NULL, "line is not JSON (%s): %s", jerr.text, file);
	if (text != NULL)
		*text = file;
	else
		free(file);
	return line;
}

/* The compact text of a JSON value; caller frees. */
static char *
dump(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);

	ck_assert_ptr_nonnull(s);
	return s;
}

/*
 * Recording.
 */

START_TEST(test_record_exact_line)
{
	struct query q;
	struct cassette_exchange e;
	char *text;
	json_t *line;

	parse_query(&q, "fromDateTime=2025-01-01T00%3A00%3A00Z&cursor=abc&limit=5");
	e = exchange(&q, "Basic YWJjOmRlZg==", 200,
	             "{ \"requestId\": \"r1\",\n \"records\": {\"totalRecords\": 1, "
	             "\"currentPageSize\": 1, \"currentPageNumber\": 0},\n \"calls\": [ {\"id\": "
	             "\"7\", \"title\": \"Q1 review\", \"isPrivate\": false} ] }");
	e.traceid = "r1";
	line = record_one(&e, NULL, 0, &text);
	ck_assert_str_eq(
	    text,
	    "{\"time\":\"2026-01-02T03:04:05.678Z\",\"request\":{\"method\":\"GET\",\"path\":\"/v2/"
	    "calls\",\"query\":[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"],[\"cursor\",\"abc\"],["
	    "\"limit\",\"5\"]],\"credential\":\"" FP_BASIC "\"},\"response\":{\"status\":200,"
	    "\"headers\":{\"Content-Type\":\"application/json; "
	    "charset=utf-8\",\"x-traceid\":\"r1\"},"
	    "\"body\":{\"requestId\":\"r1\",\"records\":{\"totalRecords\":1,\"currentPageSize\":1,"
	    "\"currentPageNumber\":0},\"calls\":[{\"id\":\"7\",\"title\":\"Q1 "
	    "review\",\"isPrivate\":"
	    "false}]}},\"latencyMs\":12.345}\n");
	json_decref(line);
	free(text);
}
END_TEST

/* The three decimals are padded, the time keeps its milliseconds, headers all three. */
START_TEST(test_record_latency_time_headers)
{
	struct cassette_exchange e = exchange(NULL, NULL, 429, "{\"errors\":[\"slow down\"]}");
	json_t *line;
	char *s;

	e.time_us = T0 - 678000 + 5000; /* .005 */
	e.latency_us = 2007;
	e.retry_after = "2";
	e.traceid = "abc";
	line = record_one(&e, NULL, 0, &s);
	ck_assert_str_eq(json_string_value(json_object_get(line, "time")),
	                 "2026-01-02T03:04:05.005Z");
	ck_assert_ptr_nonnull(strstr(s, ",\"latencyMs\":2.007}\n"));
	free(s);
	s = dump(json_object_get(line, "request"));
	ck_assert_str_eq(s, "{\"method\":\"GET\",\"path\":\"/v2/calls\",\"query\":[],"
	                    "\"credential\":\"\"}");
	free(s);
	s = dump(json_object_get(json_object_get(line, "response"), "headers"));
	ck_assert_str_eq(s, "{\"Content-Type\":\"" CT_JSON "\",\"Retry-After\":\"2\","
	                    "\"x-traceid\":\"abc\"}");
	free(s);
	json_decref(line);

	e.latency_us = 0;
	e.content_type = "";
	e.retry_after = NULL;
	e.traceid = NULL;
	line = record_one(&e, NULL, 0, &s);
	ck_assert_ptr_nonnull(strstr(s, "\"headers\":{}"));
	ck_assert_ptr_nonnull(strstr(s, ",\"latencyMs\":0.000}\n"));
	free(s);
	json_decref(line);
}
END_TEST

START_TEST(test_fingerprint)
{
	char fp[CASSETTE_FINGERPRINT_LEN + 1];

	cassette_fingerprint("Basic YWJjOmRlZg==", fp);
	ck_assert_str_eq(fp, FP_BASIC);
	cassette_fingerprint("Bearer tok-1", fp);
	ck_assert_str_eq(fp, FP_TOK1);
	cassette_fingerprint("Bearer tok-2", fp);
	ck_assert_str_eq(fp, FP_TOK2);
	cassette_fingerprint("", fp);
	ck_assert_str_eq(fp, FP_EMPTY);
	cassette_fingerprint(NULL, fp);
	ck_assert_str_eq(fp, "");
}
END_TEST

/* The file holds fingerprints only: neither the scheme nor the secret of any credential. */
START_TEST(test_record_no_credential_value)
{
	static const char *const auths[] = {"Basic YWJjOmRlZg==", "Bearer tok-1", "Bearer tok-2"};
	char path[64];
	struct cassette_recorder *rec;
	char *file, *l0, *l1, *l2;

	tmp_file(path);
	rec = open_recorder(path, NULL, 0);
	for (size_t i = 0; i < 3; i++) {
		struct cassette_exchange e = exchange(NULL, auths[i], 200, "{\"calls\":[]}");

		ck_assert_int_eq(cassette_record(rec, &e), 0);
	}
	cassette_recorder_close(rec);
	file = read_file(path, NULL);
	unlink(path);
	ck_assert_ptr_null(strstr(file, "YWJjOmRlZg=="));
	ck_assert_ptr_null(strstr(file, "abc:def"));
	ck_assert_ptr_null(strstr(file, "tok-"));
	ck_assert_ptr_null(strstr(file, "Basic"));
	ck_assert_ptr_null(strstr(file, "Bearer"));
	ck_assert_ptr_null(strstr(file, "uthorization"));
	l0 = nth_line(file, 0);
	l1 = nth_line(file, 1);
	l2 = nth_line(file, 2);
	ck_assert_ptr_nonnull(strstr(l0, "\"credential\":\"" FP_BASIC "\""));
	ck_assert_ptr_nonnull(strstr(l1, "\"credential\":\"" FP_TOK1 "\""));
	ck_assert_ptr_nonnull(strstr(l2, "\"credential\":\"" FP_TOK2 "\""));
	free(l0);
	free(l1);
	free(l2);
	free(file);
}
END_TEST

static const char *const call_full =
    "{\"id\":\"1\",\"url\":\"https://us-1.app.gong.io/call?id=1\",\"title\":\"Acme renewal\","
    "\"scheduled\":\"2025-01-02T10:00:00Z\",\"started\":\"2025-01-02T10:01:00Z\",\"duration\":60,"
    "\"primaryUserId\":\"9\",\"direction\":\"Conference\",\"system\":\"Zoom\",\"scope\":"
    "\"External\",\"media\":\"Video\",\"language\":\"eng\",\"workspaceId\":\"5\","
    "\"sdrDisposition\":null,\"clientUniqueId\":null,\"customData\":\"crm=42\",\"purpose\":"
    "\"Renewal\",\"meetingUrl\":\"https://zoom.us/j/1\",\"isPrivate\":false,\"calendarEventId\":"
    "\"ev1\"}";

START_TEST(test_record_redaction)
{
	static const char *const redact[] = {"meetingUrl", "customData", "title"};
	struct cassette_exchange e;
	char body[4096];
	json_t *line, *calls;
	char *s;

	snprintf(body, sizeof(body),
	         "{\"requestId\":\"r\",\"records\":{\"totalRecords\":2},\"calls\":[%s,"
	         "{\"id\":\"2\",\"title\":null,\"meetingUrl\":null,\"customData\":null,"
	         "\"purpose\":\"Demo\"},\"not a call\"],\"title\":\"top level stays\"}",
	         call_full);
	e = exchange(NULL, NULL, 200, body);
	line = record_one(&e, redact, 3, NULL);
	calls =
	    json_object_get(json_object_get(json_object_get(line, "response"), "body"), "calls");
	ck_assert_uint_eq(json_array_size(calls), 3);
	s = dump(json_array_get(calls, 0));
	ck_assert_str_eq(
	    s,
	    "{\"id\":\"1\",\"url\":\"https://us-1.app.gong.io/call?id=1\",\"title\":\"REDACTED\","
	    "\"scheduled\":\"2025-01-02T10:00:00Z\",\"started\":\"2025-01-02T10:01:00Z\","
	    "\"duration\":60,\"primaryUserId\":\"9\",\"direction\":\"Conference\",\"system\":"
	    "\"Zoom\",\"scope\":\"External\",\"media\":\"Video\",\"language\":\"eng\","
	    "\"workspaceId\":\"5\",\"sdrDisposition\":null,\"clientUniqueId\":null,"
	    "\"customData\":\"REDACTED\",\"purpose\":\"Renewal\",\"meetingUrl\":\"REDACTED\","
	    "\"isPrivate\":false,\"calendarEventId\":\"ev1\"}");
	free(s);
	s = dump(json_array_get(calls, 1));
	ck_assert_str_eq(s, "{\"id\":\"2\",\"title\":null,\"meetingUrl\":null,\"customData\":null,"
	                    "\"purpose\":\"Demo\"}");
	free(s);
	s = dump(json_array_get(calls, 2));
	ck_assert_str_eq(s, "\"not a call\"");
	free(s);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(json_object_get(line, "response"), "body"), "title")),
	                 "top level stays");
	json_decref(line);

	/* Without --redact nothing changes. */
	line = record_one(&e, NULL, 0, NULL);
	calls =
	    json_object_get(json_object_get(json_object_get(line, "response"), "body"), "calls");
	s = dump(json_array_get(calls, 0));
	ck_assert_str_eq(s, call_full);
	free(s);
	json_decref(line);
}
END_TEST

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
		ck_assert_msg(cassette_redactable(yes[i]), "%s refused", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!cassette_redactable(no[i]), "%s accepted", no[i]);
	ck_assert(!cassette_redactable(NULL));
}
END_TEST

START_TEST(test_recorder_refuses_fields)
{
	static const char *const bad[] = {"id", "started", "direction", "duration", "workspaceId"};
	char path[64], err[256];

	tmp_file(path);
	unlink(path);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *list[] = {"title", bad[i]};
		char want[64];

		err[0] = '\0';
		ck_assert_ptr_null(cassette_recorder_open(path, list, 2, err, sizeof(err)));
		snprintf(want, sizeof(want), "cannot redact \"%s\": ", bad[i]);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
		ck_assert_int_ne(access(path, F_OK), 0);
	}
}
END_TEST

/* A body that is not a JSON object or array is kept as text, and replayed byte for byte. */
START_TEST(test_record_non_json_bodies)
{
	static const char *const bodies[] = {
	    "<html>502 Bad Gateway</html>", "\"quoted\"", "42", "", "{\"cut\":", "caf\xc3\xa9",
	};
	char path[64], err[256];
	struct cassette_recorder *rec;
	struct cassette *c;
	char *file;
	size_t i;

	tmp_file(path);
	rec = open_recorder(path, NULL, 0);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct query q;
		char raw[16];
		struct cassette_exchange e;

		snprintf(raw, sizeof(raw), "n=%zu", i);
		parse_query(&q, raw);
		e = exchange(&q, NULL, 502, bodies[i]);
		e.content_type = "text/html";
		ck_assert_int_eq(cassette_record(rec, &e), 0);
	}
	cassette_recorder_close(rec);
	file = read_file(path, NULL);
	ck_assert_ptr_nonnull(strstr(file, "\"body\":\"<html>502 Bad Gateway</html>\"}"));
	ck_assert_ptr_nonnull(strstr(file, "\"body\":\"\\\"quoted\\\"\"}"));
	ck_assert_ptr_nonnull(strstr(file, "\"body\":\"42\"}"));
	ck_assert_ptr_nonnull(strstr(file, "\"body\":\"\"}"));
	ck_assert_ptr_nonnull(strstr(file, "\"body\":\"{\\\"cut\\\":\"}"));
	free(file);
	c = cassette_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct cassette_answer a;
		char raw[16], miss[256];

		snprintf(raw, sizeof(raw), "n=%zu", i);
		ck_assert_int_eq(ask(c, "GET", "/v2/calls", raw, NULL, &a, miss, sizeof(miss)), 1);
		ck_assert_uint_eq(a.status, 502);
		ck_assert_str_eq(a.content_type, "text/html");
		ck_assert_uint_eq(a.body_len, strlen(bodies[i]));
		ck_assert_str_eq(a.body, bodies[i]);
	}
	cassette_free(c);
	unlink(path);
}
END_TEST

/* Errors from the upstream are part of the exchange log and are recorded like any answer. */
START_TEST(test_record_error_statuses)
{
	static const unsigned statuses[] = {400, 401, 404, 429, 500, 503};
	char path[64], err[256];
	struct cassette_recorder *rec;
	struct cassette *c;
	size_t i;

	tmp_file(path);
	rec = open_recorder(path, NULL, 0);
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		char body[64];
		struct cassette_exchange e;

		snprintf(body, sizeof(body), "{\"requestId\":\"r%zu\",\"errors\":[\"e%u\"]}", i,
		         statuses[i]);
		e = exchange(NULL, "Bearer tok-1", statuses[i], body);
		e.retry_after = statuses[i] == 429 ? "3" : NULL;
		ck_assert_int_eq(cassette_record(rec, &e), 0);
	}
	cassette_recorder_close(rec);
	c = cassette_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(cassette_count(c), 6);
	/* Six identical requests: the answers come back in the order they were recorded. */
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		struct cassette_answer a;
		char body[64];

		ck_assert_int_eq(ask(c, "GET", "/v2/calls", "", FP_TOK1, &a, NULL, 0), 1);
		snprintf(body, sizeof(body), "{\"requestId\":\"r%zu\",\"errors\":[\"e%u\"]}", i,
		         statuses[i]);
		ck_assert_uint_eq(a.status, statuses[i]);
		ck_assert_str_eq(a.body, body);
		ck_assert_uint_eq(a.line, i + 1);
		ck_assert_str_eq(a.retry_after, statuses[i] == 429 ? "3" : "");
		ck_assert_str_eq(a.traceid, "");
		ck_assert_str_eq(a.content_type, CT_JSON);
	}
	cassette_free(c);
	unlink(path);
}
END_TEST

/* Query values that are not UTF-8, or hold NUL, still make a valid line that replays. */
START_TEST(test_record_odd_query_bytes)
{
	char path[64], err[256];
	struct cassette_recorder *rec;
	struct cassette_exchange e;
	struct cassette *c;
	struct query q;
	char *file;

	tmp_file(path);
	rec = open_recorder(path, NULL, 0);
	parse_query(&q, "a=%FFx&b=1%002&c=%C3%A9");
	e = exchange(&q, NULL, 200, "{}");
	ck_assert_int_eq(cassette_record(rec, &e), 0);
	cassette_recorder_close(rec);
	file = read_file(path, NULL);
	ck_assert_ptr_nonnull(
	    strstr(file, "[[\"a\",\"\xef\xbf\xbdx\"],[\"b\",\"1\\u00002\"],[\"c\",\"\xc3\xa9\"]]"));
	free(file);
	c = cassette_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "c=%C3%A9&b=1%002&a=%FFx", NULL), 1);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "c=%C3%A9&b=1%002&a=%EF%BF%BDx", NULL), 1);
	ck_assert_int_eq(ask(c, "GET", "/v2/calls", "c=%C3%A9&b=1%003&a=%FFx", NULL,
	                     &(struct cassette_answer){0}, NULL, 0),
	                 0);
	cassette_free(c);
	unlink(path);
}
END_TEST

#define THREADS 8
#define PER_THREAD 40
#define FILLER 20000

struct writer {
	struct cassette_recorder *rec;
	unsigned id;
	int failures;
};

static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	char *body = malloc(FILLER + 64);
	char raw[32];
	struct query q;

	if (body == NULL) {
		w->failures++;
		return NULL;
	}
	for (unsigned i = 0; i < PER_THREAD; i++) {
		struct cassette_exchange e;
		int n = snprintf(body, 64, "{\"writer\":%u,\"seq\":%u,\"fill\":\"", w->id, i);

		memset(body + n, 'a' + (char)w->id, FILLER);
		strcpy(body + n + FILLER, "\"}");
		snprintf(raw, sizeof(raw), "w=%u&i=%u", w->id, i);
		if (query_parse(&q, raw, strlen(raw)) != 0) {
			w->failures++;
			continue;
		}
		e = exchange(&q, NULL, 200, body);
		if (cassette_record(w->rec, &e) != 0)
			w->failures++;
	}
	free(body);
	return NULL;
}

/* Large lines from several threads at once: every line whole, none lost, none extra. */
START_TEST(test_record_concurrent_whole_lines)
{
	char path[64];
	struct writer w[THREADS];
	pthread_t t[THREADS];
	int seen[THREADS][PER_THREAD] = {{0}};
	char *file, *line, *save = NULL;
	size_t lines = 0;

	tmp_file(path);
	for (unsigned i = 0; i < THREADS; i++) {
		w[i] = (struct writer){.rec = NULL, .id = i, .failures = 0};
	}
	w[0].rec = open_recorder(path, NULL, 0);
	for (unsigned i = 0; i < THREADS; i++) {
		w[i].rec = w[0].rec;
		ck_assert_int_eq(pthread_create(&t[i], NULL, writer_run, &w[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(w[i].failures, 0);
	}
	cassette_recorder_close(w[0].rec);
	file = read_file(path, NULL);
	unlink(path);
	ck_assert_uint_eq(count_lines(file), THREADS * PER_THREAD);
	ck_assert_int_eq(file[strlen(file) - 1], '\n');
	for (line = strtok_r(file, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL), *body;
		json_int_t wid, seq;
		const char *fill;

		ck_assert_msg(j != NULL, "line %zu is not JSON", lines + 1);
		body = json_object_get(json_object_get(j, "response"), "body");
		wid = json_integer_value(json_object_get(body, "writer"));
		seq = json_integer_value(json_object_get(body, "seq"));
		ck_assert(wid >= 0 && wid < THREADS && seq >= 0 && seq < PER_THREAD);
		fill = json_string_value(json_object_get(body, "fill"));
		ck_assert_uint_eq(strlen(fill), FILLER);
		ck_assert_uint_eq(strspn(fill, (char[]){(char)('a' + wid), '\0'}), FILLER);
		seen[wid][seq]++;
		json_decref(j);
		lines++;
	}
	ck_assert_uint_eq(lines, THREADS * PER_THREAD);
	for (unsigned i = 0; i < THREADS; i++)
		for (unsigned k = 0; k < PER_THREAD; k++)
			ck_assert_int_eq(seen[i][k], 1);
	free(file);
}
END_TEST

/* A line cut short earlier does not swallow the next one: that stays whole, on its own line. */
START_TEST(test_record_after_cut_line)
{
	static const char *const good = "{\"request\":{\"method\":\"GET\",\"path\":\"/v2/"
	                                "calls\"},\"response\":{\"status\":200}}\n";
	char path[64], err[256], text[512];
	struct cassette_recorder *rec;
	struct cassette_exchange e = exchange(NULL, NULL, 200, "{\"calls\":[]}");
	char *file, *third;

	tmp_file(path);
	snprintf(text, sizeof(text), "%s{\"request\":{\"meth", good);
	write_file(path, text);
	rec = open_recorder(path, NULL, 0);
	ck_assert_int_eq(cassette_record(rec, &e), 0);
	ck_assert_int_eq(cassette_record(rec, &e), 0);
	cassette_recorder_close(rec);
	file = read_file(path, NULL);
	ck_assert_uint_eq(count_lines(file), 4);
	ck_assert_int_eq(strncmp(file, text, strlen(text)), 0);
	ck_assert_int_eq(file[strlen(text)], '\n');
	third = nth_line(file, 2);
	ck_assert_int_eq(strncmp(third, "{\"time\":", 8), 0);
	free(third);
	free(file);
	ck_assert_ptr_null(cassette_load(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, ": line 2: not JSON"));
	unlink(path);
}
END_TEST

/* Appending to a file that is not a cassette (a fixture file, say) is refused. */
START_TEST(test_recorder_refuses_other_files)
{
	static const char *const others[] = {
	    "[{\"id\":\"1\"}]\n",
	    "\n{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"}\n",
	    "{\"requestId\":\"r\",\"records\":{},\"calls\":[]}\n",
	    "not json\n",
	};
	char path[64], err[256];

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		char *after;

		tmp_file(path);
		write_file(path, others[i]);
		err[0] = '\0';
		ck_assert_ptr_null(cassette_recorder_open(path, NULL, 0, err, sizeof(err)));
		ck_assert_int_eq(strncmp(err, path, strlen(path)), 0);
		ck_assert_ptr_nonnull(strstr(err, "is not a cassette"));
		after = read_file(path, NULL);
		ck_assert_str_eq(after, others[i]);
		free(after);
		unlink(path);
	}
	/* A blank file, and a device, are fine. */
	tmp_file(path);
	write_file(path, "\n\n");
	cassette_recorder_close(open_recorder(path, NULL, 0));
	unlink(path);
	{
		struct cassette_recorder *rec = open_recorder("/dev/null", NULL, 0);
		struct cassette_exchange e = exchange(NULL, NULL, 200, "{}");

		ck_assert_int_eq(cassette_record(rec, &e), 0);
		cassette_recorder_close(rec);
	}
	cassette_recorder_close(NULL);
	ck_assert_ptr_null(cassette_recorder_open(NULL, NULL, 0, err, sizeof(err)));
}
END_TEST

/* What the recorder writes is what the loader reads, and replays in order. */
START_TEST(test_record_then_replay)
{
	char path[64], err[256];
	struct cassette_recorder *rec;
	struct cassette *c;
	struct cassette_answer a;
	struct query q1, q2;
	struct cassette_exchange e;

	tmp_file(path);
	rec = open_recorder(path, NULL, 0);
	parse_query(&q1, "fromDateTime=2025-01-01T00:00:00Z");
	parse_query(&q2, "fromDateTime=2025-01-01T00:00:00Z&cursor=eyJ.p.s");
	e = exchange(&q1, "Bearer tok-1", 200,
	             "{\"requestId\":\"a\",\"records\":{\"cursor\":\"eyJ.p.s\"},\"calls\":[]}");
	e.traceid = "a";
	ck_assert_int_eq(cassette_record(rec, &e), 0);
	e = exchange(&q2, "Bearer tok-1", 200, "{ \"requestId\" : \"b\" , \"calls\" : [ ] }");
	e.traceid = "b";
	ck_assert_int_eq(cassette_record(rec, &e), 0);
	cassette_recorder_close(rec);
	c = cassette_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(cassette_count(c), 2);
	ck_assert_int_eq(ask(c, "GET", "/v2/calls",
	                     "fromDateTime=2025-01-01T00%3A00%3A00%2B00%3A00", FP_TOK1, &a, NULL,
	                     0),
	                 1);
	ck_assert_str_eq(a.body, "{\"requestId\":\"a\",\"records\":{\"cursor\":\"eyJ.p.s\"},"
	                         "\"calls\":[]}");
	ck_assert_str_eq(a.traceid, "a");
	ck_assert_str_eq(a.content_type, CT_JSON);
	ck_assert_uint_eq(a.line, 1);
	ck_assert_int_eq(ask(c, "GET", "/v2/calls",
	                     "cursor=eyJ.p.s&fromDateTime=2025-01-01T00:00:00Z", FP_TOK1, &a, NULL,
	                     0),
	                 1);
	ck_assert_str_eq(a.body, "{\"requestId\":\"b\",\"calls\":[]}");
	ck_assert_uint_eq(a.body_len, strlen(a.body));
	ck_assert_uint_eq(a.line, 2);
	cassette_free(c);
	unlink(path);
}
END_TEST

/*
 * Loading.
 */

#define EX_OK                                                                                      \
	"{\"request\":{\"method\":\"GET\",\"path\":\"/v2/"                                         \
	"calls\"},\"response\":{\"status\":200}}\n"

START_TEST(test_load_errors)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
	    {EX_OK "{\"request\":", "FILE: line 2: not JSON: "},
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
	struct cassette_answer a;

	c = load_text(path, "\xef\xbb\xbf" EX_OK "\r\n\n   \n"
	                    "{\"request\":{\"method\":\"GET\",\"path\":\"/x\",\"query\":null,"
	                    "\"credential\":null},\"response\":{\"status\":204,\"headers\":"
	                    "{\"content-type\":\"text/plain\"},\"body\":null}}\r\n");
	ck_assert_uint_eq(cassette_count(c), 2);
	ck_assert_int_eq(ask(c, "GET", "/v2/calls", "", NULL, &a, NULL, 0), 1);
	ck_assert_str_eq(a.body, "");
	ck_assert_uint_eq(a.body_len, 0);
	ck_assert_str_eq(a.content_type, "");
	ck_assert_int_eq(ask(c, "GET", "/x", "", "", &a, NULL, 0), 1);
	ck_assert_uint_eq(a.status, 204);
	ck_assert_uint_eq(a.line, 5);
	ck_assert_str_eq(a.body, "null");
	ck_assert_str_eq(a.content_type, "text/plain");
	ck_assert_uint_eq(cassette_replay(c, "GET", "/x", NULL, NULL, &a, NULL, 0), 1);
	cassette_free(c);
	unlink(path);
	cassette_free(NULL);
	ck_assert_uint_eq(cassette_count(NULL), 0);

	c = load_text(path, "");
	ck_assert_uint_eq(cassette_count(c), 0);
	cassette_free(c);
	unlink(path);
}
END_TEST

/*
 * Replaying.
 */

/* A recorded GET /v2/calls line with the given query pairs (JSON), credential and body. */
static void
add_line(char *buf, size_t cap, const char *query, const char *cred, unsigned status,
         const char *body)
{
	size_t n = strlen(buf);

	snprintf(buf + n, cap - n,
	         "{\"time\":\"2026-01-02T03:04:05.678Z\",\"request\":{\"method\":\"GET\",\"path\":"
	         "\"/v2/calls\",\"query\":%s,\"credential\":\"%s\"},\"response\":{\"status\":%u,"
	         "\"headers\":{\"Content-Type\":\"" CT_JSON
	         "\"},\"body\":%s},\"latencyMs\":1.000}\n",
	         query, cred, status, body);
}

START_TEST(test_replay_exact_and_any_order)
{
	char path[64], text[4096] = "";
	struct cassette *c;
	struct cassette_answer a;

	add_line(text, sizeof(text),
	         "[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"],[\"toDateTime\",\"2025-02-01T00:00:"
	         "00Z\"],[\"workspaceId\",\"5\"]]",
	         FP_TOK1, 200, "{\"requestId\":\"one\", \"calls\":[ ]}");
	add_line(text, sizeof(text), "[]", FP_TOK1, 404, "{\"errors\":[\"No calls found\"]}");
	c = load_text(path, text);
	ck_assert_int_eq(ask(c, "GET", "/v2/calls",
	                     "fromDateTime=2025-01-01T00:00:00Z&toDateTime=2025-02-01T00:00:00Z&"
	                     "workspaceId=5",
	                     NULL, &a, NULL, 0),
	                 1);
	ck_assert_uint_eq(a.status, 200);
	ck_assert_str_eq(a.body, "{\"requestId\":\"one\",\"calls\":[]}");
	ck_assert_str_eq(a.content_type, CT_JSON);
	ck_assert_uint_eq(a.line, 1);
	ck_assert_uint_eq(
	    hit(c, "GET", "/v2/calls",
	        "workspaceId=5&toDateTime=2025-02-01T00:00:00Z&fromDateTime=2025-01-01T00:00:00Z",
	        NULL),
	    1);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "", NULL), 2);
	ck_assert_int_eq(cassette_replay(c, "GET", "/v2/calls", NULL, NULL, &a, NULL, 0), 1);
	ck_assert_uint_eq(a.status, 404);
	/* The method and the path must match too. */
	ck_assert_int_eq(ask(c, "POST", "/v2/calls", "", NULL, &a, NULL, 0), 0);
	ck_assert_int_eq(ask(c, "GET", "/v2/calls/", "", NULL, &a, NULL, 0), 0);
	/* One parameter more or less is another request. */
	ck_assert_int_eq(ask(c, "GET", "/v2/calls", "limit=5", NULL, &a, NULL, 0), 0);
	ck_assert_int_eq(ask(c, "GET", "/v2/calls",
	                     "fromDateTime=2025-01-01T00:00:00Z&toDateTime=2025-02-01T00:00:00Z",
	                     NULL, &a, NULL, 0),
	                 0);
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

	add_line(text, sizeof(text), "[[\"fromDateTime\",\"2025-01-01T00:00:00+00:00\"]]", "", 200,
	         "{\"n\":1}");
	add_line(text, sizeof(text), "[[\"toDateTime\",\"2025-01-01T01:00:00+01:00\"]]", "", 200,
	         "{\"n\":2}");
	add_line(text, sizeof(text), "[[\"workspaceId\",\"2025-01-01T00:00:00Z\"]]", "", 200,
	         "{\"n\":3}");
	add_line(text, sizeof(text), "[[\"fromDateTime\",\"not a date\"]]", "", 200, "{\"n\":4}");
	c = load_text(path, text);
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		ck_assert_msg(hit(c, "GET", "/v2/calls", same[i], NULL) == 1, "%s", same[i]);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "toDateTime=2025-01-01T00:00:00Z", NULL), 2);
	/* A second off is another instant. */
	missed(c, "GET", "/v2/calls", "fromDateTime=2025-01-01T00:00:01Z", NULL, miss,
	       sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?fromDateTime=2025-01-01T00:00:"
	                       "01Z; closest recorded (line 1): GET /v2/calls?fromDateTime=2025-01-"
	                       "01T00:00:00+00:00, differs in fromDateTime");
	/* Other parameters compare as text, even when they look like dates. */
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "workspaceId=2025-01-01T00:00:00Z", NULL), 3);
	missed(c, "GET", "/v2/calls", "workspaceId=2025-01-01T00:00:00%2B00:00", NULL, miss,
	       sizeof(miss));
	/* A date that does not parse matches only its own text. */
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "fromDateTime=not+a+date", NULL), 4);
	missed(c, "GET", "/v2/calls", "fromDateTime=not+a+datE", NULL, miss, sizeof(miss));
	cassette_free(c);
	unlink(path);
}
END_TEST

START_TEST(test_replay_repeats_in_order_then_last)
{
	char path[64], text[4096] = "";
	struct cassette *c;

	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", "", 200, "{\"n\":1}");
	add_line(text, sizeof(text), "[[\"b\",\"1\"]]", "", 200, "{\"n\":2}");
	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", "", 429, "{\"n\":3}");
	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", "", 200, "{\"n\":4}");
	add_line(text, sizeof(text), "[[\"b\",\"1\"]]", "", 200, "{\"n\":5}");
	c = load_text(path, text);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", NULL), 1);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "b=1", NULL), 2);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", NULL), 3);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", NULL), 4);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", NULL), 4);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", NULL), 4);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "b=1", NULL), 5);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "b=1", NULL), 5);
	cassette_rewind(c);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", NULL), 1);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "b=1", NULL), 2);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", NULL), 3);
	/* With fingerprints the positions are kept apart, and rewound too. */
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", ""), 1);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", ""), 3);
	cassette_rewind(c);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", ""), 1);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", NULL), 1);
	cassette_rewind(NULL);
	cassette_free(c);
	unlink(path);
}
END_TEST

START_TEST(test_replay_fingerprint_only_when_asked)
{
	char path[64], text[4096] = "", miss[512];
	struct cassette *c;

	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP_TOK1, 200, "{\"n\":1}");
	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP_TOK2, 200, "{\"n\":2}");
	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP_TOK1, 200, "{\"n\":3}");
	c = load_text(path, text);
	/* Without a fingerprint, credentials do not matter: one group of three. */
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", NULL), 1);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", NULL), 2);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", NULL), 3);
	/* With one, each credential has its own answers. */
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", FP_TOK2), 2);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", FP_TOK1), 1);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", FP_TOK2), 2);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", FP_TOK1), 3);
	missed(c, "GET", "/v2/calls", "a=1", FP_BASIC, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls?a=1 with credential " FP_BASIC
	                 "; closest recorded (line 1): GET /v2/calls?a=1 with credential " FP_TOK1
	                 ", differs in credential");
	missed(c, "GET", "/v2/calls", "a=2", "", miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls?a=2 with no credential; closest "
	                 "recorded (line 1): GET /v2/calls?a=1 with credential " FP_TOK1
	                 ", differs in a, credential");
	cassette_free(c);
	unlink(path);
}
END_TEST

START_TEST(test_replay_miss_messages)
{
	char path[64], text[8192] = "", miss[512];
	struct cassette *c;

	add_line(text, sizeof(text),
	         "[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"],[\"workspaceId\",\"1\"]]", "", 200,
	         "{}");
	strcat(text,
	       "{\"request\":{\"method\":\"POST\",\"path\":\"/v2/calls\",\"query\":[[\"fromDate"
	       "Time\",\"2025-02-01T00:00:00Z\"]]},\"response\":{\"status\":201}}\n");
	add_line(text, sizeof(text), "[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"]]", "", 200,
	         "{}");
	add_line(text, sizeof(text), "[[\"fromDateTime\",\"2025-03-01T00:00:00Z\"]]", "", 200,
	         "{}");
	add_line(text, sizeof(text), "[[\"x\",\"1\"],[\"x\",\"2\"]]", "", 200, "{}");
	c = load_text(path, text);

	missed(c, "GET", "/v2/calls", "fromDateTime=2025-02-01T00:00:00Z", NULL, miss,
	       sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?fromDateTime=2025-02-01T00:00:"
	                       "00Z; closest recorded (line 3): GET /v2/calls?fromDateTime=2025-01-"
	                       "01T00:00:00Z, differs in fromDateTime");

	missed(c, "GET", "/v2/users", "", NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/users; nothing was recorded for GET "
	                       "/v2/users");
	missed(c, "DELETE", "/v2/calls", "a=1", NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for DELETE /v2/calls?a=1; nothing was recorded for "
	                 "DELETE /v2/calls");

	/* Two differences on lines 1 and 3 alike: the earlier wins; names in sorted order. */
	missed(c, "GET", "/v2/calls", "workspaceId=2&fromDateTime=2025-01-01T00:00:00Z&cursor=c",
	       NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls?workspaceId=2&fromDateTime=2025-"
	                 "01-01T00:00:00Z&cursor=c; closest recorded (line 1): GET /v2/calls?"
	                 "fromDateTime=2025-01-01T00:00:00Z&workspaceId=1, differs in cursor, "
	                 "workspaceId");

	/* Fewest differences wins over earliest: line 4 differs in one, lines 1 and 3 in two. */
	missed(c, "GET", "/v2/calls", "fromDateTime=2025-03-01T00:00:00Z&workspaceId=7", NULL, miss,
	       sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls?fromDateTime=2025-03-01T00:00:"
	                 "00Z&workspaceId=7; closest recorded (line 4): GET /v2/calls?fromDateT"
	                 "ime=2025-03-01T00:00:00Z, differs in workspaceId");
	missed(c, "GET", "/v2/calls", "fromDateTime=2025-03-01T00:00:00Z&limit=1", NULL, miss,
	       sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?fromDateTime=2025-03-01T00:00:"
	                       "00Z&limit=1; closest recorded (line 4): GET /v2/calls?fromDateTime="
	                       "2025-03-01T00:00:00Z, differs in limit");

	/* A repeated name differs when its values differ as a whole. */
	missed(c, "GET", "/v2/calls", "x=2&x=3", NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls?x=2&x=3; closest recorded (line "
	                 "5): GET /v2/calls?x=1&x=2, differs in x");
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "x=2&x=1", NULL), 5);
	missed(c, "GET", "/v2/calls", "x=1", NULL, miss, sizeof(miss));
	ck_assert_ptr_nonnull(strstr(miss, "(line 5)"));

	/* No parameters at all. */
	missed(c, "GET", "/v2/calls", "", NULL, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls; closest recorded (line 3): GET "
	                 "/v2/calls?fromDateTime=2025-01-01T00:00:00Z, differs in fromDateTime");

	/* Control bytes cannot break the message into lines. */
	missed(c, "GET", "/v2/calls", "a=x%0Ay%09", NULL, miss, sizeof(miss));
	ck_assert_ptr_nonnull(strstr(miss, "GET /v2/calls?a=x%0Ay%09;"));
	ck_assert_ptr_null(strchr(miss, '\n'));
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
	size_t len;

	add_line(text, sizeof(text), "[[\"title\",\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"]]", "", 200,
	         "{}");
	c = load_text(path, text);
	missed(c, "GET", "/v2/calls", "title=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9", NULL, full,
	       sizeof(full));
	len = strlen(full);
	ck_assert_uint_gt(len, 60);
	for (size_t cap = 1; cap <= len + 1; cap++) {
		memset(miss, 'Z', sizeof(miss));
		missed(c, "GET", "/v2/calls", "title=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9", NULL, miss,
		       cap);
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
	missed(c, "GET", "/v2/calls", "", NULL, NULL, 0);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* A cursor is a value like any other: each page answered as recorded. */
START_TEST(test_replay_cursor_pages)
{
	char path[64], text[8192] = "", miss[512];
	struct cassette *c;
	struct cassette_answer a;
	json_t *page;
	const char *cursor;
	char raw[256];

	add_line(text, sizeof(text), "[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"]]", FP_TOK1, 200,
	         "{\"requestId\":\"p0\",\"records\":{\"totalRecords\":3,\"currentPageSize\":2,"
	         "\"currentPageNumber\":0,\"cursor\":\"eyJhbGciOiJIUzI1NiJ9.eyJuIjoxfQ.c2ln\"},"
	         "\"calls\":[{\"id\":\"1\"},{\"id\":\"2\"}]}");
	add_line(text, sizeof(text),
	         "[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"],[\"cursor\",\"eyJhbGciOiJIUzI1NiJ9."
	         "eyJuIjoxfQ.c2ln\"]]",
	         FP_TOK1, 200,
	         "{\"requestId\":\"p1\",\"records\":{\"totalRecords\":3,\"currentPageSize\":1,"
	         "\"currentPageNumber\":1},\"calls\":[{\"id\":\"3\"}]}");
	add_line(text, sizeof(text), "[[\"cursor\",\"eyJhbGciOiJIUzI1NiJ9.eyJuIjoxfQ.c2ln\"]]",
	         FP_TOK1, 400, "{\"errors\":[\"cursor has expired\"]}");
	c = load_text(path, text);
	ck_assert_int_eq(ask(c, "GET", "/v2/calls", "fromDateTime=2025-01-01T00:00:00Z", FP_TOK1,
	                     &a, miss, sizeof(miss)),
	                 1);
	page = json_loads(a.body, 0, NULL);
	cursor = json_string_value(json_object_get(json_object_get(page, "records"), "cursor"));
	ck_assert_str_eq(cursor, "eyJhbGciOiJIUzI1NiJ9.eyJuIjoxfQ.c2ln");
	snprintf(raw, sizeof(raw), "fromDateTime=2025-01-01T00:00:00Z&cursor=%s", cursor);
	json_decref(page);
	ck_assert_int_eq(ask(c, "GET", "/v2/calls", raw, FP_TOK1, &a, miss, sizeof(miss)), 1);
	ck_assert_str_eq(a.body,
	                 "{\"requestId\":\"p1\",\"records\":{\"totalRecords\":3,"
	                 "\"currentPageSize\":1,\"currentPageNumber\":1},\"calls\":[{\"id\":"
	                 "\"3\"}]}");
	/* The cursor alone is another request, recorded with its own answer. */
	ck_assert_uint_eq(
	    hit(c, "GET", "/v2/calls", "cursor=eyJhbGciOiJIUzI1NiJ9.eyJuIjoxfQ.c2ln", FP_TOK1), 3);
	missed(c, "GET", "/v2/calls", "fromDateTime=2025-01-01T00:00:00Z&cursor=eyJother", FP_TOK1,
	       miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?fromDateTime=2025-01-01T00:00:"
	                       "00Z&cursor=eyJother with credential " FP_TOK1 "; closest recorded "
	                       "(line 1): GET /v2/calls?fromDateTime=2025-01-01T00:00:00Z with "
	                       "credential " FP_TOK1 ", differs in cursor");
	cassette_free(c);
	unlink(path);
}
END_TEST

#define GROUP 200
#define REPLAYERS 4

struct replayer {
	struct cassette *c;
	size_t lines[GROUP];
	int failures;
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
	for (size_t i = 0; i < GROUP; i++) {
		struct cassette_answer a = {0};

		if (cassette_replay(r->c, "GET", "/v2/calls", &q, NULL, &a, NULL, 0) != 1)
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

	text[0] = '\0';
	for (size_t i = 0; i < GROUP; i++)
		add_line(text, sizeof(text), "[[\"a\",\"1\"]]", "", 200, "{}");
	c = load_text(path, text);
	for (size_t i = 0; i < REPLAYERS; i++) {
		r[i].c = c;
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
	cassette_free(c);
	unlink(path);
}
END_TEST

/*
 * The calls of a cassette.
 */

START_TEST(test_calls_json_dedupe)
{
	char path[64], text[8192] = "", err[256] = "";
	char *json;
	size_t len = 0;

	add_line(text, sizeof(text), "[]", "", 200,
	         "{\"requestId\":\"r\",\"calls\":[{\"id\":\"1\",\"title\":\"old\"},{\"id\":\"2\","
	         "\"title\":\"two\"}]}");
	add_line(text, sizeof(text), "[]", "", 404,
	         "{\"errors\":[\"x\"],\"calls\":[{\"id\":\"404\"}]}");
	add_line(text, sizeof(text), "[]", "", 500, "{\"calls\":[{\"id\":\"500\"}]}");
	strcat(text, "{\"request\":{\"method\":\"POST\",\"path\":\"/v2/calls\"},\"response\":{"
	             "\"status\":200,\"body\":{\"calls\":[{\"id\":\"post\"}]}}}\n");
	strcat(text, "{\"request\":{\"method\":\"GET\",\"path\":\"/v2/calls/extensive\"},"
	             "\"response\":{\"status\":200,\"body\":{\"calls\":[{\"id\":\"ext\"}]}}}\n");
	add_line(text, sizeof(text), "[]", "", 200, "\"{\\\"calls\\\":[{\\\"id\\\":\\\"s\\\"}]}\"");
	add_line(
	    text, sizeof(text), "[[\"cursor\",\"c\"]]", FP_TOK1, 200,
	    "{\"requestId\":\"r2\",\"calls\":[{\"id\":\"3\",\"title\":\"three\"},{\"id\":\"1\","
	    "\"title\":\"new\",\"extra\":null}]}");
	tmp_file(path);
	write_file(path, text);
	json = cassette_calls_json(path, &len, err, sizeof(err));
	ck_assert_msg(json != NULL, "%s", err);
	ck_assert_str_eq(json, "[{\"id\":\"1\",\"title\":\"new\",\"extra\":null},{\"id\":\"2\","
	                       "\"title\":\"two\"},{\"id\":\"3\",\"title\":\"three\"}]");
	ck_assert_uint_eq(len, strlen(json));
	free(json);
	unlink(path);
}
END_TEST

START_TEST(test_calls_json_errors)
{
	char path[64], text[4096] = "", err[256];
	size_t len = 0;

	/* No list answer at all. */
	add_line(text, sizeof(text), "[]", "", 404, "{\"errors\":[\"No calls found\"]}");
	tmp_file(path);
	write_file(path, text);
	err[0] = '\0';
	ck_assert_ptr_null(cassette_calls_json(path, &len, err, sizeof(err)));
	ck_assert_int_eq(strncmp(err, path, strlen(path)), 0);
	ck_assert_str_eq(err + strlen(path),
	                 ": holds no 200 answer to GET /v2/calls with a calls array");

	/* A bad line, named by number. */
	strcat(text, "\n{\"request\":{},\"response\":{\"status\":200}}\n");
	write_file(path, text);
	ck_assert_ptr_null(cassette_calls_json(path, &len, err, sizeof(err)));
	ck_assert_str_eq(err + strlen(path),
	                 ": line 3: \"request.method\" must be a non-empty string");

	/* A call without an id cannot be deduplicated, nor served. */
	text[0] = '\0';
	add_line(text, sizeof(text), "[]", "", 200, "{\"calls\":[{\"id\":\"1\"},{\"id\":2}]}");
	write_file(path, text);
	ck_assert_ptr_null(cassette_calls_json(path, &len, err, sizeof(err)));
	ck_assert_str_eq(err + strlen(path), ": line 1: \"response.body.calls\" item 1 is not a "
	                                     "call with a string \"id\"");
	unlink(path);

	ck_assert_ptr_null(
	    cassette_calls_json("/tmp/test_cassette-does-not-exist", &len, err, sizeof(err)));
	ck_assert_str_eq(err, "/tmp/test_cassette-does-not-exist: No such file or directory");
}
END_TEST

/*
 * Telling cassettes apart.
 */

START_TEST(test_is_cassette)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
	    {EX_OK, 1},
	    {"\n  \n" EX_OK "garbage on line two\n", 1},
	    {"\xef\xbb\xbf" EX_OK, 1},
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
		tmp_file(path);
		write_file(path, cases[i].text);
		ck_assert_msg(cassette_is_cassette(path) == cases[i].want, "case %zu", i);
		unlink(path);
	}
	ck_assert_int_eq(cassette_is_cassette("/tmp/test_cassette-does-not-exist"), 0);
	ck_assert_int_eq(cassette_is_cassette(NULL), 0);
	ck_assert_int_eq(cassette_is_cassette("/tmp"), 0);
	ck_assert_int_eq(cassette_is_cassette("/dev/null"), 0);
}
END_TEST

static Suite *
cassette_suite(void)
{
	Suite *s = suite_create("cassette");
	TCase *tc = tcase_create("record");

	tcase_add_test(tc, test_record_exact_line);
	tcase_add_test(tc, test_record_latency_time_headers);
	tcase_add_test(tc, test_fingerprint);
	tcase_add_test(tc, test_record_no_credential_value);
	tcase_add_test(tc, test_record_redaction);
	tcase_add_test(tc, test_redactable);
	tcase_add_test(tc, test_recorder_refuses_fields);
	tcase_add_test(tc, test_record_non_json_bodies);
	tcase_add_test(tc, test_record_error_statuses);
	tcase_add_test(tc, test_record_odd_query_bytes);
	tcase_add_test(tc, test_record_after_cut_line);
	tcase_add_test(tc, test_recorder_refuses_other_files);
	tcase_add_test(tc, test_record_then_replay);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_load_missing_file);
	tcase_add_test(tc, test_load_lenient_shapes);
	suite_add_tcase(s, tc);

	tc = tcase_create("replay");
	tcase_add_test(tc, test_replay_exact_and_any_order);
	tcase_add_test(tc, test_replay_date_forms);
	tcase_add_test(tc, test_replay_repeats_in_order_then_last);
	tcase_add_test(tc, test_replay_fingerprint_only_when_asked);
	tcase_add_test(tc, test_replay_miss_messages);
	tcase_add_test(tc, test_replay_miss_cut_to_length);
	tcase_add_test(tc, test_replay_cursor_pages);
	suite_add_tcase(s, tc);

	tc = tcase_create("dataset");
	tcase_add_test(tc, test_calls_json_dedupe);
	tcase_add_test(tc, test_calls_json_errors);
	tcase_add_test(tc, test_is_cassette);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_record_concurrent_whole_lines);
	tcase_add_test(tc, test_replay_threads_share_positions);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cassette_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
