/*
 * test_store.c - the call store: the exact JSON each call is rendered to, every validation
 * message, the three file formats and directories, duplicate ids, the (date, id) order and the
 * web-conference date, date ranges, workspaces, `after` positions and full walks, the layout
 * of the rendered text, and the store slot under concurrent readers.
 */
#include "store.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isotime.h"

#define S0 "\"started\":\"2025-01-01T00:00:00Z\""
#define URL "https://us-49467.app.gong.io/call?id="

/* Nulls for the contract keys after `started`, up to and with calendarEventId. */
#define TAIL_NULLS                                                                                 \
	"\"duration\":null,\"primaryUserId\":null,\"direction\":null,\"system\":null,"             \
	"\"scope\":null,\"media\":null,\"language\":null,\"workspaceId\":null,"                    \
	"\"sdrDisposition\":null,\"clientUniqueId\":null,\"customData\":null,\"purpose\":null,"    \
	"\"meetingUrl\":null,\"isPrivate\":null,\"calendarEventId\":null"

static char err[512];

static struct store *
load(const char *text)
{
	struct store *s = store_load_buffer("calls.json", text, strlen(text), err, sizeof(err));
	ck_assert_msg(s != NULL, "load failed: %s", err);
	return s;
}

/* Loads text that must fail, and returns the message. */
static const char *
load_error(const char *name, const char *text)
{
	struct store *s = store_load_buffer(name, text, strlen(text), err, sizeof(err));
	ck_assert_msg(s == NULL, "loaded, but should fail: %s", text);
	return err;
}

/* Every call, in the store's order; the caller frees the array. */
static const struct store_call **
all_calls(const struct store *s, size_t *n)
{
	struct filter f = {0};
	struct store_page page;
	const struct store_call **calls = calloc(store_count(s) + 1, sizeof(*calls));
	ck_assert_ptr_nonnull(calls);
	page.calls = calls;
	store_query(s, &f, NULL, store_count(s) + 1, &page);
	ck_assert_uint_eq(page.count, store_count(s));
	*n = page.count;
	return calls;
}

static void
assert_json(const struct store_call *c, const char *expected)
{
	ck_assert_msg(c->json_len == strlen(expected) &&
	                  memcmp(c->json, expected, c->json_len) == 0,
	              "rendered\n  %.*s\nexpected\n  %s", (int)c->json_len, c->json, expected);
}

/* The one call of a store holding one call. */
static const struct store_call *
only_call(const struct store *s)
{
	static const struct store_call *one[1];
	struct filter f = {0};
	struct store_page page = {.calls = one};
	ck_assert_uint_eq(store_count(s), 1);
	store_query(s, &f, NULL, 1, &page);
	return one[0];
}

static const char *
id_of(const struct store_call *c)
{
	static char ids[8][STORE_ID_MAX + 1];
	static int next;
	char *out = ids[next++ % 8];
	store_id_format(c->id_hi, c->id_lo, out);
	return out;
}

static int64_t
at(const char *iso)
{
	int64_t us;
	ck_assert_int_eq(isotime_parse(iso, strlen(iso), ISOTIME_REQUIRE_OFFSET, &us), 0);
	return us;
}

/* ---- Rendering ---- */

START_TEST(test_render_exact)
{
	struct store *s = load("[{\"title\":\"Say \\\"hi\\\" \\u00e9\\ud83d\\ude00 tab\\t nl\\n "
	                       "ctl\\u0001 sl\\/\",\"started\":\"2025-03-01T10:00:00.250-07:00\","
	                       "\"id\":\"42\",\"zeta\":-7,\"alpha\":\"x\",\"duration\":60,"
	                       "\"isPrivate\":true,\"language\":\"eng\",\"workspaceId\":\"9\"}]");
	assert_json(
	    only_call(s),
	    "{\"id\":\"42\",\"url\":\"" URL "42\",\"title\":\"Say \\\"hi\\\" é😀 tab\\t "
	    "nl\\n ctl\\u0001 sl/\",\"scheduled\":null,\"started\":\"2025-03-01T10:00:00.250-"
	    "07:00\",\"duration\":60,\"primaryUserId\":null,\"direction\":null,\"system\":"
	    "null,\"scope\":null,\"media\":null,\"language\":\"eng\",\"workspaceId\":\"9\","
	    "\"sdrDisposition\":null,\"clientUniqueId\":null,\"customData\":null,\"purpose\":"
	    "null,\"meetingUrl\":null,\"isPrivate\":true,\"calendarEventId\":null,\"zeta\":-7,"
	    "\"alpha\":\"x\"}");
	store_free(s);
}
END_TEST

