/*
 * test_callrec.c - the call contract: the exact JSON each call is rendered to, through a load
 * and on its own, every validation message, the date a call is filed under, and the contract
 * keys' lookup.
 */
#include "callrec.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "stores.h"

/* ---- Rendering ---- */

START_TEST(test_render_exact)
{
	struct store *s =
	    stores_load("[{\"title\":\"Say \\\"hi\\\" \\u00e9\\ud83d\\ude00 tab\\t nl\\n "
	                "ctl\\u0001 sl\\/\",\"started\":\"2025-03-01T10:00:00.250-07:00\","
	                "\"id\":\"42\",\"zeta\":-7,\"alpha\":\"x\",\"duration\":60,"
	                "\"isPrivate\":true,\"language\":\"eng\",\"workspaceId\":\"9\"}]");
	stores_assert_json(
	    stores_only(s),
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
	struct store *s = stores_load(call), *a = stores_load(array);
	stores_assert_json(stores_only(s), call);
	stores_assert_json(stores_only(a), call);
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
	struct store *flat = stores_load("[{\"id\":\"5\"," S0 ",\"title\":\"\\u00fcber \\\"x\\\"\","
	                                 "\"url\":null,\"duration\":null}]");
	struct store *nested =
	    stores_load("[{\"id\":\"5\"," S0 ",\"title\":\"\\u00fcber \\\"x\\\"\","
	                "\"url\":null,\"duration\":null,\"parties\":{\"b\":[1, 2.5, "
	                "true,null,\"q\\\"\"], \"a\":{}},\"score\":1.0,\"big\":1e300}]");
	const char *contract = "{\"id\":\"5\",\"url\":null,\"title\":\"über \\\"x\\\"\","
	                       "\"scheduled\":null," S0 "," TAIL_NULLS;
	char expected[2048];
	snprintf(expected, sizeof(expected), "%s}", contract);
	stores_assert_json(stores_only(flat), expected);
	snprintf(expected, sizeof(expected),
	         "%s,\"parties\":{\"b\":[1,2.5,true,null,\"q\\\"\"],\"a\":{}},\"score\":1.0,"
	         "\"big\":1e+300}",
	         contract);
	stores_assert_json(stores_only(nested), expected);
	store_free(flat);
	store_free(nested);
}
END_TEST

START_TEST(test_render_url_from_id)
{
	struct store *s = stores_load("[{\"id\":\"0042\"," S0 "}]");
	stores_assert_json(stores_only(s),
	                   "{\"id\":\"0042\",\"url\":\"" URL
	                   "0042\",\"title\":null,\"scheduled\":null," S0 "," TAIL_NULLS "}");
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
	ck_assert_str_eq(stores_load_error("day.jsonl", text), expected);

	snprintf(text, sizeof(text), "[{\"id\":\"1\"," S0 "},{\"id\":\"2\"," S0 "},%s]", c->call);
	snprintf(expected, sizeof(expected), "day.json: call 2: %s", c->reason);
	ck_assert_str_eq(stores_load_error("day.json", text), expected);
}
END_TEST

START_TEST(test_nulls_accepted)
{
	struct store *s = stores_load(
	    "{\"id\":\"1\"," S0 ",\"scheduled\":null,\"duration\":null,\"primaryUserId\":null,"
	    "\"direction\":null,\"scope\":null,\"media\":null,\"language\":null,\"workspaceId\":"
	    "null,\"isPrivate\":null,\"title\":null,\"meetingUrl\":null}");
	ck_assert_uint_eq(stores_only(s)->workspace, STORE_NO_WORKSPACE);
	ck_assert_uint_eq(store_workspace_count(s), 0);
	store_free(s);
}
END_TEST

/* ---- The module on its own ---- */

/* Appends a string field to c, as a parser would hand it over. */
static void
add_string(struct callrec *c, const char *key, const char *value)
{
	struct callrec_field *f = callrec_push(c);
	int hint = 0;
	ck_assert_ptr_nonnull(f);
	f->key = key;
	f->key_len = strlen(key);
	f->ckey = callrec_key(key, f->key_len, &hint);
	f->kind = CALLREC_STRING;
	f->s = value;
	f->len = strlen(value);
}

START_TEST(test_keys)
{
	int hint = 0;
	/* In the contract's order, each key is found at once; out of it, too. */
	ck_assert_int_eq(callrec_key("id", 2, &hint), 0);
	ck_assert_int_eq(callrec_key("url", 3, &hint), 1);
	ck_assert_int_eq(callrec_key("calendarEventId", 15, &hint), CALLREC_KEYS - 1);
	ck_assert_int_eq(callrec_key("started", 7, &hint), 4);
	ck_assert_int_eq(callrec_key("zeta", 4, &hint), -1);
	ck_assert_int_eq(callrec_key("i", 1, &hint), -1);
	ck_assert_int_eq(callrec_key("ids", 3, &hint), -1);
}
END_TEST

START_TEST(test_render_and_meta)
{
	struct callrec c = {0};
	struct jsonw out = {0};
	struct callrec_meta meta;
	char why[128];

	/* A web conference: dated by its schedule, filed under its workspace. */
	add_string(&c, "workspaceId", "7");
	add_string(&c, "id", "0042");
	add_string(&c, "started", "2025-01-01T10:05:00Z");
	add_string(&c, "scheduled", "2025-01-01T02:00:00-07:00");
	add_string(&c, "meetingUrl", "https://zoom.us/j/1");
	ck_assert_int_eq(callrec_render(&c, &out, &meta, why, sizeof(why)), 0);
	ck_assert_int_eq(meta.date_us, stores_at("2025-01-01T09:00:00Z"));
	ck_assert_uint_eq(meta.id_len, 4);
	ck_assert_int_eq(memcmp(meta.id, "0042", 4), 0);
	ck_assert_uint_eq(meta.workspace_len, 1);
	ck_assert_int_eq(meta.workspace[0], '7');

	/* Without a meeting URL, by its start; without a workspace, none. */
	c.n = 0;
	add_string(&c, "id", "5");
	add_string(&c, "started", "2025-01-01T10:05:00Z");
	add_string(&c, "scheduled", "2025-01-01T02:00:00-07:00");
	ck_assert_int_eq(callrec_render(&c, &out, &meta, why, sizeof(why)), 0);
	ck_assert_int_eq(meta.date_us, stores_at("2025-01-01T10:05:00Z"));
	ck_assert_ptr_null(meta.workspace);
	ck_assert_uint_eq(meta.workspace_len, 0);

	/* A refused call: the first bad key's reason, and nothing written. */
	size_t len = out.len;
	c.n = 0;
	add_string(&c, "id", "5");
	add_string(&c, "language", "EN");
	add_string(&c, "media", "Fax");
	add_string(&c, "started", "2025-01-01T10:05:00Z");
	ck_assert_int_eq(callrec_render(&c, &out, &meta, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "media: must be one of Video, Audio");
	ck_assert_uint_eq(out.len, len);

	char *text = jsonw_finish(&out, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(
	    text,
	    "{\"id\":\"0042\",\"url\":\"" URL "0042\",\"title\":null,"
	    "\"scheduled\":\"2025-01-01T02:00:00-07:00\",\"started\":"
	    "\"2025-01-01T10:05:00Z\",\"duration\":null,\"primaryUserId\":null,"
	    "\"direction\":null,\"system\":null,\"scope\":null,\"media\":null,"
	    "\"language\":null,\"workspaceId\":\"7\",\"sdrDisposition\":null,"
	    "\"clientUniqueId\":null,\"customData\":null,\"purpose\":null,"
	    "\"meetingUrl\":\"https://zoom.us/j/1\",\"isPrivate\":null,"
	    "\"calendarEventId\":null}"
	    "{\"id\":\"5\",\"url\":\"" URL "5\",\"title\":null,\"scheduled\":"
	    "\"2025-01-01T02:00:00-07:00\",\"started\":\"2025-01-01T10:05:00Z\"," TAIL_NULLS "}");
	free(text);
	callrec_free(&c);
}
END_TEST

static Suite *
callrec_suite(void)
{
	Suite *s = suite_create("callrec");
	TCase *tc = tcase_create("render");
	tcase_add_test(tc, test_render_exact);
	tcase_add_test(tc, test_render_full_call_unchanged);
	tcase_add_test(tc, test_render_nested_extras_and_nulls);
	tcase_add_test(tc, test_render_url_from_id);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_render_and_meta);
	suite_add_tcase(s, tc);

	tc = tcase_create("validate");
	tcase_add_loop_test(tc, test_validation_messages, 0, (int)(sizeof(BAD) / sizeof(BAD[0])));
	tcase_add_test(tc, test_nulls_accepted);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(callrec_suite());
}
