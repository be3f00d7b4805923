/*
 * test_upstream.c - proxy, record and replay end to end. A second gongmock in mock mode plays
 * the upstream; a proxy in front of it must pass its answers through unchanged, record them
 * without secrets, and a fresh instance must replay them in order, fail loudly on a request
 * it never saw, and serve the recording as a dataset. A recording that cannot be written
 * must show in the log (once), health and metrics while the proxy goes on serving, and a
 * path that cannot be written must stop start-up. A POST goes up with its body and type as
 * sent, and is recorded without its credentials. Also: the upstream down, too slow, speaking
 * garbage or closing mid-body, and an HTTPS upstream with a private CA. A request with
 * credentials is never answered with what was recorded without, nor the reverse.
 */
#define _DEFAULT_SOURCE /* kill */
#include "harness.h"

#include "fingerprint.h"

#include <check.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* base64("supersecretkey:supersecretvalue") */
#define SECRET_AUTH "Basic c3VwZXJzZWNyZXRrZXk6c3VwZXJzZWNyZXR2YWx1ZQ=="
/* SECRET_AUTH's fingerprint in the old unsalted form, worked out with sha256sum(1). */
#define SECRET_UNSALTED "a9780ad6ef99"

static struct harness_server up, px;
static char cassette[256];

static void
start_pair(void)
{
	char upstream[64];
	const char *upflags[] = {"--page-size", "25", NULL};
	const char *pxflags[] = {"--upstream", upstream,   "--record", cassette, "--redact",
	                         "meetingUrl", "--redact", "title",    NULL};

	harness_start(&up, upflags);
	snprintf(upstream, sizeof(upstream), "http://127.0.0.1:%u", up.port);
	harness_temp_file("", ".jsonl", cassette, sizeof(cassette));
	harness_start(&px, pxflags);
}

static void
stop_pair(void)
{
	harness_stop(&px);
	harness_stop(&up);
	unlink(cassette);
}

static void
get_as(const struct harness_server *s, const char *target, struct harness_reply *r)
{
	harness_request(s, NULL, target, SECRET_AUTH, NULL, NULL, r);
}

/* The body with the requestId's value blanked, for comparing two answers of one walk. */
static char *
without_request_id(const char *body)
{
	char *copy = strdup(body);
	char *p = strstr(copy, "\"requestId\":\"");

	if (p != NULL) {
		p += 13;
		while (*p != '"' && *p != '\0')
			*p++ = 'x';
	}
	return copy;
}

/* Walks every page through s with the cursor alone; returns the bodies (NULL-terminated). */
static char **
walk(const struct harness_server *s, const char *query)
{
	char **bodies = calloc(64, sizeof(*bodies));
	char target[2048], esc[1024];
	size_t n = 0;
	struct harness_reply r;

	snprintf(target, sizeof(target), "/v2/calls?%s", query);
	for (;;) {
		json_t *cur;

		get_as(s, target, &r);
		ck_assert_msg(r.status == 200, "page %zu: %ld %s", n, r.status, r.body);
		ck_assert_uint_lt(n, 63);
		bodies[n++] = strdup(r.body);
		cur = json_object_get(json_object_get(r.json, "records"), "cursor");
		if (cur == NULL) {
			harness_reply_free(&r);
			break;
		}
		harness_escape(json_string_value(cur), esc, sizeof(esc));
		snprintf(target, sizeof(target), "/v2/calls?cursor=%s", esc);
		harness_reply_free(&r);
	}
	return bodies;
}

static void
free_bodies(char **b)
{
	size_t i;

	for (i = 0; b[i] != NULL; i++)
		free(b[i]);
	free(b);
}

START_TEST(proxied_walk_is_the_upstreams_answer)
{
	const char *q = "fromDateTime=2025-01-01T00:00:00Z&toDateTime=2025-03-01T00:00:00Z";
	char **direct = walk(&up, q);
	char **proxied = walk(&px, q);
	struct harness_reply r, jr;
	char trace[64];
	size_t i;

	for (i = 0; direct[i] != NULL || proxied[i] != NULL; i++) {
		char *a, *b;

		ck_assert_ptr_nonnull(direct[i]);
		ck_assert_ptr_nonnull(proxied[i]);
		/* Cursors embed their expiry in seconds: compare pages by calls and records. */
		a = without_request_id(direct[i]);
		b = without_request_id(proxied[i]);
		ck_assert_str_eq(strstr(a, "\"calls\":"), strstr(b, "\"calls\":"));
		free(a);
		free(b);
	}
	ck_assert_uint_ge(i, 3);
	free_bodies(direct);
	free_bodies(proxied);

	/* The client sees the upstream's requestId, which the upstream did send. */
	get_as(&px, "/v2/calls?workspaceId=9391112992383559384", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(harness_header(&r, "x-traceid", trace, sizeof(trace)));
	ck_assert_str_eq(trace, json_string_value(json_object_get(r.json, "requestId")));
	harness_request(&up, NULL, "/__admin/requests?limit=1", NULL, NULL, NULL, &jr);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(jr.json, "requests"), 0), "requestId")),
	                 trace);
	harness_reply_free(&jr);
	/* And the proxy's journal holds its own id for the same request, not the upstream's. */
	harness_request(&px, NULL, "/__admin/requests?limit=1", NULL, NULL, NULL, &jr);
	ck_assert_str_ne(json_string_value(json_object_get(
	                     json_array_get(json_object_get(jr.json, "requests"), 0), "requestId")),
	                 trace);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(jr.json, "requests"), 0), "source")),
	                 "upstream");
	harness_reply_free(&jr);
	harness_reply_free(&r);
}
END_TEST

