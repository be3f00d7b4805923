/*
 * test_users.c - GET /v2/users, GET /v2/users/{id}, POST /v2/users/extensive and
 * GET /v2/workspaces without a socket: a struct request in, a struct response out. Whole walks
 * by the cursor, avatars, each filter of the POST and every 400, cursors of the other
 * operation and expired ones, what Gong tolerates (a warning) against --strict (a 400), and
 * the company a store makes from its calls when the data gives none.
 */
#include "users.h"

#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "calls.h"
#include "company.h"
#include "cursor.h"
#include "isotime.h"
#include "store.h"

#include "harness.h"

#define RID "abcdefghijklmnopqr"
#define NO_USERS "No users found corresponding to the provided filters"
#define NREGULAR 23
#define NAVATARS 2
#define NUSERS (NREGULAR + NAVATARS)
#define PAGE 4

/* 2026-01-02T03:04:05Z */
static int64_t fake_now = 1767323045;

static int64_t
fake_clock(void)
{
	return fake_now;
}

struct fixture {
	struct cursor_key key;
	struct store_slot *slot;
	struct calls_ctx ctx;
	json_t *users; /* as given, avatar mark and all */
};

/* ---- The data ---- */

/* The id of regular user i: mixed lengths, one past 2^64, none in order of i. */
static void
user_id(size_t i, char out[32])
{
	if (i == 5)
		strcpy(out, "98765432109876543210");
	else if (i == 9)
		strcpy(out, "18446744073709551616");
	else
		snprintf(out, 32, "%zu", (i * 7919 + 11) % 100003);
}

/* When regular user i was created: 2024-01-(i+1), but 20 and 21 are unknown and 22 is given
 * with an offset. */
static const char *
user_created(size_t i, char out[40])
{
	if (i == 20 || i == 21)
		return NULL;
	if (i == 22)
		return strcpy(out, "2024-02-01T05:00:00+05:00");
	snprintf(out, 40, "2024-01-%02zuT00:00:00Z", i + 1);
	return out;
}

static json_t *
make_users(void)
{
	json_t *users = json_array();

	for (size_t i = 0; i < NREGULAR; i++) {
		char id[32], created[40], email[64];
		const char *c = user_created(i, created);

		user_id(i, id);
		snprintf(email, sizeof(email), "user%zu@gong.example", i);
		json_array_append_new(
		    users,
		    json_pack("{s:s,s:s,s:o,s:b,s:[],s:s,s:s,s:n,s:n,s:n,s:[],s:{s:b},s:n,s:n,s:[]}",
		              "id", id, "emailAddress", email, "created",
		              c != NULL ? json_string(c) : json_null(), "active", i % 6 != 3,
		              "emailAliases", "firstName", "First", "lastName", id, "title",
		              "phoneNumber", "extension", "personalMeetingUrls", "settings",
		              "emailsImported", i % 2 == 0, "managerId", "meetingConsentPageUrl",
		              "spokenLanguages"));
	}
	json_array_append_new(users, json_pack("{s:s,s:s,s:s,s:b}", "id", "5", "firstName",
	                                       "Gong", "created", "2024-01-10T12:00:00Z",
	                                       "avatar", 1));
	json_array_append_new(users, json_pack("{s:s,s:b,s:s,s:s}", "id", "99999", "avatar", 1,
	                                       "firstName", "Gong Bot", "created",
	                                       "2023-01-01T00:00:00Z"));
	return users;
}

static struct fixture *
fixture_text(const char *data, unsigned page_size)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[512];
	struct store *s;

	ck_assert_ptr_nonnull(fx);
	s = store_load_buffer("calls.json", data, strlen(data), err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(cursor_key_init(&fx->key, "secret", err, sizeof(err)), 0);
	fx->slot = store_slot_create(s);
	ck_assert_ptr_nonnull(fx->slot);
	calls_ctx_init(&fx->ctx, fx->slot, &fx->key, page_size, 3600);
	fx->ctx.now = fake_clock;
	return fx;
}

#define WORKSPACES                                                                                 \
	"{\"workspaces\":[{\"id\":\"700\",\"name\":\"North\",\"description\":\"N\"},"              \
	"{\"id\":\"300\",\"name\":\"South\",\"description\":null}]}\n"

/* A company of NUSERS users and two workspaces, and two calls of theirs. */
static struct fixture *
fixture_company(unsigned page_size)
{
	json_t *users = make_users();
	json_t *rec = json_pack("{s:O}", "users", users);
	char *text = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER), *data;
	char id0[32];
	struct fixture *fx;
	size_t len;

	user_id(0, id0);
	len = strlen(text) + 1024;
	data = malloc(len);
	ck_assert_ptr_nonnull(data);
	snprintf(data, len,
	         "%s\n" WORKSPACES "{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\","
	         "\"primaryUserId\":\"%s\",\"workspaceId\":\"700\"}\n"
	         "{\"id\":\"2\",\"started\":\"2025-01-02T00:00:00Z\",\"primaryUserId\":\"%s\","
	         "\"workspaceId\":\"300\"}\n",
	         text, id0, id0);
	fx = fixture_text(data, page_size);
	fx->users = users;
	free(text);
	free(data);
	json_decref(rec);
	return fx;
}

static void
fixture_free(struct fixture *fx)
{
	ck_assert_uint_eq(store_slot_readers(fx->slot), 0);
	store_slot_free(fx->slot);
	json_decref(fx->users);
	free(fx);
}

/* 1 when id a sorts before id b as numbers. */
static int
id_less(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la != lb ? la < lb : strcmp(a, b) < 0;
}

/* The users as the operations serve them: in id order, without the mark; those `keep` says. */
static json_t *
expected_users(const struct fixture *fx, int (*keep)(const json_t *u, const void *arg),
               const void *arg)
{
	json_t *out = json_array(), *u;
	size_t i;

	json_array_foreach(fx->users, i, u)
	{
		json_t *c;
		size_t k;

		if (!keep(u, arg))
			continue;
		c = json_deep_copy(u);
		json_object_del(c, "avatar");
		for (k = 0; k < json_array_size(out); k++)
			if (id_less(json_string_value(json_object_get(c, "id")),
			            json_string_value(json_object_get(json_array_get(out, k), "id"))))
				break;
		json_array_insert_new(out, k, c);
	}
	return out;
}

