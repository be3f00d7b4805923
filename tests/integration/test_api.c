/*
 * test_api.c - GET /v2/calls over a real socket, against the contract: filters, boundaries,
 * the web-conference date, paging with the cursor alone and with the filters repeated, every
 * error status and body, auth, and the odd paths and dates real clients send.
 */
#include "harness.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Six calls whose order and filtering dates test the rules: equal dates ordered by numeric
 * id, an offset that lands on the same instant, a web conference dated by its schedule, an
 * empty meetingUrl that is not a web conference, ids past 2^53 and 2^64. */
static const char fixture6[] =
    "[\n"
    "{\"id\":\"10\",\"title\":\"Two\",\"started\":\"2025-03-01T10:00:00Z\",\"duration\":60,"
    "\"primaryUserId\":\"77\",\"direction\":\"Outbound\",\"system\":\"Outreach\","
    "\"scope\":\"External\",\"media\":\"Audio\",\"language\":\"eng\","
    "\"workspaceId\":\"2222222222222222222\",\"meetingUrl\":null,\"isPrivate\":false},\n"
    "{\"id\":\"9\",\"title\":\"One \\\"quoted\\\" caf\\u00e9\",\"scheduled\":null,"
    "\"started\":\"2025-03-01T10:00:00Z\",\"duration\":30,\"primaryUserId\":\"77\","
    "\"direction\":\"Inbound\",\"system\":\"ShoreTel\",\"scope\":\"Internal\","
    "\"media\":\"Audio\",\"language\":\"fre\",\"workspaceId\":\"1111111111111111111\","
    "\"isPrivate\":true},\n"
    "{\"id\":\"9007199254740993\",\"title\":\"Three\",\"started\":\"2025-03-01T12:00:00+02:00\","
    "\"duration\":5,\"direction\":\"Unknown\",\"scope\":\"Unknown\",\"media\":\"Video\","
    "\"language\":\"und\",\"workspaceId\":\"1111111111111111111\"},\n"
    "{\"id\":\"4000000000000000004\",\"title\":\"Four\",\"scheduled\":\"2025-03-02T09:00:00Z\","
    "\"started\":\"2025-03-01T23:30:00Z\",\"duration\":1800,\"direction\":\"Conference\","
    "\"system\":\"Zoom\",\"scope\":\"External\",\"media\":\"Video\",\"language\":\"eng\","
    "\"workspaceId\":\"1111111111111111111\",\"meetingUrl\":\"https://zoom.us/j/1\","
    "\"calendarEventId\":\"evt-4\"},\n"
    "{\"id\":\"18446744073709551616\",\"title\":\"Five\",\"started\":\"2025-03-03T00:00:00Z\","
    "\"workspaceId\":\"2222222222222222222\",\"media\":\"Audio\"},\n"
    "{\"id\":\"6\",\"title\":\"Six\",\"scheduled\":\"2025-03-05T00:00:00Z\","
    "\"started\":\"2025-03-04T00:00:00Z\",\"meetingUrl\":\"\",\"media\":\"Video\","
    "\"workspaceId\":\"2222222222222222222\"}\n"
    "]\n";

static const char *const order6[] = {
    "9", "10", "9007199254740993", "4000000000000000004", "18446744073709551616", "6"};

static struct harness_server srv;
static char fixture_path[256];

static const char *call_keys[] = {
    "id",         "url",           "title",       "scheduled",      "started",
    "duration",   "primaryUserId", "direction",   "system",         "scope",
    "media",      "language",      "workspaceId", "sdrDisposition", "clientUniqueId",
    "customData", "purpose",       "meetingUrl",  "isPrivate",      "calendarEventId"};

static void
start_small(void)
{
	const char *flags[] = {"--fixtures", fixture_path, "--page-size", "2", NULL};

	harness_temp_file(fixture6, ".json", fixture_path, sizeof(fixture_path));
	harness_start(&srv, flags);
}

