/*
 * test_family.c - the calls family over a real socket: GET /v2/calls, GET /v2/calls/{id},
 * POST /v2/calls/extensive and POST /v2/calls/transcript with Basic and Bearer credentials
 * and the scope each needs, 405, 415 and 413, whole walks of both POST views, a cursor put in
 * a POST's query string (a warning, or a 400 with --strict), media links followed without
 * credentials, a cassette given as fixtures, and the data as one company's: every view of a
 * call agrees with the others.
 */
#include "harness.h"

#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cassettes.h"
#include "extensive.h"
#include "generate.h"

#define BASIC "Basic azpz" /* k:s */
#define NCALLS 260
#define NO_CALLS "No calls found corresponding to the provided filters"
#define BAD_CREDENTIALS "Validate credentials failed. Please check your credentials and try again."

static const char credentials[] =
    "{\"basic\":[{\"accessKey\":\"k\",\"accessKeySecret\":\"s\"}],\n"
    " \"bearer\":[\n"
    "  {\"token\":\"all\",\"scopes\":[\"api:calls:read:basic\",\"api:calls:read:extensive\","
    "\"api:calls:read:media-url\",\"api:calls:read:transcript\"]},\n"
    "  {\"token\":\"basic-only\",\"scopes\":[\"api:calls:read:basic\"]},\n"
    "  {\"token\":\"ext\",\"scopes\":[\"api:calls:read:extensive\"]},\n"
    "  {\"token\":\"ext-media\",\"scopes\":[\"api:calls:read:extensive\","
    "\"api:calls:read:media-url\"]},\n"
    "  {\"token\":\"tx\",\"scopes\":[\"api:calls:read:transcript\"]},\n"
    "  {\"token\":\"none\"}]}\n";

static struct harness_server srv;
static struct extensive_call calls[NCALLS];
static size_t order[NCALLS];
static char fixture_path[256], creds_path[256];

static void
write_fixture(void)
{
	char *text = extensive_dataset(NCALLS, calls);

	extensive_order(calls, NCALLS, order);
	harness_temp_file(text, ".json", fixture_path, sizeof(fixture_path));
	free(text);
	harness_temp_file(credentials, ".json", creds_path, sizeof(creds_path));
}

static void
start_family(void)
{
	const char *flags[] = {"--fixtures", fixture_path, "--credentials", creds_path, NULL};

	write_fixture();
	harness_start(&srv, flags);
}

static void
start_strict(void)
{
	const char *flags[] = {"--fixtures", fixture_path, "--strict", NULL};

	write_fixture();
	harness_start(&srv, flags);
}

static void
stop_server(void)
{
	harness_stop(&srv);
	unlink(fixture_path);
	unlink(creds_path);
}

/* ---- Requests ---- */

static void
post(const char *path, const char *auth, const char *body, struct harness_reply *r)
{
	harness_request(&srv, "POST", path, auth, NULL, body, r);
}

/* The requestId, x-traceid and type every JSON answer carries. */
static void
check_envelope(const struct harness_reply *r)
{
	char buf[256];
	const char *id;

	ck_assert_msg(r->json != NULL, "body is not JSON: %s", r->body);
	id = json_string_value(json_object_get(r->json, "requestId"));
	ck_assert_ptr_nonnull(id);
	ck_assert_ptr_nonnull(harness_header(r, "x-traceid", buf, sizeof(buf)));
	ck_assert_str_eq(buf, id);
	ck_assert_ptr_nonnull(harness_header(r, "Content-Type", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "application/json; charset=utf-8");
}

static void
check_error(const struct harness_reply *r, long status, const char *message)
{
	json_t *errors = json_object_get(r->json, "errors");

	ck_assert_msg(r->status == status, "status %ld, want %ld: %s", r->status, status, r->body);
	check_envelope(r);
	ck_assert_uint_eq(json_object_size(r->json), 2);
	ck_assert_uint_eq(json_array_size(errors), 1);
	ck_assert_str_eq(json_string_value(json_array_get(errors, 0)), message);
}

static long long
rec(const struct harness_reply *r, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(r->json, "records"), key));
}

static const char *
cursor_of(const struct harness_reply *r)
{
	return json_string_value(json_object_get(json_object_get(r->json, "records"), "cursor"));
}

/* The first call with blocks and a Video, for the tests that need one. */
static const struct extensive_call *
a_full_call(void)
{
	for (size_t i = 0; i < NCALLS; i++)
		if (calls[i].blocks && calls[i].video && calls[i].user[0] != '\0')
			return &calls[i];
	ck_abort_msg("no such call in the data");
	return NULL;
}

/* ---- Each operation, each kind of credential ---- */