static int
is_avatar(const json_t *u)
{
	return json_is_true(json_object_get(u, "avatar"));
}

static int
keep_regular(const json_t *u, const void *arg)
{
	(void)arg;
	return !is_avatar(u);
}

static int
keep_all(const json_t *u, const void *arg)
{
	(void)u;
	(void)arg;
	return 1;
}

/* ---- Requests ---- */

enum op { LIST, EXTENSIVE };

struct opts {
	const char *query; /* NULL: none */
	const char *body;  /* POST only */
};

struct reply {
	unsigned status;
	json_t *json;
	char *log;
	char type[RESPONSE_HEADER_VALUE_MAX];
};

static void
reply_free(struct reply *rp)
{
	json_decref(rp->json);
	free(rp->log);
	memset(rp, 0, sizeof(*rp));
}

/* Runs one of the handlers with stderr in a file; fills rp. `id` for users_get. */
enum handler { H_LIST, H_EXTENSIVE, H_GET, H_WORKSPACES };

static void
run(struct fixture *fx, enum handler h, const char *query, const char *body, const char *id,
    struct reply *rp)
{
	static const char *const paths[] = {"/v2/users", "/v2/users/extensive", "/v2/users/x",
	                                    "/v2/workspaces"};
	struct request req;
	struct response r;
	struct reqctx *x = malloc(sizeof(*x));
	char path[64], *text;
	int fd, saved;
	size_t len;

	memset(rp, 0, sizeof(*rp));
	memset(&req, 0, sizeof(req));
	req.method = h == H_EXTENSIVE ? "POST" : "GET";
	req.path = paths[h];
	req.target = paths[h];
	req.query = query != NULL ? query : "";
	req.query_len = strlen(req.query);
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	snprintf(req.request_id, sizeof(req.request_id), "%s", RID);
	response_init(&r);
	strcpy(r.request_id, req.request_id);
	ck_assert_ptr_nonnull(x);
	reqctx_init(x, &req);

	harness_temp_file("", ".log", path, sizeof(path));
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	switch (h) {
	case H_LIST:
		users_list(&fx->ctx, x, &r);
		break;
	case H_EXTENSIVE:
		users_extensive(&fx->ctx, x, &r);
		break;
	case H_GET:
		users_get(&fx->ctx, id, &r);
		break;
	case H_WORKSPACES:
		users_workspaces(&fx->ctx, &r);
		break;
	}
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rp->log = harness_read_file(path, NULL);
	unlink(path);
	free(x);

	rp->status = r.status;
	for (size_t i = 0; i < r.nheaders; i++)
		if (strcasecmp(r.headers[i].name, "Content-Type") == 0)
			snprintf(rp->type, sizeof(rp->type), "%s", r.headers[i].value);
	len = response_body_len(&r);
	text = malloc(len + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(response_copy_body(&r, 0, text, len), len);
	text[len] = '\0';
	response_free(&r);
	rp->json = json_loads(text, 0, NULL);
	ck_assert_msg(rp->json != NULL, "not JSON: %s", text);
	free(text);
	ck_assert_uint_eq(store_slot_readers(fx->slot), 0);
	ck_assert_str_eq(json_string_value(json_object_get(rp->json, "requestId")), RID);
}

static void
list(struct fixture *fx, const char *query, struct reply *rp)
{
	run(fx, H_LIST, query, NULL, NULL, rp);
}

static void
post(struct fixture *fx, const char *body, const char *query, struct reply *rp)
{
	run(fx, H_EXTENSIVE, query, body, NULL, rp);
}

static const char *
error_of(const struct reply *rp)
{
	json_t *errors = json_object_get(rp->json, "errors");

	ck_assert_msg(json_array_size(errors) == 1, "no single error in the answer");
	return json_string_value(json_array_get(errors, 0));
}

static void
assert_ok(const struct reply *rp, const char *what)
{
	ck_assert_msg(rp->status == 200, "%s: %u %s", what, rp->status,
	              json_string_value(json_array_get(json_object_get(rp->json, "errors"), 0)));
	ck_assert_str_eq(rp->type, "application/json; charset=utf-8");
}

static void
assert_fails(const struct reply *rp, unsigned status, const char *want, const char *what)
{
	ck_assert_msg(rp->status == status, "%s: status %u, want %u", what, rp->status, status);
	ck_assert_msg(strcmp(error_of(rp), want) == 0, "%s\n  got  %s\n  want %s", what,
	              error_of(rp), want);
	ck_assert_ptr_null(json_object_get(rp->json, "records"));
	ck_assert_ptr_null(json_object_get(rp->json, "users"));
}

static void
list_fails(struct fixture *fx, const char *query, unsigned status, const char *want)
{
	struct reply rp;

	list(fx, query, &rp);
	assert_fails(&rp, status, want, query);
	reply_free(&rp);
}

static void
post_fails(struct fixture *fx, const char *body, unsigned status, const char *want)
{
	struct reply rp;

	post(fx, body, NULL, &rp);
	assert_fails(&rp, status, want, body != NULL ? body : "(no body)");
	reply_free(&rp);
}

static long long
rec(const struct reply *rp, const char *key)
{
	json_t *v = json_object_get(json_object_get(rp->json, "records"), key);

	ck_assert_msg(json_is_integer(v), "records.%s missing", key);
	return json_integer_value(v);
}

static const char *
cursor_of(const struct reply *rp)
{
	return json_string_value(json_object_get(json_object_get(rp->json, "records"), "cursor"));
}

static void
assert_equal(const json_t *got, const json_t *want, const char *what)
{
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
		char *w = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);

		ck_abort_msg("%s\n  got  %s\n  want %s", what, g, w);
	}
}

