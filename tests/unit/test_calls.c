/*
 * test_calls.c - the list handler without a socket: a struct request in, a struct response
 * out. Paging arithmetic, cursor expiry on a fake clock, the store pin, and reloads between
 * two pages.
 */
#include "calls.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "store.h"

#include "harness.h"

static const char data5[] =
    "[{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\",\"workspaceId\":\"7\"},"
    "{\"id\":\"2\",\"started\":\"2025-01-02T00:00:00Z\",\"workspaceId\":\"8\"},"
    "{\"id\":\"3\",\"started\":\"2025-01-03T00:00:00Z\",\"workspaceId\":\"7\"},"
    "{\"id\":\"4\",\"started\":\"2025-01-04T00:00:00Z\",\"workspaceId\":\"8\"},"
    "{\"id\":\"5\",\"started\":\"2025-01-05T00:00:00Z\",\"workspaceId\":\"7\"}]";

static int64_t fake_now = 1700000000;

static int64_t
fake_clock(void)
{
	return fake_now;
}

struct fixture {
	struct cursor_key key;
	struct store_slot *slot;
	struct calls_ctx ctx;
};

static void
fixture_init(struct fixture *fx, const char *data, unsigned page_size)
{
	char err[256];
	struct store *s = store_load_buffer("test", data, strlen(data), err, sizeof(err));

	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(cursor_key_init(&fx->key, "secret", err, sizeof(err)), 0);
	fx->slot = store_slot_create(s);
	ck_assert_ptr_nonnull(fx->slot);
	calls_ctx_init(&fx->ctx, fx->slot, &fx->key, page_size, 3600);
	fx->ctx.now = fake_clock;
}

/* Runs the handler on `query`; returns the parsed body (caller decrefs) and the status. */
static json_t *
list(struct fixture *fx, const char *query, unsigned *status)
{
	struct request req;
	struct response r;
	char *body;
	size_t i, n = 0, len;
	json_t *j;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/v2/calls";
	req.query = query;
	req.query_len = strlen(query);
	strcpy(req.request_id, "abcdefghijklmnopqr");
	response_init(&r);
	strcpy(r.request_id, req.request_id);
	{
		/* One context per request, as the router makes them. */
		struct reqctx *x = malloc(sizeof(*x));

		ck_assert_ptr_nonnull(x);
		reqctx_init(x, &req);
		calls_list(&fx->ctx, x, &r);
		free(x);
	}
	len = response_body_len(&r);
	body = malloc(len + 1);
	for (i = 0; i < r.npieces; i++) {
		memcpy(body + n, r.pieces[i].base, r.pieces[i].len);
		n += r.pieces[i].len;
	}
	body[n] = '\0';
	*status = r.status;
	response_free(&r);
	j = json_loads(body, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON: %s", body);
	free(body);
	return j;
}

static const char *
cursor_of(json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "records"), "cursor"));
}

static long long
rec(json_t *j, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(j, "records"), key));
}

START_TEST(pages_of_two_walk_five_calls)
{
	struct fixture fx;
	unsigned st;
	json_t *j;
	char q[1024];
	const char *want[] = {"1", "2", "3", "4", "5"};
	size_t seen = 0, page;

	fixture_init(&fx, data5, 2);
	j = list(&fx, "", &st);
	for (page = 0;; page++) {
		json_t *calls = json_object_get(j, "calls");
		size_t i;

		ck_assert_uint_eq(st, 200);
		ck_assert_int_eq(rec(j, "totalRecords"), 5);
		ck_assert_int_eq(rec(j, "currentPageNumber"), (long long)page);
		ck_assert_int_eq(rec(j, "currentPageSize"), page < 2 ? 2 : 1);
		ck_assert_str_eq(json_string_value(json_object_get(j, "requestId")),
		                 "abcdefghijklmnopqr");
		for (i = 0; i < json_array_size(calls); i++)
			ck_assert_str_eq(
			    json_string_value(json_object_get(json_array_get(calls, i), "id")),
			    want[seen++]);
		if (cursor_of(j) == NULL)
			break;
		snprintf(q, sizeof(q), "cursor=%s", cursor_of(j));
		json_decref(j);
		j = list(&fx, q, &st);
	}
	json_decref(j);
	ck_assert_uint_eq(seen, 5);
	ck_assert_uint_eq(page, 2);
	store_slot_free(fx.slot);
}
END_TEST

