/*
 * test_faults.c - fault simulation as a client sees it, over real sockets: statuses and
 * bodies chosen by rules and by Prefer, rules on a POST's JSON body and on wildcard paths,
 * each connection fault, after/times sequences, the rate limiter with a client that honours
 * Retry-After, the control API (rules, reset, journal, metrics by operation, admin token),
 * stubs with bodies inline and from files (operations gongmock does not emulate included),
 * rules refused because they could never fire (through the control API, and at start-up by
 * the built binary), and each shipped scenario file doing what its description says on the
 * built-in data.
 */
/* realpath(3), for the absolute path a listing shows, is declared only for default builds. */
#define _DEFAULT_SOURCE 1
#include "harness.h"

#include <check.h>
#include <curl/curl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct harness_server srv;

static const char *const admin_json[] = {"Content-Type: application/json", NULL};

static void
start_plain(void)
{
	const char *flags[] = {"--page-size", "10", NULL};

	harness_start(&srv, flags);
}

static void
stop_server(void)
{
	harness_stop(&srv);
}

/* Posts rules; asserts 201 and returns the first id. */
static long
add_rules(const char *json)
{
	struct harness_reply r;
	long id;

	harness_request(&srv, "POST", "/__admin/faults", NULL, admin_json, json, &r);
	ck_assert_msg(r.status == 201, "POST /__admin/faults: %ld %s", r.status, r.body);
	id = (long)json_integer_value(json_array_get(json_object_get(r.json, "ids"), 0));
	ck_assert_int_gt(id, 0);
	harness_reply_free(&r);
	return id;
}

static void
expect_error(const struct harness_reply *r, long status, const char *message)
{
	char buf[64];
	const char *id;

	ck_assert_msg(r->status == status, "status %ld, want %ld: %s", r->status, status, r->body);
	ck_assert_ptr_nonnull(r->json);
	id = json_string_value(json_object_get(r->json, "requestId"));
	ck_assert_ptr_nonnull(id);
	ck_assert(strlen(id) == 18 || strlen(id) == 19);
	ck_assert_ptr_nonnull(harness_header(r, "x-traceid", buf, sizeof(buf)));
	ck_assert_str_eq(buf, id);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r->json, "errors"), 0)),
	                 message);
}

/* How many times a header (case-insensitive) came back. */
static int
header_count(const struct harness_reply *r, const char *name)
{
	const char *p = r->headers;
	size_t len = strlen(name);
	int n = 0;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, name, len) == 0 && p[len] == ':')
			n++;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return n;
}

