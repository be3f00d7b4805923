/*
 * test_callsbody.c - the JSON body of the POST calls views: every refusal and its message,
 * the order fields are judged in, id lists sorted and deduplicated, what counts as no filter
 * and no cursor, the hash a cursor carries of the id sets, what Gong tolerates but a client
 * should not send, and exposedFields read into the parts they ask for.
 */
#include "callsbody.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"

#include "harness.h"

static void
parse_ok(struct callsbody *b, enum callsbody_kind kind, const char *body)
{
	char err[256] = "";

	ck_assert_msg(callsbody_parse(b, kind, body, strlen(body), err, sizeof(err)) == 0, "%s: %s",
	              body, err);
}

/* Refused with exactly `want`, the body left empty. */
static void
refused(enum callsbody_kind kind, const char *body, const char *want)
{
	struct callsbody b;
	char err[256] = "";

	memset(&b, 0x5a, sizeof(b));
	ck_assert_msg(callsbody_parse(&b, kind, body, body != NULL ? strlen(body) : 0, err,
	                              sizeof(err)) == -1,
	              "accepted: %s", body);
	ck_assert_msg(strcmp(err, want) == 0, "%s\n  got  %s\n  want %s", body, err, want);
	ck_assert_ptr_null(b.root);
	ck_assert_ptr_null(b.ids);
	ck_assert_ptr_null(b.users);
	ck_assert_ptr_null(b.cursor);
	callsbody_free(&b);
}

static int64_t
at(const char *iso)
{
	int64_t us;

	ck_assert_int_eq(isotime_parse(iso, strlen(iso), ISOTIME_REQUIRE_OFFSET, &us), 0);
	return us;
}

/* ---- Refusals ---- */

START_TEST(the_body_itself)
{
	struct callsbody b;
	char err[256] = "";

	refused(CALLSBODY_EXTENSIVE, NULL, "request body: must be a JSON object with a filter");
	refused(CALLSBODY_TRANSCRIPT, "", "request body: must be a JSON object with a filter");
	refused(CALLSBODY_EXTENSIVE, "[]", "request body: must be a JSON object");
	refused(CALLSBODY_EXTENSIVE, "null", "request body: must be a JSON object");
	refused(CALLSBODY_TRANSCRIPT, "\"filter\"", "request body: must be a JSON object");
	refused(CALLSBODY_EXTENSIVE, "{}", "filter: is required");
	refused(CALLSBODY_TRANSCRIPT, "{\"cursor\":\"x\"}", "filter: is required");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":null}", "filter: is required");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":[]}", "filter: must be an object");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":\"{}\"}", "filter: must be an object");
	/* Not JSON: jansson's reason and where. */
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(
	    callsbody_parse(&b, CALLSBODY_EXTENSIVE, "{\"filter\":{}", 12, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "request body: not valid JSON: ", 30) == 0, "%s", err);
	ck_assert_msg(strstr(err, " at line 1 column ") != NULL, "%s", err);
	ck_assert_ptr_null(b.root);
	ck_assert_int_eq(
	    callsbody_parse(&b, CALLSBODY_TRANSCRIPT, "{\"filter\":{}}\n{}", 16, err, sizeof(err)),
	    -1);
	ck_assert_msg(strncmp(err, "request body: not valid JSON: ", 30) == 0, "%s", err);
	ck_assert_msg(strstr(err, "at line 2") != NULL, "%s", err);
	/* A duplicate key is not JSON a client meant. */
	ck_assert_int_eq(callsbody_parse(&b, CALLSBODY_TRANSCRIPT, "{\"filter\":{},\"filter\":{}}",
	                                 25, err, sizeof(err)),
	                 -1);
	ck_assert_msg(strncmp(err, "request body: not valid JSON: ", 30) == 0, "%s", err);
	/* Only len bytes are read. */
	parse_ok(&b, CALLSBODY_EXTENSIVE, "{\"filter\":{}}");
	callsbody_free(&b);
	ck_assert_int_eq(
	    callsbody_parse(&b, CALLSBODY_EXTENSIVE, "{\"filter\":{}}xxxx", 13, err, sizeof(err)),
	    0);
	callsbody_free(&b);
}
END_TEST

