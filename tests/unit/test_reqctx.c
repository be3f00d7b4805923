#include "reqctx.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

#include "harness.h"

static struct cursor_key key;

static void
setup(void)
{
	char err[128];

	ck_assert_int_eq(cursor_key_init(&key, "secret", err, sizeof(err)), 0);
}

/* A request whose query is `query`; the caller keeps the string alive. */
static void
request_with(struct request *req, const char *query)
{
	memset(req, 0, sizeof(*req));
	req->method = "GET";
	req->path = "/v2/calls";
	req->query = query;
	req->query_len = strlen(query);
}

/* A signed cursor for page `page`, expiring at `exp`. */
static void
make_cursor(char *out, size_t outlen, uint64_t page, int64_t exp)
{
	struct cursor c;

	memset(&c, 0, sizeof(c));
	c.last_date_us = 1735689600000000LL;
	strcpy(c.last_id, "42");
	c.page_number = page;
	c.total = 500;
	c.page_size = 100;
	c.exp = exp;
	ck_assert_uint_gt(cursor_encode(&key, &c, out, outlen), 0);
}

START_TEST(the_query_is_parsed_once_and_kept)
{
	struct request req;
	struct reqctx *x = malloc(sizeof(*x));
	char query[] = "workspaceId=7&cursor=";
	const struct query *q1, *q2;

	request_with(&req, query);
	reqctx_init(x, &req);
	q1 = reqctx_query(x);
	ck_assert_ptr_nonnull(q1);
	ck_assert_uint_eq(q1->count, 2);
	/* What the request says now no longer matters: the first parse is kept. */
	query[0] = 'X';
	q2 = reqctx_query(x);
	ck_assert_ptr_eq(q1, q2);
	ck_assert_str_eq(q2->params[0].name, "workspaceId");
	free(x);
}
END_TEST

START_TEST(a_query_past_the_caps_is_refused_and_carries_no_cursor)
{
	struct request req;
	struct reqctx *x = malloc(sizeof(*x));
	size_t n = QUERY_MAX_PARAMS + 1, i;
	char *query = malloc(n * 4 + 1), *w = query;
	const struct cursor *c = (const struct cursor *)1;

	for (i = 0; i < n; i++)
		w += sprintf(w, "%sa=1", i ? "&" : "");
	request_with(&req, query);
	reqctx_init(x, &req);
	ck_assert_ptr_null(reqctx_query(x));
	ck_assert_ptr_null(reqctx_query(x));
	ck_assert_int_eq(reqctx_cursor(x, &key, 0, &c), REQCTX_CURSOR_NONE);
	ck_assert_ptr_null(c);
	free(query);
	free(x);
}
END_TEST

START_TEST(cursor_states)
{
	struct request req;
	struct reqctx *x = malloc(sizeof(*x));
	char cur[CURSOR_TEXT_MAX + 1], query[CURSOR_TEXT_MAX + 64];
	const struct cursor *c;

	/* None, and an empty one, are no cursor. */
	request_with(&req, "workspaceId=7");
	reqctx_init(x, &req);
	ck_assert_int_eq(reqctx_cursor(x, &key, 1000, &c), REQCTX_CURSOR_NONE);
	ck_assert_ptr_null(c);
	request_with(&req, "cursor=&workspaceId=7");
	reqctx_init(x, &req);
	ck_assert_int_eq(reqctx_cursor(x, &key, 1000, &c), REQCTX_CURSOR_NONE);

	/* A good one, decoded once: a later clock does not change the answer. */
	make_cursor(cur, sizeof(cur), 3, 2000);
	snprintf(query, sizeof(query), "cursor=%s", cur);
	request_with(&req, query);
	reqctx_init(x, &req);
	ck_assert_int_eq(reqctx_cursor(x, &key, 1000, &c), REQCTX_CURSOR_OK);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->page_number, 3);
	ck_assert_str_eq(c->last_id, "42");
	ck_assert_int_eq(reqctx_cursor(x, &key, 5000, NULL), REQCTX_CURSOR_OK);

	/* Expired: still readable, for a rule that matches on its page. */
	reqctx_init(x, &req);
	ck_assert_int_eq(reqctx_cursor(x, &key, 2000, &c), REQCTX_CURSOR_EXPIRED);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->page_number, 3);

	/* Tampered with. */
	query[strlen(query) - 2] ^= 1;
	reqctx_init(x, &req);
	ck_assert_int_eq(reqctx_cursor(x, &key, 1000, &c), REQCTX_CURSOR_INVALID);
	ck_assert_ptr_null(c);
	free(x);
}
END_TEST

static Suite *
reqctx_suite(void)
{
	Suite *s = suite_create("reqctx");
	TCase *t = tcase_create("reqctx");

	tcase_add_unchecked_fixture(t, setup, NULL);
	tcase_add_test(t, the_query_is_parsed_once_and_kept);
	tcase_add_test(t, a_query_past_the_caps_is_refused_and_carries_no_cursor);
	tcase_add_test(t, cursor_states);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return harness_run(reqctx_suite());
}
