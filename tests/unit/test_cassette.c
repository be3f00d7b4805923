/*
 * test_cassette.c - unit tests of cassette: the exact text of recorded lines, salted
 * fingerprints in place of credentials, redaction, whole lines under concurrent recording, a
 * failed write (reported once, undone, recording stopped), load errors and a torn last line,
 * replay (matching, order, dates as instants, repeats, rewind, salted and unsalted
 * fingerprints, the cache of derived ones, miss messages), the calls of a cassette as a
 * dataset, and telling a cassette from other JSON files.
 */
#include "cassette.h"

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
#include <time.h>
#include <unistd.h>

#include "query.h"

/* 2026-01-02T03:04:05.678Z, worked out with date(1), not with the code under test. */
#define T0 INT64_C(1767323045678000)

#define AUTH_BASIC "Basic YWJjOmRlZg=="
#define AUTH_TOK1 "Bearer tok-1"
#define AUTH_TOK2 "Bearer tok-2"

/*
 * Fingerprints in the old unsalted form, as cassettes recorded before the salt hold them:
 * SHA-256 prefixes worked out with sha256sum(1).
 */
#define FP_BASIC "a3096fbaadfb" /* AUTH_BASIC */
#define FP_TOK1 "594151d65d79"  /* AUTH_TOK1 */
#define FP_TOK2 "ccb5404820c8"  /* AUTH_TOK2 */

/*
 * Salted fingerprints, worked out with Python's hashlib.pbkdf2_hmac("sha256", value, salt,
 * rounds)[:8].hex(), not with the code under test. SALT0 is the bytes 0 to 15.
 */
#define SALT0_HEX "000102030405060708090a0b0c0d0e0f"
#define SALTA5_HEX "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"
#define FP1000(salt, hash) "pbkdf2-sha256$1000$" salt "$" hash
#define FP1000_BASIC FP1000(SALT0_HEX, "c5e9396b7a701028")
#define FP1000_TOK1 FP1000(SALT0_HEX, "100c2e6fa8596d59")
#define FP1000_TOK2 FP1000(SALT0_HEX, "700bc945f68629d7")
#define FP1000_EMPTY FP1000(SALT0_HEX, "c5b301b1fd61bced")
#define FP1000_TOK1_A5 FP1000(SALTA5_HEX, "94442c8d931dc9ba")
#define FP600K_TOK1 "pbkdf2-sha256$600000$" SALT0_HEX "$66b8653931dfcd3d"
#define FP600K_TOK2 "pbkdf2-sha256$600000$" SALT0_HEX "$96638be3edafb4fc"

static const unsigned char salt0[CASSETTE_SALT_LEN] = {0, 1, 2,  3,  4,  5,  6,  7,
                                                       8, 9, 10, 11, 12, 13, 14, 15};

/* Asks a replay to match credentials, for a request without Authorization. */
static const char ANON[] = "(no Authorization)";

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

/* The n-th warning of a load with the temporary file name replaced by FILE, or NULL. */
static char *
warning_of(const struct cassette *c, size_t i, const char *path)
{
	const char *w = cassette_warning(c, i);
	char *out;

	if (w == NULL)
		return NULL;
	ck_assert_msg(strncmp(w, path, strlen(path)) == 0, "warning does not name the file: %s", w);
	out = malloc(strlen(w) + 8);
	ck_assert_ptr_nonnull(out);
	sprintf(out, "FILE%s", w + strlen(path));
	return out;
}

static void
parse_query(struct query *q, const char *raw)
{
	ck_assert_int_eq(query_parse(q, raw, strlen(raw)), 0);
}

/*
 * Replays `method path?raw`; the answer or the miss text is left in *a and miss. auth NULL
 * ignores credentials; ANON matches them for a request without Authorization; anything else
 * is the Authorization value.
 */
static int
ask(struct cassette *c, const char *method, const char *path, const char *raw, const char *auth,
    struct cassette_answer *a, char *miss, size_t misslen)
{
	struct query q;

