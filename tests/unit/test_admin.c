/*
 * test_admin.c - the control API's access rule without a socket: loopback clients only by
 * default, the bearer token when one is set, and health for everyone.
 */
#include "admin.h"

#include <check.h>
#include <string.h>

#include "harness.h"

static const char *bearer;

static const char *
lookup(const struct request *r, const char *name)
{
	(void)r;
	return strcmp(name, "Authorization") == 0 ? bearer : NULL;
}

static unsigned
ask(const struct admin_ctx *ctx, const char *method, const char *path, int loopback,
    const char *auth)
{
	struct request req;
	struct response r;
	unsigned status;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.query = "";
	req.remote_loopback = loopback;
	req.header = lookup;
	bearer = auth;
	response_init(&r);
	strcpy(r.request_id, "abcdefghijklmnopqr");
	admin_handle(ctx, &req, &r);
	status = r.status;
	response_free(&r);
	return status;
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

int
main(void)
{
	Suite *s = suite_create("admin");
	TCase *t = tcase_create("admin");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, loopback_only_without_a_token);
	tcase_add_test(t, token_replaces_the_loopback_rule);
	tcase_add_test(t, methods_and_paths);
	suite_add_tcase(s, t);
	return harness_run(s);
}