START_TEST(rule_statuses_with_gong_bodies)
{
	struct harness_reply r;
	char buf[64];

	add_rules("{\"rules\":["
	          "{\"name\":\"limit\",\"match\":{\"query\":{\"workspaceId\":\"1\"}},"
	          "\"respond\":{\"status\":429,\"retryAfter\":7}},"
	          "{\"match\":{\"query\":{\"workspaceId\":\"2\"}},\"respond\":{\"status\":500}},"
	          "{\"match\":{\"query\":{\"workspaceId\":\"3\"}},"
	          "\"respond\":{\"status\":503,\"errors\":[\"down for maintenance\"],"
	          "\"headers\":{\"X-Why\":\"drill\"}}},"
	          "{\"match\":{\"query\":{\"workspaceId\":\"4\"}},\"respond\":{\"status\":404}}]}");
	harness_get(&srv, "/v2/calls?workspaceId=1", &r);
	expect_error(&r, 429, "API request limit exceeded");
	ck_assert_ptr_nonnull(harness_header(&r, "Retry-After", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "7");
	harness_reply_free(&r);
	harness_get(&srv, "/v2/calls?workspaceId=2", &r);
	expect_error(&r, 500, "Internal server error occurred");
	ck_assert_ptr_null(harness_header(&r, "Retry-After", buf, sizeof(buf)));
	harness_reply_free(&r);
	harness_get(&srv, "/v2/calls?workspaceId=3", &r);
	expect_error(&r, 503, "down for maintenance");
	ck_assert_ptr_nonnull(harness_header(&r, "X-Why", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "drill");
	harness_reply_free(&r);
	harness_get(&srv, "/v2/calls?workspaceId=4", &r);
	expect_error(&r, 404, "No calls found corresponding to the provided filters");
	harness_reply_free(&r);
	/* A rule's own Retry-After replaces the default one: one header, its value. */
	add_rules("{\"match\":{\"query\":{\"workspaceId\":\"6\"}},"
	          "\"respond\":{\"status\":429,\"headers\":{\"retry-after\":\"9\"}}}");
	harness_get(&srv, "/v2/calls?workspaceId=6", &r);
	ck_assert_int_eq(r.status, 429);
	ck_assert_ptr_nonnull(harness_header(&r, "Retry-After", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "9");
	ck_assert_int_eq(header_count(&r, "Retry-After"), 1);
	harness_reply_free(&r);
	/* Unmatched requests are served normally; auth still comes first. */
	harness_get(&srv, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/v2/calls?workspaceId=1", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	harness_reply_free(&r);
}
END_TEST

START_TEST(prefer_header_picks_the_status)
{
	static const char *const h429[] = {"Prefer: code=429", NULL};
	static const char *const h500[] = {"Prefer: code=500, return=minimal", NULL};
	struct harness_reply r;
	char buf[64];

	harness_request(&srv, NULL, "/v2/calls", "Basic azpz", h429, NULL, &r);
	expect_error(&r, 429, "API request limit exceeded");
	ck_assert_ptr_nonnull(harness_header(&r, "Retry-After", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "1");
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/v2/calls", "Basic azpz", h500, NULL, &r);
	expect_error(&r, 500, "Internal server error occurred");
	ck_assert_ptr_null(harness_header(&r, "Retry-After", buf, sizeof(buf)));
	harness_reply_free(&r);
	/* An informational status is no answer: asking for one is a 400 that says so. */
	{
		static const char *const h100[] = {"Prefer: code=100", NULL};

		harness_request(&srv, NULL, "/v2/calls", "Basic azpz", h100, NULL, &r);
		ck_assert_int_eq(r.status, 400);
		harness_reply_free(&r);
	}
}
END_TEST

START_TEST(after_and_times_make_a_sequence)
{
	static const long want[] = {200, 200, 429, 429, 429, 200, 200};
	struct harness_reply r;
	size_t i;

	add_rules("{\"match\":{\"path\":\"//v2/calls\"},\"respond\":{\"status\":429},"
	          "\"after\":2,\"times\":3}");
	for (i = 0; i < 7; i++) {
		harness_get(&srv, i % 2 ? "//v2/calls" : "/v2/calls", &r);
		ck_assert_msg(r.status == want[i], "request %zu: %ld", i, r.status);
		harness_reply_free(&r);
	}
	harness_request(&srv, NULL, "/__admin/faults", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	{
		json_t *rule = json_array_get(json_object_get(r.json, "rules"), 0);

		ck_assert_int_eq(json_integer_value(json_object_get(rule, "fired")), 3);
		ck_assert_int_eq(json_integer_value(json_object_get(rule, "matched")), 7);
	}
	harness_reply_free(&r);
}
END_TEST

START_TEST(page_rule_fires_on_the_second_page_only)
{
	struct harness_reply r;
	char target[1024], esc[800];
	const char *cursor;

	add_rules("{\"match\":{\"page\":1},\"respond\":{\"status\":502},\"times\":1}");
	harness_get(&srv, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	cursor = json_string_value(json_object_get(json_object_get(r.json, "records"), "cursor"));
	harness_escape(cursor, esc, sizeof(esc));
	harness_reply_free(&r);
	snprintf(target, sizeof(target), "/v2/calls?cursor=%s", esc);
	harness_get(&srv, target, &r);
	expect_error(&r, 502, "Bad Gateway");
	harness_reply_free(&r);
	harness_get(&srv, target, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r.json, "records"),
	                                                    "currentPageNumber")),
	                 1);
	harness_reply_free(&r);
}
END_TEST

START_TEST(connection_faults_as_a_client_sees_them)
{
	struct harness_reply r;

	add_rules(
	    "{\"rules\":["
	    "{\"match\":{\"query\":{\"workspaceId\":\"1\"}},\"respond\":{\"fault\":\"reset\"}},"
	    "{\"match\":{\"query\":{\"workspaceId\":\"2\"}},\"respond\":{\"fault\":\"empty\"}},"
	    "{\"match\":{\"query\":{\"workspaceId\":\"3\"}},"
	    "\"respond\":{\"fault\":\"truncate\"}},"
	    "{\"match\":{\"query\":{\"workspaceId\":\"4\"}},"
	    "\"respond\":{\"fault\":\"slow\",\"delayMs\":300}}]}");
	harness_get(&srv, "/v2/calls?workspaceId=1", &r);
	ck_assert_msg(r.curl_code == CURLE_GOT_NOTHING || r.curl_code == CURLE_RECV_ERROR,
	              "reset gave curl code %d", r.curl_code);
	harness_reply_free(&r);

	harness_get(&srv, "/v2/calls?workspaceId=2", &r);
	ck_assert_int_eq(r.curl_code, CURLE_PARTIAL_FILE);
	ck_assert_int_eq(r.status, 404); /* the answer it would have been: no calls there */
	ck_assert_uint_eq(r.body_len, 0);
	harness_reply_free(&r);

	/* Truncated: the status and half the body, which does not parse. */
	harness_get(&srv, "/v2/calls?workspaceId=3&fromDateTime=2000-01-01T00:00:00Z", &r);
	ck_assert_int_eq(r.curl_code, CURLE_PARTIAL_FILE);
	ck_assert_ptr_null(r.json);
	ck_assert_uint_gt(r.body_len, 0);
	harness_reply_free(&r);

	/* Slow: every byte arrives, over the time asked for. */
	{
		long t0 = harness_mono_ms();

		harness_get(&srv, "/v2/calls?workspaceId=4", &r);
		ck_assert_int_eq(r.curl_code, CURLE_OK);
		ck_assert_int_ge(harness_mono_ms() - t0, 290);
	}
	ck_assert_int_eq(r.status, 404);
	ck_assert_ptr_nonnull(r.json);
	harness_reply_free(&r);
}
END_TEST

START_TEST(truncate_cuts_a_real_page_in_half)
{
	struct harness_reply r;

	add_rules("{\"match\":{\"query\":{\"toDateTime\":\"2030-01-01T00:00:00Z\"}},"
	          "\"respond\":{\"fault\":\"truncate\"}}");
	harness_get(&srv, "/v2/calls?toDateTime=2030-01-01T02:00:00%2B02:00", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.curl_code, CURLE_PARTIAL_FILE);
	ck_assert_ptr_null(r.json);
	ck_assert_uint_gt(r.body_len, 100);
	harness_reply_free(&r);
}
END_TEST

START_TEST(delay_holds_the_answer)
{
	struct harness_reply r;
	long t0;

	add_rules("{\"match\":{\"method\":\"GET\"},\"respond\":{\"delayMs\":400},\"times\":1}");
	t0 = harness_mono_ms();
	harness_get(&srv, "/v2/calls", &r);
	ck_assert_int_ge(harness_mono_ms() - t0, 390);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(r.json);
	harness_reply_free(&r);
}
END_TEST

/* Many delayed requests in flight do not stop an undelayed one on a single worker thread. */
START_TEST(delayed_requests_hold_no_thread)
{
	enum { N = 40 };
	CURLM *m = curl_multi_init();
	CURL *easy[N + 1];
	struct curl_slist *auth = curl_slist_append(NULL, "Authorization: Basic azpz");
	FILE *sink = fopen("/dev/null", "w");
	char url[256];
	int running = 1, i, fast_done = 0, slow_done_before_fast = 0;

	add_rules("{\"match\":{\"query\":{\"workspaceId\":\"9\"}},\"respond\":{\"delayMs\":1500}}");
	for (i = 0; i <= N; i++) {
		easy[i] = curl_easy_init();
		snprintf(url, sizeof(url), "%s/v2/calls%s", srv.base,
		         i < N ? "?workspaceId=9" : "");
		curl_easy_setopt(easy[i], CURLOPT_URL, url);
		curl_easy_setopt(easy[i], CURLOPT_HTTPHEADER, auth);
		curl_easy_setopt(easy[i], CURLOPT_WRITEDATA, sink);
		curl_easy_setopt(easy[i], CURLOPT_TIMEOUT, 20L);
		curl_easy_setopt(easy[i], CURLOPT_PRIVATE, (char *)(i < N ? "slow" : "fast"));
		if (i < N)
			curl_multi_add_handle(m, easy[i]);
	}
	/* Let the slow ones reach the server first. */
	for (i = 0; i < 50; i++) {
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 10, NULL);
	}
	curl_multi_add_handle(m, easy[N]);
	while (running > 0 || !fast_done) {
		CURLMsg *msg;
		int left;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			char *kind;

			if (msg->msg != CURLMSG_DONE)
				continue;
			ck_assert_int_eq(msg->data.result, CURLE_OK);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &kind);
			if (strcmp(kind, "fast") == 0)
				fast_done = 1;
			else if (!fast_done)
				slow_done_before_fast++;
		}
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 50, NULL);
		else if (!fast_done)
			break;
	}
	ck_assert(fast_done);
	ck_assert_int_eq(slow_done_before_fast, 0);
	for (i = 0; i <= N; i++) {
		curl_multi_remove_handle(m, easy[i]);
		curl_easy_cleanup(easy[i]);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(auth);
	fclose(sink);
}
END_TEST

START_TEST(malformed_rules_are_refused_whole)
{
	struct harness_reply r;

	harness_request(&srv, "POST", "/__admin/faults", NULL, admin_json,
	                "{\"rules\":[{\"respond\":{\"status\":500}},"
	                "{\"respond\":{\"status\":99}}]}",
	                &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(
	    strstr(json_string_value(json_array_get(json_object_get(r.json, "errors"), 0)),
	           "rules[1].respond.status"));
	harness_reply_free(&r);
	harness_request(&srv, "POST", "/__admin/faults", NULL, admin_json, "{not json", &r);
	ck_assert_int_eq(r.status, 400);
	harness_reply_free(&r);
	harness_request(&srv, "POST", "/__admin/faults", NULL, admin_json, "", &r);
	ck_assert_int_eq(r.status, 400);
	harness_reply_free(&r);
	harness_request(&srv, "POST", "/__admin/faults", NULL, admin_json,
	                "{\"rules\":[{\"respond\":{\"status\":500}},"
	                "{\"match\":{\"body\":[\"filter.workspaceId\"]},\"respond\":{}}]}",
	                &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "errors"), 0)),
	                 "rules[1].match.body: must be an object of dotted paths to strings or "
	                 "numbers");
	harness_reply_free(&r);
	harness_request(&srv, "POST", "/__admin/faults", NULL, admin_json,
	                "{\"match\":{\"path\":\"/v2/calls/7*\"},\"respond\":{}}", &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "errors"), 0)),
	                 "match.path: \"*\" must be a whole segment, standing for any one segment");
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/__admin/faults", NULL, NULL, NULL, &r);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "rules")), 0);
	harness_reply_free(&r);
	/* Nothing was added: requests are served normally. */
	harness_get(&srv, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
}
END_TEST

