/*
 * test_config.c - the serve-mode command line: defaults, every flag, and the reasons given
 * for bad values, word for word.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static enum config_result
parse(struct config *c, const char *const *args, char *err, size_t errlen)
{
	const char *argv[2 * CONFIG_MAX_REDACT + 16];
	int argc = 0;

	argv[argc++] = "gongmock";
	for (; *args != NULL; args++)
		argv[argc++] = *args;
	argv[argc] = NULL;
	config_defaults(c);
	return config_parse(c, argc, (char **)argv, err, errlen);
}

START_TEST(defaults)
{
	static const char *const none[] = {NULL};
	struct config c;
	char err[256];

	unsetenv("GONGMOCK_CURSOR_SECRET");
	ck_assert_int_eq(parse(&c, none, err, sizeof(err)), CONFIG_OK);
	ck_assert_str_eq(c.bind, "127.0.0.1");
	ck_assert_uint_eq(c.port, 8080);
	ck_assert_uint_eq(c.threads, 0);
	ck_assert_uint_eq(c.page_size, 100);
	ck_assert_int_eq(c.cursor_ttl, 3600);
	ck_assert_ptr_null(c.fixtures);
	ck_assert_ptr_null(c.cursor_secret);
	ck_assert_ptr_null(c.credentials);
	ck_assert_int_eq(c.log_format, CONFIG_LOG_TEXT);
	ck_assert_int_eq(c.quiet, 0);
}
END_TEST

START_TEST(every_flag)
{
	static const char *const args[] = {"--bind", "0.0.0.0",         "--port=0", "--threads",
	                                   "3",      "--fixtures",      "f.json",   "--page-size",
	                                   "7",      "--cursor-secret", "s3cret",   "--cursor-ttl",
	                                   "60",     "--credentials",   "c.json",   "--log-format",
	                                   "json",   "--quiet",         NULL};
	struct config c;
	char err[256];

	ck_assert_int_eq(parse(&c, args, err, sizeof(err)), CONFIG_OK);
	ck_assert_str_eq(c.bind, "0.0.0.0");
	ck_assert_uint_eq(c.port, 0);
	ck_assert_uint_eq(c.threads, 3);
	ck_assert_str_eq(c.fixtures, "f.json");
	ck_assert_uint_eq(c.page_size, 7);
	ck_assert_str_eq(c.cursor_secret, "s3cret");
	ck_assert_int_eq(c.cursor_ttl, 60);
	ck_assert_str_eq(c.credentials, "c.json");
	ck_assert_int_eq(c.log_format, CONFIG_LOG_JSON);
	ck_assert_int_eq(c.quiet, 1);
}
END_TEST

START_TEST(flags_from_the_environment)
{
	static const char *const none[] = {NULL};
	static const char *const flag[] = {"gongmock", "--cursor-secret", "flag", "--port", "9",
	                                   NULL};
	static const char *const env[] = {"GONGMOCK_CURSOR_SECRET=env",
	                                  "GONGMOCK_PORT=81",
	                                  "GONGMOCK_BIND=0.0.0.0",
	                                  "GONGMOCK_QUIET=true",
	                                  "GONGMOCK_RATE_LIMIT=gong",
	                                  "GONGMOCK_UPSTREAM=https://api.gong.io",
	                                  "GONGMOCK_RECORD=/data/session.jsonl",
	                                  "GONGMOCK_REDACT=title,url",
	                                  "GONGMOCK_LOG_FORMAT=json",
	                                  "GONGMOCK_PROT=8",
	                                  NULL};
	static const char *const bad[] = {"GONGMOCK_REDACT=title,secret", NULL};
	static const char *const clash[] = {"GONGMOCK_REPLAY=x.jsonl",
	                                    "GONGMOCK_UPSTREAM=https://api.gong.io", NULL};
	struct config c;
	char err[256];
	size_t from = 0;
	const char *unknown;

	/* config_parse reads no environment. */
	setenv("GONGMOCK_CURSOR_SECRET", "process", 1);
	ck_assert_int_eq(parse(&c, none, err, sizeof(err)), CONFIG_OK);
	ck_assert_ptr_null(c.cursor_secret);
	unsetenv("GONGMOCK_CURSOR_SECRET");

	config_defaults(&c);
	ck_assert_int_eq(
	    config_parse_env(&c, 5, (char **)flag, (char *const *)env, err, sizeof(err)),
	    CONFIG_OK);
	ck_assert_str_eq(c.cursor_secret, "flag");
	ck_assert_uint_eq(c.port, 9);
	ck_assert_str_eq(c.bind, "0.0.0.0");
	ck_assert_int_eq(c.quiet, 1);
	ck_assert_str_eq(c.rate_limit, "gong");
	ck_assert_str_eq(c.upstream, "https://api.gong.io");
	ck_assert_str_eq(c.record, "/data/session.jsonl");
	ck_assert_uint_eq(c.nredact, 2);
	ck_assert_str_eq(c.redact[0], "title");
	ck_assert_str_eq(c.redact[1], "url");
	ck_assert_int_eq(c.log_format, CONFIG_LOG_JSON);
	config_release(&c);

	config_defaults(&c);
	ck_assert_int_eq(
	    config_parse_env(&c, 1, (char **)flag, (char *const *)env, err, sizeof(err)),
	    CONFIG_OK);
	ck_assert_str_eq(c.cursor_secret, "env");
	ck_assert_uint_eq(c.port, 81);
	config_release(&c);

	unknown = config_env_unknown((char *const *)env, &from);
	ck_assert_str_eq(unknown, "GONGMOCK_PROT=8");
	ck_assert_ptr_null(config_env_unknown((char *const *)env, &from));

	config_defaults(&c);
	ck_assert_int_eq(
	    config_parse_env(&c, 1, (char **)flag, (char *const *)bad, err, sizeof(err)),
	    CONFIG_ERROR);
	ck_assert_str_eq(err,
	                 "GONGMOCK_REDACT: 'secret' is not a free-text field of a call (title, "
	                 "url, meetingUrl, customData, purpose, sdrDisposition, clientUniqueId, "
	                 "calendarEventId)");
	config_release(&c);
	/* Combinations are checked whoever gave them. */
	config_defaults(&c);
	ck_assert_int_eq(
	    config_parse_env(&c, 1, (char **)flag, (char *const *)clash, err, sizeof(err)),
	    CONFIG_ERROR);
	ck_assert_str_eq(err, "--upstream and --replay exclude each other: proxy or replay");
	config_release(&c);
}
END_TEST