START_TEST(every_operation_with_basic_and_bearer)
{
	static const char *const auths[] = {BASIC, "Bearer all"};
	const struct extensive_call *c = a_full_call();
	json_t *blocks = extensive_blocks(c);
	char target[128], body[512];
	struct harness_reply r;

	for (size_t a = 0; a < 2; a++) {
		harness_request(&srv, NULL, "/v2/calls", auths[a], NULL, NULL, &r);
		ck_assert_int_eq(r.status, 200);
		check_envelope(&r);
		ck_assert_int_eq(rec(&r, "totalRecords"), NCALLS);
		ck_assert_uint_eq(json_array_size(json_object_get(r.json, "calls")), 100);
		harness_reply_free(&r);

		snprintf(target, sizeof(target), "/v2/calls/%s", c->id);
		harness_request(&srv, NULL, target, auths[a], NULL, NULL, &r);
		ck_assert_int_eq(r.status, 200);
		check_envelope(&r);
		ck_assert_str_eq(
		    json_string_value(json_object_get(json_object_get(r.json, "call"), "id")),
		    c->id);
		ck_assert_uint_eq(json_object_size(json_object_get(r.json, "call")), 20);
		harness_reply_free(&r);

		snprintf(
		    body, sizeof(body),
		    "{\"filter\":{\"callIds\":[\"%s\"]},\"contentSelector\":{\"exposedFields\":{"
		    "\"parties\":true,\"media\":true}}}",
		    c->id);
		post("/v2/calls/extensive", auths[a], body, &r);
		ck_assert_int_eq(r.status, 200);
		check_envelope(&r);
		{
			json_t *call = json_array_get(json_object_get(r.json, "calls"), 0);
			json_t *media = json_object_get(call, "media");
			char want[128];

			ck_assert(json_equal(json_object_get(call, "parties"),
			                     json_object_get(blocks, "parties")));
			snprintf(want, sizeof(want), "%s/__media/%s/audio.mp3?expires=", srv.base,
			         c->id);
			ck_assert_int_eq(
			    strncmp(json_string_value(json_object_get(media, "audioUrl")), want,
			            strlen(want)),
			    0);
			ck_assert_ptr_nonnull(
			    json_string_value(json_object_get(media, "videoUrl")));
		}
		harness_reply_free(&r);

		snprintf(body, sizeof(body), "{\"filter\":{\"callIds\":[\"%s\"]}}", c->id);
		post("/v2/calls/transcript", auths[a], body, &r);
		ck_assert_int_eq(r.status, 200);
		check_envelope(&r);
		{
			json_t *t = json_array_get(json_object_get(r.json, "callTranscripts"), 0);

			ck_assert_str_eq(json_string_value(json_object_get(t, "callId")), c->id);
			ck_assert(json_equal(json_object_get(t, "transcript"),
			                     json_object_get(blocks, "transcript")));
		}
		harness_reply_free(&r);
	}
	/* A 404 of the POST views over the wire. */
	post("/v2/calls/transcript", BASIC, "{\"filter\":{\"callIds\":[\"1\"]}}", &r);
	check_error(&r, 404, NO_CALLS);
	harness_reply_free(&r);
	post("/v2/calls/extensive", BASIC, "{\"filter\":{\"callIds\":[]}}", &r);
	check_error(&r, 400, "filter.callIds: must not be empty");
	harness_reply_free(&r);
	json_decref(blocks);
}
END_TEST

struct scoped {
	const char *auth;
	const char *method;
	const char *path;
	const char *body;
	long status;
	const char *message; /* for a 401 */
};

#define MEDIA_BODY "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"media\":true}}}"
#define NO_SCOPE(s) "You don't have permission to use '" s "' in your app."

static const struct scoped scoped[] = {
    {"Bearer basic-only", "GET", "/v2/calls", NULL, 200, NULL},
    {"Bearer basic-only", "GET", "/v2/calls/9999999007", NULL, 200, NULL},
    {"Bearer basic-only", "POST", "/v2/calls/extensive", "{\"filter\":{}}", 401,
     NO_SCOPE("api:calls:read:extensive")},
    {"Bearer basic-only", "POST", "/v2/calls/transcript", "{\"filter\":{}}", 401,
     NO_SCOPE("api:calls:read:transcript")},
    {"Bearer ext", "GET", "/v2/calls", NULL, 401, NO_SCOPE("api:calls:read:basic")},
    {"Bearer ext", "GET", "/v2/calls/9999999007", NULL, 401, NO_SCOPE("api:calls:read:basic")},
    {"Bearer ext", "POST", "/v2/calls/extensive", "{\"filter\":{}}", 200, NULL},
    {"Bearer ext", "POST", "/v2/calls/extensive",
     "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"media\":false,\"parties\":true}}}",
     200, NULL},
    {"Bearer ext", "POST", "/v2/calls/extensive", MEDIA_BODY, 401,
     NO_SCOPE("api:calls:read:media-url")},
    {"Bearer ext", "POST", "/v2/calls/transcript", "{\"filter\":{}}", 401,
     NO_SCOPE("api:calls:read:transcript")},
    {"Bearer ext-media", "POST", "/v2/calls/extensive", MEDIA_BODY, 200, NULL},
    {"Bearer tx", "POST", "/v2/calls/transcript", "{\"filter\":{}}", 200, NULL},
    {"Bearer tx", "POST", "/v2/calls/extensive", "{\"filter\":{}}", 401,
     NO_SCOPE("api:calls:read:extensive")},
    {"Bearer tx", "POST", "/v2/calls/extensive", MEDIA_BODY, 401,
     NO_SCOPE("api:calls:read:extensive")},
    {"Bearer none", "GET", "/v2/calls", NULL, 401, NO_SCOPE("api:calls:read:basic")},
    {"Bearer none", "POST", "/v2/calls/transcript", "{\"filter\":{}}", 401,
     NO_SCOPE("api:calls:read:transcript")},
    {"Bearer nope", "POST", "/v2/calls/extensive", "{\"filter\":{}}", 401, BAD_CREDENTIALS},
    {"Basic azp4", "POST", "/v2/calls/transcript", "{\"filter\":{}}", 401, BAD_CREDENTIALS},
    {NULL, "POST", "/v2/calls/transcript", "{\"filter\":{}}", 401, BAD_CREDENTIALS},
    {NULL, "GET", "/v2/calls/9999999007", NULL, 401, BAD_CREDENTIALS},
};

