/*
 * filter.h - the filters of a GET /v2/calls request, as values.
 *
 * This header only declares a plain value type shared by the query parser, the cursor codec and
 * the store. It has no functions and owns nothing.
 */
#ifndef GONGMOCK_FILTER_H
#define GONGMOCK_FILTER_H

#include <stdbool.h>
#include <stdint.h>

/* A workspace id is up to 20 decimal digits, like a call id. */
#define FILTER_WORKSPACE_MAX 20

struct filter {
	bool has_from;      /* fromDateTime given: calls on or after from_us */
	bool has_to;        /* toDateTime given: calls strictly before to_us */
	bool has_workspace; /* workspaceId given: only calls of that workspace */
	int64_t from_us;    /* microseconds since the epoch, UTC */
	int64_t to_us;
	char workspace[FILTER_WORKSPACE_MAX + 1]; /* digits, NUL-terminated */
};

#endif
