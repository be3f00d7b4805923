/*
 * test_startup.c - what the built binary tells a user as it starts, or refuses to: the mode
 * and where its answers come from (in the log and in GET /__admin/health), a cassette with no
 * exchange, a file given to the wrong flag or to none that exists, and a misspelt flag or
 * variable answered with the one that was meant. Each case runs the binary as a user would,
 * reading its stdout and stderr word for word.
 * The binary's path comes from TEST_GONGMOCK_BIN (default build/gongmock).
 */
#define _DEFAULT_SOURCE /* kill, setenv */
#include "harness.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One exchange: GET /v2/calls without a credential, answered 200. */
#define ONE_EXCHANGE                                                                               \
	"{\"time\":\"2026-01-01T00:00:00.000Z\",\"request\":{\"method\":\"GET\",\"path\":"         \
	"\"/v2/calls\",\"query\":[],\"credential\":\"\"},\"response\":{\"status\":200,"            \
	"\"headers\":{\"x-traceid\":\"aaaaaaaaaaaaaaaaaa\"},\"body\":{\"requestId\":"              \
	"\"aaaaaaaaaaaaaaaaaa\",\"calls\":[]}},\"latencyMs\":1.0}\n"

/* Runs the binary with args, which must stop it before it listens; returns its stderr. */
static char *
refused(const char *const *args, int *code)
{
	struct harness_proc p;
	char *err, *out;

	harness_spawn(&p, args);
	err = harness_read_until(p.err, 10000, NULL);
	out = harness_read_until(p.out, 1000, NULL);
	*code = harness_wait(&p, 10000);
	ck_assert_msg(strstr(out, "listening") == NULL, "it listened: %s", out);
	free(out);
	return err;
}

/* A running binary: its process, port, and what it has written to stderr so far. */
struct running {
	struct harness_proc p;
	struct harness_server h; /* only base is set, for harness_request */
	char *log;
};

/* Starts the binary with args (which must include --port 0) and waits for `wait_for` on
 * stderr. */
static void
run(struct running *r, const char *const *args, const char *wait_for)
{
	char *out;
	unsigned port = 0;
	const char *at;

	memset(r, 0, sizeof(*r));
	harness_spawn(&r->p, args);
	out = harness_read_until(r->p.out, 10000, "\n");
	at = strstr(out, "listening on http://127.0.0.1:");
	ck_assert_msg(at != NULL, "no listening line in '%s'", out);
	ck_assert_int_eq(sscanf(at, "listening on http://127.0.0.1:%u", &port), 1);
	free(out);
	snprintf(r->h.base, sizeof(r->h.base), "http://127.0.0.1:%u", port);
	r->h.port = port;
	r->log = harness_read_until(r->p.err, 5000, wait_for);
	ck_assert_msg(strstr(r->log, wait_for) != NULL, "no '%s' in the log: %s", wait_for, r->log);
}

static void
stop(struct running *r)
{
	kill(r->p.pid, SIGTERM);
	ck_assert_int_eq(harness_wait(&r->p, 15000), 0);
	free(r->log);
}

/* GET /__admin/health; the caller frees the reply. */
static void
health(const struct running *r, struct harness_reply *rep)
{
	harness_request(&r->h, NULL, "/__admin/health", NULL, NULL, NULL, rep);
	ck_assert_int_eq(rep->status, 200);
	ck_assert_ptr_nonnull(rep->json);
}

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