START_TEST(id_lists)
{
	char *big;
	size_t n = 0;

	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{\"callIds\":[]}}",
	        "filter.callIds: must not be empty");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"callIds\":[]}}",
	        "filter.callIds: must not be empty");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{\"callIds\":\"1\"}}",
	        "filter.callIds: must be an array of ids");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{\"callIds\":{\"0\":\"1\"}}}",
	        "filter.callIds: must be an array of ids");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{\"callIds\":[\"1\",\"x\"]}}",
	        "filter.callIds[1]: must be a string of 1-20 digits");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"callIds\":[\"\"]}}",
	        "filter.callIds[0]: must be a string of 1-20 digits");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"callIds\":[\"123456789012345678901\"]}}",
	        "filter.callIds[0]: must be a string of 1-20 digits");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"callIds\":[\" 1\"]}}",
	        "filter.callIds[0]: must be a string of 1-20 digits");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"callIds\":[\"1\",\"2\",-3]}}",
	        "filter.callIds[2]: must be a string of 1-20 digits");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"callIds\":[1.5]}}",
	        "filter.callIds[0]: must be a string of 1-20 digits");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"callIds\":[null]}}",
	        "filter.callIds[0]: must be a string of 1-20 digits");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"callIds\":[[\"1\"]]}}",
	        "filter.callIds[0]: must be a string of 1-20 digits");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{\"primaryUserIds\":\"7\"}}",
	        "filter.primaryUserIds: must be an array of ids");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{\"primaryUserIds\":[\"7\",true]}}",
	        "filter.primaryUserIds[1]: must be a string of 1-20 digits");

	/* More ids than a filter may hold. */
	big = malloc(16 * (CALLSBODY_MAX_IDS + 2) + 64);
	ck_assert_ptr_nonnull(big);
	n = (size_t)sprintf(big, "{\"filter\":{\"callIds\":[");
	for (int i = 0; i <= CALLSBODY_MAX_IDS; i++)
		n += (size_t)sprintf(big + n, "%s\"%d\"", i ? "," : "", i + 1);
	strcpy(big + n, "]}}");
	refused(CALLSBODY_EXTENSIVE, big, "filter.callIds: must hold at most 10000 ids");
	/* Exactly the cap is fine. */
	n = (size_t)sprintf(big, "{\"filter\":{\"callIds\":[");
	for (int i = 0; i < CALLSBODY_MAX_IDS; i++)
		n += (size_t)sprintf(big + n, "%s\"%d\"", i ? "," : "", i + 1);
	strcpy(big + n, "]}}");
	{
		struct callsbody b;

		parse_ok(&b, CALLSBODY_EXTENSIVE, big);
		ck_assert_uint_eq(b.xf.nids, CALLSBODY_MAX_IDS);
		callsbody_free(&b);
	}
	free(big);
}
END_TEST

START_TEST(dates_workspace_cursor)
{
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{\"fromDateTime\":\"yesterday\"}}",
	        "filter.fromDateTime: must be a valid ISO-8601 date-time");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"fromDateTime\":\"2025-02-30T00:00:00Z\"}}",
	        "filter.fromDateTime: must be a valid ISO-8601 date-time");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{\"toDateTime\":1735689600}}",
	        "filter.toDateTime: must be a valid ISO-8601 date-time");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{\"toDateTime\":\"\"}}",
	        "filter.toDateTime: must be a valid ISO-8601 date-time");
	/* Dates a cursor cannot carry: before the year 0000 or after 9999, in UTC. */
	refused(CALLSBODY_EXTENSIVE,
	        "{\"filter\":{\"fromDateTime\":\"0000-01-01T00:00:00+01:00\"}}",
	        "filter.fromDateTime: must be a valid ISO-8601 date-time");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"toDateTime\":\"9999-12-31T23:30:00-01:00\"}}",
	        "filter.toDateTime: must be a valid ISO-8601 date-time");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"filter\":{\"fromDateTime\":\"2025-01-02T00:00:00Z\",\"toDateTime\":"
	        "\"2025-01-02T00:00:00Z\"}}",
	        "filter.fromDateTime: must be before toDateTime");
	refused(CALLSBODY_TRANSCRIPT,
	        "{\"filter\":{\"toDateTime\":\"2025-01-01T00:00:00Z\",\"fromDateTime\":"
	        "\"2025-01-01T01:00:00+01:00\"}}",
	        "filter.fromDateTime: must be before toDateTime");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"filter\":{\"fromDateTime\":\"2025-01-03T00:00:00Z\",\"toDateTime\":"
	        "\"2025-01-02T00:00:00Z\"}}",
	        "filter.fromDateTime: must be before toDateTime");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{\"workspaceId\":\"abc\"}}",
	        "filter.workspaceId: must be a string of 1-20 digits");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{\"workspaceId\":123}}",
	        "filter.workspaceId: must be a string of 1-20 digits");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"workspaceId\":\"\"}}",
	        "filter.workspaceId: must be a string of 1-20 digits");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"workspaceId\":\"123456789012345678901\"}}",
	        "filter.workspaceId: must be a string of 1-20 digits");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{},\"cursor\":5}", "cursor: must be a string");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{},\"cursor\":{}}", "cursor: must be a string");
	refused(CALLSBODY_TRANSCRIPT, "{\"filter\":{},\"cursor\":false}",
	        "cursor: must be a string");
}
END_TEST