static void
assert_warned(const struct reply *rp, const char *method, const char *path, const char *what)
{
	char want[1024];

	snprintf(want, sizeof(want), " warning %s %s (requestId %s): %s\n", method, path, RID,
	         what);
	ck_assert_msg(strstr(rp->log, want) != NULL, "no warning\n  %s\nin\n  %s", want, rp->log);
	ck_assert_ptr_eq(strchr(rp->log, '\n'), rp->log + strlen(rp->log) - 1);
}

/*
 * Walks an operation from its first page to its last; fails unless the pages together are
 * `want`, in order, with totalRecords constant, page numbers counting from 0 and a cursor on
 * every page but the last. For EXTENSIVE, `filter` is the body's filter object.
 */
static void
walk(struct fixture *fx, enum op o, const char *arg, const json_t *want)
{
	size_t n = json_array_size(want), seen = 0, pages = 0;
	char *cursor = NULL;

	ck_assert_uint_gt(n, 0);
	for (;;) {
		struct reply rp;
		char buf[2048];
		json_t *users;
		size_t i;
		json_t *u;

		if (o == LIST) {
			snprintf(buf, sizeof(buf), "%s%s%s%s", arg != NULL ? arg : "",
			         arg != NULL && cursor != NULL ? "&" : "", cursor != NULL ? "cursor=" : "",
			         cursor != NULL ? cursor : "");
			list(fx, buf, &rp);
		} else {
			if (cursor != NULL)
				snprintf(buf, sizeof(buf), "{\"filter\":%s,\"cursor\":\"%s\"}", arg,
				         cursor);
			else
				snprintf(buf, sizeof(buf), "{\"filter\":%s,\"cursor\":null}", arg);
			post(fx, buf, NULL, &rp);
		}
		assert_ok(&rp, buf);
		ck_assert_str_eq(rp.log, "");
		ck_assert_int_eq(rec(&rp, "totalRecords"), (long long)n);
		ck_assert_int_eq(rec(&rp, "currentPageNumber"), (long long)pages);
		users = json_object_get(rp.json, "users");
		ck_assert_uint_eq(json_array_size(users), rec(&rp, "currentPageSize"));
		ck_assert_uint_eq(json_array_size(users),
		                  n - seen < fx->ctx.page_size ? n - seen : fx->ctx.page_size);
		ck_assert_uint_eq(json_object_size(rp.json), 3);
		json_array_foreach(users, i, u)
		{
			assert_equal(u, json_array_get(want, seen), "user");
			seen++;
		}
		pages++;
		free(cursor);
		cursor = NULL;
		if (seen < n) {
			ck_assert_msg(cursor_of(&rp) != NULL, "no cursor after %zu of %zu", seen, n);
			ck_assert_uint_eq(json_object_size(json_object_get(rp.json, "records")), 4);
			cursor = strdup(cursor_of(&rp));
		} else {
			ck_assert_ptr_null(json_object_get(json_object_get(rp.json, "records"),
			                                   "cursor"));
			ck_assert_uint_eq(json_object_size(json_object_get(rp.json, "records")), 3);
		}
		reply_free(&rp);
		if (cursor == NULL)
			break;
	}
	ck_assert_uint_eq(seen, n);
	ck_assert_uint_eq(pages, (n + fx->ctx.page_size - 1) / fx->ctx.page_size);
}

/* The cursor of the first page of an operation. */
static char *
first_cursor(struct fixture *fx, enum op o, const char *arg)
{
	struct reply rp;
	char *c;

	if (o == LIST)
		list(fx, arg, &rp);
	else
		post(fx, arg, NULL, &rp);
	assert_ok(&rp, arg != NULL ? arg : "");
	ck_assert_ptr_nonnull(cursor_of(&rp));
	c = strdup(cursor_of(&rp));
	reply_free(&rp);
	return c;
}

/* ---- GET /v2/users ---- */

START_TEST(a_list_walk_serves_every_user_once)
{
	struct fixture *fx = fixture_company(PAGE);
	json_t *regular = expected_users(fx, keep_regular, NULL);
	json_t *all = expected_users(fx, keep_all, NULL);

	ck_assert_uint_eq(json_array_size(regular), NREGULAR);
	walk(fx, LIST, NULL, regular);
	walk(fx, LIST, "includeAvatars=false", regular);
	walk(fx, LIST, "includeAvatars=true", all);
	walk(fx, LIST, "includeAvatars=", regular);
	json_decref(regular);
	json_decref(all);
	fixture_free(fx);
}
END_TEST

START_TEST(one_page_has_no_cursor)
{
	struct fixture *fx = fixture_company(100);
	struct reply rp;

	list(fx, NULL, &rp);
	assert_ok(&rp, "one page");
	ck_assert_int_eq(rec(&rp, "totalRecords"), NREGULAR);
	ck_assert_int_eq(rec(&rp, "currentPageSize"), NREGULAR);
	ck_assert_int_eq(rec(&rp, "currentPageNumber"), 0);
	ck_assert_ptr_null(json_object_get(json_object_get(rp.json, "records"), "cursor"));
	reply_free(&rp);
	fixture_free(fx);
}
END_TEST

