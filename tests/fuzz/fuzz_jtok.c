/*
 * fuzz_jtok.c - libFuzzer entry point for jtok, against jansson.
 *
 * Whatever jtok accepts, jansson must accept too, and the compact copy jtok makes of it must
 * read back as the same value: a load reads a call by its tokens when it can and by jansson
 * otherwise, and the two must never disagree on what the data holds. Each token's subtree must
 * end inside its parent's, and each array's and object's count must match its children. Any
 * broken property aborts, which libFuzzer reports as a crash.
 */
#include "jtok.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jtoks ts;

/* Checks token i's subtree, returning the index after it. */
static size_t
walk(size_t i, size_t limit)
{
	const struct jtok *t = &ts.t[i];
	size_t k = i + 1;

	if (t->next > limit || t->next <= i || t->start > t->end)
		abort();
	if (t->type == JTOK_OBJECT || t->type == JTOK_ARRAY) {
		for (uint32_t m = 0; m < t->n; m++) {
			if (t->type == JTOK_OBJECT) {
				if (ts.t[k].type != JTOK_STRING || ts.t[k].next != k + 1)
					abort();
				k++;
			}
			k = walk(k, t->next);
		}
	}
	if (k != t->next)
		abort();
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct jsonw copy = {0};
	json_t *a, *b;

	if (jtok_parse(&ts, text, size) != 0)
		return 0;
	if (walk(0, ts.n) != ts.n)
		abort();
	a = json_loadb(text, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	if (a == NULL)
		abort();
	jtok_copy(&ts, text, 0, &copy);
	if (copy.failed)
		abort();
	b = json_loadb(copy.p, copy.len, JSON_DECODE_ANY, NULL);
	if (b == NULL || !json_equal(a, b))
		abort();
	if (ts.t[0].type == JTOK_OBJECT) {
		/* Every key jansson holds, jtok_get finds (jansson keeps the last of equal keys and
		 * jtok the first, so only presence is compared). */
		const char *key;
		json_t *v;

		json_object_foreach(a, key, v)
		{
			if (memchr(key, '\0', 1) == NULL && jtok_get(&ts, text, 0, key) < 0)
				abort();
		}
	}
	json_decref(a);
	json_decref(b);
	jsonw_free(&copy);
	return 0;
}
