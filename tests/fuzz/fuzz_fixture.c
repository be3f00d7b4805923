/*
 * fuzz_fixture.c - libFuzzer entry point for the fixture loader, as a differential test.
 *
 * The loader reads most calls with a small parser of its own and hands everything else to
 * jansson; both feed the same checks and the same renderer. Each input is read as lines, and:
 *
 *   - every line, and the whole input, goes through reader_call_render with each parser
 *     alone. Where the fast parser takes the text, jansson must take it too and give the same
 *     answer: the same rendered bytes, or the same message. Where it passes the text on, a load
 *     uses jansson, so there is nothing to compare. A rendered call read back must render to
 *     itself, with either parser.
 *   - the lines, joined as a JSON array, are loaded as an array file (read element by element,
 *     fast parser first) and as a page object {"calls":[...]} (one jansson document). When the
 *     array is valid JSON both loads must give the same store or the same message; when it is
 *     not, the array file must be refused.
 *   - when there are two lines or more and every line is a JSON object, the input is also a
 *     JSON Lines file, which must load to the same store as the array.
 *   - the input as it is: any store it loads to is in (date, id) order with unique ids, and
 *     each of its calls renders to itself.
 *
 * Any broken property prints both sides and aborts, which libFuzzer reports as a crash.
 */
#include "store.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_LINES 64
#define FUZZ_NAME "calls.json"
/* jansson's nesting limit; a deeper value is refused as a whole document but may be read on
 * its own as an array element, one level up, so such inputs are not compared. */
#define FUZZ_DEPTH_MAX 2000

static char err_a[512], err_b[512];

static void
fuzz_fail(const char *what, const char *a, size_t alen, const char *b, size_t blen)
{
	fprintf(stderr, "fuzz_fixture: %s\n  A: %.*s\n  B: %.*s\n", what, (int)alen, a, (int)blen,
	        b);
	abort();
}

static bool
is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

/* Bracket depth, strings skipped roughly: an upper bound is all that is needed. */
static size_t
max_depth(const char *p, size_t n)
{
	size_t depth = 0, max = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '[' || p[i] == '{') {
			if (++depth > max)
				max = depth;
		} else if ((p[i] == ']' || p[i] == '}') && depth > 0) {
			depth--;
		}
	}
	return max;
}

/* A call rendered by either parser must read back, with both, as the same bytes. */
static void
check_fixed_point(const char *json, size_t len)
{
	static const enum reader_parser parsers[] = {READER_PARSER_FAST, READER_PARSER_JANSSON};
	for (size_t i = 0; i < 2; i++) {
		char *again;
		size_t again_len;
		enum reader_render_result r = reader_call_render(parsers[i], json, len, &again,
		                                                 &again_len, err_a, sizeof(err_a));
		if (r == READER_RENDER_PASSED && parsers[i] == READER_PARSER_FAST)
			continue;
		if (r != READER_RENDER_OK)
			fuzz_fail(i ? "rendered call refused by jansson" : "rendered call refused",
			          json, len, err_a, strlen(err_a));
		if (again_len != len || memcmp(again, json, len) != 0)
			fuzz_fail("rendered call renders differently", json, len, again, again_len);
		free(again);
	}
}

