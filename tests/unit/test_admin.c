/*
 * test_admin.c - the control API's access rule without a socket: loopback clients only by
 * default, the bearer token when one is set, and health for everyone; what a refusal says;
 * what DELETE answers; what health says of each mode; and what the journal holds as the
 * control API serves it (request bodies, metrics by operation).
 */
#include "admin.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const char *bearer;

static const char *
lookup(const struct request *r, const char *name)
{
	(void)r;
	return strcmp(name, "Authorization") == 0 ? bearer : NULL;
}

/* Asks as a client would; the answer's body goes to *body (caller frees) when body is not NULL. */
static unsigned
ask_full(const struct admin_ctx *ctx, const char *method, const char *path, const char *query,
         int loopback, const char *auth, char **body)
{
	struct request req;
	struct response r;
	unsigned status;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.query = query;
	req.query_len = strlen(query);
	req.remote_loopback = loopback;
	req.header = lookup;
	bearer = auth;
	response_init(&r);
	strcpy(r.request_id, "abcdefghijklmnopqr");
	admin_handle(ctx, &req, &r);
	status = r.status;
	if (body != NULL) {
		size_t len = response_body_len(&r);

		*body = malloc(len + 1);
		ck_assert_ptr_nonnull(*body);
		ck_assert_uint_eq(response_copy_body(&r, 0, *body, len), len);
		(*body)[len] = '\0';
	}
	response_free(&r);
	return status;
}

static unsigned
ask(const struct admin_ctx *ctx, const char *method, const char *path, int loopback,
    const char *auth)
{
	return ask_full(ctx, method, path, "", loopback, auth, NULL);
}

static struct admin_ctx ctx;
static struct store_slot *slot;

static void
setup(void)
{
	char err[128];
	struct store *s = store_load_buffer("t", "[]", 2, err, sizeof(err));

	ck_assert_ptr_nonnull(s);
	slot = store_slot_create(s);
	memset(&ctx, 0, sizeof(ctx));
	ctx.slot = slot;
	ctx.faults = fault_set_create(1);
	ctx.journal = journal_create(10);
}

static void
teardown(void)
{
	fault_set_free(ctx.faults);
	journal_free(ctx.journal);
	store_slot_free(slot);
}

START_TEST(loopback_only_without_a_token)
{
	ck_assert_uint_eq(ask(&ctx, "GET", "/__admin/faults", 1, NULL), 200);
	ck_assert_uint_eq(ask(&ctx, "GET", "/__admin/faults", 0, NULL), 403);
	ck_assert_uint_eq(ask(&ctx, "GET", "/metrics", 0, NULL), 403);
	ck_assert_uint_eq(ask(&ctx, "POST", "/__admin/reset", 0, NULL), 403);
	ck_assert_uint_eq(ask(&ctx, "GET", "/__admin/health", 0, NULL), 200);
	ck_assert_uint_eq(ask(&ctx, "GET", "/metrics", 1, NULL), 200);
}
END_TEST

START_TEST(token_replaces_the_loopback_rule)
{
	ctx.token = "s3cret";
	ck_assert_uint_eq(ask(&ctx, "GET", "/__admin/faults", 1, NULL), 403);
	ck_assert_uint_eq(ask(&ctx, "GET", "/__admin/faults", 0, "Bearer s3cret"), 200);
	ck_assert_uint_eq(ask(&ctx, "GET", "/__admin/faults", 1, "Bearer s3cre"), 403);
	ck_assert_uint_eq(ask(&ctx, "GET", "/__admin/faults", 1, "Bearer s3crett"), 403);
	ck_assert_uint_eq(ask(&ctx, "GET", "/__admin/faults", 1, "Basic s3cret"), 403);
	ck_assert_uint_eq(ask(&ctx, "GET", "/__admin/faults", 1, "bearer s3cret"), 200);
	ck_assert_uint_eq(ask(&ctx, "GET", "/__admin/health", 0, NULL), 200);
	ctx.token = NULL;
}
END_TEST

START_TEST(methods_and_paths)
{
	ck_assert_uint_eq(ask(&ctx, "GET", "/__admin/reset", 1, NULL), 405);
	ck_assert_uint_eq(ask(&ctx, "PUT", "/__admin/faults", 1, NULL), 405);
	ck_assert_uint_eq(ask(&ctx, "POST", "/__admin/health", 1, NULL), 405);
	ck_assert_uint_eq(ask(&ctx, "GET", "/__admin/nothing", 1, NULL), 404);
	ck_assert_uint_eq(ask(&ctx, "DELETE", "/__admin/faults/12x", 1, NULL), 404);
	ck_assert_uint_eq(ask(&ctx, "DELETE", "/__admin/faults/7", 1, NULL), 404);
	ck_assert_uint_eq(ask(&ctx, "POST", "/__admin/reset", 1, NULL), 200);
	ck_assert(admin_owns("/__admin"));
	ck_assert(admin_owns("/__admin/faults/3"));
	ck_assert(admin_owns("/metrics"));
	ck_assert(!admin_owns("/__adminx"));
	ck_assert(!admin_owns("/v2/calls"));
}
END_TEST