START_TEST(content_selector)
{
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{},\"contentSelector\":\"all\"}",
	        "contentSelector: must be an object");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{},\"contentSelector\":{\"context\":\"Full\"}}",
	        "contentSelector.context: must be one of None, Basic, Extended");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{},\"contentSelector\":{\"context\":\"basic\"}}",
	        "contentSelector.context: must be one of None, Basic, Extended");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{},\"contentSelector\":{\"context\":1}}",
	        "contentSelector.context: must be one of None, Basic, Extended");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"filter\":{},\"contentSelector\":{\"context\":\"Extended\",\"contextTiming\":"
	        "\"Now\"}}",
	        "contentSelector.contextTiming: must be an array of Now, TimeOfCall");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"filter\":{},\"contentSelector\":{\"context\":\"Extended\",\"contextTiming\":"
	        "[\"Now\",\"Later\"]}}",
	        "contentSelector.contextTiming[1]: must be Now or TimeOfCall");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"filter\":{},\"contentSelector\":{\"contextTiming\":[null]}}",
	        "contentSelector.contextTiming[0]: must be Now or TimeOfCall");
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{},\"contentSelector\":{\"exposedFields\":[]}}",
	        "contentSelector.exposedFields: must be an object");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"parties\":\"yes\"}}}",
	        "contentSelector.exposedFields.parties: must be a boolean");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"media\":1}}}",
	        "contentSelector.exposedFields.media: must be a boolean");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"content\":true}}}",
	        "contentSelector.exposedFields.content: must be an object");
	refused(
	    CALLSBODY_EXTENSIVE,
	    "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"content\":{\"brief\":1}}}}",
	    "contentSelector.exposedFields.content.brief: must be a boolean");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"interaction\":{"
	        "\"personInteractionStats\":\"true\"}}}}",
	        "contentSelector.exposedFields.interaction.personInteractionStats: must be a "
	        "boolean");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"collaboration\":[]}}}",
	        "contentSelector.exposedFields.collaboration: must be an object");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"collaboration\":{"
	        "\"publicComments\":0}}}}",
	        "contentSelector.exposedFields.collaboration.publicComments: must be a boolean");
}
END_TEST

START_TEST(fields_are_judged_in_a_fixed_order)
{
	/* Dates, then the workspace, then the ids, then the range, then the cursor, then the
	 * selector: whatever order the keys come in. */
	refused(CALLSBODY_EXTENSIVE,
	        "{\"contentSelector\":1,\"cursor\":1,\"filter\":{\"callIds\":[],\"workspaceId\":"
	        "\"x\",\"fromDateTime\":\"x\"}}",
	        "filter.fromDateTime: must be a valid ISO-8601 date-time");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"contentSelector\":1,\"cursor\":1,\"filter\":{\"callIds\":[],\"workspaceId\":"
	        "\"x\"}}",
	        "filter.workspaceId: must be a string of 1-20 digits");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"contentSelector\":1,\"cursor\":1,\"filter\":{\"primaryUserIds\":[\"x\"],"
	        "\"callIds\":[]}}",
	        "filter.callIds: must not be empty");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"contentSelector\":1,\"cursor\":1,\"filter\":{\"toDateTime\":"
	        "\"2025-01-01T00:00:00Z\",\"fromDateTime\":\"2025-01-02T00:00:00Z\","
	        "\"primaryUserIds\":[\"x\"]}}",
	        "filter.primaryUserIds[0]: must be a string of 1-20 digits");
	refused(CALLSBODY_EXTENSIVE,
	        "{\"contentSelector\":1,\"cursor\":1,\"filter\":{\"toDateTime\":"
	        "\"2025-01-01T00:00:00Z\",\"fromDateTime\":\"2025-01-02T00:00:00Z\"}}",
	        "filter.fromDateTime: must be before toDateTime");
	refused(CALLSBODY_EXTENSIVE, "{\"contentSelector\":1,\"cursor\":1,\"filter\":{}}",
	        "cursor: must be a string");
}
END_TEST

/* ---- What is read ---- */