START_TEST(include_avatars_must_be_true_or_false)
{
	struct fixture *fx = fixture_company(PAGE);
	static const char *const bad[] = {"includeAvatars=yes", "includeAvatars=1",
	                                  "includeAvatars=TRUE", "includeAvatars=truex"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		list_fails(fx, bad[i], 400, "includeAvatars: must be true or false");
	fixture_free(fx);
}
END_TEST

START_TEST(unknown_parameters_warn_or_refuse)
{
	static const char what[] =
	    "query: parameter \"limit\" is not one this operation reads; it is ignored";
	struct fixture *fx = fixture_company(PAGE);
	struct reply rp;
	char msg[256];

	list(fx, "limit=5&fromDateTime=2024-01-01T00:00:00Z", &rp);
	assert_ok(&rp, "unknown parameters");
	ck_assert_int_eq(rec(&rp, "totalRecords"), NREGULAR);
	ck_assert_int_eq(rec(&rp, "currentPageSize"), PAGE);
	assert_warned(&rp, "GET", "/v2/users", what);
	reply_free(&rp);

	fx->ctx.strict = 1;
	snprintf(msg, sizeof(msg), "%s (refused under --strict)", what);
	list_fails(fx, "limit=5", 400, msg);
	fx->ctx.strict = 0;
	fixture_free(fx);
}
END_TEST

START_TEST(cursors_of_the_other_operation_are_refused)
{
	struct fixture *fx = fixture_company(PAGE);
	char *lc = first_cursor(fx, LIST, NULL);
	char *pc = first_cursor(fx, EXTENSIVE, "{\"filter\":{}}");
	char q[2048], body[2048];
	struct cursor_key other;
	char err[128];

	snprintf(q, sizeof(q), "cursor=%s", pc);
	list_fails(fx, q, 400, "Failed to verify cursor");
	snprintf(body, sizeof(body), "{\"filter\":{},\"cursor\":\"%s\"}", lc);
	post_fails(fx, body, 400, "Failed to verify cursor");
	list_fails(fx, "cursor=garbage", 400, "Failed to verify cursor");
	post_fails(fx, "{\"filter\":{},\"cursor\":\"garbage\"}", 400, "Failed to verify cursor");

	/* Signed with another key. */
	ck_assert_int_eq(cursor_key_init(&other, "another", err, sizeof(err)), 0);
	fx->ctx.key = &other;
	free(lc);
	lc = first_cursor(fx, LIST, NULL);
	fx->ctx.key = &fx->key;
	snprintf(q, sizeof(q), "cursor=%s", lc);
	list_fails(fx, q, 400, "Failed to verify cursor");
	free(lc);
	free(pc);
	fixture_free(fx);
}
END_TEST

START_TEST(an_expired_cursor)
{
	static const char expired[] =
	    "cursor: cursor has expired, please restart the listing without a cursor";
	struct fixture *fx = fixture_company(PAGE);
	int64_t start = fake_now;
	char *lc = first_cursor(fx, LIST, NULL);
	char *pc = first_cursor(fx, EXTENSIVE, "{\"filter\":{}}");
	char q[2048], body[2048];
	struct reply rp;

	snprintf(q, sizeof(q), "cursor=%s", lc);
	snprintf(body, sizeof(body), "{\"filter\":{},\"cursor\":\"%s\"}", pc);
	fake_now = start + 3599;
	list(fx, q, &rp);
	assert_ok(&rp, q);
	ck_assert_int_eq(rec(&rp, "currentPageNumber"), 1);
	reply_free(&rp);
	post(fx, body, NULL, &rp);
	assert_ok(&rp, body);
	ck_assert_int_eq(rec(&rp, "currentPageNumber"), 1);
	reply_free(&rp);
	fake_now = start + 3600;
	list_fails(fx, q, 400, expired);
	post_fails(fx, body, 400, expired);
	fake_now = start;
	free(lc);
	free(pc);
	fixture_free(fx);
}
END_TEST

/* ---- POST /v2/users/extensive ---- */

struct range {
	int64_t from, to; /* INT64_MIN / INT64_MAX: none */
	int avatars;
	const char *const *ids; /* NULL: any */
};

static int64_t
at(const char *iso)
{
	int64_t us;

	ck_assert_int_eq(isotime_parse(iso, strlen(iso), ISOTIME_REQUIRE_OFFSET, &us), 0);
	return us;
}

static int
keep_range(const json_t *u, const void *arg)
{
	const struct range *r = arg;
	const char *c = json_string_value(json_object_get(u, "created"));

	if (r->ids != NULL) {
		size_t k;

		for (k = 0; r->ids[k] != NULL; k++)
			if (strcmp(r->ids[k], json_string_value(json_object_get(u, "id"))) == 0)
				break;
		if (r->ids[k] == NULL)
			return 0;
	} else if (is_avatar(u) && !r->avatars) {
		return 0;
	}
	if (r->from != INT64_MIN && (c == NULL || at(c) < r->from))
		return 0;
	if (r->to != INT64_MAX && (c == NULL || at(c) >= r->to))
		return 0;
	return 1;
}

static void
walk_range(struct fixture *fx, const char *filter, const struct range *r, size_t n)
{
	json_t *want = expected_users(fx, keep_range, r);

	ck_assert_msg(json_array_size(want) == n, "%s: %zu users, want %zu", filter,
	              json_array_size(want), n);
	walk(fx, EXTENSIVE, filter, want);
	json_decref(want);
}

START_TEST(each_filter_and_walks_by_the_body_cursor)
{
	struct fixture *fx = fixture_company(PAGE);
	const int64_t none_from = INT64_MIN, none_to = INT64_MAX;
	static const char *const some[] = {"98765432109876543210", "11", "5", NULL};
	char id3[32], id7[32];
	const char *const pair[] = {id3, id7, NULL};

	user_id(3, id3);
	user_id(7, id7);
	/* No filter but the object: every regular user. */
	walk_range(fx, "{}", &(struct range){none_from, none_to, 0, NULL}, NREGULAR);
	walk_range(fx, "{\"includeAvatars\":false}", &(struct range){none_from, none_to, 0, NULL},
	           NREGULAR);
	walk_range(fx, "{\"includeAvatars\":null}", &(struct range){none_from, none_to, 0, NULL},
	           NREGULAR);
	walk_range(fx, "{\"includeAvatars\":true}", &(struct range){none_from, none_to, 1, NULL},
	           NUSERS);
	/* From is inclusive: users 3..19, 22; avatar 5 when asked for. */
	walk_range(fx, "{\"createdFromDateTime\":\"2024-01-04T00:00:00Z\"}",
	           &(struct range){at("2024-01-04T00:00:00Z"), none_to, 0, NULL}, 18);
	walk_range(fx, "{\"createdFromDateTime\":\"2024-01-04T00:00:00Z\",\"includeAvatars\":true}",
	           &(struct range){at("2024-01-04T00:00:00Z"), none_to, 1, NULL}, 19);
	/* To is exclusive: users 0..6. */
	walk_range(fx, "{\"createdToDateTime\":\"2024-01-08T00:00:00Z\"}",
	           &(struct range){none_from, at("2024-01-08T00:00:00Z"), 0, NULL}, 7);
	walk_range(fx,
	           "{\"createdFromDateTime\":\"2024-01-04T00:00:00Z\","
	           "\"createdToDateTime\":\"2024-01-08T00:00:00Z\"}",
	           &(struct range){at("2024-01-04T00:00:00Z"), at("2024-01-08T00:00:00Z"), 0, NULL},
	           4);
	/* Offsets count: 2024-02-01T05:00:00+05:00 is midnight UTC. */
	walk_range(fx,
	           "{\"createdFromDateTime\":\"2024-02-01T04:00:00+04:00\","
	           "\"createdToDateTime\":\"2024-02-01T00:00:01Z\"}",
	           &(struct range){at("2024-02-01T00:00:00Z"), at("2024-02-01T00:00:01Z"), 0, NULL},
	           1);
	/* Ids: avatars named are served without includeAvatars; duplicates once. */
	walk_range(fx, "{\"userIds\":[\"98765432109876543210\",\"11\",\"5\",\"11\"]}",
	           &(struct range){none_from, none_to, 0, some}, 3);
	walk_range(fx, "{\"userIds\":[\"5\"]}",
	           &(struct range){none_from, none_to, 0, (const char *const[]){"5", NULL}}, 1);
	{
		char f[256];

		/* Combined: ids and a range. */
		snprintf(f, sizeof(f),
		         "{\"userIds\":[\"%s\",\"%s\",\"5\"],\"createdFromDateTime\":"
		         "\"2024-01-04T00:00:00Z\",\"createdToDateTime\":\"2024-01-08T00:00:00Z\","
		         "\"includeAvatars\":false}",
		         id7, id3);
		walk_range(fx, f,
		           &(struct range){at("2024-01-04T00:00:00Z"), at("2024-01-08T00:00:00Z"), 0,
		                           pair},
		           1);
	}
	fixture_free(fx);
}
END_TEST

START_TEST(unknown_ids_are_named_and_nothing_is_404)
{
	struct fixture *fx = fixture_company(PAGE);

	post_fails(fx, "{\"filter\":{\"userIds\":[\"11\",\"4\",\"12345678901234567890\"]}}", 404,
	           "The following userIds were not found: 4, 12345678901234567890");
	post_fails(fx, "{\"filter\":{\"userIds\":[\"4\"]}}", 404,
	           "The following userIds were not found: 4");
	post_fails(fx, "{\"filter\":{\"createdFromDateTime\":\"2030-01-01T00:00:00Z\"}}", 404,
	           NO_USERS);
	/* Known ids outside the range. */
	post_fails(fx,
	           "{\"filter\":{\"userIds\":[\"11\"],\"createdFromDateTime\":"
	           "\"2030-01-01T00:00:00Z\"}}",
	           404, NO_USERS);
	fixture_free(fx);
}
END_TEST

static const struct bad_body {
	const char *body;
	const char *message;
} bad_bodies[] = {
    {"{}", "filter: is required"},
    {"{\"filter\":null}", "filter: is required"},
    {"{\"cursor\":null}", "filter: is required"},
    {"{\"filter\":[]}", "filter: must be an object"},
    {"{\"filter\":{\"userIds\":[]}}", "filter.userIds: must not be empty"},
    {"{\"filter\":{\"userIds\":[\"11\",\"x\"]}}",
     "filter.userIds[1]: must be a string of 1-20 digits"},
    {"{\"filter\":{\"userIds\":[11]}}", "filter.userIds[0]: must be a string of 1-20 digits"},
    {"{\"filter\":{\"userIds\":[\"\"]}}", "filter.userIds[0]: must be a string of 1-20 digits"},
    {"{\"filter\":{\"userIds\":[\"11\",\"5\",\"123456789012345678901\"]}}",
     "filter.userIds[2]: must be a string of 1-20 digits"},
    {"{\"filter\":{\"userIds\":\"11\"}}", "filter.userIds: must be an array of ids"},
    {"{\"filter\":{\"createdFromDateTime\":\"yesterday\"}}",
     "filter.createdFromDateTime: must be a valid ISO-8601 date-time"},
    {"{\"filter\":{\"createdFromDateTime\":5}}",
     "filter.createdFromDateTime: must be a valid ISO-8601 date-time"},
    {"{\"filter\":{\"createdToDateTime\":\"2024-13-01T00:00:00Z\"}}",
     "filter.createdToDateTime: must be a valid ISO-8601 date-time"},
    {"{\"filter\":{\"createdFromDateTime\":\"2024-01-08T00:00:00Z\","
     "\"createdToDateTime\":\"2024-01-04T00:00:00Z\"}}",
     "filter.createdFromDateTime: must be before createdToDateTime"},
    {"{\"filter\":{\"createdFromDateTime\":\"2024-01-08T00:00:00Z\","
     "\"createdToDateTime\":\"2024-01-08T00:00:00Z\"}}",
     "filter.createdFromDateTime: must be before createdToDateTime"},
    {"{\"filter\":{\"includeAvatars\":\"true\"}}", "filter.includeAvatars: must be a boolean"},
    {"{\"filter\":{\"includeAvatars\":1}}", "filter.includeAvatars: must be a boolean"},
    {"{\"filter\":{},\"cursor\":5}", "cursor: must be a string"},
    {"[]", "request body: must be a JSON object"},
    {"{\"filter\":", "request body: must be a JSON object with a filter"},
    {"", "request body: must be a JSON object with a filter"},
};

START_TEST(every_400)
{
	struct fixture *fx = fixture_company(PAGE);

	post_fails(fx, bad_bodies[_i].body, 400, bad_bodies[_i].message);
	fixture_free(fx);
}
END_TEST

START_TEST(an_empty_body_cursor_is_the_first_page)
{
	struct fixture *fx = fixture_company(PAGE);
	struct reply rp;

	post(fx, "{\"filter\":{},\"cursor\":\"\"}", NULL, &rp);
	assert_ok(&rp, "empty cursor");
	ck_assert_int_eq(rec(&rp, "currentPageNumber"), 0);
	ck_assert_int_eq(rec(&rp, "totalRecords"), NREGULAR);
	reply_free(&rp);
	fixture_free(fx);
}
END_TEST

START_TEST(a_cursor_in_the_query_string)
{
	static const char what[] = "cursor: a POST takes the cursor in its JSON body; the one in "
	                           "the query string is ignored";
	static const char other[] = "query: a POST reads no query parameters; they are ignored";
	struct fixture *fx = fixture_company(PAGE);
	char *c = first_cursor(fx, EXTENSIVE, "{\"filter\":{}}"), q[2048], msg[256];
	json_t *want = expected_users(fx, keep_regular, NULL);
	struct reply rp;

	snprintf(q, sizeof(q), "cursor=%s", c);
	post(fx, "{\"filter\":{}}", q, &rp);
	assert_ok(&rp, q);
	/* Not read: the first page again, and a warning. */
	ck_assert_int_eq(rec(&rp, "currentPageNumber"), 0);
	assert_equal(json_array_get(json_object_get(rp.json, "users"), 0), json_array_get(want, 0),
	             "first user");
	ck_assert_str_eq(cursor_of(&rp), c);
	assert_warned(&rp, "POST", "/v2/users/extensive", what);
	reply_free(&rp);

	post(fx, "{\"filter\":{}}", "limit=3", &rp);
	assert_ok(&rp, "limit=3");
	ck_assert_int_eq(rec(&rp, "currentPageSize"), PAGE);
	assert_warned(&rp, "POST", "/v2/users/extensive", other);
	reply_free(&rp);

	fx->ctx.strict = 1;
	snprintf(msg, sizeof(msg), "%s (refused under --strict)", what);
	post(fx, "{\"filter\":{}}", q, &rp);
	assert_fails(&rp, 400, msg, q);
	ck_assert_ptr_null(strstr(rp.log, "warn"));
	reply_free(&rp);
	snprintf(msg, sizeof(msg), "%s (refused under --strict)", other);
	post(fx, "{\"filter\":{}}", "limit=3", &rp);
	assert_fails(&rp, 400, msg, "limit=3");
	reply_free(&rp);
	fx->ctx.strict = 0;
	json_decref(want);
	free(c);
	fixture_free(fx);
}
END_TEST

START_TEST(unknown_keys_warn_or_refuse)
{
	static const struct {
		const char *body, *what;
	} cases[] = {
	    {"{\"filter\":{},\"includeEntities\":true}",
	     "\"includeEntities\" is not a field Gong knows; it is ignored"},
	    {"{\"filter\":{\"fromDateTime\":\"2024-01-01T00:00:00Z\"}}",
	     "filter: \"fromDateTime\" is not a field Gong knows; it is ignored"},
	};
	struct fixture *fx = fixture_company(PAGE);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reply rp;
		char msg[256];

		post(fx, cases[i].body, NULL, &rp);
		assert_ok(&rp, cases[i].body);
		ck_assert_int_eq(rec(&rp, "totalRecords"), NREGULAR);
		assert_warned(&rp, "POST", "/v2/users/extensive", cases[i].what);
		reply_free(&rp);
		fx->ctx.strict = 1;
		snprintf(msg, sizeof(msg), "%s (refused under --strict)", cases[i].what);
		post(fx, cases[i].body, NULL, &rp);
		assert_fails(&rp, 400, msg, cases[i].body);
		reply_free(&rp);
		fx->ctx.strict = 0;
	}
	fixture_free(fx);
}
END_TEST