START_TEST(each_operation_needs_its_scope)
{
	const struct scoped *sc = &scoped[_i];
	struct harness_reply r;
	char buf[256];

	harness_request(&srv, sc->method, sc->path, sc->auth, NULL, sc->body, &r);
	if (sc->status == 200) {
		ck_assert_msg(r.status == 200, "%s %s %s: %ld %s", sc->auth, sc->method, sc->path,
		              r.status, r.body);
		check_envelope(&r);
	} else {
		check_error(&r, sc->status, sc->message);
		ck_assert_ptr_nonnull(harness_header(&r, "WWW-Authenticate", buf, sizeof(buf)));
	}
	harness_reply_free(&r);
}
END_TEST

/* ---- Methods, media types, sizes ---- */

static char *post_logged(const char *target, const char *body, struct harness_reply *r);

START_TEST(other_methods_get_405_with_allow)
{
	static const struct {
		const char *method, *path, *allow;
	} cases[] = {
	    {"GET", "/v2/calls/extensive", "POST"},
	    {"PUT", "/v2/calls/extensive", "POST"},
	    {"DELETE", "/v2/calls/transcript", "POST"},
	    {"PATCH", "/v2/calls/transcript", "POST"},
	    {"POST", "/v2/calls", "GET"},
	    {"POST", "/v2/calls/9999999007", "GET"},
	    {"PUT", "/v2/calls/9999999007", "GET"},
	    {"DELETE", "/v2/calls", "GET"},
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int authed = 0; authed < 2; authed++) {
			struct harness_reply r;

			harness_request(
			    &srv, cases[i].method, cases[i].path, authed ? BASIC : NULL, NULL,
			    strcmp(cases[i].method, "GET") ? "{\"filter\":{}}" : NULL, &r);
			check_error(&r, 405, "Method Not Allowed");
			ck_assert_ptr_nonnull(harness_header(&r, "Allow", buf, sizeof(buf)));
			ck_assert_msg(strcmp(buf, cases[i].allow) == 0, "%s %s: Allow %s",
			              cases[i].method, cases[i].path, buf);
			harness_reply_free(&r);
		}
	}
}
END_TEST

/* A POST written by hand, with the Content-Type given (NULL: none); returns the status line's
 * code and the body in *body (caller frees). */
static int
raw_post(const char *path, const char *type, const char *auth, const char *body, char **answer)
{
	char req[2048], *reply, *b;
	int fd = harness_raw_connect(srv.port, NULL), status = 0;
	size_t got;

	ck_assert_int_ge(fd, 0);
	snprintf(req, sizeof(req),
	         "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s%s%s%s%s%sContent-Length: %zu\r\n"
	         "Connection: close\r\n\r\n%s",
	         path, srv.port, auth ? "Authorization: " : "", auth ? auth : "",
	         auth ? "\r\n" : "", type ? "Content-Type: " : "", type ? type : "",
	         type ? "\r\n" : "", strlen(body), body);
	reply = harness_raw_exchange(fd, req, strlen(req), 5000, 1 << 20, &got);
	close(fd);
	ck_assert_int_eq(sscanf(reply, "HTTP/1.1 %d", &status), 1);
	b = strstr(reply, "\r\n\r\n");
	*answer = strdup(b != NULL ? b + 4 : "");
	free(reply);
	return status;
}

START_TEST(a_post_body_must_be_json)
{
	static const struct {
		const char *type;
		int status;
	} cases[] = {
	    {NULL, 200},
	    {"application/json", 200},
	    {"application/json; charset=utf-8", 200},
	    {"Application/JSON", 200},
	    {"application/json;charset=UTF-8", 200},
	    {"text/plain", 415},
	    {"application/x-www-form-urlencoded", 415},
	    {"application/jsonp", 415},
	    {"application/json-patch+json", 415},
	    {"multipart/form-data; boundary=x", 415},
	    {"", 415},
	};
	static const char *const paths[] = {"/v2/calls/extensive", "/v2/calls/transcript"};

	for (size_t p = 0; p < 2; p++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			char *body;
			int st = raw_post(paths[p], cases[i].type, BASIC, "{\"filter\":{}}", &body);

			ck_assert_msg(st == cases[i].status, "%s with Content-Type %s: %d %s",
			              paths[p], cases[i].type ? cases[i].type : "(none)", st, body);
			if (st == 415)
				ck_assert_ptr_nonnull(
				    strstr(body, "\"errors\":[\"Unsupported Media Type\"]"));
			else
				ck_assert_ptr_nonnull(strstr(body, "\"totalRecords\":260"));
			free(body);
		}
	/* Credentials are judged first. */
	{
		char *body;

		ck_assert_int_eq(raw_post(paths[0], "text/plain", NULL, "{}", &body), 401);
		free(body);
	}
}
END_TEST