	parse_query(&q, raw);
	memset(a, 0, sizeof(*a));
	if (miss != NULL && misslen > 0)
		miss[0] = '\0';
	return cassette_replay(c, method, path, &q, auth != NULL, auth == ANON ? NULL : auth, a,
	                       miss, misslen);
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

/* Opens a recorder that has nothing to warn about. */
static struct cassette_recorder *
open_recorder(const char *path, const char *const *redact, size_t n)
{
	char err[256] = "", warn[512] = "x";
	struct cassette_recorder *rec =
	    cassette_recorder_open(path, redact, n, warn, sizeof(warn), err, sizeof(err));

	ck_assert_msg(rec != NULL, "open failed: %s", err);
	ck_assert_str_eq(warn, "");
	return rec;
}

/* Records e and demands success. */
static void
record_ok(struct cassette_recorder *rec, const struct cassette_exchange *e)
{
	char err[512] = "";

	ck_assert_msg(cassette_record(rec, e, err, sizeof(err)) == CASSETTE_RECORDED, "%s", err);
}

/*
 * Checks that cred is a salted fingerprint of auth with CASSETTE_KDF_ITERATIONS rounds, as
 * cassette_fingerprint makes it with the salt written in it; returns the salt's hex.
 */
static void
check_salted(const char *cred, const char *auth, char salt_hex[2 * CASSETTE_SALT_LEN + 1])
{
	static const char prefix[] = "pbkdf2-sha256$600000$";
	unsigned char salt[CASSETTE_SALT_LEN];
	char want[CASSETTE_FINGERPRINT_MAX];

	ck_assert_msg(strncmp(cred, prefix, sizeof(prefix) - 1) == 0, "%s", cred);
	ck_assert_uint_eq(strlen(cred), sizeof(prefix) - 1 + 2 * CASSETTE_SALT_LEN + 1 + 16);
	ck_assert_int_eq(cred[sizeof(prefix) - 1 + 2 * CASSETTE_SALT_LEN], '$');
	for (size_t i = 0; i < CASSETTE_SALT_LEN; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(cred + sizeof(prefix) - 1 + 2 * i, "%2x", &v), 1);
		salt[i] = (unsigned char)v;
	}
	ck_assert_int_eq(cassette_fingerprint(auth, salt, CASSETTE_KDF_ITERATIONS, want), 0);
	ck_assert_str_eq(cred, want);
	memcpy(salt_hex, cred + sizeof(prefix) - 1, 2 * CASSETTE_SALT_LEN);
	salt_hex[2 * CASSETTE_SALT_LEN] = '\0';
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
	record_ok(rec, e);
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
	char *text, want[2048], salt[2 * CASSETTE_SALT_LEN + 1];
	json_t *line;

	parse_query(&q, "fromDateTime=2025-01-01T00%3A00%3A00Z&cursor=abc&limit=5");
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
	char fp[CASSETTE_FINGERPRINT_MAX];
	unsigned char salt_a5[CASSETTE_SALT_LEN];