START_TEST(mock_mode_says_what_it_serves)
{
	char path[256], scenario[256], want[1024];
	const char *args[] = {"--port", "0", "--scenario", scenario, NULL, NULL};
	struct running r;
	struct harness_reply rep;
	json_t *sc;

	/* The built-in data, and a scenario. */
	harness_temp_file("{\"rules\":[{\"name\":\"a\",\"respond\":{\"status\":500}},"
	                  "{\"respond\":{\"status\":503}}]}",
	                  ".json", scenario, sizeof(scenario));
	run(&r, args, "fault rules loaded\n");
	ck_assert_msg(strstr(r.log, " info mock mode: serving 400 calls from the built-in fixtures "
	                            "(loaded in ") != NULL,
	              "%s", r.log);
	snprintf(want, sizeof(want), " info scenario %s: 2 fault rules loaded\n", scenario);
	ck_assert_msg(strstr(r.log, want) != NULL, "%s", r.log);
	health(&r, &rep);
	ck_assert_str_eq(str(rep.json, "mode"), "mock");
	ck_assert_int_eq(json_integer_value(json_object_get(rep.json, "calls")), 400);
	ck_assert_int_eq(json_integer_value(json_object_get(rep.json, "workspaces")), 3);
	ck_assert_str_eq(str(rep.json, "fixtures"), "built-in");
	sc = json_object_get(rep.json, "scenario");
	ck_assert_str_eq(str(sc, "path"), scenario);
	ck_assert_int_eq(json_integer_value(json_object_get(sc, "rules")), 2);
	ck_assert_ptr_null(json_object_get(rep.json, "upstream"));
	ck_assert_ptr_null(json_object_get(rep.json, "cassette"));
	ck_assert_ptr_null(json_object_get(rep.json, "recording"));
	harness_reply_free(&rep);
	stop(&r);

	/* A file of calls, and no scenario. */
	harness_temp_file("[{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"},"
	                  "{\"id\":\"2\",\"started\":\"2025-01-02T00:00:00Z\"}]",
	                  ".json", path, sizeof(path));
	args[2] = "--fixtures";
	args[3] = path;
	run(&r, args, "(loaded in ");
	snprintf(want, sizeof(want), " info mock mode: serving 2 calls from %s (loaded in ", path);
	ck_assert_msg(strstr(r.log, want) != NULL, "%s", r.log);
	health(&r, &rep);
	ck_assert_int_eq(json_integer_value(json_object_get(rep.json, "calls")), 2);
	ck_assert_str_eq(str(rep.json, "fixtures"), path);
	ck_assert_ptr_null(json_object_get(rep.json, "scenario"));
	harness_reply_free(&rep);
	stop(&r);
	unlink(path);
	unlink(scenario);
}
END_TEST

/* The dataset's fields are null where no request is answered from it. */
static void
assert_no_dataset(json_t *h)
{
	ck_assert(json_is_null(json_object_get(h, "calls")));
	ck_assert(json_is_null(json_object_get(h, "workspaces")));
	ck_assert(json_is_null(json_object_get(h, "firstCall")));
	ck_assert(json_is_null(json_object_get(h, "lastCall")));
	ck_assert_ptr_null(json_object_get(h, "fixtures"));
}

START_TEST(proxy_mode_says_where_it_forwards)
{
	static const char *const plain[] = {"--port", "0", "--upstream", "http://127.0.0.1:9/base",
	                                    NULL};
	char path[256], want[1024];
	const char *recording[] = {"--port",   "0",  "--upstream", "http://127.0.0.1:9",
	                           "--record", path, NULL};
	struct running r;
	struct harness_reply rep;
	json_t *rec;

	run(&r, plain, "/base\n");
	ck_assert_msg(strstr(r.log, " info proxy mode: forwarding /v2/ requests to "
	                            "http://127.0.0.1:9/base\n") != NULL,
	              "%s", r.log);
	ck_assert_ptr_null(strstr(r.log, "serving"));
	health(&r, &rep);
	ck_assert_str_eq(str(rep.json, "mode"), "proxy");
	ck_assert_str_eq(str(rep.json, "upstream"), "http://127.0.0.1:9/base");
	assert_no_dataset(rep.json);
	ck_assert_ptr_null(json_object_get(rep.json, "recording"));
	harness_reply_free(&rep);
	stop(&r);

	harness_temp_file("", ".jsonl", path, sizeof(path));
	run(&r, recording, ".jsonl\n");
	snprintf(want, sizeof(want),
	         " info proxy mode: forwarding /v2/ requests to http://127.0.0.1:9, recording to "
	         "%s\n",
	         path);
	ck_assert_msg(strstr(r.log, want) != NULL, "%s", r.log);
	health(&r, &rep);
	ck_assert_str_eq(str(rep.json, "upstream"), "http://127.0.0.1:9");
	rec = json_object_get(rep.json, "recording");
	ck_assert_str_eq(str(rec, "path"), path);
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "recorded")), 0);
	assert_no_dataset(rep.json);
	harness_reply_free(&rep);
	stop(&r);
	unlink(path);
}
END_TEST