START_TEST(a_filter_changed_mid_walk)
{
	static const char what[] = "filter: differs from the request that returned the cursor; "
	                           "the walk goes on with the new filter";
	static const char *const changed[] = {
	    "{\"includeAvatars\":true}",
	    "{\"createdFromDateTime\":\"2024-01-02T00:00:00Z\"}",
	    "{\"createdToDateTime\":\"2025-01-01T00:00:00Z\"}",
	    "{\"userIds\":[\"11\"]}",
	};
	struct fixture *fx = fixture_company(PAGE);
	char *c = first_cursor(fx, EXTENSIVE, "{\"filter\":{}}");
	char *lc = first_cursor(fx, LIST, NULL);
	struct reply rp;
	char body[2048], msg[256];

	/* The same filter goes on quietly. */
	snprintf(body, sizeof(body), "{\"filter\":{\"includeAvatars\":false},\"cursor\":\"%s\"}", c);
	post(fx, body, NULL, &rp);
	assert_ok(&rp, body);
	ck_assert_str_eq(rp.log, "");
	reply_free(&rp);
	for (size_t i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		snprintf(body, sizeof(body), "{\"filter\":%s,\"cursor\":\"%s\"}", changed[i], c);
		post(fx, body, NULL, &rp);
		if (i == 3) {
			/* Id 11 lies before the cursor: nothing left. */
			assert_fails(&rp, 404, NO_USERS, body);
		} else {
			assert_ok(&rp, body);
			ck_assert_int_eq(rec(&rp, "currentPageNumber"), 1);
		}
		assert_warned(&rp, "POST", "/v2/users/extensive", what);
		reply_free(&rp);
		fx->ctx.strict = 1;
		snprintf(msg, sizeof(msg), "%s (refused under --strict)", what);
		post(fx, body, NULL, &rp);
		assert_fails(&rp, 400, msg, body);
		reply_free(&rp);
		fx->ctx.strict = 0;
	}
	/* GET: includeAvatars changed. */
	snprintf(body, sizeof(body), "includeAvatars=true&cursor=%s", lc);
	list(fx, body, &rp);
	assert_ok(&rp, body);
	assert_warned(&rp, "GET", "/v2/users", what);
	reply_free(&rp);
	free(c);
	free(lc);
	fixture_free(fx);
}
END_TEST

