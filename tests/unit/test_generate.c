/*
 * test_generate.c - `gongmock generate`: the same options give the same bytes, the options are
 * honoured, the default dataset covers every contract value and loads into the store as it
 * is (already in the store's order), both formats hold the same calls, the built-in fixtures
 * are the default dataset, and bad command lines exit with 2.
 */
#include "generate.h"

#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isotime.h"
#include "store.h"

#include "harness.h"
#include "stores.h"

/* The built-in fixtures, linked into the program (embed.S). */
extern const char gongmock_fixture_start[];
extern const char gongmock_fixture_end[];

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
	for (int jsonl = 0; jsonl < 2; jsonl++) {
		struct text a = defaults_text(jsonl), b = defaults_text(jsonl);
		ck_assert_uint_eq(a.len, b.len);
		ck_assert_int_eq(memcmp(a.p, b.p, a.len), 0);
		free(a.p);
		free(b.p);
	}
}
END_TEST

START_TEST(test_other_seed_other_bytes)
{
	struct generate_options o;
	generate_defaults(&o);
	struct text a = write_to_memory(&o);
	o.seed = 2;
	struct text b = write_to_memory(&o);
	ck_assert(a.len != b.len || memcmp(a.p, b.p, a.len) != 0);
	/* Not merely shuffled: the first calls differ. */
	ck_assert(memcmp(a.p, b.p, 64) != 0);
	free(a.p);
	free(b.p);
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
		o.jsonl = 1;
		struct text l = write_to_memory(&o);
		o.jsonl = 0;
		struct text j = write_to_memory(&o);
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
	struct text t = defaults_text(0);
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
	struct text t = defaults_text(1);
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
	size_t len = (size_t)(gongmock_fixture_end - gongmock_fixture_start);
	ck_assert_msg(len == t.len && memcmp(gongmock_fixture_start, t.p, len) == 0,
	              "fixtures/calls.json is not the default dataset; rebuild it with "
	              "`gongmock generate > fixtures/calls.json`");
	free(t.p);
}
END_TEST

/* Runs generate_main with stdout and stderr captured. */
struct run {
	int code;
	char out[8192];
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
	    "--format", "jsonl",   NULL};
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
	struct text w = write_to_memory(&o);
	ck_assert_str_eq(w.p, r.out);
	free(w.p);

	char *help[] = {"generate", "--help", NULL};
	run_main(&r, help);
	ck_assert_int_eq(r.code, 0);
	ck_assert_int_eq(strncmp(r.out, "usage: gongmock generate", 24), 0);
	ck_assert_ptr_nonnull(strstr(r.out, "--format"));
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
	tcase_add_test(tc, test_count_and_shape);
	tcase_add_test(tc, test_default_dataset_coverage);
	tcase_add_test(tc, test_loads_in_store_order);
	tcase_add_test(tc, test_json_and_jsonl_same_calls);
	tcase_add_test(tc, test_builtin_fixtures_are_the_defaults);
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
