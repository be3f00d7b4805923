/*
 * test_store.c - the call store: duplicate ids, the (date, id) order and the web-conference
 * date, date ranges, workspaces, `after` positions and full walks, the layout of the rendered
 * text, ids as numbers, and the store slot under concurrent readers. For the POST views: the
 * (started, id) order and its filters, lookups by id, each call's blocks, transcripts read
 * apart from their calls and joined to them, and a second load of the same data.
 */
#include "store.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "stores.h"

/* ---- Duplicates, order, dates and queries ---- */

START_TEST(test_duplicates_keep_last)
{
	struct store *s =
	    stores_load("{\"id\":\"5\",\"started\":\"2025-01-09T00:00:00Z\",\"title\":\"old\"}\n"
	                "{\"id\":\"6\"," S0 "}\n"
	                "{\"id\":\"0005\",\"started\":\"2024-12-31T00:00:00Z\",\"title\":"
	                "\"new\"}\n");
	size_t n;
	const struct store_call **calls = stores_all(s, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(stores_id(calls[0]), "5");
	ck_assert_int_eq(calls[0]->date_us, stores_at("2024-12-31T00:00:00Z"));
	ck_assert_msg(strstr(calls[0]->json, "\"title\":\"new\"") != NULL, "%.*s",
	              (int)calls[0]->json_len, calls[0]->json);
	/* Neighbours stay neighbours although the first call read was dropped. */
	ck_assert_ptr_eq(calls[0]->json + calls[0]->json_len + 1, calls[1]->json);
	free(calls);
	store_free(s);
}
END_TEST

START_TEST(test_order_numeric_ids)
{
	struct store *s =
	    stores_load("[{\"id\":\"99999999999999999999\"," S0 "},{\"id\":\"10\"," S0 "},"
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
	const struct store_call **calls = stores_all(s, &n);
	ck_assert_uint_eq(n, 8);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(stores_id(calls[i]), order[i]);
	int64_t first, last;
	store_date_span(s, &first, &last);
	ck_assert_int_eq(first, stores_at("2024-12-31T23:59:59.999999Z"));
	ck_assert_int_eq(last, stores_at("2025-01-01T00:00:00Z"));
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
	struct store *s = stores_load(
	    WC("1", ",\"meetingUrl\":\"https://zoom.us/j/1\"") WC("2", "")
	        WC("3", ",\"meetingUrl\":\"\"") WC(
	            "4",
	            ",\"meetingUrl\":null") "{\"id\":\"5\",\"started\":\"2025-01-01T10:05:00Z\","
	                                    "\"scheduled\":null,\"meetingUrl\":\"https://x\"}\n");
#undef WC
	size_t n;
	const struct store_call **calls = stores_all(s, &n);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(stores_id(calls[0]), "1");
	ck_assert_int_eq(calls[0]->date_us, stores_at("2025-01-01T09:00:00Z"));
	for (size_t i = 1; i < n; i++)
		ck_assert_int_eq(calls[i]->date_us, stores_at("2025-01-01T10:05:00Z"));
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
	return stores_load(text);
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
		strcat(got, stores_id(page->calls[i]));
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

	f.from_us = stores_at("2025-01-01T02:00:00Z");
	f.to_us = stores_at("2025-01-01T05:00:00Z");
	query(s, &f, NULL, 10, &p, "102 103 104", 3, 0);
	/* One microsecond either way moves each end by one call. */
	f.from_us += 1;
	f.to_us += 1;
	query(s, &f, NULL, 10, &p, "103 104 105", 3, 0);
	/* The same instants written with an offset. */
	f.from_us = stores_at("2025-01-01T04:00:00+02:00");
	f.to_us = stores_at("2025-01-01T00:00:00-05:00");
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
	f.from_us = stores_at("2026-01-01T00:00:00Z");
	f.to_us = stores_at("2027-01-01T00:00:00Z");
	query(s, &f, NULL, 10, &p, "", 0, 0);
	f.from_us = stores_at("2020-01-01T00:00:00Z");
	f.to_us = stores_at("2025-01-01T00:00:00Z");
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
	f.from_us = stores_at("2025-01-01T03:00:00Z");
	f.to_us = stores_at("2025-01-01T07:00:00Z");
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

	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T03:00:00Z"), "103", &pos), 0);
	query(s, &f, &pos, 2, &p, "104 105", 11, 5);
	/* A call that is no longer there: the walk goes on at the next greater position. */
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T03:00:00Z"), "150", &pos), 0);
	query(s, &f, &pos, 2, &p, "104 105", 11, 5);
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T03:00:00Z"), "50", &pos), 0);
	query(s, &f, &pos, 2, &p, "103 104", 11, 6);
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T03:30:00Z"), "1", &pos), 0);
	query(s, &f, &pos, 2, &p, "104 105", 11, 5);
	/* After the last call of 09:00 comes id 1, dated 10:00. */
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T09:00:00Z"), "109", &pos), 0);
	query(s, &f, &pos, 5, &p, "1", 11, 0);
	/* After the last, and before the first. */
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T10:00:00Z"), "1", &pos), 0);
	query(s, &f, &pos, 5, &p, "", 11, 0);
	ck_assert_int_eq(store_pos_make(stores_at("2024-01-01T00:00:00Z"), "999", &pos), 0);
	query(s, &f, &pos, 2, &p, "100 101", 11, 9);
	/* After a position outside the filter's range. */
	f.has_from = f.has_to = true;
	f.from_us = stores_at("2025-01-01T05:00:00Z");
	f.to_us = stores_at("2025-01-01T07:00:00Z");
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T01:00:00Z"), "101", &pos), 0);
	query(s, &f, &pos, 5, &p, "105 106", 2, 0);
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T08:00:00Z"), "1", &pos), 0);
	query(s, &f, &pos, 5, &p, "", 2, 0);
	/* Within a workspace. */
	f.has_from = f.has_to = false;
	f.has_workspace = true;
	strcpy(f.workspace, "111");
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T03:00:00Z"), "103", &pos), 0);
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
	struct store *s = stores_load(text);
	free(text);
	ck_assert_uint_eq(store_count(s), 300);

	static const char *const wss[] = {NULL, "0", "1", "2"};
	for (size_t w = 0; w < 4; w++) {
		for (size_t limit = 1; limit <= 13; limit += 4) {
			struct filter f = {.has_from = true, .has_to = true};
			f.from_us = stores_at("2025-01-01T01:00:00Z");
			f.to_us = stores_at("2025-01-03T02:00:00Z");
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
	const struct store_call **calls = stores_all(s, &n);
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

/* ---- The POST views: start order, lookups by id, blocks and transcripts ---- */

/*
 * Five calls whose start order is not their date order: 1 is a web conference scheduled at
 * 09:00 that started at 11:00, 10 one scheduled at 10:30 that started early, at 09:30; 2 and 3
 * start together. Workspaces and hosts differ, 4 has no host.
 */
static struct store *
starts(void)
{
	return stores_load(
	    "[{\"id\":\"1\",\"scheduled\":\"2025-01-01T09:00:00Z\",\"started\":"
	    "\"2025-01-01T11:00:00Z\",\"meetingUrl\":\"https://zoom.us/j/1\",\"workspaceId\":\"5\","
	    "\"primaryUserId\":\"70\"},\n"
	    "{\"id\":\"3\",\"started\":\"2025-01-01T10:00:00Z\",\"workspaceId\":\"6\","
	    "\"primaryUserId\":\"71\"},\n"
	    "{\"id\":\"2\",\"started\":\"2025-01-01T10:00:00Z\",\"workspaceId\":\"5\","
	    "\"primaryUserId\":\"70\"},\n"
	    "{\"id\":\"10\",\"scheduled\":\"2025-01-01T10:30:00Z\",\"started\":"
	    "\"2025-01-01T09:30:00Z\",\"meetingUrl\":\"https://meet.example/10\",\"workspaceId\":"
	    "\"5\",\"primaryUserId\":\"72\"},\n"
	    "{\"id\":\"4\",\"started\":\"2025-01-01T12:00:00Z\",\"workspaceId\":\"6\"}]");
}

static void
xquery(const struct store *s, const struct store_xfilter *f, const struct store_pos *after,
       size_t limit, const char *expect_ids, uint64_t total, uint64_t remaining)
{
	static const struct store_call *calls[64];
	struct store_page page = {.calls = calls};
	char got[512] = "";

	store_query_started(s, f, after, limit, &page);
	for (size_t i = 0; i < page.count; i++) {
		if (i)
			strcat(got, " ");
		strcat(got, stores_id(page.calls[i]));
	}
	ck_assert_str_eq(got, expect_ids);
	ck_assert_uint_eq(page.total, total);
	ck_assert_uint_eq(page.remaining, remaining);
}

static struct store_id
sid(const char *digits)
{
	struct store_id id;

	store_id_split(digits, strlen(digits), &id.hi, &id.lo);
	return id;
}

START_TEST(test_started_order)
{
	struct store *s = starts();
	struct store_xfilter f;
	struct store_page p;
	struct store_pos pos;

	/* GET /v2/calls's order, by date. */
	query(s, &(struct filter){0}, NULL, 10, &p, "1 2 3 10 4", 5, 0);
	/* The POST views' order, by start. */
	memset(&f, 0, sizeof(f));
	xquery(s, &f, NULL, 10, "10 2 3 1 4", 5, 0);
	xquery(s, &f, NULL, 2, "10 2", 5, 3);
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T10:00:00Z"), "2", &pos), 0);
	xquery(s, &f, &pos, 2, "3 1", 5, 1);
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T11:00:00Z"), "1", &pos), 0);
	xquery(s, &f, &pos, 2, "4", 5, 0);
	/* A position between calls, and one past the last. */
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T10:00:00Z"), "25", &pos), 0);
	xquery(s, &f, &pos, 10, "1 4", 5, 0);
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T12:00:00Z"), "4", &pos), 0);
	xquery(s, &f, &pos, 10, "", 5, 0);

	/* Dates apply to the start: 10:00 to 11:00 holds 2 and 3, not 10 nor 1. */
	f.f.has_from = f.f.has_to = true;
	f.f.from_us = stores_at("2025-01-01T10:00:00Z");
	f.f.to_us = stores_at("2025-01-01T11:00:00Z");
	xquery(s, &f, NULL, 10, "2 3", 2, 0);
	query(s, &f.f, NULL, 10, &p, "2 3 10", 3, 0);
	f.f.to_us += 1;
	xquery(s, &f, NULL, 10, "2 3 1", 3, 0);
	f.f.from_us = stores_at("2025-01-01T09:00:00Z");
	f.f.to_us = stores_at("2025-01-01T09:30:00Z");
	xquery(s, &f, NULL, 10, "", 0, 0);
	query(s, &f.f, NULL, 10, &p, "1", 1, 0);
	store_free(s);
}
END_TEST

START_TEST(test_started_filters)
{
	struct store *s = starts();
	struct store_xfilter f;
	struct store_pos pos;
	struct store_id ids[4], users[3];

	/* A workspace. */
	memset(&f, 0, sizeof(f));
	f.f.has_workspace = true;
	strcpy(f.f.workspace, "5");
	xquery(s, &f, NULL, 10, "10 2 1", 3, 0);
	xquery(s, &f, NULL, 1, "10", 3, 2);
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T09:30:00Z"), "10", &pos), 0);
	xquery(s, &f, &pos, 1, "2", 3, 1);
	strcpy(f.f.workspace, "9");
	xquery(s, &f, NULL, 10, "", 0, 0);

	/* Hosts: a call without one never matches. */
	memset(&f, 0, sizeof(f));
	users[0] = sid("70");
	users[1] = sid("72");
	f.users = users;
	f.nusers = 2;
	f.has_users = true;
	xquery(s, &f, NULL, 10, "10 2 1", 3, 0);
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T10:00:00Z"), "2", &pos), 0);
	xquery(s, &f, &pos, 10, "1", 3, 0);
	users[0] = sid("71");
	f.nusers = 1;
	f.f.has_workspace = true;
	strcpy(f.f.workspace, "6");
	xquery(s, &f, NULL, 10, "3", 1, 0);
	users[0] = sid("0");
	f.f.has_workspace = false;
	xquery(s, &f, NULL, 10, "", 0, 0);
	/* An empty set of users matches nothing. */
	f.nusers = 0;
	xquery(s, &f, NULL, 10, "", 0, 0);

	/* Ids, in any number: put in start order, unknown ones left out. */
	memset(&f, 0, sizeof(f));
	ids[0] = sid("1");
	ids[1] = sid("4");
	ids[2] = sid("10");
	ids[3] = sid("11");
	f.ids = ids;
	f.nids = 4;
	f.has_ids = true;
	xquery(s, &f, NULL, 10, "10 1 4", 3, 0);
	xquery(s, &f, NULL, 2, "10 1", 3, 1);
	ck_assert_int_eq(store_pos_make(stores_at("2025-01-01T11:00:00Z"), "1", &pos), 0);
	xquery(s, &f, &pos, 2, "4", 3, 0);
	/* With the other filters. */
	f.f.has_workspace = true;
	strcpy(f.f.workspace, "5");
	xquery(s, &f, NULL, 10, "10 1", 2, 0);
	f.f.has_from = true;
	f.f.from_us = stores_at("2025-01-01T10:00:00Z");
	xquery(s, &f, NULL, 10, "1", 1, 0);
	users[0] = sid("72");
	f.users = users;
	f.nusers = 1;
	f.has_users = true;
	xquery(s, &f, NULL, 10, "", 0, 0);
	/* An empty set of ids matches nothing. */
	memset(&f, 0, sizeof(f));
	f.ids = ids;
	f.has_ids = true;
	xquery(s, &f, NULL, 10, "", 0, 0);
	store_free(s);
}
END_TEST

START_TEST(test_started_walks)
{
	/*
	 * 240 web conferences in three workspaces and four hosts, scheduled a minute apart and
	 * started up to 96 minutes after: their start order is far from their date order. Every
	 * filter's walk, at several page sizes, serves each matching call once, in start order.
	 */
	size_t cap = 240 * 256, len = 0;
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text, cap, "[");
	for (unsigned i = 0; i < 240; i++) {
		unsigned sched = i, start = i + (i * 53) % 97;
		len += (size_t)snprintf(
		    text + len, cap - len,
		    "%s{\"id\":\"%u\",\"scheduled\":\"2025-01-01T%02u:%02u:00Z\",\"started\":"
		    "\"2025-01-01T%02u:%02u:00Z\",\"meetingUrl\":\"https://zoom.us/j/%u\","
		    "\"workspaceId\":\"%u\",\"primaryUserId\":%s}",
		    i ? "," : "", 1000 + (i * 7919) % 240, sched / 60, sched % 60, start / 60,
		    start % 60, i, i % 3, i % 5 == 4 ? "null" : (i % 5 == 1 ? "\"41\"" : "\"40\""));
	}
	snprintf(text + len, cap - len, "]");
	struct store *s = stores_load(text);
	free(text);
	ck_assert_uint_eq(store_count(s), 240);

	struct store_id some[60], users[1] = {sid("41")};
	for (unsigned i = 0; i < 60; i++) {
		char d[8];
		snprintf(d, sizeof(d), "%u", 1000 + i * 4);
		some[i] = sid(d);
	}
	/* Ids sorted as the filter holds them. */
	for (unsigned i = 1; i < 60; i++)
		ck_assert(some[i - 1].lo < some[i].lo);

	for (int kind = 0; kind < 5; kind++) {
		for (size_t limit = 1; limit <= 40; limit += 13) {
			struct store_xfilter f;
			memset(&f, 0, sizeof(f));
			if (kind == 1) {
				f.f.has_workspace = true;
				strcpy(f.f.workspace, "2");
			} else if (kind == 2) {
				f.users = users;
				f.nusers = 1;
				f.has_users = true;
			} else if (kind == 3) {
				f.ids = some;
				f.nids = 60;
				f.has_ids = true;
			} else if (kind == 4) {
				f.f.has_from = f.f.has_to = true;
				f.f.from_us = stores_at("2025-01-01T01:00:00Z");
				f.f.to_us = stores_at("2025-01-01T03:00:00Z");
			}
			/* What the walk must serve, counted from the calls themselves. */
			size_t n;
			const struct store_call **all = stores_all(s, &n);
			uint64_t want = 0;
			for (size_t i = 0; i < n; i++) {
				const struct store_call *c = all[i];
				char *json = strndup(c->json, c->json_len);
				int ok = 1;
				ck_assert_ptr_nonnull(json);
				if (kind == 1)
					ok = strstr(json, "\"workspaceId\":\"2\"") != NULL;
				else if (kind == 2)
					ok = strstr(json, "\"primaryUserId\":\"41\"") != NULL;
				else if (kind == 3)
					ok = c->id_hi == 0 && c->id_lo >= 1000 && c->id_lo < 1240 &&
					     (c->id_lo - 1000) % 4 == 0;
				else if (kind == 4)
					ok = c->started_us >= f.f.from_us &&
					     c->started_us < f.f.to_us;
				free(json);
				want += (uint64_t)ok;
			}
			free(all);
			ck_assert_uint_gt(want, 10);

			const struct store_call *calls[64], *prev = NULL;
			struct store_page p = {.calls = calls};
			struct store_pos pos;
			uint64_t seen = 0;
			int first = 1;
			for (;;) {
				store_query_started(s, &f, first ? NULL : &pos, limit, &p);
				first = 0;
				ck_assert_uint_eq(p.total, want);
				ck_assert_uint_eq(p.remaining, want - seen - p.count);
				for (size_t i = 0; i < p.count; i++) {
					const struct store_call *c = p.calls[i];
					if (prev)
						ck_assert(prev->started_us < c->started_us ||
						          (prev->started_us == c->started_us &&
						           (prev->id_hi < c->id_hi ||
						            (prev->id_hi == c->id_hi &&
						             prev->id_lo < c->id_lo))));
					prev = c;
				}
				seen += p.count;
				if (p.remaining == 0)
					break;
				const struct store_call *last = p.calls[p.count - 1];
				char id[STORE_ID_MAX + 1];
				store_id_format(last->id_hi, last->id_lo, id);
				ck_assert_int_eq(store_pos_make(last->started_us, id, &pos), 0);
			}
			ck_assert_uint_eq(seen, want);
		}
	}
	store_free(s);
}
END_TEST

/* Whether a call's rendered JSON (not NUL-terminated) holds `needle`. */
static int
json_has(const struct store_call *c, const char *needle)
{
	char *json = strndup(c->json, c->json_len);
	int found;

	ck_assert_ptr_nonnull(json);
	found = strstr(json, needle) != NULL;
	free(json);
	return found;
}

START_TEST(test_find_by_id)
{
	struct store *s = stores_load(
	    "[{\"id\":\"1\"," S0 "},{\"id\":\"10000000000\"," S0 "},"
	    "{\"id\":\"99999999999999999999\"," S0 ",\"title\":\"big\"},{\"id\":\"0\"," S0 "},"
	    "{\"id\":\"7\"," S0 ",\"title\":\"old\"},{\"id\":\"007\"," S0 ",\"title\":\"new\"}]");
	static const char *const have[] = {"1", "10000000000", "99999999999999999999",
	                                   "0", "7",           "0000000001"};
	static const char *const lack[] = {"2", "1000000000", "100000000000",
	                                   "99999999999999999998", "9999999999"};
	struct store_id id;
	const struct store_call *c;

	for (size_t i = 0; i < sizeof(have) / sizeof(have[0]); i++) {
		id = sid(have[i]);
		c = store_find(s, id.hi, id.lo);
		ck_assert_msg(c != NULL, "%s not found", have[i]);
		ck_assert_uint_eq(c->id_hi, id.hi);
		ck_assert_uint_eq(c->id_lo, id.lo);
	}
	for (size_t i = 0; i < sizeof(lack) / sizeof(lack[0]); i++) {
		id = sid(lack[i]);
		ck_assert_msg(store_find(s, id.hi, id.lo) == NULL, "%s found", lack[i]);
	}
	/* The call kept for a repeated id is the one found. */
	id = sid("7");
	c = store_find(s, id.hi, id.lo);
	ck_assert(json_has(c, "\"title\":\"new\""));
	ck_assert_uint_eq(store_count(s), 5);
	store_free(s);

	s = stores_load("[]");
	ck_assert_ptr_null(store_find(s, 0, 1));
	ck_assert_ptr_null(store_find(s, 0, 0));
	store_free(s);

	/* A store of many calls finds every one of them. */
	{
		char *text = malloc(2000 * 64);
		size_t len = 0;
		ck_assert_ptr_nonnull(text);
		len += (size_t)sprintf(text, "[");
		for (unsigned i = 0; i < 2000; i++)
			len += (size_t)sprintf(text + len, "%s{\"id\":\"%u\"," S0 "}", i ? "," : "",
			                       i * 104729u);
		strcpy(text + len, "]");
		s = stores_load(text);
		free(text);
		for (unsigned i = 0; i < 2000; i++) {
			char d[16];
			snprintf(d, sizeof(d), "%u", i * 104729u);
			id = sid(d);
			ck_assert_ptr_nonnull(store_find(s, id.hi, id.lo));
			snprintf(d, sizeof(d), "%u", i * 104729u + 1);
			id = sid(d);
			ck_assert_ptr_null(store_find(s, id.hi, id.lo));
		}
		store_free(s);
	}
}
END_TEST

/* Part p of call `id`'s blocks as a string ("" when it has none); the caller frees it. */
static char *
part_of(const struct store *s, const char *id, enum blocks_part p)
{
	struct store_id k = sid(id);
	const struct store_call *c = store_find(s, k.hi, k.lo);
	const struct blocks *b;

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

	ck_assert_msg(strcmp(got, want) == 0, "call %s part %s\n  got  %s\n  want %s", id,
	              blocks_key(p), got, want);
	free(got);
}

#define T(text)                                                                                    \
	"[{\"speakerId\":\"s\",\"topic\":null,\"sentences\":[{\"start\":0,\"end\":1,\"text\":"     \
	"\"" text "\"}]}]"

START_TEST(test_blocks_of_calls)
{
	struct store *s = stores_load(
	    "[{\"id\":\"1\"," S0 "},\n"
	    "{\"metaData\":{\"id\":\"2\"," S0
	    "},\"parties\":[{\"name\":\"Ann\"}],\"transcript\":" T(
	        "two") "},\n"
	               "{\"metaData\":{\"id\":\"3\"," S0 "}},\n"
	               "{\"metaData\":{\"id\":\"4\"," S0 "},\"content\":{\"brief\":\"b\"}},\n"
	               "{\"id\":\"4\"," S0 "},\n"
	               "{\"id\":\"5\"," S0 "},\n"
	               "{\"metaData\":{\"id\":\"5\"," S0 ",\"title\":\"five\"},\"parties\":[]}]");
	struct store_id k;
	const struct store_call *c;

	ck_assert_uint_eq(store_count(s), 5);
	ck_assert_ptr_nonnull(store_block_text(s));
	/* A basic call, and an extensive one without blocks, have none. */
	k = sid("1");
	ck_assert_ptr_null(store_blocks(s, store_find(s, k.hi, k.lo)));
	k = sid("3");
	ck_assert_ptr_null(store_blocks(s, store_find(s, k.hi, k.lo)));
	assert_part(s, "2", BLOCKS_PARTIES, "[{\"name\":\"Ann\"}]");
	assert_part(s, "2", BLOCKS_TRANSCRIPT, T("two"));
	assert_part(s, "2", BLOCKS_BRIEF, "");
	/* The metaData is served as the call. */
	k = sid("2");
	c = store_find(s, k.hi, k.lo);
	ck_assert_int_eq(strncmp(c->json, "{\"id\":\"2\",", 10), 0);
	ck_assert(!json_has(c, "parties"));
	/* The later copy of an id wins, blocks and all. */
	k = sid("4");
	ck_assert_ptr_null(store_blocks(s, store_find(s, k.hi, k.lo)));
	assert_part(s, "5", BLOCKS_PARTIES, "[]");
	k = sid("5");
	ck_assert(json_has(store_find(s, k.hi, k.lo), "five"));
	store_free(s);

	/* Without any block there is no block text. */
	s = stores_load("[{\"id\":\"1\"," S0 "}]");
	ck_assert_ptr_null(store_block_text(s));
	ck_assert_ptr_null(store_blocks(s, stores_only(s)));
	store_free(s);
}
END_TEST

/* A directory of fixture files (name, text pairs, NULL-terminated) under /tmp. */
static void
make_dir(char dir[64], const char *const *files)
{
	snprintf(dir, 64, "/tmp/gongmock-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (size_t i = 0; files[i] != NULL; i += 2) {
		char path[128];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		ck_assert_int_ge(fputs(files[i + 1], f), 0);
		ck_assert_int_eq(fclose(f), 0);
	}
}

static void
remove_dir(const char *dir, const char *const *files)
{
	for (size_t i = 0; files[i] != NULL; i += 2) {
		char path[128];

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static const char *const joined_files[] = {
    "0-early.json",
    "{\"callTranscripts\":[{\"callId\":\"6\",\"transcript\":" T("six first") "}]}",
    "a-calls.json",
    "[{\"metaData\":{\"id\":\"1\"," S0 "},\"parties\":[{\"name\":\"P1\"}],\"transcript\":" T(
        "own") "},\n"
               "{\"id\":\"2\"," S0 "},\n"
               "{\"id\":\"3\"," S0 "},\n"
               "{\"metaData\":{\"id\":\"4\"," S0 "},\"content\":{\"brief\":\"four\"}},\n"
               "{\"id\":\"5\"," S0 "},\n"
               "{\"id\":\"6\"," S0 "}]",
    "b-answer.json",
    "{\"requestId\":\"r\",\"records\":{\"totalRecords\":2},\"callTranscripts\":["
    "{\"callId\":\"2\",\"transcript\":" T(
        "two first") "},"
                     "{\"callId\":\"1\",\"transcript\":" T(
                         "one again") "},"
                                      "{\"callId\":\"6\",\"transcript\":" T("six again") "}]}",
    "c-lines.jsonl",
    "{\"callId\":\"3\",\"transcript\":" T(
        "three") "}\n"
                 "\n"
                 "{\"callId\":\"2\",\"transcript\":" T(
                     "two again") "}\n"
                                  "{\"callId\":\"0004\",\"transcript\":[]}\n",
    NULL,
};

START_TEST(test_transcripts_joined)
{
	char dir[64], err[512] = "";
	struct store *s;

	make_dir(dir, joined_files);
	s = store_load(dir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(store_count(s), 6);
	/* A later transcript replaces an earlier one, and the call's own. */
	assert_part(s, "1", BLOCKS_TRANSCRIPT, T("one again"));
	assert_part(s, "2", BLOCKS_TRANSCRIPT, T("two again"));
	assert_part(s, "3", BLOCKS_TRANSCRIPT, T("three"));
	assert_part(s, "4", BLOCKS_TRANSCRIPT, "[]");
	assert_part(s, "5", BLOCKS_TRANSCRIPT, "");
	/* Read before its call (files go in name order), joined all the same. */
	assert_part(s, "6", BLOCKS_TRANSCRIPT, T("six again"));
	/* The other blocks stay. */
	assert_part(s, "1", BLOCKS_PARTIES, "[{\"name\":\"P1\"}]");
	assert_part(s, "4", BLOCKS_BRIEF, "\"four\"");
	assert_part(s, "2", BLOCKS_PARTIES, "");
	store_free(s);
	remove_dir(dir, joined_files);
}
END_TEST

START_TEST(test_transcript_of_an_unknown_call)
{
	static const char *const lines[] = {
	    "calls.json",
	    "[{\"id\":\"1\"," S0 "}]",
	    "t.jsonl",
	    "{\"callId\":\"1\",\"transcript\":[]}\n{\"callId\":\"99\",\"transcript\":[]}\n",
	    NULL,
	};
	static const char *const answer[] = {
	    "calls.json",
	    "[{\"id\":\"1\"," S0 "}]",
	    "t.json",
	    "{\"callTranscripts\":[{\"callId\":\"1\",\"transcript\":[]},{\"callId\":\"1\","
	    "\"transcript\":[]},{\"callId\":\"12345678901234567890\",\"transcript\":[]}]}",
	    NULL,
	};
	char dir[64], err[512] = "", want[256];

	make_dir(dir, lines);
	ck_assert_ptr_null(store_load(dir, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s/t.jsonl: transcript 1: callId: no call 99 in the data",
	         dir);
	ck_assert_str_eq(err, want);
	remove_dir(dir, lines);

	make_dir(dir, answer);
	ck_assert_ptr_null(store_load(dir, err, sizeof(err)));
	snprintf(want, sizeof(want),
	         "%s/t.json: transcript 2: callId: no call 12345678901234567890 in the data", dir);
	ck_assert_str_eq(err, want);
	remove_dir(dir, answer);

	/* A call read in the same file as its transcript is known; another one is not. */
	ck_assert_str_eq(stores_load_error("mixed.jsonl",
	                                   "{\"callId\":\"5\",\"transcript\":[]}\n"
	                                   "{\"id\":\"5\"," S0 "}\n"
	                                   "{\"callId\":\"0006\",\"transcript\":[]}\n"),
	                 "mixed.jsonl: transcript 2: callId: no call 6 in the data");
	ck_assert_str_eq(stores_load_error("only.json", "{\"callTranscripts\":[{\"callId\":\"5\","
	                                                "\"transcript\":[]}]}"),
	                 "only.json: transcript 0: callId: no call 5 in the data");
}
END_TEST

START_TEST(test_a_second_load_is_the_same)
{
	char dir[64], err[512] = "";
	struct store *a, *b;
	const struct store_call **ca, **cb;
	size_t na, nb;

	make_dir(dir, joined_files);
	a = store_load(dir, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	b = store_load(dir, err, sizeof(err));
	ck_assert_msg(b != NULL, "%s", err);
	ca = stores_all(a, &na);
	cb = stores_all(b, &nb);
	ck_assert_uint_eq(na, nb);
	for (size_t i = 0; i < na; i++) {
		char id[STORE_ID_MAX + 1];

		ck_assert_uint_eq(ca[i]->json_len, cb[i]->json_len);
		ck_assert_int_eq(memcmp(ca[i]->json, cb[i]->json, ca[i]->json_len), 0);
		ck_assert_int_eq(ca[i]->started_us, cb[i]->started_us);
		ck_assert_ptr_ne(ca[i]->json, cb[i]->json);
		store_id_format(ca[i]->id_hi, ca[i]->id_lo, id);
		for (int p = 0; p < BLOCKS_COUNT; p++) {
			char *x = part_of(a, id, (enum blocks_part)p);
			char *y = part_of(b, id, (enum blocks_part)p);

			ck_assert_str_eq(x, y);
			free(x);
			free(y);
		}
	}
	free(ca);
	free(cb);
	/* Swapped in as a reload does, the new one answers; the old one is gone. */
	{
		struct store_slot *slot = store_slot_create(a);
		struct store_xfilter f;
		unsigned t;
		const struct store *cur;

		memset(&f, 0, sizeof(f));
		store_slot_swap(slot, b);
		cur = store_slot_acquire(slot, &t);
		ck_assert_ptr_eq(cur, b);
		xquery(cur, &f, NULL, 10, "1 2 3 4 5 6", 6, 0);
		assert_part(cur, "2", BLOCKS_TRANSCRIPT, T("two again"));
		store_slot_release(slot, t);
		store_slot_free(slot);
	}
	remove_dir(dir, joined_files);
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
	struct store_slot *slot = store_slot_create(stores_load(two));
	ck_assert_ptr_nonnull(slot);
	for (int i = 0; i < SLOT_READERS; i++) {
		runs[i].slot = slot;
		atomic_init(&runs[i].stop, 0);
		atomic_init(&runs[i].reads, 0);
		ck_assert_int_eq(pthread_create(&threads[i], NULL, slot_reader, &runs[i]), 0);
	}
	/* Swap at least 300 times, and on until every reader has read a few hundred times. */
	for (int k = 0; k < 100000; k++) {
		store_slot_swap(slot, stores_load(k % 2 ? two : three));
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
	/* Alone, each swap is seen by the next acquire; readers are counted until released. */
	unsigned t, t2;
	ck_assert_uint_eq(store_slot_readers(slot), 0);
	store_slot_swap(slot, stores_load(two));
	const struct store *s = store_slot_acquire(slot, &t);
	ck_assert_uint_eq(store_count(s), 2);
	ck_assert_uint_eq(store_slot_readers(slot), 1);
	(void)store_slot_acquire(slot, &t2);
	ck_assert_uint_eq(store_slot_readers(slot), 2);
	store_slot_release(slot, t2);
	store_slot_release(slot, t);
	ck_assert_uint_eq(store_slot_readers(slot), 0);
	store_slot_swap(slot, stores_load(three));
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
	TCase *tc = tcase_create("query");
	tcase_add_test(tc, test_duplicates_keep_last);
	tcase_add_test(tc, test_order_numeric_ids);
	tcase_add_test(tc, test_web_conference_date);
	tcase_add_test(tc, test_range_bounds);
	tcase_add_test(tc, test_workspace_filter);
	tcase_add_test(tc, test_after_positions);
	tcase_add_test(tc, test_walk_every_call_once);
	tcase_add_test(tc, test_arena_contiguous);
	tcase_add_test(tc, test_ids_and_positions);
	suite_add_tcase(s, tc);

	tc = tcase_create("views");
	tcase_add_test(tc, test_started_order);
	tcase_add_test(tc, test_started_filters);
	tcase_add_test(tc, test_started_walks);
	tcase_add_test(tc, test_find_by_id);
	tcase_add_test(tc, test_blocks_of_calls);
	tcase_add_test(tc, test_transcripts_joined);
	tcase_add_test(tc, test_transcript_of_an_unknown_call);
	tcase_add_test(tc, test_a_second_load_is_the_same);
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
	return harness_run(store_suite());
}
