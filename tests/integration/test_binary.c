/*
 * test_binary.c - the built binary as a user runs it: --help, a bad flag, a bad fixture, the
 * listening line with port 0, a request, SIGHUP reload, SIGTERM with a clean exit, the
 * reasons `gongmock generate` gives for bad flags, configuration by environment variables,
 * `gongmock health`, and the control API's refusals and removals as a client sees them.
 * The binary's path comes from TEST_GONGMOCK_BIN (default build/gongmock).
 */
#define _DEFAULT_SOURCE /* kill */
#include "harness.h"

#include <check.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

START_TEST(help_prints_usage_and_exits_0)
{
	static const char *const args[] = {"--help", NULL};
	struct harness_proc p;
	char *out;

	harness_spawn(&p, args);
	out = harness_read_until(p.out, 5000, NULL);
	ck_assert_int_eq(harness_wait(&p, 5000), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: gongmock"));
	ck_assert_ptr_nonnull(strstr(out, "--fixtures"));
	ck_assert_ptr_nonnull(strstr(out, "--cursor-secret"));
	free(out);
}
END_TEST

START_TEST(bad_flags_exit_2_with_the_reason)
{
	static const char *const cases[][3] = {
	    {"--no-such-flag", NULL, "gongmock: unknown option '--no-such-flag' (see --help)\n"},
	    {"--prot", "80",
	     "gongmock: unknown option '--prot' (did you mean --port? see --help)\n"},
	    {"--port", "99999", "--port"},
	    {"--threads", "zero", "--threads"},
	    {"--log-format", "xml", "--log-format"},
	    {"--page-size", "0", "--page-size"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[3] = {cases[i][0], cases[i][1], NULL};
		struct harness_proc p;
		char *err;

		harness_spawn(&p, args);
		err = harness_read_until(p.err, 5000, NULL);
		ck_assert_int_eq(harness_wait(&p, 5000), 2);
		ck_assert_msg(strstr(err, cases[i][2]) != NULL, "%s: %s", cases[i][0], err);
		free(err);
	}
}
END_TEST

START_TEST(bad_fixture_exits_1_naming_file_index_and_reason)
{
	char path[256];
	const char *args[] = {"--port", "0", "--fixtures", path, NULL};
	struct harness_proc p;
	char *err;

	harness_temp_file("[{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"},"
	                  "{\"id\":\"2\",\"started\":\"2025-01-01T00:00:00Z\","
	                  "\"direction\":\"Sideways\"}]",
	                  ".json", path, sizeof(path));
	harness_spawn(&p, args);
	err = harness_read_until(p.err, 5000, NULL);
	ck_assert_int_eq(harness_wait(&p, 5000), 1);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	ck_assert_msg(strstr(err, "call 1") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "direction") != NULL, "%s", err);
	free(err);
	unlink(path);
}
END_TEST

static unsigned
listening_port(const char *out)
{
	unsigned port = 0;
	const char *l = strstr(out, "listening on http://127.0.0.1:");

	ck_assert_msg(l != NULL, "no listening line in '%s'", out);
	ck_assert_int_eq(sscanf(l, "listening on http://127.0.0.1:%u", &port), 1);
	return port;
}

static long
get_status(unsigned port, const char *target, char **body)
{
	struct harness_server h;
	struct harness_reply r;
	long st;

	memset(&h, 0, sizeof(h));
	snprintf(h.base, sizeof(h.base), "http://127.0.0.1:%u", port);
	harness_get(&h, target, &r);
	st = r.status;
	if (body != NULL)
		*body = strdup(r.body);
	harness_reply_free(&r);
	return st;
}

