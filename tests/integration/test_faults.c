/*
 * test_faults.c - fault simulation as a client sees it, over real sockets: statuses and
 * bodies chosen by rules and by Prefer, rules on a POST's JSON body and on wildcard paths,
 * each connection fault, after/times sequences, the rate limiter with a client that honours
 * Retry-After, the control API (rules, reset, journal, metrics by operation, admin token) and
 * every shipped scenario file.
 */
#include "harness.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
	static const char *const h500[] = {"Prefer: code=500, example=x", NULL};
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
	/* An informational status is no answer: the header is ignored. */
	{
		static const char *const h100[] = {"Prefer: code=100", NULL};

		harness_request(&srv, NULL, "/v2/calls", "Basic azpz", h100, NULL, &r);
		ck_assert_int_eq(r.status, 200);
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

/* Starts a server with a shipped scenario. */
static void
with_scenario(const char *file, struct harness_server *s)
{
	char path[256];
	const char *flags[] = {"--scenario", path, "--seed", "42", NULL};

	snprintf(path, sizeof(path), "fixtures/scenarios/%s", file);
	harness_start(s, flags);
}

START_TEST(scenario_files_do_what_they_say)
{
	struct harness_server keep = srv, s;
	struct harness_reply r;
	char buf[32];
	int i, n429 = 0, n500 = 0, n200 = 0;
	long t0;

	harness_stop(&srv);

	with_scenario("rate-limited.json", &s);
	srv = s;
	for (i = 0; i < 40; i++) {
		harness_get(&srv, "/v2/calls", &r);
		if (r.status == 429) {
			n429++;
			ck_assert_ptr_nonnull(harness_header(&r, "Retry-After", buf, sizeof(buf)));
			ck_assert_str_eq(buf, "2");
		} else {
			ck_assert_int_eq(r.status, 200);
			n200++;
		}
		harness_reply_free(&r);
	}
	ck_assert_int_gt(n429, 5);
	ck_assert_int_gt(n200, 5);
	harness_stop(&srv);

	with_scenario("flaky-500.json", &s);
	srv = s;
	n200 = 0;
	for (i = 0; i < 60; i++) {
		harness_get(&srv, "/v2/calls", &r);
		if (r.status == 500)
			n500++;
		else if (r.status == 200)
			n200++;
		harness_reply_free(&r);
	}
	ck_assert_int_gt(n500, 3);
	ck_assert_int_gt(n200, 20);
	harness_stop(&srv);

	with_scenario("empty-workspace-404.json", &s);
	srv = s;
	harness_get(&srv, "/v2/calls?workspaceId=123", &r);
	expect_error(&r, 404, "No calls found corresponding to the provided filters");
	harness_reply_free(&r);
	harness_get(&srv, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_stop(&srv);

	with_scenario("slow-network.json", &s);
	srv = s;
	t0 = harness_mono_ms();
	harness_get(&srv, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_ge(harness_mono_ms() - t0, 750);
	harness_reply_free(&r);
	harness_stop(&srv);

	with_scenario("page-2-fails.json", &s);
	srv = s;
	{
		char target[1024], esc[800];

		harness_get(&srv, "/v2/calls", &r);
		ck_assert_int_eq(r.status, 200);
		harness_escape(json_string_value(
		                   json_object_get(json_object_get(r.json, "records"), "cursor")),
		               esc, sizeof(esc));
		harness_reply_free(&r);
		snprintf(target, sizeof(target), "/v2/calls?cursor=%s", esc);
		for (i = 0; i < 2; i++) {
			harness_get(&srv, target, &r);
			ck_assert_int_eq(r.status, 500);
			harness_reply_free(&r);
		}
		harness_get(&srv, target, &r);
		ck_assert_int_eq(r.status, 200);
		harness_reply_free(&r);
	}
	harness_stop(&srv);
	(void)keep;
	start_plain();
}
END_TEST

static Suite *
faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *t = tcase_create("rules");
	TCase *l = tcase_create("limiter");

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
	tcase_add_test(t, scenario_files_do_what_they_say);
	suite_add_tcase(s, t);

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
