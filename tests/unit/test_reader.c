/*
 * test_reader.c - reading fixture data: the three file formats and a lone call, directories
 * and the entries in them that are not files, lines longer than one read, where a syntax error
 * is placed, text jansson refuses, and the scanner and jansson agreeing on every call. Calls in
 * the extensive shape and transcripts on their own: the file and record every refusal names,
 * and the three formats giving the same calls and blocks.
 */
#include "reader.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "stores.h"

static char err[512];

/* ---- Text ---- */

START_TEST(test_file_errors)
{
	ck_assert_str_eq(stores_load_error("a.json", "42"),
	                 "a.json: expected an array of calls, a page object with \"calls\", or "
	                 "JSON Lines");
	ck_assert_str_eq(stores_load_error("a.json", "{\"calls\":{}}"),
	                 "a.json: call 0: id: must be a "
	                 "string of 1-20 digits");
	ck_assert_str_eq(stores_load_error("b.json", "[{\"id\":\"1\"," S0 "},\n {\"id\":\"2\",}]"),
	                 "b.json: not JSON: string or '}' expected near '}' at line 2 column 12");
	ck_assert_str_eq(stores_load_error("c.json", "[{\"id\":\"1\"," S0 "} {\"id\":\"2\"}]"),
	                 "c.json: not JSON: ',' or ']' expected at line 1 column 46");
	ck_assert_str_eq(stores_load_error("d.json", "[{\"id\":\"1\"," S0 "}"),
	                 "d.json: not JSON: ']' expected near end of file at line 1 column 45");
	ck_assert_str_eq(stores_load_error("e.json", "[{\"id\":\"1\"," S0 "}]\n x"),
	                 "e.json: not JSON: end of file expected at line 2 column 2");
	ck_assert_str_eq(
	    stores_load_error("f.jsonl", "{\"id\":\"1\"," S0 "}\n\n{\"id\":\"2\",\"x\": }\n"),
	    "f.jsonl: not JSON: unexpected token near '}' at line 3 column 16");
	ck_assert_str_eq(stores_load_error("g.json", "{\n \"calls\": [\n"),
	                 "g.json: not JSON: ']' expected near end of file at line 3 column 0");
	ck_assert_str_eq(
	    stores_load_error("h.json", "{\"id\":\"1\"," S0 ",\"id\":\"2\"}"),
	    "h.json: not JSON: duplicate object key near '\"id\"' at line 1 column 47");
	ck_assert_str_eq(
	    stores_load_error("i.jsonl", "{\"id\":\"1\"," S0 ",\"x\":1,\"x\":2}\n{}\n"),
	    "i.jsonl: not JSON: duplicate object key near '\"x\"' at line 1 column 52");
}
END_TEST

START_TEST(test_invalid_text_refused)
{
	/* What jansson refuses is refused, whichever parser reads the call first. */
	static const char *const bad[] = {
	    "\xe0\x80\x80",     /* overlong */
	    "\xed\xa0\x80",     /* a surrogate written as UTF-8 */
	    "\xf4\x90\x80\x80", /* above U+10FFFF */
	    "\xc3",             /* cut short */
	    "\xff",
	    "\x01",    /* a control character */
	    "\\ud800", /* a lone surrogate */
	    "\\udc00\\ud800",
	    "\\u0000",
	    "\\x",
	    "\\u12g4",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256];
		/* In an array and as the second of two lines: both read call by call. */
		snprintf(text, sizeof(text), "[{\"id\":\"1\"," S0 ",\"title\":\"a%sb\"}]", bad[i]);
		const char *msg = stores_load_error("x.json", text);
		ck_assert_msg(strncmp(msg, "x.json: not JSON: ", 18) == 0, "%zu: %s", i, msg);
		ck_assert_msg(strstr(msg, " at line 1 column ") != NULL, "%zu: %s", i, msg);
		snprintf(text, sizeof(text),
		         "{\"id\":\"1\"," S0 "}\n{\"id\":\"2\"," S0 ",\"title\":\"a%sb\"}\n",
		         bad[i]);
		msg = stores_load_error("x.jsonl", text);
		ck_assert_msg(strncmp(msg, "x.jsonl: not JSON: ", 19) == 0, "%zu: %s", i, msg);
		ck_assert_msg(strstr(msg, " at line 2 column ") != NULL, "%zu: %s", i, msg);
	}
	/* The largest code points and a surrogate pair are fine, raw or escaped. */
	struct store *s =
	    stores_load("{\"id\":\"1\"," S0 ",\"title\":\"\xf4\x8f\xbf\xbf \\udbff\\udfff "
	                "\xef\xbf\xbf \\ud83d\\ude00\"}");
	ck_assert_ptr_nonnull(strstr(stores_only(s)->json,
	                             "\"title\":\"\xf4\x8f\xbf\xbf \xf4\x8f\xbf\xbf \xef\xbf\xbf "
	                             "\xf0\x9f\x98\x80\""));
	store_free(s);
}
END_TEST