START_TEST(a_body_over_a_megabyte_is_413)
{
	size_t cap = 1024 * 1024;
	char *body = malloc(cap + 2), *log;
	struct harness_reply r;
	static const char head[] = "{\"filter\":{},\"padding\":\"";

	ck_assert_ptr_nonnull(body);
	/* Exactly one megabyte is read (and its unknown key tolerated). */
	memcpy(body, head, strlen(head));
	memset(body + strlen(head), 'x', cap - strlen(head) - 2);
	memcpy(body + cap - 2, "\"}", 3);
	ck_assert_uint_eq(strlen(body), cap);
	log = post_logged("/v2/calls/extensive", body, &r);
	ck_assert_msg(r.status == 200, "%ld %.200s", r.status, r.body);
	ck_assert_ptr_nonnull(strstr(log, "\"padding\" is not a field Gong knows; it is ignored"));
	free(log);
	harness_reply_free(&r);
	/* One byte more is not. */
	memcpy(body + cap - 2, "x\"}", 4);
	ck_assert_uint_eq(strlen(body), cap + 1);
	post("/v2/calls/transcript", BASIC, body, &r);
	check_error(&r, 413, "Request too large");
	harness_reply_free(&r);
	free(body);
}
END_TEST

/* ---- Walks ---- */

static void
walk_view(const char *path, const char *list)
{
	char body[2048];
	struct harness_reply r;
	size_t seen = 0;
	long long page = 0;

	snprintf(body, sizeof(body), "{\"filter\":{}}");
	for (;;) {
		json_t *items, *item;
		size_t i;

		post(path, BASIC, body, &r);
		ck_assert_int_eq(r.status, 200);
		check_envelope(&r);
		ck_assert_int_eq(rec(&r, "totalRecords"), NCALLS);
		ck_assert_int_eq(rec(&r, "currentPageNumber"), page);
		items = json_object_get(r.json, list);
		ck_assert_int_eq(rec(&r, "currentPageSize"), (long long)json_array_size(items));
		ck_assert_uint_eq(json_array_size(items),
		                  NCALLS - seen < 100 ? NCALLS - seen : 100);
		json_array_foreach(items, i, item)
		{
			const char *id = strcmp(list, "calls") == 0
			                     ? json_string_value(json_object_get(
			                           json_object_get(item, "metaData"), "id"))
			                     : json_string_value(json_object_get(item, "callId"));

			ck_assert_msg(strcmp(id, calls[order[seen]].id) == 0,
			              "%s: %zu is %s, want %s", path, seen, id,
			              calls[order[seen]].id);
			seen++;
		}
		if (cursor_of(&r) == NULL) {
			harness_reply_free(&r);
			break;
		}
		ck_assert_uint_lt(seen, NCALLS);
		snprintf(body, sizeof(body), "{\"filter\":{},\"cursor\":\"%s\"}", cursor_of(&r));
		harness_reply_free(&r);
		page++;
	}
	ck_assert_uint_eq(seen, NCALLS);
	ck_assert_int_eq(page, 2);
}

START_TEST(both_views_walk_every_call_once)
{
	walk_view("/v2/calls/extensive", "calls");
	walk_view("/v2/calls/transcript", "callTranscripts");
}
END_TEST

/* ---- What Gong tolerates ---- */

/* Runs a POST with the server's stderr going to a file; returns what was written there. */
static char *
post_logged(const char *target, const char *body, struct harness_reply *r)
{
	char path[64];
	int fd, saved;
	char *log;

	harness_temp_file("", ".log", path, sizeof(path));
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	post(target, BASIC, body, r);
	/* The warning is written before the answer is sent. */
	dup2(saved, STDERR_FILENO);
	close(saved);
	log = harness_read_file(path, NULL);
	unlink(path);
	return log;
}