/* The first message of an error body (caller frees the body). */
static const char *
first_error(json_t *doc)
{
	return json_string_value(json_array_get(json_object_get(doc, "errors"), 0));
}

/* A refusal says how to get in: the flag, its variable and the header; never the token. */
START_TEST(refusals_say_how_to_get_in)
{
	static const char *const wrong[] = {NULL, "Bearer s3cre", "Basic s3cret", "Bearer "};
	char *body;
	json_t *doc;

	ck_assert_uint_eq(ask_full(&ctx, "GET", "/__admin/faults", "", 0, NULL, &body), 403);
	doc = json_loads(body, 0, NULL);
	ck_assert_str_eq(first_error(doc),
	                 "The control API answers loopback clients only; to let other clients in, "
	                 "start gongmock with --admin-token TOKEN (or GONGMOCK_ADMIN_TOKEN=TOKEN) "
	                 "and send 'Authorization: Bearer TOKEN'");
	json_decref(doc);
	free(body);

	ctx.token = "s3cret";
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		ck_assert_uint_eq(
		    ask_full(&ctx, "POST", "/__admin/reset", "", i % 2, wrong[i], &body), 403);
		doc = json_loads(body, 0, NULL);
		ck_assert_str_eq(
		    first_error(doc),
		    "The control API needs the admin token given to --admin-token (or "
		    "GONGMOCK_ADMIN_TOKEN): send it as 'Authorization: Bearer <token>'");
		ck_assert_ptr_null(strstr(body, "s3cret"));
		json_decref(doc);
		free(body);
	}
	ctx.token = NULL;
}
END_TEST

/* DELETE answers with the ids and names of what it removed. */
START_TEST(deletes_name_the_rules_removed)
{
	char *body, err[256];
	static const char rules[] =
	    "{\"rules\":[{\"name\":\"a\",\"respond\":{\"status\":500}},"
	    "{\"respond\":{\"status\":503}},{\"name\":\"c\",\"respond\":{\"status\":429}}]}";

	ck_assert_int_eq(
	    fault_set_add_json(ctx.faults, rules, strlen(rules), NULL, 0, NULL, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(ask_full(&ctx, "DELETE", "/__admin/faults/2", "", 1, NULL, &body), 200);
	ck_assert_str_eq(body, "{\"ids\":[2],\"names\":[\"rule-2\"]}");
	free(body);
	ck_assert_uint_eq(ask_full(&ctx, "DELETE", "/__admin/faults/2", "", 1, NULL, &body), 404);
	free(body);
	ck_assert_uint_eq(ask_full(&ctx, "DELETE", "/__admin/faults/0", "", 1, NULL, &body), 404);
	free(body);
	ck_assert_uint_eq(ask_full(&ctx, "DELETE", "/__admin/faults", "", 1, NULL, &body), 200);
	ck_assert_str_eq(body, "{\"ids\":[1,3],\"names\":[\"a\",\"c\"]}");
	free(body);
	ck_assert_uint_eq(fault_set_count(ctx.faults), 0);
	ck_assert_uint_eq(ask_full(&ctx, "DELETE", "/__admin/faults", "", 1, NULL, &body), 200);
	ck_assert_str_eq(body, "{\"ids\":[],\"names\":[]}");
	free(body);
}
END_TEST

/* Health says what the mode serves from; the dataset's counts only in mock mode. */
START_TEST(health_reports_the_mode_and_its_source)
{
	char *body;
	json_t *doc;

	ctx.dataset = 1;
	ctx.scenario = "s.json";
	ctx.scenario_rules = 4;
	ck_assert_uint_eq(ask_full(&ctx, "GET", "/__admin/health", "", 0, NULL, &body), 200);
	doc = json_loads(body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "mode")), "mock");
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "calls")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "fixtures")), "built-in");
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(doc, "scenario"), "path")), "s.json");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(doc, "scenario"), "rules")), 4);
	ck_assert_ptr_null(json_object_get(doc, "upstream"));
	json_decref(doc);
	free(body);

	ctx.mode = "proxy";
	ctx.dataset = 0;
	ctx.upstream = "https://api.gong.io";
	ctx.scenario = NULL;
	ck_assert_uint_eq(ask_full(&ctx, "GET", "/__admin/health", "", 0, NULL, &body), 200);
	doc = json_loads(body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "upstream")),
	                 "https://api.gong.io");
	ck_assert(json_is_null(json_object_get(doc, "calls")));
	ck_assert(json_is_null(json_object_get(doc, "workspaces")));
	ck_assert_ptr_null(json_object_get(doc, "fixtures"));
	ck_assert_ptr_null(json_object_get(doc, "scenario"));
	json_decref(doc);
	free(body);
	ctx.mode = NULL;
	ctx.upstream = NULL;
}
END_TEST