/* Renders text with one parser; returns the result, the bytes (or "") in *out. */
static enum reader_render_result
render_with(enum reader_parser parser, const char *text, char **out)
{
	size_t len;
	enum reader_render_result r =
	    reader_call_render(parser, text, strlen(text), out, &len, err, sizeof(err));
	if (r == READER_RENDER_OK)
		ck_assert_uint_eq(strlen(*out), len);
	else
		ck_assert_ptr_null(*out);
	return r;
}

START_TEST(test_call_render_parsers)
{
	char *fast, *slow;
	/* A flat call: both parsers, the same bytes, escapes and extra keys included. */
	const char *flat = "{\"id\":\"12\"," S0 ",\"title\":\"a\\u00e9\\n\\/\",\"n\":-0}";
	ck_assert_int_eq(render_with(READER_PARSER_FAST, flat, &fast), READER_RENDER_OK);
	ck_assert_int_eq(render_with(READER_PARSER_JANSSON, flat, &slow), READER_RENDER_OK);
	ck_assert_str_eq(fast, slow);
	ck_assert_str_eq(fast, "{\"id\":\"12\",\"url\":\"" URL "12\",\"title\":\"a\xc3\xa9\\n/\","
	                       "\"scheduled\":null," S0 "," TAIL_NULLS ",\"n\":0}");
	free(fast);
	free(slow);

	/* Nested values, fractions and long integers are jansson's. */
	const char *const passed[] = {
	    "{\"id\":\"1\"," S0 ",\"x\":[1]}",
	    "{\"id\":\"1\"," S0 ",\"x\":1.5}",
	    "{\"id\":\"1\"," S0 ",\"x\":1234567890123456789}",
	    "{\"id\":\"1\"," S0 ",\"id\":\"2\"}",
	    "[]",
	};
	for (size_t i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
		ck_assert_int_eq(render_with(READER_PARSER_FAST, passed[i], &fast),
		                 READER_RENDER_PASSED);
	ck_assert_int_eq(render_with(READER_PARSER_JANSSON, passed[2], &slow), READER_RENDER_OK);
	ck_assert_ptr_nonnull(strstr(slow, ",\"x\":1234567890123456789}"));
	free(slow);

	/* A call both read but the contract refuses: the same message. */
	ck_assert_int_eq(render_with(READER_PARSER_FAST, "{\"id\":\"1\"}", &fast),
	                 READER_RENDER_REFUSED);
	ck_assert_str_eq(err,
	                 "call: call 0: started: must be an ISO-8601 date-time with an offset");
	ck_assert_int_eq(render_with(READER_PARSER_JANSSON, "{\"id\":\"1\"}", &slow),
	                 READER_RENDER_REFUSED);
	ck_assert_str_eq(err,
	                 "call: call 0: started: must be an ISO-8601 date-time with an offset");
	ck_assert_int_eq(render_with(READER_PARSER_JANSSON, "{\"id\":", &slow),
	                 READER_RENDER_REFUSED);
	ck_assert_msg(strncmp(err, "call: not JSON: ", 16) == 0, "%s", err);
}
END_TEST

/* ---- Formats and directories ---- */

static const char *const THREE[] = {
    "{\"id\":\"3\",\"started\":\"2025-01-03T00:00:00Z\",\"title\":\"c\"}",
    "{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\",\"title\":\"a\"}",
    "{\"id\":\"2\",\"started\":\"2025-01-02T00:00:00+00:00\",\"title\":\"b\\u00e9\"}",
};

START_TEST(test_three_formats_agree)
{
	char array[1024], page[1024], lines[1024];
	snprintf(array, sizeof(array), "\n [ %s ,\n%s,%s\n]\n", THREE[0], THREE[1], THREE[2]);
	snprintf(
	    page, sizeof(page),
	    "{\n  \"requestId\": \"4al018gzaztcr8nbukw\",\n  \"records\": {\"totalRecords\": 3},"
	    "\n  \"calls\": [\n    %s,\n    %s,\n    %s\n  ]\n}\n",
	    THREE[0], THREE[1], THREE[2]);
	snprintf(lines, sizeof(lines), "%s\r\n\n   \n%s\r\n%s", THREE[0], THREE[1], THREE[2]);
	struct store *a = stores_load(array), *p = stores_load(page), *l = stores_load(lines);
	char *ta = stores_text(a), *tp = stores_text(p), *tl = stores_text(l);
	ck_assert_uint_eq(store_count(a), 3);
	ck_assert_str_eq(ta, tp);
	ck_assert_str_eq(ta, tl);
	ck_assert_msg(strncmp(ta, "{\"id\":\"1\"", 9) == 0, "first call is id 1: %s", ta);
	free(ta);
	free(tp);
	free(tl);
	store_free(a);
	store_free(p);
	store_free(l);
}
END_TEST

START_TEST(test_single_object_and_empty)
{
	/* One pretty-printed call object is a dataset of one call. */
	struct store *s =
	    stores_load("{\n  \"id\": \"7\",\n  \"started\": \"2025-01-01T00:00:00Z\"\n}\n");
	ck_assert_str_eq(stores_id(stores_only(s)), "7");
	store_free(s);

	const char *empty[] = {"",
	                       "  \n\n",
	                       "[]",
	                       " [ ] ",
	                       "{\"calls\":[]}",
	                       "{\"requestId\":\"x\",\"calls\":[]}\n",
	                       "\xef\xbb\xbf[]"};
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		struct filter f = {0};
		const struct store_call *one[1];
		struct store_page page = {.calls = one};
		int64_t first = 1, last = 1;
		s = stores_load(empty[i]);
		ck_assert_uint_eq(store_count(s), 0);
		ck_assert_uint_eq(store_workspace_count(s), 0);
		store_date_span(s, &first, &last);
		ck_assert_int_eq(first, 0);
		ck_assert_int_eq(last, 0);
		store_query(s, &f, NULL, 1, &page);
		ck_assert_uint_eq(page.total, 0);
		ck_assert_uint_eq(page.count, 0);
		ck_assert_uint_eq(page.remaining, 0);
		store_free(s);
	}
}
END_TEST

