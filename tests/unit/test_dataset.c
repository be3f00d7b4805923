/*
 * test_dataset.c - unit tests of dataset: the calls of a cassette's answers in the extensive
 * shape, deduplicated by id with the newest copy in the first place, the blocks of extensive
 * answers merged and the transcripts of transcript answers joined to their calls, a torn last
 * line dropped with a warning, and the errors that name the file and line.
 */
#include "dataset.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blocks.h"
#include "store.h"

#include "cassettes.h"
#include "harness.h"

/* Each call in the extensive shape, the newest copy in the first place. */
#define DEDUPED                                                                                    \
	"[{\"metaData\":{\"id\":\"1\",\"title\":\"new\",\"extra\":null}},{\"metaData\":{\"id\":"   \
	"\"2\",\"title\":\"two\"}},{\"metaData\":{\"id\":\"3\",\"title\":\"three\"}}]"

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
	ck_assert_str_eq(json, DEDUPED);
	ck_assert_uint_eq(len, strlen(json));
	ck_assert_str_eq(warn, "");
	free(json);
	/* A last line cut short is dropped, with a warning; the calls before it stay. */
	strcat(text, "{\"request\":{\"method\":\"GET\",\"path\":\"/v2/calls\"},\"resp");
	cassettes_write(path, text);
	json = dataset_from_cassette(path, &len, warn, sizeof(warn), err, sizeof(err));
	ck_assert_msg(json != NULL, "%s", err);
	ck_assert_str_eq(json, DEDUPED);
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
	ck_assert_str_eq(
	    err + strlen(path),
	    ": holds no 200 answer with calls (GET /v2/calls, GET /v2/calls/{id}, POST "
	    "/v2/calls/extensive), users or workspaces");

	/* A bad line, named by number. */
	strcat(text, "\n{\"request\":{},\"response\":{\"status\":200}}\n");
	cassettes_write(path, text);
	ck_assert_ptr_null(dataset_from_cassette(path, &len, warn, sizeof(warn), err, sizeof(err)));
	ck_assert_str_eq(err + strlen(path),
	                 ": line 3: \"request.method\" must be a non-empty string");

	/* A NUL in a string cannot be data: refused here, naming the line. */
	text[0] = '\0';
	cassettes_add_line(text, sizeof(text), "[]", "", 200,
	                   "{\"calls\":[{\"id\":\"1\",\"title\":\"a\\u0000b\"}]}");
	cassettes_write(path, text);
	ck_assert_ptr_null(dataset_from_cassette(path, &len, warn, sizeof(warn), err, sizeof(err)));
	ck_assert_str_eq(err + strlen(path), ": line 1: the answer holds \\u0000 in a string, "
	                                     "which fixture data cannot carry");

	/* A call without an id cannot be deduplicated, nor served. */
	text[0] = '\0';
	cassettes_add_line(text, sizeof(text), "[]", "", 200,
	                   "{\"calls\":[{\"id\":\"1\"},{\"id\":2}]}");
	cassettes_write(path, text);
	ck_assert_ptr_null(dataset_from_cassette(path, &len, warn, sizeof(warn), err, sizeof(err)));
	ck_assert_str_eq(err + strlen(path),
	                 ": line 1: call 1 of an answer is not a call with a string \"id\"");
	unlink(path);

	ck_assert_ptr_null(dataset_from_cassette("/tmp/test_cassette-does-not-exist", &len, NULL, 0,
	                                         err, sizeof(err)));
	ck_assert_str_eq(err, "/tmp/test_cassette-does-not-exist: No such file or directory");
}
END_TEST

#define S0 "\"started\":\"2025-01-01T00:00:00Z\""
#define TX(text)                                                                                   \
	"[{\"speakerId\":\"s1\",\"topic\":null,\"sentences\":[{\"start\":0,\"end\":1000,\"text\":" \
	"\"" text "\"}]}]"
#define PARTIES1 "[{\"name\":\"Ann\",\"speakerId\":\"s1\",\"affiliation\":\"Internal\"}]"
#define PARTIES2 "[{\"name\":\"Ann B\",\"speakerId\":\"s1\",\"affiliation\":\"Internal\"}]"
#define CONTEXT3                                                                                   \
	"[{\"system\":\"HubSpot\",\"objects\":[{\"objectType\":\"Deal\",\"objectId\":\"D\"}]}]"