START_TEST(upstream_errors_pass_through_unchanged)
{
	struct harness_reply r;
	char buf[64];

	harness_request(
	    &up, "POST", "/__admin/faults", NULL, NULL,
	    "{\"rules\":[{\"match\":{\"query\":{\"workspaceId\":\"1\"}},"
	    "\"respond\":{\"status\":429,\"retryAfter\":3}},"
	    "{\"match\":{\"query\":{\"workspaceId\":\"2\"}},\"respond\":{\"status\":500}}]}",
	    &r);
	ck_assert_int_eq(r.status, 201);
	harness_reply_free(&r);

	get_as(&px, "/v2/calls?workspaceId=1", &r);
	ck_assert_int_eq(r.status, 429);
	ck_assert_ptr_nonnull(harness_header(&r, "Retry-After", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "3");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "errors"), 0)),
	                 "API request limit exceeded");
	harness_reply_free(&r);
	get_as(&px, "/v2/calls?workspaceId=2", &r);
	ck_assert_int_eq(r.status, 500);
	harness_reply_free(&r);
	get_as(&px, "/v2/calls?fromDateTime=2031-01-01T00:00:00Z", &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "errors"), 0)),
	                 "No calls found corresponding to the provided filters");
	harness_reply_free(&r);
	/* The upstream decides about credentials: its 401 comes back as it is. */
	harness_request(&px, NULL, "/v2/calls", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	ck_assert_ptr_nonnull(harness_header(&r, "Content-Type", buf, sizeof(buf)));
	ck_assert_ptr_nonnull(harness_header(&r, "WWW-Authenticate", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "Basic realm=\"Gong.io API\"");
	harness_reply_free(&r);
	harness_request(&px, "PUT", "/v2/calls", SECRET_AUTH, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 405);
	ck_assert_ptr_nonnull(harness_header(&r, "Allow", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "GET");
	harness_reply_free(&r);
}
END_TEST

/* One client of many at once: what it asked, and whether every answer was its own. */
struct parallel_client {
	pthread_t thread;
	int id;
	int failures;
	char first_failure[256];
};

#define PARALLEL_CLIENTS 16
#define PARALLEL_REQUESTS 8

/* The ranges the clients ask for, and the totals the upstream gives for each. */
static const char *const parallel_ranges[] = {
    "fromDateTime=2025-01-01T00:00:00Z&toDateTime=2025-02-01T00:00:00Z",
    "fromDateTime=2025-02-01T00:00:00Z&toDateTime=2025-03-01T00:00:00Z",
    "fromDateTime=2025-03-01T00:00:00Z&toDateTime=2025-05-01T00:00:00Z",
    "fromDateTime=2025-05-01T00:00:00Z&toDateTime=2025-07-01T00:00:00Z",
    "fromDateTime=2031-01-01T00:00:00Z",
};
#define PARALLEL_RANGES (sizeof(parallel_ranges) / sizeof(parallel_ranges[0]))
static long parallel_total[PARALLEL_RANGES];
static char parallel_first_id[PARALLEL_RANGES][32];

static void
parallel_fail(struct parallel_client *c, const char *what, const char *body)
{
	if (c->failures++ == 0)
		snprintf(c->first_failure, sizeof(c->first_failure), "client %d: %s: %.160s", c->id,
		         what, body);
}

static void *
parallel_main(void *cls)
{
	struct parallel_client *c = cls;
	int i;

	for (i = 0; i < PARALLEL_REQUESTS; i++) {
		size_t k = (size_t)(c->id + i) % PARALLEL_RANGES;
		char target[256], trace[64];
		struct harness_reply r;
		json_t *records, *calls;

		snprintf(target, sizeof(target), "/v2/calls?%s", parallel_ranges[k]);
		get_as(&px, target, &r);
		records = json_object_get(r.json, "records");
		calls = json_object_get(r.json, "calls");
		if (parallel_total[k] == 0) {
			if (r.status != 404)
				parallel_fail(c, "not the upstream's 404", r.body);
		} else if (r.status != 200) {
			parallel_fail(c, "not 200", r.body);
		} else if (json_integer_value(json_object_get(records, "totalRecords")) !=
		           parallel_total[k]) {
			parallel_fail(c, "another range's total", r.body);
		} else if (strcmp(
		               json_string_value(json_object_get(json_array_get(calls, 0), "id")),
		               parallel_first_id[k]) != 0) {
			parallel_fail(c, "another range's calls", r.body);
		}
		if (harness_header(&r, "x-traceid", trace, sizeof(trace)) == NULL ||
		    r.json == NULL ||
		    strcmp(trace, json_string_value(json_object_get(r.json, "requestId"))) != 0)
			parallel_fail(c, "x-traceid is not the body's requestId", r.body);
		harness_reply_free(&r);
	}
	return NULL;
}

START_TEST(parallel_clients_each_get_their_own_answer)
{
	struct parallel_client c[PARALLEL_CLIENTS];
	size_t k;
	int i;

	for (k = 0; k < PARALLEL_RANGES; k++) {
		char target[256];
		struct harness_reply r;

		snprintf(target, sizeof(target), "/v2/calls?%s", parallel_ranges[k]);
		get_as(&up, target, &r);
		parallel_total[k] = 0;
		parallel_first_id[k][0] = '\0';
		if (r.status == 200) {
			parallel_total[k] = (long)json_integer_value(
			    json_object_get(json_object_get(r.json, "records"), "totalRecords"));
			snprintf(parallel_first_id[k], sizeof(parallel_first_id[k]), "%s",
			         json_string_value(json_object_get(
			             json_array_get(json_object_get(r.json, "calls"), 0), "id")));
		}
		harness_reply_free(&r);
	}
	ck_assert_int_gt(parallel_total[0], 0);
	ck_assert_int_ne(parallel_total[0], parallel_total[1]);
	memset(c, 0, sizeof(c));
	for (i = 0; i < PARALLEL_CLIENTS; i++) {
		c[i].id = i;
		ck_assert_int_eq(pthread_create(&c[i].thread, NULL, parallel_main, &c[i]), 0);
	}
	for (i = 0; i < PARALLEL_CLIENTS; i++)
		pthread_join(c[i].thread, NULL);
	for (i = 0; i < PARALLEL_CLIENTS; i++)
		ck_assert_msg(c[i].failures == 0, "%d failures; first: %s", c[i].failures,
		              c[i].first_failure);
}
END_TEST

/* Faults in front of the upstream shape its answer: a delay holds it, a reset drops it. */
START_TEST(rules_shape_the_upstreams_answer)
{
	static const char *const admin_json[] = {"Content-Type: application/json", NULL};
	struct harness_reply r, d;
	char trace[64];
	long t0;

	harness_request(&px, "POST", "/__admin/faults", NULL, admin_json,
	                "{\"rules\":[{\"name\":\"hold\",\"match\":{\"query\":{\"workspaceId\":"
	                "\"9391112992383559384\"}},\"respond\":{\"delayMs\":400},\"times\":1},"
	                "{\"name\":\"drop\",\"match\":{\"query\":{\"workspaceId\":\"5\"}},"
	                "\"respond\":{\"fault\":\"reset\"},\"times\":1}]}",
	                &r);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	harness_reply_free(&r);

	get_as(&up, "/v2/calls?workspaceId=9391112992383559384", &d);
	ck_assert_int_eq(d.status, 200);
	t0 = harness_mono_ms();
	get_as(&px, "/v2/calls?workspaceId=9391112992383559384", &r);
	ck_assert_int_ge(harness_mono_ms() - t0, 390);
	/* Held, but the upstream's own answer: its status, requestId and calls. */
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(harness_header(&r, "x-traceid", trace, sizeof(trace)));
	ck_assert_str_eq(trace, json_string_value(json_object_get(r.json, "requestId")));
	ck_assert_str_eq(strstr(r.body, "\"calls\":"), strstr(d.body, "\"calls\":"));
	harness_reply_free(&r);
	harness_reply_free(&d);

	get_as(&px, "/v2/calls?workspaceId=5", &r);
	ck_assert_int_ne(r.curl_code, 0);
	harness_reply_free(&r);
	/* Both rules were used up; the proxy goes on serving. */
	get_as(&px, "/v2/calls?workspaceId=5", &r);
	ck_assert_int_eq(r.status, 404);
	harness_reply_free(&r);

	/* The journal names the rules, and the held one still shows what the upstream said. */
	harness_request(&px, NULL, "/__admin/requests?limit=3", NULL, NULL, NULL, &r);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(r.json, "requests"), 1), "source")),
	                 "fault:drop");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(r.json, "requests"), 2), "source")),
	                 "fault:hold");
	harness_reply_free(&r);
}
END_TEST