/* ---- GET /v2/users/{id}, GET /v2/workspaces ---- */

START_TEST(get_one_user)
{
	struct fixture *fx = fixture_company(PAGE);
	json_t *all = expected_users(fx, keep_all, NULL), *u;
	size_t i;
	struct reply rp;
	static const char *const bad[] = {"", "x", "12a", "-1", "123456789012345678901", " 11"};

	json_array_foreach(all, i, u)
	{
		const char *id = json_string_value(json_object_get(u, "id"));

		run(fx, H_GET, NULL, NULL, id, &rp);
		assert_ok(&rp, id);
		ck_assert_uint_eq(json_object_size(rp.json), 2);
		assert_equal(json_object_get(rp.json, "user"), u, id);
		reply_free(&rp);
	}
	run(fx, H_GET, NULL, NULL, "4", &rp);
	assert_fails(&rp, 404, NO_USERS, "4");
	ck_assert_ptr_null(json_object_get(rp.json, "user"));
	reply_free(&rp);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run(fx, H_GET, NULL, NULL, bad[i], &rp);
		assert_fails(&rp, 400, "id: must be a string of 1-20 digits", bad[i]);
		reply_free(&rp);
	}
	json_decref(all);
	fixture_free(fx);
}
END_TEST

START_TEST(the_workspaces)
{
	struct fixture *fx = fixture_company(PAGE);
	struct reply rp;
	json_t *want = json_loads("[{\"id\":\"700\",\"name\":\"North\",\"description\":\"N\"},"
	                          "{\"id\":\"300\",\"name\":\"South\",\"description\":null}]",
	                          0, NULL);

	run(fx, H_WORKSPACES, NULL, NULL, NULL, &rp);
	assert_ok(&rp, "workspaces");
	ck_assert_uint_eq(json_object_size(rp.json), 2);
	assert_equal(json_object_get(rp.json, "workspaces"), want, "workspaces");
	reply_free(&rp);
	json_decref(want);
	fixture_free(fx);
}
END_TEST