	ck_assert_int_eq(cassette_fingerprint(AUTH_BASIC, salt0, 1000, fp), 0);
	ck_assert_str_eq(fp, FP1000_BASIC);
	ck_assert_int_eq(cassette_fingerprint(AUTH_TOK1, salt0, 1000, fp), 0);
	ck_assert_str_eq(fp, FP1000_TOK1);
	ck_assert_int_eq(cassette_fingerprint(AUTH_TOK2, salt0, 1000, fp), 0);
	ck_assert_str_eq(fp, FP1000_TOK2);
	/* An empty Authorization is a credential, unlike none at all. */
	ck_assert_int_eq(cassette_fingerprint("", salt0, 1000, fp), 0);
	ck_assert_str_eq(fp, FP1000_EMPTY);
	ck_assert_int_eq(cassette_fingerprint(NULL, salt0, 1000, fp), 0);
	ck_assert_str_eq(fp, "");
	/* Another salt, another fingerprint of the same credential. */
	memset(salt_a5, 0xa5, sizeof(salt_a5));
	ck_assert_int_eq(cassette_fingerprint(AUTH_TOK1, salt_a5, 1000, fp), 0);
	ck_assert_str_eq(fp, FP1000_TOK1_A5);
	/* The rounds the recorder uses. */
	ck_assert_int_eq(cassette_fingerprint(AUTH_TOK1, salt0, CASSETTE_KDF_ITERATIONS, fp), 0);
	ck_assert_str_eq(fp, FP600K_TOK1);
	/* Rounds out of range are refused, never a weak or endless derivation. */
	strcpy(fp, "x");
	ck_assert_int_eq(cassette_fingerprint(AUTH_TOK1, salt0, 0, fp), -1);
	ck_assert_str_eq(fp, "");
	ck_assert_int_eq(cassette_fingerprint(AUTH_TOK1, salt0, 10000001, fp), -1);
	ck_assert_int_eq(CASSETTE_KDF_ITERATIONS, 600000);
}
END_TEST

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Confirming a guess costs a full derivation: tens of milliseconds, not microseconds. */
START_TEST(test_fingerprint_is_slow)
{
	char fp[CASSETTE_FINGERPRINT_MAX];
	double t0 = mono_s();

	ck_assert_int_eq(cassette_fingerprint(AUTH_TOK2, salt0, CASSETTE_KDF_ITERATIONS, fp), 0);
	ck_assert_msg(mono_s() - t0 > 0.01, "one fingerprint took %.6f s", mono_s() - t0);
	ck_assert_str_eq(fp, FP600K_TOK2);
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
	char path[64], salts[5][2 * CASSETTE_SALT_LEN + 1];
	struct cassette_recorder *rec;
	char *file;
	json_t *l[5];

	tmp_file(path);
	rec = open_recorder(path, NULL, 0);
	for (size_t i = 0; i < 3; i++) {
		struct cassette_exchange e = exchange(NULL, auths[i], 200, "{\"calls\":[]}");

		record_ok(rec, &e);
	}
	cassette_recorder_close(rec);
	/* Appending later: the same salt again. */
	rec = open_recorder(path, NULL, 0);
	for (size_t i = 3; i < 5; i++) {
		struct cassette_exchange e =
		    exchange(NULL, i < 4 ? auths[i] : NULL, 200, "{\"calls\":[]}");

		record_ok(rec, &e);
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
	char p1[64], p2[64], s1[2 * CASSETTE_SALT_LEN + 1], s2[2 * CASSETTE_SALT_LEN + 1];
	struct cassette_exchange e = exchange(NULL, AUTH_TOK1, 200, "{}");
	struct cassette_recorder *rec;
	json_t *l1, *l2;
	char *f1, *f2;

	tmp_file(p1);
	tmp_file(p2);
	rec = open_recorder(p1, NULL, 0);
	record_ok(rec, &e);
	cassette_recorder_close(rec);
	rec = open_recorder(p2, NULL, 0);
	record_ok(rec, &e);
	cassette_recorder_close(rec);
	f1 = read_file(p1, NULL);
	f2 = read_file(p2, NULL);
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
		ck_assert_ptr_null(
		    cassette_recorder_open(path, list, 2, NULL, 0, err, sizeof(err)));
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
		record_ok(rec, &e);
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
		record_ok(rec, &e);
	}
	cassette_recorder_close(rec);
	c = cassette_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(cassette_count(c), 6);
	/* Six identical requests: the answers come back in the order they were recorded. */
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		struct cassette_answer a;
		char body[64];

		ck_assert_int_eq(ask(c, "GET", "/v2/calls", "", AUTH_TOK1, &a, NULL, 0), 1);
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
	record_ok(rec, &e);
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
		if (cassette_record(w->rec, &e, NULL, 0) != CASSETTE_RECORDED)
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
	struct cassette_recorder *rec;
	struct cassette_exchange e = exchange(NULL, NULL, 200, "{\"calls\":[]}");
	struct cassette *c;
	char *file, *line;

	tmp_file(path);
	snprintf(text, sizeof(text), "%s\n{\"request\":{\"meth", good);
	write_file(path, text);
	rec = cassette_recorder_open(path, NULL, 0, warn, sizeof(warn), err, sizeof(err));
	ck_assert_msg(rec != NULL, "%s", err);
	snprintf(want, sizeof(want),
	         "%s: cut off its last 17 bytes, a line cut short (no newline, not JSON) by an "
	         "interrupted recording; new exchanges follow the last whole line",
	         path);
	ck_assert_str_eq(warn, want);
	record_ok(rec, &e);
	record_ok(rec, &e);
	cassette_recorder_close(rec);
	file = read_file(path, NULL);
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
	write_file(path, good);
	rec = open_recorder(path, NULL, 0);
	record_ok(rec, &e);
	cassette_recorder_close(rec);
	file = read_file(path, NULL);
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

		tmp_file(path);
		write_file(path, others[i]);
		err[0] = '\0';
		ck_assert_ptr_null(
		    cassette_recorder_open(path, NULL, 0, NULL, 0, err, sizeof(err)));
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

		record_ok(rec, &e);
		cassette_recorder_close(rec);
	}
	cassette_recorder_close(NULL);
	ck_assert_ptr_null(cassette_recorder_open(NULL, NULL, 0, NULL, 0, err, sizeof(err)));
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
	record_ok(rec, &e);
	e = exchange(&q2, "Bearer tok-1", 200, "{ \"requestId\" : \"b\" , \"calls\" : [ ] }");
	e.traceid = "b";
	record_ok(rec, &e);
	cassette_recorder_close(rec);
	c = cassette_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(cassette_count(c), 2);
	ck_assert_int_eq(ask(c, "GET", "/v2/calls",
	                     "fromDateTime=2025-01-01T00%3A00%3A00%2B00%3A00", AUTH_TOK1, &a, NULL,
	                     0),
	                 1);
	ck_assert_str_eq(a.body, "{\"requestId\":\"a\",\"records\":{\"cursor\":\"eyJ.p.s\"},"
	                         "\"calls\":[]}");
	ck_assert_str_eq(a.traceid, "a");
	ck_assert_str_eq(a.content_type, CT_JSON);
	ck_assert_uint_eq(a.line, 1);
	ck_assert_int_eq(ask(c, "GET", "/v2/calls",
	                     "cursor=eyJ.p.s&fromDateTime=2025-01-01T00:00:00Z", AUTH_TOK1, &a,
	                     NULL, 0),
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
	ck_assert_int_eq(ask(c, "GET", "/x", "", ANON, &a, NULL, 0), 1);
	ck_assert_uint_eq(a.status, 204);
	ck_assert_uint_eq(a.line, 5);
	ck_assert_str_eq(a.body, "null");
	ck_assert_str_eq(a.content_type, "text/plain");
	ck_assert_uint_eq(cassette_replay(c, "GET", "/x", NULL, 0, NULL, &a, NULL, 0), 1);
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
	ck_assert_int_eq(cassette_replay(c, "GET", "/v2/calls", NULL, 0, NULL, &a, NULL, 0), 1);
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
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", ANON), 1);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", ANON), 3);
	cassette_rewind(c);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", ANON), 1);
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
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", AUTH_TOK2), 2);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", AUTH_TOK1), 1);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", AUTH_TOK2), 2);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", AUTH_TOK1), 3);
	missed(c, "GET", "/v2/calls", "a=1", AUTH_BASIC, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls?a=1 with credential " FP_BASIC
	                 "; closest recorded (line 1): GET /v2/calls?a=1 with credential " FP_TOK1
	                 ", differs in credential");
	missed(c, "GET", "/v2/calls", "a=2", ANON, miss, sizeof(miss));
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

	add_line(text, sizeof(text), "[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"]]", FP1000_TOK1,
	         200,
	         "{\"requestId\":\"p0\",\"records\":{\"totalRecords\":3,\"currentPageSize\":2,"
	         "\"currentPageNumber\":0,\"cursor\":\"eyJhbGciOiJIUzI1NiJ9.eyJuIjoxfQ.c2ln\"},"
	         "\"calls\":[{\"id\":\"1\"},{\"id\":\"2\"}]}");
	add_line(text, sizeof(text),
	         "[[\"fromDateTime\",\"2025-01-01T00:00:00Z\"],[\"cursor\",\"eyJhbGciOiJIUzI1NiJ9."
	         "eyJuIjoxfQ.c2ln\"]]",
	         FP1000_TOK1, 200,
	         "{\"requestId\":\"p1\",\"records\":{\"totalRecords\":3,\"currentPageSize\":1,"
	         "\"currentPageNumber\":1},\"calls\":[{\"id\":\"3\"}]}");
	add_line(text, sizeof(text), "[[\"cursor\",\"eyJhbGciOiJIUzI1NiJ9.eyJuIjoxfQ.c2ln\"]]",
	         FP1000_TOK1, 400, "{\"errors\":[\"cursor has expired\"]}");
	c = load_text(path, text);
	ck_assert_int_eq(ask(c, "GET", "/v2/calls", "fromDateTime=2025-01-01T00:00:00Z", AUTH_TOK1,
	                     &a, miss, sizeof(miss)),
	                 1);
	page = json_loads(a.body, 0, NULL);
	cursor = json_string_value(json_object_get(json_object_get(page, "records"), "cursor"));
	ck_assert_str_eq(cursor, "eyJhbGciOiJIUzI1NiJ9.eyJuIjoxfQ.c2ln");
	snprintf(raw, sizeof(raw), "fromDateTime=2025-01-01T00:00:00Z&cursor=%s", cursor);
	json_decref(page);
	ck_assert_int_eq(ask(c, "GET", "/v2/calls", raw, AUTH_TOK1, &a, miss, sizeof(miss)), 1);
	ck_assert_str_eq(a.body,
	                 "{\"requestId\":\"p1\",\"records\":{\"totalRecords\":3,"
	                 "\"currentPageSize\":1,\"currentPageNumber\":1},\"calls\":[{\"id\":"
	                 "\"3\"}]}");
	/* The cursor alone is another request, recorded with its own answer. */
	ck_assert_uint_eq(
	    hit(c, "GET", "/v2/calls", "cursor=eyJhbGciOiJIUzI1NiJ9.eyJuIjoxfQ.c2ln", AUTH_TOK1),
	    3);
	missed(c, "GET", "/v2/calls", "fromDateTime=2025-01-01T00:00:00Z&cursor=eyJother",
	       AUTH_TOK1, miss, sizeof(miss));
	ck_assert_str_eq(miss,
	                 "no recorded answer for GET /v2/calls?fromDateTime=2025-01-01T00:00:"
	                 "00Z&cursor=eyJother with credential 100c2e6fa8596d59; closest recorded "
	                 "(line 1): GET /v2/calls?fromDateTime=2025-01-01T00:00:00Z with "
	                 "credential 100c2e6fa8596d59, differs in cursor");
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

		if (cassette_replay(r->c, "GET", "/v2/calls", &q, 0, NULL, &a, NULL, 0) != 1)
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
	char path[64], text[8192] = "", err[256] = "", warn[512] = "x", want[512];
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
	json = cassette_calls_json(path, &len, warn, sizeof(warn), err, sizeof(err));
	ck_assert_msg(json != NULL, "%s", err);
	ck_assert_str_eq(json, "[{\"id\":\"1\",\"title\":\"new\",\"extra\":null},{\"id\":\"2\","
	                       "\"title\":\"two\"},{\"id\":\"3\",\"title\":\"three\"}]");
	ck_assert_uint_eq(len, strlen(json));
	ck_assert_str_eq(warn, "");
	free(json);
	/* A last line cut short is dropped, with a warning; the calls before it stay. */
	strcat(text, "{\"request\":{\"method\":\"GET\",\"path\":\"/v2/calls\"},\"resp");
	write_file(path, text);
	json = cassette_calls_json(path, &len, warn, sizeof(warn), err, sizeof(err));
	ck_assert_msg(json != NULL, "%s", err);
	ck_assert_str_eq(json, "[{\"id\":\"1\",\"title\":\"new\",\"extra\":null},{\"id\":\"2\","
	                       "\"title\":\"two\"},{\"id\":\"3\",\"title\":\"three\"}]");
	snprintf(want, sizeof(want),
	         "%s: line 8: dropped: the last line is cut short (no newline, not JSON), as an "
	         "interrupted recording leaves it; the lines before it are read",
	         path);
	ck_assert_str_eq(warn, want);
	free(json);
	unlink(path);
}
END_TEST

