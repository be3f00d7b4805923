/*
 * query.h - the query string of a request: splitting, decoding, and validating the parameters
 * of GET /v2/calls.
 *
 * query_parse decodes `a=b&c=d` into name/value pairs held inside the struct (no allocation);
 * query_filter turns them into a struct filter plus the cursor text, with Gong's 400 messages.
 * Pure functions on caller-owned memory: safe from any thread. Knows nothing of HTTP.
 */
#ifndef GONGMOCK_QUERY_H
#define GONGMOCK_QUERY_H

#include <stddef.h>

#include "filter.h"

/*
 * Caps on what a query may hold; past them query_parse fails and the request gets a 400.
 * Gong ignores parameters it does not know, so the count is generous: a struct query is
 * about 21 KB, fine on a worker's stack.
 */
#define QUERY_MAX_LEN 8192
#define QUERY_MAX_PARAMS 512

struct query_param {
	const char *name; /* NUL-terminated, percent-decoded, `+` read as a space */
	const char *value;
	size_t value_len; /* a decoded value may hold a NUL byte (%00): then it is invalid */
};

struct query {
	size_t count;
	struct query_param params[QUERY_MAX_PARAMS];
	char buf[QUERY_MAX_LEN + QUERY_MAX_PARAMS * 2 + 2]; /* decoded names and values */
};

/*
 * Splits `raw` (the part after `?`, `len` bytes, not NUL-terminated, may be empty) on `&`,
 * then each piece on its first `=`, and percent-decodes both halves (`%xx` either case; `+`
 * becomes a space; a stray `%` is kept as it is). Empty pieces (`a=1&&b=2`) are skipped; a
 * piece without `=` is a name with an empty value. A piece whose decoded name holds a NUL
 * byte (%00) is skipped, as no parameter has such a name. Returns 0, or -1 when the query is
 * longer than QUERY_MAX_LEN or has more than QUERY_MAX_PARAMS pieces.
 */
int query_parse(struct query *q, const char *raw, size_t len);

/* The first parameter called `name` (case-sensitive), or NULL. */
const struct query_param *query_get(const struct query *q, const char *name);

/*
 * Reads fromDateTime, toDateTime, workspaceId and cursor from q. An empty value is the same as
 * an absent parameter. Dates go through isotime_parse (lenient). A workspaceId must be 1 to 20
 * decimal digits. Other parameters are ignored. On success returns 0, fills *f, and sets
 * *cursor and *cursor_len to the cursor text inside q (NULL/0 when absent). On failure returns -1
 * and writes Gong's message to err, one of:
 *   "fromDateTime: must be a valid ISO-8601 date-time"   (likewise toDateTime)
 *   "fromDateTime: must be before toDateTime"            (when both are given and from >= to)
 *   "workspaceId: must be a numeric id of up to 20 digits"
 */
int query_filter(const struct query *q, struct filter *f, const char **cursor, size_t *cursor_len,
                 char *err, size_t errlen);

#endif