START_TEST(rules_are_listed_deleted_and_reset)
{
	struct harness_reply r;
	long a, b;
	char path[64];

	a = add_rules("{\"name\":\"a\",\"match\":{\"query\":{\"workspaceId\":\"1\"}},"
	              "\"respond\":{\"status\":500},\"times\":1}");
	b = add_rules("{\"name\":\"b\",\"match\":{\"query\":{\"workspaceId\":\"2\"}},"
	              "\"respond\":{\"status\":500}}");
	ck_assert_int_gt(b, a);
	harness_get(&srv, "/v2/calls?workspaceId=1", &r);
	ck_assert_int_eq(r.status, 500);
	harness_reply_free(&r);
	harness_get(&srv, "/v2/calls?workspaceId=1", &r);
	ck_assert_int_ne(r.status, 500);
	harness_reply_free(&r);

	/* Reset rewinds the rule's progress, keeps the rules, empties the journal. */
	harness_request(&srv, "POST", "/__admin/reset", NULL, NULL, "", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/__admin/requests", NULL, NULL, NULL, &r);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "requests")), 0);
	harness_reply_free(&r);
	harness_get(&srv, "/v2/calls?workspaceId=1", &r);
	ck_assert_int_eq(r.status, 500);
	harness_reply_free(&r);

	snprintf(path, sizeof(path), "/__admin/faults/%ld", a);
	harness_request(&srv, "DELETE", path, NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_request(&srv, "DELETE", path, NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/__admin/faults", NULL, NULL, NULL, &r);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "rules")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(r.json, "rules"), 0), "name")),
	                 "b");
	harness_reply_free(&r);
	harness_request(&srv, "DELETE", "/__admin/faults", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_get(&srv, "/v2/calls?workspaceId=2", &r);
	ck_assert_int_ne(r.status, 500);
	harness_reply_free(&r);
}
END_TEST

START_TEST(journal_and_metrics_reflect_the_traffic)
{
	struct harness_reply r;
	json_t *reqs, *first;
	static const char *const prefer[] = {"Prefer: code=503", NULL};

	add_rules("{\"name\":\"boom\",\"match\":{\"query\":{\"workspaceId\":\"5\"}},"
	          "\"respond\":{\"status\":500}}");
	harness_get(&srv, "/v2/calls?fromDateTime=2025-01-01T00:00:00Z", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_get(&srv, "/v2/calls?workspaceId=5", &r);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/v2/calls", "Basic azpz", prefer, NULL, &r);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/__admin/health", NULL, NULL, NULL, &r);
	harness_reply_free(&r);

	harness_request(&srv, NULL, "/__admin/requests?limit=2", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	reqs = json_object_get(r.json, "requests");
	ck_assert_int_eq(json_array_size(reqs), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "total")), 3);
	first = json_array_get(reqs, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(first, "status")), 503);
	ck_assert_str_eq(json_string_value(json_object_get(first, "source")), "fault:prefer");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(reqs, 1), "source")),
	                 "fault:boom");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(reqs, 1), "query")),
	                 "workspaceId=5");
	ck_assert_ptr_null(strstr(r.body, "azpz"));
	harness_reply_free(&r);

	harness_request(&srv, NULL, "/metrics", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "gongmock_requests_total{code=\"200\",source="
	                                     "\"fixture\",operation=\"listCalls\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(
	    r.body,
	    "gongmock_requests_total{code=\"500\",source=\"fault\",operation=\"listCalls\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(
	    r.body,
	    "gongmock_requests_total{code=\"503\",source=\"fault\",operation=\"listCalls\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "gongmock_faults_fired_total{rule=\"boom\"} 1\n"));
	ck_assert_ptr_nonnull(
	    strstr(r.body, "gongmock_request_duration_seconds_count{operation=\"listCalls\"} 3\n"));
	/* The control API's own requests are not counted. */
	ck_assert_ptr_nonnull(
	    strstr(r.body, "gongmock_request_duration_seconds_count{operation=\"admin\"} 0\n"));
	harness_reply_free(&r);
}
END_TEST

static const char *const post_json[] = {"Content-Type: application/json", NULL};

/* A rule on a POST's JSON body fires only for the bodies it names. */
START_TEST(body_rules_pick_their_requests)
{
	struct harness_reply r;
	json_t *rule;
	char buf[128];

	add_rules("{\"name\":\"ws123 transcripts\","
	          "\"match\":{\"method\":\"POST\",\"path\":\"/v2/calls/transcript\","
	          "\"body\":{\"filter.workspaceId\":\"123\","
	          "\"filter.callIds\":\"7782342274025937895\"}},"
	          "\"respond\":{\"status\":503,\"retryAfter\":4}}");
	harness_request(&srv, "POST", "/v2/calls/transcript", "Basic azpz", post_json,
	                "{\"filter\":{\"workspaceId\":\"123\","
	                "\"callIds\":[\"1\",\"7782342274025937895\"]}}",
	                &r);
	expect_error(&r, 503, "Service Unavailable");
	ck_assert_str_eq(harness_header(&r, "Retry-After", buf, sizeof(buf)), "4");
	harness_reply_free(&r);
	/* Another workspace, another call, a body that is not JSON, or none: not this rule. */
	harness_request(&srv, "POST", "/v2/calls/transcript", "Basic azpz", post_json,
	                "{\"filter\":{\"workspaceId\":\"124\","
	                "\"callIds\":[\"7782342274025937895\"]}}",
	                &r);
	ck_assert_int_ne(r.status, 503);
	harness_reply_free(&r);
	harness_request(&srv, "POST", "/v2/calls/transcript", "Basic azpz", post_json,
	                "{\"filter\":{\"workspaceId\":\"123\",\"callIds\":[\"1\"]}}", &r);
	ck_assert_int_ne(r.status, 503);
	harness_reply_free(&r);
	harness_request(&srv, "POST", "/v2/calls/transcript", "Basic azpz", post_json,
	                "filter.workspaceId=123", &r);
	ck_assert_int_ne(r.status, 503);
	harness_reply_free(&r);
	harness_request(&srv, "POST", "/v2/calls/transcript", "Basic azpz", post_json, "", &r);
	ck_assert_int_ne(r.status, 503);
	harness_reply_free(&r);

	harness_request(&srv, NULL, "/__admin/faults", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	rule = json_array_get(json_object_get(r.json, "rules"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(rule, "matched")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(rule, "fired")), 1);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_object_get(json_object_get(rule, "match"), "body"), "filter.callIds")),
	    "7782342274025937895");
	harness_reply_free(&r);

	harness_request(&srv, NULL, "/__admin/requests?limit=5", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(r.json, "requests"), 4), "source")),
	                 "fault:ws123 transcripts");
	harness_reply_free(&r);

	harness_request(&srv, NULL, "/metrics", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body,
	                             "gongmock_requests_total{code=\"503\",source=\"fault\","
	                             "operation=\"getCallTranscripts\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(
	    r.body,
	    "gongmock_request_duration_seconds_count{operation=\"getCallTranscripts\"} 5\n"));
	ck_assert_ptr_nonnull(
	    strstr(r.body, "gongmock_faults_fired_total{rule=\"ws123 transcripts\"} 1\n"));
	harness_reply_free(&r);
}
END_TEST