START_TEST(test_render_full_call_unchanged)
{
	/* A call already in the contract's shape comes out byte for byte as it went in. */
	const char *call =
	    "{\"id\":\"7782342274025937895\",\"url\":\"https://app.gong.io/call?id=1\","
	    "\"title\":\"Acme Corp <> Gong - Discovery Call\",\"scheduled\":\"2025-02-03T09:30:00"
	    "-07:00\",\"started\":\"2025-02-03T09:32:10-07:00\",\"duration\":1810,"
	    "\"primaryUserId\":\"234599484848423\",\"direction\":\"Conference\",\"system\":"
	    "\"Zoom\",\"scope\":\"External\",\"media\":\"Video\",\"language\":\"eng\","
	    "\"workspaceId\":\"623457276584334\",\"sdrDisposition\":\"Got the gatekeeper\","
	    "\"clientUniqueId\":\"7JEHFRGXDDZFEW2FC4U\",\"customData\":\"Conference Call\","
	    "\"purpose\":\"Demo Call\",\"meetingUrl\":\"https://zoom.us/j/123\",\"isPrivate\":"
	    "false,\"calendarEventId\":\"abcde@google.com\"}";
	char array[1024];
	snprintf(array, sizeof(array), "[%s]", call);
	struct store *s = load(call), *a = load(array);
	assert_json(only_call(s), call);
	assert_json(only_call(a), call);
	store_free(s);
	store_free(a);
}
END_TEST

START_TEST(test_render_nested_extras_and_nulls)
{
	/*
	 * Nested values and reals are read by jansson, the flat call (in an array) by the
	 * store's own parser: the two must render the contract keys alike.
	 */
	struct store *flat = load("[{\"id\":\"5\"," S0 ",\"title\":\"\\u00fcber \\\"x\\\"\","
	                          "\"url\":null,\"duration\":null}]");
	struct store *nested =
	    load("[{\"id\":\"5\"," S0 ",\"title\":\"\\u00fcber \\\"x\\\"\","
	         "\"url\":null,\"duration\":null,\"parties\":{\"b\":[1, 2.5, "
	         "true,null,\"q\\\"\"], \"a\":{}},\"score\":1.0,\"big\":1e300}]");
	const char *contract = "{\"id\":\"5\",\"url\":null,\"title\":\"über \\\"x\\\"\","
	                       "\"scheduled\":null," S0 "," TAIL_NULLS;
	char expected[2048];
	snprintf(expected, sizeof(expected), "%s}", contract);
	assert_json(only_call(flat), expected);
	snprintf(expected, sizeof(expected),
	         "%s,\"parties\":{\"b\":[1,2.5,true,null,\"q\\\"\"],\"a\":{}},\"score\":1.0,"
	         "\"big\":1e+300}",
	         contract);
	assert_json(only_call(nested), expected);
	store_free(flat);
	store_free(nested);
}
END_TEST

START_TEST(test_render_url_from_id)
{
	struct store *s = load("[{\"id\":\"0042\"," S0 "}]");
	assert_json(only_call(s),
	            "{\"id\":\"0042\",\"url\":\"" URL "0042\",\"title\":null,\"scheduled\":null," S0
	            "," TAIL_NULLS "}");
	store_free(s);
}
END_TEST

/* ---- Validation ---- */

struct bad_case {
	const char *call;
	const char *reason;
};

static const struct bad_case BAD[] = {
    {"{\"id\":123," S0 "}", "id: must be a string of 1-20 digits"},
    {"{\"id\":\"\"," S0 "}", "id: must be a string of 1-20 digits"},
    {"{\"id\":\"123456789012345678901\"," S0 "}", "id: must be a string of 1-20 digits"},
    {"{\"id\":\"12a\"," S0 "}", "id: must be a string of 1-20 digits"},
    {"{" S0 "}", "id: must be a string of 1-20 digits"},
    {"{\"id\":\"1\"}", "started: must be an ISO-8601 date-time with an offset"},
    {"{\"id\":\"1\",\"started\":null}", "started: must be an ISO-8601 date-time with an offset"},
    {"{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00\"}",
     "started: must be an ISO-8601 date-time with an offset"},
    {"{\"id\":\"1\",\"started\":\"yesterday\"}",
     "started: must be an ISO-8601 date-time with an offset"},
    {"{\"id\":\"1\"," S0 ",\"scheduled\":\"2025-02-30T00:00:00Z\"}",
     "scheduled: must be an ISO-8601 date-time with an offset, or null"},
    {"{\"id\":\"1\"," S0 ",\"duration\":\"60\"}", "duration: must be an integer or null"},
    {"{\"id\":\"1\"," S0 ",\"duration\":1.5}", "duration: must be an integer or null"},
    {"{\"id\":\"1\"," S0 ",\"direction\":\"inbound\"}",
     "direction: must be one of Inbound, Outbound, Conference, Unknown"},
    {"{\"id\":\"1\"," S0 ",\"scope\":\"internal\"}",
     "scope: must be one of Internal, External, Unknown"},
    {"{\"id\":\"1\"," S0 ",\"media\":\"video\"}", "media: must be one of Video, Audio"},
    {"{\"id\":\"1\"," S0 ",\"language\":\"en\"}", "language: must be three lower-case letters"},
    {"{\"id\":\"1\"," S0 ",\"language\":\"ENG\"}", "language: must be three lower-case letters"},
    {"{\"id\":\"1\"," S0 ",\"workspaceId\":5}", "workspaceId: must be a string of 1-20 digits"},
    {"{\"id\":\"1\"," S0 ",\"primaryUserId\":\"u1\"}",
     "primaryUserId: must be a string of 1-20 digits"},
    {"{\"id\":\"1\"," S0 ",\"isPrivate\":\"false\"}", "isPrivate: must be a boolean or null"},
    {"{\"id\":\"1\"," S0 ",\"title\":5}", "title: must be a string or null"},
    {"{\"id\":\"1\"," S0 ",\"meetingUrl\":{}}", "meetingUrl: must be a string or null"},
    {"{\"id\":\"1\"," S0 ",\"calendarEventId\":[]}", "calendarEventId: must be a string or null"},
    {"[1]", "call must be a JSON object"},
    {"\"call\"", "call must be a JSON object"},
};

