/*
 * test_recorder.c - unit tests of recorder: the exact text of recorded lines, salted
 * fingerprints in place of credentials, one salt per cassette, redaction, request bodies (JSON
 * kept as JSON, credentials in them redacted, replayed by meaning), whole lines under
 * concurrent recording, a failed write (reported once, undone, recording stopped), appending
 * after a line cut short, and refusing files that are not cassettes.
 */
#include "recorder.h"

#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cassette.h"
#include "cassettes.h"
#include "fingerprint.h"
#include "harness.h"
#include "query.h"
#include "replay.h"

/* One GET /v2/calls exchange with the fields most tests leave alone. */
static struct exchange
exchange(const struct query *q, const char *auth, unsigned status, const char *body)
{
	struct exchange e = {
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

/* Opens a recorder that has nothing to warn about. */
static struct recorder *
open_recorder(const char *path, const char *const *redact, size_t n)
{
	char err[256] = "", warn[512] = "x";
	struct recorder *rec = recorder_open(path, redact, n, warn, sizeof(warn), err, sizeof(err));

	ck_assert_msg(rec != NULL, "open failed: %s", err);
	ck_assert_str_eq(warn, "");
	return rec;
}

/* Records e and demands success. */
static void
record_ok(struct recorder *rec, const struct exchange *e)
{
	char err[512] = "";

	ck_assert_msg(recorder_write(rec, e, err, sizeof(err)) == RECORDER_WRITTEN, "%s", err);
}

/*
 * Checks that cred is a salted fingerprint of auth with FINGERPRINT_ITERATIONS rounds, as
 * fingerprint_derive makes it with the salt written in it; returns the salt's hex.
 */
static void
check_salted(const char *cred, const char *auth, char salt_hex[2 * FINGERPRINT_SALT_LEN + 1])
{
	static const char prefix[] = "pbkdf2-sha256$600000$";
	unsigned char salt[FINGERPRINT_SALT_LEN];
	char want[FINGERPRINT_MAX];

	ck_assert_msg(strncmp(cred, prefix, sizeof(prefix) - 1) == 0, "%s", cred);
	ck_assert_uint_eq(strlen(cred), sizeof(prefix) - 1 + 2 * FINGERPRINT_SALT_LEN + 1 + 16);
	ck_assert_int_eq(cred[sizeof(prefix) - 1 + 2 * FINGERPRINT_SALT_LEN], '$');
	for (size_t i = 0; i < FINGERPRINT_SALT_LEN; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(cred + sizeof(prefix) - 1 + 2 * i, "%2x", &v), 1);
		salt[i] = (unsigned char)v;
	}
	ck_assert_int_eq(fingerprint_derive(auth, salt, FINGERPRINT_ITERATIONS, want), 0);
	ck_assert_str_eq(cred, want);
	memcpy(salt_hex, cred + sizeof(prefix) - 1, 2 * FINGERPRINT_SALT_LEN);
	salt_hex[2 * FINGERPRINT_SALT_LEN] = '\0';
}

/* The credential of a parsed line. */
static const char *
credential_of(const json_t *line)
{
	const char *s =
	    json_string_value(json_object_get(json_object_get(line, "request"), "credential"));

	ck_assert_ptr_nonnull(s);
	return s;
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
record_one(const struct exchange *e, const char *const *redact, size_t nredact, char **text)
{
	char path[64];
	struct recorder *rec;
	json_error_t jerr;
	json_t *line;
	char *file;

	cassettes_file(path, "");
	rec = open_recorder(path, redact, nredact);
	record_ok(rec, e);
	recorder_close(rec);
	file = harness_read_file(path, NULL);
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

START_TEST(test_record_exact_line)
{
	struct query q;
	struct exchange e;
	char *text, want[2048], salt[2 * FINGERPRINT_SALT_LEN + 1];
	json_t *line;

	cassettes_parse_query(&q, "fromDateTime=2025-01-01T00%3A00%3A00Z&cursor=abc&limit=5");
	e = exchange(&q, AUTH_BASIC, 200,
	             "{ \"requestId\": \"r1\",\n \"records\": {\"totalRecords\": 1, "
	             "\"currentPageSize\": 1, \"currentPageNumber\": 0},\n \"calls\": [ {\"id\": "
	             "\"7\", \"title\": \"Q1 review\", \"isPrivate\": false} ] }");
	e.traceid = "r1";
	line = record_one(&e, NULL, 0, &text);
	/* The fingerprint is checked on its own (its salt is random), the rest byte for byte. */
	check_salted(credential_of(line), AUTH_BASIC, salt);
	snprintf(
	    want, sizeof(want),
	    "{\"time\":\"2026-01-02T03:04:05.678Z\",\"request\":{\"method\":\"GET\",\"path\":\"/v2/"
	    "calls\",\"query\":[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"],[\"cursor\",\"abc\"],["
	    "\"limit\",\"5\"]],\"credential\":\"%s\"},\"response\":{\"status\":200,"
	    "\"headers\":{\"Content-Type\":\"application/json; "
	    "charset=utf-8\",\"x-traceid\":\"r1\"},"
	    "\"body\":{\"requestId\":\"r1\",\"records\":{\"totalRecords\":1,\"currentPageSize\":1,"
	    "\"currentPageNumber\":0},\"calls\":[{\"id\":\"7\",\"title\":\"Q1 "
	    "review\",\"isPrivate\":"
	    "false}]}},\"latencyMs\":12.345}\n",
	    credential_of(line));
	ck_assert_str_eq(text, want);
	json_decref(line);
	free(text);
}
END_TEST

/* The three decimals are padded, the time keeps its milliseconds, headers all three. */
START_TEST(test_record_latency_time_headers)
{
	struct exchange e = exchange(NULL, NULL, 429, "{\"errors\":[\"slow down\"]}");
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

/*
 * The file holds fingerprints only: neither the scheme nor the secret of any credential. One
 * salt for the whole cassette, kept when the cassette is appended to; each credential its own
 * hash.
 */
START_TEST(test_record_no_credential_value)
{
	static const char *const auths[] = {AUTH_BASIC, AUTH_TOK1, AUTH_TOK2, AUTH_TOK1};
	char path[64], salts[5][2 * FINGERPRINT_SALT_LEN + 1];
	struct recorder *rec;
	char *file;
	json_t *l[5];

	cassettes_file(path, "");
	rec = open_recorder(path, NULL, 0);
	for (size_t i = 0; i < 3; i++) {
		struct exchange e = exchange(NULL, auths[i], 200, "{\"calls\":[]}");

		record_ok(rec, &e);
	}
	recorder_close(rec);
	/* Appending later: the same salt again. */
	rec = open_recorder(path, NULL, 0);
	for (size_t i = 3; i < 5; i++) {
		struct exchange e = exchange(NULL, i < 4 ? auths[i] : NULL, 200, "{\"calls\":[]}");

		record_ok(rec, &e);
	}
	recorder_close(rec);
	file = harness_read_file(path, NULL);
	unlink(path);
	ck_assert_ptr_null(strstr(file, "YWJjOmRlZg=="));
	ck_assert_ptr_null(strstr(file, "abc:def"));
	ck_assert_ptr_null(strstr(file, "tok-"));
	ck_assert_ptr_null(strstr(file, "Basic"));
	ck_assert_ptr_null(strstr(file, "Bearer"));
	ck_assert_ptr_null(strstr(file, "uthorization"));
	for (size_t i = 0; i < 5; i++) {
		char *text = nth_line(file, i);

		l[i] = json_loads(text, 0, NULL);
		ck_assert_ptr_nonnull(l[i]);
		if (i < 4)
			check_salted(credential_of(l[i]), auths[i], salts[i]);
		free(text);
	}
	ck_assert_str_eq(salts[1], salts[0]);
	ck_assert_str_eq(salts[2], salts[0]);
	ck_assert_str_eq(salts[3], salts[0]);
	ck_assert_str_eq(credential_of(l[3]), credential_of(l[1]));
	ck_assert_str_ne(credential_of(l[2]), credential_of(l[1]));
	ck_assert_str_eq(credential_of(l[4]), "");
	for (size_t i = 0; i < 5; i++)
		json_decref(l[i]);
	free(file);
}
END_TEST

/* Two cassettes, two salts: the same credential has another fingerprint in each. */
START_TEST(test_record_salt_per_cassette)
{
	char p1[64], p2[64], s1[2 * FINGERPRINT_SALT_LEN + 1], s2[2 * FINGERPRINT_SALT_LEN + 1];
	struct exchange e = exchange(NULL, AUTH_TOK1, 200, "{}");
	struct recorder *rec;
	json_t *l1, *l2;
	char *f1, *f2;

	cassettes_file(p1, "");
	cassettes_file(p2, "");
	rec = open_recorder(p1, NULL, 0);
	record_ok(rec, &e);
	recorder_close(rec);
	rec = open_recorder(p2, NULL, 0);
	record_ok(rec, &e);
	recorder_close(rec);
	f1 = harness_read_file(p1, NULL);
	f2 = harness_read_file(p2, NULL);
	l1 = json_loads(f1, 0, NULL);
	l2 = json_loads(f2, 0, NULL);
	check_salted(credential_of(l1), AUTH_TOK1, s1);
	check_salted(credential_of(l2), AUTH_TOK1, s2);
	ck_assert_str_ne(s1, s2);
	ck_assert_str_ne(credential_of(l1), credential_of(l2));
	json_decref(l1);
	json_decref(l2);
	free(f1);
	free(f2);
	unlink(p1);
	unlink(p2);
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
	struct exchange e;
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

START_TEST(test_recorder_refuses_fields)
{
	static const char *const bad[] = {"id", "started", "direction", "duration", "workspaceId"};
	char path[64], err[256];

	cassettes_file(path, "");
	unlink(path);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *list[] = {"title", bad[i]};
		char want[64];

		err[0] = '\0';
		ck_assert_ptr_null(recorder_open(path, list, 2, NULL, 0, err, sizeof(err)));
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
	char path[64];
	struct recorder *rec;
	struct cassette *c;
	struct replay *rp;
	char *file;
	size_t i;

	cassettes_file(path, "");
	rec = open_recorder(path, NULL, 0);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct query q;
		char raw[16];
		struct exchange e;

		snprintf(raw, sizeof(raw), "n=%zu", i);
		cassettes_parse_query(&q, raw);
		e = exchange(&q, NULL, 502, bodies[i]);
		e.content_type = "text/html";
		record_ok(rec, &e);
	}
	recorder_close(rec);
	file = harness_read_file(path, NULL);
	ck_assert_ptr_nonnull(strstr(file, "\"body\":\"<html>502 Bad Gateway</html>\"}"));
	ck_assert_ptr_nonnull(strstr(file, "\"body\":\"\\\"quoted\\\"\"}"));
	ck_assert_ptr_nonnull(strstr(file, "\"body\":\"42\"}"));
	ck_assert_ptr_nonnull(strstr(file, "\"body\":\"\"}"));
	ck_assert_ptr_nonnull(strstr(file, "\"body\":\"{\\\"cut\\\":\"}"));
	free(file);
	rp = cassettes_open(path, &c);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct cassette_answer a;
		char raw[16], miss[256];

		snprintf(raw, sizeof(raw), "n=%zu", i);
		ck_assert_int_eq(
		    cassettes_ask(rp, "GET", "/v2/calls", raw, NULL, &a, miss, sizeof(miss)), 1);
		ck_assert_uint_eq(a.status, 502);
		ck_assert_str_eq(a.content_type, "text/html");
		ck_assert_uint_eq(a.body_len, strlen(bodies[i]));
		ck_assert_str_eq(a.body, bodies[i]);
	}
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* Errors from the upstream are part of the exchange log and are recorded like any answer. */
START_TEST(test_record_error_statuses)
{
	static const unsigned statuses[] = {400, 401, 404, 429, 500, 503};
	char path[64];
	struct recorder *rec;
	struct cassette *c;
	struct replay *rp;
	size_t i;

	cassettes_file(path, "");
	rec = open_recorder(path, NULL, 0);
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		char body[64];
		struct exchange e;

		snprintf(body, sizeof(body), "{\"requestId\":\"r%zu\",\"errors\":[\"e%u\"]}", i,
		         statuses[i]);
		e = exchange(NULL, "Bearer tok-1", statuses[i], body);
		e.retry_after = statuses[i] == 429 ? "3" : NULL;
		record_ok(rec, &e);
	}
	recorder_close(rec);
	rp = cassettes_open(path, &c);
	ck_assert_uint_eq(cassette_count(c), 6);
	/* Six identical requests: the answers come back in the order they were recorded. */
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		struct cassette_answer a;
		char body[64];

		ck_assert_int_eq(cassettes_ask(rp, "GET", "/v2/calls", "", AUTH_TOK1, &a, NULL, 0),
		                 1);
		snprintf(body, sizeof(body), "{\"requestId\":\"r%zu\",\"errors\":[\"e%u\"]}", i,
		         statuses[i]);
		ck_assert_uint_eq(a.status, statuses[i]);
		ck_assert_str_eq(a.body, body);
		ck_assert_uint_eq(a.line, i + 1);
		ck_assert_str_eq(a.retry_after, statuses[i] == 429 ? "3" : "");
		ck_assert_str_eq(a.traceid, "");
		ck_assert_str_eq(a.content_type, CT_JSON);
	}
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* Query values that are not UTF-8, or hold NUL, still make a valid line that replays. */
START_TEST(test_record_odd_query_bytes)
{
	char path[64];
	struct recorder *rec;
	struct exchange e;
	struct cassette *c;
	struct replay *rp;
	struct query q;
	char *file;

	cassettes_file(path, "");
	rec = open_recorder(path, NULL, 0);
	cassettes_parse_query(&q, "a=%FFx&b=1%002&c=%C3%A9");
	e = exchange(&q, NULL, 200, "{}");
	record_ok(rec, &e);
	recorder_close(rec);
	file = harness_read_file(path, NULL);
	ck_assert_ptr_nonnull(
	    strstr(file, "[[\"a\",\"\xef\xbf\xbdx\"],[\"b\",\"1\\u00002\"],[\"c\",\"\xc3\xa9\"]]"));
	free(file);
	rp = cassettes_open(path, &c);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "c=%C3%A9&b=1%002&a=%FFx", NULL),
	                  1);
	ck_assert_uint_eq(
	    cassettes_hit(rp, "GET", "/v2/calls", "c=%C3%A9&b=1%002&a=%EF%BF%BDx", NULL), 1);
	ck_assert_int_eq(cassettes_ask(rp, "GET", "/v2/calls", "c=%C3%A9&b=1%003&a=%FFx", NULL,
	                               &(struct cassette_answer){0}, NULL, 0),
	                 0);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

#define THREADS 8
#define PER_THREAD 40
#define FILLER 20000

struct writer {
	struct recorder *rec;
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
		struct exchange e;
		int n = snprintf(body, 64, "{\"writer\":%u,\"seq\":%u,\"fill\":\"", w->id, i);

		memset(body + n, 'a' + (char)w->id, FILLER);
		strcpy(body + n + FILLER, "\"}");
		snprintf(raw, sizeof(raw), "w=%u&i=%u", w->id, i);
		if (query_parse(&q, raw, strlen(raw)) != 0) {
			w->failures++;
			continue;
		}
		e = exchange(&q, NULL, 200, body);
		if (recorder_write(w->rec, &e, NULL, 0) != RECORDER_WRITTEN)
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

	cassettes_file(path, "");
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
	recorder_close(w[0].rec);
	file = harness_read_file(path, NULL);
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

/*
 * A line cut short by an earlier recording is cut off the file before anything is appended,
 * so that no half line ends up followed by whole ones; a whole last line that only lacks its
 * newline stays, and gets one.
 */
START_TEST(test_record_after_cut_line)
{
	static const char *const good = "{\"request\":{\"method\":\"GET\",\"path\":\"/v2/"
	                                "calls\"},\"response\":{\"status\":200}}";
	char path[64], err[256], warn[512], text[512], want[512];
	struct recorder *rec;
	struct exchange e = exchange(NULL, NULL, 200, "{\"calls\":[]}");
	struct cassette *c;
	char *file, *line;

	cassettes_file(path, "");
	snprintf(text, sizeof(text), "%s\n{\"request\":{\"meth", good);
	cassettes_write(path, text);
	rec = recorder_open(path, NULL, 0, warn, sizeof(warn), err, sizeof(err));
	ck_assert_msg(rec != NULL, "%s", err);
	snprintf(want, sizeof(want),
	         "%s: cut off its last 17 bytes, a line cut short (no newline, not JSON) by an "
	         "interrupted recording; new exchanges follow the last whole line",
	         path);
	ck_assert_str_eq(warn, want);
	record_ok(rec, &e);
	record_ok(rec, &e);
	recorder_close(rec);
	file = harness_read_file(path, NULL);
	ck_assert_uint_eq(count_lines(file), 3);
	ck_assert_int_eq(strncmp(file, good, strlen(good)), 0);
	ck_assert_int_eq(file[strlen(good)], '\n');
	for (size_t i = 1; i < 3; i++) {
		line = nth_line(file, i);
		ck_assert_int_eq(strncmp(line, "{\"time\":", 8), 0);
		free(line);
	}
	free(file);
	c = cassette_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(cassette_count(c), 3);
	ck_assert_ptr_null(cassette_warning(c, 0));
	cassette_free(c);

	/* A whole line without its newline is kept, and the next line starts on its own. */
	cassettes_write(path, good);
	rec = open_recorder(path, NULL, 0);
	record_ok(rec, &e);
	recorder_close(rec);
	file = harness_read_file(path, NULL);
	ck_assert_uint_eq(count_lines(file), 2);
	ck_assert_int_eq(strncmp(file, good, strlen(good)), 0);
	ck_assert_int_eq(file[strlen(good)], '\n');
	free(file);
	c = cassette_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(cassette_count(c), 2);
	cassette_free(c);
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

		cassettes_file(path, others[i]);
		err[0] = '\0';
		ck_assert_ptr_null(recorder_open(path, NULL, 0, NULL, 0, err, sizeof(err)));
		ck_assert_int_eq(strncmp(err, path, strlen(path)), 0);
		ck_assert_ptr_nonnull(strstr(err, "is not a cassette"));
		after = harness_read_file(path, NULL);
		ck_assert_str_eq(after, others[i]);
		free(after);
		unlink(path);
	}
	/* A blank file, and a device, are fine. */
	cassettes_file(path, "\n\n");
	recorder_close(open_recorder(path, NULL, 0));
	unlink(path);
	{
		struct recorder *rec = open_recorder("/dev/null", NULL, 0);
		struct exchange e = exchange(NULL, NULL, 200, "{}");

		record_ok(rec, &e);
		recorder_close(rec);
	}
	recorder_close(NULL);
	ck_assert_ptr_null(recorder_open(NULL, NULL, 0, NULL, 0, err, sizeof(err)));
}
END_TEST

/* What the recorder writes is what the loader reads, and replays in order. */
START_TEST(test_record_then_replay)
{
	char path[64];
	struct recorder *rec;
	struct cassette *c;
	struct replay *rp;
	struct cassette_answer a;
	struct query q1, q2;
	struct exchange e;

	cassettes_file(path, "");
	rec = open_recorder(path, NULL, 0);
	cassettes_parse_query(&q1, "fromDateTime=2025-01-01T00:00:00Z");
	cassettes_parse_query(&q2, "fromDateTime=2025-01-01T00:00:00Z&cursor=eyJ.p.s");
	e = exchange(&q1, "Bearer tok-1", 200,
	             "{\"requestId\":\"a\",\"records\":{\"cursor\":\"eyJ.p.s\"},\"calls\":[]}");
	e.traceid = "a";
	record_ok(rec, &e);
	e = exchange(&q2, "Bearer tok-1", 200, "{ \"requestId\" : \"b\" , \"calls\" : [ ] }");
	e.traceid = "b";
	record_ok(rec, &e);
	recorder_close(rec);
	rp = cassettes_open(path, &c);
	ck_assert_uint_eq(cassette_count(c), 2);
	ck_assert_int_eq(cassettes_ask(rp, "GET", "/v2/calls",
	                               "fromDateTime=2025-01-01T00%3A00%3A00%2B00%3A00", AUTH_TOK1,
	                               &a, NULL, 0),
	                 1);
	ck_assert_str_eq(a.body, "{\"requestId\":\"a\",\"records\":{\"cursor\":\"eyJ.p.s\"},"
	                         "\"calls\":[]}");
	ck_assert_str_eq(a.traceid, "a");
	ck_assert_str_eq(a.content_type, CT_JSON);
	ck_assert_uint_eq(a.line, 1);
	ck_assert_int_eq(cassettes_ask(rp, "GET", "/v2/calls",
	                               "cursor=eyJ.p.s&fromDateTime=2025-01-01T00:00:00Z",
	                               AUTH_TOK1, &a, NULL, 0),
	                 1);
	ck_assert_str_eq(a.body, "{\"requestId\":\"b\",\"calls\":[]}");
	ck_assert_uint_eq(a.body_len, strlen(a.body));
	ck_assert_uint_eq(a.line, 2);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/*
 * POSTs with their bodies: a JSON body goes into the line as JSON, not as a string, with every
 * credential in it redacted; the cassette replays each page, to bodies that say the same
 * thing in other words, and names the field of one that does not.
 */
START_TEST(test_record_post_bodies)
{
	static const char page0[] =
	    "{\"filter\":{\"fromDateTime\":\"2025-01-01T00:00:00Z\",\"callIds\":[\"7\",\"8\"]},"
	    "\"accessKey\":\"AKIAXXXX\",\"accessKeySecret\":\"sekrit-value\",\"cursor\":null}";
	static const char page1[] =
	    "{\"filter\":{\"fromDateTime\":\"2025-01-01T00:00:00Z\",\"callIds\":[\"7\",\"8\"]},"
	    "\"accessKey\":\"AKIAXXXX\",\"accessKeySecret\":\"sekrit-value\",\"cursor\":\"p1\"}";
	char path[64], miss[1024];
	struct recorder *rec;
	struct cassette *c;
	struct replay *rp;
	struct cassette_answer a;
	struct exchange e;
	json_t *line, *body;
	char *file, *s;

	e = exchange(NULL, NULL, 200, "{\"requestId\":\"p0\",\"calls\":[]}");
	e.method = "POST";
	e.path = "/v2/calls/extensive";
	e.request_body = page0;
	e.request_body_len = strlen(page0);
	line = record_one(&e, NULL, 0, &file);
	body = json_object_get(json_object_get(line, "request"), "body");
	ck_assert_msg(json_is_object(body), "not recorded as JSON: %s", file);
	s = dump(body);
	ck_assert_str_eq(s, "{\"filter\":{\"fromDateTime\":\"2025-01-01T00:00:00Z\",\"callIds\":["
	                    "\"7\",\"8\"]},\"accessKey\":\"REDACTED\",\"accessKeySecret\":"
	                    "\"REDACTED\",\"cursor\":null}");
	free(s);
	ck_assert_ptr_null(strstr(file, "AKIAXXXX"));
	ck_assert_ptr_null(strstr(file, "sekrit"));
	json_decref(line);
	free(file);

	cassettes_file(path, "");
	rec = open_recorder(path, NULL, 0);
	record_ok(rec, &e);
	e.request_body = page1;
	e.request_body_len = strlen(page1);
	e.body = "{\"requestId\":\"p1\",\"calls\":[]}";
	e.body_len = strlen(e.body);
	record_ok(rec, &e);
	recorder_close(rec);
	rp = cassettes_open(path, &c);
	ck_assert_ptr_nonnull(cassette_entry(c, 0)->body);
	ck_assert_int_eq(cassette_entry(c, 0)->body_json, 1);
	/* Another key pair, the ids the other way round, the date in another offset. */
	ck_assert_int_eq(cassettes_ask_body(
	                     rp, "POST", "/v2/calls/extensive", "",
	                     "{\"accessKeySecret\":\"other\",\"accessKey\":\"AKIAYYYY\","
	                     "\"filter\":{\"callIds\":[\"8\",\"7\"],\"fromDateTime\":\"2025-01-01T"
	                     "09:00:00+09:00\"}}",
	                     &a, miss, sizeof(miss)),
	                 1);
	ck_assert_str_eq(a.body, "{\"requestId\":\"p0\",\"calls\":[]}");
	ck_assert_int_eq(cassettes_ask_body(rp, "POST", "/v2/calls/extensive", "", page1, &a, miss,
	                                    sizeof(miss)),
	                 1);
	ck_assert_str_eq(a.body, "{\"requestId\":\"p1\",\"calls\":[]}");
	/* A credential's value takes no part, but whether there is one does. */
	cassettes_missed_body(rp, "POST", "/v2/calls/extensive", "",
	                      "{\"filter\":{\"fromDateTime\":\"2025-01-02T00:00:00Z\",\"callIds\":["
	                      "\"7\",\"8\"]},\"accessKey\":\"k\",\"accessKeySecret\":\"s\"}",
	                      miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/extensive; closest recorded "
	                       "(line 1): POST /v2/calls/extensive, body field filter.fromDateTime "
	                       "differs");
	cassettes_missed_body(rp, "POST", "/v2/calls/extensive", "",
	                      "{\"filter\":{\"fromDateTime\":\"2025-01-01T00:00:00Z\",\"callIds\":["
	                      "\"7\",\"8\"]},\"accessKey\":\"k\"}",
	                      miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for POST /v2/calls/extensive; closest recorded "
	                       "(line 1): POST /v2/calls/extensive, body field accessKeySecret "
	                       "missing");
	/* Without a body, the request matches neither page. */
	ck_assert_int_eq(
	    cassettes_ask(rp, "POST", "/v2/calls/extensive", "", NULL, &a, miss, sizeof(miss)), 0);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* /dev/full takes the open and refuses every write, as a full disk does. */
START_TEST(test_record_write_failure_reported_once)
{
	struct exchange e = exchange(NULL, AUTH_TOK1, 200, "{\"calls\":[]}");
	struct recorder_stats st;
	struct recorder *rec;
	char err[512] = "";

	rec = open_recorder("/dev/full", NULL, 0);
	recorder_stats(rec, &st);
	ck_assert_str_eq(st.path, "/dev/full");
	ck_assert_uint_eq(st.recorded, 0);
	ck_assert_uint_eq(st.failed, 0);
	ck_assert_int_eq(st.stopped, 0);
	ck_assert_str_eq(st.last_error, "");

	ck_assert_int_eq(recorder_write(rec, &e, err, sizeof(err)), RECORDER_FAILED);
	ck_assert_str_eq(err, "/dev/full: write failed: No space left on device; recording "
	                      "stopped after 0 exchanges, which the file keeps as whole lines; "
	                      "later exchanges are not recorded");
	/* Only the first failure asks to be logged; the others are counted. */
	for (int i = 0; i < 3; i++) {
		err[0] = '\0';
		ck_assert_int_eq(recorder_write(rec, &e, err, sizeof(err)), RECORDER_STOPPED);
		ck_assert_str_eq(err, "/dev/full: recording stopped: write failed: No space left "
		                      "on device");
	}
	ck_assert_int_eq(recorder_write(rec, &e, NULL, 0), RECORDER_STOPPED);
	recorder_stats(rec, &st);
	ck_assert_uint_eq(st.recorded, 0);
	ck_assert_uint_eq(st.failed, 5);
	ck_assert_int_eq(st.stopped, 1);
	ck_assert_str_eq(st.last_error, "write failed: No space left on device");
	recorder_close(rec);
	recorder_stats(NULL, &st);
	ck_assert_ptr_null(st.path);
}
END_TEST

/*
 * A write cut short on a regular file (the file-size limit stands in for a disk that fills
 * up mid-line): the partial line is cut off again, recording stops, and the cassette loads
 * with every exchange recorded before.
 */
START_TEST(test_record_short_write_cut_back)
{
	char path[64], err[512] = "", body[8192];
	struct recorder_stats st;
	struct recorder *rec;
	struct exchange e;
	struct rlimit old, lim;
	struct stat sb;
	struct cassette *c;
	char *file;
	off_t two;

	/* Past the limit write(2) fails with EFBIG instead of raising SIGXFSZ. */
	signal(SIGXFSZ, SIG_IGN);
	memset(body, 'x', sizeof(body));
	memcpy(body, "{\"fill\":\"", 9);
	strcpy(body + sizeof(body) - 3, "\"}");
	cassettes_file(path, "");
	rec = open_recorder(path, NULL, 0);
	e = exchange(NULL, NULL, 200, "{\"n\":1}");
	record_ok(rec, &e);
	e = exchange(NULL, NULL, 200, "{\"n\":2}");
	record_ok(rec, &e);
	ck_assert_int_eq(stat(path, &sb), 0);
	two = sb.st_size;
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)two + 1000;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	e = exchange(NULL, NULL, 200, body);
	ck_assert_int_eq(recorder_write(rec, &e, err, sizeof(err)), RECORDER_FAILED);
	ck_assert_msg(strstr(err, ": write failed: File too large; recording stopped after 2 "
	                          "exchanges") != NULL,
	              "%s", err);
	ck_assert_int_eq(strncmp(err, path, strlen(path)), 0);
	/* Cut back to the two whole lines; nothing is appended after the failure. */
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, two);
	e = exchange(NULL, NULL, 200, "{\"n\":4}");
	ck_assert_int_eq(recorder_write(rec, &e, NULL, 0), RECORDER_STOPPED);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, two);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	recorder_stats(rec, &st);
	ck_assert_uint_eq(st.recorded, 2);
	ck_assert_uint_eq(st.failed, 2);
	ck_assert_int_eq(st.stopped, 1);
	ck_assert_str_eq(st.last_error, "write failed: File too large");
	recorder_close(rec);
	file = harness_read_file(path, NULL);
	ck_assert_uint_eq(count_lines(file), 2);
	ck_assert_int_eq(file[strlen(file) - 1], '\n');
	free(file);
	c = cassette_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(cassette_count(c), 2);
	ck_assert_ptr_null(cassette_warning(c, 0));
	cassette_free(c);
	unlink(path);
}
END_TEST

/* Appending to a cassette of the old unsalted kind: allowed, and said so. */
START_TEST(test_recorder_warns_of_unsalted_lines)
{
	char path[64], text[2048] = "", err[256] = "", warn[1024] = "", want[1024];
	struct exchange e = exchange(NULL, AUTH_TOK1, 200, "{}");
	struct recorder *rec;
	struct cassette *c;
	struct replay *rp;
	char *file, *last, *w, salt[2 * FINGERPRINT_SALT_LEN + 1];
	json_t *j;

	cassettes_add_line(text, sizeof(text), "[]", "", 200, "{}");
	cassettes_add_line(text, sizeof(text), "[]", FP_TOK1, 200, "{}");
	cassettes_file(path, text);
	rec = recorder_open(path, NULL, 0, warn, sizeof(warn), err, sizeof(err));
	ck_assert_msg(rec != NULL, "%s", err);
	snprintf(want, sizeof(want),
	         "%s: line 2 (and maybe others) holds a credential fingerprint in the old "
	         "unsalted form, against which a guessed secret is quickly checked; new exchanges "
	         "get salted ones, but the old lines stay as they are: record to a new file to be "
	         "rid of them",
	         path);
	ck_assert_str_eq(warn, want);
	record_ok(rec, &e);
	recorder_close(rec);
	file = harness_read_file(path, NULL);
	last = nth_line(file, 2);
	j = json_loads(last, 0, NULL);
	check_salted(credential_of(j), AUTH_TOK1, salt);
	json_decref(j);
	free(last);
	free(file);
	/* Both kinds load and match; the load warns of the unsalted one. */
	rp = cassettes_open(path, &c);
	w = cassettes_warning(c, 0, path);
	ck_assert_str_eq(w, "FILE: 1 exchanges (line 2 first) hold credential fingerprints in the "
	                    "old unsalted form, against which a guessed secret is quickly "
	                    "checked: record the cassette again to replace them (replay still "
	                    "matches them)");
	free(w);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "", AUTH_TOK1), 3);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "", AUTH_TOK1), 3);
	ck_assert_uint_eq(cassettes_hit(rp, "GET", "/v2/calls", "", ANON), 1);
	replay_free(rp);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* A cassette salted with fewer rounds than the recorder uses is not appended to. */
