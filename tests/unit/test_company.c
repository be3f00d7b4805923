/*
 * test_company.c - users and workspaces gathered from records: saved /v2/users and
 * /v2/workspaces answers and a combined record, every refusal with its message, rendering in
 * key order without the avatar mark, later copies replacing earlier ones, lookups by id, users
 * and workspaces known by id alone, and whether the data gave them.
 */
#include "company.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#include "harness.h"

#define FULL_USER                                                                                  \
	"{\"id\":\"559956853532538\",\"emailAddress\":\"aiko@gong.example\","                      \
	"\"created\":\"2023-06-12T07:49:21Z\",\"active\":true,\"emailAliases\":[\"a@x.example\"],"  \
	"\"firstName\":\"Aiko\",\"lastName\":\"O'Brien\",\"title\":\"CRO\","                       \
	"\"phoneNumber\":\"+1 415-555-0984\",\"extension\":null,"                                  \
	"\"personalMeetingUrls\":[\"https://zoom.us/j/1\"],"                                       \
	"\"settings\":{\"webConferencesRecorded\":true,\"preventWebConferenceRecording\":false,"  \
	"\"telephonyCallsImported\":true,\"emailsImported\":false,\"preventEmailImport\":true,"    \
	"\"nonRecordedMeetingsImported\":false},\"managerId\":\"12\","                             \
	"\"meetingConsentPageUrl\":\"https://join.gong.io/x\","                                    \
	"\"spokenLanguages\":[{\"language\":\"en-US\",\"primary\":true}]}"

static json_t *
parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	ck_assert_msg(j != NULL, "%s: %s", text, e.text);
	return j;
}

/* Adds the record `text` to cs; returns what company_add_record returned, err in err. */
static int
add(struct company_set *cs, const char *text, char *err, size_t errlen)
{
	json_t *j = parse(text);
	int rc;

	err[0] = '\0';
	rc = company_add_record(cs, j, err, errlen);
	json_decref(j);
	return rc;
}

/* A company from one record, which must be accepted. */
static struct company *
build(const char *text)
{
	struct company_set cs;
	struct company *c;
	char err[256];

	memset(&cs, 0, sizeof(cs));
	ck_assert_msg(add(&cs, text, err, sizeof(err)) == 0, "%s: %s", text, err);
	c = company_build(&cs);
	ck_assert_ptr_nonnull(c);
	company_set_free(&cs);
	return c;
}

static const struct company_user *
user_by(const struct company *c, const char *id)
{
	uint64_t hi, lo;

	store_id_split(id, strlen(id), &hi, &lo);
	return company_user(c, hi, lo);
}

static char *
text_of(const char *json, uint32_t len)
{
	char *s = malloc(len + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, json, len);
	s[len] = '\0';
	return s;
}

static void
assert_user_json(const struct company_user *u, const char *want)
{
	char *got;

	ck_assert_ptr_nonnull(u);
	got = text_of(u->json, u->len);
	ck_assert_str_eq(got, want);
	free(got);
}