static char tmpdir[64];

static void
write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
}

static void
make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_reader.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
remove_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_directory)
{
	char path[256];
	make_tmpdir();
	/* Name order: a.json, b.jsonl, c.json; the rest (a subdirectory too) is not read. */
	write_file("b.jsonl",
	           "{\"id\":\"1\",\"started\":\"2025-01-05T00:00:00Z\",\"title\":\"b\"}\n"
	           "{\"id\":\"20\"," S0 ",\"title\":\"b\"}\n");
	write_file("a.json", "[{\"id\":\"1\"," S0 ",\"title\":\"a\"},{\"id\":\"10\"," S0 "}]");
	write_file("c.json", "{\"calls\":[{\"id\":\"30\"," S0 "}]}");
	write_file("notes.txt", "not json");
	write_file("broken.json.bak", "[");
	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);

	struct store *s = store_load(tmpdir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	size_t n;
	const struct store_call **calls = stores_all(s, &n);
	ck_assert_uint_eq(n, 4);
	/* Id 1 came last from b.jsonl, with its later date. */
	ck_assert_str_eq(stores_id(calls[0]), "10");
	ck_assert_str_eq(stores_id(calls[1]), "20");
	ck_assert_str_eq(stores_id(calls[2]), "30");
	ck_assert_str_eq(stores_id(calls[3]), "1");
	ck_assert_msg(strstr(calls[3]->json, "\"title\":\"b\"") != NULL, "%.*s",
	              (int)calls[3]->json_len, calls[3]->json);
	free(calls);
	store_free(s);

	/* A bad file is named with its directory. */
	write_file("d.json", "[{\"id\":\"x\"," S0 "}]");
	ck_assert_ptr_null(store_load(tmpdir, err, sizeof(err)));
	char expected[256];
	snprintf(expected, sizeof(expected),
	         "%s/d.json: call 0: id: must be a string of 1-20 digits", tmpdir);
	ck_assert_str_eq(err, expected);
	remove_tmpdir();

	make_tmpdir();
	write_file("notes.txt", "[]");
	ck_assert_ptr_null(store_load(tmpdir, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "%s: no .json or .jsonl files", tmpdir);
	ck_assert_str_eq(err, expected);
	remove_tmpdir();

	ck_assert_ptr_null(store_load("/nonexistent/calls.json", err, sizeof(err)));
	ck_assert_str_eq(err, "/nonexistent/calls.json: cannot read: No such file or directory");
}
END_TEST

/* Loads tmpdir, which must fail with "TMPDIR/name: reason". */
static void
assert_dir_error(const char *name, const char *reason)
{
	char expected[512];
	ck_assert_ptr_null(store_load(tmpdir, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "%s/%s: %s", tmpdir, name, reason);
	ck_assert_str_eq(err, expected);
}

/* Removes tmpdir/name (a file, a link or a FIFO) or, with dir, the empty directory. */
static void
remove_entry(const char *name, int dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	ck_assert_int_eq(dir ? rmdir(path) : unlink(path), 0);
}

START_TEST(test_directory_entries_not_files)
{
	char path[256], direct[512];
	make_tmpdir();
	/* A good file first in name order: it is read, and the bad one still stops the load. */
	write_file("a.json", "[{\"id\":\"1\"," S0 "}]");

	/* A loop of links: the message the same path gets on its own. */
	snprintf(path, sizeof(path), "%s/loop.json", tmpdir);
	ck_assert_int_eq(symlink("loop.json", path), 0);
	assert_dir_error("loop.json", "cannot read: Too many levels of symbolic links");
	ck_assert_ptr_null(store_load(path, direct, sizeof(direct)));
	ck_assert_str_eq(direct, err);
	remove_entry("loop.json", 0);

	/* A dangling link, the same. */
	snprintf(path, sizeof(path), "%s/gone.jsonl", tmpdir);
	ck_assert_int_eq(symlink("missing.jsonl", path), 0);
	assert_dir_error("gone.jsonl", "cannot read: No such file or directory");
	ck_assert_ptr_null(store_load(path, direct, sizeof(direct)));
	ck_assert_str_eq(direct, err);
	remove_entry("gone.jsonl", 0);

	/* A FIFO is refused without being opened (opening it would wait for a writer). */
	snprintf(path, sizeof(path), "%s/pipe.json", tmpdir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	assert_dir_error("pipe.json", "cannot read: not a regular file");
	remove_entry("pipe.json", 0);

	/* A directory named like a file, what reading it would say. */
	snprintf(path, sizeof(path), "%s/sub.json", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	assert_dir_error("sub.json", "cannot read: Is a directory");
	remove_entry("sub.json", 1);

	/* The bad entry comes first in name order: it is named before the good file is read. */
	snprintf(path, sizeof(path), "%s/0.json", tmpdir);
	ck_assert_int_eq(symlink("nowhere", path), 0);
	assert_dir_error("0.json", "cannot read: No such file or directory");
	remove_entry("0.json", 0);

	/* A link to a regular file is a file; with the bad entries gone, the good files load. */
	snprintf(path, sizeof(path), "%s/b.json", tmpdir);
	ck_assert_int_eq(symlink("c.data", path), 0);
	write_file("c.data", "{\"id\":\"2\"," S0 "}\n");
	struct store *s = store_load(tmpdir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	size_t n;
	const struct store_call **calls = stores_all(s, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(stores_id(calls[0]), "1");
	ck_assert_str_eq(stores_id(calls[1]), "2");
	free(calls);
	store_free(s);
	remove_tmpdir();
}
END_TEST

START_TEST(test_file_with_long_lines)
{
	/* Lines far longer than one read of the file, in both streamed formats. */
	size_t big = 3u << 20;
	char *text = malloc(2 * big + 512);
	ck_assert_ptr_nonnull(text);
	make_tmpdir();
	for (int fmt = 0; fmt < 2; fmt++) {
		char *w = text;
		w += sprintf(w, "%s", fmt ? "[" : "");
		for (int k = 0; k < 2; k++) {
			w += sprintf(w, "%s{\"id\":\"%d\"," S0 ",\"title\":\"",
			             k ? fmt ? "," : "\n" : "", k + 1);
			memset(w, k ? 'y' : 'x', big);
			w += big;
			w += sprintf(w, "\"}");
		}
		w += sprintf(w, "%s", fmt ? "]" : "\n");
		write_file("long.json", text);
		char path[256];
		snprintf(path, sizeof(path), "%s/long.json", tmpdir);
		struct store *s = store_load(path, err, sizeof(err));
		ck_assert_msg(s != NULL, "%s", err);
		size_t n;
		const struct store_call **calls = stores_all(s, &n);
		ck_assert_uint_eq(n, 2);
		ck_assert_uint_eq(calls[1]->json_len, calls[0]->json_len);
		ck_assert_uint_gt(calls[0]->json_len, big);
		ck_assert_ptr_nonnull(memchr(calls[1]->json, 'y', calls[1]->json_len));
		free(calls);
		store_free(s);
	}
	remove_tmpdir();
	free(text);
}
END_TEST

/* ---- The extensive shape and transcripts ---- */

#define EXT(id, blocks) "{\"metaData\":{\"id\":\"" id "\"," S0 "}" blocks "}"

START_TEST(test_extensive_errors)
{
	ck_assert_str_eq(
	    stores_load_error("x.json",
	                      "[{\"id\":\"1\"," S0
	                      "},\n" EXT("2", ",\"parties\":[{\"affiliation\":\"Partner\"}]") "]"),
	    "x.json: call 1: parties[0].affiliation: must be one of Internal, External, Unknown");
	/* A metaData that is no object makes no extensive call: the record is a basic call,
	 * refused for its id, whichever parser reads it. */
	ck_assert_str_eq(stores_load_error("x.json", "[{\"metaData\":[1],\"parties\":[]}]"),
	                 "x.json: call 0: id: must be a string of 1-20 digits");
	ck_assert_str_eq(stores_load_error("x.json", "[{\"metaData\":{" S0 "},\"parties\":[]}]"),
	                 "x.json: call 0: id: must be a string of 1-20 digits");
	ck_assert_str_eq(stores_load_error(
	                     "one.json", "{\"metaData\":{\"id\":\"1\",\"started\":\"yesterday\"}}"),
	                 "one.json: call 0: started: must be an ISO-8601 date-time with an offset");
	ck_assert_str_eq(
	    stores_load_error(
	        "x.jsonl",
	        EXT("1", ",\"content\":{}") "\n"
	                                    "\n" EXT("2", ",\"content\":{\"brief\":1}") "\n"),
	    "x.jsonl: call 1: content.brief: must be a string or null");
	ck_assert_str_eq(
	    stores_load_error(
	        "p.json", "{\"requestId\":\"r\",\"records\":{\"totalRecords\":2},\"calls\":[" EXT(
	                      "1", "") "," EXT("2", ",\"transcript\":[{\"sentences\":[{\"start\":"
	                                            "5,\"end\":1,\"text\":\"\"}]}]") "]}"),
	    "p.json: call 1: transcript[0].sentences[0].end: must be an integer no less than "
	    "start");
	ck_assert_str_eq(
	    stores_load_error("c.json", "[" EXT("1", ",\"context\":[{\"objects\":[{\"timing\":"
	                                             "\"Later\"}]}]") "]"),
	    "c.json: call 0: context[0].objects[0].timing: must be Now or TimeOfCall");
	/* Transcripts on their own. */
	ck_assert_str_eq(stores_load_error(
	                     "t.json", "{\"callTranscripts\":[{\"callId\":\"1\",\"transcript\":[]},"
	                               "{\"callId\":\"x\",\"transcript\":[]}]}"),
	                 "t.json: transcript 1: callId: must be a string of 1-20 digits");
	ck_assert_str_eq(
	    stores_load_error("t.json", "{\"callTranscripts\":[{\"callId\":1,\"transcript\":[]}]}"),
	    "t.json: transcript 0: callId: must be a string of 1-20 digits");
	ck_assert_str_eq(stores_load_error("t.json", "{\"callTranscripts\":[{\"callId\":\"1\"}]}"),
	                 "t.json: transcript 0: transcript: is required");
	ck_assert_str_eq(stores_load_error("t.json", "{\"callTranscripts\":[5]}"),
	                 "t.json: transcript 0: must be an object");
	ck_assert_str_eq(
	    stores_load_error("t.json",
	                      "{\"callTranscripts\":[{\"callId\":\"1\",\"transcript\":{}}]}"),
	    "t.json: transcript 0: transcript: must be an array");
	ck_assert_str_eq(
	    stores_load_error("t.jsonl",
	                      "{\"callId\":\"1\",\"transcript\":[]}\n"
	                      "{\"callId\":\"2\",\"transcript\":[{\"sentences\":[{\"start\":1.5,"
	                      "\"end\":2,\"text\":\"\"}]}]}\n"),
	    "t.jsonl: transcript 1: transcript[0].sentences[0].start: must be an integer of "
	    "milliseconds, no less than 0");
}
END_TEST

#define EXT_A                                                                                      \
	"{\"metaData\":{\"id\":\"3\",\"started\":\"2025-01-03T00:00:00Z\",\"title\":\"c\"},"       \
	"\"parties\":[{\"name\":\"P3\"}],\"transcript\":[{\"speakerId\":null,\"sentences\":[]}]}"
#define EXT_B                                                                                      \
	"{\"metaData\":{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\",\"title\":\"a\"},"       \
	"\"content\":{\"brief\":\"b1\",\"trackers\":[{\"id\":\"t\",\"occurrences\":[]}]},"         \
	"\"context\":[{\"system\":\"HubSpot\",\"objects\":[{\"objectType\":\"Deal\",\"objectId\":" \
	"\"D\",\"timing\":\"TimeOfCall\"}]}]}"
#define EXT_C "{\"id\":\"2\",\"started\":\"2025-01-02T00:00:00+00:00\",\"title\":\"b\"}"

/* Every part of every call of two stores is the same. */
static void
assert_same_blocks(const struct store *a, const struct store *b)
{
	size_t na, nb;
	const struct store_call **ca = stores_all(a, &na), **cb = stores_all(b, &nb);

	ck_assert_uint_eq(na, nb);
	for (size_t i = 0; i < na; i++) {
		const struct blocks *x = store_blocks(a, ca[i]), *y = store_blocks(b, cb[i]);

		ck_assert_int_eq(x == NULL, y == NULL);
		for (int p = 0; x != NULL && p < BLOCKS_COUNT; p++) {
			ck_assert_uint_eq(x->len[p], y->len[p]);
			ck_assert_int_eq(
			    memcmp(store_block_text(a) + blocks_part_off(x, (enum blocks_part)p),
			           store_block_text(b) + blocks_part_off(y, (enum blocks_part)p),
			           x->len[p]),
			    0);
		}
	}
	free(ca);
	free(cb);
}

START_TEST(test_extensive_formats_agree)
{
	static const char array[] = "[\n" EXT_A ",\n" EXT_B ",\n" EXT_C "\n]";
	static const char page[] =
	    "{\"requestId\":\"r\",\"records\":{\"totalRecords\":3,"
	    "\"currentPageSize\":3,\"currentPageNumber\":0},\"calls\":[\n" EXT_A ",\n" EXT_B
	    ",\n" EXT_C "\n]}";
	static const char lines[] = EXT_A "\n" EXT_B "\r\n\n" EXT_C "\n";
	struct store *a = stores_load(array), *p = stores_load(page), *l = stores_load(lines);
	char *ta = stores_text(a), *tp = stores_text(p), *tl = stores_text(l);
	const struct store_call **calls;
	size_t n;

	ck_assert_uint_eq(store_count(a), 3);
	ck_assert_str_eq(ta, tp);
	ck_assert_str_eq(ta, tl);
	/* The metaData is the call, as GET /v2/calls serves it. */
	ck_assert_int_eq(strncmp(ta, "{\"id\":\"1\",\"url\":", 16), 0);
	ck_assert_ptr_null(strstr(ta, "metaData"));
	ck_assert_ptr_null(strstr(ta, "parties"));
	assert_same_blocks(a, p);
	assert_same_blocks(a, l);
	calls = stores_all(a, &n);
	ck_assert_ptr_nonnull(store_blocks(a, calls[0]));
	ck_assert_ptr_null(store_blocks(a, calls[1]));
	ck_assert_ptr_nonnull(store_blocks(a, calls[2]));
	ck_assert_uint_eq(store_blocks(a, calls[0])->len[BLOCKS_BRIEF], 4);
	ck_assert_uint_eq(store_blocks(a, calls[2])->len[BLOCKS_PARTIES],
	                  strlen("[{\"name\":\"P3\"}]"));
	free(calls);
	free(ta);
	free(tp);
	free(tl);
	store_free(a);
	store_free(p);
	store_free(l);
}
END_TEST

START_TEST(test_extensive_call_render)
{
	static const char ext[] = EXT("1", ",\"parties\":[]");
	static const char bad[] = EXT("1", ",\"parties\":{}");
	static const char basic[] = "{\"id\":\"1\"," S0 "}";
	char *out = NULL, *want = NULL, why[256];
	size_t len, wlen;

	/* The scanner leaves nested objects to jansson; jansson renders the metaData. */
	ck_assert_int_eq(
	    reader_call_render(READER_PARSER_FAST, ext, strlen(ext), &out, &len, why, sizeof(why)),
	    READER_RENDER_PASSED);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(reader_call_render(READER_PARSER_JANSSON, ext, strlen(ext), &out, &len,
	                                    why, sizeof(why)),
	                 READER_RENDER_OK);
	ck_assert_int_eq(reader_call_render(READER_PARSER_JANSSON, basic, strlen(basic), &want,
	                                    &wlen, why, sizeof(why)),
	                 READER_RENDER_OK);
	ck_assert_str_eq(out, want);
	ck_assert_uint_eq(len, wlen);
	free(out);
	free(want);
	ck_assert_int_eq(reader_call_render(READER_PARSER_JANSSON, bad, strlen(bad), &out, &len,
	                                    why, sizeof(why)),
	                 READER_RENDER_REFUSED);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(why, "call: call 0: parties: must be an array");
}
END_TEST

/* ---- Transcript records and duplicate keys ---- */

START_TEST(test_transcript_record_in_call_render)
{
	/*
	 * A transcript record handed to reader_call_render (the fuzzer hands it whatever a
	 * fixture line holds) is no call: it must be refused with a message, not crash.
	 */
	static const char tx[] = "{\"callId\":\"1\",\"transcript\":[]}";
	char *out = NULL, why[256] = "";
	size_t len = 0;

	ck_assert_int_eq(
	    reader_call_render(READER_PARSER_JANSSON, tx, strlen(tx), &out, &len, why, sizeof(why)),
	    READER_RENDER_REFUSED);
	ck_assert_ptr_null(out);
	ck_assert_str_ne(why, "");
}
END_TEST

START_TEST(test_parsers_agree_on_a_null_transcript)
{
	/*
	 * Only a transcript's array marks a transcript record: {"callId":"1","transcript":null}
	 * is a call without an id, for the scanner and for jansson alike, in every format.
	 */
	static const char rec[] = "{\"callId\":\"1\",\"transcript\":null}";
	char *a = NULL, *b = NULL, wa[256] = "", wb[256] = "";
	size_t la, lb;
	enum reader_render_result ra, rb;

	ra = reader_call_render(READER_PARSER_FAST, rec, strlen(rec), &a, &la, wa, sizeof(wa));
	rb = reader_call_render(READER_PARSER_JANSSON, rec, strlen(rec), &b, &lb, wb, sizeof(wb));
	ck_assert_int_eq(rb, READER_RENDER_REFUSED);
	if (ra != READER_RENDER_PASSED) {
		ck_assert_int_eq(ra, rb);
		ck_assert_str_eq(wa, wb);
	}
	ck_assert_str_eq(wb, "call: call 0: id: must be a string of 1-20 digits");
	free(a);
	free(b);
	ck_assert_str_eq(stores_load_error("a.jsonl", "{\"id\":\"1\"," S0 "}\n"
	                                              "{\"callId\":\"1\",\"transcript\":null}\n"),
	                 "a.jsonl: call 1: id: must be a string of 1-20 digits");
	ck_assert_str_eq(stores_load_error("c.json", "[{\"id\":\"1\"," S0 "},"
	                                             "{\"callId\":\"1\",\"transcript\":null}]"),
	                 "c.json: call 1: id: must be a string of 1-20 digits");
	/* In a transcript answer it can only be a transcript. */
	ck_assert_str_eq(stores_load_error("t.json", "{\"callTranscripts\":[{\"callId\":\"1\","
	                                             "\"transcript\":null}]}"),
	                 "t.json: transcript 0: transcript: must be an array");
}
END_TEST

START_TEST(test_duplicate_keys_in_an_extensive_call)
{
	/*
	 * A duplicate key is refused in every call a fixture holds, whatever its format: a page
	 * object's calls are (jansson reads them), so a JSON array's and JSON Lines' must be too,
	 * rather than one copy being served silently.
	 */
	static const char *const bodies[] = {
	    EXT("1", ",\"parties\":[{\"name\":\"A\"}],\"parties\":[{\"name\":\"B\"}]"),
	    "{\"metaData\":{\"id\":\"1\"," S0 "},\"metaData\":{\"id\":\"2\"," S0 "}}",
	    EXT("1", ",\"parties\":[{\"name\":\"A\",\"name\":\"B\"}]"),
	    EXT("1", ",\"content\":{\"brief\":\"a\",\"brief\":\"b\"}"),
	};
	char text[1024];

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		const char *msg;

		snprintf(text, sizeof(text), "{\"calls\":[%s]}", bodies[i]);
		msg = stores_load_error("p.json", text);
		ck_assert_msg(strncmp(msg, "p.json: not JSON: duplicate object key", 38) == 0, "%s",
		              msg);
		snprintf(text, sizeof(text), "[%s]", bodies[i]);
		msg = stores_load_error("a.json", text);
		ck_assert_msg(strncmp(msg, "a.json: not JSON: duplicate object key", 38) == 0,
		              "%s: %s", bodies[i], msg);
		snprintf(text, sizeof(text), "{\"id\":\"9\"," S0 "}\n%s\n", bodies[i]);
		msg = stores_load_error("l.jsonl", text);
		ck_assert_msg(strncmp(msg, "l.jsonl: not JSON: duplicate object key", 39) == 0,
		              "%s: %s", bodies[i], msg);
	}
}
END_TEST

static Suite *
reader_suite(void)
{
	Suite *s = suite_create("reader");
	TCase *tc = tcase_create("text");
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_invalid_text_refused);
	tcase_add_test(tc, test_call_render_parsers);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_three_formats_agree);
	tcase_add_test(tc, test_single_object_and_empty);
	tcase_add_test(tc, test_directory);
	tcase_add_test(tc, test_directory_entries_not_files);
	tcase_add_test(tc, test_file_with_long_lines);
	tcase_add_test(tc, test_extensive_errors);
	tcase_add_test(tc, test_extensive_formats_agree);
	tcase_add_test(tc, test_extensive_call_render);
	tcase_add_test(tc, test_transcript_record_in_call_render);
	tcase_add_test(tc, test_parsers_agree_on_a_null_transcript);
	suite_add_tcase(s, tc);

	/* Where the reader and its contract disagree. */
	tc = tcase_create("contract_gaps");
	tcase_add_test(tc, test_duplicate_keys_in_an_extensive_call);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(reader_suite());
}