START_TEST(filters_are_read)
{
	struct callsbody b;

	parse_ok(&b, CALLSBODY_EXTENSIVE, "{\"filter\":{}}");
	ck_assert(!b.xf.f.has_from && !b.xf.f.has_to && !b.xf.f.has_workspace);
	ck_assert(!b.xf.has_ids && !b.xf.has_users);
	ck_assert_ptr_null(b.xf.ids);
	ck_assert_ptr_null(b.xf.users);
	ck_assert_ptr_null(b.cursor);
	ck_assert_str_eq(b.tolerated, "");
	ck_assert_ptr_nonnull(b.root);
	callsbody_free(&b);
	ck_assert_ptr_null(b.root);
	callsbody_free(&b); /* twice is harmless */

	parse_ok(
	    &b, CALLSBODY_EXTENSIVE,
	    "{\"filter\":{\"fromDateTime\":\"2025-01-01T01:00:00+01:00\",\"toDateTime\":"
	    "\"2025-02-01T00:00\",\"workspaceId\":\"00123\",\"callIds\":null,\"primaryUserIds\":"
	    "null}}");
	ck_assert(b.xf.f.has_from && b.xf.f.has_to && b.xf.f.has_workspace);
	ck_assert_int_eq(b.xf.f.from_us, at("2025-01-01T00:00:00Z"));
	ck_assert_int_eq(b.xf.f.to_us, at("2025-02-01T00:00:00Z"));
	ck_assert_str_eq(b.xf.f.workspace, "00123");
	ck_assert(!b.xf.has_ids && !b.xf.has_users);
	callsbody_free(&b);

	/* The ends of the range a cursor carries are dates like any other. */
	parse_ok(&b, CALLSBODY_TRANSCRIPT,
	         "{\"filter\":{\"fromDateTime\":\"0000-01-01T00:00:00Z\",\"toDateTime\":"
	         "\"9999-12-31T23:59:59.999999Z\"}}");
	ck_assert_int_eq(b.xf.f.from_us, at("0000-01-01T00:00:00Z"));
	ck_assert_int_eq(b.xf.f.to_us, at("9999-12-31T23:59:59.999999Z"));
	callsbody_free(&b);

	/* null dates and workspace are no filter. */
	parse_ok(&b, CALLSBODY_TRANSCRIPT,
	         "{\"filter\":{\"fromDateTime\":null,\"toDateTime\":null,\"workspaceId\":null}}");
	ck_assert(!b.xf.f.has_from && !b.xf.f.has_to && !b.xf.f.has_workspace);
	callsbody_free(&b);
}
END_TEST

START_TEST(ids_sorted_deduplicated_numbers_taken)
{
	struct callsbody b;

	parse_ok(&b, CALLSBODY_EXTENSIVE,
	         "{\"filter\":{\"callIds\":[\"30\",\"99999999999999999999\",\"4\",\"0004\",\"30\","
	         "7,\"10000000000\",\"9999999999\",30],\"primaryUserIds\":[\"5\",\"5\",\"1\"]}}");
	ck_assert(b.xf.has_ids);
	ck_assert_ptr_eq(b.xf.ids, b.ids);
	ck_assert_uint_eq(b.xf.nids, 6);
	/* 4, 7, 30, 9999999999, 10000000000, 99999999999999999999 as (hi, lo). */
	ck_assert_uint_eq(b.ids[0].hi, 0);
	ck_assert_uint_eq(b.ids[0].lo, 4);
	ck_assert_uint_eq(b.ids[1].lo, 7);
	ck_assert_uint_eq(b.ids[2].lo, 30);
	ck_assert_uint_eq(b.ids[3].hi, 0);
	ck_assert_uint_eq(b.ids[3].lo, 9999999999ULL);
	ck_assert_uint_eq(b.ids[4].hi, 1);
	ck_assert_uint_eq(b.ids[4].lo, 0);
	ck_assert_uint_eq(b.ids[5].hi, 9999999999ULL);
	ck_assert_uint_eq(b.ids[5].lo, 9999999999ULL);
	ck_assert(b.xf.has_users);
	ck_assert_ptr_eq(b.xf.users, b.users);
	ck_assert_uint_eq(b.xf.nusers, 2);
	ck_assert_uint_eq(b.users[0].lo, 1);
	ck_assert_uint_eq(b.users[1].lo, 5);
	callsbody_free(&b);

	/* A bare number is one id; the largest JSON integer too. */
	parse_ok(&b, CALLSBODY_TRANSCRIPT, "{\"filter\":{\"callIds\":[9223372036854775807]}}");
	ck_assert_uint_eq(b.xf.nids, 1);
	ck_assert_uint_eq(b.ids[0].hi, 922337203ULL);
	ck_assert_uint_eq(b.ids[0].lo, 6854775807ULL);
	callsbody_free(&b);
	parse_ok(&b, CALLSBODY_TRANSCRIPT, "{\"filter\":{\"callIds\":[0]}}");
	ck_assert_uint_eq(b.xf.nids, 1);
	ck_assert_uint_eq(b.ids[0].lo, 0);
	callsbody_free(&b);
}
END_TEST