START_TEST(record_then_replay_in_a_fresh_instance)
{
	const char *q = "fromDateTime=2025-01-01T00:00:00Z&toDateTime=2025-03-01T00:00:00Z";
	char **proxied = walk(&px, q);
	char **replayed;
	struct harness_server rp;
	struct harness_reply r;
	const char *flags[] = {"--replay", cassette, NULL};
	char *file;
	size_t i;
	json_t *expected;

	get_as(&px, "/v2/calls?workspaceId=2", &r); /* a 404 recorded too */
	harness_reply_free(&r);
	/* What the upstream says of a range the client never asked for. */
	get_as(&up, "/v2/calls?fromDateTime=2025-02-01T00:00:00Z&toDateTime=2025-02-08T00:00:00Z",
	       &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(json_object_get(json_object_get(r.json, "records"), "cursor"));
	expected = json_incref(json_object_get(r.json, "calls"));
	harness_reply_free(&r);
	/* Health shows the recording: every exchange written, none failed. */
	harness_request(&px, NULL, "/__admin/health", NULL, NULL, NULL, &r);
	{
		json_t *rec = json_object_get(r.json, "recording");
		char *text = harness_read_file(cassette, NULL);
		size_t lines = 0;

		for (char *c = text; *c != '\0'; c++)
			lines += *c == '\n';
		ck_assert_uint_ge(lines, 4);
		ck_assert_str_eq(json_string_value(json_object_get(rec, "path")), cassette);
		ck_assert_int_eq(json_integer_value(json_object_get(rec, "recorded")), (long)lines);
		ck_assert_int_eq(json_integer_value(json_object_get(rec, "failed")), 0);
		ck_assert(json_is_false(json_object_get(rec, "stopped")));
		ck_assert(json_is_null(json_object_get(rec, "lastError")));
		free(text);
	}
	harness_reply_free(&r);
	harness_stop(&px);
	harness_stop(&up);

	/* No secret in the cassette; the redacted fields are blanked. */
	file = harness_read_file(cassette, NULL);
	ck_assert_ptr_null(strstr(file, "c3VwZXJzZWNyZXRrZXk6c3VwZXJzZWNyZXR2YWx1ZQ"));
	ck_assert_ptr_null(strstr(file, "supersecret"));
	ck_assert_ptr_null(strstr(file, "Authorization"));
	ck_assert_ptr_nonnull(strstr(file, "\"meetingUrl\":\"REDACTED\""));
	ck_assert_ptr_nonnull(strstr(file, "\"title\":\"REDACTED\""));
	ck_assert_ptr_null(strstr(file, "zoom.us"));
	/* The credential is a salted fingerprint, the same on every line. */
	{
		const char *at = strstr(file, "\"credential\":\"pbkdf2-sha256$600000$");
		char first[128] = "";

		ck_assert_ptr_nonnull(at);
		ck_assert_int_eq(sscanf(at, "\"credential\":\"%127[^\"]", first), 1);
		ck_assert_uint_eq(strlen(first), strlen("pbkdf2-sha256$600000$") + 32 + 1 + 16);
		for (at = strstr(file, "\"credential\":\""); at != NULL;
		     at = strstr(at + 1, "\"credential\":\"")) {
			char other[128] = "";

			ck_assert_int_eq(sscanf(at, "\"credential\":\"%127[^\"]", other), 1);
			ck_assert_str_eq(other, first);
		}
	}
	free(file);

	harness_start(&rp, flags);
	harness_request(&rp, NULL, "/__admin/health", NULL, NULL, NULL, &r);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "mode")), "replay");
	ck_assert_int_ge(json_integer_value(json_object_get(r.json, "exchanges")), 4);
	harness_reply_free(&r);
	replayed = walk(&rp, q);
	for (i = 0; proxied[i] != NULL; i++) {
		json_t *a, *b;

		ck_assert_ptr_nonnull(replayed[i]);
		a = json_loads(proxied[i], 0, NULL);
		b = json_loads(replayed[i], 0, NULL);
		/* Same page, same requestId and cursor; only the redacted fields differ. */
		ck_assert_str_eq(json_string_value(json_object_get(a, "requestId")),
		                 json_string_value(json_object_get(b, "requestId")));
		ck_assert(json_equal(json_object_get(a, "records"), json_object_get(b, "records")));
		ck_assert_int_eq(json_array_size(json_object_get(a, "calls")),
		                 json_array_size(json_object_get(b, "calls")));
		json_decref(a);
		json_decref(b);
	}
	ck_assert_ptr_null(replayed[i]);
	free_bodies(replayed);

	/* A request never recorded fails loudly, naming the closest one. */
	get_as(&rp, "/v2/calls?fromDateTime=2025-01-01T00:00:00Z&toDateTime=2025-02-01T00:00:00Z",
	       &r);
	ck_assert_int_eq(r.status, 501);
	{
		const char *msg =
		    json_string_value(json_array_get(json_object_get(r.json, "errors"), 0));

		ck_assert_ptr_nonnull(msg);
		ck_assert_msg(strstr(msg, "toDateTime") != NULL, "%s", msg);
		ck_assert_msg(strstr(msg, "closest") != NULL, "%s", msg);
	}
	harness_reply_free(&r);
	/* Date forms match as instants. */
	get_as(&rp, "/v2/calls?workspaceId=2", &r);
	ck_assert_int_eq(r.status, 404);
	harness_reply_free(&r);
	get_as(&rp,
	       "/v2/"
	       "calls?toDateTime=2025-03-01T01:00:00%2B01:00&fromDateTime=2025-01-01T00%3A00%3A00Z",
	       &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_stop(&rp);
	free_bodies(proxied);

	/* Credentials matched: the recorded one walks as before, another one is refused. */
	{
		const char *mflags[] = {"--replay", cassette, "--match-credential", NULL};

		harness_start(&rp, mflags);
		replayed = walk(&rp, q);
		ck_assert_ptr_nonnull(replayed[0]);
		free_bodies(replayed);
		harness_request(&rp, NULL, "/v2/calls?workspaceId=2", "Basic azpz", NULL, NULL, &r);
		ck_assert_int_eq(r.status, 501);
		ck_assert_ptr_nonnull(strstr(r.body, "differs in credential"));
		ck_assert_ptr_null(strstr(r.body, "azpz"));
		harness_reply_free(&r);
		harness_stop(&rp);
	}

	/* The recording as a dataset answers a range it never saw asked. */
	{
		const char *fx[] = {"--fixtures", cassette, NULL};
		struct harness_server ds;

		json_t *got;

		harness_start(&ds, fx);
		get_as(
		    &ds,
		    "/v2/calls?fromDateTime=2025-02-01T00:00:00Z&toDateTime=2025-02-08T00:00:00Z",
		    &r);
		ck_assert_int_eq(r.status, 200);
		got = json_object_get(r.json, "calls");
		ck_assert_uint_gt(json_array_size(expected), 0);
		ck_assert_uint_eq(json_array_size(got), json_array_size(expected));
		/* The same calls in the same order; only the redacted fields differ. */
		for (i = 0; i < json_array_size(got); i++) {
			json_t *a = json_array_get(expected, i), *b = json_array_get(got, i);

			ck_assert_str_eq(json_string_value(json_object_get(a, "id")),
			                 json_string_value(json_object_get(b, "id")));
			ck_assert_str_eq(json_string_value(json_object_get(a, "started")),
			                 json_string_value(json_object_get(b, "started")));
			ck_assert_str_eq(json_string_value(json_object_get(b, "title")),
			                 "REDACTED");
		}
		harness_reply_free(&r);
		harness_stop(&ds);
		json_decref(expected);
	}
	/* Put the pair back for the fixture's teardown. */
	start_pair();
}
END_TEST