/* The fast parser, where it takes the text, and jansson must agree on it. */
static void
check_call(const char *text, size_t len)
{
	char *fast, *slow;
	size_t fast_len, slow_len;
	enum reader_render_result f = reader_call_render(READER_PARSER_FAST, text, len, &fast,
	                                                 &fast_len, err_a, sizeof(err_a));
	enum reader_render_result j = reader_call_render(READER_PARSER_JANSSON, text, len, &slow,
	                                                 &slow_len, err_b, sizeof(err_b));
	if (f == READER_RENDER_PASSED) {
		if (fast != NULL)
			abort();
	} else if (f != j) {
		fuzz_fail(f == READER_RENDER_OK ? "fast parser accepts, jansson refuses"
		                                : "fast parser refuses, jansson accepts",
		          f == READER_RENDER_OK ? fast : err_a,
		          f == READER_RENDER_OK ? fast_len : strlen(err_a),
		          j == READER_RENDER_OK ? slow : err_b,
		          j == READER_RENDER_OK ? slow_len : strlen(err_b));
	} else if (f == READER_RENDER_OK) {
		if (fast_len != slow_len || memcmp(fast, slow, fast_len) != 0)
			fuzz_fail("the parsers render differently", fast, fast_len, slow, slow_len);
	} else if (strcmp(err_a, err_b) != 0) {
		fuzz_fail("the parsers refuse differently", err_a, strlen(err_a), err_b,
		          strlen(err_b));
	}
	if (j == READER_RENDER_OK) {
		if (strlen(slow) != slow_len)
			abort();
		check_fixed_point(slow, slow_len);
	}
	free(fast);
	free(slow);
}

static const struct store_call **
store_calls(const struct store *s)
{
	struct filter f = {0};
	struct store_page page;
	const struct store_call **calls = calloc(store_count(s) + 1, sizeof(*calls));
	if (calls == NULL)
		abort();
	page.calls = calls;
	store_query(s, &f, NULL, store_count(s) + 1, &page);
	if (page.count != store_count(s) || page.total != store_count(s) || page.remaining != 0)
		abort();
	return calls;
}

static void
store_same(const char *what, const struct store *a, const struct store *b)
{
	int64_t a0, a1, b0, b1;
	size_t n = store_count(a);
	if (store_count(b) != n || store_workspace_count(a) != store_workspace_count(b))
		fuzz_fail(what, "count", 5, "count", 5);
	store_date_span(a, &a0, &a1);
	store_date_span(b, &b0, &b1);
	if (a0 != b0 || a1 != b1)
		fuzz_fail(what, "date span", 9, "date span", 9);
	const struct store_call **ca = store_calls(a), **cb = store_calls(b);
	for (size_t i = 0; i < n; i++) {
		const struct store_call *x = ca[i], *y = cb[i];
		if (x->date_us != y->date_us || x->id_hi != y->id_hi || x->id_lo != y->id_lo ||
		    x->workspace != y->workspace || x->json_len != y->json_len ||
		    memcmp(x->json, y->json, x->json_len) != 0)
			fuzz_fail(what, x->json, x->json_len, y->json, y->json_len);
	}
	free(ca);
	free(cb);
}

/* What must hold for any store: order, unique ids, calls that render to themselves. */
static void
check_store(const struct store *s)
{
	const struct store_call **c = store_calls(s);
	size_t n = store_count(s);
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			const struct store_call *p = c[i - 1], *q = c[i];
			if (p->date_us > q->date_us ||
			    (p->date_us == q->date_us &&
			     (p->id_hi > q->id_hi ||
			      (p->id_hi == q->id_hi && p->id_lo >= q->id_lo))))
				fuzz_fail("store out of order or duplicate id", p->json,
				          p->json_len, q->json, q->json_len);
			/* Neighbours in the order are neighbours in memory, one ',' apart. */
			if (q->json != p->json + p->json_len + 1 || p->json[p->json_len] != ',')
				abort();
		}
		if (c[i]->workspace != STORE_NO_WORKSPACE &&
		    c[i]->workspace >= store_workspace_count(s))
			abort();
		check_fixed_point(c[i]->json, c[i]->json_len);
	}
	free(c);
}

static struct store *
load(const char *text, size_t len, char *err, size_t errlen)
{
	return store_load_buffer(FUZZ_NAME, text, len, err, errlen);
}