START_TEST(empty_users_and_null_cursor_are_none)
{
	struct callsbody b, c;

	parse_ok(&b, CALLSBODY_EXTENSIVE, "{\"filter\":{\"primaryUserIds\":[]},\"cursor\":null}");
	ck_assert(!b.xf.has_users);
	ck_assert_uint_eq(b.xf.nusers, 0);
	ck_assert_ptr_null(b.xf.users);
	ck_assert_ptr_null(b.cursor);
	ck_assert_uint_eq(b.cursor_len, 0);
	parse_ok(&c, CALLSBODY_EXTENSIVE, "{\"filter\":{}}");
	ck_assert_uint_eq(b.filter_hash, c.filter_hash);
	callsbody_free(&b);
	callsbody_free(&c);

	parse_ok(&b, CALLSBODY_TRANSCRIPT, "{\"filter\":{},\"cursor\":\"\"}");
	ck_assert_ptr_null(b.cursor);
	ck_assert_uint_eq(b.cursor_len, 0);
	callsbody_free(&b);

	parse_ok(&b, CALLSBODY_TRANSCRIPT, "{\"cursor\":\"eyJ.abc.def\",\"filter\":{}}");
	ck_assert_ptr_nonnull(b.cursor);
	ck_assert_uint_eq(b.cursor_len, 11);
	ck_assert_int_eq(memcmp(b.cursor, "eyJ.abc.def", 11), 0);
	callsbody_free(&b);
}
END_TEST

static uint64_t
hash_of(enum callsbody_kind kind, const char *body)
{
	struct callsbody b;
	uint64_t h;

	parse_ok(&b, kind, body);
	h = b.filter_hash;
	callsbody_free(&b);
	return h;
}

START_TEST(filter_hash_is_of_the_sets)
{
	uint64_t none = hash_of(CALLSBODY_EXTENSIVE, "{\"filter\":{}}");
	uint64_t ids123 =
	    hash_of(CALLSBODY_EXTENSIVE, "{\"filter\":{\"callIds\":[\"1\",\"2\",\"3\"]}}");

	/* The order and repetitions of a list do not matter, nor do its spellings. */
	ck_assert_uint_eq(
	    ids123, hash_of(CALLSBODY_EXTENSIVE, "{\"filter\":{\"callIds\":[\"3\",\"1\",\"2\"]}}"));
	ck_assert_uint_eq(ids123,
	                  hash_of(CALLSBODY_EXTENSIVE,
	                          "{\"filter\":{\"callIds\":[\"2\",3,\"001\",\"2\",\"1\"]}}"));
	/* The same ids in the transcript view give the same hash. */
	ck_assert_uint_eq(ids123, hash_of(CALLSBODY_TRANSCRIPT,
	                                  "{\"filter\":{\"callIds\":[\"1\",\"2\",\"3\"]}}"));
	/* The dates and the workspace are carried whole, not in the hash. */
	ck_assert_uint_eq(
	    ids123, hash_of(CALLSBODY_EXTENSIVE,
	                    "{\"filter\":{\"callIds\":[\"1\",\"2\",\"3\"],"
	                    "\"workspaceId\":\"5\",\"fromDateTime\":\"2025-01-01T00:00:00Z\"}}"));
	/* Another set gives another hash. */
	ck_assert_uint_ne(ids123, none);
	ck_assert_uint_ne(ids123,
	                  hash_of(CALLSBODY_EXTENSIVE, "{\"filter\":{\"callIds\":[\"1\",\"2\"]}}"));
	ck_assert_uint_ne(ids123, hash_of(CALLSBODY_EXTENSIVE,
	                                  "{\"filter\":{\"callIds\":[\"1\",\"2\",\"3\",\"4\"]}}"));
	ck_assert_uint_ne(
	    ids123, hash_of(CALLSBODY_EXTENSIVE, "{\"filter\":{\"callIds\":[\"1\",\"2\",\"4\"]}}"));
	ck_assert_uint_ne(ids123,
	                  hash_of(CALLSBODY_EXTENSIVE,
	                          "{\"filter\":{\"callIds\":[\"10000000001\",\"2\",\"3\"]}}"));
	/* The same set as users is not the same filter. */
	ck_assert_uint_ne(ids123, hash_of(CALLSBODY_EXTENSIVE,
	                                  "{\"filter\":{\"primaryUserIds\":[\"1\",\"2\",\"3\"]}}"));
	ck_assert_uint_ne(hash_of(CALLSBODY_EXTENSIVE, "{\"filter\":{\"primaryUserIds\":[\"1\"]}}"),
	                  none);
	ck_assert_uint_eq(
	    hash_of(CALLSBODY_EXTENSIVE,
	            "{\"filter\":{\"primaryUserIds\":[\"2\",\"1\"],\"callIds\":[\"9\"]}}"),
	    hash_of(CALLSBODY_EXTENSIVE,
	            "{\"filter\":{\"callIds\":[9],\"primaryUserIds\":[\"1\",\"2\",\"1\"]}}"));
	ck_assert_uint_ne(hash_of(CALLSBODY_EXTENSIVE,
	                          "{\"filter\":{\"primaryUserIds\":[\"1\"],\"callIds\":[\"9\"]}}"),
	                  hash_of(CALLSBODY_EXTENSIVE,
	                          "{\"filter\":{\"primaryUserIds\":[\"9\"],\"callIds\":[\"1\"]}}"));
}
END_TEST

