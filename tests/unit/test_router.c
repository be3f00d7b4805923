/*
 * test_router.c - the order of the router's decisions, without a socket: the method, then
 * Gong's credential check, then `Prefer`, then the fault rules, then the rate limiter, then
 * the normal answer. Each test sets up two decisions that disagree and checks which wins.
 */
#include "router.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cursor.h"
#include "fault.h"
#include "ratelimit.h"
#include "store.h"

#include "harness.h"

static const char data3[] =
    "[{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\",\"workspaceId\":\"7\"},"
    "{\"id\":\"2\",\"started\":\"2025-01-02T00:00:00Z\",\"workspaceId\":\"7\"},"
    "{\"id\":\"3\",\"started\":\"2025-01-03T00:00:00Z\",\"workspaceId\":\"8\"}]";

#define GOOD_BASIC "Basic a2V5OnNlY3JldA=="

static int64_t fake_us = 1700000000LL * 1000000;

static int64_t
fake_clock_us(void)
{
	return fake_us;
}

struct fixture {
	struct cursor_key key;
	struct store_slot *slot;
	struct router rt;
};

static void
fixture_init(struct fixture *fx, const char *rules, const char *limit)
{
	char err[512];
	struct store *s = store_load_buffer("test", data3, strlen(data3), err, sizeof(err));

	ck_assert_msg(s != NULL, "%s", err);
	memset(fx, 0, sizeof(*fx));
	ck_assert_int_eq(cursor_key_init(&fx->key, "secret", err, sizeof(err)), 0);
	fx->slot = store_slot_create(s);
	ck_assert_ptr_nonnull(fx->slot);
	calls_ctx_init(&fx->rt.calls, fx->slot, &fx->key, 100, 3600);
	fx->rt.faults = fault_set_create(1);
	ck_assert_ptr_nonnull(fx->rt.faults);
	if (rules != NULL)
		ck_assert_msg(fault_set_add_json(fx->rt.faults, rules, strlen(rules), NULL, 0, NULL,
		                                 err, sizeof(err)) == 0,
		              "%s", err);
	if (limit != NULL) {
		struct ratelimit_config rc;

		ck_assert_int_eq(ratelimit_parse(limit, &rc, err, sizeof(err)), 0);
		fx->rt.limiter = ratelimit_create(&rc, fake_clock_us);
		ck_assert_ptr_nonnull(fx->rt.limiter);
	}
}

static void
fixture_free(struct fixture *fx)
{
	fault_set_free(fx->rt.faults);
	ratelimit_free(fx->rt.limiter);
	store_slot_free(fx->slot);
}

/* Headers of a request under test: "Name: value" strings, NULL-terminated. */
struct headers {
	const char *const *lines;
	char value[256];
};

static const char *
headers_lookup(const struct request *r, const char *name)
{
	struct headers *h = r->header_cls;
	size_t n = strlen(name);
	const char *const *l;

	for (l = h->lines; l != NULL && *l != NULL; l++)
		if (strncasecmp(*l, name, n) == 0 && (*l)[n] == ':') {
			snprintf(h->value, sizeof(h->value), "%s", *l + n + 2);
			return h->value;
		}
	return NULL;
}

struct answer {
	unsigned status;
	char source[64];
	char retry_after[16];
	unsigned delay_ms;
	char body[512];
};

static void
ask(struct fixture *fx, const char *method, const char *path, const char *query,
    const char *const *lines, struct answer *out)
{
	struct request req;
	struct response r;
	struct headers h = {lines, ""};
	size_t i, n = 0;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.target = path;
	req.query = query;
	req.query_len = strlen(query);
	req.header = headers_lookup;
	req.header_cls = &h;
	req.remote_loopback = 1;
	strcpy(req.request_id, "abcdefghijklmnopqr");
	response_init(&r);
	strcpy(r.request_id, req.request_id);
	router_handle(&req, &r, &fx->rt);
	memset(out, 0, sizeof(*out));
	out->status = r.status;
	snprintf(out->source, sizeof(out->source), "%s", r.source != NULL ? r.source : "");
	out->delay_ms = r.delay_ms;
	for (i = 0; i < r.nheaders; i++)
		if (strcasecmp(r.headers[i].name, "Retry-After") == 0)
			snprintf(out->retry_after, sizeof(out->retry_after), "%s",
			         r.headers[i].value);
	for (i = 0; i < r.npieces && n < sizeof(out->body) - 1; i++) {
		size_t take = r.pieces[i].len;

		if (take > sizeof(out->body) - 1 - n)
			take = sizeof(out->body) - 1 - n;
		memcpy(out->body + n, r.pieces[i].base, take);
		n += take;
	}
	response_free(&r);
}