START_TEST(replay_repeats_in_order_then_the_last)
{
	char path[256];
	struct harness_server rp;
	struct harness_reply r;
	const char *flags[] = {"--replay", path, "--match-credential", NULL};
	char text[2048], fp[FINGERPRINT_MAX], buf[64];
	static const long want[] = {429, 404, 404};
	static const unsigned char salt[FINGERPRINT_SALT_LEN] = {7, 7, 7, 7, 7, 7, 7, 7,
	                                                         7, 7, 7, 7, 7, 7, 7, 7};
	int i;

	ck_assert_int_eq(fingerprint_derive(SECRET_AUTH, salt, FINGERPRINT_ITERATIONS, fp), 0);
	snprintf(
	    text, sizeof(text),
	    "{\"time\":\"2026-01-01T00:00:00.000Z\",\"request\":{\"method\":\"GET\",\"path\":"
	    "\"/v2/calls\",\"query\":[],\"credential\":\"%s\"},\"response\":{\"status\":429,"
	    "\"headers\":{\"Retry-After\":\"1\",\"x-traceid\":\"aaaaaaaaaaaaaaaaaa\"},\"body\":"
	    "{\"requestId\":\"aaaaaaaaaaaaaaaaaa\",\"errors\":[\"API request limit exceeded\"]}},"
	    "\"latencyMs\":1.0}\n"
	    "{\"time\":\"2026-01-01T00:00:01.000Z\",\"request\":{\"method\":\"GET\",\"path\":"
	    "\"/v2/calls\",\"query\":[],\"credential\":\"%s\"},\"response\":{\"status\":404,"
	    "\"headers\":{\"x-traceid\":\"bbbbbbbbbbbbbbbbbb\"},\"body\":"
	    "{\"requestId\":\"bbbbbbbbbbbbbbbbbb\",\"errors\":[\"No calls found corresponding to "
	    "the provided filters\"]}},\"latencyMs\":1.0}\n",
	    fp, fp);
	harness_temp_file(text, ".jsonl", path, sizeof(path));
	harness_start(&rp, flags);
	for (i = 0; i < 3; i++) {
		get_as(&rp, "/v2/calls", &r);
		ck_assert_int_eq(r.status, want[i]);
		ck_assert_ptr_nonnull(harness_header(&r, "x-traceid", buf, sizeof(buf)));
		ck_assert_str_eq(buf, i == 0 ? "aaaaaaaaaaaaaaaaaa" : "bbbbbbbbbbbbbbbbbb");
		harness_reply_free(&r);
	}
	/* Another credential matches nothing when credentials count. */
	harness_request(&rp, NULL, "/v2/calls", "Basic azpz", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 501);
	harness_reply_free(&r);
	/* Reset rewinds. */
	harness_request(&rp, "POST", "/__admin/reset", NULL, NULL, "", &r);
	harness_reply_free(&r);
	get_as(&rp, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 429);
	harness_reply_free(&r);
	harness_stop(&rp);
	unlink(path);
}
END_TEST