/* The note a body leaves, which must be `want` ("" for none). */
static void
tolerated(enum callsbody_kind kind, const char *body, const char *want)
{
	struct callsbody b;

	parse_ok(&b, kind, body);
	ck_assert_msg(strcmp(b.tolerated, want) == 0, "%s\n  got  %s\n  want %s", body, b.tolerated,
	              want);
	callsbody_free(&b);
}

START_TEST(tolerated_mistakes_are_noted)
{
	tolerated(
	    CALLSBODY_EXTENSIVE,
	    "{\"filter\":{\"callIds\":[\"1\"]},\"cursor\":null,\"contentSelector\":{\"context\":"
	    "\"Extended\",\"contextTiming\":[\"Now\"],\"exposedFields\":{\"parties\":true}}}",
	    "");
	tolerated(CALLSBODY_EXTENSIVE, "{\"filter\":{},\"includeEntities\":true}",
	          "\"includeEntities\" is not a field Gong knows; it is ignored");
	tolerated(CALLSBODY_EXTENSIVE, "{\"filter\":{\"limit\":100}}",
	          "filter: \"limit\" is not a field Gong knows; it is ignored");
	tolerated(CALLSBODY_EXTENSIVE, "{\"filter\":{},\"contentSelector\":{\"fields\":[]}}",
	          "contentSelector: \"fields\" is not a field Gong knows; it is ignored");
	tolerated(CALLSBODY_EXTENSIVE,
	          "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"transcript\":true}}}",
	          "contentSelector.exposedFields: \"transcript\" is not a field Gong knows; it is "
	          "ignored");
	tolerated(
	    CALLSBODY_EXTENSIVE,
	    "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"content\":{\"summary\":"
	    "true}}}}",
	    "contentSelector.exposedFields.content: \"summary\" is not a field Gong knows; it "
	    "is ignored");
	tolerated(CALLSBODY_EXTENSIVE,
	          "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"interaction\":{"
	          "\"interactionStats\":true}}}}",
	          "contentSelector.exposedFields.interaction: \"interactionStats\" is not a field "
	          "Gong knows; it is ignored");
	tolerated(CALLSBODY_EXTENSIVE,
	          "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"collaboration\":{"
	          "\"comments\":true}}}}",
	          "contentSelector.exposedFields.collaboration: \"comments\" is not a field Gong "
	          "knows; it is ignored");
	tolerated(
	    CALLSBODY_EXTENSIVE,
	    "{\"filter\":{},\"contentSelector\":{\"context\":\"Basic\",\"contextTiming\":["
	    "\"TimeOfCall\"]}}",
	    "contentSelector.contextTiming: can be given only when context is Extended; it is "
	    "ignored");
	tolerated(
	    CALLSBODY_EXTENSIVE,
	    "{\"filter\":{},\"contentSelector\":{\"contextTiming\":[\"Now\"]}}",
	    "contentSelector.contextTiming: can be given only when context is Extended; it is "
	    "ignored");
	/* An empty timing list says nothing. */
	tolerated(
	    CALLSBODY_EXTENSIVE,
	    "{\"filter\":{},\"contentSelector\":{\"context\":\"Basic\",\"contextTiming\":[]}}", "");
	/* The first mistake is the one noted: the body's before the filter's. */
	tolerated(CALLSBODY_EXTENSIVE, "{\"filter\":{\"a\":1},\"b\":2}",
	          "\"b\" is not a field Gong knows; it is ignored");
	/* The transcript view has neither a selector nor users. */
	tolerated(CALLSBODY_TRANSCRIPT, "{\"filter\":{},\"contentSelector\":{}}",
	          "\"contentSelector\" is not a field Gong knows; it is ignored");
	tolerated(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"primaryUserIds\":[\"1\"]}}",
	          "filter: \"primaryUserIds\" is not a field Gong knows; it is ignored");
	tolerated(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"callIds\":[\"1\"]},\"cursor\":\"c\"}", "");
}
END_TEST