START_TEST(the_method_is_checked_before_the_credentials)
{
	struct fixture fx;
	struct answer a;

	fixture_init(&fx, NULL, NULL);
	ask(&fx, "POST", "/v2/calls", "", NULL, &a);
	ck_assert_uint_eq(a.status, 405);
	ask(&fx, "GET", "/v2/calls", "", NULL, &a);
	ck_assert_uint_eq(a.status, 401);
	fixture_free(&fx);
}
END_TEST

START_TEST(credentials_come_before_prefer_rules_and_the_limiter)
{
	static const char *const prefer[] = {"Prefer: code=503", NULL};
	struct fixture fx;
	struct answer a;

	fixture_init(&fx, "{\"match\":{\"path\":\"/v2/calls\"},\"respond\":{\"status\":500}}",
	             "1/s,1/day");
	ask(&fx, "GET", "/v2/calls", "", prefer, &a);
	ck_assert_uint_eq(a.status, 401);
	ck_assert_ptr_nonnull(strstr(a.body, "\"errors\""));
	/* A refused request cost no token: an authenticated one still has the day's call. */
	{
		static const char *const good[] = {"Authorization: " GOOD_BASIC, NULL};

		fault_set_clear(fx.rt.faults);
		ask(&fx, "GET", "/v2/calls", "", good, &a);
		ck_assert_uint_eq(a.status, 200);
	}
	fixture_free(&fx);
}
END_TEST

START_TEST(prefer_comes_before_the_rules)
{
	static const char *const lines[] = {"Authorization: " GOOD_BASIC, "Prefer: code=503", NULL};
	struct fixture fx;
	struct answer a;

	fixture_init(&fx, "{\"match\":{\"path\":\"/v2/calls\"},\"respond\":{\"status\":500}}",
	             NULL);
	ask(&fx, "GET", "/v2/calls", "", lines, &a);
	ck_assert_uint_eq(a.status, 503);
	ck_assert_str_eq(a.source, "fault:prefer");
	fixture_free(&fx);
}
END_TEST

START_TEST(a_rule_comes_before_the_limiter_and_costs_no_token)
{
	static const char *const good[] = {"Authorization: " GOOD_BASIC, NULL};
	struct fixture fx;
	struct answer a;

	fixture_init(&fx,
	             "{\"name\":\"first\",\"match\":{\"path\":\"/v2/calls\"},\"times\":1,"
	             "\"respond\":{\"status\":500}}",
	             "1/s,1/day");
	ask(&fx, "GET", "/v2/calls", "", good, &a);
	ck_assert_uint_eq(a.status, 500);
	ck_assert_str_eq(a.source, "fault:first");
	/* The day's one call is still there for the next request, which the rule lets by. */
	ask(&fx, "GET", "/v2/calls", "", good, &a);
	ck_assert_uint_eq(a.status, 200);
	ck_assert_str_eq(a.source, "fixture");
	ask(&fx, "GET", "/v2/calls", "", good, &a);
	ck_assert_uint_eq(a.status, 429);
	ck_assert_str_eq(a.source, "ratelimit");
	ck_assert_str_ne(a.retry_after, "");
	fixture_free(&fx);
}
END_TEST