/* The first message of a Gong-shaped error body. */
static const char *
first_error(const struct harness_reply *r)
{
	return json_string_value(json_array_get(json_object_get(r->json, "errors"), 0));
}

/*
 * Without --match-credential, an answer recorded for a request without credentials (the
 * upstream's 401) never answers one with credentials, nor the reverse; the miss says so.
 */
START_TEST(replay_keeps_requests_with_and_without_credentials_apart)
{
	struct harness_server u, p, rp;
	struct harness_reply r;
	char url[64], path[256];
	const char *pflags[] = {"--upstream", url, "--record", path, NULL};
	const char *rflags[] = {"--replay", path, NULL};

	harness_start(&u, NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", u.port);
	harness_temp_file("", ".jsonl", path, sizeof(path));
	harness_start(&p, pflags);
	harness_request(&p, NULL, "/v2/workspaces", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	harness_reply_free(&r);
	get_as(&p, "/v2/users", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_stop(&p);
	harness_stop(&u);

	harness_start(&rp, rflags);
	get_as(&rp, "/v2/workspaces", &r);
	ck_assert_int_eq(r.status, 501);
	ck_assert_str_eq(first_error(&r), "no recorded answer for GET /v2/workspaces; closest "
	                                  "recorded (line 1): GET /v2/workspaces, recorded without "
	                                  "credentials; this request has some");
	harness_reply_free(&r);
	harness_request(&rp, NULL, "/v2/workspaces", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	harness_reply_free(&r);
	harness_request(&rp, NULL, "/v2/users", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 501);
	ck_assert_str_eq(first_error(&r),
	                 "no recorded answer for GET /v2/users; closest recorded "
	                 "(line 2): GET /v2/users, recorded with credentials; this "
	                 "request has none");
	harness_reply_free(&r);
	/* Another credential than the one recorded: credentials are not matched. */
	harness_request(&rp, NULL, "/v2/users", "Basic azpz", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_stop(&rp);
	unlink(path);
}
END_TEST

/* Starts a proxy to `url` (with extra flags), asks once, checks status and message part. */
static void
proxy_once(const char *url, const char *timeout, long status, const char *part)
{
	struct harness_server p;
	struct harness_reply r;
	const char *flags[] = {"--upstream", url, "--upstream-timeout", timeout, NULL};
	const char *msg;

	harness_start(&p, flags);
	get_as(&p, "/v2/calls", &r);
	ck_assert_int_eq(r.status, status);
	msg = json_string_value(json_array_get(json_object_get(r.json, "errors"), 0));
	ck_assert_msg(msg != NULL && strstr(msg, part) != NULL, "%s", r.body);
	ck_assert_uint_ge(strlen(json_string_value(json_object_get(r.json, "requestId"))), 18);
	harness_reply_free(&r);
	/* The proxy itself goes on serving. */
	harness_request(&p, NULL, "/__admin/health", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_stop(&p);
}

START_TEST(upstream_failures_become_gong_shaped_answers)
{
	struct harness_raw_server raw;
	struct harness_raw_options o = {.conns = 8};
	char url[64];

	/* Down: a port nobody listens on. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", harness_closed_port());
	proxy_once(url, "5", 502, "connect");

	/* Garbage. */
	o.reply = "hello there\r\n\r\n";
	harness_raw_start(&raw, &o);
	proxy_once(raw.base, "5", 502, "upstream");
	harness_raw_stop(&raw);

	/* Cut short. */
	o.reply =
	    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
	    "{\"requestId\"";
	harness_raw_start(&raw, &o);
	proxy_once(raw.base, "5", 502, "upstream");
	harness_raw_stop(&raw);

	/* Silent for longer than the proxy waits. */
	o.reply = NULL;
	o.hold_ms = 3000;
	harness_raw_start(&raw, &o);
	proxy_once(raw.base, "1", 504, "1 s");
	harness_raw_stop(&raw);
}
END_TEST

/* A request through the proxy, on a thread of its own, with what came back. */
struct waiting_client {
	const struct harness_server *s;
	struct harness_reply r;
};

static void *
waiting_main(void *cls)
{
	struct waiting_client *w = cls;

	get_as(w->s, "/v2/calls", &w->r);
	return NULL;
}

/*
 * Stopping the proxy while a request still waits for an upstream that never answers: the
 * grace passes, the request gets a 503 that says why, and the server stops.
 */
START_TEST(shutdown_cuts_off_a_waiting_request)
{
	struct harness_raw_server silent;
	struct harness_raw_options o = {.hold_ms = 15000, .conns = 8};
	struct harness_server p;
	struct waiting_client w;
	pthread_t t;
	char url[64];
	const char *flags[] = {"--upstream", url, "--upstream-timeout", "60", NULL};
	const char *msg;
	struct timespec ts = {0, 300 * 1000 * 1000};

	/* Held past the 10 s grace of a shutdown. */
	harness_raw_start(&silent, &o);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", silent.port);
	harness_start(&p, flags);
	memset(&w, 0, sizeof(w));
	w.s = &p;
	ck_assert_int_eq(pthread_create(&t, NULL, waiting_main, &w), 0);
	nanosleep(&ts, NULL);
	harness_stop(&p);
	pthread_join(t, NULL);
	ck_assert_msg(w.r.status == 503, "status %ld, curl %d: %s", w.r.status, w.r.curl_code,
	              w.r.body != NULL ? w.r.body : "");
	msg = json_string_value(json_array_get(json_object_get(w.r.json, "errors"), 0));
	ck_assert_msg(msg != NULL && strstr(msg, "shutting down") != NULL, "%s", w.r.body);
	ck_assert_uint_ge(strlen(json_string_value(json_object_get(w.r.json, "requestId"))), 18);
	harness_reply_free(&w.r);
	harness_raw_stop(&silent);
}
END_TEST

/* An HTTPS upstream with the test certificate, answering one fixed page. */
static enum MHD_Result
tls_answer(void *cls, struct MHD_Connection *con, const char *url, const char *method,
           const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
	static const char body[] = "{\"requestId\":\"tlstlstlstlstlstls\",\"records\":{"
	                           "\"totalRecords\":0,\"currentPageSize\":0,"
	                           "\"currentPageNumber\":0},\"calls\":[]}";
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	(void)upload_size;
	if (*req_cls == NULL) {
		*req_cls = (void *)1;
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "x-traceid", "tlstlstlstlstlstls");
	ret = MHD_queue_response(con, 200, r);
	MHD_destroy_response(r);
	return ret;
}

START_TEST(https_upstream_with_a_private_ca)
{
	char *cert = harness_read_file("tests/support/tls_cert.pem", NULL);
	char *key = harness_read_file("tests/support/tls_key.pem", NULL);
	struct MHD_Daemon *d;
	struct harness_server p;
	struct harness_reply r;
	char url[64], buf[64];
	const union MHD_DaemonInfo *info;
	struct sockaddr_in lo;

	memset(&lo, 0, sizeof(lo));
	lo.sin_family = AF_INET;
	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS, 0, NULL, NULL,
	                     tls_answer, NULL, MHD_OPTION_HTTPS_MEM_KEY, key,
	                     MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_SOCK_ADDR,
	                     (struct sockaddr *)&lo, MHD_OPTION_END);
	ck_assert_ptr_nonnull(d);
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u", info->port);
	{
		const char *flags[] = {"--upstream", url, "--upstream-ca",
		                       "tests/support/tls_cert.pem", NULL};

		harness_start(&p, flags);
		get_as(&p, "/v2/calls", &r);
		ck_assert_int_eq(r.status, 200);
		ck_assert_ptr_nonnull(harness_header(&r, "x-traceid", buf, sizeof(buf)));
		ck_assert_str_eq(buf, "tlstlstlstlstlstls");
		harness_reply_free(&r);
		harness_stop(&p);
	}
	{
		/* Without the CA the certificate check fails: a 502 that says so. */
		const char *flags[] = {"--upstream", url, NULL};

		harness_start(&p, flags);
		get_as(&p, "/v2/calls", &r);
		ck_assert_int_eq(r.status, 502);
		ck_assert_ptr_nonnull(strstr(r.body, "TLS"));
		harness_reply_free(&r);
		harness_stop(&p);
	}
	MHD_stop_daemon(d);
	free(cert);
	free(key);
}
END_TEST

/* What the upstream of post_bodies_go_upstream_as_sent last received, for the test to check. */
static struct {
	pthread_mutex_t lock;
	char method[16];
	char path[64];
	char type[64];
	char auth[128];
	char *body;
	size_t len;
} seen = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* One request as it reaches that upstream: its body so far. */
struct seen_req {
	char *body;
	size_t len;
};

/*
 * An upstream that keeps what reached it (method, path, Content-Type, Authorization, body) in
 * `seen` and answers with a small page of its own, so that nothing the client sent comes back
 * in the answer, where the recording keeps it.
 */
static enum MHD_Result
seen_answer(void *cls, struct MHD_Connection *con, const char *url, const char *method,
            const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
	static const char page[] = "{\"requestId\":\"seenseenseenseense\",\"calls\":[]}";
	struct seen_req *q = *req_cls;
	const char *type = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Type");
	const char *auth = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Authorization");
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (q == NULL) {
		*req_cls = q = calloc(1, sizeof(*q));
		return q != NULL ? MHD_YES : MHD_NO;
	}
	if (*upload_size > 0) {
		char *grown = realloc(q->body, q->len + *upload_size + 1);

		if (grown == NULL)
			return MHD_NO;
		q->body = grown;
		memcpy(q->body + q->len, upload, *upload_size);
		q->len += *upload_size;
		q->body[q->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&seen.lock);
	snprintf(seen.method, sizeof(seen.method), "%s", method);
	snprintf(seen.path, sizeof(seen.path), "%s", url);
	snprintf(seen.type, sizeof(seen.type), "%s", type != NULL ? type : "(none)");
	snprintf(seen.auth, sizeof(seen.auth), "%s", auth != NULL ? auth : "(none)");
	free(seen.body);
	seen.body = q->body != NULL ? q->body : strdup("");
	seen.len = q->len;
	q->body = NULL;
	pthread_mutex_unlock(&seen.lock);
	r = MHD_create_response_from_buffer(sizeof(page) - 1, (void *)page, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "x-traceid", "seenseenseenseense");
	ret = MHD_queue_response(con, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static void
seen_done(void *cls, struct MHD_Connection *con, void **req_cls,
          enum MHD_RequestTerminationCode toe)
{
	struct seen_req *q = *req_cls;

	(void)cls;
	(void)con;
	(void)toe;
	if (q != NULL) {
		free(q->body);
		free(q);
	}
	*req_cls = NULL;
}

/* Fails unless the last request the upstream saw was this one. */
static void
seen_was(const char *method, const char *path, const char *type, const char *body)
{
	pthread_mutex_lock(&seen.lock);
	ck_assert_str_eq(seen.method, method);
	ck_assert_str_eq(seen.path, path);
	ck_assert_str_eq(seen.type, type);
	ck_assert_str_eq(seen.auth, SECRET_AUTH);
	ck_assert_uint_eq(seen.len, strlen(body));
	ck_assert_str_eq(seen.body, body);
	pthread_mutex_unlock(&seen.lock);
}

/*
 * POSTs through the proxy, on its event loop: the upstream gets each body byte for byte with
 * the client's Content-Type and Authorization, the client gets the upstream's answer, and the
 * cassette records the exchanges with no secret in it.
 */
START_TEST(post_bodies_go_upstream_as_sent)
{
	static const char body[] = "{\n  \"filter\": {\"fromDateTime\": \"2025-01-01T00:00:00Z\", "
	                           "\"callIds\": [\"7782342274025937895\"]},\n  \"cursor\": null,\n"
	                           "  \"accessKeySecret\": \"supersecretvalue\"\n}";
	struct MHD_Daemon *d;
	struct harness_server p;
	struct harness_reply r;
	struct sockaddr_in lo;
	const union MHD_DaemonInfo *info;
	char url[64], rec[256], big[8192], trace[64];
	const char *flags[] = {"--upstream", url, "--record", rec, NULL};
	char *file;

	memset(&lo, 0, sizeof(lo));
	lo.sin_family = AF_INET;
	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, seen_answer, NULL,
	                     MHD_OPTION_NOTIFY_COMPLETED, seen_done, NULL, MHD_OPTION_SOCK_ADDR,
	                     (struct sockaddr *)&lo, MHD_OPTION_END);
	ck_assert_ptr_nonnull(d);
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", info->port);
	harness_temp_file("", ".jsonl", rec, sizeof(rec));
	harness_start(&p, flags);

	harness_request(&p, "POST", "/v2/calls/extensive", SECRET_AUTH, NULL, body, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(r.body, "{\"requestId\":\"seenseenseenseense\",\"calls\":[]}");
	ck_assert_ptr_nonnull(harness_header(&r, "x-traceid", trace, sizeof(trace)));
	ck_assert_str_eq(trace, "seenseenseenseense");
	harness_reply_free(&r);
	seen_was("POST", "/v2/calls/extensive", "application/json", body);

	/* A body of some size, and one that is not JSON, go as they are too. */
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '"';
	big[sizeof(big) - 2] = '"';
	big[sizeof(big) - 1] = '\0';
	harness_request(&p, "POST", "/v2/calls/transcript", SECRET_AUTH, NULL, big, &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	seen_was("POST", "/v2/calls/transcript", "application/json", big);
	harness_request(&p, "POST", "/v2/users/extensive", SECRET_AUTH, NULL, "{\"filter\":", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	seen_was("POST", "/v2/users/extensive", "application/json", "{\"filter\":");
	/* A GET after them goes without a body or a type. */
	harness_request(&p, NULL, "/v2/calls", SECRET_AUTH, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	seen_was("GET", "/v2/calls", "(none)", "");
	harness_stop(&p);
	MHD_stop_daemon(d);
	pthread_mutex_lock(&seen.lock);
	free(seen.body);
	seen.body = NULL;
	pthread_mutex_unlock(&seen.lock);

	/* Recorded, every exchange a line, and no secret in the file. */
	file = harness_read_file(rec, NULL);
	ck_assert_ptr_nonnull(strstr(file, "\"method\":\"POST\",\"path\":\"/v2/calls/extensive\""));
	ck_assert_ptr_nonnull(
	    strstr(file, "\"method\":\"POST\",\"path\":\"/v2/calls/transcript\""));
	ck_assert_ptr_nonnull(strstr(file, "\"method\":\"POST\",\"path\":\"/v2/users/extensive\""));
	ck_assert_ptr_nonnull(strstr(file, "\"method\":\"GET\",\"path\":\"/v2/calls\""));
	ck_assert_ptr_null(strstr(file, "supersecret"));
	ck_assert_ptr_null(strstr(file, "c3VwZXJzZWNyZXRrZXk"));
	free(file);
	unlink(rec);
}
END_TEST

/* The access log of a proxy run as a binary pairs our id with the upstream's. */
START_TEST(access_log_pairs_both_request_ids)
{
	char url[64];
	const char *args[] = {"--port", "0", "--upstream", url, NULL};
	struct harness_proc p;
	struct harness_server h;
	struct harness_reply r;
	char *out, *err, trace[64];
	unsigned port = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u", up.port);
	harness_spawn(&p, args);
	out = harness_read_until(p.out, 10000, "\n");
	ck_assert_int_eq(sscanf(strstr(out, "http://127.0.0.1:"), "http://127.0.0.1:%u", &port), 1);
	memset(&h, 0, sizeof(h));
	snprintf(h.base, sizeof(h.base), "http://127.0.0.1:%u", port);
	get_as(&h, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(harness_header(&r, "x-traceid", trace, sizeof(trace)));
	harness_reply_free(&r);
	err = harness_read_until(p.err, 5000, "upstream_id=");
	ck_assert_msg(strstr(err, trace) != NULL, "%s", err);
	ck_assert_ptr_nonnull(strstr(err, "upstream_status=200"));
	ck_assert_ptr_null(strstr(err, "supersecret"));
	ck_assert_ptr_null(strstr(err, "c3VwZXJzZWNyZXRrZXk"));
	kill(p.pid, SIGTERM);
	ck_assert_int_eq(harness_wait(&p, 15000), 0);
	free(out);
	free(err);
}
END_TEST

/*
 * Recording to a disk that is full (/dev/full refuses every write): the proxy goes on
 * serving the upstream's answers, health and the metrics count what was not recorded, and the
 * log says so once, not once per request.
 */
START_TEST(recording_to_a_full_disk_keeps_serving)
{
	char url[64];
	const char *args[] = {"--port", "0",        "--quiet",   "--upstream",
	                      url,      "--record", "/dev/full", NULL};
	struct harness_proc p;
	struct harness_server h;
	struct harness_reply r;
	char *out, *err, *first;
	unsigned port = 0;
	json_t *rec;
	int i;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u", up.port);
	harness_spawn(&p, args);
	out = harness_read_until(p.out, 10000, "\n");
	ck_assert_ptr_nonnull(strstr(out, "http://127.0.0.1:"));
	ck_assert_int_eq(sscanf(strstr(out, "http://127.0.0.1:"), "http://127.0.0.1:%u", &port), 1);
	memset(&h, 0, sizeof(h));
	snprintf(h.base, sizeof(h.base), "http://127.0.0.1:%u", port);
	for (i = 0; i < 20; i++) {
		get_as(&h, "/v2/calls", &r);
		ck_assert_msg(r.status == 200, "request %d: %ld %s", i, r.status, r.body);
		ck_assert_int_eq(json_array_size(json_object_get(r.json, "calls")), 25);
		harness_reply_free(&r);
	}

	harness_request(&h, NULL, "/__admin/health", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "status")), "ok");
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "mode")), "proxy");
	rec = json_object_get(r.json, "recording");
	ck_assert_ptr_nonnull(rec);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "path")), "/dev/full");
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "recorded")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "failed")), 20);
	ck_assert(json_is_true(json_object_get(rec, "stopped")));
	ck_assert_str_eq(json_string_value(json_object_get(rec, "lastError")),
	                 "write failed: No space left on device");
	harness_reply_free(&r);

	harness_request(&h, NULL, "/metrics", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "# TYPE gongmock_record_failures_total counter\n"
	                                     "gongmock_record_failures_total 20\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "# TYPE gongmock_recorded_exchanges_total counter\n"
	                                     "gongmock_recorded_exchanges_total 0\n"));
	harness_reply_free(&r);

	kill(p.pid, SIGTERM);
	err = harness_read_until(p.err, 15000, NULL);
	first = strstr(err, " error record: /dev/full: write failed: No space left on device; "
	                    "recording stopped after 0 exchanges");
	ck_assert_msg(first != NULL, "%s", err);
	first = strchr(first, '\n');
	ck_assert_ptr_nonnull(first);
	ck_assert_msg(strstr(first, "/dev/full") == NULL, "logged more than once: %s", err);
	ck_assert_ptr_null(strstr(err, "supersecret"));
	ck_assert_ptr_null(strstr(err, "c3VwZXJzZWNyZXRrZXk"));
	ck_assert_int_eq(harness_wait(&p, 15000), 0);
	free(out);
	free(err);
}
END_TEST

