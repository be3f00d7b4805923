/*
 * query.c - splits and decodes the query string of GET /v2/calls, then validates the four
 * parameters the endpoint knows into a struct filter.
 *
 * Everything is decoded into the buffer inside struct query, so nothing is allocated and the
 * caller's memory is only read, never past `len`. This module does not check a cursor (the
 * cursor module does), does not look at the path or headers, and does not turn its messages
 * into responses: it only produces the text of Gong's 400 errors.
 */
#include "query.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "isotime.h"

/*
 * Hex digits by hand, for the same reason as the digit test in isotime.c: the ctype functions
 * follow the locale and are undefined for negative char values.
 */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes n bytes of src into dst and returns the decoded length, which is never more
 * than n, so the caller's space check on the raw length holds. A `%` not followed by two hex
 * digits is copied as it is, as the WHATWG URL standard's form decoder does; rejecting it
 * would turn a harmless typo in an unknown parameter into an error. *nul tells whether the
 * result holds a NUL byte, which a NUL-terminated name cannot represent.
 */
static size_t
decode(char *dst, const char *src, size_t n, bool *nul)
{
	size_t i = 0, o = 0;

	*nul = false;
	while (i < n) {
		char c = src[i];

		if (c == '%' && n - i >= 3) {
			int hi = hex_value(src[i + 1]), lo = hex_value(src[i + 2]);

			if (hi >= 0 && lo >= 0) {
				c = (char)(hi << 4 | lo);
				i += 3;
				if (c == '\0')
					*nul = true;
				dst[o++] = c;
				continue;
			}
		}
		dst[o++] = c == '+' ? ' ' : c;
		i++;
	}
	return o;
}

/*
 * Each stored piece takes at most its raw length plus two NULs, one after the name and one
 * after the value, in q->buf; the pieces' raw lengths add up to at most QUERY_MAX_LEN, so the
 * buffer declared in query.h always has room. The cap on pieces counts every non-empty one,
 * a skipped NUL-named piece included, while runs of `&` cost nothing but a scan.
 */
int
query_parse(struct query *q, const char *raw, size_t len)
{
	size_t start = 0, used = 0, pieces = 0;

	q->count = 0;
	if (len > QUERY_MAX_LEN)
		return -1;
	while (start < len) {
		const char *piece = raw + start, *amp, *eq;
		size_t plen, raw_nlen, nlen, vlen;
		struct query_param *p;
		bool name_nul, value_nul; /* a NUL in a value is left to query_filter */

		amp = memchr(piece, '&', len - start);
		plen = amp ? (size_t)(amp - piece) : len - start;
		start += plen + 1;
		if (plen == 0)
			continue;
		if (++pieces > QUERY_MAX_PARAMS) {
			q->count = 0;
			return -1;
		}

		eq = memchr(piece, '=', plen);
		raw_nlen = eq ? (size_t)(eq - piece) : plen;
		p = &q->params[q->count];
		p->name = q->buf + used;
		nlen = decode(q->buf + used, piece, raw_nlen, &name_nul);
		q->buf[used + nlen] = '\0';
		if (name_nul)
			continue;
		p->value = q->buf + used + nlen + 1;
		vlen = 0;
		if (eq != NULL)
			vlen = decode(q->buf + used + nlen + 1, eq + 1, plen - raw_nlen - 1,
			              &value_nul);
		q->buf[used + nlen + 1 + vlen] = '\0';
		p->value_len = vlen;
		used += nlen + 1 + vlen + 1;
		q->count++;
	}
	return 0;
}

const struct query_param *
query_get(const struct query *q, const char *name)
{
	for (size_t i = 0; i < q->count; i++)
		if (strcmp(q->params[i].name, name) == 0)
			return &q->params[i];
	return NULL;
}

/* The value of a parameter, with an empty one reported as absent, as Gong treats it. */
static const struct query_param *
get_nonempty(const struct query *q, const char *name)
{
	const struct query_param *p = query_get(q, name);

	return p != NULL && p->value_len > 0 ? p : NULL;
}

static void
set_err(char *err, size_t errlen, const char *field, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", field, msg);
}

/*
 * Reads one date parameter. A value holding a NUL byte needs no check of its own here:
 * isotime_parse reads by length and a NUL is never a valid byte of a date.
 */
static int
read_date(const struct query *q, const char *name, bool *has, int64_t *us, char *err, size_t errlen)
{
	const struct query_param *p = get_nonempty(q, name);

	*has = false;
	if (p == NULL)
		return 0;
	char again[ISOTIME_TEXT_MAX + 1];

	/* A date must also be one a cursor can carry: years 0000 to 9999 in UTC. */
	if (isotime_parse(p->value, p->value_len, ISOTIME_LENIENT, us) < 0 ||
	    isotime_format(*us, again, sizeof(again)) == 0) {
		set_err(err, errlen, name, "must be a valid ISO-8601 date-time");
		return -1;
	}
	*has = true;
	return 0;
}

/*
 * Checks run in a fixed order, each field's own form first and the relation between the two
 * dates last, so the message a client sees does not depend on the order of its parameters.
 * The result goes to *f only on success, so a caller never sees half a filter.
 */
int
query_filter(const struct query *q, struct filter *f, const char **cursor, size_t *cursor_len,
             char *err, size_t errlen)
{
	struct filter r = {0};
	const struct query_param *ws, *cur;

	if (read_date(q, "fromDateTime", &r.has_from, &r.from_us, err, errlen) < 0 ||
	    read_date(q, "toDateTime", &r.has_to, &r.to_us, err, errlen) < 0)
		return -1;

	ws = get_nonempty(q, "workspaceId");
	if (ws != NULL) {
		bool ok = ws->value_len <= FILTER_WORKSPACE_MAX;

		for (size_t i = 0; ok && i < ws->value_len; i++)
			ok = ws->value[i] >= '0' && ws->value[i] <= '9';
		if (!ok) {
			set_err(err, errlen, "workspaceId",
			        "must be a numeric id of up to 20 digits");
			return -1;
		}
		memcpy(r.workspace, ws->value, ws->value_len);
		r.workspace[ws->value_len] = '\0';
		r.has_workspace = true;
	}

	if (r.has_from && r.has_to && r.from_us >= r.to_us) {
		set_err(err, errlen, "fromDateTime", "must be before toDateTime");
		return -1;
	}

	/*
	 * The cursor is passed on as text, NUL bytes and all: its verification belongs to the
	 * cursor module, which reads by length and answers "Failed to verify cursor".
	 */
	cur = get_nonempty(q, "cursor");
	*f = r;
	*cursor = cur ? cur->value : NULL;
	*cursor_len = cur ? cur->value_len : 0;
	return 0;
}