START_TEST(a_rule_without_a_status_shapes_the_normal_answer)
{
	static const char *const good[] = {"Authorization: " GOOD_BASIC, NULL};
	struct fixture fx;
	struct answer a;

	fixture_init(&fx,
	             "{\"name\":\"slowish\",\"match\":{\"path\":\"/v2/calls\"},"
	             "\"respond\":{\"delayMs\":250}}",
	             NULL);
	ask(&fx, "GET", "/v2/calls", "", good, &a);
	ck_assert_uint_eq(a.status, 200);
	ck_assert_uint_eq(a.delay_ms, 250);
	ck_assert_str_eq(a.source, "fault:slowish");
	ck_assert_ptr_nonnull(strstr(a.body, "\"calls\""));
	fixture_free(&fx);
}
END_TEST

START_TEST(the_limiter_comes_before_the_normal_answer)
{
	static const char *const good[] = {"Authorization: " GOOD_BASIC, NULL};
	struct fixture fx;
	struct answer a;

	fixture_init(&fx, NULL, "1/s");
	ask(&fx, "GET", "/v2/calls", "", good, &a);
	ck_assert_uint_eq(a.status, 200);
	ask(&fx, "GET", "/v2/calls", "", good, &a);
	ck_assert_uint_eq(a.status, 429);
	ck_assert_str_eq(a.retry_after, "1");
	ck_assert_ptr_nonnull(strstr(a.body, "API request limit exceeded"));
	/* A second later the bucket has room again. */
	fake_us += 1000000;
	ask(&fx, "GET", "/v2/calls", "", good, &a);
	ck_assert_uint_eq(a.status, 200);
	fixture_free(&fx);
}
END_TEST

START_TEST(rules_see_the_query_and_the_cursor_page)
{
	static const char *const good[] = {"Authorization: " GOOD_BASIC, NULL};
	struct fixture fx;
	struct answer a;

	fixture_init(&fx,
	             "{\"name\":\"ws8\",\"match\":{\"path\":\"/v2/calls\",\"query\":"
	             "{\"workspaceId\":\"8\"}},\"respond\":{\"status\":404}}",
	             NULL);
	ask(&fx, "GET", "/v2/calls", "workspaceId=7", good, &a);
	ck_assert_uint_eq(a.status, 200);
	ask(&fx, "GET", "/v2/calls", "workspaceId=8", good, &a);
	ck_assert_uint_eq(a.status, 404);
	ck_assert_str_eq(a.source, "fault:ws8");
	fixture_free(&fx);
}
END_TEST

START_TEST(unknown_paths_ask_for_credentials_then_say_what_is_emulated)
{
	static const char *const good[] = {"Authorization: " GOOD_BASIC, NULL};
	struct fixture fx;
	struct answer a;

	fixture_init(&fx, NULL, NULL);
	/* Under /v2/ Gong asks for credentials first, as for any operation. */
	ask(&fx, "GET", "/v2/nothing-here", "", NULL, &a);
	ck_assert_uint_eq(a.status, 401);
	ask(&fx, "GET", "/v2/nothing-here", "", good, &a);
	ck_assert_uint_eq(a.status, 404);
	ck_assert_ptr_nonnull(
	    strstr(a.body, "GET /v2/nothing-here is not an operation gongmock emulates"));
	/* Elsewhere there is nothing to authenticate for. */
	ask(&fx, "GET", "/nothing-here", "", NULL, &a);
	ck_assert_uint_eq(a.status, 404);
	fixture_free(&fx);
}
END_TEST

static Suite *
router_suite(void)
{
	Suite *s = suite_create("router");
	TCase *t = tcase_create("precedence");

	tcase_add_test(t, the_method_is_checked_before_the_credentials);
	tcase_add_test(t, credentials_come_before_prefer_rules_and_the_limiter);
	tcase_add_test(t, prefer_comes_before_the_rules);
	tcase_add_test(t, a_rule_comes_before_the_limiter_and_costs_no_token);
	tcase_add_test(t, a_rule_without_a_status_shapes_the_normal_answer);
	tcase_add_test(t, the_limiter_comes_before_the_normal_answer);
	tcase_add_test(t, rules_see_the_query_and_the_cursor_page);
	tcase_add_test(t, unknown_paths_ask_for_credentials_then_say_what_is_emulated);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return harness_run(router_suite());
}