START_TEST(test_calls_json_errors)
{
	char path[64], text[4096] = "", err[256], warn[512];
	size_t len = 0;

	/* No list answer at all. */
	add_line(text, sizeof(text), "[]", "", 404, "{\"errors\":[\"No calls found\"]}");
	tmp_file(path);
	write_file(path, text);
	err[0] = '\0';
	ck_assert_ptr_null(cassette_calls_json(path, &len, warn, sizeof(warn), err, sizeof(err)));
	ck_assert_int_eq(strncmp(err, path, strlen(path)), 0);
	ck_assert_str_eq(err + strlen(path),
	                 ": holds no 200 answer to GET /v2/calls with a calls array");

	/* A bad line, named by number. */
	strcat(text, "\n{\"request\":{},\"response\":{\"status\":200}}\n");
	write_file(path, text);
	ck_assert_ptr_null(cassette_calls_json(path, &len, warn, sizeof(warn), err, sizeof(err)));
	ck_assert_str_eq(err + strlen(path),
	                 ": line 3: \"request.method\" must be a non-empty string");

	/* A call without an id cannot be deduplicated, nor served. */
	text[0] = '\0';
	add_line(text, sizeof(text), "[]", "", 200, "{\"calls\":[{\"id\":\"1\"},{\"id\":2}]}");
	write_file(path, text);
	ck_assert_ptr_null(cassette_calls_json(path, &len, warn, sizeof(warn), err, sizeof(err)));
	ck_assert_str_eq(err + strlen(path), ": line 1: \"response.body.calls\" item 1 is not a "
	                                     "call with a string \"id\"");
	unlink(path);

	ck_assert_ptr_null(cassette_calls_json("/tmp/test_cassette-does-not-exist", &len, NULL, 0,
	                                       err, sizeof(err)));
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

/*
 * Failed writes, torn lines.
 */

/* /dev/full takes the open and refuses every write, as a full disk does. */
START_TEST(test_record_write_failure_reported_once)
{
	struct cassette_exchange e = exchange(NULL, AUTH_TOK1, 200, "{\"calls\":[]}");
	struct cassette_recorder_stats st;
	struct cassette_recorder *rec;
	char err[512] = "";

	rec = open_recorder("/dev/full", NULL, 0);
	cassette_recorder_stats(rec, &st);
	ck_assert_str_eq(st.path, "/dev/full");
	ck_assert_uint_eq(st.recorded, 0);
	ck_assert_uint_eq(st.failed, 0);
	ck_assert_int_eq(st.stopped, 0);
	ck_assert_str_eq(st.last_error, "");

	ck_assert_int_eq(cassette_record(rec, &e, err, sizeof(err)), CASSETTE_RECORD_FAILED);
	ck_assert_str_eq(err, "/dev/full: write failed: No space left on device; recording "
	                      "stopped after 0 exchanges, which the file keeps as whole lines; "
	                      "later exchanges are not recorded");
	/* Only the first failure asks to be logged; the others are counted. */
	for (int i = 0; i < 3; i++) {
		err[0] = '\0';
		ck_assert_int_eq(cassette_record(rec, &e, err, sizeof(err)),
		                 CASSETTE_RECORD_STOPPED);
		ck_assert_str_eq(err, "/dev/full: recording stopped: write failed: No space left "
		                      "on device");
	}
	ck_assert_int_eq(cassette_record(rec, &e, NULL, 0), CASSETTE_RECORD_STOPPED);
	cassette_recorder_stats(rec, &st);
	ck_assert_uint_eq(st.recorded, 0);
	ck_assert_uint_eq(st.failed, 5);
	ck_assert_int_eq(st.stopped, 1);
	ck_assert_str_eq(st.last_error, "write failed: No space left on device");
	cassette_recorder_close(rec);
	cassette_recorder_stats(NULL, &st);
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
	struct cassette_recorder_stats st;
	struct cassette_recorder *rec;
	struct cassette_exchange e;
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
	tmp_file(path);
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
	ck_assert_int_eq(cassette_record(rec, &e, err, sizeof(err)), CASSETTE_RECORD_FAILED);
	ck_assert_msg(strstr(err, ": write failed: File too large; recording stopped after 2 "
	                          "exchanges") != NULL,
	              "%s", err);
	ck_assert_int_eq(strncmp(err, path, strlen(path)), 0);
	/* Cut back to the two whole lines; nothing is appended after the failure. */
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, two);
	e = exchange(NULL, NULL, 200, "{\"n\":4}");
	ck_assert_int_eq(cassette_record(rec, &e, NULL, 0), CASSETTE_RECORD_STOPPED);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, two);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	cassette_recorder_stats(rec, &st);
	ck_assert_uint_eq(st.recorded, 2);
	ck_assert_uint_eq(st.failed, 2);
	ck_assert_int_eq(st.stopped, 1);
	ck_assert_str_eq(st.last_error, "write failed: File too large");
	cassette_recorder_close(rec);
	file = read_file(path, NULL);
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
	char *w;

	for (size_t i = 0; i < sizeof(torn) / sizeof(torn[0]); i++) {
		c = load_text(path, torn[i]);
		ck_assert_uint_eq(cassette_count(c), 2);
		w = warning_of(c, 0, path);
		ck_assert_ptr_nonnull(w);
		snprintf(
		    want, sizeof(want),
		    "FILE: line %zu: dropped: the last line is cut short (no newline, not "
		    "JSON), as an interrupted recording leaves it; the lines before it are read",
		    lines[i]);
		ck_assert_str_eq(w, want);
		ck_assert_ptr_null(cassette_warning(c, 1));
		free(w);
		ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "", NULL), 1);
		cassette_free(c);
		unlink(path);
	}
	/* A cut first line: an empty cassette, with the warning. */
	c = load_text(path, "{\"request\":");
	ck_assert_uint_eq(cassette_count(c), 0);
	ck_assert_ptr_nonnull(cassette_warning(c, 0));
	cassette_free(c);
	unlink(path);
	/* A whole cassette warns of nothing. */
	c = load_text(path, EX_OK EX_OK);
	ck_assert_ptr_null(cassette_warning(c, 0));
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