START_TEST(exact_multiple_has_no_cursor_on_the_last_page)
{
	struct fixture fx;
	unsigned st;
	json_t *j;

	fixture_init(&fx, data5, 5);
	j = list(&fx, "", &st);
	ck_assert_uint_eq(st, 200);
	ck_assert_int_eq(rec(j, "currentPageSize"), 5);
	ck_assert_ptr_null(json_object_get(json_object_get(j, "records"), "cursor"));
	json_decref(j);
	store_slot_free(fx.slot);
}
END_TEST

START_TEST(cursor_expires_on_the_clock)
{
	struct fixture fx;
	unsigned st;
	json_t *j, *k;
	char q[1024];

	fixture_init(&fx, data5, 2);
	j = list(&fx, "workspaceId=7", &st);
	snprintf(q, sizeof(q), "cursor=%s", cursor_of(j));
	fake_now += 3599;
	k = list(&fx, q, &st);
	ck_assert_uint_eq(st, 200);
	ck_assert_int_eq(rec(k, "totalRecords"), 3);
	ck_assert_str_eq(json_string_value(
	                     json_object_get(json_array_get(json_object_get(k, "calls"), 0), "id")),
	                 "5");
	json_decref(k);
	fake_now += 1;
	k = list(&fx, q, &st);
	ck_assert_uint_eq(st, 400);
	ck_assert_ptr_nonnull(
	    strstr(json_string_value(json_array_get(json_object_get(k, "errors"), 0)),
	           "cursor has expired"));
	json_decref(k);
	json_decref(j);
	store_slot_free(fx.slot);
}
END_TEST

START_TEST(a_reload_between_pages_neither_skips_nor_repeats)
{
	static const char reloaded[] = "[{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"},"
	                               "{\"id\":\"3\",\"started\":\"2025-01-03T00:00:00Z\"},"
	                               "{\"id\":\"4\",\"started\":\"2025-01-04T00:00:00Z\"},"
	                               "{\"id\":\"5\",\"started\":\"2025-01-05T00:00:00Z\"}]";
	struct fixture fx;
	unsigned st;
	json_t *j, *k;
	char q[1024], err[256];
	struct store *s;

	fixture_init(&fx, data5, 2);
	j = list(&fx, "", &st);
	snprintf(q, sizeof(q), "cursor=%s", cursor_of(j));
	/* Call 2, already served, goes away: the next page still starts at call 3. */
	s = store_load_buffer("reloaded", reloaded, strlen(reloaded), err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	store_slot_swap(fx.slot, s);
	k = list(&fx, q, &st);
	ck_assert_uint_eq(st, 200);
	ck_assert_str_eq(json_string_value(
	                     json_object_get(json_array_get(json_object_get(k, "calls"), 0), "id")),
	                 "3");
	ck_assert_int_eq(rec(k, "currentPageNumber"), 1);
	json_decref(k);
	json_decref(j);
	store_slot_free(fx.slot);
}
END_TEST

START_TEST(a_cursor_from_another_key_fails)
{
	struct fixture a, b;
	unsigned st;
	json_t *j, *k;
	char q[1024], err[64];

	fixture_init(&a, data5, 2);
	fixture_init(&b, data5, 2);
	ck_assert_int_eq(cursor_key_init(&b.key, "other", err, sizeof(err)), 0);
	j = list(&a, "", &st);
	snprintf(q, sizeof(q), "cursor=%s", cursor_of(j));
	k = list(&b, q, &st);
	ck_assert_uint_eq(st, 400);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(k, "errors"), 0)),
	                 "Failed to verify cursor");
	json_decref(j);
	json_decref(k);
	store_slot_free(a.slot);
	store_slot_free(b.slot);
}
END_TEST

START_TEST(empty_store_answers_404)
{
	struct fixture fx;
	unsigned st;
	json_t *j;

	fixture_init(&fx, "[]", 2);
	j = list(&fx, "", &st);
	ck_assert_uint_eq(st, 404);
	json_decref(j);
	store_slot_free(fx.slot);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("calls");
	TCase *t = tcase_create("calls");

	tcase_add_test(t, pages_of_two_walk_five_calls);
	tcase_add_test(t, exact_multiple_has_no_cursor_on_the_last_page);
	tcase_add_test(t, cursor_expires_on_the_clock);
	tcase_add_test(t, a_reload_between_pages_neither_skips_nor_repeats);
	tcase_add_test(t, a_cursor_from_another_key_fails);
	tcase_add_test(t, empty_store_answers_404);
	suite_add_tcase(s, t);
	return harness_run(s);
}