START_TEST(a_cursor_in_the_query_string_warns)
{
	char target[1024], *log, want[512];
	struct harness_reply r, first;
	const char *rid;

	post("/v2/calls/extensive", BASIC, "{\"filter\":{}}", &first);
	ck_assert_ptr_nonnull(cursor_of(&first));
	snprintf(target, sizeof(target), "/v2/calls/extensive?cursor=%s", cursor_of(&first));
	log = post_logged(target, "{\"filter\":{}}", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(rec(&r, "currentPageNumber"), 0);
	ck_assert_str_eq(cursor_of(&r), cursor_of(&first));
	rid = json_string_value(json_object_get(r.json, "requestId"));
	snprintf(want, sizeof(want),
	         " warning POST /v2/calls/extensive (requestId %s): cursor: a POST takes the cursor "
	         "in its JSON body; the one in the query string is ignored and the walk starts "
	         "over\n",
	         rid);
	ck_assert_msg(strstr(log, want) != NULL, "no warning in: %s", log);
	free(log);
	harness_reply_free(&r);
	harness_reply_free(&first);
}
END_TEST

START_TEST(strict_refuses_a_cursor_in_the_query_string)
{
	char target[1024], *log;
	struct harness_reply r, first;

	post("/v2/calls/transcript", BASIC, "{\"filter\":{}}", &first);
	ck_assert_int_eq(first.status, 200);
	snprintf(target, sizeof(target), "/v2/calls/transcript?cursor=%s", cursor_of(&first));
	log = post_logged(target, "{\"filter\":{}}", &r);
	check_error(&r, 400,
	            "cursor: a POST takes the cursor in its JSON body; the one in the query string "
	            "is ignored and the walk starts over (refused under --strict)");
	ck_assert_ptr_null(strstr(log, " warning "));
	free(log);
	harness_reply_free(&r);
	/* And an unknown key of the body. */
	post("/v2/calls/extensive", BASIC, "{\"filter\":{},\"limit\":10}", &r);
	check_error(&r, 400,
	            "\"limit\" is not a field Gong knows; it is ignored (refused under --strict)");
	harness_reply_free(&r);
	/* What is right passes. */
	snprintf(target, sizeof(target), "{\"filter\":{},\"cursor\":\"%s\"}", cursor_of(&first));
	post("/v2/calls/transcript", BASIC, target, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(rec(&r, "currentPageNumber"), 1);
	harness_reply_free(&r);
	harness_reply_free(&first);
}
END_TEST

/* ---- Media ---- */

START_TEST(media_links_are_followed_without_credentials)
{
	const struct extensive_call *c = a_full_call();
	char body[512], buf[64], *bad;
	struct harness_reply r, m;
	json_t *media;
	const char *audio, *video;

	snprintf(body, sizeof(body),
	         "{\"filter\":{\"callIds\":[\"%s\"]},\"contentSelector\":{\"exposedFields\":{"
	         "\"media\":true}}}",
	         c->id);
	post("/v2/calls/extensive", "Bearer ext-media", body, &r);
	ck_assert_int_eq(r.status, 200);
	media = json_object_get(json_array_get(json_object_get(r.json, "calls"), 0), "media");
	audio = json_string_value(json_object_get(media, "audioUrl"));
	video = json_string_value(json_object_get(media, "videoUrl"));
	ck_assert_ptr_nonnull(audio);
	ck_assert_ptr_nonnull(video);
	ck_assert_int_eq(strncmp(audio, srv.base, strlen(srv.base)), 0);

	harness_request(&srv, NULL, audio + strlen(srv.base), NULL, NULL, NULL, &m);
	ck_assert_int_eq(m.status, 200);
	ck_assert_str_eq(harness_header(&m, "Content-Type", buf, sizeof(buf)), "audio/mpeg");
	ck_assert_int_eq(memcmp(m.body, "ID3", 3), 0);
	harness_reply_free(&m);
	harness_request(&srv, NULL, video + strlen(srv.base), NULL, NULL, NULL, &m);
	ck_assert_int_eq(m.status, 200);
	ck_assert_str_eq(harness_header(&m, "Content-Type", buf, sizeof(buf)), "video/mp4");
	harness_reply_free(&m);

	/* Altered, it is refused as the storage service refuses it. */
	bad = strdup(audio + strlen(srv.base));
	*strstr(bad, "audio.mp3") = 'x';
	harness_request(&srv, NULL, bad, NULL, NULL, NULL, &m);
	ck_assert_int_eq(m.status, 404);
	harness_reply_free(&m);
	free(bad);
	bad = strdup(audio + strlen(srv.base));
	strstr(bad, "nonce=")[6] ^= 1;
	harness_request(&srv, NULL, bad, NULL, NULL, NULL, &m);
	ck_assert_int_eq(m.status, 403);
	ck_assert_str_eq(harness_header(&m, "Content-Type", buf, sizeof(buf)), "application/xml");
	ck_assert_ptr_nonnull(strstr(m.body, "<Code>SignatureDoesNotMatch</Code>"));
	harness_reply_free(&m);
	free(bad);
	harness_reply_free(&r);
}
END_TEST

/* ---- A cassette as fixtures ---- */

#define S0 "\"started\":\"2025-01-01T00:00:00Z\""
#define TX(text)                                                                                   \
	"[{\"speakerId\":\"s1\",\"topic\":null,\"sentences\":[{\"start\":0,\"end\":1000,\"text\":" \
	"\"" text "\"}]}]"

START_TEST(a_cassette_contributes_calls_blocks_and_transcripts)
{
	char path[64], text[16384] = "";
	const char *flags[] = {"--fixtures", path, NULL};
	struct harness_server h;
	struct harness_reply r;
	json_t *list;

	cassettes_add_line(text, sizeof(text), "[]", "", 200,
	                   "{\"requestId\":\"r\",\"records\":{},\"calls\":[{\"id\":\"1\",\"title\":"
	                   "\"one\"," S0 "},{\"id\":\"2\",\"title\":\"two\"," S0 "}]}");
	cassettes_add_body_line(
	    text, sizeof(text), "POST", "/v2/calls/extensive", "{\"filter\":{}}", 200,
	    "{\"requestId\":\"r\",\"records\":{},\"calls\":[{\"metaData\":{\"id\":\"3\",\"title\":"
	    "\"three\",\"started\":\"2025-01-03T00:00:00Z\"},\"parties\":[{\"name\":\"Ann\","
	    "\"speakerId\":\"s1\"}],\"content\":{\"brief\":\"Three.\"}}]}");
	cassettes_add_body_line(text, sizeof(text), "GET", "/v2/calls/2", NULL, 200,
	                        "{\"requestId\":\"r\",\"call\":{\"id\":\"2\",\"title\":\"two v2\","
	                        "\"started\":\"2025-01-02T00:00:00Z\"}}");
	cassettes_add_body_line(
	    text, sizeof(text), "POST", "/v2/calls/transcript", "{\"filter\":{}}", 200,
	    "{\"requestId\":\"r\",\"records\":{},\"callTranscripts\":[{\"callId\":"
	    "\"3\",\"transcript\":" TX("three") "},{\"callId\":\"1\","
	                                        "\"transcript\":" TX("one") "}]}");
	cassettes_file(path, text);
	harness_start(&h, flags);

	harness_get(&h, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(rec(&r, "totalRecords"), 3);
	list = json_object_get(r.json, "calls");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 1), "title")),
	                 "two v2");
	harness_reply_free(&r);

	harness_request(&h, "POST", "/v2/calls/extensive", BASIC, NULL,
	                "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"parties\":true,"
	                "\"content\":{\"brief\":true}}}}",
	                &r);
	ck_assert_int_eq(r.status, 200);
	list = json_object_get(r.json, "calls");
	ck_assert_uint_eq(json_array_size(list), 3);
	ck_assert_uint_eq(json_array_size(json_object_get(json_array_get(list, 0), "parties")), 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(json_array_get(list, 2), "parties"), 0), "name")),
	    "Ann");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(json_array_get(list, 2), "content"), "brief")),
	                 "Three.");
	ck_assert(json_is_null(
	    json_object_get(json_object_get(json_array_get(list, 1), "content"), "brief")));
	harness_reply_free(&r);

	harness_request(&h, "POST", "/v2/calls/transcript", BASIC, NULL, "{\"filter\":{}}", &r);
	ck_assert_int_eq(r.status, 200);
	list = json_object_get(r.json, "callTranscripts");
	ck_assert_uint_eq(json_array_size(list), 3);
	{
		static const char *const want[] = {TX("one"), "[]", TX("three")};

		for (size_t i = 0; i < 3; i++) {
			json_t *w = json_loads(want[i], 0, NULL);

			ck_assert(
			    json_equal(json_object_get(json_array_get(list, i), "transcript"), w));
			json_decref(w);
		}
	}
	harness_reply_free(&r);
	harness_stop(&h);
	unlink(path);
}
END_TEST