START_TEST(help_and_version)
{
	static const char *const help[] = {"--port", "1", "--help", NULL};
	static const char *const version[] = {"--version", NULL};
	struct config c;
	char err[256];

	ck_assert_int_eq(parse(&c, help, err, sizeof(err)), CONFIG_HELP);
	ck_assert_int_eq(parse(&c, version, err, sizeof(err)), CONFIG_VERSION);
}
END_TEST

START_TEST(bad_values_name_the_flag)
{
	static const char *const cases[][3] = {
	    {"--port", "65536", "--port: '65536'"},
	    {"--port", "-1", "--port"},
	    {"--port", "80x", "--port"},
	    {"--threads", "0", "--threads"},
	    {"--page-size", "10001", "--page-size"},
	    {"--cursor-ttl", "0", "--cursor-ttl"},
	    {"--log-format", "xml", "--log-format: 'xml'"},
	    {"--fixtures", "", "--fixtures"},
	    {"--cursor-secret", "", "--cursor-secret"},
	    {"--frobnicate", "1", "unknown option '--frobnicate'"},
	    {"stray", NULL, "unexpected argument 'stray'"},
	    {"--port", NULL, "--port needs a value"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[3] = {cases[i][0], cases[i][1], NULL};
		struct config c;
		char err[256] = "";

		ck_assert_int_eq(parse(&c, args, err, sizeof(err)), CONFIG_ERROR);
		ck_assert_msg(strstr(err, cases[i][2]) != NULL, "%s: got '%s'", cases[i][0], err);
	}
}
END_TEST

/* Each flag's reasons, word for word: scripts and users match on them. */
START_TEST(every_message_word_for_word)
{
	static const char *const cases[][3] = {
	    {"--bind", "", "--bind: needs an address"},
	    {"--port", "65536", "--port: '65536' is not a port (0-65535)"},
	    {"--port=", NULL, "--port: '' is not a port (0-65535)"},
	    {"--threads", "257", "--threads: '257' is not a number from 1 to 256"},
	    {"--fixtures", "", "--fixtures: needs a file or directory"},
	    {"--page-size", "0", "--page-size: '0' is not a number from 1 to 10000"},
	    {"--cursor-secret", "", "--cursor-secret: must not be empty"},
	    {"--cursor-ttl", "31622401",
	     "--cursor-ttl: '31622401' is not a number of seconds (1 to 31622400)"},
	    {"--credentials", "", "--credentials: needs a file"},
	    {"--log-format", "JSON", "--log-format: 'JSON' is not text or json"},
	    {"--request-timeout", "3601",
	     "--request-timeout: '3601' is not a number of seconds (0 to 3600)"},
	    {"--max-client-connections", "-1",
	     "--max-client-connections: '-1' is not a number from 0 to 1000000"},
	    {"--rate-limit", "",
	     "--rate-limit: empty rate limit; use gong, off, or N/s, N/day or both, e.g. "
	     "3/s,10000/day"},
	    {"--rate-limit", "5/m",
	     "--rate-limit: rate limit part \"5/m\": unknown unit (use N/s or N/day)"},
	    {"--rate-limit-scope", "team",
	     "--rate-limit-scope: 'team' is not company or credential"},
	    {"--scenario", "", "--scenario: needs a file"},
	    {"--seed", "18446744073709551616",
	     "--seed: '18446744073709551616' is not a whole number"},
	    {"--journal", "1000001", "--journal: '1000001' is not a number from 0 to 1000000"},
	    {"--admin-token", "", "--admin-token: must not be empty"},
	    {"--upstream", "", "--upstream: '' is not an http:// or https:// URL"},
	    {"--upstream-ca", "", "--upstream-ca: needs a file"},
	    {"--upstream-timeout", "0",
	     "--upstream-timeout: '0' is not a number of seconds (1 to 3600)"},
	    {"--record", "", "--record: needs a file"},
	    {"--redact", "id",
	     "--redact: 'id' is not a free-text field of a call (title, url, meetingUrl, "
	     "customData, purpose, sdrDisposition, clientUniqueId, calendarEventId)"},
	    {"--replay", "", "--replay: needs a cassette file"},
	    {"--replay-miss-status", "600",
	     "--replay-miss-status: '600' is not a status from 400 to 599"},
	    {"--journal", NULL, "--journal needs a value (see --help)"},
	    {"--quiet=1", NULL, "unknown option '--quiet' (see --help)"},
	    {"--help=1", NULL, "unknown option '--help' (see --help)"},
	    {"--frobnicate=1", NULL, "unknown option '--frobnicate' (see --help)"},
	    {"--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", NULL,
	     "unknown option '--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (see --help)"},
	    {"-x", NULL, "unexpected argument '-x' (see --help)"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[3] = {cases[i][0], cases[i][1], NULL};
		struct config c;
		char err[1024] = "";

		ck_assert_int_eq(parse(&c, args, err, sizeof(err)), CONFIG_ERROR);
		ck_assert_msg(strcmp(err, cases[i][2]) == 0, "%s: got '%s'", cases[i][0], err);
	}
}
END_TEST

START_TEST(redact_holds_32_fields)
{
	const char *args[2 * CONFIG_MAX_REDACT + 8];
	struct config c;
	char err[256] = "";
	size_t n = 0, i;

	args[n++] = "--upstream";
	args[n++] = "http://127.0.0.1:1";
	args[n++] = "--record";
	args[n++] = "c.jsonl";
	for (i = 0; i < CONFIG_MAX_REDACT; i++) {
		args[n++] = "--redact";
		args[n++] = "title";
	}
	args[n] = NULL;
	ck_assert_int_eq(parse(&c, args, err, sizeof(err)), CONFIG_OK);
	ck_assert_uint_eq(c.nredact, CONFIG_MAX_REDACT);
	args[n++] = "--redact=url";
	args[n] = NULL;
	ck_assert_int_eq(parse(&c, args, err, sizeof(err)), CONFIG_ERROR);
	ck_assert_str_eq(err, "--redact: at most 32 fields");
}
END_TEST

START_TEST(rate_limit_off_is_no_limit)
{
	static const char *const off[] = {"--rate-limit", "gong", "--rate-limit=off", NULL};
	static const char *const aliases[] = {"-q", "--cursor-ttl=60", "--seed",
	                                      "18446744073709551615", NULL};
	struct config c;
	char err[256];

	ck_assert_int_eq(parse(&c, off, err, sizeof(err)), CONFIG_OK);
	ck_assert_ptr_null(c.rate_limit);
	ck_assert_int_eq(parse(&c, aliases, err, sizeof(err)), CONFIG_OK);
	ck_assert_int_eq(c.quiet, 1);
	ck_assert_int_eq(c.cursor_ttl, 60);
	ck_assert_uint_eq(c.seed, UINT64_MAX);
}
END_TEST

START_TEST(combinations_are_checked)
{
	static const char *const cases[][7] = {
	    {"--record", "c.jsonl", NULL, NULL, NULL, NULL, "--record needs --upstream"},
	    {"--upstream", "http://127.0.0.1:1", "--replay", "c.jsonl", NULL, NULL,
	     "exclude each other"},
	    {"--upstream", "ftp://x", NULL, NULL, NULL, NULL, "--upstream: 'ftp://x'"},
	    {"--upstream", "http://127.0.0.1:1", "--record", "c", "--redact", "id",
	     "--redact: 'id'"},
	    {"--upstream", "http://127.0.0.1:1", "--redact", "title", NULL, NULL,
	     "--redact goes with --record"},
	    {"--match-credential", NULL, NULL, NULL, NULL, NULL, "goes with --replay"},
	    {"--replay", "c", "--replay-miss-status", "200", NULL, NULL, "--replay-miss-status"},
	    {"--rate-limit", "5/m", NULL, NULL, NULL, NULL, "--rate-limit:"},
	    {"--rate-limit-scope", "team", NULL, NULL, NULL, NULL, "--rate-limit-scope"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[7];
		struct config c;
		char err[512] = "";
		size_t k;

		for (k = 0; k < 6 && cases[i][k] != NULL; k++)
			args[k] = cases[i][k];
		args[k] = NULL;
		ck_assert_int_eq(parse(&c, args, err, sizeof(err)), CONFIG_ERROR);
		ck_assert_msg(strstr(err, cases[i][6]) != NULL, "case %zu: got '%s'", i, err);
	}
}
END_TEST

START_TEST(proxy_and_fault_flags)
{
	static const char *const args[] = {"--upstream",
	                                   "https://us-55616.api.gong.io",
	                                   "--upstream-timeout",
	                                   "5",
	                                   "--record",
	                                   "c.jsonl",
	                                   "--redact",
	                                   "meetingUrl",
	                                   "--redact",
	                                   "customData",
	                                   "--rate-limit",
	                                   "gong",
	                                   "--rate-limit-scope",
	                                   "credential",
	                                   "--seed",
	                                   "9",
	                                   "--journal",
	                                   "0",
	                                   "--admin-token",
	                                   "t",
	                                   "--scenario",
	                                   "s.json",
	                                   NULL};
	static const char *const replay[] = {
	    "--replay", "c.jsonl", "--match-credential", "--replay-miss-status", "418", NULL};
	struct config c;
	char err[256];

	ck_assert_int_eq(parse(&c, args, err, sizeof(err)), CONFIG_OK);
	ck_assert_str_eq(c.upstream, "https://us-55616.api.gong.io");
	ck_assert_uint_eq(c.upstream_timeout, 5);
	ck_assert_str_eq(c.record, "c.jsonl");
	ck_assert_uint_eq(c.nredact, 2);
	ck_assert_str_eq(c.redact[1], "customData");
	ck_assert_str_eq(c.rate_limit, "gong");
	ck_assert_int_eq(c.rate_limit_per_credential, 1);
	ck_assert_uint_eq(c.seed, 9);
	ck_assert_uint_eq(c.journal, 0);
	ck_assert_str_eq(c.admin_token, "t");
	ck_assert_str_eq(c.scenario, "s.json");
	ck_assert_int_eq(parse(&c, replay, err, sizeof(err)), CONFIG_OK);
	ck_assert_str_eq(c.replay, "c.jsonl");
	ck_assert_int_eq(c.match_credential, 1);
	ck_assert_uint_eq(c.replay_miss_status, 418);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *t = tcase_create("config");

	tcase_add_test(t, defaults);
	tcase_add_test(t, every_flag);
	tcase_add_test(t, flags_from_the_environment);
	tcase_add_test(t, help_and_version);
	tcase_add_test(t, bad_values_name_the_flag);
	tcase_add_test(t, every_message_word_for_word);
	tcase_add_test(t, redact_holds_32_fields);
	tcase_add_test(t, rate_limit_off_is_no_limit);
	tcase_add_test(t, combinations_are_checked);
	tcase_add_test(t, proxy_and_fault_flags);
	suite_add_tcase(s, t);
	return harness_run(s);
}