START_TEST(test_recorder_refuses_weak_rounds)
{
	char path[64], text[2048] = "", err[512] = "", want[512];

	cassettes_add_line(text, sizeof(text), "[]", FP1000_TOK1, 200, "{}");
	cassettes_file(path, text);
	ck_assert_ptr_null(recorder_open(path, NULL, 0, NULL, 0, err, sizeof(err)));
	snprintf(want, sizeof(want),
	         "%s: its credential fingerprints take 1000 PBKDF2 rounds, fewer than the 600000 "
	         "gongmock writes; record to a new file",
	         path);
	ck_assert_str_eq(err, want);
	unlink(path);
	/* Paths that cannot be written are refused at once, with the reason. */
	ck_assert_ptr_null(recorder_open("/tmp/test_cassette-no-such-dir/c.jsonl", NULL, 0, NULL, 0,
	                                 err, sizeof(err)));
	ck_assert_str_eq(err, "/tmp/test_cassette-no-such-dir/c.jsonl: cannot open for writing: No "
	                      "such file or directory");
	ck_assert_ptr_null(recorder_open("/tmp", NULL, 0, NULL, 0, err, sizeof(err)));
	ck_assert_str_eq(err, "/tmp: cannot open for writing: Is a directory");
}
END_TEST

static Suite *
recorder_suite(void)
{
	Suite *s = suite_create("recorder");
	TCase *tc;

	tc = tcase_create("record");
	tcase_add_test(tc, test_record_exact_line);
	tcase_add_test(tc, test_record_latency_time_headers);
	tcase_add_test(tc, test_record_no_credential_value);
	tcase_add_test(tc, test_record_salt_per_cassette);
	tcase_add_test(tc, test_record_redaction);
	tcase_add_test(tc, test_recorder_refuses_fields);
	tcase_add_test(tc, test_record_non_json_bodies);
	tcase_add_test(tc, test_record_error_statuses);
	tcase_add_test(tc, test_record_odd_query_bytes);
	tcase_add_test(tc, test_record_after_cut_line);
	tcase_add_test(tc, test_recorder_refuses_other_files);
	tcase_add_test(tc, test_record_then_replay);
	tcase_add_test(tc, test_record_post_bodies);
	tcase_add_test(tc, test_record_write_failure_reported_once);
	tcase_add_test(tc, test_record_short_write_cut_back);
	tcase_add_test(tc, test_recorder_warns_of_unsalted_lines);
	tcase_add_test(tc, test_recorder_refuses_weak_rounds);
	suite_add_tcase(s, tc);
	tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_record_concurrent_whole_lines);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(recorder_suite());
}