/* Appending to a cassette of the old unsalted kind: allowed, and said so. */
START_TEST(test_recorder_warns_of_unsalted_lines)
{
	char path[64], text[2048] = "", err[256] = "", warn[1024] = "", want[1024];
	struct cassette_exchange e = exchange(NULL, AUTH_TOK1, 200, "{}");
	struct cassette_recorder *rec;
	struct cassette *c;
	char *file, *last, *w, salt[2 * CASSETTE_SALT_LEN + 1];
	json_t *j;

	add_line(text, sizeof(text), "[]", "", 200, "{}");
	add_line(text, sizeof(text), "[]", FP_TOK1, 200, "{}");
	tmp_file(path);
	write_file(path, text);
	rec = cassette_recorder_open(path, NULL, 0, warn, sizeof(warn), err, sizeof(err));
	ck_assert_msg(rec != NULL, "%s", err);
	snprintf(want, sizeof(want),
	         "%s: line 2 (and maybe others) holds a credential fingerprint in the old "
	         "unsalted form, against which a guessed secret is quickly checked; new exchanges "
	         "get salted ones, but the old lines stay as they are: record to a new file to be "
	         "rid of them",
	         path);
	ck_assert_str_eq(warn, want);
	record_ok(rec, &e);
	cassette_recorder_close(rec);
	file = read_file(path, NULL);
	last = nth_line(file, 2);
	j = json_loads(last, 0, NULL);
	check_salted(credential_of(j), AUTH_TOK1, salt);
	json_decref(j);
	free(last);
	free(file);
	/* Both kinds load and match; the load warns of the unsalted one. */
	c = cassette_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	w = warning_of(c, 0, path);
	ck_assert_str_eq(w, "FILE: 1 exchanges (line 2 first) hold credential fingerprints in the "
	                    "old unsalted form, against which a guessed secret is quickly "
	                    "checked: record the cassette again to replace them (replay still "
	                    "matches them)");
	free(w);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "", AUTH_TOK1), 3);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "", AUTH_TOK1), 3);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "", ANON), 1);
	cassette_free(c);
	unlink(path);
}
END_TEST