/* A `*` segment stands for any call id, and for nothing more or less. */
START_TEST(wildcard_path_rules_match_one_segment)
{
	struct harness_reply r;

	add_rules("{\"match\":{\"method\":\"GET\",\"path\":\"/v2/calls/*\"},"
	          "\"respond\":{\"status\":502}}");
	harness_get(&srv, "/v2/calls/7782342274025937895", &r);
	expect_error(&r, 502, "Bad Gateway");
	harness_reply_free(&r);
	harness_get(&srv, "//v2/calls/123/", &r);
	ck_assert_int_eq(r.status, 502);
	harness_reply_free(&r);
	harness_get(&srv, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	/* Another method on the same paths is not this rule's. */
	harness_request(&srv, "POST", "/v2/calls/extensive", "Basic azpz", post_json,
	                "{\"filter\":{}}", &r);
	ck_assert_int_ne(r.status, 502);
	harness_reply_free(&r);

	harness_request(&srv, NULL, "/metrics", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(
	    r.body,
	    "gongmock_requests_total{code=\"502\",source=\"fault\",operation=\"getCall\"} 2\n"));
	ck_assert_ptr_nonnull(
	    strstr(r.body,
	           "gongmock_request_duration_seconds_count{operation=\"getCallsExtensive\"} 1\n"));
	harness_reply_free(&r);
}
END_TEST

START_TEST(admin_token_guards_the_control_api)
{
	struct harness_server s2;
	struct harness_reply r;
	const char *flags[] = {"--admin-token", "t0ken", NULL};
	struct harness_server keep = srv;

	harness_start(&s2, flags);
	srv = s2;
	harness_request(&srv, NULL, "/__admin/faults", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 403);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/__admin/faults", "Bearer wrong", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 403);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/metrics", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 403);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/__admin/faults", "Bearer t0ken", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/__admin/health", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_stop(&s2);
	srv = keep;
}
END_TEST

static void
start_limited(void)
{
	const char *flags[] = {"--page-size", "50", "--rate-limit", "gong", NULL};

	harness_start(&srv, flags);
}

START_TEST(gong_limiter_burst_then_429)
{
	struct harness_reply r;
	char buf[32];
	int i;

	for (i = 0; i < 3; i++) {
		harness_get(&srv, "/v2/calls", &r);
		ck_assert_int_eq(r.status, 200);
		harness_reply_free(&r);
	}
	harness_get(&srv, "/v2/calls", &r);
	expect_error(&r, 429, "API request limit exceeded");
	ck_assert_ptr_nonnull(harness_header(&r, "Retry-After", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "1");
	ck_assert_ptr_null(harness_header(&r, "X-RateLimit-Limit", buf, sizeof(buf)));
	harness_reply_free(&r);
	/* Unauthenticated requests are not counted: they are 401 whatever the bucket. */
	harness_request(&srv, NULL, "/v2/calls", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	harness_reply_free(&r);
	/* Reset refills the bucket. */
	harness_request(&srv, "POST", "/__admin/reset", NULL, NULL, "", &r);
	harness_reply_free(&r);
	harness_get(&srv, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
}
END_TEST

/* A pager that sleeps Retry-After on 429 gets every page exactly once. */
START_TEST(retrying_client_walks_every_page_once)
{
	struct harness_reply r;
	char target[1024], esc[800];
	char *cursor = NULL;
	long pages = 0, got = 0, total = -1, limited = 0;
	int tries = 0;

	snprintf(target, sizeof(target), "/v2/calls");
	for (;;) {
		char buf[32];

		ck_assert_int_lt(++tries, 60);
		harness_get(&srv, target, &r);
		if (r.status == 429) {
			ck_assert_ptr_nonnull(harness_header(&r, "Retry-After", buf, sizeof(buf)));
			limited++;
			harness_reply_free(&r);
			sleep((unsigned)atoi(buf));
			continue;
		}
		ck_assert_int_eq(r.status, 200);
		ck_assert_int_eq(json_integer_value(json_object_get(
		                     json_object_get(r.json, "records"), "currentPageNumber")),
		                 pages);
		total = json_integer_value(
		    json_object_get(json_object_get(r.json, "records"), "totalRecords"));
		got += (long)json_array_size(json_object_get(r.json, "calls"));
		pages++;
		free(cursor);
		cursor = NULL;
		if (json_object_get(json_object_get(r.json, "records"), "cursor") != NULL)
			cursor = strdup(json_string_value(
			    json_object_get(json_object_get(r.json, "records"), "cursor")));
		harness_reply_free(&r);
		if (cursor == NULL)
			break;
		harness_escape(cursor, esc, sizeof(esc));
		snprintf(target, sizeof(target), "/v2/calls?cursor=%s", esc);
	}
	ck_assert_int_eq(got, total);
	ck_assert_int_ge(pages, 8);
	ck_assert_int_gt(limited, 0);
}
END_TEST

START_TEST(per_credential_scope_counts_apart)
{
	struct harness_server s2;
	struct harness_reply r;
	const char *flags[] = {"--rate-limit", "2/s", "--rate-limit-scope", "credential", NULL};
	struct harness_server keep = srv;
	int i;

	harness_start(&s2, flags);
	srv = s2;
	for (i = 0; i < 2; i++) {
		harness_request(&srv, NULL, "/v2/calls", "Basic YTpz", NULL, NULL, &r); /* a:s */
		ck_assert_int_eq(r.status, 200);
		harness_reply_free(&r);
	}
	harness_request(&srv, NULL, "/v2/calls", "Basic YTpz", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 429);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/v2/calls", "Basic Yjpz", NULL, NULL, &r); /* b:s */
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_stop(&s2);
	srv = keep;
}
END_TEST

/* Posts a rule that must be refused: 400 in Gong's error shape with exactly `message`. */
static void
expect_refused(const char *rule, const char *message)
{
	struct harness_reply r;

	harness_request(&srv, "POST", "/__admin/faults", NULL, admin_json, rule, &r);
	expect_error(&r, 400, message);
	harness_reply_free(&r);
}

/* Rules that could never fire are refused with the field and the reason; none is added. */
START_TEST(never_firing_rules_are_refused)
{
	struct harness_reply r;

	expect_refused("{\"match\":{\"method\":\"FETCH\",\"path\":\"/v2/calls\"},"
	               "\"respond\":{\"status\":500}}",
	               "match.method: \"FETCH\" is not a method Gong's API is sent, so the rule "
	               "could never fire: use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS");
	expect_refused("{\"match\":{\"path\":\"v2/calls\"},\"respond\":{\"status\":500}}",
	               "match.path: paths start with '/': did you mean /v2/calls?");
	expect_refused("{\"rules\":[{\"respond\":{\"status\":500}},"
	               "{\"match\":{\"path\":\"/calls\"},\"respond\":{\"status\":500}}]}",
	               "rules[1].match.path: \"/calls\" is outside Gong's API (/v2/...), the only "
	               "paths rules see: the rule could never fire");
	expect_refused("{\"match\":{\"path\":\"/__admin/health\"},\"respond\":{\"status\":500}}",
	               "match.path: the control API (/__admin/..., /metrics) is never subject to "
	               "rules");
	expect_refused(
	    "{\"match\":{\"method\":\"POST\",\"path\":\"/v2/calls/extensive\",\"page\":1},"
	    "\"respond\":{\"status\":500}}",
	    "match.page: a page is read from the cursor in a GET's query string, and a "
	    "POST sends none there: leave page out, or match GET");
	expect_refused(
	    "{\"match\":{\"path\":\"/v2/calls\"},\"respond\":{\"status\":500},\"times\":0}",
	    "times: 0 would never fire: give a positive integer, or null to fire for "
	    "ever");
	expect_refused("{\"respond\":{\"status\":500},\"after\":-1}",
	               "after: must be a non-negative integer");
	expect_refused("{\"respond\":{\"status\":500},\"probability\":1.5}",
	               "probability: must be a number from 0 to 1");
	expect_refused(
	    "{\"match\":{\"path\":\"/v2/calls\"},\"respond\":{\"status\":500,\"statuss\":1}}",
	    "respond: unknown key \"statuss\"");
	expect_refused(
	    "{\"match\":{\"path\":\"/v2/calls\"},\"respond\":{\"errors\":[\"down\"]}}",
	    "respond.errors: only an answer of the rule's own carries it (a status other "
	    "than 200, or a body); without one the normal answer goes out unchanged and "
	    "this would never be seen");
	expect_refused("{\"respond\":{\"status\":100}}",
	               "respond.status: 100 is informational, never a final answer (a client waits "
	               "for the one after it): use 200 to 599");
	/* Nothing was added. */
	harness_request(&srv, NULL, "/__admin/faults", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "rules")), 0);
	harness_reply_free(&r);
	harness_get(&srv, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
}
END_TEST

/* A stub's own mistakes, refused the same way. */
START_TEST(malformed_stubs_are_refused)
{
	expect_refused("{\"respond\":{\"body\":{},\"bodyFile\":\"/tmp/x.json\"}}",
	               "respond: \"body\" and \"bodyFile\" exclude each other: give one");
	expect_refused("{\"respond\":{\"status\":404,\"errors\":[\"x\"],\"body\":{}}}",
	               "respond.errors: errors make Gong's error body, and body is a body of your "
	               "own: give one or the other");
	expect_refused("{\"respond\":{\"status\":204,\"body\":{\"a\":1}}}",
	               "respond.body: a 204 answer has no content: HTTP sends none with it, so the "
	               "client would never see this body");
	expect_refused("{\"respond\":{\"status\":304,\"bodyFile\":\"/tmp/x.json\"}}",
	               "respond.bodyFile: a 304 answer has no content: HTTP sends none with it, so "
	               "the client would never see this body");
	expect_refused(
	    "{\"respond\":{\"body\":[],\"headers\":{\"Content-Length\":\"2\"}}}",
	    "respond.headers: \"Content-Length\" is not a rule's to set: the server writes "
	    "Content-Length, Transfer-Encoding and Connection itself, as they frame the "
	    "answer");
	expect_refused(
	    "{\"respond\":{\"body\":[],\"headers\":{\"transfer-encoding\":\"chunked\"}}}",
	    "respond.headers: \"transfer-encoding\" is not a rule's to set: the server "
	    "writes Content-Length, Transfer-Encoding and Connection itself, as they frame "
	    "the answer");
	expect_refused("{\"respond\":{\"body\":[],\"headers\":{\"Connection\":\"close\"}}}",
	               "respond.headers: \"Connection\" is not a rule's to set: the server writes "
	               "Content-Length, Transfer-Encoding and Connection itself, as they frame the "
	               "answer");
	expect_refused(
	    "{\"respond\":{\"bodyFile\":\"stubs/stats.json\"}}",
	    "respond.bodyFile: \"stubs/stats.json\" is relative: a rule added through the "
	    "control API names its file by an absolute path");
	expect_refused("{\"respond\":{\"bodyFile\":\"/nonexistent/stats.json\"}}",
	               "respond.bodyFile: /nonexistent/stats.json: No such file or directory");
}
END_TEST

/* The same exchange as harness_get, with the times a client sees: first byte and last. */
struct timed_reply {
	long status;
	long first_ms;
	long total_ms;
	char *body;
	size_t len;
};

static size_t
timed_sink(char *data, size_t size, size_t n, void *cls)
{
	struct timed_reply *t = cls;
	char *grown = realloc(t->body, t->len + size * n + 1);

	ck_assert_ptr_nonnull(grown);
	t->body = grown;
	memcpy(t->body + t->len, data, size * n);
	t->len += size * n;
	t->body[t->len] = '\0';
	return size * n;
}

static void
timed_get(const char *target, struct timed_reply *t)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Authorization: Basic azpz");
	char url[512];
	curl_off_t first, total;

	memset(t, 0, sizeof(*t));
	snprintf(url, sizeof(url), "%s%s", srv.base, target);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, timed_sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t->status);
	curl_easy_getinfo(c, CURLINFO_STARTTRANSFER_TIME_T, &first);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &total);
	t->first_ms = (long)(first / 1000);
	t->total_ms = (long)(total / 1000);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