/* A cassette with every kind of answer that holds calls, blocks or transcripts. */
static void
family_cassette(char *text, size_t cap)
{
	cassettes_add_line(text, cap, "[]", "", 200,
	                   "{\"requestId\":\"r\",\"records\":{},\"calls\":[{\"id\":\"1\",\"title\":"
	                   "\"one\"," S0 "},{\"id\":\"2\",\"title\":\"two\"," S0 "}]}");
	/* A transcript answer before its call shows up, and one of a call never listed. */
	cassettes_add_body_line(
	    text, cap, "POST", "/v2/calls/transcript", "{\"filter\":{\"callIds\":[\"3\",\"99\"]}}",
	    200,
	    "{\"requestId\":\"r\",\"records\":{},\"callTranscripts\":[{\"callId\":"
	    "\"3\",\"transcript\":" TX("three") "},{\"callId\":\"99\","
	                                        "\"transcript\":[]}]}");
	cassettes_add_body_line(
	    text, cap, "POST", "/v2/calls/extensive", "{\"filter\":{}}", 200,
	    "{\"requestId\":\"r\",\"records\":{},\"calls\":["
	    "{\"metaData\":{\"id\":\"1\",\"title\":\"one v2\"," S0 "},\"parties\":" PARTIES1
	    ",\"content\":{\"brief\":\"b\"},\"media\":{\"audioUrl\":\"https://media/1\","
	    "\"videoUrl\":null}},"
	    "{\"metaData\":{\"id\":\"3\",\"title\":\"three\"," S0 "},\"context\":" CONTEXT3
	    ",\"interaction\":{\"speakers\":[{\"id\":\"s1\",\"talkTime\":1}]}}]}");
	/* The same call again with other fields: blocks merge, the newest metaData wins. */
	cassettes_add_body_line(
	    text, cap, "POST", "/v2/calls/extensive", "{\"filter\":{\"callIds\":[\"1\"]}}", 200,
	    "{\"requestId\":\"r\",\"records\":{},\"calls\":[{\"metaData\":{\"id\":\"1\",\"title\":"
	    "\"one v3\"," S0 "},\"parties\":" PARTIES2 ",\"content\":{\"topics\":[{\"name\":\"T\","
	    "\"duration\":5}]}}]}");
	cassettes_add_body_line(
	    text, cap, "GET", "/v2/calls/2", NULL, 200,
	    "{\"requestId\":\"r\",\"call\":{\"id\":\"2\",\"title\":\"two v2\"," S0 "}}");
	/* Answers other than 200 hold nothing. */
	cassettes_add_body_line(text, cap, "POST", "/v2/calls/extensive", "{\"filter\":{}}", 429,
	                        "{\"calls\":[{\"metaData\":{\"id\":\"429\"," S0 "}}]}");
	cassettes_add_body_line(text, cap, "POST", "/v2/calls/transcript", "{\"filter\":{}}", 500,
	                        "{\"callTranscripts\":[{\"callId\":\"1\",\"transcript\":[]}]}");
	cassettes_add_body_line(
	    text, cap, "POST", "/v2/calls/transcript", "{\"filter\":{}}", 200,
	    "{\"requestId\":\"r\",\"records\":{},\"callTranscripts\":[{\"callId\":"
	    "\"1\",\"transcript\":" TX("one") "},{\"callId\":\"3\",\"transcript\":" TX(
	        "three again") "}]}");
}

static const char family_expected[] =
    "[{\"metaData\":{\"id\":\"1\",\"title\":\"one v3\"," S0 "},\"parties\":" PARTIES2
    ",\"content\":{\"brief\":\"b\",\"topics\":[{\"name\":\"T\",\"duration\":5}]},"
    "\"transcript\":" TX("one") "},"
                                "{\"metaData\":{\"id\":\"2\",\"title\":\"two v2\"," S0 "}},"
                                "{\"metaData\":{\"id\":\"3\",\"title\":\"three\"," S0
                                "},\"context\":" CONTEXT3
                                ",\"interaction\":{\"speakers\":[{\"id\":\"s1\",\"talkTime\":1}]},"
                                "\"transcript\":" TX("three again") "}]";