static void
start_builtin(void)
{
	harness_start(&srv, NULL);
}

static void
stop_server(void)
{
	harness_stop(&srv);
	if (fixture_path[0] != '\0')
		unlink(fixture_path);
	fixture_path[0] = '\0';
}

/* Checks the things every answer gongmock makes carries: requestId, x-traceid, type. */
static void
check_envelope(const struct harness_reply *r)
{
	char buf[256];
	const char *id;
	size_t i, len;

	ck_assert_msg(r->json != NULL, "body is not JSON: %s", r->body);
	id = json_string_value(json_object_get(r->json, "requestId"));
	ck_assert_ptr_nonnull(id);
	len = strlen(id);
	ck_assert_msg(len == 18 || len == 19, "requestId length %zu", len);
	for (i = 0; i < len; i++)
		ck_assert((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'z'));
	ck_assert_ptr_nonnull(harness_header(r, "x-traceid", buf, sizeof(buf)));
	ck_assert_str_eq(buf, id);
	ck_assert_ptr_nonnull(harness_header(r, "Content-Type", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "application/json; charset=utf-8");
}

/* Checks an error answer: status, envelope, and exactly one message. */
static void
check_error(const struct harness_reply *r, long status, const char *message)
{
	json_t *errors;

	ck_assert_int_eq(r->status, status);
	check_envelope(r);
	ck_assert_int_eq(json_object_size(r->json), 2);
	errors = json_object_get(r->json, "errors");
	ck_assert(json_is_array(errors));
	ck_assert_int_eq(json_array_size(errors), 1);
	ck_assert_str_eq(json_string_value(json_array_get(errors, 0)), message);
}

/* Checks `records` and returns the cursor (a copy) or NULL. */
static char *
check_records(const struct harness_reply *r, long total, long size, long page, int has_cursor)
{
	json_t *rec = json_object_get(r->json, "records");
	const char *cursor;
	const char *key;
	json_t *v;
	size_t i = 0;
	static const char *keys[] = {"totalRecords", "currentPageSize", "currentPageNumber",
	                             "cursor"};

	ck_assert_int_eq(r->status, 200);
	check_envelope(r);
	ck_assert(json_is_object(rec));
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "totalRecords")), total);
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "currentPageSize")), size);
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "currentPageNumber")), page);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "calls")), size);
	json_object_foreach(rec, key, v)
	{
		(void)v;
		ck_assert_str_eq(key, keys[i]);
		i++;
	}
	cursor = json_string_value(json_object_get(rec, "cursor"));
	if (!has_cursor) {
		ck_assert_ptr_null(json_object_get(rec, "cursor"));
		return NULL;
	}
	ck_assert_ptr_nonnull(cursor);
	ck_assert_msg(strncmp(cursor, "eyJhbGciOiJIUzI1NiJ9.", 21) == 0, "cursor %s", cursor);
	return strdup(cursor);
}

/* The ids of a page's calls, appended to ids[*n]. */
static void
collect_ids(const struct harness_reply *r, char ids[][32], size_t *n, size_t max)
{
	json_t *calls = json_object_get(r->json, "calls");
	size_t i;

	for (i = 0; i < json_array_size(calls); i++) {
		const char *id = json_string_value(json_object_get(json_array_get(calls, i), "id"));

		ck_assert_ptr_nonnull(id);
		ck_assert_uint_lt(*n, max);
		snprintf(ids[*n], 32, "%s", id);
		(*n)++;
	}
}

/*
 * Walks every page of `query` (may be ""), following records.cursor; with `repeat` the
 * filters are sent again with each cursor. Checks records on every page; returns the ids.
 */
