/*
 * fuzz_query.c - libFuzzer entry point for query.
 *
 * Feeds the input, as a raw query string straight off the network, to query_parse and then
 * query_filter, and checks what must hold for any bytes: the caps are obeyed, every decoded
 * name and value lies inside the struct and is NUL-terminated, query_get finds the first of
 * equal names, and a filter that passes is consistent with its own rules while one that fails
 * carries exactly one of Gong's messages. Any broken property aborts, which libFuzzer reports
 * as a crash.
 */
#include "query.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const messages[] = {
    "fromDateTime: must be a valid ISO-8601 date-time",
    "toDateTime: must be a valid ISO-8601 date-time",
    "fromDateTime: must be before toDateTime",
    "workspaceId: must be a numeric id of up to 20 digits",
};

/* The struct is large; one static instance keeps it off the fuzzer's stack. */
static struct query q;

static bool
inside(const char *p, size_t n)
{
	uintptr_t lo = (uintptr_t)q.buf, hi = lo + sizeof q.buf, at = (uintptr_t)p;

	return at >= lo && at + n < hi;
}

static void
check_params(void)
{
	if (q.count > QUERY_MAX_PARAMS)
		abort();
	for (size_t i = 0; i < q.count; i++) {
		const struct query_param *p = &q.params[i];
		size_t nlen;

		if (!inside(p->name, 0))
			abort();
		nlen = strnlen(p->name, (size_t)(q.buf + sizeof q.buf - p->name));
		if (!inside(p->name, nlen) || !inside(p->value, p->value_len) ||
		    p->value[p->value_len] != '\0')
			abort();
		/* query_get gives the first parameter of that name: this one or an earlier one. */
		const struct query_param *g = query_get(&q, p->name);
		if (g == NULL || g > p || strcmp(g->name, p->name) != 0)
			abort();
	}
}

static void
check_filter(void)
{
	struct filter f;
	const char *cursor = NULL;
	size_t cursor_len = 0, n;
	char err[128] = "";

	if (query_filter(&q, &f, &cursor, &cursor_len, err, sizeof err) != 0) {
		for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++)
			if (strcmp(err, messages[i]) == 0)
				return;
		abort();
	}
	if (f.has_from && f.has_to && f.from_us >= f.to_us)
		abort();
	if (f.has_workspace) {
		n = strlen(f.workspace);
		if (n < 1 || n > FILTER_WORKSPACE_MAX || strspn(f.workspace, "0123456789") != n)
			abort();
	}
	if ((cursor == NULL) != (cursor_len == 0))
		abort();
	if (cursor != NULL && !inside(cursor, cursor_len))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int rc = query_parse(&q, (const char *)data, size);

	if (rc == -1) {
		if (q.count != 0)
			abort();
		return 0;
	}
	if (rc != 0 || size > QUERY_MAX_LEN)
		abort();
	check_params();
	check_filter();
	return 0;
}