/* Appends n bytes to a buffer sized by the caller. */
static void
put(char *buf, size_t *at, const char *s, size_t n)
{
	memcpy(buf + *at, s, n);
	*at += n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *line[FUZZ_MAX_LINES];
	size_t line_len[FUZZ_MAX_LINES], nlines = 0, start = 0;
	bool all_objects = true;

	/* The lines, blank ones left out as JSON Lines skips them. */
	while (start < size && nlines < FUZZ_MAX_LINES) {
		const char *nl = memchr(text + start, '\n', size - start);
		size_t n = nl != NULL ? (size_t)(nl - (text + start)) : size - start;
		if (!is_blank(text + start, n)) {
			line[nlines] = text + start;
			line_len[nlines++] = n;
		}
		start += n + 1;
	}
	if (start < size && !is_blank(text + start, size - start))
		all_objects = false; /* more lines than are compared: no JSON Lines check */

	for (size_t i = 0; i < nlines; i++) {
		check_call(line[i], line_len[i]);
		if (all_objects) {
			json_error_t e;
			json_t *j = json_loadb(line[i], line_len[i], JSON_REJECT_DUPLICATES, &e);
			all_objects = json_is_object(j);
			json_decref(j);
		}
	}
	if (nlines != 1 || line_len[0] != size)
		check_call(text, size);

	/* The lines as an array file, and inside a page object. */
	char *arr = malloc(size + nlines + 16);
	if (arr == NULL)
		abort();
	size_t alen = 0;
	put(arr, &alen, "{\"calls\":[", 10);
	for (size_t i = 0; i < nlines; i++) {
		if (i > 0)
			put(arr, &alen, ",", 1);
		put(arr, &alen, line[i], line_len[i]);
	}
	put(arr, &alen, "]}", 2);
	const char *array = arr + 9;
	size_t array_len = alen - 10;
	bool deep = max_depth(text, size) >= FUZZ_DEPTH_MAX;

	json_error_t e;
	json_t *whole = json_loadb(array, array_len, JSON_REJECT_DUPLICATES, &e);
	bool valid = json_is_array(whole);
	json_decref(whole);
	struct store *a = load(array, array_len, err_a, sizeof(err_a));
	if (!deep && valid) {
		struct store *d = load(arr, alen, err_b, sizeof(err_b));
		if ((a == NULL) != (d == NULL))
			fuzz_fail(a == NULL ? "array refused, page accepted"
			                    : "array accepted, page refused",
			          err_a, strlen(err_a), err_b, strlen(err_b));
		if (a != NULL)
			store_same("array and page differ", a, d);
		else if (strcmp(err_a, err_b) != 0)
			fuzz_fail("array and page refused differently", err_a, strlen(err_a), err_b,
			          strlen(err_b));
		store_free(d);
	} else if (!deep && a != NULL) {
		fuzz_fail("array file accepted, but it is not JSON", array, array_len, "", 0);
	}

	/* Two objects or more, one per line: JSON Lines, the same calls as the array. */
	if (!deep && valid && all_objects && nlines >= 2) {
		struct store *l = load(text, size, err_b, sizeof(err_b));
		if ((a == NULL) != (l == NULL))
			fuzz_fail(a == NULL ? "array refused, lines accepted"
			                    : "array accepted, lines refused",
			          err_a, strlen(err_a), err_b, strlen(err_b));
		if (a != NULL)
			store_same("array and lines differ", a, l);
		else if (strcmp(err_a, err_b) != 0)
			fuzz_fail("array and lines refused differently", err_a, strlen(err_a),
			          err_b, strlen(err_b));
		store_free(l);
	}
	if (a != NULL)
		check_store(a);
	store_free(a);
	free(arr);

	/* The input as it is, whatever its format. */
	struct store *s = load(text, size, err_a, sizeof(err_a));
	if (s != NULL)
		check_store(s);
	else if (err_a[0] == '\0' || strncmp(err_a, FUZZ_NAME ": ", sizeof(FUZZ_NAME ": ") - 1))
		fuzz_fail("refused without a message naming the file", err_a, strlen(err_a), "", 0);
	store_free(s);
	return 0;
}