/* ---- A company made from the calls ---- */

#define CALL(id, day, user, ws)                                                                    \
	"{\"id\":\"" id "\",\"started\":\"2025-01-" day "T00:00:00Z\"" user ws "}\n"

/* Data without a company: users the blocks name (parties, speakers, commenters) are made too. */
START_TEST(users_named_in_blocks_are_made_too)
{
	static const char data[] =
	    "[{\"metaData\":{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\","
	    "\"primaryUserId\":\"40\"},"
	    "\"parties\":[{\"id\":\"p\",\"userId\":\"41\"},{\"id\":\"q\",\"userId\":null}],"
	    "\"interaction\":{\"speakers\":[{\"id\":\"s\",\"userId\":\"42\",\"talkTime\":1}]},"
	    "\"collaboration\":{\"publicComments\":[{\"id\":\"c\",\"commenterUserId\":\"43\"}]}},"
	    "{\"id\":\"2\",\"started\":\"2025-01-02T00:00:00Z\",\"primaryUserId\":\"41\"}]";
	char err[256];
	struct store *s = store_load_buffer("t", data, sizeof(data) - 1, err, sizeof(err));
	const struct company *c;
	size_t n;

	ck_assert_msg(s != NULL, "%s", err);
	c = store_company(s);
	ck_assert(!company_has_users(c));
	company_users(c, &n);
	ck_assert_uint_eq(n, 4);
	for (uint64_t id = 40; id <= 43; id++)
		ck_assert_ptr_nonnull(company_user(c, 0, id));
	store_free(s);
}
END_TEST

START_TEST(without_a_company_the_calls_make_one)
{
	struct fixture *fx = fixture_text(
	    CALL("1", "01", ",\"primaryUserId\":\"30\"", ",\"workspaceId\":\"9\"")
	        CALL("2", "02", ",\"primaryUserId\":\"12345678901234567890\"",
	             ",\"workspaceId\":\"8\"") CALL("3", "03", ",\"primaryUserId\":\"30\"",
	                                            ",\"workspaceId\":\"9\"")
	            CALL("4", "04", ",\"primaryUserId\":null", "") CALL("5", "05", "", "")
	                CALL("6", "06", ",\"primaryUserId\":\"7\"", ",\"workspaceId\":null"),
	    2);
	unsigned ticket;
	const struct store *s = store_slot_acquire(fx->slot, &ticket);
	const struct company *c = store_company(s);
	static const char *const ids[] = {"7", "30", "12345678901234567890"};
	struct reply rp;
	size_t n;

	ck_assert_ptr_nonnull(c);
	ck_assert(!company_has_users(c));
	ck_assert(!company_has_workspaces(c));
	ck_assert_str_eq(store_warning(s), "");
	company_users(c, &n);
	ck_assert_uint_eq(n, 3);
	company_workspaces(c, &n);
	ck_assert_uint_eq(n, 2);
	store_slot_release(fx->slot, ticket);

	/* Served like any: every primaryUserId, once, in id order, fields null. */
	char *cur = NULL;
	for (size_t page = 0, k = 0; page < 2; page++) {
		char q[1024];
		json_t *u;
		size_t i;

		snprintf(q, sizeof(q), "%s%s", cur != NULL ? "cursor=" : "", cur != NULL ? cur : "");
		list(fx, q, &rp);
		assert_ok(&rp, q);
		ck_assert_int_eq(rec(&rp, "totalRecords"), 3);
		json_array_foreach(json_object_get(rp.json, "users"), i, u)
		{
			ck_assert_str_eq(json_string_value(json_object_get(u, "id")), ids[k]);
			ck_assert(json_is_null(json_object_get(u, "emailAddress")));
			ck_assert(json_is_null(json_object_get(u, "created")));
			ck_assert(json_is_null(json_object_get(u, "firstName")));
			ck_assert(json_is_null(json_object_get(u, "managerId")));
			k++;
		}
		free(cur);
		cur = cursor_of(&rp) != NULL ? strdup(cursor_of(&rp)) : NULL;
		reply_free(&rp);
		if (page == 1) {
			ck_assert_uint_eq(k, 3);
			ck_assert_ptr_null(cur);
		}
	}
	for (size_t i = 0; i < 3; i++) {
		run(fx, H_GET, NULL, NULL, ids[i], &rp);
		assert_ok(&rp, ids[i]);
		reply_free(&rp);
	}
	run(fx, H_WORKSPACES, NULL, NULL, NULL, &rp);
	assert_ok(&rp, "workspaces");
	{
		/* One per workspaceId, known by id alone; in no order the data gave. */
		json_t *ws = json_object_get(rp.json, "workspaces"), *w;
		json_t *want8 = json_loads("{\"id\":\"8\",\"name\":null,\"description\":null}", 0,
		                           NULL);
		json_t *want9 = json_loads("{\"id\":\"9\",\"name\":null,\"description\":null}", 0,
		                           NULL);
		size_t i, got8 = 0, got9 = 0;

		ck_assert_uint_eq(json_array_size(ws), 2);
		json_array_foreach(ws, i, w)
		{
			got8 += json_equal(w, want8);
			got9 += json_equal(w, want9);
		}
		ck_assert_uint_eq(got8, 1);
		ck_assert_uint_eq(got9, 1);
		json_decref(want8);
		json_decref(want9);
	}
	reply_free(&rp);
	fixture_free(fx);
}
END_TEST

