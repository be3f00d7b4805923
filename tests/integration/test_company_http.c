/*
 * test_company_http.c - GET /v2/users, GET /v2/users/{id}, POST /v2/users/extensive and
 * GET /v2/workspaces over a socket: Basic and Bearer credentials and the scopes each needs,
 * 405 with Allow, 415, and the data as one company's: every user and workspace a call names,
 * on the built-in data and on generated data, resolves through these operations. A fixture
 * whose calls name users it does not hold gets a warning at start-up.
 */
#define _DEFAULT_SOURCE /* kill */
#include "harness.h"

#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define BASIC "Basic azpz" /* k:s */
#define AVATAR_USER "559956853532538"

static const char credentials[] =
    "{\"basic\":[{\"accessKey\":\"k\",\"accessKeySecret\":\"s\"}],\n"
    " \"bearer\":[\n"
    "  {\"token\":\"users\",\"scopes\":[\"api:users:read\"]},\n"
    "  {\"token\":\"ws\",\"scopes\":[\"api:workspaces:read\"]},\n"
    "  {\"token\":\"calls\",\"scopes\":[\"api:calls:read:basic\",\"api:calls:read:extensive\"]},\n"
    "  {\"token\":\"both\",\"scopes\":[\"api:users:read\",\"api:workspaces:read\"]},\n"
    "  {\"token\":\"none\"}]}\n";

static struct harness_server srv;
static char creds_path[256];

static void
start_auth(void)
{
	const char *flags[] = {"--credentials", creds_path, NULL};

	harness_temp_file(credentials, ".json", creds_path, sizeof(creds_path));
	harness_start(&srv, flags);
}

static void
stop_auth(void)
{
	harness_stop(&srv);
	unlink(creds_path);
}

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

/* ---- Credentials and scopes ---- */

enum opk { OP_LIST, OP_EXTENSIVE, OP_ONE, OP_WORKSPACES };

static void
call_op(enum opk o, const char *auth, struct harness_reply *r)
{
	switch (o) {
	case OP_LIST:
		harness_request(&srv, "GET", "/v2/users", auth, NULL, NULL, r);
		break;
	case OP_EXTENSIVE:
		harness_request(&srv, "POST", "/v2/users/extensive", auth, NULL, "{\"filter\":{}}", r);
		break;
	case OP_ONE:
		harness_request(&srv, "GET", "/v2/users/" AVATAR_USER, auth, NULL, NULL, r);
		break;
	case OP_WORKSPACES:
		harness_request(&srv, "GET", "/v2/workspaces", auth, NULL, NULL, r);
		break;
	}
}

START_TEST(each_operation_with_each_credential)
{
	static const char *const names[] = {"GET /v2/users", "POST /v2/users/extensive",
	                                    "GET /v2/users/{id}", "GET /v2/workspaces"};
	static const struct {
		const char *auth;
		long status[4];
	} cases[] = {
	    {BASIC, {200, 200, 200, 200}},
	    {"Bearer users", {200, 200, 200, 403}},
	    {"Bearer ws", {403, 403, 401, 200}},
	    {"Bearer both", {200, 200, 200, 200}},
	    {"Bearer calls", {403, 403, 401, 403}},
	    {"Bearer none", {403, 403, 401, 403}},
	    {"Bearer nosuch", {401, 401, 401, 401}},
	    {"Basic eDp5", {401, 401, 401, 401}}, /* x:y */
	    {NULL, {401, 401, 401, 401}},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (int o = OP_LIST; o <= OP_WORKSPACES; o++) {
			struct harness_reply r;
			long want = cases[i].status[o];

			call_op((enum opk)o, cases[i].auth, &r);
			ck_assert_msg(r.status == want, "%s with %s: %ld, want %ld: %s", names[o],
			              cases[i].auth ? cases[i].auth : "(none)", r.status, want,
			              r.body);
			check_envelope(&r);
			if (want == 200) {
				ck_assert_ptr_null(json_object_get(r.json, "errors"));
				ck_assert_ptr_nonnull(json_object_get(
				    r.json, o == OP_WORKSPACES ? "workspaces"
				            : o == OP_ONE      ? "user"
				                               : "users"));
			} else {
				json_t *errors = json_object_get(r.json, "errors");

				ck_assert_uint_eq(json_array_size(errors), 1);
				ck_assert_uint_eq(json_object_size(r.json), 2);
				if (want == 403)
					ck_assert_str_eq(json_string_value(json_array_get(errors, 0)),
					                 o == OP_WORKSPACES
					                     ? "You don't have permission to use "
					                       "'api:workspaces:read' in your app."
					                     : "You don't have permission to use "
					                       "'api:users:read' in your app.");
			}
			harness_reply_free(&r);
		}
}
END_TEST

START_TEST(other_methods_get_405_with_allow)
{
	static const struct {
		const char *method, *path, *allow;
	} cases[] = {
	    {"POST", "/v2/users", "GET"},
	    {"DELETE", "/v2/users", "GET"},
	    {"PUT", "/v2/users/extensive", "POST"},
	    {"DELETE", "/v2/users/extensive", "POST"},
	    {"POST", "/v2/users/" AVATAR_USER, "GET"},
	    {"PUT", "/v2/users/" AVATAR_USER, "GET"},
	    {"POST", "/v2/workspaces", "GET"},
	    {"PATCH", "/v2/workspaces", "GET"},
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct harness_reply r;

		harness_request(&srv, cases[i].method, cases[i].path, BASIC, NULL,
		                strcmp(cases[i].method, "DELETE") == 0 ? NULL : "{\"filter\":{}}",
		                &r);
		ck_assert_msg(r.status == 405, "%s %s: %ld %s", cases[i].method, cases[i].path,
		              r.status, r.body);
		check_envelope(&r);
		ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "errors"), 0)),
		                 "Method Not Allowed");
		ck_assert_ptr_nonnull(harness_header(&r, "Allow", buf, sizeof(buf)));
		ck_assert_msg(strcmp(buf, cases[i].allow) == 0, "%s %s: Allow %s", cases[i].method,
		              cases[i].path, buf);
		harness_reply_free(&r);
	}
}
END_TEST