static size_t
walk(const char *query, int repeat, size_t page_size, char ids[][32], size_t max)
{
	char target[4096], esc[2048];
	struct harness_reply r;
	size_t n = 0, page = 0;
	long total = -1;
	char *cursor = NULL;

	for (;;) {
		if (page == 0)
			snprintf(target, sizeof(target), "/v2/calls?%s", query);
		else if (repeat)
			snprintf(target, sizeof(target), "/v2/calls?%s&cursor=%s", query, esc);
		else
			snprintf(target, sizeof(target), "/v2/calls?cursor=%s", esc);
		harness_get(&srv, target, &r);
		ck_assert_msg(r.status == 200, "page %zu: %ld %s", page, r.status, r.body);
		if (total < 0)
			total = json_integer_value(
			    json_object_get(json_object_get(r.json, "records"), "totalRecords"));
		free(cursor);
		{
			size_t left = (size_t)total - n;
			size_t size = left < page_size ? left : page_size;

			cursor = check_records(&r, total, (long)size, (long)page, left > page_size);
		}
		collect_ids(&r, ids, &n, max);
		harness_reply_free(&r);
		if (cursor == NULL)
			break;
		harness_escape(cursor, esc, sizeof(esc));
		page++;
		ck_assert_uint_lt(page, 10000);
	}
	ck_assert_uint_eq(n, (size_t)total);
	return n;
}

static void
assert_ids(char ids[][32], size_t n, const char *const *want, size_t nwant)
{
	size_t i;

	ck_assert_uint_eq(n, nwant);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(ids[i], want[i]);
}

START_TEST(health_reports_the_data)
{
	struct harness_reply r;

	harness_request(&srv, NULL, "/__admin/health", NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "status")), "ok");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "calls")), 6);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "workspaces")), 2);
	harness_reply_free(&r);
}
END_TEST

START_TEST(all_calls_in_date_then_numeric_id_order)
{
	char ids[16][32];
	size_t n = walk("", 0, 2, ids, 16);

	assert_ids(ids, n, order6, 6);
}
END_TEST

START_TEST(walk_with_filters_repeated)
{
	char ids[16][32];
	size_t n = walk("fromDateTime=2025-03-01T00:00:00Z&toDateTime=2025-04-01T00:00:00Z", 1, 2,
	                ids, 16);

	assert_ids(ids, n, order6, 6);
}
END_TEST

START_TEST(every_call_has_the_twenty_keys_in_order)
{
	struct harness_reply r;
	json_t *call;
	const char *key;
	json_t *v;
	size_t i = 0;

	harness_get(&srv, "/v2/calls?toDateTime=2025-03-01T10:00:01Z", &r);
	ck_assert_int_eq(r.status, 200);
	call = json_array_get(json_object_get(r.json, "calls"), 0);
	json_object_foreach(call, key, v)
	{
		(void)v;
		ck_assert_uint_lt(i, 20);
		ck_assert_str_eq(key, call_keys[i]);
		i++;
	}
	ck_assert_uint_eq(i, 20);
	ck_assert_str_eq(json_string_value(json_object_get(call, "id")), "9");
	ck_assert_str_eq(json_string_value(json_object_get(call, "url")),
	                 "https://us-49467.app.gong.io/call?id=9");
	ck_assert_str_eq(json_string_value(json_object_get(call, "title")),
	                 "One \"quoted\" caf\xc3\xa9");
	ck_assert(json_is_null(json_object_get(call, "scheduled")));
	ck_assert_str_eq(json_string_value(json_object_get(call, "started")),
	                 "2025-03-01T10:00:00Z");
	ck_assert_int_eq(json_integer_value(json_object_get(call, "duration")), 30);
	ck_assert_str_eq(json_string_value(json_object_get(call, "primaryUserId")), "77");
	ck_assert_str_eq(json_string_value(json_object_get(call, "direction")), "Inbound");
	ck_assert_str_eq(json_string_value(json_object_get(call, "system")), "ShoreTel");
	ck_assert_str_eq(json_string_value(json_object_get(call, "scope")), "Internal");
	ck_assert_str_eq(json_string_value(json_object_get(call, "media")), "Audio");
	ck_assert_str_eq(json_string_value(json_object_get(call, "language")), "fre");
	ck_assert_str_eq(json_string_value(json_object_get(call, "workspaceId")),
	                 "1111111111111111111");
	ck_assert(json_is_null(json_object_get(call, "sdrDisposition")));
	ck_assert(json_is_null(json_object_get(call, "clientUniqueId")));
	ck_assert(json_is_null(json_object_get(call, "customData")));
	ck_assert(json_is_null(json_object_get(call, "purpose")));
	ck_assert(json_is_null(json_object_get(call, "meetingUrl")));
	ck_assert(json_is_true(json_object_get(call, "isPrivate")));
	ck_assert(json_is_null(json_object_get(call, "calendarEventId")));
	harness_reply_free(&r);
	/* Ids past 2^53 stay strings, digit for digit. */
	harness_get(&srv, "/v2/calls?workspaceId=1111111111111111111", &r);
	ck_assert_ptr_nonnull(strstr(r.body, "\"id\":\"9007199254740993\""));
	harness_reply_free(&r);
}
END_TEST