START_TEST(calls_outside_the_given_company_are_counted)
{
	char err[256];
	struct store *s;

	/* Two calls name a user not given, one a workspace not given. */
	static const char data[] =
	    "{\"users\":[{\"id\":\"30\"}],\"workspaces\":[{\"id\":\"9\",\"name\":\"W\"}]}\n" CALL(
	        "1", "01", ",\"primaryUserId\":\"30\"",
	        ",\"workspaceId\":\"9\"") CALL("2", "02", ",\"primaryUserId\":\"31\"",
	                                       ",\"workspaceId\":\"9\"")
	        CALL("3", "03", ",\"primaryUserId\":\"30\"", ",\"workspaceId\":\"8\"")
	            CALL("4", "04", ",\"primaryUserId\":\"32\"", "");

	s = store_load_buffer("calls.json", data, strlen(data), err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(store_warning(s),
	                 "2 call(s) name a primaryUserId that is not among the users, 1 a "
	                 "workspaceId that is not among the workspaces (the first: call 2)");
	/* The users are the given ones only. */
	{
		size_t n;

		company_users(store_company(s), &n);
		ck_assert_uint_eq(n, 1);
		company_workspaces(store_company(s), &n);
		ck_assert_uint_eq(n, 1);
	}
	store_free(s);

	/* Only the workspace outside. */
	s = store_load_buffer("calls.json",
	                      "{\"workspaces\":[{\"id\":\"9\"}]}\n" CALL(
	                          "1", "01", ",\"primaryUserId\":\"30\"", ",\"workspaceId\":\"8\""),
	                      strlen("{\"workspaces\":[{\"id\":\"9\"}]}\n" CALL(
	                          "1", "01", ",\"primaryUserId\":\"30\"", ",\"workspaceId\":\"8\"")),
	                      err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(store_warning(s),
	                 "0 call(s) name a primaryUserId that is not among the users, 1 a "
	                 "workspaceId that is not among the workspaces (the first: call 1)");
	/* Users not given: made from the calls. */
	ck_assert(!company_has_users(store_company(s)));
	ck_assert(company_has_workspaces(store_company(s)));
	store_free(s);

	/* All inside: no warning. */
	s = store_load_buffer("calls.json",
	                      "{\"users\":[{\"id\":\"30\"}]}\n" CALL("1", "01",
	                                                             ",\"primaryUserId\":\"30\"", ""),
	                      strlen("{\"users\":[{\"id\":\"30\"}]}\n" CALL(
	                          "1", "01", ",\"primaryUserId\":\"30\"", "")),
	                      err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(store_warning(s), "");
	store_free(s);
}
END_TEST

static Suite *
users_suite(void)
{
	Suite *s = suite_create("users");
	TCase *tc = tcase_create("list");

	tcase_add_test(tc, a_list_walk_serves_every_user_once);
	tcase_add_test(tc, one_page_has_no_cursor);
	tcase_add_test(tc, include_avatars_must_be_true_or_false);
	tcase_add_test(tc, unknown_parameters_warn_or_refuse);
	tcase_add_test(tc, cursors_of_the_other_operation_are_refused);
	tcase_add_test(tc, an_expired_cursor);
	suite_add_tcase(s, tc);

	tc = tcase_create("extensive");
	tcase_add_test(tc, each_filter_and_walks_by_the_body_cursor);
	tcase_add_test(tc, unknown_ids_are_named_and_nothing_is_404);
	tcase_add_loop_test(tc, every_400, 0, sizeof(bad_bodies) / sizeof(bad_bodies[0]));
	tcase_add_test(tc, an_empty_body_cursor_is_the_first_page);
	tcase_add_test(tc, a_cursor_in_the_query_string);
	tcase_add_test(tc, unknown_keys_warn_or_refuse);
	tcase_add_test(tc, a_filter_changed_mid_walk);
	suite_add_tcase(s, tc);

	tc = tcase_create("one");
	tcase_add_test(tc, get_one_user);
	tcase_add_test(tc, the_workspaces);
	suite_add_tcase(s, tc);

	tc = tcase_create("made");
	tcase_add_test(tc, without_a_company_the_calls_make_one);
	tcase_add_test(tc, users_named_in_blocks_are_made_too);
	tcase_add_test(tc, calls_outside_the_given_company_are_counted);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(users_suite());
}