START_TEST(port_0_serves_then_sigterm_exits_0)
{
	static const char *const args[] = {"--port", "0", NULL};
	struct harness_proc p;
	char *out, *err, *body;
	unsigned port;

	harness_spawn(&p, args);
	out = harness_read_until(p.out, 10000, "\n");
	port = listening_port(out);
	/* Exactly one line on stdout. */
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	ck_assert_int_eq(get_status(port, "/v2/calls", &body), 200);
	ck_assert_ptr_nonnull(strstr(body, "\"currentPageNumber\":0"));
	free(body);
	/* The access log line went to stderr, without the credential. */
	err = harness_read_until(p.err, 2000, "fixture");
	ck_assert_msg(strstr(err, "GET /v2/calls 200") != NULL, "%s", err);
	ck_assert_ptr_null(strstr(err, "azpz"));
	free(err);
	kill(p.pid, SIGTERM);
	ck_assert_int_eq(harness_wait(&p, 15000), 0);
	free(out);
}
END_TEST

START_TEST(sighup_reloads_and_a_failed_reload_keeps_the_data)
{
	char path[256];
	const char *args[] = {"--port", "0", "--fixtures", path, NULL};
	struct harness_proc p;
	char *out, *err, *body;
	unsigned port;
	FILE *f;

	harness_temp_file("[{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"}]", ".json", path,
	                  sizeof(path));
	harness_spawn(&p, args);
	out = harness_read_until(p.out, 10000, "\n");
	port = listening_port(out);
	ck_assert_int_eq(get_status(port, "/v2/calls", &body), 200);
	ck_assert_ptr_nonnull(strstr(body, "\"totalRecords\":1,"));
	free(body);

	f = fopen(path, "w");
	fputs("[{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"},"
	      "{\"id\":\"2\",\"started\":\"2025-01-02T00:00:00Z\"}]",
	      f);
	fclose(f);
	kill(p.pid, SIGHUP);
	err = harness_read_until(p.err, 5000, "reloaded");
	ck_assert_msg(strstr(err, "reloaded") != NULL, "%s", err);
	free(err);
	ck_assert_int_eq(get_status(port, "/v2/calls", &body), 200);
	ck_assert_ptr_nonnull(strstr(body, "\"totalRecords\":2,"));
	free(body);

	f = fopen(path, "w");
	fputs("[{\"id\":\"x\"}]", f);
	fclose(f);
	kill(p.pid, SIGHUP);
	err = harness_read_until(p.err, 5000, "reload failed");
	ck_assert_msg(strstr(err, "reload failed") != NULL, "%s", err);
	free(err);
	ck_assert_int_eq(get_status(port, "/v2/calls", &body), 200);
	ck_assert_ptr_nonnull(strstr(body, "\"totalRecords\":2,"));
	free(body);

	kill(p.pid, SIGINT);
	ck_assert_int_eq(harness_wait(&p, 15000), 0);
	free(out);
	unlink(path);
}
END_TEST

START_TEST(port_in_use_exits_1)
{
	/* Mock and proxy mode listen differently (one socket, or one per worker thread); a port
	 * taken by either is refused by both, in the same words. The upstream is never
	 * contacted. */
	static const char *const modes[][3] = {
	    {NULL, NULL, NULL},
	    {"--upstream", "http://127.0.0.1:9", NULL},
	};
	size_t i, j;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			struct harness_proc a, b;
			char *out, *err, portstr[16], want[256];
			const char *first[] = {"--port", "0", modes[i][0], modes[i][1], NULL};
			const char *second[] = {"--port", portstr, modes[j][0], modes[j][1], NULL};

			harness_spawn(&a, first);
			out = harness_read_until(a.out, 10000, "\n");
			snprintf(portstr, sizeof(portstr), "%u", listening_port(out));
			harness_spawn(&b, second);
			err = harness_read_until(b.err, 5000, NULL);
			ck_assert_msg(harness_wait(&b, 5000) == 1, "%s after %s: %s",
			              j ? "proxy" : "mock", i ? "proxy" : "mock", err);
			snprintf(
			    want, sizeof(want),
			    "gongmock: cannot listen on 127.0.0.1 port %s: address already in use "
			    "(another gongmock? --port picks another)\n",
			    portstr);
			ck_assert_str_eq(err, want);
			kill(a.pid, SIGTERM);
			ck_assert_int_eq(harness_wait(&a, 15000), 0);
			free(out);
			free(err);
		}
	}
}
END_TEST