START_TEST(replay_mode_says_which_cassette)
{
	char path[256], want[1024];
	const char *args[] = {"--port", "0", "--replay", path, "--replay-miss-status", "599", NULL};
	struct running r;
	struct harness_reply rep;
	json_t *cas;

	harness_temp_file(ONE_EXCHANGE, ".jsonl", path, sizeof(path));
	run(&r, args, "gets 599\n");
	snprintf(want, sizeof(want),
	         " info replay mode: serving 1 recorded exchange from %s; a request not recorded "
	         "gets 599\n",
	         path);
	ck_assert_msg(strstr(r.log, want) != NULL, "%s", r.log);
	ck_assert_ptr_null(strstr(r.log, "serving 400 calls"));
	health(&r, &rep);
	ck_assert_str_eq(str(rep.json, "mode"), "replay");
	ck_assert_int_eq(json_integer_value(json_object_get(rep.json, "exchanges")), 1);
	cas = json_object_get(rep.json, "cassette");
	ck_assert_str_eq(str(cas, "path"), path);
	ck_assert_int_eq(json_integer_value(json_object_get(cas, "exchanges")), 1);
	assert_no_dataset(rep.json);
	ck_assert_ptr_null(json_object_get(rep.json, "upstream"));
	harness_reply_free(&rep);
	stop(&r);
	unlink(path);
}
END_TEST

START_TEST(an_empty_cassette_warns_that_every_request_misses)
{
	char path[256], want[1024];
	const char *args[] = {"--port", "0", "--replay", path, NULL};
	struct running r;
	struct harness_reply rep;

	harness_temp_file("", ".jsonl", path, sizeof(path));
	run(&r, args, "a request not recorded gets 501\n");
	ck_assert_msg(strstr(r.log, " info replay mode: serving 0 recorded exchanges from ") !=
	                  NULL,
	              "%s", r.log);
	snprintf(want, sizeof(want),
	         " warning --replay: %s holds no exchanges: every request under /v2/ will get the "
	         "miss status, 501; record some with --upstream URL --record %s\n",
	         path, path);
	ck_assert_msg(strstr(r.log, want) != NULL, "%s", r.log);
	harness_request(&r.h, NULL, "/v2/calls", "Basic azpz", NULL, NULL, &rep);
	ck_assert_int_eq(rep.status, 501);
	harness_reply_free(&rep);
	stop(&r);
	unlink(path);
}
END_TEST

START_TEST(replay_refuses_fixture_data_saying_where_it_goes)
{
	char lines[256], want[1024];
	const char *files[] = {"fixtures/calls.json", lines};
	int code;

	harness_temp_file("{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"}\n", ".jsonl", lines,
	                  sizeof(lines));
	for (size_t i = 0; i < 2; i++) {
		const char *args[] = {"--port", "0", "--replay", files[i], NULL};
		char *err = refused(args, &code);

		snprintf(
		    want, sizeof(want),
		    "gongmock: --replay: %s is not a cassette: it looks like fixture data, "
		    "which --fixtures serves; a cassette holds one JSON object per line, each "
		    "with \"request\" and \"response\", as --upstream URL --record FILE writes "
		    "them\n",
		    files[i]);
		ck_assert_int_eq(code, 1);
		ck_assert_str_eq(err, want);
		free(err);
	}
	unlink(lines);

	/* Something else again (a scenario, spread over lines): what was wrong, and what a
	 * cassette holds. */
	{
		const char *args[] = {"--port", "0", "--replay", lines, NULL};
		char *err;

		harness_temp_file("{\n  \"rules\": []\n}\n", ".json", lines, sizeof(lines));
		err = refused(args, &code);
		snprintf(
		    want, sizeof(want),
		    "gongmock: --replay: %s: line 1: not JSON: string or '}' expected near end "
		    "of file (column 0); a cassette holds one JSON object per line, each with "
		    "\"request\" and \"response\", as --upstream URL --record FILE writes "
		    "them\n",
		    lines);
		ck_assert_int_eq(code, 1);
		ck_assert_str_eq(err, want);
		free(err);
		unlink(lines);
	}
}
END_TEST

START_TEST(missing_files_name_their_flag)
{
	static const char *const flags[] = {"--replay", "--fixtures", "--scenario",
	                                    "--credentials"};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const char *args[] = {"--port", "0", flags[i], "missing.jsonl", NULL};
		char want[256], *err;
		int code;

		err = refused(args, &code);
		snprintf(want, sizeof(want),
		         "gongmock: %s: cannot open missing.jsonl: No such file or directory\n",
		         flags[i]);
		ck_assert_int_eq(code, 1);
		ck_assert_str_eq(err, want);
		free(err);
	}
}
END_TEST