/*
 * A stub answers an operation gongmock does not emulate: its status, its body byte for byte,
 * JSON's content type unless its headers say otherwise, and a fresh x-traceid as every answer
 * has. Without the rule the same request is a 404.
 */
START_TEST(stub_answers_an_unemulated_operation)
{
	static const char body[] = "{\"requestId\":\"4al018gzaztcr8nbukw\",\"scorecards\":"
	                           "[{\"scorecardId\":6843152929075440037,\"enabled\":true,"
	                           "\"weight\":0.25,\"questions\":null}]}";
	struct harness_reply r;
	char buf[128], trace[64];
	json_t *rule;

	harness_get(&srv, "/v2/settings/scorecards", &r);
	ck_assert_int_eq(r.status, 404);
	harness_reply_free(&r);
	add_rules("{\"name\":\"scorecards\",\"match\":{\"method\":\"GET\","
	          "\"path\":\"/v2/settings/scorecards\"},\"respond\":{\"body\":"
	          "{\"requestId\": \"4al018gzaztcr8nbukw\", \"scorecards\": "
	          "[{\"scorecardId\": 6843152929075440037, \"enabled\": true, \"weight\": 0.25,"
	          " \"questions\": null}]},\"headers\":{\"X-Stub\":\"yes\"}}}");
	add_rules("{\"name\":\"slow-down\",\"match\":{\"path\":\"/v2/settings/trackers\"},"
	          "\"respond\":{\"status\":429,\"body\":{\"message\":\"wait\"}}}");
	harness_get(&srv, "/v2/settings/scorecards", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, sizeof(body) - 1);
	ck_assert_str_eq(r.body, body);
	ck_assert_str_eq(harness_header(&r, "Content-Type", buf, sizeof(buf)),
	                 "application/json; charset=utf-8");
	ck_assert_str_eq(harness_header(&r, "X-Stub", buf, sizeof(buf)), "yes");
	ck_assert_ptr_nonnull(harness_header(&r, "x-traceid", trace, sizeof(trace)));
	ck_assert(strlen(trace) == 18 || strlen(trace) == 19);
	ck_assert_ptr_null(harness_header(&r, "Retry-After", buf, sizeof(buf)));
	harness_reply_free(&r);
	/* The same bytes again, with another x-traceid. */
	harness_get(&srv, "/v2/settings/scorecards", &r);
	ck_assert_str_eq(r.body, body);
	ck_assert_str_ne(harness_header(&r, "x-traceid", buf, sizeof(buf)), trace);
	harness_reply_free(&r);
	/* HEAD: the headers, no body. */
	harness_request(&srv, "HEAD", "/v2/settings/scorecards", "Basic azpz", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404); /* the rule names GET */
	harness_reply_free(&r);

	harness_get(&srv, "/v2/settings/trackers", &r);
	ck_assert_int_eq(r.status, 429);
	ck_assert_str_eq(r.body, "{\"message\":\"wait\"}");
	ck_assert_str_eq(harness_header(&r, "Retry-After", buf, sizeof(buf)), "1");
	harness_reply_free(&r);

	/* Credentials are still checked first. */
	harness_request(&srv, NULL, "/v2/settings/scorecards", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	harness_reply_free(&r);

	/* The listing shows what was loaded; the journal, who answered. */
	harness_request(&srv, NULL, "/__admin/faults", NULL, NULL, NULL, &r);
	rule = json_array_get(json_object_get(r.json, "rules"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(rule, "bodyBytes")),
	                 (json_int_t)(sizeof(body) - 1));
	ck_assert_int_eq(json_integer_value(json_object_get(rule, "fired")), 2);
	ck_assert(json_real_value(json_object_get(
	              json_array_get(
	                  json_object_get(json_object_get(json_object_get(rule, "respond"), "body"),
	                                  "scorecards"),
	                  0),
	              "weight")) == 0.25);
	ck_assert_ptr_null(json_object_get(rule, "bodyPath"));
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/__admin/requests?limit=2", NULL, NULL, NULL, &r);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(r.json, "requests"), 1), "source")),
	                 "fault:slow-down");
	harness_reply_free(&r);
}
END_TEST

/*
 * Another method on a path gongmock emulates may be a Gong operation it does not (POST
 * /v2/calls adds a call): a stub answers it. Without one, such a request still gets 405.
 */