/* ---- One company's data ---- */

struct tally {
	size_t calls;
	size_t with_parties;
	size_t with_transcript;
};

/* Every call of a walk of a POST view with `body`, as id -> the call's item. */
static json_t *
collect(const struct harness_server *h, const char *path, const char *filter_and_selector,
        const char *list)
{
	json_t *all = json_object();
	char body[2048];
	struct harness_reply r;

	snprintf(body, sizeof(body), "{%s}", filter_and_selector);
	for (;;) {
		json_t *item;
		size_t i;

		harness_request(h, "POST", path, BASIC, NULL, body, &r);
		ck_assert_msg(r.status == 200, "%s: %ld %s", path, r.status, r.body);
		json_array_foreach(json_object_get(r.json, list), i, item)
		{
			const char *id = strcmp(list, "calls") == 0
			                     ? json_string_value(json_object_get(
			                           json_object_get(item, "metaData"), "id"))
			                     : json_string_value(json_object_get(item, "callId"));

			ck_assert_ptr_nonnull(id);
			ck_assert_msg(json_object_get(all, id) == NULL, "%s: call %s twice", path,
			              id);
			json_object_set(all, id, item);
		}
		if (cursor_of(&r) == NULL) {
			harness_reply_free(&r);
			break;
		}
		snprintf(body, sizeof(body), "{%s,\"cursor\":\"%s\"}", filter_and_selector,
		         cursor_of(&r));
		harness_reply_free(&r);
	}
	return all;
}

static int
has_string(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) if (json_is_string(v) &&
	                                  strcmp(json_string_value(v), s) == 0) return 1;
	return 0;
}

/*
 * Checks that the views of every call agree, as one company's data does: transcript speakers
 * are parties, sentences lie in order within the call, talk times are the transcript's, and
 * the host is an internal party. Returns NULL, or the first disagreement (caller frees).
 */