START_TEST(exposed_fields_ask_for_parts)
{
	static const struct {
		const char *group, *flag;
		enum blocks_part part;
	} map[] = {
	    {"content", "structure", BLOCKS_STRUCTURE},
	    {"content", "topics", BLOCKS_TOPICS},
	    {"content", "trackers", BLOCKS_TRACKERS_BARE},
	    {"content", "trackerOccurrences", BLOCKS_TRACKERS},
	    {"content", "pointsOfInterest", BLOCKS_POINTS},
	    {"content", "brief", BLOCKS_BRIEF},
	    {"content", "outline", BLOCKS_OUTLINE},
	    {"content", "highlights", BLOCKS_HIGHLIGHTS},
	    {"content", "callOutcome", BLOCKS_OUTCOME},
	    {"content", "keyPoints", BLOCKS_KEY_POINTS},
	    {"interaction", "speakers", BLOCKS_SPEAKERS},
	    {"interaction", "video", BLOCKS_VIDEO},
	    {"interaction", "personInteractionStats", BLOCKS_STATS},
	    {"interaction", "questions", BLOCKS_QUESTIONS},
	    {"collaboration", "publicComments", BLOCKS_COMMENTS},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		struct callsbody b;
		char body[256];

		snprintf(body, sizeof(body),
		         "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"%s\":{\"%s\":"
		         "true}}}}",
		         map[i].group, map[i].flag);
		parse_ok(&b, CALLSBODY_EXTENSIVE, body);
		for (int p = 0; p < BLOCKS_COUNT; p++)
			ck_assert_msg(b.part[p] == (p == (int)map[i].part), "%s: part %d is %d",
			              body, p, b.part[p]);
		ck_assert_int_eq(b.content, strcmp(map[i].group, "content") == 0);
		ck_assert_int_eq(b.interaction, strcmp(map[i].group, "interaction") == 0);
		ck_assert_int_eq(b.collaboration, strcmp(map[i].group, "collaboration") == 0);
		ck_assert(!b.parties && !b.media);
		ck_assert_int_eq(b.context, CALLSBODY_CONTEXT_NONE);
		ck_assert_str_eq(b.tolerated, "");
		callsbody_free(&b);
	}
}
END_TEST

START_TEST(selector_combinations)
{
	struct callsbody b;

	/* Occurrences come with their trackers, whichever way both are asked for. */
	parse_ok(&b, CALLSBODY_EXTENSIVE,
	         "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"content\":{"
	         "\"trackerOccurrences\":true,\"trackers\":true}}}}");
	ck_assert(b.part[BLOCKS_TRACKERS]);
	ck_assert(!b.part[BLOCKS_TRACKERS_BARE]);
	callsbody_free(&b);
	parse_ok(&b, CALLSBODY_EXTENSIVE,
	         "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"content\":{"
	         "\"trackers\":true,\"trackerOccurrences\":false}}}}");
	ck_assert(!b.part[BLOCKS_TRACKERS]);
	ck_assert(b.part[BLOCKS_TRACKERS_BARE]);
	callsbody_free(&b);

	/* Groups with every flag false (or null) ask for nothing. */
	parse_ok(&b, CALLSBODY_EXTENSIVE,
	         "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"parties\":false,"
	         "\"media\":null,\"content\":{\"brief\":false,\"topics\":null},\"interaction\":{},"
	         "\"collaboration\":null}}}");
	ck_assert(!b.parties && !b.media && !b.content && !b.interaction && !b.collaboration);
	for (int p = 0; p < BLOCKS_COUNT; p++)
		ck_assert(!b.part[p]);
	callsbody_free(&b);

	parse_ok(&b, CALLSBODY_EXTENSIVE,
	         "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"parties\":true,"
	         "\"media\":true}}}");
	ck_assert(b.parties && b.media);
	ck_assert(!b.content && !b.interaction && !b.collaboration);
	callsbody_free(&b);

	/* Context levels and timings; Now when no timing is given. */
	parse_ok(&b, CALLSBODY_EXTENSIVE, "{\"filter\":{}}");
	ck_assert_int_eq(b.context, CALLSBODY_CONTEXT_NONE);
	ck_assert_uint_eq(b.timing, CALLSBODY_NOW);
	callsbody_free(&b);
	parse_ok(&b, CALLSBODY_EXTENSIVE,
	         "{\"filter\":{},\"contentSelector\":{\"context\":\"None\"}}");
	ck_assert_int_eq(b.context, CALLSBODY_CONTEXT_NONE);
	callsbody_free(&b);
	parse_ok(&b, CALLSBODY_EXTENSIVE,
	         "{\"filter\":{},\"contentSelector\":{\"context\":\"Basic\"}}");
	ck_assert_int_eq(b.context, CALLSBODY_CONTEXT_BASIC);
	callsbody_free(&b);
	parse_ok(&b, CALLSBODY_EXTENSIVE,
	         "{\"filter\":{},\"contentSelector\":{\"context\":\"Extended\"}}");
	ck_assert_int_eq(b.context, CALLSBODY_CONTEXT_EXTENDED);
	ck_assert_uint_eq(b.timing, CALLSBODY_NOW);
	callsbody_free(&b);
	parse_ok(&b, CALLSBODY_EXTENSIVE,
	         "{\"filter\":{},\"contentSelector\":{\"context\":\"Extended\",\"contextTiming\":"
	         "[\"TimeOfCall\"]}}");
	ck_assert_uint_eq(b.timing, CALLSBODY_TIME_OF_CALL);
	callsbody_free(&b);
	parse_ok(&b, CALLSBODY_EXTENSIVE,
	         "{\"filter\":{},\"contentSelector\":{\"context\":\"Extended\",\"contextTiming\":"
	         "[\"TimeOfCall\",\"Now\",\"Now\"]}}");
	ck_assert_uint_eq(b.timing, CALLSBODY_NOW | CALLSBODY_TIME_OF_CALL);
	callsbody_free(&b);
	parse_ok(&b, CALLSBODY_EXTENSIVE,
	         "{\"filter\":{},\"contentSelector\":{\"context\":\"Extended\",\"contextTiming\":"
	         "[]}}");
	ck_assert_uint_eq(b.timing, CALLSBODY_NOW);
	callsbody_free(&b);
	parse_ok(&b, CALLSBODY_EXTENSIVE,
	         "{\"filter\":{},\"contentSelector\":{\"context\":null,\"contextTiming\":null,"
	         "\"exposedFields\":null}}");
	ck_assert_int_eq(b.context, CALLSBODY_CONTEXT_NONE);
	ck_assert_str_eq(b.tolerated, "");
	callsbody_free(&b);
}
END_TEST