START_TEST(from_is_inclusive_and_to_exclusive)
{
	static const char *const want[] = {"9", "10", "9007199254740993"};
	char ids[16][32];
	size_t n = walk("fromDateTime=2025-03-01T10:00:00Z&toDateTime=2025-03-02T09:00:00Z", 0, 2,
	                ids, 16);

	assert_ids(ids, n, want, 3);
}
END_TEST

START_TEST(web_conference_dated_by_its_schedule)
{
	static const char *const want[] = {"4000000000000000004", "18446744073709551616"};
	struct harness_reply r;
	char ids[16][32];
	size_t n = walk("fromDateTime=2025-03-02T09:00:00Z&toDateTime=2025-03-04T00:00:00Z", 0, 2,
	                ids, 16);

	assert_ids(ids, n, want, 2);
	/* Its start time alone would put it here; its schedule does not. */
	harness_get(&srv,
	            "/v2/calls?fromDateTime=2025-03-01T23:00:00Z&toDateTime=2025-03-02T00:00:00Z",
	            &r);
	check_error(&r, 404, "No calls found corresponding to the provided filters");
	harness_reply_free(&r);
}
END_TEST

START_TEST(empty_meeting_url_is_not_a_web_conference)
{
	static const char *const want[] = {"6"};
	char ids[16][32];
	size_t n = walk("fromDateTime=2025-03-04T00:00:00Z&toDateTime=2025-03-04T00:00:01Z", 0, 2,
	                ids, 16);

	assert_ids(ids, n, want, 1);
}
END_TEST

START_TEST(workspace_filter_alone_and_combined)
{
	static const char *const ws2[] = {"10", "18446744073709551616", "6"};
	static const char *const ws2late[] = {"18446744073709551616", "6"};
	static const char *const ws1[] = {"9", "9007199254740993", "4000000000000000004"};
	char ids[16][32];
	size_t n;

	n = walk("workspaceId=2222222222222222222", 0, 2, ids, 16);
	assert_ids(ids, n, ws2, 3);
	n = walk("workspaceId=2222222222222222222&fromDateTime=2025-03-02T00:00:00Z", 0, 2, ids,
	         16);
	assert_ids(ids, n, ws2late, 2);
	n = walk("workspaceId=1111111111111111111&toDateTime=2025-03-03T00:00:00Z", 1, 2, ids, 16);
	assert_ids(ids, n, ws1, 3);
}
END_TEST

START_TEST(empty_values_and_unknown_parameters_are_ignored)
{
	char ids[16][32];
	size_t n = walk("workspaceId=&fromDateTime=&limit=5&foo", 0, 2, ids, 16);

	assert_ids(ids, n, order6, 6);
}
END_TEST