START_TEST(json_access_log_is_one_object_per_line)
{
	static const char *const args[] = {"--port", "0", "--log-format", "json", NULL};
	struct harness_proc p;
	char *out, *err, *line, *end;
	unsigned port;
	json_t *j;

	harness_spawn(&p, args);
	out = harness_read_until(p.out, 10000, "\n");
	port = listening_port(out);
	ck_assert_int_eq(get_status(port, "/v2/calls?workspaceId=x%22y", NULL), 400);
	err = harness_read_until(p.err, 3000, "\"status\":400");
	line = strstr(err, "{\"time\"");
	/* Skip the start-up message: it is JSON too, with a level. */
	while (line != NULL && strstr(line, "\"requestId\"") > strchr(line, '\n'))
		line = strstr(line + 1, "{\"time\"");
	ck_assert_ptr_nonnull(line);
	end = strchr(line, '\n');
	ck_assert_ptr_nonnull(end);
	*end = '\0';
	j = json_loads(line, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON: %s", line);
	ck_assert_str_eq(json_string_value(json_object_get(j, "method")), "GET");
	ck_assert_str_eq(json_string_value(json_object_get(j, "path")), "/v2/calls");
	ck_assert_str_eq(json_string_value(json_object_get(j, "query")), "workspaceId=x%22y");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), 400);
	ck_assert_str_eq(json_string_value(json_object_get(j, "source")), "error");
	ck_assert_uint_ge(strlen(json_string_value(json_object_get(j, "requestId"))), 18);
	json_decref(j);
	kill(p.pid, SIGTERM);
	ck_assert_int_eq(harness_wait(&p, 15000), 0);
	free(out);
	free(err);
}
END_TEST

START_TEST(generate_is_deterministic)
{
	static const char *const args[] = {"generate", "--calls", "5", "--seed", "7", NULL};
	struct harness_proc p1, p2;
	char *a, *b;

	harness_spawn(&p1, args);
	a = harness_read_until(p1.out, 10000, NULL);
	ck_assert_int_eq(harness_wait(&p1, 5000), 0);
	harness_spawn(&p2, args);
	b = harness_read_until(p2.out, 10000, NULL);
	ck_assert_int_eq(harness_wait(&p2, 5000), 0);
	ck_assert_uint_gt(strlen(a), 1000);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
}
END_TEST