/* A POST with exactly this Content-Type; returns the status, the body in *answer. */
static int
raw_post(const char *path, const char *type, const char *body, char **answer)
{
	char req[2048], *reply, *b;
	int fd = harness_raw_connect(srv.port, NULL), status = 0;
	size_t got;

	ck_assert_int_ge(fd, 0);
	snprintf(req, sizeof(req),
	         "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nAuthorization: " BASIC
	         "\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
	         path, srv.port, type, strlen(body), body);
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
	    {"text/plain", 415},
	    {"application/x-www-form-urlencoded", 415},
	    {"application/json", 200},
	    {"application/json; charset=utf-8", 200},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *body;
		int st = raw_post("/v2/users/extensive", cases[i].type, "{\"filter\":{}}", &body);

		ck_assert_msg(st == cases[i].status, "%s: %d", cases[i].type, st);
		if (st == 415)
			ck_assert_ptr_nonnull(strstr(body, "\"errors\":[\"Unsupported Media Type\"]"));
		else
			ck_assert_ptr_nonnull(strstr(body, "\"users\":["));
		free(body);
	}
}
END_TEST

/* ---- One dataset ---- */

/* Every call of POST /v2/calls/extensive with the blocks that name users. */
static json_t *
all_calls(const struct harness_server *h)
{
	static const char sel[] =
	    "\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"parties\":true,"
	    "\"interaction\":{\"speakers\":true},\"collaboration\":{\"publicComments\":true}}}";
	json_t *all = json_array();
	char body[2048];
	struct harness_reply r;

	snprintf(body, sizeof(body), "{%s}", sel);
	for (;;) {
		const char *c;

		harness_request(h, "POST", "/v2/calls/extensive", BASIC, NULL, body, &r);
		ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
		json_array_extend(all, json_object_get(r.json, "calls"));
		c = json_string_value(json_object_get(json_object_get(r.json, "records"), "cursor"));
		if (c == NULL) {
			harness_reply_free(&r);
			break;
		}
		snprintf(body, sizeof(body), "{%s,\"cursor\":\"%s\"}", sel, c);
		harness_reply_free(&r);
	}
	return all;
}

static void
note(json_t *set, const json_t *v, const char *call, const char *what)
{
	if (v == NULL || json_is_null(v))
		return;
	ck_assert_msg(json_is_string(v), "call %s: %s is not a string", call, what);
	json_object_set_new(set, json_string_value(v), json_string(what));
}