START_TEST(dates_in_every_client_form)
{
	static const char *const forms[] = {
	    "fromDateTime=2025-03-03T00:00:00Z",
	    "fromDateTime=2025-03-03T00%3A00%3A00Z",
	    "fromDateTime=2025-03-03T02:00:00%2B02:00",
	    "fromDateTime=2025-03-03T00%3A00%3A00%2B00%3A00",
	    "fromDateTime=2025-03-03T02:00:00+02:00", /* the + arrives as a space */
	    "fromDateTime=2025-03-02T19:00:00-05:00",
	    "fromDateTime=2025-03-03T00:00:00.000Z",
	    "fromDateTime=2025-03-02T23:59:59.9999995Z&toDateTime=2025-03-05T00:00:00Z",
	    "fromDateTime=2025-03-03T00:00:00",
	};
	static const char *const want[] = {"18446744073709551616", "6"};
	char ids[16][32];
	size_t i, n;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		n = walk(forms[i], 0, 2, ids, 16);
		ck_assert_msg(n == 2, "%s: %zu calls", forms[i], n);
		assert_ids(ids, n, want, 2);
	}
}
END_TEST

START_TEST(bad_parameters_get_gong_400s)
{
	static const struct {
		const char *query;
		const char *message;
	} cases[] = {
	    {"fromDateTime=yesterday", "fromDateTime: must be a valid ISO-8601 date-time"},
	    {"toDateTime=2025-02-30T00:00:00Z", "toDateTime: must be a valid ISO-8601 date-time"},
	    {"fromDateTime=2025-03-02T00:00:00Z&toDateTime=2025-03-02T00:00:00Z",
	     "fromDateTime: must be before toDateTime"},
	    {"fromDateTime=2025-03-03T00:00:00Z&toDateTime=2025-03-02T00:00:00Z",
	     "fromDateTime: must be before toDateTime"},
	    {"workspaceId=abc", "workspaceId: must be a numeric id of up to 20 digits"},
	    {"workspaceId=123456789012345678901",
	     "workspaceId: must be a numeric id of up to 20 digits"},
	    {"cursor=abc", "Failed to verify cursor"},
	};
	struct harness_reply r;
	char target[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(target, sizeof(target), "/v2/calls?%s", cases[i].query);
		harness_get(&srv, target, &r);
		check_error(&r, 400, cases[i].message);
		harness_reply_free(&r);
	}
}
END_TEST

START_TEST(empty_result_is_404_never_an_empty_200)
{
	static const char *const queries[] = {
	    "fromDateTime=2030-01-01T00:00:00Z",
	    "toDateTime=2020-01-01T00:00:00Z",
	    "workspaceId=3",
	};
	struct harness_reply r;
	char target[256];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(target, sizeof(target), "/v2/calls?%s", queries[i]);
		harness_get(&srv, target, &r);
		check_error(&r, 404, "No calls found corresponding to the provided filters");
		harness_reply_free(&r);
	}
}
END_TEST

/* Gets the first page's cursor for a query. */
static char *
first_cursor(const char *query)
{
	struct harness_reply r;
	char target[512];
	char *cursor;

	snprintf(target, sizeof(target), "/v2/calls?%s", query);
	harness_get(&srv, target, &r);
	ck_assert_int_eq(r.status, 200);
	cursor = strdup(
	    json_string_value(json_object_get(json_object_get(r.json, "records"), "cursor")));
	harness_reply_free(&r);
	return cursor;
}