START_TEST(stub_answers_another_method_of_an_emulated_path)
{
	struct harness_reply r;
	char buf[64];

	harness_request(&srv, "POST", "/v2/calls", "Basic azpz", admin_json, "{}", &r);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(harness_header(&r, "Allow", buf, sizeof(buf)), "GET");
	harness_reply_free(&r);
	add_rules("{\"name\":\"created\",\"match\":{\"method\":\"POST\",\"path\":\"/v2/calls\"},"
	          "\"respond\":{\"status\":201,\"body\":{\"callId\":\"7\"},"
	          "\"headers\":{\"Content-Type\":\"application/vnd.gong+json\"}}}");
	harness_request(&srv, "POST", "/v2/calls", "Basic azpz", admin_json, "{}", &r);
	ck_assert_int_eq(r.status, 201);
	ck_assert_str_eq(r.body, "{\"callId\":\"7\"}");
	ck_assert_str_eq(harness_header(&r, "Content-Type", buf, sizeof(buf)),
	                 "application/vnd.gong+json");
	ck_assert_int_eq(header_count(&r, "Content-Type"), 1);
	harness_reply_free(&r);
	/* Another method still gets 405; no credential, no stub. */
	harness_request(&srv, "PUT", "/v2/calls", "Basic azpz", admin_json, "{}", &r);
	ck_assert_int_eq(r.status, 405);
	harness_reply_free(&r);
	harness_request(&srv, "POST", "/v2/calls", NULL, admin_json, "{}", &r);
	ck_assert_int_ne(r.status, 201);
	harness_reply_free(&r);
}
END_TEST

/* A stub of an emulated operation replaces its answer, and goes when its rule goes. */
START_TEST(stub_replaces_an_emulated_answer)
{
	struct harness_reply r;
	long id;
	char path[64];

	id = add_rules("{\"match\":{\"path\":\"/v2/calls\",\"query\":{\"workspaceId\":\"1\"}},"
	               "\"respond\":{\"status\":404,\"body\":{\"errors\":[\"gone fishing\"]},"
	               "\"delayMs\":200}}");
	{
		long t0 = harness_mono_ms();

		harness_get(&srv, "/v2/calls?workspaceId=1", &r);
		ck_assert_int_ge(harness_mono_ms() - t0, 190);
	}
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(r.body, "{\"errors\":[\"gone fishing\"]}");
	harness_reply_free(&r);
	snprintf(path, sizeof(path), "/__admin/faults/%ld", id);
	harness_request(&srv, "DELETE", path, NULL, NULL, NULL, &r);
	harness_reply_free(&r);
	harness_get(&srv, "/v2/calls?workspaceId=1", &r);
	expect_error(&r, 404, "No calls found corresponding to the provided filters");
	harness_reply_free(&r);
}
END_TEST

/* Writes text into path whole. */
static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * A scenario's bodyFile, named relative to the scenario, answers a POST operation gongmock
 * does not emulate with the file's bytes as they are; the listing names the file it read.
 */
START_TEST(stub_body_file_from_a_scenario)
{
	static const char stats[] =
	    "{\n  \"requestId\": \"4al018gzaztcr8nbukw\",\n"
	    "  \"records\": {\"totalRecords\": 1, \"currentPageSize\": 1, \"currentPageNumber\": "
	    "0},\n"
	    "  \"usersAggregateActivityStats\": [\n"
	    "    {\"userId\": \"140314569424982\", \"userEmailAddress\": \"priya@example.com\",\n"
	    "     \"userAggregateActivityStats\": {\"callsAsHost\": 12, \"callsAttended\": 30}}\n"
	    "  ]\n}\n";
	char dir[] = "/tmp/gongmock-scenario-XXXXXX", sub[96], file[128], scenario[128];
	const char *flags[] = {"--scenario", scenario, NULL};
	struct harness_server keep = srv;
	struct harness_reply r;
	json_t *rule;
	char *real, cmd[160];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/stubs", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(file, sizeof(file), "%s/activity.json", sub);
	write_file(file, stats);
	snprintf(scenario, sizeof(scenario), "%s/scenario.json", dir);
	write_file(scenario, "{\"description\": \"aggregate activity, stubbed\", \"rules\": [\n"
	                     " {\"name\": \"activity\", \"match\": {\"method\": \"POST\","
	                     " \"path\": \"/v2/stats/activity/aggregate\","
	                     " \"body\": {\"filter.fromDate\": \"2025-01-01\"}},\n"
	                     "  \"respond\": {\"bodyFile\": \"stubs/activity.json\"}}]}");
	harness_stop(&srv);
	harness_start(&srv, flags);
	/* The file changes after start-up: what was read at start-up is what goes out. */
	write_file(file, "{}");
	harness_request(&srv, "POST", "/v2/stats/activity/aggregate", "Basic azpz", admin_json,
	                "{\"filter\": {\"fromDate\": \"2025-01-01\", \"toDate\": \"2025-02-01\"}}",
	                &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, sizeof(stats) - 1);
	ck_assert_str_eq(r.body, stats);
	harness_reply_free(&r);
	/* Another filter is not the rule's: gongmock's 404 for an operation it does not know. */
	harness_request(&srv, "POST", "/v2/stats/activity/aggregate", "Basic azpz", admin_json,
	                "{\"filter\": {\"fromDate\": \"2025-03-01\", \"toDate\": \"2025-04-01\"}}",
	                &r);
	ck_assert_int_eq(r.status, 404);
	harness_reply_free(&r);

	harness_request(&srv, NULL, "/__admin/faults", NULL, NULL, NULL, &r);
	rule = json_array_get(json_object_get(r.json, "rules"), 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(rule, "respond"), "bodyFile")),
	    "stubs/activity.json");
	ck_assert_int_eq(json_integer_value(json_object_get(rule, "bodyBytes")),
	                 (json_int_t)(sizeof(stats) - 1));
	real = realpath(file, NULL);
	ck_assert_ptr_nonnull(real);
	ck_assert_str_eq(json_string_value(json_object_get(rule, "bodyPath")), real);
	free(real);
	harness_reply_free(&r);
	harness_stop(&srv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	(void)keep;
	start_plain();
}
END_TEST

/* Runs the built binary with --scenario holding `text`; returns its stderr (caller frees). */
static char *
start_up_error(const char *text, const char *suffix, char *path, size_t pathlen)
{
	const char *args[] = {"--port", "0", "--scenario", path, NULL};
	struct harness_proc p;
	char *err;

	harness_temp_file(text, suffix, path, pathlen);
	harness_spawn(&p, args);
	err = harness_read_until(p.err, 5000, NULL);
	ck_assert_msg(harness_wait(&p, 5000) == 1, "started with %s: %s", text, err);
	return err;
}

/* A scenario with a rule that could never fire stops the start-up, naming file, rule, reason. */
START_TEST(never_firing_scenario_stops_the_start_up)
{
	char path[128], want[512];
	char *err;

	err = start_up_error("{\"rules\": [\n"
	                     " {\"name\": \"ok\", \"match\": {\"path\": \"/v2/calls\"},"
	                     " \"respond\": {\"status\": 500}},\n"
	                     " {\"name\": \"fetch\", \"match\": {\"method\": \"FETCH\"},"
	                     " \"respond\": {\"status\": 500}}]}",
	                     ".json", path, sizeof(path));
	snprintf(want, sizeof(want),
	         "gongmock: %s: rules[1].match.method: \"FETCH\" is not a method Gong's API is "
	         "sent, so the rule could never fire: use GET, POST, PUT, PATCH, DELETE, HEAD or "
	         "OPTIONS\n",
	         path);
	ck_assert_str_eq(err, want);
	free(err);
	unlink(path);

	err = start_up_error("{\"rules\": [{\"match\": {\"path\": \"v2/calls\"},"
	                     " \"respond\": {\"status\": 500}}]}",
	                     ".json", path, sizeof(path));
	snprintf(want, sizeof(want),
	         "gongmock: %s: rules[0].match.path: paths start with '/': did you mean "
	         "/v2/calls?\n",
	         path);
	ck_assert_str_eq(err, want);
	free(err);
	unlink(path);

	/* A body file that is not there, named from the scenario's directory. */
	err = start_up_error("{\"rules\": [{\"respond\": {\"bodyFile\": \"no-such-stub.json\"}}]}",
	                     ".json", path, sizeof(path));
	snprintf(want, sizeof(want),
	         "gongmock: %s: rules[0].respond.bodyFile: /tmp/no-such-stub.json: No such file or "
	         "directory\n",
	         path);
	ck_assert_str_eq(err, want);
	free(err);
	unlink(path);
}
END_TEST