static void
assert_ws_json(const struct company_workspace *w, const char *want)
{
	char *got = text_of(w->json, w->len);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(a_saved_users_answer)
{
	struct company *c = build("{\"requestId\":\"r\",\"records\":{\"totalRecords\":2,"
	                          "\"currentPageSize\":2,\"currentPageNumber\":0},\"users\":[" FULL_USER
	                          ",{\"id\":\"7\",\"created\":\"2020-01-01T00:00:00+02:00\"}]}");
	size_t n;
	const struct company_user *u = company_users(c, &n);

	ck_assert_uint_eq(n, 2);
	/* Sorted by id as numbers: 7 before 559956853532538. */
	assert_user_json(&u[0], "{\"id\":\"7\",\"created\":\"2020-01-01T00:00:00+02:00\"}");
	ck_assert_int_eq(u[0].created_us, INT64_C(1577829600000000));
	ck_assert(!u[0].avatar);
	assert_user_json(&u[1], FULL_USER);
	ck_assert_int_eq(u[1].created_us, INT64_C(1686556161000000));
	ck_assert(company_has_users(c));
	ck_assert(!company_has_workspaces(c));
	company_workspaces(c, &n);
	ck_assert_uint_eq(n, 0);
	company_free(c);
}
END_TEST

START_TEST(a_saved_workspaces_answer)
{
	struct company *c =
	    build("{\"requestId\":\"r\",\"workspaces\":[{\"id\":\"9\",\"name\":\"EMEA\","
	          "\"description\":\"Europe\"},{\"id\":\"3\",\"name\":null,\"description\":null},"
	          "{\"description\":\"d\",\"id\":\"12345678901234567890\",\"name\":\"n\"}]}");
	size_t n;
	const struct company_workspace *w = company_workspaces(c, &n);

	ck_assert_uint_eq(n, 3);
	/* In the order given, keys in the order given. */
	ck_assert_str_eq(w[0].id, "9");
	assert_ws_json(&w[0], "{\"id\":\"9\",\"name\":\"EMEA\",\"description\":\"Europe\"}");
	ck_assert_str_eq(w[1].id, "3");
	assert_ws_json(&w[1], "{\"id\":\"3\",\"name\":null,\"description\":null}");
	ck_assert_str_eq(w[2].id, "12345678901234567890");
	assert_ws_json(&w[2],
	               "{\"description\":\"d\",\"id\":\"12345678901234567890\",\"name\":\"n\"}");
	ck_assert(company_has_workspaces(c));
	ck_assert(!company_has_users(c));
	ck_assert(company_has_workspace(c, "9"));
	ck_assert(company_has_workspace(c, "3"));
	ck_assert(company_has_workspace(c, "12345678901234567890"));
	ck_assert(!company_has_workspace(c, "4"));
	ck_assert(!company_has_workspace(c, "93"));
	company_users(c, &n);
	ck_assert_uint_eq(n, 0);
	company_free(c);
}
END_TEST

START_TEST(a_combined_record_and_records_apart)
{
	struct company_set cs;
	struct company *c;
	char err[256];
	size_t n;

	memset(&cs, 0, sizeof(cs));
	ck_assert_int_eq(add(&cs,
	                     "{\"workspaces\":[{\"id\":\"1\",\"name\":\"A\",\"description\":null}],"
	                     "\"users\":[{\"id\":\"5\"},{\"id\":\"4\",\"avatar\":false}]}",
	                     err, sizeof(err)),
	                 0);
	ck_assert_int_eq(add(&cs, "{\"users\":[{\"id\":\"6\",\"avatar\":true}]}", err, sizeof(err)),
	                 0);
	ck_assert_int_eq(add(&cs, "{\"workspaces\":[{\"id\":\"2\"}]}", err, sizeof(err)), 0);
	c = company_build(&cs);
	ck_assert_ptr_nonnull(c);
	company_set_free(&cs);
	const struct company_user *u = company_users(c, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(u[0].id_lo, 4);
	ck_assert_uint_eq(u[1].id_lo, 5);
	ck_assert_uint_eq(u[2].id_lo, 6);
	ck_assert(!u[0].avatar);
	ck_assert(!u[1].avatar);
	ck_assert(u[2].avatar);
	/* The mark is gongmock's own: never rendered, true or false. */
	assert_user_json(&u[0], "{\"id\":\"4\"}");
	assert_user_json(&u[2], "{\"id\":\"6\"}");
	ck_assert_int_eq(u[1].created_us, INT64_MIN);
	company_workspaces(c, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert(company_has_users(c));
	ck_assert(company_has_workspaces(c));
	company_free(c);
}
END_TEST

START_TEST(the_avatar_mark_is_dropped_wherever_it_stands)
{
	struct company *c = build(
	    "{\"users\":[{\"avatar\":true,\"id\":\"1\",\"firstName\":\"Gong\"},"
	    "{\"id\":\"2\",\"avatar\":true,\"firstName\":\"X\"},"
	    "{\"id\":\"3\",\"firstName\":\"Y\",\"avatar\":true},{\"id\":\"4\",\"avatar\":true}]}");
	size_t n;
	const struct company_user *u = company_users(c, &n);

	ck_assert_uint_eq(n, 4);
	assert_user_json(&u[0], "{\"id\":\"1\",\"firstName\":\"Gong\"}");
	assert_user_json(&u[1], "{\"id\":\"2\",\"firstName\":\"X\"}");
	assert_user_json(&u[2], "{\"id\":\"3\",\"firstName\":\"Y\"}");
	assert_user_json(&u[3], "{\"id\":\"4\"}");
	for (size_t i = 0; i < n; i++)
		ck_assert(u[i].avatar);
	company_free(c);
}
END_TEST

static const struct refusal {
	const char *record;
	const char *message;
} refusals[] = {
    {"{\"users\":{}}", "users: must be an array"},
    {"{\"workspaces\":\"x\"}", "workspaces: must be an array"},
    {"{\"users\":[{\"id\":\"1\"},7]}", "users[1]: must be an object"},
    {"{\"users\":[{}]}", "users[0].id: must be a string of 1-20 digits"},
    {"{\"users\":[{\"id\":1}]}", "users[0].id: must be a string of 1-20 digits"},
    {"{\"users\":[{\"id\":\"\"}]}", "users[0].id: must be a string of 1-20 digits"},
    {"{\"users\":[{\"id\":\"12a\"}]}", "users[0].id: must be a string of 1-20 digits"},
    {"{\"users\":[{\"id\":\"123456789012345678901\"}]}",
     "users[0].id: must be a string of 1-20 digits"},
    {"{\"users\":[{\"id\":null}]}", "users[0].id: must be a string of 1-20 digits"},
    {"{\"users\":[{\"id\":\"1\"},{\"id\":\"2\",\"created\":\"yesterday\"}]}",
     "users[1].created: must be an ISO-8601 date-time with an offset or null"},
    {"{\"users\":[{\"id\":\"2\",\"created\":\"2025-01-01T00:00:00\"}]}",
     "users[0].created: must be an ISO-8601 date-time with an offset or null"},
    {"{\"users\":[{\"id\":\"2\",\"created\":5}]}",
     "users[0].created: must be an ISO-8601 date-time with an offset or null"},
    {"{\"users\":[{\"id\":\"2\",\"managerId\":\"x\"}]}",
     "users[0].managerId: must be a string of 1-20 digits or null"},
    {"{\"users\":[{\"id\":\"2\",\"managerId\":3}]}",
     "users[0].managerId: must be a string of 1-20 digits or null"},
    {"{\"users\":[{\"id\":\"2\",\"active\":\"yes\"}]}",
     "users[0].active: must be a boolean or null"},
    {"{\"users\":[{\"id\":\"2\",\"active\":1}]}", "users[0].active: must be a boolean or null"},
    {"{\"users\":[{\"id\":\"2\",\"emailAliases\":\"a@b\"}]}",
     "users[0].emailAliases: must be an array or null"},
    {"{\"users\":[{\"id\":\"2\",\"personalMeetingUrls\":{}}]}",
     "users[0].personalMeetingUrls: must be an array or null"},
    {"{\"users\":[{\"id\":\"2\",\"spokenLanguages\":\"en\"}]}",
     "users[0].spokenLanguages: must be an array or null"},
    {"{\"users\":[{\"id\":\"2\",\"settings\":[]}]}",
     "users[0].settings: must be an object or null"},
    {"{\"users\":[{\"id\":\"2\",\"settings\":true}]}",
     "users[0].settings: must be an object or null"},
    {"{\"users\":[{\"id\":\"2\",\"emailAddress\":3}]}",
     "users[0].emailAddress: must be a string or null"},
    {"{\"users\":[{\"id\":\"2\",\"firstName\":[]}]}",
     "users[0].firstName: must be a string or null"},
    {"{\"users\":[{\"id\":\"2\",\"avatar\":null}]}", "users[0].avatar: must be a boolean"},
    {"{\"users\":[{\"id\":\"2\",\"avatar\":\"true\"}]}", "users[0].avatar: must be a boolean"},
    {"{\"users\":[{\"id\":\"2\",\"avatar\":1}]}", "users[0].avatar: must be a boolean"},
    {"{\"workspaces\":[{\"id\":\"1\"},[]]}", "workspaces[1]: must be an object"},
    {"{\"workspaces\":[{\"name\":\"A\"}]}", "workspaces[0].id: must be a string of 1-20 digits"},
    {"{\"workspaces\":[{\"id\":7}]}", "workspaces[0].id: must be a string of 1-20 digits"},
    {"{\"workspaces\":[{\"id\":\"1\"},{\"id\":\"-1\"}]}",
     "workspaces[1].id: must be a string of 1-20 digits"},
    {"{\"workspaces\":[{\"id\":\"123456789012345678901\"}]}",
     "workspaces[0].id: must be a string of 1-20 digits"},
    {"{\"workspaces\":[{\"id\":\"1\",\"name\":5}]}",
     "workspaces[0].name: must be a string or null"},
    {"{\"workspaces\":[{\"id\":\"1\",\"name\":\"A\",\"description\":{}}]}",
     "workspaces[0].description: must be a string or null"},
};

START_TEST(each_refusal_names_the_place)
{
	const struct refusal *f = &refusals[_i];
	struct company_set cs;
	char err[256];

	memset(&cs, 0, sizeof(cs));
	ck_assert_msg(add(&cs, f->record, err, sizeof(err)) == -1, "%s: accepted", f->record);
	ck_assert_msg(strcmp(err, f->message) == 0, "%s\n  got  %s\n  want %s", f->record, err,
	              f->message);
	company_set_free(&cs);
}
END_TEST

START_TEST(nulls_are_accepted_for_every_field)
{
	struct company *c = build(
	    "{\"users\":[{\"id\":\"2\",\"emailAddress\":null,\"created\":null,\"active\":null,"
	    "\"emailAliases\":null,\"firstName\":null,\"lastName\":null,\"title\":null,"
	    "\"phoneNumber\":null,\"extension\":null,\"personalMeetingUrls\":null,"
	    "\"settings\":null,\"managerId\":null,\"meetingConsentPageUrl\":null,"
	    "\"spokenLanguages\":null,\"somethingNew\":{\"a\":[1,2]}}]}");
	size_t n;
	const struct company_user *u = company_users(c, &n);

	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(u[0].created_us, INT64_MIN);
	/* Keys Gong may add later are kept, as given. */
	assert_user_json(
	    &u[0], "{\"id\":\"2\",\"emailAddress\":null,\"created\":null,\"active\":null,"
	           "\"emailAliases\":null,\"firstName\":null,\"lastName\":null,\"title\":null,"
	           "\"phoneNumber\":null,\"extension\":null,\"personalMeetingUrls\":null,"
	           "\"settings\":null,\"managerId\":null,\"meetingConsentPageUrl\":null,"
	           "\"spokenLanguages\":null,\"somethingNew\":{\"a\":[1,2]}}");
	company_free(c);
}
END_TEST

START_TEST(a_later_copy_replaces_the_earlier)
{
	struct company_set cs;
	struct company *c;
	char err[256];
	size_t n;

	memset(&cs, 0, sizeof(cs));
	ck_assert_int_eq(add(&cs,
	                     "{\"users\":[{\"id\":\"10\",\"title\":\"old\"},{\"id\":\"20\"},"
	                     "{\"id\":\"10\",\"title\":\"mid\"}],"
	                     "\"workspaces\":[{\"id\":\"1\",\"name\":\"one\"},{\"id\":\"2\","
	                     "\"name\":\"two\"},{\"id\":\"3\",\"name\":\"three\"}]}",
	                     err, sizeof(err)),
	                 0);
	ck_assert_int_eq(add(&cs,
	                     "{\"users\":[{\"id\":\"10\",\"title\":\"new\",\"avatar\":true}],"
	                     "\"workspaces\":[{\"id\":\"1\",\"name\":\"ONE\"}]}",
	                     err, sizeof(err)),
	                 0);
	c = company_build(&cs);
	ck_assert_ptr_nonnull(c);
	company_set_free(&cs);
	const struct company_user *u = company_users(c, &n);
	ck_assert_uint_eq(n, 2);
	assert_user_json(&u[0], "{\"id\":\"10\",\"title\":\"new\"}");
	ck_assert(u[0].avatar);
	assert_user_json(&u[1], "{\"id\":\"20\"}");
	ck_assert_ptr_eq(user_by(c, "10"), &u[0]);
	const struct company_workspace *w = company_workspaces(c, &n);
	ck_assert_uint_eq(n, 3);
	/* The workspace keeps its first place, with the later text. */
	ck_assert_str_eq(w[0].id, "1");
	assert_ws_json(&w[0], "{\"id\":\"1\",\"name\":\"ONE\"}");
	ck_assert_str_eq(w[1].id, "2");
	ck_assert_str_eq(w[2].id, "3");
	company_free(c);
}
END_TEST

START_TEST(lookups_by_id)
{
	struct company *c = build(
	    "{\"users\":[{\"id\":\"99999999999999999999\"},{\"id\":\"18446744073709551616\"},"
	    "{\"id\":\"18446744073709551615\"},{\"id\":\"1\"},{\"id\":\"300\"},{\"id\":\"25\"}]}");
	static const char *const present[] = {"1",
	                                      "25",
	                                      "300",
	                                      "18446744073709551615",
	                                      "18446744073709551616",
	                                      "99999999999999999999"};
	static const char *const absent[] = {"0", "2", "26", "299", "301", "18446744073709551614",
	                                     "18446744073709551617", "99999999999999999998"};
	size_t n;
	const struct company_user *u = company_users(c, &n);

	ck_assert_uint_eq(n, 6);
	for (size_t i = 0; i < n; i++) {
		char want[64];
		const struct company_user *f = user_by(c, present[i]);

		/* Sorted by id as numbers, and each found at its place. */
		snprintf(want, sizeof(want), "{\"id\":\"%s\"}", present[i]);
		assert_user_json(&u[i], want);
		ck_assert_ptr_eq(f, &u[i]);
	}
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		ck_assert_msg(user_by(c, absent[i]) == NULL, "%s found", absent[i]);
	company_free(c);
}
END_TEST

START_TEST(an_empty_company)
{
	struct company_set cs;
	struct company *c;
	size_t n;

	memset(&cs, 0, sizeof(cs));
	c = company_build(&cs);
	ck_assert_ptr_nonnull(c);
	company_set_free(&cs);
	company_users(c, &n);
	ck_assert_uint_eq(n, 0);
	company_workspaces(c, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(user_by(c, "1"));
	ck_assert(!company_has_users(c));
	ck_assert(!company_has_workspaces(c));
	ck_assert(!company_has_workspace(c, "1"));
	company_free(c);
	company_free(NULL);
}
END_TEST

START_TEST(empty_arrays_still_count_as_given)
{
	struct company *c = build("{\"users\":[],\"workspaces\":[]}");
	size_t n;

	company_users(c, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert(company_has_users(c));
	ck_assert(company_has_workspaces(c));
	company_free(c);
}
END_TEST

START_TEST(bare_users_and_workspaces)
{
	struct company_set cs;
	struct company *c;
	size_t n;
	uint64_t hi, lo;

	memset(&cs, 0, sizeof(cs));
	store_id_split("12345678901234567890", 20, &hi, &lo);
	ck_assert_int_eq(company_add_bare_user(&cs, hi, lo), 0);
	ck_assert_int_eq(company_add_bare_user(&cs, 0, 42), 0);
	ck_assert_int_eq(company_add_bare_workspace(&cs, "77"), 0);
	ck_assert_int_eq(company_add_bare_workspace(&cs, "5"), 0);
	c = company_build(&cs);
	ck_assert_ptr_nonnull(c);
	company_set_free(&cs);

	const struct company_user *u = company_users(c, &n);
	ck_assert_uint_eq(n, 2);
	json_t *j = json_loadb(u[0].json, u[0].len, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "id")), "42");
	/* Every key of Gong's UserMetadata, in its order. */
	static const char *const keys[] = {"id",
	                                   "emailAddress",
	                                   "created",
	                                   "active",
	                                   "emailAliases",
	                                   "firstName",
	                                   "lastName",
	                                   "title",
	                                   "phoneNumber",
	                                   "extension",
	                                   "personalMeetingUrls",
	                                   "settings",
	                                   "managerId",
	                                   "meetingConsentPageUrl",
	                                   "spokenLanguages"};
	ck_assert_uint_eq(json_object_size(j), sizeof(keys) / sizeof(keys[0]));
	{
		const char *key;
		json_t *v;
		size_t k = 0;

		json_object_foreach(j, key, v)
		{
			ck_assert_str_eq(key, keys[k]);
			k++;
			if (strcmp(key, "id") == 0)
				continue;
			if (strcmp(key, "active") == 0)
				ck_assert(json_is_boolean(v));
			else if (strcmp(key, "emailAliases") == 0 ||
			         strcmp(key, "personalMeetingUrls") == 0 ||
			         strcmp(key, "spokenLanguages") == 0)
				ck_assert_msg(json_is_array(v) && json_array_size(v) == 0, "%s", key);
			else
				ck_assert_msg(json_is_null(v), "%s not null", key);
		}
	}
	json_decref(j);
	ck_assert_int_eq(u[0].created_us, INT64_MIN);
	ck_assert(!u[0].avatar);
	ck_assert_ptr_eq(user_by(c, "12345678901234567890"), &u[1]);
	ck_assert_ptr_nonnull(strstr(u[1].json, "\"id\":\"12345678901234567890\""));

	const struct company_workspace *w = company_workspaces(c, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(w[0].id, "77");
	assert_ws_json(&w[0], "{\"id\":\"77\",\"name\":null,\"description\":null}");
	ck_assert_str_eq(w[1].id, "5");
	assert_ws_json(&w[1], "{\"id\":\"5\",\"name\":null,\"description\":null}");
	/* Made from calls, not given. */
	ck_assert(!company_has_users(c));
	ck_assert(!company_has_workspaces(c));
	ck_assert(company_has_workspace(c, "77"));
	ck_assert(company_has_workspace(c, "5"));
	ck_assert(!company_has_workspace(c, "7"));
	company_free(c);
}
END_TEST

static Suite *
company_suite(void)
{
	Suite *s = suite_create("company");
	TCase *tc = tcase_create("records");

	tcase_add_test(tc, a_saved_users_answer);
	tcase_add_test(tc, a_combined_record_and_records_apart);
	tcase_add_test(tc, the_avatar_mark_is_dropped_wherever_it_stands);
	tcase_add_loop_test(tc, each_refusal_names_the_place, 0,
	                    sizeof(refusals) / sizeof(refusals[0]));
	tcase_add_test(tc, nulls_are_accepted_for_every_field);
	tcase_add_test(tc, a_later_copy_replaces_the_earlier);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookups");
	tcase_add_test(tc, lookups_by_id);
	tcase_add_test(tc, bare_users_and_workspaces);
	suite_add_tcase(s, tc);

	/* A company without users: company_build sorts a NULL array of none, which UBSan
	 * reports (qsort's first argument is declared non-null). */
	tc = tcase_create("bug_no_users");
	tcase_add_test(tc, a_saved_workspaces_answer);
	tcase_add_test(tc, an_empty_company);
	tcase_add_test(tc, empty_arrays_still_count_as_given);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(company_suite());
}