START_TEST(test_validation_messages)
{
	const struct bad_case *c = &BAD[_i];
	char text[512], expected[256];
	/* The bad call comes third, after two good ones, as JSON Lines and in an array. */
	snprintf(text, sizeof(text), "{\"id\":\"1\"," S0 "}\n\n{\"id\":\"2\"," S0 "}\n%s\n",
	         c->call);
	snprintf(expected, sizeof(expected), "day.jsonl: call 2: %s", c->reason);
	ck_assert_str_eq(load_error("day.jsonl", text), expected);

	snprintf(text, sizeof(text), "[{\"id\":\"1\"," S0 "},{\"id\":\"2\"," S0 "},%s]", c->call);
	snprintf(expected, sizeof(expected), "day.json: call 2: %s", c->reason);
	ck_assert_str_eq(load_error("day.json", text), expected);
}
END_TEST

START_TEST(test_nulls_accepted)
{
	struct store *s = load(
	    "{\"id\":\"1\"," S0 ",\"scheduled\":null,\"duration\":null,\"primaryUserId\":null,"
	    "\"direction\":null,\"scope\":null,\"media\":null,\"language\":null,\"workspaceId\":"
	    "null,\"isPrivate\":null,\"title\":null,\"meetingUrl\":null}");
	ck_assert_uint_eq(only_call(s)->workspace, STORE_NO_WORKSPACE);
	ck_assert_uint_eq(store_workspace_count(s), 0);
	store_free(s);
}
END_TEST

START_TEST(test_file_errors)
{
	ck_assert_str_eq(load_error("a.json", "42"),
	                 "a.json: expected an array of calls, a page object with \"calls\", or "
	                 "JSON Lines");
	ck_assert_str_eq(load_error("a.json", "{\"calls\":{}}"), "a.json: call 0: id: must be a "
	                                                         "string of 1-20 digits");
	ck_assert_str_eq(load_error("b.json", "[{\"id\":\"1\"," S0 "},\n {\"id\":\"2\",}]"),
	                 "b.json: not JSON: string or '}' expected near '}' at line 2 column 12");
	ck_assert_str_eq(load_error("c.json", "[{\"id\":\"1\"," S0 "} {\"id\":\"2\"}]"),
	                 "c.json: not JSON: ',' or ']' expected at line 1 column 46");
	ck_assert_str_eq(load_error("d.json", "[{\"id\":\"1\"," S0 "}"),
	                 "d.json: not JSON: ']' expected near end of file at line 1 column 45");
	ck_assert_str_eq(load_error("e.json", "[{\"id\":\"1\"," S0 "}]\n x"),
	                 "e.json: not JSON: end of file expected at line 2 column 2");
	ck_assert_str_eq(load_error("f.jsonl", "{\"id\":\"1\"," S0 "}\n\n{\"id\":\"2\",\"x\": }\n"),
	                 "f.jsonl: not JSON: unexpected token near '}' at line 3 column 16");
	ck_assert_str_eq(load_error("g.json", "{\n \"calls\": [\n"),
	                 "g.json: not JSON: ']' expected near end of file at line 3 column 0");
	ck_assert_str_eq(
	    load_error("h.json", "{\"id\":\"1\"," S0 ",\"id\":\"2\"}"),
	    "h.json: not JSON: duplicate object key near '\"id\"' at line 1 column 47");
	ck_assert_str_eq(
	    load_error("i.jsonl", "{\"id\":\"1\"," S0 ",\"x\":1,\"x\":2}\n{}\n"),
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
		const char *msg = load_error("x.json", text);
		ck_assert_msg(strncmp(msg, "x.json: not JSON: ", 18) == 0, "%zu: %s", i, msg);
		ck_assert_msg(strstr(msg, " at line 1 column ") != NULL, "%zu: %s", i, msg);
		snprintf(text, sizeof(text),
		         "{\"id\":\"1\"," S0 "}\n{\"id\":\"2\"," S0 ",\"title\":\"a%sb\"}\n",
		         bad[i]);
		msg = load_error("x.jsonl", text);
		ck_assert_msg(strncmp(msg, "x.jsonl: not JSON: ", 19) == 0, "%zu: %s", i, msg);
		ck_assert_msg(strstr(msg, " at line 2 column ") != NULL, "%zu: %s", i, msg);
	}
	/* The largest code points and a surrogate pair are fine, raw or escaped. */
	struct store *s = load("{\"id\":\"1\"," S0 ",\"title\":\"\xf4\x8f\xbf\xbf \\udbff\\udfff "
	                       "\xef\xbf\xbf \\ud83d\\ude00\"}");
	ck_assert_ptr_nonnull(strstr(only_call(s)->json,
	                             "\"title\":\"\xf4\x8f\xbf\xbf \xf4\x8f\xbf\xbf \xef\xbf\xbf "
	                             "\xf0\x9f\x98\x80\""));
	store_free(s);
}
END_TEST