/* A cassette salted with fewer rounds than the recorder uses is not appended to. */
START_TEST(test_recorder_refuses_weak_rounds)
{
	char path[64], text[2048] = "", err[512] = "", want[512];

	add_line(text, sizeof(text), "[]", FP1000_TOK1, 200, "{}");
	tmp_file(path);
	write_file(path, text);
	ck_assert_ptr_null(cassette_recorder_open(path, NULL, 0, NULL, 0, err, sizeof(err)));
	snprintf(want, sizeof(want),
	         "%s: its credential fingerprints take 1000 PBKDF2 rounds, fewer than the 600000 "
	         "gongmock writes; record to a new file",
	         path);
	ck_assert_str_eq(err, want);
	unlink(path);
	/* Paths that cannot be written are refused at once, with the reason. */
	ck_assert_ptr_null(cassette_recorder_open("/tmp/test_cassette-no-such-dir/c.jsonl", NULL, 0,
	                                          NULL, 0, err, sizeof(err)));
	ck_assert_str_eq(err, "/tmp/test_cassette-no-such-dir/c.jsonl: cannot open for writing: No "
	                      "such file or directory");
	ck_assert_ptr_null(cassette_recorder_open("/tmp", NULL, 0, NULL, 0, err, sizeof(err)));
	ck_assert_str_eq(err, "/tmp: cannot open for writing: Is a directory");
}
END_TEST