START_TEST(a_misspelt_flag_gets_the_one_meant)
{
	static const char *const cases[][4] = {
	    {"--prot", "80", NULL,
	     "gongmock: unknown option '--prot' (did you mean --port? see --help)\n"},
	    {"--upstream-timout=5", NULL, NULL,
	     "gongmock: unknown option '--upstream-timout' (did you mean --upstream-timeout? see "
	     "--help)\n"},
	    {"--FIXTURES", "x", NULL,
	     "gongmock: unknown option '--FIXTURES' (did you mean --fixtures? see --help)\n"},
	    {"--replay-miss", "404", NULL,
	     "gongmock: unknown option '--replay-miss' (did you mean --replay-miss-status? see "
	     "--help)\n"},
	    {"-port", "80", NULL,
	     "gongmock: unexpected argument '-port' (did you mean --port? see --help)\n"},
	    {"--frobnicate", NULL, NULL, "gongmock: unknown option '--frobnicate' (see --help)\n"},
	    {"--quiet=1", NULL, NULL, "gongmock: unknown option '--quiet' (see --help)\n"},
	    {"generate", "--seeds", "1",
	     "generate: unknown flag: --seeds (did you mean --seed?)\n"
	     "try 'gongmock generate --help'\n"},
	    {"ca", "--pme", NULL,
	     "gongmock ca: unknown option '--pme' (did you mean --pem? see gongmock ca --help)\n"},
	    {"health", "--prot", "1",
	     "gongmock health: unknown option '--prot' (did you mean --port? see --help)\n"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[4] = {cases[i][0], cases[i][1], cases[i][2], NULL};
		struct harness_proc p;
		char *err;

		harness_spawn(&p, args);
		err = harness_read_until(p.err, 5000, NULL);
		ck_assert_int_eq(harness_wait(&p, 5000), 2);
		ck_assert_str_eq(err, cases[i][3]);
		free(err);
	}
}
END_TEST

START_TEST(a_misspelt_variable_gets_the_one_meant)
{
	static const char *const args[] = {"--port", "0", NULL};
	struct running r;

	setenv("GONGMOCK_RATE_LIMT", "5/s", 1);
	setenv("GONGMOCK_UPSTREAM_TIMOUT", "5", 1);
	setenv("GONGMOCK_ZZZZZZ", "1", 1);
	run(&r, args, "(loaded in ");
	unsetenv("GONGMOCK_RATE_LIMT");
	unsetenv("GONGMOCK_UPSTREAM_TIMOUT");
	unsetenv("GONGMOCK_ZZZZZZ");
	ck_assert_msg(strstr(r.log, " warning GONGMOCK_RATE_LIMT is not a variable gongmock reads "
	                            "(did you mean GONGMOCK_RATE_LIMIT? --help lists them): "
	                            "ignored\n") != NULL,
	              "%s", r.log);
	ck_assert_msg(strstr(r.log, " warning GONGMOCK_UPSTREAM_TIMOUT is not a variable gongmock "
	                            "reads (did you mean GONGMOCK_UPSTREAM_TIMEOUT? --help lists "
	                            "them): ignored\n") != NULL,
	              "%s", r.log);
	ck_assert_msg(strstr(r.log, " warning GONGMOCK_ZZZZZZ is not a variable gongmock reads "
	                            "(--help lists them): ignored\n") != NULL,
	              "%s", r.log);
	/* The values are not repeated: a variable may hold a secret. */
	ck_assert_ptr_null(strstr(r.log, "5/s"));
	stop(&r);
}
END_TEST

static Suite *
startup_suite(void)
{
	Suite *s = suite_create("startup");
	TCase *t = tcase_create("startup");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, mock_mode_says_what_it_serves);
	tcase_add_test(t, proxy_mode_says_where_it_forwards);
	tcase_add_test(t, replay_mode_says_which_cassette);
	tcase_add_test(t, an_empty_cassette_warns_that_every_request_misses);
	tcase_add_test(t, replay_refuses_fixture_data_saying_where_it_goes);
	tcase_add_test(t, missing_files_name_their_flag);
	tcase_add_test(t, a_misspelt_flag_gets_the_one_meant);
	tcase_add_test(t, a_misspelt_variable_gets_the_one_meant);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return harness_run(startup_suite());
}