START_TEST(tampered_cursor_fails_to_verify)
{
	char *cursor = first_cursor("");
	struct harness_reply r;
	char target[2048], esc[1024];
	size_t len = strlen(cursor);

	/* A different character in the payload, then in the signature. */
	cursor[25] = cursor[25] == 'A' ? 'B' : 'A';
	harness_escape(cursor, esc, sizeof(esc));
	snprintf(target, sizeof(target), "/v2/calls?cursor=%s", esc);
	harness_get(&srv, target, &r);
	check_error(&r, 400, "Failed to verify cursor");
	harness_reply_free(&r);
	cursor[25] = cursor[25] == 'A' ? 'B' : 'A';
	cursor[len - 2] = cursor[len - 2] == 'A' ? 'B' : 'A';
	harness_escape(cursor, esc, sizeof(esc));
	snprintf(target, sizeof(target), "/v2/calls?cursor=%s", esc);
	harness_get(&srv, target, &r);
	check_error(&r, 400, "Failed to verify cursor");
	harness_reply_free(&r);
	free(cursor);
}
END_TEST

START_TEST(cursor_filters_must_match_the_request)
{
	char *cursor = first_cursor("workspaceId=2222222222222222222");
	struct harness_reply r;
	char target[2048], esc[1024];

	harness_escape(cursor, esc, sizeof(esc));
	snprintf(target, sizeof(target), "/v2/calls?workspaceId=1111111111111111111&cursor=%s",
	         esc);
	harness_get(&srv, target, &r);
	check_error(&r, 400,
	            "workspaceId: must be the same as in the request that returned the cursor");
	harness_reply_free(&r);
	/* The cursor has no fromDateTime: one in the request differs from it. */
	snprintf(target, sizeof(target),
	         "/v2/calls?fromDateTime=2025-01-01T00:00:00Z&workspaceId=2222222222222222222&"
	         "cursor=%s",
	         esc);
	harness_get(&srv, target, &r);
	check_error(&r, 400,
	            "fromDateTime: must be the same as in the request that returned the cursor");
	harness_reply_free(&r);
	/* The same instant written another way is the same filter. */
	free(cursor);
	cursor = first_cursor("fromDateTime=2025-03-01T00:00:00Z");
	harness_escape(cursor, esc, sizeof(esc));
	snprintf(target, sizeof(target),
	         "/v2/calls?fromDateTime=2025-03-01T01:00:00%%2B01:00&cursor=%s", esc);
	harness_get(&srv, target, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r.json, "records"),
	                                                    "currentPageNumber")),
	                 1);
	harness_reply_free(&r);
	free(cursor);
}
END_TEST

START_TEST(unauthenticated_requests_get_401)
{
	static const char *const bad[] = {NULL,         "",           "Basic",  "Basic !!!!",
	                                  "Basic a2V5", "Digest abc", "Bearer", "Bearer "};
	struct harness_reply r;
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		harness_request(&srv, NULL, "/v2/calls", bad[i], NULL, NULL, &r);
		check_error(&r, 401,
		            "Validate credentials failed. Please check your credentials and try "
		            "again.");
		ck_assert_ptr_nonnull(harness_header(&r, "WWW-Authenticate", buf, sizeof(buf)));
		ck_assert_str_eq(buf, "Basic realm=\"Gong.io API\"");
		harness_reply_free(&r);
	}
	harness_request(&srv, NULL, "/v2/calls", "Bearer anything", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/v2/calls", "basic azpz", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
}
END_TEST

START_TEST(other_methods_get_405)
{
	static const char *const methods[] = {"POST", "PUT", "DELETE", "PATCH"};
	struct harness_reply r;
	char buf[64];
	size_t i;

	for (i = 0; i < 4; i++) {
		harness_request(&srv, methods[i], "/v2/calls", "Basic azpz", NULL,
		                i == 0 ? "{}" : NULL, &r);
		check_error(&r, 405, "Method Not Allowed");
		ck_assert_ptr_nonnull(harness_header(&r, "Allow", buf, sizeof(buf)));
		ck_assert_str_eq(buf, "GET");
		harness_reply_free(&r);
	}
}
END_TEST