/* Checks that every user and workspace the calls name resolves; returns how many users. */
static size_t
check_joins(const struct harness_server *h, const char *what)
{
	json_t *calls = all_calls(h), *users = json_object(), *ws = json_object(), *c, *v;
	json_t *known_ws = json_object();
	struct harness_reply r;
	const char *key;
	size_t i, k, n;

	ck_assert_uint_gt(json_array_size(calls), 0);
	json_array_foreach(calls, i, c)
	{
		json_t *meta = json_object_get(c, "metaData");
		const char *id = json_string_value(json_object_get(meta, "id"));
		json_t *p;

		note(users, json_object_get(meta, "primaryUserId"), id, "primaryUserId");
		note(ws, json_object_get(meta, "workspaceId"), id, "workspaceId");
		json_array_foreach(json_object_get(c, "parties"), k, p)
		    note(users, json_object_get(p, "userId"), id, "party userId");
		json_array_foreach(json_object_get(json_object_get(c, "interaction"), "speakers"), k,
		                   p) note(users, json_object_get(p, "userId"), id, "speaker userId");
		json_array_foreach(
		    json_object_get(json_object_get(c, "collaboration"), "publicComments"), k, p)
		    note(users, json_object_get(p, "commenterUserId"), id, "commenterUserId");
	}
	ck_assert_msg(json_object_size(users) > 0, "%s: the calls name no users", what);
	json_object_foreach(users, key, v)
	{
		char target[64];

		snprintf(target, sizeof(target), "/v2/users/%s", key);
		harness_request(h, "GET", target, BASIC, NULL, NULL, &r);
		ck_assert_msg(r.status == 200, "%s: %s %s: %ld %s", what, json_string_value(v), key,
		              r.status, r.body);
		ck_assert_str_eq(
		    json_string_value(json_object_get(json_object_get(r.json, "user"), "id")), key);
		harness_reply_free(&r);
	}
	harness_request(h, "GET", "/v2/workspaces", BASIC, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	json_array_foreach(json_object_get(r.json, "workspaces"), i, v)
	    json_object_set_new(known_ws, json_string_value(json_object_get(v, "id")), json_true());
	harness_reply_free(&r);
	json_object_foreach(ws, key, v)
	    ck_assert_msg(json_object_get(known_ws, key) != NULL,
	                  "%s: workspaceId %s not in GET /v2/workspaces", what, key);
	n = json_object_size(users);
	json_decref(calls);
	json_decref(users);
	json_decref(ws);
	json_decref(known_ws);
	return n;
}

START_TEST(built_in_data_is_one_company)
{
	struct harness_server h;

	harness_start(&h, NULL);
	ck_assert_uint_gt(check_joins(&h, "built-in data"), 1);
	harness_stop(&h);
}
END_TEST

/* Runs `gongmock generate ARGS` with its output in the file at path; returns the exit code. */
static int
generate_to(const char *path, char **args)
{
	const char *bin = getenv("TEST_GONGMOCK_BIN");
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0;

	if (bin == NULL || bin[0] == '\0')
		bin = "build/gongmock";
	args[0] = (char *)bin;
	ck_assert_int_eq(posix_spawn_file_actions_init(&fa), 0);
	ck_assert_int_eq(
	    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, path, O_WRONLY | O_TRUNC, 0600), 0);
	ck_assert_int_eq(posix_spawn(&pid, bin, &fa, NULL, args, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

START_TEST(generated_data_is_one_company)
{
	char *args[] = {NULL, "generate", "--calls", "300", "--seed", "5", NULL};
	char path[256], *text;
	const char *flags[] = {"--fixtures", path, NULL};
	struct harness_server h;

	harness_temp_file("", ".json", path, sizeof(path));
	ck_assert_int_eq(generate_to(path, args), 0);
	text = harness_read_file(path, NULL);
	ck_assert_ptr_nonnull(strstr(text, "\"users\""));
	free(text);
	harness_start(&h, flags);
	ck_assert_uint_gt(check_joins(&h, "generated data"), 1);
	harness_stop(&h);
	unlink(path);
}
END_TEST

START_TEST(a_call_outside_the_users_is_warned_of_at_start_up)
{
	char path[256];
	const char *args[] = {"--port", "0", "--fixtures", path, NULL};
	struct harness_proc p;
	char *err;

	harness_temp_file("[{\"users\":[{\"id\":\"30\"}]},"
	                  "{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\","
	                  "\"primaryUserId\":\"30\"},"
	                  "{\"id\":\"2\",\"started\":\"2025-01-02T00:00:00Z\","
	                  "\"primaryUserId\":\"31\"}]",
	                  ".json", path, sizeof(path));
	harness_spawn(&p, args);
	err = harness_read_until(p.err, 10000, "(the first: call 2)");
	ck_assert_msg(strstr(err, "warning") != NULL &&
	                  strstr(err, "1 call(s) name a primaryUserId that is not among the users, 0 "
	                              "a workspaceId that is not among the workspaces (the first: "
	                              "call 2)") != NULL,
	              "no warning in: %s", err);
	free(err);
	kill(p.pid, SIGTERM);
	ck_assert_int_eq(harness_wait(&p, 15000), 0);
	unlink(path);
}
END_TEST

static Suite *
company_suite(void)
{
	Suite *s = suite_create("company");
	TCase *tc = tcase_create("auth");

	tcase_add_checked_fixture(tc, start_auth, stop_auth);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, each_operation_with_each_credential);
	tcase_add_test(tc, other_methods_get_405_with_allow);
	tcase_add_test(tc, a_post_body_must_be_json);
	suite_add_tcase(s, tc);

	tc = tcase_create("dataset");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, built_in_data_is_one_company);
	tcase_add_test(tc, generated_data_is_one_company);
	tcase_add_test(tc, a_call_outside_the_users_is_warned_of_at_start_up);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(company_suite());
}