/* generate's reasons, word for word, each followed by the pointer to its --help. */
START_TEST(generate_bad_flags_exit_2_word_for_word)
{
	static const char *const cases[][4] = {
	    {"--seed", "x", NULL, "--seed: must be a whole number, not 'x'"},
	    {"--calls", "1000000001", NULL,
	     "--calls: must be a whole number from 0 to 1000000000, not '1000000001'"},
	    {"--workspaces=0", NULL, NULL,
	     "--workspaces: must be a whole number from 1 to 1000, not '0'"},
	    {"--from", "x", NULL,
	     "--from: must be an ISO-8601 date-time between years 1 and 9999, not 'x'"},
	    {"--to", "9999-12-31", NULL,
	     "--to: must be an ISO-8601 date-time between years 1 and 9999, not '9999-12-31'"},
	    {"--format", "xml", NULL, "--format: must be json or jsonl, not 'xml'"},
	    {"--format", NULL, NULL, "--format needs a value"},
	    {"--frob=1", NULL, NULL, "unknown flag: --frob=1 (did you mean --from?)"},
	    {"--zzzz", NULL, NULL, "unknown flag: --zzzz"},
	    {"--help=1", NULL, NULL, "unknown flag: --help=1"},
	    {"stray", NULL, NULL, "unexpected argument: stray"},
	    {"--from", "2025-02-01", "--to=2025-01-01", "--from must be before --to"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[5] = {"generate", cases[i][0], cases[i][1], cases[i][2], NULL};
		struct harness_proc p;
		char want[256], *err;

		snprintf(want, sizeof(want), "generate: %s\ntry 'gongmock generate --help'\n",
		         cases[i][3]);
		harness_spawn(&p, args);
		err = harness_read_until(p.err, 5000, NULL);
		ck_assert_int_eq(harness_wait(&p, 5000), 2);
		ck_assert_str_eq(err, want);
		free(err);
	}
}
END_TEST

/* The currentPageSize of the first page of /v2/calls on port. */
static long
first_page_size(unsigned port)
{
	char *body, *at;
	long n = -1;

	ck_assert_int_eq(get_status(port, "/v2/calls", &body), 200);
	at = strstr(body, "\"currentPageSize\":");
	if (at != NULL)
		n = strtol(at + 18, NULL, 10);
	free(body);
	return n;
}

START_TEST(variables_configure_it_and_flags_win)
{
	static const char *const plain[] = {"--port", "0", NULL};
	static const char *const flagged[] = {"--port", "0", "--page-size", "9", NULL};
	struct harness_proc p;
	char *out, *err;

	setenv("GONGMOCK_PAGE_SIZE", "7", 1);
	setenv("GONGMOCK_PROT", "8081", 1);
	harness_spawn(&p, plain);
	out = harness_read_until(p.out, 10000, "\n");
	ck_assert_int_eq(first_page_size(listening_port(out)), 7);
	err = harness_read_until(p.err, 2000, "GET /v2/calls 200");
	ck_assert_msg(strstr(err,
	                     " warning GONGMOCK_PROT is not a variable gongmock reads (did you "
	                     "mean GONGMOCK_PORT? --help lists them): ignored\n") != NULL,
	              "%s", err);
	/* Its value is not repeated: a variable may hold a secret. */
	ck_assert_ptr_null(strstr(err, "8081"));
	free(err);
	free(out);
	kill(p.pid, SIGTERM);
	ck_assert_int_eq(harness_wait(&p, 15000), 0);

	unsetenv("GONGMOCK_PROT");
	harness_spawn(&p, flagged);
	out = harness_read_until(p.out, 10000, "\n");
	ck_assert_int_eq(first_page_size(listening_port(out)), 9);
	free(out);
	kill(p.pid, SIGTERM);
	ck_assert_int_eq(harness_wait(&p, 15000), 0);
	unsetenv("GONGMOCK_PAGE_SIZE");
}
END_TEST

START_TEST(a_bad_variable_exits_2_naming_it)
{
	static const char *const none[] = {NULL};
	struct harness_proc p;
	char *err;

	setenv("GONGMOCK_PORT", "http", 1);
	harness_spawn(&p, none);
	err = harness_read_until(p.err, 10000, NULL);
	ck_assert_str_eq(err, "gongmock: GONGMOCK_PORT: 'http' is not a port (0-65535)\n");
	ck_assert_int_eq(harness_wait(&p, 5000), 2);
	free(err);
	unsetenv("GONGMOCK_PORT");
}
END_TEST

/* Runs `gongmock health` with args; returns its exit code, its stdout and stderr in out/err. */
static int
run_health(const char *const *args, char **out, char **err)
{
	const char *argv[8] = {"health"};
	struct harness_proc p;
	size_t n = 1;

	for (; *args != NULL && n < 7; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	harness_spawn(&p, argv);
	*out = harness_read_until(p.out, 5000, NULL);
	*err = harness_read_until(p.err, 1000, NULL);
	return harness_wait(&p, 5000);
}

START_TEST(health_probes_the_server_without_logging_itself)
{
	static const char *const args[] = {"--port", "0", NULL};
	struct harness_proc p;
	const char *hargs[3] = {"--port", NULL, NULL};
	char *out, *hout, *herr, port_text[8], *log;
	unsigned port;

	harness_spawn(&p, args);
	out = harness_read_until(p.out, 10000, "\n");
	port = listening_port(out);
	snprintf(port_text, sizeof(port_text), "%u", port);
	hargs[1] = port_text;
	ck_assert_int_eq(run_health(hargs, &hout, &herr), 0);
	ck_assert_msg(strncmp(hout, "{\"status\":\"ok\",\"mode\":\"mock\",\"calls\":400,", 41) ==
	                      0 &&
	                  hout[strlen(hout) - 1] == '\n',
	              "%s", hout);
	ck_assert_str_eq(herr, "");
	free(hout);
	free(herr);
	/* The variable works as for the server. */
	setenv("GONGMOCK_PORT", port_text, 1);
	ck_assert_int_eq(run_health((const char *const[]){NULL}, &hout, &herr), 0);
	free(hout);
	free(herr);
	unsetenv("GONGMOCK_PORT");
	/* A client's request for health is logged; the probe's were not. */
	ck_assert_int_eq(get_status(port, "/__admin/health", NULL), 200);
	log = harness_read_until(p.err, 3000, "GET /__admin/health 200");
	ck_assert_msg(strstr(log, "GET /__admin/health 200") != NULL, "%s", log);
	ck_assert_ptr_null(strstr(strstr(log, "GET /__admin/health") + 1, "GET /__admin/health"));
	free(log);
	kill(p.pid, SIGTERM);
	ck_assert_int_eq(harness_wait(&p, 15000), 0);
	free(out);

	/* Nothing listens there any more. */
	ck_assert_int_eq(run_health(hargs, &hout, &herr), 1);
	ck_assert_str_eq(hout, "");
	ck_assert_msg(
	    strstr(herr, "gongmock health: unhealthy: cannot connect to 127.0.0.1 port ") == herr &&
	        strstr(herr, ": Connection refused\n") != NULL,
	    "%s", herr);
	free(hout);
	free(herr);
}
END_TEST

START_TEST(health_gives_up_on_a_server_that_does_not_answer)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	const char *hargs[3] = {"--port", NULL, NULL};
	char *hout, *herr, port_text[8];
	long t0;

	/* Listening, never accepting: the kernel completes the connection, nobody answers. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(port_text, sizeof(port_text), "%u", ntohs(sa.sin_port));
	hargs[1] = port_text;
	t0 = harness_mono_ms();
	ck_assert_int_eq(run_health(hargs, &hout, &herr), 1);
	ck_assert_msg(strstr(herr, "within 2000 ms") != NULL, "%s", herr);
	/* It gave up on its own (the runner's own limit is far above). */
	ck_assert_int_lt(harness_mono_ms() - t0, 4500);
	free(hout);
	free(herr);
	close(fd);
}
END_TEST

/* A client of the spawned binary on port. */
static struct harness_server
client_of(unsigned port)
{
	struct harness_server h;

	memset(&h, 0, sizeof(h));
	snprintf(h.base, sizeof(h.base), "http://127.0.0.1:%u", port);
	h.port = port;
	return h;
}

/* The control API refuses a client without the token, saying how to send it, never what it
 * is. */
START_TEST(control_api_refusals_say_how_to_get_in)
{
	static const char *const args[] = {"--port", "0", "--admin-token", "s3cret-t0ken", NULL};
	static const char *const wrong[] = {NULL, "Bearer s3cret-t0ke", "Basic czNjcmV0LXQwa2Vu"};
	struct harness_proc p;
	struct harness_server h;
	struct harness_reply r;
	char *out;

	harness_spawn(&p, args);
	out = harness_read_until(p.out, 10000, "\n");
	h = client_of(listening_port(out));
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		harness_request(&h, NULL, "/__admin/faults", wrong[i], NULL, NULL, &r);
		ck_assert_int_eq(r.status, 403);
		ck_assert_str_eq(
		    json_string_value(json_array_get(json_object_get(r.json, "errors"), 0)),
		    "The control API needs the admin token given to --admin-token (or "
		    "GONGMOCK_ADMIN_TOKEN): send it as 'Authorization: Bearer <token>'");
		ck_assert_ptr_null(strstr(r.body, "s3cret"));
		harness_reply_free(&r);
	}
	harness_request(&h, NULL, "/__admin/faults", "Bearer s3cret-t0ken", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	kill(p.pid, SIGTERM);
	ck_assert_int_eq(harness_wait(&p, 15000), 0);
	free(out);
}
END_TEST

/* DELETE answers with the rules it removed: the scenario's and those added since. */
START_TEST(deleting_rules_names_those_removed)
{
	char scenario[256];
	const char *args[] = {"--port", "0", "--scenario", scenario, NULL};
	struct harness_proc p;
	struct harness_server h;
	struct harness_reply r;
	char *out;

	harness_temp_file("{\"rules\":[{\"name\":\"first\",\"match\":{\"path\":\"/v2/users\"},"
	                  "\"respond\":{\"status\":500}}]}",
	                  ".json", scenario, sizeof(scenario));
	harness_spawn(&p, args);
	out = harness_read_until(p.out, 10000, "\n");
	h = client_of(listening_port(out));
	harness_request(&h, "POST", "/__admin/faults", NULL, NULL,
	                "{\"rules\":[{\"name\":\"slow\",\"respond\":{\"delayMs\":1}},"
	                "{\"respond\":{\"status\":503}}]}",
	                &r);
	ck_assert_int_eq(r.status, 201);
	ck_assert_str_eq(r.body, "{\"ids\":[2,3]}");
	harness_reply_free(&r);
	harness_request(&h, "DELETE", "/__admin/faults/3", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{\"ids\":[3],\"names\":[\"rule-3\"]}");
	harness_reply_free(&r);
	harness_request(&h, "DELETE", "/__admin/faults", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{\"ids\":[1,2],\"names\":[\"first\",\"slow\"]}");
	harness_reply_free(&r);
	harness_request(&h, NULL, "/__admin/faults", NULL, NULL, NULL, &r);
	ck_assert_str_eq(r.body, "{\"rules\":[]}");
	harness_reply_free(&r);
	harness_request(&h, "DELETE", "/__admin/faults", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{\"ids\":[],\"names\":[]}");
	harness_reply_free(&r);
	harness_request(&h, "DELETE", "/__admin/faults/2", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	harness_reply_free(&r);
	kill(p.pid, SIGTERM);
	ck_assert_int_eq(harness_wait(&p, 15000), 0);
	free(out);
	unlink(scenario);
}
END_TEST

static Suite *
binary_suite(void)
{
	Suite *s = suite_create("binary");
	TCase *t = tcase_create("binary");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, help_prints_usage_and_exits_0);
	tcase_add_test(t, bad_flags_exit_2_with_the_reason);
	tcase_add_test(t, bad_fixture_exits_1_naming_file_index_and_reason);
	tcase_add_test(t, port_0_serves_then_sigterm_exits_0);
	tcase_add_test(t, sighup_reloads_and_a_failed_reload_keeps_the_data);
	tcase_add_test(t, port_in_use_exits_1);
	tcase_add_test(t, json_access_log_is_one_object_per_line);
	tcase_add_test(t, generate_is_deterministic);
	tcase_add_test(t, generate_bad_flags_exit_2_word_for_word);
	tcase_add_test(t, variables_configure_it_and_flags_win);
	tcase_add_test(t, a_bad_variable_exits_2_naming_it);
	tcase_add_test(t, health_probes_the_server_without_logging_itself);
	tcase_add_test(t, health_gives_up_on_a_server_that_does_not_answer);
	tcase_add_test(t, control_api_refusals_say_how_to_get_in);
	tcase_add_test(t, deleting_rules_names_those_removed);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return harness_run(binary_suite());
}
