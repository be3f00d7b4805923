/*
 * test_dataset.c - unit tests of dataset: the calls of a cassette's list answers,
 * deduplicated by id with the newest copy in the first place, a torn last line dropped with a
 * warning, and the errors that name the file and line.
 */
#include "dataset.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cassettes.h"
#include "harness.h"

START_TEST(test_calls_json_dedupe)
{
	char path[64], text[8192] = "", err[256] = "", warn[512] = "x", want[512];
	char *json;
	size_t len = 0;

	cassettes_add_line(
	    text, sizeof(text), "[]", "", 200,
	    "{\"requestId\":\"r\",\"calls\":[{\"id\":\"1\",\"title\":\"old\"},{\"id\":\"2\","
	    "\"title\":\"two\"}]}");
	cassettes_add_line(text, sizeof(text), "[]", "", 404,
	                   "{\"errors\":[\"x\"],\"calls\":[{\"id\":\"404\"}]}");
	cassettes_add_line(text, sizeof(text), "[]", "", 500, "{\"calls\":[{\"id\":\"500\"}]}");
	strcat(text, "{\"request\":{\"method\":\"POST\",\"path\":\"/v2/calls\"},\"response\":{"
	             "\"status\":200,\"body\":{\"calls\":[{\"id\":\"post\"}]}}}\n");
	strcat(text, "{\"request\":{\"method\":\"GET\",\"path\":\"/v2/calls/extensive\"},"
	             "\"response\":{\"status\":200,\"body\":{\"calls\":[{\"id\":\"ext\"}]}}}\n");
	cassettes_add_line(text, sizeof(text), "[]", "", 200,
	                   "\"{\\\"calls\\\":[{\\\"id\\\":\\\"s\\\"}]}\"");
	cassettes_add_line(
	    text, sizeof(text), "[[\"cursor\",\"c\"]]", FP_TOK1, 200,
	    "{\"requestId\":\"r2\",\"calls\":[{\"id\":\"3\",\"title\":\"three\"},{\"id\":\"1\","
	    "\"title\":\"new\",\"extra\":null}]}");
	cassettes_file(path, text);
	json = dataset_from_cassette(path, &len, warn, sizeof(warn), err, sizeof(err));
	ck_assert_msg(json != NULL, "%s", err);
	ck_assert_str_eq(json, "[{\"id\":\"1\",\"title\":\"new\",\"extra\":null},{\"id\":\"2\","
	                       "\"title\":\"two\"},{\"id\":\"3\",\"title\":\"three\"}]");
	ck_assert_uint_eq(len, strlen(json));
	ck_assert_str_eq(warn, "");
	free(json);
	/* A last line cut short is dropped, with a warning; the calls before it stay. */
	strcat(text, "{\"request\":{\"method\":\"GET\",\"path\":\"/v2/calls\"},\"resp");
	cassettes_write(path, text);
	json = dataset_from_cassette(path, &len, warn, sizeof(warn), err, sizeof(err));
	ck_assert_msg(json != NULL, "%s", err);
	ck_assert_str_eq(json, "[{\"id\":\"1\",\"title\":\"new\",\"extra\":null},{\"id\":\"2\","
	                       "\"title\":\"two\"},{\"id\":\"3\",\"title\":\"three\"}]");
	snprintf(want, sizeof(want),
	         "%s: line 8: dropped: the last line is cut short (no newline, not JSON), as an "
	         "interrupted recording leaves it; the lines before it are read",
	         path);
	ck_assert_str_eq(warn, want);
	free(json);
	unlink(path);
}
END_TEST

START_TEST(test_calls_json_errors)
{
	char path[64], text[4096] = "", err[256], warn[512];
	size_t len = 0;

	/* No list answer at all. */
	cassettes_add_line(text, sizeof(text), "[]", "", 404, "{\"errors\":[\"No calls found\"]}");
	cassettes_file(path, text);
	err[0] = '\0';
	ck_assert_ptr_null(dataset_from_cassette(path, &len, warn, sizeof(warn), err, sizeof(err)));
	ck_assert_int_eq(strncmp(err, path, strlen(path)), 0);
	ck_assert_str_eq(err + strlen(path),
	                 ": holds no 200 answer to GET /v2/calls with a calls array");

	/* A bad line, named by number. */
	strcat(text, "\n{\"request\":{},\"response\":{\"status\":200}}\n");
	cassettes_write(path, text);
	ck_assert_ptr_null(dataset_from_cassette(path, &len, warn, sizeof(warn), err, sizeof(err)));
	ck_assert_str_eq(err + strlen(path),
	                 ": line 3: \"request.method\" must be a non-empty string");

	/* A call without an id cannot be deduplicated, nor served. */
	text[0] = '\0';
	cassettes_add_line(text, sizeof(text), "[]", "", 200,
	                   "{\"calls\":[{\"id\":\"1\"},{\"id\":2}]}");
	cassettes_write(path, text);
	ck_assert_ptr_null(dataset_from_cassette(path, &len, warn, sizeof(warn), err, sizeof(err)));
	ck_assert_str_eq(err + strlen(path), ": line 1: \"response.body.calls\" item 1 is not a "
	                                     "call with a string \"id\"");
	unlink(path);

	ck_assert_ptr_null(dataset_from_cassette("/tmp/test_cassette-does-not-exist", &len, NULL, 0,
	                                         err, sizeof(err)));
	ck_assert_str_eq(err, "/tmp/test_cassette-does-not-exist: No such file or directory");
}
END_TEST

static Suite *
dataset_suite(void)
{
	Suite *s = suite_create("dataset");
	TCase *tc;

	tc = tcase_create("dataset");
	tcase_add_test(tc, test_calls_json_dedupe);
	tcase_add_test(tc, test_calls_json_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(dataset_suite());
}
