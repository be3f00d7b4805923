/*
 * test_store.c - the call store: duplicate ids, the (date, id) order and the web-conference
 * date, date ranges, workspaces, `after` positions and full walks, the layout of the rendered
 * text, ids as numbers, and the store slot under concurrent readers.
 */
#include "store.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