/* ---- Formats, directories, duplicates ---- */

static const char *const THREE[] = {
    "{\"id\":\"3\",\"started\":\"2025-01-03T00:00:00Z\",\"title\":\"c\"}",
    "{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\",\"title\":\"a\"}",
    "{\"id\":\"2\",\"started\":\"2025-01-02T00:00:00+00:00\",\"title\":\"b\\u00e9\"}",
};

/* The arena of a store, as one string. */
static char *
arena_text(const struct store *s)
{
	size_t n;
	const struct store_call **calls = all_calls(s, &n);
	size_t len = n ? (size_t)(calls[n - 1]->json - calls[0]->json) + calls[n - 1]->json_len : 0;
	char *out = malloc(len + 1);
	ck_assert_ptr_nonnull(out);
	if (len)
		memcpy(out, calls[0]->json, len);
	out[len] = '\0';
	free(calls);
	return out;
}

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
	struct store *a = load(array), *p = load(page), *l = load(lines);
	char *ta = arena_text(a), *tp = arena_text(p), *tl = arena_text(l);
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
	struct store *s = load("{\n  \"id\": \"7\",\n  \"started\": \"2025-01-01T00:00:00Z\"\n}\n");
	ck_assert_str_eq(id_of(only_call(s)), "7");
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
		s = load(empty[i]);
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
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_store.XXXXXX");
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
	/* Name order: a.json, b.jsonl, c.json; the rest is not read. */
	write_file("b.jsonl",
	           "{\"id\":\"1\",\"started\":\"2025-01-05T00:00:00Z\",\"title\":\"b\"}\n"
	           "{\"id\":\"20\"," S0 ",\"title\":\"b\"}\n");
	write_file("a.json", "[{\"id\":\"1\"," S0 ",\"title\":\"a\"},{\"id\":\"10\"," S0 "}]");
	write_file("c.json", "{\"calls\":[{\"id\":\"30\"," S0 "}]}");
	write_file("notes.txt", "not json");
	write_file("broken.json.bak", "[");
	snprintf(path, sizeof(path), "%s/sub.json", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);

	struct store *s = store_load(tmpdir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	size_t n;
	const struct store_call **calls = all_calls(s, &n);
	ck_assert_uint_eq(n, 4);
	/* Id 1 came last from b.jsonl, with its later date. */
	ck_assert_str_eq(id_of(calls[0]), "10");
	ck_assert_str_eq(id_of(calls[1]), "20");
	ck_assert_str_eq(id_of(calls[2]), "30");
	ck_assert_str_eq(id_of(calls[3]), "1");
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
		const struct store_call **calls = all_calls(s, &n);
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

START_TEST(test_duplicates_keep_last)
{
	struct store *s =
	    load("{\"id\":\"5\",\"started\":\"2025-01-09T00:00:00Z\",\"title\":\"old\"}\n"
	         "{\"id\":\"6\"," S0 "}\n"
	         "{\"id\":\"0005\",\"started\":\"2024-12-31T00:00:00Z\",\"title\":"
	         "\"new\"}\n");
	size_t n;
	const struct store_call **calls = all_calls(s, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(id_of(calls[0]), "5");
	ck_assert_int_eq(calls[0]->date_us, at("2024-12-31T00:00:00Z"));
	ck_assert_msg(strstr(calls[0]->json, "\"title\":\"new\"") != NULL, "%.*s",
	              (int)calls[0]->json_len, calls[0]->json);
	/* Neighbours stay neighbours although the first call read was dropped. */
	ck_assert_ptr_eq(calls[0]->json + calls[0]->json_len + 1, calls[1]->json);
	free(calls);
	store_free(s);
}
END_TEST

/* ---- Order, dates and queries ---- */

START_TEST(test_order_numeric_ids)
{
	struct store *s = load("[{\"id\":\"99999999999999999999\"," S0 "},{\"id\":\"10\"," S0 "},"
	                       "{\"id\":\"10000000000000000000\"," S0 "},{\"id\":\"9\"," S0 "},"
	                       "{\"id\":\"9999999999999999999\"," S0 "},{\"id\":\"0\"," S0 "},"
	                       "{\"id\":\"1\",\"started\":\"2024-12-31T23:59:59.999999Z\"},"
	                       "{\"id\":\"2\",\"started\":\"2025-01-01T01:00:00+01:00\"}]");
	static const char *const order[] = {"1",
	                                    "0",
	                                    "2",
	                                    "9",
	                                    "10",
	                                    "9999999999999999999",
	                                    "10000000000000000000",
	                                    "99999999999999999999"};
	size_t n;
	const struct store_call **calls = all_calls(s, &n);
	ck_assert_uint_eq(n, 8);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(id_of(calls[i]), order[i]);
	int64_t first, last;
	store_date_span(s, &first, &last);
	ck_assert_int_eq(first, at("2024-12-31T23:59:59.999999Z"));
	ck_assert_int_eq(last, at("2025-01-01T00:00:00Z"));
	free(calls);
	store_free(s);
}
END_TEST

START_TEST(test_web_conference_date)
{
	/* started is 10:05; scheduled is 09:00. */
#define WC(id, extra)                                                                              \
	"{\"id\":\"" id "\",\"started\":\"2025-01-01T10:05:00Z\",\"scheduled\":"                   \
	"\"2025-01-01T02:00:00-07:00\"" extra "}\n"
	struct store *s = load(
	    WC("1", ",\"meetingUrl\":\"https://zoom.us/j/1\"") WC("2", "")
	        WC("3", ",\"meetingUrl\":\"\"") WC(
	            "4",
	            ",\"meetingUrl\":null") "{\"id\":\"5\",\"started\":\"2025-01-01T10:05:00Z\","
	                                    "\"scheduled\":null,\"meetingUrl\":\"https://x\"}\n");
#undef WC
	size_t n;
	const struct store_call **calls = all_calls(s, &n);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(id_of(calls[0]), "1");
	ck_assert_int_eq(calls[0]->date_us, at("2025-01-01T09:00:00Z"));
	for (size_t i = 1; i < n; i++)
		ck_assert_int_eq(calls[i]->date_us, at("2025-01-01T10:05:00Z"));
	free(calls);
	store_free(s);
}
END_TEST

/* Ten calls, an hour apart from 2025-01-01T00:00Z, in workspaces 111 and 222 by parity; one
 * more without a workspace at 10:00. */
static struct store *
hours(void)
{
	char text[4096], *w = text;
	w += sprintf(w, "[");
	for (int i = 0; i < 10; i++)
		w += sprintf(w,
		             "{\"id\":\"%d\",\"started\":\"2025-01-01T%02d:00:00Z\","
		             "\"workspaceId\":\"%s\"},",
		             100 + i, i, i % 2 ? "222" : "111");
	sprintf(w, "{\"id\":\"1\",\"started\":\"2025-01-01T10:00:00Z\"}]");
	return load(text);
}

static void
query(const struct store *s, const struct filter *f, const struct store_pos *after, size_t limit,
      struct store_page *page, const char *expect_ids, uint64_t total, uint64_t remaining)
{
	static const struct store_call *calls[64];
	char got[512] = "";
	page->calls = calls;
	store_query(s, f, after, limit, page);
	for (size_t i = 0; i < page->count; i++) {
		if (i)
			strcat(got, " ");
		strcat(got, id_of(page->calls[i]));
	}
	ck_assert_str_eq(got, expect_ids);
	ck_assert_uint_eq(page->total, total);
	ck_assert_uint_eq(page->remaining, remaining);
}

START_TEST(test_range_bounds)
{
	struct store *s = hours();
	struct store_page p;
	struct filter f = {.has_from = true, .has_to = true};
	ck_assert_uint_eq(store_workspace_count(s), 2);

	f.from_us = at("2025-01-01T02:00:00Z");
	f.to_us = at("2025-01-01T05:00:00Z");
	query(s, &f, NULL, 10, &p, "102 103 104", 3, 0);
	/* One microsecond either way moves each end by one call. */
	f.from_us += 1;
	f.to_us += 1;
	query(s, &f, NULL, 10, &p, "103 104 105", 3, 0);
	/* The same instants written with an offset. */
	f.from_us = at("2025-01-01T04:00:00+02:00");
	f.to_us = at("2025-01-01T00:00:00-05:00");
	query(s, &f, NULL, 10, &p, "102 103 104", 3, 0);
	/* Open ends. */
	f.has_to = false;
	query(s, &f, NULL, 3, &p, "102 103 104", 9, 6);
	f.has_from = false;
	f.has_to = true;
	query(s, &f, NULL, 10, &p, "100 101 102 103 104", 5, 0);
	/* Empty ranges: from == to, from after to, before and after all calls. */
	f.has_from = true;
	f.from_us = f.to_us;
	query(s, &f, NULL, 10, &p, "", 0, 0);
	f.from_us = f.to_us + 3600000000LL;
	query(s, &f, NULL, 10, &p, "", 0, 0);
	f.from_us = at("2026-01-01T00:00:00Z");
	f.to_us = at("2027-01-01T00:00:00Z");
	query(s, &f, NULL, 10, &p, "", 0, 0);
	f.from_us = at("2020-01-01T00:00:00Z");
	f.to_us = at("2025-01-01T00:00:00Z");
	query(s, &f, NULL, 10, &p, "", 0, 0);
	/* limit 0 takes nothing but counts. */
	f.has_from = f.has_to = false;
	query(s, &f, NULL, 0, &p, "", 11, 11);
	store_free(s);
}
END_TEST

START_TEST(test_workspace_filter)
{
	struct store *s = hours();
	struct store_page p;
	struct filter f = {.has_workspace = true};
	strcpy(f.workspace, "222");
	query(s, &f, NULL, 10, &p, "101 103 105 107 109", 5, 0);
	f.has_from = f.has_to = true;
	f.from_us = at("2025-01-01T03:00:00Z");
	f.to_us = at("2025-01-01T07:00:00Z");
	query(s, &f, NULL, 1, &p, "103", 2, 1);
	strcpy(f.workspace, "111");
	query(s, &f, NULL, 10, &p, "104 106", 2, 0);
	/* Workspaces match as written: neither an unknown one nor "0111" matches anything. */
	f.has_from = f.has_to = false;
	strcpy(f.workspace, "333");
	query(s, &f, NULL, 10, &p, "", 0, 0);
	strcpy(f.workspace, "0111");
	query(s, &f, NULL, 10, &p, "", 0, 0);
	strcpy(f.workspace, "11");
	query(s, &f, NULL, 10, &p, "", 0, 0);
	store_free(s);
}
END_TEST

START_TEST(test_after_positions)
{
	struct store *s = hours();
	struct store_page p;
	struct store_pos pos;
	struct filter f = {0};

	ck_assert_int_eq(store_pos_make(at("2025-01-01T03:00:00Z"), "103", &pos), 0);
	query(s, &f, &pos, 2, &p, "104 105", 11, 5);
	/* A call that is no longer there: the walk goes on at the next greater position. */
	ck_assert_int_eq(store_pos_make(at("2025-01-01T03:00:00Z"), "150", &pos), 0);
	query(s, &f, &pos, 2, &p, "104 105", 11, 5);
	ck_assert_int_eq(store_pos_make(at("2025-01-01T03:00:00Z"), "50", &pos), 0);
	query(s, &f, &pos, 2, &p, "103 104", 11, 6);
	ck_assert_int_eq(store_pos_make(at("2025-01-01T03:30:00Z"), "1", &pos), 0);
	query(s, &f, &pos, 2, &p, "104 105", 11, 5);
	/* After the last call of 09:00 comes id 1, dated 10:00. */
	ck_assert_int_eq(store_pos_make(at("2025-01-01T09:00:00Z"), "109", &pos), 0);
	query(s, &f, &pos, 5, &p, "1", 11, 0);
	/* After the last, and before the first. */
	ck_assert_int_eq(store_pos_make(at("2025-01-01T10:00:00Z"), "1", &pos), 0);
	query(s, &f, &pos, 5, &p, "", 11, 0);
	ck_assert_int_eq(store_pos_make(at("2024-01-01T00:00:00Z"), "999", &pos), 0);
	query(s, &f, &pos, 2, &p, "100 101", 11, 9);
	/* After a position outside the filter's range. */
	f.has_from = f.has_to = true;
	f.from_us = at("2025-01-01T05:00:00Z");
	f.to_us = at("2025-01-01T07:00:00Z");
	ck_assert_int_eq(store_pos_make(at("2025-01-01T01:00:00Z"), "101", &pos), 0);
	query(s, &f, &pos, 5, &p, "105 106", 2, 0);
	ck_assert_int_eq(store_pos_make(at("2025-01-01T08:00:00Z"), "1", &pos), 0);
	query(s, &f, &pos, 5, &p, "", 2, 0);
	/* Within a workspace. */
	f.has_from = f.has_to = false;
	f.has_workspace = true;
	strcpy(f.workspace, "111");
	ck_assert_int_eq(store_pos_make(at("2025-01-01T03:00:00Z"), "103", &pos), 0);
	query(s, &f, &pos, 2, &p, "104 106", 5, 1);
	store_free(s);
}
END_TEST

START_TEST(test_walk_every_call_once)
{
	/*
	 * 300 calls on 12 distinct dates, three workspaces, unique ids of 1-3, 11-13 and 18-20
	 * digits (base times 1, 10^10 or 10^17, base a permutation of 1-300).
	 */
	static const char *const scale[] = {"", "0000000000", "00000000000000000"};
	size_t cap = 300 * 160, len = 0;
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	for (unsigned i = 0; i < 300; i++) {
		len +=
		    (size_t)snprintf(text + len, cap - len,
		                     "{\"id\":\"%u%s\",\"started\":\"2025-01-%02uT%02u:00:00Z\","
		                     "\"workspaceId\":\"%u\"}\n",
		                     i * 7919 % 300 + 1, scale[i % 3], 1 + i % 3, i % 4, i / 3 % 3);
	}
	struct store *s = load(text);
	free(text);
	ck_assert_uint_eq(store_count(s), 300);

	static const char *const wss[] = {NULL, "0", "1", "2"};
	for (size_t w = 0; w < 4; w++) {
		for (size_t limit = 1; limit <= 13; limit += 4) {
			struct filter f = {.has_from = true, .has_to = true};
			f.from_us = at("2025-01-01T01:00:00Z");
			f.to_us = at("2025-01-03T02:00:00Z");
			if (wss[w]) {
				f.has_workspace = true;
				strcpy(f.workspace, wss[w]);
			}
			const struct store_call *calls[16], *prev = NULL;
			struct store_page p = {.calls = calls};
			struct store_pos pos;
			uint64_t seen = 0, total = 0;
			int first = 1;
			for (;;) {
				store_query(s, &f, first ? NULL : &pos, limit, &p);
				if (first)
					total = p.total;
				first = 0;
				ck_assert_uint_eq(p.total, total);
				ck_assert_uint_eq(p.remaining, total - seen - p.count);
				for (size_t i = 0; i < p.count; i++) {
					const struct store_call *c = p.calls[i];
					ck_assert_int_ge(c->date_us, f.from_us);
					ck_assert_int_lt(c->date_us, f.to_us);
					if (wss[w])
						ck_assert_uint_eq(c->workspace, w - 1);
					if (prev)
						ck_assert(prev < c);
					prev = c;
				}
				seen += p.count;
				if (p.count < limit) {
					ck_assert_uint_eq(p.remaining, 0);
					break;
				}
				const struct store_call *last = p.calls[p.count - 1];
				char id[STORE_ID_MAX + 1];
				store_id_format(last->id_hi, last->id_lo, id);
				ck_assert_int_eq(store_pos_make(last->date_us, id, &pos), 0);
			}
			ck_assert_uint_eq(seen, total);
			ck_assert_uint_gt(total, wss[w] ? 30 : 100);
		}
	}
	store_free(s);
}
END_TEST

START_TEST(test_arena_contiguous)
{
	struct store *s = hours();
	size_t n;
	const struct store_call **calls = all_calls(s, &n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(calls[i]->json[0], '{');
		ck_assert_int_eq(calls[i]->json[calls[i]->json_len - 1], '}');
		ck_assert_int_eq(calls[i]->json[calls[i]->json_len], ',');
		if (i + 1 < n)
			ck_assert_ptr_eq(calls[i]->json + calls[i]->json_len + 1,
			                 calls[i + 1]->json);
	}
	/* So a page's run, from the first call to the end of the last, is a JSON list body. */
	size_t run = (size_t)(calls[n - 1]->json - calls[0]->json) + calls[n - 1]->json_len;
	char *body = malloc(run + 3);
	ck_assert_ptr_nonnull(body);
	body[0] = '[';
	memcpy(body + 1, calls[0]->json, run);
	memcpy(body + 1 + run, "]", 2);
	ck_assert_int_eq(strncmp(body, "[{\"id\":\"100\",", 13), 0);
	ck_assert_ptr_nonnull(strstr(body, "},{\"id\":\"101\","));
	ck_assert_int_eq(strcmp(body + run, "}]"), 0);
	free(body);
	free(calls);
	store_free(s);
}
END_TEST

START_TEST(test_ids_and_positions)
{
	struct store_pos p;
	char out[STORE_ID_MAX + 1];
	static const char *const good[][2] = {
	    {"0", "0"},
	    {"000", "0"},
	    {"42", "42"},
	    {"00042", "42"},
	    {"9007199254740993", "9007199254740993"},
	    {"18446744073709551616", "18446744073709551616"},
	    {"99999999999999999999", "99999999999999999999"},
	    {"10000000000", "10000000000"},
	    {"1000000000", "1000000000"},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_int_eq(store_pos_make(7, good[i][0], &p), 0);
		ck_assert_int_eq(p.date_us, 7);
		store_id_format(p.id_hi, p.id_lo, out);
		ck_assert_str_eq(out, good[i][1]);
	}
	ck_assert_int_eq(store_pos_make(0, "18446744073709551616", &p), 0);
	ck_assert_uint_eq(p.id_hi, 1844674407ULL);
	ck_assert_uint_eq(p.id_lo, 3709551616ULL);
	static const char *const bad[] = {"", "-1", "1a", " 1", "123456789012345678901", "1.0"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(store_pos_make(0, bad[i], &p), -1);
}
END_TEST

/* ---- The slot ---- */

#define SLOT_READERS 4

struct slot_run {
	struct store_slot *slot;
	atomic_int stop;
	atomic_ulong reads;
};

/* A reader checks that the store it holds is whole: its count and its text agree. */
static void *
slot_reader(void *arg)
{
	struct slot_run *run = arg;
	unsigned long reads = 0;
	while (!atomic_load(&run->stop)) {
		unsigned ticket;
		const struct store *s = store_slot_acquire(run->slot, &ticket);
		struct filter f = {0};
		const struct store_call *calls[8];
		struct store_page p = {.calls = calls};
		store_query(s, &f, NULL, 8, &p);
		size_t n = store_count(s);
		if (p.total != n || (n != 2 && n != 3) || p.count != n ||
		    memcmp(calls[n - 1]->json, n == 2 ? "{\"id\":\"2\"" : "{\"id\":\"3\"", 9) != 0)
			abort();
		store_slot_release(run->slot, ticket);
		atomic_store(&run->reads, ++reads);
	}
	return NULL;
}

START_TEST(test_slot_concurrent)
{
	static const char two[] = "{\"id\":\"1\"," S0 "}\n{\"id\":\"2\"," S0 "}\n";
	static const char three[] =
	    "{\"id\":\"1\"," S0 "}\n{\"id\":\"2\"," S0 "}\n{\"id\":\"3\"," S0 "}\n";
	struct slot_run runs[SLOT_READERS];
	pthread_t threads[SLOT_READERS];
	struct store_slot *slot = store_slot_create(load(two));
	ck_assert_ptr_nonnull(slot);
	for (int i = 0; i < SLOT_READERS; i++) {
		runs[i].slot = slot;
		atomic_init(&runs[i].stop, 0);
		atomic_init(&runs[i].reads, 0);
		ck_assert_int_eq(pthread_create(&threads[i], NULL, slot_reader, &runs[i]), 0);
	}
	/* Swap at least 300 times, and on until every reader has read a few hundred times. */
	for (int k = 0; k < 100000; k++) {
		store_slot_swap(slot, load(k % 2 ? two : three));
		int busy = k >= 300;
		for (int i = 0; i < SLOT_READERS; i++)
			busy &= atomic_load(&runs[i].reads) >= 300;
		if (busy)
			break;
	}
	for (int i = 0; i < SLOT_READERS; i++)
		atomic_store(&runs[i].stop, 1);
	for (int i = 0; i < SLOT_READERS; i++) {
		ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
		ck_assert_uint_ge(atomic_load(&runs[i].reads), 300);
	}
	/* Alone, each swap is seen by the next acquire. */
	unsigned t;
	store_slot_swap(slot, load(two));
	const struct store *s = store_slot_acquire(slot, &t);
	ck_assert_uint_eq(store_count(s), 2);
	store_slot_release(slot, t);
	store_slot_swap(slot, load(three));
	s = store_slot_acquire(slot, &t);
	ck_assert_uint_eq(store_count(s), 3);
	store_slot_release(slot, t);
	store_slot_free(slot);
	store_slot_free(NULL);
	store_free(NULL);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("render");
	tcase_add_test(tc, test_render_exact);
	tcase_add_test(tc, test_render_full_call_unchanged);
	tcase_add_test(tc, test_render_nested_extras_and_nulls);
	tcase_add_test(tc, test_render_url_from_id);
	suite_add_tcase(s, tc);

	tc = tcase_create("validate");
	tcase_add_loop_test(tc, test_validation_messages, 0, (int)(sizeof(BAD) / sizeof(BAD[0])));
	tcase_add_test(tc, test_nulls_accepted);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_invalid_text_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_three_formats_agree);
	tcase_add_test(tc, test_single_object_and_empty);
	tcase_add_test(tc, test_directory);
	tcase_add_test(tc, test_file_with_long_lines);
	tcase_add_test(tc, test_duplicates_keep_last);
	suite_add_tcase(s, tc);

	tc = tcase_create("query");
	tcase_add_test(tc, test_order_numeric_ids);
	tcase_add_test(tc, test_web_conference_date);
	tcase_add_test(tc, test_range_bounds);
	tcase_add_test(tc, test_workspace_filter);
	tcase_add_test(tc, test_after_positions);
	tcase_add_test(tc, test_walk_every_call_once);
	tcase_add_test(tc, test_arena_contiguous);
	tcase_add_test(tc, test_ids_and_positions);
	suite_add_tcase(s, tc);

	tc = tcase_create("slot");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_slot_concurrent);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