/* Salted lines match the credential they were made from, and only that one. */
START_TEST(test_replay_salted_fingerprints)
{
	char path[64], text[4096] = "", miss[512];
	struct cassette *c;

	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP1000_TOK1, 200, "{\"n\":1}");
	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP1000_TOK2, 200, "{\"n\":2}");
	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", "", 200, "{\"n\":3}");
	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP1000_EMPTY, 200, "{\"n\":4}");
	c = load_text(path, text);
	ck_assert_ptr_null(cassette_warning(c, 0));
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", AUTH_TOK2), 2);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", AUTH_TOK1), 1);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", ANON), 3);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", ""), 4);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", NULL), 1);
	/* The message shows the hash of each fingerprint, never a credential. */
	missed(c, "GET", "/v2/calls", "a=1", AUTH_BASIC, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?a=1 with credential "
	                       "c5e9396b7a701028; closest recorded (line 1): GET /v2/calls?a=1 "
	                       "with credential 100c2e6fa8596d59, differs in credential");
	missed(c, "GET", "/v2/calls", "a=2", AUTH_TOK2, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?a=2 with credential "
	                       "700bc945f68629d7; closest recorded (line 2): GET /v2/calls?a=1 "
	                       "with credential 700bc945f68629d7, differs in a");
	cassette_free(c);
	unlink(path);
}
END_TEST