/* Spawns the binary with args, which must stop before listening; returns its stderr. */
static char *
start_fails(const char *const *args, int *code)
{
	struct harness_proc p;
	char *out, *err;

	harness_spawn(&p, args);
	err = harness_read_until(p.err, 10000, NULL);
	out = harness_read_until(p.out, 1000, NULL);
	*code = harness_wait(&p, 10000);
	ck_assert_msg(strstr(out, "listening") == NULL, "it listened: %s", out);
	free(out);
	return err;
}

/* A path --record cannot write stops start-up with the reason, before anything listens. */
START_TEST(record_to_an_unwritable_path_fails_at_start_up)
{
	static const char *const cases[][2] = {
	    {"/nonexistent-dir/x.jsonl",
	     "gongmock: --record: /nonexistent-dir/x.jsonl: cannot open for writing: No such file "
	     "or directory\n"},
	    {"/tmp", "gongmock: --record: /tmp: cannot open for writing: Is a directory\n"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[] = {"--port",   "0",         "--upstream", "http://127.0.0.1:9",
		                      "--record", cases[i][0], NULL};
		int code = 0;
		char *err = start_fails(args, &code);

		ck_assert_int_eq(code, 1);
		ck_assert_str_eq(err, cases[i][1]);
		free(err);
	}
}
END_TEST

/*
 * A cassette recorded before fingerprints were salted still replays with
 * --match-credential, and the server warns at start-up that it should be recorded again.
 */
START_TEST(old_unsalted_cassette_still_matches_credentials)
{
	char path[256], text[2048];
	const char *args[] = {"--port", "0", "--quiet", "--replay", path, "--match-credential",
	                      NULL};
	struct harness_proc p;
	struct harness_server h;
	struct harness_reply r;
	char *out, *err;
	unsigned port = 0;

	snprintf(text, sizeof(text),
	         "{\"request\":{\"method\":\"GET\",\"path\":\"/v2/calls\",\"query\":[],"
	         "\"credential\":\"%s\"},\"response\":{\"status\":200,\"headers\":{"
	         "\"x-traceid\":\"oooooooooooooooooo\"},\"body\":{\"requestId\":"
	         "\"oooooooooooooooooo\",\"calls\":[]}}}\n",
	         SECRET_UNSALTED);
	harness_temp_file(text, ".jsonl", path, sizeof(path));
	harness_spawn(&p, args);
	out = harness_read_until(p.out, 10000, "\n");
	ck_assert_msg(strstr(out, "http://127.0.0.1:") != NULL, "%s", out);
	ck_assert_int_eq(sscanf(strstr(out, "http://127.0.0.1:"), "http://127.0.0.1:%u", &port), 1);
	memset(&h, 0, sizeof(h));
	snprintf(h.base, sizeof(h.base), "http://127.0.0.1:%u", port);
	get_as(&h, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "requestId")),
	                 "oooooooooooooooooo");
	harness_reply_free(&r);
	harness_request(&h, NULL, "/v2/calls", "Basic azpz", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 501);
	harness_reply_free(&r);
	kill(p.pid, SIGTERM);
	err = harness_read_until(p.err, 15000, NULL);
	ck_assert_msg(strstr(err, " warning ") != NULL &&
	                  strstr(err, ": 1 exchanges (line 1 first) hold credential fingerprints "
	                              "in the old unsalted form") != NULL &&
	                  strstr(err, "record the cassette again") != NULL,
	              "%s", err);
	ck_assert_int_eq(harness_wait(&p, 15000), 0);
	free(out);
	free(err);
	unlink(path);
}
END_TEST