static char *
check_dataset(const struct harness_server *h, struct tally *t)
{
	json_t *ext =
	    collect(h, "/v2/calls/extensive",
	            "\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"parties\":true,"
	            "\"interaction\":{\"speakers\":true}}}",
	            "calls");
	json_t *tx = collect(h, "/v2/calls/transcript", "\"filter\":{}", "callTranscripts");
	const char *id;
	json_t *call;
	char msg[512] = "";

	memset(t, 0, sizeof(*t));
	if (json_object_size(ext) != json_object_size(tx))
		snprintf(msg, sizeof(msg), "the views list %zu and %zu calls",
		         json_object_size(ext), json_object_size(tx));
	json_object_foreach(ext, id, call)
	{
		json_t *meta = json_object_get(call, "metaData");
		json_t *parties = json_object_get(call, "parties");
		json_t *speakers =
		    json_object_get(json_object_get(call, "interaction"), "speakers");
		json_t *transcript = json_object_get(json_object_get(tx, id), "transcript");
		json_t *speaker_ids = json_array(), *internal = json_array(), *talk = json_object();
		json_t *p, *m, *sp;
		const json_t *dur = json_object_get(meta, "duration");
		const char *host = json_string_value(json_object_get(meta, "primaryUserId"));
		long long limit = json_is_integer(dur) ? json_integer_value(dur) * 1000 : -1;
		long long prev = -1;
		double all_talk = 0, all_said = 0;
		size_t i, k;

		if (msg[0] != '\0')
			break;
		t->calls++;
		t->with_parties += json_array_size(parties) > 0;
		t->with_transcript += json_array_size(transcript) > 0;
		if (!json_is_array(transcript)) {
			snprintf(msg, sizeof(msg), "call %s: not in the transcript view", id);
			goto next;
		}
		json_array_foreach(parties, i, p)
		{
			const char *a = json_string_value(json_object_get(p, "affiliation"));

			if (json_is_string(json_object_get(p, "speakerId")))
				json_array_append(speaker_ids, json_object_get(p, "speakerId"));
			if (a != NULL && strcmp(a, "Internal") == 0 &&
			    json_is_string(json_object_get(p, "userId")))
				json_array_append(internal, json_object_get(p, "userId"));
		}
		if (json_array_size(parties) > 0 && host != NULL && !has_string(internal, host)) {
			snprintf(msg, sizeof(msg),
			         "call %s: the host %s is no internal party's userId", id, host);
			goto next;
		}
		json_array_foreach(transcript, i, m)
		{
			const char *who = json_string_value(json_object_get(m, "speakerId"));
			double said = 0;

			if (who != NULL && !has_string(speaker_ids, who)) {
				snprintf(msg, sizeof(msg),
				         "call %s: transcript speakerId %s is no party's speakerId",
				         id, who);
				goto next;
			}
			json_array_foreach(json_object_get(m, "sentences"), k, sp)
			{
				long long s = json_integer_value(json_object_get(sp, "start"));
				long long e = json_integer_value(json_object_get(sp, "end"));

				if (s < 0 || e < s || (limit >= 0 && e > limit)) {
					snprintf(msg, sizeof(msg),
					         "call %s: sentence [%lld, %lld] outside [0, %lld]",
					         id, s, e, limit);
					goto next;
				}
				if (s < prev) {
					snprintf(msg, sizeof(msg),
					         "call %s: sentence at %lld after one at %lld", id,
					         s, prev);
					goto next;
				}
				prev = s;
				said += (double)(e - s) / 1000.0;
			}
			if (who != NULL) {
				json_t *sum = json_object_get(talk, who);

				json_object_set_new(
				    talk, who, json_real(said + (sum ? json_real_value(sum) : 0)));
			}
			all_said += said;
		}
		json_array_foreach(speakers, i, sp)
		{
			const char *who = json_string_value(json_object_get(sp, "id"));
			json_t *sum = who != NULL ? json_object_get(talk, who) : NULL;
			double said = sum != NULL ? json_real_value(sum) : 0;
			double tt = json_number_value(json_object_get(sp, "talkTime"));

			all_talk += tt;
			if (fabs(tt - said) > 0.5) {
				snprintf(msg, sizeof(msg),
				         "call %s: speaker %s talks %.3f s, the transcript %.3f s",
				         id, who ? who : "(null)", tt, said);
				goto next;
			}
		}
		if (json_array_size(speakers) > 0 &&
		    fabs(all_talk - all_said) > 0.5 * (double)(json_array_size(speakers) + 1)) {
			snprintf(msg, sizeof(msg),
			         "call %s: speakers talk %.3f s in all, the transcript %.3f s", id,
			         all_talk, all_said);
		}
	next:
		json_decref(speaker_ids);
		json_decref(internal);
		json_decref(talk);
	}
	json_decref(ext);
	json_decref(tx);
	return msg[0] != '\0' ? strdup(msg) : NULL;
}

START_TEST(the_test_data_is_one_dataset)
{
	struct tally t;
	char *why = check_dataset(&srv, &t);

	ck_assert_msg(why == NULL, "%s", why);
	ck_assert_uint_eq(t.calls, NCALLS);
	ck_assert_uint_gt(t.with_parties, NCALLS / 2);
	ck_assert_uint_gt(t.with_transcript, NCALLS / 2);
}
END_TEST