START_TEST(unknown_paths_get_gong_404)
{
	static const char *const paths[] = {"/", "/v2", "/v2/calls/1/2", "/v2/callz", "/v3/calls"};
	struct harness_reply r;
	size_t i;

	for (i = 0; i < 5; i++) {
		char want[1024];

		snprintf(
		    want, sizeof(want),
		    "GET %s is not an operation gongmock emulates (it emulates GET /v2/calls, "
		    "POST /v2/calls/extensive, POST /v2/calls/transcript, GET /v2/calls/{id}, GET "
		    "/v2/users, POST /v2/users/extensive, GET /v2/users/{id} and GET "
		    "/v2/workspaces): proxy mode (--upstream, and --mock to keep these emulated) "
		    "forwards it to Gong, and a rule whose respond has a body stubs it",
		    paths[i]);
		harness_get(&srv, paths[i], &r);
		check_error(&r, 404, want);
		harness_reply_free(&r);
	}
}
END_TEST

START_TEST(double_slash_and_absolute_form_are_served)
{
	struct harness_reply r;
	CURL *c;
	char proxy[64];
	long status = 0;
	FILE *sink = fopen("/dev/null", "w");

	harness_get(&srv, "//v2/calls?workspaceId=2222222222222222222", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(r.json, "records"), "totalRecords")),
	    3);
	harness_reply_free(&r);

	/* A client whose HTTP proxy setting points at the mock sends the absolute form. */
	c = curl_easy_init();
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%u", srv.port);
	curl_easy_setopt(c, CURLOPT_URL,
	                 "http://api.gong.io/v2/calls?workspaceId=2222222222222222222");
	curl_easy_setopt(c, CURLOPT_PROXY, proxy);
	curl_easy_setopt(c, CURLOPT_USERPWD, "k:s");
	curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	ck_assert_int_eq(status, 200);
	curl_easy_cleanup(c);
	fclose(sink);
}
END_TEST