static Suite *
upstream_suite(void)
{
	Suite *s = suite_create("upstream");
	TCase *t = tcase_create("proxy");
	TCase *o = tcase_create("alone");

	tcase_add_checked_fixture(t, start_pair, stop_pair);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, proxied_walk_is_the_upstreams_answer);
	tcase_add_test(t, upstream_errors_pass_through_unchanged);
	tcase_add_test(t, record_then_replay_in_a_fresh_instance);
	tcase_add_test(t, access_log_pairs_both_request_ids);
	tcase_add_test(t, parallel_clients_each_get_their_own_answer);
	tcase_add_test(t, rules_shape_the_upstreams_answer);
	tcase_add_test(t, recording_to_a_full_disk_keeps_serving);
	suite_add_tcase(s, t);

	tcase_set_timeout(o, 60);
	tcase_add_test(o, replay_repeats_in_order_then_the_last);
	tcase_add_test(o, upstream_failures_become_gong_shaped_answers);
	tcase_add_test(o, https_upstream_with_a_private_ca);
	tcase_add_test(o, post_bodies_go_upstream_as_sent);
	tcase_add_test(o, shutdown_cuts_off_a_waiting_request);
	tcase_add_test(o, record_to_an_unwritable_path_fails_at_start_up);
	tcase_add_test(o, old_unsalted_cassette_still_matches_credentials);
	tcase_add_test(o, replay_keeps_requests_with_and_without_credentials_apart);
	suite_add_tcase(s, o);
	return s;
}

int
main(void)
{
	return harness_run(upstream_suite());
}