/* Lines salted otherwise than the first salted one cannot match, and the load says so. */
START_TEST(test_replay_foreign_salt)
{
	char path[64], text[4096] = "", miss[512];
	struct cassette *c;
	char *w;

	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", "", 200, "{\"n\":1}");
	add_line(text, sizeof(text), "[[\"a\",\"1\"],[\"b\",\"1\"]]", FP1000_TOK1, 200,
	         "{\"n\":2}");
	add_line(text, sizeof(text), "[[\"a\",\"2\"]]", FP1000_TOK1_A5, 200, "{\"n\":3}");
	add_line(text, sizeof(text), "[[\"a\",\"3\"]]", "pbkdf2-sha256$1000$zz$00", 200,
	         "{\"n\":4}");
	c = load_text(path, text);
	w = warning_of(c, 0, path);
	ck_assert_str_eq(w, "FILE: 2 exchanges (line 3 first) hold credential fingerprints not "
	                    "salted as line 2 is (joined from another recording, or edited): when "
	                    "credentials are matched, they match no request");
	free(w);
	ck_assert_ptr_null(cassette_warning(c, 1));
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "b=1&a=1", AUTH_TOK1), 2);
	missed(c, "GET", "/v2/calls", "a=2", AUTH_TOK1, miss, sizeof(miss));
	ck_assert_str_eq(miss, "no recorded answer for GET /v2/calls?a=2 with credential "
	                       "100c2e6fa8596d59; closest recorded (line 3): GET /v2/calls?a=2 "
	                       "with credential 94442c8d931dc9ba, differs in credential");
	/* Without credentials they answer as any line does. */
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=2", NULL), 3);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=3", NULL), 4);
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
	double t0, first, rest;

	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP600K_TOK1, 200, "{\"n\":1}");
	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP600K_TOK2, 200, "{\"n\":2}");
	c = load_text(path, text);
	t0 = mono_s();
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", AUTH_TOK1), 1);
	first = mono_s() - t0;
	ck_assert_msg(first > 0.01, "the first replay took %.6f s: no derivation?", first);
	t0 = mono_s();
	for (int i = 0; i < 2000; i++)
		ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", AUTH_TOK1), 1);
	rest = mono_s() - t0;
	ck_assert_msg(rest < 10 * first, "2000 replays took %.3f s, the first %.3f s", rest, first);
	/* Another credential is derived on its own, and cached on its own. */
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", AUTH_TOK2), 2);
	ck_assert_uint_eq(hit(c, "GET", "/v2/calls", "a=1", AUTH_TOK1), 1);
	cassette_free(c);
	unlink(path);
}
END_TEST

#define CRED_THREADS 4
#define CRED_ROUNDS 50

struct cred_replayer {
	struct cassette *c;
	const char *auth;
	size_t want;
	int failures;
};

static void *
cred_replayer_run(void *arg)
{
	struct cred_replayer *r = arg;
	struct query q;

	if (query_parse(&q, "a=1", 3) != 0) {
		r->failures++;
		return NULL;
	}
	for (int i = 0; i < CRED_ROUNDS; i++) {
		struct cassette_answer a = {0};

		if (cassette_replay(r->c, "GET", "/v2/calls", &q, 1, r->auth, &a, NULL, 0) != 1 ||
		    a.line != r->want)
			r->failures++;
	}
	return NULL;
}

/* Threads asking with two credentials at once, from the first request on, each get theirs. */
START_TEST(test_replay_threads_with_credentials)
{
	char path[64], text[4096] = "";
	struct cred_replayer r[CRED_THREADS];
	pthread_t t[CRED_THREADS];
	struct cassette *c;

	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP1000_TOK1, 200, "{\"n\":1}");
	add_line(text, sizeof(text), "[[\"a\",\"1\"]]", FP1000_TOK2, 200, "{\"n\":2}");
	c = load_text(path, text);
	for (size_t i = 0; i < CRED_THREADS; i++) {
		r[i] = (struct cred_replayer){c, i % 2 ? AUTH_TOK2 : AUTH_TOK1, i % 2 ? 2 : 1, 0};
		ck_assert_int_eq(pthread_create(&t[i], NULL, cred_replayer_run, &r[i]), 0);
	}
	for (size_t i = 0; i < CRED_THREADS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(r[i].failures, 0);
	}
	cassette_free(c);
	unlink(path);
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
	tcase_add_test(tc, test_fingerprint_is_slow);
	tcase_add_test(tc, test_record_no_credential_value);
	tcase_add_test(tc, test_record_salt_per_cassette);
	tcase_add_test(tc, test_record_redaction);
	tcase_add_test(tc, test_redactable);
	tcase_add_test(tc, test_recorder_refuses_fields);
	tcase_add_test(tc, test_record_non_json_bodies);
	tcase_add_test(tc, test_record_error_statuses);
	tcase_add_test(tc, test_record_odd_query_bytes);
	tcase_add_test(tc, test_record_after_cut_line);
	tcase_add_test(tc, test_recorder_refuses_other_files);
	tcase_add_test(tc, test_record_then_replay);
	tcase_add_test(tc, test_record_write_failure_reported_once);
	tcase_add_test(tc, test_record_short_write_cut_back);
	tcase_add_test(tc, test_recorder_warns_of_unsalted_lines);
	tcase_add_test(tc, test_recorder_refuses_weak_rounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_load_missing_file);
	tcase_add_test(tc, test_load_lenient_shapes);
	tcase_add_test(tc, test_load_torn_last_line);
	tcase_add_test(tc, test_load_bad_line_before_the_last);
	suite_add_tcase(s, tc);

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
	tcase_add_test(tc, test_replay_threads_with_credentials);
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