/* Part p of call `id` in s as a string ("" when none); the caller frees it. */
static char *
part_of(const struct store *s, const char *id, enum blocks_part p)
{
	uint64_t hi, lo;
	const struct store_call *c;
	const struct blocks *b;

	store_id_split(id, strlen(id), &hi, &lo);
	c = store_find(s, hi, lo);
	ck_assert_msg(c != NULL, "no call %s", id);
	b = store_blocks(s, c);
	if (b == NULL || b->len[p] == 0)
		return strdup("");
	return strndup(store_block_text(s) + blocks_part_off(b, p), b->len[p]);
}

static void
assert_part(const struct store *s, const char *id, enum blocks_part p, const char *want)
{
	char *got = part_of(s, id, p);

	ck_assert_msg(strcmp(got, want) == 0, "call %s, %s\n  got  %s\n  want %s", id,
	              blocks_key(p), got, want);
	free(got);
}

START_TEST(test_extensive_and_transcript_answers)
{
	char path[64], text[16384] = "", err[256] = "", warn[512] = "x";
	char *json;
	size_t len = 0;
	json_t *got, *want;
	struct store *s;

	family_cassette(text, sizeof(text));
	cassettes_file(path, text);
	json = dataset_from_cassette(path, &len, warn, sizeof(warn), err, sizeof(err));
	ck_assert_msg(json != NULL, "%s", err);
	ck_assert_uint_eq(len, strlen(json));
	got = json_loads(json, 0, NULL);
	want = json_loads(family_expected, 0, NULL);
	ck_assert_ptr_nonnull(got);
	ck_assert_ptr_nonnull(want);
	ck_assert_msg(json_equal(got, want), "got\n  %s\nwant\n  %s", json, family_expected);
	/* Media links are made per request: a recorded one is never kept. */
	ck_assert_ptr_null(strstr(json, "media"));
	ck_assert_str_eq(warn, "1 transcript(s) of calls that no answer in the cassette lists were "
	                       "left out");
	json_decref(got);
	json_decref(want);

	/* What --fixtures makes of it: the calls, their blocks, their transcripts. */
	s = store_load_buffer(path, json, len, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(store_count(s), 3);
	assert_part(s, "1", BLOCKS_PARTIES, PARTIES2);
	assert_part(s, "1", BLOCKS_BRIEF, "\"b\"");
	assert_part(s, "1", BLOCKS_TOPICS, "[{\"name\":\"T\",\"duration\":5}]");
	assert_part(s, "1", BLOCKS_TRANSCRIPT, TX("one"));
	assert_part(s, "2", BLOCKS_PARTIES, "");
	assert_part(s, "2", BLOCKS_TRANSCRIPT, "");
	assert_part(s, "3", BLOCKS_CONTEXT_BASIC, CONTEXT3);
	assert_part(s, "3", BLOCKS_SPEAKERS, "[{\"id\":\"s1\",\"talkTime\":1}]");
	assert_part(s, "3", BLOCKS_TRANSCRIPT, TX("three again"));
	store_free(s);
	free(json);

	/* Transcripts alone are no calls to serve. */
	text[0] = '\0';
	cassettes_add_body_line(text, sizeof(text), "POST", "/v2/calls/transcript",
	                        "{\"filter\":{}}", 200,
	                        "{\"callTranscripts\":[{\"callId\":\"1\",\"transcript\":[]}]}");
	cassettes_write(path, text);
	ck_assert_ptr_null(dataset_from_cassette(path, &len, warn, sizeof(warn), err, sizeof(err)));
	ck_assert_str_eq(
	    err + strlen(path),
	    ": holds no 200 answer with calls (GET /v2/calls, GET /v2/calls/{id}, POST "
	    "/v2/calls/extensive), users or workspaces");

	/* A call of an extensive answer needs its metaData's id. */
	text[0] = '\0';
	cassettes_add_body_line(text, sizeof(text), "POST", "/v2/calls/extensive",
	                        "{\"filter\":{}}", 200,
	                        "{\"calls\":[{\"metaData\":{\"id\":\"1\"}},{\"parties\":[]}]}");
	cassettes_write(path, text);
	ck_assert_ptr_null(dataset_from_cassette(path, &len, warn, sizeof(warn), err, sizeof(err)));
	ck_assert_str_eq(err + strlen(path),
	                 ": line 1: call 1 of an answer is not a call with a string \"id\"");
	unlink(path);
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
	tcase_add_test(tc, test_extensive_and_transcript_answers);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(dataset_suite());
}
