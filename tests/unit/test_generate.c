/*
 * test_generate.c - `gongmock generate`: the same options give the same bytes, the options are
 * honoured, the default dataset covers every contract value and loads into the store as it
 * is (already in the store's order), both formats hold the same calls, the built-in fixtures
 * are the default dataset, and bad command lines exit with 2.
 *
 * The extensive shape: the basic shape is byte for byte what it always was, each call's
 * metaData is its basic object, and the blocks agree with each other, with the transcript and
 * with the company that generate_users and generate_workspaces enumerate.
 *
 * The company record: first in the extensive shape only, in both formats; its workspaces and
 * users with exactly the keys of WorkspaceMetadata and UserMetadata, in order; every id the
 * calls mention in it; the avatars last and marked.
 */
#include "generate.h"

#include <check.h>
#include <ctype.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "isotime.h"
#include "store.h"

#include "harness.h"
#include "stores.h"

struct text {
	char *p;
	size_t len;
};

static struct text
write_to_memory(const struct generate_options *o)
{
	struct text t = {0};
	FILE *f = open_memstream(&t.p, &t.len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(generate_write(o, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return t;
}

static struct text
defaults_text(int jsonl)
{
	struct generate_options o;
	generate_defaults(&o);
	o.jsonl = jsonl;
	return write_to_memory(&o);
}

/* The defaults in the basic shape, what the store reads as it is. */
static struct text
basic_text(int jsonl)
{
	struct generate_options o;
	generate_defaults(&o);
	o.jsonl = jsonl;
	o.shape = GENERATE_SHAPE_BASIC;
	return write_to_memory(&o);
}

static struct store *
load(const struct text *t)
{
	char err[256];
	struct store *s = store_load_buffer("generated", t->p, t->len, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

static size_t
count_lines(const struct text *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->len; i++)
		n += t->p[i] == '\n';
	return n;
}

START_TEST(test_same_seed_same_bytes)
{
	for (int shape = 0; shape < 2; shape++)
		for (int jsonl = 0; jsonl < 2; jsonl++) {
			struct generate_options o;
			generate_defaults(&o);
			o.jsonl = jsonl;
			o.shape = shape ? GENERATE_SHAPE_BASIC : GENERATE_SHAPE_EXTENSIVE;
			struct text a = write_to_memory(&o), b = write_to_memory(&o);
			ck_assert_uint_eq(a.len, b.len);
			ck_assert_int_eq(memcmp(a.p, b.p, a.len), 0);
			free(a.p);
			free(b.p);
		}
}
END_TEST

START_TEST(test_other_seed_other_bytes)
{
	for (int shape = 0; shape < 2; shape++) {
		struct generate_options o;
		generate_defaults(&o);
		o.shape = shape ? GENERATE_SHAPE_BASIC : GENERATE_SHAPE_EXTENSIVE;
		struct text a = write_to_memory(&o);
		o.seed = 2;
		struct text b = write_to_memory(&o);
		ck_assert(a.len != b.len || memcmp(a.p, b.p, a.len) != 0);
		/* Not merely shuffled: the first calls differ. */
		ck_assert(memcmp(a.p, b.p, 64) != 0);
		free(a.p);
		free(b.p);
	}
}
END_TEST

/* FNV-1a, 64 bits: a fingerprint of a whole dataset. */
static uint64_t
fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Three calls in the basic shape, as every earlier version of the generator wrote them. */
static const char BASIC_GOLDEN[] =
    "{\"id\":\"3673122104927448606\""
    ",\"url\":\"https://us-49467.app.gong.io/call?id=3673122104927448606\""
    ",\"title\":\"Outbound call to François Smith (Zürich Re)\""
    ",\"scheduled\":null,\"started\":\"2024-02-28T10:01:07+02:00\",\"duration\":505"
    ",\"primaryUserId\":\"983514723518429860\",\"direction\":\"Outbound\""
    ",\"system\":\"Dialpad\",\"scope\":\"External\",\"media\":\"Audio\""
    ",\"language\":\"eng\",\"workspaceId\":\"9547809191434862240\""
    ",\"sdrDisposition\":\"Not interested\",\"clientUniqueId\":null"
    ",\"customData\":null,\"purpose\":null,\"meetingUrl\":null,\"isPrivate\":false"
    ",\"calendarEventId\":null}\n"
    "{\"id\":\"658816109629035057\""
    ",\"url\":\"https://us-49467.app.gong.io/call?id=658816109629035057\""
    ",\"title\":\"1:1 Amara / Priya\",\"scheduled\":\"2024-02-29T05:00:00Z\""
    ",\"started\":\"2024-02-29T05:00:10Z\",\"duration\":2755"
    ",\"primaryUserId\":\"81021411809914670\",\"direction\":\"Conference\""
    ",\"system\":\"Google Meet\",\"scope\":\"Internal\",\"media\":\"Audio\""
    ",\"language\":\"eng\",\"workspaceId\":\"9547809191434862240\""
    ",\"sdrDisposition\":null,\"clientUniqueId\":null,\"customData\":null"
    ",\"purpose\":null,\"meetingUrl\":\"https://meet.google.com/ymx-pson-nak\""
    ",\"isPrivate\":false"
    ",\"calendarEventId\":\"40txnw78fdrvykw9zsmlyh4j4w@google.com\"}\n"
    "{\"id\":\"3444510114330621508\""
    ",\"url\":\"https://us-49467.app.gong.io/call?id=3444510114330621508\""
    ",\"title\":\"Outbound call to Kenji Silva (Vandelay Industries)\""
    ",\"scheduled\":null,\"started\":\"2024-02-29T15:09:06Z\",\"duration\":26"
    ",\"primaryUserId\":\"615682759946965\",\"direction\":\"Outbound\""
    ",\"system\":\"Aircall\",\"scope\":\"External\",\"media\":\"Audio\""
    ",\"language\":\"zxx\",\"workspaceId\":\"9547809191434862240\""
    ",\"sdrDisposition\":null,\"clientUniqueId\":\"WF6IEY2W1VBMPBTTZQL\""
    ",\"customData\":\"Conference Call\",\"purpose\":null,\"meetingUrl\":null"
    ",\"isPrivate\":false,\"calendarEventId\":null}\n";

START_TEST(test_basic_shape_unchanged)
{
	struct generate_options o;
	struct text t;

	/* Word for word. */
	generate_defaults(&o);
	o.shape = GENERATE_SHAPE_BASIC;
	o.seed = 9;
	o.calls = 3;
	o.workspaces = 1;
	o.jsonl = 1;
	ck_assert_int_eq(isotime_parse("2024-02-28T00:00:00Z", 20, ISOTIME_LENIENT, &o.from_us), 0);
	ck_assert_int_eq(isotime_parse("2024-03-01T00:00:00Z", 20, ISOTIME_LENIENT, &o.to_us), 0);
	t = write_to_memory(&o);
	ck_assert_str_eq(t.p, BASIC_GOLDEN);
	free(t.p);

	/* Whole datasets, by fingerprint: the defaults (the fixtures of earlier versions) in both
	 * formats, and another seed, size and number of workspaces. */
	t = basic_text(0);
	ck_assert_uint_eq(t.len, 228561);
	ck_assert_uint_eq(fnv1a(t.p, t.len), 0x7fed4e29a0b4da7bULL);
	free(t.p);
	t = basic_text(1);
	ck_assert_uint_eq(t.len, 228158);
	ck_assert_uint_eq(fnv1a(t.p, t.len), 0x0d33685287161537ULL);
	free(t.p);
	generate_defaults(&o);
	o.shape = GENERATE_SHAPE_BASIC;
	o.seed = 77;
	o.calls = 900;
	o.workspaces = 5;
	t = write_to_memory(&o);
	ck_assert_uint_eq(t.len, 515696);
	ck_assert_uint_eq(fnv1a(t.p, t.len), 0x77a0aeb75083d595ULL);
	free(t.p);
}
END_TEST

/* Each extensive line is {"metaData":<the basic line>,"context":...}. */
START_TEST(test_metadata_is_the_basic_call)
{
	static const uint64_t seeds[] = {1, 42};
	for (size_t k = 0; k < 2; k++) {
		struct generate_options o;
		generate_defaults(&o);
		o.seed = seeds[k];
		o.calls = 700;
		o.workspaces = 4;
		o.jsonl = 1;
		o.shape = GENERATE_SHAPE_BASIC;
		struct text basic = write_to_memory(&o);
		o.shape = GENERATE_SHAPE_EXTENSIVE;
		struct text ext = write_to_memory(&o);
		ck_assert_uint_eq(count_lines(&basic), 700);
		ck_assert_uint_eq(count_lines(&ext), 701);
		ck_assert_uint_gt(ext.len, basic.len * 5);
		/* The company record first, then the calls. */
		char *b = basic.p, *e = strchr(ext.p, '\n') + 1;
		ck_assert_int_eq(strncmp(ext.p, "{\"workspaces\":[", 15), 0);
		for (size_t i = 0; i < 700; i++) {
			char *bend = strchr(b, '\n'), *eend = strchr(e, '\n');
			size_t n = (size_t)(bend - b);
			ck_assert_int_eq(strncmp(e, "{\"metaData\":", 12), 0);
			ck_assert_msg(memcmp(e + 12, b, n) == 0, "call %zu: metaData differs", i);
			ck_assert_int_eq(strncmp(e + 12 + n, ",\"context\":", 11), 0);
			ck_assert_int_eq(strncmp(eend - 1, "}", 1), 0);
			b = bend + 1;
			e = eend + 1;
		}
		free(basic.p);
		free(ext.p);
	}
}
END_TEST

START_TEST(test_count_and_shape)
{
	static const uint64_t counts[] = {0, 1, 7, 1234};
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct generate_options o;
		generate_defaults(&o);
		o.calls = counts[i];
		o.workspaces = 2;
		o.shape = GENERATE_SHAPE_BASIC;
		o.jsonl = 1;
		struct text l = write_to_memory(&o);
		o.jsonl = 0;
		struct text j = write_to_memory(&o);
		o.shape = GENERATE_SHAPE_EXTENSIVE;
		struct text x = write_to_memory(&o);
		json_error_t e;
		json_t *xa = json_loadb(x.p, x.len, 0, &e);
		ck_assert_msg(xa != NULL, "%s", e.text);
		/* The company record, then the calls, each on a line of its own. */
		ck_assert_uint_eq(json_array_size(xa), counts[i] + 1);
		ck_assert_uint_eq(count_lines(&x), counts[i] + 3);
		ck_assert_int_eq(strncmp(x.p, "[\n{\"workspaces\":[", 17), 0);
		ck_assert_int_eq(strcmp(x.p + x.len - 4, "}\n]\n"), 0);
		json_decref(xa);
		free(x.p);
		ck_assert_uint_eq(count_lines(&l), counts[i]);
		/* The array puts `[` and `]` on lines of their own, a call on each line between. */
		if (counts[i]) {
			ck_assert_uint_eq(count_lines(&j), counts[i] + 2);
			ck_assert_int_eq(strncmp(j.p, "[\n{\"id\":\"", 9), 0);
			ck_assert_int_eq(strcmp(j.p + j.len - 4, "}\n]\n"), 0);
		} else {
			ck_assert_str_eq(j.p, "[]\n");
			ck_assert_uint_eq(l.len, 0);
		}
		struct store *s = load(&j);
		ck_assert_uint_eq(store_count(s), counts[i]);
		ck_assert_uint_le(store_workspace_count(s), 2);
		store_free(s);
		free(l.p);
		free(j.p);
	}
}
END_TEST

static int
has_value(json_t *seen, const char *key, const char *value)
{
	return json_object_get(json_object_get(seen, key), value) != NULL;
}

START_TEST(test_default_dataset_coverage)
{
	struct text t = basic_text(0);
	json_error_t e;
	json_t *calls = json_loadb(t.p, t.len, 0, &e);
	ck_assert_msg(calls != NULL, "%s", e.text);
	ck_assert_uint_eq(json_array_size(calls), 400);

	static const char *const enum_keys[] = {"direction", "scope",  "media",
	                                        "language",  "system", "workspaceId"};
	json_t *seen = json_object();
	size_t conference = 0, adhoc = 0, phone = 0, phone_scheduled = 0, offset = 0, zulu = 0;
	size_t nulls[4] = {0}, big = 0, eighteen = 0;
	int64_t from, to;
	ck_assert_int_eq(isotime_parse("2025-01-01T00:00:00Z", 20, ISOTIME_LENIENT, &from), 0);
	ck_assert_int_eq(isotime_parse("2025-07-01T00:00:00Z", 20, ISOTIME_LENIENT, &to), 0);

	for (size_t i = 0; i < json_array_size(calls); i++) {
		json_t *c = json_array_get(calls, i);
		ck_assert_uint_eq(json_object_size(c), 20);
		for (size_t k = 0; k < sizeof(enum_keys) / sizeof(enum_keys[0]); k++) {
			json_t *v = json_object_get(c, enum_keys[k]);
			ck_assert(json_is_string(v));
			if (!json_object_get(seen, enum_keys[k]))
				json_object_set_new(seen, enum_keys[k], json_object());
			json_object_set_new(json_object_get(seen, enum_keys[k]),
			                    json_string_value(v), json_true());
		}
		const char *id = json_string_value(json_object_get(c, "id"));
		size_t idlen = strlen(id);
		ck_assert(idlen == 18 || idlen == 19);
		eighteen += idlen == 18;
		big += strtoull(id, NULL, 10) > 9007199254740992ULL;
		char url[128];
		snprintf(url, sizeof(url), "https://us-49467.app.gong.io/call?id=%s", id);
		ck_assert_str_eq(json_string_value(json_object_get(c, "url")), url);
		ck_assert(json_is_integer(json_object_get(c, "duration")));
		ck_assert(json_is_boolean(json_object_get(c, "isPrivate")));
		ck_assert_uint_eq(strlen(json_string_value(json_object_get(c, "workspaceId"))), 19);

		json_t *meeting = json_object_get(c, "meetingUrl");
		json_t *sched = json_object_get(c, "scheduled");
		const char *started = json_string_value(json_object_get(c, "started"));
		int64_t st, sc = 0;
		ck_assert_int_eq(
		    isotime_parse(started, strlen(started), ISOTIME_REQUIRE_OFFSET, &st), 0);
		if (json_is_string(sched))
			ck_assert_int_eq(isotime_parse(json_string_value(sched),
			                               strlen(json_string_value(sched)),
			                               ISOTIME_REQUIRE_OFFSET, &sc),
			                 0);
		if (started[strlen(started) - 1] == 'Z')
			zulu++;
		else
			offset++;
		int64_t date = st;
		if (json_is_string(meeting) && json_is_string(sched)) {
			/* Started a few minutes after the scheduled time, dated by the latter. */
			conference++;
			ck_assert_int_ge(st - sc, 0);
			ck_assert_int_lt(st - sc, 10 * 60 * 1000000LL);
			date = sc;
		} else if (json_is_string(meeting)) {
			adhoc++;
		} else {
			phone++;
			phone_scheduled += json_is_string(sched);
			ck_assert_str_eq(json_string_value(json_object_get(c, "media")), "Audio");
		}
		ck_assert_int_ge(date, from);
		ck_assert_int_lt(date, to);
		static const char *const optional[] = {"sdrDisposition", "clientUniqueId",
		                                       "customData", "calendarEventId"};
		for (size_t k = 0; k < 4; k++)
			nulls[k] += json_is_null(json_object_get(c, optional[k]));
	}

	static const char *const want[][2] = {
	    {"direction", "Inbound"},      {"direction", "Outbound"}, {"direction", "Conference"},
	    {"direction", "Unknown"},      {"scope", "Internal"},     {"scope", "External"},
	    {"scope", "Unknown"},          {"media", "Video"},        {"media", "Audio"},
	    {"language", "eng"},           {"language", "fre"},       {"language", "spa"},
	    {"language", "ger"},           {"language", "ita"},       {"language", "und"},
	    {"language", "zxx"},           {"system", "Zoom"},        {"system", "Outreach"},
	    {"system", "WebEx"},           {"system", "ShoreTel"},    {"system", "Google Meet"},
	    {"system", "Microsoft Teams"}, {"system", "Aircall"},
	};
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
		ck_assert_msg(has_value(seen, want[k][0], want[k][1]), "no %s %s", want[k][0],
		              want[k][1]);
	ck_assert_uint_eq(json_object_size(json_object_get(seen, "direction")), 4);
	ck_assert_uint_eq(json_object_size(json_object_get(seen, "scope")), 3);
	ck_assert_uint_eq(json_object_size(json_object_get(seen, "media")), 2);
	ck_assert_uint_eq(json_object_size(json_object_get(seen, "language")), 7);
	ck_assert_uint_eq(json_object_size(json_object_get(seen, "workspaceId")), 3);

	ck_assert_uint_gt(conference, 100);
	ck_assert_uint_gt(adhoc, 0);
	ck_assert_uint_gt(phone, 100);
	ck_assert_uint_gt(phone_scheduled, 0);
	ck_assert_uint_lt(phone_scheduled, phone);
	ck_assert_uint_gt(zulu, offset);
	ck_assert_uint_gt(offset, 50);
	ck_assert_uint_eq(big, 400);
	ck_assert_uint_gt(eighteen, 0);
	for (size_t k = 0; k < 4; k++) {
		ck_assert_uint_gt(nulls[k], 100);
		ck_assert_uint_lt(nulls[k], 400);
	}
	/* Titles need escaping and hold non-ASCII letters somewhere. */
	ck_assert_ptr_nonnull(strstr(t.p, "\\\"Quick Sync\\\""));
	ck_assert_ptr_nonnull(strstr(t.p, "Société Générale"));
	json_decref(seen);
	json_decref(calls);
	free(t.p);
}
END_TEST

START_TEST(test_loads_in_store_order)
{
	/* Written in the store's order already: the store's text is the file's lines. */
	struct text t = basic_text(1);
	struct store *s = load(&t);
	ck_assert_uint_eq(store_count(s), 400);
	ck_assert_uint_eq(store_workspace_count(s), 3);
	char *rendered = stores_text(s);
	for (size_t i = 0; i < t.len; i++)
		if (t.p[i] == '\n')
			t.p[i] = ',';
	t.p[t.len - 1] = '\0';
	ck_assert_str_eq(rendered, t.p);
	free(rendered);
	store_free(s);
	free(t.p);
}
END_TEST

START_TEST(test_json_and_jsonl_same_calls)
{
	struct generate_options o;
	generate_defaults(&o);
	o.seed = 77;
	o.calls = 900;
	o.workspaces = 5;
	o.shape = GENERATE_SHAPE_BASIC;
	struct text j = write_to_memory(&o);
	o.jsonl = 1;
	struct text l = write_to_memory(&o);
	struct store *sj = load(&j), *sl = load(&l);
	ck_assert_uint_eq(store_count(sj), 900);
	ck_assert_uint_eq(store_workspace_count(sj), 5);
	char *tj = stores_text(sj), *tl = stores_text(sl);
	ck_assert_str_eq(tj, tl);
	free(tj);
	free(tl);
	store_free(sj);
	store_free(sl);
	free(j.p);
	free(l.p);
}
END_TEST

START_TEST(test_builtin_fixtures_are_the_defaults)
{
	struct text t = defaults_text(0);
	size_t len;
	const char *builtin = builtin_fixtures(&len);
	ck_assert_ptr_nonnull(builtin);
	ck_assert_ptr_eq(builtin_fixtures(&len), builtin);
	ck_assert_uint_eq(builtin[len], '\0');
	ck_assert_msg(len == t.len && memcmp(builtin, t.p, len) == 0,
	              "fixtures/calls.json is not the default dataset; rebuild it with "
	              "`gongmock generate > fixtures/calls.json`");
	ck_assert_int_eq(strncmp(t.p, "[\n{\"workspaces\":[{\"id\":\"", 24), 0);
	free(t.p);
}
END_TEST

/* The extensive calls of a dataset, parsed, and its company record when `company` is set. */
static json_t *
extensive_dataset(const struct generate_options *o, json_t **company)
{
	struct generate_options x = *o;
	x.shape = GENERATE_SHAPE_EXTENSIVE;
	x.jsonl = 0;
	struct text t = write_to_memory(&x);
	json_error_t e;
	json_t *calls = json_loadb(t.p, t.len, 0, &e);
	ck_assert_msg(calls != NULL, "%s", e.text);
	ck_assert_uint_eq(json_array_size(calls), o->calls + 1);
	json_t *first = json_array_get(calls, 0);
	ck_assert_ptr_nonnull(json_object_get(first, "users"));
	if (company)
		*company = json_incref(first);
	json_array_remove(calls, 0);
	free(t.p);
	return calls;
}

static json_t *
extensive_calls(const struct generate_options *o)
{
	return extensive_dataset(o, NULL);
}

static const char *
str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	ck_assert_msg(json_is_string(v), "%s is not a string", key);
	return json_string_value(v);
}

static const char *
str_or_null(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	ck_assert_msg(json_is_string(v) || json_is_null(v), "%s: neither string nor null", key);
	return json_string_value(v);
}

static int
all_digits(const char *s)
{
	if (!*s || strlen(s) > 20)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Milliseconds from a number of seconds. */
static long long
ms_of(json_t *v)
{
	ck_assert(json_is_number(v));
	return llround(json_number_value(v) * 1000);
}

/* Whether `text` holds `phrase`, the case of ASCII letters aside. */
static int
says(const char *text, const char *phrase)
{
	size_t n = strlen(text), m = strlen(phrase);
	for (size_t i = 0; i + m <= n; i++) {
		size_t j = 0;
		while (j < m &&
		       tolower((unsigned char)text[i + j]) == tolower((unsigned char)phrase[j]))
			j++;
		if (j == m)
			return 1;
	}
	return 0;
}

/* The company's users as {id: {"name", "email", "title", "workspace"}}. */
static json_t *
users_by_id(const struct generate_options *o, size_t *n)
{
	*n = generate_users(o, NULL, 0);
	ck_assert_uint_gt(*n, 0);
	struct generate_user *u = calloc(*n, sizeof(*u));
	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(generate_users(o, u, *n), *n);
	json_t *byid = json_object();
	for (size_t i = 0; i < *n; i++) {
		char name[128];
		snprintf(name, sizeof(name), "%s %s", u[i].first_name, u[i].last_name);
		ck_assert_msg(json_object_get(byid, u[i].id) == NULL, "user %s twice", u[i].id);
		json_object_set_new(byid, u[i].id,
		                    json_pack("{s:s, s:s, s:s, s:s}", "name", name, "email",
		                              u[i].email, "title", u[i].title, "workspace",
		                              u[i].workspace_id));
	}
	free(u);
	return byid;
}

/* What one call's blocks must agree on; `users` is the company, `met` the internal people
 * seen so far ({userId: [name, email]}), to hold them to the same name in every call. */
static void
check_call(json_t *c, json_t *users, json_t *met, size_t *empty, size_t *spoken)
{
	json_t *md = json_object_get(c, "metaData");
	const char *id = str(md, "id");
	long long total = (long long)json_integer_value(json_object_get(md, "duration")) * 1000;
	const char *scope = str(md, "scope");
	const char *language = str(md, "language");
	static const char *const keys[] = {"metaData",    "context",       "parties",   "content",
	                                   "interaction", "collaboration", "transcript"};
	size_t k = 0;
	const char *key;
	json_t *v;

	/* The keys, in the order of POST /v2/calls/extensive, then the transcript. */
	ck_assert_uint_eq(json_object_size(c), 7);
	json_object_foreach(c, key, v) ck_assert_str_eq(key, keys[k++]);
	ck_assert_uint_eq(json_object_size(md), 20);

	/* The host is an internal party; every internal party is a user, the same everywhere. */
	json_t *parties = json_object_get(c, "parties"), *speakers = json_object(), *p;
	size_t i;
	int host = 0;
	ck_assert_msg(json_object_get(users, str(md, "primaryUserId")) != NULL, "%s: host", id);
	json_array_foreach(parties, i, p)
	{
		const char *aff = str(p, "affiliation");
		const char *uid = str_or_null(p, "userId");
		const char *sid = str_or_null(p, "speakerId");
		ck_assert(all_digits(str(p, "id")));
		ck_assert(json_is_array(json_object_get(p, "methods")));
		ck_assert(json_is_array(json_object_get(p, "context")));
		if (strcmp(scope, "Internal") == 0)
			ck_assert_str_eq(aff, "Internal");
		if (strcmp(aff, "Internal") == 0) {
			ck_assert_ptr_nonnull(uid);
			json_t *u = json_object_get(users, uid);
			ck_assert_msg(u != NULL, "%s: party %s is no user", id, uid);
			ck_assert_str_eq(str(p, "name"), str(u, "name"));
			ck_assert_str_eq(str(p, "emailAddress"), str(u, "email"));
			ck_assert_str_eq(str(p, "title"), str(u, "title"));
			json_t *seen = json_object_get(met, uid);
			if (seen) {
				ck_assert_str_eq(str(p, "name"),
				                 json_string_value(json_array_get(seen, 0)));
				ck_assert_str_eq(str(p, "emailAddress"),
				                 json_string_value(json_array_get(seen, 1)));
			} else {
				json_object_set_new(
				    met, uid,
				    json_pack("[s,s]", str(p, "name"), str(p, "emailAddress")));
			}
			host |= strcmp(uid, str(md, "primaryUserId")) == 0;
		} else {
			ck_assert_ptr_null(uid);
		}
		if (sid) {
			ck_assert(all_digits(sid));
			ck_assert_msg(json_object_get(speakers, sid) == NULL, "%s: speaker twice",
			              id);
			json_object_set(speakers, sid, p);
		}
	}
	ck_assert_msg(host, "%s: the host is not a party", id);

	/* The transcript: known speakers taking turns, sentences in order within the call. */
	json_t *transcript = json_object_get(c, "transcript"), *m, *s;
	json_t *talk = json_object();
	long long last_end = -1;
	const char *prev = NULL;
	size_t ours = 0, theirs = 0, sentences = 0;
	json_array_foreach(transcript, i, m)
	{
		const char *sid = str(m, "speakerId");
		json_t *party = json_object_get(speakers, sid);
		size_t j;
		ck_assert_msg(party != NULL, "%s: speaker %s is no party's", id, sid);
		ck_assert_msg(prev == NULL || strcmp(prev, sid) != 0,
		              "%s: monologues do not alternate", id);
		prev = sid;
		str_or_null(m, "topic");
		ck_assert_uint_gt(json_array_size(json_object_get(m, "sentences")), 0);
		json_array_foreach(json_object_get(m, "sentences"), j, s)
		{
			long long a = (long long)json_integer_value(json_object_get(s, "start"));
			long long b = (long long)json_integer_value(json_object_get(s, "end"));
			const char *text = str(s, "text");
			ck_assert_msg(0 <= a && a < b && b <= total,
			              "%s: sentence %lld-%lld of %lld", id, a, b, total);
			ck_assert_int_ge(a, last_end);
			last_end = b;
			ck_assert_uint_gt(strlen(text), 0);
			json_t *sum = json_object_get(talk, sid);
			json_object_set_new(
			    talk, sid, json_integer((sum ? json_integer_value(sum) : 0) + b - a));
			if (text[strlen(text) - 1] == '?') {
				if (strcmp(str(party, "affiliation"), "Internal") == 0)
					ours++;
				else
					theirs++;
			}
			sentences++;
		}
	}
	*spoken += sentences;

	/* Speakers: exactly those who spoke, each for the sum of their sentences. */
	json_t *inter = json_object_get(c, "interaction"), *sp;
	ck_assert_uint_eq(json_array_size(json_object_get(inter, "speakers")),
	                  json_object_size(speakers));
	ck_assert_uint_eq(json_object_size(talk), json_object_size(speakers));
	json_array_foreach(json_object_get(inter, "speakers"), i, sp)
	{
		const char *sid = str(sp, "id");
		json_t *party = json_object_get(speakers, sid);
		ck_assert_msg(party != NULL, "%s: speaker %s", id, sid);
		ck_assert_int_eq(ms_of(json_object_get(sp, "talkTime")),
		                 json_integer_value(json_object_get(talk, sid)));
		const char *uid = str_or_null(sp, "userId"), *puid = str_or_null(party, "userId");
		ck_assert((uid == NULL) == (puid == NULL));
		if (uid)
			ck_assert_str_eq(uid, puid);
	}
	json_t *q = json_object_get(inter, "questions");
	ck_assert_int_eq(json_integer_value(json_object_get(q, "companyCount")), (long long)ours);
	ck_assert_int_eq(json_integer_value(json_object_get(q, "nonCompanyCount")),
	                 (long long)theirs);
	if (strcmp(str(md, "media"), "Audio") == 0)
		ck_assert_uint_eq(json_array_size(json_object_get(inter, "video")), 0);
	else
		ck_assert_uint_eq(json_array_size(json_object_get(inter, "video")), 4);

	/* Trackers: each occurrence is a speaker of the call saying the phrase, then. */
	json_t *content = json_object_get(c, "content"), *t, *o, *ph;
	json_array_foreach(json_object_get(content, "trackers"), i, t)
	{
		size_t j, count = 0;
		const char *type = str(t, "type");
		ck_assert(all_digits(str(t, "id")));
		ck_assert(strcmp(type, "KEYWORD") == 0 || strcmp(type, "SMART") == 0);
		ck_assert_int_eq(json_integer_value(json_object_get(t, "count")),
		                 (long long)json_array_size(json_object_get(t, "occurrences")));
		json_array_foreach(json_object_get(t, "occurrences"), j, o)
		{
			long long at = ms_of(json_object_get(o, "startTime"));
			ck_assert(json_object_get(speakers, str(o, "speakerId")) != NULL);
			ck_assert(0 <= at && at <= total);
		}
		json_array_foreach(json_object_get(t, "phrases"), j, ph)
		{
			const char *phrase = str(ph, "phrase");
			size_t n;
			count += (size_t)json_integer_value(json_object_get(ph, "count"));
			json_array_foreach(json_object_get(ph, "occurrences"), n, o)
			{
				long long at = ms_of(json_object_get(o, "startTime"));
				const char *who = str(o, "speakerId");
				int found = 0;
				size_t a, b;
				json_array_foreach(transcript, a, m)
				{
					if (strcmp(str(m, "speakerId"), who) != 0)
						continue;
					json_array_foreach(json_object_get(m, "sentences"), b, s)
					{
						found |= json_integer_value(
						             json_object_get(s, "start")) <= at &&
						         at <= json_integer_value(
						                   json_object_get(s, "end")) &&
						         says(str(s, "text"), phrase);
					}
				}
				ck_assert_msg(found, "%s: nobody says '%s' at %lld", id, phrase,
				              at);
			}
		}
		if (strcmp(type, "KEYWORD") == 0)
			ck_assert_int_eq(json_integer_value(json_object_get(t, "count")),
			                 (long long)count);
	}

	/* Structure and topics fit in the call. */
	long long parts = 0, topics = 0;
	json_array_foreach(json_object_get(content, "structure"), i, o) parts +=
	    json_integer_value(json_object_get(o, "duration"));
	json_array_foreach(json_object_get(content, "topics"), i, o) topics +=
	    json_integer_value(json_object_get(o, "duration"));
	ck_assert_int_le(parts * 1000, total);
	ck_assert_int_le(topics * 1000, total);
	ck_assert(json_is_array(
	    json_object_get(json_object_get(content, "pointsOfInterest"), "actionItems")));

	/* Comments: by users, later ones answering earlier ones. */
	json_t *comments = json_object_get(json_object_get(c, "collaboration"), "publicComments");
	json_array_foreach(comments, i, o)
	{
		ck_assert(json_object_get(users, str(o, "commenterUserId")) != NULL);
		const char *to = str_or_null(o, "inReplyTo");
		if (to) {
			int earlier = 0;
			for (size_t j = 0; j < i; j++)
				earlier |= strcmp(str(json_array_get(comments, j), "id"), to) == 0;
			ck_assert(earlier);
		}
		ck_assert(json_is_boolean(json_object_get(o, "duringCall")));
	}

	/* Context: every object once per timing; none for calls without a known customer. */
	json_t *ctx = json_object_get(c, "context");
	if (strcmp(scope, "External") != 0) {
		ck_assert_uint_eq(json_array_size(ctx), 0);
	} else {
		json_t *objects = json_object_get(json_array_get(ctx, 0), "objects");
		ck_assert_uint_eq(json_array_size(ctx), 1);
		ck_assert_uint_eq(json_array_size(objects), 4);
		for (size_t j = 0; j < 4; j++) {
			json_t *obj = json_array_get(objects, j);
			ck_assert_str_eq(str(obj, "timing"), j < 2 ? "Now" : "TimeOfCall");
			ck_assert_str_eq(str(obj, "objectType"), j % 2 ? "Opportunity" : "Account");
			ck_assert_str_eq(str(obj, "objectId"),
			                 str(json_array_get(objects, j ^ 2), "objectId"));
		}
		json_t *amount = json_object_get(
		    json_array_get(json_object_get(json_array_get(objects, 1), "fields"), 2),
		    "value");
		ck_assert(json_is_integer(amount));
	}

	/* No transcript: nothing read off speech either. */
	if (json_array_size(transcript) == 0) {
		(*empty)++;
		ck_assert_uint_eq(json_object_size(speakers), 0);
		ck_assert_uint_eq(json_array_size(json_object_get(content, "trackers")), 0);
		ck_assert_uint_eq(json_array_size(json_object_get(content, "outline")), 0);
		ck_assert(json_is_null(json_object_get(content, "brief")));
	}
	if (strcmp(language, "zxx") == 0)
		ck_assert_uint_eq(json_array_size(transcript), 0);

	json_decref(talk);
	json_decref(speakers);
}

START_TEST(test_extensive_calls_are_consistent)
{
	static const struct {
		uint64_t seed;
		unsigned workspaces;
	} sets[] = {{1, 3}, {2024, 7}};
	for (size_t k = 0; k < 2; k++) {
		struct generate_options o;
		size_t nusers, empty = 0, spoken = 0, zxx = 0, i;
		generate_defaults(&o);
		o.seed = sets[k].seed;
		o.workspaces = sets[k].workspaces;
		o.calls = 300;
		json_t *users = users_by_id(&o, &nusers), *met = json_object();
		json_t *calls = extensive_calls(&o), *c;
		ck_assert_uint_eq(nusers, o.workspaces * GENERATE_USERS_PER_WORKSPACE);
		json_array_foreach(calls, i, c)
		{
			check_call(c, users, met, &empty, &spoken);
			zxx += strcmp(str(json_object_get(c, "metaData"), "language"), "zxx") == 0;
		}
		/* zxx calls, unanswered ones, and about 8% of the rest have no transcript. */
		ck_assert_uint_gt(zxx, 0);
		ck_assert_uint_gt(empty, zxx + 5);
		ck_assert_uint_lt(empty, 300 / 4);
		/* 2 to 45 sentences per transcript; 15 or more on average. */
		ck_assert_uint_ge(spoken, 15 * (300 - empty));
		ck_assert_uint_le(spoken, 45 * (300 - empty));
		/* Internal people met in the calls are many of the company's users. */
		ck_assert_uint_gt(json_object_size(met), nusers / 2);
		json_decref(calls);
		json_decref(users);
		json_decref(met);
	}
}
END_TEST

/* Each language's sentences are its own, and read like it. */
START_TEST(test_transcripts_speak_the_call_language)
{
	static const char *const langs[] = {"eng", "fre", "spa", "ger", "ita", "und"};
	json_t *said[6];
	size_t non_ascii[6] = {0}, sentences[6] = {0};
	struct generate_options o;
	size_t i;
	json_t *c;

	generate_defaults(&o);
	o.calls = 1500;
	json_t *calls = extensive_calls(&o);
	for (size_t l = 0; l < 6; l++)
		said[l] = json_object();
	json_array_foreach(calls, i, c)
	{
		const char *lang = str(json_object_get(c, "metaData"), "language");
		size_t l = 0, j, n;
		json_t *m, *s;
		while (l < 6 && strcmp(langs[l], lang) != 0)
			l++;
		if (l == 6)
			continue;
		json_array_foreach(json_object_get(c, "transcript"), j, m)
		    json_array_foreach(json_object_get(m, "sentences"), n, s)
		{
			const char *text = str(s, "text");
			json_object_set_new(said[l], text, json_true());
			sentences[l]++;
			for (const char *p = text; *p; p++)
				if ((unsigned char)*p >= 0x80) {
					non_ascii[l]++;
					break;
				}
		}
	}
	for (size_t l = 0; l < 6; l++)
		ck_assert_msg(sentences[l] > 20, "%s: %zu sentences", langs[l], sentences[l]);
	/* Accents, in every language but English, in a good share of the sentences. */
	for (size_t l = 1; l < 5; l++)
		ck_assert_msg(non_ascii[l] * 5 > sentences[l], "%s: %zu of %zu", langs[l],
		              non_ascii[l], sentences[l]);
	/* Each language its own sentences; und is English. */
	for (size_t l = 1; l < 5; l++) {
		const char *text;
		json_t *v;
		json_object_foreach(said[l], text, v) ck_assert_msg(
		    json_object_get(said[0], text) == NULL, "%s says English: %s", langs[l], text);
	}
	const char *text;
	json_t *v;
	size_t shared = 0;
	json_object_foreach(said[5], text, v) shared += json_object_get(said[0], text) != NULL;
	ck_assert_uint_gt(shared * 2, json_object_size(said[5]));
	/* Words of the language. */
	static const char *const words[] = {"Thanks", "équipe", "¿", "Sie", "è"};
	for (size_t l = 0; l < 5; l++) {
		size_t with = 0;
		json_object_foreach(said[l], text, v) with += strstr(text, words[l]) != NULL;
		ck_assert_msg(with > 0, "%s: no sentence with '%s'", langs[l], words[l]);
	}
	for (size_t l = 0; l < 6; l++)
		json_decref(said[l]);
	json_decref(calls);
}
END_TEST

START_TEST(test_company_users_and_workspaces)
{
	struct generate_options o;
	generate_defaults(&o);
	o.workspaces = 5;
	size_t n = generate_users(&o, NULL, 0);
	ck_assert_uint_eq(n, 5 * GENERATE_USERS_PER_WORKSPACE);
	struct generate_user *u = calloc(n, sizeof(*u)), *again = calloc(n, sizeof(*u));
	ck_assert_ptr_nonnull(u);
	ck_assert_ptr_nonnull(again);
	/* A short array takes what fits; the count is the company's all the same. */
	ck_assert_uint_eq(generate_users(&o, u, 3), n);
	ck_assert_uint_eq(generate_users(&o, u, n), n);
	ck_assert_uint_eq(generate_users(&o, again, n), n);

	struct generate_workspace ws[5];
	ck_assert_uint_eq(generate_workspaces(&o, NULL, 0), 5);
	ck_assert_uint_eq(generate_workspaces(&o, ws, 5), 5);
	json_t *ids = json_object(), *emails = json_object(), *wids = json_object();
	for (size_t w = 0; w < 5; w++) {
		ck_assert_uint_eq(strlen(ws[w].id), 19);
		ck_assert(all_digits(ws[w].id));
		ck_assert_uint_gt(strlen(ws[w].name), 0);
		ck_assert_uint_gt(strlen(ws[w].description), 0);
		json_object_set_new(wids, ws[w].id, json_true());
	}
	ck_assert_uint_eq(json_object_size(wids), 5);
	size_t heads = 0, inactive = 0;
	for (size_t i = 0; i < n; i++) {
		/* The same users every time. */
		ck_assert_str_eq(u[i].id, again[i].id);
		ck_assert_str_eq(u[i].email, again[i].email);
		ck_assert_str_eq(u[i].first_name, again[i].first_name);
		ck_assert(all_digits(u[i].id));
		ck_assert_uint_ge(strlen(u[i].id), 15);
		ck_assert_ptr_nonnull(strchr(u[i].email, '@'));
		ck_assert_uint_gt(strlen(u[i].first_name), 0);
		ck_assert_uint_gt(strlen(u[i].last_name), 0);
		ck_assert_uint_gt(strlen(u[i].title), 0);
		ck_assert_uint_gt(strlen(u[i].phone), 0);
		ck_assert_int_eq(strncmp(u[i].meeting_url, "https://", 8), 0);
		ck_assert_int_eq(strncmp(u[i].consent_url, "https://", 8), 0);
		ck_assert_uint_eq(strlen(u[i].language), 5);
		ck_assert_int_lt(u[i].created_us, o.from_us);
		ck_assert_ptr_nonnull(json_object_get(wids, u[i].workspace_id));
		json_object_set_new(ids, u[i].id, json_true());
		json_object_set_new(emails, u[i].email, json_true());
		heads += u[i].manager_id[0] == '\0';
		inactive += !u[i].active;
	}
	ck_assert_uint_eq(json_object_size(ids), n);
	ck_assert_uint_eq(json_object_size(emails), n);
	/* One head of the company; everybody else's manager is a user. */
	ck_assert_uint_eq(heads, 1);
	for (size_t i = 0; i < n; i++)
		if (u[i].manager_id[0])
			ck_assert_ptr_nonnull(json_object_get(ids, u[i].manager_id));
	ck_assert_uint_lt(inactive, n / 4);

	/* Every call's workspace and host are the company's. */
	o.calls = 500;
	o.shape = GENERATE_SHAPE_BASIC;
	struct text t = write_to_memory(&o);
	json_error_t e;
	json_t *calls = json_loadb(t.p, t.len, 0, &e), *c;
	size_t i;
	ck_assert_ptr_nonnull(calls);
	json_array_foreach(calls, i, c)
	{
		ck_assert_ptr_nonnull(json_object_get(wids, str(c, "workspaceId")));
		ck_assert_ptr_nonnull(json_object_get(ids, str(c, "primaryUserId")));
	}

	/* Another seed, another company. */
	o.seed = 2;
	ck_assert_uint_eq(generate_users(&o, again, n), n);
	ck_assert(strcmp(u[0].id, again[0].id) != 0);
	o.workspaces = 0;
	ck_assert_uint_eq(generate_users(&o, NULL, 0), 0);
	ck_assert_uint_eq(generate_workspaces(&o, NULL, 0), 0);

	json_decref(calls);
	json_decref(ids);
	json_decref(emails);
	json_decref(wids);
	free(t.p);
	free(u);
	free(again);
}
END_TEST

/* The first line of an extensive dataset, without the `[` of the array format. */
static char *
record_line(const struct text *t, int jsonl)
{
	const char *p = t->p + (jsonl ? 0 : 2);
	const char *end = strchr(p, '\n');
	ck_assert_ptr_nonnull(end);
	size_t n = (size_t)(end - p);
	if (!jsonl && n && p[n - 1] == ',')
		n--;
	char *line = strndup(p, n);
	ck_assert_ptr_nonnull(line);
	return line;
}

START_TEST(test_company_record_first)
{
	struct generate_options o;
	generate_defaults(&o);
	struct text j = write_to_memory(&o);
	o.jsonl = 1;
	struct text l = write_to_memory(&o);

	/* First in both formats, the same bytes, with nothing but the workspaces and users. */
	ck_assert_int_eq(strncmp(j.p, "[\n{\"workspaces\":[{\"id\":\"", 24), 0);
	ck_assert_int_eq(strncmp(l.p, "{\"workspaces\":[{\"id\":\"", 22), 0);
	char *rj = record_line(&j, 0), *rl = record_line(&l, 1);
	ck_assert_str_eq(rj, rl);
	ck_assert_int_eq(strncmp(j.p + 2 + strlen(rj), ",\n{\"metaData\":{", 15), 0);
	ck_assert_int_eq(strncmp(l.p + strlen(rl), "\n{\"metaData\":{", 14), 0);
	json_error_t e;
	json_t *rec = json_loads(rl, 0, &e);
	ck_assert_msg(rec != NULL, "%s", e.text);
	ck_assert_uint_eq(json_object_size(rec), 2);
	ck_assert(json_is_array(json_object_get(rec, "workspaces")));
	ck_assert(json_is_array(json_object_get(rec, "users")));
	/* Only once: no other line is a company record. */
	ck_assert_ptr_null(strstr(l.p + 1, "\n{\"workspaces\""));
	json_decref(rec);
	free(j.p);
	free(l.p);

	/* The company does not depend on the number of calls; with none, it is all there is. */
	o.calls = 0;
	l = write_to_memory(&o);
	ck_assert_uint_eq(l.len, strlen(rl) + 1);
	ck_assert_int_eq(strncmp(l.p, rl, strlen(rl)), 0);
	free(l.p);
	o.jsonl = 0;
	j = write_to_memory(&o);
	ck_assert_uint_eq(j.len, strlen(rj) + 5);
	ck_assert_int_eq(strncmp(j.p + 2, rj, strlen(rj)), 0);
	ck_assert_str_eq(j.p + 2 + strlen(rj), "\n]\n");
	free(j.p);

	/* The same company every time; another seed, another company. */
	generate_defaults(&o);
	struct text again = write_to_memory(&o);
	char *ra = record_line(&again, 0);
	ck_assert_str_eq(ra, rj);
	free(again.p);
	free(ra);
	o.seed = 2;
	again = write_to_memory(&o);
	ra = record_line(&again, 0);
	ck_assert_str_ne(ra, rj);
	free(again.p);
	free(ra);

	/* Not in the basic shape, in either format. */
	for (int jsonl = 0; jsonl < 2; jsonl++) {
		struct text b = basic_text(jsonl);
		ck_assert_int_eq(
		    strncmp(b.p, jsonl ? "{\"id\":\"" : "[\n{\"id\":\"", jsonl ? 7 : 9), 0);
		ck_assert_ptr_null(strstr(b.p, "\"workspaces\""));
		ck_assert_ptr_null(strstr(b.p, "\"emailAddress\""));
		free(b.p);
	}
	free(rj);
	free(rl);
}
END_TEST

/* The company record of a dataset, parsed. */
static json_t *
company_record(const struct generate_options *o)
{
	struct generate_options x = *o;
	x.shape = GENERATE_SHAPE_EXTENSIVE;
	x.jsonl = 1;
	x.calls = 0;
	struct text t = write_to_memory(&x);
	json_error_t e;
	json_t *rec = json_loadb(t.p, t.len, 0, &e);
	ck_assert_msg(rec != NULL, "%s", e.text);
	free(t.p);
	return rec;
}

/* Checks that obj has exactly these keys, in this order. */
static void
check_keys(json_t *obj, const char *const *keys, size_t n)
{
	const char *key;
	json_t *v;
	size_t k = 0;
	ck_assert(json_is_object(obj));
	json_object_foreach(obj, key, v)
	{
		ck_assert_msg(k < n, "extra key %s", key);
		ck_assert_str_eq(key, keys[k]);
		k++;
	}
	ck_assert_uint_eq(k, n);
}

static int
is_bcp47(const char *s)
{
	return strlen(s) == 5 && islower((unsigned char)s[0]) && islower((unsigned char)s[1]) &&
	       s[2] == '-' && isupper((unsigned char)s[3]) && isupper((unsigned char)s[4]);
}

/* UserMetadata's keys (the spokenLanguage and Settings ones below), in the contract's order;
 * an avatar adds "avatar". */
static const char *const USER_KEYS[] = {"id",
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
                                        "spokenLanguages",
                                        "avatar"};
static const char *const SETTINGS_KEYS[] = {
    "webConferencesRecorded", "preventWebConferenceRecording",
    "telephonyCallsImported", "emailsImported",
    "preventEmailImport",     "nonRecordedMeetingsImported"};
static const char *const LANGUAGE_KEYS[] = {"language", "primary"};
static const char *const WORKSPACE_KEYS[] = {"id", "name", "description"};

START_TEST(test_company_record_keys)
{
	struct generate_options o;
	generate_defaults(&o);
	o.workspaces = 5;
	json_t *rec = company_record(&o), *ws = json_object_get(rec, "workspaces");
	json_t *users = json_object_get(rec, "users"), *v;
	size_t i, n = generate_users(&o, NULL, 0);
	struct generate_user *u = calloc(n, sizeof(*u)), av[GENERATE_AVATARS];
	struct generate_workspace gw[5];
	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(generate_users(&o, u, n), n);
	ck_assert_uint_eq(generate_avatars(&o, av, GENERATE_AVATARS), GENERATE_AVATARS);
	ck_assert_uint_eq(generate_workspaces(&o, gw, 5), 5);

	/* The workspaces, as generate_workspaces has them. */
	ck_assert_uint_eq(json_array_size(ws), 5);
	json_array_foreach(ws, i, v)
	{
		check_keys(v, WORKSPACE_KEYS, 3);
		ck_assert_str_eq(str(v, "id"), gw[i].id);
		ck_assert_str_eq(str(v, "name"), gw[i].name);
		ck_assert_str_eq(str(v, "description"), gw[i].description);
	}

	/* The company's users, then the avatars. */
	ck_assert_uint_eq(json_array_size(users), n + GENERATE_AVATARS);
	json_t *ids = json_object();
	json_array_foreach(users, i, v) json_object_set_new(ids, str(v, "id"), json_true());
	ck_assert_uint_eq(json_object_size(ids), n + GENERATE_AVATARS);
	size_t inactive = 0, aliases = 0, heads = 0, offsets = 0, phones = 0;
	json_array_foreach(users, i, v)
	{
		int avatar = i >= n;
		const struct generate_user *g = avatar ? &av[i - n] : &u[i];
		json_t *x;
		size_t j;
		int64_t created;

		check_keys(v, USER_KEYS, avatar ? 16 : 15);
		if (avatar)
			ck_assert(json_is_true(json_object_get(v, "avatar")));
		ck_assert(all_digits(str(v, "id")));
		ck_assert_str_eq(str(v, "id"), g->id);
		ck_assert_str_eq(str(v, "emailAddress"), g->email);
		ck_assert_str_eq(str(v, "firstName"), g->first_name);
		ck_assert_str_eq(str(v, "lastName"), g->last_name);
		ck_assert_str_eq(str(v, "title"), g->title);
		const char *c = str(v, "created");
		ck_assert_int_eq(isotime_parse(c, strlen(c), ISOTIME_REQUIRE_OFFSET, &created), 0);
		ck_assert_int_eq(created, g->created_us);
		ck_assert_int_lt(created, o.from_us);
		offsets += c[strlen(c) - 1] != 'Z';
		ck_assert(json_is_boolean(json_object_get(v, "active")));
		inactive += json_is_false(json_object_get(v, "active"));
		x = json_object_get(v, "emailAliases");
		ck_assert(json_is_array(x));
		ck_assert_uint_le(json_array_size(x), 1);
		aliases += json_array_size(x);
		if (json_array_size(x)) {
			const char *alias = json_string_value(json_array_get(x, 0));
			ck_assert_ptr_nonnull(alias);
			ck_assert_ptr_nonnull(strchr(alias, '@'));
			ck_assert_str_ne(alias, g->email);
			ck_assert_str_eq(alias, g->email_alias);
		}
		phones += str_or_null(v, "phoneNumber") != NULL;
		str_or_null(v, "extension");
		x = json_object_get(v, "personalMeetingUrls");
		ck_assert(json_is_array(x));
		json_t *url;
		json_array_foreach(x, j, url)
		    ck_assert_int_eq(strncmp(json_string_value(url), "https://", 8), 0);
		x = json_object_get(v, "settings");
		check_keys(x, SETTINGS_KEYS, 6);
		for (j = 0; j < 6; j++)
			ck_assert(json_is_boolean(json_object_get(x, SETTINGS_KEYS[j])));
		const char *mgr = str_or_null(v, "managerId");
		if (mgr)
			ck_assert_ptr_nonnull(json_object_get(ids, mgr));
		else
			heads += !avatar;
		const char *consent = str_or_null(v, "meetingConsentPageUrl");
		if (consent)
			ck_assert_int_eq(strncmp(consent, "https://", 8), 0);
		x = json_object_get(v, "spokenLanguages");
		ck_assert_uint_eq(json_array_size(x), 1);
		check_keys(json_array_get(x, 0), LANGUAGE_KEYS, 2);
		ck_assert(is_bcp47(str(json_array_get(x, 0), "language")));
		ck_assert(json_is_true(json_object_get(json_array_get(x, 0), "primary")));

		if (avatar) {
			/* Staff of the vendor: gong.io, nobody's report, no meeting links. */
			const char *email = str(v, "emailAddress");
			ck_assert_str_eq(email + strlen(email) - 8, "@gong.io");
			ck_assert_ptr_null(mgr);
			ck_assert_ptr_null(consent);
			ck_assert(json_is_true(json_object_get(v, "active")));
			ck_assert_uint_eq(
			    json_array_size(json_object_get(v, "personalMeetingUrls")), 0);
			ck_assert(g->avatar);
		} else {
			ck_assert(!g->avatar);
			ck_assert_ptr_nonnull(consent);
			ck_assert_uint_eq(
			    json_array_size(json_object_get(v, "personalMeetingUrls")), 1);
		}
	}
	ck_assert_str_eq(av[0].title, "Customer Success Manager");
	ck_assert_str_eq(av[1].title, "Support Engineer");
	/* One head; a few who have left; a few aliases; some dates with an offset. */
	ck_assert_uint_eq(heads, 1);
	ck_assert_uint_ge(inactive, 5);
	ck_assert_uint_lt(inactive, n / 4);
	ck_assert_uint_gt(aliases, 0);
	ck_assert_uint_lt(aliases, n / 3);
	ck_assert_uint_gt(offsets, 0);
	ck_assert_uint_eq(phones, n);

	/* The defaults too have users who left and aliases. */
	json_decref(rec);
	generate_defaults(&o);
	rec = company_record(&o);
	inactive = aliases = 0;
	json_array_foreach(json_object_get(rec, "users"), i, v)
	{
		inactive += json_is_false(json_object_get(v, "active"));
		aliases += json_array_size(json_object_get(v, "emailAliases"));
	}
	ck_assert_uint_ge(inactive, 3);
	ck_assert_uint_gt(aliases, 0);

	json_decref(rec);
	json_decref(ids);
	free(u);
}
END_TEST

/* Checks that uid is a user of the company (not an avatar) who joined before the call. */
static void
check_known(json_t *byid, const char *call, const char *uid, int64_t started, size_t *refs)
{
	json_t *u = json_object_get(byid, uid);
	ck_assert_msg(u != NULL, "%s: user %s is not in the company record", call, uid);
	ck_assert_msg(json_object_get(u, "avatar") == NULL, "%s: avatar %s in a call", call, uid);
	const char *c = str(u, "created");
	int64_t created;
	ck_assert_int_eq(isotime_parse(c, strlen(c), ISOTIME_REQUIRE_OFFSET, &created), 0);
	ck_assert_msg(created < started, "%s: %s created after the call", call, uid);
	(*refs)++;
}

START_TEST(test_company_record_complete)
{
	static const struct {
		uint64_t seed;
		unsigned workspaces;
	} sets[] = {{1, 3}, {2024, 7}};
	for (size_t k = 0; k < 2; k++) {
		struct generate_options o;
		json_t *rec, *c, *v;
		size_t i, j, refs[4] = {0};
		generate_defaults(&o);
		o.seed = sets[k].seed;
		o.workspaces = sets[k].workspaces;
		o.calls = 300;
		json_t *calls = extensive_dataset(&o, &rec);
		json_t *byid = json_object(), *wids = json_object(), *used = json_object();
		json_array_foreach(json_object_get(rec, "users"), i, v)
		    json_object_set(byid, str(v, "id"), v);
		json_array_foreach(json_object_get(rec, "workspaces"), i, v)
		    json_object_set_new(wids, str(v, "id"), json_true());
		ck_assert_uint_eq(json_object_size(wids), o.workspaces);
		json_array_foreach(calls, i, c)
		{
			json_t *md = json_object_get(c, "metaData");
			const char *id = str(md, "id"), *st = str(md, "started");
			int64_t started;
			ck_assert_int_eq(
			    isotime_parse(st, strlen(st), ISOTIME_REQUIRE_OFFSET, &started), 0);
			ck_assert_msg(json_object_get(wids, str(md, "workspaceId")) != NULL,
			              "%s: workspace not in the record", id);
			check_known(byid, id, str(md, "primaryUserId"), started, &refs[0]);
			json_object_set_new(used, str(md, "primaryUserId"), json_true());
			json_array_foreach(json_object_get(c, "parties"), j, v)
			{
				const char *uid = str_or_null(v, "userId");
				if (uid) {
					check_known(byid, id, uid, started, &refs[1]);
					json_object_set_new(used, uid, json_true());
				}
			}
			json_array_foreach(
			    json_object_get(json_object_get(c, "interaction"), "speakers"), j, v)
			{
				const char *uid = str_or_null(v, "userId");
				if (uid)
					check_known(byid, id, uid, started, &refs[2]);
			}
			json_array_foreach(
			    json_object_get(json_object_get(c, "collaboration"), "publicComments"),
			    j, v)
			    check_known(byid, id, str(v, "commenterUserId"), started, &refs[3]);
		}
		/* Every kind of reference was checked, many times. */
		ck_assert_uint_eq(refs[0], 300);
		ck_assert_uint_gt(refs[1], 300);
		ck_assert_uint_gt(refs[2], 100);
		ck_assert_uint_gt(refs[3], 10);
		ck_assert_uint_gt(json_object_size(used), o.workspaces * 6);
		json_decref(used);
		json_decref(byid);
		json_decref(wids);
		json_decref(rec);
		json_decref(calls);
	}
}
END_TEST

/* Runs generate_main with stdout and stderr captured. */
struct run {
	int code;
	char out[1 << 16];
	char err[2048];
};

static void
slurp(int fd, char *buf, size_t cap)
{
	ssize_t n = pread(fd, buf, cap - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

static void
run_main(struct run *r, char **argv)
{
	char out_path[] = "/tmp/test_generate.out.XXXXXX";
	char err_path[] = "/tmp/test_generate.err.XXXXXX";
	int out = mkstemp(out_path), errfd = mkstemp(err_path);
	ck_assert(out >= 0 && errfd >= 0);
	fflush(stdout);
	fflush(stderr);
	int saved_out = dup(1), saved_err = dup(2);
	dup2(out, 1);
	dup2(errfd, 2);
	int argc = 0;
	while (argv[argc])
		argc++;
	r->code = generate_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	slurp(out, r->out, sizeof(r->out));
	slurp(errfd, r->err, sizeof(r->err));
	close(out);
	close(errfd);
	unlink(out_path);
	unlink(err_path);
}

START_TEST(test_main_flags)
{
	struct run r;
	char *argv[] = {
	    "generate", "--calls", "3",          "--workspaces=1", "--seed",
	    "9",        "--from",  "2024-02-28", "--to",           "2024-03-01T00:00:00+01:00",
	    "--format", "jsonl",   "--shape",    "basic",          NULL};
	run_main(&r, argv);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.err, "");
	struct text t = {r.out, strlen(r.out)};
	ck_assert_uint_eq(count_lines(&t), 3);
	struct store *s = load(&t);
	int64_t first, last, from, to;
	store_date_span(s, &first, &last);
	ck_assert_int_eq(isotime_parse("2024-02-28T00:00:00Z", 20, ISOTIME_LENIENT, &from), 0);
	ck_assert_int_eq(isotime_parse("2024-02-29T23:00:00Z", 20, ISOTIME_LENIENT, &to), 0);
	ck_assert_int_ge(first, from);
	ck_assert_int_lt(last, to);
	ck_assert_uint_eq(store_workspace_count(s), 1);
	store_free(s);

	/* The same through generate_write. */
	struct generate_options o;
	generate_defaults(&o);
	o.calls = 3;
	o.workspaces = 1;
	o.seed = 9;
	o.from_us = from;
	o.to_us = to;
	o.jsonl = 1;
	o.shape = GENERATE_SHAPE_BASIC;
	struct text w = write_to_memory(&o);
	ck_assert_str_eq(w.p, r.out);
	free(w.p);

	/* The extensive shape by default, and by name. */
	char *ext[] = {"generate", "--calls", "1", "--format", "jsonl", NULL};
	char *named[] = {"generate", "--shape=extensive", "--calls", "1", "--format", "jsonl",
	                 NULL};
	run_main(&r, ext);
	ck_assert_int_eq(r.code, 0);
	ck_assert_int_eq(strncmp(r.out, "{\"workspaces\":[{\"id\":\"", 22), 0);
	ck_assert_int_eq(strncmp(strchr(r.out, '\n') + 1, "{\"metaData\":{\"id\":\"", 19), 0);
	ck_assert_ptr_nonnull(strstr(r.out, ",\"transcript\":["));
	char *plain = strdup(r.out);
	run_main(&r, named);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, plain);
	free(plain);

	char *help[] = {"generate", "--help", NULL};
	run_main(&r, help);
	ck_assert_int_eq(r.code, 0);
	ck_assert_int_eq(strncmp(r.out, "usage: gongmock generate", 24), 0);
	ck_assert_ptr_nonnull(strstr(r.out, "--format"));
	ck_assert_ptr_nonnull(strstr(r.out, "--shape SHAPE"));
	ck_assert_str_eq(r.err, "");

	/* No flags: the defaults, as an array; no progress when stderr is not a terminal. */
	char *none[] = {"generate", NULL};
	run_main(&r, none);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.err, "");
	struct text d = defaults_text(0);
	ck_assert_int_eq(strncmp(r.out, d.p, sizeof(r.out) - 1), 0);
	free(d.p);
}
END_TEST

static char *const BAD_ARGS[][5] = {
    {"generate", "--bogus", NULL},
    {"generate", "--calls", NULL},
    {"generate", "--calls", "ten", NULL},
    {"generate", "--calls", "-1", NULL},
    {"generate", "--calls", "1000000001", NULL},
    {"generate", "--calls=", NULL},
    {"generate", "--seed", "99999999999999999999", NULL},
    {"generate", "--workspaces", "0", NULL},
    {"generate", "--workspaces", "1001", NULL},
    {"generate", "--from", "yesterday", NULL},
    {"generate", "--to", "2025-13-01", NULL},
    {"generate", "--from", "2025-07-01", NULL},
    {"generate", "--from", "2025-03-01", "--to", "2025-03-01"},
    {"generate", "--format", "xml", NULL},
    {"generate", "--shape", "flat", NULL},
    {"generate", "--shape", NULL},
    {"generate", "--shape=", NULL},
    {"generate", "extra", NULL},
    {"generate", "-c", "3", NULL},
};

START_TEST(test_main_bad_flags)
{
	struct run r;
	char *argv[6] = {0};
	memcpy(argv, BAD_ARGS[_i], sizeof(BAD_ARGS[_i]));
	run_main(&r, argv);
	ck_assert_int_eq(r.code, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_msg(strncmp(r.err, "generate: ", 10) == 0 && strstr(r.err, "--help") != NULL,
	              "stderr: %s", r.err);
}
END_TEST

START_TEST(test_write_refuses_bad_options)
{
	struct generate_options o;
	generate_defaults(&o);
	o.workspaces = 0;
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(generate_write(&o, f), -1);
	generate_defaults(&o);
	o.to_us = o.from_us;
	ck_assert_int_eq(generate_write(&o, f), -1);
	fclose(f);
}
END_TEST

static Suite *
generate_suite(void)
{
	Suite *s = suite_create("generate");
	TCase *tc = tcase_create("data");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_same_seed_same_bytes);
	tcase_add_test(tc, test_other_seed_other_bytes);
	tcase_add_test(tc, test_basic_shape_unchanged);
	tcase_add_test(tc, test_metadata_is_the_basic_call);
	tcase_add_test(tc, test_count_and_shape);
	tcase_add_test(tc, test_default_dataset_coverage);
	tcase_add_test(tc, test_loads_in_store_order);
	tcase_add_test(tc, test_json_and_jsonl_same_calls);
	tcase_add_test(tc, test_builtin_fixtures_are_the_defaults);
	suite_add_tcase(s, tc);

	tc = tcase_create("extensive");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_extensive_calls_are_consistent);
	tcase_add_test(tc, test_transcripts_speak_the_call_language);
	tcase_add_test(tc, test_company_users_and_workspaces);
	tcase_add_test(tc, test_company_record_first);
	tcase_add_test(tc, test_company_record_keys);
	tcase_add_test(tc, test_company_record_complete);
	suite_add_tcase(s, tc);

	tc = tcase_create("command");
	tcase_add_test(tc, test_main_flags);
	tcase_add_loop_test(tc, test_main_bad_flags, 0,
	                    (int)(sizeof(BAD_ARGS) / sizeof(BAD_ARGS[0])));
	tcase_add_test(tc, test_write_refuses_bad_options);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(generate_suite());
}