START_TEST(builtin_walk_of_every_page)
{
	static char ids[2000][32];
	struct harness_reply r;
	size_t n, i;
	long total;

	harness_get(&srv, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	total =
	    json_integer_value(json_object_get(json_object_get(r.json, "records"), "totalRecords"));
	ck_assert_int_ge(total, 300);
	harness_reply_free(&r);
	n = walk("fromDateTime=2024-01-01T00:00:00Z&toDateTime=2027-01-01T00:00:00Z", 0, 100, ids,
	         2000);
	ck_assert_uint_eq(n, (size_t)total);
	/* Every call exactly once. */
	for (i = 0; i < n; i++) {
		size_t j;

		for (j = i + 1; j < n; j++)
			ck_assert_str_ne(ids[i], ids[j]);
	}
	n = walk("", 1, 100, ids, 2000);
	ck_assert_uint_eq(n, (size_t)total);
}
END_TEST

START_TEST(builtin_walk_per_workspace_partitions_the_data)
{
	static char ids[2000][32];
	struct harness_reply r;
	json_t *calls;
	const char *ws[8];
	size_t nws = 0, i, sum = 0;

	harness_get(&srv, "/v2/calls", &r);
	calls = json_object_get(r.json, "calls");
	/* Workspaces seen on the first page. */
	for (i = 0; i < json_array_size(calls); i++) {
		const char *w =
		    json_string_value(json_object_get(json_array_get(calls, i), "workspaceId"));
		size_t k;

		for (k = 0; k < nws && w != NULL && strcmp(ws[k], w) != 0; k++)
			;
		if (w != NULL && k == nws && nws < 8)
			ws[nws++] = strdup(w);
	}
	ck_assert_uint_ge(nws, 3);
	for (i = 0; i < nws; i++) {
		char q[64];

		snprintf(q, sizeof(q), "workspaceId=%s", ws[i]);
		sum += walk(q, i % 2, 100, ids, 2000);
		free((void *)ws[i]);
	}
	ck_assert_int_eq((long)sum, json_integer_value(json_object_get(
	                                json_object_get(r.json, "records"), "totalRecords")));
	harness_reply_free(&r);
}
END_TEST

START_TEST(credentials_file_decides_who_gets_in)
{
	struct harness_server keep = srv, c;
	struct harness_reply r;
	char path[256];
	const char *flags[] = {"--credentials", path, NULL};
	/* k:s listed, k:x not; token t has the scope, token u has another one. */
	static const char creds[] =
	    "{\"basic\":[{\"accessKey\":\"k\",\"accessKeySecret\":\"s\"}],"
	    "\"bearer\":[{\"token\":\"t\",\"scopes\":[\"api:calls:read:basic\"]},"
	    "{\"token\":\"u\",\"scopes\":[\"api:users:read\"]}]}";

	harness_temp_file(creds, ".json", path, sizeof(path));
	harness_start(&c, flags);
	srv = c;
	harness_request(&srv, NULL, "/v2/calls", "Basic azpz", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/v2/calls", "Basic azp4", NULL, NULL, &r); /* k:x */
	check_error(&r, 401,
	            "Validate credentials failed. Please check your credentials and try again.");
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/v2/calls", "Bearer t", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/v2/calls", "Bearer u", NULL, NULL, &r);
	check_error(&r, 401,
	            "You don't have permission to use 'api:calls:read:basic' in your app.");
	harness_reply_free(&r);
	harness_request(&srv, NULL, "/v2/calls", "Bearer nobody", NULL, NULL, &r);
	check_error(&r, 401,
	            "Validate credentials failed. Please check your credentials and try again.");
	harness_reply_free(&r);
	harness_stop(&c);
	srv = keep;
	unlink(path);
}
END_TEST

START_TEST(head_answers_like_get_without_a_body)
{
	struct harness_reply r;
	char buf[64];

	harness_request(&srv, "HEAD", "/v2/calls", "Basic azpz", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
	ck_assert_ptr_nonnull(harness_header(&r, "x-traceid", buf, sizeof(buf)));
	harness_reply_free(&r);
}
END_TEST

static Suite *
api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *small = tcase_create("small");
	TCase *builtin = tcase_create("builtin");

	tcase_add_checked_fixture(small, start_small, stop_server);
	tcase_set_timeout(small, 30);
	tcase_add_test(small, health_reports_the_data);
	tcase_add_test(small, all_calls_in_date_then_numeric_id_order);
	tcase_add_test(small, walk_with_filters_repeated);
	tcase_add_test(small, every_call_has_the_twenty_keys_in_order);
	tcase_add_test(small, from_is_inclusive_and_to_exclusive);
	tcase_add_test(small, web_conference_dated_by_its_schedule);
	tcase_add_test(small, empty_meeting_url_is_not_a_web_conference);
	tcase_add_test(small, workspace_filter_alone_and_combined);
	tcase_add_test(small, empty_values_and_unknown_parameters_are_ignored);
	tcase_add_test(small, dates_in_every_client_form);
	tcase_add_test(small, bad_parameters_get_gong_400s);
	tcase_add_test(small, empty_result_is_404_never_an_empty_200);
	tcase_add_test(small, tampered_cursor_fails_to_verify);
	tcase_add_test(small, cursor_filters_must_match_the_request);
	tcase_add_test(small, unauthenticated_requests_get_401);
	tcase_add_test(small, other_methods_get_405);
	tcase_add_test(small, unknown_paths_get_gong_404);
	tcase_add_test(small, double_slash_and_absolute_form_are_served);
	tcase_add_test(small, credentials_file_decides_who_gets_in);
	tcase_add_test(small, head_answers_like_get_without_a_body);
	suite_add_tcase(s, small);

	tcase_add_checked_fixture(builtin, start_builtin, stop_server);
	tcase_set_timeout(builtin, 60);
	tcase_add_test(builtin, builtin_walk_of_every_page);
	tcase_add_test(builtin, builtin_walk_per_workspace_partitions_the_data);
	suite_add_tcase(s, builtin);
	return s;
}

int
main(void)
{
	return harness_run(api_suite());
}
