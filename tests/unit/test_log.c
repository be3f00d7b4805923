/*
 * test_log.c - access-log lines: one line each, within their size, valid JSON in the JSON
 * format whatever bytes a client put in the path and query, and no forged lines in text.
 */
#include "log.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* Runs log_access with stderr captured; returns what was written (caller frees). */
static char *
capture(const struct log_access *a)
{
	int fds[2], saved;
	char *buf = calloc(1, 65536);
	ssize_t n;

	ck_assert_int_eq(pipe(fds), 0);
	saved = dup(STDERR_FILENO);
	dup2(fds[1], STDERR_FILENO);
	log_access(a);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, 65535);
	ck_assert_int_gt(n, 0);
	close(fds[0]);
	return buf;
}

static void
fill(struct log_access *a, const char *path, const char *query, const char *source)
{
	memset(a, 0, sizeof(*a));
	a->time_us = 1764428400123456;
	a->request_id = "abcdefghijklmnopqr";
	a->method = "GET";
	a->path = path;
	a->query = query;
	a->query_len = strlen(query);
	a->status = 200;
	a->bytes = 10;
	a->duration_us = 5;
	a->source = source;
}

START_TEST(json_lines_stay_whole_and_valid)
{
	static char path[5000], query[9000];
	struct log_access a;
	char *line;
	json_t *j;

	log_setup(LOG_JSON, 0);
	/* Quotes double in size when escaped: the worst case for the line's budget. */
	memset(path, '"', sizeof(path) - 1);
	path[0] = '/';
	memset(query, '"', sizeof(query) - 1);
	query[10] = (char)0xff;
	query[11] = (char)0xfe;
	fill(&a, path, query, "fault:a \"name\"\nwith a break");
	a.extra = "upstream_id=x";
	line = capture(&a);
	ck_assert_uint_le(strlen(line), 4096);
	ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1);
	j = json_loads(line, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON: %.200s", line);
	ck_assert_str_eq(json_string_value(json_object_get(j, "requestId")), "abcdefghijklmnopqr");
	json_decref(j);
	free(line);

	fill(&a, "/v2/calls", "a=caf\xc3\xa9&b=\xed\xa0\x80", "fixture");
	line = capture(&a);
	j = json_loads(line, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON: %s", line);
	ck_assert_str_eq(json_string_value(json_object_get(j, "query")), "a=caf\xc3\xa9&b=???");
	ck_assert_str_eq(json_string_value(json_object_get(j, "time")), "2025-11-29T15:00:00.123Z");
	json_decref(j);
	free(line);
}
END_TEST

START_TEST(text_lines_cannot_be_forged)
{
	static char path[6000];
	struct log_access a;
	char *line;

	log_setup(LOG_TEXT, 0);
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	fill(&a, path, "q=1\n2026-01-01T00:00:00.000Z fake line", "fault:x\ny");
	a.extra = "miss=\"a\nb\"";
	line = capture(&a);
	ck_assert_uint_le(strlen(line), 4096);
	ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1);
	free(line);

	fill(&a, "/v2/calls", "fromDateTime=x", "fixture");
	line = capture(&a);
	ck_assert_str_eq(line, "2025-11-29T15:00:00.123Z abcdefghijklmnopqr GET "
	                       "/v2/calls?fromDateTime=x 200 10B 5us fixture\n");
	free(line);
}
END_TEST

START_TEST(quiet_writes_nothing)
{
	struct log_access a;
	int fds[2], saved;
	char c;

	log_setup(LOG_TEXT, 1);
	fill(&a, "/v2/calls", "", "fixture");
	ck_assert_int_eq(pipe(fds), 0);
	saved = dup(STDERR_FILENO);
	dup2(fds[1], STDERR_FILENO);
	log_access(&a);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 0);
	close(fds[0]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("log");
	TCase *t = tcase_create("log");

	tcase_add_test(t, json_lines_stay_whole_and_valid);
	tcase_add_test(t, text_lines_cannot_be_forged);
	tcase_add_test(t, quiet_writes_nothing);
	suite_add_tcase(s, t);
	return harness_run(s);
}