/* ------------------------------------------------ shipped scenarios, on the built-in data */

#define WS_NORTH_AMERICA "4095366604498126439"
#define WS_EMEA "9391112992383559384"
#define WS_APAC "7655257159189840256"

/* Starts srv with a shipped scenario and, when seed is not NULL, --seed. */
static void
with_scenario(const char *file, const char *seed)
{
	char path[256];
	const char *flags[] = {"--scenario", path, seed != NULL ? "--seed" : NULL, seed, NULL};

	snprintf(path, sizeof(path), "fixtures/scenarios/%s", file);
	harness_start(&srv, flags);
}

/* The statuses of n GET target, space-separated, into out. */
static void
statuses(const char *target, int n, char *out, size_t outlen)
{
	struct harness_reply r;
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		harness_get(&srv, target, &r);
		used +=
		    (size_t)snprintf(out + used, outlen - used, "%s%ld", i ? " " : "", r.status);
		ck_assert_uint_lt(used, outlen);
		harness_reply_free(&r);
	}
}

static void
admin_reset(void)
{
	struct harness_reply r;

	harness_request(&srv, "POST", "/__admin/reset", NULL, NULL, "", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
}

/* n GETs of target are all answered 200. */
static void
all_ok(const char *target, int n)
{
	struct harness_reply r;

	for (int i = 0; i < n; i++) {
		harness_get(&srv, target, &r);
		ck_assert_msg(r.status == 200, "GET %s: %ld", target, r.status);
		harness_reply_free(&r);
	}
}

/* The id of the first call of the built-in data's first page. */
static char *
first_call_id(void)
{
	struct harness_reply r;
	char *id;

	harness_get(&srv, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	id = strdup(json_string_value(
	    json_object_get(json_array_get(json_object_get(r.json, "calls"), 0), "id")));
	harness_reply_free(&r);
	return id;
}

START_TEST(scenario_rate_limited)
{
	static const char seq7[] = "429 429 200 200 429 429 429 429 429 429 "
	                           "429 200 200 200 200 200 200 429 200 200";
	struct harness_reply r;
	char got[256], target[128], buf[32];
	char *id;

	with_scenario("rate-limited.json", "7");
	statuses("/v2/calls", 20, got, sizeof(got));
	ck_assert_str_eq(got, seq7);
	/* A reset replays the same answers. */
	admin_reset();
	statuses("/v2/calls?workspaceId=" WS_EMEA, 20, got, sizeof(got));
	ck_assert_str_eq(got, seq7);
	admin_reset();
	harness_get(&srv, "/v2/calls", &r);
	expect_error(&r, 429, "API request limit exceeded");
	ck_assert_str_eq(harness_header(&r, "Retry-After", buf, sizeof(buf)), "2");
	harness_reply_free(&r);
	/* Other paths are never limited (a call by id, users, workspaces). The third answer
	 * after a reset is a 200: a page to take a call's id from. */
	admin_reset();
	statuses("/v2/calls", 2, got, sizeof(got));
	ck_assert_str_eq(got, "429 429");
	id = first_call_id();
	snprintf(target, sizeof(target), "/v2/calls/%s", id);
	all_ok(target, 10);
	all_ok("/v2/users", 10);
	all_ok("/v2/workspaces", 10);
	free(id);
	harness_stop(&srv);
}
END_TEST

START_TEST(scenario_flaky_500)
{
	struct harness_reply r;
	char got[256];

	with_scenario("flaky-500.json", "7");
	statuses("/v2/calls", 10, got, sizeof(got));
	ck_assert_str_eq(got, "200 500 200 200 200 500 200 200 500 200");
	admin_reset();
	harness_get(&srv, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_get(&srv, "/v2/calls", &r);
	expect_error(&r, 500, "Internal server error occurred");
	harness_reply_free(&r);
	all_ok("/v2/users", 10);
	all_ok("/v2/workspaces", 10);
	harness_stop(&srv);
}
END_TEST

START_TEST(scenario_empty_workspace_404)
{
	struct harness_reply r;
	const char *target = "/v2/calls?workspaceId=" WS_APAC;

	/* Without the scenario the workspace has calls: the 404 is the scenario's doing. */
	harness_start(&srv, NULL);
	harness_get(&srv, target, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(r.json, "records"), "totalRecords")),
	    141);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/v2/workspaces", "Basic azpz", NULL, NULL, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "{\"id\":\"" WS_APAC "\",\"name\":\"APAC Sales\""));
	harness_reply_free(&r);
	harness_stop(&srv);

	with_scenario("empty-workspace-404.json", NULL);
	for (int i = 0; i < 3; i++) {
		harness_get(&srv, target, &r);
		expect_error(&r, 404, "No calls found corresponding to the provided filters");
		harness_reply_free(&r);
	}
	harness_get(&srv,
	            "/v2/calls?fromDateTime=2025-02-01T00:00:00Z&toDateTime=2025-03-01T00:00:00Z"
	            "&workspaceId=" WS_APAC,
	            &r);
	expect_error(&r, 404, "No calls found corresponding to the provided filters");
	harness_reply_free(&r);
	all_ok("/v2/calls?workspaceId=" WS_NORTH_AMERICA, 2);
	all_ok("/v2/calls?workspaceId=" WS_EMEA, 2);
	all_ok("/v2/calls", 2);
	all_ok("/v2/users", 2);
	harness_stop(&srv);
}
END_TEST

/* The calls of a page, and its size in bytes. */
static void
expect_page(const struct timed_reply *t, size_t min_bytes)
{
	json_t *page = json_loads(t->body, 0, NULL);

	ck_assert_int_eq(t->status, 200);
	ck_assert_ptr_nonnull(page);
	ck_assert_uint_eq(json_array_size(json_object_get(page, "calls")), 100);
	ck_assert_uint_ge(t->len, min_bytes);
	json_decref(page);
}

START_TEST(scenario_slow_network)
{
	struct timed_reply t;

	with_scenario("slow-network.json", NULL);
	/* Default seed 1: the first three delays drawn are 915, 1159 and 1476 ms. */
	timed_get("/v2/calls", &t);
	expect_page(&t, 55000);
	ck_assert_msg(t.first_ms >= 900 && t.first_ms < 1400, "first byte after %ld ms",
	              t.first_ms);
	free(t.body);
	/* EMEA's page: the headers at once, then a body dribbled over the delay. */
	timed_get("/v2/calls?workspaceId=" WS_EMEA, &t);
	expect_page(&t, 55000);
	ck_assert_msg(t.first_ms < 500, "first byte after %ld ms", t.first_ms);
	ck_assert_msg(t.total_ms >= 1100, "whole answer after %ld ms", t.total_ms);
	free(t.body);
	timed_get("/v2/calls?workspaceId=" WS_NORTH_AMERICA, &t);
	expect_page(&t, 55000);
	ck_assert_msg(t.first_ms >= 1450, "first byte after %ld ms", t.first_ms);
	free(t.body);
	/* Other operations are not slowed. */
	timed_get("/v2/users", &t);
	ck_assert_int_eq(t.status, 200);
	ck_assert_msg(t.total_ms < 500, "users after %ld ms", t.total_ms);
	free(t.body);
	harness_stop(&srv);
}
END_TEST