/* The checker itself fails on each kind of disagreement. */
START_TEST(disagreeing_data_is_caught)
{
	static const struct {
		const char *find, *replace, *why;
	} cases[] = {
	    {"\"speakerId\":\"sp2-9999999007\",\"topic\"", "\"speakerId\":\"sp9\",\"topic\"",
	     "transcript speakerId sp9 is no party's speakerId"},
	    {"\"start\":9200,\"end\":15200", "\"start\":9200,\"end\":61000",
	     "sentence [9200, 61000] outside [0, 60000]"},
	    {"\"start\":4100,\"end\":9100", "\"start\":100,\"end\":200", "sentence at 100 after"},
	    {"\"talkTime\":9.9", "\"talkTime\":12.5", "talks 12.500 s, the transcript 9.900 s"},
	    {"\"userId\":\"11\",\"speakerId\":\"sp1-9999999007\"",
	     "\"userId\":\"99\",\"speakerId\":\"sp1-9999999007\"",
	     "the host 11 is no internal party's userId"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct extensive_call c[1];
		char *text, *at, *bad, path[256];
		const char *flags[] = {"--fixtures", path, NULL};
		struct harness_server h;
		struct tally t;
		char *why;
		size_t n;

		/* Call 1 of extensive_dataset: id 9999999007, host 11. */
		memset(c, 0, sizeof(c));
		strcpy(c->id, "9999999007");
		strcpy(c->user, "11");
		strcpy(c->workspace, "8");
		c->blocks = 1;
		text = extensive_call_text(c);
		at = strstr(text, cases[i].find);
		ck_assert_msg(at != NULL, "case %zu: no %s", i, cases[i].find);
		n = strlen(text) - strlen(cases[i].find) + strlen(cases[i].replace);
		bad = malloc(n + 1);
		ck_assert_ptr_nonnull(bad);
		snprintf(bad, n + 1, "%.*s%s%s", (int)(at - text), text, cases[i].replace,
		         at + strlen(cases[i].find));
		harness_temp_file(bad, ".json", path, sizeof(path));
		harness_start(&h, flags);
		why = check_dataset(&h, &t);
		ck_assert_msg(why != NULL, "case %zu: not caught", i);
		ck_assert_msg(strstr(why, cases[i].why) != NULL, "case %zu: %s", i, why);
		free(why);
		harness_stop(&h);
		unlink(path);
		free(text);
		free(bad);
	}
}
END_TEST

/* Whether a dataset carries blocks at all; says so when it does not. */
static int
carries_blocks(const struct tally *t, const char *what)
{
	if (t->with_parties > 0 || t->with_transcript > 0)
		return 1;
	fprintf(stderr,
	        "%s: no call carries parties or a transcript yet; the consistency checks have "
	        "nothing to check\n",
	        what);
	return 0;
}

START_TEST(the_builtin_data_is_one_dataset)
{
	struct harness_server h;
	struct tally t;
	char *why;

	harness_start(&h, NULL);
	why = check_dataset(&h, &t);
	ck_assert_uint_gt(t.calls, 0);
	if (carries_blocks(&t, "built-in data")) {
		ck_assert_msg(why == NULL, "built-in data: %s", why);
		/* Every call carries its blocks. */
		ck_assert_uint_eq(t.with_parties, t.calls);
	}
	free(why);
	harness_stop(&h);
}
END_TEST

START_TEST(generated_data_is_one_dataset)
{
	struct generate_options o;
	char path[256];
	const char *flags[] = {"--fixtures", path, NULL};
	struct harness_server h;
	struct tally t;
	char *why;
	FILE *f;

	generate_defaults(&o);
	o.calls = 300;
	harness_temp_file("", ".json", path, sizeof(path));
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(generate_write(&o, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	harness_start(&h, flags);
	why = check_dataset(&h, &t);
	ck_assert_uint_eq(t.calls, 300);
	if (carries_blocks(&t, "generated data"))
		ck_assert_msg(why == NULL, "generated data: %s", why);
	free(why);
	harness_stop(&h);
	unlink(path);
}
END_TEST

static Suite *
family_suite(void)
{
	Suite *s = suite_create("family");
	TCase *tc = tcase_create("operations");

	tcase_add_checked_fixture(tc, start_family, stop_server);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_operation_with_basic_and_bearer);
	tcase_add_loop_test(tc, each_operation_needs_its_scope, 0,
	                    (int)(sizeof(scoped) / sizeof(scoped[0])));
	tcase_add_test(tc, other_methods_get_405_with_allow);
	tcase_add_test(tc, a_post_body_must_be_json);
	tcase_add_test(tc, a_body_over_a_megabyte_is_413);
	tcase_add_test(tc, both_views_walk_every_call_once);
	tcase_add_test(tc, a_cursor_in_the_query_string_warns);
	tcase_add_test(tc, media_links_are_followed_without_credentials);
	tcase_add_test(tc, the_test_data_is_one_dataset);
	suite_add_tcase(s, tc);

	tc = tcase_create("strict");
	tcase_add_checked_fixture(tc, start_strict, stop_server);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, strict_refuses_a_cursor_in_the_query_string);
	suite_add_tcase(s, tc);

	tc = tcase_create("data");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a_cassette_contributes_calls_blocks_and_transcripts);
	tcase_add_test(tc, disagreeing_data_is_caught);
	tcase_add_test(tc, the_builtin_data_is_one_dataset);
	tcase_add_test(tc, generated_data_is_one_dataset);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(family_suite());
}
