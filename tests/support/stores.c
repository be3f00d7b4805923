/*
 * stores.c - stores loaded from text, and their calls, for the unit tests that need them. Loads
 * go through store_load_buffer, as a fixture file's content would.
 */
#include "stores.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"

static char stores_err[512];

struct store *
stores_load(const char *text)
{
	struct store *s =
	    store_load_buffer("calls.json", text, strlen(text), stores_err, sizeof(stores_err));
	ck_assert_msg(s != NULL, "load failed: %s", stores_err);
	return s;
}

const char *
stores_load_error(const char *name, const char *text)
{
	struct store *s =
	    store_load_buffer(name, text, strlen(text), stores_err, sizeof(stores_err));
	ck_assert_msg(s == NULL, "loaded, but should fail: %s", text);
	return stores_err;
}

const struct store_call **
stores_all(const struct store *s, size_t *n)
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

char *
stores_text(const struct store *s)
{
	size_t n;
	const struct store_call **calls = stores_all(s, &n);
	size_t len = n ? (size_t)(calls[n - 1]->json - calls[0]->json) + calls[n - 1]->json_len : 0;
	char *out = malloc(len + 1);
	ck_assert_ptr_nonnull(out);
	if (len)
		memcpy(out, calls[0]->json, len);
	out[len] = '\0';
	free(calls);
	return out;
}

const struct store_call *
stores_only(const struct store *s)
{
	static const struct store_call *one[1];
	struct filter f = {0};
	struct store_page page = {.calls = one};
	ck_assert_uint_eq(store_count(s), 1);
	store_query(s, &f, NULL, 1, &page);
	return one[0];
}

const char *
stores_id(const struct store_call *c)
{
	static char ids[8][STORE_ID_MAX + 1];
	static int next;
	char *out = ids[next++ % 8];
	store_id_format(c->id_hi, c->id_lo, out);
	return out;
}

void
stores_assert_json(const struct store_call *c, const char *expected)
{
	ck_assert_msg(c->json_len == strlen(expected) &&
	                  memcmp(c->json, expected, c->json_len) == 0,
	              "rendered\n  %.*s\nexpected\n  %s", (int)c->json_len, c->json, expected);
}

int64_t
stores_at(const char *iso)
{
	int64_t us;
	ck_assert_int_eq(isotime_parse(iso, strlen(iso), ISOTIME_REQUIRE_OFFSET, &us), 0);
	return us;
}