/* The cursor of a page, escaped for a query. */
static void
cursor_target(const struct harness_reply *r, char *target, size_t len)
{
	char esc[800];
	const char *cursor =
	    json_string_value(json_object_get(json_object_get(r->json, "records"), "cursor"));

	ck_assert_ptr_nonnull(cursor);
	harness_escape(cursor, esc, sizeof(esc));
	snprintf(target, len, "/v2/calls?cursor=%s", esc);
}

static long
page_number(const struct harness_reply *r)
{
	return (long)json_integer_value(
	    json_object_get(json_object_get(r->json, "records"), "currentPageNumber"));
}

START_TEST(scenario_page_2_fails)
{
	struct harness_reply r;
	char page1[1024], page2[1024];

	with_scenario("page-2-fails.json", NULL);
	harness_get(&srv, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(page_number(&r), 0);
	cursor_target(&r, page1, sizeof(page1));
	harness_reply_free(&r);
	for (int i = 0; i < 2; i++) {
		harness_get(&srv, page1, &r);
		expect_error(&r, 500, "Internal server error occurred");
		harness_reply_free(&r);
	}
	harness_get(&srv, page1, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(page_number(&r), 1);
	cursor_target(&r, page2, sizeof(page2));
	harness_reply_free(&r);
	/* The third page, and the first again, are never touched. */
	harness_get(&srv, page2, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(page_number(&r), 2);
	harness_reply_free(&r);
	all_ok("/v2/calls", 2);
	all_ok(page1, 2);
	/* A reset starts the count again. */
	admin_reset();
	harness_get(&srv, page1, &r);
	ck_assert_int_eq(r.status, 500);
	harness_reply_free(&r);
	harness_stop(&srv);
}
END_TEST

START_TEST(scenario_stub_scorecards)
{
	struct harness_reply r;
	json_t *card;
	char buf[64];

	/* Without the scenario: not an operation gongmock emulates. */
	harness_start(&srv, NULL);
	harness_get(&srv, "/v2/settings/scorecards", &r);
	ck_assert_int_eq(r.status, 404);
	harness_reply_free(&r);
	harness_stop(&srv);

	with_scenario("stub-scorecards.json", NULL);
	harness_get(&srv, "/v2/settings/scorecards", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(harness_header(&r, "Content-Type", buf, sizeof(buf)),
	                 "application/json; charset=utf-8");
	ck_assert_ptr_nonnull(r.json);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "requestId")),
	                 "4al018gzaztcr8nbukw");
	card = json_array_get(json_object_get(r.json, "scorecards"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(card, "scorecardName")),
	                 "Discovery call");
	ck_assert_int_eq(json_integer_value(json_object_get(card, "workspaceId")),
	                 4095366604498126439LL);
	ck_assert_int_eq(json_integer_value(json_object_get(card, "updaterUserId")),
	                 140314569424982LL);
	ck_assert_uint_eq(json_array_size(json_object_get(card, "questions")), 2);
	ck_assert_ptr_null(strchr(r.body, '\n'));
	harness_reply_free(&r);
	/* The workspace and the user it names are the built-in data's. */
	harness_get(&srv, "/v2/workspaces", &r);
	ck_assert_ptr_nonnull(
	    strstr(r.body, "{\"id\":\"" WS_NORTH_AMERICA "\",\"name\":\"North America Sales\""));
	harness_reply_free(&r);
	harness_get(&srv, "/v2/users/140314569424982", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(r.json, "user"), "firstName")),
	    "Priya");
	harness_reply_free(&r);
	all_ok("/v2/calls", 2);
	harness_stop(&srv);
}
END_TEST

/* Every file in fixtures/scenarios/ has its test above: a new one cannot ship unchecked. */
START_TEST(every_shipped_scenario_is_checked)
{
	static const char *const checked[] = {"empty-workspace-404.json", "flaky-500.json",
	                                      "page-2-fails.json",        "rate-limited.json",
	                                      "slow-network.json",        "stub-scorecards.json"};
	DIR *d = opendir("fixtures/scenarios");
	struct dirent *e;
	size_t found = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		size_t i, n = strlen(e->d_name);
		char path[512];
		json_t *doc;

		if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		for (i = 0; i < sizeof(checked) / sizeof(checked[0]); i++)
			if (strcmp(e->d_name, checked[i]) == 0)
				break;
		ck_assert_msg(i < sizeof(checked) / sizeof(checked[0]),
		              "fixtures/scenarios/%s has no test of its description", e->d_name);
		/* Each says what it does. */
		snprintf(path, sizeof(path), "fixtures/scenarios/%s", e->d_name);
		doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
		ck_assert_ptr_nonnull(doc);
		ck_assert_uint_gt(json_string_length(json_object_get(doc, "description")), 100);
		json_decref(doc);
		found++;
	}
	closedir(d);
	ck_assert_uint_eq(found, sizeof(checked) / sizeof(checked[0]));
}
END_TEST

static Suite *
faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *t = tcase_create("rules");
	TCase *l = tcase_create("limiter");
	TCase *sc = tcase_create("scenarios");

	tcase_add_checked_fixture(t, start_plain, stop_server);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, rule_statuses_with_gong_bodies);
	tcase_add_test(t, prefer_header_picks_the_status);
	tcase_add_test(t, after_and_times_make_a_sequence);
	tcase_add_test(t, page_rule_fires_on_the_second_page_only);
	tcase_add_test(t, connection_faults_as_a_client_sees_them);
	tcase_add_test(t, truncate_cuts_a_real_page_in_half);
	tcase_add_test(t, delay_holds_the_answer);
	tcase_add_test(t, delayed_requests_hold_no_thread);
	tcase_add_test(t, malformed_rules_are_refused_whole);
	tcase_add_test(t, rules_are_listed_deleted_and_reset);
	tcase_add_test(t, journal_and_metrics_reflect_the_traffic);
	tcase_add_test(t, body_rules_pick_their_requests);
	tcase_add_test(t, wildcard_path_rules_match_one_segment);
	tcase_add_test(t, admin_token_guards_the_control_api);
	tcase_add_test(t, per_credential_scope_counts_apart);
	tcase_add_test(t, never_firing_rules_are_refused);
	tcase_add_test(t, malformed_stubs_are_refused);
	tcase_add_test(t, stub_answers_an_unemulated_operation);
	tcase_add_test(t, stub_replaces_an_emulated_answer);
	tcase_add_test(t, stub_answers_another_method_of_an_emulated_path);
	tcase_add_test(t, stub_body_file_from_a_scenario);
	tcase_add_test(t, never_firing_scenario_stops_the_start_up);
	suite_add_tcase(s, t);

	/* Each starts its own servers, with a shipped scenario or none. */
	tcase_set_timeout(sc, 60);
	tcase_add_test(sc, scenario_rate_limited);
	tcase_add_test(sc, scenario_flaky_500);
	tcase_add_test(sc, scenario_empty_workspace_404);
	tcase_add_test(sc, scenario_slow_network);
	tcase_add_test(sc, scenario_page_2_fails);
	tcase_add_test(sc, scenario_stub_scorecards);
	tcase_add_test(sc, every_shipped_scenario_is_checked);
	suite_add_tcase(s, sc);

	tcase_add_checked_fixture(l, start_limited, stop_server);
	tcase_set_timeout(l, 60);
	tcase_add_test(l, gong_limiter_burst_then_429);
	tcase_add_test(l, retrying_client_walks_every_page_once);
	suite_add_tcase(s, l);
	return s;
}

int
main(void)
{
	return harness_run(faults_suite());
}