START_TEST(the_transcript_view_ignores_the_selector_and_users)
{
	struct callsbody b;

	/* A selector that the extensive view refuses is not even read. */
	refused(CALLSBODY_EXTENSIVE, "{\"filter\":{},\"contentSelector\":{\"context\":\"All\"}}",
	        "contentSelector.context: must be one of None, Basic, Extended");
	parse_ok(&b, CALLSBODY_TRANSCRIPT,
	         "{\"filter\":{},\"contentSelector\":{\"context\":\"All\",\"exposedFields\":{"
	         "\"parties\":true,\"media\":true}}}");
	ck_assert_int_eq(b.context, CALLSBODY_CONTEXT_NONE);
	ck_assert(!b.parties && !b.media && !b.content);
	ck_assert_str_eq(b.tolerated,
	                 "\"contentSelector\" is not a field Gong knows; it is ignored");
	callsbody_free(&b);

	/* Users, even bad ones, are an unknown key there. */
	parse_ok(&b, CALLSBODY_TRANSCRIPT,
	         "{\"filter\":{\"primaryUserIds\":[\"x\"],\"callIds\":[\"5\"]}}");
	ck_assert(!b.xf.has_users);
	ck_assert_ptr_null(b.users);
	ck_assert(b.xf.has_ids);
	ck_assert_uint_eq(b.xf.nids, 1);
	ck_assert_str_eq(b.tolerated,
	                 "filter: \"primaryUserIds\" is not a field Gong knows; it is ignored");
	ck_assert_uint_eq(b.filter_hash,
	                  hash_of(CALLSBODY_TRANSCRIPT, "{\"filter\":{\"callIds\":[\"5\"]}}"));
	callsbody_free(&b);
}
END_TEST

static Suite *
callsbody_suite(void)
{
	Suite *s = suite_create("callsbody");
	TCase *tc = tcase_create("refusals");

	tcase_add_test(tc, the_body_itself);
	tcase_add_test(tc, id_lists);
	tcase_add_test(tc, dates_workspace_cursor);
	tcase_add_test(tc, content_selector);
	tcase_add_test(tc, fields_are_judged_in_a_fixed_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("reading");
	tcase_add_test(tc, filters_are_read);
	tcase_add_test(tc, ids_sorted_deduplicated_numbers_taken);
	tcase_add_test(tc, empty_users_and_null_cursor_are_none);
	tcase_add_test(tc, filter_hash_is_of_the_sets);
	tcase_add_test(tc, tolerated_mistakes_are_noted);
	tcase_add_test(tc, exposed_fields_ask_for_parts);
	tcase_add_test(tc, selector_combinations);
	tcase_add_test(tc, the_transcript_view_ignores_the_selector_and_users);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(callsbody_suite());
}