/* A journal entry as the server records one. */
static void
record(const char *method, const char *path, const char *body, unsigned status, const char *source)
{
	struct journal_entry e = {
	    .time_us = 1749749916000000,
	    .request_id = "r",
	    .method = method,
	    .path = path,
	    .query = "",
	    .body = body,
	    .body_len = body != NULL ? strlen(body) : 0,
	    .status = status,
	    .source = source,
	    .duration_us = 40,
	};

	journal_add(ctx.journal, &e);
}

START_TEST(requests_show_bodies)
{
	char *text;
	json_t *doc, *reqs, *body;
	json_error_t je;

	record("POST", "/v2/calls/extensive",
	       "{\"filter\":{\"workspaceId\":\"123\",\"callIds\":[\"1\",\"2\"]},"
	       "\"contentSelector\":{\"context\":\"Extended\"}}",
	       200, "fixture");
	record("POST", "/v2/calls/transcript", "callIds=1", 400, "error");
	record("GET", "/v2/calls", NULL, 200, "fixture");
	ck_assert_uint_eq(ask_full(&ctx, "GET", "/__admin/requests", "limit=3", 1, NULL, &text),
	                  200);
	doc = json_loads(text, 0, &je);
	ck_assert_msg(doc != NULL, "%s: %s", je.text, text);
	free(text);
	reqs = json_object_get(doc, "requests");
	ck_assert_int_eq(json_array_size(reqs), 3);
	ck_assert_ptr_null(json_object_get(json_array_get(reqs, 0), "body"));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(reqs, 1), "body")),
	                 "callIds=1");
	body = json_object_get(json_array_get(reqs, 2), "body");
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(body, "filter"), "workspaceId")),
	    "123");
	ck_assert_str_eq(json_string_value(json_array_get(
	                     json_object_get(json_object_get(body, "filter"), "callIds"), 1)),
	                 "2");
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(body, "contentSelector"), "context")),
	    "Extended");
	json_decref(doc);
}
END_TEST

START_TEST(metrics_by_operation)
{
	char *text;

	record("POST", "/v2/calls/extensive", "{}", 200, "fixture");
	record("POST", "/v2/calls/extensive", "{}", 429, "fault:slow down");
	record("GET", "/v2/calls/77", NULL, 200, "fixture");
	record("GET", "/v2/calls", NULL, 200, "fixture");
	ck_assert_uint_eq(ask_full(&ctx, "GET", "/metrics", "", 1, NULL, &text), 200);
	ck_assert_ptr_nonnull(strstr(text,
	                             "\ngongmock_requests_total{code=\"200\",source=\"fixture\","
	                             "operation=\"getCallsExtensive\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text,
	                             "\ngongmock_requests_total{code=\"429\",source=\"fault\","
	                             "operation=\"getCallsExtensive\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text,
	                             "\ngongmock_requests_total{code=\"200\",source=\"fixture\","
	                             "operation=\"getCall\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text,
	                             "\ngongmock_requests_total{code=\"200\",source=\"fixture\","
	                             "operation=\"listCalls\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ngongmock_request_duration_seconds_count{operation="
	                                   "\"getCallsExtensive\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ngongmock_request_duration_seconds_bucket{operation="
	                                   "\"getCall\",le=\"0.0001\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ngongmock_request_duration_seconds_sum{operation="
	                                   "\"listCalls\"} 0.000040\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ngongmock_request_duration_seconds_count{operation="
	                                   "\"listWorkspaces\"} 0\n"));
	ck_assert_ptr_null(strstr(text, "operation=\"getCallTranscripts\"} 1"));
	free(text);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("admin");
	TCase *t = tcase_create("admin");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, loopback_only_without_a_token);
	tcase_add_test(t, token_replaces_the_loopback_rule);
	tcase_add_test(t, methods_and_paths);
	tcase_add_test(t, refusals_say_how_to_get_in);
	tcase_add_test(t, deletes_name_the_rules_removed);
	tcase_add_test(t, health_reports_the_mode_and_its_source);
	tcase_add_test(t, requests_show_bodies);
	tcase_add_test(t, metrics_by_operation);
	suite_add_tcase(s, t);
	return harness_run(s);
}
